//! `workflow use` and `workflow pack` (SPEC §3.15, §3.11): make a workflow
//! runnable in one UI, and keep what it needs as a pack.
//!
//! **Use** is a plan ([`plan_workflow_use`]) and its apply
//! ([`apply_workflow_use`]). The plan resolves the workflow (the resolver of
//! [`crate::workflow`]) and says, for every model, what will happen: nothing
//! (already linked), a link, a restore from a backup target first, a download
//! first (its URL, host and size named before anything is fetched), or
//! nothing because it cannot be done (missing, ambiguous, unrecognised, an
//! unsafe name, a link in the way), with why. Each model is linked into the
//! UI folder of its kind under the **file name the workflow expects**, which
//! may carry sub-folders (`SDXL/detail.safetensors` →
//! `models/loras/SDXL/detail.safetensors`). Names the resolver had to
//! sanitise (`..`, absolute paths, control characters) are refused, never
//! linked; sub-folders are created below the kind folder through a
//! [`Tree`] (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), so a symbolic link
//! planted in the way is refused rather than followed.
//!
//! Links are recorded in `data/ui-links.json` like the links of `use`
//! (made by `use`, under the pack label [`link_label`] of the workflow
//! file, e.g. `workflow:flow.json`), before they are made: `unuse
//! workflow:flow.json` removes exactly them, and doctor and the inventory
//! know them. A name taken by something else in the UI folder is a clash:
//! it is listed in the plan, and apply refuses (`name_clash`, nothing
//! changed) as `use` does.
//!
//! Apply trusts only the plan's list of models: it reads the workflow
//! again, resolves it again, and does a planned step only while the model
//! still resolves to the planned blob (and, for a download, to the planned
//! URL); anything else is skipped with its reason. Restores go through the
//! core's restore path ([`crate::sync::restore_blob`], which takes its own
//! store and drive locks); downloads and links run under the store lock,
//! each link's path checked again right before it is made.
//!
//! Downloads ([`crate::download`]) are http(s) only, stream into
//! `data/tmp/<sha256>.download.part` (or, without a known hash, a part file
//! named by the URL's hash), resume after an interruption, stop at the
//! expected size or [`MAX_UNKNOWN_SIZE`], are hash-checked when the full
//! SHA-256 is known (a hash prefix or AutoV2 is checked as a prefix), and
//! without a known hash are adopted under the hash of what arrived and
//! reported as unverified.
//!
//! **Pack** ([`pack_workflow`]) writes a pack of type `workflow` whose lock
//! pins every model that resolved to one blob (sha256, size, kind, the file
//! name the workflow expects, the URL when known) and which carries the
//! workflow file in `workflows/` of the pack's folder. It is written only
//! when every model resolved, unless the caller allows missing ones: those
//! are then listed in the lock's `unresolved` and in the result.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::download::{self, Expect, MAX_UNKNOWN_SIZE};
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::pack::link_record::{DirEntry, LinkEntry, LinkRecord, MadeBy};
use crate::plan::{PlanStamp, Skipped};
use crate::progress::{Control, Tracker};
use crate::results::{AutoBackupReport, Origin, UiLink, UseClash};
use crate::store::schema::{Extra, LockFile, PackFile, LOCK_SCHEMA, PACK_SCHEMA};
use crate::store::tree::Tree;
use crate::store::Store;
use crate::ui_targets::{self, Target};
use crate::vocab::AssetKind;
use crate::workflow::{self, HashAlgorithm, ModelStatus, RequiredModel, UrlSource, WorkflowCheck};

/// The operation name in a plan's stamp.
const OPERATION: &str = "workflow use";

// ---------------------------------------------------------------------------
// Wire types
// ---------------------------------------------------------------------------

/// What `workflow use` does for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UseStep {
    /// The UI already has the blob under the expected name: nothing to do.
    AlreadyLinked,
    /// The blob is local: link it.
    Link,
    /// The blob is only on backup targets: restore it, then link it.
    Restore,
    /// The blob is nowhere here but a URL is known: download it, then link it.
    Download,
    /// Something else holds the expected name in the UI folder: apply refuses (as `use` does).
    Clash,
    /// Cannot be done (missing, ambiguous, unrecognised, unsafe name, no folder for its kind): `reason` says why.
    NotDoable,
}

/// How a download's bytes are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HashCheck {
    /// Against the full SHA-256 (the blob's, or the workflow's): other bytes are never kept.
    Sha256,
    /// Against a hash prefix (a short SHA-256 or AutoV2): bytes that do not start with it are never kept.
    Prefix,
    /// No hash is known: the file is adopted under the hash of what arrived, as an unverified download.
    None,
}

/// A download the plan names before anything is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedDownload {
    pub url: String,
    /// The host the bytes come from (`host[:port]`).
    pub host: String,
    pub source: UrlSource,
    /// The size when known (a pack lock's); `None`: unknown, the download stops at `limit_bytes`.
    pub size_bytes: Option<u64>,
    /// The most bytes accepted: the size when known, else 64 GiB.
    pub limit_bytes: u64,
    pub check: HashCheck,
    /// The hash (or prefix) checked, lower-case; `None` with `check: none`.
    pub expected_hash: Option<String>,
}

/// One model of a workflow use plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowUseItem {
    /// The file name the workflow expects (sub-folders kept, `/`-separated): the link's name below the kind folder.
    pub name: String,
    /// The kind whose UI folder the link goes into.
    pub kind: AssetKind,
    /// Where the resolver found it.
    pub status: ModelStatus,
    pub step: UseStep,
    /// The blob (`None` for a download whose hash is not known yet).
    pub sha256: Option<Sha256>,
    pub display_name: Option<String>,
    /// Bytes to restore or download (`None` when unknown).
    pub size_bytes: Option<u64>,
    /// The link in the UI (`None` when not doable for a reason before the path).
    #[serde(serialize_with = "crate::results::lossy::opt_path")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub link: Option<PathBuf>,
    /// The link is there already (pointing at the blob; for a restore or download, waiting for it).
    pub link_exists: bool,
    /// Backup targets with a good copy, tried in this order (restore).
    pub restore_from: Vec<String>,
    pub download: Option<PlannedDownload>,
    /// Why it is not doable or clashes; a note otherwise (e.g. an unverified download).
    pub reason: Option<String>,
}

