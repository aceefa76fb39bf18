//! Hash arguments: full hashes, unique prefixes of at least 8 characters, and
//! everything that is not a hash at all.

use crate::support::{content, Env};

#[test]
fn a_unique_prefix_resolves_to_its_blob() {
    let env = Env::new();
    let sha = env.orphan(&content("prefix", 100));
    for input in [sha[..8].to_owned(), sha[..20].to_owned(), sha.to_uppercase(), sha[..8].to_uppercase()] {
        let d = env.json(&["inventory", "show", &input]);
        assert_eq!(d["item"]["sha256"], sha.as_str(), "{input}");
        let i = env.json(&["inventory", "impacts", &input]);
        assert_eq!(i["sha256"], sha.as_str(), "{input}");
    }
    let v = env.json(&["inventory", "verify", &sha[..8]]);
    assert_eq!(v["valid"][0], sha.as_str());
}

#[test]
fn an_ambiguous_prefix_is_a_usage_error_listing_the_candidates() {
    let env = Env::new();
    let a = format!("abcdef01{}", "1".repeat(56));
    let b = format!("abcdef01{}", "2".repeat(56));
    env.fake_blob(&a, b"one");
    env.fake_blob(&b, b"two");
    let err = env.error(&["inventory", "show", "abcdef01"], 2, "invalid_argument");
    let mut matches: Vec<&str> = err["details"]["matches"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    matches.sort();
    assert_eq!(matches, [a.as_str(), b.as_str()]);
    assert_eq!(err["details"]["prefix"], "abcdef01");
    // One more character decides.
    assert_eq!(env.json(&["inventory", "show", "abcdef011"])["item"]["sha256"], a.as_str());

    let out = env.cmd().args(["inventory", "delete", "abcdef01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&a) && stderr.contains(&b), "{stderr}");
    assert!(env.blob_path(&a).exists() && env.blob_path(&b).exists());
}

#[test]
fn a_prefix_that_matches_nothing_is_not_found() {
    let env = Env::new();
    env.orphan(&content("something", 100));
    let err = env.error(&["inventory", "show", "00000000"], 5, "not_found");
    assert_eq!(err["details"]["prefix"], "00000000");
    env.error(&["inventory", "delete", "00000000"], 5, "not_found");
    env.error(&["inventory", "verify", "00000000"], 5, "not_found");
}

#[test]
fn too_short_or_non_hex_hashes_are_refused_before_the_disk_is_read() {
    let env = Env::new();
    let sha = env.orphan(&content("short", 100));
    for bad in [&sha[..7], "../../etc/passwd", "abcdefgh", "", &format!("{sha}0")] {
        for cmd in [&["inventory", "show"][..], &["inventory", "impacts"], &["inventory", "delete"], &["inventory", "verify"]] {
            let mut args = cmd.to_vec();
            args.push(bad);
            let err = env.error(&args, 2, "invalid_argument");
            assert_eq!(err["details"]["sha256"], bad, "{args:?}");
        }
    }
    // Even without a store: the argument is checked first.
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::synapse(&dir.path().join("none")).args(["--json", "inventory", "show", "../../etc/passwd"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(env.blob_path(&sha).exists());
}
