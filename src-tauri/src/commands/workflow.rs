//! Workflows (SPEC §3.15): which models a ComfyUI workflow (UI or API JSON,
//! or a PNG with it embedded) or an A1111 infotext needs, and where each one
//! stands in the store (`workflow_check`, read only; nothing is sent
//! anywhere); making it runnable in a UI target (`workflow_use_plan`, then
//! `workflow_use_apply` of exactly the plan the window showed: restores and
//! downloads with progress and cancel, then links under the names the
//! workflow expects); and keeping what it needs as a pack (`workflow_pack`).

use std::path::PathBuf;

use synapse_core::progress::ProgressUpdate;
use synapse_core::workflow::{self, WorkflowCheck};
use synapse_core::workflow_use::{self, WorkflowPackOptions, WorkflowPackResult, WorkflowUsePlan, WorkflowUseResult};
use synapse_core::WireError;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, pack_name, wire};
use crate::events;
use crate::notifications;
use crate::state::AppState;

/// The resolver's table for the workflow in `path` (dropped on the window,
/// picked in the open dialog or typed); with `ui`, whether each present model
/// is linked into that UI target.
#[tauri::command]
pub async fn workflow_check(state: State<'_, AppState>, path: String, ui: Option<String>) -> Result<WorkflowCheck, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(workflow::check(&state.store()?, &PathBuf::from(path), ui.as_deref()))).await
}

/// What making the workflow runnable in `ui` would do (the confirmation
/// dialog): per model a link, a restore or a download first (hosts and sizes
/// named), a clash or why it cannot be done; the free space. Reads only.
#[tauri::command]
pub async fn workflow_use_plan(state: State<'_, AppState>, path: String, ui: String) -> Result<WorkflowUsePlan, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(workflow_use::plan_workflow_use(&state.store()?, &PathBuf::from(path), &ui))).await
}

/// Applies the plan the user confirmed: its restores and downloads (with
/// progress, cancellable), then its links; anything that changed since the
/// plan is skipped with its reason.
#[tauri::command]
pub async fn workflow_use_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: WorkflowUsePlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<WorkflowUseResult, WireError> {
    let state = state.inner().clone();
    let ui = plan.ui.clone();
    let result = operation(state, op_id, "Make workflow runnable", on_progress, move |store, ctl| {
        workflow_use::apply_workflow_use(store, &plan, ctl)
    })
    .await;
    // Restores and downloads may have happened before a failure or a cancel.
    events::inventory_changed(&app, "workflow use");
    let body = match &result {
        Ok(r) if r.complete => format!("Every model of the workflow is linked in {ui}"),
        Ok(r) => format!(
            "{} linked in {ui}; {} could not be made available",
            r.linked.len() + r.already_linked.len(),
            r.not_doable.len() + r.failed.len()
        ),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Make workflow runnable", &body);
    result
}

/// Writes a pack of type `workflow` named `name` whose lock pins the models
/// the workflow resolved to and which carries the workflow file; with
/// `allow_missing`, models that resolve to no single blob are listed in the
/// lock as unresolved instead of refusing the pack.
#[tauri::command]
pub async fn workflow_pack(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    name: String,
    ui: Option<String>,
    allow_missing: bool,
) -> Result<WorkflowPackResult, WireError> {
    let state = state.inner().clone();
    let opts = WorkflowPackOptions { name: pack_name(&name)?, ui, allow_missing };
    let result = blocking(move || wire(workflow_use::pack_workflow(&state.store()?, &PathBuf::from(path), &opts))).await?;
    events::inventory_changed(&app, "workflow pack");
    Ok(result)
}
