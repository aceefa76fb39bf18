//! `identify` (SPEC §3.14) against a local stand-in of Civitai's by-hash
//! endpoint: answers found, 404, 429 with `Retry-After`, 500 and malformed
//! JSON; the cache on the next run; offline; at most 4 requests in flight; the
//! API key; manifests written or left alone; previews; hostile answers; and
//! what the inventory shows afterwards.

use std::fs;
use std::time::{Duration, Instant};

use serde_json::json;
use synapse_core::identify::{self, AnswerSource, IdentifyOptions, IdentifyResult, IdentifyStatus, ManifestAction, Selection};
use synapse_core::inventory::Query;
use synapse_core::model::AssetKind;
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::schema::ConfigFile;
use synapse_core::Sha256;

use crate::civitai_stub::{found, png_bytes, refused_base, Reply, Stub, BY_HASH};
use crate::support::{content, Fixture};

/// A store whose config points identify at `base` (and sends `key`, if any).
fn fixture(base: &str, key: Option<&str>) -> Fixture {
    let f = Fixture::new();
    let mut c: ConfigFile = f.store.config().unwrap();
    let mut civitai = json!({"base_url": base, "primary_file_only_default": true});
    if let Some(k) = key {
        civitai["api_key"] = json!(k);
    }
    c.extra.insert("providers".into(), json!({"civitai": civitai, "huggingface": {"preferred_ext": [".safetensors"]}}));
    f.store.save_config(&c).unwrap();
    f
}

fn run(f: &Fixture, selection: Selection, refresh: bool) -> IdentifyResult {
    let cancel = CancelToken::new();
    identify::identify(&f.store, &selection, &IdentifyOptions { refresh }, Control::new(&NoProgress, &cancel)).unwrap()
}

fn item<'a>(r: &'a IdentifyResult, sha: &Sha256) -> &'a synapse_core::identify::IdentifyItem {
    r.items.iter().find(|i| &i.sha256 == sha).unwrap()
}

fn meta_path(f: &Fixture, sha: &Sha256) -> std::path::PathBuf {
    f.store.layout().blobs().meta(sha)
}

fn cache_path(f: &Fixture, sha: &Sha256) -> std::path::PathBuf {
    identify::metadata_dir(f.store.layout()).join(format!("{sha}.json"))
}

/// An adopted file's manifest: a name, but no provider origin.
fn local_manifest(f: &Fixture, sha: &Sha256, name: &str) -> Vec<u8> {
    let m = json!({"version": 1, "created_at": "2026-01-01T00:00:00", "original_filename": name, "kind": "lora",
        "origin": {"provider": "local", "model_id": null, "version_id": null, "file_id": null, "filename": name, "repo_id": null},
        "note": "a field Synapse does not know"});
    let bytes = serde_json::to_vec_pretty(&m).unwrap();
    fs::write(meta_path(f, sha), &bytes).unwrap();
    bytes
}

