//! `doctor` (SPEC §3.9): finds what is wrong with a store and repairs what is safe.
//!
//! The checks only read. With `fix`, the repairs run under the store lock (so
//! no other operation is half-way through what is being repaired) and each is
//! re-checked against the disk just before it is applied. Doctor never touches
//! a valid blob, never deletes a file that might be someone's only copy of
//! something (an unknown file in the blob store is left alone and reported),
//! and never removes a UI link that does not point into this store.
//!
//! Finding codes: `unreadable_config`, `stale_lock`, `operation_in_progress`,
//! `stale_partial`, `bad_blob_name`, `orphan_manifest`, `unreadable_pack`,
//! `ui_target_missing`, `broken_ui_link`, `backup_disconnected`,
//! `stale_backup_catalog`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::pack::packs;
use crate::progress::CancelToken;
use crate::store::fsutil::TMP_SUFFIX;
use crate::store::layout::{BackupLayout, BlobDir, StoreLayout};
use crate::store::lock::{self, LockInfo, LockState};
use crate::store::schema::{ConfigFile, UiTarget};
use crate::store::Store;
use crate::target::backup::BackupState;
use crate::target::catalog::{self, Catalog};
use crate::target::Target;
use crate::vocab::BackupSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One finding of doctor.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    /// Stable code: `stale_partial`, `bad_blob_name`, `unreadable_pack`, `stale_lock`, ...
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub path: Option<PathBuf>,
    /// True when `--fix` repaired it in this run.
    pub fixed: bool,
    /// True when `--fix` can repair it.
    pub fixable: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DoctorReport {
    pub root: PathBuf,
    /// True when no finding is an unfixed error; warnings and infos are
    /// allowed (SPEC §5: `doctor` exits 0 then, 1 otherwise).
    pub ok: bool,
    pub findings: Vec<Finding>,
}

/// How deep below a UI model folder links are looked for (`models/<kind>/<sub>/<file>`).
const UI_WALK_DEPTH: usize = 4;

/// Checks the store and, with `fix`, repairs what is safe.
///
/// Errors only when the store cannot be examined at all, or when `fix` needs
/// the store lock and another operation holds it (`busy`).
pub fn doctor(store: &Store, fix: bool) -> Result<DoctorReport> {
    let layout = store.layout();
    let mut items: Vec<Item> = Vec::new();

    let config = match store.config() {
        Ok(c) => Some(c),
        Err(e) => {
            items.push(Item::report(
                "unreadable_config",
                Severity::Error,
                format!("{e}: fix the JSON by hand or restore it from the state backup; until then commands that need the config fail"),
                Some(layout.config()),
            ));
            None
        }
    };
    let lock_state = lock::probe(&layout.lock_file())?;
    check_lock(layout, &lock_state, &mut items);
    let blob_dir = layout.blobs();
    check_tree_links(layout, &mut items);
    let scan = match blobs::scan(&blob_dir) {
        // Reported by check_tree_links: the blobs cannot be listed through a link.
        Err(Error::LinkInTree { .. }) => blobs::BlobScan::default(),
        r => r?,
    };
    check_links_and_shared_inodes(&scan, &mut items);
    check_partials(layout, &scan, &lock_state, &mut items)?;
    check_strays(&scan, &mut items);
    check_manifests(&blob_dir, &scan, &mut items)?;
    check_packs(layout, &mut items)?;
    check_integrity(layout, &scan, &mut items);
    if let Some(config) = &config {
        check_ui_targets(config, &blob_dir, &mut items);
        for target in crate::target::all(layout, config)? {
            check_backup(layout, &target, &mut items)?;
        }
    }

    if fix {
        repair(store, &mut items)?;
    }
    let findings: Vec<Finding> = items.into_iter().map(|i| i.finding).collect();
    let ok = !findings.iter().any(|f| f.severity == Severity::Error && !f.fixed);
    Ok(DoctorReport { root: store.root().to_path_buf(), ok, findings })
}

/// A finding and how `--fix` would repair it.
struct Item {
    finding: Finding,
    repair: Repair,
}

