/**
 * Test data for several targets: sync --all plans, scrubs, repairs and the
 * background scrub (SPEC §3.12), built from the generated wire types.
 */
import type { BackgroundScrub, PlannedCopy, RepairPlan, RepairResult, ScrubRecord, ScrubResult, ScrubStatus, SyncAllPlan, SyncAllResult } from '$lib/api';
import { sha } from './fixtures';

const stamp = (operation: string) => ({ operation, store: '/store', store_id: '1:2', made_at: '2026-12-02T10:00:00Z' });

/** One planned copy (local → Home NAS unless told). */
export function plannedCopy(over: Partial<PlannedCopy> = {}): PlannedCopy {
  return { sha256: sha(901), display_name: 'juggernaut_xl.safetensors', kind: 'checkpoint', size_bytes: 6_800_000_000, from: 'local', to: 'Home NAS', ...over };
}

/**
 * A sync --all plan: two copies to Home NAS and one to backup, one model
 * still short that the unplugged "Office USB" would fix.
 */
export function syncAllPlanFixture(over: Partial<SyncAllPlan> = {}): SyncAllPlan {
  const copies = over.copies ?? [
    plannedCopy(),
    plannedCopy({ sha256: sha(902), display_name: 'detail_tweaker.safetensors', kind: 'lora', size_bytes: 200_000_000, from: 'backup' }),
    plannedCopy({ sha256: sha(903), display_name: 'sdxl_vae.safetensors', kind: 'vae', size_bytes: 300_000_000, to: 'backup' }),
  ];
  return {
    plan: stamp('sync_all'),
    options: { include_orphans: false },
    copies,
    bytes_to_copy: copies.reduce((s, c) => s + c.size_bytes, 0),
    destinations: [
      { target: 'Home NAS', bytes: 7_000_000_000, free_space: 300_000_000_000, space_warning: null },
      { target: 'backup', bytes: 300_000_000, free_space: 500_000_000_000, space_warning: null },
    ],
    short: [
      { sha256: sha(904), display_name: 'flux_dev.safetensors', copies: 1, min_copies: 2, reason: 'only one connected target lacks it', would_fix: ['Office USB'] },
    ],
    connected: ['backup', 'Home NAS'],
    ...over,
  };
}

/** What applying `plan` did: every copy made unless told. */
export function syncAllResultFixture(plan: SyncAllPlan, over: Partial<SyncAllResult> = {}): SyncAllResult {
  return {
    dry_run: false,
    plan,
    copied: plan.copies,
    bytes_copied: plan.bytes_to_copy,
    skipped: [],
    errors: [],
    cancelled: false,
    ...over,
  };
}

/** A scrub of Home NAS that found one corrupt copy and repaired nothing. */
export function scrubResultFixture(over: Partial<ScrubResult> = {}): ScrubResult {
  return {
    target: 'Home NAS',
    budget: null,
    scrubbed: 3,
    bytes_scrubbed: 7_300_000_000,
    valid: 2,
    corrupt: [{ sha256: sha(911), path: '/mnt/nas/synapse/blobs/sha256/00/x', expected: sha(911), actual: sha(999), error: null }],
    missing: [],
    left: 0,
    stopped_by_budget: false,
    cancelled: false,
    repaired: [],
    not_repaired: [],
    errors: [],
    duration_ms: 42_000,
    ...over,
  };
}

export function scrubRecordFixture(over: Partial<ScrubRecord> = {}): ScrubRecord {
  return { target: 'Home NAS', at: '2026-12-01T08:00:00Z', scrubbed: 120, bytes_scrubbed: 90_000_000_000, corrupt: 0, left: 220, cancelled: false, background: true, duration_ms: 1_200_000, ...over };
}

export function backgroundScrubFixture(over: Partial<BackgroundScrub> = {}): BackgroundScrub {
  return { enabled: true, phase: 'running', target: 'Home NAS', reason: null, scrubbed: 12, bytes_scrubbed: 4_200_000_000, to_check: 340, corrupt: [], queued: [], ...over };
}

export function scrubStatusFixture(over: Partial<ScrubStatus> = {}): ScrubStatus {
  return { last: [scrubRecordFixture()], background: backgroundScrubFixture({ phase: 'idle', target: null, scrubbed: 0, bytes_scrubbed: 0, to_check: 0 }), ...over };
}

/** The plan of repairing the corrupt copy of `scrubResultFixture` from the local one. */
export function repairPlanFixture(over: Partial<RepairPlan> = {}): RepairPlan {
  return {
    plan: stamp('repair'),
    items: [{ sha256: sha(911), display_name: 'realvis_xl.safetensors', kind: 'checkpoint', size_bytes: 6_500_000_000, side: 'Home NAS', from: 'local' }],
    bytes_to_copy: 6_500_000_000,
    cannot: [],
    not_corrupt: [],
    ...over,
  };
}

export function repairResultFixture(plan: RepairPlan, over: Partial<RepairResult> = {}): RepairResult {
  return {
    dry_run: false,
    plan,
    repaired: plan.items.map((i) => ({ sha256: i.sha256, display_name: i.display_name, side: i.side, from: i.from, quarantined: `/mnt/nas/synapse/quarantine/${i.sha256}` })),
    bytes_copied: plan.bytes_to_copy,
    skipped: [],
    errors: [],
    ...over,
  };
}
