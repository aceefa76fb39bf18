import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import BackupCard from './backup-card.svelte';
import { TestId } from '$lib/testids';
import { summary } from '../../../test/fixtures';

describe('BackupCard', () => {
  it('not configured: links to Settings', async () => {
    const onsettings = vi.fn();
    render(BackupCard, { state: 'disabled', summary: summary(), status: null, onsettings, onsync: vi.fn() });
    const card = screen.getByTestId(TestId.BackupCard);
    expect(card.dataset.state).toBe('disabled');
    expect(card).toHaveTextContent('Not configured');
    await fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    expect(onsettings).toHaveBeenCalled();
  });

  it('disconnected: amber, with the path, the reason and the cached contents', () => {
    render(BackupCard, { state: 'disconnected', summary: summary(), status: null, reason: '/media/backup does not exist (is the drive plugged in and mounted?)', onsettings: vi.fn(), onsync: vi.fn() });
    const card = screen.getByTestId(TestId.BackupCard);
    expect(card.dataset.state).toBe('disconnected');
    expect(card.className).toContain('border-warning');
    expect(card).toHaveTextContent('Disconnected');
    expect(card).toHaveTextContent('/media/backup');
    expect(card).toHaveTextContent('is the drive plugged in');
    expect(card).toHaveTextContent('3 models on the backup (cached list)');
  });

  it('connected: contents, backup-only count and Sync', async () => {
    const onsync = vi.fn();
    render(BackupCard, { state: 'connected', summary: summary(), status: null, onsettings: vi.fn(), onsync });
    const card = screen.getByTestId(TestId.BackupCard);
    expect(card.dataset.state).toBe('connected');
    expect(card).toHaveTextContent('3.2 GB');
    expect(card).toHaveTextContent('1 model only on the backup');
    await fireEvent.click(screen.getByRole('button', { name: 'Sync…' }));
    expect(onsync).toHaveBeenCalled();
  });

  it('says how many of the backup-only models no pack uses, so it adds up with the Status card', () => {
    const s = summary({ blobs_backup_only: 3 });
    s.backup.blobs_backup_only = 4;
    render(BackupCard, { state: 'connected', summary: s, status: null, onsettings: vi.fn(), onsync: vi.fn() });
    expect(screen.getByTestId(TestId.BackupOnlyCount)).toHaveTextContent('4 models only on the backup (1 no pack uses)');
  });
});
