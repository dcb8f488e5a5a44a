//! HTTP throughput of the mock server against a bare axum route serving the same bytes.
//!
//! Run with `cargo bench -p mock-server --bench http` (a plain `main`, `harness = false`).
//!
//! What it does, all in one process on loopback:
//!
//! 1. Memory: in a child process (a re-run of this binary, so the allocator starts clean), the
//!    RSS (`VmRSS` of `/proc/self/status`) before and after creating `HTTP_BENCH_MEMORY_AGENTS`
//!    (default 100 000) Voice AI agents in a `Store`, with and without two actions each; the
//!    difference divided by the count is the memory per agent.
//! 2. Servers: the mock, seeded with `HTTP_BENCH_AGENTS` (default 1 000) Voice AI agents with two
//!    actions each and as many Conversation AI agents with one action each, and a bare axum
//!    router whose routes return, as static bodies with the same content type, the exact bytes
//!    the mock returned for one request of each scenario (captured first). Each server has its
//!    own tokio runtime with ONE worker thread; only one of them is under load at a time.
//! 3. Load: a hand-rolled HTTP/1.1 client (keep-alive, one request in flight per connection,
//!    every response read in full and its status and length checked) on a current-thread
//!    runtime on the main thread, `HTTP_BENCH_CONNECTIONS` (default 32) connections. Each server
//!    is warmed up for `HTTP_BENCH_WARMUP_SECS` (default 2, not recorded), then measured for
//!    `HTTP_BENCH_SECS` (default 6) in `HTTP_BENCH_ROUNDS` (default 6) slices that alternate
//!    between the two servers (bare, mock, mock, bare, …; each slice opens its connections
//!    during 200 ms that are not recorded). Alternating puts a burst of other work on the
//!    machine on both sides of the ratio instead of on one. The machine's two cores are split
//!    one for the server under test, one for the load generator, the same for both servers.
//!
//! For profiling, `HTTP_BENCH_ONLY=<part of a scenario name>` runs only the matching scenarios
//! and `HTTP_BENCH_SKIP_MEMORY=1` skips the memory measurement.
//!
//! It prints a Markdown table: requests/s, latency p50/p99/p99.9 per scenario, the ratio
//! mock/bare per pair, and, as a diagnostic, the mean in-process time per request of each router
//! (`tower::ServiceExt::oneshot` on the generator's thread after the load run, no sockets:
//! `HTTP_BENCH_IN_PROCESS_REQUESTS`, default 5 000), which isolates the application's own cost
//! from HTTP parsing, I/O and scheduling, and the mean time of the bare store call behind each
//! mock scenario (`Store::voice_get_agent`, …; no pipeline, no serialization).

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use mock_server::Fixtures;
use mock_server::MockServer;
use mock_server::Store;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

/// Set in the child process that measures memory; its value is the scenario.
const MEMORY_CHILD_ENV: &str = "HTTP_BENCH_MEMORY_CHILD";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// Memory per agent
// ---------------------------------------------------------------------------------------------

/// The resident set size of this process in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn voice_agent_body(i: usize) -> Value {
    json!({
        "agentName": format!("Front Desk {i:05}"),
        "businessName": "Harbor Dental Care",
        "welcomeMessage": "Thanks for calling Harbor Dental Care, this is Ava. How can I help?",
        "language": "en-US",
    })
}

fn voice_action_bodies() -> [Value; 2] {
    [
        json!({
            "name": "Transfer to the office manager",
            "actionType": "CALL_TRANSFER",
            "actionParameters": {
                "triggerPrompt": "The caller asks for a manager",
                "triggerMessage": "Let me transfer you.",
                "transferToType": "number",
                "transferToValue": "+15555550100"
            }
        }),
        json!({
            "name": "Answer from the clinic FAQ",
            "actionType": "KNOWLEDGE_BASE",
            "actionParameters": {
                "triggerPrompt": "The caller asks about prices, insurance or services offered.",
                "knowledgeBaseId": "Mz8fH3kD6pJ1vS9tB2nQ"
            }
        }),
    ]
}

