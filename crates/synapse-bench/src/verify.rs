//! Verify benchmarks (SPEC §7): one large file against `openssl dgst -sha256`,
//! and many files with two threads against one.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use rayon::prelude::*;
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::verify::{self, Selection};
use synapse_core::{Sha256, Store};

use crate::data;
use crate::report::{self, best_of, bytes, emit, gbps, Outcome};
use crate::Opts;

/// Runs `a` and `b` alternately `runs` times and returns the best time of each:
/// alternating spreads the noise of other work on the machine over both sides.
fn side_by_side(
    runs: u32,
    mut a: impl FnMut() -> anyhow::Result<Duration>,
    mut b: impl FnMut() -> anyhow::Result<Duration>,
) -> anyhow::Result<(Duration, Duration)> {
    let (mut best_a, mut best_b) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        best_a = best_a.min(a()?);
        best_b = best_b.min(b()?);
    }
    Ok((best_a, best_b))
}

fn timed_verify(store: &Store, selection: Selection, threads: Option<usize>, expect_valid: usize) -> anyhow::Result<Duration> {
    let cancel = CancelToken::new();
    let started = Instant::now();
    let r = verify::verify(store, selection, threads, Control::new(&NoProgress, &cancel))?;
    let took = started.elapsed();
    ensure!(
        r.valid.len() == expect_valid && r.invalid.is_empty() && r.missing.is_empty(),
        "verify found {} valid, {} invalid, {} missing; expected {expect_valid} valid",
        r.valid.len(),
        r.invalid.len(),
        r.missing.len()
    );
    Ok(took)
}

fn openssl_sha256(path: &Path, expect: &Sha256) -> anyhow::Result<Duration> {
    let (out, took) = report::timed(Command::new("openssl").arg("dgst").arg("-sha256").arg(path))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.rsplit("= ").next().unwrap_or_default().trim();
    ensure!(hex == expect.as_str(), "openssl printed {text:?}, expected the hash {expect}");
    Ok(took)
}

/// Verify one large file in the page cache vs `openssl dgst -sha256` (target >= 0.95).
pub fn one(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let size = opts.size;
    println!("== verify one large file: {} ==", bytes(size));
    let tmp = tempfile::Builder::new().prefix("verify-one-").tempdir_in(dir)?;
    let store = Store::init(&tmp.path().join("store"))?;
    let started = Instant::now();
    let (sha, path) = data::random_blob(&store.layout().blobs(), &store.layout().tmp(), size, 1)?;
    data::warm(&path)?;
    eprintln!("  generated and cached {} in {:.1} s", bytes(size), started.elapsed().as_secs_f64());
    let what = format!("verify one {} file (page cache)", bytes(size));
    let mut out = Vec::new();

    let ours_default = || timed_verify(&store, Selection::Blobs(vec![sha.clone()]), None, 1);
    if report::available("openssl") {
        let (ours, anchor) = side_by_side(opts.runs, ours_default, || openssl_sha256(&path, &sha))?;
        let (s, o) = (gbps(size, ours), gbps(size, anchor));
        let ratio = s / o;
        out.push(emit(Outcome::target(
            format!("{what}: synapse {s:.2} GB/s, openssl dgst -sha256 {o:.2} GB/s, ratio {ratio:.2} (target >= 0.95)"),
            ratio >= 0.95,
        )));
    } else {
        let ours = best_of(opts.runs, ours_default)?;
        out.push(emit(Outcome::info(format!(
            "{what}: synapse {:.2} GB/s; openssl not installed, so no ratio (target >= 0.95 x openssl)",
            gbps(size, ours)
        ))));
    }
    let one_thread = best_of(opts.runs, || timed_verify(&store, Selection::Blobs(vec![sha.clone()]), Some(1), 1))?;
    out.push(emit(Outcome::info(format!(
        "  for reference: synapse verify with threads=1 (no read-ahead thread) {:.2} GB/s",
        gbps(size, one_thread)
    ))));
    Ok(out)
}

/// Verify many files with two threads vs one (target >= 1.8).
pub fn all(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let (n, size) = (opts.files, opts.file_size);
    println!("== verify all: {n} x {} ==", bytes(size));
    ensure!(n > 0, "--files must be at least 1");
    let tmp = tempfile::Builder::new().prefix("verify-all-").tempdir_in(dir)?;
    let store = Store::init(&tmp.path().join("store"))?;
    let started = Instant::now();
    let blobs = store.layout().blobs();
    let tmp_dir = store.layout().tmp();
    let paths: Vec<_> = (0..n)
        .into_par_iter()
        .map(|i| data::random_blob(&blobs, &tmp_dir, size, 1000 + i as u64).map(|(_, p)| p))
        .collect::<anyhow::Result<_>>()
        .context("generating the files")?;
    for p in &paths {
        data::warm(p)?;
    }
    let total = size * n as u64;
    eprintln!("  generated and cached {} in {:.1} s", bytes(total), started.elapsed().as_secs_f64());
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let (two, one) = side_by_side(
        opts.runs,
        || timed_verify(&store, Selection::AllLocal, Some(2), n),
        || timed_verify(&store, Selection::AllLocal, Some(1), n),
    )?;
    let (g2, g1) = (gbps(total, two), gbps(total, one));
    let ratio = g2 / g1;
    let note = if cores < 2 { " (this machine has 1 core: the target cannot be met here)" } else { "" };
    Ok(vec![emit(Outcome::target(
        format!(
            "verify all {n} x {} files (page cache): 2 threads {g2:.2} GB/s, 1 thread {g1:.2} GB/s, ratio {ratio:.2} (target >= 1.8){note}",
            bytes(size)
        ),
        ratio >= 1.8,
    ))])
}
