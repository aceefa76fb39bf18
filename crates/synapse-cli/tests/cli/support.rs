//! The harness: a store in a temp directory driven through the real binary,
//! plus fixtures that put files where an interrupted or foreign program would.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// Path of the binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_synapse"))
}

/// `synapse --root <root>` with a short lock wait and no inherited root.
pub fn synapse(root: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("--root").arg(root).env("SYNAPSE_LOCK_WAIT_MS", "300").env_remove("SYNAPSE_ROOT").env("NO_COLOR", "1");
    c
}

pub fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Distinct content of a given length.
pub use synapse_test_support::content;

/// A store at `<tmp>/store` (initialised through the CLI), source files in
/// `<tmp>/src`, and a backup folder at `<tmp>/drive` (configured on demand).
pub struct Env {
    pub dir: TempDir,
    pub root: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let env = Env { dir, root };
        env.cmd().arg("init").assert().success();
        env
    }

    pub fn cmd(&self) -> Command {
        synapse(&self.root)
    }

    /// Runs `synapse --json <args>`, expects exit 0 and returns stdout as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd().arg("--json").args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?} failed ({:?}): {stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON value ({e}): {stdout}"))
    }

    /// Runs `synapse --json <args>`, expects exit `code` and returns stdout as JSON.
    pub fn json_exit(&self, args: &[&str], code: i32) -> Value {
        let out = self.cmd().arg("--json").args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON value ({e}): {stdout}"))
    }

    /// Like [`Env::json_exit`] for a failure: checks the error shape and its code.
    pub fn error(&self, args: &[&str], exit: i32, code: &str) -> Value {
        let v = self.json_exit(args, exit);
        let err = v.get("error").unwrap_or_else(|| panic!("{args:?}: no error object in {v}"));
        assert_eq!(err["code"], code, "{args:?}: {v}");
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert!(err["details"].is_object(), "{v}");
        assert_eq!(v.as_object().unwrap().len(), 1, "only the error on stdout: {v}");
        err.clone()
    }

    /// Writes a source file to adopt.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join("src").join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }

    /// `pack create <name> <files>` through the CLI; returns the blob hashes in order.
    pub fn pack(&self, name: &str, files: &[(&str, &[u8])], kind: Option<&str>) -> Vec<String> {
        let paths: Vec<String> = files.iter().map(|(n, b)| self.file(n, b).to_string_lossy().into_owned()).collect();
        let mut args = vec!["pack", "create", name];
        args.extend(paths.iter().map(String::as_str));
        if let Some(k) = kind {
            args.extend(["--kind", k]);
        }
        let v = self.json(&args);
        v["added"].as_array().unwrap().iter().map(|a| a["sha256"].as_str().unwrap().to_owned()).collect()
    }

    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("data/blobs/sha256")
    }

    pub fn blob_path(&self, sha: &str) -> PathBuf {
        self.blobs_dir().join(&sha[..2]).join(sha)
    }

    /// A blob put straight into the store, used by no pack.
    pub fn orphan(&self, bytes: &[u8]) -> String {
        let sha = sha_hex(bytes);
        put(&self.blobs_dir(), &sha, bytes);
        sha
    }

    /// A file under a blob name of our choosing (the content does not match).
    pub fn fake_blob(&self, name: &str, bytes: &[u8]) {
        put(&self.blobs_dir(), name, bytes);
    }

    pub fn drive(&self) -> PathBuf {
        self.dir.path().join("drive")
    }

    pub fn backup_blobs_dir(&self) -> PathBuf {
        self.drive().join(".synapse/store/data/blobs/sha256")
    }

    pub fn backup_blob_path(&self, sha: &str) -> PathBuf {
        self.backup_blobs_dir().join(&sha[..2]).join(sha)
    }

    /// Enables a connected backup at `<tmp>/drive` by editing config.json.
    pub fn enable_backup(&self) {
        fs::create_dir_all(self.backup_blobs_dir()).unwrap();
        let path = self.root.join("state/config.json");
        let mut config: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        config["backup"] = json!({
            "enabled": true,
            "path": self.drive(),
            "auto_backup_new": false,
            "warn_before_delete_last_copy": true
        });
        fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    }

    /// Copies a local blob onto the backup drive.
    pub fn copy_to_backup(&self, sha: &str) {
        let bytes = fs::read(self.blob_path(sha)).unwrap();
        put(&self.backup_blobs_dir(), sha, &bytes);
    }

    /// A blob that exists only on the backup drive.
    pub fn backup_only(&self, bytes: &[u8]) -> String {
        let sha = sha_hex(bytes);
        put(&self.backup_blobs_dir(), &sha, bytes);
        sha
    }

    /// Makes a pack unreadable.
    pub fn break_pack(&self, name: &str) {
        let dir = self.root.join("state/packs").join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("pack.json"), b"{ not json").unwrap();
    }

    /// The inventory items as JSON, keyed by nothing: the raw array.
    pub fn items(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["inventory"];
        args.extend_from_slice(extra);
        self.json(&args)["items"].as_array().unwrap().clone()
    }

    pub fn item(&self, sha: &str) -> Value {
        self.items(&[]).into_iter().find(|i| i["sha256"] == sha).unwrap_or_else(|| panic!("{sha} not in the inventory"))
    }

    /// Every regular file below `dir`, recursively.
    pub fn files_under(dir: &Path) -> Vec<PathBuf> {
        synapse_test_support::files_under(dir)
    }
}

fn put(blobs: &Path, name: &str, bytes: &[u8]) {
    let p = blobs.join(&name[..2]).join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// Replaces every 64-hex hash and the temp dir in `text` for snapshots.
pub fn normalise(text: &str, tmp: &Path) -> String {
    let text = text.replace(&tmp.to_string_lossy().into_owned(), "[tmp]");
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()).count();
        if run == 64 {
            out.push_str("[sha256]");
            i += 64;
        } else if run > 0 {
            out.push_str(&text[i..i + run]);
            i += run;
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}
