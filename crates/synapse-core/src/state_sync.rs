//! State backup (SPEC §3.7): mirrors `state/` (packs with their previews and
//! workflows, profiles, config) to `<backup>/.synapse/store/state/` and back,
//! like rsync without `--delete`.
//!
//! - Only files whose size or modification time differ are copied (or whose
//!   content differs, with `checksum`); copies keep the source's modification
//!   time, so the next comparison finds them equal. Times within two seconds
//!   count as equal (FAT-formatted drives store them that coarsely).
//! - Nothing is ever deleted: a push keeps the backup's backup-only packs and
//!   files, a pull keeps the local-only ones.
//! - Symlinks are copied as links, never followed; a link that points out of
//!   the tree (absolute, or climbing above `state/`) is skipped with a warning.
//! - `.git` is excluded unless asked for. When the local `state/` is a git
//!   working tree, pulling refuses ([`Error::GitWorkingTree`]) unless the
//!   caller overrides, because it would overwrite uncommitted work.
//! - Every file is written to a temporary name beside its target, fsynced and
//!   renamed, so a crash leaves each file old or new, never torn.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::progress::{Control, Tracker};
use crate::results::ItemError;
use crate::store::fsutil::TMP_SUFFIX;
use crate::store::layout::StoreLayout;
use crate::store::tree::Tree;
use crate::store::Store;
use crate::target::backup::{BackupState, Session};
use crate::vocab::SyncDirection;

/// Modification times closer than this are equal.
const MTIME_WINDOW: Duration = Duration::from_secs(2);

/// What [`state_sync`] does.
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct StateSyncOptions {
    pub direction: SyncDirection,
    /// True (default): only plan.
    pub dry_run: bool,
    /// Mirror `.git/` too (excluded by default).
    pub include_git: bool,
    /// Pull into a local git working tree anyway (its tracked files may be overwritten).
    pub allow_git_overwrite: bool,
    /// Compare contents (SHA-256) instead of size and time.
    pub checksum: bool,
}

impl Default for StateSyncOptions {
    fn default() -> Self {
        Self { direction: SyncDirection::ToBackup, dry_run: true, include_git: false, allow_git_overwrite: false, checksum: false }
    }
}

/// One entry of a state tree.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    File { size: u64, mtime: Option<SystemTime> },
    Link { target: PathBuf },
    Dir,
}

/// A state tree as listed.
#[derive(Debug, Default)]
struct Walked {
    entries: BTreeMap<String, Entry>,
    /// Entries whose names are not UTF-8: never mirrored, reported per item.
    unnamed: Vec<PathBuf>,
}

/// Every entry below `root` (a folder of the store tree at `tree_root`) by
/// path relative to it (`/`-separated), without following links. `.git` is
/// left out unless `include_git`; our own temporary files always are. A
/// missing root is an empty tree; a root that is a link is refused.
fn walk(tree_root: &Path, root: &Path, include_git: bool) -> Result<Walked> {
    let mut out = Walked::default();
    match Tree::open(tree_root)?.stat(root)? {
        Some(s) if s.is_dir() => {}
        Some(s) if s.kind == crate::store::tree::Kind::Symlink => return Err(Error::LinkInTree { path: root.to_path_buf() }),
        _ => return Ok(out),
    }
    let mut it = walkdir::WalkDir::new(root).follow_links(false).follow_root_links(false).min_depth(1).into_iter();
    while let Some(entry) = it.next() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            Error::Io { op: "list", path, source: e.into_io_error().unwrap_or_else(|| io::Error::other("filesystem loop")) }
        })?;
        let Ok(rel) = entry.path().strip_prefix(root) else { continue };
        let Some(rel) = rel.to_str().map(str::to_owned) else {
            out.unnamed.push(entry.path().to_path_buf());
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        };
        let name = entry.file_name().to_string_lossy();
        let ft = entry.file_type();
        if name == ".git" && !include_git {
            if ft.is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if name.ends_with(TMP_SUFFIX) {
            continue;
        }
        let e = if ft.is_symlink() {
            Entry::Link { target: fs::read_link(entry.path()).map_err(Error::io("read link", entry.path()))? }
        } else if ft.is_dir() {
            Entry::Dir
        } else if ft.is_file() {
            let m = entry.metadata().map_err(|e| Error::io("stat", entry.path())(e.into()))?;
            Entry::File { size: m.len(), mtime: m.modified().ok() }
        } else {
            continue; // sockets, fifos: not state
        };
        out.entries.insert(rel, e);
    }
    Ok(out)
}

