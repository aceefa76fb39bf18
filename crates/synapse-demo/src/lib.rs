//! The demo store: a believable sample store plus a "backup drive" folder, so a
//! new user can try every feature at once (`synapse demo <dir>`).
//!
//! `<dir>/store` is a store of 14 packs an image-generation user might have
//! (SDXL and SD 1.5 checkpoints, LoRAs, VAEs, ControlNets, an upscaler, an
//! embedding, FLUX.1 with its text encoders, a UNet, a workflow), written in the
//! original `synapse.pack.v2` / `synapse.lock.v2` format with the provider
//! fields, download URLs, previews and other fields real files carry.
//! `<dir>/backup-drive` mirrors the layout of a backup drive, and the store's
//! config points at it, enabled. `<dir>/home-nas` is a second backup target,
//! "Home NAS", holding a few of the models too, and the copies policy asks
//! for two copies, so some models are below it (SPEC §3.12).
//!
//! The blobs are real content-addressed files: small safetensors files (whose
//! tensor names make the kind sniffer classify them like the real thing)
//! padded with deterministic pseudo-random bytes, so the same demo has the same
//! hashes every time. The sample holds every situation the inventory knows:
//! blobs shared by several packs and used twice by one pack, referenced blobs
//! on both sides, only locally (not backed up) and only on the drive, orphans
//! with and without a manifest (one recognised only from its safetensors
//! header, one an old pickle file nothing can name), an orphan only on the
//! drive, a blob that is missing everywhere (with a download URL and the stale
//! `.part` of its interrupted download beside it), an artifact not downloaded
//! yet (`sha256: null`) and an unresolved dependency.

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Map, Value};

use synapse_core::blobs::{self, AdoptMode};
use synapse_core::error::{Error, Result};
use synapse_core::fsutil::{fsync_dir, now_rfc3339, write_atomic, write_json_atomic};
use synapse_core::ids::{PackName, Sha256};
use synapse_core::layout::{BackupLayout, StoreLayout};
use synapse_core::ledger::{mtime_secs, Ledger, LedgerEntry};
use synapse_core::lock::StoreLock;
use synapse_core::model::AssetKind;
use synapse_core::packs;
use synapse_core::progress::CancelToken;
use synapse_core::schema::{BlobManifest, Extra, ManifestOrigin, LOCK_SCHEMA, PACK_SCHEMA};
use synapse_core::store::Store;

/// What [`create`] made.
#[derive(Debug, Clone, Serialize)]
pub struct DemoInfo {
    pub store_root: PathBuf,
    pub backup_path: PathBuf,
    /// The second backup target ("Home NAS").
    pub nas_path: PathBuf,
    pub packs: usize,
    /// Distinct blobs whose bytes exist somewhere (locally and/or on the drive).
    pub blobs: usize,
    pub blobs_local: usize,
    pub blobs_backup: usize,
    pub bytes_local: u64,
    pub bytes_backup: u64,
    /// Blobs no pack references (locally and/or on the drive).
    pub orphans: usize,
    /// Blobs packs reference that exist nowhere.
    pub missing: usize,
}

/// Creates `<dir>/store` and `<dir>/backup-drive`; refuses a store there that
/// already holds packs. `dir` may be missing or empty.
pub fn create(dir: &Path) -> Result<DemoInfo> {
    let dir = std::path::absolute(dir).map_err(Error::io("resolve", dir))?;
    let store_root = dir.join("store");
    let backup_path = dir.join("backup-drive");
    if store_root.exists() && !store_root.is_dir() {
        return Err(Error::invalid(format!("cannot create the demo in {}: {} is a file", dir.display(), store_root.display())));
    }

    let store = Store::init(&store_root)?;
    let layout = store.layout();
    let _lock = store.lock("demo")?;
    let existing = packs::load_all(layout)?;
    let count = existing.packs.len() + existing.errors.len();
    if count > 0 {
        return Err(Error::invalid(format!(
            "refusing to create the demo in {}: the store {} already holds {count} pack(s), and the demo only goes into a new store. Choose another directory (an empty or non-existent one)",
            dir.display(),
            store_root.display()
        )));
    }

    let backup = BackupLayout::new(&backup_path);
    let backup_store = backup.tree();
    for d in [backup.blobs().root().to_path_buf(), backup.tmp(), backup.state()] {
        fs::create_dir_all(&d).map_err(Error::io("create directory", &d))?;
    }
    let _backup_lock = StoreLock::acquire(&backup.lock_file(), "demo", Duration::from_secs(3))?;
    if !backup.id_file().exists() {
        write_atomic(&backup.id_file(), format!("{}\n", uuid::Uuid::new_v4()).as_bytes())?;
    }

    let mut made = Vec::with_capacity(BLOBS.len());
    for spec in BLOBS {
        made.push(make_blob(spec, layout, &backup_store)?);
    }
    let specs = pack_specs();
    for p in &specs {
        write_pack(layout, p, &made)?;
    }
    fsync_dir(&layout.packs())?;

    let mut config = store.config()?;
    config.backup.enabled = true;
    config.backup.path = Some(backup_path.to_string_lossy().into_owned());
    for (key, value) in config_extras() {
        config.extra.entry(key).or_insert(value);
    }
    store.save_config(&config)?;

    record_verified(layout, &config, &made)?;
    drop(_backup_lock);
    drop(_lock);
    let nas_path = dir.join("home-nas");
    second_target(&store, &nas_path, &made)?;

    let referenced: HashSet<&str> = specs.iter().flat_map(|p| &p.deps).filter_map(|d| d.blob()).collect();
    let mut info = DemoInfo {
        store_root,
        backup_path,
        nas_path,
        packs: specs.len(),
        blobs: 0,
        blobs_local: 0,
        blobs_backup: 0,
        bytes_local: 0,
        bytes_backup: 0,
        orphans: 0,
        missing: 0,
    };
    for m in &made {
        let place = m.spec.place;
        if place == Place::Missing {
            info.missing += 1;
            continue;
        }
        info.blobs += 1;
        info.orphans += usize::from(!referenced.contains(m.key));
        if place.local() {
            info.blobs_local += 1;
            info.bytes_local += m.size;
        }
        if place.backup() {
            info.blobs_backup += 1;
            info.bytes_backup += m.size;
        }
    }
    Ok(info)
}

// ---------------------------------------------------------------------------
// Blobs

/// Where a demo blob's bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Local,
    Backup,
    Both,
    /// Nowhere: only the stale `.part` of an interrupted download is left.
    Missing,
}

impl Place {
    fn local(self) -> bool {
        matches!(self, Place::Local | Place::Both)
    }

    fn backup(self) -> bool {
        matches!(self, Place::Backup | Place::Both)
    }
}

/// Where a model came from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Civitai {
        model: u64,
        version: u64,
        file: u64,
    },
    HuggingFace {
        repo: &'static str,
    },
    /// A file the user brought in from their own disk.
    Local,
}

