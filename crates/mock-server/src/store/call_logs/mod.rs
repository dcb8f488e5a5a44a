//! Voice AI call logs at scale: compact columns, sorted views and posting lists.
//!
//! A location's call logs are rows numbered in insertion order. Each row keeps typed columns
//! (creation time in epoch ms, duration, agent snapshot, contact, a flag word with the trial bit
//! and a bitmask of the executed action types, and which of the agent's actions ran). Bodies are
//! not stored for generated rows: they are rendered on demand from the row's columns and a
//! generator seeded by the row number, so a million logs cost a few dozen bytes each. Only logs
//! added as JSON ([`Store::add_call_log`], fixtures) keep their body.
//!
//! Indexes: the rows sorted by `(createdAt, row)` (with the creation times and flag words laid
//! out beside them, so a date window is two binary searches and a flag filter a sequential
//! scan), the rows sorted by `(duration, row)` (flags and agent beside them), and per-agent and
//! per-contact posting lists in creation order. A query picks its source (contact lists, else
//! the agent's list, else the whole creation order, each cut to the date window), counts the
//! matches there, and then either walks the requested order to the page or, when the source is
//! small against the walk it would need, collects the source's matches and selects the page
//! with `select_nth_unstable` instead of sorting everything.
//!
//! Generated ids carry their row: a call id is the creation second (8 hex digits, like a Mongo
//! ObjectId) followed by an invertible mix of the location key and the row (16 hex digits); a
//! generated contact id is an invertible mix of the location key and the contact's number,
//! in base 62, padded to 20 characters. Looking one up decodes it; no id map is kept.
//!
//! One file per concern: `ids` (the invertible mix, call ids, contact names), `columns` (the
//! columns, sorted views and posting lists, and adding rows), `query` (the planner), `generate`
//! (fake rows and the `Store` operations that make them), `render` (a row's JSON) and `history`
//! (what a state document records, and its replay).

use std::collections::HashMap;

use fake::Fake;
use fake::faker::address::en::CityName;
use fake::faker::internet::en::SafeEmail;
use fake::faker::name::en::{FirstName, LastName};
use fake::faker::number::en::NumberWithFormat;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use super::voice_ai::{CallLogFilter, parse_rfc3339_ms};
use super::{Location, Store, StoreError, in_order, rfc3339};

/// The action types of the spec's `ActionType`, in bit order.
pub(crate) const ACTION_TYPES: [&str; 8] = [
    "CALL_TRANSFER",
    "DATA_EXTRACTION",
    "IN_CALL_DATA_EXTRACTION",
    "WORKFLOW_TRIGGER",
    "SMS",
    "APPOINTMENT_BOOKING",
    "CUSTOM_ACTION",
    "KNOWLEDGE_BASE",
];
/// The flag bit of a trial call (bits 0..8 are the action types).
const TRIAL: u16 = 1 << 8;
/// Contact column value of a log without a contact.
const NO_CONTACT: u32 = u32::MAX;
/// Contact numbers from here on are contacts named by stored logs, not generated ones.
const EXPLICIT_CONTACT: u32 = 1 << 31;
/// How long before the reference time (the clock's "now" when they are generated) generated
/// calls are spread over.
const PERIOD_MS: i64 = 90 * 86_400_000;
/// One hour, the grain of the calendar generated calls are drawn from.
const HOUR_MS: i64 = 3_600_000;
/// Generated calls per contact, on average.
const CALLS_PER_CONTACT: usize = 10;
/// At most this many of an agent's actions (in creation order) are drawn from.
const MAX_ACTIONS: usize = 16;
/// The agent tag of `duration_meta` for agents numbered this high or higher.
const AGENT_TAG_NONE: u32 = 0xFFFF;
const ID_SALT: u64 = 0x6361_6c6c_6964_0001;
const CONTACT_SALT: u64 = 0x636f_6e74_6163_7402;

/// The bit of an action type, 0 when unknown.
pub(crate) fn action_type_bit(action_type: &str) -> u16 {
    ACTION_TYPES
        .iter()
        .position(|t| *t == action_type)
        .map_or(0, |i| 1 << i)
}

mod columns;
mod generate;
mod history;
mod ids;
mod query;
mod render;

use ids::*;
pub(crate) use ids::{location_key, mix};

// ---------------------------------------------------------------------------------------------
// Storage.

/// An action of an agent as it was when calls were generated for it.
#[derive(Debug, Clone, PartialEq)]
struct ActionSnap {
    id: String,
    name: String,
    action_type: String,
    parameters: Value,
}

