//! Backup storage (SPEC §3.6): configuration and initialisation, connected vs
//! unplugged, the drive's identity, status, the backup catalog, and blob
//! backup / restore / sync. Faults are in `backup_faults`, packs in
//! `backup_packs`, the state backup in `backup_state`.

use std::fs;
use std::path::Path;

use synapse_core::backup::{self, BackupState, ConfigUpdate};
use synapse_core::catalog::Catalog;
use synapse_core::copy;
use synapse_core::guard;
use synapse_core::model::{AssetKind, BackupSource, BlobStatus, DeleteTarget, Location, SyncDirection};
use synapse_core::progress::{CancelToken, Control, NoProgress, ProgressUpdate};
use synapse_core::sync::{self, SyncOptions};
use synapse_core::verify::{self, Selection};
use synapse_core::{Error, ErrorCode, Sha256};
use synapse_test_support::files_under;

use crate::support::{content, sha_of, Fixture};

pub fn quiet<T>(f: impl FnOnce(Control) -> T) -> T {
    let cancel = CancelToken::new();
    f(Control::new(&NoProgress, &cancel))
}

/// A store whose backup at `<tmp>/drive` was enabled through `backup config`.
pub fn enabled() -> Fixture {
    let f = Fixture::new();
    enable(&f, &f.drive);
    f
}

pub fn enable(f: &Fixture, path: &Path) {
    let r =
        backup::configure(&f.store, &ConfigUpdate { path: Some(path.to_path_buf()), enabled: Some(true), ..Default::default() }).unwrap();
    assert!(r.connected, "{r:?}");
}

pub fn execute(direction: SyncDirection) -> SyncOptions {
    SyncOptions { direction, dry_run: false, ..Default::default() }
}

/// Every file in a blob tree is a blob that hashes to its name or a manifest:
/// never a partial file under a final name.
pub fn assert_blob_tree_sound(blobs_root: &Path) {
    for p in files_under(blobs_root) {
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        if let Some(stem) = name.strip_suffix(".meta") {
            assert!(Sha256::parse(stem).is_ok(), "stray manifest {}", p.display());
            continue;
        }
        let bytes = fs::read(&p).unwrap();
        assert_eq!(sha_of(&bytes).as_str(), name, "{} does not hash to its name", p.display());
    }
}

#[test]
fn enabling_initialises_the_drive_once_with_an_id() {
    let f = Fixture::new();
    fs::create_dir_all(&f.drive).unwrap();
    let update = ConfigUpdate { path: Some(f.drive.clone()), enabled: Some(true), ..Default::default() };
    let first = backup::configure(&f.store, &update).unwrap();
    assert!(first.initialized && first.changed && first.enabled && first.connected && !first.adopted, "{first:?}");
    let layout = f.backup_layout();
    assert!(layout.blobs().root().is_dir() && layout.state().is_dir() && layout.tmp().is_dir());
    let id = fs::read_to_string(layout.id_file()).unwrap().trim().to_owned();
    assert_eq!(first.backup_id.as_deref(), Some(id.as_str()));

    let again = backup::configure(&f.store, &update).unwrap();
    assert!(!again.initialized && !again.changed, "{again:?}");
    assert_eq!(fs::read_to_string(layout.id_file()).unwrap().trim(), id, "the id is written once");
    assert_eq!(Catalog::load(f.store.layout(), &f.store.target().unwrap()).backup_id.as_deref(), Some(id.as_str()));

    let off = backup::configure(&f.store, &ConfigUpdate { enabled: Some(false), ..Default::default() }).unwrap();
    assert!(!off.enabled && off.changed && off.path.is_some());
    assert!(matches!(BackupState::detect(&f.store.config().unwrap()), BackupState::Disabled { .. }));
    let flags = ConfigUpdate { auto_backup_new: Some(true), warn_before_delete_last_copy: Some(false), ..Default::default() };
    let r = backup::configure(&f.store, &flags).unwrap();
    assert!(r.auto_backup_new && !r.warn_before_delete_last_copy);
    let c = f.store.config().unwrap();
    assert!(c.backup.auto_backup_new && !c.backup.warn_before_delete_last_copy && !c.backup.enabled);
}

