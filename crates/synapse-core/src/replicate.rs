//! `backup sync --all` (SPEC §3.12): the copies that bring every blob up to
//! the copies policy over the targets connected now, as a plan (§3.11).
//!
//! Each blob short of its policy gets copies on connected targets that lack
//! a good one, read from its local copy, else from a connected target's, and
//! never written to the local disk. The smallest blobs go first, so the most
//! blobs reach the policy soonest. What cannot be brought up to the policy
//! now is reported with the reason and the targets that would fix it (those
//! that lack the blob but are not connected).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::blob::copy::{self, Copied, Existing};
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory::{self, Inventory};
use crate::plan::{PlanStamp, Skipped};
use crate::progress::{Control, Tracker};
use crate::results::{InventoryItem, ItemError};
use crate::store::integrity::IntegrityRecord;
use crate::store::ledger::Ledger;
use crate::store::Store;
use crate::target::backup::Drives;
use crate::target::LOCAL;
use crate::vocab::AssetKind;

const OPERATION: &str = "sync --all";

/// What `sync --all` considers.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SyncAllOptions {
    /// Orphans too, to the global `min_copies` (default: only referenced blobs).
    pub include_orphans: bool,
}

/// One planned copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedCopy {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// `local` or the target read from.
    pub from: String,
    /// The target written to.
    pub to: String,
}

/// A blob that stays below the policy after the plan, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shortfall {
    pub sha256: Sha256,
    pub display_name: String,
    /// Good copies after the planned ones.
    pub copies: u32,
    pub min_copies: u32,
    pub reason: String,
    /// Targets that lack it and are not connected now: plugging them in would help.
    pub would_fix: Vec<String>,
}

/// The plan of `sync --all`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncAllPlan {
    pub plan: PlanStamp,
    pub options: SyncAllOptions,
    pub copies: Vec<PlannedCopy>,
    pub bytes_to_copy: u64,
    /// Free space on each destination target, and the bytes planned for it.
    pub destinations: Vec<Destination>,
    pub short: Vec<Shortfall>,
    /// The targets connected when it was planned.
    pub connected: Vec<String>,
}

/// One destination target of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Destination {
    pub target: String,
    pub bytes: u64,
    pub free_space: Option<u64>,
    /// Set when the planned bytes do not fit (with the copy engine's margin).
    pub space_warning: Option<String>,
}

/// What applying it did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncAllResult {
    pub dry_run: bool,
    pub plan: SyncAllPlan,
    pub copied: Vec<PlannedCopy>,
    pub bytes_copied: u64,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ItemError>,
    pub cancelled: bool,
}

impl SyncAllPlan {
    pub fn as_result(&self) -> SyncAllResult {
        SyncAllResult {
            dry_run: true,
            plan: self.clone(),
            copied: Vec::new(),
            bytes_copied: 0,
            skipped: Vec::new(),
            errors: Vec::new(),
            cancelled: false,
        }
    }
}

/// The copies a policy of `required` still needs for `it`.
fn required(it: &InventoryItem, inv: &Inventory, opts: SyncAllOptions) -> u32 {
    if it.min_copies > 0 {
        it.min_copies
    } else if opts.include_orphans {
        inv.policy.min_copies.max(1)
    } else {
        0
    }
}

/// Plans `sync --all` (reads only).
pub fn plan_sync_all(store: &Store, opts: SyncAllOptions) -> Result<SyncAllPlan> {
    let inv = inventory::build(&store.on_target(None)?)?;
    let (copies, short) = choose(&inv, opts);
    let connected: Vec<String> = inv.targets.iter().filter(|t| reachable(t)).map(|t| t.target.name.clone()).collect();
    let mut per: BTreeMap<&str, u64> = BTreeMap::new();
    for c in &copies {
        *per.entry(&c.to).or_default() += c.size_bytes;
    }
    let destinations = per
        .into_iter()
        .map(|(name, bytes)| {
            let root = inv.targets.iter().find(|t| t.target.name == name).and_then(|t| t.state.connected()).map(|d| d.store_root());
            let free_space = root.as_ref().and_then(|r| fs4::statvfs(r).ok()).map(|s| s.available_space());
            let space_warning = root.and_then(|r| copy::check_space(&r, bytes).err()).map(|e| e.to_string());
            Destination { target: name.to_owned(), bytes, free_space, space_warning }
        })
        .collect();
    Ok(SyncAllPlan {
        plan: PlanStamp::new(store, OPERATION)?,
        options: opts,
        bytes_to_copy: copies.iter().map(|c| c.size_bytes).sum(),
        copies,
        destinations,
        short,
        connected,
    })
}

