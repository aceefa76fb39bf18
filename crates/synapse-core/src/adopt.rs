//! `adopt <folder>` (SPEC §3.8): bring an existing model tree — a ComfyUI
//! `models/` folder, an A1111/Forge installation — into the store.
//!
//! Plan, then apply. The plan walks the folder (links are not followed),
//! hashes every model file once, in parallel, with progress, groups the files
//! by content, and gives every distinct content a kind (from the folder it was
//! found in: `loras`, `Lora`, `ESRGAN`, ... see [`ui_targets::kind_of_folder`]; else
//! the safetensors header) and a pack (one per file, named after it, unless a
//! pack already uses the blob). A dry run returns the plan: files found,
//! duplicates, and the bytes `--link` would save.
//!
//! Apply plans again under the store lock and, per distinct content, puts the
//! first copy into the store (copied, as a copy-on-write clone where the
//! filesystem offers one — never hard-linked: a user's file must not share an
//! inode with a blob, or editing it would change the blob), writes its `.meta` manifest and its
//! pack, and with `--link` replaces every copy by a symlink to the blob.
//! A user's file is replaced only once its blob is in the store and its bytes
//! were hashed right (an existing blob is re-hashed first), only when the file
//! is still the one that was hashed (same size and modification time), and
//! atomically (a symlink made beside it is renamed over it). The links are
//! recorded before they are made (see [`crate::links`]), so they count as
//! `active_in_uis`: deleting such a blob is guarded like a referenced one.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blob::blobs::{self, AdoptMode};
use crate::blob::kind;
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::links;
use crate::pack::packs::{self, AddedFile};
use crate::progress::{Control, Tracker};
use crate::results::{lossy, AutoBackupReport, ItemError, UiLink};
use crate::store::fsutil::{fsync_dir, TMP_SUFFIX};
use crate::store::layout::StoreLayout;
use crate::store::schema::BlobManifest;
use crate::store::Store;
use crate::target::autobackup;
use crate::ui_targets;
use crate::vocab::AssetKind;

/// File extensions of model files (compared case-insensitively).
pub(crate) const MODEL_EXTENSIONS: [&str; 7] = ["safetensors", "ckpt", "pt", "pth", "bin", "gguf", "onnx"];

/// How `adopt` runs (the desktop app sends it as is; missing fields are false).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct AdoptOptions {
    /// False: dry run, only the plan.
    pub execute: bool,
    /// Replace every original by a link to its blob.
    pub link: bool,
}

/// One model file as hashed, with what identifies that version of it: apply
/// trusts the plan's hash only while (device, inode, size, mtime) are the same.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Found {
    #[serde(serialize_with = "crate::results::lossy::path")]
    pub path: PathBuf,
    pub size: u64,
    /// `secs.nanos` since the epoch (a string: the app's JSON numbers cannot hold nanoseconds).
    pub mtime: Option<String>,
    /// `dev:ino`.
    pub id: String,
    pub sha: Sha256,
}

fn version_of(m: &fs::Metadata) -> (Option<String>, String) {
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()));
    (mtime, format!("{}:{}", m.dev(), m.ino()))
}

/// The plan of an adopt (SPEC §3.11): the preview, and the files behind it as
/// hashed. Applying it hashes nothing twice: a file is taken as planned only
/// while it is the same version of the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptPlan {
    pub plan: crate::plan::PlanStamp,
    pub options: AdoptOptions,
    pub preview: AdoptResult,
    /// Per blob of `preview.blobs`: its files as hashed (same order as `paths`).
    pub files: Vec<Vec<Found>>,
}

/// The plan: the result to show plus the hashed files behind it.
struct Plan {
    result: AdoptResult,
    files: Vec<Vec<Found>>,
}

fn is_model_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| MODEL_EXTENSIONS.iter().any(|m| m.eq_ignore_ascii_case(e)))
}

