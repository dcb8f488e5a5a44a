//! `cargo xtask upstream-diff VENDOR_FILE`: lists every wire-level difference between one of
//! our specs and a vendor spec file, marking those `openapi/README.md` lists as deliberate.
//!
//! Both documents are reduced to the same flat list of facts, one per operation attribute:
//! operation presence, operationId, each parameter (place, required, type, format, enum,
//! bounds), each request and response field by its JSON path (type, format, enum, required,
//! bounds, pattern, nullable), success and error status codes, and scopes. Schemas are
//! compared structurally after resolving `$ref`s (external ones relative to the file), merging
//! `allOf` and folding `oneOf`/`anyOf` variants together, so our tagged unions and the
//! vendor's parallel enum + `oneOf` reduce to the same facts when the JSON they accept is the
//! same. Descriptions and examples are not compared.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::Value;

use crate::spec;

/// One difference between the vendor's file and ours.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Difference {
    /// `METHOD /path where attribute`, e.g. `GET /voice-ai/agents param query.page type`.
    pub(crate) key: String,
    pub(crate) vendor: Option<String>,
    pub(crate) ours: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_owned());
        write!(
            f,
            "{}: vendor {}, ours {}",
            self.key,
            show(&self.vendor),
            show(&self.ours)
        )
    }
}

/// A departure listed in `openapi/README.md`: a pattern over [`Difference`] lines and why.
#[derive(Debug, Clone)]
pub(crate) struct Departure {
    pub(crate) pattern: String,
    pub(crate) reason: String,
}

/// Which of our specs describes the same API as a vendor file.
pub(crate) fn our_spec_for(vendor_file: &Path) -> anyhow::Result<&'static str> {
    let name = vendor_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("voice-ai") {
        Ok("openapi/voice-ai.yaml")
    } else if name.starts_with("conversation-ai") {
        Ok("openapi/conversation-ai.yaml")
    } else {
        anyhow::bail!(
            "no spec of ours describes {name}: expected a voice-ai*.json or conversation-ai*.json file"
        )
    }
}

pub(crate) fn run(root: &Path, vendor_file: &Path) -> anyhow::Result<ExitCode> {
    let ours = root.join(our_spec_for(vendor_file)?);
    let departures = load_departures(&root.join("openapi/README.md"))?;
    let differences = diff(vendor_file, &ours)?;
    let report = classify(&differences, &departures);
    for (difference, reason) in &report {
        match reason {
            Some(reason) => println!("deliberate  {difference}  [{reason}]"),
            None => println!("UNEXPECTED  {difference}"),
        }
    }
    let unexpected = report.iter().filter(|(_, r)| r.is_none()).count();
    println!(
        "{} differences, {} deliberate, {} unexpected",
        report.len(),
        report.len() - unexpected,
        unexpected
    );
    Ok(if unexpected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Pairs each difference with the reason of the first departure whose pattern matches it.
pub(crate) fn classify<'a>(
    differences: &'a [Difference],
    departures: &'a [Departure],
) -> Vec<(&'a Difference, Option<&'a str>)> {
    differences
        .iter()
        .map(|d| {
            let line = d.to_string();
            let reason = departures
                .iter()
                .find(|dep| glob_match(&dep.pattern, &line))
                .map(|dep| dep.reason.as_str());
            (d, reason)
        })
        .collect()
}

/// Reads the departures table of `openapi/README.md`: rows `| `pattern` | reason |` under the
/// heading `## Deliberate departures`.
pub(crate) fn load_departures(readme: &Path) -> anyhow::Result<Vec<Departure>> {
    let text =
        std::fs::read_to_string(readme).with_context(|| format!("reading {}", readme.display()))?;
    let mut in_section = false;
    let mut departures = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            in_section = heading.trim() == "Deliberate departures";
            continue;
        }
        if !in_section {
            continue;
        }
        let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").collect();
        if let [pattern, reason] = cells.as_slice() {
            let pattern = pattern.trim();
            if let Some(pattern) = pattern.strip_prefix('`').and_then(|p| p.strip_suffix('`')) {
                departures.push(Departure {
                    pattern: pattern.to_owned(),
                    reason: reason.trim().to_owned(),
                });
            }
        }
    }
    if departures.is_empty() {
        anyhow::bail!(
            "{} has no `## Deliberate departures` table with `pattern` | reason rows",
            readme.display()
        );
    }
    Ok(departures)
}

