/**
 * Long operations: each call gets its own progress channel and an operation
 * id the backend registers, so an `AbortSignal` can cancel it. A cancelled
 * operation rejects with `{code: 'cancelled'}` after it has cleaned up.
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import type { ProgressUpdate } from './bindings';

export interface OperationOptions {
  /** Called with every progress update (throttled to ~20 per second by the core). */
  onProgress?: (update: ProgressUpdate) => void;
  /** Aborting it asks the backend to cancel the operation. */
  signal?: AbortSignal;
}

let counter = 0;

function newOperationId(): string {
  counter += 1;
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : String(Math.random()).slice(2);
  return `op-${counter}-${random}`;
}

/**
 * The arguments every long command takes (`opId`, `onProgress`), and the
 * wiring of the abort signal to `operation_cancel`. `done` must be called
 * when the command settles.
 */
export function operationArgs(opts: OperationOptions = {}): { args: { opId: string; onProgress: Channel<ProgressUpdate> }; done: () => void } {
  const opId = newOperationId();
  const onProgress = new Channel<ProgressUpdate>();
  onProgress.onmessage = (update) => opts.onProgress?.(update);
  const abort = () => void invoke('operation_cancel', { opId }).catch(() => undefined);
  if (opts.signal?.aborted) queueMicrotask(abort);
  opts.signal?.addEventListener('abort', abort, { once: true });
  return { args: { opId, onProgress }, done: () => opts.signal?.removeEventListener('abort', abort) };
}

/** Fraction done (0..1) of an update, by bytes when known, else by items. */
export function fraction(update: ProgressUpdate | null | undefined): number {
  if (!update) return 0;
  if (update.bytes_total > 0) return Math.min(1, update.bytes_done / update.bytes_total);
  if (update.items_total > 0) return Math.min(1, update.items_done / update.items_total);
  return 0;
}
