//! Impacts and delete with guard rails (SPEC §3.3). Every row of the decision
//! table is a branch here and a test in `tests/core/guard.rs`.
//!
//! The decision is made on a fresh inventory built while holding the locks, so
//! nothing can add or remove a copy between the check and the delete. The
//! order of the checks is the table's: backup availability, then "is the blob
//! on the named side", then "would this remove the last copy", then "is it
//! used". A delete that could not happen is always an error, never a result
//! that looks like success (the seeds' bug #17).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory::TargetSeen;
use crate::inventory::{self, Inventory};
use crate::results::CopySource;
use crate::results::{lossy, AffectedPack, BlobCopy, Impacts, InventoryItem, UiLink};
use crate::store::fsutil::rfc3339;
use crate::store::layout::BackupLayout;
use crate::store::lock::{self, StoreLock};
use crate::store::Store;
use crate::target::backup::BackupState;
use crate::target::catalog::Catalog;
use crate::target::{Target, LOCAL};
use crate::vocab::str_enum_parse;
use crate::vocab::{BackupSource, BlobStatus, Location, Side};

/// The warning of a forced delete that removed the only copy.
pub const LAST_COPY_WARNING: &str = "This was the last copy";

/// What deleting `sha` would affect. `not_found` when no side and no pack knows it.
pub fn impacts(inv: &Inventory, sha: &Sha256) -> Result<Impacts> {
    let item = known(inv, sha)?;
    Ok(impacts_of(inv, item))
}

/// The item, its impacts and file info of both copies.
pub fn detail(inv: &Inventory, sha: &Sha256) -> Result<BlobDetail> {
    let item = known(inv, sha)?;
    // Every file there is, a corrupt one too (the copies say which).
    let has = |side: Side| item.copies.iter().any(|c| c.target == side.to_string());
    let local = has(Side::Local).then(|| file_info(&inv.local_path(sha), item.size_bytes));
    let backup = if has(Side::Backup) {
        // Live when the drive is there; otherwise the path it has on the drive
        // (the inventory may know the copy from the cached catalog).
        let dir = inv.backup.connected().map(BackupLayout::blobs).or_else(|| inv.backup.path().map(|p| BackupLayout::new(p).blobs()));
        dir.map(|d| file_info(&d.blob(sha), item.size_bytes))
    } else {
        None
    };
    let links = inv.ui_links.get(sha).cloned().unwrap_or_default();
    let mut names = vec![item.display_name.clone()];
    let link_names = links.iter().filter_map(|l| l.path.file_name()).map(|n| n.to_string_lossy().into_owned());
    for n in item.origin.iter().filter_map(|o| o.filename.clone()).chain(link_names) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    Ok(BlobDetail { autov2: sha.autov2(), names, item: item.clone(), impacts: impacts_of(inv, item), local, backup, links })
}

