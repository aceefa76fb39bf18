//! State backup (SPEC §3.7): status, push and pull like rsync without
//! --delete, `.git` excluded by default, pulls into a git working tree
//! refused without an override, links kept inside the tree.

use std::fs;
use std::path::Path;

use synapse_core::model::{AssetKind, SyncDirection};
use synapse_core::state_sync::{self, StateSyncOptions};
use synapse_core::{Error, ErrorCode};

use crate::backup::{enabled, quiet};
use crate::support::{content, Fixture};

fn run(f: &Fixture, direction: SyncDirection, dry_run: bool) -> synapse_core::model::StateSyncResult {
    let opts = StateSyncOptions { direction, dry_run, ..Default::default() };
    quiet(|ctl| state_sync::state_sync(&f.store, opts, ctl)).unwrap()
}

fn write(p: &Path, bytes: &[u8]) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// A store with two packs (one with a preview) and an enabled backup.
fn with_packs() -> Fixture {
    let f = enabled();
    let a = f.put_local(&content("a", 100));
    let b = f.put_local(&content("b", 100));
    f.write_pack("Alpha", &[("a", &a, AssetKind::Lora, 100, "a.safetensors")]);
    f.write_pack("Beta", &[("b", &b, AssetKind::Vae, 100, "b.safetensors")]);
    write(&f.store.layout().packs().join("Alpha/previews/1.png"), &content("png", 5000));
    f
}

#[test]
fn push_copies_state_and_a_second_push_is_already_synced() {
    let f = with_packs();
    let plan = run(&f, SyncDirection::ToBackup, true);
    assert!(plan.dry_run && !plan.already_synced);
    assert_eq!(plan.packs_synced, 2);
    assert!(plan.files.iter().any(|c| c.path == "packs/Alpha/previews/1.png" && c.action == "create"));
    assert!(plan.files.iter().any(|c| c.path == "config.json"));
    assert!(!f.backup_layout().state().join("packs").exists(), "a dry run copies nothing");

    let r = run(&f, SyncDirection::ToBackup, false);
    assert_eq!((r.files_synced, r.packs_synced), (plan.files.len() as u64, 2));
    assert!(r.errors.is_empty());
    let local = f.store.layout().packs().join("Alpha/previews/1.png");
    let copy = f.backup_layout().state().join("packs/Alpha/previews/1.png");
    assert_eq!(fs::read(&copy).unwrap(), fs::read(&local).unwrap());
    assert_eq!(fs::metadata(&copy).unwrap().modified().unwrap(), fs::metadata(&local).unwrap().modified().unwrap(), "times kept");
    assert!(run(&f, SyncDirection::ToBackup, false).already_synced);

    let st = state_sync::state_status(&f.store).unwrap();
    assert_eq!((st.local_packs, st.backup_packs), (2, 2));
    assert!(st.packs_local_only.is_empty() && st.packs_backup_only.is_empty() && st.packs_modified.is_empty());
    assert_eq!(st.local_bytes, st.backup_bytes);
    assert!(st.last_sync.is_some() && !st.has_git);
}

#[test]
fn status_finds_local_only_backup_only_and_modified_packs() {
    let f = with_packs();
    run(&f, SyncDirection::ToBackup, false);
    // Alpha changes locally, Beta only exists on the backup from now on, Gamma only locally.
    let lock = f.store.layout().packs().join("Alpha/lock.json");
    let mut bytes = fs::read(&lock).unwrap();
    bytes.extend_from_slice(b"\n ");
    fs::write(&lock, bytes).unwrap();
    fs::remove_dir_all(f.store.layout().packs().join("Beta")).unwrap();
    let g = f.put_local(&content("g", 10));
    f.write_pack("Gamma", &[("g", &g, AssetKind::Lora, 10, "g.safetensors")]);
    let st = state_sync::state_status(&f.store).unwrap();
    assert_eq!(st.packs_modified, vec!["Alpha"]);
    assert_eq!(st.packs_backup_only, vec!["Beta"]);
    assert_eq!(st.packs_local_only, vec!["Gamma"]);

    // Neither direction deletes the other side's packs.
    run(&f, SyncDirection::ToBackup, false);
    assert!(f.backup_layout().state().join("packs/Beta/pack.json").is_file(), "push keeps backup-only packs");
    fs::remove_dir_all(f.store.layout().packs().join("Gamma")).unwrap();
    let fresh = f.put_local(&content("d", 10));
    f.write_pack("Delta", &[("d", &fresh, AssetKind::Lora, 10, "d.safetensors")]);
    let r = run(&f, SyncDirection::FromBackup, false);
    assert!(r.errors.is_empty(), "{r:?}");
    assert!(f.store.layout().packs().join("Beta/pack.json").is_file() && f.store.layout().packs().join("Gamma/pack.json").is_file());
    assert!(f.store.layout().packs().join("Delta/pack.json").is_file(), "pull keeps local-only packs");
}

