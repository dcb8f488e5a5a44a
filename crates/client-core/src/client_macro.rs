//! [`client_runtime!`](crate::client_runtime): the glue between a progenitor-generated
//! `Client` and this crate, written once for both clients.

/// Gives a generated `Client` (built with `with_inner_type(Runtime)` and expected hooks) its
/// constructors and routes every request through [`Runtime`](crate::Runtime).
///
/// `$client` is the generated client type and `$operations` its generated
/// `OPERATIONS: &[OperationMeta]` table.
#[macro_export]
macro_rules! client_runtime {
    ($client:ident, $operations:path) => {
        impl $client {
            /// A client that authenticates with `token`: a Sub-Account Private Integration
            /// Token (`pit-…`) or a Sub-Account OAuth access token. Everything else has its
            /// default (see [`ClientConfig`]).
            ///
            /// Fails when the token is empty or is an agency (Company) token.
            ///
            /// [`ClientConfig`]: $crate::ClientConfig
            pub fn from_token(
                token: impl ::core::convert::AsRef<str>,
            ) -> ::core::result::Result<Self, $crate::ApiError> {
                Self::from_config($crate::ClientConfig::new($crate::Token::new(token)))
            }

            /// A client configured from the environment: `HIGHLEVEL_TOKEN` and, optionally,
            /// `HIGHLEVEL_BASE_URL`.
            pub fn from_env() -> ::core::result::Result<Self, $crate::ApiError> {
                Self::from_config($crate::ClientConfig::from_env()?)
            }

            /// A client built from `config` (base URL, timeouts, retry policy, token source…).
            pub fn from_config(
                config: $crate::ClientConfig,
            ) -> ::core::result::Result<Self, $crate::ApiError> {
                let parts = config.operations($operations).build()?;
                ::core::result::Result::Ok(Self::new_with_client(
                    &parts.base_url,
                    parts.client,
                    parts.runtime,
                ))
            }

            /// The runtime this client sends its requests through.
            pub fn runtime(&self) -> &$crate::Runtime {
                &self.inner
            }
        }

        impl $crate::__private::progenitor_client::ClientHooks<$crate::Runtime> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::__private::reqwest::Request,
                info: &$crate::OperationInfo,
            ) -> ::core::result::Result<(), $crate::__private::progenitor_client::Error<E>> {
                self.inner.pre(request, info).await
            }

            async fn exec(
                &self,
                request: $crate::__private::reqwest::Request,
                info: &$crate::OperationInfo,
            ) -> $crate::__private::reqwest::Result<$crate::__private::reqwest::Response> {
                self.inner.exec(&self.client, request, info).await
            }
        }
    };
}
