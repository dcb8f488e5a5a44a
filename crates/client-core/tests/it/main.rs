//! Integration tests of highlevel-client-core: one binary (link time), one module per concern.

mod support;

mod errors;
mod exec;
mod oauth;
mod pagination;
mod tracing_spans;
mod webhooks;
