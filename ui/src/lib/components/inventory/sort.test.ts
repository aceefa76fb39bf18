import { describe, expect, it } from 'vitest';
import { coreSort, DEFAULT_SORT, EMPTY_FILTERS, filterItems, nextSort, sortItems } from './sort';
import { item } from '../../../test/fixtures';

const a = item({ display_name: 'alpha.safetensors', size_bytes: 300, kind: 'lora', status: 'orphan', location: 'local_only', used_by_packs: [] });
const b = item({ display_name: 'Beta.ckpt', size_bytes: 100, kind: 'checkpoint', status: 'referenced', location: 'both', used_by_packs: ['Juggernaut_XL'] });
const c = item({ display_name: 'gamma_vae', size_bytes: 200, kind: 'vae', status: 'missing', location: 'nowhere', used_by_packs: ['Other'] });
const all = [a, b, c];
const names = (xs: { display_name: string }[]) => xs.map((x) => x.display_name);

describe('sortItems', () => {
  it('defaults to size descending', () => {
    expect(DEFAULT_SORT).toEqual({ key: 'size', dir: 'desc' });
    expect(names(sortItems(all, DEFAULT_SORT))).toEqual(['alpha.safetensors', 'gamma_vae', 'Beta.ckpt']);
  });
  it('sorts by name case-insensitively, both directions', () => {
    expect(names(sortItems(all, { key: 'name', dir: 'asc' }))).toEqual(['alpha.safetensors', 'Beta.ckpt', 'gamma_vae']);
    expect(names(sortItems(all, { key: 'name', dir: 'desc' }))).toEqual(['gamma_vae', 'Beta.ckpt', 'alpha.safetensors']);
  });
  it('sorts by kind, status and location in their natural order', () => {
    expect(names(sortItems(all, { key: 'kind', dir: 'asc' }))).toEqual(['Beta.ckpt', 'alpha.safetensors', 'gamma_vae']);
    expect(names(sortItems(all, { key: 'status', dir: 'asc' }))).toEqual(['Beta.ckpt', 'alpha.safetensors', 'gamma_vae']);
    expect(names(sortItems(all, { key: 'location', dir: 'asc' }))).toEqual(['Beta.ckpt', 'alpha.safetensors', 'gamma_vae']);
  });
  it('does not mutate its input', () => {
    const copy = [...all];
    sortItems(all, { key: 'name', dir: 'asc' });
    expect(all).toEqual(copy);
  });
  it('sorts 50,000 rows quickly', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => item({ size_bytes: (i * 7919) % 100_003, display_name: `m${i}` }));
    const t = performance.now();
    const sorted = sortItems(many, DEFAULT_SORT);
    expect(performance.now() - t).toBeLessThan(1500);
    expect(sorted[0].size_bytes).toBeGreaterThanOrEqual(sorted[1].size_bytes);
  });
});

describe('nextSort', () => {
  it('flips the direction on the same column; a new column starts in its natural order', () => {
    expect(nextSort({ key: 'size', dir: 'desc' }, 'size')).toEqual({ key: 'size', dir: 'asc' });
    expect(nextSort({ key: 'size', dir: 'desc' }, 'name')).toEqual({ key: 'name', dir: 'asc' });
    expect(nextSort({ key: 'name', dir: 'asc' }, 'size')).toEqual({ key: 'size', dir: 'desc' });
  });
});

describe('filterItems', () => {
  it('filters by kind, status and location', () => {
    expect(filterItems(all, { ...EMPTY_FILTERS, kind: 'lora' })).toEqual([a]);
    expect(filterItems(all, { ...EMPTY_FILTERS, status: 'missing' })).toEqual([c]);
    expect(filterItems(all, { ...EMPTY_FILTERS, location: 'both' })).toEqual([b]);
  });
  it('searches display name, pack name and hash prefix', () => {
    expect(filterItems(all, { ...EMPTY_FILTERS, search: 'BETA' })).toEqual([b]);
    expect(filterItems(all, { ...EMPTY_FILTERS, search: 'juggernaut' })).toEqual([b]);
    expect(filterItems(all, { ...EMPTY_FILTERS, search: c.sha256.slice(0, 10) })).toEqual([c]);
  });
});

describe('coreSort', () => {
  it('asks the backend for the first rows in the order the table shows', () => {
    expect(coreSort(DEFAULT_SORT)).toBe('size_desc');
    expect(coreSort({ key: 'size', dir: 'asc' })).toBe('size_asc');
    expect(coreSort({ key: 'name', dir: 'asc' })).toBe('name_asc');
    expect(coreSort({ key: 'name', dir: 'desc' })).toBe('name_desc');
    expect(coreSort({ key: 'status', dir: 'asc' })).toBe('status');
  });
});

describe('the corrupt filter', () => {
  it('keeps only models with a copy known to be corrupt', () => {
    const bad = item({ display_name: 'rotten.safetensors', copies: [{ target: 'local', verified_at: null, source: 'live', corrupt: true }] });
    expect(names(filterItems([...all, bad], { ...EMPTY_FILTERS, status: 'corrupt' }))).toEqual(['rotten.safetensors']);
  });
});

describe('the below-policy filter', () => {
  it('keeps the models with fewer good copies than the policy asks; an orphan asks none', () => {
    const one = item({ display_name: 'one_copy.safetensors', copies_count: 1, min_copies: 2 });
    const two = item({ display_name: 'two_copies.safetensors', copies_count: 2, min_copies: 2 });
    const orphan = item({ display_name: 'orphan.safetensors', status: 'orphan', copies_count: 1, min_copies: 0 });
    expect(names(filterItems([one, two, orphan], { ...EMPTY_FILTERS, status: 'below_policy' }))).toEqual(['one_copy.safetensors']);
  });
});
