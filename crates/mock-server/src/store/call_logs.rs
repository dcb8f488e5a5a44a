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

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

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
/// How long before the reference time generated calls are spread over.
const PERIOD_MS: i64 = 90 * 86_400_000;
/// 2026-01-01T00:00:00Z, the earliest reference time.
const EPOCH_2026_MS: i64 = 1_767_225_600_000;
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

// ---------------------------------------------------------------------------------------------
// Invertible mixing (splitmix64's finalizer and its inverse) for ids that carry their row.

const M1: u64 = 0xbf58_476d_1ce4_e5b9;
const M2: u64 = 0x94d0_49bb_1331_11eb;

const fn inverse(a: u64) -> u64 {
    // Newton's iteration for the inverse modulo 2^64 of an odd number.
    let mut x = a;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}

const M1_INV: u64 = inverse(M1);
const M2_INV: u64 = inverse(M2);

pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(M1);
    x ^= x >> 27;
    x = x.wrapping_mul(M2);
    x ^ (x >> 31)
}

fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    for _ in 0..(64 / s + 1) {
        x = y ^ (x >> s);
    }
    x
}

fn unmix(x: u64) -> u64 {
    let x = unshift(x, 31).wrapping_mul(M2_INV);
    let x = unshift(x, 27).wrapping_mul(M1_INV);
    unshift(x, 30)
}

/// The key of a location's generated data: from the store seed and the location id.
pub(crate) fn location_key(seed: u64, location_id: &str) -> u64 {
    // FNV-1a over the id, then mixed with the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in location_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h ^ mix(seed))
}

