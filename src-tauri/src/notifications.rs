//! Native OS notifications (tauri-plugin-notification): for operation results
//! when the window is hidden or the action came from the tray, and on backup
//! attach. In-window toasts are the UI's business.
//!
//! The attach notification carries a "Back up now" button (the plugin reports
//! actions on Linux through the notification server's `ActionInvoked` signal;
//! servers without action support show a plain notification, and the tray's
//! "Back up now" and the window's toast do the same).
//!
//! Every notification carries the app's icon: notification servers take an
//! icon as a file, so the bundled PNG is written once to the app's cache
//! folder and named by its path.

use tauri::{AppHandle, Manager};
use tauri_plugin_notification::{Action, ActionPerformed, ActionType, NotificationExt};

/// The action type of the "Backup drive connected" notification.
const ATTACH_ACTIONS: &str = "backup-attach";
/// Its button: the tray's "Back up now".
const BACK_UP_NOW: &str = "backup_now";
/// The action type of a drive's attach notification when models are below the copies policy.
const TARGET_ATTACH_ACTIONS: &str = "target-attach";
/// Its button: the plan of `backup sync --all` in the window.
const COPY_TO_TARGETS: &str = "sync_all";
/// What the plugin reports for a click on the notification itself.
const TAP: &str = "tap";

/// Registers the notification buttons and what they do. Must run before the
/// first notification: the plugin shows buttons only while a handler exists.
pub fn init(app: &AppHandle) {
    if let Some(path) = write_icon(app) {
        let _ = ICON.set(path);
    }
    let notifications = app.notification();
    let attach = ActionType::builder(ATTACH_ACTIONS).actions(vec![Action::builder(BACK_UP_NOW, "Back up now").build()]).build();
    let target_attach =
        ActionType::builder(TARGET_ATTACH_ACTIONS).actions(vec![Action::builder(COPY_TO_TARGETS, "Copy to targets").build()]).build();
    let _ = notifications.register_action_types(vec![attach, target_attach]);
    let app = app.clone();
    let _ = notifications.on_action(move |performed| on_action(&app, performed));
}

/// What a click on a notification does.
#[derive(Debug, PartialEq, Eq)]
enum Reaction {
    /// The tray's "Back up now" (the sync wizard when the window is open, else a background sync).
    BackUpNow,
    /// Bring the window forward with the sync wizard open (a click on the attach notification).
    OpenSyncWizard,
    /// Bring the window forward with the plan of `backup sync --all` (copies up to the policy).
    OpenSyncAll,
    /// Bring the window forward.
    ShowWindow,
    Nothing,
}

fn reaction(action_id: &str, action_type: Option<&str>) -> Reaction {
    match (action_id, action_type) {
        (BACK_UP_NOW, _) => Reaction::BackUpNow,
        (COPY_TO_TARGETS, _) | (TAP, Some(TARGET_ATTACH_ACTIONS)) => Reaction::OpenSyncAll,
        (TAP, Some(ATTACH_ACTIONS)) => Reaction::OpenSyncWizard,
        (TAP, _) => Reaction::ShowWindow,
        _ => Reaction::Nothing,
    }
}

/// Runs on the plugin's signal thread: hand anything slow to the tray's own threads.
fn on_action(app: &AppHandle, performed: &ActionPerformed) {
    let action_type = performed.notification().and_then(|n| n.action_type_id());
    match reaction(performed.action_id(), action_type) {
        Reaction::BackUpNow => crate::tray::on_menu(app, "backup_now"),
        Reaction::OpenSyncWizard => crate::tray::open_in_window(app, crate::events::OpenTarget::BackupSyncWizard),
        Reaction::OpenSyncAll => crate::tray::open_in_window(app, crate::events::OpenTarget::SyncAllDialog),
        Reaction::ShowWindow => crate::tray::show_window(app),
        Reaction::Nothing => {}
    }
}

