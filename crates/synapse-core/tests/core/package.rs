//! Packages (SPEC §3.10): export to a directory and a tar, validate, import
//! with every classification and strategy; corrupt and hostile packages that
//! validate must reject and import must refuse without writing anything;
//! random corruption never makes import write a pack whose blobs are wrong.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Value};
use synapse_core::blobs;
use synapse_core::model::{
    AssetKind, CommitResult, ExportResult, ImportStrategy, IssueCode, IssueSeverity, PackClassification, PackageFormat, ValidationReport,
};
use synapse_core::package::{self, ExportOptions, ImportOptions};
use synapse_core::packs;
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::schema::BlobManifest;
use synapse_core::{Error, ErrorCode, PackName, Sha256, Store};
use tar::{EntryType, Header};

use crate::support::{content, sha_of, Fixture};

fn names(list: &[&str]) -> Vec<PackName> {
    list.iter().map(|n| PackName::parse(n).unwrap()).collect()
}

fn export_to(store: &Store, packs: &[&str], out: &Path, include_blobs: bool) -> Result<ExportResult, Error> {
    let cancel = CancelToken::new();
    let options = ExportOptions { packs: names(packs), out: out.to_path_buf(), include_blobs, exported_by: Some("tester".into()) };
    package::export(store, &options, Control::new(&NoProgress, &cancel))
}

fn validate(store: &Store, path: &Path) -> ValidationReport {
    let cancel = CancelToken::new();
    package::validate(store, path, Control::new(&NoProgress, &cancel)).unwrap()
}

fn import_with(store: &Store, path: &Path, strategy: ImportStrategy, overrides: &[(&str, ImportStrategy)]) -> Result<CommitResult, Error> {
    let cancel = CancelToken::new();
    let overrides = overrides.iter().map(|(n, s)| (PackName::parse(n).unwrap(), *s)).collect();
    let options = ImportOptions { strategy, overrides, dry_run: false };
    package::import(store, path, &options, Control::new(&NoProgress, &cancel))
}

fn import(store: &Store, path: &Path) -> CommitResult {
    import_with(store, path, ImportStrategy::SkipIfExists, &[]).unwrap()
}

fn codes(report: &ValidationReport) -> Vec<IssueCode> {
    report.issues.iter().filter(|i| i.severity == IssueSeverity::Error).map(|i| i.code).collect()
}

/// Every file below `root` with its bytes (the store's lock file aside).
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).follow_links(false) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
        if e.file_type().is_file() && rel != Path::new(".synapse.lock") {
            out.insert(rel, fs::read(e.path()).unwrap());
        } else if e.file_type().is_dir() {
            out.insert(PathBuf::from(format!("{}/", rel.display())), Vec::new());
        }
    }
    out
}

/// Every pack of the store points only at blobs that are there and hash right,
/// and every blob of the store hashes to its name.
fn assert_consistent(store: &Store) {
    let layout = store.layout();
    let set = packs::load_all(layout).unwrap();
    assert!(set.errors.is_empty(), "unreadable packs: {:?}", set.errors);
    for p in &set.packs {
        for r in p.blob_refs().unwrap() {
            let path = layout.blobs().blob(&r.sha256);
            assert!(path.is_file(), "pack {} points at missing blob {}", p.name, r.sha256);
        }
    }
    for b in blobs::scan(&layout.blobs()).unwrap().blobs {
        let (actual, _) = blobs::hash_file(&layout.blobs().blob(&b.sha256), None, &CancelToken::new()).unwrap();
        assert_eq!(actual, b.sha256, "blob {} does not hash to its name", b.sha256);
    }
}

fn set_resolved_at(f: &Fixture, pack: &str, at: &str) {
    let p = f.store.layout().packs().join(pack).join("lock.json");
    let mut lock: Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    lock["resolved_at"] = json!(at);
    fs::write(&p, serde_json::to_vec_pretty(&lock).unwrap()).unwrap();
}

/// The source store: three blobs (one with a manifest), packs Alpha (a, b,
/// plus a preview and a workflow in a sub-folder), Beta (b, c), Gamma (c).
struct Source {
    f: Fixture,
    a: Sha256,
    b: Sha256,
    c: Sha256,
}

