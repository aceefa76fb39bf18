/**
 * Throughput and time left of a transfer, from the progress updates it sends
 * (SPEC §3.12/§3.13: copies to slow targets show both). The rate is measured
 * over the last few seconds, so a pause or a slow target shows at once, and
 * nothing is claimed until there is enough to measure.
 */

import { formatBytes } from './utils';

/** How far back the rate looks. */
const WINDOW_MS = 5000;
/** Less than this measured says nothing yet. */
const MIN_SPAN_MS = 800;

export type Sample = { at: number; bytes: number };

export class TransferRate {
  private samples: Sample[] = [];

  /** Records `bytes` done at time `at` (ms); a count that went back starts over. */
  add(bytes: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1].at >= WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second over the window, or null while too little was measured. */
  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < MIN_SPAN_MS) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** "12.3 MB/s · about 2 min left", "stalled", or null while measuring. */
  text(total: number): string | null {
    const rate = this.perSecond();
    if (rate === null) return null;
    if (rate <= 0) return 'stalled';
    const done = this.samples[this.samples.length - 1].bytes;
    const left = total > done ? (total - done) / rate : 0;
    return `${formatBytes(rate)}/s · ${timeLeft(left)}`;
  }
}

/** Seconds left in words, rounded as people say them. */
export function timeLeft(seconds: number): string {
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `about ${Math.ceil(seconds / 5) * 5} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return `about ${h} h ${m} min left`;
}
