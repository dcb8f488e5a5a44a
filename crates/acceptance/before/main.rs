//! The consumer acceptance suite: one module per task of issue #9, each self-contained.

mod agents_and_actions;
mod call_logs;
mod conversation_search;
mod errors;
mod followup_settings;
mod generations;
mod tokens;
mod tracing_spans;
mod webhooks;
