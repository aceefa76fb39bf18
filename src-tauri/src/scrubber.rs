//! Scrubs as the app sees them (SPEC §3.12): the last scrub of each target
//! (kept in the app's config folder, `scrubs.json`, per store), and the
//! background scrub of a drive that was just attached.
//!
//! The background scrub re-hashes the copies on the drive that were never
//! verified or not within [`FRESH_DAYS`], oldest first, in small chunks (the
//! core's `scrub` with a byte budget), never repairing (that is the user's
//! decision, in the window). It is pausable and cancellable, and pauses by
//! itself while another operation runs and while the machine is busy (the
//! load average, asked on the scrub's worker thread): the check sits in the
//! scrub's progress sink, so even a chunk in flight waits. Nothing runs
//! while no drive was attached: no thread, no timer, no CPU at idle.
//! Findings are reported with an OS notification.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use synapse_core::fsutil::{now_rfc3339, read_json, write_json_atomic};
use synapse_core::progress::{CancelToken, Control, ProgressUpdate};
use synapse_core::scrub::{self, Budget, ScrubOptions, ScrubResult};
use synapse_core::{inventory, Store};
use tauri::{AppHandle, Manager};

use crate::events;
use crate::notifications;
use crate::state::AppState;

/// A copy verified more recently than this is left alone by the background scrub.
pub const FRESH_DAYS: i64 = 30;
/// Bytes hashed by one chunk of the background scrub (at least one file).
const CHUNK: u64 = 512_000_000;
/// How often a paused scrub looks again whether it may go on.
const PAUSED_POLL: Duration = Duration::from_secs(2);
/// The rest between two chunks, so a long scrub leaves the machine room.
const BETWEEN_CHUNKS: Duration = Duration::from_millis(500);
/// How long one load-average reading is trusted.
const LOAD_TTL: Duration = Duration::from_secs(2);

/// The last scrub of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ScrubRecord {
    /// `local` or the target's name.
    pub target: String,
    /// When it ended (RFC 3339).
    pub at: String,
    pub scrubbed: u64,
    pub bytes_scrubbed: u64,
    /// Corrupt copies it found.
    pub corrupt: u64,
    /// Copies it did not reach (left for the next scrub).
    pub left: u64,
    pub cancelled: bool,
    /// Run by the app in the background after the drive was attached.
    pub background: bool,
    pub duration_ms: u64,
}

/// Where the background scrub is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BackgroundPhase {
    Idle,
    Running,
    Paused,
}

/// The background scrub's state (payload of `scrub://background`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BackgroundScrub {
    /// The user lets the app scrub attached drives in the background.
    pub enabled: bool,
    pub phase: BackgroundPhase,
    /// The target being scrubbed.
    pub target: Option<String>,
    /// Why it is paused ("paused by you", "waiting for Sync", "the computer is busy").
    pub reason: Option<String>,
    /// Copies hashed so far in this session, and their bytes.
    pub scrubbed: u64,
    pub bytes_scrubbed: u64,
    /// Copies the session set out to check.
    pub to_check: u64,
    /// Display names of the corrupt copies found so far.
    pub corrupt: Vec<String>,
    /// Targets waiting for their turn.
    pub queued: Vec<String>,
}

impl BackgroundScrub {
    /// Nothing scrubbing now; `queued` targets wait for their turn.
    fn idle(enabled: bool, queued: Vec<String>) -> Self {
        Self {
            enabled,
            phase: BackgroundPhase::Idle,
            target: None,
            reason: None,
            scrubbed: 0,
            bytes_scrubbed: 0,
            to_check: 0,
            corrupt: Vec::new(),
            queued,
        }
    }
}

/// What `scrub_status` answers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ScrubStatus {
    /// The last scrub of each target of the open store, by target name.
    pub last: Vec<ScrubRecord>,
    pub background: BackgroundScrub,
}

// ---- the last scrub per target -------------------------------------------------

const HISTORY: &str = "scrubs.json";

