//! The workflow resolver (SPEC §3.15): every input format, every status on
//! one store, custom loaders from config.json, `--ui` links, hostile files.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use synapse_core::links::{self as views, UseOptions};
use synapse_core::model::{AssetKind, UiKind};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::workflow::{self, HashAlgorithm, MatchedBy, ModelStatus, RequiredModel, UrlSource, WorkflowCheck, WorkflowFormat};
use synapse_core::{ui_targets as ui, ErrorCode, PackName, Sha256};

use crate::support::{content, Fixture};

/// A store where each status occurs: `base_xl.safetensors` local,
/// `detail.safetensors` only on the backup target, two different blobs both
/// named `4x_ultra.pth`, and `custom_thing.safetensors` local for a custom node.
struct World {
    f: Fixture,
    base: Sha256,
    detail: Sha256,
    up_a: Sha256,
    up_b: Sha256,
    custom: Sha256,
}

fn world() -> World {
    let f = Fixture::with_backup();
    let base = f.put_local(&content("base", 1000));
    let detail = f.put_backup(&content("detail", 800));
    let up_a = f.put_local(&content("up-a", 300));
    let up_b = f.put_local(&content("up-b", 301));
    let custom = f.put_local(&content("custom", 500));
    f.write_pack("Base", &[("ckpt", &base, AssetKind::Checkpoint, 1000, "base_xl.safetensors")]);
    f.write_pack("Detail", &[("lora", &detail, AssetKind::Lora, 800, "detail.safetensors")]);
    f.write_pack("Up A", &[("up", &up_a, AssetKind::Upscaler, 300, "4x_ultra.pth")]);
    f.write_pack("Up B", &[("up", &up_b, AssetKind::Upscaler, 301, "4x_ultra.pth")]);
    f.write_pack("Custom", &[("m", &custom, AssetKind::Lora, 500, "custom_thing.safetensors")]);
    World { f, base, detail, up_a, up_b, custom }
}

/// A UI-format workflow naming every model of [`world`] and a few the store lacks.
fn ui_workflow(w: &World) -> Value {
    json!({
        "last_node_id": 10,
        "nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["SDXL/base_xl.safetensors"],
             "properties": {"models": [{"name": "base_xl.safetensors", "url": "https://example.invalid/base",
                                         "hash": w.base.as_str().to_uppercase(), "hash_type": "SHA256", "directory": "checkpoints"}]}},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1.0, 1.0]},
            {"id": 3, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
             "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": "https://huggingface.co/x/sdxl_vae.safetensors", "directory": "vae"}]}},
            {"id": 4, "type": "ControlNetLoader", "widgets_values": ["canny.safetensors"]},
            {"id": 5, "type": "UpscaleModelLoader", "widgets_values": ["4x_ultra.pth"]},
            {"id": 6, "type": "SomeoneElsesLoader", "widgets_values": ["strange.safetensors", 7, "a prompt"]},
            {"id": 7, "type": "MyCustomLoader", "widgets_values": ["custom_thing.safetensors", 0.5]},
            {"id": 8, "type": "Note", "widgets_values": ["remember notes.safetensors"]},
            {"id": 9, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 0.5, 0.5]},
            {"id": 10, "type": "KSampler", "widgets_values": [1, "fixed", 20, 7, "euler", "normal", 1]}
        ],
        "links": [],
        "version": 0.4
    })
}

fn api_workflow() -> Value {
    json!({
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base_xl.safetensors"}},
        "2": {"class_type": "LoraLoaderModelOnly", "inputs": {"lora_name": "detail.safetensors", "strength_model": 1.0, "model": ["1", 0]}},
        "3": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
        "4": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors", "clip_name2": "clip_l.safetensors", "type": "flux"}},
        "5": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "model": ["2", 0]}},
        "6": {"class_type": "WeirdNode", "inputs": {"file": "weird.gguf", "text": "hello"}},
        "7": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "4x_ultra.pth"}}
    })
}

fn infotext(w: &World) -> String {
    format!(
        "masterpiece, <lora:detail:0.7>, <lora:SDXL\\style:1>\n\
         Negative prompt: blurry\n\
         Steps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1, Size: 1024x1024, Model hash: {}, Model: base_xl, \
         VAE hash: 0123456789, VAE: sdxl_vae.safetensors, Lora hashes: \"detail: 0123456789ab, SDXL\\style: ba9876543210\", Version: v1.10.1",
        w.base.autov2()
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p
}

/// A 2×2 PNG with the given text chunks; `after` ones follow the image data.
pub fn png_with(chunks: &[(&str, &str, &str)], after: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 2, 2);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        for (how, k, v) in chunks {
            match *how {
                "tEXt" => enc.add_text_chunk(k.to_string(), v.to_string()).unwrap(),
                "zTXt" => enc.add_ztxt_chunk(k.to_string(), v.to_string()).unwrap(),
                _ => enc.add_itxt_chunk(k.to_string(), v.to_string()).unwrap(),
            }
        }
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[0u8; 12]).unwrap();
        for (k, v) in after {
            w.write_text_chunk(&png::text_metadata::TEXtChunk::new(*k, *v)).unwrap();
        }
        w.finish().unwrap();
    }
    out
}

fn check(w: &World, file: &Path) -> WorkflowCheck {
    workflow::check(&w.f.store, file, None).unwrap()
}

fn model<'a>(c: &'a WorkflowCheck, name: &str) -> &'a RequiredModel {
    c.models
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} not in {:#?}", c.models.iter().map(|m| &m.name).collect::<Vec<_>>()))
}

fn set_loaders(w: &World, loaders: Value) {
    let path = w.f.store.layout().root().join("state/config.json");
    let mut config: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    config["workflow"] = json!({ "loaders": loaders });
    fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
}

