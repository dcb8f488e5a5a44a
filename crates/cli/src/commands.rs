//! The `voice-ai …` and `conversation-ai …` command trees, built from the specs' operations:
//! one command per operation (resource and verb from `names`), one flag per parameter and per
//! top-level scalar body field, `--body` for the whole body, `--all` where pages can be
//! followed, and the spoken call-log filters on `call-logs list`.

use std::io::Read as _;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};

use crate::call_logs;
use crate::dispatch::{self, Invocation};
use crate::error::CliError;
use crate::names::{self, kebab};
use crate::spec::{self, Api, Operation, ParamIn};

/// Ids of the flags this module adds besides the spec's parameters.
const BODY: &str = "__body";
const ALL: &str = "__all";
const SINCE: &str = "__since";
const BETWEEN: &str = "__between";
const TZ: &str = "__tz";
const TYPE: &str = "__type";
const ACTION: &str = "__action";
/// Body fields get flag ids with this prefix (parameters use their spec names).
const BODY_FIELD: &str = "body.";

/// The command of `api`: a subcommand per resource, each with a subcommand per verb.
pub(crate) fn api_command(api: Api) -> Command {
    let mut resources: Vec<(String, Command)> = Vec::new();
    for operation in spec::operations()
        .iter()
        .filter(|operation| operation.api == api)
    {
        let (resource, verb) = names::command_name(operation);
        let command = operation_command(operation, &verb);
        match resources.iter_mut().find(|(name, _)| *name == resource) {
            Some((_, parent)) => *parent = parent.clone().subcommand(command),
            None => {
                let parent = Command::new(resource.clone())
                    .about(format!("{} {resource}", api.title()))
                    .subcommand_required(true)
                    .arg_required_else_help(true)
                    .subcommand(command);
                resources.push((resource, parent));
            }
        }
    }
    let mut command = Command::new(api.command())
        .about(format!("Every operation of the {} API", api.title()))
        .subcommand_required(true)
        .arg_required_else_help(true);
    for (name, resource) in resources {
        let verbs: Vec<String> = resource
            .get_subcommands()
            .map(|verb| verb.get_name().to_owned())
            .collect();
        command = command.subcommand(resource.about(format!(
            "{} {name}: {}",
            api.title(),
            verbs.join(", ")
        )));
    }
    command
}

/// The first sentence of a spec description, for one-line help.
fn first_line(text: &str) -> String {
    let paragraph = text
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match paragraph.find(". ") {
        Some(end) => paragraph[..=end].to_owned(),
        None => paragraph,
    }
}

fn operation_command(operation: &'static Operation, verb: &str) -> Command {
    let mut command = Command::new(verb.to_owned())
        .about(operation.summary.clone())
        .long_about(format!(
            "{}\n\n{} {} (operationId {})",
            operation.description, operation.method, operation.path, operation.id
        ));
    let mut longs: Vec<String> = Vec::new();
    for param in &operation.params {
        let long = kebab(&param.name);
        let mut help = first_line(&param.description);
        if param.name == "locationId" {
            help.push_str(" [default: --location, HIGHLEVEL_LOCATION_ID or the profile's]");
        }
        let mut arg = Arg::new(param.name.clone())
            .long(long.clone())
            .value_name(value_name(&param.schema))
            .required(param.required && param.location == ParamIn::Path)
            .help(help);
        if let Some(values) = enum_values(&param.schema) {
            arg = arg.value_parser(clap::builder::PossibleValuesParser::new(values));
        }
        command = command.arg(arg);
        longs.push(long);
    }
    if operation.body.is_some() {
        command = command.arg(
            Arg::new(BODY)
                .long("body")
                .value_name("JSON|@FILE|-")
                .help("The request body as JSON or YAML, @FILE to read it from a file, - for stdin; the flags below override its fields"),
        );
        for (name, schema) in operation.body_properties() {
            let long = kebab(&name);
            if longs.contains(&long) || !is_scalar(&schema) {
                continue;
            }
            let mut arg = Arg::new(format!("{BODY_FIELD}{name}"))
                .long(long.clone())
                .value_name(value_name(&schema))
                .help(format!(
                    "Body field `{name}`{}",
                    schema
                        .get("description")
                        .and_then(Value::as_str)
                        .map(|text| format!(": {}", first_line(text)))
                        .unwrap_or_default()
                ));
            if let Some(values) = enum_values(&schema) {
                arg = arg.value_parser(clap::builder::PossibleValuesParser::new(values));
            }
            command = command.arg(arg);
            longs.push(long);
        }
    }
    if dispatch::can_follow_pages(operation) {
        command = command.arg(
            Arg::new(ALL)
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Follow every page and print all items (progress on stderr)"),
        );
    }
    if (operation.api, operation.id.as_str()) == (Api::VoiceAi, "listCallLogs") {
        command = command
            .arg(Arg::new(SINCE).long("since").value_name("7d|DATE").conflicts_with_all(["startDate", "endDate", BETWEEN])
                .help("Calls since a length ago (30m, 12h, 7d, 2w) or a date (in --tz)"))
            .arg(Arg::new(BETWEEN).long("between").value_name("START..END").conflicts_with_all(["startDate", "endDate"])
                .help("Calls between two dates, both included (in --tz), e.g. 2026-11-01..2026-11-30"))
            .arg(Arg::new(TZ).long("tz").value_name("ZONE").conflicts_with("timezone")
                .help("IANA time zone of the dates, also sent as `timezone` [default: UTC]"))
            .arg(Arg::new(TYPE).long("type").value_name("live|trial").conflicts_with("callType")
                .help("Only real calls (live) or test calls (trial)"))
            .arg(Arg::new(ACTION).long("action").value_name("sms,call-transfer,…").conflicts_with("actionType")
                .help("Only calls during which one of these actions ran"));
    }
    command
}

