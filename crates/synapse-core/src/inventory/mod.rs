//! The inventory (SPEC §3.2): one item per distinct SHA-256 known anywhere,
//! built by cross-referencing local blobs, every pack lock, the backup and the
//! verification ledger. Reading it never takes the store lock.

pub mod guard;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::blob::blobs::{self, BlobEntry};
use crate::blob::kind;
use crate::error::{Error, Result};
use crate::ids::{parse_prefix, Sha256};
use crate::pack::packs::{self, RefSet};
use crate::results::*;
use crate::store::integrity::IntegrityRecord;
use crate::store::layout::{BlobDir, StoreLayout};
use crate::store::ledger::Ledger;
use crate::store::Store;
use crate::target::backup::BackupState;
use crate::target::catalog::Label;
use crate::target::{self, Policy, Target, LOCAL};
use crate::tree::Tree;
use crate::vocab::*;

/// Sort orders of `inventory --sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    SizeDesc,
    SizeAsc,
    NameAsc,
    NameDesc,
    Kind,
    Status,
    Location,
}

impl std::str::FromStr for SortKey {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "size_desc" => SortKey::SizeDesc,
            "size_asc" => SortKey::SizeAsc,
            "name_asc" => SortKey::NameAsc,
            "name_desc" => SortKey::NameDesc,
            "kind" => SortKey::Kind,
            "status" => SortKey::Status,
            "location" => SortKey::Location,
            _ => return Err(format!("unknown sort {s:?}; expected size_desc, size_asc, name_asc, name_desc, kind, status or location")),
        })
    }
}

/// Filters, sort and page of an inventory listing.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Query {
    pub kind: Option<AssetKind>,
    pub status: Option<BlobStatus>,
    pub location: Option<Location>,
    pub search: Option<String>,
    /// Only blobs with a copy known to be corrupt.
    pub corrupt: bool,
    /// Only blobs with fewer good copies than this (`--copies-below N`).
    pub copies_below: Option<u32>,
    /// Only referenced blobs with fewer good copies than the policy asks.
    pub below_policy: bool,
    pub sort: SortKey,
    pub limit: usize,
    pub offset: usize,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            kind: None,
            status: None,
            location: None,
            search: None,
            corrupt: false,
            copies_below: None,
            below_policy: false,
            sort: SortKey::SizeDesc,
            limit: 1000,
            offset: 0,
        }
    }
}

/// One pack dependency pointing at a blob.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    pub pack: &'a str,
    pub dependency_id: &'a str,
}

/// The built inventory of a store.
#[derive(Debug)]
pub struct Inventory {
    /// Sorted by hash (which [`Inventory::get`] relies on).
    pub items: Vec<InventoryItem>,
    pub summary: InventorySummary,
    /// The state of the target the store value works on ([`Store::on_target`]).
    pub backup: BackupState,
    /// Every backup target, the original's first, as seen by this build.
    pub targets: Vec<TargetSeen>,
    /// Which of `targets` is the one the store value works on.
    pub selected: usize,
    /// The copies policy of `state/targets.json`.
    pub policy: Policy,
    /// Every reference as (blob, pack index, dependency id), sorted by blob
    /// and in pack order for each: one flat list, see [`Inventory::references_of`].
    references: Vec<(Sha256, u32, Box<str>)>,
    /// The packs' names, in pack order.
    pack_names: Vec<String>,
    /// Links in UI folders that exist now, per blob (`use`, `adopt --link`): what `active_in_uis` is made of.
    pub ui_links: HashMap<Sha256, Vec<UiLink>>,
    local_dir: BlobDir,
}

/// What the inventory gathers about one hash before it becomes an item. The
/// references are folded in as they are read (first kind, name, origin and
/// size win) rather than kept, so memory stays flat on stores with many packs.
#[derive(Default)]
struct Acc {
    local: Option<Side>,
    /// The copies on backup targets, by index into the targets (empty for most
    /// blobs of a store without a backup, so it costs nothing there).
    targets: Vec<(u16, Side)>,
    /// Indices of the referencing packs, in pack order (a pack may repeat).
    packs: Vec<u32>,
    kind: Option<AssetKind>,
    expose_filename: Option<String>,
    /// Boxed: most blobs have none, and this map holds every blob of the store.
    origin: Option<Box<Origin>>,
    size: Option<u64>,
    /// Some reference's lock records a download URL.
    has_url: bool,
}

