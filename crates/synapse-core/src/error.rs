//! The core error type and its one wire shape, `{code, message, details}`.
//!
//! Every failure the core can report is a variant of [`Error`] carrying the
//! thing it happened to (path, hash, pack). [`Error::code`] is an exhaustive
//! match, so adding a variant forces a decision about its code; the CLI maps
//! codes to exit codes ([`ErrorCode::exit_code`]) and the desktop app sends the
//! same [`WireError`] to the UI. Nobody matches on message strings.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ids::IdError;
use crate::results::{Impacts, MissingBlob, PackError, PackageIssue, SyncItem, UseClash};
pub use crate::vocab::ErrorCode;
use crate::vocab::{IssueSeverity, Side};

pub type Result<T, E = Error> = std::result::Result<T, E>;

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

    #[error("refused: {} would keep {} good cop{} ({}) where the copies policy asks for {required}. Make another copy first (backup sync --all), or confirm going below the policy", impacts.display_name, remaining.len(), if remaining.len() == 1 { "y" } else { "ies" }, if remaining.is_empty() { "none".to_owned() } else { remaining.join(", ") })]
    BelowMinCopies { impacts: Box<Impacts>, required: u32, remaining: Vec<String> },

    #[error("refused: removing the backup target {target:?} would leave {blobs} blob(s) with fewer good copies than the copies policy asks (first: {first}, which needs {required}). Copy them to another target first, or confirm removing it anyway; nothing on the target is deleted either way")]
    TargetNeeded { target: String, blobs: u64, first: String, required: u32 },

    #[error("backup target {name:?} does not exist (targets: {})", known.join(", "))]
    TargetNotFound { name: String, known: Vec<String> },

    #[error("backup target {name:?} already exists: choose another name")]
    TargetExists { name: String },

    #[error("refused: {} pack(s) cannot be read ({}); their blobs would look like orphans. Fix or delete the pack files first", packs.len(), packs.iter().map(|p| p.pack.as_str()).collect::<Vec<_>>().join(", "))]
    PacksUnreadable { packs: Vec<PackError> },

    #[error("backup storage is not enabled")]
    BackupNotEnabled,

    #[error("backup drive not connected: {reason}")]
    BackupNotConnected { path: PathBuf, reason: String },

    #[error("{} is unresponsive: it did not answer within {seconds:.0} s (a hung network or FUSE mount?). Synapse is not waiting for it; check that the server or drive is up (or unmount it) and try again", path.display())]
    Unresponsive { path: PathBuf, seconds: f64 },

    #[error("not enough space on {}: {needed} bytes needed, {available} available", path.display())]
    InsufficientSpace { path: PathBuf, needed: u64, available: u64 },

    #[error("integrity failure: {} should hash to {expected} but hashes to {actual}", path.display())]
    Integrity { path: PathBuf, expected: String, actual: String },

    #[error("the {side} copy of {name} ({}) is corrupt: it was hashed and does not match its name. Repair replaces it from a good copy and moves it to data/quarantine/; it is never deleted", &sha256[..12.min(sha256.len())])]
    CopyCorrupt { sha256: String, name: String, side: Side },

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

    #[error("cannot export pack {pack:?}: {name} (blob {sha256}) {reason}")]
    PackageBlobMissing { pack: String, name: String, sha256: String, reason: String },

    #[error("{} already exists: choose a path that does not exist yet (or an empty folder)", path.display())]
    OutputExists { path: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    InvalidJson { path: PathBuf, source: serde_json::Error },

    #[error("refused: {} is a symbolic link inside a Synapse tree; Synapse never follows links there, so nothing was read or written through it. Replace the link with a real folder or file", path.display())]
    LinkInTree { path: PathBuf },

    #[error("{} already exists", path.display())]
    AlreadyExists { path: PathBuf },

    #[error("{} is not a workflow Synapse can read: {reason}", path.display())]
    InvalidWorkflow { path: PathBuf, reason: String },

    #[error("the pack was not written: {} model(s) of {} do not resolve to one blob: {}. Make them available first (workflow use), or write the pack without them", models.len(), path.display(), models.join("; "))]
    WorkflowUnpinned { path: PathBuf, models: Vec<String> },

    /// An object-store target (SPEC §3.13) could not be used, and why.
    #[error("target {target:?} ({endpoint}): {message}")]
    Remote { target: String, endpoint: String, problem: RemoteProblem, message: String },

    /// A target whose `backup-id` names another store: read and restore only (SPEC §3.13).
    #[error("target {target:?} belongs to another store (store id {owner}): Synapse reads and restores from it but never writes or deletes there")]
    ForeignTarget { target: String, owner: String },

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
        crate::vocab::Location::Both => "on the other side",
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
    pub(crate) fn internal(message: impl Into<String>) -> Error {
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
            Error::PackExists { .. } | Error::UiTargetExists { .. } | Error::TargetExists { .. } => ErrorCode::AlreadyExists,
            Error::TargetNotFound { .. } => ErrorCode::NotFound,
            Error::BelowMinCopies { .. } | Error::TargetNeeded { .. } => ErrorCode::BelowMinCopies,
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
            Error::Unresponsive { .. } => ErrorCode::Unresponsive,
            Error::Remote { .. } => ErrorCode::BackupNotConnected,
            Error::ForeignTarget { .. } => ErrorCode::ForeignTarget,
            Error::InsufficientSpace { .. } => ErrorCode::InsufficientSpace,
            Error::Integrity { .. } | Error::VerifyFailed { .. } | Error::CopyCorrupt { .. } => ErrorCode::Integrity,
            Error::Busy { .. } => ErrorCode::Busy,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::PackageInvalid { .. } => ErrorCode::Integrity,
            Error::PackageBlobMissing { .. } | Error::WorkflowUnpinned { .. } => ErrorCode::NotFound,
            Error::OutputExists { .. } | Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::LinkInTree { .. } => ErrorCode::InvalidFile,
            Error::InvalidJson { .. } | Error::InvalidWorkflow { .. } => ErrorCode::InvalidFile,
            Error::Io { source, .. } if is_no_space(source) => ErrorCode::InsufficientSpace,
            Error::Io { .. } => ErrorCode::Io,
        }
    }

    /// Structured context for the wire shape: one typed shape per kind of
    /// error ([`ErrorDetails`]), generated into TypeScript like the results.
    pub fn details(&self) -> ErrorDetails {
        use ErrorDetails as D;
        let path = |p: &Path| p.to_string_lossy().into_owned();
        match self {
            Error::InvalidId(IdError::Sha256 { input, .. }) | Error::NoDownloadUrl { sha256: input } => D::Blob { sha256: input.clone() },
            Error::InvalidId(IdError::PackName { input, .. }) => D::Pack { pack: input.clone() },
            Error::InvalidArgument { .. } | Error::BackupNotEnabled | Error::Cancelled | Error::Internal { .. } => D::None {},
            Error::PackageInvalid { path: p, issues } => D::PackageInvalid { path: path(p), issues: issues.clone() },
            Error::PackageBlobMissing { pack, sha256, .. } => D::PackBlob { pack: pack.clone(), sha256: sha256.clone() },
            Error::OutputExists { path: p }
            | Error::AlreadyExists { path: p }
            | Error::LinkInTree { path: p }
            | Error::NotAFile { path: p }
            | Error::InvalidWorkflow { path: p, .. }
            | Error::WorkflowUnpinned { path: p, .. }
            | Error::GitWorkingTree { path: p } => D::Path { path: path(p) },
            Error::StoreNotFound { root } => D::Store { root: path(root) },
            Error::BlobNotFound { sha256, side } | Error::CopyCorrupt { sha256, side, .. } => {
                D::BlobSide { sha256: sha256.clone(), side: *side }
            }
            Error::NoMatch { prefix } => D::Prefix { prefix: prefix.clone(), matches: Vec::new() },
            Error::AmbiguousPrefix { prefix, matches } => D::Prefix { prefix: prefix.clone(), matches: matches.clone() },
            Error::PackNotFound { name } | Error::PackExists { name } => D::Pack { pack: name.clone() },
            Error::Conflict { impacts } | Error::LastCopy { impacts } => D::Impacts { impacts: impacts.clone() },
            Error::PacksUnreadable { packs } => D::PacksUnreadable { pack_errors: packs.clone() },
            Error::UiTargetNotFound { name } | Error::UiTargetExists { name } => D::Ui { ui: name.clone() },
            Error::TargetNotFound { name, known } => D::Target { target: name.clone(), targets: known.clone() },
            Error::TargetExists { name } | Error::TargetNeeded { target: name, .. } => {
                D::Target { target: name.clone(), targets: Vec::new() }
            }
            Error::BelowMinCopies { impacts, required, remaining } => {
                D::Policy { impacts: impacts.clone(), required_copies: *required, remaining_copies: remaining.clone() }
            }
            Error::UseClash { pack, clashes } => D::Clashes { pack: pack.clone(), clashes: clashes.clone() },
            Error::RestoreNeeded { pack, blobs, bytes } => D::Restore { pack: pack.clone(), blobs: blobs.clone(), bytes: *bytes },
            Error::UseBlobsMissing { pack, blobs } => D::Missing { pack: pack.clone(), blobs: blobs.clone() },
            Error::Download { url, status, reason } => D::Download { url: url.clone(), http_status: *status, reason: reason.clone() },
            // No path configured (`BackupState::NoPath`): null, not "".
            Error::BackupNotConnected { path: p, reason } => {
                D::Drive { path: (!p.as_os_str().is_empty()).then(|| path(p)), reason: reason.clone() }
            }
            Error::Remote { target, endpoint, problem, .. } => {
                D::Remote { target: target.clone(), endpoint: endpoint.clone(), problem: *problem }
            }
            Error::ForeignTarget { target, owner, .. } => D::Foreign { target: target.clone(), owner: owner.clone() },
            Error::Unresponsive { path: p, seconds } => {
                D::Drive { path: Some(path(p)), reason: format!("no answer within {seconds:.0} s") }
            }
            Error::InsufficientSpace { path: p, needed, available } => {
                D::Space { path: path(p), needed_bytes: *needed, available_bytes: *available }
            }
            Error::Integrity { path: p, expected, actual } => {
                D::Integrity { path: path(p), expected: expected.clone(), actual: actual.clone() }
            }
            Error::VerifyFailed { invalid, total } => D::Verify { invalid: *invalid as u64, total: *total as u64 },
            Error::Busy { operation, since, pid } => D::Busy { operation: operation.clone(), since: since.clone(), pid: *pid },
            Error::InvalidJson { path: p, source } => D::Json { path: path(p), line: source.line() as u64, column: source.column() as u64 },
            Error::Io { op, path: p, source } => D::Io { path: path(p), operation: (*op).to_owned(), os_error: source.raw_os_error() },
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
    pub details: ErrorDetails,
}

/// What an error is about, typed per kind of error (the `details` of
/// [`WireError`]); serialised as a plain object, so the JSON is the same
/// shape scripts read before it was typed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum ErrorDetails {
    Impacts {
        impacts: Box<Impacts>,
    },
    /// `below_min_copies`: the blob, the copies that would remain, and how many the policy asks for.
    Policy {
        impacts: Box<Impacts>,
        required_copies: u32,
        remaining_copies: Vec<String>,
    },
    Clashes {
        pack: String,
        clashes: Vec<UseClash>,
    },
    Restore {
        pack: String,
        blobs: Vec<SyncItem>,
        bytes: u64,
    },
    Missing {
        pack: String,
        blobs: Vec<MissingBlob>,
    },
    PacksUnreadable {
        pack_errors: Vec<PackError>,
    },
    PackageInvalid {
        path: String,
        issues: Vec<PackageIssue>,
    },
    PackBlob {
        pack: String,
        sha256: String,
    },
    BlobSide {
        sha256: String,
        side: Side,
    },
    Blob {
        sha256: String,
    },
    Pack {
        pack: String,
    },
    Ui {
        ui: String,
    },
    /// A backup target by name, and the names there are when it was not found.
    Target {
        target: String,
        targets: Vec<String>,
    },
    Prefix {
        prefix: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        matches: Vec<String>,
    },
    Store {
        root: String,
    },
    Drive {
        path: Option<String>,
        reason: String,
    },
    Space {
        path: String,
        needed_bytes: u64,
        available_bytes: u64,
    },
    Integrity {
        path: String,
        expected: String,
        actual: String,
    },
    Verify {
        invalid: u64,
        total: u64,
    },
    Busy {
        operation: String,
        since: String,
        pid: u32,
    },
    Json {
        path: String,
        line: u64,
        column: u64,
    },
    Io {
        path: String,
        operation: String,
        os_error: Option<i32>,
    },
    Download {
        url: String,
        http_status: Option<u16>,
        reason: String,
    },
    /// A command line the CLI could not parse.
    Usage {
        usage: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        argument: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    Path {
        path: String,
    },
    /// An object-store target that could not be used: which, and what is wrong.
    Remote {
        target: String,
        endpoint: String,
        problem: RemoteProblem,
    },
    /// A target owned by another store.
    Foreign {
        target: String,
        owner: String,
    },
    None {},
}

/// What is wrong with an object-store target (`target test`, SPEC §3.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RemoteProblem {
    /// Nothing answered at the endpoint (refused, no route, DNS, timeout, TLS).
    Unreachable,
    /// The key was refused (unknown access key, wrong secret, expired token), or none was found.
    Credentials,
    /// The bucket does not exist.
    BucketMissing,
    /// The server's clock and this machine's differ too much for a signed request.
    ClockSkew,
    /// The key is valid but may not do this (list, read, write or delete).
    Permission,
    /// The server failed (5xx after retries) or answered something Synapse cannot read.
    Server,
}

impl ErrorDetails {
    /// No details (`{}`).
    pub fn none() -> ErrorDetails {
        ErrorDetails::None {}
    }
}
