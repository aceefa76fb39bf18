//! Cleanup of orphans and partial files: dry run, execute, `max_items`, the
//! unreadable-pack refusal, the re-check before deleting, cancel and progress.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use synapse_core::cleanup::{self, CleanupOptions};
use synapse_core::model::{AssetKind, CleanupResult};
use synapse_core::progress::{CancelToken, Control, NoProgress, ProgressSink, ProgressUpdate};
use synapse_core::{Error, ErrorCode, Sha256};

use crate::support::{content, sha_of, Fixture};

/// Referenced blobs (local, both, backup-only) and orphans of every location.
struct Store {
    f: Fixture,
    ref_local: Sha256,
    ref_both: Sha256,
    ref_backup: Sha256,
    orphan_small: Sha256,
    orphan_big: Sha256,
    orphan_both: Sha256,
    orphan_backup: Sha256,
}

fn store() -> Store {
    let f = Fixture::with_backup();
    let ref_local = f.put_local(&content("ref-local", 1000));
    let ref_both = f.put_local(&content("ref-both", 2000));
    f.put_backup(&content("ref-both", 2000));
    let ref_backup = f.put_backup(&content("ref-backup", 3000));
    let orphan_small = f.put_local(&content("orphan-small", 100));
    let orphan_big = f.put_local(&content("orphan-big", 900));
    let orphan_both = f.put_local(&content("orphan-both", 500));
    f.put_backup(&content("orphan-both", 500));
    let orphan_backup = f.put_backup(&content("orphan-backup", 600));
    f.write_pack(
        "Pack A",
        &[
            ("ckpt", &ref_local, AssetKind::Checkpoint, 1000, "a.safetensors"),
            ("vae", &ref_both, AssetKind::Vae, 2000, "vae.safetensors"),
            ("up", &ref_backup, AssetKind::Upscaler, 3000, "4x.pth"),
        ],
    );
    Store { f, ref_local, ref_both, ref_backup, orphan_small, orphan_big, orphan_both, orphan_backup }
}

fn run(f: &Fixture, execute: bool, max_items: Option<usize>) -> Result<CleanupResult, Error> {
    let cancel = CancelToken::new();
    cleanup::cleanup(&f.store, CleanupOptions { execute, max_items }, Control::new(&NoProgress, &cancel))
}

fn shas(entries: &[synapse_core::model::CleanupEntry]) -> Vec<&Sha256> {
    entries.iter().map(|e| &e.sha256).collect()
}

/// The file is there and still hashes to its name.
fn intact(path: PathBuf, sha: &Sha256) {
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&sha_of(&bytes), sha, "{}", path.display());
}

#[test]
fn dry_run_lists_local_orphans_largest_first_and_deletes_nothing() {
    let s = store();
    let r = run(&s.f, false, None).unwrap();
    assert!(r.dry_run);
    assert_eq!(r.orphans_found, 3);
    assert_eq!(shas(&r.orphans), [&s.orphan_big, &s.orphan_both, &s.orphan_small], "local orphans only, largest first");
    let sizes: Vec<(u64, bool)> = r.orphans.iter().map(|o| (o.size_bytes, o.on_backup)).collect();
    assert_eq!(sizes, [(900, false), (500, true), (100, false)], "on_backup false: deleting it is final");
    assert_eq!(r.bytes_to_free, 1500);
    assert_eq!((r.orphans_deleted, r.bytes_freed, r.partial_files_deleted), (0, 0, 0));
    assert!(r.deleted.is_empty() && r.errors.is_empty() && r.partial_files.is_empty());
    for sha in [&s.orphan_big, &s.orphan_both, &s.orphan_small] {
        intact(s.f.local_path(sha), sha);
    }
    assert_eq!(s.f.inventory().items.len(), 7);
}