/// A blob file on one side, without its name (the map key holds that).
#[derive(Clone, Copy)]
struct Side {
    size: u64,
    mtime: Option<std::time::SystemTime>,
    id: Option<crate::tree::FileId>,
}

impl Side {
    /// The entry's hash (the map key) and its size and time.
    fn split(b: BlobEntry) -> (Sha256, Side) {
        (b.sha256, Side { size: b.size, mtime: b.mtime, id: b.id })
    }
}

impl Acc {
    fn add_ref(&mut self, pack: u32, r: packs::BlobRef) {
        self.packs.push(pack);
        if self.kind.is_none() && r.kind != AssetKind::Unknown {
            self.kind = Some(r.kind);
        }
        if self.expose_filename.is_none() {
            self.expose_filename = r.expose_filename;
        }
        if self.origin.is_none() {
            self.origin = r.origin.map(Box::new);
        }
        if self.size.is_none() {
            self.size = r.size_bytes;
        }
        self.has_url |= !r.urls.is_empty();
    }
}

/// The one resolution of hash arguments typed by a user (SPEC §2: full
/// hashes, or unique prefixes of at least 8 characters), for the CLI and the
/// app alike: every input is checked before the disk is touched, and the
/// inventory is built once, only when some input is a prefix.
pub fn resolve_hashes(store: &Store, inputs: &[&str]) -> Result<Vec<Sha256>> {
    let prefixes: Vec<String> = inputs.iter().map(|i| parse_prefix(i)).collect::<std::result::Result<_, _>>()?;
    if prefixes.iter().all(|p| p.len() == 64) {
        return prefixes.iter().map(|p| Ok(Sha256::parse(p)?)).collect();
    }
    let inv = build(store)?;
    prefixes.iter().map(|p| inv.resolve(p)).collect()
}

/// A backup target as one inventory build saw it.
#[derive(Debug, Clone)]
pub struct TargetSeen {
    pub target: Target,
    pub state: BackupState,
    /// Space on its drive, while it is connected.
    pub disk: Option<DiskInfo>,
    pub source: BackupSource,
    pub last_sync: Option<String>,
    /// Its blobs (live or from its catalog) and their bytes.
    pub blobs: u64,
    pub bytes: u64,
}

impl TargetSeen {
    pub fn live(&self) -> bool {
        self.state.connected().is_some()
    }

    fn summary(&self) -> TargetSummary {
        TargetSummary {
            name: self.target.name.clone(),
            primary: self.target.primary,
            kind: self.target.kind,
            enabled: self.state.enabled(),
            connected: self.state.usable().is_ok(),
            source: self.source,
            path: self.state.path(),
            state: self.state.word(),
            error: self.state.reason(),
            blobs: self.blobs,
            bytes: self.bytes,
            last_sync: self.last_sync.clone(),
            free_bytes: self.disk.as_ref().map(|d| d.free_bytes),
            total_bytes: self.disk.as_ref().map(|d| d.total_bytes),
            s3: self.target.s3.clone(),
            read_only: matches!(self.state, BackupState::Online { read_only: true, .. }),
        }
    }
}

