//! One error type for both generated clients.
//!
//! [`ApiError`] keeps what HighLevel said (status, the parsed [`ErrorBody`], the rate-limit
//! headers) and classifies it into an [`ErrorKind`], so callers can branch on the kind and
//! users read a message that says what happened and what to do. The vendor's refusal messages
//! (API_FACTS §2, §3, §5) are recognised by their text, because the status alone is ambiguous:
//! a 401 may mean a bad token, a missing scope, the wrong token type or a missing `Version`.
//!
//! Converting a progenitor error: `ApiError::from(err)` works for every variant but cannot
//! read the body of an `UnexpectedResponse` (that needs an `await`). HighLevel declares only
//! 400/401/422, so 403, 404, 429 and 5xx arrive as `UnexpectedResponse`: prefer
//! [`ApiError::from_progenitor`]`(err).await`, which reads that body too.

use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::operation::OperationMeta;
use crate::rate_limit::RateLimit;

/// What went wrong, as far as the client can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 401: the access token is invalid or expired.
    InvalidToken,
    /// 401 "The token is not authorized for this scope.": a scope is missing.
    MissingScope,
    /// 401: an Agency (Company) token was used where a Sub-Account (Location) token is needed,
    /// or a Company JWT was refused locally before sending.
    WrongTokenType,
    /// 401 "version header was not found.": the `Version` header is missing.
    MissingVersion,
    /// 400 "Invalid API version segment …": the `Version` header value is not accepted.
    InvalidVersion,
    /// Any other 401.
    Unauthorized,
    /// 403 "The token does not have access to this location.".
    WrongLocation,
    /// Any other 403.
    Forbidden,
    /// 404, or a 400 "No … found for the …: …" (how Conversation AI reports unknown ids).
    NotFound,
    /// Any other 400.
    BadRequest,
    /// 422: the body failed validation; [`ApiError::messages`] lists why.
    Validation,
    /// 429: too many requests.
    RateLimited,
    /// 5xx.
    Server,
    /// A status the client does not classify (including unexpected successes).
    Unexpected,
    /// The request did not complete: connection, TLS, timeout or body read failure.
    Transport,
    /// A response arrived but could not be decoded.
    Decode,
    /// The client was misconfigured or refused to send the request.
    Config,
    /// The request was not sent: a required parameter is missing, or a value breaks the
    /// spec's constraints (the message names the field).
    InvalidRequest,
}

/// The `message` of a vendor error body: a string, or a list of strings for 422s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorMessage {
    /// A single message, e.g. `"The token is not authorized for this scope."`.
    Text(String),
    /// Several messages (NestJS class-validator), e.g. `["name must be a string"]`.
    List(Vec<String>),
}

impl ErrorMessage {
    /// The messages as a list (one item for [`ErrorMessage::Text`]).
    pub fn messages(&self) -> Vec<&str> {
        match self {
            Self::Text(text) => vec![text.as_str()],
            Self::List(list) => list.iter().map(String::as_str).collect(),
        }
    }

    /// The messages joined with `"; "`.
    pub fn joined(&self) -> String {
        self.messages().join("; ")
    }
}

impl fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.joined())
    }
}

/// HighLevel's error body: `{"statusCode":401,"message":"…","error":"Unauthorized","traceId":"…"}`.
///
/// Parsing is lenient ([`ErrorBody::from_value`]): unknown fields are ignored, the OAuth
/// `error_description` and the v3 `{"error":{"code","message"}}` shape are understood.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `statusCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// `message`: a string or a list of strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<ErrorMessage>,
    /// `error`: the status phrase (`"Unauthorized"`), or the v3 error `code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `error_description` (OAuth endpoints).
    #[serde(
        default,
        rename = "error_description",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_description: Option<String>,
    /// `traceId`, worth quoting to HighLevel support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

