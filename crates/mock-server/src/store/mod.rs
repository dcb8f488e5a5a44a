//! The in-memory domain: agents, actions, call logs and generation details, per location.
//!
//! The store knows nothing of HTTP. Records are JSON objects (already validated against our
//! spec by the caller) kept beside the typed keys used for indexing (`Record`): id, creation
//! sequence and owning agent. Each location's data sits behind its own `Mutex`, so every
//! operation on a location is atomic and concurrent writers never lose writes; a location map
//! `RwLock` only guards creating a location's slot. Maps are `BTreeMap`s and lists are ordered by
//! creation sequence, so responses are deterministic. Ids come from one seeded ChaCha generator
//! (`IdGen`): the same seed and the same sequence of requests give the same ids.
//!
//! The per-API operations live in [`voice_ai`] and [`conversation_ai`]; failures are
//! [`StoreError`]s, which the HTTP layer renders per API (Voice AI 404, Conversation AI 400).

pub(crate) mod call_logs;
pub(crate) mod conversation_ai;
pub(crate) mod voice_ai;
mod voices;

mod snapshot;

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Map, Value};

use crate::clock::Clock;

/// A failure of a store operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// No agent with this id in the location.
    AgentNotFound(String),
    /// No action with this id (under the named agent, where one was named).
    ActionNotFound(String),
    /// No call log with this id in the location.
    CallNotFound(String),
    /// No voice with this id.
    VoiceNotFound(String),
    /// No generation details for this message id and source.
    GenerationNotFound(String),
    /// The request is well-formed but breaks business rules; one message per rule (→ 422).
    Invalid(Vec<String>),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AgentNotFound(id) => write!(f, "No Agent found for the id: {id}"),
            Self::ActionNotFound(id) => write!(f, "No Action found for the id: {id}"),
            Self::CallNotFound(id) => write!(f, "No Call Log found for the id: {id}"),
            Self::VoiceNotFound(id) => write!(f, "No Voice found for the id: {id}"),
            Self::GenerationNotFound(id) => {
                write!(f, "No generation details found for the messageId: {id}")
            }
            Self::Invalid(messages) => f.write_str(&messages.join("; ")),
        }
    }
}

impl std::error::Error for StoreError {}

/// One stored record: its JSON body plus the keys it is indexed by.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// The record's id.
    pub(crate) id: String,
    /// Creation order within its location (lists are sorted by it).
    pub(crate) seq: u64,
    /// The owning agent, for actions and call logs.
    pub(crate) agent_id: Option<String>,
    /// The fields as the API shows them, without `id`.
    pub(crate) body: Map<String, Value>,
    /// Changes whenever the record (for an agent: or one of its actions) is written.
    pub(crate) revision: Revision,
}

/// Which version of a record this is: a number no other record or earlier version of this one
/// ever had (one counter for the whole process), so a reader can cache what it derived from a
/// record by its revision. Never part of record equality.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Revision(u64);

impl Revision {
    /// A revision never handed out before.
    pub(crate) fn next() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        Self(COUNTER.fetch_add(1, Ordering::Relaxed))
    }

    /// Its number.
    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

impl Default for Revision {
    /// A fresh revision, as [`Revision::next`].
    fn default() -> Self {
        Self::next()
    }
}

impl PartialEq for Revision {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Record {
    /// The body with `id` first-class, as responses show it.
    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut out = self.body.clone();
        out.insert("id".to_owned(), Value::String(self.id.clone()));
        out
    }
}

