/**
 * Typed wrappers of every `#[tauri::command]` of src-tauri. Components call
 * these (through `$lib/api`), never `invoke` directly. Every function rejects
 * with a `WireError` (see errors.ts).
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import { open as openDialog, save as saveDialog } from '@tauri-apps/plugin-dialog';
import type {
  AppInfo,
  AssetKind,
  AutoBackupReport,
  BackupStatus,
  BlobCopyResult,
  PackBackupStatus,
  PackTransferResult,
  PackTransferPlan,
  StateSyncOptions,
  StateSyncResult,
  StateSyncStatus,
  SyncDirection,
  SyncOptions,
  SyncPlan,
  SyncResult,
  BlobDetail,
  CleanupPlan,
  CleanupResult,
  DeleteResult,
  DeleteTarget,
  DoctorReport,
  Impacts,
  InventoryPage,
  PackDeleteResult,
  PackClassification,
  PackInfo,
  PackList,
  PackWriteResult,
  SetKindResult,
  PackRenameResult,
  Settings,
  SettingsSaved,
  VerifyResult,
  VerifyScope,
} from './bindings';
import type { CommitResult, ExportOptions, ExportResult, ImportOptions, ValidationReport } from './bindings';
import type { RedownloadResult, UiTargetList, UnuseResult, UsePlan, UseResult } from './bindings';
import type { InventoryItem, SortKey } from './bindings';
import type { AdoptOptions, AdoptPlan, AdoptResult } from './bindings';
import type { RepairPlan, RepairResult } from './bindings';
import type { WorkflowCheck, WorkflowPackResult, WorkflowUsePlan, WorkflowUseResult } from './bindings';
import type { Policy, PolicyUpdate, RemovableDrive, ScrubResult, ScrubStatus, SyncAllOptions, SyncAllPlan, SyncAllResult, TargetChange, TargetList, Whereis } from './bindings';
import type { S3Key, S3Location, TargetTest } from './bindings';
import type { CivitaiInfo, IdentifyResult, Selection } from './bindings';
import { toWireError } from './errors';
import { operationArgs, type OperationOptions } from './progress';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toWireError(e);
  }
}

async function long<T>(command: string, args: Record<string, unknown>, opts?: OperationOptions): Promise<T> {
  const op = operationArgs(opts);
  try {
    return await call<T>(command, { ...args, ...op.args });
  } finally {
    op.done();
  }
}

// ---- app and store ---------------------------------------------------------

/** The open store, whether it exists (first run), the backup's state, running operations. */
export const appInfo = () => call<AppInfo>('app_info');
/** Opens an existing store (`not_found` when there is none at `root`). */
export const openStore = (root: string) => call<AppInfo>('store_open', { root });
/** Creates an empty store at `root` and opens it. */
export const createStore = (root: string) => call<AppInfo>('store_create', { root });
/** Opens the demo store in `~/.synapse/demo` (creating it first when needed). */
export const openDemoStore = () => call<AppInfo>('store_open_demo');

// ---- inventory ---------------------------------------------------------------

/**
 * The whole inventory in two steps, so the first paint does not wait for
 * every row: resolves with the summary and the first `first` rows in `sort`
 * order, then `onItems` receives every item of the store in chunks (usually
 * after the promise resolved); the last chunk brings the count to
 * `total_matching`.
 */
export function inventoryStream(sort: SortKey, first: number, onItems: (items: InventoryItem[]) => void): Promise<InventoryPage> {
  const channel = new Channel<InventoryItem[]>();
  channel.onmessage = onItems;
  return call<InventoryPage>('inventory_load', { sort, first, onItems: channel });
}
/** One blob: item, impacts, local/backup file info. Accepts a unique hash prefix (≥ 8 chars). */
export const blobDetail = (sha256: string) => call<BlobDetail>('inventory_detail', { sha256 });
/** Shows a file in the desktop's file manager, selected (never runs it). */
export const showInFolder = (path: string) => call<null>('show_in_folder', { path });
/** What deleting the blob would affect (packs, UIs, last copy). */
export const blobImpacts = (sha256: string) => call<Impacts>('inventory_impacts', { sha256 });
/**
 * Deletes one blob from `target`. Without `force`, the guard rails reject with
 * `last_copy` or `in_use` (details.impacts holds the impacts).
 */
export const deleteBlob = (sha256: string, target: DeleteTarget, force = false) =>
  call<DeleteResult>('blob_delete', { sha256, target, force });

// ---- long operations -----------------------------------------------------------

