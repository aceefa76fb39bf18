//! The result types of the core: what the CLI prints with `--json` and what
//! the desktop app receives. Field names and enum values are the SPEC's
//! (snake_case); change them only together with SPEC.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ids::Sha256;

/// Which copy of a blob an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Local,
    Backup,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Local => "local",
            Side::Backup => "backup",
        })
    }
}

/// The kind of model asset, from the lock, the blob manifest or the file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Checkpoint,
    Lora,
    Vae,
    Controlnet,
    Upscaler,
    Clip,
    TextEncoder,
    DiffusionModel,
    Embedding,
    CustomNode,
    Unet,
    Unknown,
}

impl AssetKind {
    pub const ALL: [AssetKind; 12] = [
        AssetKind::Checkpoint,
        AssetKind::Lora,
        AssetKind::Vae,
        AssetKind::Controlnet,
        AssetKind::Upscaler,
        AssetKind::Clip,
        AssetKind::TextEncoder,
        AssetKind::DiffusionModel,
        AssetKind::Embedding,
        AssetKind::CustomNode,
        AssetKind::Unet,
        AssetKind::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Checkpoint => "checkpoint",
            AssetKind::Lora => "lora",
            AssetKind::Vae => "vae",
            AssetKind::Controlnet => "controlnet",
            AssetKind::Upscaler => "upscaler",
            AssetKind::Clip => "clip",
            AssetKind::TextEncoder => "text_encoder",
            AssetKind::DiffusionModel => "diffusion_model",
            AssetKind::Embedding => "embedding",
            AssetKind::CustomNode => "custom_node",
            AssetKind::Unet => "unet",
            AssetKind::Unknown => "unknown",
        }
    }

    /// Reads a kind as written by the original program; anything unrecognised
    /// (including its `LoRA`/`Checkpoint` capitalisations) is matched loosely.
    pub fn parse_loose(s: &str) -> AssetKind {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match norm.as_str() {
            "checkpoint" | "checkpoints" | "model" | "stable_diffusion" => AssetKind::Checkpoint,
            "lora" | "loras" | "locon" | "lycoris" => AssetKind::Lora,
            "vae" => AssetKind::Vae,
            "controlnet" => AssetKind::Controlnet,
            "upscaler" | "upscale_model" | "esrgan" => AssetKind::Upscaler,
            "clip" => AssetKind::Clip,
            "text_encoder" | "textencoder" => AssetKind::TextEncoder,
            "diffusion_model" => AssetKind::DiffusionModel,
            "embedding" | "embeddings" | "textualinversion" | "textual_inversion" => AssetKind::Embedding,
            "custom_node" => AssetKind::CustomNode,
            "unet" => AssetKind::Unet,
            _ => AssetKind::Unknown,
        }
    }
}

impl std::fmt::Display for AssetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AssetKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AssetKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown kind {s:?}; expected one of {}", AssetKind::ALL.map(|k| k.as_str()).join(", ")))
    }
}

/// What a blob means to the packs (SPEC §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BlobStatus {
    Referenced,
    BackupOnly,
    Missing,
    Orphan,
}

/// Where a blob's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Location {
    LocalOnly,
    BackupOnly,
    Both,
    Nowhere,
}

impl Location {
    pub fn from_sides(on_local: bool, on_backup: bool) -> Location {
        match (on_local, on_backup) {
            (true, true) => Location::Both,
            (true, false) => Location::LocalOnly,
            (false, true) => Location::BackupOnly,
            (false, false) => Location::Nowhere,
        }
    }
}

macro_rules! str_enum_parse {
    ($t:ty, $($s:literal => $v:expr),+ $(,)?) => {
        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($v),)+
                    _ => Err(format!("unknown value {s:?}; expected one of {}", [$($s),+].join(", "))),
                }
            }
        }
    };
}