#[test]
fn found_404_429_500_and_malformed_answers_each_end_as_they_should() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let [a, b, c, d, e] = ["found", "missing", "server-error", "malformed", "rate-limited"].map(|t| f.put_local(&content(t, 300)));
    let img = stub.url("/images/a.png");
    stub.on_path("/images/a.png", vec![Reply::Bytes("image/png", png_bytes())]);
    stub.on_hash(a.as_str(), vec![Reply::Json(found(a.as_str(), 133005, "Juggernaut XL", "Checkpoint", "v9", "SDXL 1.0", &[img]))]);
    stub.on_hash(b.as_str(), vec![Reply::Status(404)]);
    stub.on_hash(c.as_str(), vec![Reply::Status(500)]);
    stub.on_hash(d.as_str(), vec![Reply::Json("{\"id\": 1, \"model\": ".into())]);
    stub.on_hash(
        e.as_str(),
        vec![Reply::RetryAfter("1".into()), Reply::Json(found(e.as_str(), 42, "Detail Tweaker", "LORA", "v1.0", "SD 1.5", &[]))],
    );

    let started = Instant::now();
    let r = run(&f, Selection::Orphans, false);
    assert!(started.elapsed() >= Duration::from_millis(900), "the 429's Retry-After of 1 s was not honoured");
    assert_eq!((r.found, r.not_found, r.failed, r.skipped, r.not_asked), (2, 1, 2, 0, 0), "{r:#?}");
    assert_eq!(r.requests, 6, "five hashes, one asked twice after its 429");
    // Nothing but the hash: the path is the endpoint and the hash, no query, nothing else asked.
    for sha in [&a, &b, &c, &d] {
        assert_eq!(stub.requests_for(&format!("{BY_HASH}{sha}")), 1);
    }
    assert_eq!(stub.requests_for(&format!("{BY_HASH}{e}")), 2);
    assert!(r.offline.is_none());

    let ia = item(&r, &a);
    assert_eq!(ia.status, IdentifyStatus::Found);
    assert_eq!(ia.source, Some(AnswerSource::Civitai));
    assert_eq!(ia.kind, AssetKind::Checkpoint);
    let m = ia.metadata.as_ref().unwrap();
    assert_eq!(m.model_name.as_deref(), Some("Juggernaut XL"));
    assert_eq!(m.version_name.as_deref(), Some("v9"));
    assert_eq!(m.base_model.as_deref(), Some("SDXL 1.0"));
    assert_eq!(m.model_id, Some(133005));
    assert_eq!(m.version_id, Some(1330051));
    assert_eq!(m.file_id, Some(13300500));
    assert_eq!(m.trained_words, ["trigger one", "trigger two"]);
    assert_eq!(ia.manifest, Some(ManifestAction::Written));
    let preview = m.preview.clone().expect("a preview was saved");
    assert_eq!(preview, identify::previews_dir(f.store.layout()).join(format!("{a}.png")));
    assert_eq!(fs::read(&preview).unwrap(), png_bytes());
    assert_eq!(r.previews_saved, 1);

    // The manifest the store writes, with the origin's fields in the original program's order.
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(meta_path(&f, &a)).unwrap()).unwrap();
    assert_eq!(manifest["original_filename"], "Juggernaut_XL.safetensors");
    assert_eq!(manifest["kind"], "checkpoint");
    assert_eq!(
        manifest["origin"],
        json!({"provider": "civitai", "model_id": 133005, "version_id": 1330051, "file_id": 13300500, "filename": "Juggernaut_XL.safetensors", "repo_id": null})
    );
    let keys: Vec<&String> = manifest["origin"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["provider", "model_id", "version_id", "file_id", "filename", "repo_id"]);

    assert_eq!(item(&r, &e).status, IdentifyStatus::Found);
    assert_eq!(item(&r, &e).kind, AssetKind::Lora);
    assert_eq!(item(&r, &b).status, IdentifyStatus::NotFound);
    assert!(!meta_path(&f, &b).exists(), "a hash Civitai does not know gets no manifest");
    let cached: serde_json::Value = serde_json::from_slice(&fs::read(cache_path(&f, &b)).unwrap()).unwrap();
    assert_eq!(cached["not_found"], true);
    assert!(cached["fetched_at"].is_string());
    for (sha, word) in [(&c, "HTTP 500"), (&d, "not valid JSON")] {
        let it = item(&r, sha);
        assert_eq!(it.status, IdentifyStatus::Failed);
        assert!(it.message.as_deref().unwrap().contains(word), "{:?}", it.message);
        assert!(!cache_path(&f, sha).exists(), "a failure is not cached: it is asked again next time");
        assert!(!meta_path(&f, sha).exists());
    }
    // The cached answer is trimmed: no description.
    let text = fs::read_to_string(cache_path(&f, &a)).unwrap();
    assert!(text.contains("Juggernaut XL") && !text.contains("long description"), "{text}");
}

