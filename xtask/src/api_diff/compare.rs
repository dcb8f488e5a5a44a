//! Comparing two [`Surface`]s: every change to the generated Rust API, classified as breaking
//! or not for a crate that uses the client.
//!
//! The rules, from the consumer's side (requests are written, responses are read):
//!
//! | change | breaking? |
//! |---|---|
//! | operation (client method) added | no |
//! | operation removed | yes: the method is gone |
//! | parameter or request body added, optional | no |
//! | parameter or request body added, required | yes: `send()` fails until callers set it |
//! | parameter or request body removed | yes: its builder method is gone |
//! | parameter or request body made required | yes |
//! | parameter or request body made optional | no: the builder method takes the same value |
//! | parameter, body or success response type changed | yes |
//! | field added, optional | no |
//! | field added, required, to a type only read from responses | no |
//! | field added, required, to a type sent in requests | yes: its builder fails until callers set it |
//! | field removed | yes: code that reads or sets it stops compiling |
//! | field made required | yes: a request field must now be set; a response field's type loses its `Option` |
//! | field made optional, type sent in requests only | no: the builder method accepts the plain value |
//! | field made optional, type read from responses | yes: the field's type gains an `Option` |
//! | field type changed | yes |
//! | enum value or union variant added | no: enums are forward compatible, so the value used to decode as `Unknown` |
//! | enum value or union variant removed | yes: the variant is gone (and a request that sent it would be refused) |
//! | union variant's content type changed | yes |
//! | named type added | no |
//! | named type removed, or changed kind (struct, enum, …) | yes |
//! | named type renamed (the same shape, alone, under a new name) | yes, reported once |
//!
//! An added enum value counts as non-breaking because the value already decoded (into
//! `Unknown`) before; the generated enums are exhaustive, though, so a consumer's `match` that
//! names every variant without a wildcard arm stops compiling (cargo-semver-checks reports it as
//! `enum_variant_added`). A type used by both requests and responses takes the stricter rule. Structs are assumed to be
//! built with their builders (`types::X::builder()`), as the crate READMEs do: a struct literal
//! naming every field breaks on any added field, and consumers who write those opt out of these
//! rules. Constraints (lengths, patterns, bounds) and descriptions are not compared.

use std::collections::BTreeMap;
use std::fmt;

use super::surface::{Member, Operation, Shape, Surface, TypeDef, pascal};

/// One change between two versions of the generated API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Change {
    /// Breaking changes sort first.
    pub(crate) breaking: bool,
    /// The Rust item changed, e.g. ``Client::list_agents`` or ``types::Agent::agent_name``.
    pub(crate) item: String,
    /// What happened to it, in words.
    pub(crate) what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.item, self.what)
    }
}

/// Every change from `old` to `new`, breaking ones first.
pub(crate) fn compare(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Changes {
        list: Vec::new(),
        renames: renames(old, new),
    };
    for (name, op) in &old.operations {
        match new.operations.get(name) {
            None => out.push(
                true,
                format!("Client::{name}"),
                format!("operation removed ({})", op.route),
            ),
            Some(now) => operation(&mut out, name, op, now),
        }
    }
    for (name, op) in &new.operations {
        if !old.operations.contains_key(name) {
            out.push(
                false,
                format!("Client::{name}"),
                format!("operation added ({})", op.route),
            );
        }
    }
    for (name, def) in &old.types {
        if let Some(renamed) = out.renames.get(name) {
            let renamed = renamed.clone();
            if def.named {
                out.push(
                    true,
                    format!("types::{name}"),
                    format!("renamed to `{renamed}`"),
                );
            }
            continue;
        }
        match new.types.get(name) {
            None if def.named => out.push(
                true,
                format!("types::{name}"),
                format!("{} removed", def.shape.kind()),
            ),
            None => {}
            Some(now) => type_def(&mut out, def, now),
        }
    }
    for (name, def) in &new.types {
        let renamed_here = out.renames.values().any(|n| n == name);
        if def.named && !old.types.contains_key(name) && !renamed_here {
            out.push(
                false,
                format!("types::{name}"),
                format!("{} added", def.shape.kind()),
            );
        }
    }
    let mut changes = out.list;
    changes.sort_by(|a, b| b.breaking.cmp(&a.breaking).then_with(|| a.cmp(b)));
    changes
}

struct Changes {
    list: Vec<Change>,
    /// Types that only changed name, old name to new.
    renames: BTreeMap<String, String>,
}

