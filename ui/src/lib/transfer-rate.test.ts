import { render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TransferRateView from '$lib/components/ui/transfer-rate.svelte';
import { TestId } from '$lib/testids';
import { TransferRate, timeLeft } from './transfer-rate';

describe('TransferRate', () => {
  it('says nothing until a second or so was measured', () => {
    const r = new TransferRate();
    r.add(0, 0);
    r.add(1_000_000, 500);
    expect(r.text(10_000_000)).toBeNull();
  });

  it('gives the rate over the last seconds and the time left at that rate', () => {
    const r = new TransferRate();
    r.add(0, 0);
    r.add(10_000_000, 1000);
    r.add(20_000_000, 2000);
    expect(r.perSecond()).toBe(10_000_000);
    expect(r.text(620_000_000)).toBe('10.0 MB/s · about 1 min left');
  });

  it('follows a slowdown instead of averaging over the whole run', () => {
    const r = new TransferRate();
    for (let s = 0; s <= 10; s++) r.add(s * 100_000_000, s * 1000);
    for (let s = 11; s <= 20; s++) r.add(1_000_000_000 + (s - 10) * 1_000_000, s * 1000);
    expect(r.perSecond()).toBeLessThan(2_000_000);
  });

  it('says stalled when nothing moved, and starts over when the count goes back', () => {
    const r = new TransferRate();
    r.add(5_000_000, 0);
    r.add(5_000_000, 2000);
    expect(r.text(10_000_000)).toBe('stalled');
    r.add(0, 2500);
    expect(r.text(10_000_000)).toBeNull();
  });
});

describe('timeLeft', () => {
  it('rounds as people say it', () => {
    expect(timeLeft(0.2)).toBe('almost done');
    expect(timeLeft(12)).toBe('about 15 s left');
    expect(timeLeft(150)).toBe('about 3 min left');
    expect(timeLeft(3 * 3600 + 20 * 60)).toBe('about 3 h 20 min left');
  });
});


describe('the transfer rate under a progress bar', () => {
  afterEach(() => vi.useRealTimers());

  it('appears once the updates span a second, with the time left', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const p = (bytes: number) => ({ operation: 'sync', items_done: 0, items_total: 1, bytes_done: bytes, bytes_total: 100_000_000, current: 'model' });
    const view = render(TransferRateView, { progress: p(0) });
    expect(screen.queryByTestId(TestId.TransferRate)).toBeNull();
    vi.setSystemTime(2000);
    await view.rerender({ progress: p(20_000_000) });
    expect(screen.getByTestId(TestId.TransferRate).textContent).toBe('10.0 MB/s · about 10 s left');
  });
});
