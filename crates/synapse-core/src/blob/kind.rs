//! Guessing an asset's kind from a safetensors header, for blobs no lock or
//! manifest describes. Cheap: reads the 8-byte length and the JSON header only.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};

use crate::vocab::AssetKind;

/// Headers larger than this are not read (real ones are well under 10 MB).
const MAX_HEADER: u64 = 64 << 20;

/// Reads the safetensors JSON header of a file, if it is one.
pub(crate) fn read_safetensors_header(path: &Path) -> Option<Map<String, Value>> {
    header_of(File::open(path).ok()?)
}

/// The safetensors header of an opened file.
fn header_of(mut f: File) -> Option<Map<String, Value>> {
    let mut len = [0u8; 8];
    f.read_exact(&mut len).ok()?;
    let len = u64::from_le_bytes(len);
    if !(2..=MAX_HEADER).contains(&len) || len > f.metadata().ok()?.len().saturating_sub(8) {
        return None;
    }
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf).ok()?;
    if buf.first() != Some(&b'{') {
        return None;
    }
    match serde_json::from_slice(&buf).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The kind a safetensors file most likely is, from its tensor names and metadata.
pub(crate) fn kind_from_safetensors(path: &Path) -> Option<AssetKind> {
    read_safetensors_header(path).map(|h| classify_header(&h))
}

/// What the headers of blobs said, kept in `data/cache/kinds.json`
/// (`{sha256: kind}`) so that the inventory reads a blob's header once, not
/// on every build: a blob's bytes never change under its name, so an entry
/// never goes stale, and a lost file only costs the reading again. A blob
/// that opened but is no safetensors file is recorded as `unknown`.
#[derive(Debug, Default)]
pub struct KindCache {
    known: std::collections::BTreeMap<String, AssetKind>,
    found: std::sync::Mutex<Vec<(String, AssetKind)>>,
}

impl KindCache {
    /// The record as saved (empty when there is none or it cannot be read).
    pub fn load(layout: &crate::layout::StoreLayout) -> KindCache {
        let known = layout.tree().and_then(|t| t.read_json(&layout.kinds_cache())).unwrap_or_default();
        KindCache { known, found: Default::default() }
    }

    /// The kind blob `sha`'s header says, read through `tree` at `path` unless recorded.
    pub fn of(&self, sha: &crate::ids::Sha256, tree: &crate::tree::Tree, path: &Path) -> Option<AssetKind> {
        let kind = match self.known.get(sha.as_str()) {
            Some(k) => *k,
            None => {
                // Not recorded when the file cannot be opened now: that says nothing of its bytes.
                let f = tree.open_read(path).ok()?;
                let k = header_of(f).map(|h| classify_header(&h)).unwrap_or(AssetKind::Unknown);
                self.found.lock().unwrap_or_else(|e| e.into_inner()).push((sha.to_string(), k));
                k
            }
        };
        (kind != AssetKind::Unknown).then_some(kind)
    }

    /// Saves what was read since the load (a cache: a failure only costs reading again).
    pub fn save(self, layout: &crate::layout::StoreLayout) {
        let found = self.found.into_inner().unwrap_or_else(|e| e.into_inner());
        if found.is_empty() {
            return;
        }
        let mut known = self.known;
        known.extend(found);
        let path = layout.kinds_cache();
        let _ = layout.tree().and_then(|t| {
            t.mkdirs(&layout.cache())?;
            t.write_json_atomic(&path, &known)
        });
    }
}

/// Classifies a parsed header.
pub(crate) fn classify_header(header: &Map<String, Value>) -> AssetKind {
    if let Some(meta) = header.get("__metadata__").and_then(Value::as_object) {
        let get = |k: &str| meta.get(k).and_then(Value::as_str).unwrap_or("");
        if get("ss_network_module").contains("lora") || get("modelspec.architecture").contains("/lora") {
            return AssetKind::Lora;
        }
        if get("modelspec.architecture").contains("textual-inversion") {
            return AssetKind::Embedding;
        }
    }
    let keys: Vec<&str> = header.keys().filter(|k| *k != "__metadata__").map(String::as_str).collect();
    let any = |needle: &str| keys.iter().any(|k| k.contains(needle));
    let any_prefix = |p: &str| keys.iter().any(|k| k.starts_with(p));
    if any("lora_up") || any("lora_down") || any("lora_A") || any("lora_B") || any_prefix("lora_unet_") || any_prefix("lora_te") {
        AssetKind::Lora
    } else if any_prefix("control_model.") || any_prefix("controlnet_") || any("controlnet_cond_embedding") {
        AssetKind::Controlnet
    } else if any_prefix("model.diffusion_model.")
        && (any_prefix("first_stage_model.") || any_prefix("cond_stage_model.") || any_prefix("conditioner."))
    {
        AssetKind::Checkpoint
    } else if any_prefix("model.diffusion_model.") || any_prefix("double_blocks.") || any_prefix("joint_blocks.") {
        AssetKind::DiffusionModel
    } else if any_prefix("input_blocks.") || any_prefix("down_blocks.") && any_prefix("mid_block.") {
        AssetKind::Unet
    } else if any_prefix("encoder.down") && any_prefix("decoder.up") || any_prefix("first_stage_model.") {
        AssetKind::Vae
    } else if any_prefix("text_model.") || any_prefix("encoder.block.") || any_prefix("shared.weight") || any_prefix("text_projection") {
        if keys.len() < 8 {
            AssetKind::Clip
        } else {
            AssetKind::TextEncoder
        }
    } else if any("emb_params") || keys.iter().any(|k| *k == "clip_l" || *k == "clip_g" || *k == "string_to_param") {
        AssetKind::Embedding
    } else if any_prefix("conv_first.") || any_prefix("body.") && any_prefix("conv_last") || any_prefix("model.0.weight") {
        AssetKind::Upscaler
    } else {
        AssetKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synapse_demo::write_fake_safetensors;

    fn kind_of(tensors: &[&str], meta: &[(&str, &str)]) -> AssetKind {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.safetensors");
        write_fake_safetensors(&p, tensors, meta, b"").unwrap();
        kind_from_safetensors(&p).unwrap()
    }

    #[test]
    fn recognises_common_layouts() {
        assert_eq!(kind_of(&["lora_unet_down_blocks_0.lora_up.weight"], &[]), AssetKind::Lora);
        assert_eq!(kind_of(&["x.weight"], &[("ss_network_module", "networks.lora")]), AssetKind::Lora);
        assert_eq!(
            kind_of(&["model.diffusion_model.input_blocks.0.weight", "first_stage_model.decoder.conv_in.weight"], &[]),
            AssetKind::Checkpoint
        );
        assert_eq!(kind_of(&["encoder.down.0.block.0.conv1.weight", "decoder.up.0.block.0.conv1.weight"], &[]), AssetKind::Vae);
        assert_eq!(kind_of(&["control_model.input_blocks.0.0.weight"], &[]), AssetKind::Controlnet);
        assert_eq!(kind_of(&["emb_params"], &[]), AssetKind::Embedding);
        assert_eq!(kind_of(&["conv_first.weight", "conv_last.weight"], &[]), AssetKind::Upscaler);
        assert_eq!(kind_of(&["something.else"], &[]), AssetKind::Unknown);
    }

    #[test]
    fn non_safetensors_files_are_not_classified() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.ckpt");
        std::fs::write(&p, b"PK\x03\x04 not a safetensors file at all").unwrap();
        assert!(kind_from_safetensors(&p).is_none());
    }
}