/// Deletes copies of a blob under the store lock, after the guard rails.
///
/// `target` names the copies: `local`; `backup`, the copy on the target the
/// store value works on ([`Store::on_target`]); `both`, those two;
/// `everywhere`, the local copy and every target's.
///
/// Errors, in the order they are checked: `backup_not_enabled` /
/// `backup_not_connected` when `target` involves a target that cannot be
/// reached (`both` always does: it must know whether a copy is there;
/// `everywhere` needs every target known to hold a copy); `not_found` when
/// the blob is not where `target` names (nothing is deleted); `last_copy`
/// (without `force`) when no good copy seen live would remain;
/// `below_min_copies` (without `force`) when a referenced blob would keep
/// fewer good copies than the policy asks — with a policy of 2 or more, only
/// copies verified within `verify_max_age` count (SPEC §3.12); `conflict`
/// (without `force`) when packs or UIs use the blob.
///
/// Target copies are removed before the local one, so a drive that
/// disappears mid-way leaves the local copy untouched.
pub fn delete(store: &Store, sha: &Sha256, target: DeleteTarget, force: bool) -> Result<DeleteResult> {
    let _store_lock = store.lock("delete")?;
    let layout = store.layout();
    let config = store.config()?;
    let all = crate::target::all(layout, &config)?;
    let chosen_at = crate::target::position(&all, store.target_name())?;
    let targets: Vec<(Target, BackupState)> = all
        .into_iter()
        .map(|t| {
            let state = BackupState::of(layout, &t);
            (t, state)
        })
        .collect();
    if matches!(target, DeleteTarget::Backup | DeleteTarget::Both) {
        targets[chosen_at].1.usable()?;
    }
    // Whenever a drive is there, hold its lock too, even for a local delete:
    // "a copy remains on the backup" is what makes deleting the local copy
    // safe, and another store sharing the drive must not remove it meanwhile.
    let mut _drive_locks = Vec::new();
    for (i, (_, state)) in targets.iter().enumerate() {
        let Some(drive) = state.connected() else { continue };
        let removes_here = match target {
            DeleteTarget::Local => false,
            DeleteTarget::Backup | DeleteTarget::Both => i == chosen_at,
            DeleteTarget::Everywhere => true,
        };
        match StoreLock::acquire(&drive.lock_file(), "delete", lock::default_wait()) {
            Ok(held) => _drive_locks.push(held),
            // A drive we cannot write the lock file on (mounted read-only)
            // cannot lose its copy either: deleting elsewhere may go ahead.
            Err(Error::Io { .. }) if !removes_here => {}
            Err(e) => return Err(e),
        }
    }

    let mut inv = inventory::build(store)?;
    confirm_bucket_copies(&mut inv, sha)?;
    confirm_folder_copies(store, &mut inv, sha)?;
    let item = inv.get(sha);
    // Only copies seen live count: one known from the catalog of an unplugged
    // drive is not trusted to keep the bytes.
    let live_good = |place: &str| item.is_some_and(|i| i.live_good_on(place));
    let on_local = item.is_some_and(|i| i.on_local);
    let not_found = |side: Side, place: &str| match item.filter(|i| i.corrupt_on(place)) {
        // A corrupt copy is not a copy, and it is not deleted either: repair moves it aside.
        Some(i) => Error::CopyCorrupt { sha256: sha.to_string(), name: i.display_name.clone(), side },
        None => Error::BlobNotFound { sha256: sha.to_string(), side },
    };
    // The targets whose copies go.
    let mut remove: Vec<&TargetSeen> = Vec::new();
    match target {
        DeleteTarget::Local => {}
        DeleteTarget::Backup | DeleteTarget::Both => {
            // The drive may have gone between the check above and the scan.
            let seen = &inv.targets[chosen_at];
            seen.state.usable()?;
            if live_good(&seen.target.name) {
                remove.push(seen);
            }
        }
        DeleteTarget::Everywhere => {
            for seen in &inv.targets {
                let holds = item.is_some_and(|i| i.good_on(&seen.target.name));
                if holds && !seen.live() {
                    // "Everywhere" cannot be done while a copy sits on a drive that is away.
                    seen.state.usable()?;
                }
                if live_good(&seen.target.name) {
                    remove.push(seen);
                }
            }
        }
    }
    let remove_local = target != DeleteTarget::Backup && on_local;
    match target {
        DeleteTarget::Local if !on_local => return Err(not_found(Side::Local, LOCAL)),
        DeleteTarget::Backup if remove.is_empty() => return Err(not_found(Side::Backup, inv.target_name())),
        DeleteTarget::Both | DeleteTarget::Everywhere if !remove_local && remove.is_empty() => {
            return Err(match item {
                // Known (a pack wants it) but there is no copy to delete.
                Some(_) => not_found(Side::Local, LOCAL),
                None => Error::NoMatch { prefix: sha.to_string() },
            });
        }
        _ => {}
    }
    let Some(item) = item else {
        // Unreachable: a blob on some side is in the inventory. Refuse rather than guess.
        return Err(Error::NoMatch { prefix: sha.to_string() });
    };

    let removed = |name: &str| remove.iter().any(|t| t.target.name == name);
    let remaining_copies: Vec<&BlobCopy> = item
        .copies
        .iter()
        .filter(|c| c.live_good())
        .filter(|c| if c.target == LOCAL { !remove_local } else { !removed(&c.target) })
        .collect();
    let remaining = if remaining_copies.iter().any(|c| c.target == LOCAL) {
        Remaining::Local
    } else if remaining_copies.is_empty() {
        Remaining::Nowhere
    } else {
        Remaining::Backup
    };
    let in_use = !item.used_by_packs.is_empty() || !item.active_in_uis.is_empty();
    let counted = counted(&remaining_copies, item.min_copies, &inv.policy);
    let warning = if remaining == Remaining::Nowhere {
        if !force {
            return Err(Error::LastCopy { impacts: Box::new(impacts_of(&inv, item)) });
        }
        Some(LAST_COPY_WARNING.to_owned())
    } else if (counted.len() as u32) < item.min_copies && !force {
        return Err(Error::BelowMinCopies {
            impacts: Box::new(impacts_of(&inv, item)),
            required: item.min_copies,
            remaining: describe_copies(&remaining_copies, &counted),
        });
    } else if in_use {
        if !force {
            return Err(Error::Conflict { impacts: Box::new(impacts_of(&inv, item)) });
        }
        let below = ((counted.len() as u32) < item.min_copies).then(|| {
            format!(
                "{} good cop{} remain where the copies policy asks for {}",
                counted.len(),
                if counted.len() == 1 { "y" } else { "ies" },
                item.min_copies
            )
        });
        // Only the local copy matters to a UI: without it the packs need a restore.
        let restore = (remove_local && !item.used_by_packs.is_empty()).then(|| {
            let verb = if item.used_by_packs.len() == 1 { "needs" } else { "need" };
            format!("{} now {verb} this blob ({}) restored from the backup", packs_phrase(&item.used_by_packs), sha.short())
        });
        let parts: Vec<String> = below.into_iter().chain(restore).collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    } else {
        None
    };

    let mut deleted_from = Vec::with_capacity(1 + remove.len());
    let mut bytes_freed = 0;
    for seen in &remove {
        let freed = match seen.state.bucket() {
            Some(bucket) => {
                seen.state.writable(&seen.target.name)?;
                let freed = bucket.delete(sha)?;
                let mut catalog = Catalog::load(store.layout(), &seen.target);
                catalog.remove(sha);
                let _ = catalog.save(store.layout());
                freed
            }
            None => {
                let drive = seen.state.require()?;
                let freed = blobs::remove(&drive.blobs(), sha, Side::Backup).map_err(|e| target_failure(e, &seen.target))?;
                forget_copy(store, &seen.target, drive, sha);
                freed
            }
        };
        bytes_freed = bytes_freed.max(freed);
        deleted_from.push(seen.target.name.clone());
    }
    if remove_local {
        let backup_gone = !deleted_from.is_empty();
        let freed = blobs::remove(&layout.blobs(), sha, Side::Local).map_err(|e| match e {
            // Say what did happen: the caller must not think the backup copy is still there.
            Error::Io { path, source, .. } if backup_gone => {
                Error::Io { op: "delete (its backup copies are already deleted)", path, source }
            }
            e => e,
        })?;
        // The blob's size once, whichever sides it left (SPEC §3.3, the original's meaning).
        bytes_freed = bytes_freed.max(freed);
        deleted_from.push(LOCAL.to_owned());
    }
    let remaining_copies = remaining_copies.iter().map(|c| c.target.clone()).collect();
    Ok(DeleteResult { deleted_from, sha256: sha.clone(), bytes_freed, remaining_on: remaining, remaining_copies, warning })
}

