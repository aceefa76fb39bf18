//! Backup-drive watching (SPEC §6, §3.12): every enabled backup target is
//! watched, not only the original's. `notify` on each target's path and its
//! parent is the fast path, plus a 1-second poll of `/proc/self/mountinfo`
//! and of each path, because mounting or unmounting a drive produces no
//! inotify event and network mounts send none either.
//!
//! Each target's state comes from [`BackupState::of`] (which never waits
//! more than 5 s on a hung mount) asked on a thread of its own, so a target
//! that hangs never holds up the others: the loop takes the answers that
//! came within a second, and a question still out is not asked again until
//! it returns. A hung target shows as `unresponsive`; its path is not
//! touched by the loop (no inotify arming, no `exists`).
//!
//! A change of any target's state is emitted as `targets://status` (every
//! target) and, for the original's, `backup://status`, within about a
//! second. An attach runs the queued auto-backups (the original's target),
//! refreshes the catalogs, shows an OS notification naming the drive
//! ("Backup drive 'Home NAS' connected — 12 models below 2 copies") and
//! queues the drive's background scrub.
//!
//! A bucket target (SPEC §3.13) has no path to watch: it is asked on a probe
//! thread like the others (one small GET of its `backup-id` object), but
//! every [`BUCKET_POLL`] rather than every second, and again at once when
//! the targets or a key change ([`recheck`]). Its state goes out in the same
//! `targets://status`; coming back online notifies like an attach, without a
//! background scrub (a scrub of a bucket downloads every copy it checks).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use synapse_core::autobackup;
use synapse_core::backup::BackupState;
use synapse_core::layout::StoreLayout;
use synapse_core::model::TargetState;
use synapse_core::progress::{Control, NoProgress};
use synapse_core::target::{self, Target};
use synapse_core::{inventory, Store};
use tauri::{AppHandle, Manager};

use crate::events::{self, BackupWatch, TargetWatch};
use crate::fswatch;
use crate::state::AppState;
use crate::{notifications, scrubber, tray};

/// How often the paths and the mount table are re-checked.
const POLL: Duration = Duration::from_secs(1);
/// How often a bucket target is asked whether it answers: each ask is a
/// request to a server that may bill for it, and a bucket is not plugged
/// in and out like a drive.
const BUCKET_POLL: Duration = Duration::from_secs(30);
/// How long one pass waits for the targets' answers (a slower one is taken on a later pass).
const ANSWER_WAIT: Duration = Duration::from_secs(1);
/// When the tray first counts the blobs that are not backed up.
const FIRST_COUNT_DELAY: Duration = Duration::from_secs(5);

/// Why the watcher thread was woken.
enum Wake {
    /// Something may have changed on disk (inotify, settings saved, store switched).
    Check,
    /// The inventory changed: recount what the tray shows.
    Recount,
    /// The targets or a bucket's key changed: ask the buckets again now too.
    Recheck,
    /// Emit `backup://status` again even if nothing changed (after an attach's
    /// auto-backups and catalog refresh changed what the drive holds).
    Announce,
}

/// The sender that wakes the watcher thread, managed by Tauri.
pub struct WatcherHandle(Mutex<Sender<Wake>>);

/// A target's state as the UI's original `backup://status` shows it.
pub fn watch_of(state: &BackupState) -> BackupWatch {
    let path = state.path().map(|p| p.display().to_string());
    match state {
        BackupState::Disabled { .. } => BackupWatch { enabled: false, connected: false, path, reason: None },
        BackupState::Connected { .. } => BackupWatch { enabled: true, connected: true, path, reason: None },
        other => BackupWatch { enabled: true, connected: false, path, reason: other.reason() },
    }
}

/// The original's target as the UI shows it.
pub fn backup_watch(store: &Store) -> BackupWatch {
    match store.config() {
        Ok(config) => watch_of(&BackupState::detect_for(store.layout(), &config)),
        Err(e) => BackupWatch { enabled: false, connected: false, path: None, reason: Some(e.to_string()) },
    }
}

