//! Invalid input and isolation.
//!
//! Every way the strategies know to break a request body or query string (wrong type, missing
//! required field, number out of range, string too short or long, too few or many items,
//! unknown enum value, pattern mismatch) is sent once per operation, then random invalid
//! payloads on top. Each must get a 4xx (never a 5xx) in the vendor error shape whose message
//! names the broken field, and must leave the location's data exactly as it was (a snapshot of
//! every agent and action, compared before and after).
//!
//! Isolation: a second location's token, registered through the mock builder, can neither read
//! nor change the first location's agents and actions.

use contract_tests::spec::{Api, spec};
use contract_tests::strategies::{self, Invalid, Mode, Mutation, sample};
use mock_server::MockServer;
use mock_server::TokenSpec;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

use crate::operations::{
    conversation_action, conversation_agent, id_of, voice_action, voice_agent, voice_ids,
};
use crate::support::{
    Http, Ids, check_vendor_error, config, names_field, no_query, op, quietly, runtime,
};

/// Random invalid payloads per operation, on top of one of each kind (raise with
/// `PROPTEST_CASES`).
const RANDOM_CASES: u32 = 16;

/// Everything a location holds, read through the API: the state an invalid request must not
/// change.
async fn snapshot(http: &Http, api: Api, ids: &Ids) -> Value {
    match api {
        Api::VoiceAi => {
            let list = http
                .ok(op(api, "listAgents"), ids, &json!({"pageSize": 50}), None)
                .await;
            let mut agents = Vec::new();
            for agent in list["agents"].as_array().into_iter().flatten() {
                let mut ids = ids.clone();
                ids.insert("agentId", id_of(agent));
                agents.push(http.ok(op(api, "getAgent"), &ids, &no_query(), None).await);
            }
            json!({"list": list, "agents": agents})
        }
        Api::ConversationAi => {
            let list = http
                .ok(op(api, "searchAgents"), ids, &json!({"limit": 100}), None)
                .await;
            let mut agents = Vec::new();
            for agent in list["agents"].as_array().into_iter().flatten() {
                let ids = Ids::from([("agentId", id_of(agent))]);
                let got = http.ok(op(api, "getAgent"), &ids, &no_query(), None).await;
                let actions = http
                    .ok(op(api, "listActions"), &ids, &no_query(), None)
                    .await;
                agents.push(json!({"agent": got, "actions": actions}));
            }
            json!({"list": list, "agents": agents})
        }
    }
}

/// A location with one agent and one action, and the ids that address them.
async fn seeded(http: &Http, api: Api, server: &MockServer) -> (Ids, Map<String, Value>) {
    let mut fills = Map::new();
    match api {
        Api::VoiceAi => {
            let mut ids = voice_ids(server);
            ids.insert("agentId", voice_agent(http, &ids, 1).await);
            let (_, action) = voice_action(http, &ids, 2).await;
            ids.insert("actionId", id_of(&action));
            fills.insert("locationId".into(), json!(ids["locationId"]));
            fills.insert("agentId".into(), json!(ids["agentId"]));
            (ids, fills)
        }
        Api::ConversationAi => {
            let mut ids = Ids::from([("agentId", conversation_agent(http, 1).await)]);
            let action = conversation_action(http, &ids, 2).await;
            ids.insert("actionId", id_of(&action));
            fills.insert("actionIds".into(), json!([ids["actionId"]]));
            (ids, fills)
        }
    }
}

