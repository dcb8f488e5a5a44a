//! Every Voice AI request rule the spec cannot state, in one place. Each runs after spec
//! validation passed, on the cleaned query/path parameters and body, and returns one message per
//! problem (→ 422 with the spec's problems' shape).
//!
//! | operation | rule |
//! |---|---|
//! | `createAgent` | the vendor's translation rules, on the agent as sent |
//! | `patchAgent` | the same translation rules, on the agent as merged (the store calls [`patch_agent`] before it keeps the change) |
//! | `listCallLogs` | `startDate` and `endDate` come together, and `startDate < endDate` |

use serde_json::{Map, Value};

use crate::api::Params;

/// `createAgent`: the translation rules on the agent as it would be stored.
pub(crate) fn create_agent(_: &Params, body: &Map<String, Value>) -> Vec<String> {
    translation_problems(body)
}

/// `patchAgent`: the translation rules on the stored agent merged with the patch.
pub(crate) fn patch_agent(merged: &Map<String, Value>) -> Vec<String> {
    translation_problems(merged)
}

/// The vendor's translation rules, checked on the agent as it would be stored.
fn translation_problems(agent: &Map<String, Value>) -> Vec<String> {
    let Some(translation) = agent.get("translation").and_then(Value::as_object) else {
        return Vec::new();
    };
    if translation.get("enabled").and_then(Value::as_bool) != Some(true) {
        return Vec::new();
    }
    let language = agent
        .get("language")
        .and_then(Value::as_str)
        .unwrap_or("en-US");
    let mut problems = Vec::new();
    if language == "en-US" {
        problems.push(
            "translation.enabled can only be true if the agent's language is not en-US".to_owned(),
        );
    }
    match translation.get("language").and_then(Value::as_str) {
        None => problems.push("translation.language should not be empty".to_owned()),
        Some(target) if target != language && target != "en-US" => problems
            .push("translation.language must be either the agent's language or en-US".to_owned()),
        Some(_) => {}
    }
    problems
}

/// `listCallLogs`: the date window.
pub(crate) fn list_call_logs(params: &Params) -> Vec<String> {
    date_rules(params)
}

fn date_rules(params: &Params) -> Vec<String> {
    let start = params.get("startDate").and_then(Value::as_f64);
    let end = params.get("endDate").and_then(Value::as_f64);
    let mut problems = Vec::new();
    match (start, end) {
        (Some(_), None) => problems.push("endDate should not be empty".to_owned()),
        (None, Some(_)) => problems.push("startDate should not be empty".to_owned()),
        (Some(s), Some(e)) if s >= e => {
            problems.push("startDate must be less than endDate".to_owned())
        }
        _ => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Params {
        Params::from_json(v)
    }

    #[test]
    fn a_date_window_needs_both_ends_in_order() {
        assert_eq!(
            list_call_logs(&params(json!({"startDate": 5.0}))),
            vec!["endDate should not be empty".to_owned()]
        );
        assert_eq!(
            list_call_logs(&params(json!({"startDate": 5.0, "endDate": 5.0}))),
            vec!["startDate must be less than endDate".to_owned()]
        );
        assert!(list_call_logs(&params(json!({"startDate": 4.0, "endDate": 5.0}))).is_empty());
    }

    #[test]
    fn translation_rules_follow_the_vendor_description() {
        let agent = |v: Value| v.as_object().cloned().expect("object");
        assert!(
            translation_problems(&agent(
                json!({"language": "es", "translation": {"enabled": true, "language": "es"}})
            ))
            .is_empty()
        );
        assert_eq!(
            translation_problems(&agent(
                json!({"language": "en-US", "translation": {"enabled": true, "language": "en-US"}})
            )),
            vec!["translation.enabled can only be true if the agent's language is not en-US"]
        );
        assert_eq!(
            translation_problems(&agent(
                json!({"language": "es", "translation": {"enabled": true, "language": "fr"}})
            )),
            vec!["translation.language must be either the agent's language or en-US"]
        );
    }
}
