//! The result types several parts of the core share: the inventory's items
//! and summaries, the copies of a blob, the impacts of a delete, targets, the
//! blob and pack transfers of sync, per-item errors, UI links, package issues.
//! The errors carry some of them, so they live here, below [`crate::error`];
//! the result types of one operation live beside it, and [`crate::model`]
//! gathers all of them for the CLI and the app. Field names and enum values
//! are the SPEC's (snake_case); change them only together with SPEC.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ids::Sha256;
use crate::vocab::{AssetKind, BackupSource, BlobStatus, IssueSeverity, Location, SyncDirection, TargetState};

/// Where a model came from (lock `provider` or manifest `origin`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Origin {
    pub provider: Option<String>,
    pub model_id: Option<serde_json::Value>,
    pub version_id: Option<serde_json::Value>,
    pub file_id: Option<serde_json::Value>,
    pub filename: Option<String>,
    pub repo_id: Option<String>,
}

/// One row of the inventory: one distinct SHA-256 known anywhere.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventoryItem {
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub display_name: String,
    pub size_bytes: u64,
    pub status: BlobStatus,
    pub location: Location,
    pub on_local: bool,
    pub on_backup: bool,
    pub used_by_packs: Vec<String>,
    pub ref_count: u32,
    pub origin: Option<Box<Origin>>,
    pub active_in_uis: Vec<String>,
    pub verified: Option<bool>,
    pub verified_at: Option<String>,
    /// A pack lock records a download URL for it: `redownload` can fetch it when it is missing.
    pub has_download_url: bool,
    /// Every copy known (SPEC §3.12), corrupt ones included and marked.
    pub copies: Vec<BlobCopy>,
    /// Good copies: those not known to be corrupt. `on_local`, `on_backup` and
    /// `location` count only these.
    pub copies_count: u32,
    /// Good copies the copies policy asks this blob to keep (0 for an orphan, SPEC §3.12).
    pub min_copies: u32,
    /// What Civitai says it is, once `identify` asked (SPEC §3.14); absent otherwise,
    /// so the shape of an item nobody identified is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub metadata: Option<Box<crate::identify::ModelMetadata>>,
}

/// One copy of a blob.
impl InventoryItem {
    /// A good copy is on `place` (`local` or a target's name).
    pub fn good_on(&self, place: &str) -> bool {
        self.copies.iter().any(|c| c.target == place && !c.corrupt)
    }

    /// A file is on `place`, a corrupt one too.
    pub fn file_on(&self, place: &str) -> bool {
        self.copies.iter().any(|c| c.target == place)
    }

    /// The copy on `place` is known to be corrupt.
    pub fn corrupt_on(&self, place: &str) -> bool {
        self.copies.iter().any(|c| c.target == place && c.corrupt)
    }

    /// A good copy on `place` seen on disk now: the only kind a decision that
    /// removes a copy may count on (one known from an unplugged drive's catalog is not).
    pub(crate) fn live_good_on(&self, place: &str) -> bool {
        self.copies.iter().any(|c| c.target == place && c.live_good())
    }
}

