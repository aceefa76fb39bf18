//! UI targets and the views of packs in them (SPEC §3.8): list the targets
//! with the packs active in each, plan and run `use` (restoring backup-only
//! blobs first when the user confirmed it), `unuse`, and `redownload` of a
//! missing blob. Restores and downloads run off the main thread with progress
//! and cancel, like the backup commands.

use synapse_core::download;
use synapse_core::links::{self, UsePlan};
use synapse_core::model::{RedownloadResult, UiTargetList, UnuseResult, UseResult};
use synapse_core::progress::ProgressUpdate;
use synapse_core::ui_targets;
use synapse_core::WireError;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, pack_name, sha, wire};
use crate::events;
use crate::notifications;
use crate::state::AppState;

/// The configured UI targets: folder maps, whether each folder is there, and
/// the packs `use` made active in each.
#[tauri::command]
pub async fn ui_targets(state: State<'_, AppState>) -> Result<UiTargetList, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(ui_targets::list(&state.store()?))).await
}

/// What `use` would do (the confirmation dialog): links to make, blobs to
/// restore from the backup with their sizes, and the local free space.
/// Clashes with files in the UI folders are a `conflict` error listing them.
#[tauri::command]
pub async fn pack_use_plan(state: State<'_, AppState>, name: String, ui: Option<String>) -> Result<UsePlan, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(links::plan_use_value(&state.store()?, &pack_name(&name)?, ui.as_deref()))).await
}

/// Applies the use plan the user saw: restores exactly its blobs (confirming
/// the plan confirms them), then makes its links.
#[tauri::command]
pub async fn pack_use_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: UsePlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<UseResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Use pack", on_progress, move |store, ctl| links::apply_use(store, &plan, ctl)).await;
    // A failed use may still have restored blobs before it stopped.
    events::inventory_changed(&app, "use");
    result
}

/// Removes the links `use` made for a pack (in one UI target, or all).
#[tauri::command]
pub async fn pack_unuse(app: AppHandle, state: State<'_, AppState>, name: String, ui: Option<String>) -> Result<UnuseResult, WireError> {
    let state = state.inner().clone();
    let result = blocking(move || wire(links::unuse(&state.store()?, &pack_name(&name)?, ui.as_deref()))).await?;
    events::inventory_changed(&app, "unuse");
    Ok(result)
}

/// Downloads a missing blob again from the URLs its pack locks record
/// (resuming an interrupted download, hash-checked before it enters the store).
#[tauri::command]
pub async fn blob_redownload(
    app: AppHandle,
    state: State<'_, AppState>,
    sha256: String,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<RedownloadResult, WireError> {
    let state = state.inner().clone();
    let sha = sha(&sha256)?;
    let result = operation(state, op_id, "Re-download", on_progress, move |store, ctl| download::redownload(store, &sha, ctl)).await;
    events::inventory_changed(&app, "redownload");
    let body = match &result {
        Ok(r) if r.already_present => format!("{} was already in the store", r.display_name),
        Ok(r) => format!("{} downloaded ({})", r.display_name, notifications::human_bytes(r.size_bytes)),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Re-download", &body);
    result
}
