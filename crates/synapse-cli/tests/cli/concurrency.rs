//! Two mutating commands at once, a command killed mid-adopt, and Ctrl-C.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use synapse_test_support::big_file;

use crate::support::{bin, content, Env};

#[test]
fn a_second_mutating_command_waits_then_says_who_is_busy() {
    let env = Env::new();
    let orphan = env.orphan(&content("waiting", 100));
    let store = synapse_core::Store::open(&env.root).unwrap();
    let held = store.lock("test").unwrap();

    let start = Instant::now();
    let out = env.cmd().args(["inventory", "cleanup", "--execute"]).output().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300), "it waited for the lock first");
    assert_eq!(out.status.code(), Some(8));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("store is busy: test since "), "{stderr}");
    assert!(stderr.contains(&format!("(pid {})", std::process::id())), "{stderr}");

    let err = env.error(&["inventory", "cleanup", "--execute"], 8, "busy");
    assert_eq!(err["details"]["operation"], "test");
    assert_eq!(err["details"]["pid"], std::process::id());
    env.error(&["pack", "delete", "Whatever"], 8, "busy");
    assert!(env.blob_path(&orphan).exists());

    // Reading never needs the lock.
    env.json(&["inventory"]);
    drop(held);
    assert_eq!(env.json(&["inventory", "cleanup", "--execute"])["orphans_deleted"], 1);
}

/// Starts `synapse pack create Big <file>` and waits until it writes into `data/tmp`.
fn start_big_adopt(env: &Env) -> (Child, PathBuf) {
    let src = env.dir.path().join("big.safetensors");
    big_file(&src, 300);
    let tmp = env.root.join("data/tmp");
    let mut child = Command::new(bin())
        .arg("--root")
        .arg(&env.root)
        .args(["pack", "create", "Big"])
        .arg(&src)
        .env_remove("SYNAPSE_ROOT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if !appears_in(&tmp, Duration::from_secs(30)) {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the adopt never started writing");
    }
    (child, src)
}

/// Polls until `dir` has an entry; false after `timeout`.
fn appears_in(dir: &Path, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

fn no_blob_and_no_pack(env: &Env) {
    let files = Env::files_under(&env.blobs_dir());
    assert!(files.is_empty(), "no blob and no .part beside blobs: {files:?}");
    assert!(!env.root.join("state/packs/Big").exists(), "the pack was never written");
    assert_eq!(env.json(&["inventory"])["items"], serde_json::json!([]));
}

#[test]
fn a_killed_adopt_leaves_no_blob_and_cleanup_removes_its_leftover() {
    let env = Env::new();
    let (mut child, _src) = start_big_adopt(&env);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    let status = child.wait().unwrap();
    assert!(!status.success());
    no_blob_and_no_pack(&env);

    let leftovers = Env::files_under(&env.root.join("data/tmp"));
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    let dry = env.json(&["inventory", "cleanup"]);
    let partials: Vec<&str> = dry["partial_files"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(partials, [leftovers[0].to_str().unwrap()]);
    assert!(leftovers[0].exists(), "a dry run deletes nothing");

    let done = env.json(&["inventory", "cleanup", "--execute"]);
    assert_eq!(done["partial_files_deleted"], 1);
    assert!(Env::files_under(&env.root.join("data/tmp")).is_empty());
}

#[test]
fn ctrl_c_cancels_cleanly_with_exit_130() {
    let env = Env::new();
    let (child, _src) = start_big_adopt(&env);
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    no_blob_and_no_pack(&env);
    assert!(Env::files_under(&env.root.join("data/tmp")).is_empty(), "a cancelled operation leaves no partial files");
}