/// What a blob file holds.
#[derive(Debug, Clone, Copy)]
enum Body {
    Safetensors {
        tensors: &'static [&'static str],
        metadata: &'static [(&'static str, &'static str)],
    },
    /// An old pickled `.ckpt` (a zip archive): nothing can tell its kind.
    Pickle,
}

struct BlobSpec {
    key: &'static str,
    /// The file name at the provider (lock `provider.filename`).
    file: &'static str,
    /// The name UIs see (`expose.filename`) and the manifest's `original_filename`.
    name: &'static str,
    kind: AssetKind,
    /// Bytes after the header: a scaled-down stand-in for the weights.
    padding: usize,
    body: Body,
    source: Source,
    place: Place,
    /// Whether the blob has a `.meta` manifest (on every side it is on).
    manifest: bool,
    /// When it entered the store.
    added: &'static str,
}

/// A blob as written: its real hash and size.
struct Made {
    key: &'static str,
    spec: &'static BlobSpec,
    sha256: Sha256,
    size: u64,
}

const SDXL_CHECKPOINT: &[&str] = &[
    "model.diffusion_model.input_blocks.0.0.weight",
    "model.diffusion_model.middle_block.1.proj_in.weight",
    "model.diffusion_model.out.2.weight",
    "first_stage_model.decoder.conv_in.weight",
    "first_stage_model.encoder.conv_out.weight",
    "conditioner.embedders.0.transformer.text_model.embeddings.position_embedding.weight",
    "conditioner.embedders.1.model.ln_final.weight",
];
const SD15_CHECKPOINT: &[&str] = &[
    "model.diffusion_model.input_blocks.0.0.weight",
    "model.diffusion_model.out.2.weight",
    "first_stage_model.decoder.conv_in.weight",
    "cond_stage_model.transformer.text_model.embeddings.position_embedding.weight",
    "cond_stage_model.transformer.text_model.final_layer_norm.weight",
];
const VAE: &[&str] = &[
    "encoder.conv_in.weight",
    "encoder.down.0.block.0.conv1.weight",
    "encoder.mid.attn_1.q.weight",
    "decoder.conv_out.weight",
    "decoder.up.0.block.0.conv1.weight",
    "quant_conv.weight",
    "post_quant_conv.weight",
];
const LORA_SD15: &[&str] = &[
    "lora_te_text_model_encoder_layers_0_mlp_fc1.alpha",
    "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight",
    "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight",
    "lora_unet_down_blocks_0_attentions_0_proj_in.alpha",
    "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
    "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight",
];
const LORA_SDXL: &[&str] = &[
    "lora_te1_text_model_encoder_layers_0_mlp_fc1.alpha",
    "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight",
    "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight",
    "lora_unet_input_blocks_4_1_proj_in.alpha",
    "lora_unet_input_blocks_4_1_proj_in.lora_down.weight",
    "lora_unet_input_blocks_4_1_proj_in.lora_up.weight",
];
const CONTROLNET_SDXL: &[&str] = &[
    "controlnet_cond_embedding.conv_in.weight",
    "controlnet_down_blocks.0.weight",
    "controlnet_mid_block.weight",
    "down_blocks.0.resnets.0.conv1.weight",
    "mid_block.resnets.0.conv1.weight",
];
const CONTROLNET_SD15: &[&str] = &[
    "control_model.input_blocks.0.0.weight",
    "control_model.input_hint_block.0.weight",
    "control_model.zero_convs.0.0.weight",
    "control_model.middle_block_out.0.weight",
];
const ESRGAN: &[&str] =
    &["model.0.weight", "model.0.bias", "model.1.sub.0.RDB1.conv1.0.weight", "model.1.sub.23.weight", "model.10.weight"];
const EMBEDDING: &[&str] = &["emb_params"];
const FLUX: &[&str] = &[
    "double_blocks.0.img_attn.proj.weight",
    "double_blocks.0.txt_mlp.0.weight",
    "single_blocks.0.linear1.weight",
    "img_in.weight",
    "time_in.in_layer.weight",
    "final_layer.linear.weight",
];
const T5XXL: &[&str] = &[
    "shared.weight",
    "encoder.block.0.layer.0.SelfAttention.k.weight",
    "encoder.block.0.layer.0.SelfAttention.q.weight",
    "encoder.block.0.layer.0.SelfAttention.v.weight",
    "encoder.block.0.layer.0.SelfAttention.o.weight",
    "encoder.block.0.layer.1.DenseReluDense.wi_0.weight",
    "encoder.block.0.layer.1.DenseReluDense.wo.weight",
    "encoder.block.23.layer.1.layer_norm.weight",
    "encoder.final_layer_norm.weight",
];
const CLIP_L: &[&str] = &[
    "text_model.embeddings.position_embedding.weight",
    "text_model.embeddings.token_embedding.weight",
    "text_model.encoder.layers.0.self_attn.k_proj.weight",
    "text_model.final_layer_norm.weight",
];
const UNET: &[&str] = &[
    "conv_in.weight",
    "time_embedding.linear_1.weight",
    "down_blocks.0.resnets.0.conv1.weight",
    "mid_block.attentions.0.proj_in.weight",
    "up_blocks.0.resnets.0.conv1.weight",
    "conv_out.weight",
];

const SDXL_META: &[(&str, &str)] = &[("modelspec.architecture", "stable-diffusion-xl-v1-base"), ("modelspec.sai_model_spec", "1.0.0")];

const fn st(tensors: &'static [&'static str], metadata: &'static [(&'static str, &'static str)]) -> Body {
    Body::Safetensors { tensors, metadata }
}

const fn civitai(model: u64, version: u64, file: u64) -> Source {
    Source::Civitai { model, version, file }
}

const fn hf(repo: &'static str) -> Source {
    Source::HuggingFace { repo }
}

