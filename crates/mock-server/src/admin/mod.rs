//! The admin API under `/__mock/`, and the same operations in-process on [`AppState`].
//!
//! The prefix cannot collide with a vendor path. Admin routes take and return JSON, need no
//! bearer token and no `Version` header, are never rate limited, faulted or journaled, and
//! answer errors in the vendor shape (`{"statusCode", "message", "error"}`). They exist for local
//! and CI use: anyone who can reach the port can reset or rewrite the state, so never expose
//! the mock beyond a test network. Every route is listed in the crate README.
//!
//! Each handler is a thin wrapper over a public [`AppState`] method defined here (or in
//! `lib.rs`): tests that embed the server call those directly.

use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{TokenKind, TokenSpec, UserType};
use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::journal::{JournalEntry, WebhookDelivery};
use crate::oauth::{AuthorizationRequest, OAuthApp, OAuthError};
use crate::rate_limit::RateLimitConfig;
use crate::webhooks::{self, Subscription};

/// The reserved path prefix of the admin API.
pub const PREFIX: &str = "/__mock/";

/// A token as the admin API and the state document show it.
///
/// ```
/// use mock_server::auth::TokenSpec;
/// // Arrange
/// let token = TokenSpec::location_pit("pit-1", "loc1");
/// // Act
/// let json = mock_server::admin::token_to_json(&token);
/// // Assert
/// assert_eq!(json["kind"], "privateIntegration");
/// assert_eq!(json["userType"], "location");
/// ```
pub fn token_to_json(token: &TokenSpec) -> Value {
    json!({
        "token": token.token,
        "kind": match token.kind {
            TokenKind::PrivateIntegration => "privateIntegration",
            TokenKind::OAuth => "oauth",
        },
        "userType": match token.user_type {
            UserType::Location => "location",
            UserType::Company => "company",
        },
        "locationId": token.location_id,
        "scopes": token.scopes,
        "anyLocation": token.any_location,
    })
}

/// Reads a token from JSON: `token` is required; `locationId` defaults to `default_location`,
/// `kind` to `privateIntegration`, `userType` to `location`, `scopes` to every scope,
/// `anyLocation` to false.
///
/// ```
/// use mock_server::auth::UserType;
/// use serde_json::json;
/// // Arrange
/// let body = json!({"token": "t1", "userType": "company", "scopes": ["conversation-ai.readonly"]});
/// // Act
/// let token = mock_server::admin::token_from_json(&body, "loc").expect("valid");
/// // Assert
/// assert_eq!(token.user_type, UserType::Company);
/// assert_eq!(token.location_id, "loc");
/// ```
pub fn token_from_json(value: &Value, default_location: &str) -> Result<TokenSpec, Vec<String>> {
    let mut problems = Vec::new();
    let token = match value.get("token") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_owned(),
        _ => {
            problems.push("token must be a non-empty string".to_owned());
            String::new()
        }
    };
    let location = match value.get("locationId") {
        None | Some(Value::Null) => default_location.to_owned(),
        Some(Value::String(l)) => l.clone(),
        Some(_) => {
            problems.push("locationId must be a string".to_owned());
            String::new()
        }
    };
    let mut spec = TokenSpec::location_pit(token, location);
    match value.get("kind").and_then(Value::as_str) {
        None if value.get("kind").is_none_or(Value::is_null) => {}
        Some("privateIntegration" | "pit") => spec.kind = TokenKind::PrivateIntegration,
        Some("oauth") => spec.kind = TokenKind::OAuth,
        _ => problems
            .push("kind must be one of the following values: privateIntegration, oauth".to_owned()),
    }
    match value.get("userType").and_then(Value::as_str) {
        None if value.get("userType").is_none_or(Value::is_null) => {}
        Some("location") => spec.user_type = UserType::Location,
        Some("company") => spec.user_type = UserType::Company,
        _ => problems
            .push("userType must be one of the following values: location, company".to_owned()),
    }
    match value.get("scopes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            spec.scopes = items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        Some(_) => problems.push("each value in scopes must be a string".to_owned()),
    }
    match value.get("anyLocation") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => spec.any_location = *b,
        Some(_) => problems.push("anyLocation must be a boolean value".to_owned()),
    }
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

