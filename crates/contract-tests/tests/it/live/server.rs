//! The live server the live tests share: where it is (from the environment), the run prefix
//! every record they create is named with, and the sweep that deletes those records.
//!
//! A run is named `ct-<unix seconds, 8 hex><random, 4 hex>`; each test (and each model
//! sequence) takes a scope under it, `<run>-<nn>` (and `<run>-<nn>-<nnnn>`), of fixed width,
//! so no scope is a substring of another's names. Records are found again with the APIs' own
//! name filters (`listAgents` `query`, `searchAgents` `query`) and a check that the name
//! starts with the scope. The first test to connect also deletes what earlier runs left
//! behind: records named by this scheme whose run is older than [`STALE_AFTER`] (a kill can
//! leave some; younger ones may belong to a run still going elsewhere).

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use contract_tests::spec::Api;
use serde_json::{Value, json};

use super::pacer::{Meter, Pacer, WINDOW};
use crate::support::{Http, Ids, Raw, no_query, op};

/// The server's base URL, e.g. `https://services.leadconnectorhq.com`.
pub(crate) const ENV_BASE_URL: &str = "HIGHLEVEL_CONTRACT_BASE_URL";
/// A sub-account token with every scope of both APIs.
pub(crate) const ENV_TOKEN: &str = "HIGHLEVEL_CONTRACT_TOKEN";
/// The token's location.
pub(crate) const ENV_LOCATION_ID: &str = "HIGHLEVEL_CONTRACT_LOCATION_ID";

/// What every record name of this scheme starts with.
const SCHEME: &str = "ct-";
/// Records of a run older than this are leftovers, swept by the next run.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(30 * 60);
/// Tries of one clean-up call that the server answers with 429.
const CLEAN_UP_ATTEMPTS: u32 = 3;
/// Pages a search for records walks at most (of 50 Voice AI or 100 Conversation AI agents).
const MAX_PAGES: u32 = 10;

/// The live server and this run's names.
pub(crate) struct Server {
    base: String,
    token: String,
    /// The token's location.
    pub(crate) location: String,
    /// This run's prefix, `ct-<hex>`.
    pub(crate) run: String,
    pacer: Arc<Pacer>,
    scopes: AtomicUsize,
}

/// The live server named by the environment, shared by every live test of this process; `None`
/// (after one line on stdout saying how to enable the test) when it is not configured.
///
/// Call it outside any runtime: the first call sweeps leftovers of earlier runs.
pub(crate) fn connect() -> Option<Arc<Server>> {
    static SERVER: OnceLock<Option<Arc<Server>>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (base, token, location) =
            match (read(ENV_BASE_URL), read(ENV_TOKEN), read(ENV_LOCATION_ID)) {
                (Some(base), Some(token), Some(location)) => (base, token, location),
                _ => return None,
            };
        let server = Arc::new(Server {
            base,
            token,
            location,
            run: run_prefix(SystemTime::now()),
            pacer: Arc::new(Pacer::default()),
            scopes: AtomicUsize::new(0),
        });
        let http = server.http();
        let left = crate::support::block_on(sweep_stale(&http, &server.location));
        println!(
            "live server: run prefix {}, {} requests to sweep earlier runs' leftovers",
            server.run,
            http.meter().map_or(0, Meter::sent)
        );
        for problem in left {
            println!("live server: a leftover stays: {problem}");
        }
        Some(server)
    });
    if server.is_none() {
        println!(
            "live contract test skipped: set {ENV_BASE_URL}, {ENV_TOKEN} and {ENV_LOCATION_ID} \
             to run it against a server"
        );
    }
    server.clone()
}

impl std::fmt::Debug for Server {
    /// Everything but the token, which is sent and never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("base", &self.base)
            .field("location", &self.location)
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A caller of the server with its own request count, paced with every other.
    pub(crate) fn http(&self) -> Http {
        Http::live(&self.base, &self.token, Meter::new(self.pacer.clone()))
    }

    /// A new scope of this run, `<run>-<nn>`, for one test.
    pub(crate) fn scope(&self) -> String {
        let n = self.scopes.fetch_add(1, Ordering::SeqCst);
        assert!(n < 0x100, "a run has at most 256 scopes");
        format!("{}-{n:02x}", self.run)
    }
}

/// `ct-<seconds><random>` for a run started at `now`.
fn run_prefix(now: SystemTime) -> String {
    let seconds = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut random = std::collections::hash_map::RandomState::new().build_hasher();
    random.write_u32(std::process::id());
    format!(
        "{SCHEME}{:08x}{:04x}",
        seconds & 0xffff_ffff,
        random.finish() & 0xffff
    )
}

