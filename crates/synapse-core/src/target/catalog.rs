//! The backup catalogs (SPEC §3.2, §3.12): a local record of what each backup
//! target holds — its identity, every blob with its size, the last syncs —
//! kept in `data/cache/catalogs/<backup-id>.json` (see [`crate::target`]), so
//! the inventory can still show
//! `backup_only` and `both` (marked `source: "cached"`) while the drive is
//! unplugged, like git-annex's location log.
//!
//! It is refreshed whenever the drive is scanned (every inventory build with
//! the drive connected, every backup operation) and updated by every
//! operation that changes the drive. It is a cache: losing it only means the
//! unplugged drive's contents are unknown until it is plugged in again. It is
//! never trusted for a decision that could lose data — a local copy is only
//! deleted on the strength of a backup copy seen live (see `guard`), and
//! operations that need the bytes require the drive itself.
//!
//! The file is written compactly (a 100,000-blob drive makes ~7 MB) and only
//! when its content changes; the times of the last syncs live in a small file
//! of their own (`data/cache/syncs/<backup-id>.json`), so recording a sync
//! does not rewrite it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::blob::blobs::{self, BlobEntry};
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::store::fsutil::{now_rfc3339, read_json};
use crate::store::layout::StoreLayout;
use crate::target::state::BackupState;
use crate::target::Target;
use crate::vocab::BackupSource;

const VERSION: u32 = 1;

/// What the store knows about its backup drive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    #[serde(default)]
    pub version: u32,
    /// The drive's `backup-id` when it was last seen (None: it had none yet).
    #[serde(default)]
    pub backup_id: Option<String>,
    /// The configured backup path this record describes.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// When the blob list last changed (scan or operation).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Names of the blobs only the drive can name: orphans whose manifest is
    /// on the drive and not in the local store. Few, so kept before `blobs`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<Sha256, Label>,
    /// Every blob on the drive and its size. Kept last in the file.
    #[serde(default, deserialize_with = "sorted_map")]
    pub blobs: BTreeMap<Sha256, u64>,
    /// The file this record is read from and saved to.
    #[serde(skip)]
    file: PathBuf,
}

/// The blob map read as a list and built in one go: the file holds it sorted,
/// so this costs one comparison per blob instead of a search per insert.
fn sorted_map<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<Sha256, u64>, D::Error> {
    struct Pairs;
    impl<'de> serde::de::Visitor<'de> for Pairs {
        type Value = Vec<(Sha256, u64)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of blob hashes to sizes")
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(self, mut m: M) -> std::result::Result<Self::Value, M::Error> {
            let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
            while let Some(pair) = m.next_entry()? {
                out.push(pair);
            }
            Ok(out)
        }
    }
    Ok(d.deserialize_map(Pairs)?.into_iter().collect())
}

/// What the drive's manifest says about a blob, kept for when it is unplugged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
    /// The asset kind as the manifest spells it (parsed loosely when read).
    #[serde(default)]
    pub kind: Option<String>,
}

/// The identity part of the catalog, read without building the blob map.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Header {
    #[serde(default)]
    pub backup_id: Option<String>,
    #[serde(default)]
    pub path: Option<PathBuf>,
}

/// Reads the identity the catalog records; `None` when there is no readable catalog.
///
/// Fast path: the catalog is written with its small fields first and the blob
/// map last, so the identity is parsed from the part before `"blobs":`
/// without reading megabytes of blob list (it is checked on every detection
/// of a connected drive). A key cannot hide inside a JSON string: its quotes
/// would be escaped there.
pub fn header(layout: &StoreLayout, target: &Target) -> Option<Header> {
    header_of(&target.catalog_file(layout))
}

/// [`header`] of the catalog file at `path`.
pub(crate) fn header_of(path: &Path) -> Option<Header> {
    let mut head = Vec::with_capacity(HEAD);
    File::open(path).ok()?.take(HEAD as u64).read_to_end(&mut head).ok()?;
    if let Some(at) = head.windows(BLOBS_KEY.len()).position(|w| w == BLOBS_KEY) {
        let mut prefix = head[..at].to_vec();
        prefix.push(b'}');
        if let Ok(h) = serde_json::from_slice(&prefix) {
            return Some(h);
        }
    }
    read_json(path).ok()
}

/// How much of the catalog the identity is looked for in.
const HEAD: usize = 16 << 10;
const BLOBS_KEY: &[u8] = b",\"blobs\":";

