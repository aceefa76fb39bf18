import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { BlobDetail, InventoryItem } from '$lib/api';
import BlobDetailDialog from './blob-detail-dialog.svelte';
import { TestId } from '$lib/testids';
import { impacts, item } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  blobDetail: vi.fn(),
}));

function detail(it: InventoryItem, over: Partial<BlobDetail> = {}): BlobDetail {
  return {
    item: it,
    autov2: it.sha256.slice(0, 10).toUpperCase(),
    names: [it.display_name, 'juggernaut_v9.safetensors'],
    impacts: impacts(it, { affected_packs: [{ name: 'PackA', dependency_id: 'main', is_active: true }], active_in_uis: ['comfyui'], is_last_copy: false, can_delete_safely: false }),
    local: { path: `/store/data/blobs/sha256/${it.sha256.slice(0, 2)}/${it.sha256}`, size_bytes: it.size_bytes, created: null, modified: null, accessed: null },
    backup: { path: `/media/T7/synapse-backup/blobs/sha256/${it.sha256.slice(0, 2)}/${it.sha256}`, size_bytes: it.size_bytes, created: null, modified: null, accessed: null },
    links: [{ ui: 'comfyui', pack: 'PackA', dependency_id: 'main', sha256: it.sha256, kind: it.kind, path: '/home/u/ComfyUI/models/checkpoints/jugg.safetensors', target: '/store/blob' }],
    ...over,
  };
}

// A block, not an expression: a function returned from beforeEach is run as a cleanup hook.
beforeEach(() => {
  vi.mocked(api.blobDetail).mockReset();
});

describe('BlobDetailDialog', () => {
  it('shows names, SHA-256 with AutoV2, every path with Show in folder, copies with their verification, impacts and actions', async () => {
    const it = item({
      display_name: 'jugg.safetensors',
      location: 'both',
      copies: [
        { target: 'local', verified_at: new Date(Date.now() - 3 * 86400_000).toISOString(), source: 'live', corrupt: false },
        { target: 'backup', verified_at: null, source: 'live', corrupt: true },
      ],
    });
    vi.mocked(api.blobDetail).mockResolvedValue(detail(it));
    const onshow = vi.fn();
    const onaction = vi.fn();
    const onclose = vi.fn();
    render(BlobDetailDialog, { item: it, backupConnected: true, onaction, onshow, onclose });

    const panel = await screen.findByTestId(TestId.BlobDetail);
    expect(panel).toHaveTextContent('jugg.safetensors');
    expect(screen.getByTestId(TestId.DetailSha)).toHaveTextContent(it.sha256);
    expect(screen.getByTestId(TestId.DetailAutoV2)).toHaveTextContent(it.sha256.slice(0, 10).toUpperCase());
    await waitFor(() => expect(screen.getAllByTestId(TestId.DetailPath)).toHaveLength(3));
    expect(panel).toHaveTextContent('Also named juggernaut_v9.safetensors');
    expect(panel).toHaveTextContent('PackA (1 reference)');

    const copies = screen.getByTestId(TestId.DetailCopies);
    expect(within(copies).getByText('This disk').closest('li')).toHaveTextContent('verified 3 days ago');
    expect(within(copies).getByText('Backup drive').closest('li')).toHaveTextContent('Corrupt: does not count');

    await fireEvent.click(screen.getByRole('button', { name: 'Show the link in comfyui in folder' }));
    expect(onshow).toHaveBeenCalledWith('/home/u/ComfyUI/models/checkpoints/jugg.safetensors');

    // A corrupt copy offers Repair; an action closes the panel and runs.
    const actions = screen.getByTestId(TestId.DetailActions);
    const repair = within(actions).getByRole('button', { name: 'Repair from a good copy' });
    await fireEvent.click(repair);
    expect(onaction).toHaveBeenCalledWith('repair', it);
    expect(onclose).toHaveBeenCalled();
  });

  it('says the detail could not be read, by reason', async () => {
    vi.mocked(api.blobDetail).mockRejectedValue({ code: 'not_found', message: 'no blob 0000 in this store', details: {} });
    render(BlobDetailDialog, { item: item(), backupConnected: true, onaction: vi.fn(), onshow: vi.fn(), onclose: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent('no blob 0000 in this store');
  });

  it('actions that need the drive are disabled while it is away', async () => {
    const it = item({ location: 'local_only' });
    vi.mocked(api.blobDetail).mockResolvedValue(detail(it, { backup: null }));
    render(BlobDetailDialog, { item: it, backupConnected: false, onaction: vi.fn(), onshow: vi.fn(), onclose: vi.fn() });
    const actions = await screen.findByTestId(TestId.DetailActions);
    expect(within(actions).getByRole('button', { name: 'Back up now' })).toBeDisabled();
  });
});
