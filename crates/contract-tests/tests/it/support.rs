//! What every test module shares: a runtime with one mock server, raw HTTP calls described by
//! the spec's operations, response checks against the spec, and proptest configuration.

use std::collections::BTreeMap;
use std::future::Future;

use contract_tests::schema;
use contract_tests::spec::{Api, Operation, ParamIn, Spec, spec};
use mock_server::MockServer;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{Map, Value};

use crate::live::pacer::Meter;

/// The `Version` header value both specs pin.
pub(crate) const VERSION: &str = "2021-04-15";

/// A proptest configuration: `default_cases` unless `PROPTEST_CASES` says otherwise, failures
/// persisted to `proptest-regressions/<file>` at the crate root.
pub(crate) fn config(regressions_file: &'static str, default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    let defaults = Config::default();
    // Every case talks HTTP: bound shrinking so a failure reports in minutes, not hours
    // (`PROPTEST_MAX_SHRINK_ITERS` still wins).
    let max_shrink_iters = if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_some() {
        defaults.max_shrink_iters
    } else {
        512
    };
    Config {
        cases,
        max_shrink_iters,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions_file))),
        ..defaults
    }
}

/// Path of a regressions file under the crate's `proptest-regressions/`.
#[macro_export]
macro_rules! regressions {
    ($name:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/",
            $name,
            ".txt"
        )
    };
}

/// A current-thread tokio runtime for one test (the mock server runs on it while we
/// `block_on`).
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// A raw HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    /// Status code.
    pub(crate) status: u16,
    /// The body as JSON (`Null` when empty; a string when not JSON).
    pub(crate) body: Value,
    /// The `X-RateLimit-*` headers, when the answer had them.
    pub(crate) rate_limit: Option<voice_ai_client::RateLimit>,
}

impl Raw {
    /// The error messages of a vendor-shaped error body (a string or a list of strings).
    pub(crate) fn messages(&self) -> Vec<String> {
        match self.body.get("message") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Named values the calls fill into path and required query parameters, and into the
/// top-level body fields of the same name (`locationId`, `agentId`, ...).
pub(crate) type Ids = BTreeMap<&'static str, String>;

/// How [`Http`] reaches the mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// Plain HTTP built from the spec's description of each operation.
    Raw,
    /// The generated clients' typed builders (see [`crate::clients`]).
    Client,
}

thread_local! {
    static TRANSPORT: std::cell::Cell<Transport> = const { std::cell::Cell::new(Transport::Raw) };
}

/// The transport [`Http`]s created on this thread now use.
pub(crate) fn current_transport() -> Transport {
    TRANSPORT.with(std::cell::Cell::get)
}

/// Runs `f` with every [`Http`] created on this thread calling through `transport`.
pub(crate) fn with_transport<T>(transport: Transport, f: impl FnOnce() -> T) -> T {
    let previous = TRANSPORT.with(|t| t.replace(transport));
    let out = f();
    TRANSPORT.with(|t| t.set(previous));
    out
}

/// A caller of the mock, following the spec's description of each operation: raw HTTP, or the
/// generated clients (chosen with [`with_transport`] when it is created).
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    token: String,
    transport: Transport,
    voice: crate::clients::AnyClient,
    conversation: crate::clients::AnyClient,
    /// Set for a live server: every call waits for the shared pacer and is counted.
    meter: Option<Meter>,
}

impl Http {
    /// A caller for `server` with its dev token.
    pub(crate) fn new(server: &MockServer) -> Http {
        Http::with_token(server, server.dev_token())
    }

    /// A caller for `server` with another token.
    pub(crate) fn with_token(server: &MockServer, token: &str) -> Http {
        Http::remote(&server.uri(), token)
    }

    /// A caller for the server at `base` (no trailing slash) with `token`: a mock in another
    /// process, a proxy or the real API (the live contract tests).
    pub(crate) fn remote(base: &str, token: &str) -> Http {
        // reqwest is built without a default TLS provider and wants one chosen even for HTTP.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = base.trim_end_matches('/').to_owned();
        Http {
            client: reqwest::Client::new(),
            voice: crate::clients::AnyClient::new(Api::VoiceAi, &base, token),
            conversation: crate::clients::AnyClient::new(Api::ConversationAi, &base, token),
            base,
            token: token.to_owned(),
            transport: TRANSPORT.with(std::cell::Cell::get),
            meter: None,
        }
    }

