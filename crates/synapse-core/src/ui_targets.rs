//! UI targets (SPEC §2.3, §3.8): the image-generation UIs whose model folders
//! Synapse exposes blobs into, each with a map from asset kind to model
//! sub-folder — the defaults of its UI kind, overridden per kind by
//! `config.ui.kind_map[<target name or UI kind>]`.
//!
//! Folder maps are also what `adopt` reads backwards: the folder a file was
//! found in tells its kind ([`kind_of_folder`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

use crate::pack::link_record;
use crate::results::lossy;
use crate::store::schema::{ConfigFile, Extra, UiTarget};
use crate::store::Store;
use crate::vocab::{AssetKind, UiKind};

/// The default folder of each asset kind in a UI of `kind` (SPEC §3.8), or
/// `None` for kinds the UI has no model folder for (`custom_node`, `unknown`).
pub(crate) fn default_folder(ui: UiKind, kind: AssetKind) -> Option<&'static str> {
    use AssetKind as K;
    match ui {
        UiKind::Comfyui => Some(match kind {
            K::Checkpoint => "models/checkpoints",
            K::Lora => "models/loras",
            K::Vae => "models/vae",
            K::Embedding => "models/embeddings",
            K::Controlnet => "models/controlnet",
            K::Upscaler => "models/upscale_models",
            K::Clip => "models/clip",
            K::TextEncoder => "models/text_encoders",
            K::DiffusionModel => "models/diffusion_models",
            K::Unet => "models/unet",
            K::CustomNode | K::Unknown => return None,
        }),
        UiKind::Forge | UiKind::A1111 | UiKind::Sdnext => Some(match kind {
            K::Checkpoint => "models/Stable-diffusion",
            K::Lora => "models/Lora",
            K::Vae => "models/VAE",
            K::Embedding => "embeddings",
            K::Controlnet => "models/ControlNet",
            K::Upscaler => "models/ESRGAN",
            K::Clip => "models/CLIP",
            K::TextEncoder => "models/text_encoder",
            K::DiffusionModel => "models/diffusion_models",
            K::Unet => "models/unet",
            K::CustomNode | K::Unknown => return None,
        }),
    }
}

/// The kind of model a folder of a UI tree holds, from its name: every folder
/// name of the default maps, plus the usual aliases (`LyCORIS`, `RealESRGAN`, ...).
pub(crate) fn kind_of_folder(name: &str) -> Option<AssetKind> {
    use AssetKind as K;
    Some(match name.to_ascii_lowercase().as_str() {
        "checkpoints" | "stable-diffusion" | "stable_diffusion" => K::Checkpoint,
        "loras" | "lora" | "lycoris" | "locon" => K::Lora,
        "vae" | "vae_approx" => K::Vae,
        "embeddings" | "embedding" | "textual_inversion" => K::Embedding,
        "controlnet" | "t2i_adapter" => K::Controlnet,
        "upscale_models" | "esrgan" | "realesrgan" | "swinir" | "upscalers" => K::Upscaler,
        "clip" => K::Clip,
        "text_encoders" | "text_encoder" => K::TextEncoder,
        "diffusion_models" => K::DiffusionModel,
        "unet" => K::Unet,
        _ => return None,
    })
}

/// A configured target with its kind parsed.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: UiKind,
    pub path: PathBuf,
    /// Asset kind → folder below `path`, overrides applied and checked.
    pub folders: BTreeMap<AssetKind, String>,
}

impl Target {
    /// The folder for `kind`, if this UI has one.
    pub fn folder(&self, kind: AssetKind) -> Option<PathBuf> {
        self.folders.get(&kind).map(|f| self.path.join(f))
    }

    fn info(&self, active_links: u64, active_packs: Vec<String>) -> UiTargetInfo {
        UiTargetInfo {
            name: self.name.clone(),
            kind: self.kind,
            path: self.path.clone(),
            exists: self.path.is_dir(),
            folders: self.folders.clone(),
            active_links,
            active_packs,
        }
    }
}

/// Checks a UI target name: 1–64 characters of letters, digits, `-`, `_`, `.`, not starting with `.`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid UI target name {name:?}: use 1-64 letters, digits, '-', '_' or '.', not starting with '.' (e.g. comfyui)"
        )))
    }
}

/// A relative path made only of plain components (no `..`, not absolute):
/// folders of the kind map and expose filenames must stay inside the UI.
pub(crate) fn is_plain_relative(p: &str) -> bool {
    !p.is_empty() && !p.contains('\0') && Path::new(p).components().all(|c| matches!(c, Component::Normal(_)))
}

/// The `ui.kind_map` overrides of a target: its name's entry, else its UI kind's.
fn overrides<'a>(config: &'a ConfigFile, name: &str, kind: UiKind) -> Option<&'a serde_json::Map<String, Value>> {
    let maps = config.extra.get("ui").and_then(|u| u.get("kind_map"))?;
    maps.get(name).and_then(Value::as_object).or_else(|| maps.get(kind.as_str()).and_then(Value::as_object))
}

