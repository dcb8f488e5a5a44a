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
    package_field_in(&text, key)
        .with_context(|| format!("{} has no `{key} = \"…\"` in [package]", manifest.display()))
}

/// A string field of the `[package]` table of the manifest text `text`.
pub(crate) fn package_field_in(text: &str, key: &str) -> Option<String> {
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
            return Some(value.to_owned());
        }
    }
    None
}

/// The directory of the crate a regen target writes into (`crates/voice-ai-client`).
pub(crate) fn crate_dir(output: &str) -> &str {
    output.split("/src/").next().unwrap_or(output)
}

/// After `cargo xtask regen`: prints what changed in each spec since `HEAD`, for consumers,
/// and merges the changes into the draft entry of each affected crate's `CHANGELOG.md`.
pub(crate) fn after_regen(root: &Path) -> anyhow::Result<()> {
    let in_git = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !in_git {
        println!("not a git checkout with commits: no API report (it compares with HEAD)");
        return Ok(());
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /agents:
    get:
      operationId: listAgents
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Agent"}
components:
  schemas:
    Agent:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: string}
"##;

    fn git(root: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn regen_reports_each_spec_change_once_in_the_changelog_of_its_crate() {
        let root = std::env::temp_dir().join(format!("xtask-after-regen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for target in TARGETS {
            let dir = root.join(crate_dir(target.output));
            std::fs::create_dir_all(&dir).expect("creating a scratch crate");
            let name = crate_dir(target.output)
                .rsplit('/')
                .next()
                .unwrap_or_default();
            std::fs::write(
                dir.join("Cargo.toml"),
                format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n"),
            )
            .expect("writing a manifest");
            let spec = root.join(target.spec);
            std::fs::create_dir_all(spec.parent().expect("specs sit in a directory"))
                .expect("creating the spec directory");
            std::fs::write(&spec, SPEC).expect("writing a spec");
        }
        git(&root, &["init", "--quiet"]);
        git(
            &root,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "add",
                ".",
            ],
        );
        git(
            &root,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "--quiet",
                "-m",
                "first",
            ],
        );
        let [changed, unchanged] = TARGETS else {
            panic!("two clients are generated");
        };
        std::fs::write(
            root.join(changed.spec),
            SPEC.replace("        name: {type: string}\n", ""),
        )
        .expect("changing one spec");

        after_regen(&root).expect("the report runs");
        let changelog = root.join(crate_dir(changed.output)).join("CHANGELOG.md");
        let first = std::fs::read_to_string(&changelog).expect("the changelog is created");
        after_regen(&root).expect("the report runs again");
        let second = std::fs::read_to_string(&changelog).expect("the changelog is still there");
        let untouched = root
            .join(crate_dir(unchanged.output))
            .join("CHANGELOG.md")
            .exists();
        let _ = std::fs::remove_dir_all(&root);

        assert!(
            first.contains("### Breaking\n\n- `types::Agent::name`: field removed\n"),
            "{first}"
        );
        assert_eq!(first, second, "a second regen adds nothing");
        assert!(
            !untouched,
            "a crate whose spec did not change gets no changelog entry"
        );
    }
}
