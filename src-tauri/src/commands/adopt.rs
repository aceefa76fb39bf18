//! `adopt <folder>` (SPEC §3.8): the Packs page's "Adopt folder…" wizard.
//! The same call previews (dry run) and adopts, off the main thread with
//! progress and cancel.

use std::path::PathBuf;

use synapse_core::adopt::{self, AdoptOptions, AdoptPlan};
use synapse_core::model::AdoptResult;
use synapse_core::progress::ProgressUpdate;
use synapse_core::WireError;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::operation;
use crate::events;
use crate::state::AppState;

/// Plans the adoption of `folder`: hashes every model file once (the
/// wizard's Preview, with progress and cancel).
#[tauri::command]
pub async fn adopt_plan(
    state: State<'_, AppState>,
    folder: String,
    options: AdoptOptions,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<AdoptPlan, WireError> {
    let state = state.inner().clone();
    operation(state, op_id, "Adopt preview", on_progress, move |store, ctl| adopt::plan_adopt(store, &PathBuf::from(folder), options, ctl))
        .await
}

/// Adopts exactly the previewed plan (packs written; with `plan.options.link`
/// the originals replaced by links), then tells the window to reload.
#[tauri::command]
pub async fn adopt_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: AdoptPlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<AdoptResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Adopt", on_progress, move |store, ctl| adopt::apply_adopt(store, &plan, ctl)).await;
    // Even a failed or cancelled adopt may have written packs before it stopped.
    events::inventory_changed(&app, "adopt");
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use synapse_core::adopt::AdoptOptions;

    /// The window sends `{execute, link}`; a missing field means false (a dry run, no links).
    #[test]
    fn options_default_to_a_dry_run_without_links() {
        let o: AdoptOptions = serde_json::from_value(json!({ "link": true })).expect("options");
        assert!(!o.execute && o.link);
        let o: AdoptOptions = serde_json::from_value(json!({})).expect("options");
        assert!(!o.execute && !o.link);
    }
}
