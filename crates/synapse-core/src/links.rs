//! `use` and `unuse` (SPEC §3.8): exposing a pack's blobs in UI folders as
//! symlinks `<ui>/<kind folder>/<expose filename>` → blob, and removing
//! exactly those links again.
//!
//! Every link Synapse makes in a UI folder — by `use`, or by `adopt --link`
//! replacing an original file — is recorded in `data/ui-links.json` with the
//! pack, the blob and the link's target, together with the folders `use` had
//! to create. The record is what `unuse` removes (never a file it did not
//! make: a path that no longer holds our link is left alone) and, checked
//! against the disk, what the inventory reports as `active_in_uis`. The
//! record is written *before* the links are made, so a crash leaves at worst
//! a recorded link that does not exist (reported as already gone), never a
//! link nobody knows about.
//!
//! `use` never overwrites anything: a name that is taken in a UI folder is a
//! clash, all clashes are reported together, and nothing is changed. Blobs
//! that are only on the backup drive are restored first — through the backup
//! copy engine ([`crate::blob::copy`]), hash-checked — when the caller confirmed it.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::blob::copy;
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::inventory;
use crate::pack::packs;
use crate::progress::{Control, Tracker};
use crate::results::{lossy, MissingBlob, SyncItem, UiLink, UseClash};
use crate::store::layout::{BlobDir, StoreLayout};
use crate::store::lock::StoreLock;
use crate::store::Store;
use crate::target::backup::Session;
use crate::ui_targets::{self, Target};
use crate::vocab::AssetKind;

use crate::pack::link_record::{DirEntry, LinkEntry, LinkRecord, MadeBy};

/// Records links `adopt --link` is about to make (the caller holds the store lock).
pub(crate) fn record_adopt_links(layout: &StoreLayout, links: &[UiLink]) -> Result<()> {
    let mut record = LinkRecord::load(layout)?;
    for l in links {
        if !record.links.iter().any(|e| e.path == l.path && e.pack == l.pack && e.made_by == MadeBy::Adopt) {
            record.links.push(LinkEntry::from_link(l, MadeBy::Adopt));
        }
    }
    record.save(layout)
}

/// The absolute blob folder links point into (resolved, so links stay valid
/// whatever spelling of the store path the command was given).
pub fn link_blob_dir(layout: &StoreLayout) -> Result<BlobDir> {
    let root = layout.blobs().root().to_path_buf();
    let abs = root.canonicalize().or_else(|_| std::path::absolute(&root)).map_err(Error::io("resolve", &root))?;
    Ok(BlobDir::new(abs))
}

/// What `use` would do, computed from the disk.
struct Plan {
    targets: Vec<String>,
    to_link: Vec<UiLink>,
    already: Vec<UiLink>,
    skipped: Vec<UseSkip>,
    clashes: Vec<UseClash>,
    restore: Vec<SyncItem>,
    /// Folders to create, outermost first, per UI.
    dirs: Vec<DirEntry>,
}