#[test]
fn the_cache_answers_the_next_run_without_a_request() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let known = f.put_local(&content("adopted", 200));
    let manifest = local_manifest(&f, &known, "model_v3_final.safetensors");
    let unknown = f.put_local(&content("private", 200));
    stub.on_hash(known.as_str(), vec![Reply::Json(found(known.as_str(), 7, "Some LoRA", "LORA", "v3", "Pony", &[]))]);

    let first = run(&f, Selection::Unnamed, false);
    assert_eq!((first.found, first.not_found, first.requests), (1, 1, 2));
    assert_eq!(stub.api_requests(), 2);
    assert_eq!(fs::read(meta_path(&f, &known)).unwrap(), manifest, "an existing manifest is untouched");
    assert_eq!(item(&first, &known).manifest, None);

    let second = run(&f, Selection::Unnamed, false);
    assert_eq!(stub.api_requests(), 2, "the second run asked again instead of using the cache");
    assert_eq!(second.requests, 0);
    assert_eq!(second.from_cache, 2);
    assert_eq!(item(&second, &known).source, Some(AnswerSource::Cache));
    assert_eq!(item(&second, &known).metadata.as_ref().unwrap().model_name.as_deref(), Some("Some LoRA"));
    assert_eq!(item(&second, &unknown).status, IdentifyStatus::NotFound);

    // --refresh asks again.
    let third = run(&f, Selection::Unnamed, true);
    assert_eq!(third.requests, 2);
    assert_eq!(stub.api_requests(), 4);
}

#[test]
fn a_not_found_entry_older_than_30_days_is_asked_again() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let sha = f.put_local(&content("old miss", 100));
    let dir = identify::metadata_dir(f.store.layout());
    fs::create_dir_all(&dir).unwrap();
    fs::write(cache_path(&f, &sha), json!({"sha256": sha.as_str(), "fetched_at": "2020-01-01T00:00:00Z", "not_found": true}).to_string())
        .unwrap();
    stub.on_hash(sha.as_str(), vec![Reply::Json(found(sha.as_str(), 5, "Published since", "LORA", "v1", "SDXL 1.0", &[]))]);
    let r = run(&f, Selection::Blobs(vec![sha.clone()]), false);
    assert_eq!(r.requests, 1);
    assert_eq!(item(&r, &sha).status, IdentifyStatus::Found);

    // A recent miss is not asked again.
    let other = f.put_local(&content("recent miss", 100));
    let now = chrono_now();
    fs::write(cache_path(&f, &other), json!({"sha256": other.as_str(), "fetched_at": now, "not_found": true}).to_string()).unwrap();
    let r = run(&f, Selection::Blobs(vec![other.clone()]), false);
    assert_eq!((r.requests, r.not_found, r.from_cache), (0, 1, 1));
}

fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn offline_stops_the_run_once_with_one_message() {
    let f = fixture(&refused_base(), None);
    let shas: Vec<Sha256> = (0..12).map(|i| f.put_local(&content(&format!("offline {i}"), 100))).collect();
    let started = Instant::now();
    let r = run(&f, Selection::All, false);
    assert!(started.elapsed() < Duration::from_secs(10));
    let message = r.offline.as_deref().expect("the run says it is offline");
    assert!(message.contains("could not be reached") && message.contains("refused"), "{message}");
    assert_eq!(r.failed, 0, "offline is not one failure per blob");
    assert!(r.requests <= 4, "the run went on after the first refused connection: {} requests", r.requests);
    assert_eq!(r.not_asked as usize, shas.len());
    assert!(r.items.iter().all(|i| i.status == IdentifyStatus::NotAsked));
    assert!(!identify::metadata_dir(f.store.layout()).join("index.json").exists());
}

#[test]
fn at_most_four_requests_are_in_flight() {
    let stub = Stub::with_delay(Duration::from_millis(150));
    let f = fixture(&stub.base, None);
    for i in 0..16 {
        f.put_local(&content(&format!("parallel {i}"), 100));
    }
    let started = Instant::now();
    let r = run(&f, Selection::All, false);
    assert_eq!(r.not_found, 16);
    assert_eq!(stub.max_in_flight(), 4, "in flight at once");
    // 16 answers of 150 ms, four at a time: about 0.6 s, not 2.4 s.
    assert!(started.elapsed() < Duration::from_millis(2000), "{:?}", started.elapsed());
}

