import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { TargetChange, TargetList, TargetSummary } from '$lib/api';
import TargetsSection from './targets-section.svelte';
import { AppState } from '$lib/state/app.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  targetList: vi.fn(),
  addTarget: vi.fn(),
  removeTarget: vi.fn(),
  renameTarget: vi.fn(),
  setTargetEnabled: vi.fn(),
  removableDrives: vi.fn(),
  pickFolder: vi.fn(),
  inventoryStream: vi.fn(() => new Promise(() => {})),
  backupStatus: vi.fn(() => new Promise(() => {})),
}));

const target = (over: Partial<TargetSummary>): TargetSummary => ({
  name: 'x',
  primary: false,
  kind: 'folder',
  enabled: true,
  connected: false,
  source: 'cached',
  path: '/mnt/x',
  state: 'disconnected',
  error: null,
  blobs: 0,
  bytes: 0,
  last_sync: null,
  free_bytes: null,
  total_bytes: null,
  ...over,
});

const targets = (): TargetList => ({
  targets: [
    target({
      name: 'backup',
      primary: true,
      connected: true,
      source: 'live',
      path: '/media/u/T7/synapse-backup',
      state: 'connected',
      blobs: 120,
      bytes: 340_000_000_000,
      last_sync: new Date(Date.now() - 3 * 3600_000).toISOString(),
      free_bytes: 1_400_000_000_000,
      total_bytes: 2_000_000_000_000,
    }),
    target({ name: 'Home NAS', path: '/mnt/nas/synapse', state: 'disconnected', error: '/mnt/nas/synapse does not exist (is the share mounted?)', blobs: 80, bytes: 200_000_000_000 }),
    target({ name: 'Old NFS', path: '/net/old', state: 'unresponsive', error: 'no answer within 5 s' }),
    target({ name: 'Spare', path: null, state: 'no_path' }),
    target({ name: 'Offsite', enabled: false, path: '/mnt/offsite', state: 'disabled' }),
  ],
  policy: { min_copies: 2, verify_max_age_days: 90, kinds: {}, packs: {} },
  blobs_below_policy: 3,
});

const change = (over: Partial<TargetChange>): TargetChange => ({
  name: 'x',
  old_name: null,
  path: null,
  backup_id: null,
  initialized: false,
  blobs: 0,
  blobs_below_policy: 0,
  ...over,
});

function row(name: string): HTMLElement {
  const r = screen.getAllByTestId(TestId.SettingsTarget).find((el) => el.dataset.target === name);
  if (!r) throw new Error(`no row for ${name}`);
  return r;
}

async function setup() {
  const app = new AppState();
  const refresh = vi.spyOn(app, 'refresh').mockResolvedValue();
  render(TargetsSection, { app });
  await screen.findAllByTestId(TestId.SettingsTarget);
  return { app, refresh };
}

beforeEach(() => {
  vi.mocked(api.targetList).mockReset().mockResolvedValue(targets());
  vi.mocked(api.addTarget).mockReset();
  vi.mocked(api.removeTarget).mockReset();
  vi.mocked(api.renameTarget).mockReset();
  vi.mocked(api.setTargetEnabled).mockReset();
  vi.mocked(api.removableDrives).mockReset().mockResolvedValue([]);
  vi.mocked(api.pickFolder).mockReset();
  toasts.clear();
});

