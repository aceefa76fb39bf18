//! Integrity verification (SPEC §3.5): re-hash blobs in parallel and record the
//! results in the verification ledger.
//!
//! Verify only reads blobs, so it takes no store lock; it never deletes or
//! renames a corrupt blob (SPEC §3.1), it reports it. The only thing it writes
//! is the ledger, a cache, atomically and merged with the file on disk right
//! before saving so two verifies running at once lose nothing but the race.
//!
//! Speed (SPEC §7): files are hashed on a dedicated pool of exactly `threads`
//! workers, largest first (so the longest file does not start last). One file
//! that dominates the run while spare cores exist gets a read-ahead thread, so
//! reading from the page cache overlaps hashing: measured on a 1 GiB file in
//! page cache, read+hash on one thread runs at ~1.45 GB/s (buffer size between
//! 64 KiB and 1 MiB makes no difference; 16 MiB is slower, it falls out of the
//! CPU cache), the read-ahead pipeline at ~1.72 GB/s, `openssl dgst -sha256`
//! at ~1.25 GB/s.

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use sha2::{Digest, Sha256 as Hasher};

use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::results::lossy;

use crate::progress::{CancelToken, Control, Tracker};
use crate::store::fsutil::now_rfc3339;
use crate::store::integrity;
use crate::store::layout::BlobDir;
use crate::store::ledger::{mtime_secs, Ledger, LedgerEntry};
use crate::store::Store;
use crate::target::backup::BackupState;
use crate::vocab::Side;

/// Which blobs to verify.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every local blob.
    AllLocal,
    /// Every blob on the backup drive (needs it connected).
    AllBackup,
    /// These local blobs.
    Blobs(Vec<Sha256>),
    /// These blobs on the backup drive (needs it connected).
    BackupBlobs(Vec<Sha256>),
}

/// Read size of the one-thread hashing loop.
const CHUNK: usize = blobs::CHUNK;
/// Buffer size and count of the read-ahead pipeline.
const PIPE_CHUNK: usize = 512 << 10;
const PIPE_BUFFERS: usize = 4;
/// Files smaller than this never get a read-ahead thread: not worth a thread.
const PIPE_MIN_SIZE: u64 = 64 << 20;

/// Verifies blobs with up to `threads` files hashed at once (`None` or `Some(0)`:
/// one per core).
///
/// Returns `Ok` whatever the blobs hold: `invalid` lists corrupt and unreadable
/// blobs (the caller decides that this is a failure, exit code 7), `missing` the
/// selected blobs that are not there. `total` counts every selected blob
/// (valid + invalid + missing). Errors: `backup_not_enabled` /
/// `backup_not_connected` for [`Selection::AllBackup`] (also when the drive
/// disappears mid-run), `cancelled` when `ctl` is cancelled before the last file
/// is done — the files finished by then are recorded in the ledger first.
pub fn verify(store: &Store, selection: Selection, threads: Option<usize>, ctl: Control) -> Result<VerifyResult> {
    verify_as(store, selection, threads, "verify", ctl)
}

