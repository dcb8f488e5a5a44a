//! `GET` / `PUT /__mock/clock`: read the server's clock, freeze it, advance it, or put it back
//! on real time (thin wrappers over the [`AppState`] clock methods).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::error::AdminError;
use crate::AppState;
use crate::clock::{Clock, format_instant, parse_instant};

/// The answer of both routes: `{"mode": "real"|"frozen", "now", "offsetMs"}` (`offsetMs`: how
/// far a real clock runs ahead of the system time; 0 when frozen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClockDocument {
    mode: &'static str,
    now: String,
    offset_ms: i64,
}

impl From<&Clock> for ClockDocument {
    fn from(clock: &Clock) -> Self {
        Self {
            mode: if clock.is_frozen() { "frozen" } else { "real" },
            now: format_instant(clock.now()),
            offset_ms: clock.offset().num_milliseconds(),
        }
    }
}

/// What a `PUT` asks for, checked before anything changes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Change {
    Keep,
    Real,
    FreezeNow,
    FreezeAt(chrono::DateTime<chrono::Utc>),
}

fn answer(clock: &Clock) -> Response {
    (StatusCode::OK, axum::Json(ClockDocument::from(clock))).into_response()
}

pub(super) async fn get_clock(State(state): State<AppState>) -> Response {
    answer(state.clock())
}

/// Body `{"mode"?: "real"|"frozen", "at"?: RFC 3339 instant, "advanceMs"?: whole number}`:
/// `mode: "real"` returns to the system time; `at` (with `mode` absent or `"frozen"`) freezes
/// there; `mode: "frozen"` alone freezes where the clock is; `advanceMs` then moves it forward.
/// Anything else is 422 and changes nothing.
pub(super) async fn put_clock(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, AdminError> {
    let body = crate::api::json_object(&body).map_err(AdminError::BadBody)?;
    let mut problems = Vec::new();
    for key in body.keys() {
        if !matches!(key.as_str(), "mode" | "at" | "advanceMs") {
            problems.push(format!("property {key} should not exist"));
        }
    }
    let mode = match body.get("mode") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) if m == "real" || m == "frozen" => Some(m.as_str()),
        Some(_) => {
            problems.push("mode must be one of the following values: real, frozen".to_owned());
            None
        }
    };
    let at = match body.get("at") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => match parse_instant(text) {
            Ok(at) => Some(at),
            Err(e) => {
                problems.push(format!("at: {e}"));
                None
            }
        },
        Some(_) => {
            problems.push("at must be a string".to_owned());
            None
        }
    };
    let advance = match body.get("advanceMs") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let ms = v.as_u64();
            if ms.is_none() {
                // A whole number past u64 (`1e300`) is a distance, not a wrong kind of value.
                let too_far = v.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0);
                problems.push(if too_far {
                    "advanceMs: the clock cannot be moved that far".to_owned()
                } else {
                    "advanceMs must be a whole number of at least 0".to_owned()
                });
            }
            ms
        }
    };
    let change = match (mode, at) {
        (Some("real"), Some(_)) => {
            problems.push("at needs mode frozen (or no mode)".to_owned());
            Change::Keep
        }
        (Some("real"), None) => Change::Real,
        (_, Some(at)) => Change::FreezeAt(at),
        (Some(_), None) => Change::FreezeNow,
        (None, None) => Change::Keep,
    };
    if problems.is_empty() && change == Change::Keep && advance.is_none() {
        problems.push("give mode, at or advanceMs".to_owned());
    }
    if !problems.is_empty() {
        return Err(AdminError::Invalid(problems));
    }
    let clock = state.clock();
    let before = clock.setting();
    let before_offset = clock.offset();
    match change {
        Change::Keep => {}
        Change::Real => state.use_real_clock(),
        Change::FreezeNow => {
            clock.freeze_now();
        }
        Change::FreezeAt(at) => state.freeze_clock(at),
    }
    if let Some(ms) = advance
        && state.advance_clock(Duration::from_millis(ms)).is_err()
    {
        // Put the clock back as it was: a refused request changes nothing.
        clock.set(before);
        if !before_offset.is_zero() {
            let back = before_offset.to_std().unwrap_or_default();
            let _ = clock.advance(back);
        }
        return Err(AdminError::Invalid(vec![
            "advanceMs: the clock cannot be moved that far".to_owned(),
        ]));
    }
    Ok(answer(clock))
}
