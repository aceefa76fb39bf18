//! What the app keeps between commands: the open store's root, the running
//! operations (with their cancel tokens) and whether the window was hidden.
//! No domain state: every command asks the core again, so the UI always shows
//! the disk as it is. The one exception is the start-up warm-up of the
//! inventory (`commands::inventory::Warmup`): built while the window loads,
//! taken once by its first load, and dropped on any change or after 10 s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use synapse_core::progress::CancelToken;
use synapse_core::{Error, Store, WireError};

/// Shared state of the app, managed by Tauri. Cheap to clone (one `Arc`), so
/// blocking workers can own a handle.
#[derive(Clone, Default)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    root: RwLock<Option<PathBuf>>,
    operations: Mutex<HashMap<String, Running>>,
}

/// An operation in flight, as the tray and the close handler see it.
struct Running {
    label: String,
    cancel: CancelToken,
}

impl AppState {
    pub fn new(root: PathBuf) -> Self {
        Self { inner: Arc::new(Inner { root: RwLock::new(Some(root)), operations: Mutex::default() }) }
    }

    /// The root the app is pointed at (which may not hold a store yet).
    pub fn root(&self) -> Option<PathBuf> {
        self.inner.root.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_root(&self, root: &Path) {
        *self.inner.root.write().unwrap_or_else(|e| e.into_inner()) = Some(root.to_path_buf());
    }

    /// The open store, or `not_found` naming the root when there is none yet.
    pub fn store(&self) -> Result<Store, WireError> {
        let root = self.root().ok_or_else(|| Error::invalid("no store is open").to_wire())?;
        Store::open(&root).map_err(|e| e.to_wire())
    }

    /// Registers a long operation under the id the UI chose; the guard
    /// unregisters it when dropped. Refuses an id that is already running.
    pub fn begin(&self, id: &str, label: &str) -> Result<OperationGuard, WireError> {
        let mut ops = self.inner.operations.lock().unwrap_or_else(|e| e.into_inner());
        if ops.contains_key(id) {
            return Err(Error::invalid(format!("operation id {id:?} is already running")).to_wire());
        }
        let cancel = CancelToken::new();
        ops.insert(id.to_owned(), Running { label: label.to_owned(), cancel: cancel.clone() });
        Ok(OperationGuard { state: self.clone(), id: id.to_owned(), cancel })
    }

    /// Cancels a running operation; false when no operation has that id (it
    /// may have finished already).
    pub fn cancel(&self, id: &str) -> bool {
        let ops = self.inner.operations.lock().unwrap_or_else(|e| e.into_inner());
        match ops.get(id) {
            Some(op) => {
                op.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Labels of the operations in flight (for the tray and the close handler).
    pub fn running(&self) -> Vec<String> {
        let ops = self.inner.operations.lock().unwrap_or_else(|e| e.into_inner());
        let mut labels: Vec<String> = ops.values().map(|o| o.label.clone()).collect();
        labels.sort();
        labels
    }
}

/// Keeps an operation registered while it runs.
pub struct OperationGuard {
    state: AppState,
    id: String,
    cancel: CancelToken,
}

impl OperationGuard {
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }
}

impl Drop for OperationGuard {
    fn drop(&mut self) {
        self.state.inner.operations.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_register_cancel_and_unregister() {
        let state = AppState::new(PathBuf::from("/nowhere"));
        let op = state.begin("op-1", "Verify").expect("first begin");
        assert_eq!(state.running(), vec!["Verify".to_owned()]);
        assert!(state.begin("op-1", "Verify").is_err(), "an id that is running is refused");
        assert!(!op.cancel_token().is_cancelled());
        assert!(state.cancel("op-1"));
        assert!(op.cancel_token().is_cancelled());
        drop(op);
        assert!(state.running().is_empty());
        assert!(!state.cancel("op-1"), "a finished operation cannot be cancelled");
    }

    #[test]
    fn a_missing_store_is_not_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::new(dir.path().join("no-store"));
        let err = state.store().expect_err("no store there");
        assert_eq!(err.code, synapse_core::ErrorCode::NotFound);
    }
}
