//! The Voice AI client as another team uses it: one dependency, against `mock_server::MockServer`.

mod builders;
mod call_logs;
mod constructors;
mod errors;
mod reexports;
mod support;
mod tokens;
