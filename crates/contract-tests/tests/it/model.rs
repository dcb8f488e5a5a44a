//! The reference model both APIs share: agents, each with actions, created, read, listed,
//! changed and deleted in random order. The model ([`Machine`]) knows which records are alive
//! and what they hold; the system under test ([`Sut`]) runs each step against a mock server and
//! checks the answer against the model's state before and after the step.
//!
//! Records are named by creation index (the model cannot know the ids the server will issue);
//! the SUT maps indexes to real ids. Steps may name deleted records on purpose: that is the
//! "use after delete" check. `preconditions` re-check every index because shrinking removes
//! steps, including the ones that created the records later steps name.
//!
//! What differs between the APIs (operation names, id placement, response wrapping, page or
//! cursor listing) comes from a [`Flavor`]. [`run_model`] runs a flavour's sequences over raw
//! HTTP or through the generated clients; inputs of a recorded gap for that transport are not
//! generated.
//!
//! Where the sequences run is the [`Target`]: a fresh in-process mock per sequence, whose whole
//! state is the model's, or a live server that holds other records too (see [`crate::live`]).
//! There each sequence names every record it creates or renames with its own prefix
//! (`<scope>-<nnnn> <generated name>`, the same renaming for what it sends and what it
//! expects), lists only its own records (the APIs' name filter), and deletes what it left when
//! it ends, passed or failed.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use contract_tests::spec::Api;
use mock_server::MockServer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use serde_json::{Map, Value, json};

use crate::live::server::{Server, max_length, scoped_name, sweep};
use crate::operations::{assert_echo, body_strategy, echoable, id_of};
use crate::support::{
    Http, Ids, Transport, check_vendor_error, no_query, op, quietly, runtime, with_ids,
    with_transport,
};

/// What one API does its own way.
pub(crate) trait Flavor: 'static {
    /// The API.
    const API: Api;
    /// `patchAgent` or `updateAgent`.
    const UPDATE_AGENT: &'static str;
    /// The body field of an agent's name (`agentName` or `name`).
    const AGENT_NAME: &'static str;
    /// Ids for a call on `agent` / `action` (the location comes from `location`).
    fn ids(location: &str, agent: Option<&str>, action: Option<&str>) -> Ids;
    /// The action inside an action response.
    fn action_of(response: &Value) -> &Value;
    /// Every agent id of the location, walking the listing operation with pages of `size`;
    /// checks each page's counters against `alive`. With `filter`, only the agents the
    /// listing's name filter finds for it (and `alive` counts only those).
    async fn walk(
        http: &Http,
        location: &str,
        size: u32,
        alive: usize,
        filter: Option<&str>,
    ) -> Vec<String>;
    /// The action ids an agent (as returned by `getAgent`) lists.
    fn listed_action_ids(agent: &Value) -> Vec<String> {
        agent["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }
    /// Extra checks of a live agent's actions (full objects for Voice AI).
    async fn check_agent_actions(
        http: &Http,
        location: &str,
        agent: &str,
        agent_body: &Value,
        expected: &[(String, Value)],
    );
}

/// One modelled agent.
#[derive(Debug, Clone)]
pub(crate) struct ModelAgent {
    alive: bool,
    fields: Map<String, Value>,
}

/// One modelled action.
#[derive(Debug, Clone)]
pub(crate) struct ModelAction {
    agent: usize,
    alive: bool,
    body: Value,
}

/// The model's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    agents: Vec<ModelAgent>,
    actions: Vec<ModelAction>,
}

impl State {
    fn alive_agents(&self) -> usize {
        self.agents.iter().filter(|a| a.alive).count()
    }
}

/// One step of a random sequence.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    CreateAgent(Value),
    GetAgent(usize),
    UpdateAgent(usize, Value),
    DeleteAgent(usize),
    CreateAction(usize, Value),
    GetAction(usize),
    UpdateAction(usize, Value),
    DeleteAction(usize),
    /// Walk every page of the listing with this page size / limit.
    ListAll(u32),
}

/// The body fields a record is stored with (routing fields dropped).
fn stored(mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        map.remove("locationId");
        map.remove("agentId");
    }
    body
}

/// Valid bodies of an operation.
fn bodies(api: Api, operation_id: &'static str) -> BoxedStrategy<Value> {
    body_strategy(api, operation_id)
}