#[test]
fn the_api_key_is_sent_as_a_header_and_appears_nowhere_else() {
    let key = "sk-test-0123456789abcdef";
    let stub = Stub::start();
    let f = fixture(&stub.base, Some(key));
    let sha = f.put_local(&content("keyed", 100));
    let img = stub.url("/images/k.png");
    stub.on_path("/images/k.png", vec![Reply::Bytes("image/png", png_bytes())]);
    stub.on_hash(sha.as_str(), vec![Reply::Json(found(sha.as_str(), 9, "Keyed", "LORA", "v1", "SDXL 1.0", &[img]))]);
    let r = run(&f, Selection::All, false);
    assert!(r.api_key);
    let auth = stub.authorizations();
    assert_eq!(auth.len(), 2, "the answer and its preview");
    let api: Vec<_> = auth.iter().filter(|a| a.is_some()).collect();
    assert_eq!(api, [&Some(format!("Bearer {key}"))], "the key goes to the API only, never to the image host");
    let out = serde_json::to_string(&r).unwrap();
    assert!(!out.contains(key), "the key is in the result");
    assert!(!format!("{r:?}").contains(key));
    for e in walk(&f.store.layout().data()) {
        assert!(!String::from_utf8_lossy(&fs::read(&e).unwrap()).contains(key), "the key is in {}", e.display());
    }

    // Without a key, no Authorization header at all.
    let stub2 = Stub::start();
    let g = fixture(&stub2.base, None);
    g.put_local(&content("no key", 100));
    let r = run(&g, Selection::All, false);
    assert!(!r.api_key);
    assert_eq!(stub2.authorizations(), [None]);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn manifests_are_written_once_and_only_completed_never_changed() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let full = f.put_local(&content("full manifest", 100));
    let kept = local_manifest(&f, &full, "mine.safetensors");
    let partial = f.put_local(&content("partial manifest", 100));
    fs::write(meta_path(&f, &partial), r#"{"version": 1, "created_at": "2025-05-05T00:00:00", "original_filename": "p.safetensors", "kind": null, "origin": null, "extra_field": 3}"#).unwrap();
    let broken = f.put_local(&content("broken manifest", 100));
    fs::write(meta_path(&f, &broken), b"{ not json").unwrap();
    for (sha, n) in [(&full, 1), (&partial, 2), (&broken, 3)] {
        stub.on_hash(sha.as_str(), vec![Reply::Json(found(sha.as_str(), n, "M", "LORA", "v", "SDXL 1.0", &[]))]);
    }
    let r = run(&f, Selection::All, false);
    assert_eq!(r.found, 3);
    assert_eq!(fs::read(meta_path(&f, &full)).unwrap(), kept, "a complete manifest is not rewritten");
    assert_eq!(fs::read(meta_path(&f, &broken)).unwrap(), b"{ not json", "an unreadable manifest is left for doctor");
    assert_eq!(item(&r, &partial).manifest, Some(ManifestAction::Completed));
    let m: serde_json::Value = serde_json::from_slice(&fs::read(meta_path(&f, &partial)).unwrap()).unwrap();
    assert_eq!(m["original_filename"], "p.safetensors", "a name that is there stays");
    assert_eq!(m["created_at"], "2025-05-05T00:00:00");
    assert_eq!(m["kind"], "lora");
    assert_eq!(m["origin"]["provider"], "civitai");
    assert_eq!(m["extra_field"], 3, "unknown fields survive");
    assert_eq!(r.manifests_written, 1);
}

#[test]
fn a_blob_with_a_provider_origin_is_skipped_unless_refreshed() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let sha = f.put_local(&content("in a pack", 100));
    f.write_pack("P", &[("main", &sha, AssetKind::Lora, 100, "p.safetensors")]);
    let r = run(&f, Selection::Blobs(vec![sha.clone()]), false);
    assert_eq!((r.skipped, r.requests), (1, 0));
    assert_eq!(item(&r, &sha).status, IdentifyStatus::Skipped);
    assert_eq!(run(&f, Selection::Unnamed, false).items.len(), 0);
    let r = run(&f, Selection::Blobs(vec![sha.clone()]), true);
    assert_eq!((r.not_found, r.requests), (1, 1));
}

#[test]
fn a_hash_no_blob_has_is_not_found_before_any_request() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let cancel = CancelToken::new();
    let nobody = Sha256::parse(&"ab".repeat(32)).unwrap();
    let e = identify::identify(&f.store, &Selection::Blobs(vec![nobody]), &IdentifyOptions::default(), Control::new(&NoProgress, &cancel))
        .unwrap_err();
    assert_eq!(e.code(), synapse_core::ErrorCode::NotFound);
    assert_eq!(stub.api_requests(), 0);
}

