//! Paths of the store v2 layout (SPEC §2), for the local store and the backup
//! mirror. Nothing else in the core joins path segments of the layout by hand.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::ids::{PackName, Sha256};
use crate::store::tree::Tree;

/// `data/blobs/sha256` below a store root; the same on both sides.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
    /// The store tree the blob folder belongs to (what a [`Tree`] opens).
    tree: PathBuf,
    /// A backup mirror keeps manifests in `data/meta/`, not beside the blobs (SPEC §2).
    mirror: bool,
}

impl BlobDir {
    /// The blob folder `root` (`<tree>/data/blobs/sha256`) of a local store.
    pub fn new(root: PathBuf) -> Self {
        let tree = root.ancestors().nth(3).unwrap_or(&root).to_path_buf();
        Self { root, tree, mirror: false }
    }

    fn in_tree(tree: &Path, mirror: bool) -> Self {
        Self { root: tree.join("data/blobs/sha256"), tree: tree.to_path_buf(), mirror }
    }

    /// The `.../data/blobs/sha256` directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Opens the store tree, the door to every file of this blob folder.
    pub fn tree(&self) -> Result<Tree> {
        Tree::open(&self.tree)
    }

    pub(crate) fn is_mirror(&self) -> bool {
        self.mirror
    }

    pub fn blob(&self, sha: &Sha256) -> PathBuf {
        self.root.join(sha.fanout()).join(sha.as_str())
    }

    /// Where the blob's manifest is written: beside the blob locally,
    /// `data/meta/sha256/<aa>/` on a backup mirror.
    pub fn meta(&self, sha: &Sha256) -> PathBuf {
        if self.mirror {
            self.tree.join("data/meta/sha256").join(sha.fanout()).join(format!("{sha}.meta"))
        } else {
            self.legacy_meta(sha)
        }
    }

    /// A manifest beside the blob (the local layout, and where earlier
    /// versions wrote them on a backup mirror).
    pub fn legacy_meta(&self, sha: &Sha256) -> PathBuf {
        self.root.join(sha.fanout()).join(format!("{sha}.meta"))
    }

    pub fn part(&self, sha: &Sha256) -> PathBuf {
        self.root.join(sha.fanout()).join(format!("{sha}.part"))
    }
}

/// The local store under its root directory.
#[derive(Debug, Clone)]
pub struct StoreLayout {
    root: PathBuf,
    mirror: bool,
}

/// `path` made absolute against the current directory (no link is resolved);
/// as it was when the current directory cannot be read.
fn absolute(path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        path
    } else {
        std::path::absolute(&path).unwrap_or(path)
    }
}

