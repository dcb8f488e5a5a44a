//! `highlevel-mock`: serves the mock Voice AI and Conversation AI APIs until SIGINT/SIGTERM.
//!
//! Run `cargo run -p mock-server -- --help` for the flags. With no flags it serves the seeded
//! demo data on `127.0.0.1:8080`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mock_server::Fixtures;
use mock_server::RateLimitConfig;
use mock_server::{DEFAULT_LOCATION_ID, DEFAULT_SEED, MockServer};
use tokio::net::TcpListener;

/// mimalloc rather than the system allocator: under load both runtime workers allocate and free
/// every request's buffers, and glibc's arenas then contend on a lock (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A stateful in-memory mock of HighLevel's Voice AI and Conversation AI APIs.
#[derive(Debug, Parser)]
#[command(
    name = "highlevel-mock",
    version,
    about,
    after_help = "Admin API (for local and CI use only; no Version header, and no token unless \
                  --admin-token is set; JSON bodies only; cross-site browser requests refused): \
                  /__mock/reset, /__mock/state, /__mock/state/save, /__mock/tokens, /__mock/calls, \
                  /__mock/call-logs/generate, /__mock/generations, /__mock/journal, /__mock/faults, \
                  /__mock/rate-limit, /__mock/clock, /__mock/webhooks/{subscriptions,deliveries,public-key,retry-policy}, \
                  /__mock/oauth/{apps,codes}, /__mock/violations. \
                  GET /__mock/ lists them; the crate README documents each."
)]
struct Cli {
    /// Address to listen on. Anything but a loopback address opens the unauthenticated admin
    /// API to the network too (a warning says so at start).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The dev token to accept (a sub-account private integration token with every scope).
    /// Default: `pit-<uuid>` derived from the seed.
    #[arg(long)]
    token: Option<String>,
    /// The dev token's location id.
    #[arg(long, default_value = DEFAULT_LOCATION_ID)]
    location_id: String,
    /// Seed for ids, default names and the default token.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// JSON file of agents, actions, call logs and generations to preload instead of the demo
    /// data (format: see the crate README).
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Start with no data at all (ignored when --fixtures is given).
    #[arg(long)]
    empty: bool,
    /// Let the dev token name any locationId instead of only its own.
    #[arg(long)]
    any_location: bool,
    /// Leave out the voices endpoints, which HighLevel does not document publicly.
    #[arg(long)]
    no_voices: bool,
    /// Generate N call logs per location at start (and on reset), spread over each location's
    /// Voice AI agents, over the 90 days before the clock's now; deterministic per seed and that
    /// instant (see --clock). Needs agents (the demo data has three).
    #[arg(long, value_name = "N", default_value_t = 0)]
    call_logs: usize,
    /// Enforce a rate limit of this many requests per location per interval (live: 100; the
    /// flag alone means 100); 429 beyond it, the five X-RateLimit-* headers on every response.
    /// Off by default; also switchable at runtime with PUT /__mock/rate-limit.
    #[arg(long, value_name = "MAX", num_args = 0..=1, default_missing_value = "100")]
    rate_limit: Option<u32>,
    /// The rate-limit burst interval in milliseconds (with --rate-limit).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    rate_limit_interval_ms: u64,
    /// The daily request budget per location (with --rate-limit).
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    rate_limit_daily: u32,
    /// Send signed VoiceAiCallEnd webhooks to this plain http:// URL (repeatable); more can be
    /// added with POST /__mock/webhooks/subscriptions.
    #[arg(long = "webhook-url", value_name = "URL")]
    webhook_urls: Vec<String>,
    /// Webhook delivery attempts in all, the first included (1 to 20).
    #[arg(long, value_name = "N", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(mock_server::MAX_WEBHOOK_ATTEMPTS)))]
    webhook_max_attempts: u32,
    /// The wait before the first webhook retry in milliseconds (at most 60000); it doubles for
    /// each later one (at most 30 s).
    #[arg(long, value_name = "MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    webhook_retry_delay_ms: u64,
    /// Let webhook targets be link-local or cloud-metadata addresses (169.254.0.0/16, fe80::/10,
    /// 169.254.169.254, metadata.google.internal, …) and carry credentials (user:pass@), which
    /// are refused otherwise. Loopback and private addresses are always allowed.
    #[arg(long)]
    webhook_allow_any: bool,
    /// Make every admin route (/__mock/…) need `Authorization: Bearer TEXT` (401 otherwise).
    /// The environment variable keeps the token out of process listings.
    #[arg(
        long,
        value_name = "TEXT",
        env = "HIGHLEVEL_MOCK_ADMIN_TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,
    /// Load the whole state from FILE at start (when it exists) and write it there atomically
    /// on SIGINT/SIGTERM and on POST /__mock/state/save. One server per file: a second one is
    /// refused at start (an OS lock on .FILE.lock beside it), as is a missing or read-only
    /// directory.
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
    /// Seconds the OAuth access tokens issued by POST /oauth/token live (the vendor's 86399);
    /// after that the API routes refuse them as invalid tokens.
    #[arg(long, value_name = "SECS", default_value_t = 86_399)]
    oauth_token_lifetime: u64,
    /// The request journal's budget in bytes (oldest exchanges dropped first; 0 turns it off).
    #[arg(long, value_name = "BYTES", default_value_t = mock_server::DEFAULT_JOURNAL_BYTES)]
    journal_bytes: usize,
    /// Journal every request header, not only Version, Authorization, Content-Type,
    /// Content-Length, User-Agent and Accept (costs a header-map copy per request).
    #[arg(long)]
    journal_full_headers: bool,
    /// Log one line per request (method, path, status, latency) to stderr. Off by default: the
    /// journal (GET /__mock/journal) and the dashboard show every exchange, and a line per
    /// request costs 10–20 % of the throughput. `RUST_LOG`, when set, decides instead
    /// (the lines' target is `mock_server::requests`).
    #[arg(long)]
    log_requests: bool,
    /// Be a validating proxy: forward every vendor-route request to this http(s) base URL
    /// (the vendor: services.leadconnectorhq.com over https), check both directions against the specs,
    /// log each violation and list them at GET /__mock/violations. The admin API stays local.
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,
    /// With --upstream: answer an invalid request with the vendor-shaped 422 instead of
    /// forwarding it, and mark an answer that breaks the spec with an x-mock-violations header.
    #[arg(long, requires = "upstream")]
    strict: bool,
    /// With --upstream: write the violations as JUnit XML to FILE at shutdown.
    #[arg(long, value_name = "FILE", requires = "upstream")]
    report: Option<PathBuf>,
    /// With --upstream: write what the upstream answered to GETs as a fixtures document to FILE
    /// at shutdown (replay it with --fixtures FILE).
    #[arg(long, value_name = "FILE", requires = "upstream")]
    record: Option<PathBuf>,
    /// Seconds a connection may stay idle without completing a request head; a silent,
    /// half-sent or idle kept-alive connection is closed after it (within 1¼ of it).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout: u64,
    /// Seconds a request body may take to arrive whole, counted from its head (408 past it).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    body_read_timeout: u64,
    /// The most connections open at once. At the cap a new connection closes the oldest one
    /// that has not sent a whole request head yet, or is closed itself when all are busy.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// The mock's clock: `real` (the system time) or an RFC 3339 instant such as
    /// 2026-03-02T09:00:00Z to start frozen there (timestamps, generated call logs, token
    /// lifetimes and rate-limit windows then repeat exactly); movable with PUT /__mock/clock.
    #[arg(long, value_name = "real|INSTANT", default_value = "real")]
    clock: mock_server::ClockSetting,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(log_filter(cli.log_requests))
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("highlevel-mock: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `RUST_LOG` when set (plus the request lines with `--log-requests`); otherwise `info`, with
/// the request lines only when `--log-requests` asks for them.
fn log_filter(log_requests: bool) -> tracing_subscriber::EnvFilter {
    let requests = if log_requests { "info" } else { "off" };
    let directive = format!("{}={requests}", mock_server::REQUEST_LOG_TARGET);
    match tracing_subscriber::EnvFilter::try_from_default_env() {
        Ok(filter) if log_requests => match directive.parse() {
            Ok(directive) => filter.add_directive(directive),
            Err(_) => filter,
        },
        Ok(filter) => filter,
        Err(_) => tracing_subscriber::EnvFilter::new(format!("info,{directive}")),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let fixtures = match (&cli.fixtures, cli.empty) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            Fixtures::from_json_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        (None, true) => Fixtures::empty(),
        (None, false) => Fixtures::demo(cli.seed),
    };
    let mut builder = MockServer::builder()
        .seed(cli.seed)
        .location_id(cli.location_id)
        .dev_token_any_location(cli.any_location)
        .voices(!cli.no_voices)
        .call_logs(cli.call_logs)
        .clock(cli.clock)
        .oauth_token_lifetime(Duration::from_secs(cli.oauth_token_lifetime))
        .journal_bytes(cli.journal_bytes)
        .journal_capture(if cli.journal_full_headers {
            mock_server::HeaderCapture::Full
        } else {
            mock_server::HeaderCapture::Lean
        })
        .fixtures(fixtures);
    if let Some(token) = cli.token {
        builder = builder.dev_token(token);
    }
    for url in &cli.webhook_urls {
        builder = builder.webhook_url(url.clone());
    }
    builder = builder.webhook_allow_any(cli.webhook_allow_any);
    if let Some(token) = cli.admin_token.as_deref().map(str::trim) {
        if token.is_empty() {
            return Err("--admin-token: the token must not be empty".to_owned());
        }
        builder = builder.admin_token(token);
    }
    builder = builder.webhook_retry(mock_server::WebhookRetryPolicy {
        max_attempts: cli.webhook_max_attempts,
        initial_delay: Duration::from_millis(cli.webhook_retry_delay_ms),
        ..Default::default()
    });
    if let Some(path) = &cli.state_file {
        builder = builder.state_file(path.clone());
    }
    if let Some(upstream) = &cli.upstream {
        let mut config = mock_server::ProxyConfig::new(upstream)
            .map_err(|e| format!("--upstream: {e}"))?
            .strict(cli.strict);
        if let Some(path) = &cli.report {
            config = config.report(path.clone());
        }
        if let Some(path) = &cli.record {
            config = config.record(path.clone());
        }
        builder = builder.upstream(config);
    }
    if let Some(max) = cli.rate_limit {
        builder = builder.rate_limit(RateLimitConfig {
            max,
            interval: Duration::from_millis(cli.rate_limit_interval_ms),
            daily: cli.rate_limit_daily,
        });
    }
    // One server per state file: taken before the file is read, held until the process ends.
    let _state_file_lock = match &cli.state_file {
        Some(path) => {
            let lock = mock_server::StateFileLock::acquire(path)?;
            for leftover in lock.removed() {
                tracing::info!(path = %leftover.display(), "removed a temporary file an unfinished save left");
            }
            Some(lock)
        }
        None => None,
    };
    let limits = mock_server::ConnectionLimits {
        header_read_timeout: Duration::from_secs(cli.header_read_timeout),
        body_read_timeout: Duration::from_secs(cli.body_read_timeout),
        max_connections: usize::try_from(cli.max_connections).unwrap_or(usize::MAX),
    };
    let state = builder.build_state();
    for url in &cli.webhook_urls {
        state
            .check_webhook_url(url)
            .map_err(|e| format!("--webhook-url: {e}"))?;
    }
    if let Some(path) = &cli.state_file
        && state.load_state_from(path)?
    {
        tracing::info!(path = %path.display(), "loaded the state file");
    }
    let listener = TcpListener::bind((cli.bind, cli.port))
        .await
        .map_err(|e| format!("binding {}:{}: {e}", cli.bind, cli.port))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    if !cli.bind.is_loopback() {
        // Printed whatever the log level: it is about who can reach the admin API.
        eprintln!(
            "highlevel-mock: warning: listening on {address}, not a loopback address: the admin \
             API (/__mock/, no authentication) is open to the network too; any host that reaches \
             this port can read and replace the mock's state"
        );
    }
    let app = state.oauth_app();
    // One write, errors ignored: a reader that stops after the lines it needs (and closes the
    // pipe) must not take the server down with it.
    let banner = format!(
        "highlevel-mock listening on http://{address}\ndev token:   {}\nlocation id: {}\n\
         oauth client id:     {}\noauth client secret: {}\n\
         dashboard:   http://{address}/__mock/ui\n",
        state.dev_token(),
        state.location_id(),
        app.client_id,
        app.client_secret
    );
    let banner = match &cli.upstream {
        Some(upstream) => format!("{banner}proxying to: {upstream}\n"),
        None => banner,
    };
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes());
        let _ = stdout.flush();
    }
    mock_server::serve_with_limits(listener, state.clone(), limits, shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    state.finish_proxy()?;
    if let Some(path) = &cli.state_file {
        state
            .save_state_to(path)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        tracing::info!(path = %path.display(), "saved the state file");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
