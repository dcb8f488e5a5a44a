//! Test helpers: a router over fresh state, request shortcuts, and a check that successful
//! responses conform to our spec.

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode};
use mock_server::Api;
use mock_server::testing::Validator;
use mock_server::testing::spec;
use mock_server::{AppState, MockServer, MockServerBuilder, router};
use serde_json::Value;
use tower::ServiceExt;

pub(crate) const VERSION: &str = "2021-04-15";

/// A status and a parsed JSON body (`Null` when empty).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl Reply {
    /// The `message` of an error body.
    pub(crate) fn message(&self) -> &Value {
        &self.body["message"]
    }

    /// The `id` of the body (or of `data` for Conversation AI action envelopes).
    pub(crate) fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .or_else(|| self.body["data"]["id"].as_str())
            .expect("the body has an id")
            .to_owned()
    }
}

pub(crate) struct Harness {
    pub(crate) state: AppState,
}

impl Harness {
    pub(crate) fn new() -> Self {
        Self::with(MockServer::builder())
    }

    pub(crate) fn with(builder: MockServerBuilder) -> Self {
        Self {
            state: builder.build_state(),
        }
    }

    pub(crate) fn loc(&self) -> String {
        self.state.location_id().to_owned()
    }

    /// A request with the dev token and the `Version` header.
    pub(crate) fn request(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("Version", VERSION)
            .header(
                "Authorization",
                format!("Bearer {}", self.state.dev_token()),
            )
    }

    pub(crate) async fn send(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
        let builder = self.request(method, uri);
        let request = match body {
            Some(body) => builder
                .header("Content-Type", "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("a valid request");
        self.send_raw(request).await
    }

    pub(crate) async fn send_raw(&self, request: Request<Body>) -> Reply {
        send_to(&self.state, request).await
    }

    pub(crate) async fn get(&self, uri: &str) -> Reply {
        self.send(Method::GET, uri, None).await
    }

    pub(crate) async fn post(&self, uri: &str, body: Value) -> Reply {
        self.send(Method::POST, uri, Some(body)).await
    }

    pub(crate) async fn put(&self, uri: &str, body: Value) -> Reply {
        self.send(Method::PUT, uri, Some(body)).await
    }

    pub(crate) async fn patch(&self, uri: &str, body: Value) -> Reply {
        self.send(Method::PATCH, uri, Some(body)).await
    }

    pub(crate) async fn delete(&self, uri: &str) -> Reply {
        self.send(Method::DELETE, uri, None).await
    }
}

/// The raw response, headers included.
pub(crate) async fn raw_response(
    state: &AppState,
    request: Request<Body>,
) -> axum::response::Response {
    router(state.clone())
        .oneshot(request)
        .await
        .expect("the router is infallible")
}

pub(crate) async fn send_to(state: &AppState, request: Request<Body>) -> Reply {
    let response = raw_response(state, request).await;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body is readable");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("every response body is JSON")
    };
    Reply { status, body }
}

/// Asserts the reply has `status` and a body that satisfies the operation's response schema
/// for that status in our spec.
pub(crate) fn assert_conforms(api: Api, op_id: &str, reply: &Reply, status: StatusCode) {
    assert_eq!(
        reply.status, status,
        "unexpected status; body: {}",
        reply.body
    );
    let spec = spec::spec(api);
    let op = spec.operation(op_id).expect("the operation exists");
    let Some(schema) = op.responses.get(status.as_str()) else {
        assert!(reply.body.is_null(), "{op_id} {status} declares no body");
        return;
    };
    let mut validator = Validator::new(spec, false);
    validator.check(schema, &reply.body, "response");
    assert!(
        validator.errors().is_empty(),
        "{op_id} {status} response breaks the spec: {:?}\n{}",
        validator.errors(),
        reply.body
    );
}

/// Asserts an error reply in the vendor shape with this status and message.
pub(crate) fn assert_error(reply: &Reply, status: StatusCode, message: Value) {
    assert_eq!(reply.status, status, "body: {}", reply.body);
    assert_eq!(
        reply.body["statusCode"],
        Value::from(status.as_u16()),
        "body: {}",
        reply.body
    );
    assert_eq!(reply.body["message"], message, "body: {}", reply.body);
    assert_eq!(
        reply.body["error"],
        Value::from(status.canonical_reason().expect("a known status")),
        "body: {}",
        reply.body
    );
}

/// An HTTP client for a started server (reqwest, with the crypto provider the crate uses).
pub(crate) fn reqwest_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
