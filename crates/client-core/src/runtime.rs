//! The state every generated client carries, and the hooks it delegates to.
//!
//! A generated client calls [`Runtime::pre`] on each request (credentials and `Version`
//! header) and then [`Runtime::exec`] (send, retry, refresh, trace).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use progenitor_client::OperationInfo;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use tracing::Instrument as _;
use tracing::field::{Empty, display};

use crate::auth::{StaticToken, Token, TokenSource};
use crate::error::{ApiError, is_invalid_token_text};
use crate::operation::OperationMeta;
use crate::retry::{Outcome, RetryPolicy};

/// The `Version` header HighLevel requires on every request.
pub const VERSION_HEADER: &str = "version";
/// The API version sent by default: the only value the Voice AI and Conversation AI specs list.
pub const DEFAULT_VERSION: &str = "2021-04-15";
/// The header progenitor adds with the spec's `info.version`; HighLevel does not use it.
const PROGENITOR_VERSION_HEADER: &str = "api-version";

/// Shared client state: token source, `Version` value, retry policy and the operation table.
///
/// Build it with [`crate::ClientConfig::build`], or [`Runtime::new`] for tests.
/// Its `Debug` output never includes a token.
#[derive(Clone)]
pub struct Runtime {
    tokens: Arc<dyn TokenSource>,
    /// The last token checked and its `Authorization` value, shared by clones: a token is
    /// checked (a JWT's claims decoded) and formatted once, not per request.
    authorization: Arc<Mutex<Option<(Token, HeaderValue)>>>,
    /// Refusals `pre` could only report as progenitor's string-only `Custom` error, kept so
    /// [`Runtime::error_for`] hands back the original error (kind, status, vendor body).
    refusals: Arc<Refusals>,
    version: HeaderValue,
    retry: RetryPolicy,
    operations: &'static [OperationMeta],
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("tokens", &"<redacted>")
            .field("version", &self.version)
            .field("retry", &self.retry)
            .field("operations", &self.operations.len())
            .finish()
    }
}

impl Runtime {
    /// A runtime with the default `Version`, the default [`RetryPolicy`] and no operation table.
    pub fn new(tokens: Arc<dyn TokenSource>) -> Self {
        Self {
            tokens,
            authorization: Arc::new(Mutex::new(None)),
            refusals: Arc::default(),
            version: HeaderValue::from_static(DEFAULT_VERSION),
            retry: RetryPolicy::default(),
            operations: &[],
        }
    }

    /// A runtime that always sends `token` (checked: an Agency JWT is refused here).
    pub fn with_static_token(token: Token) -> Result<Self, ApiError> {
        token.check_usable()?;
        Ok(Self::new(Arc::new(StaticToken::new(token))))
    }

