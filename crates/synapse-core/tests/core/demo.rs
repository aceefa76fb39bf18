//! The demo store: every status and location, real content-addressed files,
//! kinds everywhere, a connected backup, and no second demo over the first.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::Instant;

use synapse_core::blobs;
use synapse_core::inventory;
use synapse_core::layout::BackupLayout;
use synapse_core::model::{AssetKind, BackupSource, BlobStatus, Location};
use synapse_core::packs;
use synapse_core::progress::CancelToken;
use synapse_core::{ErrorCode, Store};
use synapse_demo as demo;

/// Every blob file under a `blobs/sha256` directory hashes to its name.
fn assert_content_addressed(dir: &Path) -> usize {
    let cancel = CancelToken::new();
    let mut n = 0;
    for fanout in fs::read_dir(dir).unwrap() {
        for entry in fs::read_dir(fanout.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if name.ends_with(".meta") || name.ends_with(".part") {
                continue;
            }
            let (sha, _) = blobs::hash_file(&path, None, &cancel).unwrap();
            assert_eq!(sha.as_str(), name, "{} does not hash to its name", path.display());
            n += 1;
        }
    }
    n
}

#[test]
fn demo_has_every_status_and_location() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let started = Instant::now();
    let info = demo::create(&dir).unwrap();
    let took = started.elapsed();
    assert_eq!(info.store_root, dir.join("store"));
    assert_eq!(info.backup_path, dir.join("backup-drive"));
    assert!((12..=16).contains(&info.packs), "{info:?}");
    assert!(info.bytes_local + info.bytes_backup < 40 << 20, "the demo stays small: {info:?}");
    eprintln!("demo created in {took:?}: {info:?}");

    let store = Store::open(&info.store_root).unwrap();
    let inv = inventory::build(&store).unwrap();
    let s = &inv.summary;
    assert!(s.pack_errors.is_empty(), "{:?}", s.pack_errors);
    assert!(s.backup.enabled && s.backup.connected, "{:?}", s.backup);
    assert_eq!(s.backup.source, BackupSource::Live);
    assert_eq!(s.backup.path.as_deref(), Some(info.backup_path.as_path()));

    let statuses: BTreeSet<BlobStatus> = inv.items.iter().map(|i| i.status).collect();
    let locations: BTreeSet<Location> = inv.items.iter().map(|i| i.location).collect();
    assert_eq!(statuses, BTreeSet::from([BlobStatus::Referenced, BlobStatus::Orphan, BlobStatus::Missing, BlobStatus::BackupOnly]));
    assert_eq!(locations, BTreeSet::from([Location::LocalOnly, Location::BackupOnly, Location::Both, Location::Nowhere]));
    let has = |st: BlobStatus, loc: Location| inv.items.iter().any(|i| i.status == st && i.location == loc);
    for (st, loc) in [
        (BlobStatus::Referenced, Location::Both),
        (BlobStatus::Referenced, Location::LocalOnly),
        (BlobStatus::BackupOnly, Location::BackupOnly),
        (BlobStatus::Missing, Location::Nowhere),
        (BlobStatus::Orphan, Location::LocalOnly),
        (BlobStatus::Orphan, Location::Both),
        (BlobStatus::Orphan, Location::BackupOnly),
    ] {
        assert!(has(st, loc), "no {st:?} blob at {loc:?}");
    }
    assert_eq!(info.blobs as u64 + info.missing as u64, s.blobs_total);
    assert_eq!(info.orphans as u64, s.blobs_orphan);
    assert_eq!(info.missing as u64, s.blobs_missing);

    // Kinds: known everywhere except the one old pickle file nothing describes.
    let unknown: Vec<_> = inv.items.iter().filter(|i| i.kind == AssetKind::Unknown).collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(unknown[0].status, BlobStatus::Orphan);
    assert_eq!(unknown[0].display_name, unknown[0].sha256.short(), "nothing names it");
    let kinds: BTreeSet<AssetKind> = inv.items.iter().map(|i| i.kind).collect();
    for k in [
        AssetKind::Checkpoint,
        AssetKind::Lora,
        AssetKind::Vae,
        AssetKind::Controlnet,
        AssetKind::Upscaler,
        AssetKind::Clip,
        AssetKind::TextEncoder,
        AssetKind::DiffusionModel,
        AssetKind::Embedding,
        AssetKind::Unet,
    ] {
        assert!(kinds.contains(&k), "no {k} in the demo");
    }
    // An orphan without a manifest whose kind comes from its safetensors header only.
    let local = store.layout().blobs();
    let sniffed = inv
        .items
        .iter()
        .find(|i| i.status == BlobStatus::Orphan && i.kind != AssetKind::Unknown && i.on_local && !local.meta(&i.sha256).exists());
    let sniffed = sniffed.expect("an orphan named by nothing but its header");
    assert_eq!(sniffed.kind, AssetKind::Lora);
    // Orphans with a manifest keep a human name.
    assert!(inv.items.iter().any(|i| i.status == BlobStatus::Orphan && i.display_name.ends_with(".safetensors")));

    // Sharing: a blob in several packs, and one used twice by one pack.
    assert!(inv.items.iter().any(|i| i.used_by_packs.len() >= 2));
    assert!(inv.items.iter().any(|i| i.ref_count as usize > i.used_by_packs.len()));

    // The missing blob can be downloaded again, and its interrupted download is still there.
    let missing = inv.items.iter().find(|i| i.status == BlobStatus::Missing).unwrap();
    let set = packs::load_all(store.layout()).unwrap();
    let refs: Vec<_> = set.packs.iter().flat_map(|p| p.blob_refs().unwrap()).filter(|r| r.sha256 == missing.sha256).collect();
    assert!(refs.iter().any(|r| r.urls.iter().any(|u| u.starts_with("https://"))), "{refs:?}");
    assert!(local.part(&missing.sha256).is_file());
    let scan = blobs::scan(&local).unwrap();
    assert_eq!(scan.partials.len(), 1);
    assert!(scan.strays.is_empty(), "{:?}", scan.strays);

    // A pending artifact (`sha256: null`) and an unresolved dependency.
    let pending = set.packs.iter().flat_map(|p| p.lock.iter().flat_map(|l| &l.resolved)).filter(|r| r.artifact.sha256.is_none()).count();
    assert!(pending >= 1);
    assert!(set.packs.iter().any(|p| p.lock.as_ref().is_some_and(|l| !l.unresolved.is_empty())));

    // Real content-addressed files on both sides; the drive has its identity.
    let n_local = assert_content_addressed(local.root());
    let backup = BackupLayout::new(&info.backup_path);
    let n_backup = assert_content_addressed(backup.blobs().root());
    assert_eq!((n_local, n_backup), (info.blobs_local, info.blobs_backup));
    let id = fs::read_to_string(backup.id_file()).unwrap();
    assert!(uuid_like(id.trim()), "{id:?}");

    // The config keeps its other sections.
    let config = store.config().unwrap();
    assert!(config.backup.enabled);
    assert!(config.extra.contains_key("ui"), "{:?}", config.extra.keys());
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4 && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn demo_refuses_a_store_that_holds_packs() {
    let tmp = tempfile::tempdir().unwrap();
    let info = demo::create(tmp.path()).unwrap();
    let pack_json = info.store_root.join("state/packs/Juggernaut_XL/pack.json");
    let before = fs::read(&pack_json).unwrap();
    let err = demo::create(tmp.path()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(err.to_string().contains("already holds"), "{err}");
    assert_eq!(fs::read(&pack_json).unwrap(), before, "the first demo is untouched");
}

#[test]
fn demo_goes_into_an_existing_empty_store() {
    let tmp = tempfile::tempdir().unwrap();
    Store::init(&tmp.path().join("store")).unwrap();
    let info = demo::create(tmp.path()).unwrap();
    assert!(info.packs > 0);
}

#[test]
fn demo_is_the_same_every_time() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let hashes = |dir: &Path| -> Vec<String> {
        let info = demo::create(dir).unwrap();
        let store = Store::open(&info.store_root).unwrap();
        inventory::build(&store).unwrap().items.iter().map(|i| i.sha256.to_string()).collect()
    };
    assert_eq!(hashes(a.path()), hashes(b.path()));
}

#[test]
fn demo_has_a_second_target_and_a_policy_some_models_fall_short_of() {
    let dir = tempfile::tempdir().unwrap();
    let info = demo::create(dir.path()).unwrap();
    assert_eq!(assert_content_addressed(BackupLayout::new(&info.nas_path).blobs().root()), 3);
    let store = Store::open(&info.store_root).unwrap();
    let inv = inventory::build(&store).unwrap();
    let names: Vec<&str> = inv.summary.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["backup", demo::NAS]);
    assert!(inv.summary.targets.iter().all(|t| t.connected));
    assert_eq!(inv.policy.min_copies, 2);
    let three = inv.items.iter().filter(|it| it.copies_count == 3).count();
    assert_eq!(three, 3, "three models are on both drives and this disk");
    assert!(inv.items.iter().filter(|it| it.good_on(demo::NAS)).all(|it| it.copies.iter().all(|c| c.verified_at.is_some())));
    assert!(inv.summary.blobs_below_policy > 0, "some referenced models have one copy only");
    assert!(inv.items.iter().any(|it| it.min_copies == 2 && it.copies_count == 1 && it.location == Location::LocalOnly));
}
