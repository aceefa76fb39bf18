//! The backup storage as seen from the store: is it enabled, is the drive
//! connected, where its blobs are. Copying to and from it lives in its own
//! module; this one only decides *whether* it may be touched.

use std::fs;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::layout::BackupLayout;
use crate::schema::ConfigFile;

/// The backup storage's state right now.
#[derive(Debug, Clone)]
pub enum BackupState {
    /// Not configured or switched off.
    Disabled {
        path: Option<PathBuf>,
    },
    /// Configured, but the drive (or its `.synapse/store`) is not there.
    Disconnected {
        path: PathBuf,
        reason: String,
    },
    Connected {
        layout: BackupLayout,
    },
}

impl BackupState {
    /// Works out the state from the config by looking at the disk.
    pub fn detect(config: &ConfigFile) -> BackupState {
        let path = config.backup.path.as_deref().filter(|p| !p.trim().is_empty()).map(PathBuf::from);
        let path = match path {
            Some(p) if config.backup.enabled => p,
            other => return BackupState::Disabled { path: other },
        };
        match check(&path) {
            Ok(()) => BackupState::Connected { layout: BackupLayout::new(path) },
            Err(reason) => BackupState::Disconnected { path, reason },
        }
    }

    pub fn enabled(&self) -> bool {
        !matches!(self, BackupState::Disabled { .. })
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
            BackupState::Disconnected { path, .. } => Some(path.clone()),
            BackupState::Connected { layout } => Some(layout.path().to_path_buf()),
        }
    }

    /// The backup layout, or the `backup_not_enabled` / `backup_not_connected` error.
    pub fn require(&self) -> Result<&BackupLayout> {
        match self {
            BackupState::Disabled { .. } => Err(Error::BackupNotEnabled),
            BackupState::Disconnected { path, reason } => Err(Error::BackupNotConnected { path: path.clone(), reason: reason.clone() }),
            BackupState::Connected { layout } => Ok(layout),
        }
    }
}

/// Why a configured path is not a usable backup, in words for the user.
fn check(path: &std::path::Path) -> std::result::Result<(), String> {
    let shown = path.display();
    let unplugged = "is the drive plugged in and mounted?";
    match fs::read_dir(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(format!("{shown} does not exist ({unplugged})")),
        Err(e) => return Err(format!("{shown} cannot be read: {e} ({unplugged})")),
        Ok(mut entries) => {
            if entries.next().is_none() {
                return Err(format!(
                    "{shown} is empty: the drive looks unplugged ({unplugged}). To start a new backup there, run `synapse backup config --path {shown} --enable`"
                ));
            }
        }
    }
    let store = BackupLayout::new(path).store_root();
    match fs::metadata(&store) {
        Ok(m) if m.is_dir() => {}
        _ => {
            return Err(format!(
                "{shown} holds no Synapse backup ({} is missing): wrong drive? To start a new backup there, run `synapse backup config --path {shown} --enable`",
                store.display()
            ))
        }
    }
    fs::read_dir(&store).map(|_| ()).map_err(|e| format!("{} cannot be read: {e}", store.display()))
}
