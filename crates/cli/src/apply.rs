//! `apply`: prints the plan, then makes its changes one by one. A failure stops the run and
//! reports what was applied, what failed and what was not; since every run plans from what
//! the locations have at that moment, running it again finishes the job.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::dispatch;
use crate::error::CliError;
use crate::output::Format;
use crate::plan::{AgentIdSlot, Change, Kind, Op, Plan};
use crate::session::Session;
use crate::spec::{self, Api};

/// What happened to each change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Nothing to do.
    Unchanged,
    /// Planned, not applied (`--dry-run`).
    Planned,
    /// Done.
    Applied,
    /// Tried, and HighLevel refused or failed.
    Failed,
    /// Not tried, because an earlier change failed.
    NotApplied,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Unchanged => "unchanged",
            Status::Planned => "planned",
            Status::Applied => "applied",
            Status::Failed => "failed",
            Status::NotApplied => "not applied",
        }
    }
}

/// The outcome of a run: each change's status, and the error that stopped it.
pub(crate) struct Outcome {
    /// The plan.
    pub(crate) plan: Plan,
    /// One status per change of the plan.
    pub(crate) statuses: Vec<Status>,
    /// The error that stopped the run.
    pub(crate) error: Option<CliError>,
}

/// Applies `plan` (or only reports it, with `dry_run`).
pub(crate) async fn apply(plan: Plan, session: &Session, dry_run: bool) -> Outcome {
    let mut statuses: Vec<Status> = plan
        .changes
        .iter()
        .map(|change| match (change.op, dry_run) {
            (Op::Unchanged, _) => Status::Unchanged,
            (_, true) => Status::Planned,
            (_, false) => Status::NotApplied,
        })
        .collect();
    if dry_run {
        return Outcome {
            plan,
            statuses,
            error: None,
        };
    }
    // Agents created in this run, by (location, api, name).
    let mut created: BTreeMap<(String, Api, String), String> = BTreeMap::new();
    let mut error = None;
    for (index, change) in plan.changes.iter().enumerate() {
        let Some(request) = &change.request else {
            continue;
        };
        match run_one(session, change, request, &created).await {
            Ok(response) => {
                statuses[index] = Status::Applied;
                if change.kind == Kind::Agent && change.op == Op::Create {
                    let id = response
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    created.insert(
                        (change.location.clone(), change.api, change.agent.clone()),
                        id,
                    );
                }
            }
            Err(failure) => {
                statuses[index] = Status::Failed;
                error = Some(failure.context(format!(
                    "{} ({} in {})",
                    change.describe(),
                    verb(change.op),
                    change.location
                )));
                break;
            }
        }
    }
    Outcome {
        plan,
        statuses,
        error,
    }
}

async fn run_one(
    session: &Session,
    change: &Change,
    request: &crate::plan::Request,
    created: &BTreeMap<(String, Api, String), String>,
) -> Result<Value, CliError> {
    let clients = session.clients_for(Some(&change.location))?;
    let operation =
        spec::operation(change.api, request.operation).expect("plans use operations of the spec");
    let mut invocation = request.invocation.clone();
    if let Some(slot) = request.agent_id {
        let id = created
            .get(&(change.location.clone(), change.api, change.agent.clone()))
            .cloned()
            .ok_or_else(|| CliError::general("the agent of this action was not created"))?;
        match slot {
            AgentIdSlot::Param => {
                invocation.params.insert("agentId".to_owned(), id);
            }
            AgentIdSlot::Body => {
                invocation
                    .body
                    .get_or_insert_with(Default::default)
                    .insert("agentId".to_owned(), Value::String(id));
            }
        }
    }
    dispatch::call(&clients, operation, &invocation).await
}

fn verb(op: Op) -> &'static str {
    match op {
        Op::Create => "create",
        Op::Update => "update",
        Op::Delete => "delete",
        Op::Unchanged => "unchanged",
    }
}