/// The reference time generated calls end at: 2026-01-01 plus up to a year, from the seed.
pub(crate) fn reference_ms(seed: u64) -> i64 {
    EPOCH_2026_MS + (mix(seed ^ 0x7265_6674) % (365 * 86_400)) as i64 * 1000
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62(mut n: u64, len: usize, out: &mut String) {
    let mut digits = [b'0'; 11];
    for d in digits.iter_mut().rev() {
        *d = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.extend(digits[11 - len..].iter().map(|&b| b as char));
}

fn contact_name(key: u64, contact: u32) -> String {
    let v = mix(((key >> 32) << 32 | u64::from(contact)) ^ CONTACT_SALT);
    let mut out = String::with_capacity(20);
    base62(v, 11, &mut out);
    base62(mix(v), 9, &mut out);
    out
}

fn decode_contact(key: u64, name: &str, pool: u32) -> Option<u32> {
    if name.len() != 20 {
        return None;
    }
    let mut v: u64 = 0;
    for b in name.bytes().take(11) {
        let digit = BASE62.iter().position(|&c| c == b)? as u64;
        v = v.checked_mul(62)?.checked_add(digit)?;
    }
    let plain = unmix(v) ^ CONTACT_SALT;
    let contact = (plain & 0xffff_ffff) as u32;
    (plain >> 32 == key >> 32 && contact < pool && contact_name(key, contact) == name)
        .then_some(contact)
}

fn call_id(key: u64, row: u32, created_ms: i64) -> String {
    let seconds = created_ms.div_euclid(1000) as u32;
    let low = mix(((key >> 32) << 32 | u64::from(row)) ^ ID_SALT);
    format!("{seconds:08x}{low:016x}")
}

fn decode_call_id(key: u64, id: &str) -> Option<u32> {
    if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let low = u64::from_str_radix(id.get(8..)?, 16).ok()?;
    let plain = unmix(low) ^ ID_SALT;
    (plain >> 32 == key >> 32).then_some((plain & 0xffff_ffff) as u32)
}

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

impl CallLogs {
    /// How many call logs the location has.
    pub(crate) fn len(&self) -> usize {
        self.created.len()
    }

    fn key_of(&self, order: Order, row: u32) -> (u64, u32) {
        let r = row as usize;
        match order {
            Order::Created => (created_key(self.created[r]), row),
            Order::Duration => (duration_key(self.duration[r]), row),
        }
    }

    /// The flags and agent tag of a row (see `duration_meta`).
    fn meta(&self, row: u32) -> u32 {
        let agent = self.snaps[self.snap[row as usize] as usize].agent;
        (agent.min(AGENT_TAG_NONE) << 16) | u32::from(self.flags[row as usize])
    }

    fn agent_of(&mut self, agent_id: &str) -> u32 {
        if let Some(&i) = self.agent_index.get(agent_id) {
            return i;
        }
        let i = self.agent_ids.len() as u32;
        self.agent_ids.push(agent_id.to_owned());
        self.agent_index.insert(agent_id.to_owned(), i);
        self.agent_rows.push(Vec::new());
        i
    }

    /// The snapshot index for this agent state, reusing the agent's latest one when equal.
    fn snapshot_of(&mut self, snapshot: Snapshot) -> u32 {
        if let Some(i) = self.snaps.iter().rposition(|s| s.agent == snapshot.agent)
            && self.snaps[i] == snapshot
        {
            return i as u32;
        }
        self.snaps.push(snapshot);
        (self.snaps.len() - 1) as u32
    }

    fn contact_of(&mut self, key: u64, name: &str) -> u32 {
        if let Some(c) = decode_contact(key, name, self.contact_pool) {
            return c;
        }
        if let Some(&c) = self.explicit_contact_index.get(name) {
            return c;
        }
        let c = EXPLICIT_CONTACT + self.explicit_contacts.len() as u32;
        self.explicit_contacts.push(name.to_owned());
        self.explicit_contact_index.insert(name.to_owned(), c);
        c
    }

    fn contact_text(&self, key: u64, contact: u32) -> Option<String> {
        if contact == NO_CONTACT {
            None
        } else if contact >= EXPLICIT_CONTACT {
            self.explicit_contacts
                .get((contact - EXPLICIT_CONTACT) as usize)
                .cloned()
        } else {
            Some(contact_name(key, contact))
        }
    }

    /// Appends rows and merges them into every index: a few rows are inserted in place (binary
    /// search, one shift per index), a batch is sorted and merged.
    fn push_rows(&mut self, rows: Vec<NewRow>) -> u32 {
        let first = self.created.len() as u32;
        let n = rows.len();
        self.created.reserve_exact(n);
        self.duration.reserve_exact(n);
        self.snap.reserve_exact(n);
        self.contact.reserve_exact(n);
        self.flags.reserve_exact(n);
        self.acts.reserve_exact(n);
        for row in rows {
            self.created.push(row.created);
            self.duration.push(row.duration);
            self.snap.push(row.snap);
            self.contact.push(row.contact);
            self.flags.push(row.flags);
            self.acts.push(row.acts);
        }
        let new: Vec<u32> = (first..first + n as u32).collect();
        if n <= 16 {
            for &r in &new {
                self.insert_one(r);
            }
            return first;
        }
        // Creation order.
        let mut by_created = new.clone();
        by_created.sort_unstable_by_key(|&r| self.key_of(Order::Created, r));
        self.by_created = self.merge(&self.by_created, &by_created, Order::Created);
        self.created_sorted = self
            .by_created
            .iter()
            .map(|&r| self.created[r as usize])
            .collect();
        self.created_flags = self
            .by_created
            .iter()
            .map(|&r| self.flags[r as usize])
            .collect();
        // Duration order.
        let mut by_duration = new;
        by_duration.sort_unstable_by_key(|&r| self.key_of(Order::Duration, r));
        self.by_duration = self.merge(&self.by_duration, &by_duration, Order::Duration);
        self.duration_meta = self.by_duration.iter().map(|&r| self.meta(r)).collect();
        // Posting lists, in creation order.
        let mut per_agent: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut per_contact: HashMap<u32, Vec<u32>> = HashMap::new();
        for &r in &by_created {
            let agent = self.snaps[self.snap[r as usize] as usize].agent;
            per_agent.entry(agent).or_default().push(r);
            let contact = self.contact[r as usize];
            if contact != NO_CONTACT {
                per_contact.entry(contact).or_default().push(r);
            }
        }
        for (agent, rows) in per_agent {
            let merged = self.merge(&self.agent_rows[agent as usize], &rows, Order::Created);
            self.agent_rows[agent as usize] = merged;
        }
        for (contact, rows) in per_contact {
            let old = self.contact_rows.remove(&contact).unwrap_or_default();
            let merged = self.merge(&old, &rows, Order::Created);
            self.contact_rows.insert(contact, merged);
        }
        first
    }

    /// Inserts one appended row into every index in place.
    fn insert_one(&mut self, r: u32) {
        let row = r as usize;
        let created = self.key_of(Order::Created, r);
        let at = self
            .by_created
            .partition_point(|&o| self.key_of(Order::Created, o) < created);
        self.by_created.insert(at, r);
        self.created_sorted.insert(at, self.created[row]);
        self.created_flags.insert(at, self.flags[row]);
        let duration = self.key_of(Order::Duration, r);
        let at = self
            .by_duration
            .partition_point(|&o| self.key_of(Order::Duration, o) < duration);
        self.by_duration.insert(at, r);
        self.duration_meta.insert(at, self.meta(r));
        let agent = self.snaps[self.snap[row] as usize].agent as usize;
        let list = std::mem::take(&mut self.agent_rows[agent]);
        self.agent_rows[agent] = self.merge(&list, &[r], Order::Created);
        let contact = self.contact[row];
        if contact != NO_CONTACT {
            let list = self.contact_rows.remove(&contact).unwrap_or_default();
            let merged = self.merge(&list, &[r], Order::Created);
            self.contact_rows.insert(contact, merged);
        }
    }

    /// Merges two row lists sorted in `order` (exact capacity).
    fn merge(&self, a: &[u32], b: &[u32], order: Order) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if self.key_of(order, a[i]) <= self.key_of(order, b[j]) {
                out.push(a[i]);
                i += 1;
            } else {
                out.push(b[j]);
                j += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    }

    /// The slice of a creation-ordered row list inside the window (inclusive).
    fn window<'a>(&self, rows: &'a [u32], range: Option<(i64, i64)>) -> &'a [u32] {
        match range {
            None => rows,
            Some((start, end)) => {
                let lo = rows.partition_point(|&r| self.created[r as usize] < start);
                let hi = rows.partition_point(|&r| self.created[r as usize] <= end);
                &rows[lo..hi.max(lo)]
            }
        }
    }

    fn row_ok(&self, q: &Resolved, row: u32) -> bool {
        let r = row as usize;
        q.flags_ok(self.flags[r])
            && q.agent
                .is_none_or(|a| self.snaps[self.snap[r] as usize].agent == a)
            && q.range
                .is_none_or(|(s, e)| (s..=e).contains(&self.created[r]))
            && q.contacts
                .as_ref()
                .is_none_or(|cs| cs.contains(&self.contact[r]))
    }

    fn resolve(&self, key: u64, filter: &CallLogFilter) -> Option<Resolved> {
        let agent = match &filter.agent_id {
            Some(id) => Some(*self.agent_index.get(id)?),
            None => None,
        };
        let contacts = if filter.contact_ids.is_empty() {
            None
        } else {
            let mut cs: Vec<u32> = filter
                .contact_ids
                .iter()
                .filter_map(|c| {
                    decode_contact(key, c, self.contact_pool)
                        .or_else(|| self.explicit_contact_index.get(c).copied())
                })
                .collect();
            cs.sort_unstable();
            cs.dedup();
            Some(cs)
        };
        let mask = filter
            .action_types
            .iter()
            .fold(0u16, |m, t| m | action_type_bit(t));
        if !filter.action_types.is_empty() && mask == 0 {
            return None;
        }
        let range = match (filter.start_ms, filter.end_ms) {
            (None, None) => None,
            (s, e) => Some((s.unwrap_or(i64::MIN), e.unwrap_or(i64::MAX))),
        };
        let (order, ascending) = match filter.sort_by.as_deref() {
            Some("duration") => (Order::Duration, filter.ascending),
            Some(_) => (Order::Created, filter.ascending),
            None => (Order::Created, false),
        };
        Some(Resolved {
            agent,
            contacts,
            trial: filter.trial,
            mask,
            range,
            order,
            ascending,
        })
    }

    /// The number of logs matching `filter` and the rows of one page, in the requested order.
    pub(crate) fn query(
        &self,
        key: u64,
        filter: &CallLogFilter,
        page: u64,
        page_size: u64,
    ) -> (usize, Vec<u32>) {
        let Some(q) = self.resolve(key, filter) else {
            return (0, Vec::new());
        };
        let size = usize::try_from(page_size).unwrap_or(usize::MAX);
        let skip = usize::try_from(page.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        if let Some(contacts) = &q.contacts {
            let mut rows = Vec::new();
            for c in contacts {
                if let Some(list) = self.contact_rows.get(c) {
                    rows.extend(
                        self.window(list, q.range)
                            .iter()
                            .copied()
                            .filter(|&r| self.row_ok(&q, r)),
                    );
                }
            }
            return (rows.len(), self.select(rows, &q, skip, size));
        }
        if let Some(agent) = q.agent {
            let source = self.window(&self.agent_rows[agent as usize], q.range);
            let total = if q.has_flag_filter() {
                source
                    .iter()
                    .filter(|&&r| q.flags_ok(self.flags[r as usize]))
                    .count()
            } else {
                source.len()
            };
            let rows = match q.order {
                Order::Created if !q.has_flag_filter() => direct(source, q.ascending, skip, size),
                Order::Created => walk(source.iter().copied(), q.ascending, skip, size, |r| {
                    q.flags_ok(self.flags[r as usize])
                }),
                Order::Duration => self.by_duration_page(&q, source, total, skip, size),
            };
            return (total, rows);
        }
        let lo = q
            .range
            .map_or(0, |(s, _)| self.created_sorted.partition_point(|&c| c < s));
        let hi = q.range.map_or(self.created_sorted.len(), |(_, e)| {
            self.created_sorted.partition_point(|&c| c <= e)
        });
        let hi = hi.max(lo);
        let flags = &self.created_flags[lo..hi];
        let total = if q.has_flag_filter() {
            flags.iter().filter(|&&f| q.flags_ok(f)).count()
        } else {
            hi - lo
        };
        let source = &self.by_created[lo..hi];
        let rows = match q.order {
            Order::Created if !q.has_flag_filter() => direct(source, q.ascending, skip, size),
            Order::Created => walk((lo..hi).map(|i| i as u32), q.ascending, skip, size, |i| {
                q.flags_ok(self.created_flags[i as usize])
            })
            .into_iter()
            .map(|i| self.by_created[i as usize])
            .collect(),
            Order::Duration if q.range.is_none() && !q.has_flag_filter() => {
                direct(&self.by_duration, q.ascending, skip, size)
            }
            Order::Duration => self.by_duration_page(&q, source, total, skip, size),
        };
        (total, rows)
    }

    /// A page in duration order of the matches within `source` (creation-ordered, `total`
    /// matches): walks the duration order when that is expected to be cheaper than collecting
    /// the matches and selecting the page.
    fn by_duration_page(
        &self,
        q: &Resolved,
        source: &[u32],
        total: usize,
        skip: usize,
        size: usize,
    ) -> Vec<u32> {
        if skip >= total {
            return Vec::new();
        }
        let wanted = skip.saturating_add(size).min(total) as f64;
        let expected_walk = wanted * self.len() as f64 / total.max(1) as f64;
        if expected_walk <= 2.0 * source.len() as f64 {
            walk(
                0..self.by_duration.len() as u32,
                q.ascending,
                skip,
                size,
                |i| {
                    let meta = self.duration_meta[i as usize];
                    let tag = meta >> 16;
                    if !q.flags_ok(meta as u16)
                        || q.agent.is_some_and(|a| tag != AGENT_TAG_NONE && tag != a)
                    {
                        return false;
                    }
                    let settled = q.range.is_none() && (q.agent.is_none() || tag != AGENT_TAG_NONE);
                    settled || self.row_ok(q, self.by_duration[i as usize])
                },
            )
            .into_iter()
            .map(|i| self.by_duration[i as usize])
            .collect()
        } else {
            let rows = source
                .iter()
                .copied()
                .filter(|&r| q.flags_ok(self.flags[r as usize]))
                .collect();
            self.select(rows, q, skip, size)
        }
    }

    /// The page `[skip, skip + size)` of `rows` in the query's order, without a full sort.
    fn select(&self, rows: Vec<u32>, q: &Resolved, skip: usize, size: usize) -> Vec<u32> {
        if skip >= rows.len() || size == 0 {
            return Vec::new();
        }
        let mut keys: Vec<(u64, u32)> = rows
            .into_iter()
            .map(|r| {
                let (k, r) = self.key_of(q.order, r);
                if q.ascending { (k, r) } else { (!k, !r) }
            })
            .collect();
        let mut part: &mut [(u64, u32)] = &mut keys;
        if skip > 0 {
            part.select_nth_unstable(skip);
            part = &mut part[skip..];
        }
        if size < part.len() {
            part.select_nth_unstable(size);
            part = &mut part[..size];
        }
        part.sort_unstable();
        part.iter()
            .map(|&(_, r)| if q.ascending { r } else { !r })
            .collect()
    }

    /// The row of a call id, when the location has it.
    pub(crate) fn find(&self, key: u64, id: &str) -> Option<u32> {
        if let Some(&row) = self.explicit_ids.get(id) {
            return Some(row);
        }
        let row = decode_call_id(key, id)?;
        let r = row as usize;
        (r < self.len()
            && !self.bodies.contains_key(&row)
            && call_id(key, row, self.created[r]) == id)
            .then_some(row)
    }

    /// Adds a log given as JSON (already completed with the required fields); its body is
    /// kept as given. Returns its row.
    pub(crate) fn insert_explicit(
        &mut self,
        key: u64,
        id: String,
        body: Map<String, Value>,
    ) -> u32 {
        self.insert_explicit_many(key, vec![(id, body)])
    }

    /// Adds many logs given as JSON in one batch (one merge into the indexes instead of one
    /// shift per log; use it to restore many logs). Returns the first new row.
    pub(crate) fn insert_explicit_many(
        &mut self,
        key: u64,
        logs: Vec<(String, Map<String, Value>)>,
    ) -> u32 {
        let mut rows = Vec::with_capacity(logs.len());
        let mut stored = Vec::with_capacity(logs.len());
        for (id, body) in logs {
            let agent_id = body
                .get("agentId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let agent = self.agent_of(&agent_id);
            let snap = self.snapshot_of(Snapshot {
                agent,
                agent_name: String::new(),
                business: String::new(),
                actions: Vec::new(),
            });
            let contact = match body.get("contactId").and_then(Value::as_str) {
                Some(name) => self.contact_of(key, name),
                None => NO_CONTACT,
            };
            let mut flags = 0;
            if body.get("trialCall").and_then(Value::as_bool) == Some(true) {
                flags |= TRIAL;
            }
            for action in body
                .get("executedCallActions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                flags |= action
                    .get("actionType")
                    .and_then(Value::as_str)
                    .map_or(0, action_type_bit);
            }
            rows.push(NewRow {
                created: body
                    .get("createdAt")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339_ms)
                    .unwrap_or(i64::MIN),
                duration: body.get("duration").and_then(Value::as_f64).unwrap_or(0.0),
                snap,
                contact,
                flags,
                acts: 0,
            });
            let mut json = Map::new();
            json.insert("id".to_owned(), Value::String(id.clone()));
            json.extend(body);
            stored.push((id, json));
        }
        match self.history.last_mut() {
            Some(Step::Explicit(n)) => *n += stored.len(),
            _ => self.history.push(Step::Explicit(stored.len())),
        }
        let first = self.push_rows(rows);
        for (i, (id, json)) in stored.into_iter().enumerate() {
            let row = first + i as u32;
            self.bodies.insert(row, json);
            self.explicit_ids.insert(id, row);
        }
        first
    }

    /// Generates `count` rows for the given agent snapshots (already registered), created
    /// within the period before `reference` (or exactly at `at`, when given).
    fn generate(
        &mut self,
        key: u64,
        snaps: &[u32],
        count: usize,
        reference: i64,
        at: Option<i64>,
    ) -> u32 {
        self.history.push(Step::Generated {
            snaps: snaps.to_vec(),
            count,
            reference,
            at,
        });
        self.batches += 1;
        let mut rng = ChaCha8Rng::seed_from_u64(key ^ mix(self.batches));
        self.generated_rows += count;
        let pool = (self.generated_rows.div_ceil(CALLS_PER_CONTACT)).max(8) as u32;
        self.contact_pool = self.contact_pool.max(pool.min(EXPLICIT_CONTACT - 1));
        let mut rows = Vec::with_capacity(count);
        for _ in 0..count {
            let snap = snaps[(rng.next_u32() as usize) % snaps.len()];
            let n_actions = self.snaps[snap as usize].actions.len().min(MAX_ACTIONS);
            let mut acts = 0u16;
            let mut flags = 0u16;
            let bits = rng.next_u64();
            for i in 0..n_actions {
                // Each action runs in about one call in four.
                if (bits >> (2 * i)) & 3 == 0 {
                    acts |= 1 << i;
                    flags |= action_type_bit(&self.snaps[snap as usize].actions[i].action_type);
                }
            }
            let roll = rng.next_u64();
            if roll % 10 == 0 {
                flags |= TRIAL;
            }
            // Durations from 5 s to about 10 min, skewed short, in tenths of a second.
            let u = ((roll >> 8) % 10_000) as f64 / 10_000.0;
            let duration = (5.0 + u * u * 595.0) * 10.0;
            let created =
                at.unwrap_or_else(|| reference - (rng.next_u64() % PERIOD_MS as u64) as i64);
            rows.push(NewRow {
                created,
                duration: duration.round() / 10.0,
                snap,
                contact: rng.next_u32() % self.contact_pool,
                flags,
                acts,
            });
        }
        self.push_rows(rows)
    }

    /// The history as a state document records it, and the bodies of the logs added as JSON
    /// (with their ids, in row order): `[{"generate": {count, reference, at, agents: [{agentId,
    /// agentName, businessName, actions: [{id, name, actionType, actionParameters}]}]}},
    /// {"explicit": n}, …]`.
    pub(crate) fn export_history(&self) -> (Value, Vec<Value>) {
        let mut steps = Vec::with_capacity(self.history.len());
        let mut explicit = Vec::with_capacity(self.bodies.len());
        let mut row = 0u32;
        for step in &self.history {
            match step {
                Step::Generated {
                    snaps,
                    count,
                    reference,
                    at,
                } => {
                    let agents: Vec<Value> = snaps
                        .iter()
                        .map(|&i| {
                            let snap = &self.snaps[i as usize];
                            let actions: Vec<Value> = snap
                                .actions
                                .iter()
                                .map(|a| {
                                    json!({"id": a.id, "name": a.name, "actionType": a.action_type,
                                           "actionParameters": a.parameters})
                                })
                                .collect();
                            json!({
                                "agentId": self.agent_ids[snap.agent as usize],
                                "agentName": snap.agent_name,
                                "businessName": snap.business,
                                "actions": actions,
                            })
                        })
                        .collect();
                    steps.push(json!({"generate": {
                        "count": count, "reference": reference, "at": at, "agents": agents,
                    }}));
                    row += *count as u32;
                }
                Step::Explicit(n) => {
                    for r in row..row + *n as u32 {
                        if let Some(body) = self.bodies.get(&r) {
                            explicit.push(Value::Object(body.clone()));
                        }
                    }
                    steps.push(json!({"explicit": n}));
                    row += *n as u32;
                }
            }
        }
        (Value::Array(steps), explicit)
    }

    /// Rebuilds call logs from [`CallLogs::export_history`]'s output: `history` (when absent,
    /// every log of `explicit` was added as JSON, in order) replayed with `key`.
    pub(crate) fn replay(
        key: u64,
        history: Option<&Value>,
        explicit: Vec<(String, Map<String, Value>)>,
        at: &str,
    ) -> Result<Self, String> {
        let mut logs = Self::default();
        let mut explicit = explicit.into_iter();
        let steps = match history {
            None => Vec::new(),
            Some(Value::Array(steps)) => steps.clone(),
            Some(_) => return Err(format!("{at} must be an array")),
        };
        for (i, step) in steps.iter().enumerate() {
            let at = format!("{at}.{i}");
            if let Some(n) = step.get("explicit") {
                let n = n
                    .as_u64()
                    .ok_or_else(|| format!("{at}.explicit must be a whole number"))?;
                let batch: Vec<_> = explicit.by_ref().take(n as usize).collect();
                if batch.len() as u64 != n {
                    return Err(format!("{at}.explicit names more logs than callLogs holds"));
                }
                logs.insert_explicit_many(key, batch);
                continue;
            }
            let generate = step.get("generate").ok_or_else(|| {
                format!("{at} must be {{\"generate\": …}} or {{\"explicit\": n}}")
            })?;
            let count = generate["count"]
                .as_u64()
                .ok_or_else(|| format!("{at}.generate.count must be a whole number"))?;
            let reference = generate["reference"]
                .as_i64()
                .ok_or_else(|| format!("{at}.generate.reference must be a whole number"))?;
            let when =
                match &generate["at"] {
                    Value::Null => None,
                    v => Some(v.as_i64().ok_or_else(|| {
                        format!("{at}.generate.at must be a whole number or null")
                    })?),
                };
            let agents = generate["agents"]
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| format!("{at}.generate.agents must be a non-empty array"))?;
            let text = |v: &Value, name: &str| v[name].as_str().unwrap_or_default().to_owned();
            let mut snaps = Vec::with_capacity(agents.len());
            for agent in agents {
                let agent_id = agent["agentId"]
                    .as_str()
                    .ok_or_else(|| format!("{at}.generate.agents[].agentId must be a string"))?;
                let number = logs.agent_of(agent_id);
                let actions = agent["actions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| ActionSnap {
                        id: text(a, "id"),
                        name: text(a, "name"),
                        action_type: text(a, "actionType"),
                        parameters: a.get("actionParameters").cloned().unwrap_or(json!({})),
                    })
                    .collect();
                snaps.push(logs.snapshot_of(Snapshot {
                    agent: number,
                    agent_name: text(agent, "agentName"),
                    business: text(agent, "businessName"),
                    actions,
                }));
            }
            logs.generate(key, &snaps, count as usize, reference, when);
        }
        let rest: Vec<_> = explicit.collect();
        if !rest.is_empty() {
            logs.insert_explicit_many(key, rest);
        }
        Ok(logs)
    }

    /// The JSON of a row; `deleted` tells whether an agent id no longer exists.
    pub(crate) fn render(&self, key: u64, row: u32, deleted: &dyn Fn(&str) -> bool) -> Value {
        if let Some(body) = self.bodies.get(&row) {
            return Value::Object(body.clone());
        }
        let r = row as usize;
        let snapshot = &self.snaps[self.snap[r] as usize];
        let agent_id = &self.agent_ids[snapshot.agent as usize];
        let created = self.created[r];
        let duration = self.duration[r];
        let mut rng = ChaCha8Rng::seed_from_u64(key ^ mix(u64::from(row) ^ 0x626f_6479));
        let contact = self.contact_text(key, self.contact[r]);
        let from_number: String = {
            let mut phone = ChaCha8Rng::seed_from_u64(key ^ mix(u64::from(self.contact[r])));
            NumberWithFormat("+1^##^######").fake_with_rng(&mut phone)
        };
        let caller: String = FirstName().fake_with_rng(&mut rng);
        let surname: String = LastName().fake_with_rng(&mut rng);
        let city: String = CityName().fake_with_rng(&mut rng);
        let email: String = SafeEmail().fake_with_rng(&mut rng);
        let topic = TOPICS[(rng.next_u32() as usize) % TOPICS.len()];
        let mut executed = Vec::new();
        let ran: Vec<&ActionSnap> = snapshot
            .actions
            .iter()
            .take(MAX_ACTIONS)
            .enumerate()
            .filter(|(i, _)| self.acts[r] & (1 << i) != 0)
            .map(|(_, a)| a)
            .collect();
        let span_ms = (duration * 1000.0) as i64;
        let mut transcript = vec![
            format!(
                "bot:Thanks for calling {}, this is {}. How can I help you today?",
                if snapshot.business.is_empty() {
                    "us"
                } else {
                    &snapshot.business
                },
                if snapshot.agent_name.is_empty() {
                    "your assistant"
                } else {
                    &snapshot.agent_name
                },
            ),
            format!("human:Hi, this is {caller} {surname}. {}", topic.0),
            format!("bot:{}", topic.1),
        ];
        for (i, action) in ran.iter().enumerate() {
            let trigger = created + span_ms * (i as i64 + 1) / (ran.len() as i64 + 2);
            let executed_at = trigger + 500 + i64::from(rng.next_u32() % 4000);
            executed.push(json!({
                "actionId": action.id,
                "actionName": action.name,
                "actionType": action.action_type,
                "actionParameters": action.parameters,
                "triggerReceivedAt": rfc3339(trigger),
                "executedAt": rfc3339(executed_at),
            }));
            transcript.push(format!("bot:{}", action_line(&action.action_type)));
            transcript.push("human:Okay, thank you.".to_owned());
        }
        transcript.push(format!("human:I'm calling from {city}, by the way. Bye!"));
        transcript.push("bot:Thanks for calling, have a great day!".to_owned());
        let mut extracted = Map::new();
        if self.flags[r]
            & (action_type_bit("DATA_EXTRACTION") | action_type_bit("IN_CALL_DATA_EXTRACTION"))
            != 0
        {
            extracted.insert("fullName".to_owned(), json!(format!("{caller} {surname}")));
            extracted.insert("email".to_owned(), json!(email));
            extracted.insert("city".to_owned(), json!(city));
        }
        let mut out = Map::new();
        out.insert("id".to_owned(), json!(call_id(key, row, created)));
        if let Some(contact) = contact {
            out.insert("contactId".to_owned(), json!(contact));
        }
        out.insert("agentId".to_owned(), json!(agent_id));
        out.insert("isAgentDeleted".to_owned(), json!(deleted(agent_id)));
        out.insert("fromNumber".to_owned(), json!(from_number));
        out.insert("createdAt".to_owned(), json!(rfc3339(created)));
        out.insert("duration".to_owned(), json!(duration));
        out.insert("trialCall".to_owned(), json!(self.flags[r] & TRIAL != 0));
        out.insert("executedCallActions".to_owned(), Value::Array(executed));
        out.insert(
            "summary".to_owned(),
            json!(format!(
                "{caller} {surname} called {}. {}",
                topic.2,
                if ran.is_empty() {
                    "No action was needed.".to_owned()
                } else {
                    format!(
                        "The agent ran: {}.",
                        ran.iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )),
        );
        out.insert("transcript".to_owned(), json!(transcript.join("\n")));
        out.insert("extractedData".to_owned(), Value::Object(extracted));
        out.insert("messageId".to_owned(), json!(super::alnum(&mut rng, 20)));
        Value::Object(out)
    }
}

/// What callers ask, what the agent answers, and how the summary puts it.
const TOPICS: [(&str, &str, &str); 8] = [
    (
        "I'd like to book an appointment for next week.",
        "Sure, let me check what we have available.",
        "to book an appointment",
    ),
    (
        "What are your opening hours on Saturday?",
        "On Saturdays we are open from 9 AM to 1 PM.",
        "about the opening hours",
    ),
    (
        "I need to reschedule my appointment.",
        "No problem, which day works better for you?",
        "to reschedule an appointment",
    ),
    (
        "Can I speak to someone about my invoice?",
        "Of course, I can help with billing questions.",
        "about an invoice",
    ),
    (
        "Do you accept my insurance?",
        "We accept most major providers; which one do you have?",
        "about insurance coverage",
    ),
    (
        "I have an urgent problem and need help today.",
        "I understand, let me get you to the right person.",
        "with an urgent request",
    ),
    (
        "How much does a consultation cost?",
        "A first consultation is free of charge.",
        "about pricing",
    ),
    (
        "Where exactly are you located?",
        "We are right downtown, next to the central station.",
        "for directions",
    ),
];

fn action_line(action_type: &str) -> &'static str {
    match action_type {
        "CALL_TRANSFER" => "I'm transferring you now, please hold.",
        "DATA_EXTRACTION" | "IN_CALL_DATA_EXTRACTION" => {
            "Could you confirm your full name and email address?"
        }
        "WORKFLOW_TRIGGER" => "I've passed this on to the team.",
        "SMS" => "I've just sent you a text message with the details.",
        "APPOINTMENT_BOOKING" => "You're booked in, you'll get a confirmation shortly.",
        "CUSTOM_ACTION" => "Let me look that up in our system.",
        _ => "Let me check our knowledge base for that.",
    }
}

