//! Call-log filters as people say them: `--since 7d`, `--between 2026-11-01..2026-11-30`,
//! `--tz America/Chicago`, `--type live`, `--action sms,call-transfer`, turned into the
//! `startDate`/`endDate`/`timezone`/`callType`/`actionType` parameters of `listCallLogs`.

use std::str::FromStr as _;

use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
use voice_ai_client::types::ActionType;

use crate::error::CliError;

/// A time zone by its IANA name.
pub(crate) fn zone(name: &str) -> Result<Tz, CliError> {
    name.parse::<Tz>().map_err(|_| {
        CliError::invalid(format!(
            "--tz {name:?} is not an IANA time zone (e.g. America/Chicago, Europe/Paris, UTC)"
        ))
    })
}

/// The start of a window given as a length back from `now` (`30m`, `12h`, `7d`, `2w`) or as
/// a date (`2026-11-01`, midnight in `zone`) or an RFC 3339 instant.
pub(crate) fn since(text: &str, zone: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, CliError> {
    let text = text.trim();
    if let Some(length) = length(text) {
        return Ok(now - length);
    }
    instant(text, zone, false).map_err(|why| {
        CliError::invalid(format!(
            "--since {text:?}: {why}; use a length such as 7d, 12h, 30m or 2w, a date such as \
             2026-11-01, or an RFC 3339 time"
        ))
    })
}

/// A window `START..END` of dates (both days included, midnights in `zone`) or RFC 3339
/// instants.
pub(crate) fn between(text: &str, zone: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), CliError> {
    let invalid = |why: String| {
        CliError::invalid(format!(
            "--between {text:?}: {why}; use START..END, e.g. 2026-11-01..2026-11-30 (both days \
             included)"
        ))
    };
    let (start, end) = text
        .split_once("..")
        .ok_or_else(|| invalid("no `..` between the start and the end".to_owned()))?;
    let start = instant(start.trim(), zone, false).map_err(&invalid)?;
    let end = instant(end.trim(), zone, true).map_err(&invalid)?;
    if start >= end {
        return Err(invalid("the window ends before it starts".to_owned()));
    }
    Ok((start, end))
}

fn length(text: &str) -> Option<Duration> {
    let split = text.len().checked_sub(1)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    if number <= 0 {
        return None;
    }
    match unit {
        "m" => Duration::try_minutes(number),
        "h" => Duration::try_hours(number),
        "d" => Duration::try_days(number),
        "w" => Duration::try_weeks(number),
        _ => None,
    }
}

/// A date (its midnight in `zone`, or the next midnight when it ends a window) or an instant.
fn instant(text: &str, zone: Tz, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(date) = NaiveDate::from_str(text) {
        let day = if end_of_day {
            date.succ_opt().ok_or("the date is out of range")?
        } else {
            date
        };
        let midnight = day.and_hms_opt(0, 0, 0).ok_or("the date is out of range")?;
        return zone
            .from_local_datetime(&midnight)
            .earliest()
            .map(|time| time.with_timezone(&Utc))
            .ok_or_else(|| format!("{text} has no midnight in {zone}"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is neither a date nor an RFC 3339 time"))
}

/// `live`/`trial` as the API's `LIVE`/`TRIAL`.
pub(crate) fn call_type(text: &str) -> Result<String, CliError> {
    match text.to_ascii_lowercase().as_str() {
        "live" => Ok("LIVE".to_owned()),
        "trial" | "test" => Ok("TRIAL".to_owned()),
        _ => Err(CliError::invalid(format!(
            "--type {text:?}: use live (real calls) or trial (test calls from the agent builder)"
        ))),
    }
}

/// `sms,call-transfer` as the API's `SMS,CALL_TRANSFER`, each checked against the client's
/// `ActionType`.
pub(crate) fn action_types(text: &str) -> Result<String, CliError> {
    let mut out = Vec::new();
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let wire = name.to_ascii_uppercase().replace('-', "_");
        let known = ActionType::from_str(&wire).map_err(|_| {
            CliError::invalid(format!(
                "--action {name:?} is not an action type; use any of: {}",
                ACTION_NAMES.join(", ")
            ))
        })?;
        out.push(known.to_string());
    }
    if out.is_empty() {
        return Err(CliError::invalid("--action needs at least one action type"));
    }
    Ok(out.join(","))
}

/// The action types as `--action` spells them.
const ACTION_NAMES: &[&str] = &[
    "call-transfer",
    "data-extraction",
    "in-call-data-extraction",
    "workflow-trigger",
    "sms",
    "appointment-booking",
    "custom-action",
    "knowledge-base",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a valid instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn since_reads_lengths_back_from_now_and_dates_in_the_zone() {
        let now = utc("2026-11-30T12:00:00Z");
        assert_eq!(
            since("7d", Tz::UTC, now).expect("valid"),
            utc("2026-11-23T12:00:00Z")
        );
        assert_eq!(
            since("90m", Tz::UTC, now).expect("valid"),
            utc("2026-11-30T10:30:00Z")
        );
        let chicago = zone("America/Chicago").expect("a zone");
        assert_eq!(
            since("2026-11-01", chicago, now).expect("valid"),
            utc("2026-11-01T05:00:00Z")
        );
        assert!(since("7 days", Tz::UTC, now).is_err());
        assert!(since("0d", Tz::UTC, now).is_err());
    }

    #[test]
    fn between_includes_both_days_in_the_zone() {
        let chicago = zone("America/Chicago").expect("a zone");
        let (start, end) = between("2026-11-01..2026-11-30", chicago).expect("valid");
        // Chicago is UTC-5 on 1 November 2026 (after the DST change) and UTC-6 on 1 December.
        assert_eq!(start, utc("2026-11-01T05:00:00Z"));
        assert_eq!(end, utc("2026-12-01T06:00:00Z"));
        assert!(between("2026-11-30..2026-11-01", chicago).is_err());
        assert!(between("2026-11-01", chicago).is_err());
    }

    #[test]
    fn action_names_become_the_api_s_values_and_typos_are_refused() {
        assert_eq!(
            action_types("sms,call-transfer").expect("valid"),
            "SMS,CALL_TRANSFER"
        );
        let error = action_types("sms,teleport").expect_err("unknown");
        assert!(error.to_string().contains("teleport"), "{error}");
        assert_eq!(call_type("Live").expect("valid"), "LIVE");
    }
}
