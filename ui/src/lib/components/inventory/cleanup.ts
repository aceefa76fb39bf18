/**
 * The cleanup review's selection (issue 11: per-item checkboxes). The plan
 * the core made is narrowed, never extended: apply deletes at most what is
 * left in it, and re-checks each item (SPEC §3.11).
 */
import type { CleanupEntry, CleanupPlan, PartialFile } from '$lib/api';
import { num } from '$lib/utils';

export type ReviewItem = { key: string; orphan: CleanupEntry | null; partial: PartialFile | null };

/** Every item of the plan, orphans first (largest first, as planned), then partial files. */
export function reviewItems(plan: CleanupPlan): ReviewItem[] {
  return [
    ...plan.orphans.map((o) => ({ key: `blob:${o.sha256}`, orphan: o, partial: null })),
    ...plan.partial_files.map((p) => ({ key: `part:${p.path}`, orphan: null, partial: p })),
  ];
}

/** The plan without the items the user unticked, its byte total recomputed. */
export function narrowCleanup(plan: CleanupPlan, excluded: ReadonlySet<string>): CleanupPlan {
  if (excluded.size === 0) return plan;
  const orphans = plan.orphans.filter((o) => !excluded.has(`blob:${o.sha256}`));
  const partial_files = plan.partial_files.filter((p) => !excluded.has(`part:${p.path}`));
  const bytes = orphans.reduce((s, o) => s + num(o.size_bytes), 0) + partial_files.reduce((s, p) => s + num(p.size_bytes), 0);
  return { ...plan, orphans, partial_files, bytes_to_free: bytes };
}
