//! Progress reporting and cancellation: the one mechanism every long operation
//! uses (SPEC §4). The core reports through a [`ProgressSink`]; the CLI renders
//! a progress bar, the desktop app forwards updates over an IPC channel.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};

/// A snapshot of an operation's progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgressUpdate {
    /// What the operation is doing ("verify", "adopt", "cleanup", ...).
    pub operation: String,
    pub items_done: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Display name of the item being worked on, if any.
    pub current: Option<String>,
}

/// Receives progress updates; must be cheap (updates are throttled).
pub trait ProgressSink: Send + Sync {
    fn report(&self, update: &ProgressUpdate);
}

/// A sink that ignores everything.
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn report(&self, _: &ProgressUpdate) {}
}

impl<F: Fn(&ProgressUpdate) + Send + Sync> ProgressSink for F {
    fn report(&self, update: &ProgressUpdate) {
        self(update)
    }
}

/// A cancellation flag shared between the caller and the operation.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled: call it between chunks and items.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// How a caller lets an operation report and be cancelled.
#[derive(Clone, Copy)]
pub struct Control<'a> {
    pub sink: &'a dyn ProgressSink,
    pub cancel: &'a CancelToken,
}

impl<'a> Control<'a> {
    pub fn new(sink: &'a dyn ProgressSink, cancel: &'a CancelToken) -> Self {
        Self { sink, cancel }
    }
}

/// Per-operation counters, safe to update from several threads; sends a
/// throttled update to the sink (at most every 50 ms, and at the end).
pub struct Tracker<'a> {
    ctl: Control<'a>,
    operation: String,
    items_total: AtomicU64,
    bytes_total: AtomicU64,
    items_done: AtomicU64,
    bytes_done: AtomicU64,
    current: Mutex<Option<String>>,
    last_emit: Mutex<Instant>,
}

const EMIT_EVERY: Duration = Duration::from_millis(50);

impl<'a> Tracker<'a> {
    pub fn new(ctl: Control<'a>, operation: &str, items_total: u64, bytes_total: u64) -> Self {
        let t = Self {
            ctl,
            operation: operation.to_owned(),
            items_total: AtomicU64::new(items_total),
            bytes_total: AtomicU64::new(bytes_total),
            items_done: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            current: Mutex::new(None),
            last_emit: Mutex::new(Instant::now() - EMIT_EVERY),
        };
        t.emit(true);
        t
    }

    pub fn cancel(&self) -> &CancelToken {
        self.ctl.cancel
    }

    pub fn check(&self) -> Result<()> {
        self.ctl.cancel.check()
    }

    pub(crate) fn set_totals(&self, items: u64, bytes: u64) {
        self.items_total.store(items, Ordering::Relaxed);
        self.bytes_total.store(bytes, Ordering::Relaxed);
        self.emit(true);
    }

    pub(crate) fn start_item(&self, name: &str) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.to_owned());
        self.emit(false);
    }

    pub(crate) fn add_bytes(&self, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
        self.emit(false);
    }

    pub(crate) fn item_done(&self) {
        self.items_done.fetch_add(1, Ordering::Relaxed);
        self.emit(false);
    }

    /// Sends the final state regardless of throttling.
    pub fn finish(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.emit(true);
    }

    pub fn snapshot(&self) -> ProgressUpdate {
        ProgressUpdate {
            operation: self.operation.clone(),
            items_done: self.items_done.load(Ordering::Relaxed),
            items_total: self.items_total.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            current: self.current.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    fn emit(&self, force: bool) {
        {
            let mut last = self.last_emit.lock().unwrap_or_else(|e| e.into_inner());
            if !force && last.elapsed() < EMIT_EVERY {
                return;
            }
            *last = Instant::now();
        }
        self.ctl.sink.report(&self.snapshot());
    }
}
