//! From a workflow to the models it needs (SPEC §3.15): read a ComfyUI
//! workflow (UI or API format, as JSON or embedded in a PNG) or an
//! Automatic1111/Forge infotext, list the model files it names, and match each
//! against the store's inventory — by hash first, then by file name and kind.
//!
//! The input is hostile: a file over [`MAX_FILE_BYTES`] or JSON nested deeper
//! than [`MAX_JSON_DEPTH`] is refused before it is parsed, and the names a
//! workflow gives are only ever compared, never joined to a path. A name with
//! `..` components, an absolute path or control characters is shown
//! sanitised and reported as such.
//!
//! Loader nodes map to asset kinds through [`LoaderTable`]: the table of
//! SPEC §3.15, extended by `config.json` `workflow.loaders` for custom nodes.
//! A node the table does not know whose values look like model file names is
//! reported as `unrecognised`.
//!
//! Hashes: a workflow's `hash` (`hash_type` `sha256`, full or a prefix of at
//! least 10 hex) and A1111's `Model hash` (AutoV2, the first 10 hex of the
//! SHA-256) are matched against the blobs' hashes. `Lora hashes` are AutoV3
//! (a hash of the file after its safetensors header) which the store does not
//! keep yet: they are parsed and shown, and the LoRAs are matched by name, saying so.

pub mod workflow_use;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory::{self, Inventory};
use crate::results::InventoryItem;
use crate::store::schema::ConfigFile;
use crate::store::Store;
use crate::target::LOCAL;
use crate::vocab::AssetKind;

/// Largest workflow file (JSON, PNG or text) that is read at all.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Deepest nesting of `[`/`{` accepted in workflow JSON (real workflows stay below 15).
pub(crate) const MAX_JSON_DEPTH: usize = 64;
/// Longest name shown for one model; longer ones are cut and reported.
const MAX_NAME_CHARS: usize = 512;
/// Extensions of model files: what makes an unknown node's value worth reporting.
pub(crate) const MODEL_EXTENSIONS: [&str; 6] = [".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf"];
/// Shortest hash prefix matched against blob hashes (AutoV2's length).
const MIN_HASH_PREFIX: usize = 10;
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

// ---------------------------------------------------------------------------
// Wire types
// ---------------------------------------------------------------------------

/// What kind of document the file held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WorkflowFormat {
    /// ComfyUI's UI format (`nodes[]`, as saved by the menu or the `workflow` PNG chunk).
    ComfyuiUi,
    /// ComfyUI's API format (`{id: {class_type, inputs}}`, the `prompt` PNG chunk).
    ComfyuiApi,
    /// Automatic1111/Forge generation parameters (`parameters` PNG chunk or pasted text).
    Infotext,
}

/// Where a model the workflow needs stands (SPEC §3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// A good copy is in the local store.
    Present,
    /// Only backup targets hold it (`on_targets` names them): it can be restored.
    OnBackup,
    /// Nowhere here, but a URL is known (the workflow's or a pack lock's).
    Downloadable,
    Missing,
    /// Several blobs fit (`candidates` lists them).
    Ambiguous,
    /// A node Synapse does not know names what looks like a model file.
    Unrecognised,
}

impl ModelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Present => "present",
            ModelStatus::OnBackup => "on_backup",
            ModelStatus::Downloadable => "downloadable",
            ModelStatus::Missing => "missing",
            ModelStatus::Ambiguous => "ambiguous",
            ModelStatus::Unrecognised => "unrecognised",
        }
    }
}

/// Which hash a workflow gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    /// SHA-256 of the file, full or a prefix.
    Sha256,
    /// The first 10 hex of the SHA-256 (A1111 `Model hash`, Civitai AutoV2).
    AutoV2,
    /// 12 hex of the SHA-256 of a safetensors file after its header (A1111 `Lora hashes`).
    AutoV3,
    /// Anything else (A1111's old 8-hex hash, another algorithm): not checked.
    Other,
}

/// A hash the workflow gives for a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowHash {
    /// Lower-case, as far as it is hex; otherwise as written (sanitised).
    pub value: String,
    pub algorithm: HashAlgorithm,
    /// Whether it was compared with the blobs' hashes.
    pub checked: bool,
}

/// How a blob was found for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Hash,
    Name,
}

/// Where a known URL comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UrlSource {
    Workflow,
    PackLock,
}

/// A node (or infotext field) that names a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodeRef {
    /// The node's id (`None` for infotext and workflow-level model lists).
    pub id: Option<String>,
    /// The node's type (`class_type`), or the infotext field (`Model`, `VAE`, `<lora>`, `Lora hashes`).
    pub node: String,
    /// The input or widget that holds the name, when known.
    pub input: Option<String>,
}

/// A blob the resolver considered for a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Candidate {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub matched_by: MatchedBy,
    /// A good copy is in the local store.
    pub on_local: bool,
    /// Backup targets with a good copy.
    pub on_targets: Vec<String>,
    /// Why it was not taken (another hash, another kind); `None` when it fits.
    pub rejected: Option<String>,
}

/// The blob a model resolved to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MatchedBlob {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    pub matched_by: MatchedBy,
}

/// One model the workflow needs, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequiredModel {
    /// The name the workflow uses (sub-folders kept, `/`-separated), sanitised for display.
    pub name: String,
    /// Set when the name as written was unsafe or unprintable (`..`, absolute, control characters, too long): what was wrong.
    pub name_warning: Option<String>,
    pub kind: AssetKind,
    pub status: ModelStatus,
    /// Every node that names it, in workflow order.
    pub used_by: Vec<NodeRef>,
    pub hash: Option<WorkflowHash>,
    pub url: Option<String>,
    pub url_source: Option<UrlSource>,
    /// The model folder the workflow names (`properties.models[].directory`), sanitised.
    pub directory: Option<String>,
    pub blob: Option<MatchedBlob>,
    /// Backup targets holding a good copy of the matched blob.
    pub on_targets: Vec<String>,
    /// With `--ui NAME`: whether the matched blob is linked into that UI now (present models only).
    pub linked: Option<bool>,
    /// Every blob considered, taken or not.
    pub candidates: Vec<Candidate>,
    pub notes: Vec<String>,
}

/// How many models have each status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusCounts {
    pub present: u64,
    pub on_backup: u64,
    pub downloadable: u64,
    pub missing: u64,
    pub ambiguous: u64,
    pub unrecognised: u64,
}