/// When the run that named `name` started, if the name follows this scheme.
fn run_started(name: &str) -> Option<SystemTime> {
    let rest = name.strip_prefix(SCHEME)?;
    let (run, _) = rest.split_once('-')?;
    if run.len() != 12 || !run.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let seconds = u64::from_str_radix(&run[..8], 16).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// `original` renamed into `scope`: `<scope> <original>` (`<scope>` alone for an empty one),
/// cut to `max` characters.
pub(crate) fn scoped_name(scope: &str, original: &str, max: Option<usize>) -> String {
    let name = if original.is_empty() {
        scope.to_owned()
    } else {
        format!("{scope} {original}")
    };
    match max {
        Some(max) => name.chars().take(max).collect(),
        None => name,
    }
}

/// Ids for a call on an agent of `api` (the Voice AI calls name the location).
fn agent_ids(api: Api, location: &str, agent: Option<&str>) -> Ids {
    let mut ids = Ids::new();
    if api == Api::VoiceAi {
        ids.insert("locationId", location.to_owned());
    }
    if let Some(agent) = agent {
        ids.insert("agentId", agent.to_owned());
    }
    ids
}

/// Every agent of `api` the name filter finds for `query`, as `(id, name)`, walking the pages
/// (at most [`MAX_PAGES`]).
pub(crate) async fn find(
    http: &Http,
    location: &str,
    api: Api,
    query: &str,
) -> Result<Vec<(String, String)>, String> {
    let ids = agent_ids(api, location, None);
    let (operation, name_field, size) = match api {
        Api::VoiceAi => ("listAgents", "agentName", 50),
        Api::ConversationAi => ("searchAgents", "name", 100),
    };
    let mut found: Vec<(String, String)> = Vec::new();
    for page in 1..=MAX_PAGES {
        let query = match api {
            Api::VoiceAi => json!({"query": query, "page": page, "pageSize": size}),
            Api::ConversationAi => match found.last() {
                Some((last, _)) => json!({"query": query, "limit": size, "startAfter": last}),
                None => json!({"query": query, "limit": size}),
            },
        };
        let raw = patiently(http, api, operation, &ids, &query).await;
        if raw.status != 200 {
            return Err(format!(
                "{} {operation} answered {} {}",
                api.label(),
                raw.status,
                raw.body
            ));
        }
        let agents = raw.body["agents"].as_array().cloned().unwrap_or_default();
        found.extend(agents.iter().filter_map(|agent| {
            let id = agent["id"].as_str()?;
            let name = agent[name_field].as_str().unwrap_or_default();
            Some((id.to_owned(), name.to_owned()))
        }));
        let last_page = match api {
            Api::VoiceAi => {
                let total = raw.body["total"].as_u64().unwrap_or(0);
                u64::from(page) * size >= total
            }
            Api::ConversationAi => (agents.len() as u64) < size,
        };
        if last_page {
            break;
        }
    }
    Ok(found)
}

/// Deletes the agents of `api` in `known`, then every one whose name starts with `scope`;
/// returns what could not be deleted (an agent already gone counts as deleted).
pub(crate) async fn sweep(
    http: &Http,
    location: &str,
    api: Api,
    scope: &str,
    known: &[String],
) -> Vec<String> {
    if run_started(scope).is_none() {
        // Never search wider than one run's names: the location holds others' records.
        return vec![format!(
            "{scope:?} is not a scope of this scheme: nothing swept"
        )];
    }
    let mut left = Vec::new();
    let mut done = BTreeSet::new();
    for agent in known {
        if done.insert(agent.clone()) {
            left.extend(delete(http, location, api, agent).await);
        }
    }
    match find(http, location, api, scope).await {
        Ok(found) => {
            for (agent, name) in found {
                if name.starts_with(scope) && done.insert(agent.clone()) {
                    left.extend(delete(http, location, api, &agent).await);
                }
            }
        }
        Err(problem) => left.push(problem),
    }
    left
}

/// Deletes the agents of `api` in `agents`; returns what could not be deleted.
pub(crate) async fn delete_all(
    http: &Http,
    location: &str,
    api: Api,
    agents: &[String],
) -> Vec<String> {
    let mut left = Vec::new();
    for agent in agents {
        left.extend(delete(http, location, api, agent).await);
    }
    left
}

/// Deletes one agent; `Some(problem)` unless it is gone.
async fn delete(http: &Http, location: &str, api: Api, agent: &str) -> Option<String> {
    let ids = agent_ids(api, location, Some(agent));
    let raw = patiently(http, api, "deleteAgent", &ids, &no_query()).await;
    if (200..300).contains(&raw.status) || raw.status == 404 {
        return None;
    }
    Some(format!(
        "{} agent {agent}: {} {}",
        api.label(),
        raw.status,
        raw.body
    ))
}

/// Calls `operation` for the clean-up, which must not give up on a 429 as a check does: the
/// location's budget may be spent by someone else, so it waits a [`WINDOW`] and tries again
/// (at most [`CLEAN_UP_ATTEMPTS`] times in all).
async fn patiently(http: &Http, api: Api, operation: &str, ids: &Ids, query: &Value) -> Raw {
    let mut attempt = 1;
    loop {
        let raw = http.call(op(api, operation), ids, query, None).await;
        if raw.status != 429 || attempt == CLEAN_UP_ATTEMPTS {
            return raw;
        }
        attempt += 1;
        tokio::time::sleep(WINDOW).await;
    }
}

/// Deletes the records of runs older than [`STALE_AFTER`] in both APIs.
async fn sweep_stale(http: &Http, location: &str) -> Vec<String> {
    let now = SystemTime::now();
    let stale = |name: &str| {
        run_started(name).is_some_and(|started| {
            now.duration_since(started)
                .is_ok_and(|age| age > STALE_AFTER)
        })
    };
    let mut left = Vec::new();
    for api in [Api::VoiceAi, Api::ConversationAi] {
        match find(http, location, api, SCHEME).await {
            Ok(found) => {
                for (agent, _) in found.iter().filter(|(_, name)| stale(name)) {
                    left.extend(delete(http, location, api, agent).await);
                }
            }
            Err(problem) => left.push(problem),
        }
    }
    left
}

/// The ids of the agents in `found` whose names start with `scope`.
pub(crate) fn in_scope(found: &[(String, String)], scope: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(_, name)| name.starts_with(scope))
        .map(|(id, _)| id.clone())
        .collect()
}

