//! Forward compatibility: what HighLevel adds later (enum values, action types, fields) decodes
//! through both generated clients, keeps every known field, and goes back out unchanged.
//!
//! The cases come from the specs: every place a response schema lists enum values (including
//! the tag of each action union) is one case, found by the same walker that builds the
//! invalid-payload tests (its "unknown enum value" mutations). A stub server answers each
//! operation with a spec-valid body holding that one unknown value, plus a field no schema
//! declares in every object; the client must decode it, and its re-encoding must carry the
//! body's every field unchanged. A new enum in a spec is covered with no edit here.
//!
//! The few tests that name Rust types (the `Unknown` variants, strict parsing of request
//! values) take them from the list at the end of this file.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use contract_tests::spec::{Api, Operation, ParamIn, Spec, spec};
use contract_tests::strategies::{self, Breakage, Mode, Mutation, Seg};
use serde_json::{Map, Value, json};

use crate::clients::AnyClient;
use crate::support::{Ids, Raw, runtime};

/// The key added to every object of a stub answer, as a field the API added later.
const ADDED_FIELD: &str = "fieldAddedLater";

/// A value no spec enum lists.
const ADDED_VALUE: &str = "VALUE_ADDED_LATER";

/// A stand-in for HighLevel: every request gets the status and body last set with `answer`.
struct Stub {
    base: String,
    answer: Arc<Mutex<(u16, Value)>>,
    hits: Arc<AtomicUsize>,
}

impl Stub {
    /// Binds a random local port and serves on the current runtime.
    async fn start() -> Stub {
        let answer = Arc::new(Mutex::new((200, Value::Null)));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = {
            let answer = answer.clone();
            let hits = hits.clone();
            axum::Router::new().fallback(move || {
                let (status, body) = answer.lock().expect("the stub's answer lock").clone();
                hits.fetch_add(1, Ordering::SeqCst);
                async move {
                    let status = axum::http::StatusCode::from_u16(status)
                        .expect("the spec's success status is a status");
                    (status, axum::Json(body))
                }
            })
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let base = format!(
            "http://{}",
            listener.local_addr().expect("the bound address")
        );
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the stub serves");
        });
        Stub { base, answer, hits }
    }

    fn answer(&self, status: u16, body: Value) {
        *self.answer.lock().expect("the stub's answer lock") = (status, body);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn client(&self, api: Api) -> AnyClient {
        // reqwest is built without a default TLS provider and wants one chosen even for HTTP.
        let _ = rustls::crypto::ring::default_provider().install_default();
        AnyClient::new(api, &self.base, "pit-forward-compat")
    }
}

/// One operation answering with one value its spec does not list.
struct Case {
    op: &'static Operation,
    mutation: Mutation,
    /// The answer as the spec describes it, with the unknown value in place.
    body: Value,
}

impl Case {
    fn label(&self) -> String {
        format!(
            "{} {}: {} = {}",
            self.op.api.label(),
            self.op.id,
            self.mutation.field(),
            at(&self.body, &self.mutation.path).unwrap_or(&Value::Null)
        )
    }

    /// Whether the unknown value is the tag of a union (it sits right after a `oneOf` choice).
    fn is_union_tag(&self) -> bool {
        matches!(
            self.mutation.path.as_slice(),
            [.., Seg::Variant(_), Seg::Prop(_)]
        )
    }
}

/// Every unknown-enum-value case of every operation of `api` that answers with a body.
fn cases(api: Api) -> Vec<Case> {
    let spec = spec(api);
    let mut out = Vec::new();
    for op in spec.operations.values() {
        let Some(schema) = op.response_schema.as_ref() else {
            continue;
        };
        for (i, mutation) in strategies::mutations(spec, schema, Mode::Body)
            .into_iter()
            .filter(|m| matches!(m.breakage, Breakage::UnknownEnumValue(_)))
            .enumerate()
        {
            let strategy = strategies::invalid_for(spec, schema, Mode::Body, mutation.clone());
            let seed = 0x00f0_4a4d + i as u64;
            let mut body = strategies::sample(&strategy, seed).payload;
            fill_cut_off_nulls(spec, schema, &mut body, seed);
            drop_undeclared(spec, schema, &mut body, &mutation);
            if let Breakage::UnknownEnumValue(Value::String(_)) = mutation.breakage {
                set_at(&mut body, &mutation.path, json!(ADDED_VALUE));
            }
            out.push(Case { op, mutation, body });
        }
    }
    out
}

