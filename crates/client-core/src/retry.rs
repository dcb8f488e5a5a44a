//! When and how long to wait before sending a request again.
//!
//! The rules (HighLevel API_FACTS §1):
//! - **429** is a refusal, so it is safe to retry for every method. The wait follows the one
//!   rule of the `wait` module, shared with [`crate::ApiError::retry_after`]: `Retry-After`
//!   when present, honoured exactly; else, unless the daily budget is used up, a wait derived
//!   from the rate-limit headers (one request slot when the window has room, a quarter of the
//!   window when it is empty, doubling per retry, never more than the window), jittered; with
//!   no hint at all, jittered exponential backoff.
//! - **502, 503, 504** and transport failures (timeouts, resets) are retried only for
//!   idempotent methods (GET, PUT, DELETE, HEAD, OPTIONS, TRACE): a POST or PATCH may have
//!   reached the server, so it is retried only with [`RetryPolicy::retry_non_idempotent`].
//!   A 5xx honours `Retry-After`, else backs off. A failure to *connect* means nothing was
//!   sent, so it is retried for every method.
//! - At most [`RetryPolicy::max_attempts`] attempts in total. Every wait the client computes
//!   (backoff, or derived from the rate-limit headers) is capped at [`RetryPolicy::max_wait`];
//!   a `Retry-After` longer than the cap is not shortened (retrying early would only be refused
//!   again): the response is returned instead.
//!
//! Waiting goes through a [`Sleeper`], so tests can record the waits without real time.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::wait::{self, ServerWait};

/// Something that can wait. The default, [`TokioSleeper`], uses `tokio::time::sleep`.
pub trait Sleeper: Send + Sync + fmt::Debug + 'static {
    /// Completes after `wait`.
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()>;
}

/// Waits with `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(wait))
    }
}

/// How the runtime retries. Build it with chained setters:
///
/// ```
/// use std::time::Duration;
/// use highlevel_client_core::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .max_wait(Duration::from_secs(20))
///     .retry_non_idempotent(false);
/// // Computed waits double from the 500 ms base and never exceed `max_wait`.
/// assert_eq!(policy.backoff(2), Duration::from_secs(2));
/// assert_eq!(policy.backoff(10), Duration::from_secs(20));
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_wait: Duration,
    pub(crate) retry_non_idempotent: bool,
    pub(crate) jitter: bool,
    pub(crate) sleeper: Arc<dyn Sleeper>,
}

impl Default for RetryPolicy {
    /// 4 attempts, 500 ms base backoff, 30 s cap, idempotent methods only, jitter on,
    /// [`TokioSleeper`].
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
            retry_non_idempotent: false,
            jitter: true,
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("base_delay", &self.base_delay)
            .field("max_wait", &self.max_wait)
            .field("retry_non_idempotent", &self.retry_non_idempotent)
            .field("jitter", &self.jitter)
            .field("sleeper", &self.sleeper)
            .finish()
    }
}

impl RetryPolicy {
    /// Never retries (one attempt).
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total attempts, the first included (minimum 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff; each later one doubles, up to [`RetryPolicy::max_wait`].
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest single wait (default 30 s): caps backoff and waits derived from the
    /// rate-limit headers. A longer `Retry-After` ends the retries instead.
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Also retry POST and PATCH after a 5xx or transport failure. Off by default: the first
    /// attempt may have taken effect. (A 429 is retried for every method regardless.)
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }

    /// Randomise computed waits (backoff, and waits derived from the rate-limit headers)
    /// between half and all of their length (on by default). `Retry-After` is never jittered.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Waits through `sleeper` instead of `tokio::time::sleep`.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The backoff before retry number `retry` (0 for the first retry), before jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_wait)
            .min(self.max_wait)
    }

    fn jittered_backoff(&self, retry: u32) -> Duration {
        self.jittered(self.backoff(retry))
    }

    /// `full` reduced to a random point between half and all of it, when jitter is on.
    fn jittered(&self, full: Duration) -> Duration {
        if !self.jitter || full.is_zero() {
            return full;
        }
        let half = full / 2;
        let spread = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(random_u64() % spread.saturating_add(1))
    }

    /// Decides whether to send again after `attempt` (1-based) ended in `outcome`, and how
    /// long to wait first. `None` means return the outcome to the caller.
    pub(crate) fn next_wait(
        &self,
        method: &Method,
        attempt: u32,
        outcome: Outcome<'_>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let retry = attempt - 1;
        let may_repeat = is_idempotent(method) || self.retry_non_idempotent;
        match outcome {
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS, headers) => {
                let hint = wait::after_rate_limit(headers, SystemTime::now(), retry);
                self.server_wait(hint, retry)
            }
            Outcome::Status(
                StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT,
                headers,
            ) if may_repeat => {
                let hint = wait::retry_after(headers, SystemTime::now()).map(ServerWait::Asked);
                self.server_wait(hint, retry)
            }
            Outcome::ConnectFailed => Some(self.jittered_backoff(retry)),
            Outcome::TransportFailed if may_repeat => Some(self.jittered_backoff(retry)),
            _ => None,
        }
    }

    /// Applies the policy to what the response asked for: `Retry-After` as is unless beyond
    /// the cap, a derived wait jittered and capped, no hint the jittered backoff.
    fn server_wait(&self, hint: Option<ServerWait>, retry: u32) -> Option<Duration> {
        match hint {
            Some(ServerWait::Asked(wait)) => (wait <= self.max_wait).then_some(wait),
            Some(ServerWait::Derived(wait)) => Some(self.jittered(wait).min(self.max_wait)),
            Some(ServerWait::DailyExhausted) => None,
            None => Some(self.jittered_backoff(retry)),
        }
    }
}

