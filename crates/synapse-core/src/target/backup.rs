//! The backup storage as seen from the store (SPEC §3.6): is it enabled, is
//! the drive connected (and is it *our* drive), its configuration and status,
//! and the [`Session`] every operation that writes to it holds. Copying to and
//! from the drive lives in `copy` and `sync`; this module decides *whether*
//! the drive may be touched.
//!
//! A configured path on a drive that is not mounted — the folder missing, or
//! present but empty (a bare mount point) — is *disconnected*, never an empty
//! backup: nothing is ever written there. A backup is only created by an
//! explicit `backup config --path P --enable` (or Save in Settings), which
//! makes `<P>/.synapse/store/…` and writes the drive's identity once to
//! `<P>/.synapse/backup-id`. The store remembers that identity in its backup
//! catalog; a drive at the same path with another identity is another drive,
//! and is treated as disconnected until the user adopts it the same way.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::blob::blobs;
use crate::blob::copy::mkdirs_under;
use crate::error::{Error, Result};
use crate::results::lossy;
use crate::store::layout::{BackupLayout, StoreLayout};
use crate::store::lock::{self, StoreLock};
use crate::store::probe;
use crate::store::schema::ConfigFile;
use crate::store::Store;
use crate::target::catalog::{self, Catalog};
use crate::target::state::ensure_id;
use crate::target::{self, Target};
use crate::vocab::{BackupSource, TargetState};

pub(crate) use crate::target::state::read_id;
pub use crate::target::state::{aliasing, BackupState};

/// Where an opened target keeps its copies.
pub enum Place {
    /// A folder: the drive, and its store tree `<path>/.synapse/store`.
    Folder { drive: BackupLayout, tree: StoreLayout },
    /// An S3-compatible bucket (SPEC §3.13).
    Bucket(std::sync::Arc<crate::target::s3::Bucket>),
}

impl Place {
    /// The drive and its store tree; `invalid_argument` for a bucket, for the
    /// operations that work on folders only (state backup).
    pub fn folder(&self) -> Result<(&BackupLayout, &StoreLayout)> {
        match self {
            Place::Folder { drive, tree } => Ok((drive, tree)),
            Place::Bucket(b) => {
                Err(Error::invalid(format!("target {:?} is a bucket ({}): this works on folder targets only", b.name, b.location.url())))
            }
        }
    }

    /// The store tree of a folder target.
    pub fn tree(&self) -> Option<&StoreLayout> {
        self.folder().ok().map(|(_, t)| t)
    }

    /// Where the target's catalog says it is ([`Target::place`]).
    pub fn path(&self) -> PathBuf {
        match self {
            Place::Folder { drive, .. } => drive.path().to_path_buf(),
            Place::Bucket(b) => PathBuf::from(b.location.url()),
        }
    }

    /// Whether the target holds blob `sha` (a regular file, or an object).
    pub fn has(&self, sha: &crate::ids::Sha256) -> bool {
        match self {
            Place::Folder { tree, .. } => blobs::exists(&tree.blobs(), sha),
            Place::Bucket(b) => b.head(sha).ok().flatten().is_some(),
        }
    }

    /// Where blob `sha` is on the target, for messages.
    pub fn blob_path(&self, sha: &crate::ids::Sha256) -> PathBuf {
        match self {
            Place::Folder { tree, .. } => tree.blobs().blob(sha),
            Place::Bucket(b) => PathBuf::from(format!("{}/{}", b.location.url(), b.blob_key(sha))),
        }
    }
}

/// One target opened for an operation: connected and ours, its lock taken
/// (a folder's), its identity known to the store. The caller holds the
/// store lock (always taken first). Opening a folder gives a drive without
/// an id its id, moves the first target's records from before there were
/// several to their names by id, and removes the leftovers of interrupted
/// copies from the drive's `data/tmp` (holding the drive's lock, nobody else
/// can own them). Opening a bucket claims a prefix nobody owns yet; a prefix
/// another store owns opens for reading only ([`Drive::writable`]).
pub struct Drive {
    /// The target, its id known from now on.
    pub target: Target,
    pub place: Place,
    pub backup_id: String,
    /// False for a bucket prefix another store owns: read and restore only.
    pub owned: bool,
    owner: String,
    _lock: Option<StoreLock>,
}

