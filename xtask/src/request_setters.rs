//! Request builders (`builder::*`, one per operation) in the style of aws-sdk-rust: a setter
//! for every body field beside the parameter setters, plain values, and errors that name the
//! spec's parameter.
//!
//! - Each body field gets a setter on the operation's builder that delegates to the body's
//!   struct builder (`client.create_agent().location_id(loc).agent_name("Front Desk")`);
//!   `body` and `body_map` stay. A body field whose name is already taken by a parameter or a
//!   builder method keeps only its `body_map` route.
//! - Parameter setters report a conversion failure with the value's own message and the
//!   parameter's spec name, check the spec's integer bounds, and a missing required parameter
//!   says `` `locationId` is required ``.
//!
//! Run after [`crate::setters`], whose rewritten struct-builder setters it copies.

use std::collections::{BTreeMap, BTreeSet};

use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Fields, ImplItem, Item, Type, parse_quote};

use crate::builder_types::{ident_of, module};
use crate::facts::Facts;
use crate::setters::{bounds_check, generic_arg};

/// Applies the rewrite to the `builder` module of `file`.
pub(crate) fn apply(file: &mut syn::File, facts: &Facts) -> anyhow::Result<()> {
    let body_setters = body_setters(file);
    let Some(builders) = module(&mut file.items, "builder") else {
        anyhow::bail!("the generated code has no `builder` module");
    };
    let mut fields: BTreeMap<String, BTreeMap<String, Type>> = BTreeMap::new();
    for item in builders.iter() {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(named) = &s.fields else {
            continue;
        };
        let slots = named
            .named
            .iter()
            .filter_map(|f| Some((ident_of(f), generic_arg(&f.ty, "Result", 0)?)))
            .collect();
        fields.insert(s.ident.to_string(), slots);
    }
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let Type::Path(self_ty) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(owner) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let Some(slots) = fields.get(&owner) else {
            continue;
        };
        let operation = operation_id(block).unwrap_or_default();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for impl_item in &mut block.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            let ident = method.sig.ident.to_string();
            taken.insert(ident.clone());
            if ident == "new" {
                reword_missing(method, facts);
                continue;
            }
            if ident == "body" || ident == "body_map" {
                continue;
            }
            let Some(slot) = slots.get(&ident) else {
                continue;
            };
            let name = facts.parameter_name(&ident);
            let bounds = facts
                .parameter_bounds
                .get(&(operation.clone(), ident.clone()))
                .copied();
            *method = parameter_setter(&ident, &name, slot, bounds);
        }
        let Some(body) = slots
            .get("body")
            .and_then(type_ident)
            .and_then(|body| body_setters.get(&body))
        else {
            continue;
        };
        for setter in body {
            let ident = setter.sig.ident.to_string();
            if taken.contains(&ident) || ident == "send" || ident == "send_raw" {
                continue;
            }
            block.items.push(ImplItem::Fn(delegate(setter)));
        }
    }
    Ok(())
}

/// Struct builder name → its setters (from `types::builder`), with `super::` paths rewritten
/// to `types::` as the `builder` module sees them.
fn body_setters(file: &mut syn::File) -> BTreeMap<String, Vec<syn::ImplItemFn>> {
    let mut out: BTreeMap<String, Vec<syn::ImplItemFn>> = BTreeMap::new();
    let Some(types) = module(&mut file.items, "types") else {
        return out;
    };
    let Some(builder) = module(types, "builder") else {
        return out;
    };
    for item in builder.iter() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let Some(owner) = type_ident(&block.self_ty) else {
            continue;
        };
        for impl_item in &block.items {
            if let ImplItem::Fn(method) = impl_item
                && matches!(method.vis, syn::Visibility::Public(_))
            {
                let mut method = method.clone();
                SuperToTypes.visit_impl_item_fn_mut(&mut method);
                out.entry(owner.clone()).or_default().push(method);
            }
        }
    }
    out
}

/// `super::X` → `types::X`.
struct SuperToTypes;

impl VisitMut for SuperToTypes {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.leading_colon.is_none()
            && path.segments.len() > 1
            && path.segments.first().is_some_and(|s| s.ident == "super")
            && let Some(first) = path.segments.first_mut()
        {
            first.ident = format_ident!("types");
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

fn type_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The operation progenitor names in the block's `OperationInfo`.
fn operation_id(block: &syn::ItemImpl) -> Option<String> {
    let text = quote!(#block).to_string();
    let at = text.find("operation_id : \"")? + "operation_id : \"".len();
    let rest = &text[at..];
    rest.find('"').map(|end| rest[..end].to_owned())
}

/// A setter on the operation's builder that sets the same field of its body.
fn delegate(setter: &syn::ImplItemFn) -> syn::ImplItemFn {
    let mut method = setter.clone();
    let ident = &method.sig.ident;
    let call = if method.sig.inputs.len() > 1 {
        quote!(body.#ident(value))
    } else {
        quote!(body.#ident())
    };
    if let Some(syn::FnArg::Receiver(receiver)) = method.sig.inputs.first_mut() {
        receiver.mutability = None;
    }
    method.block = parse_quote!({
        self.body_map(|body| #call)
    });
    method
}

/// `Err("x was not initialized")` in `new()` → ``Err("`x` is required")``.
fn reword_missing(method: &mut syn::ImplItemFn, facts: &Facts) {
    struct Reword<'a>(&'a Facts);
    impl VisitMut for Reword<'_> {
        fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
            if let Some(ident) = lit.value().strip_suffix(" was not initialized") {
                let message = format!("`{}` is required", self.0.parameter_name(ident));
                *lit = syn::LitStr::new(&message, lit.span());
            }
        }
    }
    Reword(facts).visit_impl_item_fn_mut(method);
}

/// The setter of parameter `ident` (spec name `name`) whose slot holds `slot`.
fn parameter_setter(
    ident: &str,
    name: &str,
    slot: &Type,
    bounds: Option<crate::facts::Bounds>,
) -> syn::ImplItemFn {
    let ident = format_ident!("{ident}");
    let (target, wrap) = match generic_arg(slot, "Option", 0) {
        Some(inner) => (inner, quote!(.map(Some))),
        None => (slot.clone(), quote!()),
    };
    let check = bounds_check(name, bounds);
    let invalid = format!("invalid `{name}`: {{e}}");
    let doc = format!("Sets the `{name}` parameter.");
    parse_quote! {
        #[doc = #doc]
        pub fn #ident<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<#target>,
            V::Error: std::fmt::Display,
        {
            self.#ident = value
                .try_into()
                .map_err(|e| format!(#invalid))
                #check
                #wrap;
            self
        }
    }
}