#[derive(Debug, Clone)]
enum Repair {
    None,
    ClearStaleLock,
    RemovePartial(PathBuf),
    /// A file named like a blob in the wrong place: move it where it belongs if its content matches.
    MoveStray {
        path: PathBuf,
        claimed: Sha256,
    },
    /// A dangling link into this store's blobs; `target` as read when found.
    RemoveLink {
        link: PathBuf,
        target: PathBuf,
    },
    /// The catalog of a connected target is out of date: rescan its drive.
    RefreshCatalog(Target),
    /// A blob sharing its inode with another path: replace it by a verified copy of its own.
    Unshare(Sha256),
    /// The target is disabled: its catalog describes no drive in use.
    RemoveCatalog(Target),
}

impl Item {
    fn report(code: &str, severity: Severity, message: String, path: Option<PathBuf>) -> Item {
        Item::new(code, severity, message, path, Repair::None)
    }

    fn new(code: &str, severity: Severity, message: String, path: Option<PathBuf>, repair: Repair) -> Item {
        let fixable = !matches!(repair, Repair::None);
        Item { finding: Finding { code: code.to_owned(), severity, message, path, fixed: false, fixable }, repair }
    }
}

fn check_lock(layout: &StoreLayout, state: &LockState, out: &mut Vec<Item>) {
    let path = Some(layout.lock_file());
    match state {
        LockState::Free => {}
        LockState::Held(info) => out.push(Item::report(
            "operation_in_progress",
            Severity::Info,
            format!("the store is in use: {} (pid {}, since {}); its partial files are left alone", info.operation, info.pid, info.since),
            path,
        )),
        LockState::Stale(info) => out.push(Item::new(
            "stale_lock",
            Severity::Warning,
            format!(
                "lock file names pid {} ({}, since {}) but that process is gone; the lock itself is free; fixing clears the record",
                info.pid, info.operation, info.since
            ),
            path,
            Repair::ClearStaleLock,
        )),
    }
}

fn holder(state: &LockState) -> Option<&LockInfo> {
    match state {
        LockState::Held(info) => Some(info),
        LockState::Free | LockState::Stale(_) => None,
    }
}

/// The folders of the store layout must be real folders: a symbolic link there
/// (data/tmp pointing at a shared folder, state/packs/<P> leading elsewhere)
/// is never followed by Synapse, so operations that need it fail. Reported,
/// never "fixed" by deleting anything.
fn check_tree_links(layout: &StoreLayout, out: &mut Vec<Item>) {
    let Ok(tree) = layout.tree() else { return };
    let mut dirs: Vec<PathBuf> =
        vec![layout.data(), layout.blobs().root().to_path_buf(), layout.tmp(), layout.cache(), layout.state(), layout.packs()];
    if let Ok(entries) = tree.read_dir(&layout.packs()) {
        dirs.extend(entries.into_iter().map(|e| layout.packs().join(e.name)));
    }
    for dir in dirs {
        match tree.stat(&dir) {
            Ok(Some(s)) if s.kind == crate::store::tree::Kind::Symlink => out.push(link_finding(&dir)),
            Err(Error::LinkInTree { .. }) | Ok(_) | Err(_) => {}
        }
    }
    for foreign in blobs::foreign_tmp(layout) {
        out.push(Item::report(
            "foreign_tmp_file",
            Severity::Info,
            "not written by Synapse (a file of yours, or another program's download in progress): cleanup and doctor leave it alone. Move it out of the store if it is yours".to_owned(),
            Some(foreign),
        ));
    }
}

fn link_finding(path: &Path) -> Item {
    let to = fs::read_link(path).map(|t| format!(" (it points at {})", t.display())).unwrap_or_default();
    Item::report(
        "link_in_store",
        Severity::Error,
        format!(
            "a symbolic link is where a folder or blob of the store should be{to}: Synapse never reads, writes or deletes through it, so operations that need it fail. Replace the link with the real folder or file (move the contents in, then remove the link)"
        ),
        Some(path.to_path_buf()),
    )
}