fn sign(op: Op) -> char {
    match op {
        Op::Create => '+',
        Op::Update => '~',
        Op::Delete => '-',
        Op::Unchanged => '=',
    }
}

fn short(value: &Value) -> String {
    let text = serde_json::to_string(value).expect("a JSON value serializes");
    if text.chars().count() > 70 {
        let mut cut: String = text.chars().take(69).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The plan as people read it.
pub(crate) fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    let mut location = None;
    for change in &plan.changes {
        if location != Some(&change.location) {
            out.push_str(&format!("location {}\n", change.location));
            location = Some(&change.location);
        }
        out.push_str(&format!(
            "  {} {}: {}\n",
            sign(change.op),
            change.describe(),
            verb(change.op)
        ));
        for field in &change.diff {
            out.push_str(&format!(
                "      {}: {} → {}\n",
                field.field,
                short(&field.from),
                short(&field.to)
            ));
        }
    }
    let summary = plan.summary();
    out.push_str(&format!(
        "Plan: {} to create, {} to update, {} to delete, {} unchanged.\n",
        summary["create"], summary["update"], summary["delete"], summary["unchanged"]
    ));
    out
}

/// The outcome as a document: each change with its status, the summary, and the error that
/// stopped the run (also returned).
pub(crate) fn document(outcome: Outcome, dry_run: bool) -> (Value, Option<CliError>) {
    let Outcome {
        plan,
        statuses,
        error,
    } = outcome;
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .zip(&statuses)
        .map(|(change, status)| {
            let mut value = serde_json::to_value(change).expect("a change serializes");
            value["status"] = json!(status.as_str());
            value
        })
        .collect();
    let mut document = json!({
        "changes": changes,
        "summary": plan.summary(),
        "changed": statuses.contains(&Status::Applied),
    });
    if dry_run {
        document["dryRun"] = json!(true);
    }
    if let Some(error) = &error {
        document["error"] = json!(error.to_string());
    }
    (document, error)
}

/// Prints the outcome in `format` and returns the error that stopped the run, if any.
pub(crate) fn report(outcome: Outcome, format: Format, dry_run: bool) -> Result<(), CliError> {
    if matches!(format, Format::Json | Format::Yaml) {
        let (document, error) = document(outcome, dry_run);
        crate::output::print(&document, format)?;
        return match error {
            Some(error) => Err(error),
            None => Ok(()),
        };
    }
    let Outcome {
        plan,
        statuses,
        error,
    } = outcome;
    {
        let mut text = plan_text(&plan);
        if !plan.has_changes() {
            text.push_str("No changes: every location already matches the file.\n");
        } else if dry_run {
            text.push_str("Dry run: nothing was changed.\n");
        } else {
            let done: Vec<String> = changes_with(&plan, &statuses, Status::Applied);
            let left: Vec<String> = changes_with(&plan, &statuses, Status::NotApplied);
            text.push_str(&format!(
                "Applied {} of {} changes.\n",
                done.len(),
                done.len() + left.len() + usize::from(error.is_some())
            ));
            if error.is_some() {
                for line in &done {
                    text.push_str(&format!("  applied: {line}\n"));
                }
                for line in changes_with(&plan, &statuses, Status::Failed) {
                    text.push_str(&format!("  failed: {line}\n"));
                }
                for line in &left {
                    text.push_str(&format!("  not applied: {line}\n"));
                }
                text.push_str("Run the same apply again: it plans from what the locations have now, so it finishes the rest.\n");
            }
        }
        print!("{text}");
    }
    match error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn changes_with(plan: &Plan, statuses: &[Status], wanted: Status) -> Vec<String> {
    plan.changes
        .iter()
        .zip(statuses)
        .filter(|(_, status)| **status == wanted)
        .map(|(change, _)| {
            format!(
                "{} {} in {}",
                verb(change.op),
                change.describe(),
                change.location
            )
        })
        .collect()
}
