//! The admin API's handlers: each reads its body, calls one [`AppState`] method and shapes the
//! answer; refusals are [`AdminError`]s.

use std::path::Path;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::AdminError;
use super::types::{CodeBody, RateLimitDocument, TokenDocument};
use crate::AppState;
use crate::auth::UserType;
use crate::faults::FaultRule;
use crate::journal::WebhookDelivery;
use crate::oauth::{AuthorizationRequest, OAuthApp};
use crate::rate_limit::RateLimitConfig;
use crate::webhooks::{self, Subscription};

/// The request body as a JSON object (`{}` when empty); 400 in the vendor shape otherwise.
fn json_body(body: &Bytes) -> Result<Value, AdminError> {
    crate::api::json_object(body)
        .map(Value::Object)
        .map_err(AdminError::BadBody)
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn location_of(state: &AppState, body: &Value) -> Result<String, AdminError> {
    match body.get("locationId") {
        None | Some(Value::Null) => Ok(state.location_id().to_owned()),
        Some(Value::String(l)) if !l.is_empty() => Ok(l.clone()),
        Some(_) => Err(AdminError::Invalid(vec![
            "locationId must be a string".to_owned(),
        ])),
    }
}

pub(super) async fn index() -> Response {
    ok(json!({
        "routes": [
            "POST /__mock/reset",
            "GET /__mock/state", "PUT /__mock/state", "POST /__mock/state/save",
            "GET /__mock/tokens", "POST /__mock/tokens",
            "POST /__mock/calls", "POST /__mock/call-logs/generate", "POST /__mock/generations",
            "GET /__mock/journal", "DELETE /__mock/journal",
            "GET /__mock/faults", "POST /__mock/faults", "DELETE /__mock/faults", "DELETE /__mock/faults/{id}",
            "GET /__mock/rate-limit", "PUT /__mock/rate-limit",
            "GET /__mock/clock", "PUT /__mock/clock",
            "GET /__mock/webhooks/subscriptions", "POST /__mock/webhooks/subscriptions",
            "DELETE /__mock/webhooks/subscriptions/{id}", "GET /__mock/webhooks/deliveries",
            "GET /__mock/webhooks/public-key", "GET /__mock/webhooks/retry-policy",
            "PUT /__mock/webhooks/retry-policy",
            "GET /__mock/oauth/apps", "POST /__mock/oauth/apps", "POST /__mock/oauth/codes",
            "GET /__mock/violations", "DELETE /__mock/violations",
            "GET /__mock/ui", "GET /__mock/journal/stream",
            "GET /__mock/ui/api/overview", "GET /__mock/ui/api/state",
            "GET /__mock/ui/api/call-logs", "GET /__mock/ui/api/deliveries"
        ]
    }))
}

pub(super) async fn reset(State(state): State<AppState>) -> Response {
    state.reset();
    ok(json!({"success": true}))
}

pub(super) async fn export_state(State(state): State<AppState>) -> Response {
    ok(state.export_state())
}

pub(super) async fn import_state(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let document = json_body(&body)?;
    state.import_state(&document)?;
    Ok(ok(json!({"success": true})))
}

pub(super) async fn save_state(State(state): State<AppState>) -> Result<Response, AdminError> {
    let Some(path) = state.state_file().map(Path::to_path_buf) else {
        return Err(AdminError::BadRequest(
            "No state file is configured (start with --state-file FILE)".to_owned(),
        ));
    };
    let task_state = state.clone();
    let task_path = path.clone();
    let result = tokio::task::spawn_blocking(move || task_state.save_state_to(&task_path))
        .await
        .map_err(|_| AdminError::Failed("Internal server error".to_owned()))?;
    result.map_err(|e| AdminError::Failed(format!("Writing {} failed: {e}", path.display())))?;
    Ok(ok(
        json!({"success": true, "path": path.display().to_string()}),
    ))
}

pub(super) async fn list_tokens(State(state): State<AppState>) -> Response {
    let tokens: Vec<TokenDocument> = state
        .registered_tokens()
        .iter()
        .map(TokenDocument::from)
        .collect();
    ok(json!({"tokens": tokens}))
}

pub(super) async fn register_token(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let document: TokenDocument = typed_body(&body)?;
    let spec = document
        .into_spec(state.location_id())
        .map_err(AdminError::Invalid)?;
    let shown = TokenDocument::from(&spec);
    state.register_token(spec);
    Ok((StatusCode::CREATED, axum::Json(shown)).into_response())
}

pub(super) async fn simulate_call(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = json_body(&body)?;
    let location = location_of(&state, &body)?;
    let Some(agent_id) = body.get("agentId").and_then(Value::as_str) else {
        return Err(AdminError::Invalid(vec![
            "agentId should not be empty".to_owned(),
        ]));
    };
    let wait = body.get("wait").and_then(Value::as_bool).unwrap_or(false);
    let call = state.simulate_call(&location, agent_id)?;
    if wait {
        state.wait_for_webhook_deliveries().await;
    }
    let deliveries: Vec<WebhookDelivery> = state
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.webhook_id == call.webhook_id)
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

pub(super) async fn generate_call_logs(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = json_body(&body)?;
    let location = location_of(&state, &body)?;
    let Some(count) = body.get("count").and_then(Value::as_u64) else {
        return Err(AdminError::Invalid(vec![
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

pub(super) async fn add_generation(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
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
        return Err(AdminError::Invalid(problems));
    }
    let (message_id, source) = (message_id.unwrap_or_default(), source.unwrap_or_default());
    state.add_generation(&location, message_id, source, details);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"locationId": location, "messageId": message_id, "source": source})),
    )
        .into_response())
}

