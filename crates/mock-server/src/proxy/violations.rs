//! [`Violation`]: one disagreement between an exchange and our specs, and the bounded log that
//! collects them for `GET /__mock/violations` and the JUnit report.
//!
//! Every violation is written as one `tracing` line when it is seen. The list keeps each
//! distinct violation once (same operation, direction, kind, part, pointer with array indexes
//! generalised, and expectation) with a count, the first concrete pointer and value, and the
//! redacted request line of its first occurrence. Its budget is [`LOG_BYTES`]; distinct
//! violations beyond it are counted as dropped, never stored. Values are cut to
//! [`ACTUAL_CHARS`] characters, and a request's bearer token is replaced wherever it appears,
//! so nothing secret reaches the log, the list or the report.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// The list's budget in bytes (the sum of its strings' lengths).
pub(crate) const LOG_BYTES: usize = 4 * 1024 * 1024;
/// How much of a value a violation shows.
pub(crate) const ACTUAL_CHARS: usize = 200;
/// What replaces a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Which way the checked message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Client to upstream.
    Request,
    /// Upstream to client.
    Response,
}

/// How serious a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ViolationKind {
    /// The message breaks the spec: a missing required field, a wrong type, a value out of
    /// bounds, an undeclared status or operation.
    Error,
    /// The message carries something the spec does not declare (a field, a query parameter):
    /// not an error, but the sign that the spec is behind.
    Drift,
}

/// One disagreement between an exchange and our specs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// `voice-ai` or `conversation-ai`; `None` for a request no operation matches.
    pub api: Option<String>,
    /// The `operationId`; `None` for a request no operation matches.
    pub operation: Option<String>,
    /// Request or response.
    pub direction: Direction,
    /// Error or drift.
    pub kind: ViolationKind,
    /// Where in the message: `query`, `path`, `body`, `status` or `route`.
    pub part: String,
    /// A JSON pointer into that part (`/agents/0/maxCallDuration`; `/pageSize` for a query
    /// parameter; empty for the whole part).
    pub pointer: String,
    /// What the spec asks for (`must be an integer number`, `present (required)`, `one of 200,
    /// 400`, `not declared`).
    pub expected: String,
    /// What was there, as compact JSON cut to 200 characters (`absent` when missing).
    pub actual: String,
    /// The request line of the first occurrence, with secret-looking query values redacted.
    pub request: String,
    /// How many times it was seen.
    pub count: u64,
}

impl Violation {
    fn bytes(&self) -> usize {
        self.api.as_ref().map_or(0, String::len)
            + self.operation.as_ref().map_or(0, String::len)
            + self.part.len()
            + self.pointer.len()
            + self.expected.len()
            + self.actual.len()
            + self.request.len()
    }

    /// The key two occurrences of the same violation share: array indexes generalised.
    fn key(&self) -> Key {
        let pointer = self
            .pointer
            .split('/')
            .map(|segment| {
                if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                    "-"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        Key {
            api: self.api.clone(),
            operation: self.operation.clone(),
            direction: self.direction,
            kind: self.kind,
            part: self.part.clone(),
            pointer,
            expected: self.expected.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    api: Option<String>,
    operation: Option<String>,
    direction: Direction,
    kind: ViolationKind,
    part: String,
    pointer: String,
    expected: String,
}

/// Collapses the findings of one exchange: the same violation at several array indexes is one
/// entry whose count says how often.
pub(crate) fn collapse(found: Vec<Violation>) -> Vec<Violation> {
    let mut out: Vec<Violation> = Vec::with_capacity(found.len());
    let mut index: HashMap<Key, usize> = HashMap::new();
    for violation in found {
        let key = violation.key();
        match index.get(&key) {
            Some(&i) => out[i].count += violation.count,
            None => {
                index.insert(key, out.len());
                out.push(violation);
            }
        }
    }
    out
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Violation>,
    index: HashMap<Key, usize>,
    bytes: usize,
    dropped: u64,
}

/// The violations seen so far, each distinct one once, within [`LOG_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct ViolationLog {
    inner: Mutex<Inner>,
}

impl ViolationLog {
    /// Logs each violation as one line and adds it to the list.
    pub(crate) fn record(&self, found: Vec<Violation>) {
        if found.is_empty() {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for violation in found {
            log_line(&violation);
            let key = violation.key();
            if let Some(&i) = inner.index.get(&key) {
                inner.entries[i].count += violation.count;
                continue;
            }
            let size = violation.bytes();
            if inner.bytes + size > LOG_BYTES {
                inner.dropped += 1;
                continue;
            }
            inner.bytes += size;
            let at = inner.entries.len();
            inner.index.insert(key, at);
            inner.entries.push(violation);
        }
    }

    /// The list, first seen first, and how many distinct violations the budget dropped.
    pub(crate) fn snapshot(&self) -> (Vec<Violation>, u64) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (inner.entries.clone(), inner.dropped)
    }

    /// Forgets every violation.
    pub(crate) fn clear(&self) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = Inner::default();
    }
}

fn log_line(v: &Violation) {
    let kind = match v.kind {
        ViolationKind::Error => "spec violation",
        ViolationKind::Drift => "spec drift",
    };
    tracing::warn!(
        api = v.api.as_deref().unwrap_or("-"),
        operation = v.operation.as_deref().unwrap_or("-"),
        direction = ?v.direction,
        part = %v.part,
        pointer = %v.pointer,
        expected = %v.expected,
        actual = %v.actual,
        count = v.count,
        request = %v.request,
        "{kind}"
    );
}

/// Replaces secrets in what a violation shows: the request's bearer token wherever it appears,
/// values of secret-looking query parameters, and overlong values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

/// Query parameter and field names whose values are never shown or recorded.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "password",
        "apikey",
        "api_key",
        "authorization",
        "signature",
        "cookie",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
        || lower == "code"
}

impl Redactor {
    /// A redactor for one request: its `Authorization` value and the token in it are secrets.
    pub(crate) fn for_authorization(authorization: Option<&str>) -> Self {
        let mut secrets = Vec::new();
        if let Some(value) = authorization {
            let value = value.trim();
            if let Some((_, token)) = value.split_once(' ') {
                let token = token.trim();
                if token.len() >= 4 {
                    secrets.push(token.to_owned());
                }
            }
            if value.len() >= 4 {
                secrets.push(value.to_owned());
            }
        }
        Self { secrets }
    }