/// `*` matches any run of characters (including none); everything else is literal.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first().expect("split yields at least one part");
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Every difference between the vendor file and ours, sorted.
pub(crate) fn diff(vendor_file: &Path, ours: &Path) -> anyhow::Result<Vec<Difference>> {
    let vendor = Facts::of(&Document::load(vendor_file)?)?;
    let ours = Facts::of(&Document::load(ours)?)?;
    let keys: BTreeSet<&String> = vendor.0.keys().chain(ours.0.keys()).collect();
    Ok(keys
        .into_iter()
        .filter_map(|key| {
            let (v, o) = (vendor.0.get(key), ours.0.get(key));
            (v != o).then(|| Difference {
                key: key.clone(),
                vendor: v.cloned(),
                ours: o.cloned(),
            })
        })
        .collect())
}

/// An OpenAPI document with the other files its `$ref`s point at.
struct Document {
    path: PathBuf,
    root: Value,
    externals: BTreeMap<PathBuf, Value>,
}

impl Document {
    fn load(path: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            path: path.to_owned(),
            root: spec::load(path)?,
            externals: BTreeMap::new(),
        })
    }

    /// Follows a `$ref` from the document at `base`, returning the target and its document.
    fn resolve(&mut self, base: &Path, reference: &str) -> anyhow::Result<(PathBuf, Value)> {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if file.is_empty() {
            base.to_owned()
        } else {
            base.parent().unwrap_or(Path::new(".")).join(file)
        };
        let doc = if target == self.path {
            &self.root
        } else {
            if !self.externals.contains_key(&target) {
                let loaded =
                    spec::load(&target).with_context(|| format!("following $ref {reference}"))?;
                self.externals.insert(target.clone(), loaded);
            }
            &self.externals[&target]
        };
        let value = doc
            .pointer(pointer)
            .with_context(|| format!("$ref {reference} points at nothing"))?
            .clone();
        Ok((target, value))
    }
}

/// The normalised shape of a schema.
#[derive(Default, Clone, Debug)]
struct Shape {
    types: BTreeSet<String>,
    formats: BTreeSet<String>,
    enumeration: BTreeSet<String>,
    scalars: BTreeMap<&'static str, String>,
    properties: BTreeMap<String, (Shape, bool)>,
    items: Option<Box<Shape>>,
    additional: bool,
}

const SCALAR_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "nullable",
    "default",
];

impl Shape {
    /// Everything both shapes allow together (used for `allOf`): required if either requires.
    fn merge_all(&mut self, other: Shape) {
        self.merge(other, |a, b| a || b);
    }

    /// Folding `oneOf` variants: a property is required only if every variant requires it.
    fn merge_variant(&mut self, other: Shape, first: bool) {
        if first {
            *self = other;
        } else {
            self.merge(other, |a, b| a && b);
        }
    }

    fn merge(&mut self, other: Shape, required: fn(bool, bool) -> bool) {
        self.types.extend(other.types);
        self.formats.extend(other.formats);
        self.enumeration.extend(other.enumeration);
        self.scalars.extend(other.scalars);
        self.additional |= other.additional;
        let mut mine = std::mem::take(&mut self.properties);
        let names: BTreeSet<String> = mine
            .keys()
            .chain(other.properties.keys())
            .cloned()
            .collect();
        let mut theirs = other.properties;
        for name in names {
            let merged = match (mine.remove(&name), theirs.remove(&name)) {
                (Some((mut a, ra)), Some((b, rb))) => {
                    a.merge(b, required);
                    (a, required(ra, rb))
                }
                (Some((a, ra)), None) => (a, required(ra, false)),
                (None, Some((b, rb))) => (b, required(false, rb)),
                (None, None) => continue,
            };
            self.properties.insert(name, merged);
        }
        match (&mut self.items, other.items) {
            (Some(a), Some(b)) => a.merge(*b, required),
            (None, Some(b)) => self.items = Some(b),
            _ => {}
        }
    }
}

/// Flat `key → value` facts about every operation of a document.
struct Facts(BTreeMap<String, String>);

