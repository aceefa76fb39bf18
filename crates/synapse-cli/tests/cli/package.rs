//! `synapse package export | validate | import`: the JSON shapes, exit codes,
//! a damaged package, Ctrl-C, and an import killed with SIGKILL half-way.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use synapse_test_support::big_file;

use crate::support::{bin, content, sha_hex, Env};

/// Every file below `dir` with its bytes, by path relative to `dir` (the
/// store's lock file aside: taking the lock creates it).
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    Env::files_under(dir)
        .into_iter()
        .map(|p| (p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap()))
        .filter(|(rel, _)| rel != Path::new(".synapse.lock"))
        .collect()
}

/// A store with packs `Alpha` (two files) and `Beta` (one, shared with Alpha).
fn source() -> (Env, Vec<String>) {
    let env = Env::new();
    let a = content("alpha-one", 4000);
    let b = content("shared", 2500);
    let mut hashes = env.pack("Alpha", &[("one.safetensors", &a), ("shared.safetensors", &b)], Some("lora"));
    hashes.extend(env.pack("Beta", &[("shared.safetensors", &b)], Some("lora")));
    (env, hashes)
}

#[test]
fn export_validate_import_round_trip_with_json_shapes() {
    let (src, hashes) = source();
    let pkg = src.dir.path().join("out/two.tar");
    let exported = src.json(&["package", "export", "Alpha", "Beta", "--out", pkg.to_str().unwrap()]);
    assert_eq!(exported["format"], "tar");
    assert_eq!(exported["packs"], serde_json::json!(["Alpha", "Beta"]));
    assert_eq!(exported["blobs"], 2);
    assert_eq!(exported["bytes"], 6500);
    assert_eq!(exported["include_blobs"], true);
    assert!(pkg.is_file());
    // The target exists now: a second export refuses to overwrite it.
    src.error(&["package", "export", "Alpha", "--out", pkg.to_str().unwrap()], 1, "already_exists");
    src.error(&["package", "export", "../evil", "--out", "x.tar"], 2, "invalid_argument");

    let dest = Env::new();
    let report = dest.json(&["package", "validate", pkg.to_str().unwrap()]);
    assert_eq!(report["valid"], true);
    assert_eq!(report["format"], "tar");
    assert_eq!(report["issues"], serde_json::json!([]));
    assert_eq!(report["items"][0]["pack"], "Alpha");
    assert_eq!(report["items"][0]["classification"], "new");
    assert_eq!(report["items"][0]["blobs_new"], 2);
    assert_eq!(report["items"][0]["bytes_new"], 6500);
    assert_eq!(report["totals"]["files_count"], 2);
    assert_eq!(report["totals"]["bytes_new"], 6500);

    // Without --execute: the plan, and nothing written.
    let before = files(&dest.root);
    let plan = dest.json(&["package", "import", pkg.to_str().unwrap()]);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["imported"], serde_json::json!(["Alpha", "Beta"]));
    assert_eq!(plan["blobs_to_copy"], 2);
    assert_eq!(plan["blobs_copied"], 0);
    assert_eq!(files(&dest.root), before);

    let done = dest.json(&["package", "import", pkg.to_str().unwrap(), "--execute"]);
    assert_eq!(done["dry_run"], false);
    assert_eq!(done["imported"], serde_json::json!(["Alpha", "Beta"]));
    assert_eq!((done["blobs_copied"].as_u64(), done["bytes_copied"].as_u64()), (Some(2), Some(6500)));
    for pack in ["Alpha", "Beta"] {
        let rel = format!("state/packs/{pack}");
        assert_eq!(files(&dest.root.join(&rel)), files(&src.root.join(&rel)), "{pack} byte-identical");
    }
    for h in &hashes {
        assert_eq!(fs::read(dest.blob_path(h)).unwrap(), fs::read(src.blob_path(h)).unwrap());
    }
    assert_eq!(dest.json(&["inventory", "verify", "--all"])["invalid"], serde_json::json!([]));

    // Again: both packs are the same version now.
    let again = dest.json(&["package", "validate", pkg.to_str().unwrap()]);
    assert_eq!(again["items"][1]["classification"], "duplicate_same_version");
    let dup = dest.json(&["package", "import", pkg.to_str().unwrap(), "--set", "Beta=create_duplicate", "--execute"]);
    assert_eq!(dup["skipped"][0]["pack"], "Alpha");
    assert_eq!(dup["skipped"][0]["classification"], "duplicate_same_version");
    assert_eq!(dup["duplicated"], serde_json::json!([{"pack": "Beta", "imported_as": "Beta (2)"}]));
    assert!(dest.root.join("state/packs/Beta (2)/pack.json").is_file());

    dest.error(&["package", "import", pkg.to_str().unwrap(), "--set", "Beta=sometimes"], 2, "invalid_argument");
    dest.error(&["package", "import", pkg.to_str().unwrap(), "--set", "Nope=always_overwrite"], 2, "invalid_argument");

    let human = dest.cmd().args(["package", "validate", pkg.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("valid") && text.contains("duplicate_same_version"), "{text}");
}

