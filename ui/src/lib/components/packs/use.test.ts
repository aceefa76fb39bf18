import { describe, expect, it } from 'vitest';
import type { UnuseResult } from '$lib/api';
import { restoreBlocker, unuseSummary, useBlockers, useSummary } from './use';
import { sha, useResult } from '../../../test/fixtures';

const link = (i: number) => ({
  ui: 'comfyui',
  pack: 'Juggernaut_XL',
  dependency_id: `dep-${i}`,
  sha256: sha(i),
  kind: 'checkpoint' as const,
  path: `/ui/models/checkpoints/m${i}.safetensors`,
  target: `/store/data/blobs/${sha(i)}`,
});
const restore = { sha256: sha(9), display_name: 'big.safetensors', kind: 'checkpoint' as const, size_bytes: 6_800_000_000 };

describe('useBlockers', () => {
  it('reads the clashes of a name_clash and the missing blobs of a not_found', () => {
    const clash = { ui: 'comfyui', dependency_id: 'd', path: '/ui/models/loras/x.safetensors', found: 'file' };
    expect(useBlockers({ code: 'name_clash', message: 'taken', details: { pack: 'P', clashes: [clash] } })).toEqual({ clashes: [clash], missing: [] });
    const missing = { sha256: sha(3), display_name: 'gone.ckpt', has_download_url: true };
    expect(useBlockers({ code: 'not_found', message: 'nowhere', details: { pack: 'P', blobs: [missing] } })).toEqual({ clashes: [], missing: [missing] });
  });

  it('is null for errors that name neither (restore needed, pack not found, drive errors)', () => {
    expect(useBlockers({ code: 'restore_needed', message: 'restore first', details: { pack: 'P', blobs: [restore], bytes: 1 } })).toBeNull();
    expect(useBlockers({ code: 'not_found', message: 'no such pack', details: { pack: 'P' } })).toBeNull();
    expect(useBlockers({ code: 'backup_not_connected', message: 'unplugged', details: {} })).toBeNull();
    expect(useBlockers('a bare string')).toBeNull();
  });
});

describe('restoreBlocker', () => {
  it('refuses while the drive is unplugged or space is short, and lets a plan without restores through', () => {
    const plan = useResult({ restored_blobs: [restore], bytes_restored: restore.size_bytes, free_space: 100_000_000_000 });
    expect(restoreBlocker(plan, true)).toBeNull();
    expect(restoreBlocker(plan, false)).toMatch(/backup drive is not connected/);
    expect(restoreBlocker({ ...plan, space_warning: 'the store has 1 GB free, restoring needs 6.8 GB' }, true)).toMatch(/1 GB free/);
    expect(restoreBlocker(useResult(), false)).toBeNull();
  });
});

describe('summaries', () => {
  it('says what use did', () => {
    expect(useSummary(useResult({ linked: [link(1), link(2)] }))).toBe('2 links made');
    expect(useSummary(useResult({ linked: [link(1)], already_linked: [link(2)], restored_blobs: [restore], bytes_restored: restore.size_bytes }))).toBe(
      '1 link made, 1 already there · 1 model restored (6.8 GB)',
    );
  });

  it('says what unuse removed and what it left alone', () => {
    const r: UnuseResult = { pack: 'P', dry_run: false, removed: [link(1), link(2)], kept_for_other_packs: [], already_gone: [], changed: [link(3)], dirs_removed: [] };
    expect(unuseSummary(r)).toBe("2 links removed · 1 path no longer held Synapse's link and was left untouched");
  });
});
