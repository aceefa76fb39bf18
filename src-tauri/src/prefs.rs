//! The app's own preferences (not the store's config): which store was open
//! last, and whether attached drives are scrubbed in the background. Kept in the platform's config directory as a small JSON file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use synapse_core::fsutil::{read_json, write_json_atomic};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Prefs {
    #[serde(default)]
    pub last_store: Option<PathBuf>,
    /// The user switched the background scrub of attached drives off.
    #[serde(default)]
    pub background_scrub_off: bool,
}

const FILE: &str = "desktop.json";

pub fn load(config_dir: &Path) -> Prefs {
    read_json(&config_dir.join(FILE)).unwrap_or_default()
}

/// Remembers the open store; failing to write preferences never fails the operation.
pub fn remember_store(config_dir: &Path, root: &Path) {
    let mut prefs = load(config_dir);
    prefs.last_store = Some(root.to_path_buf());
    if std::fs::create_dir_all(config_dir).is_ok() {
        let _ = write_json_atomic(&config_dir.join(FILE), &prefs);
    }
}

/// Remembers whether attached drives are scrubbed in the background.
pub fn set_background_scrub(config_dir: &Path, enabled: bool) {
    let mut prefs = load(config_dir);
    prefs.background_scrub_off = !enabled;
    if std::fs::create_dir_all(config_dir).is_ok() {
        let _ = write_json_atomic(&config_dir.join(FILE), &prefs);
    }
}

/// SPEC §6: `SYNAPSE_ROOT` when set, else the store open last (if it still
/// exists), else the default `~/.synapse/store`.
pub fn initial_root(config_dir: Option<&Path>) -> PathBuf {
    if let Some(root) = std::env::var_os("SYNAPSE_ROOT").filter(|r| !r.is_empty()) {
        return PathBuf::from(root);
    }
    if let Some(last) = config_dir.map(load).and_then(|p| p.last_store).filter(|p| synapse_core::Store::open(p).is_ok()) {
        return last;
    }
    synapse_core::store::default_root(None)
}

/// Where "Open the demo store" creates it: `~/.synapse/demo`.
pub fn demo_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".synapse/demo")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config");
        assert_eq!(load(&config).last_store, None);
        remember_store(&config, Path::new("/data/store"));
        assert_eq!(load(&config).last_store.as_deref(), Some(Path::new("/data/store")));
        set_background_scrub(&config, false);
        let prefs = load(&config);
        assert!(prefs.background_scrub_off);
        assert_eq!(prefs.last_store.as_deref(), Some(Path::new("/data/store")), "one preference keeps the other");
    }
}
