//! The Rust API a spec generates, read from the spec itself: client methods with their
//! parameters, and types with their fields, enum values and union variants, each under the
//! name the generated code gives it.
//!
//! Names follow progenitor and typify: methods and fields are the snake_case of the
//! operationId or JSON name (with `_` after a Rust keyword), types the PascalCase of the schema
//! name. An inline schema that needs a type of its own (object, enum, union, constrained
//! string) is named after its parent and field (`CallTransferActionParameters` +
//! `transferToType`), an operation's inline body `…Body` and response `…Response`. Field types
//! are the ones the generated structs carry: an optional field is `Option<T>` (defaults stay on
//! the server), an optional nullable one `Option<Option<T>>`, a required nullable one
//! `Option<T>`; an integer with a `minimum` of 0 or more is unsigned (`u32`, or `u64` for
//! `int64`). The model only needs to change when a naming or typing rule changes, not when a
//! rewrite pass changes how the code is printed.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToPascalCase as _, ToSnakeCase as _};
use serde_json::Value;

/// HTTP methods an OpenAPI path item may hold, in the order we list them.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Property a sibling union is flattened into by the generator.
const UNION_FIELD: &str = "kind";

/// The generated Rust API of one spec.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Surface {
    /// Client methods by name.
    pub(crate) operations: BTreeMap<String, Operation>,
    /// Types of the `types` module by name.
    pub(crate) types: BTreeMap<String, TypeDef>,
}

/// One client method.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Operation {
    /// `METHOD /path`, for the reader.
    pub(crate) route: String,
    /// Builder parameters (path, query and header parameters) by snake_case name.
    pub(crate) params: BTreeMap<String, Member>,
    /// The request body, when the operation takes one.
    pub(crate) body: Option<Member>,
    /// The type a successful call returns (`()` when the success response has no body).
    pub(crate) response: String,
}

/// A parameter, body or field: its Rust type and whether the caller must supply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The type as the generated code declares it (fields include their `Option` wrappers).
    pub(crate) ty: String,
    pub(crate) required: bool,
}

/// One type of the generated `types` module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeDef {
    pub(crate) shape: Shape,
    /// Whether the spec names it under `components/schemas` (else it is named after its parent).
    pub(crate) named: bool,
    /// Where the type shows in the API, for messages: `types::Agent` for a named schema, the
    /// place of an inline one (`types::Agent::transfer_to_type`, `Client::list_call_logs
    /// parameter call_type`), which stays right when the generator gives it a shorter name.
    pub(crate) origin: String,
    /// Whether requests carry it (directly or inside another type).
    pub(crate) in_requests: bool,
    /// Whether it is read from responses.
    pub(crate) in_responses: bool,
}

/// What a type is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A struct: fields by Rust name.
    Struct(BTreeMap<String, Member>),
    /// A string enum: its JSON values.
    Enum(BTreeSet<String>),
    /// A union: variants by tag value (tagged) or by content type (untagged), each with the type
    /// of its content.
    Union {
        /// The JSON property holding the tag, empty for an untagged union.
        tag: String,
        variants: BTreeMap<String, String>,
    },
    /// A newtype or alias over the given type.
    Alias(String),
}

impl Shape {
    /// What kind of Rust item the shape generates, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Shape::Struct(_) => "struct",
            Shape::Enum(_) => "enum",
            Shape::Union { .. } => "union enum",
            Shape::Alias(_) => "newtype",
        }
    }
}

/// The snake_case name progenitor and typify give a JSON name or operationId.
pub(crate) fn snake(name: &str) -> String {
    let snake = name.to_snake_case();
    if is_keyword(&snake) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// The PascalCase name typify gives a schema, or an enum value as a variant.
pub(crate) fn pascal(name: &str) -> String {
    name.to_pascal_case()
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
    )
}

impl Surface {
    /// Reads the API `doc` generates. The `Version` header is left out, as the generator does.
    pub(crate) fn of(doc: &Value) -> Surface {
        let mut reader = Reader {
            doc,
            types: BTreeMap::new(),
            location: String::new(),
        };
        if let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                reader.define(&pascal(name), schema, true);
            }
        }
        let mut operations = BTreeMap::new();
        let mut request_roots = BTreeSet::new();
        let mut response_roots = BTreeSet::new();
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            let shared: Vec<&Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let operation = reader.operation(
                    id,
                    &format!("{} {path}", method.to_uppercase()),
                    op,
                    &shared,
                );
                request_roots.extend(operation.params.values().map(|m| m.ty.clone()));
                request_roots.extend(operation.body.iter().map(|m| m.ty.clone()));
                response_roots.insert(operation.response.clone());
                for status in op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let (code, response) = status;
                    if !code.starts_with('2') {
                        let hint = format!("{}Response", pascal(id));
                        if let Some(ty) = reader.response_type(response, &hint) {
                            response_roots.insert(ty);
                        }
                    }
                }
                operations.insert(snake(id), operation);
            }
        }
        let mut types = reader.types;
        mark(&mut types, &request_roots, |t| &mut t.in_requests);
        mark(&mut types, &response_roots, |t| &mut t.in_responses);
        for def in types.values_mut() {
            // A type no operation reaches is still generated; treat it as going both ways.
            if !def.in_requests && !def.in_responses {
                def.in_requests = true;
                def.in_responses = true;
            }
        }
        Surface { operations, types }
    }
}

