//! The `highlevel-mock` binary.

fn main() {}
