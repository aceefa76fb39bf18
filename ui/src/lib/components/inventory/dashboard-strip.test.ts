import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import DashboardStrip from './dashboard-strip.svelte';
import { TestId } from '$lib/testids';
import { summary } from '../../../test/fixtures';

describe('DashboardStrip', () => {
  it('says in one line what the cards say, from the same summary', async () => {
    const s = summary({ blobs_total: 20005, blobs_corrupt: 2, cleanup_orphans: 3 });
    s.backup.blobs_local_only = 1200;
    const oncleanup = vi.fn();
    render(DashboardStrip, { summary: s, backupState: 'connected', oncleanup });
    const strip = screen.getByTestId(TestId.DashboardStrip);
    expect(strip).toHaveTextContent('20,005 models');
    expect(strip).toHaveTextContent('1,200 models not backed up');
    expect(strip).toHaveTextContent('2 corrupt copies');
    expect(strip).toHaveTextContent('Backup connected');
    await fireEvent.click(screen.getByText('3 orphans to clean up'));
    expect(oncleanup).toHaveBeenCalled();
  });

  it('no backup: says so and does not count models as not backed up', () => {
    const s = summary();
    s.backup.blobs_local_only = 5;
    render(DashboardStrip, { summary: s, backupState: 'disabled', oncleanup: vi.fn() });
    const strip = screen.getByTestId(TestId.DashboardStrip);
    expect(strip).toHaveTextContent('No backup');
    expect(strip).not.toHaveTextContent('not backed up');
  });
});
