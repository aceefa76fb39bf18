//! App-wide events (`domain://what`) and the small wire types the shell adds
//! to the core's. Per-call progress does not go here: it travels over the
//! `tauri::ipc::Channel` each long command receives.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter};

/// The backup drive was attached, detached, enabled or re-pointed.
pub const BACKUP_STATUS: &str = "backup://status";
/// A backup target's state changed (every enabled target, not only the original's).
pub const TARGETS_STATUS: &str = "targets://status";
/// The background scrub started, paused, went on or ended.
pub const SCRUB_BACKGROUND: &str = "scrub://background";
/// Something changed blobs or packs on disk: lists should reload.
pub const INVENTORY_CHANGED: &str = "inventory://changed";
/// The tray asked the window to open a dialog (destructive actions always confirm in the window).
pub const APP_OPEN: &str = "app://open";
/// An operation started from the tray (or on drive attach) finished.
pub const OPERATION_FINISHED: &str = "operation://finished";

/// Whether the backup drive can be used right now, as the watcher sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BackupWatch {
    pub enabled: bool,
    pub connected: bool,
    pub path: Option<String>,
    /// Why a configured backup is not usable (drive unplugged, wrong drive, ...).
    pub reason: Option<String>,
}

/// One backup target as the watcher sees it (payload of `targets://status`: every target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TargetWatch {
    pub name: String,
    /// The original's target (`config.json`).
    pub primary: bool,
    pub state: synapse_core::model::TargetState,
    pub path: Option<String>,
    /// Why it cannot be used now.
    pub reason: Option<String>,
}

/// Payload of `inventory://changed`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct InventoryChanged {
    /// What changed it: "delete", "cleanup", "verify", "pack", "backup", "store", ...
    pub reason: String,
}

/// What the tray asks the window to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OpenTarget {
    CleanupWizard,
    BackupSyncWizard,
    /// The plan of `backup sync --all` (copies that bring every model up to the policy).
    SyncAllDialog,
    Settings,
}

/// Payload of `app://open`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct OpenRequest {
    pub target: OpenTarget,
}

/// Payload of `operation://finished`: the outcome of an operation the window
/// did not start, for a toast.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct OperationFinished {
    /// "verify", "sync", "auto_backup", ...
    pub operation: String,
    pub ok: bool,
    pub message: String,
}

/// Emits an app-wide event; a window that is gone is not an error worth reporting.
pub fn emit<S: Serialize + Clone>(app: &AppHandle, event: &str, payload: S) {
    let _ = app.emit(event, payload);
}

/// Tells the window to reload and the tray to recount (and drops the
/// inventory built at start-up, which no longer describes the store).
pub fn inventory_changed(app: &AppHandle, reason: &str) {
    crate::commands::inventory::forget_warmup(app);
    crate::store_watch::note_own_change(app);
    emit(app, INVENTORY_CHANGED, InventoryChanged { reason: reason.to_owned() });
    crate::watcher::recount(app);
}