/// Every target's state and free space, asked of all the drives at once on
/// probe threads: a drive that has not answered within the glance timeout
/// (0.7 s) is unresponsive for this build and shown from its catalog, so the
/// inventory answers while a mount hangs (SPEC §3.12).
fn look_at_targets(layout: &StoreLayout, all: &[Target]) -> (Vec<BackupState>, Vec<Option<DiskInfo>>) {
    let limit = crate::probe::glance_timeout();
    let deadline = std::time::Instant::now() + limit;
    let asked: Vec<_> = all
        .iter()
        .map(|t| {
            let (enabled, path) = (t.enabled, t.path.clone());
            let pending = path.as_ref().filter(|_| enabled).map(|p| {
                let (root, target) = (layout.root().to_path_buf(), t.clone());
                crate::probe::start(p, move || {
                    let state = BackupState::checked_now(&root, &target);
                    let disk = state.connected().and_then(|d| crate::disk::disk_info(d.path()));
                    (state, disk)
                })
            });
            (t, pending)
        })
        .collect();
    asked
        .into_iter()
        .map(|(t, pending)| match pending {
            // Switched off or without a folder: nothing to ask.
            None => (BackupState::of_within(layout, t, limit), None),
            Some(p) => p.wait(deadline).unwrap_or_else(|| {
                let path = t.path.clone().expect("only a target with a folder is asked");
                (BackupState::Unresponsive { path, waited: limit }, None)
            }),
        })
        .unzip()
}

/// A referenced blob with fewer good copies than the policy asks (SPEC §3.12).
pub fn below_policy(it: &InventoryItem) -> bool {
    it.copies_count < it.min_copies
}

/// Builds the inventory of `store`.
pub fn build(store: &Store) -> Result<Inventory> {
    let layout = store.layout();
    let config = store.config()?;
    let file = target::load(layout)?;
    let all = target::all_of(layout, &config, &file);
    let selected = target::position(&all, store.target_name())?;
    let (states, disks) = look_at_targets(layout, &all);
    let local_dir = layout.blobs();

    let (local, (remotes, packs)) = rayon::join(
        || blobs::scan(&local_dir),
        // Live from each drive (refreshing its catalog), or its catalog while it is unplugged.
        || {
            rayon::join(
                || all.par_iter().zip(states.par_iter()).map(|(t, st)| crate::catalog::backup_blobs(layout, t, st)).collect::<Vec<_>>(),
                || packs::load_all_refs(layout),
            )
        },
    );
    let (mut scanned, RefSet { packs, errors: pack_errors }) = (local?, packs?);
    let mut remotes: Vec<_> = remotes.into_iter().collect::<Result<_>>()?;
    let ledgers =
        Ledgers { local: Ledger::load(&layout.ledger()), targets: all.iter().map(|t| Ledger::load(&t.ledger_file(layout))).collect() };
    let integrity = IntegrityRecord::load(layout)?;
    let targets: Vec<TargetSeen> = all
        .into_iter()
        .zip(states)
        .zip(&remotes)
        .zip(disks)
        .map(|(((target, state), r), disk)| TargetSeen {
            target,
            state,
            disk,
            source: r.source,
            last_sync: r.last_sync.clone(),
            blobs: r.blobs.len() as u64,
            bytes: r.blobs.iter().map(|b| b.size).sum(),
        })
        .collect();
    // Each tree opened once for the manifests and headers of all its blobs.
    let dirs: Vec<Option<(BlobDir, Tree)>> =
        targets.iter().map(|t| t.state.connected().map(|d| d.blobs()).and_then(|d| d.tree().ok().map(|tree| (d, tree)))).collect();
    let local_tree = local_dir.tree().ok();
    let metadata = crate::identify::load_index(layout);
    let local = local_tree.map(|t| (local_dir.clone(), t));
    let manifests = std::mem::take(&mut scanned.manifests);
    let kinds = kind::KindCache::load(layout);
    let seen = Seen {
        ledgers: &ledgers,
        integrity: &integrity,
        targets: &targets,
        local: local.as_ref(),
        dirs: &dirs,
        policy: &file.policy,
        metadata: &metadata,
        manifests: &manifests,
        kinds: &kinds,
    };

    let mut acc: HashMap<Sha256, Acc> = HashMap::with_capacity(scanned.blobs.len());
    for (sha, side) in scanned.blobs.into_iter().map(Side::split) {
        acc.entry(sha).or_default().local = Some(side);
    }
    let mut labels = BTreeMap::new();
    for (ti, remote) in remotes.iter_mut().enumerate() {
        for entry in std::mem::take(&mut remote.blobs) {
            let (sha, side) = Side::split(entry);
            let a = acc.entry(sha).or_default();
            // The same file seen from two places (a hard link, a bind mount) is
            // one copy, not two: it counts only where it was seen first (doctor reports it).
            let same_file = |other: &Side| side.id.is_some() && other.id == side.id;
            if a.local.as_ref().is_some_and(same_file) || a.targets.iter().any(|(_, s)| same_file(s)) {
                continue;
            }
            // Grown one at a time: most blobs are on one or two targets, and this is per blob.
            a.targets.reserve_exact(1);
            a.targets.push((ti as u16, side));
        }
        for (sha, label) in std::mem::take(&mut remote.labels) {
            labels.entry(sha).or_insert(label);
        }
    }
    let mut references = Vec::new();
    let mut names = Vec::with_capacity(packs.len());
    for (pi, p) in packs.into_iter().enumerate() {
        for r in p.refs {
            references.push((r.sha256.clone(), pi as u32, r.dependency_id.as_str().into()));
            acc.entry(r.sha256.clone()).or_default().add_ref(pi as u32, r);
        }
        names.push(p.name.to_string());
    }
    // Stable: each blob's references stay in pack order.
    references.sort_by(|a, b| a.0.cmp(&b.0));

    let mut items: Vec<InventoryItem> = acc.into_par_iter().map(|(sha, a)| make_item(sha, a, &names, &seen, &labels)).collect();
    items.par_sort_unstable_by(|a, b| a.sha256.cmp(&b.sha256));
    kinds.save(layout);
    for (t, remote) in targets.iter().zip(&remotes) {
        if let Some(drive) = t.state.connected() {
            let found = drive_only_labels(&items, &t.target.name);
            if found != remote.labels {
                crate::catalog::record_labels(layout, &t.target, drive.path(), found);
            }
        }
    }
    let mut ui_links: HashMap<Sha256, Vec<UiLink>> = HashMap::new();
    for link in crate::link_record::active_links(layout) {
        if let Ok(i) = items.binary_search_by(|it| it.sha256.cmp(&link.sha256)) {
            if !items[i].active_in_uis.contains(&link.ui) {
                items[i].active_in_uis.push(link.ui.clone());
            }
        }
        ui_links.entry(link.sha256.clone()).or_default().push(link);
    }
    let backup = targets[selected].state.clone();
    let summary = summarise(&items, pack_errors, selected, &targets, store);
    Ok(Inventory { items, summary, backup, targets, selected, policy: file.policy, references, pack_names: names, ui_links, local_dir })
}

