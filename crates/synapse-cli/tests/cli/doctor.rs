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

    let r = env.json(&["doctor"]);
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
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("stale_partial") && text.contains("unreadable_pack"), "{text}");

    let fixed = env.json(&["doctor", "--fix"]);
    let partial = fixed["findings"].as_array().unwrap().iter().find(|f| f["code"] == "stale_partial").unwrap();
    assert_eq!(partial["fixed"], true);
    assert!(!stale.exists());
    assert!(env.root.join("state/packs/Broken/pack.json").exists(), "a pack is the user's data: doctor reports it, never deletes it");
}