/// The rows at `[skip, skip + size)` of a sorted slice, reversed when descending.
fn direct(rows: &[u32], ascending: bool, skip: usize, size: usize) -> Vec<u32> {
    if skip >= rows.len() {
        return Vec::new();
    }
    let take = size.min(rows.len() - skip);
    if ascending {
        rows[skip..skip + take].to_vec()
    } else {
        let end = rows.len() - skip;
        rows[end - take..end].iter().rev().copied().collect()
    }
}

/// The matches at `[skip, skip + size)` of an ordered sequence (reversed when descending).
fn walk(
    items: impl DoubleEndedIterator<Item = u32>,
    ascending: bool,
    skip: usize,
    size: usize,
    ok: impl Fn(u32) -> bool,
) -> Vec<u32> {
    let take = |it: &mut dyn Iterator<Item = u32>| {
        it.filter(|&i| ok(i))
            .skip(skip)
            .take(size)
            .collect::<Vec<u32>>()
    };
    if ascending {
        take(&mut { items })
    } else {
        take(&mut items.rev())
    }
}

/// The snapshot of an agent and its actions (creation order) as stored in the location.
fn snapshot_for(location: &mut Location, agent_id: &str) -> Option<Snapshot> {
    let agent = location.voice_agents.get(agent_id)?;
    let name = agent
        .body
        .get("agentName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let business = agent
        .body
        .get("businessName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let actions = in_order(
        location
            .voice_actions
            .values()
            .filter(|a| a.agent_id.as_deref() == Some(agent_id)),
    )
    .into_iter()
    .map(|a| ActionSnap {
        id: a.id.clone(),
        name: a
            .body
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        action_type: a
            .body
            .get("actionType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        parameters: a
            .body
            .get("actionParameters")
            .cloned()
            .unwrap_or_else(|| json!({})),
    })
    .collect();
    let agent = location.call_logs.agent_of(agent_id);
    Some(Snapshot {
        agent,
        agent_name: name,
        business,
        actions,
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Store {
    /// The key of a location's generated call logs.
    pub(crate) fn call_log_key(&self, location_id: &str) -> u64 {
        location_key(self.seed(), location_id)
    }

    /// Generates `count` more call logs for the location, spread over its Voice AI agents (in
    /// creation order) and drawn from their actions, created within the 90 days before a
    /// reference time derived from the seed. Deterministic: the same seed and the same
    /// sequence of operations give the same logs. Returns how many were added.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] when the location has no Voice AI agent (and `count > 0`).
    ///
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// store.voice_create_agent("loc", None, json!({"agentName": "A"}).as_object().cloned().expect("an object"));
    /// // Act
    /// let added = store.generate_call_logs("loc", 25).expect("the location has an agent");
    /// // Assert
    /// assert_eq!(added, 25);
    /// assert_eq!(store.voice_list_call_logs("loc", &Default::default(), 1, 10).0, 25);
    /// ```
    pub fn generate_call_logs(&self, location_id: &str, count: usize) -> Result<usize, StoreError> {
        if count == 0 {
            return Ok(0);
        }
        let key = self.call_log_key(location_id);
        let reference = reference_ms(self.seed());
        self.with_location(location_id, |location, _| {
            let agents: Vec<String> = in_order(location.voice_agents.values())
                .into_iter()
                .map(|a| a.id.clone())
                .collect();
            if agents.is_empty() {
                return Err(StoreError::Invalid(vec![
                    "the location has no Voice AI agent to generate call logs for".to_owned(),
                ]));
            }
            let mut snaps = Vec::with_capacity(agents.len());
            for agent in &agents {
                if let Some(snapshot) = snapshot_for(location, agent) {
                    snaps.push(location.call_logs.snapshot_of(snapshot));
                }
            }
            location
                .call_logs
                .generate(key, &snaps, count, reference, None);
            Ok(count)
        })
    }

    /// Generates `count` call logs in every location that has a Voice AI agent (in location id
    /// order, so the result is deterministic) and returns how many were added in all.
    ///
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// for location in ["a", "b"] {
    ///     store.voice_create_agent(location, None, json!({}).as_object().cloned().expect("an object"));
    /// }
    /// // Act
    /// let added = store.generate_call_logs_everywhere(10);
    /// // Assert
    /// assert_eq!(added, 20);
    /// assert_eq!(store.call_log_count("b"), 10);
    /// ```
    pub fn generate_call_logs_everywhere(&self, count: usize) -> usize {
        let mut locations: Vec<String> = self
            .locations
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        locations.sort_unstable();
        locations
            .iter()
            .filter_map(|location| self.generate_call_logs(location, count).ok())
            .sum()
    }

    /// Creates one call log for the agent, created now, drawn from the agent's current
    /// actions, and returns it as stored (the JSON `getCallLog` answers).
    ///
    /// # Errors
    ///
    /// [`StoreError::AgentNotFound`] when the location has no such Voice AI agent.
    ///
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent = store.voice_create_agent("loc", None, json!({}).as_object().cloned().expect("an object"));
    /// let agent_id = agent["id"].as_str().expect("an id");
    /// // Act
    /// let log = store.simulate_call("loc", agent_id).expect("the agent exists");
    /// // Assert
    /// let id = log["id"].as_str().expect("an id");
    /// assert_eq!(store.voice_get_call_log("loc", id).expect("stored"), log);
    /// ```
    pub fn simulate_call(&self, location_id: &str, agent_id: &str) -> Result<Value, StoreError> {
        let key = self.call_log_key(location_id);
        let now = now_ms();
        self.with_location(location_id, |location, _| {
            let snapshot = snapshot_for(location, agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            let snap = location.call_logs.snapshot_of(snapshot);
            let row = location.call_logs.generate(key, &[snap], 1, now, Some(now));
            let agents = &location.voice_agents;
            Ok(location
                .call_logs
                .render(key, row, &|id| !agents.contains_key(id)))
        })
    }

    /// How many call logs the location has.
    /// ```
    /// use mock_server::store::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// store.add_call_log("loc", json!({}));
    /// // Act / Assert
    /// assert_eq!(store.call_log_count("loc"), 1);
    /// ```
    pub fn call_log_count(&self, location_id: &str) -> usize {
        self.read_location(location_id, |location| location.call_logs.len())
    }
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