impl Drive {
    /// Errors: `backup_not_enabled`, `backup_not_connected`, `busy` (the
    /// drive's lock), or `io` when the drive cannot be written.
    pub(crate) fn open(store: &Store, mut target: Target, operation: &str) -> Result<Drive> {
        if target.s3.is_some() {
            return Self::open_bucket(store, target);
        }
        let drive = BackupState::of(store.layout(), &target).require()?.clone();
        let lock = StoreLock::acquire(&drive.lock_file(), operation, lock::default_wait())?;
        let (backup_id, _) = ensure_id(&drive)?;
        target::remember_id(store.layout(), &target, &backup_id)?;
        target.backup_id = Some(backup_id.clone());
        if target.primary {
            target::migrate_legacy(store.layout(), &backup_id);
        }
        let tree = drive.tree();
        crate::blob::copy::remove_leftovers(&tree);
        // Manifests that earlier versions left beside the blobs move to data/meta
        // (a failure only leaves them where the original program misreads them).
        let _ = crate::blob::blobs::move_legacy_manifests(&tree);
        Ok(Drive { target, place: Place::Folder { drive, tree }, backup_id, owned: true, owner: String::new(), _lock: Some(lock) })
    }

    fn open_bucket(store: &Store, mut target: Target) -> Result<Drive> {
        let (bucket, identity) = match BackupState::of(store.layout(), &target) {
            BackupState::Online { bucket, identity, .. } => (bucket, identity),
            other => {
                return Err(other.require().err().unwrap_or_else(|| Error::internal("a bucket's state was a folder's")));
            }
        };
        let ours = crate::target::s3::store_identity(store.layout())?;
        let identity = match identity {
            Some(i) => i,
            None => bucket.claim(&ours)?.0,
        };
        target::remember_id(store.layout(), &target, &identity.backup_id)?;
        target.backup_id = Some(identity.backup_id.clone());
        let owned = identity.owner == ours;
        if owned {
            // Multipart uploads this store began a week ago and never finished (a kill -9 long ago).
            let _ = bucket.abort_stale(store.layout(), &identity.backup_id, Duration::from_secs(7 * 86_400));
        }
        Ok(Drive { target, place: Place::Bucket(bucket), backup_id: identity.backup_id, owned, owner: identity.owner, _lock: None })
    }

    /// `foreign_target` unless this store may write and delete on the target.
    pub(crate) fn writable(&self) -> Result<()> {
        if self.owned {
            return Ok(());
        }
        Err(Error::ForeignTarget { target: self.target.name.clone(), owner: self.owner.clone() })
    }
}

/// The drives one operation over several targets works on, each opened once
/// ([`Drive::open`], under the store lock the caller holds); a target that
/// cannot be opened keeps its error, so its items fail with it and the rest go on.
pub(crate) struct Drives {
    opened: std::collections::BTreeMap<String, Result<Drive>>,
}

