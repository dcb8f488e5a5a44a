//! Every operation of both APIs, called against an in-process mock server; every success body is
//! checked against the spec's response schema as raw JSON (independent validator, no undeclared
//! fields), and requests come from the spec-derived strategies where the operation takes input.
//!
//! [`CASES`] is the registry the coverage test reads: each entry names the operation it
//! exercises and the function that does it, so removing a test removes its operation from the
//! covered set.

use contract_tests::spec::{Api, spec};
use contract_tests::strategies::{self, honour_prose_rules, sample};
use mock_server::Fixtures;
use mock_server::MockServer;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::support::{
    Http, Ids, Transport, block_on, check_vendor_error, config, current_transport, no_query, op,
    with_ids, with_transport,
};

/// One registered operation test.
pub(crate) struct OperationCase {
    /// The API.
    pub(crate) api: Api,
    /// The `operationId` it exercises.
    pub(crate) operation_id: &'static str,
    /// The test.
    pub(crate) run: fn(),
}

const fn case(api: Api, operation_id: &'static str, run: fn()) -> OperationCase {
    OperationCase {
        api,
        operation_id,
        run,
    }
}

/// The operation tests, one per operation of both specs.
pub(crate) const CASES: &[OperationCase] = &[
    case(Api::VoiceAi, "createAgent", voice_create_agent),
    case(Api::VoiceAi, "listAgents", voice_list_agents),
    case(Api::VoiceAi, "getAgent", voice_get_agent),
    case(Api::VoiceAi, "patchAgent", voice_patch_agent),
    case(Api::VoiceAi, "deleteAgent", voice_delete_agent),
    case(Api::VoiceAi, "createAction", voice_create_action),
    case(Api::VoiceAi, "updateAction", voice_update_action),
    case(Api::VoiceAi, "getAction", voice_get_action),
    case(Api::VoiceAi, "deleteAction", voice_delete_action),
    case(Api::VoiceAi, "listCallLogs", voice_list_call_logs),
    case(Api::VoiceAi, "getCallLog", voice_get_call_log),
    case(Api::VoiceAi, "listVoices", voice_list_voices),
    case(Api::VoiceAi, "getVoice", voice_get_voice),
    case(
        Api::ConversationAi,
        "createAgent",
        conversation_create_agent,
    ),
    case(
        Api::ConversationAi,
        "searchAgents",
        conversation_search_agents,
    ),
    case(Api::ConversationAi, "getAgent", conversation_get_agent),
    case(
        Api::ConversationAi,
        "updateAgent",
        conversation_update_agent,
    ),
    case(
        Api::ConversationAi,
        "deleteAgent",
        conversation_delete_agent,
    ),
    case(
        Api::ConversationAi,
        "createAction",
        conversation_create_action,
    ),
    case(
        Api::ConversationAi,
        "listActions",
        conversation_list_actions,
    ),
    case(Api::ConversationAi, "getAction", conversation_get_action),
    case(
        Api::ConversationAi,
        "updateAction",
        conversation_update_action,
    ),
    case(
        Api::ConversationAi,
        "deleteAction",
        conversation_delete_action,
    ),
    case(
        Api::ConversationAi,
        "updateFollowupSettings",
        conversation_update_followup_settings,
    ),
    case(
        Api::ConversationAi,
        "getGenerationDetails",
        conversation_get_generation_details,
    ),
];

/// Proptest cases per operation with generated input (raise with `PROPTEST_CASES`).
const CASES_PER_OPERATION: u32 = 12;

fn run_all_cases() {
    let mut failed = Vec::new();
    for c in CASES {
        if std::panic::catch_unwind(c.run).is_err() {
            failed.push(format!("{} {}", c.api.label(), c.operation_id));
        }
    }
    assert!(
        failed.is_empty(),
        "operation tests failed (details above): {failed:#?}"
    );
}

#[test]
fn every_operation_answers_raw_http_as_its_spec_says() {
    with_transport(Transport::Raw, run_all_cases);
}

#[test]
fn every_operation_works_through_the_generated_clients() {
    with_transport(Transport::Client, run_all_cases);
}

// ----- shared set-ups -----