/// Every blob of the demo. Sizes are scaled down about a thousandfold; the
/// proportions between kinds are the real ones (roughly).
static BLOBS: &[BlobSpec] = &[
    BlobSpec {
        key: "juggernaut",
        file: "juggernautXL_v9Rundiffusionphoto2.safetensors",
        name: "juggernautXL_v9Rundiffusionphoto2.safetensors",
        kind: AssetKind::Checkpoint,
        padding: 2_871_339,
        body: st(SDXL_CHECKPOINT, SDXL_META),
        source: civitai(133005, 348913, 288982),
        place: Place::Both,
        manifest: true,
        added: "2025-03-02T18:41:07Z",
    },
    BlobSpec {
        key: "sdxl-vae",
        file: "sdxl_vae.safetensors",
        name: "sdxl_vae.safetensors",
        kind: AssetKind::Vae,
        padding: 334_617,
        body: st(VAE, &[]),
        source: hf("stabilityai/sdxl-vae"),
        place: Place::Both,
        manifest: true,
        added: "2025-03-02T18:43:55Z",
    },
    BlobSpec {
        key: "dreamshaper",
        file: "dreamshaper_8.safetensors",
        name: "dreamshaper_8.safetensors",
        kind: AssetKind::Checkpoint,
        padding: 2_132_625,
        body: st(SD15_CHECKPOINT, &[]),
        source: civitai(4384, 128713, 94906),
        place: Place::Both,
        manifest: true,
        added: "2024-11-16T09:12:40Z",
    },
    BlobSpec {
        key: "vae-ft-mse",
        file: "vae-ft-mse-840000-ema-pruned.safetensors",
        name: "vae-ft-mse-840000-ema-pruned.safetensors",
        kind: AssetKind::Vae,
        padding: 334_643,
        body: st(VAE, &[]),
        source: hf("stabilityai/sd-vae-ft-mse-original"),
        place: Place::Local,
        manifest: true,
        added: "2024-11-16T09:13:02Z",
    },
    BlobSpec {
        key: "easynegative",
        file: "easynegative.safetensors",
        name: "easynegative.safetensors",
        kind: AssetKind::Embedding,
        padding: 204_800,
        body: st(EMBEDDING, &[]),
        source: civitai(7808, 9208, 7860),
        place: Place::Local,
        manifest: true,
        added: "2024-11-16T09:15:21Z",
    },
    BlobSpec {
        key: "pony",
        file: "ponyDiffusionV6XL_v6StartWithThisOne.safetensors",
        name: "ponyDiffusionV6XL_v6StartWithThisOne.safetensors",
        kind: AssetKind::Checkpoint,
        padding: 2_938_117,
        body: st(SDXL_CHECKPOINT, SDXL_META),
        source: civitai(257749, 290640, 232327),
        place: Place::Backup,
        manifest: true,
        added: "2025-01-08T21:03:44Z",
    },
    BlobSpec {
        key: "add-detail",
        file: "add_detail.safetensors",
        name: "add_detail.safetensors",
        kind: AssetKind::Lora,
        padding: 302_112,
        body: st(
            LORA_SD15,
            &[("ss_network_module", "networks.lora"), ("ss_base_model_version", "sd_v1"), ("ss_output_name", "add_detail")],
        ),
        source: civitai(58390, 62833, 64995),
        place: Place::Both,
        manifest: true,
        added: "2024-11-20T17:30:12Z",
    },
    BlobSpec {
        key: "add-detail-xl",
        file: "add-detail-xl.safetensors",
        name: "add-detail-xl.safetensors",
        kind: AssetKind::Lora,
        padding: 417_338,
        body: st(
            LORA_SDXL,
            &[("ss_network_module", "networks.lora"), ("ss_base_model_version", "sdxl_base_v1-0"), ("ss_output_name", "add-detail-xl")],
        ),
        source: civitai(122359, 135867, 98876),
        place: Place::Local,
        manifest: true,
        added: "2025-03-02T19:02:31Z",
    },
    BlobSpec {
        key: "pixel-art-xl",
        file: "pixel-art-xl.safetensors",
        name: "pixel-art-xl.safetensors",
        kind: AssetKind::Lora,
        padding: 348_880,
        body: st(
            LORA_SDXL,
            &[("ss_network_module", "networks.lora"), ("ss_base_model_version", "sdxl_base_v1-0"), ("ss_output_name", "pixel-art-xl")],
        ),
        source: civitai(120096, 135931, 98935),
        place: Place::Local,
        manifest: true,
        added: "2025-05-19T11:47:09Z",
    },
    BlobSpec {
        key: "controlnet-canny-sdxl",
        file: "diffusion_pytorch_model.fp16.safetensors",
        name: "controlnet-canny-sdxl-1.0.fp16.safetensors",
        kind: AssetKind::Controlnet,
        padding: 1_601_337,
        body: st(CONTROLNET_SDXL, &[]),
        source: hf("diffusers/controlnet-canny-sdxl-1.0"),
        place: Place::Both,
        manifest: true,
        added: "2025-04-11T08:20:00Z",
    },
    BlobSpec {
        key: "controlnet-openpose",
        file: "control_v11p_sd15_openpose_fp16.safetensors",
        name: "control_v11p_sd15_openpose_fp16.safetensors",
        kind: AssetKind::Controlnet,
        padding: 903_417,
        body: st(CONTROLNET_SD15, &[]),
        source: hf("comfyanonymous/ControlNet-v1-1_fp16_safetensors"),
        place: Place::Backup,
        manifest: true,
        added: "2024-12-02T20:14:51Z",
    },
    BlobSpec {
        key: "ultrasharp",
        file: "4x-UltraSharp.pth",
        name: "4x-UltraSharp.pth",
        kind: AssetKind::Upscaler,
        padding: 334_982,
        body: st(ESRGAN, &[]),
        source: hf("lokCX/4x-Ultrasharp"),
        place: Place::Local,
        manifest: true,
        added: "2024-11-21T22:05:33Z",
    },
    BlobSpec {
        key: "flux1-dev",
        file: "flux1-dev.safetensors",
        name: "flux1-dev.safetensors",
        kind: AssetKind::DiffusionModel,
        padding: 3_172_111,
        body: st(FLUX, &[]),
        source: hf("black-forest-labs/FLUX.1-dev"),
        place: Place::Both,
        manifest: true,
        added: "2025-08-03T14:22:18Z",
    },
    BlobSpec {
        key: "t5xxl-fp16",
        file: "t5xxl_fp16.safetensors",
        name: "t5xxl_fp16.safetensors",
        kind: AssetKind::TextEncoder,
        padding: 2_286_419,
        body: st(T5XXL, &[]),
        source: hf("comfyanonymous/flux_text_encoders"),
        place: Place::Backup,
        manifest: true,
        added: "2025-08-03T14:31:40Z",
    },
    BlobSpec {
        key: "clip-l",
        file: "clip_l.safetensors",
        name: "clip_l.safetensors",
        kind: AssetKind::Clip,
        padding: 246_144,
        body: st(CLIP_L, &[]),
        source: hf("comfyanonymous/flux_text_encoders"),
        place: Place::Both,
        manifest: true,
        added: "2025-08-03T14:32:05Z",
    },
    BlobSpec {
        key: "flux-ae",
        file: "ae.safetensors",
        name: "ae.safetensors",
        kind: AssetKind::Vae,
        padding: 335_304,
        body: st(VAE, &[]),
        source: hf("black-forest-labs/FLUX.1-dev"),
        place: Place::Missing,
        manifest: false,
        added: "2025-08-03T14:33:12Z",
    },
    BlobSpec {
        key: "sdxl-lightning",
        file: "sdxl_lightning_4step_unet.safetensors",
        name: "sdxl_lightning_4step_unet.safetensors",
        kind: AssetKind::Unet,
        padding: 2_054_771,
        body: st(UNET, &[]),
        source: hf("ByteDance/SDXL-Lightning"),
        place: Place::Local,
        manifest: true,
        added: "2025-06-27T10:10:10Z",
    },
    // Orphans: blobs whose packs were deleted, or files nobody remembers.
    BlobSpec {
        key: "animagine",
        file: "animagineXLV31_v31.safetensors",
        name: "animagineXLV31_v31.safetensors",
        kind: AssetKind::Checkpoint,
        padding: 2_704_556,
        body: st(SDXL_CHECKPOINT, SDXL_META),
        source: civitai(260267, 403131, 320153),
        place: Place::Local,
        manifest: true,
        added: "2025-02-14T16:58:27Z",
    },
    BlobSpec {
        key: "lcm-lora-sdxl",
        file: "pytorch_lora_weights.safetensors",
        name: "lcm-lora-sdxl.safetensors",
        kind: AssetKind::Lora,
        padding: 492_006,
        body: st(LORA_SDXL, &[("ss_network_module", "networks.lora"), ("ss_base_model_version", "sdxl_base_v1-0")]),
        source: hf("latent-consistency/lcm-lora-sdxl"),
        place: Place::Both,
        manifest: true,
        added: "2025-01-30T12:00:41Z",
    },
    BlobSpec {
        key: "unnamed-lora",
        file: "my_character_v2-000010.safetensors",
        name: "my_character_v2-000010.safetensors",
        kind: AssetKind::Lora,
        padding: 283_455,
        body: st(
            LORA_SD15,
            &[
                ("ss_network_module", "networks.lora"),
                ("ss_output_name", "my_character_v2"),
                ("ss_training_comment", "10 epochs, 24 images"),
                ("ss_base_model_version", "sd_v1"),
            ],
        ),
        source: Source::Local,
        place: Place::Local,
        manifest: false,
        added: "2024-10-05T23:11:58Z",
    },
    BlobSpec {
        key: "legacy-ckpt",
        file: "model.ckpt",
        name: "model.ckpt",
        kind: AssetKind::Unknown,
        padding: 226_001,
        body: Body::Pickle,
        source: Source::Local,
        place: Place::Local,
        manifest: false,
        added: "2023-06-01T00:00:00Z",
    },
    BlobSpec {
        key: "sdxl-refiner",
        file: "sd_xl_refiner_1.0.safetensors",
        name: "sd_xl_refiner_1.0.safetensors",
        kind: AssetKind::Checkpoint,
        padding: 2_610_043,
        body: st(SDXL_CHECKPOINT, &[("modelspec.architecture", "stable-diffusion-xl-v1-refiner")]),
        source: hf("stabilityai/stable-diffusion-xl-refiner-1.0"),
        place: Place::Backup,
        manifest: true,
        added: "2024-08-12T19:45:00Z",
    },
];

