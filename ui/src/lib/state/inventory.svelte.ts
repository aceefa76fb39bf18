/**
 * The Model Inventory page's state: the whole inventory (loaded at once, then
 * filtered and sorted here so 50,000 rows react instantly), the summary, the
 * selection. Refreshes on `inventory://changed`.
 */
import { SvelteSet } from 'svelte/reactivity';
import * as api from '$lib/api';
import type { InventoryItem, InventorySummary } from '$lib/api';
import { coreSort, DEFAULT_SORT, EMPTY_FILTERS, filterItems, nextSort, sortItems, type Filters, type Sort, type SortKey } from '$lib/components/inventory/sort';
import { describeError } from './errors';

/** Rows the backend sends first: a screenful and then some, so the first paint does not wait for the rest. */
export const FIRST_ROWS = 100;

export class InventoryState {
  items = $state.raw<InventoryItem[]>([]);
  summary = $state.raw<InventorySummary | null>(null);
  /** Items in the store; more than `items.length` while the first paint shows only the first rows. */
  totalMatching = $state(0);
  /** Only the first rows are here (the rest of the inventory is on its way). */
  partial = $state(false);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);

  filters = $state<Filters>({ ...EMPTY_FILTERS });
  sort = $state<Sort>({ ...DEFAULT_SORT });
  selection = new SvelteSet<string>();

  /** Every item in table order: re-sorted only when the items or the sort change. */
  sorted = $derived(sortItems(this.items, this.sort));
  /** The rows shown by the table: filtering keeps the order, so typing in the search box never re-sorts 50,000 rows. */
  view = $derived(filterItems(this.sorted, this.filters));
  bySha = $derived(new Map(this.items.map((it) => [it.sha256, it])));
  selectedItems = $derived(this.items.filter((it) => this.selection.has(it.sha256)));
  filtersActive = $derived(
    this.filters.kind !== 'all' || this.filters.status !== 'all' || this.filters.location !== 'all' || this.filters.search.trim() !== '',
  );

  #seq = 0;

  /**
   * Loads the whole inventory. The backend answers with the summary and the
   * first rows, then streams every item: the first load paints the first
   * rows at once; a reload keeps showing the previous list until the new
   * one is complete, so the table never shrinks under the user.
   */
  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    const chunks: InventoryItem[][] = [];
    let received = 0;
    let expected = -1;
    let complete!: () => void;
    const all = new Promise<void>((resolve) => (complete = resolve));
    try {
      const page = await api.inventoryStream(coreSort(this.sort), FIRST_ROWS, (items) => {
        chunks.push(items);
        received += items.length;
        if (expected >= 0 && received >= expected) complete();
      });
      if (seq !== this.#seq) return;
      expected = Number(page.total_matching);
      if (!this.loaded) {
        this.items = page.items;
        this.summary = page.summary;
        this.totalMatching = expected;
        this.partial = page.items.length < expected;
        this.error = null;
        this.loaded = true;
      }
      if (received >= expected) complete();
      await all;
      if (seq !== this.#seq) return;
      const items = chunks.length === 1 ? chunks[0] : chunks.flat();
      this.items = items;
      this.summary = page.summary;
      this.totalMatching = items.length;
      this.partial = false;
      this.error = null;
      this.loaded = true;
      // Forget selected hashes that no longer exist.
      if (this.selection.size > 0) {
        const known = new Set(items.map((it) => it.sha256));
        for (const sha of [...this.selection]) if (!known.has(sha)) this.selection.delete(sha);
      }
    } catch (e) {
      if (seq !== this.#seq) return;
      this.error = describeError(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  sortBy(key: SortKey) {
    this.sort = nextSort(this.sort, key);
  }

  resetFilters() {
    this.filters = { ...EMPTY_FILTERS };
  }

  toggle(sha: string, on?: boolean) {
    const want = on ?? !this.selection.has(sha);
    if (want) this.selection.add(sha);
    else this.selection.delete(sha);
  }

  /** Select every row of the current view, or clear when all are already selected. */
  toggleAll() {
    const rows = this.view;
    const all = rows.length > 0 && rows.every((r) => this.selection.has(r.sha256));
    if (all) for (const r of rows) this.selection.delete(r.sha256);
    else for (const r of rows) this.selection.add(r.sha256);
  }

  /** Shift-click: select the range between two rows of the current view. */
  selectRange(fromSha: string, toSha: string) {
    const rows = this.view;
    const a = rows.findIndex((r) => r.sha256 === fromSha);
    const b = rows.findIndex((r) => r.sha256 === toSha);
    if (a < 0 || b < 0) return this.toggle(toSha, true);
    for (let i = Math.min(a, b); i <= Math.max(a, b); i++) this.selection.add(rows[i].sha256);
  }

  clearSelection() {
    this.selection.clear();
  }
}