/// Puts the real ids into the top-level fields that carry them, except the broken one.
fn fill(invalid: &Invalid, fills: &Map<String, Value>) -> Value {
    let broken_root = invalid
        .mutation
        .field()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut payload = invalid.payload.clone();
    if let Value::Object(map) = &mut payload {
        for (k, v) in fills {
            if *k != broken_root && map.contains_key(k) {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    payload
}

/// Query parameters that name records: the test fills them in, so they are not broken (an
/// unknown id is a different refusal, checked by the models).
const ID_PARAMS: &[&str] = &[
    "locationId",
    "agentId",
    "startAfter",
    "messageId",
    "contactId",
];

/// The operations whose input the strategies can break, with where the input travels.
fn breakable(api: Api) -> Vec<(&'static str, Mode)> {
    let mut out = Vec::new();
    for (id, operation) in &spec(api).operations {
        if operation.request_schema.is_some() {
            out.push((id.as_str(), Mode::Body));
        }
        let query = operation.query_schema(ID_PARAMS);
        let schema: &'static Value = Box::leak(Box::new(query));
        if !strategies::mutations(spec(api), schema, Mode::Query).is_empty() {
            out.push((id.as_str(), Mode::Query));
        }
    }
    out
}

fn query_schema(api: Api, operation_id: &str) -> &'static Value {
    let query = spec(api).op(operation_id).query_schema(ID_PARAMS);
    Box::leak(Box::new(query))
}

/// Where invalid requests are sent: a caller, the ids of the seeded records, and the body
/// fields that carry them.
#[derive(Clone, Copy)]
struct Site<'a> {
    http: &'a Http,
    ids: &'a Ids,
    fills: &'a Map<String, Value>,
}

/// Sends one invalid payload and checks the answer and the state.
async fn check_refused(
    site: &Site<'_>,
    (api, operation_id, mode): (Api, &str, Mode),
    invalid: &Invalid,
    before: &Value,
) -> Result<(), String> {
    let Site { http, ids, fills } = *site;
    let operation = op(api, operation_id);
    let payload = fill(invalid, fills);
    let raw = match mode {
        Mode::Body => http.call(operation, ids, &no_query(), Some(&payload)).await,
        // The payload is the query; required ids are filled in from `ids`.
        Mode::Query => http.call(operation, ids, &payload, None).await,
    };
    let context = format!(
        "{} {operation_id}: {invalid}\npayload: {payload}\nanswer: {} {}",
        api.label(),
        raw.status,
        raw.body
    );
    if raw.status >= 500 || raw.status < 400 {
        return Err(format!("expected a 4xx: {context}"));
    }
    let messages = std::panic::catch_unwind(|| check_vendor_error(operation, &raw, &context))
        .map_err(|_| format!("not the vendor error shape: {context}"))?;
    let field = invalid.mutation.message_field();
    if !messages.iter().any(|m| names_field(m, &field)) {
        return Err(format!(
            "no message names `{field}`: {messages:?}\n{context}"
        ));
    }
    let after = snapshot(http, api, ids).await;
    if &after != before {
        return Err(format!(
            "the refused request changed the data: {context}\nbefore: {before}\nafter: {after}"
        ));
    }
    Ok(())
}

fn refuse_every_invalid_input(api: Api) {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let http = Http::new(&server);
    let (ids, fills) = rt.block_on(seeded(&http, api, &server));
    let mut before = rt.block_on(snapshot(&http, api, &ids));
    let mut kinds = 0;
    let site = Site {
        http: &http,
        ids: &ids,
        fills: &fills,
    };
    let mut failures = Vec::new();
    for (operation_id, mode) in breakable(api) {
        let spec = spec(api);
        let schema: &'static Value = match mode {
            Mode::Body => spec
                .op(operation_id)
                .request_schema
                .as_ref()
                .expect("has a body"),
            Mode::Query => query_schema(api, operation_id),
        };
        // One of each breakage, deterministically.
        let all: Vec<Mutation> = strategies::mutations(spec, schema, mode);
        kinds += all.len();
        for (i, mutation) in all.into_iter().enumerate() {
            let invalid = sample(
                &strategies::invalid_for(spec, schema, mode, mutation),
                i as u64,
            );
            let result = rt.block_on(check_refused(
                &site,
                (api, operation_id, mode),
                &invalid,
                &before,
            ));
            if let Err(e) = result {
                failures.push(e);
                // A wrongly accepted request changes the data; compare later ones with that.
                before = rt.block_on(snapshot(&http, api, &ids));
            }
        }
        // Then random ones, shrunk on failure.
        let strategy: BoxedStrategy<Invalid> = strategies::invalid(spec, schema, mode);
        let file: &'static str = Box::leak(
            format!(
                "{}/proptest-regressions/negative-{}-{operation_id}-{mode:?}.txt",
                env!("CARGO_MANIFEST_DIR"),
                api.label()
            )
            .into_boxed_str(),
        );
        let mut runner = TestRunner::new(config(file, RANDOM_CASES));
        let result = quietly(|| {
            runner.run(&strategy, |invalid| {
                rt.block_on(check_refused(
                    &site,
                    (api, operation_id, mode),
                    &invalid,
                    &before,
                ))
                .map_err(proptest::test_runner::TestCaseError::fail)
            })
        });
        if let Err(e) = result {
            failures.push(format!("random invalid input: {e}"));
            before = rt.block_on(snapshot(&http, api, &ids));
        }
    }
    // Not vacuous: both APIs have bodies with dozens of constrained fields.
    assert!(
        kinds >= 40,
        "only {kinds} ways to break {} inputs were found",
        api.label()
    );
    assert!(
        failures.is_empty(),
        "{} refusals failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_invalid_voice_ai_input_is_refused_with_a_4xx_naming_the_field_and_changes_nothing() {
    refuse_every_invalid_input(Api::VoiceAi);
}

