//! Verify (SPEC §3.5): corrupt, valid and missing blobs, the ledger and the
//! inventory's `verified`, the backup side, thread counts, progress, cancel.

use std::fs::{self, File};
use std::path::Path;
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use synapse_core::ledger::Ledger;
use synapse_core::model::{Side, VerifyResult};
use synapse_core::progress::{CancelToken, Control, NoProgress, ProgressUpdate};
use synapse_core::verify::{verify, Selection};
use synapse_core::{Error, ErrorCode, Sha256};

use crate::support::{content, sha_of, Fixture};

fn run(f: &Fixture, selection: Selection, threads: Option<usize>) -> VerifyResult {
    let cancel = CancelToken::new();
    verify(&f.store, selection, threads, Control::new(&NoProgress, &cancel)).unwrap()
}

/// Flips one byte in the middle of a file, keeping its size.
fn corrupt(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(path, bytes).unwrap();
}

fn ledger(f: &Fixture) -> Ledger {
    Ledger::load(&f.store.layout().ledger())
}

#[test]
fn finds_corrupt_valid_and_missing_blobs_and_leaves_the_corrupt_one_alone() {
    let f = Fixture::new();
    let good = f.put_local(&content("good", 5000));
    let bad = f.put_local(&content("bad", 7000));
    let gone = sha_of(b"not in the store");
    corrupt(&f.local_path(&bad));
    let damaged = fs::read(f.local_path(&bad)).unwrap();

    let r = run(&f, Selection::Blobs(vec![gone.clone(), bad.clone(), good.clone(), bad.clone()]), None);
    assert_eq!(r.side, Side::Local);
    assert_eq!(r.total, 3, "duplicates in the selection count once");
    assert_eq!(r.valid, vec![good.clone()]);
    assert_eq!(r.missing, vec![gone]);
    assert_eq!(r.invalid.len(), 1);
    let inv = &r.invalid[0];
    assert_eq!(inv.sha256, bad);
    assert_eq!(inv.expected, bad.as_str());
    assert_eq!(inv.actual.as_deref(), Some(sha_of(&damaged).as_str()));
    assert_eq!(inv.error, None);
    assert_eq!(inv.path, f.local_path(&bad));
    assert_eq!(r.bytes_verified, 12000);
    assert_eq!(r.ledger_error, None);
    // Verify reports; it never deletes or renames a corrupt blob (SPEC §3.1).
    assert_eq!(fs::read(f.local_path(&bad)).unwrap(), damaged);

    let all = run(&f, Selection::AllLocal, Some(2));
    assert_eq!(all.total, 2);
    assert_eq!(all.valid, vec![good]);
    assert_eq!(all.invalid.len(), 1);
    assert!(all.missing.is_empty());
}

#[test]
fn a_directory_or_a_link_at_a_blob_path_is_missing_and_never_hashed_through_the_link() {
    let f = Fixture::new();
    let good = f.put_local(&content("readable", 100));
    // A directory where a blob file should be: scan skips it, an explicit selection cannot read it.
    let dir_blob = sha_of(b"a directory");
    fs::create_dir_all(f.local_path(&dir_blob)).unwrap();
    let r = run(&f, Selection::Blobs(vec![good.clone(), dir_blob.clone()]), Some(1));
    assert_eq!(r.valid, vec![good.clone()]);
    assert_eq!(r.missing, vec![dir_blob], "a directory is not a blob");

    // A link at a blob's path is not the blob (it used to be followed, here to
    // /proc/self/mem): it is missing, never hashed through the link, and never
    // recorded as verified.
    let linked = sha_of(b"unreadable");
    let p = f.local_path(&linked);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/proc/self/mem", &p).unwrap();
    let r = run(&f, Selection::Blobs(vec![good.clone(), linked.clone()]), Some(2));
    assert_eq!(r.valid, vec![good]);
    assert_eq!(r.missing, vec![linked.clone()]);
    assert!(!ledger(&f).0.get(linked.as_str()).is_some_and(|e| e.ok), "a link is never recorded as verified");
}

