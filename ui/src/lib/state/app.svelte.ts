/**
 * App-wide state: which page is shown, the open store, the live backup-drive
 * status (pushed by `backup://status`), and the inventory.
 */
import * as api from '$lib/api';
import type { AppInfo, BackgroundScrub, BackupStatus, BackupWatch, TargetWatch } from '$lib/api';
import { InventoryState } from './inventory.svelte';
import { describeError } from './errors';

export type Tab = 'inventory' | 'packs' | 'workflow' | 'settings' | 'help';

export const HELP_TOPICS = [
  { id: 'blob-store', title: 'How the blob store works' },
  { id: 'statuses', title: 'Statuses and locations' },
  { id: 'backup', title: 'Backup and sync' },
  { id: 'packages', title: 'Packages: export and import' },
  { id: 'workflows', title: 'Workflows: which models they need' },
  { id: 'identify', title: 'Identifying models (Civitai)' },
  { id: 'cli', title: 'Command line (CLI)' },
  { id: 'faq', title: 'FAQ' },
] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number]['id'];

/** What the backup card shows. */
export type BackupCardState = 'connected' | 'disconnected' | 'disabled';

export class AppState {
  tab = $state<Tab>('inventory');
  helpTopic = $state<HelpTopic>('blob-store');
  /** The pack whose detail is open on the Packs page (null: the list). */
  packName = $state<string | null>(null);

  info = $state.raw<AppInfo | null>(null);
  infoError = $state<string | null>(null);
  /** Whether the drive is there, pushed by `backup://status` the moment it changes. */
  watch = $state.raw<BackupWatch | null>(null);
  /** The backup's full status (space, counts, last sync), refreshed with the inventory. */
  backup = $state.raw<BackupStatus | null>(null);

  /** Every target's state, pushed by `targets://status` (null until the first push: the summary's `targets` speak). */
  targetWatch = $state.raw<TargetWatch[] | null>(null);
  /** The background scrub of an attached drive, pushed by `scrub://background`. */
  scrub = $state.raw<BackgroundScrub | null>(null);

  inventory = new InventoryState();

  /** The backup as the UI should show it right now: live status first, else the inventory summary. */
  backupState: BackupCardState = $derived.by(() => {
    const live = this.watch ?? this.backup;
    const sum = this.inventory.summary?.backup;
    const enabled = live ? live.enabled : (sum?.enabled ?? false);
    const connected = live ? live.connected : (sum?.connected ?? false);
    if (!enabled) return 'disabled';
    return connected ? 'connected' : 'disconnected';
  });
  backupConnected = $derived(this.backupState === 'connected');

  openHelp(topic: HelpTopic = 'blob-store') {
    this.helpTopic = topic;
    this.tab = 'help';
  }

  openPack(name: string) {
    this.packName = name;
    this.tab = 'packs';
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = await api.appInfo();
      this.watch = this.info.backup;
      this.infoError = null;
    } catch (e) {
      this.infoError = describeError(e);
    }
  }

  async refreshBackup(): Promise<void> {
    try {
      this.backup = await api.backupStatus();
      this.watch = { enabled: this.backup.enabled, connected: this.backup.connected, path: this.backup.path, reason: this.backup.error };
    } catch {
      // The inventory summary still describes the backup; errors of the
      // status call itself show on the Settings page when it is opened.
    }
  }

  /**
   * Everything the pages show; called at start and on `inventory://changed`.
   * The backup's status (which scans the store's blobs again) waits for the
   * inventory: on two cores it would compete with the first paint.
   */
  async refresh(): Promise<void> {
    await this.inventory.load();
    await this.refreshBackup();
  }

  /** A `targets://status` event: the target cards change at once, the counts follow with the next reload. */
  onTargetsWatch(targets: TargetWatch[]) {
    this.targetWatch = targets;
  }

  /** A `backup://status` event: the card changes at once, the details follow. */
  onBackupWatch(watch: BackupWatch) {
    this.watch = watch;
    void this.refreshBackup();
  }
}

export const app = new AppState();
