//! The bucket target benchmark (SPEC §7, second table; issue 14): upload and
//! download of one large blob to a local S3-compatible server (moto, as in
//! the tests), against the same server's throughput for its own SDK client
//! (boto3's `upload_file` / `download_file`, a plain multipart transfer with
//! the SDK's defaults) in the same run. Target: ratio ≥ 1.0 both ways.
//!
//! Our side is the real path: a store with the bucket as a target, and
//! `sync::backup_blob` / `sync::restore_blob` on it (hash-checked both ways).
//! moto is a Python server, so both sides measure mostly the server; the ratio
//! says whether Synapse's client costs anything on top of the SDK's.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::s3::S3Location;
use synapse_core::{sync, target, Store};

use crate::data;
use crate::report::{bytes, emit, gbps, ms, Outcome};
use crate::Opts;

// The tests' moto harness: it starts the server once (exiting with this
// process), makes its key, and runs boto3 for us.
use synapse_test_support::moto;

const BUCKET: &str = "bench";

/// Seconds a boto3 transfer took, timed inside Python (its start-up not counted).
fn boto_seconds(m: &moto::Moto, call: &str) -> anyhow::Result<Duration> {
    let out = m.boto(&format!("import time\nt = time.perf_counter()\n{call}\nprint(time.perf_counter() - t)"));
    let secs: f64 = out.trim().parse().with_context(|| format!("unexpected boto3 output {out:?}"))?;
    Ok(Duration::from_secs_f64(secs))
}

pub fn run(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let size = opts.s3_size;
    println!("== bucket target: upload and download of one {} blob (moto on 127.0.0.1) ==", bytes(size));
    let Some(m) = moto::server() else {
        return Ok(vec![emit(Outcome::info(
            "  skipped: no Python with moto (scripts/test installs it into target/test-venv, or set SYNAPSE_MOTO_PYTHON)".to_owned(),
        ))]);
    };
    m.bucket(BUCKET);
    // The server's key, for the store's bucket target.
    for (k, v) in m.env() {
        std::env::set_var(k, v);
    }
    let endpoint = m.endpoint.clone();

    let tmp = tempfile::Builder::new().prefix("s3-").tempdir_in(dir)?;
    let store = Store::init(&tmp.path().join("store"))?;
    let location = S3Location {
        endpoint: endpoint.clone(),
        bucket: BUCKET.to_owned(),
        prefix: "synapse".to_owned(),
        region: "us-east-1".to_owned(),
        path_style: true,
    };
    target::add_s3(&store, "cloud", &location)?;
    let store = store.on_target(Some("cloud"))?;
    let started = Instant::now();
    let (sha, src) = data::random_blob(&store.layout().blobs(), &store.layout().tmp(), size, 11)?;
    data::warm(&src)?;
    eprintln!("  generated and cached {} in {:.1} s", bytes(size), started.elapsed().as_secs_f64());
    let key = format!("synapse/data/blobs/sha256/{}/{sha}", sha.fanout());
    let cancel = CancelToken::new();
    let delete_ours = || m.boto(&format!("s3.delete_object(Bucket='{BUCKET}', Key='{key}')"));
    let src_str = src.display().to_string();

    let (mut up_ours, mut up_sdk) = (Duration::MAX, Duration::MAX);
    for _ in 0..opts.runs {
        delete_ours();
        let t = Instant::now();
        let r = sync::backup_blob(&store, &sha, Control::new(&NoProgress, &cancel))?;
        up_ours = up_ours.min(t.elapsed());
        ensure!(r.bytes_copied == size, "the upload sent {} bytes, expected {size}", r.bytes_copied);
        data::warm(&src)?;
        up_sdk = up_sdk.min(boto_seconds(m, &format!("s3.upload_file('{src_str}', '{BUCKET}', 'sdk-copy')"))?);
        m.boto(&format!("s3.delete_object(Bucket='{BUCKET}', Key='sdk-copy')"));
    }
    // The object stays for the downloads.
    sync::backup_blob(&store, &sha, Control::new(&NoProgress, &cancel))?;
    let other = Store::init(&tmp.path().join("store2"))?;
    let mut config = other.config()?;
    config.backup.enabled = false;
    other.save_config(&config)?;
    target::add_s3(&other, "cloud", &location)?;
    let other = other.on_target(Some("cloud"))?;
    let restored = other.layout().blobs().blob(&sha);
    let sdk_dst = tmp.path().join("sdk-download");
    let (mut down_ours, mut down_sdk) = (Duration::MAX, Duration::MAX);
    for _ in 0..opts.runs {
        let _ = std::fs::remove_file(&restored);
        let t = Instant::now();
        sync::restore_blob(&other, &sha, Control::new(&NoProgress, &cancel))?;
        down_ours = down_ours.min(t.elapsed());
        let _ = std::fs::remove_file(&sdk_dst);
        down_sdk = down_sdk.min(boto_seconds(m, &format!("s3.download_file('{BUCKET}', '{key}', '{}')", sdk_dst.display()))?);
    }
    let _ = std::fs::remove_file(&sdk_dst);

    let mut out = Vec::new();
    for (what, ours, sdk) in [("upload", up_ours, up_sdk), ("download", down_ours, down_sdk)] {
        let (o, s) = (gbps(size, ours), gbps(size, sdk));
        out.push(emit(Outcome::target(
            format!(
                "bucket {what} of one {} blob (hash-checked): synapse {:.0} MB/s ({}), boto3 {:.0} MB/s ({}), ratio {:.2} (target >= 1.0)",
                bytes(size),
                o * 1000.0,
                ms(ours),
                s * 1000.0,
                ms(sdk),
                o / s
            ),
            o / s >= 1.0,
        )));
    }
    Ok(out)
}
