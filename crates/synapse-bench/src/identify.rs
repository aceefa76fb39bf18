//! The identify benchmark (SPEC §3.14, issue 15): `identify` of 1,000 blobs
//! against a local stand-in of Civitai's by-hash endpoint that takes 50 ms per
//! answer (the tests' stub, from synapse-test-support), each answer with a preview
//! image. Target: ≤ 15 s — with four requests in flight the answers alone
//! take 12.5 s, so the target says the rest (previews, cache files,
//! manifests, the index) costs at most 2.5 s. The second run, answered from the
//! cache without a request, is printed for reference.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::ensure;
use serde_json::json;
use synapse_core::identify::{self, IdentifyOptions, Selection};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::Store;

use synapse_test_support::civitai_stub;

use crate::data::sha_of;
use crate::report::{emit, ms, Outcome};
use crate::Opts;

const BLOBS: usize = 1000;
const ANSWER_DELAY: Duration = Duration::from_millis(50);
const TARGET: Duration = Duration::from_secs(15);

pub fn run(_opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    println!("== identify: {BLOBS} blobs against a by-hash stub answering in {} ms ==", ANSWER_DELAY.as_millis());
    // Only the stub is asked, with no key: what the environment says is not used here.
    std::env::remove_var(identify::BASE_URL_ENV);
    std::env::remove_var(identify::API_KEY_ENV);
    let work = tempfile::Builder::new().prefix("identify-").tempdir_in(dir)?;
    let store = Store::init(&work.path().join("store"))?;
    let stub = civitai_stub::Stub::with_delay(ANSWER_DELAY);
    let image = stub.url("/img/preview.png");
    stub.on_path("/img/preview.png", vec![civitai_stub::Reply::Bytes("image/png", civitai_stub::png_bytes())]);
    let blobs = store.layout().blobs();
    for i in 0..BLOBS {
        let bytes = format!("identify benchmark blob {i}").into_bytes();
        let sha = sha_of(&bytes);
        let path = blobs.blob(&sha);
        std::fs::create_dir_all(path.parent().expect("a blob has a fan-out folder"))?;
        std::fs::write(&path, &bytes)?;
        let answer = civitai_stub::found(
            sha.as_str(),
            1000 + i as u64,
            &format!("Model {i}"),
            "LORA",
            "v1",
            "SDXL 1.0",
            std::slice::from_ref(&image),
        );
        stub.on_hash(sha.as_str(), vec![civitai_stub::Reply::Json(answer)]);
    }
    let mut config = store.config()?;
    config.extra.insert("providers".into(), json!({"civitai": {"base_url": stub.base}}));
    store.save_config(&config)?;

    let cancel = CancelToken::new();
    let ctl = Control::new(&NoProgress, &cancel);
    let started = Instant::now();
    let first = identify::identify(&store, &Selection::All, &IdentifyOptions::default(), ctl)?;
    let took = started.elapsed();
    ensure!(first.found as usize == BLOBS, "identify found {} of {BLOBS} blobs ({} failed)", first.found, first.failed);
    ensure!(first.previews_saved as usize == BLOBS, "identify saved {} of {BLOBS} previews", first.previews_saved);
    let mut out = vec![emit(Outcome::target(
        format!(
            "identify of {BLOBS} blobs against a stub answering in {} ms: {} ({} requests, at most {} in flight; target <= {} s)",
            ANSWER_DELAY.as_millis(),
            ms(took),
            first.requests,
            stub.max_in_flight(),
            TARGET.as_secs()
        ),
        took <= TARGET,
    ))];
    // Unnamed blobs get their answers again from the cache (the found ones now have manifests: --refresh would ask).
    let started = Instant::now();
    let again = identify::identify(&store, &Selection::All, &IdentifyOptions::default(), ctl)?;
    out.push(emit(Outcome::info(format!(
        "  for reference: the second run {} ({} skipped as identified, {} requests)",
        ms(started.elapsed()),
        again.skipped,
        again.requests
    ))));
    Ok(out)
}