    /// Sends `version` as the `Version` header.
    pub fn with_version(mut self, version: &str) -> Result<Self, ApiError> {
        self.version = HeaderValue::from_str(version.trim())
            .ok()
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                ApiError::config(format!("`{version}` is not a usable Version header value"))
            })?;
        Ok(self)
    }

    /// Uses `policy` for retries.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Uses `table` to name path templates in spans and scopes in errors.
    pub fn with_operations(mut self, table: &'static [OperationMeta]) -> Self {
        self.operations = table;
        self
    }

    /// The `Version` header value sent.
    pub fn version(&self) -> &str {
        self.version.to_str().unwrap_or(DEFAULT_VERSION)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The operation table.
    pub fn operations(&self) -> &'static [OperationMeta] {
        self.operations
    }

    /// The table entry for `operation_id`.
    pub fn operation(&self, operation_id: &str) -> Option<&'static OperationMeta> {
        OperationMeta::find(self.operations, operation_id)
    }

    /// The scope `operation_id` needs, when the table says.
    pub fn scope_for(&self, operation_id: &str) -> Option<&'static str> {
        self.operation(operation_id)?.scope
    }

    /// Converts a generated method's error into an [`ApiError`] naming the operation and its
    /// scope (reads the body of an `UnexpectedResponse`).
    pub async fn error_for<E>(
        &self,
        operation_id: &str,
        error: progenitor_client::Error<E>,
    ) -> ApiError
    where
        E: serde::Serialize + fmt::Debug,
    {
        if let progenitor_client::Error::Custom(message) = &error
            && let Some(refused) = self.refusals.take(message)
        {
            // A token source's own failure names its own request (e.g. `getAccessToken`).
            return match self.operation(operation_id) {
                Some(operation) if refused.operation().is_none() => {
                    refused.for_operation(operation)
                }
                _ => refused,
            };
        }
        let error = ApiError::from_progenitor(error).await;
        match self.operation(operation_id) {
            Some(operation) => error.for_operation(operation),
            None => error,
        }
    }

    /// The `pre` hook: sets `Authorization: Bearer …` and `Version`, removes progenitor's
    /// `api-version`, and refuses an Agency (Company) JWT before anything is sent.
    ///
    /// Refusals are `progenitor_client::Error::Custom` with a message that never contains the
    /// token. [`Runtime::error_for`] turns one back into the very [`ApiError`] behind it (a
    /// token source's failure keeps its kind, status and vendor body); `ApiError::from` keeps
    /// the kind of a refused Agency token and reports others as [`crate::ErrorKind::Config`].
    pub async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let refuse = |error: ApiError| {
            tracing::warn!(operation_id = info.operation_id, error = %error, "request refused before sending");
            progenitor_client::Error::Custom(self.refusals.keep(error))
        };
        let token = self.tokens.token().await.map_err(refuse)?;
        let authorization = self.authorization_for(token).map_err(refuse)?;
        let headers = request.headers_mut();
        headers.remove(PROGENITOR_VERSION_HEADER);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(
            HeaderName::from_static(VERSION_HEADER),
            self.version.clone(),
        );
        Ok(())
    }

    /// The `exec` hook: sends `request` with `client`, retrying per the [`RetryPolicy`] and,
    /// once, after refreshing the token when HighLevel answers 401 "invalid/expired token".
    ///
    /// Each attempt runs in a `highlevel.request` span with the method, path template,
    /// `operation` (the spec's operationId), progenitor's `operation_id`, attempt number, status and duration (until the response headers); the
    /// token is never recorded.
    /// A request whose body cannot be cloned (a stream) is sent once.
    pub async fn exec(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let method = request.method().clone();
        let meta = self.operation(info.operation_id);
        let path: Cow<'static, str> = match meta {
            Some(operation) => Cow::Borrowed(operation.path),
            None => Cow::Owned(request.url().path().to_owned()),
        };
        // The spec's operationId, as `ApiError::operation()` names it (`getAgent`).
        let operation = meta.map_or(info.operation_id, |operation| operation.name);
        let mut request = request;
        let mut attempt = 1u32;
        let mut policy_attempt = 1u32;
        let mut refreshed = false;
        loop {
            let spare = request.try_clone();
            let span = tracing::info_span!(
                "highlevel.request",
                method = %method,
                path = %path,
                operation_id = info.operation_id,
                operation,
                attempt,
                status = Empty,
                duration_ms = Empty,
                error = Empty,
            );
            let started = Instant::now();
            let result = client.execute(request).instrument(span.clone()).await;
            let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("duration_ms", elapsed);
            match &result {
                Ok(response) => span.record("status", response.status().as_u16()),
                Err(error) => span.record("error", display(error)),
            };
            let Some(next) = spare else {
                return result;
            };

            let result = match result {
                Ok(response)
                    if response.status() == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && self.tokens.can_refresh() =>
                {
                    let (response, invalid_token) = inspect_unauthorized(response).await?;
                    if !invalid_token {
                        return Ok(response);
                    }
                    refreshed = true;
                    let rejected = next
                        .headers()
                        .get(AUTHORIZATION)
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.strip_prefix("Bearer "))
                        .map(Token::new);
                    match self.refreshed_authorization(rejected).await {
                        Ok(authorization) => {
                            span.in_scope(|| {
                                tracing::info!(
                                    "token refused as invalid or expired; refreshed, retrying once"
                                );
                            });
                            request = next;
                            request.headers_mut().insert(AUTHORIZATION, authorization);
                            attempt += 1;
                            continue;
                        }
                        Err(error) => {
                            span.in_scope(|| {
                                tracing::warn!(error = %error, "token refused and could not be refreshed");
                            });
                            return Ok(response);
                        }
                    }
                }
                other => other,
            };

            let outcome = match &result {
                Ok(response) => Outcome::Status(response.status(), response.headers()),
                Err(error) if error.is_builder() || error.is_redirect() => return result,
                Err(error) if error.is_connect() => Outcome::ConnectFailed,
                Err(_) => Outcome::TransportFailed,
            };
            let Some(wait) = self.retry.next_wait(&method, policy_attempt, outcome) else {
                return result;
            };
            span.in_scope(|| {
                tracing::debug!(
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "retrying"
                );
            });
            drop(result);
            self.retry.sleeper.sleep(wait).await;
            request = next;
            attempt += 1;
            policy_attempt += 1;
        }
    }

    async fn refreshed_authorization(
        &self,
        rejected: Option<Token>,
    ) -> Result<HeaderValue, ApiError> {
        let token = match rejected {
            Some(rejected) => self.tokens.refresh_rejected(&rejected).await?,
            None => self.tokens.refresh().await?,
        };
        self.authorization_for(token)
    }

    /// The `Authorization` value for `token`, from the cache when it is the last one used.
    fn authorization_for(&self, token: Token) -> Result<HeaderValue, ApiError> {
        let mut cached = self
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((last, value)) = cached.as_ref()
            && *last == token
        {
            return Ok(value.clone());
        }
        let value = authorization_value(&token)?;
        *cached = Some((token, value.clone()));
        Ok(value)
    }
}

