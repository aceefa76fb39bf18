//! Cleanup of orphans and stale partial files (SPEC §3.4): plan, then apply.

use crate::error::Result;
use crate::model::CleanupResult;
use crate::progress::Control;
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default)]
pub struct CleanupOptions {
    /// False: dry run, nothing is deleted.
    pub execute: bool,
    /// At most this many orphans (largest first).
    pub max_items: Option<usize>,
}

pub fn cleanup(store: &Store, opts: CleanupOptions, ctl: Control) -> Result<CleanupResult> {
    let _ = (store, opts, ctl);
    todo!("cleanup helper")
}
