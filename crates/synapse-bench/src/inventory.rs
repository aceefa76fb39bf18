//! Inventory benchmark (SPEC §7): `synapse --json inventory --summary` on a
//! store of 100,000 blobs and 5,000 packs with copies on two backup targets,
//! warm — time (second release: ≤ 1.0 × a `find -type f -printf %s`
//! stat-walk of the local blob tree in the same run) and peak RSS (< 150 MB).
//!
//! The data set is generated once per parameter set into
//! `<dir>/inventory-v2-<blobs>blobs-<packs>packs/` and reused by later runs
//! (writing 180,000 files takes a while). Its shape: small safetensors blobs of
//! five kinds named by their real hashes; packs of 10–20 dependencies in the
//! original lock format; a pool of popular blobs (VAEs, base models) shared by
//! many packs; about 38 % of the blobs orphans, half of them with a manifest
//! and half recognisable only from their safetensors header; a few missing
//! blobs. Every blob that entered through a pack has its `.meta` manifest.
//! Two folder targets beside the store: the original's `backup` (`drive-a/`)
//! holds every blob, the second (`drive-b/`) every other one (distinct
//! files, as a real backup).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use synapse_core::backup::{self, ConfigUpdate};
use synapse_core::inventory;
use synapse_core::target;
use synapse_core::{Sha256, Store};

use crate::data::{fill, sha_of};
use crate::report::{self, bytes, emit, ms, Outcome};
use crate::Opts;

/// Bump when the generated shape changes, so stale caches are not reused.
const FORMAT: u32 = 2;
const MARKER: &str = "bench-complete.json";

/// What a correct inventory of the data set reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Expected {
    blobs_total: u64,
    blobs_referenced: u64,
    blobs_orphan: u64,
    blobs_missing: u64,
    /// Files under `data/blobs/sha256` (blobs and manifests).
    files: u64,
}

impl Expected {
    fn to_json(self) -> Value {
        json!({
            "format": FORMAT,
            "blobs_total": self.blobs_total,
            "blobs_referenced": self.blobs_referenced,
            "blobs_orphan": self.blobs_orphan,
            "blobs_missing": self.blobs_missing,
            "files": self.files,
        })
    }

    fn from_json(v: &Value) -> Option<Expected> {
        let n = |k: &str| v.get(k).and_then(Value::as_u64);
        (n("format")? == u64::from(FORMAT)).then_some(())?;
        Some(Expected {
            blobs_total: n("blobs_total")?,
            blobs_referenced: n("blobs_referenced")?,
            blobs_orphan: n("blobs_orphan")?,
            blobs_missing: n("blobs_missing")?,
            files: n("files")?,
        })
    }

    /// Differences from a summary (`--json inventory --summary` or the in-process one).
    fn check(&self, summary: &Value) -> Vec<String> {
        let mut diffs = Vec::new();
        for (k, want) in [
            ("blobs_total", self.blobs_total),
            ("blobs_referenced", self.blobs_referenced),
            ("blobs_orphan", self.blobs_orphan),
            ("blobs_missing", self.blobs_missing),
        ] {
            let got = summary.get(k).and_then(Value::as_u64);
            if got != Some(want) {
                diffs.push(format!("{k} = {got:?}, expected {want}"));
            }
        }
        diffs
    }
}

