//! `synapse target …`, `whereis`, `backup --target NAME`, the copies filters
//! and the `below_min_copies` guard rail (SPEC §3.12, §5).

use serde_json::json;

use crate::support::{content, Env};

fn add(env: &Env, name: &str) -> std::path::PathBuf {
    let path = env.dir.path().join(name);
    let v = env.json(&["target", "add", name, "--path", path.to_str().unwrap()]);
    assert_eq!((v["name"].as_str(), v["initialized"].as_bool()), (Some(name), Some(true)), "{v}");
    path
}

#[test]
fn targets_are_added_listed_renamed_and_removed() {
    let env = Env::new();
    env.enable_backup();
    let home = add(&env, "home");
    assert!(home.join(".synapse/backup-id").is_file(), "the folder is initialised as a backup");
    let l = env.json(&["target", "list"]);
    let names: Vec<&str> = l["targets"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["backup", "home"]);
    assert_eq!(l["targets"][0]["primary"], true);
    assert_eq!(l["policy"]["min_copies"], 1);

    let err = env.error(&["target", "add", "local", "--path", env.dir.path().join("x").to_str().unwrap()], 2, "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("local"), "{err}");
    env.error(&["target", "add", "home", "--path", env.dir.path().join("y").to_str().unwrap()], 1, "already_exists");

    let r = env.json(&["target", "rename", "home", "Home NAS"]);
    assert_eq!((r["old_name"].as_str(), r["name"].as_str()), (Some("home"), Some("Home NAS")));
    env.error(&["target", "remove", "nope"], 5, "not_found");
    let r = env.json(&["target", "remove", "Home NAS"]);
    assert_eq!(r["name"], "Home NAS");
    assert!(home.join(".synapse/backup-id").is_file(), "nothing on the target is deleted");
    assert_eq!(env.json(&["target", "list"])["targets"].as_array().unwrap().len(), 1);
}

#[test]
fn backup_commands_work_on_the_target_named_and_copies_count_every_target() {
    let env = Env::new();
    env.enable_backup();
    add(&env, "home");
    let shas = env.pack("Styles", &[("style.safetensors", &content("style", 4096))], Some("lora"));
    let sha = &shas[0];
    let r = env.json(&["backup", "blob", sha, "--target", "home"]);
    assert_eq!(r["already_present"], false);
    assert!(env.dir.path().join("home/.synapse/store/data/blobs/sha256").join(&sha[..2]).join(sha).is_file());
    assert!(!env.backup_blob_path(sha).exists(), "not on the original's target");
    let st = env.json(&["backup", "status", "--target", "home"]);
    assert_eq!((st["connected"].as_bool(), st["total_blobs"].as_u64()), (Some(true), Some(1)));
    assert_eq!(env.json(&["backup", "status"])["total_blobs"], 0);

    let item = env.item(sha);
    assert_eq!(item["copies_count"], 2);
    assert_eq!(item["location"], "both", "a copy on any target is a backup copy");
    assert_eq!(item["copies"].as_array().unwrap().iter().map(|c| c["target"].clone()).collect::<Vec<_>>(), [json!("local"), json!("home")]);
    assert_eq!(env.items(&["--copies-below", "3"]).len(), 1);
    assert_eq!(env.items(&["--copies-below", "2"]).len(), 0);

    let w = env.json(&["whereis", "style.safetensors"]);
    assert_eq!(w["sha256"].as_str(), Some(sha.as_str()));
    assert_eq!(w["not_on"], json!(["backup"]));
    env.error(&["backup", "blob", sha, "--target", "elsewhere"], 5, "not_found");
}

#[test]
fn the_policy_refuses_a_delete_below_it_with_exit_3_and_force_goes_through() {
    let env = Env::new();
    env.enable_backup();
    add(&env, "home");
    let shas = env.pack("Styles", &[("keep.safetensors", &content("keep", 4096))], Some("lora"));
    let sha = &shas[0];
    env.json(&["backup", "blob", sha]);
    env.json(&["backup", "blob", sha, "--target", "home"]);
    let p = env.json(&["target", "policy", "--min-copies", "3", "--kind", "vae=2", "--verify-max-age", "30d"]);
    assert_eq!((p["min_copies"].as_u64(), p["verify_max_age_days"].as_u64(), p["kinds"]["vae"].as_u64()), (Some(3), Some(30), Some(2)));
    assert_eq!(env.item(sha)["min_copies"], 3);
    let err = env.error(&["inventory", "delete", sha, "--target", "home"], 3, "below_min_copies");
    assert_eq!(err["details"]["required_copies"], 3);
    assert_eq!(err["details"]["remaining_copies"], json!(["local", "backup"]));
    assert_eq!(env.items(&["--below-policy"]).len(), 0);
    let r = env.json(&["inventory", "delete", sha, "--target", "home", "--force"]);
    assert_eq!(r["deleted_from"], json!(["home"]));
    assert_eq!(r["remaining_copies"], json!(["local", "backup"]));
    assert_eq!(env.items(&["--below-policy"]).len(), 1);
    assert_eq!(env.json(&["inventory", "--summary"])["blobs_below_policy"], 1);
    env.error(&["target", "policy", "--min-copies", "0"], 2, "invalid_argument");
    env.error(&["target", "policy", "--kind", "vae"], 2, "invalid_argument");
}

#[test]
fn human_output_names_the_targets() {
    let env = Env::new();
    env.enable_backup();
    add(&env, "home");
    let out = env.cmd().args(["target", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("home") && text.contains("backup") && text.contains("policy: 1 good copy"), "{text}");
}

#[test]
fn sync_all_is_a_plan_that_can_be_saved_and_applied() {
    let env = Env::new();
    env.enable_backup();
    let home = add(&env, "home");
    let shas = env.pack("Styles", &[("a.safetensors", &content("a", 3000)), ("b.safetensors", &content("b", 2000))], Some("lora"));
    env.json(&["target", "policy", "--min-copies", "3"]);
    let dry = env.json(&["backup", "sync", "--all"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["plan"]["copies"].as_array().unwrap().len(), 4);
    assert_eq!(dry["plan"]["copies"][0]["display_name"], "b.safetensors", "smallest first");
    assert!(!env.backup_blob_path(&shas[0]).exists(), "a dry run copies nothing");
    let file = env.dir.path().join("plan.json");
    env.json(&["backup", "sync", "--all", "--save-plan", file.to_str().unwrap()]);
    let applied = env.json(&["backup", "sync", "--all", "--apply", file.to_str().unwrap()]);
    assert_eq!(applied["copied"].as_array().unwrap().len(), 4, "{applied}");
    for sha in &shas {
        assert!(env.backup_blob_path(sha).is_file());
        assert!(home.join(".synapse/store/data/blobs/sha256").join(&sha[..2]).join(sha).is_file());
        assert_eq!(env.item(sha)["copies_count"], 3);
    }
    let text = env.cmd().args(["backup", "sync", "--all"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("every blob has the copies the policy asks for"));
    env.error(&["backup", "sync", "--all", "--direction", "from_backup"], 2, "invalid_argument");
}

#[test]
fn scrub_reports_corrupt_copies_with_exit_7_and_repairs_them_when_asked() {
    let env = Env::new();
    env.enable_backup();
    let shas = env.pack("Styles", &[("s.safetensors", &content("scrubbed", 4096))], Some("lora"));
    let sha = &shas[0];
    env.json(&["backup", "blob", sha]);
    let r = env.json(&["scrub", "--budget", "1GB"]);
    assert_eq!((r["target"].as_str(), r["scrubbed"].as_u64()), (Some("backup"), Some(1)));
    std::fs::write(env.backup_blob_path(sha), content("rotted", 4096)).unwrap();
    let r = env.json_exit(&["scrub"], 7);
    assert_eq!(r["corrupt"][0]["sha256"].as_str(), Some(sha.as_str()));
    let r = env.json(&["scrub", "--repair"]);
    assert_eq!(r["repaired"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(std::fs::read(env.backup_blob_path(sha)).unwrap(), content("scrubbed", 4096));
    env.error(&["scrub", "--budget", "soon"], 2, "invalid_argument");
    env.error(&["scrub", "--target", "nope"], 5, "not_found");
}