#[test]
fn execute_deletes_local_orphans_and_never_a_referenced_blob() {
    let s = store();
    let r = run(&s.f, true, None).unwrap();
    assert!(!r.dry_run);
    assert_eq!((r.orphans_found, r.orphans_deleted), (3, 3));
    assert_eq!(r.bytes_freed, 1500);
    assert_eq!(r.bytes_freed, r.bytes_to_free);
    assert_eq!(shas(&r.deleted), [&s.orphan_big, &s.orphan_both, &s.orphan_small]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    for sha in [&s.orphan_big, &s.orphan_both, &s.orphan_small] {
        assert!(!s.f.local_path(sha).exists());
    }
    // Referenced blobs are untouched on both sides; cleanup never touches the backup.
    intact(s.f.local_path(&s.ref_local), &s.ref_local);
    intact(s.f.local_path(&s.ref_both), &s.ref_both);
    intact(s.f.backup_path(&s.ref_both), &s.ref_both);
    intact(s.f.backup_path(&s.ref_backup), &s.ref_backup);
    intact(s.f.backup_path(&s.orphan_both), &s.orphan_both);
    intact(s.f.backup_path(&s.orphan_backup), &s.orphan_backup);

    let again = run(&s.f, true, None).unwrap();
    assert_eq!((again.orphans_found, again.orphans_deleted, again.bytes_freed), (0, 0, 0));
}

#[test]
fn max_items_takes_the_largest_orphans_first() {
    let s = store();
    let plan = run(&s.f, false, Some(2)).unwrap();
    assert_eq!(plan.orphans_found, 3, "found counts every orphan");
    assert_eq!(shas(&plan.orphans), [&s.orphan_big, &s.orphan_both]);
    assert_eq!(plan.bytes_to_free, 1400);

    let r = run(&s.f, true, Some(2)).unwrap();
    assert_eq!(shas(&r.deleted), [&s.orphan_big, &s.orphan_both]);
    assert_eq!((r.orphans_deleted, r.bytes_freed), (2, 1400));
    intact(s.f.local_path(&s.orphan_small), &s.orphan_small);

    let none = run(&s.f, true, Some(0)).unwrap();
    assert_eq!((none.orphans.len(), none.orphans_deleted), (0, 0));
    intact(s.f.local_path(&s.orphan_small), &s.orphan_small);
}

#[test]
fn refuses_while_a_pack_is_unreadable_naming_it_and_deletes_nothing() {
    let s = store();
    // Pack B holds the only reference to a blob: unreadable, that blob looks like an orphan.
    let used_by_b = s.f.put_local(&content("used-by-b", 700));
    s.f.write_pack("Pack B", &[("lora", &used_by_b, AssetKind::Lora, 700, "b.safetensors")]);
    fs::write(s.f.store.layout().packs().join("Pack B/pack.json"), b"{ not json").unwrap();
    for execute in [false, true] {
        let err = run(&s.f, execute, None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PacksUnreadable, "execute={execute}");
        assert_eq!(err.code().exit_code(), 3);
        let Error::PacksUnreadable { packs } = &err else { panic!("{err:?}") };
        assert_eq!(packs.iter().map(|p| p.pack.as_str()).collect::<Vec<_>>(), ["Pack B"]);
        assert!(err.to_string().contains("Pack B"), "{err}");
        assert_eq!(serde_json::to_value(err.to_wire().details).unwrap()["pack_errors"][0]["pack"], "Pack B");
    }
    for sha in [&used_by_b, &s.orphan_big, &s.orphan_small, &s.orphan_both] {
        intact(s.f.local_path(sha), sha);
    }
}

#[test]
fn stale_partial_files_are_listed_and_removed_on_execute() {
    let s = store();
    let layout = s.f.store.layout();
    let beside = layout.blobs().part(&s.ref_local);
    fs::write(&beside, vec![1u8; 30]).unwrap();
    fs::create_dir_all(layout.tmp()).unwrap();
    let in_tmp = layout.tmp().join("0123456789abcdef0123456789abcdef.part");
    fs::write(&in_tmp, vec![2u8; 20]).unwrap();
    // `pack delete` interrupted between its rename and its removal.
    let trash = layout.tmp().join("deleted-pack-0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");
    fs::create_dir_all(trash.join("previews")).unwrap();
    fs::write(trash.join("pack.json"), vec![3u8; 7]).unwrap();
    fs::write(trash.join("previews/a.png"), vec![4u8; 3]).unwrap();

    let plan = run(&s.f, false, Some(0)).unwrap();
    let mut listed: Vec<(PathBuf, u64)> = plan.partial_files.iter().map(|p| (p.path.clone(), p.size_bytes)).collect();
    listed.sort();
    let mut expected = vec![(beside.clone(), 30), (in_tmp.clone(), 20), (trash.clone(), 10)];
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(plan.bytes_to_free, 60);
    assert!(beside.exists() && in_tmp.exists() && trash.exists(), "dry run deletes nothing");

    let r = run(&s.f, true, Some(0)).unwrap();
    assert_eq!(r.partial_files_deleted, 3);
    assert_eq!(r.bytes_freed, 60);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(!beside.exists() && !in_tmp.exists() && !trash.exists());
    assert!(layout.tmp().is_dir(), "data/tmp itself stays");
    intact(s.f.local_path(&s.ref_local), &s.ref_local);
}

/// Plan, then apply: a blob that a pack starts to use after the plan was made
/// is re-checked against the pack files on disk and skipped, not deleted.
#[test]
fn execute_rechecks_the_packs_and_skips_a_blob_that_became_referenced() {
    let s = store();
    let adopted = AtomicBool::new(false);
    let f = &s.f;
    let orphan_big = &s.orphan_big;
    let sink = |u: &ProgressUpdate| {
        // The first update comes when applying starts, after the plan.
        if u.operation == "cleanup" && !adopted.swap(true, Ordering::SeqCst) {
            f.write_pack("Late", &[("big", orphan_big, AssetKind::Checkpoint, 900, "big.safetensors")]);
        }
    };
    let cancel = CancelToken::new();
    let r = cleanup::cleanup(&s.f.store, CleanupOptions { execute: true, max_items: None }, Control::new(&sink, &cancel)).unwrap();
    assert!(adopted.load(Ordering::SeqCst));
    assert_eq!(shas(&r.orphans), [&s.orphan_big, &s.orphan_both, &s.orphan_small], "the plan");
    assert_eq!(shas(&r.deleted), [&s.orphan_both, &s.orphan_small], "what was applied");
    assert_eq!(r.bytes_freed, 600);
    // SPEC §3.11: an item that no longer matches is skipped with its reason (not an error).
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.skipped.len(), 1);
    let e = &r.skipped[0];
    assert_eq!(e.sha256.as_ref(), Some(&s.orphan_big));
    assert!(e.reason.contains("Late"), "{}", e.reason);
    intact(s.f.local_path(&s.orphan_big), &s.orphan_big);
}