/// Child process: creates the agents and prints `agents rss_before rss_after`.
fn memory_child(scenario: &str) {
    let count = env_u64("HTTP_BENCH_MEMORY_AGENTS", 100_000) as usize;
    let with_actions = scenario == "with-actions";
    // Everything the loop needs that is not per agent is built before the first reading.
    let store = Store::new(mock_server::DEFAULT_SEED);
    let location = mock_server::DEFAULT_LOCATION_ID;
    let actions = voice_action_bodies();
    store.voice_create_agent(location, None, object(voice_agent_body(0)));
    let before = rss_bytes();
    for i in 1..=count {
        let agent = store.voice_create_agent(location, None, object(voice_agent_body(i)));
        if with_actions {
            let agent_id = agent["id"].as_str().expect("an id").to_owned();
            for action in &actions {
                store
                    .voice_create_action(location, &agent_id, None, object(action.clone()))
                    .expect("the agent exists");
            }
        }
    }
    let after = rss_bytes();
    assert_eq!(
        store.voice_list_agents(location, None, 1, 1).0,
        count + 1,
        "every agent was stored"
    );
    println!("{count} {before} {after}");
}

struct MemoryReport {
    scenario: &'static str,
    agents: u64,
    before: u64,
    after: u64,
}

fn measure_memory(scenario: &'static str) -> MemoryReport {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let out = Command::new(exe)
        .env(MEMORY_CHILD_ENV, scenario)
        .output()
        .expect("running the memory child");
    assert!(
        out.status.success(),
        "memory child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u64> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(nums.len(), 3, "memory child output: {text}");
    MemoryReport {
        scenario,
        agents: nums[0],
        before: nums[1],
        after: nums[2],
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 keep-alive client
// ---------------------------------------------------------------------------------------------

/// One HTTP/1.1 connection that sends a request and reads its whole response.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// A response as the client saw it.
struct Resp {
    status: u16,
    content_type: Option<String>,
    /// The body's length (`Content-Length`).
    length: usize,
    /// The body, when asked for.
    body: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Conn {
    async fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// Sends `request` (complete bytes) and reads one whole response (`Content-Length` framing).
    /// With `keep_body` false the body is read but not copied out.
    async fn round_trip(&mut self, request: &[u8], keep_body: bool) -> io::Result<Resp> {
        self.stream.write_all(request).await?;
        // Headers.
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "non-UTF-8 head"))?;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
        let mut length = None;
        let mut content_type = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "chunked responses are not supported by this client",
                ));
            }
        }
        let length = length.unwrap_or(0);
        // Body.
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        let body = if keep_body {
            self.buf[head_end..head_end + length].to_vec()
        } else {
            Vec::new()
        };
        self.buf.drain(..head_end + length);
        Ok(Resp {
            status,
            content_type,
            length,
            body,
        })
    }

    async fn fill(&mut self) -> io::Result<()> {
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

fn request_bytes(path: &str, token: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Version: 2021-04-15\r\nAccept: application/json\r\n\r\n"
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Load generation
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct ConnResult {
    /// Latencies of the requests completed in the measured window, nanoseconds.
    latencies: Vec<u64>,
    errors: u64,
}

async fn drive(
    addr: SocketAddr,
    request: Arc<[u8]>,
    expected_length: usize,
    measure_from: Instant,
    until: Instant,
) -> ConnResult {
    let mut result = ConnResult {
        latencies: Vec::with_capacity(1 << 16),
        errors: 0,
    };
    let mut conn = match Conn::connect(addr).await {
        Ok(c) => c,
        Err(_) => {
            result.errors += 1;
            return result;
        }
    };
    loop {
        let started = Instant::now();
        if started >= until {
            break;
        }
        match conn.round_trip(&request, false).await {
            Ok(resp) if resp.status == 200 && resp.length == expected_length => {
                let done = Instant::now();
                if started >= measure_from && done <= until {
                    result.latencies.push((done - started).as_nanos() as u64);
                }
            }
            Ok(_) => result.errors += 1,
            Err(_) => {
                result.errors += 1;
                match Conn::connect(addr).await {
                    Ok(c) => conn = c,
                    Err(_) => break,
                }
            }
        }
    }
    result
}

struct Stats {
    requests: u64,
    errors: u64,
    rps: f64,
    p50: Duration,
    p99: Duration,
    p999: Duration,
}

/// What one server answered over all its measured slices.
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    errors: u64,
    measured: Duration,
}

impl Tally {
    fn stats(mut self) -> Stats {
        self.latencies.sort_unstable();
        let latencies = &self.latencies;
        let pct = |p: f64| {
            if latencies.is_empty() {
                return Duration::ZERO;
            }
            let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
            Duration::from_nanos(latencies[rank - 1])
        };
        Stats {
            requests: latencies.len() as u64,
            errors: self.errors,
            rps: latencies.len() as f64 / self.measured.as_secs_f64().max(f64::EPSILON),
            p50: pct(0.50),
            p99: pct(0.99),
            p999: pct(0.999),
        }
    }
}

/// Drives `addr` with `connections` connections for `warmup` (not recorded), then `measured`,
/// adding what was answered in the measured part to `tally`.
async fn load(
    addr: SocketAddr,
    request: &Arc<[u8]>,
    expected_length: usize,
    connections: usize,
    (warmup, measured): (Duration, Duration),
    tally: &mut Tally,
) {
    let start = Instant::now();
    let measure_from = start + warmup;
    let until = measure_from + measured;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(drive(
                addr,
                request.clone(),
                expected_length,
                measure_from,
                until,
            ))
        })
        .collect();
    for task in tasks {
        let r = task.await.expect("a load task");
        tally.latencies.extend(r.latencies);
        tally.errors += r.errors;
    }
    tally.measured += measured;
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