#[test]
fn git_is_left_out_and_a_pull_into_a_working_tree_needs_an_override() {
    let f = with_packs();
    let git = f.store.layout().state().join(".git");
    write(&git.join("HEAD"), b"ref: refs/heads/main\n");
    let r = run(&f, SyncDirection::ToBackup, false);
    assert!(!f.backup_layout().state().join(".git").exists(), ".git is excluded by default");
    assert!(r.warnings.iter().any(|w| w.contains(".git")), "{:?}", r.warnings);
    assert!(state_sync::state_status(&f.store).unwrap().has_git);

    // The backup gets a newer pack file: pulling would overwrite the working tree.
    let on_backup = f.backup_layout().state().join("packs/Alpha/pack.json");
    let mut bytes = fs::read(&on_backup).unwrap();
    bytes.extend_from_slice(b"\n\n");
    fs::write(&on_backup, &bytes).unwrap();
    let plan = run(&f, SyncDirection::FromBackup, true);
    assert!(plan.warnings.iter().any(|w| w.contains("git working tree")), "{:?}", plan.warnings);
    let err = quiet(|ctl| {
        state_sync::state_sync(
            &f.store,
            StateSyncOptions { direction: SyncDirection::FromBackup, dry_run: false, ..Default::default() },
            ctl,
        )
    })
    .unwrap_err();
    assert!(matches!(err, Error::GitWorkingTree { .. }), "{err}");
    assert_eq!((err.code(), err.code().exit_code()), (ErrorCode::GitWorkingTree, 3));
    assert_ne!(fs::read(f.store.layout().packs().join("Alpha/pack.json")).unwrap(), bytes, "nothing was overwritten");

    let opts = StateSyncOptions { direction: SyncDirection::FromBackup, dry_run: false, allow_git_overwrite: true, ..Default::default() };
    let r = quiet(|ctl| state_sync::state_sync(&f.store, opts, ctl)).unwrap();
    assert_eq!(r.files_synced, 1);
    assert_eq!(fs::read(f.store.layout().packs().join("Alpha/pack.json")).unwrap(), bytes);

    // --include-git mirrors the repository too.
    let opts = StateSyncOptions { direction: SyncDirection::ToBackup, dry_run: false, include_git: true, ..Default::default() };
    quiet(|ctl| state_sync::state_sync(&f.store, opts, ctl)).unwrap();
    assert!(f.backup_layout().state().join(".git/HEAD").is_file());
}

#[test]
fn links_are_copied_as_links_and_never_followed_out_of_the_tree() {
    let f = with_packs();
    let packs = f.store.layout().packs();
    std::os::unix::fs::symlink("../Beta/pack.json", packs.join("Alpha/beta-pack.json")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", packs.join("Alpha/escape")).unwrap();
    let r = run(&f, SyncDirection::ToBackup, false);
    let inside = f.backup_layout().state().join("packs/Alpha/beta-pack.json");
    assert_eq!(fs::read_link(&inside).unwrap(), Path::new("../Beta/pack.json"));
    assert!(fs::symlink_metadata(f.backup_layout().state().join("packs/Alpha/escape")).is_err());
    assert!(r.warnings.iter().any(|w| w.contains("escape")), "{:?}", r.warnings);
}

#[test]
fn checksum_mode_finds_a_change_that_kept_size_and_time() {
    let f = with_packs();
    run(&f, SyncDirection::ToBackup, false);
    let p = f.store.layout().packs().join("Alpha/previews/1.png");
    let t = fs::metadata(&p).unwrap().modified().unwrap();
    fs::write(&p, content("PNG", 5000)).unwrap();
    fs::File::options().write(true).open(&p).unwrap().set_modified(t).unwrap();
    assert!(run(&f, SyncDirection::ToBackup, true).already_synced, "size and time alone cannot see it");
    let opts = StateSyncOptions { checksum: true, ..Default::default() };
    let plan = quiet(|ctl| state_sync::state_sync(&f.store, opts, ctl)).unwrap();
    assert_eq!(plan.files.len(), 1);
    assert_eq!(plan.files[0].action, "update");
}

#[test]
fn state_backup_needs_the_drive() {
    let f = with_packs();
    let away = f.unplug();
    assert_eq!(state_sync::state_status(&f.store).unwrap_err().code(), ErrorCode::BackupNotConnected);
    let opts = StateSyncOptions { dry_run: false, ..Default::default() };
    assert_eq!(quiet(|ctl| state_sync::state_sync(&f.store, opts, ctl)).unwrap_err().code(), ErrorCode::BackupNotConnected);
    f.replug(&away);
}