#[test]
fn ledger_and_inventory_record_each_verification() {
    let f = Fixture::new();
    let good = f.put_local(&content("ledger-good", 3000));
    let bad = f.put_local(&content("ledger-bad", 3000));
    let never = f.put_local(&content("never-verified", 3000));
    corrupt(&f.local_path(&bad));
    let inv = f.inventory();
    assert_eq!(inv.get(&good).unwrap().verified, None);

    run(&f, Selection::Blobs(vec![good.clone(), bad.clone()]), None);
    let l = ledger(&f);
    assert!(l.0[good.as_str()].ok);
    assert!(!l.0[bad.as_str()].ok);
    assert_eq!(l.0[good.as_str()].size, 3000);
    assert!(l.0[good.as_str()].mtime.is_some());
    assert!(!l.0.contains_key(never.as_str()));

    let inv = f.inventory();
    let item = inv.get(&good).unwrap();
    assert_eq!(item.verified, Some(true));
    assert_eq!(item.verified_at.as_deref(), Some(l.0[good.as_str()].at.as_str()));
    assert_eq!(inv.get(&bad).unwrap().verified, Some(false));
    assert!(inv.get(&bad).unwrap().verified_at.is_some());
    assert_eq!(inv.get(&never).unwrap().verified, None);

    // A blob rewritten after its verification is no longer known to be verified.
    let p = f.local_path(&good);
    fs::write(&p, content("ledger-good", 3000)).unwrap();
    File::options().write(true).open(&p).unwrap().set_modified(SystemTime::now() + Duration::from_secs(120)).unwrap();
    let item = f.inventory().get(&good).unwrap().clone();
    assert_eq!(item.verified, None);
    assert_eq!(item.verified_at, None);
}

#[test]
fn ledger_is_merged_with_the_file_on_disk_and_pruned_after_a_full_run() {
    let f = Fixture::new();
    let a = f.put_local(&content("merge-a", 100));
    let b = f.put_local(&content("merge-b", 100));
    run(&f, Selection::Blobs(vec![a.clone()]), None);
    run(&f, Selection::Blobs(vec![b.clone()]), None);
    let l = ledger(&f);
    assert!(l.0.contains_key(a.as_str()) && l.0.contains_key(b.as_str()), "the second run keeps the first one's entry");

    fs::remove_file(f.local_path(&a)).unwrap();
    run(&f, Selection::Blobs(vec![b.clone()]), None);
    assert!(ledger(&f).0.contains_key(a.as_str()), "a partial run does not prune");
    run(&f, Selection::AllLocal, None);
    let l = ledger(&f);
    assert!(!l.0.contains_key(a.as_str()), "a full run drops entries of blobs that are gone");
    assert!(l.0.contains_key(b.as_str()));
    // Only the ledger itself in the cache: no temporary files left behind.
    let names: Vec<_> = fs::read_dir(f.store.layout().cache()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("verified.json")]);
}

