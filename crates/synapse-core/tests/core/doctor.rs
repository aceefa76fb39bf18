//! Doctor (SPEC §3.9): every finding on a crafted store, what `--fix` repairs,
//! and what it must leave alone.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use synapse_core::blobs;
use synapse_core::doctor::{doctor, DoctorReport, Finding, Severity};
use synapse_core::lock::{self, LockState};
use synapse_core::model::AssetKind;
use synapse_core::progress::CancelToken;
use synapse_core::schema::{ConfigFile, UiTarget};
use synapse_core::{ErrorCode, Sha256};

use crate::support::{content, sha_of, Fixture};

fn find<'a>(r: &'a DoctorReport, code: &str, path: &Path) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.code == code && f.path.as_deref() == Some(path))
        .unwrap_or_else(|| panic!("no {code} finding for {}: {:#?}", path.display(), r.findings))
}

fn codes(r: &DoctorReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

/// Where a blob would be if it were filed under the wrong fan-out folder.
fn misfiled_path(f: &Fixture, sha: &Sha256) -> PathBuf {
    let wrong = if sha.fanout() == "00" { "01" } else { "00" };
    f.store.layout().blobs().root().join(wrong).join(sha.as_str())
}

fn put_misfiled(f: &Fixture, bytes: &[u8]) -> (Sha256, PathBuf) {
    let sha = sha_of(bytes);
    let p = misfiled_path(f, &sha);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    (sha, p)
}

fn add_ui(f: &Fixture, name: &str, path: &Path) {
    let mut c: ConfigFile = f.store.config().unwrap();
    c.ui_targets.push(UiTarget {
        name: name.into(),
        kind: "comfyui".into(),
        path: path.to_string_lossy().into_owned(),
        extra: Default::default(),
    });
    f.store.save_config(&c).unwrap();
}

/// A store with one of every problem doctor knows, plus healthy blobs and links.
struct Broken {
    f: Fixture,
    valid: Sha256,
    valid_bytes: Vec<u8>,
    tmp_partial: PathBuf,
    blob_partial: PathBuf,
    misfiled: (Sha256, PathBuf),
    misfiled_meta: PathBuf,
    unknown_file: PathBuf,
    wrong_content: PathBuf,
    orphan_meta: PathBuf,
    bad_pack: PathBuf,
    broken_link: PathBuf,
    outside_link: PathBuf,
    good_link: PathBuf,
    missing_ui: PathBuf,
}

fn broken() -> Broken {
    let f = Fixture::new();
    let valid_bytes = content("valid blob", 4000);
    let valid = f.put_local(&valid_bytes);
    f.write_pack("Good", &[("main", &valid, AssetKind::Lora, 4000, "good.safetensors")]);
    let layout = f.store.layout();

    let tmp_partial = layout.tmp().join("0123456789abcdef0123456789abcdef.part");
    fs::write(&tmp_partial, b"half a download").unwrap();
    let gone = sha_of(b"interrupted");
    let blob_partial = layout.blobs().part(&gone);
    fs::create_dir_all(blob_partial.parent().unwrap()).unwrap();
    fs::write(&blob_partial, b"half a copy").unwrap();

    let misfiled = put_misfiled(&f, &content("misfiled", 2500));
    let misfiled_meta = misfiled.1.with_file_name(format!("{}.meta", misfiled.0));
    fs::write(&misfiled_meta, br#"{"version": 1, "original_filename": "lost.safetensors", "kind": "lora"}"#).unwrap();
    let unknown_file = layout.blobs().root().join(valid.fanout()).join("notes.txt");
    fs::write(&unknown_file, b"someone's notes").unwrap();
    let claimed = sha_of(b"what the name says");
    let wrong_content = layout.blobs().root().join(claimed.fanout()).join(claimed.as_str().to_uppercase());
    fs::create_dir_all(wrong_content.parent().unwrap()).unwrap();
    fs::write(&wrong_content, b"but the content is different").unwrap();

    let orphan = sha_of(b"manifest only");
    let orphan_meta = layout.blobs().meta(&orphan);
    fs::create_dir_all(orphan_meta.parent().unwrap()).unwrap();
    fs::write(&orphan_meta, br#"{"version": 1, "original_filename": "old.ckpt"}"#).unwrap();

    let bad_pack = layout.packs().join("Broken");
    fs::create_dir_all(&bad_pack).unwrap();
    fs::write(bad_pack.join("pack.json"), b"{ not json").unwrap();

    // The record of a process that died holding the lock (the kernel released the flock).
    fs::write(layout.lock_file(), br#"{"operation":"sync","since":"2026-01-01T00:00:00Z","pid":4000000}"#).unwrap();

    let ui = f.dir.path().join("ComfyUI");
    let loras = ui.join("models/loras");
    fs::create_dir_all(&loras).unwrap();
    let deleted = sha_of(b"deleted since it was linked");
    let broken_link = loras.join("deleted.safetensors");
    symlink(layout.blobs().blob(&deleted), &broken_link).unwrap();
    let outside_link = loras.join("elsewhere.safetensors");
    symlink(f.dir.path().join("not-the-store/x.safetensors"), &outside_link).unwrap();
    let good_link = loras.join("good.safetensors");
    symlink(layout.blobs().blob(&valid), &good_link).unwrap();
    add_ui(&f, "comfy", &ui);
    let missing_ui = f.dir.path().join("Forge-not-mounted");
    add_ui(&f, "forge", &missing_ui);

    f.configure_backup(true); // the drive folder does not exist: disconnected

    Broken {
        f,
        valid,
        valid_bytes,
        tmp_partial,
        blob_partial,
        misfiled,
        misfiled_meta,
        unknown_file,
        wrong_content,
        orphan_meta,
        bad_pack,
        broken_link,
        outside_link,
        good_link,
        missing_ui,
    }
}

#[test]
fn healthy_store_has_no_findings() {
    let f = Fixture::new();
    let sha = f.put_local(&content("fine", 100));
    f.write_pack("Fine", &[("main", &sha, AssetKind::Checkpoint, 100, "fine.safetensors")]);
    let r = doctor(&f.store, false).unwrap();
    assert!(r.ok);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.root, f.store.root());
    assert!(doctor(&f.store, true).unwrap().findings.is_empty());
}

#[test]
fn reports_every_problem_without_changing_anything() {
    let b = broken();
    let r = doctor(&b.f.store, false).unwrap();
    assert!(!r.ok);
    let layout = b.f.store.layout();

    let lock = find(&r, "stale_lock", &layout.lock_file());
    assert_eq!((lock.severity, lock.fixable, lock.fixed), (Severity::Warning, true, false));
    assert!(lock.message.contains("pid 4000000") && lock.message.contains("sync"), "{}", lock.message);

    for p in [&b.tmp_partial, &b.blob_partial] {
        let fnd = find(&r, "stale_partial", p);
        assert_eq!((fnd.severity, fnd.fixable), (Severity::Warning, true));
    }
    let misfiled = find(&r, "bad_blob_name", &b.misfiled.1);
    assert!(misfiled.fixable);
    assert!(misfiled.message.contains("wrong folder"), "{}", misfiled.message);
    let unknown = find(&r, "bad_blob_name", &b.unknown_file);
    assert_eq!((unknown.severity, unknown.fixable), (Severity::Warning, false));
    // Named like a blob: fixable as far as the name goes; the content is checked by --fix.
    assert!(find(&r, "bad_blob_name", &b.wrong_content).fixable);

    let orphan = find(&r, "orphan_manifest", &b.orphan_meta);
    assert_eq!((orphan.severity, orphan.fixable), (Severity::Info, false));
    assert!(
        !r.findings.iter().any(|f| f.path.as_deref() == Some(b.misfiled_meta.as_path())),
        "the manifest of a mis-filed blob belongs to it, it is not an orphan"
    );

    let pack = find(&r, "unreadable_pack", &b.bad_pack);
    assert_eq!((pack.severity, pack.fixable), (Severity::Error, false));
    assert!(pack.message.contains("Broken") && pack.message.contains("leanup"), "{}", pack.message);

    let link = find(&r, "broken_ui_link", &b.broken_link);
    assert_eq!((link.severity, link.fixable), (Severity::Warning, true));
    assert!(!r.findings.iter().any(|f| f.path.as_deref() == Some(b.outside_link.as_path())), "links outside the store are not ours");
    assert!(!r.findings.iter().any(|f| f.path.as_deref() == Some(b.good_link.as_path())));
    let ui = find(&r, "ui_target_missing", &b.missing_ui);
    assert_eq!((ui.severity, ui.fixable), (Severity::Warning, false));

    let backup = find(&r, "backup_disconnected", &b.f.drive);
    assert!(backup.message.contains("does not exist"), "{}", backup.message);

    assert!(r.findings.iter().all(|f| !f.fixed));
    // Nothing changed on disk.
    for p in [&b.tmp_partial, &b.blob_partial, &b.misfiled.1, &b.unknown_file, &b.wrong_content, &b.orphan_meta] {
        assert!(p.exists(), "{} was touched", p.display());
    }
    assert!(fs::symlink_metadata(&b.broken_link).is_ok());
    assert!(matches!(lock::probe(&layout.lock_file()).unwrap(), LockState::Stale(_)));
}

#[test]
fn fix_repairs_what_is_safe_and_leaves_the_rest() {
    let b = broken();
    let layout = b.f.store.layout();
    let valid_path = b.f.local_path(&b.valid);
    let valid_mtime = fs::metadata(&valid_path).unwrap().modified().unwrap();

    let r = doctor(&b.f.store, true).unwrap();
    assert!(!r.ok, "the unreadable pack and the unknown files remain");

    assert!(find(&r, "stale_lock", &layout.lock_file()).fixed);
    assert_eq!(lock::probe(&layout.lock_file()).unwrap(), LockState::Free);

    for p in [&b.tmp_partial, &b.blob_partial] {
        assert!(find(&r, "stale_partial", p).fixed);
        assert!(!p.exists());
    }

    let (sha, stray) = &b.misfiled;
    assert!(find(&r, "bad_blob_name", stray).fixed);
    assert!(!stray.exists());
    assert_eq!(blobs::hash_file(&b.f.local_path(sha), None, &CancelToken::new()).unwrap().0, *sha);
    assert!(layout.blobs().meta(sha).is_file(), "its manifest moved with it");
    let inv = b.f.inventory();
    assert_eq!(inv.get(sha).unwrap().display_name, "lost.safetensors");

    let unknown = find(&r, "bad_blob_name", &b.unknown_file);
    assert!(!unknown.fixed && !unknown.fixable);
    assert!(b.unknown_file.exists());
    let wrong = find(&r, "bad_blob_name", &b.wrong_content);
    assert!(!wrong.fixed && !wrong.fixable, "content does not match the name: left alone");
    assert!(wrong.message.contains(sha_of(b"but the content is different").as_str()), "{}", wrong.message);
    assert!(b.wrong_content.exists());

    assert!(find(&r, "broken_ui_link", &b.broken_link).fixed);
    assert!(fs::symlink_metadata(&b.broken_link).is_err());
    assert!(fs::symlink_metadata(&b.outside_link).is_ok(), "a dangling link that is not ours stays");
    assert!(fs::symlink_metadata(&b.good_link).is_ok());

    assert!(b.orphan_meta.exists());
    assert!(b.bad_pack.join("pack.json").exists());
    assert!(!find(&r, "unreadable_pack", &b.bad_pack).fixed);

    // Valid blobs are never touched.
    assert_eq!(fs::read(&valid_path).unwrap(), b.valid_bytes);
    assert_eq!(fs::metadata(&valid_path).unwrap().modified().unwrap(), valid_mtime);

    // A second run finds only what cannot be fixed.
    let again = doctor(&b.f.store, true).unwrap();
    assert!(again.findings.iter().all(|f| !f.fixable && !f.fixed), "{:#?}", again.findings);
    let mut left = codes(&again);
    left.sort();
    assert_eq!(left, ["backup_disconnected", "bad_blob_name", "bad_blob_name", "orphan_manifest", "ui_target_missing", "unreadable_pack"]);
}

#[test]
fn a_stray_duplicate_of_an_intact_blob_is_removed() {
    let f = Fixture::new();
    let bytes = content("twice", 3000);
    let sha = f.put_local(&bytes);
    let (_, stray) = put_misfiled(&f, &bytes);
    let r = doctor(&f.store, true).unwrap();
    let fnd = find(&r, "bad_blob_name", &stray);
    assert!(fnd.fixed && fnd.message.contains("duplicate"), "{}", fnd.message);
    assert!(!stray.exists());
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), bytes);
    assert!(r.ok);
}

#[test]
fn a_good_stray_never_replaces_a_damaged_blob() {
    let f = Fixture::new();
    let bytes = content("damaged in place", 3000);
    let sha = f.put_local(&bytes);
    fs::write(f.local_path(&sha), content("other bytes", 3000)).unwrap();
    let (_, stray) = put_misfiled(&f, &bytes);
    let r = doctor(&f.store, true).unwrap();
    let fnd = find(&r, "bad_blob_name", &stray);
    assert!(!fnd.fixed && fnd.message.contains("damaged"), "{}", fnd.message);
    assert!(stray.exists());
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), content("other bytes", 3000));
}

