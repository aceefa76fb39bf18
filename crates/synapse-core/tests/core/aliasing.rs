//! Files are what they seem (issue "no symlink, hard link or bind mount can
//! make Synapse lose, corrupt or write outside its trees"): each test is named
//! after what it prevents, and reproduces the attack on real directories.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use synapse_core::adopt::{self, AdoptOptions};
use synapse_core::backup::{self, BackupState, ConfigUpdate};
use synapse_core::cleanup::{self, CleanupOptions};
use synapse_core::doctor;
use synapse_core::guard;
use synapse_core::model::{AssetKind, DeleteTarget, Location, SyncDirection};
use synapse_core::state_sync::{self, StateSyncOptions};
use synapse_core::sync::{self, PushOptions};
use synapse_core::{ErrorCode, PackName, Store};

use crate::backup::{enable, enabled, execute, quiet};
use crate::support::{content, sha_of, Fixture};

/// A store at `<home>/.synapse/store`, as the default layout puts it.
fn home_store() -> (tempfile::TempDir, Store, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let store = Store::init(&home.join(".synapse/store")).unwrap();
    (dir, store, home)
}

fn set_backup_path(store: &Store, path: &Path) {
    let mut c = store.config().unwrap();
    c.backup.enabled = true;
    c.backup.path = Some(path.to_string_lossy().into_owned());
    store.save_config(&c).unwrap();
}

fn put(store: &Store, bytes: &[u8]) -> synapse_core::Sha256 {
    let sha = sha_of(bytes);
    let p = store.layout().blobs().blob(&sha);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
    sha
}

fn assert_store_is_not_its_own_backup(store: &Store, path: &Path) {
    let sha = put(store, &content("only copy", 5000));
    // Refused when configured...
    let err =
        backup::configure(store, &ConfigUpdate { path: Some(path.to_path_buf()), enabled: Some(true), ..Default::default() }).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    // ...and when the config already names it (written by hand, or the link made later).
    set_backup_path(store, path);
    let state = BackupState::detect_for(store.layout(), &store.config().unwrap());
    assert!(state.connected().is_none(), "the store is not its own backup: {state:?}");
    let inv = synapse_core::inventory::build(store).unwrap();
    assert_eq!(inv.get(&sha).unwrap().location, Location::LocalOnly);
    let err = guard::delete(store, &sha, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy, "{err}");
    assert!(store.layout().blobs().blob(&sha).exists(), "the only copy is still there");
    let report = doctor::doctor(store, false).unwrap();
    assert!(report.findings.iter().any(|f| f.code == "backup_aliases_store"), "{:#?}", report.findings);
}

#[test]
fn a_backup_path_that_leads_back_to_the_store_through_a_symlink_never_counts_as_a_copy() {
    let (dir, store, home) = home_store();
    let link = dir.path().join("usb");
    symlink(&home, &link).unwrap();
    assert_store_is_not_its_own_backup(&store, &link);
}

#[test]
fn a_drive_root_that_is_a_symlink_to_the_store_is_refused() {
    let (dir, store, home) = home_store();
    let link = dir.path().join("usb");
    symlink(home.join(".synapse/store"), &link).unwrap();
    assert_store_is_not_its_own_backup(&store, &link);
}

#[test]
fn a_bind_mount_of_the_home_folder_is_not_a_backup_drive() {
    let (dir, store, home) = home_store();
    let mnt = dir.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount").arg("--bind").arg(&home).arg(&mnt).status().is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("SKIPPED a_bind_mount_of_the_home_folder_is_not_a_backup_drive: `mount --bind` needs root (and a mount namespace that allows it)");
        return;
    }
    let result = std::panic::catch_unwind(|| assert_store_is_not_its_own_backup(&store, &mnt));
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    result.unwrap();
}