/// Sets `flag` on every type reachable from the type expressions in `roots`.
fn mark(
    types: &mut BTreeMap<String, TypeDef>,
    roots: &BTreeSet<String>,
    flag: impl Fn(&mut TypeDef) -> &mut bool,
) {
    let mut pending: Vec<String> = roots.iter().flat_map(|r| type_names(r)).collect();
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(def) = types.get_mut(&name) else {
            continue;
        };
        *flag(def) = true;
        let inner: Vec<String> = match &def.shape {
            Shape::Struct(fields) => fields.values().map(|m| m.ty.clone()).collect(),
            Shape::Union { variants, .. } => variants.values().cloned().collect(),
            Shape::Alias(ty) => vec![ty.clone()],
            Shape::Enum(_) => Vec::new(),
        };
        pending.extend(inner.iter().flat_map(|t| type_names(t)));
    }
}

/// The identifiers in a type expression such as `Option<Vec<Agent>>`.
pub(crate) fn type_names(ty: &str) -> Vec<String> {
    ty.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

struct Reader<'a> {
    doc: &'a Value,
    types: BTreeMap<String, TypeDef>,
    /// Where the schema being read sits, the origin of any inline type it defines.
    location: String,
}

impl Reader<'_> {
    /// Follows a local `$ref` (to any depth), returning the target and the schema name it
    /// names when it points into `components/schemas`.
    fn resolve<'v>(&'v self, value: &'v Value) -> &'v Value {
        let mut value = value;
        for _ in 0..16 {
            let Some(target) = value
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| self.doc.pointer(pointer))
            else {
                break;
            };
            value = target;
        }
        value
    }

    fn operation(&mut self, id: &str, route: &str, op: &Value, shared: &[&Value]) -> Operation {
        let base = pascal(id);
        let mut params = BTreeMap::new();
        let own = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for param in shared.iter().copied().chain(own) {
            let param = self.resolve(param).clone();
            let Some(name) = param.get("name").and_then(Value::as_str) else {
                continue;
            };
            let place = param.get("in").and_then(Value::as_str).unwrap_or_default();
            if place == "header" && name == crate::spec::VERSION_HEADER {
                continue;
            }
            let required = param.get("required") == Some(&Value::Bool(true)) || place == "path";
            let schema = param.get("schema").cloned().unwrap_or(Value::Null);
            self.location = format!("Client::{} parameter {}", snake(id), snake(name));
            let ty = self.rust_type(&schema, &format!("{base}{}", pascal(name)));
            params.insert(snake(name), Member { ty, required });
        }
        let body = op.get("requestBody").map(|body| {
            let body = self.resolve(body).clone();
            let schema = body
                .pointer("/content/application~1json/schema")
                .cloned()
                .unwrap_or(Value::Null);
            self.location = format!("Client::{} request body", snake(id));
            Member {
                ty: self.rust_type(&schema, &format!("{base}Body")),
                required: body.get("required") == Some(&Value::Bool(true)),
            }
        });
        let responses = op.get("responses").and_then(Value::as_object);
        let success = responses
            .into_iter()
            .flatten()
            .find(|(code, _)| code.starts_with('2'))
            .map(|(_, r)| r.clone());
        self.location = format!("Client::{} response", snake(id));
        let response = success
            .and_then(|r| self.response_type(&r, &format!("{base}Response")))
            .unwrap_or_else(|| "()".to_owned());
        Operation {
            route: route.to_owned(),
            params,
            body,
            response,
        }
    }

    /// The origin recorded for the type `name`.
    fn origin_of(&self, name: &str) -> String {
        self.types
            .get(name)
            .map_or_else(|| format!("types::{name}"), |def| def.origin.clone())
    }

    fn response_type(&mut self, response: &Value, hint: &str) -> Option<String> {
        let response = self.resolve(response).clone();
        let schema = response.pointer("/content/application~1json/schema")?;
        Some(self.rust_type(schema, hint))
    }

    /// Registers the type `schema` defines under `name`.
    fn define(&mut self, name: &str, schema: &Value, named: bool) {
        if self.types.contains_key(name) {
            return;
        }
        let origin = if named {
            format!("types::{name}")
        } else {
            self.location.clone()
        };
        // Reserve the name first: recursive schemas refer back to themselves.
        self.types.insert(
            name.to_owned(),
            TypeDef {
                shape: Shape::Alias(String::new()),
                named,
                origin,
                in_requests: false,
                in_responses: false,
            },
        );
        let shape = self.shape(name, schema);
        if let Some(def) = self.types.get_mut(name) {
            def.shape = shape;
        }
    }

    fn shape(&mut self, name: &str, schema: &Value) -> Shape {
        if let Some(variants) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        {
            return self.union(name, variants);
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return Shape::Enum(values.iter().map(json_text).collect());
        }
        if is_struct(schema) {
            return Shape::Struct(self.fields(name, schema));
        }
        Shape::Alias(self.plain_type(schema, name))
    }

    /// A oneOf: tagged when every variant is an object whose one common property holds a
    /// single-value enum.
    fn union(&mut self, name: &str, variants: &[Value]) -> Shape {
        let resolved: Vec<Value> = variants.iter().map(|v| self.resolve(v).clone()).collect();
        let origin = self.origin_of(name);
        if let Some(tag) = common_tag(&resolved) {
            let mut out = BTreeMap::new();
            for variant in &resolved {
                let value = variant
                    .pointer(&format!("/properties/{tag}/enum/0"))
                    .map(json_text)
                    .unwrap_or_default();
                let content: Vec<(&String, &Value)> = variant
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter(|(prop, _)| **prop != tag)
                    .collect();
                self.location = format!("{origin} variant {value}");
                let ty = match content.as_slice() {
                    [] => "()".to_owned(),
                    [(_, schema)] => self.rust_type(schema, &format!("{name}{}", pascal(&value))),
                    _ => {
                        let hint = format!("{name}{}", pascal(&value));
                        self.define(&hint, variant, false);
                        hint
                    }
                };
                out.insert(value, ty);
            }
            return Shape::Union { tag, variants: out };
        }
        let mut out = BTreeMap::new();
        for (i, variant) in variants.iter().enumerate() {
            self.location = format!("{origin} variant {i}");
            let ty = self.rust_type(variant, &format!("{name}Variant{i}"));
            out.insert(ty.clone(), ty);
        }
        Shape::Union {
            tag: String::new(),
            variants: out,
        }
    }

    /// The fields of an object schema, merging `allOf` members; a member that is a tagged
    /// union becomes the flattened `kind` field.
    fn fields(&mut self, name: &str, schema: &Value) -> BTreeMap<String, Member> {
        let mut properties: Vec<(String, Value)> = Vec::new();
        let mut required = BTreeSet::new();
        let mut unions = Vec::new();
        self.collect_members(schema, &mut properties, &mut required, &mut unions, 0);
        let mut fields = BTreeMap::new();
        let origin = self.origin_of(name);
        for (prop, prop_schema) in properties {
            let is_required = required.contains(&prop);
            self.location = format!("{origin}::{}", snake(&prop));
            let inner = self.rust_type(&prop_schema, &format!("{name}{}", pascal(&prop)));
            let prop_schema = self.resolve(&prop_schema);
            let nullable = prop_schema.get("nullable") == Some(&Value::Bool(true));
            let ty = match (is_required, nullable) {
                (true, false) => inner,
                (true, true) | (false, false) => format!("Option<{inner}>"),
                (false, true) => format!("Option<Option<{inner}>>"),
            };
            fields.insert(
                snake(&prop),
                Member {
                    ty,
                    required: is_required,
                },
            );
        }
        for union in unions {
            fields.insert(
                UNION_FIELD.to_owned(),
                Member {
                    ty: union,
                    required: true,
                },
            );
        }
        fields
    }

    fn collect_members(
        &mut self,
        schema: &Value,
        properties: &mut Vec<(String, Value)>,
        required: &mut BTreeSet<String>,
        unions: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            for member in members {
                let target = self.resolve(member).clone();
                let is_union = target.get("oneOf").is_some() || target.get("anyOf").is_some();
                if is_union {
                    unions.push(self.rust_type(member, "Union"));
                } else {
                    self.collect_members(&target, properties, required, unions, depth + 1);
                }
            }
        }
        for (prop, prop_schema) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            properties.retain(|(p, _)| p != prop);
            properties.push((prop.clone(), prop_schema.clone()));
        }
        required.extend(
            schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
    }

    /// The Rust type of a schema used in place, defining a type named `hint` when the schema
    /// needs one of its own.
    fn rust_type(&mut self, schema: &Value, hint: &str) -> String {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return match reference.strip_prefix("#/components/schemas/") {
                Some(name) => pascal(name),
                None => self.rust_type(&self.resolve(schema).clone(), hint),
            };
        }
        if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            && schema.get("properties").is_none()
        {
            return self.rust_type(only, hint);
        }
        let needs_own_type = schema.get("oneOf").is_some()
            || schema.get("anyOf").is_some()
            || schema.get("enum").is_some()
            || is_struct(schema)
            || is_constrained_string(schema);
        if needs_own_type {
            self.define(hint, schema, false);
            return hint.to_owned();
        }
        self.plain_type(schema, hint)
    }

    fn plain_type(&mut self, schema: &Value, hint: &str) -> String {
        let format = schema.get("format").and_then(Value::as_str);
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match format {
                Some("date-time") => "DateTime<Utc>".to_owned(),
                Some("date") => "NaiveDate".to_owned(),
                Some("uuid") => "Uuid".to_owned(),
                _ => "String".to_owned(),
            },
            Some("integer") => {
                let unsigned = schema
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|min| min >= 0.0);
                match (format, unsigned) {
                    (Some("int32" | "uint32"), true) => "u32".to_owned(),
                    (Some("int32"), false) => "i32".to_owned(),
                    (Some("uint32"), false) => "u32".to_owned(),
                    (Some("uint64"), _) | (_, true) => "u64".to_owned(),
                    _ => "i64".to_owned(),
                }
            }
            Some("number") => match format {
                Some("float") => "f32".to_owned(),
                _ => "f64".to_owned(),
            },
            Some("boolean") => "bool".to_owned(),
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                format!("Vec<{}>", self.rust_type(&items, &format!("{hint}Item")))
            }
            Some("object") => match schema.get("additionalProperties") {
                Some(value @ Value::Object(_)) => {
                    format!(
                        "Map<String, {}>",
                        self.rust_type(value, &format!("{hint}Value"))
                    )
                }
                _ => "Map<String, Value>".to_owned(),
            },
            _ => "Value".to_owned(),
        }
    }
}

