//! Visiting every schema of an OpenAPI document: components, parameters, request and
//! response bodies, and the schemas nested in each.

use serde_json::Value;

/// Calls `visit` on every schema of `doc`, outer schemas before the schemas they nest.
pub(crate) fn schemas_mut(doc: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for s in schemas.values_mut() {
            schema(s, visit);
        }
    }
    if let Some(parameters) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        for parameter in parameters.values_mut() {
            if let Some(s) = parameter.get_mut("schema") {
                schema(s, visit);
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            operation(op, visit);
        }
    }
}

/// The parameters, request body and responses of one operation (or a path item's shared
/// `parameters` list).
fn operation(op: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    let parameters = match op {
        Value::Array(list) => Some(list),
        _ => op.get_mut("parameters").and_then(Value::as_array_mut),
    };
    for parameter in parameters.into_iter().flatten() {
        if let Some(s) = parameter.get_mut("schema") {
            schema(s, visit);
        }
    }
    if let Some(content) = op
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    {
        media(content, visit);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for response in responses.values_mut() {
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                media(content, visit);
            }
        }
    }
}

fn media(content: &mut serde_json::Map<String, Value>, visit: &mut dyn FnMut(&mut Value)) {
    for media_type in content.values_mut() {
        if let Some(s) = media_type.get_mut("schema") {
            schema(s, visit);
        }
    }
}

/// One schema, then every schema nested in it (never a `properties` map itself, so a
/// property named like a keyword is left alone).
fn schema(value: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    visit(value);
    let Some(object) = value.as_object_mut() else {
        return;
    };
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for p in properties.values_mut() {
            schema(p, visit);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(nested) = object.get_mut(key) {
            schema(nested, visit);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(members) = object.get_mut(key).and_then(Value::as_array_mut) {
            for m in members.iter_mut() {
                schema(m, visit);
            }
        }
    }
}