fn plan(store: &Store, pack: &PackName, ui_name: Option<&str>) -> Result<Plan> {
    let layout = store.layout();
    let config = store.config()?;
    let targets: Vec<Target> = match ui_name {
        Some(n) => vec![ui_targets::find(&config, n)?],
        None => ui_targets::targets(&config)?,
    };
    if targets.is_empty() {
        return Err(Error::invalid(
            "no UI target is configured: add the UI installation (ComfyUI, Forge, A1111, SD.Next) whose model folders should see the pack",
        ));
    }
    for t in &targets {
        if !t.path.is_dir() {
            return Err(Error::invalid(format!(
                "UI target {:?} points at {}, which is not a folder (drive not mounted, or the UI moved?)",
                t.name,
                t.path.display()
            )));
        }
    }
    let refs = packs::load_refs(layout, pack)?;
    let inv = inventory::build(store)?;
    let blob_dir = link_blob_dir(layout)?;
    let mut p = Plan {
        targets: targets.iter().map(|t| t.name.clone()).collect(),
        to_link: Vec::new(),
        already: Vec::new(),
        skipped: Vec::new(),
        clashes: Vec::new(),
        restore: Vec::new(),
        dirs: Vec::new(),
    };
    let mut needed: BTreeSet<Sha256> = BTreeSet::new();
    for t in &targets {
        let mut planned: HashMap<PathBuf, Sha256> = HashMap::new();
        for r in &refs.refs {
            let Some(folder) = t.folder(r.kind) else {
                p.skipped.push(UseSkip {
                    ui: t.name.clone(),
                    dependency_id: r.dependency_id.clone(),
                    sha256: r.sha256.clone(),
                    kind: r.kind,
                    reason: format!("{} has no folder for kind {} (map one in config.json ui.kind_map)", t.kind, r.kind),
                });
                continue;
            };
            let item = inv.get(&r.sha256);
            let filename = item.map(|i| i.display_name.clone()).unwrap_or_else(|| r.sha256.short().to_owned());
            if !ui_targets::is_plain_relative(&filename) {
                return Err(Error::invalid(format!(
                    "pack {pack} dependency {:?}: file name {filename:?} is not a plain relative name; fix expose.filename in pack.json",
                    r.dependency_id
                )));
            }
            let link = UiLink {
                ui: t.name.clone(),
                pack: pack.to_string(),
                dependency_id: r.dependency_id.clone(),
                sha256: r.sha256.clone(),
                kind: r.kind,
                path: folder.join(&filename),
                target: blob_dir.blob(&r.sha256),
            };
            match planned.get(&link.path) {
                Some(sha) if sha == &r.sha256 => continue,
                Some(_) => {
                    p.clashes.push(UseClash {
                        ui: t.name.clone(),
                        dependency_id: r.dependency_id.clone(),
                        path: link.path.clone(),
                        found: "another dependency of the pack with the same file name".into(),
                    });
                    continue;
                }
                None => {
                    planned.insert(link.path.clone(), r.sha256.clone());
                }
            }
            needed.insert(r.sha256.clone());
            match fs::symlink_metadata(&link.path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    add_missing_dirs(t, link.path.parent().unwrap_or(&t.path), &mut p.dirs);
                    p.to_link.push(link);
                }
                Err(e) => return Err(Error::io("inspect", &link.path)(e)),
                Ok(m) if m.file_type().is_symlink() => match fs::read_link(&link.path) {
                    Ok(dest) if dest == link.target => p.already.push(link),
                    Ok(dest) => p.clashes.push(clash(&link, format!("link to {}", dest.display()))),
                    Err(e) => return Err(Error::io("read link", &link.path)(e)),
                },
                Ok(m) => p.clashes.push(clash(&link, if m.is_dir() { "directory" } else { "file" }.to_owned())),
            }
        }
    }
    let mut missing = Vec::new();
    for sha in needed {
        let Some(item) = inv.get(&sha) else { continue };
        if item.on_local {
            continue;
        }
        if !item.good_on(inv.target_name()) {
            missing.push(MissingBlob {
                sha256: sha.clone(),
                display_name: item.display_name.clone(),
                has_download_url: item.has_download_url,
            });
            continue;
        }
        p.restore.push(SyncItem {
            sha256: sha.clone(),
            display_name: item.display_name.clone(),
            kind: item.kind,
            size_bytes: item.size_bytes,
        });
    }
    if !missing.is_empty() {
        return Err(Error::UseBlobsMissing { pack: pack.to_string(), blobs: missing });
    }
    Ok(p)
}

fn clash(link: &UiLink, found: String) -> UseClash {
    UseClash { ui: link.ui.clone(), dependency_id: link.dependency_id.clone(), path: link.path.clone(), found }
}

/// Adds the folders between the UI root and `dir` that do not exist yet, outermost first.
fn add_missing_dirs(t: &Target, dir: &Path, out: &mut Vec<DirEntry>) {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d == t.path || d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        if !out.iter().any(|e| e.path == d) {
            out.push(DirEntry { ui: t.name.clone(), path: d });
        }
    }
}

