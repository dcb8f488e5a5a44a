//! The operations of both APIs as our OpenAPI specs state them, read from the spec files
//! embedded at compile time: the command tree, the MCP tools and the apply file's schema are all
//! built from this one list, so none of them can drift from the specs.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::json_schema;

/// One of the two APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Api {
    /// `openapi/voice-ai.yaml`.
    VoiceAi,
    /// `openapi/conversation-ai.yaml`.
    ConversationAi,
}

impl Api {
    /// Both APIs, in the order commands list them.
    pub(crate) const ALL: [Api; 2] = [Api::VoiceAi, Api::ConversationAi];

    /// The command (and MCP tool prefix) naming the API: `voice-ai`, `conversation-ai`.
    pub(crate) fn command(self) -> &'static str {
        match self {
            Api::VoiceAi => "voice-ai",
            Api::ConversationAi => "conversation-ai",
        }
    }

    /// The API's name in prose.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Api::VoiceAi => "Voice AI",
            Api::ConversationAi => "Conversation AI",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Api::VoiceAi => include_str!("../../../openapi/voice-ai.yaml"),
            Api::ConversationAi => include_str!("../../../openapi/conversation-ai.yaml"),
        }
    }
}

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamIn {
    /// In the URL path (`{agentId}`).
    Path,
    /// In the query string.
    Query,
}

/// A path or query parameter of an operation (the `Version` header is the clients' business).
#[derive(Clone, Debug)]
pub(crate) struct Param {
    /// The spec's name, e.g. `locationId`.
    pub(crate) name: String,
    /// Path or query.
    pub(crate) location: ParamIn,
    /// Whether the spec requires it.
    pub(crate) required: bool,
    /// The spec's description.
    pub(crate) description: String,
    /// Its JSON Schema (converted from the spec's, `$ref`s inlined).
    pub(crate) schema: Value,
}

/// One operation of one API.
#[derive(Clone, Debug)]
pub(crate) struct Operation {
    /// The API it belongs to.
    pub(crate) api: Api,
    /// The spec's `operationId`, e.g. `listAgents`.
    pub(crate) id: String,
    /// The HTTP method, upper case.
    pub(crate) method: String,
    /// The path template.
    pub(crate) path: String,
    /// The spec's one-line summary.
    pub(crate) summary: String,
    /// The spec's description.
    pub(crate) description: String,
    /// Path and query parameters, in the spec's order.
    pub(crate) params: Vec<Param>,
    /// The JSON Schema of the request body, when the operation takes one.
    pub(crate) body: Option<Value>,
}

impl Operation {
    /// Whether the operation changes anything (every method but GET).
    pub(crate) fn writes(&self) -> bool {
        self.method != "GET"
    }

    /// The parameter named `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// Whether the operation lists pages (`page` or the `startAfter` cursor).
    #[cfg(test)]
    pub(crate) fn paginated(&self) -> bool {
        self.param("page").is_some() || self.param("startAfter").is_some()
    }

    /// The top-level properties of the body schema, with their schemas.
    pub(crate) fn body_properties(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if let Some(body) = &self.body {
            collect_properties(body, &mut out);
        }
        out
    }
}

/// Properties of an object schema, following `allOf` (the specs compose bodies that way).
fn collect_properties(schema: &Value, out: &mut Vec<(String, Value)>) {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if !out.iter().any(|(known, _)| known == name) {
                out.push((name.clone(), property.clone()));
            }
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            collect_properties(part, out);
        }
    }
}

/// Both specs' operations, parsed once.
pub(crate) fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        Api::ALL
            .iter()
            .flat_map(|api| parse(*api, document(*api)))
            .collect()
    })
}

/// The operation `id` of `api`.
pub(crate) fn operation(api: Api, id: &str) -> Option<&'static Operation> {
    operations()
        .iter()
        .find(|operation| operation.api == api && operation.id == id)
}

/// The parsed spec of `api`, as JSON.
pub(crate) fn document(api: Api) -> &'static Value {
    static DOCUMENTS: OnceLock<[Value; 2]> = OnceLock::new();
    let documents = DOCUMENTS.get_or_init(|| {
        Api::ALL.map(|api| {
            serde_norway::from_str(api.source()).expect("the embedded spec is valid YAML")
        })
    });
    match api {
        Api::VoiceAi => &documents[0],
        Api::ConversationAi => &documents[1],
    }
}

/// The JSON Schema of the component schema `name` of `api`'s spec.
pub(crate) fn component_schema(api: Api, name: &str) -> Value {
    let spec = document(api);
    json_schema::convert(spec, &json_ref(&format!("#/components/schemas/{name}")))
}

fn json_ref(pointer: &str) -> Value {
    let mut object = Map::new();
    object.insert("$ref".to_owned(), Value::String(pointer.to_owned()));
    Value::Object(object)
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn parse(api: Api, spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let params = operation
                .get("parameters")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|param| parse_param(spec, param))
                        .collect()
                })
                .unwrap_or_default();
            let body = operation
                .pointer("/requestBody/content/application~1json/schema")
                .map(|schema| json_schema::convert(spec, schema));
            out.push(Operation {
                api,
                id: id.to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(operation.get("summary")),
                description: text(operation.get("description")),
                params,
                body,
            });
        }
    }
    out
}

fn parse_param(spec: &Value, param: &Value) -> Option<Param> {
    let param = json_schema::resolve(spec, param);
    let location = match param.get("in").and_then(Value::as_str)? {
        "path" => ParamIn::Path,
        "query" => ParamIn::Query,
        _ => return None,
    };
    Some(Param {
        name: param.get("name")?.as_str()?.to_owned(),
        location,
        required: param
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        description: text(param.get("description")),
        schema: param
            .get("schema")
            .map(|schema| json_schema::convert(spec, schema))
            .unwrap_or(Value::Object(Map::new())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_specs_yield_their_operations_with_parameters_and_bodies() {
        let list_agents = operation(Api::VoiceAi, "listAgents").expect("in the spec");
        assert_eq!(list_agents.method, "GET");
        assert!(list_agents.paginated());
        let location = list_agents.param("locationId").expect("a parameter");
        assert!(location.required);
        assert_eq!(location.location, ParamIn::Query);
        assert!(list_agents.body.is_none());

        let create = operation(Api::ConversationAi, "createAgent").expect("in the spec");
        assert!(create.writes());
        let names: Vec<String> = create
            .body_properties()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(names.contains(&"personality".to_owned()), "{names:?}");
        // The Version header is left to the clients.
        assert!(create.param("Version").is_none());
    }
}
