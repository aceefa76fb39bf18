import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import DeleteDialog from './delete-dialog.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { impacts, item } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  blobImpacts: vi.fn(),
  deleteBlob: vi.fn(),
}));

const backdrops = () => document.querySelectorAll(`[data-testid="${TestId.DialogBackdrop}"]`);

beforeEach(() => {
  vi.mocked(api.blobImpacts).mockReset();
  vi.mocked(api.deleteBlob).mockReset();
  toasts.clear();
});

describe('DeleteDialog', () => {
  it('last copy: red warning and "Delete permanently", deletes with force', async () => {
    const it = item({ location: 'local_only', status: 'orphan', used_by_packs: [] });
    vi.mocked(api.blobImpacts).mockResolvedValue(impacts(it, { is_last_copy: true }));
    vi.mocked(api.deleteBlob).mockResolvedValue({ deleted_from: ['local'], sha256: it.sha256, bytes_freed: it.size_bytes, remaining_on: 'nowhere', remaining_copies: [], warning: 'This was the last copy' });
    const onclose = vi.fn();
    const ondeleted = vi.fn();
    render(DeleteDialog, { props: { item: it, target: 'local', onclose, ondeleted } });

    const warning = screen.getByTestId(TestId.DeleteLastCopyWarning);
    expect(warning).toHaveTextContent('This is the last copy.');
    expect(warning.className).toContain('text-destructive');
    expect(screen.getByTestId(TestId.DeleteConfirm)).toHaveTextContent('Delete permanently');
    expect(screen.queryByTestId(TestId.DeleteKeptNote)).toBeNull();

    await fireEvent.click(screen.getByTestId(TestId.DeleteConfirm));
    await waitFor(() => expect(ondeleted).toHaveBeenCalled());
    expect(api.deleteBlob).toHaveBeenCalledWith(it.sha256, 'local', true);
    expect(onclose).toHaveBeenCalled();
    expect(screen.queryByTestId(TestId.DeleteDialog)).toBeNull();
    expect(backdrops()).toHaveLength(0);
    expect(toasts.items[0]).toMatchObject({ kind: 'success' });
  });

  it('referenced blob on both sides: lists the packs and says the backup copy is kept', async () => {
    const it = item({ location: 'both', status: 'referenced', used_by_packs: ['Juggernaut_XL', 'Portraits'] });
    vi.mocked(api.blobImpacts).mockResolvedValue(impacts(it));
    render(DeleteDialog, { props: { item: it, target: 'local', onclose: vi.fn() } });
    const ref = screen.getByTestId(TestId.DeleteReferencedWarning);
    expect(ref).toHaveTextContent('Used by 2 packs');
    await waitFor(() => expect(ref).toHaveTextContent('Juggernaut_XL'));
    expect(ref).toHaveTextContent('Portraits');
    expect(screen.getByTestId(TestId.DeleteKeptNote)).toHaveTextContent('The backup copy will be kept.');
    expect(screen.queryByTestId(TestId.DeleteLastCopyWarning)).toBeNull();
    expect(screen.getByTestId(TestId.DeleteConfirm)).toHaveTextContent('Delete from this disk');
  });

  it('deleting the backup copy of an orphan that is also local keeps the local copy, without force', async () => {
    const it = item({ location: 'both', status: 'orphan', used_by_packs: [] });
    vi.mocked(api.blobImpacts).mockResolvedValue(impacts(it));
    vi.mocked(api.deleteBlob).mockResolvedValue({ deleted_from: ['backup'], sha256: it.sha256, bytes_freed: 1, remaining_on: 'local', remaining_copies: ['local'], warning: null });
    render(DeleteDialog, { props: { item: it, target: 'backup', onclose: vi.fn() } });
    expect(screen.getByTestId(TestId.DeleteKeptNote)).toHaveTextContent('The local copy will be kept.');
    await fireEvent.click(screen.getByTestId(TestId.DeleteConfirm));
    await waitFor(() => expect(api.deleteBlob).toHaveBeenCalledWith(it.sha256, 'backup', false));
  });

  it('the last-copy dialog opens with focus on Cancel and Enter deletes nothing (issue 11)', async () => {
    const it = item({ location: 'local_only', status: 'orphan', used_by_packs: [] });
    vi.mocked(api.blobImpacts).mockResolvedValue(impacts(it));
    render(DeleteDialog, { props: { item: it, target: 'local', onclose: vi.fn() } });
    expect(screen.getByTestId(TestId.DeleteConfirm)).toHaveTextContent('Delete permanently');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId(TestId.DeleteCancel)));
    await fireEvent.keyDown(screen.getByTestId(TestId.DeleteDialog), { key: 'Enter' });
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    await new Promise((r) => setTimeout(r, 50));
    expect(api.deleteBlob).not.toHaveBeenCalled();
    expect(screen.getByTestId(TestId.DeleteDialog)).toBeInTheDocument();
  });

  it('Escape cancels without deleting and leaves no backdrop', async () => {
    const it = item({ location: 'both', status: 'orphan', used_by_packs: [] });
    vi.mocked(api.blobImpacts).mockResolvedValue(impacts(it));
    const onclose = vi.fn();
    render(DeleteDialog, { props: { item: it, target: 'both', onclose } });
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(api.deleteBlob).not.toHaveBeenCalled();
    expect(screen.queryByTestId(TestId.DeleteDialog)).toBeNull();
    expect(backdrops()).toHaveLength(0);
  });

  it('a refusal from the core is shown as an error, never as success', async () => {
    const it = item({ location: 'backup_only', status: 'backup_only' });
    vi.mocked(api.blobImpacts).mockResolvedValue(impacts(it));
    vi.mocked(api.deleteBlob).mockRejectedValue({ code: 'backup_not_connected', message: 'backup drive not connected: /media/x does not exist', details: {} });
    const ondeleted = vi.fn();
    render(DeleteDialog, { props: { item: it, target: 'backup', onclose: vi.fn(), ondeleted } });
    await fireEvent.click(screen.getByTestId(TestId.DeleteConfirm));
    await waitFor(() => expect(screen.getByTestId(TestId.DeleteDialog)).toHaveTextContent('backup drive not connected'));
    expect(ondeleted).not.toHaveBeenCalled();
    expect(toasts.items.map((t) => t.kind)).toEqual(['error']);
    // Still closable.
    await fireEvent.click(screen.getByTestId(TestId.DeleteCancel));
    expect(backdrops()).toHaveLength(0);
  });
});