impl Plan {
    fn result(&self, pack: &PackName, dry_run: bool, store: &Store) -> UseResult {
        let bytes: u64 = self.restore.iter().map(|r| r.size_bytes).sum();
        let free_space = (!self.restore.is_empty()).then(|| crate::store::disk::disk_info(store.root()).map(|d| d.free_bytes)).flatten();
        let space_warning = free_space.filter(|&free| free < bytes).map(|free| {
            format!("the store's disk has {free} bytes free, restoring needs {bytes}: free some space first (Cleanup deletes orphans)")
        });
        UseResult {
            pack: pack.to_string(),
            dry_run,
            ui_targets: self.targets.clone(),
            linked: self.to_link.clone(),
            already_linked: self.already.clone(),
            skipped: self.skipped.clone(),
            restored_blobs: self.restore.clone(),
            bytes_restored: bytes,
            free_space,
            space_warning,
            skipped_changes: Vec::new(),
        }
    }
}

/// What `use` would do, without doing it: links to make, links already
/// there, skipped dependencies, blobs to restore with sizes and the free-space
/// check. Clashes are an error (`conflict`), as they would be for `use`.
pub fn plan_use(store: &Store, pack: &PackName, ui_name: Option<&str>) -> Result<UseResult> {
    let p = plan(store, pack, ui_name)?;
    if !p.clashes.is_empty() {
        return Err(Error::UseClash { pack: pack.to_string(), clashes: p.clashes });
    }
    Ok(p.result(pack, true, store))
}

/// How `use` runs.
#[derive(Debug, Clone, Default)]
pub struct UseOptions {
    /// Only this UI target (default: every configured target).
    pub ui: Option<String>,
    /// The user confirmed restoring backup-only blobs (without it, a pack that
    /// needs a restore is refused with `conflict` and the blobs to restore).
    pub restore: bool,
}

/// The lock `use` holds: the store's, or a backup session (store and drive) when it restores.
enum Hold {
    Store(#[allow(dead_code)] StoreLock),
    Session(Box<Session>),
}

/// The plan of `use <pack>` (SPEC §3.11): the preview the user confirms. Its
/// `restored_blobs` are the restores the user agreed to by confirming.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UsePlan {
    pub plan: crate::plan::PlanStamp,
    pub pack: PackName,
    /// Only this UI target (`None`: every configured target).
    pub ui: Option<String>,
    pub preview: UseResult,
}

/// Plans `use <pack>` (see [`plan_use`]) as a value to apply with [`apply_use`].
pub fn plan_use_value(store: &Store, pack: &PackName, ui_name: Option<&str>) -> Result<UsePlan> {
    let preview = plan_use(store, pack, ui_name)?;
    Ok(UsePlan { plan: crate::plan::PlanStamp::new(store, "use")?, pack: pack.clone(), ui: ui_name.map(str::to_owned), preview })
}

/// Applies a confirmed use plan: restores only the planned blobs (a blob that
/// needs restoring now but was not in the plan refuses the whole use, as an
/// unconfirmed restore), makes only the planned links that are still to make
/// (others are in `skipped_changes`), and refuses clashes as `use` does.
pub fn apply_use(store: &Store, planned: &UsePlan, ctl: Control) -> Result<UseResult> {
    planned.plan.check(store, "use")?;
    let confirmed: BTreeSet<Sha256> = planned.preview.restored_blobs.iter().map(|b| b.sha256.clone()).collect();
    let mut r = run_use(store, &planned.pack, planned.ui.as_deref(), Restore::Only(&confirmed), Some(&planned.preview.linked), ctl)?;
    // A planned link that is no longer to make: the fresh plan found it made already, or gone from the pack.
    let made: BTreeSet<&PathBuf> = r.linked.iter().chain(&r.already_linked).map(|l| &l.path).collect();
    for l in &planned.preview.linked {
        if !made.contains(&l.path) {
            r.skipped_changes.push(crate::plan::Skipped {
                sha256: Some(l.sha256.clone()),
                name: l.path.display().to_string(),
                reason: "the pack no longer links this file there".to_owned(),
            });
        }
    }
    Ok(r)
}

