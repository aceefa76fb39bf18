/**
 * Which actions a blob offers, by location × status (SPEC §6, seeds §5.3.3).
 * Pure functions so the table, the context menu, the bulk bar and their tests
 * agree on one answer.
 */
import type { DeleteTarget, InventoryItem } from '$lib/api';
import { num } from '$lib/utils';

export type BlobAction =
  | 'copy_sha'
  | 'impacts'
  | 'backup'
  | 'restore'
  | 'delete_local'
  | 'delete_backup'
  | 'delete_both'
  | 'redownload'
  | 'repair'
  | 'identify';

type ActionItem = Pick<InventoryItem, 'status' | 'location' | 'on_local' | 'on_backup'> & {
  /** Every copy; a corrupt one offers Repair. */
  copies?: InventoryItem['copies'];
  origin?: InventoryItem['origin'];
  /** A pack lock records a download URL (SPEC §3.8 `redownload`). */
  has_download_url?: boolean;
};

/**
 * The context-menu actions of one blob, in menu order. Actions that need the
 * backup drive are listed even when it is disconnected (they are shown
 * disabled with the reason), so the menu does not change shape on unplug.
 */
export function menuActions(item: ActionItem): BlobAction[] {
  const orphan = item.status === 'orphan';
  const out: BlobAction[] = ['copy_sha'];
  // A corrupt copy is replaced from a good one (the bad file is kept in quarantine).
  if (corrupt(item)) out.push('repair');
  if (!orphan) out.push('impacts');
  // Asked by hash: any model, wherever its copies are (SPEC §3.14).
  out.push('identify');
  switch (item.location) {
    case 'both':
      out.push('delete_local', 'delete_backup');
      if (orphan) out.push('delete_both');
      break;
    case 'local_only':
      out.push('backup');
      // A referenced local-only blob is the pack's only copy: deleting it is
      // not offered from the menu (back it up first); an orphan may go.
      if (orphan) out.push('delete_local');
      break;
    case 'backup_only':
      out.push('restore', 'delete_backup');
      break;
    case 'nowhere':
      // Missing everywhere: only a download URL in a lock can bring it back.
      if (item.has_download_url) out.push('redownload');
      break;
  }
  return out;
}

/** The words of each action, the same in the row menu and the detail panel. */
export const actionLabel: Record<BlobAction, string> = {
  copy_sha: 'Copy SHA-256',
  impacts: 'Show impacts',
  backup: 'Back up now',
  restore: 'Restore from backup',
  delete_local: 'Delete from this disk',
  delete_backup: 'Delete from backup',
  delete_both: 'Delete everywhere',
  redownload: 'Re-download',
  repair: 'Repair from a good copy',
  identify: 'Identify on Civitai…',
};

function corrupt(item: ActionItem): boolean {
  return (item.copies ?? []).some((c) => c.corrupt);
}

/** Actions that need the backup drive connected. */
export function needsBackup(action: BlobAction): boolean {
  return action === 'repair' || action === 'backup' || action === 'restore' || action === 'delete_backup' || action === 'delete_both';
}

/** The one inline button of a row: local-only → Back up, backup-only → Restore, local orphan → Delete. */
export function quickAction(item: ActionItem): 'backup' | 'restore' | 'delete_local' | 'repair' | null {
  if (corrupt(item)) return 'repair';
  if (item.status === 'orphan' && item.on_local) return 'delete_local';
  if (item.location === 'local_only') return 'backup';
  if (item.location === 'backup_only') return 'restore';
  return null;
}

export type BulkPlan = {
  count: number;
  bytes: number;
  /** Selected blobs that are only local (can be backed up). */
  backup: InventoryItem[];
  /** Selected blobs that are only on the backup (can be restored). */
  restore: InventoryItem[];
  /** Selected orphans that are present locally (can be deleted locally). */
  deleteOrphans: InventoryItem[];
};

/** What the bulk bar offers for a selection. */
export function bulkPlan(selected: InventoryItem[]): BulkPlan {
  const plan: BulkPlan = { count: selected.length, bytes: 0, backup: [], restore: [], deleteOrphans: [] };
  for (const it of selected) {
    plan.bytes += num(it.size_bytes);
    if (it.location === 'local_only') plan.backup.push(it);
    if (it.location === 'backup_only') plan.restore.push(it);
    if (it.status === 'orphan' && it.on_local) plan.deleteOrphans.push(it);
  }
  return plan;
}

export type DeletePlan = {
  /** The target removes the last copy anywhere (SPEC §3.3 table). */
  lastCopy: boolean;
  /** Packs use the blob: the delete needs the user to accept the impact. */
  referenced: boolean;
  /** "The backup copy will be kept" / "The local copy will be kept", when true. */
  keptNote: string | null;
  /** The core must be called with force (last copy or referenced). */
  force: boolean;
  title: string;
  confirmLabel: string;
};

const TARGET_WORDS: Record<DeleteTarget, string> = { local: 'from this disk', backup: 'from the backup', both: 'from this disk and the backup', everywhere: 'everywhere' };

/** What the delete confirmation says and does for one blob and target. */
export function deletePlan(item: Pick<InventoryItem, 'on_local' | 'on_backup' | 'used_by_packs' | 'status'>, target: DeleteTarget): DeletePlan {
  const remainsLocal = target === 'backup' && item.on_local;
  const remainsBackup = target === 'local' && item.on_backup;
  const lastCopy = !remainsLocal && !remainsBackup;
  const referenced = item.status !== 'orphan' && item.used_by_packs.length > 0;
  return {
    lastCopy,
    referenced,
    keptNote: remainsBackup ? 'The backup copy will be kept.' : remainsLocal ? 'The local copy will be kept.' : null,
    force: lastCopy || referenced,
    title: `Delete ${TARGET_WORDS[target]}?`,
    confirmLabel: lastCopy ? 'Delete permanently' : target === 'local' ? 'Delete from this disk' : target === 'backup' ? 'Delete from backup' : 'Delete everywhere',
  };
}