/// [`verify`], recording `found_by` for the corrupt copies it finds (`scrub`).
pub(crate) fn verify_as(
    store: &Store,
    selection: Selection,
    threads: Option<usize>,
    found_by: &'static str,
    ctl: Control,
) -> Result<VerifyResult> {
    let started = Instant::now();
    let layout = store.layout();
    if matches!(selection, Selection::AllBackup | Selection::BackupBlobs(_)) {
        let target = store.target()?;
        if target.s3.is_some() {
            return verify_bucket(store, &target, selection, found_by, ctl);
        }
    }
    let (side, dir, ledger_path, backup) = match &selection {
        Selection::AllBackup | Selection::BackupBlobs(_) => {
            let target = store.target()?;
            let blobs = BackupState::of(layout, &target).require()?.blobs();
            (Side::Backup, blobs, target.ledger_file(layout), Some(target))
        }
        Selection::AllLocal | Selection::Blobs(_) => (Side::Local, layout.blobs(), layout.ledger(), None),
    };
    let place = backup.as_ref().map_or(crate::target::LOCAL, |t| t.name.as_str()).to_owned();

    let (mut jobs, mut missing, mut invalid, listed_all) = match selection {
        Selection::AllLocal | Selection::AllBackup => {
            let scanned = blobs::scan(&dir)?.blobs;
            if side == Side::Backup {
                // A full listing of the drive: the catalog learns it too.
                if let Some(target) = &backup {
                    refresh_catalog(store, target, &scanned);
                }
            }
            let jobs = scanned.into_iter().map(|b| Job { path: dir.blob(&b.sha256), sha256: b.sha256, size: b.size }).collect();
            (jobs, Vec::new(), Vec::new(), true)
        }
        Selection::Blobs(list) | Selection::BackupBlobs(list) => {
            let (jobs, missing, invalid) = select(&dir, list);
            (jobs, missing, invalid, false)
        }
    };
    let total = (jobs.len() + missing.len() + invalid.len()) as u64;
    // Largest first: the pool then finishes together instead of waiting for a
    // big file picked up last.
    jobs.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.sha256.cmp(&b.sha256)));
    let bytes_total: u64 = jobs.iter().map(|j| j.size).sum();
    let threads = threads.filter(|&n| n > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    let tracker = Tracker::new(ctl, "verify", jobs.len() as u64, bytes_total);
    let run = Run {
        jobs: &jobs,
        dir: &dir,
        tracker: &tracker,
        user_cancel: ctl.cancel,
        abort: CancelToken::new(),
        fatal: Mutex::new(None),
        halted: AtomicBool::new(false),
        next: AtomicUsize::new(0),
        done: Mutex::new(Vec::with_capacity(jobs.len())),
        threads,
        bytes_total,
        backup: backup.as_ref(),
    };
    run.execute(store)?;
    tracker.finish();

    let Run { done, halted, fatal, .. } = run;
    let done = done.into_inner().unwrap_or_else(|e| e.into_inner());

    let mut valid = Vec::new();
    let mut bytes_verified = 0u64;
    let mut entries = Vec::new();
    let mut found = Vec::new();
    for (idx, outcome) in done {
        let job = &jobs[idx];
        match outcome {
            Outcome::Hashed { actual, bytes, size, mtime } => {
                bytes_verified += bytes;
                let ok = actual == job.sha256;
                entries.push((job.sha256.to_string(), LedgerEntry { ok, at: now_rfc3339(), size, mtime: mtime_secs(mtime) }));
                if ok {
                    found.push(integrity::Change::Good { sha: job.sha256.clone(), place: place.clone() });
                    valid.push(job.sha256.clone());
                } else {
                    found.push(integrity::Change::Corrupt {
                        sha: job.sha256.clone(),
                        place: place.clone(),
                        found_by,
                        actual: actual.clone(),
                    });
                    invalid.push(InvalidBlob {
                        sha256: job.sha256.clone(),
                        path: job.path.clone(),
                        expected: job.sha256.to_string(),
                        actual: Some(actual.to_string()),
                        error: None,
                    });
                }
            }
            Outcome::Failed { error, size, mtime } => {
                // Unreadable is not verified: the ledger says so until a later run succeeds.
                if let Some(size) = size {
                    entries.push((job.sha256.to_string(), LedgerEntry { ok: false, at: now_rfc3339(), size, mtime: mtime_secs(mtime) }));
                }
                invalid.push(InvalidBlob {
                    sha256: job.sha256.clone(),
                    path: job.path.clone(),
                    expected: job.sha256.to_string(),
                    actual: None,
                    error: Some(error),
                });
            }
            Outcome::Vanished => missing.push(job.sha256.clone()),
        }
    }
    let complete = !halted.load(Ordering::SeqCst);
    // After a complete run over a whole side, every blob of that side was listed.
    let listed: Option<HashSet<&str>> = (complete && listed_all).then(|| jobs.iter().map(|j| j.sha256.as_str()).collect());
    let prune = listed.as_ref().map(|l| (&dir, l));
    let ledger_error = save_ledger(&ledger_path, entries, prune).err().map(|e| e.to_string());
    // The record of corrupt copies is not a cache: failing to write it fails the run.
    integrity::record(layout, found)?;

    if !complete {
        return Err(fatal.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or(Error::Cancelled));
    }
    valid.sort();
    invalid.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    missing.sort();
    Ok(VerifyResult {
        side,
        total,
        valid,
        invalid,
        missing,
        bytes_verified,
        duration_ms: started.elapsed().as_millis() as u64,
        ledger_error,
    })
}