#[test]
fn ui_format_every_status() {
    let w = world();
    let file = write(w.f.dir.path(), "wf.json", &serde_json::to_vec(&ui_workflow(&w)).unwrap());
    let c = check(&w, &file);
    assert_eq!(c.format, WorkflowFormat::ComfyuiUi);
    assert!(!c.from_png);

    let base = model(&c, "SDXL/base_xl.safetensors");
    assert_eq!((base.status, base.kind), (ModelStatus::Present, AssetKind::Checkpoint));
    let blob = base.blob.as_ref().unwrap();
    assert_eq!((&blob.sha256, blob.matched_by), (&w.base, MatchedBy::Hash));
    assert_eq!(base.hash.as_ref().unwrap().algorithm, HashAlgorithm::Sha256);
    assert_eq!(base.directory.as_deref(), Some("checkpoints"));

    let detail = model(&c, "detail.safetensors");
    assert_eq!(detail.status, ModelStatus::OnBackup);
    assert_eq!(detail.on_targets, vec!["backup".to_owned()]);
    assert_eq!(detail.blob.as_ref().unwrap().sha256, w.detail);
    assert_eq!(detail.used_by.iter().map(|u| u.id.as_deref().unwrap()).collect::<Vec<_>>(), ["2", "9"], "one entry for both nodes");

    let vae = model(&c, "sdxl_vae.safetensors");
    assert_eq!((vae.status, vae.kind, vae.url_source), (ModelStatus::Downloadable, AssetKind::Vae, Some(UrlSource::Workflow)));
    assert_eq!(vae.url.as_deref(), Some("https://huggingface.co/x/sdxl_vae.safetensors"));

    let canny = model(&c, "canny.safetensors");
    assert_eq!((canny.status, canny.kind), (ModelStatus::Missing, AssetKind::Controlnet));
    assert!(canny.candidates.is_empty());

    let up = model(&c, "4x_ultra.pth");
    assert_eq!(up.status, ModelStatus::Ambiguous);
    let mut shas: Vec<&Sha256> = up.candidates.iter().map(|c| &c.sha256).collect();
    shas.sort();
    let mut want = vec![&w.up_a, &w.up_b];
    want.sort();
    assert_eq!(shas, want);
    assert!(up.blob.is_none());

    for name in ["strange.safetensors", "custom_thing.safetensors"] {
        let m = model(&c, name);
        assert_eq!((m.status, m.kind), (ModelStatus::Unrecognised, AssetKind::Unknown), "{name}");
    }
    // A name some unknown node gives is still shown with the blobs of that name.
    assert_eq!(model(&c, "custom_thing.safetensors").candidates[0].sha256, w.custom);
    assert!(!c.models.iter().any(|m| m.name.contains("notes")), "a Note's text is not a model");
    assert_eq!(c.models.len(), 7);
    assert_eq!(
        (c.counts.present, c.counts.on_backup, c.counts.downloadable, c.counts.missing, c.counts.ambiguous, c.counts.unrecognised),
        (1, 1, 1, 1, 1, 2)
    );
    assert!(!c.all_present);
    // The result is one JSON object with the SPEC's enum values.
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["models"][1]["status"], "on_backup");
    assert_eq!(v["format"], "comfyui_ui");
}

#[test]
fn a_custom_node_from_config_json_is_resolved() {
    let w = world();
    let file = write(w.f.dir.path(), "wf.json", &serde_json::to_vec(&ui_workflow(&w)).unwrap());
    set_loaders(&w, json!([{"node": "MyCustomLoader", "input": "model_file", "kind": "lora"}]));
    let c = check(&w, &file);
    let m = model(&c, "custom_thing.safetensors");
    assert_eq!((m.status, m.kind), (ModelStatus::Present, AssetKind::Lora));
    assert_eq!(m.blob.as_ref().unwrap().sha256, w.custom);
    assert_eq!(m.used_by[0].input.as_deref(), Some("model_file"));
    assert_eq!(model(&c, "strange.safetensors").status, ModelStatus::Unrecognised);

    // The API format names the input; an index picks a UI widget.
    let api = json!({"1": {"class_type": "MyCustomLoader", "inputs": {"model_file": "custom_thing.safetensors"}}});
    let file = write(w.f.dir.path(), "api.json", &serde_json::to_vec(&api).unwrap());
    assert_eq!(check(&w, &file).models[0].status, ModelStatus::Present);
    set_loaders(&w, json!([{"node": "MyCustomLoader", "input": "model_file", "kind": "lora", "index": 1}, {"node": "", "input": "x"}]));
    let ui = json!({"nodes": [{"id": 1, "type": "MyCustomLoader", "widgets_values": ["other.safetensors", "custom_thing.safetensors"]}]});
    let file = write(w.f.dir.path(), "ui.json", &serde_json::to_vec(&ui).unwrap());
    let c = check(&w, &file);
    assert_eq!(c.models.len(), 1);
    assert_eq!((c.models[0].name.as_str(), c.models[0].status), ("custom_thing.safetensors", ModelStatus::Present));
    assert!(c.warnings.iter().any(|x| x.contains("workflow.loaders[1]")), "{:?}", c.warnings);

    // The config still loads and keeps the field through a save.
    let config = w.f.store.config().unwrap();
    w.f.store.save_config(&config).unwrap();
    let raw: Value = serde_json::from_slice(&fs::read(w.f.store.layout().root().join("state/config.json")).unwrap()).unwrap();
    assert_eq!(raw["workflow"]["loaders"][0]["index"], 1);
}

#[test]
fn api_format_kinds_from_class_types() {
    let w = world();
    let file = write(w.f.dir.path(), "api.json", &serde_json::to_vec(&api_workflow()).unwrap());
    let c = check(&w, &file);
    assert_eq!(c.format, WorkflowFormat::ComfyuiApi);
    assert_eq!(model(&c, "base_xl.safetensors").status, ModelStatus::Present);
    assert_eq!(model(&c, "base_xl.safetensors").blob.as_ref().unwrap().matched_by, MatchedBy::Name);
    assert_eq!(model(&c, "detail.safetensors").status, ModelStatus::OnBackup);
    assert_eq!(model(&c, "flux1-dev.safetensors").kind, AssetKind::DiffusionModel);
    assert_eq!(model(&c, "t5xxl_fp16.safetensors").kind, AssetKind::TextEncoder);
    assert_eq!(model(&c, "clip_l.safetensors").used_by[0].input.as_deref(), Some("clip_name2"));
    assert_eq!(model(&c, "weird.gguf").status, ModelStatus::Unrecognised);
    assert_eq!(model(&c, "4x_ultra.pth").status, ModelStatus::Ambiguous);
    assert_eq!(c.models.len(), 7, "{:#?}", c.models.iter().map(|m| &m.name).collect::<Vec<_>>());

    // The same prompt as a request body.
    let file = write(w.f.dir.path(), "req.json", &serde_json::to_vec(&json!({"prompt": api_workflow(), "client_id": "x"})).unwrap());
    assert_eq!(check(&w, &file).models.len(), 7);
}