/// The ids and query values a call of `op` needs, drawn from its parameters' schemas.
fn request_of(op: &'static Operation, seed: u64) -> (Ids, Value, Option<Value>) {
    let spec = spec(op.api);
    let mut ids = Ids::new();
    for param in op.params.iter().filter(|p| p.location == ParamIn::Path) {
        let schema: &'static Value = &param.schema;
        let value = strategies::sample(&strategies::valid(spec, schema), seed);
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        ids.insert(param.name.as_str(), text);
    }
    let query_schema: &'static Value = Box::leak(Box::new(op.query_schema(&[])));
    let query = strategies::sample(&strategies::valid_query(spec, query_schema), seed);
    let body = op.request_schema.as_ref().map(|schema| {
        let mut body = strategies::sample(&strategies::valid(spec, schema), seed);
        strategies::honour_prose_rules(&mut body);
        body
    });
    (ids, query, body)
}

/// Runs every case of `api` through its client against the stub; returns the failures.
fn run_cases(api: Api) -> (usize, Vec<String>) {
    let all = cases(api);
    let count = all.len();
    let failures = runtime().block_on(async {
        let stub = Stub::start().await;
        let client = stub.client(api);
        let mut failures = Vec::new();
        for (i, case) in all.iter().enumerate() {
            let (ids, query, request) = request_of(case.op, i as u64);
            stub.answer(case.op.success_status, with_added_fields(&case.body));
            let raw =
                crate::clients::call(&client, &case.op.id, &ids, &query, request.as_ref()).await;
            if let Err(e) = check_case(case, &raw) {
                failures.push(format!(
                    "{}\n  {e}\n  answered: {}\n  re-encoded: {}",
                    case.label(),
                    case.body,
                    raw.body
                ));
            }
        }
        failures
    });
    (count, failures)
}