/// Links where blobs or fan-out folders should be, and blobs whose inode has
/// other names (hard links): an edit through the other name would change
/// the blob. `--fix` gives the blob an inode of its own (a verified copy
/// renamed over it); the other file keeps its bytes and its name.
fn check_links_and_shared_inodes(scan: &blobs::BlobScan, out: &mut Vec<Item>) {
    for link in &scan.links {
        out.push(link_finding(link));
    }
    for b in scan.blobs.iter().filter(|b| b.nlink > 1) {
        out.push(Item::new(
            "shared_inode",
            Severity::Warning,
            format!(
                "blob {} shares its bytes with {} other path(s) (hard links): writing to one of them would corrupt the blob; fixing gives the blob a copy of its own, and the other files keep their bytes",
                b.sha256.short(),
                b.nlink - 1
            ),
            None,
            Repair::Unshare(b.sha256.clone()),
        ));
    }
}

/// `.part` files beside blobs, files in `data/tmp`, and leftover temporary
/// files of interrupted atomic writes in the blob folders.
fn check_partials(layout: &StoreLayout, scan: &blobs::BlobScan, state: &LockState, out: &mut Vec<Item>) -> Result<()> {
    let mut partials: Vec<(PathBuf, u64)> = blobs::stale_partials(layout)?.into_iter().map(|p| (p.path, p.size_bytes)).collect();
    for stray in &scan.strays {
        if is_atomic_temp(stray) {
            if let Ok(m) = fs::symlink_metadata(stray) {
                if m.is_file() {
                    partials.push((stray.clone(), m.len()));
                }
            }
        }
    }
    partials.sort();
    for (path, size) in partials {
        let item = match holder(state) {
            Some(info) => Item::report(
                "stale_partial",
                Severity::Info,
                format!(
                    "partial file ({size} bytes) while an operation is in progress ({}, pid {}): probably its own, left alone",
                    info.operation, info.pid
                ),
                Some(path),
            ),
            None => Item::new(
                "stale_partial",
                Severity::Warning,
                format!("stale partial file ({size} bytes) left by an interrupted download, copy or write; fixing deletes it"),
                Some(path.clone()),
                Repair::RemovePartial(path),
            ),
        };
        out.push(item);
    }
    Ok(())
}

fn is_atomic_temp(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(TMP_SUFFIX))
}

/// The hash a stray file's name claims, when it is 64 hex characters (any case).
fn claimed_hash(path: &Path) -> Option<Sha256> {
    path.file_name().and_then(|n| n.to_str()).and_then(|n| Sha256::parse(n).ok())
}

fn check_strays(scan: &blobs::BlobScan, out: &mut Vec<Item>) {
    let mut strays: Vec<&PathBuf> = scan.strays.iter().filter(|p| !is_atomic_temp(p)).collect();
    strays.sort();
    for path in strays {
        let meta = fs::symlink_metadata(path);
        let item = match (&meta, claimed_hash(path)) {
            (Ok(m), _) if m.is_dir() => Item::report(
                "bad_blob_name",
                Severity::Warning,
                "unexpected folder in the blob store: Synapse ignores it; move it out of the store".to_owned(),
                Some(path.clone()),
            ),
            (Ok(m), _) if m.is_symlink() => Item::report(
                "bad_blob_name",
                Severity::Warning,
                "a link in the blob store: blobs are real files, so Synapse ignores it; move it out of the store".to_owned(),
                Some(path.clone()),
            ),
            (Ok(m), Some(claimed)) if m.is_file() => {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let what = if name != claimed.as_str() { "blob file with an upper-case name" } else { "blob file in the wrong folder" };
                Item::new(
                    "bad_blob_name",
                    Severity::Warning,
                    format!(
                        "{what} (it belongs at {}/{claimed}), so Synapse does not see it; fixing checks its hash and moves it there",
                        claimed.fanout()
                    ),
                    Some(path.clone()),
                    Repair::MoveStray { path: path.clone(), claimed },
                )
            }
            _ => Item::report(
                "bad_blob_name",
                Severity::Warning,
                "not a blob (the name is not a SHA-256) and not a file Synapse writes: Synapse ignores it. Move it out of the store, or delete it if you do not need it".to_owned(),
                Some(path.clone()),
            ),
        };
        out.push(item);
    }
}