fn same_time(a: Option<SystemTime>, b: Option<SystemTime>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.duration_since(b).or_else(|_| b.duration_since(a)).is_ok_and(|d| d <= MTIME_WINDOW),
        _ => false,
    }
}

/// The pack a state path belongs to (`packs/<Name>/...`).
fn pack_of(rel: &str) -> Option<&str> {
    let mut parts = rel.split('/');
    (parts.next() == Some("packs")).then(|| parts.next()).flatten().filter(|p| !p.is_empty() && !p.starts_with('.'))
}

/// True when a link's target stays inside the tree it is in.
fn link_stays_inside(rel: &str, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth = rel.split('/').count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

fn pack_names(tree: &BTreeMap<String, Entry>) -> BTreeSet<String> {
    tree.iter()
        .filter(|(_, e)| **e == Entry::Dir)
        .filter_map(|(rel, _)| rel.strip_prefix("packs/").filter(|n| !n.contains('/') && !n.starts_with('.')).map(str::to_owned))
        .collect()
}

fn bytes(tree: &BTreeMap<String, Entry>) -> u64 {
    tree.values().map(|e| if let Entry::File { size, .. } = e { *size } else { 0 }).sum()
}

/// `backup state-status`: the local and the backup `state/` compared (by size
/// and time; `.git` left out). Needs the drive.
pub fn state_status(store: &Store) -> Result<StateSyncStatus> {
    let state = BackupState::for_store(store)?;
    let drive = state.require()?;
    let local_root = store.layout().state();
    let backup_root = drive.state();
    let (local, backup) = rayon::join(|| walk(store.root(), &local_root, false), || walk(&drive.store_root(), &backup_root, false));
    let (local, backup) = (local?, backup?);
    let (lp, bp) = (pack_names(&local.entries), pack_names(&backup.entries));
    let mut modified = BTreeSet::new();
    // A pack holding a name that is not UTF-8 is never fully mirrored: not synced.
    for (walked, root) in [(&local, &local_root), (&backup, &backup_root)] {
        for p in &walked.unnamed {
            let rel = p.strip_prefix(root).unwrap_or(p).to_string_lossy().into_owned();
            if let Some(pack) = pack_of(&rel) {
                modified.insert(pack.to_owned());
            }
        }
    }
    let (local, backup) = (local.entries, backup.entries);
    for rel in local.keys().chain(backup.keys()) {
        let Some(pack) = pack_of(rel) else { continue };
        if !(lp.contains(pack) && bp.contains(pack)) || modified.contains(pack) {
            continue;
        }
        if differs(local.get(rel), backup.get(rel)) {
            modified.insert(pack.to_owned());
        }
    }
    Ok(StateSyncStatus {
        local_packs: lp.len() as u64,
        backup_packs: bp.len() as u64,
        packs_local_only: lp.difference(&bp).cloned().collect(),
        packs_backup_only: bp.difference(&lp).cloned().collect(),
        packs_modified: modified.into_iter().collect(),
        local_bytes: bytes(&local),
        backup_bytes: bytes(&backup),
        has_git: local_root.join(".git").exists(),
        last_sync: crate::target::catalog::Syncs::of(
            store.layout(),
            &store.target()?,
            drive.path(),
            crate::target::backup::read_id(drive).as_deref(),
        )
        .state_last_sync,
    })
}

/// True when the entry is missing on one side or differs between them.
fn differs(a: Option<&Entry>, b: Option<&Entry>) -> bool {
    match (a, b) {
        (Some(Entry::File { size: sa, mtime: ma }), Some(Entry::File { size: sb, mtime: mb })) => sa != sb || !same_time(*ma, *mb),
        (Some(a), Some(b)) => a != b,
        _ => true,
    }
}

/// One file or link to copy.
struct Step {
    rel: String,
    entry: Entry,
}

/// `backup state-sync`: copies what differs from one side's `state/` to the
/// other's (see the module docs). Errors: `backup_not_enabled`,
/// `backup_not_connected`, `busy`, `conflict` ([`Error::GitWorkingTree`]) for a
/// pull into a git working tree without an override. Per-file failures are in
/// `errors`; a cancel stops between files (the result says so).
pub fn state_sync(store: &Store, opts: StateSyncOptions, ctl: Control) -> Result<StateSyncResult> {
    if opts.dry_run {
        let drive = BackupState::for_store(store)?.require()?.clone();
        let tree = drive.tree();
        return plan(store, &tree, opts).map(|(r, _)| r);
    }
    let s = Session::open(store, "state sync")?;
    let (_, tree) = s.place().folder()?;
    let (mut r, steps) = plan(store, tree, opts)?;
    let local_git = store.layout().state().join(".git").exists();
    if opts.direction == SyncDirection::FromBackup && local_git && !steps.is_empty() && !(opts.include_git || opts.allow_git_overwrite) {
        return Err(Error::GitWorkingTree { path: store.layout().state() });
    }
    let (local_tree, drive_tree) = (store.layout().tree()?, tree.tree()?);
    let (src_tree, src_root, dst_tree, dst_root) = match opts.direction {
        SyncDirection::ToBackup => (&local_tree, store.layout().state(), &drive_tree, tree.state()),
        SyncDirection::FromBackup => (&drive_tree, tree.state(), &local_tree, store.layout().state()),
    };
    let tracker = Tracker::new(ctl, "state sync", steps.len() as u64, r.files.iter().map(|f| f.size_bytes).sum());
    let mut packs = HashSet::new();
    for step in &steps {
        if ctl.cancel.is_cancelled() {
            r.cancelled = true;
            break;
        }
        tracker.start_item(&step.rel);
        match copy_entry(src_tree, &src_root, dst_tree, &dst_root, step) {
            Ok(n) => {
                r.files_synced += 1;
                r.bytes_synced += n;
                tracker.add_bytes(n);
                if let Some(p) = pack_of(&step.rel) {
                    packs.insert(p.to_owned());
                }
            }
            Err(e) => {
                let e = s.failure(e);
                let stop = e.code() == ErrorCode::BackupNotConnected;
                r.errors.push(ItemError {
                    sha256: None,
                    display_name: Some(step.rel.clone()),
                    path: Some(dst_root.join(&step.rel)),
                    code: e.code(),
                    message: e.to_string(),
                });
                if stop {
                    break;
                }
            }
        }
        tracker.item_done();
    }
    tracker.finish();
    r.dry_run = false;
    r.packs_synced = packs.len() as u64;
    if r.errors.is_empty() && !r.cancelled {
        s.record_sync(crate::target::catalog::SyncKind::State);
    }
    Ok(r)
}

/// The plan of a state sync on the drive's store tree `tree`.
fn plan(store: &Store, tree: &StoreLayout, opts: StateSyncOptions) -> Result<(StateSyncResult, Vec<Step>)> {
    let (src_root, dst_root) = match opts.direction {
        SyncDirection::ToBackup => (store.layout().state(), tree.state()),
        SyncDirection::FromBackup => (tree.state(), store.layout().state()),
    };
    let (src_tree, dst_tree) = match opts.direction {
        SyncDirection::ToBackup => (store.root().to_path_buf(), tree.root().to_path_buf()),
        SyncDirection::FromBackup => (tree.root().to_path_buf(), store.root().to_path_buf()),
    };
    let (src, dst) = rayon::join(|| walk(&src_tree, &src_root, opts.include_git), || walk(&dst_tree, &dst_root, opts.include_git));
    let (src, dst) = (src?, dst?);
    let unnamed: Vec<ItemError> = src
        .unnamed
        .iter()
        .map(|p| ItemError {
            sha256: None,
            display_name: Some(p.to_string_lossy().into_owned()),
            path: Some(p.clone()),
            code: ErrorCode::InvalidArgument,
            message: format!("{} was not mirrored: its name is not valid UTF-8. Rename it, then sync again", p.to_string_lossy()),
        })
        .collect();
    let (src, dst) = (src.entries, dst.entries);
    let mut r = StateSyncResult {
        dry_run: opts.dry_run,
        direction: opts.direction,
        packs_synced: 0,
        files_synced: 0,
        bytes_synced: 0,
        files: Vec::new(),
        already_synced: false,
        cancelled: false,
        errors: unnamed,
        warnings: Vec::new(),
    };
    if !opts.include_git && src_root.join(".git").exists() {
        r.warnings.push(format!("skipped {}: git data is not mirrored unless asked (--include-git)", src_root.join(".git").display()));
    }
    let local_git = store.layout().state().join(".git").exists();
    let mut steps = Vec::new();
    let mut packs = BTreeSet::new();
    for (rel, e) in &src {
        let (create, changed) = match (e, dst.get(rel)) {
            (Entry::Dir, None | Some(Entry::Dir)) => continue,
            (_, None) => (true, true),
            (Entry::File { .. }, Some(d @ Entry::File { .. })) if opts.checksum => {
                (false, sizes_differ(e, d) || !same_content(&src_root.join(rel), &dst_root.join(rel)))
            }
            (_, Some(d)) => (false, differs(Some(e), Some(d))),
        };
        if !changed {
            continue;
        }
        if matches!((e, dst.get(rel)), (Entry::Dir, Some(_)) | (_, Some(Entry::Dir))) {
            r.errors.push(ItemError {
                sha256: None,
                display_name: Some(rel.clone()),
                path: Some(dst_root.join(rel)),
                code: ErrorCode::NameClash,
                message: format!("{} is a folder on one side and a file on the other: left alone", dst_root.join(rel).display()),
            });
            continue;
        }
        if let Entry::Link { target } = e {
            if !link_stays_inside(rel, target) {
                r.warnings.push(format!("skipped the link {rel}: it points out of state/ ({})", target.display()));
                continue;
            }
        }
        let size = if let Entry::File { size, .. } = e { *size } else { 0 };
        if let Some(p) = pack_of(rel) {
            packs.insert(p.to_owned());
        }
        r.files.push(StateFileChange { path: rel.clone(), size_bytes: size, action: if create { "create" } else { "update" }.into() });
        steps.push(Step { rel: rel.clone(), entry: e.clone() });
    }
    if opts.direction == SyncDirection::FromBackup && local_git && !steps.is_empty() {
        if opts.include_git || opts.allow_git_overwrite {
            r.warnings.push(format!("{} is a git working tree: pulling overwrites its files", store.layout().state().display()));
        } else {
            r.warnings.push(format!(
                "{} is a git working tree: executing this pull needs --yes (or --include-git), since it would overwrite files there",
                store.layout().state().display()
            ));
        }
    }
    r.already_synced = steps.is_empty() && r.errors.is_empty();
    r.packs_synced = if opts.dry_run { packs.len() as u64 } else { 0 };
    Ok((r, steps))
}

fn sizes_differ(a: &Entry, b: &Entry) -> bool {
    matches!((a, b), (Entry::File { size: x, .. }, Entry::File { size: y, .. }) if x != y)
}

/// True when two files have the same bytes (hashing both).
fn same_content(a: &Path, b: &Path) -> bool {
    let cancel = crate::progress::CancelToken::new();
    match (crate::blob::blobs::hash_file(a, None, &cancel), crate::blob::blobs::hash_file(b, None, &cancel)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Copies one file or link from `src_root` (in the tree at `src_tree`) to
/// `dst_root` (in the tree at `dst_tree`) atomically, never through a link on
/// either side (a pack folder that is a link is refused for that item).
/// Returns the bytes copied.
fn copy_entry(src_tree: &Tree, src_root: &Path, dst_tree: &Tree, dst_root: &Path, step: &Step) -> Result<u64> {
    let src = src_root.join(&step.rel);
    let dst = dst_root.join(&step.rel);
    let dir = dst.parent().expect("state paths have a parent");
    dst_tree.mkdirs(dir)?;
    let name: String = dst.file_name().map(|n| n.to_string_lossy().chars().take(32).collect()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.{}{TMP_SUFFIX}", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let n = match &step.entry {
            Entry::Link { target } => {
                dst_tree.symlink(target, &tmp)?;
                0
            }
            Entry::File { mtime, .. } => {
                let mut input = src_tree.open_read(&src)?;
                let mut out = dst_tree.create_new(&tmp, 0o644)?;
                let n = io::copy(&mut input, &mut out).map_err(Error::io("copy to", &tmp))?;
                if let Some(t) = mtime {
                    out.set_modified(*t).map_err(Error::io("set the time of", &tmp))?;
                }
                out.sync_all().map_err(Error::io("fsync", &tmp))?;
                n
            }
            Entry::Dir => return Ok(0),
        };
        dst_tree.rename(&tmp, &dst)?;
        dst_tree.fsync_dir(dir)?;
        Ok(n)
    })();
    if result.is_err() {
        let _ = dst_tree.remove_file(&tmp);
    }
    result
}

/// `backup state-status` (SPEC §3.7).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateSyncStatus {
    pub local_packs: u64,
    pub backup_packs: u64,
    pub packs_local_only: Vec<String>,
    pub packs_backup_only: Vec<String>,
    /// Packs on both sides whose files differ (size or modification time).
    pub packs_modified: Vec<String>,
    pub local_bytes: u64,
    pub backup_bytes: u64,
    /// True when the local `state/` is a git working tree (pulling then needs an override).
    pub has_git: bool,
    pub last_sync: Option<String>,
}

