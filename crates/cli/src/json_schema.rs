//! OpenAPI 3.0 schemas as plain JSON Schema: `$ref`s inlined, `nullable` as a `null` type,
//! examples left out. MCP tools and the apply file's schema take their shapes from here.

use serde_json::{Map, Value};

/// Keywords JSON Schema shares with OpenAPI 3.0 that are copied as they are.
const COPIED: &[&str] = &[
    "type",
    "format",
    "description",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "required",
    "default",
    "title",
    "readOnly",
    "writeOnly",
];

/// Deeper than this, a schema is cut off (the specs have no recursive types; this guards
/// against one being added).
const MAX_DEPTH: usize = 32;

/// Follows `schema`'s `$ref` (a local `#/…` pointer) once, if it has one.
pub(crate) fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or(schema),
        None => schema,
    }
}

/// The JSON Schema equivalent of the OpenAPI `schema`, inside `spec`.
pub(crate) fn convert(spec: &Value, schema: &Value) -> Value {
    convert_at(spec, schema, 0)
}

fn convert_at(spec: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Object(Map::new());
    }
    let schema = resolve(spec, schema);
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for key in COPIED {
        if let Some(value) = object.get(*key) {
            out.insert((*key).to_owned(), value.clone());
        }
    }
    // OpenAPI 3.0's boolean exclusive bounds are numbers in JSON Schema.
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if object.get(flag).and_then(Value::as_bool) == Some(true)
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.to_owned(), limit);
        }
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        let converted = properties
            .iter()
            .map(|(name, property)| (name.clone(), convert_at(spec, property, depth + 1)))
            .collect();
        out.insert("properties".to_owned(), Value::Object(converted));
    }
    if let Some(items) = object.get("items") {
        out.insert("items".to_owned(), convert_at(spec, items, depth + 1));
    }
    match object.get("additionalProperties") {
        Some(Value::Bool(allowed)) => {
            out.insert("additionalProperties".to_owned(), Value::Bool(*allowed));
        }
        Some(nested @ Value::Object(_)) => {
            out.insert(
                "additionalProperties".to_owned(),
                convert_at(spec, nested, depth + 1),
            );
        }
        _ => {}
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = object.get(combinator).and_then(Value::as_array) {
            let converted = parts
                .iter()
                .map(|part| convert_at(spec, part, depth + 1))
                .collect();
            out.insert(combinator.to_owned(), Value::Array(converted));
        }
    }
    if object.get("nullable").and_then(Value::as_bool) == Some(true) {
        return nullable(out);
    }
    Value::Object(out)
}

/// `schema` or `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::String(kind)) = schema.get("type").cloned() {
        schema.insert(
            "type".to_owned(),
            Value::Array(vec![Value::String(kind), Value::String("null".to_owned())]),
        );
        if let Some(Value::Array(values)) = schema.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
        return Value::Object(schema);
    }
    let description = schema.remove("description");
    let mut wrapper = Map::new();
    if let Some(description) = description {
        wrapper.insert("description".to_owned(), description);
    }
    let mut null = Map::new();
    null.insert("type".to_owned(), Value::String("null".to_owned()));
    wrapper.insert(
        "anyOf".to_owned(),
        Value::Array(vec![Value::Object(schema), Value::Object(null)]),
    );
    Value::Object(wrapper)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn refs_are_inlined_nullable_becomes_a_null_type_and_examples_are_dropped() {
        let spec = json!({"components": {"schemas": {
            "Unit": {"type": "string", "enum": ["hours", "days"], "nullable": true, "example": "days"},
            "Wait": {"type": "object", "required": ["unit"], "properties": {
                "unit": {"$ref": "#/components/schemas/Unit"},
                "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}
            }}
        }}});
        let converted = convert(&spec, &json!({"$ref": "#/components/schemas/Wait"}));
        assert_eq!(
            converted,
            json!({"type": "object", "required": ["unit"], "properties": {
                "unit": {"type": ["string", "null"], "enum": ["hours", "days", null]},
                "count": {"type": "integer", "exclusiveMinimum": 0}
            }})
        );
    }
}
