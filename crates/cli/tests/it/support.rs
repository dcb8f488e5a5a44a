//! The test rig: the `highlevel-mock` binary as a process (one per test, on a free port) and
//! the `highlevel` binary run against it, with every run checked for the token in its output.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The dev token every mock in these tests accepts.
pub(crate) const TOKEN: &str = "pit-5f0c2e7a-cli0-4e2b-9d1a-7c3b8e6f4a21";
/// The dev token's location.
pub(crate) const LOCATION: &str = "cliTestLocation00001";
/// A second location, and a token of it (registered by the tests that use it).
pub(crate) const SECOND_LOCATION: &str = "cliTestLocation00002";
/// The second location's token.
pub(crate) const SECOND_TOKEN: &str = "pit-0b9e4d21-cli0-4c7a-8f3e-2a6d1c5b7e90";

/// The `highlevel-mock` binary, built once per test run into this test's own target directory
/// (a no-op when `cargo test --workspace` has built it already).
///
/// Cargo gives a test the path of its own package's binaries only (`CARGO_BIN_EXE_…`), and
/// artifact dependencies are unstable, so the mock is built the way CI builds it, with the
/// cargo running this test, into the directory this test binary lives in.
fn mock_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let test_binary = std::env::current_exe().expect("the test binary's path");
        // …/<target>/<profile>/deps/it-<hash>
        let profile_dir = test_binary
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in <target>/<profile>/deps");
        let target_dir = profile_dir.parent().expect("a target directory");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build.args([
            "build",
            "--quiet",
            "-p",
            "mock-server",
            "--bin",
            "highlevel-mock",
        ]);
        build.arg("--target-dir").arg(target_dir);
        // What cargo set for running this test describes this package, not the mock; left in,
        // build scripts that watch these variables (ring's) would rerun and rebuild the
        // dependencies this test and CI share.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_MANIFEST_")
                || [
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "OUT_DIR",
                    "LD_LIBRARY_PATH",
                    "DYLD_FALLBACK_LIBRARY_PATH",
                ]
                .contains(&name.as_ref())
            {
                build.env_remove(name.as_ref());
            }
        }
        if profile_dir
            .file_name()
            .is_some_and(|name| name == "release")
        {
            build.arg("--release");
        }
        let status = build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building highlevel-mock failed");
        let binary = profile_dir.join(format!("highlevel-mock{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.exists(), "{} was not built", binary.display());
        binary
    })
}

/// A `highlevel-mock` process with the demo data; killed when dropped.
pub(crate) struct Mock {
    child: Child,
    /// Its base URL.
    pub(crate) url: String,
    /// A scratch directory for this test's files.
    pub(crate) dir: PathBuf,
}

impl Mock {
    /// A mock with the demo data, the test token and location.
    pub(crate) fn start() -> Self {
        Self::start_with(&[])
    }

    /// A mock started with `extra` flags too.
    pub(crate) fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(mock_binary())
            .args(["--port", "0", "--token", TOKEN, "--location-id", LOCATION])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mock starts");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut seen = String::new();
        let started = Instant::now();
        let url = loop {
            let mut buffer = [0u8; 512];
            let read = stdout.read(&mut buffer).expect("the mock's stdout");
            assert!(read > 0, "the mock exited before listening: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buffer[..read]));
            if let Some(line) = seen.lines().find(|line| line.contains("listening on "))
                && seen.contains("location id")
            {
                break line
                    .split("listening on ")
                    .nth(1)
                    .expect("a URL")
                    .trim()
                    .to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the mock did not start: {seen}"
            );
        };
        let dir = std::env::temp_dir().join(format!(
            "highlevel-cli-test-{}-{}",
            std::process::id(),
            url.rsplit(':').next().expect("a port")
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self { child, url, dir }
    }

    /// Calls the mock's admin API (`/__mock/…`) and returns the JSON answer.
    pub(crate) fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("the mock accepts connections");
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .expect("the request is sent");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("the answer arrives");
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(
            head.starts_with("HTTP/1.1 2"),
            "{method} {path}: {head}\n{body}"
        );
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        if body.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).expect("a JSON answer")
        }
    }

    /// Adds a fault rule (`POST /__mock/faults`).
    pub(crate) fn fault(&self, rule: Value) {
        self.admin("POST", "/__mock/faults", Some(&rule));
    }

    /// The API requests the mock received: `(method, path, query)`.
    pub(crate) fn requests(&self) -> Vec<(String, String, String)> {
        let journal = self.admin("GET", "/__mock/journal", None);
        journal["requests"]
            .as_array()
            .expect("a list of requests")
            .iter()
            .map(|entry| {
                let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
                (text("method"), text("path"), text("query"))
            })
            .collect()
    }

    /// Accepts [`SECOND_TOKEN`] for [`SECOND_LOCATION`] and writes a config file whose
    /// profile `second` holds it; returns the config file's path.
    pub(crate) fn add_second_location(&self) -> PathBuf {
        self.admin(
            "POST",
            "/__mock/tokens",
            Some(&serde_json::json!({"token": SECOND_TOKEN, "locationId": SECOND_LOCATION})),
        );
        let config = self.dir.join("config.yaml");
        std::fs::write(
            &config,
            format!("profiles:\n  second:\n    token: {SECOND_TOKEN}\n    locationId: {SECOND_LOCATION}\n"),
        )
        .expect("the config is written");
        config
    }

    /// The mutating API requests (anything but GET) the mock received.
    pub(crate) fn writes(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|(method, _, _)| method != "GET")
            .map(|(method, path, _)| format!("{method} {path}"))
            .collect()
    }

    /// Runs `highlevel args…` against this mock with the test token in HIGHLEVEL_TOKEN.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// Runs `highlevel args…` with extra environment variables and optional stdin.
    pub(crate) fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_highlevel"));
        command
            .args(args)
            .env("HIGHLEVEL_TOKEN", TOKEN)
            .env("HIGHLEVEL_BASE_URL", &self.url)
            .env("HIGHLEVEL_LOCATION_ID", LOCATION)
            .env("HIGHLEVEL_CONFIG", self.dir.join("absent-config.yaml"))
            .env_remove("HIGHLEVEL_PROFILE")
            .current_dir(&self.dir)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("highlevel starts");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("piped stdin")
                .write_all(text.as_bytes())
                .expect("stdin is written");
        }
        let output = child.wait_with_output().expect("highlevel finishes");
        Run::checked(args, output)
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

/// What one run of `highlevel` did.
pub(crate) struct Run {
    /// The exit code.
    pub(crate) code: i32,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

impl Run {
    /// Wraps an output after checking that no token appears in it, whatever the command.
    pub(crate) fn checked(args: &[&str], output: Output) -> Self {
        let run = Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        };
        for secret in [TOKEN, SECOND_TOKEN, "Bearer "] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "`highlevel {}` printed a token:\n{}\n{}",
                args.join(" "),
                run.stdout,
                run.stderr
            );
        }
        run
    }

    /// Asserts success and parses stdout as JSON.
    pub(crate) fn json(&self) -> Value {
        assert_eq!(self.code, 0, "failed:\n{}\n{}", self.stdout, self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}
