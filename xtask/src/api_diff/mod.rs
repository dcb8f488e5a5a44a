//! What a spec change means for the crates that use a generated client.
//!
//! [`surface`] reads the Rust API a spec generates (methods, parameters, types, fields, enum
//! values) from the spec itself, [`compare`] lists the changes between two of them and
//! classifies each as breaking or not (its module documentation holds the rules), and
//! [`changelog`] merges them into the draft entry of the crate's `CHANGELOG.md`. `cargo xtask
//! regen` runs [`after_regen`]; `cargo xtask release-check` compares against a release tag.

pub(crate) mod changelog;
pub(crate) mod compare;
pub(crate) mod surface;

use std::path::Path;
use std::process::Command;

use anyhow::Context as _;
use serde_json::Value;

pub(crate) use compare::Change;

use crate::regen::TARGETS;

/// Every change to the generated API from spec `old` to spec `new`, breaking ones first.
pub(crate) fn changes(old: &Value, new: &Value) -> Vec<Change> {
    compare::compare(&surface::Surface::of(old), &surface::Surface::of(new))
}

/// Parses a spec's text (YAML, of which JSON is a subset).
pub(crate) fn parse_spec(text: &str, origin: &str) -> anyhow::Result<Value> {
    serde_norway::from_str(text).with_context(|| format!("parsing {origin}"))
}

/// The spec at `path` as git revision `rev` holds it; `None` when that revision lacks the file.
pub(crate) fn spec_at(root: &Path, rev: &str, path: &str) -> anyhow::Result<Option<Value>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .output()
        .context("running git show")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("does not exist") || stderr.contains("exists on disk, but not in") {
            return Ok(None);
        }
        anyhow::bail!("git show {rev}:{path} failed: {}", stderr.trim());
    }
    let text = String::from_utf8(output.stdout).context("the spec is not UTF-8")?;
    parse_spec(&text, &format!("{rev}:{path}")).map(Some)
}

/// The package name a `Cargo.toml` declares.
pub(crate) fn package_name(manifest: &Path) -> anyhow::Result<String> {
    package_field(manifest, "name")
}

/// A string field of a `Cargo.toml`'s `[package]` table, written `key = "value"`.
pub(crate) fn package_field(manifest: &Path, key: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if in_package
            && name.trim() == key
            && let Some(value) = value
                .trim()
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(value.to_owned());
        }
    }
    anyhow::bail!("{} has no `{key} = \"…\"` in [package]", manifest.display())
}

/// The directory of the crate a regen target writes into (`crates/voice-ai-client`).
pub(crate) fn crate_dir(output: &str) -> &str {
    output.split("/src/").next().unwrap_or(output)
}

/// After `cargo xtask regen`: prints what changed in each spec since `HEAD`, for consumers,
/// and merges the changes into the draft entry of each affected crate's `CHANGELOG.md`.
pub(crate) fn after_regen(root: &Path) -> anyhow::Result<()> {
    for target in TARGETS {
        let dir = crate_dir(target.output);
        let crate_name = package_name(&root.join(dir).join("Cargo.toml"))?;
        let old = spec_at(root, "HEAD", target.spec)?.unwrap_or(Value::Null);
        let new = crate::spec::load(&root.join(target.spec))?;
        let changes = changes(&old, &new);
        if changes.is_empty() {
            println!("{}: no API changes since HEAD", target.spec);
            continue;
        }
        print_summary(
            &format!("{} since HEAD ({crate_name})", target.spec),
            &changes,
        );
        let path = root.join(dir).join("CHANGELOG.md");
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let updated = changelog::add_to_draft(&current, &crate_name, &changes);
        if updated != current {
            std::fs::write(&path, updated)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("  draft entry updated in {dir}/CHANGELOG.md");
        } else {
            println!("  {dir}/CHANGELOG.md already lists these changes");
        }
    }
    Ok(())
}

/// Prints `changes` under `title`, breaking ones marked, with counts.
pub(crate) fn print_summary(title: &str, changes: &[Change]) {
    println!("API changes in {title}:");
    for change in changes {
        let mark = if change.breaking {
            "BREAKING"
        } else {
            "        "
        };
        println!("  {mark} {change}");
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    println!(
        "  {breaking} breaking, {} non-breaking",
        changes.len() - breaking
    );
}
