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

/// Property name that marks a flattened union member between the two generation passes.
///
/// It cannot collide with a real field: no JSON field of these APIs starts with `@`.
pub(crate) const FLATTEN_MARKER: &str = "@kind";

/// Rewrites `allOf: [<object>, {$ref: <sibling union>}]` schemas for the generator.
///
/// Our specs describe "a type field selects the shape of a sibling content field" as an
/// `allOf` of the plain fields and a union whose `oneOf` variants each hold exactly the tag
/// (a one-value enum) and the content. That is exact JSON Schema, but typify would merge the
/// `allOf` into one untagged enum per schema. Here the `allOf` becomes a plain object with an
/// extra property named [`FLATTEN_MARKER`] that refers to the union; typify then emits the union
/// as an adjacently tagged enum and the object as a struct, and [`crate::regen`] turns the
/// marker field into `#[serde(flatten)] kind`. The JSON on the wire is the same.
pub(crate) fn flatten_sibling_unions(doc: &mut Value) -> anyhow::Result<()> {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return Ok(());
    };
    let resolve = |value: &Value| -> Option<Value> {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/components/schemas/")
                .and_then(|name| schemas.get(name))
                .cloned(),
            None => Some(value.clone()),
        }
    };
    let mut rewritten = Vec::new();
    for (name, schema) in &schemas {
        let Some(members) = schema.get("allOf").and_then(Value::as_array) else {
            continue;
        };
        let (unions, plain): (Vec<&Value>, Vec<&Value>) = members
            .iter()
            .partition(|m| resolve(m).is_some_and(|s| is_sibling_union(&s)));
        let [union] = unions.as_slice() else {
            continue;
        };
        if union.get("$ref").is_none() {
            anyhow::bail!("schema {name}: a sibling union inside allOf must be a $ref");
        }
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        let mut resolved = vec![schema.clone()];
        for member in plain {
            let member = resolve(member)
                .with_context(|| format!("schema {name}: unresolvable allOf member"))?;
            if member.get("allOf").is_some() {
                anyhow::bail!("schema {name}: nested allOf inside a sibling-union allOf");
            }
            resolved.push(member);
        }
        for member in &resolved {
            if let Some(props) = member.get("properties").and_then(Value::as_object) {
                properties.extend(props.clone());
            }
            if let Some(req) = member.get("required").and_then(Value::as_array) {
                required.extend(req.iter().cloned());
            }
        }
        properties.insert(FLATTEN_MARKER.to_owned(), (*union).clone());
        required.push(Value::from(FLATTEN_MARKER));
        let mut object = serde_json::Map::new();
        for key in ["description", "title", "example"] {
            if let Some(v) = schema.get(key) {
                object.insert(key.to_owned(), v.clone());
            }
        }
        object.insert("type".to_owned(), Value::from("object"));
        object.insert("required".to_owned(), Value::Array(required));
        object.insert("properties".to_owned(), Value::Object(properties));
        rewritten.push((name.clone(), Value::Object(object)));
    }
    let target = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .context("components.schemas vanished")?;
    for (name, schema) in rewritten {
        target.insert(name, schema);
    }
    Ok(())
}

/// A `oneOf` whose variants are objects with exactly two required properties, the same two
/// in every variant, one of which is a single-value string enum in each (the tag).
fn is_sibling_union(schema: &Value) -> bool {
    let Some(variants) = schema.get("oneOf").and_then(Value::as_array) else {
        return false;
    };
    let mut keys: Option<Vec<String>> = None;
    for variant in variants {
        let Some(props) = variant.get("properties").and_then(Value::as_object) else {
            return false;
        };
        let required = variant
            .get("required")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if props.len() != 2 || required != 2 {
            return false;
        }
        let has_tag = props.values().any(|p| {
            p.get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.len() == 1 && e[0].is_string())
        });
        if !has_tag {
            return false;
        }
        let mut these: Vec<String> = props.keys().cloned().collect();
        these.sort();
        match &keys {
            Some(k) if *k != these => return false,
            _ => keys = Some(these),
        }
    }
    keys.is_some()
}

/// The HTTP methods an OpenAPI path item may hold, in the order the specification lists them.
pub(crate) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