#[test]
fn every_invalid_conversation_ai_input_is_refused_with_a_4xx_naming_the_field_and_changes_nothing()
{
    refuse_every_invalid_input(Api::ConversationAi);
}

const OTHER_TOKEN: &str = "pit-00000000-0000-4000-8000-00000000000b";
const OTHER_LOCATION: &str = "otherLocation0000002";

async fn two_locations() -> MockServer {
    MockServer::builder()
        .token(TokenSpec::location_pit(OTHER_TOKEN, OTHER_LOCATION))
        .start()
        .await
}

#[test]
fn a_voice_ai_token_never_reads_or_changes_another_locations_agents() {
    rt_run(async {
        let server = two_locations().await;
        let a = Http::new(&server);
        let b = Http::with_token(&server, OTHER_TOKEN);
        let mut ids = voice_ids(&server);
        ids.insert("agentId", voice_agent(&a, &ids, 1).await);
        let (_, action) = voice_action(&a, &ids, 2).await;
        ids.insert("actionId", id_of(&action));
        let before = snapshot(&a, Api::VoiceAi, &ids).await;
        let api = Api::VoiceAi;
        // B naming A's location: refused (403) for every operation on A's records.
        let patch = json!({"agentName": "Hijacked"});
        let mut action_body = crate::operations::fixed_body(api, "updateAction", &ids, 3);
        action_body["name"] = json!("Hijacked");
        let attempts: Vec<(&str, Option<&Value>)> = vec![
            ("listAgents", None),
            ("getAgent", None),
            ("patchAgent", Some(&patch)),
            ("getAction", None),
            ("updateAction", Some(&action_body)),
            ("deleteAction", None),
            ("deleteAgent", None),
            ("listCallLogs", None),
        ];
        for (operation_id, body) in &attempts {
            let raw = b
                .call(op(api, operation_id), &ids, &no_query(), *body)
                .await;
            check_vendor_error(
                op(api, operation_id),
                &raw,
                &format!("B calls {operation_id} on A's location"),
            );
            assert_eq!(
                raw.status, 403,
                "{operation_id} across locations: {}",
                raw.body
            );
        }
        // B in its own location: sees nothing of A's, cannot reach A's ids.
        let mut own = ids.clone();
        own.insert("locationId", OTHER_LOCATION.to_owned());
        let list = b.ok(op(api, "listAgents"), &own, &no_query(), None).await;
        assert_eq!(list["total"], json!(0), "B's location is empty: {list}");
        for (operation_id, body) in &attempts[1..7] {
            let raw = b
                .call(op(api, operation_id), &own, &no_query(), *body)
                .await;
            check_vendor_error(
                op(api, operation_id),
                &raw,
                &format!("B calls {operation_id} on A's ids in B's location"),
            );
        }
        let after = snapshot(&a, api, &ids).await;
        assert_eq!(after, before, "A's data changed through B's token");
    });
}