impl BlobCopy {
    /// Not known to be corrupt, and seen on disk now.
    pub(crate) fn live_good(&self) -> bool {
        !self.corrupt && self.source == CopySource::Live
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlobCopy {
    /// `local`, or the backup target's name.
    pub target: String,
    /// When a hash of this copy last matched (verify, scrub, or the copy that wrote it).
    pub verified_at: Option<String>,
    /// `live` when seen on disk now, `cached` when known from an unplugged drive's catalog.
    pub source: CopySource,
    /// It was hashed and does not match its name (`data/integrity.json`).
    pub corrupt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CopySource {
    Live,
    Cached,
}

/// A pack whose `pack.json` or `lock.json` could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackError {
    pub pack: String,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DiskInfo {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub total_bytes: u64,
    pub free_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupSummary {
    pub enabled: bool,
    pub connected: bool,
    pub source: BackupSource,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub blobs_local_only: u64,
    pub blobs_backup_only: u64,
    pub blobs_both: u64,
    pub bytes_local_only: u64,
    pub bytes_backup_only: u64,
    pub bytes_synced: u64,
    pub last_sync: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventorySummary {
    pub blobs_total: u64,
    pub blobs_referenced: u64,
    pub blobs_orphan: u64,
    pub blobs_missing: u64,
    pub blobs_backup_only: u64,
    /// Blobs with at least one copy known to be corrupt.
    pub blobs_corrupt: u64,
    /// Referenced blobs with fewer good copies than the policy asks.
    pub blobs_below_policy: u64,
    /// What a cleanup would delete now (local orphans no UI links to), and their bytes.
    pub cleanup_orphans: u64,
    pub cleanup_bytes: u64,
    /// Bytes of the blobs present locally (the original's "Local disk").
    pub bytes_total: u64,
    /// Bytes of the referenced blobs present locally.
    pub bytes_referenced: u64,
    /// Bytes of the local orphans (backup-only ones are in `backup.bytes_backup_only`).
    pub bytes_orphan: u64,
    /// Every item of each kind known anywhere; a missing blob at its lock's `size_bytes`.
    pub bytes_by_kind: BTreeMap<AssetKind, u64>,
    pub pack_errors: Vec<PackError>,
    pub disk: Option<DiskInfo>,
    /// The target the command worked on (the original's unless `--target`);
    /// its counts are over every target ("backup" = any of them).
    pub backup: BackupSummary,
    /// Every backup target, the original's first.
    pub targets: Vec<TargetSummary>,
}

/// One backup target in the summary.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetSummary {
    pub name: String,
    /// The original's target (`config.json` `backup`).
    pub primary: bool,
    pub kind: crate::target::TargetKind,
    pub enabled: bool,
    pub connected: bool,
    pub source: BackupSource,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    /// Whether it can be used now, in one word.
    pub state: TargetState,
    /// Why it cannot be used now.
    pub error: Option<String>,
    /// What it holds (live, or from its catalog).
    pub blobs: u64,
    pub bytes: u64,
    pub last_sync: Option<String>,
    /// Space on its drive, while it is connected.
    pub free_bytes: Option<u64>,
    pub total_bytes: Option<u64>,
    /// The bucket of an `s3` target (SPEC §3.13).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub s3: Option<crate::target::s3::S3Location>,
    /// A bucket prefix another store owns: read and restore only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub read_only: bool,
}

/// What `target test` found: the target answers and may be used as it is.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetTest {
    pub name: String,
    pub kind: crate::target::TargetKind,
    /// `s3://bucket/prefix` or the folder.
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    /// Where the key came from (a bucket); never the key.
    pub credentials: Option<crate::target::s3::CredentialSource>,
    /// What was checked, in order, each passed.
    pub checks: Vec<String>,
    /// Another store owns the prefix: this store may read and restore only.
    pub read_only: bool,
    /// The blobs it holds now.
    pub blobs: u64,
}

/// A page of the inventory plus the summary of the whole store.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventoryPage {
    pub items: Vec<InventoryItem>,
    /// Items matching the filters before `limit`/`offset`.
    pub total_matching: u64,
    pub limit: usize,
    pub offset: usize,
    pub summary: InventorySummary,
}

/// One dependency of a pack that points at a blob.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AffectedPack {
    pub name: String,
    pub dependency_id: String,
    /// True when the pack's blob is exposed in a UI target right now.
    pub is_active: bool,
}

/// What deleting a blob would affect (SPEC §3.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Impacts {
    pub sha256: Sha256,
    pub display_name: String,
    pub status: BlobStatus,
    pub location: Location,
    pub size_bytes: u64,
    pub used_by_packs: Vec<String>,
    pub affected_packs: Vec<AffectedPack>,
    pub active_in_uis: Vec<String>,
    pub is_last_copy: bool,
    pub can_delete_safely: bool,
    pub warning: Option<String>,
}

/// `target list`: every target as the inventory sees it now, and the policy.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetList {
    pub targets: Vec<TargetSummary>,
    pub policy: crate::target::Policy,
    /// Referenced blobs with fewer good copies than the policy asks.
    pub blobs_below_policy: u64,
}

/// What `target add`, `remove` and `rename` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetChange {
    /// The target's name after the change (the removed one's for a remove).
    pub name: String,
    /// Its name before a rename.
    pub old_name: Option<String>,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub backup_id: Option<String>,
    /// `add`: the folder had no backup yet and one was made there.
    pub initialized: bool,
    /// `add`: the blobs the folder already holds.
    pub blobs: u64,
    /// `remove`: blobs whose only copies beyond the policy were there (forced).
    pub blobs_below_policy: u64,
    /// `add` of a bucket prefix another store owns: read and restore only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub read_only: bool,
}

/// `whereis`: every copy of one blob.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Whereis {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    pub status: BlobStatus,
    pub copies_count: u32,
    pub min_copies: u32,
    pub copies: Vec<CopyPlace>,
    /// Enabled targets that hold no copy of it.
    pub not_on: Vec<String>,
}

