//! Packs: list, show, create, add, delete (SPEC §3.8).

use std::path::PathBuf;

use synapse_core::model::AssetKind;
use synapse_core::packs::{self, NewFile, PackDeleteResult, PackInfo, PackList, PackRenameResult, PackWriteResult, SetKindResult};
use synapse_core::progress::{Control, ProgressUpdate};
use synapse_core::{PackName, Store, WireError};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, pack_name, wire};
use crate::events;
use crate::state::AppState;

/// The files to adopt, all of `kind` (`None`: read from each file's header, else `unknown`).
fn new_files(files: Vec<String>, kind: Option<AssetKind>) -> Vec<NewFile> {
    files.into_iter().map(|f| NewFile { path: PathBuf::from(f), kind }).collect()
}

#[tauri::command]
pub async fn packs_list(state: State<'_, AppState>) -> Result<PackList, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let store = state.store()?;
        wire(packs::list(store.layout()))
    })
    .await
}

#[tauri::command]
pub async fn pack_show(state: State<'_, AppState>, name: String) -> Result<PackInfo, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let store = state.store()?;
        let pack = wire(packs::load(store.layout(), &pack_name(&name)?))?;
        Ok(PackInfo::of(store.layout(), &pack))
    })
    .await
}

/// Checks a pack name as the core parses it (the "New pack…" dialog shows the
/// core's reason while the user types); writes nothing.
#[tauri::command]
pub fn pack_name_check(name: String) -> Result<(), WireError> {
    pack_name(&name).map(drop)
}

/// Creates a pack from local files (adopting each into the store).
#[tauri::command]
pub async fn pack_create(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    files: Vec<String>,
    kind: Option<AssetKind>,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<PackWriteResult, WireError> {
    write_files(app, state.inner().clone(), name, new_files(files, kind), op_id, on_progress, "Create pack", packs::create).await
}

/// Adds local files to an existing pack.
#[tauri::command]
pub async fn pack_add(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    files: Vec<String>,
    kind: Option<AssetKind>,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<PackWriteResult, WireError> {
    write_files(app, state.inner().clone(), name, new_files(files, kind), op_id, on_progress, "Add to pack", packs::add).await
}

/// The body of create and add: adopt `files` into the store as pack `name`'s
/// dependencies through `write` (off the main thread, with progress and cancel).
#[allow(clippy::too_many_arguments)]
async fn write_files(
    app: AppHandle,
    state: AppState,
    name: String,
    files: Vec<NewFile>,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
    label: &'static str,
    write: fn(&Store, &PackName, &[NewFile], Control) -> synapse_core::Result<PackWriteResult>,
) -> Result<PackWriteResult, WireError> {
    let name = pack_name(&name)?;
    let result = operation(state, op_id, label, on_progress, move |store, ctl| write(store, &name, &files, ctl)).await;
    // A failed or cancelled write may already have copied files into the store (orphans now).
    events::inventory_changed(&app, "pack");
    result
}

/// Changes the kind of one dependency (`dependency`) or of all of them: the
/// kind decides which UI folder `use` links a model into.
#[tauri::command]
pub async fn pack_set_kind(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    dependency: Option<String>,
    kind: AssetKind,
) -> Result<SetKindResult, WireError> {
    let state = state.inner().clone();
    let result = blocking(move || wire(packs::set_kind(&state.store()?, &pack_name(&name)?, dependency.as_deref(), kind))).await?;
    events::inventory_changed(&app, "pack");
    Ok(result)
}

/// Renames a pack; its profiles and recorded UI links follow.
#[tauri::command]
pub async fn pack_rename(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    new_name: String,
) -> Result<PackRenameResult, WireError> {
    let state = state.inner().clone();
    let result = blocking(move || wire(packs::rename(&state.store()?, &pack_name(&name)?, &pack_name(&new_name)?))).await?;
    events::inventory_changed(&app, "pack");
    Ok(result)
}

/// Deletes a pack's state; its blobs stay (unused ones become orphans).
#[tauri::command]
pub async fn pack_delete(app: AppHandle, state: State<'_, AppState>, name: String) -> Result<PackDeleteResult, WireError> {
    let state = state.inner().clone();
    let result = blocking(move || wire(packs::delete(&state.store()?, &pack_name(&name)?))).await?;
    events::inventory_changed(&app, "pack");
    Ok(result)
}