/// The `maxLength` of the top-level body field `field` of `operation_id`, if the spec sets one.
pub(crate) fn max_length(api: Api, operation_id: &str, field: &str) -> Option<usize> {
    let spec = contract_tests::spec::spec(api);
    let schema = op(api, operation_id).request_schema.as_ref()?;
    let property = property(spec, schema, field)?;
    bound(spec, property)
}

fn property<'a>(
    spec: &'a contract_tests::spec::Spec,
    schema: &'a Value,
    field: &str,
) -> Option<&'a Value> {
    let schema = spec.resolve(schema);
    schema
        .get("properties")
        .and_then(|p| p.get(field))
        .or_else(|| {
            schema
                .get("allOf")?
                .as_array()?
                .iter()
                .find_map(|part| property(spec, part, field))
        })
}

fn bound(spec: &contract_tests::spec::Spec, schema: &Value) -> Option<usize> {
    let schema = spec.resolve(schema);
    schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .and_then(|max| usize::try_from(max).ok())
        .or_else(|| {
            schema
                .get("allOf")?
                .as_array()?
                .iter()
                .find_map(|part| bound(spec, part))
        })
}

#[test]
fn a_run_prefix_names_its_start_and_older_runs_are_recognised_by_their_names() {
    // Arrange
    let started = UNIX_EPOCH + Duration::from_secs(0x6565_a1b2);
    // Act
    let run = run_prefix(started);
    let name = scoped_name(&format!("{run}-03-0001"), "Front Desk", Some(40));
    // Assert
    assert!(run.starts_with("ct-6565a1b2") && run.len() == 15, "{run}");
    assert_eq!(run_started(&name), Some(started), "{name}");
    assert_eq!(run_started("ct-6565a1b2 Front Desk"), None);
    assert_eq!(run_started("Front Desk"), None);
    assert_eq!(run_started("ct-zz65a1b23f9c-00 x"), None);
}

#[test]
fn a_scoped_name_starts_with_its_scope_and_keeps_the_declared_maximum_length() {
    // Arrange
    let scope = "ct-6565a1b23f9c-01-0002";
    let max = max_length(Api::VoiceAi, "createAgent", "agentName");
    // Act
    let short = scoped_name(scope, "Ava", max);
    let long = scoped_name(scope, &"x".repeat(80), max);
    // Assert
    assert_eq!(max, Some(40), "agentName declares maxLength 40");
    assert_eq!(short, "ct-6565a1b23f9c-01-0002 Ava");
    assert_eq!(scoped_name(scope, "", max), scope);
    assert!(
        long.starts_with(scope) && long.chars().count() == 40,
        "{long}"
    );
    assert_eq!(max_length(Api::ConversationAi, "createAgent", "name"), None);
}

#[test]
fn a_sweep_outside_the_scheme_deletes_nothing_and_sends_no_request() {
    // Arrange: a server nobody listens on; any request would fail and be counted.
    let meter = Meter::new(Arc::new(Pacer::default()));
    let http = Http::live("http://127.0.0.1:9", "pit-unused", meter.clone());
    // Act
    let left = crate::support::block_on(async {
        let mut left = sweep(&http, "loc", Api::VoiceAi, "", &[]).await;
        left.extend(sweep(&http, "loc", Api::ConversationAi, "ct-6565a1b23f9c", &[]).await);
        left
    });
    // Assert
    assert_eq!(left.len(), 2, "both sweeps are refused: {left:?}");
    assert_eq!(meter.sent(), 0, "a refused sweep sends nothing");
}