/// The names of the orphans only on a drive, which only the drives'
/// manifests know: recorded in the drive's catalog so they keep their names
/// while it is unplugged (referenced blobs are named by their packs).
fn drive_only_labels(items: &[InventoryItem], target: &str) -> BTreeMap<Sha256, Label> {
    items
        .iter()
        .filter(|it| !it.on_local && it.ref_count == 0 && it.display_name != it.sha256.short() && it.good_on(target))
        .map(|it| {
            let kind = (it.kind != AssetKind::Unknown).then(|| it.kind.as_str().to_owned());
            (it.sha256.clone(), Label { name: it.display_name.clone(), kind })
        })
        .collect()
}

/// The verification ledgers: the local one and one per target.
struct Ledgers {
    local: Ledger,
    targets: Vec<Ledger>,
}

/// What the inventory knows about copies besides the files: when each was
/// verified, which are corrupt, which targets are seen live, the policy.
struct Seen<'a> {
    ledgers: &'a Ledgers,
    integrity: &'a IntegrityRecord,
    targets: &'a [TargetSeen],
    /// The local blob folder and its opened tree.
    local: Option<&'a (BlobDir, Tree)>,
    /// The blob folder (and its opened tree) of each target that is connected.
    dirs: &'a [Option<(BlobDir, Tree)>],
    policy: &'a Policy,
    /// What `identify` learnt, per blob (`data/cache/metadata/index.json`; empty when never run).
    metadata: &'a HashMap<Sha256, crate::identify::ModelMetadata>,
    /// The local blobs with a manifest beside them, sorted (from the scan).
    manifests: &'a [Sha256],
    /// The kinds blob headers said (`data/cache/kinds.json`).
    kinds: &'a kind::KindCache,
}

