//! `synapse workflow check FILE [--ui NAME]` (SPEC §3.15): the table, the
//! `--json` result, exit codes, every input format and hostile files.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{content, sha_hex, Env};

/// A store where each status occurs: `base_xl.safetensors` local, `detail.safetensors`
/// only on the backup drive, two blobs named `4x_ultra.pth`, `custom_thing.safetensors` local.
struct World {
    env: Env,
    base: String,
    detail: String,
}

fn world() -> World {
    let env = Env::new();
    env.enable_backup();
    let base = env.pack("Base", &[("base_xl.safetensors", &content("base", 1000))], Some("checkpoint")).remove(0);
    let detail = env.pack("Detail", &[("detail.safetensors", &content("detail", 800))], Some("lora")).remove(0);
    env.copy_to_backup(&detail);
    fs::remove_file(env.blob_path(&detail)).unwrap();
    env.pack("Up A", &[("a/4x_ultra.pth", &content("up-a", 300))], Some("upscaler"));
    env.pack("Up B", &[("b/4x_ultra.pth", &content("up-b", 301))], Some("upscaler"));
    env.pack("Custom", &[("custom_thing.safetensors", &content("custom", 500))], Some("lora"));
    World { env, base, detail }
}

fn ui_workflow(base: &str) -> Value {
    json!({"nodes": [
        {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"],
         "properties": {"models": [{"name": "base_xl.safetensors", "hash": base, "hash_type": "SHA256", "url": "https://example.invalid/base", "directory": "checkpoints"}]}},
        {"id": 2, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1, 1]},
        {"id": 3, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
         "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": "https://huggingface.co/x/sdxl_vae.safetensors", "directory": "vae"}]}},
        {"id": 4, "type": "ControlNetLoader", "widgets_values": ["canny.safetensors"]},
        {"id": 5, "type": "UpscaleModelLoader", "widgets_values": ["4x_ultra.pth"]},
        {"id": 6, "type": "SomeoneElsesLoader", "widgets_values": ["strange.safetensors"]},
        {"id": 7, "type": "MyCustomLoader", "widgets_values": ["custom_thing.safetensors", 0.5]}
    ]})
}

impl World {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.env.dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    }

    fn check(&self, file: &Path, extra: &[&str]) -> Value {
        let mut args = vec!["workflow", "check", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.env.json(&args)
    }
}

/// `name → status` of a check result.
fn statuses(v: &Value) -> Vec<(String, String)> {
    v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap().to_owned(), m["status"].as_str().unwrap().to_owned()))
        .collect()
}

