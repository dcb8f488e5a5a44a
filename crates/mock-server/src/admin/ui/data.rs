//! The dashboard's read-only data routes under `/__mock/ui/api/`: the locations, one location's
//! agents and generations, one page of its call logs, and webhook deliveries with their
//! signatures checked. They read the store directly, so the page's own reads never enter the
//! journal, and never load more than one page of call logs.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::super::error::AdminError;
use crate::AppState;
use crate::store::voice_ai::CallLogFilter;

/// The most agents of each kind one state answer lists.
const AGENT_LIMIT: usize = 200;
/// The most generations one state answer lists.
const GENERATION_LIMIT: usize = 200;
/// The most deliveries one answer lists (newest first).
const DELIVERY_LIMIT: usize = 200;
/// The largest call-log page, as the vendor's `pageSize` allows.
const MAX_PAGE_SIZE: u64 = 50;

type Params = Query<Vec<(String, String)>>;

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn location(state: &AppState, query: &[(String, String)]) -> String {
    param(query, "locationId").map_or_else(|| state.location_id().to_owned(), str::to_owned)
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// `GET /__mock/ui/api/overview`: the default location and every location that holds data or
/// that a token acts for.
pub(crate) async fn overview(State(state): State<AppState>) -> Response {
    let mut locations = state.store().location_ids();
    locations.push(state.location_id().to_owned());
    locations.extend(state.registered_tokens().into_iter().map(|t| t.location_id));
    locations.sort_unstable();
    locations.dedup();
    ok(json!({
        "defaultLocationId": state.location_id(),
        "locations": locations,
    }))
}

/// `GET /__mock/ui/api/state?locationId=`: Voice AI agents with their actions, Conversation AI
/// agents with their actions (follow-up settings inside `advancedFollowup` actions), the
/// generations and the number of call logs.
pub(crate) async fn location_state(
    State(state): State<AppState>,
    Query(query): Params,
) -> Response {
    let location_id = location(&state, &query);
    let body = state.store().read_location(&location_id, |location| {
        let voice: Vec<Value> = location
            .voice_agent_order
            .in_order()
            .filter_map(|(_, id, _)| location.voice_agents.get(id))
            .take(AGENT_LIMIT)
            .map(|agent| crate::store::voice_ai::agent_json(location, agent, true))
            .collect();
        let conversation: Vec<Value> = location
            .conversation_agent_order
            .in_order()
            .filter_map(|(_, id, _)| location.conversation_agents.get(id))
            .take(AGENT_LIMIT)
            .map(|agent| {
                let mut out = agent.to_json();
                let actions: Vec<Value> = location
                    .conversation_agent_order
                    .actions_of(&agent.id)
                    .iter()
                    .filter_map(|id| location.conversation_actions.get(id))
                    .map(|a| Value::Object(a.to_json()))
                    .collect();
                out.insert("actions".into(), Value::Array(actions));
                Value::Object(out)
            })
            .collect();
        let generations: Vec<Value> = location
            .generations
            .iter()
            .take(GENERATION_LIMIT)
            .map(|((message_id, source), details)| {
                json!({"messageId": message_id, "source": source, "details": details})
            })
            .collect();
        json!({
            "locationId": location_id,
            "voiceAgents": voice,
            "voiceAgentCount": location.voice_agents.len(),
            "conversationAgents": conversation,
            "conversationAgentCount": location.conversation_agents.len(),
            "generations": generations,
            "generationCount": location.generations.len(),
        })
    });
    let mut body = body;
    body["callLogCount"] = json!(state.store().call_log_count(&location_id));
    ok(body)
}

/// `GET /__mock/ui/api/call-logs`: one page of call logs through the store's indexed query,
/// with the vendor's filters (`agentId`, `contactId`, `callType`, `startDate`/`endDate` in epoch
/// ms, `actionType`, `sortBy`, `sort`, `page`, `pageSize` ≤ 50); 422 naming each bad filter.
pub(crate) async fn call_logs(
    State(state): State<AppState>,
    Query(query): Params,
) -> Result<Response, AdminError> {
    let mut problems = Vec::new();
    let mut number = |name: &str, min: u64, max: u64, default: u64| match param(&query, name) {
        None => default,
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                problems.push(format!("{name} must be a whole number from {min} to {max}"));
                default
            }
        },
    };
    let page = number("page", 1, u64::from(u32::MAX), 1);
    let page_size = number("pageSize", 1, MAX_PAGE_SIZE, 10);
    let date = |name: &str, problems: &mut Vec<String>| {
        param(&query, name).and_then(|text| match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(format!("{name} must be epoch milliseconds"));
                None
            }
        })
    };
    let start_ms = date("startDate", &mut problems);
    let end_ms = date("endDate", &mut problems);
    if let (Some(start), Some(end)) = (start_ms, end_ms)
        && start >= end
    {
        problems.push("startDate must be less than endDate".to_owned());
    }
    let trial = match param(&query, "callType") {
        None => None,
        Some("LIVE") => Some(false),
        Some("TRIAL") => Some(true),
        Some(_) => {
            problems.push("callType must be one of the following values: LIVE, TRIAL".to_owned());
            None
        }
    };
    let sort_by = param(&query, "sortBy");
    if sort_by.is_some_and(|s| s != "duration" && s != "createdAt") {
        problems.push("sortBy must be one of the following values: duration, createdAt".to_owned());
    }
    let sort = param(&query, "sort");
    if sort.is_some_and(|s| s != "ascend" && s != "descend") {
        problems.push("sort must be one of the following values: ascend, descend".to_owned());
    }
    if !problems.is_empty() {
        return Err(AdminError::Invalid(problems));
    }
    let list = |name: &str| crate::api::voice_ai::call_logs::comma_list(param(&query, name));
    let filter = CallLogFilter {
        agent_id: param(&query, "agentId").map(str::to_owned),
        contact_ids: list("contactId"),
        trial,
        start_ms,
        end_ms,
        action_types: list("actionType"),
        sort_by: sort_by.map(str::to_owned),
        ascending: sort_by.is_some() && sort == Some("ascend"),
    };
    let location_id = location(&state, &query);
    let (total, logs) = state
        .store()
        .voice_list_call_logs(&location_id, &filter, page, page_size);
    Ok(ok(json!({
        "locationId": location_id,
        "total": total,
        "page": page,
        "pageSize": page_size,
        "callLogs": logs,
    })))
}