impl Drives {
    /// Opens every target named in `places` (`local` is the store itself).
    pub(crate) fn open<'a>(store: &Store, places: impl IntoIterator<Item = &'a str>, operation: &str) -> Result<Drives> {
        let config = store.config()?;
        let mut opened = std::collections::BTreeMap::new();
        for name in places.into_iter().filter(|n| *n != target::LOCAL) {
            if !opened.contains_key(name) {
                let drive = target::find(store.layout(), &config, Some(name)).and_then(|t| Drive::open(store, t, operation));
                opened.insert(name.to_owned(), drive);
            }
        }
        Ok(Drives { opened })
    }

    /// The drive of target `name`, when it opened.
    pub(crate) fn get(&self, name: &str) -> Option<&Drive> {
        self.opened.get(name).and_then(|d| d.as_ref().ok())
    }

    /// Copies blob `sha` from place `from` to place `to` (`local` or a
    /// target's name): the copy engine between two trees, an upload from a
    /// tree into a bucket, a download from a bucket into a tree (the local
    /// store or a folder target's). Two buckets have no path between them
    /// that would not write to this disk, so that copy is refused.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn transfer(
        &self,
        store: &StoreLayout,
        sha: &crate::ids::Sha256,
        from: &str,
        to: &str,
        existing: &crate::blob::copy::Existing,
        tracker: Option<&crate::progress::Tracker>,
        cancel: &crate::progress::CancelToken,
    ) -> Result<crate::blob::copy::Copied> {
        copy_between(sha, self.end(store, from)?, self.end(store, to)?, existing, tracker, cancel)
    }

    /// Place `name` (`local`, or an opened target) as one end of a copy.
    fn end<'a>(&'a self, store: &'a StoreLayout, name: &str) -> Result<End<'a>> {
        match self.opened.get(name) {
            Some(Ok(drive)) => Ok(match &drive.place {
                Place::Bucket(bucket) => End::Bucket { bucket, drive },
                Place::Folder { tree, .. } => End::Tree(tree),
            }),
            // `local`, or the error a target that did not open keeps.
            _ => self.tree(store, name).map(End::Tree),
        }
    }

    /// The tree a copy on `place` lives in: the store's own for `local`.
    pub(crate) fn tree<'a>(&'a self, store: &'a StoreLayout, place: &str) -> Result<&'a StoreLayout> {
        if place == target::LOCAL {
            return Ok(store);
        }
        match self.opened.get(place) {
            Some(Ok(d)) => d.place.folder().map(|(_, t)| t),
            Some(Err(e)) => Err(Error::invalid(format!("target {place:?} cannot be used: {e}"))),
            None => Err(Error::internal(format!("target {place:?} was not opened"))),
        }
    }
}

/// A mutating backup operation's hold on both sides: the store lock, then the
/// target ([`Drive::open`]: a folder's lock, always in that order).
pub struct Session {
    pub config: ConfigFile,
    /// The target this session holds (its id known from now on).
    pub target: Target,
    pub backup_id: String,
    drive: Drive,
    store_layout: StoreLayout,
    _store_lock: StoreLock,
}

impl Session {
    /// Opens a session for `operation` on the store's target ([`Store::on_target`]).
    /// Errors: `busy`, `backup_not_enabled`, `backup_not_connected`, or `io`
    /// when the drive cannot be written.
    pub fn open(store: &Store, operation: &str) -> Result<Session> {
        let store_lock = store.lock(operation)?;
        let config = store.config()?;
        let target = store.target_with(&config)?;
        let drive = Drive::open(store, target, operation)?;
        Ok(Session {
            config,
            target: drive.target.clone(),
            backup_id: drive.backup_id.clone(),
            drive,
            store_layout: store.layout().clone(),
            _store_lock: store_lock,
        })
    }

    /// Where the target keeps its copies.
    pub fn place(&self) -> &Place {
        &self.drive.place
    }

    /// The catalog of this target, as recorded now.
    pub fn catalog(&self) -> Catalog {
        Catalog::for_drive(&self.store_layout, &self.target, &self.place().path(), Some(&self.backup_id)).0
    }

    /// Saves the catalog; a failure only leaves a stale cache, so it is ignored.
    pub(crate) fn save_catalog(&self, catalog: &Catalog) {
        let _ = catalog.save(&self.store_layout);
    }

    /// Records that a sync of `kind` completed now (a cache: failures are ignored).
    pub(crate) fn record_sync(&self, kind: catalog::SyncKind) {
        let _ = catalog::record_sync(&self.store_layout, &self.target, &self.place().path(), Some(&self.backup_id), kind);
    }