fn model<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["models"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("{name} not in {v}"))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn every_status_in_json_and_exit_0() {
    let w = world();
    let file = w.write("wf.json", &serde_json::to_vec(&ui_workflow(&w.base)).unwrap());
    let v = w.check(&file, &[]);
    assert_eq!(
        statuses(&v),
        pairs(&[
            ("base_xl.safetensors", "present"),
            ("detail.safetensors", "on_backup"),
            ("sdxl_vae.safetensors", "downloadable"),
            ("canny.safetensors", "missing"),
            ("4x_ultra.pth", "ambiguous"),
            ("strange.safetensors", "unrecognised"),
            ("custom_thing.safetensors", "unrecognised"),
        ])
    );
    assert_eq!(v["format"], "comfyui_ui");
    assert_eq!(model(&v, "base_xl.safetensors")["blob"]["sha256"], w.base.as_str());
    assert_eq!(model(&v, "base_xl.safetensors")["blob"]["matched_by"], "hash");
    assert_eq!(model(&v, "detail.safetensors")["blob"]["sha256"], w.detail.as_str());
    assert_eq!(model(&v, "detail.safetensors")["on_targets"], json!(["backup"]));
    assert_eq!(model(&v, "4x_ultra.pth")["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(v["counts"], json!({"present": 1, "on_backup": 1, "downloadable": 1, "missing": 1, "ambiguous": 1, "unrecognised": 2}));
    assert_eq!(v["all_present"], false);

    // The custom node, once config.json names it, resolves.
    let path = w.env.root.join("state/config.json");
    let mut config: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    config["workflow"] = json!({"loaders": [{"node": "MyCustomLoader", "input": "model_file", "kind": "lora"}]});
    fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    let v = w.check(&file, &[]);
    let custom = model(&v, "custom_thing.safetensors");
    assert_eq!((custom["status"].as_str(), custom["kind"].as_str()), (Some("present"), Some("lora")));
    // Other commands still read that config.
    w.env.json(&["ui", "list"]);
}

#[test]
fn the_table_names_status_blob_and_place() {
    let w = world();
    let file = w.write("wf.json", &serde_json::to_vec(&ui_workflow(&w.base)).unwrap());
    let out = w.env.cmd().args(["workflow", "check"]).arg(&file).env("COLUMNS", "200").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} not in\n{text}")).to_owned();
    assert!(text.lines().any(|l| l.starts_with("NAME") && l.contains("STATUS") && l.contains("BLOB") && l.contains("WHERE")), "{text}");
    let base = line("base_xl.safetensors");
    assert!(base.contains("present") && base.contains(&w.base[..12]) && base.contains("hash") && base.contains("local"), "{base}");
    let detail = line("detail.safetensors");
    assert!(detail.contains("on_backup") && detail.contains(&w.detail[..12]) && detail.contains("backup"), "{detail}");
    assert!(line("sdxl_vae.safetensors").contains("huggingface.co"), "{text}");
    assert!(line("canny.safetensors").contains("missing"));
    assert!(line("4x_ultra.pth").contains("2 candidates"));
    assert!(line("strange.safetensors").contains("node SomeoneElsesLoader"));
    assert!(text.contains("7 model(s): 1 present, 1 on a backup target, 1 downloadable, 1 missing, 1 ambiguous, 2 unrecognised"), "{text}");
    let after_up: Vec<&str> = text.lines().skip_while(|l| *l != "4x_ultra.pth").skip(1).take(2).collect();
    assert!(after_up.iter().all(|l| l.trim_start().starts_with("candidate ")), "both candidates of the ambiguous name are listed:\n{text}");
}

#[test]
fn api_png_and_infotext() {
    let w = world();
    let api = json!({
        "3": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base_xl.safetensors"}},
        "4": {"class_type": "LoraLoader", "inputs": {"lora_name": "detail.safetensors", "model": ["3", 0]}},
        "5": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}}
    });
    let file = w.write("api.json", &serde_json::to_vec(&api).unwrap());
    let v = w.check(&file, &[]);
    assert_eq!(v["format"], "comfyui_api");
    assert_eq!(
        statuses(&v),
        pairs(&[("base_xl.safetensors", "present"), ("detail.safetensors", "on_backup"), ("flux1-dev.safetensors", "missing")])
    );
    assert_eq!(model(&v, "flux1-dev.safetensors")["kind"], "diffusion_model");

    // ComfyUI's PNG: the workflow in an iTXt chunk, the prompt in tEXt.
    let ui = serde_json::to_string(&ui_workflow(&w.base)).unwrap();
    let png = png_with(&[("workflow", &ui)], &[("prompt", &serde_json::to_string(&api).unwrap())]);
    let file = w.write("ComfyUI_00001_.png", &png);
    let v = w.check(&file, &[]);
    assert_eq!((v["format"].as_str(), v["from_png"].as_bool()), (Some("comfyui_ui"), Some(true)));
    assert_eq!(v["models"].as_array().unwrap().len(), 7);

    // A1111: Model hash (AutoV2) and Lora hashes (AutoV3), as text and in a PNG.
    let autov2 = w.base[..10].to_uppercase();
    let params = format!(
        "a castle <lora:detail:0.6>\nNegative prompt: fog\nSteps: 25, Sampler: Euler a, Model hash: {autov2}, Model: base_xl, Lora hashes: \"detail: 1234567890ab\", Version: f2.0"
    );
    for file in [w.write("params.txt", params.as_bytes()), w.write("a1111.png", &png_with(&[], &[("parameters", &params)]))] {
        let v = w.check(&file, &[]);
        assert_eq!(v["format"], "infotext");
        assert_eq!(statuses(&v), pairs(&[("base_xl", "present"), ("detail", "on_backup")]));
        assert_eq!(model(&v, "base_xl")["hash"], json!({"value": autov2.to_lowercase(), "algorithm": "auto_v2", "checked": true}));
        let detail = model(&v, "detail");
        assert_eq!(detail["hash"]["algorithm"], "auto_v3");
        assert_eq!(detail["notes"], json!(["matched by name; AutoV3 hash not checked"]));
    }
}

