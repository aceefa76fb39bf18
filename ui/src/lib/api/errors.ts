/**
 * The one error shape of the backend: `{code, message, details}` (the core's
 * `WireError`). Every function of `commands.ts` rejects with a `WireError`,
 * never with a bare string, so the UI can branch on `code` (never on the
 * message) and show `message` as it is.
 */
import type { ErrorCode, WireError } from './bindings';

export type { ErrorCode, WireError };

// A record, not a list: TypeScript refuses it when the core gains a code
// that is not here (a list once missed below_min_copies and unresponsive,
// and those errors reached the window as `io`).
const KNOWN: Record<ErrorCode, true> = {
  invalid_argument: true,
  not_found: true,
  already_exists: true,
  in_use: true,
  name_clash: true,
  git_working_tree: true,
  restore_needed: true,
  last_copy: true,
  below_min_copies: true,
  packs_unreadable: true,
  foreign_target: true,
  backup_not_enabled: true,
  backup_not_connected: true,
  unresponsive: true,
  insufficient_space: true,
  integrity: true,
  busy: true,
  cancelled: true,
  invalid_file: true,
  io: true,
  internal: true,
};
const CODES = Object.keys(KNOWN) as readonly ErrorCode[];

export function isWireError(e: unknown): e is WireError {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.code === 'string' && (CODES as readonly string[]).includes(o.code) && typeof o.message === 'string';
}

/** Normalises anything a call can throw (a WireError, a string from Tauri itself, an Error) into a WireError. */
export function toWireError(e: unknown): WireError {
  if (isWireError(e)) return { code: e.code, message: e.message, details: e.details ?? {} };
  if (e instanceof Error) return { code: 'io', message: e.message, details: {} };
  return { code: 'io', message: typeof e === 'string' ? e : JSON.stringify(e), details: {} };
}

/** True for an operation stopped by the user's Cancel (not a failure to report). */
export function isCancelled(e: unknown): boolean {
  return isWireError(e) && e.code === 'cancelled';
}