fn source() -> Source {
    let f = Fixture::new();
    let a = f.put_local(&content("lora-a", 3000));
    let b = f.put_local(&content("checkpoint-b", 5000));
    let c = f.put_local(&content("vae-c", 1500));
    let manifest = BlobManifest::local("a.safetensors", AssetKind::Lora);
    blobs::write_manifest_if_absent(&f.store.layout().blobs(), &a, &manifest).unwrap();
    f.write_pack("Alpha", &[("a", &a, AssetKind::Lora, 3000, "a.safetensors"), ("b", &b, AssetKind::Checkpoint, 5000, "b.ckpt")]);
    f.write_pack("Beta", &[("b", &b, AssetKind::Checkpoint, 5000, "b.ckpt"), ("c", &c, AssetKind::Vae, 1500, "c.vae")]);
    f.write_pack("Gamma", &[("c", &c, AssetKind::Vae, 1500, "c.vae")]);
    let alpha = f.store.layout().packs().join("Alpha");
    fs::write(alpha.join("preview.png"), content("png", 700)).unwrap();
    fs::create_dir_all(alpha.join("workflows")).unwrap();
    fs::write(alpha.join("workflows/basic.json"), b"{\"nodes\": []}\n").unwrap();
    Source { f, a, b, c }
}

fn pack_tree(store: &Store, pack: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    tree(&store.layout().packs().join(pack))
}

#[test]
fn round_trip_through_a_directory_and_a_tar_into_an_empty_store() {
    let src = source();
    for out_name in ["pkg", "pkg.tar"] {
        let out = src.f.dir.path().join(out_name);
        let exported = export_to(&src.f.store, &["Alpha", "Beta"], &out, true).unwrap();
        let tar = out_name.ends_with(".tar");
        assert_eq!(exported.format, if tar { PackageFormat::Tar } else { PackageFormat::Directory });
        assert_eq!(exported.packs, ["Alpha", "Beta"]);
        assert_eq!((exported.blobs, exported.bytes, exported.blobs_from_backup), (3, 9500, 0));
        assert!(exported.include_blobs && exported.warnings.is_empty(), "{exported:?}");
        assert_eq!(out.is_file(), tar);

        let dest = Fixture::new();
        let report = validate(&dest.store, &out);
        assert!(report.valid, "{:?}", report.issues);
        assert!(report.issues.is_empty(), "{:?}", report.issues);
        assert_eq!(
            report.items.iter().map(|i| (i.pack.as_str(), i.classification)).collect::<Vec<_>>(),
            [("Alpha", PackClassification::New), ("Beta", PackClassification::New)]
        );
        assert_eq!((report.items[0].blobs_new, report.items[0].bytes_new), (2, 8000));
        assert_eq!(
            (report.totals.files_count, report.totals.files_bytes, report.totals.blobs_new, report.totals.bytes_new),
            (3, 9500, 3, 9500)
        );
        assert!(tree(dest.store.root()).keys().all(|p| !p.starts_with("state/packs/Alpha")), "validate wrote nothing");

        let result = import(&dest.store, &out);
        assert_eq!(result.imported, ["Alpha", "Beta"]);
        assert!(result.skipped.is_empty() && result.overwritten.is_empty() && result.duplicated.is_empty());
        assert_eq!((result.blobs_copied, result.bytes_copied), (3, 9500));
        for pack in ["Alpha", "Beta"] {
            assert_eq!(pack_tree(&dest.store, pack), pack_tree(&src.f.store, pack), "{pack} is byte-identical");
        }
        for sha in [&src.a, &src.b, &src.c] {
            assert_eq!(fs::read(dest.local_path(sha)).unwrap(), fs::read(src.f.local_path(sha)).unwrap());
        }
        let meta = blobs::read_manifest(&dest.store.layout().blobs(), &src.a).unwrap();
        assert_eq!(meta.original_filename.as_deref(), Some("a.safetensors"), "the blob manifest travels with the blob");
        assert!(blobs::read_manifest(&dest.store.layout().blobs(), &src.b).is_some(), "a blob without one gets one");
        assert!(fs::read_dir(dest.store.layout().tmp()).unwrap().next().is_none(), "no staging left in data/tmp");
        assert_consistent(&dest.store);

        // The same package against its own source: nothing new, same versions.
        let again = validate(&src.f.store, &out);
        assert!(again.valid);
        assert!(again.items.iter().all(|i| i.classification == PackClassification::DuplicateSameVersion && i.blobs_new == 0));
        let second = import(&dest.store, &out);
        assert_eq!(second.skipped.len(), 2);
        assert_eq!(second.blobs_copied, 0);
    }
}