/// The copies to make and what stays short, from one inventory.
fn choose(inv: &Inventory, opts: SyncAllOptions) -> (Vec<PlannedCopy>, Vec<Shortfall>) {
    let mut copies = Vec::new();
    let mut short = Vec::new();
    let mut items: Vec<&InventoryItem> = inv.items.iter().filter(|it| it.copies_count < required(it, inv, opts)).collect();
    items.sort_by(|a, b| a.size_bytes.cmp(&b.size_bytes).then_with(|| a.sha256.cmp(&b.sha256)));
    for it in items {
        let need = required(it, inv, opts);
        let live_good = |place: &str| it.live_good_on(place);
        // Read from the local copy when there is one: it is the fastest disk.
        let from = if live_good(LOCAL) {
            Some(LOCAL.to_owned())
        } else {
            // A folder read now, or a bucket that answers (its download is hash-checked).
            inv.targets
                .iter()
                .find(|t| (t.live() && live_good(&t.target.name)) || (t.state.bucket().is_some() && it.good_on(&t.target.name)))
                .map(|t| t.target.name.clone())
        };
        let mut have = it.copies_count;
        let lacking = inv.targets.iter().filter(|t| t.state.enabled() && !it.good_on(&t.target.name));
        let (live, away): (Vec<_>, Vec<_>) = lacking.partition(|t| reachable(t));
        if let Some(from) = &from {
            for t in live.iter().take(need.saturating_sub(have) as usize) {
                copies.push(PlannedCopy {
                    sha256: it.sha256.clone(),
                    display_name: it.display_name.clone(),
                    kind: it.kind,
                    size_bytes: it.size_bytes,
                    from: from.clone(),
                    to: t.target.name.clone(),
                });
                have += 1;
            }
        }
        if have < need {
            let would_fix: Vec<String> = away.iter().map(|t| t.target.name.clone()).collect();
            let reason = if from.is_none() && it.copies_count > 0 {
                "its good copies are all on targets that are not connected: connect one to copy from it".to_owned()
            } else if from.is_none() {
                "no good copy of it is left anywhere: nothing to copy from".to_owned()
            } else if would_fix.is_empty() {
                format!("there are not enough targets: {need} copies need {} targets besides this disk; add one", need.saturating_sub(1))
            } else {
                format!("{} that would hold a copy {} not connected", would_fix.join(", "), if would_fix.len() == 1 { "is" } else { "are" })
            };
            short.push(Shortfall {
                sha256: it.sha256.clone(),
                display_name: it.display_name.clone(),
                copies: have,
                min_copies: need,
                reason,
                would_fix,
            });
        }
    }
    (copies, short)
}

/// Plans and, unless `dry_run`, applies that same plan.
pub fn sync_all(store: &Store, opts: SyncAllOptions, dry_run: bool, ctl: Control) -> Result<SyncAllResult> {
    let plan = plan_sync_all(store, opts)?;
    if dry_run {
        return Ok(plan.as_result());
    }
    apply_sync_all(store, &plan, ctl)
}