str_enum_parse!(BlobStatus, "referenced" => BlobStatus::Referenced, "backup_only" => BlobStatus::BackupOnly, "missing" => BlobStatus::Missing, "orphan" => BlobStatus::Orphan);
str_enum_parse!(Location, "local_only" => Location::LocalOnly, "backup_only" => Location::BackupOnly, "both" => Location::Both, "nowhere" => Location::Nowhere);

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
    pub fn live_good_on(&self, place: &str) -> bool {
        self.copies.iter().any(|c| c.target == place && c.live_good())
    }
}

impl BlobCopy {
    /// Not known to be corrupt, and seen on disk now.
    pub fn live_good(&self) -> bool {
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

/// Where the backup half of the inventory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BackupSource {
    Live,
    Cached,
    None,
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

/// A target's state right now (SPEC §3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    /// Switched off.
    Disabled,
    /// Enabled without a folder (the original's target only).
    NoPath,
    /// Its drive is not there, or another drive is.
    Disconnected,
    /// Its filesystem did not answer in time (a hung network or FUSE mount): nothing waits for it.
    Unresponsive,
    Connected,
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

/// File-system facts about one copy of a blob.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileInfo {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub size_bytes: u64,
    pub created: Option<String>,
    pub modified: Option<String>,
    pub accessed: Option<String>,
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

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlobDetail {
    pub item: InventoryItem,
    /// The first 10 hex characters, upper case: the short hash A1111, Forge
    /// and Civitai show ("Model hash", SPEC §3.15).
    pub autov2: String,
    /// Every name the model goes by: its display name, its origin's file
    /// name and the names of its links in UI folders, each once.
    pub names: Vec<String>,
    pub impacts: Impacts,
    pub local: Option<FileInfo>,
    pub backup: Option<FileInfo>,
    /// Its links in UI folders that exist now (`use`, `adopt --link`).
    pub links: Vec<UiLink>,
}

/// Which copies `delete` removes. `backup` is the target the store value
/// works on (the original's unless another is chosen, SPEC §3.12), `both` the
/// local copy and that one, `everywhere` every copy on every target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeleteTarget {
    Local,
    Backup,
    Both,
    Everywhere,
}

str_enum_parse!(DeleteTarget, "local" => DeleteTarget::Local, "backup" => DeleteTarget::Backup, "both" => DeleteTarget::Both, "everywhere" => DeleteTarget::Everywhere);

/// Where a blob still is after a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Remaining {
    Local,
    Backup,
    Nowhere,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeleteResult {
    /// `local` and the targets' names, in the order they were deleted from.
    pub deleted_from: Vec<String>,
    pub sha256: Sha256,
    pub bytes_freed: u64,
    pub remaining_on: Remaining,
    /// Where good copies remain, seen live (`local` and targets' names).
    pub remaining_copies: Vec<String>,
    pub warning: Option<String>,
}

/// One orphan (or partial file) in a cleanup plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupEntry {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// False when this local copy is the only one: deleting it is final.
    pub on_backup: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartialFile {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupError {
    pub sha256: Option<Sha256>,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub code: crate::vocab::ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupResult {
    pub dry_run: bool,
    pub orphans_found: u64,
    pub orphans_deleted: u64,
    pub bytes_freed: u64,
    /// Bytes the plan frees (orphans and partial files); equals `bytes_freed` after a full execute.
    pub bytes_to_free: u64,
    /// Orphans selected by the plan (after `max_items`).
    pub orphans: Vec<CleanupEntry>,
    /// Orphans actually deleted (empty on a dry run).
    pub deleted: Vec<CleanupEntry>,
    pub partial_files: Vec<PartialFile>,
    pub partial_files_deleted: u64,
    /// What `data/tmp` holds that Synapse did not write (a user's files, the
    /// original program's downloads in progress): listed, never deleted.
    #[serde(serialize_with = "lossy::paths")]
    pub left_alone: Vec<PathBuf>,
    /// Planned items that no longer matched the disk when the plan was applied, with the reason.
    pub skipped: Vec<crate::plan::Skipped>,
    pub errors: Vec<CleanupError>,
}

/// One blob that failed verification and what was found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvalidBlob {
    pub sha256: Sha256,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub expected: String,
    pub actual: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifyResult {
    pub side: Side,
    pub total: u64,
    pub valid: Vec<Sha256>,
    pub invalid: Vec<InvalidBlob>,
    pub missing: Vec<Sha256>,
    pub bytes_verified: u64,
    pub duration_ms: u64,
    /// Set when the results could not be written to the verification ledger
    /// (the verification itself still happened and is reported above).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ledger_error: Option<String>,
}

// ---------------------------------------------------------------------------
// Backup storage (SPEC §3.6) and state backup (SPEC §3.7).
// ---------------------------------------------------------------------------

/// Which way a sync, push or pull copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SyncDirection {
    ToBackup,
    FromBackup,
}

str_enum_parse!(SyncDirection, "to_backup" => SyncDirection::ToBackup, "from_backup" => SyncDirection::FromBackup);

impl std::fmt::Display for SyncDirection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SyncDirection::ToBackup => "to_backup",
            SyncDirection::FromBackup => "from_backup",
        })
    }
}