#[test]
fn hostile_answers_are_refused_or_capped() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let [huge, local_file, redirect, video, to_file] =
        ["huge", "file-url", "redirect", "video", "redirect-to-file"].map(|t| f.put_local(&content(t, 100)));
    stub.on_path("/images/sneaky.png", vec![Reply::Redirect("file:///etc/passwd".into())]);
    stub.on_hash(to_file.as_str(), vec![Reply::Json(found(to_file.as_str(), 4, "S", "LORA", "v", "b", &[stub.url("/images/sneaky.png")]))]);
    stub.on_hash(huge.as_str(), vec![Reply::Endless("application/json")]);
    stub.on_hash(
        local_file.as_str(),
        vec![Reply::Json(found(local_file.as_str(), 1, "F", "LORA", "v", "b", &["file:///etc/passwd".into()]))],
    );
    stub.on_path("/images/redirect.png", vec![Reply::Redirect(stub.url("/images/endless.png"))]);
    stub.on_path("/images/endless.png", vec![Reply::Endless("image/png")]);
    stub.on_hash(
        redirect.as_str(),
        vec![Reply::Json(found(redirect.as_str(), 2, "R", "LORA", "v", "b", &[stub.url("/images/redirect.png")]))],
    );
    // The first image is a video: skipped for the picture after it.
    let mut answer: serde_json::Value = serde_json::from_str(&found(video.as_str(), 3, "V", "LORA", "v", "b", &[])).unwrap();
    answer["images"] =
        json!([{"url": stub.url("/images/clip.mp4"), "type": "video"}, {"url": stub.url("/images/still.png"), "type": "image"}]);
    stub.on_hash(video.as_str(), vec![Reply::Json(answer.to_string())]);
    stub.on_path("/images/still.png", vec![Reply::Bytes("image/png", png_bytes())]);

    let r = run(&f, Selection::All, false);
    let h = item(&r, &huge);
    assert_eq!(h.status, IdentifyStatus::Failed);
    assert!(h.message.as_deref().unwrap().contains("larger than"), "{:?}", h.message);

    let l = item(&r, &local_file);
    assert_eq!(l.status, IdentifyStatus::Found);
    assert!(l.metadata.as_ref().unwrap().preview.is_none());
    assert!(l.message.as_deref().unwrap().contains("not http(s)"), "{:?}", l.message);

    let d = item(&r, &redirect);
    assert_eq!(d.status, IdentifyStatus::Found);
    assert!(d.metadata.as_ref().unwrap().preview.is_none());
    assert!(d.message.as_deref().unwrap().contains("larger than 10 MiB"), "{:?}", d.message);
    assert_eq!(stub.requests_for("/images/endless.png"), 1, "the redirect was followed and the body cut off");

    let t = item(&r, &to_file);
    assert_eq!(t.status, IdentifyStatus::Found);
    assert!(t.metadata.as_ref().unwrap().preview.is_none(), "a redirect to a local file is not followed");
    assert!(t.message.is_some());

    let v = item(&r, &video);
    assert_eq!(stub.requests_for("/images/clip.mp4"), 0, "a video is never fetched");
    assert!(v.metadata.as_ref().unwrap().preview.as_ref().unwrap().ends_with(format!("{video}.png")));

    let previews: Vec<_> = fs::read_dir(identify::previews_dir(f.store.layout())).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(previews.len(), 1, "only the real picture was kept: {previews:?}");
}