#[test]
fn png_chunks_workflow_prompt_and_parameters() {
    let w = world();
    let ui = serde_json::to_string(&ui_workflow(&w)).unwrap();
    let api = serde_json::to_string(&api_workflow()).unwrap();
    let dir = w.f.dir.path();

    // ComfyUI writes both; the UI format (with its model lists) wins.
    let file = write(dir, "comfy.png", &png_with(&[("tEXt", "prompt", &api), ("iTXt", "workflow", &ui)], &[]));
    let c = check(&w, &file);
    assert!(c.from_png);
    assert_eq!(c.format, WorkflowFormat::ComfyuiUi);
    assert_eq!(model(&c, "SDXL/base_xl.safetensors").blob.as_ref().unwrap().matched_by, MatchedBy::Hash);
    assert_eq!(c.models.len(), 7);

    // Only a prompt, compressed, after the image data.
    let file = write(dir, "api.png", &png_with(&[], &[("prompt", &api)]));
    let c = check(&w, &file);
    assert_eq!((c.format, c.from_png), (WorkflowFormat::ComfyuiApi, true));
    assert_eq!(model(&c, "detail.safetensors").status, ModelStatus::OnBackup);

    // A1111/Forge: `parameters`, compressed.
    let file = write(dir, "a1111.png", &png_with(&[("zTXt", "parameters", &infotext(&w))], &[]));
    let c = check(&w, &file);
    assert_eq!((c.format, c.from_png), (WorkflowFormat::Infotext, true));
    assert_eq!(model(&c, "base_xl").status, ModelStatus::Present);

    // A PNG without any of them says so.
    let file = write(dir, "plain.png", &png_with(&[("tEXt", "Software", "GIMP")], &[]));
    let e = workflow::check(&w.f.store, &file, None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidFile);
    assert!(e.to_string().contains("no \"workflow\", \"prompt\" or \"parameters\""), "{e}");
    // A truncated PNG is an invalid file, not a crash.
    let mut broken = png_with(&[], &[]);
    broken.truncate(20);
    let file = write(dir, "broken.png", &broken);
    assert_eq!(workflow::check(&w.f.store, &file, None).unwrap_err().code(), ErrorCode::InvalidFile);
}

#[test]
fn infotext_model_and_lora_hashes() {
    let w = world();
    let file = write(w.f.dir.path(), "params.txt", infotext(&w).as_bytes());
    let c = check(&w, &file);
    assert_eq!(c.format, WorkflowFormat::Infotext);

    let base = model(&c, "base_xl");
    assert_eq!((base.status, base.kind), (ModelStatus::Present, AssetKind::Checkpoint));
    let h = base.hash.as_ref().unwrap();
    assert_eq!((h.algorithm, h.checked, h.value.as_str()), (HashAlgorithm::AutoV2, true, &w.base.as_str()[..10]));
    assert_eq!(base.blob.as_ref().unwrap().matched_by, MatchedBy::Hash);

    // The VAE's AutoV2 matches nothing and no blob has its name.
    assert_eq!(model(&c, "sdxl_vae.safetensors").status, ModelStatus::Missing);

    let detail = model(&c, "detail");
    assert_eq!((detail.status, detail.kind), (ModelStatus::OnBackup, AssetKind::Lora));
    let h = detail.hash.as_ref().unwrap();
    assert_eq!((h.algorithm, h.checked, h.value.as_str()), (HashAlgorithm::AutoV3, false, "0123456789ab"));
    assert!(
        detail.notes.iter().any(|n| n.starts_with("matched by name; AutoV3 hash not checked: the file is not on this disk")),
        "{:?}",
        detail.notes
    );

    let style = model(&c, "SDXL/style");
    assert_eq!(style.status, ModelStatus::Missing);
    assert_eq!(style.hash.as_ref().unwrap().value, "ba9876543210");
    assert!(style.notes.iter().any(|n| n.starts_with("no blob has AutoV3 ba9876543210")), "{:?}", style.notes);
    assert_eq!(c.models.len(), 4);
}

