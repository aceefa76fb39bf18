//! Several backup targets and the copies policy (SPEC §3.12): the target list
//! of Settings and the dashboard, add / remove / rename / enable / disable,
//! the policy, `whereis`, `scrub` (a long operation with progress and
//! cancel), and `backup sync --all` as a plan the window shows and sends back.
//! Bucket targets (SPEC §3.13): add, test (before and after adding), and the
//! key kept in the OS keyring.

use std::path::PathBuf;

use synapse_core::model::{TargetChange, TargetList, TargetTest, Whereis};
use synapse_core::progress::ProgressUpdate;
use synapse_core::replicate::{self, SyncAllOptions, SyncAllPlan, SyncAllResult};
use synapse_core::s3::{self, Credentials, S3Location};
use synapse_core::scrub::{self, Budget, ScrubOptions, ScrubResult};
use synapse_core::target::{self, Policy, PolicyUpdate};
use synapse_core::{Error, ErrorDetails, WireError};
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
    watcher::recheck(app);
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

/// An access key pair as typed in Settings. It goes to the OS keyring and
/// nowhere else: never logged (`Debug` shows the key id only), never in an
/// event, a result or an error.
#[derive(Clone, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct S3Key {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Key").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

impl S3Key {
    /// The key as the core takes it; both halves must be given.
    fn credentials(self) -> Result<Credentials, WireError> {
        let (id, secret) = (self.access_key_id.trim(), self.secret_access_key.trim());
        if id.is_empty() || secret.is_empty() {
            let (field, missing) =
                if id.is_empty() { ("access_key_id", "access key id") } else { ("secret_access_key", "secret access key") };
            return Err(field_error(
                field,
                Error::invalid(format!(
                    "the {missing} is empty: give both halves of the key, or leave both empty to use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or ~/.aws/credentials"
                )),
            ));
        }
        Ok(Credentials { access_key_id: id.to_owned(), secret_access_key: secret.to_owned(), session_token: None })
    }
}

/// A location as typed: the endpoint without blanks or a trailing `/`.
fn typed(location: S3Location) -> S3Location {
    S3Location {
        endpoint: location.endpoint.trim().trim_end_matches('/').to_owned(),
        bucket: location.bucket.trim().to_owned(),
        prefix: location.prefix.trim().trim_matches('/').to_owned(),
        region: Some(location.region.trim()).filter(|r| !r.is_empty()).unwrap_or("us-east-1").to_owned(),
        path_style: location.path_style,
    }
}

/// `invalid_argument` naming the form field it is about in `details.argument`,
/// so the window shows the core's message beside that field.
fn field_error(field: &str, e: Error) -> WireError {
    let mut w = e.to_wire();
    w.details = ErrorDetails::Usage { usage: "target add --s3".to_owned(), argument: Some(field.to_owned()), value: None };
    w
}

/// The core's checks of a new bucket target, one field at a time (each
/// checked beside values known to pass), so a refusal names its field: the
/// name (valid and free), the endpoint, the bucket and the prefix.
fn check_fields(store: &synapse_core::Store, name: &str, location: &S3Location) -> Result<(), WireError> {
    let all = wire(store.config().and_then(|config| target::all(store.layout(), &config)))?;
    target::validate_name(name, &all).map_err(|e| field_error("name", e))?;
    let good = S3Location {
        endpoint: "https://s3.amazonaws.com".to_owned(),
        bucket: "bucket".to_owned(),
        prefix: String::new(),
        region: location.region.clone(),
        path_style: location.path_style,
    };
    let one = [
        ("endpoint", S3Location { endpoint: location.endpoint.clone(), ..good.clone() }),
        ("bucket", S3Location { bucket: location.bucket.clone(), ..good.clone() }),
        ("prefix", S3Location { prefix: location.prefix.clone(), ..good.clone() }),
    ];
    for (field, probe) in one {
        probe.validate().map_err(|e| field_error(field, e))?;
    }
    Ok(())
}

/// Adds a bucket prefix as a target (SPEC §3.13): a prefix nobody owns
/// becomes this store's, one another store owns is added read-only. A key
/// typed in Settings is kept in the OS keyring first (per endpoint and
/// bucket), so the add and every later use find it there.
#[tauri::command]
pub async fn target_add_s3(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    location: S3Location,
    credentials: Option<S3Key>,
) -> Result<TargetChange, WireError> {
    let state = state.inner().clone();
    let location = typed(location);
    let r = blocking(move || {
        let store = state.store()?;
        check_fields(&store, name.trim(), &location)?;
        // A key typed for a bucket that had none is taken back when the add fails.
        let saved_new = match credentials {
            Some(key) => {
                let had = s3::keyring_credentials(&location).is_some();
                wire(s3::save_key(&location, &key.credentials()?))?;
                !had
            }
            None => false,
        };
        let added = target::add_s3(&store, name.trim(), &location);
        if added.is_err() && saved_new {
            let _ = s3::forget_key(&location);
        }
        wire(added)
    })
    .await?;
    changed(&app);
    Ok(r)
}

/// Checks that a target can be used now (a bucket: the key, the bucket, the
/// clock, list/write/read/delete) and says each check passed, or the first
/// problem as the error (`backup_not_connected` with `details.problem`).
#[tauri::command]
pub async fn target_test(state: State<'_, AppState>, name: String) -> Result<TargetTest, WireError> {
    let state = state.inner().clone();
    blocking(move || wire(target::test(&state.store()?, &name))).await
}