pub fn run(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let (n_blobs, n_packs) = (opts.blobs, opts.packs);
    println!("== inventory: {n_blobs} blobs, {n_packs} packs ==");
    ensure!(n_blobs >= 100 && n_packs >= 1, "--blobs must be at least 100 and --packs at least 1");
    let (root, expected) = dataset(opts, dir)?;
    let store = Store::open(&root)?;
    let blob_root = store.layout().blobs().root().to_path_buf();
    let what = format!("inventory summary, {n_blobs} blobs + {n_packs} packs (warm)");
    let mut out = Vec::new();

    // The anchor: a stat-walk of the blob tree.
    let find = || -> anyhow::Result<(Duration, u64)> {
        let (o, took) = report::timed(Command::new("find").arg(&blob_root).args(["-type", "f", "-printf", "%s\\n"]))?;
        Ok((took, o.stdout.iter().filter(|b| **b == b'\n').count() as u64))
    };
    let walked = if report::available("find") {
        let (_, files) = find()?; // warm the dentry and inode caches
        ensure!(files == expected.files, "find saw {files} files, the data set has {}", expected.files);
        let mut best = Duration::MAX;
        for _ in 0..opts.runs {
            best = best.min(find()?.0);
        }
        Some((best, files))
    } else {
        None
    };
    let anchor_text = |ours: Duration| match walked {
        Some((t, files)) => format!(
            "stat-walk `find -type f -printf %s` of the blob tree ({files} files incl. manifests) {}, ratio {:.1}x the stat-walk",
            ms(t),
            ours.as_secs_f64() / t.as_secs_f64()
        ),
        None => "find not installed: no stat-walk anchor".to_owned(),
    };

    // Our CLI, as a user runs it.
    let root_arg = root.to_string_lossy().into_owned();
    let summary_args = ["--root", root_arg.as_str(), "--json", "inventory", "--summary"];
    let list_args = ["--root", root_arg.as_str(), "--json", "inventory"];
    match opts.synapse_bin().filter(|p| p.is_file()) {
        Some(bin) => {
            let run_cli = || -> anyhow::Result<(Duration, Value)> {
                let (o, took) = report::timed(Command::new(&bin).args(summary_args))?;
                let v: Value = serde_json::from_slice(&o.stdout).context("`synapse --json inventory --summary` printed no JSON")?;
                Ok((took, v))
            };
            let (_, first) = run_cli()?; // warm
            let diffs = expected.check(&first);
            if !diffs.is_empty() {
                out.push(emit(Outcome::info(format!("WARNING: the CLI's summary is wrong: {}", diffs.join("; ")))));
            }
            let mut best = Duration::MAX;
            for _ in 0..opts.runs {
                best = best.min(run_cli()?.0);
            }
            let meets = match walked {
                Some((t, _)) => best <= t,
                None => best < Duration::from_secs(1),
            };
            out.push(emit(Outcome::target(
                format!("{what}: `synapse --json inventory --summary` {} (target <= 1.0x the stat-walk); {}", ms(best), anchor_text(best)),
                meets,
            )));
            let summary_rss = report::peak_rss(&bin, &summary_args)?;
            let list_rss = report::peak_rss(&bin, &list_args)?;
            let worst = summary_rss.bytes.max(list_rss.bytes);
            out.push(emit(Outcome::target(
                format!(
                    "inventory peak RSS in the CLI, {n_blobs} blobs: `inventory --summary` {:.0} MB, `inventory` (first page) {:.0} MB (target < 150 MB; {})",
                    summary_rss.bytes as f64 / 1e6,
                    list_rss.bytes as f64 / 1e6,
                    summary_rss.method
                ),
                worst < 150_000_000,
            )));
        }
        None => {
            out.push(emit(Outcome::info(format!(
                "{what}: no `synapse` binary at {} (build it with `cargo build --release -p synapse-cli`, or pass --synapse): measuring in-process only",
                opts.synapse_bin().map(|p| p.display().to_string()).unwrap_or_default()
            ))));
        }
    }

    // In-process, for reference: the core call without process start-up, and its memory.
    let _ = inventory::build(&store)?; // warm
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..opts.runs {
        let reset = report::reset_own_peak_rss();
        let before = report::own_peak_rss();
        let started = Instant::now();
        let inv = inventory::build(&store)?;
        best = best.min(started.elapsed());
        let peak = report::own_peak_rss();
        last = Some((serde_json::to_value(&inv.summary)?, reset, before, peak));
    }
    let (summary, reset, before, peak) = last.expect("at least one run");
    let diffs = expected.check(&summary);
    if !diffs.is_empty() {
        out.push(emit(Outcome::info(format!("WARNING: inventory::build's summary is wrong: {}", diffs.join("; ")))));
    }
    let mem = match (reset, before, peak) {
        (true, Some(b), Some(p)) => format!(
            "peak RSS of this process {:.0} MB (+{:.0} MB over its {:.0} MB before)",
            p as f64 / 1e6,
            p.saturating_sub(b) as f64 / 1e6,
            b as f64 / 1e6
        ),
        (_, _, Some(p)) => format!("peak RSS of this process {:.0} MB (could not reset VmHWM: includes data generation)", p as f64 / 1e6),
        _ => "peak RSS unknown (no /proc/self/status)".to_owned(),
    };
    out.push(emit(Outcome::info(format!("  for reference: in-process inventory::build {} ({mem})", ms(best)))));
    Ok(out)
}

