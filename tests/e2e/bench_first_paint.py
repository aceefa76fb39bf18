#!/usr/bin/env python3
"""Benchmark (not a test): time from launching the desktop app to the first
paint of the Model Inventory on a store of 50,000 blobs (SPEC §7: < 2 s), and
frame times while scrolling the table. Run by scripts/bench-ui under Xvfb;
Xvfb renders in software, so the scroll figures are indicative only.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Driver  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

SCROLL = """
const done = arguments[arguments.length - 1];
const vp = document.querySelector('[data-testid="inventory-table-viewport"]');
if (!vp) { done(null); return; }
const frames = [];
const start = performance.now();
let last = start;
function step(now) {
  frames.push(now - last); last = now;
  vp.scrollTop += 400;
  if (frames.length < 180 && now - start < 10000) requestAnimationFrame(step); else done(frames);
}
requestAnimationFrame(step);
setTimeout(() => done(frames), 15000);
"""

# Script + layout per scroll step (issue 11: budget < 8 ms at 100,000 rows),
# what the page itself costs, without the compositor and Xvfb's software
# painting: each frame moves the table one row (or a screenful) down, runs the
# scroll handler, lets Svelte apply the update (it flushes in a microtask),
# forces layout, and times the whole, at the window size the app opens with.
SCRIPT_LAYOUT = """
const done = arguments[arguments.length - 1];
const step = arguments[0];
const vp = document.querySelector('[data-testid="inventory-table-viewport"]');
if (!vp) { done(null); return; }
const times = [];
function frame() {
  const t0 = performance.now();
  vp.scrollTop += step;
  vp.dispatchEvent(new Event('scroll'));
  queueMicrotask(() => queueMicrotask(() => {
    const t1 = performance.now();
    vp.getBoundingClientRect();
    void document.body.offsetHeight;
    void vp.querySelector('[role="row"]')?.offsetTop;
    const t2 = performance.now();
    times.push(t2 - t0);
    (window.__scriptMs ||= []).push(t1 - t0);
    (window.__layoutMs ||= []).push(t2 - t1);
    if (times.length < 240) requestAnimationFrame(frame); else done(times);
  }));
}
window.__scriptMs = []; window.__layoutMs = [];
requestAnimationFrame(frame);
setTimeout(() => done(times), 30000);
"""

# The backend's share: the same inventory_load the page makes, timed in the
# webview without rendering: the response (core build + the first rows) and
# the last of the streamed items (serialisation + IPC + JSON parse).
IPC = """
const done = arguments[arguments.length - 1];
const t = performance.now();
let got = 0, total = -1, first = -1, over = false;
const finish = () => {
  if (!over && total >= 0 && got >= total) { over = true; done([first, performance.now() - t, got]); }
};
const channel = window.__TAURI_INTERNALS__.transformCallback((raw) => {
  const items = raw && Array.isArray(raw.message) ? raw.message : Array.isArray(raw) ? raw : null;
  if (items) { got += items.length; finish(); }
});
window.__TAURI_INTERNALS__.invoke('inventory_load', {sort: 'size_desc', first: 100, onItems: '__CHANNEL__:' + channel}).then(
  (page) => { first = performance.now() - t; total = page.total_matching; finish(); },
  (e) => done([-1, String(e && e.message || e), 0]));
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--app", default=os.path.join(REPO, "target/debug/synapse-desktop"))
    ap.add_argument("--store", required=True, help="a store with many blobs (scripts/bench-ui generates one)")
    ap.add_argument("--blobs", type=int, default=50000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    env = dict(os.environ, SYNAPSE_ROOT=args.store, TAURI_WEBVIEW_AUTOMATION="true", XDG_CONFIG_HOME="/tmp/synapse-bench-ui-config")
    driver = Driver(env=env)
    best = None
    try:
        for run in range(1, args.runs + 1):
            t0 = time.time()
            s = driver.session(os.path.abspath(args.app))
            try:
                s.wait('[data-testid="inventory-row"]', 60, "the first inventory row")
                took = time.time() - t0
                best = took if best is None else min(best, took)
                print(f"run {run}: first paint of the inventory ({args.blobs:,} blobs): {took:.2f} s", flush=True)
                if run == args.runs:
                    s.d.request("POST", s._p("/timeouts"), {"script": 60000})
                    first, ms, n = s.d.request("POST", s._p("/execute/async"), {"script": IPC, "args": []})
                    print(
                        f"of which inventory_load: summary + first rows {first / 1000:.2f} s (core build + IPC); "
                        f"all {n:,} items streamed {ms / 1000:.2f} s (+ serialisation, IPC, JSON parse)",
                        flush=True,
                    )
                    for label, step in (("one row", 44), ("a screenful", 600)):
                        t = s.d.request("POST", s._p("/execute/async"), {"script": SCRIPT_LAYOUT, "args": [step]})
                        if t:
                            t = sorted(t[1:])
                            script, layout = (sorted(s.js(f"return window.{k}") or [0])[1:] or [0] for k in ("__scriptMs", "__layoutMs"))
                            print(
                                f"scroll step of {label}: script + layout median {t[len(t) // 2]:.2f} ms, "
                                f"p95 {t[int(len(t) * 0.95)]:.2f} ms, max {t[-1]:.2f} ms over {len(t)} steps "
                                f"({args.blobs:,} rows; budget < 8 ms); of which script median {script[len(script) // 2]:.2f} ms, "
                                f"layout median {layout[len(layout) // 2]:.2f} ms",
                                flush=True,
                            )
                    frames = s.d.request("POST", s._p("/execute/async"), {"script": SCROLL, "args": []})
                    if frames:
                        frames = sorted(frames[1:])
                        slow = sum(1 for f in frames if f > 1000 / 60 * 1.5)
                        print(
                            f"scrolling: {len(frames)} frames, median {frames[len(frames) // 2]:.1f} ms, "
                            f"p95 {frames[int(len(frames) * 0.95)]:.1f} ms, {slow} over 25 ms (software rendering under Xvfb)",
                            flush=True,
                        )
            finally:
                s.delete()
    finally:
        driver.quit()
    print(f"desktop first paint, {args.blobs:,} blobs: best {best:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
