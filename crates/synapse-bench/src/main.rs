//! `synapse-bench`: the benchmarks of SPEC §7. Each one builds its own data,
//! runs our code and the anchor command side by side in the same run, and
//! prints both figures, their ratio and the SPEC target. Benchmarks are not
//! tests: a figure below its target is reported, never an error (the exit code
//! is 0 unless something actually breaks).
//!
//! Run them through `scripts/bench` (release build); `synapse-bench --help`
//! lists the benchmarks and their size options.

#![forbid(unsafe_code)]

mod backup;
mod data;
mod identify;
mod inventory;
mod report;
mod s3;
mod verify;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::report::Outcome;

#[derive(Parser)]
#[command(
    name = "synapse-bench",
    about = "Benchmarks of the SPEC §7 targets: our figure, the anchor command's figure, the ratio",
    after_help = "Generated data goes to --dir (default: target/bench-data next to this binary). The inventory \
                  and no-op sync data sets are kept there between runs, keyed by their parameters; verify and \
                  one-blob backup data are deleted after each run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    opts: Opts,
}

#[derive(Subcommand)]
enum Command {
    /// Verify one large file in the page cache vs `openssl dgst -sha256` (target ratio >= 0.95).
    VerifyOne,
    /// Verify many files with 2 threads vs 1 thread (target ratio >= 1.8).
    VerifyAll,
    /// `synapse --json inventory --summary` on 100,000 blobs and 5,000 packs: time (< 1 s) and peak RSS (< 200 MB),
    /// against a stat-walk of the same blob tree.
    Inventory,
    /// Backup of one large blob vs `cp` + `sync` (target ratio >= 0.65) and vs `rsync` (faster), and a no-op sync of
    /// 100,000 blobs vs `rsync -a --dry-run` over the same two trees (no slower).
    Backup,
    /// Upload and download of one blob (--s3-size) to a bucket target on a local moto server vs boto3's own
    /// multipart transfer on the same server (target ratio >= 1.0 both ways).
    S3,
    /// `identify` of 1,000 blobs against a local by-hash stub answering in 50 ms (target <= 15 s).
    Identify,
    /// `synapse --json workflow check` of a 200-node workflow on the inventory data set (target < 0.5 s).
    Workflow,
    /// Every benchmark above, then a summary of all the target lines.
    All,
}

/// Options shared by every benchmark (each uses the ones that concern it).
#[derive(Args, Clone)]
pub struct Opts {
    /// Where generated data goes [default: target/bench-data beside this binary].
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    /// verify-one and backup: size of the large file (bytes, or with a unit: 512MiB, 2GiB, 1.5GB).
    #[arg(long, global = true, default_value = "2GiB", value_parser = report::parse_size)]
    pub size: u64,
    /// verify-all: number of files.
    #[arg(long, global = true, default_value_t = 64)]
    pub files: usize,
    /// verify-all: size of each file.
    #[arg(long, global = true, default_value = "32MiB", value_parser = report::parse_size)]
    pub file_size: u64,
    /// inventory: number of blobs in the generated store.
    #[arg(long, global = true, default_value_t = 100_000)]
    pub blobs: usize,
    /// inventory: number of packs in the generated store.
    #[arg(long, global = true, default_value_t = 5_000)]
    pub packs: usize,
    /// backup: number of blobs of the no-op sync.
    #[arg(long, global = true, default_value_t = 100_000)]
    pub sync_blobs: usize,
    /// s3: size of the blob uploaded and downloaded.
    #[arg(long, global = true, default_value = "1GiB", value_parser = report::parse_size)]
    pub s3_size: u64,
    /// Timed runs of each side (the best one counts).
    #[arg(long, global = true, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// inventory: the `synapse` binary to measure [default: `synapse` beside this binary].
    #[arg(long, global = true)]
    pub synapse: Option<PathBuf>,
    /// inventory: regenerate the data set even when a cached one exists.
    #[arg(long, global = true)]
    pub regenerate: bool,
}

impl Opts {
    /// The data directory: `--dir`, else `target/bench-data` (this binary lives in `target/<profile>/`).
    fn data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(d) = &self.dir {
            return Ok(d.clone());
        }
        let exe = std::env::current_exe().context("cannot find this binary's path")?;
        let target = exe.parent().and_then(|p| p.parent()).map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
        Ok(target.join("bench-data"))
    }

    /// The CLI binary to measure: `--synapse`, else `synapse` beside this binary.
    fn synapse_bin(&self) -> Option<PathBuf> {
        if let Some(p) = &self.synapse {
            return Some(p.clone());
        }
        std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join("synapse")))
    }
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(&cli) {
        eprintln!("synapse-bench: error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let dir = cli.opts.data_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    println!("{}", report::environment());
    println!("data directory: {}", dir.display());
    if cfg!(debug_assertions) {
        println!("WARNING: this is a debug build; the figures mean nothing (use scripts/bench, which builds in release)");
    }
    println!();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let opts = &cli.opts;
    match cli.command {
        Command::VerifyOne => outcomes.extend(verify::one(opts, &dir)?),
        Command::VerifyAll => outcomes.extend(verify::all(opts, &dir)?),
        Command::Inventory => outcomes.extend(inventory::run(opts, &dir)?),
        Command::Backup => {
            outcomes.extend(backup::one(opts, &dir)?);
            outcomes.extend(backup::noop(opts, &dir)?);
        }
        Command::S3 => outcomes.extend(s3::run(opts, &dir)?),
        Command::Workflow => outcomes.extend(inventory::workflow(opts, &dir)?),
        Command::Identify => outcomes.extend(identify::run(opts, &dir)?),
        Command::All => {
            outcomes.extend(verify::one(opts, &dir)?);
            outcomes.extend(verify::all(opts, &dir)?);
            outcomes.extend(inventory::run(opts, &dir)?);
            outcomes.extend(backup::one(opts, &dir)?);
            outcomes.extend(backup::noop(opts, &dir)?);
            outcomes.extend(s3::run(opts, &dir)?);
            outcomes.extend(identify::run(opts, &dir)?);
            outcomes.extend(inventory::workflow(opts, &dir)?);
            println!("\n== summary ==");
            for o in &outcomes {
                println!("{o}");
            }
        }
    }
    let below = outcomes.iter().filter(|o| o.meets == Some(false)).count();
    if below > 0 {
        println!("\n{below} figure(s) below target (reported, not an error)");
    }
    Ok(())
}
