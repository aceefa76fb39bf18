/**
 * How the workflow resolver's values look (SPEC §3.15): status labels and
 * colours, the counts line, where a model's copies are, how it matched. The
 * colours speak the inventory's language (`inventory/present.ts`): present is
 * the green of a referenced model, on a backup target the blue of backup-only,
 * missing the red of missing, ambiguous the amber that asks for a look.
 */
import type { HashAlgorithm, HashCheck, MatchedBy, ModelStatus, RequiredModel, StatusCounts, UseStep, WorkflowCheck, WorkflowFormat, WorkflowUsePlan } from '$lib/api';
import type { BadgeVariant } from '$lib/components/ui/badge.svelte';
import { statusInfo } from '$lib/components/inventory/present';
import { count, plural } from '$lib/utils';

/** In the order the counts line and the Help page list them. */
export const MODEL_STATUSES: readonly ModelStatus[] = ['present', 'on_backup', 'downloadable', 'missing', 'ambiguous', 'unrecognised'];

export const modelStatusInfo: Record<ModelStatus, { label: string; variant: BadgeVariant; help: string }> = {
  present: { label: 'Present', variant: statusInfo.referenced.variant, help: 'A good copy is on this disk.' },
  on_backup: { label: 'On backup', variant: statusInfo.backup_only.variant, help: 'Not on this disk, but a backup target holds a good copy: it can be restored.' },
  downloadable: {
    label: 'Downloadable',
    variant: 'default',
    help: 'Nowhere here, but a download URL is known (the workflow names one, or a pack’s lock recorded it).',
  },
  missing: { label: 'Missing', variant: statusInfo.missing.variant, help: 'Nowhere here and no download URL is known.' },
  ambiguous: { label: 'Ambiguous', variant: statusInfo.orphan.variant, help: 'Several models of the store fit the name: the candidates are listed, none was chosen.' },
  unrecognised: {
    label: 'Unrecognised',
    variant: 'secondary',
    help: 'A node Synapse does not know names what looks like a model file. Add the node to config.json (workflow.loaders) to resolve it.',
  },
};

/** The words of each status in the counts line ("1 on backup", "2 missing"). */
const COUNT_WORDS: Record<ModelStatus, string> = {
  present: 'present',
  on_backup: 'on backup',
  downloadable: 'downloadable',
  missing: 'missing',
  ambiguous: 'ambiguous',
  unrecognised: 'unrecognised',
};

/** "5 models: 3 present, 1 on backup, 1 missing" (statuses with no model are left out). */
export function countsLine(counts: StatusCounts): string {
  const n = MODEL_STATUSES.reduce((s, st) => s + Number(counts[st]), 0);
  if (n === 0) return 'No models: the workflow names no model file Synapse could find.';
  const parts = MODEL_STATUSES.filter((st) => Number(counts[st]) > 0).map((st) => `${Number(counts[st]).toLocaleString('en-US')} ${COUNT_WORDS[st]}`);
  return `${plural(n, 'model')}: ${parts.join(', ')}`;
}

export const formatLabel: Record<WorkflowFormat, string> = {
  comfyui_ui: 'ComfyUI workflow',
  comfyui_api: 'ComfyUI workflow (API format)',
  infotext: 'A1111 / Forge generation parameters',
};

/** What the file was, in words: "ComfyUI workflow, read from a PNG". */
export function describeFile(check: Pick<WorkflowCheck, 'format' | 'from_png'>): string {
  return check.from_png ? `${formatLabel[check.format]}, read from a PNG` : formatLabel[check.format];
}

/** The place names a person reads: the targets holding a copy, quoted. */
export const targetsLabel = (targets: readonly string[]) => targets.map((t) => `‘${t}’`).join(', ');

/** The status cell's second line: where the copy is, or what can be done. */
export function statusDetail(m: RequiredModel): string | null {
  switch (m.status) {
    case 'on_backup':
      return m.on_targets.length > 0 ? `on ${targetsLabel(m.on_targets)}` : null;
    case 'downloadable':
      return m.url ? `from ${hostOf(m.url)}${m.url_source === 'pack_lock' ? ' (a pack’s lock)' : ''}` : null;
    case 'ambiguous':
      return `${plural(fitting(m).length, 'candidate')}`;
    default:
      return null;
  }
}

