//! Inventory: every status × location, names, kinds, summary and queries.

use std::fs;

use synapse_core::inventory::{Query, SortKey};
use synapse_core::model::{AssetKind, BackupSource, BlobStatus, Location};
use synapse_core::schema::BlobManifest;
use synapse_core::{blobs, ErrorCode};
use synapse_demo::write_fake_safetensors;

use crate::support::{content, matrix, Fixture};

#[test]
fn every_status_and_location() {
    let m = matrix();
    let inv = m.f.inventory();
    let expect = [
        (&m.ref_local, BlobStatus::Referenced, Location::LocalOnly),
        (&m.ref_both, BlobStatus::Referenced, Location::Both),
        (&m.ref_backup, BlobStatus::BackupOnly, Location::BackupOnly),
        (&m.missing, BlobStatus::Missing, Location::Nowhere),
        (&m.orphan_local, BlobStatus::Orphan, Location::LocalOnly),
        (&m.orphan_both, BlobStatus::Orphan, Location::Both),
        (&m.orphan_backup, BlobStatus::Orphan, Location::BackupOnly),
    ];
    assert_eq!(inv.items.len(), expect.len());
    for (sha, status, location) in expect {
        let it = inv.get(sha).unwrap();
        assert_eq!((it.status, it.location), (status, location), "{}", it.display_name);
        assert_eq!(it.on_local, matches!(location, Location::LocalOnly | Location::Both));
        assert_eq!(it.on_backup, matches!(location, Location::BackupOnly | Location::Both));
    }
    let both = inv.get(&m.ref_both).unwrap();
    assert_eq!(both.used_by_packs, ["Pack A", "Pack B"]);
    assert_eq!(both.ref_count, 2);
    assert_eq!(inv.get(&m.missing).unwrap().size_bytes, 7777, "missing blobs take their size from the lock");
    assert_eq!(inv.get(&m.ref_backup).unwrap().kind, AssetKind::Upscaler);

    let s = &inv.summary;
    assert_eq!((s.blobs_total, s.blobs_referenced, s.blobs_orphan, s.blobs_missing, s.blobs_backup_only), (7, 2, 3, 1, 1));
    // Local bytes only (SPEC §3.2, the original's meanings): the backup-only
    // blobs are in `backup.bytes_backup_only`.
    assert_eq!(s.bytes_total, 1000 + 2000 + 400 + 500);
    assert_eq!(s.bytes_referenced, 1000 + 2000);
    assert_eq!(s.bytes_orphan, 400 + 500);
    let by_kind: Vec<(AssetKind, u64)> = s.bytes_by_kind.clone().into_iter().collect();
    assert_eq!(
        by_kind,
        [
            (AssetKind::Checkpoint, 1000),
            (AssetKind::Lora, 7777),
            (AssetKind::Vae, 2000),
            (AssetKind::Upscaler, 3000),
            (AssetKind::Unknown, 400 + 500 + 600)
        ],
        "every item known anywhere, the missing one at its lock size"
    );
    let b = &s.backup;
    assert!(b.enabled && b.connected);
    assert_eq!(b.source, BackupSource::Live);
    assert_eq!((b.blobs_local_only, b.blobs_backup_only, b.blobs_both), (2, 2, 2));
    assert_eq!((b.bytes_local_only, b.bytes_backup_only, b.bytes_synced), (1400, 3600, 2500));
}