/** The plan of a cleanup of orphans and stale partial files (SPEC §3.11): what Review shows. */
export const cleanupPlan = () => call<CleanupPlan>('cleanup_plan');
/** Applies exactly the reviewed plan; items that changed since are in `skipped` of the result. */
export const cleanupApply = (plan: CleanupPlan, opts?: OperationOptions) => long<CleanupResult>('cleanup_apply', { plan }, opts);
/** Re-hashes blobs; corrupt ones are in `invalid` of the result (not an error). */
export const verify = (scope: VerifyScope, opts?: OperationOptions) => long<VerifyResult>('verify_run', { scope }, opts);
/** Consistency checks; `fix` repairs what is safe. */
export const doctor = (fix = false) => call<DoctorReport>('doctor_run', { fix });
/** Labels of the operations in flight (e.g. started from the tray). */
export const runningOperations = () => call<string[]>('operations_running');

// ---- packs ---------------------------------------------------------------------

export const listPacks = () => call<PackList>('packs_list');
export const showPack = (name: string) => call<PackInfo>('pack_show', { name });
/** Resolves when `name` is a valid pack name; rejects `invalid_argument` with the core's reason. Writes nothing. */
export const checkPackName = (name: string) => call<null>('pack_name_check', { name });
/** Creates a pack from local files (absolute paths), adopting them into the store. */
export const createPack = (name: string, files: string[], kind: AssetKind | null, opts?: OperationOptions) =>
  long<PackWriteResult>('pack_create', { name, files, kind }, opts);
/** Adds files to a pack; `kind` null reads it from each file's header (else `unknown`). */
export const addToPack = (name: string, files: string[], kind: AssetKind | null, opts?: OperationOptions) =>
  long<PackWriteResult>('pack_add', { name, files, kind }, opts);
/** Deletes the pack's metadata; its blobs stay (unused ones become orphans). */
export const deletePack = (name: string) => call<PackDeleteResult>('pack_delete', { name });
/** Renames a pack; its profiles and recorded UI links follow. Rejects `already_exists` for a taken name. */
export const renamePack = (name: string, newName: string) => call<PackRenameResult>('pack_rename', { name, newName });
/** Sets the kind of one dependency (or of all, `dependency` null): it decides the UI folder `use` links into. */
export const setPackKind = (name: string, dependency: string | null, kind: AssetKind) =>
  call<SetKindResult>('pack_set_kind', { name, dependency, kind });
/**
 * The plan of adopting a model folder (e.g. ComfyUI/models): every file hashed
 * once; files, duplicates, bytes saved, packs to create.
 */
export const adoptPlan = (folder: string, options: Partial<AdoptOptions> = {}, opts?: OperationOptions) =>
  long<AdoptPlan>('adopt_plan', { folder, options: { execute: false, link: false, ...options } }, opts);
/** Adopts exactly the previewed plan (nothing is hashed twice); `plan.options.link` replaces originals by links. */
export const adoptApply = (plan: AdoptPlan, opts?: OperationOptions) => long<AdoptResult>('adopt_apply', { plan }, opts);

// ---- UI targets: use / unuse, re-download (SPEC §3.8) ------------------------------

/** The configured UI targets: folder maps, whether the folder is there, the packs active in each. */
export const uiTargets = () => call<UiTargetList>('ui_targets');
/**
 * What using a pack in `ui` (or every target when null) would do: links to
 * make, `restored_blobs` only on the backup with their sizes, `free_space`
 * and `space_warning`. Rejects `name_clash` with `details.clashes` when names
 * are taken by real files, `not_found` with `details.blobs` for blobs that are nowhere.
 */
export const planUse = (name: string, ui: string | null = null) => call<UsePlan>('pack_use_plan', { name, ui });
/**
 * Applies the use plan the user saw (SPEC §3.11): restores exactly its
 * `preview.restored_blobs` (confirming the plan confirms them, with progress),
 * then makes its links; a restore it did not list rejects with `restore_needed`.
 */
export const applyUse = (plan: UsePlan, opts?: OperationOptions) => long<UseResult>('pack_use_apply', { plan }, opts);
/** Removes the links `use` made for the pack in `ui` (or every target); never a file it did not make. */
export const unusePack = (name: string, ui: string | null = null) => call<UnuseResult>('pack_unuse', { name, ui });
/** Downloads a missing blob again from its locks' URLs (resumes, hash-checked). Rejects `not_found` without a URL. */
/** The plan of replacing corrupt copies from good ones (every corrupt copy when `sha256` is omitted). */
export const repairPlan = (sha256?: string[]) => call<RepairPlan>('repair_plan', { sha256: sha256 ?? null });
/** Applies the repair plan the user confirmed; the corrupt files go to quarantine. */
export const applyRepair = (plan: RepairPlan, opts?: OperationOptions) => long<RepairResult>('repair_apply', { plan }, opts);
export const redownloadBlob = (sha256: string, opts?: OperationOptions) => long<RedownloadResult>('blob_redownload', { sha256 }, opts);

