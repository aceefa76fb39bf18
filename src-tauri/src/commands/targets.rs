//! Several backup targets and the copies policy (SPEC §3.12): the target list
//! of Settings and the dashboard, add / remove / rename / enable / disable,
//! the policy, `whereis`, `scrub` (a long operation with progress and
//! cancel), and `backup sync --all` as a plan the window shows and sends back.

use std::path::PathBuf;

use synapse_core::model::{TargetChange, TargetList, Whereis};
use synapse_core::progress::ProgressUpdate;
use synapse_core::replicate::{self, SyncAllOptions, SyncAllPlan, SyncAllResult};
use synapse_core::scrub::{self, Budget, ScrubOptions, ScrubResult};
use synapse_core::target::{self, Policy, PolicyUpdate};
use synapse_core::{Error, WireError};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::{blocking, operation, wire};
use crate::state::AppState;
use crate::{events, notifications, scrubber, watcher};

/// Every target as the inventory sees it now (state, contents, free space), and the policy.
#[tauri::command]
pub async fn target_list(state: State<'_, AppState>) -> Result<TargetList, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(target::list_all(&state.store()?))).await
}

/// After a change of the targets: the watcher follows the new set, the window reloads.
fn changed(app: &AppHandle) {
    watcher::poke(app);
    events::inventory_changed(app, "targets");
}

/// Adds a backup target in `path` (a backup is initialised there, or the one there adopted).
#[tauri::command]
pub async fn target_add(app: AppHandle, state: State<'_, AppState>, name: String, path: String) -> Result<TargetChange, WireError> {
    let state = state.inner().clone();
    let path = PathBuf::from(path.trim());
    if !path.is_absolute() {
        return Err(Error::invalid(format!("{}: choose the folder with Browse…, or type its full path", path.display())).to_wire());
    }
    let r = blocking(move || wire(target::add(&state.store()?, name.trim(), &path))).await?;
    changed(&app);
    Ok(r)
}

/// A drive the Add target dialog offers (a removable disk mounted now).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RemovableDrive {
    /// Where it is mounted.
    pub mount_point: String,
    /// Its label (or device name).
    pub name: String,
    pub free_bytes: u64,
    pub total_bytes: u64,
}

/// How long the disk list may take: listing disks asks every mounted
/// filesystem, and a hung one never answers.
const DISK_LIST_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The removable drives mounted now (USB disks, SD cards), to offer as the
/// folder of a new target. Asked on a probe thread with a deadline: with a
/// hung mount anywhere on the machine the list is empty, never a freeze.
#[tauri::command]
pub async fn removable_drives() -> Result<Vec<RemovableDrive>, WireError> {
    blocking(|| {
        let list = synapse_core::probe::within(std::path::Path::new("sysinfo:removable-disks"), DISK_LIST_LIMIT, || {
            sysinfo::Disks::new_with_refreshed_list()
                .list()
                .iter()
                .filter(|d| d.is_removable())
                .map(|d| RemovableDrive {
                    mount_point: d.mount_point().display().to_string(),
                    name: d.name().to_string_lossy().into_owned(),
                    free_bytes: d.available_space(),
                    total_bytes: d.total_space(),
                })
                .collect::<Vec<_>>()
        });
        Ok(list.unwrap_or_default())
    })
    .await
}

/// Forgets a target; nothing on its drive is deleted. Refused with
/// `below_min_copies` while the policy needs its copies, unless `force`.
#[tauri::command]
pub async fn target_remove(app: AppHandle, state: State<'_, AppState>, name: String, force: bool) -> Result<TargetChange, WireError> {
    let state = state.inner().clone();
    let r = blocking(move || wire(target::remove(&state.store()?, &name, force))).await?;
    changed(&app);
    Ok(r)
}

/// Renames a target; its records follow.
#[tauri::command]
pub async fn target_rename(app: AppHandle, state: State<'_, AppState>, name: String, new_name: String) -> Result<TargetChange, WireError> {
    let state = state.inner().clone();
    let r = blocking(move || wire(target::rename(&state.store()?, &name, new_name.trim()))).await?;
    changed(&app);
    Ok(r)
}

/// Switches a target on or off (nothing on it is touched); the result says
/// how many blobs are below the policy afterwards.
#[tauri::command]
pub async fn target_set_enabled(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    enabled: bool,
) -> Result<TargetChange, WireError> {
    let state = state.inner().clone();
    let r = blocking(move || wire(target::set_enabled(&state.store()?, &name, enabled))).await?;
    changed(&app);
    Ok(r)
}

/// The copies policy as saved.
#[tauri::command]
pub async fn policy_get(state: State<'_, AppState>) -> Result<Policy, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(target::list(&state.store()?)).map(|(_, policy)| policy)).await
}

/// Validates and saves a change of the policy; returns it as saved.
#[tauri::command]
pub async fn policy_set(app: AppHandle, state: State<'_, AppState>, update: PolicyUpdate) -> Result<Policy, WireError> {
    let state = state.inner().clone();
    let policy = blocking(move || wire(target::set_policy(&state.store()?, &update))).await?;
    events::inventory_changed(&app, "policy");
    Ok(policy)
}

