import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { OperationOptions, SyncAllResult } from '$lib/api';
import SyncAllDialog from './sync-all-dialog.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { sha } from '../../../test/fixtures';
import { plannedCopy, syncAllPlanFixture, syncAllResultFixture } from '../../../test/fixtures-targets';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  syncAllPlan: vi.fn(),
  syncAllApply: vi.fn(),
}));

const step = () => screen.getByTestId(TestId.SyncAllStep).dataset.step;
const dialog = () => screen.getByTestId(TestId.SyncAllDialog);

beforeEach(() => {
  vi.mocked(api.syncAllPlan).mockReset();
  vi.mocked(api.syncAllApply).mockReset();
  toasts.clear();
});

describe('SyncAllDialog', () => {
  it('shows the copies by destination and applies exactly that plan, with live progress', async () => {
    let release: (r: SyncAllResult) => void = () => {};
    let progress: OperationOptions['onProgress'];
    const planned = syncAllPlanFixture({
      destinations: [
        { target: 'Home NAS', bytes: 7_000_000_000, free_space: 5_000_000_000, space_warning: "'Home NAS' has 5.0 GB free; 7.0 GB are needed." },
        { target: 'backup', bytes: 300_000_000, free_space: 500_000_000_000, space_warning: null },
      ],
    });
    vi.mocked(api.syncAllPlan).mockResolvedValue(planned);
    vi.mocked(api.syncAllApply).mockImplementation(async (_plan, opts) => {
      progress = opts?.onProgress;
      return new Promise<SyncAllResult>((r) => (release = r));
    });
    const ondone = vi.fn();
    render(SyncAllDialog, { open: true, onclose: vi.fn(), ondone });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllTotals)).toHaveTextContent('3 copies'));
    expect(api.syncAllPlan).toHaveBeenCalledWith({ include_orphans: false });

    const groups = screen.getAllByTestId(TestId.SyncAllDestination);
    expect(groups.map((g) => g.dataset.target)).toEqual(['Home NAS', 'backup']);
    expect(groups[0]).toHaveTextContent('2 copies · 7.0 GB');
    expect(groups[0]).toHaveTextContent('5.0 GB free');
    expect(within(groups[0]).getByTestId(TestId.SyncAllSpaceWarning)).toHaveTextContent('7.0 GB are needed');
    const nasCopies = within(groups[0]).getAllByTestId(TestId.SyncAllCopy);
    expect(nasCopies[0]).toHaveTextContent("juggernaut_xl.safetensors — this disk → 'Home NAS' 6.8 GB");
    expect(nasCopies[1]).toHaveTextContent("detail_tweaker.safetensors — 'backup' → 'Home NAS' 200 MB");
    expect(within(groups[1]).getAllByTestId(TestId.SyncAllCopy)).toHaveLength(1);

    await fireEvent.click(screen.getByTestId(TestId.SyncAllStart));
    expect(step()).toBe('progress');
    // What the Review showed is what runs (SPEC §3.11): the very plan object, not a re-plan.
    expect(api.syncAllApply).toHaveBeenCalledTimes(1);
    expect(vi.mocked(api.syncAllApply).mock.calls[0][0]).toBe(planned);
    expect(api.syncAllPlan).toHaveBeenCalledTimes(1);
    progress!({ operation: 'sync_all', items_done: 1, items_total: 3, bytes_done: 6_800_000_000, bytes_total: 7_300_000_000, current: 'detail_tweaker.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllProgress)).toHaveTextContent('6.8 GB of 7.3 GB'));
    expect(screen.getByTestId(TestId.SyncAllProgress)).toHaveTextContent('Copying detail_tweaker.safetensors');

    release(
      syncAllResultFixture(planned, {
        copied: planned.copies.slice(0, 2),
        bytes_copied: 7_000_000_000,
        skipped: [{ sha256: sha(903), name: 'sdxl_vae.safetensors', reason: 'it already has 2 good copies' }],
      }),
    );
    await waitFor(() => expect(step()).toBe('summary'));
    expect(screen.getByTestId(TestId.SyncAllSummary)).toHaveTextContent('2 copies made (7.0 GB)');
    expect(screen.getByTestId(TestId.SyncAllSkipped)).toHaveTextContent('sdxl_vae.safetensors: it already has 2 good copies');
    expect(ondone).toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Copied to targets' });
  });

  it('Enter confirms the Review (nothing is deleted)', async () => {
    const planned = syncAllPlanFixture();
    vi.mocked(api.syncAllPlan).mockResolvedValue(planned);
    vi.mocked(api.syncAllApply).mockResolvedValue(syncAllResultFixture(planned));
    render(SyncAllDialog, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllStart)).toBeEnabled());
    await fireEvent.keyDown(dialog(), { key: 'Enter' });
    await waitFor(() => expect(step()).toBe('summary'));
    expect(vi.mocked(api.syncAllApply).mock.calls[0][0]).toBe(planned);
  });

  it('"Include orphans" plans again, and Confirm applies the new plan', async () => {
    const first = syncAllPlanFixture();
    const orphan = plannedCopy({ sha256: sha(905), display_name: 'old_orphan.safetensors', kind: 'lora', size_bytes: 100_000_000, to: 'backup' });
    const second = syncAllPlanFixture({ options: { include_orphans: true }, copies: [...first.copies, orphan] });
    vi.mocked(api.syncAllPlan).mockImplementation(async (o) => (o?.include_orphans ? second : first));
    vi.mocked(api.syncAllApply).mockResolvedValue(syncAllResultFixture(second));
    render(SyncAllDialog, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllTotals)).toHaveTextContent('3 copies'));

    await fireEvent.click(screen.getByTestId(TestId.SyncAllOrphans));
    expect(api.syncAllPlan).toHaveBeenLastCalledWith({ include_orphans: true });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllTotals)).toHaveTextContent('4 copies'));
    expect(dialog()).toHaveTextContent('old_orphan.safetensors');

    await fireEvent.click(screen.getByTestId(TestId.SyncAllStart));
    await waitFor(() => expect(step()).toBe('summary'));
    expect(vi.mocked(api.syncAllApply).mock.calls[0][0]).toBe(second);
  });

  it('names what stays short and which target would fix it', async () => {
    vi.mocked(api.syncAllPlan).mockResolvedValue(
      syncAllPlanFixture({
        short: [
          { sha256: sha(904), display_name: 'flux_dev.safetensors', copies: 1, min_copies: 2, reason: 'no connected target lacks it', would_fix: ['Office USB'] },
          { sha256: sha(906), display_name: 't5xxl.safetensors', copies: 0, min_copies: 2, reason: 'no good copy anywhere', would_fix: [] },
        ],
      }),
    );
    render(SyncAllDialog, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllShort)).toBeInTheDocument());
    const short = screen.getByTestId(TestId.SyncAllShort);
    expect(short).toHaveTextContent('Still short after this: 2 models');
    expect(short).toHaveTextContent("flux_dev.safetensors — 1/2 copies: no connected target lacks it (connect 'Office USB' to fix)");
    expect(short).toHaveTextContent('t5xxl.safetensors — 0/2 copies: no good copy anywhere');
  });

  it('says so when there is nothing to copy, and offers nothing to start', async () => {
    vi.mocked(api.syncAllPlan).mockResolvedValue(syncAllPlanFixture({ copies: [], bytes_to_copy: 0, destinations: [], short: [] }));
    render(SyncAllDialog, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllEmpty)).toHaveTextContent('Every model has the copies your policy asks for'));
    expect(screen.getByTestId(TestId.SyncAllStart)).toBeDisabled();
    expect(screen.queryByTestId(TestId.SyncAllShort)).toBeNull();
  });

  it('Cancel aborts the copy; Escape while copying cancels instead of hiding it', async () => {
    let signal: AbortSignal | undefined;
    const planned = syncAllPlanFixture();
    vi.mocked(api.syncAllPlan).mockResolvedValue(planned);
    vi.mocked(api.syncAllApply).mockImplementation(async (_plan, opts) => {
      signal = opts?.signal;
      return new Promise<SyncAllResult>((resolve) =>
        signal!.addEventListener('abort', () => resolve(syncAllResultFixture(planned, { copied: planned.copies.slice(0, 1), bytes_copied: 6_800_000_000, cancelled: true }))),
      );
    });
    const onclose = vi.fn();
    render(SyncAllDialog, { open: true, onclose });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllStart)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.SyncAllStart));
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(step()).toBe('summary'));
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.getByTestId(TestId.SyncAllSummary)).toHaveTextContent('Cancelled');
    expect(screen.getByTestId(TestId.SyncAllSummary)).toHaveTextContent('1 copy made (6.8 GB)');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'info', title: 'Copy to targets cancelled' });
    await fireEvent.click(screen.getByTestId(TestId.SyncAllDone));
    expect(onclose).toHaveBeenCalled();
  });

  it('lists the errors of copies that failed', async () => {
    const planned = syncAllPlanFixture();
    vi.mocked(api.syncAllPlan).mockResolvedValue(planned);
    vi.mocked(api.syncAllApply).mockResolvedValue(
      syncAllResultFixture(planned, {
        copied: planned.copies.slice(1),
        bytes_copied: 500_000_000,
        errors: [{ sha256: sha(901), display_name: 'juggernaut_xl.safetensors', path: null, code: 'unresponsive', message: "'Home NAS' does not answer" }],
      }),
    );
    render(SyncAllDialog, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllStart)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.SyncAllStart));
    await waitFor(() => expect(screen.getByTestId(TestId.SyncAllErrors)).toHaveTextContent("juggernaut_xl.safetensors: 'Home NAS' does not answer"));
    expect(toasts.items.at(-1)?.kind).toBe('error');
  });
});
