//! The state of a target's storage right now (SPEC §3.6): disabled, without
//! a path, connected (and *ours*), online (a bucket), disconnected or
//! unresponsive — [`BackupState`], worked out without writing anything — and
//! the drive identity (`<path>/.synapse/backup-id`) it is told by. The
//! catalogs and the sessions of [`crate::target::backup`] both build on it.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::store::fsutil::fsync_dir;
use crate::store::layout::{BackupLayout, StoreLayout};
use crate::store::probe;
use crate::store::schema::ConfigFile;
use crate::store::Store;
use crate::target::Target;
use crate::vocab::TargetState;

/// The backup storage's state right now.
#[derive(Debug, Clone)]
pub enum BackupState {
    /// Not configured or switched off.
    Disabled {
        path: Option<PathBuf>,
    },
    /// Enabled in `config.json`, but no path is configured: enabled and not
    /// connected (SPEC §3.6), never shown as disabled.
    NoPath,
    /// Configured, but the drive (or its `.synapse/store`) is not there, or
    /// another drive is mounted at the path.
    Disconnected {
        path: PathBuf,
        reason: String,
    },
    Connected {
        layout: BackupLayout,
    },
    /// A bucket target (SPEC §3.13) that answered, with its prefix's
    /// identity (`None`: a prefix nobody has claimed yet).
    Online {
        bucket: std::sync::Arc<crate::target::s3::Bucket>,
        identity: Option<crate::target::s3::Identity>,
        /// Another store owns the prefix: read and restore only.
        read_only: bool,
    },
    /// Its filesystem did not answer within the time limit (a hung network
    /// or FUSE mount, SPEC §3.12): treated as not connected, and nothing waits for it.
    Unresponsive {
        path: PathBuf,
        waited: Duration,
    },
}

impl BackupState {
    /// Works out the state of the original's target from the config by
    /// looking at the disk (without the identity check of [`BackupState::of`]).
    pub fn detect(config: &ConfigFile) -> BackupState {
        let path = config.backup.path.as_deref().filter(|p| !p.trim().is_empty()).map(PathBuf::from);
        Self::probed(path, config.backup.enabled, probe::metadata_timeout(), Self::look)
    }

    /// The state of `target` by looking at the disk (without the identity check).
    pub(crate) fn detect_target(target: &Target) -> BackupState {
        if target.s3.is_some() {
            return Self::bucket_within(None, target, probe::metadata_timeout());
        }
        Self::probed(target.path.clone(), target.enabled, probe::metadata_timeout(), Self::look)
    }

    /// A bucket target's state: asked on a probe thread (its identity object),
    /// unresponsive when the server does not answer within `limit`; a prefix
    /// with another id than the one this store knows is another target.
    fn bucket_within(store_root: Option<&Path>, target: &Target, limit: Duration) -> BackupState {
        let place = target.place().unwrap_or_default();
        if !target.enabled {
            return BackupState::Disabled { path: Some(place) };
        }
        let (t, root) = (target.clone(), store_root.map(Path::to_path_buf));
        probe::within(&place, limit, move || Self::bucket_now(root.as_deref(), &t))
            .unwrap_or(BackupState::Unresponsive { path: place, waited: limit })
    }