    /// `text` with every secret replaced.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// A value as a violation shows it: compact JSON, secrets replaced, cut to [`ACTUAL_CHARS`].
    pub(crate) fn show(&self, value: &serde_json::Value) -> String {
        let text = self.scrub(&value.to_string());
        if text.chars().count() <= ACTUAL_CHARS {
            return text;
        }
        let mut cut: String = text.chars().take(ACTUAL_CHARS).collect();
        cut.push('…');
        cut
    }

    /// `METHOD /path?query` with secret-looking query values and any secret replaced.
    pub(crate) fn request_line(&self, method: &str, path: &str, query: Option<&str>) -> String {
        let mut line = format!("{method} {path}");
        if let Some(query) = query.filter(|q| !q.is_empty()) {
            let shown: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
                    _ => pair.to_owned(),
                })
                .collect();
            line.push('?');
            line.push_str(&shown.join("&"));
        }
        self.scrub(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn violation(pointer: &str) -> Violation {
        Violation {
            api: Some("voice-ai".into()),
            operation: Some("listAgents".into()),
            direction: Direction::Response,
            kind: ViolationKind::Drift,
            part: "body".into(),
            pointer: pointer.into(),
            expected: "not declared".into(),
            actual: "1".into(),
            request: "GET /voice-ai/agents".into(),
            count: 1,
        }
    }

    #[test]
    fn the_same_field_at_several_indexes_collapses_into_one_counted_entry() {
        let found = collapse(vec![
            violation("/agents/0/extra"),
            violation("/agents/1/extra"),
            violation("/agents/1/other"),
        ]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].pointer, "/agents/0/extra");
        assert_eq!(found[0].count, 2);
        assert_eq!(found[1].count, 1);
    }

    #[test]
    fn the_log_counts_repeats_and_forgets_on_clear() {
        let log = ViolationLog::default();
        log.record(vec![violation("/a")]);
        log.record(vec![violation("/a"), violation("/b")]);
        let (entries, dropped) = log.snapshot();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].count, 2);
        assert_eq!(dropped, 0);
        log.clear();
        assert!(log.snapshot().0.is_empty());
    }

    #[test]
    fn distinct_violations_beyond_the_budget_are_counted_not_stored() {
        let log = ViolationLog::default();
        let big = "x".repeat(LOG_BYTES / 2);
        for i in 0..3 {
            let mut v = violation(&format!("/f{i}"));
            v.actual = big.clone();
            log.record(vec![v]);
        }
        let (entries, dropped) = log.snapshot();
        assert_eq!(entries.len(), 1);
        assert_eq!(dropped, 2);
    }

    #[test]
    fn a_bearer_token_and_secret_query_values_never_show() {
        let redactor = Redactor::for_authorization(Some("Bearer pit-secret-1234"));
        assert_eq!(
            redactor.request_line("GET", "/x", Some("a=1&access_token=abc&b=pit-secret-1234")),
            "GET /x?a=1&access_token=<redacted>&b=<redacted>"
        );
        assert_eq!(
            redactor.show(&json!({"note": "pit-secret-1234"})),
            r#"{"note":"<redacted>"}"#
        );
        let long = redactor.show(&json!("y".repeat(500)));
        assert_eq!(long.chars().count(), ACTUAL_CHARS + 1);
    }
}
