/** Ops.use / unuse / redownload over a mocked `$lib/api`: plan first, the dialog only when the window is needed, a toast for every outcome. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '$lib/api';
import type { AppState } from './app.svelte';
import { Ops } from './ops.svelte';
import { Toasts } from './toasts.svelte';
import type { UiTargetsState } from './ui-targets.svelte';
import { item, sha, usePlan, useResult } from '../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  planUse: vi.fn(),
  applyUse: vi.fn(),
  unusePack: vi.fn(),
  setPackKind: vi.fn(),
  redownloadBlob: vi.fn(),
}));

const link = { ui: 'comfyui', pack: 'P', dependency_id: 'd', sha256: sha(1), kind: 'lora' as const, path: '/ui/models/loras/a.safetensors', target: '/b' };

function setup() {
  const app = { refresh: vi.fn().mockResolvedValue(undefined) } as unknown as AppState;
  const targets = { load: vi.fn().mockResolvedValue(undefined) } as unknown as UiTargetsState;
  const toasts = new Toasts();
  return { ops: new Ops(app, toasts, targets), app, targets, toasts };
}

beforeEach(() => {
  for (const f of [api.planUse, api.applyUse, api.unusePack, api.redownloadBlob]) vi.mocked(f).mockReset();
});

describe('Ops: use / unuse', () => {
  it('links at once when nothing must be restored, then reloads the inventory and the targets', async () => {
    const { ops, app, targets, toasts } = setup();
    const planned = usePlan(useResult({ linked: [link] }));
    vi.mocked(api.planUse).mockResolvedValue(planned);
    vi.mocked(api.applyUse).mockResolvedValue(useResult({ dry_run: false, linked: [link] }));
    await ops.use('P', 'comfyui');
    expect(api.planUse).toHaveBeenCalledWith('P', 'comfyui');
    expect(api.applyUse).toHaveBeenCalledWith(planned);
    expect(ops.useReq).toBeNull();
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'P is in use in comfyui', detail: '1 link made' });
    expect(app.refresh).toHaveBeenCalled();
    expect(targets.load).toHaveBeenCalled();
    expect(ops.viewBusy.size).toBe(0);
  });

  it('asks for confirmation when blobs are only on the backup (no use call yet)', async () => {
    const { ops } = setup();
    const plan = usePlan(useResult({ restored_blobs: [{ sha256: sha(2), display_name: 'big', kind: 'checkpoint', size_bytes: 5 }], bytes_restored: 5 }));
    vi.mocked(api.planUse).mockResolvedValue(plan);
    await ops.use('P', 'comfyui');
    expect(ops.useReq).toEqual({ pack: 'P', ui: 'comfyui', plan, error: null });
    expect(api.applyUse).not.toHaveBeenCalled();
  });

  it('a clash opens the dialog with the error and toasts it', async () => {
    const { ops, toasts } = setup();
    const error = { code: 'name_clash', message: 'refused: 1 name taken', details: { pack: 'P', clashes: [{ ui: 'comfyui', dependency_id: 'd', path: '/ui/x', found: 'file' }] } };
    vi.mocked(api.planUse).mockRejectedValue(error);
    await ops.use('P', 'comfyui');
    expect(ops.useReq).toMatchObject({ pack: 'P', ui: 'comfyui', plan: null, error: { code: 'name_clash' } });
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not use P in comfyui', detail: 'refused: 1 name taken' });
  });

  it('other errors are a toast only', async () => {
    const { ops, toasts } = setup();
    vi.mocked(api.planUse).mockRejectedValue({ code: 'invalid_argument', message: 'UI target "comfyui" points at /x, which is not a folder', details: {} });
    await ops.use('P', 'comfyui');
    expect(ops.useReq).toBeNull();
    expect(toasts.items.at(-1)?.detail).toContain('which is not a folder');
  });

  it('unuse removes the links and reports what it left alone', async () => {
    const { ops, toasts, targets } = setup();
    vi.mocked(api.unusePack).mockResolvedValue({ pack: 'P', dry_run: false, removed: [link], kept_for_other_packs: [], already_gone: [], changed: [], dirs_removed: [] });
    await ops.unuse('P', 'comfyui');
    expect(api.unusePack).toHaveBeenCalledWith('P', 'comfyui');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'P is no longer used in comfyui', detail: '1 link removed' });
    expect(targets.load).toHaveBeenCalled();
  });
});

describe('Ops: redownload', () => {
  it('calls the typed command and toasts the outcome', async () => {
    const { ops, toasts } = setup();
    const it0 = item({ location: 'nowhere', status: 'missing', has_download_url: true, display_name: 'gone.safetensors' });
    vi.mocked(api.redownloadBlob).mockResolvedValue({
      sha256: it0.sha256,
      display_name: 'gone.safetensors',
      kind: 'lora',
      url: 'https://example.com/gone.safetensors',
      size_bytes: 150_000_000,
      bytes_downloaded: 150_000_000,
      resumed_from: 0,
      already_present: false,
      path: '/store/data/blobs/x',
      duration_ms: 10,
      url_errors: [],
      auto_backup: null,
    });
    const signal = new AbortController().signal;
    expect(await ops.redownload(it0, { signal })).toBe(true);
    expect(api.redownloadBlob).toHaveBeenCalledWith(it0.sha256, { signal });
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Downloaded gone.safetensors', detail: '150 MB' });
    expect(ops.busy.has(it0.sha256)).toBe(false);
  });

  it('the menu action opens the progress dialog; a cancel is reported as such', async () => {
    const { ops, toasts } = setup();
    const it0 = item({ location: 'nowhere', status: 'missing', has_download_url: true, display_name: 'gone.safetensors' });
    ops.requestRedownload(it0);
    expect(ops.redownloadReq).toBe(it0);
    vi.mocked(api.redownloadBlob).mockRejectedValue({ code: 'cancelled', message: 'cancelled', details: {} });
    expect(await ops.redownload(it0)).toBe(false);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'info', title: 'Re-download cancelled' });
  });

  it('a failure names the blob', async () => {
    const { ops, toasts } = setup();
    const it0 = item({ location: 'nowhere', status: 'missing', has_download_url: true, display_name: 'gone.safetensors' });
    vi.mocked(api.redownloadBlob).mockRejectedValue({ code: 'io', message: 'download from https://x failed: 404', details: {} });
    expect(await ops.redownload(it0)).toBe(false);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not re-download gone.safetensors' });
  });
});

describe('Ops: the kind of a pack', () => {
  it('sets the kind of every model of the pack, toasts it and reloads the inventory', async () => {
    const { ops, app, toasts } = setup();
    vi.mocked(api.setPackKind).mockResolvedValue({ pack: 'Mystery', kind: 'lora', changed: ['mystery'] });
    expect(await ops.setPackKind('Mystery', 'lora')).toBe(true);
    expect(api.setPackKind).toHaveBeenCalledWith('Mystery', null, 'lora');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Mystery: kind set to LoRA' });
    expect(app.refresh).toHaveBeenCalled();
  });

  it('says so when the core refuses', async () => {
    const { ops, toasts } = setup();
    vi.mocked(api.setPackKind).mockRejectedValue({ code: 'not_found', message: 'pack "Gone" does not exist', details: { pack: 'Gone' } });
    expect(await ops.setPackKind('Gone', 'vae')).toBe(false);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not change the kind of Gone' });
  });
});
