//! Forward-compatible decoding: every enum generated from a spec keeps a value it does not know.
//!
//! HighLevel adds enum values and action types without notice. typify's enums reject a value
//! they do not list, so one new `actionType` in one agent used to fail a whole page of agents.
//! This pass, run after the others, reshapes each kind of enum typify emits, following
//! aws-sdk-rust:
//!
//! - A **string enum** (unit variants, each `#[serde(rename = "…")]`) gets a last variant
//!   `Unknown(UnknownVariantValue)`. Decoding maps a value it does not list there, keeping the
//!   raw string; encoding and `Display` write it back unchanged; `as_str()` reads any value and
//!   `values()` lists the known ones. `UnknownVariantValue` has a private field and no
//!   constructor, and `FromStr`/`TryFrom<&str>` stay strict, so a request built from a typo
//!   still fails at `send()` instead of becoming `Unknown`. Such an enum is no longer `Copy`.
//! - An **adjacently tagged union** (`#[serde(tag = "…", content = "…")]`, built by the sibling
//!   union rewrite and flattened into its struct) gets a last variant `Unknown(UnknownKind)`
//!   that keeps the unknown tag and its content as `serde_json::Value`. serde's
//!   `#[serde(other)]` cannot keep data, so the union's `Serialize` and `Deserialize` are
//!   written out here: they read and write the two fields as a struct, which is what
//!   `#[serde(flatten)]` hands them (only those two keys; the struct's other fields stay its
//!   own). A known tag whose content does not match its type is still an error.
//! - A **newtype over a number restricted to an enum** (typify's `TryFrom` with
//!   `![…].contains(&value)`) decodes any number and keeps it; `is_known()` says whether it
//!   is one of the listed values. `TryFrom` stays strict for values a caller builds.
//!
//! Unknown fields were already ignored (typify emits `deny_unknown_fields` only when a schema
//! says `additionalProperties: false`, which ours never do); the pass fails if any struct or
//! enum carries it, so a spec edit cannot bring it back silently.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::bail;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Ident, Item, ItemEnum, LitStr, Token, parse_quote};

use crate::builder_types::module;

/// The payload of a string enum's `Unknown` variant.
const UNKNOWN_VALUE: &str = "UnknownVariantValue";
/// The payload of a tagged union's `Unknown` variant.
const UNKNOWN_KIND: &str = "UnknownKind";
/// Private helpers the union impls share.
const HELPERS: &[&str] = &["TaggedWire"];
/// The variant this pass adds.
const UNKNOWN_VARIANT: &str = "Unknown";

/// What the pass makes of one generated enum.
enum Shape {
    /// Unit variants, each with its wire value.
    Strings(Vec<(Ident, String)>),
    /// `tag`/`content` names and, per variant, its ident, wire tag and whether it has content.
    Tagged {
        tag: String,
        content: String,
        variants: Vec<(Ident, String, bool)>,
    },
    /// `#[serde(untagged)]`: alternatives of different shapes, not a list of values.
    Untagged,
}

