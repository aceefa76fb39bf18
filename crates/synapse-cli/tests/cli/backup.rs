//! `synapse backup …` (SPEC §3.6, §3.7, §5): the `--json` shapes and exit
//! codes of every command. Faults (kill -9, a drive pulled mid-sync, a full
//! drive) are in `backup_faults`.

use std::fs;

use serde_json::{json, Value};

use crate::support::{content, sha_hex, Env};

/// A store whose backup at `<tmp>/drive` was enabled through the CLI.
pub fn with_backup() -> Env {
    let env = Env::new();
    fs::create_dir_all(env.drive()).unwrap();
    let r = env.json(&["backup", "config", "--path", env.drive().to_str().unwrap(), "--enable"]);
    assert_eq!(r["connected"], true, "{r}");
    env
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn config_initialises_the_drive_and_status_describes_it() {
    let env = Env::new();
    let s = env.json(&["backup", "status"]);
    assert_eq!((s["enabled"].clone(), s["connected"].clone(), s["source"].clone()), (json!(false), json!(false), json!("none")));
    env.error(&["backup", "sync"], 4, "backup_not_enabled");

    let drive = env.drive();
    let r = env.json(&["backup", "config", "--path", drive.to_str().unwrap(), "--enable", "--auto-backup-new", "false"]);
    assert_eq!(
        keys(&r),
        [
            "adopted",
            "auto_backup_new",
            "backup_id",
            "changed",
            "connected",
            "enabled",
            "error",
            "initialized",
            "path",
            "warn_before_delete_last_copy"
        ]
    );
    assert_eq!((r["initialized"].clone(), r["enabled"].clone()), (json!(true), json!(true)));
    let id = fs::read_to_string(drive.join(".synapse/backup-id")).unwrap();
    assert_eq!(r["backup_id"], id.trim());

    let local = env.orphan(&content("local", 1000));
    env.backup_only(&content("remote", 3000));
    let s = env.json(&["backup", "status"]);
    assert_eq!(
        keys(&s),
        [
            "auto_backup_new",
            "backup_id",
            "blobs_backup_only",
            "blobs_both",
            "blobs_local_only",
            "bytes_backup_only",
            "bytes_local_only",
            "bytes_synced",
            "connected",
            "enabled",
            "error",
            "free_space",
            "last_sync",
            "path",
            "queued_auto_backups",
            "source",
            "state",
            "total_blobs",
            "total_bytes",
            "total_space",
            "warn_before_delete_last_copy"
        ]
    );
    assert_eq!((s["connected"].clone(), s["source"].clone(), s["state"].clone()), (json!(true), json!("live"), json!("connected")));
    assert_eq!(
        (s["blobs_local_only"].clone(), s["blobs_backup_only"].clone(), s["total_bytes"].clone()),
        (json!(1), json!(1), json!(3000))
    );
    let human = env.cmd().args(["backup", "status"]).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("connected") && text.contains("not backed up"), "{text}");
    let _ = local;

    // A path inside the store is refused as a usage error.
    let inside = env.root.join("backups");
    env.error(&["backup", "config", "--path", inside.to_str().unwrap(), "--enable"], 2, "invalid_argument");
    let r = env.json(&["backup", "config", "--warn-last-copy", "false"]);
    assert_eq!((r["warn_before_delete_last_copy"].clone(), r["changed"].clone()), (json!(false), json!(true)));
}

