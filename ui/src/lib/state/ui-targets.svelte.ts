/**
 * The configured UI targets (SPEC §3.8) and the packs `use` made active in
 * each: what the Packs page's Use / Unuse controls show. Reloaded with the
 * rest of the app on `inventory://changed` and after every use / unuse.
 */
import * as api from '$lib/api';
import type { UiTargetInfo } from '$lib/api';
import { describeError } from './errors';

export class UiTargetsState {
  targets = $state.raw<UiTargetInfo[]>([]);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.targets = (await api.uiTargets()).ui_targets;
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = describeError(e);
    } finally {
      this.loading = false;
    }
  }

  /** Whether `use` links of `pack` exist in the target named `ui`. */
  isActive(pack: string, ui: string): boolean {
    return this.targets.some((t) => t.name === ui && t.active_packs.includes(pack));
  }
}

export const uiTargets = new UiTargetsState();
