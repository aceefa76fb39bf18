//! Moving blobs between the store and the backup drive (SPEC §3.6), at three
//! levels of granularity: one blob ([`backup_blob`], [`restore_blob`]), a pack
//! ([`pack_status`], [`push`], [`pull`]) and the whole store ([`sync`]).
//!
//! Plan, then apply: a dry run returns the plan (a plain value: blobs with
//! display names and kinds, sizes, the space warning); executing opens a
//! [`Session`] (store lock, then drive lock), plans again on what the disk
//! holds now, and applies exactly that, one blob at a time through the copy
//! engine ([`crate::copy`]). A failing blob is reported in `errors` and the
//! others go ahead — except when the drive itself went away
//! (`backup_not_connected`) or the user cancelled: then the operation stops
//! and reports what it completed. Nothing here deletes a local copy except
//! `push --free`, and only a copy whose backup twin was written and
//! hash-checked by this very operation, or re-hashed just now.
//!
//! A sync that finds nothing to do compares names and sizes only (two
//! directory scans, no hashing, no pack loading), so a no-op over 100,000
//! blobs stays well under a second.

use std::collections::HashSet;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use crate::blob::blobs;
use crate::blob::copy::{self, Copied, Existing};
use crate::error::{Error, ErrorCode, RemoteProblem, Result};
use crate::ids::{PackName, Sha256};
use crate::inventory::{self, Inventory};
use crate::pack::packs;
use crate::plan::{PlanStamp, Skipped};
use crate::progress::{Control, Tracker};
use crate::results::{BlobCopyResult, ItemError, PackBackupStatus, PackBlobStatus, PackTransferResult, SharedFree, SyncItem, SyncResult};
use crate::store::integrity::{self, IntegrityRecord};
use crate::store::layout::{BlobDir, StoreLayout};
use crate::store::tree::{FileId, Kind, Tree};
use crate::store::Store;
use crate::target::autobackup;
use crate::target::backup::{BackupState, Session};
use crate::target::catalog::{Catalog, SyncKind};
use crate::target::LOCAL;
use crate::verify::{self, Selection};
use crate::vocab::{AssetKind, Location, Side, SyncDirection};

/// How often a long sync saves the catalog, so a crash loses little of it.
const CATALOG_SAVE_EVERY: Duration = Duration::from_secs(10);

/// Copies one local blob to the backup drive (`backup blob`). A blob already
/// there is a no-op reported as `already_present` (also when it is not local).
///
/// Errors: `backup_not_enabled` / `backup_not_connected` (also when the drive
/// goes away mid-copy), `not_found` when the blob is not in the local store,
/// `insufficient_space`, `integrity` (the local copy does not hash to its
/// name: nothing is written to the drive), `busy`, `cancelled`.
pub fn backup_blob(store: &Store, sha: &Sha256, ctl: Control) -> Result<BlobCopyResult> {
    copy_one(store, sha, SyncDirection::ToBackup, ctl)
}

/// Copies one blob from the backup drive into the local store (`backup
/// restore`). A blob already local is a no-op reported as `already_present`.
/// Errors as [`backup_blob`]; `integrity` when the backup copy is corrupt
/// (nothing is written locally).
pub fn restore_blob(store: &Store, sha: &Sha256, ctl: Control) -> Result<BlobCopyResult> {
    copy_one(store, sha, SyncDirection::FromBackup, ctl)
}

/// Where a copy in `direction` lands, for results and messages.
fn destination(store: &Store, s: &Session, direction: SyncDirection, sha: &Sha256) -> std::path::PathBuf {
    match direction {
        SyncDirection::ToBackup => s.place().blob_path(sha),
        SyncDirection::FromBackup => store.layout().blobs().blob(sha),
    }
}

/// What a copy does with a destination copy known to be `corrupt`: moved to
/// that side's quarantine and replaced (a bucket's object is overwritten: a
/// bucket has no quarantine folder, and its bad bytes are worth nothing).
fn existing_for(store: &Store, s: &Session, direction: SyncDirection, corrupt: bool, sha: &Sha256) -> Existing {
    match (direction, s.place().tree()) {
        (SyncDirection::ToBackup, Some(tree)) => Existing::unless_corrupt(corrupt, sha, tree),
        (SyncDirection::ToBackup, None) if corrupt => Existing::Refresh,
        (SyncDirection::ToBackup, None) => Existing::Keep,
        (SyncDirection::FromBackup, _) => Existing::unless_corrupt(corrupt, sha, store.layout()),
    }
}

/// The place the store's target is at now, for plans made without a session.
fn place_now(store: &Store) -> Result<crate::backup::Place> {
    match BackupState::for_store(store)? {
        BackupState::Connected { layout } => Ok(crate::backup::Place::Folder { tree: layout.tree(), drive: layout }),
        BackupState::Online { bucket, .. } => Ok(crate::backup::Place::Bucket(bucket)),
        other => Err(other.require().err().unwrap_or_else(|| Error::internal("a connected target without a place"))),
    }
}

