//! Pack-level backup (SPEC §3.6): pack status, push, push --free ("free
//! only" too), pull that never downloads, and `auto_backup_new`.

use std::fs;
use std::path::PathBuf;

use synapse_core::autobackup;
use synapse_core::backup::{self, ConfigUpdate};
use synapse_core::model::{AssetKind, BackupSource, Location, SyncDirection};
use synapse_core::packs::{self, NewFile};
use synapse_core::sync::{self, PushOptions};
use synapse_core::{ErrorCode, PackName};

use crate::backup::{enabled, quiet};
use crate::support::{content, sha_of, Fixture};

fn name(n: &str) -> PackName {
    PackName::parse(n).unwrap()
}

/// Creates a pack through `pack create` from files with the given contents.
fn create_pack(f: &Fixture, pack: &str, files: &[(&str, Vec<u8>)]) -> Vec<(PathBuf, Vec<u8>)> {
    let src = f.dir.path().join("src").join(pack);
    fs::create_dir_all(&src).unwrap();
    let mut out = Vec::new();
    let mut new = Vec::new();
    for (file, bytes) in files {
        let p = src.join(file);
        fs::write(&p, bytes).unwrap();
        new.push(NewFile { path: p.clone(), kind: Some(AssetKind::Lora) });
        out.push((p, bytes.clone()));
    }
    quiet(|ctl| packs::create(&f.store, &name(pack), &new, ctl)).unwrap();
    out
}

#[test]
fn push_free_pull_round_trip_returns_identical_files() {
    let f = enabled();
    let files = create_pack(&f, "Round", &[("a.safetensors", content("alpha", 3 << 20)), ("b.safetensors", content("beta", 12_345))]);
    let shas: Vec<_> = files.iter().map(|(_, b)| sha_of(b)).collect();

    let plan = quiet(|ctl| sync::push(&f.store, &name("Round"), PushOptions { dry_run: true, free: true }, ctl)).unwrap();
    assert_eq!((plan.blobs_to_copy, plan.to_free.len()), (2, 2));
    assert!(plan.items.iter().all(|i| i.kind == AssetKind::Lora), "every item carries its kind (P5)");
    assert_eq!(plan.items[0].display_name, "a.safetensors");

    let pushed = quiet(|ctl| sync::push(&f.store, &name("Round"), PushOptions { dry_run: false, free: true }, ctl)).unwrap();
    assert!(pushed.errors.is_empty(), "{pushed:?}");
    assert_eq!((pushed.blobs_copied, pushed.freed.len()), (2, 2));
    assert_eq!(pushed.bytes_freed, (3 << 20) + 12_345);
    for sha in &shas {
        assert!(!f.local_path(sha).exists() && f.backup_path(sha).is_file());
    }
    let st = sync::pack_status(&f.store, &name("Round")).unwrap();
    assert_eq!((st.backup_only, st.local_only, st.both, st.missing), (2, 0, 0, 0));

    let pulled = quiet(|ctl| sync::pull(&f.store, &name("Round"), false, ctl)).unwrap();
    assert_eq!((pulled.direction, pulled.blobs_copied), (SyncDirection::FromBackup, 2));
    for ((_, bytes), sha) in files.iter().zip(&shas) {
        assert_eq!(&fs::read(f.local_path(sha)).unwrap(), bytes, "byte-identical after the round trip");
    }
    assert!(quiet(|ctl| sync::pull(&f.store, &name("Round"), false, ctl)).unwrap().nothing_to_do);
}

#[test]
fn free_only_works_when_everything_is_already_backed_up() {
    let f = enabled();
    let files = create_pack(&f, "Synced", &[("x.safetensors", content("x", 5000))]);
    let sha = sha_of(&files[0].1);
    quiet(|ctl| sync::push(&f.store, &name("Synced"), PushOptions { dry_run: false, free: false }, ctl)).unwrap();
    let plan = quiet(|ctl| sync::push(&f.store, &name("Synced"), PushOptions { dry_run: true, free: true }, ctl)).unwrap();
    assert!(plan.items.is_empty() && !plan.nothing_to_do, "{plan:?}");
    assert_eq!((plan.to_free.len(), plan.bytes_to_free), (1, 5000), "the second list: blobs to free (P2)");
    let plain = quiet(|ctl| sync::push(&f.store, &name("Synced"), PushOptions { dry_run: true, free: false }, ctl)).unwrap();
    assert!(plain.nothing_to_do);
    let r = quiet(|ctl| sync::push(&f.store, &name("Synced"), PushOptions { dry_run: false, free: true }, ctl)).unwrap();
    assert_eq!(r.freed, vec![sha.clone()], "re-hashed now, then freed: {r:?}");
    assert!(!f.local_path(&sha).exists());
}

