//! `synapse doctor [--fix]`.

use std::fs;

use serde_json::Value;

use crate::support::{content, Env};

fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_fresh_store_is_healthy() {
    let env = Env::new();
    let r = env.json(&["doctor"]);
    assert_eq!(r["root"], env.root.to_string_lossy().as_ref());
    assert_eq!(r["ok"], true);
    let serious: Vec<&Value> = r["findings"].as_array().unwrap().iter().filter(|f| f["severity"] != "info").collect();
    assert!(serious.is_empty(), "{r}");
    env.cmd().arg("doctor").assert().success();
}

#[test]
fn finds_and_fixes_what_is_safe() {
    let env = Env::new();
    let stale = env.root.join("data/tmp/deadbeefdeadbeefdeadbeefdeadbeef.part");
    fs::write(&stale, content("stale", 100)).unwrap();
    env.fake_blob("not-a-hash-at-all", b"stray");
    env.break_pack("Broken");

    // An unreadable pack is an error: ok is false and the exit code 1 (SPEC §5).
    let r = env.json_exit(&["doctor"], 1);
    assert_eq!(r["ok"], false);
    let found = codes(&r);
    for code in ["stale_partial", "bad_blob_name", "unreadable_pack"] {
        assert!(found.iter().any(|c| c == code), "no {code} in {found:?}");
    }
    for f in r["findings"].as_array().unwrap() {
        for key in ["code", "severity", "message", "path", "fixed", "fixable"] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
        assert_eq!(f["fixed"], false, "without --fix nothing is repaired");
    }
    assert!(stale.exists());

    let out = env.cmd().arg("doctor").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("stale_partial") && text.contains("unreadable_pack"), "{text}");

    let fixed = env.json_exit(&["doctor", "--fix"], 1);
    let partial = fixed["findings"].as_array().unwrap().iter().find(|f| f["code"] == "stale_partial").unwrap();
    assert_eq!(partial["fixed"], true);
    assert!(!stale.exists());
    assert!(env.root.join("state/packs/Broken/pack.json").exists(), "a pack is the user's data: doctor reports it, never deletes it");
}

/// Regression (issue 12): `doctor --json` said `"ok": false` and exited 0 for
/// mere warnings, so scripts could not tell a healthy store from a broken one;
/// and its table ran to 250-column lines. SPEC §5: ok (and exit 0) when no
/// finding is an error; exit 1 otherwise. The table wraps to the terminal.
#[test]
fn warnings_are_ok_errors_exit_1_and_the_table_wraps() {
    let env = Env::new();
    fs::write(env.root.join("data/tmp/0badc0de0badc0de0badc0de0badc0de.part"), content("stale", 100)).unwrap();
    env.fake_blob("not-a-hash-at-all", b"stray");
    let r = env.json(&["doctor"]);
    assert_eq!(r["ok"], true, "warnings only: {r}");
    assert!(r["findings"].as_array().unwrap().iter().any(|f| f["severity"] == "warning"), "{r}");
    let out = env.cmd().arg("doctor").env("COLUMNS", "80").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("stale_partial"), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{} columns: {line}", line.chars().count());
    }

    env.break_pack("Broken");
    let r = env.json_exit(&["doctor"], 1);
    assert_eq!(r["ok"], false);
    let out = env.cmd().arg("doctor").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 error(s)"), "{}", String::from_utf8_lossy(&out.stderr));
}