/// `workflow check`: which models a workflow needs and which the store has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowCheck {
    pub file: String,
    pub format: WorkflowFormat,
    /// The workflow was read from a PNG's text chunk.
    pub from_png: bool,
    /// The UI target of `--ui`, whose links `linked` reports.
    pub ui: Option<String>,
    pub models: Vec<RequiredModel>,
    pub counts: StatusCounts,
    /// Every model is present (and, with `--ui`, linked into that UI).
    pub all_present: bool,
    /// What was odd about the file itself (a chunk that could not be read, a loader rule of config.json that was skipped).
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------
// The loader table
// ---------------------------------------------------------------------------

/// One loader node input that names a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderRule {
    pub node: String,
    pub input: String,
    pub kind: AssetKind,
    /// Position in a UI-format node's `widgets_values`; `None`: every value that looks like a model file.
    pub index: Option<usize>,
}

/// The loader nodes of ComfyUI and common node packs (SPEC §3.15): node type,
/// input, kind, widget position in the UI format. `clip_vision`, style and
/// GLIGEN models have no asset kind of their own yet: `unknown`, matched by name.
const BUILTIN_LOADERS: &[(&str, &str, AssetKind, usize)] = {
    use AssetKind as K;
    &[
        ("CheckpointLoaderSimple", "ckpt_name", K::Checkpoint, 0),
        ("CheckpointLoader", "ckpt_name", K::Checkpoint, 1),
        ("ImageOnlyCheckpointLoader", "ckpt_name", K::Checkpoint, 0),
        ("unCLIPCheckpointLoader", "ckpt_name", K::Checkpoint, 0),
        ("LoraLoader", "lora_name", K::Lora, 0),
        ("LoraLoaderModelOnly", "lora_name", K::Lora, 0),
        ("VAELoader", "vae_name", K::Vae, 0),
        ("ControlNetLoader", "control_net_name", K::Controlnet, 0),
        ("DiffControlNetLoader", "control_net_name", K::Controlnet, 1),
        ("UpscaleModelLoader", "model_name", K::Upscaler, 0),
        ("CLIPLoader", "clip_name", K::TextEncoder, 0),
        ("DualCLIPLoader", "clip_name1", K::TextEncoder, 0),
        ("DualCLIPLoader", "clip_name2", K::TextEncoder, 1),
        ("TripleCLIPLoader", "clip_name1", K::TextEncoder, 0),
        ("TripleCLIPLoader", "clip_name2", K::TextEncoder, 1),
        ("TripleCLIPLoader", "clip_name3", K::TextEncoder, 2),
        ("UNETLoader", "unet_name", K::DiffusionModel, 0),
        ("UnetLoaderGGUF", "unet_name", K::DiffusionModel, 0),
        ("CLIPLoaderGGUF", "clip_name", K::TextEncoder, 0),
        ("DualCLIPLoaderGGUF", "clip_name1", K::TextEncoder, 0),
        ("DualCLIPLoaderGGUF", "clip_name2", K::TextEncoder, 1),
        ("CLIPVisionLoader", "clip_name", K::Unknown, 0),
        ("StyleModelLoader", "style_model_name", K::Unknown, 0),
        ("GLIGENLoader", "gligen_name", K::Unknown, 0),
        ("HypernetworkLoader", "hypernetwork_name", K::Unknown, 0),
        ("PhotoMakerLoader", "photomaker_model_name", K::Unknown, 0),
    ]
};

/// Nodes whose text is prose, not a model name.
const TEXT_NODES: [&str; 2] = ["Note", "MarkdownNote"];

/// Which node inputs name model files, by node type.
#[derive(Debug, Clone)]
pub struct LoaderTable {
    rules: Vec<LoaderRule>,
}

impl LoaderTable {
    /// The built-in table of SPEC §3.15.
    pub(crate) fn builtin() -> LoaderTable {
        let rules = BUILTIN_LOADERS
            .iter()
            .map(|&(node, input, kind, index)| LoaderRule { node: node.to_owned(), input: input.to_owned(), kind, index: Some(index) })
            .collect();
        LoaderTable { rules }
    }

    /// The built-in table extended (and, for the same node and input, overridden)
    /// by `config.json` `workflow.loaders`. Rules without a node or input are
    /// skipped and reported.
    pub(crate) fn from_config(config: &ConfigFile) -> (LoaderTable, Vec<String>) {
        let mut table = LoaderTable::builtin();
        let mut warnings = Vec::new();
        for (i, r) in config.workflow.iter().flat_map(|w| w.loaders.iter()).enumerate() {
            if r.node.trim().is_empty() || r.input.trim().is_empty() {
                warnings.push(format!("config.json workflow.loaders[{i}] has no node or no input: skipped"));
                continue;
            }
            let kind = r.kind.as_deref().map(AssetKind::parse_loose).unwrap_or(AssetKind::Unknown);
            table.add(LoaderRule { node: r.node.clone(), input: r.input.clone(), kind, index: r.index });
        }
        (table, warnings)
    }

    /// Adds a rule, replacing one for the same node and input.
    pub fn add(&mut self, rule: LoaderRule) {
        match self.rules.iter_mut().find(|r| r.node == rule.node && r.input == rule.input) {
            Some(r) => *r = rule,
            None => self.rules.push(rule),
        }
    }

    /// The rules of a node type.
    pub(crate) fn rules_for<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a LoaderRule> + 'a {
        self.rules.iter().filter(move |r| r.node == node)
    }

    fn knows(&self, node: &str) -> bool {
        self.rules.iter().any(|r| r.node == node)
    }
}

// ---------------------------------------------------------------------------
// Reading a workflow
// ---------------------------------------------------------------------------

/// A model name as a workflow gives it, before matching.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// Sanitised name (see [`sanitise_name`]).
    pub name: String,
    pub name_warning: Option<String>,
    pub kind: AssetKind,
    /// Named by a loader the table knows (or declared in a model list), as opposed to guessed from an unknown node.
    pub recognised: bool,
    pub used_by: Vec<NodeRef>,
    pub hash: Option<WorkflowHash>,
    pub url: Option<String>,
    pub directory: Option<String>,
}

/// What [`read`] found in a file.
#[derive(Debug, Clone)]
pub struct ParsedWorkflow {
    pub format: WorkflowFormat,
    pub from_png: bool,
    pub requirements: Vec<Requirement>,
    pub warnings: Vec<String>,
}

/// Reads a workflow file: ComfyUI JSON (UI or API format), a PNG with a
/// `workflow`, `prompt` or `parameters` text chunk, or infotext.
pub fn read(path: &Path, table: &LoaderTable) -> Result<ParsedWorkflow> {
    let bytes = read_bounded(path)?;
    parse(&bytes, path, table)
}

