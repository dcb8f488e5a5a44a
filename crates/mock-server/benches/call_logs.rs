//! Call logs at scale: seeding a million logs into one location, and answering one page for a
//! representative set of filter and sort combinations on that location (store call: filter,
//! count, page and render the page's JSON; plus one request through the router).
//!
//! Run: `cargo bench -p mock-server --bench call_logs -- --measurement-time 2`
//! (figures recorded in `crates/mock-server/BENCHMARKS.md`). Before the benchmarks it prints
//! the resident memory the million logs take (from `/proc/self/statm`, Linux only).

use std::hint::black_box;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use criterion::{BatchSize, Criterion};
use mock_server::CallLogFilter;
use mock_server::Store;
use mock_server::{AppState, MockServer};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

const SEED: u64 = 2026;
const LOGS: usize = 1_000_000;
/// The clock's "now" while seeding: generated calls fill the 90 days before it.
const ANCHOR: &str = "2026-06-01T12:00:00Z";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Five agents with two to four actions each, covering the action types.
fn arrange_agents(store: &Store, location: &str) -> Vec<String> {
    let agents = [
        (
            "Front Desk",
            &["CALL_TRANSFER", "SMS", "APPOINTMENT_BOOKING"][..],
        ),
        ("After Hours", &["KNOWLEDGE_BASE", "SMS"][..]),
        (
            "Sales",
            &[
                "DATA_EXTRACTION",
                "WORKFLOW_TRIGGER",
                "CALL_TRANSFER",
                "CUSTOM_ACTION",
            ][..],
        ),
        (
            "Support",
            &["IN_CALL_DATA_EXTRACTION", "KNOWLEDGE_BASE"][..],
        ),
        (
            "Bookings",
            &["APPOINTMENT_BOOKING", "SMS", "WORKFLOW_TRIGGER"][..],
        ),
    ];
    agents
        .iter()
        .map(|(name, types)| {
            let agent = store.voice_create_agent(location, None, obj(json!({"agentName": name})));
            let id = agent["id"].as_str().unwrap_or_default().to_owned();
            for t in *types {
                let _ = store.voice_create_action(
                    location,
                    &id,
                    None,
                    obj(json!({"name": format!("{name} {t}"), "actionType": t,
                               "actionParameters": {"triggerPrompt": "when needed"}})),
                );
            }
            id
        })
        .collect()
}

/// Resident set size in bytes (0 where `/proc` is unavailable).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn seeded() -> (AppState, Vec<String>) {
    // A frozen clock, so every run generates (and pages through) the same logs.
    let state = MockServer::builder()
        .seed(SEED)
        .clock(ANCHOR.parse().unwrap_or_default())
        .build_state();
    let agents = arrange_agents(state.store(), state.location_id());
    (state, agents)
}