/// Which restores a `use` may do.
enum Restore<'a> {
    /// None confirmed: a restore needed is refused (`conflict` with the blobs).
    No,
    /// Any the pack needs (the CLI's `--yes`).
    Any,
    /// Exactly these (a confirmed plan).
    Only(&'a BTreeSet<Sha256>),
}

impl Restore<'_> {
    fn allows(&self, items: &[SyncItem]) -> bool {
        match self {
            Restore::No => items.is_empty(),
            Restore::Any => true,
            Restore::Only(set) => items.iter().all(|i| set.contains(&i.sha256)),
        }
    }
}

/// `use <pack>`: restores the pack's backup-only blobs (when confirmed), then
/// links every dependency into each UI target's folder for its kind.
///
/// Errors: `not_found` (pack, UI target, or blobs that are nowhere: the
/// error says which can be re-downloaded);
/// `conflict` for name clashes (nothing is changed) or an unconfirmed restore;
/// `backup_not_connected`, `insufficient_space`, `integrity` from the restore;
/// `busy`; `cancelled`.
pub fn use_pack(store: &Store, pack: &PackName, opts: &UseOptions, ctl: Control) -> Result<UseResult> {
    run_use(store, pack, opts.ui.as_deref(), if opts.restore { Restore::Any } else { Restore::No }, None, ctl)
}

fn run_use(
    store: &Store,
    pack: &PackName,
    ui_name: Option<&str>,
    allowed: Restore<'_>,
    planned_links: Option<&[UiLink]>,
    ctl: Control,
) -> Result<UseResult> {
    let first = plan(store, pack, ui_name)?;
    if !first.clashes.is_empty() {
        return Err(Error::UseClash { pack: pack.to_string(), clashes: first.clashes });
    }
    if !allowed.allows(&first.restore) {
        let bytes = first.restore.iter().map(|r| r.size_bytes).sum();
        return Err(Error::RestoreNeeded { pack: pack.to_string(), blobs: first.restore, bytes });
    }
    let mut hold =
        if first.restore.is_empty() { Hold::Store(store.lock("use")?) } else { Hold::Session(Box::new(Session::open(store, "use")?)) };
    // The plan again, under the lock: apply what the disk says now.
    let mut p = plan(store, pack, ui_name)?;
    if !p.restore.is_empty() && matches!(hold, Hold::Store(_)) {
        drop(hold);
        if !allowed.allows(&p.restore) {
            let bytes = p.restore.iter().map(|r| r.size_bytes).sum();
            return Err(Error::RestoreNeeded { pack: pack.to_string(), blobs: p.restore, bytes });
        }
        hold = Hold::Session(Box::new(Session::open(store, "use")?));
        p = plan(store, pack, ui_name)?;
    }
    if !p.clashes.is_empty() {
        return Err(Error::UseClash { pack: pack.to_string(), clashes: p.clashes });
    }
    if !allowed.allows(&p.restore) {
        let bytes = p.restore.iter().map(|r| r.size_bytes).sum();
        return Err(Error::RestoreNeeded { pack: pack.to_string(), blobs: p.restore, bytes });
    }
    // A confirmed plan: only the links it listed (by path and blob) are made now.
    if let Some(planned) = planned_links {
        p.to_link.retain(|l| planned.iter().any(|q| q.path == l.path && q.sha256 == l.sha256));
    }
    // Nothing linked and nothing there already: say why, never report success for nothing.
    if p.to_link.is_empty() && p.already.is_empty() {
        let why: Vec<String> = p.skipped.iter().map(|s| format!("{}: {}", s.dependency_id, s.reason)).collect();
        return Err(Error::invalid(format!(
            "pack {pack} has nothing to link into {}: {}",
            p.targets.join(", "),
            if why.is_empty() { "it has no resolved files".to_owned() } else { why.join("; ") }
        )));
    }
    let layout = store.layout();
    if let Hold::Session(s) = &hold {
        restore(s, layout, &p.restore, ctl)?;
    }

    // Record first, then create: a crash leaves a recorded link that does not exist, never an unknown one.
    let mut record = LinkRecord::load(layout)?;
    for l in p.to_link.iter().chain(&p.already) {
        let ours = record.links.iter().any(|e| e.path == l.path && e.target == l.target);
        let made_now = p.to_link.contains(l);
        if (made_now || ours) && !record.links.iter().any(|e| e.path == l.path && e.pack == l.pack && e.made_by == MadeBy::Use) {
            record.links.push(LinkEntry::from_link(l, MadeBy::Use));
        }
    }
    for d in &p.dirs {
        if !record.dirs.contains(d) {
            record.dirs.push(d.clone());
        }
    }
    record.save(layout)?;
    for d in &p.dirs {
        match fs::create_dir(&d.path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("create folder", &d.path)(e)),
        }
    }
    for l in &p.to_link {
        ctl.cancel.check()?;
        match std::os::unix::fs::symlink(&l.target, &l.path) {
            Ok(()) => {}
            // Something took the name since the plan: never replace it.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let found = if fs::symlink_metadata(&l.path).is_ok_and(|m| m.is_dir()) { "directory" } else { "file" };
                return Err(Error::UseClash { pack: pack.to_string(), clashes: vec![clash(l, found.to_owned())] });
            }
            Err(e) => return Err(Error::io("create link", &l.path)(e)),
        }
    }
    drop(hold);
    Ok(p.result(pack, false, store))
}

