//! Proptest strategies derived from the specs' schemas.
//!
//! [`valid`] walks a schema (`$ref`, `type`, `enum`, `required`, `minimum`/`maximum`,
//! `minLength`/`maxLength`, `minItems`/`maxItems`, `pattern`, `nullable`, `allOf`, tag-picked
//! `oneOf`) and yields `serde_json::Value`s the schema accepts. Enum values are drawn uniformly,
//! so every value is reached; bounded numbers, strings and arrays hit their bounds often; strings
//! without a constraint look realistic, chosen from the field's name and description with
//! `fake` (names, E.164 phone numbers, e-mails, URLs, sentences, ids, IANA time zones).
//!
//! [`invalid`] lists every way the schema can be broken ([`mutations`]: wrong type, missing
//! required field, number out of range, string too short or too long, too few or too many
//! items, unknown enum value, pattern mismatch), and yields a valid payload with exactly one of
//! them applied, labelled with the dotted path of the field it breaks.
//!
//! [`tag_swaps`] breaks a tagged action differently: the tag names one valid kind while the
//! content (`actionParameters`, `details`) was generated for another, for every ordered pair of
//! kinds, so "the content of the old kind under a new tag" and "the content of a third kind"
//! are both sent. Such a payload may be refused or, when the content happens to satisfy the new
//! kind, accepted; either way the answer must follow the new kind's schema
//! ([`kind_content_schema`]).
//!
//! Nothing here names a field of our specs except the realistic-string heuristics, so a field
//! added to a spec is generated and broken with no edit here.

use std::fmt;

use fake::Fake;
use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::{DomainSuffix, SafeEmail};
use fake::faker::lorem::en::{Sentence, Word, Words};
use fake::faker::name::en::Name;
use fake::rand::SeedableRng;
use fake::rand::rngs::ChaCha8Rng;
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Number, Value, json};

use crate::spec::Spec;

/// How deep the walkers go into nested schemas (our deepest body is five levels).
const MAX_DEPTH: usize = 10;
/// The largest array the valid strategy builds when the schema sets no `maxItems`.
const UNBOUNDED_ITEMS: usize = 3;

/// One step of a path into a JSON payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// An object property.
    Prop(String),
    /// The first element of an array.
    Item,
    /// The `n`th variant of a `oneOf` (does not appear in the JSON itself).
    Variant(usize),
}

/// Renders a path as the dotted field name a validation message uses
/// (`agentWorkingHours.0.intervals.0.startHour`).
pub fn dotted(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        let part = match seg {
            Seg::Prop(p) => p.as_str(),
            Seg::Item => "0",
            Seg::Variant(_) => continue,
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(part);
    }
    out
}

/// Where a payload travels: a JSON body, or a query string (where every value is text, so a
/// string can never have the wrong type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A JSON request body.
    Body,
    /// Query parameters.
    Query,
}

/// What an invalid payload breaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Breakage {
    /// A value of another JSON type.
    WrongType(Value),
    /// A required property left out.
    MissingRequired,
    /// A number below `minimum`.
    BelowMinimum(Value),
    /// A number above `maximum`.
    AboveMaximum(Value),
    /// A string shorter than `minLength`.
    TooShort(usize),
    /// A string longer than `maxLength`.
    TooLong(usize),
    /// An array with fewer than `minItems` elements.
    TooFewItems(usize),
    /// An array with more than `maxItems` elements.
    TooManyItems(usize),
    /// A value outside `enum`.
    UnknownEnumValue(Value),
    /// A string that does not match `pattern`.
    PatternMismatch(String),
}

impl fmt::Display for Breakage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Breakage::WrongType(v) => write!(f, "wrong type ({v})"),
            Breakage::MissingRequired => write!(f, "missing required field"),
            Breakage::BelowMinimum(v) => write!(f, "below minimum ({v})"),
            Breakage::AboveMaximum(v) => write!(f, "above maximum ({v})"),
            Breakage::TooShort(n) => write!(f, "too short ({n} chars)"),
            Breakage::TooLong(n) => write!(f, "too long ({n} chars)"),
            Breakage::TooFewItems(n) => write!(f, "too few items ({n})"),
            Breakage::TooManyItems(n) => write!(f, "too many items ({n})"),
            Breakage::UnknownEnumValue(v) => write!(f, "unknown enum value ({v})"),
            Breakage::PatternMismatch(s) => write!(f, "pattern mismatch ({s:?})"),
        }
    }
}

/// One way to break a schema: where, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// Path of the broken field (with `oneOf` variant choices).
    pub path: Vec<Seg>,
    /// What is done to it.
    pub breakage: Breakage,
}

impl Mutation {
    /// The dotted name of the broken field.
    pub fn field(&self) -> String {
        dotted(&self.path)
    }

    /// The field name a validation message should carry: the dotted path without trailing
    /// array indexes (an element of a list of strings is reported on the list).
    pub fn message_field(&self) -> String {
        let mut path = self.path.clone();
        while matches!(path.last(), Some(Seg::Item | Seg::Variant(_))) {
            path.pop();
        }
        dotted(&path)
    }
}

