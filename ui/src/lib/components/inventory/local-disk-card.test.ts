import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import LocalDiskCard from './local-disk-card.svelte';
import { TestId } from '$lib/testids';
import { summary } from '../../../test/fixtures';

describe('LocalDiskCard', () => {
  it('shows the bytes on this disk as the summary counts them (SPEC §3.2: local only), not minus the backup-only ones again', () => {
    const s = summary({ bytes_total: 4_000_000_000 });
    s.backup.bytes_backup_only = 200_000_000;
    render(LocalDiskCard, { summary: s, backupEnabled: true, onbackupall: vi.fn() });
    expect(screen.getByTestId(TestId.LocalDiskCard)).toHaveTextContent('4.0 GB in the store');
  });
});
