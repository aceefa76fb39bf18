import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import * as api from '$lib/api';
import type { InventoryItem } from '$lib/api';
import { FIRST_ROWS, InventoryState } from './inventory.svelte';
import { AppState } from './app.svelte';
import { item, summary } from '../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  inventoryStream: vi.fn(),
  backupStatus: vi.fn(),
}));

const items = [
  item({ display_name: 'a', size_bytes: 30, kind: 'lora' }),
  item({ display_name: 'b', size_bytes: 20, kind: 'vae', status: 'orphan', used_by_packs: [] }),
  item({ display_name: 'c', size_bytes: 10, kind: 'lora' }),
];

type OnItems = (items: InventoryItem[]) => void;

/** The backend of `inventory_load`: the first `first` rows now, every item over the channel after the response. */
function streams(all: InventoryItem[], sum = summary()) {
  vi.mocked(api.inventoryStream).mockImplementation(async (_sort, first: number, onItems: OnItems) => {
    setTimeout(() => onItems(all), 0);
    return { items: all.slice(0, first), total_matching: all.length, limit: first, offset: 0, summary: sum };
  });
}

beforeEach(() => {
  vi.mocked(api.inventoryStream).mockReset();
  streams(items);
});

describe('InventoryState', () => {
  it('loads everything once and derives the view by filters and sort', async () => {
    const inv = new InventoryState();
    await inv.load();
    expect(api.inventoryStream).toHaveBeenCalledWith('size_desc', FIRST_ROWS, expect.any(Function));
    expect(inv.partial).toBe(false);
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
    streams([items[0]]);
    await inv.load();
    expect(inv.selection.size).toBe(0);
  });

  it('paints the first rows at once, then holds every item once the stream is complete', async () => {
    const many = Array.from({ length: 250 }, (_, i) => item({ display_name: `m${i}`, size_bytes: 1000 - i }));
    let send: (() => void) | undefined;
    vi.mocked(api.inventoryStream).mockImplementation(async (_sort, first: number, onItems: OnItems) => {
      send = () => {
        onItems(many.slice(0, 200));
        onItems(many.slice(200));
      };
      return { items: many.slice(0, first), total_matching: many.length, limit: first, offset: 0, summary: summary() };
    });
    const inv = new InventoryState();
    const done = inv.load();
    await vi.waitFor(() => expect(inv.loaded).toBe(true));
    expect(inv.items).toHaveLength(FIRST_ROWS);
    expect(inv.partial).toBe(true);
    expect(inv.totalMatching).toBe(250);
    expect(inv.loading).toBe(true);
    send!();
    await done;
    expect(inv.items).toEqual(many);
    expect(inv.partial).toBe(false);
    expect(inv.loading).toBe(false);
  });

  it('a reload keeps the previous list until the new one is complete', async () => {
    const inv = new InventoryState();
    await inv.load();
    const more = [...items, item({ display_name: 'd', size_bytes: 5 })];
    let send: (() => void) | undefined;
    vi.mocked(api.inventoryStream).mockImplementation(async (_sort, first: number, onItems: OnItems) => {
      send = () => onItems(more);
      return { items: more.slice(0, first), total_matching: more.length, limit: first, offset: 0, summary: summary() };
    });
    const done = inv.load();
    await vi.waitFor(() => expect(send).toBeDefined());
    await Promise.resolve();
    expect(inv.items).toHaveLength(3);
    send!();
    await done;
    expect(inv.items).toHaveLength(4);
  });

  it('a stream that arrives in several chunks, even before the response, is joined in order', async () => {
    const inv = new InventoryState();
    vi.mocked(api.inventoryStream).mockImplementation(async (_sort, first: number, onItems: OnItems) => {
      onItems(items.slice(0, 2));
      onItems(items.slice(2));
      return { items: items.slice(0, first), total_matching: items.length, limit: first, offset: 0, summary: summary() };
    });
    await inv.load();
    expect(inv.items).toEqual(items);
  });

  it('keeps the error of a failed load to show it (not an empty store)', async () => {
    vi.mocked(api.inventoryStream).mockRejectedValue({ code: 'io', message: 'permission denied: /store', details: {} });
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
