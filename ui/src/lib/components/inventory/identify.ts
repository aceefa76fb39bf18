/**
 * Identify (SPEC §3.14) in words: which models have no name from a provider
 * yet, what Civitai's answer is called, and what a run came to. Pure
 * functions, so the table, the detail, the dialog and their tests agree.
 */
import type { IdentifyResult, InventoryItem, ModelMetadata, Origin } from '$lib/api';
import { plural } from '$lib/utils';

/**
 * Where a model is from is known: Civitai ids or a Hugging Face repo (the
 * core's `has_provider_origin`; a local file or a bare URL says nothing).
 */
export function hasProviderOrigin(origin: Origin | null | undefined): boolean {
  if (!origin) return false;
  const set = (v: unknown) => v !== null && v !== undefined;
  const provider = origin.provider?.toLowerCase();
  if (provider === 'civitai') return set(origin.model_id) || set(origin.version_id);
  if (provider === 'huggingface') return !!origin.repo_id;
  return false;
}

/** Nothing says what this model is yet: Identify would ask Civitai about it. */
export function unidentified(item: Pick<InventoryItem, 'metadata' | 'origin'>): boolean {
  return !item.metadata && !hasProviderOrigin(item.origin);
}

/** "Juggernaut XL — v9": the model and version names Civitai gives, or null. */
export function modelTitle(meta: ModelMetadata | null | undefined): string | null {
  if (!meta) return null;
  const { model_name: m, version_name: v } = meta;
  if (m && v) return `${m} — ${v}`;
  return m ?? v ?? null;
}

export type IdentifySummary = {
  /** success: every model asked was answered; warning: some failed; error: Civitai could not be reached. */
  tone: 'success' | 'warning' | 'error';
  title: string;
  /** One sentence per outcome that happened, in words. */
  lines: string[];
};

/** What a run came to, in words (the dialog's summary and the toast). */
export function identifySummary(r: IdentifyResult): IdentifySummary {
  const lines: string[] = [];
  const found = r.found;
  if (found > 0) {
    const cached = r.from_cache > 0 ? ` (${r.from_cache} from earlier answers, not asked again)` : '';
    lines.push(`${plural(found, 'model')} identified${cached}.`);
  }
  if (r.not_found > 0)
    lines.push(`${plural(r.not_found, 'model')} Civitai does not know (a private or self-trained model, or one never uploaded there).`);
  if (r.failed > 0) lines.push(`${plural(r.failed, 'model')} could not be identified: Civitai's answer failed. They are asked again next time.`);
  if (r.skipped > 0) lines.push(`${plural(r.skipped, 'model')} already had a name from a pack or its manifest (not asked; tick “Ask again” to ask anyway).`);
  if (r.previews_saved > 0) lines.push(`${plural(r.previews_saved, 'preview image')} saved.`);

  if (r.offline) {
    const asked = r.items.filter((i) => i.source === 'civitai').length;
    const sent = asked === 0 ? 'nothing was sent' : `${plural(asked, 'model')} answered before the connection was lost, the other ${r.not_asked} were not asked`;
    return {
      tone: 'error',
      title: 'Civitai could not be reached',
      lines: [`Civitai could not be reached: ${sent}; try again when online.`, ...lines],
    };
  }
  if (r.items.length === 0) return { tone: 'success', title: 'Nothing to identify', lines: ['Every model selected already has a name.'] };
  if (r.not_asked > 0) lines.push(`${plural(r.not_asked, 'model')} not asked: the run was stopped.`);
  const title =
    r.failed > 0 ? `Identified ${found} of ${r.items.length}` : found > 0 ? `Identified ${plural(found, 'model')}` : r.not_found > 0 ? 'Civitai knows none of them' : 'Nothing new';
  return { tone: r.failed > 0 ? 'warning' : 'success', title, lines };
}

/** How many models of the store are versions of each Civitai model (model id → count): "3 versions of Juggernaut XL". */
export function versionCounts(items: readonly Pick<InventoryItem, 'metadata'>[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const it of items) {
    const id = it.metadata?.model_id;
    if (id != null) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}
