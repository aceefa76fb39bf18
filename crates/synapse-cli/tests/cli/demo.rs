//! `synapse demo <dir>`: a store with every status to try things on.

use std::collections::BTreeSet;

use crate::support::synapse;

#[test]
fn demo_creates_a_store_with_every_status() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = synapse(&dir.path().join("unused")).args(["--json", "demo"]).arg(&demo).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let store = demo.join("store");
    assert_eq!(info["store_root"], store.to_string_lossy().as_ref());
    assert_eq!(info["backup_path"], demo.join("backup-drive").to_string_lossy().as_ref());
    assert!(info["packs"].as_u64().unwrap() > 0 && info["blobs"].as_u64().unwrap() > 0);

    let out = synapse(&store).args(["--json", "inventory"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: BTreeSet<&str> = page["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    for s in ["referenced", "orphan", "missing", "backup_only"] {
        assert!(statuses.contains(s), "demo lacks a {s} blob: {statuses:?}");
    }
    assert_eq!(page["summary"]["backup"]["connected"], true);
    assert_eq!(page["summary"]["pack_errors"], serde_json::json!([]));
}

#[test]
fn demo_says_what_to_try_next() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("try");
    let out = synapse(&dir.path().join("unused")).arg("demo").arg(&demo).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let root = demo.join("store").canonicalize().unwrap();
    assert!(text.contains(&format!("SYNAPSE_ROOT={} synapse inventory", root.display())), "{text}");
    assert!(text.contains(&root.display().to_string()));

    // A second demo over the first one is refused, and the store is untouched.
    let again = synapse(&dir.path().join("unused")).args(["--json", "demo"]).arg(&demo).output().unwrap();
    assert_ne!(again.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert!(v["error"]["code"].is_string());
}

#[test]
fn a_relative_root_means_the_folder_below_the_current_directory() {
    // `--root dm/store` from the folder holding `dm` once read the config at
    // dm/store/dm/store/state/config.json: every store file is reached through
    // the store's tree, which took the relative path as relative to itself.
    let dir = tempfile::tempdir().unwrap();
    let out = synapse(&dir.path().join("unused")).args(["--json", "demo"]).arg(dir.path().join("dm")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for args in [
        &["target", "list"][..],
        &["backup", "status"],
        &["inventory", "--summary"],
        &["whereis", "juggernautXL_v9Rundiffusionphoto2.safetensors"],
    ] {
        let out = std::process::Command::new(crate::support::bin())
            .current_dir(dir.path())
            .env_remove("SYNAPSE_ROOT")
            .args(["--root", "dm/store", "--json"])
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
        assert!(!v["error"].is_object() && v.is_object(), "{args:?} with a relative root: {stdout}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}");
    }
    let out = std::process::Command::new(crate::support::bin())
        .current_dir(dir.path().join("dm"))
        .env_remove("SYNAPSE_ROOT")
        .args(["--root", "store", "--json", "target", "list"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["targets"].as_array().map(Vec::len), Some(2), "{list}");
}
