/**
 * Typed wrappers of every `#[tauri::command]` of src-tauri. Components call
 * these (through `$lib/api`), never `invoke` directly. Every function rejects
 * with a `WireError` (see errors.ts).
 */
import { invoke } from '@tauri-apps/api/core';
import { open as openDialog } from '@tauri-apps/plugin-dialog';
import type {
  AppInfo,
  AutoBackupReport,
  BackupStatus,
  BlobCopyResult,
  PackBackupStatus,
  PackTransferResult,
  PushOptions,
  StateSyncOptions,
  StateSyncResult,
  StateSyncStatus,
  SyncOptions,
  SyncResult,
  BlobDetail,
  CleanupResult,
  DeleteResult,
  DeleteTarget,
  DoctorReport,
  Impacts,
  InventoryPage,
  InventorySummary,
  PackDeleteResult,
  PackInfo,
  PackList,
  PackWriteResult,
  Query,
  Settings,
  SettingsSaved,
  VerifyResult,
  VerifyScope,
} from './bindings';
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

/** One page of the inventory (filters, sort, limit/offset) plus the summary of the whole store. */
export const inventory = (query: Partial<Query> = {}) =>
  call<InventoryPage>('inventory_query', {
    query: { kind: null, status: null, location: null, search: null, sort: 'size_desc', limit: 1000, offset: 0, ...query },
  });
/** The summary alone (dashboard cards). */
export const inventorySummary = () => call<InventorySummary>('inventory_summary');
/** One blob: item, impacts, local/backup file info. Accepts a unique hash prefix (≥ 8 chars). */
export const blobDetail = (sha256: string) => call<BlobDetail>('inventory_detail', { sha256 });
/** What deleting the blob would affect (packs, UIs, last copy). */
export const blobImpacts = (sha256: string) => call<Impacts>('inventory_impacts', { sha256 });
/**
 * Deletes one blob from `target`. Without `force`, the guard rails reject with
 * `last_copy` or `conflict` (details.impacts holds the impacts).
 */
export const deleteBlob = (sha256: string, target: DeleteTarget, force = false) =>
  call<DeleteResult>('blob_delete', { sha256, target, force });

// ---- long operations -----------------------------------------------------------

/** Cleanup of orphans and stale partial files: the plan when `execute` is false. */
export const cleanupOrphans = (args: { execute: boolean; max_items?: number | null }, opts?: OperationOptions) =>
  long<CleanupResult>('cleanup_run', { execute: args.execute, maxItems: args.max_items ?? null }, opts);
/** Re-hashes blobs; corrupt ones are in `invalid` of the result (not an error). */
export const verify = (scope: VerifyScope, opts?: OperationOptions) => long<VerifyResult>('verify_run', { scope }, opts);
/** Consistency checks; `fix` repairs what is safe. */
export const doctor = (fix = false) => call<DoctorReport>('doctor_run', { fix });
/** Labels of the operations in flight (e.g. started from the tray). */
export const runningOperations = () => call<string[]>('operations_running');

// ---- packs ---------------------------------------------------------------------

export const listPacks = () => call<PackList>('packs_list');
export const showPack = (name: string) => call<PackInfo>('pack_show', { name });
/** Creates a pack from local files (absolute paths), adopting them into the store. */
export const createPack = (name: string, files: string[], opts?: OperationOptions) =>
  long<PackWriteResult>('pack_create', { name, files }, opts);
export const addToPack = (name: string, files: string[], opts?: OperationOptions) =>
  long<PackWriteResult>('pack_add', { name, files }, opts);
/** Deletes the pack's metadata; its blobs stay (unused ones become orphans). */
export const deletePack = (name: string) => call<PackDeleteResult>('pack_delete', { name });

// ---- backup storage -------------------------------------------------------------

/** Configuration, connection, counts per side (from the cached catalog while unplugged), queued auto-backups. */
export const backupStatus = () => call<BackupStatus>('backup_status');
/** Copies one local blob to the backup (hash-checked); `already_present` when it was there. */
export const backupBlob = (sha256: string, opts?: OperationOptions) => long<BlobCopyResult>('backup_blob', { sha256 }, opts);
/** Copies one blob from the backup into the local store. */
export const restoreBlob = (sha256: string, opts?: OperationOptions) => long<BlobCopyResult>('restore_blob', { sha256 }, opts);
/**
 * Sync store ⇄ backup. Defaults: `to_backup`, only missing, dry run (the
 * wizard's Preview). Pass `dry_run: false` to copy; a cancel ends with
 * `cancelled: true` in the result and what was copied so far.
 */
export const backupSync = (options: Partial<SyncOptions> = {}, opts?: OperationOptions) =>
  long<SyncResult>(
    'backup_sync',
    { options: { direction: 'to_backup', only_missing: true, dry_run: true, include_orphans: false, ...options } },
    opts,
  );
/** Per-blob storage status of one pack ("3/3 synced", "2 local only", ...). */
export const packBackupStatus = (name: string) => call<PackBackupStatus>('pack_backup_status', { name });
/** Push a pack's local-only blobs; `free: true` then frees local copies safely on the backup ("Push & free"). */
export const pushPack = (name: string, options: Partial<PushOptions> = {}, opts?: OperationOptions) =>
  long<PackTransferResult>('pack_push', { name, options: { dry_run: true, free: false, ...options } }, opts);
/** Restore a pack's backup-only blobs (never downloads). `dryRun` lists what it would copy. */
export const pullPack = (name: string, dryRun: boolean, opts?: OperationOptions) =>
  long<PackTransferResult>('pack_pull', { name, dryRun }, opts);
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