/// Applies the rewrite to the generated file's `types` module.
pub(crate) fn apply(file: &mut syn::File) -> anyhow::Result<()> {
    let Some(types) = module(&mut file.items, "types") else {
        return Ok(());
    };
    let taken: BTreeSet<String> = types.iter().filter_map(item_name).collect();
    for name in [UNKNOWN_VALUE, UNKNOWN_KIND].iter().chain(HELPERS) {
        if taken.contains(*name) {
            bail!("a generated item is already called `{name}`, which this pass adds");
        }
    }
    // Each enum's new impls go right after it; the shared items go before the submodules.
    let mut after: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut string_enums = BTreeSet::new();
    let mut any_union = false;
    for item in types.iter_mut() {
        match item {
            Item::Enum(item) => {
                refuse_deny_unknown_fields(&item.attrs, &item.ident)?;
                let impls = match shape(item)? {
                    Shape::Strings(values) => {
                        string_enums.insert(item.ident.to_string());
                        string_enum(item, &values)
                    }
                    Shape::Tagged {
                        tag,
                        content,
                        variants,
                    } => {
                        any_union = true;
                        tagged_union(item, &tag, &content, &variants)
                    }
                    Shape::Untagged => continue,
                };
                after.insert(item.ident.to_string(), impls);
            }
            Item::Struct(item) => refuse_deny_unknown_fields(&item.attrs, &item.ident)?,
            _ => {}
        }
    }
    let mut enum_newtypes = Vec::new();
    for item in types.iter_mut() {
        let Item::Impl(item) = item else { continue };
        let Some(self_name) = self_type_name(item) else {
            continue;
        };
        match trait_name(item).as_deref() {
            Some("Display") if string_enums.contains(&self_name) => {
                item.items = vec![parse_quote! {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }];
            }
            Some("TryFrom") if restricts_to_values(item) => enum_newtypes.push(self_name),
            _ => {}
        }
    }
    for item in types.iter_mut() {
        if let Item::Impl(item) = item
            && trait_name(item).as_deref() == Some("Deserialize")
            && let Some(self_name) = self_type_name(item)
            && enum_newtypes.contains(&self_name)
        {
            *item = lenient_newtype_deserialize(item);
        }
    }
    for name in enum_newtypes {
        let ident = Ident::new(&name, proc_macro2::Span::call_site());
        after.entry(name).or_default().push(parse_quote! {
            impl #ident {
                /// Whether the value is one the spec lists. A value the API added later is
                /// decoded and kept as it is (and sent back unchanged); this says which it is.
                pub fn is_known(&self) -> bool {
                    Self::try_from(self.0).is_ok()
                }
            }
        });
    }
    let mut shared = Vec::new();
    if !string_enums.is_empty() {
        shared.extend(unknown_value_items());
    }
    if any_union {
        shared.extend(unknown_kind_items());
    }
    let mut items = Vec::with_capacity(types.len() + shared.len());
    for item in types.drain(..) {
        if matches!(item, Item::Mod(_)) {
            items.append(&mut shared);
        }
        let impls = match &item {
            Item::Enum(e) => after.remove(&e.ident.to_string()),
            Item::Struct(s) => after.remove(&s.ident.to_string()),
            _ => None,
        };
        items.push(item);
        items.extend(impls.into_iter().flatten());
    }
    items.append(&mut shared);
    *types = items;
    Ok(())
}

/// How the pass treats `item`; an enum it cannot classify is an error, so no enum stays
/// strict unnoticed.
fn shape(item: &ItemEnum) -> anyhow::Result<Shape> {
    let name = &item.ident;
    if item.variants.iter().any(|v| v.ident == UNKNOWN_VARIANT) {
        bail!("enum {name} already has a variant `{UNKNOWN_VARIANT}`, the name this pass adds");
    }
    let mut tag = None;
    let mut content = None;
    let mut untagged = false;
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("tag") {
                tag = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("content") {
                content = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("untagged") {
                untagged = true;
            } else if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        })?;
    }
    if untagged {
        return Ok(Shape::Untagged);
    }
    match (tag, content) {
        (None, None) => {
            let mut values = Vec::new();
            for variant in &item.variants {
                if !matches!(variant.fields, Fields::Unit) {
                    bail!(
                        "enum {name}: variant {} carries data but the enum has no tag",
                        variant.ident
                    );
                }
                values.push((variant.ident.clone(), wire_name(variant)?));
            }
            Ok(Shape::Strings(values))
        }
        (Some(tag), Some(content)) => {
            let mut variants = Vec::new();
            for variant in &item.variants {
                let has_content = match &variant.fields {
                    Fields::Unit => false,
                    Fields::Unnamed(fields) if fields.unnamed.len() == 1 => true,
                    _ => bail!(
                        "enum {name}: variant {} is neither a unit nor a newtype",
                        variant.ident
                    ),
                };
                variants.push((variant.ident.clone(), wire_name(variant)?, has_content));
            }
            Ok(Shape::Tagged {
                tag,
                content,
                variants,
            })
        }
        _ => bail!("enum {name}: an internally tagged enum is not a shape this pass knows"),
    }
}

/// The value a variant travels as: its `#[serde(rename = "…")]`, else its ident.
fn wire_name(variant: &syn::Variant) -> anyhow::Result<String> {
    let mut name = variant.ident.to_string();
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                name = meta.value()?.parse::<LitStr>()?.value();
            } else if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        })?;
    }
    Ok(name)
}

fn refuse_deny_unknown_fields(attrs: &[Attribute], name: &Ident) -> anyhow::Result<()> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let mut deny = false;
        attr.parse_nested_meta(|meta| {
            deny |= meta.path.is_ident("deny_unknown_fields");
            if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        })?;
        if deny {
            bail!(
                "{name} denies unknown fields, so a field the API adds later would fail to decode; \
                 drop `additionalProperties: false` from its schema"
            );
        }
    }
    Ok(())
}

