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
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// use mock_server::PathMatch;
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
    /// use mock_server::{FaultRule, PathMatch};
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
    /// use mock_server::FaultRule;
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
    /// use mock_server::FaultRule;
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
    /// use mock_server::{Effect, FaultRule};
    /// use serde_json::json;
    /// // Arrange
    /// let body = json!({"method": "GET", "pathPrefix": "/voice-ai/", "status": 429, "retryAfter": 2, "times": 1});
    /// // Act
    /// let rule = FaultRule::from_json(&body).expect("a valid rule");
    /// // Assert
    /// assert!(matches!(rule.effect, Some(Effect::Status { retry_after: Some(2), .. })));
    /// ```
    pub fn from_json(value: &Value) -> Result<Self, Vec<String>> {
        if !value.is_object() {
            return Err(vec!["the fault rule must be a JSON object".to_owned()]);
        }
        let doc = FaultRuleJson::deserialize(value).map_err(|e| vec![e.to_string()])?;
        doc.into_rule()
    }

    /// The rule as the admin API shows it (the same fields [`FaultRule::from_json`] reads).
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::FaultRule;
    /// // Arrange
    /// let rule = FaultRule::status(None, "/voice-ai/*", StatusCode::BAD_GATEWAY);
    /// // Act
    /// let json = rule.to_json();
    /// // Assert
    /// assert_eq!(json["status"], 502);
    /// assert_eq!(json["path"], "/voice-ai/*");
    /// ```
    pub fn to_json(&self) -> Value {
        serde_json::to_value(FaultRuleJson::from(self)).expect("a fault rule always serializes")
    }

    fn applies_to(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.matches(path)
    }
}

/// A field as the client sent it: the expected type, or any other JSON kept for the message.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Lenient<T> {
    Valid(T),
    Invalid(Value),
}

impl<T> Lenient<T> {
    /// The value when it had the expected type; otherwise `None` and a problem naming `what`.
    fn take(field: Option<Self>, what: &str, problems: &mut Vec<String>) -> Option<T> {
        match field? {
            Self::Valid(v) => Some(v),
            Self::Invalid(_) => {
                problems.push(what.to_owned());
                None
            }
        }
    }
}

/// `latencyMs`: a whole number of milliseconds, or a `{min, max}` range.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum LatencyMs {
    Fixed(u64),
    Between { min: u64, max: u64 },
}

/// The admin API's JSON form of a [`FaultRule`], in both directions.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FaultRuleJson {
    #[serde(skip_deserializing)]
    id: String,
    #[serde(default)]
    method: Option<Lenient<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<Lenient<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path_prefix: Option<Lenient<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latency_ms: Option<Lenient<LatencyMs>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    drop: Option<Lenient<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<Lenient<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Lenient<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<Lenient<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<Lenient<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probability: Option<Lenient<f64>>,
}