/// Store root → target → its last scrub.
type History = BTreeMap<String, BTreeMap<String, ScrubRecord>>;

fn history_file(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_config_dir().ok().map(|d| d.join(HISTORY))
}

fn history_mutex() -> &'static Mutex<()> {
    static M: Mutex<()> = Mutex::new(());
    &M
}

/// Keeps `record` as the last scrub of its target in `file` (a cache: failures are ignored).
fn remember(file: &Path, root: &Path, record: ScrubRecord) {
    let _guard = history_mutex().lock().unwrap_or_else(|e| e.into_inner());
    let mut all: History = read_json(file).unwrap_or_default();
    all.entry(root.display().to_string()).or_default().insert(record.target.clone(), record);
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = write_json_atomic(file, &all);
}

fn last_of(file: &Path, root: &Path) -> Vec<ScrubRecord> {
    let all: History = read_json(file).unwrap_or_default();
    all.get(&root.display().to_string()).map(|m| m.values().cloned().collect()).unwrap_or_default()
}

/// The record of a finished scrub.
pub fn record_of(r: &ScrubResult, background: bool) -> ScrubRecord {
    ScrubRecord {
        target: r.target.clone(),
        at: now_rfc3339(),
        scrubbed: r.scrubbed,
        bytes_scrubbed: r.bytes_scrubbed,
        corrupt: r.corrupt.len() as u64,
        left: r.left,
        cancelled: r.cancelled,
        background,
        duration_ms: r.duration_ms,
    }
}

/// Remembers a scrub of the store at `root` as its target's last.
pub fn record(app: &AppHandle, root: &Path, r: &ScrubResult, background: bool) {
    if let Some(file) = history_file(app) {
        remember(&file, root, record_of(r, background));
    }
}

/// One line about a scrub, for a notification.
pub fn summary(r: &ScrubResult) -> String {
    let mut s = format!("{} cop{} on '{}' verified", r.scrubbed, if r.scrubbed == 1 { "y" } else { "ies" }, r.target);
    if !r.corrupt.is_empty() {
        s.push_str(&format!(", {} corrupt", r.corrupt.len()));
    }
    if !r.repaired.is_empty() {
        s.push_str(&format!(", {} repaired", r.repaired.len()));
    }
    if r.cancelled {
        s.push_str(" (cancelled)");
    } else if r.left > 0 {
        s.push_str(&format!("; {} left for the next scrub", r.left));
    }
    s
}

// ---- the background scrub ------------------------------------------------------

/// The background scrubber, managed by Tauri.
#[derive(Clone, Default)]
pub struct Scrubber {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    bg: Mutex<Bg>,
    wake: Condvar,
    load: Mutex<Option<(Instant, f64)>>,
}

#[derive(Default)]
struct Bg {
    disabled: bool,
    user_paused: bool,
    queue: VecDeque<(PathBuf, String)>,
    current: Option<Current>,
    worker: bool,
    /// When a chunk last hashed (our own share of the load average).
    hashed_at: Option<Instant>,
}

struct Current {
    root: PathBuf,
    target: String,
    cancel: CancelToken,
    reason: Option<String>,
    scrubbed: u64,
    bytes: u64,
    to_check: u64,
    corrupt: Vec<String>,
}

impl Scrubber {
    fn lock(&self) -> MutexGuard<'_, Bg> {
        self.shared.bg.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot(&self) -> BackgroundScrub {
        let bg = self.lock();
        let queued = bg.queue.iter().map(|(_, t)| t.clone()).collect();
        match &bg.current {
            None => BackgroundScrub::idle(!bg.disabled, queued),
            Some(c) => BackgroundScrub {
                enabled: !bg.disabled,
                phase: if c.reason.is_some() { BackgroundPhase::Paused } else { BackgroundPhase::Running },
                target: Some(c.target.clone()),
                reason: c.reason.clone(),
                scrubbed: c.scrubbed,
                bytes_scrubbed: c.bytes,
                to_check: c.to_check,
                corrupt: c.corrupt.clone(),
                queued,
            },
        }
    }