#[test]
fn partial_files_are_left_alone_while_an_operation_holds_the_lock() {
    let f = Fixture::new();
    let part = f.store.layout().tmp().join("fedcba9876543210fedcba9876543210.part");
    fs::write(&part, b"being written").unwrap();
    let held = f.store.lock_wait("adopt", Duration::ZERO).unwrap();

    let r = doctor(&f.store, true).unwrap();
    let fnd = find(&r, "stale_partial", &part);
    assert_eq!((fnd.severity, fnd.fixable, fnd.fixed), (Severity::Info, false, false));
    assert!(fnd.message.contains("adopt"), "{}", fnd.message);
    assert!(codes(&r).contains(&"operation_in_progress"));
    assert!(r.ok, "a running operation is not a problem");
    assert!(part.exists());

    drop(held);
    let r = doctor(&f.store, true).unwrap();
    assert!(find(&r, "stale_partial", &part).fixed);
    assert!(!part.exists());
}

#[test]
fn fix_needs_the_store_lock() {
    let f = Fixture::new();
    let (_, stray) = put_misfiled(&f, &content("needs lock", 100));
    let _held = f.store.lock_wait("sync", Duration::ZERO).unwrap();
    // Waits the default lock timeout, then reports who is busy.
    let err = doctor(&f.store, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Busy);
    assert!(err.to_string().contains("sync"), "{err}");
    assert!(stray.exists());
    // Without --fix doctor never needs the lock. A misfiled blob is a warning:
    // the store is still ok (SPEC §5).
    let r = doctor(&f.store, false).unwrap();
    assert!(r.findings.iter().any(|x| x.severity == Severity::Warning) && r.ok, "{r:?}");
}

