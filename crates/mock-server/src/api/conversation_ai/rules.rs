//! Every Conversation AI request rule the spec cannot state, in one place. Each runs after spec
//! validation passed, on the cleaned query/path parameters, and returns one message per problem
//! (→ 422).
//!
//! | operation | rule |
//! |---|---|
//! | `searchAgents` | `limit` (no bounds in the spec) is between 1 and [`MAX_LIMIT`]; default [`DEFAULT_LIMIT`] |

use serde_json::Value;

use crate::api::Params;

/// The default search page size.
pub(crate) const DEFAULT_LIMIT: u64 = 10;
/// The largest search page size the mock accepts.
pub(crate) const MAX_LIMIT: u64 = 100;

fn limit_rules(params: &Params) -> Vec<String> {
    match params.get("limit").and_then(Value::as_f64) {
        Some(n) if n < 1.0 => vec!["limit must not be less than 1".to_owned()],
        Some(n) if n > MAX_LIMIT as f64 => {
            vec![format!("limit must not be greater than {MAX_LIMIT}")]
        }
        _ => Vec::new(),
    }
}

/// `searchAgents`: the page size bounds.
pub(crate) fn search_agents(params: &Params) -> Vec<String> {
    limit_rules(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_search_limit_is_bounded() {
        let params = Params::from_json;
        assert_eq!(
            search_agents(&params(json!({"limit": 0.0}))),
            vec!["limit must not be less than 1".to_owned()]
        );
        assert_eq!(
            search_agents(&params(json!({"limit": 101.0}))),
            vec!["limit must not be greater than 100".to_owned()]
        );
        assert!(search_agents(&params(json!({"limit": 100.0}))).is_empty());
    }
}
