//! The exclusive advisory lock that every mutating operation holds (SPEC §4).
//!
//! The lock is an `flock` on `.synapse.lock` (released by the kernel when the
//! holder dies, so a crash never wedges the store). While held, the file
//! records `{operation, since, pid}` so a second operation can say who is busy.
//! Reading the inventory never takes it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Default time a second mutating operation waits before failing with `busy`.
/// `SYNAPSE_LOCK_WAIT_MS` overrides it (tests use a short wait).
pub(crate) fn default_wait() -> Duration {
    std::env::var("SYNAPSE_LOCK_WAIT_MS").ok().and_then(|v| v.parse().ok()).map(Duration::from_millis).unwrap_or(Duration::from_secs(3))
}

/// Who holds (or last held) a lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockInfo {
    pub operation: String,
    pub since: String,
    pub pid: u32,
}

/// A held lock; released on drop.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
    path: PathBuf,
}

impl StoreLock {
    /// Takes the lock at `path`, waiting up to `wait` for another holder.
    pub fn acquire(path: &Path, operation: &str, wait: Duration) -> Result<StoreLock> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(Error::io("create directory", dir))?;
        }
        let file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(Error::io("open lock file", path))?;
        let deadline = Instant::now() + wait;
        loop {
            match FileExt::try_lock_exclusive(&file) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(Error::io("lock", path)(e)),
            }
            if Instant::now() >= deadline {
                let info =
                    read_info(path).unwrap_or(LockInfo { operation: "another operation".into(), since: "unknown time".into(), pid: 0 });
                return Err(Error::Busy { operation: info.operation, since: info.since, pid: info.pid });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut lock = StoreLock { file, path: path.to_path_buf() };
        let info = LockInfo { operation: operation.to_owned(), since: crate::store::fsutil::now_rfc3339(), pid: std::process::id() };
        lock.write_info(&info)?;
        Ok(lock)
    }

    fn write_info(&mut self, info: &LockInfo) -> Result<()> {
        let bytes = serde_json::to_vec(info).unwrap_or_default();
        let io = Error::io("write lock file", &self.path);
        (|| {
            self.file.set_len(0)?;
            self.file.seek(SeekFrom::Start(0))?;
            self.file.write_all(&bytes)?;
            self.file.flush()
        })()
        .map_err(io)
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // Clear the record first so nobody reports a finished operation as busy.
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}

/// Reads the holder record of a lock file, if any.
pub(crate) fn read_info(path: &Path) -> Option<LockInfo> {
    let mut s = String::new();
    File::open(path).ok()?.read_to_string(&mut s).ok()?;
    serde_json::from_str(&s).ok()
}

/// State of a lock file for `doctor`.
#[derive(Debug, Clone, PartialEq)]
pub enum LockState {
    Free,
    Held(LockInfo),
    /// The file names a holder, but nobody holds the lock: that process died.
    Stale(LockInfo),
}

/// Inspects a lock without waiting.
pub fn probe(path: &Path) -> Result<LockState> {
    let Ok(file) = OpenOptions::new().read(true).write(true).open(path) else {
        return Ok(LockState::Free);
    };
    let info = read_info(path);
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => {
            let _ = FileExt::unlock(&file);
            Ok(info.map_or(LockState::Free, LockState::Stale))
        }
        _ => Ok(LockState::Held(info.unwrap_or(LockInfo { operation: "unknown".into(), since: "unknown".into(), pid: 0 }))),
    }
}

/// Clears a stale holder record (doctor --fix). Takes the lock to do it.
pub(crate) fn clear_stale(path: &Path) -> Result<()> {
    let lock = StoreLock::acquire(path, "doctor", Duration::ZERO)?;
    drop(lock);
    Ok(())
}
