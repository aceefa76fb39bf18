//! `identify` (SPEC §3.14): what a model is, asked of Civitai by its hash.
//!
//! Civitai answers `GET {base}/api/v1/model-versions/by-hash/{sha256}` with the
//! model version holding a file of that SHA-256. Only when asked (this
//! function; the CLI's `identify`, a button in the app) does Synapse send
//! anything, and it sends nothing but the hash (and the optional API key as an
//! `Authorization` header, which is never logged nor part of a result).
//!
//! - At most [`MAX_IN_FLIGHT`] requests are in flight; a 429 pauses every
//!   worker for its `Retry-After` (seconds or an HTTP date), within a bounded
//!   total wait; a 404 is a `not_found` entry retried after
//!   [`NOT_FOUND_RETRY_DAYS`]; a 500 or an answer that is not a model version
//!   fails that item and the run goes on; a refused connection or a name that
//!   does not resolve stops the run once, with one message ([`IdentifyResult::offline`]).
//! - The answer, trimmed to what Synapse uses, is cached in
//!   `data/cache/metadata/<sha256>.json` and used without a request next time;
//!   `data/cache/metadata/index.json` holds what the inventory shows per blob,
//!   so the inventory reads one small file, and nothing when no blob was ever identified.
//! - The first preview image (videos skipped, http(s) only, at most
//!   [`MAX_PREVIEW_BYTES`], redirects included) is saved to `data/cache/previews/<sha256>.<ext>`.
//! - A local blob without a manifest gets one (origin provider `civitai`,
//!   model/version/file ids, the file name, the kind from `model.type`); an
//!   existing manifest is never changed except that fields it lacks (null or
//!   absent `original_filename`, `kind`, `origin`) are filled in.
//!
//! Every file inside the store is written through its [`Tree`] (never through
//! a link). The run holds the store lock, as `redownload` does: manifests are
//! written as the answers arrive, overlapped with the requests still in flight.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory::{self, Inventory};
use crate::progress::{CancelToken, Control, Tracker};
use crate::results::{InventoryItem, Origin};
use crate::store::fsutil::now_rfc3339;
use crate::store::layout::StoreLayout;
use crate::store::schema::{BlobManifest, ConfigFile, Extra, ManifestOrigin};
use crate::store::tree::Tree;
use crate::store::Store;
use crate::vocab::{AssetKind, BlobStatus};

/// Civitai's address unless `SYNAPSE_CIVITAI_URL` or `config.json` `providers.civitai.base_url` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://civitai.com";
/// The environment variable that overrides the base URL (tests point it at a local server).
pub const BASE_URL_ENV: &str = "SYNAPSE_CIVITAI_URL";
/// The environment variable of the optional API key.
pub const API_KEY_ENV: &str = "CIVITAI_API_KEY";
/// Requests to the API in flight at once.
pub(crate) const MAX_IN_FLIGHT: usize = 4;
/// A `not_found` answer is asked again after this many days.
pub(crate) const NOT_FOUND_RETRY_DAYS: i64 = 30;
/// The largest answer read from the API (a real one is a few tens of kB).
pub(crate) const MAX_ANSWER_BYTES: u64 = 2 << 20;
/// The largest preview image saved.
pub const MAX_PREVIEW_BYTES: u64 = 10 << 20;
/// The longest single pause a 429 may ask for, and the most all pauses of one run may add up to.
const MAX_ONE_WAIT: Duration = Duration::from_secs(120);
const MAX_TOTAL_WAIT: Duration = Duration::from_secs(600);
/// Attempts per hash while the API answers 429.
const MAX_ATTEMPTS: u32 = 6;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Image extensions a preview is saved with.
const IMAGE_EXTS: [&str; 6] = ["jpg", "jpeg", "png", "webp", "gif", "avif"];

/// Which blobs to identify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// These blobs (full hashes; resolve typed prefixes with [`inventory::resolve_hashes`]).
    Blobs(Vec<Sha256>),
    /// Blobs no pack references.
    Orphans,
    /// Blobs without a provider origin (no manifest, or one from a local file or a bare URL).
    Unnamed,
    /// Every blob known anywhere.
    All,
}

/// How to identify.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct IdentifyOptions {
    /// Ask again: blobs that already have a provider origin, cached answers and recent `not_found` entries too.
    pub refresh: bool,
}

/// What identify learned about one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IdentifyStatus {
    /// Civitai knows it (`metadata` says what it is).
    Found,
    /// Civitai does not know this hash (not an error: a private or self-trained model).
    NotFound,
    /// The request or the answer failed (`error` says why); asked again next time.
    Failed,
    /// It already has a provider origin (a pack or its manifest says where it is from); a refresh asks anyway.
    Skipped,
    /// The run stopped (offline, cancelled) before it was asked.
    NotAsked,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// Asked now.
    Civitai,
    /// From `data/cache/metadata/` (no request).
    Cache,
}

/// What identify did to a blob's manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ManifestAction {
    /// The blob had none: one was written.
    Written,
    /// It had one that lacked a name, kind or origin: those were added, nothing else changed.
    Completed,
}

/// What Civitai says a model file is: shown in the inventory and the blob detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelMetadata {
    /// `civitai`.
    pub provider: String,
    pub model_id: Option<u64>,
    pub model_name: Option<String>,
    pub version_id: Option<u64>,
    pub version_name: Option<String>,
    /// Civitai's `model.type` (`Checkpoint`, `LORA`, …).
    pub model_type: Option<String>,
    /// `model.type` (or the file's type) as an asset kind.
    pub kind: AssetKind,
    pub base_model: Option<String>,
    pub trained_words: Vec<String>,
    pub nsfw_level: Option<u64>,
    /// The file of the version with this hash.
    pub file_id: Option<u64>,
    pub file_name: Option<String>,
    /// The saved preview image, if any (in `data/cache/previews/`).
    #[serde(serialize_with = "crate::results::lossy::opt_path")]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    pub preview: Option<PathBuf>,
    pub fetched_at: String,
}

