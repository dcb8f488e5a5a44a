//! `KNOWN_MOCK_GAPS`: inputs and answers on which the mock or a spec is known to be wrong.
//!
//! A test that meets one of these skips that input (or tolerates that answer) instead of
//! failing, so the rest of its property keeps running. Each entry names the defect as reported
//! to the lead (the crate README, "Known mock and spec gaps", lists them by id); delete the
//! entry once the mock or spec is fixed and the tests cover the case again.

use contract_tests::spec::Api;

use crate::support::{Transport, current_transport};
use serde_json::Value;

/// What a recorded defect affects.
#[allow(
    dead_code,
    reason = "KNOWN_MOCK_GAPS is empty now; entries are added when a test finds a defect that cannot be fixed at once"
)]
pub(crate) enum Affects {
    /// Request payloads (a body or a query object) for which the mock answers wrongly.
    Input(fn(&Value) -> bool),
    /// Response fields (JSON pointers) the mock sends that the spec does not declare.
    UndeclaredFields(&'static [&'static str]),
}

/// One recorded defect.
pub(crate) struct KnownGap {
    /// Short id used in the report.
    pub(crate) id: &'static str,
    /// The API.
    pub(crate) api: Api,
    /// The operations it affects.
    pub(crate) operations: &'static [&'static str],
    /// What is wrong (shown when a test skips because of it).
    pub(crate) what: &'static str,
    /// Which inputs or answers.
    pub(crate) affects: Affects,
    /// Whether only calls through the generated clients meet it (a client defect).
    pub(crate) clients_only: bool,
}

/// The recorded defects: none open. Every gap these tests found so far (undeclared response
/// fields, bounds the mock enforced but the specs did not state, `sort` without `sortBy`,
/// lists and `null`s the clients could not send) is fixed, and its inputs are tested again.
pub(crate) const KNOWN_MOCK_GAPS: &[KnownGap] = &[];

/// A JSON pointer with its array indexes replaced by `*`.
fn pattern_of(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The gap, if any, that `payload` of `api`'s `operation_id` runs into.
pub(crate) fn known_gap(
    api: Api,
    operation_id: &str,
    payload: &Value,
) -> Option<&'static KnownGap> {
    KNOWN_MOCK_GAPS
        .iter()
        .find(|g| {
            g.api == api
                && g.operations.contains(&operation_id)
                && (!g.clients_only || current_transport() == Transport::Client)
                && matches!(g.affects, Affects::Input(applies) if applies(payload))
        })
        .map(note)
}

/// Whether the undeclared response field `pointer` of `api`'s `operation_id` is a recorded gap.
pub(crate) fn known_undeclared(
    api: Api,
    operation_id: &str,
    pointer: &str,
) -> Option<&'static KnownGap> {
    KNOWN_MOCK_GAPS.iter().find(|g| {
        g.api == api
            && g.operations.contains(&operation_id)
            && matches!(g.affects, Affects::UndeclaredFields(fields) if fields.contains(&pattern_of(pointer).as_str()))
    })
    .map(note)
}

/// Notes on stderr, once per gap and test binary, that a test skipped because of `gap`.
pub(crate) fn note(gap: &'static KnownGap) -> &'static KnownGap {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !seen.contains(&gap.id) {
        seen.push(gap.id);
        eprintln!(
            "KNOWN_MOCK_GAPS {}: skipping/tolerating: {}",
            gap.id, gap.what
        );
    }
    gap
}
