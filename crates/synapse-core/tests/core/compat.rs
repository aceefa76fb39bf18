//! Stores written by the original Python Synapse: read as they are, rewritten
//! without losing a field (SPEC §2, compatibility rule).

use std::fs;

use serde_json::{json, Value};
use synapse_core::ids::PackName;
use synapse_core::model::{AssetKind, BlobStatus};
use synapse_core::packs::{self, NewFile};
use synapse_core::progress::{CancelToken, Control, NoProgress};

use crate::support::{content, Fixture};

/// A pack as the original writes it: previews, parameters, model info,
/// selectors with civitai ids, fields this program has never heard of.
fn original_pack(name: &str) -> Value {
    json!({
        "schema": "synapse.pack.v2",
        "name": name,
        "pack_type": "lora",
        "pack_category": "external",
        "source": {"provider": "civitai", "model_id": 58390, "version_id": 62833, "url": "https://civitai.com/models/58390"},
        "description": "<p>Detail tweaker</p>",
        "created_at": "2026-01-20T10:00:00Z",
        "base_model": "SD 1.5",
        "version_name": "v1.0",
        "tags": ["detail", "tool", "concept"],
        "user_tags": ["favourite"],
        "trigger_words": [],
        "previews": [
            {"filename": "001.jpeg", "url": "https://image.civitai.com/x/001.jpeg", "nsfw": false, "width": 512, "height": 768,
             "meta": {"prompt": "masterpiece", "seed": 12345, "steps": 30, "cfg": 7, "sampler": "DPM++ 2M Karras"}}
        ],
        "cover_url": null,
        "parameters": {"strength": 0.8, "clip_skip": 2, "cfg_scale": 7, "steps": 25, "sampler": "Euler a"},
        "model_info": {"model_type": "LORA", "base_model": "SD 1.5", "trained_words": [], "hash_autov2": "ABCDEF1234", "nsfw": false},
        "workflows": [{"name": "default.json", "filename": "workflows/default.json", "is_default": true}],
        "dependencies": [
            {
                "id": "main-lora",
                "kind": "lora",
                "required": true,
                "selector": {"strategy": "civitai_file", "civitai": {"model_id": 58390, "version_id": 62833, "file_id": 1}, "base_model": null, "constraints": {"primary_file_only": true, "file_ext": [".safetensors"]}},
                "update_policy": {"mode": "pinned"},
                "expose": {"filename": "add_detail.safetensors", "trigger_words": [], "strength": 1.0},
                "description": "Add More Details"
            },
            {
                "id": "base-checkpoint",
                "kind": "checkpoint",
                "required": false,
                "selector": {"strategy": "base_model_hint", "base_model": "SD1.5"},
                "update_policy": {"mode": "follow_latest"},
                "expose": {"filename": "v1-5-pruned-emaonly.safetensors", "trigger_words": []}
            }
        ],
        "pack_dependencies": [],
        "future_field": {"nested": [1, 2, {"deep": true}]}
    })
}

fn original_lock(name: &str, sha: &str, size: u64) -> Value {
    json!({
        "schema": "synapse.lock.v2",
        "pack": name,
        "resolved_at": "2026-01-24T08:00:00",
        "resolved": [{
            "dependency_id": "main-lora",
            "artifact": {
                "kind": "lora",
                "sha256": sha,
                "size_bytes": size,
                "provider": {"name": "civitai", "model_id": 58390, "version_id": 62833, "file_id": 1, "repo_id": null,
                             "filename": "add_detail_v1.safetensors", "revision": null},
                "download": {"urls": ["https://civitai.com/api/download/models/62833"]},
                "integrity": {"sha256_verified": true}
            },
            "resolved_by": "civitai"
        }, {
            "dependency_id": "base-checkpoint",
            "artifact": {
                "kind": "checkpoint",
                "sha256": null,
                "size_bytes": null,
                "provider": {"name": "huggingface", "model_id": null, "version_id": null, "file_id": null,
                             "repo_id": "runwayml/stable-diffusion-v1-5", "filename": "v1-5-pruned-emaonly.safetensors", "revision": "main"},
                "download": {"urls": []},
                "integrity": {"sha256_verified": false}
            }
        }],
        "unresolved": [{"dependency_id": "base-checkpoint", "reason": "not downloaded", "details": {"hint": "run resolve"}}],
        "lock_extra": 42
    })
}