impl Facts {
    fn of(doc: &Document) -> anyhow::Result<Self> {
        let mut doc = Document {
            path: doc.path.clone(),
            root: doc.root.clone(),
            externals: BTreeMap::new(),
        };
        let mut facts = BTreeMap::new();
        let paths = doc
            .root
            .get("paths")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let base = doc.path.clone();
        for (path, item) in &paths {
            for method in spec::METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let op_key = format!("{} {path}", method.to_uppercase());
                let mut add = |k: String, v: String| {
                    facts.insert(k, v);
                };
                add(format!("{op_key} operation"), "present".to_owned());
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    add(format!("{op_key} operationId"), id.to_owned());
                }
                let scopes: BTreeSet<String> = op
                    .get("security")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|req| req.values())
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect();
                add(format!("{op_key} scopes"), join(&scopes));

                let params = item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .chain(
                        op.get("parameters")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    )
                    .cloned()
                    .collect::<Vec<_>>();
                for param in params {
                    let (at, param) = doc.deref(&base, &param)?;
                    let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
                    let place = param.get("in").and_then(Value::as_str).unwrap_or("?");
                    let key = format!("{op_key} param {place}.{name}");
                    facts.insert(key.clone(), "present".to_owned());
                    let required = param
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    facts.insert(format!("{key} required"), required.to_string());
                    if let Some(schema) = param.get("schema") {
                        let shape = doc.shape(&at, schema, 0)?;
                        emit(&mut facts, &key, &shape);
                    }
                }

                if let Some(body) = op.get("requestBody") {
                    let (at, body) = doc.deref(&base, body)?;
                    let required = body
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    facts.insert(format!("{op_key} request required"), required.to_string());
                    if let Some(content) = body.get("content").and_then(Value::as_object) {
                        for (media, media_obj) in content {
                            let key = format!("{op_key} request {media}");
                            facts.insert(key.clone(), "present".to_owned());
                            if let Some(schema) = media_obj.get("schema") {
                                let shape = doc.shape(&at, schema, 0)?;
                                emit(&mut facts, &key, &shape);
                            }
                        }
                    }
                }

                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for (status, response) in &responses {
                    let (at, response) = doc.deref(&base, response)?;
                    let key = format!("{op_key} response {status}");
                    facts.insert(key.clone(), "present".to_owned());
                    let content = response
                        .get("content")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    for (media, media_obj) in &content {
                        let key = format!("{key} {media}");
                        facts.insert(key.clone(), "present".to_owned());
                        if let Some(schema) = media_obj.get("schema") {
                            let shape = doc.shape(&at, schema, 0)?;
                            emit(&mut facts, &key, &shape);
                        }
                    }
                }
            }
        }
        Ok(Self(facts))
    }
}

impl Document {
    /// Resolves a parameter/body/response object that may be a `$ref`.
    fn deref(&mut self, base: &Path, value: &Value) -> anyhow::Result<(PathBuf, Value)> {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let (at, target) = self.resolve(base, r)?;
                self.deref(&at, &target)
            }
            None => Ok((base.to_owned(), value.clone())),
        }
    }

    fn shape(&mut self, base: &Path, schema: &Value, depth: usize) -> anyhow::Result<Shape> {
        anyhow::ensure!(depth < 32, "schema nesting too deep (a $ref cycle?)");
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let (at, target) = self.resolve(base, r)?;
            return self.shape(&at, &target, depth + 1);
        }
        let mut shape = Shape::default();
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            shape.types.insert(t.to_owned());
        }
        if let Some(f) = schema.get("format").and_then(Value::as_str) {
            shape.formats.insert(f.to_owned());
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            shape.enumeration.extend(values.iter().map(render));
        }
        for keyword in SCALAR_KEYWORDS {
            if let Some(v) = schema.get(*keyword) {
                if *keyword == "nullable" && v == &Value::Bool(false) {
                    continue;
                }
                shape.scalars.insert(keyword, render(v));
            }
        }
        if let Some(extra) = schema.get("additionalProperties") {
            shape.additional = extra != &Value::Bool(false);
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let prop_shape = self.shape(base, prop, depth + 1)?;
                shape
                    .properties
                    .insert(name.clone(), (prop_shape, required.contains(name.as_str())));
            }
        }
        if let Some(items) = schema.get("items") {
            shape.items = Some(Box::new(self.shape(base, items, depth + 1)?));
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            for member in members {
                let member = self.shape(base, member, depth + 1)?;
                shape.merge_all(member);
            }
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(variants) = schema.get(keyword).and_then(Value::as_array) {
                let mut folded = Shape::default();
                for (i, variant) in variants.iter().enumerate() {
                    let variant = self.shape(base, variant, depth + 1)?;
                    folded.merge_variant(variant, i == 0);
                }
                shape.merge_all(folded);
            }
        }
        Ok(shape)
    }
}

