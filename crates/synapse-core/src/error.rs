//! The core error type and its one wire shape, `{code, message, details}`.
//!
//! Every failure the core can report is a variant of [`Error`] carrying the
//! thing it happened to (path, hash, pack). [`Error::code`] is an exhaustive
//! match, so adding a variant forces a decision about its code; the CLI maps
//! codes to exit codes ([`ErrorCode::exit_code`]) and the desktop app sends the
//! same [`WireError`] to the UI. Nobody matches on message strings.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use crate::ids::IdError;
use crate::model::{Impacts, IssueSeverity, MissingBlob, PackError, PackageIssue, Side, SyncItem, UseClash};

pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    PacksUnreadable,
    BackupNotEnabled,
    BackupNotConnected,
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
            | ErrorCode::PacksUnreadable => 3,
            ErrorCode::BackupNotEnabled | ErrorCode::BackupNotConnected => 4,
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
            ErrorCode::PacksUnreadable => "packs_unreadable",
            ErrorCode::BackupNotEnabled => "backup_not_enabled",
            ErrorCode::BackupNotConnected => "backup_not_connected",
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

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    InvalidId(#[from] IdError),

    #[error("{message}")]
    InvalidArgument { message: String },

    #[error("no store at {}", root.display())]
    StoreNotFound { root: PathBuf },

    #[error("blob {sha256} is {}", where_not(*side))]
    BlobNotFound { sha256: String, side: Side },

    #[error("no blob matches {prefix:?}: check the hash")]
    NoMatch { prefix: String },

    #[error("{prefix:?} matches {} blobs: give more characters", matches.len())]
    AmbiguousPrefix { prefix: String, matches: Vec<String> },

    #[error("pack {name:?} does not exist")]
    PackNotFound { name: String },

    #[error("pack {name:?} already exists: choose another name, or add the files to that pack")]
    PackExists { name: String },

    #[error("{} is not a file", path.display())]
    NotAFile { path: PathBuf },

    #[error("refused: blob {} is used by {}; it stays available {}, but the impact must be confirmed", impacts.sha256, pack_list(&impacts.used_by_packs), remaining_hint(impacts))]
    Conflict { impacts: Box<Impacts> },

    #[error("refused: this would delete the last copy of blob {} ({}); nothing else holds these bytes. Delete it only if you are sure", impacts.sha256, impacts_name(impacts))]
    LastCopy { impacts: Box<Impacts> },

    #[error("refused: {} pack(s) cannot be read ({}); their blobs would look like orphans. Fix or delete the pack files first", packs.len(), packs.iter().map(|p| p.pack.as_str()).collect::<Vec<_>>().join(", "))]
    PacksUnreadable { packs: Vec<PackError> },

    #[error("backup storage is not enabled")]
    BackupNotEnabled,

    #[error("backup drive not connected: {reason}")]
    BackupNotConnected { path: PathBuf, reason: String },

    #[error("not enough space on {}: {needed} bytes needed, {available} available", path.display())]
    InsufficientSpace { path: PathBuf, needed: u64, available: u64 },

    #[error("integrity failure: {} should hash to {expected} but hashes to {actual}", path.display())]
    Integrity { path: PathBuf, expected: String, actual: String },

    #[error("verify found {invalid} invalid blob(s) out of {total}")]
    VerifyFailed { invalid: usize, total: usize },

    #[error("refused: {} is a git working tree and pulling the state backup would overwrite its files, including uncommitted work. Commit first, then confirm the pull", path.display())]
    GitWorkingTree { path: PathBuf },

    #[error("UI target {name:?} does not exist")]
    UiTargetNotFound { name: String },

    #[error("UI target {name:?} already exists: choose another name, or remove that target first")]
    UiTargetExists { name: String },

    #[error("refused: {} name(s) that pack {pack:?} would link are already taken in the UI folders ({}); nothing was changed. Move or rename those files, or change the dependency's expose filename", clashes.len(), clashes.iter().map(|c| format!("{} ({})", c.path.display(), c.found)).collect::<Vec<_>>().join(", "))]
    UseClash { pack: String, clashes: Vec<UseClash> },

    #[error("pack {pack:?} needs {} blob(s) ({bytes} bytes) that are only on the backup drive: confirm restoring them first", blobs.len())]
    RestoreNeeded { pack: String, blobs: Vec<SyncItem>, bytes: u64 },

    #[error("pack {pack:?} needs {} blob(s) that are neither in the store nor on the backup drive: {}", blobs.len(), missing_list(blobs))]
    UseBlobsMissing { pack: String, blobs: Vec<MissingBlob> },

    #[error("no pack lock has a download URL for blob {sha256}: it cannot be re-downloaded (restore it from a backup, or adopt the file again if you still have it)")]
    NoDownloadUrl { sha256: String },

    #[error("download from {url} failed: {reason}")]
    Download { url: String, status: Option<u16>, reason: String },

    #[error("store is busy: {operation} since {since} (pid {pid})")]
    Busy { operation: String, since: String, pid: u32 },

    #[error("cancelled by the user")]
    Cancelled,

    #[error("package {} is not valid ({} error(s); first: {}): nothing was imported", path.display(), issues.iter().filter(|i| i.severity == IssueSeverity::Error).count(), first_error(issues))]
    PackageInvalid { path: PathBuf, issues: Vec<PackageIssue> },

    #[error("cannot export pack {pack:?}: blob {sha256} {reason}")]
    PackageBlobMissing { pack: String, sha256: String, reason: String },

    #[error("{} already exists: choose a path that does not exist yet (or an empty folder)", path.display())]
    OutputExists { path: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    InvalidJson { path: PathBuf, source: serde_json::Error },

    #[error("refused: {} is a symbolic link inside a Synapse tree; Synapse never follows links there, so nothing was read or written through it. Replace the link with a real folder or file", path.display())]
    LinkInTree { path: PathBuf },

    #[error("{} already exists", path.display())]
    AlreadyExists { path: PathBuf },

    #[error("internal error: {message} (this is a bug in Synapse, not something you did: please report it)")]
    Internal { message: String },

    #[error("cannot {op} {}: {source}", path.display())]
    Io { op: &'static str, path: PathBuf, source: io::Error },
}

fn first_error(issues: &[PackageIssue]) -> String {
    match issues.iter().find(|i| i.severity == IssueSeverity::Error) {
        Some(i) => match &i.path {
            Some(p) => format!("{p}: {}", i.message),
            None => i.message.clone(),
        },
        None => "none".to_owned(),
    }
}

/// Where a blob is not, in words: one phrase per side, never both.
fn where_not(side: Side) -> &'static str {
    match side {
        Side::Local => "not in the local store",
        Side::Backup => "not on the backup drive",
    }
}

/// Each missing blob with what can bring it back.
fn missing_list(blobs: &[MissingBlob]) -> String {
    let each: Vec<String> = blobs
        .iter()
        .map(|b| {
            if b.has_download_url {
                format!("{} ({}): it can be downloaded again from the URL its pack records", b.display_name, b.sha256.short())
            } else {
                format!(
                    "{} ({}): no download URL is recorded; restore it from another copy or adopt the file again",
                    b.display_name,
                    b.sha256.short()
                )
            }
        })
        .collect();
    each.join("; ")
}

fn pack_list(packs: &[String]) -> String {
    match packs {
        [] => "a UI".to_owned(),
        [one] => format!("pack {one:?}"),
        many => format!("{} packs ({})", many.len(), many.join(", ")),
    }
}

fn remaining_hint(impacts: &Impacts) -> &'static str {
    match impacts.location {
        crate::model::Location::Both => "on the other side",
        _ => "elsewhere",
    }
}

