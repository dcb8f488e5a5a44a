//! `listCallLogs` against an oracle: call logs generated from the spec's `CallLog` schema are
//! preloaded into the mock (fixtures), then random filter, sort and page combinations are asked
//! for and the answer compared, id by id and in order, with the same filtering done here from
//! the spec's own words (agent, contacts, `callType`, a `startDate`/`endDate` window in epoch
//! milliseconds, executed `actionType`, `sortBy`/`sort`, newest first by default, 1-based pages).

use contract_tests::spec::{Api, spec};
use contract_tests::strategies::{self, sample};
use mock_server::Fixtures;
use mock_server::MockServer;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::support::{Http, config, op, quietly, runtime};

const AGENTS: [&str; 2] = ["aaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaa2"];
const CONTACTS: [&str; 3] = [
    "contact0000000000001",
    "contact0000000000002",
    "contact0000000000003",
];
/// 2026-01-01T00:00:00Z in epoch milliseconds; logs are spread over the following days.
const EPOCH: i64 = 1_767_225_600_000;
const LOGS: usize = 14;

/// Call logs from the spec's schema, with ids, agents, contacts, times and durations chosen so
/// every filter has something to keep and every sort is total.
fn call_logs() -> Vec<Value> {
    let spec = spec(Api::VoiceAi);
    let schema: &'static Value =
        Box::leak(Box::new(json!({"$ref": "#/components/schemas/CallLog"})));
    let strategy = strategies::valid(spec, schema);
    (0..LOGS)
        .map(|i| {
            let mut log = sample(&strategy, 1000 + i as u64);
            let hours = (i as i64 * 7919) % 600;
            log["id"] = json!(format!("{:024x}", 0xca11_0000 + i));
            log["agentId"] = json!(AGENTS[i % AGENTS.len()]);
            log["contactId"] = json!(CONTACTS[i % CONTACTS.len()]);
            log["createdAt"] = json!(iso(EPOCH + hours * 3_600_000 + i as i64 * 1000));
            log["duration"] = json!(30 + (i as i64 * 37) % 500);
            log["trialCall"] = json!(i % 3 == 0);
            log
        })
        .collect()
}

fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // 2026-01-01 is day 20454; the window stays within January 2026.
    let day_of_month = days - 20_454 + 1;
    format!(
        "2026-01-{day_of_month:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn created_ms(log: &Value) -> i64 {
    let text = log["createdAt"].as_str().unwrap_or_default();
    let day: i64 = text[8..10].parse().unwrap_or(1);
    let h: i64 = text[11..13].parse().unwrap_or(0);
    let m: i64 = text[14..16].parse().unwrap_or(0);
    let s: i64 = text[17..19].parse().unwrap_or(0);
    EPOCH + ((day - 1) * 86_400 + h * 3600 + m * 60 + s) * 1000
}

