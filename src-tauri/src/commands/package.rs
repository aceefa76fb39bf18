//! Packages (SPEC §3.10): export packs into a package, validate a package
//! (writes nothing) and import it (phase 2, the commit). All three read or
//! write whole model files, so they run off the main thread with progress and
//! cancel, like the backup commands.

use std::collections::BTreeMap;
use std::path::PathBuf;

use synapse_core::model::{CommitResult, ExportResult, PackClassification, ValidationReport};
use synapse_core::package::{self, ExportOptions, ImportOptions};
use synapse_core::progress::ProgressUpdate;
use synapse_core::{PackName, WireError};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::operation;
use crate::events;
use crate::state::AppState;

/// The user's login name, written as the package's `exported_by` when the
/// window did not name anyone (the CLI does the same).
fn login_name() -> Option<String> {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok().filter(|u| !u.is_empty())
}

/// Exports packs (and, unless `options.include_blobs` is false, their blobs)
/// into a new directory or a `.tar` file. Blobs only on the backup drive are
/// read from the drive; a cancel removes the partial package.
#[tauri::command]
pub async fn package_export(
    state: State<'_, AppState>,
    mut options: ExportOptions,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<ExportResult, WireError> {
    let state = state.inner().clone();
    if options.exported_by.is_none() {
        options.exported_by = login_name();
    }
    operation(state, op_id, "Export package", on_progress, move |store, ctl| package::export(store, &options, ctl)).await
}

/// Phase 1 of an import: checks a package directory or `.tar` (format,
/// sizes, hashes, paths) and classifies each pack against the store. Writes
/// nothing; an invalid package is a report with `valid: false`, not an error.
#[tauri::command]
pub async fn package_validate(
    state: State<'_, AppState>,
    path: PathBuf,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<ValidationReport, WireError> {
    let state = state.inner().clone();
    operation(state, op_id, "Validate package", on_progress, move |store, ctl| package::validate(store, &path, ctl)).await
}

/// Phase 2 of an import: the commit with a default strategy and per-pack
/// overrides, for the packs as the validation report classified them
/// (`reviewed`): one classified otherwise now is skipped with the reason.
/// Refuses an invalid package (`package_invalid`) before writing anything.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn package_import(
    app: AppHandle,
    state: State<'_, AppState>,
    path: PathBuf,
    options: ImportOptions,
    reviewed: BTreeMap<PackName, PackClassification>,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<CommitResult, WireError> {
    let state = state.inner().clone();
    let dry_run = options.dry_run;
    let result = operation(state, op_id, "Import package", on_progress, move |store, ctl| {
        package::import_reviewed(store, &path, &options, &reviewed, ctl)
    })
    .await;
    if !dry_run {
        // Even a failed or cancelled commit may have placed blobs: reload.
        events::inventory_changed(&app, "package");
    }
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_window_sends_export_options_as_the_bindings_say() {
        let o: ExportOptions =
            serde_json::from_value(json!({"packs": ["SDXL Base"], "out": "/tmp/x.tar", "include_blobs": false})).unwrap();
        assert_eq!(o.packs[0].as_str(), "SDXL Base");
        assert!(!o.include_blobs);
        assert!(o.exported_by.is_none());
        assert!(serde_json::from_value::<ExportOptions>(json!({"packs": ["../x"], "out": "/tmp/x", "include_blobs": true})).is_err());
    }

    #[test]
    fn the_window_sends_import_options_as_the_bindings_say() {
        let o: ImportOptions = serde_json::from_value(json!({
            "strategy": "update_if_newer",
            "overrides": {"SDXL Base": "create_duplicate"},
            "dry_run": false
        }))
        .unwrap();
        assert_eq!(o.strategy, synapse_core::model::ImportStrategy::UpdateIfNewer);
        assert_eq!(o.overrides.len(), 1);
        assert!(!o.dry_run);
    }
}