impl FaultRuleJson {
    /// Checks what serde cannot (ranges, exclusive fields); one message per problem.
    fn into_rule(self) -> Result<FaultRule, Vec<String>> {
        let mut problems = Vec::new();
        let mut rule = FaultRule::new();
        let text = |key: &str| format!("{key} must be a string");
        rule.method = Lenient::take(self.method, &text("method"), &mut problems)
            .map(|m| m.to_ascii_uppercase());
        let path = Lenient::take(self.path, &text("path"), &mut problems);
        let prefix = Lenient::take(self.path_prefix, &text("pathPrefix"), &mut problems);
        match (path, prefix) {
            (Some(_), Some(_)) => problems.push("give path or pathPrefix, not both".to_owned()),
            (Some(glob), None) => rule.path = PathMatch::Glob(glob),
            (None, Some(prefix)) => rule.path = PathMatch::Prefix(prefix),
            (None, None) => {}
        }
        let range_problem =
            "latencyMs must be {\"min\": N, \"max\": M} with whole numbers, min <= max";
        match self.latency_ms {
            None => {}
            Some(Lenient::Valid(LatencyMs::Fixed(ms))) => {
                rule.latency = Some(Latency::Fixed(Duration::from_millis(ms)));
            }
            Some(Lenient::Valid(LatencyMs::Between { min, max })) if min <= max => {
                rule.latency = Some(Latency::Between(
                    Duration::from_millis(min),
                    Duration::from_millis(max),
                ));
            }
            Some(Lenient::Valid(LatencyMs::Between { .. })) => {
                problems.push(range_problem.to_owned());
            }
            Some(Lenient::Invalid(raw)) => problems.push(
                match raw {
                    Value::Number(_) => "latencyMs must be a whole number",
                    Value::Object(_) => range_problem,
                    _ => "latencyMs must be a number or {min, max}",
                }
                .to_owned(),
            ),
        }
        let drop =
            Lenient::take(self.drop, "drop must be a boolean", &mut problems).unwrap_or(false);
        let status_problem = "status must be a whole number from 400 to 599";
        let status = Lenient::take(self.status, status_problem, &mut problems).and_then(|s| {
            let status = Some(s)
                .filter(|s| (400..=599).contains(s))
                .and_then(|s| StatusCode::from_u16(s).ok());
            if status.is_none() {
                problems.push(status_problem.to_owned());
            }
            status
        });
        let retry_after = Lenient::take(
            self.retry_after,
            "retryAfter must be a whole number of seconds",
            &mut problems,
        );
        let message = Lenient::take(self.message, &text("message"), &mut problems);
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
        let times_problem = "times must be a whole number of at least 1";
        match Lenient::take(self.times, times_problem, &mut problems) {
            None => {}
            Some(0) => problems.push(times_problem.to_owned()),
            Some(n) => rule.times = Some(n),
        }
        let probability_problem = "probability must be a number from 0 to 1";
        match Lenient::take(self.probability, probability_problem, &mut problems) {
            None => {}
            Some(p) if (0.0..=1.0).contains(&p) => rule.probability = Some(p),
            Some(_) => problems.push(probability_problem.to_owned()),
        }
        if problems.is_empty() {
            Ok(rule)
        } else {
            Err(problems)
        }
    }
}

impl From<&FaultRule> for FaultRuleJson {
    fn from(rule: &FaultRule) -> Self {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let (path, path_prefix) = match &rule.path {
            PathMatch::Any => (None, None),
            PathMatch::Glob(g) => (Some(g.clone()), None),
            PathMatch::Prefix(p) => (None, Some(p.clone())),
        };
        let (drop, status, message, retry_after) = match &rule.effect {
            None => (None, None, None, None),
            Some(Effect::Drop) => (Some(true), None, None, None),
            Some(Effect::Status {
                status,
                message,
                retry_after,
            }) => (None, Some(status.as_u16()), message.clone(), *retry_after),
        };
        Self {
            id: rule.id.clone(),
            method: rule.method.clone().map(Lenient::Valid),
            path: path.map(Lenient::Valid),
            path_prefix: path_prefix.map(Lenient::Valid),
            latency_ms: rule.latency.map(|latency| {
                Lenient::Valid(match latency {
                    Latency::Fixed(d) => LatencyMs::Fixed(ms(d)),
                    Latency::Between(a, b) => LatencyMs::Between {
                        min: ms(a),
                        max: ms(b),
                    },
                })
            }),
            drop: drop.map(Lenient::Valid),
            status: status.map(Lenient::Valid),
            message: message.map(Lenient::Valid),
            retry_after: retry_after.map(Lenient::Valid),
            times: rule.times.map(Lenient::Valid),
            probability: rule.probability.map(Lenient::Valid),
        }
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

/// The answer a rule's effect gives in place of the handler's (the API middleware asks
/// [`Faults::decide`] first; the admin API is not behind it).
pub(crate) fn respond(state: &AppState, effect: Effect) -> Response {
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
    use serde_json::json;

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
