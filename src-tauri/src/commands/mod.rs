//! The `#[tauri::command]`s: each deserialises its arguments, makes one core
//! call (off the main thread when it touches the disk) and maps the error to
//! the core's [`WireError`]. Domain decisions live in synapse-core.

pub mod adopt;
pub mod backup;
pub mod identify;
pub mod inventory;
pub mod operations;
pub mod package;
pub mod packs;
pub mod settings;
pub mod store;
pub mod targets;
pub mod views;
pub mod workflow;

use synapse_core::progress::{Control, ProgressUpdate};
use synapse_core::{Error, ErrorCode, PackName, Sha256, Store, WireError};
use tauri::ipc::Channel;

use crate::state::AppState;

/// Runs blocking core work on tokio's blocking pool so the UI never waits on
/// the main thread.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, WireError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, WireError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| WireError {
        code: ErrorCode::Io,
        message: format!("the operation stopped unexpectedly: {e}"),
        details: synapse_core::ErrorDetails::none(),
    })?
}

/// A progress sink that forwards every update over the caller's channel.
pub(crate) fn forward(channel: Channel<ProgressUpdate>) -> impl Fn(&ProgressUpdate) + Send + Sync {
    move |update: &ProgressUpdate| {
        // A closed channel means the window went away; the operation goes on.
        let _ = channel.send(update.clone());
    }
}

/// Maps a core result to the wire.
pub(crate) fn wire<T>(r: synapse_core::Result<T>) -> Result<T, WireError> {
    r.map_err(|e| e.to_wire())
}

/// Runs a long core operation on the blocking pool: registers `op_id` under
/// `label` (so Cancel, the tray and the close handler see it), forwards its
/// progress over the caller's channel, and hands `run` the open store and
/// the operation's `Control`.
pub(crate) async fn operation<T, F>(
    state: AppState,
    op_id: String,
    label: &'static str,
    on_progress: Channel<ProgressUpdate>,
    run: F,
) -> Result<T, WireError>
where
    T: Send + 'static,
    F: FnOnce(&Store, Control<'_>) -> synapse_core::Result<T> + Send + 'static,
{
    blocking(move || {
        let op = state.begin(&op_id, label)?;
        let sink = forward(on_progress);
        wire(run(&state.store()?, Control::new(&sink, op.cancel_token())))
    })
    .await
}

/// A blob hash from the window, parsed at the edge.
pub(crate) fn sha(s: &str) -> Result<Sha256, WireError> {
    Sha256::parse(s).map_err(|e| Error::from(e).to_wire())
}

/// A pack name from the window, parsed at the edge.
pub(crate) fn pack_name(s: &str) -> Result<PackName, WireError> {
    PackName::parse(s).map_err(|e| Error::from(e).to_wire())
}