impl ErrorBody {
    /// Parses a JSON body; `None` if it is not JSON or has none of the known fields.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Self::from_value(&serde_json::from_slice(bytes).ok()?)
    }

    /// Reads the known fields out of a JSON value; `None` if it is not an object with any of them.
    pub fn from_value(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        let mut body = Self {
            status_code: object.get("statusCode").and_then(json_u16),
            message: object.get("message").and_then(message_from_json),
            error: None,
            error_description: object
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            trace_id: object
                .get("traceId")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        match object.get("error") {
            Some(Value::String(text)) => body.error = Some(text.clone()),
            Some(Value::Object(v3)) => {
                body.error = v3.get("code").and_then(Value::as_str).map(str::to_owned);
                if body.message.is_none() {
                    body.message = v3.get("message").and_then(message_from_json);
                }
            }
            _ => {}
        }
        (body != Self::default()).then_some(body)
    }

    /// The message text (joined when a list), falling back to `error_description` then `error`.
    pub fn text(&self) -> Option<String> {
        self.message
            .as_ref()
            .map(ErrorMessage::joined)
            .or_else(|| self.error_description.clone())
            .or_else(|| self.error.clone())
    }
}

fn json_u16(value: &Value) -> Option<u16> {
    let number = value.as_u64().or_else(|| {
        let float = value.as_f64()?;
        (float.fract() == 0.0 && float >= 0.0).then_some(float as u64)
    })?;
    u16::try_from(number).ok()
}