/// Plans (and with `execute`, applies) the adoption of `folder`.
///
/// Errors (nothing changed): `invalid_argument` when `folder` is not a folder
/// or lies inside the store; `busy`; `cancelled` while hashing. Once applying,
/// a file that cannot be adopted is listed in `errors` and the others go
/// ahead; a cancel stops between files and the result says `cancelled`.
pub fn adopt(store: &Store, folder: &Path, opts: AdoptOptions, ctl: Control) -> Result<AdoptResult> {
    let (folder, store_root) = checked_folder(store, folder)?;
    if !opts.execute {
        return Ok(plan(store, &folder, &store_root, opts, ctl)?.result);
    }
    let lock = store.lock("adopt")?;
    let p = plan(store, &folder, &store_root, opts, ctl)?;
    finish(store, &folder, p, lock, ctl)
}

/// Plans the adoption of `folder` (hashes every model file once, in
/// parallel; changes nothing). Errors as [`adopt`].
pub fn plan_adopt(store: &Store, folder: &Path, opts: AdoptOptions, ctl: Control) -> Result<AdoptPlan> {
    let (folder, store_root) = checked_folder(store, folder)?;
    let opts = AdoptOptions { execute: false, ..opts };
    let p = plan(store, &folder, &store_root, opts, ctl)?;
    Ok(AdoptPlan { plan: crate::plan::PlanStamp::new(store, "adopt")?, options: opts, preview: p.result, files: p.files })
}

/// Applies an adopt plan: the planned files only, each one only while it is
/// the version that was hashed (else an error names it: "changed since it was
/// hashed"); the blob's bytes are hash-checked again as they are copied.
/// Packs are written only for blobs no pack uses by then.
pub fn apply_adopt(store: &Store, planned: &AdoptPlan, ctl: Control) -> Result<AdoptResult> {
    let lock = store.lock("adopt")?;
    planned.plan.check(store, "adopt")?;
    if planned.files.len() != planned.preview.blobs.len() || planned.files.iter().any(Vec::is_empty) {
        return Err(Error::invalid("the adopt plan is damaged (its files do not match its blobs): make a new plan"));
    }
    let mut result = planned.preview.clone();
    result.dry_run = false;
    // Linking is the one choice made on the plan's own page (the preview shows what it saves).
    result.link = planned.options.link;
    let refs = packs::load_all_refs(store.layout())?;
    let used: HashSet<&Sha256> = refs.packs.iter().flat_map(|p| p.refs.iter().map(|r| &r.sha256)).collect();
    for b in &mut result.blobs {
        // A pack may have started to use the blob since: then no second pack.
        b.pack_exists = b.pack_exists || used.contains(&b.sha256);
    }
    let p = Plan { result, files: planned.files.clone() };
    finish(store, &planned.preview.folder, p, lock, ctl)
}

fn checked_folder(store: &Store, folder: &Path) -> Result<(PathBuf, PathBuf)> {
    let meta = fs::metadata(folder).map_err(Error::io("open folder", folder))?;
    if !meta.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder: give a model folder such as ComfyUI/models", folder.display())));
    }
    let folder = folder.canonicalize().map_err(Error::io("resolve", folder))?;
    let store_root = store.root().canonicalize().map_err(Error::io("resolve", store.root()))?;
    if folder.starts_with(&store_root) {
        return Err(Error::invalid(format!("{} is inside the store: adopt a UI's model folder, not the store", folder.display())));
    }
    Ok((folder, store_root))
}

fn finish(store: &Store, folder: &Path, mut p: Plan, lock: crate::store::lock::StoreLock, ctl: Control) -> Result<AdoptResult> {
    apply(store, folder, &mut p, ctl)?;
    drop(lock);
    if p.result.blobs_added > 0 {
        // `auto_backup_new`, once the store lock is released (it takes the locks it needs).
        let local = store.layout().blobs();
        let new: Vec<Sha256> =
            p.result.blobs.iter().filter(|b| !b.already_in_store && blobs::exists(&local, &b.sha256)).map(|b| b.sha256.clone()).collect();
        p.result.auto_backup = autobackup::after_adopt(store, &new, ctl);
    }
    Ok(p.result)
}