/// Every copy of one blob (hash, prefix or name), when each was verified, and
/// whether its target is connected now.
#[tauri::command]
pub async fn whereis(state: State<'_, AppState>, input: String) -> Result<Whereis, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(target::whereis(&state.store()?, input.trim()))).await
}

/// A scrub budget as people write it ("20min", "50GB"); none or empty: every copy.
pub(crate) fn budget(text: Option<&str>) -> Result<Option<Budget>, WireError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<Budget>().map(Some).map_err(|e| Error::invalid(e).to_wire()),
    }
}

/// Re-hashes the copies on `target` (`local`, or a target's name; none: the
/// original's) verified longest ago first, within `budget`; with `repair`,
/// corrupt copies are replaced from good ones (the bad file kept in quarantine).
#[tauri::command]
pub async fn scrub_run(
    app: AppHandle,
    state: State<'_, AppState>,
    target: Option<String>,
    budget: Option<String>,
    repair: bool,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<ScrubResult, WireError> {
    let opts = ScrubOptions { budget: self::budget(budget.as_deref())?, repair };
    let root = state.root();
    let result =
        operation(state.inner().clone(), op_id, "Scrub", on_progress, move |store, ctl| scrub::scrub(store, target.as_deref(), opts, ctl))
            .await;
    if let (Ok(r), Some(root)) = (&result, root) {
        scrubber::record(&app, &root, r, false);
    }
    events::inventory_changed(&app, "scrub");
    let body = match &result {
        Ok(r) => scrubber::summary(r),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Scrub", &body);
    result
}

/// What the app knows of the scrubs of the open store: the last one per
/// target, and the background scrub's state.
#[tauri::command]
pub async fn scrub_status(app: AppHandle, state: State<'_, AppState>) -> Result<scrubber::ScrubStatus, WireError> {
    let root = state.root();
    blocking(move || Ok(scrubber::status(&app, root.as_deref()))).await
}

/// Switches the background scrub of attached drives on or off (kept in the
/// app's preferences); off also stops one that runs.
#[tauri::command]
pub async fn scrub_background_enable(
    app: AppHandle,
    state: State<'_, AppState>,
    enabled: bool,
) -> Result<scrubber::ScrubStatus, WireError> {
    let root = state.root();
    blocking(move || {
        scrubber::set_enabled(&app, enabled);
        Ok(scrubber::status(&app, root.as_deref()))
    })
    .await
}

/// Pauses or resumes the background scrub that runs.
#[tauri::command]
pub fn scrub_background_pause(app: AppHandle, paused: bool) {
    scrubber::set_paused(&app, paused);
}

/// Stops the background scrub that runs (what it verified so far is kept).
#[tauri::command]
pub fn scrub_background_cancel(app: AppHandle) {
    scrubber::cancel(&app);
}

/// The plan of `backup sync --all`: the copies that bring every blob up to
/// the policy over the connected targets, what still falls short and which
/// target would fix it.
#[tauri::command]
pub async fn sync_all_plan(state: State<'_, AppState>, options: SyncAllOptions) -> Result<SyncAllPlan, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(replicate::plan_sync_all(&state.store()?, options))).await
}

/// Applies exactly the plan the window showed: copies that are no longer
/// needed are skipped with their reason.
#[tauri::command]
pub async fn sync_all_apply(
    app: AppHandle,
    state: State<'_, AppState>,
    plan: SyncAllPlan,
    op_id: String,
    on_progress: Channel<ProgressUpdate>,
) -> Result<SyncAllResult, WireError> {
    let state = state.inner().clone();
    let result =
        operation(state, op_id, "Copy to targets", on_progress, move |store, ctl| replicate::apply_sync_all(store, &plan, ctl)).await;
    events::inventory_changed(&app, "backup");
    let body = match &result {
        Ok(r) if r.cancelled => format!("Cancelled after {} copies ({})", r.copied.len(), notifications::human_bytes(r.bytes_copied)),
        Ok(r) if !r.errors.is_empty() => format!("{} copies made, {} failed", r.copied.len(), r.errors.len()),
        Ok(r) => format!("{} copies made ({})", r.copied.len(), notifications::human_bytes(r.bytes_copied)),
        Err(e) => e.message.clone(),
    };
    notifications::result(&app, false, "Copy to targets", &body);
    result
}

#[cfg(test)]
mod tests {
    use super::budget;

    #[test]
    fn a_budget_is_read_as_the_cli_reads_it() {
        assert_eq!(budget(None).expect("none"), None);
        assert_eq!(budget(Some("  ")).expect("blank"), None);
        assert_eq!(budget(Some("20min")).expect("time"), Some(synapse_core::scrub::Budget::Seconds(1200)));
        assert_eq!(budget(Some("50GB")).expect("bytes"), Some(synapse_core::scrub::Budget::Bytes(50_000_000_000)));
        let err = budget(Some("12 parsecs")).expect_err("nonsense");
        assert_eq!(err.code, synapse_core::ErrorCode::InvalidArgument);
    }
}
