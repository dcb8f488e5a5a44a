//! `highlevel` run as a process against the `highlevel-mock` binary.

mod apply;
mod errors;
mod mcp;
mod profiles;
mod read;
mod readme;
mod support;
mod write;
