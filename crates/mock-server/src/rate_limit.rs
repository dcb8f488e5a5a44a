//! Optional rate limiting, shaped like the live API's (off unless configured).
//!
//! HighLevel limits each app per location: a burst window (`X-RateLimit-Max` requests per
//! `X-RateLimit-Interval-Milliseconds`, live 100 per 10 000 ms) and a daily budget
//! (`X-RateLimit-Limit-Daily`, live 200 000). When a [`RateLimitConfig`] is set, every request
//! with a known bearer token counts against its location's fixed windows and every response to it
//! carries the five `X-RateLimit-*` headers; a request over either budget gets 429
//! `Too Many Requests` in the vendor error shape, with the same headers and no `Retry-After` (the
//! live API's is undocumented, so clients must back off on the interval). Refused requests do not
//! count. Requests with no or an unknown token are not counted: authentication refuses them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue};

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
    /// use mock_server::rate_limit::RateLimitConfig;
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
    burst_start: Instant,
    burst_count: u32,
    day_start: Instant,
    day_count: u32,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    remaining: u32,
    daily_remaining: u32,
}

/// Fixed-window counters per location.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: RateLimitConfig,
    windows: Mutex<HashMap<String, Window>>,
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl RateLimiter {
    pub(crate) fn new(config: RateLimitConfig) -> Self {
        Self {
            config,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request for `key` at `now`, unless it is over a budget.
    pub(crate) fn check(&self, key: &str, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(key.to_owned()).or_insert(Window {
            burst_start: now,
            burst_count: 0,
            day_start: now,
            day_count: 0,
        });
        if now.duration_since(window.burst_start) >= self.config.interval {
            window.burst_start = now;
            window.burst_count = 0;
        }
        if now.duration_since(window.day_start) >= DAY {
            window.day_start = now;
            window.day_count = 0;
        }
        let allowed = window.burst_count < self.config.max && window.day_count < self.config.daily;
        if allowed {
            window.burst_count += 1;
            window.day_count += 1;
        }
        Decision {
            allowed,
            remaining: self.config.max.saturating_sub(window.burst_count),
            daily_remaining: self.config.daily.saturating_sub(window.day_count),
        }
    }

    /// The five `X-RateLimit-*` headers for a decision.
    pub(crate) fn headers(&self, decision: Decision) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: u128| {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from(value as u64),
            );
        };
        put("x-ratelimit-limit-daily", u128::from(self.config.daily));
        put(
            "x-ratelimit-daily-remaining",
            u128::from(decision.daily_remaining),
        );
        put(
            "x-ratelimit-interval-milliseconds",
            self.config.interval.as_millis(),
        );
        put("x-ratelimit-max", u128::from(self.config.max));
        put("x-ratelimit-remaining", u128::from(decision.remaining));
        headers
    }

    /// Forgets every window.
    pub(crate) fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32, daily: u32) -> RateLimiter {
        RateLimiter::new(RateLimitConfig {
            max,
            interval: Duration::from_millis(100),
            daily,
        })
    }

    #[test]
    fn a_burst_over_the_maximum_is_refused_until_the_window_ends() {
        let limiter = limiter(2, 100);
        let start = Instant::now();
        assert!(limiter.check("loc", start).allowed);
        assert!(limiter.check("loc", start).allowed);
        let refused = limiter.check("loc", start);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!(limiter.check("other", start).allowed);
        assert!(
            limiter
                .check("loc", start + Duration::from_millis(100))
                .allowed
        );
    }

    #[test]
    fn the_daily_budget_outlasts_burst_windows() {
        let limiter = limiter(10, 3);
        let start = Instant::now();
        for i in 0..3 {
            assert!(limiter.check("loc", start + Duration::from_secs(i)).allowed);
        }
        let refused = limiter.check("loc", start + Duration::from_secs(5));
        assert!(!refused.allowed);
        assert_eq!(refused.daily_remaining, 0);
        assert!(limiter.check("loc", start + DAY).allowed);
    }

    #[test]
    fn headers_carry_the_five_vendor_names() {
        let limiter = limiter(5, 50);
        let headers = limiter.headers(limiter.check("loc", Instant::now()));
        assert_eq!(headers["x-ratelimit-max"], "5");
        assert_eq!(headers["x-ratelimit-remaining"], "4");
        assert_eq!(headers["x-ratelimit-interval-milliseconds"], "100");
        assert_eq!(headers["x-ratelimit-limit-daily"], "50");
        assert_eq!(headers["x-ratelimit-daily-remaining"], "49");
    }
}
