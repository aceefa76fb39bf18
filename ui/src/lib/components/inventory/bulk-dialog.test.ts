import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import BulkDialog from './bulk-dialog.svelte';
import { TestId } from '$lib/testids';
import { item } from '../../../test/fixtures';

describe('BulkDialog', () => {
  it('lists every model with a checkbox; the action runs on the ticked ones, force only when a ticked one is a last copy', async () => {
    const only = item({ display_name: 'only.safetensors', location: 'local_only', status: 'orphan', used_by_packs: [], size_bytes: 2_000_000 });
    const kept = item({ display_name: 'kept.safetensors', location: 'both', status: 'orphan', used_by_packs: [], size_bytes: 1_000_000 });
    const onconfirm = vi.fn();
    render(BulkDialog, { request: { kind: 'delete', items: [only, kept] }, onclose: vi.fn(), onconfirm });
    expect(screen.getAllByTestId(TestId.BulkItem)).toHaveLength(2);
    expect(screen.getByTestId(TestId.DeleteLastCopyWarning)).toHaveTextContent('1 model is the last copy');
    expect(screen.getByTestId(TestId.BulkConfirm)).toHaveTextContent('Delete 2 permanently');

    // Enter never confirms a delete; focus starts on Cancel.
    await waitFor(() => expect(document.activeElement).toHaveTextContent('Cancel'));
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(onconfirm).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByLabelText('Include only.safetensors'));
    expect(screen.getByTestId(TestId.BulkChosen)).toHaveTextContent('1 model of 2 chosen · 1.0 MB');
    expect(screen.queryByTestId(TestId.DeleteLastCopyWarning)).toBeNull();
    await fireEvent.click(screen.getByTestId(TestId.BulkConfirm));
    expect(onconfirm).toHaveBeenCalledWith({ kind: 'delete', items: [kept] }, false);
  });

  it('nothing ticked: the action cannot run', async () => {
    const a = item({ location: 'local_only' });
    render(BulkDialog, { request: { kind: 'backup', items: [a] }, onclose: vi.fn(), onconfirm: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.BulkAll));
    expect(screen.getByTestId(TestId.BulkConfirm)).toBeDisabled();
  });
});