/// A payload the schema rejects, with the reason.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// The payload.
    pub payload: Value,
    /// What was broken, and where.
    pub mutation: Mutation,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.mutation.field(), self.mutation.breakage)
    }
}

/// Valid values of `schema` (a schema of `spec`, possibly a `$ref`).
pub fn valid(spec: &'static Spec, schema: &'static Value) -> BoxedStrategy<Value> {
    Walker {
        spec,
        mode: Mode::Body,
    }
    .valid(schema, &Hint::default(), &[], 0)
}

/// Valid query parameters for an object schema built by
/// [`Operation::query_schema`](crate::spec::Operation::query_schema).
pub fn valid_query(spec: &'static Spec, schema: &'static Value) -> BoxedStrategy<Value> {
    Walker {
        spec,
        mode: Mode::Query,
    }
    .valid(schema, &Hint::default(), &[], 0)
}

/// Every way to break `schema` in `mode`.
pub fn mutations(spec: &'static Spec, schema: &'static Value, mode: Mode) -> Vec<Mutation> {
    let mut out = Vec::new();
    Walker { spec, mode }.mutations(schema, &mut Vec::new(), &mut out, 0);
    out
}

/// Payloads that break `schema` in exactly one place; each of [`mutations`] is drawn with equal
/// weight.
///
/// # Panics
/// When the schema cannot be broken at all (no constraint anywhere).
pub fn invalid(spec: &'static Spec, schema: &'static Value, mode: Mode) -> BoxedStrategy<Invalid> {
    let all = mutations(spec, schema, mode);
    assert!(!all.is_empty(), "the schema has nothing to break");
    let walker = Walker { spec, mode };
    proptest::sample::select(all)
        .prop_flat_map(move |mutation| {
            walker
                .valid(schema, &Hint::default(), &mutation.path, 0)
                .prop_map(move |base| breaking(base, &mutation))
        })
        .boxed()
}

/// An action payload whose tag names one kind while its content was made for another.
#[derive(Debug, Clone)]
pub struct TagSwap {
    /// The kind the tag names.
    pub tag: String,
    /// The kind the content was generated for (never `tag`).
    pub content_of: String,
    /// The payload: valid for `content_of`, with the tag set to `tag`.
    pub payload: Value,
}

/// Every tag swap of `schema`, a request body holding one `ActionKind` (its tag and content
/// fields read with [`Spec::action_kind_fields`]): for each ordered pair of different kinds, a
/// valid payload of the second kind (prose rules honoured) with the tag of the first.
/// Deterministic per `seed`; empty when the spec has no `ActionKind`.
///
/// # Panics
/// When no valid payload of some kind is drawn in 100 tries per kind (the strategy draws kinds
/// uniformly, so this means the schema's tag is not top level).
pub fn tag_swaps(spec: &'static Spec, schema: &'static Value, seed: u64) -> Vec<TagSwap> {
    let Some((tag, _)) = spec.action_kind_fields() else {
        return Vec::new();
    };
    let kinds = spec.action_kinds();
    let strategy = valid(spec, schema);
    let mut by_kind: Vec<(String, Value)> = Vec::new();
    for i in 0..kinds.len() as u64 * 100 {
        if by_kind.len() == kinds.len() {
            break;
        }
        let mut payload = sample(&strategy, seed.wrapping_add(i));
        honour_prose_rules(&mut payload);
        if let Some(kind) = payload.get(&tag).and_then(Value::as_str)
            && !by_kind.iter().any(|(k, _)| k == kind)
        {
            by_kind.push((kind.to_owned(), payload));
        }
    }
    assert_eq!(
        by_kind.len(),
        kinds.len(),
        "a valid payload of every kind is drawn"
    );
    let mut out = Vec::new();
    for new_kind in &kinds {
        for (content_of, payload) in &by_kind {
            if content_of == new_kind {
                continue;
            }
            let mut payload = payload.clone();
            payload[tag.as_str()] = Value::String(new_kind.clone());
            out.push(TagSwap {
                tag: new_kind.clone(),
                content_of: content_of.clone(),
                payload,
            });
        }
    }
    out
}

/// The schema of the content (`actionParameters`, `details`) of the action kind `kind`, from
/// the spec's `ActionKind` variant whose tag is `kind`.
pub fn kind_content_schema<'s>(spec: &'s Spec, kind: &str) -> Option<&'s Value> {
    let (tag, content) = spec.action_kind_fields()?;
    let variants = spec.schema("ActionKind")?.get("oneOf")?.as_array()?;
    variants.iter().find_map(|variant| {
        let variant = spec.resolve(variant);
        let value = spec
            .resolve(variant.pointer(&format!("/properties/{tag}"))?)
            .pointer("/enum/0")?;
        (value.as_str() == Some(kind))
            .then(|| variant.pointer(&format!("/properties/{content}")))
            .flatten()
    })
}

/// Payloads that break `schema` exactly as `mutation` says (on varying valid bases).
pub fn invalid_for(
    spec: &'static Spec,
    schema: &'static Value,
    mode: Mode,
    mutation: Mutation,
) -> BoxedStrategy<Invalid> {
    Walker { spec, mode }
        .valid(schema, &Hint::default(), &mutation.path, 0)
        .prop_map(move |base| breaking(base, &mutation))
        .boxed()
}