#[test]
fn backup_side_needs_a_connected_drive_and_has_its_own_ledger() {
    let f = Fixture::new();
    let cancel = CancelToken::new();
    let err = verify(&f.store, Selection::AllBackup, None, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotEnabled);

    let f = Fixture::with_backup();
    let on_backup = f.put_backup(&content("backup-blob", 4000));
    let bad = f.put_backup(&content("backup-bad", 4000));
    corrupt(&f.backup_path(&bad));
    let local = f.put_local(&content("local-blob", 10));
    let r = run(&f, Selection::AllBackup, None);
    assert_eq!(r.side, Side::Backup);
    assert_eq!(r.valid, vec![on_backup.clone()]);
    assert_eq!(r.invalid.len(), 1);
    assert_eq!(r.invalid[0].path, f.backup_path(&bad));
    let backup_ledger = Ledger::load(&f.store.layout().backup_ledger());
    assert!(backup_ledger.0[on_backup.as_str()].ok);
    assert!(!backup_ledger.0[bad.as_str()].ok);
    assert!(!f.store.layout().ledger().exists(), "the local ledger is about local copies only");
    assert!(!backup_ledger.0.contains_key(local.as_str()));

    let away = f.unplug();
    let err = verify(&f.store, Selection::AllBackup, None, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    assert!(matches!(err, Error::BackupNotConnected { .. }));
    f.replug(&away);
}

#[test]
fn one_and_two_threads_give_identical_results() {
    let f = Fixture::new();
    let mut shas: Vec<Sha256> = (0..14).map(|i| f.put_local(&content(&format!("blob-{i}"), 1000 + i * 37_000))).collect();
    for sha in &shas[3..5] {
        corrupt(&f.local_path(sha));
    }
    shas.push(sha_of(b"missing one"));
    let key = |r: &VerifyResult| {
        let invalid: Vec<_> = r.invalid.iter().map(|i| (i.sha256.clone(), i.actual.clone(), i.error.clone())).collect();
        (r.total, r.valid.clone(), invalid, r.missing.clone(), r.bytes_verified)
    };
    let one = run(&f, Selection::Blobs(shas.clone()), Some(1));
    let two = run(&f, Selection::Blobs(shas.clone()), Some(2));
    let many = run(&f, Selection::Blobs(shas), Some(8));
    assert_eq!(key(&one), key(&two));
    assert_eq!(key(&one), key(&many));
    assert_eq!(one.invalid.len(), 2);
    assert_eq!(one.missing.len(), 1);
    let mut sorted = one.valid.clone();
    sorted.sort();
    assert_eq!(one.valid, sorted, "results are sorted by hash");
}

/// Collects every progress update.
#[derive(Default)]
struct Recorder(Mutex<Vec<ProgressUpdate>>);

impl synapse_core::progress::ProgressSink for Recorder {
    fn report(&self, u: &ProgressUpdate) {
        self.0.lock().unwrap().push(u.clone());
    }
}

#[test]
fn progress_reports_items_and_bytes_up_to_the_totals() {
    let f = Fixture::new();
    let sizes = [3 << 20, 1 << 20, 2 << 20, 12_345];
    for (i, s) in sizes.iter().enumerate() {
        f.put_local(&content(&format!("progress-{i}"), *s));
    }
    let rec = Recorder::default();
    let cancel = CancelToken::new();
    let r = verify(&f.store, Selection::AllLocal, Some(2), Control::new(&rec, &cancel)).unwrap();
    let updates = rec.0.lock().unwrap();
    let total: u64 = sizes.iter().map(|s| *s as u64).sum();
    let first = updates.first().unwrap();
    assert_eq!(first.operation, "verify");
    assert_eq!((first.items_total, first.bytes_total), (4, total), "totals are known up front");
    let last = updates.last().unwrap();
    assert_eq!((last.items_done, last.bytes_done), (4, total));
    assert_eq!(last.bytes_total, total);
    assert!(updates.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert_eq!(r.bytes_verified, total);
}

#[test]
fn cancel_at_the_first_update_stops_before_hashing() {
    let f = Fixture::new();
    for i in 0..6 {
        f.put_local(&content(&format!("cancel-{i}"), 3 << 20));
    }
    let cancel = CancelToken::new();
    let sink = |_: &ProgressUpdate| cancel.cancel();
    let err = verify(&f.store, Selection::AllLocal, Some(2), Control::new(&sink, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert!(ledger(&f).0.is_empty());
}

#[test]
fn cancel_mid_run_keeps_the_files_already_verified() {
    let f = Fixture::new();
    for i in 0..6 {
        f.put_local(&content(&format!("cancel-mid-{i}"), 3 << 20));
    }
    let cancel = CancelToken::new();
    // Slow sink: each update before the first finished file takes longer than the
    // tracker's throttle, so the update after the first file always arrives.
    let sink = |u: &ProgressUpdate| {
        if u.items_done >= 1 {
            cancel.cancel();
        } else {
            sleep(Duration::from_millis(60));
        }
    };
    let err = verify(&f.store, Selection::AllLocal, Some(1), Control::new(&sink, &cancel)).unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    let l = ledger(&f);
    assert_eq!(l.0.len(), 1, "the file finished before the cancel is recorded, nothing else");
    assert!(l.0.values().all(|e| e.ok));
}

/// A file large enough to get the read-ahead thread (≥ 64 MiB and dominating the run).
#[test]
fn large_file_with_read_ahead_is_verified_and_cancellable() {
    let f = Fixture::new();
    let mut bytes = content("large", 65 << 20);
    for (i, b) in bytes.iter_mut().enumerate().step_by(4093) {
        *b = (i % 251) as u8;
    }
    let big = f.put_local(&bytes);
    let small = f.put_local(&content("small", 1000));
    let r = run(&f, Selection::AllLocal, Some(2));
    assert_eq!(r.valid, {
        let mut v = vec![big.clone(), small];
        v.sort();
        v
    });
    assert_eq!(r.bytes_verified, (65 << 20) + 1000);

    corrupt(&f.local_path(&big));
    let r = run(&f, Selection::Blobs(vec![big.clone()]), Some(2));
    assert_eq!(r.invalid.len(), 1);
    assert_ne!(r.invalid[0].actual.as_deref(), Some(big.as_str()));

    let cancel = CancelToken::new();
    let sink = |u: &ProgressUpdate| {
        if u.bytes_done > 0 {
            cancel.cancel();
        } else {
            sleep(Duration::from_millis(60));
        }
    };
    let err = verify(&f.store, Selection::Blobs(vec![big]), Some(2), Control::new(&sink, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
}

#[test]
fn empty_store_verifies_nothing() {
    let f = Fixture::new();
    let r = run(&f, Selection::AllLocal, None);
    assert_eq!((r.total, r.valid.len(), r.invalid.len(), r.missing.len(), r.bytes_verified), (0, 0, 0, 0, 0));
}
