//! Second half of the sibling-union rewrite (see [`crate::spec::flatten_sibling_unions`]):
//! every struct field that typify emitted for the marker property becomes
//! `#[serde(flatten)] pub kind: <Union>`.

use syn::visit_mut::VisitMut;

use crate::spec::FLATTEN_MARKER;

/// Replaces `#[serde(rename = "@kind")]` on struct fields with `#[serde(flatten)]`.
pub(crate) fn apply(file: &mut syn::File) {
    Flatten.visit_file_mut(file);
}

struct Flatten;

impl VisitMut for Flatten {
    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        for attr in &mut field.attrs {
            if is_marker_rename(attr) {
                *attr = syn::parse_quote!(#[serde(flatten)]);
            }
        }
        syn::visit_mut::visit_field_mut(self, field);
    }
}

fn is_marker_rename(attr: &syn::Attribute) -> bool {
    if !attr.path().is_ident("serde") {
        return false;
    }
    let mut found = false;
    // A parse error only means this is some other serde attribute.
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("rename") {
            let value: syn::LitStr = meta.value()?.parse()?;
            found |= value.value() == FLATTEN_MARKER;
        } else if meta.input.peek(syn::Token![=]) {
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    });
    found
}