/// `backup status`: the configuration, whether the drive is there, and what it holds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupStatus {
    pub enabled: bool,
    pub connected: bool,
    /// The target's state in one word (`unresponsive` when its mount hangs).
    pub state: TargetState,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    /// Why the drive is not connected (it looks unplugged, another drive, ...).
    pub error: Option<String>,
    /// The drive's identity (`<path>/.synapse/backup-id`), live or as last seen.
    pub backup_id: Option<String>,
    /// Where the counts come from: the drive itself, or the cached catalog while it is unplugged.
    pub source: BackupSource,
    /// Blobs on the backup.
    pub total_blobs: u64,
    pub total_bytes: u64,
    /// Free and total space of the drive's filesystem (only while connected).
    pub free_space: Option<u64>,
    pub total_space: Option<u64>,
    pub last_sync: Option<String>,
    pub auto_backup_new: bool,
    pub warn_before_delete_last_copy: bool,
    pub blobs_local_only: u64,
    pub blobs_backup_only: u64,
    pub blobs_both: u64,
    pub bytes_local_only: u64,
    pub bytes_backup_only: u64,
    pub bytes_synced: u64,
    /// New blobs waiting for the drive (`auto_backup_new`).
    pub queued_auto_backups: u64,
}

/// `backup config`: the configuration after the change and what was done to the drive.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupConfigResult {
    pub enabled: bool,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub auto_backup_new: bool,
    pub warn_before_delete_last_copy: bool,
    /// True when config.json was rewritten.
    pub changed: bool,
    /// True when `<path>/.synapse/store` was created now.
    pub initialized: bool,
    /// True when an existing backup without an id (written by the original program) was given one.
    pub adopted: bool,
    pub backup_id: Option<String>,
    pub connected: bool,
    pub error: Option<String>,
}

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

/// `backup state-status` (SPEC §3.7).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateSyncStatus {
    pub local_packs: u64,
    pub backup_packs: u64,
    pub packs_local_only: Vec<String>,
    pub packs_backup_only: Vec<String>,
    /// Packs on both sides whose files differ (size or modification time).
    pub packs_modified: Vec<String>,
    pub local_bytes: u64,
    pub backup_bytes: u64,
    /// True when the local `state/` is a git working tree (pulling then needs an override).
    pub has_git: bool,
    pub last_sync: Option<String>,
}

/// One file a state sync copies (path relative to `state/`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateFileChange {
    pub path: String,
    pub size_bytes: u64,
    /// `create` (missing on the destination) or `update` (differs).
    pub action: String,
}