/// Parses a configured target. Errors name the target and what to fix.
pub fn target(config: &ConfigFile, t: &UiTarget) -> Result<Target> {
    let kind: UiKind = t.kind.parse().map_err(|e| {
        Error::invalid(format!(
            "UI target {:?} in config.json: {e}; remove the target and add it again as comfyui, forge, a1111 or sdnext",
            t.name
        ))
    })?;
    let mut folders: BTreeMap<AssetKind, String> =
        AssetKind::ALL.into_iter().filter_map(|k| default_folder(kind, k).map(|f| (k, f.to_owned()))).collect();
    if let Some(map) = overrides(config, &t.name, kind) {
        for (k, v) in map {
            let asset = AssetKind::parse_loose(k);
            let Some(folder) = v.as_str().filter(|_| asset != AssetKind::Unknown || k == "unknown") else { continue };
            if !is_plain_relative(folder) {
                return Err(Error::invalid(format!(
                    "config.json ui.kind_map for {:?}: folder {folder:?} of kind {k} must be a relative path inside the UI (no '..', not absolute)",
                    t.name
                )));
            }
            folders.insert(asset, folder.to_owned());
        }
    }
    Ok(Target { name: t.name.clone(), kind, path: PathBuf::from(&t.path), folders })
}

/// Every configured target, parsed.
pub fn targets(config: &ConfigFile) -> Result<Vec<Target>> {
    config.ui_targets.iter().map(|t| target(config, t)).collect()
}

/// One target by name.
pub fn find(config: &ConfigFile, name: &str) -> Result<Target> {
    let t = config.ui_targets.iter().find(|t| t.name == name).ok_or_else(|| Error::UiTargetNotFound { name: name.to_owned() })?;
    target(config, t)
}

/// `ui list`.
pub fn list(store: &Store) -> Result<UiTargetList> {
    let config = store.config()?;
    let active = link_record::active_links(store.layout());
    let used = link_record::active_use_links(store.layout());
    let ui_targets = targets(&config)?
        .iter()
        .map(|t| {
            let n = active.iter().filter(|l| l.ui == t.name).count() as u64;
            let packs: BTreeSet<String> = used.iter().filter(|l| l.ui == t.name).map(|l| l.pack.clone()).collect();
            t.info(n, packs.into_iter().collect())
        })
        .collect();
    Ok(UiTargetList { ui_targets })
}

/// `ui add <name> --kind K --path P`: the folder must exist (it is the UI's
/// installation folder); it is stored absolute.
pub fn add(store: &Store, name: &str, kind: UiKind, path: &Path) -> Result<UiTargetInfo> {
    validate_name(name)?;
    let meta = std::fs::metadata(path).map_err(Error::io("open UI folder", path))?;
    if !meta.is_dir() {
        return Err(Error::invalid(format!(
            "{} is not a folder: give the UI's installation folder (the one holding models/)",
            path.display()
        )));
    }
    let abs = std::path::absolute(path).map_err(Error::io("resolve", path))?;
    let _lock = store.lock("ui add")?;
    let mut config = store.config()?;
    if config.ui_targets.iter().any(|t| t.name == name) {
        return Err(Error::UiTargetExists { name: name.to_owned() });
    }
    let entry =
        UiTarget { name: name.to_owned(), kind: kind.as_str().to_owned(), path: abs.to_string_lossy().into_owned(), extra: Extra::new() };
    let parsed = target(&config, &entry)?;
    config.ui_targets.push(entry);
    store.save_config(&config)?;
    Ok(parsed.info(0, Vec::new()))
}

/// One target as an editor (the app's Settings) submits it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetEdit {
    pub name: String,
    /// `comfyui`, `forge`, `a1111` or `sdnext`.
    pub kind: String,
    pub path: String,
}

/// Checks an edited list of targets against `config`: names valid and
/// unique, kinds known, and every new or moved folder an existing folder
/// given as an absolute path. A target whose folder is unchanged may be
/// missing (its drive is unplugged), as `ui list` reports it.
pub(crate) fn check_targets(config: &ConfigFile, edits: &[TargetEdit]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for t in edits {
        validate_name(&t.name)?;
        if !seen.insert(t.name.as_str()) {
            return Err(Error::invalid(format!("UI target name {:?} is used twice: give each target its own name", t.name)));
        }
        let kind: UiKind = t.kind.parse().map_err(|e| Error::invalid(format!("UI target {:?}: {e}", t.name)))?;
        let path = Path::new(t.path.trim());
        let unchanged = config.ui_targets.iter().any(|o| o.name == t.name && Path::new(&o.path) == path);
        if unchanged {
            continue;
        }
        if t.path.trim().is_empty() {
            return Err(Error::invalid(format!("UI target {:?} has no folder: choose the UI's installation folder", t.name)));
        }
        if !path.is_absolute() {
            return Err(Error::invalid(format!(
                "UI target {:?}: {} is not an absolute path: choose the UI's installation folder (e.g. /home/you/ComfyUI)",
                t.name,
                path.display()
            )));
        }
        if !path.is_dir() {
            return Err(Error::invalid(format!(
                "UI target {:?}: {} is not a folder: give the {kind} installation folder (the one holding models/)",
                t.name,
                path.display()
            )));
        }
    }
    Ok(())
}