/// One blob of an identify run.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentifyItem {
    pub sha256: Sha256,
    /// The inventory's name before this run.
    pub display_name: String,
    /// The kind Civitai gives when found, else the inventory's.
    pub kind: AssetKind,
    pub status: IdentifyStatus,
    /// Asked now or from the cache (null when skipped, failed before an answer, or not asked).
    pub source: Option<AnswerSource>,
    pub metadata: Option<ModelMetadata>,
    pub manifest: Option<ManifestAction>,
    /// Why it failed, was skipped, or why its preview or manifest was not saved.
    pub message: Option<String>,
}

/// The outcome of an identify run.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentifyResult {
    /// The API asked (no key or path in it).
    pub base_url: String,
    /// An API key was sent (its value never appears anywhere).
    pub api_key: bool,
    pub items: Vec<IdentifyItem>,
    /// Requests made to the by-hash endpoint (a 429 that was retried counts each time).
    pub requests: u64,
    pub found: u64,
    pub not_found: u64,
    pub failed: u64,
    pub skipped: u64,
    pub not_asked: u64,
    /// Answers used from the cache without a request.
    pub from_cache: u64,
    pub manifests_written: u64,
    pub previews_saved: u64,
    /// The run stopped because Civitai could not be reached: the one message saying so.
    pub offline: Option<String>,
    pub duration_ms: u64,
}

/// Where Synapse asks and with which key; [`std::fmt::Debug`] never shows the key.
#[derive(Clone)]
pub struct CivitaiSettings {
    pub base_url: String,
    api_key: Option<String>,
}

impl std::fmt::Debug for CivitaiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CivitaiSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Where the Civitai API key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// `CIVITAI_API_KEY`.
    Environment,
    /// The OS keyring (typed in Settings).
    Keyring,
    /// `config.json` `providers.civitai.api_key` (plain text in `state/`; saving a key in Settings moves it to the keyring).
    Config,
}

const KEYRING_SERVICE: &str = "synapse-civitai";
const KEYRING_FALLBACK: &str = "give the key as CIVITAI_API_KEY in the environment";

fn keyring_user() -> String {
    "api-key".to_owned()
}

/// The API key and where it came from: `CIVITAI_API_KEY`, the OS keyring, `config.json`.
pub fn api_key(config: &ConfigFile) -> Option<(String, KeySource)> {
    let env = std::env::var(API_KEY_ENV).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    env.map(|k| (k, KeySource::Environment))
        .or_else(|| crate::target::s3::keyring_get(KEYRING_SERVICE, keyring_user()).map(|k| (k, KeySource::Keyring)))
        .or_else(|| config.provider_setting("civitai", "api_key").map(|k| (k, KeySource::Config)))
}

/// Keeps the Civitai API key in the OS keyring (never in `state/`, which is
/// meant for git), or removes it (`None`). A key `config.json` still holds
/// is taken out of it, so the plain-text copy goes. Refused: an empty key or
/// one with spaces or control characters (the message never repeats it); no
/// keyring (then `CIVITAI_API_KEY` is the way).
pub fn save_api_key(store: &Store, key: Option<&str>) -> Result<()> {
    let key = key.map(str::trim);
    match key {
        Some(k) if k.is_empty() || k.chars().any(|c| c.is_control() || c.is_whitespace()) => return Err(Error::invalid(
            "the API key is empty or contains spaces or control characters: paste it again from civitai.com (Account settings → API keys)",
        )),
        Some(k) => crate::target::s3::keyring_set(KEYRING_SERVICE, keyring_user(), k.to_owned(), KEYRING_FALLBACK)?,
        None => crate::target::s3::keyring_delete(KEYRING_SERVICE, keyring_user(), KEYRING_FALLBACK)?,
    }
    let _lock = store.lock("settings")?;
    let mut config = store.config()?;
    let had = config
        .extra
        .get_mut("providers")
        .and_then(|p| p.get_mut("civitai"))
        .and_then(|c| c.as_object_mut())
        .and_then(|c| c.remove("api_key"))
        .is_some();
    if had {
        store.save_config(&config)?;
    }
    Ok(())
}

impl CivitaiSettings {
    /// The environment first (`SYNAPSE_CIVITAI_URL`, `CIVITAI_API_KEY`); for the
    /// key then the OS keyring (typed in Settings), then `config.json`
    /// `providers.civitai {base_url, api_key}`; then Civitai itself without a key.
    pub fn resolve(config: &ConfigFile) -> Result<CivitaiSettings> {
        let env = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let (base, from) = match env(BASE_URL_ENV) {
            Some(u) => (u, BASE_URL_ENV.to_owned()),
            None => match config.provider_setting("civitai", "base_url") {
                Some(u) => (u, "config.json providers.civitai.base_url".to_owned()),
                None => (DEFAULT_BASE_URL.to_owned(), String::new()),
            },
        };
        let base_url = base.trim_end_matches('/').to_owned();
        let lower = base_url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || base_url.contains(['?', '#']) {
            return Err(Error::invalid(format!(
                "the Civitai address {base_url:?} (from {from}) is not an http(s) URL like {DEFAULT_BASE_URL}: correct it"
            )));
        }
        let api_key = api_key(config).map(|(k, _)| k);
        if api_key.as_deref().is_some_and(|k| k.chars().any(|c| c.is_control() || c == ' ')) {
            return Err(Error::invalid(format!(
                "the Civitai API key (from {API_KEY_ENV}, the OS keyring or config.json providers.civitai.api_key) contains spaces or control characters: paste it again"
            )));
        }
        Ok(CivitaiSettings { base_url, api_key })
    }

