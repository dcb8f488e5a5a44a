//! Fault injection: rules that delay, fail or drop requests to the vendor routes.
//!
//! A [`FaultRule`] names which requests it applies to (a method, or any; a path glob where `*`
//! matches any run of characters, `/` included, or a path prefix, or any path) and what it does:
//! a fixed or random latency, and optionally a status answered instead of the real one (429
//! with the vendor's five `X-RateLimit-*` headers and an optional `Retry-After`, 500, 502, 503 or
//! any other 4xx/5xx, each with a vendor-shaped body) or a dropped connection (hyper closes it
//! without writing a response; a client sees a connection error). A rule fires for the next
//! `times` matching requests (then it is removed) or always, and each time only with probability
//! `probability` (default 1). Probabilities are rolled with a ChaCha generator seeded from the
//! server's seed, so a test that sends the same requests sees the same faults; `reset` and
//! [`crate::AppState::clear_faults`] re-seed it.
//!
//! Rules are checked in the order they were added; the first that matches and fires decides.
//! Faults run before rate limiting (a faulted request is not counted) and never apply to the
//! admin API under `/__mock/`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::rate_limit::{RateLimitConfig, vendor_headers};

/// Which paths a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// Every path.
    Any,
    /// A glob: `*` matches any run of characters (`/` included), everything else itself.
    Glob(String),
    /// Every path starting with this text.
    Prefix(String),
}

impl PathMatch {
    /// Whether `path` matches.
    ///
    /// ```
    /// use mock_server::faults::PathMatch;
    /// // Arrange
    /// let glob = PathMatch::Glob("/voice-ai/agents/*".into());
    /// // Act / Assert
    /// assert!(glob.matches("/voice-ai/agents/abc"));
    /// assert!(!glob.matches("/voice-ai/agents"));
    /// assert!(PathMatch::Prefix("/conversation-ai/".into()).matches("/conversation-ai/agents"));
    /// ```
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Self::Glob(glob) => glob_matches(glob.as_bytes(), path.as_bytes()),
        }
    }
}

fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A delay before the request is handled (or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Always this long.
    Fixed(Duration),
    /// Uniformly between the two (inclusive, millisecond steps), from the seeded generator.
    Between(Duration, Duration),
}