/// Restores backup-only blobs into the store through the copy engine.
fn restore(s: &Session, layout: &StoreLayout, items: &[SyncItem], ctl: Control) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let bytes: u64 = items.iter().map(|i| i.size_bytes).sum();
    fs::create_dir_all(layout.tmp()).map_err(Error::io("create directory", layout.tmp()))?;
    copy::check_space(&layout.tmp(), bytes)?;
    let tracker = Tracker::new(ctl, "restore", items.len() as u64, bytes);
    let known = crate::store::integrity::IntegrityRecord::load(layout)?;
    for it in items {
        tracker.check()?;
        tracker.start_item(&it.display_name);
        let existing = copy::Existing::unless_corrupt(known.is_corrupt(&it.sha256, crate::target::LOCAL), &it.sha256, layout);
        let result = s.transfer(&it.sha256, crate::vocab::SyncDirection::FromBackup, &existing, Some(&tracker), ctl.cancel);
        crate::sync::note_copy(layout, &it.sha256, &s.target.name, crate::target::LOCAL, &result);
        if matches!(result.map_err(|e| s.failure(e))?, copy::Copied::Done { .. }) {
            s.record_verified(std::slice::from_ref(&it.sha256));
        }
        tracker.item_done();
    }
    tracker.finish();
    Ok(())
}

/// `unuse <pack>`: removes the links `use` made for the pack (in one UI, or
/// all), except links another pack's `use` also made, and paths that no
/// longer hold our link. Folders `use` created are removed once empty.
///
/// Errors: `not_found` when the pack neither exists nor has recorded links; `busy`.
pub fn unuse(store: &Store, pack: &PackName, ui_name: Option<&str>) -> Result<UnuseResult> {
    unuse_with(store, pack, ui_name, false)
}

/// What `unuse` would remove (`unuse --dry-run`): the same lists, nothing changed.
pub fn plan_unuse(store: &Store, pack: &PackName, ui_name: Option<&str>) -> Result<UnuseResult> {
    unuse_with(store, pack, ui_name, true)
}