/// A valid request body of `api`'s `operation_id`, honouring the spec's prose rules.
pub(crate) fn body_strategy(api: Api, operation_id: &str) -> BoxedStrategy<Value> {
    let spec = spec(api);
    let schema = spec
        .op(operation_id)
        .request_schema
        .as_ref()
        .unwrap_or_else(|| panic!("{operation_id} takes a body"));
    use proptest::strategy::Strategy;
    strategies::valid(spec, schema)
        .prop_map(|mut v| {
            honour_prose_rules(&mut v);
            v
        })
        .boxed()
}

/// Valid query parameters of an operation, without the ones `ids` fills in.
pub(crate) fn query_strategy(
    api: Api,
    operation_id: &'static str,
    ids: &Ids,
) -> BoxedStrategy<Value> {
    use proptest::strategy::Strategy;
    let skip: Vec<&str> = ids.keys().copied().collect();
    let schema: &'static Value =
        Box::leak(Box::new(spec(api).op(operation_id).query_schema(&skip)));
    strategies::valid_query(spec(api), schema)
        .prop_map(|mut v| {
            honour_prose_rules(&mut v);
            v
        })
        .boxed()
}

/// A valid body drawn with a fixed seed, with `ids` filled in.
pub(crate) fn fixed_body(api: Api, operation_id: &str, ids: &Ids, seed: u64) -> Value {
    with_ids(
        op(api, operation_id),
        sample(&body_strategy(api, operation_id), seed),
        ids,
    )
}

