//! Optional, nullable fields as `Option<Option<T>>`.
//!
//! typify maps a non-required `nullable: true` property to one `Option<T>`, so a client can
//! never send an explicit `null` — yet Conversation AI documents `null` as meaningful (a `null`
//! `sleepTime` means "sleep indefinitely"). For every such property of a named schema, this
//! pass makes the field `Option<Option<T>>` (absent / `null` / value) with
//! `highlevel_client_core::nullable` as its serde glue, and widens its builder to match.

use std::collections::BTreeSet;

use serde_json::Value;
use syn::{Fields, Item, ItemStruct, parse_quote};

use crate::builder_types::{Widened, ident_of, module, widen_builder};

/// `(schema name, JSON property name)` of every optional nullable property in `doc`,
/// looking through one level of `allOf`.
pub(crate) fn collect(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (name, schema) in schemas {
        let members = std::iter::once(schema).chain(
            schema
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        let required: BTreeSet<&str> = members
            .clone()
            .filter_map(|m| m.get("required").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for member in members {
            let Some(props) = member.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (prop, prop_schema) in props {
                let nullable = prop_schema.get("nullable") == Some(&Value::Bool(true));
                if nullable && !required.contains(prop.as_str()) {
                    out.insert((name.clone(), prop.clone()));
                }
            }
        }
    }
    out
}

/// Rewrites the fields `collect` found in the `types` module and its `builder` submodule.
pub(crate) fn apply(file: &mut syn::File, nullable: &BTreeSet<(String, String)>) {
    let Some(types) = module(&mut file.items, "types") else {
        return;
    };
    let mut changed = Widened::new();
    for item in types.iter_mut() {
        if let Item::Struct(item) = item {
            rewrite_struct(item, nullable, &mut changed);
        }
    }
    if let Some(builder) = module(types, "builder") {
        widen_builder(builder, &changed, "Option");
    }
}

/// The JSON name of a field: its `#[serde(rename = "…")]`, else its ident.
fn json_name(field: &syn::Field) -> String {
    let mut name = ident_of(field);
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                name = value.value();
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    name
}

fn rewrite_struct(
    item: &mut ItemStruct,
    nullable: &BTreeSet<(String, String)>,
    changed: &mut Widened,
) {
    let owner = item.ident.to_string();
    let Fields::Named(fields) = &mut item.fields else {
        return;
    };
    for field in &mut fields.named {
        if !nullable.contains(&(owner.clone(), json_name(field))) {
            continue;
        }
        let ty = &field.ty;
        field.ty = parse_quote!(::std::option::Option<#ty>);
        let rename = field
            .attrs
            .iter()
            .any(|a| a.path().is_ident("serde") && json_name_attr(a));
        let json = json_name(field);
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        if rename {
            field.attrs.push(parse_quote!(#[serde(rename = #json)]));
        }
        field.attrs.push(parse_quote!(#[serde(
            default,
            skip_serializing_if = "::std::option::Option::is_none",
            with = "::highlevel_client_core::nullable"
        )]));
        changed.insert((owner.clone(), ident_of(field)));
    }
}

fn json_name_attr(attr: &syn::Attribute) -> bool {
    let mut found = false;
    let _ = attr.parse_nested_meta(|meta| {
        found |= meta.path.is_ident("rename");
        if meta.input.peek(syn::Token![=]) {
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    });
    found
}