    /// The one-minute load average, read at most every [`LOAD_TTL`].
    fn load_average(&self) -> f64 {
        let mut cached = self.shared.load.lock().unwrap_or_else(|e| e.into_inner());
        match *cached {
            Some((at, load)) if at.elapsed() < LOAD_TTL => load,
            _ => {
                let load = sysinfo::System::load_average().one;
                *cached = Some((Instant::now(), load));
                load
            }
        }
    }

    /// Why the scrub must wait now, if it must.
    fn pause_reason(&self, state: &AppState) -> Option<String> {
        let (user_paused, hashing) = {
            let bg = self.lock();
            (bg.user_paused, bg.hashed_at.is_some_and(|t| t.elapsed() < Duration::from_secs(60)))
        };
        if user_paused {
            return Some("paused by you".to_owned());
        }
        let running = state.running();
        if !running.is_empty() {
            return Some(format!("waiting for {} to finish", running.join(", ")));
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        if machine_busy(self.load_average(), cores, hashing) {
            return Some("the computer is busy".to_owned());
        }
        None
    }

    /// Waits while the scrub must pause; false when it was cancelled meanwhile.
    /// Runs on the scrub's threads (the progress sink), never on the main thread.
    fn wait_while_paused(&self, app: &AppHandle, cancel: &CancelToken) -> bool {
        let state = app.state::<AppState>().inner().clone();
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let reason = self.pause_reason(&state);
            let changed = {
                let mut bg = self.lock();
                match bg.current.as_mut() {
                    Some(c) if c.reason != reason => {
                        c.reason = reason.clone();
                        true
                    }
                    _ => false,
                }
            };
            if changed {
                announce(app, self);
            }
            let Some(_) = reason else { return true };
            let bg = self.lock();
            let _ = self.shared.wake.wait_timeout(bg, PAUSED_POLL);
        }
    }
}

/// Whether the machine is too busy for a background scrub: the load average
/// above three quarters of the cores, not counting the scrub's own hashing
/// (one thread per core while it hashed within the last minute).
pub(crate) fn machine_busy(load: f64, cores: f64, hashing: bool) -> bool {
    let own = if hashing { cores } else { 0.0 };
    load - own > cores * 0.75
}

fn scrubber(app: &AppHandle) -> Option<Scrubber> {
    app.try_state::<Scrubber>().map(|s| s.inner().clone())
}

fn announce(app: &AppHandle, s: &Scrubber) {
    events::emit(app, events::SCRUB_BACKGROUND, s.snapshot());
}

/// Sets up the scrubber with the preference saved in `desktop.json`.
pub fn init(app: &AppHandle) {
    let s = Scrubber::default();
    if let Ok(dir) = app.path().app_config_dir() {
        s.lock().disabled = crate::prefs::load(&dir).background_scrub_off;
    }
    app.manage(s);
}

/// The open store's last scrubs and the background scrub's state.
pub fn status(app: &AppHandle, root: Option<&Path>) -> ScrubStatus {
    let last = match (history_file(app), root) {
        (Some(file), Some(root)) => last_of(&file, root),
        _ => Vec::new(),
    };
    let background = scrubber(app).map(|s| s.snapshot()).unwrap_or_else(|| BackgroundScrub::idle(false, Vec::new()));
    ScrubStatus { last, background }
}

/// Switches the background scrub on or off (off stops one that runs).
pub fn set_enabled(app: &AppHandle, enabled: bool) {
    let Some(s) = scrubber(app) else { return };
    {
        let mut bg = s.lock();
        bg.disabled = !enabled;
        if !enabled {
            bg.queue.clear();
            if let Some(c) = &bg.current {
                c.cancel.cancel();
            }
        }
    }
    s.shared.wake.notify_all();
    if let Ok(dir) = app.path().app_config_dir() {
        crate::prefs::set_background_scrub(&dir, enabled);
    }
    announce(app, &s);
}