// ---- backup storage -------------------------------------------------------------

/** Configuration, connection, counts per side (from the cached catalog while unplugged), queued auto-backups. */
export const backupStatus = () => call<BackupStatus>('backup_status');
/** Copies one local blob to the backup (hash-checked); `already_present` when it was there. */
export const backupBlob = (sha256: string, opts?: OperationOptions) => long<BlobCopyResult>('backup_blob', { sha256 }, opts);
/** Copies one blob from the backup into the local store. */
export const restoreBlob = (sha256: string, opts?: OperationOptions) => long<BlobCopyResult>('restore_blob', { sha256 }, opts);
/** The plan of a sync store ⇄ backup (the wizard's Preview). Defaults: `to_backup`, only missing. */
export const syncPlan = (options: Partial<SyncOptions> = {}) =>
  call<SyncPlan>('sync_plan', { options: { direction: 'to_backup', only_missing: true, dry_run: true, include_orphans: false, ...options } });
/**
 * Applies exactly the previewed sync plan; a cancel ends with `cancelled: true`
 * in the result and what was copied so far; planned blobs that no longer need
 * copying are in `skipped`.
 */
export const syncApply = (plan: SyncPlan, opts?: OperationOptions) => long<SyncResult>('sync_apply', { plan }, opts);
/** Per-blob storage status of one pack ("3/3 synced", "2 local only", ...). */
export const packBackupStatus = (name: string) => call<PackBackupStatus>('pack_backup_status', { name });
/**
 * The plan of a pack's push (`to_backup`; `free` then frees local copies safely on
 * the backup: "Push & free") or pull (`from_backup`, never downloads).
 */
export const packTransferPlan = (name: string, direction: SyncDirection, free = false) =>
  call<PackTransferPlan>('pack_transfer_plan', { name, direction, free });
/** Applies exactly the confirmed pack plan; what changed since is in `skipped`. */
export const packTransferApply = (plan: PackTransferPlan, opts?: OperationOptions) =>
  long<PackTransferResult>('pack_transfer_apply', { plan }, opts);
/** The local and backup `state/` compared (packs local/backup/modified, git). */
export const stateStatus = () => call<StateSyncStatus>('state_status');
/** Mirror `state/` to or from the backup. Defaults: `to_backup`, dry run. */
export const stateSync = (options: Partial<StateSyncOptions> = {}, opts?: OperationOptions) =>
  long<StateSyncResult>(
    'state_sync',
    { options: { direction: 'to_backup', dry_run: true, include_git: false, allow_git_overwrite: false, checksum: false, ...options } },
    opts,
  );
/** Back up the blobs queued by auto-backup (also done automatically on drive attach). */
export const runBackupQueue = (opts?: OperationOptions) => long<AutoBackupReport>('backup_queue_run', {}, opts);

// ---- backup targets and the copies policy (SPEC §3.12) ----------------------------

/** Every target as the inventory sees it now (state, contents, free space), the policy, the blobs below it. */
export const targetList = () => call<TargetList>('target_list');
/** Adds a target in `path` (an absolute folder): a backup is made there, or the one there adopted. */
export const addTarget = (name: string, path: string) => call<TargetChange>('target_add', { name, path });
/**
 * Forgets a target; nothing on its drive is deleted. Rejects `below_min_copies`
 * while the policy needs its copies, unless `force`.
 */
export const removeTarget = (name: string, force = false) => call<TargetChange>('target_remove', { name, force });
/** Renames a target; its catalog, ledger and records follow. */
export const renameTarget = (name: string, newName: string) => call<TargetChange>('target_rename', { name, newName });
/** Switches a target on or off (nothing on it is touched); the result counts the blobs below the policy. */
export const setTargetEnabled = (name: string, enabled: boolean) => call<TargetChange>('target_set_enabled', { name, enabled });
/**
 * Adds a bucket prefix as a target (SPEC §3.13). A `credentials` pair is kept
 * in the OS keyring first (never in the store); null: the key comes from
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws/credentials or the keyring.
 * A prefix another store owns is added read-only (`read_only` in the result).
 * A refusal about one field names it in `details.argument`.
 */
export const addBucketTarget = (name: string, location: S3Location, credentials: S3Key | null) =>
  call<TargetChange>('target_add_s3', { name, location, credentials });
