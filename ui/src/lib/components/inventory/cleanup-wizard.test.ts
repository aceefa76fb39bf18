import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { CleanupPlan, CleanupResult } from '$lib/api';
import CleanupWizard from './cleanup-wizard.svelte';
import { TestId } from '$lib/testids';
import { sha } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  cleanupPlan: vi.fn(),
  cleanupApply: vi.fn(),
}));

function plan(over: Partial<CleanupPlan> = {}): CleanupPlan {
  return {
    plan: { operation: 'cleanup', store: '/store', store_id: '1:2', made_at: '2026-12-02T10:00:00Z' },
    orphans_found: 2,
    bytes_to_free: 3_000_000,
    orphans: [
      { sha256: sha(901), display_name: 'old_lora.safetensors', kind: 'lora', size_bytes: 2_000_000, on_backup: false },
      { sha256: sha(902), display_name: 'old_vae.pt', kind: 'vae', size_bytes: 900_000, on_backup: true },
    ],
    partial_files: [{ path: '/store/data/tmp/x.part', size_bytes: 100_000 }],
    left_alone: [],
    ...over,
  };
}

function result(over: Partial<CleanupResult> = {}): CleanupResult {
  const p = plan();
  return {
    dry_run: false,
    orphans_found: 2,
    orphans_deleted: 2,
    bytes_freed: 3_000_000,
    bytes_to_free: 3_000_000,
    orphans: p.orphans,
    deleted: p.orphans,
    partial_files: p.partial_files,
    partial_files_deleted: 1,
    left_alone: [],
    skipped: [],
    errors: [],
    ...over,
  };
}

const step = () => screen.getByTestId(TestId.CleanupStep).dataset.step;

beforeEach(() => {
  vi.mocked(api.cleanupPlan).mockReset();
  vi.mocked(api.cleanupApply).mockReset();
});