/// A valid base (made to honour the prose rules too, unless that would remove the field to
/// break) with `mutation` applied.
fn breaking(base: Value, mutation: &Mutation) -> Invalid {
    let mut fixed = base.clone();
    honour_prose_rules(&mut fixed);
    let base = if has_path(&fixed, &mutation.path) {
        fixed
    } else {
        base
    };
    Invalid {
        payload: apply(base, &mutation.path, &mutation.breakage),
        mutation: mutation.clone(),
    }
}

/// Whether every object or array step of `path` exists in `value` (the last step may be absent
/// only for a `MissingRequired` mutation, which `apply` tolerates).
fn has_path(value: &Value, path: &[Seg]) -> bool {
    let mut cursor = value;
    for seg in path {
        cursor = match seg {
            Seg::Prop(p) => match cursor.get(p.as_str()) {
                Some(next) => next,
                None => return false,
            },
            Seg::Item => match cursor.get(0) {
                Some(next) => next,
                None => return false,
            },
            Seg::Variant(_) => cursor,
        };
    }
    true
}

/// Applies a breakage at `path` to a payload generated with that path present.
fn apply(mut value: Value, path: &[Seg], breakage: &Breakage) -> Value {
    let props: Vec<&Seg> = path
        .iter()
        .filter(|s| !matches!(s, Seg::Variant(_)))
        .collect();
    let Some((last, parents)) = props.split_last() else {
        return value;
    };
    let mut cursor = &mut value;
    for seg in parents {
        cursor = match seg {
            Seg::Prop(p) => cursor.get_mut(p.as_str()),
            _ => cursor.get_mut(0),
        }
        .expect("the payload was generated with this path present");
    }
    match (last, breakage) {
        (Seg::Prop(p), Breakage::MissingRequired) => {
            if let Some(obj) = cursor.as_object_mut() {
                obj.remove(p.as_str());
            }
        }
        (seg, breakage) => {
            let target = match seg {
                Seg::Prop(p) => cursor.get_mut(p.as_str()),
                _ => cursor.get_mut(0),
            }
            .expect("the payload was generated with this field present");
            *target = broken(target, breakage);
        }
    }
    value
}

fn broken(current: &Value, breakage: &Breakage) -> Value {
    match breakage {
        Breakage::WrongType(v)
        | Breakage::BelowMinimum(v)
        | Breakage::AboveMaximum(v)
        | Breakage::UnknownEnumValue(v) => v.clone(),
        Breakage::MissingRequired => Value::Null,
        Breakage::TooShort(n) | Breakage::TooLong(n) => Value::String("x".repeat(*n)),
        Breakage::PatternMismatch(s) => Value::String(s.clone()),
        Breakage::TooFewItems(n) | Breakage::TooManyItems(n) => {
            let items = current.as_array().cloned().unwrap_or_default();
            let first = items.first().cloned().unwrap_or(Value::String("x".into()));
            Value::Array(
                (0..*n)
                    .map(|i| items.get(i).cloned().unwrap_or(first.clone()))
                    .collect(),
            )
        }
    }
}

/// What the walker knows about the field it is generating, for realistic strings.
#[derive(Debug, Clone, Default)]
struct Hint {
    name: String,
    description: String,
}

impl Hint {
    fn for_field(name: &str, schema: &Value, resolved: &Value) -> Hint {
        let description = [schema, resolved]
            .iter()
            .filter_map(|s| s.get("description").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        Hint {
            name: name.to_owned(),
            description,
        }
    }
}

#[derive(Clone, Copy)]
struct Walker {
    spec: &'static Spec,
    mode: Mode,
}

fn int_bound(schema: &Value, key: &str) -> Option<i64> {
    schema.get(key).and_then(|v| {
        v.as_i64().or_else(|| {
            v.as_f64().map(|f| if key == "minimum" { f.ceil() } else { f.floor() } as i64)
        })
    })
}

fn usize_of(schema: &Value, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        _ if schema.get("properties").is_some() => Some("object"),
        _ if schema.get("items").is_some() => Some("array"),
        _ => None,
    }
}

/// Strips the anchors a proptest regex generator cannot handle.
fn unanchored(pattern: &str) -> &str {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    p.strip_suffix('$').unwrap_or(p)
}

/// Whether `s` matches `pattern` (the regex dialect of our specs is that of the `regex` crate).
pub fn matches_pattern(pattern: &str, s: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|re| re.is_match(s))
}

impl Walker {
    fn resolve(&self, schema: &'static Value) -> &'static Value {
        self.spec.resolve(schema)
    }

    /// If every variant of this `oneOf` is an object whose required tag property is a
    /// one-value enum (the `ActionKind` shape), the tag's name.
    fn tag_of(&self, variants: &'static [Value]) -> Option<String> {
        let mut tag: Option<String> = None;
        for v in variants {
            let v = self.resolve(v);
            let props = v.get("properties")?.as_object()?;
            let (name, _) = props.iter().find(|(_, s)| {
                self.resolve(s)
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.len() == 1)
            })?;
            match &tag {
                Some(t) if t != name => return None,
                _ => tag = Some(name.clone()),
            }
        }
        tag
    }

