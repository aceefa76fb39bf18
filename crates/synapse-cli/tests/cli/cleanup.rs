//! `synapse inventory cleanup`: dry run by default, --execute deletes exactly
//! the orphans (never a referenced blob), --max-items, partial files, and the
//! refusal while a pack cannot be read.

use std::fs;

use crate::support::{content, Env};

#[test]
fn dry_run_lists_orphans_and_deletes_nothing() {
    let env = Env::new();
    env.enable_backup();
    let kept = env.pack("Keep", &[("keep.safetensors", &content("keep", 700))], None)[0].clone();
    let only = env.orphan(&content("only-here", 1000));
    let spare = env.orphan(&content("spare", 400));
    env.copy_to_backup(&spare);
    let r = env.json(&["inventory", "cleanup"]);
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["orphans_found"], 2);
    assert_eq!(r["orphans_deleted"], 0);
    assert_eq!(r["bytes_freed"], 0);
    assert_eq!(r["deleted"], serde_json::json!([]));
    let orphans = r["orphans"].as_array().unwrap();
    assert_eq!(orphans.len(), 2);
    assert_eq!(orphans[0]["sha256"], only.as_str(), "largest first");
    assert_eq!(orphans[0]["on_backup"], false);
    assert_eq!(orphans[1]["sha256"], spare.as_str());
    assert_eq!(orphans[1]["on_backup"], true);
    assert!(env.blob_path(&only).exists() && env.blob_path(&spare).exists() && env.blob_path(&kept).exists());

    let out = env.cmd().args(["inventory", "cleanup"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a dry run is a success");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("dry run: 2 orphans (1.4 kB) would be deleted — run with --execute"), "{text}");
    let only_line = text.lines().find(|l| l.contains(&only[..12])).unwrap();
    assert!(only_line.contains("only copy"), "{only_line}");
    let spare_line = text.lines().find(|l| l.contains(&spare[..12])).unwrap();
    assert!(!spare_line.contains("only copy"), "{spare_line}");
}

#[test]
fn execute_deletes_the_orphans_and_never_a_referenced_blob() {
    let env = Env::new();
    let kept = env.pack("Keep", &[("keep.safetensors", &content("keep", 700))], None)[0].clone();
    let a = env.orphan(&content("orphan-a", 1000));
    let b = env.orphan(&content("orphan-b", 300));
    let r = env.json(&["inventory", "cleanup", "--execute"]);
    assert_eq!(r["dry_run"], false);
    assert_eq!(r["orphans_found"], 2);
    assert_eq!(r["orphans_deleted"], 2);
    assert_eq!(r["bytes_freed"], 1300);
    assert_eq!(r["errors"], serde_json::json!([]));
    let mut deleted: Vec<&str> = r["deleted"].as_array().unwrap().iter().map(|d| d["sha256"].as_str().unwrap()).collect();
    deleted.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(deleted, expected);
    assert!(!env.blob_path(&a).exists() && !env.blob_path(&b).exists());
    assert!(env.blob_path(&kept).exists());

    let again = env.cmd().args(["inventory", "cleanup", "--execute"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "nothing to do is a success");
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to clean up"));
}

#[test]
fn max_items_takes_the_largest_first() {
    let env = Env::new();
    let big = env.orphan(&content("big", 5000));
    let small = env.orphan(&content("small", 50));
    let r = env.json(&["inventory", "cleanup", "--execute", "--max-items", "1"]);
    assert_eq!(r["orphans_deleted"], 1);
    assert_eq!(r["deleted"][0]["sha256"], big.as_str());
    assert!(!env.blob_path(&big).exists());
    assert!(env.blob_path(&small).exists());
}

#[test]
fn stale_partial_files_are_part_of_the_cleanup() {
    let env = Env::new();
    let tmp_file = env.root.join("data/tmp/0123456789abcdef0123456789abcdef.part");
    fs::write(&tmp_file, content("partial", 2000)).unwrap();
    let beside = env.blobs_dir().join("ab").join(format!("{}.part", "ab".repeat(32)));
    fs::create_dir_all(beside.parent().unwrap()).unwrap();
    fs::write(&beside, content("download", 100)).unwrap();

    let r = env.json(&["inventory", "cleanup"]);
    let mut paths: Vec<&str> = r["partial_files"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    paths.sort();
    let mut expected = vec![beside.to_str().unwrap(), tmp_file.to_str().unwrap()];
    expected.sort();
    assert_eq!(paths, expected);
    assert!(tmp_file.exists() && beside.exists(), "a dry run keeps them");
    let human = env.cmd().args(["inventory", "cleanup"]).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("0123456789abcdef0123456789abcdef.part"));

    let r = env.json(&["inventory", "cleanup", "--execute"]);
    assert_eq!(r["partial_files_deleted"], 2);
    assert!(!tmp_file.exists() && !beside.exists());
}

#[test]
fn refuses_while_a_pack_cannot_be_read() {
    let env = Env::new();
    let orphan = env.orphan(&content("maybe-used", 100));
    env.break_pack("Broken");
    for args in [&["inventory", "cleanup"][..], &["inventory", "cleanup", "--execute"]] {
        let err = env.error(args, 3, "packs_unreadable");
        assert_eq!(err["details"]["pack_errors"][0]["pack"], "Broken");
    }
    assert!(env.blob_path(&orphan).exists());
    let out = env.cmd().args(["inventory", "cleanup", "--execute"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Broken"), "{stderr}");
}

/// SPEC §3.11: a saved dry run is applied exactly; an orphan that appeared
/// after the review (a pack deleted meanwhile) is not deleted.
#[test]
fn save_plan_then_apply_deletes_exactly_the_reviewed_orphans() {
    let env = Env::new();
    let planned = env.orphan(&content("reviewed orphan", 900));
    let later = env.pack("Later", &[("later.safetensors", &content("orphaned after the review", 800))], None)[0].clone();
    let plan = env.dir.path().join("cleanup-plan.json");
    let dry = env.json(&["inventory", "cleanup", "--save-plan", plan.to_str().unwrap()]);
    assert_eq!(dry["dry_run"], true);
    assert!(plan.exists());
    // Meanwhile, from another terminal: the pack goes, its blob becomes an orphan.
    env.json(&["pack", "delete", "Later"]);
    let r = env.json(&["inventory", "cleanup", "--apply", plan.to_str().unwrap()]);
    assert_eq!(r["orphans_deleted"], 1, "{r}");
    assert_eq!(r["deleted"][0]["sha256"], planned.as_str());
    assert!(!env.blob_path(&planned).exists());
    assert!(env.blob_path(&later).exists(), "the orphan that was not reviewed is still there");

    // The same plan on another store is refused (usage error, exit 2), nothing deleted there.
    let other = Env::new();
    let keep = other.orphan(&content("other store's orphan", 300));
    let e = other.error(&["inventory", "cleanup", "--apply", plan.to_str().unwrap()], 2, "invalid_argument");
    assert!(e["message"].as_str().unwrap().contains("made for the store"), "{e}");
    assert!(other.blob_path(&keep).exists());
}

/// Regression (issue 12): the human text said "1 orphans", its last column had
/// no header, and a blob without a name showed its hash twice (as the name
/// and in the SHA256 column).
#[test]
fn human_text_counts_right_heads_every_column_and_shows_a_hash_once() {
    let env = Env::new();
    let sha = env.orphan(&content("nameless orphan", 300));
    let out = env.cmd().args(["inventory", "cleanup"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dry run: 1 orphan (300 B) would be deleted"), "{text}");
    assert!(!text.contains("1 orphans"), "{text}");
    assert!(text.contains("it is the only copy: deleting it is final"), "{text}");
    let header = text.lines().next().unwrap();
    assert_eq!(header.split_whitespace().collect::<Vec<_>>(), ["NAME", "KIND", "SIZE", "SHA256", "COPIES"], "{text}");
    assert_eq!(text.matches(&sha[..12]).count(), 1, "the hash once: {text}");
    assert!(text.contains("(no name)"), "{text}");

    let out = env.cmd().args(["inventory", "cleanup", "--execute"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("deleted 1 orphan and 0 partial files, freed 300 B"), "{text}");
}