pub fn set_paused(app: &AppHandle, paused: bool) {
    let Some(s) = scrubber(app) else { return };
    s.lock().user_paused = paused;
    s.shared.wake.notify_all();
    announce(app, &s);
}

/// Stops the scrub that runs and forgets the queued ones.
pub fn cancel(app: &AppHandle) {
    let Some(s) = scrubber(app) else { return };
    {
        let mut bg = s.lock();
        bg.queue.clear();
        bg.user_paused = false;
        if let Some(c) = &bg.current {
            c.cancel.cancel();
        }
    }
    s.shared.wake.notify_all();
    announce(app, &s);
}

/// A drive was attached: queue its background scrub (once; nothing when the
/// user switched background scrubs off).
pub fn on_attach(app: &AppHandle, root: &Path, target: &str) {
    let Some(s) = scrubber(app) else { return };
    let start = {
        let mut bg = s.lock();
        let known = bg.current.as_ref().is_some_and(|c| c.root == root && c.target == target)
            || bg.queue.iter().any(|(r, t)| r == root && t == target);
        if bg.disabled || known {
            return;
        }
        bg.queue.push_back((root.to_path_buf(), target.to_owned()));
        !std::mem::replace(&mut bg.worker, true)
    };
    if start {
        let (app2, s2) = (app.clone(), s.clone());
        let spawned = std::thread::Builder::new().name("background-scrub".into()).spawn(move || work(&app2, &s2));
        if spawned.is_err() {
            let mut bg = s.lock();
            bg.worker = false;
            bg.queue.clear();
        }
    }
    announce(app, &s);
}

/// The worker: one queued target after the other, then the thread ends.
fn work(app: &AppHandle, s: &Scrubber) {
    loop {
        let job = {
            let mut bg = s.lock();
            match bg.queue.pop_front() {
                Some((root, target)) => {
                    bg.current = Some(Current {
                        root: root.clone(),
                        target: target.clone(),
                        cancel: CancelToken::new(),
                        reason: None,
                        scrubbed: 0,
                        bytes: 0,
                        to_check: 0,
                        corrupt: Vec::new(),
                    });
                    Some((root, target))
                }
                None => {
                    bg.current = None;
                    bg.worker = false;
                    None
                }
            }
        };
        let Some((root, target)) = job else {
            announce(app, s);
            return;
        };
        announce(app, s);
        let outcome = session(app, s, &root, &target);
        let cur = s.lock().current.take();
        if let Some(c) = cur {
            finish(app, &root, c, outcome);
        }
    }
}

/// How a session ended.
struct Outcome {
    cancelled: bool,
    left: u64,
    error: Option<String>,
    started: Instant,
}