fn authorization_value(token: &Token) -> Result<HeaderValue, ApiError> {
    token.check_usable()?;
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            ApiError::config("the token contains characters that cannot be sent in an HTTP header")
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads a 401's body to see whether the token itself was refused (so refreshing helps), and
/// rebuilds an equivalent response for the caller.
async fn inspect_unauthorized(
    response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, bool)> {
    use reqwest::ResponseBuilderExt as _;

    let status = response.status();
    let version = response.version();
    let url = response.url().clone();
    let headers: HeaderMap = response.headers().clone();
    let body = response.bytes().await?;
    let invalid = crate::error::ErrorBody::from_slice(&body)
        .and_then(|body| body.text())
        .is_some_and(|text| is_invalid_token_text(&text.to_ascii_lowercase()));
    // `url` can only be attached through the builder; the builder cannot fail with no
    // status or header set on it.
    let mut rebuilt = match http::Response::builder().url(url).body(()) {
        Ok(response) => response.map(|()| body),
        Err(_) => http::Response::new(body),
    };
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), invalid))
}

/// How many refusals [`Refusals`] keeps: enough for the requests refused at once in practice.
const KEPT_REFUSALS: usize = 32;

/// Recent `pre` refusals by number; the oldest is dropped beyond [`KEPT_REFUSALS`].
#[derive(Debug, Default)]
struct Refusals {
    next: AtomicU64,
    kept: Mutex<VecDeque<(u64, ApiError)>>,
}

impl Refusals {
    /// Keeps `error` and returns the message for progenitor's `Custom` error, which ends with
    /// the refusal's number.
    fn keep(&self, error: ApiError) -> String {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let message = format!("{error} [refusal {number}]");
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() == KEPT_REFUSALS {
            kept.pop_front();
        }
        kept.push_back((number, error));
        message
    }

    /// The refusal a [`Refusals::keep`] message names, if still kept.
    fn take(&self, message: &str) -> Option<ApiError> {
        let number: u64 = message
            .strip_suffix(']')?
            .rsplit_once(" [refusal ")?
            .1
            .parse()
            .ok()?;
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let index = kept.iter().position(|(kept, _)| *kept == number)?;
        kept.remove(index).map(|(_, error)| error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn the_hook_futures_are_send_so_clients_work_in_spawned_tasks() {
        let parts = ClientConfig::new(Token::new("pit-00000000-0000-0000-0000-000000000000"))
            .build()
            .expect("builds");
        let info = OperationInfo {
            operation_id: "get-agents",
        };
        let mut request = parts
            .client
            .get("https://services.leadconnectorhq.com/voice-ai/agents")
            .build()
            .expect("request builds");
        assert_send(&parts.runtime.pre::<()>(&mut request, &info));
        let exec = parts.runtime.exec(&parts.client, request, &info);
        assert_send(&exec);
        fn assert_sync<T: Send + Sync + Clone + fmt::Debug>() {}
        assert_sync::<Runtime>();
    }

    #[test]
    fn refusals_are_found_by_their_message_once_and_only_the_newest_are_kept() {
        let refusals = Refusals::default();
        let first = refusals.keep(ApiError::config("first"));
        let messages: Vec<String> = (0..KEPT_REFUSALS)
            .map(|n| refusals.keep(ApiError::invalid_request(format!("later {n}"))))
            .collect();
        assert!(refusals.take(&first).is_none(), "the oldest was dropped");
        let last = refusals
            .take(&messages[KEPT_REFUSALS - 1])
            .expect("the newest is kept");
        assert_eq!(last.kind(), crate::ErrorKind::InvalidRequest);
        assert!(
            refusals.take(&messages[KEPT_REFUSALS - 1]).is_none(),
            "taken once"
        );
        assert!(refusals.take("some other message [refusal x]").is_none());
    }

    #[test]
    fn an_operation_table_names_path_templates_and_scopes() {
        static TABLE: &[OperationMeta] = &[OperationMeta {
            operation_id: "get-agent",
            name: "getAgent",
            method: "GET",
            path: "/voice-ai/agents/{agentId}",
            scope: Some("voice-ai-agents.readonly"),
        }];
        let runtime = Runtime::with_static_token(Token::new("pit-x"))
            .expect("usable token")
            .with_operations(TABLE);
        assert_eq!(
            runtime.scope_for("get-agent"),
            Some("voice-ai-agents.readonly")
        );
        assert_eq!(runtime.operation("nope"), None);
        assert!(runtime.clone().with_version("v3").is_ok());
        assert!(runtime.with_version(" ").is_err());
    }
}