impl Seen<'_> {
    /// The copies of `sha` found locally and on the targets, corrupt ones marked.
    fn copies(&self, sha: &Sha256, local: Option<&Side>, on: &[(u16, Side)]) -> Vec<BlobCopy> {
        let mut copies = Vec::with_capacity(1 + on.len());
        let local = local.map(|l| (LOCAL, l, &self.ledgers.local, true));
        let remote = on.iter().map(|(ti, side)| {
            let t = &self.targets[*ti as usize];
            (t.target.name.as_str(), side, &self.ledgers.targets[*ti as usize], t.live())
        });
        for (place, found, ledger, live) in local.into_iter().chain(remote) {
            let corrupt = self.integrity.is_corrupt(sha, place);
            let verified_at = ledger.current(sha.as_str(), found.size, found.mtime).filter(|e| e.ok && !corrupt).map(|e| e.at.clone());
            let source = if live { CopySource::Live } else { CopySource::Cached };
            copies.push(BlobCopy { target: place.to_owned(), verified_at, source, corrupt });
        }
        copies
    }
}

fn make_item(sha: Sha256, a: Acc, pack_names: &[String], seen: &Seen, labels: &BTreeMap<Sha256, Label>) -> InventoryItem {
    let copies = seen.copies(&sha, a.local.as_ref(), &a.targets);
    // A copy known to be corrupt is not a copy: only good ones make the location.
    let on_local = copies.iter().any(|c| c.target == LOCAL && !c.corrupt);
    let on_backup = copies.iter().any(|c| c.target != LOCAL && !c.corrupt);
    let referenced = !a.packs.is_empty();
    let status = match (referenced, on_local, on_backup) {
        (true, true, _) => BlobStatus::Referenced,
        (true, false, true) => BlobStatus::BackupOnly,
        (true, false, false) => BlobStatus::Missing,
        (false, _, _) => BlobStatus::Orphan,
    };
    let mut used_by: Vec<String> = a.packs.iter().map(|&pi| pack_names[pi as usize].clone()).collect();
    used_by.dedup();
    let size = a.local.as_ref().or(a.targets.first().map(|(_, s)| s)).map(|b| b.size).or(a.size).unwrap_or(0);
    let metadata = seen.metadata.get(&sha).map(|m| Box::new(m.clone()));
    // The local copy, else the first connected target that holds one.
    let dir = if a.local.is_some() { seen.local } else { a.targets.iter().find_map(|(ti, _)| seen.dirs[*ti as usize].as_ref()) };
    // Locally, only a manifest the listing showed is opened.
    let listed = a.local.is_none() || seen.manifests.binary_search(&sha).is_ok();
    let from_packs = Named { kind: a.kind, name: a.expose_filename, origin: a.origin };
    let Named { kind, name, origin } =
        from_packs.completed(&sha, dir.filter(|_| listed), dir, metadata.as_deref(), seen.kinds, labels.get(&sha));
    let verified = a.local.as_ref().and_then(|l| seen.ledgers.local.current(sha.as_str(), l.size, l.mtime));
    let copies_count = copies.iter().filter(|c| !c.corrupt).count() as u32;
    let min_copies = if referenced { seen.policy.required(kind.unwrap_or(AssetKind::Unknown), &used_by) } else { 0 };
    InventoryItem {
        kind: kind.unwrap_or(AssetKind::Unknown),
        display_name: name.unwrap_or_else(|| sha.short().to_owned()),
        size_bytes: size,
        status,
        location: Location::from_sides(on_local, on_backup),
        on_local,
        on_backup,
        ref_count: a.packs.len() as u32,
        used_by_packs: used_by,
        origin,
        active_in_uis: Vec::new(),
        verified: verified.map(|e| e.ok),
        verified_at: verified.map(|e| e.at.clone()),
        has_download_url: a.has_url,
        copies_count,
        min_copies,
        copies,
        metadata,
        sha256: sha,
    }
}

/// What a blob is called and what kind it is, as far as one source has said.
struct Named {
    kind: Option<AssetKind>,
    name: Option<String>,
    origin: Option<Box<Origin>>,
}

