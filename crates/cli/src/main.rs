//! `highlevel`: HighLevel's Voice AI and Conversation AI APIs from a shell, a CI pipeline
//! (agents as code with `apply`/`export`) or an AI assistant (`mcp`), built only on the
//! generated clients.
#![doc = include_str!("../README.md")]

mod agents_file;
mod apply;
mod call_logs;
mod commands;
mod dispatch;
mod error;
mod export;
mod json_schema;
mod mcp;
mod names;
mod output;
mod plan;
mod session;
mod spec;
mod verbose;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Command, FromArgMatches as _, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::Format;
use crate::session::{Config, Session};
use crate::spec::Api;

/// Options every command takes.
#[derive(Args, Debug)]
struct Global {
    /// Output format [default: table on a terminal, json otherwise]
    #[arg(long, global = true, value_enum)]
    format: Option<Format>,
    /// Profile of the config file to use (otherwise HIGHLEVEL_TOKEN, then the default profile)
    #[arg(long, global = true, env = "HIGHLEVEL_PROFILE")]
    profile: Option<String>,
    /// API base URL, e.g. the mock's [default: the profile's, else HighLevel's]
    #[arg(long, global = true, env = "HIGHLEVEL_BASE_URL")]
    base_url: Option<String>,
    /// Location (sub-account) id for commands that need one [default: the profile's]
    #[arg(long, global = true, env = "HIGHLEVEL_LOCATION_ID")]
    location: Option<String>,
    /// Config file with named profiles [default: ~/.config/highlevel/config.yaml]
    #[arg(long, global = true, env = "HIGHLEVEL_CONFIG")]
    config: Option<PathBuf>,
    /// Retries of a rate-limited or failed request before giving up [default: the clients']
    #[arg(long, global = true, value_name = "N")]
    retries: Option<u32>,
    /// Print each request's method, path, status and time to stderr (never a token)
    #[arg(long, short, global = true)]
    verbose: bool,
}

/// The commands that are not one API operation.
#[derive(Subcommand, Debug)]
enum Other {
    /// Roll agents out from an agents file: print the plan, then apply it
    Apply {
        /// The agents file (YAML or JSON; `highlevel schema` prints its JSON Schema)
        #[arg(short, long, value_name = "FILE")]
        file: PathBuf,
        /// Print the plan and stop
        #[arg(long)]
        dry_run: bool,
        /// Also delete agents and actions the file does not declare
        #[arg(long)]
        prune: bool,
    },
    /// Write a location's agents as an agents file (the format `apply` reads)
    Export {
        /// Write to FILE instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the JSON Schema of the agents file
    Schema,
    /// Serve every operation, plus plan and apply, as MCP tools on stdin/stdout
    Mcp {
        /// Allow the tools that change data (create, update, delete, apply)
        #[arg(long)]
        allow_write: bool,
    },
    /// Named profiles of the config file
    #[command(subcommand)]
    Profiles(ProfilesCommand),
}

/// `highlevel profiles …`.
#[derive(Subcommand, Debug)]
enum ProfilesCommand {
    /// List the profiles (names, kinds, locations and base URLs; never a secret)
    List,
}

fn command() -> Command {
    let mut command = Command::new("highlevel")
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(
            "Credentials: HIGHLEVEL_TOKEN (a Sub-Account token), or --profile NAME from the config file.\n\
             Exit codes: 1 error, 2 usage, 3 auth, 4 not found, 5 validation, 6 rate limit, 7 server, 8 connection.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true);
    command = Global::augment_args(command);
    for api in Api::ALL {
        command = command.subcommand(commands::api_command(api));
    }
    // After the derive, whose doc comment would otherwise become the root's description.
    Other::augment_subcommands(command).about(ABOUT)
}

/// What `highlevel --help` opens with.
const ABOUT: &str =
    "HighLevel's Voice AI and Conversation AI APIs from a shell, a pipeline or an AI assistant";

fn main() -> ExitCode {
    let matches = command().get_matches();
    let global = match Global::from_arg_matches(&matches) {
        Ok(global) => global,
        Err(error) => error.exit(),
    };
    if global.verbose {
        verbose::install();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&global, &matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

fn session(global: &Global) -> Result<Session, CliError> {
    let config = Config::load(global.config.as_deref())?;
    Session::new(
        config,
        global.profile.clone(),
        global.base_url.clone(),
        global.location.clone(),
        global.retries,
    )
}

async fn run(global: &Global, matches: &ArgMatches) -> Result<(), CliError> {
    let format = Format::resolve(global.format);
    for api in Api::ALL {
        if let Some(api_matches) = matches.subcommand_matches(api.command()) {
            let (operation, operation_matches) = commands::matched_operation(api, api_matches)
                .ok_or_else(|| CliError::general("no such command"))?;
            let session = session(global)?;
            let (invocation, all) =
                commands::invocation(operation, operation_matches, session.default_location())?;
            let clients = session.clients()?;
            let value = if all {
                let bar = progress_bar(&names::command_name(operation).0);
                let items = dispatch::call_all(&clients, operation, &invocation, &|count| {
                    bar.set_position(count as u64);
                })
                .await;
                bar.finish_and_clear();
                Value::Array(items?)
            } else {
                dispatch::call(&clients, operation, &invocation).await?
            };
            return output::print(&value, format);
        }
    }
    match Other::from_arg_matches(matches).map_err(|error| CliError::general(error.to_string()))? {
        Other::Apply {
            file,
            dry_run,
            prune,
        } => {
            let agents = agents_file::AgentsFile::load(&file)?;
            let session = session(global)?;
            let plan = plan::plan(&agents, &session, prune).await?;
            let outcome = apply::apply(plan, &session, dry_run).await;
            // The plan and outcome are for people unless JSON or YAML is asked for.
            let format = global.format.unwrap_or(Format::Table);
            apply::report(outcome, format, dry_run)
        }
        Other::Export { output: path } => {
            let session = session(global)?;
            let location = session.default_location().ok_or_else(|| {
                CliError::invalid(
                    "export needs a location: --location ID (or HIGHLEVEL_LOCATION_ID)",
                )
            })?;
            let exported = export::export(&session, &location).await?;
            let text = match global.format {
                Some(Format::Json) => {
                    serde_json::to_string_pretty(&exported).expect("an agents file serializes")
                        + "\n"
                }
                _ => exported.to_yaml()?,
            };
            match path {
                Some(path) => std::fs::write(&path, text).map_err(|error| {
                    CliError::general(format!("cannot write {}: {error}", path.display()))
                }),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        Other::Mcp { allow_write } => mcp::serve(session(global)?, allow_write).await,
        Other::Schema => {
            let schema = agents_file::schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("a schema serializes")
            );
            Ok(())
        }
        Other::Profiles(ProfilesCommand::List) => {
            let config = Config::load(global.config.as_deref())?;
            let default = config.file().default_profile.clone();
            let rows: Vec<Value> = config
                .file()
                .profiles
                .iter()
                .map(|(name, profile)| {
                    json!({
                        "name": name,
                        "kind": profile.kind(),
                        "locationId": profile.location_id,
                        "baseUrl": profile.base_url,
                        "default": default.as_deref() == Some(name.as_str()),
                    })
                })
                .collect();
            output::print(&Value::Array(rows), format)
        }
    }
}

/// A counter of items fetched, on stderr; indicatif hides it when stderr is not a terminal.
fn progress_bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} {msg} fetched ({elapsed})")
            .expect("the template is valid"),
    );
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
