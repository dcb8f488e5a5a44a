//! Spec-driven validation with NestJS class-validator style messages.
//!
//! [`Validator::check`] walks a JSON value against an OpenAPI schema and returns the *cleaned*
//! value (unknown object fields stripped, `1.0`-style whole numbers normalised to integers for
//! `integer` fields, spec `default`s filled in when asked) while collecting one message per
//! problem. Supported keywords: `$ref`, `type` (string or 3.1 list), `nullable`, `enum`,
//! `required`, `properties`, `additionalProperties`, `items`, `minimum`/`maximum`,
//! `minLength`/`maxLength`, `minItems`/`maxItems`, `pattern`, `allOf`, `oneOf` and `default`.
//!
//! Message scheme (stable, documented in the README):
//! - a missing required field: `<path> should not be empty`;
//! - a wrong type: `<path> must be a string` / `must be an integer number` /
//!   `must be a number conforming to the specified constraints` / `must be a boolean value` /
//!   `must be an array` / `must be an object`;
//! - `null` where the schema is not nullable: the wrong-type message;
//! - bounds: `must not be less than N` / `must not be greater than N`,
//!   `must be longer than or equal to N characters` / `must be shorter than or equal to N
//!   characters`, `must contain at least N elements` / `must contain no more than N elements`;
//! - `enum`: `<path> must be one of the following values: A, B`;
//! - `pattern`: `<path> must match /<pattern>/ regular expression`.
//!
//! Paths are dotted (`actionParameters.triggerPrompt`, `agentWorkingHours.0.intervals.1.startHour`);
//! a problem with an element of an array of scalars reads `each value in <path> ...`. Object
//! properties are visited in the order the parsed spec holds them (alphabetical), so the list
//! of messages is stable.
//!
//! `oneOf`: when every variant is an object carrying the same single-value-enum property (our
//! `ActionKind` shape, and the vendor's tag siblings), the variant is picked by that tag's value;
//! a missing tag reads `<tag> should not be empty` and an unknown one is reported as an enum
//! error listing every variant's value. Any other `oneOf` accepts the first variant the value
//! satisfies.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::spec::Spec;

/// A property schema: from the spec, or made up for the tag of a tagged `oneOf` (an enum of
/// every variant's tag value).
enum Prop<'s> {
    Spec(&'s Value),
    Synthetic(Value),
}

/// Walks values against schemas of one spec, collecting messages.
#[derive(Debug)]
pub struct Validator<'s> {
    spec: &'s Spec,
    apply_defaults: bool,
    errors: Vec<String>,
}

/// The object view of a schema: its properties (own and from `allOf` members) and what it
/// requires.
#[derive(Default)]
struct Flat<'s> {
    props: Vec<(String, Prop<'s>)>,
    required: Vec<String>,
    additional: Option<&'s Value>,
    free_form: bool,
}

impl<'s> Validator<'s> {
    /// A validator for schemas of `spec`; `apply_defaults` fills in absent properties that
    /// declare a `default` (used for create operations only).
    /// ```
    /// use mock_server::testing::{Validator, spec};
    /// use serde_json::json;
    /// // Arrange
    /// let spec = spec::voice_ai();
    /// // Act
    /// let validator = Validator::new(spec, false);
    /// // Assert
    /// assert!(validator.errors().is_empty());
    /// ```
    pub fn new(spec: &'s Spec, apply_defaults: bool) -> Self {
        Self {
            spec,
            apply_defaults,
            errors: Vec::new(),
        }
    }

    /// The messages collected so far.
    /// ```
    /// use mock_server::testing::{Validator, spec};
    /// use serde_json::json;
    /// // Arrange
    /// let spec = spec::voice_ai();
    /// let schema = json!({"type": "string"});
    /// let mut validator = Validator::new(spec, false);
    /// // Act
    /// validator.check(&schema, &json!(1), "name");
    /// // Assert
    /// assert_eq!(validator.errors(), ["name must be a string"]);
    /// ```
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Consumes the validator, returning its messages.
    /// ```
    /// use mock_server::testing::{Validator, spec};
    /// use serde_json::json;
    /// // Arrange
    /// let spec = spec::voice_ai();
    /// let schema = json!({"type": "integer", "maximum": 50});
    /// let mut validator = Validator::new(spec, false);
    /// validator.check(&schema, &json!(51), "pageSize");
    /// // Act
    /// let errors = validator.into_errors();
    /// // Assert
    /// assert_eq!(errors, ["pageSize must not be greater than 50"]);
    /// ```
    pub fn into_errors(self) -> Vec<String> {
        self.errors
    }

