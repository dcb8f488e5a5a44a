//! Call logs at scale (generated from the seed) and the voices catalog, over HTTP.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use mock_server::Api;
use mock_server::Fixtures;
use mock_server::MockServer;
use mock_server::StoreError;
use serde_json::{Value, json};

use crate::support::{Harness, assert_conforms, assert_error};

const SEED: u64 = 77;
/// Where these tests freeze the clock: generated logs depend on the seed and this anchor only.
const ANCHOR: &str = "2026-03-02T09:00:00Z";

/// The demo agents (with actions) and `n` generated call logs, the clock frozen at [`ANCHOR`].
fn harness(n: usize) -> Harness {
    harness_with_seed(SEED, n)
}

fn harness_with_seed(seed: u64, n: usize) -> Harness {
    Harness::with(
        MockServer::builder()
            .seed(seed)
            .fixtures(Fixtures::demo(seed))
            .clock(ANCHOR.parse().expect("an instant"))
            .call_logs(n),
    )
}

fn base(h: &Harness) -> String {
    format!("/voice-ai/dashboard/call-logs?locationId={}", h.loc())
}

/// Every log matching `query` (pages of 50), and the `total` the first page reported.
async fn all_logs(h: &Harness, query: &str) -> (u64, Vec<Value>) {
    let mut out = Vec::new();
    let mut total = None;
    for page in 1.. {
        let reply = h
            .get(&format!("{}{query}&pageSize=50&page={page}", base(h)))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        total.get_or_insert(reply.body["total"].as_u64().expect("a total"));
        let logs = reply.body["callLogs"].as_array().expect("a list").clone();
        if logs.is_empty() {
            break;
        }
        out.extend(logs);
    }
    (total.unwrap_or(0), out)
}