/// [`verify_as`] on a bucket target (SPEC §3.13): each object is downloaded
/// and re-hashed (the honest check; the server's own checksums are not
/// trusted for this), one at a time, and only that sets its `verified_at`.
fn verify_bucket(
    store: &Store,
    target: &crate::target::Target,
    selection: Selection,
    found_by: &'static str,
    ctl: Control,
) -> Result<VerifyResult> {
    let started = Instant::now();
    let layout = store.layout();
    let state = BackupState::of(layout, target);
    state.usable()?;
    let bucket = state.bucket().ok_or_else(|| Error::internal("a bucket target without its bucket"))?;
    let id = target.backup_id.clone();
    let (jobs, mut missing): (Vec<(Sha256, u64)>, Vec<Sha256>) = match selection {
        Selection::AllBackup => (
            crate::target::catalog::refresh_bucket(layout, target, bucket, id.as_deref())?
                .into_iter()
                .map(|e| (e.sha256, e.size))
                .collect(),
            Vec::new(),
        ),
        Selection::BackupBlobs(list) => {
            let (mut jobs, mut missing) = (Vec::new(), Vec::new());
            for sha in list.into_iter().collect::<BTreeSet<_>>() {
                match bucket.head(&sha)? {
                    Some(size) => jobs.push((sha, size)),
                    None => missing.push(sha),
                }
            }
            (jobs, missing)
        }
        _ => return Err(Error::internal("a local selection on a bucket")),
    };
    let total = (jobs.len() + missing.len()) as u64;
    let tracker = Tracker::new(ctl, "verify", jobs.len() as u64, jobs.iter().map(|j| j.1).sum());
    let (mut valid, mut invalid, mut entries, mut found) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bytes_verified = 0;
    let place = target.name.clone();
    let mut outcome = Ok(());
    for (sha, size) in &jobs {
        if let Err(e) = ctl.cancel.check() {
            outcome = Err(e);
            break;
        }
        tracker.start_item(sha.short());
        let path = PathBuf::from(format!("{}/{}", bucket.location.url(), bucket.blob_key(sha)));
        match bucket.rehash(sha, Some(&tracker), ctl.cancel) {
            Ok(Some(actual)) => {
                bytes_verified += size;
                let ok = &actual == sha;
                entries.push((sha.to_string(), LedgerEntry { ok, at: now_rfc3339(), size: *size, mtime: None }));
                if ok {
                    found.push(integrity::Change::Good { sha: sha.clone(), place: place.clone() });
                    valid.push(sha.clone());
                } else {
                    found.push(integrity::Change::Corrupt { sha: sha.clone(), place: place.clone(), found_by, actual: actual.clone() });
                    invalid.push(InvalidBlob {
                        sha256: sha.clone(),
                        path,
                        expected: sha.to_string(),
                        actual: Some(actual.to_string()),
                        error: None,
                    });
                }
            }
            Ok(None) => missing.push(sha.clone()),
            Err(Error::Cancelled) => {
                outcome = Err(Error::Cancelled);
                break;
            }
            // The server gone mid-run: what was hashed is recorded, the run fails.
            Err(e @ Error::Remote { problem: crate::error::RemoteProblem::Unreachable, .. }) => {
                outcome = Err(e);
                break;
            }
            Err(e) => {
                invalid.push(InvalidBlob { sha256: sha.clone(), path, expected: sha.to_string(), actual: None, error: Some(e.to_string()) })
            }
        }
        tracker.item_done();
    }
    tracker.finish();
    let ledger_error = save_ledger(&target.ledger_file(layout), entries, None).err().map(|e| e.to_string());
    integrity::record(layout, found)?;
    outcome?;
    valid.sort();
    invalid.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    missing.sort();
    Ok(VerifyResult {
        side: Side::Backup,
        total,
        valid,
        invalid,
        missing,
        bytes_verified,
        duration_ms: started.elapsed().as_millis() as u64,
        ledger_error,
    })
}