/// Random filters, sorts and pages.
fn queries() -> BoxedStrategy<Value> {
    let action_types: Vec<Value> = spec(Api::VoiceAi)
        .schema("ActionType")
        .and_then(|s| s.get("enum"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    (
        proptest::option::of(proptest::sample::select(AGENTS.to_vec())),
        proptest::option::of(proptest::sample::subsequence(CONTACTS.to_vec(), 1..=2)),
        proptest::option::of(prop_oneof![Just("LIVE"), Just("TRIAL")]),
        proptest::option::of((0i64..400, 1i64..400)),
        proptest::option::of(proptest::sample::select(action_types)),
        proptest::option::of((
            prop_oneof![Just("duration"), Just("createdAt")],
            proptest::option::of(prop_oneof![Just("ascend"), Just("descend")]),
        )),
        (1i64..=4, 1i64..=6),
    )
        .prop_map(
            |(agent, contacts, call_type, window, action_type, sort, (page, page_size))| {
                let mut q = json!({"page": page, "pageSize": page_size});
                if let Some(a) = agent {
                    q["agentId"] = json!(a);
                }
                if let Some(c) = contacts {
                    q["contactId"] = json!(c.join(","));
                }
                if let Some(t) = call_type {
                    q["callType"] = json!(t);
                }
                if let Some((start_h, len_h)) = window {
                    // Odd milliseconds: never equal to a log's creation time.
                    q["startDate"] = json!(EPOCH + start_h * 3_600_000 + 1);
                    q["endDate"] = json!(EPOCH + (start_h + len_h) * 3_600_000 + 1);
                }
                if let Some(t) = action_type {
                    q["actionType"] = t;
                }
                if let Some((by, direction)) = sort {
                    q["sortBy"] = json!(by);
                    if let Some(d) = direction {
                        q["sort"] = json!(d);
                    }
                }
                q
            },
        )
        .boxed()
}

/// What the spec says the page holds, and whether its order is specified.
fn oracle(logs: &[Value], q: &Value) -> (usize, Vec<String>, bool) {
    let mut kept: Vec<&Value> = logs
        .iter()
        .filter(|l| q.get("agentId").is_none_or(|a| &l["agentId"] == a))
        .filter(|l| {
            q.get("contactId")
                .and_then(Value::as_str)
                .is_none_or(|cs| cs.split(',').any(|c| l["contactId"] == json!(c)))
        })
        .filter(|l| match q.get("callType").and_then(Value::as_str) {
            Some("LIVE") => l["trialCall"] == json!(false),
            Some("TRIAL") => l["trialCall"] == json!(true),
            _ => true,
        })
        .filter(|l| {
            match (
                q.get("startDate").and_then(Value::as_i64),
                q.get("endDate").and_then(Value::as_i64),
            ) {
                (Some(start), Some(end)) => (start..=end).contains(&created_ms(l)),
                _ => true,
            }
        })
        .filter(|l| {
            q.get("actionType").is_none_or(|t| {
                l["executedCallActions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|a| &a["actionType"] == t)
            })
        })
        .collect();
    let ordered = match (
        q.get("sortBy").and_then(Value::as_str),
        q.get("sort").and_then(Value::as_str),
    ) {
        (None, _) => {
            kept.sort_by_key(|l| std::cmp::Reverse(created_ms(l)));
            true
        }
        (Some(by), direction) => {
            let key = |l: &Value| {
                if by == "duration" {
                    l["duration"].as_i64().unwrap_or(0)
                } else {
                    created_ms(l)
                }
            };
            kept.sort_by_key(|l| key(l));
            if direction == Some("descend") {
                kept.reverse();
            }
            direction.is_some()
        }
    };
    let total = kept.len();
    let page = q["page"].as_u64().unwrap_or(1) as usize;
    let size = q["pageSize"].as_u64().unwrap_or(10) as usize;
    let ids = kept
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|l| l["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    (total, ids, ordered)
}

#[test]
fn list_call_logs_filters_sorts_and_pages_as_the_spec_says() {
    let rt = runtime();
    let logs = call_logs();
    let fixtures =
        Fixtures::from_value(&json!({"callLogs": logs})).expect("valid call-log fixtures");
    let server = rt.block_on(MockServer::builder().fixtures(fixtures).start());
    let http = Http::new(&server);
    let ids = crate::operations::voice_ids(&server);
    let list = op(Api::VoiceAi, "listCallLogs");
    let mut runner = TestRunner::new(config(crate::regressions!("call_logs"), 64));
    let result = quietly(|| {
        runner.run(&queries(), |q| {
            let page = rt.block_on(http.ok(list, &ids, &q, None));
            let (total, expected, ordered) = oracle(&logs, &q);
            prop_assert_eq!(
                page["total"].as_u64(),
                Some(total as u64),
                "total for {}: {}",
                q,
                page
            );
            let got: Vec<String> = page["callLogs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| l["id"].as_str().unwrap_or_default().to_owned())
                .collect();
            if ordered {
                prop_assert_eq!(&got, &expected, "page for {}", q);
            } else {
                prop_assert_eq!(got.len(), expected.len(), "page length for {}", q);
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
