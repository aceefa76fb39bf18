/**
 * The `data-testid` values of the UI, in one place. Component tests and the
 * WebDriver end-to-end tests (tauri-driver, see src-tauri/) select elements
 * through these names only, so renaming one is a change to this file.
 *
 * Extra attributes the e2e tests may rely on:
 * - `InventoryRow` carries `data-sha256` (full lowercase hash), `data-status`
 *   and `data-location` (the SPEC's enum values).
 * - `BackupCard` carries `data-state` = `connected` | `disconnected` | `disabled`.
 * - `Tab*` carry `data-active` = `true` | `false`.
 * - `Toast` carries `data-kind` = `success` | `error` | `info`.
 * - `CleanupStep` carries `data-step` = `scan` | `review` | `complete`.
 * - `SyncStep` carries `data-step` = `preview` | `progress` | `complete`.
 * - `Dialog` (every dialog's panel) carries `data-dialog` = the dialog's name.
 */
export const TestId = {
  // Header navigation
  TabPacks: 'tab-packs',
  TabInventory: 'tab-inventory',
  TabSettings: 'tab-settings',
  HelpLink: 'help-link',
  StorePath: 'store-path',

  // Generic dialog primitive
  Dialog: 'dialog',
  DialogBackdrop: 'dialog-backdrop',
  DialogClose: 'dialog-close',

  // First run
  FirstRun: 'first-run',
  FirstRunCreate: 'first-run-create',
  FirstRunDemo: 'first-run-demo',

  // Inventory page
  InventoryPage: 'inventory-page',
  InventoryHelp: 'inventory-help',
  InventoryRefresh: 'inventory-refresh',
  InventoryError: 'inventory-error',
  PackErrors: 'pack-errors',
  LocalDiskCard: 'local-disk-card',
  BackupCard: 'backup-card',
  StatusCard: 'status-card',
  QuickActionsCard: 'quick-actions-card',
  StateBackupCard: 'state-backup-card',
  QuickCleanup: 'quick-cleanup',
  QuickBackupAll: 'quick-backup-all',
  QuickVerify: 'quick-verify',
  QuickDoctor: 'quick-doctor',
  StatePush: 'state-push',
  StatePull: 'state-pull',
  FilterKind: 'filter-kind',
  FilterStatus: 'filter-status',
  FilterLocation: 'filter-location',
  FilterSearch: 'filter-search',
  FilterReset: 'filter-reset',

  // Blobs table
  InventoryTable: 'inventory-table',
  InventoryTableViewport: 'inventory-table-viewport',
  InventoryEmpty: 'inventory-empty',
  InventoryRow: 'inventory-row',
  RowCheckbox: 'row-checkbox',
  RowName: 'row-name',
  RowSize: 'row-size',
  RowStatus: 'row-status',
  RowLocation: 'row-location',
  RowUsedBy: 'row-used-by',
  RowActions: 'row-actions',
  RowQuickAction: 'row-quick-action',
  RowMenuButton: 'row-menu-button',
  SelectAll: 'select-all',
  SortName: 'sort-name',
  SortKind: 'sort-kind',
  SortSize: 'sort-size',
  SortStatus: 'sort-status',
  SortLocation: 'sort-location',

  // Bulk bar
  BulkBar: 'bulk-bar',
  BulkCount: 'bulk-count',
  BulkBackup: 'bulk-backup',
  BulkRestore: 'bulk-restore',
  BulkDelete: 'bulk-delete',
  BulkClear: 'bulk-clear',

  // Row context menu
  ContextMenu: 'context-menu',
  MenuCopySha: 'menu-copy-sha',
  MenuImpacts: 'menu-impacts',
  MenuBackup: 'menu-backup',
  MenuRestore: 'menu-restore',
  MenuDeleteLocal: 'menu-delete-local',
  MenuDeleteBackup: 'menu-delete-backup',
  MenuDeleteBoth: 'menu-delete-both',
  MenuRedownload: 'menu-redownload',

  // Delete dialog
  DeleteDialog: 'delete-dialog',
  DeleteConfirm: 'delete-confirm',
  DeleteCancel: 'delete-cancel',
  DeleteLastCopyWarning: 'delete-last-copy-warning',
  DeleteReferencedWarning: 'delete-referenced-warning',
  DeleteKeptNote: 'delete-kept-note',

  // Cleanup wizard
  CleanupWizard: 'cleanup-wizard',
  CleanupStep: 'cleanup-step',
  CleanupScan: 'cleanup-scan',
  CleanupExecute: 'cleanup-execute',
  CleanupCancel: 'cleanup-cancel',
  CleanupDone: 'cleanup-done',
  CleanupItem: 'cleanup-item',

  // Backup sync wizard
  SyncWizard: 'sync-wizard',
  SyncStep: 'sync-step',
  SyncStart: 'sync-start',
  SyncCancel: 'sync-cancel',
  SyncDone: 'sync-done',
  SyncProgress: 'sync-progress',
  SyncSpaceWarning: 'sync-space-warning',

  // Impacts / verify / doctor / bulk dialogs
  ImpactsDialog: 'impacts-dialog',
  VerifyDialog: 'verify-dialog',
  VerifyProgress: 'verify-progress',
  VerifyInvalid: 'verify-invalid',
  VerifyCancel: 'verify-cancel',
  VerifyClose: 'verify-close',
  DoctorDialog: 'doctor-dialog',
  BulkDialog: 'bulk-dialog',
  BulkConfirm: 'bulk-confirm',
  ProgressBar: 'progress-bar',

  // Packs page
  PacksPage: 'packs-page',
  PackRow: 'pack-row',
  PackStorageStatus: 'pack-storage-status',
  PackDetail: 'pack-detail',
  PackBack: 'pack-back',
  PackPull: 'pack-pull',
  PackPush: 'pack-push',
  PackPushFree: 'pack-push-free',
  PackOpDialog: 'pack-op-dialog',
  PackOpConfirm: 'pack-op-confirm',
  PackOpCancel: 'pack-op-cancel',
  PackBlobsFree: 'pack-blobs-free',

  // Settings
  SettingsPage: 'settings-page',
  SettingsStoreRoot: 'settings-store-root',
  SettingsBackupEnabled: 'settings-backup-enabled',
  SettingsBackupPath: 'settings-backup-path',
  SettingsBrowse: 'settings-browse',
  SettingsAutoBackup: 'settings-auto-backup',
  SettingsWarnLastCopy: 'settings-warn-last-copy',
  SettingsConnection: 'settings-connection',
  SettingsSave: 'settings-save',

  // Help
  HelpPage: 'help-page',
  HelpNav: 'help-nav',

  // Toasts
  Toaster: 'toaster',
  Toast: 'toast',
  ToastDismiss: 'toast-dismiss',
} as const;

export type TestIdName = keyof typeof TestId;
export type TestIdValue = (typeof TestId)[TestIdName];