    /// Reports a required value that is absent.
    pub(crate) fn missing(&mut self, path: &str) {
        self.errors.push(format!("{path} should not be empty"));
    }

    /// Checks `value` at `path` against `schema`, returning the cleaned value.
    /// ```
    /// use mock_server::testing::{Validator, spec};
    /// use serde_json::json;
    /// // Arrange
    /// let spec = spec::voice_ai();
    /// let schema = spec.schema("Interval").expect("declared");
    /// let mut validator = Validator::new(spec, false);
    /// // Act
    /// let cleaned = validator.check(schema, &json!({"startHour": 9.0, "endHour": 17, "startMinute": 0, "endMinute": 0, "junk": 1}), "");
    /// // Assert
    /// assert!(validator.errors().is_empty());
    /// assert_eq!(cleaned, json!({"startHour": 9, "endHour": 17, "startMinute": 0, "endMinute": 0}));
    /// ```
    pub fn check(&mut self, schema: &'s Value, value: &Value, path: &str) -> Value {
        self.check_at(schema, value, &Subject::Path(Cow::Borrowed(path)))
    }

    fn check_at(&mut self, schema: &'s Value, value: &Value, subject: &Subject) -> Value {
        let schema = self.spec.resolve(schema);
        if value.is_null() && is_nullable(schema) {
            return Value::Null;
        }
        if is_object_like(self.spec, schema) {
            return self.check_object(schema, value, subject);
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            let mut out = value.clone();
            for member in members {
                out = self.check_at(member, &out, subject);
            }
            return self.check_scalar(schema, out, subject);
        }
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            return self.check_one_of(variants, value, subject);
        }
        self.check_scalar(schema, value.clone(), subject)
    }

    fn check_one_of(&mut self, variants: &'s [Value], value: &Value, subject: &Subject) -> Value {
        for variant in variants {
            let mut probe = Validator::new(self.spec, self.apply_defaults);
            let out = probe.check_at(variant, value, subject);
            if probe.errors.is_empty() {
                return out;
            }
        }
        match variants.first() {
            // Report against the first variant so the caller sees concrete problems.
            Some(first) => self.check_at(first, value, subject),
            None => value.clone(),
        }
    }

    fn check_scalar(&mut self, schema: &'s Value, value: Value, subject: &Subject) -> Value {
        let types = types_of(schema);
        if types.clone().next().is_none() {
            self.check_enum(schema, &value, subject);
            return value;
        }
        if value.is_null() && types.clone().any(|t| t == "null") {
            return value;
        }
        let matched = types.clone().find(|t| type_matches(t, &value));
        let Some(kind) = matched else {
            let first = types.clone().find(|t| *t != "null").unwrap_or_default();
            self.errors
                .push(format!("{subject} {}", type_message(first)));
            return value;
        };
        match kind {
            "string" => self.check_string(schema, &value, subject),
            "integer" | "number" => {
                let out = normalise_number(kind, &value);
                self.check_bounds(schema, kind, &out, subject);
                self.check_enum(schema, &out, subject);
                return out;
            }
            "array" => return self.check_array(schema, &value, subject),
            _ => {
                self.check_enum(schema, &value, subject);
            }
        }
        value
    }

    fn check_string(&mut self, schema: &Value, value: &Value, subject: &Subject) {
        let Some(text) = value.as_str() else { return };
        if self.check_enum(schema, value, subject) {
            return;
        }
        let len = text.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            self.errors.push(format!(
                "{subject} must be longer than or equal to {min} characters"
            ));
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            self.errors.push(format!(
                "{subject} must be shorter than or equal to {max} characters"
            ));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && !pattern_matches(pattern, text)
        {
            let shown = pattern.replace('/', "\\/");
            self.errors
                .push(format!("{subject} must match /{shown}/ regular expression"));
        }
    }

    /// `minimum`/`maximum`, and for `integer`s the range of their `format` (`int32`; `int64` and
    /// no format: a signed 64-bit integer), reported as the tighter of the two bounds.
    fn check_bounds(&mut self, schema: &Value, kind: &str, value: &Value, subject: &Subject) {
        let Some(n) = value.as_f64() else { return };
        let (low, high) = integer_range(schema, kind);
        // A bound's text is only written for a message: most values are within their bounds.
        let declared = |key: &str| schema.get(key).and_then(Value::as_f64).map(|b| (b, None));
        let from_format = |bound: Option<Bound>| bound.map(|(b, text)| (b, Some(text)));
        let show =
            |bound: f64, text: Option<&str>| text.map_or_else(|| show_number(bound), str::to_owned);
        let lower = [declared("minimum"), from_format(low)]
            .into_iter()
            .flatten()
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((min, text)) = lower
            && n < min
        {
            let text = show(min, text);
            self.errors
                .push(format!("{subject} must not be less than {text}"));
        }
        let upper = [declared("maximum"), from_format(high)]
            .into_iter()
            .flatten()
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((max, text)) = upper
            && n > max
        {
            let text = show(max, text);
            self.errors
                .push(format!("{subject} must not be greater than {text}"));
        }
    }

    /// Returns true when an enum error was reported.
    fn check_enum(&mut self, schema: &Value, value: &Value, subject: &Subject) -> bool {
        let Some(allowed) = schema.get("enum").and_then(Value::as_array) else {
            return false;
        };
        let found = allowed.iter().any(|a| same_value(a, value));
        if !found {
            self.errors.push(format!(
                "{subject} must be one of the following values: {}",
                allowed
                    .iter()
                    .map(show_value)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        !found
    }

    fn check_array(&mut self, schema: &'s Value, value: &Value, subject: &Subject) -> Value {
        let Some(items) = value.as_array() else {
            return value.clone();
        };
        let count = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            self.errors
                .push(format!("{subject} must contain at least {min} elements"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            self.errors.push(format!(
                "{subject} must contain no more than {max} elements"
            ));
        }
        let Some(item_schema) = schema.get("items") else {
            return value.clone();
        };
        let scalar_items = !is_object_like(self.spec, self.spec.resolve(item_schema));
        let base = subject.path();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let sub = if scalar_items {
                Subject::Each(Cow::Owned(base.to_owned()))
            } else {
                Subject::Path(Cow::Owned(join(base, &i.to_string())))
            };
            let before = self.errors.len();
            let cleaned = self.check_at(item_schema, item, &sub);
            // One message per problem: identical "each value in" messages are reported once.
            if scalar_items && self.errors.len() > before {
                let fresh: Vec<String> = self.errors.drain(before..).collect();
                for message in fresh {
                    if !self.errors.contains(&message) {
                        self.errors.push(message);
                    }
                }
            }
            out.push(cleaned);
        }
        Value::Array(out)
    }

    fn check_object(&mut self, schema: &'s Value, value: &Value, subject: &Subject) -> Value {
        let Some(object) = value.as_object() else {
            self.errors.push(format!("{subject} must be an object"));
            return value.clone();
        };
        let mut flat = Flat::default();
        self.flatten(schema, object, &mut flat);
        let base = subject.path().to_owned();
        let mut out = Map::new();
        for (name, prop) in &flat.props {
            let path = join(&base, name);
            match object.get(name) {
                None => {
                    if flat.required.contains(name) {
                        self.missing(&path);
                    } else if self.apply_defaults
                        && let Prop::Spec(prop_schema) = prop
                        && let Some(default) = self.spec.resolve(prop_schema).get("default")
                    {
                        out.insert(name.clone(), default.clone());
                    }
                }
                Some(v) => {
                    let cleaned = match prop {
                        Prop::Spec(prop_schema) => self.check(prop_schema, v, &path),
                        Prop::Synthetic(prop_schema) => {
                            let mut own = Validator::new(self.spec, self.apply_defaults);
                            let cleaned = own.check(prop_schema, v, &path);
                            self.errors.extend(own.errors);
                            cleaned
                        }
                    };
                    out.insert(name.clone(), cleaned);
                }
            }
        }
        for name in &flat.required {
            if flat.props.iter().any(|(p, _)| p == name) {
                continue;
            }
            match object.get(name) {
                None => self.missing(&join(&base, name)),
                Some(v) => {
                    out.insert(name.clone(), v.clone());
                }
            }
        }
        let keep_rest = flat.free_form || flat.additional.is_some();
        if keep_rest {
            for (name, v) in object {
                if out.contains_key(name) {
                    continue;
                }
                let cleaned = match flat.additional {
                    Some(extra) if extra.is_object() => self.check(extra, v, &join(&base, name)),
                    _ => v.clone(),
                };
                out.insert(name.clone(), cleaned);
            }
        }
        Value::Object(out)
    }

    fn flatten(&self, schema: &'s Value, object: &Map<String, Value>, flat: &mut Flat<'s>) {
        let schema = self.spec.resolve(schema);
        let mut structured = false;
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            structured = true;
            // Sorted explicitly so the message order does not depend on the map implementation.
            let mut sorted: Vec<(&String, &'s Value)> = props.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            for (name, prop) in sorted {
                if !flat.props.iter().any(|(p, _)| p == name) {
                    flat.props.push((name.clone(), Prop::Spec(prop)));
                }
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !flat.required.iter().any(|r| r == name) {
                    flat.required.push(name.to_owned());
                }
            }
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) | None => {}
            Some(extra) => flat.additional = Some(extra),
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            structured = true;
            for member in members {
                self.flatten(member, object, flat);
            }
        }
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            structured = true;
            self.flatten_tagged(variants, object, flat);
        }
        if !structured {
            flat.free_form = true;
        }
    }

    fn flatten_tagged(
        &self,
        variants: &'s [Value],
        object: &Map<String, Value>,
        flat: &mut Flat<'s>,
    ) {
        let resolved: Vec<&'s Value> = variants.iter().map(|v| self.spec.resolve(v)).collect();
        let Some(tag) = tag_of(&resolved) else {
            // Not a tagged union: take the first variant the object satisfies, else the first.
            let chosen = resolved
                .iter()
                .find(|v| {
                    let mut probe = Validator::new(self.spec, false);
                    probe.check_at(
                        v,
                        &Value::Object(object.clone()),
                        &Subject::Path(Cow::Borrowed("")),
                    );
                    probe.errors.is_empty()
                })
                .or(resolved.first());
            if let Some(chosen) = chosen {
                self.flatten(chosen, object, flat);
            }
            return;
        };
        let values: Vec<Value> = resolved
            .iter()
            .filter_map(|v| v.pointer(&format!("/properties/{tag}/enum/0")).cloned())
            .collect();
        let tag_schema = serde_json::json!({"type": "string", "enum": values});
        if !flat.props.iter().any(|(p, _)| *p == tag) {
            flat.props.push((tag.clone(), Prop::Synthetic(tag_schema)));
        }
        if !flat.required.contains(&tag) {
            flat.required.push(tag.clone());
        }
        let given = object.get(&tag);
        let chosen = resolved.iter().find(|v| {
            given.is_some_and(|g| v.pointer(&format!("/properties/{tag}/enum/0")) == Some(g))
        });
        if let Some(chosen) = chosen {
            self.flatten(chosen, object, flat);
        } else {
            // Without a known tag the content cannot be checked: drop the variant's other required
            // properties so only the tag is reported.
            for v in &resolved {
                if let Some(req) = v.get("required").and_then(Value::as_array) {
                    for name in req.iter().filter_map(Value::as_str) {
                        if name != tag {
                            flat.required.retain(|r| r != name);
                        }
                    }
                }
            }
        }
    }
}