/// One copy in `whereis`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyPlace {
    /// `local` or the target's name.
    pub target: String,
    /// Its target is connected now (the local store always is).
    pub connected: bool,
    pub source: CopySource,
    pub verified_at: Option<String>,
    pub corrupt: bool,
    /// Where the file is (on the drive, which may be unplugged).
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartialFile {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub size_bytes: u64,
}

// ---------------------------------------------------------------------------
// Backup storage (SPEC §3.6) and state backup (SPEC §3.7).
// ---------------------------------------------------------------------------

/// `backup blob` / `backup restore`: one blob copied.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlobCopyResult {
    pub sha256: Sha256,
    pub direction: SyncDirection,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// 0 when the destination already had the blob.
    pub bytes_copied: u64,
    /// The destination already had it: nothing was copied.
    pub already_present: bool,
    /// Where the blob is now on the destination side.
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub duration_ms: u64,
    /// Blobs queued by `auto_backup_new` while the drive was away, backed up first.
    pub auto_backup: Option<AutoBackupReport>,
}

/// One blob of a sync, push or pull plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncItem {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
}

/// A blob (or file) an operation could not handle; the others went ahead.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemError {
    pub sha256: Option<Sha256>,
    pub display_name: Option<String>,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub code: crate::vocab::ErrorCode,
    pub message: String,
}

/// `backup sync`: the plan, and with execute what was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncResult {
    pub dry_run: bool,
    pub direction: SyncDirection,
    pub only_missing: bool,
    pub blobs_to_sync: u64,
    pub bytes_to_sync: u64,
    pub blobs_synced: u64,
    pub bytes_synced: u64,
    /// The blobs of the plan (all of them, largest first).
    pub items: Vec<SyncItem>,
    /// Set when the destination lacks room for the whole plan.
    pub space_warning: Option<String>,
    /// Free space on the destination when planned.
    pub free_space: Option<u64>,
    /// True when there was nothing to do.
    pub already_synced: bool,
    /// `from_backup` without `include_orphans`: the backup-only orphans the
    /// sync left on the drive (restore them with `include_orphans`); 0 otherwise.
    pub orphans_skipped: u64,
    /// Their bytes.
    pub bytes_orphans_skipped: u64,
    /// True when the user cancelled: the counts say what was completed.
    pub cancelled: bool,
    /// Planned blobs that no longer needed copying when the plan was applied, with the reason.
    pub skipped: Vec<crate::plan::Skipped>,
    /// Blobs queued by `auto_backup_new` while the drive was away, backed up first.
    pub auto_backup: Option<AutoBackupReport>,
    pub errors: Vec<ItemError>,
}

/// One blob of a pack and where it is.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackBlobStatus {
    pub dependency_id: String,
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    pub location: Location,
    pub on_local: bool,
    pub on_backup: bool,
}

/// `backup pack-status <pack>`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackBackupStatus {
    pub pack: String,
    pub backup_enabled: bool,
    pub backup_connected: bool,
    /// `cached` when the backup side comes from the catalog (drive unplugged).
    pub backup_source: BackupSource,
    pub blobs: Vec<PackBlobStatus>,
    pub local_only: u64,
    pub backup_only: u64,
    pub both: u64,
    pub missing: u64,
    pub bytes_local_only: u64,
    pub bytes_backup_only: u64,
    pub bytes_both: u64,
}

/// `backup push <pack>` / `backup pull <pack>`: the plan, and with execute what was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackTransferResult {
    pub pack: String,
    pub dry_run: bool,
    pub direction: SyncDirection,
    /// Blobs to copy (push: local-only; pull: backup-only).
    pub items: Vec<SyncItem>,
    pub blobs_to_copy: u64,
    pub bytes_to_copy: u64,
    pub blobs_copied: u64,
    pub bytes_copied: u64,
    /// Push with free: local copies to delete once their backup copy is known good.
    pub free: bool,
    pub to_free: Vec<SyncItem>,
    pub bytes_to_free: u64,
    /// Blobs in `to_free` that other packs use too: freeing their local copy
    /// means those packs need a restore before a UI can use them.
    pub frees_shared: Vec<SharedFree>,
    pub freed: Vec<Sha256>,
    pub bytes_freed: u64,
    /// Blobs the pack needs that are on neither side (pull never downloads them).
    pub missing: Vec<SyncItem>,
    /// True when there was nothing to copy and nothing to free.
    pub nothing_to_do: bool,
    pub space_warning: Option<String>,
    pub cancelled: bool,
    /// Planned blobs left alone when the plan was applied because they changed, with the reason.
    pub skipped: Vec<crate::plan::Skipped>,
    /// Blobs queued by `auto_backup_new` while the drive was away, backed up first.
    pub auto_backup: Option<AutoBackupReport>,
    pub errors: Vec<ItemError>,
}

