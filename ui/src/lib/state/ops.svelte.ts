/**
 * Operations the user starts from the inventory, the packs page or the tray,
 * and the dialogs they open. Pages call these; the dialogs (mounted once in
 * App.svelte) read the requests from here. Every outcome is reported with a
 * toast, and the inventory is reloaded after anything that changed the disk.
 */
import { SvelteSet } from 'svelte/reactivity';
import * as api from '$lib/api';
import type { AssetKind, DeleteTarget, IdentifyResult, InventoryItem, Selection, UsePlan, WireError } from '$lib/api';
import type { IdentifyRequest } from '$lib/components/inventory/identify-dialog.svelte';
import { hasProviderOrigin, identifySummary } from '$lib/components/inventory/identify';
import { kindInfo } from '$lib/components/inventory/present';
import type { BlobAction } from '$lib/components/inventory/actions';
import { unuseSummary, useBlockers, useSummary } from '$lib/components/packs/use';
import { formatBytes, num, plural } from '$lib/utils';
import { app, type AppState } from './app.svelte';
import { toasts, type Toasts } from './toasts.svelte';
import { uiTargets, type UiTargetsState } from './ui-targets.svelte';
import { packs } from './packs.svelte';
import { describeError, errorCode } from './errors';
import { previews } from './previews.svelte';

export type DeleteRequest = { item: InventoryItem; target: DeleteTarget };
export type BulkKind = 'backup' | 'restore' | 'delete';
export type BulkRequest = { kind: BulkKind; items: InventoryItem[] };
export type VerifyRequest = { scope: 'all_local' | 'all_backup' | 'selected'; items: InventoryItem[] };
export type SyncRequest = { direction: 'to_backup' | 'from_backup' };
export type PackOpKind = 'pull' | 'push' | 'push_free';
export type PackOpRequest = { pack: string; kind: PackOpKind };
/**
 * A `use` of a pack in one UI target that needs the window: the plan when
 * blobs must first be restored from the backup (the user confirms), or the
 * error when it cannot go ahead (names taken in the UI folders, blobs that are nowhere).
 */
export type UseRequest = { pack: string; ui: string; plan: UsePlan | null; error: WireError | null };

/** The key of a pack × UI target in `Ops.viewBusy`. */
export const viewKey = (pack: string, ui: string) => `${pack}\n${ui}`;

export class Ops {
  deleteReq = $state.raw<DeleteRequest | null>(null);
  impactsReq = $state.raw<InventoryItem | null>(null);
  /** The model whose detail panel is open. */
  detailReq = $state.raw<InventoryItem | null>(null);
  bulkReq = $state.raw<BulkRequest | null>(null);
  verifyReq = $state.raw<VerifyRequest | null>(null);
  syncReq = $state.raw<SyncRequest | null>(null);
  packOpReq = $state.raw<PackOpRequest | null>(null);
  useReq = $state.raw<UseRequest | null>(null);
  /** The missing blob whose re-download runs in the progress dialog. */
  redownloadReq = $state.raw<InventoryItem | null>(null);
  cleanupOpen = $state(false);
  /** The plan of `backup sync --all` (copies up to the policy) is open. */
  syncAllOpen = $state(false);
  /** The scrub dialog, for this place (`local` or a target's name). */
  scrubReq = $state.raw<{ target: string } | null>(null);
  doctorOpen = $state(false);
  /** The identify dialog (SPEC §3.14): what it would ask Civitai about. */
  identifyReq = $state.raw<IdentifyRequest | null>(null);
  /** Hashes with an operation running (rows show a spinner, buttons disable). */
  busy = new SvelteSet<string>();
  /** Pack × UI target pairs (`viewKey`) with a use / unuse running. */
  viewBusy = new SvelteSet<string>();

  #app: AppState;
  #toasts: Toasts;
  #targets: UiTargetsState;

  constructor(appState: AppState, toastState: Toasts, targets: UiTargetsState = uiTargets) {
    this.#app = appState;
    this.#toasts = toastState;
    this.#targets = targets;
  }

  /** Opens the plan of copies that bring every model up to the copies policy. */
  openSyncAll() {
    this.syncAllOpen = true;
  }
  /** Opens the scrub dialog for `target` (`local` or a target's name). */
  openScrub(target: string) {
    this.scrubReq = { target };
  }

  requestDelete(item: InventoryItem, target: DeleteTarget) {
    this.deleteReq = { item, target };
  }
  showImpacts(item: InventoryItem) {
    this.impactsReq = item;
  }
  showDetail(item: InventoryItem) {
    this.detailReq = item;
  }

