//! `POST /oauth/token` and `POST /oauth/locationToken`: the form-encoded HTTP face of
//! [`crate::oauth`].
//!
//! `/oauth/token` needs no bearer token and no `Version` header, reads
//! `application/x-www-form-urlencoded` fields, and answers refusals in the OAuth shape the live
//! server uses, `{"error", "error_description"}`:
//!
//! | case | status | `error` | `error_description` |
//! |---|---|---|---|
//! | not form-encoded, or a required field missing | 400 | `invalid_request` | what is wrong |
//! | `grant_type` other than `authorization_code` / `refresh_token` | 400 | `unsupported_grant_type` | `Unsupported grant_type: …` |
//! | `user_type` not `Company`/`Location`, or not the grant's | 400 | `invalid_request` | what is wrong |
//! | unknown `client_id` or wrong `client_secret` | 401 | `UnAuthorized!` | `Invalid client credentials` |
//! | unknown, used or foreign code | 401 | `UnAuthorized!` | `Authorization code not found` (measured live) |
//! | unknown or foreign refresh token | 401 | `UnAuthorized!` | `Invalid refresh token` |
//! | refresh token used more than the window ago | 401 | `UnAuthorized!` | `Refresh token has already been used` |
//!
//! `/oauth/locationToken` is an API route: `Version` header, then the bearer token, refusals in
//! the vendor's NestJS shape ([`ApiError`]). A PIT or a Location token gets 401 `The token is
//! not authorized for this scope.`; an unknown or expired token the invalid-token 401.

use axum::Json;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::routing::Routes;
use super::{ApiRequest, query_pairs};
use crate::AppState;
use crate::auth::UserType;
use crate::auth::{bearer_token, check_version, invalid_token};
use crate::error::ApiError;
use crate::oauth::{AccessLookup, LOCATION_TOKEN_SCOPE, OAuthError, parse_user_type};

/// Adds the OAuth routes to `routes` (their paths are not in our API specs).
pub(crate) fn add_routes(routes: &mut Routes) {
    routes.route(Method::POST, "/oauth/token", get_access_token);
    routes.route(
        Method::POST,
        "/oauth/locationToken",
        get_location_access_token,
    );
}

const FORM: &str = "application/x-www-form-urlencoded";

/// The form fields of a request, or why it has none.
fn form(req: &ApiRequest) -> Result<Vec<(String, String)>, String> {
    let content_type = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if essence != FORM {
        return Err(format!("Content-Type must be {FORM}"));
    }
    Ok(query_pairs(&String::from_utf8_lossy(&req.body))
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// The first non-empty value of `name`.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// The OAuth-shaped refusal of `/oauth/token`.
fn oauth_refusal(error: &OAuthError) -> Response {
    let (status, code) = match error {
        OAuthError::InvalidRequest(_) | OAuthError::UserTypeMismatch => {
            (StatusCode::BAD_REQUEST, "invalid_request")
        }
        OAuthError::UnsupportedGrantType(_) => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        OAuthError::InvalidClient
        | OAuthError::CodeNotFound
        | OAuthError::RefreshTokenNotFound
        | OAuthError::RefreshTokenUsed
        | OAuthError::NotAuthorizedForScope
        | OAuthError::NoAccess(_) => (StatusCode::UNAUTHORIZED, "UnAuthorized!"),
    };
    (
        status,
        Json(json!({"error": code, "error_description": error.to_string()})),
    )
        .into_response()
}

/// `POST /oauth/token` → 200 with [`crate::oauth::OAuthTokens`].
pub(crate) async fn get_access_token(state: AppState, req: ApiRequest) -> Response {
    match access_token(&state, &req) {
        Ok(tokens) => (StatusCode::OK, Json(tokens)).into_response(),
        Err(error) => oauth_refusal(&error),
    }
}

fn access_token(
    state: &AppState,
    req: &ApiRequest,
) -> Result<crate::oauth::OAuthTokens, OAuthError> {
    let fields = form(req).map_err(OAuthError::InvalidRequest)?;
    let required = |name: &str| {
        field(&fields, name)
            .ok_or_else(|| OAuthError::InvalidRequest(format!("{name} is required")))
    };
    let client_id = required("client_id")?;
    let client_secret = required("client_secret")?;
    let grant_type = required("grant_type")?;
    let user_type = match field(&fields, "user_type") {
        None => None,
        Some(text) => Some(parse_user_type(text).ok_or_else(|| {
            OAuthError::InvalidRequest(
                "user_type must be one of the following values: Company, Location".to_owned(),
            )
        })?),
    };
    let oauth = state.oauth();
    match grant_type {
        "authorization_code" => {
            let code = required("code")?;
            oauth.exchange_code(client_id, client_secret, code, user_type)
        }
        "refresh_token" => {
            let refresh_token = required("refresh_token")?;
            oauth.refresh(client_id, client_secret, refresh_token, user_type)
        }
        other => Err(OAuthError::UnsupportedGrantType(other.to_owned())),
    }
}

/// `POST /oauth/locationToken` → 201 with [`crate::oauth::LocationToken`].
pub(crate) async fn get_location_access_token(
    state: AppState,
    req: ApiRequest,
) -> Result<Response, ApiError> {
    check_version(&req.headers)?;
    let token = bearer_token(&req.headers)?;
    let not_authorized = || ApiError::unauthorized(OAuthError::NotAuthorizedForScope.to_string());
    if state.tokens().get(token).is_some() {
        // A private integration token (or another registered token): never an agency OAuth
        // token issued here.
        return Err(not_authorized());
    }
    match state.oauth().access_token(token) {
        AccessLookup::Valid(spec)
            if spec.user_type == UserType::Company
                && spec.scopes.iter().any(|s| s == LOCATION_TOKEN_SCOPE) => {}
        AccessLookup::Valid(_) => return Err(not_authorized()),
        AccessLookup::Expired | AccessLookup::Unknown => return Err(invalid_token()),
    }
    let fields = form(&req).map_err(ApiError::bad_request)?;
    let mut problems = Vec::new();
    for name in ["companyId", "locationId"] {
        if field(&fields, name).is_none() {
            problems.push(format!("{name} should not be empty"));
        }
    }
    let (Some(company_id), Some(location_id)) =
        (field(&fields, "companyId"), field(&fields, "locationId"))
    else {
        return Err(ApiError::unprocessable(problems));
    };
    match state.oauth().location_token(token, company_id, location_id) {
        Ok(minted) => Ok((StatusCode::CREATED, Json(minted)).into_response()),
        Err(OAuthError::NoAccess(message)) => Err(ApiError::forbidden(message)),
        Err(_) => Err(not_authorized()),
    }
}
