/**
 * Browser preview of the UI over a mocked backend (`npm run dev`, then open
 * http://localhost:1420/preview.html). Not part of the build: `vite build`
 * only bundles index.html. Query string: `?rows=50000` for a big inventory,
 * `?backup=disconnected|disabled`, `?firstrun`, `?tab=packs|workflow|settings|help`,
 * `?workflow=/any/file.json` (opens the demo workflow on the Workflow page),
 * `?theme=dark`, `?zoom=0.8`.
 */
import { mount } from 'svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import '../app.css';
import App from '../App.svelte';
import { app } from '$lib/state/app.svelte';
import { ops } from '$lib/state/ops.svelte';
import { theme } from '$lib/state/theme.svelte';
import { workflow } from '$lib/state/workflow.svelte';
import { demoBackend } from './demo-backend';

const q = new URLSearchParams(location.search);
const backend = demoBackend({
  rows: Number(q.get('rows') ?? 400),
  backup: (q.get('backup') as 'connected' | 'disconnected' | 'disabled' | null) ?? 'connected',
  firstRun: q.has('firstrun'),
});
mockIPC((cmd, args) => backend(cmd, args as Record<string, unknown>), { shouldMockEvents: true });

const tab = q.get('tab');
if (tab === 'packs' || tab === 'workflow' || tab === 'settings' || tab === 'help' || tab === 'inventory') app.tab = tab;
const wf = q.get('workflow');
if (wf) {
  app.tab = 'workflow';
  void workflow.open(wf);
}
if (q.get('theme') === 'dark' || q.get('theme') === 'light') theme.set(q.get('theme') as 'dark' | 'light');

// `?zoom=0.8` renders a 1024-px browser window as a 1280-px one (screenshots).
const zoom = Number(q.get('zoom') ?? 1);
if (zoom !== 1) (document.documentElement.style as CSSStyleDeclaration & { zoom: string }).zoom = String(zoom);

const target = document.getElementById('app');
if (!target) throw new Error('preview.html has no #app element');
const mounted = mount(App, { target });

// `?dialog=delete|delete-ref|cleanup|sync|impacts|verify|doctor` opens one dialog once the inventory is loaded.
const dialog = q.get('dialog');
if (dialog) {
  const wait = setInterval(() => {
    const items = app.inventory.items;
    if (items.length === 0) return;
    clearInterval(wait);
    const lastCopy = items.find((i) => i.location === 'local_only' && i.status === 'orphan') ?? items[0];
    const referenced = items.find((i) => i.location === 'both' && i.used_by_packs.length > 1) ?? items[0];
    if (dialog === 'delete') ops.requestDelete(lastCopy, 'local');
    else if (dialog === 'delete-ref') ops.requestDelete(referenced, 'local');
    else if (dialog === 'cleanup') ops.openCleanup();
    else if (dialog === 'sync') ops.openSync('to_backup');
    else if (dialog === 'impacts') ops.showImpacts(referenced);
    else if (dialog === 'verify') ops.openVerify('all_local');
    else if (dialog === 'doctor') ops.openDoctor();
  }, 100);
}

export default mounted;