    /// Records in both ledgers that the copies of `shas` were just hashed
    /// right on both ends (a copy reads and checks what it copies, then
    /// checks what it wrote): "verified when written" (SPEC §3.12).
    pub(crate) fn record_verified(&self, shas: &[crate::ids::Sha256]) {
        crate::store::ledger::Ledger::record_good(&self.store_layout.ledger(), &self.store_layout.blobs(), shas);
        let ledger = self.target.ledger_file(&self.store_layout);
        match self.place() {
            Place::Folder { tree, .. } => crate::store::ledger::Ledger::record_good(&ledger, &tree.blobs(), shas),
            // The object was just written from, or read into, the local file: its size is the file's.
            Place::Bucket(_) => {
                let local = self.store_layout.blobs();
                let sized: Vec<_> = shas
                    .iter()
                    .filter_map(|s| match blobs::stat(&local, s) {
                        Ok(blobs::BlobAt::File(st)) => Some((s.clone(), st.size)),
                        _ => None,
                    })
                    .collect();
                crate::store::ledger::Ledger::record_good_sizes(&ledger, &sized);
            }
        }
    }

    /// `Some(backup_not_connected)` when the drive has gone away since the session opened.
    pub fn gone(&self) -> Option<Error> {
        BackupState::detect_target(&self.target).require().err().filter(|_| self.place().tree().is_some())
    }

    /// Turns an error met while touching the drive into `backup_not_connected`
    /// when the reason is that the drive went away.
    pub fn failure(&self, e: Error) -> Error {
        match e {
            Error::Io { .. } | Error::BlobNotFound { .. } => self.gone().unwrap_or(e),
            e => e,
        }
    }

    /// Copies blob `sha` between the local store and this target in
    /// `direction`: [`crate::blob::copy::copy_blob`] for a folder, an upload or a
    /// download for a bucket (refused on a prefix another store owns).
    pub(crate) fn transfer(
        &self,
        sha: &crate::ids::Sha256,
        direction: crate::vocab::SyncDirection,
        existing: &crate::blob::copy::Existing,
        tracker: Option<&crate::progress::Tracker>,
        cancel: &crate::progress::CancelToken,
    ) -> Result<crate::blob::copy::Copied> {
        let local = End::Tree(&self.store_layout);
        let there = match self.place() {
            Place::Folder { tree, .. } => End::Tree(tree),
            Place::Bucket(bucket) => End::Bucket { bucket, drive: &self.drive },
        };
        match direction {
            crate::vocab::SyncDirection::ToBackup => copy_between(sha, local, there, existing, tracker, cancel),
            crate::vocab::SyncDirection::FromBackup => copy_between(sha, there, local, existing, tracker, cancel),
        }
    }
}

/// One end of a copy: a store tree (this store's or a folder target's), or
/// a bucket with the target that opened it (for its id and ownership).
pub(crate) enum End<'a> {
    Tree(&'a StoreLayout),
    Bucket { bucket: &'a crate::target::s3::Bucket, drive: &'a Drive },
}

/// Copies blob `sha` between two ends: the copy engine between trees, an
/// upload from a tree into a bucket (refused on a prefix another store owns),
/// a download from a bucket into a tree. Two buckets have no path between
/// them that would not write to this disk, so that copy is refused.
fn copy_between(
    sha: &crate::ids::Sha256,
    from: End,
    to: End,
    existing: &crate::blob::copy::Existing,
    tracker: Option<&crate::progress::Tracker>,
    cancel: &crate::progress::CancelToken,
) -> Result<crate::blob::copy::Copied> {
    match (from, to) {
        (End::Tree(from), End::Tree(to)) => crate::blob::copy::copy_blob(sha, from, to, existing, tracker, cancel),
        (End::Tree(from), End::Bucket { bucket, drive }) => {
            drive.writable()?;
            let refresh = !matches!(existing, crate::blob::copy::Existing::Keep);
            bucket.upload(sha, from, &drive.backup_id, refresh, tracker, cancel)
        }
        (End::Bucket { bucket, .. }, End::Tree(to)) => bucket.download(sha, to, existing, tracker, cancel),
        (End::Bucket { bucket: a, .. }, End::Bucket { bucket: b, .. }) => Err(Error::invalid(format!(
            "{} and {} are both buckets: a copy between them would pass through this disk; copy from a folder target or this disk instead",
            a.name, b.name
        ))),
    }
}