/// `backup state-sync`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateSyncResult {
    pub dry_run: bool,
    pub direction: SyncDirection,
    pub packs_synced: u64,
    pub files_synced: u64,
    pub bytes_synced: u64,
    /// The files of the plan.
    pub files: Vec<StateFileChange>,
    pub already_synced: bool,
    /// True when the user cancelled: the counts say what was completed.
    pub cancelled: bool,
    pub errors: Vec<ItemError>,
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------
// UI targets, use/unuse, adopting model folders, re-download (SPEC §3.8).
// ---------------------------------------------------------------------------

/// The kinds of image-generation UI whose model folders Synapse can expose blobs into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UiKind {
    Comfyui,
    Forge,
    A1111,
    Sdnext,
}

impl UiKind {
    pub const ALL: [UiKind; 4] = [UiKind::Comfyui, UiKind::Forge, UiKind::A1111, UiKind::Sdnext];

    pub fn as_str(self) -> &'static str {
        match self {
            UiKind::Comfyui => "comfyui",
            UiKind::Forge => "forge",
            UiKind::A1111 => "a1111",
            UiKind::Sdnext => "sdnext",
        }
    }
}

impl std::fmt::Display for UiKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

str_enum_parse!(UiKind, "comfyui" => UiKind::Comfyui, "forge" => UiKind::Forge, "a1111" => UiKind::A1111, "sdnext" => UiKind::Sdnext);

/// A configured UI target with its effective kind → folder map.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiTargetInfo {
    pub name: String,
    pub kind: UiKind,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    /// False when the folder is not there (UI moved, drive not mounted).
    pub exists: bool,
    /// Asset kind → folder below `path` (the defaults of the UI kind, with `ui.kind_map` overrides).
    pub folders: BTreeMap<AssetKind, String>,
    /// Links `use` made in this UI that exist now.
    pub active_links: u64,
    /// The packs those links belong to (each once, sorted).
    pub active_packs: Vec<String>,
}

/// `ui list`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiTargetList {
    pub ui_targets: Vec<UiTargetInfo>,
}

/// `ui remove`: the target is gone from the config; its links stay until `unuse`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiRemoveResult {
    pub name: String,
    /// Links `use` made in this UI that still exist (`unuse <pack>` removes them).
    #[serde(serialize_with = "lossy::paths")]
    pub links_remaining: Vec<PathBuf>,
}

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

/// A dependency `use` could not expose (no folder for its kind in that UI).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UseSkip {
    pub ui: String,
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub reason: String,
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

/// `use <pack>`: what would be (dry run) or was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UseResult {
    pub pack: String,
    pub dry_run: bool,
    pub ui_targets: Vec<String>,
    /// Links created now (planned, on a dry run).
    pub linked: Vec<UiLink>,
    /// Links that already pointed at the right blob.
    pub already_linked: Vec<UiLink>,
    pub skipped: Vec<UseSkip>,
    /// Blobs restored from the backup drive first (to restore, on a dry run).
    pub restored_blobs: Vec<SyncItem>,
    pub bytes_restored: u64,
    /// Free space on the store's disk before restoring (when a restore is needed).
    pub free_space: Option<u64>,
    /// Set when the store's disk lacks room for the blobs to restore.
    pub space_warning: Option<String>,
    /// Planned links or restores left out when the plan was applied, with the reason.
    pub skipped_changes: Vec<crate::plan::Skipped>,
}

/// `unuse <pack>`: the links `use` made for the pack, removed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnuseResult {
    pub pack: String,
    /// True for `unuse --dry-run`: the lists say what would be removed.
    pub dry_run: bool,
    pub removed: Vec<UiLink>,
    /// Links another pack's `use` also made: kept until that pack is unused too.
    pub kept_for_other_packs: Vec<UiLink>,
    /// Links already gone (removed by hand or by `doctor --fix`).
    pub already_gone: Vec<UiLink>,
    /// Paths that no longer hold Synapse's link (replaced by something else): left untouched.
    pub changed: Vec<UiLink>,
    /// Folders `use` had created and that are empty now, removed.
    #[serde(serialize_with = "lossy::paths")]
    pub dirs_removed: Vec<PathBuf>,
}