  /** Runs one of a model's actions (row button, menu, detail panel, keyboard): one place, one meaning. */
  act(action: BlobAction, item: InventoryItem) {
    switch (action) {
      case 'copy_sha':
        return void this.copySha(item);
      case 'impacts':
        return this.showImpacts(item);
      case 'backup':
        return void this.backup([item]);
      case 'restore':
        return void this.restore([item]);
      case 'delete_local':
        return this.requestDelete(item, 'local');
      case 'delete_backup':
        return this.requestDelete(item, 'backup');
      case 'delete_both':
        return this.requestDelete(item, 'both');
      case 'redownload':
        return this.requestRedownload(item);
      case 'repair':
        return void this.repair(item);
      case 'identify':
        return this.openIdentify({
          selection: { blobs: [item.sha256] },
          what: item.display_name,
          count: 1,
          // One model that already has a name: the user asks for it again.
          refresh: !!item.metadata || hasProviderOrigin(item.origin),
        });
    }
  }

  /** Renames a pack (its profiles and UI links follow); toasts the outcome. */
  async renamePack(from: string, to: string): Promise<boolean> {
    try {
      const r = await api.renamePack(from, to);
      const links = r.links > 0 ? `; ${plural(r.links, 'link')} in UI folders follow` : '';
      this.#toasts.success(`Renamed ${from} to ${r.to}`, `Profiles updated: ${r.profiles.length}${links}`);
      await this.refreshViews();
      return true;
    } catch (e) {
      this.#toasts.error(`Could not rename ${from}`, describeError(e));
      return false;
    }
  }

  /** Deletes a pack's metadata (its models stay); toasts how many became orphans. */
  async deletePack(name: string): Promise<boolean> {
    try {
      const r = await api.deletePack(name);
      const orphans = r.orphaned.length > 0 ? `${plural(r.orphaned.length, 'model')} no other pack uses ${r.orphaned.length === 1 ? 'is an orphan' : 'are orphans'} now (not deleted).` : 'No model became an orphan.';
      this.#toasts.success(`Deleted pack ${name}`, orphans);
      await this.refreshViews();
      return true;
    } catch (e) {
      this.#toasts.error(`Could not delete pack ${name}`, describeError(e));
      return false;
    }
  }

