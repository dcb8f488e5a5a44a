//! Our OpenAPI specs, embedded and indexed once.
//!
//! The mock is driven by the same files the clients are generated from: each spec is embedded
//! with `include_str!`, parsed once (YAML through `serde_norway` into a `serde_json::Value`) and
//! indexed by `operationId`. An [`Operation`] carries what the request pipeline needs: its
//! parameters with their schemas, the request-body schema, the scopes of its `bearer` security
//! entry and its response schemas. Schemas stay JSON values; [`Spec::resolve`] follows local
//! `$ref`s (`#/components/...`). Because nothing is hand-copied from the spec, a field added or a
//! constraint tightened in `openapi/*.yaml` changes the mock's validation with no code change.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::Value;

/// Which of the two APIs an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `/voice-ai/...`
    VoiceAi,
    /// `/conversation-ai/...`
    ConversationAi,
}

/// Where a parameter is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// The query string.
    Query,
    /// A path segment.
    Path,
    /// A header (only `Version`, which the auth layer checks itself).
    Header,
    /// A cookie (unused by these APIs).
    Cookie,
}

/// One declared parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name, e.g. `pageSize`.
    pub name: String,
    /// Where it is carried.
    pub location: ParamIn,
    /// Whether the spec marks it `required`.
    pub required: bool,
    /// Its schema (possibly a `$ref`).
    pub schema: Value,
    /// The schema's `default` (after `$ref`s), used when the parameter is absent.
    pub default: Option<Value>,
    /// Whether the schema takes every string as it is (`type: string` and no constraint), so a
    /// value needs neither coercion nor validation: decided once here, not per request.
    pub any_string: bool,
    /// For a plain `type: integer` schema, the whole numbers it accepts (its bounds and format
    /// together), so a value sent as a plain decimal in that range needs no validation.
    pub integer_range: Option<(i64, i64)>,
}

/// One operation of a spec.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The `operationId`, e.g. `createAgent`.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, e.g. `/voice-ai/agents/{agentId}`.
    pub path: String,
    /// Path-level and operation-level parameters.
    pub params: Vec<Param>,
    /// The `application/json` request-body schema, if the operation takes a body.
    pub body: Option<Value>,
    /// The scopes of the operation's `bearer` security requirement.
    pub scopes: Vec<String>,
    /// Response schemas by status code (only responses with a JSON body).
    pub responses: BTreeMap<String, Value>,
    /// Every status the operation declares (`200`, `204`, `4XX`, `default`…), with or without
    /// a body; the validating proxy reports an answer whose status is not among them.
    pub statuses: Vec<String>,
    /// The declared shape of the success (lowest `2xx`) JSON response, precomputed at parse
    /// time; responses are rendered through it so they carry only declared fields.
    pub success_shape: Shape,
}

/// The fields a response schema declares, nested: what the mock may send. Built once per
/// operation from the spec (`$ref`s followed, `allOf` members merged, `oneOf`/`anyOf` variants
/// united), so a spec change reshapes the mock's answers with no code change.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Anything goes: a scalar, a free-form object (`additionalProperties`, or no declared
    /// properties), or a schema the mock cannot narrow.
    Any,
    /// An object: only these properties, each with its own shape.
    Object(BTreeMap<String, Shape>),
    /// An array whose items have this shape.
    Array(Box<Shape>),
}

impl Shape {
    /// The shape a schema declares.
    pub fn of(spec: &Spec, schema: &Value) -> Self {
        Self::build(spec, schema, 0).unwrap_or(Self::Any)
    }

    /// `None` when the schema declares no structure of its own (a scalar, a bare `type:
    /// object`, an `allOf` member that only adds `required`): neutral inside `allOf`.
    fn build(spec: &Spec, schema: &Value, depth: usize) -> Option<Self> {
        if depth > 24 {
            return Some(Self::Any);
        }
        let schema = spec.resolve(schema);
        let mut parts: Vec<Self> = Vec::new();
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            parts.extend(
                members
                    .iter()
                    .filter_map(|m| Self::build(spec, m, depth + 1)),
            );
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = schema.get(key).and_then(Value::as_array) {
                parts.extend(
                    members
                        .iter()
                        .map(|m| Self::build(spec, m, depth + 1).unwrap_or(Self::Any)),
                );
            }
        }
        let free = schema
            .get("additionalProperties")
            .is_some_and(|a| a != &Value::Bool(false));
        if free {
            parts.push(Self::Any);
        } else if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            parts.push(Self::Object(
                props
                    .iter()
                    .map(|(k, v)| {
                        let shape = Self::build(spec, v, depth + 1).unwrap_or(Self::Any);
                        (k.clone(), shape)
                    })
                    .collect(),
            ));
        } else if let Some(items) = schema.get("items") {
            parts.push(Self::Array(Box::new(
                Self::build(spec, items, depth + 1).unwrap_or(Self::Any),
            )));
        }
        parts.into_iter().reduce(Self::union)
    }

    /// The shape that allows what either allows.
    fn union(self, other: Self) -> Self {
        match (self, other) {
            (Self::Object(mut a), Self::Object(b)) => {
                for (k, v) in b {
                    let merged = match a.remove(&k) {
                        Some(prev) => prev.union(v),
                        None => v,
                    };
                    a.insert(k, merged);
                }
                Self::Object(a)
            }
            (Self::Array(a), Self::Array(b)) => Self::Array(Box::new(a.union(*b))),
            _ => Self::Any,
        }
    }

    /// Borrows `value` for serialization through this shape (undeclared fields left out).
    pub fn view<'a>(&'a self, value: &'a Value) -> Shaped<'a> {
        Shaped { shape: self, value }
    }
}

