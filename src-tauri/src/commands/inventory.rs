//! Inventory: summary, query, detail, impacts and delete (SPEC §3.2, §3.3).

use synapse_core::guard;
use synapse_core::inventory::{self, Query};
use synapse_core::model::{BlobDetail, DeleteResult, DeleteTarget, Impacts, InventoryPage, InventorySummary};
use synapse_core::WireError;
use tauri::{AppHandle, State};

use super::{blocking, wire};
use crate::events;
use crate::state::AppState;

/// The summary of the whole store (dashboard cards).
#[tauri::command]
pub async fn inventory_summary(state: State<'_, AppState>) -> Result<InventorySummary, WireError> {
    let state = state.inner().clone();
    blocking(move || Ok(wire(inventory::build(&state.store()?))?.summary)).await
}

/// One page of the inventory with filters and sort, plus the summary.
#[tauri::command]
pub async fn inventory_query(state: State<'_, AppState>, query: Query) -> Result<InventoryPage, WireError> {
    let state = state.inner().clone();
    blocking(move || Ok(wire(inventory::build(&state.store()?))?.query(&query))).await
}

/// One blob: the item, its impacts and its files. Accepts a unique hash prefix.
#[tauri::command]
pub async fn inventory_detail(state: State<'_, AppState>, sha256: String) -> Result<BlobDetail, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let inv = wire(inventory::build(&state.store()?))?;
        let sha = wire(inv.resolve(&sha256))?;
        wire(guard::detail(&inv, &sha))
    })
    .await
}

/// What deleting a blob would affect.
#[tauri::command]
pub async fn inventory_impacts(state: State<'_, AppState>, sha256: String) -> Result<Impacts, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let inv = wire(inventory::build(&state.store()?))?;
        let sha = wire(inv.resolve(&sha256))?;
        wire(guard::impacts(&inv, &sha))
    })
    .await
}

/// Deletes one blob from `target` with the guard rails of SPEC §3.3: refused
/// with `last_copy` / `conflict` (carrying the impacts) unless `force`.
#[tauri::command]
pub async fn blob_delete(
    app: AppHandle,
    state: State<'_, AppState>,
    sha256: String,
    target: DeleteTarget,
    force: bool,
) -> Result<DeleteResult, WireError> {
    let state = state.inner().clone();
    let result = blocking(move || {
        let sha = synapse_core::Sha256::parse(&sha256).map_err(|e| synapse_core::Error::from(e).to_wire())?;
        wire(guard::delete(&state.store()?, &sha, target, force))
    })
    .await?;
    events::inventory_changed(&app, "delete");
    Ok(result)
}