/// The file's bytes, refused beyond [`MAX_FILE_BYTES`] (checked on the open
/// file, and again while reading, so a file that grows is refused too).
fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(Error::io("open", path))?;
    let meta = file.metadata().map_err(Error::io("read", path))?;
    if !meta.is_file() {
        return Err(Error::NotAFile { path: path.to_path_buf() });
    }
    let too_big = || Error::InvalidWorkflow {
        path: path.to_path_buf(),
        reason: format!("it is larger than {} MiB, far more than any workflow; nothing was read", MAX_FILE_BYTES >> 20),
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(Error::io("read", path))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Parses a workflow held in memory (`path` names it in errors).
pub fn parse(bytes: &[u8], path: &Path, table: &LoaderTable) -> Result<ParsedWorkflow> {
    let invalid = |reason: String| Error::InvalidWorkflow { path: path.to_path_buf(), reason };
    if bytes.starts_with(&PNG_SIGNATURE) {
        return parse_png(bytes, path, table);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| invalid("it is neither a PNG nor UTF-8 text (JSON or infotext)".into()))?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        let v = parse_json(text, path)?;
        let mut w = parse_comfy(&v, table).ok_or_else(|| {
            invalid(
                "the JSON is neither ComfyUI's UI format (\"nodes\": [...]) nor its API format ({id: {\"class_type\", \"inputs\"}})".into(),
            )
        })?;
        finish(&mut w.requirements);
        return Ok(w);
    }
    match parse_infotext(text) {
        Some(mut reqs) => {
            finish(&mut reqs);
            Ok(ParsedWorkflow { format: WorkflowFormat::Infotext, from_png: false, requirements: reqs, warnings: Vec::new() })
        }
        None => Err(invalid(
            "it is not JSON, not a PNG, and not A1111/Forge infotext (no \"Model hash:\", \"Model:\", \"Lora hashes:\" or <lora:...> in it)".into(),
        )),
    }
}

/// JSON with its nesting checked first: serde's own limit would answer with
/// a recursion error deep in a hostile file.
fn parse_json(text: &str, path: &Path) -> Result<Value> {
    if let Some(at) = too_deep(text.as_bytes(), MAX_JSON_DEPTH) {
        return Err(Error::InvalidWorkflow {
            path: path.to_path_buf(),
            reason: format!("its JSON is nested more than {MAX_JSON_DEPTH} levels deep (at byte {at}); real workflows are not"),
        });
    }
    serde_json::from_str(text)
        .map_err(|e| Error::InvalidWorkflow { path: path.to_path_buf(), reason: format!("its JSON is malformed: {e}") })
}