#[test]
fn blobs_only_on_the_backup_drive_are_read_from_it() {
    let f = Fixture::with_backup();
    let local = f.put_local(&content("local", 1000));
    let remote = f.put_backup(&content("remote", 2000));
    f.write_pack("Mixed", &[("l", &local, AssetKind::Lora, 1000, "l.bin"), ("r", &remote, AssetKind::Vae, 2000, "r.bin")]);
    let out = f.dir.path().join("mixed.tar");
    let exported = export_to(&f.store, &["Mixed"], &out, true).unwrap();
    assert_eq!((exported.blobs, exported.blobs_from_backup), (2, 1));
    let dest = Fixture::new();
    assert!(validate(&dest.store, &out).valid);
    import(&dest.store, &out);
    assert_eq!(fs::read(dest.local_path(&remote)).unwrap(), content("remote", 2000));

    // Unplugged: the export says why it cannot read the blob.
    let away = f.unplug();
    let err = export_to(&f.store, &["Mixed"], &f.dir.path().join("again.tar"), true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected, "{err}");
    assert!(!f.dir.path().join("again.tar").exists());
    f.replug(&away);
}

#[test]
fn export_refuses_missing_blobs_existing_targets_and_unknown_packs() {
    let src = source();
    let gone = sha_of(b"never stored");
    src.f.write_pack("Broken", &[("x", &gone, AssetKind::Lora, 10, "x.bin")]);
    let err = export_to(&src.f.store, &["Broken"], &src.f.dir.path().join("b.tar"), true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains(gone.as_str()) && err.to_string().contains("export without model files"), "{err}");
    assert!(err.to_string().contains("x.bin"), "the model is named as its pack names it: {err}");

    let taken = src.f.dir.path().join("taken");
    fs::create_dir_all(&taken).unwrap();
    fs::write(taken.join("x"), b"x").unwrap();
    assert_eq!(export_to(&src.f.store, &["Alpha"], &taken, true).unwrap_err().code(), ErrorCode::AlreadyExists);
    let empty = src.f.dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    export_to(&src.f.store, &["Alpha"], &empty, true).expect("an empty folder is a fine target");
    assert!(empty.join("package.json").is_file());

    assert_eq!(export_to(&src.f.store, &["Nope"], &src.f.dir.path().join("n.tar"), true).unwrap_err().code(), ErrorCode::NotFound);
    let inside = src.f.store.root().join("exported.tar");
    assert_eq!(export_to(&src.f.store, &["Alpha"], &inside, true).unwrap_err().code(), ErrorCode::InvalidArgument);

    // Cancelled: nothing is left beside the target.
    let cancel = CancelToken::new();
    cancel.cancel();
    let out = src.f.dir.path().join("cancelled").join("c.tar");
    let options = ExportOptions { packs: names(&["Alpha"]), out: out.clone(), include_blobs: true, exported_by: None };
    let err = package::export(&src.f.store, &options, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(fs::read_dir(out.parent().unwrap()).unwrap().count(), 0, "no partial package");
}

#[test]
fn a_metadata_only_package_imports_packs_whose_blobs_are_missing_with_warnings() {
    let src = source();
    let out = src.f.dir.path().join("meta-only");
    let exported = export_to(&src.f.store, &["Gamma"], &out, false).unwrap();
    assert_eq!((exported.blobs, exported.include_blobs), (0, false));
    assert!(!out.join("files").exists());
    assert!(validate(&src.f.store, &out).issues.is_empty(), "the source store has the blobs");
    let dest = Fixture::new();
    let report = validate(&dest.store, &out);
    assert!(report.valid);
    assert_eq!(report.issues.len(), 1);
    assert_eq!((report.issues[0].code, report.issues[0].severity), (IssueCode::BlobUnavailable, IssueSeverity::Warning));
    let result = import(&dest.store, &out);
    assert_eq!(result.imported, ["Gamma"]);
    assert_eq!(result.warnings.len(), 1);
    assert!(dest.store.layout().pack_dir(&PackName::parse("Gamma").unwrap()).is_dir());
    assert!(!dest.local_path(&src.c).exists());
}

/// The store the classification tests import into: `Same` identical to the
/// package's, `Updated` older, `Stale` newer, `Clash` different at the same
/// time, and no `Fresh`.
fn classification_package() -> (Source, PathBuf) {
    let src = source();
    let (a, b, c) = (src.a.clone(), src.b.clone(), src.c.clone());
    for (name, sha) in [("Fresh", &a), ("Same", &b), ("Updated", &c), ("Stale", &a), ("Clash", &c)] {
        src.f.write_pack(name, &[("dep", sha, AssetKind::Lora, 0, "dep.bin")]);
        set_resolved_at(&src.f, name, "2026-02-01T00:00:00");
    }
    let out = src.f.dir.path().join("classes.tar");
    export_to(&src.f.store, &["Fresh", "Same", "Updated", "Stale", "Clash"], &out, true).unwrap();
    (src, out)
}

fn classification_store(src: &Source) -> Fixture {
    let dest = Fixture::new();
    let b = dest.put_local(&content("checkpoint-b", 5000));
    assert_eq!(b, src.b);
    let same_src = src.f.store.layout().packs().join("Same");
    let same_dst = dest.store.layout().packs().join("Same");
    fs::create_dir_all(&same_dst).unwrap();
    for file in ["pack.json", "lock.json"] {
        fs::copy(same_src.join(file), same_dst.join(file)).unwrap();
    }
    for (name, at) in [("Updated", "2026-01-01T00:00:00"), ("Stale", "2026-03-01T00:00:00Z"), ("Clash", "2026-02-01T00:00:00")] {
        dest.write_pack(name, &[("other", &b, AssetKind::Checkpoint, 5000, "other.bin")]);
        set_resolved_at(&dest, name, at);
    }
    dest
}

fn lock_of(store: &Store, pack: &str) -> Value {
    serde_json::from_slice(&fs::read(store.layout().packs().join(pack).join("lock.json")).unwrap()).unwrap()
}

#[test]
fn each_pack_is_classified_against_the_store() {
    let (src, out) = classification_package();
    let dest = classification_store(&src);
    let report = validate(&dest.store, &out);
    assert!(report.valid, "{:?}", report.issues);
    let classes: BTreeMap<&str, PackClassification> = report.items.iter().map(|i| (i.pack.as_str(), i.classification)).collect();
    assert_eq!(
        classes,
        BTreeMap::from([
            ("Clash", PackClassification::ConflictOther),
            ("Fresh", PackClassification::New),
            ("Same", PackClassification::DuplicateSameVersion),
            ("Stale", PackClassification::DuplicateNewerInStore),
            ("Updated", PackClassification::DuplicateOlderInStore),
        ])
    );
    let updated = report.items.iter().find(|i| i.pack == "Updated").unwrap();
    assert_eq!(updated.package_updated_at.as_deref(), Some("2026-02-01T00:00:00"));
    assert_eq!(updated.store_updated_at.as_deref(), Some("2026-01-01T00:00:00"));
}

#[test]
fn every_strategy_does_what_it_says() {
    let (src, out) = classification_package();
    let in_package = |pack: &str| lock_of(&src.f.store, pack);
    let all = ["Clash", "Same", "Stale", "Updated"];
    for strategy in ImportStrategy::ALL {
        let dest = classification_store(&src);
        let before: BTreeMap<&str, Value> = all.iter().map(|p| (*p, lock_of(&dest.store, p))).collect();
        let r = import_with(&dest.store, &out, strategy, &[]).unwrap();
        assert_eq!(r.imported, ["Fresh"], "{strategy}: a new pack is always imported");
        assert_eq!(lock_of(&dest.store, "Fresh"), in_package("Fresh"));
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.pack.as_str()).collect();
        match strategy {
            ImportStrategy::SkipIfExists => {
                assert_eq!(skipped, all);
                assert!(r.overwritten.is_empty() && r.duplicated.is_empty());
            }
            ImportStrategy::UpdateIfNewer => {
                assert_eq!(r.overwritten, ["Updated"]);
                assert_eq!(skipped, ["Clash", "Same", "Stale"]);
                assert_eq!(lock_of(&dest.store, "Updated"), in_package("Updated"));
            }
            ImportStrategy::AlwaysOverwrite => {
                assert_eq!(r.overwritten, all);
                for p in all {
                    assert_eq!(pack_tree(&dest.store, p), pack_tree(&src.f.store, p), "{p} replaced whole");
                }
            }
            ImportStrategy::CreateDuplicate => {
                let dups: Vec<(&str, &str)> = r.duplicated.iter().map(|d| (d.pack.as_str(), d.imported_as.as_str())).collect();
                assert_eq!(dups, [("Clash", "Clash (2)"), ("Same", "Same (2)"), ("Stale", "Stale (2)"), ("Updated", "Updated (2)")]);
                for p in all {
                    let copy = format!("{p} (2)");
                    let pack_json: Value =
                        serde_json::from_slice(&fs::read(dest.store.layout().packs().join(&copy).join("pack.json")).unwrap()).unwrap();
                    assert_eq!(pack_json["name"], copy.as_str());
                    assert_eq!(lock_of(&dest.store, &copy)["pack"], copy.as_str());
                    assert_eq!(lock_of(&dest.store, &copy)["resolved"], in_package(p)["resolved"]);
                }
            }
        }
        for p in all {
            let replaced = r.overwritten.iter().any(|o| o == p);
            if !replaced {
                assert_eq!(lock_of(&dest.store, p), before[p], "{strategy}: {p} untouched");
            }
        }
        assert_consistent(&dest.store);
    }
}

