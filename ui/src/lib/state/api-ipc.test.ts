/**
 * The API layer over mocked Tauri IPC (mockIPC): the command names and
 * argument shapes the UI sends, and errors arriving as `WireError`s.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import * as api from '$lib/api';
import { item, summary } from '../../test/fixtures';

afterEach(() => clearMocks());

describe('$lib/api over mocked IPC', () => {
  it('inventory_load sends the sort, the first-row count and a channel that delivers the items', async () => {
    const all = [item(), item()];
    let args: Record<string, unknown> = {};
    mockIPC((cmd, a) => {
      expect(cmd).toBe('inventory_load');
      args = a as Record<string, unknown>;
      setTimeout(() => (args.onItems as { onmessage: (items: unknown) => void }).onmessage(all), 0);
      return { items: all.slice(0, 1), total_matching: 2, limit: 1, offset: 0, summary: summary() };
    });
    const received: unknown[] = [];
    const page = await api.inventoryStream('size_desc', 1, (items) => received.push(...items));
    expect(args).toMatchObject({ sort: 'size_desc', first: 1 });
    expect(page.items).toHaveLength(1);
    await vi.waitFor(() => expect(received).toEqual(all));
  });

  it('blob_delete passes target and force; a guard-rail refusal rejects with the wire error', async () => {
    mockIPC((cmd, args) => {
      expect(cmd).toBe('blob_delete');
      expect(args).toMatchObject({ target: 'local', force: false });
      throw { code: 'last_copy', message: 'refused: this is the last copy of model.safetensors', details: {} };
    });
    await expect(api.deleteBlob('a'.repeat(64), 'local')).rejects.toMatchObject({ code: 'last_copy' });
  });

  it('a bare string thrown by the shell becomes an io WireError', async () => {
    mockIPC(() => {
      throw 'command not found';
    });
    await expect(api.appInfo()).rejects.toEqual({ code: 'io', message: 'command not found', details: {} });
  });

  it('long operations send an operation id and a progress channel', async () => {
    let seen: Record<string, unknown> | undefined;
    mockIPC((cmd, args) => {
      if (cmd === 'cleanup_apply') seen = args as Record<string, unknown>;
      return { dry_run: false, orphans_found: 0, orphans_deleted: 0, bytes_freed: 0, bytes_to_free: 0, orphans: [], deleted: [], partial_files: [], partial_files_deleted: 0, left_alone: [], skipped: [], errors: [] };
    });
    const plan = { plan: { operation: 'cleanup', store: '/s', store_id: '1:2', made_at: 'now' }, orphans_found: 0, orphans: [], partial_files: [], bytes_to_free: 0, left_alone: [] };
    await api.cleanupApply(plan);
    expect(seen).toMatchObject({ plan });
    expect(typeof seen?.opId).toBe('string');
    expect(seen?.onProgress).toBeDefined();
  });

  it('UI targets, use (plan and run), unuse and redownload send their command names and arguments', async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === 'ui_targets') return { ui_targets: [] };
      if (cmd === 'pack_unuse') return { pack: 'P', dry_run: false, removed: [], kept_for_other_packs: [], already_gone: [], changed: [], dirs_removed: [] };
      if (cmd === 'blob_redownload') return { already_present: true };
      return { pack: 'P', dry_run: cmd === 'pack_use_plan', linked: [], restored_blobs: [] };
    });
    await api.uiTargets();
    await api.planUse('P', 'comfyui');
    const planned = { plan: { operation: 'use', store: '/s', store_id: '1:2', made_at: 'now' }, pack: 'P', ui: 'comfyui' } as unknown as api.UsePlan;
    await api.applyUse(planned);
    await api.applyUse({ ...planned, ui: null });
    await api.unusePack('P', 'comfyui');
    await api.redownloadBlob('a'.repeat(64));
    expect(calls.map((c) => c.cmd)).toEqual(['ui_targets', 'pack_use_plan', 'pack_use_apply', 'pack_use_apply', 'pack_unuse', 'blob_redownload']);
    expect(calls[1].args).toEqual({ name: 'P', ui: 'comfyui' });
    expect(calls[2].args).toMatchObject({ plan: planned });
    expect(typeof calls[2].args.opId).toBe('string');
    expect(calls[3].args).toMatchObject({ plan: { ui: null } });
    expect(calls[4].args).toEqual({ name: 'P', ui: 'comfyui' });
    expect(calls[5].args).toMatchObject({ sha256: 'a'.repeat(64) });
    expect(calls[5].args.onProgress).toBeDefined();
  });

  it('a use refused for clashes rejects with the clashes in details', async () => {
    const clashes = [{ ui: 'comfyui', dependency_id: 'd', path: '/ui/models/loras/a.safetensors', found: 'file' }];
    mockIPC(() => {
      throw { code: 'name_clash', message: 'refused: 1 name(s) taken', details: { pack: 'P', clashes } };
    });
    await expect(api.planUse('P', 'comfyui')).rejects.toMatchObject({ code: 'name_clash', details: { clashes } });
  });

  it('adopt_plan sends the folder and full options, adopt_apply the plan; pack_name_check rejects with the core’s reason', async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === 'pack_name_check') throw { code: 'invalid_argument', message: "invalid pack name '.x': a pack name cannot start with '.'", details: { pack: '.x' } };
      return {};
    });
    await api.adoptPlan('/comfy/models');
    const plan = { plan: { operation: 'adopt', store: '/s', store_id: '1:2', made_at: 'now' }, options: { execute: false, link: true } } as unknown as api.AdoptPlan;
    await api.adoptApply(plan);
    await expect(api.checkPackName('.x')).rejects.toMatchObject({ code: 'invalid_argument', details: { pack: '.x' } });
    expect(calls.map((c) => c.cmd)).toEqual(['adopt_plan', 'adopt_apply', 'pack_name_check']);
    expect(calls[0].args).toMatchObject({ folder: '/comfy/models', options: { execute: false, link: false } });
    expect(calls[1].args).toMatchObject({ plan });
    expect(typeof calls[1].args.opId).toBe('string');
    expect(calls[1].args.onProgress).toBeDefined();
    expect(calls[2].args).toEqual({ name: '.x' });
  });
});