describe('CleanupWizard', () => {
  it('Scan → Review → Complete, deleting only after confirmation', async () => {
    const reviewed = plan();
    vi.mocked(api.cleanupPlan).mockResolvedValueOnce(reviewed);
    vi.mocked(api.cleanupApply).mockResolvedValueOnce(result());
    const ondone = vi.fn();
    const onclose = vi.fn();
    render(CleanupWizard, { open: true, onclose, ondone });

    await waitFor(() => expect(step()).toBe('review'));
    expect(api.cleanupPlan).toHaveBeenCalledTimes(1);
    expect(api.cleanupApply).not.toHaveBeenCalled();
    // Two orphans and the partial download, each with its own checkbox.
    expect(screen.getAllByTestId(TestId.CleanupItem)).toHaveLength(3);
    expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('1 orphan has no backup copy: deleting it is final.');
    expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('partial download');

    await fireEvent.click(screen.getByTestId(TestId.CleanupExecute));
    await waitFor(() => expect(step()).toBe('complete'));
    // The very plan that was reviewed is what is applied (SPEC §3.11).
    expect(vi.mocked(api.cleanupApply).mock.calls[0][0]).toBe(reviewed);
    expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('Freed 3.0 MB');
    expect(ondone).toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId(TestId.CleanupDone));
    expect(onclose).toHaveBeenCalled();
    expect(screen.queryByTestId(TestId.CleanupWizard)).toBeNull();
  });

  it('says when there is nothing to clean and cannot execute', async () => {
    vi.mocked(api.cleanupPlan).mockResolvedValue(plan({ orphans: [], partial_files: [], orphans_found: 0, bytes_to_free: 0 }));
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('Nothing to clean up'));
    expect(screen.getByTestId(TestId.CleanupExecute)).toBeDisabled();
  });

  it('shows a refusal (unreadable packs) and stays closable with Escape', async () => {
    vi.mocked(api.cleanupPlan).mockImplementation(async () => {
      throw { code: 'packs_unreadable', message: 'pack Broken cannot be read', details: {} };
    });
    const onclose = vi.fn();
    render(CleanupWizard, { open: true, onclose });
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('pack Broken cannot be read'));
    expect(step()).toBe('scan');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(document.querySelector(`[data-testid="${TestId.DialogBackdrop}"]`)).toBeNull();
  });

  it('says which reviewed items were left alone because they changed', async () => {
    vi.mocked(api.cleanupPlan).mockResolvedValueOnce(plan());
    vi.mocked(api.cleanupApply).mockResolvedValueOnce(
      result({ orphans_deleted: 1, skipped: [{ sha256: sha(901), name: 'old_lora.safetensors', reason: 'it is now used by NewPack and no longer an orphan' }] }),
    );
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(step()).toBe('review'));
    await fireEvent.click(screen.getByTestId(TestId.CleanupExecute));
    await waitFor(() => expect(step()).toBe('complete'));
    expect(screen.getByTestId(TestId.CleanupSkipped)).toHaveTextContent('old_lora.safetensors: it is now used by NewPack');
  });

  it('Review opens with focus on Cancel and Enter never deletes (issue 11)', async () => {
    vi.mocked(api.cleanupPlan).mockResolvedValueOnce(plan());
    vi.mocked(api.cleanupApply).mockResolvedValueOnce(result());
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(step()).toBe('review'));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId(TestId.CleanupCancel)));
    await fireEvent.keyDown(screen.getByTestId(TestId.CleanupWizard), { key: 'Enter' });
    await new Promise((r) => setTimeout(r, 50));
    expect(step()).toBe('review');
    expect(api.cleanupApply).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId(TestId.CleanupExecute));
    await waitFor(() => expect(step()).toBe('complete'));
  });

  it('unticking items narrows the plan that is applied: nothing unticked is sent, the totals follow', async () => {
    vi.mocked(api.cleanupPlan).mockResolvedValueOnce(plan());
    vi.mocked(api.cleanupApply).mockResolvedValueOnce(result());
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(step()).toBe('review'));
    const box = (key: string) => screen.getAllByTestId(TestId.CleanupItem).find((el) => el.dataset.key === key)!.querySelector<HTMLElement>('[role="checkbox"]')!;
    await fireEvent.click(box(`blob:${sha(901)}`));
    expect(screen.getByTestId(TestId.CleanupChosen)).toHaveTextContent('1 orphan and 1 partial download of 3 chosen — 1.0 MB will be freed');
    expect(screen.getByTestId(TestId.CleanupWizard)).not.toHaveTextContent('no backup copy');
    expect(screen.getByTestId(TestId.CleanupExecute)).toHaveTextContent('Delete 1 orphan and 1 partial file (1.0 MB)');
    await fireEvent.click(screen.getByTestId(TestId.CleanupExecute));
    await waitFor(() => expect(api.cleanupApply).toHaveBeenCalled());
    const sent = vi.mocked(api.cleanupApply).mock.calls[0][0];
    expect(sent.orphans.map((o) => o.sha256)).toEqual([sha(902)]);
    expect(sent.partial_files).toHaveLength(1);
    expect(sent.bytes_to_free).toBe(1_000_000);
    expect(sent.plan).toEqual(plan().plan);
  });

  it('untick all leaves nothing to delete; the review of 20,000 orphans lists every one (virtualised)', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ sha256: sha(10_000 + i), display_name: `o${i}.safetensors`, kind: 'lora' as const, size_bytes: 1000, on_backup: true }));
    vi.mocked(api.cleanupPlan).mockResolvedValueOnce(plan({ orphans: many, partial_files: [], orphans_found: 20_000, bytes_to_free: 20_000_000 }));
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(step()).toBe('review'));
    const list = screen.getByTestId(TestId.CleanupList);
    expect(list.dataset.count).toBe('20000');
    expect(list.querySelector('ul')!.style.height).toBe(`${20_000 * 34}px`);
    expect(screen.getAllByTestId(TestId.CleanupItem).length).toBeLessThan(60);
    expect(screen.getByTestId(TestId.CleanupWizard)).not.toHaveTextContent('more');
    await fireEvent.click(screen.getByTestId(TestId.CleanupAll));
    expect(screen.getByTestId(TestId.CleanupExecute)).toBeDisabled();
    expect(screen.getByTestId(TestId.CleanupExecute)).toHaveTextContent('Nothing to delete');
  });
});