#[test]
fn push_free_never_frees_a_blob_whose_backup_copy_is_corrupt() {
    let f = enabled();
    let files = create_pack(&f, "Mixed", &[("good.safetensors", content("good", 4000)), ("rot.safetensors", content("rot", 4000))]);
    let (good, rot) = (sha_of(&files[0].1), sha_of(&files[1].1));
    quiet(|ctl| sync::push(&f.store, &name("Mixed"), PushOptions { dry_run: false, free: false }, ctl)).unwrap();
    // Same size, other bytes: only hashing can tell.
    fs::write(f.backup_path(&rot), content("ROT", 4000)).unwrap();
    let r = quiet(|ctl| sync::push(&f.store, &name("Mixed"), PushOptions { dry_run: false, free: true }, ctl)).unwrap();
    assert_eq!(r.freed, vec![good.clone()]);
    assert_eq!(r.errors.len(), 1);
    assert_eq!((r.errors[0].sha256.as_ref(), r.errors[0].code), (Some(&rot), ErrorCode::Integrity));
    assert!(r.errors[0].message.contains("kept the local copy"), "{}", r.errors[0].message);
    assert!(f.local_path(&rot).is_file(), "the local copy of a blob with a corrupt backup copy stays");
    assert!(!f.local_path(&good).exists());
}

#[test]
fn pull_never_downloads_and_lists_what_is_nowhere() {
    let f = enabled();
    let on_backup = f.put_backup(&content("on the backup", 2000));
    let nowhere = sha_of(b"never downloaded");
    f.write_pack(
        "Partial",
        &[
            ("here", &on_backup, AssetKind::Vae, 2000, "vae.safetensors"),
            ("gone", &nowhere, AssetKind::Checkpoint, 9999, "big.safetensors"),
        ],
    );
    let r = quiet(|ctl| sync::pull(&f.store, &name("Partial"), false, ctl)).unwrap();
    assert_eq!(r.blobs_copied, 1);
    assert_eq!(r.missing.len(), 1);
    assert_eq!(
        (r.missing[0].sha256.clone(), r.missing[0].display_name.as_str(), r.missing[0].kind),
        (nowhere.clone(), "big.safetensors", AssetKind::Checkpoint)
    );
    assert!(f.local_path(&on_backup).is_file() && !f.local_path(&nowhere).exists());
    assert!(!f.store.layout().tmp().read_dir().unwrap().any(|_| true), "nothing was fetched into data/tmp");
}