    pub(crate) fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    fn by_hash_url(&self, sha: &Sha256) -> String {
        format!("{}/api/v1/model-versions/by-hash/{sha}", self.base_url)
    }
}

/// `data/cache/metadata/`.
pub fn metadata_dir(layout: &StoreLayout) -> PathBuf {
    layout.cache().join("metadata")
}

/// `data/cache/previews/`.
pub fn previews_dir(layout: &StoreLayout) -> PathBuf {
    layout.cache().join("previews")
}

fn cache_file(layout: &StoreLayout, sha: &Sha256) -> PathBuf {
    metadata_dir(layout).join(format!("{sha}.json"))
}

fn index_file(layout: &StoreLayout) -> PathBuf {
    metadata_dir(layout).join("index.json")
}

/// One cached answer, `data/cache/metadata/<sha256>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CacheEntry {
    sha256: Sha256,
    fetched_at: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    not_found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<Answer>,
    /// The saved preview's file name in `data/cache/previews/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preview: Option<String>,
    /// Why no preview was saved (not tried again until a refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preview_error: Option<String>,
}

/// Civitai's answer, trimmed to what Synapse uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Answer {
    model_id: Option<u64>,
    model_name: Option<String>,
    model_type: Option<String>,
    version_id: Option<u64>,
    version_name: Option<String>,
    base_model: Option<String>,
    #[serde(default)]
    trained_words: Vec<String>,
    nsfw_level: Option<u64>,
    download_url: Option<String>,
    #[serde(default)]
    files: Vec<AnswerFile>,
    #[serde(default)]
    images: Vec<AnswerImage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AnswerFile {
    id: Option<u64>,
    name: Option<String>,
    #[serde(rename = "type")]
    file_type: Option<String>,
    size_kb: Option<f64>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
    download_url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AnswerImage {
    url: String,
    #[serde(rename = "type")]
    media_type: Option<String>,
    nsfw_level: Option<u64>,
}

impl Answer {
    /// Reads a by-hash answer; `None` when it is not a model version.
    fn parse(v: &Value) -> Option<Answer> {
        let o = v.as_object()?;
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
        let model = o.get("model").cloned().unwrap_or(Value::Null);
        let version_id = n(v, "id");
        let model_id = n(v, "modelId").or_else(|| n(&model, "id"));
        if version_id.is_none() && model_id.is_none() {
            return None;
        }
        let list = |k: &str| o.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
        let files = list("files")
            .iter()
            .filter(|f| f.is_object())
            .map(|f| AnswerFile {
                id: n(f, "id"),
                name: s(f, "name"),
                file_type: s(f, "type"),
                size_kb: f.get("sizeKB").and_then(Value::as_f64),
                hashes: f
                    .get("hashes")
                    .and_then(Value::as_object)
                    .map(|h| h.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
                    .unwrap_or_default(),
                download_url: s(f, "downloadUrl"),
            })
            .collect();
        let images = list("images")
            .iter()
            .filter_map(|i| Some(AnswerImage { url: s(i, "url")?, media_type: s(i, "type"), nsfw_level: n(i, "nsfwLevel") }))
            .collect();
        Some(Answer {
            model_id,
            model_name: s(&model, "name"),
            model_type: s(&model, "type"),
            version_id,
            version_name: s(v, "name"),
            base_model: s(v, "baseModel"),
            trained_words: list("trainedWords").iter().filter_map(|w| w.as_str().map(str::to_owned)).collect(),
            nsfw_level: n(v, "nsfwLevel"),
            download_url: s(v, "downloadUrl"),
            files,
            images,
        })
    }

    /// The file of this version whose SHA-256 is `sha`.
    fn file(&self, sha: &Sha256) -> Option<&AnswerFile> {
        self.files.iter().find(|f| f.hashes.iter().any(|(k, v)| k.eq_ignore_ascii_case("sha256") && v.eq_ignore_ascii_case(sha.as_str())))
    }

    /// The first image that is not a video.
    fn preview_url(&self) -> Option<&str> {
        self.images
            .iter()
            .find(|i| {
                let video = i.media_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("image"));
                let path = i.url.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
                !video && ![".mp4", ".webm", ".mov", ".m4v"].iter().any(|e| path.ends_with(e))
            })
            .map(|i| i.url.as_str())
    }

    fn metadata(&self, sha: &Sha256, fetched_at: &str, preview: Option<PathBuf>) -> ModelMetadata {
        let file = self.file(sha);
        let file_is_vae = file.and_then(|f| f.file_type.as_deref()).is_some_and(|t| t.eq_ignore_ascii_case("vae"));
        ModelMetadata {
            provider: "civitai".into(),
            model_id: self.model_id,
            model_name: self.model_name.clone(),
            version_id: self.version_id,
            version_name: self.version_name.clone(),
            model_type: self.model_type.clone(),
            kind: if file_is_vae { AssetKind::Vae } else { kind_of(self.model_type.as_deref()) },
            base_model: self.base_model.clone(),
            trained_words: self.trained_words.clone(),
            nsfw_level: self.nsfw_level,
            file_id: file.and_then(|f| f.id),
            file_name: file.and_then(|f| f.name.clone()),
            preview,
            fetched_at: fetched_at.to_owned(),
        }
    }
}

/// Civitai's `model.type` as an asset kind (the original program's map, plus LyCORIS).
pub fn kind_of(model_type: Option<&str>) -> AssetKind {
    match model_type.map(str::to_ascii_lowercase).as_deref() {
        Some("checkpoint") => AssetKind::Checkpoint,
        Some("lora" | "locon" | "dora" | "lycoris") => AssetKind::Lora,
        Some("textualinversion") => AssetKind::Embedding,
        Some("vae") => AssetKind::Vae,
        Some("controlnet") => AssetKind::Controlnet,
        Some("upscaler") => AssetKind::Upscaler,
        _ => AssetKind::Unknown,
    }
}

/// A provider origin says where a model is from: Civitai ids or a Hugging Face repo
/// (a local file or a bare URL does not).
pub(crate) fn has_provider_origin(origin: Option<&Origin>) -> bool {
    let Some(o) = origin else { return false };
    let set = |v: &Option<Value>| v.as_ref().is_some_and(|v| !v.is_null());
    match o.provider.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("civitai") => set(&o.model_id) || set(&o.version_id),
        Some("huggingface") => o.repo_id.as_deref().is_some_and(|r| !r.is_empty()),
        _ => false,
    }
}

