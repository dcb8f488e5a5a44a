//! The contract tests: one binary, one module per concern (see the crate README).

mod call_logs;
mod clients;
mod coverage;
mod forward_compat;
mod live;
mod model;
mod model_conversation;
mod model_voice;
mod negative;
mod operations;
mod request_bodies;
mod roundtrip;
mod support;
mod tag_swap;
mod webhook_round_trip;
