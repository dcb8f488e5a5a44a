//! The validating proxy's added latency per request: the same GETs sent straight to a mock and
//! through a proxy in front of it, in alternating slices, one at a time over kept-alive
//! connections; a strict proxy (which checks each answer before returning it, where the
//! default proxy checks after) runs in the same slices for comparison. Run with
//! `cargo run --release -p mock-server --example proxy_latency -- [REQUESTS_PER_ROUTE]`
//! (default 2000); it prints the median and p99 of each, and of the difference, per route.

use std::time::{Duration, Instant};

use mock_server::{Fixtures, MockServer, ProxyConfig};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let per_route: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 2000,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let upstream = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .call_logs(200)
        .journal_bytes(0)
        .start()
        .await;
    let proxy = MockServer::builder()
        .upstream(ProxyConfig::new(&upstream.uri())?)
        .start()
        .await;
    let strict = MockServer::builder()
        .upstream(ProxyConfig::new(&upstream.uri())?.strict(true))
        .start()
        .await;
    let client = reqwest::Client::new();
    let loc = upstream.location_id().to_owned();
    let token = upstream.dev_token().to_owned();
    let agent = {
        let list: serde_json::Value = client
            .get(format!(
                "{}/voice-ai/agents?locationId={loc}",
                upstream.uri()
            ))
            .header("Version", "2021-04-15")
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        list["agents"][0]["id"]
            .as_str()
            .ok_or("no agent")?
            .to_owned()
    };
    let routes = [
        (
            "getAgent",
            format!("/voice-ai/agents/{agent}?locationId={loc}"),
        ),
        (
            "listCallLogs (50 logs)",
            format!("/voice-ai/dashboard/call-logs?locationId={loc}&pageSize=50"),
        ),
    ];
    println!(
        "{:<38} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "route / server", "direct p50", "direct p99", "p50", "p99", "added p50", "added p99"
    );
    for (name, path) in &routes {
        let mut direct = Vec::with_capacity(per_route);
        let mut proxied = Vec::with_capacity(per_route);
        let mut checked_first = Vec::with_capacity(per_route);
        let slice = 50;
        // Warm-up: connections, caches.
        for base in [upstream.uri(), proxy.uri(), strict.uri()] {
            for _ in 0..100 {
                send(&client, &base, path, &token).await?;
            }
        }
        while direct.len() < per_route {
            for _ in 0..slice {
                direct.push(send(&client, &upstream.uri(), path, &token).await?);
            }
            for _ in 0..slice {
                proxied.push(send(&client, &proxy.uri(), path, &token).await?);
            }
            for _ in 0..slice {
                checked_first.push(send(&client, &strict.uri(), path, &token).await?);
            }
        }
        direct.sort();
        let (d50, d99) = (percentile(&direct, 0.5), percentile(&direct, 0.99));
        for (server, mut times) in [("proxy", proxied), ("strict proxy", checked_first)] {
            times.sort();
            let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
            println!(
                "{:<38} {:>8.0}µs {:>8.0}µs {:>8.0}µs {:>8.0}µs {:>10.0}µs {:>10.0}µs",
                format!("{name} / {server}"),
                micros(d50),
                micros(d99),
                micros(p50),
                micros(p99),
                micros(p50) - micros(d50),
                micros(p99) - micros(d99)
            );
        }
    }
    println!(
        "violations reported: proxy {}, strict proxy {}",
        proxy.state().violations().len(),
        strict.state().violations().len()
    );
    Ok(())
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let response = client
        .get(format!("{base}{path}"))
        .header("Version", "2021-04-15")
        .bearer_auth(token)
        .send()
        .await?;
    let status = response.status();
    let _ = response.bytes().await?;
    if !status.is_success() {
        return Err(format!("{path}: {status}").into());
    }
    Ok(started.elapsed())
}