#[test]
fn a_conversation_ai_token_never_reads_or_changes_another_locations_agents() {
    rt_run(async {
        let server = two_locations().await;
        let a = Http::new(&server);
        let b = Http::with_token(&server, OTHER_TOKEN);
        let api = Api::ConversationAi;
        let mut ids = Ids::from([("agentId", conversation_agent(&a, 1).await)]);
        let action = conversation_action(&a, &ids, 2).await;
        ids.insert("actionId", id_of(&action));
        let before = snapshot(&a, api, &ids).await;
        let search = b
            .ok(op(api, "searchAgents"), &Ids::new(), &no_query(), None)
            .await;
        assert_eq!(
            search["totalCount"],
            json!(0),
            "B's location is empty: {search}"
        );
        let update = crate::operations::fixed_body(api, "updateAgent", &Ids::new(), 3);
        let action_body = crate::operations::fixed_body(api, "updateAction", &Ids::new(), 3);
        let action_new = crate::operations::fixed_body(api, "createAction", &Ids::new(), 4);
        let followup = json!({"actionIds": [ids["actionId"]], "followupSettings": {}});
        let attempts: Vec<(&str, Option<&Value>)> = vec![
            ("getAgent", None),
            ("updateAgent", Some(&update)),
            ("listActions", None),
            ("getAction", None),
            ("updateAction", Some(&action_body)),
            ("createAction", Some(&action_new)),
            ("updateFollowupSettings", Some(&followup)),
            ("deleteAction", None),
            ("deleteAgent", None),
        ];
        for (operation_id, body) in attempts {
            let raw = b.call(op(api, operation_id), &ids, &no_query(), body).await;
            check_vendor_error(
                op(api, operation_id),
                &raw,
                &format!("B calls {operation_id} on A's agent"),
            );
        }
        let after = snapshot(&a, api, &ids).await;
        assert_eq!(after, before, "A's data changed through B's token");
    });
}

fn rt_run<F: std::future::Future<Output = ()>>(future: F) {
    runtime().block_on(future);
}

