//! Integration tests of the mock server, mostly through `router(state).oneshot(request)`.

mod admin;
mod admin_cli;
mod auth;
mod call_logs;
mod call_logs_and_voices;
mod call_logs_cli;
mod cli;
mod clock;
mod clock_cli;
mod concurrency;
mod conversation_actions;
mod conversation_agents;
mod errors;
mod faults;
mod oauth;
mod persistence;
mod robustness;
mod server;
mod support;
mod tidy;
mod voice_actions;
mod voice_agents;
mod webhooks;