/// What a rule does instead of handling the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Answer this status with a vendor-shaped body.
    Status {
        /// The status (400..=599).
        status: StatusCode,
        /// The `message` of the body (default: the vendor's for that status).
        message: Option<String>,
        /// A `Retry-After` header in seconds (429 only makes sense, any status is allowed).
        retry_after: Option<u64>,
    },
    /// Close the connection without a response.
    Drop,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// The rule's id (`fault-<n>`), assigned when it is added.
    pub id: String,
    /// The method it applies to (any when `None`).
    pub method: Option<String>,
    /// The paths it applies to.
    pub path: PathMatch,
    /// A delay, if any.
    pub latency: Option<Latency>,
    /// A status or a dropped connection, if any (latency only when `None`).
    pub effect: Option<Effect>,
    /// How many more times it fires (always when `None`).
    pub times: Option<u32>,
    /// The chance it fires for a matching request (always when `None`).
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule for every request that does nothing yet (set its fields, or use the helpers).
    ///
    /// ```
    /// use mock_server::faults::{FaultRule, PathMatch};
    /// // Arrange / Act
    /// let rule = FaultRule::new();
    /// // Assert
    /// assert_eq!(rule.path, PathMatch::Any);
    /// assert!(rule.effect.is_none());
    /// ```
    pub fn new() -> Self {
        Self {
            id: String::new(),
            method: None,
            path: PathMatch::Any,
            latency: None,
            effect: None,
            times: None,
            probability: None,
        }
    }

    /// A rule answering `status` for requests matching `method` (any when `None`) and the glob
    /// `path`.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::faults::FaultRule;
    /// // Arrange / Act
    /// let rule = FaultRule::status(Some("GET"), "/voice-ai/*", StatusCode::SERVICE_UNAVAILABLE).times(2);
    /// // Assert
    /// assert_eq!(rule.times, Some(2));
    /// ```
    pub fn status(method: Option<&str>, path: &str, status: StatusCode) -> Self {
        Self {
            method: method.map(str::to_owned),
            path: PathMatch::Glob(path.to_owned()),
            effect: Some(Effect::Status {
                status,
                message: None,
                retry_after: None,
            }),
            ..Self::new()
        }
    }

    /// Fires only for the next `n` matching requests.
    ///
    /// ```
    /// use mock_server::faults::FaultRule;
    /// // Arrange / Act
    /// let rule = FaultRule::new().times(1);
    /// // Assert
    /// assert_eq!(rule.times, Some(1));
    /// ```
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Parses the admin API's JSON form (see the crate README); one message per problem.
    ///
    /// ```
    /// use mock_server::faults::{Effect, FaultRule};
    /// use serde_json::json;
    /// // Arrange
    /// let body = json!({"method": "GET", "pathPrefix": "/voice-ai/", "status": 429, "retryAfter": 2, "times": 1});
    /// // Act
    /// let rule = FaultRule::from_json(&body).expect("a valid rule");
    /// // Assert
    /// assert!(matches!(rule.effect, Some(Effect::Status { retry_after: Some(2), .. })));
    /// ```
    pub fn from_json(value: &Value) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            return Err(vec!["the fault rule must be a JSON object".to_owned()]);
        };
        let mut rule = Self::new();
        let text = |key: &str, problems: &mut Vec<String>| match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                problems.push(format!("{key} must be a string"));
                None
            }
        };
        rule.method = text("method", &mut problems).map(|m| m.to_ascii_uppercase());
        match (
            text("path", &mut problems),
            text("pathPrefix", &mut problems),
        ) {
            (Some(_), Some(_)) => problems.push("give path or pathPrefix, not both".to_owned()),
            (Some(glob), None) => rule.path = PathMatch::Glob(glob),
            (None, Some(prefix)) => rule.path = PathMatch::Prefix(prefix),
            (None, None) => {}
        }
        match object.get("latencyMs") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => match n.as_u64() {
                Some(ms) => rule.latency = Some(Latency::Fixed(Duration::from_millis(ms))),
                None => problems.push("latencyMs must be a whole number".to_owned()),
            },
            Some(Value::Object(range)) => {
                match (
                    range.get("min").and_then(Value::as_u64),
                    range.get("max").and_then(Value::as_u64),
                ) {
                    (Some(min), Some(max)) if min <= max => {
                        rule.latency = Some(Latency::Between(
                            Duration::from_millis(min),
                            Duration::from_millis(max),
                        ));
                    }
                    _ => problems.push(
                        "latencyMs must be {\"min\": N, \"max\": M} with whole numbers, min <= max"
                            .to_owned(),
                    ),
                }
            }
            Some(_) => problems.push("latencyMs must be a number or {min, max}".to_owned()),
        }
        let drop = match object.get("drop") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                problems.push("drop must be a boolean".to_owned());
                false
            }
        };
        let status = match object.get("status") {
            None | Some(Value::Null) => None,
            Some(v) => match v
                .as_u64()
                .filter(|s| (400..=599).contains(s))
                .and_then(|s| StatusCode::from_u16(s as u16).ok())
            {
                Some(status) => Some(status),
                None => {
                    problems.push("status must be a whole number from 400 to 599".to_owned());
                    None
                }
            },
        };
        let retry_after = match object.get("retryAfter") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let seconds = v.as_u64();
                if seconds.is_none() {
                    problems.push("retryAfter must be a whole number of seconds".to_owned());
                }
                seconds
            }
        };
        let message = text("message", &mut problems);
        rule.effect = match (drop, status) {
            (true, Some(_)) => {
                problems.push("give status or drop, not both".to_owned());
                None
            }
            (true, None) => Some(Effect::Drop),
            (false, Some(status)) => Some(Effect::Status {
                status,
                message,
                retry_after,
            }),
            (false, None) => None,
        };
        if rule.effect.is_none() && rule.latency.is_none() && problems.is_empty() {
            problems.push("a fault rule needs latencyMs, status or drop".to_owned());
        }
        match object.get("times") {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n > 0 => rule.times = Some(n),
                _ => problems.push("times must be a whole number of at least 1".to_owned()),
            },
        }
        match object.get("probability") {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_f64() {
                Some(p) if (0.0..=1.0).contains(&p) => rule.probability = Some(p),
                _ => problems.push("probability must be a number from 0 to 1".to_owned()),
            },
        }
        if problems.is_empty() {
            Ok(rule)
        } else {
            Err(problems)
        }
    }

    /// The rule as the admin API shows it (the same fields [`FaultRule::from_json`] reads).
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::faults::FaultRule;
    /// // Arrange
    /// let rule = FaultRule::status(None, "/voice-ai/*", StatusCode::BAD_GATEWAY);
    /// // Act
    /// let json = rule.to_json();
    /// // Assert
    /// assert_eq!(json["status"], 502);
    /// assert_eq!(json["path"], "/voice-ai/*");
    /// ```
    pub fn to_json(&self) -> Value {
        let mut out = json!({"id": self.id, "method": self.method});
        match &self.path {
            PathMatch::Any => {}
            PathMatch::Glob(g) => out["path"] = json!(g),
            PathMatch::Prefix(p) => out["pathPrefix"] = json!(p),
        }
        match self.latency {
            None => {}
            Some(Latency::Fixed(d)) => out["latencyMs"] = json!(d.as_millis() as u64),
            Some(Latency::Between(a, b)) => {
                out["latencyMs"] =
                    json!({"min": a.as_millis() as u64, "max": b.as_millis() as u64});
            }
        }
        match &self.effect {
            None => {}
            Some(Effect::Drop) => out["drop"] = json!(true),
            Some(Effect::Status {
                status,
                message,
                retry_after,
            }) => {
                out["status"] = json!(status.as_u16());
                if let Some(m) = message {
                    out["message"] = json!(m);
                }
                if let Some(r) = retry_after {
                    out["retryAfter"] = json!(r);
                }
            }
        }
        if let Some(t) = self.times {
            out["times"] = json!(t);
        }
        if let Some(p) = self.probability {
            out["probability"] = json!(p);
        }
        out
    }

    fn applies_to(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.matches(path)
    }
}