/// Runs a property over `strategy`, panicking (after shrinking) on the first failure.
pub(crate) fn check_property<T: std::fmt::Debug>(
    name: &str,
    strategy: BoxedStrategy<T>,
    test: impl Fn(T) -> Result<(), TestCaseError>,
) {
    let file: &'static str = Box::leak(
        format!(
            "{}/proptest-regressions/operations-{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        )
        .into_boxed_str(),
    );
    let mut runner = TestRunner::new(config(file, CASES_PER_OPERATION));
    let result = crate::support::quietly(|| runner.run(&strategy, test));
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// Ids for the Voice AI calls of `server`'s dev token.
pub(crate) fn voice_ids(server: &MockServer) -> Ids {
    Ids::from([("locationId", server.location_id().to_owned())])
}

/// Creates a Voice AI agent and returns its id.
pub(crate) async fn voice_agent(http: &Http, ids: &Ids, seed: u64) -> String {
    let body = fixed_body(Api::VoiceAi, "createAgent", ids, seed);
    let created = http
        .ok(
            op(Api::VoiceAi, "createAgent"),
            ids,
            &no_query(),
            Some(&body),
        )
        .await;
    id_of(&created)
}

/// Creates a Voice AI action on `ids["agentId"]`, returning `(request, response)`.
pub(crate) async fn voice_action(http: &Http, ids: &Ids, seed: u64) -> (Value, Value) {
    let body = fixed_body(Api::VoiceAi, "createAction", ids, seed);
    let created = http
        .ok(
            op(Api::VoiceAi, "createAction"),
            ids,
            &no_query(),
            Some(&body),
        )
        .await;
    (body, created)
}

/// The `id` of a created record.
pub(crate) fn id_of(v: &Value) -> String {
    v.get("id")
        .or_else(|| v.pointer("/data/id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// Asserts every field of `sent` (but the top-level `skip`) comes back unchanged in `got`;
/// `got` may carry more (ids, server-filled defaults).
pub(crate) fn assert_echo(sent: &Value, got: &Value, skip: &[&str], context: &str) {
    for (k, v) in sent.as_object().into_iter().flatten() {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let stored = got.get(k).unwrap_or(&Value::Null);
        assert!(
            is_echo(v, stored),
            "field {k} was not stored as sent ({context})\nsent: {v}\ngot: {stored}\nwhole request: {sent}\nwhole response: {got}"
        );
    }
}

/// `sent` without the top-level fields the success response of `operation_id` does not declare:
/// a request may carry settings (Conversation AI `respondToAudio`, …) that the answer's schema
/// leaves out, so an answer that follows the spec cannot echo them.
pub(crate) fn echoable(api: Api, operation_id: &str, sent: &Value) -> Value {
    let spec = spec(api);
    let mut declared = std::collections::BTreeSet::new();
    if let Some(schema) = &spec.op(operation_id).response_schema {
        collect_properties(spec, schema, &mut declared);
    }
    match sent.as_object() {
        Some(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| declared.contains(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => sent.clone(),
    }
}

/// The property names a schema declares, through `$ref`s and `allOf`/`oneOf` members.
fn collect_properties(
    spec: &contract_tests::spec::Spec,
    schema: &Value,
    out: &mut std::collections::BTreeSet<String>,
) {
    let schema = spec.resolve(schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    for keyword in ["allOf", "oneOf"] {
        for member in schema
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_properties(spec, member, out);
        }
    }
}

/// Whether `got` holds everything of `sent`: equal scalars, arrays of the same length whose
/// elements hold the sent ones, objects with every sent key.
///
/// Through the generated clients a field may also be missing from `got`: the client's types
/// only carry what the spec declares and drop empty lists when serializing, so the typed answer
/// cannot tell "absent" from "empty" (the raw-HTTP run checks those fields strictly).
pub(crate) fn is_echo(sent: &Value, got: &Value) -> bool {
    let lenient = current_transport() == Transport::Client;
    match (sent, got) {
        (_, Value::Null) if lenient => true,
        (Value::Object(s), Value::Object(g)) => s.iter().all(|(k, v)| match g.get(k) {
            Some(gv) => is_echo(v, gv),
            None => lenient,
        }),
        (Value::Array(s), Value::Array(g)) => {
            s.len() == g.len() && s.iter().zip(g).all(|(a, b)| is_echo(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => sent == got,
    }
}

// ----- Voice AI -----

fn voice_create_agent() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = voice_ids(&server);
    let create = op(Api::VoiceAi, "createAgent");
    check_property(
        "voice-createAgent",
        body_strategy(Api::VoiceAi, "createAgent"),
        |body| {
            let body = with_ids(create, body, &ids);
            rt.block_on(async {
                let created = http.ok(create, &ids, &no_query(), Some(&body)).await;
                let expected = echoable(Api::VoiceAi, "createAgent", &body);
                assert_echo(&expected, &created, &[], "voice createAgent");
            });
            Ok(())
        },
    );
}

fn voice_list_agents() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = voice_ids(&server);
    rt.block_on(async {
        for seed in 0..3 {
            voice_agent(&http, &ids, seed).await;
        }
    });
    let list = op(Api::VoiceAi, "listAgents");
    check_property(
        "voice-listAgents",
        query_strategy(Api::VoiceAi, "listAgents", &ids),
        |query| {
            let page = rt.block_on(http.ok(list, &ids, &query, None));
            let total = page["total"].as_u64().unwrap_or(0);
            let number = query.get("page").and_then(Value::as_u64).unwrap_or(1);
            let size = query.get("pageSize").and_then(Value::as_u64).unwrap_or(10);
            assert_eq!(page["page"].as_u64(), Some(number), "{query} -> {page}");
            assert_eq!(page["pageSize"].as_u64(), Some(size), "{query} -> {page}");
            let expected = total.saturating_sub((number - 1) * size).min(size);
            let got = page["agents"].as_array().map_or(0, Vec::len) as u64;
            assert_eq!(got, expected, "page length for {query} -> {page}");
            if query.get("query").is_none() {
                assert_eq!(total, 3, "{query} -> {page}");
            } else {
                assert!(total <= 3, "{query} -> {page}");
            }
            Ok(())
        },
    );
}

fn voice_get_agent() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = voice_ids(&server);
        let body = fixed_body(Api::VoiceAi, "createAgent", &ids, 11);
        let created = http
            .ok(
                op(Api::VoiceAi, "createAgent"),
                &ids,
                &no_query(),
                Some(&body),
            )
            .await;
        ids.insert("agentId", id_of(&created));
        let got = http
            .ok(op(Api::VoiceAi, "getAgent"), &ids, &no_query(), None)
            .await;
        assert_echo(&created, &got, &[], "voice getAgent after createAgent");
        assert_eq!(got["actions"], json!([]), "a new agent has no actions");
    });
}

fn voice_patch_agent() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let mut ids = voice_ids(&server);
    let agent = rt.block_on(voice_agent(&http, &ids, 5));
    ids.insert("agentId", agent);
    let patch = op(Api::VoiceAi, "patchAgent");
    check_property(
        "voice-patchAgent",
        body_strategy(Api::VoiceAi, "patchAgent"),
        |body| {
            rt.block_on(async {
                let before = http
                    .ok(op(Api::VoiceAi, "getAgent"), &ids, &no_query(), None)
                    .await;
                let patched = http.ok(patch, &ids, &no_query(), Some(&body)).await;
                assert_echo(&body, &patched, &[], "voice patchAgent");
                let after = http
                    .ok(op(Api::VoiceAi, "getAgent"), &ids, &no_query(), None)
                    .await;
                assert_echo(&patched, &after, &[], "voice getAgent after patchAgent");
                for (k, v) in before.as_object().into_iter().flatten() {
                    if body.get(k).is_none() && k != "translation" {
                        assert_eq!(
                            after.get(k),
                            Some(v),
                            "{k} changed although the patch left it out: {body}"
                        );
                    }
                }
            });
            Ok(())
        },
    );
}

fn voice_delete_agent() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = voice_ids(&server);
        ids.insert("agentId", voice_agent(&http, &ids, 2).await);
        let (_, action) = voice_action(&http, &ids, 3).await;
        http.ok(op(Api::VoiceAi, "deleteAgent"), &ids, &no_query(), None)
            .await;
        let get = op(Api::VoiceAi, "getAgent");
        let gone = http.call(get, &ids, &no_query(), None).await;
        check_vendor_error(get, &gone, "getAgent after deleteAgent");
        ids.insert("actionId", id_of(&action));
        let get_action = op(Api::VoiceAi, "getAction");
        let orphan = http.call(get_action, &ids, &no_query(), None).await;
        check_vendor_error(
            get_action,
            &orphan,
            "getAction of an action whose agent was deleted",
        );
        let again = http
            .call(op(Api::VoiceAi, "deleteAgent"), &ids, &no_query(), None)
            .await;
        check_vendor_error(op(Api::VoiceAi, "deleteAgent"), &again, "deleteAgent twice");
    });
}

