//! The consumer acceptance suite: one module per task of issue #9, each self-contained.

// The nine tasks of the first run (before the change), ported.
mod agents_and_actions;
mod call_logs;
mod conversation_search;
mod errors;
mod followup_settings;
mod generations;
mod tokens;
mod tracing_spans;
mod webhooks;

// Added in the port: the issue's own snippets and claims.
mod anyhow_downcast;
mod issue_snippets;
mod oauth_renewal;