/// An agent and its actions at generation time (rows refer to one).
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    agent: u32,
    agent_name: String,
    business: String,
    actions: Vec<ActionSnap>,
}

/// Every call log of one location (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct CallLogs {
    created: Vec<i64>,
    duration: Vec<f64>,
    snap: Vec<u32>,
    contact: Vec<u32>,
    flags: Vec<u16>,
    acts: Vec<u16>,
    by_created: Vec<u32>,
    created_sorted: Vec<i64>,
    created_flags: Vec<u16>,
    by_duration: Vec<u32>,
    /// Beside `by_duration`: the row's flags (low 16 bits) and agent (high 16 bits,
    /// [`AGENT_TAG_NONE`] when the agent's number does not fit), so a walk in duration order
    /// reads one sequential word per row.
    duration_meta: Vec<u32>,
    snaps: Vec<Snapshot>,
    agent_ids: Vec<String>,
    agent_index: HashMap<String, u32>,
    agent_rows: Vec<Vec<u32>>,
    contact_pool: u32,
    generated_rows: usize,
    explicit_contacts: Vec<String>,
    explicit_contact_index: HashMap<String, u32>,
    contact_rows: HashMap<u32, Vec<u32>>,
    bodies: HashMap<u32, Map<String, Value>>,
    explicit_ids: HashMap<String, u32>,
    batches: u64,
    /// How the rows came to be, in order: what a state document records instead of the rows.
    history: Vec<Step>,
}

/// One step of a location's call-log history. Replaying the steps in order (with the same
/// location key) rebuilds the same rows, ids and indexes.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// [`CallLogs::generate`] with these snapshots (by index), count, reference and time.
    Generated {
        snaps: Vec<u32>,
        count: usize,
        reference: i64,
        at: Option<i64>,
    },
    /// This many logs added as JSON (their bodies are kept).
    Explicit(usize),
}

/// A generated row before it is stored.
struct NewRow {
    created: i64,
    duration: f64,
    snap: u32,
    contact: u32,
    flags: u16,
    acts: u16,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Created,
    Duration,
}

/// A filter with its names resolved to the store's numbers.
struct Resolved {
    agent: Option<u32>,
    contacts: Option<Vec<u32>>,
    trial: Option<bool>,
    mask: u16,
    range: Option<(i64, i64)>,
    order: Order,
    ascending: bool,
}

impl Resolved {
    fn flags_ok(&self, flags: u16) -> bool {
        self.trial.is_none_or(|t| (flags & TRIAL != 0) == t)
            && (self.mask == 0 || flags & self.mask != 0)
    }

    fn has_flag_filter(&self) -> bool {
        self.trial.is_some() || self.mask != 0
    }
}

