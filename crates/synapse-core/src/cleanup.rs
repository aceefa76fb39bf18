//! Cleanup of orphans and stale partial files (SPEC §3.4): plan, then apply.
//!
//! The plan ([`CleanupPlan`], SPEC §3.11) is built from a fresh inventory: the
//! orphans present locally (largest first, at most `max_items`) and the
//! partial files Synapse owns. A dry run returns it. Apply takes exactly that
//! plan (the one the user saw, or one saved with `--save-plan`), and under
//! the store lock re-checks every item against a fresh inventory right before
//! deleting it: a blob a pack started to use meanwhile, or any orphan that was
//! not in the plan, is never deleted.
//!
//! Cleanup refuses while any pack cannot be read: its blobs would look like
//! orphans (the original silently skipped such packs and deleted their models).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory;
use crate::plan::{PlanStamp, Skipped};
use crate::progress::{Control, Tracker};
use crate::results::{lossy, PartialFile};
use crate::store::layout::StoreLayout;
use crate::store::Store;
use crate::vocab::{AssetKind, Side};

#[derive(Debug, Clone, Copy, Default)]
pub struct CleanupOptions {
    /// False: dry run, nothing is deleted.
    pub execute: bool,
    /// At most this many orphans (largest first).
    pub max_items: Option<usize>,
}

/// The plan of a cleanup (SPEC §3.11): exactly the orphans and partial files
/// that apply may delete, each with the state it was planned against.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupPlan {
    pub plan: PlanStamp,
    /// Local orphans found (before `max_items`).
    pub orphans_found: u64,
    /// Orphans selected (largest first, at most `max_items`), with their size and name.
    pub orphans: Vec<CleanupEntry>,
    pub partial_files: Vec<PartialFile>,
    /// Bytes the plan frees (orphans and partial files).
    pub bytes_to_free: u64,
    /// Found in `data/tmp`, not written by Synapse: never in the plan, never deleted.
    #[serde(serialize_with = "crate::results::lossy::paths")]
    pub left_alone: Vec<PathBuf>,
}

/// Plans a cleanup of `store` (reads only). Errors: `packs_unreadable`
/// naming the packs whose files cannot be read (their blobs would look like orphans).
pub fn plan_cleanup(store: &Store, max_items: Option<usize>) -> Result<CleanupPlan> {
    let layout = store.layout();
    let inv = inventory::build(store)?;
    if !inv.summary.pack_errors.is_empty() {
        return Err(Error::PacksUnreadable { packs: inv.summary.pack_errors.clone() });
    }
    let mut orphans: Vec<CleanupEntry> = inv
        .items
        .iter()
        // A blob exposed in a UI is in use even when no pack lists it.
        .filter(|it| inventory::cleanable(it))
        .map(|it| CleanupEntry {
            sha256: it.sha256.clone(),
            display_name: it.display_name.clone(),
            kind: it.kind,
            size_bytes: it.size_bytes,
            on_backup: it.on_backup,
        })
        .collect();
    let orphans_found = orphans.len() as u64;
    orphans.sort_by(|a, b| b.size_bytes.cmp(&a.size_bytes).then_with(|| a.sha256.cmp(&b.sha256)));
    if let Some(max) = max_items {
        orphans.truncate(max);
    }
    let mut partial_files = blobs::stale_partials(layout)?;
    partial_files.extend(stale_tmp_dirs(layout)?);
    partial_files.sort_by(|a, b| a.path.cmp(&b.path));
    let bytes_to_free = orphans.iter().map(|o| o.size_bytes).chain(partial_files.iter().map(|p| p.size_bytes)).sum();
    Ok(CleanupPlan {
        plan: PlanStamp::new(store, OPERATION)?,
        orphans_found,
        orphans,
        partial_files,
        bytes_to_free,
        left_alone: blobs::foreign_tmp(layout),
    })
}

const OPERATION: &str = "cleanup";

