//! Backup storage (SPEC §3.6, §3.7): status, blob backup/restore, sync
//! preview/execute, pack push/pull/free, state backup, and the auto-backup
//! queue. Every copy runs off the main thread with progress and cancel.

use synapse_core::autobackup;
use synapse_core::backup;
use synapse_core::model::{
    AutoBackupReport, BackupStatus, BlobCopyResult, PackBackupStatus, PackTransferResult, StateSyncResult, StateSyncStatus, SyncDirection,
    SyncResult,
};
use synapse_core::progress::{Control, ProgressUpdate};
use synapse_core::state_sync::{self, StateSyncOptions};
use synapse_core::sync::{self, PackTransferPlan, SyncOptions, SyncPlan};
use synapse_core::{Sha256, Store, WireError};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, pack_name, sha, wire};
use crate::events;
use crate::notifications;
use crate::state::AppState;

/// Configuration, connection and what each side holds (cached while unplugged).
#[tauri::command]
pub async fn backup_status(state: State<'_, AppState>) -> Result<BackupStatus, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(backup::status(&state.store()?))).await
}

/// Copies one local blob to the backup drive.
#[tauri::command]
pub async fn backup_blob(
    app: AppHandle,
    state: State<'_, AppState>,
    sha256: String,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<BlobCopyResult, WireError> {
    copy_blob(app, state.inner().clone(), "Back up", sync::backup_blob, sha256, op_id, on_progress).await
}

/// Copies one blob from the backup drive into the local store.
#[tauri::command]
pub async fn restore_blob(
    app: AppHandle,
    state: State<'_, AppState>,
    sha256: String,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<BlobCopyResult, WireError> {
    copy_blob(app, state.inner().clone(), "Restore", sync::restore_blob, sha256, op_id, on_progress).await
}

/// The core's copy of one blob in either direction.
type BlobCopy = fn(&Store, &Sha256, Control<'_>) -> synapse_core::Result<BlobCopyResult>;

/// The one body of `backup_blob` and `restore_blob`: registers the operation
/// under `label`, runs `copy` off the main thread with progress and cancel,
/// and tells the window to reload.
async fn copy_blob(
    app: AppHandle,
    state: AppState,
    label: &'static str,
    copy: BlobCopy,
    sha256: String,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<BlobCopyResult, WireError> {
    let sha = sha(&sha256)?;
    let result = operation(state, op_id, label, on_progress, move |store, ctl| copy(store, &sha, ctl)).await?;
    events::inventory_changed(&app, "backup");
    Ok(result)
}

/// The plan of a sync between the store and the drive (the wizard's Preview, SPEC §3.11).
#[tauri::command]
pub async fn sync_plan(state: State<'_, AppState>, options: SyncOptions) -> Result<SyncPlan, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(sync::plan_sync(&state.store()?, options))).await
}

/// Applies the previewed sync plan (with live progress and Cancel): only its
/// blobs are copied; those that no longer need it are skipped.
#[tauri::command]
pub async fn sync_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: SyncPlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<SyncResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Sync", on_progress, move |store, ctl| sync::apply_sync(store, &plan, ctl)).await;
    events::inventory_changed(&app, "backup");
    notifications::result(&app, false, "Backup sync", &sync_summary(&result));
    result
}

/// One line for a notification about a sync.
pub(crate) fn sync_summary(result: &Result<SyncResult, WireError>) -> String {
    match result {
        Ok(r) if r.already_synced => "Already synced: nothing to copy".to_owned(),
        Ok(r) if r.cancelled => format!("Cancelled after {} blob(s) ({})", r.blobs_synced, notifications::human_bytes(r.bytes_synced)),
        Ok(r) if !r.errors.is_empty() => format!("{} blob(s) copied, {} failed", r.blobs_synced, r.errors.len()),
        Ok(r) => format!("{} blob(s) copied ({})", r.blobs_synced, notifications::human_bytes(r.bytes_synced)),
        Err(e) => e.message.clone(),
    }
}

/// Per-blob storage status of one pack.
#[tauri::command]
pub async fn pack_backup_status(state: State<'_, AppState>, name: String) -> Result<PackBackupStatus, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(sync::pack_status(&state.store()?, &pack_name(&name)?))).await
}

/// The plan of a pack's push (`to_backup`, optionally freeing local copies)
/// or pull (`from_backup`): what the confirmation dialog lists.
#[tauri::command]
pub async fn pack_transfer_plan(
    state: State<'_, AppState>,
    name: String,
    direction: SyncDirection,
    free: bool,
) -> Result<PackTransferPlan, WireError> {
    let state = state.inner().clone();
    let name = pack_name(&name)?;
    blocking(move || wire(sync::plan_transfer(&state.store()?, &name, direction, free))).await
}

/// Applies the confirmed pack plan: copies (and with free, frees) only what it
/// lists; pull never downloads anything.
#[tauri::command]
pub async fn pack_transfer_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: PackTransferPlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<PackTransferResult, WireError> {
    let state = state.inner().clone();
    let label = if plan.direction == SyncDirection::ToBackup { "Push" } else { "Pull" };
    let result = operation(state, op_id, label, on_progress, move |store, ctl| sync::apply_transfer(store, &plan, ctl)).await;
    events::inventory_changed(&app, "backup");
    result
}

/// The local and the backup `state/` compared.
#[tauri::command]
pub async fn state_status(state: State<'_, AppState>) -> Result<StateSyncStatus, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(state_sync::state_status(&state.store()?))).await
}

/// Mirrors `state/` to or from the backup (a plan when `options.dry_run`).
#[tauri::command]
pub async fn state_sync(
    app: AppHandle,
    state: State<'_, AppState>,
    options: StateSyncOptions,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<StateSyncResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "State sync", on_progress, move |store, ctl| state_sync::state_sync(store, options, ctl)).await;
    if !options.dry_run {
        events::inventory_changed(&app, "state");
    }
    result
}

/// Backs up the blobs queued by `auto_backup_new` (the watcher also runs it on attach).
#[tauri::command]
pub async fn backup_queue_run(
    app: AppHandle,
    state: State<'_, AppState>,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<AutoBackupReport, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Auto-backup", on_progress, autobackup::process_backup_queue).await?;
    events::inventory_changed(&app, "backup");
    Ok(result)
}