/// Deterministic pseudo-random bytes (splitmix64 seeded by `key`): the same
/// demo has the same hashes every time, and the bytes do not compress.
fn noise(key: &str, len: usize) -> Vec<u8> {
    let mut state = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3));
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Writes a minimal valid safetensors file whose header names `tensors` (each a
/// 4-byte F32 scalar) followed by `padding` extra bytes. Used by the demo store
/// and tests to make files the kind sniffer recognises.
pub fn write_fake_safetensors(path: &Path, tensors: &[&str], metadata: &[(&str, &str)], padding: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut header = Map::new();
    if !metadata.is_empty() {
        let m: Map<String, Value> = metadata.iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect();
        header.insert("__metadata__".into(), Value::Object(m));
    }
    for (i, t) in tensors.iter().enumerate() {
        let start = i * 4;
        header.insert((*t).to_owned(), serde_json::json!({"dtype": "F32", "shape": [], "data_offsets": [start, start + 4]}));
    }
    let h = serde_json::to_vec(&header)?;
    let mut f = File::create(path)?;
    f.write_all(&(h.len() as u64).to_le_bytes())?;
    f.write_all(&h)?;
    f.write_all(&vec![0u8; tensors.len() * 4])?;
    f.write_all(padding)?;
    f.sync_all()
}

/// Writes the blob's bytes to a staging file in `tmp_dir` (the same
/// filesystem as its destination, so adopting it is a hard link).
fn stage(spec: &BlobSpec, tmp_dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(tmp_dir).map_err(Error::io("create directory", tmp_dir))?;
    let path = tmp_dir.join(format!("demo-{}-{}.part", spec.key, uuid::Uuid::new_v4().simple()));
    let padding = noise(spec.key, spec.padding);
    let written = match spec.body {
        Body::Safetensors { tensors, metadata } => write_fake_safetensors(&path, tensors, metadata, &padding),
        Body::Pickle => {
            let mut bytes = b"PK\x03\x04\x00\x00\x00\x00\x00\x00archive/data.pkl\x80\x02}q\x00(X\x0a\x00\x00\x00state_dictq\x01".to_vec();
            bytes.extend_from_slice(&padding);
            fs::write(&path, bytes)
        }
    };
    written.map_err(Error::io("write", &path))?;
    Ok(path)
}

fn make_blob(spec: &'static BlobSpec, local: &StoreLayout, backup: &StoreLayout) -> Result<Made> {
    let cancel = CancelToken::new();
    let manifest = spec.manifest.then(|| manifest(spec));
    let tmp_dir = if spec.place == Place::Backup { backup.tmp() } else { local.tmp() };
    let staged = stage(spec, &tmp_dir)?;
    let result = (|| {
        let (sha256, size) = match spec.place {
            Place::Missing => missing_with_partial(&staged, local)?,
            place => {
                if place == Place::Both {
                    blobs::adopt_file(backup, &staged, AdoptMode::Copy, manifest.as_ref(), None, &cancel)?;
                }
                let side = if place == Place::Backup { backup } else { local };
                let a = blobs::adopt_file(side, &staged, AdoptMode::Move, manifest.as_ref(), None, &cancel)?;
                (a.sha256, a.size)
            }
        };
        Ok(Made { key: spec.key, spec, sha256, size })
    })();
    if staged.exists() {
        let _ = fs::remove_file(&staged);
    }
    result
}

/// The blob of a download that never finished: its hash is known (the lock has
/// it) but only the first 40 % of its bytes exist, as `<sha256>.part` beside
/// where the blob would be.
fn missing_with_partial(staged: &Path, local: &StoreLayout) -> Result<(Sha256, u64)> {
    let (sha256, size) = blobs::hash_file(staged, None, &CancelToken::new())?;
    let bytes = fs::read(staged).map_err(Error::io("read", staged))?;
    let part = local.blobs().part(&sha256);
    write_atomic(&part, &bytes[..bytes.len() * 2 / 5])?;
    Ok((sha256, size))
}

fn manifest(spec: &BlobSpec) -> BlobManifest {
    let mut origin = Extra::new();
    let provider = match spec.source {
        Source::Civitai { model, version, file } => {
            origin.insert("model_id".into(), json!(model));
            origin.insert("version_id".into(), json!(version));
            origin.insert("file_id".into(), json!(file));
            origin.insert("filename".into(), json!(spec.file));
            origin.insert("repo_id".into(), Value::Null);
            "civitai"
        }
        Source::HuggingFace { repo } => {
            origin.insert("model_id".into(), Value::Null);
            origin.insert("version_id".into(), Value::Null);
            origin.insert("file_id".into(), Value::Null);
            origin.insert("filename".into(), json!(spec.file));
            origin.insert("repo_id".into(), json!(repo));
            "huggingface"
        }
        Source::Local => {
            for k in ["model_id", "version_id", "file_id"] {
                origin.insert(k.into(), Value::Null);
            }
            origin.insert("filename".into(), json!(spec.file));
            origin.insert("repo_id".into(), Value::Null);
            "local"
        }
    };
    BlobManifest {
        version: 1,
        created_at: Some(spec.added.to_owned()),
        original_filename: Some(spec.name.to_owned()),
        kind: Some(spec.kind.as_str().to_owned()),
        origin: Some(ManifestOrigin { provider: Some(provider.to_owned()), extra: origin }),
        extra: Extra::new(),
    }
}

/// The name of the demo's second target.
pub const NAS: &str = "Home NAS";

/// How many of the blobs on both sides also have a copy on the NAS.
const ON_NAS: usize = 3;

/// Adds the second target, copies a few blobs that are on both sides onto
/// it (hash-checked when written, so its ledger says verified), and sets the
/// policy to two copies.
fn second_target(store: &Store, path: &Path, made: &[Made]) -> Result<()> {
    synapse_core::target::add(store, NAS, path)?;
    let nas = store.on_target(Some(NAS))?;
    let drive = BackupLayout::new(path).tree();
    let mut copied = Vec::new();
    for m in made.iter().filter(|m| m.spec.place == Place::Both).take(ON_NAS) {
        synapse_core::copy::copy_blob(&m.sha256, store.layout(), &drive, &synapse_core::copy::Existing::Keep, None, &CancelToken::new())?;
        copied.push(m.sha256.clone());
    }
    let target = nas.target()?;
    Ledger::record_good(&target.ledger_file(store.layout()), &drive.blobs(), &copied);
    synapse_core::target::set_policy(store, &synapse_core::target::PolicyUpdate { min_copies: Some(2), ..Default::default() })?;
    // Its catalog learns the copies now, so the inventory knows them even before a scan.
    synapse_core::catalog::backup_blobs(store.layout(), &target, &synapse_core::backup::BackupState::of(store.layout(), &target))?;
    Ok(())
}

/// Blobs on both sides were hash-checked when they were copied to the drive:
/// the ledger says so, and the rest show as never verified.
fn record_verified(layout: &StoreLayout, config: &synapse_core::schema::ConfigFile, made: &[Made]) -> Result<()> {
    let mut ledger = Ledger::load(&layout.ledger());
    let dir = layout.blobs();
    for m in made.iter().filter(|m| m.spec.place == Place::Both) {
        let path = dir.blob(&m.sha256);
        let meta = fs::metadata(&path).map_err(Error::io("stat", &path))?;
        ledger.0.insert(
            m.sha256.to_string(),
            LedgerEntry { ok: true, at: now_rfc3339(), size: meta.len(), mtime: mtime_secs(meta.modified().ok()) },
        );
    }
    ledger.save(&layout.ledger())?;
    // The drive's copies were hash-checked when written, too.
    let primary = synapse_core::target::primary_of(layout, config, &synapse_core::target::load(layout)?);
    let both: Vec<Sha256> = made.iter().filter(|m| m.spec.place == Place::Both).map(|m| m.sha256.clone()).collect();
    if let Some(drive) = primary.drive() {
        Ledger::record_good(&primary.ledger_file(layout), &drive.blobs(), &both);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Packs

/// What a pack dependency resolved to.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A demo blob (by key).
    Blob(&'static str),
    /// Resolved to a file that is not downloaded yet: `sha256: null`.
    Pending { file: &'static str, kind: AssetKind, size: u64, source: Source },
    /// Not resolved at all: listed under `unresolved`.
    Unresolved { kind: AssetKind, source: Source, reason: &'static str, message: &'static str },
}

struct Dep {
    id: &'static str,
    target: Target,
    description: &'static str,
    /// Overrides the blob's UI name (`expose.filename`).
    expose: Option<&'static str>,
    trigger_words: &'static [&'static str],
    required: bool,
}

impl Dep {
    fn blob(&self) -> Option<&'static str> {
        match self.target {
            Target::Blob(key) => Some(key),
            _ => None,
        }
    }
}

const fn dep(id: &'static str, blob: &'static str, description: &'static str) -> Dep {
    Dep { id, target: Target::Blob(blob), description, expose: None, trigger_words: &[], required: true }
}

struct PackSpec {
    name: &'static str,
    pack_type: &'static str,
    /// Where the pack came from (`None`: made by the user).
    source: Option<Source>,
    version: &'static str,
    base_model: &'static str,
    author: &'static str,
    description: &'static str,
    tags: &'static [&'static str],
    prompt: &'static str,
    created_at: &'static str,
    deps: Vec<Dep>,
    /// Other files of the pack folder (a workflow).
    files: &'static [(&'static str, &'static str)],
}

fn pack_specs() -> Vec<PackSpec> {
    vec![
        PackSpec {
            name: "Juggernaut_XL",
            pack_type: "checkpoint",
            source: Some(civitai(133005, 348913, 288982)),
            version: "V9+RDPhoto2-Lightning_4S",
            base_model: "SDXL 1.0",
            author: "KandooAI",
            description: "Photorealistic SDXL checkpoint, trained further with RunDiffusion Photo 2. Recommended: DPM++ 2M Karras, 30-40 steps, CFG 3-7, no refiner.",
            tags: &["base model", "photorealistic", "sdxl"],
            prompt: "beautiful lady, freckles, dark makeup, hyperdetailed photography, soft light, head and shoulders portrait, cover",
            created_at: "2025-03-02T18:40:12Z",
            deps: vec![
                dep("juggernaut-xl-v9", "juggernaut", "Juggernaut XL v9 + RunDiffusion Photo 2"),
                dep("sdxl-vae", "sdxl-vae", "SDXL VAE (fixes washed-out colours with some samplers)"),
            ],
            files: &[],
        },
        PackSpec {
            name: "DreamShaper_8",
            pack_type: "checkpoint",
            source: Some(civitai(4384, 128713, 94906)),
            version: "8",
            base_model: "SD 1.5",
            author: "Lykon",
            description: "General-purpose SD 1.5 model: illustrations, portraits, fantasy, anime-ish renders.",
            tags: &["anime", "base model", "fantasy", "illustration", "portraits"],
            prompt: "(masterpiece, best quality), 1girl, castle in the background, fantasy, intricate armor, volumetric lighting",
            created_at: "2024-11-16T09:12:00Z",
            deps: vec![
                dep("dreamshaper-8", "dreamshaper", "DreamShaper 8 pruned fp16"),
                dep("vae-ft-mse", "vae-ft-mse", "SD 1.5 VAE ft-MSE 840000"),
                Dep { required: false, ..dep("easynegative", "easynegative", "negative embedding used in the sample images") },
            ],
            files: &[],
        },
        PackSpec {
            name: "Pony_Diffusion_V6_XL",
            pack_type: "checkpoint",
            source: Some(civitai(257749, 290640, 232327)),
            version: "V6 (start with this one)",
            base_model: "Pony",
            author: "PurpleSmartAI",
            description: "SDXL fine-tune for stylised characters. Use score_9, score_8_up, score_7_up in the prompt and clip skip 2.",
            tags: &["anime", "base model", "cartoon", "pony"],
            prompt: "score_9, score_8_up, score_7_up, 1girl, fox ears, forest, sunlight, smile",
            created_at: "2025-01-08T21:02:10Z",
            deps: vec![
                dep("pony-v6-xl", "pony", "Pony Diffusion V6 XL"),
                dep("sdxl-vae", "sdxl-vae", "SDXL VAE (Pony ships without a baked VAE)"),
            ],
            files: &[],
        },
        PackSpec {
            name: "Detail_Tweaker_LoRA",
            pack_type: "lora",
            source: Some(civitai(58390, 62833, 64995)),
            version: "v1.0",
            base_model: "SD 1.5",
            author: "OedoSoldier",
            description: "Adds (positive weight) or removes (negative weight) detail while keeping the style. Weight between -2 and 2.",
            tags: &["concept", "detail", "tool"],
            prompt: "masterpiece, 1girl, city street at night, neon, <lora:add_detail:1>",
            created_at: "2024-11-20T17:29:48Z",
            deps: vec![dep("add-detail", "add-detail", "Detail Tweaker LoRA for SD 1.5")],
            files: &[],
        },
        PackSpec {
            name: "Add_Detail_XL",
            pack_type: "lora",
            source: Some(civitai(122359, 135867, 98876)),
            version: "v1.0",
            base_model: "SDXL 1.0",
            author: "OedoSoldier",
            description: "Detail Tweaker for SDXL: more or less detail without changing the style.",
            tags: &["detail", "sdxl", "tool"],
            prompt: "close-up photo of an old fisherman, weathered skin, rain, <lora:add-detail-xl:1.2>",
            created_at: "2025-03-02T19:01:50Z",
            deps: vec![dep("add-detail-xl", "add-detail-xl", "Detail Tweaker XL")],
            files: &[],
        },
        PackSpec {
            name: "Pixel_Art_XL",
            pack_type: "lora",
            source: Some(civitai(120096, 135931, 98935)),
            version: "v1.1",
            base_model: "SDXL 1.0",
            author: "NeriJS",
            description: "Pixel-art LoRA for SDXL. Downscale the output 8x with nearest-neighbour for true pixels.",
            tags: &["pixel art", "sdxl", "style"],
            prompt: "pixel art, a cozy cabin in snowy mountains, night, warm windows",
            created_at: "2025-05-19T11:46:30Z",
            deps: vec![Dep { trigger_words: &["pixel art"], ..dep("pixel-art-xl", "pixel-art-xl", "Pixel Art XL") }],
            files: &[],
        },
        PackSpec {
            name: "ControlNet_Canny_SDXL",
            pack_type: "controlnet",
            source: Some(hf("diffusers/controlnet-canny-sdxl-1.0")),
            version: "1.0 fp16",
            base_model: "SDXL 1.0",
            author: "diffusers",
            description: "Canny-edge ControlNet for SDXL (fp16 weights).",
            tags: &["controlnet", "canny", "sdxl"],
            prompt: "aerial view, a futuristic research lab in a bright lush jungle, hard light",
            created_at: "2025-04-11T08:19:02Z",
            deps: vec![Dep {
                expose: Some("controlnet-canny-sdxl-1.0.fp16.safetensors"),
                ..dep("controlnet-canny-sdxl", "controlnet-canny-sdxl", "ControlNet canny SDXL 1.0")
            }],
            files: &[],
        },
        PackSpec {
            name: "ControlNet_OpenPose_SD15",
            pack_type: "controlnet",
            source: Some(hf("comfyanonymous/ControlNet-v1-1_fp16_safetensors")),
            version: "v1.1 fp16",
            base_model: "SD 1.5",
            author: "lllyasviel",
            description: "OpenPose ControlNet 1.1 for SD 1.5: copy a pose from a skeleton image.",
            tags: &["controlnet", "openpose", "pose"],
            prompt: "a knight kneeling, cinematic lighting",
            created_at: "2024-12-02T20:14:02Z",
            deps: vec![dep("control-v11p-sd15-openpose", "controlnet-openpose", "ControlNet v1.1 OpenPose (fp16)")],
            files: &[],
        },
        PackSpec {
            name: "4x_UltraSharp",
            pack_type: "upscaler",
            source: Some(hf("lokCX/4x-Ultrasharp")),
            version: "1.0",
            base_model: "Other",
            author: "Kim2091",
            description: "ESRGAN 4x upscaler, sharp on photos and renders; the usual choice for hires fix.",
            tags: &["esrgan", "upscaler"],
            prompt: "",
            created_at: "2024-11-21T22:05:00Z",
            deps: vec![dep("4x-ultrasharp", "ultrasharp", "4x-UltraSharp ESRGAN model")],
            files: &[],
        },
        PackSpec {
            name: "EasyNegative",
            pack_type: "embedding",
            source: Some(civitai(7808, 9208, 7860)),
            version: "EasyNegative",
            base_model: "SD 1.5",
            author: "gsdf",
            description: "Negative textual-inversion embedding: put `easynegative` in the negative prompt.",
            tags: &["embedding", "negative", "textual inversion"],
            prompt: "",
            created_at: "2024-11-16T09:15:00Z",
            deps: vec![Dep { trigger_words: &["easynegative"], ..dep("easynegative", "easynegative", "EasyNegative embedding") }],
            files: &[],
        },
        PackSpec {
            name: "FLUX.1_dev",
            pack_type: "diffusion_model",
            source: Some(hf("black-forest-labs/FLUX.1-dev")),
            version: "dev",
            base_model: "Flux.1 D",
            author: "Black Forest Labs",
            description: "FLUX.1 [dev] for ComfyUI: the diffusion model, both text encoders and the autoencoder are separate files.",
            tags: &["base model", "flux"],
            prompt: "a red fox reading a newspaper in a Paris cafe, film photo, 35mm",
            created_at: "2025-08-03T14:21:30Z",
            deps: vec![
                dep("flux1-dev", "flux1-dev", "FLUX.1 [dev] transformer"),
                dep("t5xxl-fp16", "t5xxl-fp16", "T5-XXL text encoder (fp16)"),
                dep("clip-l", "clip-l", "CLIP-L text encoder"),
                dep("flux-ae", "flux-ae", "FLUX autoencoder (VAE)"),
            ],
            files: &[],
        },
        PackSpec {
            name: "SDXL_Lightning",
            pack_type: "unet",
            source: Some(hf("ByteDance/SDXL-Lightning")),
            version: "4-step UNet",
            base_model: "SDXL Lightning",
            author: "ByteDance",
            description: "Distilled SDXL UNet: good images in 4 steps. Use with the SDXL VAE and text encoders, Euler, sgm_uniform, CFG 1.",
            tags: &["distilled", "fast", "sdxl"],
            prompt: "a girl smiling, studio portrait",
            created_at: "2025-06-27T10:09:41Z",
            deps: vec![dep("sdxl-lightning-4step-unet", "sdxl-lightning", "SDXL-Lightning 4-step UNet")],
            files: &[],
        },
        PackSpec {
            name: "Realistic_Vision_V6",
            pack_type: "checkpoint",
            source: Some(civitai(4201, 245598, 193459)),
            version: "V6.0 B1",
            base_model: "SD 1.5",
            author: "SG_161222",
            description: "Photorealistic SD 1.5 model. Resolved but not downloaded yet; the inpainting variant has no SafeTensor file.",
            tags: &["base model", "photorealistic", "realistic"],
            prompt: "RAW photo, a close up portrait photo of a 26 y.o woman in wastelander clothes, 8k uhd, dslr, soft lighting",
            created_at: "2026-01-20T10:00:00Z",
            deps: vec![
                Dep {
                    target: Target::Pending {
                        file: "realisticVisionV60B1_v60B1VAE.safetensors",
                        kind: AssetKind::Checkpoint,
                        size: 2_132_856,
                        source: civitai(4201, 245598, 193459),
                    },
                    ..dep("realistic-vision-v6", "", "Realistic Vision V6.0 B1 (with baked VAE)")
                },
                Dep {
                    target: Target::Unresolved {
                        kind: AssetKind::Checkpoint,
                        source: civitai(4201, 245598, 193460),
                        reason: "no_matching_file",
                        message: "version 245598 has no inpainting file in SafeTensor format",
                    },
                    required: false,
                    ..dep("realistic-vision-v6-inpainting", "", "Realistic Vision V6.0 B1 inpainting")
                },
                dep("vae-ft-mse", "vae-ft-mse", "SD 1.5 VAE ft-MSE 840000"),
            ],
            files: &[],
        },
        PackSpec {
            name: "SDXL_Hires_Workflow",
            pack_type: "workflow",
            source: None,
            version: "3",
            base_model: "SDXL 1.0",
            author: "me",
            description: "My ComfyUI hires-fix workflow: Juggernaut XL, Detail Tweaker XL, then 4x-UltraSharp twice (latent hires pass and final upscale).",
            tags: &["comfyui", "hires fix", "workflow"],
            prompt: "cinematic still, an astronaut in a sunflower field, golden hour",
            created_at: "2025-09-14T19:30:00Z",
            deps: vec![
                dep("checkpoint", "juggernaut", "base checkpoint"),
                dep("detail-lora", "add-detail-xl", "detail LoRA at 0.8"),
                dep("upscale-hires-pass", "ultrasharp", "upscaler for the 1.5x hires pass"),
                dep("upscale-final", "ultrasharp", "upscaler for the final 2x"),
            ],
            files: &[("workflow_api.json", WORKFLOW)],
        },
    ]
}

/// A small ComfyUI workflow (API format) that belongs to the workflow pack.
const WORKFLOW: &str = r#"{
  "4": { "class_type": "CheckpointLoaderSimple", "inputs": { "ckpt_name": "juggernautXL_v9Rundiffusionphoto2.safetensors" } },
  "10": { "class_type": "LoraLoader", "inputs": { "lora_name": "add-detail-xl.safetensors", "strength_model": 0.8, "strength_clip": 0.8, "model": ["4", 0], "clip": ["4", 1] } },
  "6": { "class_type": "CLIPTextEncode", "inputs": { "text": "cinematic still, an astronaut in a sunflower field, golden hour", "clip": ["10", 1] } },
  "7": { "class_type": "CLIPTextEncode", "inputs": { "text": "blurry, lowres, watermark", "clip": ["10", 1] } },
  "3": { "class_type": "KSampler", "inputs": { "seed": 861201946, "steps": 30, "cfg": 5.5, "sampler_name": "dpmpp_2m", "scheduler": "karras", "denoise": 1.0, "model": ["10", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0] } },
  "5": { "class_type": "EmptyLatentImage", "inputs": { "width": 832, "height": 1216, "batch_size": 1 } },
  "20": { "class_type": "UpscaleModelLoader", "inputs": { "model_name": "4x-UltraSharp.pth" } },
  "8": { "class_type": "VAEDecode", "inputs": { "samples": ["3", 0], "vae": ["4", 2] } },
  "21": { "class_type": "ImageUpscaleWithModel", "inputs": { "upscale_model": ["20", 0], "image": ["8", 0] } },
  "9": { "class_type": "SaveImage", "inputs": { "filename_prefix": "hires", "images": ["21", 0] } }
}
"#;