#[test]
fn sync_previews_copies_and_then_says_already_synced() {
    let env = with_backup();
    let shas = env.pack("Sync", &[("model.safetensors", &content("model", 40_000)), ("vae.pt", &content("vae", 20_000))], Some("vae"));
    let plan = env.json(&["backup", "sync"]);
    assert_eq!(
        keys(&plan),
        [
            "already_synced",
            "auto_backup",
            "blobs_synced",
            "blobs_to_sync",
            "bytes_orphans_skipped",
            "bytes_synced",
            "bytes_to_sync",
            "cancelled",
            "direction",
            "dry_run",
            "errors",
            "free_space",
            "items",
            "only_missing",
            "orphans_skipped",
            "skipped",
            "space_warning"
        ]
    );
    assert_eq!(
        (plan["dry_run"].clone(), plan["direction"].clone(), plan["blobs_to_sync"].clone()),
        (json!(true), json!("to_backup"), json!(2))
    );
    assert_eq!(plan["items"][0], json!({"sha256": shas[0], "display_name": "model.safetensors", "kind": "vae", "size_bytes": 40_000}));
    let text = String::from_utf8_lossy(&env.cmd().args(["backup", "sync"]).output().unwrap().stdout).into_owned();
    assert!(text.contains("model.safetensors") && text.contains("--execute"), "{text}");

    let done = env.json(&["backup", "sync", "--execute"]);
    assert_eq!((done["blobs_synced"].clone(), done["bytes_synced"].clone(), done["errors"].clone()), (json!(2), json!(60_000), json!([])));
    for sha in &shas {
        assert_eq!(fs::read(env.backup_blob_path(sha)).unwrap(), fs::read(env.blob_path(sha)).unwrap());
    }
    let again = env.json(&["backup", "sync", "--execute"]);
    assert_eq!(again["already_synced"], true);
    let out = env.cmd().args(["backup", "sync", "--execute"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("already synced"));
    assert!(env.json(&["inventory", "--summary"])["backup"]["last_sync"].is_string());

    // The other way: a referenced blob that only the drive has.
    fs::remove_file(env.blob_path(&shas[1])).unwrap();
    let back = env.json(&["backup", "sync", "--direction", "from_backup", "--execute"]);
    assert_eq!((back["direction"].clone(), back["blobs_synced"].clone()), (json!("from_backup"), json!(1)));
    assert!(env.blob_path(&shas[1]).is_file());
    env.error(&["backup", "sync", "--direction", "sideways"], 2, "invalid_argument");
}

#[test]
fn blob_restore_delete_and_verify_with_their_exit_codes() {
    let env = with_backup();
    let bytes = content("one blob", 50_000);
    let sha = env.orphan(&bytes);
    let r = env.json(&["backup", "blob", &sha[..12]]);
    assert_eq!(
        keys(&r),
        [
            "already_present",
            "auto_backup",
            "bytes_copied",
            "direction",
            "display_name",
            "duration_ms",
            "kind",
            "path",
            "sha256",
            "size_bytes"
        ]
    );
    assert_eq!((r["sha256"].clone(), r["bytes_copied"].clone(), r["already_present"].clone()), (json!(sha), json!(50_000), json!(false)));
    assert_eq!(env.json(&["backup", "blob", &sha])["already_present"], true);

    // Delete from the backup: a copy remains locally, so no force is needed.
    let d = env.json(&["backup", "delete", &sha]);
    assert_eq!((d["deleted_from"].clone(), d["remaining_on"].clone()), (json!(["backup"]), json!("local")));
    env.error(&["backup", "delete", &sha], 5, "not_found");
    env.json(&["backup", "blob", &sha]);

    // Restore: a corrupt backup copy is refused, nothing is left behind.
    fs::remove_file(env.blob_path(&sha)).unwrap();
    let mut rotten = bytes.clone();
    rotten[7] ^= 1;
    fs::write(env.backup_blob_path(&sha), &rotten).unwrap();
    let err = env.error(&["backup", "restore", &sha], 7, "integrity");
    assert_eq!(err["details"]["actual"], sha_hex(&rotten));
    assert!(!env.blob_path(&sha).exists());
    assert_eq!(fs::read_dir(env.root.join("data/tmp")).unwrap().count(), 0);
    let v = env.json_exit(&["backup", "verify"], 7);
    assert_eq!((v["side"].clone(), v["invalid"][0]["sha256"].clone()), (json!("backup"), json!(sha)));
    assert_eq!(env.json_exit(&["inventory", "verify", "--backup"], 7)["invalid"].as_array().unwrap().len(), 1);

    fs::write(env.backup_blob_path(&sha), &bytes).unwrap();
    let r = env.json(&["backup", "restore", &sha]);
    assert_eq!(r["direction"], "from_backup");
    assert_eq!(fs::read(env.blob_path(&sha)).unwrap(), bytes);
    assert_eq!(env.json(&["backup", "verify"])["valid"].as_array().unwrap().len(), 1);
    env.error(&["backup", "restore", &"0".repeat(64)], 5, "not_found");
}

#[test]
fn the_unplugged_drive_is_shown_from_the_catalog_and_refuses_copies() {
    let env = with_backup();
    let sha = env.pack("P", &[("p.safetensors", &content("p", 4000))], None)[0].clone();
    env.json(&["backup", "sync", "--execute"]);
    let away = env.dir.path().join("drive-away");
    fs::rename(env.drive(), &away).unwrap();

    let s = env.json(&["backup", "status"]);
    assert_eq!((s["connected"].clone(), s["source"].clone(), s["blobs_both"].clone()), (json!(false), json!("cached"), json!(1)));
    assert!(s["error"].as_str().unwrap().contains("does not exist"), "{s}");
    let summary = env.json(&["inventory", "--summary"]);
    assert_eq!((summary["backup"]["source"].clone(), summary["backup"]["blobs_both"].clone()), (json!("cached"), json!(1)));
    assert_eq!(env.item(&sha)["location"], "both");
    let st = env.json(&["backup", "pack-status", "P"]);
    assert_eq!((st["backup_source"].clone(), st["both"].clone()), (json!("cached"), json!(1)));

    for args in [
        &["backup", "sync"][..],
        &["backup", "restore", &sha],
        &["backup", "verify"],
        &["backup", "pull", "P"],
        &["backup", "state-status"],
    ] {
        let err = env.error(args, 4, "backup_not_connected");
        assert!(err["message"].as_str().unwrap().contains("plugged in"), "{err}");
    }
    // The local copy of a blob known on the drive only from the catalog is not deleted on its strength.
    env.error(&["inventory", "delete", &sha, "--target", "local"], 3, "last_copy");
    assert!(!env.drive().exists(), "nothing recreated the drive's folder");
    fs::rename(&away, env.drive()).unwrap();
    assert_eq!(env.json(&["backup", "status"])["source"], "live");
}

#[test]
fn push_free_and_pull_round_trip_a_pack_byte_for_byte() {
    let env = with_backup();
    let files = [("unet.safetensors", content("unet", 3 << 20)), ("lora.safetensors", content("lora", 77_777))];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let shas = env.pack("Trip", &refs, Some("lora"));

    let st = env.json(&["backup", "pack-status", "Trip"]);
    assert_eq!(
        keys(&st),
        [
            "backup_connected",
            "backup_enabled",
            "backup_only",
            "backup_source",
            "blobs",
            "both",
            "bytes_backup_only",
            "bytes_both",
            "bytes_local_only",
            "local_only",
            "missing",
            "pack"
        ]
    );
    assert_eq!(
        keys(&st["blobs"][0]),
        ["dependency_id", "display_name", "kind", "location", "on_backup", "on_local", "sha256", "size_bytes"]
    );
    assert_eq!((st["local_only"].clone(), st["blobs"][0]["kind"].clone()), (json!(2), json!("lora")));

    let plan = env.json(&["backup", "push", "Trip", "--free"]);
    assert_eq!((plan["dry_run"].clone(), plan["blobs_to_copy"].clone()), (json!(true), json!(2)));
    assert_eq!(plan["to_free"].as_array().unwrap().len(), 2);
    assert!(env.blob_path(&shas[0]).is_file(), "a preview changes nothing");
    let r = env.json(&["backup", "push", "Trip", "--execute", "--free"]);
    assert_eq!((r["blobs_copied"].clone(), r["freed"].as_array().unwrap().len()), (json!(2), 2));
    assert!(!env.blob_path(&shas[0]).exists() && !env.blob_path(&shas[1]).exists());
    assert_eq!(env.json(&["backup", "pack-status", "Trip"])["backup_only"], 2);

    let p = env.json(&["backup", "pull", "Trip", "--execute"]);
    assert_eq!((p["direction"].clone(), p["blobs_copied"].clone(), p["missing"].clone()), (json!("from_backup"), json!(2), json!([])));
    for ((_, bytes), sha) in files.iter().zip(&shas) {
        assert_eq!(&fs::read(env.blob_path(sha)).unwrap(), bytes);
    }
    assert_eq!(env.json(&["backup", "pull", "Trip", "--execute"])["nothing_to_do"], true);
    env.error(&["backup", "push", "../escape"], 2, "invalid_argument");
    env.error(&["backup", "pull", "Nope"], 5, "not_found");
}

#[test]
fn state_sync_excludes_git_and_a_pull_into_a_working_tree_needs_yes() {
    let env = with_backup();
    env.pack("S", &[("s.safetensors", &content("s", 100))], None);
    fs::create_dir_all(env.root.join("state/.git")).unwrap();
    fs::write(env.root.join("state/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let st = env.json(&["backup", "state-status"]);
    assert_eq!(
        keys(&st),
        [
            "backup_bytes",
            "backup_packs",
            "has_git",
            "last_sync",
            "local_bytes",
            "local_packs",
            "packs_backup_only",
            "packs_local_only",
            "packs_modified"
        ]
    );
    assert_eq!((st["has_git"].clone(), st["packs_local_only"].clone()), (json!(true), json!(["S"])));
    let r = env.json(&["backup", "state-sync", "--execute"]);
    assert_eq!(
        keys(&r),
        [
            "already_synced",
            "bytes_synced",
            "cancelled",
            "direction",
            "dry_run",
            "errors",
            "files",
            "files_synced",
            "packs_synced",
            "warnings"
        ]
    );
    assert_eq!(r["packs_synced"], 1);
    assert!(!env.drive().join(".synapse/store/state/.git").exists());

    let pack_json = env.drive().join(".synapse/store/state/packs/S/pack.json");
    let mut changed = fs::read(&pack_json).unwrap();
    changed.extend_from_slice(b"\n\n");
    fs::write(&pack_json, &changed).unwrap();
    env.error(&["backup", "state-sync", "--direction", "from_backup", "--execute"], 3, "git_working_tree");
    let r = env.json(&["--yes", "backup", "state-sync", "--direction", "from_backup", "--execute"]);
    assert_eq!(r["files_synced"], 1);
    assert_eq!(fs::read(env.root.join("state/packs/S/pack.json")).unwrap(), changed);
    assert_eq!(env.json(&["backup", "state-sync"])["already_synced"], true);
}

#[test]
fn auto_backup_new_backs_up_pack_files_as_they_arrive() {
    let env = with_backup();
    env.json(&["backup", "config", "--auto-backup-new", "true"]);
    let src = env.file("auto.safetensors", &content("auto", 9000));
    let r = env.json(&["pack", "create", "Auto", src.to_str().unwrap()]);
    let sha = r["added"][0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(r["auto_backup"]["backed_up"], json!([sha]));
    assert!(env.backup_blob_path(&sha).is_file());

    // Away: queued, and backed up by the next backup command once it is back.
    let away = env.dir.path().join("away");
    fs::rename(env.drive(), &away).unwrap();
    let src = env.file("later.safetensors", &content("later", 5000));
    let r = env.json(&["pack", "add", "Auto", src.to_str().unwrap()]);
    let later = r["added"][0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(r["auto_backup"]["queued"], json!([later]));
    assert_eq!(env.json(&["backup", "status"])["queued_auto_backups"], 1);
    fs::rename(&away, env.drive()).unwrap();
    let out = env.cmd().args(["backup", "sync", "--execute"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("auto-backup: backed up 1"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(env.backup_blob_path(&later).is_file());
    assert_eq!(env.json(&["backup", "status"])["queued_auto_backups"], 0);
}

/// Regression (issue 12): `enabled: true` with no path was shown as "not
/// enabled". SPEC §3.6: enabled, not connected, "no backup path configured".
#[test]
fn status_of_an_enabled_backup_without_a_path_says_so() {
    let env = Env::new();
    let path = env.root.join("state/config.json");
    let mut config: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    config["backup"] = json!({"enabled": true, "path": null, "auto_backup_new": false, "warn_before_delete_last_copy": true});
    fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();

    let s = env.json(&["backup", "status"]);
    assert_eq!((s["enabled"].clone(), s["connected"].clone(), s["path"].clone()), (json!(true), json!(false), Value::Null));
    assert_eq!(s["error"], "no backup path configured");
    let out = env.cmd().args(["backup", "status"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT CONNECTED") && text.contains("no backup path configured") && !text.contains("not enabled"), "{text}");
    let err = env.error(&["backup", "sync"], 4, "backup_not_connected");
    assert!(err["message"].as_str().unwrap().contains("--path"), "{err}");
    assert_eq!(err["details"]["path"], Value::Null, "{err}");
}

/// Regression (issue 12): restore of a local blob / backup of a blob already
/// on the drive exited 5 (`not_found`); both are no-ops that exit 0.
#[test]
fn restore_of_a_local_blob_and_backup_of_a_backed_up_one_are_no_ops() {
    let env = Env::new();
    env.enable_backup();
    let local = env.orphan(&content("local-only", 256));
    let r = env.json(&["backup", "restore", &local]);
    assert_eq!((r["already_present"].clone(), r["bytes_copied"].clone()), (json!(true), json!(0)));
    assert!(!env.backup_blob_path(&local).exists());
    let remote = env.backup_only(&content("backup-only", 300));
    let r = env.json(&["backup", "blob", &remote]);
    assert_eq!((r["already_present"].clone(), r["size_bytes"].clone()), (json!(true), json!(300)));
    let out = env.cmd().args(["backup", "restore", &local]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already in the local store: nothing to copy"));
}

/// Regression (issue 12): `sync --direction from_backup` with only orphans on
/// the backup said "already synced, nothing to copy" and nothing about the
/// orphans it left or `--include-orphans`.
#[test]
fn from_backup_sync_says_how_many_orphans_it_left_and_how_to_include_them() {
    let env = Env::new();
    env.enable_backup();
    let a = env.backup_only(&content("orphan-a", 1000));
    env.backup_only(&content("orphan-b", 24));

    let r = env.json(&["backup", "sync", "--direction", "from_backup"]);
    assert_eq!((r["already_synced"].clone(), r["blobs_to_sync"].clone()), (json!(true), json!(0)));
    assert_eq!((r["orphans_skipped"].clone(), r["bytes_orphans_skipped"].clone()), (json!(2), json!(1024)));
    let out = env.cmd().args(["backup", "sync", "--direction", "from_backup", "--execute"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("already synced") && text.contains("2 orphans (1.0 kB)") && text.contains("--include-orphans"), "{text}");

    let all = env.json(&["backup", "sync", "--direction", "from_backup", "--include-orphans", "--execute"]);
    assert_eq!((all["blobs_synced"].clone(), all["orphans_skipped"].clone()), (json!(2), json!(0)));
    assert!(env.blob_path(&a).exists());
    let to = env.json(&["backup", "sync"]);
    assert_eq!(to["orphans_skipped"], 0, "to_backup never skips orphans");
}
