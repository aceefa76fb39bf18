import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import UseDialog from './use-dialog.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';
import { sha, usePlan, useResult } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  applyUse: vi.fn(),
}));

const big = { sha256: sha(801), display_name: 'juggernaut.safetensors', kind: 'checkpoint' as const, size_bytes: 6_800_000_000 };
const lora = { sha256: sha(802), display_name: 'detail.safetensors', kind: 'lora' as const, size_bytes: 150_000_000 };
const plan = usePlan(useResult({ restored_blobs: [big, lora], bytes_restored: 6_950_000_000, free_space: 120_000_000_000 }));

beforeEach(() => {
  vi.mocked(api.applyUse).mockReset();
  toasts.clear();
});

describe('UseDialog', () => {
  it('lists the blobs to restore with their sizes and the free space, then restores and links with restore: true', async () => {
    vi.mocked(api.applyUse).mockResolvedValue(useResult({ dry_run: false, restored_blobs: [big, lora], bytes_restored: 6_950_000_000 }));
    const onclose = vi.fn();
    const ondone = vi.fn();
    render(UseDialog, { request: { pack: 'Juggernaut_XL', ui: 'comfyui', plan, error: null }, backupConnected: true, onclose, ondone });
    const list = screen.getByTestId(TestId.UseRestoreList);
    expect(within(list).getByText('juggernaut.safetensors')).toBeInTheDocument();
    expect(list).toHaveTextContent('6.8 GB');
    expect(list).toHaveTextContent('150 MB');
    expect(screen.getByTestId(TestId.UseDialog)).toHaveTextContent('To restore from the backup: 2 models · 7.0 GB');
    expect(screen.getByTestId(TestId.UseFreeSpace)).toHaveTextContent('Free on this disk: 120 GB');
    await fireEvent.click(screen.getByTestId(TestId.UseConfirm));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    // The plan the dialog listed, restores included, is what runs.
    expect(api.applyUse).toHaveBeenCalledWith(plan, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    expect(ondone).toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Juggernaut_XL is in use in comfyui' });
  });

  it('refuses clearly while the backup drive is unplugged', () => {
    render(UseDialog, { request: { pack: 'Juggernaut_XL', ui: 'comfyui', plan, error: null }, backupConnected: false, onclose: vi.fn() });
    expect(screen.getByTestId(TestId.UseBlocker)).toHaveTextContent('The backup drive is not connected');
    expect(screen.getByTestId(TestId.UseConfirm)).toBeDisabled();
  });

  it('refuses when the disk lacks room for the restore', () => {
    const short = usePlan({ ...plan.preview, free_space: 1_000_000_000, space_warning: 'the store disk has 1000000000 bytes free, restoring needs 6950000000' });
    render(UseDialog, { request: { pack: 'P', ui: 'comfyui', plan: short, error: null }, backupConnected: true, onclose: vi.fn() });
    expect(screen.getByTestId(TestId.UseBlocker)).toHaveTextContent('restoring needs 6950000000');
    expect(screen.getByTestId(TestId.UseConfirm)).toBeDisabled();
  });

  it('shows clashes with real files as an error listing the paths, with only a Close button', async () => {
    const clashes = [
      { ui: 'comfyui', dependency_id: 'ckpt', path: '/home/you/ComfyUI/models/checkpoints/juggernaut.safetensors', found: 'file' },
      { ui: 'comfyui', dependency_id: 'lora', path: '/home/you/ComfyUI/models/loras/detail.safetensors', found: 'link to /elsewhere' },
    ];
    const onclose = vi.fn();
    render(UseDialog, {
      request: { pack: 'P', ui: 'comfyui', plan: null, error: { code: 'name_clash', message: 'refused: 2 names taken', details: { pack: 'P', clashes } } },
      backupConnected: true,
      onclose,
    });
    const list = screen.getByTestId(TestId.UseClashes);
    expect(list).toHaveTextContent('/home/you/ComfyUI/models/checkpoints/juggernaut.safetensors');
    expect(list).toHaveTextContent('link to /elsewhere');
    expect(screen.getByTestId(TestId.UseDialog)).toHaveTextContent('Cannot use P in comfyui');
    expect(screen.queryByTestId(TestId.UseConfirm)).toBeNull();
    await fireEvent.click(screen.getByTestId(TestId.UseCancel));
    expect(onclose).toHaveBeenCalled();
  });

  it('names the blobs that are nowhere and which can be re-downloaded', () => {
    const blobs = [
      { sha256: sha(803), display_name: 'fetchable.safetensors', has_download_url: true },
      { sha256: sha(804), display_name: 'lost.safetensors', has_download_url: false },
    ];
    render(UseDialog, {
      request: { pack: 'P', ui: 'comfyui', plan: null, error: { code: 'not_found', message: 'nowhere', details: { pack: 'P', blobs } } },
      backupConnected: true,
      onclose: vi.fn(),
    });
    const list = screen.getByTestId(TestId.UseMissing);
    expect(list).toHaveTextContent('fetchable.safetensors');
    expect(list).toHaveTextContent('Re-download');
    expect(list).toHaveTextContent('No download URL is recorded');
  });

  it('a failed restore (drive unplugged meanwhile) stays open with the error and a toast', async () => {
    vi.mocked(api.applyUse).mockRejectedValue({ code: 'backup_not_connected', message: 'backup drive not connected: /media/x is gone', details: {} });
    const onclose = vi.fn();
    render(UseDialog, { request: { pack: 'P', ui: 'comfyui', plan, error: null }, backupConnected: true, onclose });
    await fireEvent.click(screen.getByTestId(TestId.UseConfirm));
    await waitFor(() => expect(screen.getByTestId(TestId.UseDialog)).toHaveTextContent('backup drive not connected: /media/x is gone'));
    expect(onclose).not.toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not use P in comfyui' });
  });
});
