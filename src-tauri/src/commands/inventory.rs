//! Inventory: summary, query, detail, impacts and delete (SPEC §3.2, §3.3).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use synapse_core::guard;
use synapse_core::inventory::{self, Inventory, Query, SortKey};
use synapse_core::model::{BlobDetail, DeleteResult, DeleteTarget, Impacts, InventoryItem, InventoryPage};
use synapse_core::{ErrorCode, Store, WireError};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use super::{blocking, wire};
use crate::events;
use crate::state::AppState;

/// The inventory built while the window starts (SPEC §7: first paint under
/// 2 s; the build of 50,000 blobs takes ~0.6 s, about as long as the webview
/// takes to come up). The window's first `inventory_load` takes it, once;
/// every later load asks the core again, and anything that changes the store
/// before then (`events::inventory_changed`) drops it unused.
#[derive(Default)]
pub struct Warmup(Mutex<Option<Pending>>);

struct Pending {
    root: PathBuf,
    started: Instant,
    built: Receiver<synapse_core::Result<Inventory>>,
}

/// A warm-up older than this is not used: the window took long to ask.
const WARMUP_MAX_AGE: Duration = Duration::from_secs(10);

impl Warmup {
    /// Starts building the inventory of the store at `root` on a thread of its own.
    pub fn start(root: PathBuf) -> Warmup {
        let (tx, built) = mpsc::channel();
        let pending = Pending { root: root.clone(), started: Instant::now(), built };
        let spawned = std::thread::Builder::new().name("inventory-warmup".into()).spawn(move || {
            if let Ok(store) = Store::open(&root) {
                let _ = tx.send(inventory::build(&store));
            }
        });
        Warmup(Mutex::new(spawned.ok().map(|_| pending)))
    }

    /// Drops the warm-up: the store changed, or the window no longer needs it.
    pub fn forget(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// The warmed-up inventory of `root` (waiting for the build in flight), if
    /// it is still fresh; `None` means build it now.
    fn take(&self, root: &Path) -> Option<Inventory> {
        let pending = self.0.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        if pending.root != root || pending.started.elapsed() > WARMUP_MAX_AGE {
            return None;
        }
        pending.built.recv().ok()?.ok()
    }
}

/// Starts building the inventory of `root` for the window's first load, and
/// drops it if the window has not taken it within `WARMUP_MAX_AGE` (so an
/// inventory nobody asked for does not stay in memory).
pub fn warm_up(app: &AppHandle, root: PathBuf) {
    app.manage(Warmup::start(root));
    let app = app.clone();
    let _ = std::thread::Builder::new().name("inventory-warmup-expiry".into()).spawn(move || {
        std::thread::sleep(WARMUP_MAX_AGE);
        forget_warmup(&app);
    });
}

/// Drops the start-up inventory (called whenever the store changes).
pub fn forget_warmup(app: &AppHandle) {
    if let Some(warmup) = app.try_state::<Warmup>() {
        warmup.forget();
    }
}

/// Rows per message of `inventory_load`'s stream: a few MB of JSON each, so
/// the window parses them between frames instead of in one long pause.
const STREAM_CHUNK: usize = 10_000;

/// The whole inventory for the window's table, in two steps so the first
/// paint does not wait for 50,000 rows: returns the summary and the first
/// `first` rows in `sort` order (what the table shows first), then streams
/// every item of the store over `on_items` in chunks, after the response.
/// The window knows it has them all when it holds `total_matching` items.
#[tauri::command]
pub async fn inventory_load(
    app: AppHandle,
    state: State<'_, AppState>,
    sort: SortKey,
    first: usize,
    on_items: Channel<Vec<InventoryItem>>,
) -> Result<InventoryPage, WireError> {
    let state = state.inner().clone();
    blocking(move || {
        let store = state.store()?;
        let warm = app.try_state::<Warmup>().and_then(|w| w.take(store.root()));
        let inv = match warm {
            Some(inv) => inv,
            None => wire(inventory::build(&store))?,
        };
        let page = inv.query(&Query { sort, limit: first, offset: 0, ..Query::default() });
        // The response goes out when this returns; the rows follow from a
        // thread of their own (serialising 50,000 of them takes a while).
        std::thread::Builder::new()
            .name("inventory-stream".into())
            .spawn(move || {
                for chunk in inv.items.chunks(STREAM_CHUNK) {
                    if on_items.send(chunk.to_vec()).is_err() {
                        return; // the window went away
                    }
                }
            })
            .map_err(|e| WireError {
                code: ErrorCode::Io,
                message: format!("cannot start the thread that sends the inventory: {e}"),
                details: synapse_core::ErrorDetails::none(),
            })?;
        Ok(page)
    })
    .await
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
        let sha = super::sha(&sha256)?;
        wire(guard::delete(&state.store()?, &sha, target, force))
    })
    .await?;
    events::inventory_changed(&app, "delete");
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_up_inventory_is_taken_once_for_its_own_store_unless_forgotten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("store");
        Store::init(&root).expect("init store");

        let warmup = Warmup::start(root.clone());
        assert!(warmup.take(&root).is_some(), "the first load takes the inventory built at start-up");
        assert!(warmup.take(&root).is_none(), "later loads build their own");

        let warmup = Warmup::start(root.clone());
        assert!(warmup.take(&dir.path().join("other")).is_none(), "not for another store");

        let warmup = Warmup::start(root.clone());
        warmup.forget();
        assert!(warmup.take(&root).is_none(), "dropped when the store changed");

        let warmup = Warmup::start(dir.path().join("no-store"));
        assert!(warmup.take(&dir.path().join("no-store")).is_none(), "no store there: the load reports it");
    }
}
