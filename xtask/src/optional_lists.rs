//! Optional lists as `Option<Vec<T>>`.
//!
//! typify generates a non-required array as `Vec<T>` that is skipped when empty, so `[]` and
//! "absent" become the same value. For these APIs they are not: `patchAgent` with
//! `"agentWorkingHours": []` clears the working hours, while leaving the field out keeps them,
//! and a response that carries `[]` should read back as `[]`. This pass rewrites every such
//! field (and its struct builder) to `Option<Vec<T>>`, skipped only when `None`.

use syn::{Field, Fields, Item, ItemStruct, parse_quote};

use crate::builder_types::{Widened, ident_of, module, widen_builder};

const VEC_IS_EMPTY: &str = "::std::vec::Vec::is_empty";

/// Applies the rewrite to the generated file's `types` module and its `builder` submodule.
pub(crate) fn apply(file: &mut syn::File) {
    let Some(types) = module(&mut file.items, "types") else {
        return;
    };
    let mut changed = Widened::new();
    for item in types.iter_mut() {
        if let Item::Struct(item) = item {
            rewrite_struct(item, &mut changed);
        }
    }
    if let Some(builder) = module(types, "builder") {
        widen_builder(builder, &changed, "Vec");
    }
}

/// `Vec<T>` skipped when empty → `Option<Vec<T>>` skipped when `None`.
fn rewrite_struct(item: &mut ItemStruct, changed: &mut Widened) {
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
        changed.insert((item.ident.to_string(), ident_of(field)));
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
