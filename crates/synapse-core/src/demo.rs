//! The demo store: a believable sample store plus a "backup drive" folder, so a
//! new user can try every feature at once (`synapse demo <dir>`).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct DemoInfo {
    pub store_root: PathBuf,
    pub backup_path: PathBuf,
    pub packs: usize,
    pub blobs: usize,
}

/// Creates `<dir>/store` and `<dir>/backup-drive`; refuses a non-empty store there.
pub fn create(dir: &Path) -> Result<DemoInfo> {
    let _ = dir;
    todo!("demo helper")
}
