//! `synapse identify` (SPEC §3.14) against a local stand-in of Civitai's
//! by-hash endpoint (`SYNAPSE_CIVITAI_URL`): the table, `--json`, exit codes
//! (0 with hashes Civitai does not know, 1 when items failed, 4 offline), the
//! cache on the next run, hash prefixes and AutoV2, the API key from
//! `CIVITAI_API_KEY`, and the inventory afterwards.

use std::process::Output;

use serde_json::Value;

use crate::civitai_stub::{found, png_bytes, refused_base, Reply, Stub};
use crate::support::{content, Env};

/// `synapse [--json] <args>` asking `base`, with no key from the developer's environment.
fn identify(env: &Env, base: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut c = env.cmd();
    c.env("SYNAPSE_CIVITAI_URL", base).env_remove("CIVITAI_API_KEY");
    if let Some(k) = key {
        c.env("CIVITAI_API_KEY", k);
    }
    c.args(args).output().unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_table_names_what_was_found_and_not_found_and_exits_0() {
    let env = Env::new();
    let stub = Stub::start();
    let known = env.orphan(&content("juggernaut", 500));
    let unknown = env.orphan(&content("private", 500));
    let img = stub.url("/img/j.png");
    stub.on_path("/img/j.png", vec![Reply::Bytes("image/png", png_bytes())]);
    stub.on_hash(&known, vec![Reply::Json(found(&known, 133005, "Juggernaut XL", "Checkpoint", "v9", "SDXL 1.0", &[img]))]);

    let out = identify(&env, &stub.base, None, &["identify", "--orphans"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for word in [
        "BLOB",
        "NAME",
        "BASE MODEL",
        "KIND",
        "Juggernaut XL — v9",
        "SDXL 1.0",
        "checkpoint",
        "not found on Civitai",
        &known[..12],
        &known[..10].to_ascii_uppercase(),
    ] {
        assert!(stdout.contains(word), "{word:?} missing from:\n{stdout}");
    }
    assert!(stdout.contains("1 found, 1 not found"), "{stdout}");
    assert!(stdout.contains("only the hashes were sent"), "{stdout}");
    assert!(stdout.contains("1 manifest(s) written") && stdout.contains("1 preview(s) saved"), "{stdout}");
    assert!(stdout.contains(&unknown[..12]));

    // The inventory now shows and searches the name; `show` has the base model, triggers and preview.
    let hits = env.items(&["--search", "juggernaut xl"]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["sha256"], known.as_str());
    assert_eq!(hits[0]["metadata"]["model_name"], "Juggernaut XL");
    assert_eq!(hits[0]["display_name"], "Juggernaut_XL.safetensors");
    assert!(env.item(&unknown).get("metadata").is_none());
    let show = env.cmd().args(["inventory", "show", &known[..10].to_ascii_uppercase()]).output().unwrap();
    let (shown, _) = text(&show);
    assert_eq!(show.status.code(), Some(0), "{shown}");
    for word in ["Juggernaut XL — v9 (model 133005", "SDXL 1.0", "trigger one, trigger two", ".png"] {
        assert!(shown.contains(word), "{word:?} missing from:\n{shown}");
    }
}

#[test]
fn json_shape_prefixes_autov2_and_the_cache_on_the_next_run() {
    let env = Env::new();
    let stub = Stub::start();
    let sha = env.orphan(&content("lora file", 300));
    // An adopted file's manifest: named, no provider origin, so it stays "unnamed" and the cache answers next time.
    let meta = env.blob_path(&sha).with_extension("meta");
    let manifest = br#"{"version": 1, "created_at": "2026-01-01T00:00:00", "original_filename": "mine.safetensors", "kind": "lora", "origin": {"provider": "local", "filename": "mine.safetensors"}}"#;
    std::fs::write(&meta, manifest).unwrap();
    stub.on_hash(&sha, vec![Reply::Json(found(&sha, 42, "Detail Tweaker", "LORA", "v1.0", "SD 1.5", &[]))]);

    let autov2 = sha[..10].to_ascii_uppercase();
    let out = identify(&env, &stub.base, None, &["--json", "identify", &autov2]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json_of(&out);
    assert_eq!(r["found"], 1);
    assert_eq!(r["requests"], 1);
    assert_eq!(r["api_key"], false);
    assert_eq!(r["items"][0]["sha256"], sha.as_str());
    assert_eq!(r["items"][0]["status"], "found");
    assert_eq!(r["items"][0]["source"], "civitai");
    assert_eq!(r["items"][0]["kind"], "lora");
    assert_eq!(r["items"][0]["metadata"]["base_model"], "SD 1.5");
    assert_eq!(r["items"][0]["manifest"], Value::Null, "the existing manifest is left alone");
    assert_eq!(std::fs::read(&meta).unwrap(), manifest);

    let again = identify(&env, &stub.base, None, &["--json", "identify", &sha[..8], "--unnamed"]);
    assert_eq!(again.status.code(), Some(2), "a hash and --unnamed together is a usage error");
    let again = identify(&env, &stub.base, None, &["--json", "identify", &sha[..8]]);
    let r = json_of(&again);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!((r["requests"].as_u64(), r["from_cache"].as_u64()), (Some(0), Some(1)));
    assert_eq!(r["items"][0]["source"], "cache");
    assert_eq!(stub.api_requests(), 1, "the second run asked Civitai again");
}

#[test]
fn failed_items_exit_1_and_the_run_goes_on() {
    let env = Env::new();
    let stub = Stub::start();
    let broken = env.orphan(&content("server error", 100));
    let garbled = env.orphan(&content("garbled", 100));
    let fine = env.orphan(&content("fine", 100));
    stub.on_hash(&broken, vec![Reply::Status(500)]);
    stub.on_hash(&garbled, vec![Reply::Json("not json".into())]);
    stub.on_hash(&fine, vec![Reply::Json(found(&fine, 3, "Fine", "LORA", "v", "Flux.1 D", &[]))]);
    let out = identify(&env, &stub.base, None, &["identify", "--all"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("HTTP 500") && stdout.contains("not valid JSON") && stdout.contains("Flux.1 D"), "{stdout}");
    assert!(stderr.contains("2 of 3 blob(s) could not be identified"), "{stderr}");

    let out = identify(&env, &stub.base, None, &["--json", "identify", "--all"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json_of(&out);
    assert_eq!((r["failed"].as_u64(), r["found"].as_u64()), (Some(2), Some(0)), "{r}");
    assert_eq!(r["skipped"], 1, "the one found has a manifest with its Civitai origin now");

    // The table counts what was skipped instead of listing it, unless it was named.
    let out = identify(&env, &stub.base, None, &["identify", "--all"]);
    let (stdout, _) = text(&out);
    assert!(!stdout.contains(&fine[..12]) && stdout.contains("1 skipped"), "{stdout}");
    let out = identify(&env, &stub.base, None, &["identify", &fine]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains(&fine[..12]) && stdout.contains("skipped"), "{stdout}");
}

#[test]
fn offline_says_so_once_and_exits_4() {
    let env = Env::new();
    for i in 0..10 {
        env.orphan(&content(&format!("offline {i}"), 100));
    }
    let base = refused_base();
    let out = identify(&env, &base, None, &["identify", "--all"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("could not be reached").count(), 1, "one message, not one per blob:\n{stderr}");
    assert!(stderr.contains(&base) && stderr.contains("offline"), "{stderr}");
    assert!(stdout.contains("10 not asked"), "{stdout}");

    let out = identify(&env, &base, None, &["--json", "identify", "--all"]);
    assert_eq!(out.status.code(), Some(4));
    let r = json_of(&out);
    assert!(r["offline"].as_str().unwrap().contains("could not be reached"), "{r}");
    assert_eq!(r["not_asked"], 10);
    assert!(out.stderr.is_empty(), "with --json the result says it: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_api_key_goes_in_a_header_and_nowhere_in_the_output() {
    let env = Env::new();
    let stub = Stub::start();
    let key = "civitai-key-5f4dcc3b5aa765d61d8327deb882cf99";
    let sha = env.orphan(&content("keyed", 100));
    stub.on_hash(&sha, vec![Reply::Status(500)]);
    for args in [&["identify", "--all"][..], &["--json", "identify", "--all"][..]] {
        let out = identify(&env, &stub.base, Some(key), args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1));
        assert!(!stdout.contains(key) && !stderr.contains(key), "the key was printed:\n{stdout}\n{stderr}");
    }
    assert!(stub.authorizations().iter().all(|a| a.as_deref() == Some(&format!("Bearer {key}")[..])), "{:?}", stub.authorizations());
    let out = identify(&env, &stub.base, Some(key), &["--json", "identify", "--all"]);
    assert_eq!(json_of(&out)["api_key"], true);
}

#[test]
fn a_hash_argument_that_matches_nothing_is_exit_5_before_any_request() {
    let env = Env::new();
    let stub = Stub::start();
    env.orphan(&content("something", 100));
    let err = {
        let out = identify(&env, &stub.base, None, &["--json", "identify", "deadbeefdeadbeef"]);
        assert_eq!(out.status.code(), Some(5));
        json_of(&out)
    };
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(stub.api_requests(), 0);
    let out = identify(&env, &stub.base, None, &["identify"]);
    assert_eq!(out.status.code(), Some(2), "nothing chosen is a usage error");
    let out = identify(&env, "ftp://civitai.example", None, &["--json", "identify", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json_of(&out)["error"]["message"].as_str().unwrap().contains("SYNAPSE_CIVITAI_URL"));
}
