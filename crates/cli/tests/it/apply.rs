//! `apply`, `export` and `--prune`: agents as code rolled out to two locations, applied twice,
//! round-tripped, pruned, and converging after a failure part-way.

use serde_json::Value;

use crate::support::{LOCATION, Mock, SECOND_LOCATION};

const AGENTS: &str = r#"
locations: [cliTestLocation00001, cliTestLocation00002]
voiceAi:
  - agentName: Front Desk
    businessName: Harbor Dental Care
    maxCallDuration: 420
    actions:
      - name: Text the address
        actionType: SMS
        actionParameters:
          triggerPrompt: The caller asks for the address
          triggerMessage: I'll text it to you now.
          messageBody: 12 Pier Road
conversationAi:
  - name: Concierge
    personality: Warm and brief
    goal: Book visits
    instructions: Never quote prices
    actions:
      - name: Chase quiet leads
        type: advancedFollowup
        details:
          enabled: true
          scenarioId: contactStoppedReplying
          followupSequence:
            - id: 1
              followupTime: 4
              followupTimeUnit: hours
              aiEnabledMessage: true
              triggerWorkflow: false
    followupSettings:
      dynamicChannelSwitching: false
      followUpHours: true
      timezoneToUse: contact
"#;

fn write(mock: &Mock, name: &str, text: &str) -> String {
    let path = mock.dir.join(name);
    std::fs::write(&path, text).expect("the file is written");
    path.to_string_lossy().into_owned()
}

fn summary(run: &Value) -> (u64, u64, u64, u64) {
    let count = |key: &str| run["summary"][key].as_u64().expect("a count");
    (
        count("create"),
        count("update"),
        count("delete"),
        count("unchanged"),
    )
}

#[test]
fn apply_rolls_out_to_two_locations_and_a_second_apply_changes_nothing() {
    let mock = Mock::start_with(&["--empty"]);
    let config = mock.add_second_location();
    let config = config.to_str().expect("a UTF-8 path");
    let file = write(&mock, "agents.yaml", AGENTS);
    let env = [("HIGHLEVEL_CONFIG", config)];

    let first = mock
        .run_with(&["apply", "-f", &file, "--format", "json"], &env, None)
        .json();
    assert_eq!(summary(&first), (8, 0, 0, 0), "{first}");
    assert!(
        first["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["status"] == "applied")
    );

    for (location, profile) in [(LOCATION, None), (SECOND_LOCATION, Some("second"))] {
        let mut args = vec!["voice-ai", "agents", "list", "--location", location];
        if let Some(profile) = profile {
            args.extend(["--profile", profile]);
        }
        let agents = mock.run_with(&args, &env, None).json();
        assert_eq!(agents["agents"][0]["agentName"], "Front Desk", "{location}");
        assert_eq!(agents["agents"][0]["locationId"], location);
        assert_eq!(
            agents["agents"][0]["actions"][0]["name"],
            "Text the address"
        );
        let mut args = vec!["conversation-ai", "agents", "search"];
        if let Some(profile) = profile {
            args.extend(["--profile", profile]);
        }
        let agents = mock.run_with(&args, &env, None).json();
        assert_eq!(agents["agents"][0]["name"], "Concierge", "{location}");
    }

    let writes_before = mock.writes().len();
    let second = mock.run_with(&["apply", "-f", &file], &env, None);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("No changes"), "{}", second.stdout);
    assert!(
        second
            .stdout
            .contains("0 to create, 0 to update, 0 to delete, 8 unchanged"),
        "{}",
        second.stdout
    );
    assert_eq!(
        mock.writes().len(),
        writes_before,
        "the second apply sent no write"
    );
}