impl Changes {
    fn push(&mut self, breaking: bool, item: String, what: String) {
        self.list.push(Change {
            breaking,
            item,
            what,
        });
    }

    /// Whether the type expressions are the same once renamed types are followed.
    fn same(&self, old: &str, new: &str) -> bool {
        rename_in(old, &self.renames) == new
    }
}

/// Types of `old` missing from `new` whose shape reappears, alone, under a new name; found in
/// rounds, so a struct whose inline field types were renamed with it is matched too.
fn renames(old: &Surface, new: &Surface) -> BTreeMap<String, String> {
    let gone: Vec<(&String, &TypeDef)> = old
        .types
        .iter()
        .filter(|(name, _)| !new.types.contains_key(*name))
        .collect();
    let came: Vec<(&String, &TypeDef)> = new
        .types
        .iter()
        .filter(|(name, _)| !old.types.contains_key(*name))
        .collect();
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut added = false;
        for (old_name, old_def) in &gone {
            if found.contains_key(*old_name) {
                continue;
            }
            let shape = renamed_shape(&old_def.shape, &found);
            let matches: Vec<&&String> = came
                .iter()
                .filter(|(new_name, new_def)| {
                    new_def.named == old_def.named
                        && new_def.shape == shape
                        && !found.values().any(|n| n == *new_name)
                })
                .map(|(new_name, _)| new_name)
                .collect();
            if let [only] = matches.as_slice() {
                found.insert((*old_name).clone(), (**only).clone());
                added = true;
            }
        }
        if !added {
            return found;
        }
    }
}

fn renamed_shape(shape: &Shape, renames: &BTreeMap<String, String>) -> Shape {
    let ty = |t: &String| rename_in(t, renames);
    match shape {
        Shape::Struct(fields) => Shape::Struct(
            fields
                .iter()
                .map(|(name, m)| {
                    let member = Member {
                        ty: ty(&m.ty),
                        required: m.required,
                    };
                    (name.clone(), member)
                })
                .collect(),
        ),
        Shape::Enum(values) => Shape::Enum(values.clone()),
        Shape::Union { tag, variants } => Shape::Union {
            tag: tag.clone(),
            variants: variants.iter().map(|(k, v)| (k.clone(), ty(v))).collect(),
        },
        Shape::Alias(target) => Shape::Alias(ty(target)),
    }
}

/// `ty` with every type name that `renames` maps replaced by its new name.
fn rename_in(ty: &str, renames: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut word = String::new();
    for c in ty.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        out.push_str(renames.get(&word).map_or(word.as_str(), String::as_str));
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

fn operation(out: &mut Changes, name: &str, old: &Operation, new: &Operation) {
    let item = format!("Client::{name}");
    if old.route != new.route {
        out.push(
            false,
            item.clone(),
            format!("now calls {} (was {})", new.route, old.route),
        );
    }
    let mut members: BTreeMap<String, (Option<&Member>, Option<&Member>)> = BTreeMap::new();
    for (param, m) in &old.params {
        members.entry(format!("parameter `{param}`")).or_default().0 = Some(m);
    }
    for (param, m) in &new.params {
        members.entry(format!("parameter `{param}`")).or_default().1 = Some(m);
    }
    if old.body.is_some() || new.body.is_some() {
        members.insert(
            "request body".to_owned(),
            (old.body.as_ref(), new.body.as_ref()),
        );
    }
    for (what, (before, after)) in members {
        match (before, after) {
            (Some(_), None) => out.push(true, item.clone(), format!("{what} removed")),
            (None, Some(a)) => out.push(
                a.required,
                item.clone(),
                format!("{what} added, {} (`{}`)", required_word(a.required), a.ty),
            ),
            (Some(b), Some(a)) => {
                if b.required != a.required {
                    out.push(
                        a.required,
                        item.clone(),
                        format!("{what} made {}", required_word(a.required)),
                    );
                }
                if !out.same(&b.ty, &a.ty) {
                    out.push(
                        true,
                        item.clone(),
                        format!("{what} type changed from `{}` to `{}`", b.ty, a.ty),
                    );
                }
            }
            (None, None) => {}
        }
    }
    if !out.same(&old.response, &new.response) {
        out.push(
            true,
            item,
            format!(
                "response type changed from `{}` to `{}`",
                old.response, new.response
            ),
        );
    }
}

fn required_word(required: bool) -> &'static str {
    if required { "required" } else { "optional" }
}