fn rate_limit_json(config: Option<RateLimitConfig>) -> Value {
    match config {
        None => json!({"enabled": false}),
        Some(c) => json!({
            "enabled": true,
            "max": c.max,
            "intervalMs": c.interval.as_millis() as u64,
            "daily": c.daily,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP handlers.

/// The request body as a JSON object (`{}` when empty); 400 in the vendor shape otherwise.
fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ApiError::bad_request("Request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!(
            "Unexpected token in JSON: {e}"
        ))),
    }
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn location_of(state: &AppState, body: &Value) -> Result<String, ApiError> {
    match body.get("locationId") {
        None | Some(Value::Null) => Ok(state.location_id().to_owned()),
        Some(Value::String(l)) if !l.is_empty() => Ok(l.clone()),
        Some(_) => Err(ApiError::unprocessable(vec![
            "locationId must be a string".to_owned(),
        ])),
    }
}

async fn index() -> Response {
    ok(json!({
        "routes": [
            "POST /__mock/reset",
            "GET /__mock/state", "PUT /__mock/state", "POST /__mock/state/save",
            "GET /__mock/tokens", "POST /__mock/tokens",
            "POST /__mock/calls", "POST /__mock/call-logs/generate", "POST /__mock/generations",
            "GET /__mock/journal", "DELETE /__mock/journal",
            "GET /__mock/faults", "POST /__mock/faults", "DELETE /__mock/faults", "DELETE /__mock/faults/{id}",
            "GET /__mock/rate-limit", "PUT /__mock/rate-limit",
            "GET /__mock/webhooks/subscriptions", "POST /__mock/webhooks/subscriptions",
            "DELETE /__mock/webhooks/subscriptions/{id}", "GET /__mock/webhooks/deliveries",
            "GET /__mock/webhooks/public-key", "GET /__mock/webhooks/retry-policy",
            "PUT /__mock/webhooks/retry-policy",
            "GET /__mock/oauth/apps", "POST /__mock/oauth/apps", "POST /__mock/oauth/codes"
        ]
    }))
}

async fn reset(State(state): State<AppState>) -> Response {
    state.reset();
    ok(json!({"success": true}))
}

async fn export_state(State(state): State<AppState>) -> Response {
    ok(state.export_state())
}

async fn import_state(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let document = json_body(&body)?;
    state.import_state(&document)?;
    Ok(ok(json!({"success": true})))
}

async fn save_state(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(path) = state.state_file().map(Path::to_path_buf) else {
        return Err(ApiError::bad_request(
            "No state file is configured (start with --state-file FILE)",
        ));
    };
    let task_state = state.clone();
    let task_path = path.clone();
    let result = tokio::task::spawn_blocking(move || task_state.save_state_to(&task_path))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))?;
    result.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Writing {} failed: {e}", path.display()),
        )
    })?;
    Ok(ok(
        json!({"success": true, "path": path.display().to_string()}),
    ))
}

async fn list_tokens(State(state): State<AppState>) -> Response {
    let tokens: Vec<Value> = state
        .registered_tokens()
        .iter()
        .map(token_to_json)
        .collect();
    ok(json!({"tokens": tokens}))
}

async fn register_token(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let spec = token_from_json(&body, state.location_id()).map_err(ApiError::unprocessable)?;
    let shown = token_to_json(&spec);
    state.register_token(spec);
    Ok((StatusCode::CREATED, axum::Json(shown)).into_response())
}

async fn simulate_call(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let location = location_of(&state, &body)?;
    let Some(agent_id) = body.get("agentId").and_then(Value::as_str) else {
        return Err(ApiError::unprocessable(vec![
            "agentId should not be empty".to_owned(),
        ]));
    };
    let wait = body.get("wait").and_then(Value::as_bool).unwrap_or(false);
    let call = state.simulate_call(&location, agent_id)?;
    if wait {
        state.wait_for_webhook_deliveries().await;
    }
    let deliveries: Vec<Value> = state
        .webhook_deliveries()
        .iter()
        .filter(|d| d.webhook_id == call.webhook_id)
        .map(WebhookDelivery::to_json)
        .collect();
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "callLog": call.call_log,
            "webhookId": call.webhook_id,
            "subscribers": call.subscribers,
            "deliveries": deliveries,
        })),
    )
        .into_response())
}

async fn generate_call_logs(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let location = location_of(&state, &body)?;
    let Some(count) = body.get("count").and_then(Value::as_u64) else {
        return Err(ApiError::unprocessable(vec![
            "count must be a whole number".to_owned(),
        ]));
    };
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let added = state.generate_call_logs(&location, count)?;
    Ok(ok(json!({
        "added": added,
        "total": state.store().call_log_count(&location),
    })))
}

async fn add_generation(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let location = location_of(&state, &body)?;
    let mut problems = Vec::new();
    let message_id = body.get("messageId").and_then(Value::as_str);
    if message_id.is_none_or(str::is_empty) {
        problems.push("messageId should not be empty".to_owned());
    }
    let source = body.get("source").and_then(Value::as_str);
    if !matches!(source, Some("conversation" | "workflow")) {
        problems
            .push("source must be one of the following values: conversation, workflow".to_owned());
    }
    let details = body.get("details").cloned().unwrap_or(Value::Null);
    if !details.is_object() {
        problems.push("details must be an object".to_owned());
    }
    if !problems.is_empty() {
        return Err(ApiError::unprocessable(problems));
    }
    let (message_id, source) = (message_id.unwrap_or_default(), source.unwrap_or_default());
    state.add_generation(&location, message_id, source, details);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"locationId": location, "messageId": message_id, "source": source})),
    )
        .into_response())
}