/// A value serialized through a [`Shape`]: object fields the shape does not declare are
/// skipped (at every depth), without copying the value.
#[derive(Debug, Clone, Copy)]
pub struct Shaped<'a> {
    shape: &'a Shape,
    value: &'a Value,
}

impl serde::Serialize for Shaped<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match (self.shape, self.value) {
            (Shape::Object(props), Value::Object(map)) => {
                let mut out = serializer.serialize_map(None)?;
                for (key, value) in map {
                    if let Some(shape) = props.get(key) {
                        out.serialize_entry(key, &shape.view(value))?;
                    }
                }
                out.end()
            }
            (Shape::Array(item), Value::Array(items)) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for value in items {
                    out.serialize_element(&item.view(value))?;
                }
                out.end()
            }
            _ => self.value.serialize(serializer),
        }
    }
}

/// A parsed spec with its operations indexed by `operationId`.
#[derive(Debug)]
pub struct Spec {
    doc: Value,
    operations: BTreeMap<String, Operation>,
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

impl Spec {
    /// Parses a spec from YAML (or JSON) text.
    /// ```
    /// use mock_server::testing::spec;
    /// use mock_server::{Api, Spec};
    /// // Arrange
    /// let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      security: [{bearer: [x.readonly]}]\n      responses: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {type: string}\n";
    /// // Act
    /// let spec = Spec::parse(text).expect("a valid spec");
    /// // Assert
    /// assert_eq!(spec.operation("getX").expect("indexed").scopes, vec!["x.readonly".to_owned()]);
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
        let mut spec = Self {
            doc,
            operations: BTreeMap::new(),
        };
        let paths = spec
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("the spec has no paths")?;
        let mut operations = BTreeMap::new();
        for (path, item) in paths {
            let shared = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {path} has no operationId"))?
                    .to_owned();
                let mut params: Vec<Param> = Vec::new();
                let own = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for raw in shared.iter().chain(own.iter()) {
                    let raw = spec.resolve(raw);
                    let param = Param {
                        name: raw
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        location: match raw.get("in").and_then(Value::as_str) {
                            Some("path") => ParamIn::Path,
                            Some("header") => ParamIn::Header,
                            Some("cookie") => ParamIn::Cookie,
                            _ => ParamIn::Query,
                        },
                        required: raw
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        schema: raw.get("schema").cloned().unwrap_or(Value::Null),
                        default: None,
                        any_string: false,
                        integer_range: None,
                    };
                    let schema = spec.resolve(&param.schema);
                    let param = Param {
                        default: schema.get("default").cloned(),
                        any_string: crate::validation::accepts_any_string(schema),
                        integer_range: crate::validation::plain_integer_range(schema),
                        ..param
                    };
                    // An operation-level parameter overrides a path-level one of the same name.
                    params.retain(|p| !(p.name == param.name && p.location == param.location));
                    params.push(param);
                }
                let body = op
                    .get("requestBody")
                    .map(|b| spec.resolve(b))
                    .and_then(|b| b.pointer("/content/application~1json/schema"))
                    .cloned();
                let scopes = op
                    .get("security")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|req| req.values())
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                let responses: BTreeMap<String, Value> = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(status, r)| {
                        spec.resolve(r)
                            .pointer("/content/application~1json/schema")
                            .map(|s| (status.clone(), s.clone()))
                    })
                    .collect();
                let statuses: Vec<String> = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(status, _)| status.clone())
                    .collect();
                let success_shape = responses
                    .iter()
                    .find(|(status, _)| status.starts_with('2'))
                    .map_or(Shape::Any, |(_, schema)| Shape::of(&spec, schema));
                let operation = Operation {
                    success_shape,
                    id: id.clone(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    params,
                    body,
                    scopes,
                    responses,
                    statuses,
                };
                operations.insert(id, operation);
            }
        }
        spec.operations = operations;
        Ok(spec)
    }

    /// The operation with this `operationId`.
    /// ```
    /// use mock_server::testing::spec;
    /// use mock_server::{Api, Spec};
    /// // Arrange
    /// let spec = spec::voice_ai();
    /// // Act
    /// let op = spec.operation("patchAgent").expect("declared");
    /// // Assert
    /// assert_eq!(op.method, "PATCH");
    /// assert_eq!(op.path, "/voice-ai/agents/{agentId}");
    /// ```
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.get(id)
    }

    /// All operations, by `operationId`.
    /// ```
    /// use mock_server::testing::spec;
    /// use mock_server::{Api, Spec};
    /// // Arrange
    /// let spec = spec::conversation_ai();
    /// // Act
    /// let count = spec.operations().count();
    /// // Assert
    /// assert_eq!(count, 12);
    /// ```
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.values()
    }

    /// A named schema of `components/schemas`.
    /// ```
    /// use mock_server::testing::spec;
    /// use mock_server::{Api, Spec};
    /// // Arrange
    /// let spec = spec::voice_ai();
    /// // Act
    /// let schema = spec.schema("ErrorResponse");
    /// // Assert
    /// assert!(schema.is_some());
    /// ```
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.doc.get("components")?.get("schemas")?.get(name)
    }

    /// Follows local `$ref`s until a non-reference value is reached. An unresolvable reference
    /// resolves to itself (an object with only `$ref`, which validation treats as "anything").
    /// ```
    /// use mock_server::testing::spec;
    /// use mock_server::{Api, Spec};
    /// // Arrange
    /// let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      security: [{bearer: [x.readonly]}]\n      responses: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {type: string}\n";
    /// let spec = Spec::parse(text).expect("a valid spec");
    /// let a = spec.schema("A").expect("declared");
    /// // Act
    /// let resolved = spec.resolve(a);
    /// // Assert
    /// assert_eq!(resolved["type"], "string");
    /// ```
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            match target.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(next) => value = next,
                None => return value,
            }
        }
        value
    }
}