#[test]
fn per_pack_overrides_win_and_must_name_a_pack_of_the_package() {
    let (src, out) = classification_package();
    let dest = classification_store(&src);
    let r = import_with(&dest.store, &out, ImportStrategy::SkipIfExists, &[("Clash", ImportStrategy::AlwaysOverwrite)]).unwrap();
    assert_eq!(r.overwritten, ["Clash"]);
    assert_eq!(r.skipped.len(), 3);
    let err = import_with(&dest.store, &out, ImportStrategy::SkipIfExists, &[("Nope", ImportStrategy::AlwaysOverwrite)]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);

    // A dry run plans without writing.
    let dest = classification_store(&src);
    let before = tree(dest.store.root());
    let cancel = CancelToken::new();
    let options = ImportOptions { strategy: ImportStrategy::UpdateIfNewer, overrides: BTreeMap::new(), dry_run: true };
    let plan = package::import(&dest.store, &out, &options, Control::new(&NoProgress, &cancel)).unwrap();
    assert!(plan.dry_run);
    assert_eq!((plan.imported.as_slice(), plan.overwritten.as_slice()), (&["Fresh".to_owned()][..], &["Updated".to_owned()][..]));
    assert_eq!((plan.blobs_to_copy, plan.blobs_copied), (2, 0));
    assert_eq!(tree(dest.store.root()), before);
}

