/** The Packs page's data: every pack with its blobs, plus packs that cannot be read. */
import * as api from '$lib/api';
import type { PackError, PackInfo } from '$lib/api';
import { describeError } from './errors';

export class PacksState {
  packs = $state.raw<PackInfo[]>([]);
  errors = $state.raw<PackError[]>([]);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  search = $state('');

  view = $derived.by(() => {
    const q = this.search.trim().toLowerCase();
    const list = q ? this.packs.filter((p) => p.name.toLowerCase().includes(q) || (p.pack_type ?? '').toLowerCase().includes(q)) : this.packs;
    return [...list].sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
  });

  async load(): Promise<void> {
    this.loading = true;
    try {
      const r = await api.listPacks();
      this.packs = r.packs;
      this.errors = r.pack_errors;
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = describeError(e);
    } finally {
      this.loading = false;
    }
  }

  get(name: string): PackInfo | undefined {
    return this.packs.find((p) => p.name === name);
  }
}

export const packs = new PacksState();
