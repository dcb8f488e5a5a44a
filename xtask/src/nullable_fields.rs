//! Optional, nullable fields as `Option<Option<T>>`.
//!
//! typify maps a non-required `nullable: true` property to one `Option<T>`, so a client can
//! never send an explicit `null` — yet Conversation AI documents `null` as meaningful (a `null`
//! `sleepTime` means "sleep indefinitely"). For every such property of a named schema, this
//! pass makes the field `Option<Option<T>>` (absent / `null` / value) with
//! `highlevel_client_core::nullable` as its serde glue, and widens its builder to match.

use std::collections::BTreeSet;

use serde_json::Value;
use syn::visit_mut::VisitMut;
use syn::{Fields, Item, ItemImpl, ItemStruct, Type, parse_quote};

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
    // (struct, field ident) pairs actually rewritten, for the builder pass.
    let mut changed = BTreeSet::new();
    for item in types.iter_mut() {
        if let Item::Struct(item) = item {
            rewrite_struct(item, nullable, &mut changed);
        }
    }
    let Some(builder) = module(types, "builder") else {
        return;
    };
    for item in builder.iter_mut() {
        match item {
            Item::Struct(item) => {
                let owner = item.ident.to_string();
                if let Fields::Named(fields) = &mut item.fields {
                    for field in &mut fields.named {
                        if changed.contains(&(owner.clone(), ident_of(field))) {
                            WrapOption.visit_type_mut(&mut field.ty);
                        }
                    }
                }
            }
            Item::Impl(item) => rewrite_setters(item, &changed),
            _ => {}
        }
    }
}

fn module<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn ident_of(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
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
    changed: &mut BTreeSet<(String, String)>,
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

fn rewrite_setters(item: &mut ItemImpl, changed: &BTreeSet<(String, String)>) {
    if item.trait_.is_some() {
        return;
    }
    let Type::Path(self_ty) = item.self_ty.as_ref() else {
        return;
    };
    let Some(owner) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
        return;
    };
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(method) = impl_item
            && changed.contains(&(owner.clone(), method.sig.ident.to_string()))
            && let Some(where_clause) = &mut method.sig.generics.where_clause
        {
            WrapOption.visit_where_clause_mut(where_clause);
        }
    }
}

/// Wraps the outermost `Option<…>` type it meets in one more `Option`.
struct WrapOption;

impl VisitMut for WrapOption {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Option")
        {
            let inner = ty.clone();
            *ty = parse_quote!(::std::option::Option<#inner>);
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}
