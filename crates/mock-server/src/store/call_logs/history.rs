//! A location's call-log history as a state document records it (generation parameters and
//! explicit logs), and its replay on import.

use super::*;

impl CallLogs {
    /// The history as a state document records it, and the bodies of the logs added as JSON
    /// (with their ids, in row order): `[{"generate": {count, reference, at, agents: [{agentId,
    /// agentName, businessName, actions: [{id, name, actionType, actionParameters}]}]}},
    /// {"explicit": n}, …]`.
    pub(crate) fn export_history(&self) -> (Value, Vec<Value>) {
        let mut steps = Vec::with_capacity(self.history.len());
        let mut explicit = Vec::with_capacity(self.bodies.len());
        let mut row = 0u32;
        for step in &self.history {
            match step {
                Step::Generated {
                    snaps,
                    count,
                    reference,
                    at,
                } => {
                    let agents: Vec<Value> = snaps
                        .iter()
                        .map(|&i| {
                            let snap = &self.snaps[i as usize];
                            let actions: Vec<Value> = snap
                                .actions
                                .iter()
                                .map(|a| {
                                    json!({"id": a.id, "name": a.name, "actionType": a.action_type,
                                           "actionParameters": a.parameters})
                                })
                                .collect();
                            json!({
                                "agentId": self.agent_ids[snap.agent as usize],
                                "agentName": snap.agent_name,
                                "businessName": snap.business,
                                "actions": actions,
                            })
                        })
                        .collect();
                    steps.push(json!({"generate": {
                        "count": count, "reference": reference, "at": at, "agents": agents,
                    }}));
                    row += *count as u32;
                }
                Step::Explicit(n) => {
                    for r in row..row + *n as u32 {
                        if let Some(body) = self.bodies.get(&r) {
                            explicit.push(Value::Object(body.clone()));
                        }
                    }
                    steps.push(json!({"explicit": n}));
                    row += *n as u32;
                }
            }
        }
        (Value::Array(steps), explicit)
    }

    /// Rebuilds call logs from [`CallLogs::export_history`]'s output: `history` (when absent,
    /// every log of `explicit` was added as JSON, in order) replayed with `key`.
    pub(crate) fn replay(
        key: u64,
        history: Option<&Value>,
        explicit: Vec<(String, Map<String, Value>)>,
        at: &str,
    ) -> Result<Self, String> {
        let mut logs = Self::default();
        let mut explicit = explicit.into_iter();
        let steps = match history {
            None => Vec::new(),
            Some(Value::Array(steps)) => steps.clone(),
            Some(_) => return Err(format!("{at} must be an array")),
        };
        for (i, step) in steps.iter().enumerate() {
            let at = format!("{at}.{i}");
            if let Some(n) = step.get("explicit") {
                let n = n
                    .as_u64()
                    .ok_or_else(|| format!("{at}.explicit must be a whole number"))?;
                let batch: Vec<_> = explicit.by_ref().take(n as usize).collect();
                if batch.len() as u64 != n {
                    return Err(format!("{at}.explicit names more logs than callLogs holds"));
                }
                logs.insert_explicit_many(key, batch);
                continue;
            }
            let generate = step.get("generate").ok_or_else(|| {
                format!("{at} must be {{\"generate\": …}} or {{\"explicit\": n}}")
            })?;
            let count = generate["count"]
                .as_u64()
                .ok_or_else(|| format!("{at}.generate.count must be a whole number"))?;
            let reference = generate["reference"]
                .as_i64()
                .ok_or_else(|| format!("{at}.generate.reference must be a whole number"))?;
            let when =
                match &generate["at"] {
                    Value::Null => None,
                    v => Some(v.as_i64().ok_or_else(|| {
                        format!("{at}.generate.at must be a whole number or null")
                    })?),
                };
            let agents = generate["agents"]
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| format!("{at}.generate.agents must be a non-empty array"))?;
            let text = |v: &Value, name: &str| v[name].as_str().unwrap_or_default().to_owned();
            let mut snaps = Vec::with_capacity(agents.len());
            for agent in agents {
                let agent_id = agent["agentId"]
                    .as_str()
                    .ok_or_else(|| format!("{at}.generate.agents[].agentId must be a string"))?;
                let number = logs.agent_of(agent_id);
                let actions = agent["actions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| ActionSnap {
                        id: text(a, "id"),
                        name: text(a, "name"),
                        action_type: text(a, "actionType"),
                        parameters: a.get("actionParameters").cloned().unwrap_or(json!({})),
                    })
                    .collect();
                snaps.push(logs.snapshot_of(Snapshot {
                    agent: number,
                    agent_name: text(agent, "agentName"),
                    business: text(agent, "businessName"),
                    actions,
                }));
            }
            logs.generate(key, &snaps, count as usize, reference, when);
        }
        let rest: Vec<_> = explicit.collect();
        if !rest.is_empty() {
            logs.insert_explicit_many(key, rest);
        }
        Ok(logs)
    }
}
