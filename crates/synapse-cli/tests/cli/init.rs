//! `synapse init`, finding the store, global flags.

use crate::support::{synapse, Env};

#[test]
fn init_creates_the_layout_and_is_harmless_twice() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new-store");
    let out = synapse(&root).args(["--json", "init"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["created"], true);
    assert_eq!(v["root"], root.to_string_lossy().as_ref());
    for d in ["data/blobs/sha256", "data/tmp", "data/cache", "state/packs"] {
        assert!(root.join(d).is_dir(), "{d} missing");
    }
    assert!(root.join("state/config.json").is_file());

    let config = std::fs::read(root.join("state/config.json")).unwrap();
    let again = synapse(&root).args(["init", "--json"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["created"], false);
    assert_eq!(std::fs::read(root.join("state/config.json")).unwrap(), config, "init leaves an existing config alone");
}

#[test]
fn a_missing_store_is_not_found_and_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nothing-here");
    let out = synapse(&root).args(["--json", "inventory"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    assert!(v["error"]["message"].as_str().unwrap().contains("synapse init"));
    assert!(!root.exists(), "reading never creates a store");

    synapse(&root).arg("inventory").assert().code(5).stdout("").stderr(predicates::str::contains("error: no store at"));
}

#[test]
fn the_root_comes_from_synapse_root_when_no_flag_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("env-store");
    let mut cmd = assert_cmd::Command::new(crate::support::bin());
    cmd.env("SYNAPSE_ROOT", &root).args(["init", "--quiet"]).assert().success().stdout("");
    assert!(root.join("state/config.json").is_file());
    // --root wins over the environment.
    let other = dir.path().join("flag-store");
    let mut cmd = assert_cmd::Command::new(crate::support::bin());
    cmd.env("SYNAPSE_ROOT", &root).arg("init").arg("--root").arg(&other).assert().success();
    assert!(other.join("state").is_dir());
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    let env = Env::new();
    for args in [["--json", "inventory", "--summary"], ["inventory", "--summary", "--json"], ["inventory", "--json", "--summary"]] {
        let out = env.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["blobs_total"], 0, "{args:?}");
    }
    let mut cmd = assert_cmd::Command::new(crate::support::bin());
    let out = cmd.args(["inventory", "--summary", "--json", "--root"]).arg(&env.root).env_remove("SYNAPSE_ROOT").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    env.cmd().args(["inventory", "--quiet", "--yes"]).assert().success();
}
