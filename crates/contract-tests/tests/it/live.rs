//! Live contract tests: the operation table and the reference models of both specs, called
//! through the generated clients against a server named by `HIGHLEVEL_CONTRACT_BASE_URL`,
//! `HIGHLEVEL_CONTRACT_TOKEN` and `HIGHLEVEL_CONTRACT_LOCATION_ID` (the real API, a validating
//! proxy in front of it, or the `highlevel-mock` binary, which CI starts as a separate
//! process).
//!
//! The answers get the same checks as against the in-process mock (status as declared, body
//! valid against the response schema by the independent validator, decoded by the client, no
//! undeclared field), so drift of the server fails here. Records are created only with names
//! in this run's prefix (see [`server`]), and deleted afterwards, also when a check fails. All
//! live tests share one [`pacer`] that keeps them under the vendor's 100 requests per 10 s,
//! and the clients send each call once, so a 429 fails the test instead of hiding in a retry.
//! Unset, each test passes after printing one line that says how to enable it. Nothing here
//! resets the server or calls a `/__mock` admin route: a real vendor has neither.
//!
//! This module runs every operation once ([`MAX_REQUESTS`] at most); [`models`] runs the
//! reference models' random sequences.

mod models;
pub(crate) mod pacer;
pub(crate) mod server;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use contract_tests::spec::Api;
use contract_tests::strategies::sample;
use serde_json::{Value, json};

use crate::operations::{body_strategy, fixed_body, followup_kind, id_of};
use crate::support::{Http, Ids, Raw, check_success, check_vendor_error, no_query, op};
use server::{connect, sweep};

/// Optional: a message id whose generation details exist (else an unknown one must be refused).
pub(crate) const ENV_MESSAGE_ID: &str = "HIGHLEVEL_CONTRACT_MESSAGE_ID";

/// The most requests the operation table may make.
const MAX_REQUESTS: usize = 60;