/// What the inventory shows per identified blob: `data/cache/metadata/index.json`
/// read once (one `stat` when no blob was ever identified). An unreadable index
/// is no metadata (it is a cache: the next identify rewrites it).
pub(crate) fn load_index(layout: &StoreLayout) -> HashMap<Sha256, ModelMetadata> {
    let file = index_file(layout);
    let Ok(tree) = layout.tree() else { return HashMap::new() };
    if !matches!(tree.stat(&file), Ok(Some(s)) if s.is_file()) {
        return HashMap::new();
    }
    let Ok(index) = tree.read_json::<Index>(&file) else { return HashMap::new() };
    let previews = previews_dir(layout);
    index
        .blobs
        .into_iter()
        .filter_map(|(k, mut m)| {
            let sha = Sha256::parse(&k).ok()?;
            // A name of ours (`<sha>.<ext>`), never a path: the index is a file anyone could edit.
            m.preview = m.preview.and_then(|p| safe_preview_name(&sha, p.to_str()?)).map(|n| previews.join(n));
            Some((sha, m))
        })
        .collect()
}

fn safe_preview_name(sha: &Sha256, name: &str) -> Option<String> {
    let ext = name.strip_prefix(sha.as_str())?.strip_prefix('.')?;
    IMAGE_EXTS.contains(&ext).then(|| name.to_owned())
}

/// `index.json`: the metadata of every found blob, previews as file names.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    blobs: BTreeMap<String, ModelMetadata>,
}

fn one() -> u32 {
    1
}

/// What one request to the API came to.
enum Asked {
    Found(Box<Answer>),
    NotFound,
}

enum AskError {
    /// Nothing answered (refused, no such host, connect timeout): stop the run.
    Offline(String),
    /// This hash failed; go on with the others.
    Failed(String),
    Cancelled,
}

/// The pause every worker honours after a 429, and the total waited.
struct Gate {
    not_before: Mutex<Instant>,
    waited: Mutex<Duration>,
}

impl Gate {
    fn new() -> Gate {
        Gate { not_before: Mutex::new(Instant::now()), waited: Mutex::new(Duration::ZERO) }
    }

    /// Sleeps until the pause is over (in small steps, so a cancel is noticed).
    fn wait(&self, cancel: &CancelToken) -> std::result::Result<(), AskError> {
        loop {
            if cancel.is_cancelled() {
                return Err(AskError::Cancelled);
            }
            let until = *self.not_before.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(Duration::from_millis(100)));
        }
    }

    /// Pauses everyone for `wait`; false when the run has waited too long already.
    fn defer(&self, wait: Duration) -> bool {
        let mut waited = self.waited.lock().unwrap_or_else(|e| e.into_inner());
        let mut until = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let new_until = now + wait;
        if new_until > *until {
            // Only the part beyond the pause already running adds to the total.
            let added = new_until - (*until).max(now);
            if *waited + added > MAX_TOTAL_WAIT {
                return false;
            }
            *waited += added;
            *until = new_until;
        }
        true
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
    Some(Duration::from_millis(ms.max(0) as u64))
}