fn message_from_json(value: &Value) -> Option<ErrorMessage> {
    match value {
        Value::String(text) => Some(ErrorMessage::Text(text.clone())),
        Value::Array(items) => Some(ErrorMessage::List(
            items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect(),
        )),
        _ => None,
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error both HighLevel clients return.
///
/// Its `Display` says what happened and what to do; the accessors expose the details.
/// It never contains a token.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ApiError {
    kind: ErrorKind,
    /// Boxed so `Result<_, ApiError>` stays small.
    details: Box<Details>,
    #[source]
    source: Option<BoxError>,
}

#[derive(Debug, Default)]
struct Details {
    status: Option<StatusCode>,
    body: Option<ErrorBody>,
    rate_limit: Option<RateLimit>,
    retry_after: Option<Duration>,
    operation: Option<&'static OperationMeta>,
    scope: Option<&'static str>,
    detail: Option<String>,
}

impl ApiError {
    fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            details: Box::default(),
            source: None,
        }
    }

    /// An error for a response: classifies `status` and the body (if it parses).
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: Option<ErrorBody>) -> Self {
        let kind = classify(status, body.as_ref());
        let mut error = Self::new(kind);
        error.details.status = Some(status);
        error.details.rate_limit = RateLimit::from_headers(headers);
        if status == StatusCode::TOO_MANY_REQUESTS {
            error.details.retry_after =
                crate::wait::after_rate_limit(headers, SystemTime::now(), 0)
                    .and_then(crate::wait::ServerWait::duration);
        }
        error.details.body = body;
        error
    }

    /// Reads a whole response into an error (use for a non-success [`reqwest::Response`]).
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        match response.bytes().await {
            Ok(bytes) => Self::from_parts(status, &headers, ErrorBody::from_slice(&bytes)),
            Err(error) => {
                let mut api = Self::from_parts(status, &headers, None);
                api.source = Some(Box::new(error));
                api
            }
        }
    }

    /// Converts any progenitor error, reading the body of an `UnexpectedResponse`.
    ///
    /// Prefer this to `From`: HighLevel's 403, 404, 429 and 5xx are undeclared in its specs,
    /// so they arrive as `UnexpectedResponse`, whose body only this async path can read.
    pub async fn from_progenitor<E>(error: progenitor_client::Error<E>) -> Self
    where
        E: Serialize + fmt::Debug,
    {
        match error {
            progenitor_client::Error::UnexpectedResponse(response) => {
                Self::from_response(response).await
            }
            other => Self::from(other),
        }
    }

    /// A configuration error (bad base URL, unusable token, TLS setup…).
    pub fn config(detail: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorKind::Config);
        error.details.detail = Some(detail.into());
        error
    }

    /// A request that was not sent because a parameter is missing or breaks the spec's
    /// constraints; `detail` names the field.
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorKind::InvalidRequest);
        error.details.detail = Some(detail.into());
        error
    }

    /// Refuses an Agency (Company) token before any request is sent.
    pub fn company_token_refused() -> Self {
        let mut error = Self::new(ErrorKind::WrongTokenType);
        error.details.detail =
            Some("its JWT claims authClass \"Company\"; refused before sending".to_owned());
        error
    }

    /// A transport failure (the request did not complete).
    pub fn transport(error: reqwest::Error) -> Self {
        if let Some(status) = error.status() {
            let mut api = Self::from_parts(status, &HeaderMap::new(), None);
            api.source = Some(Box::new(error));
            return api;
        }
        let mut api = Self::new(if error.is_decode() {
            ErrorKind::Decode
        } else {
            ErrorKind::Transport
        });
        api.source = Some(Box::new(error));
        api
    }

    /// A response that could not be decoded.
    pub fn decode(detail: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorKind::Decode);
        error.details.detail = Some(detail.into());
        error
    }

    /// Names the operation, and its scope when the table knows it, so a missing-scope error
    /// can say which scope to add.
    pub fn for_operation(mut self, operation: &'static OperationMeta) -> Self {
        self.details.operation = Some(operation);
        if self.details.scope.is_none() {
            self.details.scope = operation.scope;
        }
        self
    }

    /// Sets the scope the failed operation needs.
    pub fn with_scope(mut self, scope: &'static str) -> Self {
        self.details.scope = Some(scope);
        self
    }

    /// The classification.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.details.status
    }

    /// The parsed vendor error body, when there was one.
    pub fn body(&self) -> Option<&ErrorBody> {
        self.details.body.as_ref()
    }

    /// The vendor's messages (one for most errors, several for a 422).
    pub fn messages(&self) -> Vec<&str> {
        self.details
            .body
            .as_ref()
            .and_then(|body| body.message.as_ref())
            .map(ErrorMessage::messages)
            .unwrap_or_default()
    }

    /// The `traceId` HighLevel returned, worth quoting to its support.
    pub fn trace_id(&self) -> Option<&str> {
        self.details.body.as_ref()?.trace_id.as_deref()
    }

    /// The rate-limit headers of the response, when present.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.details.rate_limit
    }

    /// For a 429: how long to wait before the first retry, by the rule the runtime's retries
    /// follow: `Retry-After` when present, else a wait derived from the rate-limit headers
    /// (a request slot when the window has room, a quarter of the window when it is empty),
    /// before jitter. `None` when the response gives no hint or the daily budget is used up.
    pub fn retry_after(&self) -> Option<Duration> {
        self.details.retry_after
    }

    /// The spec's `operationId` of the operation that failed (`"getAgent"`), when known.
    pub fn operation(&self) -> Option<&'static str> {
        self.details.operation.map(|operation| operation.name)
    }

    /// The operation that failed as progenitor names it (`"get_agent"`), when known.
    pub fn operation_id(&self) -> Option<&'static str> {
        self.details
            .operation
            .map(|operation| operation.operation_id)
    }

    /// The HTTP method of the operation that failed (`"GET"`), when known.
    pub fn method(&self) -> Option<&'static str> {
        self.details.operation.map(|operation| operation.method)
    }

    /// The path template of the operation that failed (`/voice-ai/agents/{agentId}`), when
    /// known.
    pub fn path(&self) -> Option<&'static str> {
        self.details.operation.map(|operation| operation.path)
    }

    /// The scope the operation needs, when known.
    pub fn scope(&self) -> Option<&'static str> {
        self.details.scope
    }

    /// `true` when the same request may succeed later: 429 (any method), 502/503/504, and
    /// transport failures. Retrying a non-idempotent request after a 5xx or transport failure
    /// can repeat its effect; the runtime only does so when told to.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::RateLimited | ErrorKind::Transport => true,
            ErrorKind::Server => matches!(
                self.details.status,
                Some(StatusCode::BAD_GATEWAY)
                    | Some(StatusCode::SERVICE_UNAVAILABLE)
                    | Some(StatusCode::GATEWAY_TIMEOUT)
            ),
            _ => false,
        }
    }

    fn vendor_text(&self) -> Option<String> {
        self.details.body.as_ref().and_then(ErrorBody::text)
    }

    fn describe(&self) -> String {
        let mut out = String::from("HighLevel ");
        match self.details.operation {
            Some(operation) => {
                let _ = write!(out, "`{}` ", operation.name);
            }
            None => out.push_str("request "),
        }
        match self.details.status {
            Some(status) => {
                let _ = write!(out, "failed with {}: ", status.as_u16());
            }
            None => out.push_str("failed: "),
        }
        let quoted = |text: Option<String>| {
            text.map(|text| format!(" (\"{text}\")"))
                .unwrap_or_default()
        };
        let vendor = quoted(self.vendor_text());
        let detail = self.details.detail.clone();
        match self.kind {
            ErrorKind::InvalidToken => {
                let _ = write!(
                    out,
                    "the access token is invalid or has expired{vendor}; refresh it (OAuth) or \
                     issue a new Private Integration Token"
                );
            }
            ErrorKind::MissingScope => {
                let _ = write!(out, "the token is not authorized for this scope{vendor}; ");
                match self.details.scope {
                    Some(scope) => {
                        let _ = write!(
                            out,
                            "it lacks the `{scope}` scope: add that scope to the app or Private \
                             Integration and issue a new token"
                        );
                    }
                    None => out.push_str(
                        "a scope this operation needs is missing: add the operation's scope to \
                         the app or Private Integration and issue a new token",
                    ),
                }
            }
            ErrorKind::WrongTokenType => {
                let why = detail.map(|d| format!(" ({d})")).unwrap_or(vendor);
                let _ = write!(
                    out,
                    "a Sub-Account (Location) token is needed, but this is an Agency (Company) \
                     token{why}; use a Sub-Account OAuth access token (user_type=Location, or \
                     one minted with /oauth/locationToken) or a Sub-Account Private Integration \
                     Token"
                );
            }
            ErrorKind::MissingVersion => {
                let _ = write!(
                    out,
                    "the `Version` header was not found{vendor}; send one such as `2021-04-15` \
                     (ClientConfig::version)"
                );
            }
            ErrorKind::InvalidVersion => {
                let _ = write!(
                    out,
                    "the `Version` header value was rejected{vendor}; use one HighLevel supports: \
                     `2021-04-15` (the default), `2021-07-28`, `2023-02-21` or `v3`"
                );
            }
            ErrorKind::Unauthorized => {
                let _ = write!(
                    out,
                    "the request was not authorized{vendor}; check the token and its type"
                );
            }
            ErrorKind::WrongLocation => {
                let _ = write!(
                    out,
                    "the token belongs to another location (sub-account){vendor}; use a token \
                     issued for the location the request names"
                );
            }
            ErrorKind::Forbidden => {
                let _ = write!(
                    out,
                    "access is forbidden{vendor}; check the token's location and permissions"
                );
            }
            ErrorKind::NotFound => {
                let _ = write!(out, "not found{vendor}; check the id and the location");
            }
            ErrorKind::BadRequest => {
                let _ = write!(out, "the request was rejected as invalid{vendor}");
            }
            ErrorKind::Validation => {
                let messages = self.messages();
                if messages.is_empty() {
                    out.push_str("the request failed validation");
                } else {
                    let _ = write!(
                        out,
                        "the request failed validation: {}",
                        messages.join("; ")
                    );
                }
                out.push_str("; fix the listed fields and send it again");
            }
            ErrorKind::RateLimited => {
                out.push_str("the rate limit was reached");
                if self
                    .details
                    .rate_limit
                    .is_some_and(|limit| limit.daily_exhausted())
                {
                    out.push_str(
                        "; the daily request budget is used up, so retry after the daily reset",
                    );
                } else if let Some(wait) = self.details.retry_after {
                    let _ = write!(out, "; retry in {} ms", wait.as_millis());
                } else {
                    out.push_str("; back off and retry later");
                }
            }
            ErrorKind::Server => {
                let _ = write!(
                    out,
                    "HighLevel had a server error{vendor}; retrying later may succeed"
                );
            }
            ErrorKind::Unexpected => {
                let _ = write!(out, "unexpected response{vendor}");
            }
            ErrorKind::Transport => {
                out.push_str("the request did not complete");
                if let Some(source) = &self.source {
                    let _ = write!(out, ": {source}");
                }
                out.push_str("; check the network and base URL, then retry");
            }
            ErrorKind::Decode => {
                out.push_str("the response could not be decoded");
                if let Some(detail) = detail {
                    let _ = write!(out, ": {detail}");
                } else if let Some(source) = &self.source {
                    let _ = write!(out, ": {source}");
                }
            }
            ErrorKind::Config => {
                out.push_str("the client refused to send it");
                if let Some(detail) = detail {
                    let _ = write!(out, ": {detail}");
                }
            }
            ErrorKind::InvalidRequest => {
                out.push_str("nothing was sent, the request is invalid");
                if let Some(detail) = detail {
                    let _ = write!(out, ": {detail}");
                }
            }
        }
        if let Some(trace) = self.trace_id() {
            let _ = write!(out, " (traceId {trace})");
        }
        out
    }
}