/// `workflow use FILE --ui NAME`: the plan the user confirms (SPEC §3.11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowUsePlan {
    pub plan: PlanStamp,
    /// The workflow file (made absolute).
    pub file: String,
    /// The UI target.
    pub ui: String,
    /// The pack label the links are recorded under (`unuse LABEL` removes them).
    pub label: String,
    pub items: Vec<WorkflowUseItem>,
    /// Every host a download would contact.
    pub hosts: Vec<String>,
    pub bytes_to_restore: u64,
    /// Bytes of the downloads whose size is known.
    pub bytes_to_download: u64,
    /// Downloads whose size is not known (each stops at 64 GiB).
    pub downloads_of_unknown_size: u64,
    /// Free bytes on the store's disk.
    pub free_space: Option<u64>,
    /// Set when the known bytes to fetch exceed the free space.
    pub space_warning: Option<String>,
    /// Every model would be linked once the plan is applied (nothing clashes or is not doable).
    pub runnable: bool,
    /// Counts of the steps.
    pub to_link: u64,
    pub to_restore: u64,
    pub to_download: u64,
    pub already_linked: u64,
    pub clashes: u64,
    pub not_doable: u64,
    /// The resolver's warnings about the file.
    pub warnings: Vec<String>,
}

/// A blob restored for the workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RestoredModel {
    pub name: String,
    pub sha256: Sha256,
    pub size_bytes: u64,
    /// The backup target it came from.
    pub from: String,
}

/// A file downloaded for the workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DownloadedModel {
    pub name: String,
    pub sha256: Sha256,
    pub url: String,
    pub size_bytes: u64,
    pub bytes_downloaded: u64,
    /// Bytes an interrupted earlier attempt had fetched (resumed from there).
    pub resumed_from: u64,
    pub check: HashCheck,
    /// False for a download without a known hash: nothing says it is the file the workflow meant.
    pub verified: bool,
}

/// A planned model that could not be done, and why (a download that failed, a restore from no reachable target).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedModel {
    pub name: String,
    pub reason: String,
}

/// What `workflow use` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowUseResult {
    pub file: String,
    pub ui: String,
    pub label: String,
    pub linked: Vec<UiLink>,
    pub already_linked: Vec<UiLink>,
    pub restored: Vec<RestoredModel>,
    pub downloaded: Vec<DownloadedModel>,
    /// Models the plan listed as not doable, with why.
    pub not_doable: Vec<FailedModel>,
    /// Steps that were tried and failed (the others went ahead).
    pub failed: Vec<FailedModel>,
    /// Planned models that no longer matched the disk or the workflow, left alone.
    pub skipped: Vec<Skipped>,
    /// Every model of the workflow is linked into the UI now.
    pub complete: bool,
    /// What `auto_backup_new` did with downloaded blobs (absent when it is off).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub auto_backup: Option<AutoBackupReport>,
}

// ---------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------

/// The pack label under which `workflow use` records the links of a
/// workflow file: `workflow:<file name>` (characters a pack name cannot hold
/// replaced by `_`), so `unuse <label>` removes them.
pub(crate) fn link_label(file: &Path) -> String {
    let base = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let clean: String = base.chars().map(|c| if c.is_control() || c == '/' || c == '\\' { '_' } else { c }).collect();
    let clean = clean.replace("..", "._").trim().chars().take(100).collect::<String>();
    let label = format!("workflow:{}", if clean.is_empty() { "workflow" } else { clean.as_str() });
    PackName::parse(&label).map(|p| p.as_str().to_owned()).unwrap_or_else(|_| "workflow:workflow".to_owned())
}

/// The host of a URL (`host[:port]`), for the plan to name.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.rsplit('@').next().unwrap_or(host).to_owned()
}

fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Plans `workflow use FILE --ui NAME` (reads only): resolves the
/// workflow, and for every model says what apply will do, with the hosts,
/// sizes and the free-space check.
///
/// Errors: `not_found` for an unknown UI target; `invalid_argument` when
/// the UI's folder is missing; `invalid_file` for a file that is not a
/// workflow; `io`.
pub fn plan_workflow_use(store: &Store, file: &Path, ui_name: &str) -> Result<WorkflowUsePlan> {
    let config = store.config()?;
    let target = ui_targets::find(&config, ui_name)?;
    if !target.path.is_dir() {
        return Err(Error::invalid(format!(
            "UI target {:?} points at {}, which is not a folder (drive not mounted, or the UI moved?)",
            target.name,
            target.path.display()
        )));
    }
    let check = workflow::check(store, file, Some(ui_name))?;
    let blob_dir = crate::links::link_blob_dir(store.layout())?;
    let mut items: Vec<WorkflowUseItem> = check.models.iter().map(|m| plan_item(m, &target, &blob_dir)).collect();
    // Two models of the workflow wanting one path for different blobs: the second clashes.
    let mut seen: HashMap<PathBuf, Option<Sha256>> = HashMap::new();
    for it in items.iter_mut() {
        let Some(link) = it.link.clone() else { continue };
        match seen.get(&link) {
            Some(sha) if *sha == it.sha256 && sha.is_some() => {}
            Some(_) => {
                it.step = UseStep::Clash;
                it.reason = Some(format!("another model of the workflow is to be linked as {} too", link.display()));
            }
            None => {
                seen.insert(link, it.sha256.clone());
            }
        }
    }
    finish_plan(store, file, &target, &check, items)
}

