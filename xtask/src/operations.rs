//! The operation table appended to each generated client: operationId (as progenitor names it
//! in `OperationInfo`), method, path template and scope, read from the spec. The client
//! runtime uses it for tracing spans, retry decisions (idempotent methods) and error messages
//! that name the missing scope.

use anyhow::Context as _;
use serde_json::Value;

/// The `pub const OPERATIONS` item for the spec `doc`.
pub(crate) fn table_item(doc: &Value) -> anyhow::Result<syn::Item> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .context("the spec has no paths")?;
    let mut entries = Vec::new();
    for (path, item) in paths {
        for method in crate::spec::METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{} {path} has no operationId", method.to_uppercase()))?;
            let scope = op
                .pointer("/security/0")
                .and_then(Value::as_object)
                .and_then(|req| req.values().next())
                .and_then(|scopes| scopes.pointer("/0"))
                .and_then(Value::as_str);
            let scope = match scope {
                Some(s) => format!("Some({s:?})"),
                None => "None".to_owned(),
            };
            entries.push(format!(
                "highlevel_client_core::OperationMeta {{ operation_id: {:?}, name: {id:?}, method: {:?}, path: {path:?}, scope: {scope} }}",
                snake_case(id),
                method.to_uppercase(),
            ));
        }
    }
    let source = format!(
        "/// Every operation of this API as the spec describes it, for the client runtime.\n\
         pub const OPERATIONS: &[highlevel_client_core::OperationMeta] = &[{}];",
        entries.join(",\n")
    );
    syn::parse_str(&source).context("building the operation table")
}

/// `createAgent` → `create_agent`, as progenitor names operations.
pub(crate) fn snake_case(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    for (i, c) in id.chars().enumerate() {
        if c == '-' {
            out.push('_');
        } else if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Fails when progenitor's `OperationInfo` names and the table's disagree.
pub(crate) fn check_names(generated: &str, doc: &Value) -> anyhow::Result<()> {
    let ours: std::collections::BTreeSet<String> = doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| {
            crate::spec::METHODS
                .iter()
                .filter_map(move |m| item.get(*m))
        })
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(snake_case)
        .collect();
    let theirs: std::collections::BTreeSet<String> = generated
        .match_indices("operation_id: \"")
        .filter_map(|(at, m)| {
            let rest = &generated[at + m.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect();
    anyhow::ensure!(
        ours == theirs,
        "operation names differ from progenitor's: table {ours:?}, generated {theirs:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_matches_progenitor_naming() {
        assert_eq!(snake_case("createAgent"), "create_agent");
        assert_eq!(snake_case("getGenerationDetails"), "get_generation_details");
        assert_eq!(snake_case("list-call-logs"), "list_call_logs");
    }
}
