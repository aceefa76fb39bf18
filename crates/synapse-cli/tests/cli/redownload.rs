//! `synapse redownload` against a local HTTP server: exit codes of a full
//! download, a resumed one, wrong content (7) and a server error (1).

use std::fs;

use serde_json::{json, Value};
use synapse_test_support::http::{self, Reply};

use crate::support::{content, sha_hex, Env};

/// The shared test server's URL (all these tests need of it).
fn serve(replies: Vec<Reply>) -> String {
    http::serve(replies).url
}

/// A pack whose one blob (`bytes`) is not in the store, downloadable from `url`.
fn wanted(env: &Env, bytes: &[u8], url: &str) -> String {
    let shas = env.pack("Wanted", &[("wanted.safetensors", bytes)], Some("lora"));
    let lock = env.root.join("state/packs/Wanted/lock.json");
    let mut v: Value = serde_json::from_slice(&fs::read(&lock).unwrap()).unwrap();
    v["resolved"][0]["artifact"]["download"] = json!({ "urls": [url] });
    fs::write(&lock, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    fs::remove_file(env.blob_path(&shas[0])).unwrap();
    shas[0].clone()
}

#[test]
fn full_download_exits_0_and_puts_the_blob_in_the_store() {
    let env = Env::new();
    let bytes = content("model", 100_000);
    let url = serve(vec![Reply::Serve(bytes.clone())]);
    let sha = wanted(&env, &bytes, &url);
    let v = env.json(&["redownload", &sha[..12]]);
    assert_eq!(v["bytes_downloaded"], 100_000);
    assert_eq!(v["url"], url.as_str());
    assert_eq!(fs::read(env.blob_path(&sha)).unwrap(), bytes);
    assert_eq!(env.item(&sha)["status"], "referenced");
}

#[test]
fn a_cut_download_fails_then_resumes() {
    let env = Env::new();
    let bytes = content("big model", 150_000);
    let url = serve(vec![Reply::Cut(bytes.clone(), 50_000), Reply::Serve(bytes.clone())]);
    let sha = wanted(&env, &bytes, &url);
    let err = env.error(&["redownload", &sha], 1, "io");
    assert!(err["message"].as_str().unwrap().contains("resume"), "{err}");
    let v = env.json(&["redownload", &sha]);
    assert_eq!(v["resumed_from"], 50_000);
    assert_eq!(v["bytes_downloaded"], 100_000);
    assert_eq!(sha_hex(&fs::read(env.blob_path(&sha)).unwrap()), sha);
}

#[test]
fn wrong_content_exits_7() {
    let env = Env::new();
    let bytes = content("expected", 10_000);
    let url = serve(vec![Reply::Serve(content("impostor", 10_000))]);
    let sha = wanted(&env, &bytes, &url);
    env.error(&["redownload", &sha], 7, "integrity");
    assert!(!env.blob_path(&sha).exists());
}

#[test]
fn a_server_error_is_reported() {
    let env = Env::new();
    let bytes = content("gone", 10_000);
    let url = serve(vec![Reply::Status(503)]);
    let sha = wanted(&env, &bytes, &url);
    let err = env.error(&["redownload", &sha], 1, "io");
    assert_eq!(err["details"]["http_status"], 503);
    assert!(err["message"].as_str().unwrap().contains("503"));
}