fn plan(store: &Store, folder: &Path, store_root: &Path, opts: AdoptOptions, ctl: Control) -> Result<Plan> {
    let layout = store.layout();
    let link_dir = links::link_blob_dir(layout)?;
    let mut candidates: Vec<(PathBuf, u64, (Option<String>, String))> = Vec::new();
    let mut skipped = Vec::new();
    let mut already_linked = 0u64;
    let walk = walkdir::WalkDir::new(folder).follow_links(false).sort_by_file_name().into_iter().filter_entry(|e| {
        // Hidden folders (.git, caches) and the store itself are not model folders.
        e.depth() == 0 || !(e.file_type().is_dir() && (e.file_name().to_string_lossy().starts_with('.') || e.path() == store_root))
    });
    for entry in walk {
        ctl.cancel.check()?;
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| folder.to_path_buf());
                skipped.push(AdoptSkip { path, reason: format!("cannot read: {e}") });
                continue;
            }
        };
        let path = entry.path();
        if entry.path_is_symlink() {
            if fs::read_link(path).is_ok_and(|t| t.starts_with(link_dir.root()) || t.starts_with(layout.blobs().root())) {
                already_linked += 1;
            } else if is_model_file(path) {
                skipped.push(AdoptSkip {
                    path: path.to_path_buf(),
                    reason: "a link, not a file: adopt the folder holding the file it points to".into(),
                });
            }
            continue;
        }
        if !entry.file_type().is_file() || !is_model_file(path) {
            continue;
        }
        match entry.metadata() {
            Ok(m) => candidates.push((path.to_path_buf(), m.len(), version_of(&m))),
            Err(e) => skipped.push(AdoptSkip { path: path.to_path_buf(), reason: format!("cannot read: {e}") }),
        }
    }

    let bytes_found: u64 = candidates.iter().map(|c| c.1).sum();
    let tracker = Tracker::new(ctl, "hash", candidates.len() as u64, bytes_found);
    let hashed: Vec<std::result::Result<Found, (PathBuf, Error)>> = candidates
        .par_iter()
        .map(|(path, size, (mtime, id))| {
            tracker.start_item(&path.file_name().unwrap_or_default().to_string_lossy());
            let r = blobs::hash_file(path, Some(&tracker), ctl.cancel);
            tracker.item_done();
            match r {
                Ok((sha, n)) => Ok(Found { path: path.clone(), size: n.max(*size), mtime: mtime.clone(), id: id.clone(), sha }),
                Err(e) => Err((path.clone(), e)),
            }
        })
        .collect();
    tracker.finish();
    ctl.cancel.check()?;

    let refs = packs::load_all_refs(layout)?;
    let mut used_by: HashMap<Sha256, String> = HashMap::new();
    for p in &refs.packs {
        for r in &p.refs {
            used_by.entry(r.sha256.clone()).or_insert_with(|| p.name.to_string());
        }
    }
    let mut result = AdoptResult {
        dry_run: !opts.execute,
        link: opts.link,
        folder: folder.to_path_buf(),
        files_found: 0,
        bytes_found: 0,
        blobs_distinct: 0,
        duplicates: 0,
        bytes_duplicates: 0,
        bytes_already_in_store: 0,
        bytes_to_store: 0,
        bytes_saved_by_linking: 0,
        blobs: Vec::new(),
        already_linked,
        skipped,
        blobs_added: 0,
        bytes_added: 0,
        packs_created: Vec::new(),
        files_linked: 0,
        bytes_freed: 0,
        errors: Vec::new(),
        cancelled: false,
        auto_backup: None,
    };
    let mut files: Vec<Vec<Found>> = Vec::new();
    let mut index: HashMap<Sha256, usize> = HashMap::new();
    let mut names_taken: HashSet<String> = HashSet::new();
    for h in hashed {
        let f = match h {
            Ok(f) => f,
            Err((path, e)) => {
                result.errors.push(item_error(None, Some(path), &e));
                continue;
            }
        };
        result.files_found += 1;
        result.bytes_found += f.size;
        if let Some(&i) = index.get(&f.sha) {
            result.duplicates += 1;
            result.bytes_duplicates += f.size;
            result.blobs[i].paths.push(f.path.clone());
            files[i].push(f);
            continue;
        }
        let filename = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        let kind = kind_from_path(folder, &f.path).or_else(|| kind::kind_from_safetensors(&f.path)).unwrap_or(AssetKind::Unknown);
        let already_in_store = blobs::exists(&layout.blobs(), &f.sha);
        let (pack, pack_exists) = match used_by.get(&f.sha) {
            Some(p) => (p.clone(), true),
            None => (pack_name_for(layout, &filename, &f.sha, &mut names_taken), false),
        };
        index.insert(f.sha.clone(), result.blobs.len());
        result.blobs.push(AdoptBlob {
            sha256: f.sha.clone(),
            kind,
            size_bytes: f.size,
            filename,
            paths: vec![f.path.clone()],
            already_in_store,
            pack,
            pack_exists,
        });
        files.push(vec![f]);
    }
    result.blobs_distinct = result.blobs.len() as u64;
    result.bytes_already_in_store = result.blobs.iter().filter(|b| b.already_in_store).map(|b| b.size_bytes).sum();
    result.bytes_to_store = result.blobs.iter().filter(|b| !b.already_in_store).map(|b| b.size_bytes).sum();
    result.bytes_saved_by_linking = result.bytes_found - result.bytes_to_store;
    Ok(Plan { result, files })
}