/// `synapse --json workflow check` of a 200-node API-format workflow on the
/// inventory data set (SPEC §7: < 0.5 s). The nodes name blobs of the store
/// by file name with the loader of their kind (every fifth a file the store
/// lacks), so the check resolves all of them against the whole inventory.
pub fn workflow(opts: &Opts, dir: &Path) -> anyhow::Result<Vec<Outcome>> {
    let (n_blobs, n_packs) = (opts.blobs, opts.packs);
    println!("== workflow check: 200 nodes on {n_blobs} blobs, {n_packs} packs ==");
    ensure!(n_blobs >= 1000, "--blobs must be at least 1000 for the workflow benchmark");
    let (root, _) = dataset(opts, dir)?;
    let mut nodes = serde_json::Map::new();
    for n in 0..200usize {
        let i = (n * 7919) % n_blobs;
        let (class, input) = match kind_of(i).name {
            "lora" => ("LoraLoader", "lora_name"),
            "checkpoint" => ("CheckpointLoaderSimple", "ckpt_name"),
            "vae" => ("VAELoader", "vae_name"),
            "controlnet" => ("ControlNetLoader", "control_net_name"),
            _ => ("UpscaleModelLoader", "model_name"),
        };
        let file = if n % 5 == 4 { format!("not_in_the_store_{n}.safetensors") } else { file_name(i) };
        nodes.insert(n.to_string(), serde_json::json!({"class_type": class, "inputs": {input: file}}));
    }
    let file = dir.join("workflow-200-nodes.json");
    std::fs::write(&file, serde_json::to_vec(&Value::Object(nodes))?)?;
    let Some(bin) = opts.synapse_bin().filter(|p| p.is_file()) else {
        return Ok(vec![emit(Outcome::info(
            "  no `synapse` binary beside this one: build it with `cargo build --release -p synapse-cli`".to_owned(),
        ))]);
    };
    let root_arg = root.to_string_lossy().into_owned();
    let file_arg = file.to_string_lossy().into_owned();
    let args = ["--root", root_arg.as_str(), "--json", "workflow", "check", file_arg.as_str()];
    let run_cli = || -> anyhow::Result<(Duration, Value)> {
        let (o, took) = report::timed(Command::new(&bin).args(args))?;
        let v: Value = serde_json::from_slice(&o.stdout).context("`synapse --json workflow check` printed no JSON")?;
        Ok((took, v))
    };
    let (_, first) = run_cli()?; // warm
    let models = first["models"].as_array().map_or(0, Vec::len);
    ensure!(models == 200, "the check listed {models} models, expected 200");
    let mut best = Duration::MAX;
    for _ in 0..opts.runs {
        best = best.min(run_cli()?.0);
    }
    Ok(vec![emit(Outcome::target(
        format!(
            "workflow check of a 200-node workflow on {n_blobs} blobs: {} ({} present, {} missing; target < 500 ms)",
            ms(best),
            first["counts"]["present"],
            first["counts"]["missing"]
        ),
        best < Duration::from_millis(500),
    ))])
}

/// The cached data set for these parameters, generated when missing.
fn dataset(opts: &Opts, dir: &Path) -> anyhow::Result<(PathBuf, Expected)> {
    let base = dir.join(format!("inventory-v{FORMAT}-{}blobs-{}packs", opts.blobs, opts.packs));
    let root = base.join("store");
    let marker = base.join(MARKER);
    if !opts.regenerate {
        if let Some(e) = fs::read(&marker).ok().and_then(|b| serde_json::from_slice(&b).ok()).and_then(|v| Expected::from_json(&v)) {
            eprintln!("  using the cached data set in {}", base.display());
            return Ok((root, e));
        }
    }
    if base.exists() {
        fs::remove_dir_all(&base).with_context(|| format!("cannot remove the stale data set {}", base.display()))?;
    }
    eprintln!("  generating {} blobs and {} packs in {} (kept for later runs)...", opts.blobs, opts.packs, base.display());
    let started = Instant::now();
    let expected = generate(&root, opts.blobs, opts.packs)?;
    add_targets(&base, &root)?;
    fs::write(&marker, serde_json::to_vec_pretty(&expected.to_json())?)?;
    eprintln!("  generated in {:.1} s", started.elapsed().as_secs_f64());
    Ok((root, expected))
}

