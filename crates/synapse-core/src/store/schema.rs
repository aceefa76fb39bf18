//! The JSON files of the store as the original Python Synapse writes them:
//! `synapse.pack.v2`, `synapse.lock.v2`, `synapse.config.v2` and the `.meta`
//! blob manifest.
//!
//! Only the fields this program uses are typed. Every other field is kept in
//! an `extra` map (`#[serde(flatten)]`) so that a load followed by a save
//! changes nothing we did not mean to change (SPEC §2, compatibility rule).
//! Fields the original may write as `null` are `Option`s that serialise back
//! to `null`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::Sha256;
use crate::results::Origin;
use crate::vocab::AssetKind;

pub type Extra = Map<String, Value>;

pub const PACK_SCHEMA: &str = "synapse.pack.v2";
pub const LOCK_SCHEMA: &str = "synapse.lock.v2";
pub(crate) const CONFIG_SCHEMA: &str = "synapse.config.v2";

/// `state/packs/<Name>/pack.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackFile {
    #[serde(default = "pack_schema")]
    pub schema: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_type: Option<String>,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn pack_schema() -> String {
    PACK_SCHEMA.to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dependency {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Expose>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expose {
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `state/packs/<Name>/lock.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockFile {
    #[serde(default = "lock_schema")]
    pub schema: String,
    #[serde(default)]
    pub pack: Option<String>,
    #[serde(default)]
    pub resolved: Vec<Resolved>,
    #[serde(default)]
    pub unresolved: Vec<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn lock_schema() -> String {
    LOCK_SCHEMA.to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resolved {
    pub dependency_id: String,
    /// Singular: the seeds' bug #20 came from writing `artifacts`.
    pub artifact: Artifact,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    #[serde(default)]
    pub kind: Option<String>,
    /// Null until the file has been downloaded and hashed.
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub size_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Artifact {
    /// The blob this artifact points at, if any. A malformed hash is an error
    /// the caller reports against the pack.
    pub fn blob(&self) -> Result<Option<Sha256>, crate::ids::IdError> {
        match self.sha256.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => Sha256::parse(s).map(Some),
        }
    }

    /// The download URLs of `download.urls`, if any.
    pub fn urls(&self) -> Vec<String> {
        self.extra
            .get("download")
            .and_then(|d| d.get("urls"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provider {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Provider {
    pub fn origin(&self) -> Origin {
        origin_from(self.name.clone(), &self.extra)
    }
}

fn origin_from(provider: Option<String>, m: &Extra) -> Origin {
    let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    let v = |k: &str| m.get(k).filter(|v| !v.is_null()).cloned();
    Origin {
        provider,
        model_id: v("model_id"),
        version_id: v("version_id"),
        file_id: v("file_id"),
        filename: s("filename"),
        repo_id: s("repo_id"),
    }
}

/// `state/config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default = "config_schema")]
    pub schema: String,
    #[serde(default)]
    pub backup: BackupConfig,
    #[serde(default)]
    pub ui_targets: Vec<UiTarget>,
    /// `workflow {…}`: loader nodes of custom node packs (SPEC §3.15). Absent
    /// from the original program's files, and written only when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowConfig>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `config.json` `workflow`: what the workflow resolver reads besides its own table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkflowConfig {
    /// Extra loader nodes, `[{"node": "MyLoader", "input": "model_file", "kind": "lora"}]`.
    #[serde(default)]
    pub loaders: Vec<LoaderRuleConfig>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One custom loader node: which input names a model file of which kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoaderRuleConfig {
    /// The node's type (`class_type` in the API format).
    pub node: String,
    /// The input (API format) or widget (UI format) that holds the file name.
    pub input: String,
    /// An asset kind (`lora`, `checkpoint`, …), read loosely; unknown kinds match by name only.
    #[serde(default)]
    pub kind: Option<String>,
    /// Position of the widget in a UI-format node's `widgets_values`; without it
    /// every value there that looks like a model file name is taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ConfigFile {
    /// A text setting of `providers.<provider>.<key>` (the original program's
    /// `providers` map, kept in `extra`), trimmed; `None` when absent or empty.
    pub fn provider_setting(&self, provider: &str, key: &str) -> Option<String> {
        let v = self.extra.get("providers")?.get(provider)?.get(key)?.as_str()?.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

fn config_schema() -> String {
    CONFIG_SCHEMA.to_owned()
}

impl Default for ConfigFile {
    fn default() -> Self {
        Self { schema: config_schema(), backup: BackupConfig::default(), ui_targets: Vec::new(), workflow: None, extra: Extra::new() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupConfig {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub auto_backup_new: bool,
    #[serde(default = "yes")]
    pub warn_before_delete_last_copy: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

fn yes() -> bool {
    true
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self { enabled: false, path: None, auto_backup_new: false, warn_before_delete_last_copy: true, extra: Extra::new() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UiTarget {
    pub name: String,
    pub kind: String,
    pub path: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `<sha256>.meta`: written once when a blob first enters the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobManifest {
    #[serde(default = "one")]
    pub version: u32,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub original_filename: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub origin: Option<ManifestOrigin>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestOrigin {
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ManifestOrigin {
    pub fn origin(&self) -> Origin {
        origin_from(self.provider.clone(), &self.extra)
    }
}

impl BlobManifest {
    /// A manifest for a file that entered the store from the local disk.
    pub fn local(original_filename: &str, kind: AssetKind) -> Self {
        let mut origin = Extra::new();
        origin.insert("filename".into(), Value::String(original_filename.to_owned()));
        Self {
            version: 1,
            created_at: Some(crate::store::fsutil::now_rfc3339()),
            original_filename: Some(original_filename.to_owned()),
            kind: Some(kind.as_str().to_owned()),
            origin: Some(ManifestOrigin { provider: Some("local".into()), extra: origin }),
            extra: Extra::new(),
        }
    }
}
