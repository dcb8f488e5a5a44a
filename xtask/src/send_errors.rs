//! One error type for every operation: each request builder's `send()` returns
//! `Result<ResponseValue<T>, highlevel_client_core::ApiError>`.
//!
//! progenitor's `send()` returns `Result<ResponseValue<T>, progenitor_client::Error<E>>`, whose
//! undeclared statuses (403, 404, 429, 5xx) keep their body unread. This pass renames it to a
//! private `send_raw()` and adds a public `send()` that converts its error with
//! `Runtime::error_for`, which reads that body and names the operation. progenitor's `Error`
//! stops being re-exported, so the crate has one public error type.

use syn::visit_mut::VisitMut;
use syn::{GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type, parse_quote};

use crate::builder_types::module;

/// Wraps every `send` of the generated `builder` module.
pub(crate) fn apply(file: &mut syn::File) -> anyhow::Result<()> {
    hide_progenitor_error(file)?;
    let Some(builders) = module(&mut file.items, "builder") else {
        anyhow::bail!("the generated code has no `builder` module");
    };
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let mut wrappers = Vec::new();
        for impl_item in &mut block.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            if method.sig.ident != "send" {
                continue;
            }
            let operation_id = operation_id_of(&method.block).ok_or_else(|| {
                anyhow::anyhow!("a generated send() names no OperationInfo operation_id")
            })?;
            let ok = success_type(&method.sig.output).ok_or_else(|| {
                anyhow::anyhow!("send() of {operation_id} does not return Result<T, Error<E>>")
            })?;
            let docs: Vec<syn::Attribute> = method
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect();
            method.sig.ident = parse_quote!(send_raw);
            method.vis = syn::Visibility::Inherited;
            method.attrs.retain(|a| !a.path().is_ident("doc"));
            wrappers.push(ImplItem::Fn(parse_quote! {
                #(#docs)*
                ///
                /// Fails with a [`highlevel_client_core::ApiError`] naming this operation: an
                /// error status with the vendor's message, a transport failure, or
                /// [`ErrorKind::InvalidRequest`](highlevel_client_core::ErrorKind::InvalidRequest)
                /// when a parameter is missing or invalid (then nothing is sent).
                pub async fn send(
                    self,
                ) -> ::std::result::Result<#ok, highlevel_client_core::ApiError> {
                    let client = self.client;
                    match self.send_raw().await {
                        ::std::result::Result::Ok(response) => ::std::result::Result::Ok(response),
                        ::std::result::Result::Err(error) => ::std::result::Result::Err(
                            client.inner.error_for(#operation_id, error).await,
                        ),
                    }
                }
            }));
        }
        block.items.extend(wrappers);
    }
    Ok(())
}

/// `pub use progenitor_client::{…, Error, …}` → the same without `Error`, plus a private
/// `use progenitor_client::Error` for the generated code that still names it.
fn hide_progenitor_error(file: &mut syn::File) -> anyhow::Result<()> {
    let at = file.items.iter().position(|item| {
        matches!(item, Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_))
            && quote::quote!(#u).to_string().contains("progenitor_client :: {"))
    });
    let Some(at) = at else {
        anyhow::bail!("the generated code does not re-export progenitor_client's items");
    };
    let Item::Use(public) = &mut file.items[at] else {
        unreachable!("position() matched a use item");
    };
    let syn::UseTree::Path(path) = &mut public.tree else {
        anyhow::bail!("progenitor_client's re-export is not a path");
    };
    let syn::UseTree::Group(group) = path.tree.as_mut() else {
        anyhow::bail!("progenitor_client's re-export is not a group");
    };
    let before = group.items.len();
    group.items = group
        .items
        .iter()
        .filter(|tree| !matches!(tree, syn::UseTree::Name(n) if n.ident == "Error"))
        .cloned()
        .collect();
    anyhow::ensure!(
        group.items.len() + 1 == before,
        "progenitor_client's re-export has no `Error`"
    );
    file.items.insert(
        at + 1,
        parse_quote!(
            use progenitor_client::Error;
        ),
    );
    Ok(())
}

/// The `T` of a `Result<T, _>` return type.
fn success_type(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
}

/// The string of `OperationInfo { operation_id: "…" }` inside `block`.
fn operation_id_of(block: &syn::Block) -> Option<String> {
    struct Find(Option<String>);
    impl VisitMut for Find {
        fn visit_expr_struct_mut(&mut self, node: &mut syn::ExprStruct) {
            if node.path.is_ident("OperationInfo") {
                for field in &node.fields {
                    if let (syn::Member::Named(name), syn::Expr::Lit(lit)) =
                        (&field.member, &field.expr)
                        && name == "operation_id"
                        && let syn::Lit::Str(text) = &lit.lit
                    {
                        self.0 = Some(text.value());
                    }
                }
            }
            syn::visit_mut::visit_expr_struct_mut(self, node);
        }
    }
    let mut find = Find(None);
    find.visit_block_mut(&mut block.clone());
    find.0
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn send_becomes_a_private_send_raw_and_a_public_send_returns_api_error() {
        let mut file: syn::File = syn::parse_quote! {
            pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
            pub mod builder {
                impl<'a> GetAgent<'a> {
                    ///Sends a `GET` request
                    pub async fn send(self) -> Result<ResponseValue<types::Agent>, Error<types::ErrorResponse>> {
                        let info = OperationInfo { operation_id: "get_agent" };
                        send_it(info)
                    }
                }
            }
        };
        super::apply(&mut file).expect("the pass applies");
        let text = quote!(#file).to_string();
        assert!(
            text.contains(
                "pub use progenitor_client :: { ByteStream , ClientInfo , ResponseValue }"
            ),
            "{text}"
        );
        assert!(text.contains("async fn send_raw (self)"), "{text}");
        assert!(!text.contains("pub async fn send_raw"), "{text}");
        assert!(text.contains("pub async fn send (self ,) -> :: std :: result :: Result < ResponseValue < types :: Agent > , highlevel_client_core :: ApiError >"), "{text}");
        assert!(text.contains("error_for (\"get_agent\" , error)"), "{text}");
    }
}