/// Where a model's sequences run.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A fresh in-process mock server per sequence: the model's state is the server's.
    Fresh,
    /// A live server shared with records the model does not know.
    Live(Box<LiveTarget>),
}

/// One test's share of a live server: its scope, its caller, what its clean-ups left.
#[derive(Debug, Clone)]
pub(crate) struct LiveTarget {
    /// The server.
    pub(crate) server: Arc<Server>,
    /// This test's scope: sequence `n` names its records `<scope>-<n, 4 hex>`.
    pub(crate) scope: String,
    /// The caller every sequence uses (one request count for the test).
    pub(crate) http: Http,
    sequences: Arc<AtomicUsize>,
    left: Arc<Mutex<Vec<String>>>,
}

impl LiveTarget {
    /// A new scope of `server` for one test.
    pub(crate) fn new(server: Arc<Server>) -> LiveTarget {
        LiveTarget {
            scope: server.scope(),
            http: server.http(),
            server,
            sequences: Arc::new(AtomicUsize::new(0)),
            left: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The sequences started so far (shrinking included).
    pub(crate) fn sequences(&self) -> usize {
        self.sequences.load(Ordering::SeqCst)
    }

    /// What the sequences' clean-ups could not delete.
    pub(crate) fn left(&self) -> Vec<String> {
        self.left
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

thread_local! {
    /// The target of the model running on this thread: `Sut::init_test` gets no other input.
    static TARGET: RefCell<Target> = const { RefCell::new(Target::Fresh) };
}

/// Runs the model of `F` on `target` through `transport` (a live target always goes through
/// the generated clients), as `config` says.
pub(crate) fn run_model<F: Flavor>(target: Target, transport: Transport, config: Config) {
    let previous = TARGET.with(|t| t.replace(target));
    with_transport(transport, || {
        let mut runner = TestRunner::new(config.clone());
        let result = quietly(|| {
            runner.run(
                &Machine::<F>::sequential_strategy(1..24),
                |(initial, steps, seen)| {
                    Sut::<F>::test_sequential(config.clone(), initial, steps, seen);
                    Ok(())
                },
            )
        });
        TARGET.with(|t| t.replace(previous));
        if let Err(e) = result {
            panic!("{e}");
        }
    });
}

/// The reference state machine of a flavour.
pub(crate) struct Machine<F>(PhantomData<F>);

impl<F: Flavor> ReferenceStateMachine for Machine<F> {
    type State = State;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<State> {
        Just(State::default()).boxed()
    }

    fn transitions(state: &State) -> BoxedStrategy<Step> {
        let api = F::API;
        let create = bodies(api, "createAgent").prop_map(Step::CreateAgent);
        let list = (1u32..=4).prop_map(Step::ListAll);
        if state.agents.is_empty() {
            return prop_oneof![3 => create, 1 => list].boxed();
        }
        let agents = state.agents.len();
        let get = (0..agents).prop_map(Step::GetAgent);
        let update =
            (0..agents, bodies(api, F::UPDATE_AGENT)).prop_map(|(a, b)| Step::UpdateAgent(a, b));
        let delete = (0..agents).prop_map(Step::DeleteAgent);
        let create_action =
            (0..agents, bodies(api, "createAction")).prop_map(|(a, b)| Step::CreateAction(a, b));
        if state.actions.is_empty() {
            return prop_oneof![
                2 => create, 1 => list, 2 => get, 2 => update, 1 => delete, 3 => create_action,
            ]
            .boxed();
        }
        let actions = state.actions.len();
        let get_action = (0..actions).prop_map(Step::GetAction);
        let update_action =
            (0..actions, bodies(api, "updateAction")).prop_map(|(k, b)| Step::UpdateAction(k, b));
        let delete_action = (0..actions).prop_map(Step::DeleteAction);
        prop_oneof![
            2 => create, 2 => list, 2 => get, 2 => update, 1 => delete, 3 => create_action,
            2 => get_action, 2 => update_action, 1 => delete_action,
        ]
        .boxed()
    }

    fn preconditions(state: &State, step: &Step) -> bool {
        match step {
            Step::CreateAgent(_) | Step::ListAll(_) => true,
            Step::GetAgent(a)
            | Step::UpdateAgent(a, _)
            | Step::DeleteAgent(a)
            | Step::CreateAction(a, _) => *a < state.agents.len(),
            Step::GetAction(k) | Step::UpdateAction(k, _) | Step::DeleteAction(k) => {
                *k < state.actions.len()
            }
        }
    }

    fn apply(mut state: State, step: &Step) -> State {
        match step {
            Step::CreateAgent(body) => state.agents.push(ModelAgent {
                alive: true,
                fields: stored(body.clone())
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            }),
            Step::UpdateAgent(a, body) => {
                let agent = &mut state.agents[*a];
                if agent.alive {
                    for (k, v) in body.as_object().into_iter().flatten() {
                        agent.fields.insert(k.clone(), v.clone());
                    }
                }
            }
            Step::DeleteAgent(a) => {
                state.agents[*a].alive = false;
                for action in state.actions.iter_mut().filter(|x| x.agent == *a) {
                    action.alive = false;
                }
            }
            Step::CreateAction(a, body) => {
                if state.agents[*a].alive {
                    state.actions.push(ModelAction {
                        agent: *a,
                        alive: true,
                        body: stored(body.clone()),
                    });
                }
            }
            Step::UpdateAction(k, body) => {
                if state.actions[*k].alive {
                    state.actions[*k].body = stored(body.clone());
                }
            }
            Step::DeleteAction(k) => state.actions[*k].alive = false,
            Step::GetAgent(_) | Step::GetAction(_) | Step::ListAll(_) => {}
        }
        state
    }
}

/// The server a sequence runs against.
enum Scope {
    /// Kept alive for the whole sequence (the server stops when dropped).
    Fresh(
        #[allow(dead_code, reason = "held, never read: dropping it stops the server")] MockServer,
    ),
    /// The sequence's prefix on a live server.
    Live {
        target: Box<LiveTarget>,
        prefix: String,
    },
}

/// The system under test: a server, and the real ids of the modelled records.
pub(crate) struct Sut<F: Flavor> {
    rt: Option<tokio::runtime::Runtime>,
    scope: Scope,
    http: Http,
    location: String,
    agents: Vec<String>,
    /// Indexes into `agents` of the agents this sequence deleted.
    deleted: BTreeSet<usize>,
    actions: Vec<String>,
    before: State,
    flavor: PhantomData<F>,
}

impl<F: Flavor> Sut<F> {
    /// `body` of `operation_id` with its name in this sequence's prefix (live only): an
    /// agent's name when the body sets one or creates the agent, an action's always.
    fn named(&self, operation_id: &str, mut body: Value) -> Value {
        let Scope::Live { prefix, .. } = &self.scope else {
            return body;
        };
        let action = operation_id.ends_with("Action");
        let field = if action { "name" } else { F::AGENT_NAME };
        if let Value::Object(map) = &mut body {
            let original = map.get(field).and_then(Value::as_str);
            if original.is_some() || action || operation_id == "createAgent" {
                let max = max_length(F::API, operation_id, field);
                let name = scoped_name(prefix, original.unwrap_or_default(), max);
                map.insert(field.to_owned(), Value::String(name));
            }
        }
        body
    }

    /// The agent `a` as the model holds it, named as it was sent.
    fn agent_fields(&self, state: &State, a: usize) -> Value {
        self.named("createAgent", Value::Object(state.agents[a].fields.clone()))
    }

    /// The listing's name filter: this sequence's prefix (live only).
    fn filter(&self) -> Option<&str> {
        match &self.scope {
            Scope::Fresh(_) => None,
            Scope::Live { prefix, .. } => Some(prefix),
        }
    }

    fn ids(&self, agent: Option<usize>, action: Option<usize>) -> Ids {
        F::ids(
            &self.location,
            agent.map(|a| self.agents[a].as_str()),
            action.map(|k| self.actions[k].as_str()),
        )
    }

    async fn refused(&self, operation_id: &str, ids: &Ids, body: Option<&Value>, what: &str) {
        let operation = op(F::API, operation_id);
        let raw = self.http.call(operation, ids, &no_query(), body).await;
        check_vendor_error(operation, &raw, what);
    }

    async fn run(&mut self, before: &State, after: &State, step: Step) {
        let api = F::API;
        match step {
            Step::CreateAgent(body) => {
                let ids = self.ids(None, None);
                let body = self.named("createAgent", with_ids(op(api, "createAgent"), body, &ids));
                let created = self
                    .http
                    .ok(op(api, "createAgent"), &ids, &no_query(), Some(&body))
                    .await;
                let expected = echoable(api, "createAgent", &stored(body));
                assert_echo(&expected, &created, &[], "createAgent");
                self.agents.push(id_of(&created));
            }
            Step::GetAgent(a) => {
                let ids = self.ids(Some(a), None);
                if !before.agents[a].alive {
                    return self
                        .refused("getAgent", &ids, None, "getAgent after deleteAgent")
                        .await;
                }
                let got = self
                    .http
                    .ok(op(api, "getAgent"), &ids, &no_query(), None)
                    .await;
                let expected = echoable(api, "getAgent", &self.agent_fields(before, a));
                assert_echo(&expected, &got, &[], "getAgent");
                let expected: Vec<(String, Value)> = before
                    .actions
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.agent == a && x.alive)
                    .map(|(k, x)| {
                        let body = self.named("createAction", x.body.clone());
                        (self.actions[k].clone(), body)
                    })
                    .collect();
                let listed: BTreeSet<String> = F::listed_action_ids(&got).into_iter().collect();
                let wanted: BTreeSet<String> = expected.iter().map(|(id, _)| id.clone()).collect();
                assert_eq!(
                    listed, wanted,
                    "getAgent lists exactly the agent's live actions: {got}"
                );
                F::check_agent_actions(
                    &self.http,
                    &self.location,
                    &self.agents[a],
                    &got,
                    &expected,
                )
                .await;
            }
            Step::UpdateAgent(a, body) => {
                let ids = self.ids(Some(a), None);
                let body = self.named(F::UPDATE_AGENT, body);
                if !before.agents[a].alive {
                    return self
                        .refused(
                            F::UPDATE_AGENT,
                            &ids,
                            Some(&body),
                            "update after deleteAgent",
                        )
                        .await;
                }
                let updated = self
                    .http
                    .ok(op(api, F::UPDATE_AGENT), &ids, &no_query(), Some(&body))
                    .await;
                let expected = echoable(api, F::UPDATE_AGENT, &body);
                assert_echo(&expected, &updated, &[], F::UPDATE_AGENT);
                let expected = echoable(api, F::UPDATE_AGENT, &self.agent_fields(after, a));
                assert_echo(&expected, &updated, &[], "the agent after the update");
            }
            Step::DeleteAgent(a) => {
                let ids = self.ids(Some(a), None);
                if !before.agents[a].alive {
                    return self
                        .refused("deleteAgent", &ids, None, "deleteAgent twice")
                        .await;
                }
                self.http
                    .ok(op(api, "deleteAgent"), &ids, &no_query(), None)
                    .await;
                self.deleted.insert(a);
                // Its actions went with it.
                for (k, x) in before
                    .actions
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.agent == a && x.alive)
                {
                    let ids = self.ids(Some(x.agent), Some(k));
                    self.refused(
                        "getAction",
                        &ids,
                        None,
                        "getAction of a deleted agent's action",
                    )
                    .await;
                }
            }
            Step::CreateAction(a, body) => {
                let ids = self.ids(Some(a), None);
                let body = self.named(
                    "createAction",
                    with_ids(op(api, "createAction"), body, &ids),
                );
                if !before.agents[a].alive {
                    return self
                        .refused(
                            "createAction",
                            &ids,
                            Some(&body),
                            "createAction on a deleted agent",
                        )
                        .await;
                }
                let created = self
                    .http
                    .ok(op(api, "createAction"), &ids, &no_query(), Some(&body))
                    .await;
                assert_echo(&stored(body), F::action_of(&created), &[], "createAction");
                self.actions.push(id_of(F::action_of(&created)));
            }
            Step::GetAction(k) => {
                let x = &before.actions[k];
                let ids = self.ids(Some(x.agent), Some(k));
                if !x.alive {
                    return self
                        .refused("getAction", &ids, None, "getAction after delete")
                        .await;
                }
                let got = self
                    .http
                    .ok(op(api, "getAction"), &ids, &no_query(), None)
                    .await;
                let expected = self.named("createAction", x.body.clone());
                assert_echo(&expected, F::action_of(&got), &[], "getAction");
            }
            Step::UpdateAction(k, body) => {
                let x = &before.actions[k];
                let ids = self.ids(Some(x.agent), Some(k));
                let body = self.named(
                    "updateAction",
                    with_ids(op(api, "updateAction"), body, &ids),
                );
                if !x.alive {
                    return self
                        .refused(
                            "updateAction",
                            &ids,
                            Some(&body),
                            "updateAction after delete",
                        )
                        .await;
                }
                let updated = self
                    .http
                    .ok(op(api, "updateAction"), &ids, &no_query(), Some(&body))
                    .await;
                assert_echo(&stored(body), F::action_of(&updated), &[], "updateAction");
            }
            Step::DeleteAction(k) => {
                let x = &before.actions[k];
                let ids = self.ids(Some(x.agent), Some(k));
                if !x.alive {
                    return self
                        .refused("deleteAction", &ids, None, "deleteAction twice")
                        .await;
                }
                self.http
                    .ok(op(api, "deleteAction"), &ids, &no_query(), None)
                    .await;
            }
            Step::ListAll(size) => {
                let alive = before.alive_agents();
                let listed = F::walk(&self.http, &self.location, size, alive, self.filter()).await;
                let unique: BTreeSet<&String> = listed.iter().collect();
                assert_eq!(
                    unique.len(),
                    listed.len(),
                    "an agent was listed twice across pages: {listed:?}"
                );
                let alive: BTreeSet<&String> = before
                    .agents
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.alive)
                    .map(|(i, _)| &self.agents[i])
                    .collect();
                assert_eq!(
                    unique, alive,
                    "walking every page lists exactly the live agents"
                );
            }
        }
    }
}

impl<F: Flavor> StateMachineTest for Sut<F> {
    type SystemUnderTest = Self;
    type Reference = Machine<F>;