fn impacts_name(impacts: &Impacts) -> String {
    impacts.display_name.clone()
}

impl Error {
    /// Wraps an I/O error with what was being done to which path.
    pub fn io(op: &'static str, path: impl AsRef<Path>) -> impl FnOnce(io::Error) -> Error {
        let path = path.as_ref().to_path_buf();
        move |source| Error::Io { op, path, source }
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidArgument { message: message.into() }
    }

    /// A failure that is not the user's input (exit 1, code `internal`).
    pub fn internal(message: impl Into<String>) -> Error {
        Error::Internal { message: message.into() }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidId(_) | Error::InvalidArgument { .. } | Error::AmbiguousPrefix { .. } | Error::NotAFile { .. } => {
                ErrorCode::InvalidArgument
            }
            Error::StoreNotFound { .. } | Error::BlobNotFound { .. } | Error::NoMatch { .. } | Error::PackNotFound { .. } => {
                ErrorCode::NotFound
            }
            Error::PackExists { .. } | Error::UiTargetExists { .. } => ErrorCode::AlreadyExists,
            Error::UiTargetNotFound { .. } | Error::NoDownloadUrl { .. } | Error::UseBlobsMissing { .. } => ErrorCode::NotFound,
            Error::UseClash { .. } => ErrorCode::NameClash,
            Error::RestoreNeeded { .. } => ErrorCode::RestoreNeeded,
            Error::Download { .. } => ErrorCode::Io,
            Error::Conflict { .. } => ErrorCode::InUse,
            Error::GitWorkingTree { .. } => ErrorCode::GitWorkingTree,
            Error::Internal { .. } => ErrorCode::Internal,
            Error::LastCopy { .. } => ErrorCode::LastCopy,
            Error::PacksUnreadable { .. } => ErrorCode::PacksUnreadable,
            Error::BackupNotEnabled => ErrorCode::BackupNotEnabled,
            Error::BackupNotConnected { .. } => ErrorCode::BackupNotConnected,
            Error::InsufficientSpace { .. } => ErrorCode::InsufficientSpace,
            Error::Integrity { .. } | Error::VerifyFailed { .. } => ErrorCode::Integrity,
            Error::Busy { .. } => ErrorCode::Busy,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::PackageInvalid { .. } => ErrorCode::Integrity,
            Error::PackageBlobMissing { .. } => ErrorCode::NotFound,
            Error::OutputExists { .. } | Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::LinkInTree { .. } => ErrorCode::InvalidFile,
            Error::InvalidJson { .. } => ErrorCode::InvalidFile,
            Error::Io { source, .. } if is_no_space(source) => ErrorCode::InsufficientSpace,
            Error::Io { .. } => ErrorCode::Io,
        }
    }

    /// Structured context for the wire shape.
    pub fn details(&self) -> Value {
        match self {
            Error::InvalidId(IdError::Sha256 { input, .. }) => json!({ "sha256": input }),
            Error::InvalidId(IdError::PackName { input, .. }) => json!({ "pack": input }),
            Error::InvalidArgument { .. } | Error::BackupNotEnabled | Error::Cancelled | Error::Internal { .. } => json!({}),
            Error::PackageInvalid { path, issues } => json!({ "path": path, "issues": issues }),
            Error::PackageBlobMissing { pack, sha256, .. } => json!({ "pack": pack, "sha256": sha256 }),
            Error::OutputExists { path } | Error::AlreadyExists { path } | Error::LinkInTree { path } => json!({ "path": path }),
            Error::StoreNotFound { root } => json!({ "root": root }),
            Error::BlobNotFound { sha256, side } => json!({ "sha256": sha256, "side": side }),
            Error::NoMatch { prefix } => json!({ "prefix": prefix }),
            Error::AmbiguousPrefix { prefix, matches } => json!({ "prefix": prefix, "matches": matches }),
            Error::PackNotFound { name } | Error::PackExists { name } => json!({ "pack": name }),
            Error::NotAFile { path } | Error::GitWorkingTree { path } => json!({ "path": path }),
            Error::Conflict { impacts } | Error::LastCopy { impacts } => json!({ "impacts": impacts }),
            Error::PacksUnreadable { packs } => json!({ "pack_errors": packs }),
            Error::UiTargetNotFound { name } | Error::UiTargetExists { name } => json!({ "ui": name }),
            Error::UseClash { pack, clashes } => json!({ "pack": pack, "clashes": clashes }),
            Error::RestoreNeeded { pack, blobs, bytes } => json!({ "pack": pack, "blobs": blobs, "bytes": bytes }),
            Error::NoDownloadUrl { sha256 } => json!({ "sha256": sha256 }),
            Error::UseBlobsMissing { pack, blobs } => json!({ "pack": pack, "blobs": blobs }),
            Error::Download { url, status, reason } => json!({ "url": url, "http_status": status, "reason": reason }),
            // No path configured (`BackupState::NoPath`): null, not "".
            Error::BackupNotConnected { path, reason } => {
                json!({ "path": (!path.as_os_str().is_empty()).then_some(path), "reason": reason })
            }
            Error::InsufficientSpace { path, needed, available } => {
                json!({ "path": path, "needed_bytes": needed, "available_bytes": available })
            }
            Error::Integrity { path, expected, actual } => json!({ "path": path, "expected": expected, "actual": actual }),
            Error::VerifyFailed { invalid, total } => json!({ "invalid": invalid, "total": total }),
            Error::Busy { operation, since, pid } => json!({ "operation": operation, "since": since, "pid": pid }),
            Error::InvalidJson { path, source } => json!({ "path": path, "line": source.line(), "column": source.column() }),
            Error::Io { op, path, source } => json!({ "path": path, "operation": op, "os_error": source.raw_os_error() }),
        }
    }

    pub fn to_wire(&self) -> WireError {
        WireError { code: self.code(), message: self.to_string(), details: self.details() }
    }
}

fn is_no_space(e: &io::Error) -> bool {
    // A wrapped error (one that names the file it was writing) keeps the kind, not the errno.
    e.raw_os_error() == Some(libc::ENOSPC) || e.kind() == io::ErrorKind::StorageFull
}

/// The one error shape shown to users of `--json` and the desktop app.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Value,
}
