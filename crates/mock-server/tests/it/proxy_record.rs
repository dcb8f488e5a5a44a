//! The proxy's recorder (`--record`) and its promise about tokens: a recorded session replays
//! to the same GET answers, and a token never reaches a log line, the report or the recording.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use mock_server::{Fixtures, MockServer, ProxyConfig};
use serde_json::Value;

use crate::process::{Running, command};
use crate::proxy::{call, http, start_stub};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mock-proxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

/// Every GET the recorder keeps, walked from the lists down, with the answers in order.
async fn walk(base: &str, token: &str, loc: &str) -> Vec<(String, u16, Value)> {
    let client = http();
    let mut out = Vec::new();
    let mut get = async |path: String| -> Value {
        let (status, _, body) = call(&client, base, token, "GET", &path, None).await;
        out.push((path, status.as_u16(), body.clone()));
        body
    };
    let agents = get(format!("/voice-ai/agents?locationId={loc}&pageSize=50")).await;
    for agent in ids(&agents, "agents") {
        let full = get(format!("/voice-ai/agents/{agent}?locationId={loc}")).await;
        for action in ids(&full, "actions") {
            get(format!("/voice-ai/actions/{action}?locationId={loc}")).await;
        }
    }
    let logs = get(format!(
        "/voice-ai/dashboard/call-logs?locationId={loc}&pageSize=50"
    ))
    .await;
    for log in ids(&logs, "callLogs") {
        get(format!(
            "/voice-ai/dashboard/call-logs/{log}?locationId={loc}"
        ))
        .await;
    }
    let found = get("/conversation-ai/agents/search?limit=50".to_owned()).await;
    for agent in ids(&found, "agents") {
        get(format!("/conversation-ai/agents/{agent}")).await;
        let actions = get(format!("/conversation-ai/agents/{agent}/actions/list")).await;
        for action in ids(&actions, "data") {
            get(format!("/conversation-ai/agents/{agent}/actions/{action}")).await;
        }
    }
    get(
        "/conversation-ai/generations?messageId=demoMessage000000001&source=conversation"
            .to_owned(),
    )
    .await;
    out
}

#[tokio::test]
async fn a_recorded_session_replays_to_the_same_get_answers() {
    let dir = temp_dir("record");
    let recording = dir.join("session.json");
    let upstream = MockServer::builder()
        .fixtures(Fixtures::demo(11))
        .call_logs(6)
        .start()
        .await;
    let config = ProxyConfig::new(&upstream.uri())
        .expect("a valid URL")
        .record(&recording);
    let proxy = MockServer::builder().upstream(config).start().await;
    let (token, loc) = (
        upstream.dev_token().to_owned(),
        upstream.location_id().to_owned(),
    );

    let through_proxy = walk(&proxy.uri(), &token, &loc).await;
    proxy
        .state()
        .finish_proxy()
        .expect("the recording is written");
    assert!(
        through_proxy.iter().all(|(_, status, _)| *status == 200),
        "{through_proxy:?}"
    );
    assert!(through_proxy.len() > 20, "the walk covers the data set");

    let text = std::fs::read_to_string(&recording).expect("the recording exists");
    assert!(!text.contains(&token), "the token is never recorded");
    let fixtures = Fixtures::from_json_str(&text).expect("the recording is a valid fixtures file");
    let replay = MockServer::builder().fixtures(fixtures).start().await;
    assert_eq!(replay.dev_token(), token, "same seed, same dev token");
    let replayed = walk(&replay.uri(), &token, &loc).await;
    assert_eq!(replayed.len(), through_proxy.len());
    for (recorded, again) in through_proxy.iter().zip(&replayed) {
        assert_eq!(
            recorded, again,
            "the replay answers {} the same",
            recorded.0
        );
    }
    assert!(
        proxy.state().violations().is_empty(),
        "{:?}",
        proxy.state().violations()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_token_never_appears_in_the_log_the_report_or_the_recording() {
    let dir = temp_dir("token");
    let (log, report, recording) = (
        dir.join("stderr.log"),
        dir.join("report.xml"),
        dir.join("rec.json"),
    );
    let stub = start_stub(Default::default()).await;
    let token = "pit-never-leak-5f0c1e2d-0001";
    let mut command = command(&["--port", "0", "--upstream", &stub, "--strict"]);
    command
        .arg("--report")
        .arg(&report)
        .arg("--record")
        .arg(&recording)
        .env("RUST_LOG", "info")
        .stderr(std::fs::File::create(&log).expect("a log file"));
    let mut child = Running::spawn(command);
    let base = format!("http://{}", child.address);

    let client = http();
    // An answer that echoes the token in an undeclared field, a wrong status, a token in the
    // query string, an invalid request refused by strict mode, and an unchecked OAuth call.
    for (method, path) in [
        ("GET", "/voice-ai/agents/agent1?locationId=loc1".to_owned()),
        (
            "DELETE",
            "/voice-ai/agents/agent1?locationId=loc1".to_owned(),
        ),
        (
            "GET",
            format!("/voice-ai/agents/agent1?locationId=loc1&access_token={token}"),
        ),
        ("DELETE", "/voice-ai/actions/a1".to_owned()),
    ] {
        call(&client, &base, token, method, &path, None).await;
    }
    let oauth = client
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("client_id", "app"),
            ("client_secret", token),
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
        ])
        .send()
        .await
        .expect("answers");
    assert_eq!(
        oauth.status(),
        404,
        "forwarded to the stub, which has no such route"
    );

    let pid = child.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(exit)) = child.child.try_wait() {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the proxy did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let log = std::fs::read_to_string(&log).expect("the log");
    let report = std::fs::read_to_string(&report).expect("the report");
    let recording = std::fs::read_to_string(&recording).expect("the recording");
    assert!(
        log.contains("spec violation") && log.contains("/maxCallDuration"),
        "{log}"
    );
    assert!(
        log.contains("spec drift") && log.contains("/access_token"),
        "{log}"
    );
    assert!(
        report.contains("name=\"getAgent\"") && report.contains("/surpriseField"),
        "{report}"
    );
    assert!(recording.contains("\"agent1\""), "{recording}");
    for (name, text) in [
        ("log", &log),
        ("report", &report),
        ("recording", &recording),
    ] {
        assert!(
            !text.contains(token),
            "the token leaked into the {name}:\n{text}"
        );
        assert!(
            !text.contains("cHJveHk6"),
            "no credential leaked into the {name}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