pub(super) async fn get_journal(State(state): State<AppState>) -> Response {
    ok(json!({
        "requests": state.journal_entries(),
        "deliveries": state.webhook_deliveries(),
    }))
}

pub(super) async fn clear_journal(State(state): State<AppState>) -> Response {
    state.clear_journal();
    ok(json!({"success": true}))
}

fn faults_json(state: &AppState) -> Value {
    let rules: Vec<Value> = state.fault_rules().iter().map(FaultRule::to_json).collect();
    json!({"faults": rules})
}

pub(super) async fn list_faults(State(state): State<AppState>) -> Response {
    ok(faults_json(&state))
}

pub(super) async fn add_fault(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = json_body(&body)?;
    let rule = FaultRule::from_json(&body).map_err(AdminError::Invalid)?;
    let rule = state.add_fault(rule);
    Ok((StatusCode::CREATED, axum::Json(rule.to_json())).into_response())
}

pub(super) async fn clear_faults(State(state): State<AppState>) -> Response {
    state.clear_faults();
    ok(faults_json(&state))
}

pub(super) async fn remove_fault(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, AdminError> {
    if state.remove_fault(&id) {
        Ok(ok(json!({"success": true, "id": id})))
    } else {
        Err(AdminError::NotFound(format!("Fault rule not found: {id}")))
    }
}

pub(super) async fn get_rate_limit(State(state): State<AppState>) -> Response {
    ok(json!(RateLimitDocument::from(state.rate_limit())))
}

pub(super) async fn set_rate_limit(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = json_body(&body)?;
    let enabled = match body.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(AdminError::Invalid(vec![
                "enabled must be a boolean value".to_owned(),
            ]));
        }
    };
    if !enabled {
        state.set_rate_limit(None);
        return Ok(ok(json!(RateLimitDocument::from(None))));
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
        return Err(AdminError::Invalid(problems));
    }
    state.set_rate_limit(Some(config));
    Ok(ok(json!(RateLimitDocument::from(Some(config)))))
}

fn subscriptions_json(state: &AppState) -> Value {
    let subs: Vec<Value> = state
        .webhook_subscriptions()
        .iter()
        .map(Subscription::to_json)
        .collect();
    json!({"subscriptions": subs})
}

pub(super) async fn list_subscriptions(State(state): State<AppState>) -> Response {
    ok(subscriptions_json(&state))
}

pub(super) async fn add_subscription(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = json_body(&body)?;
    let Some(url) = body.get("url").and_then(Value::as_str) else {
        return Err(AdminError::Invalid(vec![
            "url should not be empty".to_owned(),
        ]));
    };
    let sub = state.add_webhook_subscription(url)?;
    Ok((StatusCode::CREATED, axum::Json(sub.to_json())).into_response())
}

pub(super) async fn remove_subscription(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, AdminError> {
    if state.remove_webhook_subscription(&id) {
        Ok(ok(json!({"success": true, "id": id})))
    } else {
        Err(AdminError::NotFound(format!(
            "Subscription not found: {id}"
        )))
    }
}

pub(super) async fn list_deliveries(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if query.iter().any(|(k, v)| k == "wait" && v == "true") {
        state.wait_for_webhook_deliveries().await;
    }
    ok(json!({"deliveries": state.webhook_deliveries()}))
}

pub(super) async fn public_key(State(state): State<AppState>) -> Response {
    let key = state.webhook_public_key();
    ok(json!({
        "algorithm": "Ed25519",
        "header": webhooks::SIGNATURE_HEADER,
        "spkiDerBase64": key.spki_base64(),
        "pem": key.pem(),
    }))
}

pub(super) async fn get_retry_policy(State(state): State<AppState>) -> Response {
    ok(state.webhook_retry_policy().to_json())
}

pub(super) async fn set_retry_policy(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = json_body(&body)?;
    let policy = state
        .webhook_retry_policy()
        .merged(&body)
        .map_err(AdminError::Invalid)?;
    state.set_webhook_retry_policy(policy);
    Ok(ok(policy.to_json()))
}

/// A JSON body read into `T`; a body that does not fit is 422 with serde's reason.
pub(super) fn typed_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, AdminError> {
    let value = json_body(body)?;
    serde_json::from_value(value).map_err(|e| AdminError::Invalid(vec![e.to_string()]))
}

pub(super) async fn list_oauth_apps(State(state): State<AppState>) -> Response {
    ok(json!({"apps": state.oauth_apps()}))
}

pub(super) async fn add_oauth_app(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let app: OAuthApp = typed_body(&body)?;
    if app.client_id.trim().is_empty() || app.client_secret.is_empty() {
        return Err(AdminError::Invalid(vec![
            "clientId and clientSecret should not be empty".to_owned(),
        ]));
    }
    state.add_oauth_app(app.clone());
    Ok((StatusCode::CREATED, axum::Json(app)).into_response())
}

pub(super) async fn mint_oauth_code(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body: CodeBody = typed_body(&body)?;
    let user_type = match body.user_type.as_deref() {
        None => UserType::Location,
        Some(text) => crate::oauth::parse_user_type(text).ok_or_else(|| {
            AdminError::Invalid(vec![
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
    let code = state.authorization_code(&request)?;
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

/// 404 `Cannot <METHOD> <path>` for a path or method the admin API does not have.
pub(super) async fn admin_not_found(
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> AdminError {
    // Nested under the prefix, the router sees the path without it.
    AdminError::NotFound(format!("Cannot {method} {}{}", super::PREFIX, uri.path()))
}
