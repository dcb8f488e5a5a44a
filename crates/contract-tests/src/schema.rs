//! OpenAPI 3.0 schemas turned into JSON Schema (draft 2020-12) and checked with the
//! `jsonschema` crate, an validator independent of the mock's own.
//!
//! The conversion is schema-aware (it only rewrites keywords in schema positions, so a property
//! *named* `examples` survives): `#/components/schemas/X` references become `#/$defs/X` with every
//! component schema copied under `$defs`; `nullable: true` adds `null` to `type` (or wraps the
//! schema in `anyOf [.., {type: null}]`); the 3.0 boolean `exclusiveMinimum`/`exclusiveMaximum`
//! become the numeric ones; OpenAPI-only annotations (`example`, `discriminator`, `xml`,
//! `externalDocs`) are dropped. Formats are validated (`date-time` matters to us).
//!
//! [`undeclared_fields`] adds what JSON Schema cannot say for our open objects: which fields of a
//! response the spec does not declare at all (a mock leaking `_id` or an internal field).

use serde_json::{Map, Value, json};

use crate::spec::Spec;

const REF_PREFIX: &str = "#/components/schemas/";

/// Converts one OpenAPI schema of `spec` into a self-contained JSON Schema document.
pub fn to_json_schema(spec: &Spec, schema: &Value) -> Value {
    let mut defs = Map::new();
    if let Some(schemas) = spec
        .doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, s) in schemas {
            defs.insert(name.clone(), convert(s));
        }
    }
    let mut root = match convert(schema) {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("allOf".into(), json!([other]));
            m
        }
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("$defs".into(), Value::Object(defs));
    Value::Object(root)
}

/// Converts a schema (and every sub-schema) from OpenAPI 3.0 to JSON Schema 2020-12.
fn convert(schema: &Value) -> Value {
    let Value::Object(src) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in src {
        let converted = match key.as_str() {
            "example" | "discriminator" | "xml" | "externalDocs" | "nullable" => continue,
            "$ref" => match value.as_str() {
                Some(r) if r.starts_with(REF_PREFIX) => {
                    json!(format!("#/$defs/{}", &r[REF_PREFIX.len()..]))
                }
                _ => value.clone(),
            },
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), convert(v)))
                    .collect(),
            ),
            "items" | "not" | "additionalProperties" => convert(value),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(convert)
                    .collect(),
            ),
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => continue,
            "minimum" | "maximum" => {
                let exclusive_key = if key == "minimum" {
                    "exclusiveMinimum"
                } else {
                    "exclusiveMaximum"
                };
                if src.get(exclusive_key) == Some(&Value::Bool(true)) {
                    out.insert(exclusive_key.to_owned(), value.clone());
                    continue;
                }
                value.clone()
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if src.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.push(Value::Null);
            }
        } else {
            return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
        }
    }
    Value::Object(out)
}

