//! Loading our OpenAPI documents and preparing them for the generator.

use std::path::Path;

use anyhow::Context as _;
use serde_json::Value;

/// Reads a YAML or JSON OpenAPI document into a JSON value.
pub(crate) fn load(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: Value = if path.extension().is_some_and(|ext| ext == "json") {
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
    } else {
        serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
    };
    Ok(value)
}

/// Name of the header every operation requires and the client runtime sends itself.
pub(crate) const VERSION_HEADER: &str = "Version";

/// Removes the `Version` header parameter from every operation.
///
/// The spec documents the header on each operation because the server requires it, but a
/// per-call argument would be noise: the client runtime adds it to every request.
pub(crate) fn strip_version_header(doc: &mut Value) {
    let version_ref = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .and_then(|params| {
            params.iter().find_map(|(name, param)| {
                is_version_header(param).then(|| format!("#/components/parameters/{name}"))
            })
        });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (key, op) in item.iter_mut() {
            let params = if key == "parameters" {
                Some(op)
            } else {
                op.get_mut("parameters")
            };
            if let Some(Value::Array(params)) = params {
                params.retain(|p| {
                    !is_version_header(p)
                        && p.get("$ref").and_then(Value::as_str) != version_ref.as_deref()
                });
            }
        }
    }
}

fn is_version_header(param: &Value) -> bool {
    param.get("in").and_then(Value::as_str) == Some("header")
        && param.get("name").and_then(Value::as_str) == Some(VERSION_HEADER)
}
