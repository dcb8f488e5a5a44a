//! Optional rate limiting, shaped like the live API's (off unless configured).
//!
//! HighLevel limits each app per location: a burst window (`X-RateLimit-Max` requests per
//! `X-RateLimit-Interval-Milliseconds`, live 100 per 10 000 ms) and a daily budget
//! (`X-RateLimit-Limit-Daily`, live 200 000). When a [`RateLimitConfig`] is set, every response of
//! the API routes carries the five `X-RateLimit-*` headers, and a request over either budget gets
//! 429 `Too Many Requests` in the vendor error shape, with the same headers and no `Retry-After`
//! (the live API's is undocumented, so clients must back off on the interval).
//!
//! **Which requests spend the budget.** A request counts against its token's location once it
//! has passed authentication on a Voice AI or Conversation AI operation: `Version` header, token,
//! token class, the operation's scope and (Voice AI) the `locationId` it names. It counts whatever
//! happens after that (a 422 for a bad body, a 404 for an unknown id, a success). Requests refused
//! before that point spend nothing and never get 429: a missing or unknown `Version` or token, a
//! token without the scope (401), another location (403), an unreadable or oversized body
//! (400/413), an unknown route (404 `Cannot …`), OAuth token endpoints, faulted requests, and a
//! 429 itself. So authentication is judged first: a scope-less token gets its 401 even when its
//! location's bucket is empty. The counting happens inside the request pipeline
//! ([`crate::api`], step 4b), through a [`Spend`] slot this module's middleware hands it; the
//! middleware then puts the headers on the response (for a request that did not count, the
//! location's budget as it stands, or an untouched one when no known token was sent). The limit
//! can be switched on, off or changed while serving (`PUT /__mock/rate-limit`,
//! [`crate::AppState::set_rate_limit`]); a change starts every window afresh. Admin requests
//! under `/__mock/` are never limited.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use crate::AppState;
use crate::error::ApiError;

/// The limits to enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests allowed per burst window (`X-RateLimit-Max`).
    pub max: u32,
    /// The burst window (`X-RateLimit-Interval-Milliseconds`).
    pub interval: Duration,
    /// Requests allowed per 24 hours (`X-RateLimit-Limit-Daily`).
    pub daily: u32,
}

impl RateLimitConfig {
    /// The live API's limits: 100 requests per 10 s, 200 000 per day.
    ///
    /// ```
    /// use mock_server::RateLimitConfig;
    /// // Arrange / Act
    /// let config = RateLimitConfig::vendor();
    /// // Assert
    /// assert_eq!((config.max, config.interval.as_millis(), config.daily), (100, 10_000, 200_000));
    /// ```
    pub fn vendor() -> Self {
        Self {
            max: 100,
            interval: Duration::from_secs(10),
            daily: 200_000,
        }
    }
}

#[derive(Debug)]
struct Window {
    burst_start: DateTime<Utc>,
    burst_count: u32,
    day_start: DateTime<Utc>,
    day_count: u32,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    config: RateLimitConfig,
    remaining: u32,
    daily_remaining: u32,
}

impl Decision {
    /// A full budget (for responses to requests that are not counted).
    fn untouched(config: RateLimitConfig) -> Self {
        Self {
            allowed: true,
            config,
            remaining: config.max,
            daily_remaining: config.daily,
        }
    }

    /// The five `X-RateLimit-*` headers.
    pub(crate) fn headers(&self) -> HeaderMap {
        vendor_headers(&self.config, self.remaining, self.daily_remaining)
    }
}

/// The five `X-RateLimit-*` headers for a configuration and what remains of it.
pub(crate) fn vendor_headers(
    config: &RateLimitConfig,
    remaining: u32,
    daily_remaining: u32,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: u128| {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from(value as u64),
        );
    };
    put("x-ratelimit-limit-daily", u128::from(config.daily));
    put("x-ratelimit-daily-remaining", u128::from(daily_remaining));
    put(
        "x-ratelimit-interval-milliseconds",
        config.interval.as_millis(),
    );
    put("x-ratelimit-max", u128::from(config.max));
    put("x-ratelimit-remaining", u128::from(remaining));
    headers
}