#[test]
fn the_inventory_shows_and_searches_what_identify_learnt() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let plain = f.put_local(&content("never identified", 100));
    let sha = f.put_local(&content("to be identified", 100));
    let img = stub.url("/images/i.png");
    stub.on_path("/images/i.png", vec![Reply::Bytes("image/png", png_bytes())]);
    stub.on_hash(sha.as_str(), vec![Reply::Json(found(sha.as_str(), 77, "Juggernaut XL", "Checkpoint", "Ragnarok", "SDXL 1.0", &[img]))]);
    stub.on_hash(plain.as_str(), vec![Reply::Status(500)]);

    let before = serde_json::to_value(f.inventory().get(&plain).unwrap()).unwrap();
    assert!(before.get("metadata").is_none(), "an item nobody identified has no metadata key");
    run(&f, Selection::All, false);

    let inv = f.inventory();
    let it = inv.get(&sha).unwrap();
    let m = it.metadata.as_ref().expect("the inventory reads the index");
    assert_eq!(m.model_name.as_deref(), Some("Juggernaut XL"));
    assert_eq!(m.version_name.as_deref(), Some("Ragnarok"));
    assert_eq!(m.base_model.as_deref(), Some("SDXL 1.0"));
    assert_eq!(m.model_id, Some(77));
    assert!(m.preview.as_ref().unwrap().is_file());
    assert_eq!(it.display_name, "Juggernaut_XL.safetensors");
    assert_eq!(it.kind, AssetKind::Checkpoint);
    assert_eq!(serde_json::to_value(inv.get(&plain).unwrap()).unwrap(), before, "a blob without metadata keeps its exact shape");

    let search = |q: &str| {
        let page = inv.query(&Query { search: Some(q.into()), ..Query::default() });
        page.items.iter().map(|i| i.sha256.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(search("ragnarok"), [sha.to_string()], "the version name is searched");
    assert_eq!(search("juggernaut"), [sha.to_string()]);
    assert_eq!(search(&sha.autov2()), [sha.to_string()], "AutoV2 finds the blob");
    assert_eq!(inv.resolve(&sha.autov2()).unwrap(), sha, "AutoV2 resolves like a prefix");

    // The index is a cache: gone, the next identify rebuilds it from the answers.
    let index = identify::metadata_dir(f.store.layout()).join("index.json");
    fs::remove_file(&index).unwrap();
    assert!(f.inventory().get(&sha).unwrap().metadata.is_none());
    let other = f.put_local(&content("third", 100));
    run(&f, Selection::Blobs(vec![other]), false);
    assert!(f.inventory().get(&sha).unwrap().metadata.is_some());
    assert!(identify::cached(f.store.layout(), &sha).unwrap().trained_words.contains(&"trigger one".to_owned()));
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let sha = f.put_local(&content("dated", 100));
    let when = std::time::SystemTime::now() + Duration::from_secs(2);
    stub.on_hash(sha.as_str(), vec![Reply::RetryAfter(http_date(when)), Reply::Status(404)]);
    let started = Instant::now();
    let r = run(&f, Selection::All, false);
    assert_eq!((r.not_found, r.requests), (1, 2));
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
}

fn http_date(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[test]
fn a_link_inside_the_store_is_never_written_through() {
    let stub = Stub::start();
    let f = fixture(&stub.base, None);
    let sha = f.put_local(&content("linked cache", 100));
    let img = stub.url("/images/l.png");
    stub.on_path("/images/l.png", vec![Reply::Bytes("image/png", png_bytes())]);
    stub.on_hash(sha.as_str(), vec![Reply::Json(found(sha.as_str(), 8, "L", "LORA", "v", "b", &[img]))]);
    let outside = f.dir.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::create_dir_all(f.store.layout().cache()).unwrap();
    std::os::unix::fs::symlink(&outside, identify::previews_dir(f.store.layout())).unwrap();
    let r = run(&f, Selection::All, false);
    let it = item(&r, &sha);
    assert_eq!(it.status, IdentifyStatus::Found, "the answer is still kept");
    assert!(it.metadata.as_ref().unwrap().preview.is_none());
    assert!(it.message.as_deref().unwrap().contains("symbolic link"), "{:?}", it.message);
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "a file was written through the link");

    // The metadata folder itself a link: refused before anything is asked.
    let g = fixture(&stub.base, None);
    g.put_local(&content("linked metadata", 100));
    fs::create_dir_all(g.store.layout().cache()).unwrap();
    std::os::unix::fs::symlink(&outside, identify::metadata_dir(g.store.layout())).unwrap();
    let cancel = CancelToken::new();
    let e = identify::identify(&g.store, &Selection::All, &IdentifyOptions::default(), Control::new(&NoProgress, &cancel)).unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}