fn api_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_recv_body(Some(RESPONSE_TIMEOUT))
        .max_redirects(3)
        .user_agent(concat!("synapse/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn offline_reason(e: &ureq::Error) -> Option<&'static str> {
    match e {
        ureq::Error::HostNotFound => Some("its name could not be found (DNS)"),
        ureq::Error::Io(io) if io.to_string().contains("lookup address") => Some("its name could not be found (DNS)"),
        ureq::Error::ConnectionFailed => Some("the connection could not be made"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => Some("the connection was refused"),
        ureq::Error::Io(io) if matches!(io.kind(), std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable) => {
            Some("the network is unreachable")
        }
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Some("it did not answer the connection in time"),
        _ => None,
    }
}

/// Asks the by-hash endpoint about `sha`, retrying after 429s.
fn ask(
    agent: &ureq::Agent,
    settings: &CivitaiSettings,
    sha: &Sha256,
    gate: &Gate,
    cancel: &CancelToken,
    requests: &Mutex<u64>,
) -> std::result::Result<Asked, AskError> {
    let url = settings.by_hash_url(sha);
    for attempt in 0..MAX_ATTEMPTS {
        gate.wait(cancel)?;
        let mut request = agent.get(&url).header("Accept", "application/json");
        if let Some(key) = &settings.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        *requests.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        let mut response = match request.call() {
            Ok(r) => r,
            Err(e) => {
                return Err(match offline_reason(&e) {
                    Some(why) => AskError::Offline(format!(
                        "Civitai ({}) could not be reached: {why}. This computer may be offline, or the address is wrong; nothing more was asked",
                        settings.base_url
                    )),
                    None => AskError::Failed(format!("the request failed: {e}")),
                })
            }
        };
        let status = response.status().as_u16();
        match status {
            200 => {
                let body = match response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec() {
                    Ok(b) => b,
                    Err(ureq::Error::BodyExceedsLimit(_)) => {
                        return Err(AskError::Failed(format!(
                            "Civitai's answer is larger than {} MiB, which no model version is: refused",
                            MAX_ANSWER_BYTES >> 20
                        )))
                    }
                    Err(e) => return Err(AskError::Failed(format!("the answer could not be read: {e}"))),
                };
                let value: Value = serde_json::from_slice(&body)
                    .map_err(|e| AskError::Failed(format!("Civitai's answer is not valid JSON ({e}); asked again next time")))?;
                return Answer::parse(&value)
                    .map(|a| Asked::Found(Box::new(a)))
                    .ok_or_else(|| AskError::Failed("Civitai's answer is not a model version (no id); asked again next time".into()));
            }
            404 => return Ok(Asked::NotFound),
            429 => {
                let header = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(retry_after);
                let wait = header.unwrap_or(Duration::from_secs(2u64 << attempt)).min(MAX_ONE_WAIT);
                if attempt + 1 == MAX_ATTEMPTS || !gate.defer(wait) {
                    break;
                }
            }
            401 | 403 => {
                return Err(AskError::Failed(format!(
                    "Civitai refused the request (HTTP {status}){}",
                    if settings.api_key.is_some() { ": check the API key" } else { "" }
                )))
            }
            _ => return Err(AskError::Failed(format!("Civitai answered HTTP {status}; asked again next time"))),
        }
    }
    Err(AskError::Failed(
        "Civitai kept answering 429 (too many requests) beyond the time Synapse waits: try again later, or set an API key".into(),
    ))
}

fn image_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_recv_body(Some(RESPONSE_TIMEOUT))
        .max_redirects(5)
        .user_agent(concat!("synapse/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn is_http(url: &str) -> bool {
    let l = url.to_ascii_lowercase();
    l.starts_with("https://") || l.starts_with("http://")
}

/// Downloads a preview image into `data/cache/previews/<sha>.<ext>`; the file name.
fn fetch_preview(agent: &ureq::Agent, tree: &Tree, layout: &StoreLayout, sha: &Sha256, url: &str) -> std::result::Result<String, String> {
    if !is_http(url) {
        return Err("the preview address is not http(s): not fetched".into());
    }
    let mut response = agent.get(url).call().map_err(|e| format!("the preview could not be fetched: {e}"))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("the preview server answered HTTP {status}"));
    }
    let mime = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if mime.starts_with("video/") {
        return Err("the preview is a video: not saved".into());
    }
    let from_mime = match mime.split(';').next().unwrap_or("").trim() {
        "image/jpeg" | "image/jpg" => Some("jpg"),
        "image/png" => Some("png"),
        "image/webp" => Some("webp"),
        "image/gif" => Some("gif"),
        "image/avif" => Some("avif"),
        _ => None,
    };
    let path_ext = url.split(['?', '#']).next().and_then(|p| p.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    let ext = from_mime
        .map(str::to_owned)
        .or_else(|| path_ext.filter(|e| IMAGE_EXTS.contains(&e.as_str())))
        .ok_or_else(|| format!("the preview is not an image ({})", if mime.is_empty() { "no type" } else { &mime }))?;
    let too_big = || format!("the preview is larger than {} MiB: not saved", MAX_PREVIEW_BYTES >> 20);
    if response.body().content_length().is_some_and(|n| n > MAX_PREVIEW_BYTES) {
        return Err(too_big());
    }
    let bytes = match response.body_mut().with_config().limit(MAX_PREVIEW_BYTES).read_to_vec() {
        Ok(b) => b,
        Err(ureq::Error::BodyExceedsLimit(_)) => return Err(too_big()),
        Err(e) => return Err(format!("the preview could not be read: {e}")),
    };
    let dir = previews_dir(layout);
    let name = format!("{sha}.{ext}");
    tree.write_atomic(&dir.join(&name), &bytes).map_err(|e| e.to_string())?;
    // One preview per blob: an earlier one of another type goes.
    for other in IMAGE_EXTS.iter().filter(|e| **e != ext) {
        let _ = tree.remove_file(&dir.join(format!("{sha}.{other}")));
    }
    Ok(name)
}

/// The plan of one blob before the network phase.
enum Step {
    Skip,
    Cached(Box<CacheEntry>),
    Ask,
}

/// What a worker found out about one blob.
struct Outcome {
    status: IdentifyStatus,
    source: Option<AnswerSource>,
    entry: Option<CacheEntry>,
    message: Option<String>,
    /// The manifest, when the worker that got the answer already wrote or completed it.
    manifest: Option<Result<Option<ManifestAction>>>,
}

fn read_cache(tree: &Tree, layout: &StoreLayout, sha: &Sha256) -> Option<CacheEntry> {
    let p = cache_file(layout, sha);
    tree.stat(&p).ok().flatten().filter(|s| s.is_file())?;
    tree.read_json::<CacheEntry>(&p).ok().filter(|e| &e.sha256 == sha && (e.not_found || e.answer.is_some()))
}

fn fresh_not_found(entry: &CacheEntry) -> bool {
    chrono::DateTime::parse_from_rfc3339(&entry.fetched_at)
        .is_ok_and(|t| chrono::Utc::now().signed_duration_since(t) < chrono::Duration::days(NOT_FOUND_RETRY_DAYS))
}

fn selected<'a>(inv: &'a Inventory, selection: &Selection) -> Result<Vec<&'a InventoryItem>> {
    Ok(match selection {
        Selection::Blobs(shas) => {
            let mut out: Vec<&InventoryItem> = Vec::with_capacity(shas.len());
            for sha in shas {
                let it = inv.get(sha).ok_or_else(|| Error::NoMatch { prefix: sha.to_string() })?;
                if !out.iter().any(|o| o.sha256 == it.sha256) {
                    out.push(it);
                }
            }
            out
        }
        Selection::Orphans => inv.items.iter().filter(|i| i.status == BlobStatus::Orphan).collect(),
        Selection::Unnamed => inv.items.iter().filter(|i| !has_provider_origin(i.origin.as_deref())).collect(),
        Selection::All => inv.items.iter().collect(),
    })
}