    /// A caller of a live server at `base` (see [`crate::live`]): through the generated
    /// clients, one attempt per call (a 429 is a failure, not a retry), each call paced and
    /// counted by `meter`.
    pub(crate) fn live(base: &str, token: &str, meter: Meter) -> Http {
        let mut http = with_transport(Transport::Client, || Http::remote(base, token));
        http.voice = crate::clients::AnyClient::single_attempt(Api::VoiceAi, &http.base, token);
        http.conversation =
            crate::clients::AnyClient::single_attempt(Api::ConversationAi, &http.base, token);
        http.meter = Some(meter);
        http
    }

    /// The meter of a live caller.
    pub(crate) fn meter(&self) -> Option<&Meter> {
        self.meter.as_ref()
    }

    /// Calls `op` with the given ids, extra query parameters and body.
    pub(crate) async fn call(
        &self,
        op: &Operation,
        ids: &Ids,
        query: &Value,
        body: Option<&Value>,
    ) -> Raw {
        if let Some(meter) = &self.meter {
            meter.wait().await;
            let raw = self.send(op, ids, query, body).await;
            if let Some(limit) = &raw.rate_limit {
                meter.observe(limit);
            }
            return raw;
        }
        self.send(op, ids, query, body).await
    }

    async fn send(&self, op: &Operation, ids: &Ids, query: &Value, body: Option<&Value>) -> Raw {
        if self.transport == Transport::Client {
            let client = match op.api {
                Api::VoiceAi => &self.voice,
                Api::ConversationAi => &self.conversation,
            };
            return crate::clients::call(client, &op.id, ids, query, body).await;
        }
        let mut path = op.path.clone();
        let mut pairs: Vec<(String, String)> = Vec::new();
        for p in &op.params {
            let Some(value) = ids.get(p.name.as_str()) else {
                continue;
            };
            match p.location {
                ParamIn::Path => path = path.replace(&format!("{{{}}}", p.name), value),
                ParamIn::Query if p.required && query.get(&p.name).is_none() => {
                    pairs.push((p.name.clone(), value.clone()));
                }
                _ => {}
            }
        }
        for (k, v) in query.as_object().into_iter().flatten() {
            if pairs.iter().any(|(name, _)| name == k) {
                continue;
            }
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push((k.clone(), text));
        }
        let method = reqwest::Method::from_bytes(op.method.as_bytes())
            .expect("a spec method is an HTTP method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Version", VERSION)
            .query(&pairs);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the mock server answers");
        let status = response.status().as_u16();
        let rate_limit = voice_ai_client::RateLimit::from_headers(response.headers());
        let bytes = response.bytes().await.expect("the body is readable");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Raw {
            status,
            body,
            rate_limit,
        }
    }

    /// Calls `op` and asserts a success that matches the spec (see [`check_success`]).
    pub(crate) async fn ok(
        &self,
        op: &Operation,
        ids: &Ids,
        query: &Value,
        body: Option<&Value>,
    ) -> Value {
        let raw = self.call(op, ids, query, body).await;
        check_success(op, &raw, Some(body.unwrap_or(query)));
        raw.body
    }
}

/// Sends `op` over raw HTTP with exactly these `Version` and `Authorization` headers (either
/// may be left out), for the authentication checks.
pub(crate) async fn call_with_headers(
    server: &MockServer,
    op: &Operation,
    ids: &Ids,
    version: Option<&str>,
    authorization: Option<&str>,
) -> Raw {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut path = op.path.clone();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in &op.params {
        let value = ids
            .get(p.name.as_str())
            .cloned()
            .unwrap_or_else(|| "unknown0000000000000".to_owned());
        match p.location {
            ParamIn::Path => path = path.replace(&format!("{{{}}}", p.name), &value),
            ParamIn::Query if p.required => pairs.push((p.name.clone(), value)),
            _ => {}
        }
    }
    let method =
        reqwest::Method::from_bytes(op.method.as_bytes()).expect("a spec method is an HTTP method");
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.uri()))
        .query(&pairs);
    if let Some(v) = version {
        request = request.header("Version", v);
    }
    if let Some(a) = authorization {
        request = request.header("Authorization", a);
    }
    if op.request_schema.is_some() {
        request = request.json(&serde_json::json!({}));
    }
    let response = request.send().await.expect("the mock server answers");
    let status = response.status().as_u16();
    let rate_limit = voice_ai_client::RateLimit::from_headers(response.headers());
    let bytes = response.bytes().await.expect("the body is readable");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Raw {
        status,
        body,
        rate_limit,
    }
}