fn voice_create_action() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let mut ids = voice_ids(&server);
    ids.insert("agentId", rt.block_on(voice_agent(&http, &ids, 1)));
    let create = op(Api::VoiceAi, "createAction");
    check_property(
        "voice-createAction",
        body_strategy(Api::VoiceAi, "createAction"),
        |body| {
            let body = with_ids(create, body, &ids);
            rt.block_on(async {
                let created = http.ok(create, &ids, &no_query(), Some(&body)).await;
                assert_echo(
                    &body,
                    &created,
                    &["agentId", "locationId"],
                    "voice createAction",
                );
                let agent = http
                    .ok(op(Api::VoiceAi, "getAgent"), &ids, &no_query(), None)
                    .await;
                let listed = agent["actions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|a| a == &created);
                assert!(
                    listed,
                    "the new action is listed on its agent: {created} not in {agent}"
                );
            });
            Ok(())
        },
    );
}

fn voice_update_action() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let mut ids = voice_ids(&server);
    ids.insert("agentId", rt.block_on(voice_agent(&http, &ids, 1)));
    let (_, action) = rt.block_on(voice_action(&http, &ids, 2));
    ids.insert("actionId", id_of(&action));
    let update = op(Api::VoiceAi, "updateAction");
    check_property(
        "voice-updateAction",
        body_strategy(Api::VoiceAi, "updateAction"),
        |body| {
            let body = with_ids(update, body, &ids);
            rt.block_on(async {
                let updated = http.ok(update, &ids, &no_query(), Some(&body)).await;
                assert_echo(
                    &body,
                    &updated,
                    &["agentId", "locationId"],
                    "voice updateAction",
                );
                assert_eq!(id_of(&updated), ids["actionId"]);
                let got = http
                    .ok(op(Api::VoiceAi, "getAction"), &ids, &no_query(), None)
                    .await;
                assert_eq!(got, updated, "getAction after updateAction");
            });
            Ok(())
        },
    );
}

fn voice_get_action() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = voice_ids(&server);
        ids.insert("agentId", voice_agent(&http, &ids, 4).await);
        for seed in 0..8 {
            let (_, created) = voice_action(&http, &ids, seed).await;
            ids.insert("actionId", id_of(&created));
            let got = http
                .ok(op(Api::VoiceAi, "getAction"), &ids, &no_query(), None)
                .await;
            assert_eq!(got, created, "getAction returns what createAction returned");
        }
    });
}