/// Identifies the selected blobs (see the module docs).
///
/// Errors: `invalid_argument` for a base URL that is not http(s); `not_found`
/// for a hash no blob has; `busy` when another operation holds the store lock; `cancelled` (what was learnt until then is cached and kept).
/// Offline, a failing API and hashes Civitai does not know are not errors:
/// the result says so.
pub fn identify(store: &Store, selection: &Selection, opts: &IdentifyOptions, ctl: Control) -> Result<IdentifyResult> {
    let started = Instant::now();
    let layout = store.layout();
    let settings = CivitaiSettings::resolve(&store.config()?)?;
    // Held for the run, like redownload: manifests are written as answers arrive.
    let _lock = store.lock("identify")?;
    let local = layout.blobs();
    let inv = inventory::build(store)?;
    let items = selected(&inv, selection)?;
    let tree = layout.tree()?;

    let steps: Vec<Step> = items
        .iter()
        .map(|it| {
            if !opts.refresh && has_provider_origin(it.origin.as_deref()) {
                return Step::Skip;
            }
            match read_cache(&tree, layout, &it.sha256) {
                Some(e) if !opts.refresh && (!e.not_found || fresh_not_found(&e)) => Step::Cached(Box::new(e)),
                _ => Step::Ask,
            }
        })
        .collect();
    let to_ask: Vec<usize> = steps.iter().enumerate().filter(|(_, s)| matches!(s, Step::Ask)).map(|(i, _)| i).collect();
    let tracker = Tracker::new(ctl, "identify", to_ask.len() as u64, 0);
    let outcomes: Vec<Mutex<Option<Outcome>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let requests = Mutex::new(0u64);
    let offline: Mutex<Option<String>> = Mutex::new(None);
    if !to_ask.is_empty() {
        tree.mkdirs(&metadata_dir(layout))?;
        let queue = Mutex::new(to_ask.iter().copied());
        let stop = AtomicBool::new(false);
        let gate = Gate::new();
        let (agent, images) = (api_agent(), image_agent());
        let (jobs_tx, jobs_rx) = mpsc::channel::<(usize, CacheEntry, String)>();
        let jobs_rx = Mutex::new(jobs_rx);
        let save = |i: usize, mut entry: CacheEntry, preview: Option<std::result::Result<String, String>>| {
            match preview {
                Some(Ok(name)) => entry.preview = Some(name),
                Some(Err(why)) => entry.preview_error = Some(why),
                None => {}
            }
            let written = tree.write_json_atomic(&cache_file(layout, &items[i].sha256), &entry);
            let status = if entry.not_found { IdentifyStatus::NotFound } else { IdentifyStatus::Found };
            let message = written.err().map(|e| format!("the answer could not be cached: {e}")).or_else(|| entry.preview_error.clone());
            // The manifest now, while other answers are on their way (the store lock is held).
            let manifest = entry.answer.as_ref().filter(|_| items[i].on_local).map(|a| {
                let sha = &items[i].sha256;
                complete_manifest(&local, sha, &a.metadata(sha, &entry.fetched_at, None))
            });
            *outcomes[i].lock().unwrap_or_else(|e| e.into_inner()) =
                Some(Outcome { status, source: Some(AnswerSource::Civitai), entry: Some(entry), message, manifest });
        };
        std::thread::scope(|s| {
            for _ in 0..MAX_IN_FLIGHT.min(to_ask.len()) {
                let jobs = jobs_tx.clone();
                let (queue, stop, gate, agent, tracker, offline, requests, save) =
                    (&queue, &stop, &gate, &agent, &tracker, &offline, &requests, &save);
                let (items, outcomes, settings) = (&items, &outcomes, &settings);
                s.spawn(move || loop {
                    if stop.load(Ordering::SeqCst) || ctl.cancel.is_cancelled() {
                        break;
                    }
                    let Some(i) = queue.lock().unwrap_or_else(|e| e.into_inner()).next() else { break };
                    let sha = &items[i].sha256;
                    tracker.start_item(&items[i].display_name);
                    let fetched_at = now_rfc3339();
                    match ask(agent, settings, sha, gate, ctl.cancel, requests) {
                        Ok(Asked::Found(answer)) => {
                            let url = answer.preview_url().map(str::to_owned);
                            let entry = CacheEntry {
                                sha256: sha.clone(),
                                fetched_at,
                                not_found: false,
                                answer: Some(*answer),
                                preview: None,
                                preview_error: None,
                            };
                            match url {
                                Some(url) => {
                                    let _ = jobs.send((i, entry, url));
                                }
                                None => save(i, entry, None),
                            }
                        }
                        Ok(Asked::NotFound) => {
                            let entry = CacheEntry {
                                sha256: sha.clone(),
                                fetched_at,
                                not_found: true,
                                answer: None,
                                preview: None,
                                preview_error: None,
                            };
                            save(i, entry, None);
                        }
                        Err(AskError::Offline(message)) => {
                            stop.store(true, Ordering::SeqCst);
                            offline.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(message);
                            break;
                        }
                        Err(AskError::Failed(message)) => {
                            *outcomes[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(Outcome {
                                status: IdentifyStatus::Failed,
                                source: None,
                                entry: None,
                                message: Some(message),
                                manifest: None,
                            });
                        }
                        Err(AskError::Cancelled) => break,
                    }
                    tracker.item_done();
                });
            }
            drop(jobs_tx);
            for _ in 0..MAX_IN_FLIGHT {
                let (jobs_rx, images, tree, save) = (&jobs_rx, &images, &tree, &save);
                let items = &items;
                s.spawn(move || loop {
                    let job = jobs_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((i, entry, url)) = job else { break };
                    // Cancelled: keep the answer, without its picture.
                    let preview = (!ctl.cancel.is_cancelled()).then(|| fetch_preview(images, tree, layout, &items[i].sha256, &url));
                    save(i, entry, preview);
                });
            }
        });
    }
    tracker.finish();

    // What was learnt, whatever stopped the run, is written: manifests and the index.
    let previews = previews_dir(layout);
    let mut index_changes: Vec<(Sha256, Option<ModelMetadata>)> = Vec::new();
    // Items (by position in the result) whose local blob may need its manifest written or completed.
    let mut manifest_work: Vec<usize> = Vec::new();
    let mut result = IdentifyResult {
        base_url: settings.base_url.clone(),
        api_key: settings.has_api_key(),
        items: Vec::with_capacity(items.len()),
        requests: *requests.lock().unwrap_or_else(|e| e.into_inner()),
        found: 0,
        not_found: 0,
        failed: 0,
        skipped: 0,
        not_asked: 0,
        from_cache: 0,
        manifests_written: 0,
        previews_saved: 0,
        offline: offline.into_inner().unwrap_or_else(|e| e.into_inner()),
        duration_ms: 0,
    };
    for ((it, step), outcome) in items.iter().zip(steps).zip(outcomes) {
        let outcome = match step {
            Step::Skip => Outcome {
                status: IdentifyStatus::Skipped,
                source: None,
                entry: None,
                message: Some("it already has a provider origin: a pack or its manifest says where it is from".into()),
                manifest: None,
            },
            Step::Cached(entry) => Outcome {
                status: if entry.not_found { IdentifyStatus::NotFound } else { IdentifyStatus::Found },
                source: Some(AnswerSource::Cache),
                entry: Some(*entry),
                message: None,
                manifest: None,
            },
            Step::Ask => outcome.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or(Outcome {
                status: IdentifyStatus::NotAsked,
                source: None,
                entry: None,
                message: Some(
                    if result.offline.is_some() { "not asked: Civitai could not be reached" } else { "not asked: cancelled" }.into(),
                ),
                manifest: None,
            }),
        };
        let mut item = IdentifyItem {
            sha256: it.sha256.clone(),
            display_name: it.display_name.clone(),
            kind: it.kind,
            status: outcome.status,
            source: outcome.source,
            metadata: None,
            manifest: None,
            message: outcome.message,
        };
        if let Some(entry) = &outcome.entry {
            if let Some(answer) = &entry.answer {
                let preview = entry.preview.as_deref().and_then(|p| safe_preview_name(&it.sha256, p));
                let meta = answer.metadata(&it.sha256, &entry.fetched_at, preview.as_ref().map(|p| previews.join(p)));
                if meta.kind != AssetKind::Unknown {
                    item.kind = meta.kind;
                }
                if outcome.source == Some(AnswerSource::Civitai) && preview.is_some() {
                    result.previews_saved += 1;
                }
                match outcome.manifest {
                    Some(Ok(Some(action))) => {
                        item.manifest = Some(action);
                        result.manifests_written += 1;
                    }
                    Some(Err(e)) => item.message = Some(format!("its manifest could not be written: {e}")),
                    Some(Ok(None)) => {}
                    None if it.on_local => manifest_work.push(result.items.len()),
                    None => {}
                }
                index_changes.push((it.sha256.clone(), Some(ModelMetadata { preview: preview.map(PathBuf::from), ..meta.clone() })));
                item.metadata = Some(meta);
            } else if outcome.source == Some(AnswerSource::Civitai) {
                index_changes.push((it.sha256.clone(), None));
            }
        }
        match item.status {
            IdentifyStatus::Found => result.found += 1,
            IdentifyStatus::NotFound => result.not_found += 1,
            IdentifyStatus::Failed => result.failed += 1,
            IdentifyStatus::Skipped => result.skipped += 1,
            IdentifyStatus::NotAsked => result.not_asked += 1,
        }
        if item.source == Some(AnswerSource::Cache) {
            result.from_cache += 1;
        }
        result.items.push(item);
    }
    // Manifests on several threads: each is an atomic write with two fsyncs, which a
    // journal commits together, and a thousand of them one after the other take seconds.
    let actions = in_parallel(&manifest_work, MANIFEST_WRITERS, |&i| {
        let item = &result.items[i];
        item.metadata.as_ref().map(|meta| complete_manifest(&local, &item.sha256, meta))
    });
    for (&i, action) in manifest_work.iter().zip(actions) {
        match action {
            Some(Ok(Some(action))) => {
                result.items[i].manifest = Some(action);
                result.manifests_written += 1;
            }
            Some(Err(e)) => result.items[i].message = Some(format!("its manifest could not be written: {e}")),
            Some(Ok(None)) | None => {}
        }
    }
    update_index(&tree, layout, index_changes)?;
    ctl.cancel.check()?;
    result.duration_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// Threads writing manifests at the end of a run.
const MANIFEST_WRITERS: usize = 8;

/// `f` of every input on up to `threads` threads, results in input order.
fn in_parallel<T: Sync, R: Send>(inputs: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out: Vec<Mutex<Option<R>>> = inputs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(inputs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                *out[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(f(input));
            });
        }
    });
    out.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()).expect("every input was mapped")).collect()
}

