//! The Synapse desktop app: a Tauri v2 shell over `synapse-core`.
//!
//! - [`commands`]: thin `#[tauri::command]`s (parse, one core call, map the
//!   error to the core's `WireError`); long ones run on the blocking pool with
//!   progress over a per-call `Channel` and cancel by operation id;
//! - [`events`]: app-wide events (`backup://status`, `inventory://changed`, ...);
//! - [`watcher`]: backup-drive watching (inotify + mount-table/path polling);
//! - [`store_watch`]: reloads the window when something else changes the store
//!   (a `synapse` command in a terminal); [`fswatch`] says which events count;
//! - [`tray`] and [`notifications`]: the system tray and OS notifications;
//! - [`scrubber`]: the last scrub of each target and the background scrub of attached drives;
//! - [`state`] and [`prefs`]: the open store and the running operations.

pub mod commands;
pub mod events;
pub mod fswatch;
pub mod notifications;
pub mod prefs;
pub mod scrubber;
pub mod state;
pub mod store_watch;
pub mod tray;
pub mod watcher;

#[cfg(test)]
mod bindings;

use std::path::Path;

use tauri::{AppHandle, Manager, WindowEvent};

use crate::state::AppState;

/// Shows the open store in the window title (SPEC §6).
pub fn set_title(app: &AppHandle, root: &Path) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&format!("Synapse — {}", root.display()));
    }
}

/// Builds and runs the app.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let config_dir = app.path().app_config_dir().ok();
            let root = prefs::initial_root(config_dir.as_deref());
            app.manage(AppState::new(root.clone()));
            // Build the inventory while the webview starts: the window's first load takes it.
            commands::inventory::warm_up(app.handle(), root.clone());
            set_title(app.handle(), &root);
            tray::build(app.handle())?;
            notifications::init(app.handle());
            scrubber::init(app.handle());
            watcher::start(app.handle());
            store_watch::start(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window while an operation runs keeps the app in the tray.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if !window.state::<AppState>().running().is_empty() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::store::app_info,
            commands::store::store_open,
            commands::store::store_create,
            commands::store::store_open_demo,
            commands::store::show_in_folder,
            commands::inventory::inventory_load,
            commands::inventory::inventory_detail,
            commands::inventory::inventory_impacts,
            commands::inventory::blob_delete,
            commands::operations::cleanup_plan,
            commands::operations::cleanup_apply,
            commands::operations::verify_run,
            commands::operations::repair_plan,
            commands::operations::repair_apply,
            commands::operations::doctor_run,
            commands::operations::operation_cancel,
            commands::operations::operations_running,
            commands::packs::packs_list,
            commands::packs::pack_show,
            commands::packs::pack_name_check,
            commands::packs::pack_create,
            commands::packs::pack_add,
            commands::packs::pack_delete,
            commands::packs::pack_set_kind,
            commands::packs::pack_rename,
            commands::adopt::adopt_plan,
            commands::adopt::adopt_apply,
            commands::backup::backup_status,
            commands::backup::backup_blob,
            commands::backup::restore_blob,
            commands::backup::sync_plan,
            commands::backup::sync_apply,
            commands::backup::pack_backup_status,
            commands::backup::pack_transfer_plan,
            commands::backup::pack_transfer_apply,
            commands::backup::state_status,
            commands::backup::state_sync,
            commands::backup::backup_queue_run,
            commands::package::package_export,
            commands::package::package_validate,
            commands::package::package_import,
            commands::settings::settings_get,
            commands::settings::settings_save,
            commands::views::ui_targets,
            commands::views::pack_use_plan,
            commands::views::pack_use_apply,
            commands::views::pack_unuse,
            commands::views::blob_redownload,
            commands::targets::target_list,
            commands::targets::target_add,
            commands::targets::target_add_s3,
            commands::targets::target_test,
            commands::targets::target_test_location,
            commands::targets::target_set_key,
            commands::targets::target_forget_key,
            commands::targets::target_remove,
            commands::targets::target_rename,
            commands::targets::target_set_enabled,
            commands::targets::removable_drives,
            commands::targets::policy_get,
            commands::targets::policy_set,
            commands::targets::whereis,
            commands::targets::scrub_run,
            commands::targets::scrub_status,
            commands::targets::scrub_background_enable,
            commands::targets::scrub_background_pause,
            commands::targets::scrub_background_cancel,
            commands::targets::sync_all_plan,
            commands::targets::sync_all_apply,
            commands::workflow::workflow_check,
            commands::workflow::workflow_use_plan,
            commands::workflow::workflow_use_apply,
            commands::workflow::workflow_pack,
            commands::identify::identify_run,
            commands::identify::preview_image,
            commands::identify::civitai_info,
            commands::identify::civitai_key_set,
        ])
        .run(tauri::generate_context!())
        .expect("the Synapse desktop app failed to start");
}
