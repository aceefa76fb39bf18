/** Test data built from the generated wire types (never hand-copied shapes). */
import type { InventoryItem, InventorySummary, Impacts, TargetSummary, TargetTest, BlobStatus, Location, AssetKind, UiTargetInfo, UsePlan, UseResult } from '$lib/api';
import type { IdentifyItem, IdentifyResult, ModelMetadata } from '$lib/api';
import type { Candidate, RequiredModel, StatusCounts, WorkflowCheck, WorkflowUseItem, WorkflowUsePlan, WorkflowUseResult } from '$lib/api';

let n = 0;

export function sha(i: number): string {
  return i.toString(16).padStart(8, '0').repeat(8);
}

export function item(over: Partial<InventoryItem> = {}): InventoryItem {
  n++;
  const location: Location = over.location ?? 'both';
  return {
    sha256: sha(n),
    kind: 'checkpoint' as AssetKind,
    display_name: `model_${n}.safetensors`,
    size_bytes: 1_000_000 * n,
    status: 'referenced' as BlobStatus,
    location,
    on_local: location === 'both' || location === 'local_only',
    on_backup: location === 'both' || location === 'backup_only',
    used_by_packs: ['PackA'],
    ref_count: 1,
    origin: null,
    active_in_uis: [],
    verified: null,
    verified_at: null,
    has_download_url: false,
    copies: copiesOf(location),
    copies_count: location === 'both' ? 2 : location === 'nowhere' ? 0 : 1,
    min_copies: 1,
    ...over,
  };
}

/** The good copies a location means (the backup one seen live). */
export function copiesOf(location: Location): InventoryItem['copies'] {
  const copy = (target: string) => ({ target, verified_at: null, source: 'live' as const, corrupt: false });
  if (location === 'both') return [copy('local'), copy('backup')];
  if (location === 'local_only') return [copy('local')];
  if (location === 'backup_only') return [copy('backup')];
  return [];
}

export function summary(over: Partial<InventorySummary> = {}): InventorySummary {
  return {
    blobs_total: 4,
    blobs_referenced: 2,
    blobs_orphan: 1,
    blobs_missing: 0,
    blobs_backup_only: 1,
    blobs_corrupt: 0,
    blobs_below_policy: 0,
    cleanup_orphans: 1,
    cleanup_bytes: 500_000_000,
    bytes_total: 4_000_000_000,
    bytes_referenced: 3_000_000_000,
    bytes_orphan: 500_000_000,
    bytes_by_kind: {},
    pack_errors: [],
    disk: { path: '/store', total_bytes: 500_000_000_000, free_bytes: 200_000_000_000 },
    backup: {
      enabled: true,
      connected: true,
      source: 'live',
      path: '/media/backup',
      blobs_local_only: 1,
      blobs_backup_only: 1,
      blobs_both: 2,
      bytes_local_only: 100_000_000,
      bytes_backup_only: 200_000_000,
      bytes_synced: 3_000_000_000,
      last_sync: null,
    },
    targets: [
      {
        name: 'backup',
        primary: true,
        kind: 'folder',
        enabled: true,
        connected: true,
        source: 'live',
        path: '/media/backup',
        state: 'connected',
        error: null,
        blobs: 3,
        bytes: 3_200_000_000,
        last_sync: null,
        free_bytes: 500_000_000_000,
        total_bytes: 1_000_000_000_000,
      },
    ],
    ...over,
  };
}

export function impacts(it: InventoryItem, over: Partial<Impacts> = {}): Impacts {
  return {
    sha256: it.sha256,
    display_name: it.display_name,
    status: it.status,
    location: it.location,
    size_bytes: it.size_bytes,
    used_by_packs: it.used_by_packs,
    affected_packs: it.used_by_packs.map((name) => ({ name, dependency_id: `${name}-dep`, is_active: false })),
    active_in_uis: [],
    is_last_copy: it.location !== 'both',
    can_delete_safely: it.status === 'orphan' && it.location === 'both',
    warning: null,
    ...over,
  };
}

export function useResult(over: Partial<UseResult> = {}): UseResult {
  return {
    pack: 'Juggernaut_XL',
    dry_run: true,
    ui_targets: ['comfyui'],
    linked: [],
    already_linked: [],
    skipped: [],
    restored_blobs: [],
    bytes_restored: 0,
    free_space: null,
    space_warning: null,
    skipped_changes: [],
    ...over,
  };
}

