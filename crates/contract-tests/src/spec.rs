//! Our two OpenAPI specs, read from `openapi/*.yaml` at run time and indexed by `operationId`.
//!
//! The contract tests keep their own reading of the specs (they do not reuse the mock's), so a
//! mistake in the mock's spec handling cannot hide itself. The files are read when first asked
//! for, not embedded, so a colleague's edit to a spec is picked up by the next test run without
//! a rebuild.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use serde_json::{Map, Value};

/// One of the two APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    /// HighLevel Voice AI (`openapi/voice-ai.yaml`).
    VoiceAi,
    /// HighLevel Conversation AI (`openapi/conversation-ai.yaml`).
    ConversationAi,
}

impl Api {
    /// Both APIs.
    pub const ALL: [Api; 2] = [Api::VoiceAi, Api::ConversationAi];

    /// The spec's file name under `openapi/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Api::VoiceAi => "voice-ai.yaml",
            Api::ConversationAi => "conversation-ai.yaml",
        }
    }

    /// A short label for messages.
    pub fn label(self) -> &'static str {
        match self {
            Api::VoiceAi => "voice-ai",
            Api::ConversationAi => "conversation-ai",
        }
    }

    /// Where the spec lives on disk.
    pub fn spec_path(self) -> PathBuf {
        openapi_dir().join(self.file_name())
    }
}

/// The workspace's `openapi/` directory.
pub fn openapi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi")
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// The query string.
    Query,
    /// A path segment.
    Path,
    /// A request header.
    Header,
}

/// One parameter of an operation, with its `$ref` already followed.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Where it travels.
    pub location: ParamIn,
    /// Whether the spec requires it.
    pub required: bool,
    /// Its schema (may itself be a `$ref`).
    pub schema: Value,
}

/// What the tests need to know about one operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The API it belongs to.
    pub api: Api,
    /// Its `operationId`.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/voice-ai/agents/{agentId}`.
    pub path: String,
    /// Its parameters (path-level ones merged in).
    pub params: Vec<Param>,
    /// The `application/json` request body schema, if any.
    pub request_schema: Option<Value>,
    /// The success (2xx) status code.
    pub success_status: u16,
    /// The success response's JSON schema; `None` for an empty success body (`204`).
    pub response_schema: Option<Value>,
    /// The scope of its `bearer` security requirement.
    pub scope: String,
}

impl Operation {
    /// The query parameters, as one object schema (`properties` + `required`), so the payload
    /// strategies can walk them like a body. Parameters listed in `skip` (filled in by the test,
    /// such as `locationId`) are left out.
    pub fn query_schema(&self, skip: &[&str]) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for p in self.params.iter().filter(|p| p.location == ParamIn::Query) {
            if skip.contains(&p.name.as_str()) {
                continue;
            }
            properties.insert(p.name.clone(), p.schema.clone());
            if p.required {
                required.push(Value::String(p.name.clone()));
            }
        }
        serde_json::json!({"type": "object", "properties": properties, "required": required})
    }

    /// The parameter called `name`, if declared.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// `(api, operationId)`, the key the coverage test compares.
    pub fn key(&self) -> (Api, String) {
        (self.api, self.id.clone())
    }
}

/// A parsed spec.
#[derive(Debug)]
pub struct Spec {
    /// Which API.
    pub api: Api,
    /// The whole document, as JSON.
    pub doc: Value,
    /// Operations by `operationId`.
    pub operations: BTreeMap<String, Operation>,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

impl Spec {
    /// Reads and indexes the spec of `api`.
    pub fn load(api: Api) -> Result<Spec, String> {
        let path = api.spec_path();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Spec::parse(api, &text)
    }

