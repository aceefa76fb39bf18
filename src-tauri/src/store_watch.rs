//! Keeps the window current when something else changes the store (issue 11:
//! after `synapse pack delete` in a terminal the Inventory kept showing the
//! blob as referenced). `notify` watches `state/` and the blob folders
//! recursively and `data/` itself (the UI-link record, the integrity record);
//! a burst of changes becomes one `inventory://changed` about 300 ms after the
//! last event (at most a second after the first), well inside the 2 s the
//! window has to show it.
//!
//! Two rules keep this watcher from costing anything while nothing changes:
//! reads are never changes ([`fswatch::is_store_change`]), so the window's own
//! reload cannot wake it again; and changes the app makes itself are not
//! announced twice: while an app operation runs the watcher waits, and when
//! the app has announced a change since the first event arrived
//! ([`note_own_change`]) the burst is dropped.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use synapse_core::layout::StoreLayout;
use tauri::{AppHandle, Manager};

use crate::events;
use crate::fswatch;
use crate::state::AppState;

/// Quiet time that ends a burst of changes.
const QUIET: Duration = Duration::from_millis(300);
/// A burst that never goes quiet is still announced this soon after it began.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// How often the watcher checks that it watches the open store's folders.
const REARM: Duration = Duration::from_secs(1);

/// When the app itself last announced `inventory://changed`, managed by Tauri.
#[derive(Default)]
pub struct OwnChanges(Mutex<Option<Instant>>);

/// Records that the app announced a change itself (called by
/// [`events::inventory_changed`]), so the watcher does not repeat it.
pub fn note_own_change(app: &AppHandle) {
    if let Some(own) = app.try_state::<OwnChanges>() {
        *own.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }
}

fn own_change_since(app: &AppHandle, since: Instant) -> bool {
    app.try_state::<OwnChanges>().and_then(|own| *own.0.lock().unwrap_or_else(|e| e.into_inner())).is_some_and(|at| at >= since)
}

/// Starts the store watcher thread.
pub fn start(app: &AppHandle) {
    app.manage(OwnChanges::default());
    let (tx, rx) = mpsc::channel();
    let app = app.clone();
    std::thread::Builder::new()
        .name("store-watcher".into())
        .spawn(move || run(app, tx, rx))
        .expect("cannot start the store watcher thread");
}

/// The folders watched for a store, with how deep.
pub fn watched(root: &Path) -> Vec<(PathBuf, RecursiveMode)> {
    let layout = StoreLayout::new(root);
    vec![
        (layout.state(), RecursiveMode::Recursive),
        (layout.blobs().root().to_path_buf(), RecursiveMode::Recursive),
        (layout.data(), RecursiveMode::NonRecursive),
    ]
}

/// Whether a changed path is one the inventory shows: not an in-progress
/// copy (`.part`, `data/tmp/`) nor a rebuildable cache (`data/cache/`).
pub fn is_relevant(root: &Path, path: &Path) -> bool {
    let layout = StoreLayout::new(root);
    if path.starts_with(layout.tmp()) || path.starts_with(layout.cache()) {
        return false;
    }
    !path.extension().is_some_and(|e| e == "part" || e == "synapse-tmp")
}

fn run(app: AppHandle, tx: Sender<()>, rx: Receiver<()>) {
    let state = app.state::<AppState>().inner().clone();
    let mut armed: Option<(PathBuf, Vec<PathBuf>, RecommendedWatcher)> = None;
    loop {
        let root = state.root().unwrap_or_default();
        let existing: Vec<PathBuf> = watched(&root).into_iter().map(|(p, _)| p).filter(|p| p.is_dir()).collect();
        if armed.as_ref().is_none_or(|(r, dirs, _)| r != &root || dirs != &existing) {
            armed = arm(&root, &tx).map(|w| (root.clone(), existing, w));
        }
        let first = match rx.recv_timeout(REARM) {
            Ok(()) => Instant::now(),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Gather the burst into one announcement.
        loop {
            let left = MAX_DELAY.saturating_sub(first.elapsed());
            if left.is_zero() {
                break;
            }
            match rx.recv_timeout(QUIET.min(left)) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        // The app's own operation announces its result when it ends.
        while !state.running().is_empty() {
            std::thread::sleep(QUIET);
            while rx.try_recv().is_ok() {}
        }
        while rx.try_recv().is_ok() {}
        if !own_change_since(&app, first) {
            events::inventory_changed(&app, "store");
        }
    }
}

/// Watches the open store's folders; `None` when there is nothing to watch.
fn arm(root: &Path, tx: &Sender<()>) -> Option<RecommendedWatcher> {
    let tx = tx.clone();
    let root_for_events = root.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            if fswatch::is_store_change(&event.kind) && event.paths.iter().any(|p| is_relevant(&root_for_events, p)) {
                let _ = tx.send(());
            }
        }
    })
    .ok()?;
    let mut any = false;
    for (dir, mode) in watched(root) {
        if dir.is_dir() && watcher.watch(&dir, mode).is_ok() {
            any = true;
        }
    }
    any.then_some(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_progress_copies_and_caches_are_not_changes_of_the_inventory() {
        let root = Path::new("/store");
        assert!(is_relevant(root, Path::new("/store/state/packs/A/lock.json")));
        assert!(is_relevant(root, Path::new("/store/data/blobs/sha256/ab/abcd")));
        assert!(is_relevant(root, Path::new("/store/data/ui-links.json")));
        assert!(!is_relevant(root, Path::new("/store/data/blobs/sha256/ab/abcd.part")));
        assert!(!is_relevant(root, Path::new("/store/data/tmp/x1.part")));
        assert!(!is_relevant(root, Path::new("/store/data/cache/backup-catalog.json")));
        assert!(!is_relevant(root, Path::new("/store/state/packs/A/.lock.json.0f3a.synapse-tmp")));
    }
}
