import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import * as api from '$lib/api';
import { InventoryState } from './inventory.svelte';
import { AppState } from './app.svelte';
import { item, summary } from '../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  inventory: vi.fn(),
  backupStatus: vi.fn(),
}));

const items = [
  item({ display_name: 'a', size_bytes: 30, kind: 'lora' }),
  item({ display_name: 'b', size_bytes: 20, kind: 'vae', status: 'orphan', used_by_packs: [] }),
  item({ display_name: 'c', size_bytes: 10, kind: 'lora' }),
];

beforeEach(() => {
  vi.mocked(api.inventory).mockReset();
  vi.mocked(api.inventory).mockResolvedValue({ items, total_matching: 3, limit: 500000, offset: 0, summary: summary() });
});

describe('InventoryState', () => {
  it('loads everything once and derives the view by filters and sort', async () => {
    const inv = new InventoryState();
    await inv.load();
    expect(api.inventory).toHaveBeenCalledWith({ limit: 500_000, offset: 0 });
    expect(inv.view.map((i) => i.display_name)).toEqual(['a', 'b', 'c']);
    inv.filters.kind = 'lora';
    flushSync();
    expect(inv.view.map((i) => i.display_name)).toEqual(['a', 'c']);
    expect(inv.filtersActive).toBe(true);
    inv.sortBy('size');
    expect(inv.view.map((i) => i.display_name)).toEqual(['c', 'a']);
    inv.resetFilters();
    expect(inv.view).toHaveLength(3);
  });

  it('selects one, a shift-range, all of the view, and clears', async () => {
    const inv = new InventoryState();
    await inv.load();
    inv.toggle(items[0].sha256);
    expect(inv.selectedItems).toEqual([items[0]]);
    inv.selectRange(items[0].sha256, items[2].sha256);
    expect(inv.selection.size).toBe(3);
    inv.toggleAll();
    expect(inv.selection.size).toBe(0);
    inv.toggleAll();
    expect(inv.selection.size).toBe(3);
    inv.clearSelection();
    expect(inv.selection.size).toBe(0);
  });

  it('drops selected hashes that disappeared after a reload', async () => {
    const inv = new InventoryState();
    await inv.load();
    inv.toggle(items[1].sha256);
    vi.mocked(api.inventory).mockResolvedValue({ items: [items[0]], total_matching: 1, limit: 500000, offset: 0, summary: summary() });
    await inv.load();
    expect(inv.selection.size).toBe(0);
  });

  it('keeps the error of a failed load to show it (not an empty store)', async () => {
    vi.mocked(api.inventory).mockRejectedValue({ code: 'io', message: 'permission denied: /store', details: {} });
    const inv = new InventoryState();
    await inv.load();
    expect(inv.error).toContain('permission denied');
    expect(inv.loaded).toBe(false);
  });
});

describe('AppState backup card state', () => {
  it('follows the inventory summary, then the live watch event at once', async () => {
    vi.mocked(api.backupStatus).mockRejectedValue({ code: 'io', message: 'x', details: {} });
    const app = new AppState();
    await app.inventory.load();
    expect(app.backupState).toBe('connected');
    app.onBackupWatch({ enabled: true, connected: false, path: '/media/backup', reason: '/media/backup does not exist (is the drive plugged in and mounted?)' });
    expect(app.backupState).toBe('disconnected');
    expect(app.backupConnected).toBe(false);
    app.onBackupWatch({ enabled: false, connected: false, path: null, reason: null });
    expect(app.backupState).toBe('disabled');
  });
});