fn voice_delete_action() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = voice_ids(&server);
        ids.insert("agentId", voice_agent(&http, &ids, 4).await);
        let (_, created) = voice_action(&http, &ids, 9).await;
        ids.insert("actionId", id_of(&created));
        let delete = op(Api::VoiceAi, "deleteAction");
        http.ok(delete, &ids, &no_query(), None).await;
        let get = op(Api::VoiceAi, "getAction");
        let gone = http.call(get, &ids, &no_query(), None).await;
        check_vendor_error(get, &gone, "getAction after deleteAction");
        let agent = http
            .ok(op(Api::VoiceAi, "getAgent"), &ids, &no_query(), None)
            .await;
        assert_eq!(
            agent["actions"],
            json!([]),
            "the deleted action left its agent"
        );
        let again = http.call(delete, &ids, &no_query(), None).await;
        check_vendor_error(delete, &again, "deleteAction twice");
    });
}

/// A server preloaded with the mock's demo data (agents, call logs).
fn demo_server(rt: &tokio::runtime::Runtime) -> MockServer {
    rt.block_on(MockServer::builder().fixtures(Fixtures::demo(7)).start())
}

fn voice_list_call_logs() {
    let rt = crate::support::runtime();
    let server = demo_server(&rt);
    let http = Http::new(&server);
    let ids = voice_ids(&server);
    let list = op(Api::VoiceAi, "listCallLogs");
    let all = rt.block_on(http.ok(list, &ids, &json!({"pageSize": 50}), None));
    assert!(
        all["total"].as_u64().unwrap_or(0) > 0,
        "the demo data has call logs: {all}"
    );
    check_property(
        "voice-listCallLogs",
        query_strategy(Api::VoiceAi, "listCallLogs", &ids),
        |mut query| {
            // An agent filter names one of the location's agents or none.
            if query.get("agentId").is_some() {
                let agent = all["callLogs"][0]["agentId"].clone();
                query["agentId"] = agent;
            }
            query.as_object_mut().map(|q| q.remove("contactId"));
            let page = rt.block_on(http.ok(list, &ids, &query, None));
            let size = query.get("pageSize").and_then(Value::as_u64).unwrap_or(10);
            let got = page["callLogs"].as_array().map_or(0, Vec::len) as u64;
            assert!(got <= size, "{query} -> {page}");
            Ok(())
        },
    );
}

fn voice_get_call_log() {
    block_on(async {
        let server = MockServer::builder()
            .fixtures(Fixtures::demo(7))
            .start()
            .await;
        let http = Http::new(&server);
        let mut ids = voice_ids(&server);
        let all = http
            .ok(
                op(Api::VoiceAi, "listCallLogs"),
                &ids,
                &json!({"pageSize": 50}),
                None,
            )
            .await;
        let logs = all["callLogs"].as_array().cloned().unwrap_or_default();
        assert!(!logs.is_empty(), "the demo data has call logs");
        for log in logs {
            ids.insert("callId", id_of(&log));
            let got = http
                .ok(op(Api::VoiceAi, "getCallLog"), &ids, &no_query(), None)
                .await;
            assert_eq!(got, log, "getCallLog returns the listed log");
        }
    });
}

fn voice_list_voices() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let mut ids = voice_ids(&server);
    let agent = rt.block_on(voice_agent(&http, &ids, 3));
    let list = op(Api::VoiceAi, "listVoices");
    ids.remove("locationId");
    check_property(
        "voice-listVoices",
        query_strategy(Api::VoiceAi, "listVoices", &ids),
        |mut query| {
            if query.get("agentId").is_some() {
                query["agentId"] = json!(agent);
            }
            let page = rt.block_on(http.ok(list, &ids, &query, None));
            let size = query.get("pageSize").and_then(Value::as_u64).unwrap_or(10);
            let number = query.get("page").and_then(Value::as_u64).unwrap_or(1);
            let total = page["total"].as_u64().unwrap_or(0);
            let got = page["voices"].as_array().map_or(0, Vec::len) as u64;
            assert_eq!(
                got,
                total.saturating_sub((number - 1) * size).min(size),
                "{query} -> {page}"
            );
            if let Some(language) = query.get("language") {
                for v in page["voices"].as_array().into_iter().flatten() {
                    assert_eq!(v.get("language"), Some(language), "language filter: {v}");
                }
            }
            Ok(())
        },
    );
}

fn voice_get_voice() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = Ids::new();
        let page = http
            .ok(
                op(Api::VoiceAi, "listVoices"),
                &ids,
                &json!({"pageSize": 20}),
                None,
            )
            .await;
        let voices = page["voices"].as_array().cloned().unwrap_or_default();
        assert!(!voices.is_empty(), "the catalogue has voices");
        for voice in voices {
            let id = voice["voiceId"]
                .as_str()
                .expect("a voice has a voiceId")
                .to_owned();
            ids.insert("voiceId", id);
            let got = http
                .ok(op(Api::VoiceAi, "getVoice"), &ids, &no_query(), None)
                .await;
            assert_eq!(got, voice, "getVoice returns the listed voice");
        }
    });
}