impl Named {
    /// Completes what the packs said (the first reference's kind, file name
    /// and origin), in the one order every caller shows: the manifest of the
    /// copy at `manifest_at`, what identify learnt (its kind before the file
    /// header: no read, and it knows LoRAs from checkpoints), the header of
    /// the copy in `dir`, what an unplugged drive's manifest said (`label`,
    /// only when no copy is at hand), and Civitai's file name, before the
    /// last resort of the hash.
    fn completed(
        self,
        sha: &Sha256,
        manifest_at: Option<&(BlobDir, Tree)>,
        dir: Option<&(BlobDir, Tree)>,
        metadata: Option<&crate::identify::ModelMetadata>,
        kinds: &kind::KindCache,
        label: Option<&Label>,
    ) -> Named {
        let Named { mut kind, mut name, mut origin } = self;
        name = name.or_else(|| origin.as_ref().and_then(|o| o.filename.clone()).filter(|f| !f.is_empty()));
        if kind.is_some() && name.is_some() && origin.is_some() {
            return Named { kind, name, origin };
        }
        if let Some(m) = manifest_at.and_then(|(d, tree)| blobs::read_manifest_in(tree, d, sha)) {
            kind = kind.or_else(|| m.kind.as_deref().map(AssetKind::parse_loose).filter(|k| *k != AssetKind::Unknown));
            name = name.or_else(|| m.original_filename.clone().filter(|f| !f.is_empty()));
            origin = origin.or_else(|| m.origin.as_ref().map(|o| Box::new(o.origin())));
        }
        if let Some(m) = metadata {
            kind = kind.or_else(|| (m.kind != AssetKind::Unknown).then_some(m.kind));
        }
        if kind.is_none() {
            kind = dir.and_then(|(d, tree)| kinds.of(sha, tree, &d.blob(sha)));
        }
        if let Some(label) = label.filter(|_| dir.is_none()) {
            name = name.or_else(|| Some(label.name.clone()));
            kind = kind.or_else(|| label.kind.as_deref().map(AssetKind::parse_loose).filter(|k| *k != AssetKind::Unknown));
        }
        name = name.or_else(|| metadata.and_then(|m| m.file_name.clone()).filter(|f| !f.is_empty()));
        Named { kind, name, origin }
    }
}

/// The display name and kind of each of `shas`, local blobs, as the
/// inventory shows them — from the packs that reference them, their
/// manifests, what identify learnt and their headers — without listing any
/// blob folder or drive (a sync names what it is about to copy this way).
pub fn names_of(store: &Store, shas: &[Sha256]) -> Result<HashMap<Sha256, (String, AssetKind)>> {
    let layout = store.layout();
    let wanted: std::collections::HashSet<&Sha256> = shas.iter().collect();
    let mut from_packs: HashMap<Sha256, Acc> = HashMap::new();
    for (pi, p) in packs::load_all_refs(layout)?.packs.into_iter().enumerate() {
        for r in p.refs.into_iter().filter(|r| wanted.contains(&r.sha256)) {
            from_packs.entry(r.sha256.clone()).or_default().add_ref(pi as u32, r);
        }
    }
    let local_dir = layout.blobs();
    let local = local_dir.tree().ok().map(|t| (local_dir, t));
    let metadata = crate::identify::load_index(layout);
    let kinds = kind::KindCache::load(layout);
    let named = shas
        .iter()
        .map(|sha| {
            let a = from_packs.remove(sha).unwrap_or_default();
            let from_packs = Named { kind: a.kind, name: a.expose_filename, origin: a.origin };
            let Named { kind, name, .. } = from_packs.completed(sha, local.as_ref(), local.as_ref(), metadata.get(sha), &kinds, None);
            (sha.clone(), (name.unwrap_or_else(|| sha.short().to_owned()), kind.unwrap_or(AssetKind::Unknown)))
        })
        .collect();
    kinds.save(layout);
    Ok(named)
}