/// Whom a message is about: a dotted path, or every element of an array of scalars.
enum Subject<'a> {
    Path(Cow<'a, str>),
    Each(Cow<'a, str>),
}

impl Subject<'_> {
    fn path(&self) -> &str {
        match self {
            Self::Path(p) | Self::Each(p) => p,
        }
    }
}

impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(p) => f.write_str(p),
            Self::Each(p) => write!(f, "each value in {p}"),
        }
    }
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_owned()
    } else {
        format!("{base}.{name}")
    }
}

/// The property every variant declares with a single-value enum, if any.
fn tag_of(variants: &[&Value]) -> Option<String> {
    let first = variants.first()?.get("properties")?.as_object()?;
    first
        .keys()
        .find(|name| {
            variants.iter().all(|v| {
                v.pointer(&format!("/properties/{name}/enum"))
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.len() == 1)
            })
        })
        .cloned()
}

/// The schema's `type` names (a string or an array of them), borrowed: no allocation.
/// Whether `schema` (already resolved) accepts every string unchanged: `type: string` with
/// nothing but annotations beside it. [`Validator::check`] then neither reports nor rewrites a
/// string, so callers may skip it.
pub(crate) fn accepts_any_string(schema: &Value) -> bool {
    const ANNOTATIONS: [&str; 6] = [
        "type",
        "description",
        "example",
        "examples",
        "title",
        "deprecated",
    ];
    schema.as_object().is_some_and(|keywords| {
        keywords.get("type").and_then(Value::as_str) == Some("string")
            && keywords.keys().all(|k| ANNOTATIONS.contains(&k.as_str()))
    })
}