/**
 * Checks that target `name` can be used now: resolves with each check that
 * passed, rejects with the first problem (`backup_not_connected` with `details.problem`).
 */
export const testTarget = (name: string) => call<TargetTest>('target_test', { name });
/** The same checks on a bucket that is not a target yet (the Add dialog's Test connection); nothing is recorded. */
export const testBucketLocation = (name: string, location: S3Location, credentials: S3Key | null) =>
  call<TargetTest>('target_test_location', { name, location, credentials });
/** Keeps a new key for bucket target `name` in the OS keyring. */
export const setTargetKey = (name: string, credentials: S3Key) => call<void>('target_set_key', { name, credentials });
/** Removes the key kept for bucket target `name` from the OS keyring. */
export const forgetTargetKey = (name: string) => call<void>('target_forget_key', { name });
/** The removable drives mounted now (empty when the system does not answer in time). */
export const removableDrives = () => call<RemovableDrive[]>('removable_drives');
/** The copies policy as saved. */
export const getPolicy = () => call<Policy>('policy_get');
/** Saves a change of the policy (null fields stay as they are; a kind or pack set to 0 loses its override). */
export const setPolicy = (update: PolicyUpdate) => call<Policy>('policy_set', { update });
/** Every copy of one blob (hash, unique prefix or name) and whether its target is connected. */
export const whereis = (input: string) => call<Whereis>('whereis', { input });
/**
 * Re-hashes the copies on `target` (`local` or a target's name) verified
 * longest ago first, within `budget` ("20min", "50GB"; null: every copy);
 * with `repair`, corrupt copies are replaced from good ones.
 */
export const scrubRun = (target: string, budget: string | null, repair: boolean, opts?: OperationOptions) =>
  long<ScrubResult>('scrub_run', { target, budget, repair }, opts);
/** The last scrub of each target and the background scrub's state. */
export const scrubStatus = () => call<ScrubStatus>('scrub_status');
/** Switches the background scrub of attached drives on or off. */
export const setBackgroundScrub = (enabled: boolean) => call<ScrubStatus>('scrub_background_enable', { enabled });
/** Pauses or resumes the background scrub that runs. */
export const pauseBackgroundScrub = (paused: boolean) => call<null>('scrub_background_pause', { paused });
/** Stops the background scrub (what it verified is kept). */
export const cancelBackgroundScrub = () => call<null>('scrub_background_cancel');
/** The plan of `backup sync --all`: copies that bring every blob up to the policy, and what still falls short. */
export const syncAllPlan = (options: SyncAllOptions = { include_orphans: false }) => call<SyncAllPlan>('sync_all_plan', { options });
/** Applies exactly the plan shown; copies no longer needed are in `skipped`. */
export const syncAllApply = (plan: SyncAllPlan, opts?: OperationOptions) => long<SyncAllResult>('sync_all_apply', { plan }, opts);

// ---- workflows (SPEC §3.15) -----------------------------------------------------

/**
 * Which models the workflow in `path` needs (ComfyUI UI or API JSON, a PNG
 * with the workflow or A1111 parameters embedded, or infotext) and where each
 * stands in the store; with `ui`, whether each present model is linked into
 * that UI target. The file is read locally, nothing is sent anywhere. Rejects
 * `invalid_file` for a file that is no workflow (nor JSON, PNG or infotext,
 * too big, nested too deep), `not_found` for a path or UI target that does
 * not exist.
 */
export const workflowCheck = (path: string, ui: string | null = null) => call<WorkflowCheck>('workflow_check', { path, ui });
/**
 * What making the workflow runnable in `ui` would do (reads only): per model
 * a link under the name the workflow expects, a restore or a download first
 * (every host and size named), a clash, or why it cannot be done; the free
 * space. Rejects `not_found` for an unknown UI, `invalid_argument` when its folder is gone.
 */
export const workflowUsePlan = (path: string, ui: string) => call<WorkflowUsePlan>('workflow_use_plan', { path, ui });
/**
 * Applies exactly the plan shown (SPEC §3.11): its restores and downloads
 * with progress (cancellable), then its links; what changed since is in
 * `skipped`, a step that failed in `failed`. Rejects `name_clash` when the plan lists clashes.
 */
export const workflowUseApply = (plan: WorkflowUsePlan, opts?: OperationOptions) => long<WorkflowUseResult>('workflow_use_apply', { plan }, opts);
/**
 * Writes a pack of type `workflow` whose lock pins the resolved models and
 * which carries the workflow file. Without `allowMissing`, a model that
 * resolves to no single blob refuses it (`not_found`, nothing written); with
 * it, such models are listed in the lock as unresolved. `already_exists` for a taken name.
 */
