//! Corrupt copies (issue 11, SPEC §3.12): recorded in `data/integrity.json`,
//! never counted as a copy, refused as the last good copy, reported by doctor,
//! and repaired from a good copy with the bad one moved to quarantine.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use synapse_core::integrity::IntegrityRecord;
use synapse_core::inventory::Query;
use synapse_core::model::{AssetKind, BlobStatus, DeleteTarget, Location, SyncDirection};
use synapse_core::repair;
use synapse_core::verify::{verify, Selection};
use synapse_core::{doctor, guard, sync, ErrorCode, Sha256};

use crate::backup::{enabled, execute, quiet};
use crate::support::{content, sha_of, Fixture};

/// Overwrites a blob file in place with other bytes of the same size (bit rot).
fn rot(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    bytes[0] ^= 0xff;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(path, &bytes).unwrap();
}

/// A referenced blob on both sides whose local copy rotted and was found by verify.
fn rotted_local() -> (Fixture, Sha256, Vec<u8>) {
    let f = enabled();
    let good = content("vae-bytes", 4096);
    let sha = f.put_local(&good);
    f.put_backup(&good);
    f.write_pack("Pack", &[("vae", &sha, AssetKind::Vae, 4096, "vae.safetensors")]);
    rot(&f.local_path(&sha));
    let r = quiet(|ctl| verify(&f.store, Selection::Blobs(vec![sha.clone()]), None, ctl)).unwrap();
    assert_eq!(r.invalid.len(), 1, "{r:?}");
    (f, sha, good)
}

fn quarantined(root: &Path) -> Vec<std::path::PathBuf> {
    fs::read_dir(root.join("data/quarantine")).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
}

#[test]
fn a_corrupt_local_copy_is_recorded_and_is_not_a_copy() {
    let (f, sha, _) = rotted_local();
    let record = IntegrityRecord::load(f.store.layout()).unwrap();
    assert!(record.is_corrupt(&sha, "local"));
    // A record, not a cache: losing the caches changes nothing.
    fs::remove_dir_all(f.store.layout().cache()).unwrap();
    let inv = f.inventory();
    let it = inv.get(&sha).unwrap();
    assert_eq!(it.location, Location::BackupOnly, "only the backup copy is good");
    assert_eq!(it.status, BlobStatus::BackupOnly, "the pack needs its good copy restored");
    assert!(!it.on_local && it.on_backup);
    assert_eq!(it.copies_count, 1);
    let local = it.copies.iter().find(|c| c.target == "local").unwrap();
    assert!(local.corrupt && local.verified_at.is_none());
    assert_eq!(inv.summary.blobs_corrupt, 1);
    let page = inv.query(&Query { corrupt: true, ..Query::default() });
    assert_eq!(page.items.iter().map(|i| &i.sha256).collect::<Vec<_>>(), [&sha]);
    assert_eq!(inv.query(&Query::default()).total_matching, 1);
}

#[test]
fn deleting_the_only_good_copy_is_refused_as_the_last_copy() {
    let (f, sha, _) = rotted_local();
    // The menu offered "Delete from backup — the local copy will be kept": it is corrupt.
    let err = guard::delete(&f.store, &sha, DeleteTarget::Backup, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy, "{err}");
    assert!(f.backup_path(&sha).is_file());
    // The corrupt copy itself is not deleted either: repair moves it aside.
    let err = guard::delete(&f.store, &sha, DeleteTarget::Local, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Integrity, "{err}");
    assert!(err.to_string().contains("corrupt") && err.to_string().contains("vae.safetensors"), "{err}");
    assert!(f.local_path(&sha).is_file());
}

#[test]
fn doctor_reports_a_corrupt_copy() {
    let (f, sha, _) = rotted_local();
    let report = doctor::doctor(&f.store, false).unwrap();
    let found = report.findings.iter().find(|x| x.code == "corrupt_copy").expect("a corrupt_copy finding");
    assert!(found.message.contains(sha.short()), "{}", found.message);
    assert!(!report.ok, "a corrupt copy is an error");
}

