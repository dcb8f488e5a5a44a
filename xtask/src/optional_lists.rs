//! Optional lists as `Option<Vec<T>>`.
//!
//! typify generates a non-required array as `Vec<T>` that is skipped when empty, so `[]` and
//! "absent" become the same value. For these APIs they are not: `patchAgent` with
//! `"agentWorkingHours": []` clears the working hours, while leaving the field out keeps them,
//! and a response that carries `[]` should read back as `[]`. This pass rewrites every such
//! field (and its struct builder) to `Option<Vec<T>>`, skipped only when `None`.

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;
use syn::{Field, Fields, Item, ItemImpl, ItemMod, ItemStruct, Type, parse_quote};

const VEC_IS_EMPTY: &str = "::std::vec::Vec::is_empty";

/// Applies the rewrite to the generated file's `types` module and its `builder` submodule.
pub(crate) fn apply(file: &mut syn::File) {
    let Some(types) = find_module(&mut file.items, "types") else {
        return;
    };
    let mut changed = BTreeSet::new();
    for item in types.iter_mut() {
        if let Item::Struct(item) = item {
            rewrite_struct(item, &mut changed);
        }
    }
    let Some(builder) = find_module(types, "builder") else {
        return;
    };
    for item in builder.iter_mut() {
        match item {
            Item::Struct(item) => rewrite_builder_struct(item, &changed),
            Item::Impl(item) => rewrite_builder_setters(item, &changed),
            _ => {}
        }
    }
}

fn find_module<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(ItemMod {
            ident,
            content: Some((_, items)),
            ..
        }) if ident == name => Some(items),
        _ => None,
    })
}

/// `Vec<T>` skipped when empty → `Option<Vec<T>>` skipped when `None`.
fn rewrite_struct(item: &mut ItemStruct, changed: &mut BTreeSet<(String, String)>) {
    let Fields::Named(fields) = &mut item.fields else {
        return;
    };
    for field in &mut fields.named {
        if !skips_empty_vec(field) {
            continue;
        }
        let ty = &field.ty;
        field.ty = parse_quote!(::std::option::Option<#ty>);
        for attr in &mut field.attrs {
            if attr.path().is_ident("serde") {
                let rewritten = attr.meta.require_list().map(|list| {
                    list.tokens.to_string().replace(
                        &quoted(VEC_IS_EMPTY),
                        &quoted("::std::option::Option::is_none"),
                    )
                });
                if let Ok(tokens) = rewritten {
                    let tokens: proc_macro2::TokenStream =
                        tokens.parse().expect("re-parsing a serde attribute");
                    *attr = parse_quote!(#[serde(#tokens)]);
                }
            }
        }
        let name = field
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        changed.insert((item.ident.to_string(), name));
    }
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn skips_empty_vec(field: &Field) -> bool {
    field.attrs.iter().any(|attr| {
        attr.path().is_ident("serde")
            && attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string().contains(&quoted(VEC_IS_EMPTY)))
    })
}

/// The builder keeps `Result<Vec<T>, String>` per field: make it `Result<Option<Vec<T>>, String>`.
fn rewrite_builder_struct(item: &mut ItemStruct, changed: &BTreeSet<(String, String)>) {
    let Fields::Named(fields) = &mut item.fields else {
        return;
    };
    let owner = item.ident.to_string();
    for field in &mut fields.named {
        let name = field
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        if changed.contains(&(owner.clone(), name)) {
            WrapVec.visit_type_mut(&mut field.ty);
        }
    }
}

/// Setters take `T: TryInto<Vec<X>>`: make it `T: TryInto<Option<Vec<X>>>` (a `Vec` still
/// converts, through `From<T> for Option<T>`).
fn rewrite_builder_setters(item: &mut ItemImpl, changed: &BTreeSet<(String, String)>) {
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
        if let syn::ImplItem::Fn(method) = impl_item {
            let name = method.sig.ident.to_string();
            if changed.contains(&(owner.clone(), name))
                && let Some(where_clause) = &mut method.sig.generics.where_clause
            {
                WrapVec.visit_where_clause_mut(where_clause);
            }
        }
    }
}

/// Wraps every `::std::vec::Vec<…>` type it meets (not nested ones twice) in `Option`.
struct WrapVec;

impl VisitMut for WrapVec {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.segments.last().is_some_and(|s| s.ident == "Vec")
        {
            let inner = ty.clone();
            *ty = parse_quote!(::std::option::Option<#inner>);
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}
