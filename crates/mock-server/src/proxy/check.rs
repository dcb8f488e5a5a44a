//! Checking one exchange against our specs with the mock's own [`Validator`]: which operation
//! a request is, its parameters and body, the answer's status and body, and the fields the spec
//! does not declare (drift).
//!
//! Nothing here re-implements validation. The validator's messages (`<dotted path> <problem>`,
//! the stable scheme `validation.rs` documents) become violations: the dotted path becomes a
//! JSON pointer, the problem is what was expected, and the value found at the pointer is what
//! was there. Drift is what the validator strips: a field present in the message but absent
//! from the validator's cleaned value is a field the spec does not declare.

use std::borrow::Cow;

use serde_json::Value;

use super::violations::{Direction, Redactor, Violation, ViolationKind};
use crate::api::query_pairs;
use crate::spec::{self, Api, Operation, ParamIn};
use crate::validation::{Validator, coerce_param};

/// The API's name as violations and reports show it.
pub(crate) fn api_name(api: Api) -> &'static str {
    match api {
        Api::VoiceAi => "voice-ai",
        Api::ConversationAi => "conversation-ai",
    }
}

/// A request matched to its operation, with its raw path parameters.
#[derive(Debug)]
pub(crate) struct Matched {
    pub(crate) api: Api,
    pub(crate) op: &'static Operation,
    pub(crate) path_params: Vec<(String, String)>,
}

/// The operation `method path` is, the most specific template winning (`/agents/search` over
/// `/agents/{agentId}`); `None` when neither spec declares it.
pub(crate) fn find_operation(method: &str, path: &str) -> Option<Matched> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, Matched)> = None;
    for api in [Api::VoiceAi, Api::ConversationAi] {
        for op in spec::spec(api).operations() {
            if !op.method.eq_ignore_ascii_case(method) {
                continue;
            }
            let template: Vec<&str> = op.path.split('/').collect();
            if template.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let mut params = Vec::new();
            let matches = template.iter().zip(&segments).all(|(t, s)| {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) if !s.is_empty() => {
                        params.push((name.to_owned(), percent_decode(s)));
                        true
                    }
                    Some(_) => false,
                    None => {
                        literal += 1;
                        t == s
                    }
                }
            });
            if matches && best.as_ref().is_none_or(|(score, _)| literal > *score) {
                best = Some((
                    literal,
                    Matched {
                        api,
                        op,
                        path_params: params,
                    },
                ));
            }
        }
    }
    best.map(|(_, found)| found)
}

fn percent_decode(segment: &str) -> String {
    // A path segment decodes like a query value, except that `+` stays a plus.
    let escaped = segment.replace('+', "%2B");
    query_pairs(&format!("v={escaped}"))
        .into_iter()
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// What a check needs to describe where a problem is.
pub(crate) struct Context<'a> {
    pub(crate) matched: &'a Matched,
    pub(crate) direction: Direction,
    pub(crate) request_line: &'a str,
    pub(crate) redactor: &'a Redactor,
}

impl Context<'_> {
    fn violation(
        &self,
        kind: ViolationKind,
        part: &str,
        pointer: String,
        expected: impl Into<String>,
        actual: String,
    ) -> Violation {
        Violation {
            api: Some(api_name(self.matched.api).to_owned()),
            operation: Some(self.matched.op.id.clone()),
            direction: self.direction,
            kind,
            part: part.to_owned(),
            pointer,
            expected: expected.into(),
            actual,
            request: self.request_line.to_owned(),
            count: 1,
        }
    }
}

