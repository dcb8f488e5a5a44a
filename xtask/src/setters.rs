//! Struct builders (`types::builder::*`) that take plain values and report problems by the
//! spec's field names.
//!
//! typify's setter of an optional field takes `TryInto<Option<T>>`, so `.name("renamed")` does
//! not compile and callers write `Some(…)`. This pass rewrites every setter:
//!
//! - an optional field's setter takes `TryInto<T>` and stores `Some(value)`; an optional
//!   nullable field's takes `TryInto<T>` and stores `Some(Some(value))`, and a second setter,
//!   `<field>_null()`, stores `Some(None)` so the request sends `null`;
//! - an integer the spec bounds (`minimum`, `maximum`) is checked;
//! - every error names the field as the spec does (`agentName`), and a missing required field
//!   says so; a required field whose schema allows one value is preset to it.
//!
//! Errors are kept in the builder and surface when it is converted, so a request that breaks
//! the spec fails at `send()` and nothing is sent. It also gives each tagged union with a
//! `From<Variant>` a `TryFrom<builder::Variant>`, so `.kind(SmsParameters::builder()…)` works.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Fields, GenericArgument, ImplItem, Item, PathArguments, Type, parse_quote};

use crate::builder_types::{ident_of, module};
use crate::facts::{Bounds, Facts};

/// Applies the rewrite to the `types` module of `file`.
pub(crate) fn apply(file: &mut syn::File, facts: &Facts) -> anyhow::Result<()> {
    let Some(types) = module(&mut file.items, "types") else {
        anyhow::bail!("the generated code has no `types` module");
    };
    let json_names = json_names(types);
    let single = single_valued_enums(types);
    let union_froms = union_froms(types);
    let Some(builder) = module(types, "builder") else {
        anyhow::bail!("the generated code has no `types::builder` module");
    };
    let builders: Vec<String> = builder
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    let slots = slot_types(builder);
    for item in builder.iter_mut() {
        let Item::Impl(block) = item else { continue };
        let Some(owner) = self_ident(&block.self_ty) else {
            continue;
        };
        let names = json_names.get(&owner).cloned().unwrap_or_default();
        let json = |field: &str| {
            names
                .get(field)
                .cloned()
                .unwrap_or_else(|| field.to_owned())
        };
        match &block.trait_ {
            Some((_, path, _)) if path.segments.last().is_some_and(|s| s.ident == "Default") => {
                preset_defaults(block, &slots, &owner, &single, &json);
            }
            Some(_) => {}
            None => {
                let mut extra = Vec::new();
                for impl_item in &mut block.items {
                    let ImplItem::Fn(method) = impl_item else {
                        continue;
                    };
                    let field = method.sig.ident.to_string();
                    let Some(target) = setter_target(method) else {
                        continue;
                    };
                    let name = json(&field);
                    let bounds = facts
                        .property_bounds
                        .get(&(owner.clone(), name.clone()))
                        .copied();
                    let (rewritten, null) = setter(&field, &name, &target, bounds);
                    *method = rewritten;
                    extra.extend(null);
                }
                block.items.extend(extra);
            }
        }
    }
    for (union, variant) in union_froms {
        if builders.contains(&variant) {
            let union_ident = format_ident!("{union}");
            let variant_ident = format_ident!("{variant}");
            types.push(parse_quote! {
                impl ::std::convert::TryFrom<builder::#variant_ident> for #union_ident {
                    type Error = error::ConversionError;
                    fn try_from(
                        value: builder::#variant_ident,
                    ) -> ::std::result::Result<Self, error::ConversionError> {
                        ::std::result::Result::Ok(#variant_ident::try_from(value)?.into())
                    }
                }
            });
        }
    }
    Ok(())
}

/// `struct name` → (field ident → JSON name) for every struct of `types`.
fn json_names(types: &[Item]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in types {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        let names = fields
            .named
            .iter()
            .map(|f| (ident_of(f), json_name(f)))
            .collect();
        out.insert(s.ident.to_string(), names);
    }
    out
}

/// The JSON name of a field: its `#[serde(rename = "…")]`, else its ident.
pub(crate) fn json_name(field: &syn::Field) -> String {
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

/// Enums of `types` with exactly one unit variant: name → variant.
fn single_valued_enums(types: &[Item]) -> BTreeMap<String, syn::Ident> {
    types
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) if e.variants.len() == 1 => {
                let variant = e.variants.first()?;
                matches!(variant.fields, Fields::Unit)
                    .then(|| (e.ident.to_string(), variant.ident.clone()))
            }
            _ => None,
        })
        .collect()
}

/// `(enum, variant type)` of every `impl From<Variant> for Enum` in `types`.
fn union_froms(types: &[Item]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in types {
        let Item::Impl(block) = item else { continue };
        let Some((_, path, _)) = &block.trait_ else {
            continue;
        };
        let Some(last) = path.segments.last() else {
            continue;
        };
        if last.ident != "From" {
            continue;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            continue;
        };
        let Some(GenericArgument::Type(Type::Path(from))) = args.args.first() else {
            continue;
        };
        if from.path.segments.len() != 1 {
            continue;
        }
        let (Some(union), Some(variant)) = (self_ident(&block.self_ty), from.path.get_ident())
        else {
            continue;
        };
        let union_is_enum = types
            .iter()
            .any(|i| matches!(i, Item::Enum(e) if e.ident == union));
        if union_is_enum {
            out.push((union, variant.to_string()));
        }
    }
    out
}

