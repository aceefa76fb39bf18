//! Cleanup of orphans and stale partial files (SPEC §3.4): plan, then apply.
//!
//! The plan is built from a fresh inventory under the store lock: the orphans
//! present locally (largest first, at most `max_items`) and the partial files
//! no running operation owns (holding the lock guarantees that). A dry run
//! returns the plan. Execute applies exactly that plan, re-checking each orphan
//! against the pack files on disk right before deleting it, so a blob a pack
//! started to use is never deleted.
//!
//! Cleanup refuses while any pack cannot be read: its blobs would look like
//! orphans (the original silently skipped such packs and deleted their models).

use std::collections::HashMap;
use std::path::Path;

use crate::blobs;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory;
use crate::layout::StoreLayout;
use crate::model::{BlobStatus, CleanupEntry, CleanupError, CleanupResult, PartialFile, Side};
use crate::packs;
use crate::progress::{Control, Tracker};
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default)]
pub struct CleanupOptions {
    /// False: dry run, nothing is deleted.
    pub execute: bool,
    /// At most this many orphans (largest first).
    pub max_items: Option<usize>,
}

/// Plans (and with `execute`, applies) the cleanup of `store`.
///
/// Errors: `busy` when another operation holds the store lock; `packs_unreadable`
/// naming the packs whose files cannot be read (dry run too, nothing deleted);
/// `cancelled` when `ctl` is cancelled during execute (items deleted before
/// that stay deleted, nothing further is touched). Failures on single items do
/// not stop the run: they are listed in `errors`.
pub fn cleanup(store: &Store, opts: CleanupOptions, ctl: Control) -> Result<CleanupResult> {
    let _lock = store.lock("cleanup")?;
    let layout = store.layout();
    let inv = inventory::build(store)?;
    if !inv.summary.pack_errors.is_empty() {
        return Err(Error::PacksUnreadable { packs: inv.summary.pack_errors.clone() });
    }

    let mut orphans: Vec<CleanupEntry> = inv
        .items
        .iter()
        // A blob exposed in a UI is in use even when no pack lists it.
        .filter(|it| it.status == BlobStatus::Orphan && it.on_local && it.active_in_uis.is_empty())
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
    if let Some(max) = opts.max_items {
        orphans.truncate(max);
    }
    let mut partial_files = blobs::stale_partials(layout)?;
    partial_files.extend(stale_tmp_dirs(layout)?);
    partial_files.sort_by(|a, b| a.path.cmp(&b.path));
    let bytes_to_free = orphans.iter().map(|o| o.size_bytes).chain(partial_files.iter().map(|p| p.size_bytes)).sum();

    let mut result = CleanupResult {
        dry_run: !opts.execute,
        orphans_found,
        orphans_deleted: 0,
        bytes_freed: 0,
        bytes_to_free,
        orphans,
        deleted: Vec::new(),
        partial_files,
        partial_files_deleted: 0,
        left_alone: blobs::foreign_tmp(layout),
        errors: Vec::new(),
    };
    if opts.execute {
        apply(layout, &mut result, ctl)?;
    }
    Ok(result)
}

/// Deletes what the plan in `r` lists, re-checking every orphan first.
fn apply(layout: &StoreLayout, r: &mut CleanupResult, ctl: Control) -> Result<()> {
    let tracker = Tracker::new(ctl, "cleanup", (r.orphans.len() + r.partial_files.len()) as u64, r.bytes_to_free);
    // Re-read the packs from disk once, right before deleting anything: the plan
    // is only a plan, the pack files are the truth.
    let fresh = packs::load_all(layout)?;
    if !fresh.errors.is_empty() {
        return Err(Error::PacksUnreadable { packs: fresh.errors });
    }
    let mut users: HashMap<Sha256, Vec<String>> = HashMap::new();
    for p in &fresh.packs {
        for blob in p.blob_refs().unwrap_or_default() {
            let names = users.entry(blob.sha256).or_default();
            if names.last() != Some(&p.name.to_string()) {
                names.push(p.name.to_string());
            }
        }
    }

    let local = layout.blobs();
    for entry in &r.orphans {
        tracker.check()?;
        tracker.start_item(&entry.display_name);
        if let Some(packs) = users.get(&entry.sha256) {
            r.errors.push(CleanupError {
                sha256: Some(entry.sha256.clone()),
                path: Some(local.blob(&entry.sha256)),
                code: crate::ErrorCode::Conflict,
                message: format!("skipped {}: it is now used by {} and no longer an orphan", entry.display_name, packs.join(", ")),
            });
        } else {
            match blobs::remove(&local, &entry.sha256, Side::Local) {
                Ok(bytes) => {
                    r.orphans_deleted += 1;
                    r.bytes_freed += bytes;
                    r.deleted.push(entry.clone());
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

    for partial in &r.partial_files {
        tracker.check()?;
        tracker.start_item(&partial.path.display().to_string());
        match remove_partial(layout, &partial.path) {
            Ok(true) => {
                r.partial_files_deleted += 1;
                r.bytes_freed += partial.size_bytes;
            }
            // Already gone: nothing freed, nothing wrong.
            Ok(false) => {}
            Err(e) => {
                r.errors.push(CleanupError { sha256: None, path: Some(partial.path.clone()), code: e.code(), message: e.to_string() })
            }
        }
        tracker.add_bytes(partial.size_bytes);
        tracker.item_done();
    }
    tracker.finish();
    Ok(())
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
        if entry.kind != Some(crate::tree::Kind::Dir) || !entry.name_str().is_some_and(blobs::is_own_tmp_name) {
            continue;
        }
        let path = tmp.join(&entry.name);
        out.push(PartialFile { size_bytes: dir_size(&tree, &path), path });
    }
    Ok(out)
}

/// The bytes of the regular files below `dir`, never following a link.
fn dir_size(tree: &crate::tree::Tree, dir: &Path) -> u64 {
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
