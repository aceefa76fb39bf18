import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { CleanupResult } from '$lib/api';
import CleanupWizard from './cleanup-wizard.svelte';
import { TestId } from '$lib/testids';
import { sha } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  cleanupOrphans: vi.fn(),
}));

function plan(over: Partial<CleanupResult> = {}): CleanupResult {
  return {
    dry_run: true,
    orphans_found: 2,
    orphans_deleted: 0,
    bytes_freed: 0,
    bytes_to_free: 3_000_000,
    orphans: [
      { sha256: sha(901), display_name: 'old_lora.safetensors', kind: 'lora', size_bytes: 2_000_000, on_backup: false },
      { sha256: sha(902), display_name: 'old_vae.pt', kind: 'vae', size_bytes: 900_000, on_backup: true },
    ],
    deleted: [],
    partial_files: [{ path: '/store/data/tmp/x.part', size_bytes: 100_000 }],
    partial_files_deleted: 0,
    errors: [],
    ...over,
  };
}

const step = () => screen.getByTestId(TestId.CleanupStep).dataset.step;

beforeEach(() => {
  vi.mocked(api.cleanupOrphans).mockReset();
});

describe('CleanupWizard', () => {
  it('Scan → Review → Complete, deleting only after confirmation', async () => {
    vi.mocked(api.cleanupOrphans).mockResolvedValueOnce(plan());
    vi.mocked(api.cleanupOrphans).mockResolvedValueOnce(
      plan({ dry_run: false, orphans_deleted: 2, bytes_freed: 3_000_000, deleted: plan().orphans, partial_files_deleted: 1 }),
    );
    const ondone = vi.fn();
    const onclose = vi.fn();
    render(CleanupWizard, { open: true, onclose, ondone });

    await waitFor(() => expect(step()).toBe('review'));
    expect(api.cleanupOrphans).toHaveBeenCalledTimes(1);
    expect(api.cleanupOrphans).toHaveBeenLastCalledWith({ execute: false, max_items: null });
    expect(screen.getAllByTestId(TestId.CleanupItem)).toHaveLength(2);
    expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('1 orphan has no backup copy: deleting it is final.');
    expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('partial download');

    await fireEvent.click(screen.getByTestId(TestId.CleanupExecute));
    await waitFor(() => expect(step()).toBe('complete'));
    expect(api.cleanupOrphans).toHaveBeenLastCalledWith({ execute: true, max_items: 2 });
    expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('Freed 3.0 MB');
    expect(ondone).toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId(TestId.CleanupDone));
    expect(onclose).toHaveBeenCalled();
    expect(screen.queryByTestId(TestId.CleanupWizard)).toBeNull();
  });

  it('says when there is nothing to clean and cannot execute', async () => {
    vi.mocked(api.cleanupOrphans).mockResolvedValue(plan({ orphans: [], partial_files: [], orphans_found: 0, bytes_to_free: 0 }));
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.CleanupWizard)).toHaveTextContent('Nothing to clean up'));
    expect(screen.getByTestId(TestId.CleanupExecute)).toBeDisabled();
  });

  it('shows a refusal (unreadable packs) and stays closable with Escape', async () => {
    vi.mocked(api.cleanupOrphans).mockImplementation(async () => {
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

  it('Enter in Review executes', async () => {
    vi.mocked(api.cleanupOrphans).mockResolvedValueOnce(plan());
    vi.mocked(api.cleanupOrphans).mockResolvedValueOnce(plan({ dry_run: false, orphans_deleted: 2, bytes_freed: 3_000_000 }));
    render(CleanupWizard, { open: true, onclose: vi.fn() });
    await waitFor(() => expect(step()).toBe('review'));
    await fireEvent.keyDown(screen.getByTestId(TestId.CleanupWizard), { key: 'Enter' });
    await waitFor(() => expect(step()).toBe('complete'));
  });
});
