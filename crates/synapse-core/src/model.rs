//! The result types of the core: what the CLI prints with `--json` and what
//! the desktop app receives. Field names and enum values are the SPEC's
//! (snake_case); change them only together with SPEC.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ids::Sha256;

/// Which copy of a blob an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[serde(rename_all = "snake_case")]
pub enum BlobStatus {
    Referenced,
    BackupOnly,
    Missing,
    Orphan,
}

/// Where a blob's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
    pub origin: Option<Origin>,
    pub active_in_uis: Vec<String>,
    pub verified: Option<bool>,
    pub verified_at: Option<String>,
}

/// A pack whose `pack.json` or `lock.json` could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackError {
    pub pack: String,
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiskInfo {
    pub path: PathBuf,
    pub total_bytes: u64,
    pub free_bytes: u64,
}

/// Where the backup half of the inventory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupSource {
    Live,
    Cached,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub enabled: bool,
    pub connected: bool,
    pub source: BackupSource,
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
pub struct InventorySummary {
    pub blobs_total: u64,
    pub blobs_referenced: u64,
    pub blobs_orphan: u64,
    pub blobs_missing: u64,
    pub blobs_backup_only: u64,
    pub bytes_total: u64,
    pub bytes_referenced: u64,
    pub bytes_orphan: u64,
    pub bytes_by_kind: BTreeMap<AssetKind, u64>,
    pub pack_errors: Vec<PackError>,
    pub disk: Option<DiskInfo>,
    pub backup: BackupSummary,
}

/// A page of the inventory plus the summary of the whole store.
#[derive(Debug, Clone, Serialize)]
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
pub struct AffectedPack {
    pub name: String,
    pub dependency_id: String,
    /// True when the pack's blob is exposed in a UI target right now.
    pub is_active: bool,
}

/// What deleting a blob would affect (SPEC §3.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
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
pub struct FileInfo {
    pub path: PathBuf,
    pub size_bytes: u64,
    pub created: Option<String>,
    pub modified: Option<String>,
    pub accessed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlobDetail {
    pub item: InventoryItem,
    pub impacts: Impacts,
    pub local: Option<FileInfo>,
    pub backup: Option<FileInfo>,
}

/// Which copies `delete` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteTarget {
    Local,
    Backup,
    Both,
}

str_enum_parse!(DeleteTarget, "local" => DeleteTarget::Local, "backup" => DeleteTarget::Backup, "both" => DeleteTarget::Both);

/// Where a blob still is after a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Remaining {
    Local,
    Backup,
    Nowhere,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeleteResult {
    pub deleted_from: Vec<Side>,
    pub sha256: Sha256,
    pub bytes_freed: u64,
    pub remaining_on: Remaining,
    pub warning: Option<String>,
}

/// One orphan (or partial file) in a cleanup plan.
#[derive(Debug, Clone, Serialize)]
pub struct CleanupEntry {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// False when this local copy is the only one: deleting it is final.
    pub on_backup: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartialFile {
    pub path: PathBuf,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CleanupError {
    pub sha256: Option<Sha256>,
    pub path: Option<PathBuf>,
    pub code: crate::error::ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
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
    pub errors: Vec<CleanupError>,
}

/// One blob that failed verification and what was found.
#[derive(Debug, Clone, Serialize)]
pub struct InvalidBlob {
    pub sha256: Sha256,
    pub path: PathBuf,
    pub expected: String,
    pub actual: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
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
    pub ledger_error: Option<String>,
}
