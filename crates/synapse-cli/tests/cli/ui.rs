//! `synapse ui add | list | remove`, `use` and `unuse`.

use std::fs;
use std::path::PathBuf;

use synapse_test_support::snapshot;

use crate::support::{content, Env};

/// A ComfyUI folder with one model of the user's, added as UI target `comfy`.
fn comfy(env: &Env) -> PathBuf {
    let root = env.dir.path().join("ComfyUI");
    fs::create_dir_all(root.join("models/loras")).unwrap();
    fs::write(root.join("models/loras/mine.safetensors"), b"the user's lora").unwrap();
    let v = env.json(&["ui", "add", "comfy", "--kind", "comfyui", "--path", root.to_str().unwrap()]);
    assert_eq!(v["kind"], "comfyui");
    assert_eq!(v["folders"]["lora"], "models/loras");
    root
}

#[test]
fn ui_targets_are_added_listed_and_removed() {
    let env = Env::new();
    comfy(&env);
    let l = env.json(&["ui", "list"]);
    assert_eq!(l["ui_targets"][0]["name"], "comfy");
    env.error(&["ui", "add", "comfy", "--kind", "comfyui", "--path", env.dir.path().to_str().unwrap()], 1, "already_exists");
    env.error(&["ui", "add", "x", "--kind", "vlc", "--path", "."], 2, "invalid_argument");
    env.json(&["ui", "remove", "comfy"]);
    env.error(&["ui", "remove", "comfy"], 5, "not_found");
}

#[test]
fn use_then_unuse_round_trip_leaves_the_ui_folder_as_before() {
    let env = Env::new();
    let root = comfy(&env);
    let shas = env.pack("Styles", &[("detail.safetensors", &content("lora", 100))], Some("lora"));
    env.json(&["pack", "add", "Styles", env.file("base.safetensors", &content("ckpt", 300)).to_str().unwrap(), "--kind", "checkpoint"]);
    let before = snapshot(&root);
    let v = env.json(&["use", "Styles"]);
    assert_eq!(v["linked"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["restored_blobs"].as_array().unwrap().len(), 0);
    assert_eq!(fs::read(root.join("models/loras/detail.safetensors")).unwrap(), content("lora", 100));
    assert_eq!(fs::read(root.join("models/checkpoints/base.safetensors")).unwrap(), content("ckpt", 300));
    assert_eq!(env.item(&shas[0])["active_in_uis"], serde_json::json!(["comfy"]));
    // A dry run (SPEC §5) lists what would go and changes nothing.
    let with_links = snapshot(&root);
    let dry = env.json(&["unuse", "Styles", "--dry-run"]);
    assert_eq!((dry["dry_run"].clone(), dry["removed"].as_array().unwrap().len()), (serde_json::json!(true), 2), "{dry}");
    assert_eq!(snapshot(&root), with_links, "a dry run removes nothing");
    let u = env.json(&["unuse", "Styles"]);
    assert_eq!(u["removed"].as_array().unwrap().len(), 2);
    assert_eq!(snapshot(&root), before);
    assert_eq!(env.item(&shas[0])["active_in_uis"], serde_json::json!([]));
}

#[test]
fn a_clash_with_a_real_file_exits_3_and_leaves_the_file() {
    let env = Env::new();
    let root = comfy(&env);
    env.pack("Mine", &[("mine.safetensors", &content("other lora", 100))], Some("lora"));
    let before = snapshot(&root);
    let err = env.error(&["use", "Mine"], 3, "name_clash");
    assert_eq!(err["details"]["clashes"][0]["found"], "file");
    assert_eq!(fs::read(root.join("models/loras/mine.safetensors")).unwrap(), b"the user's lora");
    assert_eq!(snapshot(&root), before);
}

#[test]
fn use_of_a_backup_only_blob_needs_yes_and_then_restores_it() {
    let env = Env::new();
    let root = comfy(&env);
    env.enable_backup();
    let shas = env.pack("Parked", &[("parked.safetensors", &content("parked vae", 500))], Some("vae"));
    env.copy_to_backup(&shas[0]);
    fs::remove_file(env.blob_path(&shas[0])).unwrap();
    let err = env.error(&["use", "Parked"], 3, "restore_needed");
    assert_eq!(err["details"]["blobs"][0]["sha256"], shas[0].as_str());
    let v = env.json(&["--yes", "use", "Parked"]);
    assert_eq!(v["restored_blobs"][0]["sha256"], shas[0].as_str());
    assert_eq!(fs::read(env.blob_path(&shas[0])).unwrap(), content("parked vae", 500));
    assert_eq!(fs::read(root.join("models/vae/parked.safetensors")).unwrap(), content("parked vae", 500));
}

/// Issue 11: a pack whose kind is unknown linked nothing and reported success.
/// `use` now says why it cannot link, and `pack set-kind` makes it usable.
#[test]
fn a_pack_of_unknown_kind_is_refused_by_use_until_its_kind_is_set() {
    let env = Env::new();
    let root = comfy(&env);
    env.pack("Mystery", &[("mystery.safetensors", &content("no header", 400))], None);
    let err = env.error(&["use", "Mystery"], 2, "invalid_argument");
    assert!(err["message"].as_str().unwrap().contains("nothing to link"), "{err}");
    let dep = env.json(&["pack", "show", "Mystery"])["dependencies"].as_array().map(|d| d[0]["id"].as_str().unwrap().to_owned());
    let dep = dep.unwrap_or_else(|| "mystery".to_owned());
    let r = env.json(&["pack", "set-kind", "Mystery", &dep, "lora"]);
    assert_eq!(r["changed"], serde_json::json!([dep]), "{r}");
    let u = env.json(&["use", "Mystery"]);
    assert_eq!(u["linked"].as_array().unwrap().len(), 1, "{u}");
    assert!(root.join("models/loras/mystery.safetensors").exists());
    // Again: nothing to change; an unknown dependency is named.
    assert_eq!(env.json(&["pack", "set-kind", "Mystery", "--all", "lora"])["changed"], serde_json::json!([]));
    let e = env.error(&["pack", "set-kind", "Mystery", "nope", "vae"], 2, "invalid_argument");
    assert!(e["message"].as_str().unwrap().contains("no dependency \"nope\""), "{e}");
}
