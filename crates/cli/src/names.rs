//! What each operation is called on the command line: a resource and a verb
//! (`voice-ai agents list`), and the MCP tool name made from them (`voice_ai_agents_list`).
//!
//! The operations come from the specs; only their names are chosen here. An operation a spec
//! adds without a name below still gets a command (its `operationId`, kebab-cased, under
//! `other`), and a test fails until it is named.

use crate::spec::{Api, Operation};

/// `(api, operationId, resource, verb)` for every operation of both specs.
const NAMES: &[(Api, &str, &str, &str)] = &[
    (Api::VoiceAi, "listAgents", "agents", "list"),
    (Api::VoiceAi, "getAgent", "agents", "get"),
    (Api::VoiceAi, "createAgent", "agents", "create"),
    (Api::VoiceAi, "patchAgent", "agents", "patch"),
    (Api::VoiceAi, "deleteAgent", "agents", "delete"),
    (Api::VoiceAi, "getAction", "actions", "get"),
    (Api::VoiceAi, "createAction", "actions", "create"),
    (Api::VoiceAi, "updateAction", "actions", "update"),
    (Api::VoiceAi, "deleteAction", "actions", "delete"),
    (Api::VoiceAi, "listCallLogs", "call-logs", "list"),
    (Api::VoiceAi, "getCallLog", "call-logs", "get"),
    (Api::VoiceAi, "listVoices", "voices", "list"),
    (Api::VoiceAi, "getVoice", "voices", "get"),
    (Api::ConversationAi, "searchAgents", "agents", "search"),
    (Api::ConversationAi, "getAgent", "agents", "get"),
    (Api::ConversationAi, "createAgent", "agents", "create"),
    (Api::ConversationAi, "updateAgent", "agents", "update"),
    (Api::ConversationAi, "deleteAgent", "agents", "delete"),
    (Api::ConversationAi, "listActions", "actions", "list"),
    (Api::ConversationAi, "getAction", "actions", "get"),
    (Api::ConversationAi, "createAction", "actions", "create"),
    (Api::ConversationAi, "updateAction", "actions", "update"),
    (Api::ConversationAi, "deleteAction", "actions", "delete"),
    (
        Api::ConversationAi,
        "updateFollowupSettings",
        "followup",
        "update",
    ),
    (
        Api::ConversationAi,
        "getGenerationDetails",
        "generations",
        "get",
    ),
];

/// The resource and verb of `operation`.
pub(crate) fn command_name(operation: &Operation) -> (String, String) {
    NAMES
        .iter()
        .find(|(api, id, _, _)| *api == operation.api && *id == operation.id)
        .map(|(_, _, resource, verb)| ((*resource).to_owned(), (*verb).to_owned()))
        .unwrap_or_else(|| ("other".to_owned(), kebab(&operation.id)))
}

/// The MCP tool name of `operation`: `voice_ai_agents_list`.
pub(crate) fn tool_name(operation: &Operation) -> String {
    let (resource, verb) = command_name(operation);
    format!("{}_{resource}_{verb}", operation.api.command()).replace('-', "_")
}

/// `agentName` → `agent-name`.
pub(crate) fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (index, character) in name.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                out.push('-');
            }
            out.push(character.to_ascii_lowercase());
        } else if character == '_' {
            out.push('-');
        } else {
            out.push(character);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::spec::operations;

    #[test]
    fn every_operation_of_both_specs_has_a_name_and_every_name_an_operation() {
        let in_specs: BTreeSet<(Api, String)> = operations()
            .iter()
            .map(|operation| (operation.api, operation.id.clone()))
            .collect();
        let named: BTreeSet<(Api, String)> = NAMES
            .iter()
            .map(|(api, id, _, _)| (*api, (*id).to_owned()))
            .collect();
        assert_eq!(in_specs, named);
    }

    #[test]
    fn no_two_operations_share_a_command() {
        let commands: BTreeSet<(Api, &str, &str)> = NAMES
            .iter()
            .map(|(api, _, resource, verb)| (*api, *resource, *verb))
            .collect();
        assert_eq!(commands.len(), NAMES.len());
    }

    #[test]
    fn spec_names_become_kebab_case_flags() {
        assert_eq!(kebab("locationId"), "location-id");
        assert_eq!(kebab("autoPilotMaxMessages"), "auto-pilot-max-messages");
        assert_eq!(kebab("page"), "page");
    }
}