/// The copies that count for a policy of `required`: all good ones for 1; for
/// 2 or more, those verified within the policy's `verify_max_age`.
pub(crate) fn counted<'a>(copies: &[&'a BlobCopy], required: u32, policy: &crate::target::Policy) -> Vec<&'a BlobCopy> {
    if required < 2 {
        return copies.to_vec();
    }
    let oldest = chrono::Utc::now() - chrono::Duration::from_std(policy.max_age()).unwrap_or(chrono::Duration::MAX);
    copies
        .iter()
        .copied()
        .filter(|c| {
            c.verified_at
                .as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                .is_some_and(|at| at.with_timezone(&chrono::Utc) >= oldest)
        })
        .collect()
}

/// The remaining copies in words, those that do not count marked.
fn describe_copies(copies: &[&BlobCopy], counted: &[&BlobCopy]) -> Vec<String> {
    copies
        .iter()
        .map(|c| {
            if counted.iter().any(|k| k.target == c.target) {
                c.target.clone()
            } else {
                match &c.verified_at {
                    Some(at) => format!("{} (last verified {at}, too long ago to count)", c.target),
                    None => format!("{} (never verified, so it does not count)", c.target),
                }
            }
        })
        .collect()
}

/// Asks every bucket that answers whether it holds `sha` now: its copy,
/// known from the catalog (a bucket is listed, not scanned), counts as seen
/// live once a HEAD finds it at its size, and is no copy when the bucket
/// lacks it. Nothing else is asked, so a delete costs one request per bucket.
fn confirm_bucket_copies(inv: &mut Inventory, sha: &Sha256) -> Result<()> {
    let Some(at) = inv.position(sha) else { return Ok(()) };
    for seen in &inv.targets {
        let Some(bucket) = seen.state.bucket() else { continue };
        let item = &mut inv.items[at];
        let size = item.size_bytes;
        let found = bucket.head(sha)?;
        let name = seen.target.name.clone();
        match found {
            Some(n) if n == size => {
                if let Some(c) = item.copies.iter_mut().find(|c| c.target == name) {
                    c.source = CopySource::Live;
                }
            }
            _ => item.copies.retain(|c| c.target != name),
        }
    }
    Ok(())
}