/// The offset where `[`/`{` nesting first exceeds `max`, outside strings.
fn too_deep(bytes: &[u8], max: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The text chunks of a PNG, read by the `png` crate: `workflow` (UI
/// format) first, then `prompt` (API format), then `parameters` (infotext).
fn parse_png(bytes: &[u8], path: &Path, table: &LoaderTable) -> Result<ParsedWorkflow> {
    let invalid = |reason: String| Error::InvalidWorkflow { path: path.to_path_buf(), reason };
    let limits = png::Limits { bytes: MAX_FILE_BYTES as usize };
    let mut reader = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits)
        .read_info()
        .map_err(|e| invalid(format!("it is not a readable PNG: {e}")))?;
    // Text chunks after the image data are read by finishing the file; an
    // image that fails to decode still gives the chunks found before it.
    let _ = reader.finish();
    let texts = png_texts(reader.info());
    let mut warnings = Vec::new();
    let chunk = |key: &str| texts.iter().find(|(k, _)| k == key).map(|(_, t)| t.as_str());
    for key in ["workflow", "prompt"] {
        let Some(text) = chunk(key) else { continue };
        let found = parse_json(text.trim_start(), path).map(|v| parse_comfy(&v, table));
        match found {
            Ok(Some(mut w)) => {
                finish(&mut w.requirements);
                w.from_png = true;
                w.warnings.extend(warnings);
                return Ok(w);
            }
            Ok(None) => warnings.push(format!("the PNG's {key:?} chunk is not a ComfyUI workflow")),
            // A hostile or broken chunk is skipped, and named if nothing else can be read.
            Err(Error::InvalidWorkflow { reason, .. }) => warnings.push(format!("the PNG's {key:?} chunk was not read: {reason}")),
            Err(e) => return Err(e),
        }
    }
    if let Some(mut reqs) = chunk("parameters").and_then(parse_infotext) {
        finish(&mut reqs);
        return Ok(ParsedWorkflow { format: WorkflowFormat::Infotext, from_png: true, requirements: reqs, warnings });
    }
    let mut reason = "the PNG has no \"workflow\", \"prompt\" or \"parameters\" text chunk (many sites strip them; the original file from ComfyUI or A1111/Forge has them)".to_owned();
    if !warnings.is_empty() {
        reason = format!("{reason}; {}", warnings.join("; "));
    }
    Err(invalid(reason))
}

/// Every text chunk (tEXt, zTXt, iTXt) as keyword and text; compressed ones
/// are inflated up to the file-size limit, a chunk that fails is left out.
fn png_texts(info: &png::Info) -> Vec<(String, String)> {
    let limit = MAX_FILE_BYTES as usize;
    let mut out = Vec::new();
    for t in &info.uncompressed_latin1_text {
        out.push((t.keyword.clone(), latin1_or_utf8(&t.text)));
    }
    for z in &info.compressed_latin1_text {
        let mut z = z.clone();
        if z.decompress_text_with_limit(limit).is_ok() {
            if let Ok(text) = z.get_text() {
                out.push((z.keyword.clone(), latin1_or_utf8(&text)));
            }
        }
    }
    for i in &info.utf8_text {
        let mut i = i.clone();
        if i.decompress_text_with_limit(limit).is_ok() {
            if let Ok(text) = i.get_text() {
                out.push((i.keyword.clone(), text));
            }
        }
    }
    out
}

/// tEXt is Latin-1 by the PNG spec, but some writers put UTF-8 bytes there:
/// when the Latin-1 reading maps back to valid UTF-8, that is what was meant.
fn latin1_or_utf8(text: &str) -> String {
    if text.is_ascii() || text.chars().any(|c| c as u32 > 0xff) {
        return text.to_owned();
    }
    let raw: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(raw).unwrap_or_else(|_| text.to_owned())
}

/// A ComfyUI workflow in either format, or `None` when the JSON is neither.
fn parse_comfy(v: &Value, table: &LoaderTable) -> Option<ParsedWorkflow> {
    let obj = v.as_object()?;
    if obj.get("nodes").is_some_and(Value::is_array) {
        return Some(ParsedWorkflow {
            format: WorkflowFormat::ComfyuiUi,
            from_png: false,
            requirements: parse_ui(v, table),
            warnings: Vec::new(),
        });
    }
    // A request body (`{"prompt": {...}, "client_id": ...}`) carries the API format inside.
    let api = match obj.get("prompt").and_then(Value::as_object) {
        Some(inner) if is_api(inner) => inner,
        _ if is_api(obj) => obj,
        _ => return None,
    };
    Some(ParsedWorkflow { format: WorkflowFormat::ComfyuiApi, from_png: false, requirements: parse_api(api, table), warnings: Vec::new() })
}

fn is_api(obj: &serde_json::Map<String, Value>) -> bool {
    !obj.is_empty() && obj.values().all(|n| n.get("class_type").is_some_and(Value::is_string))
}

fn node_id(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(sanitise_name(s).0),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The UI format: `nodes[]` (and the nodes of `definitions.subgraphs[]`), their
/// `widgets_values`, and the `properties.models[]` lists (per node and top-level `models[]`).
fn parse_ui(v: &Value, table: &LoaderTable) -> Vec<Requirement> {
    let mut nodes: Vec<&Value> = v["nodes"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    if let Some(subgraphs) = v.get("definitions").and_then(|d| d.get("subgraphs")).and_then(Value::as_array) {
        nodes.extend(subgraphs.iter().filter_map(|s| s.get("nodes").and_then(Value::as_array)).flatten());
    }
    let mut reqs = Vec::new();
    let mut hints: Vec<(Option<NodeRef>, &Value)> = Vec::new();
    for node in nodes {
        let Some(ty) = node.get("type").and_then(Value::as_str) else { continue };
        let id = node_id(node.get("id"));
        let at = |input: Option<&str>| NodeRef { id: id.clone(), node: sanitise_name(ty).0, input: input.map(str::to_owned) };
        let widgets = node.get("widgets_values");
        if table.knows(ty) {
            for rule in table.rules_for(ty) {
                let values: Vec<&str> = match widgets {
                    Some(Value::Object(m)) => m.get(&rule.input).and_then(Value::as_str).into_iter().collect(),
                    Some(Value::Array(a)) => match rule.index {
                        Some(i) => a.get(i).and_then(Value::as_str).into_iter().collect(),
                        None => a.iter().filter_map(Value::as_str).filter(|s| looks_like_model_file(s)).collect(),
                    },
                    _ => Vec::new(),
                };
                for s in values.into_iter().filter(|s| !s.trim().is_empty()) {
                    reqs.push(requirement(s, rule.kind, true, at(Some(&rule.input))));
                }
            }
        } else if !TEXT_NODES.contains(&ty) {
            let values: Vec<(Option<&str>, &str)> = match widgets {
                Some(Value::Object(m)) => m.iter().filter_map(|(k, v)| Some((Some(k.as_str()), v.as_str()?))).collect(),
                Some(Value::Array(a)) => a.iter().filter_map(|v| Some((None, v.as_str()?))).collect(),
                _ => Vec::new(),
            };
            for (input, s) in values.into_iter().filter(|(_, s)| looks_like_model_file(s)) {
                reqs.push(requirement(s, AssetKind::Unknown, false, at(input)));
            }
        }
        if let Some(models) = node.get("properties").and_then(|p| p.get("models")).and_then(Value::as_array) {
            hints.extend(models.iter().map(|m| (Some(at(None)), m)));
        }
    }
    if let Some(models) = v.get("models").and_then(Value::as_array) {
        hints.extend(models.iter().map(|m| (None, m)));
    }
    for (at, m) in hints {
        apply_hint(&mut reqs, at, m);
    }
    reqs
}

/// One entry of a `models[]` list (`{name, url, hash, hash_type, directory}`):
/// its hash and URL go to the requirement of that file name (the node's own
/// first); an entry no widget names is a requirement of its own.
fn apply_hint(reqs: &mut Vec<Requirement>, at: Option<NodeRef>, m: &Value) {
    let Some(raw) = m.get("name").and_then(Value::as_str).filter(|s| !s.trim().is_empty()) else { return };
    let str_of = |k: &str| m.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let hash = str_of("hash").map(|h| workflow_hash(h, str_of("hash_type")));
    let url = str_of("url").map(sanitise_text);
    let directory = str_of("directory").map(|d| sanitise_name(d).0);
    let (name, _) = sanitise_name(raw);
    let key = file_key(&name);
    let same_node = |r: &Requirement| at.as_ref().is_some_and(|a| r.used_by.iter().any(|u| u.id == a.id && u.node == a.node));
    let pos = reqs
        .iter()
        .position(|r| file_key(&r.name) == key && same_node(r))
        .or_else(|| reqs.iter().position(|r| file_key(&r.name) == key && r.hash.is_none() && r.url.is_none()))
        .or_else(|| reqs.iter().position(|r| file_key(&r.name) == key));
    let kind_of_dir = directory.as_deref().and_then(|d| crate::ui_targets::kind_of_folder(d.rsplit('/').next().unwrap_or(d)));
    match pos {
        Some(i) => {
            let r = &mut reqs[i];
            r.hash = r.hash.take().or(hash);
            r.url = r.url.take().or(url);
            r.directory = r.directory.take().or(directory);
            if r.kind == AssetKind::Unknown {
                r.kind = kind_of_dir.unwrap_or(AssetKind::Unknown);
            }
            // Declared as a model by the workflow itself: not a guess.
            r.recognised = true;
        }
        None => {
            let mut r = requirement(
                raw,
                kind_of_dir.unwrap_or(AssetKind::Unknown),
                true,
                at.unwrap_or(NodeRef { id: None, node: "models".into(), input: None }),
            );
            r.hash = hash;
            r.url = url;
            r.directory = directory;
            reqs.push(r);
        }
    }
}

/// The API format: `{id: {class_type, inputs: {name: value}}}`; links between
/// nodes (`[id, slot]`) are not strings and are skipped.
fn parse_api(obj: &serde_json::Map<String, Value>, table: &LoaderTable) -> Vec<Requirement> {
    let mut reqs = Vec::new();
    for (id, node) in obj {
        let Some(ty) = node.get("class_type").and_then(Value::as_str) else { continue };
        let Some(inputs) = node.get("inputs").and_then(Value::as_object) else { continue };
        let at = |input: &str| NodeRef { id: Some(sanitise_name(id).0), node: sanitise_name(ty).0, input: Some(sanitise_name(input).0) };
        if table.knows(ty) {
            for rule in table.rules_for(ty) {
                if let Some(s) = inputs.get(&rule.input).and_then(Value::as_str).filter(|s| !s.trim().is_empty()) {
                    reqs.push(requirement(s, rule.kind, true, at(&rule.input)));
                }
            }
        } else if !TEXT_NODES.contains(&ty) {
            for (k, v) in inputs {
                if let Some(s) = v.as_str().filter(|s| looks_like_model_file(s)) {
                    reqs.push(requirement(s, AssetKind::Unknown, false, at(k)));
                }
            }
        }
    }
    reqs
}

/// A1111/Forge infotext: the prompt's `<lora:name:w>` (and `<lyco:…>`) tags
/// and the parameters line's `Model hash`, `Model`, `VAE hash`, `VAE` and
/// `Lora hashes`. `None` when the text has none of them.
fn parse_infotext(text: &str) -> Option<Vec<Requirement>> {
    let lines: Vec<&str> = text.lines().collect();
    // The parameters are the last line with `key: value` pairs that A1111 writes (`Steps:` is always there).
    let params_at = lines.iter().rposition(|l| l.contains("Steps: ") || l.contains("Model hash: ") || l.contains("Model: "));
    let params = params_at.map(|i| parse_params(lines[i])).unwrap_or_default();
    let prompt_end = lines.iter().position(|l| l.starts_with("Negative prompt:")).or(params_at).unwrap_or(lines.len());
    let prompt = lines[..prompt_end].join("\n");
    let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let field = |name: &str, input: &str| NodeRef { id: None, node: name.to_owned(), input: Some(input.to_owned()) };

    let mut reqs = Vec::new();
    for (name_key, hash_key, kind) in [("Model", "Model hash", AssetKind::Checkpoint), ("VAE", "VAE hash", AssetKind::Vae)] {
        let (name, hash) = (get(name_key), get(hash_key));
        if name.is_none() && hash.is_none() {
            continue;
        }
        let hash = hash.map(infotext_model_hash);
        let shown = name.map(str::to_owned).unwrap_or_else(|| hash.as_ref().map(|h| h.value.clone()).unwrap_or_default());
        let mut r = requirement(&shown, kind, true, field("infotext", name_key));
        r.hash = hash;
        reqs.push(r);
    }
    let lora_hashes: Vec<(String, String)> = get("Lora hashes").map(parse_lora_hashes).unwrap_or_default();
    let mut loras: Vec<(String, NodeRef)> = lora_tags(&prompt).into_iter().map(|n| (n, field("infotext", "<lora>"))).collect();
    for (n, _) in &lora_hashes {
        if !loras.iter().any(|(l, _)| l.eq_ignore_ascii_case(n)) {
            loras.push((n.clone(), field("infotext", "Lora hashes")));
        }
    }
    for (name, at) in loras {
        let mut r = requirement(&name, AssetKind::Lora, true, at);
        r.hash = lora_hashes.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)).map(|(_, h)| WorkflowHash {
            value: hex_or_sanitised(h),
            algorithm: HashAlgorithm::AutoV3,
            checked: false,
        });
        reqs.push(r);
    }
    (!reqs.is_empty()).then_some(reqs)
}

/// `key: value, key: "quoted, value", …` as A1111 writes its parameters line.
fn parse_params(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(colon) = rest.find(": ") {
        let key = rest[..colon].trim().to_owned();
        rest = &rest[colon + 2..];
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in quoted.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.unwrap_or(quoted.len());
            value = quoted[..end].replace("\\\"", "\"");
            rest = quoted.get(end + 1..).unwrap_or("");
            rest = rest.trim_start().strip_prefix(',').unwrap_or(rest);
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = rest.get(end + 1..).unwrap_or("");
        }
        out.push((key, value));
    }
    out
}