impl StoreLayout {
    /// A store at `root`; a relative root is taken from the current directory
    /// now, so every path below it is absolute and means the same file
    /// wherever it is used (the tree reads a relative path as relative to its root).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: absolute(root.into()), mirror: false }
    }

    /// The store tree of a backup mirror (`<backup>/.synapse/store`).
    pub(crate) fn mirror(root: impl Into<PathBuf>) -> Self {
        Self { root: absolute(root.into()), mirror: true }
    }

    /// Opens the tree: every file below the root is reached through it.
    pub fn tree(&self) -> Result<Tree> {
        Tree::open(&self.root)
    }

    /// Reads a JSON file of the store through its tree (never through a link).
    pub fn read_json<T: serde::de::DeserializeOwned>(&self, path: &Path) -> Result<T> {
        self.tree()?.read_json(path)
    }

    /// Writes a JSON file of the store atomically through its tree.
    pub(crate) fn write_json<T: serde::Serialize + ?Sized>(&self, path: &Path, value: &T) -> Result<()> {
        self.tree()?.write_json_atomic(path, value)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    pub fn blobs(&self) -> BlobDir {
        BlobDir::in_tree(&self.root, self.mirror)
    }

    pub fn tmp(&self) -> PathBuf {
        self.root.join("data/tmp")
    }

    /// `data/store-id`: this store's identity, written when it first claims a
    /// bucket prefix (SPEC §3.13: a prefix belongs to one store).
    pub(crate) fn store_id(&self) -> PathBuf {
        self.data().join("store-id")
    }

    pub fn cache(&self) -> PathBuf {
        self.root.join("data/cache")
    }

    /// The kinds blob headers said, by hash (`kind::KindCache`).
    pub fn kinds_cache(&self) -> PathBuf {
        self.cache().join("kinds.json")
    }

    pub fn ledger(&self) -> PathBuf {
        self.cache().join("verified.json")
    }

    /// The record of copies known to be corrupt (SPEC §3.12): a record, not a
    /// cache, so it sits beside the blobs rather than in `data/cache`.
    pub fn integrity(&self) -> PathBuf {
        self.data().join("integrity.json")
    }

    /// Where repair moves corrupt copies of this tree (never deleted by Synapse).
    pub fn quarantine(&self) -> PathBuf {
        self.data().join("quarantine")
    }

    /// The verification ledger of the backup drive's blobs (kept locally, like
    /// the catalog, so it survives the drive being unplugged).
    pub fn backup_ledger(&self) -> PathBuf {
        self.cache().join("verified-backup.json")
    }

    pub fn backup_catalog(&self) -> PathBuf {
        self.cache().join("backup-catalog.json")
    }

    /// When the backup drive was last synced (small, beside the catalog).
    pub(crate) fn backup_syncs(&self) -> PathBuf {
        self.cache().join("backup-syncs.json")
    }

    /// New blobs waiting for the backup drive (`auto_backup_new`): not a cache.
    pub(crate) fn backup_queue(&self) -> PathBuf {
        self.data().join("backup-queue.json")
    }

    /// The record of the links `use` and `adopt --link` made in UI folders
    /// (machine-specific, so in `data/`, not in the versioned `state/`).
    pub(crate) fn ui_links(&self) -> PathBuf {
        self.root.join("data/ui-links.json")
    }

    /// The partial file of a re-download of `sha`: a stable name, so an
    /// interrupted download resumes where it stopped.
    pub fn download_part(&self, sha: &Sha256) -> PathBuf {
        self.tmp().join(format!("{sha}.download.part"))
    }

    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    pub fn config(&self) -> PathBuf {
        self.state().join("config.json")
    }

    /// `state/targets.json`: the targets besides the original's, and the copies policy.
    pub fn targets(&self) -> PathBuf {
        self.state().join("targets.json")
    }

    pub fn packs(&self) -> PathBuf {
        self.state().join("packs")
    }

    /// `state/profiles/<name>/profile.json` (the original's profiles).
    pub fn profiles(&self) -> PathBuf {
        self.state().join("profiles")
    }

    pub fn pack_dir(&self, name: &PackName) -> PathBuf {
        self.packs().join(name.as_str())
    }

    pub fn pack_json(&self, name: &PackName) -> PathBuf {
        self.pack_dir(name).join("pack.json")
    }

    pub fn lock_json(&self, name: &PackName) -> PathBuf {
        self.pack_dir(name).join("lock.json")
    }

    pub fn lock_file(&self) -> PathBuf {
        self.root.join(".synapse.lock")
    }

    /// True when the root looks like a store (has `data/` or `state/`).
    pub fn exists(&self) -> bool {
        self.data().is_dir() || self.state().is_dir()
    }
}

/// The mirror under `<backup path>/.synapse/store`.
#[derive(Debug, Clone)]
pub struct BackupLayout {
    path: PathBuf,
}

impl BackupLayout {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The configured backup path (the drive folder).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn synapse_dir(&self) -> PathBuf {
        self.path.join(".synapse")
    }

    pub fn store_root(&self) -> PathBuf {
        self.path.join(".synapse/store")
    }

    pub fn blobs(&self) -> BlobDir {
        BlobDir::in_tree(&self.store_root(), true)
    }

    /// The drive's store tree, `<path>/.synapse/store`, as a layout.
    pub fn tree(&self) -> StoreLayout {
        StoreLayout::mirror(self.store_root())
    }

    pub fn tmp(&self) -> PathBuf {
        self.store_root().join("data/tmp")
    }

    pub fn state(&self) -> PathBuf {
        self.store_root().join("state")
    }

    pub fn id_file(&self) -> PathBuf {
        self.synapse_dir().join("backup-id")
    }

    pub fn lock_file(&self) -> PathBuf {
        self.synapse_dir().join(".synapse.lock")
    }
}