/// Looks at the file of every connected folder target's copy of `sha` now:
/// the inventory may know a drive's folder from its remembered listing
/// (`blobs::scan_remembered`), and what a delete leans on is looked at
/// itself. A copy counts only as a regular file of the blob's size that is
/// not the local blob's own file; anything else is no copy.
fn confirm_folder_copies(store: &Store, inv: &mut Inventory, sha: &Sha256) -> Result<()> {
    let Some(at) = inv.position(sha) else { return Ok(()) };
    let local = match blobs::stat(&store.layout().blobs(), sha)? {
        blobs::BlobAt::File(st) => Some(st.id),
        _ => None,
    };
    for seen in &inv.targets {
        let Some(drive) = seen.state.connected() else { continue };
        let item = &mut inv.items[at];
        let name = seen.target.name.as_str();
        if !item.copies.iter().any(|c| c.target == name) {
            continue;
        }
        let whole = match blobs::stat(&drive.blobs(), sha)? {
            blobs::BlobAt::File(st) => st.size == item.size_bytes && Some(st.id) != local,
            _ => false,
        };
        if !whole {
            item.copies.retain(|c| c.target != name);
        }
    }
    Ok(())
}

/// Removes a deleted copy from its target's catalog (a cache: failures are ignored).
fn forget_copy(store: &Store, target: &Target, drive: &BackupLayout, sha: &Sha256) {
    let id = crate::target::backup::read_id(drive);
    let (mut catalog, _) = Catalog::for_drive(store.layout(), target, drive.path(), id.as_deref());
    catalog.remove(sha);
    let _ = catalog.save(store.layout());
}

/// A failure on a target: `backup_not_connected` when its drive went away.
fn target_failure(e: Error, target: &Target) -> Error {
    match BackupState::detect_target(target) {
        state @ (BackupState::Disconnected { .. } | BackupState::NoPath) => state.require().err().unwrap_or(e),
        _ => e,
    }
}

fn known<'a>(inv: &'a Inventory, sha: &Sha256) -> Result<&'a InventoryItem> {
    inv.get(sha).ok_or_else(|| Error::NoMatch { prefix: sha.to_string() })
}

fn impacts_of(inv: &Inventory, item: &InventoryItem) -> Impacts {
    let links = inv.ui_links.get(&item.sha256);
    let affected_packs = inv
        .references_of(&item.sha256)
        .map(|r| AffectedPack {
            name: r.pack.to_owned(),
            dependency_id: r.dependency_id.to_owned(),
            // Active: a link in a UI folder made for this pack points at the blob now.
            is_active: links.is_some_and(|ls| ls.iter().any(|l| l.pack == r.pack)),
        })
        .collect();
    let is_last_copy = matches!(item.location, Location::LocalOnly | Location::BackupOnly);
    // The backup copy is only known from the catalog of the unplugged drive.
    let cached = item.on_backup && inv.summary.backup.source == BackupSource::Cached;
    let can_delete_safely =
        item.status == BlobStatus::Orphan && item.active_in_uis.is_empty() && item.location == Location::Both && !cached;
    let drive_unknown = item.location == Location::LocalOnly && matches!(inv.backup, BackupState::Disconnected { .. });
    Impacts {
        sha256: item.sha256.clone(),
        display_name: item.display_name.clone(),
        status: item.status,
        location: item.location,
        size_bytes: item.size_bytes,
        used_by_packs: item.used_by_packs.clone(),
        affected_packs,
        active_in_uis: item.active_in_uis.clone(),
        is_last_copy,
        can_delete_safely,
        warning: warning(item, is_last_copy, drive_unknown, cached),
    }
}