impl Default for FaultRule {
    fn default() -> Self {
        Self::new()
    }
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Verdict {
    pub(crate) delay: Option<Duration>,
    pub(crate) effect: Option<Effect>,
}

#[derive(Debug)]
struct Inner {
    rules: Vec<FaultRule>,
    next_id: u64,
    rng: ChaCha8Rng,
}

/// The fault rules in force and their seeded generator.
#[derive(Debug)]
pub(crate) struct Faults {
    seed: u64,
    /// Whether any rule is set: requests skip the lock while none is (the usual case).
    armed: AtomicBool,
    inner: Mutex<Inner>,
}

fn rng_for(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0xFA17_FA17)
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            armed: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                rules: Vec::new(),
                next_id: 1,
                rng: rng_for(seed),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a rule, assigning its id; returns the rule as stored.
    pub(crate) fn add(&self, mut rule: FaultRule) -> FaultRule {
        let mut inner = self.lock();
        rule.id = format!("fault-{}", inner.next_id);
        inner.next_id += 1;
        inner.rules.push(rule.clone());
        self.armed.store(true, Ordering::Release);
        rule
    }

    pub(crate) fn list(&self) -> Vec<FaultRule> {
        self.lock().rules.clone()
    }

    /// Removes one rule; false if there was none with this id.
    pub(crate) fn remove(&self, id: &str) -> bool {
        let mut inner = self.lock();
        let before = inner.rules.len();
        inner.rules.retain(|r| r.id != id);
        self.armed.store(!inner.rules.is_empty(), Ordering::Release);
        inner.rules.len() != before
    }

    /// Removes every rule and re-seeds the generator.
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.rules.clear();
        self.armed.store(false, Ordering::Release);
        inner.next_id = 1;
        inner.rng = rng_for(self.seed);
    }

    /// Decides what happens to one request, counting down the rule that fires.
    pub(crate) fn decide(&self, method: &str, path: &str) -> Verdict {
        if !self.armed.load(Ordering::Acquire) {
            return Verdict::default();
        }
        let mut inner = self.lock();
        let Inner { rules, rng, .. } = &mut *inner;
        let mut fired = None;
        for (index, rule) in rules.iter().enumerate() {
            if !rule.applies_to(method, path) {
                continue;
            }
            if let Some(p) = rule.probability {
                let roll = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if roll >= p {
                    continue;
                }
            }
            fired = Some(index);
            break;
        }
        let Some(index) = fired else {
            return Verdict::default();
        };
        let rule = &mut rules[index];
        let delay = rule.latency.map(|latency| match latency {
            Latency::Fixed(d) => d,
            Latency::Between(min, max) => {
                let span = (max - min).as_millis() as u64;
                min + Duration::from_millis(rng.next_u64() % (span + 1))
            }
        });
        let effect = rule.effect.clone();
        if let Some(times) = rule.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                rules.remove(index);
                self.armed.store(!rules.is_empty(), Ordering::Release);
            }
        }
        Verdict { delay, effect }
    }
}

