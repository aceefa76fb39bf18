/**
 * What the UI does with a backend error. The wire shape is `WireError
 * {code, message, details}` (SPEC §5, STYLE 7); this table maps each code to
 * a title and the action to suggest. Nobody matches on message strings.
 */
import { toWireError, type ErrorCode, type WireError } from '$lib/api';

type Advice = { title: string; action?: string };

export const ERROR_ADVICE: Record<ErrorCode, Advice> = {
  invalid_argument: { title: 'Invalid input' },
  not_found: { title: 'Not found', action: 'Refresh the inventory: it may have changed.' },
  already_exists: { title: 'Already exists' },
  in_use: { title: 'Packs or a UI use this model', action: 'Review the impacts and confirm.' },
  name_clash: { title: 'A file of that name is in the way', action: 'Move or rename the files listed, then try again.' },
  git_working_tree: { title: 'The state folder is a git working tree', action: 'Commit your changes first, then confirm the pull.' },
  restore_needed: { title: 'Models must be restored first', action: 'Confirm restoring them from the backup drive.' },
  last_copy: { title: 'This is the last copy', action: 'Back it up first, or confirm deleting it permanently.' },
  below_min_copies: { title: 'Fewer copies than your policy asks', action: 'Copy it to another backup target first, or confirm going below the policy.' },
  packs_unreadable: { title: 'Some packs cannot be read', action: 'Fix or remove the broken pack files first (see Doctor).' },
  backup_not_enabled: { title: 'Backup storage is not enabled', action: 'Configure it in Settings.' },
  backup_not_connected: { title: 'Backup drive not connected', action: 'Plug in and mount the drive, then try again.' },
  unresponsive: {
    title: 'The drive does not answer',
    action: 'Its mount looks hung (a network or FUSE server that stopped). Check the server or drive, or unmount it, then try again.',
  },
  insufficient_space: { title: 'Not enough free space', action: 'Free some space on the destination first.' },
  integrity: { title: 'Integrity check failed', action: 'Run Verify integrity to see which files are damaged.' },
  busy: { title: 'The store is busy', action: 'Another operation is running; try again when it finishes.' },
  cancelled: { title: 'Cancelled' },
  invalid_file: { title: 'Invalid file' },
  io: { title: 'Disk error' },
  internal: { title: 'Something went wrong inside Synapse', action: 'This is a bug, not something you did: please report it with the message.' },
};

export type UiError = WireError & { title: string; text: string };

/** Anything thrown by an API call, as something to show. */
export function toUiError(e: unknown): UiError {
  const w = toWireError(e);
  const advice = ERROR_ADVICE[w.code] ?? { title: 'Operation failed' };
  return { ...w, title: advice.title, text: advice.action ? `${w.message} — ${advice.action}` : w.message };
}

/** One line for a toast or an inline error: "message — what to do". */
export function describeError(e: unknown): string {
  return toUiError(e).text;
}

export function errorCode(e: unknown): ErrorCode {
  return toWireError(e).code;
}