fn server_runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a server runtime")
}

fn seed_fixtures(agents: usize) -> (Fixtures, Vec<String>, Vec<String>) {
    let [transfer, knowledge] = voice_action_bodies();
    let mut voice = Vec::with_capacity(agents);
    let mut conversation = Vec::with_capacity(agents);
    let mut voice_ids = Vec::with_capacity(agents);
    let mut conversation_ids = Vec::with_capacity(agents);
    for i in 0..agents {
        let id = format!("6650f3c2a8e4{:012x}", i + 1);
        let mut agent = voice_agent_body(i);
        agent["id"] = json!(id);
        agent["actions"] = json!([transfer, knowledge]);
        voice.push(agent);
        voice_ids.push(id);
        let id = format!("Zt4hQm8LwX{:010}", i + 1);
        conversation.push(json!({
            "id": id,
            "name": format!("Front Desk Assistant {i:05}"),
            "personality": "Warm and concise",
            "goal": "Book cleanings",
            "instructions": "Never quote prices.",
            "actions": [{
                "name": "Start onboarding workflow",
                "type": "triggerWorkflow",
                "details": {"workflowIds": ["wf_onboarding"], "triggerCondition": "The contact confirms a booking"}
            }]
        }));
        conversation_ids.push(id);
    }
    let doc = json!({"voiceAgents": voice, "conversationAgents": conversation});
    let fixtures = Fixtures::from_value(&doc).expect("the benchmark fixtures are valid");
    (fixtures, voice_ids, conversation_ids)
}

fn bare_router(routes: &[(String, String, Bytes)]) -> Router {
    let mut router = Router::new();
    for (path, content_type, body) in routes {
        let content_type = HeaderValue::from_str(content_type).expect("a header value");
        let body = body.clone();
        router = router.route(
            path,
            get(move || {
                let body = body.clone();
                let content_type = content_type.clone();
                async move { ([(header::CONTENT_TYPE, content_type)], body) }
            }),
        );
    }
    router
}

/// Mean time per request of `router` handling `target` in-process (`tower::ServiceExt::oneshot`,
/// no sockets, body read in full): the application's own cost, without HTTP parsing or I/O.
fn in_process(runtime: &Runtime, router: &Router, target: &str, token: &str) -> Duration {
    use tower::ServiceExt as _;
    let requests = env_u64("HTTP_BENCH_IN_PROCESS_REQUESTS", 5_000).max(1);
    runtime.block_on(async {
        let one = || async {
            let request = axum::http::Request::get(target)
                .header("host", "127.0.0.1")
                .header("authorization", format!("Bearer {token}"))
                .header("version", "2021-04-15")
                .header("accept", "application/json")
                .body(axum::body::Body::empty())
                .expect("a request");
            let response = router.clone().oneshot(request).await.expect("infallible");
            assert_eq!(response.status(), 200, "{target}");
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body")
                .len()
        };
        for _ in 0..requests / 10 {
            one().await;
        }
        let started = Instant::now();
        for _ in 0..requests {
            one().await;
        }
        started.elapsed() / requests as u32
    })
}

/// Mean time of `f` (a store call), over `HTTP_BENCH_IN_PROCESS_REQUESTS` calls.
fn store_time(mut f: impl FnMut() -> usize) -> Duration {
    let calls = env_u64("HTTP_BENCH_IN_PROCESS_REQUESTS", 5_000).max(1);
    let mut sink = 0;
    for _ in 0..calls / 10 {
        sink += f();
    }
    let started = Instant::now();
    for _ in 0..calls {
        sink += f();
    }
    let elapsed = started.elapsed() / calls as u32;
    assert!(sink > 0);
    elapsed
}

struct Scenario {
    name: &'static str,
    /// The path with its query, as requested.
    target: String,
    /// The path the bare router serves it on (no query).
    route: String,
}

