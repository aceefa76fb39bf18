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
 * - `PackUiTarget` carries `data-ui` (the target's name) and `data-active` =
 *   `true` | `false`; `RowActiveUis` and `PackActiveUis` carry `data-uis`
 *   (the UI names, comma-separated).
 * - `ExportStep` carries `data-step` = `choose` | `progress` | `complete`;
 *   `ImportStep` carries `data-step` = `choose` | `validate` | `review` | `import` | `complete`.
 * - `ExportPack` and `ImportItem` carry `data-pack`; `ImportItem` also
 *   `data-classification` (the SPEC's value); `ImportValidity` carries `data-valid`.
 * - `PackFilesDialog` carries `data-dialog` = `new-pack` | `add-files`; `PackFilesCount` carries `data-count`.
 * - `AdoptStep` carries `data-step` = `choose` | `scan` | `preview` | `adopt` | `complete`;
 *   `AdoptTotals` carries `data-files`, `data-duplicates`, `data-saved` (bytes);
 *   `AdoptBlob` carries `data-sha256`, `data-pack`, `data-copies`.
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
  Dashboard: 'dashboard',
  DashboardToggle: 'dashboard-toggle',
  DashboardStrip: 'dashboard-strip',
  InventoryRefresh: 'inventory-refresh',
  InventoryError: 'inventory-error',
  PackErrors: 'pack-errors',
  LocalDiskCard: 'local-disk-card',
  BackupOnlyCount: 'backup-only-count',
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
  RowActiveUis: 'row-active-uis',
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
  MenuRepair: 'menu-repair',
  PackFreesShared: 'pack-frees-shared',
  PackOpRefusals: 'pack-op-refusals',
  RowCorrupt: 'row-corrupt',
  StatusCorrupt: 'status-corrupt',
  RedownloadDialog: 'redownload-dialog',
  RedownloadProgress: 'redownload-progress',
  RedownloadCancel: 'redownload-cancel',

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
  CleanupChosen: 'cleanup-chosen',
  CleanupAll: 'cleanup-all',
  CleanupList: 'cleanup-list',
  CleanupItem: 'cleanup-item',
  CleanupSkipped: 'cleanup-skipped',

  // Backup sync wizard
  SyncWizard: 'sync-wizard',
  SyncList: 'sync-list',
  SyncStep: 'sync-step',
  SyncStart: 'sync-start',
  SyncCancel: 'sync-cancel',
  SyncDone: 'sync-done',
  SyncProgress: 'sync-progress',
  SyncSpaceWarning: 'sync-space-warning',

  // Impacts / verify / doctor / bulk dialogs
  ImpactsDialog: 'impacts-dialog',
  // Model detail panel
  BlobDetail: 'blob-detail',
  DetailSha: 'detail-sha',
  DetailAutoV2: 'detail-autov2',
  DetailPath: 'detail-path',
  DetailPacks: 'detail-packs',
  DetailCopies: 'detail-copies',
  DetailActions: 'detail-actions',
  VerifyDialog: 'verify-dialog',
  VerifyProgress: 'verify-progress',
  VerifyInvalid: 'verify-invalid',
  VerifyCancel: 'verify-cancel',
  VerifyClose: 'verify-close',
  DoctorDialog: 'doctor-dialog',
  BulkDialog: 'bulk-dialog',
  BulkChosen: 'bulk-chosen',
  BulkAll: 'bulk-all',
  BulkList: 'bulk-list',
  BulkItem: 'bulk-item',
  BulkConfirm: 'bulk-confirm',
  ProgressBar: 'progress-bar',

  // Packs page
  PacksPage: 'packs-page',
  PackRow: 'pack-row',
  PackStorageStatus: 'pack-storage-status',
  PackDetail: 'pack-detail',
  PackKind: 'pack-kind',
  PackBack: 'pack-back',
  PackRename: 'pack-rename',
  PackDelete: 'pack-delete',
  PackRenameDialog: 'pack-rename-dialog',
  PackRenameInput: 'pack-rename-input',
  PackRenameConfirm: 'pack-rename-confirm',
  PackNameError: 'pack-name-error',
  PackDeleteDialog: 'pack-delete-dialog',
  PackDeleteOrphans: 'pack-delete-orphans',
  PackDeleteActive: 'pack-delete-active',
  PackDeleteConfirm: 'pack-delete-confirm',
  PackPull: 'pack-pull',
  PackPush: 'pack-push',
  PackPushFree: 'pack-push-free',
  PackOpDialog: 'pack-op-dialog',
  PackOpConfirm: 'pack-op-confirm',
  PackOpCancel: 'pack-op-cancel',
  PackBlobsFree: 'pack-blobs-free',

  // Use / Unuse of a pack per UI target (SPEC §3.8)
  PackUiTargets: 'pack-ui-targets',
  PackUiTarget: 'pack-ui-target',
  PackUiNone: 'pack-ui-none',
  PackUiSettings: 'pack-ui-settings',
  PackUse: 'pack-use',
  PackUnuse: 'pack-unuse',
  PackActiveUis: 'pack-active-uis',
  UseDialog: 'use-dialog',
  UseRestoreList: 'use-restore-list',
  UseFreeSpace: 'use-free-space',
  UseBlocker: 'use-blocker',
  UseClashes: 'use-clashes',
  UseMissing: 'use-missing',
  UseProgress: 'use-progress',
  UseConfirm: 'use-confirm',
  UseCancel: 'use-cancel',

  // Packages: export and import wizards (SPEC §3.10)
  PackagesExport: 'packages-export',
  PackagesImport: 'packages-import',
  ExportWizard: 'export-wizard',
  ExportStep: 'export-step',
  ExportPack: 'export-pack',
  ExportFormatDir: 'export-format-dir',
  ExportFormatTar: 'export-format-tar',
  ExportPath: 'export-path',
  ExportBrowse: 'export-browse',
  ExportIncludeBlobs: 'export-include-blobs',
  ExportEstimate: 'export-estimate',
  ExportBackupWarning: 'export-backup-warning',
  ExportStart: 'export-start',
  ExportProgress: 'export-progress',
  ExportCancel: 'export-cancel',
  ExportDone: 'export-done',
  ImportWizard: 'import-wizard',
  ImportStep: 'import-step',
  ImportPath: 'import-path',
  ImportBrowseDir: 'import-browse-dir',
  ImportBrowseFile: 'import-browse-file',
  ImportValidate: 'import-validate',
  ImportProgress: 'import-progress',
  ImportCancel: 'import-cancel',
  ImportValidity: 'import-validity',
  ImportIssue: 'import-issue',
  ImportItem: 'import-item',
  ImportStrategy: 'import-strategy',
  ImportOverride: 'import-override',
  ImportTotals: 'import-totals',
  ImportBack: 'import-back',
  ImportCommit: 'import-commit',
  ImportDone: 'import-done',

  // Getting models in: "New pack…", "Add files…" and the "Adopt folder…" wizard (SPEC §3.8)
  PacksNew: 'packs-new',
  PackAddFiles: 'pack-add-files',
  PackFilesDialog: 'pack-files-dialog',
  PackFilesName: 'pack-files-name',
  PackFilesNameError: 'pack-files-name-error',
  PackFilesPaths: 'pack-files-paths',
  PackFilesKind: 'pack-files-kind',
  PackFilesBrowse: 'pack-files-browse',
  PackFilesCount: 'pack-files-count',
  PackFilesProgress: 'pack-files-progress',
  PackFilesSubmit: 'pack-files-submit',
  PackFilesCancel: 'pack-files-cancel',
  PacksAdopt: 'packs-adopt',
  AdoptWizard: 'adopt-wizard',
  AdoptStep: 'adopt-step',
  AdoptPath: 'adopt-path',
  AdoptBrowse: 'adopt-browse',
  AdoptPreview: 'adopt-preview',
  AdoptProgress: 'adopt-progress',
  AdoptCancel: 'adopt-cancel',
  AdoptTotals: 'adopt-totals',
  AdoptKinds: 'adopt-kinds',
  AdoptBlob: 'adopt-blob',
  AdoptLink: 'adopt-link',
  AdoptBack: 'adopt-back',
  AdoptCommit: 'adopt-commit',
  AdoptSummary: 'adopt-summary',
  AdoptDone: 'adopt-done',

  // Settings
  SettingsPage: 'settings-page',
  SettingsOpenStore: 'settings-open-store',
  SettingsCreateStore: 'settings-create-store',
  SettingsDemoStore: 'settings-demo-store',
  SettingsSwitchBlocked: 'settings-switch-blocked',
  SettingsStoreRoot: 'settings-store-root',
  SettingsBackupEnabled: 'settings-backup-enabled',
  SettingsBackupPath: 'settings-backup-path',
  SettingsBrowse: 'settings-browse',
  SettingsAutoBackup: 'settings-auto-backup',
  SettingsWarnLastCopy: 'settings-warn-last-copy',
  SettingsConnection: 'settings-connection',
  SettingsSave: 'settings-save',
  SettingsUiAdd: 'settings-ui-add',
  SettingsUiTarget: 'settings-ui-target',
  SettingsUiName: 'settings-ui-name',
  SettingsUiKind: 'settings-ui-kind',
  SettingsUiPath: 'settings-ui-path',
  SettingsUiBrowse: 'settings-ui-browse',
  SettingsUiRemove: 'settings-ui-remove',

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