/// The two folder targets: `backup` in `drive-a/` with a copy of every blob,
/// `second` in `drive-b/` with every other one.
fn add_targets(base: &Path, root: &Path) -> anyhow::Result<()> {
    let store = Store::open(root)?;
    let (a, b) = (base.join("drive-a"), base.join("drive-b"));
    fs::create_dir_all(&a)?;
    fs::create_dir_all(&b)?;
    backup::configure(&store, &ConfigUpdate { path: Some(a.clone()), enabled: Some(true), ..Default::default() })?;
    target::add(&store, "second", &b)?;
    let local = store.layout().blobs();
    let trees = [a, b].map(|d| synapse_core::layout::BlobDir::new(d.join(".synapse/store/data/blobs/sha256")));
    for tree in &trees {
        for f in 0..256 {
            fs::create_dir_all(tree.root().join(format!("{f:02x}")))?;
        }
    }
    let shas: Vec<Sha256> = synapse_core::blobs::scan(&local)?.blobs.into_iter().map(|b| b.sha256).collect();
    shas.par_iter().enumerate().try_for_each(|(i, sha)| -> anyhow::Result<()> {
        let bytes = fs::read(local.blob(sha))?;
        fs::write(trees[0].blob(sha), &bytes)?;
        if i % 2 == 0 {
            fs::write(trees[1].blob(sha), &bytes)?;
        }
        Ok(())
    })?;
    eprintln!("  copied {} blobs to target 'backup' and {} to 'second'", shas.len(), shas.len().div_ceil(2));
    Ok(())
}

/// One of the five kinds of generated blob, with tensor names the kind sniffer knows.
struct Kind {
    name: &'static str,
    tensors: &'static [&'static str],
    words: &'static [&'static str],
}

const KINDS: [Kind; 5] = [
    Kind {
        name: "lora",
        tensors: &[
            "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
            "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight",
        ],
        words: &["detail", "pixel_art", "watercolor", "film_grain", "cyberpunk", "ghibli_style", "add_more_light"],
    },
    Kind {
        name: "checkpoint",
        tensors: &[
            "model.diffusion_model.input_blocks.0.0.weight",
            "first_stage_model.decoder.conv_in.weight",
            "conditioner.embedders.0.x",
        ],
        words: &["realistic_mix", "anime_xl", "dream_merge", "photon", "epic_realism", "juggernaut_remix"],
    },
    Kind {
        name: "vae",
        tensors: &["encoder.down.0.block.0.conv1.weight", "decoder.up.0.block.0.conv1.weight"],
        words: &["vae_ft_mse", "sdxl_vae_fp16_fix", "kl_f8_anime"],
    },
    Kind { name: "embedding", tensors: &["emb_params"], words: &["bad_hands", "easy_negative", "fast_negative", "verybad_negative"] },
    Kind {
        name: "controlnet",
        tensors: &["control_model.input_blocks.0.0.weight", "control_model.input_hint_block.0.weight"],
        words: &["canny", "depth", "openpose", "lineart", "tile"],
    },
];

fn kind_of(i: usize) -> &'static Kind {
    &KINDS[i % KINDS.len()]
}

fn file_name(i: usize) -> String {
    let k = kind_of(i);
    format!("{}_v{}_{i:06}.safetensors", k.words[(i / KINDS.len()) % k.words.len()], 1 + i % 7)
}

/// A small safetensors file: header naming the kind's tensors, then 64–2,000 payload bytes.
fn blob_bytes(i: usize) -> Vec<u8> {
    let k = kind_of(i);
    let mut header = Map::new();
    let mut meta = Map::new();
    meta.insert("bench_id".into(), json!(i.to_string()));
    if k.name == "lora" {
        meta.insert("ss_network_module".into(), json!("networks.lora"));
        meta.insert("ss_output_name".into(), json!(file_name(i).trim_end_matches(".safetensors")));
    }
    header.insert("__metadata__".into(), Value::Object(meta));
    for (t, name) in k.tensors.iter().enumerate() {
        header.insert((*name).to_owned(), json!({"dtype": "F16", "shape": [2], "data_offsets": [t * 4, t * 4 + 4]}));
    }
    let h = serde_json::to_vec(&header).expect("a JSON map serialises");
    let payload = 64 + (i * 37) % 1_937;
    let mut out = Vec::with_capacity(8 + h.len() + payload);
    out.extend_from_slice(&(h.len() as u64).to_le_bytes());
    out.extend_from_slice(&h);
    let start = out.len();
    out.resize(start + payload, 0);
    fill(&mut out[start..], i as u64);
    out
}