/// `backup status`: configuration, connection, and what each side holds (the
/// backup side live, or from the catalog while the drive is unplugged).
pub fn status(store: &Store) -> Result<BackupStatus> {
    let layout = store.layout();
    let config = store.config()?;
    let target = store.target_with(&config)?;
    let state = BackupState::of(layout, &target);
    let (local, remote) = rayon::join(|| blobs::scan(&layout.blobs()), || catalog::backup_blobs(layout, &target, &state));
    let (local, remote) = (local?, remote?);
    let mut s = BackupStatus {
        enabled: state.enabled(),
        connected: state.usable().is_ok(),
        state: state.word(),
        path: state.path(),
        error: state.reason(),
        backup_id: None,
        source: remote.source,
        total_blobs: remote.blobs.len() as u64,
        total_bytes: remote.blobs.iter().map(|b| b.size).sum(),
        free_space: None,
        total_space: None,
        last_sync: remote.last_sync.clone(),
        auto_backup_new: config.backup.auto_backup_new,
        warn_before_delete_last_copy: config.backup.warn_before_delete_last_copy,
        blobs_local_only: 0,
        blobs_backup_only: 0,
        blobs_both: 0,
        bytes_local_only: 0,
        bytes_backup_only: 0,
        bytes_synced: 0,
        queued_auto_backups: crate::target::queue::queued(layout).len() as u64,
    };
    if let Some(drive) = state.connected() {
        s.backup_id = read_id(drive);
        if let Ok(stats) = fs4::statvfs(drive.path()) {
            s.free_space = Some(stats.available_space());
            s.total_space = Some(stats.total_space());
        }
    } else if let BackupState::Online { identity, .. } = &state {
        s.backup_id = identity.as_ref().map(|i| i.backup_id.clone());
    } else if remote.source == BackupSource::Cached {
        s.backup_id = catalog::header(layout, &target).and_then(|h| h.backup_id);
    }
    let on_backup: HashMap<_, _> = remote.blobs.iter().map(|b| (&b.sha256, b.size)).collect();
    for b in &local.blobs {
        if on_backup.contains_key(&b.sha256) {
            s.blobs_both += 1;
            s.bytes_synced += b.size;
        } else {
            s.blobs_local_only += 1;
            s.bytes_local_only += b.size;
        }
    }
    let local: std::collections::HashSet<_> = local.blobs.iter().map(|b| &b.sha256).collect();
    for b in remote.blobs.iter().filter(|b| !local.contains(&b.sha256)) {
        s.blobs_backup_only += 1;
        s.bytes_backup_only += b.size;
    }
    Ok(s)
}

/// A change to the backup configuration; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ConfigUpdate {
    /// The backup folder (absolute).
    pub path: Option<PathBuf>,
    pub enabled: Option<bool>,
    pub auto_backup_new: Option<bool>,
    pub warn_before_delete_last_copy: Option<bool>,
}

/// `backup config`: applies `update` under the store lock. Enabling (or
/// changing the path while enabled) initialises the backup at the path:
/// creates `<path>/.synapse/store/…` (and `<path>` itself when only it is
/// missing), writes the `backup-id` once, adopts a backup of the original
/// program as it is, and records the drive as this store's backup.
///
/// Errors: `invalid_argument` for a relative path, a path inside the store or
/// a store inside the path, enabling without a path, or a path whose parent
/// does not exist either (an unmounted drive: nothing is created there).
pub fn configure(store: &Store, update: &ConfigUpdate) -> Result<BackupConfigResult> {
    let _lock = store.lock("backup config")?;
    let mut config = store.config()?;
    let before = config.clone();
    let mut r = configure_in(store, &mut config, update)?;
    r.changed = serde_json::to_value(&config).ok() != serde_json::to_value(&before).ok();
    if r.changed {
        store.save_config(&config)?;
    }
    Ok(finish(store, &config, r))
}

