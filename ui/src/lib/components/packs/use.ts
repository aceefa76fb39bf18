/**
 * Pure decisions of Use / Unuse (SPEC §3.8): what a `use` refusal is about
 * (names taken in the UI folders, blobs that are nowhere), whether the
 * restore can go ahead, and the one-line outcomes the toasts show.
 */
import { toWireError, type MissingBlob, type UnuseResult, type UseClash, type UseResult, type WireError } from '$lib/api';
import { formatBytes, plural } from '$lib/utils';

/** Why `use` cannot go ahead, read from the wire error's details (by code, never by message). */
export type UseBlockers = {
  /** Names in the UI folders held by files Synapse did not make (`name_clash`). */
  clashes: UseClash[];
  /** Blobs in neither the store nor the backup (`not_found`). */
  missing: MissingBlob[];
};

function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/** The clashes or missing blobs an error of `planUse` / `usePack` carries; null when it carries neither. */
export function useBlockers(e: unknown): UseBlockers | null {
  const w: WireError = toWireError(e);
  const details = (w.details ?? {}) as Record<string, unknown>;
  const clashes = w.code === 'name_clash' ? list<UseClash>(details.clashes) : [];
  const missing = w.code === 'not_found' ? list<MissingBlob>(details.blobs) : [];
  return clashes.length > 0 || missing.length > 0 ? { clashes, missing } : null;
}

/** Whether the restore of a plan can run now, and if not, why (shown in the dialog, the confirm stays disabled). */
export function restoreBlocker(plan: UseResult, backupConnected: boolean): string | null {
  if (plan.restored_blobs.length === 0) return null;
  if (!backupConnected) return 'The backup drive is not connected: plug it in (or mount it) to restore these models, then try again.';
  if (plan.space_warning) return plan.space_warning;
  return null;
}

/** "2 links made, 1 already there · 1 model restored (4.3 GB)". */
export function useSummary(r: UseResult): string {
  const parts = [`${plural(r.linked.length, 'link')} made`];
  if (r.already_linked.length > 0) parts.push(`${r.already_linked.length} already there`);
  let text = parts.join(', ');
  if (r.restored_blobs.length > 0) text += ` · ${plural(r.restored_blobs.length, 'model')} restored (${formatBytes(r.bytes_restored)})`;
  if (r.skipped.length > 0) text += ` · ${plural(r.skipped.length, 'model')} skipped (no folder for its kind)`;
  return text;
}

/** "3 links removed" plus what was left alone. */
export function unuseSummary(r: UnuseResult): string {
  let text = `${plural(r.removed.length, 'link')} removed`;
  if (r.kept_for_other_packs.length > 0) text += `, ${r.kept_for_other_packs.length} kept for other packs`;
  if (r.changed.length > 0) text += ` · ${plural(r.changed.length, 'path')} no longer held Synapse's link and ${r.changed.length === 1 ? 'was' : 'were'} left untouched`;
  return text;
}