/// Rewrites a string enum in place and returns the impls it needs.
fn string_enum(item: &mut ItemEnum, values: &[(Ident, String)]) -> Vec<Item> {
    strip_serde(item, &["Copy", "Deserialize", "Serialize"]);
    // The wire value was only visible in the `rename` just stripped: say it in the docs.
    for (variant, (_, wire)) in item.variants.iter_mut().zip(values) {
        if !variant.attrs.iter().any(|a| a.path().is_ident("doc")) {
            let doc = format!("`{wire}`");
            variant.attrs.push(parse_quote!(#[doc = #doc]));
        }
    }
    // A later client may learn values the API added: matches need a wildcard arm, so that
    // naming a new variant is not a breaking change (as aws-sdk-rust's enums).
    item.attrs.push(parse_quote!(#[non_exhaustive]));
    item.variants.push(parse_quote! {
        /// A value this version of the client does not know: the API added it later. It keeps
        /// the value as received (`as_str()`) and sends it back unchanged; it cannot be built
        /// by hand, so a typo in a request fails instead of reaching the API.
        Unknown(UnknownVariantValue)
    });
    let ident = &item.ident;
    let idents: Vec<&Ident> = values.iter().map(|(i, _)| i).collect();
    let wires: Vec<&String> = values.iter().map(|(_, w)| w).collect();
    vec![
        parse_quote! {
            impl #ident {
                /// The value as it travels in JSON, known or not.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#idents => #wires,)*
                        Self::Unknown(value) => value.as_str(),
                    }
                }
                /// The values this version of the client knows, in the spec's order.
                pub const fn values() -> &'static [&'static str] {
                    &[#(#wires),*]
                }
            }
        },
        parse_quote! {
            impl ::serde::Serialize for #ident {
                fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
                where
                    S: ::serde::Serializer,
                {
                    serializer.serialize_str(self.as_str())
                }
            }
        },
        parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #ident {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    let value =
                        <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(match value.as_str() {
                        #(#wires => Self::#idents,)*
                        _ => Self::Unknown(UnknownVariantValue(value)),
                    })
                }
            }
        },
    ]
}