/// Everything stored for one location.
#[derive(Debug, Default)]
pub(crate) struct Location {
    next_seq: u64,
    pub(crate) voice_agents: BTreeMap<String, Record>,
    pub(crate) voice_actions: BTreeMap<String, Record>,
    pub(crate) call_logs: call_logs::CallLogs,
    pub(crate) conversation_agents: BTreeMap<String, Record>,
    pub(crate) conversation_actions: BTreeMap<String, Record>,
    /// Every Conversation AI agent id ever issued here with its sequence, deleted ones included,
    /// so a `startAfter` cursor stays meaningful after its agent is deleted.
    pub(crate) conversation_cursor: BTreeMap<String, u64>,
    pub(crate) generations: BTreeMap<(String, String), Value>,
    /// Voice AI agents in creation order, with their lower-cased names (for `query`).
    pub(crate) voice_agent_order: AgentIndex,
    /// Conversation AI agents in creation order, with their lower-cased names.
    pub(crate) conversation_agent_order: AgentIndex,
    /// Changes on every write access to this location (and differs between any two
    /// `Location`s), so a reader can cache what it derived from the whole location.
    pub(crate) generation: Revision,
}

/// Derived indexes of one kind of agent: creation order, lower-cased names and each agent's
/// action ids in creation order. Kept beside the record maps by every write, and rebuilt from
/// them after an import ([`Location::reindex`]), so reads never scan or sort.
#[derive(Debug, Default)]
pub(crate) struct AgentIndex {
    /// Creation sequence → (agent id, lower-cased name).
    order: BTreeMap<u64, (String, String)>,
    /// Agent id → its action ids, in creation order.
    actions: HashMap<String, Vec<String>>,
}

impl AgentIndex {
    /// Records a new (or renamed) agent.
    pub(crate) fn put_agent(&mut self, seq: u64, id: &str, name: &str) {
        self.order.insert(seq, (id.to_owned(), name.to_lowercase()));
    }

    /// Forgets an agent and its action list.
    pub(crate) fn remove_agent(&mut self, seq: u64, id: &str) {
        self.order.remove(&seq);
        self.actions.remove(id);
    }

    /// Appends an action to its agent's list.
    pub(crate) fn push_action(&mut self, agent_id: &str, action_id: &str) {
        self.actions
            .entry(agent_id.to_owned())
            .or_default()
            .push(action_id.to_owned());
    }

    /// Removes an action from its agent's list.
    pub(crate) fn remove_action(&mut self, agent_id: &str, action_id: &str) {
        if let Some(list) = self.actions.get_mut(agent_id) {
            list.retain(|id| id != action_id);
        }
    }

    /// The action ids of an agent, in creation order.
    pub(crate) fn actions_of(&self, agent_id: &str) -> &[String] {
        self.actions.get(agent_id).map_or(&[], Vec::as_slice)
    }

    /// Agent ids with their lower-cased names, in creation order.
    pub(crate) fn in_order(&self) -> impl Iterator<Item = (u64, &str, &str)> {
        self.order
            .iter()
            .map(|(seq, (id, lower))| (*seq, id.as_str(), lower.as_str()))
    }

    /// Agent ids created after sequence `after`, with lower-cased names, in creation order.
    pub(crate) fn after(&self, after: u64) -> impl Iterator<Item = (&str, &str)> {
        self.order
            .range(after.saturating_add(1)..)
            .map(|(_, (id, lower))| (id.as_str(), lower.as_str()))
    }

    /// How many agents.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Rebuilds the index from the record maps.
    fn rebuild(
        agents: &BTreeMap<String, Record>,
        actions: &BTreeMap<String, Record>,
        name_field: &str,
    ) -> Self {
        let mut index = Self::default();
        for agent in agents.values() {
            let name = agent
                .body
                .get(name_field)
                .and_then(Value::as_str)
                .unwrap_or_default();
            index.put_agent(agent.seq, &agent.id, name);
        }
        for action in in_order(actions.values()) {
            if let Some(agent_id) = &action.agent_id {
                index.push_action(agent_id, &action.id);
            }
        }
        index
    }
}

/// The id generator: seeded, and never issuing the same id twice.
#[derive(Debug)]
pub(crate) struct IdGen {
    rng: ChaCha8Rng,
    issued: BTreeSet<String>,
}

