//! `redownload` against a local HTTP server started by the test (synapse-test-support's `http`): a full
//! download, a resumed download after a cut, wrong content rejected, and a
//! server error reported.

use std::fs;

use serde_json::json;
use synapse_core::download;
use synapse_core::model::AssetKind;
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::{Error, ErrorCode, Sha256};
use synapse_test_support::http::{serve, Reply};

use crate::support::{content, sha_of, Fixture};

/// A pack whose lock wants `sha` (not in the store) from `url`.
fn pack_wanting(f: &Fixture, sha: &Sha256, size: u64, url: &str) {
    f.write_pack("Wanted", &[("main", sha, AssetKind::Lora, size, "wanted.safetensors")]);
    let lock = f.store.layout().packs().join("Wanted/lock.json");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&lock).unwrap()).unwrap();
    v["resolved"][0]["artifact"]["download"] = json!({ "urls": [url] });
    fs::write(&lock, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn redownload(f: &Fixture, sha: &Sha256) -> synapse_core::Result<synapse_core::model::RedownloadResult> {
    let cancel = CancelToken::new();
    download::redownload(&f.store, sha, Control::new(&NoProgress, &cancel))
}

#[test]
fn a_missing_blob_is_downloaded_hash_checked_and_adopted() {
    let f = Fixture::new();
    let bytes = content("downloadable lora", 300_000);
    let sha = sha_of(&bytes);
    let server = serve(vec![Reply::Serve(bytes.clone())]);
    pack_wanting(&f, &sha, bytes.len() as u64, &server.url);
    assert_eq!(download::download_urls(&f.store, &sha).unwrap(), vec![server.url.clone()]);
    let r = redownload(&f, &sha).unwrap();
    assert_eq!(r.bytes_downloaded, bytes.len() as u64);
    assert_eq!(r.resumed_from, 0);
    assert_eq!(r.url.as_deref(), Some(server.url.as_str()));
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), bytes);
    assert!(f.store.layout().blobs().meta(&sha).is_file());
    assert!(!f.store.layout().download_part(&sha).exists());
    assert_eq!(f.inventory().get(&sha).unwrap().status, synapse_core::model::BlobStatus::Referenced);
    // Present now: a second redownload is a no-op.
    assert!(redownload(&f, &sha).unwrap().already_present);
}

#[test]
fn a_download_cut_short_resumes_with_a_range_request() {
    let f = Fixture::new();
    let bytes = content("resumable checkpoint", 200_000);
    let sha = sha_of(&bytes);
    let server = serve(vec![Reply::Cut(bytes.clone(), 80_000), Reply::Serve(bytes.clone())]);
    pack_wanting(&f, &sha, bytes.len() as u64, &server.url);
    let err = redownload(&f, &sha).unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err:?}");
    let part = f.store.layout().download_part(&sha);
    assert_eq!(fs::metadata(&part).unwrap().len(), 80_000, "what arrived is kept for resuming");
    assert!(!f.local_path(&sha).exists());

    let r = redownload(&f, &sha).unwrap();
    assert_eq!(r.resumed_from, 80_000);
    assert_eq!(r.bytes_downloaded, 120_000);
    assert_eq!(fs::read(f.local_path(&sha)).unwrap(), bytes);
    assert!(!part.exists());
    assert_eq!(server.ranges.lock().unwrap().clone(), vec![None, Some("bytes=80000-".to_owned())]);
}

#[test]
fn wrong_content_is_rejected_and_nothing_is_kept() {
    let f = Fixture::new();
    let wanted = content("the real model", 5000);
    let sha = sha_of(&wanted);
    let server = serve(vec![Reply::Serve(content("something else", 5000))]);
    pack_wanting(&f, &sha, wanted.len() as u64, &server.url);
    let err = redownload(&f, &sha).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Integrity, "{err}");
    assert!(!f.local_path(&sha).exists());
    assert!(!f.store.layout().download_part(&sha).exists());
}

#[test]
fn a_server_error_is_reported_with_its_status() {
    let f = Fixture::new();
    let wanted = content("gone from the server", 5000);
    let sha = sha_of(&wanted);
    let server = serve(vec![Reply::Status(500)]);
    pack_wanting(&f, &sha, wanted.len() as u64, &server.url);
    let err = redownload(&f, &sha).unwrap_err();
    let Error::Download { status, url, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*status, Some(500));
    assert_eq!(url, &server.url);
    assert!(err.to_string().contains("500"), "{err}");
    assert!(!f.local_path(&sha).exists());
}

#[test]
fn a_server_that_cannot_be_reached_is_said_in_plain_words() {
    let f = Fixture::new();
    let wanted = content("nobody listens", 5000);
    let sha = sha_of(&wanted);
    // A port nothing listens on: the connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    pack_wanting(&f, &sha, wanted.len() as u64, &format!("http://127.0.0.1:{port}/model.safetensors"));
    let err = redownload(&f, &sha).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("refused") || text.contains("could not be reached"), "{text}");
    assert!(!text.contains("io:"), "{text}");
    // A name that cannot resolve (.invalid never does, RFC 2606).
    pack_wanting(&f, &sha, wanted.len() as u64, "http://models.example.invalid/model.safetensors");
    let text = redownload(&f, &sha).unwrap_err().to_string();
    assert!(text.contains("could not be found") || text.contains("could not be reached"), "{text}");
    assert!(!f.local_path(&sha).exists());
}

#[test]
fn a_blob_without_url_cannot_be_redownloaded() {
    let f = Fixture::new();
    let sha = sha_of(b"never downloadable");
    let err = redownload(&f, &sha).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn a_cancelled_download_leaves_no_partial_file() {
    let f = Fixture::new();
    let bytes = content("cancelled model", 50_000);
    let sha = sha_of(&bytes);
    let server = serve(vec![Reply::Serve(bytes.clone())]);
    pack_wanting(&f, &sha, bytes.len() as u64, &server.url);
    let cancel = CancelToken::new();
    cancel.cancel();
    let err = download::redownload(&f.store, &sha, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert!(!f.store.layout().download_part(&sha).exists());
    assert!(!f.local_path(&sha).exists());
}
