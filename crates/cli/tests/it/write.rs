//! The write commands of both APIs: create, change and delete, each checked by reading back.

use serde_json::Value;

use crate::support::Mock;

fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

#[test]
fn voice_ai_agents_and_actions_are_created_changed_and_deleted() {
    let mock = Mock::start_with(&["--empty"]);
    let agent = mock
        .run(&[
            "voice-ai",
            "agents",
            "create",
            "--agent-name",
            "Night Line",
            "--max-call-duration",
            "300",
        ])
        .json();
    assert_eq!(agent["agentName"], "Night Line");
    assert_eq!(agent["maxCallDuration"], 300);
    let agent_id = id(&agent);

    let patched = mock
        .run(&[
            "voice-ai",
            "agents",
            "patch",
            "--agent-id",
            &agent_id,
            "--body",
            r#"{"welcomeMessage": "Hello, night line.", "maxCallDuration": 600}"#,
        ])
        .json();
    assert_eq!(patched["welcomeMessage"], "Hello, night line.");
    assert_eq!(patched["maxCallDuration"], 600);

    let sms = r#"{"actionType": "SMS", "actionParameters": {"triggerPrompt": "The caller asks for the address", "triggerMessage": "Texting it now.", "messageBody": "12 Pier Road"}}"#;
    let action = mock
        .run(&[
            "voice-ai",
            "actions",
            "create",
            "--agent-id",
            &agent_id,
            "--name",
            "Text the address",
            "--body",
            sms,
        ])
        .json();
    assert_eq!(action["actionType"], "SMS");
    let action_id = id(&action);

    // The body from stdin, as YAML.
    let update = "agentId: AGENT\nname: Text the address\nactionType: SMS\nactionParameters:\n  triggerPrompt: The caller asks for the address\n  triggerMessage: Sending it.\n  messageBody: 12 Pier Road, Harbor City\n"
        .replace("AGENT", &agent_id);
    let updated = mock.run_with(
        &[
            "voice-ai",
            "actions",
            "update",
            "--action-id",
            &action_id,
            "--body",
            "-",
        ],
        &[],
        Some(&update),
    );
    assert_eq!(
        updated.json()["actionParameters"]["messageBody"],
        "12 Pier Road, Harbor City"
    );

    let read = mock
        .run(&["voice-ai", "agents", "get", "--agent-id", &agent_id])
        .json();
    assert_eq!(read["actions"].as_array().map(Vec::len), Some(1));

    let deleted = mock
        .run(&[
            "voice-ai",
            "actions",
            "delete",
            "--action-id",
            &action_id,
            "--agent-id",
            &agent_id,
        ])
        .json();
    assert_eq!(deleted["deleted"], action_id.as_str());
    mock.run(&["voice-ai", "agents", "delete", "--agent-id", &agent_id])
        .json();
    let gone = mock.run(&["voice-ai", "agents", "get", "--agent-id", &agent_id]);
    assert_eq!(gone.code, 4, "{}", gone.stderr);
}

#[test]
fn conversation_ai_agents_actions_and_followup_settings_are_written() {
    let mock = Mock::start_with(&["--empty"]);
    let created = mock
        .run(&[
            "conversation-ai",
            "agents",
            "create",
            "--name",
            "Concierge",
            "--personality",
            "Warm",
            "--goal",
            "Book visits",
            "--instructions",
            "Keep it short",
        ])
        .json();
    let agent_id = id(&created);
    let updated = mock
        .run(&[
            "conversation-ai",
            "agents",
            "update",
            "--agent-id",
            &agent_id,
            "--auto-pilot-max-messages",
            "12",
            "--name",
            "Concierge (nights)",
        ])
        .json();
    assert_eq!(updated["name"], "Concierge (nights)");
    assert_eq!(updated["autoPilotMaxMessages"], 12);

    let followup = r#"{"type": "advancedFollowup", "details": {"enabled": true, "scenarioId": "contactStoppedReplying", "followupSequence": [{"id": 1, "followupTime": 4, "followupTimeUnit": "hours", "aiEnabledMessage": true, "triggerWorkflow": false}]}}"#;
    let action = mock
        .run(&[
            "conversation-ai",
            "actions",
            "create",
            "--agent-id",
            &agent_id,
            "--name",
            "Chase",
            "--body",
            followup,
        ])
        .json();
    let action_id = action["data"]["id"]
        .as_str()
        .expect("an action id")
        .to_owned();

    let settings = format!(
        r#"{{"actionIds": ["{action_id}"], "followupSettings": {{"dynamicChannelSwitching": false, "followUpHours": true, "timezoneToUse": "contact"}}}}"#
    );
    let set = mock
        .run(&[
            "conversation-ai",
            "followup",
            "update",
            "--agent-id",
            &agent_id,
            "--body",
            &settings,
        ])
        .json();
    assert_eq!(
        set["data"]["details"]["followupSettings"]["timezoneToUse"],
        "contact"
    );

    let replaced = mock
        .run(&[
            "conversation-ai",
            "actions",
            "update",
            "--agent-id",
            &agent_id,
            "--action-id",
            &action_id,
            "--name",
            "Chase quiet leads",
            "--body",
            followup,
        ])
        .json();
    assert_eq!(replaced["data"]["name"], "Chase quiet leads");

    mock.run(&[
        "conversation-ai",
        "actions",
        "delete",
        "--agent-id",
        &agent_id,
        "--action-id",
        &action_id,
    ])
    .json();
    let actions = mock
        .run(&[
            "conversation-ai",
            "actions",
            "list",
            "--agent-id",
            &agent_id,
        ])
        .json();
    assert_eq!(actions["data"].as_array().map(Vec::len), Some(0));
    mock.run(&[
        "conversation-ai",
        "agents",
        "delete",
        "--agent-id",
        &agent_id,
    ])
    .json();
    let gone = mock.run(&["conversation-ai", "agents", "get", "--agent-id", &agent_id]);
    assert_eq!(gone.code, 4, "{}", gone.stderr);
}