fn is_struct(schema: &Value) -> bool {
    schema.get("properties").is_some() || schema.get("allOf").is_some()
}

fn is_constrained_string(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
        && ["pattern", "minLength", "maxLength"]
            .iter()
            .any(|k| schema.get(*k).is_some())
}

/// The property every variant pins to a single enum value, if there is one.
fn common_tag(variants: &[Value]) -> Option<String> {
    let first = variants.first()?.get("properties")?.as_object()?;
    first
        .iter()
        .filter(|(_, s)| single_value(s))
        .map(|(name, _)| name.clone())
        .find(|name| {
            variants.iter().all(|v| {
                v.pointer(&format!("/properties/{name}"))
                    .is_some_and(single_value)
            })
        })
}

fn single_value(schema: &Value) -> bool {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.len() == 1)
}

/// An enum value as the spec writes it: strings bare, anything else as JSON.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the model gives must be the ones the generated code declares; reading the
    /// generated source is fine here, in a test that only checks the naming rules.
    #[test]
    fn every_method_type_and_field_of_our_specs_is_named_as_the_generated_code_names_it() {
        let root = crate::workspace_root();
        for target in crate::regen::TARGETS {
            let doc = crate::spec::load(&root.join(target.spec)).expect("our spec loads");
            let generated = std::fs::read_to_string(root.join(target.output))
                .expect("the generated code is checked in");
            let surface = Surface::of(&doc);
            assert!(!surface.operations.is_empty() && !surface.types.is_empty());
            let mut missing = Vec::new();
            for name in surface.operations.keys() {
                if !generated.contains(&format!("pub fn {name}(")) {
                    missing.push(format!("method {name}"));
                }
            }
            for (name, def) in surface.types.iter().filter(|(_, def)| def.named) {
                let declared = ["struct", "enum", "type"].iter().any(|kind| {
                    generated.contains(&format!("pub {kind} {name} "))
                        || generated.contains(&format!("pub {kind} {name}("))
                });
                if !declared {
                    missing.push(format!("type {name}"));
                }
                if let Shape::Struct(fields) = &def.shape {
                    for field in fields.keys() {
                        if !generated.contains(&format!("pub {field}:")) {
                            missing.push(format!("field {name}::{field}"));
                        }
                    }
                }
            }
            assert!(missing.is_empty(), "{}: {missing:#?}", target.spec);
        }
    }
}