fn is_scalar(schema: &Value) -> bool {
    matches!(
        schema_type(schema),
        Some("string" | "integer" | "number" | "boolean")
    ) || (schema_type(schema).is_none() && enum_values(schema).is_some())
}

fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(kind)) => Some(kind),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null"),
        _ => schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|parts| parts.iter().find_map(schema_type)),
    }
}

fn enum_values(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum").and_then(Value::as_array).or_else(|| {
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|parts| parts.iter().find_map(|part| part.get("enum")?.as_array()))
    })?;
    let texts: Vec<String> = values
        .iter()
        .filter_map(|value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
        .collect();
    (!texts.is_empty()).then_some(texts)
}

fn value_name(schema: &Value) -> &'static str {
    match schema_type(schema) {
        Some("integer") => "N",
        Some("number") => "NUMBER",
        Some("boolean") => "true|false",
        _ => "TEXT",
    }
}

/// A flag's text as the JSON value its schema wants.
fn typed(name: &str, text: &str, schema: &Value) -> Result<Value, CliError> {
    let invalid =
        |what: &str| CliError::invalid(format!("--{} {text:?} is not {what}", kebab(name)));
    Ok(match schema_type(schema) {
        Some("integer") => Value::from(
            text.trim()
                .parse::<i64>()
                .map_err(|_| invalid("a whole number"))?,
        ),
        Some("number") => {
            let number: f64 = text.trim().parse().map_err(|_| invalid("a number"))?;
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| invalid("a finite number"))?
        }
        Some("boolean") => Value::Bool(text.trim().parse().map_err(|_| invalid("true or false"))?),
        _ => Value::String(text.to_owned()),
    })
}

/// Reads `--body`: inline JSON or YAML, `@FILE`, or `-` for stdin.
fn read_body(text: &str) -> Result<Map<String, Value>, CliError> {
    let source = if text == "-" {
        let mut buffer = String::new();
        std::io::stdin()
            .read_to_string(&mut buffer)
            .map_err(|error| {
                CliError::general(format!("cannot read the body from stdin: {error}"))
            })?;
        buffer
    } else if let Some(path) = text.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|error| {
            CliError::general(format!("cannot read the body from {path}: {error}"))
        })?
    } else {
        text.to_owned()
    };
    let value: Value = serde_json::from_str(&source).or_else(|_| {
        serde_norway::from_str(&source)
            .map_err(|error| CliError::invalid(format!("--body is neither JSON nor YAML: {error}")))
    })?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(CliError::invalid("--body must be a JSON object")),
    }
}

