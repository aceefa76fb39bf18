/** Ops.identify over a mocked `$lib/api`: a row's menu opens the dialog (nothing sent), a run toasts its outcome in words and reloads. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '$lib/api';
import type { AppState } from './app.svelte';
import { Ops } from './ops.svelte';
import { Toasts } from './toasts.svelte';
import { previews } from './previews.svelte';
import { identifyItem, identifyResult, item, metadata, sha } from '../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  identifyRun: vi.fn(),
  previewImage: vi.fn(),
}));

function setup() {
  const app = { refresh: vi.fn().mockResolvedValue(undefined) } as unknown as AppState;
  const toasts = new Toasts();
  return { ops: new Ops(app, toasts), app, toasts };
}

beforeEach(() => vi.mocked(api.identifyRun).mockReset());

describe('Ops: identify', () => {
  it("a row's menu opens the dialog for that model and sends nothing; one already named starts with Ask again", () => {
    const { ops } = setup();
    const plain = item({ display_name: 'x.safetensors' });
    ops.act('identify', plain);
    expect(ops.identifyReq).toEqual({ selection: { blobs: [plain.sha256] }, what: 'x.safetensors', count: 1, refresh: false });
    ops.act('identify', item({ metadata: metadata() }));
    expect(ops.identifyReq?.refresh).toBe(true);
    expect(api.identifyRun).not.toHaveBeenCalled();
  });

  it('a run toasts what it came to, forgets the previews and reloads the inventory', async () => {
    const { ops, app, toasts } = setup();
    previews.shown.set(sha(1), { state: 'none' });
    vi.mocked(api.identifyRun).mockResolvedValue(identifyResult([identifyItem()]));
    await ops.identify('unnamed', false);
    expect(api.identifyRun).toHaveBeenCalledWith('unnamed', false, undefined);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Identified 1 model' });
    expect(previews.shown.size).toBe(0);
    expect(app.refresh).toHaveBeenCalled();
  });

  it('offline is an error toast in words', async () => {
    const { ops, toasts } = setup();
    vi.mocked(api.identifyRun).mockResolvedValue(identifyResult([identifyItem({ status: 'not_asked', source: null, metadata: null })], { offline: 'refused' }));
    await ops.identify({ blobs: [sha(2)] }, true);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Civitai could not be reached', detail: 'Civitai could not be reached: nothing was sent; try again when online.' });
  });
});