    fn valid(
        &self,
        schema: &'static Value,
        hint: &Hint,
        force: &[Seg],
        depth: usize,
    ) -> BoxedStrategy<Value> {
        let schema = self.resolve(schema);
        let inner = self.valid_non_null(schema, hint, force, depth);
        if force.is_empty() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            prop_oneof![9 => inner, 1 => Just(Value::Null)].boxed()
        } else {
            inner
        }
    }

    fn valid_non_null(
        &self,
        schema: &'static Value,
        hint: &Hint,
        force: &[Seg],
        depth: usize,
    ) -> BoxedStrategy<Value> {
        if depth > MAX_DEPTH {
            return Just(Value::Null).boxed();
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            // `allOf: [$ref]` wraps a shared schema to give it a local description or default.
            if let [only] = parts.as_slice() {
                return self.valid(only, hint, force, depth + 1);
            }
            let parts: Vec<BoxedStrategy<Value>> = parts
                .iter()
                .map(|p| self.valid(p, hint, force, depth + 1))
                .collect();
            return parts.prop_map(merge_objects).boxed();
        }
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            if let Some(Seg::Variant(i)) = force.first()
                && let Some(v) = variants.get(*i)
            {
                return self.valid(v, hint, &force[1..], depth + 1);
            }
            let all: Vec<BoxedStrategy<Value>> = variants
                .iter()
                .map(|v| self.valid(v, hint, force, depth + 1))
                .collect();
            return Union::new(all).boxed();
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return proptest::sample::select(values.clone()).boxed();
        }
        match type_of(schema) {
            Some("object") => self.valid_object(schema, force, depth),
            Some("array") => self.valid_array(schema, hint, force, depth),
            Some("string") => valid_string(schema, hint),
            Some("integer") => valid_integer(schema, hint),
            Some("number") => valid_number(schema),
            Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
            _ => valid_string(&Value::Null, hint),
        }
    }

    fn valid_object(
        &self,
        schema: &'static Value,
        force: &[Seg],
        depth: usize,
    ) -> BoxedStrategy<Value> {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let forced = match force.first() {
            Some(Seg::Prop(p)) => Some(p.as_str()),
            _ => None,
        };
        let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        let props = schema.get("properties").and_then(Value::as_object);
        for (name, prop) in props.into_iter().flatten() {
            let hint = Hint::for_field(name, prop, self.resolve(prop));
            let sub_force = if forced == Some(name.as_str()) {
                &force[1..]
            } else {
                &[]
            };
            let key = name.clone();
            let value = self
                .valid(prop, &hint, sub_force, depth + 1)
                .prop_map(move |v| Some((key.clone(), v)));
            if required.contains(&name.as_str()) || forced == Some(name.as_str()) {
                fields.push(value.boxed());
            } else {
                fields.push(prop_oneof![Just(None), value].boxed());
            }
        }
        let free_form = schema.get("additionalProperties") == Some(&Value::Bool(true))
            || schema
                .get("additionalProperties")
                .is_some_and(Value::is_object);
        let extra: BoxedStrategy<Map<String, Value>> =
            if free_form && props.is_none_or(Map::is_empty) {
                proptest::collection::btree_map("[a-z]{1,8}", "[A-Za-z ]{0,12}", 0..3)
                    .prop_map(|m| m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
                    .boxed()
            } else {
                Just(Map::new()).boxed()
            };
        (fields, extra)
            .prop_map(|(fields, mut extra)| {
                for (k, v) in fields.into_iter().flatten() {
                    extra.insert(k, v);
                }
                Value::Object(extra)
            })
            .boxed()
    }

    fn valid_array(
        &self,
        schema: &'static Value,
        hint: &Hint,
        force: &[Seg],
        depth: usize,
    ) -> BoxedStrategy<Value> {
        let forced = matches!(force.first(), Some(Seg::Item));
        let min = usize_of(schema, "minItems")
            .unwrap_or(0)
            .max(usize::from(forced));
        let max = usize_of(schema, "maxItems")
            .unwrap_or(min.max(1) + UNBOUNDED_ITEMS - 1)
            .max(min);
        let items: &'static Value = schema.get("items").unwrap_or(&Value::Null);
        let item_hint = Hint {
            name: hint.name.clone(),
            description: format!(
                "{} {}",
                hint.description,
                self.resolve(items)
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ),
        };
        let first = self.valid(
            items,
            &item_hint,
            if forced { &force[1..] } else { &[] },
            depth + 1,
        );
        let rest = self.valid(items, &item_hint, &[], depth + 1);
        let sizes = prop_oneof![Just(min), Just(max), min..=max];
        sizes
            .prop_flat_map(move |n| {
                let tail = n.saturating_sub(1);
                (first.clone(), proptest::collection::vec(rest.clone(), tail)).prop_map(
                    move |(head, mut tail)| {
                        if n == 0 {
                            return Value::Array(Vec::new());
                        }
                        tail.insert(0, head);
                        Value::Array(tail)
                    },
                )
            })
            .boxed()
    }

    fn mutations(
        &self,
        schema: &'static Value,
        path: &mut Vec<Seg>,
        out: &mut Vec<Mutation>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for p in parts {
                self.mutations(p, path, out, depth + 1);
            }
            return;
        }
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            // Only a tag-picked union says which variant a payload means; any other `oneOf`
            // is left alone.
            if self.tag_of(variants).is_some() {
                for (i, v) in variants.iter().enumerate() {
                    path.push(Seg::Variant(i));
                    self.mutations(v, path, out, depth + 1);
                    path.pop();
                }
            }
            return;
        }
        let mut push = |breakage| {
            out.push(Mutation {
                path: path.clone(),
                breakage,
            });
        };
        let ty = type_of(schema);
        let is_query = self.mode == Mode::Query;
        let is_field = path.iter().any(|s| !matches!(s, Seg::Variant(_)));
        if is_field {
            match ty {
                Some("string") if !is_query => push(Breakage::WrongType(json!(12345))),
                Some("integer") => {
                    push(Breakage::WrongType(json!("not-a-number")));
                    push(Breakage::WrongType(json!(1.5)));
                }
                Some("number") => push(Breakage::WrongType(json!("not-a-number"))),
                Some("boolean") => push(Breakage::WrongType(json!("maybe"))),
                Some("array") if !is_query => push(Breakage::WrongType(json!("not-a-list"))),
                Some("object") if !is_query => push(Breakage::WrongType(json!("not-an-object"))),
                _ => {}
            }
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                let unknown = if values.iter().all(Value::is_number) {
                    let top = values.iter().filter_map(Value::as_i64).max().unwrap_or(0);
                    json!(top + 100)
                } else {
                    json!("NOT_A_KNOWN_VALUE")
                };
                push(Breakage::UnknownEnumValue(unknown));
            }
        }
        match ty {
            Some("integer") | Some("number") => {
                if let Some(min) = int_bound(schema, "minimum") {
                    push(Breakage::BelowMinimum(json!(min - 1)));
                }
                if let Some(max) = int_bound(schema, "maximum") {
                    push(Breakage::AboveMaximum(json!(max + 1)));
                }
            }
            Some("string") => {
                if let Some(min) = usize_of(schema, "minLength").filter(|m| *m > 0) {
                    push(Breakage::TooShort(min - 1));
                }
                if let Some(max) = usize_of(schema, "maxLength") {
                    push(Breakage::TooLong(max + 1));
                }
                if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                    let bad = ["not a valid value!", "9", " ", "/", "-x"]
                        .into_iter()
                        .find(|c| !matches_pattern(pattern, c));
                    if let Some(bad) = bad {
                        push(Breakage::PatternMismatch(bad.to_owned()));
                    }
                }
            }
            Some("array") => {
                if let Some(min) = usize_of(schema, "minItems").filter(|m| *m > 0) {
                    push(Breakage::TooFewItems(min - 1));
                }
                if let Some(max) = usize_of(schema, "maxItems") {
                    push(Breakage::TooManyItems(max + 1));
                }
                if let Some(items) = schema.get("items") {
                    path.push(Seg::Item);
                    self.mutations(items, path, out, depth + 1);
                    path.pop();
                }
            }
            Some("object") => {
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                for (name, prop) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    path.push(Seg::Prop(name.clone()));
                    if required.contains(&name.as_str()) {
                        out.push(Mutation {
                            path: path.clone(),
                            breakage: Breakage::MissingRequired,
                        });
                    }
                    self.mutations(prop, path, out, depth + 1);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

fn merge_objects(parts: Vec<Value>) -> Value {
    let mut out = Map::new();
    for part in parts {
        if let Value::Object(m) = part {
            out.extend(m);
        }
    }
    Value::Object(out)
}

fn valid_integer(schema: &Value, hint: &Hint) -> BoxedStrategy<Value> {
    let lo = int_bound(schema, "minimum");
    let hi = int_bound(schema, "maximum");
    let (lo, hi) = match (lo, hi) {
        (Some(lo), Some(hi)) => (lo, hi),
        (Some(lo), None) => (lo, lo.saturating_add(1000)),
        (None, Some(hi)) => (hi.saturating_sub(1000).max(0).min(hi), hi),
        (None, None) if hint.description.contains("millisecond") => {
            (1_700_000_000_000, 1_800_000_000_000)
        }
        (None, None) => (0, 1000),
    };
    prop_oneof![1 => Just(lo), 1 => Just(hi), 3 => lo..=hi]
        .prop_map(|n| Value::Number(n.into()))
        .boxed()
}

fn valid_number(schema: &Value) -> BoxedStrategy<Value> {
    let lo = schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
    let hi = schema
        .get("maximum")
        .and_then(Value::as_f64)
        .unwrap_or(lo + 1000.0);
    let whole = (lo.ceil() as i64..=hi.floor() as i64).prop_map(|n| Value::Number(n.into()));
    let fractional = (lo..=hi).prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number));
    let edge = prop_oneof![Just(lo), Just(hi)]
        .prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number));
    prop_oneof![1 => edge, 2 => whole, 2 => fractional].boxed()
}

