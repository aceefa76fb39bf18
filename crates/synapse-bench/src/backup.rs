//! Backup benchmarks (SPEC §7, both tables):
//! - backup and restore of one large blob (hash-checked, fsynced) against
//!   `cp` + `sync` the same way (second release: ≥ 0.90 × its throughput in
//!   both directions), and the backup against `rsync` + `sync` (faster);
//! - a no-op sync of 100,000 blobs to one folder target (`synapse backup
//!   sync`, the dry run and the executed no-op), and a no-op `backup sync
//!   --all` over two targets under a policy of 3 copies, against `rsync -a
//!   --dry-run` from the store to one of them (second release: ≤ 0.5 × its
//!   time: a blob's name is its content).
//!
//! The one-blob data is deleted after each run; the no-op data set (100,000
//! small blobs, copied into two targets' trees) is kept in
//! `<dir>/backup-noop-v2-<n>blobs/` between runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use rayon::prelude::*;
use synapse_core::backup::{self, ConfigUpdate};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::sync;
use synapse_core::target::{self, PolicyUpdate};
use synapse_core::{Sha256, Store};

use crate::data::{self, fill, sha_of};
use crate::report::{self, bytes, emit, gbps, ms, Outcome};
use crate::Opts;

const NOOP_FORMAT: u32 = 3;
/// The second target of the no-op data set (the original's `backup` is the first).
const SECOND: &str = "second";
const MARKER: &str = "bench-complete.json";

/// `sync` the filesystems, so one measurement's write-back does not land in the next.
fn settle() -> anyhow::Result<()> {
    report::timed(&mut Command::new("sync"))?;
    Ok(())
}

fn remove(path: &Path) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// A store at `<base>/store` with an enabled backup at `<base>/drive`.
fn store_with_drive(base: &Path) -> anyhow::Result<Store> {
    let store = Store::init(&base.join("store"))?;
    let drive = base.join("drive");
    fs::create_dir_all(&drive)?;
    backup::configure(&store, &ConfigUpdate { path: Some(drive), enabled: Some(true), ..Default::default() })?;
    Ok(store)
}

/// Backup (and restore) of one large blob vs `cp` + `sync` and `rsync` + `sync`.
pub fn one(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let size = opts.size;
    println!("== backup one large blob: {} ==", bytes(size));
    let tmp = tempfile::Builder::new().prefix("backup-one-").tempdir_in(dir)?;
    let store = store_with_drive(tmp.path())?;
    let started = Instant::now();
    let (sha, src) = data::random_blob(&store.layout().blobs(), &store.layout().tmp(), size, 7)?;
    data::warm(&src)?;
    eprintln!("  generated and cached {} in {:.1} s", bytes(size), started.elapsed().as_secs_f64());
    let backup_copy = tmp.path().join("drive/.synapse/store/data/blobs/sha256").join(sha.fanout()).join(sha.as_str());
    let anchor_dst = tmp.path().join("drive/anchor-copy");
    let has_rsync = report::available("rsync");
    let cancel = CancelToken::new();

    let ours = || -> anyhow::Result<Duration> {
        remove(&backup_copy)?;
        settle()?;
        let t = Instant::now();
        let r = sync::backup_blob(&store, &sha, Control::new(&NoProgress, &cancel))?;
        let took = t.elapsed();
        ensure!(!r.already_present && r.bytes_copied == size, "the backup copied {} bytes, expected {size}", r.bytes_copied);
        Ok(took)
    };
    let anchor = |program: &str| -> anyhow::Result<Duration> {
        remove(&anchor_dst)?;
        settle()?;
        let t = Instant::now();
        report::timed(Command::new(program).arg(&src).arg(&anchor_dst))?;
        settle()?;
        let took = t.elapsed();
        remove(&anchor_dst)?;
        Ok(took)
    };
    let (mut best_ours, mut best_cp, mut best_rsync) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..opts.runs {
        data::warm(&src)?;
        best_ours = best_ours.min(ours()?);
        data::warm(&src)?;
        best_cp = best_cp.min(anchor("cp")?);
        if has_rsync {
            data::warm(&src)?;
            best_rsync = best_rsync.min(anchor("rsync")?);
        }
    }
    let (o, c) = (gbps(size, best_ours), gbps(size, best_cp));
    let what = format!("backup one {} blob (hash-checked, fsynced)", bytes(size));
    let mut out = vec![emit(Outcome::target(
        format!(
            "{what}: synapse {o:.2} GB/s ({}), cp + sync {c:.2} GB/s ({}), ratio {:.2} (target >= 0.90)",
            ms(best_ours),
            ms(best_cp),
            o / c
        ),
        o / c >= 0.90,
    ))];
    if has_rsync {
        let r = gbps(size, best_rsync);
        out.push(emit(Outcome::target(
            format!(
                "{what}: synapse {o:.2} GB/s, rsync + sync {r:.2} GB/s ({}), ratio {:.2} (target > 1: faster than rsync)",
                ms(best_rsync),
                o / r
            ),
            o > r,
        )));
    } else {
        out.push(emit(Outcome::info("  rsync not installed (apt-get install rsync): no rsync ratio".to_owned())));
    }

    // Restore: the same engine the other way, into a second store.
    let other = Store::init(&tmp.path().join("store2"))?;
    let mut config = other.config()?;
    config.backup = store.config()?.backup;
    other.save_config(&config)?;
    let restored = other.layout().blobs().blob(&sha);
    let restore_dst = tmp.path().join("restore-anchor");
    ours()?;
    let mut best_restore = Duration::MAX;
    let mut best_cp_back = Duration::MAX;
    for _ in 0..opts.runs {
        data::warm(&backup_copy)?;
        remove(&restored)?;
        settle()?;
        let t = Instant::now();
        sync::restore_blob(&other, &sha, Control::new(&NoProgress, &cancel))?;
        best_restore = best_restore.min(t.elapsed());
        data::warm(&backup_copy)?;
        remove(&restore_dst)?;
        settle()?;
        let t = Instant::now();
        report::timed(Command::new("cp").arg(&backup_copy).arg(&restore_dst))?;
        settle()?;
        best_cp_back = best_cp_back.min(t.elapsed());
        remove(&restore_dst)?;
    }
    let (r, c) = (gbps(size, best_restore), gbps(size, best_cp_back));
    out.push(emit(Outcome::target(
        format!(
            "restore one {} blob (hash-checked, fsynced): synapse {r:.2} GB/s ({}), cp + sync {c:.2} GB/s ({}), ratio {:.2} (target >= 0.90)",
            bytes(size),
            ms(best_restore),
            ms(best_cp_back),
            r / c
        ),
        r / c >= 0.90,
    )));
    Ok(out)
}