fn type_def(out: &mut Changes, old: &TypeDef, new: &TypeDef) {
    let item = old.origin.clone();
    let sent = old.in_requests || new.in_requests;
    let read = old.in_responses || new.in_responses;
    match (&old.shape, &new.shape) {
        (Shape::Struct(before), Shape::Struct(after)) => {
            for (field, b) in before {
                let field_item = format!("{item}::{field}");
                let Some(a) = after.get(field) else {
                    out.push(true, field_item, "field removed".to_owned());
                    continue;
                };
                if b.required != a.required {
                    // Made required: breaking both ways. Made optional: only for readers.
                    let breaking = a.required || read;
                    out.push(
                        breaking,
                        field_item.clone(),
                        format!(
                            "field made {} (`{}` → `{}`)",
                            required_word(a.required),
                            b.ty,
                            a.ty
                        ),
                    );
                } else if !out.same(&b.ty, &a.ty) {
                    out.push(
                        true,
                        field_item,
                        format!("field type changed from `{}` to `{}`", b.ty, a.ty),
                    );
                }
            }
            for (field, a) in after {
                if !before.contains_key(field) {
                    out.push(
                        a.required && sent,
                        format!("{item}::{field}"),
                        format!("field added, {} (`{}`)", required_word(a.required), a.ty),
                    );
                }
            }
        }
        (Shape::Enum(before), Shape::Enum(after)) => {
            for value in before.difference(after) {
                out.push(
                    true,
                    item.clone(),
                    format!("value {value:?} (variant `{}`) removed", pascal(value)),
                );
            }
            for value in after.difference(before) {
                out.push(
                    false,
                    item.clone(),
                    format!("value {value:?} (variant `{}`) added", pascal(value)),
                );
            }
        }
        (
            Shape::Union {
                tag: old_tag,
                variants: before,
            },
            Shape::Union {
                tag: new_tag,
                variants: after,
            },
        ) => {
            if old_tag != new_tag {
                out.push(
                    true,
                    item.clone(),
                    format!("tag field changed from {old_tag:?} to {new_tag:?}"),
                );
            }
            for (variant, ty) in before {
                match after.get(variant) {
                    None => out.push(true, item.clone(), format!("variant {variant:?} removed")),
                    Some(now) if !out.same(ty, now) => out.push(
                        true,
                        item.clone(),
                        format!("variant {variant:?} content changed from `{ty}` to `{now}`"),
                    ),
                    Some(_) => {}
                }
            }
            for (variant, ty) in after {
                if !before.contains_key(variant) {
                    out.push(
                        false,
                        item.clone(),
                        format!("variant {variant:?} added (`{ty}`)"),
                    );
                }
            }
        }
        (Shape::Alias(before), Shape::Alias(after)) => {
            if !out.same(before, after) {
                out.push(
                    true,
                    item,
                    format!("type changed from `{before}` to `{after}`"),
                );
            }
        }
        (before, after) => out.push(
            true,
            item,
            format!("changed from {} to {}", before.kind(), after.kind()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small API: `createAgent` sends `AgentInput` and reads `Agent`, `listAgents` takes
    /// query parameters, `Language` goes both ways, `Status` and `ActionKind` are only read.
    const BASE: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /agents:
    post:
      operationId: createAgent
      parameters:
        - {name: Version, in: header, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/AgentInput"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Agent"}
    get:
      operationId: listAgents
      parameters:
        - {name: locationId, in: query, required: true, schema: {type: string}}
        - {name: pageSize, in: query, required: false, schema: {type: integer, format: int32}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Agent"}
components:
  schemas:
    Language:
      type: string
      enum: [en-US, de-DE]
    Status:
      type: string
      enum: [active, paused]
    AgentInput:
      type: object
      required: [name]
      properties:
        name: {type: string}
        language: {$ref: "#/components/schemas/Language"}
        prompt: {type: string}
    Agent:
      allOf:
        - type: object
          required: [id, name, status]
          properties:
            id: {type: string}
            name: {type: string}
            status: {$ref: "#/components/schemas/Status"}
            language: {$ref: "#/components/schemas/Language"}
            maxCallDuration: {type: integer, format: int32}
            transferToType: {type: string, enum: [number, agent]}
        - $ref: "#/components/schemas/ActionKind"
    ActionKind:
      oneOf:
        - type: object
          required: [actionType, actionParameters]
          properties:
            actionType: {type: string, enum: [SMS]}
            actionParameters: {$ref: "#/components/schemas/SmsParameters"}
        - type: object
          required: [actionType, actionParameters]
          properties:
            actionType: {type: string, enum: [CALL_TRANSFER]}
            actionParameters: {$ref: "#/components/schemas/TransferParameters"}
    SmsParameters:
      type: object
      properties:
        body: {type: string}
    TransferParameters:
      type: object
      properties:
        to: {type: string}
"##;

    /// The changes from [`BASE`] to `BASE` with `from` replaced by `to`.
    fn changes_after(from: &str, to: &str) -> Vec<Change> {
        assert!(BASE.contains(from), "the base spec contains {from:?}");
        let old = crate::api_diff::parse_spec(BASE, "base").expect("the base spec parses");
        let new = crate::api_diff::parse_spec(&BASE.replacen(from, to, 1), "changed")
            .expect("the changed spec parses");
        super::compare(
            &crate::api_diff::surface::Surface::of(&old),
            &crate::api_diff::surface::Surface::of(&new),
        )
    }

    /// Asserts that `changes` is exactly one change, of `item`, whose text contains `what`.
    fn assert_one(changes: &[Change], breaking: bool, item: &str, what: &str) {
        assert!(
            matches!(changes, [c] if c.breaking == breaking && c.item == item && c.what.contains(what)),
            "expected one {} change of `{item}` saying {what:?}, got {changes:#?}",
            if breaking { "breaking" } else { "non-breaking" },
        );
    }

    #[test]
    fn an_unchanged_spec_has_no_changes() {
        assert_eq!(changes_after("", ""), Vec::new());
    }

    #[test]
    fn an_added_operation_is_not_breaking_and_a_removed_one_is() {
        let added = "paths:\n  /voices:\n    get:\n      operationId: listVoices\n      responses:\n        \"204\": {description: none}\n";
        assert_one(
            &changes_after("paths:\n", added),
            false,
            "Client::list_voices",
            "operation added (GET /voices)",
        );
        let without_list = BASE
            .find("    get:\n      operationId: listAgents")
            .and_then(|start| BASE.find("components:").map(|end| &BASE[start..end]))
            .expect("the base spec lists agents");
        assert_one(
            &changes_after(without_list, ""),
            true,
            "Client::list_agents",
            "operation removed (GET /agents)",
        );
    }

    #[test]
    fn parameters_added_removed_and_made_required_or_optional_are_classified() {
        let page = "        - {name: pageSize, in: query, required: false, schema: {type: integer, format: int32}}\n";
        assert_one(
            &changes_after(
                page,
                &format!("{page}        - {{name: query, in: query, schema: {{type: string}}}}\n"),
            ),
            false,
            "Client::list_agents",
            "parameter `query` added, optional (`String`)",
        );
        assert_one(
            &changes_after(
                page,
                &format!(
                    "{page}        - {{name: userId, in: query, required: true, schema: {{type: string}}}}\n"
                ),
            ),
            true,
            "Client::list_agents",
            "parameter `user_id` added, required",
        );
        assert_one(
            &changes_after(page, ""),
            true,
            "Client::list_agents",
            "parameter `page_size` removed",
        );
        assert_one(
            &changes_after(page, &page.replace("required: false", "required: true")),
            true,
            "Client::list_agents",
            "parameter `page_size` made required",
        );
        assert_one(
            &changes_after(
                "{name: locationId, in: query, required: true",
                "{name: locationId, in: query, required: false",
            ),
            false,
            "Client::list_agents",
            "parameter `location_id` made optional",
        );
        assert_one(
            &changes_after(page, &page.replace("int32", "int64")),
            true,
            "Client::list_agents",
            "parameter `page_size` type changed from `i32` to `i64`",
        );
        assert_one(
            &changes_after(
                page,
                &page.replace("format: int32", "format: int32, minimum: 1"),
            ),
            true,
            "Client::list_agents",
            "parameter `page_size` type changed from `i32` to `u32`",
        );
    }

    #[test]
    fn the_version_header_is_not_part_of_the_rust_api() {
        assert_eq!(
            changes_after(
                "        - {name: Version, in: header, required: true, schema: {type: string}}\n",
                "",
            ),
            Vec::new()
        );
    }

    #[test]
    fn a_new_optional_response_field_is_not_breaking_and_a_new_required_request_field_is() {
        assert_one(
            &changes_after(
                "            maxCallDuration: {type: integer, format: int32}\n",
                "            maxCallDuration: {type: integer, format: int32}\n            voiceId: {type: string}\n",
            ),
            false,
            "types::Agent::voice_id",
            "field added, optional (`Option<String>`)",
        );
        let both = BASE
            .replacen(
                "      required: [name]\n",
                "      required: [name, locationId]\n",
                1,
            )
            .replacen(
                "        prompt: {type: string}\n",
                "        prompt: {type: string}\n        locationId: {type: string}\n",
                1,
            );
        let old = crate::api_diff::parse_spec(BASE, "base").expect("the base spec parses");
        let new = crate::api_diff::parse_spec(&both, "changed").expect("the changed spec parses");
        assert_one(
            &crate::api_diff::changes(&old, &new),
            true,
            "types::AgentInput::location_id",
            "field added, required (`String`)",
        );
    }

    #[test]
    fn a_new_required_field_of_a_type_only_read_from_responses_is_not_breaking() {
        let changes = changes_after(
            "            maxCallDuration: {type: integer, format: int32}\n",
            "            maxCallDuration: {type: integer, format: int32}\n            createdAt: {type: string, format: date-time}\n",
        );
        assert_one(
            &changes,
            false,
            "types::Agent::created_at",
            "field added, optional (`Option<DateTime<Utc>>`)",
        );
        let changes = changes_after(
            "          required: [id, name, status]\n",
            "          required: [id, name, status, maxCallDuration]\n",
        );
        assert_one(
            &changes,
            true,
            "types::Agent::max_call_duration",
            "field made required (`Option<i32>` → `i32`)",
        );
    }

    #[test]
    fn removing_a_field_is_breaking_in_requests_and_responses() {
        assert_one(
            &changes_after("        prompt: {type: string}\n", ""),
            true,
            "types::AgentInput::prompt",
            "field removed",
        );
        assert_one(
            &changes_after(
                "            maxCallDuration: {type: integer, format: int32}\n",
                "",
            ),
            true,
            "types::Agent::max_call_duration",
            "field removed",
        );
    }

    #[test]
    fn making_a_field_optional_breaks_readers_but_not_writers() {
        assert_one(
            &changes_after("      required: [name]\n", "      required: []\n"),
            false,
            "types::AgentInput::name",
            "field made optional (`String` → `Option<String>`)",
        );
        assert_one(
            &changes_after(
                "          required: [id, name, status]\n",
                "          required: [id, status]\n",
            ),
            true,
            "types::Agent::name",
            "field made optional (`String` → `Option<String>`)",
        );
    }

    #[test]
    fn nullable_and_type_changes_are_type_changes() {
        assert_one(
            &changes_after(
                "        prompt: {type: string}\n",
                "        prompt: {type: string, nullable: true}\n",
            ),
            true,
            "types::AgentInput::prompt",
            "field type changed from `Option<String>` to `Option<Option<String>>`",
        );
        assert_one(
            &changes_after(
                "            maxCallDuration: {type: integer, format: int32}\n",
                "            maxCallDuration: {type: number}\n",
            ),
            true,
            "types::Agent::max_call_duration",
            "field type changed from `Option<i32>` to `Option<f64>`",
        );
    }

    #[test]
    fn enum_values_added_are_not_breaking_and_removed_ones_are() {
        assert_one(
            &changes_after("enum: [active, paused]", "enum: [active, paused, archived]"),
            false,
            "types::Status",
            "value \"archived\" (variant `Archived`) added",
        );
        assert_one(
            &changes_after("enum: [en-US, de-DE]", "enum: [en-US]"),
            true,
            "types::Language",
            "value \"de-DE\" (variant `DeDe`) removed",
        );
        assert_one(
            &changes_after("enum: [number, agent]", "enum: [number]"),
            true,
            "types::Agent::transfer_to_type",
            "value \"agent\" (variant `Agent`) removed",
        );
    }

    #[test]
    fn an_inline_enum_is_named_by_where_it_sits_whatever_the_generator_calls_it() {
        let page = "        - {name: pageSize, in: query, required: false, schema: {type: integer, format: int32}}\n";
        let sort = "        - {name: sort, in: query, schema: {type: string, enum: [asc, desc]}}\n";
        let old = BASE.replacen(page, &format!("{page}{sort}"), 1);
        let new = BASE.replacen(
            page,
            &format!("{page}{}", sort.replace("asc, desc", "asc")),
            1,
        );
        let changes = crate::api_diff::changes(
            &crate::api_diff::parse_spec(&old, "old").expect("the old spec parses"),
            &crate::api_diff::parse_spec(&new, "new").expect("the new spec parses"),
        );
        assert_one(
            &changes,
            true,
            "Client::list_agents parameter sort",
            "value \"desc\" (variant `Desc`) removed",
        );
    }

    #[test]
    fn union_variants_added_are_not_breaking_and_removed_or_retyped_ones_are() {
        let sms = "        - type: object\n          required: [actionType, actionParameters]\n          properties:\n            actionType: {type: string, enum: [SMS]}\n            actionParameters: {$ref: \"#/components/schemas/SmsParameters\"}\n";
        let voicemail = sms.replace("[SMS]", "[VOICEMAIL]");
        assert_one(
            &changes_after(sms, &format!("{sms}{voicemail}")),
            false,
            "types::ActionKind",
            "variant \"VOICEMAIL\" added (`SmsParameters`)",
        );
        assert_one(
            &changes_after(sms, ""),
            true,
            "types::ActionKind",
            "variant \"SMS\" removed",
        );
        assert_one(
            &changes_after(sms, &sms.replace("SmsParameters", "TransferParameters")),
            true,
            "types::ActionKind",
            "variant \"SMS\" content changed from `SmsParameters` to `TransferParameters`",
        );
    }

    #[test]
    fn named_types_added_removed_or_changing_kind_are_reported() {
        assert_one(
            &changes_after(
                "  schemas:\n",
                "  schemas:\n    Voice:\n      type: object\n      properties:\n        id: {type: string}\n",
            ),
            false,
            "types::Voice",
            "struct added",
        );
        assert_one(
            &changes_after(
                "    Status:\n      type: string\n      enum: [active, paused]\n",
                "    Status:\n      type: string\n",
            ),
            true,
            "types::Status",
            "changed from enum to newtype",
        );
        let transfer = "    TransferParameters:\n      type: object\n      properties:\n        to: {type: string}\n";
        let changes = changes_after(transfer, "");
        assert!(
            changes.iter().any(|c| c.breaking
                && c.item == "types::TransferParameters"
                && c.what == "struct removed"),
            "{changes:#?}"
        );
    }

    #[test]
    fn a_renamed_type_is_one_breaking_change_not_a_removal_an_addition_and_a_retyped_variant() {
        let renamed = BASE.replace("SmsParameters", "TextParameters");
        let old = crate::api_diff::parse_spec(BASE, "base").expect("the base spec parses");
        let new =
            crate::api_diff::parse_spec(&renamed, "renamed").expect("the renamed spec parses");
        assert_one(
            &crate::api_diff::changes(&old, &new),
            true,
            "types::SmsParameters",
            "renamed to `TextParameters`",
        );
    }

    #[test]
    fn a_struct_renamed_with_its_inline_enum_is_still_one_rename() {
        let renamed = BASE
            .replace("    Agent:\n", "    AgentView:\n")
            .replace("schemas/Agent\"}", "schemas/AgentView\"}");
        let old = crate::api_diff::parse_spec(BASE, "base").expect("the base spec parses");
        let new =
            crate::api_diff::parse_spec(&renamed, "renamed").expect("the renamed spec parses");
        let changes = crate::api_diff::changes(&old, &new);
        assert!(
            changes
                .iter()
                .any(|c| c.item == "types::Agent" && c.what == "renamed to `AgentView`"),
            "{changes:#?}"
        );
        assert!(
            changes
                .iter()
                .all(|c| !c.what.contains("removed") && !c.what.contains("added")),
            "{changes:#?}"
        );
    }

    #[test]
    fn request_body_and_response_type_changes_are_breaking() {
        assert_one(
            &changes_after(
                "              schema: {$ref: \"#/components/schemas/Agent\"}\n",
                "              schema: {$ref: \"#/components/schemas/AgentInput\"}\n",
            ),
            true,
            "Client::create_agent",
            "response type changed from `Agent` to `AgentInput`",
        );
        assert_one(
            &changes_after(
                "      requestBody:\n        required: true\n",
                "      requestBody:\n        required: false\n",
            ),
            false,
            "Client::create_agent",
            "request body made optional",
        );
    }
}
