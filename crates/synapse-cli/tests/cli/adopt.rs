//! `synapse adopt`: dry run numbers, `--execute --link`, and originals that
//! still open the same bytes.

use std::fs;
use std::path::PathBuf;

use crate::support::{content, sha_hex, Env};

/// A ComfyUI tree and an A1111 tree under `<tmp>/uis`, with duplicates inside and across them.
fn trees(env: &Env) -> (PathBuf, Vec<(PathBuf, Vec<u8>)>) {
    let base = env.dir.path().join("uis");
    let ckpt = content("checkpoint", 4000);
    let lora = content("lora", 600);
    let files = vec![
        (base.join("ComfyUI/models/checkpoints/sdxl.safetensors"), ckpt.clone()),
        (base.join("ComfyUI/models/loras/detail.safetensors"), lora.clone()),
        (base.join("ComfyUI/models/vae/vae.safetensors"), content("vae", 300)),
        (base.join("webui/models/Stable-diffusion/sdxl.safetensors"), ckpt),
        (base.join("webui/models/Lora/detail.safetensors"), lora),
        (base.join("webui/models/ESRGAN/4x.pth"), content("esrgan", 200)),
    ];
    for (p, b) in &files {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b).unwrap();
    }
    (base, files)
}

#[test]
fn dry_run_reports_duplicates_and_the_space_linking_saves() {
    let env = Env::new();
    let (base, files) = trees(&env);
    let v = env.json(&["adopt", base.to_str().unwrap()]);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["files_found"], 6);
    assert_eq!(v["blobs_distinct"], 4);
    assert_eq!(v["duplicates"], 2);
    assert_eq!(v["bytes_duplicates"], 4600);
    assert_eq!(v["bytes_saved_by_linking"], 4600);
    let kinds: Vec<&str> = v["blobs"].as_array().unwrap().iter().map(|b| b["kind"].as_str().unwrap()).collect();
    for k in ["checkpoint", "lora", "vae", "upscaler"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    assert!(env.items(&[]).is_empty());
    for (p, _) in &files {
        assert!(!fs::symlink_metadata(p).unwrap().is_symlink());
    }
    let human = env.cmd().args(["adopt", base.to_str().unwrap()]).output().unwrap();
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains("dry run"));
}

#[test]
fn execute_with_link_replaces_every_copy_by_a_link_to_one_blob() {
    let env = Env::new();
    let (base, files) = trees(&env);
    let v = env.json(&["adopt", base.to_str().unwrap(), "--execute", "--link"]);
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["blobs_added"], 4);
    assert_eq!(v["files_linked"], 6);
    assert_eq!(v["bytes_freed"], 4600);
    assert_eq!(v["packs_created"].as_array().unwrap().len(), 4);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v}");
    for (p, b) in &files {
        assert!(fs::symlink_metadata(p).unwrap().is_symlink(), "{}", p.display());
        assert_eq!(&fs::read(p).unwrap(), b);
    }
    let items = env.items(&[]);
    assert_eq!(items.len(), 4);
    let lora = env.item(&sha_hex(&content("lora", 600)));
    assert_eq!(lora["kind"], "lora");
    assert!(!lora["active_in_uis"].as_array().unwrap().is_empty());
    // The blob the links point at is guarded: it is the last copy.
    env.error(&["inventory", "delete", lora["sha256"].as_str().unwrap()], 3, "last_copy");
}

#[test]
fn a_folder_that_does_not_exist_is_an_error() {
    let env = Env::new();
    let missing = env.dir.path().join("nope");
    env.error(&["adopt", missing.to_str().unwrap()], 1, "io");
}

#[test]
fn a_file_name_that_is_not_utf8_is_adopted_and_the_json_result_still_prints() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let base = env.dir.path().join("models/loras");
    std::fs::create_dir_all(&base).unwrap();
    let odd = base.join(std::ffi::OsStr::from_bytes(b"caf\xe9-lora.safetensors"));
    std::fs::write(&odd, content("latin-1 name", 2000)).unwrap();
    let v = env.json(&["adopt", base.to_str().unwrap(), "--execute"]);
    assert!(v.get("error").is_none(), "{v}");
    assert_eq!(v["blobs_added"], 1, "{v}");
    assert!(v.to_string().contains('\u{fffd}'), "the name is shown, with U+FFFD for the byte it cannot show: {v}");
}