/// A safetensors file: its 8-byte header length, the JSON header, then `data`.
fn safetensors(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn lora_hashes_are_checked_as_autov3_of_the_local_file_and_remembered() {
    let f = Fixture::new();
    let data_a = content("lora tensors a", 5000);
    let a = f.put_local(&safetensors(r#"{"__metadata__":{"ss_network_module":"networks.lora"}}"#, &data_a));
    let b = f.put_local(&safetensors(r#"{"__metadata__":{"note":"another file of the same name"}}"#, &content("lora tensors b", 5000)));
    f.write_pack("A", &[("l", &a, AssetKind::Lora, 0, "detail.safetensors")]);
    f.write_pack("B", &[("l", &b, AssetKind::Lora, 0, "detail_v2.safetensors")]);
    // AutoV3 is the SHA-256 of what follows the header, whatever the header says.
    let autov3_a = sha256_hex(&data_a);
    let text = |name: &str, h: &str| format!("<lora:{name}:0.8>\nSteps: 20, Lora hashes: \"{name}: {h}\"");
    let file = write(f.dir.path(), "one.txt", text("detail", &autov3_a[..12]).as_bytes());
    let c = workflow::check(&f.store, &file, None).unwrap();
    let m = model(&c, "detail");
    assert_eq!(m.status, ModelStatus::Present, "{m:#?}");
    assert_eq!(m.blob.as_ref().map(|b| (&b.sha256, b.matched_by)), Some((&a, MatchedBy::Hash)));

    // The same name with another AutoV3: the file of that name is another version, refused.
    let file = write(f.dir.path(), "two.txt", text("detail", "0123456789ab").as_bytes());
    let c = workflow::check(&f.store, &file, None).unwrap();
    let m = model(&c, "detail");
    assert_eq!(m.status, ModelStatus::Missing, "{m:#?}");
    assert!(m.candidates.iter().any(|c| c.rejected.as_deref().is_some_and(|r| r.contains("another AutoV3 hash"))), "{m:#?}");

    // Hashed once, remembered: a workflow naming the file otherwise finds it by its AutoV3 alone.
    let record: Value = serde_json::from_slice(&fs::read(f.store.layout().root().join("data/cache/autov3.json")).unwrap()).unwrap();
    assert_eq!(record[a.as_str()], autov3_a.as_str());
    let file = write(f.dir.path(), "three.txt", text("renamed_lora", &autov3_a[..12]).as_bytes());
    let c = workflow::check(&f.store, &file, None).unwrap();
    let m = model(&c, "renamed_lora");
    assert_eq!(m.blob.as_ref().map(|b| (&b.sha256, b.matched_by)), Some((&a, MatchedBy::Hash)), "{m:#?}");
}

#[test]
fn a_hash_that_does_not_match_rejects_a_file_of_the_same_name() {
    let w = world();
    let other = "ab".repeat(32);
    let wf = json!({"nodes": [{"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"],
        "properties": {"models": [{"name": "base_xl.safetensors", "hash": other, "hash_type": "sha256"}]}}]});
    let file = write(w.f.dir.path(), "wf.json", &serde_json::to_vec(&wf).unwrap());
    let c = check(&w, &file);
    let m = &c.models[0];
    assert_eq!(m.status, ModelStatus::Missing);
    assert_eq!(m.candidates.len(), 1);
    assert_eq!(m.candidates[0].sha256, w.base);
    assert!(m.candidates[0].rejected.as_deref().unwrap().contains("another hash"));

    // A blob only a pack lock knows, nowhere on disk, is downloadable from the lock's URL.
    let gone = crate::support::sha_of(b"gone");
    w.f.write_pack("Gone", &[("g", &gone, AssetKind::Lora, 10, "gone.safetensors")]);
    let wf = json!({"nodes": [{"id": 1, "type": "LoraLoader", "widgets_values": ["gone.safetensors", 1, 1]}]});
    let file = write(w.f.dir.path(), "gone.json", &serde_json::to_vec(&wf).unwrap());
    let m = check(&w, &file).models.remove(0);
    assert_eq!((m.status, m.url_source), (ModelStatus::Downloadable, Some(UrlSource::PackLock)));
    assert_eq!(m.url.as_deref(), Some("https://example.invalid/g"));
}

#[test]
fn ui_links_are_reported_with_ui() {
    let w = world();
    let comfy = w.f.dir.path().join("ComfyUI");
    fs::create_dir_all(&comfy).unwrap();
    ui::add(&w.f.store, "comfy", UiKind::Comfyui, &comfy).unwrap();
    let wf = json!({"nodes": [
        {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
        {"id": 2, "type": "LoraLoader", "widgets_values": ["custom_thing.safetensors", 1, 1]}
    ]});
    let file = write(w.f.dir.path(), "wf.json", &serde_json::to_vec(&wf).unwrap());
    let c = workflow::check(&w.f.store, &file, Some("comfy")).unwrap();
    assert_eq!(c.ui.as_deref(), Some("comfy"));
    assert_eq!(c.models.iter().map(|m| m.linked).collect::<Vec<_>>(), [Some(false), Some(false)]);
    assert!(!c.all_present, "present but not linked into the UI");

    let cancel = CancelToken::new();
    let opts = UseOptions { ui: Some("comfy".into()), restore: false };
    views::use_pack(&w.f.store, &PackName::parse("Base").unwrap(), &opts, Control::new(&NoProgress, &cancel)).unwrap();
    let c = workflow::check(&w.f.store, &file, Some("comfy")).unwrap();
    assert_eq!(c.models.iter().map(|m| m.linked).collect::<Vec<_>>(), [Some(true), Some(false)]);
    let c = workflow::check(&w.f.store, &file, None).unwrap();
    assert!(c.all_present && c.models.iter().all(|m| m.linked.is_none()));

    let e = workflow::check(&w.f.store, &file, Some("nope")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

#[test]
fn hostile_workflows_are_refused_or_sanitised() {
    let w = world();
    let dir = w.f.dir.path();

    // Nested far deeper than any workflow: refused before parsing.
    let deep = format!("{{\"nodes\": {}{}}}", "[".repeat(200), "]".repeat(200));
    let file = write(dir, "deep.json", deep.as_bytes());
    let e = workflow::check(&w.f.store, &file, None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidFile);
    assert!(e.to_string().contains("nested more than 64 levels"), "{e}");
    // The same inside a PNG chunk.
    let file = write(dir, "deep.png", &png_with(&[("tEXt", "workflow", &deep)], &[]));
    let e = workflow::check(&w.f.store, &file, None).unwrap_err();
    assert!(e.to_string().contains("nested more than 64 levels"), "{e}");

    // JSON that is no workflow, and a folder.
    let file = write(dir, "other.json", br#"{"hello": "world"}"#);
    assert_eq!(workflow::check(&w.f.store, &file, None).unwrap_err().code(), ErrorCode::InvalidFile);
    assert_eq!(workflow::check(&w.f.store, dir, None).unwrap_err().code(), ErrorCode::InvalidArgument);

    // Names that climb out, are absolute, or carry terminal escapes: shown
    // sanitised, reported, only compared by their last component.
    let wf = json!({"nodes": [
        {"id": 1, "type": "LoraLoader", "widgets_values": ["../../../../outside/evil.safetensors", 1, 1]},
        {"id": 2, "type": "CheckpointLoaderSimple", "widgets_values": ["/etc/base_xl.safetensors"]},
        {"id": 3, "type": "VAELoader", "widgets_values": ["C:\\Windows\\vae.safetensors"]},
        {"id": 4, "type": "ControlNetLoader", "widgets_values": ["\u{1b}]0;owned\u{7}cn.safetensors"]}
    ], "models": [{"name": "../x.safetensors", "url": "file:///etc/x.safetensors", "directory": "../../loras"}]});
    let file = write(dir, "evil.json", &serde_json::to_vec(&wf).unwrap());
    check(&w, &file);
    let before = crate::views::snapshot(dir);
    let c = check(&w, &file);
    assert_eq!(crate::views::snapshot(dir), before, "checking touches nothing");
    let names: Vec<&str> = c.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["outside/evil.safetensors", "etc/base_xl.safetensors", "Windows/vae.safetensors", "?]0;owned?cn.safetensors", "x.safetensors"]
    );
    for m in &c.models {
        assert!(m.name_warning.is_some(), "{}", m.name);
        assert!(!m.name.contains(".."), "{}", m.name);
    }
    assert!(c.models[0].name_warning.as_deref().unwrap().contains("'..'"));
    assert!(c.models[1].name_warning.as_deref().unwrap().contains("absolute"));
    assert!(c.models[3].name_warning.as_deref().unwrap().contains("control characters"));
    // Compared by the last component: the absolute name still finds the local checkpoint.
    assert_eq!(c.models[1].status, ModelStatus::Present);
    assert_eq!(c.models[4].directory.as_deref(), Some("loras"));
    // Only http(s) URLs make a model downloadable.
    assert_eq!((c.models[4].status, c.models[4].url.as_deref()), (ModelStatus::Missing, None));
    assert!(c.models[4].notes.iter().any(|n| n.contains("not http(s)")), "{:?}", c.models[4].notes);

    // Larger than 64 MiB (sparse: nothing is written): refused unread.
    let big = dir.join("big.json");
    fs::File::create(&big).unwrap().set_len(workflow::MAX_FILE_BYTES + 1).unwrap();
    let e = workflow::check(&w.f.store, &big, None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidFile);
    assert!(e.to_string().contains("larger than 64 MiB"), "{e}");
}

// ---------------------------------------------------------------------------
// workflow use and workflow pack
// ---------------------------------------------------------------------------

mod using {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::{Path, PathBuf};

    use serde_json::{json, Value};
    use synapse_core::model::{AssetKind, UiKind};
    use synapse_core::progress::{CancelToken, Control, NoProgress};
    use synapse_core::workflow::ModelStatus;
    use synapse_core::workflow_use::{self, HashCheck, UseStep, WorkflowPackOptions, WorkflowUsePlan, WorkflowUseResult};
    use synapse_core::{links as views, packs, ui_targets as ui, ErrorCode, PackName, Sha256};

    use super::write;
    use synapse_test_support::http::{serve, Reply};

    use crate::support::{content, sha_of, Fixture};

    /// A store with a backup, a ComfyUI target, `base_xl.safetensors` local,
    /// `detail.safetensors` only on the backup target, and two files on HTTP
    /// servers: a VAE whose hash the workflow gives and an upscaler without one.
    struct Scene {
        f: Fixture,
        comfy: PathBuf,
        base: Sha256,
        detail: Sha256,
        vae: Vec<u8>,
        vae_url: String,
        up: Vec<u8>,
        up_url: String,
    }

    fn scene() -> Scene {
        let f = Fixture::with_backup();
        let base = f.put_local(&content("base", 1000));
        let detail = f.put_backup(&content("detail", 800));
        f.write_pack("Base", &[("ckpt", &base, AssetKind::Checkpoint, 1000, "base_xl.safetensors")]);
        f.write_pack("Detail", &[("lora", &detail, AssetKind::Lora, 800, "detail.safetensors")]);
        let comfy = f.dir.path().join("ComfyUI");
        fs::create_dir_all(comfy.join("models/checkpoints")).unwrap();
        ui::add(&f.store, "comfy", UiKind::Comfyui, &comfy).unwrap();
        let vae = content("vae", 700);
        let up = content("upscaler", 600);
        let vae_url = serve(vec![Reply::Serve(vae.clone())]).url;
        let up_url = serve(vec![Reply::Serve(up.clone())]).url;
        Scene { f, comfy, base, detail, vae, vae_url, up, up_url }
    }

    /// The workflow: the checkpoint under a sub-folder name, the LoRA under
    /// `SDXL/`, the VAE with URL and hash, the upscaler with a URL only.
    fn workflow(s: &Scene) -> Value {
        json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["XL/base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["SDXL/detail.safetensors", 1, 1]},
            {"id": 3, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
             "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": s.vae_url, "hash": sha_of(&s.vae).as_str(), "hash_type": "SHA256", "directory": "vae"}]}},
            {"id": 4, "type": "UpscaleModelLoader", "widgets_values": ["4x_new.pth"],
             "properties": {"models": [{"name": "4x_new.pth", "url": s.up_url, "directory": "upscale_models"}]}}
        ]})
    }

    fn ctl_run<T>(f: impl FnOnce(Control) -> T) -> T {
        let cancel = CancelToken::new();
        f(Control::new(&NoProgress, &cancel))
    }

    fn apply(s: &Scene, plan: &WorkflowUsePlan) -> synapse_core::Result<WorkflowUseResult> {
        ctl_run(|c| workflow_use::apply_workflow_use(&s.f.store, plan, c))
    }

    fn link_of(p: &Path) -> Option<PathBuf> {
        fs::read_link(p).ok()
    }

    /// Every path below `dir` with what it is (a file by its size and hash), less the store's rebuildable caches.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
        let mut out = crate::views::snapshot(dir);
        out.retain(|p, _| !p.starts_with("store/data/cache"));
        for (p, what) in out.iter_mut() {
            if what.starts_with("file") {
                let bytes = fs::read(dir.join(p)).unwrap();
                *what = format!("file {} {}", bytes.len(), &sha_of(&bytes).as_str()[..12]);
            }
        }
        out
    }

    #[test]
    fn use_restores_downloads_and_links_under_the_names_the_workflow_expects() {
        let s = scene();
        let file = write(s.f.dir.path(), "flow.json", &serde_json::to_vec(&workflow(&s)).unwrap());
        let before = snapshot(s.f.dir.path());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert_eq!(snapshot(s.f.dir.path()), before, "a plan changes nothing");
        let steps: Vec<(&str, UseStep)> = plan.items.iter().map(|i| (i.name.as_str(), i.step)).collect();
        assert_eq!(
            steps,
            [
                ("XL/base_xl.safetensors", UseStep::Link),
                ("SDXL/detail.safetensors", UseStep::Restore),
                ("sdxl_vae.safetensors", UseStep::Download),
                ("4x_new.pth", UseStep::Download)
            ]
        );
        assert!(plan.runnable);
        assert_eq!(plan.label, "workflow:flow.json");
        assert_eq!(plan.bytes_to_restore, 800);
        // The hosts are named before anything is fetched; the sizes are unknown (no lock says them).
        let host = s.vae_url.split('/').nth(2).unwrap().to_owned();
        assert!(plan.hosts.contains(&host), "{:?}", plan.hosts);
        assert_eq!(plan.downloads_of_unknown_size, 2);
        let vae = plan.items[2].download.as_ref().unwrap();
        assert_eq!((vae.check, vae.limit_bytes), (HashCheck::Sha256, 64 << 30));
        let up = &plan.items[3];
        assert_eq!(up.download.as_ref().unwrap().check, HashCheck::None);
        assert!(up.reason.as_deref().unwrap().contains("unverified"), "{:?}", up.reason);
        assert_eq!(plan.items[1].restore_from, ["backup"]);
        let m = s.comfy.join("models");
        assert_eq!(plan.items[0].link.as_deref(), Some(m.join("checkpoints/XL/base_xl.safetensors").as_path()));
        assert_eq!(plan.items[1].link.as_deref(), Some(m.join("loras/SDXL/detail.safetensors").as_path()));

        // A saved plan round-trips.
        let saved: WorkflowUsePlan = serde_json::from_slice(&serde_json::to_vec(&plan).unwrap()).unwrap();
        assert_eq!(saved, plan);
        // An edited label cannot file the links under a real pack's name.
        let mut edited = saved.clone();
        edited.label = "Base".into();
        let r = apply(&s, &edited).unwrap();
        assert_eq!(r.label, "workflow:flow.json");
        assert!(r.linked.iter().all(|l| l.pack == "workflow:flow.json"));
        assert!(r.complete && r.skipped.is_empty() && r.failed.is_empty(), "{r:#?}");
        assert_eq!(r.restored.iter().map(|x| (&x.sha256, x.from.as_str())).collect::<Vec<_>>(), [(&s.detail, "backup")]);
        let got: Vec<(&str, &Sha256, bool)> = r.downloaded.iter().map(|d| (d.name.as_str(), &d.sha256, d.verified)).collect();
        let (vae_sha, up_sha) = (sha_of(&s.vae), sha_of(&s.up));
        assert_eq!(got, [("sdxl_vae.safetensors", &vae_sha, true), ("4x_new.pth", &up_sha, false)]);
        assert_eq!(r.linked.len(), 4);

        // Each link has the name the workflow expects and points at its blob.
        let blob = |sha: &Sha256| views::link_blob_dir(s.f.store.layout()).unwrap().blob(sha);
        assert_eq!(link_of(&m.join("checkpoints/XL/base_xl.safetensors")), Some(blob(&s.base)));
        assert_eq!(link_of(&m.join("loras/SDXL/detail.safetensors")), Some(blob(&s.detail)));
        assert_eq!(link_of(&m.join("vae/sdxl_vae.safetensors")), Some(blob(&vae_sha)));
        assert_eq!(link_of(&m.join("upscale_models/4x_new.pth")), Some(blob(&up_sha)));
        assert_eq!(fs::read(m.join("upscale_models/4x_new.pth")).unwrap(), s.up);
        assert!(s.f.local_path(&s.detail).is_file(), "restored into the store");
        // The unverified download keeps the name it was fetched for.
        let inv = s.f.inventory();
        assert_eq!(inv.get(&up_sha).unwrap().display_name, "4x_new.pth");

        // Recorded like `use` records: the workflow check sees them linked, a second plan has nothing to do.
        let c = synapse_core::workflow::check(&s.f.store, &file, Some("comfy")).unwrap();
        assert!(c.all_present, "{:#?}", c.models);
        let again = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert!(again.items.iter().all(|i| i.step == UseStep::AlreadyLinked), "{:#?}", again.items);
        let r2 = apply(&s, &again).unwrap();
        assert!(r2.linked.is_empty() && r2.already_linked.len() == 4 && r2.complete);

        // `unuse <label>` removes exactly these links and the folders made for them.
        let u = views::unuse(&s.f.store, &PackName::parse(&plan.label).unwrap(), None).unwrap();
        assert_eq!(u.removed.len(), 4, "{u:#?}");
        assert!(!m.join("loras/SDXL").exists() && !m.join("checkpoints/XL").exists());
        assert!(m.join("checkpoints").is_dir(), "the UI's own folder stays");
    }

    #[test]
    fn what_cannot_be_done_is_listed_with_why_and_the_rest_goes_ahead() {
        let s = scene();
        s.f.write_pack("Up A", &[("up", &s.f.put_local(b"a"), AssetKind::Upscaler, 1, "same.pth")]);
        s.f.write_pack("Up B", &[("up", &s.f.put_local(b"b"), AssetKind::Upscaler, 1, "same.pth")]);
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["nowhere.safetensors", 1, 1]},
            {"id": 3, "type": "UpscaleModelLoader", "widgets_values": ["same.pth"]},
            {"id": 4, "type": "OddNode", "widgets_values": ["odd.safetensors"]}
        ]});
        let file = write(s.f.dir.path(), "partial.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        let by: Vec<(ModelStatus, UseStep)> = plan.items.iter().map(|i| (i.status, i.step)).collect();
        assert_eq!(
            by,
            [
                (ModelStatus::Present, UseStep::Link),
                (ModelStatus::Missing, UseStep::NotDoable),
                (ModelStatus::Ambiguous, UseStep::NotDoable),
                (ModelStatus::Unrecognised, UseStep::NotDoable)
            ]
        );
        assert!(!plan.runnable && plan.not_doable == 3);
        assert!(plan.items[1].reason.as_deref().unwrap().contains("no http(s) URL"), "{:?}", plan.items[1].reason);
        assert!(plan.items[2].reason.as_deref().unwrap().contains("2 blobs fit"), "{:?}", plan.items[2].reason);
        assert!(plan.items[3].reason.as_deref().unwrap().contains("workflow.loaders"), "{:?}", plan.items[3].reason);
        let r = apply(&s, &plan).unwrap();
        assert_eq!(r.linked.len(), 1);
        assert_eq!(r.not_doable.len(), 3);
        assert!(!r.complete);
    }

    #[test]
    fn hostile_names_are_refused_and_nothing_is_written_outside_the_ui_folder() {
        let s = scene();
        let outside = s.f.dir.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        // A link planted below the kind folder, pointing out of it.
        std::os::unix::fs::symlink(&outside, s.comfy.join("models/checkpoints/SDXL")).unwrap();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["../../../outside/base_xl.safetensors"]},
            {"id": 2, "type": "CheckpointLoaderSimple", "widgets_values": ["/tmp/base_xl.safetensors"]},
            {"id": 3, "type": "CheckpointLoaderSimple", "widgets_values": ["SDXL/base_xl.safetensors"]}
        ]});
        let file = write(s.f.dir.path(), "evil.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert!(plan.items.iter().all(|i| i.step == UseStep::NotDoable), "{:#?}", plan.items);
        assert!(plan.items[0].reason.as_deref().unwrap().contains("'..'"));
        assert!(plan.items[1].reason.as_deref().unwrap().contains("absolute"));
        assert!(plan.items[2].reason.as_deref().unwrap().contains("symbolic link"), "{:?}", plan.items[2].reason);
        let before = snapshot(s.f.dir.path());
        let r = apply(&s, &plan).unwrap();
        assert!(r.linked.is_empty() && r.not_doable.len() == 3);
        assert_eq!(snapshot(s.f.dir.path()), before, "nothing was written anywhere");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);

        // A link planted after the plan, on the way to a planned link: skipped, nothing written through it.
        fs::remove_file(s.comfy.join("models/checkpoints/SDXL")).unwrap();
        let wf = json!({"nodes": [{"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["XL/base_xl.safetensors"]}]});
        let file = write(s.f.dir.path(), "ok.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert_eq!(plan.items[0].step, UseStep::Link);
        std::os::unix::fs::symlink(&outside, s.comfy.join("models/checkpoints/XL")).unwrap();
        let r = apply(&s, &plan).unwrap();
        assert!(r.linked.is_empty(), "{r:#?}");
        assert!(r.skipped[0].reason.contains("symbolic link"), "{:?}", r.skipped);
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_name_taken_by_another_file_is_a_clash_and_apply_refuses_it() {
        let s = scene();
        fs::create_dir_all(s.comfy.join("models/checkpoints/XL")).unwrap();
        fs::write(s.comfy.join("models/checkpoints/XL/base_xl.safetensors"), b"the user's own file").unwrap();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["XL/base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["SDXL/detail.safetensors", 1, 1]}
        ]});
        let file = write(s.f.dir.path(), "clash.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert_eq!(plan.items[0].step, UseStep::Clash);
        assert_eq!(plan.clashes, 1);
        let before = snapshot(s.f.dir.path());
        let e = apply(&s, &plan).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NameClash, "{e}");
        assert_eq!(snapshot(s.f.dir.path()), before, "nothing changed, nothing restored");
        assert_eq!(fs::read(s.comfy.join("models/checkpoints/XL/base_xl.safetensors")).unwrap(), b"the user's own file");
    }

    #[test]
    fn a_store_changed_after_the_plan_skips_the_item_with_its_reason() {
        let s = scene();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["XL/base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["SDXL/detail.safetensors", 1, 1]},
            {"id": 3, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
             "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": s.vae_url}]}}
        ]});
        let file = write(s.f.dir.path(), "race.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert_eq!(plan.items.iter().map(|i| i.step).collect::<Vec<_>>(), [UseStep::Link, UseStep::Restore, UseStep::Download]);

        // After the plan: the checkpoint's pack now points at another blob, a
        // file took the LoRA's name, and a blob called sdxl_vae appeared.
        let other = s.f.put_local(&content("another base", 900));
        s.f.write_pack("Base", &[("ckpt", &other, AssetKind::Checkpoint, 900, "base_xl.safetensors")]);
        fs::create_dir_all(s.comfy.join("models/loras/SDXL")).unwrap();
        fs::write(s.comfy.join("models/loras/SDXL/detail.safetensors"), b"mine").unwrap();
        let vae_like = s.f.put_local(&content("not the vae", 10));
        s.f.write_pack("Vae", &[("vae", &vae_like, AssetKind::Vae, 10, "sdxl_vae.safetensors")]);

        let r = apply(&s, &plan).unwrap();
        assert!(r.linked.is_empty() && r.restored.is_empty() && r.downloaded.is_empty(), "{r:#?}");
        assert_eq!(r.skipped.len(), 3, "{:#?}", r.skipped);
        let reason = |name: &str| r.skipped.iter().find(|k| k.name == name).map(|k| k.reason.clone()).unwrap_or_default();
        assert!(reason("XL/base_xl.safetensors").contains("now resolves to blob"), "{:?}", r.skipped);
        assert!(reason("SDXL/detail.safetensors").contains("already at"), "{:?}", r.skipped);
        let vae = reason("sdxl_vae.safetensors");
        assert!(vae.contains("a blob") && vae.contains("plan did not show"), "{vae}");
        assert!(!s.f.local_path(&s.detail).exists(), "nothing restored for a skipped item");
        assert_eq!(fs::read(s.comfy.join("models/loras/SDXL/detail.safetensors")).unwrap(), b"mine");
        assert!(!s.comfy.join("models/checkpoints/XL").exists());

        // A plan of another operation or store is refused.
        let mut other_op = plan.clone();
        other_op.plan.operation = "use".into();
        assert_eq!(apply(&s, &other_op).unwrap_err().code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn a_wrong_download_is_never_kept_and_a_cut_one_resumes() {
        let s = scene();
        let vae = content("vae", 5000);
        let server = serve(vec![Reply::Cut(vae.clone(), 2000), Reply::Serve(vae.clone())]);
        let wrong = serve(vec![Reply::Serve(content("wrong", 50))]);
        let wf = json!({"nodes": [
            {"id": 1, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
             "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": server.url, "hash": sha_of(&vae).as_str()}]}},
            {"id": 2, "type": "UpscaleModelLoader", "widgets_values": ["x.pth"],
             "properties": {"models": [{"name": "x.pth", "url": wrong.url, "hash": "0123456789abcdef", "hash_type": "sha256"}]}}
        ]});
        let file = write(s.f.dir.path(), "dl.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        assert_eq!(plan.items[1].download.as_ref().unwrap().check, HashCheck::Prefix);
        let r = apply(&s, &plan).unwrap();
        assert_eq!(r.failed.len(), 2, "{r:#?}");
        assert!(r.failed[0].reason.contains("broke off"), "{:?}", r.failed);
        assert!(r.failed[1].reason.contains("integrity"), "{:?}", r.failed);
        assert!(r.linked.is_empty());
        let part = s.f.store.layout().download_part(&sha_of(&vae));
        assert_eq!(fs::metadata(&part).unwrap().len(), 2000, "the cut download is kept for resuming");
        let tmp: Vec<_> = fs::read_dir(s.f.store.layout().tmp()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(tmp.len(), 1, "the wrong bytes are not kept: {tmp:?}");

        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        let r = apply(&s, &plan).unwrap();
        assert_eq!(r.downloaded.len(), 1, "{r:#?}");
        assert_eq!(r.downloaded[0].resumed_from, 2000);
        assert_eq!(server.ranges.lock().unwrap().last().unwrap().as_deref(), Some("bytes=2000-"));
        assert_eq!(fs::read(s.comfy.join("models/vae/sdxl_vae.safetensors")).unwrap(), vae);
    }

    #[test]
    fn a_cancelled_download_leaves_no_partial_file_and_no_link() {
        let s = scene();
        let vae = content("vae", 5000);
        let server = serve(vec![Reply::Cut(vae.clone(), 1500)]);
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
             "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": server.url, "hash": sha_of(&vae).as_str()}]}}
        ]});
        let file = write(s.f.dir.path(), "cancel.json", &serde_json::to_vec(&wf).unwrap());
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        apply(&s, &plan).unwrap();
        let part = s.f.store.layout().download_part(&sha_of(&vae));
        assert!(part.is_file(), "the cut download is kept");
        // Cancelled while it resumes: the partial file goes (SPEC §4), no link is made for it.
        fs::remove_file(s.comfy.join("models/checkpoints/base_xl.safetensors")).unwrap();
        let plan = workflow_use::plan_workflow_use(&s.f.store, &file, "comfy").unwrap();
        let cancel = CancelToken::new();
        cancel.cancel();
        let e = workflow_use::apply_workflow_use(&s.f.store, &plan, Control::new(&NoProgress, &cancel)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Cancelled);
        assert!(!part.exists(), "no partial file after a cancel");
        assert!(fs::symlink_metadata(s.comfy.join("models/vae/sdxl_vae.safetensors")).is_err());
        assert!(fs::symlink_metadata(s.comfy.join("models/checkpoints/base_xl.safetensors")).is_err(), "links come after the downloads");
    }

    #[test]
    fn workflow_pack_pins_the_resolved_blobs_and_carries_the_workflow() {
        let s = scene();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["XL/base_xl.safetensors"],
             "properties": {"models": [{"name": "base_xl.safetensors", "url": "https://example.invalid/base"}]}},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1, 1]}
        ]});
        let bytes = serde_json::to_vec(&wf).unwrap();
        let file = write(s.f.dir.path(), "my flow.json", &bytes);
        let name = PackName::parse("My Flow").unwrap();
        let opts = WorkflowPackOptions { name: name.clone(), ui: None, allow_missing: false };
        let r = workflow_use::pack_workflow(&s.f.store, &file, &opts).unwrap();
        assert!(r.not_pinned.is_empty());
        assert_eq!(r.workflow_file, "workflows/my flow.json");
        let pinned: Vec<(&str, &Sha256, AssetKind)> = r.pinned.iter().map(|p| (p.name.as_str(), &p.sha256, p.kind)).collect();
        assert_eq!(
            pinned,
            [("XL/base_xl.safetensors", &s.base, AssetKind::Checkpoint), ("detail.safetensors", &s.detail, AssetKind::Lora)]
        );
        let dir = s.f.store.layout().pack_dir(&name);
        assert_eq!(fs::read(dir.join("workflows/my flow.json")).unwrap(), bytes);
        let lock: Value = serde_json::from_slice(&fs::read(dir.join("lock.json")).unwrap()).unwrap();
        assert_eq!(lock["resolved"][0]["artifact"]["sha256"], s.base.as_str());
        assert_eq!(lock["resolved"][0]["artifact"]["size_bytes"], 1000);
        assert_eq!(lock["resolved"][0]["artifact"]["download"]["urls"][0], "https://example.invalid/base");
        let pack: Value = serde_json::from_slice(&fs::read(dir.join("pack.json")).unwrap()).unwrap();
        assert_eq!(pack["pack_type"], "workflow");
        assert_eq!(pack["dependencies"][0]["expose"]["filename"], "XL/base_xl.safetensors");
        // The pack reads back through the pack list: its blobs are referenced now.
        let info = packs::PackInfo::of(s.f.store.layout(), &packs::load(s.f.store.layout(), &name).unwrap());
        assert_eq!(info.blobs.len(), 2, "{info:#?}");

        let e = workflow_use::pack_workflow(&s.f.store, &file, &opts).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AlreadyExists);

        // A model that resolves to no blob: refused, nothing written; allowed, listed in unresolved.
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["nowhere.safetensors", 1, 1]}
        ]});
        let file = write(s.f.dir.path(), "partial.json", &serde_json::to_vec(&wf).unwrap());
        let name = PackName::parse("Partial").unwrap();
        let mut opts = WorkflowPackOptions { name: name.clone(), ui: None, allow_missing: false };
        let e = workflow_use::pack_workflow(&s.f.store, &file, &opts).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert!(e.to_string().contains("nowhere.safetensors"), "{e}");
        assert!(!s.f.store.layout().pack_dir(&name).exists());
        opts.allow_missing = true;
        let r = workflow_use::pack_workflow(&s.f.store, &file, &opts).unwrap();
        assert_eq!(r.pinned.len(), 1);
        assert_eq!(
            r.not_pinned.iter().map(|n| (n.name.as_str(), n.status)).collect::<Vec<_>>(),
            [("nowhere.safetensors", ModelStatus::Missing)]
        );
        let lock: Value = serde_json::from_slice(&fs::read(s.f.store.layout().lock_json(&name)).unwrap()).unwrap();
        assert_eq!(lock["unresolved"][0]["details"]["name"], "nowhere.safetensors");
    }
}