fn main() {
    if let Ok(scenario) = std::env::var(MEMORY_CHILD_ENV) {
        memory_child(&scenario);
        return;
    }
    let agents = env_u64("HTTP_BENCH_AGENTS", 1_000) as usize;
    let connections = env_u64("HTTP_BENCH_CONNECTIONS", 32) as usize;

    println!("# mock-server HTTP throughput");
    println!(
        "cores: {}, connections: {connections}, warm-up: {} s, measured: {} s per server and \
         scenario, in {} alternating slices",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        env_u64("HTTP_BENCH_WARMUP_SECS", 2),
        env_u64("HTTP_BENCH_SECS", 6),
        env_u64("HTTP_BENCH_ROUNDS", 6),
    );

    println!("load average at start: {}", load_average());

    // 1. Memory, in clean child processes.
    let memory = if std::env::var_os("HTTP_BENCH_SKIP_MEMORY").is_some() {
        Vec::new()
    } else {
        vec![
            measure_memory("agents-only"),
            measure_memory("with-actions"),
        ]
    };

    // 2. The mock, seeded.
    let seeding = Instant::now();
    let (fixtures, voice_ids, conversation_ids) = seed_fixtures(agents);
    let mock_rt = server_runtime("mock-server");
    let mock = mock_rt.block_on(MockServer::builder().fixtures(fixtures).start());
    let seeded_in = seeding.elapsed();
    let location = mock.location_id().to_owned();
    let token = mock.dev_token().to_owned();
    let pick = agents / 2;
    let scenarios = [
        Scenario {
            name: "Voice AI get agent",
            target: format!("/voice-ai/agents/{}?locationId={location}", voice_ids[pick]),
            route: format!("/voice-ai/agents/{}", voice_ids[pick]),
        },
        Scenario {
            name: "Voice AI list agents (page 1, size 10)",
            target: format!("/voice-ai/agents?locationId={location}&page=1&pageSize=10"),
            route: "/voice-ai/agents".to_owned(),
        },
        Scenario {
            name: "Conversation AI get agent",
            target: format!("/conversation-ai/agents/{}", conversation_ids[pick]),
            route: format!("/conversation-ai/agents/{}", conversation_ids[pick]),
        },
    ];

    // The store calls behind each scenario, alone (no HTTP, no pipeline, no serialization).
    let store = mock.state().store();
    let store_times = [
        store_time(|| {
            let agent = store
                .voice_get_agent(&location, &voice_ids[pick])
                .expect("the agent exists");
            agent.as_object().map_or(0, Map::len)
        }),
        store_time(|| store.voice_list_agents(&location, None, 1, 10).1.len()),
        store_time(|| {
            let agent = store
                .conversation_get_agent(&location, &conversation_ids[pick])
                .expect("the agent exists");
            agent.as_object().map_or(0, Map::len)
        }),
    ];

    // What the list handler does with the page after the store call: `json!` copies the agents
    // into a new `Value` (it serializes interpolated expressions by reference), then axum
    // serializes that to bytes.
    let (_, page) = store.voice_list_agents(&location, None, 1, 10);
    let list_copy = store_time(|| {
        let copy = serde_json::to_value(&page).expect("serializable");
        copy.as_array().map_or(0, Vec::len)
    });
    let list_bytes = store_time(|| serde_json::to_vec(&page).expect("serializable").len());

    // The generator: one thread (this one).
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client runtime");

    // Capture the mock's answers.
    let mut routes = Vec::new();
    for s in &scenarios {
        let resp = client_rt.block_on(async {
            let mut conn = Conn::connect(mock.address()).await.expect("connect");
            conn.round_trip(&request_bytes(&s.target, &token), true)
                .await
                .expect("a response")
        });
        assert_eq!(
            resp.status,
            200,
            "{}: {}",
            s.name,
            String::from_utf8_lossy(&resp.body)
        );
        let content_type = resp.content_type.expect("a content type");
        routes.push((s.route.clone(), content_type, Bytes::from(resp.body)));
    }

    // 3. The bare router on its own runtime.
    let bare_rt = server_runtime("bare-axum");
    let bare_addr = bare_rt.block_on(async {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("an address");
        let router = bare_router(&routes);
        tokio::spawn(async move { axum::serve(listener, router).await });
        addr
    });
    // Same bytes from both.
    for (s, (_, content_type, body)) in scenarios.iter().zip(&routes) {
        let resp = client_rt.block_on(async {
            let mut conn = Conn::connect(bare_addr).await.expect("connect");
            conn.round_trip(&request_bytes(&s.target, &token), true)
                .await
                .expect("a response")
        });
        assert_eq!(resp.status, 200);
        assert_eq!(resp.content_type.as_deref(), Some(content_type.as_str()));
        assert_eq!(
            resp.body,
            body.as_ref(),
            "{}: bare and mock bodies differ",
            s.name
        );
    }

    println!(
        "seeded {agents} Voice AI agents (2 actions each) and {agents} Conversation AI agents \
         (1 action each) in {:.2} s",
        seeded_in.as_secs_f64()
    );
    println!();
    let bare_service = bare_router(&routes);
    let mock_service = mock_server::router(mock.state().clone());
    println!(
        "| Scenario | Server | Body bytes | Requests | Errors | Req/s | p50 | p99 | p99.9 | In-process | Store call |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let only = std::env::var("HTTP_BENCH_ONLY").unwrap_or_default();
    let warmup = Duration::from_secs(env_u64("HTTP_BENCH_WARMUP_SECS", 2));
    let measured = Duration::from_secs(env_u64("HTTP_BENCH_SECS", 6)).max(Duration::from_secs(1));
    let rounds = env_u64("HTTP_BENCH_ROUNDS", 6).clamp(1, 60) as u32;
    let mut ratios = Vec::new();
    for ((s, (_, _, body)), store_call) in scenarios.iter().zip(&routes).zip(store_times) {
        if !s.name.contains(only.as_str()) {
            continue;
        }
        let request: Arc<[u8]> = Arc::from(request_bytes(&s.target, &token));
        let servers = [
            ("bare axum", bare_addr, &bare_service),
            ("mock", mock.address(), &mock_service),
        ];
        // Both warmed up, then measured in alternating slices (bare, mock, mock, bare, …) so a
        // burst of other work on the machine falls on both servers alike.
        let mut tallies = [Tally::default(), Tally::default()];
        for (i, (_, addr, _)) in servers.iter().enumerate() {
            let slice = (warmup, Duration::ZERO);
            client_rt.block_on(load(
                *addr,
                &request,
                body.len(),
                connections,
                slice,
                &mut tallies[i],
            ));
        }
        for round in 0..rounds {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for i in order {
                let slice = (Duration::from_millis(200), measured / rounds);
                let addr = servers[i].1;
                client_rt.block_on(load(
                    addr,
                    &request,
                    body.len(),
                    connections,
                    slice,
                    &mut tallies[i],
                ));
            }
        }
        let mut pair = Vec::new();
        for ((server, _, service), tally) in servers.into_iter().zip(tallies) {
            let stats = tally.stats();
            let own = in_process(&client_rt, service, &s.target, &token);
            println!(
                "| {} | {server} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} |",
                s.name,
                body.len(),
                stats.requests,
                stats.errors,
                stats.rps,
                fmt_latency(stats.p50),
                fmt_latency(stats.p99),
                fmt_latency(stats.p999),
                fmt_micros(own),
                if server == "mock" {
                    fmt_micros(store_call)
                } else {
                    "–".to_owned()
                },
            );
            io::stdout().flush().ok();
            pair.push(stats.rps);
        }
        ratios.push((s.name, pair[1] / pair[0]));
    }
    println!();
    println!("| Scenario | mock / bare req/s |");
    println!("|---|---:|");
    for (name, ratio) in &ratios {
        println!("| {name} | {ratio:.2} |");
    }
    println!();
    println!(
        "list page (10 agents) after the store call: json! deep copy {}, serialization to bytes {}",
        fmt_micros(list_copy),
        fmt_micros(list_bytes)
    );
    println!();
    println!("| Memory scenario | Agents | RSS before | RSS after | Bytes per agent |");
    println!("|---|---:|---:|---:|---:|");
    for m in &memory {
        let label = match m.scenario {
            "agents-only" => "Voice AI agent, defaults filled, no actions",
            _ => "Voice AI agent with 2 actions",
        };
        println!(
            "| {label} | {} | {:.1} MiB | {:.1} MiB | {:.0} |",
            m.agents,
            m.before as f64 / 1048576.0,
            m.after as f64 / 1048576.0,
            (m.after.saturating_sub(m.before)) as f64 / m.agents as f64,
        );
    }
    println!();
    println!("load average at end: {}", load_average());
    drop(mock);
    mock_rt.shutdown_timeout(Duration::from_secs(1));
    bare_rt.shutdown_timeout(Duration::from_secs(1));
}

/// `/proc/loadavg`'s 1/5/15-minute figures: other work on the machine skews the results.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn fmt_micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn fmt_latency(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}
