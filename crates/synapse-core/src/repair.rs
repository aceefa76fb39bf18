//! Repair of corrupt copies (SPEC §3.12, `synapse repair`): plan, then apply.
//!
//! A copy recorded as corrupt in `data/integrity.json` — on the local disk or
//! on any target — is replaced by a hash-checked copy of a good one from
//! another place (the local copy first, then the targets in their order),
//! and the corrupt file is moved to its own place's `data/quarantine/`, never
//! deleted. A corrupt copy
//! with no good copy anywhere stays where it is, marked: the plan says so and
//! the user decides. The plan ([`RepairPlan`], SPEC §3.11) names each copy to
//! replace and where its good bytes come from; apply re-checks each one under
//! the store and drive locks and skips, with a reason, what changed.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::blob::copy::{self, Existing};
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory::{self, Inventory};
use crate::plan::{PlanStamp, Skipped};
use crate::progress::{Control, Tracker};
use crate::results::{InventoryItem, ItemError};
use crate::store::ledger::Ledger;
use crate::store::Store;
use crate::target::backup::Drives;
use crate::target::catalog::Catalog;
use crate::target::LOCAL;
use crate::vocab::AssetKind;

const OPERATION: &str = "repair";

/// One corrupt copy and the good copy that replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepairItem {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    pub size_bytes: u64,
    /// Where the corrupt copy is: `local` or a target's name.
    pub side: String,
    /// Where the good copy it is replaced from is (`local` or a target's name).
    pub from: String,
}

/// What a repair would do (SPEC §3.11).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepairPlan {
    pub plan: PlanStamp,
    pub items: Vec<RepairItem>,
    /// Bytes that will be copied.
    pub bytes_to_copy: u64,
    /// Corrupt copies that cannot be repaired now, and why (no good copy, or
    /// it is on a drive that is not connected); they stay where they are.
    pub cannot: Vec<Skipped>,
    /// Named blobs that have no corrupt copy: nothing to do for them.
    pub not_corrupt: Vec<Skipped>,
}

/// One repaired copy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepairedCopy {
    pub sha256: Sha256,
    pub display_name: String,
    /// `local` or a target's name.
    pub side: String,
    pub from: String,
    /// Where the corrupt file is now.
    #[serde(serialize_with = "crate::results::lossy::path")]
    pub quarantined: PathBuf,
}

/// What a repair did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepairResult {
    pub dry_run: bool,
    pub plan: RepairPlan,
    pub repaired: Vec<RepairedCopy>,
    pub bytes_copied: u64,
    /// Planned items left alone, with the reason.
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ItemError>,
}

impl RepairPlan {
    /// The plan shown as a dry run's result.
    pub fn as_result(&self) -> RepairResult {
        RepairResult { dry_run: true, plan: self.clone(), repaired: Vec::new(), bytes_copied: 0, skipped: Vec::new(), errors: Vec::new() }
    }
}

/// Plans the repair of the corrupt copies of `blobs` (every blob with a
/// corrupt copy when `None`). Reads only. A named blob without a corrupt copy
/// is listed in `not_corrupt` (nothing to do), not an error.
pub fn plan_repair(store: &Store, blobs: Option<&[Sha256]>) -> Result<RepairPlan> {
    let inv = inventory::build(store)?;
    let mut items = Vec::new();
    let mut cannot = Vec::new();
    let mut not_corrupt = Vec::new();
    let selected: Vec<&InventoryItem> = match blobs {
        Some(list) => {
            list.iter().map(|sha| inv.get(sha).ok_or_else(|| Error::NoMatch { prefix: sha.to_string() })).collect::<Result<_>>()?
        }
        None => inv.items.iter().filter(|it| it.copies.iter().any(|c| c.corrupt)).collect(),
    };
    for it in selected {
        let corrupt: Vec<&str> = it.copies.iter().filter(|c| c.corrupt).map(|c| c.target.as_str()).collect();
        if corrupt.is_empty() {
            let reason = "no copy of it is known to be corrupt: nothing to repair (Verify checks the copies)".to_owned();
            not_corrupt.push(Skipped { sha256: Some(it.sha256.clone()), name: it.display_name.clone(), reason });
        }
        for place in corrupt {
            match source_for(&inv, it, place) {
                Ok(from) => items.push(RepairItem {
                    sha256: it.sha256.clone(),
                    display_name: it.display_name.clone(),
                    kind: it.kind,
                    size_bytes: it.size_bytes,
                    side: place.to_owned(),
                    from,
                }),
                Err(reason) => {
                    cannot.push(Skipped { sha256: Some(it.sha256.clone()), name: format!("{} ({place} copy)", it.display_name), reason })
                }
            }
        }
    }
    let bytes_to_copy = items.iter().map(|i| i.size_bytes).sum();
    Ok(RepairPlan { plan: PlanStamp::new(store, OPERATION)?, items, bytes_to_copy, cannot, not_corrupt })
}