/// Plans (and with `execute`, applies that same plan to) the cleanup of
/// `store`, under the store lock: the CLI's `inventory cleanup [--execute]`.
///
/// Errors: `busy` when another operation holds the store lock; `packs_unreadable`
/// naming the packs whose files cannot be read (dry run too, nothing deleted);
/// `cancelled` when `ctl` is cancelled during execute (items deleted before
/// that stay deleted, nothing further is touched). Failures on single items do
/// not stop the run: they are listed in `errors`.
pub fn cleanup(store: &Store, opts: CleanupOptions, ctl: Control) -> Result<CleanupResult> {
    let lock = store.lock("cleanup")?;
    let plan = plan_cleanup(store, opts.max_items)?;
    if !opts.execute {
        return Ok(result_of(&plan, true));
    }
    apply_locked(store, &plan, ctl, lock)
}

/// Applies `plan` (made by [`plan_cleanup`], shown to the user, maybe saved
/// and read back): under the store lock, each planned orphan is deleted only
/// if it still is a local orphan of the planned size that no pack and no UI
/// uses, and each partial file only if it is still one of Synapse's own, of
/// the planned size; anything else is skipped with its reason. Nothing that
/// is not in the plan is touched.
///
/// Errors: `invalid_argument` for a plan of another store or older than 24
/// hours; `busy`; `packs_unreadable`; `cancelled`.
pub fn apply_cleanup(store: &Store, plan: &CleanupPlan, ctl: Control) -> Result<CleanupResult> {
    let lock = store.lock("cleanup")?;
    plan.plan.check(store, OPERATION)?;
    apply_locked(store, plan, ctl, lock)
}

impl CleanupPlan {
    /// The plan shown as a dry run's result (the `--json` shape of `inventory cleanup`).
    pub fn as_result(&self) -> CleanupResult {
        result_of(self, true)
    }
}

fn result_of(plan: &CleanupPlan, dry_run: bool) -> CleanupResult {
    CleanupResult {
        dry_run,
        orphans_found: plan.orphans_found,
        orphans_deleted: 0,
        bytes_freed: 0,
        bytes_to_free: plan.bytes_to_free,
        orphans: plan.orphans.clone(),
        deleted: Vec::new(),
        partial_files: plan.partial_files.clone(),
        partial_files_deleted: 0,
        left_alone: plan.left_alone.clone(),
        skipped: Vec::new(),
        errors: Vec::new(),
    }
}

fn apply_locked(store: &Store, plan: &CleanupPlan, ctl: Control, _lock: crate::store::lock::StoreLock) -> Result<CleanupResult> {
    let layout = store.layout();
    let mut r = result_of(plan, false);
    let tracker = Tracker::new(ctl, "cleanup", (plan.orphans.len() + plan.partial_files.len()) as u64, plan.bytes_to_free);
    // The disk is the truth, not the plan: one fresh inventory (under the
    // lock) right before deleting anything.
    let inv = inventory::build(store)?;
    if !inv.summary.pack_errors.is_empty() {
        return Err(Error::PacksUnreadable { packs: inv.summary.pack_errors.clone() });
    }
    let local = layout.blobs();
    for entry in &plan.orphans {
        tracker.check()?;
        tracker.start_item(&entry.display_name);
        let now = inv.get(&entry.sha256);
        let why_not = match now {
            None => Some("it is no longer in the store".to_owned()),
            Some(it) if !it.used_by_packs.is_empty() => {
                Some(format!("it is now used by {} and no longer an orphan", it.used_by_packs.join(", ")))
            }
            Some(it) if !it.active_in_uis.is_empty() => Some(format!("it is now linked from {}", it.active_in_uis.join(", "))),
            Some(it) if !it.on_local => Some("its local copy is gone".to_owned()),
            Some(it) if it.size_bytes != entry.size_bytes => {
                Some(format!("its size changed ({} bytes planned, {} now)", entry.size_bytes, it.size_bytes))
            }
            Some(_) => None,
        };
        if let Some(reason) = why_not {
            r.skipped.push(Skipped { sha256: Some(entry.sha256.clone()), name: entry.display_name.clone(), reason });
        } else {
            match blobs::remove(&local, &entry.sha256, Side::Local) {
                Ok(bytes) => {
                    r.orphans_deleted += 1;
                    r.bytes_freed += bytes;
                    let mut deleted = entry.clone();
                    // Whether a copy remains is what the disk says now.
                    deleted.on_backup = now.is_some_and(|it| it.on_backup);
                    r.deleted.push(deleted);
                }
                Err(e) => r.errors.push(CleanupError {
                    sha256: Some(entry.sha256.clone()),
                    path: Some(local.blob(&entry.sha256)),
                    code: e.code(),
                    message: e.to_string(),
                }),
            }
        }
        tracker.add_bytes(entry.size_bytes);
        tracker.item_done();
    }

    for partial in &plan.partial_files {
        tracker.check()?;
        tracker.start_item(&partial.path.display().to_string());
        let name = partial.path.display().to_string();
        match still_own_partial(layout, partial) {
            Err(reason) => r.skipped.push(Skipped { sha256: None, name, reason }),
            Ok(()) => match remove_partial(layout, &partial.path) {
                Ok(true) => {
                    r.partial_files_deleted += 1;
                    r.bytes_freed += partial.size_bytes;
                }
                // Already gone: nothing freed, nothing wrong.
                Ok(false) => {}
                Err(e) => {
                    r.errors.push(CleanupError { sha256: None, path: Some(partial.path.clone()), code: e.code(), message: e.to_string() })
                }
            },
        }
        tracker.add_bytes(partial.size_bytes);
        tracker.item_done();
    }
    tracker.finish();
    Ok(r)
}