/// IANA zone names our specs' time-zone pattern accepts, including the awkward ones.
const TIME_ZONES: [&str; 8] = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "UTC",
    "America/Argentina/Buenos_Aires",
    "America/Port-au-Prince",
    "Etc/GMT+5",
    "Asia/Kolkata",
];

/// What kind of realistic text a field calls for, judged from its name and description.
fn realistic(hint: &Hint, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let name = hint.name.to_lowercase();
    let desc = hint.description.to_lowercase();
    let hex_id = |rng: &mut ChaCha8Rng| -> String {
        (0..24)
            .map(|_| char::from(b"0123456789abcdef"[(0..16usize).fake_with_rng::<usize, _>(rng)]))
            .collect()
    };
    let is_id = name.ends_with("id") || name.ends_with("ids");
    if name.contains("email") || desc.contains("e-mail address") {
        SafeEmail().fake_with_rng(&mut rng)
    } else if !is_id
        && (name.contains("phone")
            || (name.ends_with("number") && !name.contains("pool"))
            || desc.contains("e.164")
            || desc.contains("phone number"))
    {
        let digits: u64 = (2_000_000_000u64..9_999_999_999).fake_with_rng(&mut rng);
        format!("+1{digits}")
    } else if name.contains("url") || desc.contains("url ") {
        let host: String = Word().fake_with_rng(&mut rng);
        let tld: String = DomainSuffix().fake_with_rng(&mut rng);
        let path: String = Word().fake_with_rng(&mut rng);
        format!("https://{host}.{tld}/{path}")
    } else if name.contains("timezone") || desc.contains("time zone") {
        TIME_ZONES[(0..TIME_ZONES.len()).fake_with_rng::<usize, _>(&mut rng)].to_owned()
    } else if name.contains("language") {
        "en-US".to_owned()
    } else if is_id {
        if desc.contains("agent") || desc.contains("action") || desc.contains("call") {
            hex_id(&mut rng)
        } else {
            (0..20)
                .map(|_| {
                    let a = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
                    char::from(a[(0..a.len()).fake_with_rng::<usize, _>(&mut rng)])
                })
                .collect()
        }
    } else if name == "businessname" || name.contains("company") {
        CompanyName().fake_with_rng(&mut rng)
    } else if name.contains("name") {
        Name().fake_with_rng(&mut rng)
    } else if [
        "prompt",
        "message",
        "description",
        "body",
        "summary",
        "transcript",
        "instruction",
    ]
    .iter()
    .any(|w| name.contains(w))
    {
        Sentence(4..12).fake_with_rng(&mut rng)
    } else {
        let words: Vec<String> = Words(1..4).fake_with_rng(&mut rng);
        words.join(" ")
    }
}

