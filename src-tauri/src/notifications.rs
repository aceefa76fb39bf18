//! Native OS notifications (tauri-plugin-notification): for operation results
//! when the window is hidden or the action came from the tray, and on backup
//! attach. In-window toasts are the UI's business.

use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// Shows an OS notification. Failing to show one (no notification daemon) is
/// not an error the user could act on.
pub fn show(app: &AppHandle, title: &str, body: &str) {
    let _ = app.notification().builder().title(title).body(body).show();
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
    use super::human_bytes;

    #[test]
    fn human_bytes_uses_decimal_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(3_200_000_000), "3.2 GB");
        assert_eq!(human_bytes(45_000_000_000), "45 GB");
        assert_eq!(human_bytes(512_000_000), "512 MB");
    }
}