fn copy_one(store: &Store, sha: &Sha256, direction: SyncDirection, ctl: Control) -> Result<BlobCopyResult> {
    let operation = match direction {
        SyncDirection::ToBackup => "backup",
        SyncDirection::FromBackup => "restore",
    };
    let auto_backup = autobackup::run_queued_first(store, ctl);
    let s = Session::open(store, operation)?;
    let inv = inventory::build(store)?;
    let (src, dst) = places(&s, direction);
    let side = match direction {
        SyncDirection::ToBackup => Side::Local,
        SyncDirection::FromBackup => Side::Backup,
    };
    let at_destination = inv.get(sha).is_some_and(|i| i.good_on(dst));
    // Any file on the source side, even one recorded corrupt: the copy hashes
    // it, so bad bytes never land, and a file fixed since proves itself good.
    let present = inv.get(sha).is_some_and(|i| i.file_on(src));
    // Already where it is going: a no-op reported as such (SPEC §3.6), even
    // when the source side lacks it (restoring a blob that is only local).
    if let Some(item) = inv.get(sha).filter(|_| at_destination && !present) {
        return Ok(BlobCopyResult {
            sha256: sha.clone(),
            direction,
            display_name: item.display_name.clone(),
            kind: item.kind,
            size_bytes: item.size_bytes,
            bytes_copied: 0,
            already_present: true,
            path: destination(store, &s, direction, sha),
            duration_ms: 0,
            auto_backup,
        });
    }
    let item = inv.get(sha).filter(|_| present).ok_or_else(|| Error::BlobNotFound { sha256: sha.to_string(), side })?;
    let tracker = Tracker::new(ctl, operation, 1, item.size_bytes);
    tracker.start_item(&item.display_name);
    let started = Instant::now();
    let existing = existing_for(store, &s, direction, item.corrupt_on(dst), sha);
    let result = s.transfer(sha, direction, &existing, Some(&tracker), ctl.cancel);
    note_copy(store.layout(), sha, src, dst, &result);
    let copied = result.map_err(|e| s.failure(e))?;
    if matches!(copied, Copied::Done { .. }) {
        s.record_verified(std::slice::from_ref(sha));
    }
    tracker.item_done();
    tracker.finish();
    if direction == SyncDirection::ToBackup {
        let mut catalog = s.catalog();
        catalog.insert(sha, copied.size());
        s.save_catalog(&catalog);
    }
    Ok(BlobCopyResult {
        sha256: sha.clone(),
        direction,
        display_name: item.display_name.clone(),
        kind: item.kind,
        size_bytes: copied.size(),
        bytes_copied: copied.bytes_copied(),
        already_present: matches!(copied, Copied::AlreadyPresent { .. }),
        path: destination(store, &s, direction, sha),
        duration_ms: started.elapsed().as_millis() as u64,
        auto_backup,
    })
}

/// The places copied from and to (`local` and the session's target), as copies name them.
fn places(s: &Session, direction: SyncDirection) -> (&str, &str) {
    match direction {
        SyncDirection::ToBackup => (LOCAL, &s.target.name),
        SyncDirection::FromBackup => (&s.target.name, LOCAL),
    }
}

/// Records what a copy learnt about integrity: a source that did not hash to
/// its name is corrupt; a destination written by a hash-checked copy is good.
/// (A copy found already present says nothing new.)
pub(crate) fn note_copy(layout: &StoreLayout, sha: &Sha256, from: &str, to: &str, result: &Result<Copied>) {
    let change = match result {
        // Both ends hashed right: the source's bytes were read and checked too.
        Ok(Copied::Done { .. }) => {
            let good = [
                integrity::Change::Good { sha: sha.clone(), place: from.to_owned() },
                integrity::Change::Good { sha: sha.clone(), place: to.to_owned() },
            ];
            let _ = integrity::record(layout, good);
            return;
        }
        Err(Error::Integrity { actual, .. }) => match Sha256::parse(actual) {
            Ok(actual) => integrity::Change::Corrupt { sha: sha.clone(), place: from.to_owned(), found_by: "copy", actual },
            Err(_) => return,
        },
        _ => return,
    };
    // The copy's own result is what the caller reports; a record that cannot
    // be written now is written by the next verify.
    let _ = integrity::record(layout, [change]);
}

/// What [`sync`] does.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SyncOptions {
    pub direction: SyncDirection,
    /// True (default): only blobs the destination lacks (or holds with another
    /// size). False: every blob of the direction, re-copied over the
    /// destination's copy (a refresh; each replacement is hash-checked first).
    pub only_missing: bool,
    /// True (default): only plan.
    pub dry_run: bool,
    /// `from_backup` only: restore backup-only orphans too (default: only
    /// blobs some pack references).
    pub include_orphans: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self { direction: SyncDirection::ToBackup, only_missing: true, dry_run: true, include_orphans: false }
    }
}

/// The plan of a sync (SPEC §3.11): the blobs to copy, as the user saw them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncPlan {
    pub plan: PlanStamp,
    pub options: SyncOptions,
    /// The dry run: items, totals, space warning.
    pub preview: SyncResult,
}

/// Plans a sync (reads only; the drive must be connected).
pub fn plan_sync(store: &Store, opts: SyncOptions) -> Result<SyncPlan> {
    let place = place_now(store)?;
    let opts = SyncOptions { dry_run: true, ..opts };
    let preview = plan(store, &place, opts)?.into_result(opts);
    Ok(SyncPlan { plan: PlanStamp::new(store, "sync")?, options: opts, preview })
}

/// Applies a sync plan: copies the planned blobs that still need copying
/// (a fresh plan is made under the locks, and only blobs in both are
/// copied); the others are skipped with their reason, and a blob that was not
/// planned is never copied. Errors as [`sync`], plus `invalid_argument` for a
/// plan of another store or older than 24 hours.
pub fn apply_sync(store: &Store, planned: &SyncPlan, ctl: Control) -> Result<SyncResult> {
    let queue = autobackup::run_queued_first(store, ctl);
    let s = Session::open(store, "sync")?;
    planned.plan.check(store, "sync")?;
    let opts = SyncOptions { dry_run: false, ..planned.options };
    let fresh = plan(store, s.place(), opts)?;
    let (keep, skipped) = intersect(&planned.preview.items, fresh.items, |item| match opts.direction {
        SyncDirection::ToBackup if s.place().has(&item.sha256) => "it is already on the backup".to_owned(),
        SyncDirection::FromBackup if blobs::exists(&store.layout().blobs(), &item.sha256) => "it is already in the store".to_owned(),
        _ => "it is no longer where the plan found it".to_owned(),
    });
    let mut r = apply(store, &s, Plan { items: keep, ..fresh }, opts, ctl);
    r.skipped = skipped;
    r.auto_backup = queue;
    Ok(r)
}

/// The planned items that the fresh plan still has (in the planned order,
/// with the fresh sizes), and a [`Skipped`] for each of the others.
fn intersect(planned: &[SyncItem], fresh: Vec<SyncItem>, why: impl Fn(&SyncItem) -> String) -> (Vec<SyncItem>, Vec<Skipped>) {
    let mut fresh: std::collections::HashMap<Sha256, SyncItem> = fresh.into_iter().map(|i| (i.sha256.clone(), i)).collect();
    let (mut keep, mut skipped) = (Vec::new(), Vec::new());
    for p in planned {
        match fresh.remove(&p.sha256) {
            Some(f) if f.size_bytes == p.size_bytes => keep.push(f),
            Some(f) => skipped.push(Skipped {
                sha256: Some(p.sha256.clone()),
                name: p.display_name.clone(),
                reason: format!("its size changed ({} bytes planned, {} now)", p.size_bytes, f.size_bytes),
            }),
            None => skipped.push(Skipped { sha256: Some(p.sha256.clone()), name: p.display_name.clone(), reason: why(p) }),
        }
    }
    (keep, skipped)
}

