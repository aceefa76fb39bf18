/**
 * Operations the user starts from the inventory, the packs page or the tray,
 * and the dialogs they open. Pages call these; the dialogs (mounted once in
 * App.svelte) read the requests from here. Every outcome is reported with a
 * toast, and the inventory is reloaded after anything that changed the disk.
 */
import { SvelteSet } from 'svelte/reactivity';
import * as api from '$lib/api';
import type { DeleteTarget, InventoryItem } from '$lib/api';
import { formatBytes, num, plural } from '$lib/utils';
import { app, type AppState } from './app.svelte';
import { toasts, type Toasts } from './toasts.svelte';
import { describeError, errorCode } from './errors';

export type DeleteRequest = { item: InventoryItem; target: DeleteTarget };
export type BulkKind = 'backup' | 'restore' | 'delete';
export type BulkRequest = { kind: BulkKind; items: InventoryItem[] };
export type VerifyRequest = { scope: 'all_local' | 'all_backup' | 'selected'; items: InventoryItem[] };
export type SyncRequest = { direction: 'to_backup' | 'from_backup' };
export type PackOpKind = 'pull' | 'push' | 'push_free';
export type PackOpRequest = { pack: string; kind: PackOpKind };

export class Ops {
  deleteReq = $state.raw<DeleteRequest | null>(null);
  impactsReq = $state.raw<InventoryItem | null>(null);
  bulkReq = $state.raw<BulkRequest | null>(null);
  verifyReq = $state.raw<VerifyRequest | null>(null);
  syncReq = $state.raw<SyncRequest | null>(null);
  packOpReq = $state.raw<PackOpRequest | null>(null);
  cleanupOpen = $state(false);
  doctorOpen = $state(false);
  /** Hashes with an operation running (rows show a spinner, buttons disable). */
  busy = new SvelteSet<string>();

  #app: AppState;
  #toasts: Toasts;

  constructor(appState: AppState, toastState: Toasts) {
    this.#app = appState;
    this.#toasts = toastState;
  }

  requestDelete(item: InventoryItem, target: DeleteTarget) {
    this.deleteReq = { item, target };
  }
  showImpacts(item: InventoryItem) {
    this.impactsReq = item;
  }
  requestBulk(kind: BulkKind, items: InventoryItem[]) {
    if (items.length > 0) this.bulkReq = { kind, items };
  }
  openCleanup() {
    this.cleanupOpen = true;
  }
  openSync(direction: SyncRequest['direction'] = 'to_backup') {
    this.syncReq = { direction };
  }
  openVerify(scope: VerifyRequest['scope'] = 'all_local', items: InventoryItem[] = []) {
    this.verifyReq = { scope, items };
  }
  openDoctor() {
    this.doctorOpen = true;
  }
  requestPackOp(pack: string, kind: PackOpKind) {
    this.packOpReq = { pack, kind };
  }

  async copySha(item: InventoryItem) {
    try {
      await navigator.clipboard.writeText(item.sha256);
      this.#toasts.success('SHA-256 copied', item.sha256);
    } catch (e) {
      this.#toasts.error('Could not copy to the clipboard', describeError(e));
    }
  }

  /** Copies local-only blobs to the backup, one by one; stops at the first drive error. */
  async backup(items: InventoryItem[]) {
    await this.#copyMany(items, 'backup');
  }

  /** Copies backup-only blobs back to this disk. */
  async restore(items: InventoryItem[]) {
    await this.#copyMany(items, 'restore');
  }

  async #copyMany(items: InventoryItem[], kind: 'backup' | 'restore') {
    if (items.length === 0) return;
    const verb = kind === 'backup' ? 'Backed up' : 'Restored';
    let done = 0;
    let bytes = 0;
    const failures: string[] = [];
    for (const it of items) {
      this.busy.add(it.sha256);
      try {
        if (kind === 'backup') await api.backupBlob(it.sha256);
        else await api.restoreBlob(it.sha256);
        done++;
        bytes += num(it.size_bytes);
      } catch (e) {
        failures.push(`${it.display_name}: ${describeError(e)}`);
        const code = errorCode(e);
        if (code === 'backup_not_connected' || code === 'backup_not_enabled' || code === 'insufficient_space') break;
      } finally {
        this.busy.delete(it.sha256);
      }
    }
    if (done > 0) this.#toasts.success(`${verb} ${plural(done, 'model')}`, formatBytes(bytes));
    if (failures.length > 0) {
      const skipped = items.length - done - failures.length;
      this.#toasts.error(
        `${kind === 'backup' ? 'Backup' : 'Restore'} failed for ${plural(failures.length, 'model')}`,
        failures.slice(0, 3).join('\n') + (skipped > 0 ? `\n${skipped} not attempted.` : ''),
      );
    }
    await this.#app.refresh();
  }

  /** Deletes local copies of orphans (bulk); each goes through the core's guard rails. */
  async deleteOrphans(items: InventoryItem[], force: boolean) {
    let done = 0;
    let bytes = 0;
    const failures: string[] = [];
    for (const it of items) {
      this.busy.add(it.sha256);
      try {
        const r = await api.deleteBlob(it.sha256, 'local', force);
        done++;
        bytes += num(r.bytes_freed);
      } catch (e) {
        failures.push(`${it.display_name}: ${describeError(e)}`);
      } finally {
        this.busy.delete(it.sha256);
      }
    }
    if (done > 0) this.#toasts.success(`Deleted ${plural(done, 'orphan')}`, `${formatBytes(bytes)} freed`);
    if (failures.length > 0) this.#toasts.error(`Could not delete ${plural(failures.length, 'orphan')}`, failures.slice(0, 3).join('\n'));
    await this.#app.refresh();
  }

  /** Re-download (SPEC §3.8) is offered once the backend has it (`redownloadBlob` in `$lib/api`). */
  redownloadAvailable(): boolean {
    return typeof (api as Record<string, unknown>).redownloadBlob === 'function';
  }

  async redownload(item: InventoryItem) {
    const fn = (api as Record<string, unknown>).redownloadBlob as ((sha256: string) => Promise<unknown>) | undefined;
    if (!fn) {
      this.#toasts.error('Re-download is not available in this version');
      return;
    }
    this.busy.add(item.sha256);
    try {
      await fn(item.sha256);
      this.#toasts.success(`Downloaded ${item.display_name}`);
    } catch (e) {
      this.#toasts.error(`Could not re-download ${item.display_name}`, describeError(e));
    } finally {
      this.busy.delete(item.sha256);
    }
    await this.#app.refresh();
  }
}

export const ops = new Ops(app, toasts);
