//! `synapse inventory verify`: exit 0 when every blob hashes to its name,
//! exit 7 with the invalid entries printed when one does not.

use std::fs;

use crate::support::{content, sha_hex, Env};

#[test]
fn all_valid_blobs_verify_and_are_recorded() {
    let env = Env::new();
    let hashes = env.pack("Good", &[("a.bin", &content("a", 3 << 20)), ("b.bin", &content("b", 1000))], None);
    let orphan = env.orphan(&content("c", 10));
    for args in [&["inventory", "verify"][..], &["inventory", "verify", "--all"]] {
        let r = env.json(args);
        assert_eq!(r["side"], "local");
        assert_eq!(r["total"], 3);
        assert_eq!(r["valid"].as_array().unwrap().len(), 3);
        assert_eq!(r["invalid"], serde_json::json!([]));
        assert_eq!(r["missing"], serde_json::json!([]));
        assert_eq!(r["bytes_verified"], (3 << 20) + 1010);
        assert!(r["duration_ms"].is_u64());
    }
    let item = env.item(&hashes[0]);
    assert_eq!(item["verified"], true, "the ledger records the result");
    assert!(item["verified_at"].is_string());

    let one = env.json(&["inventory", "verify", &orphan, &orphan[..9]]);
    assert_eq!(one["total"], 1, "the same blob twice is verified once");
    assert_eq!(one["valid"][0], orphan.as_str());

    let out = env.cmd().args(["inventory", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 valid, 0 invalid, 0 missing"));
}

#[test]
fn a_corrupted_blob_exits_7_with_what_was_found() {
    let env = Env::new();
    let hashes = env.pack("Rot", &[("good.bin", &content("good", 5000)), ("rot.bin", &content("rot", 5000))], None);
    let rotten = content("bit rot!", 5000);
    fs::write(env.blob_path(&hashes[1]), &rotten).unwrap();

    let r = env.json_exit(&["inventory", "verify"], 7);
    assert_eq!(r["total"], 2);
    assert_eq!(r["valid"], serde_json::json!([hashes[0]]));
    let bad = &r["invalid"][0];
    assert_eq!(bad["sha256"], hashes[1].as_str());
    assert_eq!(bad["expected"], hashes[1].as_str());
    assert_eq!(bad["actual"], sha_hex(&rotten));
    assert_eq!(bad["path"], env.blob_path(&hashes[1]).to_string_lossy().as_ref());
    assert!(r.get("error").is_none(), "the result, not an error object, is on stdout");
    assert!(env.blob_path(&hashes[1]).exists(), "verify reports a corrupt blob; it never deletes it");
    assert_eq!(env.item(&hashes[1])["verified"], false);

    // Selected by prefix, same outcome.
    let r = env.json_exit(&["inventory", "verify", &hashes[1][..12]], 7);
    assert_eq!(r["invalid"][0]["actual"], sha_hex(&rotten));

    let out = env.cmd().args(["inventory", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 invalid") && text.contains(&hashes[1]) && text.contains(&sha_hex(&rotten)), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: verify found 1 invalid blob(s)"));
}

#[test]
fn verifying_a_blob_that_is_not_here_is_not_a_success() {
    let env = Env::new();
    let sha = env.pack("Gone", &[("gone.bin", &content("gone", 100))], None)[0].clone();
    fs::remove_file(env.blob_path(&sha)).unwrap();
    let r = env.json_exit(&["inventory", "verify", &sha], 5);
    assert_eq!(r["missing"], serde_json::json!([sha]));
}

#[test]
fn selections_conflict_and_backup_needs_a_drive() {
    let env = Env::new();
    let sha = env.orphan(&content("x", 10));
    env.error(&["inventory", "verify", "--all", &sha], 2, "invalid_argument");
    env.error(&["inventory", "verify", "--backup", &sha], 2, "invalid_argument");
    env.error(&["inventory", "verify", "--backup"], 4, "backup_not_enabled");
    env.enable_backup();
    env.copy_to_backup(&sha);
    let r = env.json(&["inventory", "verify", "--backup"]);
    assert_eq!(r["side"], "backup");
    assert_eq!(r["valid"], serde_json::json!([sha]));
}