/// The kind of the nearest folder between the file and the adopted folder
/// (the adopted folder's own name included) that names a kind.
fn kind_from_path(folder: &Path, file: &Path) -> Option<AssetKind> {
    let rel = file.strip_prefix(folder).ok()?;
    let mut names: Vec<String> = rel.parent().map(|p| p.iter().map(|c| c.to_string_lossy().into_owned()).collect()).unwrap_or_default();
    names.reverse();
    names.extend(folder.file_name().map(|n| n.to_string_lossy().into_owned()));
    names.iter().find_map(|n| ui_targets::kind_of_folder(n))
}

/// A pack name made of the file's stem, unique among existing packs and this run's.
fn pack_name_for(layout: &StoreLayout, filename: &str, sha: &Sha256, taken: &mut HashSet<String>) -> String {
    let stem = Path::new(filename).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut base: String = stem.trim().trim_start_matches('.').chars().filter(|c| !c.is_control()).take(120).collect();
    base = base.trim().to_owned();
    if PackName::parse(&base).is_err() {
        base = format!("model-{}", sha.short());
    }
    let free = |n: &str| !taken.contains(n) && PackName::parse(n).is_ok_and(|p| !layout.pack_dir(&p).exists());
    let name = if free(&base) { base.clone() } else { (2..).map(|i| format!("{base} ({i})")).find(|n| free(n)).expect("infinite range") };
    taken.insert(name.clone());
    name
}

fn item_error(sha: Option<&Sha256>, path: Option<PathBuf>, e: &Error) -> ItemError {
    ItemError { sha256: sha.cloned(), display_name: None, path, code: e.code(), message: e.to_string() }
}

/// True when `path` is still the file that was hashed (same device, inode, size and mtime).
fn unchanged(f: &Found) -> bool {
    fs::symlink_metadata(&f.path).is_ok_and(|m| m.is_file() && m.len() == f.size && version_of(&m) == (f.mtime.clone(), f.id.clone()))
}

