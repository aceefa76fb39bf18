import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { PackTransferPlan, PackTransferResult } from '$lib/api';
import PackOpDialog from './pack-op-dialog.svelte';
import { TestId } from '$lib/testids';
import { sha } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  packTransferPlan: vi.fn(),
  packTransferApply: vi.fn(),
}));

const ckpt = { sha256: sha(701), display_name: 'juggernaut.safetensors', kind: 'checkpoint' as const, size_bytes: 6_800_000_000 };
const lora = { sha256: sha(702), display_name: 'detail.safetensors', kind: 'lora' as const, size_bytes: 150_000_000 };

function transfer(over: Partial<PackTransferResult> = {}): PackTransferResult {
  return {
    pack: 'Juggernaut_XL',
    dry_run: true,
    direction: 'to_backup',
    items: [],
    blobs_to_copy: 0,
    bytes_to_copy: 0,
    blobs_copied: 0,
    bytes_copied: 0,
    free: false,
    to_free: [],
    bytes_to_free: 0,
    frees_shared: [],
    freed: [],
    bytes_freed: 0,
    missing: [],
    nothing_to_do: false,
    space_warning: null,
    cancelled: false,
    skipped: [],
    auto_backup: null,
    errors: [],
    ...over,
  };
}

function planOf(preview: PackTransferResult): PackTransferPlan {
  return {
    plan: { operation: preview.direction === 'to_backup' ? 'push' : 'pull', store: '/store', store_id: '1:2', made_at: '2026-12-02T10:00:00Z' },
    pack: preview.pack,
    direction: preview.direction,
    free: preview.free,
    preview,
  };
}

beforeEach(() => {
  vi.mocked(api.packTransferPlan).mockReset();
  vi.mocked(api.packTransferApply).mockReset();
});

describe('PackOpDialog', () => {
  it('Push & free when everything is already synced: nothing to copy, a second list "blobs to free"', async () => {
    const confirmed = planOf(transfer({ free: true, to_free: [ckpt, lora], bytes_to_free: 6_950_000_000 }));
    vi.mocked(api.packTransferPlan).mockResolvedValueOnce(confirmed);
    vi.mocked(api.packTransferApply).mockResolvedValueOnce(
      transfer({ dry_run: false, free: true, to_free: [ckpt, lora], freed: [ckpt.sha256, lora.sha256], bytes_freed: 6_950_000_000 }),
    );
    render(PackOpDialog, { request: { pack: 'Juggernaut_XL', kind: 'push_free' }, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.PackBlobsFree)).toBeInTheDocument());
    expect(api.packTransferPlan).toHaveBeenCalledWith('Juggernaut_XL', 'to_backup', true);
    const dialog = screen.getByTestId(TestId.PackOpDialog);
    expect(dialog).toHaveTextContent('Everything is already on the backup: nothing to copy.');
    expect(dialog).toHaveTextContent('Blobs to free: 2 models · 7.0 GB');
    expect(screen.getByTestId(TestId.PackBlobsFree)).toHaveTextContent('juggernaut.safetensors');
    await fireEvent.click(screen.getByTestId(TestId.PackOpConfirm));
    await waitFor(() => expect(dialog).toHaveTextContent('2 local copies freed (7.0 GB)'));
    // The plan the dialog listed is what runs.
    expect(api.packTransferApply).toHaveBeenLastCalledWith(confirmed, expect.any(Object));
  });

  it('Pull lists the blobs to restore and the missing ones, never downloads', async () => {
    vi.mocked(api.packTransferPlan).mockResolvedValue(
      planOf(transfer({ direction: 'from_backup', items: [lora], blobs_to_copy: 1, bytes_to_copy: lora.size_bytes, missing: [ckpt] })),
    );
    render(PackOpDialog, { request: { pack: 'Juggernaut_XL', kind: 'pull' }, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.PackOpDialog)).toHaveTextContent('To restore: 1 model · 150 MB'));
    expect(api.packTransferPlan).toHaveBeenCalledWith('Juggernaut_XL', 'from_backup', false);
    expect(screen.getByTestId(TestId.PackOpDialog)).toHaveTextContent('Missing everywhere (1)');
  });

  it('nothing to do: the confirm button is disabled and Escape closes', async () => {
    vi.mocked(api.packTransferPlan).mockResolvedValue(planOf(transfer({ nothing_to_do: true })));
    const onclose = vi.fn();
    render(PackOpDialog, { request: { pack: 'P', kind: 'push' }, onclose });
    await waitFor(() => expect(screen.getByTestId(TestId.PackOpConfirm)).toBeDisabled());
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(document.querySelector(`[data-testid="${TestId.DialogBackdrop}"]`)).toBeNull();
  });

  it('Push & free names the other packs that use a freed model, lists what it will refuse, and Enter does not free', async () => {
    // Issue 11: it freed a VAE two other packs use without saying so, and an
    // in-use pack said "nothing to copy" then ended red.
    const refusal = { sha256: lora.sha256, display_name: lora.display_name, path: null, code: 'in_use' as const, message: 'kept the local copy of detail.safetensors: UI comfy links to it' };
    vi.mocked(api.packTransferPlan).mockResolvedValueOnce(
      planOf(transfer({ free: true, to_free: [ckpt], bytes_to_free: ckpt.size_bytes, frees_shared: [{ sha256: ckpt.sha256, display_name: ckpt.display_name, other_packs: ['Two', 'Three'] }], errors: [refusal] })),
    );
    render(PackOpDialog, { request: { pack: 'Juggernaut_XL', kind: 'push_free' }, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.PackFreesShared)).toHaveTextContent('juggernaut.safetensors is also used by Two, Three'));
    expect(screen.getByTestId(TestId.PackOpRefusals)).toHaveTextContent('UI comfy links to it');
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    await fireEvent.keyDown(screen.getByTestId(TestId.PackOpDialog), { key: 'Enter' });
    expect(api.packTransferApply).not.toHaveBeenCalled();
  });
});
