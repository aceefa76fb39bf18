/** Client-side filtering and sorting of the inventory (the whole list is loaded once). */
import type { AssetKind, BlobStatus, InventoryItem, Location, SortKey as CoreSortKey } from '$lib/api';
import { num } from '$lib/utils';
import { KINDS, LOCATIONS, STATUSES } from './present';

export type SortKey = 'name' | 'kind' | 'size' | 'status' | 'location';
export type SortDir = 'asc' | 'desc';
export type Sort = { key: SortKey; dir: SortDir };

export const DEFAULT_SORT: Sort = { key: 'size', dir: 'desc' };

export type Filters = {
  kind: AssetKind | 'all';
  /**
   * A status, `corrupt` (models with a copy known to be corrupt) or
   * `below_policy` (fewer good copies than the copies policy asks, SPEC §3.12).
   */
  status: BlobStatus | 'all' | 'corrupt' | 'below_policy';
  location: Location | 'all';
  search: string;
};

export const EMPTY_FILTERS: Filters = { kind: 'all', status: 'all', location: 'all', search: '' };

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const rank = <T extends string>(list: readonly T[]) => new Map(list.map((v, i) => [v, i]));
const kindRank = rank(KINDS);
const statusRank = rank(STATUSES);
const locationRank = rank(LOCATIONS);

function compare(a: InventoryItem, b: InventoryItem, key: SortKey): number {
  switch (key) {
    case 'name':
      return collator.compare(a.display_name, b.display_name);
    case 'kind':
      return (kindRank.get(a.kind) ?? 99) - (kindRank.get(b.kind) ?? 99);
    case 'size':
      return num(a.size_bytes) - num(b.size_bytes);
    case 'status':
      return (statusRank.get(a.status) ?? 99) - (statusRank.get(b.status) ?? 99);
    case 'location':
      return (locationRank.get(a.location) ?? 99) - (locationRank.get(b.location) ?? 99);
  }
}

/** Sorted copy; ties fall back to size (desc), then name, then hash, so order is stable. */
export function sortItems(items: readonly InventoryItem[], sort: Sort): InventoryItem[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...items].sort(
    (a, b) =>
      sign * compare(a, b, sort.key) ||
      num(b.size_bytes) - num(a.size_bytes) ||
      collator.compare(a.display_name, b.display_name) ||
      (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0),
  );
}

/** Matches display name, pack names and hash prefix (SPEC §3.2 query). */
/** Some copy of the model was hashed and does not match its name: it counts as no copy. */
export function hasCorruptCopy(it: Pick<InventoryItem, 'copies'>): boolean {
  return (it.copies ?? []).some((c) => c.corrupt);
}

/** Fewer good copies than the copies policy asks (an orphan asks for none). */
export function belowPolicy(it: Pick<InventoryItem, 'copies_count' | 'min_copies'>): boolean {
  return num(it.copies_count) < num(it.min_copies);
}

function statusMatches(it: InventoryItem, status: Filters['status']): boolean {
  if (status === 'all') return true;
  if (status === 'corrupt') return hasCorruptCopy(it);
  if (status === 'below_policy') return belowPolicy(it);
  return it.status === status;
}

export function filterItems(items: readonly InventoryItem[], f: Filters): InventoryItem[] {
  const q = f.search.trim().toLowerCase();
  return items.filter(
    (it) =>
      (f.kind === 'all' || it.kind === f.kind) &&
      statusMatches(it, f.status) &&
      (f.location === 'all' || it.location === f.location) &&
      (q === '' ||
        it.display_name.toLowerCase().includes(q) ||
        it.sha256.startsWith(q) ||
        // What Civitai calls it (identify), as the core's search does.
        (it.metadata?.model_name ?? '').toLowerCase().includes(q) ||
        (it.metadata?.version_name ?? '').toLowerCase().includes(q) ||
        it.used_by_packs.some((p) => p.toLowerCase().includes(q))),
  );
}

/** Clicking a header: same column flips direction; a new column starts with its natural order. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'size' ? 'desc' : 'asc' };
}

/** The core's sort of the same order, for the first rows the backend sends before the rest (kind, status and location sort ascending there). */
export function coreSort(sort: Sort): CoreSortKey {
  switch (sort.key) {
    case 'size':
      return sort.dir === 'asc' ? 'size_asc' : 'size_desc';
    case 'name':
      return sort.dir === 'asc' ? 'name_asc' : 'name_desc';
    default:
      return sort.key;
  }
}
