//! The system tray (SPEC §6): a status line, Open Synapse, Back up now, Verify
//! all, Cleanup orphans (opens the wizard in the window: destructive actions
//! always confirm there), Quit. Its actions call the same functions as the
//! window's commands.

use synapse_core::model::SyncDirection;
use synapse_core::progress::{Control, NoProgress};
use synapse_core::sync::{self, SyncOptions};
use synapse_core::verify::{self, Selection};
use synapse_core::ErrorCode;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::events::{self, OpenRequest, OpenTarget, OperationFinished};
use crate::notifications;
use crate::state::AppState;

/// The status line item, kept to update its text.
pub struct TrayStatus(MenuItem<Wry>);

pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Synapse", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Synapse", true, None::<&str>)?;
    let backup = MenuItem::with_id(app, "backup_now", "Back up now", true, None::<&str>)?;
    let verify = MenuItem::with_id(app, "verify_all", "Verify all", true, None::<&str>)?;
    let cleanup = MenuItem::with_id(app, "cleanup", "Cleanup orphans…", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let separator2 = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &separator, &open, &backup, &verify, &cleanup, &separator2, &quit])?;
    let mut tray = TrayIconBuilder::with_id("synapse").tooltip("Synapse").menu(&menu).show_menu_on_left_click(true);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| on_menu(app, event.id.as_ref())).build(app)?;
    app.manage(TrayStatus(status));
    Ok(())
}

/// Runs the tray action `id` (also the entry point the tests use, since no
/// tray host is visible under Xvfb).
pub fn on_menu(app: &AppHandle, id: &str) {
    match id {
        "open" => show_window(app),
        "backup_now" => backup_now(app),
        "verify_all" => verify_all(app),
        "cleanup" => open_in_window(app, OpenTarget::CleanupWizard),
        "quit" => app.exit(0),
        _ => {}
    }
}

pub fn set_status(app: &AppHandle, line: &str) {
    if let Some(status) = app.try_state::<TrayStatus>() {
        let _ = status.0.set_text(line);
    }
    if let Some(tray) = app.tray_by_id("synapse") {
        let _ = tray.set_tooltip(Some(format!("Synapse — {line}")));
    }
}

pub fn show_window(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Shows the window and asks it to open `target` (a wizard or a page).
pub fn open_in_window(app: &AppHandle, target: OpenTarget) {
    show_window(app);
    events::emit(app, events::APP_OPEN, OpenRequest { target });
}

/// "Back up now": with the window open, the sync wizard there (live progress
/// and Cancel); from the tray alone, a background sync of every local blob the
/// drive lacks (copying is never destructive, so it needs no confirmation),
/// reported by an OS notification. Without a configured backup, Settings.
fn backup_now(app: &AppHandle) {
    if notifications::window_visible(app) {
        open_in_window(app, OpenTarget::BackupSyncWizard);
        return;
    }
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<AppState>().inner().clone();
        let outcome = state.begin("tray-backup-now", "Back up now").and_then(|op| {
            crate::watcher::recount(&app);
            let store = state.store()?;
            let opts = SyncOptions { direction: SyncDirection::ToBackup, dry_run: false, ..SyncOptions::default() };
            sync::sync(&store, opts, Control::new(&NoProgress, op.cancel_token())).map_err(|e| e.to_wire())
        });
        if outcome.as_ref().is_err_and(|e| e.code == ErrorCode::BackupNotEnabled) {
            open_in_window(&app, OpenTarget::Settings);
        }
        let ok = outcome.as_ref().is_ok_and(|r| r.errors.is_empty() && !r.cancelled);
        let message = crate::commands::backup::sync_summary(&outcome);
        notifications::result(&app, true, "Back up now", &message);
        events::emit(&app, events::OPERATION_FINISHED, OperationFinished { operation: "sync".into(), ok, message });
        events::inventory_changed(&app, "backup");
    });
}

/// Verifies every local blob in the background; the result goes to an OS
/// notification (the action came from the tray) and to the window as a toast.
fn verify_all(app: &AppHandle) {
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<AppState>().inner().clone();
        let outcome = state.begin("tray-verify-all", "Verify all").and_then(|op| {
            crate::watcher::recount(&app);
            let store = state.store()?;
            verify::verify(&store, Selection::AllLocal, None, Control::new(&NoProgress, op.cancel_token())).map_err(|e| e.to_wire())
        });
        let (ok, message) = match &outcome {
            Ok(r) if r.invalid.is_empty() => (true, format!("{} blobs verified, all intact", r.total - r.missing.len() as u64)),
            Ok(r) => (false, format!("{} of {} blobs are corrupt or unreadable", r.invalid.len(), r.total)),
            Err(e) => (false, e.message.clone()),
        };
        notifications::result(&app, true, "Verify all", &message);
        events::emit(&app, events::OPERATION_FINISHED, OperationFinished { operation: "verify".into(), ok, message });
        events::inventory_changed(&app, "verify");
    });
}