/// `<sha>.meta` files whose blob is not in the store.
fn check_manifests(dir: &BlobDir, scan: &blobs::BlobScan, out: &mut Vec<Item>) -> Result<()> {
    let strays: HashSet<&Path> = scan.strays.iter().map(PathBuf::as_path).collect();
    let mut orphans = Vec::new();
    for fanout in list_dir(dir.root())? {
        if !fanout.is_dir() {
            continue;
        }
        for path in list_dir(&fanout)? {
            let Some(stem) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".meta")) else { continue };
            let Ok(sha) = Sha256::parse(stem) else { continue };
            // A manifest beside a mis-filed blob travels with it (see MoveStray).
            if !Sha256::is_blob_file_name(stem) || strays.contains(path.with_file_name(stem).as_path()) {
                continue;
            }
            if !dir.blob(&sha).is_file() {
                orphans.push(path);
            }
        }
    }
    orphans.sort();
    for path in orphans {
        out.push(Item::report(
            "orphan_manifest",
            Severity::Info,
            "blob manifest without its blob: harmless, kept so the blob gets its name and kind back if it returns (restore, re-download)"
                .to_owned(),
            Some(path),
        ));
    }
    Ok(())
}

/// Entries of a directory; a missing directory is empty.
fn list_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io("list", dir)(e)),
    }
}

fn check_packs(layout: &StoreLayout, out: &mut Vec<Item>) -> Result<()> {
    for err in packs::load_all(layout)?.errors {
        out.push(Item::report(
            "unreadable_pack",
            Severity::Error,
            format!(
                "pack {:?} cannot be read: {}. Cleanup refuses to run until it is fixed (its blobs would look like orphans): repair the file or delete the pack folder",
                err.pack, err.reason
            ),
            Some(err.path),
        ));
    }
    Ok(())
}

fn check_ui_targets(config: &ConfigFile, blobs: &BlobDir, out: &mut Vec<Item>) {
    let roots = blob_roots(blobs);
    for target in &config.ui_targets {
        let root = PathBuf::from(&target.path);
        if !root.is_dir() {
            out.push(Item::report(
                "ui_target_missing",
                Severity::Warning,
                format!(
                    "UI target {:?} ({}) points at {}, which is not a folder (drive not mounted, or the UI moved?): mount the drive, or remove the target and add it again with its new folder",
                    target.name,
                    target.kind,
                    root.display(),
                ),
                Some(root),
            ));
            continue;
        }
        let mut broken = Vec::new();
        for folder in model_folders(config, target) {
            let folder = root.join(folder);
            if !folder.is_dir() {
                continue;
            }
            let walk = walkdir::WalkDir::new(&folder).follow_links(false).max_depth(UI_WALK_DEPTH);
            for entry in walk.into_iter().filter_map(|e| e.ok()) {
                if !entry.path_is_symlink() {
                    continue;
                }
                let link = entry.path();
                if let Some(target) = dangling_store_link(link, &roots) {
                    broken.push((link.to_path_buf(), target));
                }
            }
        }
        broken.sort();
        broken.dedup();
        for (link, dest) in broken {
            out.push(Item::new(
                "broken_ui_link",
                Severity::Warning,
                format!(
                    "UI {:?} links to blob {} which is no longer in the store: the UI will fail to load it. Restore the blob (pull its pack from the backup), or fix to remove the link",
                    target.name,
                    dest.display()
                ),
                Some(link.clone()),
                Repair::RemoveLink { link, target: dest },
            ));
        }
    }
}

/// Top-level folders of a UI that hold model files: `models/` and `embeddings/`
/// (where A1111-style UIs keep embeddings), plus the first folder of every
/// `ui.kind_map` entry the config has for this UI.
fn model_folders(config: &ConfigFile, target: &UiTarget) -> BTreeSet<PathBuf> {
    let mut out: BTreeSet<PathBuf> = ["models", "embeddings"].into_iter().map(PathBuf::from).collect();
    let maps = config.extra.get("ui").and_then(|u| u.get("kind_map"));
    for key in [&target.name, &target.kind] {
        let Some(map) = maps.and_then(|m| m.get(key.as_str())).and_then(|m| m.as_object()) else { continue };
        for sub in map.values().filter_map(|v| v.as_str()) {
            if let Some(Component::Normal(first)) = Path::new(sub).components().next() {
                out.insert(PathBuf::from(first));
            }
        }
    }
    out
}

/// The blob folder as links may spell it: absolute, and with symlinks resolved.
fn blob_roots(blobs: &BlobDir) -> Vec<PathBuf> {
    let mut roots = vec![normalize(&std::path::absolute(blobs.root()).unwrap_or_else(|_| blobs.root().to_path_buf()))];
    if let Ok(canon) = blobs.root().canonicalize() {
        if !roots.contains(&canon) {
            roots.push(canon);
        }
    }
    roots
}