fn ids(logs: &[Value]) -> Vec<String> {
    logs.iter()
        .map(|l| l["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn generated_call_logs_conform_to_the_spec_and_look_like_real_calls() {
    let h = harness(300);
    let reply = h.get(&format!("{}&pageSize=50", base(&h))).await;
    assert_conforms(Api::VoiceAi, "listCallLogs", &reply, StatusCode::OK);
    assert_eq!(
        reply.body["total"], 301,
        "300 generated and the demo's own log"
    );
    let (_, logs) = all_logs(&h, "").await;
    let agents: BTreeSet<String> = logs
        .iter()
        .map(|l| l["agentId"].as_str().expect("an agent").to_owned())
        .collect();
    assert!(agents.len() >= 3, "spread over the demo's agents");
    let mut with_actions = 0;
    for log in logs.iter().filter(|l| l["messageId"].is_string()) {
        let id = log["id"].as_str().expect("an id");
        assert!(
            id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
        let from = log["fromNumber"].as_str().expect("a number");
        assert!(from.starts_with("+1") && from.len() == 12, "{from}");
        assert!(from[1..].bytes().all(|b| b.is_ascii_digit()), "{from}");
        let contact = log["contactId"].as_str().expect("a contact");
        assert!(contact.len() == 20 && contact.bytes().all(|b| b.is_ascii_alphanumeric()));
        for line in log["transcript"].as_str().expect("a transcript").lines() {
            assert!(
                line.starts_with("bot:") || line.starts_with("human:"),
                "{line}"
            );
            assert!(!line.starts_with("bot: ") && !line.starts_with("human: "));
        }
        assert!(log["duration"].is_number(), "{}", log["duration"]);
        assert!(log["summary"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(log["messageId"].as_str().is_some_and(|s| s.len() == 20));
        assert!(log["extractedData"].is_object());
        for action in log["executedCallActions"].as_array().expect("a list") {
            with_actions += 1;
            let action_id = action["actionId"].as_str().expect("an action id");
            let stored = h
                .get(&format!(
                    "/voice-ai/actions/{action_id}?locationId={}",
                    h.loc()
                ))
                .await;
            assert_eq!(
                stored.status,
                StatusCode::OK,
                "the action is the agent's own"
            );
            assert_eq!(stored.body["actionType"], action["actionType"]);
            assert!(action["executedAt"].as_str() >= action["triggerReceivedAt"].as_str());
        }
    }
    assert!(with_actions > 0, "some calls ran actions");
}

#[tokio::test]
async fn the_same_seed_generates_the_same_call_logs_and_another_seed_others() {
    let (_, a) = all_logs(&harness(120), "").await;
    let (_, b) = all_logs(&harness(120), "").await;
    let (_, c) = all_logs(&harness_with_seed(SEED + 1, 120), "").await;
    assert_eq!(a, b);
    assert_ne!(ids(&a), ids(&c));
}

#[tokio::test]
async fn generated_calls_fall_within_ninety_days_of_one_another() {
    let (_, logs) = all_logs(&harness(200), "&sortBy=createdAt&sort=ascend").await;
    let generated: Vec<&Value> = logs.iter().filter(|l| l["messageId"].is_string()).collect();
    let first = generated.first().expect("logs")["createdAt"]
        .as_str()
        .expect("a time");
    let last = generated.last().expect("logs")["createdAt"]
        .as_str()
        .expect("a time");
    assert!(first < last);
    let year = |t: &str| t[..4].parse::<i32>().expect("a year");
    assert!((2025..=2027).contains(&year(first)) && (2025..=2027).contains(&year(last)));
}

#[tokio::test]
async fn an_agent_filter_returns_only_and_all_of_that_agents_calls() {
    let h = harness(200);
    let (_, logs) = all_logs(&h, "").await;
    let agent = logs[0]["agentId"].as_str().expect("an agent").to_owned();
    let expected: Vec<&Value> = logs.iter().filter(|l| l["agentId"] == agent).collect();
    let (total, filtered) = all_logs(&h, &format!("&agentId={agent}")).await;
    assert_eq!(total as usize, expected.len());
    assert_eq!(filtered.iter().collect::<Vec<_>>(), expected);
    let (none, _) = all_logs(&h, "&agentId=000000000000000000000000").await;
    assert_eq!(none, 0);
}

#[tokio::test]
async fn a_contact_list_returns_the_calls_of_any_listed_contact() {
    let h = harness(300);
    let (_, logs) = all_logs(&h, "").await;
    let a = logs[0]["contactId"].as_str().expect("a contact").to_owned();
    let b = logs[1]["contactId"].as_str().expect("a contact").to_owned();
    let (one, single) = all_logs(&h, &format!("&contactId={a}")).await;
    assert!(one >= 1 && single.iter().all(|l| l["contactId"] == a));
    let wanted: Vec<&Value> = logs
        .iter()
        .filter(|l| l["contactId"] == a || l["contactId"] == b)
        .collect();
    let (both, listed) = all_logs(&h, &format!("&contactId={a},{b},unknownContact00000")).await;
    assert_eq!(both as usize, wanted.len());
    assert_eq!(listed.iter().collect::<Vec<_>>(), wanted);
    let busiest = logs
        .iter()
        .map(|l| {
            logs.iter()
                .filter(|m| m["contactId"] == l["contactId"])
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(
        busiest >= 3,
        "contacts come from a pool, so some call several times"
    );
}

#[tokio::test]
async fn call_types_split_the_calls_into_live_and_trial_ones() {
    let h = harness(300);
    let (all, _) = all_logs(&h, "").await;
    let (live, live_logs) = all_logs(&h, "&callType=LIVE").await;
    let (trial, trial_logs) = all_logs(&h, "&callType=TRIAL").await;
    assert_eq!(live + trial, all);
    assert!(trial > 0 && live > trial);
    assert!(live_logs.iter().all(|l| l["trialCall"] == false));
    assert!(trial_logs.iter().all(|l| l["trialCall"] == true));
}

#[tokio::test]
async fn an_action_type_list_matches_calls_that_ran_any_of_those_types() {
    let h = harness(300);
    let (_, logs) = all_logs(&h, "").await;
    let types: BTreeSet<String> = logs
        .iter()
        .flat_map(|l| {
            l["executedCallActions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|a| a["actionType"].as_str().expect("a type").to_owned())
        .collect();
    assert!(types.len() >= 2, "{types:?}");
    let chosen: Vec<&String> = types.iter().take(2).collect();
    let ran = |l: &&Value, t: &str| {
        l["executedCallActions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["actionType"] == t))
    };
    let expected: Vec<&Value> = logs
        .iter()
        .filter(|l| chosen.iter().any(|t| ran(l, t)))
        .collect();
    let query = format!("&actionType={},{}", chosen[0], chosen[1]);
    let (total, filtered) = all_logs(&h, &query).await;
    assert_eq!(total as usize, expected.len());
    assert_eq!(filtered.iter().collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn a_date_window_keeps_the_calls_created_inside_it_inclusively() {
    let h = harness(300);
    let (_, logs) = all_logs(&h, "&sortBy=createdAt&sort=ascend").await;
    let generated: Vec<&Value> = logs.iter().filter(|l| l["messageId"].is_string()).collect();
    let (from, to) = (generated[100], generated[199]);
    let ms = |l: &Value| {
        let id = l["id"].as_str().expect("an id").to_owned();
        let log = h
            .state
            .store()
            .voice_get_call_log(&h.loc(), &id)
            .expect("stored");
        assert_eq!(&log, l);
        epoch_ms(l["createdAt"].as_str().expect("a time"))
    };
    let (start, end) = (ms(from), ms(to));
    let expected: Vec<&Value> = logs
        .iter()
        .filter(|l| (start..=end).contains(&epoch_ms(l["createdAt"].as_str().expect("a time"))))
        .collect();
    let (total, within) = all_logs(
        &h,
        &format!(
            "&startDate={start}&endDate={end}&timezone=Europe/Paris&sortBy=createdAt&sort=ascend"
        ),
    )
    .await;
    assert_eq!(total as usize, expected.len());
    assert!(total >= 100);
    assert_eq!(within.iter().collect::<Vec<_>>(), expected);
}

/// Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS.mmmZ` (days from civil).
fn epoch_ms(text: &str) -> i64 {
    let n = |a: usize, b: usize| text[a..b].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let (hh, mm, ss, ms) = (n(11, 13), n(14, 16), n(17, 19), n(20, 23));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + hh * 3600 + mm * 60 + ss) * 1000 + ms
}

#[tokio::test]
async fn lists_are_newest_first_by_default_and_sort_by_duration_or_creation_both_ways() {
    let h = harness(250);
    let (_, default) = all_logs(&h, "").await;
    let times: Vec<i64> = default
        .iter()
        .map(|l| epoch_ms(l["createdAt"].as_str().expect("a time")))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (_, ascending) = all_logs(&h, "&sortBy=createdAt&sort=ascend").await;
    let mut reversed = ascending.clone();
    reversed.reverse();
    assert_eq!(ids(&reversed), ids(&default));
    let (_, descending) = all_logs(&h, "&sortBy=createdAt").await;
    assert_eq!(
        ids(&descending),
        ids(&default),
        "descend is the default direction"
    );
    for (sort, up) in [("ascend", true), ("descend", false)] {
        let (_, logs) = all_logs(&h, &format!("&sortBy=duration&sort={sort}")).await;
        assert_eq!(logs.len(), 251);
        let durations: Vec<f64> = logs
            .iter()
            .map(|l| l["duration"].as_f64().expect("a number"))
            .collect();
        assert!(
            durations
                .windows(2)
                .all(|w| if up { w[0] <= w[1] } else { w[0] >= w[1] }),
            "{sort}"
        );
    }
}

#[tokio::test]
async fn filters_combine_with_each_other_and_with_sorting() {
    let h = harness(400);
    let (_, logs) = all_logs(&h, "").await;
    let agent = logs[0]["agentId"].as_str().expect("an agent").to_owned();
    let expected: Vec<String> = {
        let mut matching: Vec<&Value> = logs
            .iter()
            .filter(|l| l["agentId"] == agent && l["trialCall"] == false)
            .collect();
        matching.sort_by(|a, b| {
            b["duration"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&a["duration"].as_f64().unwrap_or(0.0))
        });
        matching.iter().map(|l| l["duration"].to_string()).collect()
    };
    let (total, filtered) = all_logs(
        &h,
        &format!("&agentId={agent}&callType=LIVE&sortBy=duration&sort=descend"),
    )
    .await;
    assert_eq!(total as usize, expected.len());
    let got: Vec<String> = filtered.iter().map(|l| l["duration"].to_string()).collect();
    assert_eq!(got, expected);
    assert!(
        filtered
            .iter()
            .all(|l| l["agentId"] == agent && l["trialCall"] == false)
    );
}

#[tokio::test]
async fn pages_partition_the_results_and_a_page_past_the_end_is_empty() {
    let h = harness(95);
    let first = h.get(&format!("{}&pageSize=50", base(&h))).await;
    let second = h.get(&format!("{}&pageSize=50&page=2", base(&h))).await;
    let third = h.get(&format!("{}&pageSize=50&page=3", base(&h))).await;
    assert_eq!(first.body["callLogs"].as_array().map(Vec::len), Some(50));
    assert_eq!(second.body["callLogs"].as_array().map(Vec::len), Some(46));
    assert_eq!(third.body["callLogs"], json!([]));
    assert_eq!(third.body["total"], 96);
    assert_eq!(
        (third.body["page"].clone(), third.body["pageSize"].clone()),
        (json!(3), json!(50))
    );
    let default = h.get(&base(&h)).await;
    assert_eq!(default.body["pageSize"], 10);
    assert_eq!(default.body["callLogs"].as_array().map(Vec::len), Some(10));
    let too_big = h.get(&format!("{}&pageSize=51", base(&h))).await;
    assert_error(
        &too_big,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["pageSize must not be greater than 50"]),
    );
}

#[tokio::test]
async fn a_date_window_of_no_length_or_without_both_ends_is_refused_by_name() {
    let h = harness(5);
    let equal = h
        .get(&format!(
            "{}&startDate=1767225600000&endDate=1767225600000",
            base(&h)
        ))
        .await;
    assert_error(
        &equal,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["startDate must be less than endDate"]),
    );
    let sort_without_field = h
        .get(&format!("{}&sort=descend&startDate=1", base(&h)))
        .await;
    assert_error(
        &sort_without_field,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["endDate should not be empty"]),
    );
    // `sort` without `sortBy` is ignored (newest first), as the spec says.
    let (_, newest_first) = all_logs(&h, "").await;
    let (total, sort_alone) = all_logs(&h, "&sort=ascend").await;
    assert_eq!(total, newest_first.len() as u64);
    assert_eq!(sort_alone, newest_first);
}

#[tokio::test]
async fn a_generated_call_is_fetched_by_its_id_and_an_unknown_or_foreign_one_is_404() {
    let h = harness(50);
    let (_, logs) = all_logs(&h, "").await;
    for log in logs.iter().step_by(7) {
        let id = log["id"].as_str().expect("an id");
        let got = h
            .get(&format!(
                "/voice-ai/dashboard/call-logs/{id}?locationId={}",
                h.loc()
            ))
            .await;
        assert_conforms(Api::VoiceAi, "getCallLog", &got, StatusCode::OK);
        assert_eq!(&got.body, log);
    }
    let id = logs[0]["id"].as_str().expect("an id");
    let mut flipped = id.to_owned();
    flipped.replace_range(23.., if id.ends_with('0') { "1" } else { "0" });
    let unknown = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs/{flipped}?locationId={}",
            h.loc()
        ))
        .await;
    assert_error(&unknown, StatusCode::NOT_FOUND, json!("Call log not found"));
    assert!(
        h.state
            .store()
            .voice_get_call_log("anotherLocation00001", id)
            .is_err(),
        "ids are per location"
    );
}

#[tokio::test]
async fn generate_call_logs_adds_more_calls_and_needs_an_agent() {
    let h = harness(10);
    let store = h.state.store();
    assert_eq!(store.generate_call_logs(&h.loc(), 40), Ok(40));
    assert_eq!(store.call_log_count(&h.loc()), 51);
    let (total, logs) = all_logs(&h, "").await;
    assert_eq!(total, 51);
    assert_eq!(ids(&logs).into_iter().collect::<BTreeSet<_>>().len(), 51);
    assert!(matches!(
        store.generate_call_logs("emptyLocation0000001", 3),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.generate_call_logs("emptyLocation0000001", 0), Ok(0));
}

#[tokio::test]
async fn simulate_call_stores_one_call_of_that_agent_created_now() {
    let h = harness(20);
    let (_, logs) = all_logs(&h, "").await;
    let agent = logs[0]["agentId"].as_str().expect("an agent").to_owned();
    let log = h
        .state
        .store()
        .simulate_call(&h.loc(), &agent)
        .expect("the agent exists");
    assert_eq!(log["agentId"], json!(agent));
    let newest = h.get(&base(&h)).await;
    assert_eq!(newest.body["total"], 22);
    assert_eq!(
        newest.body["callLogs"][0], log,
        "created now, so the newest"
    );
    let got = h
        .get(&format!(
            "/voice-ai/dashboard/call-logs/{}?locationId={}",
            log["id"].as_str().expect("an id"),
            h.loc()
        ))
        .await;
    assert_conforms(Api::VoiceAi, "getCallLog", &got, StatusCode::OK);
    assert_eq!(got.body, log);
    assert_eq!(
        h.state.store().simulate_call(&h.loc(), "nope"),
        Err(StoreError::AgentNotFound("nope".to_owned()))
    );
}

#[tokio::test]
async fn calls_of_a_deleted_agent_say_so() {
    let h = harness(60);
    let (_, logs) = all_logs(&h, "").await;
    // A generated call of an agent the demo's own log (stored as given) does not name.
    let demo_agent = logs
        .iter()
        .find(|l| !l["messageId"].is_string())
        .expect("the demo's log")["agentId"]
        .clone();
    let agent = logs
        .iter()
        .find(|l| l["messageId"].is_string() && l["agentId"] != demo_agent)
        .expect("a generated call of another agent")["agentId"]
        .as_str()
        .expect("an agent")
        .to_owned();
    let deleted = h
        .delete(&format!("/voice-ai/agents/{agent}?locationId={}", h.loc()))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let (_, after) = all_logs(&h, &format!("&agentId={agent}")).await;
    assert!(!after.is_empty());
    assert!(after.iter().all(|l| l["isAgentDeleted"] == true));
}

#[tokio::test]
async fn a_reset_regenerates_the_same_call_logs() {
    let h = harness(80);
    let (_, before) = all_logs(&h, "").await;
    h.state
        .store()
        .generate_call_logs(&h.loc(), 5)
        .expect("agents");
    h.state.reset();
    let (_, after) = all_logs(&h, "").await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_voices_catalog_covers_every_language_of_the_spec() {
    let h = Harness::new();
    let first = h.get("/voice-ai/voices?pageSize=20").await;
    assert_conforms(Api::VoiceAi, "listVoices", &first, StatusCode::OK);
    assert_eq!(first.body["total"], 72);
    for language in ["en-US", "pt-BR", "es", "fr", "de", "it", "nl-NL", "multi"] {
        let reply = h
            .get(&format!("/voice-ai/voices?pageSize=20&language={language}"))
            .await;
        assert_conforms(Api::VoiceAi, "listVoices", &reply, StatusCode::OK);
        let voices = reply.body["voices"].as_array().expect("a list");
        assert!(voices.len() >= 8, "{language}");
        assert!(voices.iter().all(|v| v["language"] == language));
        assert_eq!(reply.body["total"].as_u64(), Some(voices.len() as u64));
    }
    let unknown = h.get("/voice-ai/voices?language=xx").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn voice_pages_partition_the_catalog_within_the_bounds() {
    let h = Harness::new();
    let mut seen = Vec::new();
    for page in 1..=4 {
        let reply = h
            .get(&format!("/voice-ai/voices?pageSize=20&page={page}"))
            .await;
        assert_eq!(reply.body["page"], page);
        for voice in reply.body["voices"].as_array().expect("a list") {
            seen.push(voice["voiceId"].as_str().expect("an id").to_owned());
        }
    }
    assert_eq!(seen.len(), 72);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 72);
    let last = h.get("/voice-ai/voices?page=10000").await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(last.body["voices"], json!([]));
    let beyond = h.get("/voice-ai/voices?page=10001").await;
    assert_error(
        &beyond,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!(["page must not be greater than 10000"]),
    );
    let id = &seen[40];
    let voice = h.get(&format!("/voice-ai/voices/{id}")).await;
    assert_conforms(Api::VoiceAi, "getVoice", &voice, StatusCode::OK);
    assert_eq!(voice.body["voiceId"], json!(id));
}

#[tokio::test]
async fn the_same_seed_gives_the_same_voices() {
    let a = Harness::with(MockServer::builder().seed(5));
    let b = Harness::with(MockServer::builder().seed(5));
    let first = a.get("/voice-ai/voices?pageSize=20&page=3").await;
    assert_eq!(
        first.body,
        b.get("/voice-ai/voices?pageSize=20&page=3").await.body
    );
}