  /** Opens the desktop's file manager on a file, selected. */
  async showInFolder(path: string) {
    try {
      await api.showInFolder(path);
    } catch (e) {
      this.#toasts.error('Could not open the file manager', describeError(e));
    }
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
  /** Opens the identify dialog; nothing is sent until the user presses Identify there. */
  openIdentify(req: IdentifyRequest) {
    this.identifyReq = req;
  }

  /**
   * Asks Civitai about the models (by hash only), toasts what it came to,
   * and reloads the inventory and the previews. Rejects like the command.
   */
  async identify(selection: Selection, refresh: boolean, opts?: api.OperationOptions): Promise<IdentifyResult> {
    try {
      const r = await api.identifyRun(selection, refresh, opts);
      const s = identifySummary(r);
      if (s.tone === 'error') this.#toasts.error(s.title, s.lines[0]);
      else if (s.tone === 'warning') this.#toasts.error(s.title, s.lines.join('\n'));
      else this.#toasts.success(s.title, s.lines.join('\n'));
      return r;
    } catch (e) {
      if (errorCode(e) === 'cancelled') this.#toasts.info('Identify stopped', 'What Civitai had answered until then is kept.');
      else this.#toasts.error('Could not identify the models', describeError(e));
      throw e;
    } finally {
      previews.forget();
      await this.#app.refresh();
    }
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

  /**
   * Replaces the corrupt copies of a model from a good copy (the corrupt
   * file is kept in quarantine). A corrupt only copy cannot be repaired: the
   * toast says why, and the file stays where it is.
   */
  async repair(item: InventoryItem) {
    if (this.busy.has(item.sha256)) return;
    this.busy.add(item.sha256);
    try {
      const plan = await api.repairPlan([item.sha256]);
      if (plan.items.length === 0) {
        const why = plan.cannot[0]?.reason ?? plan.not_corrupt[0]?.reason ?? 'nothing to repair';
        this.#toasts.error(`Cannot repair ${item.display_name}`, why);
        return;
      }
      const r = await api.applyRepair(plan);
      if (r.errors.length > 0) this.#toasts.error(`Could not repair ${item.display_name}`, r.errors.map((e) => e.message).join('\n'));
      else if (r.repaired.length > 0)
        this.#toasts.success(`Repaired ${item.display_name}`, `Replaced from the ${r.repaired[0].from} copy; the corrupt file is kept in quarantine.`);
      else this.#toasts.info(`${item.display_name} needed no repair`, r.skipped[0]?.reason ?? '');
    } catch (e) {
      this.#toasts.error(`Could not repair ${item.display_name}`, describeError(e));
    } finally {
      this.busy.delete(item.sha256);
    }
    await this.#app.refresh();
  }

  /** Opens the re-download progress dialog for a missing blob (the menu's "Re-download"). */
  requestRedownload(item: InventoryItem) {
    if (!this.busy.has(item.sha256)) this.redownloadReq = item;
  }

  /**
   * Downloads a missing blob again from the URL its pack lock records (the
   * row shows a spinner meanwhile; `opts` carries the dialog's progress and
   * Cancel). Resolves true when the blob is in the store afterwards.
   */
  async redownload(item: InventoryItem, opts?: api.OperationOptions): Promise<boolean> {
    if (this.busy.has(item.sha256)) return false;
    this.busy.add(item.sha256);
    let ok = false;
    try {
      const r = await api.redownloadBlob(item.sha256, opts);
      ok = true;
      if (r.already_present) this.#toasts.info(`${r.display_name} is already in the store`);
      else this.#toasts.success(`Downloaded ${r.display_name}`, `${formatBytes(r.size_bytes)}${r.resumed_from > 0 ? `, resumed after ${formatBytes(r.resumed_from)}` : ''}`);
    } catch (e) {
      if (errorCode(e) === 'cancelled') this.#toasts.info('Re-download cancelled', `${item.display_name}: the partial download was deleted.`);
      else this.#toasts.error(`Could not re-download ${item.display_name}`, describeError(e));
    } finally {
      this.busy.delete(item.sha256);
    }
    await this.#app.refresh();
    return ok;
  }

  /**
   * Uses a pack in one UI target. The plan comes first: when blobs must be
   * restored from the backup, the confirmation dialog takes over (`useReq`);
   * otherwise the links are made at once. Clashes and blobs that are nowhere
   * open the dialog as an error listing them.
   */
  async use(pack: string, ui: string) {
    const key = viewKey(pack, ui);
    if (this.viewBusy.has(key)) return;
    this.viewBusy.add(key);
    try {
      const plan = await api.planUse(pack, ui);
      if (plan.preview.restored_blobs.length > 0) {
        this.useReq = { pack, ui, plan, error: null };
        return;
      }
      // Nothing to confirm: the plan just made is the one applied.
      const r = await api.applyUse(plan);
      this.#toasts.success(`${pack} is in use in ${ui}`, useSummary(r));
    } catch (e) {
      this.useFailed(pack, ui, e);
    } finally {
      this.viewBusy.delete(key);
    }
    await this.refreshViews();
  }

  /** Reports a failed use: with the dialog listing the paths or blobs when the error names them. */
  useFailed(pack: string, ui: string, e: unknown) {
    if (errorCode(e) === 'cancelled') {
      this.#toasts.info('Cancelled');
      return;
    }
    const w = api.toWireError(e);
    if (useBlockers(w)) {
      this.useReq = { pack, ui, plan: null, error: w };
      this.#toasts.error(`Could not use ${pack} in ${ui}`, w.message);
    } else this.#toasts.error(`Could not use ${pack} in ${ui}`, describeError(e));
  }

  /** Removes the links `use` made for a pack in one UI target. */
  async unuse(pack: string, ui: string) {
    const key = viewKey(pack, ui);
    if (this.viewBusy.has(key)) return;
    this.viewBusy.add(key);
    try {
      const r = await api.unusePack(pack, ui);
      if (r.changed.length > 0) this.#toasts.info(`${pack} is no longer used in ${ui}`, unuseSummary(r));
      else this.#toasts.success(`${pack} is no longer used in ${ui}`, unuseSummary(r));
    } catch (e) {
      this.#toasts.error(`Could not stop using ${pack} in ${ui}`, describeError(e));
    } finally {
      this.viewBusy.delete(key);
    }
    await this.refreshViews();
  }

  /** Sets the kind of every model of a pack (the UI folder `use` links them into), then reloads. */
  async setPackKind(pack: string, kind: AssetKind): Promise<boolean> {
    try {
      const r = await api.setPackKind(pack, null, kind);
      if (r.changed.length > 0) this.#toasts.success(`${pack}: kind set to ${kindInfo[kind].label}`, plural(r.changed.length, 'model'));
      else this.#toasts.info(`${pack} is already ${kindInfo[kind].label}`);
      await this.#app.refresh();
      return true;
    } catch (e) {
      this.#toasts.error(`Could not change the kind of ${pack}`, describeError(e));
      return false;
    }
  }

  /** The inventory (its `active_in_uis`), the UI targets and the pack list (their active packs) after a use or unuse. */
  async refreshViews() {
    await Promise.all([this.#app.refresh(), this.#targets.load(), packs.loaded ? packs.load() : Promise.resolve()]);
  }
}

export const ops = new Ops(app, toasts);
