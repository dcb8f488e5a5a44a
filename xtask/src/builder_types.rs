//! Shared by the passes that widen generated field types ([`crate::optional_lists`],
//! [`crate::nullable_fields`]): finding the `types` and `types::builder` modules, and giving a
//! widened field's builder the same type (its `Result<…>` slot and its setter's bound).

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;
use syn::{Fields, Item, Type, parse_quote};

/// `(struct name, field ident)` pairs whose type a pass widened.
pub(crate) type Widened = BTreeSet<(String, String)>;

/// The items of the inline module `name` among `items`.
pub(crate) fn module<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The ident of a named field, as a string.
pub(crate) fn ident_of(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// In the `builder` module, wraps in `Option` the outermost `outer<…>` type (`Vec` or
/// `Option`) of each widened field's slot and of its setter's `TryInto<…>` bound.
pub(crate) fn widen_builder(builder: &mut [Item], widened: &Widened, outer: &'static str) {
    let mut wrap = WrapInOption(outer);
    for item in builder.iter_mut() {
        match item {
            Item::Struct(item) => {
                let owner = item.ident.to_string();
                if let Fields::Named(fields) = &mut item.fields {
                    for field in &mut fields.named {
                        if widened.contains(&(owner.clone(), ident_of(field))) {
                            wrap.visit_type_mut(&mut field.ty);
                        }
                    }
                }
            }
            Item::Impl(item) if item.trait_.is_none() => {
                let Type::Path(self_ty) = item.self_ty.as_ref() else {
                    continue;
                };
                let Some(owner) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                for impl_item in &mut item.items {
                    if let syn::ImplItem::Fn(method) = impl_item
                        && widened.contains(&(owner.clone(), method.sig.ident.to_string()))
                        && let Some(where_clause) = &mut method.sig.generics.where_clause
                    {
                        wrap.visit_where_clause_mut(where_clause);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Wraps the outermost path type whose last segment is `.0` in `Option`.
struct WrapInOption(&'static str);

impl VisitMut for WrapInOption {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.segments.last().is_some_and(|s| s.ident == self.0)
        {
            let inner = ty.clone();
            *ty = parse_quote!(::std::option::Option<#inner>);
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}