/// Replaces the configured targets by `edits` (the app's Settings "Save"),
/// after [`check_targets`]; fields of `config.json` a target carries beyond
/// name, kind and path are kept for targets that keep their name. Returns
/// whether anything changed. Links already made stay (see [`remove`]).
pub fn set_targets(store: &Store, edits: &[TargetEdit]) -> Result<bool> {
    let _lock = store.lock("ui targets")?;
    let mut config = store.config()?;
    let changed = apply_targets(&mut config, edits)?;
    if changed {
        store.save_config(&config)?;
    }
    Ok(changed)
}

/// Checks `edits` and puts them into `config` in memory (keeping each kept
/// target's unknown fields); true when the list changed.
pub(crate) fn apply_targets(config: &mut ConfigFile, edits: &[TargetEdit]) -> Result<bool> {
    check_targets(config, edits)?;
    let targets: Vec<UiTarget> = edits
        .iter()
        .map(|t| {
            let extra = config.ui_targets.iter().find(|o| o.name == t.name).map(|o| o.extra.clone()).unwrap_or_default();
            UiTarget { name: t.name.clone(), kind: t.kind.clone(), path: t.path.trim().to_owned(), extra }
        })
        .collect();
    let unchanged = targets.len() == config.ui_targets.len()
        && targets.iter().zip(&config.ui_targets).all(|(a, b)| a.name == b.name && a.kind == b.kind && a.path == b.path);
    if unchanged {
        return Ok(false);
    }
    config.ui_targets = targets;
    Ok(true)
}

/// `ui remove <name>`: forgets the target. Links `use` made there stay (and
/// stay recorded): `unuse <pack>` still removes them.
pub fn remove(store: &Store, name: &str) -> Result<UiRemoveResult> {
    let _lock = store.lock("ui remove")?;
    let mut config = store.config()?;
    let before = config.ui_targets.len();
    config.ui_targets.retain(|t| t.name != name);
    if config.ui_targets.len() == before {
        return Err(Error::UiTargetNotFound { name: name.to_owned() });
    }
    store.save_config(&config)?;
    let links_remaining = link_record::active_links(store.layout()).into_iter().filter(|l| l.ui == name).map(|l| l.path).collect();
    Ok(UiRemoveResult { name: name.to_owned(), links_remaining })
}

/// A configured UI target with its effective kind → folder map.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiTargetInfo {
    pub name: String,
    pub kind: UiKind,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    /// False when the folder is not there (UI moved, drive not mounted).
    pub exists: bool,
    /// Asset kind → folder below `path` (the defaults of the UI kind, with `ui.kind_map` overrides).
    pub folders: BTreeMap<AssetKind, String>,
    /// Links `use` made in this UI that exist now.
    pub active_links: u64,
    /// The packs those links belong to (each once, sorted).
    pub active_packs: Vec<String>,
}

/// `ui list`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiTargetList {
    pub ui_targets: Vec<UiTargetInfo>,
}

/// `ui remove`: the target is gone from the config; its links stay until `unuse`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiRemoveResult {
    pub name: String,
    /// Links `use` made in this UI that still exist (`unuse <pack>` removes them).
    #[serde(serialize_with = "lossy::paths")]
    pub links_remaining: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_folder_maps_back_to_its_kind() {
        for ui in UiKind::ALL {
            for kind in AssetKind::ALL {
                if let Some(folder) = default_folder(ui, kind) {
                    let last = folder.rsplit('/').next().unwrap();
                    assert_eq!(kind_of_folder(last), Some(kind), "{ui} {folder}");
                }
            }
        }
    }

    #[test]
    fn kind_map_overrides_by_name_then_by_kind_and_refuses_escapes() {
        let mut config = ConfigFile::default();
        config.extra.insert("ui".into(), serde_json::json!({"kind_map": {"comfyui": {"lora": "models/Lora-all"}}}));
        let t = UiTarget { name: "main".into(), kind: "comfyui".into(), path: "/x".into(), extra: Extra::new() };
        let parsed = target(&config, &t).unwrap();
        assert_eq!(parsed.folders[&AssetKind::Lora], "models/Lora-all");
        assert_eq!(parsed.folders[&AssetKind::Vae], "models/vae");
        config.extra.insert("ui".into(), serde_json::json!({"kind_map": {"main": {"vae": "../outside"}}}));
        assert!(target(&config, &t).is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_name("comfy-ui_2").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", "..", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}