/// One file a state sync copies (path relative to `state/`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateFileChange {
    pub path: String,
    pub size_bytes: u64,
    /// `create` (missing on the destination) or `update` (differs).
    pub action: String,
}

/// `backup state-sync`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateSyncResult {
    pub dry_run: bool,
    pub direction: SyncDirection,
    pub packs_synced: u64,
    pub files_synced: u64,
    pub bytes_synced: u64,
    /// The files of the plan.
    pub files: Vec<StateFileChange>,
    pub already_synced: bool,
    /// True when the user cancelled: the counts say what was completed.
    pub cancelled: bool,
    pub errors: Vec<ItemError>,
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_must_stay_inside_the_tree() {
        assert!(link_stays_inside("packs/A/preview.png", Path::new("../B/preview.png")));
        assert!(link_stays_inside("packs/A/x", Path::new("y")));
        assert!(!link_stays_inside("packs/A/x", Path::new("../../../etc/passwd")));
        assert!(!link_stays_inside("x", Path::new("/etc/passwd")));
    }

    #[test]
    fn packs_are_found_by_path() {
        assert_eq!(pack_of("packs/Juggernaut/pack.json"), Some("Juggernaut"));
        assert_eq!(pack_of("config.json"), None);
        assert_eq!(pack_of("packs/.hidden/x"), None);
    }
}
