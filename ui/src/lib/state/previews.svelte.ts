/**
 * The preview images identify saved (SPEC §3.14), fetched from the shell by
 * hash only when a row or the detail shows them, a few at a time, and kept
 * for the most recently shown models (a `data:` URL each).
 */
import { SvelteMap } from 'svelte/reactivity';
import * as api from '$lib/api';

/** Previews kept in memory (the rows in view and those seen recently). */
const KEEP = 300;
/** Requests to the shell at once: scrolling fast does not queue hundreds of reads. */
const IN_FLIGHT = 4;

export type PreviewState = { state: 'loading' } | { state: 'none' } | { state: 'ready'; url: string };

export class Previews {
  /** Per hash: loading, none (no preview, or it could not be read) or its URL. */
  shown = new SvelteMap<string, PreviewState>();
  #queue: string[] = [];
  #running = 0;
  #load: (sha256: string) => Promise<string | null>;

  constructor(load: (sha256: string) => Promise<string | null> = api.previewImage) {
    this.#load = load;
  }

  /** The preview of `sha256` as known now (undefined: never asked). Reading it does not load it: call `want`. */
  get(sha256: string): PreviewState | undefined {
    return this.shown.get(sha256);
  }

  /** Asks for the previews of these models (those in view); each is read once until `forget`. */
  want(shas: readonly string[]) {
    for (const sha of shas) {
      if (this.shown.has(sha)) continue;
      this.shown.set(sha, { state: 'loading' });
      this.#queue.push(sha);
    }
    this.#pump();
  }

  /** A new identify run may have saved other pictures: read them again when next shown. */
  forget() {
    this.shown.clear();
    this.#queue = [];
  }

  #pump() {
    while (this.#running < IN_FLIGHT && this.#queue.length > 0) {
      const sha = this.#queue.shift()!;
      this.#running++;
      this.#load(sha)
        .then(
          (url) => this.#settle(sha, url ? { state: 'ready', url } : { state: 'none' }),
          () => this.#settle(sha, { state: 'none' }),
        )
        .finally(() => {
          this.#running--;
          this.#pump();
        });
    }
  }

  #settle(sha: string, s: PreviewState) {
    // Forgotten meanwhile (a new run): the next `want` asks again.
    if (this.shown.get(sha)?.state !== 'loading') return;
    this.shown.set(sha, s);
    if (this.shown.size > KEEP) {
      for (const [k, v] of this.shown) {
        if (this.shown.size <= KEEP) break;
        if (v.state !== 'loading') this.shown.delete(k);
      }
    }
  }
}

export const previews = new Previews();
