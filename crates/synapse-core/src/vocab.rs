//! The words the whole crate and the wire share, below every other module:
//! the stable error codes. Nothing here depends on another module of the
//! crate, so the errors (which carry results) and the results (which carry
//! per-item error codes) both build on it without depending on each other.

use serde::Serialize;

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
