/** A pack's storage status from its blobs and the inventory (SPEC §6 Packs page). */
import type { InventoryItem, Location, PackBlob } from '$lib/api';

export type PackStorage = {
  total: number;
  both: number;
  localOnly: number;
  backupOnly: number;
  missing: number;
};

export function blobLocation(blob: Pick<PackBlob, 'sha256' | 'on_local'>, bySha: ReadonlyMap<string, InventoryItem>): Location {
  return bySha.get(blob.sha256)?.location ?? (blob.on_local ? 'local_only' : 'nowhere');
}

export function packStorage(blobs: readonly Pick<PackBlob, 'sha256' | 'on_local'>[], bySha: ReadonlyMap<string, InventoryItem>): PackStorage {
  const s: PackStorage = { total: blobs.length, both: 0, localOnly: 0, backupOnly: 0, missing: 0 };
  for (const b of blobs) {
    const loc = blobLocation(b, bySha);
    if (loc === 'both') s.both++;
    else if (loc === 'local_only') s.localOnly++;
    else if (loc === 'backup_only') s.backupOnly++;
    else s.missing++;
  }
  return s;
}

export type StoragePart = { text: string; tone: 'success' | 'warning' | 'info' | 'destructive' | 'muted' };

/** "3/3 synced", "2 local only", "1 backup only", "1 missing" — the parts that apply. */
export function storageLabels(s: PackStorage): StoragePart[] {
  if (s.total === 0) return [{ text: 'no models', tone: 'muted' }];
  const out: StoragePart[] = [];
  if (s.both === s.total) return [{ text: `${s.both}/${s.total} synced`, tone: 'success' }];
  if (s.both > 0) out.push({ text: `${s.both}/${s.total} synced`, tone: 'success' });
  if (s.localOnly > 0) out.push({ text: `${s.localOnly} local only`, tone: 'warning' });
  if (s.backupOnly > 0) out.push({ text: `${s.backupOnly} backup only`, tone: 'info' });
  if (s.missing > 0) out.push({ text: `${s.missing} missing`, tone: 'destructive' });
  return out;
}

/** One place a pack is active in: a UI target by name, or (for files `adopt` linked outside every
 * target) the adopted folder, shortened to its last two parts with the whole path as its title. */
export function activeInLabel(ui: string): { text: string; title: string } {
  if (!ui.includes('/') && !ui.includes('\\')) return { text: ui, title: `Linked into ${ui}` };
  const parts = ui.split(/[\\/]+/).filter(Boolean);
  const text = parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : ui;
  return { text, title: `Linked from ${ui}` };
}