fn finish_plan(store: &Store, file: &Path, target: &Target, check: &WorkflowCheck, items: Vec<WorkflowUseItem>) -> Result<WorkflowUsePlan> {
    let count = |s: UseStep| items.iter().filter(|i| i.step == s).count() as u64;
    let bytes_to_restore = items.iter().filter(|i| i.step == UseStep::Restore).filter_map(|i| i.size_bytes).sum();
    let downloads: Vec<&PlannedDownload> =
        items.iter().filter(|i| i.step == UseStep::Download).filter_map(|i| i.download.as_ref()).collect();
    let bytes_to_download = downloads.iter().filter_map(|d| d.size_bytes).sum();
    let downloads_of_unknown_size = downloads.iter().filter(|d| d.size_bytes.is_none()).count() as u64;
    let mut hosts: Vec<String> = Vec::new();
    for d in &downloads {
        if !hosts.contains(&d.host) {
            hosts.push(d.host.clone());
        }
    }
    let needed: u64 = bytes_to_restore + bytes_to_download;
    let free_space =
        (needed > 0 || downloads_of_unknown_size > 0).then(|| crate::store::disk::disk_info(store.root()).map(|d| d.free_bytes)).flatten();
    let space_warning = free_space.filter(|&free| free < needed).map(|free| {
        format!("the store's disk has {free} bytes free, the restores and downloads need {needed}: free some space first (Cleanup deletes orphans)")
    });
    let (clashes, not_doable) = (count(UseStep::Clash), count(UseStep::NotDoable));
    Ok(WorkflowUsePlan {
        plan: PlanStamp::new(store, OPERATION)?,
        // Absolute: a saved plan applied from another directory reads the same file.
        file: std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()).to_string_lossy().into_owned(),
        ui: target.name.clone(),
        label: link_label(file),
        hosts,
        bytes_to_restore,
        bytes_to_download,
        downloads_of_unknown_size,
        free_space,
        space_warning,
        runnable: clashes == 0 && not_doable == 0,
        to_link: count(UseStep::Link),
        to_restore: count(UseStep::Restore),
        to_download: count(UseStep::Download),
        already_linked: count(UseStep::AlreadyLinked),
        clashes,
        not_doable,
        warnings: check.warnings.clone(),
        items,
    })
}

fn not_doable(m: &RequiredModel, kind: AssetKind, reason: String) -> WorkflowUseItem {
    WorkflowUseItem {
        name: m.name.clone(),
        kind,
        status: m.status,
        step: UseStep::NotDoable,
        sha256: m.blob.as_ref().map(|b| b.sha256.clone()),
        display_name: m.blob.as_ref().map(|b| b.display_name.clone()),
        size_bytes: None,
        link: None,
        link_exists: false,
        restore_from: Vec::new(),
        download: None,
        reason: Some(reason),
    }
}

/// Why a model the resolver could not place cannot be used.
fn why_not(m: &RequiredModel) -> String {
    match m.status {
        ModelStatus::Ambiguous => {
            let names: Vec<String> =
                m.candidates.iter().filter(|c| c.rejected.is_none()).map(|c| format!("{} {}", c.sha256.short(), c.display_name)).collect();
            format!(
                "{} blobs fit ({}): Synapse does not guess; give the workflow the model's hash, or keep only one of them",
                names.len(),
                names.join(", ")
            )
        }
        ModelStatus::Unrecognised => format!(
            "named by a node Synapse does not know ({}); add it to config.json workflow.loaders to resolve it",
            m.used_by.first().map(|u| u.node.as_str()).unwrap_or("?")
        ),
        _ => match m.candidates.iter().find_map(|c| c.rejected.as_ref().map(|r| (c, r))) {
            Some((c, r)) => format!(
                "no blob fits: {} ({}) has the name but {r}; give the workflow the model's hash, or correct the kind of that blob's pack",
                c.display_name,
                c.sha256.short()
            ),
            None => {
                "not in the store, on no backup target, and no http(s) URL is known: adopt or download the file, then plan again".to_owned()
            }
        },
    }
}

/// The link's path for a workflow name below the kind folder, or why there is none.
fn link_path(folder: &Path, name: &str) -> std::result::Result<PathBuf, String> {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.iter().any(|p| p.is_empty() || *p == "." || *p == ".." || p.len() > 255 || p.contains('\0')) {
        return Err(format!("{name:?} is not a plain relative file name; Synapse links only names that stay inside the kind folder"));
    }
    let path = parts.iter().fold(folder.to_path_buf(), |p, c| p.join(c));
    if !path.starts_with(folder) || !ui_targets::is_plain_relative(name) {
        return Err(format!("{name:?} would leave the kind folder {}", folder.display()));
    }
    Ok(path)
}

/// What is on the way to (and at) a link path now.
enum PathState {
    /// Nothing at the path; folders may be missing.
    Free,
    /// A symbolic link pointing at `target` is there.
    Linked(PathBuf),
    /// Something else holds the name (`file`, `directory`).
    Taken(String),
    /// The way there is blocked (a link or a file where a sub-folder should be): why.
    Blocked(String),
}

/// Looks at the sub-folders between the kind folder and the link (never
/// following a link below the kind folder), then at the link itself.
fn path_state(folder: &Path, path: &Path) -> io::Result<PathState> {
    match fs::metadata(folder) {
        Ok(m) if !m.is_dir() => return Ok(PathState::Blocked(format!("{} is a file, not the model folder", folder.display()))),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(PathState::Free),
        Err(e) => return Err(e),
    }
    let rel = path.strip_prefix(folder).map_err(|_| io::Error::other("link outside its kind folder"))?;
    let comps: Vec<_> = rel.components().collect();
    let mut cur = folder.to_path_buf();
    for c in &comps[..comps.len().saturating_sub(1)] {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(PathState::Free),
            Err(e) => return Err(e),
            Ok(m) if m.file_type().is_symlink() => {
                return Ok(PathState::Blocked(format!(
                    "{} is a symbolic link: Synapse never creates a model link through a link in a UI's model folder",
                    cur.display()
                )))
            }
            Ok(m) if !m.is_dir() => return Ok(PathState::Blocked(format!("{} is a file where a sub-folder should be", cur.display()))),
            Ok(_) => {}
        }
    }
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(PathState::Free),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_symlink() => Ok(PathState::Linked(fs::read_link(path)?)),
        Ok(m) => Ok(PathState::Taken(if m.is_dir() { "directory" } else { "file" }.to_owned())),
    }
}