describe('TargetsSection', () => {
  it('lists every target with its state in words, contents, free space while connected, last sync and the primary badge', async () => {
    await setup();
    expect(screen.getAllByTestId(TestId.SettingsTarget).map((r) => r.dataset.target)).toEqual(['backup', 'Home NAS', 'Old NFS', 'Spare', 'Offsite']);

    const primary = row('backup');
    expect(within(primary).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('Connected');
    expect(within(primary).getByTestId(TestId.SettingsTargetState)).toHaveClass('text-success');
    expect(within(primary).getByTestId(TestId.SettingsTargetPrimary)).toHaveTextContent("original's target");
    expect(within(primary).getByTestId(TestId.SettingsTargetContents)).toHaveTextContent('120 models · 340 GB');
    expect(within(primary).getByTestId(TestId.SettingsTargetSpace)).toHaveTextContent('1.4 TB free of 2.0 TB');
    expect(within(primary).getByTestId(TestId.SettingsTargetLastSync)).toHaveTextContent('Last sync: 3 h ago');
    expect(within(primary).getByText('/media/u/T7/synapse-backup')).toBeInTheDocument();

    const nas = row('Home NAS');
    expect(within(nas).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('Not connected');
    expect(within(nas).queryByTestId(TestId.SettingsTargetPrimary)).toBeNull();
    expect(within(nas).queryByTestId(TestId.SettingsTargetSpace)).toBeNull();
    expect(within(nas).getByTestId(TestId.SettingsTargetContents)).toHaveTextContent('80 models · 200 GB (as last seen)');
    expect(within(nas).getByTestId(TestId.SettingsTargetReason)).toHaveTextContent('is the share mounted?');
    expect(within(nas).getByTestId(TestId.SettingsTargetLastSync)).toHaveTextContent('Last sync: never');

    expect(within(row('Old NFS')).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('Not answering');
    expect(within(row('Old NFS')).getByTestId(TestId.SettingsTargetState)).toHaveClass('text-destructive');
    expect(within(row('Spare')).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('No folder');
    expect(within(row('Offsite')).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('Off');
    expect(within(row('Offsite')).getByTestId(TestId.SettingsTargetEnabled)).toHaveAttribute('aria-checked', 'false');
    expect(within(nas).getByTestId(TestId.SettingsTargetEnabled)).toHaveAttribute('aria-checked', 'true');

    // The original's target is removed (turned off) in Backup storage, not here.
    expect(within(primary).getByTestId(TestId.SettingsTargetRemove)).toBeDisabled();
    expect(within(nas).getByTestId(TestId.SettingsTargetRemove)).toBeEnabled();
  });

  it('follows the live state the shell pushes', async () => {
    const { app } = await setup();
    app.onTargetsWatch([{ name: 'Home NAS', primary: false, state: 'connected', path: '/mnt/nas/synapse', reason: null }]);
    await waitFor(() => expect(within(row('Home NAS')).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('Connected'));
    expect(row('Home NAS').dataset.state).toBe('connected');
    // And it reloads the list (free space and contents follow the drive).
    await waitFor(() => expect(api.targetList).toHaveBeenCalledTimes(2));
  });

  it('a load failure shows inline with Retry, not as a toast', async () => {
    vi.mocked(api.targetList).mockRejectedValueOnce({ code: 'busy', message: 'the store is busy (sync since 10:02)', details: {} });
    const app = new AppState();
    render(TargetsSection, { app });
    expect(await screen.findByTestId(TestId.SettingsTargetsError)).toHaveTextContent('the store is busy');
    expect(toasts.items).toHaveLength(0);
    await fireEvent.click(within(screen.getByTestId(TestId.SettingsTargetsError)).getByText('Retry'));
    await screen.findAllByTestId(TestId.SettingsTarget);
  });

  it('turning a target off calls setTargetEnabled, toasts the models below the policy, reloads the list and the dashboard', async () => {
    const { refresh } = await setup();
    vi.mocked(api.setTargetEnabled).mockResolvedValue(change({ name: 'Home NAS', blobs_below_policy: 12 }));
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetEnabled));
    await waitFor(() => expect(api.setTargetEnabled).toHaveBeenCalledWith('Home NAS', false));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'Home NAS' turned off", detail: '12 models below the copies policy now.' }));
    expect(api.targetList).toHaveBeenCalledTimes(2);
    expect(refresh).toHaveBeenCalled();

    // On again; nothing below the policy: no count in the toast.
    vi.mocked(api.setTargetEnabled).mockResolvedValue(change({ name: 'Offsite', blobs_below_policy: 0 }));
    await fireEvent.click(within(row('Offsite')).getByTestId(TestId.SettingsTargetEnabled));
    await waitFor(() => expect(api.setTargetEnabled).toHaveBeenLastCalledWith('Offsite', true));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'Offsite' turned on" }));
    expect(toasts.items.at(-1)?.detail).toBeUndefined();
  });

  it('a refused switch is an error toast and the switch goes back', async () => {
    await setup();
    vi.mocked(api.setTargetEnabled).mockRejectedValue({ code: 'busy', message: 'the store is busy', details: {} });
    const sw = within(row('Home NAS')).getByTestId(TestId.SettingsTargetEnabled);
    await fireEvent.click(sw);
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: "Could not turn target 'Home NAS' off" }));
    await waitFor(() => expect(within(row('Home NAS')).getByTestId(TestId.SettingsTargetEnabled)).toHaveAttribute('aria-checked', 'true'));
  });

  it("the original's target is switched in Backup storage above, not here", async () => {
    await setup();
    const sw = within(row('backup')).getByTestId(TestId.SettingsTargetEnabled);
    expect(sw).toBeDisabled();
    await fireEvent.click(sw);
    expect(api.setTargetEnabled).not.toHaveBeenCalled();
  });

  it('adds a target: Browse fills the folder, success toasts how many models were already there and reloads', async () => {
    const { refresh } = await setup();
    vi.mocked(api.removableDrives).mockResolvedValue([{ mount_point: '/media/u/SANDISK', name: 'SANDISK', free_bytes: 60_000_000_000, total_bytes: 64_000_000_000 }]);
    await fireEvent.click(screen.getByTestId(TestId.SettingsTargetAdd));
    const dialog = await screen.findByTestId(TestId.SettingsTargetAddDialog);

    // Empty name: said inline, nothing sent.
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetAddSubmit));
    expect(within(dialog).getByTestId(TestId.SettingsTargetAddError)).toHaveTextContent('Give the target a name.');
    expect(api.addTarget).not.toHaveBeenCalled();

    // A removable drive fills the folder (and the name while it is empty).
    const drive = await within(dialog).findByTestId(TestId.SettingsTargetAddDrive);
    expect(drive).toHaveTextContent('SANDISK');
    await fireEvent.click(drive);
    expect(within(dialog).getByTestId(TestId.SettingsTargetAddPath)).toHaveValue('/media/u/SANDISK');
    expect(within(dialog).getByTestId(TestId.SettingsTargetAddName)).toHaveValue('SANDISK');

    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetAddName), { target: { value: 'Home NAS 2' } });
    vi.mocked(api.pickFolder).mockResolvedValue('/mnt/nas2/synapse');
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetAddBrowse));
    await waitFor(() => expect(within(dialog).getByTestId(TestId.SettingsTargetAddPath)).toHaveValue('/mnt/nas2/synapse'));

    vi.mocked(api.addTarget).mockResolvedValue(change({ name: 'Home NAS 2', path: '/mnt/nas2/synapse', initialized: false, blobs: 42 }));
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetAddSubmit));
    await waitFor(() => expect(api.addTarget).toHaveBeenCalledWith('Home NAS 2', '/mnt/nas2/synapse'));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'Home NAS 2' added", detail: '42 models already there.' }));
    await waitFor(() => expect(screen.queryByTestId(TestId.SettingsTargetAddDialog)).toBeNull());
    expect(api.targetList).toHaveBeenCalledTimes(2);
    expect(refresh).toHaveBeenCalled();
  });

  it('adding into a new folder says a new backup was made there; Enter in the form submits', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId(TestId.SettingsTargetAdd));
    const dialog = await screen.findByTestId(TestId.SettingsTargetAddDialog);
    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetAddName), { target: { value: 'USB' } });
    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetAddPath), { target: { value: '/media/u/USB/backup' } });
    vi.mocked(api.addTarget).mockResolvedValue(change({ name: 'USB', initialized: true }));
    await fireEvent.keyDown(within(dialog).getByTestId(TestId.SettingsTargetAddPath), { key: 'Enter' });
    await waitFor(() => expect(api.addTarget).toHaveBeenCalledWith('USB', '/media/u/USB/backup'));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'USB' added", detail: 'A new backup was made there.' }));
  });

  it('a refused add shows the core error inline and keeps the dialog open', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId(TestId.SettingsTargetAdd));
    const dialog = await screen.findByTestId(TestId.SettingsTargetAddDialog);
    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetAddName), { target: { value: 'Home NAS' } });
    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetAddPath), { target: { value: '/mnt/other' } });
    vi.mocked(api.addTarget).mockRejectedValue({ code: 'already_exists', message: 'backup target "Home NAS" already exists: choose another name', details: {} });
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetAddSubmit));
    await waitFor(() => expect(within(dialog).getByTestId(TestId.SettingsTargetAddError)).toHaveTextContent('backup target "Home NAS" already exists: choose another name'));
    expect(screen.getByTestId(TestId.SettingsTargetAddDialog)).toBeInTheDocument();
    expect(toasts.items.filter((t) => t.kind === 'success')).toHaveLength(0);
  });

  it('renames inline: empty is refused, a core error shows in the row, success toasts and reloads', async () => {
    const { refresh } = await setup();
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRename));
    const input = within(row('Home NAS')).getByTestId(TestId.SettingsTargetRenameInput);
    expect(input).toHaveValue('Home NAS');

    await fireEvent.input(input, { target: { value: '   ' } });
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRenameSave));
    expect(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRenameError)).toHaveTextContent('Give the target a name.');
    expect(api.renameTarget).not.toHaveBeenCalled();

    vi.mocked(api.renameTarget).mockRejectedValueOnce({ code: 'invalid_argument', message: '"local" is reserved and cannot name a target', details: {} });
    await fireEvent.input(input, { target: { value: 'local' } });
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRenameSave));
    await waitFor(() => expect(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRenameError)).toHaveTextContent('"local" is reserved'));
    expect(api.renameTarget).toHaveBeenCalledWith('Home NAS', 'local');

    vi.mocked(api.renameTarget).mockResolvedValueOnce(change({ name: 'NAS', old_name: 'Home NAS' }));
    await fireEvent.input(input, { target: { value: ' NAS ' } });
    // Enter saves the name (and never submits the page's settings form around it).
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    input.dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(true);
    await waitFor(() => expect(api.renameTarget).toHaveBeenLastCalledWith('Home NAS', 'NAS'));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'Home NAS' renamed", detail: "It is now 'NAS'." }));
    expect(refresh).toHaveBeenCalled();
    expect(api.targetList).toHaveBeenCalledTimes(2);
  });

  it('Escape cancels a rename without calling the core', async () => {
    await setup();
    await fireEvent.click(within(row('Spare')).getByTestId(TestId.SettingsTargetRename));
    const input = within(row('Spare')).getByTestId(TestId.SettingsTargetRenameInput);
    await fireEvent.input(input, { target: { value: 'Other' } });
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(within(row('Spare')).queryByTestId(TestId.SettingsTargetRenameInput)).toBeNull();
    expect(api.renameTarget).not.toHaveBeenCalled();
  });

  it('removes a target after a confirmation that says nothing on the drive is deleted', async () => {
    const { refresh } = await setup();
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRemove));
    const dialog = await screen.findByTestId(TestId.SettingsTargetRemoveDialog);
    expect(dialog).toHaveTextContent('Nothing on the drive is deleted');
    vi.mocked(api.removeTarget).mockResolvedValue(change({ name: 'Home NAS' }));
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetRemoveConfirm));
    await waitFor(() => expect(api.removeTarget).toHaveBeenCalledWith('Home NAS', false));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'Home NAS' removed", detail: 'Nothing on its drive was deleted.' }));
    expect(screen.queryByTestId(TestId.SettingsTargetRemoveDialog)).toBeNull();
    expect(refresh).toHaveBeenCalled();
  });

  it('below_min_copies asks a second, destructive confirmation: focus on Cancel, Enter never forces, only the click does', async () => {
    await setup();
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRemove));
    const dialog = await screen.findByTestId(TestId.SettingsTargetRemoveDialog);
    vi.mocked(api.removeTarget).mockRejectedValueOnce({
      code: 'below_min_copies',
      message:
        'refused: removing the backup target "Home NAS" would leave 3 blob(s) with fewer good copies than the copies policy asks (first: juggernaut_xl.safetensors, which needs 2). Copy them to another target first, or confirm removing it anyway; nothing on the target is deleted either way',
      details: { target: 'Home NAS', targets: [] },
    });
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetRemoveConfirm));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsTargetRemoveBelow)).toHaveTextContent('would leave 3 blob(s) with fewer good copies'));
    expect(api.removeTarget).toHaveBeenCalledTimes(1);
    expect(api.removeTarget).toHaveBeenLastCalledWith('Home NAS', false);
    expect(screen.queryByTestId(TestId.SettingsTargetRemoveConfirm)).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId(TestId.SettingsTargetRemoveCancel)));

    // Enter on the dialog (or anywhere) does not force.
    await fireEvent.keyDown(screen.getByTestId(TestId.SettingsTargetRemoveDialog), { key: 'Enter' });
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(api.removeTarget).toHaveBeenCalledTimes(1);
    expect(toasts.items.filter((t) => t.kind === 'success')).toHaveLength(0);

    vi.mocked(api.removeTarget).mockResolvedValueOnce(change({ name: 'Home NAS', blobs_below_policy: 3 }));
    await fireEvent.click(screen.getByTestId(TestId.SettingsTargetRemoveForce));
    await waitFor(() => expect(api.removeTarget).toHaveBeenLastCalledWith('Home NAS', true));
    expect(api.removeTarget).toHaveBeenCalledTimes(2);
    await waitFor(() =>
      expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: "Target 'Home NAS' removed", detail: 'Nothing on its drive was deleted. 3 models below the copies policy now.' }),
    );
  });

  it('Cancel on the second confirmation removes nothing', async () => {
    await setup();
    await fireEvent.click(within(row('Home NAS')).getByTestId(TestId.SettingsTargetRemove));
    const dialog = await screen.findByTestId(TestId.SettingsTargetRemoveDialog);
    vi.mocked(api.removeTarget).mockRejectedValueOnce({ code: 'below_min_copies', message: 'refused: ... would leave 1 blob(s) ...', details: { target: 'Home NAS', targets: [] } });
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetRemoveConfirm));
    await screen.findByTestId(TestId.SettingsTargetRemoveBelow);
    await fireEvent.click(screen.getByTestId(TestId.SettingsTargetRemoveCancel));
    await waitFor(() => expect(screen.queryByTestId(TestId.SettingsTargetRemoveDialog)).toBeNull());
    expect(api.removeTarget).toHaveBeenCalledTimes(1);
    expect(api.removeTarget).not.toHaveBeenCalledWith('Home NAS', true);
  });

  it('another refusal of a removal shows inline in the dialog, without the force button', async () => {
    await setup();
    await fireEvent.click(within(row('Old NFS')).getByTestId(TestId.SettingsTargetRemove));
    const dialog = await screen.findByTestId(TestId.SettingsTargetRemoveDialog);
    vi.mocked(api.removeTarget).mockRejectedValueOnce({ code: 'busy', message: 'the store is busy (sync since 10:02, pid 42)', details: {} });
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetRemoveConfirm));
    await waitFor(() => expect(within(dialog).getByTestId(TestId.SettingsTargetRemoveError)).toHaveTextContent('the store is busy'));
    expect(screen.queryByTestId(TestId.SettingsTargetRemoveForce)).toBeNull();
  });
});