fn unuse_with(store: &Store, pack: &PackName, ui_name: Option<&str>, dry_run: bool) -> Result<UnuseResult> {
    let _lock = if dry_run { None } else { Some(store.lock("unuse")?) };
    let layout = store.layout();
    let mut record = LinkRecord::load(layout)?;
    let mine = |e: &LinkEntry| e.pack == pack.as_str() && e.made_by == MadeBy::Use && ui_name.is_none_or(|u| e.ui == u);
    let (gone, kept): (Vec<LinkEntry>, Vec<LinkEntry>) = record.links.drain(..).partition(mine);
    record.links = kept;
    if gone.is_empty() && !layout.pack_dir(pack).is_dir() {
        return Err(Error::PackNotFound { name: pack.to_string() });
    }
    let mut r = UnuseResult {
        pack: pack.to_string(),
        dry_run,
        removed: Vec::new(),
        kept_for_other_packs: Vec::new(),
        already_gone: Vec::new(),
        changed: Vec::new(),
        dirs_removed: Vec::new(),
    };
    for e in &gone {
        if record.links.iter().any(|o| o.path == e.path && o.target == e.target) {
            r.kept_for_other_packs.push(e.link());
            continue;
        }
        match fs::read_link(&e.path) {
            Ok(dest) if dest == e.target => {
                if !dry_run {
                    fs::remove_file(&e.path).map_err(Error::io("remove link", &e.path))?;
                }
                r.removed.push(e.link());
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => r.already_gone.push(e.link()),
            _ => r.changed.push(e.link()),
        }
    }
    // Folders use created, deepest first, once no recorded link lives below them.
    let mut dirs = std::mem::take(&mut record.dirs);
    dirs.sort_by_key(|d| std::cmp::Reverse(d.path.components().count()));
    for d in dirs {
        let in_scope = ui_name.is_none_or(|u| d.ui == u);
        let still_used = record.links.iter().any(|l| l.path.starts_with(&d.path));
        if !in_scope || still_used {
            record.dirs.push(d);
            continue;
        }
        if dry_run {
            // Removed once empty: what is in it now, less the links this unuse removes.
            let removed: std::collections::HashSet<&Path> = r.removed.iter().map(|l| l.path.as_path()).collect();
            let left = fs::read_dir(&d.path)
                .map(|it| it.flatten().filter(|e| !removed.contains(e.path().as_path())).count())
                .unwrap_or(usize::MAX);
            if left == 0 {
                r.dirs_removed.push(d.path.clone());
            }
            record.dirs.push(d);
            continue;
        }
        match fs::remove_dir(&d.path) {
            Ok(()) => r.dirs_removed.push(d.path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // Not empty: the user keeps files there; it stays recorded until it is empty.
            Err(_) => record.dirs.push(d),
        }
    }
    record.dirs.reverse();
    if !dry_run {
        record.save(layout)?;
    }
    Ok(r)
}

/// A dependency `use` could not expose (no folder for its kind in that UI).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UseSkip {
    pub ui: String,
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub reason: String,
}

/// `use <pack>`: what would be (dry run) or was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UseResult {
    pub pack: String,
    pub dry_run: bool,
    pub ui_targets: Vec<String>,
    /// Links created now (planned, on a dry run).
    pub linked: Vec<UiLink>,
    /// Links that already pointed at the right blob.
    pub already_linked: Vec<UiLink>,
    pub skipped: Vec<UseSkip>,
    /// Blobs restored from the backup drive first (to restore, on a dry run).
    pub restored_blobs: Vec<SyncItem>,
    pub bytes_restored: u64,
    /// Free space on the store's disk before restoring (when a restore is needed).
    pub free_space: Option<u64>,
    /// Set when the store's disk lacks room for the blobs to restore.
    pub space_warning: Option<String>,
    /// Planned links or restores left out when the plan was applied, with the reason.
    pub skipped_changes: Vec<crate::plan::Skipped>,
}

/// `unuse <pack>`: the links `use` made for the pack, removed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnuseResult {
    pub pack: String,
    /// True for `unuse --dry-run`: the lists say what would be removed.
    pub dry_run: bool,
    pub removed: Vec<UiLink>,
    /// Links another pack's `use` also made: kept until that pack is unused too.
    pub kept_for_other_packs: Vec<UiLink>,
    /// Links already gone (removed by hand or by `doctor --fix`).
    pub already_gone: Vec<UiLink>,
    /// Paths that no longer hold Synapse's link (replaced by something else): left untouched.
    pub changed: Vec<UiLink>,
    /// Folders `use` had created and that are empty now, removed.
    #[serde(serialize_with = "lossy::paths")]
    pub dirs_removed: Vec<PathBuf>,
}