#[test]
fn a_backup_blob_that_is_a_symlink_or_a_hard_link_of_the_local_one_is_not_a_copy_and_push_free_keeps_the_local() {
    let f = enabled();
    let linked = f.put_local(&content("symlinked", 4000));
    let hard = f.put_local(&content("hard-linked", 3000));
    for sha in [&linked, &hard] {
        fs::create_dir_all(f.backup_path(sha).parent().unwrap()).unwrap();
    }
    symlink(f.local_path(&linked), f.backup_path(&linked)).unwrap();
    fs::hard_link(f.local_path(&hard), f.backup_path(&hard)).unwrap();
    f.write_pack("P", &[("a", &linked, AssetKind::Lora, 4000, "a.safetensors"), ("b", &hard, AssetKind::Lora, 3000, "b.safetensors")]);
    let inv = f.inventory();
    for sha in [&linked, &hard] {
        assert_eq!(inv.get(sha).unwrap().location, Location::LocalOnly, "{sha}");
        let err = guard::delete(&f.store, sha, DeleteTarget::Local, false).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LastCopy);
    }
    let report = doctor::doctor(&f.store, false).unwrap();
    assert_eq!(report.findings.iter().filter(|x| x.code == "backup_not_a_copy").count(), 2, "{:#?}", report.findings);

    // Push & free writes real copies first: only then is a local copy freed.
    let name = PackName::parse("P").unwrap();
    let r = quiet(|ctl| sync::push(&f.store, &name, PushOptions { dry_run: false, free: true }, ctl)).unwrap();
    assert!(r.errors.is_empty(), "{r:?}");
    for sha in [&linked, &hard] {
        let m = fs::symlink_metadata(f.backup_path(sha)).unwrap();
        assert!(m.is_file() && m.nlink() == 1, "{sha}: a real copy of its own on the drive");
        assert_eq!(sha_of(&fs::read(f.backup_path(sha)).unwrap()), *sha);
    }
}

#[test]
fn cleanup_and_doctor_fix_never_delete_a_users_files_through_a_symlinked_data_tmp() {
    let f = Fixture::new();
    let shared = f.dir.path().join("shared");
    fs::create_dir(&shared).unwrap();
    fs::write(shared.join("0123456789abcdef0123456789abcdef.part"), b"looks like ours").unwrap();
    fs::write(shared.join("thesis.pdf"), b"precious").unwrap();
    let tmp = f.store.layout().tmp();
    fs::remove_dir(&tmp).unwrap();
    symlink(&shared, &tmp).unwrap();
    let r = quiet(|ctl| cleanup::cleanup(&f.store, CleanupOptions { execute: true, max_items: None }, ctl)).unwrap();
    assert!(r.partial_files.is_empty(), "{r:?}");
    let fixed = doctor::doctor(&f.store, true).unwrap();
    assert!(fixed.findings.iter().any(|x| x.code == "link_in_store" && x.path.as_deref() == Some(tmp.as_path())), "{fixed:#?}");
    assert_eq!(fs::read_dir(&shared).unwrap().count(), 2, "both files are still there");
    // And adopting refuses to write through it.
    let model = f.dir.path().join("m.safetensors");
    fs::write(&model, b"model bytes").unwrap();
    let cancel = synapse_core::progress::CancelToken::new();
    let err =
        synapse_core::blobs::adopt_file(f.store.layout(), &model, synapse_core::blobs::AdoptMode::Copy, None, None, &cancel).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidFile, "{err}");
    assert_eq!(fs::read_dir(&shared).unwrap().count(), 2, "nothing was written there");
}

#[test]
fn cleanup_lists_foreign_files_in_data_tmp_and_leaves_them() {
    let f = Fixture::new();
    let tmp = f.store.layout().tmp();
    fs::write(tmp.join("movie.part"), b"someone else's").unwrap();
    fs::write(tmp.join("download_0123456789abcdef0123456789abcdef"), b"the original program's download").unwrap();
    let ours = tmp.join("0123456789abcdef0123456789abcdef.part");
    fs::write(&ours, b"ours").unwrap();
    let r = quiet(|ctl| cleanup::cleanup(&f.store, CleanupOptions { execute: true, max_items: None }, ctl)).unwrap();
    assert_eq!(r.partial_files_deleted, 1);
    assert_eq!(r.left_alone.len(), 2, "{r:?}");
    assert!(!ours.exists() && tmp.join("movie.part").exists() && tmp.join("download_0123456789abcdef0123456789abcdef").exists());
}

