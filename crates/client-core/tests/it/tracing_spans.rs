//! `exec` records one `highlevel.request` span per attempt, without the token.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::support::*;

/// Field names and their `Debug` text, in recording order.
type Fields = Vec<(String, String)>;

/// Collects the fields of `highlevel.request` spans, and every event's text.
#[derive(Default)]
struct Collector {
    next_id: AtomicU64,
    spans: Mutex<Vec<(u64, Fields)>>,
    everything: Mutex<String>,
}

struct FieldText<'a>(&'a mut Fields);

impl Visit for FieldText<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

/// The subscriber handed to tracing; the test keeps another handle on the collector.
struct Recorder(Arc<Collector>);

impl std::ops::Deref for Recorder {
    type Target = Collector;

    fn deref(&self) -> &Collector {
        &self.0
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Vec::new();
        span.record(&mut FieldText(&mut fields));
        self.everything
            .lock()
            .expect("lock")
            .push_str(&format!("{fields:?}"));
        if span.metadata().name() == "highlevel.request" {
            self.spans.lock().expect("lock").push((id, fields));
        }
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Vec::new();
        values.record(&mut FieldText(&mut fields));
        self.everything
            .lock()
            .expect("lock")
            .push_str(&format!("{fields:?}"));
        let mut spans = self.spans.lock().expect("lock");
        if let Some((_, existing)) = spans.iter_mut().find(|(id, _)| *id == span.into_u64()) {
            existing.extend(fields);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut FieldText(&mut fields));
        self.everything
            .lock()
            .expect("lock")
            .push_str(&format!("{fields:?}"));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[test]
fn each_attempt_gets_a_span_with_method_path_template_operation_status_and_attempt() {
    // Scoped subscribers (`with_default`) race with the interest cache when other tests run in
    // parallel threads, so this test installs the process-wide subscriber (no other test does)
    // and looks only at spans of an operation no other test uses.
    let collector = Arc::new(Collector::default());
    tracing::subscriber::set_global_default(Recorder(collector.clone()))
        .expect("no other test installs a global subscriber");
    tracing::callsite::rebuild_interest_cache();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server = TestServer::start(vec![Reply::json(503, "{}")]).await;
        let (policy, _) = recorded_policy();
        let parts = parts_for(&server, policy);
        let response = send(
            &parts,
            Method::GET,
            &server.url("/voice-ai/agents/abc123"),
            &TRACE_AGENT,
        )
        .await
        .expect("request completes");
        assert_eq!(response.status(), 200);
    });
    let secrets = runtime.block_on(oauth_round_trip());
    let spans: Vec<_> = collector
        .spans
        .lock()
        .expect("lock")
        .iter()
        .filter(|(_, fields)| field(fields, "operation_id") == Some("\"trace-agent\""))
        .cloned()
        .collect();
    assert_eq!(spans.len(), 2, "{spans:?}");
    for (index, (_, fields)) in spans.iter().enumerate() {
        assert_eq!(field(fields, "method"), Some("GET"));
        assert_eq!(field(fields, "path"), Some("/voice-ai/agents/{agentId}"));
        assert_eq!(field(fields, "operation_id"), Some("\"trace-agent\""));
        assert_eq!(field(fields, "operation"), Some("\"traceAgent\""));
        assert_eq!(
            field(fields, "attempt"),
            Some((index + 1).to_string().as_str())
        );
        assert!(field(fields, "duration_ms").is_some());
    }
    assert_eq!(field(&spans[0].1, "status"), Some("503"));
    assert_eq!(field(&spans[1].1, "status"), Some("200"));
    let everything = collector.everything.lock().expect("lock").clone();
    assert!(
        !everything.contains(SECRET_FRAGMENT),
        "the token was recorded"
    );
    assert!(
        everything.contains("get-access-token"),
        "the token request has its span"
    );
    for secret in secrets {
        assert!(
            !everything.contains(&secret),
            "an OAuth secret was recorded"
        );
    }
}

/// An OAuth exchange and a refused token renewed on a 401, against the mock; returns the
/// secrets involved (client secret, refresh tokens, access tokens).
async fn oauth_round_trip() -> Vec<String> {
    use highlevel_client_core::{ClientConfig, OAuthCredentials, OAuthTokenSource, Token};
    use mock_server::AuthorizationRequest;

    let server = mock_server::MockServer::start().await;
    let install = server
        .state()
        .issue_oauth_tokens(&AuthorizationRequest::location(server.location_id()))
        .expect("tokens issued");
    let app = server.oauth_app();
    let rotated = Arc::new(Mutex::new(Vec::new()));
    let sink = rotated.clone();
    let source = OAuthTokenSource::builder(
        OAuthCredentials::new(app.client_id, &app.client_secret),
        Token::new(&install.refresh_token),
    )
    .access_token(
        Token::new("revoked.access.token"),
        std::time::Duration::from_secs(600),
    )
    .on_refresh_token(move |token| {
        sink.lock()
            .expect("lock")
            .push(token.expose_secret().to_owned());
    });
    let parts = ClientConfig::oauth(source)
        .base_url(server.uri())
        .operations(OPERATIONS)
        .build()
        .expect("builds");
    let url = format!(
        "{}/voice-ai/agents?locationId={}",
        parts.base_url,
        server.location_id()
    );
    let mut request = parts.client.get(url).build().expect("request builds");
    parts
        .runtime
        .pre::<()>(&mut request, &GET_AGENTS)
        .await
        .expect("pre");
    let response = parts
        .runtime
        .exec(&parts.client, request, &GET_AGENTS)
        .await
        .expect("request completes");
    assert_eq!(response.status(), 200);
    let mut secrets = vec![
        app.client_secret,
        install.refresh_token,
        install.access_token,
        "revoked.access.token".to_owned(),
    ];
    secrets.extend(rotated.lock().expect("lock").iter().cloned());
    secrets.extend(
        server
            .received_requests()
            .iter()
            .filter_map(|request| request.header("authorization"))
            .map(|value| value.trim_start_matches("Bearer ").to_owned()),
    );
    assert!(secrets.len() >= 6);
    secrets
}
