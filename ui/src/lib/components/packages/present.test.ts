import { describe, expect, it } from 'vitest';
import { CLASSIFICATION, STRATEGIES, defaultPackageName, effectiveOverrides, importSummary, joinPath } from './present';

describe('package wording', () => {
  it('has words for every classification and strategy of the SPEC', () => {
    expect(Object.keys(CLASSIFICATION).sort()).toEqual(
      ['conflict_other', 'duplicate_newer_in_store', 'duplicate_older_in_store', 'duplicate_same_version', 'new'],
    );
    expect(STRATEGIES.map((s) => s.value)).toEqual(['skip_if_exists', 'update_if_newer', 'always_overwrite', 'create_duplicate']);
  });

  it('sends only the overrides that differ from the default', () => {
    expect(effectiveOverrides('skip_if_exists', { A: 'skip_if_exists', B: 'create_duplicate' })).toEqual({ B: 'create_duplicate' });
    expect(effectiveOverrides('always_overwrite', {})).toEqual({});
  });

  it('summarises an import: cancelled, nothing written, or what was imported', () => {
    const base = {
      dry_run: false,
      imported: [],
      skipped: [],
      overwritten: [],
      duplicated: [],
      blobs_to_copy: 0,
      bytes_to_copy: 0,
      blobs_copied: 0,
      bytes_copied: 0,
      cancelled: false,
      warnings: [],
    };
    expect(importSummary({ ...base, imported: ['A'], blobs_copied: 1, bytes_copied: 2_000_000 })).toEqual({
      kind: 'success',
      title: 'Package imported: 1 pack',
      detail: 'Imported: A · 1 model copied (2.0 MB)',
    });
    expect(importSummary({ ...base, imported: ['A'], cancelled: true }).title).toBe('Import cancelled');
    expect(importSummary({ ...base, skipped: [{ pack: 'A', classification: 'duplicate_same_version', reason: 'same' }] }).title).toBe(
      'Nothing imported: 1 pack skipped',
    );
  });

  it('names and joins package paths', () => {
    expect(defaultPackageName(new Date('2026-11-23T12:00:00Z'))).toBe('synapse-package-2026-11-23');
    expect(joinPath('/tmp/', 'x')).toBe('/tmp/x');
    expect(joinPath('/tmp', 'x')).toBe('/tmp/x');
  });
});
