//! The draft `Unreleased` entry at the top of a client crate's `CHANGELOG.md`.
//!
//! `cargo xtask regen` adds each change it reports as a bullet under `### Breaking` or
//! `### Other API changes` of the `## Unreleased` section, creating the file, section and
//! subsections as needed. A bullet already anywhere in the section is not added again, so
//! running regen twice leaves one entry, and whatever the maintainer wrote there stays.

use super::compare::Change;

const UNRELEASED: &str = "## Unreleased";
const BREAKING: &str = "### Breaking";
const OTHER: &str = "### Other API changes";

/// The first lines of a new changelog.
fn preamble(crate_name: &str) -> String {
    format!(
        "# Changelog\n\n\
         Changes to `{crate_name}` by release. `cargo xtask regen` drafts the `Unreleased` entry\n\
         from the spec changes it finds; the maintainer edits it and names the version when\n\
         releasing (see \"Maintaining\" in the workspace README).\n"
    )
}

/// `text` (an existing changelog, or empty) with `changes` merged into its draft entry.
pub(crate) fn add_to_draft(text: &str, crate_name: &str, changes: &[Change]) -> String {
    let text = if text.trim().is_empty() {
        preamble(crate_name)
    } else {
        text.replace("\r\n", "\n")
    };
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let start = match lines.iter().position(|l| l.trim_end() == UNRELEASED) {
        Some(i) => i,
        None => {
            let at = lines
                .iter()
                .position(|l| l.starts_with("## "))
                .unwrap_or(lines.len());
            lines.splice(at..at, ["", UNRELEASED, ""].map(str::to_owned));
            at + 1
        }
    };
    for (heading, breaking) in [(BREAKING, true), (OTHER, false)] {
        let end = section_end(&lines, start);
        let bullets: Vec<String> = changes
            .iter()
            .filter(|c| c.breaking == breaking)
            .map(|c| format!("- {c}"))
            .filter(|b| !lines[start..end].contains(b))
            .collect();
        if bullets.is_empty() {
            continue;
        }
        match lines[start..end]
            .iter()
            .position(|l| l.trim_end() == heading)
        {
            Some(offset) => {
                let mut at = start + offset + 1;
                while at < end && (lines[at].trim().is_empty() || !lines[at].starts_with('#')) {
                    at += 1;
                }
                // Back up over trailing blank lines, to append right after the last bullet.
                while at > start + offset + 1 && lines[at - 1].trim().is_empty() {
                    at -= 1;
                }
                lines.splice(at..at, bullets);
            }
            None => {
                // After what the section already says, breaking changes before the others.
                let other = lines[start..end]
                    .iter()
                    .position(|l| l.trim_end() == OTHER)
                    .map(|offset| start + offset);
                let at = match other {
                    Some(at) if breaking => at,
                    _ => {
                        let mut at = end;
                        while at > start + 1 && lines[at - 1].trim().is_empty() {
                            at -= 1;
                        }
                        at
                    }
                };
                let mut block = vec![String::new(), heading.to_owned(), String::new()];
                block.extend(bullets);
                lines.splice(at..at, block);
            }
        }
    }
    normalise_blank_lines(&mut lines);
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Index of the first line after the section that starts at `start`.
fn section_end(lines: &[String], start: usize) -> usize {
    lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i)
}

