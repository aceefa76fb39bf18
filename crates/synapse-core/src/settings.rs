//! Saving the Settings page as a whole (SPEC §3.11, §6 "one Save button"):
//! one core call that validates everything first and writes `config.json`
//! once, so a failure never leaves the settings half saved.

use crate::error::Result;
use crate::store::Store;
use crate::target::backup::BackupConfigResult;
use crate::target::backup::{self, ConfigUpdate};
use crate::ui_targets::{self, TargetEdit};

/// Everything the Settings page edits.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SettingsUpdate {
    pub backup: ConfigUpdate,
    /// The whole list of UI targets, as edited.
    pub ui_targets: Vec<TargetEdit>,
}

/// Saves the settings under the store lock: the UI targets are checked, the
/// backup part is validated (and a newly enabled backup initialised on its
/// drive), and only then is `config.json` written, once, keeping every field
/// it does not edit. Any error saves nothing.
pub fn save(store: &Store, update: &SettingsUpdate) -> Result<BackupConfigResult> {
    let _lock = store.lock("settings")?;
    let mut config = store.config()?;
    let before = config.clone();
    // Targets first (checked and put in place in memory, without touching any
    // disk), so a bad target refuses the save before a backup is initialised.
    ui_targets::apply_targets(&mut config, &update.ui_targets)?;
    let mut r = backup::configure_in(store, &mut config, &update.backup)?;
    r.changed = serde_json::to_value(&config).ok() != serde_json::to_value(&before).ok();
    if r.changed {
        store.save_config(&config)?;
    }
    Ok(backup::finish(store, &config, r))
}