/// Writes the facts of one shape under `key`, recursing into properties and items.
fn emit(facts: &mut BTreeMap<String, String>, key: &str, shape: &Shape) {
    // `number` and `integer` together mean "integer or number": report as the wider one.
    if !shape.types.is_empty() {
        facts.insert(format!("{key} type"), join(&shape.types));
    }
    if !shape.formats.is_empty() {
        facts.insert(format!("{key} format"), join(&shape.formats));
    }
    if !shape.enumeration.is_empty() {
        facts.insert(format!("{key} enum"), join(&shape.enumeration));
    }
    for (keyword, value) in &shape.scalars {
        facts.insert(format!("{key} {keyword}"), value.clone());
    }
    if shape.additional {
        facts.insert(format!("{key} additionalProperties"), "true".to_owned());
    }
    for (name, (prop, required)) in &shape.properties {
        let key = format!("{key} .{name}");
        facts.insert(format!("{key} required"), required.to_string());
        emit(facts, &key, prop);
    }
    if let Some(items) = &shape.items {
        emit(facts, &format!("{key} []"), items);
    }
}

fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_literal_and_wildcards() {
        assert!(glob_match("a*c", "abc"));
        assert!(glob_match("a*c", "ac"));
        assert!(glob_match(
            "*type: vendor number, ours integer",
            "GET /x param query.page type: vendor number, ours integer"
        ));
        assert!(!glob_match("a*c", "abd"));
        assert!(!glob_match("abc", "abcd"));
        assert!(glob_match("*", ""));
    }

    /// The vendor's files, when this checkout sits beside `../shared` (the team's and CI's
    /// machines); a user's fresh clone has none.
    fn vendor_files() -> Option<Vec<PathBuf>> {
        let dir = crate::workspace_root().join("../shared/upstream/apps");
        let entries = std::fs::read_dir(&dir).ok()?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        Some(files)
    }

    #[test]
    fn a_vendor_file_compared_with_itself_has_no_differences() {
        let Some(files) = vendor_files() else {
            println!("skipped: ../shared/upstream/apps is not present in this checkout");
            return;
        };
        for file in files {
            let differences = diff(&file, &file).expect("the vendor file loads");
            assert!(
                differences.is_empty(),
                "{}: {differences:?}",
                file.display()
            );
        }
    }

    #[test]
    fn our_specs_differ_from_the_vendor_files_only_where_the_readme_says_so() {
        let Some(files) = vendor_files() else {
            println!("skipped: ../shared/upstream/apps is not present in this checkout");
            return;
        };
        let root = crate::workspace_root();
        let departures =
            load_departures(&root.join("openapi/README.md")).expect("the departures table");
        let mut unexpected = Vec::new();
        let mut used = BTreeSet::new();
        for file in &files {
            let ours = root.join(our_spec_for(file).expect("a spec of ours"));
            let differences = diff(file, &ours).expect("both specs load");
            for (difference, reason) in classify(&differences, &departures) {
                if reason.is_none() {
                    unexpected.push(format!("{}: {difference}", file.display()));
                }
                let line = difference.to_string();
                used.extend(
                    departures
                        .iter()
                        .filter(|d| glob_match(&d.pattern, &line))
                        .map(|d| d.pattern.clone()),
                );
            }
        }
        assert!(
            unexpected.is_empty(),
            "differences not listed in openapi/README.md:\n{}",
            unexpected.join("\n")
        );
        let stale: Vec<&str> = departures
            .iter()
            .map(|d| d.pattern.as_str())
            .filter(|p| !used.contains(*p))
            .collect();
        assert!(
            stale.is_empty(),
            "departures that match no difference any more: {stale:?}"
        );
    }
}
