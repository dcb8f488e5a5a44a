//! Integration tests of the mock server, mostly through `router(state).oneshot(request)`.

mod auth;
mod call_logs_and_voices;
mod cli;
mod concurrency;
mod conversation_actions;
mod conversation_agents;
mod errors;
mod robustness;
mod server;
mod support;
mod voice_actions;
mod voice_agents;
