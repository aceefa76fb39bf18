//! Backup-drive watching (SPEC §6): `notify` on the backup path and its parent
//! as a fast path, plus a 1-second poll of `/proc/self/mountinfo` and of the
//! path itself, because mounting or unmounting a drive produces no inotify
//! event and network mounts send none either. A change of the backup's state
//! is emitted as `backup://status` within about a second; an attach also runs
//! the queued auto-backups, refreshes the backup catalog and shows an OS
//! notification with a "Back up now" button.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use synapse_core::autobackup;
use synapse_core::backup::BackupState;
use synapse_core::progress::{Control, NoProgress};
use synapse_core::{inventory, Store};
use tauri::{AppHandle, Manager};

use crate::events::{self, BackupWatch};
use crate::fswatch;
use crate::state::AppState;
use crate::{notifications, tray};

/// How often the path and the mount table are re-checked.
const POLL: Duration = Duration::from_secs(1);
/// When the tray first counts the blobs that are not backed up.
const FIRST_COUNT_DELAY: Duration = Duration::from_secs(5);

/// Why the watcher thread was woken.
enum Wake {
    /// Something may have changed on disk (inotify, settings saved, store switched).
    Check,
    /// The inventory changed: recount what the tray shows.
    Recount,
    /// Emit `backup://status` again even if nothing changed (after an attach's
    /// auto-backups and catalog refresh changed what the drive holds).
    Announce,
}

/// The sender that wakes the watcher thread, managed by Tauri.
pub struct WatcherHandle(Mutex<Sender<Wake>>);

/// The backup's state as the UI shows it.
pub fn backup_watch(store: &Store) -> BackupWatch {
    match store.config() {
        Ok(config) => match BackupState::detect_for(store.layout(), &config) {
            BackupState::Disabled { path } => {
                BackupWatch { enabled: false, connected: false, path: path.map(|p| p.display().to_string()), reason: None }
            }
            BackupState::NoPath => {
                BackupWatch { enabled: true, connected: false, path: None, reason: Some(synapse_core::backup::NO_PATH.to_owned()) }
            }
            BackupState::Disconnected { path, reason } => {
                BackupWatch { enabled: true, connected: false, path: Some(path.display().to_string()), reason: Some(reason) }
            }
            BackupState::Connected { layout } => {
                BackupWatch { enabled: true, connected: true, path: Some(layout.path().display().to_string()), reason: None }
            }
            unresponsive @ BackupState::Unresponsive { .. } => BackupWatch {
                enabled: true,
                connected: false,
                path: unresponsive.path().map(|p| p.display().to_string()),
                reason: unresponsive.reason(),
            },
        },
        Err(e) => BackupWatch { enabled: false, connected: false, path: None, reason: Some(e.to_string()) },
    }
}

/// The state shown while no store is open.
pub fn no_store() -> BackupWatch {
    BackupWatch { enabled: false, connected: false, path: None, reason: None }
}

/// Asks the watcher to look again now (after a settings save or a store switch).
pub fn poke(app: &AppHandle) {
    send(app, Wake::Check);
}

/// Asks the watcher to recount the tray's "not backed up" figure.
pub fn recount(app: &AppHandle) {
    send(app, Wake::Recount);
}

fn send(app: &AppHandle, wake: Wake) {
    if let Some(handle) = app.try_state::<WatcherHandle>() {
        let _ = handle.0.lock().unwrap_or_else(|e| e.into_inner()).send(wake);
    }
}

/// Starts the watcher thread.
pub fn start(app: &AppHandle) {
    let (tx, rx) = mpsc::channel();
    app.manage(WatcherHandle(Mutex::new(tx.clone())));
    let app = app.clone();
    std::thread::Builder::new()
        .name("backup-watcher".into())
        .spawn(move || run(app, tx, rx))
        .expect("cannot start the backup watcher thread");
}