/// Whether cleanup deletes this blob (SPEC §3.4): an orphan with a good
/// local copy that no UI links to. The one meaning of "Cleanup N orphans",
/// shared by the summary and the cleanup plan.
pub(crate) fn cleanable(it: &InventoryItem) -> bool {
    it.status == BlobStatus::Orphan && it.on_local && it.active_in_uis.is_empty()
}

fn summarise(
    items: &[InventoryItem],
    pack_errors: Vec<PackError>,
    selected: usize,
    targets: &[TargetSeen],
    store: &Store,
) -> InventorySummary {
    let chosen = &targets[selected];
    let backup = &chosen.state;
    let mut s = InventorySummary {
        blobs_total: 0,
        blobs_referenced: 0,
        blobs_orphan: 0,
        blobs_missing: 0,
        blobs_backup_only: 0,
        blobs_corrupt: 0,
        blobs_below_policy: 0,
        cleanup_orphans: 0,
        cleanup_bytes: 0,
        bytes_total: 0,
        bytes_referenced: 0,
        bytes_orphan: 0,
        bytes_by_kind: BTreeMap::new(),
        pack_errors,
        disk: crate::disk::disk_info(store.root()),
        backup: BackupSummary {
            enabled: backup.enabled(),
            connected: backup.connected().is_some(),
            source: chosen.source,
            path: backup.path(),
            blobs_local_only: 0,
            blobs_backup_only: 0,
            blobs_both: 0,
            bytes_local_only: 0,
            bytes_backup_only: 0,
            bytes_synced: 0,
            last_sync: chosen.last_sync.clone(),
        },
        targets: targets.iter().map(TargetSeen::summary).collect(),
    };
    // The byte fields keep the original program's meanings (SPEC §3.2), which
    // its UI and users' scripts read: the totals are the local disk's bytes;
    // `bytes_by_kind` is every item known anywhere (a missing one at its
    // lock's size). What only the backup holds is counted in `backup {…}`.
    for it in items {
        s.blobs_total += 1;
        if it.copies.iter().any(|c| c.corrupt) {
            s.blobs_corrupt += 1;
        }
        if below_policy(it) {
            s.blobs_below_policy += 1;
        }
        if cleanable(it) {
            s.cleanup_orphans += 1;
            s.cleanup_bytes += it.size_bytes;
        }
        *s.bytes_by_kind.entry(it.kind).or_default() += it.size_bytes;
        if it.on_local {
            s.bytes_total += it.size_bytes;
        }
        match it.status {
            BlobStatus::Referenced => {
                s.blobs_referenced += 1;
                s.bytes_referenced += it.size_bytes;
            }
            BlobStatus::BackupOnly => s.blobs_backup_only += 1,
            BlobStatus::Missing => s.blobs_missing += 1,
            BlobStatus::Orphan => {
                s.blobs_orphan += 1;
                if it.on_local {
                    s.bytes_orphan += it.size_bytes;
                }
            }
        }
        let b = &mut s.backup;
        match it.location {
            Location::LocalOnly => {
                b.blobs_local_only += 1;
                b.bytes_local_only += it.size_bytes;
            }
            Location::BackupOnly => {
                b.blobs_backup_only += 1;
                b.bytes_backup_only += it.size_bytes;
            }
            Location::Both => {
                b.blobs_both += 1;
                b.bytes_synced += it.size_bytes;
            }
            Location::Nowhere => {}
        }
    }
    s
}

fn matches(it: &InventoryItem, q: &Query, needle: Option<&str>) -> bool {
    q.kind.is_none_or(|k| it.kind == k)
        && q.status.is_none_or(|s| it.status == s)
        && q.location.is_none_or(|l| it.location == l)
        && (!q.corrupt || it.copies.iter().any(|c| c.corrupt))
        && q.copies_below.is_none_or(|n| it.copies_count < n)
        && (!q.below_policy || below_policy(it))
        && needle.is_none_or(|n| {
            it.display_name.to_lowercase().contains(n)
                || it.sha256.as_str().starts_with(n)
                || it
                    .metadata
                    .as_ref()
                    .is_some_and(|m| [&m.model_name, &m.version_name].into_iter().flatten().any(|s| s.to_lowercase().contains(n)))
                || it.used_by_packs.iter().any(|p| p.to_lowercase().contains(n))
        })
}