/// Fills the top-level body fields named like an id (`locationId`, `agentId`) with its value.
pub(crate) fn with_ids(op: &Operation, mut body: Value, ids: &Ids) -> Value {
    let spec = spec(op.api);
    let Some(schema) = op.request_schema.as_ref() else {
        return body;
    };
    let declared = top_level_properties(spec, schema);
    if let Value::Object(map) = &mut body {
        for (name, value) in ids {
            if declared.iter().any(|d| d == name) {
                map.insert((*name).to_owned(), Value::String(value.clone()));
            }
        }
    }
    body
}

/// The property names an object schema declares at its top level (through `allOf`).
pub(crate) fn top_level_properties(spec: &Spec, schema: &Value) -> Vec<String> {
    let schema = spec.resolve(schema);
    let mut out: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(top_level_properties(spec, part));
    }
    out
}

/// Asserts that `raw` is the success the spec declares for `op`: the status, a body that
/// validates against the response schema (by the independent JSON Schema validator) with no
/// undeclared field, or no body for a `204`.
pub(crate) fn check_success(op: &Operation, raw: &Raw, request: Option<&Value>) {
    let context = format!(
        "{} {} ({} {})\nrequest: {}\nresponse: {} {}",
        op.api.label(),
        op.id,
        op.method,
        op.path,
        request.map_or("-".to_owned(), Value::to_string),
        raw.status,
        raw.body
    );
    assert_eq!(
        raw.status, op.success_status,
        "unexpected status: {context}"
    );
    match &op.response_schema {
        None => assert_eq!(
            raw.body,
            Value::Null,
            "a {} has no body: {context}",
            op.success_status
        ),
        Some(response) => {
            let spec = spec(op.api);
            let problems = schema::validate(spec, response, &raw.body);
            assert!(
                problems.is_empty(),
                "the response breaks the spec: {problems:#?}\n{context}"
            );
            if let Err(e) = crate::clients::decode(op, &raw.body) {
                panic!("{e}\n{context}");
            }
            let extra: Vec<String> = schema::undeclared_fields(spec, response, &raw.body);
            assert!(
                extra.is_empty(),
                "the response carries undeclared fields {extra:?}\n{context}"
            );
        }
    }
}

/// Asserts that `raw` is a client error in the vendor's shape (`statusCode` equal to the
/// status, `message` a string or list of strings) and returns its messages.
pub(crate) fn check_vendor_error(op: &Operation, raw: &Raw, context: &str) -> Vec<String> {
    assert!(
        (400..500).contains(&raw.status),
        "{} {}: expected a 4xx, got {} {} ({context})",
        op.api.label(),
        op.id,
        raw.status,
        raw.body
    );
    let spec = spec(op.api);
    let error_schema = serde_json::json!({"$ref": "#/components/schemas/ErrorResponse"});
    let problems = schema::validate(spec, &error_schema, &raw.body);
    assert!(
        problems.is_empty(),
        "error body breaks ErrorResponse: {problems:?}: {} ({context})",
        raw.body
    );
    assert_eq!(
        raw.body.get("statusCode").and_then(Value::as_u64),
        Some(u64::from(raw.status)),
        "{context}"
    );
    raw.messages()
}

/// The operation `id` of `api`.
pub(crate) fn op(api: Api, id: &str) -> &'static Operation {
    spec(api).op(id)
}

/// An empty query.
pub(crate) fn no_query() -> Value {
    Value::Object(Map::new())
}

/// Runs `body` on a fresh runtime.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// Whether `message` names `field` as a whole word (not as the tail of a longer name).
pub(crate) fn names_field(message: &str, field: &str) -> bool {
    message.match_indices(field).any(|(at, _)| {
        let before = message[..at].chars().next_back();
        let after = message[at + field.len()..].chars().next();
        before.is_none_or(|c| c == ' ' || c == '"' || c == '\'')
            && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's panic messages silenced: proptest catches the panics of a failing
/// case and of every shrinking step, and reports the minimal one itself.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> T {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let out = f();
    QUIET.with(|q| q.set(false));
    out
}
