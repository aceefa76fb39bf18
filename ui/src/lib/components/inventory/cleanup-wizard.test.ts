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
    expect(screen.getAllByTestId(TestId.CleanupItem)).toHaveLength(2);
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
    await fireEvent.keyDown(window, { key: 'Escape' });
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
});
