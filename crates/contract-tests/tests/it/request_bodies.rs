//! A request carries only the fields its caller set: for every request body of both specs, a
//! payload holding only its required fields (at every level) decodes into the client's type
//! and encodes back to exactly the same JSON. A field that the client would add on the way out
//! (a spec `default` turned into a plain value, as `respondToAudio: false` once was) fails it.

use contract_tests::spec::{Api, Spec, spec};
use contract_tests::strategies::{sample, valid};
use serde_json::{Map, Value};

use crate::roundtrip::{RoundTrip, conversation_types, voice_types};

/// Keeps, at every level of `value`, only the fields `schema` requires.
fn required_only(spec: &Spec, schema: &Value, value: &Value) -> Value {
    let schema = spec.resolve(schema);
    match value {
        Value::Object(object) => {
            let (required, properties) = object_shape(spec, schema, object);
            let kept: Map<String, Value> = object
                .iter()
                .filter(|(key, _)| required.contains(key))
                .map(|(key, field)| {
                    let pruned = match properties.get(key) {
                        Some(field_schema) => required_only(spec, field_schema, field),
                        None => field.clone(),
                    };
                    (key.clone(), pruned)
                })
                .collect();
            Value::Object(kept)
        }
        Value::Array(items) => match schema.get("items") {
            Some(item_schema) => Value::Array(
                items
                    .iter()
                    .map(|item| required_only(spec, item_schema, item))
                    .collect(),
            ),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

/// The required names and property schemas of an object schema, through `allOf` and, for a
/// `oneOf`, the variant whose single-valued tags `object` carries.
fn object_shape(
    spec: &Spec,
    schema: &Value,
    object: &Map<String, Value>,
) -> (Vec<String>, Map<String, Value>) {
    let mut required = Vec::new();
    let mut properties = Map::new();
    let mut add = |part: &Value| {
        required.extend(
            part.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
        if let Some(props) = part.get("properties").and_then(Value::as_object) {
            properties.extend(props.clone());
        }
    };
    let mut parts = vec![schema];
    while let Some(part) = parts.pop() {
        let part = spec.resolve(part);
        add(part);
        if let Some(members) = part.get("allOf").and_then(Value::as_array) {
            parts.extend(members);
        }
        if let Some(variants) = part.get("oneOf").and_then(Value::as_array)
            && let Some(variant) = variants
                .iter()
                .map(|v| spec.resolve(v))
                .find(|v| tags_match(v, object))
        {
            parts.push(variant);
        }
    }
    (required, properties)
}

/// Whether every single-valued enum property of `variant` has its value in `object`.
fn tags_match(variant: &Value, object: &Map<String, Value>) -> bool {
    variant
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, schema)| {
            let values = schema.get("enum")?.as_array()?;
            (values.len() == 1).then(|| (name, &values[0]))
        })
        .all(|(name, tag)| object.get(name) == Some(tag))
}

/// Checks every request body of `api` against its Rust type in `types`.
fn check(api: Api, types: &std::collections::BTreeMap<&'static str, RoundTrip>) {
    let spec = spec(api);
    let mut checked = 0;
    for operation in spec.operations.values() {
        let Some(schema) = &operation.request_schema else {
            continue;
        };
        let name = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("{}: the request body is not a named schema", operation.id));
        let round_trip = types
            .get(name)
            .unwrap_or_else(|| panic!("{name} has no Rust type in the round-trip table"));
        for seed in 0..8 {
            let full = sample(&valid(spec, schema), seed);
            let minimal = required_only(spec, schema, &full);
            let encoded = round_trip(&minimal)
                .unwrap_or_else(|e| panic!("{}: {name} {minimal}: {e}", operation.id));
            assert_eq!(
                encoded, minimal,
                "{}: {name} sends fields its caller did not set",
                operation.id
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "{} has request bodies", api.label());
}

#[test]
fn no_voice_ai_request_body_sends_a_field_its_caller_did_not_set() {
    check(Api::VoiceAi, &voice_types());
}

#[test]
fn no_conversation_ai_request_body_sends_a_field_its_caller_did_not_set() {
    check(Api::ConversationAi, &conversation_types());
}
