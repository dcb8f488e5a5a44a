//! Typed call-log filters: the date window as one [`DateRange`] value and the action types as
//! a list of [`ActionType`](crate::types::ActionType)s, set on the `listCallLogs` request
//! builder (and so on [`Client::list_call_logs_stream`](crate::Client::list_call_logs_stream)).
//!
//! On the wire the window is `startDate`/`endDate` in epoch milliseconds, both or neither,
//! start before end, interpreted in the `timezone` parameter (an IANA name, e.g.
//! `America/Chicago`); the action types travel comma-separated in `actionType`.
//!
//! The time zone is checked against the spec's IANA name pattern (`Timezone`): a malformed name
//! fails at `send()`; whether the zone exists is left to the server. Checking that here would
//! mean `chrono-tz`, whose zone tables every consumer's build would compile for a check the API
//! makes anyway.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

use crate::builder::ListCallLogs;
use crate::types::ActionType;

/// A window of call creation times, from `start` (inclusive) to `end`.
///
/// Built from anything chrono converts to a UTC time, [`SystemTime`] included. A window whose
/// start is not before its end fails when the request is sent, with
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest), and nothing is sent.
///
/// ```
/// use voice_ai_client::DateRange;
/// use voice_ai_client::chrono::{Duration, TimeZone as _, Utc};
///
/// let january = DateRange::between(
///     Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("a valid time"),
///     Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single().expect("a valid time"),
/// );
/// assert_eq!(january.start().timestamp_millis(), 1_767_225_600_000);
/// assert_eq!(january.end() - january.start(), Duration::days(31));
///
/// let week = DateRange::last(Duration::days(7));
/// assert_eq!(week.end() - week.start(), Duration::days(7));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateRange {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl DateRange {
    /// The window from `start` to `end`.
    pub fn between(start: impl Into<DateTime<Utc>>, end: impl Into<DateTime<Utc>>) -> Self {
        Self {
            start: start.into(),
            end: end.into(),
        }
    }

    /// The window of the last `length`, ending now.
    pub fn last(length: chrono::Duration) -> Self {
        let end = Utc::now();
        Self {
            start: end - length,
            end,
        }
    }

    /// The window from `start` until now.
    pub fn since(start: impl Into<DateTime<Utc>>) -> Self {
        Self::between(start, SystemTime::now())
    }

    /// Where the window starts.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// Where the window ends.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// `(startDate, endDate)` in epoch milliseconds, or why the window cannot be sent.
    fn millis(&self) -> Result<(i64, i64), String> {
        if self.start < self.end {
            Ok((self.start.timestamp_millis(), self.end.timestamp_millis()))
        } else {
            Err(format!(
                "the date range must start before it ends (start {}, end {})",
                self.start.to_rfc3339(),
                self.end.to_rfc3339()
            ))
        }
    }
}

/// A `startDate`/`endDate` value, or the reason the window is invalid, which the parameter
/// setter keeps and `send()` reports.
struct Millis(Result<i64, String>);

impl TryFrom<Millis> for i64 {
    type Error = String;

    fn try_from(value: Millis) -> Result<Self, String> {
        value.0
    }
}

impl ListCallLogs<'_> {
    /// Only calls created within `range` (sets `startDate` and `endDate`).
    pub fn date_range(self, range: DateRange) -> Self {
        let (start, end) = match range.millis() {
            Ok((start, end)) => (Ok(start), Ok(end)),
            Err(why) => (Err(why.clone()), Err(why)),
        };
        self.start_date(Millis(start)).end_date(Millis(end))
    }

    /// Only calls during which an action of one of `types` ran (sets `actionType`, the
    /// values separated by commas). An empty list sets no filter.
    pub fn action_types(self, types: impl IntoIterator<Item = ActionType>) -> Self {
        let list: Vec<String> = types.into_iter().map(|t| t.to_string()).collect();
        if list.is_empty() {
            return self;
        }
        self.action_type(list.join(","))
    }
}