/// The client decoded the answer, kept every field of it, and writes the unknown value back
/// exactly as it came (for a union: its tag and its content).
fn check_case(case: &Case, raw: &Raw) -> Result<(), String> {
    if raw.status != case.op.success_status {
        return Err(format!(
            "the client did not decode the answer: {}",
            raw.status
        ));
    }
    let mut decoded = raw.body.clone();
    drop_added_fields(&mut decoded);
    contains(&case.body, &decoded, "$")?;
    let sent = at(&case.body, &case.mutation.path).ok_or("the case lost its unknown value")?;
    let back = at(&decoded, &case.mutation.path);
    if back != Some(sent) {
        return Err(format!(
            "the unknown value came back as {back:?}, not {sent}"
        ));
    }
    if case.is_union_tag() {
        let parent = &case.mutation.path[..case.mutation.path.len() - 1];
        let (Some(Value::Object(sent)), Some(Value::Object(back))) =
            (at(&case.body, parent), at(&decoded, parent))
        else {
            return Err("the union's object is gone".into());
        };
        for (key, value) in sent {
            if !same(Some(value), back.get(key)) {
                return Err(format!(
                    "`{key}` of the unknown union member changed: {value} became {:?}",
                    back.get(key)
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn voice_ai_responses_with_unknown_enum_values_decode_through_the_client_and_round_trip() {
    let (count, failures) = run_cases(Api::VoiceAi);
    assert!(
        count >= 10,
        "the Voice AI spec has enums in its answers; found only {count} cases"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn conversation_ai_responses_with_unknown_enum_values_decode_through_the_client_and_round_trip() {
    let (count, failures) = run_cases(Api::ConversationAi);
    assert!(
        count >= 10,
        "the Conversation AI spec has enums in its answers; found only {count} cases"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_cases_cover_the_operations_that_answer_with_enums_and_each_union_tag() {
    for (api, operation_ids) in OPERATIONS_WITH_ENUMS {
        let all = cases(*api);
        for id in *operation_ids {
            let of_op: Vec<&Case> = all.iter().filter(|c| c.op.id == *id).collect();
            assert!(!of_op.is_empty(), "{} {id}: no case", api.label());
        }
        let union_tags = all.iter().filter(|c| c.is_union_tag()).count();
        assert!(
            union_tags > 0,
            "{}: no action union tag is tested",
            api.label()
        );
    }
}

#[test]
fn an_unknown_voice_ai_action_type_keeps_its_name_and_parameters_and_the_page_decodes() {
    use voice_ai_client::types::ActionKind;
    let case = union_case(Api::VoiceAi, "listAgents");
    runtime().block_on(async {
        let stub = Stub::start().await;
        stub.answer(200, with_added_fields(&case.body));
        let AnyClient::Voice(client) = stub.client(Api::VoiceAi) else {
            unreachable!("a Voice AI client")
        };
        let page = client
            .list_agents()
            .location_id("loc-forward")
            .send()
            .await
            .expect("the page decodes")
            .into_inner();
        let sent = at(
            &case.body,
            &case.mutation.path[..case.mutation.path.len() - 1],
        )
        .expect("the action is in the answer");
        let unknown = page
            .agents
            .iter()
            .flat_map(|agent| &agent.actions)
            .find_map(|action| match &action.kind {
                ActionKind::Unknown(kind) => Some(kind),
                _ => None,
            })
            .expect("the action with the unknown type is kept");
        assert_eq!(Some(unknown.tag()), sent["actionType"].as_str());
        let mut content = unknown.content().cloned().expect("its parameters are kept");
        drop_added_fields(&mut content);
        assert!(
            same(Some(&content), sent.get("actionParameters")),
            "{content}"
        );
        assert_eq!(
            page.agents.len(),
            case.body["agents"].as_array().map_or(0, Vec::len)
        );
    });
}

#[test]
fn an_unknown_conversation_ai_action_type_keeps_its_name_and_details_and_the_list_decodes() {
    use conversation_ai_client::types::ActionKind;
    let case = union_case(Api::ConversationAi, "listActions");
    runtime().block_on(async {
        let stub = Stub::start().await;
        stub.answer(200, with_added_fields(&case.body));
        let AnyClient::Conversation(client) = stub.client(Api::ConversationAi) else {
            unreachable!("a Conversation AI client")
        };
        let list = client
            .list_actions()
            .agent_id("agent-forward")
            .send()
            .await
            .expect("the list decodes")
            .into_inner();
        let sent = at(
            &case.body,
            &case.mutation.path[..case.mutation.path.len() - 1],
        )
        .expect("the action is in the answer");
        let unknown = list
            .data
            .iter()
            .find_map(|action| match &action.kind {
                ActionKind::Unknown(kind) => Some(kind),
                _ => None,
            })
            .expect("the action with the unknown type is kept");
        assert_eq!(Some(unknown.tag()), sent["type"].as_str());
        let mut content = unknown.content().cloned().expect("its details are kept");
        drop_added_fields(&mut content);
        assert!(same(Some(&content), sent.get("details")), "{content}");
        let encoded = serde_json::to_value(&list).expect("the list encodes");
        let mut encoded_back = encoded.clone();
        drop_added_fields(&mut encoded_back);
        contains(&case.body, &encoded_back, "$").expect("every field goes back out");
    });
}

#[test]
fn a_known_action_type_with_parameters_of_the_wrong_shape_is_still_an_error() {
    use voice_ai_client::types::Action;
    let action = json!({
        "id": "6650f41ba8e4b21d9c7f0a2c",
        "name": "transfer",
        "actionType": "CALL_TRANSFER",
        "actionParameters": {"transferToType": "number"},
    });
    let error = serde_json::from_value::<Action>(action).expect_err("a known tag is checked");
    assert!(
        error
            .to_string()
            .contains("`actionParameters` of `CALL_TRANSFER`"),
        "{error}"
    );
    let missing = json!({"id": "6650f41ba8e4b21d9c7f0a2c", "name": "transfer"});
    let error = serde_json::from_value::<Action>(missing).expect_err("the tag is required");
    assert!(error.to_string().contains("actionType"), "{error}");
}

#[test]
fn a_request_value_the_client_does_not_know_fails_at_send_and_nothing_is_sent() {
    runtime().block_on(async {
        let stub = Stub::start().await;
        stub.answer(200, json!({}));
        let AnyClient::Voice(voice) = stub.client(Api::VoiceAi) else {
            unreachable!("a Voice AI client")
        };
        let error = voice
            .list_call_logs()
            .location_id("loc-forward")
            .call_type(ADDED_VALUE)
            .send()
            .await
            .expect_err("an unknown call type is refused");
        assert_eq!(
            error.kind(),
            voice_ai_client::ErrorKind::InvalidRequest,
            "{error}"
        );
        let AnyClient::Conversation(conversation) = stub.client(Api::ConversationAi) else {
            unreachable!("a Conversation AI client")
        };
        let error = conversation
            .get_generation_details()
            .message_id("msg-forward")
            .source(ADDED_VALUE)
            .send()
            .await
            .expect_err("an unknown source is refused");
        assert_eq!(
            error.kind(),
            conversation_ai_client::ErrorKind::InvalidRequest,
            "{error}"
        );
        assert_eq!(stub.hits(), 0, "neither request reached the server");
    });
}

#[test]
fn every_string_enum_keeps_an_unknown_value_and_parses_only_known_ones() {
    let checked = string_enums::checked();
    for api in Api::ALL {
        for values in spec_enums(api) {
            assert!(
                checked.iter().any(|(_, known)| {
                    let mut known: Vec<&str> = known.to_vec();
                    known.sort_unstable();
                    known == values.iter().map(String::as_str).collect::<Vec<_>>()
                }),
                "{}: the enum {values:?} has no client type in the list at the end of \
                 forward_compat.rs",
                api.label()
            );
        }
    }
}

#[test]
fn a_day_of_the_week_the_client_does_not_know_is_kept_but_cannot_be_built() {
    use voice_ai_client::types::DayOfWeek;
    let day: DayOfWeek = serde_json::from_value(json!(8)).expect("an unknown day decodes");
    assert!(!day.is_known());
    assert_eq!(*day, 8);
    assert_eq!(serde_json::to_value(&day).expect("it encodes"), json!(8));
    let monday: DayOfWeek = serde_json::from_value(json!(1)).expect("a known day decodes");
    assert!(monday.is_known());
    assert!(
        DayOfWeek::try_from(8).is_err(),
        "only a listed day is built by hand"
    );
}

#[test]
fn no_generated_type_refuses_unknown_fields() {
    for crate_dir in ["voice-ai-client", "conversation-ai-client"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(crate_dir)
            .join("src/generated.rs");
        let source = std::fs::read_to_string(&path).expect("the generated code is readable");
        assert!(
            source.contains("pub mod types"),
            "{} is the generated client",
            path.display()
        );
        assert!(
            !source.contains("deny_unknown_fields"),
            "{} refuses unknown fields somewhere",
            path.display()
        );
    }
}

/// The case of `operation_id` whose unknown value is an action union's tag.
fn union_case(api: Api, operation_id: &str) -> Case {
    cases(api)
        .into_iter()
        .find(|c| c.op.id == operation_id && c.is_union_tag())
        .unwrap_or_else(|| panic!("{} {operation_id} answers with actions", api.label()))
}

/// Every string enum of `api`'s spec with more than one value (one-value enums are union tags
/// and pinned constants), values sorted.
fn spec_enums(api: Api) -> Vec<Vec<String>> {
    fn walk(value: &Value, out: &mut Vec<Vec<String>>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(values)) = map.get("enum") {
                    let mut strings: Vec<String> = values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                    strings.sort_unstable();
                    if strings.len() > 1 && strings.len() == values.len() && !out.contains(&strings)
                    {
                        out.push(strings);
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&spec(api).doc, &mut out);
    out
}

// ---- the spec-derived cases' JSON helpers ----

/// Removes the fields the schema does not declare that the payload walker's prose-rule fix-up
/// adds to every body (a top-level `language` next to `translation`), so the answer is what the
/// spec describes. The object holding an unknown union tag is left alone: no variant declares
/// its fields.
fn drop_undeclared(spec: &Spec, schema: &Value, body: &mut Value, mutation: &Mutation) {
    let union_object = match mutation.path.as_slice() {
        [parent @ .., Seg::Variant(_), Seg::Prop(_)] => Some(pointer(parent)),
        _ => None,
    };
    for field in contract_tests::schema::undeclared_fields(spec, schema, body) {
        if union_object
            .as_ref()
            .is_some_and(|o| field.starts_with(o.as_str()))
        {
            continue;
        }
        let Some((parent, key)) = field.rsplit_once('/') else {
            continue;
        };
        if let Some(Value::Object(map)) = body.pointer_mut(parent) {
            map.remove(key);
        }
    }
}

/// The JSON pointer of a path (union choices take no room in the JSON).
fn pointer(path: &[Seg]) -> String {
    path.iter()
        .filter_map(|seg| match seg {
            Seg::Prop(p) => Some(format!("/{p}")),
            Seg::Item => Some("/0".to_owned()),
            Seg::Variant(_) => None,
        })
        .collect()
}

/// Replaces each `null` the payload walker left where its depth limit cut a deep schema off
/// (a non-nullable schema) with a fresh valid value of that schema.
fn fill_cut_off_nulls(spec: &'static Spec, schema: &'static Value, value: &mut Value, seed: u64) {
    let schema = spec.resolve(schema);
    if value.is_null() {
        if schema.get("nullable") != Some(&Value::Bool(true)) && !schema.is_null() {
            *value = strategies::sample(&strategies::valid(spec, schema), seed);
        }
        return;
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            fill_cut_off_nulls(spec, part, value, seed);
        }
        return;
    }
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        // The variant whose one-value enum (its tag) matches the payload.
        let chosen = variants.iter().find(|variant| {
            let props = spec
                .resolve(variant)
                .get("properties")
                .and_then(Value::as_object);
            props.into_iter().flatten().any(|(name, prop)| {
                let values = spec.resolve(prop).get("enum").and_then(Value::as_array);
                values.is_some_and(|v| v.len() == 1 && value.get(name) == v.first())
            })
        });
        if let Some(variant) = chosen {
            fill_cut_off_nulls(spec, variant, value, seed);
        }
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (name, prop) in props.into_iter().flatten() {
                if let Some(field) = map.get_mut(name) {
                    fill_cut_off_nulls(spec, prop, field, seed);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    fill_cut_off_nulls(spec, item_schema, item, seed);
                }
            }
        }
        _ => {}
    }
}

/// Adds [`ADDED_FIELD`] to every object of `value`.
fn with_added_fields(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), with_added_fields(v)))
                .collect();
            out.insert(
                ADDED_FIELD.to_owned(),
                json!({"since": "a later API version", "values": [1, 2.5, null]}),
            );
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(with_added_fields).collect()),
        other => other.clone(),
    }
}

/// Removes [`ADDED_FIELD`] wherever the client kept it (free-form maps and unknown union
/// content keep every key, as they should).
fn drop_added_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove(ADDED_FIELD);
            map.values_mut().for_each(drop_added_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_added_fields),
        _ => {}
    }
}

/// The value at `path` (union choices take no room in the JSON).
fn at<'v>(value: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(value, |cursor, seg| match seg {
        Seg::Prop(p) => cursor.get(p.as_str()),
        Seg::Item => cursor.get(0),
        Seg::Variant(_) => Some(cursor),
    })
}

