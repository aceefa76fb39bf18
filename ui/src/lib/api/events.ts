/**
 * App-wide events from the shell. Each `on…` resolves with a function that
 * stops listening (call it from an `$effect` cleanup).
 */
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { BackupWatch, InventoryChanged, OpenRequest, OperationFinished } from './bindings';

export type { UnlistenFn };

export const EVENTS = {
  backupStatus: 'backup://status',
  inventoryChanged: 'inventory://changed',
  open: 'app://open',
  operationFinished: 'operation://finished',
} as const;

/** The backup drive was attached/detached or re-configured (within ~1 s of it happening). */
export const onBackupStatus = (cb: (status: BackupWatch) => void) => listen<BackupWatch>(EVENTS.backupStatus, (e) => cb(e.payload));
/** Blobs or packs changed on disk: reload lists. */
export const onInventoryChanged = (cb: (change: InventoryChanged) => void) =>
  listen<InventoryChanged>(EVENTS.inventoryChanged, (e) => cb(e.payload));
/** The tray asks the window to show something (cleanup wizard, backup sync wizard, ...). */
export const onOpenRequest = (cb: (request: OpenRequest) => void) => listen<OpenRequest>(EVENTS.open, (e) => cb(e.payload));
/** An operation the window did not start (tray, drive attach) finished: show a toast. */
export const onOperationFinished = (cb: (result: OperationFinished) => void) =>
  listen<OperationFinished>(EVENTS.operationFinished, (e) => cb(e.payload));
