/** A deterministic fake backend for the browser preview (see main.ts). Shapes are the generated wire types. */
import type {
  AppInfo,
  BackupStatus,
  CleanupPlan,
  CleanupResult,
  Impacts,
  InventoryItem,
  InventoryPage,
  InventorySummary,
  AssetKind,
  PackList,
  Settings,
  StateSyncStatus,
  SyncPlan,
  SyncResult,
  UiTargetList,
  UnuseResult,
  UsePlan,
  UseResult,
  WireError,
} from '$lib/api';
// targets and policy (settings)
import type { Policy, PolicyUpdate, RemovableDrive, S3Key, S3Location, ScrubStatus, TargetChange, TargetList, TargetSummary, TargetTest } from '$lib/api';

// workflows
import type { RequiredModel, WorkflowCheck, WorkflowPackResult, WorkflowUseItem, WorkflowUsePlan, WorkflowUseResult } from '$lib/api';

// sync --all and scrub
import type { Budget, PlannedCopy, RepairPlan, RepairResult, ScrubResult, Shortfall, SyncAllPlan, SyncAllResult } from '$lib/api';
import type { CivitaiInfo, IdentifyItem, IdentifyResult, ModelMetadata, Selection } from '$lib/api';

export type Options = { rows: number; backup: 'connected' | 'disconnected' | 'disabled'; firstRun: boolean };

const KINDS: AssetKind[] = ['checkpoint', 'lora', 'lora', 'lora', 'vae', 'controlnet', 'upscaler', 'embedding', 'text_encoder', 'unet'];
const WORDS = ['juggernaut', 'dreamshaper', 'realvis', 'pony', 'animagine', 'detail_tweaker', 'add_more_details', 'epic_realism', 'film_grain', 'ultrasharp', 'sdxl_vae', 'canny', 'depth', 'openpose', 'flux_dev', 't5xxl', 'clip_l', 'lcm', 'turbo', 'lightning'];
const PACKS = ['Juggernaut_XL', 'DreamShaper_8', 'RealVisXL_V4', 'Pony_Diffusion_V6', 'Animagine_XL_3', 'Flux_Dev', 'ControlNet_SDXL', 'Upscalers', 'Portrait_LoRAs', 'Film_Look'];