/// One distinct model file found by `adopt`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptBlob {
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// File name of the first copy (the pack's expose filename).
    pub filename: String,
    /// Every copy found, first one first.
    #[serde(serialize_with = "lossy::paths")]
    pub paths: Vec<PathBuf>,
    /// The store already had these bytes before this adopt.
    pub already_in_store: bool,
    /// The pack for this file: created (or to create), or the existing pack that already uses the blob.
    pub pack: String,
    /// True when an existing pack already references the blob (no pack is created).
    pub pack_exists: bool,
}

/// A file `adopt` left alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptSkip {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub reason: String,
}

/// `adopt <folder>`: the plan (dry run) and what was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptResult {
    pub dry_run: bool,
    pub link: bool,
    #[serde(serialize_with = "lossy::path")]
    pub folder: PathBuf,
    /// Model files found (every copy).
    pub files_found: u64,
    pub bytes_found: u64,
    /// Distinct contents among them.
    pub blobs_distinct: u64,
    /// Copies beyond the first of each content, and their bytes.
    pub duplicates: u64,
    pub bytes_duplicates: u64,
    /// Bytes of distinct files the store already had.
    pub bytes_already_in_store: u64,
    /// Bytes the store gains (distinct files it does not have yet).
    pub bytes_to_store: u64,
    /// Disk space `--link` frees: every copy becomes a link, each content is kept once, in the store.
    pub bytes_saved_by_linking: u64,
    pub blobs: Vec<AdoptBlob>,
    /// Links into this store found in the folder (adopted before): skipped.
    pub already_linked: u64,
    pub skipped: Vec<AdoptSkip>,
    /// Execute: blobs newly in the store, packs written, originals replaced by links, bytes those freed.
    pub blobs_added: u64,
    pub bytes_added: u64,
    pub packs_created: Vec<String>,
    pub files_linked: u64,
    pub bytes_freed: u64,
    pub errors: Vec<ItemError>,
    pub cancelled: bool,
    /// `auto_backup_new`: what became of the new blobs.
    pub auto_backup: Option<AutoBackupReport>,
}

/// A download URL that failed before another one worked (or all failed).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UrlError {
    pub url: String,
    pub message: String,
}

/// `redownload <sha256>`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RedownloadResult {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    /// The URL the bytes came from (`None` when the blob was already present).
    pub url: Option<String>,
    pub size_bytes: u64,
    /// Bytes received now.
    pub bytes_downloaded: u64,
    /// Bytes of an earlier interrupted download that were kept (resumed with an HTTP range).
    pub resumed_from: u64,
    /// The blob was already in the store: nothing was downloaded.
    pub already_present: bool,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub duration_ms: u64,
    pub url_errors: Vec<UrlError>,
    pub auto_backup: Option<AutoBackupReport>,
}

// ---- Packages (SPEC §3.10) ----

/// A package on disk: a directory tree, or the same tree as one uncompressed `.tar` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PackageFormat {
    Directory,
    Tar,
}

/// `package export`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportResult {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub format: PackageFormat,
    pub package_id: String,
    pub packs: Vec<String>,
    /// False for a metadata-only package (`--no-blobs`).
    pub include_blobs: bool,
    pub blobs: u64,
    pub bytes: u64,
    /// Blobs read from the backup drive because they are not in the local store.
    pub blobs_from_backup: u64,
    /// Bytes of the package on disk (the `.tar` file, or every file of the directory).
    pub size_bytes: u64,
    pub warnings: Vec<String>,
}

/// How bad a package issue is: any `error` makes the package invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IssueSeverity {
    Error,
    Warning,
}

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

/// How a pack of a package relates to the store (SPEC §3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PackClassification {
    /// No pack of that name in the store.
    New,
    /// Same name, identical lock.
    DuplicateSameVersion,
    /// Same name; the package's pack is newer (by `updated_at`).
    DuplicateOlderInStore,
    /// Same name; the store's pack is newer.
    DuplicateNewerInStore,
    /// Same name, different content, no clear order.
    ConflictOther,
}

