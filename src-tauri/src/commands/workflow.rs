//! Workflows (SPEC §3.15): which models a ComfyUI workflow (UI or API JSON,
//! or a PNG with it embedded) or an A1111 infotext needs, and where each one
//! stands in the store. The file is read and resolved by the core; nothing is
//! sent anywhere.

use std::path::PathBuf;

use synapse_core::workflow::{self, WorkflowCheck};
use synapse_core::WireError;
use tauri::State;

use super::{blocking, wire};
use crate::state::AppState;

/// The resolver's table for the workflow in `path` (dropped on the window,
/// picked in the open dialog or typed); with `ui`, whether each present model
/// is linked into that UI target.
#[tauri::command]
pub async fn workflow_check(state: State<'_, AppState>, path: String, ui: Option<String>) -> Result<WorkflowCheck, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(workflow::check(&state.store()?, &PathBuf::from(path), ui.as_deref()))).await
}