/// Rewrites an adjacently tagged union in place and returns its hand-written serde impls.
fn tagged_union(
    item: &mut ItemEnum,
    tag: &str,
    content: &str,
    variants: &[(Ident, String, bool)],
) -> Vec<Item> {
    strip_serde(item, &["Deserialize", "Serialize"]);
    item.attrs.push(parse_quote!(#[non_exhaustive]));
    item.variants.push(parse_quote! {
        /// A tag this version of the client does not know: the API added it later. It keeps
        /// the tag (`tag()`) and its content as raw JSON (`content()`), and sends both back
        /// unchanged; it cannot be built by hand.
        Unknown(UnknownKind)
    });
    let ident = &item.ident;
    let name = ident.to_string();
    let tag_doc = format!("The `{tag}` this value travels with, known or not.");
    let patterns: Vec<proc_macro2::TokenStream> = variants
        .iter()
        .map(|(v, _, has_content)| {
            if *has_content {
                parse_quote!(Self::#v(_))
            } else {
                parse_quote!(Self::#v)
            }
        })
        .collect();
    let wires: Vec<&String> = variants.iter().map(|(_, w, _)| w).collect();
    let serialize_arms = variants.iter().map(|(v, _, has_content)| -> syn::Arm {
        if *has_content {
            parse_quote!(Self::#v(content) => Self::WIRE.serialize(serializer, self.tag(), Some(content)),)
        } else {
            parse_quote!(Self::#v => Self::WIRE.serialize::<_, ()>(serializer, self.tag(), None),)
        }
    });
    let decode_arms = variants.iter().map(|(v, w, has_content)| -> syn::Arm {
        if *has_content {
            parse_quote!(#w => Self::#v(Self::WIRE.decode_content::<_, D::Error>(content, #w)?),)
        } else {
            parse_quote!(#w => Self::#v,)
        }
    });
    vec![
        parse_quote! {
            impl #ident {
                /// Its JSON shape: the tag and content fields.
                const WIRE: TaggedWire = TaggedWire {
                    name: #name,
                    fields: &[#tag, #content],
                };
                #[doc = #tag_doc]
                pub fn tag(&self) -> &str {
                    match self {
                        #(#patterns => #wires,)*
                        Self::Unknown(kind) => kind.tag(),
                    }
                }
            }
        },
        parse_quote! {
            impl ::serde::Serialize for #ident {
                fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
                where
                    S: ::serde::Serializer,
                {
                    match self {
                        #(#serialize_arms)*
                        Self::Unknown(kind) => Self::WIRE.serialize(serializer, kind.tag(), kind.content()),
                    }
                }
            }
        },
        parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #ident {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    let (tag, content) = deserializer.deserialize_struct(
                        Self::WIRE.name,
                        Self::WIRE.fields,
                        Self::WIRE,
                    )?;
                    Ok(match tag.as_str() {
                        #(#decode_arms)*
                        _ => Self::Unknown(UnknownKind { tag, content }),
                    })
                }
            }
        },
    ]
}

/// Drops `drop` from the enum's derives and every `#[serde]` attribute from it and its
/// variants (the pass writes the serde impls itself).
fn strip_serde(item: &mut ItemEnum, drop: &[&str]) {
    item.attrs.retain(|a| !a.path().is_ident("serde"));
    for attr in &mut item.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept = paths.into_iter().filter(|p| {
            p.segments
                .last()
                .is_none_or(|s| !drop.iter().any(|d| s.ident == d))
        });
        *attr = parse_quote!(#[derive(#(#kept),*)]);
    }
    for variant in &mut item.variants {
        variant.attrs.retain(|a| !a.path().is_ident("serde"));
    }
}

/// `UnknownVariantValue`: the raw string of an unknown string-enum value.
fn unknown_value_items() -> Vec<Item> {
    vec![
        parse_quote! {
            /// A string-enum value this version of the client does not know, as the API sent
            /// it. Only decoding builds one, so a request never carries a value by accident.
            #[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
            pub struct UnknownVariantValue(::std::string::String);
        },
        parse_quote! {
            impl UnknownVariantValue {
                /// The value as the API sent it.
                pub fn as_str(&self) -> &str {
                    &self.0
                }
            }
        },
        parse_quote! {
            impl ::std::fmt::Display for UnknownVariantValue {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(&self.0)
                }
            }
        },
    ]
}

/// `UnknownKind` and the helpers every tagged union's serde impls share.
fn unknown_kind_items() -> Vec<Item> {
    vec![
        parse_quote! {
            /// A member of a tagged union (such as an action's type and parameters) that this
            /// version of the client does not know: its tag and its content as the API sent
            /// them. Only decoding builds one; encoding sends both back unchanged.
            #[derive(Clone, Debug, PartialEq)]
            pub struct UnknownKind {
                tag: ::std::string::String,
                content: ::std::option::Option<::serde_json::Value>,
            }
        },
        parse_quote! {
            impl UnknownKind {
                /// The tag as the API sent it.
                pub fn tag(&self) -> &str {
                    &self.tag
                }
                /// The content as the API sent it; `None` when the field was absent.
                pub fn content(&self) -> ::std::option::Option<&::serde_json::Value> {
                    self.content.as_ref()
                }
            }
        },
        parse_quote! {
            /// The JSON shape of a tagged union: its name and its tag and content fields. It
            /// reads them as a struct, ignoring every other key, which is also what
            /// `#[serde(flatten)]` hands it.
            #[derive(Clone, Copy)]
            struct TaggedWire {
                name: &'static str,
                fields: &'static [&'static str; 2],
            }
        },
        parse_quote! {
            impl TaggedWire {
                /// Writes the tag and, when there is one, the content.
                fn serialize<S, C>(
                    self,
                    serializer: S,
                    tag: &str,
                    content: ::std::option::Option<&C>,
                ) -> ::std::result::Result<S::Ok, S::Error>
                where
                    S: ::serde::Serializer,
                    C: ::serde::Serialize + ?Sized,
                {
                    use ::serde::ser::SerializeStruct as _;
                    let len = 1 + usize::from(content.is_some());
                    let mut out = serializer.serialize_struct(self.name, len)?;
                    out.serialize_field(self.fields[0], tag)?;
                    if let Some(content) = content {
                        out.serialize_field(self.fields[1], content)?;
                    }
                    out.end()
                }
                /// Decodes the content of a known tag into its type.
                fn decode_content<T, E>(
                    self,
                    content: ::std::option::Option<::serde_json::Value>,
                    tag: &str,
                ) -> ::std::result::Result<T, E>
                where
                    T: ::serde::de::DeserializeOwned,
                    E: ::serde::de::Error,
                {
                    let field = self.fields[1];
                    let content = content.ok_or_else(|| E::missing_field(field))?;
                    ::serde_json::from_value(content)
                        .map_err(|e| E::custom(format_args!("`{field}` of `{tag}`: {e}")))
                }
            }
        },
        parse_quote! {
            impl<'de> ::serde::de::Visitor<'de> for TaggedWire {
                type Value = (
                    ::std::string::String,
                    ::std::option::Option<::serde_json::Value>,
                );
                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    write!(f, "an object with `{}` and `{}`", self.fields[0], self.fields[1])
                }
                fn visit_map<A>(self, mut map: A) -> ::std::result::Result<Self::Value, A::Error>
                where
                    A: ::serde::de::MapAccess<'de>,
                {
                    use ::serde::de::Error as _;
                    let [tag_field, content_field] = *self.fields;
                    let mut tag = None;
                    let mut content = None;
                    while let Some(key) = map.next_key::<::std::borrow::Cow<'de, str>>()? {
                        if key == tag_field {
                            if tag.is_some() {
                                return Err(A::Error::duplicate_field(tag_field));
                            }
                            tag = Some(map.next_value::<::std::string::String>()?);
                        } else if key == content_field {
                            if content.is_some() {
                                return Err(A::Error::duplicate_field(content_field));
                            }
                            content = Some(map.next_value::<::serde_json::Value>()?);
                        } else {
                            map.next_value::<::serde::de::IgnoredAny>()?;
                        }
                    }
                    let tag = tag.ok_or_else(|| A::Error::missing_field(tag_field))?;
                    Ok((tag, content))
                }
            }
        },
    ]
}