/// The request's query and path parameters and its JSON body, against the operation.
pub(crate) fn check_request(
    cx: &Context<'_>,
    query: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Vec<Violation> {
    let spec = spec::spec(cx.matched.api);
    let op = cx.matched.op;
    let mut out = Vec::new();
    let pairs = query_pairs(query);
    for location in [ParamIn::Query, ParamIn::Path] {
        let part = if location == ParamIn::Query {
            "query"
        } else {
            "path"
        };
        for param in op.params.iter().filter(|p| p.location == location) {
            let raw: Option<Cow<'_, str>> = if location == ParamIn::Query {
                pairs
                    .iter()
                    .find(|(k, _)| *k == param.name)
                    .map(|(_, v)| v.clone())
            } else {
                cx.matched
                    .path_params
                    .iter()
                    .find(|(k, _)| *k == param.name)
                    .map(|(_, v)| Cow::Borrowed(v.as_str()))
            };
            let pointer = format!("/{}", escape(&param.name));
            match raw {
                Some(text) => {
                    let value = coerce_param(spec, &param.schema, &text);
                    let mut validator = Validator::new(spec, false);
                    validator.check(&param.schema, &value, &param.name);
                    for message in validator.into_errors() {
                        let (_, expected) = split_message(&message);
                        out.push(cx.violation(
                            ViolationKind::Error,
                            part,
                            pointer.clone(),
                            expected,
                            cx.redactor.show(&Value::String(text.to_string())),
                        ));
                    }
                }
                None if param.required => out.push(cx.violation(
                    ViolationKind::Error,
                    part,
                    pointer,
                    "present (required)",
                    "absent".to_owned(),
                )),
                None => {}
            }
        }
    }
    for (name, value) in &pairs {
        let declared = op
            .params
            .iter()
            .any(|p| p.location == ParamIn::Query && p.name == *name);
        if !declared {
            out.push(cx.violation(
                ViolationKind::Drift,
                "query",
                format!("/{}", escape(name)),
                "not declared",
                if super::violations::is_secret_name(name) {
                    super::violations::REDACTED.to_owned()
                } else {
                    cx.redactor.show(&Value::String(value.to_string()))
                },
            ));
        }
    }
    if let Some(schema) = &op.body {
        out.extend(check_body(cx, spec, schema, content_type, body, true));
    }
    out
}

/// The answer's status against the declared ones, and its body against the status's schema.
pub(crate) fn check_response(
    cx: &Context<'_>,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Vec<Violation> {
    let op = cx.matched.op;
    let code = status.to_string();
    let class = format!("{}XX", status / 100);
    let declared = [code.as_str(), class.as_str(), "default"]
        .into_iter()
        .find(|key| op.statuses.iter().any(|s| s.eq_ignore_ascii_case(key)));
    let Some(declared) = declared else {
        return vec![cx.violation(
            ViolationKind::Error,
            "status",
            String::new(),
            format!("one of {}", op.statuses.join(", ")),
            code,
        )];
    };
    let schema = op
        .responses
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(declared))
        .map(|(_, schema)| schema);
    match schema {
        Some(schema) => check_body(
            cx,
            spec::spec(cx.matched.api),
            schema,
            content_type,
            body,
            false,
        ),
        None => Vec::new(),
    }
}

fn check_body(
    cx: &Context<'_>,
    spec: &spec::Spec,
    schema: &Value,
    content_type: Option<&str>,
    body: &[u8],
    empty_is_object: bool,
) -> Vec<Violation> {
    let blank = body.iter().all(u8::is_ascii_whitespace);
    if blank && empty_is_object {
        // The mock reads an empty request body as `{}`; so does this check.
        return check_value(cx, spec, schema, &Value::Object(Default::default()));
    }
    let essence = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let json = essence == "application/json" || essence.ends_with("+json");
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if json => check_value(cx, spec, schema, &value),
        Ok(_) => vec![
            cx.violation(
                ViolationKind::Error,
                "body",
                String::new(),
                "Content-Type application/json",
                cx.redactor
                    .show(&Value::String(content_type.unwrap_or("none").to_owned())),
            ),
        ],
        Err(_) => vec![
            cx.violation(
                ViolationKind::Error,
                "body",
                String::new(),
                "a JSON body",
                cx.redactor
                    .show(&Value::String(String::from_utf8_lossy(body).into_owned())),
            ),
        ],
    }
}

fn check_value(
    cx: &Context<'_>,
    spec: &spec::Spec,
    schema: &Value,
    value: &Value,
) -> Vec<Violation> {
    let mut validator = Validator::new(spec, false);
    let cleaned = validator.check(schema, value, "");
    let mut out = Vec::new();
    for message in validator.into_errors() {
        let (path, problem) = split_message(&message);
        let pointer = pointer_of(path);
        let (expected, actual) = if problem == "should not be empty" {
            ("present (required)".to_owned(), "absent".to_owned())
        } else {
            let found = value
                .pointer(&pointer)
                .map_or_else(|| "absent".to_owned(), |v| cx.redactor.show(v));
            (problem.to_owned(), found)
        };
        out.push(cx.violation(ViolationKind::Error, "body", pointer, expected, actual));
    }
    let mut pointer = String::new();
    undeclared(cx, value, &cleaned, &mut pointer, &mut out);
    out
}

