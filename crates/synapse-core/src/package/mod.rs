//! Packages (SPEC §3.10): a portable, self-validating export of packs and
//! their blobs, as a directory or the same tree in one uncompressed `.tar`.
//!
//! ```text
//! package.json              Manifest: spec, version, identity, the packs
//! metadata.json             Metadata: format version, file count and bytes
//! packs/<Pack>/...          every state file of each pack
//! files/<sha256>            the blob bytes
//! files/<sha256>.json       Descriptor of the blob
//! extra/                    optional global metadata (ignored on import)
//! ```
//!
//! - [`export()`] writes a package into a temporary name beside the target and
//!   renames it into place, so a cancelled or failed export leaves nothing.
//! - [`validate()`] writes nothing: it checks every rule of the format and
//!   classifies each pack against the store.
//! - [`import()`] validates again under the store lock, stages (and hashes)
//!   the blobs it needs in `data/tmp`, refuses if anything is wrong, then
//!   places the blobs and writes each pack directory atomically, pack files
//!   last: an interrupted import leaves at worst orphan blobs and a staging
//!   folder that cleanup removes, never a pack pointing at nothing.
//!
//! A package comes from elsewhere and is treated as hostile: no path of it is
//! used before it is checked (no `..`, no absolute paths, no links).

mod export;
mod import;
mod read;
mod validate;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::Sha256;
use crate::results::{lossy, PackageIssue};
use crate::store::schema::Extra;

pub use export::{export, ExportOptions};
pub use import::{apply_import, import, import_reviewed, plan_import, ImportOptions, ImportPlan};
pub use validate::validate;

/// `package.json` `spec`.
pub const SPEC: &str = "Synapse.Package";
/// The version this program writes; it reads every `1.x`.
pub(crate) const SPEC_VERSION: &str = "1.0";
/// `metadata.json` `format_version`.
pub(crate) const FORMAT_VERSION: u64 = 1;
/// `files/<sha256>.json` `schema_version`.
pub(crate) const DESCRIPTOR_SCHEMA_VERSION: u64 = 1;
pub(crate) const HASH_ALGORITHM: &str = "SHA256";
/// The store layout version of the packs inside (store v2, SPEC §2).
pub(crate) const STORE_SCHEMA_VERSION: u64 = 2;
/// `export_mode` of a package with its blobs.
pub(crate) const MODE_WITH_BLOBS: &str = "PacksWithBlobs";
/// `export_mode` of a metadata-only package (`--no-blobs`).
pub(crate) const MODE_WITHOUT_BLOBS: &str = "PacksWithoutBlobs";
/// Largest JSON document of a package that is read (manifests, descriptors,
/// pack files): anything bigger is hostile or broken.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

pub(crate) const MANIFEST_PATH: &str = "package.json";
pub(crate) const METADATA_PATH: &str = "metadata.json";
pub(crate) const PACKS_DIR: &str = "packs";
pub(crate) const FILES_DIR: &str = "files";
pub(crate) const EXTRA_DIR: &str = "extra";

/// `package.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub spec: String,
    pub spec_version: String,
    #[serde(default)]
    pub package_id: Option<String>,
    #[serde(default)]
    pub source_instance_id: Option<String>,
    #[serde(default)]
    pub exported_at: Option<String>,
    #[serde(default)]
    pub exported_by: Option<String>,
    #[serde(default)]
    pub export_mode: Option<String>,
    pub packs: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `metadata.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metadata {
    pub format_version: u64,
    #[serde(default)]
    pub application_version: Option<String>,
    #[serde(default)]
    pub store_schema_version: Option<Value>,
    pub total_files_count: u64,
    pub total_files_bytes: u64,
    pub hash_algorithm: String,
    pub file_descriptor_schema_version: u64,
    #[serde(default)]
    pub extensions: Vec<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `files/<sha256>.json`: what the blob is. `custom_metadata.blob_manifest`
/// carries the blob's `.meta` manifest (SPEC §2), `custom_metadata.kind` its kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Descriptor {
    pub schema_version: u64,
    pub file_id: String,
    pub relative_path: String,
    #[serde(default)]
    pub file_name: Option<String>,
    pub content_hash: String,
    pub size_bytes: u64,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub custom_metadata: Extra,
    #[serde(default)]
    pub extensions: Vec<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `files/<sha256>`, relative to the package root.
pub(crate) fn blob_path(sha: &Sha256) -> String {
    format!("{FILES_DIR}/{sha}")
}

/// `files/<sha256>.json`, relative to the package root.
pub(crate) fn descriptor_path(sha: &Sha256) -> String {
    format!("{FILES_DIR}/{sha}.json")
}

/// `packs/<Pack>/<rel>`, relative to the package root.
pub(crate) fn pack_file_path(pack: &str, rel: &str) -> String {
    format!("{PACKS_DIR}/{pack}/{rel}")
}

/// The program's version, as written into `metadata.json` and descriptors.
pub(crate) fn application_version() -> String {
    format!("synapse {}", env!("CARGO_PKG_VERSION"))
}

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