fn apply(store: &Store, folder: &Path, p: &mut Plan, ctl: Control) -> Result<()> {
    let layout = store.layout();
    let link_dir = links::link_blob_dir(layout)?;
    let config = store.config()?;
    let targets = ui_targets::targets(&config).unwrap_or_default();
    let bytes: u64 = p.result.blobs.iter().map(|b| b.size_bytes).sum();
    let tracker = Tracker::new(ctl, "adopt", p.result.blobs.len() as u64, bytes);
    let r = &mut p.result;
    let mut links_freed = 0u64;
    for (i, blob) in r.blobs.iter().enumerate() {
        if ctl.cancel.is_cancelled() {
            r.cancelled = true;
            break;
        }
        tracker.start_item(&blob.filename);
        let files = &p.files[i];
        let primary = &files[0];
        let err = |e: &Error| item_error(Some(&blob.sha256), Some(primary.path.clone()), e);
        // 1. The bytes in the store, hash-checked.
        let manifest = BlobManifest::local(&blob.filename, blob.kind);
        let placed = if blobs::exists(&layout.blobs(), &blob.sha256) {
            if r.link {
                // Links will be the only way to these bytes: check the store's copy first.
                let path = layout.blobs().blob(&blob.sha256);
                match blobs::open(&layout.blobs(), &blob.sha256).and_then(|f| blobs::hash_reader(f, &path, Some(&tracker), ctl.cancel)) {
                    Ok((actual, _)) if actual == blob.sha256 => Ok(false),
                    Ok((actual, _)) => Err(Error::Integrity {
                        path: layout.blobs().blob(&blob.sha256),
                        expected: blob.sha256.to_string(),
                        actual: actual.to_string(),
                    }),
                    Err(e) => Err(e),
                }
            } else {
                tracker.add_bytes(blob.size_bytes);
                Ok(false)
            }
            .and_then(|placed| blobs::write_manifest_if_absent(&layout.blobs(), &blob.sha256, &manifest).map(|()| placed))
        } else if !unchanged(primary) {
            Err(changed(primary))
        } else {
            // Never a hard link: the user's file stays a file of its own (`--link` then
            // replaces it with a symlink to the blob, which the UI reads through).
            blobs::adopt_file(layout, &primary.path, AdoptMode::Copy, Some(&manifest), Some(&tracker), ctl.cancel).and_then(|a| {
                if a.sha256 == blob.sha256 {
                    Ok(!a.already_present)
                } else {
                    Err(changed(primary))
                }
            })
        };
        match placed {
            Ok(true) => {
                r.blobs_added += 1;
                r.bytes_added += blob.size_bytes;
            }
            Ok(false) => {}
            Err(Error::Cancelled) => {
                r.cancelled = true;
                break;
            }
            Err(e) => {
                r.errors.push(err(&e));
                continue;
            }
        }
        // 2. Its pack.
        if !blob.pack_exists {
            let written = PackName::parse(&blob.pack).map_err(Error::from).and_then(|name| {
                let added = AddedFile {
                    dependency_id: packs::dependency_id(&blob.filename),
                    sha256: blob.sha256.clone(),
                    kind: blob.kind,
                    filename: blob.filename.clone(),
                    size_bytes: blob.size_bytes,
                    already_present: blob.already_in_store,
                };
                packs::write_new(layout, &name, &[added])
            });
            match written {
                Ok(()) => r.packs_created.push(blob.pack.clone()),
                Err(e) => {
                    r.errors.push(err(&e));
                    continue;
                }
            }
        }
        // 3. Every copy replaced by a link to the blob.
        if r.link {
            let target = link_dir.blob(&blob.sha256);
            let dependency_id = packs::dependency_id(&blob.filename);
            let links: Vec<UiLink> = files
                .iter()
                .map(|f| UiLink {
                    ui: ui_of(&targets, folder, &f.path),
                    pack: blob.pack.clone(),
                    dependency_id: dependency_id.clone(),
                    sha256: blob.sha256.clone(),
                    kind: blob.kind,
                    path: f.path.clone(),
                    target: target.clone(),
                })
                .collect();
            if let Err(e) = links::record_adopt_links(layout, &links) {
                r.errors.push(err(&e));
                continue;
            }
            let blob_id = blobs::stat(&layout.blobs(), &blob.sha256).ok().and_then(|b| b.file().map(|s| (s.id.dev, s.id.ino)));
            for f in files {
                match replace_with_link(f, &target, blob_id) {
                    Ok(freed) => {
                        r.files_linked += 1;
                        links_freed += freed;
                    }
                    Err(e) => r.errors.push(item_error(Some(&blob.sha256), Some(f.path.clone()), &e)),
                }
            }
        }
        tracker.item_done();
    }
    // Net space: every copy replaced by a link frees its bytes, and the
    // store's own copy of each new blob costs its bytes once.
    r.bytes_freed = links_freed.saturating_sub(if r.link { r.bytes_added } else { 0 });
    tracker.finish();
    Ok(())
}

