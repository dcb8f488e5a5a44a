#![doc = include_str!("../README.md")]

pub mod admin;
pub mod auth;
pub mod error;
pub mod faults;
pub mod fixtures;
pub mod journal;
pub mod oauth;
pub mod persistence;
pub mod rate_limit;
pub mod spec;
pub mod store;
pub mod validation;
pub mod webhooks;

mod api;
mod middleware;
mod pagination;
mod routes;
mod server;
mod state;

pub use api::BODY_LIMIT;
pub use routes::router;
pub use server::{
    DEFAULT_LOCATION_ID, DEFAULT_SEED, MockServer, MockServerBuilder, dev_token_for_seed, serve,
};
pub use state::AppState;
