//! Tag swaps: create and update action in both APIs with a `type`/`actionType` that names one
//! valid kind and content (`details`/`actionParameters`) made for another, for every ordered
//! pair of kinds. Each must be refused with 422 in the vendor error shape, or stored and answered
//! exactly as the new kind's schema says: the content the answer (and a later read) carries
//! satisfies that kind's content schema and holds no field it does not declare.

use contract_tests::schema::{undeclared_fields, validate};
use contract_tests::spec::{Api, spec};
use contract_tests::strategies::{TagSwap, kind_content_schema, tag_swaps};
use mock_server::MockServer;
use serde_json::Value;

use crate::operations::{
    conversation_action, conversation_agent, id_of, voice_action, voice_agent, voice_ids,
};
use crate::support::{Http, Ids, Raw, check_vendor_error, no_query, op, runtime, with_ids};

/// The object in `value` (at any depth) that carries the action tag.
fn action_in<'v>(value: &'v Value, tag: &str) -> Option<&'v Value> {
    if value.get(tag).is_some() {
        return Some(value);
    }
    match value {
        Value::Object(map) => map.values().find_map(|v| action_in(v, tag)),
        _ => None,
    }
}

/// Problems with an answer that says it stored `swap`: the tag it shows and its content against
/// the new kind's schema.
fn as_new_kind(api: Api, swap: &TagSwap, answer: &Value) -> Vec<String> {
    let spec = spec(api);
    let (tag, content) = spec.action_kind_fields().expect("the spec has ActionKind");
    let Some(action) = action_in(answer, &tag) else {
        return vec![format!("no `{tag}` in the answer {answer}")];
    };
    if action[tag.as_str()] != swap.tag.as_str() {
        return vec![format!("the answer's {tag} is {}", action[tag.as_str()])];
    }
    let schema = kind_content_schema(spec, &swap.tag).expect("every kind has a content schema");
    let value = action.get(&content).cloned().unwrap_or(Value::Null);
    let mut problems = validate(spec, schema, &value);
    problems.extend(
        undeclared_fields(spec, schema, &value)
            .into_iter()
            .map(|f| format!("{content}{f} is not declared by {}", swap.tag)),
    );
    problems
}

/// A seeded location for `api`: the ids that address one agent and one action of it.
async fn seeded(http: &Http, api: Api, server: &MockServer) -> Ids {
    match api {
        Api::VoiceAi => {
            let mut ids = voice_ids(server);
            ids.insert("agentId", voice_agent(http, &ids, 1).await);
            let (_, action) = voice_action(http, &ids, 2).await;
            ids.insert("actionId", id_of(&action));
            ids
        }
        Api::ConversationAi => {
            let mut ids = Ids::from([("agentId", conversation_agent(http, 1).await)]);
            let action = conversation_action(http, &ids, 2).await;
            ids.insert("actionId", id_of(&action));
            ids
        }
    }
}

/// Sends every tag swap of create and update action; returns how many were sent and the failures.
fn send_every_tag_swap(api: Api) -> (usize, usize, Vec<String>) {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let ids = rt.block_on(seeded(&http, api, &server));
    let mut failures = Vec::new();
    let (mut sent, mut stored) = (0, 0);
    for operation_id in ["createAction", "updateAction"] {
        let operation = op(api, operation_id);
        let schema = operation.request_schema.as_ref().expect("a body");
        for swap in tag_swaps(spec(api), schema, 7) {
            let payload = with_ids(operation, swap.payload.clone(), &ids);
            let raw: Raw = rt.block_on(http.call(operation, &ids, &no_query(), Some(&payload)));
            sent += 1;
            let context = format!(
                "{} {operation_id}: tag {} with content of {}\npayload: {payload}\nanswer: {} {}",
                api.label(),
                swap.tag,
                swap.content_of,
                raw.status,
                raw.body
            );
            match raw.status {
                422 => {
                    if std::panic::catch_unwind(|| check_vendor_error(operation, &raw, &context))
                        .is_err()
                    {
                        failures.push(format!("not the vendor error shape: {context}"));
                    }
                }
                200 | 201 => {
                    stored += 1;
                    let mut problems = as_new_kind(api, &swap, &raw.body);
                    let mut read_ids = ids.clone();
                    read_ids.insert("actionId", id_of(&raw.body));
                    let read =
                        rt.block_on(http.call(op(api, "getAction"), &read_ids, &no_query(), None));
                    problems.extend(
                        as_new_kind(api, &swap, &read.body)
                            .into_iter()
                            .map(|p| format!("read back: {p}")),
                    );
                    if !problems.is_empty() {
                        failures.push(format!("{problems:?}\n{context}"));
                    }
                }
                _ => failures.push(format!("neither 422 nor stored: {context}")),
            }
        }
    }
    (sent, stored, failures)
}

fn check(api: Api) {
    let kinds = spec(api).action_kinds().len();
    let (sent, stored, failures) = send_every_tag_swap(api);
    // Every ordered pair of different kinds, for create and for update.
    assert_eq!(sent, 2 * kinds * (kinds - 1), "{}", api.label());
    assert!(
        failures.is_empty(),
        "{} of {sent} tag swaps ({stored} stored) went wrong:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_voice_ai_tag_swap_is_refused_with_422_or_stored_as_the_new_kind() {
    check(Api::VoiceAi);
}

#[test]
fn every_conversation_ai_tag_swap_is_refused_with_422_or_stored_as_the_new_kind() {
    check(Api::ConversationAi);
}
