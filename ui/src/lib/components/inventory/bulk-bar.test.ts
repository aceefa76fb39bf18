import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import BulkBar from './bulk-bar.svelte';
import { TestId } from '$lib/testids';
import { item } from '../../../test/fixtures';

describe('BulkBar', () => {
  it('offers to identify every selected model, wherever its copies are', async () => {
    const selected = [item({ location: 'backup_only' }), item({ location: 'nowhere', status: 'missing' }), item({ status: 'orphan', used_by_packs: [] })];
    const onidentify = vi.fn();
    render(BulkBar, { selected, backupConnected: false, onbackup: vi.fn(), onrestore: vi.fn(), ondelete: vi.fn(), onverify: vi.fn(), onclear: vi.fn(), onidentify });
    const button = screen.getByTestId(TestId.BulkIdentify);
    expect(button).toHaveTextContent('Identify 3…');
    expect(button).not.toBeDisabled();
    await fireEvent.click(button);
    expect(onidentify).toHaveBeenCalledWith(selected);
  });
});
