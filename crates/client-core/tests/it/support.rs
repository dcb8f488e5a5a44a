//! A scripted HTTP server on 127.0.0.1:0, a recording sleeper, token sources and helpers.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use highlevel_client_core::{
    ApiError, ClientConfig, ClientParts, OperationInfo, OperationMeta, RetryPolicy, Sleeper, Token,
    TokenSource,
};

pub(crate) const PIT: &str = "pit-5ec7e7aa-0000-4111-8222-123456789abc";
pub(crate) const SECRET_FRAGMENT: &str = "5ec7e7aa";

pub(crate) static OPERATIONS: &[OperationMeta] = &[
    OperationMeta {
        operation_id: "get-agents",
        name: "listAgents",
        method: "GET",
        path: "/voice-ai/agents",
        scope: Some("voice-ai-agents.readonly"),
    },
    OperationMeta {
        operation_id: "create-agent",
        name: "createAgent",
        method: "POST",
        path: "/voice-ai/agents",
        scope: Some("voice-ai-agents.write"),
    },
    OperationMeta {
        operation_id: "get-agent",
        name: "getAgent",
        method: "GET",
        path: "/voice-ai/agents/{agentId}",
        scope: Some("voice-ai-agents.readonly"),
    },
    OperationMeta {
        operation_id: "trace-agent",
        name: "traceAgent",
        method: "GET",
        path: "/voice-ai/agents/{agentId}",
        scope: Some("voice-ai-agents.readonly"),
    },
];

pub(crate) const TRACE_AGENT: OperationInfo = OperationInfo {
    operation_id: "trace-agent",
};
pub(crate) const GET_AGENTS: OperationInfo = OperationInfo {
    operation_id: "get-agents",
};
pub(crate) const CREATE_AGENT: OperationInfo = OperationInfo {
    operation_id: "create-agent",
};
pub(crate) const GET_AGENT: OperationInfo = OperationInfo {
    operation_id: "get-agent",
};

/// One scripted response.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub(crate) fn ok() -> Self {
        Self::json(200, r#"{"ok":true}"#)
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) authorization: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) api_version: Option<String>,
    pub(crate) body: Bytes,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<Seen>>,
}

/// A server answering with `script` in order, then `200 {"ok":true}`.
pub(crate) struct TestServer {
    pub(crate) base_url: String,
    shared: Arc<Shared>,
}

impl TestServer {
    pub(crate) async fn start(script: Vec<Reply>) -> Self {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            seen: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server runs");
        });
        Self {
            base_url: format!("http://{address}"),
            shared,
        }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("seen lock").clone()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    shared.seen.lock().expect("seen lock").push(Seen {
        method,
        path: uri.path().to_owned(),
        authorization: text("authorization"),
        version: text("version"),
        api_version: text("api-version"),
        body,
    });
    let reply = shared
        .script
        .lock()
        .expect("script lock")
        .pop_front()
        .unwrap_or_else(Reply::ok);
    let mut response = (
        StatusCode::from_u16(reply.status).expect("valid status"),
        reply.body,
    )
        .into_response();
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("header value"),
    );
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    response
}

/// Records the waits it is asked for and returns at once.
#[derive(Debug, Default)]
pub(crate) struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub(crate) fn waits(&self) -> Vec<Duration> {
        self.waits.lock().expect("waits lock").clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
        self.waits.lock().expect("waits lock").push(wait);
        Box::pin(async {})
    }
}

/// A policy that records waits and does not jitter, so waits can be compared exactly.
pub(crate) fn recorded_policy() -> (RetryPolicy, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::default());
    let policy = RetryPolicy::default()
        .jitter(false)
        .base_delay(Duration::from_millis(100))
        .sleeper(sleeper.clone());
    (policy, sleeper)
}

pub(crate) fn parts_for(server: &TestServer, policy: RetryPolicy) -> ClientParts {
    ClientConfig::new(Token::new(PIT))
        .base_url(&server.base_url)
        .retry_policy(policy)
        .operations(OPERATIONS)
        .build()
        .expect("test configuration builds")
}

/// Runs `pre` and `exec` as a generated client would.
pub(crate) async fn send(
    parts: &ClientParts,
    method: reqwest::Method,
    url: &str,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    let mut request = parts
        .client
        .request(method, url)
        .header("api-version", "1.0")
        .header("content-type", "application/json")
        .body(r#"{"name":"Agent"}"#)
        .build()
        .expect("request builds");
    parts
        .runtime
        .pre::<()>(&mut request, info)
        .await
        .expect("pre accepts the token");
    parts.runtime.exec(&parts.client, request, info).await
}

/// A token source that hands out `first`, then `refreshed` after a refresh, counting refreshes.
pub(crate) struct RefreshingSource {
    pub(crate) refreshed: Token,
    pub(crate) refreshes: AtomicUsize,
    current: Mutex<Token>,
}

impl RefreshingSource {
    pub(crate) fn new(first: &str, refreshed: &str) -> Self {
        Self {
            refreshed: Token::new(refreshed),
            refreshes: AtomicUsize::new(0),
            current: Mutex::new(Token::new(first)),
        }
    }

    pub(crate) fn refresh_count(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}

impl TokenSource for RefreshingSource {
    fn token(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        let token = self.current.lock().expect("token lock").clone();
        Box::pin(async move { Ok(token) })
    }

    fn refresh(&self) -> BoxFuture<'_, Result<Token, ApiError>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        *self.current.lock().expect("token lock") = self.refreshed.clone();
        let token = self.refreshed.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// A JWT-shaped token (unsigned) whose payload has `authClass: class`.
pub(crate) fn jwt_with_auth_class(class: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = engine.encode(format!(
        r#"{{"authClass":"{class}","sub":"secretsubject"}}"#
    ));
    format!("{header}.{payload}.c2lnbmF0dXJl")
}