/// Applies `update` to `config` in memory (validating it, and initialising a
/// newly enabled backup on its drive), without saving: the caller holds the
/// store lock and writes the config once ([`configure`], or saving the
/// settings as a whole).
pub(crate) fn configure_in(store: &Store, config: &mut ConfigFile, update: &ConfigUpdate) -> Result<BackupConfigResult> {
    let layout = store.layout();
    let before = config.backup.clone();
    if let Some(p) = &update.path {
        probe::answers(p)?;
        config.backup.path = Some(validate_path(store.root(), p)?.to_string_lossy().into_owned());
    }
    if let Some(enabled) = update.enabled {
        config.backup.enabled = enabled;
    }
    if let Some(v) = update.auto_backup_new {
        config.backup.auto_backup_new = v;
    }
    if let Some(v) = update.warn_before_delete_last_copy {
        config.backup.warn_before_delete_last_copy = v;
    }
    let path = config.backup.path.as_deref().filter(|p| !p.trim().is_empty()).map(PathBuf::from);
    let (mut initialized, mut adopted) = (false, false);
    let path_changed = config.backup.path != before.path;
    if config.backup.enabled && (update.enabled == Some(true) || path_changed) {
        let Some(path) = &path else {
            return Err(Error::invalid("backup storage needs a folder: choose where the backup goes"));
        };
        probe::answers(path)?;
        validate_path(store.root(), path)?;
        let drive = BackupLayout::new(path);
        let refuse = |drive: &BackupLayout| match aliasing(store.root(), drive) {
            Some(reason) => Err(Error::invalid(format!("refused: {reason}"))),
            None => Ok(()),
        };
        refuse(&drive)?;
        let targets = target::load(layout)?;
        let mut primary = target::primary_of(layout, config, &targets);
        if let Some(other) = target::same_place(&target::all_of(layout, config, &targets), path, Some(&primary.name)) {
            return Err(Error::invalid(format!(
                "refused: {} is the folder of the backup target {:?} already (the same folder, maybe through a link): one place holds one copy. Choose a folder on another drive",
                path.display(),
                other.name
            )));
        }
        (initialized, adopted) = initialise(&drive)?;
        refuse(&drive)?;
        let id = read_id(&drive);
        primary.path = Some(path.clone());
        primary.backup_id = id.clone();
        if let Some(id) = &id {
            target::remember_id(layout, &primary, id)?;
        }
        let (mut catalog, _) = Catalog::for_drive(layout, &primary, drive.path(), id.as_deref());
        catalog.replace_blobs(&blobs::scan(&drive.blobs())?.blobs);
        catalog.save(layout)?;
    }
    let changed = serde_json::to_value(&config.backup).ok() != serde_json::to_value(&before).ok();
    Ok(BackupConfigResult {
        enabled: config.backup.enabled,
        path,
        auto_backup_new: config.backup.auto_backup_new,
        warn_before_delete_last_copy: config.backup.warn_before_delete_last_copy,
        changed,
        initialized,
        adopted,
        backup_id: None,
        connected: false,
        error: None,
    })
}

/// The connection part of a configure result, once `config` is what is on disk.
pub(crate) fn finish(store: &Store, config: &ConfigFile, mut r: BackupConfigResult) -> BackupConfigResult {
    let state = BackupState::detect_for(store.layout(), config);
    r.backup_id = state.connected().and_then(read_id);
    r.connected = state.connected().is_some();
    r.error = state.reason();
    r
}

/// Creates the backup tree at the drive and gives it an id. Returns
/// (`initialized`: the tree is new, `adopted`: an existing tree got an id).
pub(crate) fn initialise(drive: &BackupLayout) -> Result<(bool, bool)> {
    let path = drive.path();
    if !path.exists() {
        match path.parent() {
            Some(parent) if parent.is_dir() => fs::create_dir(path).map_err(Error::io("create directory", path))?,
            _ => {
                return Err(Error::invalid(format!(
                    "neither {} nor its parent folder exists: is the drive mounted? Create the folder first, then enable the backup again",
                    path.display()
                )))
            }
        }
    }
    if !path.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder", path.display())));
    }
    let tree = drive.tree();
    let existed = tree.root().is_dir();
    for dir in [tree.blobs().root().to_path_buf(), tree.tmp(), tree.state()] {
        mkdirs_under(path, &dir)?;
    }
    let _lock = StoreLock::acquire(&drive.lock_file(), "backup config", lock::default_wait())?;
    let (_, written) = ensure_id(drive)?;
    Ok((!existed, existed && written))
}

