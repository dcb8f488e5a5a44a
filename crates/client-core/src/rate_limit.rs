//! HighLevel's rate-limit headers.
//!
//! Every response carries five vendor headers (API_FACTS §1). They describe the burst window
//! (`X-RateLimit-Max` requests per `X-RateLimit-Interval-Milliseconds`) and the daily budget.
//! There is no reset header, so the interval is the only hint of how long to back off after a 429.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// `X-RateLimit-Limit-Daily`: requests allowed per day.
pub const HEADER_LIMIT_DAILY: &str = "x-ratelimit-limit-daily";
/// `X-RateLimit-Daily-Remaining`: requests left today.
pub const HEADER_DAILY_REMAINING: &str = "x-ratelimit-daily-remaining";
/// `X-RateLimit-Interval-Milliseconds`: length of the burst window.
pub const HEADER_INTERVAL_MS: &str = "x-ratelimit-interval-milliseconds";
/// `X-RateLimit-Max`: requests allowed per burst window.
pub const HEADER_MAX: &str = "x-ratelimit-max";
/// `X-RateLimit-Remaining`: requests left in the current burst window.
pub const HEADER_REMAINING: &str = "x-ratelimit-remaining";

/// The rate-limit state a response reported. Each field is `None` when its header was absent
/// or not a non-negative integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit-Daily`.
    pub limit_daily: Option<u64>,
    /// `X-RateLimit-Daily-Remaining`.
    pub daily_remaining: Option<u64>,
    /// `X-RateLimit-Interval-Milliseconds`.
    pub interval_ms: Option<u64>,
    /// `X-RateLimit-Max`.
    pub max: Option<u64>,
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<u64>,
}

impl RateLimit {
    /// Reads the five vendor headers; `None` when none of them is present and valid.
    ///
    /// Works on any [`HeaderMap`], e.g. `ResponseValue::headers()` of a generated call.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let limit = Self {
            limit_daily: header_u64(headers, HEADER_LIMIT_DAILY),
            daily_remaining: header_u64(headers, HEADER_DAILY_REMAINING),
            interval_ms: header_u64(headers, HEADER_INTERVAL_MS),
            max: header_u64(headers, HEADER_MAX),
            remaining: header_u64(headers, HEADER_REMAINING),
        };
        (limit != Self::default()).then_some(limit)
    }

    /// The burst window as a [`Duration`], the wait HighLevel suggests after a 429.
    pub fn interval(&self) -> Option<Duration> {
        self.interval_ms.map(Duration::from_millis)
    }

    /// `true` when the daily budget is known to be used up (waiting for the burst window
    /// will not help).
    pub fn daily_exhausted(&self) -> bool {
        self.daily_remaining == Some(0)
    }
}

pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    text.parse::<u64>().ok().or_else(|| {
        // Tolerate "10000.0": the vendor's specs type every number as `number`.
        let float = text.parse::<f64>().ok()?;
        (float.is_finite() && float >= 0.0 && float.fract() == 0.0 && float < 1e18)
            .then_some(float as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn all_five_vendor_headers_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "X-RateLimit-Limit-Daily",
            HeaderValue::from_static("200000"),
        );
        headers.insert(
            "X-RateLimit-Daily-Remaining",
            HeaderValue::from_static("199990"),
        );
        headers.insert(
            "X-RateLimit-Interval-Milliseconds",
            HeaderValue::from_static("10000"),
        );
        headers.insert("X-RateLimit-Max", HeaderValue::from_static("100"));
        headers.insert("X-RateLimit-Remaining", HeaderValue::from_static("0"));
        let limit = RateLimit::from_headers(&headers).expect("headers present");
        assert_eq!(
            limit,
            RateLimit {
                limit_daily: Some(200_000),
                daily_remaining: Some(199_990),
                interval_ms: Some(10_000),
                max: Some(100),
                remaining: Some(0),
            }
        );
        assert_eq!(limit.interval(), Some(Duration::from_secs(10)));
        assert!(!limit.daily_exhausted());
    }

    #[test]
    fn no_headers_means_no_rate_limit() {
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn garbage_values_are_ignored_and_whole_floats_accepted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-max", HeaderValue::from_static("lots"));
        headers.insert(
            "x-ratelimit-interval-milliseconds",
            HeaderValue::from_static("10000.0"),
        );
        let limit = RateLimit::from_headers(&headers).expect("one valid header");
        assert_eq!(limit.max, None);
        assert_eq!(limit.interval_ms, Some(10_000));
    }
}
