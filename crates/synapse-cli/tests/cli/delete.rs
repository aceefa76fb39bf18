//! `synapse inventory delete` and its guard rails (SPEC §3.3): every refusal
//! exits 3/4/5 and deletes nothing; --force really deletes.

use serde_json::json;

use crate::support::{content, Env};

#[test]
fn deleting_the_last_copy_is_refused_with_its_impacts() {
    let env = Env::new();
    let sha = env.pack("Solo", &[("solo.safetensors", &content("solo", 2048))], Some("lora"))[0].clone();
    let err = env.error(&["inventory", "delete", &sha], 3, "last_copy");
    let impacts = &err["details"]["impacts"];
    assert_eq!(impacts["sha256"], sha.as_str());
    assert_eq!(impacts["is_last_copy"], true);
    assert_eq!(impacts["used_by_packs"], json!(["Solo"]));
    assert_eq!(impacts["affected_packs"][0]["name"], "Solo");
    assert!(env.blob_path(&sha).exists(), "a refusal deletes nothing");

    // The same for an orphan that exists only here.
    let orphan = env.orphan(&content("lonely", 100));
    env.error(&["inventory", "delete", &orphan, "--target", "local"], 3, "last_copy");
    // `both` involves the backup, which is not enabled here: that refusal comes first (SPEC §3.3, last row).
    env.error(&["inventory", "delete", &orphan, "--target", "both"], 4, "backup_not_enabled");
    assert!(env.blob_path(&orphan).exists());

    let out = env.cmd().args(["inventory", "delete", &sha[..10]]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: refused: this would delete the last copy"), "{stderr}");
    assert!(stderr.contains("--force"), "the message says what to do: {stderr}");
}

#[test]
fn force_deletes_the_last_copy_and_warns() {
    let env = Env::new();
    let sha = env.pack("Solo", &[("solo.safetensors", &content("solo", 2048))], None)[0].clone();
    let r = env.json(&["inventory", "delete", &sha, "--force"]);
    assert_eq!(r["sha256"], sha.as_str());
    assert_eq!(r["deleted_from"], json!(["local"]));
    assert_eq!(r["bytes_freed"], 2048);
    assert_eq!(r["remaining_on"], "nowhere");
    assert!(r["warning"].as_str().unwrap().to_lowercase().contains("last copy"), "{r}");
    assert!(!env.blob_path(&sha).exists(), "the file is really gone");
    assert_eq!(env.item(&sha)["status"], "missing");

    let orphan = env.orphan(&content("bye", 300));
    let out = env.cmd().args(["inventory", "delete", &orphan, "--force"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("remaining on: nowhere"));
    assert!(String::from_utf8_lossy(&out.stderr).to_lowercase().contains("warning: this was the last copy"));
    assert!(!env.blob_path(&orphan).exists());
}

#[test]
fn referenced_blob_with_a_backup_copy_needs_the_impact_confirmed() {
    let env = Env::new();
    env.enable_backup();
    let sha = env.pack("Shared", &[("shared.safetensors", &content("shared", 4096))], Some("checkpoint"))[0].clone();
    env.copy_to_backup(&sha);
    let err = env.error(&["inventory", "delete", &sha, "--target", "local"], 3, "in_use");
    assert_eq!(err["details"]["impacts"]["used_by_packs"], json!(["Shared"]));
    assert_eq!(err["details"]["impacts"]["is_last_copy"], false);
    assert!(env.blob_path(&sha).exists());

    let out = env.cmd().args(["inventory", "delete", &sha, "--target", "backup"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Shared (dependency shared)"), "refusals list the packs: {stderr}");
    assert!(env.backup_blob_path(&sha).exists());

    let r = env.json(&["inventory", "delete", &sha, "--target", "local", "--force"]);
    assert_eq!(r["deleted_from"], json!(["local"]));
    assert_eq!(r["remaining_on"], "backup");
    assert!(!env.blob_path(&sha).exists());
    assert!(env.backup_blob_path(&sha).exists());
    assert_eq!(env.item(&sha)["status"], "backup_only");
}

#[test]
fn an_orphan_with_another_copy_is_deleted_without_force() {
    let env = Env::new();
    env.enable_backup();
    let sha = env.orphan(&content("spare", 512));
    env.copy_to_backup(&sha);
    let r = env.json(&["inventory", "delete", &sha]);
    assert_eq!(r["deleted_from"], json!(["local"]));
    assert_eq!(r["remaining_on"], "backup");
    assert_eq!(r["bytes_freed"], 512);
    assert!(!env.blob_path(&sha).exists() && env.backup_blob_path(&sha).exists());

    // Now it is the last copy on the backup side.
    env.error(&["inventory", "delete", &sha, "--target", "backup"], 3, "last_copy");
    let r = env.json(&["inventory", "delete", &sha, "--target", "backup", "--force"]);
    assert_eq!(r["deleted_from"], json!(["backup"]));
    assert_eq!(r["remaining_on"], "nowhere");
    assert!(!env.backup_blob_path(&sha).exists());
}

#[test]
fn target_backup_is_never_a_silent_no_op() {
    // The seeds' bug #17: target=backup did nothing and reported success.
    let env = Env::new();
    let sha = env.orphan(&content("local-only", 256));
    env.error(&["inventory", "delete", &sha, "--target", "backup"], 4, "backup_not_enabled");
    env.error(&["inventory", "delete", &sha, "--target", "both", "--force"], 4, "backup_not_enabled");
    env.enable_backup();
    let err = env.error(&["inventory", "delete", &sha, "--target", "backup", "--force"], 5, "not_found");
    assert_eq!(err["details"]["side"], "backup");
    assert!(env.blob_path(&sha).exists(), "nothing deleted");
    // Since there are several targets (SPEC §3.12) a word that is not a side names a
    // target: an unknown one is not found, and the error lists the targets there are.
    let err = env.error(&["inventory", "delete", &sha, "--target", "sideways"], 5, "not_found");
    assert_eq!(err["details"]["targets"], serde_json::json!(["backup"]));
    assert!(env.blob_path(&sha).exists());
}

#[test]
fn disconnected_backup_refuses_with_exit_4() {
    let env = Env::new();
    env.enable_backup();
    let sha = env.orphan(&content("away", 256));
    env.copy_to_backup(&sha);
    std::fs::rename(env.drive(), env.dir.path().join("unplugged")).unwrap();
    env.error(&["inventory", "delete", &sha, "--target", "backup", "--force"], 4, "backup_not_connected");
    assert!(env.blob_path(&sha).exists());
}

/// Regression (issue 12): the message said the side twice ("is not on the
/// backup side (it is not on the backup drive)"). One sentence, naming the
/// blob and the side.
#[test]
fn not_found_message_names_the_blob_and_the_side_once() {
    let env = Env::new();
    env.enable_backup();
    let local = env.orphan(&content("local-only", 256));
    let err = env.error(&["inventory", "delete", &local, "--target", "backup", "--force"], 5, "not_found");
    assert_eq!(err["message"], format!("blob {local} is not on the backup drive"));
    let remote = env.backup_only(&content("backup-only", 256));
    let err = env.error(&["inventory", "delete", &remote, "--target", "local", "--force"], 5, "not_found");
    assert_eq!(err["message"], format!("blob {remote} is not in the local store"));
    assert_eq!(err["details"], serde_json::json!({"sha256": remote, "side": "local"}));
}
