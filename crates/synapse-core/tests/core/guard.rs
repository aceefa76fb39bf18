//! Impacts and delete with guard rails: every row of the SPEC §3.3 decision
//! table, every `target` on every location, and the backup states.

use std::fs;

use synapse_core::guard::{self, LAST_COPY_WARNING};
use synapse_core::layout::BackupLayout;
use synapse_core::lock::StoreLock;
use synapse_core::model::{AssetKind, BlobStatus, DeleteTarget, Location, Remaining, Side};
use synapse_core::schema::BlobManifest;
use synapse_core::{blobs, Error, ErrorCode, Sha256};

use crate::support::{content, matrix, sha_of, Fixture, Matrix};

impl Matrix {
    fn on_local(&self, sha: &Sha256) -> bool {
        self.f.local_path(sha).is_file()
    }

    fn on_backup(&self, sha: &Sha256) -> bool {
        self.f.backup_path(sha).is_file()
    }

    fn delete(&self, sha: &Sha256, target: DeleteTarget, force: bool) -> Result<synapse_core::model::DeleteResult, Error> {
        guard::delete(&self.f.store, sha, target, force)
    }
}

// ---- impacts -------------------------------------------------------------

#[test]
fn impacts_of_every_status_and_location() {
    let m = matrix();
    let inv = m.f.inventory();
    // (blob, status, location, is_last_copy, can_delete_safely, packs)
    type Row<'a> = (&'a Sha256, BlobStatus, Location, bool, bool, &'a [&'a str]);
    let expect: [Row; 7] = [
        (&m.ref_local, BlobStatus::Referenced, Location::LocalOnly, true, false, &["Pack A"]),
        (&m.ref_both, BlobStatus::Referenced, Location::Both, false, false, &["Pack A", "Pack B"]),
        (&m.ref_backup, BlobStatus::BackupOnly, Location::BackupOnly, true, false, &["Pack B"]),
        (&m.missing, BlobStatus::Missing, Location::Nowhere, false, false, &["Pack A"]),
        (&m.orphan_local, BlobStatus::Orphan, Location::LocalOnly, true, false, &[]),
        (&m.orphan_both, BlobStatus::Orphan, Location::Both, false, true, &[]),
        (&m.orphan_backup, BlobStatus::Orphan, Location::BackupOnly, true, false, &[]),
    ];
    for (sha, status, location, last, safe, packs) in expect {
        let i = guard::impacts(&inv, sha).unwrap();
        let name = &i.display_name;
        assert_eq!(&i.sha256, sha);
        assert_eq!((i.status, i.location), (status, location), "{name}");
        assert_eq!(i.is_last_copy, last, "{name}: is_last_copy");
        assert_eq!(i.can_delete_safely, safe, "{name}: can_delete_safely");
        assert_eq!(i.used_by_packs, packs, "{name}");
        assert!(i.active_in_uis.is_empty());
        assert!(i.affected_packs.iter().all(|p| !p.is_active));
        let warning = i.warning.clone().unwrap_or_default();
        assert_eq!(warning.contains("last copy"), last, "{name}: {warning:?}");
        assert_eq!(warning.contains("Used by"), !packs.is_empty(), "{name}: {warning:?}");
        assert_eq!(i.warning.is_none(), safe, "only a safely deletable blob has no warning: {name}");
    }

    let both = guard::impacts(&inv, &m.ref_both).unwrap();
    let affected: Vec<(&str, &str)> = both.affected_packs.iter().map(|p| (p.name.as_str(), p.dependency_id.as_str())).collect();
    assert_eq!(affected, [("Pack A", "vae"), ("Pack B", "vae-b")]);
    assert_eq!(both.size_bytes, 2000);
    assert_eq!(both.warning.as_deref(), Some("Used by 2 packs (Pack A, Pack B)."));
    assert_eq!(both.display_name, "vae.safetensors");

    let missing = guard::impacts(&inv, &m.missing).unwrap();
    assert!(missing.warning.unwrap().contains("No copy of this blob exists"));
}