// ----- Conversation AI -----

/// Creates a Conversation AI agent and returns its id.
pub(crate) async fn conversation_agent(http: &Http, seed: u64) -> String {
    let body = fixed_body(Api::ConversationAi, "createAgent", &Ids::new(), seed);
    let created = http
        .ok(
            op(Api::ConversationAi, "createAgent"),
            &Ids::new(),
            &no_query(),
            Some(&body),
        )
        .await;
    id_of(&created)
}

/// Creates a Conversation AI action on `ids["agentId"]`; returns the response.
pub(crate) async fn conversation_action(http: &Http, ids: &Ids, seed: u64) -> Value {
    let body = fixed_body(Api::ConversationAi, "createAction", ids, seed);
    http.ok(
        op(Api::ConversationAi, "createAction"),
        ids,
        &no_query(),
        Some(&body),
    )
    .await
}

fn conversation_create_agent() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let create = op(Api::ConversationAi, "createAgent");
    check_property(
        "conversation-createAgent",
        body_strategy(Api::ConversationAi, "createAgent"),
        |body| {
            rt.block_on(async {
                let created = http.ok(create, &Ids::new(), &no_query(), Some(&body)).await;
                let expected = echoable(Api::ConversationAi, "createAgent", &body);
                assert_echo(&expected, &created, &[], "conversation createAgent");
                assert_eq!(created["actions"], json!([]), "a new agent has no actions");
            });
            Ok(())
        },
    );
}

fn conversation_search_agents() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = Ids::new();
    let agents: Vec<String> = rt.block_on(async {
        let mut out = Vec::new();
        for seed in 0..3 {
            out.push(conversation_agent(&http, seed).await);
        }
        out
    });
    let search = op(Api::ConversationAi, "searchAgents");
    check_property(
        "conversation-searchAgents",
        query_strategy(Api::ConversationAi, "searchAgents", &ids),
        |mut query| {
            if query.get("startAfter").is_some() {
                query["startAfter"] = json!(agents[0]);
            }
            let page = rt.block_on(http.ok(search, &ids, &query, None));
            let listed = page
                .get("agents")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as u64;
            assert_eq!(
                page["count"].as_u64(),
                Some(listed),
                "count is the page length: {query} -> {page}"
            );
            assert_eq!(
                page["totalCount"].as_u64(),
                Some(3),
                "totalCount counts the location: {query} -> {page}"
            );
            if let Some(limit) = query.get("limit").and_then(Value::as_u64) {
                assert!(listed <= limit, "{query} -> {page}");
            }
            Ok(())
        },
    );
}

fn conversation_get_agent() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let body = fixed_body(Api::ConversationAi, "createAgent", &Ids::new(), 21);
        let created = http
            .ok(
                op(Api::ConversationAi, "createAgent"),
                &Ids::new(),
                &no_query(),
                Some(&body),
            )
            .await;
        let ids = Ids::from([("agentId", id_of(&created))]);
        let got = http
            .ok(op(Api::ConversationAi, "getAgent"), &ids, &no_query(), None)
            .await;
        assert_echo(
            &created,
            &got,
            &[],
            "conversation getAgent after createAgent",
        );
    });
}

fn conversation_update_agent() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = Ids::from([("agentId", rt.block_on(conversation_agent(&http, 4)))]);
    let update = op(Api::ConversationAi, "updateAgent");
    check_property(
        "conversation-updateAgent",
        body_strategy(Api::ConversationAi, "updateAgent"),
        |body| {
            rt.block_on(async {
                let updated = http.ok(update, &ids, &no_query(), Some(&body)).await;
                let expected = echoable(Api::ConversationAi, "updateAgent", &body);
                assert_echo(&expected, &updated, &[], "conversation updateAgent");
                let got = http
                    .ok(op(Api::ConversationAi, "getAgent"), &ids, &no_query(), None)
                    .await;
                assert_echo(
                    &updated,
                    &got,
                    &["updatedAt"],
                    "conversation getAgent after updateAgent",
                );
            });
            Ok(())
        },
    );
}

