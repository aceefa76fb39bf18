import { describe, expect, it } from 'vitest';
import type { BlobStatus, Location } from '$lib/api';
import { bulkPlan, deletePlan, menuActions, quickAction } from './actions';
import { item } from '../../../test/fixtures';

describe('menuActions by location × status (SPEC §6, seeds §5.3.3)', () => {
  const cases: [Location, BlobStatus, string[]][] = [
    ['both', 'referenced', ['copy_sha', 'impacts', 'identify', 'delete_local', 'delete_backup']],
    ['both', 'orphan', ['copy_sha', 'identify', 'delete_local', 'delete_backup', 'delete_both']],
    ['local_only', 'referenced', ['copy_sha', 'impacts', 'identify', 'backup']],
    ['local_only', 'orphan', ['copy_sha', 'identify', 'backup', 'delete_local']],
    ['backup_only', 'backup_only', ['copy_sha', 'impacts', 'identify', 'restore', 'delete_backup']],
    ['backup_only', 'orphan', ['copy_sha', 'identify', 'restore', 'delete_backup']],
    ['nowhere', 'missing', ['copy_sha', 'impacts', 'identify']],
  ];
  it.each(cases)('%s + %s → %j', (location, status, expected) => {
    expect(menuActions(item({ location, status }))).toEqual(expected);
  });

  it('offers re-download for a missing blob only when a lock records a download URL', () => {
    expect(menuActions(item({ location: 'nowhere', status: 'missing', has_download_url: true }))).toEqual(['copy_sha', 'impacts', 'identify', 'redownload']);
    expect(menuActions(item({ location: 'nowhere', status: 'missing', has_download_url: false }))).toEqual(['copy_sha', 'impacts', 'identify']);
    expect(menuActions(item({ location: 'local_only', status: 'referenced', has_download_url: true }))).not.toContain('redownload');
  });

  it('never offers "delete everywhere" for a referenced blob', () => {
    for (const location of ['both', 'local_only', 'backup_only', 'nowhere'] as Location[]) {
      expect(menuActions(item({ location, status: 'referenced' }))).not.toContain('delete_both');
    }
  });
});

describe('quickAction', () => {
  it('local-only → Back up, backup-only → Restore, local orphan → Delete, otherwise none', () => {
    expect(quickAction(item({ location: 'local_only', status: 'referenced' }))).toBe('backup');
    expect(quickAction(item({ location: 'backup_only', status: 'backup_only' }))).toBe('restore');
    expect(quickAction(item({ location: 'both', status: 'orphan' }))).toBe('delete_local');
    expect(quickAction(item({ location: 'local_only', status: 'orphan' }))).toBe('delete_local');
    expect(quickAction(item({ location: 'backup_only', status: 'orphan' }))).toBe('restore');
    expect(quickAction(item({ location: 'both', status: 'referenced' }))).toBeNull();
    expect(quickAction(item({ location: 'nowhere', status: 'missing' }))).toBeNull();
  });
});

describe('bulkPlan', () => {
  it('counts, sums sizes and splits the selection into the valid actions', () => {
    const a = item({ location: 'local_only', size_bytes: 100 });
    const b = item({ location: 'backup_only', status: 'backup_only', size_bytes: 200 });
    const c = item({ location: 'both', status: 'orphan', size_bytes: 300 });
    const d = item({ location: 'backup_only', status: 'orphan', size_bytes: 400 });
    const plan = bulkPlan([a, b, c, d]);
    expect(plan.count).toBe(4);
    expect(plan.bytes).toBe(1000);
    expect(plan.backup).toEqual([a]);
    expect(plan.restore).toEqual([b, d]);
    // Only orphans present locally can be deleted from this disk.
    expect(plan.deleteOrphans).toEqual([c]);
  });
});

describe('deletePlan (guard-rail wording, SPEC §3.3)', () => {
  it('local-only + local is the last copy: "Delete permanently"', () => {
    const p = deletePlan(item({ location: 'local_only', status: 'orphan', used_by_packs: [] }), 'local');
    expect(p).toMatchObject({ lastCopy: true, referenced: false, keptNote: null, force: true, confirmLabel: 'Delete permanently' });
  });
  it('backup-only + backup is the last copy', () => {
    expect(deletePlan(item({ location: 'backup_only', status: 'backup_only' }), 'backup').lastCopy).toBe(true);
  });
  it('any + both is the last copy', () => {
    expect(deletePlan(item({ location: 'both', status: 'orphan', used_by_packs: [] }), 'both')).toMatchObject({ lastCopy: true, confirmLabel: 'Delete permanently' });
  });
  it('both + local keeps the backup copy; referenced needs force', () => {
    const p = deletePlan(item({ location: 'both', status: 'referenced', used_by_packs: ['P1', 'P2'] }), 'local');
    expect(p).toMatchObject({ lastCopy: false, referenced: true, keptNote: 'The backup copy will be kept.', force: true, confirmLabel: 'Delete from this disk' });
  });
  it('both + backup keeps the local copy; an orphan needs no force', () => {
    const p = deletePlan(item({ location: 'both', status: 'orphan', used_by_packs: [] }), 'backup');
    expect(p).toMatchObject({ lastCopy: false, referenced: false, keptNote: 'The local copy will be kept.', force: false, confirmLabel: 'Delete from backup' });
  });
});

describe('a model with a corrupt copy (issue 11)', () => {
  // Verify found the local copy corrupt: only the backup copy is good.
  const corrupt = item({
    location: 'backup_only',
    status: 'backup_only',
    copies: [
      { target: 'local', verified_at: null, source: 'live', corrupt: true },
      { target: 'backup', verified_at: null, source: 'live', corrupt: false },
    ],
    copies_count: 1,
  });

  it('offers Repair first, as the row button and in the menu', () => {
    expect(quickAction(corrupt)).toBe('repair');
    expect(menuActions(corrupt).slice(0, 2)).toEqual(['copy_sha', 'repair']);
  });

  it('never says a copy will be kept when the only good copy is the one being deleted', () => {
    const plan = deletePlan(corrupt, 'backup');
    expect(plan.lastCopy).toBe(true);
    expect(plan.keptNote).toBeNull();
    expect(plan.confirmLabel).toBe('Delete permanently');
  });

  it('a model whose copies are all good offers no Repair', () => {
    expect(menuActions(item({ location: 'both' }))).not.toContain('repair');
  });
});
