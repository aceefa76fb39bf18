/**
 * The API layer over mocked Tauri IPC (mockIPC): the command names and
 * argument shapes the UI sends, and errors arriving as `WireError`s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import * as api from '$lib/api';
import { item, summary } from '../../test/fixtures';

afterEach(() => clearMocks());

describe('$lib/api over mocked IPC', () => {
  it('inventory_query sends the full query with defaults', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return { items: [item()], total_matching: 1, limit: 500000, offset: 0, summary: summary() };
    });
    const page = await api.inventory({ limit: 500_000, offset: 0 });
    expect(page.items).toHaveLength(1);
    expect(calls[0].cmd).toBe('inventory_query');
    expect(calls[0].args).toMatchObject({ query: { kind: null, status: null, location: null, search: null, sort: 'size_desc', limit: 500_000, offset: 0 } });
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
      if (cmd === 'cleanup_run') seen = args as Record<string, unknown>;
      return { dry_run: true, orphans_found: 0, orphans_deleted: 0, bytes_freed: 0, bytes_to_free: 0, orphans: [], deleted: [], partial_files: [], partial_files_deleted: 0, errors: [] };
    });
    await api.cleanupOrphans({ execute: false });
    expect(seen).toMatchObject({ execute: false, maxItems: null });
    expect(typeof seen?.opId).toBe('string');
    expect(seen?.onProgress).toBeDefined();
  });
});