fn conversation_delete_agent() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = Ids::from([("agentId", conversation_agent(&http, 8).await)]);
        let action = conversation_action(&http, &ids, 1).await;
        let deleted = http
            .ok(
                op(Api::ConversationAi, "deleteAgent"),
                &ids,
                &no_query(),
                None,
            )
            .await;
        assert_eq!(
            deleted["id"].as_str(),
            Some(ids["agentId"].as_str()),
            "{deleted}"
        );
        let get = op(Api::ConversationAi, "getAgent");
        let gone = http.call(get, &ids, &no_query(), None).await;
        let messages = check_vendor_error(get, &gone, "getAgent after deleteAgent");
        assert_eq!(
            gone.status, 400,
            "this API answers an unknown agent with 400: {}",
            gone.body
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("No Agent found for the id")),
            "the vendor's unknown-agent message: {messages:?}"
        );
        ids.insert("actionId", id_of(&action));
        let get_action = op(Api::ConversationAi, "getAction");
        let orphan = http.call(get_action, &ids, &no_query(), None).await;
        check_vendor_error(get_action, &orphan, "getAction after its agent was deleted");
    });
}

fn conversation_create_action() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = Ids::from([("agentId", rt.block_on(conversation_agent(&http, 2)))]);
    let create = op(Api::ConversationAi, "createAction");
    check_property(
        "conversation-createAction",
        body_strategy(Api::ConversationAi, "createAction"),
        |body| {
            rt.block_on(async {
                let created = http.ok(create, &ids, &no_query(), Some(&body)).await;
                assert_echo(&body, &created["data"], &[], "conversation createAction");
                let agent = http
                    .ok(op(Api::ConversationAi, "getAgent"), &ids, &no_query(), None)
                    .await;
                let id = id_of(&created);
                let listed = agent["actions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|a| a["id"] == json!(id));
                assert!(listed, "the agent lists its new action: {agent}");
            });
            Ok(())
        },
    );
}

fn conversation_list_actions() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let ids = Ids::from([("agentId", conversation_agent(&http, 3).await)]);
        let list = op(Api::ConversationAi, "listActions");
        let empty = http.ok(list, &ids, &no_query(), None).await;
        assert_eq!(empty["data"], json!([]), "a new agent has no actions");
        let mut created = Vec::new();
        for seed in 0..5 {
            created.push(conversation_action(&http, &ids, seed).await["data"].clone());
        }
        let listed = http.ok(list, &ids, &no_query(), None).await;
        assert_eq!(
            listed["data"],
            json!(created),
            "listActions returns the created actions in order"
        );
    });
}

fn conversation_get_action() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = Ids::from([("agentId", conversation_agent(&http, 3).await)]);
        for seed in 0..8 {
            let created = conversation_action(&http, &ids, seed).await;
            ids.insert("actionId", id_of(&created));
            let got = http
                .ok(
                    op(Api::ConversationAi, "getAction"),
                    &ids,
                    &no_query(),
                    None,
                )
                .await;
            assert_eq!(
                got["data"], created["data"],
                "getAction returns what createAction returned"
            );
        }
    });
}

fn conversation_update_action() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let mut ids = Ids::from([("agentId", rt.block_on(conversation_agent(&http, 6)))]);
    let created = rt.block_on(conversation_action(&http, &ids, 6));
    ids.insert("actionId", id_of(&created));
    let update = op(Api::ConversationAi, "updateAction");
    check_property(
        "conversation-updateAction",
        body_strategy(Api::ConversationAi, "updateAction"),
        |body| {
            rt.block_on(async {
                let updated = http.ok(update, &ids, &no_query(), Some(&body)).await;
                assert_echo(&body, &updated["data"], &[], "conversation updateAction");
                let got = http
                    .ok(
                        op(Api::ConversationAi, "getAction"),
                        &ids,
                        &no_query(),
                        None,
                    )
                    .await;
                assert_eq!(got["data"], updated["data"], "getAction after updateAction");
            });
            Ok(())
        },
    );
}