fn plan_item(m: &RequiredModel, target: &Target, blob_dir: &crate::store::layout::BlobDir) -> WorkflowUseItem {
    let kind = match (m.kind, &m.blob) {
        (AssetKind::Unknown, Some(b)) => b.kind,
        (k, _) => k,
    };
    if matches!(m.status, ModelStatus::Missing | ModelStatus::Ambiguous | ModelStatus::Unrecognised) {
        return not_doable(m, kind, why_not(m));
    }
    if let Some(w) = &m.name_warning {
        return not_doable(m, kind, format!("refused, not linked: {w}"));
    }
    let Some(folder) = target.folder(kind) else {
        return not_doable(
            m,
            kind,
            format!("{} has no folder for {kind} models (map one in config.json ui.kind_map); link it by hand", target.kind),
        );
    };
    let path = match link_path(&folder, &m.name) {
        Ok(p) => p,
        Err(why) => return not_doable(m, kind, why),
    };
    let sha = m.blob.as_ref().map(|b| b.sha256.clone()).or_else(|| full_workflow_sha(m));
    let blob_target = sha.as_ref().map(|s| blob_dir.blob(s));
    let mut item = WorkflowUseItem {
        name: m.name.clone(),
        kind,
        status: m.status,
        step: UseStep::Link,
        sha256: sha,
        display_name: m.blob.as_ref().map(|b| b.display_name.clone()),
        size_bytes: m.blob.as_ref().map(|b| b.size_bytes).filter(|&s| s > 0),
        link: Some(path.clone()),
        link_exists: false,
        restore_from: Vec::new(),
        download: None,
        reason: None,
    };
    match path_state(&folder, &path) {
        Err(e) => {
            item.step = UseStep::NotDoable;
            item.reason = Some(format!("cannot look at {}: {e}", path.display()));
            return item;
        }
        Ok(PathState::Blocked(why)) => {
            item.step = UseStep::NotDoable;
            item.reason = Some(why);
            return item;
        }
        Ok(PathState::Taken(what)) => {
            item.step = UseStep::Clash;
            item.reason = Some(format!("a {what} is already at {} (not Synapse's link): move or rename it", path.display()));
            return item;
        }
        Ok(PathState::Linked(dest)) if blob_target.as_ref() == Some(&dest) => item.link_exists = true,
        Ok(PathState::Linked(dest)) => {
            item.step = UseStep::Clash;
            item.reason = Some(format!("{} is already a link to {}: unlink it first", path.display(), dest.display()));
            return item;
        }
        Ok(PathState::Free) => {}
    }
    match m.status {
        ModelStatus::Present => {
            item.size_bytes = None;
            if item.link_exists {
                item.step = UseStep::AlreadyLinked;
            }
        }
        ModelStatus::OnBackup => {
            item.step = UseStep::Restore;
            item.restore_from = m.on_targets.clone();
        }
        _ => match planned_download(m) {
            Ok(d) => {
                if d.check == HashCheck::None {
                    item.reason =
                        Some("no hash is known: the file is adopted under the hash of what arrives, as an unverified download".to_owned());
                }
                item.size_bytes = d.size_bytes;
                item.download = Some(d);
                item.step = UseStep::Download;
            }
            Err(why) => {
                item.step = UseStep::NotDoable;
                item.reason = Some(why);
            }
        },
    }
    item
}

/// A full SHA-256 the workflow gives (`properties.models[].hash`).
fn full_workflow_sha(m: &RequiredModel) -> Option<Sha256> {
    let h = m.hash.as_ref().filter(|h| h.checked && h.algorithm == HashAlgorithm::Sha256 && h.value.len() == 64)?;
    Sha256::parse(&h.value).ok()
}

fn planned_download(m: &RequiredModel) -> std::result::Result<PlannedDownload, String> {
    let Some(url) = m.url.clone() else {
        return Err("no URL is known for it".to_owned());
    };
    if !is_http(&url) {
        return Err(format!("its URL {url:?} is not http(s): Synapse downloads only over http(s)"));
    }
    let size = m.blob.as_ref().map(|b| b.size_bytes).filter(|&s| s > 0);
    let (check, expected_hash) = match (&m.blob, full_workflow_sha(m), &m.hash) {
        (Some(b), _, _) => (HashCheck::Sha256, Some(b.sha256.to_string())),
        (None, Some(sha), _) => (HashCheck::Sha256, Some(sha.to_string())),
        (None, None, Some(h)) if h.checked => (HashCheck::Prefix, Some(h.value.clone())),
        _ => (HashCheck::None, None),
    };
    Ok(PlannedDownload {
        host: host_of(&url),
        source: m.url_source.unwrap_or(UrlSource::Workflow),
        url,
        size_bytes: size,
        limit_bytes: size.unwrap_or(MAX_UNKNOWN_SIZE),
        check,
        expected_hash,
    })
}

// ---------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------

/// What apply decided for a planned item after looking again.
struct Todo {
    item: WorkflowUseItem,
}