#[test]
fn pack_status_shows_each_blob_live_and_while_unplugged() {
    let f = enabled();
    let local = f.put_local(&content("local", 100));
    let both = f.put_local(&content("both", 200));
    f.put_backup(&content("both", 200));
    let backup_only = f.put_backup(&content("backup", 300));
    let nowhere = sha_of(b"nowhere");
    f.write_pack(
        "Status",
        &[
            ("l", &local, AssetKind::Lora, 100, "l.safetensors"),
            ("b", &both, AssetKind::Vae, 200, "b.safetensors"),
            ("o", &backup_only, AssetKind::Checkpoint, 300, "o.safetensors"),
            ("n", &nowhere, AssetKind::Embedding, 400, "n.pt"),
        ],
    );
    let st = sync::pack_status(&f.store, &name("Status")).unwrap();
    assert!(st.backup_enabled && st.backup_connected && st.backup_source == BackupSource::Live);
    assert_eq!((st.local_only, st.both, st.backup_only, st.missing), (1, 1, 1, 1));
    let locs: Vec<_> = st.blobs.iter().map(|b| (b.display_name.as_str(), b.kind, b.location)).collect();
    assert_eq!(
        locs,
        vec![
            ("l.safetensors", AssetKind::Lora, Location::LocalOnly),
            ("b.safetensors", AssetKind::Vae, Location::Both),
            ("o.safetensors", AssetKind::Checkpoint, Location::BackupOnly),
            ("n.pt", AssetKind::Embedding, Location::Nowhere),
        ]
    );
    let away = f.unplug();
    let st = sync::pack_status(&f.store, &name("Status")).unwrap();
    assert!(st.backup_enabled && !st.backup_connected && st.backup_source == BackupSource::Cached);
    assert_eq!((st.local_only, st.both, st.backup_only, st.missing), (1, 1, 1, 1));
    let err = quiet(|ctl| sync::pull(&f.store, &name("Status"), true, ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    f.replug(&away);
    let err = sync::pack_status(&f.store, &name("No such pack")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn new_blobs_are_backed_up_at_once_or_queued_until_the_drive_is_back() {
    let f = enabled();
    backup::configure(&f.store, &ConfigUpdate { auto_backup_new: Some(true), ..Default::default() }).unwrap();
    // Connected: backed up as part of `pack create`.
    let src = f.dir.path().join("one.safetensors");
    fs::write(&src, content("auto one", 3000)).unwrap();
    let r = quiet(|ctl| packs::create(&f.store, &name("Auto"), &[NewFile { path: src, kind: None }], ctl)).unwrap();
    let one = r.added[0].sha256.clone();
    let report = r.auto_backup.expect("the setting is on");
    assert_eq!(report.backed_up, vec![one.clone()]);
    assert!(report.queued.is_empty() && report.errors.is_empty());
    assert!(f.backup_path(&one).is_file());

    // Unplugged: queued, persisted, done on the next attach.
    let away = f.unplug();
    let src = f.dir.path().join("two.safetensors");
    fs::write(&src, content("auto two", 4000)).unwrap();
    let r = quiet(|ctl| packs::add(&f.store, &name("Auto"), &[NewFile { path: src, kind: None }], ctl)).unwrap();
    let two = r.added[0].sha256.clone();
    assert_eq!(r.auto_backup.unwrap().queued, vec![two.clone()]);
    assert_eq!(autobackup::queued(f.store.layout()), vec![two.clone()]);
    assert_eq!(backup::status(&f.store).unwrap().queued_auto_backups, 1);
    let still_away = quiet(|ctl| autobackup::process_backup_queue(&f.store, ctl)).unwrap();
    assert_eq!(still_away.queued, vec![two.clone()], "nothing to do while the drive is away");
    f.replug(&away);
    let done = quiet(|ctl| autobackup::process_backup_queue(&f.store, ctl)).unwrap();
    assert_eq!(done.backed_up, vec![two.clone()]);
    assert!(done.queued.is_empty());
    assert!(f.backup_path(&two).is_file());
    assert!(autobackup::queued(f.store.layout()).is_empty());

    // Off: nothing is reported or queued.
    backup::configure(&f.store, &ConfigUpdate { auto_backup_new: Some(false), ..Default::default() }).unwrap();
    let src = f.dir.path().join("three.safetensors");
    fs::write(&src, content("three", 10)).unwrap();
    let r = quiet(|ctl| packs::create(&f.store, &name("Manual"), &[NewFile { path: src, kind: None }], ctl)).unwrap();
    assert!(r.auto_backup.is_none());
}

/// SPEC §3.11, one policy in the core: the queue of `auto_backup_new` runs
/// before a copy operation whoever calls it (the app's push never ran it).
#[test]
fn a_push_from_any_caller_first_backs_up_the_blobs_queued_while_the_drive_was_away() {
    let f = enabled();
    backup::configure(&f.store, &ConfigUpdate { auto_backup_new: Some(true), ..Default::default() }).unwrap();
    let away = f.unplug();
    let src = f.dir.path().join("queued.safetensors");
    fs::write(&src, content("queued while away", 2500)).unwrap();
    let r = quiet(|ctl| packs::create(&f.store, &name("Queued"), &[NewFile { path: src, kind: None }], ctl)).unwrap();
    let queued = r.added[0].sha256.clone();
    f.replug(&away);
    let other = f.put_local(&content("other pack's blob", 900));
    f.write_pack("Other", &[("o", &other, AssetKind::Lora, 900, "o.safetensors")]);
    let plan = sync::plan_transfer(&f.store, &name("Other"), SyncDirection::ToBackup, false).unwrap();
    let r = quiet(|ctl| sync::apply_transfer(&f.store, &plan, ctl)).unwrap();
    assert_eq!(r.auto_backup.as_ref().map(|a| a.backed_up.clone()), Some(vec![queued.clone()]), "{r:?}");
    assert!(f.backup_path(&queued).is_file() && f.backup_path(&other).is_file());
    assert!(autobackup::queued(f.store.layout()).is_empty());
}

#[test]
fn the_push_and_free_plan_names_the_other_packs_that_use_a_freed_blob() {
    // Issue 11: push & free on one pack freed a VAE two other packs use, without saying so.
    let f = enabled();
    let vae = f.put_local(&content("shared vae", 5000));
    let own = f.put_local(&content("own lora", 3000));
    f.write_pack("One", &[("vae", &vae, AssetKind::Vae, 5000, "vae.safetensors"), ("lora", &own, AssetKind::Lora, 3000, "l.safetensors")]);
    f.write_pack("Two", &[("vae", &vae, AssetKind::Vae, 5000, "vae.safetensors")]);
    f.write_pack("Three", &[("vae", &vae, AssetKind::Vae, 5000, "vae.safetensors")]);
    let plan = sync::plan_transfer(&f.store, &name("One"), SyncDirection::ToBackup, true).unwrap();
    assert_eq!(plan.preview.to_free.len(), 2);
    assert_eq!(plan.preview.frees_shared.len(), 1, "{:?}", plan.preview.frees_shared);
    assert_eq!(plan.preview.frees_shared[0].sha256, vae);
    assert_eq!(plan.preview.frees_shared[0].other_packs, ["Three", "Two"]);
    let done = quiet(|ctl| sync::apply_transfer(&f.store, &plan, ctl)).unwrap();
    assert_eq!(done.frees_shared.len(), 1);
}
