//! The OAuth authorization server: code exchange, refresh-token rotation and its 30-s window,
//! access-token expiry, location tokens, and the issued tokens on the API routes.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use mock_server::{AppState, MockServer, MockServerBuilder};
use mock_server::{AuthorizationRequest, OAuthApp};
use serde_json::{Value, json};

use crate::support::{Reply, VERSION, assert_error, send_to};

const FORM: &str = "application/x-www-form-urlencoded";

fn form_request(uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect();
    Request::post(uri)
        .header("Content-Type", FORM)
        .body(Body::from(body.join("&")))
        .expect("a valid request")
}

async fn token_call(state: &AppState, fields: &[(&str, &str)]) -> Reply {
    send_to(state, form_request("/oauth/token", fields)).await
}

async fn exchange(state: &AppState, code: &str) -> Reply {
    let app = state.oauth_app();
    token_call(
        state,
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("user_type", "Location"),
        ],
    )
    .await
}

async fn refresh(state: &AppState, refresh_token: &str) -> Reply {
    let app = state.oauth_app();
    token_call(
        state,
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

fn text(reply: &Reply, key: &str) -> String {
    reply.body[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string in {}", reply.body))
        .to_owned()
}

async fn location_pair(state: &AppState) -> Reply {
    let code = state
        .authorization_code(&AuthorizationRequest::location(state.location_id()))
        .expect("a code");
    let reply = exchange(state, &code).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
}

async fn api_get(state: &AppState, uri: &str, token: &str) -> Reply {
    let request = Request::get(uri)
        .header("Version", VERSION)
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a valid request");
    send_to(state, request).await
}

fn agents_uri(state: &AppState) -> String {
    format!("/voice-ai/agents?locationId={}", state.location_id())
}

async fn location_token_call(state: &AppState, token: &str, fields: &[(&str, &str)]) -> Reply {
    let mut request = form_request("/oauth/locationToken", fields);
    request
        .headers_mut()
        .insert("Version", "2021-07-28".parse().expect("a header value"));
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("a header value"),
    );
    send_to(state, request).await
}

async fn agency_pair(state: &AppState, approved: &[&str]) -> Reply {
    let code = state
        .authorization_code(
            &AuthorizationRequest::company("agency00000000000001")
                .approved_locations(approved.iter().copied()),
        )
        .expect("a code");
    let app = state.oauth_app();
    let reply = token_call(
        state,
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Company"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
}

#[tokio::test]
async fn a_code_exchange_answers_the_vendor_token_fields() {
    let state = MockServer::builder().build_state();
    let reply = location_pair(&state).await;
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86_399);
    assert_eq!(body["userType"], "Location");
    assert_eq!(body["locationId"], state.location_id());
    assert_eq!(body["companyId"], mock_server::DEFAULT_COMPANY_ID);
    assert_eq!(body["isBulkInstallation"], false);
    for key in ["access_token", "refresh_token", "userId", "planId"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key} in {body}"
        );
    }
    let scopes: Vec<&str> = body["scope"]
        .as_str()
        .expect("a scope")
        .split(' ')
        .collect();
    assert!(scopes.contains(&"voice-ai-agents.readonly"), "{scopes:?}");
    assert!(scopes.contains(&"conversation-ai.write"), "{scopes:?}");
}

#[tokio::test]
async fn an_issued_access_token_is_a_jwt_naming_its_auth_class() {
    let state = MockServer::builder().build_state();
    let reply = location_pair(&state).await;
    let token = text(&reply, "access_token");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .expect("base64url claims"),
    )
    .expect("JSON claims");
    assert_eq!(claims["authClass"], "Location");
    assert_eq!(claims["authClassId"], state.location_id());
    assert_eq!(claims["source"], "INTEGRATION");
    assert_eq!(claims["channel"], "OAUTH");
    assert_eq!(claims["scope"], reply.body["scope"]);
    let lifetime = claims["exp"].as_u64().expect("exp") - claims["iat"].as_u64().expect("iat");
    assert_eq!(lifetime, 86_399);
}

#[tokio::test]
async fn a_bogus_code_is_refused_with_the_measured_body() {
    let state = MockServer::builder().build_state();
    let reply = exchange(&state, "no-such-code").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        json!({"error": "UnAuthorized!", "error_description": "Authorization code not found"})
    );
}

