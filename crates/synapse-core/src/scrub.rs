//! Scrub (SPEC §3.12): re-hash the copies on one place that were verified
//! longest ago, within a budget of time or bytes — restic's
//! `--read-data-subset`, git-annex's incremental fsck — so every copy gets
//! checked in turn without reading a whole drive at once.
//!
//! Copies never verified come first, then the oldest verification. Each copy
//! hashed gets its time in its place's ledger; one that does not hash to its
//! name is recorded as corrupt (`data/integrity.json`, found by `scrub`). With
//! `repair`, the corrupt copies found are replaced through [`crate::repair`]:
//! only from a good copy elsewhere, the bad file moved to quarantine, never
//! deleted; a corrupt only copy stays where it is, marked, and is reported.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::inventory;
use crate::plan::Skipped;
use crate::progress::Control;
use crate::repair::{self, RepairedCopy};
use crate::results::ItemError;
use crate::store::Store;
use crate::target::LOCAL;
use crate::verify::InvalidBlob;
use crate::verify::{self, Selection};

/// How much one scrub may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// Stop starting new files once this many seconds have gone by.
    Seconds(u64),
    /// Hash at most this many bytes (at least one file).
    Bytes(u64),
}

impl std::str::FromStr for Budget {
    type Err = String;

    /// `20min`, `2h`, `90s`, `50GB`, `500MB`, `1TB` (decimal units, as sizes are shown).
    fn from_str(text: &str) -> std::result::Result<Budget, String> {
        let t = text.trim().to_ascii_lowercase();
        let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: f64 = number.parse().map_err(|_| format!("budget {text:?}: start with a number, e.g. 20min or 50GB"))?;
        if n <= 0.0 {
            return Err(format!("budget {text:?}: must be more than nothing"));
        }
        let seconds = |f: f64| Ok(Budget::Seconds((n * f).ceil() as u64));
        let bytes = |f: f64| Ok(Budget::Bytes((n * f).ceil() as u64));
        match unit.trim() {
            "s" | "sec" | "secs" => seconds(1.0),
            "m" | "min" | "mins" => seconds(60.0),
            "h" | "hour" | "hours" => seconds(3600.0),
            "kb" => bytes(1e3),
            "mb" => bytes(1e6),
            "gb" => bytes(1e9),
            "tb" => bytes(1e12),
            _ => Err(format!("budget {text:?}: use s, min or h for time, MB, GB or TB for bytes (e.g. 20min, 50GB)")),
        }
    }
}

/// What `scrub` does.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ScrubOptions {
    /// None: every copy on the place.
    pub budget: Option<Budget>,
    /// Replace the corrupt copies found from good ones (quarantining the bad file).
    pub repair: bool,
}

/// What one scrub did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScrubResult {
    /// `local` or the target's name.
    pub target: String,
    pub budget: Option<Budget>,
    /// Copies hashed, and their bytes.
    pub scrubbed: u64,
    pub bytes_scrubbed: u64,
    pub valid: u64,
    /// Copies that do not hash to their name (or could not be read).
    pub corrupt: Vec<InvalidBlob>,
    /// Copies that went away between listing and hashing.
    pub missing: Vec<Sha256>,
    /// Copies on the place this run did not reach (left for the next one).
    pub left: u64,
    /// The budget ran out before every copy was hashed.
    pub stopped_by_budget: bool,
    pub cancelled: bool,
    pub repaired: Vec<RepairedCopy>,
    /// Corrupt copies that stay where they are, and why (no good copy elsewhere, …).
    pub not_repaired: Vec<Skipped>,
    pub errors: Vec<ItemError>,
    pub duration_ms: u64,
}

/// How many copies one batch of a time-budgeted scrub hashes before the clock is read again.
const BATCH: usize = 8;