/// Applies a confirmed plan (SPEC §3.11): reads and resolves the workflow
/// again, and for each planned model does its step only while the model
/// still resolves to the planned blob and URL; anything else is skipped
/// with its reason. Restores first (each through the core's restore path,
/// from the planned targets in order), then, under the store lock,
/// downloads and links, each link's path checked again right before it is
/// made. A model the plan did not list is never touched.
///
/// Errors: `invalid_argument` for a plan of another store or operation, or
/// older than 24 hours; `name_clash` when the plan lists clashes (nothing is
/// changed, as `use` refuses them); `insufficient_space`, `busy`,
/// `cancelled` (a cancelled download leaves no partial file). A download or
/// restore that fails is reported in `failed` and the others go ahead.
pub fn apply_workflow_use(store: &Store, planned: &WorkflowUsePlan, ctl: Control) -> Result<WorkflowUseResult> {
    planned.plan.check(store, OPERATION)?;
    // The label is worked out again from the file: an edited plan cannot file links under another pack.
    let planned = &WorkflowUsePlan { label: link_label(Path::new(&planned.file)), ..planned.clone() };
    let clashes: Vec<UseClash> = planned
        .items
        .iter()
        .filter(|i| i.step == UseStep::Clash)
        .map(|i| UseClash {
            ui: planned.ui.clone(),
            dependency_id: i.name.clone(),
            path: i.link.clone().unwrap_or_default(),
            found: i.reason.clone().unwrap_or_default(),
        })
        .collect();
    if !clashes.is_empty() {
        return Err(Error::UseClash { pack: planned.label.clone(), clashes });
    }
    let file = PathBuf::from(&planned.file);
    let mut r = WorkflowUseResult {
        file: planned.file.clone(),
        ui: planned.ui.clone(),
        label: planned.label.clone(),
        linked: Vec::new(),
        already_linked: Vec::new(),
        restored: Vec::new(),
        downloaded: Vec::new(),
        not_doable: planned
            .items
            .iter()
            .filter(|i| i.step == UseStep::NotDoable)
            .map(|i| FailedModel { name: i.name.clone(), reason: i.reason.clone().unwrap_or_default() })
            .collect(),
        failed: Vec::new(),
        skipped: Vec::new(),
        complete: false,
        auto_backup: None,
    };

    // 1. Restores, each through the core's restore path (its own store and drive locks).
    let fresh = plan_workflow_use(store, &file, &planned.ui)?;
    for p in planned.items.iter().filter(|i| i.step == UseStep::Restore) {
        let Some(now) = matching(&fresh, p, &mut r.skipped) else { continue };
        if now.step != UseStep::Restore {
            // Restored meanwhile, or changed: the link phase looks again.
            continue;
        }
        let sha = now.sha256.clone().expect("a restore has a blob");
        let mut reasons = Vec::new();
        let mut done = false;
        for t in p.restore_from.iter().filter(|t| now.restore_from.contains(t)) {
            let on = match store.on_target(Some(t)) {
                Ok(on) => on,
                Err(e) => {
                    reasons.push(format!("from {t}: {e}"));
                    continue;
                }
            };
            match crate::sync::restore_blob(&on, &sha, ctl) {
                Ok(c) => {
                    r.restored.push(RestoredModel { name: p.name.clone(), sha256: sha.clone(), size_bytes: c.size_bytes, from: t.clone() });
                    done = true;
                    break;
                }
                Err(e @ (Error::Cancelled | Error::InsufficientSpace { .. } | Error::Busy { .. })) => return Err(e),
                Err(e) => reasons.push(format!("from {t}: {e}")),
            }
        }
        if !done {
            let why = if reasons.is_empty() {
                "none of the planned backup targets holds it any more".to_owned()
            } else {
                format!("the restore failed ({})", reasons.join("; "))
            };
            r.failed.push(FailedModel { name: p.name.clone(), reason: why });
        }
    }

    // 2. Under the store lock: the plan again, downloads, then links.
    let lock = store.lock(OPERATION)?;
    let fresh = plan_workflow_use(store, &file, &planned.ui)?;
    let layout = store.layout();
    let mut links: Vec<Todo> = Vec::new();
    let mut downloaded_shas: Vec<Sha256> = Vec::new();
    for p in planned.items.iter().filter(|i| !matches!(i.step, UseStep::NotDoable | UseStep::Clash)) {
        // Done with in the restore phase (failed, or skipped with its reason).
        if r.failed.iter().any(|f| f.name == p.name) || r.skipped.iter().any(|k| k.name == p.name) {
            continue;
        }
        let Some(now) = matching(&fresh, p, &mut r.skipped) else { continue };
        match (p.step, now.step) {
            // The plan had nothing to do here; what is to do now was not confirmed.
            (UseStep::AlreadyLinked, step) if step != UseStep::AlreadyLinked => {
                r.skipped.push(skip(p, format!("its link is gone since the plan (it now needs {}): make a new plan", step_word(step))));
            }
            (_, UseStep::AlreadyLinked) => {
                r.already_linked.push(ui_link(planned, now, layout)?);
            }
            (_, UseStep::Link) => links.push(Todo { item: now.clone() }),
            (UseStep::Download, UseStep::Download) => {
                let (pd, nd) = (p.download.as_ref(), now.download.as_ref());
                if pd.map(|d| &d.url) != nd.map(|d| &d.url) {
                    r.skipped.push(skip(
                        p,
                        format!("its URL is now {:?}, not the planned one: make a new plan", nd.map(|d| d.url.as_str()).unwrap_or("none")),
                    ));
                    continue;
                }
                match download_one(store, now, ctl) {
                    Ok(d) => {
                        let mut item = now.clone();
                        item.sha256 = Some(d.sha256.clone());
                        let blob_dir = crate::links::link_blob_dir(layout)?;
                        // A link already there must point at what arrived; otherwise it is not ours to replace.
                        if item.link_exists {
                            let target = blob_dir.blob(&d.sha256);
                            let ours = item.link.as_ref().and_then(|l| fs::read_link(l).ok()).is_some_and(|t| t == target);
                            if !ours {
                                r.failed.push(FailedModel {
                                    name: p.name.clone(),
                                    reason: format!(
                                        "downloaded as {}, but the link in the UI points elsewhere: unlink it, then run again",
                                        d.sha256.short()
                                    ),
                                });
                                r.downloaded.push(d);
                                continue;
                            }
                        }
                        downloaded_shas.push(d.sha256.clone());
                        r.downloaded.push(d);
                        links.push(Todo { item });
                    }
                    Err(Error::Cancelled) => return Err(Error::Cancelled),
                    Err(e @ Error::InsufficientSpace { .. }) => return Err(e),
                    Err(e) => r.failed.push(FailedModel { name: p.name.clone(), reason: e.to_string() }),
                }
            }
            (UseStep::Restore, UseStep::Restore) => {
                r.skipped.push(skip(p, "its blob is still only on backup targets (the restore did not happen)".to_owned()));
            }
            (_, step) => r
                .skipped
                .push(skip(p, format!("it now needs {} instead of the planned {}: make a new plan", step_word(step), step_word(p.step)))),
        }
    }
    make_links(store, planned, &links, &mut r)?;
    drop(lock);
    r.auto_backup = if downloaded_shas.is_empty() { None } else { crate::target::autobackup::after_adopt(store, &downloaded_shas, ctl) };
    let total = planned.items.len();
    r.complete = r.linked.len() + r.already_linked.len() == total && total == fresh.items.len();
    Ok(r)
}

