//! The client runtime's own cost per request: a request through `Runtime::pre` and
//! `Runtime::exec` against the same request sent with bare `reqwest`, to the same mock route.
//!
//! Run with `cargo bench -p highlevel-client-core --bench overhead`. See `BENCHMARKS.md`.
//!
//! Both sides use the same `reqwest::Client` (from `ClientConfig::build`, so the same pool and
//! settings), send `GET /voice-ai/agents?locationId=…` with a bearer token and the `Version`
//! header, and read the whole body. The mock serves from its own single-worker tokio runtime on
//! another thread; the client side runs on a current-thread runtime on the bench thread. No
//! tracing subscriber is installed, as in an application that does not collect spans.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use highlevel_client_core::{
    ClientConfig, OperationInfo, OperationMeta, RetryPolicy, StaticToken, Token,
};
use mock_server::MockServer;

static OPERATIONS: &[OperationMeta] = &[OperationMeta {
    operation_id: "get-agents",
    name: "getAgents",
    method: "GET",
    path: "/voice-ai/agents",
    scope: Some("voice-ai-agents.readonly"),
}];

const INFO: OperationInfo = OperationInfo {
    operation_id: "get-agents",
};

fn overhead(c: &mut Criterion) {
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = server_runtime.block_on(MockServer::start());
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    let token = server.dev_token().to_owned();
    let url = format!(
        "{}/voice-ai/agents?locationId={}",
        server.uri(),
        server.location_id()
    );
    let parts = ClientConfig::with_token_source(Arc::new(StaticToken::new(Token::new(&token))))
        .base_url(server.uri())
        .retry_policy(RetryPolicy::default())
        .operations(OPERATIONS)
        .build()
        .expect("client parts");
    let client = parts.client.clone();
    let runtime = parts.runtime.clone();

    let bare = || async {
        let response = client
            .get(&url)
            .bearer_auth(&token)
            .header("version", "2021-04-15")
            .send()
            .await
            .expect("bare request completes");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("body").len()
    };
    let bearer = format!("Bearer {token}");
    let bare_execute = || async {
        let request = client
            .get(&url)
            .header("authorization", &bearer)
            .header("version", "2021-04-15")
            .build()
            .expect("request builds");
        let response = client
            .execute(request)
            .await
            .expect("bare request completes");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("body").len()
    };
    let through_runtime = || async {
        let mut request = client.get(&url).build().expect("request builds");
        runtime
            .pre::<()>(&mut request, &INFO)
            .await
            .expect("pre accepts the token");
        let response = runtime
            .exec(&client, request, &INFO)
            .await
            .expect("runtime request completes");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("body").len()
    };
    // Same answer both ways, before anything is timed.
    assert_eq!(
        client_runtime.block_on(bare()),
        client_runtime.block_on(through_runtime())
    );

    // Paired medians: scheduling hiccups on a shared machine add long outliers that move a mean
    // but hardly a median. Requests alternate (bare first in even pairs, runtime first in odd
    // ones) and each is timed on its own.
    let pairs = std::env::var("OVERHEAD_PAIRS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20_000usize);
    let mut bare_times = Vec::with_capacity(pairs);
    let mut runtime_times = Vec::with_capacity(pairs);
    let time = |future| {
        let started = Instant::now();
        black_box(client_runtime.block_on(future));
        started.elapsed()
    };
    for pair in 0..pairs {
        if pair % 2 == 0 {
            bare_times.push(time(Box::pin(bare()) as Pending<'_>));
            runtime_times.push(time(Box::pin(through_runtime())));
        } else {
            runtime_times.push(time(Box::pin(through_runtime())));
            bare_times.push(time(Box::pin(bare())));
        }
    }
    let (bare_median, runtime_median) = (median(&mut bare_times), median(&mut runtime_times));
    println!(
        "paired medians over {pairs} pairs: bare reqwest {bare_median:?}, runtime \
         {runtime_median:?}, runtime/bare {:.3}",
        runtime_median.as_secs_f64() / bare_median.as_secs_f64()
    );

    let mut group = c.benchmark_group("list_agents");
    group.bench_function("bare_reqwest", |b| {
        b.iter(|| black_box(client_runtime.block_on(bare())));
    });
    group.bench_function("runtime", |b| {
        b.iter(|| black_box(client_runtime.block_on(through_runtime())));
    });
    // The same pair, interleaved: each timed request is preceded by an untimed one of the other
    // kind, so both see the same machine load (the cores are shared with other work).
    group.bench_function("bare_reqwest_interleaved", |b| {
        b.iter_custom(|iterations| {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                black_box(client_runtime.block_on(through_runtime()));
                let started = Instant::now();
                black_box(client_runtime.block_on(bare()));
                timed += started.elapsed();
            }
            timed
        });
    });
    group.bench_function("bare_execute_interleaved", |b| {
        b.iter_custom(|iterations| {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                black_box(client_runtime.block_on(through_runtime()));
                let started = Instant::now();
                black_box(client_runtime.block_on(bare_execute()));
                timed += started.elapsed();
            }
            timed
        });
    });
    group.bench_function("runtime_interleaved", |b| {
        b.iter_custom(|iterations| {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                black_box(client_runtime.block_on(bare()));
                let started = Instant::now();
                black_box(client_runtime.block_on(through_runtime()));
                timed += started.elapsed();
            }
            timed
        });
    });
    group.finish();

    // The runtime's work alone, without the network: `pre` on a built request, and the
    // request clone `exec` keeps for a retry.
    let mut alone = c.benchmark_group("runtime_alone");
    alone.bench_function("pre", |b| {
        b.iter(|| {
            let mut request = client.get(&url).build().expect("request builds");
            client_runtime
                .block_on(runtime.pre::<()>(&mut request, &INFO))
                .expect("pre accepts the token");
            black_box(request)
        });
    });
    // An OAuth access token is a JWT whose claims are checked (authClass) before use.
    let jwt_runtime =
        highlevel_client_core::Runtime::new(Arc::new(StaticToken::new(Token::new(location_jwt()))))
            .with_operations(OPERATIONS);
    alone.bench_function("pre_location_jwt", |b| {
        b.iter(|| {
            let mut request = client.get(&url).build().expect("request builds");
            client_runtime
                .block_on(jwt_runtime.pre::<()>(&mut request, &INFO))
                .expect("pre accepts the token");
            black_box(request)
        });
    });
    alone.bench_function("build_request_only", |b| {
        b.iter(|| black_box(client.get(&url).build().expect("request builds")));
    });
    alone.finish();
    drop(server);
    drop(server_runtime);
}

type Pending<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = usize> + 'a>>;

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// An unsigned JWT-shaped token with `authClass: "Location"`, as HighLevel's OAuth issues.
fn location_jwt() -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = engine.encode(
        br#"{"authClass":"Location","authClassId":"loc","source":"INTEGRATION","channel":"OAUTH","scope":"voice-ai-agents.readonly"}"#,
    );
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

criterion_group!(benches, overhead);
criterion_main!(benches);