/// `Ok` when `p` still is a partial file Synapse owns, of the planned size:
/// `<sha>.part` in a blob folder, or one of Synapse's own names directly in
/// `data/tmp`. An edited plan naming anything else is refused item by item.
fn still_own_partial(layout: &StoreLayout, p: &PartialFile) -> std::result::Result<(), String> {
    let name = p.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let parent = p.path.parent().unwrap_or(Path::new(""));
    let in_tmp = parent == layout.tmp() && blobs::is_own_tmp_name(name);
    let beside_blob = parent.parent() == Some(layout.blobs().root()) && name.ends_with(".part");
    if !(in_tmp || beside_blob) {
        return Err("not a partial file of Synapse's (an edited plan?): left alone".to_owned());
    }
    let tree = layout.tree().map_err(|e| e.to_string())?;
    match tree.stat(&p.path) {
        Ok(None) => Err("it is already gone".to_owned()),
        Ok(Some(s)) if s.is_dir() => {
            let now = dir_size(&tree, &p.path);
            (now == p.size_bytes)
                .then_some(())
                .ok_or_else(|| format!("it changed since the plan ({} bytes planned, {now} now)", p.size_bytes))
        }
        Ok(Some(s)) if s.is_file() => (s.size == p.size_bytes).then_some(()).ok_or_else(|| {
            format!("it changed since the plan ({} bytes planned, {} now): an operation may be writing it", p.size_bytes, s.size)
        }),
        Ok(Some(_)) => Err("it is not a file any more: left alone".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Removes a partial file, or a leftover directory in `data/tmp`, through the
/// store's tree: never through a link (a link is removed, not what it points at).
fn remove_partial(layout: &StoreLayout, path: &Path) -> Result<bool> {
    let tree = layout.tree()?;
    match tree.stat(path)? {
        None => Ok(false),
        Some(m) if m.is_dir() => tree.remove_dir_all(path).map(|()| true),
        Some(_) => tree.remove_file(path),
    }
}

/// Directories left in `data/tmp` by an interrupted operation (`pack delete`
/// moves a pack there before removing it; an import stages there), with the
/// total size of their files: only the names Synapse gives them.
/// [`blobs::stale_partials`] lists the files; this lists the directories.
fn stale_tmp_dirs(layout: &StoreLayout) -> Result<Vec<PartialFile>> {
    let tree = layout.tree()?;
    let tmp = layout.tmp();
    let entries = match tree.read_dir(&tmp) {
        Ok(e) => e,
        // A data/tmp that is a link is not ours to clean (doctor reports it).
        Err(Error::LinkInTree { .. }) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        if entry.kind != Some(crate::store::tree::Kind::Dir) || !entry.name_str().is_some_and(blobs::is_own_tmp_name) {
            continue;
        }
        let path = tmp.join(&entry.name);
        out.push(PartialFile { size_bytes: dir_size(&tree, &path), path });
    }
    Ok(out)
}

/// The bytes of the regular files below `dir`, never following a link.
fn dir_size(tree: &crate::store::tree::Tree, dir: &Path) -> u64 {
    let Ok(entries) = tree.read_dir(dir) else { return 0 };
    entries
        .into_iter()
        .map(|e| {
            let p = dir.join(&e.name);
            match tree.stat(&p) {
                Ok(Some(s)) if s.is_dir() => dir_size(tree, &p),
                Ok(Some(s)) if s.is_file() => s.size,
                _ => 0,
            }
        })
        .sum()
}

/// One orphan (or partial file) in a cleanup plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupEntry {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// False when this local copy is the only one: deleting it is final.
    pub on_backup: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupError {
    pub sha256: Option<Sha256>,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub code: crate::vocab::ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CleanupResult {
    pub dry_run: bool,
    pub orphans_found: u64,
    pub orphans_deleted: u64,
    pub bytes_freed: u64,
    /// Bytes the plan frees (orphans and partial files); equals `bytes_freed` after a full execute.
    pub bytes_to_free: u64,
    /// Orphans selected by the plan (after `max_items`).
    pub orphans: Vec<CleanupEntry>,
    /// Orphans actually deleted (empty on a dry run).
    pub deleted: Vec<CleanupEntry>,
    pub partial_files: Vec<PartialFile>,
    pub partial_files_deleted: u64,
    /// What `data/tmp` holds that Synapse did not write (a user's files, the
    /// original program's downloads in progress): listed, never deleted.
    #[serde(serialize_with = "lossy::paths")]
    pub left_alone: Vec<PathBuf>,
    /// Planned items that no longer matched the disk when the plan was applied, with the reason.
    pub skipped: Vec<crate::plan::Skipped>,
    pub errors: Vec<CleanupError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn remove_partial_removes_files_and_directories_and_tolerates_absence() {
        let dir = tempfile::tempdir().unwrap();
        let layout = StoreLayout::new(dir.path());
        fs::create_dir_all(layout.tmp()).unwrap();
        let file = layout.tmp().join("x.part");
        fs::write(&file, b"abc").unwrap();
        let sub = layout.tmp().join("deleted-pack-1/inner");
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join("pack.json"), b"{}").unwrap();
        assert!(remove_partial(&layout, &file).unwrap());
        assert!(remove_partial(&layout, &layout.tmp().join("deleted-pack-1")).unwrap());
        assert!(!remove_partial(&layout, &file).unwrap());
        assert_eq!(fs::read_dir(layout.tmp()).unwrap().count(), 0);
    }

    #[test]
    fn stale_tmp_dirs_lists_directories_with_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let layout = StoreLayout::new(dir.path());
        assert!(stale_tmp_dirs(&layout).unwrap().is_empty(), "no data/tmp is no directories");
        let trash = layout.tmp().join("deleted-pack-abcabcabcabcabcabcabcabcabcabcab/sub");
        fs::create_dir_all(&trash).unwrap();
        fs::write(trash.join("a"), vec![0u8; 10]).unwrap();
        fs::write(layout.tmp().join("deleted-pack-abcabcabcabcabcabcabcabcabcabcab/b"), vec![0u8; 5]).unwrap();
        fs::write(layout.tmp().join("loose.part"), b"x").unwrap();
        let found = stale_tmp_dirs(&layout).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, layout.tmp().join("deleted-pack-abcabcabcabcabcabcabcabcabcabcab"));
        assert_eq!(found[0].size_bytes, 15);
    }
}