/// The Add target dialog's Test connection: the same checks as
/// [`target_test`] on a bucket not added yet, with the key as typed (not
/// kept) or else the one the environment, `~/.aws/credentials` or the
/// keyring has. Nothing is recorded; on a prefix another store owns nothing
/// is written either.
#[tauri::command]
pub async fn target_test_location(
    state: State<'_, AppState>,
    name: String,
    location: S3Location,
    credentials: Option<S3Key>,
) -> Result<TargetTest, WireError> {
    let state = state.inner().clone();
    let location = typed(location);
    blocking(move || {
        let store = state.store()?;
        check_fields(&store, name.trim(), &location)?;
        let key = credentials.map(S3Key::credentials).transpose()?;
        wire(target::test_location(&store, name.trim(), &location, key))
    })
    .await
}

/// The bucket of the target `name` (a folder target has no key).
fn bucket_of(state: &AppState, name: &str) -> Result<S3Location, WireError> {
    let store = state.store()?;
    let t = wire(store.config().and_then(|config| target::find(store.layout(), &config, Some(name))))?;
    t.s3.ok_or_else(|| Error::invalid(format!("target {name:?} is a folder: only bucket targets have keys")).to_wire())
}

/// Keeps a new key for the bucket target `name` in the OS keyring (Change key).
#[tauri::command]
pub async fn target_set_key(app: AppHandle, state: State<'_, AppState>, name: String, credentials: S3Key) -> Result<(), WireError> {
    let state = state.inner().clone();
    blocking(move || wire(s3::save_key(&bucket_of(&state, &name)?, &credentials.credentials()?))).await?;
    watcher::recheck(&app);
    Ok(())
}

/// Removes the key kept for the bucket target `name` from the OS keyring
/// (the environment and `~/.aws/credentials` are then the only places looked at).
#[tauri::command]
pub async fn target_forget_key(app: AppHandle, state: State<'_, AppState>, name: String) -> Result<(), WireError> {
    let state = state.inner().clone();
    blocking(move || wire(s3::forget_key(&bucket_of(&state, &name)?))).await?;
    watcher::recheck(&app);
    Ok(())
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
    use super::{budget, check_fields, S3Key};
    use synapse_core::s3::S3Location;

    fn argument(e: &synapse_core::WireError) -> Option<String> {
        match &e.details {
            synapse_core::ErrorDetails::Usage { argument, .. } => argument.clone(),
            _ => None,
        }
    }

    #[test]
    fn testing_a_bucket_before_adding_it_records_nothing_and_names_the_problem() {
        let dir = tempfile::tempdir().expect("temp dir");
        let made = synapse_demo::create(dir.path()).expect("demo store");
        let store = synapse_core::Store::open(&made.store_root).expect("open");
        let targets = store.layout().root().join("state/targets.json");
        let before = std::fs::read(&targets).ok();
        // Nothing listens on the discard port.
        let nowhere = S3Location {
            endpoint: "http://127.0.0.1:9".into(),
            bucket: "models".into(),
            prefix: String::new(),
            region: "us-east-1".into(),
            path_style: true,
        };
        let key =
            synapse_core::s3::Credentials { access_key_id: "AKIA1".into(), secret_access_key: "very-secret".into(), session_token: None };
        let e = synapse_core::target::test_location(&store, "cloud", &nowhere, Some(key)).expect_err("nothing answers").to_wire();
        assert_eq!(e.code, synapse_core::ErrorCode::BackupNotConnected, "{e:?}");
        assert!(
            matches!(e.details, synapse_core::ErrorDetails::Remote { problem: synapse_core::error::RemoteProblem::Unreachable, .. }),
            "{e:?}"
        );
        assert!(!e.message.contains("very-secret"));
        assert_eq!(std::fs::read(&targets).ok(), before, "a test before adding records no target");
    }

    #[test]
    fn a_refused_bucket_form_names_its_field() {
        let dir = tempfile::tempdir().expect("temp dir");
        let made = synapse_demo::create(dir.path()).expect("demo store");
        let store = synapse_core::Store::open(&made.store_root).expect("open");
        let ok = S3Location {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "models".into(),
            prefix: "synapse".into(),
            region: "us-east-1".into(),
            path_style: true,
        };
        check_fields(&store, "cloud", &ok).expect("a good form passes");
        let field = |name: &str, l: S3Location| argument(&check_fields(&store, name, &l).expect_err("refused"));
        assert_eq!(field("local", ok.clone()).as_deref(), Some("name"), "a reserved name");
        assert_eq!(field("backup", ok.clone()).as_deref(), Some("name"), "a taken name");
        assert_eq!(field("cloud", S3Location { endpoint: "nas.local:9000".into(), ..ok.clone() }).as_deref(), Some("endpoint"));
        assert_eq!(field("cloud", S3Location { bucket: "My_Bucket".into(), ..ok.clone() }).as_deref(), Some("bucket"));
        assert_eq!(field("cloud", S3Location { prefix: "a/../b".into(), ..ok.clone() }).as_deref(), Some("prefix"));
        let half = S3Key { access_key_id: "AKIA".into(), secret_access_key: "  ".into() };
        let e = half.credentials().expect_err("half a key");
        assert_eq!(argument(&e).as_deref(), Some("secret_access_key"));
        let key = S3Key { access_key_id: "AKIA1".into(), secret_access_key: "very-secret".into() };
        assert!(!format!("{key:?}").contains("very-secret"), "the secret never reaches a log");
    }

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
