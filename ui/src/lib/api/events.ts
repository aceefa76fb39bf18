/**
 * App-wide events from the shell. Each `on…` resolves with a function that
 * stops listening (call it from an `$effect` cleanup).
 */
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type { BackgroundScrub, BackupWatch, InventoryChanged, OpenRequest, OperationFinished, TargetWatch } from './bindings';

export type { UnlistenFn };

export const EVENTS = {
  backupStatus: 'backup://status',
  targetsStatus: 'targets://status',
  scrubBackground: 'scrub://background',
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
/** Every backup target's state, sent again whenever one of them changes (attach, detach, unresponsive). */
export const onTargetsStatus = (cb: (targets: TargetWatch[]) => void) => listen<TargetWatch[]>(EVENTS.targetsStatus, (e) => cb(e.payload));
/** The background scrub of an attached drive started, paused, went on or ended. */
export const onBackgroundScrub = (cb: (scrub: BackgroundScrub) => void) => listen<BackgroundScrub>(EVENTS.scrubBackground, (e) => cb(e.payload));

/** A file drag over the window: `enter` (with the paths), `leave`, or `drop` (with the paths). */
export type FileDrag = { type: 'enter'; paths: string[] } | { type: 'leave' } | { type: 'drop'; paths: string[] };

/**
 * Files dragged over and dropped on the window (Tauri's webview drag-drop
 * events, which carry the files' paths; `over` moves are left out).
 */
export async function onFileDrag(cb: (drag: FileDrag) => void): Promise<UnlistenFn> {
  // Async, so that outside Tauri (no webview to ask) it rejects like the other listeners.
  const unlisten = await getCurrentWebview().onDragDropEvent((e) => {
    const p = e.payload;
    if (p.type === 'enter' || p.type === 'drop') cb({ type: p.type, paths: p.paths });
    else if (p.type === 'leave') cb({ type: 'leave' });
  });
  // Its unlisten is async: a window that is closing may no longer answer it, which is fine.
  return () => void Promise.resolve(unlisten()).catch(() => undefined);
}