/// The Voice AI spec (`openapi/voice-ai.yaml`).
/// ```
/// use mock_server::testing::spec;
/// use mock_server::{Api, Spec};
/// // Arrange / Act
/// let spec = spec::voice_ai();
/// // Assert
/// assert!(spec.operation("listCallLogs").is_some());
/// ```
pub fn voice_ai() -> &'static Spec {
    static SPEC: LazyLock<Spec> = LazyLock::new(|| {
        Spec::parse(include_str!("../../../openapi/voice-ai.yaml"))
            .expect("the embedded Voice AI spec parses; checked by a unit test")
    });
    &SPEC
}

/// The Conversation AI spec (`openapi/conversation-ai.yaml`).
/// ```
/// use mock_server::testing::spec;
/// use mock_server::{Api, Spec};
/// // Arrange / Act
/// let spec = spec::conversation_ai();
/// // Assert
/// assert!(spec.operation("searchAgents").is_some());
/// ```
pub fn conversation_ai() -> &'static Spec {
    static SPEC: LazyLock<Spec> = LazyLock::new(|| {
        Spec::parse(include_str!("../../../openapi/conversation-ai.yaml"))
            .expect("the embedded Conversation AI spec parses; checked by a unit test")
    });
    &SPEC
}

/// The spec of an API.
/// ```
/// use mock_server::testing::spec;
/// use mock_server::{Api, Spec};
/// // Arrange / Act
/// let spec = spec::spec(Api::ConversationAi);
/// // Assert
/// assert!(spec.operation("getGenerationDetails").is_some());
/// ```
pub fn spec(api: Api) -> &'static Spec {
    match api {
        Api::VoiceAi => voice_ai(),
        Api::ConversationAi => conversation_ai(),
    }
}

/// The operation `id` of `api`. The router only names operations that exist; a unit test checks
/// every name the router uses against the embedded specs.
/// ```
/// use mock_server::testing::spec;
/// use mock_server::{Api, Spec};
/// // Arrange / Act
/// let op = spec::operation(Api::VoiceAi, "deleteAgent");
/// // Assert
/// assert_eq!(op.scopes, vec!["voice-ai-agents.write".to_owned()]);
/// ```
pub fn operation(api: Api, id: &str) -> &'static Operation {
    spec(api)
        .operation(id)
        .unwrap_or_else(|| panic!("operation {id} is missing from the embedded spec"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_embedded_specs_parse_and_declare_operations() {
        assert!(voice_ai().operations().count() >= 11);
        assert!(conversation_ai().operations().count() >= 12);
    }

    #[test]
    fn an_operation_knows_its_scopes_params_and_body() {
        let op = voice_ai()
            .operation("listAgents")
            .expect("listAgents exists");
        assert_eq!(op.scopes, vec!["voice-ai-agents.readonly".to_owned()]);
        assert!(
            op.params
                .iter()
                .any(|p| p.name == "pageSize" && p.location == ParamIn::Query)
        );
        assert!(op.body.is_none());
        let create = voice_ai()
            .operation("createAgent")
            .expect("createAgent exists");
        assert!(create.body.is_some());
    }

    #[test]
    fn resolve_follows_references() {
        let spec = voice_ai();
        let op = spec.operation("createAgent").expect("createAgent exists");
        let body = spec.resolve(op.body.as_ref().expect("has a body"));
        assert!(body.get("$ref").is_none());
        assert!(body.get("properties").is_some() || body.get("allOf").is_some());
    }
}