/// A 1×1 PNG: `itxt` chunks before the image data, `text` ones (tEXt) after it.
fn png_with(itxt: &[(&str, &str)], text: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 1, 1);
        enc.set_color(png::ColorType::Grayscale);
        for (k, v) in itxt {
            enc.add_itxt_chunk(k.to_string(), v.to_string()).unwrap();
        }
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&[0]).unwrap();
        for (k, v) in text {
            wr.write_text_chunk(&png::text_metadata::TEXtChunk::new(*k, *v)).unwrap();
        }
        wr.finish().unwrap();
    }
    out
}

#[test]
fn ui_says_what_is_linked() {
    let w = world();
    let comfy = w.env.dir.path().join("ComfyUI");
    fs::create_dir_all(&comfy).unwrap();
    w.env.json(&["ui", "add", "comfy", "--kind", "comfyui", "--path", comfy.to_str().unwrap()]);
    w.env.json(&["use", "Base", "--ui", "comfy"]);
    let wf = json!({"nodes": [
        {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
        {"id": 2, "type": "LoraLoader", "widgets_values": ["custom_thing.safetensors", 1, 1]},
        {"id": 3, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1, 1]}
    ]});
    let file = w.write("wf.json", &serde_json::to_vec(&wf).unwrap());
    let v = w.check(&file, &["--ui", "comfy"]);
    assert_eq!(v["ui"], "comfy");
    let linked: Vec<&Value> = v["models"].as_array().unwrap().iter().map(|m| &m["linked"]).collect();
    assert_eq!(linked, [&json!(true), &json!(false), &Value::Null], "only present models say");

    let out = w.env.cmd().args(["workflow", "check", "--ui", "comfy"]).arg(&file).env("COLUMNS", "200").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().is_some_and(|l| l.contains("/wf.json")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("NAME") && l.ends_with("LINKED")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("base_xl.safetensors") && l.ends_with("yes")), "{text}");
    assert!(text.contains("1 present model(s) not linked into comfy yet"), "{text}");

    w.env.error(&["workflow", "check", file.to_str().unwrap(), "--ui", "nope"], 5, "not_found");
}

#[test]
fn everything_present_and_usage() {
    let w = world();
    let wf = json!({"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "BASE_XL.SAFETENSORS"}}});
    let file = w.write("ok.json", &serde_json::to_vec(&wf).unwrap());
    let v = w.check(&file, &[]);
    assert_eq!(v["all_present"], true, "file names compare case-insensitively");
    let out = w.env.cmd().args(["workflow", "check"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("everything the workflow needs is here"));
    w.env.error(&["workflow", "check"], 2, "invalid_argument");
}

#[test]
fn hostile_files_are_refused_or_sanitised() {
    let w = world();
    let deep = format!("{{\"nodes\": {}{}}}", "[".repeat(1000), "]".repeat(1000));
    let file = w.write("deep.json", deep.as_bytes());
    let err = w.env.error(&["workflow", "check", file.to_str().unwrap()], 1, "invalid_file");
    assert!(err["message"].as_str().unwrap().contains("nested more than"), "{err}");
    assert_eq!(err["details"]["path"], file.to_str().unwrap());

    let big = w.env.dir.path().join("big.png");
    fs::File::create(&big).unwrap().set_len(65 * 1024 * 1024).unwrap();
    let err = w.env.error(&["workflow", "check", big.to_str().unwrap()], 1, "invalid_file");
    assert!(err["message"].as_str().unwrap().contains("larger than 64 MiB"), "{err}");

    let file = w.write("nothing.txt", b"just some words");
    w.env.error(&["workflow", "check", file.to_str().unwrap()], 1, "invalid_file");

    let outside = w.env.dir.path().join("outside");
    let wf = json!({"nodes": [
        {"id": 1, "type": "LoraLoader", "widgets_values": [format!("../../../{}/evil.safetensors", outside.display()), 1, 1]},
        {"id": 2, "type": "CheckpointLoaderSimple", "widgets_values": [w.env.blob_path(&w.base).to_str().unwrap()]}
    ]});
    let file = w.write("evil.json", &serde_json::to_vec(&wf).unwrap());
    let v = w.check(&file, &[]);
    for m in v["models"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        assert!(!name.starts_with('/') && !name.split('/').any(|c| c == ".."), "{name}");
        assert!(m["name_warning"].is_string(), "{m}");
    }
    // A blob's own path is just a name here: compared by its last component, never opened.
    assert_eq!(model(&v, &w.env.blob_path(&w.base).to_str().unwrap()[1..])["status"], "missing");
    assert!(!outside.exists());
    assert_eq!(sha_hex(&fs::read(&file).unwrap()), sha_hex(&serde_json::to_vec(&wf).unwrap()));
}
