//! How long a refused response asks the client to wait: the one rule behind both the retry
//! loop and [`crate::ApiError::retry_after`].
//!
//! The rule, for a 429:
//! 1. **`Retry-After`** (delta-seconds or an HTTP date) is the server's own word and is honoured
//!    exactly, whatever the rate-limit headers say.
//! 2. Otherwise, if the **daily budget** is used up (`X-RateLimit-Daily-Remaining: 0`), no wait
//!    helps: the 429 is final until the daily reset.
//! 3. Otherwise the wait is derived from the **burst window**
//!    (`X-RateLimit-Interval-Milliseconds`, HighLevel's is 10 s). The interval is the window's
//!    length, not a wait, so it is never taken whole on the first retry:
//!    - `X-RateLimit-Remaining` above 0 (the window still has room): one request slot, the window
//!      divided by `X-RateLimit-Max` (100 ms for 100 per 10 s; a twentieth of the window when the
//!      maximum is unknown);
//!    - `X-RateLimit-Remaining: 0` or absent: a quarter of the window (2.5 s for 10 s);
//!
//!    doubled for each later retry and never more than the window.
//! 4. With none of these headers, the caller falls back to its exponential backoff.
//!
//! For 502/503/504 only rule 1 applies. [`crate::RetryPolicy`] then jitters a derived wait and
//! caps it at [`crate::RetryPolicy::max_wait`]; a `Retry-After` beyond that cap ends the retries.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::rate_limit::RateLimit;

/// The divisor of the window when `X-RateLimit-Max` is unknown and the window has room.
const UNKNOWN_MAX_SLOTS: u32 = 20;
/// The fraction of the window waited first when the window is empty: one quarter.
const EMPTY_WINDOW_PARTS: u32 = 4;

/// What a response says about waiting before the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerWait {
    /// `Retry-After`: honoured exactly, never jittered.
    Asked(Duration),
    /// Derived from the rate-limit headers, before jitter.
    Derived(Duration),
    /// The daily budget is used up; retrying before the daily reset is pointless.
    DailyExhausted,
}

impl ServerWait {
    /// The wait, or `None` when no wait makes a retry worthwhile.
    pub(crate) fn duration(self) -> Option<Duration> {
        match self {
            Self::Asked(wait) | Self::Derived(wait) => Some(wait),
            Self::DailyExhausted => None,
        }
    }
}

/// The wait a 429 asks for before retry number `retry` (0 for the first retry), or `None` when
/// the response carries no hint.
pub(crate) fn after_rate_limit(
    headers: &HeaderMap,
    now: SystemTime,
    retry: u32,
) -> Option<ServerWait> {
    if let Some(asked) = retry_after(headers, now) {
        return Some(ServerWait::Asked(asked));
    }
    let limit = RateLimit::from_headers(headers)?;
    if limit.daily_exhausted() {
        return Some(ServerWait::DailyExhausted);
    }
    window_wait(&limit, retry).map(ServerWait::Derived)
}

/// The wait derived from the burst window (rule 3 of the module note).
pub(crate) fn window_wait(limit: &RateLimit, retry: u32) -> Option<Duration> {
    let window = limit.interval()?;
    let first = match limit.remaining {
        Some(remaining) if remaining > 0 => {
            let slots = limit
                .max
                .and_then(|max| u32::try_from(max).ok())
                .filter(|max| *max > 0)
                .unwrap_or(UNKNOWN_MAX_SLOTS);
            window / slots
        }
        _ => window / EMPTY_WINDOW_PARTS,
    };
    let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
    Some(first.checked_mul(factor).unwrap_or(window).min(window))
}

/// Reads `Retry-After`: delta-seconds or an HTTP date (a date in the past means no wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let when = SystemTime::from(when.with_timezone(&chrono::Utc));
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    const WINDOW: (&str, &str) = ("x-ratelimit-interval-milliseconds", "10000");
    const MAX: (&str, &str) = ("x-ratelimit-max", "100");

    #[test]
    fn retry_after_wins_over_the_rate_limit_window() {
        let map = headers(&[
            ("retry-after", "1"),
            WINDOW,
            MAX,
            ("x-ratelimit-remaining", "0"),
        ]);
        assert_eq!(
            after_rate_limit(&map, SystemTime::now(), 0),
            Some(ServerWait::Asked(Duration::from_secs(1)))
        );
    }

    #[test]
    fn an_empty_window_waits_a_quarter_of_it_then_doubles_up_to_the_whole_window() {
        let map = headers(&[WINDOW, MAX, ("x-ratelimit-remaining", "0")]);
        let waits: Vec<_> = (0..4)
            .map(|retry| after_rate_limit(&map, SystemTime::now(), retry))
            .collect();
        assert_eq!(
            waits,
            [2_500, 5_000, 10_000, 10_000]
                .map(|ms| Some(ServerWait::Derived(Duration::from_millis(ms))))
                .to_vec()
        );
    }

    #[test]
    fn a_window_with_room_waits_one_request_slot() {
        let map = headers(&[WINDOW, MAX, ("x-ratelimit-remaining", "3")]);
        assert_eq!(
            after_rate_limit(&map, SystemTime::now(), 0),
            Some(ServerWait::Derived(Duration::from_millis(100)))
        );
        let no_max = headers(&[WINDOW, ("x-ratelimit-remaining", "3")]);
        assert_eq!(
            after_rate_limit(&no_max, SystemTime::now(), 1),
            Some(ServerWait::Derived(Duration::from_millis(1_000)))
        );
    }

    #[test]
    fn an_exhausted_daily_budget_asks_for_no_retry() {
        let map = headers(&[WINDOW, ("x-ratelimit-daily-remaining", "0")]);
        let wait = after_rate_limit(&map, SystemTime::now(), 0);
        assert_eq!(wait, Some(ServerWait::DailyExhausted));
        assert_eq!(wait.and_then(ServerWait::duration), None);
    }

    #[test]
    fn no_hint_at_all_gives_no_server_wait() {
        assert_eq!(
            after_rate_limit(&HeaderMap::new(), SystemTime::now(), 0),
            None
        );
        let only_max = headers(&[MAX]);
        assert_eq!(after_rate_limit(&only_max, SystemTime::now(), 0), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let map = headers(&[("retry-after", "7")]);
        assert_eq!(
            retry_after(&map, SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_767);
        let dated = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        assert_eq!(retry_after(&dated, now), Some(Duration::from_secs(10)));
        let past = now + Duration::from_secs(60);
        assert_eq!(retry_after(&dated, past), Some(Duration::ZERO));
    }
}
