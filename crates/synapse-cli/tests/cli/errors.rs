//! The one error shape of `--json` (`{"error": {code, message, details}}`),
//! pinned by snapshots, and usage errors.

use crate::support::{content, normalise, Env};

fn error_json(env: &Env, args: &[&str], exit: i32) -> String {
    let out = env.cmd().arg("--json").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(exit), "{args:?}");
    assert!(out.stderr.is_empty(), "with --json errors go to stdout only: {}", String::from_utf8_lossy(&out.stderr));
    normalise(&String::from_utf8(out.stdout).unwrap(), env.dir.path())
}

#[test]
fn error_shape_invalid_hash() {
    let env = Env::new();
    insta::assert_snapshot!("invalid_hash", error_json(&env, &["inventory", "show", "../../etc/passwd"], 2));
}

#[test]
fn error_shape_invalid_pack_name() {
    let env = Env::new();
    insta::assert_snapshot!("invalid_pack_name", error_json(&env, &["pack", "show", "../evil"], 2));
}

#[test]
fn error_shape_no_match() {
    let env = Env::new();
    insta::assert_snapshot!("no_match", error_json(&env, &["inventory", "impacts", "0123456789"], 5));
}

#[test]
fn error_shape_missing_store() {
    let env = Env::new();
    std::fs::remove_dir_all(&env.root).unwrap();
    insta::assert_snapshot!("missing_store", error_json(&env, &["inventory"], 5));
}

#[test]
fn error_shape_last_copy() {
    let env = Env::new();
    let sha = env.pack("Solo", &[("solo.safetensors", &content("solo", 2048))], Some("lora"))[0].clone();
    insta::assert_snapshot!("last_copy", error_json(&env, &["inventory", "delete", &sha], 3));
}

#[test]
fn usage_errors_exit_2_and_honour_json() {
    let env = Env::new();
    let out = env.cmd().args(["inventory", "--status", "lost"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lost"));

    for args in [&["inventory", "--status", "lost"][..], &["frobnicate"], &["inventory", "delete"], &["pack"]] {
        let err = env.error(args, 2, "invalid_argument");
        assert!(err["details"]["usage"].is_string(), "{args:?}: {err}");
    }
    let out = env.cmd().args(["inventory", "--status", "lost", "--json"]).output().unwrap();
    insta::assert_snapshot!("usage_error", normalise(&String::from_utf8(out.stdout).unwrap(), env.dir.path()));
}

#[test]
fn help_and_version_succeed() {
    let env = Env::new();
    let out = env.cmd().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["init", "doctor", "inventory", "pack", "demo"] {
        assert!(text.contains(cmd), "{text}");
    }
    env.cmd().arg("--version").assert().success();
    env.cmd().args(["inventory", "--help"]).assert().success();
}
