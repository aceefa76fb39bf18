//! Backup storage under faults (SPEC §4, §8): the drive disappearing in the
//! middle of a copy, a full destination (a real small tmpfs when this process
//! may mount one, else an injected writer error), and corrupt blobs.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use synapse_core::copy;
use synapse_core::model::SyncDirection;
use synapse_core::sync;
use synapse_core::ErrorCode;
use synapse_test_support::{files_under, Tmpfs};

use crate::backup::{assert_blob_tree_sound, enable, enabled, execute, quiet};
use crate::support::{content, sha_of, Fixture};

/// Local blobs and their bytes, to check nothing local changed.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(root).into_iter().map(|p| (p.clone(), fs::read(&p).unwrap())).collect()
}

#[test]
fn the_drive_disappearing_mid_sync_stops_it_with_backup_not_connected() {
    let f = enabled();
    let big = f.put_local(&content("big checkpoint", 128 << 20));
    let small1 = f.put_local(&content("small-1", 4096));
    let small2 = f.put_local(&content("small-2", 2048));
    let local_before = snapshot(f.store.layout().blobs().root());

    // Another thread pulls the drive (renames its folder away) once the big
    // copy is well under way.
    let tmp = f.backup_layout().tmp();
    let (drive, away) = (f.drive.clone(), f.dir.path().join("drive-pulled"));
    let away2 = away.clone();
    let puller = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let mid_copy = fs::read_dir(&tmp)
                .map(|d| {
                    d.flatten()
                        .any(|e| e.file_name().to_string_lossy().ends_with(".part") && e.metadata().is_ok_and(|m| m.len() >= 16 << 20))
                })
                .unwrap_or(false);
            if mid_copy {
                fs::rename(&drive, &away2).unwrap();
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    });
    let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert!(puller.join().unwrap(), "the copy never got under way");

    assert_eq!(r.errors.len(), 1, "the sync stops at the first blob the drive could not take: {r:?}");
    assert_eq!((r.errors[0].sha256.as_ref(), r.errors[0].code), (Some(&big), ErrorCode::BackupNotConnected));
    assert!(r.errors[0].message.contains("does not exist"), "{}", r.errors[0].message);
    assert_eq!(r.blobs_synced, 0);
    // No file carries a blob name without the blob's bytes, on either side; nothing local changed.
    assert_blob_tree_sound(&away.join(".synapse/store/data/blobs/sha256"));
    assert!(!away.join(".synapse/store/data/blobs/sha256").join(big.fanout()).join(big.as_str()).exists());
    assert!(!f.drive.exists(), "nothing recreated the drive's folder");
    assert_eq!(snapshot(f.store.layout().blobs().root()), local_before);

    // The drive comes back: the next sync finishes the job and clears the leftovers.
    f.replug(&away);
    let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert!(r.errors.is_empty(), "{r:?}");
    assert_eq!(r.blobs_synced, 3);
    for sha in [&big, &small1, &small2] {
        assert!(f.backup_path(sha).is_file());
    }
    assert_blob_tree_sound(f.backup_layout().blobs().root());
    assert!(copy::leftovers(&f.backup_layout().tmp()).is_empty());
}