/// One target's state for `targets://status`.
pub fn target_watch(target: &Target, state: &BackupState) -> TargetWatch {
    TargetWatch {
        name: target.name.clone(),
        primary: target.primary,
        state: state.word(),
        path: state.path().or_else(|| target.path.clone()).map(|p| p.display().to_string()),
        reason: state.reason(),
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

/// Asks the watcher to look again now, buckets included (after a target
/// was added, removed, switched or given another key).
pub fn recheck(app: &AppHandle) {
    send(app, Wake::Recheck);
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

/// Asks every target's state on threads of their own and keeps the last answers.
struct Probes {
    tx: Sender<(PathBuf, String, BackupState)>,
    rx: Receiver<(PathBuf, String, BackupState)>,
    /// Questions still out, by (store root, target name).
    inflight: HashSet<(PathBuf, String)>,
    known: HashMap<(PathBuf, String), BackupState>,
    /// When each bucket target was last asked.
    bucket_asked: HashMap<(PathBuf, String), Instant>,
    /// How long a bucket's answer holds before it is asked again.
    bucket_poll: Duration,
}

impl Probes {
    fn new() -> Self {
        let (tx, rx) = mpsc::channel();
        Self { tx, rx, inflight: HashSet::new(), known: HashMap::new(), bucket_asked: HashMap::new(), bucket_poll: BUCKET_POLL }
    }

    /// Asks every bucket again on the next pass.
    fn recheck_buckets(&mut self) {
        self.bucket_asked.clear();
    }

    fn take(&mut self, (root, name, state): (PathBuf, String, BackupState)) {
        self.inflight.remove(&(root.clone(), name.clone()));
        self.known.insert((root, name), state);
    }

    /// The state of each target: asked again now (unless the last question
    /// is still out), waiting at most [`ANSWER_WAIT`] for the answers; a
    /// target with no answer yet is left out of this pass.
    fn states(&mut self, layout: &StoreLayout, targets: &[Target]) -> Vec<(Target, BackupState)> {
        let root = layout.root().to_path_buf();
        let mut asked = Vec::new();
        for t in targets {
            let key = (root.clone(), t.name.clone());
            if self.inflight.contains(&key) {
                continue;
            }
            let bucket = t.s3.is_some();
            // Switched off, or without a folder (the original's): the answer needs no disk.
            if !t.enabled || (t.path.is_none() && !bucket) {
                self.known.insert(key, BackupState::of(layout, t));
                continue;
            }
            // A bucket keeps its last answer for a while (see BUCKET_POLL).
            let now = Instant::now();
            if bucket && self.known.contains_key(&key) && self.bucket_asked.get(&key).is_some_and(|at| now < *at + self.bucket_poll) {
                continue;
            }
            if bucket {
                self.bucket_asked.insert(key.clone(), now);
            }
            let (tx, layout, t2) = (self.tx.clone(), layout.clone(), t.clone());
            let spawned = std::thread::Builder::new().name("target-probe".into()).spawn(move || {
                let state = BackupState::of(&layout, &t2);
                let _ = tx.send((layout.root().to_path_buf(), t2.name.clone(), state));
            });
            if spawned.is_ok() {
                self.inflight.insert(key.clone());
                asked.push(key);
            }
        }
        let deadline = Instant::now() + ANSWER_WAIT;
        while asked.iter().any(|k| self.inflight.contains(k)) {
            match self.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(answer) => self.take(answer),
                Err(_) => break,
            }
        }
        while let Ok(answer) = self.rx.try_recv() {
            self.take(answer);
        }
        // Forget what no longer is a target of this store.
        let names: HashSet<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        self.known.retain(|(r, n), _| r != &root || names.contains(n.as_str()));
        self.bucket_asked.retain(|(r, n), _| r != &root || names.contains(n.as_str()));
        targets.iter().filter_map(|t| self.known.get(&(root.clone(), t.name.clone())).map(|s| (t.clone(), s.clone()))).collect()
    }
}

/// Every target of the store (the original's first).
fn targets_of(store: &Store) -> Vec<Target> {
    match (store.config(), target::load(store.layout())) {
        (Ok(config), Ok(file)) => target::all_of(store.layout(), &config, &file),
        (Ok(config), Err(_)) => {
            // An unreadable targets file: the original's target still shows.
            let file = target::TargetsFile::default();
            target::all_of(store.layout(), &config, &file).into_iter().filter(|t| t.primary).collect()
        }
        _ => Vec::new(),
    }
}

fn run(app: AppHandle, tx: Sender<Wake>, rx: Receiver<Wake>) {
    let state = app.state::<AppState>().inner().clone();
    let mut last: Option<(PathBuf, Vec<TargetWatch>)> = None;
    let mut last_primary: Option<BackupWatch> = None;
    let mut mounts = read_mountinfo();
    let mut inotify = Inotify::new(tx);
    let mut probes = Probes::new();
    let mut recount_due = true;
    let mut announce = false;
    // The first count waits until the window has painted: on two cores a
    // second inventory build at start-up would slow the window's own.
    let counts_from = Instant::now() + FIRST_COUNT_DELAY;
    loop {
        let root = state.root().unwrap_or_default();
        let store = Store::open(&root).ok();
        let targets = store.as_ref().map(targets_of).unwrap_or_default();
        let states = store.as_ref().map(|s| probes.states(s.layout(), &targets)).unwrap_or_default();
        let watches: Vec<TargetWatch> = states.iter().map(|(t, s)| target_watch(t, s)).collect();
        let primary = match (&store, states.iter().find(|(t, _)| t.primary)) {
            (None, _) => Some(no_store()),
            (Some(_), Some((_, s))) => Some(watch_of(s)),
            // The original's answer is not in yet: keep what was shown.
            (Some(_), None) => last_primary.clone(),
        };
        inotify.follow(&states);

        let changed = last.as_ref().is_none_or(|(r, w)| r != &root || w != &watches);
        let announce_now = std::mem::take(&mut announce);
        if changed | announce_now {
            events::emit(&app, events::TARGETS_STATUS, watches.clone());
            if let Some(store) = store.as_ref() {
                for ((t, _), w) in states.iter().zip(&watches) {
                    if is_attach(last.as_ref(), &root, w) {
                        on_attach(&app, root.clone(), w.clone(), t.s3.is_some(), store);
                    }
                }
            }
            last = Some((root.clone(), watches.clone()));
            recount_due = true;
        }
        if let Some(p) = primary {
            if last_primary.as_ref() != Some(&p) || announce_now {
                events::emit(&app, events::BACKUP_STATUS, p.clone());
                last_primary = Some(p);
            }
        }
        if recount_due {
            let count = Instant::now() >= counts_from;
            let counts = store.as_ref().filter(|_| count).and_then(counts_of);
            let buckets: HashSet<String> = states.iter().filter(|(t, _)| t.s3.is_some()).map(|(t, _)| t.name.clone()).collect();
            tray::set_status(&app, &tray_line(counts.as_ref(), &watches, &buckets, &state.running()));
            recount_due = !count;
        }

        match rx.recv_timeout(POLL) {
            Ok(Wake::Recount) => recount_due = true,
            Ok(Wake::Announce) => announce = true,
            Ok(Wake::Recheck) => probes.recheck_buckets(),
            Ok(Wake::Check) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Drain a burst of inotify events into one check.
        while let Ok(wake) = rx.try_recv() {
            match wake {
                Wake::Recount => recount_due = true,
                Wake::Announce => announce = true,
                Wake::Recheck => probes.recheck_buckets(),
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

/// True when a target of the same store went from not connected to
/// connected at the same path (not on start, not when switching stores,
/// not when enabling a target or adding one).
fn is_attach(last: Option<&(PathBuf, Vec<TargetWatch>)>, root: &Path, now: &TargetWatch) -> bool {
    let Some((r, before)) = last else { return false };
    let Some(was) = before.iter().find(|w| w.name == now.name) else { return false };
    r == root
        && now.state == TargetState::Connected
        && matches!(was.state, TargetState::Disconnected | TargetState::Unresponsive)
        && was.path == now.path
}

/// What the tray and the attach notification count.
struct Counts {
    local_only: u64,
    bytes_local_only: u64,
    below_policy: u64,
    /// The global `min_copies`, and whether kinds or packs override it.
    min_copies: u32,
    overrides: bool,
}

fn counts_of(store: &Store) -> Option<Counts> {
    let inv = inventory::build(store).ok()?;
    Some(Counts {
        local_only: inv.summary.backup.blobs_local_only,
        bytes_local_only: inv.summary.backup.bytes_local_only,
        below_policy: inv.summary.blobs_below_policy,
        min_copies: inv.policy.min_copies,
        overrides: !inv.policy.kinds.is_empty() || !inv.policy.packs.is_empty(),
    })
}

/// A drive came back: run the queued auto-backups (the original's target),
/// refresh the catalogs (building the inventory scans the drives and
/// rewrites them), tell the user with a notification naming the drive, have
/// the window reload, and queue the drive's background scrub. Runs on a
/// thread of its own so the watcher keeps polling: a drive pulled again
/// during a long auto-backup still shows within the 3 seconds.
fn on_attach(app: &AppHandle, root: PathBuf, target: TargetWatch, bucket: bool, _store: &Store) {
    let worker = app.clone();
    let spawned = std::thread::Builder::new().name("backup-attach".into()).spawn(move || {
        let app = worker;
        let Ok(store) = Store::open(&root) else { return };
        if target.primary {
            run_queue(&app, &store);
        }
        let title =
            if bucket { format!("Bucket '{}' online again", target.name) } else { format!("Backup drive '{}' connected", target.name) };
        match counts_of(&store) {
            Some(c) => {
                let offer = if target.primary && c.local_only > 0 {
                    notifications::AttachOffer::BackUpNow
                } else if c.below_policy > 0 {
                    notifications::AttachOffer::CopyToTargets
                } else {
                    notifications::AttachOffer::Nothing
                };
                notifications::show_attach(&app, &title, &attach_body(&c, target.primary), offer);
            }
            None => notifications::show(&app, &title, "The inventory could not be read: open Synapse to see why."),
        }
        // The drive's totals and the catalog changed: the cards and the table
        // reload. The watcher re-sends the status it holds, so a drive pulled
        // again meanwhile is never announced as connected from here.
        send(&app, Wake::Announce);
        events::inventory_changed(&app, "backup");
        if !bucket {
            scrubber::on_attach(&app, &root, &target.name);
        }
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

fn models(n: u64) -> String {
    if n == 1 {
        "1 model".to_owned()
    } else {
        format!("{n} models")
    }
}

/// "12 models below 2 copies" (or "below the copies policy" when kinds or packs override it).
fn below_text(c: &Counts) -> String {
    if c.overrides {
        format!("{} below the copies policy", models(c.below_policy))
    } else {
        format!("{} below {} copies", models(c.below_policy), c.min_copies)
    }
}

/// The attach notification's body: what is not backed up (the original's
/// target) and what is below the copies policy.
fn attach_body(c: &Counts, primary: bool) -> String {
    let mut parts = Vec::new();
    if primary && c.local_only > 0 {
        parts.push(format!("{} ({}) not backed up", models(c.local_only), notifications::human_bytes(c.bytes_local_only)));
    }
    if c.below_policy > 0 {
        parts.push(below_text(c));
    }
    if parts.is_empty() {
        "Everything is backed up.".to_owned()
    } else {
        parts.join("; ")
    }
}

/// A target's state in the tray's words (a bucket is online or offline, never plugged in).
fn state_words(state: TargetState, bucket: bool) -> &'static str {
    match state {
        TargetState::Connected if bucket => "online",
        TargetState::Disconnected if bucket => "offline",
        TargetState::Connected => "connected",
        TargetState::Disconnected => "disconnected",
        TargetState::Unresponsive => "not answering",
        TargetState::NoPath => "has no folder",
        TargetState::Disabled => "off",
    }
}

/// The tray's status line, naming the drives: "Backup drive 'Home NAS'
/// connected — 12 models below 2 copies" (without the count when `counts`
/// is `None`); the targets named in `buckets` are buckets ("Bucket 'Cloud' online").
fn tray_line(counts: Option<&Counts>, targets: &[TargetWatch], buckets: &HashSet<String>, running: &[String]) -> String {
    let enabled: Vec<&TargetWatch> = targets.iter().filter(|t| t.state != TargetState::Disabled).collect();
    let words = |t: &TargetWatch| state_words(t.state, buckets.contains(&t.name));
    let mut line = match enabled.as_slice() {
        [] => "Backup not configured".to_owned(),
        [one] if buckets.contains(&one.name) => format!("Bucket '{}' {}", one.name, words(one)),
        [one] => format!("Backup drive '{}' {}", one.name, words(one)),
        many => format!(
            "{}: {}",
            if many.iter().any(|t| buckets.contains(&t.name)) { "Backup targets" } else { "Backup drives" },
            many.iter().map(|t| format!("'{}' {}", t.name, words(t))).collect::<Vec<_>>().join(", ")
        ),
    };
    if let (Some(c), false) = (counts, enabled.is_empty()) {
        let tail = if c.below_policy > 0 && (c.min_copies > 1 || c.overrides) {
            below_text(c)
        } else if c.local_only > 0 {
            format!("{} not backed up", models(c.local_only))
        } else {
            "everything backed up".to_owned()
        };
        line.push_str(" — ");
        line.push_str(&tail);
    }
    if !running.is_empty() {
        line.push_str(&format!(" — running: {}", running.join(", ")));
    }
    line
}

fn read_mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()
}

/// inotify on each target's path and its parent; a created, removed,
/// renamed or re-permissioned entry wakes the loop (never an open or a read).
struct Inotify {
    tx: Sender<Wake>,
    /// Path → its watcher and whether the path itself was there when armed.
    armed: HashMap<PathBuf, (RecommendedWatcher, bool)>,
}

impl Inotify {
    fn new(tx: Sender<Wake>) -> Self {
        Self { tx, armed: HashMap::new() }
    }

    fn reset(&mut self) {
        self.armed.clear();
    }

    /// Follows the paths of the targets: a watch is (re-)armed when a path
    /// appears (a directory that did not exist could not be watched) and
    /// dropped when it is no longer a target's. An unresponsive target's
    /// path is never touched (a `stat` there would block the loop).
    fn follow(&mut self, states: &[(Target, BackupState)]) {
        let mut wanted: HashSet<PathBuf> = HashSet::new();
        for (_, state) in states {
            let Some(path) = state.path() else { continue };
            if !state.enabled() || matches!(state, BackupState::Unresponsive { .. }) {
                continue;
            }
            wanted.insert(path.clone());
            let exists = matches!(state, BackupState::Connected { .. }) || path.exists();
            if self.armed.get(&path).is_some_and(|(_, was)| *was == exists) {
                continue;
            }
            if let Some(w) = self.arm(&path, exists) {
                self.armed.insert(path, (w, exists));
            }
        }
        self.armed.retain(|p, _| wanted.contains(p));
    }

    fn arm(&self, path: &Path, exists: bool) -> Option<RecommendedWatcher> {
        let tx = self.tx.clone();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // Only a change of the folder tree may wake the loop: the loop's
            // own look at the path opens it, which raises IN_OPEN on the parent
            // watch, and waking on that re-opened it at once (a full core, issue 11).
            if res.is_ok_and(|e| fswatch::is_backup_change(&e.kind)) {
                let _ = tx.send(Wake::Check);
            }
        })
        .ok()?;
        if let Some(parent) = path.parent().filter(|p| p.exists()) {
            let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
        }
        if exists {
            let _ = watcher.watch(path, RecursiveMode::NonRecursive);
        }
        Some(watcher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(name: &str, state: TargetState) -> TargetWatch {
        TargetWatch { name: name.into(), primary: name == "backup", state, path: Some(format!("/media/{name}")), reason: None }
    }

    fn counts(local_only: u64, below_policy: u64, min_copies: u32) -> Counts {
        Counts { local_only, bytes_local_only: 45_000_000_000, below_policy, min_copies, overrides: false }
    }

    #[test]
    fn an_attach_is_a_disconnected_to_connected_change_of_the_same_target() {
        let root = PathBuf::from("/store");
        let before = |s| Some((root.clone(), vec![watch("backup", TargetState::Connected), watch("Home NAS", s)]));
        let nas = watch("Home NAS", TargetState::Connected);
        assert!(is_attach(before(TargetState::Disconnected).as_ref(), &root, &nas));
        assert!(is_attach(before(TargetState::Unresponsive).as_ref(), &root, &nas), "a hung mount that answers again");
        assert!(!is_attach(None, &root, &nas), "not on start");
        assert!(!is_attach(before(TargetState::Connected).as_ref(), &root, &nas), "no change");
        assert!(!is_attach(before(TargetState::Disabled).as_ref(), &root, &nas), "enabled in Settings");
        assert!(
            !is_attach(Some(&(PathBuf::from("/other"), vec![watch("Home NAS", TargetState::Disconnected)])), &root, &nas),
            "another store"
        );
        assert!(!is_attach(Some(&(root.clone(), vec![watch("backup", TargetState::Connected)])), &root, &nas), "a target just added");
        let moved = TargetWatch { path: Some("/elsewhere".into()), ..nas.clone() };
        assert!(!is_attach(before(TargetState::Disconnected).as_ref(), &root, &moved), "a new folder");
    }

    #[test]
    fn the_attach_notification_says_what_is_not_backed_up_and_below_the_policy() {
        assert_eq!(attach_body(&counts(0, 0, 1), true), "Everything is backed up.");
        assert_eq!(attach_body(&Counts { bytes_local_only: 3_200_000_000, ..counts(1, 0, 1) }, true), "1 model (3.2 GB) not backed up");
        assert_eq!(attach_body(&counts(12, 0, 1), true), "12 models (45 GB) not backed up");
        assert_eq!(attach_body(&counts(12, 3, 2), true), "12 models (45 GB) not backed up; 3 models below 2 copies");
        assert_eq!(attach_body(&counts(12, 3, 2), false), "3 models below 2 copies", "another drive does not hold the original's backup");
        assert_eq!(attach_body(&Counts { overrides: true, ..counts(0, 1, 2) }, false), "1 model below the copies policy");
    }

    #[test]
    fn the_tray_line_names_the_drives() {
        let none = HashSet::new();
        let nas = [watch("Home NAS", TargetState::Connected)];
        assert_eq!(tray_line(Some(&counts(0, 12, 2)), &nas, &none, &[]), "Backup drive 'Home NAS' connected — 12 models below 2 copies");
        let two = [watch("backup", TargetState::Disconnected), watch("Home NAS", TargetState::Unresponsive)];
        assert_eq!(
            tray_line(Some(&counts(4, 0, 1)), &two, &none, &["Sync".into()]),
            "Backup drives: 'backup' disconnected, 'Home NAS' not answering — 4 models not backed up — running: Sync"
        );
        assert_eq!(tray_line(None, &[watch("backup", TargetState::Disabled)], &none, &[]), "Backup not configured");
        assert_eq!(tray_line(Some(&counts(0, 0, 2)), &nas, &none, &[]), "Backup drive 'Home NAS' connected — everything backed up");
        assert_eq!(tray_line(None, &nas, &none, &[]), "Backup drive 'Home NAS' connected", "before the first count");
        let cloud: HashSet<String> = ["Cloud".to_owned()].into();
        assert_eq!(tray_line(None, &[watch("Cloud", TargetState::Connected)], &cloud, &[]), "Bucket 'Cloud' online");
        assert_eq!(
            tray_line(None, &[watch("backup", TargetState::Connected), watch("Cloud", TargetState::Disconnected)], &cloud, &[]),
            "Backup targets: 'backup' connected, 'Cloud' offline"
        );
    }

    #[test]
    fn a_hung_target_does_not_hold_up_the_others() {
        // A target whose question is still out keeps its last answer and is
        // not asked again; the loop does not wait for it.
        let dir = tempfile::tempdir().expect("temp dir");
        let made = synapse_demo::create(dir.path()).expect("demo store");
        let store = Store::open(&made.store_root).expect("open");
        let targets = targets_of(&store);
        assert!(targets.len() >= 2, "the demo store has two targets");
        let mut probes = Probes::new();
        let first = probes.states(store.layout(), &targets);
        assert_eq!(first.len(), targets.len());
        assert!(first.iter().all(|(_, s)| s.word() == TargetState::Connected), "{first:?}");
        // Pretend the NAS's question never came back.
        let nas = targets.iter().find(|t| !t.primary).expect("a second target");
        probes.inflight.insert((store.root().to_path_buf(), nas.name.clone()));
        let t0 = Instant::now();
        let again = probes.states(store.layout(), &targets);
        assert!(t0.elapsed() < Duration::from_millis(900), "the pass waited on the hung target: {:?}", t0.elapsed());
        assert_eq!(again.len(), targets.len(), "the hung target keeps its last state");
    }

    #[test]
    fn a_bucket_is_asked_every_bucket_poll_not_every_pass() {
        let dir = tempfile::tempdir().expect("temp dir");
        let made = synapse_demo::create(dir.path()).expect("demo store");
        let store = Store::open(&made.store_root).expect("open");
        let bucket = Target {
            name: "cloud".into(),
            primary: false,
            kind: target::TargetKind::S3,
            path: None,
            // Nothing listens on the discard port: the answer is quick and not connected.
            s3: Some(synapse_core::s3::S3Location {
                endpoint: "http://127.0.0.1:9".into(),
                bucket: "lib".into(),
                prefix: String::new(),
                region: "us-east-1".into(),
                path_style: true,
            }),
            enabled: true,
            backup_id: Some("b-1".into()),
        };
        let key = (store.root().to_path_buf(), "cloud".to_owned());
        let mut probes = Probes::new();
        let targets = [bucket];
        let t0 = Instant::now();
        while probes.states(store.layout(), &targets).is_empty() {
            assert!(t0.elapsed() < Duration::from_secs(20), "the bucket never answered");
        }
        let asked = probes.bucket_asked[&key];
        let states = probes.states(store.layout(), &targets);
        assert_eq!(states.len(), 1, "the last answer is kept");
        assert_ne!(states[0].1.word(), TargetState::Connected, "{:?}", states[0].1);
        assert_eq!(probes.bucket_asked[&key], asked, "asked again within {BUCKET_POLL:?}");
        assert!(!probes.inflight.contains(&key));
        probes.recheck_buckets();
        probes.states(store.layout(), &targets);
        assert!(probes.bucket_asked[&key] > asked, "a recheck asks the bucket at once");
        probes.bucket_poll = Duration::ZERO;
        let again = probes.bucket_asked[&key];
        while probes.inflight.contains(&key) {
            probes.states(store.layout(), &targets);
        }
        probes.states(store.layout(), &targets);
        assert!(probes.bucket_asked[&key] > again, "asked again once the poll interval is over");
    }
}