/// Writes a manifest for a blob without one, or adds what an existing one
/// lacks; never changes a field that is there. `None`: nothing to do.
fn complete_manifest(dir: &crate::store::layout::BlobDir, sha: &Sha256, meta: &ModelMetadata) -> Result<Option<ManifestAction>> {
    let tree = dir.tree()?;
    let path = dir.meta(sha);
    if !blobs::exists(dir, sha) {
        return Ok(None);
    }
    let origin = || {
        let mut extra = Extra::new();
        extra.insert("model_id".into(), meta.model_id.map_or(Value::Null, Value::from));
        extra.insert("version_id".into(), meta.version_id.map_or(Value::Null, Value::from));
        extra.insert("file_id".into(), meta.file_id.map_or(Value::Null, Value::from));
        extra.insert("filename".into(), meta.file_name.clone().map_or(Value::Null, Value::String));
        extra.insert("repo_id".into(), Value::Null);
        ManifestOrigin { provider: Some("civitai".into()), extra }
    };
    match tree.stat(&path)? {
        None => {
            // The original program requires a file name in every manifest: without one the answer names no file of this hash.
            let Some(name) = meta.file_name.clone() else { return Ok(None) };
            let manifest = BlobManifest {
                version: 1,
                created_at: Some(now_rfc3339()),
                original_filename: Some(name),
                kind: Some(meta.kind.as_str().to_owned()),
                origin: Some(origin()),
                extra: Extra::new(),
            };
            tree.write_json_atomic(&path, &manifest)?;
            Ok(Some(ManifestAction::Written))
        }
        Some(_) => {
            // Unreadable: left as it is (doctor reports it), never replaced.
            let Ok(mut m) = tree.read_json::<BlobManifest>(&path) else { return Ok(None) };
            let mut changed = false;
            if m.original_filename.as_deref().is_none_or(str::is_empty) && meta.file_name.is_some() {
                m.original_filename = meta.file_name.clone();
                changed = true;
            }
            if m.kind.is_none() && meta.kind != AssetKind::Unknown {
                m.kind = Some(meta.kind.as_str().to_owned());
                changed = true;
            }
            if m.origin.is_none() {
                m.origin = Some(origin());
                changed = true;
            }
            if !changed {
                return Ok(None);
            }
            tree.write_json_atomic(&path, &m)?;
            Ok(Some(ManifestAction::Completed))
        }
    }
}

