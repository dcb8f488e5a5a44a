//! The read commands of both APIs: JSON parsed back, formats, `--all`, call-log filters.

use serde_json::Value;

use crate::support::{LOCATION, Mock};

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item[key].as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn voice_ai_agents_list_prints_json_when_piped_that_parses_back() {
    let mock = Mock::start();
    let page = mock.run(&["voice-ai", "agents", "list"]).json();
    assert_eq!(page["total"], 3);
    assert_eq!(
        names(&page["agents"], "agentName"),
        ["Leo - Front Desk", "After Hours", "Spanish Line"]
    );
    let (method, path, query) = mock.requests().pop().expect("one request");
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("GET", "/voice-ai/agents")
    );
    assert!(query.contains(&format!("locationId={LOCATION}")), "{query}");
}

#[test]
fn all_follows_every_page_through_the_client_stream() {
    let mock = Mock::start();
    let agents = mock
        .run(&["voice-ai", "agents", "list", "--all", "--page-size", "1"])
        .json();
    assert_eq!(agents.as_array().map(Vec::len), Some(3));
    let pages: Vec<String> = mock
        .requests()
        .into_iter()
        .map(|(_, _, query)| query)
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("page=3"), "{pages:?}");
}

#[test]
fn table_yaml_and_csv_formats_show_the_same_agents() {
    let mock = Mock::start();
    let table = mock.run(&["voice-ai", "agents", "list", "--format", "table"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let header = table.stdout.lines().nth(1).expect("a header row");
    assert!(
        header.contains("id") && header.contains("agentName"),
        "{}",
        table.stdout
    );
    for name in ["Leo - Front Desk", "After Hours", "Spanish Line"] {
        let cell = format!("┆ {name} ");
        assert_eq!(table.stdout.matches(&cell).count(), 1, "{}", table.stdout);
    }

    let yaml = mock.run(&["voice-ai", "agents", "list", "--format", "yaml"]);
    let parsed: Value = serde_norway::from_str(&yaml.stdout).expect("YAML");
    assert_eq!(parsed["total"], 3);

    let csv = mock.run(&["voice-ai", "agents", "list", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let name = headers
        .iter()
        .position(|h| h == "agentName")
        .expect("an agentName column");
    let rows: Vec<String> = reader
        .records()
        .map(|record| record.expect("a row")[name].to_owned())
        .collect();
    assert_eq!(rows, ["Leo - Front Desk", "After Hours", "Spanish Line"]);
}

#[test]
fn agents_get_and_voices_read_one_item_each() {
    let mock = Mock::start();
    let page = mock.run(&["voice-ai", "agents", "list"]).json();
    let id = page["agents"][0]["id"].as_str().expect("an id");
    let agent = mock
        .run(&["voice-ai", "agents", "get", "--agent-id", id])
        .json();
    assert_eq!(agent["agentName"], "Leo - Front Desk");
    let action = &agent["actions"][0];
    let got = mock
        .run(&[
            "voice-ai",
            "actions",
            "get",
            "--action-id",
            action["id"].as_str().expect("an id"),
        ])
        .json();
    assert_eq!(got["name"], action["name"]);

    let voices = mock.run(&["voice-ai", "voices", "list", "--all"]).json();
    assert!(
        voices.as_array().is_some_and(|voices| voices.len() > 20),
        "more than one page"
    );
    let voice = voices[0]["voiceId"].as_str().expect("a voice id");
    let one = mock
        .run(&["voice-ai", "voices", "get", "--voice-id", voice])
        .json();
    assert_eq!(one["voiceId"], voice);
}

#[test]
fn call_log_filters_read_as_people_say_them() {
    let mock = Mock::start();
    let logs = mock
        .run(&[
            "voice-ai",
            "call-logs",
            "list",
            "--since",
            "7d",
            "--tz",
            "America/Chicago",
            "--type",
            "live",
            "--action",
            "sms,call-transfer",
        ])
        .json();
    assert_eq!(logs["callLogs"].as_array().map(Vec::len), Some(1), "{logs}");
    let (_, _, query) = mock.requests().pop().expect("a request");
    for expected in [
        "callType=LIVE",
        "actionType=SMS%2CCALL_TRANSFER",
        "timezone=America%2FChicago",
        "startDate=",
        "endDate=",
    ] {
        assert!(query.contains(expected), "{expected} in {query}");
    }
    let id = logs["callLogs"][0]["id"].as_str().expect("an id");
    let log = mock
        .run(&["voice-ai", "call-logs", "get", "--call-id", id])
        .json();
    assert_eq!(log["id"], id);

    let none = mock
        .run(&[
            "voice-ai",
            "call-logs",
            "list",
            "--between",
            "2026-01-01..2026-01-31",
            "--tz",
            "America/Chicago",
        ])
        .json();
    assert_eq!(none["callLogs"].as_array().map(Vec::len), Some(0), "{none}");
    let (_, _, query) = mock.requests().pop().expect("a request");
    // Midnight in Chicago (UTC-6) on 1 January, and on 1 February: both days included.
    assert!(query.contains("startDate=1767247200000"), "{query}");
    assert!(query.contains("endDate=1769925600000"), "{query}");

    let typo = mock.run(&["voice-ai", "call-logs", "list", "--action", "teleport"]);
    assert_eq!(typo.code, 5, "{}", typo.stderr);
    assert!(typo.stderr.contains("call-transfer"), "{}", typo.stderr);
}

#[test]
fn conversation_ai_agents_actions_and_generations_are_read() {
    let mock = Mock::start();
    let agents = mock
        .run(&["conversation-ai", "agents", "search", "--all"])
        .json();
    assert_eq!(
        names(&agents, "name"),
        ["Harbor View Realty Support", "Lead Qualifier"]
    );
    let id = agents[0]["id"].as_str().expect("an id");
    let agent = mock
        .run(&["conversation-ai", "agents", "get", "--agent-id", id])
        .json();
    assert_eq!(agent["name"], "Harbor View Realty Support");
    let actions = mock
        .run(&["conversation-ai", "actions", "list", "--agent-id", id])
        .json();
    let first = actions["data"][0]["id"].as_str().expect("an action id");
    let action = mock
        .run(&[
            "conversation-ai",
            "actions",
            "get",
            "--agent-id",
            id,
            "--action-id",
            first,
        ])
        .json();
    assert_eq!(action["data"]["id"], first);
    let generation = mock
        .run(&[
            "conversation-ai",
            "generations",
            "get",
            "--message-id",
            "demoMessage000000001",
            "--source",
            "conversation",
        ])
        .json();
    assert!(generation.is_object(), "{generation}");
}

#[test]
fn verbose_shows_each_request_but_never_the_token() {
    let mock = Mock::start();
    let run = mock.run(&[
        "--verbose",
        "voice-ai",
        "agents",
        "list",
        "--all",
        "--page-size",
        "2",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    for line in lines {
        assert!(
            line.starts_with("GET /voice-ai/agents 200 ") && line.ends_with("ms"),
            "{line}"
        );
    }
}