/// Calls that remember which operations ran and what they created.
struct Live {
    http: Http,
    location: String,
    prefix: String,
    called: Mutex<BTreeSet<(Api, String)>>,
    voice_agents: Mutex<Vec<String>>,
    conversation_agents: Mutex<Vec<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Live {
    async fn call(
        &self,
        api: Api,
        id: &str,
        ids: &Ids,
        query: &Value,
        body: Option<&Value>,
    ) -> Raw {
        lock(&self.called).insert((api, id.to_owned()));
        self.http.call(op(api, id), ids, query, body).await
    }

    /// Calls and asserts the declared success (see [`check_success`]).
    async fn ok(
        &self,
        api: Api,
        id: &str,
        ids: &Ids,
        query: &Value,
        body: Option<&Value>,
    ) -> Value {
        let raw = self.call(api, id, ids, query, body).await;
        check_success(op(api, id), &raw, Some(body.unwrap_or(query)));
        raw.body
    }

    fn name(&self, what: &str) -> String {
        format!("{} {what}", self.prefix)
    }

    fn sent(&self) -> usize {
        self.http.meter().map_or(0, pacer::Meter::sent)
    }
}

/// A body for `id` with its name fields carrying the run prefix.
fn named(live: &Live, api: Api, id: &str, ids: &Ids, seed: u64, name_field: &str) -> Value {
    let mut body = fixed_body(api, id, ids, seed);
    if let Some(map) = body.as_object_mut() {
        map.insert(name_field.to_owned(), json!(live.name(id)));
    }
    body
}

async fn voice_lifecycle(live: &Live) {
    let api = Api::VoiceAi;
    let mut ids = Ids::from([("locationId", live.location.clone())]);
    let body = named(live, api, "createAgent", &ids, 1, "agentName");
    let created = live
        .ok(api, "createAgent", &ids, &no_query(), Some(&body))
        .await;
    let agent = id_of(&created);
    lock(&live.voice_agents).push(agent.clone());
    ids.insert("agentId", agent.clone());
    live.ok(api, "getAgent", &ids, &no_query(), None).await;
    let listed = live
        .ok(
            api,
            "listAgents",
            &ids,
            &json!({"query": live.prefix}),
            None,
        )
        .await;
    assert!(
        listed.to_string().contains(&agent),
        "the new agent is listed: {listed}"
    );
    let patch = named(live, api, "patchAgent", &ids, 2, "agentName");
    live.ok(api, "patchAgent", &ids, &no_query(), Some(&patch))
        .await;

    let action = named(live, api, "createAction", &ids, 3, "name");
    let action_id = id_of(
        &live
            .ok(api, "createAction", &ids, &no_query(), Some(&action))
            .await,
    );
    ids.insert("actionId", action_id);
    live.ok(api, "getAction", &ids, &no_query(), None).await;
    let update = named(live, api, "updateAction", &ids, 4, "name");
    live.ok(api, "updateAction", &ids, &no_query(), Some(&update))
        .await;
    live.ok(api, "deleteAction", &ids, &no_query(), None).await;

    let logs = live
        .ok(
            api,
            "listCallLogs",
            &ids_without(&ids, "agentId"),
            &json!({"pageSize": 1}),
            None,
        )
        .await;
    if let Some(call) = logs.pointer("/callLogs/0/id").and_then(Value::as_str) {
        ids.insert("callId", call.to_owned());
        live.ok(api, "getCallLog", &ids, &no_query(), None).await;
    }
    let voices = live
        .ok(
            api,
            "listVoices",
            &Ids::new(),
            &json!({"pageSize": 1}),
            None,
        )
        .await;
    if let Some(voice) = voices.pointer("/voices/0/voiceId").and_then(Value::as_str) {
        ids.insert("voiceId", voice.to_owned());
        live.ok(api, "getVoice", &ids, &no_query(), None).await;
    }
    live.ok(api, "deleteAgent", &ids, &no_query(), None).await;
    lock(&live.voice_agents).retain(|a| *a != agent);
}

fn ids_without(ids: &Ids, name: &str) -> Ids {
    let mut out = ids.clone();
    out.remove(name);
    out
}

async fn conversation_lifecycle(live: &Live) {
    let api = Api::ConversationAi;
    let body = named(live, api, "createAgent", &Ids::new(), 5, "name");
    let agent = id_of(
        &live
            .ok(api, "createAgent", &Ids::new(), &no_query(), Some(&body))
            .await,
    );
    lock(&live.conversation_agents).push(agent.clone());
    let mut ids = Ids::from([("agentId", agent.clone())]);
    live.ok(api, "getAgent", &ids, &no_query(), None).await;
    let found = live
        .ok(
            api,
            "searchAgents",
            &Ids::new(),
            &json!({"query": live.prefix}),
            None,
        )
        .await;
    assert!(
        found.to_string().contains(&agent),
        "the new agent is found: {found}"
    );
    let update = named(live, api, "updateAgent", &ids, 6, "name");
    live.ok(api, "updateAgent", &ids, &no_query(), Some(&update))
        .await;

    let (_, kind) = followup_kind();
    let mut action = {
        // Dropped before the next await: a strategy is not `Send`.
        let strategy = body_strategy(api, "createAction");
        (0..200)
            .map(|seed| sample(&strategy, seed))
            .find(|b| b["type"] == json!(kind))
            .expect("the strategy reaches every action kind")
    };
    action["name"] = json!(live.name("action"));
    let action_id = id_of(
        &live
            .ok(api, "createAction", &ids, &no_query(), Some(&action))
            .await,
    );
    ids.insert("actionId", action_id.clone());
    live.ok(api, "listActions", &ids, &no_query(), None).await;
    live.ok(api, "getAction", &ids, &no_query(), None).await;
    live.ok(api, "updateAction", &ids, &no_query(), Some(&action))
        .await;
    let mut settings = sample(&body_strategy(api, "updateFollowupSettings"), 7);
    settings["actionIds"] = json!([action_id]);
    live.ok(
        api,
        "updateFollowupSettings",
        &ids,
        &no_query(),
        Some(&settings),
    )
    .await;
    live.ok(api, "deleteAction", &ids, &no_query(), None).await;

    match std::env::var(ENV_MESSAGE_ID).ok().filter(|m| !m.is_empty()) {
        Some(message) => {
            let query = json!({"messageId": message, "source": "conversation"});
            live.ok(api, "getGenerationDetails", &Ids::new(), &query, None)
                .await;
        }
        None => {
            let query = json!({"messageId": live.name("unknown"), "source": "conversation"});
            let raw = live
                .call(api, "getGenerationDetails", &Ids::new(), &query, None)
                .await;
            check_vendor_error(op(api, "getGenerationDetails"), &raw, "an unknown message");
        }
    }
    live.ok(api, "deleteAgent", &ids, &no_query(), None).await;
    lock(&live.conversation_agents).retain(|a| *a != agent);
}

/// Deletes what this run created: the ids it remembers, then whatever the prefix still finds.
async fn clean_up(live: &Live) -> Vec<String> {
    let voice = lock(&live.voice_agents).clone();
    let conversation = lock(&live.conversation_agents).clone();
    let mut left = sweep(
        &live.http,
        &live.location,
        Api::VoiceAi,
        &live.prefix,
        &voice,
    )
    .await;
    left.extend(
        sweep(
            &live.http,
            &live.location,
            Api::ConversationAi,
            &live.prefix,
            &conversation,
        )
        .await,
    );
    left
}

#[test]
fn every_operation_of_both_specs_passes_against_the_live_server_when_one_is_configured() {
    let Some(server) = connect() else {
        return;
    };
    let live = Arc::new(Live {
        http: server.http(),
        location: server.location.clone(),
        prefix: server.scope(),
        called: Mutex::new(BTreeSet::new()),
        voice_agents: Mutex::new(Vec::new()),
        conversation_agents: Mutex::new(Vec::new()),
    });
    let runtime = crate::support::runtime();
    let outcome = runtime.block_on({
        let live = live.clone();
        // A spawned task: a failed check ends it, not the clean-up below.
        async move {
            tokio::spawn(async move {
                voice_lifecycle(&live).await;
                conversation_lifecycle(&live).await;
            })
            .await
        }
    });
    let left = runtime.block_on(clean_up(&live));
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
    assert!(
        left.is_empty(),
        "records of this run could not be deleted: {left:?}"
    );
    let called = lock(&live.called).clone();
    let sent = live.sent();
    assert!(
        sent <= MAX_REQUESTS,
        "the operation table makes at most {MAX_REQUESTS} requests, not {sent}"
    );
    println!(
        "live contract tests: {} operations, {sent} requests, prefix {}",
        called.len(),
        live.prefix
    );
    for api in [Api::VoiceAi, Api::ConversationAi] {
        for operation in contract_tests::spec::spec(api).operations.values() {
            if called.contains(&(api, operation.id.clone())) {
                continue;
            }
            // These two read records the test cannot create: they run when the server has one.
            let needs_data = ["getCallLog", "getVoice"].contains(&operation.id.as_str());
            assert!(needs_data, "{api:?} {} was not exercised", operation.id);
            println!(
                "live contract tests: {} not run, the server has no record to read",
                operation.id
            );
        }
    }
}