/// Records a full listing of the backup drive in the catalog (a cache: a
/// failure to write it is ignored).
fn refresh_catalog(store: &Store, target: &crate::target::Target, scanned: &[blobs::BlobEntry]) {
    let state = BackupState::of(store.layout(), target);
    if let Some(drive) = state.connected() {
        let id = crate::target::backup::read_id(drive);
        let (mut catalog, changed) = crate::target::catalog::Catalog::for_drive(store.layout(), target, drive.path(), id.as_deref());
        if catalog.replace_blobs(scanned) || changed {
            let _ = catalog.save(store.layout());
        }
    }
}

/// One file to hash.
struct Job {
    sha256: Sha256,
    path: PathBuf,
    /// Size when listed, for the progress totals and the scheduling order.
    size: u64,
}

/// Splits an explicit selection into files to hash, blobs that are not there,
/// and blobs whose file cannot even be looked at.
fn select(dir: &BlobDir, list: Vec<Sha256>) -> (Vec<Job>, Vec<Sha256>, Vec<InvalidBlob>) {
    let (mut jobs, mut missing, mut invalid) = (Vec::new(), Vec::new(), Vec::new());
    let unique: BTreeSet<Sha256> = list.into_iter().collect();
    for sha in unique {
        let path = dir.blob(&sha);
        // Through the tree: a link at the blob's path (or its fan-out) is not the blob.
        match crate::blob::blobs::stat(dir, &sha) {
            Ok(crate::blob::blobs::BlobAt::File(m)) => jobs.push(Job { sha256: sha, path, size: m.size }),
            Ok(_) => missing.push(sha),
            Err(e) => invalid.push(InvalidBlob {
                expected: sha.to_string(),
                sha256: sha,
                path,
                actual: None,
                error: Some(format!("cannot stat: {e}")),
            }),
        }
    }
    (jobs, missing, invalid)
}

/// What hashing one file found.
enum Outcome {
    Hashed {
        actual: Sha256,
        bytes: u64,
        size: u64,
        mtime: Option<SystemTime>,
    },
    /// Opening or reading failed; `size`/`mtime` when the file could be stat'ed.
    Failed {
        error: String,
        size: Option<u64>,
        mtime: Option<SystemTime>,
    },
    /// Gone between listing and hashing (deleted by someone else meanwhile).
    Vanished,
}

/// The run was stopped (user cancel or a fatal error) before the file was done.
struct Halted;

/// Why a hashing loop stopped early.
enum Stop {
    Halted,
    Io(io::Error),
}

/// Shared state of one verify run.
struct Run<'a> {
    jobs: &'a [Job],
    dir: &'a BlobDir,
    tracker: &'a Tracker<'a>,
    user_cancel: &'a CancelToken,
    /// Set on a fatal error (the backup drive went away) to stop the workers.
    abort: CancelToken,
    fatal: Mutex<Option<Error>>,
    /// True once a worker stopped with jobs left undone.
    halted: AtomicBool,
    next: AtomicUsize,
    done: Mutex<Vec<(usize, Outcome)>>,
    threads: usize,
    bytes_total: u64,
    /// The config, when verifying the backup (to re-check the drive on errors).
    backup: Option<&'a crate::target::Target>,
}

