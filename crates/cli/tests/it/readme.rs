//! The README's examples, run: the agents file and the pipeline against the mock, the
//! assistant configuration as an MCP session, and its command table against the command tree.

use std::process::Command;

use serde_json::{Value, json};

use crate::mcp::Session;
use crate::support::{LOCATION, Mock, TOKEN};

const README: &str = include_str!("../../README.md");
/// The location id the README's examples use.
const README_LOCATION: &str = "ve9EPM428h8vShlRW1KT";

/// The fenced block after `<!-- tested: NAME -->`.
fn block(name: &str) -> &'static str {
    let marker = format!("<!-- tested: {name} -->");
    let after =
        &README[README.find(&marker).expect("the marker is in the README") + marker.len()..];
    let start = after.find("```").expect("a fenced block");
    let body = &after[start..];
    let body = &body[body.find('\n').expect("a fence line") + 1..];
    &body[..body.find("```").expect("a closing fence")]
}

#[test]
fn the_readme_pipeline_runs_against_the_mock() {
    let mock = Mock::start();
    let agents = block("agents file").replace(README_LOCATION, LOCATION);
    std::fs::write(mock.dir.join("agents.yaml"), agents).expect("agents.yaml is written");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_highlevel"))
        .parent()
        .expect("the binary's directory")
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(block("pipeline"))
        .current_dir(&mock.dir)
        .env("PATH", path)
        .env("HIGHLEVEL_TOKEN", TOKEN)
        .env("HIGHLEVEL_BASE_URL", &mock.url)
        .env("HIGHLEVEL_LOCATION_ID", LOCATION)
        .env("HIGHLEVEL_CONFIG", mock.dir.join("absent-config.yaml"))
        .output()
        .expect("sh runs");
    let run = crate::support::Run::checked(&["README pipeline"], output);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Dry run: nothing was changed."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Applied 4 of 4 changes."),
        "{}",
        run.stdout
    );
    let calls = std::fs::read_to_string(mock.dir.join("calls.csv")).expect("calls.csv");
    let mut reader = csv::Reader::from_reader(calls.as_bytes());
    assert_eq!(
        reader.records().count(),
        1,
        "the demo's one call that sent a text: {calls}"
    );
}

#[test]
fn the_readme_assistant_configuration_starts_a_working_mcp_server() {
    let mock = Mock::start();
    let config: Value = serde_json::from_str(block("assistant configuration")).expect("JSON");
    let server = &config["mcpServers"]["highlevel"];
    assert_eq!(server["command"], "highlevel");
    let mut command = Command::new(env!("CARGO_BIN_EXE_highlevel"));
    for arg in server["args"].as_array().expect("args") {
        command.arg(arg.as_str().expect("a string"));
    }
    for (key, value) in server["env"].as_object().expect("env") {
        // The placeholders become the mock's token and location; the base URL is the test's.
        let value = match key.as_str() {
            "HIGHLEVEL_TOKEN" => TOKEN,
            "HIGHLEVEL_LOCATION_ID" => {
                assert_eq!(value, README_LOCATION);
                LOCATION
            }
            other => panic!("the README configuration sets {other}, which this test does not know"),
        };
        command.env(key, value);
    }
    command
        .env("HIGHLEVEL_BASE_URL", &mock.url)
        .env("HIGHLEVEL_CONFIG", mock.dir.join("absent-config.yaml"));
    let mut session = Session::spawn(command);
    let agents = session.call("voice_ai_agents_list", json!({}));
    assert_eq!(agents["structuredContent"]["total"], 3, "{agents}");
    session.finish();
}

#[test]
fn the_readme_lists_every_command_of_the_tree() {
    let listed: Vec<(String, String)> = README
        .lines()
        .filter_map(|line| {
            let line = line.strip_prefix("| `")?;
            let (command, rest) = line.split_once("` | `")?;
            let operation = rest.strip_suffix("` |")?;
            (command.starts_with("voice-ai ") || command.starts_with("conversation-ai "))
                .then(|| (command.to_owned(), operation.to_owned()))
        })
        .collect();
    assert_eq!(listed.len(), 25, "{listed:?}");
    let mock = Mock::start_with(&["--empty"]);
    for (command, operation) in listed {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let help = mock.run(&args);
        assert_eq!(
            help.code, 0,
            "`highlevel {command}` exists: {}",
            help.stderr
        );
        assert!(
            help.stdout.contains(&format!("operationId {operation})")),
            "{command}: {}",
            help.stdout
        );
    }
}