fn step_word(s: UseStep) -> &'static str {
    match s {
        UseStep::AlreadyLinked => "nothing",
        UseStep::Link => "a link",
        UseStep::Restore => "a restore",
        UseStep::Download => "a download",
        UseStep::Clash => "a name that is taken (clash)",
        UseStep::NotDoable => "something Synapse cannot do",
    }
}

fn skip(p: &WorkflowUseItem, reason: String) -> Skipped {
    Skipped { sha256: p.sha256.clone(), name: p.name.clone(), reason }
}

/// The fresh plan's item for a planned one: same name and kind, and the same
/// blob when the plan named one. `None` (and a skip with its reason) otherwise.
fn matching<'a>(fresh: &'a WorkflowUsePlan, p: &WorkflowUseItem, skipped: &mut Vec<Skipped>) -> Option<&'a WorkflowUseItem> {
    let Some(now) = fresh.items.iter().find(|i| i.name == p.name && i.kind == p.kind) else {
        skipped.push(skip(p, "the workflow no longer names it".to_owned()));
        return None;
    };
    match (&p.sha256, &now.sha256) {
        (Some(a), Some(b)) if a != b => {
            skipped.push(skip(p, format!("it now resolves to blob {} instead of the planned {}: make a new plan", b.short(), a.short())));
            return None;
        }
        (Some(a), None) => {
            skipped.push(skip(p, format!("it no longer resolves to the planned blob {}: make a new plan", a.short())));
            return None;
        }
        // A download without a known hash: a blob found since is not what the user confirmed.
        (None, Some(b)) if now.step != UseStep::Download => {
            skipped.push(skip(p, format!("a blob ({}) now answers to its name, which the plan did not show: make a new plan", b.short())));
            return None;
        }
        _ => {}
    }
    if now.link != p.link {
        skipped.push(skip(p, "its link would now go elsewhere (the UI's folder map changed): make a new plan".to_owned()));
        return None;
    }
    match now.step {
        UseStep::Clash | UseStep::NotDoable => {
            skipped.push(skip(p, now.reason.clone().unwrap_or_else(|| "it can no longer be done".to_owned())));
            None
        }
        _ => Some(now),
    }
}

fn ui_link(planned: &WorkflowUsePlan, it: &WorkflowUseItem, layout: &crate::store::layout::StoreLayout) -> Result<UiLink> {
    let sha = it.sha256.clone().ok_or_else(|| Error::internal("a link without a blob"))?;
    Ok(UiLink {
        ui: planned.ui.clone(),
        pack: planned.label.clone(),
        dependency_id: it.name.clone(),
        target: crate::links::link_blob_dir(layout)?.blob(&sha),
        sha256: sha,
        kind: it.kind,
        path: it.link.clone().ok_or_else(|| Error::internal("a link without a path"))?,
    })
}

/// Downloads one planned file into the store (the caller holds the store lock).
fn download_one(store: &Store, it: &WorkflowUseItem, ctl: Control) -> Result<DownloadedModel> {
    let layout = store.layout();
    let d = it.download.as_ref().ok_or_else(|| Error::internal("a download step without a download"))?;
    let expected_sha = match d.check {
        HashCheck::Sha256 => Some(Sha256::parse(d.expected_hash.as_deref().unwrap_or_default())?),
        _ => None,
    };
    if let Some(sha) = &expected_sha {
        if let Some(size) = crate::blob::blobs::size(&layout.blobs(), sha)? {
            // Arrived meanwhile (another download, a restore): nothing to fetch.
            return Ok(DownloadedModel {
                name: it.name.clone(),
                sha256: sha.clone(),
                url: d.url.clone(),
                size_bytes: size,
                bytes_downloaded: 0,
                resumed_from: 0,
                check: d.check,
                verified: true,
            });
        }
    }
    let tree = layout.tree()?;
    let tmp = layout.tmp();
    tree.mkdirs(&tmp)?;
    let part = match &expected_sha {
        Some(sha) => layout.download_part(sha),
        // Named by the URL, so an interrupted download of it resumes.
        None => tmp.join(format!("{}.download.part", Sha256::from_digest(&sha2_of(d.url.as_bytes())))),
    };
    if let Some(size) = d.size_bytes {
        crate::blob::copy::check_space(&tmp, size.saturating_sub(download::part_size(&tree, &part)))?;
    }
    let tracker = Tracker::new(ctl, "download", 1, d.size_bytes.unwrap_or(0));
    tracker.start_item(&it.name);
    let expect = Expect { sha: expected_sha.as_ref(), size: d.size_bytes, limit: d.limit_bytes.min(MAX_UNKNOWN_SIZE) };
    let fetched = match download::fetch(&download::agent(), &tree, &d.url, &part, &expect, &tracker, ctl.cancel) {
        Ok(f) => f,
        Err(Error::Cancelled) => {
            let _ = tree.remove_file(&part);
            return Err(Error::Cancelled);
        }
        Err(e) => return Err(e),
    };
    if d.check == HashCheck::Prefix {
        let prefix = d.expected_hash.as_deref().unwrap_or_default();
        if !fetched.sha256.as_str().starts_with(prefix) {
            let _ = tree.remove_file(&part);
            return Err(Error::Integrity { path: part, expected: format!("{prefix}…"), actual: fetched.sha256.to_string() });
        }
    }
    let placed = crate::blob::blobs::place_verified(layout, &part, &fetched.sha256, fetched.size)?;
    if placed.already_present {
        let _ = tree.remove_file(&part);
    }
    let last = it.name.rsplit('/').next().unwrap_or(&it.name);
    let origin = Origin { provider: Some("url".into()), filename: Some(last.to_owned()), ..Default::default() };
    crate::blob::blobs::write_manifest_if_absent(&layout.blobs(), &fetched.sha256, &download::manifest(last, it.kind, Some(&origin)))?;
    tracker.item_done();
    tracker.finish();
    Ok(DownloadedModel {
        name: it.name.clone(),
        sha256: fetched.sha256,
        url: d.url.clone(),
        size_bytes: fetched.size,
        bytes_downloaded: fetched.downloaded,
        resumed_from: fetched.resumed_from,
        check: d.check,
        verified: d.check != HashCheck::None,
    })
}