#[test]
fn unreadable_config_is_reported_not_fatal() {
    let f = Fixture::new();
    fs::write(f.store.layout().config(), b"{ broken").unwrap();
    let r = doctor(&f.store, false).unwrap();
    let fnd = find(&r, "unreadable_config", &f.store.layout().config());
    assert_eq!(fnd.severity, Severity::Error);
    assert!(!r.ok);
}

#[test]
fn a_stale_backup_catalog_is_reported_and_refreshed_by_fix() {
    let f = Fixture::with_backup();
    let first = f.put_backup(&content("on the drive", 100));
    f.inventory(); // records the drive's contents
    let catalog = f.store.layout().backup_catalog();
    assert!(doctor(&f.store, false).unwrap().findings.is_empty(), "a fresh catalog is not reported");

    // Another machine adds a blob to the drive and removes one: the record is behind.
    let second = f.put_backup(&content("added elsewhere", 100));
    fs::remove_file(f.backup_path(&first)).unwrap();
    let r = doctor(&f.store, false).unwrap();
    let stale = find(&r, "stale_backup_catalog", &catalog);
    assert_eq!((stale.severity, stale.fixable, stale.fixed), (Severity::Warning, true, false));
    assert!(stale.message.contains("2 blob(s) differ"), "{}", stale.message);
    assert!(r.ok, "a stale catalog is a warning, not an error (SPEC §5)");

    let r = doctor(&f.store, true).unwrap();
    assert!(find(&r, "stale_backup_catalog", &catalog).fixed);
    assert!(r.ok);
    // The refreshed record is what the inventory shows once the drive is unplugged.
    f.unplug();
    let inv = f.inventory();
    assert!(inv.get(&second).is_some_and(|i| i.on_backup));
    assert!(inv.get(&first).is_none());
}

