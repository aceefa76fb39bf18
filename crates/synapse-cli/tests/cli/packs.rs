//! `synapse pack list | show | create | add | delete`, and pack names that
//! try to leave the store.

use std::fs;

use serde_json::{json, Value};

use crate::support::{content, sha_hex, Env};

fn lock_hashes(env: &Env, pack: &str) -> Vec<String> {
    let lock: Value = serde_json::from_slice(&fs::read(env.root.join("state/packs").join(pack).join("lock.json")).unwrap()).unwrap();
    lock["resolved"].as_array().unwrap().iter().map(|r| r["artifact"]["sha256"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn create_show_list_add_delete_round_trip() {
    let env = Env::new();
    let a = content("model-a", 4096);
    let b = content("model-b", 1234);
    let pa = env.file("a.safetensors", &a);
    let pb = env.file("b.ckpt", &b);
    let created = env.json(&["pack", "create", "My Pack", pa.to_str().unwrap(), pb.to_str().unwrap(), "--kind", "lora"]);
    assert_eq!(created["pack"], "My Pack");
    assert_eq!(created["created"], true);
    let added = created["added"].as_array().unwrap();
    assert_eq!(added.len(), 2);
    assert_eq!(added[0]["sha256"], sha_hex(&a));
    assert_eq!(added[0]["filename"], "a.safetensors");
    assert_eq!(added[0]["kind"], "lora");
    assert_eq!(added[0]["size_bytes"], 4096);
    assert_eq!(added[0]["already_present"], false);
    assert_eq!(added[1]["sha256"], sha_hex(&b));
    // The blobs are in the store under their hashes, with the same bytes; the sources stay.
    assert_eq!(fs::read(env.blob_path(&sha_hex(&a))).unwrap(), a);
    assert_eq!(fs::read(env.blob_path(&sha_hex(&b))).unwrap(), b);
    assert!(pa.exists() && pb.exists());
    assert_eq!(lock_hashes(&env, "My Pack"), [sha_hex(&a), sha_hex(&b)]);
    let pack_json: Value = serde_json::from_slice(&fs::read(env.root.join("state/packs/My Pack/pack.json")).unwrap()).unwrap();
    assert_eq!(pack_json["name"], "My Pack");
    assert_eq!(pack_json["dependencies"].as_array().unwrap().len(), 2);

    let show = env.json(&["pack", "show", "My Pack"]);
    assert_eq!(show["name"], "My Pack");
    assert_eq!(show["dependencies"], 2);
    assert_eq!(show["local_blobs"], 2);
    assert_eq!(show["total_bytes"], 4096 + 1234);
    assert_eq!(show["blobs"][0]["sha256"], sha_hex(&a));
    assert_eq!(show["blobs"][0]["display_name"], "a.safetensors");
    assert_eq!(show["blobs"][0]["on_local"], true);

    let list = env.json(&["pack", "list"]);
    assert_eq!(list["packs"].as_array().unwrap().len(), 1);
    assert_eq!(list["packs"][0]["name"], "My Pack");
    assert_eq!(list["pack_errors"], json!([]));

    // add: one new file, one already in the store through another name.
    let c = content("model-c", 777);
    let pc = env.file("c.pt", &c);
    let pa2 = env.file("copy-of-a.safetensors", &a);
    let add = env.json(&["pack", "add", "My Pack", pc.to_str().unwrap(), pa2.to_str().unwrap()]);
    assert_eq!(add["created"], false);
    assert_eq!(add["added"][0]["sha256"], sha_hex(&c));
    assert_eq!(add["added"][1]["already_present"], true);
    assert_eq!(lock_hashes(&env, "My Pack"), [sha_hex(&a), sha_hex(&b), sha_hex(&c), sha_hex(&a)]);
    let item = env.item(&sha_hex(&a));
    assert_eq!(item["ref_count"], 2);
    assert_eq!(item["status"], "referenced");

    let human = env.cmd().args(["pack", "show", "My Pack"]).output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("c.pt") && text.contains("a.safetensors"), "{text}");

    // delete: the pack goes, the blobs stay as orphans.
    let del = env.json(&["pack", "delete", "My Pack"]);
    assert_eq!(del["pack"], "My Pack");
    let mut orphaned: Vec<String> = del["orphaned"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect();
    orphaned.sort();
    let mut expected = vec![sha_hex(&a), sha_hex(&b), sha_hex(&c)];
    expected.sort();
    assert_eq!(orphaned, expected);
    assert!(!env.root.join("state/packs/My Pack").exists());
    for h in &expected {
        assert!(env.blob_path(h).exists(), "deleting a pack never deletes models");
        assert_eq!(env.item(h)["status"], "orphan");
    }
    assert_eq!(env.json(&["pack", "list"])["packs"], json!([]));
}

#[test]
fn pack_errors_have_exit_codes() {
    let env = Env::new();
    env.pack("Taken", &[("t.bin", &content("t", 10))], None);
    let f = env.file("x.bin", &content("x", 10));
    env.error(&["pack", "create", "Taken", f.to_str().unwrap()], 1, "already_exists");
    env.error(&["pack", "show", "Nope"], 5, "not_found");
    env.error(&["pack", "add", "Nope", f.to_str().unwrap()], 5, "not_found");
    env.error(&["pack", "delete", "Nope"], 5, "not_found");
    // A file that is not there: nothing is created.
    let gone = env.dir.path().join("src/gone.bin");
    let out = env.cmd().args(["--json", "pack", "create", "Fresh"]).arg(&gone).output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(!env.root.join("state/packs/Fresh").exists());
    // A directory is not a model file.
    env.error(&["pack", "create", "Fresh", env.dir.path().to_str().unwrap()], 2, "invalid_argument");
    assert!(!env.root.join("state/packs/Fresh").exists());
    // clap: files are required.
    env.error(&["pack", "create", "Fresh"], 2, "invalid_argument");
}

#[test]
fn pack_names_with_traversal_are_refused_before_touching_the_disk() {
    let env = Env::new();
    let f = env.file("m.bin", &content("m", 64));
    let before = Env::files_under(env.dir.path());
    for bad in ["../evil", "a/b", "..", ".hidden", "../../escape", "x\\y", " lead"] {
        let f = f.to_str().unwrap();
        for args in [vec!["pack", "create", bad, f], vec!["pack", "add", bad, f], vec!["pack", "show", bad], vec!["pack", "delete", bad]] {
            let err = env.error(&args, 2, "invalid_argument");
            assert_eq!(err["details"]["pack"], bad, "{args:?}");
        }
    }
    assert_eq!(Env::files_under(env.dir.path()), before, "nothing was written anywhere");
    assert!(!env.root.join("state/evil").exists() && !env.root.join("evil").exists() && !env.dir.path().join("escape").exists());
    assert_eq!(fs::read_dir(env.root.join("state/packs")).unwrap().count(), 0);
    assert!(Env::files_under(&env.blobs_dir()).is_empty(), "no blob was adopted for a refused pack");
}

#[test]
fn list_reports_unreadable_packs() {
    let env = Env::new();
    env.pack("Good", &[("g.bin", &content("g", 10))], None);
    env.break_pack("Bad");
    let list = env.json(&["pack", "list"]);
    assert_eq!(list["packs"][0]["name"], "Good");
    assert_eq!(list["pack_errors"][0]["pack"], "Bad");
    let out = env.cmd().args(["pack", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Good") && text.contains("cannot read pack Bad"), "{text}");
    env.error(&["pack", "show", "Bad"], 1, "invalid_file");
}