/// Syncs the store and the backup drive (`backup sync`): `to_backup` copies
/// every local blob the drive lacks; `from_backup` every referenced blob only
/// the drive has (with `include_orphans`, the orphans too).
///
/// Errors (nothing done): `backup_not_enabled`, `backup_not_connected`,
/// `busy`, or a scan that fails. Per-blob failures are in `errors`; the
/// result says `cancelled` when the user stopped it and lists what completed.
pub fn sync(store: &Store, opts: SyncOptions, ctl: Control) -> Result<SyncResult> {
    if opts.dry_run {
        let plan = plan(store, &place_now(store)?, opts)?;
        return Ok(plan.into_result(opts));
    }
    let queue = autobackup::run_queued_first(store, ctl);
    let s = Session::open(store, "sync")?;
    let plan = plan(store, s.place(), opts)?;
    let mut r = apply(store, &s, plan, opts, ctl);
    r.auto_backup = queue;
    Ok(r)
}

/// A sync's plan.
struct Plan {
    items: Vec<SyncItem>,
    /// Backup-only orphans left out (`from_backup` without `include_orphans`): count, bytes.
    orphans_skipped: (u64, u64),
    free_space: Option<u64>,
    space_warning: Option<String>,
}

impl Plan {
    fn into_result(self, opts: SyncOptions) -> SyncResult {
        SyncResult {
            dry_run: opts.dry_run,
            direction: opts.direction,
            only_missing: opts.only_missing,
            blobs_to_sync: self.items.len() as u64,
            bytes_to_sync: self.items.iter().map(|i| i.size_bytes).sum(),
            blobs_synced: 0,
            bytes_synced: 0,
            already_synced: self.items.is_empty(),
            orphans_skipped: self.orphans_skipped.0,
            bytes_orphans_skipped: self.orphans_skipped.1,
            items: self.items,
            space_warning: self.space_warning,
            free_space: self.free_space,
            cancelled: false,
            skipped: Vec::new(),
            auto_backup: None,
            errors: Vec::new(),
        }
    }
}

fn plan(store: &Store, place: &crate::backup::Place, opts: SyncOptions) -> Result<Plan> {
    let layout = store.layout();
    let target = store.target()?.name;
    let mut orphans_skipped = (0, 0);
    let (candidates, inv): (Vec<(Sha256, u64)>, Option<Inventory>) = match opts.direction {
        SyncDirection::ToBackup => {
            // Names and sizes only: the no-op case never loads a pack.
            let mut out = match place {
                crate::backup::Place::Folder { tree, .. } => {
                    let memory = blobs::ScanMemory::load(layout, &store.target()?.scan_file(layout));
                    diff_trees(&layout.blobs(), &tree.blobs(), Some(&memory), opts.only_missing)?
                }
                // A LIST of the prefix (which also refreshes its catalog) against a scan of the store.
                crate::backup::Place::Bucket(b) => {
                    let target = store.target()?;
                    let listed = crate::catalog::refresh_bucket(layout, &target, b, target.backup_id.as_deref())?;
                    let there: std::collections::HashMap<&Sha256, u64> = listed.iter().map(|e| (&e.sha256, e.size)).collect();
                    let local = blobs::scan(&layout.blobs())?;
                    local
                        .blobs
                        .into_iter()
                        .filter(|e| !opts.only_missing || there.get(&e.sha256) != Some(&e.size))
                        .map(|e| (e.sha256, e.size))
                        .collect()
                }
            };
            // A backup copy known to be corrupt is no copy: it is replaced (and
            // kept in the drive's quarantine) from a good local one.
            let known = IntegrityRecord::load(layout)?;
            for (sha, copies) in known.blobs() {
                let good_here = !copies.contains_key(LOCAL);
                if copies.contains_key(&target) && good_here && !out.iter().any(|(s, _)| s == sha) {
                    if let Ok(stat) = blobs::stat(&layout.blobs(), sha) {
                        if let Some(f) = stat.file() {
                            out.push((sha.clone(), f.size));
                        }
                    }
                }
            }
            (out, None)
        }
        SyncDirection::FromBackup => {
            if let crate::backup::Place::Bucket(b) = place {
                let target = store.target()?;
                crate::catalog::refresh_bucket(layout, &target, b, target.backup_id.as_deref())?;
            }
            // Only the packs say which backup-only blobs are needed.
            let inv = inventory::build(store)?;
            // Said in the result, so a sync that copies nothing can tell the
            // user those orphans are there and how to bring them back.
            if !opts.include_orphans {
                for i in inv.items.iter().filter(|i| i.good_on(&target) && !i.on_local && i.used_by_packs.is_empty()) {
                    orphans_skipped.0 += 1;
                    orphans_skipped.1 += i.size_bytes;
                }
            }
            let wanted = inv
                .items
                .iter()
                .filter(|i| i.good_on(&target) && (!i.on_local || !opts.only_missing))
                .filter(|i| opts.include_orphans || !i.used_by_packs.is_empty())
                .map(|i| (i.sha256.clone(), i.size_bytes))
                .collect();
            (wanted, Some(inv))
        }
    };
    if candidates.is_empty() {
        return Ok(Plan { items: Vec::new(), orphans_skipped, free_space: None, space_warning: None });
    }
    let mut items: Vec<SyncItem> = match inv {
        Some(inv) => candidates.into_iter().map(|(sha, size)| describe(&inv, sha, size)).collect(),
        // Named from what was read for them (their packs, manifests, headers), not from a whole inventory.
        None => {
            // The drive's catalog brought up to date, as an inventory would (its unchanged folders from memory).
            if let crate::backup::Place::Folder { drive, .. } = place {
                let state = BackupState::Connected { layout: drive.clone() };
                crate::catalog::backup_blobs(layout, &store.target()?, &state)?;
            }
            let shas: Vec<Sha256> = candidates.iter().map(|(sha, _)| sha.clone()).collect();
            let mut names = inventory::names_of(store, &shas)?;
            candidates
                .into_iter()
                .map(|(sha, size)| {
                    let (display_name, kind) = names.remove(&sha).unwrap_or_else(|| (sha.short().to_owned(), AssetKind::Unknown));
                    SyncItem { display_name, kind, size_bytes: size, sha256: sha }
                })
                .collect()
        }
    };
    items.sort_by(|a, b| b.size_bytes.cmp(&a.size_bytes).then_with(|| a.sha256.cmp(&b.sha256)));
    let dest = match (opts.direction, place) {
        (SyncDirection::ToBackup, crate::backup::Place::Folder { tree, .. }) => Some(tree.root()),
        // A bucket has no free space to check.
        (SyncDirection::ToBackup, crate::backup::Place::Bucket(_)) => None,
        (SyncDirection::FromBackup, _) => Some(layout.root()),
    };
    let bytes: u64 = items.iter().map(|i| i.size_bytes).sum();
    let (free_space, space_warning) = dest.map_or((None, None), |d| space(d, bytes));
    Ok(Plan { items, orphans_skipped, free_space, space_warning })
}

