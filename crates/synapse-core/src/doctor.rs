//! `doctor` (SPEC §3.9): finds what is wrong with a store and repairs what is safe.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One finding of doctor.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable code: `stale_partial`, `bad_blob_name`, `unreadable_pack`, `stale_lock`, ...
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub path: Option<PathBuf>,
    /// True when `--fix` repaired it in this run.
    pub fixed: bool,
    /// True when `--fix` can repair it.
    pub fixable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub root: PathBuf,
    pub ok: bool,
    pub findings: Vec<Finding>,
}

pub fn doctor(store: &Store, fix: bool) -> Result<DoctorReport> {
    let _ = (store, fix);
    todo!("doctor helper")
}