/** A use plan (what the window confirms and sends back) around a preview. */
export function usePlan(preview: UseResult = useResult(), ui: string | null = 'comfyui'): UsePlan {
  return { plan: { operation: 'use', store: '/store', store_id: '1:2', made_at: '2026-12-02T10:00:00Z' }, pack: preview.pack, ui, preview };
}

export function uiTarget(over: Partial<UiTargetInfo> = {}): UiTargetInfo {
  return { name: 'comfyui', kind: 'comfyui', path: '/home/you/ComfyUI', exists: true, folders: {}, active_links: 0, active_packs: [], ...over };
}

/** A backup target beyond the original's ("Home NAS" on a NAS mount, connected). */
export function targetSummary(over: Partial<TargetSummary> = {}): TargetSummary {
  return {
    name: 'Home NAS',
    primary: false,
    kind: 'folder',
    enabled: true,
    connected: true,
    source: 'live',
    path: '/mnt/nas/synapse',
    state: 'connected',
    error: null,
    blobs: 2,
    bytes: 2_500_000_000,
    last_sync: null,
    free_bytes: 300_000_000_000,
    total_bytes: 2_000_000_000_000,
    ...over,
  };
}

/** One model of a workflow check; `blob` is filled for the statuses that have one (present, on_backup) unless given. */
export function requiredModel(over: Partial<RequiredModel> = {}): RequiredModel {
  n++;
  const status = over.status ?? 'present';
  const name = over.name ?? `model_${n}.safetensors`;
  const hasBlob = status === 'present' || status === 'on_backup';
  return {
    name,
    name_warning: null,
    kind: 'checkpoint',
    status,
    used_by: [{ id: String(n), node: 'CheckpointLoaderSimple', input: 'ckpt_name' }],
    hash: null,
    url: null,
    url_source: null,
    directory: null,
    blob: hasBlob ? { sha256: sha(n), display_name: name, kind: over.kind ?? 'checkpoint', size_bytes: 2_000_000_000, matched_by: 'name' } : null,
    on_targets: status === 'on_backup' ? ['backup'] : [],
    linked: null,
    candidates: [],
    notes: [],
    ...over,
  };
}

/** A candidate blob of a workflow model (fits unless `rejected` is given). */
export function candidate(over: Partial<Candidate> = {}): Candidate {
  n++;
  return { sha256: sha(n), display_name: `model_${n}.safetensors`, kind: 'checkpoint', matched_by: 'name', on_local: true, on_targets: [], rejected: null, ...over };
}

/** A workflow check over `models`, with the counts the core would compute. */
export function workflowCheck(models: RequiredModel[], over: Partial<WorkflowCheck> = {}): WorkflowCheck {
  const counts: StatusCounts = { present: 0, on_backup: 0, downloadable: 0, missing: 0, ambiguous: 0, unrecognised: 0 };
  for (const m of models) counts[m.status]++;
  return {
    file: '/home/you/workflows/portrait.json',
    format: 'comfyui_ui',
    from_png: false,
    ui: null,
    models,
    counts,
    all_present: models.every((m) => m.status === 'present' && m.linked !== false),
    warnings: [],
    ...over,
  };
}

/** One model of a "Make runnable" plan (a link by default). */
export function useItem(over: Partial<WorkflowUseItem> = {}): WorkflowUseItem {
  n++;
  const name = over.name ?? `model_${n}.safetensors`;
  return {
    name,
    kind: 'checkpoint',
    status: 'present',
    step: 'link',
    sha256: sha(n),
    display_name: name,
    size_bytes: null,
    link: `/home/you/ComfyUI/models/checkpoints/${name}`,
    link_exists: false,
    restore_from: [],
    download: null,
    reason: null,
    ...over,
  };
}

/** A "Make runnable" plan over `items`, with the counts and sizes the core would compute. */
export function workflowUsePlan(items: WorkflowUseItem[], over: Partial<WorkflowUsePlan> = {}): WorkflowUsePlan {
  const n = (step: WorkflowUseItem['step']) => items.filter((i) => i.step === step).length;
  const bytes = (step: WorkflowUseItem['step']) => items.filter((i) => i.step === step).reduce((s, i) => s + (i.size_bytes ?? 0), 0);
  return {
    plan: { operation: 'workflow use', store: '/store', store_id: '1:2', made_at: '2026-12-04T10:00:00Z' },
    file: '/home/you/workflows/portrait.json',
    ui: 'comfyui',
    label: 'workflow:portrait.json',
    items,
    hosts: [...new Set(items.flatMap((i) => (i.download ? [i.download.host] : [])))],
    bytes_to_restore: bytes('restore'),
    bytes_to_download: bytes('download'),
    downloads_of_unknown_size: items.filter((i) => i.download && i.download.size_bytes === null).length,
    free_space: 100_000_000_000,
    space_warning: null,
    runnable: n('clash') + n('not_doable') === 0,
    to_link: n('link'),
    to_restore: n('restore'),
    to_download: n('download'),
    already_linked: n('already_linked'),
    clashes: n('clash'),
    not_doable: n('not_doable'),
    warnings: [],
    ...over,
  };
}