fn manifest(i: usize) -> Value {
    json!({
        "version": 1,
        "created_at": format!("2025-{:02}-{:02}T{:02}:{:02}:00Z", 1 + i % 12, 1 + i % 28, i % 24, i % 60),
        "original_filename": file_name(i),
        "kind": kind_of(i).name,
        "origin": {
            "provider": "civitai", "model_id": 100_000 + i, "version_id": 200_000 + i, "file_id": 300_000 + i,
            "filename": file_name(i), "repo_id": null
        }
    })
}

/// What a pack dependency points at.
#[derive(Clone, Copy)]
enum Ref {
    Blob(usize),
    /// A blob no side has (its hash is of content never written).
    Missing(usize),
}

/// Which blobs each pack references: 10–20 dependencies each; every fifth one
/// from a pool of popular blobs shared by many packs, the others each a blob
/// of their own (wrapping around when the referenced region runs out), and
/// one pack in fifty with a dependency that is missing everywhere.
fn plan(n_blobs: usize, n_packs: usize) -> (Vec<Vec<Ref>>, usize) {
    let shared = (n_blobs / 50).max(1);
    let referenced_end = (n_blobs * 62 / 100).max(shared + 1);
    let mut cursor = shared;
    let mut packs = Vec::with_capacity(n_packs);
    for p in 0..n_packs {
        let k = 10 + (p * 7) % 11;
        let mut refs = Vec::with_capacity(k + 1);
        for j in 0..k {
            if j % 5 == 4 {
                refs.push(Ref::Blob((p * 31 + j * 17) % shared));
            } else {
                refs.push(Ref::Blob(cursor));
                cursor += 1;
                if cursor == referenced_end {
                    cursor = shared;
                }
            }
        }
        if p % 50 == 49 {
            refs.push(Ref::Missing(p));
        }
        packs.push(refs);
    }
    (packs, referenced_end)
}

const PACK_WORDS: [&str; 8] = ["Cyberpunk", "Portrait", "Anime", "Landscape", "Fantasy", "PixelArt", "Photoreal", "Watercolor"];

fn write_pack(layout: &synapse_core::layout::StoreLayout, p: usize, refs: &[Ref], blobs: &[(Sha256, u64)]) -> anyhow::Result<()> {
    let name = format!("{}_{p:05}", PACK_WORDS[p % PACK_WORDS.len()]);
    let mut deps = Vec::with_capacity(refs.len());
    let mut resolved = Vec::with_capacity(refs.len());
    for (j, r) in refs.iter().enumerate() {
        let (i, sha, size) = match *r {
            Ref::Blob(i) => (i, blobs[i].0.to_string(), blobs[i].1),
            Ref::Missing(p) => (p, sha_of(format!("missing-{p}").as_bytes()).to_string(), 4_265_380_512),
        };
        let kind = kind_of(i).name;
        let file = file_name(i);
        let id = format!("{kind}-{j}");
        let (model, version, file_id) = (100_000 + i, 200_000 + i, 300_000 + i);
        deps.push(json!({
            "id": id, "kind": kind, "required": j == 0,
            "selector": {"strategy": "civitai_file", "civitai": {"model_id": model, "version_id": version, "file_id": file_id}},
            "update_policy": {"mode": "pinned"},
            "expose": {"filename": file, "trigger_words": []},
            "description": format!("{kind} for {name}")
        }));
        resolved.push(json!({
            "dependency_id": id,
            "artifact": {
                "kind": kind, "sha256": sha, "size_bytes": size,
                "provider": {"name": "civitai", "model_id": model, "version_id": version, "file_id": file_id,
                             "repo_id": null, "filename": file, "revision": null},
                "download": {"urls": [format!("https://civitai.com/api/download/models/{version}")]},
                "integrity": {"sha256_verified": true}
            }
        }));
    }
    let first_kind = refs
        .first()
        .map(|r| {
            kind_of(match *r {
                Ref::Blob(i) | Ref::Missing(i) => i,
            })
            .name
        })
        .unwrap_or("checkpoint");
    let pack = json!({
        "schema": "synapse.pack.v2", "name": name, "pack_type": first_kind, "pack_category": "external",
        "source": {"provider": "civitai", "model_id": 500_000 + p, "version_id": 600_000 + p, "url": null},
        "description": format!("Generated pack {p} for the inventory benchmark"),
        "created_at": "2026-01-20T10:00:00Z", "tags": [PACK_WORDS[p % PACK_WORDS.len()].to_lowercase()],
        "dependencies": deps
    });
    let lock =
        json!({"schema": "synapse.lock.v2", "pack": name, "resolved_at": "2026-01-24T08:00:00", "resolved": resolved, "unresolved": []});
    let dir = layout.packs().join(&name);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("pack.json"), serde_json::to_vec_pretty(&pack)?)?;
    fs::write(dir.join("lock.json"), serde_json::to_vec_pretty(&lock)?)?;
    Ok(())
}