/// typify's `TryFrom<number>` of a newtype restricted to listed values:
/// `if ![…].contains(&value) { Err(…) } else { Ok(Self(value)) }`.
fn restricts_to_values(item: &syn::ItemImpl) -> bool {
    item.items.iter().any(|member| {
        let syn::ImplItem::Fn(method) = member else {
            return false;
        };
        method.block.stmts.iter().any(|stmt| {
            let syn::Stmt::Expr(syn::Expr::If(expr_if), _) = stmt else {
                return false;
            };
            let syn::Expr::Unary(unary) = expr_if.cond.as_ref() else {
                return false;
            };
            let syn::Expr::MethodCall(call) = unary.expr.as_ref() else {
                return false;
            };
            matches!(unary.op, syn::UnOp::Not(_))
                && call.method == "contains"
                && matches!(call.receiver.as_ref(), syn::Expr::Array(_))
        })
    })
}

/// The `Deserialize` of an enum newtype, accepting any value of its inner type.
fn lenient_newtype_deserialize(item: &syn::ItemImpl) -> syn::ItemImpl {
    let self_ty = &item.self_ty;
    parse_quote! {
        impl<'de> ::serde::Deserialize<'de> for #self_ty {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                ::serde::Deserialize::deserialize(deserializer).map(Self)
            }
        }
    }
}

fn item_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(i) => Some(i.ident.to_string()),
        Item::Enum(i) => Some(i.ident.to_string()),
        Item::Fn(i) => Some(i.sig.ident.to_string()),
        Item::Type(i) => Some(i.ident.to_string()),
        Item::Const(i) => Some(i.ident.to_string()),
        Item::Mod(i) => Some(i.ident.to_string()),
        _ => None,
    }
}

