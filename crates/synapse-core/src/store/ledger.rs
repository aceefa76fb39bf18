//! The verification ledger (`data/cache/verified.json`): when each blob was last
//! hashed and whether it matched. A rebuildable cache: losing it only means
//! blobs show as "never verified".

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::fsutil::{read_json, write_json_atomic};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub ok: bool,
    pub at: String,
    pub size: u64,
    /// Modification time (seconds since the epoch) of the file that was hashed.
    pub mtime: Option<i64>,
}

/// sha256 → last verification.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ledger(pub BTreeMap<String, LedgerEntry>);

pub fn mtime_secs(t: Option<SystemTime>) -> Option<i64> {
    t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64)
}

impl Ledger {
    /// Loads the ledger; a missing or unreadable cache is an empty ledger.
    pub fn load(path: &Path) -> Ledger {
        read_json(path).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.exists()) {
            std::fs::create_dir_all(parent).map_err(crate::error::Error::io("create directory", parent))?;
        }
        write_json_atomic(path, self)
    }

    /// Records that the copies `shas` in `dir` hashed right just now (a copy
    /// that hashed what it read and wrote). A cache: failures are ignored.
    pub fn record_good(path: &Path, dir: &crate::store::layout::BlobDir, shas: &[crate::ids::Sha256]) {
        if shas.is_empty() {
            return;
        }
        let mut ledger = Ledger::load(path);
        let at = crate::store::fsutil::now_rfc3339();
        for sha in shas {
            if let Ok(crate::blob::blobs::BlobAt::File(st)) = crate::blob::blobs::stat(dir, sha) {
                ledger.0.insert(sha.to_string(), LedgerEntry { ok: true, at: at.clone(), size: st.size, mtime: mtime_secs(st.mtime) });
            }
        }
        let _ = ledger.save(path);
    }

    /// Records `(sha, size)` as verified now, for copies without a file here
    /// to stat (objects in a bucket: no modification time is kept).
    pub(crate) fn record_good_sizes(path: &Path, items: &[(crate::ids::Sha256, u64)]) {
        if items.is_empty() {
            return;
        }
        let mut ledger = Ledger::load(path);
        let at = crate::store::fsutil::now_rfc3339();
        for (sha, size) in items {
            ledger.0.insert(sha.to_string(), LedgerEntry { ok: true, at: at.clone(), size: *size, mtime: None });
        }
        let _ = ledger.save(path);
    }

    /// The entry for a blob, if it still describes the file on disk (same size
    /// and modification time); a changed file counts as never verified.
    pub fn current(&self, sha: &str, size: u64, mtime: Option<SystemTime>) -> Option<&LedgerEntry> {
        self.0.get(sha).filter(|e| e.size == size && (e.mtime.is_none() || e.mtime == mtime_secs(mtime)))
    }
}