/// Whether `signature` (base64) is a valid Ed25519 signature of `body` under the public key
/// the mock publishes (`spkiDerBase64` of `GET /__mock/webhooks/public-key`), checked as a
/// receiver would: from the published key, not the signing key pair.
pub(crate) fn signature_valid(spki_base64: &str, body: &[u8], signature: &str) -> bool {
    /// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the key's 32 bytes follow.
    const SPKI_PREFIX: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    let (Ok(spki), Ok(signature)) = (BASE64.decode(spki_base64), BASE64.decode(signature)) else {
        return false;
    };
    let Some(raw) = spki
        .strip_prefix(&SPKI_PREFIX[..])
        .filter(|k| k.len() == 32)
    else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, raw)
        .verify(body, &signature)
        .is_ok()
}

/// `GET /__mock/ui/api/deliveries`: the newest deliveries (at most 200) with every attempt,
/// each with `signature`: `valid`, `invalid`, or `unknown` once its event's bytes are no longer
/// kept, and the event as sent.
pub(crate) async fn deliveries(State(state): State<AppState>) -> Response {
    let spki = state.webhook_public_key().spki_base64();
    let all = state.webhook_deliveries();
    let total = all.len();
    let live = state.journal().live();
    let shown: Vec<Value> = all
        .into_iter()
        .rev()
        .take(DELIVERY_LIMIT)
        .map(|delivery| {
            let mut value = serde_json::to_value(&delivery).unwrap_or_else(|_| json!({}));
            let (verdict, event, signature) = match live.signed(&delivery.webhook_id) {
                Some((body, signature)) => (
                    if signature_valid(&spki, &body, &signature) {
                        "valid"
                    } else {
                        "invalid"
                    },
                    serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
                    Value::String(signature),
                ),
                None => ("unknown", Value::Null, Value::Null),
            };
            if let Some(object) = value.as_object_mut() {
                object.insert("signature".into(), json!(verdict));
                object.insert("signatureHeader".into(), signature);
                object.insert("event".into(), event);
            }
            value
        })
        .collect();
    ok(json!({"total": total, "publicKey": spki, "deliveries": shown}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    #[test]
    fn a_signature_checks_out_only_for_the_bytes_and_key_it_was_made_with() {
        let pair = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).expect("a key pair");
        let mut spki = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki.extend_from_slice(pair.public_key().as_ref());
        let spki = BASE64.encode(&spki);
        let signature = BASE64.encode(pair.sign(b"{\"a\":1}").as_ref());
        assert!(signature_valid(&spki, b"{\"a\":1}", &signature));
        assert!(!signature_valid(&spki, b"{\"a\":2}", &signature));
        let other = Ed25519KeyPair::from_seed_unchecked(&[8; 32]).expect("a key pair");
        let forged = BASE64.encode(other.sign(b"{\"a\":1}").as_ref());
        assert!(!signature_valid(&spki, b"{\"a\":1}", &forged));
        assert!(!signature_valid("not base64!", b"{\"a\":1}", &signature));
    }
}
