//! `highlevel mcp`: an MCP server on stdio (rmcp) for AI assistants. Every operation of both
//! APIs is a tool whose input schema is taken from our specs (its parameters, and `body` for
//! its request body), plus `plan` and `apply` for agents files. Tools that change anything
//! are refused unless the server was started with `--allow-write`; results are compact JSON,
//! and failures are tool errors carrying the vendor's message.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt as _};
use serde_json::{Map, Value, json};

use crate::agents_file::AgentsFile;
use crate::dispatch::{self, Invocation};
use crate::error::CliError;
use crate::names;
use crate::session::{Clients, Session};
use crate::spec::{self, Operation};
use crate::{apply, plan};

/// The name of the tool that plans an agents file.
const PLAN_TOOL: &str = "plan";
/// The name of the tool that applies one.
const APPLY_TOOL: &str = "apply";

/// The server: the session's clients, and whether writes are allowed.
struct Server {
    session: Session,
    clients: Arc<Clients>,
    allow_write: bool,
    default_location: Option<String>,
}

/// Serves MCP on stdin/stdout until the client closes it.
pub(crate) async fn serve(session: Session, allow_write: bool) -> Result<(), CliError> {
    let clients = Arc::new(session.clients()?);
    let default_location = session.default_location();
    let server = Server {
        session,
        clients,
        allow_write,
        default_location,
    };
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|error| CliError::general(format!("the MCP session did not start: {error}")))?;
    running
        .waiting()
        .await
        .map_err(|error| CliError::general(format!("the MCP session failed: {error}")))?;
    Ok(())
}

/// The input schema of an operation's tool: its parameters and, when it takes one, `body`.
fn input_schema(operation: &Operation, default_location: bool) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in &operation.params {
        let mut schema = param.schema.clone();
        if let Some(object) = schema.as_object_mut()
            && !param.description.is_empty()
        {
            object
                .entry("description")
                .or_insert_with(|| Value::String(param.description.clone()));
        }
        properties.insert(param.name.clone(), schema);
        if param.required && !(param.name == "locationId" && default_location) {
            required.push(Value::String(param.name.clone()));
        }
    }
    if let Some(body) = &operation.body {
        properties.insert("body".to_owned(), body.clone());
        required.push(Value::String("body".to_owned()));
    }
    let mut schema = Map::new();
    schema.insert("type".to_owned(), json!("object"));
    schema.insert("properties".to_owned(), Value::Object(properties));
    schema.insert("required".to_owned(), Value::Array(required));
    schema.insert("additionalProperties".to_owned(), json!(false));
    schema
}

fn file_schema(with_prune: bool) -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert(
        "file".to_owned(),
        json!({"type": "string", "description": "Path of an agents file (YAML or JSON)."}),
    );
    properties.insert(
        "document".to_owned(),
        json!({"type": "object", "description": "The agents file itself, as JSON (instead of `file`); see `highlevel schema`."}),
    );
    if with_prune {
        properties.insert(
            "prune".to_owned(),
            json!({"type": "boolean", "description": "Also delete agents and actions the file leaves out."}),
        );
    }
    let mut schema = Map::new();
    schema.insert("type".to_owned(), json!("object"));
    schema.insert("properties".to_owned(), Value::Object(properties));
    schema.insert("additionalProperties".to_owned(), json!(false));
    schema
}

impl Server {
    fn tools(&self) -> Vec<Tool> {
        let mut tools: Vec<Tool> = spec::operations()
            .iter()
            .filter(|operation| self.allow_write || !operation.writes())
            .map(|operation| {
                let description = format!(
                    "{} ({} API, {} {}). {}",
                    operation.summary,
                    operation.api.title(),
                    operation.method,
                    operation.path,
                    operation.description
                );
                Tool::new(
                    names::tool_name(operation),
                    description,
                    Arc::new(input_schema(operation, self.default_location.is_some())),
                )
                .annotate(
                    ToolAnnotations::new()
                        .read_only(!operation.writes())
                        .destructive(operation.method == "DELETE"),
                )
            })
            .collect();
        tools.push(
            Tool::new(
                PLAN_TOOL,
                "What `apply` would change for an agents file: per location, agents and actions to create, update (with the fields that differ), delete (with prune) or leave unchanged. Changes nothing.",
                Arc::new(file_schema(true)),
            )
            .annotate(ToolAnnotations::new().read_only(true)),
        );
        if self.allow_write {
            tools.push(
                Tool::new(
                    APPLY_TOOL,
                    "Applies an agents file: plans it, then makes the changes; reports each change's status.",
                    Arc::new(file_schema(true)),
                )
                .annotate(ToolAnnotations::new().read_only(false).destructive(true)),
            );
        }
        tools
    }

    async fn call(&self, name: &str, arguments: Map<String, Value>) -> Result<Value, CliError> {
        if name == PLAN_TOOL || name == APPLY_TOOL {
            return self.plan_or_apply(name == APPLY_TOOL, arguments).await;
        }
        let operation = spec::operations()
            .iter()
            .find(|operation| names::tool_name(operation) == name)
            .ok_or_else(|| CliError::invalid(format!("no tool named {name:?}")))?;
        if operation.writes() && !self.allow_write {
            return Err(refused(name));
        }
        let mut invocation = Invocation::default();
        for (key, value) in arguments {
            if key == "body" && operation.body.is_some() {
                match value {
                    Value::Object(body) => invocation.body = Some(body),
                    _ => return Err(CliError::invalid("`body` must be an object")),
                }
            } else if operation.param(&key).is_some() {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                invocation.params.insert(key, text);
            } else {
                return Err(CliError::invalid(format!(
                    "{name} takes no argument {key:?}"
                )));
            }
        }
        if operation.body.is_some() && invocation.body.is_none() {
            invocation.body = Some(Map::new());
        }
        invocation.default_location(operation, self.default_location.as_deref());
        dispatch::call(&self.clients, operation, &invocation).await
    }

    async fn plan_or_apply(
        &self,
        write: bool,
        arguments: Map<String, Value>,
    ) -> Result<Value, CliError> {
        if write && !self.allow_write {
            return Err(refused(APPLY_TOOL));
        }
        let prune = arguments
            .get("prune")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let file = match (arguments.get("file"), arguments.get("document")) {
            (Some(Value::String(path)), None) => AgentsFile::load(std::path::Path::new(path))?,
            (None, Some(document)) => AgentsFile::from_value(document.clone())?,
            _ => {
                return Err(CliError::invalid(
                    "give either `file` (a path) or `document` (the file as JSON)",
                ));
            }
        };
        let plan = plan::plan(&file, &self.session, prune).await?;
        let outcome = apply::apply(plan, &self.session, !write).await;
        let (document, error) = apply::document(outcome, !write);
        match error {
            Some(error) => Err(error.context(document.to_string())),
            None => Ok(document),
        }
    }
}

fn refused(name: &str) -> CliError {
    CliError::new(
        crate::error::Class::Auth,
        format!(
            "{name} changes data, and write tools are off: start the server with `highlevel mcp --allow-write` to allow them"
        ),
    )
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("highlevel", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "HighLevel Voice AI and Conversation AI: each tool is one API operation (voice_ai_…, conversation_ai_…); `plan`/`apply` roll out agents files. locationId defaults to the configured location.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        let result = match self.call(&request.name, arguments).await {
            Ok(value @ Value::Object(_)) => CallToolResult::structured(value),
            Ok(other) => CallToolResult::structured(json!({ "items": other })),
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
        };
        Ok(result.into())
    }
}