#[test]
fn impacts_of_an_unknown_blob_is_not_found() {
    let f = Fixture::new();
    f.put_local(b"something");
    let err = guard::impacts(&f.inventory(), &sha_of(b"never stored")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = guard::detail(&f.inventory(), &sha_of(b"never stored")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn impacts_on_a_disconnected_drive_say_the_backup_could_not_be_checked() {
    let f = Fixture::with_backup();
    let sha = f.put_local(&content("lonely", 100));
    f.put_backup(&content("keep the drive non-empty", 10));
    f.unplug();
    let i = guard::impacts(&f.inventory(), &sha).unwrap();
    assert!(i.is_last_copy);
    assert!(i.warning.unwrap().contains("backup drive is not connected"));
}

#[test]
fn detail_describes_each_copy() {
    let m = matrix();
    let inv = m.f.inventory();
    let d = guard::detail(&inv, &m.ref_both).unwrap();
    assert_eq!(d.item.sha256, m.ref_both);
    assert_eq!(d.impacts.used_by_packs, ["Pack A", "Pack B"]);
    let local = d.local.unwrap();
    assert_eq!(local.path, m.f.local_path(&m.ref_both));
    assert_eq!(local.size_bytes, 2000);
    let modified = local.modified.unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(&modified).is_ok(), "{modified}");
    assert!(local.accessed.is_some());
    let backup = d.backup.unwrap();
    assert_eq!(backup.path, m.f.backup_path(&m.ref_both));
    assert_eq!(backup.size_bytes, 2000);

    let only_local = guard::detail(&inv, &m.orphan_local).unwrap();
    assert!(only_local.local.is_some() && only_local.backup.is_none());
    let only_backup = guard::detail(&inv, &m.ref_backup).unwrap();
    assert!(only_backup.local.is_none());
    assert_eq!(only_backup.backup.unwrap().path, m.f.backup_path(&m.ref_backup));
    let nowhere = guard::detail(&inv, &m.missing).unwrap();
    assert!(nowhere.local.is_none() && nowhere.backup.is_none());
}

// ---- delete: orphans ------------------------------------------------------

#[test]
fn orphan_local_only_target_local_without_force_is_last_copy() {
    let m = matrix();
    let err = m.delete(&m.orphan_local, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy);
    let Error::LastCopy { impacts } = &err else { panic!("{err:?}") };
    assert_eq!(impacts.sha256, m.orphan_local);
    assert!(impacts.is_last_copy);
    assert_eq!(serde_json::to_value(err.to_wire().details).unwrap()["impacts"]["sha256"], m.orphan_local.as_str());
    assert!(m.on_local(&m.orphan_local), "refused: the file is still there");
}

#[test]
fn orphan_local_only_target_local_with_force_deletes_blob_and_manifest() {
    let m = matrix();
    let dir = m.f.store.layout().blobs();
    blobs::write_manifest_if_absent(&dir, &m.orphan_local, &BlobManifest::local("lonely.safetensors", AssetKind::Lora)).unwrap();
    let r = m.delete(&m.orphan_local, DeleteTarget::Local, true).unwrap();
    assert_eq!(r.deleted_from, ["local"]);
    assert_eq!(r.sha256, m.orphan_local);
    assert_eq!(r.bytes_freed, 400);
    assert_eq!(r.remaining_on, Remaining::Nowhere);
    assert_eq!(r.warning.as_deref(), Some(LAST_COPY_WARNING));
    assert!(!m.on_local(&m.orphan_local));
    assert!(!dir.meta(&m.orphan_local).exists(), "the manifest goes with the blob");
    assert!(m.f.inventory().get(&m.orphan_local).is_none());
}

#[test]
fn orphan_both_target_local_deletes_and_keeps_the_backup_copy() {
    let m = matrix();
    let r = m.delete(&m.orphan_both, DeleteTarget::Local, false).unwrap();
    assert_eq!(r.deleted_from, ["local"]);
    assert_eq!(r.bytes_freed, 500);
    assert_eq!(r.remaining_on, Remaining::Backup);
    assert_eq!(r.warning, None);
    assert!(!m.on_local(&m.orphan_both));
    assert!(m.on_backup(&m.orphan_both));
    assert_eq!(m.f.inventory().get(&m.orphan_both).unwrap().location, Location::BackupOnly);
}

#[test]
fn orphan_both_target_backup_deletes_and_keeps_the_local_copy() {
    let m = matrix();
    let r = m.delete(&m.orphan_both, DeleteTarget::Backup, false).unwrap();
    assert_eq!(r.deleted_from, ["backup"]);
    assert_eq!(r.bytes_freed, 500);
    assert_eq!(r.remaining_on, Remaining::Local);
    assert_eq!(r.warning, None);
    assert!(m.on_local(&m.orphan_both));
    assert!(!m.on_backup(&m.orphan_both));
}

#[test]
fn orphan_both_target_both_is_last_copy_then_force_deletes_both() {
    let m = matrix();
    let err = m.delete(&m.orphan_both, DeleteTarget::Both, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy);
    assert!(m.on_local(&m.orphan_both) && m.on_backup(&m.orphan_both), "refused: nothing deleted");

    let r = m.delete(&m.orphan_both, DeleteTarget::Both, true).unwrap();
    assert_eq!(r.deleted_from, ["backup", "local"]);
    // The blob's size once, whichever sides it left (SPEC §3.3), not once per side.
    assert_eq!(r.bytes_freed, 500);
    assert_eq!(r.remaining_on, Remaining::Nowhere);
    assert_eq!(r.warning.as_deref(), Some(LAST_COPY_WARNING));
    assert!(!m.on_local(&m.orphan_both) && !m.on_backup(&m.orphan_both));
}

#[test]
fn orphan_backup_only_target_backup_is_last_copy_then_force_deletes() {
    let m = matrix();
    let err = m.delete(&m.orphan_backup, DeleteTarget::Backup, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy);
    assert!(m.on_backup(&m.orphan_backup));
    let r = m.delete(&m.orphan_backup, DeleteTarget::Backup, true).unwrap();
    assert_eq!(r.deleted_from, ["backup"]);
    assert_eq!(r.remaining_on, Remaining::Nowhere);
    assert_eq!(r.warning.as_deref(), Some(LAST_COPY_WARNING));
    assert!(!m.on_backup(&m.orphan_backup));
}

// ---- delete: referenced blobs ---------------------------------------------

#[test]
fn referenced_both_target_local_is_conflict_then_force_deletes() {
    let m = matrix();
    let err = m.delete(&m.ref_both, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InUse);
    assert_eq!(err.code().exit_code(), 3);
    let Error::Conflict { impacts } = &err else { panic!("{err:?}") };
    assert_eq!(impacts.used_by_packs, ["Pack A", "Pack B"]);
    assert_eq!(impacts.affected_packs.len(), 2);
    assert!(!impacts.is_last_copy);
    assert!(m.on_local(&m.ref_both), "refused: the file is still there");

    let r = m.delete(&m.ref_both, DeleteTarget::Local, true).unwrap();
    assert_eq!(r.deleted_from, ["local"]);
    assert_eq!(r.remaining_on, Remaining::Backup);
    assert!(r.warning.unwrap().contains("restored from the backup"));
    assert!(!m.on_local(&m.ref_both));
    assert!(m.on_backup(&m.ref_both));
    assert_eq!(m.f.inventory().get(&m.ref_both).unwrap().status, BlobStatus::BackupOnly);
}

#[test]
fn referenced_both_target_backup_is_conflict_then_force_deletes() {
    let m = matrix();
    let err = m.delete(&m.ref_both, DeleteTarget::Backup, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InUse);
    assert!(m.on_backup(&m.ref_both));
    let r = m.delete(&m.ref_both, DeleteTarget::Backup, true).unwrap();
    assert_eq!(r.deleted_from, ["backup"]);
    assert_eq!(r.remaining_on, Remaining::Local);
    assert!(m.on_local(&m.ref_both));
    assert!(!m.on_backup(&m.ref_both));
}

#[test]
fn referenced_local_only_target_local_is_last_copy_not_conflict() {
    let m = matrix();
    let err = m.delete(&m.ref_local, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy, "the last copy outranks the conflict");
    let Error::LastCopy { impacts } = &err else { panic!("{err:?}") };
    assert_eq!(impacts.used_by_packs, ["Pack A"]);
    assert!(m.on_local(&m.ref_local));

    let r = m.delete(&m.ref_local, DeleteTarget::Local, true).unwrap();
    assert_eq!(r.warning.as_deref(), Some(LAST_COPY_WARNING));
    assert!(!m.on_local(&m.ref_local));
    assert_eq!(m.f.inventory().get(&m.ref_local).unwrap().status, BlobStatus::Missing);
}

#[test]
fn referenced_backup_only_target_backup_is_last_copy_then_force_deletes() {
    let m = matrix();
    let err = m.delete(&m.ref_backup, DeleteTarget::Backup, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy);
    assert!(m.on_backup(&m.ref_backup));
    let r = m.delete(&m.ref_backup, DeleteTarget::Backup, true).unwrap();
    assert_eq!(r.deleted_from, ["backup"]);
    assert_eq!(r.bytes_freed, 3000);
    assert_eq!(r.remaining_on, Remaining::Nowhere);
    assert!(!m.on_backup(&m.ref_backup));
}

// ---- delete: the side is not there ----------------------------------------

/// Regression, seeds' bug #17: `target=backup` on a blob that is not on the
/// backup silently did nothing and reported success.
#[test]
fn target_backup_on_a_local_only_blob_is_not_found_bug_17() {
    let m = matrix();
    for force in [false, true] {
        let err = m.delete(&m.orphan_local, DeleteTarget::Backup, force).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        assert!(matches!(&err, Error::BlobNotFound { side: Side::Backup, .. }), "{err:?}");
        assert_eq!(serde_json::to_value(err.to_wire().details).unwrap()["side"], "backup");
        assert!(m.on_local(&m.orphan_local), "nothing deleted");
    }
}

#[test]
fn target_local_on_a_backup_only_blob_is_not_found() {
    let m = matrix();
    for force in [false, true] {
        for sha in [&m.orphan_backup, &m.ref_backup] {
            let err = m.delete(sha, DeleteTarget::Local, force).unwrap_err();
            assert!(matches!(&err, Error::BlobNotFound { side: Side::Local, .. }), "{err:?}");
            assert_eq!(err.code(), ErrorCode::NotFound);
            assert!(m.on_backup(sha), "nothing deleted");
        }
    }
}

#[test]
fn a_blob_known_nowhere_is_not_found_for_every_target() {
    let m = matrix();
    let unknown = sha_of(b"never stored anywhere");
    for target in [DeleteTarget::Local, DeleteTarget::Backup, DeleteTarget::Both] {
        for sha in [&unknown, &m.missing] {
            let err = m.delete(sha, target, true).unwrap_err();
            assert_eq!(err.code(), ErrorCode::NotFound, "{target:?}: {err:?}");
        }
    }
    assert_eq!(m.f.inventory().items.len(), 7, "nothing deleted");
}

// ---- delete: `both` on a one-sided blob -----------------------------------

#[test]
fn target_both_on_a_one_sided_blob_removes_that_copy_as_a_last_copy_delete() {
    let m = matrix();
    for (sha, side, size) in [(&m.orphan_local, Side::Local, 400), (&m.orphan_backup, Side::Backup, 600)] {
        let err = m.delete(sha, DeleteTarget::Both, false).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LastCopy, "{side}");
        let r = m.delete(sha, DeleteTarget::Both, true).unwrap();
        assert_eq!(r.deleted_from, [side.to_string()], "only the side that had a copy");
        assert_eq!(r.bytes_freed, size);
        assert_eq!(r.remaining_on, Remaining::Nowhere);
        assert_eq!(r.warning.as_deref(), Some(LAST_COPY_WARNING));
        assert!(!m.on_local(sha) && !m.on_backup(sha));
    }
}

// ---- delete: backup availability ------------------------------------------

#[test]
fn backup_targets_with_backup_disabled_are_backup_not_enabled() {
    let f = Fixture::new();
    let sha = f.put_local(&content("orphan", 100));
    for target in [DeleteTarget::Backup, DeleteTarget::Both] {
        for force in [false, true] {
            let err = guard::delete(&f.store, &sha, target, force).unwrap_err();
            assert_eq!(err.code(), ErrorCode::BackupNotEnabled, "{target:?}");
            assert_eq!(err.code().exit_code(), 4);
        }
    }
    // Configured but switched off is disabled too.
    f.configure_backup(false);
    let err = guard::delete(&f.store, &sha, DeleteTarget::Backup, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotEnabled);
    assert!(f.local_path(&sha).is_file(), "nothing deleted");

    // A local delete does not need the backup (and this is its last copy).
    let r = guard::delete(&f.store, &sha, DeleteTarget::Local, true).unwrap();
    assert_eq!(r.remaining_on, Remaining::Nowhere);
}

#[test]
fn backup_targets_with_the_drive_unplugged_are_backup_not_connected() {
    let m = matrix();
    let away = m.f.unplug();
    for sha in [&m.orphan_both, &m.orphan_local, &m.orphan_backup] {
        for target in [DeleteTarget::Backup, DeleteTarget::Both] {
            let err = m.delete(sha, target, true).unwrap_err();
            assert_eq!(err.code(), ErrorCode::BackupNotConnected, "{target:?}: {err:?}");
            assert!(err.to_string().contains("not connected"), "{err}");
        }
    }
    // A local delete cannot see the backup copy: it is treated as the last copy.
    let err = m.delete(&m.orphan_both, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy);
    m.f.replug(&away);
    assert!(m.on_local(&m.orphan_both) && m.on_backup(&m.orphan_both), "nothing deleted");
    assert!(m.on_local(&m.orphan_local) && m.on_backup(&m.orphan_backup));
}

#[test]
fn delete_waits_for_the_backup_lock_and_fails_busy() {
    let m = matrix();
    let lock_file = BackupLayout::new(&m.f.drive).lock_file();
    let held = StoreLock::acquire(&lock_file, "backup sync", std::time::Duration::ZERO).unwrap();
    let err = m.delete(&m.orphan_both, DeleteTarget::Backup, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Busy);
    assert!(err.to_string().contains("backup sync"), "{err}");
    assert!(m.on_backup(&m.orphan_both));
    drop(held);
    m.delete(&m.orphan_both, DeleteTarget::Backup, false).unwrap();
    assert!(!m.on_backup(&m.orphan_both));
    assert!(m.on_local(&m.orphan_both));
    assert!(fs::metadata(&lock_file).is_ok());
}
