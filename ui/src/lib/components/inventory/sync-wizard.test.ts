import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { OperationOptions, SyncPlan, SyncResult } from '$lib/api';
import SyncWizard from './sync-wizard.svelte';
import { TestId } from '$lib/testids';
import { sha } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  syncPlan: vi.fn(),
  syncApply: vi.fn(),
}));

function result(over: Partial<SyncResult> = {}): SyncResult {
  return {
    dry_run: true,
    direction: 'to_backup',
    only_missing: true,
    blobs_to_sync: 2,
    bytes_to_sync: 7_000_000_000,
    blobs_synced: 0,
    bytes_synced: 0,
    items: [
      { sha256: sha(801), display_name: 'juggernaut_xl.safetensors', kind: 'checkpoint', size_bytes: 6_800_000_000 },
      { sha256: sha(802), display_name: 'detail_tweaker.safetensors', kind: 'lora', size_bytes: 200_000_000 },
    ],
    space_warning: null,
    free_space: 100_000_000_000,
    already_synced: false,
    orphans_skipped: 0,
    bytes_orphans_skipped: 0,
    cancelled: false,
    skipped: [],
    auto_backup: null,
    errors: [],
    ...over,
  };
}

function planOf(preview: SyncResult): SyncPlan {
  return {
    plan: { operation: 'sync', store: '/store', store_id: '1:2', made_at: '2026-12-02T10:00:00Z' },
    options: { direction: preview.direction, only_missing: true, dry_run: true, include_orphans: false },
    preview,
  };
}

const step = () => screen.getByTestId(TestId.SyncStep).dataset.step;

beforeEach(() => {
  vi.mocked(api.syncPlan).mockReset();
  vi.mocked(api.syncApply).mockReset();
});

describe('SyncWizard', () => {
  it('Preview → live progress → Complete', async () => {
    let release: (r: SyncResult) => void = () => {};
    let progress: OperationOptions['onProgress'];
    const previewed = planOf(result({ space_warning: 'The backup drive has 5 GB free; 7 GB are needed.' }));
    vi.mocked(api.syncPlan).mockResolvedValue(previewed);
    vi.mocked(api.syncApply).mockImplementation(async (_plan, opts) => {
      progress = opts?.onProgress;
      return new Promise<SyncResult>((r) => (release = r));
    });
    render(SyncWizard, { open: true, direction: 'to_backup', onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncWizard)).toHaveTextContent('2 models'));
    expect(screen.getByTestId(TestId.SyncWizard)).toHaveTextContent('juggernaut_xl.safetensors');
    expect(screen.getByTestId(TestId.SyncSpaceWarning)).toHaveTextContent('5 GB free');

    await fireEvent.click(screen.getByTestId(TestId.SyncStart));
    expect(step()).toBe('progress');
    // Start applies the very plan the Preview showed.
    expect(api.syncApply).toHaveBeenLastCalledWith(previewed, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    progress!({ operation: 'sync', items_done: 1, items_total: 2, bytes_done: 3_500_000_000, bytes_total: 7_000_000_000, current: 'detail_tweaker.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncProgress)).toHaveTextContent('3.5 GB of 7.0 GB'));
    expect(screen.getByTestId(TestId.SyncProgress)).toHaveTextContent('Copying detail_tweaker.safetensors');

    release(result({ dry_run: false, blobs_synced: 2, bytes_synced: 7_000_000_000 }));
    await waitFor(() => expect(step()).toBe('complete'));
    expect(screen.getByTestId(TestId.SyncWizard)).toHaveTextContent('2 models copied (7.0 GB)');
  });

  it('Cancel aborts the running sync; Escape while copying cancels instead of hiding it', async () => {
    let signal: AbortSignal | undefined;
    vi.mocked(api.syncPlan).mockResolvedValue(planOf(result()));
    vi.mocked(api.syncApply).mockImplementation(async (_plan, opts) => {
      signal = opts?.signal;
      return new Promise<SyncResult>((resolve) =>
        signal!.addEventListener('abort', () => resolve(result({ dry_run: false, blobs_synced: 1, bytes_synced: 6_800_000_000, cancelled: true }))),
      );
    });
    const onclose = vi.fn();
    render(SyncWizard, { open: true, direction: 'to_backup', onclose });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncStart)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.SyncStart));
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(step()).toBe('complete'));
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.getByTestId(TestId.SyncWizard)).toHaveTextContent('Cancelled');
    await fireEvent.click(screen.getByTestId(TestId.SyncDone));
    expect(onclose).toHaveBeenCalled();
    expect(document.querySelector(`[data-testid="${TestId.DialogBackdrop}"]`)).toBeNull();
  });

  it('says "Already synced" and offers nothing to start', async () => {
    vi.mocked(api.syncPlan).mockResolvedValue(planOf(result({ blobs_to_sync: 0, bytes_to_sync: 0, items: [], already_synced: true })));
    render(SyncWizard, { open: true, direction: 'to_backup', onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncWizard)).toHaveTextContent('Already synced'));
    expect(screen.getByTestId(TestId.SyncStart)).toBeDisabled();
  });
});
