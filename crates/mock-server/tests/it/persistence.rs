//! The state file: round trips in-process and through the binary, clean shutdown, and a crash
//! in the middle of a write.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mock_server::Fixtures;
use mock_server::MockServer;
use mock_server::testing::PAUSE_ENV;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_highlevel-mock");
const TOKEN: &str = "pit-persistence-test";

/// Kills the child when dropped, so a failing assertion never leaves a server running.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mock-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn spawn(state_file: &Path, pause_ms: Option<u64>) -> Server {
    let mut command = Command::new(BIN);
    command
        .args(["--port", "0", "--token", TOKEN, "--state-file"])
        .arg(state_file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(ms) = pause_ms {
        command.env(PAUSE_ENV, ms.to_string());
    }
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    // Read all three banner lines: closing the pipe early would make the child's next print fail.
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(3)
        .map(|l| l.expect("readable"))
        .collect();
    let first = lines.first().expect("a banner line");
    let address = first
        .rsplit("http://")
        .next()
        .expect("the base URL")
        .to_owned();
    Server { child, address }
}

/// One HTTP/1.1 exchange; the status and the JSON body.
fn http(server: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(&server.address).expect("connected");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nVersion: 2021-04-15\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("written");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let json = response
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

fn agent_names(server: &Server) -> Vec<String> {
    let (status, body) = http(
        server,
        "GET",
        &format!(
            "/voice-ai/agents?locationId={}&pageSize=50",
            mock_server::DEFAULT_LOCATION_ID
        ),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["agents"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["agentName"].as_str().expect("a name").to_owned())
        .collect()
}

fn create_agent(server: &Server, name: &str) {
    let (status, body) = http(
        server,
        "POST",
        "/voice-ai/agents",
        Some(json!({"locationId": mock_server::DEFAULT_LOCATION_ID, "agentName": name})),
    );
    assert_eq!(status, 201, "{body}");
}

fn terminate(mut server: Server) {
    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(exit)) = server.child.try_wait() {
            assert!(exit.success(), "{exit:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server did not stop on SIGTERM");
}

#[tokio::test]
async fn a_saved_state_loads_into_a_new_server_with_the_same_data() {
    let dir = temp_dir("inproc");
    let path = dir.join("state.json");
    let first = MockServer::builder()
        .fixtures(Fixtures::demo(3))
        .state_file(&path)
        .build_state();
    first
        .generate_call_logs(first.location_id(), 40)
        .expect("agents exist");
    first.save_state_to(&path).expect("saved");

    let second = MockServer::builder().state_file(&path).build_state();
    assert_eq!(second.load_state_from(&path), Ok(true));
    assert_eq!(second.export_state(), first.export_state());
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn the_binary_saves_on_request_and_on_sigterm_and_loads_at_start() {
    let dir = temp_dir("binary");
    let path = dir.join("state.json");
    let server = spawn(&path, None);
    create_agent(&server, "Saved On Request");
    let (status, body) = http(&server, "POST", "/__mock/state/save", None);
    assert_eq!(status, 200, "{body}");
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the file exists")).expect("JSON");
    assert_eq!(saved["version"], 1);
    create_agent(&server, "Saved On Shutdown");
    let before = agent_names(&server);
    terminate(server);

    let restarted = spawn(&path, None);
    assert_eq!(agent_names(&restarted), before);
    assert!(before.contains(&"Saved On Shutdown".to_owned()));
    drop(restarted);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_crash_in_the_middle_of_a_write_leaves_the_previous_file_intact() {
    let dir = temp_dir("crash");
    let path = dir.join("state.json");
    let seed = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .build_state();
    seed.generate_call_logs(seed.location_id(), 500)
        .expect("agents exist");
    seed.save_state_to(&path)
        .expect("the previous state is written");
    let previous = std::fs::read(&path).expect("readable");

    let server = spawn(&path, Some(10_000));
    create_agent(&server, "Never Saved");
    let address = server.address.clone();
    let saver = std::thread::spawn(move || {
        // The save pauses halfway through its temporary file; the connection dies with the
        // server, so the outcome of this request does not matter.
        if let Ok(mut stream) = TcpStream::connect(&address) {
            let request = format!(
                "POST /__mock/state/save HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(request.as_bytes());
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink);
        }
    });
    let temp = mock_server::testing::temp_path(&path)
        .with_file_name(format!(".state.json.tmp-{}", server.child.id()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !temp.exists() || std::fs::metadata(&temp).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "the write never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(server); // SIGKILL in the middle of the write
    saver.join().expect("the saver thread ends");

    assert_eq!(
        std::fs::read(&path).expect("still readable"),
        previous,
        "the previous file is untouched"
    );
    let parsed: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("valid JSON");
    assert_eq!(parsed["version"], 1);
    let partial = std::fs::read(&temp).expect("the half-written temporary file remains");
    assert!(serde_json::from_slice::<Value>(&partial).is_err());

    let restarted = spawn(&path, None);
    let names = agent_names(&restarted);
    assert_eq!(names.len(), 3);
    assert!(!names.contains(&"Never Saved".to_owned()));
    drop(restarted);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn the_binary_refuses_a_state_file_that_is_not_a_state_document() {
    let dir = temp_dir("corrupt");
    let path = dir.join("state.json");
    std::fs::write(&path, br#"{"version": 2}"#).expect("written");
    let output = Command::new(BIN)
        .args(["--port", "0", "--state-file"])
        .arg(&path)
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("version 2 is not supported"), "{stderr}");
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

/// Runs the binary with `args` and waits at most 10 s for it to exit: a server that starts
/// serving instead of refusing is killed, and the test sees `None`.
fn exit_within_10s(args: &[&std::ffi::OsStr]) -> Option<(std::process::ExitStatus, String)> {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .expect("stderr is piped")
                .read_to_string(&mut stderr)
                .expect("stderr is readable");
            return Some((status, stderr));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_server_on_the_same_state_file_exits_naming_the_file_and_its_holder() {
    let dir = temp_dir("two-servers");
    let path = dir.join("state.json");
    let first = spawn(&path, None);
    create_agent(&first, "Owned By The First");

    let second = exit_within_10s(&["--state-file".as_ref(), path.as_os_str()]);

    let (status, stderr) = second.expect("the second server exits instead of serving");
    assert!(!status.success(), "{status:?}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("another highlevel-mock server"), "{stderr}");
    assert!(agent_names(&first).contains(&"Owned By The First".to_owned()));
    terminate(first);
    // Once the first server has stopped, the file is free again.
    let again = spawn(&path, None);
    assert!(agent_names(&again).contains(&"Owned By The First".to_owned()));
    drop(again);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_state_file_in_a_missing_directory_is_refused_at_start() {
    let dir = temp_dir("missing-dir");
    let path = dir.join("no-such-dir").join("state.json");

    let outcome = exit_within_10s(&["--state-file".as_ref(), path.as_os_str()]);

    let (status, stderr) = outcome.expect("the server refuses to start");
    assert!(!status.success(), "{status:?}");
    assert!(
        stderr.contains(&dir.join("no-such-dir").display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("does not exist"), "{stderr}");
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_state_file_under_a_path_that_is_not_a_directory_is_refused_at_start() {
    let dir = temp_dir("file-as-dir");
    let blocker = dir.join("plain-file");
    std::fs::write(&blocker, b"not a directory").expect("written");
    let path = blocker.join("state.json");

    let outcome = exit_within_10s(&["--state-file".as_ref(), path.as_os_str()]);

    let (status, stderr) = outcome.expect("the server refuses to start");
    assert!(!status.success(), "{status:?}");
    assert!(stderr.contains("is not a directory"), "{stderr}");
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_temporary_file_left_by_a_killed_save_is_removed_at_start() {
    let dir = temp_dir("leftover");
    let path = dir.join("state.json");
    let leftover = dir.join(".state.json.tmp-4000000");
    std::fs::write(&leftover, b"{\"version\": 1, \"lo").expect("written");
    let unrelated = dir.join(".other.json.tmp-4000000");
    std::fs::write(&unrelated, b"kept").expect("written");

    let server = spawn(&path, None);

    assert!(!leftover.exists(), "the leftover is cleaned up");
    assert!(
        unrelated.exists(),
        "another file's temporary file is not touched"
    );
    drop(server);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn the_binary_refuses_a_state_file_the_api_rules_refuse_and_lists_every_problem() {
    let dir = temp_dir("invalid-import");
    let path = dir.join("state.json");
    let source = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .build_state();
    let mut document = source.export_state();
    let loc = source.location_id().to_owned();
    document["locations"][&loc]["voiceAgents"][0]["body"]["maxCallDuration"] = json!("x");
    document["locations"][&loc]["callLogs"][0]["duration"] = json!("abc");
    std::fs::write(&path, document.to_string()).expect("written");

    let outcome = exit_within_10s(&["--state-file".as_ref(), path.as_os_str()]);

    let (status, stderr) = outcome.expect("the server refuses to start");
    assert!(!status.success(), "{status:?}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "locations.{loc}.voiceAgents.0.body.maxCallDuration must be an integer number"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "locations.{loc}.callLogs.0.duration must be a number"
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
