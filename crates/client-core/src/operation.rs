//! What the runtime knows about one operation of a generated client: its names, method, path
//! template and scope, as its spec states them.

/// What the runtime knows about one operation of a generated client, from its spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationMeta {
    /// The operation as progenitor names it in `progenitor_client::OperationInfo`
    /// (`get_agent`).
    pub operation_id: &'static str,
    /// The spec's `operationId` (`getAgent`).
    pub name: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/voice-ai/agents/{agentId}`.
    pub path: &'static str,
    /// The OAuth scope the operation needs, e.g. `voice-ai-agents.readonly`, when known.
    pub scope: Option<&'static str>,
}

impl OperationMeta {
    /// The entry of `table` for `operation_id`.
    pub fn find(table: &'static [OperationMeta], operation_id: &str) -> Option<&'static Self> {
        table
            .iter()
            .find(|operation| operation.operation_id == operation_id)
    }
}
