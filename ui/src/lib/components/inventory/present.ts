/**
 * How inventory values look: labels, colours and icons for kinds, statuses and
 * locations. The values themselves are the generated wire types of `$lib/api`.
 */
import type { Component } from 'svelte';
import Box from '@lucide/svelte/icons/box';
import Layers from '@lucide/svelte/icons/layers';
import Palette from '@lucide/svelte/icons/palette';
import Spline from '@lucide/svelte/icons/spline';
import ZoomIn from '@lucide/svelte/icons/zoom-in';
import Type from '@lucide/svelte/icons/type';
import TextCursorInput from '@lucide/svelte/icons/text-cursor-input';
import Waves from '@lucide/svelte/icons/waves';
import Sparkles from '@lucide/svelte/icons/sparkles';
import Puzzle from '@lucide/svelte/icons/puzzle';
import Cpu from '@lucide/svelte/icons/cpu';
import FileQuestion from '@lucide/svelte/icons/file-question';
import CircleCheck from '@lucide/svelte/icons/circle-check';
import HardDrive from '@lucide/svelte/icons/hard-drive';
import Archive from '@lucide/svelte/icons/archive';
import TriangleAlert from '@lucide/svelte/icons/triangle-alert';
import type { AssetKind, BlobStatus, InventoryItem, Location, S3Location, TargetKind, TargetState } from '$lib/api';
import { formatWhen } from '$lib/utils';
import type { BadgeVariant } from '$lib/components/ui/badge.svelte';

type Icon = Component<{ class?: string }>;

export const KINDS: readonly AssetKind[] = [
  'checkpoint',
  'lora',
  'vae',
  'controlnet',
  'upscaler',
  'clip',
  'text_encoder',
  'diffusion_model',
  'embedding',
  'custom_node',
  'unet',
  'unknown',
];

export const STATUSES: readonly BlobStatus[] = ['referenced', 'orphan', 'backup_only', 'missing'];
export const LOCATIONS: readonly Location[] = ['both', 'local_only', 'backup_only', 'nowhere'];

/** One word per kind, everywhere in the app (issue 11: not `cnet` in one place and `diffusion_model` in another). */
export const kindInfo: Record<AssetKind, { label: string; icon: Icon }> = {
  checkpoint: { label: 'Checkpoint', icon: Box as Icon },
  lora: { label: 'LoRA', icon: Layers as Icon },
  vae: { label: 'VAE', icon: Palette as Icon },
  controlnet: { label: 'ControlNet', icon: Spline as Icon },
  upscaler: { label: 'Upscaler', icon: ZoomIn as Icon },
  clip: { label: 'CLIP', icon: Type as Icon },
  text_encoder: { label: 'Text encoder', icon: TextCursorInput as Icon },
  diffusion_model: { label: 'Diffusion model', icon: Waves as Icon },
  embedding: { label: 'Embedding', icon: Sparkles as Icon },
  custom_node: { label: 'Custom node', icon: Puzzle as Icon },
  unet: { label: 'UNet', icon: Cpu as Icon },
  unknown: { label: 'Unknown', icon: FileQuestion as Icon },
};

export const statusInfo: Record<BlobStatus, { label: string; variant: BadgeVariant; color: string; help: string }> = {
  referenced: {
    label: 'Referenced',
    variant: 'success',
    color: 'var(--color-success)',
    help: 'Used by at least one pack and present on this disk.',
  },
  orphan: {
    label: 'Orphan',
    variant: 'warning',
    color: 'var(--color-warning)',
    help: 'No pack uses it. It still takes space locally and/or on the backup.',
  },
  backup_only: {
    label: 'Backup only',
    variant: 'info',
    color: 'var(--color-info)',
    help: 'Used by a pack, not on this disk, restorable from the backup drive.',
  },
  missing: {
    label: 'Missing',
    variant: 'destructive',
    color: 'var(--color-destructive)',
    help: 'Used by a pack but present nowhere known.',
  },
};

