//! `cargo xtask msrv`: the `rust-version` the published crates declare is one their
//! dependencies accept.
//!
//! Only the installed toolchain exists on CI machines, so the minimum cannot be checked by
//! building with an older compiler. It is checked in two halves instead: clippy's
//! `incompatible_msrv` lint (on by default, and CI denies warnings) flags any use of a standard
//! library API newer than `rust-version`, and this command reads `cargo metadata` and fails when
//! a dependency of a published crate (normal or build, as locked) declares a higher
//! `rust-version` than ours. It prints the highest dependency requirement, the real floor.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::Context as _;
use serde_json::Value;

use crate::release_check::PACKAGES;

pub(crate) fn run(root: &Path) -> anyhow::Result<ExitCode> {
    let ours = workspace_rust_version(&root.join("Cargo.toml"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        anyhow::bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed invalid JSON")?;
    let mut published = Vec::new();
    for package in PACKAGES {
        published.push(crate::api_diff::package_name(
            &root.join(package.dir).join("Cargo.toml"),
        )?);
    }
    let requirements = dependency_rust_versions(&metadata, &published)?;
    let Some((floor, names)) = requirements.iter().next_back() else {
        println!(
            "no dependency of {} declares a rust-version",
            published.join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    println!(
        "rust-version {}: the highest a dependency asks for is {} ({})",
        show(ours),
        show(*floor),
        names.join(", ")
    );
    let too_new = above(&requirements, ours);
    if too_new.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for line in &too_new {
        eprintln!("{line}, above our rust-version {}", show(ours));
    }
    eprintln!("raise `rust-version` in the root Cargo.toml, or lock older dependency versions");
    Ok(ExitCode::FAILURE)
}

/// `"<package> needs <version>"` for each requirement above `ours`.
fn above(requirements: &BTreeMap<RustVersion, BTreeSet<String>>, ours: RustVersion) -> Vec<String> {
    requirements
        .range((ours.0, ours.1, ours.2 + 1)..)
        .flat_map(|(version, names)| {
            names
                .iter()
                .map(move |n| format!("{n} needs {}", show(*version)))
        })
        .collect()
}

/// A Rust version as `(major, minor, patch)`.
type RustVersion = (u64, u64, u64);

fn show((major, minor, patch): RustVersion) -> String {
    if patch == 0 {
        format!("{major}.{minor}")
    } else {
        format!("{major}.{minor}.{patch}")
    }
}

fn parse_rust_version(text: &str) -> anyhow::Result<RustVersion> {
    let mut parts = text.trim().split('.').map(str::parse::<u64>);
    let mut next = || {
        parts
            .next()
            .transpose()
            .with_context(|| format!("rust-version {text:?}"))
    };
    let major = next()?.with_context(|| format!("rust-version {text:?} is empty"))?;
    Ok((major, next()?.unwrap_or(0), next()?.unwrap_or(0)))
}

/// `rust-version` of the root manifest's `[workspace.package]`.
fn workspace_rust_version(manifest: &Path) -> anyhow::Result<RustVersion> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let mut in_table = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == "[workspace.package]";
        } else if in_table
            && let Some(value) = line.strip_prefix("rust-version")
            && let Some(value) = value.trim().strip_prefix('=')
        {
            return parse_rust_version(value.trim().trim_matches('"'));
        }
    }
    anyhow::bail!(
        "{} has no rust-version in [workspace.package]",
        manifest.display()
    )
}

/// The `rust-version`s declared by the packages that `roots` depend on (normal and build
/// dependencies, transitively, as resolved), each with the packages declaring it.
fn dependency_rust_versions(
    metadata: &Value,
    roots: &[String],
) -> anyhow::Result<BTreeMap<RustVersion, BTreeSet<String>>> {
    let packages: BTreeMap<&str, &Value> = metadata
        .get("packages")
        .and_then(Value::as_array)
        .context("cargo metadata has no packages")?
        .iter()
        .filter_map(|p| Some((p.get("id")?.as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &Value> = metadata
        .pointer("/resolve/nodes")
        .and_then(Value::as_array)
        .context("cargo metadata has no resolve graph")?
        .iter()
        .filter_map(|n| Some((n.get("id")?.as_str()?, n)))
        .collect();
    let name_of = |id: &str| {
        packages
            .get(id)
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned()
    };
    let mut pending: Vec<&str> = packages
        .keys()
        .copied()
        .filter(|id| roots.contains(&name_of(id)))
        .collect();
    if pending.len() != roots.len() {
        anyhow::bail!(
            "cargo metadata does not list every one of {}",
            roots.join(", ")
        );
    }
    let mut seen = BTreeSet::new();
    let mut out: BTreeMap<RustVersion, BTreeSet<String>> = BTreeMap::new();
    while let Some(id) = pending.pop() {
        if !seen.insert(id) {
            continue;
        }
        let is_root = roots.contains(&name_of(id));
        if !is_root
            && let Some(version) = packages
                .get(id)
                .and_then(|p| p.get("rust_version"))
                .and_then(Value::as_str)
        {
            out.entry(parse_rust_version(version)?)
                .or_default()
                .insert(name_of(id));
        }
        let deps = nodes
            .get(id)
            .and_then(|n| n.get("deps"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for dep in deps {
            let shipped = dep
                .get("dep_kinds")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|k| matches!(k.get("kind").and_then(Value::as_str), None | Some("build")));
            if shipped && let Some(pkg) = dep.get("pkg").and_then(Value::as_str) {
                pending.push(pkg);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `app` depends on `lib` (normal) and `tool` (dev only); `lib` on `deep` (build).
    fn metadata() -> Value {
        serde_json::json!({
            "packages": [
                {"id": "app", "name": "app", "rust_version": "1.88"},
                {"id": "lib", "name": "lib", "rust_version": "1.80"},
                {"id": "deep", "name": "deep", "rust_version": "1.85.1"},
                {"id": "tool", "name": "tool", "rust_version": "1.95"},
                {"id": "plain", "name": "plain"}
            ],
            "resolve": {"nodes": [
                {"id": "app", "deps": [
                    {"pkg": "lib", "dep_kinds": [{"kind": null}]},
                    {"pkg": "tool", "dep_kinds": [{"kind": "dev"}]}
                ]},
                {"id": "lib", "deps": [
                    {"pkg": "deep", "dep_kinds": [{"kind": "build"}]},
                    {"pkg": "plain", "dep_kinds": [{"kind": null}]}
                ]},
                {"id": "deep", "deps": []},
                {"id": "tool", "deps": []},
                {"id": "plain", "deps": []}
            ]}
        })
    }

    #[test]
    fn normal_and_build_dependencies_count_and_dev_dependencies_do_not() {
        let found = dependency_rust_versions(&metadata(), &["app".to_owned()])
            .expect("the metadata is complete");
        let listed: Vec<(String, Vec<String>)> = found
            .iter()
            .map(|(v, names)| (show(*v), names.iter().cloned().collect()))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("1.80".to_owned(), vec!["lib".to_owned()]),
                ("1.85.1".to_owned(), vec!["deep".to_owned()]),
            ]
        );
    }

    #[test]
    fn only_dependencies_above_our_rust_version_are_reported() {
        let found = dependency_rust_versions(&metadata(), &["app".to_owned()])
            .expect("the metadata is complete");
        assert_eq!(above(&found, (1, 85, 1)), Vec::<String>::new());
        assert_eq!(
            above(&found, (1, 85, 0)),
            vec!["deep needs 1.85.1".to_owned()]
        );
        assert_eq!(
            above(&found, (1, 79, 0)),
            vec!["lib needs 1.80".to_owned(), "deep needs 1.85.1".to_owned()]
        );
    }

    #[test]
    fn a_root_missing_from_the_metadata_is_an_error() {
        let err = dependency_rust_versions(&metadata(), &["nope".to_owned()])
            .expect_err("nope is not in the graph");
        assert!(err.to_string().contains("does not list"), "{err}");
    }

    #[test]
    fn rust_versions_parse_with_two_or_three_parts() {
        assert_eq!(parse_rust_version("1.88").expect("valid"), (1, 88, 0));
        assert_eq!(parse_rust_version("1.85.1").expect("valid"), (1, 85, 1));
        assert!(parse_rust_version("1.x").is_err());
    }

    #[test]
    fn our_workspace_declares_a_rust_version() {
        let version = workspace_rust_version(&crate::workspace_root().join("Cargo.toml"))
            .expect("the root manifest has [workspace.package] rust-version");
        assert!(
            version >= (1, 85, 0),
            "edition 2024 needs 1.85: {version:?}"
        );
    }
}
