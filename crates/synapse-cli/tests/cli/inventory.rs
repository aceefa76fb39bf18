//! `synapse inventory`: the page and summary shapes, filters, sort, paging,
//! `show` and `impacts`.

use std::fs;

use serde_json::{json, Value};

use crate::support::{content, Env};

/// Hashes of the populated store.
struct Store {
    env: Env,
    lora: String,
    ckpt: String,
    extra: String,
    orphan: String,
    missing: String,
}

/// Two packs with three local blobs (8000 B and 2000 B checkpoints, a 3000 B
/// lora), an orphan of 1000 B and a missing embedding of 500 B.
fn populated() -> Store {
    let env = Env::new();
    let lora = env.pack("Alpha", &[("alpha-lora.safetensors", &content("alpha", 3000))], Some("lora"))[0].clone();
    let beta = env.pack(
        "Beta",
        &[("beta-ckpt.safetensors", &content("beta", 8000)), ("beta-extra.bin", &content("extra", 2000))],
        Some("checkpoint"),
    );
    let missing = env.pack("Gamma", &[("gamma.safetensors", &content("gamma", 500))], Some("embedding"))[0].clone();
    fs::remove_file(env.blob_path(&missing)).unwrap();
    let orphan = env.orphan(&content("orphan", 1000));
    Store { lora, ckpt: beta[0].clone(), extra: beta[1].clone(), orphan, missing, env }
}

fn shas(items: &[Value]) -> Vec<&str> {
    items.iter().map(|i| i["sha256"].as_str().unwrap()).collect()
}

#[test]
fn list_prints_the_page_with_every_item_field() {
    let s = populated();
    let page = s.env.json(&["inventory"]);
    let keys: Vec<&String> = page.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["items", "total_matching", "limit", "offset", "summary"]);
    assert_eq!(page["total_matching"], 5);
    assert_eq!(page["limit"], 1000);
    assert_eq!(page["offset"], 0);
    let items = page["items"].as_array().unwrap();
    assert_eq!(shas(items), [&s.ckpt, &s.lora, &s.extra, &s.orphan, &s.missing], "default sort is size_desc");
    let lora = &items[1];
    for key in [
        "sha256",
        "kind",
        "display_name",
        "size_bytes",
        "status",
        "location",
        "on_local",
        "on_backup",
        "used_by_packs",
        "ref_count",
        "origin",
        "active_in_uis",
        "verified",
        "verified_at",
    ] {
        assert!(lora.get(key).is_some(), "item lacks {key}: {lora}");
    }
    assert_eq!(lora["kind"], "lora");
    assert_eq!(lora["display_name"], "alpha-lora.safetensors");
    assert_eq!(lora["size_bytes"], 3000);
    assert_eq!(lora["status"], "referenced");
    assert_eq!(lora["location"], "local_only");
    assert_eq!(lora["used_by_packs"], json!(["Alpha"]));
    assert_eq!(lora["ref_count"], 1);
    let orphan = &items[3];
    assert_eq!(orphan["status"], "orphan");
    assert_eq!(orphan["display_name"], &s.orphan[..12], "last-resort name: the first 12 hex characters");
    let missing = &items[4];
    assert_eq!((missing["status"].as_str(), missing["location"].as_str()), (Some("missing"), Some("nowhere")));
}

#[test]
fn filters_narrow_the_page_but_not_the_summary() {
    let s = populated();
    let cases: Vec<(Vec<&str>, Vec<&String>)> = vec![
        (vec!["--kind", "lora"], vec![&s.lora]),
        (vec!["--kind", "checkpoint"], vec![&s.ckpt, &s.extra]),
        (vec!["--status", "orphan"], vec![&s.orphan]),
        (vec!["--status", "missing"], vec![&s.missing]),
        (vec!["--status", "referenced"], vec![&s.ckpt, &s.lora, &s.extra]),
        (vec!["--location", "nowhere"], vec![&s.missing]),
        (vec!["--location", "local_only"], vec![&s.ckpt, &s.lora, &s.extra, &s.orphan]),
        (vec!["--search", "BETA"], vec![&s.ckpt, &s.extra]),
        (vec!["--search", "gamma"], vec![&s.missing]),
        (vec!["--search", &s.orphan[..10]], vec![&s.orphan]),
        (vec!["--kind", "checkpoint", "--search", "extra"], vec![&s.extra]),
        (vec!["--kind", "vae"], vec![]),
    ];
    for (args, expected) in cases {
        let mut full = vec!["inventory"];
        full.extend(&args);
        let page = s.env.json(&full);
        let items = page["items"].as_array().unwrap();
        assert_eq!(shas(items), expected, "{args:?}");
        assert_eq!(page["total_matching"], expected.len(), "{args:?}");
        assert_eq!(page["summary"]["blobs_total"], 5, "{args:?}: the summary covers the whole store");
    }
}