fn sha2_of(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// Records, then makes, the links (the caller holds the store lock). A
/// crash leaves at worst a recorded link that does not exist, never a link
/// nobody knows about; a link is one `symlinkat`, never half made.
fn make_links(store: &Store, planned: &WorkflowUsePlan, todo: &[Todo], r: &mut WorkflowUseResult) -> Result<()> {
    let layout = store.layout();
    let config = store.config()?;
    let target = ui_targets::find(&config, &planned.ui)?;
    let blob_dir = crate::links::link_blob_dir(layout)?;
    // Check each path once more, right now, and what it needs created.
    struct Ready {
        link: UiLink,
        folder: PathBuf,
        dirs: Vec<PathBuf>,
    }
    let mut ready: Vec<Ready> = Vec::new();
    for t in todo {
        let it = &t.item;
        let (Some(sha), Some(path)) = (it.sha256.clone(), it.link.clone()) else { continue };
        let Some(folder) = target.folder(it.kind) else { continue };
        if !crate::blob::blobs::exists(&layout.blobs(), &sha) {
            r.skipped.push(skip(it, format!("blob {} is no longer in the local store", sha.short())));
            continue;
        }
        let link = UiLink {
            ui: planned.ui.clone(),
            pack: planned.label.clone(),
            dependency_id: it.name.clone(),
            sha256: sha.clone(),
            kind: it.kind,
            path: path.clone(),
            target: blob_dir.blob(&sha),
        };
        match path_state(&folder, &path).map_err(Error::io("inspect", &path))? {
            PathState::Free => {}
            PathState::Linked(dest) if dest == link.target => {
                r.already_linked.push(link);
                continue;
            }
            PathState::Linked(dest) => {
                r.skipped.push(skip(it, format!("{} became a link to {} since the plan: left alone", path.display(), dest.display())));
                continue;
            }
            PathState::Taken(what) => {
                r.skipped.push(skip(it, format!("a {what} took the name {} since the plan: left alone", path.display())));
                continue;
            }
            PathState::Blocked(why) => {
                r.skipped.push(skip(it, why));
                continue;
            }
        }
        let mut dirs = Vec::new();
        let mut cur = path.parent();
        while let Some(d) = cur {
            if d == target.path || d.exists() {
                break;
            }
            dirs.push(d.to_path_buf());
            cur = d.parent();
        }
        dirs.reverse();
        ready.push(Ready { link, folder, dirs });
    }

    let mut record = LinkRecord::load(layout)?;
    let mut changed = false;
    for l in ready.iter().map(|x| &x.link).chain(r.already_linked.iter()) {
        let ours = record.links.iter().any(|e| e.path == l.path && e.target == l.target);
        let made_now = ready.iter().any(|x| x.link.path == l.path);
        if (made_now || ours) && !record.links.iter().any(|e| e.path == l.path && e.pack == l.pack && e.made_by == MadeBy::Use) {
            record.links.push(LinkEntry::from_link(l, MadeBy::Use));
            changed = true;
        }
    }
    for x in &ready {
        for d in &x.dirs {
            let e = DirEntry { ui: planned.ui.clone(), path: d.clone() };
            if !record.dirs.contains(&e) {
                record.dirs.push(e);
                changed = true;
            }
        }
    }
    if changed {
        record.save(layout)?;
    }

    for x in ready {
        let it_name = x.link.dependency_id.clone();
        // Folders up to the kind folder (the UI's own layout), then below it only through the tree.
        let mut failed = None;
        for d in x.dirs.iter().filter(|d| !d.starts_with(&x.folder) || **d == x.folder) {
            match fs::create_dir(d) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io("create folder", d)(e)),
            }
        }
        let tree = Tree::open(&x.folder)?;
        let parent = x.link.path.parent().unwrap_or(&x.folder).to_path_buf();
        if parent != x.folder {
            if let Err(e) = tree.mkdirs(&parent) {
                failed = Some(format!("cannot create its folder: {e}"));
            }
        }
        if failed.is_none() {
            match tree.symlink(&x.link.target, &x.link.path) {
                Ok(()) => {}
                Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
                    failed = Some(format!("something took the name {} just now: left alone", x.link.path.display()));
                }
                Err(e) => failed = Some(e.to_string()),
            }
        }
        match failed {
            None => r.linked.push(x.link),
            Some(reason) => r.skipped.push(Skipped { sha256: Some(x.link.sha256.clone()), name: it_name, reason }),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Pack
// ---------------------------------------------------------------------------

/// How `workflow pack` runs.
#[derive(Debug, Clone)]
pub struct WorkflowPackOptions {
    pub name: PackName,
    /// Match names also against this UI's links (as `workflow check --ui`).
    pub ui: Option<String>,
    /// Write the pack even when some models do not resolve to one blob (they go to the lock's `unresolved`).
    pub allow_missing: bool,
}

/// A model the pack's lock pins.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PinnedModel {
    pub dependency_id: String,
    /// The file name the workflow expects (the dependency's `expose.filename`).
    pub name: String,
    pub kind: AssetKind,
    pub sha256: Sha256,
    pub size_bytes: u64,
    pub url: Option<String>,
}

/// A model the pack's lock does not pin, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NotPinned {
    pub name: String,
    pub kind: AssetKind,
    pub status: ModelStatus,
    pub reason: String,
}

/// What `workflow pack` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowPackResult {
    pub pack: String,
    pub file: String,
    /// Where the workflow file went, relative to the pack's folder (`workflows/<file name>`).
    pub workflow_file: String,
    pub pinned: Vec<PinnedModel>,
    pub not_pinned: Vec<NotPinned>,
}