/// For a plain integer schema (already resolved: `type: integer`, with at most `format`,
/// `minimum`, `maximum`, `default` and annotations), the range of whole numbers
/// [`Validator::check`] accepts unchanged and without a message, kept within ±9·10¹⁵ (where
/// every whole number is an exact `f64`); `None` for any other schema.
pub(crate) fn plain_integer_range(schema: &Value) -> Option<(i64, i64)> {
    const KEYWORDS: [&str; 9] = [
        "type",
        "format",
        "minimum",
        "maximum",
        "default",
        "description",
        "example",
        "title",
        "deprecated",
    ];
    const EXACT: f64 = 9.0e15;
    let keywords = schema.as_object()?;
    let plain = keywords.get("type").and_then(Value::as_str) == Some("integer")
        && keywords.keys().all(|k| KEYWORDS.contains(&k.as_str()))
        && matches!(
            keywords.get("format").and_then(Value::as_str),
            None | Some("int32" | "int64")
        );
    if !plain {
        return None;
    }
    let bound = |key: &str| match keywords.get(key) {
        None => Some(None),
        Some(bound) => bound.as_f64().map(Some),
    };
    let (low, high) = integer_range(schema, "integer");
    let low = [bound("minimum")?, low.map(|(b, _)| b), Some(-EXACT)]
        .into_iter()
        .flatten()
        .fold(f64::MIN, f64::max)
        .ceil();
    let high = [bound("maximum")?, high.map(|(b, _)| b), Some(EXACT)]
        .into_iter()
        .flatten()
        .fold(f64::MAX, f64::min)
        .floor();
    (low <= high).then_some((low as i64, high as i64))
}