#[test]
fn a_dry_run_shows_the_field_level_diff_and_changes_nothing() {
    let mock = Mock::start_with(&["--empty"]);
    let one_location = AGENTS.replace(", cliTestLocation00002", "");
    let file = write(&mock, "agents.yaml", &one_location);
    mock.run(&["apply", "-f", &file]);

    let edited = one_location
        .replace("maxCallDuration: 420", "maxCallDuration: 600")
        .replace("followUpHours: true", "followUpHours: false");
    let file = write(&mock, "agents.yaml", &edited);
    let writes_before = mock.writes().len();
    let dry = mock.run(&["apply", "-f", &file, "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("~ voice-ai agent \"Front Desk\": update"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("maxCallDuration: 420 → 600"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("follow-up settings of \"Chase quiet leads\""),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("Dry run: nothing was changed."),
        "{}",
        dry.stdout
    );
    assert_eq!(mock.writes().len(), writes_before);

    mock.run(&["apply", "-f", &file]);
    let writes = &mock.writes()[writes_before..];
    assert_eq!(
        writes.len(),
        2,
        "one PATCH of the agent, one of the follow-up settings: {writes:?}"
    );
    assert!(
        writes[0].starts_with("PATCH /voice-ai/agents/"),
        "{writes:?}"
    );
    assert!(
        writes[1].starts_with("PATCH /conversation-ai/agents/")
            && writes[1].ends_with("/followup-settings"),
        "{writes:?}"
    );
    let again = mock.run(&["apply", "-f", &file]);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn export_then_apply_round_trips_without_changes() {
    let mock = Mock::start();
    let exported = mock.run(&["export", "-o", "exported.yaml"]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let text = std::fs::read_to_string(mock.dir.join("exported.yaml")).expect("the export");
    assert!(
        text.contains("agentName: Leo - Front Desk") && text.contains("type: advancedFollowup"),
        "{text}"
    );

    let writes_before = mock.writes().len();
    let applied = mock
        .run(&["apply", "-f", "exported.yaml", "--format", "json"])
        .json();
    let (create, update, delete, unchanged) = summary(&applied);
    assert_eq!((create, update, delete), (0, 0, 0), "{applied}");
    assert!(unchanged >= 5, "{applied}");
    assert_eq!(
        mock.writes()[writes_before..],
        [] as [String; 0],
        "{applied}"
    );
}

#[test]
fn prune_deletes_what_the_file_leaves_out_and_only_with_the_flag() {
    let mock = Mock::start();
    mock.run(&["export", "-o", "all.yaml"]);
    let all: Value = serde_norway::from_str(
        &std::fs::read_to_string(mock.dir.join("all.yaml")).expect("export"),
    )
    .expect("YAML");
    let mut fewer = all.clone();
    let voice = fewer["voiceAi"].as_array_mut().expect("voice agents");
    let dropped = voice.remove(2)["agentName"]
        .as_str()
        .expect("a name")
        .to_owned();
    voice[0]["actions"]
        .as_array_mut()
        .expect("actions")
        .remove(0);
    fewer["conversationAi"]
        .as_array_mut()
        .expect("conversation agents")
        .remove(1);
    let file = write(
        &mock,
        "fewer.yaml",
        &serde_norway::to_string(&fewer).expect("YAML"),
    );

    let kept = mock.run(&["apply", "-f", &file, "--format", "json"]).json();
    assert_eq!(
        summary(&kept).2,
        0,
        "without --prune nothing is deleted: {kept}"
    );
    let pruned = mock
        .run(&["apply", "-f", &file, "--prune", "--format", "json"])
        .json();
    assert_eq!(summary(&pruned).2, 3, "{pruned}");
    let deleted: Vec<String> = pruned["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|change| change["op"] == "delete")
        .map(|change| {
            format!(
                "{} {} {}",
                change["kind"], change["agent"], change["action"]
            )
        })
        .collect();
    assert!(deleted.iter().any(|d| d.contains(&dropped)), "{deleted:?}");

    let agents = mock.run(&["voice-ai", "agents", "list"]).json();
    assert_eq!(agents["total"], 2);
    let again = mock.run(&["apply", "-f", &file, "--prune"]);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn a_failure_part_way_reports_what_was_applied_and_a_rerun_converges() {
    let mock = Mock::start_with(&["--empty"]);
    let one_location = AGENTS.replace(", cliTestLocation00002", "");
    let file = write(&mock, "agents.yaml", &one_location);
    mock.fault(serde_json::json!({"method": "POST", "path": "/conversation-ai/agents", "status": 500, "times": 1}));

    let failed = mock.run(&["apply", "-f", &file]);
    assert_eq!(failed.code, 7, "{}\n{}", failed.stdout, failed.stderr);
    assert!(
        failed.stdout.contains("Applied 2 of 4 changes."),
        "{}",
        failed.stdout
    );
    assert!(
        failed
            .stdout
            .contains("applied: create voice-ai agent \"Front Desk\""),
        "{}",
        failed.stdout
    );
    assert!(
        failed
            .stdout
            .contains("failed: create conversation-ai agent \"Concierge\""),
        "{}",
        failed.stdout
    );
    assert!(
        failed
            .stdout
            .contains("not applied: create conversation-ai agent \"Concierge\" action"),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stderr.contains("Internal server error"),
        "{}",
        failed.stderr
    );

    let rerun = mock.run(&["apply", "-f", &file, "--format", "json"]).json();
    assert_eq!(summary(&rerun), (2, 0, 0, 2), "{rerun}");
    let settled = mock.run(&["apply", "-f", &file]);
    assert!(settled.stdout.contains("No changes"), "{}", settled.stdout);
}

#[test]
fn an_invalid_file_is_refused_before_anything_is_sent() {
    let mock = Mock::start_with(&["--empty"]);
    let file = write(
        &mock,
        "bad.yaml",
        "locations: [x]\nvoiceAi:\n  - agentName: A\n    maxCalDuration: 3\n",
    );
    let run = mock.run(&["apply", "-f", &file]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown field `maxCalDuration`"),
        "{}",
        run.stderr
    );
    assert!(mock.requests().is_empty());
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let mock = Mock::start_with(&["--empty"]);
    let printed = mock.run(&["schema"]).json();
    let committed: Value = serde_json::from_str(include_str!("../../agents.schema.json"))
        .expect("the committed schema");
    assert_eq!(printed, committed);
    assert_eq!(
        printed["properties"]["voiceAi"]["items"]["required"][0],
        "agentName"
    );
}