function hex(i: number, salt: number): string {
  let h = (i * 2654435761 + salt * 40503) >>> 0;
  let out = '';
  while (out.length < 64) {
    h = (h * 1103515245 + 12345) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

const BASES = ['SDXL 1.0', 'Pony', 'SD 1.5', 'Flux.1 D', 'Illustrious'];
const PREVIEW_COLOURS = ['#6d28d9', '#0e7490', '#b45309', '#be123c', '#15803d'];

/** What Civitai would say about demo model `i` (every other one has a preview). */
function demoMetadata(i: number, kind: AssetKind, sha: string): ModelMetadata {
  const word = WORDS[i % WORDS.length];
  const name = word.replace(/(^|_)([a-z])/g, (_, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
  return {
    provider: 'civitai',
    model_id: 1000 + (i % WORDS.length),
    model_name: name,
    version_id: 5000 + i,
    version_name: `v${(i % 9) + 1}.0`,
    model_type: kind === 'lora' ? 'LORA' : kind === 'checkpoint' ? 'Checkpoint' : 'Other',
    kind,
    base_model: BASES[i % BASES.length],
    trained_words: kind === 'lora' ? [`${word} style`, 'masterpiece'] : [],
    nsfw_level: 1,
    file_id: i,
    file_name: `${word}.safetensors`,
    preview: i % 2 === 0 ? `/home/user/.synapse/store/data/cache/previews/${sha}.png` : null,
    fetched_at: '2026-12-01T10:00:00Z',
  };
}

/** A preview picture for the browser preview: a coloured square with the model's initial. */
function demoPreview(it: InventoryItem): string {
  const colour = PREVIEW_COLOURS[parseInt(it.sha256.slice(0, 2), 16) % PREVIEW_COLOURS.length];
  const letter = (it.metadata?.model_name ?? '?').slice(0, 1);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="${colour}"/><text x="32" y="42" font-size="30" text-anchor="middle" fill="white" font-family="sans-serif">${letter}</text></svg>`;
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

function makeItems(n: number, backup: Options['backup']): InventoryItem[] {
  const out: InventoryItem[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[i % KINDS.length];
    const r = (i * 7919) % 100;
    const status = r < 62 ? 'referenced' : r < 80 ? 'orphan' : r < 95 ? 'backup_only' : 'missing';
    let location: InventoryItem['location'];
    if (status === 'missing') location = 'nowhere';
    else if (status === 'backup_only') location = 'backup_only';
    else location = backup === 'disabled' ? 'local_only' : r % 3 === 0 ? 'local_only' : r % 7 === 0 && status === 'orphan' ? 'backup_only' : 'both';
    const size = kind === 'checkpoint' ? 2_000_000_000 + ((i * 104729) % 5_000_000_000) : kind === 'lora' ? 20_000_000 + ((i * 7907) % 400_000_000) : 80_000_000 + ((i * 15485863) % 900_000_000);
    const packs = status === 'orphan' ? [] : Array.from({ length: 1 + (i % 4) }, (_, k) => PACKS[(i + k * 3) % PACKS.length]);
    out.push({
      sha256: hex(i, 1),
      kind,
      display_name: `${WORDS[i % WORDS.length]}_${kind === 'checkpoint' ? 'xl_v' : 'v'}${(i % 9) + 1}${i >= WORDS.length ? `_${i}` : ''}.safetensors`,
      size_bytes: status === 'missing' ? 0 : size,
      status,
      location,
      on_local: location === 'both' || location === 'local_only',
      on_backup: location === 'both' || location === 'backup_only',
      used_by_packs: packs,
      ref_count: packs.length,
      // Every fifth model came from a local file: nothing names it until Identify asks Civitai.
      origin: i % 5 === 1 ? null : { provider: 'civitai', model_id: 1000 + i, version_id: 5000 + i, file_id: i, filename: null, repo_id: null },
      ...(i % 5 !== 1 && i % 3 === 0 ? { metadata: demoMetadata(i, kind, hex(i, 1)) } : {}),
      active_in_uis: i % 11 === 0 ? ['comfyui'] : [],
      verified: i % 5 === 0 ? true : null,
      verified_at: null,
      has_download_url: status === 'missing' && i % 2 === 0,
      copies: [
        ...(location === 'both' || location === 'local_only' ? [{ target: 'local', verified_at: null, source: 'live' as const, corrupt: false }] : []),
        ...(location === 'both' || location === 'backup_only' ? [{ target: 'backup', verified_at: null, source: (backup === 'connected' ? 'live' : 'cached') as 'live' | 'cached', corrupt: false }] : []),
      ],
      copies_count: location === 'both' ? 2 : location === 'nowhere' ? 0 : 1,
      min_copies: status === 'orphan' ? 0 : 1,
    });
  }
  return out;
}

function summarize(items: InventoryItem[], o: Options): InventorySummary {
  const sum = (f: (i: InventoryItem) => boolean) => items.filter(f).reduce((s, i) => s + i.size_bytes, 0);
  const count = (f: (i: InventoryItem) => boolean) => items.filter(f).length;
  return {
    blobs_total: items.length,
    blobs_referenced: count((i) => i.status === 'referenced'),
    blobs_orphan: count((i) => i.status === 'orphan'),
    blobs_missing: count((i) => i.status === 'missing'),
    blobs_backup_only: count((i) => i.status === 'backup_only'),
    blobs_corrupt: count((i) => i.copies.some((c) => c.corrupt)),
    blobs_below_policy: count((i) => i.copies_count < i.min_copies),
    cleanup_orphans: count((i) => i.status === 'orphan' && i.on_local && i.active_in_uis.length === 0),
    cleanup_bytes: sum((i) => i.status === 'orphan' && i.on_local && i.active_in_uis.length === 0),
    bytes_total: sum((i) => i.on_local),
    bytes_referenced: sum((i) => i.status === 'referenced'),
    bytes_orphan: sum((i) => i.status === 'orphan'),
    bytes_by_kind: {},
    pack_errors: [],
    disk: { path: '/home/user/.synapse/store', total_bytes: 1_000_000_000_000, free_bytes: 312_000_000_000 },
    backup: {
      enabled: o.backup !== 'disabled',
      connected: o.backup === 'connected',
      source: o.backup === 'connected' ? 'live' : o.backup === 'disconnected' ? 'cached' : 'none',
      path: o.backup === 'disabled' ? null : '/media/user/T7/synapse-backup',
      blobs_local_only: count((i) => i.location === 'local_only'),
      blobs_backup_only: count((i) => i.location === 'backup_only'),
      blobs_both: count((i) => i.location === 'both'),
      bytes_local_only: sum((i) => i.location === 'local_only'),
      bytes_backup_only: sum((i) => i.location === 'backup_only'),
      bytes_synced: sum((i) => i.location === 'both'),
      last_sync: new Date(Date.now() - 3 * 3600_000).toISOString(),
    },
    targets: [
      {
        name: 'backup',
        primary: true,
        kind: 'folder',
        enabled: o.backup !== 'disabled',
        connected: o.backup === 'connected',
        source: o.backup === 'connected' ? 'live' : o.backup === 'disconnected' ? 'cached' : 'none',
        path: o.backup === 'disabled' ? null : '/media/user/T7/synapse-backup',
        state: o.backup,
        error: o.backup === 'disconnected' ? 'the drive looks unplugged' : null,
        blobs: count((i) => i.on_backup),
        bytes: sum((i) => i.on_backup),
        last_sync: new Date(Date.now() - 3 * 3600_000).toISOString(),
        free_bytes: o.backup === 'connected' ? 1_400_000_000_000 : null,
        total_bytes: o.backup === 'connected' ? 2_000_000_000_000 : null,
      },
    ],
  };
}

export function demoBackend(o: Options) {
  const items = makeItems(o.rows, o.backup);
  const summary = summarize(items, o);
  const root = '/home/user/.synapse/store';
  // Read at every call: a test (or the preview) may change `o.backup` to simulate unplugging the drive.
  const watchNow = () => ({
    enabled: o.backup !== 'disabled',
    connected: o.backup === 'connected',
    path: summary.backup.path,
    reason: o.backup === 'disconnected' ? '/media/user/T7/synapse-backup does not exist (is the drive plugged in and mounted?)' : null,
  });
  const fail = (code: WireError['code'], message: string): never => {
    throw { code, message, details: {} } satisfies WireError;
  };

  // targets and policy (settings): two targets, the original's "backup" and "Home NAS" (unplugged), changed by the Settings page.
  const nasHas = (i: InventoryItem, k: number) => i.on_backup && k % 3 !== 0;
  const demoTargets: TargetSummary[] = [
    { ...summary.targets[0] },
    {
      name: 'Home NAS',
      primary: false,
      kind: 'folder',
      enabled: true,
      connected: false,
      source: 'cached',
      path: '/mnt/nas/synapse-backup',
      state: 'disconnected',
      error: '/mnt/nas/synapse-backup does not exist (is the share mounted?)',
      blobs: items.filter(nasHas).length,
      bytes: items.filter(nasHas).reduce((s, i) => s + i.size_bytes, 0),
      last_sync: new Date(Date.now() - 6 * 86400_000).toISOString(),
      free_bytes: null,
      total_bytes: null,
    },
  ];
  /** The state each target has while it is on (`disabled` while off). */
  const onState = new Map(demoTargets.map((t) => [t.name, t.state === 'disabled' ? ('connected' as const) : t.state]));
  const policy: Policy = { min_copies: 2, verify_max_age_days: 90, kinds: { checkpoint: 3 }, packs: { Flux_Dev: 3 } };
  const scrub: ScrubStatus = {
    last: [
      { target: 'backup', at: new Date(Date.now() - 2 * 86400_000).toISOString(), scrubbed: 412, bytes_scrubbed: 910_000_000_000, corrupt: 0, left: 30, cancelled: false, background: true, duration_ms: 1_800_000 },
      { target: 'Home NAS', at: new Date(Date.now() - 9 * 86400_000).toISOString(), scrubbed: 120, bytes_scrubbed: 240_000_000_000, corrupt: 1, left: 0, cancelled: false, background: false, duration_ms: 900_000 },
    ],
    background: { enabled: false, phase: 'idle', target: null, reason: null, scrubbed: 0, bytes_scrubbed: 0, to_check: 0, corrupt: [], queued: [] },
  };
  const policyFor = (i: InventoryItem) => Math.max(i.used_by_packs.reduce((m, p) => Math.max(m, policy.packs[p] ?? 0), 0), policy.kinds[i.kind] ?? policy.min_copies);
  const copiesOf = (i: InventoryItem, k: number, without?: string) =>
    (i.on_local ? 1 : 0) +
    demoTargets.filter((t) => t.enabled && t.name !== without && (t.primary ? i.on_backup : nasHas(i, k))).length;
  const belowPolicy = (without?: string) => items.filter((i, k) => i.status !== 'orphan' && copiesOf(i, k, without) < policyFor(i)).length;
  const targetNamed = (name: unknown) =>
    demoTargets.find((t) => t.name === name) ??
    fail('not_found', `backup target ${JSON.stringify(name)} does not exist (targets: ${demoTargets.map((t) => t.name).join(', ')})`);
  const checkName = (name: string, except?: string) => {
    if (!name) fail('invalid_argument', 'a target needs a name');
    if (['local', 'both', 'everywhere'].includes(name)) fail('invalid_argument', `${JSON.stringify(name)} is reserved and cannot name a target`);
    if (demoTargets.some((t) => t.name === name && t.name !== except)) fail('already_exists', `backup target ${JSON.stringify(name)} already exists: choose another name`);
  };
  /**
   * A bucket (SPEC §3.13) as the demo's server answers: a bucket named
   * "missing" does not exist, a key id "wrong" is refused; a prefix "shared"
   * belongs to another store (read only). The key itself is never kept.
   */
  const field = (argument: string, message: string): never => {
    throw { code: 'invalid_argument', message, details: { usage: 'target add --s3', argument, value: null } } satisfies WireError;
  };
  const remote = (target: string, l: S3Location, problem: 'credentials' | 'bucket_missing', message: string): never => {
    throw { code: 'backup_not_connected', message: `target ${JSON.stringify(target)} (${l.endpoint}): ${message}`, details: { target, endpoint: l.endpoint, problem } } satisfies WireError;
  };
  const bucketTest = (name: string, l: S3Location, key: S3Key | null, checkNew: boolean): TargetTest => {
    if (checkNew) {
      try {
        checkName(name);
      } catch (e) {
        field('name', (e as WireError).message);
      }
    }
    if (!/^https?:\/\/./.test(l.endpoint)) field('endpoint', `S3 endpoint ${JSON.stringify(l.endpoint)} is not an http(s) URL: give it as https://host[:port] (for example https://s3.eu-central-1.amazonaws.com)`);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(l.bucket)) field('bucket', `bucket name ${JSON.stringify(l.bucket)} is not valid: 3–63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`);
    if (key?.access_key_id === 'wrong') remote(name, l, 'credentials', 'the server refused the access key (unknown key id or wrong secret): check the key for this target');
    if (l.bucket === 'missing') remote(name, l, 'bucket_missing', `bucket ${JSON.stringify(l.bucket)} does not exist on this server: create it, or correct the bucket name`);
    const readOnly = l.prefix === 'shared';
    return {
      name,
      kind: 's3',
      path: `s3://${l.bucket}${l.prefix ? `/${l.prefix}` : ''}`,
      credentials: key ? null : 'keyring',
      checks: [
        `an access key was found (${key ? 'as typed here' : 'the OS keyring'})`,
        `${l.endpoint} answers, the key is accepted and bucket ${JSON.stringify(l.bucket)} exists`,
        readOnly ? 'the prefix belongs to another store: listing and reading only (nothing is written there)' : 'the key may list, write, read and delete under the prefix',
        `${readOnly ? 12 : 0} blob(s) listed`,
      ],
      read_only: readOnly,
      blobs: readOnly ? 12 : 0,
    };
  };
  const change = (t: TargetSummary, over: Partial<TargetChange> = {}): TargetChange => ({
    name: t.name,
    old_name: null,
    path: t.path,
    backup_id: t.primary ? 'b7c1' : `id-${t.name.length}`,
    initialized: false,
    blobs: 0,
    blobs_below_policy: 0,
    ...over,
  });

  /**
   * A workflow that needs one model of each status the store can give: a
   * local checkpoint (by hash), a LoRA only on the backup, a missing model
   * with a URL, one that is nowhere, a name two LoRAs share, and a custom node.
   */
  const workflowCheck = (path: string, ui: string | null): WorkflowCheck => {
    if (!/\.(json|png|txt)$/i.test(path)) fail('not_found', `${path} does not exist`);
    if (ui !== null && ui !== 'comfyui' && ui !== 'forge') fail('not_found', `UI target ${JSON.stringify(ui)} does not exist (targets: comfyui, forge)`);
    const local = items.find((i) => i.kind === 'checkpoint' && i.on_local)!;
    const parked = items.find((i) => i.kind === 'lora' && i.location === 'backup_only') ?? items.find((i) => i.location === 'backup_only')!;
    const lost = items.find((i) => i.status === 'missing' && i.has_download_url);
    const loras = items.filter((i) => i.kind === 'lora' && i.on_local).slice(0, 2);
    const node = (id: number, n: string, input: string | null) => [{ id: String(id), node: n, input }];
    const blob = (i: InventoryItem, by: 'hash' | 'name') => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, size_bytes: i.size_bytes, matched_by: by });
    const cand = (i: InventoryItem) => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, matched_by: 'name' as const, on_local: i.on_local, on_targets: i.on_backup ? ['backup'] : [], rejected: null });
    const base = { name_warning: null, hash: null, url: null, url_source: null, directory: null, blob: null, on_targets: [], linked: null, candidates: [], notes: [] };
    const models: RequiredModel[] = [
      { ...base, name: local.display_name, kind: 'checkpoint', status: 'present', used_by: node(4, 'CheckpointLoaderSimple', 'ckpt_name'), hash: { value: local.sha256, algorithm: 'sha256', checked: true }, blob: blob(local, 'hash'), on_targets: local.on_backup ? ['backup'] : [], linked: ui === null ? null : local.active_in_uis.includes(ui), candidates: [{ ...cand(local), matched_by: 'hash' }] },
      { ...base, name: `SDXL/${parked.display_name}`, kind: parked.kind, status: 'on_backup', used_by: node(7, 'LoraLoader', 'lora_name'), blob: blob(parked, 'name'), on_targets: ['backup'], candidates: [cand(parked)] },
      ...(lost ? [{ ...base, name: lost.display_name, kind: lost.kind, status: 'downloadable' as const, used_by: node(9, 'VAELoader', 'vae_name'), url: `https://huggingface.co/demo/resolve/main/${lost.display_name}`, url_source: 'pack_lock' as const, blob: blob(lost, 'name'), candidates: [cand(lost)] }] : []),
      { ...base, name: 'controlnet-depth-sdxl-1.0.safetensors', kind: 'controlnet', status: 'missing', used_by: node(12, 'ControlNetLoader', 'control_net_name') },
      ...(loras.length === 2 ? [{ ...base, name: 'detail.safetensors', kind: 'lora' as const, status: 'ambiguous' as const, used_by: node(15, 'LoraLoaderModelOnly', 'lora_name'), candidates: loras.map(cand) }] : []),
      { ...base, name: 'face_yolov8m.pt', kind: 'unknown', status: 'unrecognised', used_by: node(21, 'UltralyticsDetectorProvider', null), notes: ['named by a node Synapse does not know; add it to config.json workflow.loaders to resolve it'] },
    ];
    const counts = { present: 0, on_backup: 0, downloadable: 0, missing: 0, ambiguous: 0, unrecognised: 0 };
    for (const m of models) counts[m.status]++;
    return { file: path, format: 'comfyui_ui', from_png: /\.png$/i.test(path), ui, models, counts, all_present: false, warnings: [] };
  };

  /** ComfyUI's model folders of the kinds the demo workflow names. */
  const KIND_FOLDERS: Partial<Record<AssetKind, string>> = { checkpoint: 'checkpoints', lora: 'loras', vae: 'vae', controlnet: 'controlnet', upscaler: 'upscale_models', text_encoder: 'text_encoders', diffusion_model: 'diffusion_models' };
  /** The plan of making the demo workflow runnable: a step per model, as the core decides them. */
  const workflowUsePlan = (path: string, ui: string): WorkflowUsePlan => {
    const check = workflowCheck(path, ui);
    const folder = ui === 'forge' ? '/home/user/stable-diffusion-webui-forge/models' : '/home/user/ComfyUI/models';
    const items: WorkflowUseItem[] = check.models.map((m) => {
      const base = { name: m.name, kind: m.kind, status: m.status, sha256: m.blob?.sha256 ?? null, display_name: m.blob?.display_name ?? null, size_bytes: null, link: `${folder}/${KIND_FOLDERS[m.kind] ?? m.kind}/${m.name}`, link_exists: false, restore_from: [], download: null, reason: null };
      switch (m.status) {
        case 'present':
          return m.linked ? { ...base, step: 'already_linked' as const, link_exists: true } : { ...base, step: 'link' as const };
        case 'on_backup':
          return { ...base, step: 'restore' as const, size_bytes: m.blob!.size_bytes, restore_from: m.on_targets };
        case 'downloadable':
          return { ...base, step: 'download' as const, size_bytes: m.blob?.size_bytes ?? null, download: { url: m.url!, host: new URL(m.url!).host, source: m.url_source ?? 'workflow', size_bytes: m.blob?.size_bytes ?? null, limit_bytes: m.blob?.size_bytes ?? 68_719_476_736, check: m.blob ? ('sha256' as const) : ('none' as const), expected_hash: m.blob?.sha256 ?? null } };
        default:
          return { ...base, step: 'not_doable' as const, link: null, reason: m.status === 'ambiguous' ? 'several models of the store fit the name: keep one, or give the workflow its hash' : m.status === 'unrecognised' ? 'named by a node Synapse does not know' : 'not in the store, on no backup target, and no http(s) URL is known' };
      }
    });
    const n = (step: WorkflowUseItem['step']) => items.filter((i) => i.step === step).length;
    const bytes = (step: WorkflowUseItem['step']) => items.filter((i) => i.step === step).reduce((s, i) => s + (i.size_bytes ?? 0), 0);
    return {
      plan: { operation: 'workflow use', store: root, store_id: '1:2', made_at: new Date().toISOString() },
      file: path,
      ui,
      label: `workflow:${path.split('/').pop()}`,
      items,
      hosts: [...new Set(items.flatMap((i) => (i.download ? [i.download.host] : [])))],
      bytes_to_restore: bytes('restore'),
      bytes_to_download: bytes('download'),
      downloads_of_unknown_size: items.filter((i) => i.download && i.download.size_bytes === null).length,
      free_space: 312_000_000_000,
      space_warning: null,
      runnable: n('not_doable') + n('clash') === 0,
      to_link: n('link'),
      to_restore: n('restore'),
      to_download: n('download'),
      already_linked: n('already_linked'),
      clashes: n('clash'),
      not_doable: n('not_doable'),
      warnings: [],
    };
  };

  let demoKeySaved = false;
  return (cmd: string, args: Record<string, unknown>): unknown => {
    const watch = watchNow();
    switch (cmd) {
      case 'app_info':
        return { version: '0.1.0', store_root: root, store_exists: !o.firstRun, demo_dir: '/home/user/.synapse/demo', backup: watch, running: [] } satisfies AppInfo;
      case 'inventory_load': {
        // Like the shell: the first rows (largest first) now, every item over the channel after the response.
        const first = Number(args.first ?? 100);
        const channel = args.onItems as { onmessage: (items: InventoryItem[]) => void };
        setTimeout(() => channel.onmessage(items), 0);
        const head = [...items].sort((a, b) => Number(b.size_bytes) - Number(a.size_bytes)).slice(0, first);
        return { items: head, total_matching: items.length, limit: first, offset: 0, summary } satisfies InventoryPage;
      }
      case 'backup_status':
        return {
          enabled: watch.enabled,
          connected: watch.connected,
          state: !watch.enabled ? 'disabled' : watch.connected ? 'connected' : 'disconnected',
          path: watch.path,
          error: watch.reason,
          backup_id: 'b7c1',
          source: summary.backup.source,
          total_blobs: summary.backup.blobs_backup_only + summary.backup.blobs_both,
          total_bytes: summary.backup.bytes_backup_only + summary.backup.bytes_synced,
          free_space: watch.connected ? 1_400_000_000_000 : null,
          total_space: watch.connected ? 2_000_000_000_000 : null,
          last_sync: summary.backup.last_sync,
          auto_backup_new: false,
          warn_before_delete_last_copy: true,
          blobs_local_only: summary.backup.blobs_local_only,
          blobs_backup_only: summary.backup.blobs_backup_only,
          blobs_both: summary.backup.blobs_both,
          bytes_local_only: summary.backup.bytes_local_only,
          bytes_backup_only: summary.backup.bytes_backup_only,
          bytes_synced: summary.backup.bytes_synced,
          queued_auto_backups: 0,
        } satisfies BackupStatus;
      case 'inventory_impacts': {
        const it = items.find((i) => i.sha256 === args.sha256) ?? fail('not_found', 'no such blob');
        return {
          sha256: it.sha256,
          display_name: it.display_name,
          status: it.status,
          location: it.location,
          size_bytes: it.size_bytes,
          used_by_packs: it.used_by_packs,
          affected_packs: it.used_by_packs.map((name) => ({ name, dependency_id: `${name.toLowerCase()}-main`, is_active: it.active_in_uis.length > 0 })),
          active_in_uis: it.active_in_uis,
          is_last_copy: it.location !== 'both',
          can_delete_safely: it.status === 'orphan' && it.location === 'both',
          warning: it.location !== 'both' ? 'This is the last copy' : null,
        } satisfies Impacts;
      }
      case 'state_status':
        return { local_packs: 14, backup_packs: 12, packs_local_only: ['Flux_Dev', 'Film_Look'], packs_backup_only: [], packs_modified: ['Juggernaut_XL'], local_bytes: 4_200_000, backup_bytes: 3_900_000, has_git: true, last_sync: summary.backup.last_sync } satisfies StateSyncStatus;
      case 'packs_list':
        return {
          packs: PACKS.map((name) => {
            const blobs = items.filter((i) => i.used_by_packs.includes(name)).slice(0, 30);
            return {
              name,
              pack_type: name.includes('LoRA') ? 'lora' : 'checkpoint',
              dependencies: blobs.length,
              blobs: blobs.map((b) => ({ dependency_id: `${b.kind}-${b.sha256.slice(0, 6)}`, sha256: b.sha256, kind: b.kind, display_name: b.display_name, size_bytes: b.size_bytes, on_local: b.on_local })),
              unresolved: 0,
              total_bytes: blobs.reduce((s, b) => s + b.size_bytes, 0),
              local_blobs: blobs.filter((b) => b.on_local).length,
              path: `${root}/state/packs/${name}`,
              active_in: blobs.some((b) => b.active_in_uis.length > 0) ? ['comfyui'] : [],
            };
          }),
          pack_errors: [],
        } satisfies PackList;
      case 'settings_get':
        return {
          store_root: root,
          backup: { enabled: watch.enabled, path: summary.backup.path, auto_backup_new: false, warn_before_delete_last_copy: true },
          ui_targets: [{ name: 'comfyui', kind: 'comfyui', path: '/home/user/ComfyUI' }],
        } satisfies Settings;
      case 'ui_targets':
        return {
          ui_targets: [
            {
              name: 'comfyui',
              kind: 'comfyui',
              path: '/home/user/ComfyUI',
              exists: true,
              folders: {},
              active_links: items.filter((i) => i.active_in_uis.length > 0).length,
              active_packs: [...new Set(items.filter((i) => i.active_in_uis.length > 0).flatMap((i) => i.used_by_packs))].sort(),
            },
            { name: 'forge', kind: 'forge', path: '/home/user/stable-diffusion-webui-forge', exists: true, folders: {}, active_links: 0, active_packs: [] },
          ],
        } satisfies UiTargetList;
      case 'pack_use_plan': {
        const restore = items
          .filter((i) => i.used_by_packs.includes(String(args.name)) && i.location === 'backup_only')
          .map((i) => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, size_bytes: i.size_bytes }));
        const preview = {
          pack: String(args.name),
          dry_run: true,
          ui_targets: [String(args.ui ?? 'comfyui')],
          linked: [],
          already_linked: [],
          skipped: [],
          restored_blobs: restore,
          bytes_restored: restore.reduce((s, i) => s + i.size_bytes, 0),
          free_space: restore.length > 0 ? 75_000_000_000 : null,
          space_warning: null,
          skipped_changes: [],
        } satisfies UseResult;
        return {
          plan: { operation: 'use', store: root, store_id: '1:2', made_at: new Date().toISOString() },
          pack: String(args.name),
          ui: args.ui == null ? null : String(args.ui),
          preview,
        } satisfies UsePlan;
      }
      case 'pack_use_apply':
        return { ...(args.plan as UsePlan).preview, dry_run: false } satisfies UseResult;
      case 'pack_unuse':
        return { pack: String(args.name), dry_run: false, removed: [], kept_for_other_packs: [], already_gone: [], changed: [], dirs_removed: [] } satisfies UnuseResult;
      case 'cleanup_plan': {
        const orphans = items.filter((i) => i.status === 'orphan' && i.on_local).map((i) => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, size_bytes: i.size_bytes, on_backup: i.on_backup }));
        const partial_files = [{ path: `${root}/data/tmp/3f9a0c1e5b7d4f2a9c8e6b4d2f0a1c3e.part`, size_bytes: 1_200_000_000 }];
        const bytes = orphans.reduce((s, x) => s + x.size_bytes, 0) + partial_files[0].size_bytes;
        return { plan: { operation: 'cleanup', store: root, store_id: '1:2', made_at: new Date().toISOString() }, orphans_found: orphans.length, orphans, partial_files, bytes_to_free: bytes, left_alone: [] } satisfies CleanupPlan;
      }
      case 'cleanup_apply': {
        const plan = args.plan as CleanupPlan;
        return { dry_run: false, orphans_found: plan.orphans_found, orphans_deleted: plan.orphans.length, bytes_freed: plan.bytes_to_free, bytes_to_free: plan.bytes_to_free, orphans: plan.orphans, deleted: plan.orphans, partial_files: plan.partial_files, partial_files_deleted: plan.partial_files.length, left_alone: [], skipped: [], errors: [] } satisfies CleanupResult;
      }
      case 'sync_plan':
      case 'sync_apply': {
        const local = items.filter((i) => i.location === 'local_only');
        const bytes = local.reduce((s, i) => s + i.size_bytes, 0);
        const dry_run = cmd === 'sync_plan';
        const preview = {
          dry_run,
          direction: 'to_backup',
          only_missing: true,
          blobs_to_sync: local.length,
          bytes_to_sync: bytes,
          blobs_synced: dry_run ? 0 : local.length,
          bytes_synced: dry_run ? 0 : bytes,
          items: local.map((i) => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, size_bytes: i.size_bytes })),
          space_warning: null,
          free_space: 1_400_000_000_000,
          already_synced: local.length === 0,
          orphans_skipped: 0,
          bytes_orphans_skipped: 0,
          cancelled: false,
          skipped: [],
          auto_backup: null,
          errors: [],
        } satisfies SyncResult;
        if (!dry_run) return preview;
        return {
          plan: { operation: 'sync', store: root, store_id: '1:2', made_at: new Date().toISOString() },
          options: { direction: 'to_backup', only_missing: true, dry_run: true, include_orphans: false },
          preview,
        } satisfies SyncPlan;
      }
      // targets and policy (settings)
      case 'target_list':
        return { targets: demoTargets.map((t) => ({ ...t })), policy: structuredClone(policy), blobs_below_policy: belowPolicy() } satisfies TargetList;
      case 'target_add': {
        const name = String(args.name ?? '').trim();
        const path = String(args.path ?? '').trim();
        checkName(name);
        if (!path.startsWith('/')) fail('invalid_argument', `${path}: choose the folder with Browse…, or type its full path`);
        if (demoTargets.some((t) => t.path === path)) fail('already_exists', `${path} is already the folder of another target`);
        const t: TargetSummary = { name, primary: false, kind: 'folder', enabled: true, connected: true, source: 'live', path, state: 'connected', error: null, blobs: 0, bytes: 0, last_sync: null, free_bytes: 58_000_000_000, total_bytes: 64_000_000_000 };
        demoTargets.push(t);
        onState.set(name, 'connected');
        return change(t, { initialized: true }) satisfies TargetChange;
      }
      case 'target_test_location':
        return bucketTest(String(args.name ?? '').trim(), args.location as S3Location, (args.credentials as S3Key | null) ?? null, true) satisfies TargetTest;
      case 'target_add_s3': {
        const name = String(args.name ?? '').trim();
        const l = args.location as S3Location;
        const found = bucketTest(name, l, (args.credentials as S3Key | null) ?? null, true);
        if (demoTargets.some((t) => t.s3 && t.s3.endpoint === l.endpoint && t.s3.bucket === l.bucket && t.s3.prefix === l.prefix)) fail('invalid_argument', `refused: ${found.path} is a target already: one place holds one copy. Use another bucket or prefix`);
        const t: TargetSummary = { name, primary: false, kind: 's3', enabled: true, connected: true, source: 'live', path: found.path, state: 'connected', error: null, blobs: found.blobs, bytes: found.blobs * 2_000_000_000, last_sync: null, free_bytes: null, total_bytes: null, s3: { ...l }, read_only: found.read_only };
        demoTargets.push(t);
        onState.set(name, 'connected');
        return change(t, { initialized: !found.read_only, blobs: found.blobs, read_only: found.read_only }) satisfies TargetChange;
      }
      case 'target_test': {
        const t = targetNamed(args.name);
        if (!t.s3) return { name: t.name, kind: 'folder', path: t.path, credentials: null, checks: ['the folder answers and holds a Synapse backup that is this target\'s'], read_only: false, blobs: t.blobs } satisfies TargetTest;
        return { ...bucketTest(t.name, t.s3, null, false), blobs: t.blobs } satisfies TargetTest;
      }
      case 'target_set_key':
      case 'target_forget_key': {
        const t = targetNamed(args.name);
        if (!t.s3) fail('invalid_argument', `target ${JSON.stringify(t.name)} is a folder: only bucket targets have keys`);
        return null;
      }
      case 'target_remove': {
        const t = targetNamed(args.name);
        if (t.primary) fail('invalid_argument', `${JSON.stringify(t.name)} is the original program's backup (config.json), which it shares with this store: turn it off in the backup settings instead of removing it`);
        const short = belowPolicy(t.name) - belowPolicy();
        const first = items.find((i, k) => i.status !== 'orphan' && copiesOf(i, k, t.name) < policyFor(i) && copiesOf(i, k) >= policyFor(i));
        if (short > 0 && !args.force) {
          throw {
            code: 'below_min_copies',
            message: `refused: removing the backup target ${JSON.stringify(t.name)} would leave ${short} blob(s) with fewer good copies than the copies policy asks (first: ${first?.display_name ?? '?'}, which needs ${first ? policyFor(first) : policy.min_copies}). Copy them to another target first, or confirm removing it anyway; nothing on the target is deleted either way`,
            details: { target: t.name, targets: [] },
          } satisfies WireError;
        }
        demoTargets.splice(demoTargets.indexOf(t), 1);
        scrub.last = scrub.last.filter((r) => r.target !== t.name);
        return change(t, { blobs_below_policy: Math.max(short, 0) }) satisfies TargetChange;
      }
      case 'target_rename': {
        const t = targetNamed(args.name);
        const next = String(args.newName ?? '').trim();
        checkName(next, t.name);
        const old = t.name;
        onState.set(next, onState.get(old) ?? 'connected');
        t.name = next;
        for (const r of scrub.last) if (r.target === old) r.target = next;
        return change(t, { old_name: old }) satisfies TargetChange;
      }
      case 'target_set_enabled': {
        const t = targetNamed(args.name);
        t.enabled = Boolean(args.enabled);
        t.state = t.enabled ? (onState.get(t.name) ?? 'connected') : 'disabled';
        t.connected = t.state === 'connected';
        return change(t, { blobs_below_policy: belowPolicy() }) satisfies TargetChange;
      }
      case 'removable_drives':
        return [{ mount_point: '/media/user/SANDISK', name: 'SANDISK', free_bytes: 58_000_000_000, total_bytes: 64_000_000_000 }] satisfies RemovableDrive[];
      case 'policy_get':
        return structuredClone(policy) satisfies Policy;
      case 'policy_set': {
        const u = args.update as PolicyUpdate;
        const check = (what: string, n: number) => n > 16 && fail('invalid_argument', `${what}: ${n} copies is more than Synapse can keep track of; use 1 to 16`);
        if (u.min_copies !== null) {
          if (u.min_copies < 1) fail('invalid_argument', 'min copies must be at least 1 (1 is the last-copy rule)');
          check('min copies', u.min_copies);
          policy.min_copies = u.min_copies;
        }
        if (u.verify_max_age_days !== null) {
          if (u.verify_max_age_days < 1) fail('invalid_argument', 'the verification age must be at least 1 day');
          policy.verify_max_age_days = u.verify_max_age_days;
        }
        for (const [k, n] of Object.entries(u.kinds) as [AssetKind, number][]) {
          check(k, n);
          if (n === 0) delete policy.kinds[k];
          else policy.kinds[k] = n;
        }
        for (const [p, n] of Object.entries(u.packs)) {
          check(p, n);
          if (n === 0) delete policy.packs[p];
          else policy.packs[p] = n;
        }
        return structuredClone(policy) satisfies Policy;
      }
      case 'scrub_status':
        return structuredClone(scrub) satisfies ScrubStatus;
      case 'scrub_background_enable':
        scrub.background = { ...scrub.background, enabled: Boolean(args.enabled) };
        return structuredClone(scrub) satisfies ScrubStatus;
      // end of targets and policy (settings)
      // sync --all and scrub: the original's "backup" when connected is the one place copies can go; "Home NAS" stays unplugged.
      case 'sync_all_plan': {
        const includeOrphans = Boolean((args.options as { include_orphans?: boolean } | undefined)?.include_orphans);
        const connected = o.backup === 'connected' ? ['backup'] : [];
        const wanted = (i: InventoryItem) => i.status !== 'missing' && (includeOrphans || i.status !== 'orphan');
        const copies: PlannedCopy[] = connected.length === 0 ? [] : items
          .filter((i) => wanted(i) && i.location === 'local_only')
          .sort((a, b) => a.size_bytes - b.size_bytes)
          .map((i) => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, size_bytes: i.size_bytes, from: 'local', to: 'backup' }));
        const planned = new Set(copies.map((c) => c.sha256));
        const short: Shortfall[] = items
          .filter((i) => wanted(i) && i.location !== 'both' && !planned.has(i.sha256))
          .slice(0, 60)
          .map((i) => ({
            sha256: i.sha256,
            display_name: i.display_name,
            copies: i.copies_count,
            min_copies: 2,
            reason: i.location === 'backup_only' ? 'sync --all never writes to this disk, and no other connected target lacks it' : 'no connected target lacks it',
            would_fix: i.location === 'backup_only' ? ['Home NAS'] : connected.length === 0 ? ['backup', 'Home NAS'] : ['Home NAS'],
          }));
        const bytes = copies.reduce((s, c) => s + c.size_bytes, 0);
        return {
          plan: { operation: 'sync_all', store: root, store_id: '1:2', made_at: new Date().toISOString() },
          options: { include_orphans: includeOrphans },
          copies,
          bytes_to_copy: bytes,
          destinations: copies.length === 0 ? [] : [{ target: 'backup', bytes, free_space: 1_400_000_000_000, space_warning: null }],
          short,
          connected,
        } satisfies SyncAllPlan;
      }
      case 'sync_all_apply': {
        const plan = args.plan as SyncAllPlan;
        return { dry_run: false, plan, copied: plan.copies, bytes_copied: plan.bytes_to_copy, skipped: [], errors: [], cancelled: false } satisfies SyncAllResult;
      }
      case 'scrub_run': {
        const target = String(args.target ?? 'backup');
        const text = args.budget == null ? '' : String(args.budget).trim();
        let budget: Budget | null = null;
        if (text !== '') {
          const m = /^(\d+(?:\.\d+)?)\s*(s|min|h|MB|GB|TB)$/i.exec(text);
          if (!m) fail('invalid_argument', `budget ${JSON.stringify(text)}: use s, min or h for time, MB, GB or TB for bytes (e.g. 20min, 50GB)`);
          const n = Number(m![1]);
          const unit = m![2].toLowerCase();
          budget = unit === 's' || unit === 'min' || unit === 'h' ? { seconds: Math.round(n * (unit === 'h' ? 3600 : unit === 'min' ? 60 : 1)) } : { bytes: Math.round(n * (unit === 'tb' ? 1e12 : unit === 'gb' ? 1e9 : 1e6)) };
        }
        if (target !== 'local' && target !== 'backup') fail('backup_not_connected', `backup target ${JSON.stringify(target)} is not connected: /mnt/nas/synapse-backup does not exist (is the share mounted?)`);
        if (target === 'backup' && o.backup !== 'connected') fail('backup_not_connected', 'the backup drive is not connected: /media/user/T7/synapse-backup does not exist (is the drive plugged in and mounted?)');
        const on = items.filter((i) => (target === 'local' ? i.on_local : i.on_backup));
        const limit = budget === null ? on.length : 'bytes' in budget ? on.length : Math.min(on.length, Math.max(1, Math.floor(budget.seconds / 3)));
        let read = 0;
        const done = on.filter((i) => {
          if (budget && 'bytes' in budget && read + i.size_bytes > budget.bytes) return false;
          read += i.size_bytes;
          return true;
        }).slice(0, limit);
        const bad = done[3];
        const repair = Boolean(args.repair) && bad !== undefined && bad.location === 'both';
        return {
          target,
          budget,
          scrubbed: done.length,
          bytes_scrubbed: done.reduce((s, i) => s + i.size_bytes, 0),
          valid: done.length - (bad ? 1 : 0),
          corrupt: bad ? [{ sha256: bad.sha256, path: `${target === 'local' ? root + '/data' : '/media/user/T7/synapse-backup'}/blobs/sha256/${bad.sha256.slice(0, 2)}/${bad.sha256}`, expected: bad.sha256, actual: hex(7, 7), error: null }] : [],
          missing: [],
          left: on.length - done.length,
          stopped_by_budget: done.length < on.length,
          cancelled: false,
          repaired: repair ? [{ sha256: bad.sha256, display_name: bad.display_name, side: target, from: target === 'local' ? 'backup' : 'local', quarantined: `${root}/data/quarantine/${bad.sha256}` }] : [],
          not_repaired: bad && !repair && args.repair ? [{ sha256: bad.sha256, name: bad.display_name, reason: 'no verified good copy elsewhere: it stays where it is, marked corrupt' }] : [],
          errors: [],
          duration_ms: 4_000 + done.length * 3_000,
        } satisfies ScrubResult;
      }
      case 'repair_plan': {
        const wanted = (args.sha256 as string[] | null) ?? [];
        const found = wanted.map((s) => items.find((i) => i.sha256 === s)).filter((i): i is InventoryItem => i !== undefined);
        const fixable = found.filter((i) => i.location === 'both');
        return {
          plan: { operation: 'repair', store: root, store_id: '1:2', made_at: new Date().toISOString() },
          items: fixable.map((i) => ({ sha256: i.sha256, display_name: i.display_name, kind: i.kind, size_bytes: i.size_bytes, side: 'backup', from: 'local' })),
          bytes_to_copy: fixable.reduce((s, i) => s + i.size_bytes, 0),
          cannot: found.filter((i) => i.location !== 'both').map((i) => ({ sha256: i.sha256, name: i.display_name, reason: "its only good copy is on 'Home NAS', which is not connected" })),
          not_corrupt: [],
        } satisfies RepairPlan;
      }
      case 'repair_apply': {
        const plan = args.plan as RepairPlan;
        return {
          dry_run: false,
          plan,
          repaired: plan.items.map((i) => ({ sha256: i.sha256, display_name: i.display_name, side: i.side, from: i.from, quarantined: `/media/user/T7/synapse-backup/quarantine/${i.sha256}` })),
          bytes_copied: plan.bytes_to_copy,
          skipped: [],
          errors: [],
        } satisfies RepairResult;
      }
      case 'scrub_background_pause':
      case 'scrub_background_cancel':
        return null;
      // end of sync --all and scrub
      case 'workflow_check':
        return workflowCheck(String(args.path ?? ''), args.ui == null ? null : String(args.ui));
      case 'workflow_use_plan':
        return workflowUsePlan(String(args.path ?? ''), String(args.ui ?? 'comfyui'));
      case 'workflow_use_apply': {
        const plan = args.plan as WorkflowUsePlan;
        const doing = plan.items.filter((i) => i.step === 'link' || i.step === 'restore' || i.step === 'download');
        const link = (i: WorkflowUseItem) => ({ ui: plan.ui, pack: plan.label, dependency_id: i.name, sha256: i.sha256 ?? hex(i.name.length, 9), kind: i.kind, path: i.link ?? '', target: `${root}/data/blobs/sha256/${(i.sha256 ?? '').slice(0, 2)}/${i.sha256}` });
        return {
          file: plan.file,
          ui: plan.ui,
          label: plan.label,
          linked: doing.map(link),
          already_linked: plan.items.filter((i) => i.step === 'already_linked').map(link),
          restored: plan.items.filter((i) => i.step === 'restore').map((i) => ({ name: i.name, sha256: i.sha256!, size_bytes: i.size_bytes ?? 0, from: i.restore_from[0] ?? 'backup' })),
          downloaded: plan.items.filter((i) => i.step === 'download').map((i) => ({ name: i.name, sha256: i.sha256 ?? hex(i.name.length, 9), url: i.download!.url, size_bytes: i.size_bytes ?? 0, bytes_downloaded: i.size_bytes ?? 0, resumed_from: 0, check: i.download!.check, verified: i.download!.check !== 'none' })),
          not_doable: plan.items.filter((i) => i.step === 'not_doable').map((i) => ({ name: i.name, reason: i.reason ?? '' })),
          failed: [],
          skipped: [],
          complete: plan.runnable,
        } satisfies WorkflowUseResult;
      }
      case 'workflow_pack': {
        const check = workflowCheck(String(args.path ?? ''), args.ui == null ? null : String(args.ui));
        const pinnable = check.models.filter((m) => m.blob && (m.status === 'present' || m.status === 'on_backup' || m.status === 'downloadable') && !m.name_warning);
        const rest = check.models.filter((m) => !pinnable.includes(m));
        if (rest.length > 0 && !args.allowMissing) fail('not_found', `the pack was not written: ${rest.length} model(s) of ${check.file} do not resolve to one blob`);
        if (PACKS.includes(String(args.name))) fail('already_exists', `pack ${JSON.stringify(args.name)} already exists`);
        return {
          pack: String(args.name),
          file: check.file,
          workflow_file: `workflows/${check.file.split('/').pop()}`,
          pinned: pinnable.map((m) => ({ dependency_id: m.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase(), name: m.name, kind: m.kind, sha256: m.blob!.sha256, size_bytes: m.blob!.size_bytes, url: m.url })),
          not_pinned: rest.map((m) => ({ name: m.name, kind: m.kind, status: m.status, reason: m.status })),
        } satisfies WorkflowPackResult;
      }
      case 'identify_run': {
        // Like Civitai: two of three unnamed models are known; the answers stay in the items.
        const sel = args.selection as Selection;
        const picked =
          sel === 'all' ? items : sel === 'orphans' ? items.filter((i) => i.status === 'orphan') : sel === 'unnamed' ? items.filter((i) => !i.origin) : items.filter((i) => sel.blobs.includes(i.sha256));
        const out: IdentifyItem[] = picked.map((it, k) => {
          const known = it.metadata ?? (parseInt(it.sha256.slice(2, 4), 16) % 3 !== 0 ? demoMetadata(items.indexOf(it), it.kind, it.sha256) : null);
          if (known && !it.metadata) it.metadata = known;
          return {
            sha256: it.sha256,
            display_name: it.display_name,
            kind: it.kind,
            status: known ? 'found' : 'not_found',
            source: k % 4 === 3 ? 'cache' : 'civitai',
            metadata: known,
            manifest: null,
            message: null,
          };
        });
        const found = out.filter((i) => i.status === 'found').length;
        return {
          base_url: 'https://civitai.com',
          api_key: false,
          items: out,
          requests: out.filter((i) => i.source === 'civitai').length,
          found,
          not_found: out.length - found,
          failed: 0,
          skipped: 0,
          not_asked: 0,
          from_cache: out.filter((i) => i.source === 'cache').length,
          manifests_written: 0,
          previews_saved: out.filter((i) => i.metadata?.preview).length,
          offline: null,
          duration_ms: 300 * out.length,
        } satisfies IdentifyResult;
      }
      case 'preview_image': {
        const it = items.find((i) => i.sha256 === args.sha256);
        return it?.metadata?.preview ? demoPreview(it) : null;
      }
      case 'civitai_info':
        return { base_url: 'https://civitai.com', base_url_from: null, key_saved: demoKeySaved, key_from_env: false, problem: null } satisfies CivitaiInfo;
      case 'civitai_key_set': {
        const key = args.key == null ? null : String(args.key).trim();
        if (key !== null && (key === '' || /\s/.test(key))) fail('invalid_argument', 'the API key is empty or contains spaces or control characters: paste it again from civitai.com (Account settings → API keys)');
        demoKeySaved = key !== null;
        return { base_url: 'https://civitai.com', base_url_from: null, key_saved: demoKeySaved, key_from_env: false, problem: null } satisfies CivitaiInfo;
      }
      case 'blob_delete':
        return fail('backup_not_connected', 'preview: the mocked backend does not delete anything');
      case 'plugin:event|listen':
      case 'plugin:event|unlisten':
        return 0;
      default:
        return fail('io', `preview: command ${cmd} is not mocked`);
    }
  };
}
