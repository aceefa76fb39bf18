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

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::Sha256;
use crate::store::schema::Extra;

pub use export::{export, ExportOptions};
pub use import::{apply_import, import, import_reviewed, plan_import, ImportOptions, ImportPlan};
pub use validate::validate;

/// `package.json` `spec`.
pub const SPEC: &str = "Synapse.Package";
/// The version this program writes; it reads every `1.x`.
pub const SPEC_VERSION: &str = "1.0";
/// `metadata.json` `format_version`.
pub const FORMAT_VERSION: u64 = 1;
/// `files/<sha256>.json` `schema_version`.
pub const DESCRIPTOR_SCHEMA_VERSION: u64 = 1;
pub const HASH_ALGORITHM: &str = "SHA256";
/// The store layout version of the packs inside (store v2, SPEC §2).
pub const STORE_SCHEMA_VERSION: u64 = 2;
/// `export_mode` of a package with its blobs.
pub const MODE_WITH_BLOBS: &str = "PacksWithBlobs";
/// `export_mode` of a metadata-only package (`--no-blobs`).
pub const MODE_WITHOUT_BLOBS: &str = "PacksWithoutBlobs";
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