#[test]
fn sort_orders() {
    let s = populated();
    let sorted = |key: &str| s.env.items(&["--sort", key]);
    assert_eq!(shas(&sorted("size_asc")), [&s.missing, &s.orphan, &s.extra, &s.lora, &s.ckpt]);
    let names = |items: Vec<Value>| items.iter().map(|i| i["display_name"].as_str().unwrap().to_lowercase()).collect::<Vec<_>>();
    let asc = names(sorted("name_asc"));
    let mut expected = asc.clone();
    expected.sort();
    assert_eq!(asc, expected);
    let mut desc = names(sorted("name_desc"));
    desc.reverse();
    assert_eq!(desc, asc);
    let status: Vec<String> = sorted("status").iter().map(|i| i["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(status, ["referenced", "referenced", "referenced", "missing", "orphan"]);
    let kinds: Vec<String> = sorted("kind").iter().map(|i| i["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["checkpoint", "checkpoint", "lora", "embedding", "unknown"]);
    s.env.error(&["inventory", "--sort", "biggest"], 2, "invalid_argument");
}

#[test]
fn limit_and_offset_page_through_the_matches() {
    let s = populated();
    let page = s.env.json(&["inventory", "--limit", "2", "--offset", "1"]);
    assert_eq!(shas(page["items"].as_array().unwrap()), [&s.lora, &s.extra]);
    assert_eq!((page["total_matching"].as_u64(), page["limit"].as_u64(), page["offset"].as_u64()), (Some(5), Some(2), Some(1)));
    let past = s.env.json(&["inventory", "--offset", "10"]);
    assert_eq!(past["items"], json!([]));
    assert_eq!(past["total_matching"], 5);
    s.env.error(&["inventory", "--limit", "-1"], 2, "invalid_argument");
}

#[test]
fn summary_describes_the_whole_store() {
    let s = populated();
    let sum = s.env.json(&["inventory", "--summary"]);
    assert_eq!(sum["blobs_total"], 5);
    assert_eq!(sum["blobs_referenced"], 3);
    assert_eq!(sum["blobs_orphan"], 1);
    assert_eq!(sum["blobs_missing"], 1);
    assert_eq!(sum["blobs_backup_only"], 0);
    assert_eq!(sum["bytes_total"], 14000, "a missing blob has no bytes anywhere");
    assert_eq!(sum["bytes_referenced"], 13000);
    assert_eq!(sum["bytes_orphan"], 1000);
    // Every item known anywhere: the missing embedding counts at its lock's size (SPEC §3.2).
    assert_eq!(sum["bytes_by_kind"], json!({"checkpoint": 10000, "lora": 3000, "embedding": 500, "unknown": 1000}));
    assert_eq!(sum["pack_errors"], json!([]));
    assert!(sum["disk"]["total_bytes"].as_u64().unwrap() > 0);
    let b = &sum["backup"];
    assert_eq!((b["enabled"].as_bool(), b["connected"].as_bool(), b["source"].as_str()), (Some(false), Some(false), Some("none")));
    assert_eq!(b["blobs_local_only"], 4);
    s.env.error(&["inventory", "--summary", "--kind", "lora"], 2, "invalid_argument");

    let human = s.env.cmd().args(["inventory", "--summary"]).output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    for needle in ["referenced", "orphan", "missing", "checkpoint", "Disk", "Backup", "not enabled"] {
        assert!(text.contains(needle), "summary lacks {needle:?}:\n{text}");
    }
}

#[test]
fn unreadable_packs_are_reported_never_skipped() {
    let s = populated();
    s.env.break_pack("Broken");
    let sum = s.env.json(&["inventory", "--summary"]);
    assert_eq!(sum["pack_errors"][0]["pack"], "Broken");
    assert!(sum["pack_errors"][0]["reason"].as_str().is_some());
    let out = s.env.cmd().args(["inventory", "--summary"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Broken"));
    let out = s.env.cmd().arg("inventory").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Broken"), "the listing warns about it");
}

#[test]
fn backup_only_blobs_are_listed_from_the_drive() {
    let env = Env::new();
    env.enable_backup();
    let sha = env.pack("Delta", &[("delta.safetensors", &content("delta", 4000))], Some("vae"))[0].clone();
    env.copy_to_backup(&sha);
    fs::remove_file(env.blob_path(&sha)).unwrap();
    let item = env.item(&sha);
    assert_eq!((item["status"].as_str(), item["location"].as_str()), (Some("backup_only"), Some("backup_only")));
    assert_eq!((item["on_local"].as_bool(), item["on_backup"].as_bool()), (Some(false), Some(true)));
    let sum = env.json(&["inventory", "--summary"]);
    assert_eq!(sum["blobs_backup_only"], 1);
    assert_eq!(sum["backup"]["connected"], true);
    assert_eq!(sum["backup"]["source"], "live");
}

#[test]
fn human_listing_is_a_table() {
    let s = populated();
    let out = s.env.cmd().arg("inventory").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    for col in ["NAME", "KIND", "SIZE", "STATUS", "LOCATION", "USED BY", "SHA256"] {
        assert!(header.contains(col), "{header}");
    }
    let lora = text.lines().find(|l| l.contains("alpha-lora.safetensors")).unwrap();
    assert!(lora.contains("3.0 kB") && lora.contains("referenced") && lora.contains("local_only") && lora.contains("Alpha"), "{lora}");
    assert!(!text.contains('\u{1b}'), "no colour when stdout is not a terminal");
    let empty = s.env.cmd().args(["inventory", "--kind", "vae"]).output().unwrap();
    assert!(String::from_utf8_lossy(&empty.stdout).contains("no blobs match"));
}

#[test]
fn show_gives_item_impacts_and_files() {
    let s = populated();
    let d = s.env.json(&["inventory", "show", &s.lora]);
    assert_eq!(d["item"]["sha256"], s.lora.as_str());
    assert_eq!(d["impacts"]["sha256"], s.lora.as_str());
    assert_eq!(d["impacts"]["is_last_copy"], true);
    assert_eq!(d["local"]["path"], s.env.blob_path(&s.lora).to_string_lossy().as_ref());
    assert_eq!(d["local"]["size_bytes"], 3000);
    assert_eq!(d["backup"], Value::Null);

    let out = s.env.cmd().args(["inventory", "show", &s.lora]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in ["alpha-lora.safetensors", "Impacts", "Files", "Alpha", &s.lora] {
        assert!(text.contains(needle), "show lacks {needle:?}:\n{text}");
    }
    assert!(text.contains(&*s.env.blob_path(&s.lora).to_string_lossy()));
}

#[test]
fn impacts_of_referenced_orphan_and_missing_blobs() {
    let s = populated();
    let i = s.env.json(&["inventory", "impacts", &s.ckpt]);
    for key in [
        "sha256",
        "status",
        "size_bytes",
        "used_by_packs",
        "affected_packs",
        "active_in_uis",
        "is_last_copy",
        "can_delete_safely",
        "warning",
    ] {
        assert!(i.get(key).is_some(), "impacts lacks {key}: {i}");
    }
    assert_eq!(i["status"], "referenced");
    assert_eq!(i["size_bytes"], 8000);
    assert_eq!(i["used_by_packs"], json!(["Beta"]));
    assert_eq!(i["affected_packs"][0]["name"], "Beta");
    assert_eq!(i["affected_packs"][0]["dependency_id"], "beta-ckpt");
    assert_eq!(i["is_last_copy"], true);
    assert_eq!(i["can_delete_safely"], false);

    let o = s.env.json(&["inventory", "impacts", &s.orphan]);
    assert_eq!(o["status"], "orphan");
    assert_eq!(o["used_by_packs"], json!([]));
    assert_eq!(o["is_last_copy"], true);
    assert_eq!(o["can_delete_safely"], false, "the only copy is never safe to delete");

    let m = s.env.json(&["inventory", "impacts", &s.missing]);
    assert_eq!(m["status"], "missing");

    let human = s.env.cmd().args(["inventory", "impacts", &s.ckpt]).output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("Beta") && text.contains("last copy"), "{text}");
}

#[test]
fn an_unknown_full_hash_is_not_found() {
    let s = populated();
    let nobody = "f".repeat(64);
    s.env.error(&["inventory", "show", &nobody], 5, "not_found");
    s.env.error(&["inventory", "impacts", &nobody], 5, "not_found");
}
