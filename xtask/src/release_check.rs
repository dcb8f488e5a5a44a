//! `cargo xtask release-check`: each publishable crate's version tells the truth about what
//! changed since its last release.
//!
//! A release is the git tag `<crate>-v<version>` (for example `voice-ai-client-v0.1.0`) on the
//! commit that was published. For each crate, the check takes its highest such tag and
//! compares the working tree with it:
//!
//! - a client crate's spec is compared with the spec at the tag by the same report as
//!   `cargo xtask regen` ([`crate::api_diff`]); a breaking change needs a semver-incompatible
//!   version (the major bumped, or for `0.x` the minor), any other API change a higher version;
//! - any other change to what the crate ships (`src/`, `Cargo.toml`, `README.md`) needs a
//!   higher version, since the check cannot tell whether hand-written code broke its API.
//!
//! With no tag yet (nothing has been released), the check guards the change being made: the
//! working tree's spec is compared with the spec at `HEAD`, and a breaking change needs a
//! version semver-incompatible with the one committed at `HEAD`. Other changes need no bump
//! before a first release.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::Context as _;
use semver::Version;

use crate::api_diff::{self, Change};

/// A crate we publish.
pub(crate) struct Package {
    /// Directory of the crate, relative to the workspace root.
    pub(crate) dir: &'static str,
    /// The spec its API is generated from, relative to the workspace root.
    pub(crate) spec: Option<&'static str>,
}

/// The crates published to crates.io.
pub(crate) const PACKAGES: &[Package] = &[
    Package {
        dir: "crates/client-core",
        spec: None,
    },
    Package {
        dir: "crates/voice-ai-client",
        spec: Some("openapi/voice-ai.yaml"),
    },
    Package {
        dir: "crates/conversation-ai-client",
        spec: Some("openapi/conversation-ai.yaml"),
    },
];

/// Files of a crate, besides its spec, whose change since a release needs a new version.
const SHIPPED: &[&str] = &["src", "Cargo.toml", "README.md"];

/// The outcome for one crate.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) name: String,
    pub(crate) ok: bool,
    pub(crate) message: String,
    /// The spec-level API changes since the release, breaking ones first.
    pub(crate) changes: Vec<Change>,
}