/// Fields of `original` that the validator dropped from `cleaned`: the spec does not declare
/// them.
fn undeclared(
    cx: &Context<'_>,
    original: &Value,
    cleaned: &Value,
    pointer: &mut String,
    out: &mut Vec<Violation>,
) {
    match (original, cleaned) {
        (Value::Object(raw), Value::Object(kept)) => {
            for (name, value) in raw {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(name));
                match kept.get(name) {
                    Some(next) => undeclared(cx, value, next, pointer, out),
                    None => out.push(cx.violation(
                        ViolationKind::Drift,
                        "body",
                        pointer.clone(),
                        "not declared",
                        cx.redactor.show(value),
                    )),
                }
                pointer.truncate(len);
            }
        }
        (Value::Array(raw), Value::Array(kept)) => {
            for (i, (value, next)) in raw.iter().zip(kept).enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                undeclared(cx, value, next, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// A validator message split into its dotted path and its problem (`each value in` dropped:
/// the path names the list).
fn split_message(message: &str) -> (&str, &str) {
    let message = message.strip_prefix("each value in ").unwrap_or(message);
    let at = [" must ", " should "]
        .iter()
        .filter_map(|needle| message.find(needle))
        .min();
    match at {
        Some(i) => (&message[..i], message[i + 1..].trim()),
        None => ("", message.trim()),
    }
}

/// `agents.0.maxCallDuration` → `/agents/0/maxCallDuration`.
fn pointer_of(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    path.split('.')
        .map(|segment| format!("/{}", escape(segment)))
        .collect()
}

/// A JSON pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context<'a>(matched: &'a Matched, redactor: &'a Redactor) -> Context<'a> {
        Context {
            matched,
            direction: Direction::Response,
            request_line: "GET /x",
            redactor,
        }
    }

    #[test]
    fn the_most_specific_template_wins() {
        let search = find_operation("GET", "/conversation-ai/agents/search").expect("declared");
        assert_eq!(search.op.id, "searchAgents");
        let get = find_operation("GET", "/conversation-ai/agents/a%2Fb").expect("declared");
        assert_eq!(get.op.id, "getAgent");
        assert_eq!(
            get.path_params,
            vec![("agentId".to_owned(), "a/b".to_owned())]
        );
        assert!(find_operation("GET", "/voice-ai/nowhere").is_none());
        assert!(find_operation("PUT", "/voice-ai/agents").is_none());
    }

    #[test]
    fn validator_messages_become_pointers_and_expectations() {
        assert_eq!(
            split_message("agentWorkingHours.0.intervals.1.startHour must not be less than 0"),
            (
                "agentWorkingHours.0.intervals.1.startHour",
                "must not be less than 0"
            )
        );
        assert_eq!(
            split_message("each value in tags must be a string"),
            ("tags", "must be a string")
        );
        assert_eq!(
            split_message(" must be an object"),
            ("", "must be an object")
        );
        assert_eq!(pointer_of("a.0.b~c"), "/a/0/b~0c");
    }

    #[test]
    fn a_wrong_answer_yields_an_error_per_problem_and_drift_per_added_field() {
        let matched = find_operation("GET", "/voice-ai/actions/act1").expect("getAction");
        let redactor = Redactor::default();
        let cx = context(&matched, &redactor);
        let body = json!({"id": "act1", "name": 5, "actionType": "SMS",
            "actionParameters": {"triggerPrompt": "x", "extra": true}});
        let found = check_response(
            &cx,
            200,
            Some("application/json"),
            body.to_string().as_bytes(),
        );
        let summary: Vec<(ViolationKind, &str, &str)> = found
            .iter()
            .map(|v| (v.kind, v.pointer.as_str(), v.expected.as_str()))
            .collect();
        assert!(
            summary.contains(&(ViolationKind::Error, "/name", "must be a string")),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(
                ViolationKind::Drift,
                "/actionParameters/extra",
                "not declared"
            )),
            "{summary:?}"
        );
        let status = check_response(&cx, 418, None, b"");
        assert_eq!(status.len(), 1);
        assert_eq!(status[0].part, "status");
        assert_eq!(status[0].actual, "418");
    }
}