fn conversation_delete_action() {
    block_on(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = Ids::from([("agentId", conversation_agent(&http, 3).await)]);
        let created = conversation_action(&http, &ids, 3).await;
        ids.insert("actionId", id_of(&created));
        let delete = op(Api::ConversationAi, "deleteAction");
        let deleted = http.ok(delete, &ids, &no_query(), None).await;
        assert_eq!(
            deleted.pointer("/data/id").and_then(Value::as_str),
            Some(ids["actionId"].as_str())
        );
        let get = op(Api::ConversationAi, "getAction");
        let gone = http.call(get, &ids, &no_query(), None).await;
        check_vendor_error(get, &gone, "getAction after deleteAction");
        let listed = http
            .ok(
                op(Api::ConversationAi, "listActions"),
                &ids,
                &no_query(),
                None,
            )
            .await;
        assert_eq!(listed["data"], json!([]), "{listed}");
        let again = http.call(delete, &ids, &no_query(), None).await;
        check_vendor_error(delete, &again, "deleteAction twice");
    });
}

/// The `ActionKind` tag value whose content declares `followupSettings`.
pub(crate) fn followup_kind() -> (usize, String) {
    let spec = spec(Api::ConversationAi);
    let (tag, content) = spec
        .action_kind_fields()
        .expect("the spec has an ActionKind");
    let variants = spec
        .schema("ActionKind")
        .and_then(|k| k.get("oneOf"))
        .and_then(Value::as_array)
        .expect("ActionKind is a oneOf");
    variants
        .iter()
        .enumerate()
        .find_map(|(i, v)| {
            let v = spec.resolve(v);
            let details = spec.resolve(v.pointer(&format!("/properties/{content}"))?);
            details.pointer("/properties/followupSettings")?;
            let value = spec
                .resolve(v.pointer(&format!("/properties/{tag}"))?)
                .pointer("/enum/0")?;
            Some((i, value.as_str()?.to_owned()))
        })
        .expect("one action kind carries followupSettings")
}

fn conversation_update_followup_settings() {
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = Ids::from([("agentId", rt.block_on(conversation_agent(&http, 6)))]);
    let (_, kind) = followup_kind();
    let action_id = rt.block_on(async {
        let strategy = body_strategy(Api::ConversationAi, "createAction");
        let body = (0..200)
            .map(|seed| sample(&strategy, seed))
            .find(|b| b["type"] == json!(kind))
            .expect("the strategy reaches every action kind");
        let created = http
            .ok(
                op(Api::ConversationAi, "createAction"),
                &ids,
                &no_query(),
                Some(&body),
            )
            .await;
        id_of(&created)
    });
    let update = op(Api::ConversationAi, "updateFollowupSettings");
    check_property(
        "conversation-updateFollowupSettings",
        body_strategy(Api::ConversationAi, "updateFollowupSettings"),
        |mut body| {
            body["actionIds"] = json!([action_id]);
            rt.block_on(async {
                let updated = http.ok(update, &ids, &no_query(), Some(&body)).await;
                let applied = updated
                    .pointer("/data/details/followupSettings")
                    .unwrap_or(&Value::Null);
                assert!(
                    is_echo(&body["followupSettings"], applied),
                    "the settings were applied: {body} -> {updated}"
                );
            });
            Ok(())
        },
    );
}

fn conversation_get_generation_details() {
    let spec = spec(Api::ConversationAi);
    let schema = spec
        .op("getGenerationDetails")
        .response_schema
        .as_ref()
        .expect("getGenerationDetails answers with a body");
    let details = sample(&strategies::valid(spec, schema), 3);
    let sources = spec
        .op("getGenerationDetails")
        .param("source")
        .map(|p| spec.resolve(&p.schema))
        .and_then(|s| s.get("enum"))
        .and_then(Value::as_array)
        .cloned()
        .expect("source is an enum");
    block_on(async {
        let mut generations = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            generations.push(
                json!({"messageId": format!("msg-{i}"), "source": source, "details": details}),
            );
        }
        let fixtures =
            Fixtures::from_value(&json!({"generations": generations})).expect("valid fixtures");
        let server = MockServer::builder().fixtures(fixtures).start().await;
        let http = Http::new(&server);
        let get = op(Api::ConversationAi, "getGenerationDetails");
        for (i, source) in sources.iter().enumerate() {
            let got = http
                .ok(
                    get,
                    &Ids::new(),
                    &json!({"messageId": format!("msg-{i}"), "source": source}),
                    None,
                )
                .await;
            assert!(
                is_echo(&details, &got),
                "the generation is returned as stored: {details} -> {got}"
            );
        }
        let unknown = http
            .call(
                get,
                &Ids::new(),
                &json!({"messageId": "nope", "source": sources[0]}),
                None,
            )
            .await;
        check_vendor_error(get, &unknown, "getGenerationDetails of an unknown message");
    });
}