fn provider_json(source: Source, filename: &str) -> Value {
    match source {
        Source::Civitai { model, version, file } => json!({
            "name": "civitai", "model_id": model, "version_id": version, "file_id": file,
            "repo_id": null, "filename": filename, "revision": null
        }),
        Source::HuggingFace { repo } => json!({
            "name": "huggingface", "model_id": null, "version_id": null, "file_id": null,
            "repo_id": repo, "filename": filename, "revision": "main"
        }),
        Source::Local => json!({
            "name": "local", "model_id": null, "version_id": null, "file_id": null,
            "repo_id": null, "filename": filename, "revision": null
        }),
    }
}

fn selector_json(source: Source, filename: &str) -> Value {
    match source {
        Source::Civitai { model, version, file } => {
            json!({"strategy": "civitai_file", "civitai": {"model_id": model, "version_id": version, "file_id": file}})
        }
        Source::HuggingFace { repo } => {
            json!({"strategy": "huggingface_file", "huggingface": {"repo_id": repo, "filename": filename, "revision": "main"}})
        }
        Source::Local => json!({"strategy": "local_file", "local_path": filename}),
    }
}

fn download_urls(source: Source, filename: &str) -> Vec<String> {
    match source {
        Source::Civitai { version, .. } => vec![format!("https://civitai.com/api/download/models/{version}?type=Model&format=SafeTensor")],
        Source::HuggingFace { repo } => vec![format!("https://huggingface.co/{repo}/resolve/main/{filename}")],
        Source::Local => Vec::new(),
    }
}