    /// Indexes a spec given as YAML text.
    pub fn parse(api: Api, text: &str) -> Result<Spec, String> {
        let doc: Value =
            serde_norway::from_str(text).map_err(|e| format!("{}: {e}", api.file_name()))?;
        let mut spec = Spec {
            api,
            doc,
            operations: BTreeMap::new(),
        };
        let mut operations = BTreeMap::new();
        let paths = spec
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{} has no paths", api.file_name()))?;
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let operation = spec.operation_from(api, path, method, item, op)?;
                if operations.insert(operation.id.clone(), operation).is_some() {
                    return Err(format!(
                        "{}: duplicate operationId at {method} {path}",
                        api.label()
                    ));
                }
            }
        }
        spec.operations = operations;
        Ok(spec)
    }

    fn operation_from(
        &self,
        api: Api,
        path: &str,
        method: &str,
        item: &Value,
        op: &Value,
    ) -> Result<Operation, String> {
        let where_ = format!("{} {} {path}", api.label(), method.to_uppercase());
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{where_} has no operationId"))?
            .to_owned();
        let mut params: Vec<Param> = Vec::new();
        let declared = [item.get("parameters"), op.get("parameters")];
        for raw in declared
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
        {
            let raw = self.resolve(raw);
            let name = raw
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{where_}: a parameter has no name"))?
                .to_owned();
            let location = match raw.get("in").and_then(Value::as_str) {
                Some("query") => ParamIn::Query,
                Some("path") => ParamIn::Path,
                Some("header") => ParamIn::Header,
                other => return Err(format!("{where_}: parameter {name} is in {other:?}")),
            };
            params.retain(|p| !(p.name == name && p.location == location));
            params.push(Param {
                name,
                location,
                required: raw
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                schema: raw.get("schema").cloned().unwrap_or(Value::Null),
            });
        }
        let request_schema = op
            .get("requestBody")
            .map(|b| self.resolve(b))
            .and_then(|b| b.pointer("/content/application~1json/schema"))
            .cloned();
        let responses = op
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{where_} has no responses"))?;
        let (status, response) = responses
            .iter()
            .find(|(status, _)| status.starts_with('2'))
            .ok_or_else(|| format!("{where_} has no 2xx response"))?;
        let success_status = status
            .parse()
            .map_err(|_| format!("{where_}: bad status {status}"))?;
        let response_schema = self
            .resolve(response)
            .pointer("/content/application~1json/schema")
            .cloned();
        let scope = op
            .get("security")
            .and_then(Value::as_array)
            .and_then(|reqs| reqs.first())
            .and_then(|req| req.get("bearer"))
            .and_then(Value::as_array)
            .and_then(|scopes| scopes.first())
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{where_} declares no bearer scope"))?
            .to_owned();
        Ok(Operation {
            api,
            id,
            method: method.to_uppercase(),
            path: path.to_owned(),
            params,
            request_schema,
            success_status,
            response_schema,
            scope,
        })
    }

    /// Follows local `$ref`s (`#/components/...`) until a value that is not a reference.
    ///
    /// # Panics
    /// On a reference that points nowhere: the specs are ours, so that is a spec bug the tests
    /// should report loudly.
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..64 {
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            value = target
                .strip_prefix('#')
                .and_then(|p| self.doc.pointer(p))
                .unwrap_or_else(|| panic!("{}: dangling $ref {target}", self.api.label()));
        }
        panic!("{}: $ref cycle", self.api.label())
    }

    /// A named schema of `components/schemas`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.doc.pointer(&format!("/components/schemas/{name}"))
    }

    /// The operation with this `operationId`.
    ///
    /// # Panics
    /// When the spec does not declare it.
    pub fn op(&self, id: &str) -> &Operation {
        self.operations
            .get(id)
            .unwrap_or_else(|| panic!("{} declares no operation {id}", self.api.label()))
    }

    /// The tag property that picks an action's kind (`actionType` / `type`) and the property
    /// holding its content (`actionParameters` / `details`), read from the spec's `ActionKind`
    /// `oneOf`: the required property whose schema is a one-value enum, and the other one.
    pub fn action_kind_fields(&self) -> Option<(String, String)> {
        let kind = self.schema("ActionKind")?;
        let first = kind.get("oneOf")?.as_array()?.first()?;
        let first = self.resolve(first);
        let props = first.get("properties")?.as_object()?;
        let tag = props.iter().find(|(_, s)| {
            self.resolve(s)
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.len() == 1)
        })?;
        let content = props.keys().find(|k| *k != tag.0)?;
        Some((tag.0.clone(), content.clone()))
    }

    /// Every tag value of `ActionKind`, in spec order.
    pub fn action_kinds(&self) -> Vec<String> {
        let Some((tag, _)) = self.action_kind_fields() else {
            return Vec::new();
        };
        self.schema("ActionKind")
            .and_then(|k| k.get("oneOf"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| {
                let v = self.resolve(v);
                let t = self.resolve(v.pointer(&format!("/properties/{tag}"))?);
                t.pointer("/enum/0")?.as_str().map(str::to_owned)
            })
            .collect()
    }
}

static VOICE: LazyLock<Result<Spec, String>> = LazyLock::new(|| Spec::load(Api::VoiceAi));
static CONVERSATION: LazyLock<Result<Spec, String>> =
    LazyLock::new(|| Spec::load(Api::ConversationAi));

/// The spec of `api`, loaded once per test binary.
pub fn try_spec(api: Api) -> Result<&'static Spec, &'static str> {
    let loaded = match api {
        Api::VoiceAi => &*VOICE,
        Api::ConversationAi => &*CONVERSATION,
    };
    loaded.as_ref().map_err(String::as_str)
}

/// The spec of `api`.
///
/// # Panics
/// When the file is missing or does not parse.
pub fn spec(api: Api) -> &'static Spec {
    try_spec(api).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_spec_indexes_operations_with_scopes_and_statuses() {
        let spec = spec(Api::VoiceAi);
        let list = spec.op("listAgents");
        assert_eq!(list.method, "GET");
        assert_eq!(list.scope, "voice-ai-agents.readonly");
        assert_eq!(list.success_status, 200);
        assert!(list.param("pageSize").is_some());
        let delete = spec.op("deleteAgent");
        assert_eq!(delete.success_status, 204);
        assert!(delete.response_schema.is_none());
        assert_eq!(
            spec.action_kind_fields(),
            Some(("actionType".to_owned(), "actionParameters".to_owned()))
        );
        assert!(spec.action_kinds().contains(&"SMS".to_owned()));
    }
}