#[test]
fn repair_replaces_the_corrupt_copy_and_keeps_it_in_quarantine() {
    let (f, sha, good) = rotted_local();
    let bad = fs::read(f.local_path(&sha)).unwrap();
    let plan = repair::plan_repair(&f.store, Some(std::slice::from_ref(&sha))).unwrap();
    assert_eq!(plan.items.len(), 1);
    assert_eq!((plan.items[0].side.as_str(), plan.items[0].from.as_str()), ("local", "backup"));
    assert_eq!(plan.items[0].display_name, "vae.safetensors");
    let r = quiet(|ctl| repair::apply_repair(&f.store, &plan, ctl)).unwrap();
    assert_eq!(r.repaired.len(), 1, "{r:?}");
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), good);
    let aside = quarantined(f.store.root());
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read(&aside[0]).unwrap(), bad, "the corrupt bytes are kept, never deleted");
    assert_eq!(r.repaired[0].quarantined, aside[0]);
    assert!(IntegrityRecord::load(f.store.layout()).unwrap().corrupt.is_empty());
    let inv = f.inventory();
    assert_eq!(inv.get(&sha).unwrap().location, Location::Both);
    assert_eq!(inv.summary.blobs_corrupt, 0);
    // Applying the same plan again finds nothing left to do.
    let again = quiet(|ctl| repair::apply_repair(&f.store, &plan, ctl)).unwrap();
    assert!(again.repaired.is_empty() && again.skipped.len() == 1, "{again:?}");
}

#[test]
fn a_corrupt_only_copy_stays_where_it_is_marked() {
    let f = enabled();
    let sha = f.put_local(&content("only", 2048));
    rot(&f.local_path(&sha));
    quiet(|ctl| verify(&f.store, Selection::AllLocal, None, ctl)).unwrap();
    let plan = repair::plan_repair(&f.store, None).unwrap();
    assert!(plan.items.is_empty());
    assert_eq!(plan.cannot.len(), 1);
    assert!(plan.cannot[0].reason.contains("no good copy"), "{:?}", plan.cannot);
    let r = quiet(|ctl| repair::apply_repair(&f.store, &plan, ctl)).unwrap();
    assert!(r.repaired.is_empty());
    assert!(f.local_path(&sha).is_file(), "an only copy is never moved away");
    assert!(quarantined(f.store.root()).is_empty());
    let it = f.inventory().get(&sha).cloned().unwrap();
    assert_eq!((it.location, it.copies_count), (Location::Nowhere, 0));
}

#[test]
fn restoring_over_a_corrupt_local_copy_replaces_it_instead_of_calling_it_present() {
    let (f, sha, good) = rotted_local();
    let r = quiet(|ctl| sync::restore_blob(&f.store, &sha, ctl)).unwrap();
    assert!(!r.already_present, "{r:?}");
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), good);
    assert_eq!(quarantined(f.store.root()).len(), 1);
    assert!(!IntegrityRecord::load(f.store.layout()).unwrap().is_corrupt(&sha, "local"));
}

#[test]
fn a_corrupt_backup_copy_is_replaced_by_the_next_push_with_quarantine_on_the_drive() {
    let f = enabled();
    let good = content("lora", 3000);
    let sha = f.put_local(&good);
    f.put_backup(&good);
    rot(&f.backup_path(&sha));
    quiet(|ctl| verify(&f.store, Selection::AllBackup, None, ctl)).unwrap();
    let it = f.inventory().get(&sha).cloned().unwrap();
    assert_eq!(it.location, Location::LocalOnly, "a corrupt backup copy does not make a blob safe");
    let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert_eq!(r.blobs_synced, 1, "{r:?}");
    assert_eq!(fs::read(f.backup_path(&sha)).unwrap(), good);
    assert_eq!(quarantined(&f.drive.join(".synapse/store")).len(), 1);
    assert_eq!(f.inventory().get(&sha).unwrap().location, Location::Both);
}

#[test]
fn a_copy_that_fails_its_hash_while_being_copied_is_recorded_corrupt() {
    let f = enabled();
    let sha = f.put_local(&content("ckpt", 5000));
    rot(&f.local_path(&sha));
    let err = quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Integrity);
    assert!(IntegrityRecord::load(f.store.layout()).unwrap().is_corrupt(&sha, "local"));
    assert!(!f.backup_path(&sha).exists());
}

#[test]
fn a_verify_that_hashes_the_copy_right_clears_the_record() {
    let (f, sha, good) = rotted_local();
    let p = f.local_path(&sha);
    fs::write(&p, &good).unwrap();
    assert_eq!(sha_of(&fs::read(&p).unwrap()), sha);
    quiet(|ctl| verify(&f.store, Selection::AllLocal, None, ctl)).unwrap();
    assert!(IntegrityRecord::load(f.store.layout()).unwrap().corrupt.is_empty());
    assert_eq!(f.inventory().get(&sha).unwrap().location, Location::Both);
}