fn source_json(source: Option<Source>) -> Value {
    match source {
        Some(Source::Civitai { model, version, .. }) => json!({
            "provider": "civitai", "model_id": model, "version_id": version,
            "url": format!("https://civitai.com/models/{model}?modelVersionId={version}")
        }),
        Some(Source::HuggingFace { repo }) => json!({
            "provider": "huggingface", "repo_id": repo, "model_id": null, "version_id": null,
            "url": format!("https://huggingface.co/{repo}")
        }),
        Some(Source::Local) | None => json!({"provider": "local", "model_id": null, "version_id": null, "url": null}),
    }
}

/// Two preview images as the original records them (remote, not downloaded).
fn previews_json(p: &PackSpec) -> Value {
    if p.prompt.is_empty() {
        return json!([]);
    }
    let seed = p.name.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 4_000_000_000;
    let id = |i: u64| 4_100_000 + seed % 900_000 + i * 17;
    let base = match p.source {
        Some(Source::Civitai { .. }) => "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA",
        _ => "https://cdn-uploads.huggingface.co/production/uploads",
    };
    (0..2u64)
        .map(|i| {
            json!({
                "filename": format!("preview_{i}.jpeg"),
                "url": format!("{base}/{:08x}-{:04x}/width=832/{}.jpeg", seed + i, i * 4099 + 12, id(i)),
                "nsfw": false,
                "width": 832,
                "height": 1216,
                "media_type": "image",
                "meta": {
                    "prompt": p.prompt,
                    "negativePrompt": "lowres, bad anatomy, watermark",
                    "seed": seed + i,
                    "steps": 30,
                    "cfgScale": 5.5,
                    "sampler": "DPM++ 2M Karras"
                }
            })
        })
        .collect()
}