#[test]
fn a_drive_whose_folders_are_symlinks_gets_nothing_written_outside_it() {
    for folder in ["data/tmp", "data/blobs/sha256/XX"] {
        let f = enabled();
        let sha = f.put_local(&content("model", 6000));
        let outside = f.dir.path().join("elsewhere");
        fs::create_dir(&outside).unwrap();
        let tree = f.backup_layout().store_root();
        let at = tree.join(folder.replace("XX", sha.fanout()));
        let _ = fs::remove_dir_all(&at);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(&outside, &at).unwrap();
        let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
        assert_eq!(r.blobs_synced, 0, "{folder}: {r:?}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "{folder}: nothing written outside the drive tree");
        assert!(f.local_path(&sha).exists());
    }
}

#[test]
fn state_sync_never_writes_through_a_symlinked_pack_folder() {
    let f = enabled();
    let sha = f.put_local(&content("m", 100));
    f.write_pack("P", &[("a", &sha, AssetKind::Lora, 100, "a.safetensors")]);
    let push = StateSyncOptions { direction: SyncDirection::ToBackup, dry_run: false, ..Default::default() };
    quiet(|ctl| state_sync::state_sync(&f.store, push, ctl)).unwrap();
    // Locally the pack folder becomes a link to a folder of the user's.
    let outside = f.dir.path().join("users-folder");
    fs::create_dir(&outside).unwrap();
    let pack = f.store.layout().packs().join("P");
    fs::remove_dir_all(&pack).unwrap();
    symlink(&outside, &pack).unwrap();
    let pull = StateSyncOptions { direction: SyncDirection::FromBackup, dry_run: false, ..Default::default() };
    let r = quiet(|ctl| state_sync::state_sync(&f.store, pull, ctl)).unwrap();
    assert!(!r.errors.is_empty(), "{r:?}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "nothing written into the user's folder");
}

#[test]
fn state_sync_reports_names_that_are_not_utf8_instead_of_calling_the_pack_synced() {
    use std::os::unix::ffi::OsStrExt;
    let f = enabled();
    let sha = f.put_local(&content("m", 100));
    f.write_pack("P", &[("a", &sha, AssetKind::Lora, 100, "a.safetensors")]);
    let odd = f.store.layout().packs().join("P").join(std::ffi::OsStr::from_bytes(b"preview-\xff.png"));
    fs::write(&odd, b"png").unwrap();
    let push = StateSyncOptions { direction: SyncDirection::ToBackup, dry_run: false, ..Default::default() };
    let r = quiet(|ctl| state_sync::state_sync(&f.store, push, ctl)).unwrap();
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert!(r.errors[0].message.contains("not valid UTF-8"));
    let status = state_sync::state_status(&f.store).unwrap();
    assert_eq!(status.packs_modified, vec!["P".to_owned()], "{status:?}");
}

#[test]
fn adopt_link_with_a_symlink_at_the_blob_path_adopts_the_real_bytes() {
    let f = Fixture::new();
    let models = f.dir.path().join("ComfyUI/models/loras");
    fs::create_dir_all(&models).unwrap();
    let file = models.join("only.safetensors");
    let bytes = content("the user's only copy", 9000);
    fs::write(&file, &bytes).unwrap();
    let sha = sha_of(&bytes);
    let blob = f.local_path(&sha);
    fs::create_dir_all(blob.parent().unwrap()).unwrap();
    symlink(&file, &blob).unwrap();
    let cancel = synapse_core::progress::CancelToken::new();
    let ctl = synapse_core::progress::Control::new(&synapse_core::progress::NoProgress, &cancel);
    let r = adopt::adopt(&f.store, &models, AdoptOptions { execute: true, link: true }, ctl).unwrap();
    assert!(r.errors.is_empty(), "{r:?}");
    let m = fs::symlink_metadata(&blob).unwrap();
    assert!(m.is_file(), "the blob is a real file now");
    assert_eq!(fs::read(&file).unwrap(), bytes, "the user's file still opens the same bytes");
}

#[test]
fn adopted_blobs_never_share_an_inode_with_the_users_file_and_are_read_only() {
    let f = Fixture::new();
    let models = f.dir.path().join("models/checkpoints");
    fs::create_dir_all(&models).unwrap();
    let file = models.join("model.safetensors");
    let bytes = content("model", 7000);
    fs::write(&file, &bytes).unwrap();
    let cancel = synapse_core::progress::CancelToken::new();
    let ctl = synapse_core::progress::Control::new(&synapse_core::progress::NoProgress, &cancel);
    let r = adopt::adopt(&f.store, &models, AdoptOptions { execute: true, link: false }, ctl).unwrap();
    assert!(r.errors.is_empty(), "{r:?}");
    let blob = f.local_path(&sha_of(&bytes));
    let (b, u) = (fs::metadata(&blob).unwrap(), fs::metadata(&file).unwrap());
    assert_ne!(b.ino(), u.ino(), "the user's file is not the blob");
    assert_eq!(b.nlink(), 1);
    assert_eq!(b.permissions().mode() & 0o777, 0o444, "blobs are read-only");
    // The user's next in-place edit does not reach the blob.
    fs::write(&file, b"edited").unwrap();
    assert_eq!(fs::read(&blob).unwrap(), bytes);
}

#[test]
fn doctor_finds_a_blob_hard_linked_to_a_users_file_and_fix_unshares_it() {
    let f = Fixture::new();
    let bytes = content("shared", 5000);
    let sha = f.put_local(&bytes);
    let users = f.dir.path().join("users-copy.safetensors");
    fs::hard_link(f.local_path(&sha), &users).unwrap();
    let r = doctor::doctor(&f.store, true).unwrap();
    let fnd = r.findings.iter().find(|x| x.code == "shared_inode").expect("shared_inode finding");
    assert!(fnd.fixed, "{fnd:?}");
    assert_eq!(fs::metadata(f.local_path(&sha)).unwrap().nlink(), 1);
    assert_eq!(fs::read(&users).unwrap(), bytes, "the user's file keeps its bytes");
    assert_eq!(sha_of(&fs::read(f.local_path(&sha)).unwrap()), sha);
}

#[test]
fn pack_names_are_limited_in_bytes_so_validate_never_accepts_what_import_cannot_write() {
    let long = "é".repeat(128);
    assert_eq!(long.chars().count(), 128);
    let err = PackName::parse(&long).unwrap_err();
    assert!(err.to_string().contains("255 bytes"), "{err}");
    assert!(PackName::parse(&"é".repeat(127)).is_ok());
}

#[test]
fn a_full_disk_during_adopt_is_insufficient_space() {
    // A write error wrapped with the file's name keeps its kind: exit 6, not 1.
    let e = std::io::Error::new(std::io::ErrorKind::StorageFull, "writing x.part: No space left on device");
    let err = synapse_core::Error::io("read", "/x")(e);
    assert_eq!(err.code(), ErrorCode::InsufficientSpace);
    assert_eq!(err.code().exit_code(), 6);
}

#[test]
fn an_existing_drive_can_still_be_enabled_beside_the_store() {
    // The identity checks refuse only real aliasing: a sibling folder is fine.
    let f = Fixture::new();
    enable(&f, &f.drive);
    assert!(BackupState::detect_for(f.store.layout(), &f.store.config().unwrap()).connected().is_some());
}

#[test]
fn a_pack_folder_that_is_a_symlink_is_a_pack_error_so_cleanup_never_deletes_its_blobs() {
    let f = Fixture::new();
    let sha = f.put_local(&content("used by the linked pack", 3000));
    f.write_pack("Real", &[("a", &sha, AssetKind::Lora, 3000, "a.safetensors")]);
    let elsewhere = f.dir.path().join("packs-in-git/Real");
    fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    fs::rename(f.store.layout().packs().join("Real"), &elsewhere).unwrap();
    symlink(&elsewhere, f.store.layout().packs().join("Real")).unwrap();
    let inv = f.inventory();
    assert_eq!(inv.summary.pack_errors.len(), 1, "{:?}", inv.summary.pack_errors);
    let err = quiet(|ctl| cleanup::cleanup(&f.store, CleanupOptions { execute: true, max_items: None }, ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PacksUnreadable);
    assert!(f.local_path(&sha).exists());
    // Deleting the pack removes the link, never the folder it points at.
    synapse_core::packs::delete(&f.store, &PackName::parse("Real").unwrap()).unwrap_or_else(|e| panic!("{e}"));
    assert!(elsewhere.join("pack.json").exists(), "the linked folder is untouched");
}

#[test]
fn doctor_fix_never_trades_a_stray_file_for_a_link_at_its_blob_path() {
    let f = Fixture::new();
    let bytes = content("misfiled only copy", 4000);
    let sha = sha_of(&bytes);
    // The only copy, misfiled in the wrong fan-out...
    let wrong = f.store.layout().blobs().root().join("00").join(sha.as_str());
    fs::create_dir_all(wrong.parent().unwrap()).unwrap();
    fs::write(&wrong, &bytes).unwrap();
    // ...and a link where it belongs, pointing at it.
    let right = f.local_path(&sha);
    fs::create_dir_all(right.parent().unwrap()).unwrap();
    symlink(&wrong, &right).unwrap();
    doctor::doctor(&f.store, true).unwrap();
    assert_eq!(fs::read(&wrong).unwrap(), bytes, "the only copy was not removed as a 'duplicate'");
}

#[test]
fn a_no_op_sync_never_counts_a_drive_fan_out_that_is_a_link_as_synced() {
    let f = enabled();
    let sha = f.put_local(&content("model", 2000));
    // The drive's fan-out folder links to the local one: every blob "is there".
    let fan = f.backup_layout().blobs().root().join(sha.fanout());
    let _ = fs::remove_dir_all(&fan);
    symlink(f.local_path(&sha).parent().unwrap(), &fan).unwrap();
    let plan =
        quiet(|ctl| sync::sync(&f.store, sync::SyncOptions { direction: SyncDirection::ToBackup, ..Default::default() }, ctl)).unwrap();
    assert_eq!(plan.blobs_to_sync, 1, "{plan:?}");
}