/// Marks a response whose connection is to be dropped (the journal records status 0 for it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

/// The response for an injected status: the vendor body, and for 429 the rate-limit headers.
pub(crate) fn status_response(
    status: StatusCode,
    message: Option<&str>,
    retry_after: Option<u64>,
    limits: Option<RateLimitConfig>,
) -> Response {
    let default_message = match status.as_u16() {
        429 => "Too Many Requests",
        500 => "Internal server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let mut response = ApiError::new(status, message.unwrap_or(default_message)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let config = limits.unwrap_or_else(RateLimitConfig::vendor);
        response
            .headers_mut()
            .extend(vendor_headers(&config, 0, config.daily));
    }
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A response whose body fails before its first byte: hyper then closes the connection without
/// writing anything (the head is still in its buffer), so the client sees the connection end.
pub(crate) fn dropped_response() -> Response {
    let failing = futures::stream::iter([Err::<axum::body::Bytes, std::io::Error>(
        std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "mock fault: connection dropped",
        ),
    )]);
    let mut response = Response::new(Body::from_stream(failing));
    response.extensions_mut().insert(Dropped);
    response
}

/// The middleware: applies the first matching rule (the admin API is not behind it).
pub(crate) async fn inject<N, F>(state: &AppState, request: Request, next: N) -> Response
where
    N: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    let path = request.uri().path();
    let verdict = state.faults().decide(request.method().as_str(), path);
    if let Some(delay) = verdict.delay {
        tokio::time::sleep(delay).await;
    }
    let Some(effect) = verdict.effect else {
        return next(request).await;
    };
    // The request is answered here; its body was buffered (and journaled) already.
    drop(request);
    match effect {
        Effect::Drop => dropped_response(),
        Effect::Status {
            status,
            message,
            retry_after,
        } => status_response(
            status,
            message.as_deref(),
            retry_after,
            state.rate_limiter().config(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_any_run_of_characters() {
        assert!(glob_matches(b"/a/*/c", b"/a/b/x/c"));
        assert!(glob_matches(b"*", b""));
        assert!(!glob_matches(b"/a/*", b"/b/c"));
        assert!(glob_matches(b"/a*b*c", b"/aXbYbc"));
    }

    #[test]
    fn a_rule_for_the_next_two_requests_fires_twice_then_is_gone() {
        let faults = Faults::new(1);
        faults.add(FaultRule::status(None, "*", StatusCode::BAD_GATEWAY).times(2));
        assert!(faults.decide("GET", "/x").effect.is_some());
        assert!(faults.decide("GET", "/x").effect.is_some());
        assert_eq!(faults.decide("GET", "/x"), Verdict::default());
        assert!(faults.list().is_empty());
    }

    #[test]
    fn probabilities_are_the_same_for_the_same_seed() {
        let run = |seed| {
            let faults = Faults::new(seed);
            let mut rule = FaultRule::status(None, "*", StatusCode::INTERNAL_SERVER_ERROR);
            rule.probability = Some(0.5);
            faults.add(rule);
            (0..64)
                .map(|_| faults.decide("GET", "/").effect.is_some())
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        let fired = a.iter().filter(|f| **f).count();
        assert!((16..=48).contains(&fired), "{fired} of 64");
    }

    #[test]
    fn a_method_restricts_the_rule() {
        let faults = Faults::new(1);
        faults.add(FaultRule::status(
            Some("POST"),
            "*",
            StatusCode::BAD_GATEWAY,
        ));
        assert!(faults.decide("GET", "/").effect.is_none());
        assert!(faults.decide("POST", "/").effect.is_some());
    }

    #[test]
    fn bad_rules_are_refused_with_every_problem() {
        let problems =
            FaultRule::from_json(&json!({"status": 200, "probability": 2})).expect_err("invalid");
        assert_eq!(
            problems,
            vec![
                "status must be a whole number from 400 to 599".to_owned(),
                "probability must be a number from 0 to 1".to_owned()
            ]
        );
    }
}