/// `name: hash, name: hash` of `Lora hashes`.
fn parse_lora_hashes(v: &str) -> Vec<(String, String)> {
    v.split(',')
        .filter_map(|pair| {
            let (n, h) = pair.rsplit_once(':')?;
            let (n, h) = (n.trim(), h.trim());
            (!n.is_empty() && !h.is_empty()).then(|| (n.to_owned(), h.to_owned()))
        })
        .collect()
}

/// The names of `<lora:name:weight>` and `<lyco:name:weight>` tags.
fn lora_tags(prompt: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = prompt;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        let Some((prefix, body)) = tag.split_once(':') else { continue };
        if !matches!(prefix.trim().to_ascii_lowercase().as_str(), "lora" | "lyco") {
            continue;
        }
        // `name:weight` or `name:te:unet`: the weights are the trailing numeric parts.
        let mut parts: Vec<&str> = body.split(':').collect();
        while parts.len() > 1 && parts.last().is_some_and(|p| p.trim().parse::<f64>().is_ok()) {
            parts.pop();
        }
        let name = parts.join(":").trim().to_owned();
        if !name.is_empty() && !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}

/// `Model hash`: AutoV2 when 10 hex, A1111's old 8-hex hash (not comparable) otherwise.
fn infotext_model_hash(h: &str) -> WorkflowHash {
    let value = hex_or_sanitised(h);
    let is_hex = value.bytes().all(|b| b.is_ascii_hexdigit());
    match value.len() {
        10 if is_hex => WorkflowHash { value, algorithm: HashAlgorithm::AutoV2, checked: true },
        64 if is_hex => WorkflowHash { value, algorithm: HashAlgorithm::Sha256, checked: true },
        _ => WorkflowHash { value, algorithm: HashAlgorithm::Other, checked: false },
    }
}

/// A `models[]` hash with its `hash_type`: SHA-256 (full, or a prefix of at
/// least 10 hex) and AutoV2 are checked; anything else is kept and shown.
fn workflow_hash(h: &str, hash_type: Option<&str>) -> WorkflowHash {
    let value = hex_or_sanitised(h);
    let is_hex = !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit());
    let ty = hash_type.map(|t| t.trim().to_ascii_lowercase().replace(['-', '_'], ""));
    let (algorithm, checkable) = match ty.as_deref() {
        None | Some("sha256") => (HashAlgorithm::Sha256, is_hex && (MIN_HASH_PREFIX..=64).contains(&value.len())),
        Some("autov2") => (HashAlgorithm::AutoV2, is_hex && value.len() == 10),
        Some("autov3") => (HashAlgorithm::AutoV3, false),
        Some(_) => (HashAlgorithm::Other, false),
    };
    WorkflowHash { value, algorithm, checked: checkable }
}

fn hex_or_sanitised(h: &str) -> String {
    let t = h.trim();
    if t.bytes().all(|b| b.is_ascii_hexdigit()) {
        t.to_ascii_lowercase()
    } else {
        sanitise_name(t).0
    }
}

fn requirement(raw: &str, kind: AssetKind, recognised: bool, at: NodeRef) -> Requirement {
    let (name, name_warning) = sanitise_name(raw);
    Requirement { name, name_warning, kind, recognised, used_by: vec![at], hash: None, url: None, directory: None }
}