fn write_pack(layout: &StoreLayout, p: &PackSpec, made: &[Made]) -> Result<()> {
    let find = |key: &str| made.iter().find(|m| m.key == key).expect("every pack dependency names a demo blob");
    let name = PackName::parse(p.name)?;
    let mut deps = Vec::new();
    let mut resolved = Vec::new();
    let mut unresolved = Vec::new();
    let lora = p.pack_type == "lora";
    for d in &p.deps {
        let (kind, source, file, name) = match d.target {
            Target::Blob(key) => {
                let m = find(key);
                (m.spec.kind, m.spec.source, m.spec.file, m.spec.name)
            }
            Target::Pending { file, kind, source, .. } => (kind, source, file, file),
            Target::Unresolved { kind, source, .. } => (kind, source, "", ""),
        };
        let expose_name = d.expose.unwrap_or(name);
        let mut dep = Map::new();
        dep.insert("id".into(), json!(d.id));
        dep.insert("kind".into(), json!(kind.as_str()));
        dep.insert("required".into(), json!(d.required));
        dep.insert("selector".into(), selector_json(source, file));
        dep.insert("update_policy".into(), json!({"mode": if lora { "follow_latest" } else { "pinned" }}));
        dep.insert("expose".into(), json!({"filename": expose_name, "trigger_words": d.trigger_words}));
        dep.insert("description".into(), json!(d.description));
        deps.push(Value::Object(dep));
        match d.target {
            Target::Blob(key) => {
                let m = find(key);
                resolved.push(json!({
                    "dependency_id": d.id,
                    "artifact": {
                        "kind": kind.as_str(),
                        "sha256": m.sha256.as_str(),
                        "size_bytes": m.size,
                        "provider": provider_json(source, file),
                        "download": {"urls": download_urls(source, file)},
                        "integrity": {"sha256_verified": true}
                    }
                }));
            }
            Target::Pending { size, .. } => resolved.push(json!({
                "dependency_id": d.id,
                "artifact": {
                    "kind": kind.as_str(),
                    "sha256": null,
                    "size_bytes": size,
                    "provider": provider_json(source, file),
                    "download": {"urls": download_urls(source, file)},
                    "integrity": {"sha256_verified": false}
                }
            })),
            Target::Unresolved { reason, message, .. } => unresolved.push(json!({
                "dependency_id": d.id,
                "reason": reason,
                "details": {"message": message, "source": source_json(p.source)}
            })),
        }
    }
    let category = if matches!(p.source, Some(Source::Civitai { .. } | Source::HuggingFace { .. })) { "external" } else { "custom" };
    let pack = json!({
        "schema": PACK_SCHEMA,
        "name": p.name,
        "pack_type": p.pack_type,
        "pack_category": category,
        "source": source_json(p.source),
        "version": p.version,
        "base_model": p.base_model,
        "author": p.author,
        "description": p.description,
        "tags": p.tags,
        "user_tags": [],
        "nsfw": false,
        "previews": previews_json(p),
        "created_at": p.created_at,
        "dependencies": deps,
    });
    let lock = json!({
        "schema": LOCK_SCHEMA,
        "pack": p.name,
        "resolved_at": p.created_at.trim_end_matches('Z'),
        "resolved": resolved,
        "unresolved": unresolved,
    });
    // lock.json first, as `packs` writes them (see `packs::write_pack`).
    write_json_atomic(&layout.lock_json(&name), &lock)?;
    write_json_atomic(&layout.pack_json(&name), &pack)?;
    for (file, text) in p.files {
        write_atomic(&layout.pack_dir(&name).join(file), text.as_bytes())?;
    }
    Ok(())
}

/// Config sections real files carry beyond `backup` and `ui_targets`; added
/// only where the config does not have them yet.
fn config_extras() -> Vec<(String, Value)> {
    vec![
        ("defaults".into(), json!({"ui_set": "local", "active_profile": "global", "update_policy": "pinned"})),
        (
            "ui".into(),
            json!({
                "known": ["comfyui", "forge", "a1111", "sdnext"],
                "kind_map": {
                    "comfyui": {
                        "checkpoint": "models/checkpoints", "lora": "models/loras", "vae": "models/vae",
                        "controlnet": "models/controlnet", "upscaler": "models/upscale_models", "clip": "models/clip",
                        "text_encoder": "models/text_encoders", "diffusion_model": "models/diffusion_models",
                        "embedding": "models/embeddings", "unet": "models/unet"
                    }
                }
            }),
        ),
        ("providers".into(), json!({"civitai": {"api_key_env": "CIVITAI_API_KEY"}, "huggingface": {"token_env": "HF_TOKEN"}})),
        ("base_model_aliases".into(), json!({"SDXL": "SDXL 1.0", "SD15": "SD 1.5", "Pony": "Pony", "Flux": "Flux.1 D"})),
    ]
}
