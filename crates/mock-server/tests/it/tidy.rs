//! House rules checked as a plain test (as rust-analyzer's `tidy` does): every source file opens
//! with a `//!` note, no placeholder macros, and every doctest asserts something.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&crate_dir().join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "found only {} files", files.len());
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            (path, text)
        })
        .collect()
}

/// The fenced code blocks of doc comments (`///`, `//!`) in a source file, or of a Markdown file,
/// that rustdoc runs as doctests: Rust blocks not marked `ignore`, `compile_fail` or `text`.
fn doctests(text: &str, markdown: bool) -> Vec<(usize, String)> {
    enum Block {
        Outside,
        Doctest(usize, String),
        Other,
    }
    let mut found = Vec::new();
    let mut block = Block::Outside;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let content = if markdown {
            Some(trimmed)
        } else {
            trimmed
                .strip_prefix("///")
                .or_else(|| trimmed.strip_prefix("//!"))
                .map(|rest| rest.strip_prefix(' ').unwrap_or(rest))
        };
        let Some(content) = content else {
            // The doc comment ended: so did any block in it.
            if let Block::Doctest(start, body) = std::mem::replace(&mut block, Block::Outside) {
                found.push((start, body));
            }
            continue;
        };
        let fence = content.trim().strip_prefix("```");
        block = match (block, fence) {
            (Block::Outside, Some(info)) => {
                let runs = info.split(',').all(|tag| {
                    let tag = tag.trim();
                    matches!(tag, "" | "rust" | "no_run" | "should_panic")
                        || tag.starts_with("edition")
                });
                if runs {
                    Block::Doctest(number + 1, String::new())
                } else {
                    Block::Other
                }
            }
            (Block::Doctest(start, body), Some(_)) => {
                found.push((start, body));
                Block::Outside
            }
            (Block::Other, Some(_)) => Block::Outside,
            (Block::Doctest(start, mut body), None) => {
                body.push_str(content);
                body.push('\n');
                Block::Doctest(start, body)
            }
            (other, None) => other,
        };
    }
    found
}

#[test]
fn every_source_file_opens_with_a_module_note() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| {
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            !(first.starts_with("//!") || first.starts_with("#![doc"))
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(missing.is_empty(), "no `//!` note: {missing:#?}");
}

#[test]
fn no_source_file_leaves_a_placeholder_macro() {
    let needles = [concat!("to", "do!("), concat!("unimple", "mented!(")];
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| needles.iter().any(|n| text.contains(n)))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "placeholders in {offenders:#?}");
}

#[test]
fn every_doctest_asserts_something() {
    let mut documents: Vec<(String, String, bool)> = sources()
        .into_iter()
        .filter(|(path, _)| path.starts_with(crate_dir().join("src")))
        .map(|(path, text)| (path.display().to_string(), text, false))
        .collect();
    let readme = crate_dir().join("README.md");
    documents.push((
        readme.display().to_string(),
        std::fs::read_to_string(&readme).expect("the README"),
        true,
    ));
    let mut total = 0;
    let mut offenders = Vec::new();
    for (name, text, markdown) in &documents {
        for (line, body) in doctests(text, *markdown) {
            total += 1;
            if !body.contains("assert") {
                offenders.push(format!("{name}:{line}"));
            }
        }
    }
    assert!(total > 100, "found only {total} doctests");
    assert!(
        offenders.is_empty(),
        "doctests without an assertion: {offenders:#?}"
    );
}

#[test]
fn the_doctest_finder_skips_blocks_that_are_not_rust() {
    let text = "/// ```\n/// assert!(true);\n/// ```\n/// ```json\n/// {}\n/// ```\n/// ```no_run\n/// run();\n/// ```\n";
    let found = doctests(text, false);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].1.contains("assert!"));
    assert_eq!(found[1].1, "run();\n");
}