fn run(app: AppHandle, tx: Sender<Wake>, rx: Receiver<Wake>) {
    let state = app.state::<AppState>().inner().clone();
    let mut last: Option<(PathBuf, BackupWatch)> = None;
    let mut mounts = read_mountinfo();
    let mut inotify = Inotify::new(tx);
    let mut recount_due = true;
    let mut announce = false;
    // The first count waits until the window has painted: on two cores a
    // second inventory build at start-up would slow the window's own.
    let counts_from = Instant::now() + FIRST_COUNT_DELAY;
    loop {
        let root = state.root().unwrap_or_default();
        let store = Store::open(&root).ok();
        let watch = store.as_ref().map(backup_watch).unwrap_or_else(no_store);
        inotify.follow(watch.path.as_deref().map(Path::new));

        let changed = last.as_ref().is_none_or(|(r, w)| r != &root || w != &watch);
        if changed | std::mem::take(&mut announce) {
            let attached = is_attach(last.as_ref(), &root, &watch);
            events::emit(&app, events::BACKUP_STATUS, watch.clone());
            if attached && store.is_some() {
                on_attach(&app, root.clone());
            }
            last = Some((root.clone(), watch.clone()));
            recount_due = true;
        }
        if recount_due {
            let count = Instant::now() >= counts_from;
            tray::set_status(&app, &tray_line(store.as_ref().filter(|_| count), &watch, &state));
            recount_due = !count;
        }

        match rx.recv_timeout(POLL) {
            Ok(Wake::Recount) => recount_due = true,
            Ok(Wake::Announce) => announce = true,
            Ok(Wake::Check) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Drain a burst of inotify events into one check.
        while let Ok(wake) = rx.try_recv() {
            match wake {
                Wake::Recount => recount_due = true,
                Wake::Announce => announce = true,
                Wake::Check => {}
            }
        }
        let now = read_mountinfo();
        if now != mounts {
            // A drive was mounted or unmounted: inotify watches on the old
            // directory no longer see the path, so re-arm them on the next pass.
            mounts = now;
            inotify.reset();
        }
    }
}

/// True when the same store's backup went from disconnected to connected (not
/// on start, not when switching stores or enabling a backup in Settings).
fn is_attach(last: Option<&(PathBuf, BackupWatch)>, root: &Path, now: &BackupWatch) -> bool {
    matches!(last, Some((r, w)) if r == root && w.enabled && !w.connected && w.path == now.path) && now.connected
}

/// The drive came back: run the queued auto-backups, refresh the backup
/// catalog (building the inventory scans the drive and rewrites it), tell the
/// user what is not backed up with a "Back up now" button, and have the window
/// reload. Runs on a thread of its own so the watcher keeps polling: a drive
/// pulled again during a long auto-backup still shows within the 3 seconds.
fn on_attach(app: &AppHandle, root: PathBuf) {
    let worker = app.clone();
    let spawned = std::thread::Builder::new().name("backup-attach".into()).spawn(move || {
        let app = worker;
        let Ok(store) = Store::open(&root) else { return };
        run_queue(&app, &store);
        match inventory::build(&store) {
            Ok(inv) => {
                let b = &inv.summary.backup;
                notifications::show_attach(&app, &attach_body(b.blobs_local_only, b.bytes_local_only), b.blobs_local_only > 0);
            }
            Err(e) => notifications::show(&app, "Backup drive connected", &e.to_string()),
        }
        // The drive's totals and the catalog changed: the cards and the table
        // reload. The watcher re-sends the status it holds, so a drive pulled
        // again meanwhile is never announced as connected from here.
        send(&app, Wake::Announce);
        events::inventory_changed(&app, "backup");
    });
    if spawned.is_err() {
        // No thread to spare: the window still reloads and shows the drive.
        events::inventory_changed(app, "backup");
    }
}

/// Backs up the blobs `auto_backup_new` queued while the drive was away; the
/// outcome goes to the window as a toast.
fn run_queue(app: &AppHandle, store: &Store) {
    let state = app.state::<AppState>().inner().clone();
    let Ok(op) = state.begin("auto-backup-on-attach", "Auto-backup") else { return };
    let (ok, message) = match autobackup::process_backup_queue(store, Control::new(&NoProgress, op.cancel_token())) {
        Ok(report) if report.backed_up.is_empty() && report.errors.is_empty() => return,
        Ok(report) => {
            let ok = report.errors.is_empty();
            let message = format!(
                "Auto-backup: {} queued model(s) backed up ({}){}",
                report.backed_up.len(),
                notifications::human_bytes(report.bytes_copied),
                if ok { String::new() } else { format!(", {} failed", report.errors.len()) }
            );
            (ok, message)
        }
        Err(e) => (false, format!("Auto-backup of the queued models failed: {e}")),
    };
    events::emit(app, events::OPERATION_FINISHED, events::OperationFinished { operation: "auto_backup".into(), ok, message });
}

/// The attach notification's body.
fn attach_body(local_only: u64, bytes: u64) -> String {
    match local_only {
        0 => "Everything is backed up.".to_owned(),
        1 => format!("1 model ({}) not backed up", notifications::human_bytes(bytes)),
        n => format!("{n} models ({}) not backed up", notifications::human_bytes(bytes)),
    }
}

/// The tray's status line (without the count when `store` is `None`).
fn tray_line(store: Option<&Store>, watch: &BackupWatch, state: &AppState) -> String {
    let running = state.running();
    let backup = match (watch.enabled, watch.connected) {
        (false, _) => "Backup not configured".to_owned(),
        (true, false) => "Backup drive disconnected".to_owned(),
        (true, true) => "Backup drive connected".to_owned(),
    };
    let local_only = store.and_then(|s| inventory::build(s).ok()).map(|inv| inv.summary.backup.blobs_local_only);
    let mut line = match local_only {
        Some(n) if watch.enabled => format!("{backup} — {n} not backed up"),
        _ => backup,
    };
    if !running.is_empty() {
        line.push_str(&format!(" — running: {}", running.join(", ")));
    }
    line
}

fn read_mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()
}