fn write_original(f: &Fixture, name: &str, sha: &str, size: u64) {
    let dir = f.store.layout().packs().join(name);
    fs::create_dir_all(dir.join("resources/previews")).unwrap();
    fs::write(dir.join("pack.json"), serde_json::to_vec_pretty(&original_pack(name)).unwrap()).unwrap();
    fs::write(dir.join("lock.json"), serde_json::to_vec_pretty(&original_lock(name, sha, size)).unwrap()).unwrap();
    fs::write(dir.join("resources/previews/001.jpeg"), b"\xff\xd8\xff preview").unwrap();
}

#[test]
fn original_pack_is_read_with_its_references() {
    let f = Fixture::new();
    let bytes = content("add-detail", 4096);
    let sha = f.put_local(&bytes);
    write_original(&f, "Detail Tweaker", sha.as_str(), bytes.len() as u64);

    let inv = f.inventory();
    assert!(inv.summary.pack_errors.is_empty(), "{:?}", inv.summary.pack_errors);
    let item = inv.get(&sha).expect("blob in inventory");
    assert_eq!(item.status, BlobStatus::Referenced);
    assert_eq!(item.kind, AssetKind::Lora);
    // expose.filename wins over the provider filename.
    assert_eq!(item.display_name, "add_detail.safetensors");
    assert_eq!(item.used_by_packs, vec!["Detail Tweaker".to_owned()]);
    let origin = item.origin.as_ref().unwrap();
    assert_eq!(origin.provider.as_deref(), Some("civitai"));
    assert_eq!(origin.filename.as_deref(), Some("add_detail_v1.safetensors"));
    assert_eq!(origin.model_id, Some(json!(58390)));
    // The null-sha256 artifact references nothing and is not an error.
    assert_eq!(inv.items.len(), 1);
}