/// The link's target when it points into this store's blobs and is dangling.
fn dangling_store_link(link: &Path, roots: &[PathBuf]) -> Option<PathBuf> {
    let target = fs::read_link(link).ok()?;
    if !points_into(link, &target, roots) {
        return None;
    }
    match fs::metadata(link) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(target),
        _ => None,
    }
}

/// True when a link's target (as read) lies inside one of `roots`.
fn points_into(link: &Path, target: &Path, roots: &[PathBuf]) -> bool {
    let joined = match link.parent() {
        Some(parent) if target.is_relative() => parent.join(target),
        _ => target.to_path_buf(),
    };
    let lexical = normalize(&std::path::absolute(&joined).unwrap_or(joined));
    let mut candidates = vec![lexical.clone()];
    // The target's folder may still exist (the fan-out folder of a deleted blob):
    // resolve it, so links made through another spelling of the store path match.
    if let (Some(parent), Some(name)) = (lexical.parent(), lexical.file_name()) {
        if let Ok(canon) = parent.canonicalize() {
            candidates.push(canon.join(name));
        }
    }
    candidates.iter().any(|c| roots.iter().any(|r| c.starts_with(r) && c != r))
}

/// Resolves `.` and `..` without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn check_backup(layout: &StoreLayout, target: &Target, out: &mut Vec<Item>) -> Result<()> {
    let catalog_path = target.catalog_file(layout);
    let named = if target.primary { String::new() } else { format!(" ({:?})", target.name) };
    match BackupState::of(layout, target) {
        BackupState::Disabled { .. } => {
            if catalog_path.exists() {
                out.push(Item::new(
                    "stale_backup_catalog",
                    Severity::Info,
                    format!("backup storage{named} is disabled, but the record of a backup drive's contents is still kept; --fix deletes the record (a cache: nothing on any drive changes)"),
                    Some(catalog_path),
                    Repair::RemoveCatalog(target.clone()),
                ));
            }
        }
        BackupState::NoPath => out.push(Item::report(
            "backup_no_path",
            Severity::Warning,
            "backup storage is enabled but no backup folder is configured: choose one, or turn backup storage off".to_owned(),
            Some(layout.config()),
        )),
        BackupState::Connected { layout: drive } => {
            let id = crate::target::backup::read_id(&drive);
            let (catalog, identity_changed) = Catalog::for_drive(layout, target, drive.path(), id.as_deref());
            let live = blobs::scan(&drive.blobs())?;
            check_backup_copies(layout, &live, out);
            let live: BTreeMap<Sha256, u64> = live.blobs.into_iter().map(|b| (b.sha256, b.size)).collect();
            let differ = live.iter().filter(|(sha, size)| catalog.blobs.get(*sha) != Some(size)).count()
                + catalog.blobs.keys().filter(|sha| !live.contains_key(*sha)).count();
            if identity_changed || differ > 0 {
                let what = if identity_changed && catalog.blobs.is_empty() {
                    "no record of this drive's contents is kept yet".to_owned()
                } else {
                    format!("the record of the backup drive's contents{named} is out of date ({differ} blob(s) differ from the drive)")
                };
                out.push(Item::new(
                    "stale_backup_catalog",
                    Severity::Warning,
                    format!("{what}: while the drive is unplugged the inventory would show wrong backup locations. Any inventory with the drive plugged in refreshes it; --fix refreshes it now"),
                    Some(catalog_path),
                    Repair::RefreshCatalog(target.clone()),
                ));
            }
        }
        BackupState::Online { bucket, identity, .. } => {
            let place = target.place().unwrap_or_default();
            let id = identity.map(|i| i.backup_id);
            let (catalog, identity_changed) = Catalog::for_drive(layout, target, &place, id.as_deref());
            let live: BTreeMap<Sha256, u64> = bucket.list()?.into_iter().collect();
            let differ = live.iter().filter(|(sha, size)| catalog.blobs.get(*sha) != Some(size)).count()
                + catalog.blobs.keys().filter(|sha| !live.contains_key(*sha)).count();
            if identity_changed || differ > 0 {
                out.push(Item::new(
                    "stale_backup_catalog",
                    Severity::Warning,
                    format!("the record of the bucket's contents{named} is out of date ({differ} blob(s) differ from a listing): the inventory shows wrong copies until it is refreshed; --fix lists the bucket again now"),
                    Some(catalog_path),
                    Repair::RefreshCatalog(target.clone()),
                ));
            }
        }
        BackupState::Unresponsive { path, waited } => out.push(Item::report(
            "backup_unresponsive",
            Severity::Warning,
            format!(
                "backup drive{named} at {} did not answer within {} s: a hung network or FUSE mount? Nothing waits for it; the inventory shows its contents from its record until it answers again",
                path.display(),
                waited.as_secs()
            ),
            Some(path),
        )),
        BackupState::Disconnected { path, reason } if crate::target::backup::aliasing(layout.root(), &BackupLayout::new(&path)).is_some() => {
            out.push(Item::report(
                "backup_aliases_store",
                Severity::Error,
                format!("{reason}. Until then the backup is treated as not connected: nothing counts as backed up and nothing is deleted because of it"),
                Some(path),
            ));
        }
        BackupState::Disconnected { path, reason } => {
            let catalog = Catalog::load(layout, target);
            let cached = if catalog.path.as_deref() == Some(path.as_path()) {
                let when = catalog.updated_at.as_deref().unwrap_or("an unknown time");
                format!(
                    "The inventory shows its contents as recorded at {when} ({} blob(s)); verifying, restoring and syncing need the drive",
                    catalog.blobs.len()
                )
            } else {
                "No record of its contents is kept here, so the inventory cannot show what it holds until it is plugged in; verifying, restoring and syncing need the drive".to_owned()
            };
            out.push(Item::report(
                "backup_disconnected",
                Severity::Info,
                format!("backup drive{named} not connected: {reason}. {cached}"),
                Some(path),
            ));
        }
    }
    Ok(())
}