/// Applies this run's answers to `index.json` (rebuilt from the cached
/// answers when it is missing or unreadable). Hold the store lock.
fn update_index(tree: &Tree, layout: &StoreLayout, changes: Vec<(Sha256, Option<ModelMetadata>)>) -> Result<()> {
    let file = index_file(layout);
    let existing = match tree.stat(&file)? {
        Some(s) if s.is_file() => tree.read_json::<Index>(&file).ok(),
        _ => None,
    };
    let mut index = match existing {
        Some(i) => i,
        None if changes.is_empty() => return Ok(()),
        None => rebuild_index(tree, layout)?,
    };
    let before = index.blobs.len();
    let mut changed = false;
    for (sha, meta) in changes {
        match meta {
            Some(m) => {
                changed |= index.blobs.get(sha.as_str()) != Some(&m);
                index.blobs.insert(sha.to_string(), m);
            }
            None => changed |= index.blobs.remove(sha.as_str()).is_some(),
        }
    }
    if changed || before != index.blobs.len() || tree.stat(&file)?.is_none() {
        tree.write_json_atomic(&file, &index)?;
    }
    Ok(())
}

fn rebuild_index(tree: &Tree, layout: &StoreLayout) -> Result<Index> {
    let dir = metadata_dir(layout);
    let mut index = Index { version: 1, blobs: BTreeMap::new() };
    for e in tree.read_dir(&dir)? {
        let Some(sha) = e.name_str().and_then(|n| n.strip_suffix(".json")).and_then(|n| Sha256::parse(n).ok()) else { continue };
        let Some(entry) = read_cache(tree, layout, &sha) else { continue };
        if let Some(answer) = &entry.answer {
            let preview = entry.preview.as_deref().and_then(|p| safe_preview_name(&sha, p)).map(PathBuf::from);
            index.blobs.insert(sha.to_string(), answer.metadata(&sha, &entry.fetched_at, preview));
        }
    }
    Ok(index)
}

/// The cached metadata of one blob (the blob detail's trigger words and preview), without a request.
pub fn cached(layout: &StoreLayout, sha: &Sha256) -> Option<ModelMetadata> {
    let tree = layout.tree().ok()?;
    let entry = read_cache(&tree, layout, sha)?;
    let preview = entry.preview.as_deref().and_then(|p| safe_preview_name(sha, p)).map(|p| previews_dir(layout).join(p));
    entry.answer.map(|a| a.metadata(sha, &entry.fetched_at, preview))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after(" 3 "), Some(Duration::from_secs(3)));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let d = retry_after(&later).unwrap();
        assert!(d > Duration::from_secs(25) && d <= Duration::from_secs(31), "{d:?}");
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn model_types_map_to_kinds() {
        assert_eq!(kind_of(Some("LORA")), AssetKind::Lora);
        assert_eq!(kind_of(Some("LoCon")), AssetKind::Lora);
        assert_eq!(kind_of(Some("TextualInversion")), AssetKind::Embedding);
        assert_eq!(kind_of(Some("Checkpoint")), AssetKind::Checkpoint);
        assert_eq!(kind_of(Some("Poses")), AssetKind::Unknown);
        assert_eq!(kind_of(None), AssetKind::Unknown);
    }

    #[test]
    fn the_gate_bounds_the_total_wait() {
        let g = Gate::new();
        assert!(g.defer(Duration::from_secs(100)));
        // The same pause again adds nothing.
        assert!(g.defer(Duration::from_secs(100)));
        assert!(!g.defer(MAX_TOTAL_WAIT + Duration::from_secs(1)));
    }

    #[test]
    fn a_preview_name_in_the_index_is_never_a_path() {
        let sha = Sha256::parse(&"ab".repeat(32)).unwrap();
        assert!(safe_preview_name(&sha, &format!("{sha}.jpg")).is_some());
        assert!(safe_preview_name(&sha, &format!("{sha}.jpg/../../x")).is_none());
        assert!(safe_preview_name(&sha, "/etc/passwd").is_none());
        assert!(safe_preview_name(&sha, &format!("{sha}.sh")).is_none());
    }
}