/// The file name the workflow is kept under in the pack's folder.
fn kept_name(file: &Path) -> String {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let plain =
        !name.is_empty() && name.len() <= 200 && !name.starts_with('.') && !name.chars().any(|c| c.is_control() || c == '/' || c == '\\');
    if plain {
        name
    } else {
        let ext =
            file.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).filter(|e| matches!(e.as_str(), "json" | "png" | "txt"));
        format!("workflow.{}", ext.unwrap_or_else(|| "json".to_owned()))
    }
}

/// `workflow pack FILE --name N`: writes a pack of type `workflow` whose
/// lock pins every model that resolved to one blob (sha256, size, kind,
/// the file name the workflow expects as `expose.filename`, the URL when
/// known) and which carries the workflow file in `workflows/`.
///
/// Models that do not resolve to one blob (missing, ambiguous,
/// unrecognised, downloadable but not downloaded yet, an unsafe name) are
/// listed in `not_pinned`; without `allow_missing` they refuse the pack
/// (`not_found`, nothing written), with it they go to the lock's
/// `unresolved` with their reason.
///
/// Errors: `already_exists` for an existing pack name; `not_found` (UI
/// target, unresolved models); `invalid_file`; `busy`; `io`.
pub fn pack_workflow(store: &Store, file: &Path, opts: &WorkflowPackOptions) -> Result<WorkflowPackResult> {
    let check = workflow::check(store, file, opts.ui.as_deref())?;
    let lock = store.lock("workflow pack")?;
    let layout = store.layout();
    if layout.pack_dir(&opts.name).exists() {
        return Err(Error::PackExists { name: opts.name.to_string() });
    }
    let mut pinned: Vec<PinnedModel> = Vec::new();
    let mut not_pinned: Vec<NotPinned> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for m in &check.models {
        let unpinned = |reason: String| NotPinned { name: m.name.clone(), kind: m.kind, status: m.status, reason };
        if let Some(w) = &m.name_warning {
            not_pinned.push(unpinned(format!("unsafe name: {w}")));
            continue;
        }
        let Some(b) =
            m.blob.as_ref().filter(|_| matches!(m.status, ModelStatus::Present | ModelStatus::OnBackup | ModelStatus::Downloadable))
        else {
            let reason = match m.status {
                ModelStatus::Downloadable => "no blob yet (only a URL is known): `workflow use` downloads it; pack again then".to_owned(),
                _ => why_not(m),
            };
            not_pinned.push(unpinned(reason));
            continue;
        };
        let base = crate::pack::packs::dependency_id(&m.name);
        let id =
            (1..).map(|i| if i == 1 { base.clone() } else { format!("{base}-{i}") }).find(|c| !taken.contains(c)).expect("infinite range");
        taken.push(id.clone());
        let url = m.url.clone().filter(|u| is_http(u));
        let kind = if m.kind == AssetKind::Unknown { b.kind } else { m.kind };
        pinned.push(PinnedModel { dependency_id: id, name: m.name.clone(), kind, sha256: b.sha256.clone(), size_bytes: b.size_bytes, url });
    }
    if !not_pinned.is_empty() && !opts.allow_missing {
        return Err(Error::WorkflowUnpinned {
            path: file.to_path_buf(),
            models: not_pinned.iter().map(|n| format!("{} ({})", n.name, n.reason)).collect(),
        });
    }
    let bytes = std::fs::read(file).map_err(Error::io("read", file))?;
    let kept = kept_name(file);
    let workflow_file = format!("workflows/{kept}");
    let (pack, lock_file) = pack_files(&opts.name, &check, &pinned, &not_pinned, &workflow_file);
    let tree = layout.tree()?;
    let dir = layout.pack_dir(&opts.name);
    tree.mkdirs(&dir.join("workflows"))?;
    // The workflow first, the lock, then pack.json: a crash leaves a pack that is unreadable (reported), never one pointing at nothing.
    tree.write_atomic(&dir.join(&workflow_file), &bytes)?;
    layout.write_json(&layout.lock_json(&opts.name), &lock_file)?;
    layout.write_json(&layout.pack_json(&opts.name), &pack)?;
    tree.fsync_dir(&layout.packs())?;
    drop(lock);
    Ok(WorkflowPackResult { pack: opts.name.to_string(), file: file.to_string_lossy().into_owned(), workflow_file, pinned, not_pinned })
}

fn pack_files(
    name: &PackName,
    check: &WorkflowCheck,
    pinned: &[PinnedModel],
    not_pinned: &[NotPinned],
    workflow_file: &str,
) -> (PackFile, LockFile) {
    let now = crate::store::fsutil::now_rfc3339();
    let mut pack = PackFile {
        schema: PACK_SCHEMA.into(),
        name: name.to_string(),
        pack_type: Some("workflow".into()),
        dependencies: Vec::new(),
        extra: Extra::new(),
    };
    pack.extra.insert("pack_category".into(), json!("custom"));
    pack.extra.insert("source".into(), json!({"provider": "local", "url": null}));
    pack.extra.insert("created_at".into(), json!(now));
    pack.extra.insert(
        "workflows".into(),
        json!([{ "name": workflow_file.trim_start_matches("workflows/"), "filename": workflow_file, "format": check.format, "is_default": true }]),
    );
    let mut lock = LockFile {
        schema: LOCK_SCHEMA.into(),
        pack: Some(name.to_string()),
        resolved: Vec::new(),
        unresolved: Vec::new(),
        extra: Extra::new(),
    };
    lock.extra.insert("resolved_at".into(), json!(now));
    for p in pinned {
        let pin = crate::pack::packs::Pinned {
            dependency_id: &p.dependency_id,
            kind: p.kind,
            filename: &p.name,
            selector: json!({"strategy": "sha256", "sha256": p.sha256}),
            sha256: &p.sha256,
            size_bytes: p.size_bytes,
            url: p.url.as_deref(),
        };
        crate::pack::packs::push_pinned(&mut pack, &mut lock, &pin);
    }
    for n in not_pinned {
        lock.unresolved.push(json!({
            "dependency_id": crate::pack::packs::dependency_id(&n.name),
            "reason": n.reason,
            "details": {"name": n.name, "kind": n.kind, "status": n.status},
        }));
    }
    (pack, lock)
}