/// Cuts or pads `s` to `[min, max]` characters.
fn fit(mut s: String, min: usize, max: Option<usize>) -> String {
    if let Some(max) = max
        && s.chars().count() > max
    {
        s = s.chars().take(max).collect::<String>();
        while s.ends_with(' ') && s.chars().count() > min {
            s.pop();
        }
    }
    while s.chars().count() < min {
        s.push('x');
    }
    s
}

fn valid_string(schema: &Value, hint: &Hint) -> BoxedStrategy<Value> {
    let min = usize_of(schema, "minLength").unwrap_or(0);
    let max = usize_of(schema, "maxLength");
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        let pattern = pattern.to_owned();
        let check = pattern.clone();
        let nice_hint = hint.clone();
        let nice = any::<u64>()
            .prop_map(move |seed| realistic(&nice_hint, seed))
            .prop_filter("realistic value must match the pattern", move |s| {
                matches_pattern(&check, s)
            });
        let generic = proptest::string::string_regex(unanchored(&pattern))
            .map(|s| s.boxed())
            .unwrap_or_else(|_| Just(String::new()).boxed());
        let in_bounds = move |s: &String| {
            s.chars().count() >= min && max.is_none_or(|m| s.chars().count() <= m)
        };
        let strategy: BoxedStrategy<String> = if hint_matches_pattern(hint, &pattern) {
            prop_oneof![3 => nice, 1 => generic].boxed()
        } else {
            generic
        };
        return strategy
            .prop_filter("pattern value within length bounds", in_bounds)
            .prop_map(Value::String)
            .boxed();
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        return (1_704_067_200i64..1_798_761_600)
            .prop_map(|secs| {
                let days = secs / 86_400;
                let rem = secs % 86_400;
                let (y, m, d) = civil_from_days(days);
                Value::String(format!(
                    "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
                    rem / 3600,
                    rem % 3600 / 60,
                    rem % 60
                ))
            })
            .boxed();
    }
    let hint = hint.clone();
    let text = any::<u64>().prop_map(move |seed| realistic(&hint, seed));
    let shaped = text.prop_map(move |s| Value::String(fit(s, min, max)));
    match max {
        Some(max) => prop_oneof![
            6 => shaped,
            1 => Just(Value::String("m".repeat(max))),
            1 => Just(Value::String("n".repeat(min))),
        ]
        .boxed(),
        None if min > 0 => {
            prop_oneof![6 => shaped, 1 => Just(Value::String("n".repeat(min)))].boxed()
        }
        None => shaped.boxed(),
    }
}