/// How an attempt ended, as far as retrying cares.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome<'a> {
    /// A response with this status and headers.
    Status(StatusCode, &'a HeaderMap),
    /// The connection could not be established: nothing was sent.
    ConnectFailed,
    /// Any other transport failure: the request may have been sent.
    TransportFailed,
}

/// GET, PUT, DELETE, HEAD, OPTIONS and TRACE: sending them twice has the effect of once.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn random_u64() -> u64 {
    // Each RandomState is seeded afresh by the standard library: enough for jitter, no
    // extra dependency.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn exact() -> RetryPolicy {
        RetryPolicy::default().jitter(false)
    }

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let policy = exact()
            .base_delay(Duration::from_millis(100))
            .max_wait(Duration::from_millis(500));
        let waits: Vec<_> = (0..5).map(|retry| policy.backoff(retry)).collect();
        assert_eq!(
            waits,
            [100, 200, 400, 500, 500]
                .map(Duration::from_millis)
                .to_vec()
        );
        assert_eq!(policy.backoff(u32::MAX), Duration::from_millis(500));
    }

    #[test]
    fn jittered_backoff_stays_between_half_and_all_of_the_delay() {
        let policy = RetryPolicy::default().base_delay(Duration::from_millis(800));
        for _ in 0..100 {
            let wait = policy.jittered_backoff(1);
            assert!(wait >= Duration::from_millis(800) && wait <= Duration::from_millis(1600));
        }
    }

    fn window_headers(remaining: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ratelimit-interval-milliseconds",
            HeaderValue::from_static("10000"),
        );
        headers.insert("x-ratelimit-max", HeaderValue::from_static("100"));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static(remaining));
        headers
    }

    #[test]
    fn a_429_with_retry_after_waits_exactly_that_and_ignores_the_window() {
        let mut headers = window_headers("0");
        headers.insert("retry-after", HeaderValue::from_static("1"));
        let wait = RetryPolicy::default().next_wait(
            &Method::POST,
            1,
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS, &headers),
        );
        assert_eq!(wait, Some(Duration::from_secs(1)));
    }

    #[test]
    fn a_derived_429_wait_is_jittered_within_half_to_all_and_capped() {
        let headers = window_headers("0");
        let status = Outcome::Status(StatusCode::TOO_MANY_REQUESTS, &headers);
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let wait = policy
                .next_wait(&Method::GET, 1, status)
                .expect("a derived wait");
            assert!(wait >= Duration::from_millis(1_250) && wait <= Duration::from_millis(2_500));
        }
        let capped = exact().max_wait(Duration::from_millis(700));
        assert_eq!(
            capped.next_wait(&Method::GET, 3, status),
            Some(Duration::from_millis(700))
        );
    }

    #[test]
    fn a_503_honours_retry_after_but_not_the_rate_limit_window() {
        let mut headers = window_headers("0");
        let status = Outcome::Status(StatusCode::SERVICE_UNAVAILABLE, &headers);
        assert_eq!(
            exact().next_wait(&Method::GET, 1, status),
            Some(exact().backoff(0))
        );
        headers.insert("retry-after", HeaderValue::from_static("4"));
        let status = Outcome::Status(StatusCode::SERVICE_UNAVAILABLE, &headers);
        assert_eq!(
            exact().next_wait(&Method::GET, 1, status),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn a_429_with_the_daily_budget_used_up_is_not_retried() {
        let mut headers = window_headers("0");
        headers.insert("x-ratelimit-daily-remaining", HeaderValue::from_static("0"));
        let wait = exact().next_wait(
            &Method::GET,
            1,
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS, &headers),
        );
        assert_eq!(wait, None);
    }

    #[test]
    fn a_server_wait_longer_than_the_cap_ends_the_retries() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3600"));
        let wait = exact().next_wait(
            &Method::GET,
            1,
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS, &headers),
        );
        assert_eq!(wait, None);
    }

    #[test]
    fn post_is_retried_after_a_connect_failure_but_not_after_a_timeout() {
        let policy = exact();
        assert!(
            policy
                .next_wait(&Method::POST, 1, Outcome::ConnectFailed)
                .is_some()
        );
        assert!(
            policy
                .next_wait(&Method::POST, 1, Outcome::TransportFailed)
                .is_none()
        );
        assert!(
            policy
                .next_wait(&Method::GET, 1, Outcome::TransportFailed)
                .is_some()
        );
        let opted_in = exact().retry_non_idempotent(true);
        assert!(
            opted_in
                .next_wait(&Method::PATCH, 1, Outcome::TransportFailed)
                .is_some()
        );
    }

    #[test]
    fn the_last_attempt_is_never_followed_by_a_wait() {
        let headers = HeaderMap::new();
        let policy = exact().max_attempts(2);
        let status = Outcome::Status(StatusCode::SERVICE_UNAVAILABLE, &headers);
        assert!(policy.next_wait(&Method::GET, 1, status).is_some());
        assert!(policy.next_wait(&Method::GET, 2, status).is_none());
        assert!(
            RetryPolicy::none()
                .next_wait(&Method::GET, 1, status)
                .is_none()
        );
    }
}