/// Copies recorded as corrupt (`data/integrity.json`) that are still where
/// they were found: they count as no copy, and Repair replaces them. A record
/// that cannot be read is an error of its own (it must not be lost).
fn check_integrity(layout: &StoreLayout, scan: &blobs::BlobScan, out: &mut Vec<Item>) {
    let record = match crate::store::integrity::IntegrityRecord::load(layout) {
        Ok(r) => r,
        Err(e) => {
            out.push(Item::report("unreadable_integrity_record", Severity::Error, e.to_string(), Some(layout.integrity())));
            return;
        }
    };
    let local: std::collections::HashSet<&Sha256> = scan.blobs.iter().map(|b| &b.sha256).collect();
    for (sha, copies) in record.blobs() {
        for (side, found) in copies {
            // A local record whose file is gone describes nothing any more.
            if side == crate::target::LOCAL && !local.contains(sha) {
                continue;
            }
            let path = (side == crate::target::LOCAL).then(|| layout.blobs().blob(sha));
            out.push(Item::report(
                "corrupt_copy",
                Severity::Error,
                format!(
                    "the {side} copy of blob {} is corrupt: {} found it hashes to {} (at {}). It does not count as a copy; Repair replaces it from a good copy and moves it to data/quarantine/",
                    sha.short(),
                    found.found_by,
                    &found.actual[..12.min(found.actual.len())],
                    found.found_at
                ),
                path,
            ));
        }
    }
}

/// Blobs on the drive that are no copies: a link where a blob should be, or
/// the local blob's own inode seen from the drive (a hard link). Neither
/// counts as a backup copy; the next sync writes a real one over it.
fn check_backup_copies(layout: &StoreLayout, live: &blobs::BlobScan, out: &mut Vec<Item>) {
    let what = "is not a copy: Synapse does not count it as backed up; a backup sync writes a real copy in its place";
    for link in &live.links {
        out.push(Item::report(
            "backup_not_a_copy",
            Severity::Warning,
            format!("a symbolic link on the backup drive {what}"),
            Some(link.clone()),
        ));
    }
    let local = layout.blobs();
    for b in &live.blobs {
        let same = blobs::stat(&local, &b.sha256).ok().and_then(|s| s.file().map(|s| Some(s.id) == b.id)).unwrap_or(false);
        if same {
            out.push(Item::report(
                "backup_not_a_copy",
                Severity::Warning,
                format!(
                    "blob {} on the backup drive is the local file itself (same device and inode: a hard link) and {what}",
                    b.sha256.short()
                ),
                None,
            ));
        }
    }
}