async fn get_journal(State(state): State<AppState>) -> Response {
    let requests: Vec<Value> = state
        .journal_entries()
        .iter()
        .map(JournalEntry::to_json)
        .collect();
    let deliveries: Vec<Value> = state
        .webhook_deliveries()
        .iter()
        .map(WebhookDelivery::to_json)
        .collect();
    ok(json!({"requests": requests, "deliveries": deliveries}))
}

async fn clear_journal(State(state): State<AppState>) -> Response {
    state.clear_journal();
    ok(json!({"success": true}))
}

fn faults_json(state: &AppState) -> Value {
    let rules: Vec<Value> = state.fault_rules().iter().map(FaultRule::to_json).collect();
    json!({"faults": rules})
}

async fn list_faults(State(state): State<AppState>) -> Response {
    ok(faults_json(&state))
}

async fn add_fault(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let rule = FaultRule::from_json(&body).map_err(ApiError::unprocessable)?;
    let rule = state.add_fault(rule);
    Ok((StatusCode::CREATED, axum::Json(rule.to_json())).into_response())
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.clear_faults();
    ok(faults_json(&state))
}

async fn remove_fault(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    if state.remove_fault(&id) {
        Ok(ok(json!({"success": true, "id": id})))
    } else {
        Err(ApiError::not_found(format!("Fault rule not found: {id}")))
    }
}

async fn get_rate_limit(State(state): State<AppState>) -> Response {
    ok(rate_limit_json(state.rate_limit()))
}

async fn set_rate_limit(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let enabled = match body.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::unprocessable(vec![
                "enabled must be a boolean value".to_owned(),
            ]));
        }
    };
    if !enabled {
        state.set_rate_limit(None);
        return Ok(ok(rate_limit_json(None)));
    }
    let mut config = state.rate_limit().unwrap_or_else(RateLimitConfig::vendor);
    let mut problems = Vec::new();
    let mut number = |key: &str| match body.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => {
            let n = v.as_u64().filter(|n| *n > 0);
            if n.is_none() {
                problems.push(format!("{key} must be a whole number of at least 1"));
            }
            n
        }
    };
    if let Some(max) = number("max") {
        config.max = u32::try_from(max).unwrap_or(u32::MAX);
    }
    if let Some(ms) = number("intervalMs") {
        config.interval = Duration::from_millis(ms);
    }
    if let Some(daily) = number("daily") {
        config.daily = u32::try_from(daily).unwrap_or(u32::MAX);
    }
    if !problems.is_empty() {
        return Err(ApiError::unprocessable(problems));
    }
    state.set_rate_limit(Some(config));
    Ok(ok(rate_limit_json(Some(config))))
}

fn subscriptions_json(state: &AppState) -> Value {
    let subs: Vec<Value> = state
        .webhook_subscriptions()
        .iter()
        .map(Subscription::to_json)
        .collect();
    json!({"subscriptions": subs})
}

async fn list_subscriptions(State(state): State<AppState>) -> Response {
    ok(subscriptions_json(&state))
}

async fn add_subscription(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let Some(url) = body.get("url").and_then(Value::as_str) else {
        return Err(ApiError::unprocessable(vec![
            "url should not be empty".to_owned(),
        ]));
    };
    let sub = state.add_webhook_subscription(url)?;
    Ok((StatusCode::CREATED, axum::Json(sub.to_json())).into_response())
}

async fn remove_subscription(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    if state.remove_webhook_subscription(&id) {
        Ok(ok(json!({"success": true, "id": id})))
    } else {
        Err(ApiError::not_found(format!("Subscription not found: {id}")))
    }
}

async fn list_deliveries(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if query.iter().any(|(k, v)| k == "wait" && v == "true") {
        state.wait_for_webhook_deliveries().await;
    }
    let deliveries: Vec<Value> = state
        .webhook_deliveries()
        .iter()
        .map(WebhookDelivery::to_json)
        .collect();
    ok(json!({"deliveries": deliveries}))
}

async fn public_key(State(state): State<AppState>) -> Response {
    let key = state.webhook_public_key();
    ok(json!({
        "algorithm": "Ed25519",
        "header": webhooks::SIGNATURE_HEADER,
        "spkiDerBase64": key.spki_base64(),
        "pem": key.pem(),
    }))
}

async fn get_retry_policy(State(state): State<AppState>) -> Response {
    ok(state.webhook_retry_policy().to_json())
}