/// One requirement per model: the same name and kind named by several
/// nodes is one entry; a guess from an unknown node is dropped when a loader
/// names the same file.
fn finish(reqs: &mut Vec<Requirement>) {
    let mut out: Vec<Requirement> = Vec::with_capacity(reqs.len());
    for r in reqs.drain(..) {
        let key = r.name.to_lowercase();
        match out.iter_mut().find(|o| o.kind == r.kind && o.recognised == r.recognised && o.name.to_lowercase() == key) {
            Some(o) => {
                o.used_by.extend(r.used_by);
                o.hash = o.hash.take().or(r.hash);
                o.url = o.url.take().or(r.url);
                o.directory = o.directory.take().or(r.directory);
                o.name_warning = o.name_warning.take().or(r.name_warning);
            }
            None => out.push(r),
        }
    }
    let recognised: Vec<String> = out.iter().filter(|r| r.recognised).map(|r| file_key(&r.name)).collect();
    out.retain(|r| r.recognised || !recognised.contains(&file_key(&r.name)));
    *reqs = out;
}

/// True for a single-line value ending in a model file extension.
pub(crate) fn looks_like_model_file(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s.len() > 4096 || s.contains('\n') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    MODEL_EXTENSIONS.iter().any(|e| lower.ends_with(e) && lower.len() > e.len())
}

/// A workflow's name made safe to show and compare: `\` and `/` separate
/// components; empty, `.`, `..` and drive (`C:`) components are dropped;
/// control characters become `?`; very long names are cut. The second value
/// says what was wrong, when something was (`..`, an absolute path, ...). The
/// result is only ever compared and shown, never used as a path.
pub(crate) fn sanitise_name(raw: &str) -> (String, Option<String>) {
    let mut problems: Vec<&str> = Vec::new();
    let trimmed = raw.trim();
    if trimmed.starts_with('/') || trimmed.starts_with('\\') || has_drive_prefix(trimmed) {
        problems.push("an absolute path");
    }
    let mut parts: Vec<String> = Vec::new();
    for (i, c) in trimmed.split(['/', '\\']).enumerate() {
        match c {
            "" | "." => {}
            ".." => {
                if !problems.contains(&"'..' components") {
                    problems.push("'..' components");
                }
            }
            _ if i == 0 && has_drive_prefix(c) && c.len() == 2 => {}
            _ => parts.push(c.to_owned()),
        }
    }
    let mut name = parts.join("/");
    if name.chars().any(char::is_control) {
        problems.push("control characters");
        name = name.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    }
    if name.chars().count() > MAX_NAME_CHARS {
        problems.push("a name too long to show");
        name = name.chars().take(MAX_NAME_CHARS).chain(std::iter::once('…')).collect();
    }
    if name.is_empty() {
        name = "?".to_owned();
    }
    let warning = (!problems.is_empty()).then(|| {
        format!(
            "the workflow names it {:?}, which has {}: shown without them, only compared by its last component, never used as a path",
            raw.chars().take(120).collect::<String>(),
            problems.join(" and ")
        )
    });
    (name, warning)
}

/// Free text of a workflow (a URL) made safe to show: control characters
/// become `?`, very long text is cut.
fn sanitise_text(raw: &str) -> String {
    let mut t: String = raw.trim().chars().take(MAX_NAME_CHARS * 4).map(|c| if c.is_control() { '?' } else { c }).collect();
    if raw.trim().chars().count() > MAX_NAME_CHARS * 4 {
        t.push('…');
    }
    t
}

/// Only http(s) URLs are ever downloaded (SPEC §3.15).
fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn has_drive_prefix(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// The part of a name matching goes by: its last component, lower-case
/// (ComfyUI lists model folders recursively: `SDXL/detail.safetensors`).
fn file_key(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_lowercase()
}

/// `file_key` without a model file extension (A1111 names checkpoints and LoRAs without it).
fn stem_key(key: &str) -> &str {
    MODEL_EXTENSIONS.iter().find_map(|e| key.strip_suffix(e)).filter(|s| !s.is_empty()).unwrap_or(key)
}

// ---------------------------------------------------------------------------
// Matching against the inventory
// ---------------------------------------------------------------------------

/// `workflow check FILE [--ui NAME]`: reads the workflow, builds the
/// inventory once and resolves every model (SPEC §3.15). Reads only.
pub fn check(store: &Store, file: &Path, ui: Option<&str>) -> Result<WorkflowCheck> {
    let config = store.config()?;
    if let Some(name) = ui {
        crate::ui_targets::find(&config, name)?;
    }
    let (table, rule_warnings) = LoaderTable::from_config(&config);
    let parsed = read(file, &table)?;
    let inv = inventory::build(store)?;
    let mut hashes = HashSource { layout: store.layout(), record: crate::blob::autov3::AutoV3::load(store.layout()) };
    let mut result = resolve_with(&inv, parsed, ui, &file.to_string_lossy(), Some(&mut hashes));
    hashes.record.save(store.layout());
    result.warnings.splice(0..0, rule_warnings);
    // A lock's URL for a blob that is nowhere: name it, as the workflow's would be.
    for m in result.models.iter_mut().filter(|m| m.url_source == Some(UrlSource::PackLock)) {
        if let Some(b) = &m.blob {
            m.url = crate::download::download_urls(store, &b.sha256)?.into_iter().next();
        }
    }
    Ok(result)
}

/// Name lookups over the inventory, built once per check.
struct NameIndex {
    /// Lower-case file name → items.
    by_name: HashMap<String, Vec<usize>>,
    /// The same without a model extension → items.
    by_stem: HashMap<String, Vec<usize>>,
}

impl NameIndex {
    /// Every name an item is known by: its display name, its origin's file
    /// name and the names of the UI links made for it.
    fn new(inv: &Inventory) -> NameIndex {
        let mut idx = NameIndex { by_name: HashMap::new(), by_stem: HashMap::new() };
        for (i, it) in inv.items.iter().enumerate() {
            let mut names: Vec<String> = vec![file_key(&it.display_name)];
            if let Some(f) = it.origin.as_ref().and_then(|o| o.filename.as_deref()).filter(|f| !f.is_empty()) {
                names.push(file_key(f));
            }
            for l in inv.ui_links.get(&it.sha256).into_iter().flatten() {
                if let Some(f) = l.path.file_name() {
                    names.push(f.to_string_lossy().to_lowercase());
                }
            }
            names.sort();
            names.dedup();
            for n in names {
                let stem = stem_key(&n).to_owned();
                push_unique(idx.by_stem.entry(stem).or_default(), i);
                push_unique(idx.by_name.entry(n).or_default(), i);
            }
        }
        idx
    }

    /// Items named `name` (its last component); a name without a model
    /// extension also matches files with one.
    fn lookup(&self, name: &str) -> Vec<usize> {
        let key = file_key(name);
        let mut hits = self.by_name.get(&key).cloned().unwrap_or_default();
        if stem_key(&key) == key {
            for &i in self.by_stem.get(&key).into_iter().flatten() {
                push_unique(&mut hits, i);
            }
        }
        hits.sort_unstable();
        hits
    }
}

fn push_unique(v: &mut Vec<usize>, i: usize) {
    if !v.contains(&i) {
        v.push(i);
    }
}

/// Items whose hash starts with `prefix` (the inventory is sorted by hash).
fn by_hash(inv: &Inventory, prefix: &str) -> Vec<usize> {
    let start = inv.items.partition_point(|it| it.sha256.as_str() < prefix);
    (start..inv.items.len()).take_while(|&i| inv.items[i].sha256.as_str().starts_with(prefix)).collect()
}

/// Kinds that name the same files in practice: a diffusion model filed as
/// `unet`, a text encoder as `clip`; an unknown kind fits anything.
fn kinds_fit(want: AssetKind, have: AssetKind) -> bool {
    use AssetKind as K;
    let family = |k: AssetKind| match k {
        K::Unet => K::DiffusionModel,
        K::Clip => K::TextEncoder,
        k => k,
    };
    want == K::Unknown || have == K::Unknown || family(want) == family(have)
}

fn good_targets(it: &InventoryItem) -> Vec<String> {
    let mut t: Vec<String> = it.copies.iter().filter(|c| c.target != LOCAL && !c.corrupt).map(|c| c.target.clone()).collect();
    t.dedup();
    t
}

fn candidate(it: &InventoryItem, by: MatchedBy, rejected: Option<String>) -> Candidate {
    Candidate {
        sha256: it.sha256.clone(),
        display_name: it.display_name.clone(),
        kind: it.kind,
        matched_by: by,
        on_local: it.good_on(LOCAL),
        on_targets: good_targets(it),
        rejected,
    }
}

/// Where the resolver gets the AutoV3 hashes of local blobs (`Lora hashes`):
/// the store's record, hashing a candidate it lacks once ([`crate::blob::autov3`]).
pub struct HashSource<'a> {
    layout: &'a crate::store::layout::StoreLayout,
    record: crate::blob::autov3::AutoV3,
}