export const locationInfo: Record<Location, { label: string; tooltip: string; icon: Icon; tone: string }> = {
  both: {
    label: 'Both',
    tooltip: 'On this disk and on the backup (safe)',
    icon: CircleCheck as Icon,
    tone: 'text-success bg-success/10',
  },
  local_only: {
    label: 'Local only',
    tooltip: 'Only on this disk — NOT BACKED UP',
    icon: HardDrive as Icon,
    tone: 'text-amber-600 dark:text-warning bg-warning/15',
  },
  backup_only: {
    label: 'Backup only',
    tooltip: 'Only on the backup drive — can be restored',
    icon: Archive as Icon,
    tone: 'text-info bg-info/10',
  },
  nowhere: {
    label: 'Nowhere',
    tooltip: 'Missing everywhere',
    icon: TriangleAlert as Icon,
    tone: 'text-destructive bg-destructive/10',
  },
};

/** A pack type as the app shows it: a kind's label when it names a kind, else as written. */
export function packTypeLabel(t: string | null | undefined): string {
  if (!t) return '—';
  return (kindInfo as Record<string, { label: string } | undefined>)[t]?.label ?? t;
}


const NO_BUCKETS: ReadonlySet<string> = new Set();

/** A place's name as people read it: `local` is this disk. */
export const placeLabel = (target: string) => (target === 'local' ? 'this disk' : `'${target}'`);

/**
 * The Copies cell's tooltip: every copy, where it is, when it was last
 * verified, and whether it counts (a corrupt copy does not; a cached one is
 * known from an unplugged drive's catalog).
 */
export function copiesTooltip(
  it: Pick<InventoryItem, 'copies' | 'copies_count' | 'min_copies'>,
  now: Date = new Date(),
  buckets: ReadonlySet<string> = NO_BUCKETS,
): string {
  const head =
    it.min_copies > 0
      ? `${it.copies_count} good cop${it.copies_count === 1 ? 'y' : 'ies'} of ${it.min_copies} the policy asks`
      : `${it.copies_count} good cop${it.copies_count === 1 ? 'y' : 'ies'} (no pack uses it: the policy asks none)`;
  const lines = it.copies.map((c) => {
    const bucket = buckets.has(c.target);
    const where = c.target === 'local' ? 'This disk' : bucket ? `Bucket '${c.target}'` : `Target '${c.target}'`;
    const state = c.corrupt ? 'CORRUPT — does not count' : `verified ${formatWhen(c.verified_at, now)}`;
    const cached = c.source === 'cached' ? (bucket ? ' (bucket offline: from its last listing)' : ' (drive not connected: from its catalog)') : '';
    return `• ${where}: ${state}${cached}`;
  });
  return [head, ...lines].join('\n');
}

/** A backup target's state in words, and its tone (the dashboard's cards and Settings). */
export const targetStateInfo: Record<TargetState, { label: string; tone: 'ok' | 'warn' | 'bad' | 'off' }> = {
  connected: { label: 'Connected', tone: 'ok' },
  disconnected: { label: 'Not connected', tone: 'warn' },
  unresponsive: { label: 'Not answering', tone: 'bad' },
  no_path: { label: 'No folder', tone: 'warn' },
  disabled: { label: 'Off', tone: 'off' },
};

/**
 * The same for a bucket target (SPEC §3.13): it is online or offline, never
 * plugged in; it has no folder to lack.
 */
export const bucketStateInfo: Record<TargetState, { label: string; tone: 'ok' | 'warn' | 'bad' | 'off' }> = {
  connected: { label: 'Online', tone: 'ok' },
  disconnected: { label: 'Offline', tone: 'warn' },
  unresponsive: { label: 'Not answering', tone: 'bad' },
  no_path: { label: 'Offline', tone: 'warn' },
  disabled: { label: 'Off', tone: 'off' },
};

/** A target's state in words for its kind. */
export const stateInfoOf = (kind: TargetKind, state: TargetState) => (kind === 's3' ? bucketStateInfo : targetStateInfo)[state];

/** `s3://bucket/prefix`, as the core shows a bucket target. */
export function bucketUrl(l: Pick<S3Location, 'bucket' | 'prefix'>): string {
  const p = l.prefix.replace(/^\/+|\/+$/g, '');
  return p ? `s3://${l.bucket}/${p}` : `s3://${l.bucket}`;
}