/// Validates `instance` against the OpenAPI schema `schema` of `spec`; returns one line per
/// problem (`/json/pointer: message`), empty when valid.
pub fn validate(spec: &Spec, schema: &Value, instance: &Value) -> Vec<String> {
    let document = to_json_schema(spec, schema);
    let validator = match jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&document)
    {
        Ok(v) => v,
        Err(e) => return vec![format!("the spec's schema does not compile: {e}")],
    };
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fields of `instance` that `schema` does not declare anywhere (following `$ref`, `allOf`, the
/// `oneOf` variant the value matches by its tag, arrays and nested objects), as JSON pointers.
/// Objects declared free-form (`additionalProperties`) are not looked into.
pub fn undeclared_fields(spec: &Spec, schema: &Value, instance: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_undeclared(spec, schema, instance, String::new(), &mut out, 0);
    out
}

/// Declared properties of an object schema, through `allOf` and (tag-matched) `oneOf`.
fn declared<'s>(
    spec: &'s Spec,
    schema: &'s Value,
    instance: &Value,
    props: &mut Vec<(&'s str, &'s Value)>,
    open: &mut bool,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let schema = spec.resolve(schema);
    if schema
        .get("additionalProperties")
        .is_some_and(|a| a != &Value::Bool(false))
    {
        *open = true;
    }
    // An object schema that names no property at all says nothing about its fields.
    let names_fields = ["properties", "allOf", "oneOf", "anyOf", "$ref"];
    if names_fields.iter().all(|k| schema.get(k).is_none()) {
        *open = true;
    }
    for (k, v) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        props.push((k.as_str(), v));
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        declared(spec, part, instance, props, open, depth + 1);
    }
    let variants = schema.get("oneOf").or_else(|| schema.get("anyOf"));
    for variant in variants.and_then(Value::as_array).into_iter().flatten() {
        let v = spec.resolve(variant);
        let matches = v
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .all(
                |(k, p)| match spec.resolve(p).get("enum").and_then(Value::as_array) {
                    Some(values) if values.len() == 1 => instance.get(k) == values.first(),
                    _ => true,
                },
            );
        if matches {
            declared(spec, variant, instance, props, open, depth + 1);
        }
    }
}

fn walk_undeclared(
    spec: &Spec,
    schema: &Value,
    instance: &Value,
    at: String,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let resolved = spec.resolve(schema);
    match instance {
        Value::Object(fields) => {
            let mut props = Vec::new();
            let mut open = false;
            declared(spec, resolved, instance, &mut props, &mut open, 0);
            for (k, v) in fields {
                let here = format!("{at}/{k}");
                let subs: Vec<&Value> = props
                    .iter()
                    .filter(|(n, _)| *n == k)
                    .map(|(_, s)| *s)
                    .collect();
                if subs.is_empty() {
                    if !open {
                        out.push(here);
                    }
                    continue;
                }
                for s in subs {
                    walk_undeclared(spec, s, v, here.clone(), out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            let item_schemas = item_schemas(spec, resolved, 0);
            for (i, item) in items.iter().enumerate() {
                for s in &item_schemas {
                    walk_undeclared(spec, s, item, format!("{at}/{i}"), out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn item_schemas<'s>(spec: &'s Spec, schema: &'s Value, depth: usize) -> Vec<&'s Value> {
    if depth > 16 {
        return Vec::new();
    }
    let schema = spec.resolve(schema);
    let mut out: Vec<&Value> = schema.get("items").into_iter().collect();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(item_schemas(spec, part, depth + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Api, spec};

    #[test]
    fn nullable_becomes_a_null_type_and_refs_point_into_defs() {
        let converted = convert(&json!({
            "type": "string", "nullable": true, "enum": ["a"], "example": "a",
            "properties": {"examples": {"$ref": "#/components/schemas/X"}}
        }));
        assert_eq!(converted["type"], json!(["string", "null"]));
        assert_eq!(converted["enum"], json!(["a", null]));
        assert!(converted.get("example").is_none());
        assert_eq!(
            converted["properties"]["examples"]["$ref"],
            json!("#/$defs/X")
        );
    }

    #[test]
    fn the_spec_examples_of_an_agent_validate_and_a_broken_one_does_not() {
        let spec = spec(Api::VoiceAi);
        let schema = json!({"$ref": "#/components/schemas/AgentWithActions"});
        let example = spec
            .schema("AgentWithActions")
            .and_then(|s| s.get("example"))
            .expect("the spec has an example");
        assert_eq!(validate(spec, &schema, example), Vec::<String>::new());
        assert_eq!(
            undeclared_fields(spec, &schema, example),
            Vec::<String>::new()
        );
        let mut broken = example.clone();
        broken["maxCallDuration"] = json!("long");
        broken["_id"] = json!("x");
        assert!(!validate(spec, &schema, &broken).is_empty());
        assert_eq!(
            undeclared_fields(spec, &schema, &broken),
            vec!["/_id".to_owned()]
        );
    }
}