#[test]
fn pack_add_rewrites_without_losing_fields() {
    let f = Fixture::new();
    let bytes = content("add-detail", 4096);
    let sha = f.put_local(&bytes);
    write_original(&f, "Detail Tweaker", sha.as_str(), bytes.len() as u64);
    let new_file = f.dir.path().join("extra_lora.safetensors");
    fs::write(&new_file, content("extra", 2048)).unwrap();

    let name = PackName::parse("Detail Tweaker").unwrap();
    let cancel = CancelToken::new();
    packs::add(&f.store, &name, &[NewFile { path: new_file, kind: Some(AssetKind::Lora) }], Control::new(&NoProgress, &cancel)).unwrap();

    let dir = f.store.layout().pack_dir(&name);
    let pack: Value = serde_json::from_slice(&fs::read(dir.join("pack.json")).unwrap()).unwrap();
    let lock: Value = serde_json::from_slice(&fs::read(dir.join("lock.json")).unwrap()).unwrap();
    let (orig_pack, orig_lock) = (original_pack("Detail Tweaker"), original_lock("Detail Tweaker", sha.as_str(), 4096));

    // Every original top-level field is still there with the same value, except
    // the dependency lists, which gained exactly one entry at the end.
    for (k, v) in orig_pack.as_object().unwrap() {
        if k != "dependencies" {
            assert_eq!(&pack[k], v, "pack.json field {k} changed");
        }
    }
    let deps = pack["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 3);
    assert_eq!(&deps[..2], orig_pack["dependencies"].as_array().unwrap().as_slice(), "existing dependencies changed");
    for (k, v) in orig_lock.as_object().unwrap() {
        if k != "resolved" {
            assert_eq!(&lock[k], v, "lock.json field {k} changed");
        }
    }
    let resolved = lock["resolved"].as_array().unwrap();
    assert_eq!(&resolved[..2], orig_lock["resolved"].as_array().unwrap().as_slice(), "existing lock entries changed");
    assert_eq!(resolved[2]["artifact"]["kind"], "lora");
    // Singular `artifact` (the seeds' bug #20).
    assert!(resolved[2].get("artifacts").is_none());
    // The pack's other files are untouched.
    assert_eq!(fs::read(dir.join("resources/previews/001.jpeg")).unwrap(), b"\xff\xd8\xff preview");
}

#[test]
fn config_keeps_unknown_sections() {
    let f = Fixture::new();
    let original = json!({
        "schema": "synapse.config.v2",
        "defaults": {"ui_set": "local", "conflicts_mode": "last_wins"},
        "ui": {"known": ["comfyui", "forge"], "kind_map": {"comfyui": {"lora": "models/loras"}}},
        "providers": {"civitai": {"api_key_env": "CIVITAI_API_KEY"}},
        "base_model_aliases": {"SDXL": {"kind": "checkpoint"}},
        "backup": {"enabled": false, "path": null, "auto_backup_new": false, "warn_before_delete_last_copy": true, "note": "keep me"},
        "ui_targets": [{"name": "comfyui", "kind": "comfyui", "path": "/home/user/ComfyUI", "extra": 1}]
    });
    fs::write(f.store.layout().config(), serde_json::to_vec(&original).unwrap()).unwrap();
    let mut c = f.store.config().unwrap();
    c.backup.enabled = true;
    c.backup.path = Some("/media/usb/synapse".into());
    f.store.save_config(&c).unwrap();
    let after: Value = serde_json::from_slice(&fs::read(f.store.layout().config()).unwrap()).unwrap();
    for k in ["defaults", "ui", "providers", "base_model_aliases", "ui_targets"] {
        assert_eq!(after[k], original[k], "config field {k} changed");
    }
    assert_eq!(after["backup"]["note"], "keep me");
    assert_eq!(after["backup"]["enabled"], true);
    assert_eq!(after["backup"]["path"], "/media/usb/synapse");
}

#[test]
fn unreadable_pack_is_reported_not_skipped() {
    let f = Fixture::new();
    let sha = f.put_local(&content("x", 100));
    f.write_pack("Good", &[("a", &sha, AssetKind::Vae, 100, "vae.safetensors")]);
    let bad = f.store.layout().packs().join("Broken");
    fs::create_dir_all(&bad).unwrap();
    fs::write(bad.join("pack.json"), b"{ not json").unwrap();
    let lock_only = f.store.layout().packs().join("BadHash");
    fs::create_dir_all(&lock_only).unwrap();
    fs::write(lock_only.join("pack.json"), br#"{"schema":"synapse.pack.v2","name":"BadHash","dependencies":[]}"#).unwrap();
    fs::write(
        lock_only.join("lock.json"),
        br#"{"schema":"synapse.lock.v2","resolved":[{"dependency_id":"d","artifact":{"sha256":"../../etc/passwd"}}]}"#,
    )
    .unwrap();

    let inv = f.inventory();
    let names: Vec<_> = inv.summary.pack_errors.iter().map(|e| e.pack.as_str()).collect();
    assert_eq!(names, ["BadHash", "Broken"]);
    assert!(inv.summary.pack_errors[1].reason.contains("pack.json"), "{}", inv.summary.pack_errors[1].reason);
    assert_eq!(inv.get(&sha).unwrap().status, BlobStatus::Referenced);
}

/// The inventory reads packs through a lean view (`packs::load_all_refs`);
/// `pack list`, cleanup and rewrites through the full schema (`load_all`).
/// Both must see the same references and reject the same files.
#[test]
fn lean_and_full_pack_readers_agree() {
    let f = Fixture::new();
    let bytes = content("add-detail", 4096);
    let sha = f.put_local(&bytes);
    write_original(&f, "Detail Tweaker", sha.as_str(), bytes.len() as u64);
    f.write_pack("Good", &[("a", &sha, AssetKind::Vae, 100, "vae.safetensors")]);
    for (name, pack, lock) in [
        ("NotJson", "{ not json", None),
        ("NoName", r#"{"schema":"synapse.pack.v2","dependencies":[]}"#, None),
        ("BadHash", r#"{"name":"BadHash"}"#, Some(r#"{"resolved":[{"dependency_id":"d","artifact":{"sha256":"../x"}}]}"#)),
        ("NoArtifact", r#"{"name":"NoArtifact"}"#, Some(r#"{"resolved":[{"dependency_id":"d"}]}"#)),
        ("BadSize", r#"{"name":"BadSize"}"#, Some(r#"{"resolved":[{"dependency_id":"d","artifact":{"size_bytes":"big"}}]}"#)),
    ] {
        let dir = f.store.layout().packs().join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("pack.json"), pack).unwrap();
        if let Some(lock) = lock {
            fs::write(dir.join("lock.json"), lock).unwrap();
        }
    }

    let layout = f.store.layout();
    let full = synapse_core::packs::load_all(layout).unwrap();
    let lean = synapse_core::packs::load_all_refs(layout).unwrap();
    let error_names = |errors: &[synapse_core::model::PackError]| errors.iter().map(|e| e.pack.clone()).collect::<Vec<_>>();
    assert_eq!(error_names(&lean.errors), ["BadHash", "BadSize", "NoArtifact", "NoName", "NotJson"]);
    assert_eq!(error_names(&full.errors), error_names(&lean.errors));
    assert_eq!(full.packs.len(), 2);
    for (p, r) in full.packs.iter().zip(&lean.packs) {
        assert_eq!(p.name, r.name);
        assert_eq!(format!("{:?}", p.blob_refs().unwrap()), format!("{:?}", r.refs));
    }
}

/// Regression (issue 12): `bytes_total` and `bytes_referenced` added the bytes
/// only the backup holds, and `bytes_by_kind` left out missing blobs. The
/// original program (and its UI, and users' scripts) read them as: local bytes
/// only; local orphans only; by kind over every item known anywhere, a missing
/// blob at its lock's `size_bytes` (SPEC §3.2).
#[test]
fn summary_bytes_do_not_count_backup_only_blobs_as_local() {
    let f = crate::support::Fixture::with_backup();
    let local = content("local-lora", 4096);
    let local_sha = f.put_local(&local);
    write_original(&f, "Local Pack", local_sha.as_str(), 4096);
    let on_backup = content("backup-lora", 3000);
    let backup_sha = f.put_backup(&on_backup);
    write_original(&f, "Backup Pack", backup_sha.as_str(), 3000);
    let missing = crate::support::sha_of(b"on no drive at all");
    write_original(&f, "Missing Pack", missing.as_str(), 7777);
    f.put_local(&content("orphan-local", 400));
    f.put_backup(&content("orphan-backup", 600));

    let s = f.inventory().summary;
    assert_eq!((s.blobs_total, s.blobs_referenced, s.blobs_backup_only, s.blobs_missing, s.blobs_orphan), (5, 1, 1, 1, 2));
    assert_eq!(s.bytes_total, 4096 + 400, "local bytes only");
    assert_eq!(s.bytes_referenced, 4096, "referenced bytes present locally");
    assert_eq!(s.bytes_orphan, 400, "local orphans only");
    let by_kind: Vec<(AssetKind, u64)> = s.bytes_by_kind.into_iter().collect();
    assert_eq!(by_kind, [(AssetKind::Lora, 4096 + 3000 + 7777), (AssetKind::Unknown, 400 + 600)]);
    // The backup side's bytes are reported where they belong.
    assert_eq!(s.backup.bytes_backup_only, 3000 + 600);
    assert_eq!(s.backup.bytes_local_only, 4096 + 400);
}

/// Regression (issue 12): deleting a blob from both sides reported its size
/// twice in `bytes_freed`; the original (and SPEC §3.3) reports it once.
#[test]
fn delete_from_both_sides_frees_the_size_once() {
    use synapse_core::model::{DeleteTarget, Remaining};
    let f = crate::support::Fixture::with_backup();
    let bytes = content("add-detail", 4096);
    let sha = f.put_local(&bytes);
    f.put_backup(&bytes);
    write_original(&f, "Detail Tweaker", sha.as_str(), 4096);

    let r = synapse_core::guard::delete(&f.store, &sha, DeleteTarget::Both, true).unwrap();
    assert_eq!(r.deleted_from, ["backup", "local"]);
    assert_eq!(r.remaining_on, Remaining::Nowhere);
    assert_eq!(r.bytes_freed, 4096);
    assert!(!f.local_path(&sha).exists() && !f.backup_path(&sha).exists());
}

/// Regression (issue 12): a config the original wrote with backup enabled and
/// no path was reported as disabled. It is enabled and not connected, with
/// the error "no backup path configured" (SPEC §3.6); operations that need
/// the drive refuse with `backup_not_connected`.
#[test]
fn enabled_backup_without_a_path_is_enabled_and_not_connected() {
    use synapse_core::backup::{self, BackupState};
    use synapse_core::ErrorCode;
    let f = crate::support::Fixture::new();
    let config = json!({
        "schema": "synapse.config.v2",
        "defaults": {"ui_set": "local"},
        "backup": {"enabled": true, "path": null, "auto_backup_new": false, "warn_before_delete_last_copy": true},
        "ui_targets": []
    });
    fs::write(f.store.layout().config(), serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    let bytes = content("add-detail", 4096);
    let sha = f.put_local(&bytes);
    write_original(&f, "Detail Tweaker", sha.as_str(), 4096);

    let s = backup::status(&f.store).unwrap();
    assert!(s.enabled && !s.connected, "{s:?}");
    assert_eq!(s.error.as_deref(), Some("no backup path configured"));
    assert_eq!(s.path, None);
    assert!(matches!(BackupState::detect(&f.store.config().unwrap()), BackupState::NoPath));
    let summary = f.inventory().summary.backup;
    assert!(summary.enabled && !summary.connected);

    let cancel = CancelToken::new();
    let err = synapse_core::sync::backup_blob(&f.store, &sha, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    assert!(err.to_string().contains("no backup path configured"), "{err}");
}

/// Regression (issue 12): `backup restore` of a blob that is already local
/// (and not on the drive), and `backup blob` of one already on the drive (and
/// not local), failed with `not_found`. Copying a blob that is already at its
/// destination is a no-op reported as such (SPEC §3.6).
#[test]
fn copying_a_blob_already_at_its_destination_is_a_no_op() {
    use synapse_core::model::SyncDirection;
    let f = crate::support::Fixture::with_backup();
    let local = content("local-lora", 4096);
    let local_sha = f.put_local(&local);
    write_original(&f, "Local Pack", local_sha.as_str(), 4096);
    let remote = content("backup-lora", 3000);
    let remote_sha = f.put_backup(&remote);
    write_original(&f, "Backup Pack", remote_sha.as_str(), 3000);
    let cancel = CancelToken::new();
    let ctl = || Control::new(&NoProgress, &cancel);

    let r = synapse_core::sync::restore_blob(&f.store, &local_sha, ctl()).unwrap();
    assert!(r.already_present, "{r:?}");
    assert_eq!((r.direction, r.size_bytes, r.bytes_copied), (SyncDirection::FromBackup, 4096, 0));
    assert_eq!(r.path, f.local_path(&local_sha));
    assert!(!f.backup_path(&local_sha).exists(), "a restore never writes to the drive");

    let r = synapse_core::sync::backup_blob(&f.store, &remote_sha, ctl()).unwrap();
    assert!(r.already_present, "{r:?}");
    assert_eq!((r.direction, r.size_bytes, r.bytes_copied), (SyncDirection::ToBackup, 3000, 0));
    assert_eq!(r.display_name, "add_detail.safetensors");
    assert!(!f.local_path(&remote_sha).exists(), "a backup never writes to the local store");

    // A blob on neither side is still not found.
    let nowhere = crate::support::sha_of(b"nowhere");
    let err = synapse_core::sync::restore_blob(&f.store, &nowhere, ctl()).unwrap_err();
    assert_eq!(err.code(), synapse_core::ErrorCode::NotFound);
}

/// A profile as the original writes it (`json.dump(indent=2, sort_keys=True)`).
fn write_profile(f: &Fixture, name: &str, packs: &[&str]) -> std::path::PathBuf {
    let path = f.store.layout().state().join("profiles").join(name).join("profile.json");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let profile = json!({
        "conflicts": {"mode": "last_wins"},
        "name": name,
        "packs": packs.iter().map(|p| json!({"name": p})).collect::<Vec<_>>(),
        "schema": "synapse.profile.v1",
        "future_field": {"keep": [1, 2]}
    });
    let mut bytes = serde_json::to_vec_pretty(&profile).unwrap();
    bytes.push(b'\n');
    fs::write(&path, bytes).unwrap();
    path
}

/// Regression (issue 12): `pack delete` left the pack in
/// `profiles/global/profile.json` (and every other profile). The original
/// removes it; so must we (SPEC §3.8), keeping every other field and entry.
#[test]
fn pack_delete_removes_the_pack_from_every_profile() {
    let f = Fixture::new();
    let bytes = content("add-detail", 4096);
    let sha = f.put_local(&bytes);
    write_original(&f, "Detail Tweaker", sha.as_str(), 4096);
    write_original(&f, "Other", sha.as_str(), 4096);
    let global = write_profile(&f, "global", &["Other", "Detail Tweaker", "Third"]);
    let work = write_profile(&f, "work__Detail Tweaker", &["Other", "Detail Tweaker"]);
    let untouched = write_profile(&f, "work__Other", &["Other"]);
    let untouched_before = fs::read(&untouched).unwrap();

    let name = PackName::parse("Detail Tweaker").unwrap();
    let r = packs::delete(&f.store, &name).unwrap();
    assert_eq!(r.removed_from_profiles, ["global", "work__Detail Tweaker"]);
    assert!(!f.store.layout().pack_dir(&name).exists());

    let read = |p: &std::path::Path| serde_json::from_slice::<Value>(&fs::read(p).unwrap()).unwrap();
    let g = read(&global);
    assert_eq!(g["packs"], json!([{"name": "Other"}, {"name": "Third"}]), "order and other entries kept");
    assert_eq!(g["future_field"], json!({"keep": [1, 2]}));
    assert_eq!(
        (g["schema"].clone(), g["name"].clone(), g["conflicts"].clone()),
        (json!("synapse.profile.v1"), json!("global"), json!({"mode": "last_wins"}))
    );
    assert_eq!(read(&work)["packs"], json!([{"name": "Other"}]));
    assert_eq!(fs::read(&untouched).unwrap(), untouched_before, "a profile without the pack is not rewritten");
    // No temporary files are left beside the profiles.
    let leftovers: Vec<_> = fs::read_dir(global.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["profile.json"]);
}

/// An unreadable profile refuses the delete before anything is touched:
/// otherwise it would keep naming a pack that no longer exists.
#[test]
fn pack_delete_refuses_while_a_profile_is_unreadable() {
    let f = Fixture::new();
    let sha = f.put_local(&content("add-detail", 4096));
    write_original(&f, "Detail Tweaker", sha.as_str(), 4096);
    let global = write_profile(&f, "global", &["Detail Tweaker"]);
    let broken = f.store.layout().state().join("profiles/broken/profile.json");
    fs::create_dir_all(broken.parent().unwrap()).unwrap();
    fs::write(&broken, b"{ not json").unwrap();
    let before = fs::read(&global).unwrap();

    let name = PackName::parse("Detail Tweaker").unwrap();
    let err = packs::delete(&f.store, &name).unwrap_err();
    assert_eq!(err.code(), synapse_core::ErrorCode::InvalidFile, "{err}");
    assert!(err.to_string().contains("profile.json"), "{err}");
    assert!(f.store.layout().pack_dir(&name).join("pack.json").exists(), "nothing deleted");
    assert_eq!(fs::read(&global).unwrap(), before);
}

/// Regression (issue 12): a `from_backup` sync left backup-only orphans
/// behind without saying so; the result counts them.
#[test]
fn from_backup_sync_counts_the_orphans_it_leaves() {
    use synapse_core::model::SyncDirection;
    use synapse_core::sync::{self, SyncOptions};
    let f = crate::support::Fixture::with_backup();
    let wanted = f.put_backup(&content("backup-lora", 3000));
    write_original(&f, "Backup Pack", wanted.as_str(), 3000);
    f.put_backup(&content("orphan-backup", 600));
    let cancel = CancelToken::new();
    let opts = SyncOptions { direction: SyncDirection::FromBackup, ..Default::default() };
    let r = sync::sync(&f.store, opts, Control::new(&NoProgress, &cancel)).unwrap();
    assert_eq!((r.blobs_to_sync, r.bytes_to_sync), (1, 3000));
    assert_eq!((r.orphans_skipped, r.bytes_orphans_skipped), (1, 600));
    let r = sync::sync(&f.store, SyncOptions { include_orphans: true, ..opts }, Control::new(&NoProgress, &cancel)).unwrap();
    assert_eq!((r.blobs_to_sync, r.orphans_skipped), (2, 0));
}

/// Regression (issue 12): manifests copied beside the blobs on the backup
/// made the original program count phantom `<sha>.meta` orphans (and its
/// cleanup then deleted the local manifest of a referenced blob). A sync now
/// writes manifests to `data/meta/`, and the next mutating backup operation
/// moves the ones earlier versions left beside the blobs; both are read.
#[test]
fn backup_blob_folders_hold_blob_files_only_and_old_manifests_move_to_data_meta() {
    let f = crate::backup::enabled();
    let old = f.put_backup(&content("backed up by an earlier version", 700));
    fs::write(f.backup_layout().blobs().legacy_meta(&old), br#"{"version":1,"original_filename":"old.safetensors","kind":"lora"}"#)
        .unwrap();
    let new = f.put_local(&content("new lora", 900));
    let manifest = synapse_core::schema::BlobManifest::local("new.safetensors", AssetKind::Lora);
    synapse_core::blobs::write_manifest_if_absent(&f.store.layout().blobs(), &new, &manifest).unwrap();
    let opts = synapse_core::sync::SyncOptions { dry_run: false, ..Default::default() };
    crate::backup::quiet(|ctl| synapse_core::sync::sync(&f.store, opts, ctl)).unwrap();
    // What the original program lists: every file in the backup's fan-out folders.
    let mut in_blob_folders = Vec::new();
    for fan in fs::read_dir(f.backup_layout().blobs().root()).unwrap() {
        for e in fs::read_dir(fan.unwrap().path()).unwrap() {
            in_blob_folders.push(e.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    in_blob_folders.sort();
    let mut want = vec![old.to_string(), new.to_string()];
    want.sort();
    assert_eq!(in_blob_folders, want, "nothing but blob files in the backup's blob folders");
    let backup_blobs = f.backup_layout().blobs();
    for sha in [&old, &new] {
        assert!(backup_blobs.meta(sha).is_file(), "{sha}: its manifest is in data/meta");
    }
    let m = synapse_core::blobs::read_manifest(&backup_blobs, &old).unwrap();
    assert_eq!(m.original_filename.as_deref(), Some("old.safetensors"));
}

/// Issue 11: renaming a pack. Its folder, pack.json and lock.json, the
/// profiles (in the original's format, unknown fields kept) and the record of
/// its UI links take the new name; a taken name is refused and changes nothing.
#[test]
fn pack_rename_moves_the_pack_its_profiles_and_its_link_record() {
    let f = Fixture::new();
    let sha = f.put_local(&content("renamed model", 300));
    f.write_pack("Old", &[("m", &sha, AssetKind::Lora, 300, "m.safetensors")]);
    f.write_pack("Taken", &[("m", &sha, AssetKind::Lora, 300, "m.safetensors")]);
    let profile = write_profile(&f, "global", &["Old", "Taken"]);
    let old = PackName::parse("Old").unwrap();
    let err = packs::rename(&f.store, &old, &PackName::parse("Taken").unwrap()).unwrap_err();
    assert_eq!(err.code(), synapse_core::ErrorCode::AlreadyExists);
    assert!(f.store.layout().pack_dir(&old).is_dir(), "nothing changed");

    let new = PackName::parse("New name").unwrap();
    let r = packs::rename(&f.store, &old, &new).unwrap();
    assert_eq!(r.profiles, vec!["global".to_owned()]);
    assert!(!f.store.layout().pack_dir(&old).exists() && f.store.layout().pack_dir(&new).is_dir());
    let p = packs::load(f.store.layout(), &new).unwrap();
    assert_eq!(p.pack.name, "New name");
    assert_eq!(p.lock.unwrap().pack.as_deref(), Some("New name"));
    let v: Value = serde_json::from_slice(&fs::read(&profile).unwrap()).unwrap();
    assert_eq!(v["packs"], json!([{"name": "New name"}, {"name": "Taken"}]));
    assert_eq!(v["future_field"], json!({"keep": [1, 2]}), "unknown fields survive");
    let item = f.inventory().get(&sha).unwrap().clone();
    assert!(item.used_by_packs.contains(&"New name".to_owned()), "{item:?}");
}
