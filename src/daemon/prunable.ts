/**
 * With prune off, what each mesh holds that meshops owns and the repository no longer has: what prune on would delete
 * (diff/plan.ts Plan.prunable), as Argo CD's "requires pruning". The reconciler keeps it per mesh and says only the
 * meshes whose set changed (events.ts `prunable.changed`), so the log has a line when it changes, not at every run.
 * Pure.
 */
import type { DriftReport } from "../diff/drift.js";
import type { NamedResource } from "../diff/plan.js";
import { groupBy } from "../diff/pair.js";

/** Per mesh, `Type/mesh/name` in delete order; a mesh with none is absent. */
export type PrunableByMesh = ReadonlyMap<string, readonly string[]>;

/**
 * A plan's prunable resources by mesh. A plan with prune on has none (they are its deletes); an incremental plan has
 * them all too, as it plans every orphaned subject again (sync/incremental.ts outOfSyncSubjects).
 */
export function prunableByMesh(prunable: readonly NamedResource[] | undefined): PrunableByMesh {
  const byMesh = groupBy(prunable ?? [], (p) => p.mesh);
  return new Map([...byMesh].map(([mesh, list]) => [mesh, list.map((p) => p.resource)]));
}

/**
 * What a drift check leaves of them: only those still orphaned (one deleted by hand goes). A drift check plans nothing,
 * and nothing becomes prunable without a commit, which a sync plans.
 */
export function stillOrphaned(previous: PrunableByMesh, report: DriftReport): PrunableByMesh {
  if (previous.size === 0) return previous;
  const orphaned = new Set(report.items.filter((i) => i.kind === "orphaned").map((i) => i.resource));
  const next = new Map<string, readonly string[]>();
  for (const [mesh, list] of previous) {
    const kept = list.filter((resource) => orphaned.has(resource));
    if (kept.length > 0) next.set(mesh, kept);
  }
  return next;
}

/** The meshes whose set differs between `previous` and `next`, each with its new set (empty: none left). */
export function changedPrunable(previous: PrunableByMesh, next: PrunableByMesh): PrunableByMesh {
  const changed = new Map<string, readonly string[]>();
  for (const mesh of new Set([...previous.keys(), ...next.keys()])) {
    const before = previous.get(mesh) ?? [];
    const after = next.get(mesh) ?? [];
    if (before.length !== after.length || before.some((resource, i) => resource !== after[i])) changed.set(mesh, after);
  }
  return changed;
}