/// One blank line around headings, none doubled, none at the end.
fn normalise_blank_lines(lines: &mut Vec<String>) {
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('#') {
            if i + 1 < lines.len() && !lines[i + 1].trim().is_empty() {
                lines.insert(i + 1, String::new());
            }
            if i > 0 && !lines[i - 1].trim().is_empty() {
                lines.insert(i, String::new());
                i += 1;
            }
        }
        i += 1;
    }
    lines.dedup_by(|a, b| a.trim().is_empty() && b.trim().is_empty());
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(breaking: bool, item: &str, what: &str) -> Change {
        Change {
            breaking,
            item: item.to_owned(),
            what: what.to_owned(),
        }
    }

    #[test]
    fn a_missing_changelog_is_created_with_a_draft_entry() {
        let text = add_to_draft(
            "",
            "voice-ai-client",
            &[
                change(true, "types::Agent::name", "field removed"),
                change(
                    false,
                    "Client::list_voices",
                    "operation added (GET /voices)",
                ),
            ],
        );
        assert!(text.starts_with("# Changelog\n"), "{text}");
        let draft = &text[text.find("## Unreleased").expect("a draft entry")..];
        let breaking = draft.find("### Breaking").expect("a breaking subsection");
        let other = draft
            .find("### Other API changes")
            .expect("an other subsection");
        let removed = draft
            .find("- `types::Agent::name`: field removed")
            .expect("the breaking bullet");
        let added = draft
            .find("- `Client::list_voices`: operation added (GET /voices)")
            .expect("the other bullet");
        assert!(
            breaking < removed && removed < other && other < added,
            "{text}"
        );
    }

    #[test]
    fn adding_the_same_changes_twice_leaves_one_entry() {
        let changes = [
            change(true, "Client::get_agent", "operation removed (GET /a)"),
            change(
                false,
                "types::ActionType",
                "value \"SMS\" (variant `Sms`) added",
            ),
        ];
        let once = add_to_draft("", "voice-ai-client", &changes);
        let twice = add_to_draft(&once, "voice-ai-client", &changes);
        assert_eq!(once, twice);
        assert_eq!(twice.matches("## Unreleased").count(), 1);
    }

    #[test]
    fn new_changes_join_the_draft_above_released_entries_and_keep_the_maintainers_words() {
        let existing = "# Changelog\n\nIntro.\n\n## Unreleased\n\nThe maintainer's note.\n\n\
                        ### Breaking\n\n- `Client::a`: operation removed (GET /a)\n\n\
                        ## 0.1.0\n\n- First release.\n";
        let text = add_to_draft(
            existing,
            "voice-ai-client",
            &[
                change(true, "Client::b", "operation removed (GET /b)"),
                change(false, "Client::c", "operation added (GET /c)"),
            ],
        );
        let draft_end = text.find("## 0.1.0").expect("the released entry stays");
        let draft = &text[..draft_end];
        assert!(draft.contains("The maintainer's note."), "{text}");
        let a = draft
            .find("- `Client::a`")
            .expect("the earlier bullet stays");
        let b = draft
            .find("- `Client::b`")
            .expect("the new breaking bullet");
        let c = draft.find("- `Client::c`").expect("the new other bullet");
        assert!(a < b && b < c, "{text}");
        assert!(text.ends_with("## 0.1.0\n\n- First release.\n"), "{text}");
    }

    #[test]
    fn new_subsections_follow_the_maintainers_text_breaking_first() {
        let existing = "# Changelog\n\n## Unreleased\n\nFirst published version.\n";
        let text = add_to_draft(
            existing,
            "voice-ai-client",
            &[change(false, "Client::c", "operation added (GET /c)")],
        );
        let text = add_to_draft(
            &text,
            "voice-ai-client",
            &[change(true, "Client::b", "operation removed (GET /b)")],
        );
        assert_eq!(
            text,
            "# Changelog\n\n## Unreleased\n\nFirst published version.\n\n\
             ### Breaking\n\n- `Client::b`: operation removed (GET /b)\n\n\
             ### Other API changes\n\n- `Client::c`: operation added (GET /c)\n"
        );
    }

    #[test]
    fn a_changelog_without_a_draft_gets_one_before_the_last_release() {
        let existing = "# Changelog\n\n## 0.1.0\n\n- First release.\n";
        let text = add_to_draft(
            existing,
            "voice-ai-client",
            &[change(false, "Client::c", "operation added (GET /c)")],
        );
        assert_eq!(
            text,
            "# Changelog\n\n## Unreleased\n\n### Other API changes\n\n\
             - `Client::c`: operation added (GET /c)\n\n## 0.1.0\n\n- First release.\n"
        );
    }
}