impl Catalog {
    /// Loads the target's catalog; a missing or unreadable one is empty.
    pub fn load(layout: &StoreLayout, target: &Target) -> Catalog {
        let file = target.catalog_file(layout);
        Catalog { file: file.clone(), ..read_json(&file).unwrap_or_default() }
    }

    /// The catalog of the target's drive at `path` with `backup_id`: the
    /// stored one when it describes that drive, else a fresh, empty record
    /// for it (another drive, or a new backup path). The flag is true when the
    /// record differs from the file in its identity (it must be saved).
    pub(crate) fn for_drive(layout: &StoreLayout, target: &Target, path: &Path, backup_id: Option<&str>) -> (Catalog, bool) {
        let c = Catalog::load(layout, target);
        let same_path = c.path.as_deref() == Some(path);
        let same_id = match (&c.backup_id, backup_id) {
            (Some(a), Some(b)) => a == b,
            // A drive that had no id yet and got one since is the same drive.
            (None, _) => true,
            (Some(_), None) => false,
        };
        if same_path && same_id {
            let changed = c.version != VERSION || (c.backup_id.is_none() && backup_id.is_some());
            let backup_id = backup_id.map(str::to_owned).or(c.backup_id.clone());
            (Catalog { backup_id, version: VERSION, ..c }, changed)
        } else {
            let fresh = Catalog {
                version: VERSION,
                backup_id: backup_id.map(str::to_owned),
                path: Some(path.to_path_buf()),
                file: c.file,
                ..Catalog::default()
            };
            (fresh, true)
        }
    }

    /// Replaces the blob list with a fresh scan; true when anything changed.
    pub(crate) fn replace_blobs(&mut self, scanned: &[BlobEntry]) -> bool {
        // Compared in one pass where the scan is sorted (it is), without building a second map.
        let same =
            self.blobs.len() == scanned.len() && self.blobs.iter().zip(scanned).all(|((sha, size), b)| *sha == b.sha256 && *size == b.size);
        if same {
            return false;
        }
        let fresh: BTreeMap<Sha256, u64> = scanned.iter().map(|b| (b.sha256.clone(), b.size)).collect();
        if fresh == self.blobs {
            return false;
        }
        self.blobs = fresh;
        self.updated_at = Some(now_rfc3339());
        true
    }

    pub fn insert(&mut self, sha: &Sha256, size: u64) {
        if self.blobs.insert(sha.clone(), size) != Some(size) {
            self.updated_at = Some(now_rfc3339());
        }
    }

    pub fn remove(&mut self, sha: &Sha256) {
        if self.blobs.remove(sha).is_some() {
            self.updated_at = Some(now_rfc3339());
        }
    }

    /// Writes the catalog atomically (compact JSON) to the file it came from.
    pub fn save(&self, layout: &StoreLayout) -> Result<()> {
        let path = &self.file;
        if let Some(dir) = path.parent() {
            crate::copy::mkdirs_under(layout.root(), dir)?;
        }
        let mut bytes = serde_json::to_vec(self).map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
        bytes.push(b'\n');
        layout.tree()?.write_atomic(path, &bytes)
    }

    /// The blobs as scan entries (no modification times: the drive is not here).
    pub fn entries(&self) -> Vec<BlobEntry> {
        self.blobs.iter().map(|(sha, &size)| BlobEntry { sha256: sha.clone(), size, mtime: None, id: None, nlink: 1 }).collect()
    }

    pub fn total_bytes(&self) -> u64 {
        self.blobs.values().sum()
    }
}

/// When the drive was last synced, kept apart from the catalog so that
/// recording a sync does not rewrite its (possibly long) blob list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Syncs {
    /// The drive these times are about.
    #[serde(default)]
    pub backup_id: Option<String>,
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// When a blob sync (either direction) last completed without errors.
    #[serde(default)]
    pub last_sync: Option<String>,
    /// When a state sync last completed without errors.
    #[serde(default)]
    pub state_last_sync: Option<String>,
}

/// Which sync [`record_sync`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    Blobs,
    State,
}

impl Syncs {
    /// The sync times of the target's drive at `path` with `backup_id` (none for another drive).
    pub fn of(layout: &StoreLayout, target: &Target, path: &Path, backup_id: Option<&str>) -> Syncs {
        let s: Syncs = read_json(&target.syncs_file(layout)).unwrap_or_default();
        let same = s.path.as_deref() == Some(path) && (s.backup_id.is_none() || backup_id.is_none() || s.backup_id.as_deref() == backup_id);
        if same {
            s
        } else {
            Syncs { backup_id: backup_id.map(str::to_owned), path: Some(path.to_path_buf()), ..Syncs::default() }
        }
    }
}

