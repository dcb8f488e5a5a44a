//! The Conversation AI client as another team uses it: one dependency, against
//! `mock_server::MockServer`.

mod errors;
mod requests;
mod support;
