//! Fixtures: a store in a temp directory, blobs put straight onto either side,
//! packs written the way the original program writes them.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256 as Hasher};
use synapse_core::inventory::{self, Inventory};
use synapse_core::layout::BackupLayout;
use synapse_core::model::AssetKind;
use synapse_core::schema::ConfigFile;
use synapse_core::{Sha256, Store};
use tempfile::TempDir;

pub fn sha_of(bytes: &[u8]) -> Sha256 {
    Sha256::from_digest(&Hasher::digest(bytes))
}

/// A store at `<tmp>/store` and a (not yet configured) backup folder at `<tmp>/drive`.
pub struct Fixture {
    pub dir: TempDir,
    pub store: Store,
    pub drive: PathBuf,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::init(&dir.path().join("store")).unwrap();
        let drive = dir.path().join("drive");
        Fixture { dir, store, drive }
    }

    /// A store with an enabled, connected backup at `<tmp>/drive`.
    pub fn with_backup() -> Fixture {
        let f = Fixture::new();
        fs::create_dir_all(BackupLayout::new(&f.drive).blobs().root()).unwrap();
        f.configure_backup(true);
        f
    }

    pub fn configure_backup(&self, enabled: bool) {
        let mut c: ConfigFile = self.store.config().unwrap();
        c.backup.enabled = enabled;
        c.backup.path = Some(self.drive.to_string_lossy().into_owned());
        self.store.save_config(&c).unwrap();
    }

    pub fn backup_layout(&self) -> BackupLayout {
        BackupLayout::new(&self.drive)
    }

    /// Simulates unplugging the drive: moves the folder away. Returns the new place.
    pub fn unplug(&self) -> PathBuf {
        let away = self.dir.path().join("drive-unplugged");
        fs::rename(&self.drive, &away).unwrap();
        away
    }

    pub fn replug(&self, away: &Path) {
        fs::rename(away, &self.drive).unwrap();
    }

    fn put(root: &Path, bytes: &[u8]) -> Sha256 {
        let sha = sha_of(bytes);
        let p = root.join(sha.fanout()).join(sha.as_str());
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
        sha
    }

    /// Writes a blob straight into the local store.
    pub fn put_local(&self, bytes: &[u8]) -> Sha256 {
        Self::put(self.store.layout().blobs().root(), bytes)
    }

    /// Writes a blob straight onto the backup drive.
    pub fn put_backup(&self, bytes: &[u8]) -> Sha256 {
        Self::put(self.backup_layout().blobs().root(), bytes)
    }

    pub fn local_path(&self, sha: &Sha256) -> PathBuf {
        self.store.layout().blobs().blob(sha)
    }

    pub fn backup_path(&self, sha: &Sha256) -> PathBuf {
        self.backup_layout().blobs().blob(sha)
    }

    /// Writes `pack.json` + `lock.json` for a pack whose dependencies point at
    /// the given blobs: `(dependency id, blob, kind, size, expose filename)`.
    pub fn write_pack(&self, name: &str, deps: &[(&str, &Sha256, AssetKind, u64, &str)]) {
        let dir = self.store.layout().packs().join(name);
        fs::create_dir_all(&dir).unwrap();
        let pack = json!({
            "schema": "synapse.pack.v2",
            "name": name,
            "pack_type": deps.first().map(|d| d.2.as_str()).unwrap_or("checkpoint"),
            "pack_category": "external",
            "dependencies": deps.iter().map(|(id, _, kind, _, file)| json!({
                "id": id, "kind": kind.as_str(), "required": true,
                "selector": {"strategy": "local_file"},
                "expose": {"filename": file, "trigger_words": []}
            })).collect::<Vec<_>>()
        });
        let lock = json!({
            "schema": "synapse.lock.v2",
            "pack": name,
            "resolved_at": "2026-01-24T08:00:00",
            "resolved": deps.iter().map(|(id, sha, kind, size, file)| json!({
                "dependency_id": id,
                "artifact": {
                    "kind": kind.as_str(), "sha256": sha.as_str(), "size_bytes": size,
                    "provider": {"name": "civitai", "model_id": 1, "version_id": 2, "file_id": 3, "filename": file},
                    "download": {"urls": [format!("https://example.invalid/{id}")]},
                    "integrity": {"sha256_verified": true}
                }
            })).collect::<Vec<_>>(),
            "unresolved": []
        });
        fs::write(dir.join("pack.json"), serde_json::to_vec_pretty(&pack).unwrap()).unwrap();
        fs::write(dir.join("lock.json"), serde_json::to_vec_pretty(&lock).unwrap()).unwrap();
    }

    pub fn inventory(&self) -> Inventory {
        inventory::build(&self.store).unwrap()
    }
}

/// Distinct content for test blobs.
pub use synapse_test_support::content;

/// One blob of every reachable status × location, on a store with a connected
/// backup: Pack A uses the local, both and missing blobs, Pack B the both and
/// backup-only ones.
pub struct Matrix {
    pub f: Fixture,
    pub ref_local: Sha256,
    pub ref_both: Sha256,
    pub ref_backup: Sha256,
    pub missing: Sha256,
    pub orphan_local: Sha256,
    pub orphan_both: Sha256,
    pub orphan_backup: Sha256,
}

pub fn matrix() -> Matrix {
    let f = Fixture::with_backup();
    let ref_local = f.put_local(&content("ref-local", 1000));
    let ref_both = f.put_local(&content("ref-both", 2000));
    f.put_backup(&content("ref-both", 2000));
    let ref_backup = f.put_backup(&content("ref-backup", 3000));
    let missing = sha_of(b"nowhere");
    let orphan_local = f.put_local(&content("orphan-local", 400));
    let orphan_both = f.put_local(&content("orphan-both", 500));
    f.put_backup(&content("orphan-both", 500));
    let orphan_backup = f.put_backup(&content("orphan-backup", 600));
    f.write_pack(
        "Pack A",
        &[
            ("ckpt", &ref_local, AssetKind::Checkpoint, 1000, "a.safetensors"),
            ("vae", &ref_both, AssetKind::Vae, 2000, "vae.safetensors"),
            ("gone", &missing, AssetKind::Lora, 7777, "gone.safetensors"),
        ],
    );
    f.write_pack(
        "Pack B",
        &[("vae-b", &ref_both, AssetKind::Vae, 2000, "vae.safetensors"), ("up", &ref_backup, AssetKind::Upscaler, 3000, "4x.pth")],
    );
    Matrix { f, ref_local, ref_both, ref_backup, missing, orphan_local, orphan_both, orphan_backup }
}