fn types_of(schema: &Value) -> impl Iterator<Item = &str> + Clone {
    let types: &[Value] = match schema.get("type") {
        Some(t @ Value::String(_)) => std::slice::from_ref(t),
        Some(Value::Array(ts)) => ts,
        _ => &[],
    };
    types.iter().filter_map(Value::as_str)
}

fn is_nullable(schema: &Value) -> bool {
    schema
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || types_of(schema).any(|t| t == "null")
}

fn is_object_like(spec: &Spec, schema: &Value) -> bool {
    if types_of(schema).any(|t| t == "object") || schema.get("properties").is_some() {
        return true;
    }
    let members = |key: &str| {
        schema.get(key).and_then(Value::as_array).is_some_and(|ms| {
            !ms.is_empty() && ms.iter().all(|m| is_object_like(spec, spec.resolve(m)))
        })
    };
    members("allOf") || members("oneOf")
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value
            .as_f64()
            .is_some_and(|n| n.fract() == 0.0 && n.is_finite()),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// A bound and how a message shows it.
type Bound = (f64, &'static str);

/// The smallest and largest values an `integer` schema's `format` can hold, with how a message
/// shows them: `int32` is 32-bit, anything else a signed 64-bit integer (the wire has no wider
/// integers, and `1e20` must not become a saturated `u64`). `None` for other kinds.
fn integer_range(schema: &Value, kind: &str) -> (Option<Bound>, Option<Bound>) {
    if kind != "integer" {
        return (None, None);
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (
            Some((f64::from(i32::MIN), "-2147483648")),
            Some((f64::from(i32::MAX), "2147483647")),
        ),
        // 2^63 is the first value past i64::MAX that an f64 can hold.
        _ => (
            Some((-9_223_372_036_854_775_808.0, "-9223372036854775808")),
            Some((
                9_223_372_036_854_775_808.0_f64.next_down(),
                "9223372036854775807",
            )),
        ),
    }
}

fn type_message(kind: &str) -> &'static str {
    match kind {
        "string" => "must be a string",
        "integer" => "must be an integer number",
        "number" => "must be a number conforming to the specified constraints",
        "boolean" => "must be a boolean value",
        "array" => "must be an array",
        _ => "must be an object",
    }
}

/// `1.0` becomes `1` for `integer` fields so stored records and responses carry integers.
fn normalise_number(kind: &str, value: &Value) -> Value {
    if kind == "integer"
        && !value.is_i64()
        && !value.is_u64()
        && let Some(n) = value.as_f64()
        && n.abs() < 9.0e15
    {
        return Value::from(n as i64);
    }
    value.clone()
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map(show_number).unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

fn show_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn pattern_matches(pattern: &str, text: &str) -> bool {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<regress::Regex>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    // Borrowed lookup first: the pattern is copied only the first time it is seen.
    if !cache.contains_key(pattern) {
        cache.insert(pattern.to_owned(), regress::Regex::new(pattern).ok());
    }
    match cache.get(pattern).and_then(Option::as_ref) {
        Some(r) => r.find(text).is_some(),
        // A pattern the engine cannot compile constrains nothing.
        None => true,
    }
}

/// Converts a raw query or path string to the JSON type its schema declares, so the same
/// checks apply as for bodies (`page=2` becomes the integer 2; `page=abc` stays a string and
/// is reported as `page must be an integer number`).
/// ```
/// use mock_server::testing::{coerce_param, spec};
/// use serde_json::json;
/// // Arrange
/// let spec = spec::voice_ai();
/// // Act
/// let page = coerce_param(spec, &json!({"type": "integer"}), "2");
/// // Assert
/// assert_eq!(page, json!(2.0));
/// ```
pub fn coerce_param(spec: &Spec, schema: &Value, raw: &str) -> Value {
    let schema = spec.resolve(schema);
    let mut types = types_of(schema);
    if types.clone().any(|t| t == "integer" || t == "number")
        && let Ok(n) = raw.trim().parse::<f64>()
        && n.is_finite()
        && let Some(number) = serde_json::Number::from_f64(n)
    {
        return Value::Number(number);
    }
    if types.any(|t| t == "boolean") {
        match raw {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::parse(
            r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Kind:
      oneOf:
        - type: object
          required: [actionType, actionParameters]
          properties:
            actionType: {type: string, enum: [SMS]}
            actionParameters: {$ref: "#/components/schemas/Sms"}
        - type: object
          required: [actionType, actionParameters]
          properties:
            actionType: {type: string, enum: [CALL_TRANSFER]}
            actionParameters: {$ref: "#/components/schemas/Transfer"}
    Sms:
      type: object
      required: [triggerPrompt]
      properties:
        triggerPrompt: {type: string}
    Transfer:
      type: object
      required: [transferToValue]
      properties:
        transferToValue: {type: string}
    Action:
      allOf:
        - type: object
          required: [name]
          properties:
            name: {type: string, minLength: 1, maxLength: 5}
            page: {type: integer, minimum: 1, maximum: 50, default: 1}
            tags: {type: array, maxItems: 2, items: {type: string}}
            tz: {type: string, pattern: "^[A-Z]+/[A-Z]+$"}
            note: {type: string, nullable: true}
        - $ref: "#/components/schemas/Kind"
"##,
        )
        .expect("test spec parses")
    }

    fn run(value: Value) -> (Value, Vec<String>) {
        let spec = spec();
        let schema = spec.schema("Action").expect("Action exists").clone();
        let mut v = Validator::new(&spec, true);
        let out = v.check(&schema, &value, "");
        (out, v.into_errors())
    }

    #[test]
    fn a_valid_tagged_body_is_accepted_with_unknown_fields_stripped_and_defaults_filled() {
        let (out, errors) = run(json!({
            "name": "a", "actionType": "SMS", "actionParameters": {"triggerPrompt": "x", "junk": 1}, "junk": 2
        }));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            out,
            json!({"name": "a", "page": 1, "actionType": "SMS", "actionParameters": {"triggerPrompt": "x"}})
        );
    }

    #[test]
    fn the_variant_is_picked_by_the_tag_and_nested_problems_name_their_path() {
        let (_, errors) = run(
            json!({"name": "a", "actionType": "CALL_TRANSFER", "actionParameters": {"triggerPrompt": "x"}}),
        );
        assert_eq!(
            errors,
            vec!["actionParameters.transferToValue should not be empty"]
        );
    }

    #[test]
    fn an_unknown_tag_is_reported_as_an_enum_error_only() {
        let (_, errors) = run(json!({"name": "a", "actionType": "FAX", "actionParameters": {}}));
        assert_eq!(
            errors,
            vec!["actionType must be one of the following values: SMS, CALL_TRANSFER"]
        );
    }

    #[test]
    fn every_problem_is_reported_once_in_a_stable_order() {
        let (_, errors) = run(json!({
            "name": "toolong", "page": 0, "tags": ["a", 1, 2], "tz": "x", "actionType": "SMS", "actionParameters": {"triggerPrompt": 3}
        }));
        assert_eq!(
            errors,
            vec![
                "name must be shorter than or equal to 5 characters",
                "page must not be less than 1",
                "tags must contain no more than 2 elements",
                "each value in tags must be a string",
                "tz must match /^[A-Z]+\\/[A-Z]+$/ regular expression",
                "actionParameters.triggerPrompt must be a string",
            ]
        );
    }

    #[test]
    fn whole_floats_are_integers_and_fractions_are_not() {
        let (out, errors) = run(
            json!({"name": "a", "page": 2.0, "actionType": "SMS", "actionParameters": {"triggerPrompt": "x"}}),
        );
        assert!(errors.is_empty());
        assert_eq!(out["page"], json!(2));
        let (_, errors) = run(
            json!({"name": "a", "page": 2.5, "actionType": "SMS", "actionParameters": {"triggerPrompt": "x"}}),
        );
        assert_eq!(errors, vec!["page must be an integer number"]);
    }

    #[test]
    fn null_is_accepted_only_where_nullable() {
        let (_, errors) = run(
            json!({"name": null, "note": null, "actionType": "SMS", "actionParameters": {"triggerPrompt": "x"}}),
        );
        assert_eq!(errors, vec!["name must be a string"]);
    }

    #[test]
    fn missing_required_fields_should_not_be_empty() {
        let (_, errors) = run(json!({}));
        assert_eq!(
            errors,
            vec!["name should not be empty", "actionType should not be empty"]
        );
    }

    #[test]
    fn a_nested_non_object_must_be_an_object() {
        let (_, errors) = run(json!({"name": "a", "actionType": "SMS", "actionParameters": [1]}));
        assert_eq!(errors, vec!["actionParameters must be an object"]);
    }

    #[test]
    fn query_strings_are_coerced_to_their_declared_type() {
        let spec = spec();
        assert_eq!(
            coerce_param(&spec, &json!({"type": "integer"}), "7"),
            json!(7.0)
        );
        assert_eq!(
            coerce_param(&spec, &json!({"type": "integer"}), "x"),
            json!("x")
        );
        assert_eq!(
            coerce_param(&spec, &json!({"type": "boolean"}), "true"),
            json!(true)
        );
    }

    proptest::proptest! {
        /// The request pipeline skips coercion and validation for parameters marked
        /// `any_string`; that is only sound if the validator would have kept any string as it is.
        #[test]
        fn parameters_taking_any_string_are_kept_as_sent_by_the_validator(text in "\\PC{0,40}|[0-9.eE+-]{1,12}|true|false|null") {
            for spec in [crate::spec::voice_ai(), crate::spec::conversation_ai()] {
                for op in spec.operations() {
                    for param in op.params.iter().filter(|p| p.any_string) {
                        let mut validator = Validator::new(spec, false);
                        let value = coerce_param(spec, &param.schema, &text);
                        let cleaned = validator.check(&param.schema, &value, &param.name);
                        proptest::prop_assert_eq!(cleaned, Value::String(text.clone()));
                        proptest::prop_assert!(validator.errors().is_empty());
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// The request pipeline takes a plain decimal within a parameter's `integer_range` as
        /// it is; that is only sound if the validator would keep it, with no message.
        #[test]
        fn plain_decimals_within_an_integer_range_are_kept_by_the_validator(
            text in "[+-]?0{0,2}[0-9]{1,11}|-?2147483[0-9]{3}|[0-9]{16,19}",
        ) {
            for spec in [crate::spec::voice_ai(), crate::spec::conversation_ai()] {
                for op in spec.operations() {
                    for param in op.params.iter() {
                        let Some((low, high)) = param.integer_range else { continue };
                        let Some(n) = text.parse::<i64>().ok().filter(|n| (low..=high).contains(n)) else {
                            continue;
                        };
                        let mut validator = Validator::new(spec, false);
                        let value = coerce_param(spec, &param.schema, &text);
                        let cleaned = validator.check(&param.schema, &value, &param.name);
                        proptest::prop_assert_eq!(&cleaned, &Value::from(n), "{}", param.name);
                        proptest::prop_assert!(validator.errors().is_empty(), "{:?}", validator.errors());
                    }
                }
            }
        }
    }

    #[test]
    fn integer_ranges_combine_the_declared_bounds_and_the_format() {
        let paging = crate::spec::voice_ai()
            .operations()
            .flat_map(|op| &op.params)
            .filter(|p| p.name == "pageSize")
            .filter_map(|p| p.integer_range)
            .collect::<Vec<_>>();
        assert!(!paging.is_empty(), "pageSize is a plain integer parameter");
        assert_eq!(
            plain_integer_range(&json!({"type": "integer", "minimum": 1, "maximum": 50})),
            Some((1, 50))
        );
        assert_eq!(
            plain_integer_range(&json!({"type": "integer", "format": "int32", "minimum": 0.5})),
            Some((1, i64::from(i32::MAX)))
        );
        assert_eq!(
            plain_integer_range(&json!({"type": "integer"})),
            Some((-9_000_000_000_000_000, 9_000_000_000_000_000))
        );
        assert_eq!(
            plain_integer_range(&json!({"type": "integer", "minimum": 5, "maximum": 4})),
            None
        );
        for other in [
            json!({"type": "integer", "enum": [1, 2]}),
            json!({"type": "integer", "nullable": true}),
            json!({"type": "integer", "minimum": "1"}),
            json!({"type": "integer", "format": "uint8"}),
            json!({"type": "number"}),
            json!({"type": ["integer", "null"]}),
        ] {
            assert_eq!(plain_integer_range(&other), None, "{other}");
        }
    }

    #[test]
    fn only_unconstrained_string_schemas_take_any_string() {
        let marked = [crate::spec::voice_ai(), crate::spec::conversation_ai()]
            .into_iter()
            .flat_map(|spec| spec.operations())
            .flat_map(|op| &op.params)
            .filter(|p| p.any_string)
            .count();
        assert!(
            marked > 10,
            "the ids and location parameters are plain strings: {marked}"
        );
        assert!(accepts_any_string(
            &json!({"type": "string", "description": "d", "example": "x"})
        ));
        for constrained in [
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string", "enum": ["a"]}),
            json!({"type": "string", "minLength": 1}),
            json!({"type": "string", "maxLength": 3}),
            json!({"type": "string", "format": "date-time"}),
            json!({"type": "string", "nullable": true}),
            json!({"type": ["string", "null"]}),
            json!({"type": "integer"}),
            json!({"$ref": "#/components/schemas/X"}),
        ] {
            assert!(!accepts_any_string(&constrained), "{constrained}");
        }
    }
}