export const workflowPack = (path: string, name: string, ui: string | null, allowMissing: boolean) =>
  call<WorkflowPackResult>('workflow_pack', { path, name, ui, allowMissing });

// ---- identify: metadata by hash (SPEC §3.14) -------------------------------------

/**
 * Asks Civitai what the selected blobs are, by SHA-256 only (nothing else is
 * sent), and only now: the user pressed Identify. Answers are cached (a
 * second run asks nothing), previews saved, manifests written for blobs
 * without one. Offline is not a rejection: `offline` in the result says so;
 * items Civitai does not know are `not_found`, failed ones `failed`.
 * `refresh` asks again about blobs already identified or cached.
 */
export const identifyRun = (selection: Selection, refresh = false, opts?: OperationOptions) =>
  long<IdentifyResult>('identify_run', { selection, refresh }, opts);
/** The preview image identify saved for a blob, as a `data:` URL; null when it has none. */
export const previewImage = (sha256: string) => call<string | null>('preview_image', { sha256 });
/** Where identify asks Civitai, whether an API key is saved or comes from the environment (never the key). */
export const civitaiInfo = () => call<CivitaiInfo>('civitai_info');
/** Saves the Civitai API key in the store's config.json (null removes it); resolves with the new state, never the key. */
export const setCivitaiKey = (key: string | null) => call<CivitaiInfo>('civitai_key_set', { key });

// ---- packages (SPEC §3.10) -----------------------------------------------------

/**
 * Exports packs into a new (or empty) directory, or one `.tar` file when
 * `out` ends in `.tar`. Blobs only on the backup are read from the drive
 * (`backup_not_connected` when it is unplugged); a cancel leaves nothing.
 */
export const exportPackages = (options: ExportOptions, opts?: OperationOptions) =>
  long<ExportResult>('package_export', { options }, opts);
/** Checks a package (directory or `.tar`) and classifies its packs; writes nothing. `valid: false` is a report, not an error. */
export const validatePackage = (path: string, opts?: OperationOptions) => long<ValidationReport>('package_validate', { path }, opts);
/**
 * Imports a package: `strategy` for every pack whose name is taken, `overrides`
 * per pack, for the packs as the validation report classified them
 * (`reviewed`: a pack classified otherwise by now is skipped with the reason).
 * Defaults: `skip_if_exists`, no overrides, really import. Rejects
 * `package_invalid` before writing anything.
 */
export const importPackage = (
  path: string,
  reviewed: Record<string, PackClassification>,
  options: Partial<ImportOptions> = {},
  opts?: OperationOptions,
) => long<CommitResult>('package_import', { path, reviewed, options: { strategy: 'skip_if_exists', overrides: {}, dry_run: false, ...options } }, opts);

// ---- settings --------------------------------------------------------------------

export const getSettings = () => call<Settings>('settings_get');
/** Saves everything at once; resolves with what was saved and the backup's connection status. */
export const saveSettings = (settings: Settings) => call<SettingsSaved>('settings_save', { settings });

/** The native folder picker; null when the user cancels. */
export async function pickFolder(title: string, defaultPath?: string): Promise<string | null> {
  try {
    const picked = await openDialog({ directory: true, multiple: false, title, defaultPath });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toWireError(e);
  }
}

/** The native file picker for a package `.tar` file; null when the user cancels. */
export async function pickPackageFile(title: string): Promise<string | null> {
  try {
    const picked = await openDialog({ directory: false, multiple: false, title, filters: [{ name: 'Synapse package', extensions: ['tar'] }] });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toWireError(e);
  }
}

/** The native "save as" dialog for a package `.tar` file; null when the user cancels. */
export async function pickSaveTar(title: string, defaultPath?: string): Promise<string | null> {
  try {
    const picked = await saveDialog({ title, defaultPath, filters: [{ name: 'Synapse package', extensions: ['tar'] }] });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toWireError(e);
  }
}

/** The native file picker for a workflow (`.json`, or a `.png` with it embedded); null when the user cancels. */
export async function pickWorkflowFile(title: string): Promise<string | null> {
  try {
    const picked = await openDialog({ directory: false, multiple: false, title, filters: [{ name: 'Workflow (JSON or PNG)', extensions: ['json', 'png'] }] });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toWireError(e);
  }
}

/** The native file picker for model files; empty when the user cancels. */
export async function pickFiles(title: string): Promise<string[]> {
  try {
    const picked = await openDialog({ directory: false, multiple: true, title });
    if (picked === null) return [];
    return Array.isArray(picked) ? picked : [picked];
  } catch (e) {
    throw toWireError(e);
  }
}