/// Scrubs the stale copies on `target` chunk by chunk. A chunk is stopped
/// (through its own cancel token) as soon as the scrub must pause, and the
/// pause is waited out between chunks, where no file on the drive is open:
/// a paused scrub never keeps the drive from being unmounted.
fn session(app: &AppHandle, s: &Scrubber, root: &Path, target: &str) -> Outcome {
    let started = Instant::now();
    let state = app.state::<AppState>().inner().clone();
    let cancel = s.lock().current.as_ref().map(|c| c.cancel.clone()).unwrap_or_default();
    let mut out = Outcome { cancelled: false, left: 0, error: None, started };
    let store = match Store::open(root).and_then(|st| st.on_target(Some(target))) {
        Ok(st) => st,
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    let mut first = true;
    loop {
        if !s.wait_while_paused(app, &cancel) {
            out.cancelled = true;
            return out;
        }
        let stale = match inventory::build(&store) {
            Ok(inv) if inv.backup.require().is_ok() => stale_copies(&inv.items, target, chrono::Utc::now()),
            Ok(_) => return out, // the drive went away again
            Err(e) => {
                out.error = Some(e.to_string());
                return out;
            }
        };
        {
            let mut bg = s.lock();
            if let Some(c) = bg.current.as_mut() {
                if first {
                    c.to_check = stale;
                }
                out.left = stale;
                // Never more than the copies it set out to check (a copy that
                // stays unverified, e.g. unreadable, is not hashed in a loop).
                if stale == 0 || (!first && c.scrubbed >= c.to_check) {
                    return out;
                }
            }
        }
        first = false;
        let chunk = CancelToken::new();
        let sink = |_: &ProgressUpdate| {
            if cancel.is_cancelled() || s.pause_reason(&state).is_some() {
                chunk.cancel();
            }
        };
        s.lock().hashed_at = Some(Instant::now());
        let opts = ScrubOptions { budget: Some(Budget::Bytes(CHUNK)), repair: false };
        let r = scrub::scrub(&store, Some(target), opts, Control::new(&sink, &chunk));
        s.lock().hashed_at = Some(Instant::now());
        match r {
            Ok(r) => {
                let names = if r.corrupt.is_empty() { Vec::new() } else { display_names(&store, &r) };
                if let Some(c) = s.lock().current.as_mut() {
                    c.scrubbed += r.scrubbed;
                    c.bytes += r.bytes_scrubbed;
                    c.corrupt.extend(names);
                }
                announce(app, s);
                if r.scrubbed == 0 && !r.cancelled {
                    return out;
                }
            }
            Err(synapse_core::Error::Cancelled) => {}
            Err(e) => {
                out.error = Some(e.to_string());
                return out;
            }
        }
        if cancel.is_cancelled() {
            out.cancelled = true;
            return out;
        }
        let bg = s.lock();
        let _ = s.shared.wake.wait_timeout(bg, BETWEEN_CHUNKS);
    }
}

/// The display names of the corrupt copies a chunk found.
fn display_names(store: &Store, r: &ScrubResult) -> Vec<String> {
    let inv = inventory::build(store).ok();
    r.corrupt
        .iter()
        .map(|x| inv.as_ref().and_then(|inv| inv.get(&x.sha256)).map_or_else(|| x.sha256.short().to_owned(), |it| it.display_name.clone()))
        .collect()
}

/// Copies on `target` never verified or verified before the fresh window
/// (corrupt ones excluded: they are known already).
pub(crate) fn stale_copies(items: &[synapse_core::model::InventoryItem], target: &str, now: chrono::DateTime<chrono::Utc>) -> u64 {
    let oldest = now - chrono::Duration::days(FRESH_DAYS);
    items
        .iter()
        .filter_map(|it| it.copies.iter().find(|c| c.target == target && !c.corrupt))
        .filter(|c| {
            c.verified_at
                .as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                .is_none_or(|at| at.with_timezone(&chrono::Utc) < oldest)
        })
        .count() as u64
}

/// Records the session, tells the window, and notifies what it found.
fn finish(app: &AppHandle, root: &Path, c: Current, out: Outcome) {
    if let Some(file) = history_file(app) {
        if c.scrubbed > 0 || out.cancelled {
            remember(
                &file,
                root,
                ScrubRecord {
                    target: c.target.clone(),
                    at: now_rfc3339(),
                    scrubbed: c.scrubbed,
                    bytes_scrubbed: c.bytes,
                    corrupt: c.corrupt.len() as u64,
                    left: out.left,
                    cancelled: out.cancelled,
                    background: true,
                    duration_ms: out.started.elapsed().as_millis() as u64,
                },
            );
        }
    }
    if c.scrubbed > 0 {
        events::inventory_changed(app, "scrub");
    }
    let (ok, message) = match (&out.error, c.corrupt.len()) {
        (Some(e), _) => (false, format!("Background scrub of '{}' stopped: {e}", c.target)),
        (None, 0) if c.scrubbed == 0 => return,
        (None, 0) => (
            true,
            format!(
                "Background scrub of '{}': {} cop{} verified, all intact",
                c.target,
                c.scrubbed,
                if c.scrubbed == 1 { "y" } else { "ies" }
            ),
        ),
        (None, n) => {
            let body = findings_body(&c.corrupt);
            notifications::show(app, &format!("Scrub of '{}' found {n} corrupt cop{}", c.target, if n == 1 { "y" } else { "ies" }), &body);
            (false, format!("Background scrub of '{}' found {n} corrupt cop{}: {body}", c.target, if n == 1 { "y" } else { "ies" }))
        }
    };
    events::emit(app, events::OPERATION_FINISHED, events::OperationFinished { operation: "scrub".into(), ok, message });
}

/// "a.safetensors, b.safetensors and 3 more — repair them from a good copy in Synapse".
pub(crate) fn findings_body(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    let more = names.len().saturating_sub(shown.len());
    let list = if more > 0 { format!("{} and {more} more", shown.join(", ")) } else { shown.join(", ") };
    format!("{list} — open Synapse to repair from a good copy (the bad files are kept in quarantine)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_is_busy_above_three_quarters_of_its_cores_not_counting_the_scrub() {
        assert!(!machine_busy(0.3, 2.0, false));
        assert!(machine_busy(1.6, 2.0, false));
        assert!(!machine_busy(2.4, 2.0, true), "the scrub's own two hashing threads do not count");
        assert!(machine_busy(3.8, 2.0, true));
    }

    #[test]
    fn the_last_scrub_of_each_target_is_kept_per_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("config").join(HISTORY);
        let rec = |target: &str, scrubbed| ScrubRecord {
            target: target.into(),
            at: "2026-12-03T10:00:00Z".into(),
            scrubbed,
            bytes_scrubbed: 10,
            corrupt: 0,
            left: 0,
            cancelled: false,
            background: false,
            duration_ms: 5,
        };
        remember(&file, Path::new("/a"), rec("backup", 1));
        remember(&file, Path::new("/a"), rec("Home NAS", 2));
        remember(&file, Path::new("/a"), rec("backup", 3));
        remember(&file, Path::new("/b"), rec("backup", 9));
        let a = last_of(&file, Path::new("/a"));
        assert_eq!(a.iter().map(|r| (r.target.as_str(), r.scrubbed)).collect::<Vec<_>>(), vec![("Home NAS", 2), ("backup", 3)]);
        assert_eq!(last_of(&file, Path::new("/c")), Vec::new());
    }

    #[test]
    fn findings_name_the_first_models() {
        let names: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
        assert!(findings_body(&names).starts_with("a, b, c and 2 more — "));
        assert!(findings_body(&names[..1]).starts_with("a — "));
    }

    #[test]
    fn stale_copies_are_the_unverified_and_the_old_ones() {
        use synapse_core::model::{BlobCopy, CopySource};
        let now = chrono::Utc::now();
        let copy = |target: &str, at: Option<String>, corrupt| BlobCopy {
            target: target.into(),
            verified_at: at,
            source: CopySource::Live,
            corrupt,
        };
        let old = (now - chrono::Duration::days(FRESH_DAYS + 1)).to_rfc3339();
        let fresh = (now - chrono::Duration::days(1)).to_rfc3339();
        let demo = tempfile::tempdir().expect("temp dir");
        let made = synapse_demo::create(demo.path()).expect("demo store");
        let store = Store::open(&made.store_root).expect("open");
        let mut items = inventory::build(&store).expect("inventory").items;
        items.truncate(4);
        let shapes = [
            vec![copy("nas", None, false)],
            vec![copy("nas", Some(old), false)],
            vec![copy("nas", Some(fresh), false)],
            vec![copy("nas", None, true), copy("local", None, false)],
        ];
        for (it, copies) in items.iter_mut().zip(shapes) {
            it.copies = copies;
        }
        assert_eq!(stale_copies(&items, "nas", now), 2);
        assert_eq!(stale_copies(&items, "local", now), 1);
    }
}
