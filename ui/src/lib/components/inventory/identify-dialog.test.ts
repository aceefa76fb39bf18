import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import type { IdentifyResult, OperationOptions, Selection } from '$lib/api';
import IdentifyDialog from './identify-dialog.svelte';
import { TestId } from '$lib/testids';
import { identifyItem, identifyResult, sha } from '../../../test/fixtures';

const step = () => screen.getByTestId(TestId.IdentifyStep).dataset.step;

describe('IdentifyDialog', () => {
  it('says only hashes are sent, sends nothing before Identify, then shows progress and the summary', async () => {
    let finish: (r: IdentifyResult) => void = () => {};
    let opts: OperationOptions | undefined;
    const run = vi.fn((_s: Selection, _r: boolean, o: OperationOptions) => {
      opts = o;
      return new Promise<IdentifyResult>((resolve) => (finish = resolve));
    });
    render(IdentifyDialog, { request: { selection: 'unnamed', what: 'the 2 models without a name', count: 2 }, run, baseUrl: 'http://127.0.0.1:8765', onclose: vi.fn() });
    expect(step()).toBe('confirm');
    expect(screen.getByTestId(TestId.IdentifyStep)).toHaveTextContent('only the SHA-256 hash of each of the 2 models to 127.0.0.1:8765');
    expect(run).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId(TestId.IdentifyConfirm));
    expect(run).toHaveBeenCalledWith('unnamed', false, expect.anything());
    expect(step()).toBe('progress');
    opts!.onProgress!({ operation: 'identify', items_done: 1, items_total: 2, bytes_done: 0, bytes_total: 0, current: 'model_v3_final.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.IdentifyProgress)).toHaveTextContent('Asking about model_v3_final.safetensors'));
    finish(identifyResult([identifyItem(), identifyItem({ sha256: sha(905), status: 'not_found', metadata: null })]));
    await waitFor(() => expect(step()).toBe('done'));
    const summary = screen.getByTestId(TestId.IdentifySummary);
    expect(summary.dataset.tone).toBe('success');
    expect(summary).toHaveTextContent('1 model identified.');
    expect(summary).toHaveTextContent('1 model Civitai does not know');
    expect(screen.getByTestId(TestId.IdentifyFound)).toHaveTextContent('Juggernaut XL — Jugg_X_RunDiffusion · SDXL 1.0');
  });

  it('offline: the summary says Civitai could not be reached and nothing was sent', async () => {
    const run = vi.fn(() =>
      Promise.resolve(identifyResult([identifyItem({ status: 'not_asked', source: null, metadata: null })], { offline: 'Civitai could not be reached: the connection was refused' })),
    );
    render(IdentifyDialog, { request: { selection: { blobs: [sha(1)] }, what: 'x.safetensors', count: 1, refresh: true }, run, baseUrl: 'https://civitai.com', onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.IdentifyConfirm));
    expect(run).toHaveBeenCalledWith({ blobs: [sha(1)] }, true, expect.anything());
    await waitFor(() => expect(step()).toBe('done'));
    expect(screen.getByTestId(TestId.IdentifySummary).dataset.tone).toBe('error');
    expect(screen.getByTestId(TestId.IdentifySummary)).toHaveTextContent('Civitai could not be reached: nothing was sent; try again when online.');
  });

  it('Cancel aborts the run; a refused run shows why', async () => {
    let signal: AbortSignal | undefined;
    const run = vi.fn((_s: Selection, _r: boolean, o: OperationOptions) => {
      signal = o.signal;
      return new Promise<IdentifyResult>((_, reject) => o.signal?.addEventListener('abort', () => reject({ code: 'cancelled', message: 'cancelled', details: {} })));
    });
    render(IdentifyDialog, { request: { selection: 'orphans', what: 'the orphans', count: 3 }, run, baseUrl: 'https://civitai.com', onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.IdentifyConfirm));
    await fireEvent.click(screen.getByTestId(TestId.IdentifyCancel));
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(step()).toBe('done'));
    expect(screen.getByRole('alert')).toHaveTextContent('Stopped. What Civitai had answered until then is kept.');
  });
});
