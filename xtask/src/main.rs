//! Maintenance commands for the workspace, run as `cargo xtask <command>`.
//!
//! - `regen [--check]`: regenerate `crates/*/src/generated.rs` from `openapi/*.yaml`.
//! - `upstream-diff VENDOR_FILE`: compare one of our specs with a vendor spec file.
//! - `msrv`: fail when a dependency of a published crate needs a newer Rust than our
//!   `rust-version`.
//! - `release-check`: fail when a publishable crate changed since its release tag without the
//!   version bump its changes need.

mod api_diff;
mod builder_types;
mod constructors;
mod defaults;
mod facts;
mod flatten;
mod forward_compat;
mod integers;
mod method_docs;
mod msrv;
mod nullable_fields;
mod operations;
mod optional_lists;
mod regen;
mod release_check;
mod request_setters;
mod send_errors;
mod setters;
mod short_names;
mod spec;
mod upstream_diff;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("regen") => match &args[1..] {
            [] => regen::run(&workspace_root(), regen::Mode::Write),
            [flag] if flag == "--check" => regen::run(&workspace_root(), regen::Mode::Check),
            _ => Err(anyhow::anyhow!("usage: cargo xtask regen [--check]")),
        },
        Some("upstream-diff") => match &args[1..] {
            [file] => upstream_diff::run(&workspace_root(), std::path::Path::new(file)),
            _ => Err(anyhow::anyhow!(
                "usage: cargo xtask upstream-diff VENDOR_FILE"
            )),
        },
        Some("msrv") => match &args[1..] {
            [] => msrv::run(&workspace_root()),
            _ => Err(anyhow::anyhow!("usage: cargo xtask msrv")),
        },
        Some("release-check") => match &args[1..] {
            [] => release_check::run(&workspace_root()),
            _ => Err(anyhow::anyhow!("usage: cargo xtask release-check")),
        },
        _ => Err(anyhow::anyhow!(
            "usage: cargo xtask <command>\n\ncommands:\n  regen [--check]           regenerate the client crates from openapi/*.yaml\n  upstream-diff VENDOR_FILE compare our spec with a vendor spec file\n  msrv                      check our rust-version against the dependencies' ones\n  release-check             fail when a crate changed since its release tag without a version bump"
        )),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
