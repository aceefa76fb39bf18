//! Identify (SPEC §3.14): what Civitai says a model is, asked by its SHA-256
//! only and only when the user presses Identify (`identify_run`, a long
//! operation with progress and cancel); the preview the core saved, read
//! from `data/cache/previews/` by hash (`preview_image`: the window never
//! names a path, and no asset-protocol scope reaches into the store); and
//! the optional Civitai API key, kept where the core reads it
//! (`config.json` `providers.civitai.api_key`), never sent back to the window.

use std::io::Read;

use serde::Serialize;
use synapse_core::identify::{self, CivitaiSettings, IdentifyOptions, IdentifyResult, Selection};
use synapse_core::progress::ProgressUpdate;
use synapse_core::{Error, Sha256, Store, WireError};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, sha, wire};
use crate::events;
use crate::notifications;
use crate::state::AppState;

/// Asks Civitai about the selected blobs (only their hashes are sent);
/// answers are cached, previews saved, manifests written for blobs without
/// one. Offline is not an error: the result's `offline` says so.
#[tauri::command]
pub async fn identify_run(
    app: AppHandle,
    state: State<'_, AppState>,
    selection: Selection,
    refresh: bool,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<IdentifyResult, WireError> {
    let state = state.inner().clone();
    let result = operation(state, op_id, "Identify models", on_progress, move |store, ctl| {
        identify::identify(store, &selection, &IdentifyOptions { refresh }, ctl)
    })
    .await;
    // What was learnt before a cancel is kept: the table shows it.
    events::inventory_changed(&app, "identify");
    let body = match &result {
        Ok(r) if r.offline.is_some() => "Civitai could not be reached: nothing more was asked".to_owned(),
        Ok(r) => format!("{} found, {} not found, {} failed", r.found, r.not_found, r.failed),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Identify models", &body);
    result
}

/// The largest preview handed to the window: what the core saves at most.
const MAX_PREVIEW: u64 = identify::MAX_PREVIEW_BYTES;

/// The preview image identify saved for blob `sha256`, as a `data:` URL;
/// null when it has none. The file is the one the core's cache names for
/// that hash (`<sha256>.<ext>` in `data/cache/previews/`), read through the
/// store's tree (never through a link), at most [`MAX_PREVIEW`] bytes.
#[tauri::command]
pub async fn preview_image(state: State<'_, AppState>, sha256: String) -> Result<Option<String>, WireError> {
    let state = state.inner().clone();
    let sha = sha(&sha256)?;
    blocking(move || preview_data_url(&state.store()?, &sha)).await
}

fn preview_data_url(store: &Store, sha: &Sha256) -> Result<Option<String>, WireError> {
    let layout = store.layout();
    let Some(path) = identify::cached(layout, sha).and_then(|m| m.preview) else { return Ok(None) };
    let mime = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("avif") => "image/avif",
        _ => return Ok(None),
    };
    let tree = wire(layout.tree())?;
    match wire(tree.stat(&path))? {
        Some(s) if s.is_file() && s.size <= MAX_PREVIEW => {}
        _ => return Ok(None),
    }
    let mut bytes = Vec::new();
    let file = wire(tree.open_read(&path))?;
    file.take(MAX_PREVIEW + 1).read_to_end(&mut bytes).map_err(|e| Error::io("read", &path)(e).to_wire())?;
    if bytes.len() as u64 > MAX_PREVIEW {
        return Ok(None);
    }
    use base64::Engine as _;
    Ok(Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(&bytes))))
}

/// Where identify asks and whether a key is sent: what the Settings page
/// shows (the key itself never leaves the shell).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CivitaiInfo {
    /// The API asked (no key in it).
    pub base_url: String,
    /// What overrides Civitai's address, when something does:
    /// `SYNAPSE_CIVITAI_URL` or `config.json providers.civitai.base_url`.
    pub base_url_from: Option<String>,
    /// A key is saved: in the OS keyring (typed here), or still in `config.json`
    /// (`providers.civitai.api_key`, from before keys went to the keyring).
    pub key_saved: bool,
    /// `CIVITAI_API_KEY` is set: that key is sent instead of the saved one.
    pub key_from_env: bool,
    /// Why identify could not run with these settings (an address that is not http(s), a key with spaces).
    pub problem: Option<String>,
}

fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

fn info(store: &Store) -> Result<CivitaiInfo, WireError> {
    let config = wire(store.config())?;
    let base_url_from = if env_set(identify::BASE_URL_ENV) {
        Some(identify::BASE_URL_ENV.to_owned())
    } else if config.provider_setting("civitai", "base_url").is_some() {
        Some("config.json providers.civitai.base_url".to_owned())
    } else {
        None
    };
    let (base_url, problem) = match CivitaiSettings::resolve(&config) {
        Ok(s) => (s.base_url, None),
        Err(e) => (identify::DEFAULT_BASE_URL.to_owned(), Some(e.to_string())),
    };
    Ok(CivitaiInfo {
        base_url,
        base_url_from,
        key_saved: identify::api_key(&config).is_some_and(|(_, from)| from != identify::KeySource::Environment)
            || (env_set(identify::API_KEY_ENV) && config.provider_setting("civitai", "api_key").is_some()),
        key_from_env: env_set(identify::API_KEY_ENV),
        problem,
    })
}

