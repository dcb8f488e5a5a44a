#![doc = include_str!("../README.md")]

pub mod schema;
pub mod spec;
pub mod strategies;