/// One human sentence per concern, or `None` when deleting is harmless.
fn warning(item: &InventoryItem, is_last_copy: bool, drive_unknown: bool, cached: bool) -> Option<String> {
    let mut parts = Vec::new();
    if cached && item.on_local {
        parts.push(
            "The backup copy is known only from the catalog of the unplugged drive: plug it in before deleting the local copy (or use --force)."
                .to_owned(),
        );
    }
    if is_last_copy {
        let mut s = "This is the last copy: deleting it cannot be undone".to_owned();
        if drive_unknown {
            s.push_str(" (the backup drive is not connected, so a copy there could not be checked)");
        }
        parts.push(s + ".");
    }
    if item.location == Location::Nowhere {
        parts.push("No copy of this blob exists anywhere known.".to_owned());
    }
    if !item.used_by_packs.is_empty() {
        parts.push(format!("Used by {}.", packs_phrase(&item.used_by_packs)));
    }
    if !item.active_in_uis.is_empty() {
        parts.push(format!("Active in {}.", item.active_in_uis.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn packs_phrase(packs: &[String]) -> String {
    match packs {
        [one] => format!("pack {one}"),
        many => format!("{} packs ({})", many.len(), many.join(", ")),
    }
}

/// File-system facts of one copy; the size the inventory knows when it cannot be read.
fn file_info(path: &Path, known_size: u64) -> FileInfo {
    let meta = fs::metadata(path).ok();
    let time = |f: fn(&fs::Metadata) -> std::io::Result<std::time::SystemTime>| meta.as_ref().and_then(|m| f(m).ok()).map(rfc3339);
    FileInfo {
        path: path.to_path_buf(),
        size_bytes: meta.as_ref().map_or(known_size, fs::Metadata::len),
        created: time(fs::Metadata::created),
        modified: time(fs::Metadata::modified),
        accessed: time(fs::Metadata::accessed),
    }
}

/// File-system facts about one copy of a blob.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileInfo {
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub size_bytes: u64,
    pub created: Option<String>,
    pub modified: Option<String>,
    pub accessed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlobDetail {
    pub item: InventoryItem,
    /// The first 10 hex characters, upper case: the short hash A1111, Forge
    /// and Civitai show ("Model hash", SPEC §3.15).
    pub autov2: String,
    /// Every name the model goes by: its display name, its origin's file
    /// name and the names of its links in UI folders, each once.
    pub names: Vec<String>,
    pub impacts: Impacts,
    pub local: Option<FileInfo>,
    pub backup: Option<FileInfo>,
    /// Its links in UI folders that exist now (`use`, `adopt --link`).
    pub links: Vec<UiLink>,
}

/// Which copies `delete` removes. `backup` is the target the store value
/// works on (the original's unless another is chosen, SPEC §3.12), `both` the
/// local copy and that one, `everywhere` every copy on every target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeleteTarget {
    Local,
    Backup,
    Both,
    Everywhere,
}

str_enum_parse!(DeleteTarget, "local" => DeleteTarget::Local, "backup" => DeleteTarget::Backup, "both" => DeleteTarget::Both, "everywhere" => DeleteTarget::Everywhere);

/// Where a blob still is after a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Remaining {
    Local,
    Backup,
    Nowhere,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeleteResult {
    /// `local` and the targets' names, in the order they were deleted from.
    pub deleted_from: Vec<String>,
    pub sha256: Sha256,
    pub bytes_freed: u64,
    pub remaining_on: Remaining,
    /// Where good copies remain, seen live (`local` and targets' names).
    pub remaining_copies: Vec<String>,
    pub warning: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_phrase_names_one_or_counts_many() {
        assert_eq!(packs_phrase(&["A".into()]), "pack A");
        assert_eq!(packs_phrase(&["A".into(), "B".into()]), "2 packs (A, B)");
    }
}
