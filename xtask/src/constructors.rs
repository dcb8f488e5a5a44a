//! Constructors that cannot panic: progenitor's `Client::new(baseurl, inner)` goes.
//!
//! It builds its own `reqwest::Client` with `.build().unwrap()`, which panics when no rustls
//! crypto provider is installed. The client crates construct through `from_token`,
//! `from_env` and `from_config` (see `highlevel_client_core::client_runtime!`), which build the
//! HTTP client with the provider set up and report failures as `ApiError`; `new_with_client`
//! stays for callers who bring their own `reqwest::Client`.

use syn::{ImplItem, Item, Type};

/// Removes `Client::new`; fails when the generated code has no such constructor to remove, so
/// a progenitor upgrade that renames it is noticed.
pub(crate) fn apply(file: &mut syn::File) -> anyhow::Result<()> {
    let mut removed = false;
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        let is_client = block.trait_.is_none()
            && matches!(block.self_ty.as_ref(), Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        block.items.retain(|impl_item| {
            let is_new = matches!(impl_item, ImplItem::Fn(method) if method.sig.ident == "new");
            removed |= is_new;
            !is_new
        });
    }
    anyhow::ensure!(removed, "the generated code has no `Client::new` to remove");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_new_is_removed_and_new_with_client_kept() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                pub fn new(baseurl: &str) -> Self { Self::new_with_client(baseurl, build().unwrap()) }
                pub fn new_with_client(baseurl: &str, client: reqwest::Client) -> Self { Self { baseurl, client } }
            }
        };
        super::apply(&mut file).expect("there is a Client::new");
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("fn new ("), "{text}");
        assert!(text.contains("fn new_with_client"), "{text}");
        let error = super::apply(&mut file).expect_err("nothing left to remove");
        assert!(error.to_string().contains("no `Client::new`"), "{error}");
    }
}