/// Where identify asks Civitai and whether an API key is set.
#[tauri::command]
pub async fn civitai_info(state: State<'_, AppState>) -> Result<CivitaiInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || info(&state.store()?)).await
}

/// Keeps the Civitai API key in the OS keyring (never in `state/`; a copy
/// `config.json` still holds is taken out), or removes it (`key` null).
/// Errors never contain the key.
#[tauri::command]
pub async fn civitai_key_set(state: State<'_, AppState>, key: Option<String>) -> Result<CivitaiInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || save_key(&state.store()?, key)).await
}

fn save_key(store: &Store, key: Option<String>) -> Result<CivitaiInfo, WireError> {
    wire(identify::save_api_key(store, key.as_deref()))?;
    info(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::init(&dir.path().join("store")).expect("store");
        (dir, store)
    }

    #[test]
    fn a_key_is_refused_without_repeating_it_and_without_a_keyring_nothing_lands_in_config_json() {
        let (_d, store) = store();
        let mut config = store.config().unwrap();
        config.backup.auto_backup_new = true;
        config.extra.insert("providers".into(), serde_json::json!({"civitai": {"base_url": "https://civitai.example"}}));
        store.save_config(&config).unwrap();

        let e = save_key(&store, Some("abc 123".into())).expect_err("a key with a space");
        assert!(!e.message.contains("abc"), "the error does not repeat the key: {}", e.message);
        // No Secret Service on the test machine's bus: saving says so, and the key is nowhere in the store.
        std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
        let e = save_key(&store, Some("abc123secret".into())).expect_err("no keyring here");
        assert!(e.message.contains("keyring") && e.message.contains("CIVITAI_API_KEY"), "{}", e.message);
        assert!(!e.message.contains("abc123secret"));
        let after = store.config().unwrap();
        assert!(after.backup.auto_backup_new, "other settings are kept");
        assert_eq!(after.provider_setting("civitai", "api_key"), None);
        assert_eq!(after.provider_setting("civitai", "base_url").as_deref(), Some("https://civitai.example"));
        let info = info(&store).unwrap();
        assert!(!info.key_saved);
        assert!(!serde_json::to_string(&info).unwrap().contains("abc123secret"), "the key is never sent back");
    }

    fn cache(store: &Store, sha: &Sha256, preview: &str) {
        let dir = identify::metadata_dir(store.layout());
        std::fs::create_dir_all(&dir).unwrap();
        let entry = serde_json::json!({"sha256": sha.as_str(), "fetched_at": "2026-12-04T20:00:00Z", "answer": {"model_name": "M"}, "preview": preview});
        std::fs::write(dir.join(format!("{sha}.json")), entry.to_string()).unwrap();
    }

    #[test]
    fn the_preview_is_the_one_the_cache_names_for_the_hash_and_no_other_file() {
        let (_d, store) = store();
        let sha = Sha256::parse(&"ab".repeat(32)).unwrap();
        assert_eq!(preview_data_url(&store, &sha).unwrap(), None, "never identified: no preview");
        let previews = identify::previews_dir(store.layout());
        std::fs::create_dir_all(&previews).unwrap();
        std::fs::write(previews.join(format!("{sha}.png")), b"\x89PNG fake").unwrap();
        cache(&store, &sha, &format!("{sha}.png"));
        let url = preview_data_url(&store, &sha).unwrap().expect("a data URL");
        assert_eq!(url, "data:image/png;base64,iVBORyBmYWtl");

        // A cache entry naming another file (edited by hand) is not followed.
        let other = Sha256::parse(&"cd".repeat(32)).unwrap();
        cache(&store, &other, "../../../state/config.json");
        assert_eq!(preview_data_url(&store, &other).unwrap(), None);
        // A link in place of the preview is not read through.
        std::fs::remove_file(previews.join(format!("{sha}.png"))).unwrap();
        std::os::unix::fs::symlink(store.layout().config(), previews.join(format!("{sha}.png"))).unwrap();
        assert!(preview_data_url(&store, &sha).map(|u| u.is_none()).unwrap_or(true), "a link is never read");
        // Larger than the core ever saves: not handed to the window.
        std::fs::remove_file(previews.join(format!("{sha}.png"))).unwrap();
        std::fs::write(previews.join(format!("{sha}.png")), vec![0u8; MAX_PREVIEW as usize + 1]).unwrap();
        assert_eq!(preview_data_url(&store, &sha).unwrap(), None);
    }
}