fn changed(f: &Found) -> Error {
    Error::invalid(format!("{} changed since it was hashed: it was left as it is; run adopt again", f.path.display()))
}

/// The UI target holding `path`, else the adopted folder (for `active_in_uis`).
fn ui_of(targets: &[ui_targets::Target], folder: &Path, path: &Path) -> String {
    targets
        .iter()
        .find(|t| t.path.canonicalize().is_ok_and(|root| path.starts_with(root)))
        .map(|t| t.name.clone())
        .unwrap_or_else(|| folder.display().to_string())
}

/// Replaces the file by a symlink to `target`, atomically (a link made beside
/// it is renamed over it), if it is still the file that was hashed. Returns
/// the bytes freed: none when the file shares its inode with the blob.
fn replace_with_link(f: &Found, target: &Path, blob_id: Option<(u64, u64)>) -> Result<u64> {
    if !unchanged(f) {
        return Err(changed(f));
    }
    let m = fs::symlink_metadata(&f.path).map_err(Error::io("inspect", &f.path))?;
    let freed = if Some((m.dev(), m.ino())) == blob_id || m.nlink() > 1 { 0 } else { f.size };
    let dir = f.path.parent().ok_or_else(|| Error::invalid(format!("{} has no parent folder", f.path.display())))?;
    let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}{TMP_SUFFIX}", uuid::Uuid::new_v4().simple()));
    std::os::unix::fs::symlink(target, &tmp).map_err(Error::io("create link", &tmp))?;
    if let Err(e) = fs::rename(&tmp, &f.path) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io("replace with a link", &f.path)(e));
    }
    fsync_dir(dir)?;
    Ok(freed)
}

/// One distinct model file found by `adopt`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptBlob {
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// File name of the first copy (the pack's expose filename).
    pub filename: String,
    /// Every copy found, first one first.
    #[serde(serialize_with = "lossy::paths")]
    pub paths: Vec<PathBuf>,
    /// The store already had these bytes before this adopt.
    pub already_in_store: bool,
    /// The pack for this file: created (or to create), or the existing pack that already uses the blob.
    pub pack: String,
    /// True when an existing pack already references the blob (no pack is created).
    pub pack_exists: bool,
}

/// A file `adopt` left alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptSkip {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub reason: String,
}

/// `adopt <folder>`: the plan (dry run) and what was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdoptResult {
    pub dry_run: bool,
    pub link: bool,
    #[serde(serialize_with = "lossy::path")]
    pub folder: PathBuf,
    /// Model files found (every copy).
    pub files_found: u64,
    pub bytes_found: u64,
    /// Distinct contents among them.
    pub blobs_distinct: u64,
    /// Copies beyond the first of each content, and their bytes.
    pub duplicates: u64,
    pub bytes_duplicates: u64,
    /// Bytes of distinct files the store already had.
    pub bytes_already_in_store: u64,
    /// Bytes the store gains (distinct files it does not have yet).
    pub bytes_to_store: u64,
    /// Disk space `--link` frees: every copy becomes a link, each content is kept once, in the store.
    pub bytes_saved_by_linking: u64,
    pub blobs: Vec<AdoptBlob>,
    /// Links into this store found in the folder (adopted before): skipped.
    pub already_linked: u64,
    pub skipped: Vec<AdoptSkip>,
    /// Execute: blobs newly in the store, packs written, originals replaced by links, bytes those freed.
    pub blobs_added: u64,
    pub bytes_added: u64,
    pub packs_created: Vec<String>,
    pub files_linked: u64,
    pub bytes_freed: u64,
    pub errors: Vec<ItemError>,
    pub cancelled: bool,
    /// `auto_backup_new`: what became of the new blobs.
    pub auto_backup: Option<AutoBackupReport>,
}