impl IdGen {
    /// A generator for this seed.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            issued: BTreeSet::new(),
        }
    }

    /// A fresh 24-hex-digit id shaped like a Mongo ObjectId.
    pub(crate) fn object_id(&mut self) -> String {
        self.fresh(|rng| {
            let (a, b) = (rng.next_u64(), rng.next_u32());
            format!("{a:016x}{b:08x}")
        })
    }

    /// A fresh 20-character alphanumeric id shaped like a HighLevel location or contact id.
    pub(crate) fn alnum_id(&mut self) -> String {
        self.fresh(|rng| alnum(rng, 20))
    }

    /// A number in `0..bound` (for seeded choices such as default names).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.rng.next_u64() % bound
        }
    }

    /// Marks an id (e.g. one given by a fixture) as taken.
    pub(crate) fn reserve(&mut self, id: &str) {
        self.issued.insert(id.to_owned());
    }

    fn fresh(&mut self, make: impl Fn(&mut ChaCha8Rng) -> String) -> String {
        loop {
            let id = make(&mut self.rng);
            if self.issued.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// `len` characters of `[A-Za-z0-9]`.
pub(crate) fn alnum(rng: &mut impl Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

/// The whole in-memory state.
#[derive(Debug)]
pub struct Store {
    seed: u64,
    locations: RwLock<HashMap<String, Arc<Mutex<Location>>, foldhash::fast::RandomState>>,
    ids: Mutex<IdGen>,
    voices: Vec<Value>,
    clock: Clock,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// An empty store whose ids derive from `seed`.
    /// ```
    /// use mock_server::Store;
    /// // Arrange / Act
    /// let store = Store::new(42);
    /// // Assert
    /// assert_eq!(store.seed(), 42);
    /// ```
    pub fn new(seed: u64) -> Self {
        Self::with_clock(seed, Clock::default())
    }

    /// An empty store whose ids derive from `seed` and whose times come from `clock` (created
    /// and updated timestamps, generated and simulated call logs).
    /// ```
    /// use mock_server::{Clock, ClockSetting, Store};
    /// use serde_json::json;
    /// // Arrange
    /// let clock = Clock::new(ClockSetting::Frozen("2026-03-02T09:00:00Z".parse().expect("an instant")));
    /// let store = Store::with_clock(1, clock);
    /// // Act
    /// let id = store.add_call_log("loc", json!({}));
    /// // Assert
    /// let log = store.voice_get_call_log("loc", &id).expect("stored");
    /// assert_eq!(log["createdAt"], "2026-03-02T09:00:00.000Z");
    /// ```
    pub fn with_clock(seed: u64, clock: Clock) -> Self {
        Self {
            seed,
            locations: RwLock::new(HashMap::default()),
            ids: Mutex::new(IdGen::new(seed)),
            voices: voices::voice_catalog(seed),
            clock,
        }
    }

    /// The clock the store's times come from.
    /// ```
    /// use mock_server::Store;
    /// // Arrange / Act
    /// let store = Store::new(1);
    /// // Assert
    /// assert!(!store.clock().is_frozen());
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The seed this store was built with.
    /// ```
    /// use mock_server::Store;
    /// // Arrange
    /// let store = Store::new(7);
    /// // Act
    /// let seed = store.seed();
    /// // Assert
    /// assert_eq!(seed, 7);
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Forgets every record and restarts the id generator from the seed.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// # let obj = |v: serde_json::Value| v.as_object().cloned().expect("an object");
    /// // Arrange
    /// let store = Store::new(1);
    /// store.voice_create_agent("loc", None, obj(json!({})));
    /// // Act
    /// store.clear();
    /// // Assert
    /// assert_eq!(store.voice_list_agents("loc", None, 1, 10).0, 0);
    /// ```
    pub fn clear(&self) {
        self.locations
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        *lock(&self.ids) = IdGen::new(self.seed);
    }

    /// The ids of the locations that hold data, sorted (the dashboard's location picker).
    pub(crate) fn location_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .locations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Runs `f` with exclusive access to a location's data (created empty on first use) and the
    /// id generator.
    pub(crate) fn with_location<R>(
        &self,
        location_id: &str,
        f: impl FnOnce(&mut Location, &mut IdGen) -> R,
    ) -> R {
        let slot = {
            let read = self
                .locations
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            read.get(location_id).cloned()
        };
        let slot = match slot {
            Some(slot) => slot,
            None => {
                let mut write = self
                    .locations
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                write.entry(location_id.to_owned()).or_default().clone()
            }
        };
        let mut location = lock(&slot);
        location.generation = Revision::next();
        // Lock order is always location, then ids: no operation takes them the other way.
        let mut ids = lock(&self.ids);
        f(&mut location, &mut ids)
    }

    /// The location's current [`Location::generation`]: what a reader caches a derived answer
    /// under. Any later write gives the location a new one. `None` for a location not yet
    /// created: its answers are empty and cheap, and not worth a cache entry each.
    pub(crate) fn location_generation(&self, location_id: &str) -> Option<u64> {
        let slot = self
            .locations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(location_id)
            .cloned()?;
        Some(lock(&slot).generation.get())
    }

    /// Runs `f` with read access to a location's data, without creating it.
    pub(crate) fn read_location<R>(&self, location_id: &str, f: impl FnOnce(&Location) -> R) -> R {
        let slot = {
            let read = self
                .locations
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            read.get(location_id).cloned()
        };
        match slot {
            Some(slot) => f(&lock(&slot)),
            None => f(&Location::default()),
        }
    }
}

/// Inserts a new record, taking `id` if given (a fixture) or issuing one.
pub(crate) fn insert_record(
    map: &mut BTreeMap<String, Record>,
    seq: u64,
    id: String,
    agent_id: Option<String>,
    body: Map<String, Value>,
) -> Record {
    let record = Record {
        id: id.clone(),
        seq,
        agent_id,
        body,
        revision: Revision::next(),
    };
    map.insert(id, record.clone());
    record
}

/// Records sorted by creation order.
pub(crate) fn in_order<'a>(records: impl Iterator<Item = &'a Record>) -> Vec<&'a Record> {
    let mut out: Vec<&Record> = records.collect();
    out.sort_by_key(|r| r.seq);
    out
}

impl Location {
    /// Gives a Voice AI agent a new revision (it or one of its actions changed).
    pub(crate) fn touch_voice_agent(&mut self, agent_id: &str) {
        if let Some(agent) = self.voice_agents.get_mut(agent_id) {
            agent.revision = Revision::next();
        }
    }

    /// Gives a Conversation AI agent a new revision.
    pub(crate) fn touch_conversation_agent(&mut self, agent_id: &str) {
        if let Some(agent) = self.conversation_agents.get_mut(agent_id) {
            agent.revision = Revision::next();
        }
    }

    /// Rebuilds the derived agent indexes from the record maps (after an import).
    pub(crate) fn reindex(&mut self) {
        self.voice_agent_order =
            AgentIndex::rebuild(&self.voice_agents, &self.voice_actions, "agentName");
        self.conversation_agent_order = AgentIndex::rebuild(
            &self.conversation_agents,
            &self.conversation_actions,
            "name",
        );
    }

    /// The next creation sequence number of this location.
    pub(crate) fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (clamped to chrono's range).
pub(crate) fn rfc3339(epoch_ms: i64) -> String {
    let clamped = if epoch_ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    };
    format_rfc3339(DateTime::from_timestamp_millis(epoch_ms).unwrap_or(clamped))
}

fn format_rfc3339(at: DateTime<Utc>) -> String {
    crate::clock::format_instant(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_per_seed_and_well_shaped() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        let id = a.object_id();
        assert_eq!(id, b.object_id());
        assert_eq!(id.len(), 24);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        let alnum = a.alnum_id();
        assert_eq!(alnum.len(), 20);
        assert!(alnum.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_679_308_800_123), "2023-03-20T10:40:00.123Z");
    }
}