/// A valid directory package of Alpha and Beta, copied to a fresh folder per case.
fn valid_dir_package(src: &Source, name: &str) -> PathBuf {
    let out = src.f.dir.path().join(name);
    export_to(&src.f.store, &["Alpha", "Beta"], &out, true).unwrap();
    out
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut v);
    fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn flip_byte(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(path, bytes).unwrap();
}

/// Validate names `code` as an error, and import refuses with it, writing nothing.
fn assert_rejected(package: &Path, code: IssueCode) {
    let dest = Fixture::new();
    let report = validate(&dest.store, package);
    assert!(!report.valid, "{code:?}: {:?}", report.issues);
    assert!(codes(&report).contains(&code), "expected {code:?} in {:?}", report.issues);
    let before = tree(dest.store.root());
    let err = import_with(&dest.store, package, ImportStrategy::AlwaysOverwrite, &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Integrity, "{err}");
    let Error::PackageInvalid { issues, .. } = &err else { panic!("{err:?}") };
    assert!(issues.iter().any(|i| i.code == code), "{code:?} not in {issues:?}");
    assert_eq!(tree(dest.store.root()), before, "{code:?}: import wrote something");
}

#[test]
fn damaged_directory_packages_are_rejected_each_with_its_own_code() {
    let src = source();
    let a_blob = |p: &Path| p.join("files").join(src.a.as_str());
    let a_desc = |p: &Path| p.join("files").join(format!("{}.json", src.a));

    let p = valid_dir_package(&src, "flipped");
    flip_byte(&a_blob(&p));
    assert_rejected(&p, IssueCode::HashMismatch);

    let p = valid_dir_package(&src, "no-descriptor");
    fs::remove_file(a_desc(&p)).unwrap();
    assert_rejected(&p, IssueCode::DescriptorMissing);

    let p = valid_dir_package(&src, "no-file");
    fs::remove_file(a_blob(&p)).unwrap();
    assert_rejected(&p, IssueCode::FileMissing);

    let p = valid_dir_package(&src, "wrong-count");
    edit_json(&p.join("metadata.json"), |m| m["total_files_count"] = json!(4));
    assert_rejected(&p, IssueCode::CountMismatch);

    let p = valid_dir_package(&src, "wrong-bytes");
    edit_json(&p.join("metadata.json"), |m| m["total_files_bytes"] = json!(1));
    assert_rejected(&p, IssueCode::BytesMismatch);

    let p = valid_dir_package(&src, "short");
    let bytes = fs::read(a_blob(&p)).unwrap();
    fs::write(a_blob(&p), &bytes[..100]).unwrap();
    assert_rejected(&p, IssueCode::SizeMismatch);

    let p = valid_dir_package(&src, "no-manifest");
    fs::remove_file(p.join("package.json")).unwrap();
    assert_rejected(&p, IssueCode::ManifestMissing);

    let p = valid_dir_package(&src, "future");
    edit_json(&p.join("package.json"), |m| m["spec_version"] = json!("2.0"));
    assert_rejected(&p, IssueCode::UnsupportedVersion);

    let p = valid_dir_package(&src, "bad-descriptor");
    edit_json(&a_desc(&p), |d| d["content_hash"] = json!(src.b.as_str()));
    assert_rejected(&p, IssueCode::DescriptorInvalid);

    let p = valid_dir_package(&src, "unlisted");
    fs::create_dir_all(p.join("packs/Stowaway")).unwrap();
    fs::write(p.join("packs/Stowaway/pack.json"), br#"{"name": "Stowaway"}"#).unwrap();
    assert_rejected(&p, IssueCode::PackUnlisted);

    let p = valid_dir_package(&src, "unlisted-missing");
    edit_json(&p.join("package.json"), |m| m["packs"] = json!(["Alpha", "Beta", "Ghost"]));
    assert_rejected(&p, IssueCode::PackMissing);

    let p = valid_dir_package(&src, "dangling-lock");
    let ghost = sha_of(b"ghost");
    edit_json(&p.join("packs/Beta/lock.json"), |l| l["resolved"][1]["artifact"]["sha256"] = json!(ghost.as_str()));
    assert_rejected(&p, IssueCode::BlobUnavailable);

    let p = valid_dir_package(&src, "bad-lock");
    fs::write(p.join("packs/Beta/lock.json"), b"{ nope").unwrap();
    assert_rejected(&p, IssueCode::PackInvalid);

    let p = valid_dir_package(&src, "symlink");
    std::os::unix::fs::symlink("/etc/passwd", p.join("packs/Alpha/passwd")).unwrap();
    assert_rejected(&p, IssueCode::LinkEntry);

    let p = valid_dir_package(&src, "oversized");
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat((package::MAX_DOCUMENT_BYTES + 10) as usize));
    fs::write(p.join("packs/Alpha/pack.json"), huge).unwrap();
    assert_rejected(&p, IssueCode::Oversized);
}