/// A blob `push --free` frees that other packs use too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SharedFree {
    pub sha256: Sha256,
    pub display_name: String,
    /// The other packs that use it (not the one being pushed).
    pub other_packs: Vec<String>,
}

/// What became of new blobs under `auto_backup_new`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AutoBackupReport {
    /// Copied to the backup now.
    pub backed_up: Vec<Sha256>,
    pub bytes_copied: u64,
    /// Waiting for the drive (persisted; done on the next attach).
    pub queued: Vec<Sha256>,
    pub errors: Vec<ItemError>,
}

// ---------------------------------------------------------------------------
// UI targets, use/unuse, adopting model folders, re-download (SPEC §3.8).
// ---------------------------------------------------------------------------

/// One link in a UI folder pointing at a blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiLink {
    pub ui: String,
    pub pack: String,
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    /// The link itself: `<ui>/<kind folder>/<expose filename>`.
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    /// The blob it points at.
    #[serde(serialize_with = "lossy::path")]
    pub target: PathBuf,
}

/// A name `use` needs that something else already holds in a UI folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UseClash {
    pub ui: String,
    pub dependency_id: String,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    /// What is there: `file`, `directory`, or `link to <target>`.
    pub found: String,
}

/// A blob `use` needs that is neither in the store nor on the backup.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MissingBlob {
    pub sha256: Sha256,
    pub display_name: String,
    /// A pack lock has a download URL: `redownload` (Re-download in the app) can fetch it.
    pub has_download_url: bool,
}

// ---- Packages (SPEC §3.10) ----

/// What is wrong with a package (one code per kind of check of SPEC §3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// Not a readable tar archive (bad header), or a file that cannot be read.
    ArchiveInvalid,
    /// A tar entry whose data runs past the end of the file, or a file shorter than it says.
    Truncated,
    /// A JSON document larger than the package format allows.
    Oversized,
    /// A path that is absolute, has a `..` component, a backslash or is not UTF-8.
    UnsafePath,
    /// A symbolic or hard link (packages hold plain files only).
    LinkEntry,
    /// The same path twice in the archive.
    DuplicateEntry,
    /// An entry the format has no place for (or a device, fifo, sparse file).
    UnexpectedEntry,
    ManifestMissing,
    ManifestInvalid,
    MetadataMissing,
    MetadataInvalid,
    /// A spec, format, descriptor schema or hash algorithm this program does not support.
    UnsupportedVersion,
    /// `files/<sha256>` without its `files/<sha256>.json`.
    DescriptorMissing,
    DescriptorInvalid,
    /// `files/<sha256>.json` without its `files/<sha256>`.
    FileMissing,
    SizeMismatch,
    HashMismatch,
    /// `metadata.json`'s `total_files_count` is not the number of files.
    CountMismatch,
    /// `metadata.json`'s `total_files_bytes` is not the sum of their sizes.
    BytesMismatch,
    /// Listed in `package.json` but not under `packs/`.
    PackMissing,
    /// Under `packs/` but not listed in `package.json`.
    PackUnlisted,
    /// A pack whose name, `pack.json` or `lock.json` cannot be used.
    PackInvalid,
    /// `pack.json`'s `name` differs from its directory (the directory wins).
    NameMismatch,
    /// A lock points at a blob that is neither in the package nor in the store.
    BlobUnavailable,
    /// A file no pack of the package uses (it is not imported).
    UnreferencedFile,
}

/// One finding of package validation; `path` is relative to the package root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackageIssue {
    pub severity: IssueSeverity,
    pub code: IssueCode,
    pub path: Option<String>,
    pub message: String,
}

/// Paths on the wire: a name that is not UTF-8 is shown with U+FFFD in place
/// of the bytes it cannot show, never dropped, and never an error that hides
/// the whole result (serde refuses such paths by default).
pub mod lossy {
    use std::path::{Path, PathBuf};

    use serde::Serializer;

    pub fn path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&p.to_string_lossy())
    }

    pub(crate) fn opt_path<S: Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match p {
            Some(p) => s.serialize_some(&p.to_string_lossy()),
            None => s.serialize_none(),
        }
    }

    pub fn paths<S: Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ps.iter().map(|p| p.to_string_lossy()))
    }
}