impl Inventory {
    /// A filtered, sorted page; the summary always covers the whole store.
    pub fn query(&self, q: &Query) -> InventoryPage {
        let needle = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        let mut hits: Vec<&InventoryItem> = self.items.iter().filter(|it| matches(it, q, needle.as_deref())).collect();
        let by_name = |a: &&InventoryItem, b: &&InventoryItem| a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase());
        match q.sort {
            SortKey::SizeDesc => hits.sort_by(|a, b| b.size_bytes.cmp(&a.size_bytes).then_with(|| by_name(a, b))),
            SortKey::SizeAsc => hits.sort_by(|a, b| a.size_bytes.cmp(&b.size_bytes).then_with(|| by_name(a, b))),
            SortKey::NameAsc => hits.sort_by(|a, b| by_name(a, b).then_with(|| a.sha256.cmp(&b.sha256))),
            SortKey::NameDesc => hits.sort_by(|a, b| by_name(b, a).then_with(|| a.sha256.cmp(&b.sha256))),
            SortKey::Kind => hits.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| b.size_bytes.cmp(&a.size_bytes))),
            SortKey::Status => hits.sort_by(|a, b| a.status.cmp(&b.status).then_with(|| b.size_bytes.cmp(&a.size_bytes))),
            SortKey::Location => hits.sort_by(|a, b| a.location.cmp(&b.location).then_with(|| b.size_bytes.cmp(&a.size_bytes))),
        }
        let total = hits.len() as u64;
        let items = hits.into_iter().skip(q.offset).take(q.limit).cloned().collect();
        InventoryPage { items, total_matching: total, limit: q.limit, offset: q.offset, summary: self.summary.clone() }
    }

    /// The name of the target the store value works on, as copies name it.
    pub(crate) fn target_name(&self) -> &str {
        &self.targets[self.selected].target.name
    }

    /// The place a side names for this build: `local`, or the target worked on.
    pub fn place(&self, side: crate::vocab::Side) -> &str {
        match side {
            crate::vocab::Side::Local => LOCAL,
            crate::vocab::Side::Backup => self.target_name(),
        }
    }

    pub fn get(&self, sha: &Sha256) -> Option<&InventoryItem> {
        self.items.binary_search_by(|it| it.sha256.cmp(sha)).ok().map(|i| &self.items[i])
    }

    /// The position of blob `sha` in [`Inventory::items`].
    pub fn position(&self, sha: &Sha256) -> Option<usize> {
        self.items.binary_search_by(|it| it.sha256.cmp(sha)).ok()
    }

    /// Every pack dependency pointing at blob `sha`, in pack order.
    pub(crate) fn references_of<'a>(&'a self, sha: &Sha256) -> impl Iterator<Item = Reference<'a>> {
        let start = self.references.partition_point(|r| r.0 < *sha);
        let sha = sha.clone();
        self.references[start..]
            .iter()
            .take_while(move |r| r.0 == sha)
            .map(|(_, pack, dep)| Reference { pack: &self.pack_names[*pack as usize], dependency_id: dep })
    }

    /// Resolves a full hash or a unique prefix of ≥ 8 characters typed by a user.
    /// (Without an inventory at hand, use [`resolve_hashes`].)
    pub fn resolve(&self, input: &str) -> Result<Sha256> {
        let prefix = parse_prefix(input)?;
        if prefix.len() == 64 {
            return Ok(Sha256::parse(&prefix)?);
        }
        let found: Vec<&Sha256> = self.items.iter().map(|i| &i.sha256).filter(|s| s.as_str().starts_with(&prefix)).collect();
        match found.as_slice() {
            [] => Err(Error::NoMatch { prefix }),
            [one] => Ok((*one).clone()),
            many => Err(Error::AmbiguousPrefix { prefix, matches: many.iter().map(|s| s.to_string()).collect() }),
        }
    }

    /// Local path of a blob (whether or not it exists).
    pub fn local_path(&self, sha: &Sha256) -> PathBuf {
        self.local_dir.blob(sha)
    }
}
