/**
 * Wording and small pure decisions of the package wizards (SPEC §3.10):
 * classification and strategy labels, the export estimate, the import summary.
 */
import type { CommitResult, ImportStrategy, IssueSeverity, PackBackupStatus, PackClassification } from '$lib/api';
import { formatBytes, num, plural } from '$lib/utils';

export type Tone = 'success' | 'warning' | 'info' | 'destructive' | 'muted';

/** How a pack of the package relates to the store, in words (the badge and the line under it). */
export const CLASSIFICATION: Record<PackClassification, { label: string; hint: string; tone: Tone }> = {
  new: { label: 'New', hint: 'Not in this store: it will be imported.', tone: 'success' },
  duplicate_same_version: { label: 'Already here', hint: 'The store has this exact version.', tone: 'muted' },
  duplicate_older_in_store: { label: 'Newer version', hint: 'The package’s pack is newer than the store’s.', tone: 'info' },
  duplicate_newer_in_store: { label: 'Older version', hint: 'The store’s pack is newer than the package’s.', tone: 'warning' },
  conflict_other: { label: 'Conflict', hint: 'Same name, different content, neither is clearly newer.', tone: 'destructive' },
};

/** The import strategies as the selects offer them. */
export const STRATEGIES: { value: ImportStrategy; label: string }[] = [
  { value: 'skip_if_exists', label: 'Skip: keep the store’s pack' },
  { value: 'update_if_newer', label: 'Update if the package’s is newer' },
  { value: 'always_overwrite', label: 'Overwrite the store’s pack' },
  { value: 'create_duplicate', label: 'Import as a copy, “Name (2)”' },
];

export function strategyLabel(s: ImportStrategy): string {
  return STRATEGIES.find((x) => x.value === s)?.label ?? s;
}

export const SEVERITY: Record<IssueSeverity, { label: string; tone: Tone }> = {
  error: { label: 'Error', tone: 'destructive' },
  warning: { label: 'Warning', tone: 'warning' },
};

/** The overrides to send: only packs whose strategy differs from the default (new packs are always imported). */
export function effectiveOverrides(strategy: ImportStrategy, perPack: Record<string, ImportStrategy>): Record<string, ImportStrategy> {
  const out: Record<string, ImportStrategy> = {};
  for (const [pack, s] of Object.entries(perPack)) if (s !== strategy) out[pack] = s;
  return out;
}

/** What exporting the selected packs writes, from each pack's per-blob storage status. */
export type ExportEstimate = {
  /** Distinct blobs of the selected packs (one copy each in the package). */
  blobs: number;
  bytes: number;
  /** Only on the backup drive: read from the drive during the export. */
  backupOnly: number;
  backupOnlyBytes: number;
  /** On neither side: the export fails unless model files are left out. */
  missing: number;
  backupConnected: boolean;
};

export function exportEstimate(statuses: readonly PackBackupStatus[]): ExportEstimate {
  const seen = new Set<string>();
  const e: ExportEstimate = { blobs: 0, bytes: 0, backupOnly: 0, backupOnlyBytes: 0, missing: 0, backupConnected: statuses.every((s) => s.backup_connected) };
  for (const s of statuses) {
    for (const b of s.blobs) {
      if (seen.has(b.sha256)) continue;
      seen.add(b.sha256);
      e.blobs++;
      e.bytes += num(b.size_bytes);
      if (!b.on_local && b.on_backup) {
        e.backupOnly++;
        e.backupOnlyBytes += num(b.size_bytes);
      } else if (!b.on_local) e.missing++;
    }
  }
  return e;
}

/** The toast of a finished import: a title, and what happened to each pack in one line. */
export function importSummary(r: CommitResult): { kind: 'success' | 'info'; title: string; detail: string } {
  const lines: string[] = [];
  if (r.imported.length > 0) lines.push(`Imported: ${r.imported.join(', ')}`);
  if (r.overwritten.length > 0) lines.push(`Overwritten: ${r.overwritten.join(', ')}`);
  if (r.duplicated.length > 0) lines.push(`Imported as copies: ${r.duplicated.map((d) => `${d.pack} → ${d.imported_as}`).join(', ')}`);
  if (r.skipped.length > 0) lines.push(`Skipped: ${r.skipped.map((s) => s.pack).join(', ')}`);
  if (num(r.blobs_copied) > 0) lines.push(`${plural(num(r.blobs_copied), 'model')} copied (${formatBytes(r.bytes_copied)})`);
  const written = r.imported.length + r.overwritten.length + r.duplicated.length;
  const detail = lines.join(' · ');
  if (r.cancelled) return { kind: 'info', title: 'Import cancelled', detail };
  if (written === 0) return { kind: 'info', title: `Nothing imported: ${plural(r.skipped.length, 'pack')} skipped`, detail };
  return { kind: 'success', title: `Package imported: ${plural(written, 'pack')}`, detail };
}

/** A default package name for today: `synapse-package-2026-11-23`. */
export function defaultPackageName(now: Date = new Date()): string {
  return `synapse-package-${now.toISOString().slice(0, 10)}`;
}

/** `dir` + `/` + `name`, without doubling the separator. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}
