//! `highlevel mcp` over stdio: initialize, list the tools, call a read tool, have a write tool
//! refused, and with `--allow-write`, write and plan.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

use crate::support::{LOCATION, Mock, Run, TOKEN};

/// An MCP client speaking newline-delimited JSON-RPC to a `highlevel mcp` process.
pub(crate) struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    seen: Vec<String>,
}

impl Session {
    fn start(mock: &Mock, extra: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_highlevel"));
        command
            .arg("mcp")
            .args(extra)
            .env("HIGHLEVEL_TOKEN", TOKEN)
            .env("HIGHLEVEL_BASE_URL", &mock.url)
            .env("HIGHLEVEL_LOCATION_ID", LOCATION)
            .env("HIGHLEVEL_CONFIG", mock.dir.join("absent-config.yaml"));
        Self::spawn(command)
    }

    /// Starts `command` (a `highlevel mcp`) and initializes the session.
    pub(crate) fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("highlevel mcp starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut session = Self {
            child,
            stdin,
            stdout,
            next_id: 1,
            seen: Vec::new(),
        };
        let initialized = session.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}),
        );
        assert_eq!(
            initialized["serverInfo"]["name"], "highlevel",
            "{initialized}"
        );
        assert!(
            initialized["capabilities"]["tools"].is_object(),
            "{initialized}"
        );
        session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        session
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").expect("the message is sent");
        self.stdin.flush().expect("the message is flushed");
    }

    /// Sends a request and returns its `result`.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            let read = self
                .stdout
                .read_line(&mut line)
                .expect("the server answers");
            assert!(
                read > 0,
                "the server closed stdout; so far: {:?}",
                self.seen
            );
            self.seen.push(line.clone());
            let message: Value = serde_json::from_str(&line).expect("JSON-RPC on stdout");
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
        }
    }

    pub(crate) fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    fn tools(&mut self) -> Vec<Value> {
        self.request("tools/list", json!({}))["tools"]
            .as_array()
            .expect("a tool list")
            .clone()
    }

    /// Closes stdin, waits for the server to exit, and checks its output for tokens.
    pub(crate) fn finish(self) {
        drop(self.stdin);
        let output = self.child.wait_with_output().expect("the server exits");
        let mut output = output;
        let mut stdout = self.seen.concat().into_bytes();
        stdout.append(&mut output.stdout);
        output.stdout = stdout;
        Run::checked(&["mcp"], output);
    }
}

fn names(tools: &[Value]) -> Vec<String> {
    tools
        .iter()
        .map(|tool| tool["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn an_mcp_session_reads_and_has_write_tools_refused() {
    let mock = Mock::start();
    let mut session = Session::start(&mock, &[]);
    let tools = session.tools();
    let listed = names(&tools);
    assert!(
        listed.contains(&"voice_ai_agents_list".to_owned()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"conversation_ai_generations_get".to_owned()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"plan".to_owned()) && !listed.contains(&"apply".to_owned()),
        "{listed:?}"
    );
    assert!(
        !listed.contains(&"voice_ai_agents_create".to_owned()),
        "{listed:?}"
    );
    assert_eq!(
        listed.len(),
        12 + 1,
        "the read operations and plan: {listed:?}"
    );
    let list = tools
        .iter()
        .find(|tool| tool["name"] == "voice_ai_agents_list")
        .expect("listed");
    assert_eq!(
        list["inputSchema"]["properties"]["pageSize"]["maximum"], 50,
        "{list}"
    );
    assert_eq!(list["annotations"]["readOnlyHint"], true);

    let page = session.call("voice_ai_agents_list", json!({"pageSize": 2}));
    assert_ne!(page["isError"], true, "{page}");
    assert_eq!(page["structuredContent"]["total"], 3, "{page}");
    let text: Value = serde_json::from_str(page["content"][0]["text"].as_str().expect("text"))
        .expect("the text is the JSON result");
    assert_eq!(text["agents"].as_array().map(Vec::len), Some(2));

    let missing = session.call(
        "voice_ai_agents_get",
        json!({"agentId": "000000000000000000000000"}),
    );
    assert_eq!(missing["isError"], true, "{missing}");
    assert!(
        missing["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains("Agent not found"),
        "{missing}"
    );

    let refused = session.call(
        "voice_ai_agents_create",
        json!({"body": {"agentName": "Sneaky"}}),
    );
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(
        refused["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains("--allow-write"),
        "{refused}"
    );
    assert!(
        mock.writes().is_empty(),
        "nothing was written: {:?}",
        mock.writes()
    );
    session.finish();
}

#[test]
fn with_allow_write_every_operation_is_a_tool_and_writes_and_plans_work() {
    let mock = Mock::start_with(&["--empty"]);
    let mut session = Session::start(&mock, &["--allow-write"]);
    let listed = names(&session.tools());
    assert_eq!(listed.len(), 25 + 2, "{listed:?}");

    let created = session.call(
        "voice_ai_agents_create",
        json!({"body": {"agentName": "Front Desk"}}),
    );
    assert_ne!(created["isError"], true, "{created}");
    assert_eq!(created["structuredContent"]["agentName"], "Front Desk");

    let document = json!({"locations": [LOCATION], "voiceAi": [{"agentName": "Front Desk", "maxCallDuration": 420}]});
    let plan = session.call("plan", json!({"document": document}));
    assert_eq!(plan["structuredContent"]["summary"]["update"], 1, "{plan}");
    assert_eq!(
        plan["structuredContent"]["changes"][0]["diff"][0]["field"], "maxCallDuration",
        "{plan}"
    );
    let applied = session.call("apply", json!({"document": document}));
    assert_eq!(applied["structuredContent"]["changed"], true, "{applied}");
    let again = session.call("plan", json!({"document": document}));
    assert_eq!(
        again["structuredContent"]["summary"]["unchanged"], 1,
        "{again}"
    );
    session.finish();
}