/// The place a good copy of `it` can be read from now to replace the
/// corrupt copy on `place` (the local copy first, then the targets in their
/// order), or why there is none.
fn source_for(inv: &Inventory, it: &InventoryItem, place: &str) -> std::result::Result<String, String> {
    let connected = |name: &str| name == LOCAL || inv.targets.iter().any(|t| t.target.name == name && t.live());
    if !connected(place) {
        return Err(format!("the corrupt copy is on {place}, which is not connected: connect it and repair again"));
    }
    let others = || it.copies.iter().filter(|c| c.target != place && !c.corrupt);
    if let Some(c) = others().find(|c| c.live_good() && connected(&c.target)) {
        return Ok(c.target.clone());
    }
    match others().next() {
        None => Err("no good copy exists anywhere: it stays where it is, marked corrupt".to_owned()),
        Some(c) => Err(format!("the good copy is on {}, which is not connected: plug it in and repair again", c.target)),
    }
}

/// Plans and, with `execute`, applies that same plan: the CLI's `repair`.
pub fn repair(store: &Store, blobs: Option<&[Sha256]>, execute: bool, ctl: Control) -> Result<RepairResult> {
    let plan = plan_repair(store, blobs)?;
    if !execute {
        return Ok(plan.as_result());
    }
    apply_repair(store, &plan, ctl)
}

/// Applies `plan`: under the store and drive locks, each planned copy is
/// replaced only if it is still recorded corrupt and its source still good;
/// the corrupt file goes to quarantine on its side. Errors: `invalid_argument`
/// for a plan of another store or older than 24 hours; `busy`;
/// `backup_not_connected`; `cancelled`. A copy that fails (the good copy
/// turned out corrupt too, a full disk) is listed in `errors` and the rest go on.
pub fn apply_repair(store: &Store, plan: &RepairPlan, ctl: Control) -> Result<RepairResult> {
    plan.plan.check(store, OPERATION)?;
    let mut result =
        RepairResult { dry_run: false, plan: plan.clone(), repaired: Vec::new(), bytes_copied: 0, skipped: Vec::new(), errors: Vec::new() };
    if plan.items.is_empty() {
        return Ok(result);
    }
    // Every repair reads from or writes to a drive: the store lock, then each drive's.
    let store = &store.on_target(None)?;
    let _lock = store.lock(OPERATION)?;
    let layout = store.layout();
    let drives = Drives::open(store, plan.items.iter().flat_map(|i| [i.side.as_str(), i.from.as_str()]), OPERATION)?;
    let inv = inventory::build(store)?;
    let tracker = Tracker::new(ctl, OPERATION, plan.items.len() as u64, plan.bytes_to_copy);
    for item in &plan.items {
        tracker.check()?;
        tracker.start_item(&item.display_name);
        let skip = |reason: String| Skipped { sha256: Some(item.sha256.clone()), name: item.display_name.clone(), reason };
        let Some(now) = inv.get(&item.sha256) else {
            result.skipped.push(skip("it is no longer known to the store".to_owned()));
            continue;
        };
        if !now.corrupt_on(&item.side) {
            result.skipped.push(skip(format!("its {} copy is no longer recorded as corrupt", item.side)));
            continue;
        }
        if !now.live_good_on(&item.from) {
            result.skipped.push(skip(format!("its good {} copy is not there any more", item.from)));
            continue;
        }
        let ends = drives.tree(layout, &item.from).and_then(|f| Ok((f, drives.tree(layout, &item.side)?)));
        let copied = ends.and_then(|(from, to)| {
            let aside = copy::quarantine_path(to, &item.sha256);
            let c = copy::copy_blob(&item.sha256, from, to, &Existing::Quarantine(aside.clone()), Some(&tracker), ctl.cancel);
            crate::sync::note_copy(layout, &item.sha256, &item.from, &item.side, &c);
            c.map(|c| (c, aside))
        });
        match copied {
            Ok((c, aside)) => {
                result.bytes_copied += c.bytes_copied();
                result.repaired.push(RepairedCopy {
                    sha256: item.sha256.clone(),
                    display_name: item.display_name.clone(),
                    side: item.side.clone(),
                    from: item.from.clone(),
                    quarantined: aside,
                });
                if let Some(d) = drives.get(&item.side) {
                    let (mut catalog, _) = Catalog::for_drive(layout, &d.target, &d.place.path(), Some(&d.backup_id));
                    catalog.insert(&item.sha256, c.size());
                    let _ = catalog.save(layout);
                }
                for place in [&item.from, &item.side] {
                    let (ledger, blobs) = match drives.get(place) {
                        Some(d) => (d.target.ledger_file(layout), d.place.folder()?.1.blobs()),
                        None => (layout.ledger(), layout.blobs()),
                    };
                    Ledger::record_good(&ledger, &blobs, std::slice::from_ref(&item.sha256));
                }
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => result.errors.push(ItemError {
                sha256: Some(item.sha256.clone()),
                display_name: Some(item.display_name.clone()),
                path: None,
                code: e.code(),
                message: e.to_string(),
            }),
        }
        tracker.item_done();
    }
    tracker.finish();
    Ok(result)
}