/// A no-op sync of many blobs vs `rsync -a --dry-run` over the same two trees.
pub fn noop(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let n = opts.sync_blobs;
    println!("== no-op sync: {n} blobs already on the backup ==");
    ensure!(n >= 1, "--sync-blobs must be at least 1");
    let root = noop_dataset(opts, dir)?;
    let store = Store::open(&root.join("store"))?;
    let local_tree = format!("{}/", store.layout().blobs().root().display());
    let backup_tree = format!("{}/", root.join("drive/.synapse/store/data/blobs/sha256").display());
    let what = format!("no-op sync of {n} blobs (warm)");
    let mut out = Vec::new();

    let Some(bin) = opts.synapse_bin().filter(|p| p.is_file()) else {
        out.push(emit(Outcome::info(format!(
            "{what}: no `synapse` binary beside this one (build it with `cargo build --release -p synapse-cli`)"
        ))));
        return Ok(out);
    };
    let root_arg = store.root().to_string_lossy().into_owned();
    let run = |execute: bool| -> anyhow::Result<Duration> {
        let mut cmd = Command::new(&bin);
        cmd.args(["--root", root_arg.as_str(), "--json", "backup", "sync"]);
        if execute {
            cmd.arg("--execute");
        }
        let (o, took) = report::timed(&mut cmd)?;
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).context("`synapse backup sync` printed no JSON")?;
        ensure!(v["already_synced"] == true, "the sync was not a no-op: {}", String::from_utf8_lossy(&o.stdout));
        Ok(took)
    };
    let rsync = || -> anyhow::Result<Duration> {
        let (o, took) =
            report::timed(Command::new("rsync").args(["-a", "--dry-run", "--itemize-changes"]).arg(&local_tree).arg(&backup_tree))?;
        ensure!(
            o.stdout.is_empty(),
            "rsync would copy something: {}",
            String::from_utf8_lossy(&o.stdout).lines().take(3).collect::<Vec<_>>().join("; ")
        );
        Ok(took)
    };
    // As after any inventory: the catalog records the drive's 100,000 blobs
    // (so the figures include reading its identity). Also warms the dentry
    // and inode caches of both trees.
    report::timed(Command::new(&bin).args(["--root", root_arg.as_str(), "--json", "backup", "status"]))?;
    run(false)?;
    let has_rsync = report::available("rsync");
    if has_rsync {
        rsync()?;
    }
    // `sync --all` over both targets (policy 3: this disk and two targets), orphans included.
    let run_all = |execute: bool| -> anyhow::Result<Duration> {
        let mut cmd = Command::new(&bin);
        cmd.args(["--root", root_arg.as_str(), "--json", "backup", "sync", "--all", "--include-orphans"]);
        if execute {
            cmd.arg("--execute");
        }
        let (o, took) = report::timed(&mut cmd)?;
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).context("`synapse backup sync --all` printed no JSON")?;
        let planned =
            v["plan"]["copies"].as_array().map_or(usize::MAX, Vec::len) + v["plan"]["short"].as_array().map_or(usize::MAX, Vec::len);
        ensure!(planned == 0, "sync --all was not a no-op: {}", String::from_utf8_lossy(&o.stdout).chars().take(300).collect::<String>());
        let connected = v["plan"]["connected"].as_array().map_or(0, Vec::len);
        ensure!(connected == 2, "sync --all saw {connected} connected targets, expected 2");
        Ok(took)
    };
    run_all(false)?;
    let (mut dry, mut exec, mut all_dry, mut all_exec, mut anchor) =
        (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..opts.runs {
        dry = dry.min(run(false)?);
        exec = exec.min(run(true)?);
        all_dry = all_dry.min(run_all(false)?);
        all_exec = all_exec.min(run_all(true)?);
        if has_rsync {
            anchor = anchor.min(rsync()?);
        }
    }
    if has_rsync {
        let ratio = |d: Duration| d.as_secs_f64() / anchor.as_secs_f64();
        let line = |label: &str, d: Duration| {
            emit(Outcome::target(format!("{what}: {label} {}, ratio {:.2} to rsync (target <= 0.5)", ms(d), ratio(d)), ratio(d) <= 0.5))
        };
        out.push(emit(Outcome::info(format!("  anchor: `rsync -a --dry-run` of the store's blob tree to one target {}", ms(anchor)))));
        out.push(line("`synapse backup sync` (dry run, one target)", dry));
        out.push(line("`synapse backup sync --execute` (one target: locks, no-op, records the sync)", exec));
        out.push(line("`synapse backup sync --all` (dry run, two targets, policy 3)", all_dry));
        out.push(line("`synapse backup sync --all --execute` (two targets, policy 3)", all_exec));
    } else {
        out.push(emit(Outcome::info(format!(
            "{what}: dry run {}, executed no-op {}, sync --all over two targets {} / {}; rsync not installed (apt-get install rsync): no ratio",
            ms(dry),
            ms(exec),
            ms(all_dry),
            ms(all_exec)
        ))));
    }
    Ok(out)
}