/// Checks a backup folder: absolute, not inside the store, and not holding the
/// store. Symlinks in the part of the path that exists are resolved first.
pub(crate) fn validate_path(store_root: &Path, path: &Path) -> Result<PathBuf> {
    if !path.is_absolute() {
        return Err(Error::invalid(format!("the backup path {} must be absolute", path.display())));
    }
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(Error::invalid(format!("the backup path {} must not contain `..`", path.display())));
    }
    let target = resolve(path);
    let store = resolve(store_root);
    if target.starts_with(&store) {
        return Err(Error::invalid(format!(
            "the backup path {} is inside the store {}: a backup must live outside it (on another drive, ideally)",
            path.display(),
            store_root.display()
        )));
    }
    if store.starts_with(&target) {
        return Err(Error::invalid(format!(
            "the store {} is inside the backup path {}: choose a folder of its own for the backup (e.g. {})",
            store_root.display(),
            path.display(),
            path.join("synapse-backup").display()
        )));
    }
    Ok(path.to_path_buf())
}

/// The canonical form of the longest existing prefix of `p`, plus the rest.
fn resolve(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_owned()), existing.parent().map(Path::to_path_buf)) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

/// `backup status`: the configuration, whether the drive is there, and what it holds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupStatus {
    pub enabled: bool,
    pub connected: bool,
    /// The target's state in one word (`unresponsive` when its mount hangs).
    pub state: TargetState,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    /// Why the drive is not connected (it looks unplugged, another drive, ...).
    pub error: Option<String>,
    /// The drive's identity (`<path>/.synapse/backup-id`), live or as last seen.
    pub backup_id: Option<String>,
    /// Where the counts come from: the drive itself, or the cached catalog while it is unplugged.
    pub source: BackupSource,
    /// Blobs on the backup.
    pub total_blobs: u64,
    pub total_bytes: u64,
    /// Free and total space of the drive's filesystem (only while connected).
    pub free_space: Option<u64>,
    pub total_space: Option<u64>,
    pub last_sync: Option<String>,
    pub auto_backup_new: bool,
    pub warn_before_delete_last_copy: bool,
    pub blobs_local_only: u64,
    pub blobs_backup_only: u64,
    pub blobs_both: u64,
    pub bytes_local_only: u64,
    pub bytes_backup_only: u64,
    pub bytes_synced: u64,
    /// New blobs waiting for the drive (`auto_backup_new`).
    pub queued_auto_backups: u64,
}

/// `backup config`: the configuration after the change and what was done to the drive.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupConfigResult {
    pub enabled: bool,
    #[serde(serialize_with = "lossy::opt_path")]
    pub path: Option<PathBuf>,
    pub auto_backup_new: bool,
    pub warn_before_delete_last_copy: bool,
    /// True when config.json was rewritten.
    pub changed: bool,
    /// True when `<path>/.synapse/store` was created now.
    pub initialized: bool,
    /// True when an existing backup without an id (written by the original program) was given one.
    pub adopted: bool,
    pub backup_id: Option<String>,
    pub connected: bool,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_the_store_or_holding_it_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let store = d.path().join("home/.synapse/store");
        fs::create_dir_all(&store).unwrap();
        assert!(validate_path(&store, &store.join("backup")).is_err());
        assert!(validate_path(&store, &store).is_err());
        assert!(validate_path(&store, &d.path().join("home")).is_err());
        assert!(validate_path(&store, Path::new("relative/dir")).is_err());
        assert!(validate_path(&store, &d.path().join("mnt/../home/.synapse/store/x")).is_err());
        assert!(validate_path(&store, &d.path().join("mnt/usb/synapse-backup")).is_ok());
        // Through a symlink that points into the store.
        std::os::unix::fs::symlink(&store, d.path().join("link")).unwrap();
        assert!(validate_path(&store, &d.path().join("link/sub")).is_err());
    }
}
