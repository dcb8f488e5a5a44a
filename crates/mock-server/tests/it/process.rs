//! The `highlevel-mock` binary as a child process, started the way a user starts it: the tests
//! of its flags, banner and exit codes share this.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The binary cargo built for these tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_highlevel-mock");

/// The binary with `args`, `RUST_LOG=warn`, stdout piped (for its banner) and stderr dropped;
/// a test changes what it needs before [`Running::spawn`].
pub(crate) fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// A started binary, killed when dropped so a failing assertion never leaves a server running.
pub(crate) struct Running {
    pub(crate) child: Child,
    /// Its start-up banner, a line each: base URL, dev token, location id, OAuth client,
    /// dashboard.
    pub(crate) banner: Vec<String>,
    /// The `host:port` it listens on.
    pub(crate) address: String,
}

impl Running {
    /// Spawns `command` and reads its banner, up to its last line (`dashboard: …`).
    pub(crate) fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut banner = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("a line of output");
            let last = line.starts_with("dashboard:");
            banner.push(line);
            if last {
                break;
            }
        }
        let address = banner
            .first()
            .and_then(|line| line.split_once("listening on http://"))
            .map(|(_, address)| address.to_owned())
            .unwrap_or_else(|| panic!("no banner naming the base URL: {banner:?}"));
        Self {
            child,
            banner,
            address,
        }
    }

    /// The value of the banner line that starts with `label` (e.g. `location id:`).
    pub(crate) fn banner_value(&self, label: &str) -> &str {
        self.banner
            .iter()
            .find_map(|line| line.strip_prefix(label))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {label:?} line in {:?}", self.banner))
    }

    /// Sends `request` (a whole HTTP/1.1 request, with `Connection: close`) on a fresh
    /// connection and returns the raw response.
    pub(crate) fn exchange(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(&self.address).expect("the server accepts connections");
        stream
            .write_all(request.as_bytes())
            .expect("the request is written");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("the response is read");
        response
    }
}

impl Running {
    /// Kills the binary and returns all it wrote to stderr (which the test must have piped).
    pub(crate) fn kill_and_read_stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .expect("stderr is piped")
            .read_to_string(&mut stderr)
            .expect("stderr is readable");
        stderr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