/** What applying `plan` did when every step went through. */
export function workflowUseResult(plan: WorkflowUsePlan, over: Partial<WorkflowUseResult> = {}): WorkflowUseResult {
  const link = (i: WorkflowUseItem) => ({ ui: plan.ui, pack: plan.label, dependency_id: i.name, sha256: i.sha256 ?? sha(999), kind: i.kind, path: i.link ?? '', target: `/store/data/blobs/${i.sha256}` });
  return {
    file: plan.file,
    ui: plan.ui,
    label: plan.label,
    linked: plan.items.filter((i) => ['link', 'restore', 'download'].includes(i.step)).map(link),
    already_linked: plan.items.filter((i) => i.step === 'already_linked').map(link),
    restored: plan.items.filter((i) => i.step === 'restore').map((i) => ({ name: i.name, sha256: i.sha256!, size_bytes: i.size_bytes ?? 0, from: i.restore_from[0] ?? 'backup' })),
    downloaded: [],
    not_doable: plan.items.filter((i) => i.step === 'not_doable').map((i) => ({ name: i.name, reason: i.reason ?? '' })),
    failed: [],
    skipped: [],
    complete: plan.runnable,
    ...over,
  };
}

/** A bucket target (SPEC §3.13): "Cloud" on a MinIO server, online, this store's prefix. */
export function bucketTarget(over: Partial<TargetSummary> = {}): TargetSummary {
  return targetSummary({
    name: 'Cloud',
    kind: 's3',
    path: 's3://models/synapse',
    free_bytes: null,
    total_bytes: null,
    s3: { endpoint: 'http://nas.local:9000', bucket: 'models', prefix: 'synapse', region: 'us-east-1', path_style: true },
    ...over,
  });
}

/** What Test connection finds on a bucket that can be used. */
export function targetTest(over: Partial<TargetTest> = {}): TargetTest {
  return {
    name: 'Cloud',
    kind: 's3',
    path: 's3://models/synapse',
    credentials: 'keyring',
    checks: [
      'an access key was found (the OS keyring)',
      'http://nas.local:9000 answers, the key is accepted and bucket "models" exists',
      'the key may list, write, read and delete under the prefix',
      '2 blob(s) listed',
    ],
    read_only: false,
    blobs: 2,
    ...over,
  };
}

/** What Civitai said about a model (identify, SPEC §3.14). */
export function metadata(over: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    provider: 'civitai',
    model_id: 133005,
    model_name: 'Juggernaut XL',
    version_id: 456194,
    version_name: 'Jugg_X_RunDiffusion',
    model_type: 'Checkpoint',
    kind: 'checkpoint',
    base_model: 'SDXL 1.0',
    trained_words: [],
    nsfw_level: 1,
    file_id: 1,
    file_name: 'juggernautXL_juggXRundiffusion.safetensors',
    preview: null,
    fetched_at: '2026-12-04T20:00:00Z',
    ...over,
  };
}

/** One blob of an identify run. */
export function identifyItem(over: Partial<IdentifyItem> = {}): IdentifyItem {
  return { sha256: sha(900), display_name: 'model_v3_final.safetensors', kind: 'checkpoint', status: 'found', source: 'civitai', metadata: metadata(), manifest: null, message: null, ...over };
}

/** An identify run; the counts follow `items` unless given. */
export function identifyResult(items: IdentifyItem[], over: Partial<IdentifyResult> = {}): IdentifyResult {
  const count = (s: IdentifyItem['status']) => items.filter((i) => i.status === s).length;
  return {
    base_url: 'https://civitai.com',
    api_key: false,
    items,
    requests: items.filter((i) => i.source === 'civitai').length,
    found: count('found'),
    not_found: count('not_found'),
    failed: count('failed'),
    skipped: count('skipped'),
    not_asked: count('not_asked'),
    from_cache: items.filter((i) => i.source === 'cache').length,
    manifests_written: 0,
    previews_saved: 0,
    offline: null,
    duration_ms: 120,
    ...over,
  };
}