/// Replaces the value at `path`, which exists.
fn set_at(value: &mut Value, path: &[Seg], new: Value) {
    let mut cursor = value;
    for seg in path {
        cursor = match seg {
            Seg::Prop(p) => match cursor.get_mut(p.as_str()) {
                Some(next) => next,
                None => return,
            },
            Seg::Item => match cursor.get_mut(0) {
                Some(next) => next,
                None => return,
            },
            Seg::Variant(_) => cursor,
        };
    }
    *cursor = new;
}

/// Equal JSON, numbers and timestamps compared by value (`3` and `3.0` are the same number,
/// `…:19.000Z` and `…:19Z` the same instant).
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(Value::String(x)), Some(Value::String(y))) if x != y => {
            // A timestamp may come back in another RFC 3339 spelling of the same instant.
            let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
            instant(x).is_some() && instant(x) == instant(y)
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(Some(x), Some(y)))
        }
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            x.len() == y.len() && x.iter().all(|(k, v)| same(Some(v), y.get(k)))
        }
        (x, y) => x == y,
    }
}

/// Every field of `sent` is in `back` with the same value (`back` may add the defaults the
/// client fills in).
fn contains(sent: &Value, back: &Value, path: &str) -> Result<(), String> {
    match (sent, back) {
        (Value::Object(s), Value::Object(b)) => {
            for (key, value) in s {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => contains(value, other, &here)?,
                    None => return Err(format!("{here} was lost")),
                }
            }
            Ok(())
        }
        (Value::Array(s), Value::Array(b)) if s.len() == b.len() => s
            .iter()
            .zip(b)
            .enumerate()
            .try_for_each(|(i, (s, b))| contains(s, b, &format!("{path}[{i}]"))),
        _ if same(Some(sent), Some(back)) => Ok(()),
        _ => Err(format!("{path} changed: {sent} became {back}")),
    }
}