#[test]
fn disconnected_backup_is_not_an_empty_backup() {
    let m = matrix();
    let away = m.f.unplug();
    let inv = m.f.inventory();
    assert!(inv.summary.backup.enabled);
    assert!(!inv.summary.backup.connected);
    // Without the drive and with no catalog recorded yet (it was never
    // scanned), what only it held cannot be shown as present. With a catalog
    // it is shown as cached: `backup::the_inventory_shows_the_unplugged_drive_from_the_catalog`.
    assert_eq!(inv.get(&m.ref_both).unwrap().location, Location::LocalOnly);
    assert_eq!(inv.backup.require().unwrap_err().code(), ErrorCode::BackupNotConnected);
    m.f.replug(&away);
    assert!(m.f.inventory().summary.backup.connected);

    // An empty mount point is an unplugged drive, not an empty backup.
    let empty = m.f.dir.path().join("mnt");
    fs::create_dir_all(&empty).unwrap();
    let mut c = m.f.store.config().unwrap();
    c.backup.path = Some(empty.to_string_lossy().into_owned());
    m.f.store.save_config(&c).unwrap();
    let inv = m.f.inventory();
    assert!(!inv.summary.backup.connected);
    let err = inv.backup.require().unwrap_err().to_string();
    assert!(err.contains("empty") && err.contains("unplugged"), "{err}");
}

#[test]
fn display_name_and_kind_fall_back_in_order() {
    let f = Fixture::new();
    // Orphan with a manifest: name and kind from it.
    let with_meta = f.put_local(&content("with-meta", 300));
    blobs::write_manifest_if_absent(&f.store.layout().blobs(), &with_meta, &BlobManifest::local("old_lora.safetensors", AssetKind::Lora))
        .unwrap();
    // Orphan without manifest, a safetensors VAE: kind from the header, name = hash prefix.
    let st = f.dir.path().join("x.safetensors");
    write_fake_safetensors(&st, &["encoder.down.0.block.0.conv1.weight", "decoder.up.0.block.0.conv1.weight"], &[], b"vae").unwrap();
    let header_only = f.put_local(&fs::read(&st).unwrap());
    // Orphan that is nothing recognisable.
    let plain = f.put_local(b"just bytes");

    let inv = f.inventory();
    let a = inv.get(&with_meta).unwrap();
    assert_eq!((a.display_name.as_str(), a.kind), ("old_lora.safetensors", AssetKind::Lora));
    let b = inv.get(&header_only).unwrap();
    assert_eq!((b.display_name.as_str(), b.kind), (header_only.short(), AssetKind::Vae));
    assert_eq!(inv.get(&plain).unwrap().kind, AssetKind::Unknown);
}

#[test]
fn a_blob_header_is_read_once_and_its_kind_kept_by_hash() {
    let f = Fixture::new();
    let st = f.dir.path().join("x.safetensors");
    write_fake_safetensors(&st, &["encoder.down.0.block.0.conv1.weight", "decoder.up.0.block.0.conv1.weight"], &[], b"vae").unwrap();
    let vae = f.put_local(&fs::read(&st).unwrap());
    let plain = f.put_local(b"just bytes");
    assert_eq!(f.inventory().get(&vae).unwrap().kind, AssetKind::Vae);
    // Recorded by hash, a file that is no safetensors as `unknown` (so it is not opened again either).
    let kinds: serde_json::Value = serde_json::from_slice(&fs::read(f.store.layout().cache().join("kinds.json")).unwrap()).unwrap();
    assert_eq!(kinds, serde_json::json!({ vae.as_str(): "vae", plain.as_str(): "unknown" }));
    // A blob's bytes never change under its name: the next build asks the record, not the file.
    let path = f.store.layout().blobs().blob(&vae);
    fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    fs::write(&path, b"no longer a header").unwrap();
    assert_eq!(f.inventory().get(&vae).unwrap().kind, AssetKind::Vae, "the kind comes from the record");
    // Losing the record only costs reading again.
    fs::remove_file(f.store.layout().cache().join("kinds.json")).unwrap();
    assert_eq!(f.inventory().get(&vae).unwrap().kind, AssetKind::Unknown);
}