#[test]
fn a_damaged_package_fails_validation_with_exit_7_and_import_writes_nothing() {
    let (src, hashes) = source();
    let pkg = src.dir.path().join("pkg");
    src.json(&["package", "export", "Alpha", "--out", pkg.to_str().unwrap()]);
    let blob = pkg.join("files").join(&hashes[0]);
    let mut bytes = fs::read(&blob).unwrap();
    bytes[1000] ^= 0x04;
    fs::write(&blob, bytes).unwrap();

    let dest = Env::new();
    let report = dest.json_exit(&["package", "validate", pkg.to_str().unwrap()], 7);
    assert_eq!(report["valid"], false);
    let issue = &report["issues"][0];
    assert_eq!(issue["severity"], "error");
    assert_eq!(issue["code"], "hash_mismatch");
    assert_eq!(issue["path"], format!("files/{}", hashes[0]));
    assert_eq!(report["totals"]["errors"], 1);

    let before = files(&dest.root);
    let err = dest.error(&["package", "import", pkg.to_str().unwrap(), "--execute"], 7, "integrity");
    assert_eq!(err["details"]["issues"][0]["code"], "hash_mismatch");
    assert_eq!(files(&dest.root), before, "nothing was written");
    let human = dest.cmd().args(["package", "import", pkg.to_str().unwrap(), "--execute"]).output().unwrap();
    assert_eq!(human.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(stderr.contains("is not valid") && stderr.contains("hashes to"), "{stderr}");

    dest.error(&["package", "validate", src.dir.path().join("nothing-here").to_str().unwrap()], 1, "io");
}

#[test]
fn a_metadata_only_export_has_no_files() {
    let (src, _) = source();
    let pkg = src.dir.path().join("meta");
    let exported = src.json(&["package", "export", "Beta", "--out", pkg.to_str().unwrap(), "--no-blobs"]);
    assert_eq!(exported["include_blobs"], false);
    assert_eq!(exported["blobs"], 0);
    assert!(!pkg.join("files").exists());
    let dest = Env::new();
    let report = dest.json(&["package", "validate", pkg.to_str().unwrap()]);
    assert_eq!(report["valid"], true);
    assert_eq!(report["issues"][0]["code"], "blob_unavailable");
    assert_eq!(report["issues"][0]["severity"], "warning");
}

/// A tar package of a pack `Big` (one large blob) and a pack `Small`.
fn big_package() -> (Env, PathBuf) {
    let src = Env::new();
    let big = src.dir.path().join("big.safetensors");
    big_file(&big, 300);
    src.json(&["pack", "create", "Big", big.to_str().unwrap(), "--kind", "checkpoint"]);
    src.pack("Small", &[("small.safetensors", &content("small", 3000))], Some("lora"));
    let pkg = src.dir.path().join("big.tar");
    src.json(&["package", "export", "Big", "Small", "--out", pkg.to_str().unwrap()]);
    (src, pkg)
}

/// Starts `synapse package import <pkg> --execute` and waits until it has
/// written some bytes of a staged blob into `data/tmp`.
fn start_import(dest: &Env, pkg: &Path) -> std::process::Child {
    let mut child = Command::new(bin())
        .arg("--root")
        .arg(&dest.root)
        .args(["package", "import"])
        .arg(pkg)
        .arg("--execute")
        .env_remove("SYNAPSE_ROOT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let tmp = dest.root.join("data/tmp");
    loop {
        let staged = Env::files_under(&tmp).iter().any(|p| fs::metadata(p).is_ok_and(|m| m.len() > (1 << 20)));
        if staged {
            return child;
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("the import never started staging its blob");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// No pack of the store points at a blob the store lacks, and every blob hashes right.
fn assert_consistent(env: &Env) {
    let list = env.json(&["pack", "list"]);
    for p in list["packs"].as_array().unwrap() {
        for b in p["blobs"].as_array().unwrap() {
            assert_eq!(b["on_local"], true, "pack {} points at a missing blob: {b}", p["name"]);
        }
    }
    assert_eq!(list["pack_errors"], serde_json::json!([]));
    let verify = env.json(&["inventory", "verify", "--all"]);
    assert_eq!(verify["invalid"], serde_json::json!([]));
}

#[test]
fn an_import_killed_mid_way_leaves_the_store_consistent_and_can_be_run_again() {
    let (src, pkg) = big_package();
    let dest = Env::new();
    let mut child = start_import(&dest, &pkg);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    assert!(!child.wait().unwrap().success());
    assert_consistent(&dest);
    assert!(!dest.root.join("state/packs/Big").exists(), "the pack comes after its blob");

    // The import runs again to the end; cleanup removes what the killed one left.
    let done = dest.json(&["package", "import", pkg.to_str().unwrap(), "--execute"]);
    assert_eq!(done["imported"], serde_json::json!(["Big", "Small"]));
    assert_consistent(&dest);
    let big = src.json(&["pack", "show", "Big"])["blobs"][0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha_hex(&fs::read(dest.blob_path(&big)).unwrap()), big);
    dest.json(&["inventory", "cleanup", "--execute"]);
    assert!(Env::files_under(&dest.root.join("data/tmp")).is_empty());
}

#[test]
fn ctrl_c_cancels_an_import_with_exit_130_and_nothing_written() {
    let (_src, pkg) = big_package();
    let dest = Env::new();
    let child = start_import(&dest, &pkg);
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(Env::files_under(&dest.root.join("data/tmp")).is_empty(), "no staged files left");
    assert!(Env::files_under(&dest.blobs_dir()).is_empty(), "no blob placed");
    assert_eq!(dest.json(&["pack", "list"])["packs"], serde_json::json!([]));
    let leftover: Vec<PathBuf> = fs::read_dir(dest.root.join("data/tmp")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(leftover.is_empty(), "not even an empty staging folder: {leftover:?}");
}