impl Run<'_> {
    fn stopping(&self) -> bool {
        self.user_cancel.is_cancelled() || self.abort.is_cancelled()
    }

    /// Hashes every job on a pool of exactly `min(threads, jobs)` threads.
    fn execute(&self, store: &Store) -> Result<()> {
        let workers = self.threads.min(self.jobs.len());
        if workers == 0 {
            return Ok(());
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("synapse-verify-{i}"))
            .build()
            .map_err(|e| Error::Io { op: "start verify threads for", path: store.root().to_path_buf(), source: io::Error::other(e) })?;
        pool.scope(|s| {
            for _ in 0..workers {
                s.spawn(|_| self.work());
            }
        });
        Ok(())
    }

    /// One worker: takes the next job until none is left or the run stops.
    fn work(&self) {
        // One read buffer per worker, reused: allocating 1 MiB per file costs
        // more than hashing a small file.
        let mut buf = vec![0u8; CHUNK];
        loop {
            let idx = self.next.fetch_add(1, Ordering::SeqCst);
            let Some(job) = self.jobs.get(idx) else { return };
            if self.stopping() {
                self.halted.store(true, Ordering::SeqCst);
                return;
            }
            let label = blobs::read_manifest(self.dir, &job.sha256)
                .and_then(|m| m.original_filename)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| job.sha256.short().to_owned());
            self.tracker.start_item(&label);
            let Ok(outcome) = self.hash_job(job, &mut buf) else {
                self.halted.store(true, Ordering::SeqCst);
                return;
            };
            if matches!(outcome, Outcome::Failed { .. } | Outcome::Vanished) && self.drive_gone() {
                // Not this blob's fault: the whole drive went away. Stop, say so.
                self.halted.store(true, Ordering::SeqCst);
                return;
            }
            self.done.lock().unwrap_or_else(|e| e.into_inner()).push((idx, outcome));
            self.tracker.item_done();
        }
    }

    /// On the backup side, after an error: is the drive still there? If not,
    /// records `backup_not_connected` and stops the other workers.
    fn drive_gone(&self) -> bool {
        let Some(target) = self.backup else { return false };
        match BackupState::detect_target(target).require() {
            Ok(_) => false,
            Err(e) => {
                let mut fatal = self.fatal.lock().unwrap_or_else(|e| e.into_inner());
                fatal.get_or_insert(e);
                self.abort.cancel();
                true
            }
        }
    }

    fn hash_job(&self, job: &Job, buf: &mut [u8]) -> std::result::Result<Outcome, Halted> {
        // O_NOFOLLOW: a blob swapped for a link since it was listed is not hashed through the link.
        let opened = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&job.path);
        let mut file = match opened {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Outcome::Vanished),
            Err(e) => return Ok(Outcome::Failed { error: format!("cannot open: {e}"), size: None, mtime: None }),
        };
        // Size and mtime of the file actually hashed, for the ledger.
        let (size, mtime) = match file.metadata() {
            Ok(m) => (m.len(), m.modified().ok()),
            Err(e) => return Ok(Outcome::Failed { error: format!("cannot stat: {e}"), size: None, mtime: None }),
        };
        // A file that dominates the run gets a read-ahead thread when spare
        // cores exist; otherwise the other workers already use every core.
        let dominant = self.threads >= 2 && size >= PIPE_MIN_SIZE && size.saturating_mul(self.threads as u64) > self.bytes_total;
        let hashed = if dominant { self.hash_pipelined(file) } else { self.hash_plain(&mut file, buf) };
        match hashed {
            Ok((actual, bytes)) => Ok(Outcome::Hashed { actual, bytes, size, mtime }),
            Err(Stop::Halted) => Err(Halted),
            Err(Stop::Io(e)) => Ok(Outcome::Failed { error: format!("cannot read: {e}"), size: Some(size), mtime }),
        }
    }

    /// Read and hash on this thread, checking for cancel between chunks.
    fn hash_plain(&self, file: &mut File, buf: &mut [u8]) -> std::result::Result<(Sha256, u64), Stop> {
        let mut hasher = Hasher::new();
        let mut total = 0u64;
        loop {
            if self.stopping() {
                return Err(Stop::Halted);
            }
            let n = match file.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Stop::Io(e)),
            };
            hasher.update(&buf[..n]);
            total += n as u64;
            self.tracker.add_bytes(n as u64);
        }
        Ok((Sha256::from_digest(&hasher.finalize()), total))
    }

    /// Hash on this thread while a helper thread reads ahead into a small ring
    /// of buffers: reading from the page cache and hashing overlap.
    fn hash_pipelined(&self, file: File) -> std::result::Result<(Sha256, u64), Stop> {
        std::thread::scope(|s| {
            let (full_tx, full_rx) = sync_channel::<io::Result<(Vec<u8>, usize)>>(PIPE_BUFFERS);
            let (free_tx, free_rx) = sync_channel::<Vec<u8>>(PIPE_BUFFERS);
            for _ in 0..PIPE_BUFFERS {
                free_tx.send(vec![0u8; PIPE_CHUNK]).expect("the channel has room for every buffer");
            }
            std::thread::Builder::new()
                .name("synapse-verify-read".into())
                .spawn_scoped(s, || read_ahead(file, free_rx, full_tx, self))
                .map_err(Stop::Io)?;
            let mut hasher = Hasher::new();
            let mut total = 0u64;
            // Returning drops `free_tx` and `full_rx`, which stops the reader.
            loop {
                if self.stopping() {
                    return Err(Stop::Halted);
                }
                match full_rx.recv() {
                    Ok(Ok((_, 0))) => return Ok((Sha256::from_digest(&hasher.finalize()), total)),
                    Ok(Ok((buf, n))) => {
                        hasher.update(&buf[..n]);
                        total += n as u64;
                        self.tracker.add_bytes(n as u64);
                        let _ = free_tx.send(buf);
                    }
                    Ok(Err(e)) => return Err(Stop::Io(e)),
                    // The reader only hangs up early when the run is stopping.
                    Err(_) => return Err(Stop::Halted),
                }
            }
        })
    }
}

