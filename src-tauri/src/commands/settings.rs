//! Settings: the store's `config.json` fields the window edits (backup
//! storage and UI targets), read and saved in one piece ("one Save button").

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use synapse_core::backup::ConfigUpdate;
use synapse_core::model::BackupConfigResult;
use synapse_core::settings::SettingsUpdate;
use synapse_core::ui_targets::TargetEdit;
use synapse_core::WireError;
use tauri::{AppHandle, State};

use super::{blocking, wire};
use crate::events;
use crate::state::AppState;
use crate::watcher;

/// The backup part of `config.json` (SPEC §2.3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BackupSettings {
    pub enabled: bool,
    pub path: Option<String>,
    pub auto_backup_new: bool,
    pub warn_before_delete_last_copy: bool,
}

/// One UI installation Synapse can expose blobs into.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UiTargetSettings {
    pub name: String,
    /// `comfyui`, `forge`, `a1111` or `sdnext`.
    pub kind: String,
    pub path: String,
}

/// What the Settings page shows and saves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Settings {
    /// Read-only: the open store.
    pub store_root: String,
    pub backup: BackupSettings,
    pub ui_targets: Vec<UiTargetSettings>,
}

/// The saved settings and what saving did to the backup (initialised, connected, error).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SettingsSaved {
    pub settings: Settings,
    pub backup: BackupConfigResult,
}

fn read(store: &synapse_core::Store) -> Result<Settings, WireError> {
    let config = wire(store.config())?;
    Ok(Settings {
        store_root: store.root().display().to_string(),
        backup: BackupSettings {
            enabled: config.backup.enabled,
            path: config.backup.path.clone(),
            auto_backup_new: config.backup.auto_backup_new,
            warn_before_delete_last_copy: config.backup.warn_before_delete_last_copy,
        },
        ui_targets: config
            .ui_targets
            .iter()
            .map(|t| UiTargetSettings { name: t.name.clone(), kind: t.kind.clone(), path: t.path.clone() })
            .collect(),
    })
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Result<Settings, WireError> {
    let state = state.inner().clone();
    blocking(move || read(&state.store()?)).await
}

/// Saves the settings in one core call (`settings::save`): everything is
/// validated first and `config.json` is written once, keeping every field it
/// does not edit; an error saves nothing.
#[tauri::command]
pub async fn settings_save(app: AppHandle, state: State<'_, AppState>, settings: Settings) -> Result<SettingsSaved, WireError> {
    let state = state.inner().clone();
    let saved = blocking(move || {
        let store = state.store()?;
        let b = settings.backup;
        let update = SettingsUpdate {
            backup: ConfigUpdate {
                path: b.path.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).map(PathBuf::from),
                enabled: Some(b.enabled),
                auto_backup_new: Some(b.auto_backup_new),
                warn_before_delete_last_copy: Some(b.warn_before_delete_last_copy),
            },
            ui_targets: settings
                .ui_targets
                .into_iter()
                .map(|t| TargetEdit { name: t.name.trim().to_owned(), kind: t.kind, path: t.path })
                .collect(),
        };
        let backup = wire(synapse_core::settings::save(&store, &update))?;
        Ok(SettingsSaved { settings: read(&store)?, backup })
    })
    .await?;
    events::inventory_changed(&app, "settings");
    watcher::poke(&app);
    Ok(saved)
}