#[test]
fn a_full_drive_fails_the_blob_with_insufficient_space_and_writes_nothing_half() {
    let f = Fixture::new();
    let tmpfs = Tmpfs::mount(&f.drive, "4m");
    enable(&f, &f.drive);
    let fits = f.put_local(&content("fits", 3 << 20));
    let too_big = f.put_local(&content("does not fit after the first", (5 << 20) / 2));
    let local_before = snapshot(f.store.layout().blobs().root());
    let _fault = if tmpfs.is_none() {
        eprintln!("cannot mount a tmpfs here: using an injected disk-full writer error instead");
        Some(copy::inject_disk_full_after(1 << 20))
    } else {
        None
    };

    let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    let failed: Vec<_> = r.errors.iter().map(|e| (e.sha256.clone().unwrap(), e.code)).collect();
    if tmpfs.is_some() {
        assert_eq!(r.blobs_synced, 1, "the largest blob fits first: {r:?}");
        assert!(f.backup_path(&fits).is_file());
        assert_eq!(failed, vec![(too_big.clone(), ErrorCode::InsufficientSpace)]);
        assert!(r.errors[0].message.contains("not enough space"), "{}", r.errors[0].message);
        // The single-blob command says the same, up front.
        let err = quiet(|ctl| sync::backup_blob(&f.store, &too_big, ctl)).unwrap_err();
        assert_eq!((err.code(), err.code().exit_code()), (ErrorCode::InsufficientSpace, 6));
    } else {
        assert!(failed.iter().all(|(_, c)| *c == ErrorCode::InsufficientSpace), "{failed:?}");
        assert_eq!(failed.len(), 2);
    }
    assert!(!f.backup_path(&too_big).exists());
    assert!(copy::leftovers(&f.backup_layout().tmp()).is_empty(), "no partial file is left");
    assert_blob_tree_sound(f.backup_layout().blobs().root());
    assert_eq!(snapshot(f.store.layout().blobs().root()), local_before, "the source is untouched");
    drop(tmpfs);
}

#[test]
fn a_disk_filling_up_mid_copy_leaves_nothing_half_written_either_way() {
    let f = enabled();
    let bytes = content("five megabytes", 5 << 20);
    let sha = f.put_local(&bytes);
    fs::write(f.store.layout().blobs().meta(&sha), br#"{"version":1,"original_filename":"m.safetensors"}"#).unwrap();
    {
        let _fault = copy::inject_disk_full_after(3 << 20);
        let err = quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InsufficientSpace, "{err}");
        assert!(err.to_string().contains("No space left"), "{err}");
    }
    assert!(!f.backup_path(&sha).exists());
    assert!(!f.backup_layout().blobs().meta(&sha).exists(), "the manifest written for it is taken back");
    assert!(copy::leftovers(&f.backup_layout().tmp()).is_empty());
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), bytes);

    // Restoring into a full local disk.
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    fs::remove_file(f.local_path(&sha)).unwrap();
    {
        let _fault = copy::inject_disk_full_after(1 << 20);
        let err = quiet(|ctl| sync::restore_blob(&f.store, &sha, ctl)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InsufficientSpace);
    }
    assert!(!f.local_path(&sha).exists());
    assert!(copy::leftovers(&f.store.layout().tmp()).is_empty());
    assert_eq!(fs::read(f.backup_path(&sha)).unwrap(), bytes, "the source is untouched");
}

#[test]
fn a_corrupt_backup_copy_is_refused_by_restore_and_reported_by_verify() {
    let f = enabled();
    let bytes = content("a lora", 70_000);
    let sha = f.put_backup(&bytes);
    let mut rotten = bytes.clone();
    rotten[1234] ^= 0x40;
    fs::write(f.backup_path(&sha), &rotten).unwrap();
    let err = quiet(|ctl| sync::restore_blob(&f.store, &sha, ctl)).unwrap_err();
    assert_eq!((err.code(), err.code().exit_code()), (ErrorCode::Integrity, 7));
    assert!(err.to_string().contains(&sha_of(&rotten).to_string()), "says what it found: {err}");
    assert!(!f.local_path(&sha).exists());
    assert!(copy::leftovers(&f.store.layout().tmp()).is_empty(), "nothing left behind");
    let v = quiet(|ctl| synapse_core::verify::verify(&f.store, synapse_core::verify::Selection::AllBackup, None, ctl)).unwrap();
    assert_eq!(v.invalid.len(), 1);
    assert_eq!(v.invalid[0].actual.as_deref(), Some(sha_of(&rotten).as_str()));
    assert_eq!(fs::read(f.backup_path(&sha)).unwrap(), rotten, "verify reports, it never deletes");
}