/// The cached no-op data set: `store/` with `n` small blobs, `drive/` (the
/// original's target) and `drive2/` (a second target) holding copies of the
/// same blobs (distinct files, as a real backup: a hard link is not a copy),
/// and a copies policy of 3.
fn noop_dataset(opts: &Opts, dir: &Path) -> anyhow::Result<PathBuf> {
    let base = dir.join(format!("backup-noop-v{NOOP_FORMAT}-{}blobs", opts.sync_blobs));
    let marker = base.join(MARKER);
    if !opts.regenerate && marker.is_file() {
        eprintln!("  using the cached data set in {}", base.display());
        return Ok(base);
    }
    if base.exists() {
        fs::remove_dir_all(&base).with_context(|| format!("cannot remove the stale data set {}", base.display()))?;
    }
    eprintln!("  generating {} blobs in {} (kept for later runs)...", opts.sync_blobs, base.display());
    let started = Instant::now();
    let store = store_with_drive(&base)?;
    fs::create_dir_all(base.join("drive2"))?;
    target::add(&store, SECOND, &base.join("drive2"))?;
    target::set_policy(&store, &PolicyUpdate { min_copies: Some(3), ..Default::default() })?;
    let local = store.layout().blobs();
    let remote = synapse_core::layout::BlobDir::new(base.join("drive/.synapse/store/data/blobs/sha256"));
    let remote2 = synapse_core::layout::BlobDir::new(base.join("drive2/.synapse/store/data/blobs/sha256"));
    for f in 0..256 {
        fs::create_dir_all(local.root().join(format!("{f:02x}")))?;
        fs::create_dir_all(remote.root().join(format!("{f:02x}")))?;
        fs::create_dir_all(remote2.root().join(format!("{f:02x}")))?;
    }
    let _: Vec<Sha256> = (0..opts.sync_blobs)
        .into_par_iter()
        .map(|i| -> anyhow::Result<Sha256> {
            let mut bytes = vec![0u8; 512 + (i * 37) % 1500];
            fill(&mut bytes, i as u64 ^ 0xb0_b0);
            let sha = sha_of(&bytes);
            fs::write(local.blob(&sha), &bytes)?;
            // Each copy carries the local file's mtime, as a copy that keeps
            // times does: rsync's quick check compares size and mtime.
            let mtime = fs::metadata(local.blob(&sha))?.modified()?;
            for tree in [&remote, &remote2] {
                fs::write(tree.blob(&sha), &bytes)?;
                fs::File::options().write(true).open(tree.blob(&sha))?.set_modified(mtime)?;
            }
            Ok(sha)
        })
        .collect::<anyhow::Result<_>>()?;
    fs::write(&marker, format!("{{\"format\": {NOOP_FORMAT}, \"blobs\": {}}}\n", opts.sync_blobs))?;
    eprintln!("  generated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(base)
}