#[tokio::test]
async fn a_code_works_once() {
    let state = MockServer::builder().build_state();
    let code = state
        .authorization_code(&AuthorizationRequest::location(state.location_id()))
        .expect("a code");
    assert_eq!(exchange(&state, &code).await.status, StatusCode::OK);
    let again = exchange(&state, &code).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        again.body["error_description"],
        "Authorization code not found"
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused() {
    let state = MockServer::builder().build_state();
    let code = state
        .authorization_code(&AuthorizationRequest::location(state.location_id()))
        .expect("a code");
    let app = state.oauth_app();
    let reply = token_call(
        &state,
        &[
            ("client_id", &app.client_id),
            ("client_secret", "wrong"),
            ("grant_type", "authorization_code"),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        json!({"error": "UnAuthorized!", "error_description": "Invalid client credentials"})
    );
    // The refused attempt did not use the code up.
    assert_eq!(exchange(&state, &code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_token_requests_are_400_naming_the_problem() {
    let state = MockServer::builder().build_state();
    let app = state.oauth_app();
    let json_body = Request::post("/oauth/token")
        .header("Content-Type", "application/json")
        .body(Body::from(r#"{"client_id":"x"}"#))
        .expect("a valid request");
    let cases = [
        (
            send_to(&state, json_body).await,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        ),
        (
            token_call(&state, &[("client_id", &app.client_id)]).await,
            "invalid_request",
            "client_secret is required",
        ),
        (
            token_call(
                &state,
                &[
                    ("client_id", &app.client_id),
                    ("client_secret", &app.client_secret),
                    ("grant_type", "client_credentials"),
                ],
            )
            .await,
            "unsupported_grant_type",
            "Unsupported grant_type: client_credentials",
        ),
        (
            token_call(
                &state,
                &[
                    ("client_id", &app.client_id),
                    ("client_secret", &app.client_secret),
                    ("grant_type", "authorization_code"),
                    ("code", "c"),
                    ("user_type", "Agency"),
                ],
            )
            .await,
            "invalid_request",
            "user_type must be one of the following values: Company, Location",
        ),
    ];
    for (reply, error, description) in cases {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert_eq!(
            reply.body,
            json!({"error": error, "error_description": description})
        );
    }
}

#[tokio::test]
async fn a_code_for_another_app_is_not_found_with_this_apps_credentials() {
    let second = OAuthApp::new("5f5f5f5f5f5f5f5f5f5f5f5f-second1", "second-secret");
    let state = MockServer::builder()
        .oauth_app(second.clone())
        .build_state();
    let code = state
        .authorization_code(
            &AuthorizationRequest::location(state.location_id()).client_id(&second.client_id),
        )
        .expect("a code for the second app");
    assert_eq!(
        exchange(&state, &code).await.body["error_description"],
        "Authorization code not found"
    );
    let reply = token_call(
        &state,
        &[
            ("client_id", &second.client_id),
            ("client_secret", &second.client_secret),
            ("grant_type", "authorization_code"),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_refresh_rotates_the_pair_and_the_new_refresh_token_works() {
    let state = MockServer::builder().build_state();
    let first = location_pair(&state).await;
    let second = refresh(&state, &text(&first, "refresh_token")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_ne!(text(&second, "access_token"), text(&first, "access_token"));
    assert_ne!(
        text(&second, "refresh_token"),
        text(&first, "refresh_token")
    );
    assert_eq!(second.body["locationId"], state.location_id());
    let third = refresh(&state, &text(&second, "refresh_token")).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.body);
    assert_ne!(
        text(&third, "refresh_token"),
        text(&second, "refresh_token")
    );
}

#[tokio::test]
async fn concurrent_refreshes_within_the_window_get_the_same_new_pair() {
    let state = MockServer::builder().build_state();
    let first = location_pair(&state).await;
    let refresh_token = text(&first, "refresh_token");
    let replies = futures::future::join_all((0..8).map(|_| {
        let state = state.clone();
        let refresh_token = refresh_token.clone();
        tokio::spawn(async move { refresh(&state, &refresh_token).await })
    }))
    .await;
    let pairs: Vec<(String, String)> = replies
        .into_iter()
        .map(|r| {
            let reply = r.expect("the task finished");
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            (text(&reply, "access_token"), text(&reply, "refresh_token"))
        })
        .collect();
    assert!(pairs.iter().all(|p| *p == pairs[0]), "{pairs:?}");
    assert_ne!(pairs[0].1, refresh_token);
}

#[tokio::test]
async fn a_used_refresh_token_is_refused_once_the_window_has_passed() {
    let state = MockServer::builder()
        .oauth_refresh_window(Duration::from_millis(50))
        .build_state();
    let first = location_pair(&state).await;
    let used = text(&first, "refresh_token");
    assert_eq!(refresh(&state, &used).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(120)).await;
    let late = refresh(&state, &used).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        late.body,
        json!({"error": "UnAuthorized!", "error_description": "Refresh token has already been used"})
    );
    let unknown = refresh(&state, "never-issued").await;
    assert_eq!(unknown.body["error_description"], "Invalid refresh token");
}

#[tokio::test]
async fn an_issued_location_token_is_accepted_by_the_api_routes() {
    let state = MockServer::builder().build_state();
    let pair = location_pair(&state).await;
    let reply = api_get(&state, &agents_uri(&state), &text(&pair, "access_token")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let elsewhere = api_get(
        &state,
        "/voice-ai/agents?locationId=someOtherLocation001",
        &text(&pair, "access_token"),
    )
    .await;
    assert_error(
        &elsewhere,
        StatusCode::FORBIDDEN,
        json!("The token does not have access to this location."),
    );
}

#[tokio::test]
async fn an_issued_token_without_a_scope_is_refused_by_the_routes_needing_it() {
    let state = MockServer::builder().build_state();
    let tokens = state
        .issue_oauth_tokens(
            &AuthorizationRequest::location(state.location_id())
                .scopes(["conversation-ai.readonly"]),
        )
        .expect("issued");
    assert_eq!(tokens.scope, "conversation-ai.readonly");
    let refused = api_get(&state, &agents_uri(&state), &tokens.access_token).await;
    assert_error(
        &refused,
        StatusCode::UNAUTHORIZED,
        json!("The token is not authorized for this scope."),
    );
    let allowed = api_get(
        &state,
        "/conversation-ai/agents/search",
        &tokens.access_token,
    )
    .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
}

#[tokio::test]
async fn an_issued_agency_token_is_refused_by_the_api_routes_with_the_auth_class_message() {
    let state = MockServer::builder().build_state();
    let pair = agency_pair(&state, &[]).await;
    assert_eq!(pair.body["userType"], "Company");
    assert_eq!(pair.body["isBulkInstallation"], true);
    assert!(pair.body.get("locationId").is_none(), "{}", pair.body);
    let reply = api_get(&state, &agents_uri(&state), &text(&pair, "access_token")).await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        json!(
            "This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case."
        ),
    );
}

#[tokio::test]
async fn an_expired_access_token_is_an_invalid_token_and_a_refresh_restores_access() {
    let state = MockServer::builder()
        .oauth_token_lifetime(Duration::from_millis(300))
        .build_state();
    let pair = location_pair(&state).await;
    assert_eq!(pair.body["expires_in"], 0);
    let access = text(&pair, "access_token");
    assert_eq!(
        api_get(&state, &agents_uri(&state), &access).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let expired = api_get(&state, &agents_uri(&state), &access).await;
    assert_error(
        &expired,
        StatusCode::UNAUTHORIZED,
        json!("Invalid token: access token is invalid"),
    );
    let renewed = refresh(&state, &text(&pair, "refresh_token")).await;
    let fresh = api_get(&state, &agents_uri(&state), &text(&renewed, "access_token")).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
}

#[tokio::test]
async fn an_agency_token_mints_a_location_token_the_api_routes_accept() {
    let state = MockServer::builder().build_state();
    let agency = agency_pair(&state, &[state.location_id()]).await;
    let reply = location_token_call(
        &state,
        &text(&agency, "access_token"),
        &[
            ("companyId", "agency00000000000001"),
            ("locationId", state.location_id()),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let app = state.oauth_app();
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["locationId"], state.location_id());
    assert_eq!(reply.body["appId"], app.app_id());
    for key in ["planId", "userId", "versionId"] {
        assert!(reply.body[key].is_string(), "{key} in {}", reply.body);
    }
    let scopes = text(&reply, "scope");
    assert!(scopes.split(' ').any(|s| s == "oauth.readonly"), "{scopes}");
    assert!(reply.body.get("refresh_token").is_none(), "{}", reply.body);
    let agents = api_get(&state, &agents_uri(&state), &text(&reply, "access_token")).await;
    assert_eq!(agents.status, StatusCode::OK, "{}", agents.body);
}

#[tokio::test]
async fn a_location_token_for_a_location_or_company_the_agency_lacks_is_403() {
    let state = MockServer::builder().build_state();
    let agency = agency_pair(&state, &["approvedLocation0001"]).await;
    let token = text(&agency, "access_token");
    let other_location = location_token_call(
        &state,
        &token,
        &[
            ("companyId", "agency00000000000001"),
            ("locationId", "notApprovedLocation1"),
        ],
    )
    .await;
    assert_error(
        &other_location,
        StatusCode::FORBIDDEN,
        json!("The token does not have access to this location."),
    );
    let other_company = location_token_call(
        &state,
        &token,
        &[
            ("companyId", "someoneElse000000001"),
            ("locationId", "approvedLocation0001"),
        ],
    )
    .await;
    assert_error(
        &other_company,
        StatusCode::FORBIDDEN,
        json!("The token does not have access to this company."),
    );
    let missing = location_token_call(&state, &token, &[]).await;
    assert_error(
        &missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([
            "companyId should not be empty",
            "locationId should not be empty"
        ]),
    );
}

#[tokio::test]
async fn a_pit_or_a_location_token_cannot_mint_location_tokens() {
    let state = MockServer::builder().build_state();
    let location = location_pair(&state).await;
    let fields = [
        ("companyId", mock_server::DEFAULT_COMPANY_ID),
        ("locationId", state.location_id()),
    ];
    for token in [
        state.dev_token().to_owned(),
        text(&location, "access_token"),
    ] {
        let reply = location_token_call(&state, &token, &fields).await;
        assert_error(
            &reply,
            StatusCode::UNAUTHORIZED,
            json!("The token is not authorized for this scope."),
        );
    }
    let unknown = location_token_call(&state, "nope", &fields).await;
    assert_error(
        &unknown,
        StatusCode::UNAUTHORIZED,
        json!("Invalid token: access token is invalid"),
    );
}

#[tokio::test]
async fn an_agency_token_without_oauth_write_cannot_mint_location_tokens() {
    let state = MockServer::builder().build_state();
    let tokens = state
        .issue_oauth_tokens(
            &AuthorizationRequest::company("agency00000000000001").scopes(["oauth.readonly"]),
        )
        .expect("issued");
    let reply = location_token_call(
        &state,
        &tokens.access_token,
        &[
            ("companyId", "agency00000000000001"),
            ("locationId", state.location_id()),
        ],
    )
    .await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        json!("The token is not authorized for this scope."),
    );
}

#[tokio::test]
async fn the_admin_route_mints_a_code_the_token_endpoint_accepts() {
    let state = MockServer::builder().build_state();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/__mock/oauth/codes")
        .header("Content-Type", "application/json")
        .body(Body::from(
            json!({"userType": "Location", "scopes": ["voice-ai-agents.readonly"]}).to_string(),
        ))
        .expect("a valid request");
    let minted = send_to(&state, request).await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.body);
    assert_eq!(minted.body["locationId"], state.location_id());
    assert_eq!(
        minted.body["clientId"],
        state.oauth_app().client_id.as_str()
    );
    let reply = exchange(&state, &text(&minted, "code")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["scope"], "voice-ai-agents.readonly");
}

#[tokio::test]
async fn the_admin_routes_list_and_add_apps_and_refuse_unknown_fields() {
    let state = MockServer::builder().build_state();
    let add = Request::post("/__mock/oauth/apps")
        .header("Content-Type", "application/json")
        .body(Body::from(
            json!({"clientId": "abc-1", "clientSecret": "s"}).to_string(),
        ))
        .expect("a valid request");
    assert_eq!(send_to(&state, add).await.status, StatusCode::CREATED);
    let list = send_to(
        &state,
        Request::get("/__mock/oauth/apps")
            .body(Body::empty())
            .expect("a valid request"),
    )
    .await;
    assert_eq!(
        list.body["apps"][1],
        json!({"clientId": "abc-1", "clientSecret": "s"})
    );
    let bad = Request::post("/__mock/oauth/codes")
        .header("Content-Type", "application/json")
        .body(Body::from(json!({"userTyp": "Location"}).to_string()))
        .expect("a valid request");
    let reply = send_to(&state, bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_reset_forgets_issued_tokens_but_keeps_the_apps() {
    let builder: MockServerBuilder =
        MockServer::builder().oauth_app(OAuthApp::new("kept-app", "s"));
    let state = builder.build_state();
    let pair = location_pair(&state).await;
    state.reset();
    let reply = api_get(&state, &agents_uri(&state), &text(&pair, "access_token")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(state.oauth_apps().len(), 2);
}

#[tokio::test]
async fn a_running_server_serves_the_token_endpoint_over_http() {
    let server = MockServer::start().await;
    let code = server
        .authorization_code(&AuthorizationRequest::location(server.location_id()))
        .expect("a code");
    let app = server.oauth_app();
    let body = format!(
        "client_id={}&client_secret={}&grant_type=authorization_code&code={code}",
        app.client_id, app.client_secret
    );
    let mut stream = tokio::net::TcpStream::connect(server.address())
        .await
        .expect("connects");
    let request = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: mock\r\nContent-Type: {FORM}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
        .await
        .expect("writes");
    let mut response = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut response)
        .await
        .expect("reads");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"token_type\":\"Bearer\""), "{response}");
}
