//! The shared vocabulary of the crate and the wire, below every other module:
//! kinds (of model, of UI), statuses and locations of a blob, sides and
//! directions of a copy, where the backup half of an inventory came from, how
//! bad a package issue is, and the stable error codes. Nothing here depends on
//! another module of the crate, so the errors (which carry results) and the
//! results (which carry per-item error codes) both build on it without
//! depending on each other. The values are the SPEC's (snake_case on the
//! wire); [`crate::model`] re-exports them beside the result types.

use serde::{Deserialize, Serialize};

/// Stable machine-readable error codes (snake_case on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidArgument,
    NotFound,
    AlreadyExists,
    /// Refused: the blob is used by packs or linked from a UI (confirm the impact).
    InUse,
    /// Refused: names taken (a UI folder's file, or a file on one side and a folder on the other).
    NameClash,
    /// Refused: pulling would overwrite a git working tree.
    GitWorkingTree,
    /// Refused: blobs must be restored from the backup first and that was not confirmed.
    RestoreNeeded,
    LastCopy,
    /// Refused: fewer good copies than the policy asks would remain (SPEC §3.12).
    BelowMinCopies,
    PacksUnreadable,
    /// Refused: the target belongs to another store (read and restore only, SPEC §3.13).
    ForeignTarget,
    BackupNotEnabled,
    BackupNotConnected,
    /// A target's filesystem did not answer in time (a hung mount, SPEC §3.12).
    Unresponsive,
    InsufficientSpace,
    Integrity,
    Busy,
    Cancelled,
    InvalidFile,
    Io,
    /// A failure that is not the user's input (a bug, or the machine): never "invalid input".
    Internal,
}

impl ErrorCode {
    /// Exit codes of SPEC §5.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::InvalidArgument => 2,
            ErrorCode::InUse
            | ErrorCode::NameClash
            | ErrorCode::GitWorkingTree
            | ErrorCode::RestoreNeeded
            | ErrorCode::LastCopy
            | ErrorCode::BelowMinCopies
            | ErrorCode::PacksUnreadable
            | ErrorCode::ForeignTarget => 3,
            ErrorCode::BackupNotEnabled | ErrorCode::BackupNotConnected | ErrorCode::Unresponsive => 4,
            ErrorCode::NotFound => 5,
            ErrorCode::InsufficientSpace => 6,
            ErrorCode::Integrity => 7,
            ErrorCode::Busy => 8,
            ErrorCode::Cancelled => 130,
            ErrorCode::AlreadyExists | ErrorCode::InvalidFile | ErrorCode::Io | ErrorCode::Internal => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::InUse => "in_use",
            ErrorCode::NameClash => "name_clash",
            ErrorCode::GitWorkingTree => "git_working_tree",
            ErrorCode::RestoreNeeded => "restore_needed",
            ErrorCode::LastCopy => "last_copy",
            ErrorCode::BelowMinCopies => "below_min_copies",
            ErrorCode::PacksUnreadable => "packs_unreadable",
            ErrorCode::ForeignTarget => "foreign_target",
            ErrorCode::BackupNotEnabled => "backup_not_enabled",
            ErrorCode::BackupNotConnected => "backup_not_connected",
            ErrorCode::Unresponsive => "unresponsive",
            ErrorCode::InsufficientSpace => "insufficient_space",
            ErrorCode::Integrity => "integrity",
            ErrorCode::Busy => "busy",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::Io => "io",
            ErrorCode::Internal => "internal",
        }
    }
}

/// `FromStr` of an enum from its wire words (the error names the expected ones).
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
pub(crate) use str_enum_parse;

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
    pub(crate) fn parse_loose(s: &str) -> AssetKind {
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
    pub(crate) fn from_sides(on_local: bool, on_backup: bool) -> Location {
        match (on_local, on_backup) {
            (true, true) => Location::Both,
            (true, false) => Location::LocalOnly,
            (false, true) => Location::BackupOnly,
            (false, false) => Location::Nowhere,
        }
    }
}

str_enum_parse!(BlobStatus, "referenced" => BlobStatus::Referenced, "backup_only" => BlobStatus::BackupOnly, "missing" => BlobStatus::Missing, "orphan" => BlobStatus::Orphan);
str_enum_parse!(Location, "local_only" => Location::LocalOnly, "backup_only" => Location::BackupOnly, "both" => Location::Both, "nowhere" => Location::Nowhere);

/// Where the backup half of the inventory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BackupSource {
    Live,
    Cached,
    None,
}

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

/// How bad a package issue is: any `error` makes the package invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IssueSeverity {
    Error,
    Warning,
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
