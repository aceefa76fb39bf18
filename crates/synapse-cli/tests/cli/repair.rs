//! `synapse repair`: a corrupt copy found by verify is shown by `inventory
//! --corrupt`, refused as a copy, and replaced from a good one; the corrupt
//! file is kept in `data/quarantine/`. Exit codes per SPEC §5.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use serde_json::json;

use crate::backup::with_backup;
use crate::support::{content, sha_hex};

fn rot(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = fs::read(path).unwrap();
    bytes[3] ^= 0x55;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn a_corrupt_local_copy_is_listed_refused_and_repaired_from_the_backup() {
    let env = with_backup();
    let good = content("checkpoint", 40_000);
    let sha = env.pack("P", &[("model.safetensors", &good)], None)[0].clone();
    env.json(&["backup", "sync", "--execute"]);
    let bad = rot(&env.blob_path(&sha));
    assert_eq!(env.json_exit(&["inventory", "verify"], 7)["invalid"][0]["actual"], sha_hex(&bad));

    let listed = env.items(&["--corrupt"]);
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0]["location"].clone(), listed[0]["copies_count"].clone()), (json!("backup_only"), json!(1)));
    assert_eq!(env.json(&["inventory", "--summary"])["blobs_corrupt"], 1);
    let text = env.cmd().args(["inventory"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("corrupt: local"), "{}", String::from_utf8_lossy(&text.stdout));
    // The backup holds the only good copy: deleting it is the last copy.
    env.error(&["backup", "delete", &sha], 3, "last_copy");

    let dry = env.json(&["repair", &sha[..12], "--dry-run"]);
    assert_eq!((dry["dry_run"].clone(), dry["plan"]["items"][0]["side"].clone()), (json!(true), json!("local")));
    assert_eq!(fs::read(env.blob_path(&sha)).unwrap(), bad, "a dry run changes nothing");

    let r = env.json(&["repair", &sha]);
    assert_eq!(r["repaired"][0]["from"], "backup");
    assert_eq!(fs::read(env.blob_path(&sha)).unwrap(), good);
    let aside = std::path::PathBuf::from(r["repaired"][0]["quarantined"].as_str().unwrap());
    assert!(aside.starts_with(env.root.join("data/quarantine")), "{aside:?}");
    assert_eq!(fs::read(&aside).unwrap(), bad);
    assert!(env.items(&["--corrupt"]).is_empty());
    assert_eq!(env.item(&sha)["location"], "both");
    // Nothing left to repair: exit 0.
    let again = env.json(&["repair", "--all"]);
    assert_eq!(again["plan"]["items"], json!([]));
}

#[test]
fn a_corrupt_only_copy_cannot_be_repaired_and_stays_in_place() {
    let env = with_backup();
    let sha = env.orphan(&content("only", 9_000));
    let bad = rot(&env.blob_path(&sha));
    env.json_exit(&["inventory", "verify"], 7);
    let r = env.json_exit(&["repair", &sha], 7);
    assert!(r["plan"]["cannot"][0]["reason"].as_str().unwrap().contains("no good copy"), "{r}");
    assert_eq!(fs::read(env.blob_path(&sha)).unwrap(), bad);
    assert!(!env.root.join("data/quarantine").exists());
    let doctor = env.json_exit(&["doctor"], 1);
    assert!(doctor["findings"].as_array().unwrap().iter().any(|f| f["code"] == "corrupt_copy"), "{doctor}");
}
