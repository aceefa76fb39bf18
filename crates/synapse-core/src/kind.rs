//! Guessing an asset's kind from a safetensors header, for blobs no lock or
//! manifest describes. Cheap: reads the 8-byte length and the JSON header only.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};

use crate::model::AssetKind;

/// Headers larger than this are not read (real ones are well under 10 MB).
const MAX_HEADER: u64 = 64 << 20;

/// Reads the safetensors JSON header of a file, if it is one.
pub fn read_safetensors_header(path: &Path) -> Option<Map<String, Value>> {
    let mut f = File::open(path).ok()?;
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
pub fn kind_from_safetensors(path: &Path) -> Option<AssetKind> {
    read_safetensors_header(path).map(|h| classify_header(&h))
}

/// Classifies a parsed header.
pub fn classify_header(header: &Map<String, Value>) -> AssetKind {
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
