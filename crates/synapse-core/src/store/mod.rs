//! Opening, initialising and configuring a store.

pub(crate) mod disk;
pub mod fsutil;
pub mod integrity;
pub mod layout;
pub mod ledger;
pub mod lock;
pub mod probe;
pub mod schema;
pub mod tree;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::store::layout::StoreLayout;
use crate::store::lock::StoreLock;
use crate::store::schema::ConfigFile;

/// An opened store. Cheap to clone; holds no open files.
///
/// A store value also names the backup target its backup operations work on
/// ([`Store::on_target`]; the original's target unless another is chosen),
/// the way `--target NAME` chooses one for every `backup …` command.
#[derive(Debug, Clone)]
pub struct Store {
    layout: StoreLayout,
    target: Option<String>,
}

/// The store root from an explicit flag, `SYNAPSE_ROOT`, or `~/.synapse/store`.
pub fn default_root(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("SYNAPSE_ROOT").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".synapse/store")
}

impl Store {
    /// Creates the directory skeleton and a default config where missing.
    /// Existing files are left alone, so `init` on an existing store is harmless.
    pub fn init(root: &Path) -> Result<Store> {
        let layout = StoreLayout::new(root);
        for dir in [layout.blobs().root().to_path_buf(), layout.tmp(), layout.cache(), layout.packs()] {
            fs::create_dir_all(&dir).map_err(Error::io("create directory", &dir))?;
        }
        if !layout.config().exists() {
            layout.write_json(&layout.config(), &ConfigFile::default())?;
        }
        Ok(Store { layout, target: None })
    }

    /// Opens an existing store.
    pub fn open(root: &Path) -> Result<Store> {
        let layout = StoreLayout::new(root);
        if !layout.exists() {
            return Err(Error::StoreNotFound { root: root.to_path_buf() });
        }
        Ok(Store { layout, target: None })
    }

    /// The same store, its backup operations working on the target `name`
    /// (`None`: the original's). `not_found` when there is no such target.
    pub fn on_target(&self, name: Option<&str>) -> Result<Store> {
        let store = Store { layout: self.layout.clone(), target: name.map(str::to_owned) };
        store.target()?;
        Ok(store)
    }

    /// The name of the target chosen with [`Store::on_target`] (`None`: the original's).
    pub(crate) fn target_name(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The target backup operations on this value work on.
    pub fn target(&self) -> Result<crate::target::Target> {
        crate::target::find(&self.layout, &self.config()?, self.target.as_deref())
    }

    /// The target given the config already read.
    pub(crate) fn target_with(&self, config: &ConfigFile) -> Result<crate::target::Target> {
        crate::target::find(&self.layout, config, self.target.as_deref())
    }

    pub fn layout(&self) -> &StoreLayout {
        &self.layout
    }

    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// The config, or the defaults when the store has none yet.
    pub fn config(&self) -> Result<ConfigFile> {
        let p = self.layout.config();
        if !p.exists() {
            return Ok(ConfigFile::default());
        }
        self.layout.read_json(&p)
    }

    pub fn save_config(&self, config: &ConfigFile) -> Result<()> {
        self.layout.write_json(&self.layout.config(), config)
    }

    /// Takes the store's exclusive lock for a mutating operation.
    pub fn lock(&self, operation: &str) -> Result<StoreLock> {
        self.lock_wait(operation, crate::store::lock::default_wait())
    }

    pub fn lock_wait(&self, operation: &str, wait: Duration) -> Result<StoreLock> {
        StoreLock::acquire(&self.layout.lock_file(), operation, wait)
    }
}