#[test]
fn an_unplugged_drive_is_reported_with_the_age_of_its_record() {
    let f = Fixture::with_backup();
    f.put_backup(&content("kept", 100));
    f.inventory();
    f.unplug();
    let r = doctor(&f.store, false).unwrap();
    let d = find(&r, "backup_disconnected", &f.drive);
    assert_eq!(d.severity, Severity::Info);
    assert!(d.message.contains("as recorded at 20") && d.message.contains("(1 blob(s))"), "{}", d.message);
    assert!(r.ok, "an unplugged drive is not a problem of the store");

    // Without any record the message says the inventory cannot show the drive.
    fs::remove_file(f.store.layout().backup_catalog()).unwrap();
    let r = doctor(&f.store, false).unwrap();
    assert!(find(&r, "backup_disconnected", &f.drive).message.contains("No record of its contents"));
}

#[test]
fn the_record_of_a_disabled_backup_is_removed_by_fix_only() {
    let f = Fixture::with_backup();
    f.put_backup(&content("kept", 100));
    f.inventory();
    f.configure_backup(false);
    let catalog = f.store.layout().backup_catalog();
    let r = doctor(&f.store, false).unwrap();
    let fnd = find(&r, "stale_backup_catalog", &catalog);
    assert_eq!((fnd.severity, fnd.fixable), (Severity::Info, true));
    assert!(catalog.exists(), "reporting changes nothing");
    assert!(find(&doctor(&f.store, true).unwrap(), "stale_backup_catalog", &catalog).fixed);
    assert!(!catalog.exists());
    assert!(f.drive.join(".synapse/store").exists(), "the drive itself is untouched");
    assert!(doctor(&f.store, false).unwrap().findings.is_empty());
}

/// Regression (issue 12): `ok` was false whenever a warning remained, while the
/// CLI exited 0, so scripts could not tell. SPEC §5: `ok` is true when no
/// finding is an error (warnings allowed); an unfixed error makes it false.
#[test]
fn ok_allows_warnings_and_is_false_only_for_errors() {
    let f = Fixture::new();
    let sha = f.put_local(&content("fine", 100));
    f.write_pack("Fine", &[("main", &sha, AssetKind::Checkpoint, 100, "fine.safetensors")]);
    fs::write(f.store.layout().tmp().join("deadbeefdeadbeefdeadbeefdeadbeef.part"), b"stale").unwrap();
    let r = doctor(&f.store, false).unwrap();
    assert!(
        r.findings.iter().all(|x| x.severity != Severity::Error) && r.findings.iter().any(|x| x.severity == Severity::Warning),
        "{r:?}"
    );
    assert!(r.ok);

    let bad = f.store.layout().packs().join("Broken");
    fs::create_dir_all(&bad).unwrap();
    fs::write(bad.join("pack.json"), b"{ not json").unwrap();
    let r = doctor(&f.store, false).unwrap();
    assert!(!r.ok, "an unreadable pack is an error");
}
