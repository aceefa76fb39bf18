/**
 * Pure decisions of the dialogs that bring models into the store: "New
 * pack…", "Add files…" (pack-files-dialog) and "Adopt folder…" (adopt-wizard).
 */
import type { AdoptResult, AssetKind, PackWriteResult } from '$lib/api';
import { formatBytes, num, plural } from '$lib/utils';

/** The paths typed or pasted into the box: one per line, trimmed, blank lines and repeats dropped. */
export function parsePaths(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const p = line.trim();
    if (p) seen.add(p);
  }
  return [...seen];
}

/** `paths` appended to the box's text (the native picker adds to what was typed). */
export function appendPaths(text: string, paths: string[]): string {
  return parsePaths([text, ...paths].join('\n')).join('\n');
}

export type Summary = { kind: 'success' | 'info'; title: string; detail: string };

/** The toast after "New pack…" or "Add files…". */
export function packWriteSummary(result: PackWriteResult): Summary {
  const added = result.added.filter((a) => !a.already_present);
  const bytes = added.reduce((sum, a) => sum + num(a.size_bytes), 0);
  const title = result.created ? `Pack “${result.pack}” created` : `Added to “${result.pack}”`;
  const parts = [plural(result.added.length, 'model')];
  parts.push(added.length > 0 ? `${formatBytes(bytes)} new in the store` : 'the store already had every file');
  return { kind: 'success', title, detail: parts.join(' · ') };
}

/** Distinct files found per kind, largest count first. */
export function kindCounts(result: AdoptResult): { kind: AssetKind; count: number; bytes: number }[] {
  const by = new Map<AssetKind, { count: number; bytes: number }>();
  for (const b of result.blobs) {
    const e = by.get(b.kind) ?? { count: 0, bytes: 0 };
    e.count += 1;
    e.bytes += num(b.size_bytes);
    by.set(b.kind, e);
  }
  return [...by.entries()].map(([kind, e]) => ({ kind, ...e })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}

/** The packs the adopt creates (the others already exist and only gain nothing). */
export function packsToCreate(result: AdoptResult): string[] {
  return result.blobs.filter((b) => !b.pack_exists).map((b) => b.pack);
}

/** The toast and summary line after an adopt. */
export function adoptSummary(result: AdoptResult): Summary {
  const detail = [
    plural(num(result.files_found), 'file'),
    `${plural(result.packs_created.length, 'pack')} created`,
    `${plural(num(result.blobs_added), 'model')} new in the store (${formatBytes(result.bytes_added)})`,
  ];
  if (result.link) detail.push(`${plural(num(result.files_linked), 'original')} replaced by links, ${formatBytes(result.bytes_freed)} freed`);
  if (result.errors.length > 0) detail.push(`${plural(result.errors.length, 'file')} failed`);
  if (result.cancelled) return { kind: 'info', title: 'Adopt cancelled', detail: `Stopped between files. Done so far: ${detail.join(' · ')}` };
  if (result.errors.length > 0) return { kind: 'info', title: 'Adopted with errors', detail: detail.join(' · ') };
  return { kind: 'success', title: 'Folder adopted', detail: detail.join(' · ') };
}