async fn set_retry_policy(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let policy = state
        .webhook_retry_policy()
        .merged(&body)
        .map_err(ApiError::unprocessable)?;
    state.set_webhook_retry_policy(policy);
    Ok(ok(policy.to_json()))
}

/// The body of `POST /__mock/oauth/codes`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CodeBody {
    client_id: Option<String>,
    user_type: Option<String>,
    location_id: Option<String>,
    company_id: Option<String>,
    scopes: Option<Vec<String>>,
    #[serde(default)]
    approved_locations: Vec<String>,
    user_id: Option<String>,
}

/// A JSON body read into `T`; a body that does not fit is 422 with serde's reason.
fn typed_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let value = json_body(body)?;
    serde_json::from_value(value).map_err(|e| ApiError::unprocessable(vec![e.to_string()]))
}

async fn list_oauth_apps(State(state): State<AppState>) -> Response {
    ok(json!({"apps": state.oauth_apps()}))
}

async fn add_oauth_app(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let app: OAuthApp = typed_body(&body)?;
    if app.client_id.trim().is_empty() || app.client_secret.is_empty() {
        return Err(ApiError::unprocessable(vec![
            "clientId and clientSecret should not be empty".to_owned(),
        ]));
    }
    state.add_oauth_app(app.clone());
    Ok((StatusCode::CREATED, axum::Json(app)).into_response())
}

async fn mint_oauth_code(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body: CodeBody = typed_body(&body)?;
    let user_type = match body.user_type.as_deref() {
        None => UserType::Location,
        Some(text) => crate::oauth::parse_user_type(text).ok_or_else(|| {
            ApiError::unprocessable(vec![
                "userType must be one of the following values: Location, Company".to_owned(),
            ])
        })?,
    };
    let location_id = match (user_type, body.location_id) {
        (UserType::Location, None) => Some(state.location_id().to_owned()),
        (_, location) => location,
    };
    let request = AuthorizationRequest {
        client_id: body.client_id,
        user_type,
        location_id,
        company_id: body.company_id,
        scopes: body.scopes,
        approved_locations: body.approved_locations,
        user_id: body.user_id,
    };
    let code = state.authorization_code(&request).map_err(|e| match e {
        OAuthError::InvalidClient => ApiError::not_found("OAuth app not found"),
        other => ApiError::unprocessable(vec![other.to_string()]),
    })?;
    let client_id = request
        .client_id
        .unwrap_or_else(|| state.oauth_app().client_id);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "code": code,
            "clientId": client_id,
            "userType": crate::oauth::user_type_name(user_type),
            "locationId": request.location_id,
            "companyId": request.company_id.unwrap_or_else(|| crate::oauth::DEFAULT_COMPANY_ID.to_owned()),
        })),
    )
        .into_response())
}

async fn admin_not_found(req: axum::extract::Request) -> ApiError {
    ApiError::not_found(format!("Cannot {} {}", req.method(), req.uri().path()))
}

/// The admin routes (merged into [`crate::router`] outside the vendor middleware).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/__mock/", get(index))
        .route("/__mock/reset", post(reset))
        .route("/__mock/state", get(export_state).put(import_state))
        .route("/__mock/state/save", post(save_state))
        .route("/__mock/tokens", get(list_tokens).post(register_token))
        .route("/__mock/calls", post(simulate_call))
        .route("/__mock/call-logs/generate", post(generate_call_logs))
        .route("/__mock/generations", post(add_generation))
        .route("/__mock/journal", get(get_journal).delete(clear_journal))
        .route(
            "/__mock/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__mock/faults/{id}", delete(remove_fault))
        .route(
            "/__mock/rate-limit",
            get(get_rate_limit).put(set_rate_limit),
        )
        .route(
            "/__mock/webhooks/subscriptions",
            get(list_subscriptions).post(add_subscription),
        )
        .route(
            "/__mock/webhooks/subscriptions/{id}",
            delete(remove_subscription),
        )
        .route("/__mock/webhooks/deliveries", get(list_deliveries))
        .route("/__mock/webhooks/public-key", get(public_key))
        .route(
            "/__mock/webhooks/retry-policy",
            get(get_retry_policy).put(set_retry_policy),
        )
        .route(
            "/__mock/oauth/apps",
            get(list_oauth_apps).post(add_oauth_app),
        )
        .route("/__mock/oauth/codes", post(mint_oauth_code))
        .method_not_allowed_fallback(admin_not_found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ALL_SCOPES;

    #[test]
    fn every_scope_is_the_default_of_a_registered_token() {
        let token = token_from_json(&json!({"token": "t"}), "loc").expect("valid");
        assert_eq!(token.scopes.len(), ALL_SCOPES.len());
    }

    #[test]
    fn a_token_without_text_is_refused() {
        let problems = token_from_json(&json!({"kind": "x"}), "loc").expect_err("invalid");
        assert_eq!(problems.len(), 2);
    }
}
