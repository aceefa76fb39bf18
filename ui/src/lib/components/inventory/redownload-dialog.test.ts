import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import type { OperationOptions } from '$lib/api';
import RedownloadDialog from './redownload-dialog.svelte';
import { TestId } from '$lib/testids';
import { item } from '../../../test/fixtures';

describe('RedownloadDialog', () => {
  it('starts the download at once, shows the bytes received and closes when it ends', async () => {
    const missing = item({ display_name: 'gone.safetensors', location: 'nowhere', status: 'missing', size_bytes: 2_000_000_000, has_download_url: true });
    let finish: () => void = () => {};
    let opts: OperationOptions | undefined;
    const run = vi.fn((_: unknown, o: OperationOptions) => {
      opts = o;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const onclose = vi.fn();
    render(RedownloadDialog, { item: missing, run, onclose });
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0][0]).toBe(missing);
    opts!.onProgress!({ operation: 'redownload', items_done: 0, items_total: 1, bytes_done: 500_000_000, bytes_total: 2_000_000_000, current: 'gone.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.RedownloadProgress)).toHaveTextContent('500 MB of 2.0 GB'));
    finish();
    await waitFor(() => expect(onclose).toHaveBeenCalled());
  });

  it('Cancel aborts the download through its signal', async () => {
    let signal: AbortSignal | undefined;
    const run = vi.fn((_: unknown, o: OperationOptions) => {
      signal = o.signal;
      return new Promise<void>((resolve) => o.signal?.addEventListener('abort', () => resolve()));
    });
    const onclose = vi.fn();
    render(RedownloadDialog, { item: item({ location: 'nowhere', status: 'missing' }), run, onclose });
    await fireEvent.click(screen.getByTestId(TestId.RedownloadCancel));
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(onclose).toHaveBeenCalled());
  });
});