fn main() {
    let mut c = Criterion::default().configure_from_args();

    // Memory and one-shot seeding time.
    let (state, agents) = seeded();
    let location = state.location_id().to_owned();
    let before = rss_bytes();
    let started = Instant::now();
    let added = state
        .store()
        .generate_call_logs(&location, LOGS)
        .unwrap_or_default();
    let took = started.elapsed();
    let after = rss_bytes();
    eprintln!(
        "seeded {added} call logs in {took:?}; RSS {before} -> {after} bytes, {:.1} bytes per call log",
        after.saturating_sub(before) as f64 / added.max(1) as f64
    );

    // One-shot export and import of the 1,000,000-log location (the state file's path):
    // `Store::export_snapshot`, its JSON text, parsing it back, `Store::import_snapshot`.
    {
        let started = Instant::now();
        let snapshot = state.store().export_snapshot();
        let exported = started.elapsed();
        let started = Instant::now();
        let text = serde_json::to_vec(&snapshot).unwrap_or_default();
        let written = started.elapsed();
        drop(snapshot);
        let started = Instant::now();
        let parsed: Value = serde_json::from_slice(&text).unwrap_or(Value::Null);
        let read = started.elapsed();
        let target = Store::new(SEED);
        let started = Instant::now();
        let imported = target.import_snapshot(&parsed);
        let took = started.elapsed();
        eprintln!(
            "snapshot of {added} call logs: export {exported:?}, to JSON text {written:?} ({} bytes), \
             parse {read:?}, import {took:?} ({}), {} logs after import",
            text.len(),
            if imported.is_ok() { "ok" } else { "failed" },
            target.call_log_count(&location)
        );
    }
    if std::env::var_os("CALL_LOGS_BENCH_SNAPSHOT_ONLY").is_some() {
        return;
    }

    let mut seeding = c.benchmark_group("seed");
    seeding.sample_size(10);
    seeding.bench_function("generate_1m_call_logs", |b| {
        b.iter_batched(
            seeded,
            |(state, _)| {
                let location = state.location_id().to_owned();
                black_box(state.store().generate_call_logs(&location, LOGS).ok());
                state
            },
            BatchSize::PerIteration,
        );
    });
    seeding.finish();

    // Query inputs taken from the data: contacts of the newest calls, a one-week window.
    let store = state.store();
    let (_, newest) = store.voice_list_call_logs(&location, &CallLogFilter::default(), 1, 3);
    let contacts: Vec<String> = newest
        .iter()
        .filter_map(|l| l["contactId"].as_str().map(str::to_owned))
        .collect();
    let (_, oldest) = store.voice_list_call_logs(
        &location,
        &CallLogFilter {
            sort_by: Some("createdAt".into()),
            ascending: true,
            ..Default::default()
        },
        1,
        1,
    );
    let first_ms = oldest
        .first()
        .and_then(|l| l["createdAt"].as_str())
        .map_or(0, epoch_ms);
    let week = (first_ms + 40 * 86_400_000, first_ms + 47 * 86_400_000);
    let types = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let agent = Some(agents[0].clone());
    let cases: Vec<(&str, CallLogFilter, u64, u64)> = vec![
        ("no_filter", CallLogFilter::default(), 1, 10),
        ("no_filter_page_size_50", CallLogFilter::default(), 1, 50),
        (
            "agent",
            CallLogFilter {
                agent_id: agent.clone(),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "contact_list_3",
            CallLogFilter {
                contact_ids: contacts.clone(),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "call_type_trial",
            CallLogFilter {
                trial: Some(true),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "action_type_list",
            CallLogFilter {
                action_types: types(&["SMS", "CALL_TRANSFER"]),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "date_range_week",
            CallLogFilter {
                start_ms: Some(week.0),
                end_ms: Some(week.1),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "agent_live_date_range",
            CallLogFilter {
                agent_id: agent.clone(),
                trial: Some(false),
                start_ms: Some(week.0),
                end_ms: Some(week.1),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "agent_action_type_by_duration_desc",
            CallLogFilter {
                agent_id: agent.clone(),
                action_types: types(&["APPOINTMENT_BOOKING"]),
                sort_by: Some("duration".into()),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "action_type_date_range_by_created_asc",
            CallLogFilter {
                action_types: types(&["KNOWLEDGE_BASE", "CUSTOM_ACTION"]),
                start_ms: Some(week.0),
                end_ms: Some(week.1),
                sort_by: Some("createdAt".into()),
                ascending: true,
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "by_duration_asc",
            CallLogFilter {
                sort_by: Some("duration".into()),
                ascending: true,
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "by_duration_desc",
            CallLogFilter {
                sort_by: Some("duration".into()),
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "trial_by_duration_asc",
            CallLogFilter {
                trial: Some(true),
                sort_by: Some("duration".into()),
                ascending: true,
                ..Default::default()
            },
            1,
            10,
        ),
        (
            "date_range_by_duration_desc",
            CallLogFilter {
                start_ms: Some(week.0),
                end_ms: Some(week.1),
                sort_by: Some("duration".into()),
                ..Default::default()
            },
            1,
            10,
        ),
        ("deep_page_5000", CallLogFilter::default(), 5000, 10),
        (
            "deep_page_5000_by_duration_asc",
            CallLogFilter {
                sort_by: Some("duration".into()),
                ascending: true,
                ..Default::default()
            },
            5000,
            10,
        ),
        (
            "deep_page_5000_agent_live_by_duration_desc",
            CallLogFilter {
                agent_id: agent.clone(),
                trial: Some(false),
                sort_by: Some("duration".into()),
                ..Default::default()
            },
            5000,
            10,
        ),
        (
            "deep_page_5000_action_type_list",
            CallLogFilter {
                action_types: types(&["SMS", "WORKFLOW_TRIGGER"]),
                ..Default::default()
            },
            5000,
            10,
        ),
    ];
    let mut queries = c.benchmark_group("page_of_1m");
    for (name, filter, page, size) in &cases {
        let (total, logs) = store.voice_list_call_logs(&location, filter, *page, *size);
        eprintln!("{name}: total {total}, page of {}", logs.len());
        queries.bench_function(*name, |b| {
            b.iter(|| {
                black_box(store.voice_list_call_logs(&location, black_box(filter), *page, *size))
            });
        });
    }
    let id = newest
        .first()
        .and_then(|l| l["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    queries.bench_function("get_by_id", |b| {
        b.iter(|| black_box(store.voice_get_call_log(&location, black_box(&id)).ok()));
    });
    queries.finish();

    // The same page through the whole router (auth, validation, JSON encoding).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
    let router = mock_server::router(state.clone());
    let uri = format!(
        "/voice-ai/dashboard/call-logs?locationId={location}&agentId={}&callType=LIVE&sortBy=duration&sort=descend&pageSize=50",
        agents[0]
    );
    let token = format!("Bearer {}", state.dev_token());
    let mut http = c.benchmark_group("router_1m");
    http.bench_function("agent_live_by_duration_page_size_50", |b| {
        b.iter(|| {
            let request = Request::get(&uri)
                .header("Version", "2021-04-15")
                .header("Authorization", &token)
                .body(Body::empty())
                .unwrap_or_default();
            let response = runtime.block_on(router.clone().oneshot(request));
            black_box(response.map(|r| r.status()).ok())
        });
    });
    http.finish();
    c.final_summary();
}

/// Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn epoch_ms(text: &str) -> i64 {
    let n = |a: usize, b: usize| {
        text.get(a..b)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)) * 1000 + n(20, 23)
}
