//! `auto_backup_new` (SPEC §3.6): new blobs are backed up as soon as they
//! enter the store when the drive is connected, and queued otherwise — in
//! `data/backup-queue.json`, which survives restarts — to be backed up on the
//! next attach by [`process_backup_queue`] (the CLI runs it at the start of
//! its backup commands; the desktop app when it sees the drive appear).
//!
//! The original program only stored the flag. Here a failure to back up never
//! fails the operation that adopted the blob: the blob stays queued and the
//! report says why.

use crate::blob::copy::{self, Copied};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::Sha256;
use crate::progress::{Control, Tracker};
use crate::results::{AutoBackupReport, ItemError};
use crate::store::Store;
use crate::target::backup::{BackupState, Session};
use crate::target::queue::{enqueue, save_queue};

pub use crate::target::queue::queued;

/// Acts on `auto_backup_new` for blobs that just entered the store: backs them
/// up now when the drive is connected, queues them otherwise. Returns `None`
/// when the setting is off (or backup is disabled). Never fails: what could
/// not be done is queued and listed in `errors`.
///
/// Call it *without* holding the store lock (it takes the locks it needs).
pub(crate) fn after_adopt(store: &Store, new: &[Sha256], ctl: Control) -> Option<AutoBackupReport> {
    // `auto_backup_new` is the original's setting, about the original's target.
    let store = &store.on_target(None).ok()?;
    let config = store.config().ok()?;
    if !config.backup.enabled || !config.backup.auto_backup_new || new.is_empty() {
        return None;
    }
    let layout = store.layout();
    let mut report = AutoBackupReport::default();
    let connected = BackupState::detect_for(layout, &config).connected().is_some();
    let session = if connected {
        // The drive may be busy with another operation: then the blobs wait in the queue.
        Session::open(store, "auto-backup").map_err(|e| report.errors.push(item_error(None, &e))).ok()
    } else {
        None
    };
    let outcome = match session {
        Some(s) => {
            let left = back_up(store, &s, new, &mut report, ctl);
            enqueue(layout, &left)
        }
        None => store.lock("auto-backup queue").and_then(|_lock| enqueue(layout, new)),
    };
    match outcome {
        Ok(queued) => report.queued = queued,
        Err(e) => {
            report.errors.push(item_error(None, &e));
            report.queued = queued(layout);
        }
    }
    Some(report)
}

/// The policy of SPEC §3.11, in one place for the CLI and the app: every copy
/// operation first backs up the blobs queued while the drive was away.
/// `None` when nothing is queued; failures are in the report, never an error
/// of the operation that called it. Call it without holding the locks.
pub(crate) fn run_queued_first(store: &Store, ctl: Control) -> Option<AutoBackupReport> {
    if queued(store.layout()).is_empty() {
        return None;
    }
    Some(process_backup_queue(store, ctl).unwrap_or_else(|e| AutoBackupReport {
        queued: queued(store.layout()),
        errors: vec![item_error(None, &e)],
        ..Default::default()
    }))
}

/// Backs up every queued blob when the drive is connected and ours; leaves the
/// queue as it is otherwise (not an error: the drive simply is not here).
/// Blobs no longer in the store, or already on the drive, leave the queue.
pub fn process_backup_queue(store: &Store, ctl: Control) -> Result<AutoBackupReport> {
    let store = &store.on_target(None)?;
    let layout = store.layout();
    let pending = queued(layout);
    if pending.is_empty() {
        return Ok(AutoBackupReport::default());
    }
    let config = store.config()?;
    if BackupState::detect_for(layout, &config).connected().is_none() {
        return Ok(AutoBackupReport { queued: pending, ..Default::default() });
    }
    let session = Session::open(store, "auto-backup")?;
    // Re-read under the lock: another process may have worked on it meanwhile.
    let pending = queued(layout);
    let mut report = AutoBackupReport::default();
    let left = back_up(store, &session, &pending, &mut report, ctl);
    save_queue(layout, left.clone())?;
    report.queued = left;
    Ok(report)
}

/// Copies each blob to the drive; returns the ones still to do (failed, not
/// attempted because the drive went away or the user cancelled).
fn back_up(store: &Store, s: &Session, blobs: &[Sha256], report: &mut AutoBackupReport, ctl: Control) -> Vec<Sha256> {
    let local = store.layout();
    let sizes: Vec<Option<u64>> = blobs.iter().map(|b| crate::blob::blobs::size(&local.blobs(), b).ok().flatten()).collect();
    let tracker = Tracker::new(ctl, "auto-backup", blobs.len() as u64, sizes.iter().flatten().sum());
    let mut catalog = s.catalog();
    let mut left = Vec::new();
    let mut stop = false;
    for (sha, size) in blobs.iter().zip(&sizes) {
        if stop || ctl.cancel.is_cancelled() {
            left.push(sha.clone());
            continue;
        }
        // Gone from the store (deleted since): nothing left to back up.
        let Some(size) = *size else { continue };
        tracker.start_item(sha.short());
        match s.transfer(sha, crate::vocab::SyncDirection::ToBackup, &copy::Existing::Keep, Some(&tracker), ctl.cancel) {
            Ok(c) => {
                if let Copied::AlreadyPresent { bytes } = c {
                    tracker.add_bytes(bytes);
                } else {
                    report.backed_up.push(sha.clone());
                    report.bytes_copied += c.bytes_copied();
                }
                catalog.insert(sha, size);
            }
            Err(e) => {
                let e = s.failure(e);
                stop = matches!(e.code(), ErrorCode::BackupNotConnected | ErrorCode::Cancelled);
                if e.code() != ErrorCode::Cancelled {
                    report.errors.push(item_error(Some(sha), &e));
                }
                left.push(sha.clone());
            }
        }
        tracker.item_done();
    }
    tracker.finish();
    s.save_catalog(&catalog);
    left
}

fn item_error(sha: Option<&Sha256>, e: &Error) -> ItemError {
    ItemError { sha256: sha.cloned(), display_name: None, path: None, code: e.code(), message: e.to_string() }
}