/// The Cleanup wizard's race: the user reviews a plan; meanwhile a pack is
/// deleted from the CLI and a new orphan appears. Applying the reviewed plan
/// deletes exactly what was reviewed, never the new orphan.
#[test]
fn applying_a_reviewed_plan_never_deletes_an_orphan_that_was_not_in_it() {
    let s = store();
    let plan = cleanup::plan_cleanup(&s.f.store, None).unwrap();
    let planned: Vec<_> = plan.orphans.iter().map(|o| o.sha256.clone()).collect();
    // A new orphan: a blob no pack used when the plan was made is added now.
    let newcomer = s.f.put_local(&content("arrived after the review", 1234));
    let cancel = CancelToken::new();
    let r = cleanup::apply_cleanup(&s.f.store, &plan, Control::new(&NoProgress, &cancel)).unwrap();
    assert_eq!(r.deleted.iter().map(|d| d.sha256.clone()).collect::<Vec<_>>(), planned);
    intact(s.f.local_path(&newcomer), &newcomer);
}

#[test]
fn a_saved_plan_is_refused_on_another_store_when_too_old_or_as_another_operation() {
    let s = store();
    let other = Fixture::new();
    let mut plan = cleanup::plan_cleanup(&s.f.store, None).unwrap();
    let cancel = CancelToken::new();
    let ctl = || Control::new(&NoProgress, &cancel);
    let err = cleanup::apply_cleanup(&other.store, &plan, ctl()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    plan.plan.made_at = "2020-01-01T00:00:00Z".into();
    let err = cleanup::apply_cleanup(&s.f.store, &plan, ctl()).unwrap_err();
    assert!(err.to_string().contains("hours ago"), "{err}");
    plan.plan.made_at = synapse_core::fsutil::now_rfc3339();
    plan.plan.operation = "sync".into();
    assert_eq!(cleanup::apply_cleanup(&s.f.store, &plan, ctl()).unwrap_err().code(), ErrorCode::InvalidArgument);
    for o in &plan.orphans {
        intact(s.f.local_path(&o.sha256), &o.sha256);
    }
}

/// An edited plan cannot widen what runs: a referenced blob or a file that is
/// not Synapse's, written into the plan by hand, is skipped, never deleted.
#[test]
fn an_edited_plan_cannot_delete_what_cleanup_would_not() {
    let s = store();
    let mut plan = cleanup::plan_cleanup(&s.f.store, None).unwrap();
    let referenced = s.f.inventory().items.iter().find(|i| !i.used_by_packs.is_empty() && i.on_local).unwrap().clone();
    plan.orphans.push(synapse_core::model::CleanupEntry {
        sha256: referenced.sha256.clone(),
        display_name: referenced.display_name.clone(),
        kind: referenced.kind,
        size_bytes: referenced.size_bytes,
        on_backup: true,
    });
    let users = s.f.dir.path().join("thesis.pdf");
    fs::write(&users, b"precious").unwrap();
    plan.partial_files.push(synapse_core::model::PartialFile { path: users.clone(), size_bytes: 8 });
    let cancel = CancelToken::new();
    let r = cleanup::apply_cleanup(&s.f.store, &plan, Control::new(&NoProgress, &cancel)).unwrap();
    assert!(r.skipped.iter().any(|k| k.sha256.as_ref() == Some(&referenced.sha256)), "{:?}", r.skipped);
    intact(s.f.local_path(&referenced.sha256), &referenced.sha256);
    assert!(users.exists());
}

#[test]
fn cancel_before_applying_deletes_nothing() {
    let s = store();
    let cancel = CancelToken::new();
    cancel.cancel();
    let err =
        cleanup::cleanup(&s.f.store, CleanupOptions { execute: true, max_items: None }, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(err.code().exit_code(), 130);
    for sha in [&s.orphan_big, &s.orphan_both, &s.orphan_small] {
        intact(s.f.local_path(sha), sha);
    }
}

#[test]
fn execute_reports_progress_as_cleanup() {
    let s = store();
    let updates: Mutex<Vec<ProgressUpdate>> = Mutex::new(Vec::new());
    let sink = |u: &ProgressUpdate| updates.lock().unwrap().push(u.clone());
    let cancel = CancelToken::new();
    cleanup::cleanup(&s.f.store, CleanupOptions { execute: true, max_items: None }, Control::new(&sink as &dyn ProgressSink, &cancel))
        .unwrap();
    let updates = updates.into_inner().unwrap();
    let last = updates.last().expect("at least the final update");
    assert_eq!(last.operation, "cleanup");
    assert_eq!((last.items_done, last.items_total), (3, 3));
    assert_eq!((last.bytes_done, last.bytes_total), (1500, 1500));
    assert_eq!(last.current, None);
}

#[test]
fn an_empty_store_has_nothing_to_clean() {
    let f = Fixture::new();
    for execute in [false, true] {
        let r = run(&f, execute, None).unwrap();
        assert_eq!((r.orphans_found, r.orphans_deleted, r.bytes_to_free, r.bytes_freed), (0, 0, 0, 0));
        assert!(r.orphans.is_empty() && r.partial_files.is_empty() && r.errors.is_empty());
        assert_eq!(r.dry_run, !execute);
    }
}

#[test]
fn the_summary_counts_exactly_the_orphans_the_cleanup_plan_lists() {
    // "Cleanup 3 orphans" opened "Nothing to clean up" (issue 11): a backup-only
    // orphan is an orphan, but not one cleanup deletes.
    let m = crate::support::matrix();
    let inv = m.f.inventory();
    let plan = synapse_core::cleanup::plan_cleanup(&m.f.store, None).unwrap();
    assert_eq!(inv.summary.blobs_orphan, 3);
    assert_eq!(inv.summary.cleanup_orphans, plan.orphans.len() as u64);
    assert_eq!(inv.summary.cleanup_orphans, 2);
    assert_eq!(inv.summary.cleanup_bytes, plan.orphans.iter().map(|o| o.size_bytes).sum::<u64>());
}