/// A sort key that orders like `f64::total_cmp`.
fn duration_key(d: f64) -> u64 {
    let bits = d.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn created_key(ms: i64) -> u64 {
    (ms as u64) ^ (1 << 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("an object")
    }

    /// A store with two agents with actions, generated logs in two batches, a simulated call
    /// and a few logs added as JSON.
    fn arranged(seed: u64, count: usize) -> (Store, Vec<String>) {
        let store = Store::new(seed);
        let mut agents = Vec::new();
        for (name, types) in [
            ("Front", vec!["SMS", "CALL_TRANSFER", "DATA_EXTRACTION"]),
            ("Night", vec!["KNOWLEDGE_BASE"]),
        ] {
            let id = store.voice_create_agent("loc", None, obj(json!({"agentName": name})))["id"]
                .as_str()
                .expect("an id")
                .to_owned();
            for t in types {
                store
                    .voice_create_action(
                        "loc",
                        &id,
                        None,
                        obj(json!({"name": t, "actionType": t, "actionParameters": {}})),
                    )
                    .expect("the agent exists");
            }
            agents.push(id);
        }
        store
            .generate_call_logs("loc", count)
            .expect("agents exist");
        store.add_call_log(
            "loc",
            json!({"agentId": agents[1], "contactId": "explicitContact00001", "duration": 12.5,
                   "createdAt": "2026-02-01T00:00:00.000Z", "trialCall": true,
                   "executedCallActions": [{"actionType": "SMS", "actionName": "x"}]}),
        );
        store.add_call_log("loc", json!({"agentId": "ghost"}));
        store
            .simulate_call("loc", &agents[0])
            .expect("the agent exists");
        store
            .generate_call_logs("loc", count / 3)
            .expect("agents exist");
        (store, agents)
    }

    fn naive(
        logs: &CallLogs,
        key: u64,
        f: &CallLogFilter,
        page: u64,
        size: u64,
    ) -> (usize, Vec<u32>) {
        let Some(q) = logs.resolve(key, f) else {
            return (0, Vec::new());
        };
        let mut rows: Vec<u32> = (0..logs.len() as u32)
            .filter(|&r| logs.row_ok(&q, r))
            .collect();
        rows.sort_by_key(|&r| logs.key_of(q.order, r));
        if !q.ascending {
            rows.reverse();
        }
        let total = rows.len();
        let page: Vec<u32> = rows
            .into_iter()
            .skip(((page - 1) * size) as usize)
            .take(size as usize)
            .collect();
        (total, page)
    }

    #[test]
    fn the_mix_is_invertible_and_ids_decode_to_their_rows() {
        for x in [0u64, 1, 42, u64::MAX, 0x1234_5678_9abc_def0] {
            assert_eq!(unmix(mix(x)), x);
        }
        let key = location_key(3, "loc");
        let id = call_id(key, 77, 1_767_225_600_000);
        assert_eq!(id.len(), 24);
        assert_eq!(decode_call_id(key, &id), Some(77));
        assert_eq!(decode_call_id(location_key(3, "other"), &id), None);
        let contact = contact_name(key, 9);
        assert_eq!(contact.len(), 20);
        assert!(contact.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(decode_contact(key, &contact, 10), Some(9));
        assert_eq!(decode_contact(key, &contact, 9), None);
    }

    #[test]
    fn indexed_queries_agree_with_a_filter_and_sort_over_every_row() {
        for (seed, count) in [(1u64, 300usize), (2, 40), (3, 900)] {
            let (store, agents) = arranged(seed, count);
            let key = store.call_log_key("loc");
            store.read_location("loc", |location| {
                let logs = &location.call_logs;
                let contact_of =
                    |r: usize| logs.contact_text(key, logs.contact[r]).expect("a contact");
                let mid = logs.created_sorted[logs.len() / 2];
                let agent_filters = [None, Some(agents[0].clone()), Some("nobody".to_owned())];
                let contact_filters = [
                    vec![],
                    vec![contact_of(5)],
                    vec![contact_of(7), contact_of(8), "unknown".to_owned()],
                    vec!["explicitContact00001".to_owned()],
                ];
                let ranges = [
                    (None, None),
                    (Some(mid - 20 * 86_400_000), Some(mid + 5 * 86_400_000)),
                    (Some(mid), Some(mid + 1)),
                ];
                let sorts = [
                    (None, false),
                    (Some("createdAt"), true),
                    (Some("createdAt"), false),
                    (Some("duration"), true),
                    (Some("duration"), false),
                ];
                let mut checked = 0;
                for agent in &agent_filters {
                    for contacts in &contact_filters {
                        for trial in [None, Some(true), Some(false)] {
                            for types in [
                                vec![],
                                vec!["SMS".to_owned()],
                                vec!["KNOWLEDGE_BASE".to_owned(), "CALL_TRANSFER".to_owned()],
                            ] {
                                for (start, end) in ranges {
                                    for (sort_by, ascending) in sorts {
                                        let filter = CallLogFilter {
                                            agent_id: agent.clone(),
                                            contact_ids: contacts.clone(),
                                            trial,
                                            start_ms: start,
                                            end_ms: end,
                                            action_types: types.clone(),
                                            sort_by: sort_by.map(str::to_owned),
                                            ascending,
                                        };
                                        for (page, size) in
                                            [(1, 10), (3, 7), (1, 50), (40, 10), (2, 1)]
                                        {
                                            assert_eq!(
                                                logs.query(key, &filter, page, size),
                                                naive(logs, key, &filter, page, size),
                                                "{filter:?} page {page} size {size}"
                                            );
                                            checked += 1;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                assert!(checked > 1000);
            });
        }
    }

    #[test]
    fn every_row_is_found_by_its_rendered_id() {
        let (store, _) = arranged(4, 120);
        let key = store.call_log_key("loc");
        store.read_location("loc", |location| {
            let logs = &location.call_logs;
            for row in 0..logs.len() as u32 {
                let json = logs.render(key, row, &|_| false);
                let id = json["id"].as_str().expect("an id");
                assert_eq!(logs.find(key, id), Some(row));
            }
        });
    }
}
