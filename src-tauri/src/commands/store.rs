//! Which store is open: app info for the first screen, open/create, and the
//! demo store (first run, SPEC §6).

use std::path::{Path, PathBuf};

use serde::Serialize;
use synapse_core::{Store, WireError};
use tauri::{AppHandle, Manager, State};

use super::{blocking, wire};
use crate::events::{self, BackupWatch};
use crate::state::AppState;
use crate::{prefs, watcher};

/// What the window needs before anything else.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    /// The store the app points at (shown in Settings and the title).
    pub store_root: String,
    /// False on first run: the UI offers to create the store or open the demo.
    pub store_exists: bool,
    /// Where "Open demo store" puts it.
    pub demo_dir: String,
    pub backup: BackupWatch,
    /// Operations in flight (e.g. started from the tray).
    pub running: Vec<String>,
}

fn info(app: &AppHandle, state: &AppState) -> AppInfo {
    let root = state.root().unwrap_or_default();
    let store = Store::open(&root).ok();
    AppInfo {
        version: app.package_info().version.to_string(),
        store_root: root.display().to_string(),
        store_exists: store.is_some(),
        demo_dir: prefs::demo_dir().display().to_string(),
        backup: store.as_ref().map(watcher::backup_watch).unwrap_or_else(watcher::no_store),
        running: state.running(),
    }
}

#[tauri::command]
pub async fn app_info(app: AppHandle, state: State<'_, AppState>) -> Result<AppInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || Ok(info(&app, &state))).await
}

/// Points the app at another store and tells every listener.
fn switch_to(app: &AppHandle, state: &AppState, root: &Path) -> AppInfo {
    state.set_root(root);
    if let Ok(dir) = app.path().app_config_dir() {
        prefs::remember_store(&dir, root);
    }
    crate::set_title(app, root);
    events::inventory_changed(app, "store");
    watcher::poke(app);
    info(app, state)
}

/// Opens an existing store (`not_found` when there is none at `root`).
#[tauri::command]
pub async fn store_open(app: AppHandle, state: State<'_, AppState>, root: String) -> Result<AppInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let store = wire(Store::open(Path::new(&root)))?;
        Ok(switch_to(&app, &state, store.root()))
    })
    .await
}

/// Creates an empty store at `root` (harmless on an existing one) and opens it.
#[tauri::command]
pub async fn store_create(app: AppHandle, state: State<'_, AppState>, root: String) -> Result<AppInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let store = wire(Store::init(Path::new(&root)))?;
        Ok(switch_to(&app, &state, store.root()))
    })
    .await
}

/// Opens the demo store in `~/.synapse/demo`, creating it first when needed.
#[tauri::command]
pub async fn store_open_demo(app: AppHandle, state: State<'_, AppState>) -> Result<AppInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let dir = prefs::demo_dir();
        let root: PathBuf = dir.join("store");
        if Store::open(&root).is_err() {
            wire(synapse_demo::create(&dir))?;
        }
        Ok(switch_to(&app, &state, &root))
    })
    .await
}

/// Shows `path` in the desktop's file manager, selected (the FileManager1
/// D-Bus interface that Nautilus, Dolphin, Nemo and Thunar implement), or opens
/// its folder where no file manager offers that. Never runs the file itself.
#[tauri::command]
pub async fn show_in_folder(path: String) -> Result<(), WireError> {
    blocking(move || {
        let path = PathBuf::from(&path);
        let meta = wire(std::fs::symlink_metadata(&path).map_err(synapse_core::Error::io("find", &path)))?;
        let folder = if meta.is_dir() { path.clone() } else { path.parent().map(Path::to_path_buf).unwrap_or_else(|| path.clone()) };
        // Percent-encoded: a model folder may hold spaces, `#` or non-ASCII names.
        let abs = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
        let uri = tauri::Url::from_file_path(&abs).map(String::from).unwrap_or_else(|()| format!("file://{}", abs.display()));
        let shown = std::process::Command::new("dbus-send")
            .args(["--session", "--print-reply", "--dest=org.freedesktop.FileManager1", "--type=method_call"])
            .args(["/org/freedesktop/FileManager1", "org.freedesktop.FileManager1.ShowItems"])
            .arg(format!("array:string:{uri}"))
            .arg("string:")
            .output()
            .is_ok_and(|o| o.status.success());
        if shown {
            return Ok(());
        }
        let opened = std::process::Command::new("xdg-open").arg(&folder).spawn();
        wire(opened.map(drop).map_err(|e| synapse_core::Error::io("open a file manager on", &folder)(e)))
    })
    .await
}
