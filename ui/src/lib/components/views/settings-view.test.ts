import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { Settings } from '$lib/api';
import SettingsView from './settings-view.svelte';
import { AppState } from '$lib/state/app.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  getSettings: vi.fn(),
  saveSettings: vi.fn(),
  pickFolder: vi.fn(),
  openStore: vi.fn(),
  createStore: vi.fn(),
  openDemoStore: vi.fn(),
  listPacks: vi.fn(async () => ({ packs: [], pack_errors: [] })),
  uiTargets: vi.fn(async () => ({ ui_targets: [] })),
  inventoryStream: vi.fn(() => new Promise(() => {})),
  backupStatus: vi.fn(() => new Promise(() => {})),
}));

const settings = (): Settings => ({
  store_root: '/home/u/.synapse/store',
  backup: { enabled: false, path: null, auto_backup_new: false, warn_before_delete_last_copy: true },
  ui_targets: [],
});

beforeEach(() => {
  vi.mocked(api.getSettings).mockReset().mockResolvedValue(settings());
  vi.mocked(api.saveSettings).mockReset();
  vi.mocked(api.pickFolder).mockReset();
  toasts.clear();
});

describe('SettingsView', () => {
  it('shows the store root read-only; enabling backup needs a folder; one Save sends everything and toasts', async () => {
    const app = new AppState();
    render(SettingsView, { app });
    const root = await screen.findByTestId(TestId.SettingsStoreRoot);
    await waitFor(() => expect(root).toHaveValue('/home/u/.synapse/store'));
    expect(root).toHaveAttribute('readonly');
    expect(screen.getByTestId(TestId.SettingsSave)).toBeDisabled();

    await fireEvent.click(screen.getByTestId(TestId.SettingsBackupEnabled));
    expect(screen.getByText('Choose a folder to enable backup storage.')).toBeInTheDocument();
    expect(screen.getByTestId(TestId.SettingsSave)).toBeDisabled();

    vi.mocked(api.pickFolder).mockResolvedValue('/media/u/T7/backup');
    await fireEvent.click(screen.getByTestId(TestId.SettingsBrowse));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsBackupPath)).toHaveValue('/media/u/T7/backup'));
    await fireEvent.click(screen.getByTestId(TestId.SettingsAutoBackup));

    const saved: Settings = { ...settings(), backup: { enabled: true, path: '/media/u/T7/backup', auto_backup_new: true, warn_before_delete_last_copy: true } };
    vi.mocked(api.saveSettings).mockResolvedValue({
      settings: saved,
      backup: { enabled: true, path: '/media/u/T7/backup', auto_backup_new: true, warn_before_delete_last_copy: true, changed: true, initialized: true, adopted: false, backup_id: 'x', connected: true, error: null },
    });
    await fireEvent.click(screen.getByTestId(TestId.SettingsSave));
    await waitFor(() => expect(api.saveSettings).toHaveBeenCalledWith(saved));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Settings saved', detail: 'A new backup was initialised on the drive.' }));
    expect(app.backupState).toBe('connected');
  });

  it('a failed save is an error toast, never a success', async () => {
    const app = new AppState();
    render(SettingsView, { app });
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/home/u/.synapse/store'));
    await fireEvent.click(screen.getByTestId(TestId.SettingsWarnLastCopy));
    vi.mocked(api.saveSettings).mockRejectedValue({ code: 'invalid_argument', message: 'the backup path is inside the store', details: {} });
    await fireEvent.click(screen.getByTestId(TestId.SettingsSave));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Settings were not saved' }));
  });

  it('adds a UI target by typing its folder; a refused target is an error toast with the reason', async () => {
    const app = new AppState();
    render(SettingsView, { app });
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/home/u/.synapse/store'));
    await fireEvent.click(screen.getByTestId(TestId.SettingsUiAdd));
    await fireEvent.input(screen.getByTestId(TestId.SettingsUiName), { target: { value: 'comfy' } });
    await fireEvent.input(screen.getByTestId(TestId.SettingsUiPath), { target: { value: 'relative/ComfyUI' } });
    vi.mocked(api.saveSettings).mockRejectedValueOnce({
      code: 'invalid_argument',
      message: 'UI target "comfy": relative/ComfyUI is not an absolute path: choose the UI\'s installation folder (e.g. /home/you/ComfyUI)',
      details: {},
    });
    await fireEvent.click(screen.getByTestId(TestId.SettingsSave));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Settings were not saved' }));
    expect(toasts.items.at(-1)?.detail).toContain('relative/ComfyUI is not an absolute path');
    expect(api.saveSettings).toHaveBeenCalledWith({ ...settings(), ui_targets: [{ name: 'comfy', kind: 'comfyui', path: 'relative/ComfyUI' }] });

    vi.mocked(api.pickFolder).mockResolvedValue('/home/u/ComfyUI');
    await fireEvent.click(screen.getByTestId(TestId.SettingsUiBrowse));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsUiPath)).toHaveValue('/home/u/ComfyUI'));
    const saved: Settings = { ...settings(), ui_targets: [{ name: 'comfy', kind: 'comfyui', path: '/home/u/ComfyUI' }] };
    vi.mocked(api.saveSettings).mockResolvedValueOnce({
      settings: saved,
      backup: { enabled: false, path: null, auto_backup_new: false, warn_before_delete_last_copy: true, changed: false, initialized: false, adopted: false, backup_id: null, connected: false, error: null },
    });
    await fireEvent.click(screen.getByTestId(TestId.SettingsSave));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Settings saved' }));
    expect(api.saveSettings).toHaveBeenLastCalledWith(saved);
  });

  it('opens another store: picks a folder, switches, reloads the settings of the new store and toasts', async () => {
    const app = new AppState();
    render(SettingsView, { app });
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/home/u/.synapse/store'));
    vi.mocked(api.pickFolder).mockResolvedValue('/mnt/big/store');
    const info = { store_root: '/mnt/big/store', store_exists: true, version: '0.1.0', backup: { state: 'disabled', path: null, reason: null }, running: [] };
    vi.mocked(api.openStore).mockResolvedValue(info as unknown as api.AppInfo);
    vi.mocked(api.getSettings).mockResolvedValue({ ...settings(), store_root: '/mnt/big/store' });
    await fireEvent.click(screen.getByTestId(TestId.SettingsOpenStore));
    await waitFor(() => expect(api.openStore).toHaveBeenCalledWith('/mnt/big/store'));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/mnt/big/store'));
    expect(app.info?.store_root).toBe('/mnt/big/store');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Store opened' });
  });

  it('a folder that is no store says so and stays on the current store; unsaved changes block switching', async () => {
    const app = new AppState();
    render(SettingsView, { app });
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/home/u/.synapse/store'));
    vi.mocked(api.pickFolder).mockResolvedValue('/tmp/empty');
    vi.mocked(api.openStore).mockRejectedValue({ code: 'not_found', message: 'no Synapse store at /tmp/empty', details: {} });
    await fireEvent.click(screen.getByTestId(TestId.SettingsOpenStore));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not open the store' }));
    expect(toasts.items.at(-1)?.detail).toContain('no Synapse store at /tmp/empty');
    expect(screen.getByTestId(TestId.SettingsStoreRoot)).toHaveValue('/home/u/.synapse/store');

    await fireEvent.click(screen.getByTestId(TestId.SettingsBackupEnabled));
    expect(screen.getByTestId(TestId.SettingsSwitchBlocked)).toHaveTextContent('Save or discard your changes first');
    expect(screen.getByTestId(TestId.SettingsCreateStore)).toBeDisabled();
  });
});