impl<E> From<progenitor_client::Error<E>> for ApiError
where
    E: Serialize + fmt::Debug,
{
    /// Converts without reading an `UnexpectedResponse` body (status and headers only);
    /// see [`ApiError::from_progenitor`] for the complete conversion.
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(message) => Self::invalid_request(message),
            P::Custom(message) => {
                // `Runtime::pre` reports refusals through `Custom`; keep their kind.
                if message.contains(COMPANY_TOKEN_MARKER) {
                    Self::company_token_refused()
                } else {
                    Self::config(message)
                }
            }
            P::CommunicationError(error)
            | P::InvalidUpgrade(error)
            | P::ResponseBodyError(error) => Self::transport(error),
            P::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = serde_json::to_value(response.into_inner())
                    .ok()
                    .as_ref()
                    .and_then(ErrorBody::from_value);
                Self::from_parts(status, &headers, body)
            }
            P::InvalidResponsePayload(bytes, error) => {
                let mut api = Self::decode(format!("{error} ({} bytes)", bytes.len()));
                api.source = Some(Box::new(error));
                api
            }
            P::UnexpectedResponse(response) => {
                Self::from_parts(response.status(), response.headers(), None)
            }
        }
    }
}

/// Prefix of the `progenitor_client::Error::Custom` text `Runtime::pre` uses for a refused
/// Company token, so the conversion back to [`ApiError`] keeps the kind.
pub(crate) const COMPANY_TOKEN_MARKER: &str = "a Sub-Account (Location) token is needed";