/// Applies `plan` under the store lock and the lock of every target it
/// writes to or reads from: each copy is made only if the blob still needs
/// it, the destination still lacks a good copy and the source still has one;
/// the others are skipped with their reason. Errors: `invalid_argument` for a
/// plan of another store or older than 24 hours; `busy`; `cancelled` is a
/// result (`cancelled: true`), like a failing item.
pub fn apply_sync_all(store: &Store, planned: &SyncAllPlan, ctl: Control) -> Result<SyncAllResult> {
    planned.plan.check(store, OPERATION)?;
    let mut r = SyncAllResult { dry_run: false, ..planned.as_result() };
    if planned.copies.is_empty() {
        return Ok(r);
    }
    let store = &store.on_target(None)?;
    let _lock = store.lock(OPERATION)?;
    let layout = store.layout();
    let drives = Drives::open(store, planned.copies.iter().flat_map(|c| [c.from.as_str(), c.to.as_str()]), OPERATION)?;
    let inv = inventory::build(store)?;
    let known = IntegrityRecord::load(layout).unwrap_or_default();
    let tracker = Tracker::new(ctl, OPERATION, planned.copies.len() as u64, planned.bytes_to_copy);
    let mut have: BTreeMap<&Sha256, u32> = BTreeMap::new();
    let mut verified: BTreeMap<String, Vec<Sha256>> = BTreeMap::new();
    // Each destination's catalog is read once and saved once at the end (a cache:
    // a run killed before that only leaves it stale until the next scan).
    let mut catalogs: BTreeMap<String, crate::target::catalog::Catalog> = BTreeMap::new();
    for c in &planned.copies {
        if ctl.cancel.is_cancelled() {
            r.cancelled = true;
            break;
        }
        let skip = |reason: String| Skipped { sha256: Some(c.sha256.clone()), name: c.display_name.clone(), reason };
        let Some(it) = inv.get(&c.sha256) else {
            r.skipped.push(skip("it is no longer known to the store".to_owned()));
            continue;
        };
        let count = have.entry(&c.sha256).or_insert(it.copies_count);
        if *count >= required(it, &inv, planned.options) {
            r.skipped.push(skip("it has the copies the policy asks for now".to_owned()));
            continue;
        }
        if it.good_on(&c.to) {
            r.skipped.push(skip(format!("{} has a good copy of it already", c.to)));
            continue;
        }
        let from_bucket = inv.targets.iter().any(|t| t.target.name == c.from && t.state.bucket().is_some());
        if !(it.live_good_on(&c.from) || (from_bucket && it.good_on(&c.from))) {
            r.skipped.push(skip(format!("its good copy on {} is not there any more", c.from)));
            continue;
        }
        tracker.start_item(&c.display_name);
        let corrupt = known.is_corrupt(&c.sha256, &c.to);
        let existing = match drives.tree(layout, &c.to) {
            Ok(to) => Existing::unless_corrupt(corrupt, &c.sha256, to),
            // A bucket's corrupt object is overwritten: it has no quarantine folder.
            Err(_) if corrupt => Existing::Refresh,
            Err(_) => Existing::Keep,
        };
        let result = drives.transfer(layout, &c.sha256, &c.from, &c.to, &existing, Some(&tracker), ctl.cancel);
        crate::sync::note_copy(layout, &c.sha256, &c.from, &c.to, &result);
        match result {
            Ok(done) => {
                if let Copied::AlreadyPresent { bytes } = done {
                    tracker.add_bytes(bytes);
                }
                if let Some(d) = drives.get(&c.to) {
                    catalogs
                        .entry(c.to.clone())
                        .or_insert_with(|| {
                            crate::target::catalog::Catalog::for_drive(layout, &d.target, &d.place.path(), Some(&d.backup_id)).0
                        })
                        .insert(&c.sha256, done.size());
                }
                if matches!(done, Copied::Done { .. }) {
                    for place in [&c.from, &c.to] {
                        verified.entry(place.clone()).or_default().push(c.sha256.clone());
                    }
                }
                r.bytes_copied += done.bytes_copied();
                *count += 1;
                r.copied.push(c.clone());
            }
            Err(Error::Cancelled) => {
                r.cancelled = true;
                break;
            }
            Err(e) => r.errors.push(item_error(c, &e)),
        }
        tracker.item_done();
    }
    tracker.finish();
    for catalog in catalogs.values() {
        let _ = catalog.save(layout);
    }
    for (place, shas) in verified {
        if place == LOCAL {
            Ledger::record_good(&layout.ledger(), &layout.blobs(), &shas);
        } else if let Some(d) = drives.get(&place) {
            match d.place.tree() {
                Some(tree) => Ledger::record_good(&d.target.ledger_file(layout), &tree.blobs(), &shas),
                None => {
                    let sized: Vec<_> =
                        r.copied.iter().filter(|c| shas.contains(&c.sha256)).map(|c| (c.sha256.clone(), c.size_bytes)).collect();
                    Ledger::record_good_sizes(&d.target.ledger_file(layout), &sized);
                }
            }
        }
    }
    Ok(r)
}

/// A target `sync --all` can copy to or from now: a folder seen now, or a bucket that answers.
fn reachable(t: &crate::inventory::TargetSeen) -> bool {
    t.live() || t.state.bucket().is_some()
}

fn item_error(c: &PlannedCopy, e: &Error) -> ItemError {
    ItemError {
        sha256: Some(c.sha256.clone()),
        display_name: Some(c.display_name.clone()),
        path: None,
        code: e.code(),
        message: format!("{} → {}: {e}", c.from, c.to),
    }
}