#[test]
fn a_backup_of_the_original_program_is_adopted_as_it_is() {
    let f = Fixture::new();
    let old = f.put_backup(&content("written by the original", 300));
    assert!(!f.backup_layout().id_file().exists());
    let r = backup::configure(&f.store, &ConfigUpdate { path: Some(f.drive.clone()), enabled: Some(true), ..Default::default() }).unwrap();
    assert!(r.adopted && !r.initialized, "{r:?}");
    assert!(f.backup_layout().id_file().is_file());
    assert!(f.backup_path(&old).is_file(), "nothing of the old backup is touched");
    assert_eq!(f.inventory().get(&old).unwrap().location, Location::BackupOnly);
}

#[test]
fn paths_inside_the_store_or_around_it_are_refused() {
    let f = Fixture::new();
    let inside = f.store.root().join("backup");
    let around = f.dir.path().to_path_buf();
    for p in [inside, around, "relative/dir".into()] {
        let err =
            backup::configure(&f.store, &ConfigUpdate { path: Some(p.clone()), enabled: Some(true), ..Default::default() }).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{}: {err}", p.display());
    }
    assert!(!f.store.config().unwrap().backup.enabled, "nothing was saved");
    // Enabling without any path says one is needed (in words the app can show: the CLI adds its flags).
    let err = backup::configure(&f.store, &ConfigUpdate { enabled: Some(true), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("needs a folder") && !err.to_string().contains("--path"), "{err}");
}

#[test]
fn an_unmounted_drive_is_never_written_to() {
    let f = Fixture::new();
    // The mount point's parent does not exist either: nothing is created.
    let gone = f.dir.path().join("media/usb/synapse-backup");
    let err =
        backup::configure(&f.store, &ConfigUpdate { path: Some(gone.clone()), enabled: Some(true), ..Default::default() }).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(!f.dir.path().join("media").exists());

    // A configured path that is an empty folder (a bare mount point) is disconnected, not an empty backup.
    let mount = f.dir.path().join("mnt");
    fs::create_dir_all(&mount).unwrap();
    let mut c = f.store.config().unwrap();
    c.backup.enabled = true;
    c.backup.path = Some(mount.to_string_lossy().into_owned());
    f.store.save_config(&c).unwrap();
    let s = backup::status(&f.store).unwrap();
    assert!(s.enabled && !s.connected);
    assert!(s.error.as_deref().unwrap().contains("unplugged"), "{s:?}");
    f.put_local(&content("local", 100));
    let err = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    assert!(err.to_string().contains("enable the backup on this path"), "says how to start a backup there: {err}");
    assert_eq!(fs::read_dir(&mount).unwrap().count(), 0, "nothing was written to the mount point");
}

#[test]
fn another_drive_at_the_same_path_is_not_ours_until_adopted() {
    let f = enabled();
    let sha = f.put_local(&content("ours", 500));
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    // Swap the drive: same path, another backup (another id).
    let away = f.unplug();
    let other = Fixture::new();
    enable(&other, &f.drive);
    assert_ne!(fs::read_to_string(f.backup_layout().id_file()).unwrap(), fs::read_to_string(away.join(".synapse/backup-id")).unwrap());
    let state = BackupState::detect_for(f.store.layout(), &f.store.config().unwrap());
    let err = state.require().unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    assert!(err.to_string().contains("different Synapse backup"), "{err}");
    let err = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    // Adopting it is explicit.
    enable(&f, &f.drive);
    let inv = f.inventory();
    assert_eq!(inv.summary.backup.source, BackupSource::Live);
    assert_eq!(inv.get(&sha).unwrap().location, Location::LocalOnly, "the new drive does not have it");
}

#[test]
fn status_counts_both_sides_live_then_from_the_catalog() {
    let f = enabled();
    f.put_local(&content("local-only", 1000));
    f.put_local(&content("both", 2000));
    f.put_backup(&content("both", 2000));
    f.put_backup(&content("backup-only", 3000));
    let s = backup::status(&f.store).unwrap();
    assert!(s.connected && s.source == BackupSource::Live);
    assert_eq!((s.blobs_local_only, s.blobs_both, s.blobs_backup_only), (1, 1, 1));
    assert_eq!((s.bytes_local_only, s.bytes_synced, s.bytes_backup_only), (1000, 2000, 3000));
    assert_eq!((s.total_blobs, s.total_bytes), (2, 5000));
    assert!(s.free_space.is_some() && s.total_space.is_some() && s.backup_id.is_some());
    assert!(s.last_sync.is_none());

    let away = f.unplug();
    let s = backup::status(&f.store).unwrap();
    assert!(!s.connected && s.source == BackupSource::Cached);
    assert!(s.error.as_deref().unwrap().contains("does not exist"), "{s:?}");
    assert_eq!((s.blobs_local_only, s.blobs_both, s.blobs_backup_only, s.total_blobs), (1, 1, 1, 2));
    assert!(s.free_space.is_none() && s.backup_id.is_some());
    f.replug(&away);
}

#[test]
fn the_inventory_shows_the_unplugged_drive_from_the_catalog() {
    let f = enabled();
    let both = f.put_local(&content("ref-both", 2000));
    f.put_backup(&content("ref-both", 2000));
    let only = f.put_backup(&content("ref-backup-only", 3000));
    let orphan = f.put_backup(&content("orphan-on-backup", 700));
    let named = f.put_backup(&content("named-orphan-on-backup", 800));
    fs::write(f.backup_layout().blobs().legacy_meta(&named), br#"{"version":1,"original_filename":"old-lora.safetensors","kind":"lora"}"#)
        .unwrap();
    f.write_pack(
        "Pack",
        &[("a", &both, AssetKind::Vae, 2000, "vae.safetensors"), ("b", &only, AssetKind::Checkpoint, 3000, "model.safetensors")],
    );
    let live = f.inventory();
    assert_eq!(live.summary.backup.source, BackupSource::Live);

    let away = f.unplug();
    let inv = f.inventory();
    let b = &inv.summary.backup;
    assert!(b.enabled && !b.connected);
    assert_eq!(b.source, BackupSource::Cached);
    assert_eq!(inv.get(&both).unwrap().location, Location::Both);
    let it = inv.get(&only).unwrap();
    assert_eq!((it.status, it.location), (BlobStatus::BackupOnly, Location::BackupOnly));
    assert_eq!(it.display_name, "model.safetensors");
    assert_eq!(inv.get(&orphan).unwrap().location, Location::BackupOnly);
    // An orphan named only by its manifest on the drive keeps its name and kind.
    let it = inv.get(&named).unwrap();
    assert_eq!((it.display_name.as_str(), it.kind, it.status), ("old-lora.safetensors", AssetKind::Lora, BlobStatus::Orphan));
    assert_eq!(inv.get(&orphan).unwrap().display_name, orphan.short(), "no manifest anywhere: the hash names it");
    assert_eq!((b.blobs_both, b.blobs_backup_only), (1, 3));

    // Operations that need the bytes still need the drive.
    let err = quiet(|ctl| sync::restore_blob(&f.store, &only, ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    let err = quiet(|ctl| verify::verify(&f.store, Selection::AllBackup, None, ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    let err = guard::delete(&f.store, &orphan, DeleteTarget::Backup, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    f.replug(&away);
}

#[test]
fn a_cached_backup_copy_never_makes_a_local_delete_safe() {
    let f = enabled();
    let sha = f.put_local(&content("orphan-both", 900));
    f.put_backup(&content("orphan-both", 900));
    f.inventory(); // records the drive in the catalog
    let away = f.unplug();
    let impacts = guard::impacts(&f.inventory(), &sha).unwrap();
    assert!(!impacts.can_delete_safely);
    assert!(impacts.warning.as_deref().unwrap().contains("catalog"), "{impacts:?}");
    let err = guard::delete(&f.store, &sha, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy, "the backup copy was not seen live");
    assert!(f.local_path(&sha).is_file());
    f.replug(&away);
    let r = guard::delete(&f.store, &sha, DeleteTarget::Local, false).unwrap();
    assert_eq!(r.remaining_on, synapse_core::model::Remaining::Backup);
}

#[test]
fn deleting_from_the_backup_updates_the_catalog() {
    let f = enabled();
    let sha = f.put_local(&content("kept locally", 800));
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    assert!(Catalog::load(f.store.layout(), &f.store.target().unwrap()).blobs.contains_key(&sha));
    let r = guard::delete(&f.store, &sha, DeleteTarget::Backup, false).unwrap();
    assert_eq!(r.deleted_from, ["backup"]);
    assert!(!f.backup_path(&sha).exists());
    assert!(!Catalog::load(f.store.layout(), &f.store.target().unwrap()).blobs.contains_key(&sha), "the catalog forgot it at once");
    let away = f.unplug();
    assert_eq!(f.inventory().get(&sha).unwrap().location, Location::LocalOnly);
    f.replug(&away);
}

#[test]
fn backup_blob_copies_bytes_and_manifest_and_then_is_a_no_op() {
    let f = enabled();
    let bytes = content("checkpoint", copy::COPY_BUF * 2 + 777);
    let sha = f.put_local(&bytes);
    let meta = f.store.layout().blobs().meta(&sha);
    fs::write(&meta, br#"{"version":1,"original_filename":"juggernaut.safetensors","kind":"checkpoint"}"#).unwrap();
    let r = quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    assert!(!r.already_present);
    assert_eq!((r.bytes_copied, r.size_bytes), (bytes.len() as u64, bytes.len() as u64));
    assert_eq!((r.display_name.as_str(), r.kind), ("juggernaut.safetensors", AssetKind::Checkpoint));
    assert_eq!(r.path, f.backup_path(&sha));
    assert_eq!(fs::read(f.backup_path(&sha)).unwrap(), bytes);
    assert_eq!(fs::read(f.backup_layout().blobs().meta(&sha)).unwrap(), fs::read(&meta).unwrap(), "the manifest travels");
    assert!(copy::leftovers(&f.backup_layout().tmp()).is_empty());

    let again = quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    assert!(again.already_present && again.bytes_copied == 0);

    // The way back, after the local copy is gone.
    fs::remove_file(f.local_path(&sha)).unwrap();
    fs::remove_file(&meta).unwrap();
    let back = quiet(|ctl| sync::restore_blob(&f.store, &sha, ctl)).unwrap();
    assert_eq!(back.direction, SyncDirection::FromBackup);
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), bytes);
    assert!(meta.is_file(), "the manifest came back too");
}

#[test]
fn blob_copies_name_the_side_that_lacks_the_blob() {
    let f = enabled();
    let nowhere = sha_of(b"nowhere");
    let err = quiet(|ctl| sync::backup_blob(&f.store, &nowhere, ctl)).unwrap_err();
    assert!(matches!(err, Error::BlobNotFound { side: synapse_core::model::Side::Local, .. }), "{err}");
    let err = quiet(|ctl| sync::restore_blob(&f.store, &nowhere, ctl)).unwrap_err();
    assert!(matches!(err, Error::BlobNotFound { side: synapse_core::model::Side::Backup, .. }), "{err}");
    assert_eq!(err.code(), ErrorCode::NotFound);
    // A blob already at the destination is a no-op, not not_found (SPEC §3.6):
    // `compat::copying_a_blob_already_at_its_destination_is_a_no_op`.
    let local = f.put_local(&content("only local", 10));
    assert!(quiet(|ctl| sync::restore_blob(&f.store, &local, ctl)).unwrap().already_present);

    let f = Fixture::new();
    let err = quiet(|ctl| sync::backup_blob(&f.store, &nowhere, ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotEnabled);
}

#[test]
fn sync_plans_with_names_and_kinds_then_copies_then_is_already_synced() {
    let f = enabled();
    let a = f.put_local(&content("model-a", 5000));
    let b = f.put_local(&content("model-b", 3000));
    f.put_local(&content("both", 100));
    f.put_backup(&content("both", 100));
    f.write_pack("Pack", &[("a", &a, AssetKind::Lora, 5000, "a.safetensors")]);

    let plan = quiet(|ctl| sync::sync(&f.store, SyncOptions::default(), ctl)).unwrap();
    assert!(plan.dry_run && !plan.already_synced);
    assert_eq!((plan.blobs_to_sync, plan.bytes_to_sync, plan.blobs_synced), (2, 8000, 0));
    assert_eq!(plan.items[0].sha256, a, "largest first");
    assert_eq!((plan.items[0].display_name.as_str(), plan.items[0].kind), ("a.safetensors", AssetKind::Lora));
    assert!(plan.space_warning.is_none() && plan.free_space.is_some());
    assert!(!f.backup_path(&a).exists(), "a dry run writes nothing");

    let done = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert_eq!((done.blobs_synced, done.bytes_synced), (2, 8000));
    assert!(done.errors.is_empty() && !done.cancelled);
    assert!(f.backup_path(&a).is_file() && f.backup_path(&b).is_file());
    assert_blob_tree_sound(f.backup_layout().blobs().root());
    assert_eq!(Catalog::load(f.store.layout(), &f.store.target().unwrap()).blobs.len(), 3);
    let last_sync = backup::status(&f.store).unwrap().last_sync;
    assert!(last_sync.is_some());
    assert_eq!(f.inventory().summary.backup.last_sync, last_sync);

    let noop = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert!(noop.already_synced && noop.items.is_empty() && noop.blobs_synced == 0);
}

#[test]
fn a_same_name_file_of_another_size_on_the_backup_is_replaced() {
    let f = enabled();
    let bytes = content("truncated on the drive", 4000);
    let sha = f.put_local(&bytes);
    let p = f.backup_path(&sha);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, &bytes[..1000]).unwrap();
    let plan = quiet(|ctl| sync::sync(&f.store, SyncOptions::default(), ctl)).unwrap();
    assert_eq!(plan.blobs_to_sync, 1);
    quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert_eq!(fs::read(&p).unwrap(), bytes);
}

#[test]
fn sync_from_backup_restores_what_packs_need_and_orphans_on_request() {
    let f = enabled();
    let needed = f.put_backup(&content("needed", 1500));
    let orphan = f.put_backup(&content("orphan", 500));
    f.write_pack("Pack", &[("n", &needed, AssetKind::Vae, 1500, "vae.safetensors")]);
    let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::FromBackup), ctl)).unwrap();
    assert_eq!(r.blobs_synced, 1);
    assert!(f.local_path(&needed).is_file() && !f.local_path(&orphan).exists());
    let opts = SyncOptions { include_orphans: true, ..execute(SyncDirection::FromBackup) };
    let r = quiet(|ctl| sync::sync(&f.store, opts, ctl)).unwrap();
    assert_eq!(r.blobs_synced, 1);
    assert!(f.local_path(&orphan).is_file());
    assert!(quiet(|ctl| sync::sync(&f.store, opts, ctl)).unwrap().already_synced);
}

#[test]
fn one_bad_blob_does_not_stop_the_others() {
    let f = enabled();
    let good1 = f.put_local(&content("good-1", 3000));
    let bad = f.put_local(&content("bad", 2000));
    fs::write(f.local_path(&bad), content("rotted", 2000)).unwrap();
    let good2 = f.put_local(&content("good-2", 1000));
    let r = quiet(|ctl| sync::sync(&f.store, execute(SyncDirection::ToBackup), ctl)).unwrap();
    assert_eq!(r.blobs_synced, 2);
    assert_eq!(r.errors.len(), 1);
    assert_eq!((r.errors[0].sha256.as_ref(), r.errors[0].code), (Some(&bad), ErrorCode::Integrity));
    assert!(f.backup_path(&good1).is_file() && f.backup_path(&good2).is_file());
    assert!(!f.backup_path(&bad).exists());
    assert!(backup::status(&f.store).unwrap().last_sync.is_none(), "a sync with errors is not a completed sync");
    assert_blob_tree_sound(f.backup_layout().blobs().root());
}

#[test]
fn sync_reports_bytes_and_stops_cleanly_when_cancelled() {
    let f = enabled();
    let sizes = [3 << 20, 2 << 20, 1 << 20];
    for (i, s) in sizes.iter().enumerate() {
        f.put_local(&content(&format!("progress-{i}"), *s));
    }
    let updates = std::sync::Mutex::new(Vec::<ProgressUpdate>::new());
    let sink = |u: &ProgressUpdate| updates.lock().unwrap().push(u.clone());
    let cancel = CancelToken::new();
    let r = sync::sync(&f.store, execute(SyncDirection::ToBackup), Control::new(&sink, &cancel)).unwrap();
    assert_eq!(r.blobs_synced, 3);
    let updates = updates.into_inner().unwrap();
    let total: u64 = sizes.iter().map(|s| *s as u64).sum();
    assert_eq!(updates.first().map(|u| (u.operation.as_str(), u.items_total, u.bytes_total)), Some(("sync", 3, total)));
    assert_eq!(updates.last().map(|u| (u.items_done, u.bytes_done)), Some((3, total)));

    let f = enabled();
    for (i, s) in sizes.iter().enumerate() {
        f.put_local(&content(&format!("cancel-{i}"), *s));
    }
    let cancel = CancelToken::new();
    let sink = |_: &ProgressUpdate| cancel.cancel();
    let r = sync::sync(&f.store, execute(SyncDirection::ToBackup), Control::new(&sink, &cancel)).unwrap();
    assert!(r.cancelled && r.blobs_synced == 0 && r.errors.is_empty(), "{r:?}");
    assert!(copy::leftovers(&f.backup_layout().tmp()).is_empty(), "a cancelled copy leaves no .part");
    assert_blob_tree_sound(f.backup_layout().blobs().root());
}

#[test]
fn verify_backup_reports_a_corrupt_copy_and_records_the_catalog() {
    let f = enabled();
    let ok = f.put_backup(&content("fine", 1000));
    let bad = f.put_backup(&content("bad", 1000));
    fs::write(f.backup_path(&bad), content("bit rot", 1000)).unwrap();
    let r = quiet(|ctl| verify::verify(&f.store, Selection::AllBackup, None, ctl)).unwrap();
    assert_eq!(r.valid, vec![ok.clone()]);
    assert_eq!(r.invalid.len(), 1);
    assert_eq!(r.invalid[0].sha256, bad);
    assert!(Catalog::load(f.store.layout(), &f.store.target().unwrap()).blobs.contains_key(&ok));
    let some = quiet(|ctl| verify::verify(&f.store, Selection::BackupBlobs(vec![bad.clone(), sha_of(b"x")]), None, ctl)).unwrap();
    assert_eq!((some.invalid.len(), some.missing.len(), some.total), (1, 1, 2));
}

/// Saving Settings is one validated call (SPEC §3.11): a bad UI target
/// saves nothing of the backup part, and a refused backup path saves none
/// of the targets. A good save writes both at once.
#[test]
fn saving_settings_is_all_or_nothing() {
    use synapse_core::settings::{self, SettingsUpdate};
    use synapse_core::ui_targets::TargetEdit;
    let f = Fixture::new();
    fs::create_dir_all(&f.drive).unwrap();
    let comfy = f.dir.path().join("ComfyUI");
    fs::create_dir_all(&comfy).unwrap();
    let enable = ConfigUpdate { path: Some(f.drive.clone()), enabled: Some(true), ..Default::default() };
    let good_target = TargetEdit { name: "comfy".into(), kind: "comfyui".into(), path: comfy.display().to_string() };
    let bad_target = TargetEdit { name: "nowhere".into(), kind: "comfyui".into(), path: "/no/such/folder".into() };

    let err = settings::save(&f.store, &SettingsUpdate { backup: enable.clone(), ui_targets: vec![bad_target] }).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(!f.store.config().unwrap().backup.enabled, "the backup part was not saved");
    assert!(!f.drive.join(".synapse").exists(), "nor the drive initialised");

    let inside = ConfigUpdate { path: Some(f.store.root().join("backup")), enabled: Some(true), ..Default::default() };
    let err = settings::save(&f.store, &SettingsUpdate { backup: inside, ui_targets: vec![good_target.clone()] }).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(f.store.config().unwrap().ui_targets.is_empty(), "no target was saved");

    let r = settings::save(&f.store, &SettingsUpdate { backup: enable, ui_targets: vec![good_target] }).unwrap();
    assert!(r.connected && r.changed, "{r:?}");
    let c = f.store.config().unwrap();
    assert!(c.backup.enabled && c.ui_targets.len() == 1);
}
