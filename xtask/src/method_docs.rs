//! Operation docs without examples that cannot run.
//!
//! progenitor ends each client method's doc with an ```` ```ignore ```` sketch of the call
//! whose variables are undefined, so it can never be compiled. Every example of the client
//! crates runs against the mock (the READMEs and the stream methods carry them); this pass
//! replaces each sketch with a sentence that points to the request builder.

use syn::{ImplItem, Item, Type};

/// Rewrites the docs of the methods of `impl Client`.
pub(crate) fn apply(file: &mut syn::File) {
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        let is_client = block.trait_.is_none()
            && matches!(block.self_ty.as_ref(), Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for impl_item in &mut block.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            let builder = method.sig.ident.to_string();
            for attr in &mut method.attrs {
                let syn::Meta::NameValue(doc) = &mut attr.meta else {
                    continue;
                };
                if !doc.path.is_ident("doc") {
                    continue;
                }
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) = &doc.value
                else {
                    continue;
                };
                let value = text.value();
                let Some(start) = value.find("```ignore") else {
                    continue;
                };
                let note = format!(
                    "Set the parameters and body fields on the returned builder, then call its \
                     `send()`: `client.{builder}()…send().await?`."
                );
                let rewritten = format!("{}{note}", &value[..start]);
                doc.value = syn::parse_quote!(#rewritten);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ignored_sketch_becomes_a_pointer_to_the_builder() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                #[doc = "Get an agent\n\n```ignore\nlet response = client.get_agent()\n    .send()\n    .await;\n```"]
                pub fn get_agent(&self) -> builder::GetAgent<'_> { builder::GetAgent::new(self) }
            }
        };
        super::apply(&mut file);
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("```ignore"), "{text}");
        assert!(text.contains("Get an agent"), "{text}");
        assert!(text.contains("client.get_agent()…send().await?"), "{text}");
    }
}