/// Resolves every requirement against an inventory (no disk access; AutoV3
/// hashes are then not checked).
pub fn resolve(inv: &Inventory, parsed: ParsedWorkflow, ui: Option<&str>, file: &str) -> WorkflowCheck {
    resolve_with(inv, parsed, ui, file, None)
}

/// [`resolve`], checking AutoV3 hashes against `hashes`.
fn resolve_with(
    inv: &Inventory,
    parsed: ParsedWorkflow,
    ui: Option<&str>,
    file: &str,
    mut hashes: Option<&mut HashSource>,
) -> WorkflowCheck {
    let names = NameIndex::new(inv);
    let models: Vec<RequiredModel> =
        parsed.requirements.into_iter().map(|r| resolve_one(inv, &names, r, ui, hashes.as_deref_mut())).collect();
    let mut counts = StatusCounts::default();
    for m in &models {
        *match m.status {
            ModelStatus::Present => &mut counts.present,
            ModelStatus::OnBackup => &mut counts.on_backup,
            ModelStatus::Downloadable => &mut counts.downloadable,
            ModelStatus::Missing => &mut counts.missing,
            ModelStatus::Ambiguous => &mut counts.ambiguous,
            ModelStatus::Unrecognised => &mut counts.unrecognised,
        } += 1;
    }
    let all_present = models.iter().all(|m| m.status == ModelStatus::Present && m.linked != Some(false));
    WorkflowCheck {
        file: file.to_owned(),
        format: parsed.format,
        from_png: parsed.from_png,
        ui: ui.map(str::to_owned),
        models,
        counts,
        all_present,
        warnings: parsed.warnings,
    }
}