/// The app icon as a file for notification servers, written when missing or different.
static ICON: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn write_icon(app: &AppHandle) -> Option<String> {
    const PNG: &[u8] = include_bytes!("../../icons/128x128.png");
    let dir = app.path().app_cache_dir().ok()?;
    let path = dir.join("synapse-notification-icon.png");
    if std::fs::read(&path).ok().as_deref() != Some(PNG) {
        std::fs::create_dir_all(&dir).ok()?;
        synapse_core::fsutil::write_atomic(&path, PNG).ok()?;
    }
    Some(path.to_string_lossy().into_owned())
}

/// A notification builder with the app's icon.
fn builder(app: &AppHandle) -> tauri_plugin_notification::NotificationBuilder<tauri::Wry> {
    let b = app.notification().builder();
    match ICON.get() {
        Some(icon) => b.icon(icon.clone()),
        None => b,
    }
}

/// The button an attach notification offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachOffer {
    /// "Back up now": models are not on the original's backup.
    BackUpNow,
    /// "Copy to targets": models are below the copies policy.
    CopyToTargets,
    Nothing,
}

/// "Backup drive 'Home NAS' connected" — "12 models below 2 copies", with
/// the button that fixes what the body names.
pub fn show_attach(app: &AppHandle, title: &str, body: &str, offer: AttachOffer) {
    let builder = builder(app).title(title).body(body);
    let builder = match offer {
        AttachOffer::BackUpNow => builder.action_type_id(ATTACH_ACTIONS),
        AttachOffer::CopyToTargets => builder.action_type_id(TARGET_ATTACH_ACTIONS),
        AttachOffer::Nothing => builder,
    };
    let _ = builder.show();
}

/// Shows an OS notification. Failing to show one (no notification daemon) is
/// not an error the user could act on.
pub fn show(app: &AppHandle, title: &str, body: &str) {
    let _ = builder(app).title(title).body(body).show();
}

/// Reports an operation's outcome natively when the user would not see it in
/// the window: the action came from the tray, or the window is hidden.
pub fn result(app: &AppHandle, from_tray: bool, title: &str, body: &str) {
    if from_tray || !window_visible(app) {
        show(app, title, body);
    }
}

/// Whether the main window is on screen (not hidden to the tray).
pub fn window_visible(app: &AppHandle) -> bool {
    app.get_webview_window("main").and_then(|w| w.is_visible().ok()).unwrap_or(false)
}

/// "45 GB", "512 MB", "3.2 GB": decimal units, as drives are sold.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::{human_bytes, reaction, Reaction, ATTACH_ACTIONS, TARGET_ATTACH_ACTIONS};

    #[test]
    fn the_attach_button_backs_up_and_a_click_opens_the_sync_wizard() {
        assert_eq!(reaction("backup_now", Some(ATTACH_ACTIONS)), Reaction::BackUpNow);
        assert_eq!(reaction("backup_now", None), Reaction::BackUpNow, "servers that drop the payload still run the button");
        assert_eq!(reaction("tap", Some(ATTACH_ACTIONS)), Reaction::OpenSyncWizard);
        assert_eq!(reaction("tap", None), Reaction::ShowWindow, "a click on any other notification shows the window");
        assert_eq!(reaction("dismiss", Some(ATTACH_ACTIONS)), Reaction::Nothing);
        assert_eq!(reaction("sync_all", Some(TARGET_ATTACH_ACTIONS)), Reaction::OpenSyncAll);
        assert_eq!(reaction("tap", Some(TARGET_ATTACH_ACTIONS)), Reaction::OpenSyncAll, "a click on a drive's notification opens the plan");
    }

    #[test]
    fn human_bytes_uses_decimal_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(3_200_000_000), "3.2 GB");
        assert_eq!(human_bytes(45_000_000_000), "45 GB");
        assert_eq!(human_bytes(512_000_000), "512 MB");
    }
}