fn classify(status: StatusCode, body: Option<&ErrorBody>) -> ErrorKind {
    let text = body
        .and_then(ErrorBody::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    match status.as_u16() {
        401 => {
            if text.contains("not authorized for this scope") {
                ErrorKind::MissingScope
            } else if text.contains("user type mismatch") || text.contains("authclass type") {
                ErrorKind::WrongTokenType
            } else if text.contains("version header") {
                ErrorKind::MissingVersion
            } else if is_invalid_token_text(&text) {
                ErrorKind::InvalidToken
            } else {
                ErrorKind::Unauthorized
            }
        }
        403 if text.contains("access to this location") => ErrorKind::WrongLocation,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        400 if text.contains("invalid api version") => ErrorKind::InvalidVersion,
        // "No Agent found for the id: …", "No generation details found for the messageId: …".
        400 if (text.starts_with("no ") && text.contains(" found for the "))
            || text.contains("not found") =>
        {
            ErrorKind::NotFound
        }
        400 => ErrorKind::BadRequest,
        422 => ErrorKind::Validation,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Unexpected,
    }
}

/// Whether a (lower-cased) 401 message says the token itself is invalid or expired, the case
/// where refreshing helps.
pub(crate) fn is_invalid_token_text(lowercase: &str) -> bool {
    (lowercase.contains("invalid") && lowercase.contains("token"))
        || lowercase.contains("expired")
        || lowercase.contains("jwt malformed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error_for(status: u16, body: Value) -> ApiError {
        ApiError::from_parts(
            StatusCode::from_u16(status).expect("valid status"),
            &HeaderMap::new(),
            ErrorBody::from_value(&body),
        )
    }

    #[test]
    fn a_422_message_list_is_parsed_as_a_list() {
        let body = ErrorBody::from_value(&json!({
            "statusCode": 422, "message": ["name must be a string", "locationId is required"],
            "error": "Unprocessable Entity"
        }))
        .expect("known fields");
        assert_eq!(body.status_code, Some(422));
        assert_eq!(
            body.message,
            Some(ErrorMessage::List(vec![
                "name must be a string".into(),
                "locationId is required".into()
            ]))
        );
    }

    #[test]
    fn the_v3_error_object_and_oauth_description_are_understood() {
        let v3 = ErrorBody::from_value(
            &json!({"error": {"code": "RESOURCE_NOT_FOUND", "message": "gone"}}),
        )
        .expect("v3 body");
        assert_eq!(v3.error.as_deref(), Some("RESOURCE_NOT_FOUND"));
        assert_eq!(v3.text().as_deref(), Some("gone"));
        let oauth = ErrorBody::from_value(
            &json!({"error": "UnAuthorized!", "error_description": "Authorization code not found"}),
        )
        .expect("oauth body");
        assert_eq!(
            oauth.text().as_deref(),
            Some("Authorization code not found")
        );
    }

    #[test]
    fn non_json_or_unrelated_bodies_give_no_error_body() {
        assert_eq!(ErrorBody::from_slice(b"<html>bad gateway</html>"), None);
        assert_eq!(ErrorBody::from_value(&json!({"agents": []})), None);
    }

    #[test]
    fn each_vendor_401_message_gets_its_own_kind() {
        let cases = [
            (
                "The token is not authorized for this scope.",
                ErrorKind::MissingScope,
            ),
            ("Token's user type mismatch!", ErrorKind::WrongTokenType),
            (
                "This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case.",
                ErrorKind::WrongTokenType,
            ),
            ("version header was not found.", ErrorKind::MissingVersion),
            (
                "Invalid token: access token is invalid",
                ErrorKind::InvalidToken,
            ),
            ("Something else", ErrorKind::Unauthorized),
        ];
        for (message, kind) in cases {
            assert_eq!(
                error_for(401, json!({"statusCode": 401, "message": message})).kind(),
                kind,
                "{message}"
            );
        }
    }

    #[test]
    fn an_unknown_id_reported_as_400_is_not_found() {
        let error = error_for(
            400,
            json!({"message": "No Agent found for the id: x", "error": "Bad Request", "statusCode": 400}),
        );
        assert_eq!(error.kind(), ErrorKind::NotFound);
        assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn an_unknown_message_id_of_the_generations_route_is_not_found() {
        let error = error_for(
            400,
            json!({"message": "No generation details found for the messageId: m1", "error": "Bad Request", "statusCode": 400}),
        );
        assert_eq!(error.kind(), ErrorKind::NotFound);
        let other = error_for(400, json!({"message": "Nothing to say", "statusCode": 400}));
        assert_eq!(other.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn retryable_errors_are_429_gateway_errors_and_transport() {
        assert!(error_for(429, json!({})).is_retryable());
        assert!(error_for(503, json!({})).is_retryable());
        assert!(!error_for(500, json!({})).is_retryable());
        assert!(!error_for(422, json!({})).is_retryable());
    }
}