/// Records that a sync of `kind` with the drive at `path` completed now (a
/// cache: the caller may ignore a failure).
pub(crate) fn record_sync(layout: &StoreLayout, target: &Target, path: &Path, backup_id: Option<&str>, kind: SyncKind) -> Result<()> {
    let mut s = Syncs::of(layout, target, path, backup_id);
    s.backup_id = backup_id.map(str::to_owned).or(s.backup_id);
    let now = Some(now_rfc3339());
    match kind {
        SyncKind::Blobs => s.last_sync = now,
        SyncKind::State => s.state_last_sync = now,
    }
    let file = target.syncs_file(layout);
    if let Some(dir) = file.parent() {
        crate::copy::mkdirs_under(layout.root(), dir)?;
    }
    layout.write_json(&file, &s)
}

/// The backup half of an inventory: live from the drive, or from the catalog.
#[derive(Debug)]
pub struct BackupBlobs {
    pub blobs: Vec<BlobEntry>,
    pub source: BackupSource,
    pub last_sync: Option<String>,
    /// The names the catalog recorded for blobs only the drive can name.
    pub labels: BTreeMap<Sha256, Label>,
}

impl BackupBlobs {
    fn none() -> Self {
        BackupBlobs { blobs: Vec::new(), source: BackupSource::None, last_sync: None, labels: BTreeMap::new() }
    }
}

/// Records the names of the blobs only the drive can name (see
/// [`Catalog::labels`]); the caller compares with [`BackupBlobs::labels`]
/// first, as this reads the whole catalog. A cache: a failure to write it is
/// ignored.
pub(crate) fn record_labels(layout: &StoreLayout, target: &Target, drive: &Path, labels: BTreeMap<Sha256, Label>) {
    let mut catalog = Catalog::load(layout, target);
    if catalog.path.as_deref() == Some(drive) && catalog.labels != labels {
        catalog.labels = labels;
        let _ = catalog.save(layout);
    }
}

/// Lists the backup's blobs for the inventory: a live scan when the drive is
/// connected (which also refreshes the catalog; a catalog that cannot be
/// written is only a stale cache, so that error is ignored), the catalog's
/// record when the drive is configured but disconnected, nothing when backup
/// is disabled or the catalog describes another drive or path.
pub fn backup_blobs(layout: &StoreLayout, target: &Target, state: &BackupState) -> Result<BackupBlobs> {
    match state {
        BackupState::Disabled { .. } | BackupState::NoPath => Ok(BackupBlobs::none()),
        BackupState::Connected { layout: drive } => {
            // Only the fan-out folders that changed since the last look are listed again.
            let memory_file = target.scan_file(layout);
            let mut memory = blobs::ScanMemory::load(layout, &memory_file);
            let found = blobs::scan_remembered(&drive.blobs(), &mut memory)?;
            memory.save(layout, &memory_file);
            let id = crate::target::state::read_id(drive);
            let (mut catalog, changed) = Catalog::for_drive(layout, target, drive.path(), id.as_deref());
            if catalog.replace_blobs(&found) || changed {
                let _ = catalog.save(layout);
            }
            let last_sync = Syncs::of(layout, target, drive.path(), id.as_deref()).last_sync;
            Ok(BackupBlobs { blobs: found, source: BackupSource::Live, last_sync, labels: catalog.labels })
        }
        // A bucket is listed by the operations that change it and by a refresh
        // (a LIST of 100,000 objects is 100 requests): its catalog, as recorded.
        BackupState::Online { .. } => {
            let place = target.place().unwrap_or_default();
            let catalog = Catalog::load(layout, target);
            if catalog.path.as_deref() != Some(place.as_path()) {
                return Ok(BackupBlobs::none());
            }
            let last_sync = Syncs::of(layout, target, &place, catalog.backup_id.as_deref()).last_sync;
            Ok(BackupBlobs { blobs: catalog.entries(), source: BackupSource::Cached, last_sync, labels: catalog.labels })
        }
        // A hung drive is never asked: what its catalog recorded, as while it is unplugged.
        BackupState::Disconnected { path, .. } | BackupState::Unresponsive { path, .. } => {
            let catalog = Catalog::load(layout, target);
            if catalog.path.as_deref() != Some(path.as_path()) {
                return Ok(BackupBlobs::none());
            }
            let last_sync = Syncs::of(layout, target, path, catalog.backup_id.as_deref()).last_sync;
            let blobs = catalog.entries();
            Ok(BackupBlobs { blobs, source: BackupSource::Cached, last_sync, labels: catalog.labels })
        }
    }
}