pub(crate) fn run(root: &Path) -> anyhow::Result<ExitCode> {
    refuse_shallow_clone(root)?;
    let mut failed = false;
    for package in PACKAGES {
        let verdict = check(root, package)?;
        if !verdict.changes.is_empty() {
            api_diff::print_summary(
                &format!(
                    "{} since its last release (HEAD before its first)",
                    verdict.name
                ),
                &verdict.changes,
            );
        }
        let status = if verdict.ok { "ok" } else { "FAIL" };
        println!("{status:4} {}: {}", verdict.name, verdict.message);
        failed |= !verdict.ok;
    }
    if failed {
        eprintln!(
            "bump the version in the crate's Cargo.toml (and the changelog), then tag the release \
             commit `<crate>-v<version>` when publishing"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks one crate of the workspace at `root` against its last release tag.
pub(crate) fn check(root: &Path, package: &Package) -> anyhow::Result<Verdict> {
    let manifest = root.join(package.dir).join("Cargo.toml");
    let name = api_diff::package_name(&manifest)?;
    let version_text = api_diff::package_field(&manifest, "version")?;
    let current = Version::parse(&version_text)
        .with_context(|| format!("{}: version {version_text:?} is not semver", package.dir))?;
    let verdict = |ok: bool, message: String, changes: Vec<Change>| Verdict {
        name: name.clone(),
        ok,
        message,
        changes,
    };
    let Some((tag, released)) = last_release(root, &name)? else {
        let (ok, message, changes) = unreleased(root, package, &name, &current)?;
        return Ok(verdict(ok, message, changes));
    };
    if current < released {
        return Ok(verdict(
            false,
            format!("version {current} is lower than the released {released} (tag {tag})"),
            Vec::new(),
        ));
    }
    let changes = match package.spec {
        Some(spec) => {
            let old = api_diff::spec_at(root, &tag, spec)?.unwrap_or(serde_json::Value::Null);
            let new = crate::spec::load(&root.join(spec))?;
            api_diff::changes(&old, &new)
        }
        None => Vec::new(),
    };
    let breaking = changes.iter().filter(|c| c.breaking).count();
    if breaking > 0 && !is_incompatible_bump(&released, &current) {
        let needed = incompatible_successor(&released);
        return Ok(verdict(
            false,
            format!(
                "{breaking} breaking API change(s) since {tag}, but version {current} is \
                 semver-compatible with {released}: bump to {needed} or later"
            ),
            changes,
        ));
    }
    let files_changed = shipped_files_changed(root, &tag, package.dir)?;
    if (!changes.is_empty() || files_changed) && current == released {
        let what = if changes.is_empty() {
            "its files changed".to_owned()
        } else {
            format!("{} API change(s)", changes.len())
        };
        return Ok(verdict(
            false,
            format!("{what} since {tag}, but the version is still {current}: bump it"),
            changes,
        ));
    }
    let message = if current == released {
        format!("unchanged since {tag}")
    } else {
        format!("{current} follows {released} ({tag}) as its changes require")
    };
    Ok(verdict(true, message, changes))
}

/// The check of a crate with no release tag: breaking spec changes in the working tree since
/// `HEAD` need a version semver-incompatible with `HEAD`'s.
fn unreleased(
    root: &Path,
    package: &Package,
    name: &str,
    current: &Version,
) -> anyhow::Result<(bool, String, Vec<Change>)> {
    let untagged = format!("no release tag `{name}-v*` yet");
    let Some(spec) = package.spec else {
        return Ok((
            true,
            format!("{untagged}, nothing to compare {current} with"),
            Vec::new(),
        ));
    };
    let Some(old) = api_diff::spec_at(root, "HEAD", spec)? else {
        return Ok((true, format!("{untagged}, and {spec} is new"), Vec::new()));
    };
    let new = crate::spec::load(&root.join(spec))?;
    let changes = api_diff::changes(&old, &new);
    let breaking = changes.iter().filter(|c| c.breaking).count();
    if breaking == 0 {
        let message = if changes.is_empty() {
            format!("{untagged}; {spec} is as committed")
        } else {
            format!(
                "{untagged}; {} API change(s) since HEAD, none breaking",
                changes.len()
            )
        };
        return Ok((true, message, changes));
    }
    let manifest = format!("{}/Cargo.toml", package.dir);
    let committed = git(root, &["show", &format!("HEAD:{manifest}")])
        .ok()
        .and_then(|text| api_diff::package_field_in(&text, "version"))
        .and_then(|text| Version::parse(&text).ok());
    let Some(committed) = committed else {
        return Ok((true, format!("{untagged}, and {manifest} is new"), changes));
    };
    if is_incompatible_bump(&committed, current) {
        return Ok((
            true,
            format!(
                "{untagged}; {breaking} breaking API change(s) since HEAD, and {current} follows {committed} as they require"
            ),
            changes,
        ));
    }
    let needed = incompatible_successor(&committed);
    Ok((
        false,
        format!(
            "{untagged}, but {breaking} breaking API change(s) since HEAD and version {current} is \
             semver-compatible with the committed {committed}: bump to {needed} or later"
        ),
        changes,
    ))
}

/// Fails in a shallow clone: it may lack the release tags, and the check would pass for want
/// of anything to compare with.
fn refuse_shallow_clone(root: &Path) -> anyhow::Result<()> {
    if git(root, &["rev-parse", "--is-shallow-repository"])?.trim() == "true" {
        anyhow::bail!(
            "this is a shallow clone, which may lack the release tags: \
             run `git fetch --unshallow --tags` first"
        );
    }
    Ok(())
}

/// The highest `<name>-v<semver>` tag and its version.
pub(crate) fn last_release(root: &Path, name: &str) -> anyhow::Result<Option<(String, Version)>> {
    let prefix = format!("{name}-v");
    let output = git(root, &["tag", "--list", &format!("{prefix}*")])?;
    Ok(output
        .lines()
        .filter_map(|tag| {
            let version = Version::parse(tag.trim().strip_prefix(&prefix)?).ok()?;
            Some((tag.trim().to_owned(), version))
        })
        .max_by(|a, b| a.1.cmp(&b.1)))
}

/// Whether `current` may not be used where `released` was, by cargo's semver rules.
pub(crate) fn is_incompatible_bump(released: &Version, current: &Version) -> bool {
    match (released.major, released.minor) {
        (0, 0) => current > released,
        (0, minor) => current.major > 0 || current.minor > minor,
        (major, _) => current.major > major,
    }
}

/// The lowest version semver-incompatible with `released`.
fn incompatible_successor(released: &Version) -> Version {
    match (released.major, released.minor) {
        (0, 0) => Version::new(0, 0, released.patch + 1),
        (0, minor) => Version::new(0, minor + 1, 0),
        (major, _) => Version::new(major + 1, 0, 0),
    }
}

/// Whether any file the crate ships differs between `tag` and the working tree.
fn shipped_files_changed(root: &Path, tag: &str, dir: &str) -> anyhow::Result<bool> {
    let mut args = vec![
        "diff".to_owned(),
        "--quiet".to_owned(),
        tag.to_owned(),
        "--".to_owned(),
    ];
    args.extend(SHIPPED.iter().map(|f| format!("{dir}/{f}")));
    let status = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(&args)
        .status()
        .context("running git diff")?;
    match status.code() {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => anyhow::bail!("git diff {tag} -- {dir} failed"),
    }
}

fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("running git")?;
    if !output.status.success() {
        anyhow::bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("git printed non-UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::PathBuf;

    const SPEC_V1: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /agents/{agentId}:
    get:
      operationId: getAgent
      parameters:
        - {name: agentId, in: path, required: true, schema: {type: string}}
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

    /// A scratch git repository holding one client crate and its spec.
    struct Repo {
        root: PathBuf,
    }

    const PACKAGE: Package = Package {
        dir: "crates/demo-client",
        spec: Some("openapi/demo.yaml"),
    };

    impl Repo {
        fn new(test: &str) -> Repo {
            let root = std::env::temp_dir()
                .join(format!("xtask-release-check-{}-{test}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join("crates/demo-client/src"))
                .expect("creating the scratch crate");
            std::fs::create_dir_all(root.join("openapi")).expect("creating the spec directory");
            let repo = Repo { root };
            repo.git(&["init", "--quiet"]);
            repo.git(&["config", "user.email", "test@example.com"]);
            repo.git(&["config", "user.name", "test"]);
            repo.git(&["config", "commit.gpgsign", "false"]);
            repo.write("crates/demo-client/src/lib.rs", "//! Demo.\n");
            repo.set_version("0.1.0");
            repo.write("openapi/demo.yaml", SPEC_V1);
            repo.commit("first");
            repo
        }

        fn write(&self, path: &str, text: &str) {
            std::fs::write(self.root.join(path), text).expect("writing a scratch file");
        }

        fn set_version(&self, version: &str) {
            self.write(
                "crates/demo-client/Cargo.toml",
                &format!("[package]\nname = \"demo-client\"\nversion = \"{version}\"\n"),
            );
        }

        fn commit(&self, message: &str) {
            self.git(&["add", "."]);
            self.git(&["commit", "--quiet", "-m", message]);
        }

        fn git(&self, args: &[&str]) {
            git(&self.root, args).expect("git runs in the scratch repository");
        }

        fn check(&self) -> Verdict {
            check(&self.root, &PACKAGE).expect("the check runs")
        }
    }

    impl Drop for Repo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn a_crate_without_a_release_tag_passes_and_says_so() {
        let repo = Repo::new("untagged");
        let verdict = repo.check();
        assert!(verdict.ok, "{verdict:?}");
        assert!(
            verdict
                .message
                .contains("no release tag `demo-client-v*` yet"),
            "{verdict:?}"
        );
        // An additive spec edit needs no bump before a first release.
        repo.write(
            "openapi/demo.yaml",
            &SPEC_V1.replace(
                "        name: {type: string}\n",
                "        name: {type: string}\n        phone: {type: string}\n",
            ),
        );
        let verdict = repo.check();
        assert!(verdict.ok, "{verdict:?}");
        assert!(verdict.message.contains("none breaking"), "{verdict:?}");
    }

    #[test]
    fn without_a_release_tag_a_breaking_edit_needs_a_bump_from_the_committed_version() {
        let repo = Repo::new("untagged-breaking");
        repo.write(
            "openapi/demo.yaml",
            &SPEC_V1.replace("        name: {type: string}\n", ""),
        );
        let verdict = repo.check();
        assert!(!verdict.ok, "{verdict:?}");
        assert!(verdict.message.contains("bump to 0.2.0"), "{verdict:?}");
        assert!(
            verdict
                .changes
                .iter()
                .any(|c| c.breaking && c.item == "types::Agent::name"),
            "{verdict:?}"
        );
        repo.set_version("0.1.1");
        assert!(!repo.check().ok, "a patch bump is not enough for 0.x");
        repo.set_version("0.2.0");
        let verdict = repo.check();
        assert!(verdict.ok, "{verdict:?}");
        // Once committed, the bumped version is the one later edits are measured against.
        repo.commit("remove name, bump to 0.2.0");
        assert!(repo.check().ok);
    }

    #[test]
    fn a_breaking_spec_change_without_a_bump_fails_until_the_minor_is_bumped() {
        let repo = Repo::new("breaking");
        repo.git(&["tag", "demo-client-v0.1.0"]);
        repo.write(
            "openapi/demo.yaml",
            &SPEC_V1.replace("        name: {type: string}\n", ""),
        );

        let verdict = repo.check();
        assert!(!verdict.ok, "{verdict:?}");
        assert!(verdict.message.contains("bump to 0.2.0"), "{verdict:?}");
        assert!(
            verdict
                .changes
                .iter()
                .any(|c| c.breaking && c.item == "types::Agent::name"),
            "{verdict:?}"
        );

        repo.set_version("0.1.1");
        let verdict = repo.check();
        assert!(
            !verdict.ok,
            "a patch bump is not enough for 0.x: {verdict:?}"
        );

        repo.set_version("0.2.0");
        let verdict = repo.check();
        assert!(verdict.ok, "{verdict:?}");
    }

    #[test]
    fn an_additive_spec_change_needs_only_a_higher_version() {
        let repo = Repo::new("additive");
        repo.git(&["tag", "demo-client-v0.1.0"]);
        repo.write(
            "openapi/demo.yaml",
            &SPEC_V1.replace(
                "        name: {type: string}\n",
                "        name: {type: string}\n        phone: {type: string}\n",
            ),
        );
        let verdict = repo.check();
        assert!(!verdict.ok, "{verdict:?}");
        assert!(verdict.message.contains("bump it"), "{verdict:?}");

        repo.set_version("0.1.1");
        let verdict = repo.check();
        assert!(verdict.ok, "{verdict:?}");
    }

    #[test]
    fn a_change_to_hand_written_code_needs_a_higher_version() {
        let repo = Repo::new("code");
        repo.git(&["tag", "demo-client-v0.1.0"]);
        assert!(repo.check().ok, "an untouched crate passes");
        repo.write(
            "crates/demo-client/src/lib.rs",
            "//! Demo.\npub fn f() {}\n",
        );
        let verdict = repo.check();
        assert!(!verdict.ok, "{verdict:?}");
        assert!(verdict.message.contains("its files changed"), "{verdict:?}");
    }

    #[test]
    fn the_check_compares_with_the_highest_release_tag() {
        let repo = Repo::new("highest");
        repo.git(&["tag", "demo-client-v0.1.0"]);
        repo.write(
            "openapi/demo.yaml",
            &SPEC_V1.replace("        name: {type: string}\n", ""),
        );
        repo.set_version("0.2.0");
        repo.commit("drop name");
        repo.git(&["tag", "demo-client-v0.2.0"]);
        repo.git(&["tag", "demo-client-v0.10.0-rc.1"]);
        let (tag, _) = last_release(&repo.root, "demo-client")
            .expect("tags are listed")
            .expect("a release exists");
        assert_eq!(tag, "demo-client-v0.10.0-rc.1");
        let verdict = repo.check();
        assert!(
            !verdict.ok,
            "0.2.0 is lower than the released 0.10.0-rc.1: {verdict:?}"
        );
    }

    #[test]
    fn a_shallow_clone_is_refused_instead_of_passing_without_tags() {
        let repo = Repo::new("shallow");
        repo.git(&["tag", "demo-client-v0.1.0"]);
        repo.write("crates/demo-client/src/lib.rs", "//! Demo, changed.\n");
        repo.commit("second");
        let shallow = repo.root.with_extension("clone");
        let _ = std::fs::remove_dir_all(&shallow);
        let url = format!("file://{}", repo.root.display());
        let target = shallow.display().to_string();
        git(
            &repo.root,
            &["clone", "--quiet", "--depth", "1", &url, &target],
        )
        .expect("a shallow clone");
        let refused = refuse_shallow_clone(&shallow);
        let _ = std::fs::remove_dir_all(&shallow);
        let err = refused.expect_err("a shallow clone is refused");
        assert!(err.to_string().contains("shallow clone"), "{err}");
        refuse_shallow_clone(&repo.root).expect("a full clone is accepted");
    }

    #[test]
    fn published_crates_ship_only_their_sources_readme_changelog_and_licences() {
        let root = crate::workspace_root();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        for package in PACKAGES {
            let name = api_diff::package_name(&root.join(package.dir).join("Cargo.toml"))
                .expect("the crate has a name");
            let output = Command::new(&cargo)
                .current_dir(&root)
                .args([
                    "package",
                    "--list",
                    "--allow-dirty",
                    "--offline",
                    "-p",
                    &name,
                ])
                .output()
                .expect("cargo runs");
            assert!(
                output.status.success(),
                "cargo package --list -p {name}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let files = String::from_utf8(output.stdout).expect("cargo prints UTF-8");
            let files: Vec<&str> = files.lines().collect();
            let generated_by_cargo = [
                ".cargo_vcs_info.json",
                "Cargo.lock",
                "Cargo.toml",
                "Cargo.toml.orig",
            ];
            let stray: Vec<&&str> = files
                .iter()
                .filter(|f| {
                    !(generated_by_cargo.contains(f)
                        || ["README.md", "CHANGELOG.md", "LICENSE-APACHE", "LICENSE-MIT"]
                            .contains(f)
                        || (f.starts_with("src/") && f.ends_with(".rs")))
                })
                .collect();
            assert!(stray.is_empty(), "{name} ships {stray:?}");
            for needed in [
                "README.md",
                "CHANGELOG.md",
                "LICENSE-APACHE",
                "LICENSE-MIT",
                "src/lib.rs",
            ] {
                assert!(files.contains(&needed), "{name} lacks {needed}: {files:?}");
            }
        }
    }

    #[test]
    fn semver_compatibility_follows_cargo_for_zero_versions() {
        let v = |s: &str| Version::parse(s).expect("a version");
        assert!(!is_incompatible_bump(&v("0.1.0"), &v("0.1.5")));
        assert!(is_incompatible_bump(&v("0.1.0"), &v("0.2.0")));
        assert!(is_incompatible_bump(&v("0.1.3"), &v("1.0.0")));
        assert!(is_incompatible_bump(&v("0.0.1"), &v("0.0.2")));
        assert!(!is_incompatible_bump(&v("1.2.0"), &v("1.3.0")));
        assert!(is_incompatible_bump(&v("1.2.0"), &v("2.0.0")));
    }
}
