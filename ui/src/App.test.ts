/**
 * The whole window over a mocked backend (Tauri's mockIPC with the preview's
 * fake backend): navigation, first run, and the shell's events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import { demoBackend, type Options } from './preview/demo-backend';
import { app } from '$lib/state/app.svelte';
import { workflow } from '$lib/state/workflow.svelte';
import { TestId } from '$lib/testids';
import { choose, selectValue } from './test/controls';

let options: Options;
let calls: string[] = [];

function start(opts: Partial<Options> = {}) {
  options = { rows: 60, backup: 'connected', firstRun: false, ...opts };
  const backend = demoBackend(options);
  calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      return backend(cmd, args as Record<string, unknown>);
    },
    { shouldMockEvents: true },
  );
  mockWindows('main');
  app.tab = 'inventory';
  workflow.path = null;
  workflow.check = null;
  workflow.error = null;
  workflow.ui = null;
  app.info = null;
  app.watch = null;
  app.backup = null;
  return render(App);
}

/**
 * Waits until the start's loads are over: the inventory is in, then the backup
 * status comes and the open workflow is checked again (also by the windows
 * of earlier tests, whose loads share the app's state).
 */
async function loaded() {
  await waitFor(() => {
    expect(app.inventory.loading).toBe(false);
    expect(app.inventory.partial).toBe(false);
    expect(app.backup).not.toBeNull();
  });
  await new Promise((r) => setTimeout(r, 0));
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('App', () => {
  it('opens on Model Inventory with the store path, rows and the five cards', async () => {
    start();
    await waitFor(() => expect(screen.getAllByTestId(TestId.InventoryRow).length).toBeGreaterThan(0));
    expect(screen.getByTestId(TestId.TabInventory).dataset.active).toBe('true');
    expect(screen.getByTestId(TestId.StorePath)).toHaveTextContent('/home/user/.synapse/store');
    expect(document.title).toBe('Synapse — /home/user/.synapse/store');
    for (const id of [TestId.LocalDiskCard, TestId.BackupCard, TestId.StatusCard, TestId.QuickActionsCard, TestId.StateBackupCard]) {
      expect(screen.getByTestId(id)).toBeInTheDocument();
    }
    expect(screen.getByTestId(TestId.BackupCard).dataset.state).toBe('connected');
  });

  it('backup://status turns the backup card amber at once when the drive goes away', async () => {
    start();
    await waitFor(() => expect(screen.getByTestId(TestId.BackupCard).dataset.state).toBe('connected'));
    options.backup = 'disconnected';
    await emit('backup://status', { enabled: true, connected: false, path: '/media/user/T7/synapse-backup', reason: 'the drive looks unplugged' });
    await waitFor(() => expect(screen.getByTestId(TestId.BackupCard).dataset.state).toBe('disconnected'));
    expect(screen.getByTestId(TestId.BackupCard)).toHaveTextContent(/is the drive plugged in|looks unplugged/);
    expect(screen.getByTestId(TestId.BackupCard).className).toContain('border-warning');
  });

  it('navigates Packs | Model Inventory | Settings and the Help link', async () => {
    start();
    await waitFor(() => expect(screen.getByTestId(TestId.InventoryPage)).toBeInTheDocument());
    await fireEvent.click(screen.getByTestId(TestId.TabPacks));
    await waitFor(() => expect(screen.getAllByTestId(TestId.PackRow).length).toBe(10));
    await fireEvent.click(screen.getAllByTestId(TestId.PackRow)[0]);
    expect(screen.getByTestId(TestId.PackDetail)).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId(TestId.TabSettings));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/home/user/.synapse/store'));
    await fireEvent.click(screen.getByTestId(TestId.HelpLink));
    expect(screen.getByTestId(TestId.HelpPage)).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId(TestId.TabInventory));
    await fireEvent.click(screen.getByTestId(TestId.InventoryHelp));
    expect(within(screen.getByTestId(TestId.HelpPage)).getByRole('heading', { level: 1 })).toHaveTextContent('Statuses and locations');
  });

  it('inventory://changed and coming back to the window both reload what the disk holds', async () => {
    start();
    const loads = () => calls.filter((c) => c === 'inventory_load').length;
    await waitFor(() => expect(screen.getAllByTestId(TestId.InventoryRow).length).toBeGreaterThan(0));
    expect(loads()).toBe(1);
    await emit('inventory://changed', { reason: 'store' });
    await waitFor(() => expect(loads()).toBe(2));
    window.dispatchEvent(new FocusEvent('focus'));
    await waitFor(() => expect(loads()).toBe(3));
  });

  it('first run: no store → create one or open the demo', async () => {
    start({ firstRun: true });
    await waitFor(() => expect(screen.getByTestId(TestId.FirstRun)).toBeInTheDocument());
    expect(screen.getByTestId(TestId.FirstRunCreate)).toBeEnabled();
    expect(screen.getByTestId(TestId.FirstRunDemo)).toBeEnabled();
  });

  it('the cleanup wizard opens from Quick actions and closes with Escape', async () => {
    start();
    await waitFor(() => expect(screen.getByTestId(TestId.QuickCleanup)).toBeInTheDocument());
    await fireEvent.click(screen.getByTestId(TestId.QuickCleanup));
    await waitFor(() => expect(screen.getByTestId(TestId.CleanupStep).dataset.step).toBe('review'));
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.queryByTestId(TestId.CleanupWizard)).toBeNull();
  });

  it('a typed workflow path opens the resolver table; a matched model opens its detail; the UI selector checks again', async () => {
    start();
    await waitFor(() => expect(screen.getAllByTestId(TestId.InventoryRow).length).toBeGreaterThan(0));
    // The start's loads are over: their end would check an open workflow again.
    await loaded();
    await fireEvent.click(screen.getByTestId(TestId.TabWorkflow));
    expect(screen.getByTestId(TestId.WorkflowEmpty)).toHaveTextContent('nothing is sent anywhere');
    // Before a workflow is opened, the selector shows the UI target the table will report.
    await waitFor(() => expect(selectValue(screen.getByTestId(TestId.WorkflowUi))).toBe('comfyui'));
    await fireEvent.input(screen.getByTestId(TestId.WorkflowPath), { target: { value: '/home/user/portrait.json' } });
    await fireEvent.click(screen.getByTestId(TestId.WorkflowPathSubmit));
    await waitFor(() => expect(screen.getAllByTestId(TestId.WorkflowRow).length).toBeGreaterThan(3));
    expect(screen.getByTestId(TestId.WorkflowCounts)).toHaveTextContent(/^6 models: 1 present, 1 on backup, 1 downloadable, 1 missing, 1 ambiguous, 1 unrecognised/);
    // The first UI target is chosen: the links column is there.
    expect(selectValue(screen.getByTestId(TestId.WorkflowUi))).toBe('comfyui');
    expect(screen.getAllByTestId(TestId.WorkflowLinked).length).toBe(6);
    const checks = () => calls.filter((c) => c === 'workflow_check').length;
    expect(checks()).toBe(1);
    await choose(screen.getByTestId(TestId.WorkflowUi), '');
    await waitFor(() => expect(screen.queryByTestId(TestId.WorkflowLinked)).toBeNull());
    expect(checks()).toBe(2);
    const present = screen.getAllByTestId(TestId.WorkflowRow).find((r) => r.dataset.status === 'present')!;
    await fireEvent.click(within(within(present).getByTestId(TestId.WorkflowBlob)).getByRole('button'));
    await waitFor(() => expect(screen.getByTestId(TestId.BlobDetail)).toBeInTheDocument());
  });

  it('a workflow that cannot be found says what to do', async () => {
    start();
    await waitFor(() => expect(screen.getAllByTestId(TestId.InventoryRow).length).toBeGreaterThan(0));
    await fireEvent.click(screen.getByTestId(TestId.TabWorkflow));
    await fireEvent.input(screen.getByTestId(TestId.WorkflowPath), { target: { value: '/nope/notes.doc' } });
    await fireEvent.submit(screen.getByTestId(TestId.WorkflowPath).closest('form')!);
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowError)).toHaveTextContent('/nope/notes.doc does not exist — check the path'));
  });

  it('a .png dropped on the window opens on the Workflow page; another file is refused with a toast', async () => {
    start();
    await waitFor(() => expect(screen.getAllByTestId(TestId.InventoryRow).length).toBeGreaterThan(0));
    await emit('tauri://drag-enter', { paths: ['/home/user/ComfyUI_00042_.png'], position: { x: 10, y: 10 } });
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowDropOverlay)).toHaveTextContent('Drop a workflow to see which models it needs'));
    await emit('tauri://drag-drop', { paths: ['/home/user/ComfyUI_00042_.png'], position: { x: 10, y: 10 } });
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowFile).dataset.path).toBe('/home/user/ComfyUI_00042_.png'));
    expect(screen.queryByTestId(TestId.WorkflowDropOverlay)).toBeNull();
    expect(screen.getByTestId(TestId.TabWorkflow).dataset.active).toBe('true');
    expect(screen.getByTestId(TestId.WorkflowFile)).toHaveTextContent('read from a PNG');
    expect(screen.getByTestId(TestId.WorkflowPath)).toHaveValue('/home/user/ComfyUI_00042_.png');
    await emit('tauri://drag-enter', { paths: ['/home/user/model.safetensors'], position: { x: 10, y: 10 } });
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowDropOverlay)).toHaveTextContent('That is not a workflow file'));
    await emit('tauri://drag-drop', { paths: ['/home/user/model.safetensors'], position: { x: 10, y: 10 } });
    await waitFor(() => expect(screen.getAllByTestId(TestId.Toast).some((t) => t.textContent?.includes('Not a workflow file'))).toBe(true));
    expect(screen.getByTestId(TestId.WorkflowFile).dataset.path).toBe('/home/user/ComfyUI_00042_.png');
  });
});