fn self_type_name(item: &syn::ItemImpl) -> Option<String> {
    match item.self_ty.as_ref() {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn trait_name(item: &syn::ItemImpl) -> Option<String> {
    let (_, path, _) = item.trait_.as_ref()?;
    path.segments.last().map(|s| s.ident.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(types: proc_macro2::TokenStream) -> anyhow::Result<String> {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #types
                pub mod builder {}
            }
        };
        apply(&mut file)?;
        Ok(prettyplease::unparse(&file))
    }

    /// Whether `needle` occurs in `out`, ignoring whitespace (prettyplease wraps long lines).
    fn has(out: &str, needle: &str) -> bool {
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        squash(out).contains(&squash(needle))
    }

    #[test]
    fn a_string_enum_gains_an_unknown_variant_and_loses_copy() {
        let out = rewritten(quote_enum()).expect("the enum is rewritten");
        assert!(has(&out, "Unknown(UnknownVariantValue)"), "{out}");
        assert!(has(&out, "#[non_exhaustive] pub enum"), "{out}");
        assert!(has(&out, "///`ascend`\n Ascend,"), "{out}");
        assert!(!has(&out, "Copy"), "{out}");
        assert!(
            has(&out, "_ => Self::Unknown(UnknownVariantValue(value))"),
            "{out}"
        );
        assert!(has(&out, "f.write_str(self.as_str())"), "{out}");
        // FromStr keeps refusing what it does not know.
        assert!(has(&out, "_ => Err(\"invalid value\".into())"), "{out}");
        assert!(!has(&out, "#[serde("), "{out}");
        assert!(has(
            &out,
            "pub struct UnknownVariantValue(::std::string::String);"
        ));
    }

    fn quote_enum() -> proc_macro2::TokenStream {
        parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
            pub enum Sort {
                #[serde(rename = "ascend")]
                Ascend,
                #[serde(rename = "descend")]
                Descend,
            }
            impl ::std::fmt::Display for Sort {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self {
                        Self::Ascend => f.write_str("ascend"),
                        Self::Descend => f.write_str("descend"),
                    }
                }
            }
            impl ::std::str::FromStr for Sort {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    match value {
                        "ascend" => Ok(Self::Ascend),
                        "descend" => Ok(Self::Descend),
                        _ => Err("invalid value".into()),
                    }
                }
            }
        }
    }

    #[test]
    fn a_tagged_union_keeps_an_unknown_tag_with_its_content() {
        let out = rewritten(parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
            #[serde(tag = "type", content = "details")]
            pub enum ActionKind {
                #[serde(rename = "stopBot")]
                StopBot(StopBotDetails),
                #[serde(rename = "noContent")]
                Bare,
            }
        })
        .expect("the union is rewritten");
        assert!(has(&out, "Unknown(UnknownKind)"), "{out}");
        assert!(
            has(&out, "_ => Self::Unknown(UnknownKind { tag, content })"),
            "{out}"
        );
        assert!(
            has(
                &out,
                "Self::StopBot(Self::WIRE.decode_content::<_, D::Error>(content, \"stopBot\")?"
            ),
            "{out}"
        );
        assert!(has(&out, "\"noContent\" => Self::Bare,"), "{out}");
        assert!(has(&out, "fields: &[\"type\", \"details\"]"), "{out}");
        assert!(!has(&out, "#[serde(tag"), "{out}");
        assert!(!has(&out, "#[serde(rename"), "{out}");
        assert!(
            !has(&out, "UnknownVariantValue"),
            "no string enum, no helper: {out}"
        );
    }

    #[test]
    fn a_number_enum_newtype_decodes_any_number_but_converts_strictly() {
        let out = rewritten(parse_quote! {
            #[derive(::serde::Serialize, Clone, Debug, PartialEq)]
            #[serde(transparent)]
            pub struct Day(i32);
            impl ::std::convert::TryFrom<i32> for Day {
                type Error = self::error::ConversionError;
                fn try_from(value: i32) -> ::std::result::Result<Self, self::error::ConversionError> {
                    if ![1_i32, 2_i32].contains(&value) {
                        Err("invalid value".into())
                    } else {
                        Ok(Self(value))
                    }
                }
            }
            impl<'de> ::serde::Deserialize<'de> for Day {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    Self::try_from(<i32>::deserialize(deserializer)?)
                        .map_err(|e| <D::Error as ::serde::de::Error>::custom(e.to_string()))
                }
            }
        })
        .expect("the newtype is rewritten");
        assert!(
            has(
                &out,
                "::serde::Deserialize::deserialize(deserializer).map(Self)"
            ),
            "{out}"
        );
        assert!(has(&out, "pub fn is_known(&self) -> bool"), "{out}");
        assert!(has(&out, "if ![1_i32, 2_i32].contains(&value)"), "{out}");
    }

    #[test]
    fn a_struct_that_denies_unknown_fields_fails_the_pass_naming_it() {
        let err = rewritten(parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            #[serde(deny_unknown_fields)]
            pub struct Strict { pub a: i32 }
        })
        .expect_err("deny_unknown_fields is refused");
        assert!(
            err.to_string().contains("Strict denies unknown fields"),
            "{err}"
        );
    }

    #[test]
    fn an_enum_value_already_called_unknown_fails_the_pass() {
        let err = rewritten(parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy)]
            pub enum Status {
                #[serde(rename = "UNKNOWN")]
                Unknown,
            }
        })
        .expect_err("the name is taken");
        assert!(err.to_string().contains("enum Status"), "{err}");
    }
}