/// Lists a bucket target's prefix (paginated, SPEC §3.13) and records what
/// it holds as its catalog. Returns the blobs listed.
pub(crate) fn refresh_bucket(
    layout: &StoreLayout,
    target: &Target,
    bucket: &crate::s3::Bucket,
    backup_id: Option<&str>,
) -> Result<Vec<BlobEntry>> {
    let listed = bucket.list()?;
    let entries: Vec<BlobEntry> =
        listed.into_iter().map(|(sha256, size)| BlobEntry { sha256, size, mtime: None, id: None, nlink: 1 }).collect();
    let place = target.place().unwrap_or_default();
    let (mut catalog, changed) = Catalog::for_drive(layout, target, &place, backup_id);
    if catalog.replace_blobs(&entries) || changed {
        catalog.save(layout)?;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original's target before it has met its drive: the old single files.
    fn primary() -> Target {
        Target {
            name: "backup".into(),
            primary: true,
            kind: crate::target::TargetKind::Folder,
            path: None,
            s3: None,
            enabled: true,
            backup_id: None,
        }
    }

    fn sha(n: u8) -> Sha256 {
        Sha256::parse(&format!("{n:02x}").repeat(32)).unwrap()
    }

    #[test]
    fn another_drive_or_path_starts_a_fresh_record() {
        let d = tempfile::tempdir().unwrap();
        let layout = StoreLayout::new(d.path());
        let (mut c, new) = Catalog::for_drive(&layout, &primary(), Path::new("/mnt/a"), Some("id-a"));
        assert!(new);
        c.insert(&sha(1), 10);
        c.save(&layout).unwrap();
        assert_eq!(Catalog::for_drive(&layout, &primary(), Path::new("/mnt/a"), Some("id-a")), (c.clone(), false));
        assert!(Catalog::for_drive(&layout, &primary(), Path::new("/mnt/a"), Some("id-b")).0.blobs.is_empty());
        assert!(Catalog::for_drive(&layout, &primary(), Path::new("/mnt/b"), Some("id-a")).0.blobs.is_empty());
        let h = header(&layout, &primary()).unwrap();
        assert_eq!((h.backup_id.as_deref(), h.path.as_deref()), (Some("id-a"), Some(Path::new("/mnt/a"))));
        assert!(std::fs::read(layout.backup_catalog()).unwrap().windows(BLOBS_KEY.len()).any(|w| w == BLOBS_KEY));
        // A catalog written some other way (pretty-printed) is still read.
        crate::fsutil::write_json_atomic(&layout.backup_catalog(), &c).unwrap();
        assert_eq!(header(&layout, &primary()).unwrap().backup_id.as_deref(), Some("id-a"));
    }

    #[test]
    fn sync_times_belong_to_their_drive() {
        let d = tempfile::tempdir().unwrap();
        let layout = StoreLayout::new(d.path());
        record_sync(&layout, &primary(), Path::new("/mnt/a"), Some("id-a"), SyncKind::Blobs).unwrap();
        assert!(Syncs::of(&layout, &primary(), Path::new("/mnt/a"), Some("id-a")).last_sync.is_some());
        assert!(Syncs::of(&layout, &primary(), Path::new("/mnt/a"), Some("id-a")).state_last_sync.is_none());
        assert!(Syncs::of(&layout, &primary(), Path::new("/mnt/a"), Some("id-b")).last_sync.is_none());
        assert!(Syncs::of(&layout, &primary(), Path::new("/mnt/b"), Some("id-a")).last_sync.is_none());
    }

    #[test]
    fn replace_reports_changes_only() {
        let mut c = Catalog::default();
        let entries = vec![BlobEntry { sha256: sha(1), size: 3, mtime: None, id: None, nlink: 1 }];
        assert!(c.replace_blobs(&entries));
        assert!(!c.replace_blobs(&entries));
        c.remove(&sha(1));
        assert!(c.blobs.is_empty());
    }
}
