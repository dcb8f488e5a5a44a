//! Every Voice AI request rule the spec cannot state, in one place. Each runs after spec
//! validation passed, on the cleaned query/path parameters and body, and returns one message per
//! problem (→ 422 with the spec's problems' shape).
//!
//! | operation | rule |
//! |---|---|
//! | `createAgent` | the vendor's translation rules (also enforced by the store on `patchAgent`, where they apply to the agent as merged) |
//! | `listCallLogs` | `startDate` and `endDate` come together, and `startDate < endDate` |

use serde_json::{Map, Value};

use crate::store::voice_ai::translation_problems;

/// `createAgent`: the translation rules on the agent as it would be stored.
pub(crate) fn create_agent(_: &Map<String, Value>, body: &Map<String, Value>) -> Vec<String> {
    translation_problems(body)
}

/// `listCallLogs`: the date window.
pub(crate) fn list_call_logs(params: &Map<String, Value>) -> Vec<String> {
    date_rules(params)
}

fn date_rules(params: &Map<String, Value>) -> Vec<String> {
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

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("an object")
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
}
