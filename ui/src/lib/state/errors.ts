/**
 * What the UI does with a backend error. The wire shape is `WireError
 * {code, message, details}` (SPEC §5, STYLE 7); this table maps each code to
 * a title and the action to suggest. Nobody matches on message strings.
 */
import { toWireError, type ErrorCode, type RemoteProblem, type WireError } from '$lib/api';

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
  foreign_target: {
    title: 'This bucket prefix belongs to another store',
    action:
      'Synapse only reads and restores from it. To back up to this bucket, add a target with another prefix (an empty folder in the bucket).',
  },
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

/**
 * A bucket target (SPEC §3.13) that could not be used comes as
 * `backup_not_connected` with `details.problem`: each problem has its own
 * title and what to do about it.
 */
export const REMOTE_ADVICE: Record<RemoteProblem, Advice> = {
  unreachable: {
    title: 'The bucket’s server does not answer',
    action: 'Check the endpoint (scheme, host and port) and that the server is running and reachable from this machine.',
  },
  credentials: {
    title: 'No access key, or the key was refused',
    action: 'Check the access key id and secret (Change key in Settings), or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY this app sees.',
  },
  bucket_missing: {
    title: 'The bucket does not exist',
    action: 'Create the bucket on the server, or correct its name (names are lower case).',
  },
  clock_skew: {
    title: 'This machine’s clock is off',
    action: 'Set the clock right (turn on network time): signed requests allow 15 minutes of difference.',
  },
  permission: {
    title: 'The key may not do this',
    action: 'Give the key permission to list, read, write and delete under the prefix (a bucket policy or the key’s policy).',
  },
  server: {
    title: 'The bucket’s server failed the request',
    action: 'Try again in a few minutes; if it keeps failing, look at the server’s logs.',
  },
};

/** The problem of a bucket target's error, if it is one. */
export function remoteProblem(e: WireError): RemoteProblem | null {
  const d = e.details as { problem?: unknown } | undefined;
  return e.code === 'backup_not_connected' && typeof d?.problem === 'string' && d.problem in REMOTE_ADVICE
    ? (d.problem as RemoteProblem)
    : null;
}

export type UiError = WireError & { title: string; text: string; action?: string };

/** Anything thrown by an API call, as something to show. */
export function toUiError(e: unknown): UiError {
  const w = toWireError(e);
  const problem = remoteProblem(w);
  const advice = (problem ? REMOTE_ADVICE[problem] : ERROR_ADVICE[w.code]) ?? { title: 'Operation failed' };
  return { ...w, title: advice.title, action: advice.action, text: advice.action ? `${w.message} — ${advice.action}` : w.message };
}

/** One line for a toast or an inline error: "message — what to do". */
export function describeError(e: unknown): string {
  return toUiError(e).text;
}

export function errorCode(e: unknown): ErrorCode {
  return toWireError(e).code;
}