    fn bucket_now(store_root: Option<&Path>, target: &Target) -> BackupState {
        let place = target.place().unwrap_or_default();
        let looked = crate::target::s3::open_target(target).and_then(|b| Ok((b.identity()?, b)));
        match looked {
            Err(e) => BackupState::Disconnected { path: place, reason: e.to_string() },
            Ok((Some(id), _)) if target.backup_id.as_deref().is_some_and(|known| known != id.backup_id) => {
                BackupState::Disconnected {
                    path: place,
                    reason: format!(
                        "{} holds another Synapse target (id {}) than the one this store knows (id {}): was the prefix emptied and used again? Remove the target and add it again to use it",
                        target.place().unwrap_or_default().display(),
                        id.backup_id,
                        target.backup_id.as_deref().unwrap_or_default()
                    ),
                }
            }
            Ok((identity, bucket)) => {
                let read_only = match (&identity, store_root) {
                    (Some(i), Some(root)) => i.foreign_to(&StoreLayout::new(root)),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                BackupState::Online { bucket: std::sync::Arc::new(bucket), identity, read_only }
            }
        }
    }

    /// The state without touching the disk when that says enough (switched
    /// off, no folder); otherwise `ask` about the folder on a probe thread,
    /// unresponsive when it does not answer within `limit`.
    fn probed(
        path: Option<PathBuf>,
        enabled: bool,
        limit: Duration,
        ask: impl FnOnce(PathBuf) -> BackupState + Send + 'static,
    ) -> BackupState {
        match path {
            Some(p) if enabled => probe::within(&p, limit, {
                let p = p.clone();
                move || ask(p)
            })
            .unwrap_or(BackupState::Unresponsive { path: p, waited: limit }),
            None if enabled => BackupState::NoPath,
            other => BackupState::Disabled { path: other },
        }
    }

    fn look(path: PathBuf) -> BackupState {
        match check(&path) {
            Ok(()) => BackupState::Connected { layout: BackupLayout::new(path) },
            Err(reason) => BackupState::Disconnected { path, reason },
        }
    }

    /// The state of the target `store` works on ([`Store::on_target`]), with
    /// the checks of [`BackupState::of`].
    pub(crate) fn for_store(store: &Store) -> Result<BackupState> {
        Ok(Self::of(store.layout(), &store.target()?))
    }

    /// The state of the original's target, with the checks of [`BackupState::of`].
    pub fn detect_for(store: &StoreLayout, config: &ConfigFile) -> BackupState {
        match crate::target::load(store) {
            Ok(file) => Self::of(store, &crate::target::primary_of(store, config, &file)),
            // An unreadable targets file leaves the identity unchecked, never the drive unusable.
            Err(_) => Self::detect(config),
        }
    }

    /// Like [`BackupState::detect_target`], and a connected drive must also be
    /// the one this store knows: its `backup-id` matches the one the store
    /// recorded for the target (or one of them has none yet).
    ///
    /// The drive must also not *be* the store, whatever the paths say: a
    /// backup path that reaches the store through a symlink or a bind mount
    /// (its `.synapse/store` is the store's own folder, or one holds the
    /// other) is disconnected with the reason, checked on identities (device,
    /// inode) every time, not only when it was configured. Otherwise every
    /// blob would look backed up, and deleting "the local copy" would delete
    /// the only one.
    ///
    /// The disk is asked on a probe thread: a drive that does not answer
    /// within the metadata timeout (5 s) is [`BackupState::Unresponsive`].
    pub fn of(store: &StoreLayout, target: &Target) -> BackupState {
        Self::of_within(store, target, probe::metadata_timeout())
    }

    /// [`BackupState::of`] waiting at most `limit` for the drive.
    pub(crate) fn of_within(store: &StoreLayout, target: &Target, limit: Duration) -> BackupState {
        if target.s3.is_some() {
            return Self::bucket_within(Some(store.root()), target, limit);
        }
        let root = store.root().to_path_buf();
        let known = target.backup_id.clone();
        Self::probed(target.path.clone(), target.enabled, limit, move |path| Self::checked(&root, Self::look(path), known.as_deref()))
    }

    /// [`BackupState::of`] on the calling thread, for a caller that runs it on a probe of its own.
    pub(crate) fn checked_now(store_root: &Path, target: &Target) -> BackupState {
        if target.s3.is_some() {
            return if target.enabled {
                Self::bucket_now(Some(store_root), target)
            } else {
                BackupState::Disabled { path: target.place() }
            };
        }
        match &target.path {
            Some(p) if target.enabled => Self::checked(store_root, Self::look(p.clone()), target.backup_id.as_deref()),
            None if target.enabled => BackupState::NoPath,
            other => BackupState::Disabled { path: other.clone() },
        }
    }

    /// The identity checks of [`BackupState::of`] on a drive found connected.
    fn checked(store_root: &Path, state: BackupState, known_id: Option<&str>) -> BackupState {
        let BackupState::Connected { layout: drive } = &state else { return state };
        if let Some(reason) = aliasing(store_root, drive) {
            return BackupState::Disconnected { path: drive.path().to_path_buf(), reason };
        }
        match (read_id(drive), known_id) {
            (Some(id), Some(known_id)) if id != known_id => {
                let shown = drive.path().display();
                BackupState::Disconnected {
                    path: drive.path().to_path_buf(),
                    reason: format!(
                        "{shown} holds a different Synapse backup (id {id}) than the one this store uses (id {known_id}): is another drive mounted there? To use this drive as the backup from now on, enable the backup on this path again"
                    ),
                }
            }
            _ => state,
        }
    }

    pub fn enabled(&self) -> bool {
        !matches!(self, BackupState::Disabled { .. })
    }

    /// The state in one word, as the summary shows it.
    pub fn word(&self) -> TargetState {
        match self {
            BackupState::Disabled { .. } => TargetState::Disabled,
            BackupState::NoPath => TargetState::NoPath,
            BackupState::Disconnected { .. } => TargetState::Disconnected,
            BackupState::Unresponsive { .. } => TargetState::Unresponsive,
            BackupState::Connected { .. } | BackupState::Online { .. } => TargetState::Connected,
        }
    }

    pub fn connected(&self) -> Option<&BackupLayout> {
        match self {
            BackupState::Connected { layout } => Some(layout),
            _ => None,
        }
    }

    pub fn path(&self) -> Option<PathBuf> {
        match self {
            BackupState::Disabled { path } => path.clone(),
            BackupState::NoPath => None,
            BackupState::Disconnected { path, .. } => Some(path.clone()),
            BackupState::Connected { layout } => Some(layout.path().to_path_buf()),
            BackupState::Online { bucket, .. } => Some(PathBuf::from(bucket.location.url())),
            BackupState::Unresponsive { path, .. } => Some(path.clone()),
        }
    }

    /// Why the drive cannot be used, for status displays.
    pub fn reason(&self) -> Option<String> {
        match self {
            BackupState::Disconnected { reason, .. } => Some(reason.clone()),
            BackupState::NoPath => Some(NO_PATH.to_owned()),
            BackupState::Unresponsive { .. } => self.require().err().map(|e| e.to_string()),
            _ => None,
        }
    }

    /// `Ok` when the target can be used now (a folder connected, a bucket
    /// answering), else the error [`BackupState::require`] gives.
    pub fn usable(&self) -> Result<()> {
        match self {
            BackupState::Online { .. } => Ok(()),
            other => other.require().map(|_| ()),
        }
    }

    /// `foreign_target` for a bucket prefix another store owns (read and
    /// restore only, SPEC §3.13); `Ok` for everything else.
    pub(crate) fn writable(&self, target: &str) -> Result<()> {
        match self {
            BackupState::Online { read_only: true, identity: Some(i), .. } => {
                Err(Error::ForeignTarget { target: target.to_owned(), owner: i.owner.clone() })
            }
            _ => Ok(()),
        }
    }

    /// The bucket, when this is a bucket target that answered.
    pub fn bucket(&self) -> Option<&std::sync::Arc<crate::target::s3::Bucket>> {
        match self {
            BackupState::Online { bucket, .. } => Some(bucket),
            _ => None,
        }
    }

    /// The backup layout, or the `backup_not_enabled` / `backup_not_connected` error.
    pub fn require(&self) -> Result<&BackupLayout> {
        match self {
            BackupState::Disabled { .. } => Err(Error::BackupNotEnabled),
            BackupState::NoPath => {
                Err(Error::BackupNotConnected { path: PathBuf::new(), reason: format!("{NO_PATH}: choose the backup folder") })
            }
            BackupState::Disconnected { path, reason } => Err(Error::BackupNotConnected { path: path.clone(), reason: reason.clone() }),
            BackupState::Connected { layout } => Ok(layout),
            BackupState::Online { bucket, .. } => Err(Error::invalid(format!(
                "target {:?} is a bucket ({}): this works on folder targets only",
                bucket.name,
                bucket.location.url()
            ))),
            BackupState::Unresponsive { path, waited } => Err(Error::Unresponsive { path: path.clone(), seconds: waited.as_secs_f64() }),
        }
    }
}

/// Why the drive at `drive` is the store itself, or holds it, or lies inside
/// it, by identity (see [`BackupState::detect_for`]); `None` when it is a place of its own.
pub fn aliasing(store_root: &Path, drive: &BackupLayout) -> Option<String> {
    let store = crate::store::tree::ancestry(store_root);
    let tree = crate::store::tree::ancestry(&drive.store_root());
    let path = crate::store::tree::ancestry(drive.path());
    let store_id = store.first()?;
    let shown = drive.path().display();
    if tree.first() == Some(store_id) {
        return Some(format!(
            "{shown} leads back to this store ({}): its .synapse/store is the store's own folder (through a symbolic link or a bind mount), so it holds no second copy of anything. Choose a folder on another drive",
            store_root.display()
        ));
    }
    if path.contains(store_id) {
        return Some(format!(
            "{shown} is inside the store {} (through a symbolic link or a bind mount): a backup must live outside it, on another drive ideally",
            store_root.display()
        ));
    }
    if [path.first(), tree.first()].into_iter().flatten().any(|id| store.contains(id)) {
        return Some(format!(
            "the store {} is inside the backup folder {shown} (through a symbolic link or a bind mount): choose a folder of its own for the backup",
            store_root.display()
        ));
    }
    None
}

/// Why an enabled backup without a path is not connected (`backup status` `error`).
pub(crate) const NO_PATH: &str = "no backup path configured";

/// Why a configured path is not a usable backup, in words for the user.
fn check(path: &Path) -> std::result::Result<(), String> {
    let shown = path.display();
    let unplugged = "is the drive plugged in and mounted?";
    match fs::read_dir(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(format!("{shown} does not exist ({unplugged})")),
        Err(e) => return Err(format!("{shown} cannot be read: {e} ({unplugged})")),
        Ok(mut entries) => {
            if entries.next().is_none() {
                return Err(format!(
                    "{shown} is empty: the drive looks unplugged ({unplugged}). To start a new backup there, enable the backup on this path again"
                ));
            }
        }
    }
    let store = BackupLayout::new(path).store_root();
    match fs::metadata(&store) {
        Ok(m) if m.is_dir() => {}
        _ => {
            return Err(format!(
                "{shown} holds no Synapse backup ({} is missing): wrong drive? To start a new backup there, enable the backup on this path again",
                store.display()
            ))
        }
    }
    fs::read_dir(&store).map(|_| ()).map_err(|e| format!("{} cannot be read: {e}", store.display()))
}

/// The drive's identity from `<path>/.synapse/backup-id`, if it has a usable one.
pub(crate) fn read_id(drive: &BackupLayout) -> Option<String> {
    let text = fs::read_to_string(drive.id_file()).ok()?;
    let id = text.trim();
    let usable = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    usable.then(|| id.to_owned())
}

/// The drive's id, written once when it has none (a backup made by the
/// original program). Returns the id and whether it was written now. The
/// file goes into the existing `.synapse` folder only: a drive that vanished
/// meanwhile makes this fail instead of recreating the folder.
pub(crate) fn ensure_id(drive: &BackupLayout) -> Result<(String, bool)> {
    if let Some(id) = read_id(drive) {
        return Ok((id, false));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let dir = drive.synapse_dir();
    let tmp = dir.join(format!(".backup-id.{}.part", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = File::create(&tmp).map_err(Error::io("create", &tmp))?;
        f.write_all(format!("{id}\n").as_bytes()).map_err(Error::io("write", &tmp))?;
        f.sync_all().map_err(Error::io("fsync", &tmp))?;
        fs::rename(&tmp, drive.id_file()).map_err(Error::io("rename into place", drive.id_file()))?;
        fsync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| (id, true))
}
