//! AutoV3 hashes (SPEC §3.15): the SHA-256 of a safetensors file's bytes
//! after its header (A1111's "addnet" hash, Civitai's AutoV3), whose first 12
//! hex characters A1111 writes as `Lora hashes` into an image's infotext.
//!
//! Hashing a LoRA again costs a read of the file, so each blob's AutoV3 is
//! computed once and kept in `data/cache/autov3.json` (`{sha256: autov3}`; a
//! blob's bytes never change, so an entry never goes stale, and a lost file
//! only costs the hashing again). The workflow resolver asks for the blobs it
//! considers; nothing else hashes for it.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use sha2::{Digest, Sha256 as Hasher};

use crate::blob::blobs::{self, BlobAt};
use crate::error::Result;
use crate::ids::Sha256;
use crate::store::layout::StoreLayout;

/// The largest safetensors header Synapse reads past (the format allows 100 MB).
const MAX_HEADER: u64 = 100 << 20;

/// The record of AutoV3 hashes computed so far.
#[derive(Debug, Default)]
pub struct AutoV3 {
    known: BTreeMap<String, String>,
    changed: bool,
}

impl AutoV3 {
    fn path(layout: &StoreLayout) -> std::path::PathBuf {
        layout.cache().join("autov3.json")
    }

    /// The record as saved (empty when there is none or it cannot be read: a cache).
    pub fn load(layout: &StoreLayout) -> AutoV3 {
        let known = layout.tree().and_then(|t| t.read_json(&Self::path(layout))).unwrap_or_default();
        AutoV3 { known, changed: false }
    }

    /// The AutoV3 of local blob `sha` (full hex), computed now if it is not
    /// known yet; `None` for a blob that is not a local safetensors file.
    pub fn of(&mut self, layout: &StoreLayout, sha: &Sha256) -> Option<String> {
        if let Some(h) = self.known.get(sha.as_str()) {
            return Some(h.clone());
        }
        let h = compute(layout, sha).ok().flatten()?;
        self.known.insert(sha.to_string(), h.clone());
        self.changed = true;
        Some(h)
    }

    /// The blobs already known to have an AutoV3 starting with `prefix` (lower-case hex).
    pub(crate) fn known_with_prefix(&self, prefix: &str) -> Vec<Sha256> {
        self.known.iter().filter(|(_, h)| h.starts_with(prefix)).filter_map(|(s, _)| Sha256::parse(s).ok()).collect()
    }

    /// Saves what was computed (a cache: a failure only costs hashing again).
    pub fn save(&self, layout: &StoreLayout) {
        if self.changed {
            let path = Self::path(layout);
            let _ = layout.tree().and_then(|t| {
                t.mkdirs(&layout.cache())?;
                t.write_json_atomic(&path, &self.known)
            });
        }
    }
}

/// Hashes the bytes of local blob `sha` after its safetensors header, read
/// through the store's tree (never through a link). `None` when the blob is
/// not a regular local file or not a safetensors file.
pub(crate) fn compute(layout: &StoreLayout, sha: &Sha256) -> Result<Option<String>> {
    let dir = layout.blobs();
    if !matches!(blobs::stat(&dir, sha)?, BlobAt::File(_)) {
        return Ok(None);
    }
    let path = dir.blob(sha);
    let mut f = layout.tree()?.open_read(&path)?;
    let size = f.metadata().map_err(crate::Error::io("stat", &path))?.len();
    let mut len = [0u8; 8];
    if f.read_exact(&mut len).is_err() {
        return Ok(None);
    }
    let header = u64::from_le_bytes(len);
    if !(2..=MAX_HEADER).contains(&header) || header > size.saturating_sub(8) {
        return Ok(None);
    }
    let mut first = [0u8; 1];
    f.read_exact(&mut first).map_err(crate::Error::io("read", &path))?;
    if first[0] != b'{' {
        return Ok(None);
    }
    f.seek(SeekFrom::Start(8 + header)).map_err(crate::Error::io("seek", &path))?;
    let mut hasher = Hasher::new();
    let mut buf = vec![0u8; blobs::CHUNK];
    loop {
        let n = f.read(&mut buf).map_err(crate::Error::io("read", &path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(Some(Sha256::from_digest(&hasher.finalize()).to_string()))
}