fn resolve_one(inv: &Inventory, names: &NameIndex, r: Requirement, ui: Option<&str>, mut hashes: Option<&mut HashSource>) -> RequiredModel {
    let mut notes = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let checked_hash = r.hash.as_ref().filter(|h| h.checked).map(|h| h.value.clone());
    // An AutoV3 (12 hex or more) the store can compare, when it knows how.
    let autov3 = r
        .hash
        .as_ref()
        .filter(|h| h.algorithm == HashAlgorithm::AutoV3 && h.value.len() >= 10 && h.value.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| h.value.to_ascii_lowercase())
        .filter(|_| hashes.is_some());

    // 1. By hash.
    let mut fits: Vec<(usize, MatchedBy)> = Vec::new();
    if let Some(h) = &checked_hash {
        for i in by_hash(inv, h) {
            candidates.push(candidate(&inv.items[i], MatchedBy::Hash, None));
            fits.push((i, MatchedBy::Hash));
        }
    }
    // 1b. By an AutoV3 this store computed before (for any of its blobs).
    if let (Some(h), Some(src)) = (&autov3, hashes.as_deref()) {
        for sha in src.record.known_with_prefix(h) {
            if let Some(i) = by_hash(inv, sha.as_str()).into_iter().next() {
                candidates.push(candidate(&inv.items[i], MatchedBy::Hash, None));
                fits.push((i, MatchedBy::Hash));
            }
        }
    }
    let mut autov3_unchecked = false;
    // 2. By name and kind, when the hash found nothing (or there is none to check).
    if fits.is_empty() {
        for i in names.lookup(&r.name) {
            let it = &inv.items[i];
            let rejected = if !r.recognised {
                None
            } else if let (Some(h), Some(src)) = (&autov3, hashes.as_deref_mut()) {
                // The name's candidates are hashed (once per blob, then recorded).
                match it.good_on(LOCAL).then(|| src.record.of(src.layout, &it.sha256)).flatten() {
                    Some(actual) if actual.starts_with(h.as_str()) => None,
                    Some(actual) => Some(format!("same name, another AutoV3 hash ({}): another version of the file?", &actual[..12])),
                    None => {
                        autov3_unchecked = true;
                        (!kinds_fit(r.kind, it.kind)).then(|| format!("same name, but a {} where the workflow wants a {}", it.kind, r.kind))
                    }
                }
            } else if let Some(h) = checked_hash.as_deref().filter(|_| it.sha256.as_str().len() == 64) {
                (!it.sha256.as_str().starts_with(h))
                    .then(|| format!("same name, another hash ({}): another version of the file?", it.sha256.short()))
            } else if !kinds_fit(r.kind, it.kind) {
                Some(format!("same name, but a {} where the workflow wants a {}", it.kind, r.kind))
            } else {
                None
            };
            if rejected.is_none() {
                let by = if autov3.is_some() && !autov3_unchecked { MatchedBy::Hash } else { MatchedBy::Name };
                fits.push((i, by));
                candidates.push(candidate(it, by, rejected));
            } else {
                candidates.push(candidate(it, MatchedBy::Name, rejected));
            }
        }
    }
    match &r.hash {
        Some(h) if h.algorithm == HashAlgorithm::AutoV3 && autov3.is_none() => notes.push(if fits.is_empty() {
            "AutoV3 hash not checked".to_owned()
        } else {
            "matched by name; AutoV3 hash not checked".to_owned()
        }),
        Some(_) if autov3_unchecked => {
            notes.push("matched by name; AutoV3 hash not checked: the file is not on this disk (restore it to check)".to_owned())
        }
        Some(h) if autov3.is_some() && fits.is_empty() => {
            notes.push(format!("no blob has AutoV3 {}: only files of the same name and files hashed before are compared", h.value))
        }
        Some(h) if !h.checked => notes.push(format!("hash {} not checked: not a SHA-256 or AutoV2 Synapse can compare", h.value)),
        // A checked hash that matches no blob: a file of the same name is another file (its candidate says so).
        _ => {}
    }
    if let Some(w) = &r.name_warning {
        notes.push(w.clone());
    }
    let url = r.url.filter(|u| {
        let ok = is_http(u);
        if !ok {
            notes.push(format!("the workflow's URL {u:?} is not http(s): Synapse does not download from it"));
        }
        ok
    });

    let mut m = RequiredModel {
        name: r.name,
        name_warning: r.name_warning,
        kind: r.kind,
        status: ModelStatus::Missing,
        used_by: r.used_by,
        hash: r.hash,
        url_source: url.as_ref().map(|_| UrlSource::Workflow),
        url,
        directory: r.directory,
        blob: None,
        on_targets: Vec::new(),
        linked: None,
        candidates,
        notes,
    };
    if !r.recognised {
        m.status = ModelStatus::Unrecognised;
        m.notes.push("named by a node Synapse does not know; add it to config.json workflow.loaders to resolve it".into());
        return m;
    }
    match fits.as_slice() {
        [] => {
            m.status = if m.url.is_some() { ModelStatus::Downloadable } else { ModelStatus::Missing };
        }
        [(i, by)] => {
            let it = &inv.items[*i];
            m.blob = Some(MatchedBlob {
                sha256: it.sha256.clone(),
                display_name: it.display_name.clone(),
                kind: it.kind,
                size_bytes: it.size_bytes,
                matched_by: *by,
            });
            m.on_targets = good_targets(it);
            m.status = if it.good_on(LOCAL) {
                ModelStatus::Present
            } else if !m.on_targets.is_empty() {
                ModelStatus::OnBackup
            } else if m.url.is_some() {
                ModelStatus::Downloadable
            } else if it.has_download_url {
                m.url_source = Some(UrlSource::PackLock);
                ModelStatus::Downloadable
            } else {
                ModelStatus::Missing
            };
            if m.status == ModelStatus::Present {
                if let Some(ui) = ui {
                    m.linked = Some(inv.ui_links.get(&it.sha256).is_some_and(|ls| ls.iter().any(|l| l.ui == ui)));
                }
            }
        }
        _ => m.status = ModelStatus::Ambiguous,
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitise_drops_traversal_and_roots() {
        assert_eq!(sanitise_name("SDXL/detail.safetensors"), ("SDXL/detail.safetensors".into(), None));
        let (n, w) = sanitise_name("../../etc/passwd.safetensors");
        assert_eq!(n, "etc/passwd.safetensors");
        assert!(w.unwrap().contains("'..'"));
        let (n, w) = sanitise_name("/abs/x.ckpt");
        assert_eq!(n, "abs/x.ckpt");
        assert!(w.unwrap().contains("absolute"));
        let (n, w) = sanitise_name("C:\\models\\x.ckpt");
        assert_eq!(n, "models/x.ckpt");
        assert!(w.is_some());
        let (n, w) = sanitise_name("a\u{1b}[31m.pt");
        assert_eq!(n, "a?[31m.pt");
        assert!(w.is_some());
    }

    #[test]
    fn depth_is_counted_outside_strings() {
        assert_eq!(too_deep(br#"{"a": "[[[[[[[["}"#, 2), None);
        assert_eq!(too_deep(b"[[[", 2), Some(2));
        assert_eq!(too_deep(br#"{"a\"[": [1]}"#, 2), None);
    }

    #[test]
    fn params_line_with_quotes() {
        let p = parse_params(
            r#"Steps: 20, Model hash: 6ce0161689, Model: v1-5, Lora hashes: "a: 111111111111, b c: 222222222222", Version: v1.6.0"#,
        );
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("Model hash").as_deref(), Some("6ce0161689"));
        assert_eq!(get("Model").as_deref(), Some("v1-5"));
        assert_eq!(get("Lora hashes").as_deref(), Some("a: 111111111111, b c: 222222222222"));
        assert_eq!(get("Version").as_deref(), Some("v1.6.0"));
        assert_eq!(parse_lora_hashes("a: 111111111111, b c: 222222222222").len(), 2);
    }

    #[test]
    fn lora_tags_keep_names_with_colons_and_drop_weights() {
        assert_eq!(lora_tags("a <lora:detail:0.8>, <LORA:style v2:1:0.5> <lyco:x> <other:y:1>"), vec!["detail", "style v2", "x"]);
    }

    #[test]
    fn model_file_names() {
        assert!(looks_like_model_file("x.safetensors"));
        assert!(looks_like_model_file("SDXL/X.GGUF"));
        assert!(!looks_like_model_file(".pt"));
        assert!(!looks_like_model_file("a photo of a cat"));
        assert!(!looks_like_model_file("line\nx.ckpt"));
    }

    #[test]
    fn hashes() {
        assert!(workflow_hash("ABCDEF0123", Some("SHA256")).checked);
        assert!(!workflow_hash("abc", Some("sha256")).checked);
        assert_eq!(workflow_hash("abcdef012345", Some("AutoV3")).algorithm, HashAlgorithm::AutoV3);
        assert_eq!(infotext_model_hash("6ce01616").algorithm, HashAlgorithm::Other);
        assert_eq!(infotext_model_hash("6CE0161689").algorithm, HashAlgorithm::AutoV2);
    }
}
