//! Long operations with progress over a per-call channel and cancel by id:
//! cleanup, verify, repair; plus doctor and the cancel command itself.

use serde::Deserialize;
use synapse_core::cleanup::{self, CleanupPlan};
use synapse_core::doctor::{self, DoctorReport};
use synapse_core::model::{CleanupResult, VerifyResult};
use synapse_core::progress::ProgressUpdate;
use synapse_core::repair::{self, RepairPlan, RepairResult};
use synapse_core::verify::{self, Selection};
use synapse_core::WireError;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, wire};
use crate::state::AppState;
use crate::{events, notifications};

/// The plan of a cleanup (SPEC §3.11): what the Review step shows, and what
/// the window sends back to [`cleanup_apply`].
#[tauri::command]
pub async fn cleanup_plan(state: State<'_, AppState>) -> Result<CleanupPlan, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(cleanup::plan_cleanup(&state.store()?, None))).await
}

/// Applies the plan the user reviewed, and nothing else: items that changed
/// since are skipped with their reason. `op_id` names the operation for
/// [`operation_cancel`].
#[tauri::command]
pub async fn cleanup_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: CleanupPlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<CleanupResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Cleanup", on_progress, move |store, ctl| cleanup::apply_cleanup(store, &plan, ctl)).await;
    // Even a cancelled or failed run may have deleted some files.
    events::inventory_changed(&app, "cleanup");
    let body = match &result {
        Ok(r) => format!("{} orphan(s) deleted, {} freed", r.orphans_deleted, notifications::human_bytes(r.bytes_freed)),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Cleanup", &body);
    result
}

/// Which blobs `verify_run` re-hashes.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum VerifyScope {
    /// Every local blob.
    AllLocal,
    /// Every blob on the backup drive.
    AllBackup,
    /// These local blobs (full hashes or unique prefixes, resolved as the CLI does).
    Blobs { sha256: Vec<String> },
}

impl VerifyScope {
    fn selection(self, store: &synapse_core::Store) -> synapse_core::Result<Selection> {
        Ok(match self {
            VerifyScope::AllLocal => Selection::AllLocal,
            VerifyScope::AllBackup => Selection::AllBackup,
            VerifyScope::Blobs { sha256 } => {
                let inputs: Vec<&str> = sha256.iter().map(String::as_str).collect();
                Selection::Blobs(synapse_core::inventory::resolve_hashes(store, &inputs)?)
            }
        })
    }
}

/// Re-hashes blobs and records the results in the verification ledger.
/// `invalid` in the result lists corrupt blobs: that is a result, not an error.
#[tauri::command]
pub async fn verify_run(
    app: AppHandle,
    state: State<'_, AppState>,
    scope: VerifyScope,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<VerifyResult, WireError> {
    let state = state.inner().clone();
    let result =
        operation(state, op_id, "Verify", on_progress, move |store, ctl| verify::verify(store, scope.selection(store)?, None, ctl)).await;
    events::inventory_changed(&app, "verify");
    let body = match &result {
        Ok(r) if r.invalid.is_empty() => format!("{} blob(s) verified, all intact", r.total),
        Ok(r) => format!("{} of {} blob(s) are corrupt or unreadable", r.invalid.len(), r.total),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Verify", &body);
    result
}

/// Consistency checks; with `fix`, repairs what is safe.
#[tauri::command]
pub async fn doctor_run(app: AppHandle, state: State<'_, AppState>, fix: bool) -> Result<DoctorReport, WireError> {
    let state = state.inner().clone();
    let report = blocking(move || wire(doctor::doctor(&state.store()?, fix))).await?;
    if fix {
        events::inventory_changed(&app, "doctor");
    }
    Ok(report)
}

/// Asks a running operation to stop; it then ends with a `cancelled` error
/// after cleaning up. False when nothing runs under that id any more.
#[tauri::command]
pub fn operation_cancel(state: State<'_, AppState>, op_id: String) -> bool {
    state.cancel(&op_id)
}

/// Labels of the operations in flight.
#[tauri::command]
pub fn operations_running(state: State<'_, AppState>) -> Vec<String> {
    state.running()
}

/// The plan of repairing the corrupt copies of `sha256` (every blob with a
/// corrupt copy when `None`): what the Repair dialog shows and sends back.
#[tauri::command]
pub async fn repair_plan(state: State<'_, AppState>, sha256: Option<Vec<String>>) -> Result<RepairPlan, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let store = state.store()?;
        let list = match sha256 {
            Some(list) => {
                let refs: Vec<&str> = list.iter().map(String::as_str).collect();
                Some(wire(synapse_core::inventory::resolve_hashes(&store, &refs))?)
            }
            None => None,
        };
        wire(repair::plan_repair(&store, list.as_deref()))
    })
    .await
}

/// Applies the repair plan the user confirmed: each corrupt copy is replaced
/// from a good one and moved to quarantine.
#[tauri::command]
pub async fn repair_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: RepairPlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<RepairResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Repair", on_progress, move |store, ctl| repair::apply_repair(store, &plan, ctl)).await;
    events::inventory_changed(&app, "repair");
    let body = match &result {
        Ok(r) if r.errors.is_empty() => {
            format!("{} corrupt copy(ies) replaced; the corrupt files are kept in quarantine", r.repaired.len())
        }
        Ok(r) => format!("{} replaced, {} failed", r.repaired.len(), r.errors.len()),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Repair", &body);
    result
}