#[test]
fn query_filters_sorts_and_pages_but_summary_covers_everything() {
    let m = matrix();
    let inv = m.f.inventory();
    let page = inv.query(&Query { status: Some(BlobStatus::Orphan), ..Query::default() });
    assert_eq!(page.total_matching, 3);
    let sizes: Vec<u64> = page.items.iter().map(|i| i.size_bytes).collect();
    assert_eq!(sizes, [600, 500, 400], "default sort is size_desc");
    assert_eq!(page.summary.blobs_total, 7);

    let page = inv.query(&Query { sort: SortKey::SizeAsc, limit: 2, offset: 1, ..Query::default() });
    assert_eq!(page.total_matching, 7);
    assert_eq!(page.items.iter().map(|i| i.size_bytes).collect::<Vec<_>>(), [500, 600]);

    let page = inv.query(&Query { location: Some(Location::Both), ..Query::default() });
    assert_eq!(page.items.len(), 2);
    let page = inv.query(&Query { kind: Some(AssetKind::Vae), ..Query::default() });
    assert_eq!(page.items.len(), 1);

    // Search: display name, pack name, hash prefix.
    assert_eq!(inv.query(&Query { search: Some("VAE.safe".into()), ..Query::default() }).items.len(), 1);
    assert_eq!(inv.query(&Query { search: Some("pack b".into()), ..Query::default() }).items.len(), 2);
    let prefix = &m.orphan_local.as_str()[..10];
    let hits = inv.query(&Query { search: Some(prefix.into()), ..Query::default() });
    assert_eq!(hits.items[0].sha256, m.orphan_local);

    let names: Vec<String> =
        inv.query(&Query { sort: SortKey::NameAsc, ..Query::default() }).items.into_iter().map(|i| i.display_name).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
}

#[test]
fn prefixes_resolve_uniquely_or_fail_clearly() {
    let m = matrix();
    let inv = m.f.inventory();
    assert_eq!(inv.resolve(&m.orphan_local.as_str()[..12]).unwrap(), m.orphan_local);
    assert_eq!(inv.resolve(&m.orphan_local.as_str().to_uppercase()).unwrap(), m.orphan_local);
    assert_eq!(inv.resolve("0000000000").unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(inv.resolve("abc").unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(inv.resolve("../../etc/passwd").unwrap_err().code(), ErrorCode::InvalidArgument);
}

#[test]
fn odd_files_in_the_blob_tree_are_not_blobs() {
    let f = Fixture::new();
    let sha = f.put_local(&content("real", 10));
    let root = f.store.layout().blobs().root().to_path_buf();
    let fan = root.join(sha.fanout());
    fs::write(fan.join(format!("{sha}.part")), b"partial").unwrap();
    fs::write(fan.join("README.txt"), b"stray").unwrap();
    // A valid-looking name in the wrong fan-out folder.
    let other = crate::support::sha_of(b"misfiled");
    let wrong = if other.fanout() == "00" { "01" } else { "00" };
    fs::create_dir_all(root.join(wrong)).unwrap();
    fs::write(root.join(wrong).join(other.as_str()), b"misfiled").unwrap();
    let scan = blobs::scan(&f.store.layout().blobs()).unwrap();
    assert_eq!(scan.blobs.len(), 1);
    assert_eq!(scan.partials.len(), 1);
    assert_eq!(scan.strays.len(), 2);
    assert_eq!(f.inventory().items.len(), 1);
}

/// One prefix resolution for the CLI and the app (SPEC §3.11): full hashes
/// need no inventory, a unique prefix of 8+ characters resolves, an ambiguous
/// or short one is refused with its own code.
#[test]
fn hash_arguments_resolve_the_same_way_for_every_caller() {
    let f = Fixture::new();
    let a = f.put_local(&content("resolve a", 100));
    let b = f.put_local(&content("resolve b", 100));
    let got = synapse_core::inventory::resolve_hashes(&f.store, &[&a.as_str()[..10], b.as_str()]).unwrap();
    assert_eq!(got, vec![a.clone(), b.clone()]);
    let short = synapse_core::inventory::resolve_hashes(&f.store, &[&a.as_str()[..7]]).unwrap_err();
    assert_eq!(short.code(), synapse_core::ErrorCode::InvalidArgument);
    let none = synapse_core::inventory::resolve_hashes(&f.store, &["00000000"]).unwrap_err();
    assert_eq!(none.code(), synapse_core::ErrorCode::NotFound);
}
