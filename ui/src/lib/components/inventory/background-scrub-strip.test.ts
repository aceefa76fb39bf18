import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import BackgroundScrubStrip from './background-scrub-strip.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { backgroundScrubFixture } from '../../../test/fixtures-targets';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  pauseBackgroundScrub: vi.fn(),
  cancelBackgroundScrub: vi.fn(),
}));

beforeEach(() => {
  vi.mocked(api.pauseBackgroundScrub).mockReset().mockResolvedValue(null);
  vi.mocked(api.cancelBackgroundScrub).mockReset().mockResolvedValue(null);
  toasts.clear();
});

describe('BackgroundScrubStrip', () => {
  it('is not there while nothing runs', () => {
    const { rerender } = render(BackgroundScrubStrip, { scrub: null });
    expect(screen.queryByTestId(TestId.BgScrubStrip)).toBeNull();
    void rerender({ scrub: backgroundScrubFixture({ phase: 'idle' }) });
    expect(screen.queryByTestId(TestId.BgScrubStrip)).toBeNull();
  });

  it('says which target, how far, and pauses', async () => {
    render(BackgroundScrubStrip, { scrub: backgroundScrubFixture() });
    const strip = screen.getByTestId(TestId.BgScrubStrip);
    expect(strip).toHaveTextContent("Checking 'Home NAS' in the background — 12 of 340 copies (4.2 GB)");
    expect(screen.queryByTestId(TestId.BgScrubCorrupt)).toBeNull();
    expect(screen.getByTestId(TestId.BgScrubPause)).toHaveTextContent('Pause');
    await fireEvent.click(screen.getByTestId(TestId.BgScrubPause));
    expect(api.pauseBackgroundScrub).toHaveBeenCalledWith(true);
  });

  it('paused: says why, resumes, and shows the corrupt copies found in red', async () => {
    render(BackgroundScrubStrip, {
      scrub: backgroundScrubFixture({ phase: 'paused', reason: 'the computer is busy', corrupt: ['realvis_xl.safetensors', 'pony_v6.safetensors'] }),
    });
    const strip = screen.getByTestId(TestId.BgScrubStrip);
    expect(strip.dataset.phase).toBe('paused');
    expect(strip).toHaveTextContent("Checking 'Home NAS' in the background — paused: the computer is busy — 12 of 340 copies (4.2 GB)");
    const corrupt = screen.getByTestId(TestId.BgScrubCorrupt);
    expect(corrupt).toHaveTextContent('2 corrupt copies');
    expect(corrupt).toHaveClass('text-destructive');
    expect(corrupt).toHaveAttribute('title', 'realvis_xl.safetensors\npony_v6.safetensors');
    await fireEvent.click(screen.getByTestId(TestId.BgScrubPause));
    expect(api.pauseBackgroundScrub).toHaveBeenCalledWith(false);
  });

  it('Stop cancels the background scrub; a failure is a toast', async () => {
    vi.mocked(api.cancelBackgroundScrub).mockRejectedValue({ code: 'internal', message: 'the scrubber is gone', details: {} });
    render(BackgroundScrubStrip, { scrub: backgroundScrubFixture({ queued: ['backup'] }) });
    expect(screen.getByTestId(TestId.BgScrubStrip)).toHaveTextContent("then 'backup'");
    await fireEvent.click(screen.getByTestId(TestId.BgScrubStop));
    expect(api.cancelBackgroundScrub).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not stop the background check' }));
    expect(screen.getByTestId(TestId.BgScrubStop)).toBeEnabled();
  });
});