/// Applies every repair: the stale lock record first (clearing it takes the
/// lock briefly), then everything else under the store lock.
fn repair(store: &Store, items: &mut [Item]) -> Result<()> {
    let lock_file = store.layout().lock_file();
    for item in items.iter_mut().filter(|i| matches!(i.repair, Repair::ClearStaleLock)) {
        match lock::clear_stale(&lock_file) {
            Ok(()) => set_fixed(item, "cleared the stale lock record".to_owned()),
            Err(Error::Busy { operation, pid, .. }) => {
                // Someone took the lock since the check: the record is theirs now, not stale.
                item.finding.severity = Severity::Info;
                item.finding.fixable = false;
                item.finding.message =
                    format!("the lock record was stale, but {operation} (pid {pid}) has taken the lock since: nothing to clear");
            }
            Err(e) => set_failed(item, &e.to_string()),
        }
    }
    let needs_lock = |r: &Repair| {
        matches!(
            r,
            Repair::RemovePartial(_)
                | Repair::Unshare(_)
                | Repair::MoveStray { .. }
                | Repair::RemoveLink { .. }
                | Repair::RefreshCatalog(_)
                | Repair::RemoveCatalog(_)
        )
    };
    if !items.iter().any(|i| needs_lock(&i.repair)) {
        return Ok(());
    }
    let _lock = store.lock("doctor")?;
    let blobs = store.layout().blobs();
    for item in items.iter_mut() {
        match item.repair.clone() {
            Repair::RemovePartial(path) => match store.layout().tree().and_then(|t| t.remove_file(&path)) {
                Ok(true) => set_fixed(item, "deleted the stale partial file".to_owned()),
                Ok(false) => set_fixed(item, "the partial file is already gone".to_owned()),
                Err(e) => set_failed(item, &format!("cannot delete it: {e}")),
            },
            Repair::Unshare(sha) => {
                let cancel = crate::progress::CancelToken::new();
                let layout = store.layout();
                let unshared = blobs::open(&blobs, &sha).and_then(|f| blobs::adopt_reader_replacing(layout, f, &sha, &cancel));
                match unshared {
                    Ok(()) => set_fixed(item, "the blob has a copy of its own now; the other paths keep the old bytes".to_owned()),
                    Err(e) => set_failed(item, &e.to_string()),
                }
            }
            Repair::MoveStray { path, claimed } => match move_stray(&blobs, &path, &claimed) {
                Ok(Fix::Done(msg)) => set_fixed(item, msg),
                Ok(Fix::Refused(msg)) => {
                    item.finding.fixable = false;
                    item.finding.message = msg;
                }
                Err(e) => set_failed(item, &e.to_string()),
            },
            Repair::RemoveLink { link, target } => {
                let roots = blob_roots(&blobs);
                // Only the same link, still pointing where it did, still dangling.
                if dangling_store_link(&link, &roots).as_deref() != Some(target.as_path()) {
                    if fs::symlink_metadata(&link).is_err() {
                        set_fixed(item, "the link is already gone".to_owned());
                    } else {
                        item.finding.severity = Severity::Info;
                        item.finding.fixable = false;
                        set_failed(item, "the link changed meanwhile (it is no longer a dangling link into the store): left alone");
                    }
                    continue;
                }
                match fs::remove_file(&link) {
                    Ok(()) => set_fixed(item, "removed the dangling link".to_owned()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => set_fixed(item, "the link is already gone".to_owned()),
                    Err(e) => set_failed(item, &format!("cannot remove the link: {e}")),
                }
            }
            Repair::RefreshCatalog(target) if target.s3.is_some() => match BackupState::of(store.layout(), &target) {
                BackupState::Online { bucket, identity, .. } => {
                    match catalog::refresh_bucket(store.layout(), &target, &bucket, identity.map(|i| i.backup_id).as_deref()) {
                        Ok(b) => set_fixed(item, format!("listed the bucket: {} blob(s) recorded", b.len())),
                        Err(e) => set_failed(item, &e.to_string()),
                    }
                }
                _ => set_failed(item, "the bucket no longer answers"),
            },
            Repair::RefreshCatalog(target) => {
                let refreshed = catalog::backup_blobs(store.layout(), &target, &BackupState::of(store.layout(), &target));
                match refreshed {
                    Ok(b) if b.source == BackupSource::Live => {
                        set_fixed(item, format!("rescanned the drive: {} blob(s) recorded", b.blobs.len()))
                    }
                    Ok(_) => set_failed(item, "the drive is no longer connected"),
                    Err(e) => set_failed(item, &e.to_string()),
                }
            }
            Repair::RemoveCatalog(target) => {
                let layout = store.layout();
                let removed = layout.tree().and_then(|t| {
                    [target.catalog_file(layout), target.syncs_file(layout)].iter().try_for_each(|p| t.remove_file(p).map(|_| ()))
                });
                match removed {
                    Ok(()) => set_fixed(item, "deleted the record".to_owned()),
                    Err(e) => set_failed(item, &format!("cannot delete it: {e}")),
                }
            }
            Repair::None | Repair::ClearStaleLock => {}
        }
    }
    Ok(())
}

fn set_fixed(item: &mut Item, what: String) {
    item.finding.fixed = true;
    item.finding.message = format!("{} — fixed: {what}", item.finding.message);
}

fn set_failed(item: &mut Item, why: &str) {
    item.finding.message = format!("{} — not fixed: {why}", item.finding.message);
}

/// What [`move_stray`] decided.
enum Fix {
    Done(String),
    /// Not safe to repair; the message says why and what to do.
    Refused(String),
}

/// Moves a mis-filed blob to its blob path after checking its content, or
/// removes it when the store already has an identical, valid copy.
fn move_stray(blobs: &BlobDir, path: &Path, claimed: &Sha256) -> Result<Fix> {
    let never = CancelToken::new();
    let (actual, _) = blobs::hash_file(path, None, &never)?;
    if &actual != claimed {
        return Ok(Fix::Refused(format!(
            "named like blob {claimed} but its content hashes to {actual}: a damaged or misnamed file, left alone. Move it out of the store; if it is a model you need, add it to a pack"
        )));
    }
    let dest = blobs.blob(&actual);
    let tree = blobs.tree()?;
    match blobs::stat(blobs, &actual)? {
        blobs::BlobAt::File(_) => {
            // Read through the tree: only a real blob file there makes this file a duplicate.
            let (existing, _) = blobs::hash_reader(blobs::open(blobs, &actual)?, &dest, None, &never)?;
            if existing != actual {
                return Ok(Fix::Refused(format!(
                    "this file is a good copy of blob {actual}, but the blob at {} is damaged (it hashes to {existing}): both left alone. Verify blob {actual}; repairing it replaces the damaged copy from a good one",
                    dest.display()
                )));
            }
            tree.remove_file(path)?;
            if let Some(parent) = path.parent() {
                tree.fsync_dir(parent)?;
            }
            return Ok(Fix::Done(format!("the store already has this blob intact at {}; removed the duplicate", dest.display())));
        }
        blobs::BlobAt::NotAFile(_) => {
            return Ok(Fix::Refused(format!(
                "this file is a good copy of blob {actual}, but a link or folder is where that blob belongs ({}): left alone. Remove what is there (it is not a blob), then fix again",
                dest.display()
            )));
        }
        blobs::BlobAt::Missing => {}
    }
    let fan = dest.parent().expect("a blob path has a parent");
    tree.mkdirs(fan)?;
    tree.rename_noreplace(path, &dest)?;
    // Its manifest, if it has one beside it, goes with it.
    let meta = path.with_file_name(format!("{}.meta", path.file_name().and_then(|n| n.to_str()).unwrap_or_default()));
    let dest_meta = blobs.meta(&actual);
    if tree.stat(&meta)?.is_some_and(|m| m.is_file()) && tree.stat(&dest_meta)?.is_none() {
        tree.rename_noreplace(&meta, &dest_meta)?;
    }
    tree.fsync_dir(fan)?;
    if let Some(parent) = path.parent() {
        tree.fsync_dir(parent)?;
    }
    Ok(Fix::Done(format!("moved to {}", dest.display())))
}
