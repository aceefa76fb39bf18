/**
 * The one error shape of the backend: `{code, message, details}` (the core's
 * `WireError`). Every function of `commands.ts` rejects with a `WireError`,
 * never with a bare string, so the UI can branch on `code` (never on the
 * message) and show `message` as it is.
 */
import type { ErrorCode, WireError } from './bindings';

export type { ErrorCode, WireError };

const CODES: readonly ErrorCode[] = [
  'invalid_argument',
  'not_found',
  'already_exists',
  'in_use',
  'name_clash',
  'git_working_tree',
  'restore_needed',
  'last_copy',
  'packs_unreadable',
  'backup_not_enabled',
  'backup_not_connected',
  'insufficient_space',
  'integrity',
  'busy',
  'cancelled',
  'invalid_file',
  'io',
  'internal',
] satisfies ErrorCode[];

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