/// The blobs of `src` that `dst` lacks or holds with another size (every blob
/// of `src` when `only_missing` is off), compared fan-out by fan-out: both
/// sides' `<aa>` folders are listed and stat'ed by the same task (in parallel
/// over the fan-outs), and only differences are kept — the way rsync walks two
/// trees, so a no-op over 100,000 blobs allocates almost nothing. Names are
/// filtered as [`blobs::scan`] does (blob names in their own fan-out, regular
/// files; manifests never stat'ed). A fan-out of `dst` whose stamp is
/// unchanged since `memory` (what the inventory last saw of it, see
/// [`blobs::scan_remembered`]) is taken from there instead of stat'ed.
fn diff_trees(src: &BlobDir, dst: &BlobDir, memory: Option<&blobs::ScanMemory>, only_missing: bool) -> Result<Vec<(Sha256, u64)>> {
    // Both sides through their trees: a fan-out that is a link is never listed through.
    let open = |d: &BlobDir| -> Result<Option<Tree>> {
        match d.tree() {
            Ok(t) => match t.subtree(d.root()) {
                Err(Error::LinkInTree { .. }) => Ok(None),
                r => r,
            },
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    };
    let Some(src_blobs) = open(src)? else { return Ok(Vec::new()) };
    let dst_blobs = open(dst)?;
    let mut fanouts = Vec::new();
    for e in src_blobs.read_dir(Path::new(""))? {
        let is_fanout = e.name_str().is_some_and(|n| n.len() == 2 && n.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        if is_fanout && e.kind == Some(Kind::Dir) {
            fanouts.push(e.name.to_string_lossy().into_owned());
        }
    }
    fanouts.sort_unstable();
    // Nothing is taken from memory while something is mounted below the destination.
    let memory = memory.filter(|_| dst_blobs.is_some() && !crate::tree::mounts_below(dst.root()));
    let parts: Vec<Result<Vec<(Sha256, u64)>>> = fanouts
        .par_iter()
        .map(|f| {
            let a = list_fanout(&src_blobs, f)?;
            let b = match &dst_blobs {
                Some(t) => dst_fanout(t, f, memory)?,
                None => Vec::new(),
            };
            Ok(missing_or_different(&a, &b, only_missing))
        })
        .collect();
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// One fan-out folder's blobs as (name, size, identity), sorted by name.
type Listing = Vec<([u8; 64], u64, FileId)>;

/// The destination's fan-out folder `fanout`: as `memory` has it when its
/// stamp is unchanged, else listed and stat'ed.
fn dst_fanout(blobs: &Tree, fanout: &str, memory: Option<&blobs::ScanMemory>) -> Result<Listing> {
    let Some(dir) = open_fanout(blobs, fanout)? else { return Ok(Vec::new()) };
    if let Some(memory) = memory {
        if let Some(entries) = memory.unchanged(fanout, &dir.stamp()?) {
            return Ok(entries.filter_map(|b| Some((b.sha256.as_str().as_bytes().try_into().expect("64 bytes"), b.size, b.id?))).collect());
        }
    }
    list_fanout_in(&dir, fanout)
}

/// A fan-out folder opened as a tree; `None` when it is missing or a link.
fn open_fanout(blobs: &Tree, fanout: &str) -> Result<Option<Tree>> {
    match blobs.subtree(Path::new(fanout)) {
        Ok(d) => Ok(d),
        Err(Error::LinkInTree { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One fan-out folder's blobs as (name, size, identity), sorted; a missing
/// folder, or one that is a link, is empty; links inside are not blobs.
fn list_fanout(blobs: &Tree, fanout: &str) -> Result<Listing> {
    match open_fanout(blobs, fanout)? {
        Some(dir) => list_fanout_in(&dir, fanout),
        None => Ok(Vec::new()),
    }
}

fn list_fanout_in(dir: &Tree, fanout: &str) -> Result<Listing> {
    let mut out = Vec::new();
    for e in dir.read_dir(Path::new(""))? {
        let Some(name) = e.name_str().filter(|n| Sha256::is_blob_file_name(n) && n.starts_with(fanout)) else { continue };
        if matches!(e.kind, Some(Kind::Symlink) | Some(Kind::Dir)) {
            continue;
        }
        // Deleted between listing and stat: it is simply gone.
        if let Some(m) = dir.stat(Path::new(name))?.filter(|m| m.is_file()) {
            out.push((name.as_bytes().try_into().expect("64 bytes"), m.size, m.id));
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The entries of sorted `src` that sorted `dst` lacks or has with another
/// size (all of `src` when `only_missing` is off): one merge pass.
/// A destination file with the source's own inode (a hard link, the same
/// tree seen twice) is no copy: it counts as missing.
fn missing_or_different(src: &[([u8; 64], u64, FileId)], dst: &[([u8; 64], u64, FileId)], only_missing: bool) -> Vec<(Sha256, u64)> {
    let mut out = Vec::new();
    let mut j = 0;
    for (name, size, id) in src {
        while j < dst.len() && dst[j].0 < *name {
            j += 1;
        }
        let same = dst.get(j).is_some_and(|d| d.0 == *name && d.1 == *size && d.2 != *id);
        if !same || !only_missing {
            let sha = std::str::from_utf8(name).ok().and_then(|n| Sha256::parse(n).ok()).expect("checked blob name");
            out.push((sha, *size));
        }
    }
    out
}

/// Free space at `dest`, and a warning when `bytes` (plus the copy margin) do not fit.
fn space(dest: &std::path::Path, bytes: u64) -> (Option<u64>, Option<String>) {
    let free = fs4::statvfs(dest).ok().map(|s| s.available_space());
    let warning = free.filter(|_| copy::check_space(dest, bytes).is_err()).map(|free| {
        format!(
            "{} to copy but only {} free on {}: the blobs that do not fit will fail with insufficient_space",
            human(bytes),
            human(free),
            dest.display()
        )
    });
    (free, warning)
}

/// A blob as a plan item, named and typed by the inventory.
fn describe(inv: &Inventory, sha: Sha256, size: u64) -> SyncItem {
    match inv.get(&sha) {
        Some(it) => SyncItem { display_name: it.display_name.clone(), kind: it.kind, size_bytes: size, sha256: sha },
        None => SyncItem { display_name: sha.short().to_owned(), kind: AssetKind::Unknown, size_bytes: size, sha256: sha },
    }
}

fn item_error(item: &SyncItem, e: &Error) -> ItemError {
    ItemError {
        sha256: Some(item.sha256.clone()),
        display_name: Some(item.display_name.clone()),
        path: None,
        code: e.code(),
        message: e.to_string(),
    }
}

/// Executes a sync plan (the session is held).
fn apply(store: &Store, s: &Session, plan: Plan, opts: SyncOptions, ctl: Control) -> SyncResult {
    let mut r = plan.into_result(opts);
    if !r.items.is_empty() {
        let mut catalog = s.catalog();
        let (copied, outcome) = copy_items(store, s, &r.items, opts.direction, !opts.only_missing, &mut catalog, "sync", ctl);
        r.blobs_synced = copied.len() as u64;
        r.bytes_synced = copied.iter().map(|(_, c)| c.bytes_copied()).sum();
        r.cancelled = outcome.cancelled;
        r.errors = outcome.errors;
        if opts.direction == SyncDirection::ToBackup {
            s.save_catalog(&catalog);
        }
    }
    // "Already synced" is a completed sync too.
    if r.errors.is_empty() && !r.cancelled {
        s.record_sync(SyncKind::Blobs);
    }
    r
}

/// How a run of copies ended.
struct Outcome {
    cancelled: bool,
    errors: Vec<ItemError>,
}

/// Copies `items` one by one in `direction`, keeping the catalog up to date.
/// Returns the blobs copied (or found already there) and how it ended: a
/// failing blob is recorded and skipped; a drive that went away or a cancel
/// stops the run.
#[allow(clippy::too_many_arguments)]
fn copy_items(
    store: &Store,
    s: &Session,
    items: &[SyncItem],
    direction: SyncDirection,
    overwrite: bool,
    catalog: &mut Catalog,
    operation: &str,
    ctl: Control,
) -> (Vec<(Sha256, Copied)>, Outcome) {
    let (src, dst) = places(s, direction);
    // A copy known to be corrupt at the destination is replaced, and moved to quarantine.
    let known = IntegrityRecord::load(store.layout()).unwrap_or_default();
    let tracker = Tracker::new(ctl, operation, items.len() as u64, items.iter().map(|i| i.size_bytes).sum());
    let mut done = Vec::with_capacity(items.len());
    let mut outcome = Outcome { cancelled: false, errors: Vec::new() };
    let mut saved = Instant::now();
    let mut verified = Vec::new();
    for item in items {
        if ctl.cancel.is_cancelled() {
            outcome.cancelled = true;
            break;
        }
        tracker.start_item(&item.display_name);
        let existing = if overwrite {
            Existing::Refresh
        } else {
            existing_for(store, s, direction, known.is_corrupt(&item.sha256, dst), &item.sha256)
        };
        let result = s.transfer(&item.sha256, direction, &existing, Some(&tracker), ctl.cancel);
        note_copy(store.layout(), &item.sha256, src, dst, &result);
        match result {
            Ok(c) => {
                if let Copied::AlreadyPresent { bytes } = c {
                    tracker.add_bytes(bytes);
                }
                if direction == SyncDirection::ToBackup {
                    catalog.insert(&item.sha256, c.size());
                }
                if matches!(c, Copied::Done { .. }) {
                    verified.push(item.sha256.clone());
                }
                done.push((item.sha256.clone(), c));
            }
            Err(e) => match s.failure(e) {
                Error::Cancelled => {
                    outcome.cancelled = true;
                    break;
                }
                e => {
                    // A drive gone, or a server that does not answer (or refuses the key): the rest
                    // would fail the same way. A bucket failing one object after its retries
                    // (a 5xx, a cut connection) fails that item, and the others go on.
                    let stop = match &e {
                        Error::Remote { problem, .. } => matches!(problem, RemoteProblem::Unreachable | RemoteProblem::Credentials),
                        _ => e.code() == ErrorCode::BackupNotConnected,
                    };
                    outcome.errors.push(item_error(item, &e));
                    if stop {
                        break;
                    }
                }
            },
        }
        tracker.item_done();
        if saved.elapsed() >= CATALOG_SAVE_EVERY {
            if direction == SyncDirection::ToBackup {
                s.save_catalog(catalog);
            }
            s.record_verified(&std::mem::take(&mut verified));
            saved = Instant::now();
        }
    }
    s.record_verified(&verified);
    tracker.finish();
    (done, outcome)
}

/// `backup pack-status <pack>`: where each of the pack's blobs is. Works while
/// the drive is unplugged (from the catalog, `backup_source: "cached"`).
pub fn pack_status(store: &Store, name: &PackName) -> Result<PackBackupStatus> {
    let inv = inventory::build(store)?;
    pack_status_in(store, &inv, name)
}

fn pack_status_in(store: &Store, inv: &Inventory, name: &PackName) -> Result<PackBackupStatus> {
    let pack = packs::load(store.layout(), name)?;
    let refs = pack.blob_refs().map_err(|reason| Error::invalid(format!("pack {name} cannot be read: {reason}")))?;
    let backup = &inv.summary.backup;
    let mut st = PackBackupStatus {
        pack: name.to_string(),
        backup_enabled: backup.enabled,
        backup_connected: backup.connected,
        backup_source: backup.source,
        blobs: Vec::with_capacity(refs.len()),
        local_only: 0,
        backup_only: 0,
        both: 0,
        missing: 0,
        bytes_local_only: 0,
        bytes_backup_only: 0,
        bytes_both: 0,
    };
    let mut counted = HashSet::new();
    for r in refs {
        let item = inv.get(&r.sha256);
        let (on_local, on_backup) = item.map_or((false, false), |i| (i.on_local, i.good_on(inv.target_name())));
        let size = item.filter(|i| i.on_local || i.on_backup).map(|i| i.size_bytes).or(r.size_bytes).unwrap_or(0);
        let kind = if r.kind != AssetKind::Unknown { r.kind } else { item.map_or(AssetKind::Unknown, |i| i.kind) };
        let display_name = r.file_name().or_else(|| item.map(|i| i.display_name.clone())).unwrap_or_else(|| r.sha256.short().to_owned());
        let location = Location::from_sides(on_local, on_backup);
        if counted.insert(r.sha256.clone()) {
            match location {
                Location::LocalOnly => (st.local_only, st.bytes_local_only) = (st.local_only + 1, st.bytes_local_only + size),
                Location::BackupOnly => (st.backup_only, st.bytes_backup_only) = (st.backup_only + 1, st.bytes_backup_only + size),
                Location::Both => (st.both, st.bytes_both) = (st.both + 1, st.bytes_both + size),
                Location::Nowhere => st.missing += 1,
            }
        }
        st.blobs.push(PackBlobStatus {
            dependency_id: r.dependency_id,
            sha256: r.sha256,
            display_name,
            kind,
            size_bytes: size,
            location,
            on_local,
            on_backup,
        });
    }
    Ok(st)
}

/// What [`push`] does.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct PushOptions {
    /// Only plan (the default of the CLI).
    pub dry_run: bool,
    /// Then delete the local copies of the pack's blobs that are safely on the
    /// backup (works when everything is already backed up: "free only").
    pub free: bool,
}

/// `backup push <pack>`: backs up the pack's local-only blobs; with `free`,
/// then deletes the local copy of every blob of the pack whose backup copy
/// was written and hash-checked by this operation, or hashes right now.
/// A blob whose backup copy is corrupt or missing is never freed (an
/// `integrity` / `not_found` entry in `errors`).
///
/// Errors: `not_found` (pack), `invalid_argument` (unreadable pack),
/// `backup_not_enabled`, `backup_not_connected`, `busy`.
pub fn push(store: &Store, name: &PackName, opts: PushOptions, ctl: Control) -> Result<PackTransferResult> {
    transfer(store, name, SyncDirection::ToBackup, opts, ctl)
}

/// `backup pull <pack>`: restores the pack's backup-only blobs. It never
/// downloads anything (the seeds' P4): blobs on neither side are listed in
/// `missing`. Errors as [`push`].
pub fn pull(store: &Store, name: &PackName, dry_run: bool, ctl: Control) -> Result<PackTransferResult> {
    transfer(store, name, SyncDirection::FromBackup, PushOptions { dry_run, free: false }, ctl)
}

fn transfer(store: &Store, name: &PackName, direction: SyncDirection, opts: PushOptions, ctl: Control) -> Result<PackTransferResult> {
    if opts.dry_run {
        BackupState::for_store(store)?.usable()?;
        packs::load(store.layout(), name)?;
        return pack_plan(store, name, direction, opts);
    }
    let queue = autobackup::run_queued_first(store, ctl);
    let s = Session::open(store, operation_of(direction))?;
    let r = pack_plan(store, name, direction, opts)?;
    let mut r = run_transfer(store, &s, r, direction, opts.free, ctl);
    r.auto_backup = queue;
    Ok(r)
}

fn operation_of(direction: SyncDirection) -> &'static str {
    match direction {
        SyncDirection::ToBackup => "push",
        SyncDirection::FromBackup => "pull",
    }
}

/// Copies the items of `r`, then (push with free) frees its `to_free`; the session is held.
fn run_transfer(
    store: &Store,
    s: &Session,
    mut r: PackTransferResult,
    direction: SyncDirection,
    free: bool,
    ctl: Control,
) -> PackTransferResult {
    r.dry_run = false;
    let mut catalog = s.catalog();
    let (copied, outcome) = copy_items(store, s, &r.items, direction, false, &mut catalog, r.direction_name(), ctl);
    if direction == SyncDirection::ToBackup && !copied.is_empty() {
        s.save_catalog(&catalog);
    }
    r.blobs_copied = copied.len() as u64;
    r.bytes_copied = copied.iter().map(|(_, c)| c.bytes_copied()).sum();
    r.cancelled = outcome.cancelled;
    r.errors.extend(outcome.errors);
    let stopped = r.cancelled || r.errors.iter().any(|e| e.code == ErrorCode::BackupNotConnected);
    if free && !stopped {
        // Written and hash-checked by this operation: the copy engine hashed
        // exactly the bytes it wrote and fsynced them.
        let written: HashSet<Sha256> = copied.iter().filter(|(_, c)| matches!(c, Copied::Done { .. })).map(|(s, _)| s.clone()).collect();
        free_local(store, s, &mut r, &written, ctl);
    }
    r
}

/// The plan of a pack's push (with or without free) or pull (SPEC §3.11).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackTransferPlan {
    pub plan: PlanStamp,
    pub pack: PackName,
    pub direction: SyncDirection,
    pub free: bool,
    /// The dry run: what would be copied, freed, refused and is missing.
    pub preview: PackTransferResult,
}

/// Plans `push <pack> [--free]` (`ToBackup`) or `pull <pack>` (`FromBackup`); reads only.
pub fn plan_transfer(store: &Store, name: &PackName, direction: SyncDirection, free: bool) -> Result<PackTransferPlan> {
    let free = free && direction == SyncDirection::ToBackup;
    BackupState::for_store(store)?.usable()?;
    packs::load(store.layout(), name)?;
    let preview = pack_plan(store, name, direction, PushOptions { dry_run: true, free })?;
    Ok(PackTransferPlan { plan: PlanStamp::new(store, operation_of(direction))?, pack: name.clone(), direction, free, preview })
}

/// Applies a pack plan: copies and frees only what the plan lists and a fresh
/// plan (made under the locks) still agrees with; a blob that a UI started to
/// use, that left the pack or changed is skipped with its reason. Freeing
/// still re-hashes backup copies this run did not write (SPEC §3.6).
pub fn apply_transfer(store: &Store, planned: &PackTransferPlan, ctl: Control) -> Result<PackTransferResult> {
    let queue = autobackup::run_queued_first(store, ctl);
    let s = Session::open(store, operation_of(planned.direction))?;
    planned.plan.check(store, operation_of(planned.direction))?;
    let opts = PushOptions { dry_run: false, free: planned.free };
    let fresh = pack_plan(store, &planned.pack, planned.direction, opts)?;
    let refusal = |sha: &Sha256| fresh.errors.iter().find(|e| e.sha256.as_ref() == Some(sha)).map(|e| e.message.clone());
    let (items, mut skipped) = intersect(&planned.preview.items, fresh.items.clone(), |i| {
        refusal(&i.sha256).unwrap_or_else(|| "it no longer needs copying (already there, or no longer in the pack)".to_owned())
    });
    let (to_free, skipped_free) = intersect(&planned.preview.to_free, fresh.to_free.clone(), |i| {
        refusal(&i.sha256).unwrap_or_else(|| "its local copy is no longer one this pack can free".to_owned())
    });
    skipped.extend(skipped_free);
    let planned_shas: HashSet<&Sha256> = planned.preview.items.iter().chain(&planned.preview.to_free).map(|i| &i.sha256).collect();
    let errors = fresh.errors.iter().filter(|e| e.sha256.as_ref().is_some_and(|s| planned_shas.contains(s))).cloned().collect();
    let r = PackTransferResult {
        blobs_to_copy: items.len() as u64,
        bytes_to_copy: items.iter().map(|i| i.size_bytes).sum(),
        bytes_to_free: to_free.iter().map(|i| i.size_bytes).sum(),
        frees_shared: fresh.frees_shared.iter().filter(|f| to_free.iter().any(|i| i.sha256 == f.sha256)).cloned().collect(),
        items,
        to_free,
        errors,
        ..fresh
    };
    let mut r = run_transfer(store, &s, r, planned.direction, planned.free, ctl);
    r.skipped = skipped;
    r.auto_backup = queue;
    Ok(r)
}

impl PackTransferResult {
    fn direction_name(&self) -> &'static str {
        match self.direction {
            SyncDirection::ToBackup => "push",
            SyncDirection::FromBackup => "pull",
        }
    }
}

/// The plan of a push or pull, on a live view of the drive.
fn pack_plan(store: &Store, name: &PackName, direction: SyncDirection, opts: PushOptions) -> Result<PackTransferResult> {
    let inv = inventory::build(store)?;
    inv.backup.usable()?;
    let st = pack_status_in(store, &inv, name)?;
    let mut seen = HashSet::new();
    let (mut items, mut to_free, mut missing, mut errors) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for b in st.blobs.into_iter().filter(|b| seen.insert(b.sha256.clone())) {
        let uis = inv.get(&b.sha256).map(|i| i.active_in_uis.clone()).unwrap_or_default();
        let item = SyncItem { sha256: b.sha256, display_name: b.display_name, kind: b.kind, size_bytes: b.size_bytes };
        // A local copy a UI links to is guarded like a referenced blob (SPEC §3.8): freeing it would break the UI's link.
        if opts.free && direction == SyncDirection::ToBackup && !uis.is_empty() {
            errors.push(ItemError {
                sha256: Some(item.sha256.clone()),
                display_name: Some(item.display_name.clone()),
                path: None,
                code: ErrorCode::InUse,
                message: format!(
                    "kept the local copy of {}: UI {} links to it; stop using pack {name} there first to free it",
                    item.display_name,
                    uis.join(", ")
                ),
            });
            if b.location == Location::LocalOnly {
                items.push(item);
            }
            continue;
        }
        // Said in the plan, before the user confirms: a copy the policy keeps stays.
        let kept = (opts.free && direction == SyncDirection::ToBackup).then(|| policy_keeps(&inv, &item, true)).flatten();
        if let Some(e) = kept {
            errors.push(e);
            if b.location == Location::LocalOnly {
                items.push(item);
            }
            continue;
        }
        match (direction, b.location) {
            (_, Location::Nowhere) => missing.push(item),
            (SyncDirection::ToBackup, Location::LocalOnly) => {
                if opts.free {
                    to_free.push(item.clone());
                }
                items.push(item);
            }
            (SyncDirection::ToBackup, Location::Both) if opts.free => to_free.push(item),
            (SyncDirection::FromBackup, Location::BackupOnly) => items.push(item),
            _ => {}
        }
    }
    let bytes_to_copy: u64 = items.iter().map(|i| i.size_bytes).sum();
    let dest = match direction {
        // A bucket has no free space to check.
        SyncDirection::ToBackup => inv.backup.connected().map(|d| d.store_root()),
        SyncDirection::FromBackup => Some(store.root().to_path_buf()),
    };
    let space_warning = dest.filter(|_| !items.is_empty()).and_then(|d| space(&d, bytes_to_copy).1);
    let frees_shared = shared_frees(&inv, name, &to_free);
    Ok(PackTransferResult {
        pack: name.to_string(),
        dry_run: opts.dry_run,
        direction,
        blobs_to_copy: items.len() as u64,
        bytes_to_copy,
        blobs_copied: 0,
        bytes_copied: 0,
        free: opts.free,
        bytes_to_free: to_free.iter().map(|i| i.size_bytes).sum(),
        frees_shared,
        nothing_to_do: items.is_empty() && to_free.is_empty() && errors.is_empty(),
        items,
        to_free,
        freed: Vec::new(),
        bytes_freed: 0,
        missing,
        space_warning,
        cancelled: false,
        skipped: Vec::new(),
        auto_backup: None,
        errors,
    })
}

/// The blobs of `to_free` that packs other than `pack` use too.
fn shared_frees(inv: &Inventory, pack: &PackName, to_free: &[SyncItem]) -> Vec<SharedFree> {
    to_free
        .iter()
        .filter_map(|i| {
            let others: Vec<String> = inv.get(&i.sha256)?.used_by_packs.iter().filter(|p| p.as_str() != pack.as_str()).cloned().collect();
            (!others.is_empty()).then(|| SharedFree { sha256: i.sha256.clone(), display_name: i.display_name.clone(), other_packs: others })
        })
        .collect()
}

/// Why `push --free` keeps the local copy of `item` under the copies policy
/// (SPEC §3.12): without it, the live, good copies on the targets must still
/// make the policy. `planned`: said in the plan, before the push, so this
/// target's copy counts as the one the push writes and hash-checks; else
/// checked at the moment of freeing, from what is there now.
fn policy_keeps(inv: &Inventory, item: &SyncItem, planned: bool) -> Option<ItemError> {
    let it = inv.get(&item.sha256)?;
    if it.min_copies < 2 {
        return None;
    }
    let here = inv.target_name();
    let others: Vec<&crate::results::BlobCopy> =
        it.copies.iter().filter(|c| c.target != LOCAL && !(planned && c.target == here) && c.live_good()).collect();
    let counted = crate::guard::counted(&others, it.min_copies, &inv.policy).len() as u32 + u32::from(planned);
    (counted < it.min_copies).then(|| ItemError {
        sha256: Some(item.sha256.clone()),
        display_name: Some(item.display_name.clone()),
        path: None,
        code: ErrorCode::BelowMinCopies,
        message: format!(
            "{} the local copy of {}: without it {counted} good cop{} would remain where the copies policy asks for {} (copy it to another backup target first)",
            if planned { "will keep" } else { "kept" },
            item.display_name,
            if counted == 1 { "y" } else { "ies" },
            it.min_copies
        ),
    })
}

/// The free step of `push --free` (the session is held): re-hashes the backup
/// copies this operation did not write, then deletes each local copy whose
/// backup copy is known good and still there.
fn free_local(store: &Store, s: &Session, r: &mut PackTransferResult, written: &HashSet<Sha256>, ctl: Control) {
    let failed: HashSet<Sha256> = r.errors.iter().filter_map(|e| e.sha256.clone()).collect();
    let candidates: Vec<SyncItem> = r.to_free.iter().filter(|i| !failed.contains(&i.sha256)).cloned().collect();
    let recheck: Vec<Sha256> = candidates.iter().map(|i| i.sha256.clone()).filter(|s| !written.contains(s)).collect();
    let mut good: HashSet<Sha256> = written.clone();
    if !recheck.is_empty() {
        match verify::verify(store, Selection::BackupBlobs(recheck), None, ctl) {
            Ok(v) => {
                good.extend(v.valid);
                for bad in &v.invalid {
                    let item = candidates.iter().find(|i| i.sha256 == bad.sha256);
                    let found =
                        bad.actual.as_deref().map_or_else(|| bad.error.clone().unwrap_or_default(), |a| format!("it hashes to {a}"));
                    r.errors.push(ItemError {
                        sha256: Some(bad.sha256.clone()),
                        display_name: item.map(|i| i.display_name.clone()),
                        path: Some(bad.path.clone()),
                        code: ErrorCode::Integrity,
                        message: format!(
                            "kept the local copy of {}: its backup copy {} is corrupt ({found}); back blob {} up again",
                            item.map_or(bad.sha256.short(), |i| i.display_name.as_str()),
                            bad.path.display(),
                            bad.sha256.short()
                        ),
                    });
                }
                for gone in &v.missing {
                    let item = candidates.iter().find(|i| &i.sha256 == gone);
                    r.errors.push(ItemError {
                        sha256: Some(gone.clone()),
                        display_name: item.map(|i| i.display_name.clone()),
                        path: Some(s.place().blob_path(gone)),
                        code: ErrorCode::NotFound,
                        message: format!("kept the local copy of {}: it is no longer on the backup", gone.short()),
                    });
                }
            }
            Err(Error::Cancelled) => {
                r.cancelled = true;
                return;
            }
            Err(e) => {
                r.errors.push(ItemError { sha256: None, display_name: None, path: None, code: e.code(), message: e.to_string() });
                return;
            }
        }
    }
    let local = store.layout().blobs();
    // The copies policy (SPEC §3.12): the copies left once the local one goes,
    // seen live now, must still be as many as it asks (verified, for 2 or more).
    let inv = match inventory::build(store) {
        Ok(inv) => inv,
        Err(e) => {
            r.errors.push(ItemError { sha256: None, display_name: None, path: None, code: e.code(), message: e.to_string() });
            return;
        }
    };
    for item in candidates.iter().filter(|i| good.contains(&i.sha256)) {
        if ctl.cancel.is_cancelled() {
            r.cancelled = true;
            return;
        }
        if let Some(e) = policy_keeps(&inv, item, false) {
            r.errors.push(e);
            continue;
        }
        // The drive must still be here, and the copy still on it, at the moment of deleting.
        if let Some(e) = s.gone() {
            r.errors.push(item_error(item, &e));
            return;
        }
        if !s.place().has(&item.sha256) {
            r.errors.push(ItemError {
                sha256: Some(item.sha256.clone()),
                display_name: Some(item.display_name.clone()),
                path: Some(s.place().blob_path(&item.sha256)),
                code: ErrorCode::NotFound,
                message: format!("kept the local copy of {}: its backup copy disappeared", item.display_name),
            });
            continue;
        }
        match blobs::remove(&local, &item.sha256, Side::Local) {
            Ok(bytes) => {
                r.freed.push(item.sha256.clone());
                r.bytes_freed += bytes;
            }
            Err(e) => r.errors.push(item_error(item, &e)),
        }
    }
}

/// `1.5 GB`: decimal units, for messages.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries on device `dev` (files of different devices are different files).
    fn entries_on(dev: u64, list: &[(u8, u64)]) -> Vec<([u8; 64], u64, FileId)> {
        list.iter()
            .map(|&(n, size)| (format!("{n:02x}").repeat(32).as_bytes().try_into().unwrap(), size, FileId { dev, ino: n as u64 }))
            .collect()
    }

    fn entries(list: &[(u8, u64)]) -> Vec<([u8; 64], u64, FileId)> {
        entries_on(1, list)
    }

    #[test]
    fn the_merge_finds_missing_and_resized_blobs() {
        let src = entries(&[(1, 10), (2, 20), (3, 30), (5, 50)]);
        let dst = entries_on(2, &[(0, 1), (2, 20), (3, 31), (4, 40)]);
        let got: Vec<u64> = missing_or_different(&src, &dst, true).into_iter().map(|(_, s)| s).collect();
        assert_eq!(got, vec![10, 30, 50]);
        assert_eq!(missing_or_different(&src, &dst, false).len(), 4);
        assert!(missing_or_different(&src, &entries_on(2, &[(1, 10), (2, 20), (3, 30), (5, 50)]), true).is_empty());
        // The same files seen from the other side (hard links, one tree twice) are no copies.
        assert_eq!(missing_or_different(&src, &src, true).len(), 4);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(super::human(999), "999 B");
        assert_eq!(super::human(1_500_000_000), "1.5 GB");
    }
}