    fn init_test(_: &State) -> Self {
        let rt = runtime();
        let (scope, http, location) = match TARGET.with(|t| t.borrow().clone()) {
            Target::Fresh => {
                let server = rt.block_on(MockServer::start());
                let http = Http::new(&server);
                let location = server.location_id().to_owned();
                (Scope::Fresh(server), http, location)
            }
            Target::Live(target) => {
                let n = target.sequences.fetch_add(1, Ordering::SeqCst);
                assert!(n < 0x1_0000, "a live test runs at most 65536 sequences");
                let prefix = format!("{}-{n:04x}", target.scope);
                let http = target.http.clone();
                let location = target.server.location.clone();
                (Scope::Live { target, prefix }, http, location)
            }
        };
        Sut {
            rt: Some(rt),
            scope,
            http,
            location,
            agents: Vec::new(),
            deleted: BTreeSet::new(),
            actions: Vec::new(),
            before: State::default(),
            flavor: PhantomData,
        }
    }

    fn apply(mut sut: Self, after: &State, step: Step) -> Self {
        let before = std::mem::take(&mut sut.before);
        // The server task runs on this runtime, so only `Runtime::block_on` drives it.
        let rt = sut.rt.take().expect("the runtime is back after every step");
        rt.block_on(sut.run(&before, after, step));
        sut.rt = Some(rt);
        sut.before = after.clone();
        sut
    }
}

impl<F: Flavor> Drop for Sut<F> {
    /// On a live server, deletes what the sequence left (its agents not deleted, then whatever
    /// its prefix still finds), also when a step failed; never panics (it may run while a
    /// failed step unwinds), so what it cannot delete is kept for the test to report.
    fn drop(&mut self) {
        let Scope::Live { target, prefix } = &self.scope else {
            return;
        };
        let known: Vec<String> = self
            .agents
            .iter()
            .enumerate()
            .filter(|(a, _)| !self.deleted.contains(a))
            .map(|(_, id)| id.clone())
            .collect();
        let rt = self.rt.take().unwrap_or_else(runtime);
        let left = rt.block_on(sweep(&self.http, &self.location, F::API, prefix, &known));
        target
            .left
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(left);
    }
}

/// A JSON page request for the listing walkers.
pub(crate) fn page_query(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// Asserts a counter of a listing response.
pub(crate) fn assert_counter(page: &Value, field: &str, expected: usize, context: &str) {
    assert_eq!(page[field], json!(expected), "{field} of {context}: {page}");
}