/// The invocation the matched flags describe, with `location` filling a missing `locationId`.
pub(crate) fn invocation(
    operation: &Operation,
    matches: &ArgMatches,
    location: Option<String>,
) -> Result<(Invocation, bool), CliError> {
    let mut invocation = Invocation::default();
    for param in &operation.params {
        if let Some(value) = matches.get_one::<String>(&param.name) {
            invocation.params.insert(param.name.clone(), value.clone());
        }
    }
    if operation.body.is_some() {
        let mut body = match matches.get_one::<String>(BODY) {
            Some(text) => read_body(text)?,
            None => Map::new(),
        };
        for (name, schema) in operation.body_properties() {
            let value = matches
                .try_get_one::<String>(&format!("{BODY_FIELD}{name}"))
                .ok()
                .flatten()
                .or_else(|| matches.try_get_one::<String>(&name).ok().flatten());
            if let Some(text) = value {
                body.insert(name.clone(), typed(&name, text, &schema)?);
            }
        }
        invocation.body = Some(body);
    }
    invocation.default_location(operation, location.as_deref());
    if (operation.api, operation.id.as_str()) == (Api::VoiceAi, "listCallLogs") {
        call_log_filters(matches, &mut invocation)?;
    }
    let all = matches
        .try_get_one::<bool>(ALL)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false);
    Ok((invocation, all))
}

fn call_log_filters(matches: &ArgMatches, invocation: &mut Invocation) -> Result<(), CliError> {
    let zone_name = matches.get_one::<String>(TZ);
    let zone = match zone_name {
        Some(name) => call_logs::zone(name)?,
        None => chrono_tz::Tz::UTC,
    };
    let window = match (
        matches.get_one::<String>(SINCE),
        matches.get_one::<String>(BETWEEN),
    ) {
        (Some(since), _) => {
            let now = chrono::Utc::now();
            Some((call_logs::since(since, zone, now)?, now))
        }
        (None, Some(between)) => Some(call_logs::between(between, zone)?),
        (None, None) => None,
    };
    if let Some((start, end)) = window {
        invocation
            .params
            .insert("startDate".to_owned(), start.timestamp_millis().to_string());
        invocation
            .params
            .insert("endDate".to_owned(), end.timestamp_millis().to_string());
    }
    if let Some(name) = zone_name {
        invocation
            .params
            .insert("timezone".to_owned(), name.clone());
    }
    if let Some(kind) = matches.get_one::<String>(TYPE) {
        invocation
            .params
            .insert("callType".to_owned(), call_logs::call_type(kind)?);
    }
    if let Some(actions) = matches.get_one::<String>(ACTION) {
        invocation
            .params
            .insert("actionType".to_owned(), call_logs::action_types(actions)?);
    }
    Ok(())
}

/// The operation a matched `voice-ai …`/`conversation-ai …` command names, with its matches.
pub(crate) fn matched_operation(
    api: Api,
    matches: &ArgMatches,
) -> Option<(&'static Operation, &ArgMatches)> {
    let (resource, resource_matches) = matches.subcommand()?;
    let (verb, verb_matches) = resource_matches.subcommand()?;
    let operation = spec::operations().iter().find(|operation| {
        operation.api == api
            && names::command_name(operation) == (resource.to_owned(), verb.to_owned())
    })?;
    Some((operation, verb_matches))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longs(command: &Command) -> Vec<String> {
        command
            .get_arguments()
            .filter_map(|arg| arg.get_long().map(str::to_owned))
            .collect()
    }

    #[test]
    fn every_operation_has_a_command_with_a_flag_per_parameter_and_scalar_body_field() {
        let trees: Vec<Command> = Api::ALL.iter().map(|api| api_command(*api)).collect();
        for operation in spec::operations() {
            let (resource, verb) = names::command_name(operation);
            let tree = trees
                .iter()
                .find(|tree| tree.get_name() == operation.api.command())
                .expect("a tree per API");
            let command = tree
                .find_subcommand(&resource)
                .and_then(|resource| resource.find_subcommand(&verb))
                .unwrap_or_else(|| panic!("no command for {}", operation.id));
            let flags = longs(command);
            for param in &operation.params {
                assert!(
                    flags.contains(&kebab(&param.name)),
                    "{}: --{}",
                    operation.id,
                    kebab(&param.name)
                );
            }
            for (name, schema) in operation.body_properties() {
                if is_scalar(&schema) {
                    assert!(
                        flags.contains(&kebab(&name)),
                        "{}: body field --{}",
                        operation.id,
                        kebab(&name)
                    );
                }
            }
            assert_eq!(
                operation.body.is_some(),
                flags.contains(&"body".to_owned()),
                "{}",
                operation.id
            );
        }
    }

    #[test]
    fn help_lines_are_the_first_sentence_of_the_spec_s_description() {
        assert_eq!(
            first_line(
                "Only return calls with these contacts: one contact id, or several separated by\ncommas. More here.\n\nNext paragraph."
            ),
            "Only return calls with these contacts: one contact id, or several separated by commas."
        );
    }
}
