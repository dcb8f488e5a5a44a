//! The state file: the whole state as one versioned JSON document, written atomically.
//!
//! [`crate::AppState::export_state`] produces the document (see [`STATE_VERSION`]):
//!
//! ```json
//! {"version": 1, "seed": 1592598566, "locations": {…store snapshot…},
//!  "tokens": [{"token", "kind", "userType", "locationId", "scopes", "anyLocation"}],
//!  "webhookSubscriptions": [{"id", "url"}]}
//! ```
//!
//! and [`crate::AppState::import_state`] replaces the state with one (agents, actions, call
//! logs, generations, the Conversation AI cursors, the accepted tokens and the webhook
//! subscriptions). With `--state-file FILE` the binary loads the file at start when it exists and
//! writes it on a clean shutdown (SIGINT/SIGTERM) and on `POST /__mock/state/save`.
//!
//! Writes are atomic: the document goes to a temporary file in the same directory
//! (`.<name>.tmp-<pid>`), which is fsynced and then renamed over the target, and the directory is
//! fsynced. A crash at any point leaves either the previous file or the new one, never a mix. For
//! tests of exactly that, the environment variable [`PAUSE_ENV`] (milliseconds) makes a write
//! pause halfway through the temporary file.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The version of the state document this build writes and reads.
pub(crate) const STATE_VERSION: u64 = 1;

/// Test hook: milliseconds to pause halfway through writing the temporary file.
pub const PAUSE_ENV: &str = "HIGHLEVEL_MOCK_TEST_SAVE_PAUSE_MS";

/// The temporary file a write of `path` goes through.
///
/// ```
/// use std::path::Path;
/// // Arrange / Act
/// let tmp = mock_server::testing::temp_path(Path::new("/tmp/state.json"));
/// // Assert
/// assert_eq!(tmp, Path::new(&format!("/tmp/.state.json.tmp-{}", std::process::id())));
/// ```
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename,
/// fsync of the directory. Blocking.
///
/// ```
/// // Arrange
/// let path = std::env::temp_dir().join(format!("mock-doc-{}.json", std::process::id()));
/// // Act
/// mock_server::testing::write_atomically(&path, b"{}").expect("written");
/// // Assert
/// assert_eq!(std::fs::read(&path).expect("readable"), b"{}");
/// # std::fs::remove_file(&path).expect("removed");
/// ```
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let pause = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let result = (|| {
        let mut file = File::create(&tmp)?;
        let half = bytes.len() / 2;
        file.write_all(&bytes[..half])?;
        if let Some(pause) = pause {
            file.flush()?;
            std::thread::sleep(pause);
        }
        file.write_all(&bytes[half..])?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads a state document from `path`: `Ok(None)` when there is no file.
///
/// ```
/// // Arrange
/// let path = std::env::temp_dir().join("mock-doc-that-does-not-exist.json");
/// // Act
/// let read = mock_server::testing::read_document(&path);
/// // Assert
/// assert_eq!(read, Ok(None));
/// ```
pub fn read_document(path: &Path) -> Result<Option<serde_json::Value>, String> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: not a JSON state document: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("mock-persist-unit-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("s.json");
        write_atomically(&path, b"old").expect("first write");
        write_atomically(&path, b"new").expect("second write");
        assert_eq!(fs::read(&path).expect("readable"), b"new");
        assert!(!temp_path(&path).exists());
        fs::remove_dir_all(&dir).expect("cleaned up");
    }

    #[test]
    fn a_write_into_a_missing_directory_fails_and_cleans_up() {
        let path = std::env::temp_dir().join("mock-persist-missing-dir/x/s.json");
        assert!(write_atomically(&path, b"x").is_err());
        assert!(!temp_path(&path).exists());
    }
}