/// inotify on the backup path and its parent; a created, removed, renamed or
/// re-permissioned entry wakes the loop (never an open or a read).
struct Inotify {
    tx: Sender<Wake>,
    watcher: Option<RecommendedWatcher>,
    watching: Option<PathBuf>,
}

impl Inotify {
    fn new(tx: Sender<Wake>) -> Self {
        Self { tx, watcher: None, watching: None }
    }

    fn reset(&mut self) {
        self.watcher = None;
    }

    /// Watches `path` and its parent (re-armed when the path changes or
    /// appears, since a directory that did not exist could not be watched).
    fn follow(&mut self, path: Option<&Path>) {
        let want = path.map(Path::to_path_buf);
        let armed_on_existing = self.watching.as_ref().is_some_and(|p| p.exists());
        if want == self.watching && (armed_on_existing || want.as_ref().is_none_or(|p| !p.exists())) && self.watcher.is_some() {
            return;
        }
        self.watcher = None;
        self.watching = want.clone();
        let Some(path) = want else { return };
        let tx = self.tx.clone();
        let Ok(mut watcher) = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // Only a change of the folder tree may wake the loop: the loop's
            // own look at the path opens it, which raises IN_OPEN on the parent
            // watch, and waking on that re-opened it at once (a full core, issue 11).
            if res.is_ok_and(|e| fswatch::is_backup_change(&e.kind)) {
                let _ = tx.send(Wake::Check);
            }
        }) else {
            return;
        };
        if let Some(parent) = path.parent().filter(|p| p.exists()) {
            let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
        }
        if path.exists() {
            let _ = watcher.watch(&path, RecursiveMode::NonRecursive);
        }
        self.watcher = Some(watcher);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(connected: bool) -> BackupWatch {
        BackupWatch { enabled: true, connected, path: Some("/media/drive".into()), reason: None }
    }

    #[test]
    fn an_attach_is_a_disconnected_to_connected_change_of_the_same_backup() {
        let root = PathBuf::from("/store");
        assert!(is_attach(Some(&(root.clone(), watch(false))), &root, &watch(true)));
        assert!(!is_attach(None, &root, &watch(true)), "not on start");
        assert!(!is_attach(Some(&(root.clone(), watch(true))), &root, &watch(true)), "no change");
        assert!(!is_attach(Some(&(root.clone(), watch(true))), &root, &watch(false)), "a detach");
        assert!(!is_attach(Some(&(PathBuf::from("/other"), watch(false))), &root, &watch(true)), "another store");
        let disabled = BackupWatch { enabled: false, connected: false, path: None, reason: None };
        assert!(!is_attach(Some(&(root.clone(), disabled)), &root, &watch(true)), "enabled in Settings");
    }

    #[test]
    fn the_attach_notification_says_what_is_not_backed_up() {
        assert_eq!(attach_body(0, 0), "Everything is backed up.");
        assert_eq!(attach_body(1, 3_200_000_000), "1 model (3.2 GB) not backed up");
        assert_eq!(attach_body(12, 45_000_000_000), "12 models (45 GB) not backed up");
    }
}