/// Writes the data set (no fsync: it is a cache; a crash means regenerating).
fn generate(root: &Path, n_blobs: usize, n_packs: usize) -> anyhow::Result<Expected> {
    let store = Store::init(root)?;
    let layout = store.layout();
    let dir = layout.blobs();
    for f in 0..256 {
        fs::create_dir_all(dir.root().join(format!("{f:02x}")))?;
    }
    let (packs, referenced_end) = plan(n_blobs, n_packs);
    // Orphans (beyond the referenced region) get a manifest every other blob.
    let with_meta = |i: usize| i < referenced_end || i % 2 == 1;
    let blobs: Vec<(Sha256, u64)> = (0..n_blobs)
        .into_par_iter()
        .map(|i| -> anyhow::Result<(Sha256, u64)> {
            let bytes = blob_bytes(i);
            let sha = sha_of(&bytes);
            fs::write(dir.blob(&sha), &bytes)?;
            if with_meta(i) {
                fs::write(dir.meta(&sha), serde_json::to_vec_pretty(&manifest(i))?)?;
            }
            Ok((sha, bytes.len() as u64))
        })
        .collect::<anyhow::Result<_>>()?;
    packs.par_iter().enumerate().try_for_each(|(p, refs)| write_pack(layout, p, refs, &blobs))?;

    let mut referenced = HashSet::new();
    let mut missing = HashSet::new();
    for r in packs.iter().flatten() {
        match *r {
            Ref::Blob(i) => referenced.insert(i),
            Ref::Missing(p) => missing.insert(p),
        };
    }
    let distinct: HashSet<&Sha256> = blobs.iter().map(|b| &b.0).collect();
    ensure!(distinct.len() == n_blobs, "generated blobs collide");
    let metas = (0..n_blobs).filter(|&i| with_meta(i)).count() as u64;
    let total_bytes: u64 = blobs.iter().map(|b| b.1).sum();
    eprintln!("  {} of blobs, {} manifests, {} referenced, {} missing", bytes(total_bytes), metas, referenced.len(), missing.len());
    Ok(Expected {
        blobs_total: (n_blobs + missing.len()) as u64,
        blobs_referenced: referenced.len() as u64,
        blobs_orphan: (n_blobs - referenced.len()) as u64,
        blobs_missing: missing.len() as u64,
        files: n_blobs as u64 + metas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_store_inventories_as_expected() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("store");
        let expected = generate(&root, 600, 60).unwrap();
        let inv = inventory::build(&Store::open(&root).unwrap()).unwrap();
        let summary = serde_json::to_value(&inv.summary).unwrap();
        assert_eq!(expected.check(&summary), Vec::<String>::new());
        assert!(inv.summary.pack_errors.is_empty());
        assert!(expected.blobs_orphan > 0 && expected.blobs_missing > 0);
        // Every blob has a kind: from its pack, its manifest, or its header.
        assert!(inv.items.iter().filter(|i| i.on_local).all(|i| i.kind != synapse_core::model::AssetKind::Unknown));
        let shared = inv.items.iter().filter(|i| i.used_by_packs.len() > 1).count();
        assert!(shared > 0);
    }
}
