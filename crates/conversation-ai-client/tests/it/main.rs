//! The Conversation AI client as another team uses it: one dependency, against
//! `mock_server::MockServer`.

mod builders;
mod errors;
mod requests;
mod support;