/// The reader half of [`Run::hash_pipelined`]: fills free buffers and passes
/// them on; an empty buffer marks the end of the file.
fn read_ahead(mut file: File, free: Receiver<Vec<u8>>, full: SyncSender<io::Result<(Vec<u8>, usize)>>, run: &Run) {
    while let Ok(mut buf) = free.recv() {
        if run.stopping() {
            return;
        }
        let mut filled = 0;
        while filled < buf.len() {
            match file.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = full.send(Err(e));
                    return;
                }
            }
        }
        if full.send(Ok((buf, filled))).is_err() || filled == 0 {
            return;
        }
    }
}

/// Merges this run's entries into the ledger on disk and saves it atomically.
/// `prune` (the blob dir and every blob listed in it): entries of blobs that
/// are no longer there are dropped, so the cache does not grow forever.
fn save_ledger(path: &Path, entries: Vec<(String, LedgerEntry)>, prune: Option<(&BlobDir, &HashSet<&str>)>) -> Result<()> {
    // Re-read right before saving: another verify may have saved meanwhile.
    let mut ledger = Ledger::load(path);
    let before = ledger.0.len();
    if let Some((dir, listed)) = prune {
        // Stat only what the listing did not see: a blob may have arrived since.
        ledger.0.retain(|sha, _| listed.contains(sha.as_str()) || Sha256::parse(sha).is_ok_and(|s| dir.blob(&s).is_file()));
    }
    if entries.is_empty() && ledger.0.len() == before {
        return Ok(());
    }
    ledger.0.extend(entries);
    ledger.save(path)
}

/// One blob that failed verification and what was found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvalidBlob {
    pub sha256: Sha256,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub expected: String,
    pub actual: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifyResult {
    pub side: Side,
    pub total: u64,
    pub valid: Vec<Sha256>,
    pub invalid: Vec<InvalidBlob>,
    pub missing: Vec<Sha256>,
    pub bytes_verified: u64,
    pub duration_ms: u64,
    /// Set when the results could not be written to the verification ledger
    /// (the verification itself still happened and is reported above).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ledger_error: Option<String>,
}