/// Every scope any operation of either spec asks for.
fn all_scopes() -> Vec<String> {
    let mut scopes: Vec<String> = Api::ALL
        .iter()
        .flat_map(|api| spec(*api).operations.values().map(|o| o.scope.clone()))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

#[test]
fn every_operation_refuses_a_token_without_its_declared_scope() {
    let scopes = all_scopes();
    let mut builder = MockServer::builder();
    for scope in &scopes {
        let others: Vec<String> = scopes.iter().filter(|s| *s != scope).cloned().collect();
        let token = format!("pit-without-{scope}");
        builder = builder.token(
            TokenSpec::location_pit(token, mock_server::DEFAULT_LOCATION_ID).with_scopes(others),
        );
    }
    rt_run(async {
        let server = builder.start().await;
        let ids = voice_ids(&server);
        for api in Api::ALL {
            for operation in spec(api).operations.values() {
                let token = format!("Bearer pit-without-{}", operation.scope);
                let raw = crate::support::call_with_headers(
                    &server,
                    operation,
                    &ids,
                    Some(crate::support::VERSION),
                    Some(&token),
                )
                .await;
                let context = format!(
                    "{} {} without {}",
                    api.label(),
                    operation.id,
                    operation.scope
                );
                let messages = check_vendor_error(operation, &raw, &context);
                assert_eq!(raw.status, 401, "{context}: {}", raw.body);
                assert_eq!(
                    messages,
                    vec!["The token is not authorized for this scope.".to_owned()],
                    "{context}"
                );
            }
        }
    });
}

#[test]
fn every_operation_refuses_missing_or_bad_credentials_and_versions_as_the_vendor_does() {
    use mock_server::{TokenKind, UserType};
    const AGENCY_OAUTH: &str = "agency-oauth-token";
    const AGENCY_PIT: &str = "pit-00000000-0000-4000-8000-0000000000ac";
    rt_run(async {
        let server = MockServer::builder()
            .token(
                TokenSpec::location_pit(AGENCY_OAUTH, mock_server::DEFAULT_LOCATION_ID)
                    .issued_as(TokenKind::OAuth, UserType::Company),
            )
            .token(
                TokenSpec::location_pit(AGENCY_PIT, mock_server::DEFAULT_LOCATION_ID)
                    .issued_as(TokenKind::PrivateIntegration, UserType::Company),
            )
            .start()
            .await;
        let ids = voice_ids(&server);
        let good = format!("Bearer {}", server.dev_token());
        let agency_oauth = format!("Bearer {AGENCY_OAUTH}");
        let agency_pit = format!("Bearer {AGENCY_PIT}");
        let cases: [(Option<&str>, Option<&str>, u16, &str); 6] = [
            (
                Some(crate::support::VERSION),
                Some(agency_oauth.as_str()),
                401,
                "This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case.",
            ),
            (
                Some(crate::support::VERSION),
                Some(agency_pit.as_str()),
                401,
                "Token's user type mismatch!",
            ),
            (
                None,
                Some(good.as_str()),
                401,
                "version header was not found.",
            ),
            (
                Some("bogus-version"),
                Some(good.as_str()),
                400,
                "Invalid API version segment 'bogus-version' at position 0",
            ),
            (
                Some(crate::support::VERSION),
                Some("Bearer pit-00000000-0000-4000-8000-0000000000ff"),
                401,
                "Invalid token: access token is invalid",
            ),
            (
                Some(crate::support::VERSION),
                None,
                401,
                "Invalid token: access token is invalid",
            ),
        ];
        for api in Api::ALL {
            for operation in spec(api).operations.values() {
                for (version, auth, status, message) in cases {
                    let raw =
                        crate::support::call_with_headers(&server, operation, &ids, version, auth)
                            .await;
                    let context = format!(
                        "{} {} with Version {version:?}, Authorization {auth:?}",
                        api.label(),
                        operation.id
                    );
                    let messages = check_vendor_error(operation, &raw, &context);
                    assert_eq!(raw.status, status, "{context}: {}", raw.body);
                    assert_eq!(messages, vec![message.to_owned()], "{context}");
                }
                // Every version the vendor accepts is accepted.
                for version in ["2021-04-15", "2021-07-28", "2023-02-21", "v3", "legacy"] {
                    let raw = crate::support::call_with_headers(
                        &server,
                        operation,
                        &ids,
                        Some(version),
                        Some(&good),
                    )
                    .await;
                    assert_ne!(
                        raw.status,
                        401,
                        "{} {} refused Version {version}: {}",
                        api.label(),
                        operation.id,
                        raw.body
                    );
                    assert!(
                        raw.status < 500,
                        "{} {} with Version {version}: {}",
                        api.label(),
                        operation.id,
                        raw.body
                    );
                }
            }
        }
    });
}

#[test]
fn every_operation_with_a_body_refuses_one_over_the_size_limit_with_413() {
    rt_run(async {
        let server = MockServer::start().await;
        let http = Http::new(&server);
        let mut ids = voice_ids(&server);
        ids.insert("agentId", "unknown0000000000000".to_owned());
        ids.insert("actionId", "unknown0000000000000".to_owned());
        let huge = json!({"name": "x".repeat(mock_server::BODY_LIMIT + 1)});
        for api in Api::ALL {
            for operation in spec(api)
                .operations
                .values()
                .filter(|o| o.request_schema.is_some())
            {
                let raw = http.call(operation, &ids, &no_query(), Some(&huge)).await;
                let context = format!(
                    "{} {} with a body over the limit",
                    api.label(),
                    operation.id
                );
                check_vendor_error(operation, &raw, &context);
                assert_eq!(raw.status, 413, "{context}: {}", raw.body);
            }
        }
    });
}