// ---- the Rust names these tests use: keep up to date with the generated clients ----

/// Operations whose answers hold enums or actions, by `operationId` (from the specs).
const OPERATIONS_WITH_ENUMS: &[(Api, &[&str])] = &[
    (
        Api::VoiceAi,
        &[
            "listAgents",
            "getAgent",
            "createAgent",
            "patchAgent",
            "listCallLogs",
            "getCallLog",
            "getAction",
            "createAction",
            "updateAction",
            "listVoices",
            "getVoice",
        ],
    ),
    (
        Api::ConversationAi,
        &[
            "searchAgents",
            "getAgent",
            "createAgent",
            "updateAgent",
            "listActions",
            "getAction",
            "createAction",
            "updateAction",
            "updateFollowupSettings",
        ],
    ),
];

mod string_enums {
    //! Every string enum of both clients, checked the same way.

    use serde_json::json;

    use super::ADDED_VALUE;

    macro_rules! check {
        ($($ty:path),* $(,)?) => {{
            let mut checked: Vec<(&'static str, &'static [&'static str])> = Vec::new();
            $({
                type T = $ty;
                let name = stringify!($ty);
                assert!(!T::values().is_empty(), "{name} lists its values");
                for value in T::values() {
                    let parsed: T = value.parse().expect("a known value parses");
                    assert!(!matches!(parsed, T::Unknown(_)), "{name}: {value} is known");
                    assert_eq!(parsed.as_str(), *value);
                    assert_eq!(serde_json::to_value(&parsed).expect("it encodes"), json!(value));
                    let decoded: T = serde_json::from_value(json!(value)).expect("it decodes");
                    assert_eq!(decoded, parsed);
                }
                assert!(ADDED_VALUE.parse::<T>().is_err(), "{name} parses only known values");
                assert!(T::try_from(ADDED_VALUE).is_err(), "{name} converts only known values");
                let decoded: T =
                    serde_json::from_value(json!(ADDED_VALUE)).expect("an unknown value decodes");
                match &decoded {
                    T::Unknown(raw) => assert_eq!(raw.as_str(), ADDED_VALUE),
                    other => panic!("{name}: {ADDED_VALUE} decoded as {other:?}"),
                }
                assert_eq!(decoded.as_str(), ADDED_VALUE);
                assert_eq!(decoded.to_string(), ADDED_VALUE);
                assert_eq!(
                    serde_json::to_value(&decoded).expect("it encodes"),
                    json!(ADDED_VALUE),
                    "{name} sends an unknown value back unchanged"
                );
                checked.push((name, T::values()));
            })*
            checked
        }};
    }

    /// Checks each listed type and returns its name and known values.
    pub(super) fn checked() -> Vec<(&'static str, &'static [&'static str])> {
        let mut all = {
            use voice_ai_client::types::*;
            check!(
                ActionType,
                TransferToType,
                HttpMethod,
                CallType,
                SortOrder,
                CallLogSortBy,
                PatienceLevel,
                VoiceAiLanguage,
                VoiceGender,
            )
        };
        all.extend({
            use conversation_ai_client::types::*;
            check!(
                ActionType,
                FollowupScenario,
                AgentMode,
                Channel,
                DelayUnit,
                TimezoneToUse,
                GenerationSource,
                HandoverType,
                SleepTimeUnit,
                StopBotDetectionType,
                TransferBotType,
                WaitTimeUnit,
            )
        });
        all
    }
}