/// Fixed-window counters per location, under a configuration that may be switched at runtime.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    config: Mutex<Option<RateLimitConfig>>,
    windows: Mutex<HashMap<String, Window>>,
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl RateLimiter {
    pub(crate) fn new(config: Option<RateLimitConfig>) -> Self {
        Self {
            config: Mutex::new(config),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The limits in force, if any.
    pub(crate) fn config(&self) -> Option<RateLimitConfig> {
        *self.config.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Switches the limits (off with `None`) and forgets every window.
    pub(crate) fn set_config(&self, config: Option<RateLimitConfig>) {
        *self.config.lock().unwrap_or_else(PoisonError::into_inner) = config;
        self.clear();
    }

    /// Counts a request for `key` at `now` (the server clock's), unless it is over a budget;
    /// `None` when off. A window ends once `now` is its length past its start, or before its
    /// start (the clock was set back), so moving the clock moves the windows.
    pub(crate) fn check(&self, key: &str, now: DateTime<Utc>) -> Option<Decision> {
        let config = self.config()?;
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(key.to_owned()).or_insert(Window {
            burst_start: now,
            burst_count: 0,
            day_start: now,
            day_count: 0,
        });
        if ended(window.burst_start, now, config.interval) {
            window.burst_start = now;
            window.burst_count = 0;
        }
        if ended(window.day_start, now, DAY) {
            window.day_start = now;
            window.day_count = 0;
        }
        let allowed = window.burst_count < config.max && window.day_count < config.daily;
        if allowed {
            window.burst_count += 1;
            window.day_count += 1;
        }
        Some(Decision {
            allowed,
            config,
            remaining: config.max.saturating_sub(window.burst_count),
            daily_remaining: config.daily.saturating_sub(window.day_count),
        })
    }

    /// What remains of `key`'s budget at `now`, without counting anything; `None` when off.
    pub(crate) fn peek(&self, key: &str, now: DateTime<Utc>) -> Option<Decision> {
        let config = self.config()?;
        let windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(window) = windows.get(key) else {
            return Some(Decision::untouched(config));
        };
        let burst = if ended(window.burst_start, now, config.interval) {
            0
        } else {
            window.burst_count
        };
        let day = if ended(window.day_start, now, DAY) {
            0
        } else {
            window.day_count
        };
        Some(Decision {
            allowed: burst < config.max && day < config.daily,
            config,
            remaining: config.max.saturating_sub(burst),
            daily_remaining: config.daily.saturating_sub(day),
        })
    }

    /// Forgets every window.
    pub(crate) fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// Whether a window of `length` that started at `start` is over at `now`.
fn ended(start: DateTime<Utc>, now: DateTime<Utc>, length: Duration) -> bool {
    let elapsed = now - start;
    elapsed < TimeDelta::zero() || elapsed >= TimeDelta::from_std(length).unwrap_or(TimeDelta::MAX)
}

/// Where the request pipeline records that a request spent budget (see the module notes): put
/// in the request's extensions by [`enforce`], filled at most once by [`spend`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Spend(Arc<OnceLock<Decision>>);

/// Counts an authenticated request against `location` (when the limit is on and `slot` came
/// from [`enforce`]); 429 when it is over budget.
pub(crate) fn spend(
    state: &AppState,
    slot: Option<&Spend>,
    location: &str,
) -> Result<(), ApiError> {
    let Some(slot) = slot else {
        return Ok(());
    };
    let Some(decision) = state.rate_limiter().check(location, state.clock().now()) else {
        return Ok(());
    };
    let _ = slot.0.set(decision);
    if decision.allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
        ))
    }
}

/// A request's passage through the limiter, opened by the API middleware before the handler
/// runs and closed on its response.
pub(crate) struct Passage {
    config: RateLimitConfig,
    slot: Spend,
    token_location: Option<String>,
}

impl Passage {
    /// When a limit is on, hands the request a [`Spend`] slot (spent inside the pipeline, after
    /// authentication) and notes its token's location; `None` when no limit is on.
    pub(crate) fn open(state: &AppState, request: &mut Request) -> Option<Self> {
        let config = state.rate_limiter().config()?;
        let slot = Spend::default();
        request.extensions_mut().insert(slot.clone());
        let token_location = request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, token)| state.token_location(token.trim()));
        Some(Self {
            config,
            slot,
            token_location,
        })
    }

    /// Puts the `X-RateLimit-*` headers on the response: the decision of a request that
    /// counted, else what remains of its token's location's budget, else an untouched budget.
    pub(crate) fn close(self, state: &AppState, response: &mut Response) {
        let decision = match self.slot.0.get() {
            Some(decision) => *decision,
            None => self
                .token_location
                .and_then(|location| state.rate_limiter().peek(&location, state.clock().now()))
                .unwrap_or(Decision::untouched(self.config)),
        };
        response.headers_mut().extend(decision.headers());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32, daily: u32) -> RateLimiter {
        RateLimiter::new(Some(RateLimitConfig {
            max,
            interval: Duration::from_millis(100),
            daily,
        }))
    }

    fn check(limiter: &RateLimiter, key: &str, now: DateTime<Utc>) -> Decision {
        limiter.check(key, now).expect("the limit is on")
    }

    #[test]
    fn a_limiter_switched_off_counts_nothing_and_on_again_starts_afresh() {
        let limiter = limiter(1, 100);
        let start = Utc::now();
        assert!(check(&limiter, "loc", start).allowed);
        assert!(!check(&limiter, "loc", start).allowed);
        limiter.set_config(None);
        assert_eq!(limiter.check("loc", start), None);
        limiter.set_config(Some(RateLimitConfig::vendor()));
        assert!(check(&limiter, "loc", start).allowed);
    }

    #[test]
    fn a_burst_over_the_maximum_is_refused_until_the_window_ends() {
        let limiter = limiter(2, 100);
        let start = Utc::now();
        assert!(check(&limiter, "loc", start).allowed);
        assert!(check(&limiter, "loc", start).allowed);
        let refused = check(&limiter, "loc", start);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!(check(&limiter, "other", start).allowed);
        assert!(check(&limiter, "loc", start + Duration::from_millis(100)).allowed);
    }

    #[test]
    fn the_daily_budget_outlasts_burst_windows() {
        let limiter = limiter(10, 3);
        let start = Utc::now();
        for i in 0..3 {
            assert!(check(&limiter, "loc", start + Duration::from_secs(i)).allowed);
        }
        let refused = check(&limiter, "loc", start + Duration::from_secs(5));
        assert!(!refused.allowed);
        assert_eq!(refused.daily_remaining, 0);
        assert!(check(&limiter, "loc", start + DAY).allowed);
    }

    #[test]
    fn a_window_ends_when_the_clock_is_set_back_before_its_start() {
        let limiter = limiter(1, 100);
        let start = Utc::now();
        assert!(check(&limiter, "loc", start).allowed);
        assert!(!check(&limiter, "loc", start).allowed);
        assert!(check(&limiter, "loc", start - TimeDelta::seconds(1)).allowed);
    }

    #[test]
    fn headers_carry_the_five_vendor_names() {
        let limiter = limiter(5, 50);
        let headers = check(&limiter, "loc", Utc::now()).headers();
        assert_eq!(headers["x-ratelimit-max"], "5");
        assert_eq!(headers["x-ratelimit-remaining"], "4");
        assert_eq!(headers["x-ratelimit-interval-milliseconds"], "100");
        assert_eq!(headers["x-ratelimit-limit-daily"], "50");
        assert_eq!(headers["x-ratelimit-daily-remaining"], "49");
    }
}