/** The host of a URL, or the URL itself when it does not parse. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** The candidates that fit (an ambiguous model's choices); the rejected ones are shown apart. */
export const fitting = (m: RequiredModel) => m.candidates.filter((c) => c.rejected === null);

export const matchedByLabel: Record<MatchedBy, string> = { hash: 'Hash', name: 'Name' };

export const hashAlgorithmLabel: Record<HashAlgorithm, string> = {
  sha256: 'SHA-256',
  auto_v2: 'AutoV2',
  auto_v3: 'AutoV3',
  other: 'hash',
};

/** The "Linked in <UI>" cell: only present models can be linked. */
export function linkedLabel(m: RequiredModel): { text: string; linked: boolean | null } {
  if (m.linked === null) return { text: '—', linked: null };
  return m.linked ? { text: 'Linked', linked: true } : { text: 'Not linked', linked: false };
}

/** Where the nodes that name a model are: "CheckpointLoaderSimple #4, LoraLoader #7". */
export function usedByLabel(m: RequiredModel): string {
  return m.used_by.map((u) => (u.id ? `${u.node} #${u.id}` : u.node)).join(', ');
}

/** The file types the window takes as a workflow (drop and Open workflow…). */
export const WORKFLOW_EXTENSIONS = ['json', 'png'] as const;

/** Whether a dropped or typed path names a workflow file Synapse reads. */
export function isWorkflowPath(path: string): boolean {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return false;
  return (WORKFLOW_EXTENSIONS as readonly string[]).includes(path.slice(dot + 1).toLowerCase());
}

/** What "Make runnable" does for one model, in words and the colours of its status. */
export const useStepInfo: Record<UseStep, { label: string; variant: BadgeVariant }> = {
  already_linked: { label: 'Already linked', variant: 'secondary' },
  link: { label: 'Link', variant: statusInfo.referenced.variant },
  restore: { label: 'Restore, link', variant: statusInfo.backup_only.variant },
  download: { label: 'Download, link', variant: 'default' },
  clash: { label: 'Name taken', variant: statusInfo.missing.variant },
  not_doable: { label: 'Cannot', variant: statusInfo.orphan.variant },
};

/** One line of what the plan does: "2 to link · 1 to restore · 1 to download · 3 already linked". */
export function planLine(plan: Pick<WorkflowUsePlan, 'to_link' | 'to_restore' | 'to_download' | 'already_linked' | 'clashes' | 'not_doable'>): string {
  const parts = [
    plan.to_link > 0 ? `${count(plan.to_link)} to link` : null,
    plan.to_restore > 0 ? `${count(plan.to_restore)} to restore first` : null,
    plan.to_download > 0 ? `${count(plan.to_download)} to download first` : null,
    plan.already_linked > 0 ? `${count(plan.already_linked)} already linked` : null,
    plan.clashes > 0 ? `${count(plan.clashes)} name${plan.clashes === 1 ? '' : 's'} taken` : null,
    plan.not_doable > 0 ? `${count(plan.not_doable)} cannot be made available` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'The workflow names no model.';
}

/** Whether the plan has anything to do (a link, a restore or a download). */
export const planHasWork = (plan: Pick<WorkflowUsePlan, 'to_link' | 'to_restore' | 'to_download'>) => plan.to_link + plan.to_restore + plan.to_download > 0;

/** How a download's bytes are checked, for the plan's download line. */
export const hashCheckLabel: Record<HashCheck, string> = {
  sha256: 'checked against its SHA-256',
  prefix: 'checked against the hash prefix the workflow gives',
  none: 'no hash known: kept as an unverified download',
};

/**
 * Why a model of the check would not be pinned by "Save as pack" (null: it
 * would be): the pack pins a model only when it resolved to one blob under a
 * safe name. The core decides again when the pack is written.
 */
export function notPinnedReason(m: RequiredModel): string | null {
  if (m.name_warning) return `unsafe name: ${m.name_warning}`;
  if (m.blob && (m.status === 'present' || m.status === 'on_backup' || m.status === 'downloadable')) return null;
  if (m.status === 'downloadable') return 'only a URL is known: make the workflow runnable first, which downloads it';
  return modelStatusInfo[m.status].label.toLowerCase();
}