fn self_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `(builder struct, field)` → the `T` of its `Result<T, String>` slot.
fn slot_types(builder: &[Item]) -> BTreeMap<(String, String), Type> {
    let mut out = BTreeMap::new();
    for item in builder {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        for field in &fields.named {
            if let Some(ty) = generic_arg(&field.ty, "Result", 0) {
                out.insert((s.ident.to_string(), ident_of(field)), ty);
            }
        }
    }
    out
}

/// The `index`th type argument of `ty` when its last segment is `outer`.
pub(crate) fn generic_arg(ty: &Type, outer: &str, index: usize) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().nth(index)? {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
}

/// In `Default::default`, presets single-valued required fields and words the "missing"
/// error with the spec's name.
fn preset_defaults(
    block: &mut syn::ItemImpl,
    slots: &BTreeMap<(String, String), Type>,
    owner: &str,
    single: &BTreeMap<String, syn::Ident>,
    json: &dyn Fn(&str) -> String,
) {
    for impl_item in &mut block.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = method.block.stmts.last_mut()
        else {
            continue;
        };
        for field in &mut init.fields {
            let syn::Member::Named(ident) = &field.member else {
                continue;
            };
            let ident = ident.to_string();
            let is_missing = matches!(&field.expr, syn::Expr::Call(call)
                if matches!(call.func.as_ref(), syn::Expr::Path(p) if p.path.is_ident("Err")));
            if !is_missing {
                continue;
            }
            let only = slots
                .get(&(owner.to_owned(), ident.clone()))
                .and_then(self_ident)
                .and_then(|ty| single.get(&ty).map(|v| (format_ident!("{ty}"), v.clone())));
            field.expr = match only {
                Some((ty, variant)) => parse_quote!(Ok(super::#ty::#variant)),
                None => {
                    let message = format!("`{}` is required", json(&ident));
                    parse_quote!(Err(#message.to_string()))
                }
            };
        }
    }
}

/// The `X` of a setter's `T: TryInto<X>` bound, when `method` is a typify setter.
fn setter_target(method: &syn::ImplItemFn) -> Option<Type> {
    let where_clause = method.sig.generics.where_clause.as_ref()?;
    where_clause.predicates.iter().find_map(|p| match p {
        syn::WherePredicate::Type(t) => t.bounds.iter().find_map(|b| match b {
            syn::TypeParamBound::Trait(tb) => {
                let last = tb.path.segments.last()?;
                if last.ident != "TryInto" {
                    return None;
                }
                match &last.arguments {
                    PathArguments::AngleBracketed(args) => match args.args.first()? {
                        GenericArgument::Type(ty) => Some(ty.clone()),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }),
        _ => None,
    })
}

/// The `.and_then(…)` that checks an integer against the spec's bounds (nothing when the
/// type already implies them).
pub(crate) fn bounds_check(name: &str, bounds: Option<Bounds>) -> TokenStream {
    let Some(bounds) = bounds else {
        return quote!();
    };
    let mut checks = TokenStream::new();
    if let Some(min) = bounds.min.filter(|m| *m > 0) {
        let min_lit = syn::LitInt::new(&min.to_string(), proc_macro2::Span::call_site());
        let message = format!("`{name}` must be at least {min}, not {{v}}");
        checks.extend(quote! {
            if v < #min_lit {
                return ::std::result::Result::Err(format!(#message));
            }
        });
    }
    if let Some(max) = bounds.max {
        let max_lit = syn::LitInt::new(&max.to_string(), proc_macro2::Span::call_site());
        let message = format!("`{name}` must be at most {max}, not {{v}}");
        checks.extend(quote! {
            if v > #max_lit {
                return ::std::result::Result::Err(format!(#message));
            }
        });
    }
    if checks.is_empty() {
        return quote!();
    }
    quote! {
        .and_then(|v| {
            #checks
            ::std::result::Result::Ok(v)
        })
    }
}

/// A setter of `field` (spec name `name`) whose original bound was `TryInto<target>`, and the
/// `<field>_null()` setter when the field is optional and nullable.
fn setter(
    field: &str,
    name: &str,
    target: &Type,
    bounds: Option<Bounds>,
) -> (syn::ImplItemFn, Option<ImplItem>) {
    let ident = format_ident!("{field}");
    let (inner, wrap, nullable) = match generic_arg(target, "Option", 0) {
        Some(inner) => match generic_arg(&inner, "Option", 0) {
            Some(innermost) => (innermost, quote!(.map(|v| Some(Some(v)))), true),
            None => (inner, quote!(.map(Some)), false),
        },
        None => (target.clone(), quote!(), false),
    };
    let check = bounds_check(name, bounds);
    let invalid = format!("invalid `{name}`: {{e}}");
    let doc = if nullable {
        format!(
            "Sets `{name}`; [`{field}_null`](Self::{field}_null) sends `null` instead. Left \
             out of the request when not set."
        )
    } else if wrap.is_empty() {
        format!("Sets `{name}`.")
    } else {
        format!("Sets `{name}`; left out of the request when not set.")
    };
    let method = parse_quote! {
        #[doc = #doc]
        pub fn #ident<T>(mut self, value: T) -> Self
        where
            T: ::std::convert::TryInto<#inner>,
            T::Error: ::std::fmt::Display,
        {
            self.#ident = value
                .try_into()
                .map_err(|e| format!(#invalid))
                #check
                #wrap;
            self
        }
    };
    let null = nullable.then(|| {
        let null_ident = format_ident!("{field}_null");
        let doc = format!("Sends `\"{name}\": null`.");
        ImplItem::Fn(parse_quote! {
            #[doc = #doc]
            pub fn #null_ident(mut self) -> Self {
                self.#ident = Ok(Some(None));
                self
            }
        })
    });
    (method, null)
}