impl PackClassification {
    /// The wire name (`new`, `duplicate_same_version`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PackClassification::New => "new",
            PackClassification::DuplicateSameVersion => "duplicate_same_version",
            PackClassification::DuplicateOlderInStore => "duplicate_older_in_store",
            PackClassification::DuplicateNewerInStore => "duplicate_newer_in_store",
            PackClassification::ConflictOther => "conflict_other",
        }
    }
}

/// One pack of a package, as validation sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackageItem {
    pub pack: String,
    pub classification: PackClassification,
    /// Blobs of the pack that the package holds and the store lacks (what importing it copies).
    pub blobs_new: u64,
    pub bytes_new: u64,
    /// Blobs the pack's lock points at.
    pub blobs_total: u64,
    /// `updated_at` (else `resolved_at`, else `created_at`) of the package's pack and of the store's.
    pub package_updated_at: Option<String>,
    pub store_updated_at: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackageTotals {
    pub packs: u64,
    /// Blob files in the package, and their bytes.
    pub files_count: u64,
    pub files_bytes: u64,
    /// Distinct blobs the package holds that the store lacks.
    pub blobs_new: u64,
    pub bytes_new: u64,
    pub errors: u64,
    pub warnings: u64,
}

/// `package validate`: what is wrong with a package and how its packs relate to the store.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValidationReport {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub format: PackageFormat,
    pub valid: bool,
    pub package_id: Option<String>,
    pub export_mode: Option<String>,
    pub issues: Vec<PackageIssue>,
    pub items: Vec<PackageItem>,
    pub totals: PackageTotals,
}

/// What `package import` does with a pack whose name is already in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportStrategy {
    SkipIfExists,
    /// Replace the store's pack only when the package's is newer.
    UpdateIfNewer,
    AlwaysOverwrite,
    /// Import as `<Name> (2)` (or the next free number).
    CreateDuplicate,
}

impl ImportStrategy {
    pub const ALL: [ImportStrategy; 4] =
        [ImportStrategy::SkipIfExists, ImportStrategy::UpdateIfNewer, ImportStrategy::AlwaysOverwrite, ImportStrategy::CreateDuplicate];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportStrategy::SkipIfExists => "skip_if_exists",
            ImportStrategy::UpdateIfNewer => "update_if_newer",
            ImportStrategy::AlwaysOverwrite => "always_overwrite",
            ImportStrategy::CreateDuplicate => "create_duplicate",
        }
    }
}

impl std::fmt::Display for ImportStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ImportStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImportStrategy::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown strategy {s:?}; expected one of {}", ImportStrategy::ALL.map(|k| k.as_str()).join(", ")))
    }
}

/// A pack `package import` left alone, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedPack {
    pub pack: String,
    pub classification: PackClassification,
    pub reason: String,
}

/// A pack imported under a new name (`create_duplicate`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuplicatedPack {
    pub pack: String,
    pub imported_as: String,
}

/// `package import`: with `dry_run` the plan, else what was done.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommitResult {
    pub dry_run: bool,
    /// New packs (no pack of that name was in the store).
    pub imported: Vec<String>,
    pub skipped: Vec<SkippedPack>,
    /// Packs whose store copy was replaced.
    pub overwritten: Vec<String>,
    pub duplicated: Vec<DuplicatedPack>,
    pub blobs_to_copy: u64,
    pub bytes_to_copy: u64,
    pub blobs_copied: u64,
    pub bytes_copied: u64,
    /// True when the user cancelled: the lists say what was completed.
    pub cancelled: bool,
    pub warnings: Vec<String>,
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

    pub fn opt_path<S: Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match p {
            Some(p) => s.serialize_some(&p.to_string_lossy()),
            None => s.serialize_none(),
        }
    }

    pub fn paths<S: Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ps.iter().map(|p| p.to_string_lossy()))
    }
}