fn hint_matches_pattern(hint: &Hint, pattern: &str) -> bool {
    (0..16).any(|seed| matches_pattern(pattern, &realistic(hint, seed)))
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's civil-from-days).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Sets the value at a dotted path of plain property names, creating objects on the way.
pub fn set_path(value: &mut Value, dotted_path: &str, new: Value) {
    let mut cursor = value;
    let mut parts = dotted_path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cursor.is_object() {
            *cursor = Value::Object(Map::new());
        }
        let Value::Object(map) = cursor else { return };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), new);
            return;
        }
        cursor = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Draws one value of `strategy`, the same for the same `seed` (for fixed test set-ups).
pub fn sample<T: fmt::Debug>(strategy: &BoxedStrategy<T>, seed: u64) -> T {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    strategy
        .new_tree(&mut runner)
        .expect("the spec strategies never reject a whole tree")
        .current()
}

/// Makes a valid payload also honour the cross-field rules our specs state in prose only
/// (JSON Schema 3.0 cannot say them), so "valid" means valid by the spec's whole text:
///
/// - Voice AI `TranslationInput`: translation can be enabled only for an agent whose language
///   is not `en-US`, and then `translation.language` is the agent's language or `en-US`;
///   a body that sets `language: en-US` therefore also turns translation off (a patch may
///   change the language of an agent that translates).
/// - Voice AI `CustomActionApiDetails`: `authenticationValue` is required when
///   `authenticationRequired` is true; `selectedPaths` needs one entry for `GET` and is empty for
///   `POST`.
/// - Voice AI `DataExtractionParameters.examples`: one to five samples.
/// - Voice AI `listCallLogs`: `startDate` and `endDate` both or neither, start before end.
pub fn honour_prose_rules(payload: &mut Value) {
    let Value::Object(map) = payload else { return };
    // Translation (agent bodies carry `translation` next to `language`).
    let enabled = map
        .get("translation")
        .and_then(|t| t.get("enabled"))
        .and_then(Value::as_bool);
    if enabled == Some(true) {
        let language = map
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or("en-US")
            .to_owned();
        let language = if language == "en-US" {
            "es".to_owned()
        } else {
            language
        };
        map.insert("language".into(), Value::String(language.clone()));
        if let Some(Value::Object(t)) = map.get_mut("translation") {
            let ok = t
                .get("language")
                .and_then(Value::as_str)
                .is_some_and(|l| l == language || l == "en-US");
            if !ok {
                t.insert("language".into(), json!("en-US"));
            }
        }
    } else if map.get("language").and_then(Value::as_str) == Some("en-US") {
        map.insert("translation".into(), json!({"enabled": false}));
    }
    // Custom action API details.
    if let Some(Value::Object(params)) = map.get_mut("actionParameters") {
        let method = params
            .get("apiDetails")
            .and_then(|d| d.get("method"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(Value::Object(details)) = params.get_mut("apiDetails")
            && details.get("authenticationRequired") == Some(&Value::Bool(true))
            && !details
                .get("authenticationValue")
                .is_some_and(Value::is_string)
        {
            details.insert(
                "authenticationValue".into(),
                json!("Bearer sk_test_0123456789"),
            );
        }
        match method.as_deref() {
            Some("GET") => {
                let empty = params
                    .get("selectedPaths")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty);
                if empty {
                    params.insert("selectedPaths".into(), json!(["data.result"]));
                }
            }
            Some(_) => {
                params.insert("selectedPaths".into(), json!([]));
            }
            None => {}
        }
        if let Some(Value::Array(examples)) = params.get_mut("examples") {
            examples.truncate(5);
            if examples.is_empty() {
                examples.push(json!("morning"));
            }
        }
    }
    // A creation-time window.
    match (
        map.get("startDate").and_then(Value::as_i64),
        map.get("endDate").and_then(Value::as_i64),
    ) {
        (Some(start), Some(end)) if start >= end => {
            map.insert("endDate".into(), json!(start + 86_400_000));
        }
        (Some(_), None) | (None, Some(_)) => {
            map.remove("startDate");
            map.remove("endDate");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Api, spec};
    use proptest::test_runner::TestRunner;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }

    #[test]
    fn valid_create_agent_bodies_have_the_location_and_respect_bounds() {
        let spec = spec(Api::VoiceAi);
        let schema = spec
            .op("createAgent")
            .request_schema
            .as_ref()
            .expect("has a body");
        let mut runner = TestRunner::deterministic();
        let strategy = valid(spec, schema);
        for _ in 0..64 {
            let v = strategy.new_tree(&mut runner).expect("generates").current();
            assert!(v.get("locationId").is_some_and(Value::is_string), "{v}");
            if let Some(d) = v.get("maxCallDuration").and_then(Value::as_i64) {
                assert!((180..=900).contains(&d), "{v}");
            }
            if let Some(n) = v.get("agentName").and_then(Value::as_str) {
                assert!((1..=40).contains(&n.chars().count()), "{v}");
            }
        }
    }

    /// The strategies and the independent JSON Schema validator agree: every valid payload of
    /// every request body validates, and every one-field breakage is rejected.
    #[test]
    fn strategies_agree_with_the_json_schema_validator() {
        for api in Api::ALL {
            let spec = spec(api);
            for op in spec.operations.values() {
                let Some(schema) = op.request_schema.as_ref() else {
                    continue;
                };
                let strategy = valid(spec, schema);
                for seed in 0..24 {
                    let mut v = sample(&strategy, seed);
                    honour_prose_rules(&mut v);
                    let problems = crate::schema::validate(spec, schema, &v);
                    assert!(
                        problems.is_empty(),
                        "{} {}: {v} -> {problems:?}",
                        api.label(),
                        op.id
                    );
                }
                for (i, m) in mutations(spec, schema, Mode::Body).into_iter().enumerate() {
                    let label = format!("{} {} {}: {}", api.label(), op.id, m.field(), m.breakage);
                    let bad = sample(&invalid_for(spec, schema, Mode::Body, m), i as u64);
                    let problems = crate::schema::validate(spec, schema, &bad.payload);
                    assert!(
                        !problems.is_empty(),
                        "{label} was accepted: {}",
                        bad.payload
                    );
                }
            }
        }
    }

    /// The values found at `path` in `value` (every element for an array step).
    fn values_at<'a>(value: &'a Value, path: &[Seg]) -> Vec<&'a Value> {
        let Some((head, tail)) = path.split_first() else {
            return vec![value];
        };
        match head {
            Seg::Prop(p) => value
                .get(p.as_str())
                .map(|v| values_at(v, tail))
                .unwrap_or_default(),
            Seg::Item => value
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|v| values_at(v, tail))
                .collect(),
            Seg::Variant(_) => values_at(value, tail),
        }
    }

    /// The schema at `path` (through `$ref`, `allOf` parts and the chosen `oneOf` variant).
    fn schema_at(
        spec: &'static Spec,
        schema: &'static Value,
        path: &[Seg],
    ) -> Option<&'static Value> {
        let schema = spec.resolve(schema);
        let Some((head, tail)) = path.split_first() else {
            return Some(schema);
        };
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            return parts.iter().find_map(|p| schema_at(spec, p, path));
        }
        match head {
            Seg::Variant(i) => schema_at(spec, schema.get("oneOf")?.get(*i)?, tail),
            Seg::Prop(p) => schema_at(spec, schema.get("properties")?.get(p.as_str())?, tail),
            Seg::Item => schema_at(spec, schema.get("items")?, tail),
        }
    }

    /// Valid payloads reach every enum value and every bound (minimum, maximum, shortest and
    /// longest string, fewest and most items) of every request body, nested ones included.
    #[test]
    fn valid_bodies_reach_every_enum_value_and_every_bound() {
        let mut misses = Vec::new();
        let mut targets = 0;
        for api in Api::ALL {
            let spec = spec(api);
            for op in spec.operations.values() {
                let Some(schema) = op.request_schema.as_ref() else {
                    continue;
                };
                let strategy = valid(spec, schema);
                let samples: Vec<Value> = (0..600).map(|seed| sample(&strategy, seed)).collect();
                for m in mutations(spec, schema, Mode::Body) {
                    let found = |want: &dyn Fn(&Value) -> bool| {
                        samples
                            .iter()
                            .any(|s| values_at(s, &m.path).into_iter().any(want))
                    };
                    let int = |v: &Value| v.as_i64().unwrap_or(i64::MIN);
                    let chars = |v: &Value| v.as_str().map(|s| s.chars().count());
                    let items = |v: &Value| v.as_array().map(Vec::len);
                    let reached = match &m.breakage {
                        Breakage::BelowMinimum(b) => found(&|v| v.as_i64() == Some(int(b) + 1)),
                        Breakage::AboveMaximum(b) => found(&|v| v.as_i64() == Some(int(b) - 1)),
                        Breakage::TooShort(n) => found(&|v| chars(v) == Some(n + 1)),
                        Breakage::TooLong(n) => found(&|v| chars(v) == Some(n - 1)),
                        Breakage::TooFewItems(n) => found(&|v| items(v) == Some(n + 1)),
                        Breakage::TooManyItems(n) => found(&|v| items(v) == Some(n - 1)),
                        Breakage::UnknownEnumValue(_) => schema_at(spec, schema, &m.path)
                            .and_then(|s| s.get("enum"))
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .all(|e| found(&|v| v == e)),
                        _ => continue,
                    };
                    targets += 1;
                    if !reached {
                        misses.push(format!(
                            "{} {} {}: {}",
                            api.label(),
                            op.id,
                            m.field(),
                            m.breakage
                        ));
                    }
                }
            }
        }
        assert!(targets >= 30, "only {targets} enums and bounds found");
        assert!(misses.is_empty(), "never generated: {misses:#?}");
    }

    #[test]
    fn mutations_cover_nested_action_parameters() {
        let spec = spec(Api::VoiceAi);
        let schema = spec
            .op("createAction")
            .request_schema
            .as_ref()
            .expect("has a body");
        let all = mutations(spec, schema, Mode::Body);
        let fields: Vec<String> = all.iter().map(Mutation::field).collect();
        assert!(
            fields.contains(&"actionParameters.triggerPrompt".to_owned()),
            "{fields:?}"
        );
        assert!(fields.contains(&"actionType".to_owned()), "{fields:?}");
    }
}