/// Scrubs the copies on `place` (`local`, or a target's name; `None`: the
/// original's target). Errors: `not_found` for an unknown target;
/// `backup_not_enabled` / `backup_not_connected` when the target cannot be
/// read; `cancelled` only before anything was hashed (afterwards the result
/// says `cancelled`).
pub fn scrub(store: &Store, place: Option<&str>, opts: ScrubOptions, ctl: Control) -> Result<ScrubResult> {
    let started = Instant::now();
    let local = place == Some(LOCAL);
    let store = store.on_target(if local { None } else { place })?;
    let name = if local { LOCAL.to_owned() } else { store.target()?.name };
    let inv = inventory::build(&store)?;
    if !local {
        inv.backup.usable()?;
    }
    // Never verified first, then the oldest verification; bigger files first among equals.
    let mut copies: Vec<(Option<String>, u64, Sha256)> = inv
        .items
        .iter()
        .filter_map(|it| it.copies.iter().find(|c| c.target == name).map(|c| (c.verified_at.clone(), it.size_bytes, it.sha256.clone())))
        .collect();
    copies.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)).then_with(|| a.2.cmp(&b.2)));
    let total = copies.len();

    let mut r = ScrubResult {
        target: name.clone(),
        budget: opts.budget,
        scrubbed: 0,
        bytes_scrubbed: 0,
        valid: 0,
        corrupt: Vec::new(),
        missing: Vec::new(),
        left: 0,
        stopped_by_budget: false,
        cancelled: false,
        repaired: Vec::new(),
        not_repaired: Vec::new(),
        errors: Vec::new(),
        duration_ms: 0,
    };
    let chosen: Vec<Sha256> = match opts.budget {
        Some(Budget::Bytes(max)) => {
            let mut sum = 0u64;
            let mut out = Vec::new();
            for (_, size, sha) in &copies {
                if !out.is_empty() && sum + size > max {
                    break;
                }
                sum += size;
                out.push(sha.clone());
            }
            out
        }
        _ => copies.iter().map(|c| c.2.clone()).collect(),
    };
    let deadline = match opts.budget {
        Some(Budget::Seconds(s)) => Some(started + Duration::from_secs(s)),
        _ => None,
    };
    let mut done = 0;
    for batch in chosen.chunks(if deadline.is_some() { BATCH } else { chosen.len().max(1) }) {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let selection = if local { Selection::Blobs(batch.to_vec()) } else { Selection::BackupBlobs(batch.to_vec()) };
        match verify::verify_as(&store, selection, None, "scrub", ctl) {
            Ok(v) => {
                r.scrubbed += (v.valid.len() + v.invalid.len()) as u64;
                r.bytes_scrubbed += v.bytes_verified;
                r.valid += v.valid.len() as u64;
                r.corrupt.extend(v.invalid);
                r.missing.extend(v.missing);
                done += batch.len();
            }
            Err(Error::Cancelled) if r.scrubbed > 0 => {
                r.cancelled = true;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    r.left = (total - done) as u64;
    r.stopped_by_budget = r.left > 0 && !r.cancelled;

    if opts.repair && !r.corrupt.is_empty() && !r.cancelled {
        let bad: Vec<Sha256> = r.corrupt.iter().filter(|c| c.actual.is_some()).map(|c| c.sha256.clone()).collect();
        if !bad.is_empty() {
            match repair::plan_repair(&store, Some(&bad)) {
                Ok(plan) => {
                    r.not_repaired.extend(plan.cannot.clone());
                    match repair::apply_repair(&store, &plan, ctl) {
                        Ok(done) => {
                            r.repaired = done.repaired;
                            r.not_repaired.extend(done.skipped);
                            r.errors.extend(done.errors);
                        }
                        Err(Error::Cancelled) => r.cancelled = true,
                        Err(e) => r.errors.push(ItemError {
                            sha256: None,
                            display_name: None,
                            path: None,
                            code: e.code(),
                            message: e.to_string(),
                        }),
                    }
                }
                Err(e) => r.errors.push(ItemError { sha256: None, display_name: None, path: None, code: e.code(), message: e.to_string() }),
            }
        }
    }
    r.duration_ms = started.elapsed().as_millis() as u64;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_as_people_write_them() {
        assert_eq!("20min".parse(), Ok(Budget::Seconds(1200)));
        assert_eq!("2h".parse(), Ok(Budget::Seconds(7200)));
        assert_eq!("90s".parse(), Ok(Budget::Seconds(90)));
        assert_eq!("50GB".parse(), Ok(Budget::Bytes(50_000_000_000)));
        assert_eq!("1.5 GB".parse(), Ok(Budget::Bytes(1_500_000_000)));
        for bad in ["", "GB", "0min", "-3h", "12 parsecs"] {
            assert!(bad.parse::<Budget>().is_err(), "{bad}");
        }
    }
}