/// Appends one entry built with the low-level header API (no path checks).
fn raw_entry(b: &mut tar::Builder<File>, path: &[u8], kind: EntryType, link: &[u8], data: &[u8]) {
    let mut h = Header::new_old();
    h.as_old_mut().name[..path.len()].copy_from_slice(path);
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append(&h, data).unwrap();
}

/// A tar of the valid package `dir`, plus whatever `extra` appends.
fn tar_of(dir: &Path, out: &Path, extra: impl FnOnce(&mut tar::Builder<File>)) {
    let mut b = tar::Builder::new(File::create(out).unwrap());
    for (rel, _) in tree(dir).into_iter().filter(|(p, _)| dir.join(p).is_file()) {
        b.append_path_with_name(dir.join(&rel), &rel).unwrap();
    }
    extra(&mut b);
    b.finish().unwrap();
}

#[test]
fn hostile_tars_are_rejected_each_with_its_own_code() {
    let src = source();
    let dir = valid_dir_package(&src, "base");
    let tars = src.f.dir.path().join("tars");
    fs::create_dir_all(&tars).unwrap();
    let case = |name: &str, extra: &dyn Fn(&mut tar::Builder<File>)| {
        let out = tars.join(format!("{name}.tar"));
        tar_of(&dir, &out, |b| extra(b));
        out
    };
    let plain = case("plain", &|_| {});
    assert!(validate(&Fixture::new().store, &plain).valid, "the base tar is valid");

    let dotdot = case("dotdot", &|b| raw_entry(b, b"packs/Alpha/../../../evil.txt", EntryType::Regular, b"", b"evil"));
    assert_rejected(&dotdot, IssueCode::UnsafePath);
    let absolute = case("absolute", &|b| raw_entry(b, b"/tmp/evil.txt", EntryType::Regular, b"", b"evil"));
    assert_rejected(&absolute, IssueCode::UnsafePath);
    let symlink = case("symlink", &|b| raw_entry(b, b"packs/Alpha/passwd", EntryType::Symlink, b"/etc/passwd", b""));
    assert_rejected(&symlink, IssueCode::LinkEntry);
    let hardlink = case("hardlink", &|b| raw_entry(b, b"packs/Alpha/shadow", EntryType::Link, b"/etc/shadow", b""));
    assert_rejected(&hardlink, IssueCode::LinkEntry);
    let fifo = case("fifo", &|b| raw_entry(b, b"packs/Alpha/pipe", EntryType::Fifo, b"", b""));
    assert_rejected(&fifo, IssueCode::UnexpectedEntry);
    let dup = case("duplicate", &|b| raw_entry(b, b"packs/Alpha/pack.json", EntryType::Regular, b"", b"{\"name\": \"Evil\"}"));
    assert_rejected(&dup, IssueCode::DuplicateEntry);
    let file_and_dir = case("file-and-dir", &|b| raw_entry(b, b"packs/Alpha/pack.json/inner", EntryType::Regular, b"", b"x"));
    assert_rejected(&file_and_dir, IssueCode::DuplicateEntry);

    // Cut inside the last entry's data.
    let truncated = tars.join("truncated.tar");
    let bytes = fs::read(&plain).unwrap();
    let cut = bytes.len() - 1024 - 700;
    fs::write(&truncated, &bytes[..cut]).unwrap();
    assert_rejected(&truncated, IssueCode::Truncated);

    // One flipped byte inside a blob's data.
    let flipped = tars.join("flipped.tar");
    let mut bytes = fs::read(&plain).unwrap();
    let needle = content("checkpoint-b", 5000);
    let at = bytes.windows(64).position(|w| w == &needle[..64]).unwrap() + 2000;
    bytes[at] ^= 0x20;
    fs::write(&flipped, bytes).unwrap();
    assert_rejected(&flipped, IssueCode::HashMismatch);

    // Not a tar at all.
    let garbage = tars.join("garbage.tar");
    fs::write(&garbage, vec![0x41u8; 4096]).unwrap();
    assert_rejected(&garbage, IssueCode::ArchiveInvalid);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever random damage a valid tar package takes (bytes flipped,
    /// overwritten, cut off), import either refuses or writes only packs
    /// whose blobs are all present and hash right.
    #[test]
    fn random_corruption_never_imports_a_pack_with_bad_blobs(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in proptest::option::weighted(0.2, any::<prop::sample::Index>()),
    ) {
        let src = source();
        let out = src.f.dir.path().join("p.tar");
        export_to(&src.f.store, &["Alpha", "Beta", "Gamma"], &out, true).unwrap();
        let mut bytes = fs::read(&out).unwrap();
        for (at, mask) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        fs::write(&out, &bytes).unwrap();
        let dest = Fixture::new();
        let report = validate(&dest.store, &out);
        let result = import_with(&dest.store, &out, ImportStrategy::AlwaysOverwrite, &[]);
        if let Err(e) = &result {
            prop_assert!(!report.valid || e.code() != ErrorCode::Integrity, "validate passed what import refused: {e}");
        }
        if result.is_ok() {
            prop_assert!(report.valid, "import accepted what validate rejected: {:?}", report.issues);
        }
        assert_consistent(&dest.store);
    }
}

#[test]
fn an_overwrite_interrupted_between_its_renames_is_repaired_by_the_next_import() {
    let src = source();
    let out = src.f.dir.path().join("gamma.tar");
    export_to(&src.f.store, &["Gamma"], &out, true).unwrap();
    let dest = Fixture::new();
    // As a killed overwrite leaves them: Beta set aside with nothing in its
    // place, Alpha set aside after its replacement arrived, an assembly folder.
    let packs_dir = dest.store.layout().packs();
    let c = dest.put_local(&content("vae-c", 1500));
    dest.write_pack("Beta", &[("c", &c, AssetKind::Vae, 1500, "c.vae")]);
    dest.write_pack("Alpha", &[("c", &c, AssetKind::Vae, 1500, "c.vae")]);
    let beta_before = pack_tree(&dest.store, "Beta");
    fs::rename(packs_dir.join("Beta"), packs_dir.join(format!(".replaced-{}-Beta", "1".repeat(32)))).unwrap();
    fs::create_dir_all(packs_dir.join(format!(".replaced-{}-Alpha", "2".repeat(32)))).unwrap();
    fs::create_dir_all(packs_dir.join(".package-import-0123/pack-0")).unwrap();

    let r = import(&dest.store, &out);
    assert_eq!(r.imported, ["Gamma"]);
    assert_eq!(pack_tree(&dest.store, "Beta"), beta_before, "Beta is back");
    let mut left: Vec<String> = fs::read_dir(&packs_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["Alpha", "Beta", "Gamma"]);
}

/// SPEC §3.11: an import applies the plan the user reviewed. A pack that was
/// new when reviewed but whose name was taken meanwhile (a pack created from
/// the CLI) is skipped with the reason, not overwritten under a strategy
/// chosen for a new pack.
#[test]
fn an_import_plan_skips_a_pack_whose_classification_changed_since_the_review() {
    let (src, out) = classification_package();
    let dest = classification_store(&src);
    let cancel = CancelToken::new();
    let options = ImportOptions { strategy: ImportStrategy::AlwaysOverwrite, overrides: Default::default(), dry_run: true };
    let plan = package::plan_import(&dest.store, &out, &options, Control::new(&NoProgress, &cancel)).unwrap();
    assert_eq!(plan.classes[&PackName::parse("Fresh").unwrap()], PackClassification::New);
    // Meanwhile a pack named Fresh appears in the store.
    let other = dest.put_local(&content("someone else's Fresh", 900));
    dest.write_pack("Fresh", &[("mine", &other, AssetKind::Lora, 900, "mine.safetensors")]);
    let r = package::apply_import(&dest.store, &plan, Control::new(&NoProgress, &cancel)).unwrap();
    let skipped = r.skipped.iter().find(|s| s.pack == "Fresh").expect("Fresh is skipped");
    assert!(skipped.reason.contains("changed since the review"), "{}", skipped.reason);
    assert!(!r.overwritten.contains(&"Fresh".to_owned()));
    let lock = lock_of(&dest.store, "Fresh");
    assert_eq!(lock["resolved"][0]["artifact"]["sha256"], other.as_str(), "the store's own Fresh is untouched");
}
