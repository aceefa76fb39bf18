//! Every `--json` result shape, pinned on the demo store (SPEC §5: the shapes
//! are the contract scripts rely on). A snapshot holds the shape, not the
//! values: every object with its keys in order, every value replaced by its
//! type (`"string"`, `0`, `true`, `null`), every array by the shape of its
//! first element. Paths, times and hashes cannot make it flaky; a field added,
//! removed, renamed or retyped shows up as a snapshot change to review.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::synapse;

/// The shape of a JSON value (see the module docs).
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Bool(_) => json!(true),
        Value::Number(_) => json!(0),
        Value::String(_) => json!("string"),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
    }
}

struct Demo {
    dir: tempfile::TempDir,
    store: PathBuf,
}

impl Demo {
    fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().join("demo");
        let out = synapse(&dir.path().join("unused")).args(["--json", "demo"]).arg(&demo).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        Demo { store: demo.join("store"), dir }
    }

    /// Runs `synapse --json <args>` on the demo store; the parsed stdout.
    fn json(&self, args: &[&str]) -> Value {
        let out = synapse(&self.store).arg("--json").args(args).output().unwrap();
        assert!(matches!(out.status.code(), Some(0) | Some(1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_json_result_shape_on_the_demo_store() {
    let d = Demo::new();
    let page = d.json(&["inventory", "--limit", "1000"]);
    let items = page["items"].as_array().unwrap();
    let with = |status: &str| items.iter().find(|i| i["status"] == status).unwrap()["sha256"].as_str().unwrap().to_owned();
    let referenced = with("referenced");
    let orphan = with("orphan");
    let packs = d.json(&["pack", "list"]);
    let pack = packs["packs"][0]["name"].as_str().unwrap().to_owned();
    let models = d.path("models/loras");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join("new.safetensors"), b"a model to adopt").unwrap();
    let comfy = d.path("ComfyUI");
    std::fs::create_dir_all(comfy.join("models")).unwrap();
    let package = d.path("package");

    let mut shapes = serde_json::Map::new();
    let mut pin = |name: &str, v: Value| {
        shapes.insert(name.to_owned(), shape(&v));
    };
    pin("inventory", page.clone());
    pin("inventory --summary", d.json(&["inventory", "--summary"]));
    pin("inventory show", d.json(&["inventory", "show", &referenced]));
    pin("inventory impacts", d.json(&["inventory", "impacts", &referenced]));
    pin("inventory cleanup", d.json(&["inventory", "cleanup"]));
    pin("inventory verify", d.json(&["inventory", "verify", &referenced]));
    pin("backup status", d.json(&["backup", "status"]));
    pin("backup sync", d.json(&["backup", "sync"]));
    pin("backup pack-status", d.json(&["backup", "pack-status", &pack]));
    pin("backup push --free", d.json(&["backup", "push", &pack, "--free"]));
    pin("backup pull", d.json(&["backup", "pull", &pack]));
    pin("backup state-status", d.json(&["backup", "state-status"]));
    pin("backup state-sync", d.json(&["backup", "state-sync"]));
    pin("backup blob", d.json(&["backup", "blob", &orphan]));
    pin("pack list", packs.clone());
    pin("pack show", d.json(&["pack", "show", &pack]));
    pin("doctor", d.json(&["doctor"]));
    pin("adopt", d.json(&["adopt", s(&models)]));
    pin("ui add", d.json(&["ui", "add", "comfy", "--kind", "comfyui", "--path", s(&comfy)]));
    pin("ui list", d.json(&["ui", "list"]));
    let workflow = d.path("workflow.json");
    let first = items.iter().find(|i| i["on_local"] == true).unwrap();
    let wf = json!({"nodes": [{"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": [first["display_name"]],
        "properties": {"models": [{"name": first["display_name"], "url": "https://example.invalid/m", "hash": first["sha256"], "hash_type": "sha256", "directory": "checkpoints"}]}}]});
    std::fs::write(&workflow, serde_json::to_vec(&wf).unwrap()).unwrap();
    pin("workflow check", d.json(&["workflow", "check", s(&workflow), "--ui", "comfy"]));
    pin("workflow use", d.json(&["workflow", "use", s(&workflow), "--ui", "comfy"]));
    pin("use --dry-run", d.json(&["use", &pack, "--ui", "comfy", "--dry-run"]));
    pin("unuse --dry-run", d.json(&["unuse", &pack, "--dry-run"]));
    pin("package export", d.json(&["package", "export", &pack, "--out", s(&package)]));
    pin("package validate", d.json(&["package", "validate", s(&package)]));
    pin("package import", d.json(&["package", "import", s(&package)]));
    pin("backup sync --all", d.json(&["backup", "sync", "--all"]));
    pin("scrub", d.json(&["scrub", "--budget", "10GB"]));
    pin("target list", d.json(&["target", "list"]));
    pin("target policy", d.json(&["target", "policy"]));
    pin("whereis", d.json(&["whereis", &referenced]));
    let spare = d.path("spare-drive");
    pin("target add", d.json(&["target", "add", "spare", "--path", s(&spare)]));
    pin("target rename", d.json(&["target", "rename", "spare", "spare2"]));
    pin("target remove", d.json(&["target", "remove", "spare2"]));
    pin("inventory delete", d.json(&["inventory", "delete", &orphan, "--target", "backup"]));
    pin("workflow use --yes", d.json(&["--yes", "workflow", "use", s(&workflow), "--ui", "comfy"]));
    pin("workflow pack", d.json(&["workflow", "pack", s(&workflow), "--name", "Workflow pack"]));
    // identify (SPEC §3.14) against a stand-in of Civitai, and the item it leaves with metadata.
    let stub = crate::civitai_stub::Stub::start();
    let img = stub.url("/img/p.png");
    stub.on_path("/img/p.png", vec![crate::civitai_stub::Reply::Bytes("image/png", crate::civitai_stub::png_bytes())]);
    stub.on_hash(
        &orphan,
        vec![crate::civitai_stub::Reply::Json(crate::civitai_stub::found(&orphan, 5, "Demo", "LORA", "v1", "SDXL 1.0", &[img]))],
    );
    let identified = synapse(&d.store)
        .env("SYNAPSE_CIVITAI_URL", &stub.base)
        .env_remove("CIVITAI_API_KEY")
        .args(["--json", "identify", "--refresh", &orphan])
        .output()
        .unwrap();
    assert_eq!(identified.status.code(), Some(0), "{}", String::from_utf8_lossy(&identified.stderr));
    pin("identify", serde_json::from_slice(&identified.stdout).unwrap());
    pin("inventory show (identified)", d.json(&["inventory", "show", &orphan]));
    insta::assert_json_snapshot!("json_shapes", Value::Object(shapes));
}
