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
        assert_eq!(
            detail["notes"],
            json!(["matched by name; AutoV3 hash not checked: the file is not on this disk (restore it to check)"])
        );
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

// ---------------------------------------------------------------------------
// workflow use and workflow pack
// ---------------------------------------------------------------------------

mod using {
    use std::fs;
    use std::net::TcpListener;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};
    use synapse_test_support::http::{self, Reply};

    use crate::support::{content, sha_hex, Env};

    /// The shared test server's URL (all these tests need of it).
    fn serve(replies: Vec<Reply>) -> String {
        http::serve(replies).url
    }

    /// A store with a backup drive and a ComfyUI target: `base_xl.safetensors`
    /// local, `detail.safetensors` only on the backup drive.
    struct Scene {
        env: Env,
        comfy: PathBuf,
        base: String,
        detail: String,
    }

    fn scene() -> Scene {
        let env = Env::new();
        env.enable_backup();
        let base = env.pack("Base", &[("base_xl.safetensors", &content("base", 1000))], Some("checkpoint")).remove(0);
        let detail = env.pack("Detail", &[("detail.safetensors", &content("detail", 800))], Some("lora")).remove(0);
        env.copy_to_backup(&detail);
        fs::remove_file(env.blob_path(&detail)).unwrap();
        let comfy = env.dir.path().join("ComfyUI");
        fs::create_dir_all(&comfy).unwrap();
        env.json(&["ui", "add", "comfy", "--kind", "comfyui", "--path", comfy.to_str().unwrap()]);
        Scene { env, comfy, base, detail }
    }

    impl Scene {
        fn write(&self, name: &str, v: &Value) -> PathBuf {
            let p = self.env.dir.path().join(name);
            fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
            p
        }

        fn models(&self) -> PathBuf {
            self.comfy.join("models")
        }

        fn blob(&self, sha: &str) -> PathBuf {
            self.env.blob_path(sha).canonicalize().unwrap()
        }
    }

    fn s(p: &Path) -> &str {
        p.to_str().unwrap()
    }

    fn steps(plan: &Value) -> Vec<(String, String)> {
        plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["name"].as_str().unwrap().to_owned(), i["step"].as_str().unwrap().to_owned()))
            .collect()
    }

    /// Every path below `dir` (links not followed), with what it is.
    fn tree(dir: &Path) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = fs::read_dir(&d) else { continue };
            for e in entries.flatten() {
                let p = e.path();
                let m = fs::symlink_metadata(&p).unwrap();
                let what = if m.is_symlink() {
                    format!("link {}", fs::read_link(&p).unwrap().display())
                } else if m.is_dir() {
                    stack.push(p.clone());
                    "dir".to_owned()
                } else {
                    format!("file {}", m.len())
                };
                out.push((p, what));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn use_restores_one_model_downloads_another_and_links_them_as_the_workflow_names_them() {
        let sc = scene();
        let vae = content("vae", 3000);
        let url = serve(vec![Reply::Serve(vae.clone())]);
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["SDXL/detail.safetensors", 1, 1]},
            {"id": 3, "type": "VAELoader", "widgets_values": ["sdxl_vae.safetensors"],
             "properties": {"models": [{"name": "sdxl_vae.safetensors", "url": url, "hash": sha_hex(&vae), "hash_type": "SHA256"}]}}
        ]});
        let file = sc.write("flow.json", &wf);

        // Without --yes: the plan, exit 0, nothing changed.
        let plan = sc.env.json(&["workflow", "use", s(&file), "--ui", "comfy"]);
        assert_eq!(
            steps(&plan),
            [
                ("base_xl.safetensors".to_owned(), "link".to_owned()),
                ("SDXL/detail.safetensors".to_owned(), "restore".to_owned()),
                ("sdxl_vae.safetensors".to_owned(), "download".to_owned())
            ]
        );
        let host = url.split('/').nth(2).unwrap();
        assert_eq!(plan["hosts"], json!([host]));
        assert_eq!(plan["items"][2]["download"]["check"], "sha256");
        assert_eq!(plan["bytes_to_restore"], 800);
        assert_eq!(plan["runnable"], true);
        assert!(!sc.models().exists(), "a dry run makes nothing");
        assert!(!sc.env.blob_path(&sc.detail).exists());
        let human = sc.env.cmd().args(["workflow", "use", s(&file), "--ui", "comfy"]).output().unwrap();
        let text = String::from_utf8_lossy(&human.stdout);
        assert!(text.contains(host) && text.contains("dry run") && text.contains("--yes"), "{text}");

        let r = sc.env.json(&["--yes", "workflow", "use", s(&file), "--ui", "comfy"]);
        assert_eq!(r["complete"], true, "{r}");
        assert_eq!(r["restored"][0]["sha256"], sc.detail.as_str());
        assert_eq!(r["downloaded"][0]["sha256"], sha_hex(&vae));
        assert_eq!(r["downloaded"][0]["verified"], true);
        let m = sc.models();
        assert_eq!(fs::read_link(m.join("checkpoints/base_xl.safetensors")).unwrap(), sc.blob(&sc.base));
        assert_eq!(fs::read_link(m.join("loras/SDXL/detail.safetensors")).unwrap(), sc.blob(&sc.detail));
        assert_eq!(fs::read(m.join("vae/sdxl_vae.safetensors")).unwrap(), vae);

        // Known to the rest of Synapse: check says linked, ui list counts them, unuse removes them.
        let c = sc.env.json(&["workflow", "check", s(&file), "--ui", "comfy"]);
        assert_eq!(c["all_present"], true, "{c}");
        let l = sc.env.json(&["ui", "list"]);
        assert_eq!(l["ui_targets"][0]["active_links"], 3, "{l}");
        let u = sc.env.json(&["unuse", "workflow:flow.json"]);
        assert_eq!(u["removed"].as_array().unwrap().len(), 3, "{u}");
        assert!(!m.join("loras/SDXL").exists());
    }

    #[test]
    fn kill_9_mid_download_leaves_no_half_made_link_and_a_rerun_finishes() {
        let sc = scene();
        let big = content("big vae", 2 << 20);
        let sha = sha_hex(&big);
        let url = serve(vec![Reply::Slow(big.clone()), Reply::Serve(big.clone())]);
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "VAELoader", "widgets_values": ["XL/big_vae.safetensors"],
             "properties": {"models": [{"name": "XL/big_vae.safetensors", "url": url, "hash": sha, "hash_type": "SHA256"}]}}
        ]});
        let file = sc.write("slow.json", &wf);
        let part = sc.env.root.join("data/tmp").join(format!("{sha}.download.part"));
        let mut child = std::process::Command::new(crate::support::bin())
            .arg("--root")
            .arg(&sc.env.root)
            .env("SYNAPSE_LOCK_WAIT_MS", "300")
            .env_remove("SYNAPSE_ROOT")
            .args(["--yes", "--quiet", "workflow", "use", s(&file), "--ui", "comfy"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while fs::metadata(&part).map(|m| m.len()).unwrap_or(0) < 64 * 1024 {
            assert!(started.elapsed() < Duration::from_secs(30), "the download never started");
            assert!(child.try_wait().unwrap().is_none(), "the command ended before it was killed");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let link = sc.models().join("vae/XL/big_vae.safetensors");
        assert!(fs::symlink_metadata(&link).is_err(), "no link to a blob that is not there");
        assert!(!sc.env.blob_path(&sha).exists(), "no half blob");
        let had = fs::metadata(&part).unwrap().len();
        assert!(had > 0 && had < big.len() as u64);
        // Links are made after every download: the checkpoint's is not there either, or it is whole.
        let ckpt = sc.models().join("checkpoints/base_xl.safetensors");
        assert!(fs::read_link(&ckpt).map(|t| t == sc.blob(&sc.base)).unwrap_or(true));

        // The store lock died with the process; a re-run resumes and finishes.
        let r = sc.env.json(&["--yes", "workflow", "use", s(&file), "--ui", "comfy"]);
        assert_eq!(r["complete"], true, "{r}");
        assert!(r["downloaded"][0]["resumed_from"].as_u64().unwrap() >= had, "{r}");
        assert_eq!(fs::read(&link).unwrap(), big);
        assert!(!part.exists());
    }

    #[test]
    fn a_saved_plan_applied_after_the_store_changed_skips_the_item_with_its_reason() {
        let sc = scene();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1, 1]}
        ]});
        let file = sc.write("race.json", &wf);
        // A bare file name: the plan lands in the current directory.
        let out = sc
            .env
            .cmd()
            .current_dir(sc.env.dir.path())
            .args(["--json", "workflow", "use", s(&file), "--ui", "comfy", "--save-plan", "plan.json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let saved = sc.env.dir.path().join("plan.json");
        assert!(saved.is_file());

        // Meanwhile the user puts a file of their own where the checkpoint's link would go.
        fs::create_dir_all(sc.models().join("checkpoints")).unwrap();
        fs::write(sc.models().join("checkpoints/base_xl.safetensors"), b"mine").unwrap();
        let r = sc.env.json(&["workflow", "use", s(&file), "--apply", s(&saved)]);
        assert_eq!(r["skipped"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["skipped"][0]["name"], "base_xl.safetensors");
        assert!(r["skipped"][0]["reason"].as_str().unwrap().contains("already at"), "{r}");
        assert_eq!(r["linked"].as_array().unwrap().len(), 1, "the other model went ahead: {r}");
        assert_eq!(fs::read(sc.models().join("checkpoints/base_xl.safetensors")).unwrap(), b"mine");

        // A plan is for its own workflow file.
        let other = sc.write("other.json", &wf);
        sc.env.error(&["workflow", "use", s(&other), "--apply", s(&saved)], 2, "invalid_argument");
        // Without --ui and without a plan: a usage error.
        sc.env.cmd().args(["workflow", "use", s(&file)]).assert().code(2);
    }

    #[test]
    fn a_failed_download_is_exit_1_and_the_rest_goes_ahead() {
        let sc = scene();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        // A port nobody listens on: the connection is refused.
        let dead = format!("http://{}/gone.safetensors", listener.local_addr().unwrap());
        drop(listener);
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
            {"id": 2, "type": "VAELoader", "widgets_values": ["gone.safetensors"],
             "properties": {"models": [{"name": "gone.safetensors", "url": dead}]}}
        ]});
        let file = sc.write("fails.json", &wf);
        let r = sc.env.json_exit(&["--yes", "workflow", "use", s(&file), "--ui", "comfy"], 1);
        assert_eq!(r["failed"][0]["name"], "gone.safetensors", "{r}");
        assert!(r["failed"][0]["reason"].as_str().unwrap().contains("refused"), "{r}");
        assert_eq!(r["linked"].as_array().unwrap().len(), 1, "the checkpoint was linked: {r}");
        assert_eq!(r["complete"], false);
        let out = sc.env.cmd().args(["--yes", "workflow", "use", s(&file), "--ui", "comfy"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("could not be fetched"), "{}", String::from_utf8_lossy(&out.stderr));
    }

    #[test]
    fn a_clash_refuses_the_apply_with_exit_3() {
        let sc = scene();
        fs::create_dir_all(sc.models().join("loras")).unwrap();
        fs::write(sc.models().join("loras/detail.safetensors"), b"someone else's").unwrap();
        let wf = json!({"nodes": [{"id": 1, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1, 1]}]});
        let file = sc.write("clash.json", &wf);
        let plan = sc.env.json(&["workflow", "use", s(&file), "--ui", "comfy"]);
        assert_eq!(steps(&plan), [("detail.safetensors".to_owned(), "clash".to_owned())]);
        sc.env.error(&["--yes", "workflow", "use", s(&file), "--ui", "comfy"], 3, "name_clash");
        assert!(!sc.env.blob_path(&sc.detail).exists(), "nothing restored");
        assert_eq!(fs::read(sc.models().join("loras/detail.safetensors")).unwrap(), b"someone else's");
    }

    #[test]
    fn a_hostile_workflow_never_writes_outside_the_ui_folder() {
        let sc = scene();
        let outside = sc.env.dir.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::create_dir_all(sc.models().join("checkpoints")).unwrap();
        std::os::unix::fs::symlink(&outside, sc.models().join("checkpoints/sub")).unwrap();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["../../../outside/base_xl.safetensors"]},
            {"id": 2, "type": "CheckpointLoaderSimple", "widgets_values": ["/etc/base_xl.safetensors"]},
            {"id": 3, "type": "CheckpointLoaderSimple", "widgets_values": ["sub/base_xl.safetensors"]},
            {"id": 4, "type": "LoraLoader", "widgets_values": ["..\\..\\detail.safetensors", 1, 1]}
        ]});
        let file = sc.write("evil.json", &wf);
        let before = tree(sc.env.dir.path());
        let plan = sc.env.json(&["workflow", "use", s(&file), "--ui", "comfy"]);
        assert!(steps(&plan).iter().all(|(_, st)| st == "not_doable"), "{plan}");
        assert_eq!(plan["runnable"], false);
        let r = sc.env.json(&["--yes", "workflow", "use", s(&file), "--ui", "comfy"]);
        assert_eq!(r["not_doable"].as_array().unwrap().len(), 4, "{r}");
        assert!(r["linked"].as_array().unwrap().is_empty());
        let after: Vec<_> = tree(sc.env.dir.path()).into_iter().filter(|(p, _)| !p.starts_with(&sc.env.root)).collect();
        let before: Vec<_> = before.into_iter().filter(|(p, _)| !p.starts_with(&sc.env.root)).collect();
        assert_eq!(after, before, "nothing written outside the store");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_workflow_pack_is_read_by_pack_list_and_show_and_pins_the_blobs() {
        let sc = scene();
        let wf = json!({"nodes": [
            {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["XL/base_xl.safetensors"]},
            {"id": 2, "type": "LoraLoader", "widgets_values": ["detail.safetensors", 1, 1]}
        ]});
        let file = sc.write("flow.json", &wf);
        let r = sc.env.json(&["workflow", "pack", s(&file), "--name", "Flow"]);
        assert_eq!(r["pinned"].as_array().unwrap().len(), 2, "{r}");
        assert_eq!(r["workflow_file"], "workflows/flow.json");
        let list = sc.env.json(&["pack", "list"]);
        let pack = list["packs"].as_array().unwrap().iter().find(|p| p["name"] == "Flow").unwrap_or_else(|| panic!("{list}"));
        assert_eq!(pack["pack_type"], "workflow");
        let show = sc.env.json(&["pack", "show", "Flow"]);
        let blobs: Vec<&str> = show["blobs"].as_array().unwrap().iter().map(|b| b["sha256"].as_str().unwrap()).collect();
        assert_eq!(blobs, [sc.base.as_str(), sc.detail.as_str()], "{show}");
        let dir = sc.env.root.join("state/packs/Flow");
        assert_eq!(fs::read(dir.join("workflows/flow.json")).unwrap(), fs::read(&file).unwrap());
        let lock: Value = serde_json::from_slice(&fs::read(dir.join("lock.json")).unwrap()).unwrap();
        assert_eq!(lock["resolved"][0]["artifact"]["sha256"], sc.base.as_str());
        assert_eq!(lock["resolved"][1]["artifact"]["size_bytes"], 800);
        let human = sc.env.cmd().args(["pack", "show", "Flow"]).output().unwrap();
        assert!(String::from_utf8_lossy(&human.stdout).contains("XL/base_xl.safetensors"));

        sc.env.error(&["workflow", "pack", s(&file), "--name", "Flow"], 1, "already_exists");
        let partial = sc.write(
            "partial.json",
            &json!({"nodes": [
                {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["base_xl.safetensors"]},
                {"id": 2, "type": "VAELoader", "widgets_values": ["nowhere.safetensors"]}
            ]}),
        );
        let e = sc.env.error(&["workflow", "pack", s(&partial), "--name", "Partial"], 5, "not_found");
        assert!(e["message"].as_str().unwrap().contains("nowhere.safetensors"), "{e}");
        assert!(!sc.env.root.join("state/packs/Partial").exists());
        let out = sc.env.cmd().args(["workflow", "pack", s(&partial), "--name", "Partial"]).output().unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-missing"), "the CLI names the flag");
        let r = sc.env.json(&["workflow", "pack", s(&partial), "--name", "Partial", "--allow-missing"]);
        assert_eq!(r["not_pinned"][0]["name"], "nowhere.safetensors");
        assert_eq!(r["not_pinned"][0]["status"], "missing");
        sc.env.error(&["workflow", "pack", s(&partial), "--name", "../x"], 2, "invalid_argument");
    }
}
