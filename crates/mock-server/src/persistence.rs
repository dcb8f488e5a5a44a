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
//!
//! One server owns a state file at a time: [`StateFileLock::acquire`] (called by the binary
//! before it reads the file) takes an exclusive OS lock (`flock` on Unix, `LockFileEx` on
//! Windows) on `.<name>.lock` beside it, so a second server on the same file is refused at start
//! instead of overwriting the first one's saves. The lock lives on a sidecar because each save
//! renames a new file over the target, which would leave a lock on the old one behind. The OS
//! drops the lock when the process ends, however it ends; the empty sidecar stays. Before
//! locking, the file's directory must exist and accept new files (checked by creating the lock
//! file and a probe), so a bad path is found at start, not at shutdown with the state lost. Once
//! locked, the temporary files of earlier writes of this file that never finished
//! (`.<name>.tmp-<pid>` left by a killed save) are removed: no other server can be writing them.

use std::fs::{self, File, OpenOptions};
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
    sidecar(path, &format!("tmp-{}", std::process::id()))
}

/// The exclusive hold of one server on a state file (see the module notes); released when
/// dropped or when the process ends.
#[derive(Debug)]
pub struct StateFileLock {
    /// The open lock file; the OS lock lives as long as this handle.
    _file: File,
    /// Leftover temporary files removed when the lock was taken.
    removed: Vec<PathBuf>,
}

impl StateFileLock {
    /// Checks that `path`'s directory exists and is writable, takes the lock, and removes the
    /// temporary files unfinished writes of `path` left behind. The error is a sentence naming
    /// the file, for the binary to print.
    ///
    /// ```
    /// use mock_server::StateFileLock;
    /// // Arrange
    /// let dir = std::env::temp_dir().join(format!("mock-lock-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).expect("a temp dir");
    /// let path = dir.join("state.json");
    /// // Act
    /// let first = StateFileLock::acquire(&path).expect("the file is free");
    /// let second = StateFileLock::acquire(&path);
    /// // Assert
    /// assert!(second.expect_err("held by the first").contains("another highlevel-mock server"));
    /// drop(first);
    /// assert!(StateFileLock::acquire(&path).is_ok());
    /// # std::fs::remove_dir_all(&dir).expect("removed");
    /// ```
    pub fn acquire(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let dir = directory_of(path);
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(format!(
                    "state file {shown}: {} is not a directory",
                    dir.display()
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "state file {shown}: the directory {} does not exist",
                    dir.display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "state file {shown}: the directory {} cannot be read: {e}",
                    dir.display()
                ));
            }
        }
        let lock_path = sidecar(path, "lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| {
                format!(
                    "state file {shown}: cannot create files in {}: {e}",
                    dir.display()
                )
            })?;
        match <File as fs4::FileExt>::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(format!(
                    "state file {shown} is in use: another highlevel-mock server holds it \
                     (lock {}); stop that server or pick another file",
                    lock_path.display()
                ));
            }
            Err(fs4::TryLockError::Error(e)) => {
                return Err(format!(
                    "state file {shown}: cannot lock {}: {e}",
                    lock_path.display()
                ));
            }
        }
        // The same check a save makes first: a file can be created beside the target.
        let probe = temp_path(path);
        File::create(&probe)
            .and_then(|_| fs::remove_file(&probe))
            .map_err(|e| format!("state file {shown}: cannot write in {}: {e}", dir.display()))?;
        let removed = remove_leftovers(path);
        Ok(Self {
            _file: file,
            removed,
        })
    }

    /// The leftover temporary files removed when the lock was taken.
    ///
    /// ```
    /// use mock_server::StateFileLock;
    /// // Arrange
    /// let dir = std::env::temp_dir().join(format!("mock-leftover-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).expect("a temp dir");
    /// let path = dir.join("state.json");
    /// std::fs::write(dir.join(".state.json.tmp-1"), b"{").expect("written");
    /// // Act
    /// let lock = StateFileLock::acquire(&path).expect("the file is free");
    /// // Assert
    /// assert_eq!(lock.removed(), [dir.join(".state.json.tmp-1")]);
    /// # std::fs::remove_dir_all(&dir).expect("removed");
    /// ```
    pub fn removed(&self) -> &[PathBuf] {
        &self.removed
    }
}

/// The directory `path` lives in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The file name of `path`, or `state` when it has none.
fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned())
}

/// `.<name>.<suffix>` beside `path`.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    path.with_file_name(format!(".{}.{suffix}", file_name_of(path)))
}

/// Removes `.<name>.tmp-<digits>` beside `path`; returns what was removed.
fn remove_leftovers(path: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{}.tmp-", file_name_of(path));
    let Ok(entries) = fs::read_dir(directory_of(path)) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_leftover = name
            .strip_prefix(&prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if is_leftover && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed.sort();
    removed
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
        File::open(directory_of(path))?.sync_all()
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
