/**
 * Per-mesh views of a reconcile: each Mesh is a tenant, so the daemon reports, isolates failures and picks the drift
 * mode mesh by mesh. Pure functions over plans, change sets and drift reports.
 */
import type { DriftMode, RepoConfig } from "../config/repoConfig.js";
import type { DesiredState, MeshDesired } from "../desired/index.js";
import { DEFAULT_POLICIES, defaultPolicyName, initialPoliciesOf } from "../kuma/defaultPolicies.js";
import { classifyDrift, type DriftItem, type DriftKind, type DriftReport } from "../diff/drift.js";
import { indexLive, type Change, type Plan } from "../diff/plan.js";
import { subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import type { ChangeSet } from "../sync/apply.js";
import type { Comparison } from "../sync/reconcile.js";

/**
 * The drift mode of a mesh. The --drift-mode flag wins over meshops.yaml for every mesh: it is the operator's switch
 * (during an incident, `--drift-mode report` must stop all self-healing at once). Without it, the mesh's own entry
 * in meshops.yaml, then the repository's default.
 */
export function driftModeOf(mesh: string, config: RepoConfig, flag: DriftMode | undefined): DriftMode {
  return flag ?? config.drift.meshes[mesh] ?? config.drift.mode;
}

/** Drift that means the control plane no longer matches the repository (unmanaged resources are only reported). */
export function isActionable(kind: DriftKind): boolean {
  return kind !== "unmanaged";
}

/** A plan narrowed to the changes `keep` accepts, with its summary recounted. */
export function restrictPlan(plan: Plan, keep: (change: Change) => boolean): Plan {
  const changes = plan.changes.filter(keep);
  const count = (action: Change["action"]) => changes.filter((c) => c.action === action).length;
  return { changes, summary: { create: count("create"), update: count("update"), delete: count("delete"), unchanged: count("unchanged") } };
}

export function writesOf(plan: Plan): number {
  return plan.summary.create + plan.summary.update + plan.summary.delete;
}

/** Every mesh a reconcile is about: the desired ones and any that shows up in the plan or the drift. Sorted. */
export function meshesOf(desired: DesiredState, plan: Plan | undefined, drift: DriftReport | undefined): string[] {
  const names = new Set<string>(desired.meshes.keys());
  for (const c of plan?.changes ?? []) names.add(c.mesh);
  for (const i of drift?.items ?? []) names.add(i.mesh);
  return [...names].sort();
}

export interface MeshApplyResult {
  applied: number;
  failed: number;
  skipped: number;
  /** `resource: message` of each failed change (skipped ones only say an earlier change failed). */
  errors: { resource: string; message: string }[];
}

/** What happened to each mesh's changes. Meshes without changes are absent. */
export function applyResultsByMesh(changes: ChangeSet): Map<string, MeshApplyResult> {
  const byMesh = new Map<string, MeshApplyResult>();
  for (const result of changes.results) {
    let entry = byMesh.get(result.change.mesh);
    if (!entry) byMesh.set(result.change.mesh, (entry = { applied: 0, failed: 0, skipped: 0, errors: [] }));
    entry[result.outcome]++;
    if (result.outcome === "failed") entry.errors.push({ resource: result.change.resource, message: result.error ?? "failed" });
  }
  return byMesh;
}

/**
 * The drift left after an apply: the items found before it, minus those an applied change fixed. Saves listing the
 * whole control plane a second time right after writing to it.
 */
export function remainingDrift(before: DriftReport, changes: ChangeSet | undefined): DriftReport {
  const fixed = appliedResources(changes);
  const items = before.items.filter((i) => !fixed.has(i.resource));
  const count = (kind: DriftKind) => items.filter((i) => i.kind === kind).length;
  return { items, summary: { missing: count("missing"), modified: count("modified"), orphaned: count("orphaned"), unmanaged: count("unmanaged") } };
}

/**
 * What classifyDrift would say of the control plane right after applying `plan` (the same as remainingDrift of a
 * full classification), without classifying, and diffing, the tens of thousands of resources the plan found
 * unchanged: only the desired resources whose write did not go through and the live ones that are not desired
 * (orphaned or unmanaged, minus those just deleted) are classified. Plan and drift pair and normalize alike, so a
 * resource the plan left unchanged is never drift.
 */
export function driftAfterApply(comparison: Comparison, plan: Plan, changes: ChangeSet | undefined, instance: string): DriftReport {
  const applied = appliedResources(changes);
  const pending = new Set(plan.changes.filter((c) => (c.action === "create" || c.action === "update") && !applied.has(c.resource)).map((c) => c.resource));
  const desiredKeys = new Set(comparison.desired.resources.map((r) => subjectOf(r)));
  const desired = comparison.desired.resources.filter((r) => pending.has(subjectOf(r)));
  const live = [...indexLive(comparison.live)]
    .filter(([subject]) => pending.has(subject) || (!desiredKeys.has(subject) && !applied.has(subject)))
    .map(([, entry]) => entry.object);
  return classifyDrift(desired, live, { instance });
}

function appliedResources(changes: ChangeSet | undefined): Set<string> {
  return new Set((changes?.results ?? []).filter((r) => r.outcome === "applied").map((r) => r.change.resource));
}

export function driftItemsByMesh(report: DriftReport): Map<string, DriftItem[]> {
  const byMesh = new Map<string, DriftItem[]>();
  for (const item of report.items) {
    const list = byMesh.get(item.mesh);
    if (list) list.push(item);
    else byMesh.set(item.mesh, [item]);
  }
  return byMesh;
}

/** Desired resources per mesh (for the resource gauges). */
export function desiredCountsByMesh(desired: DesiredState): Map<string, number> {
  return new Map([...desired.meshes].map(([mesh, m]) => [mesh, m.resources.length]));
}

/** Inventories already counted, by mesh build: a mesh the last commit did not touch is not counted again. */
const inventories = new WeakMap<MeshDesired, { readonly materialize: boolean; readonly inventory: MeshInventory }>();

/** inventoryByMesh of a desired state built mesh by mesh, reusing the inventory of every mesh built before. */
export function inventoryOf(desired: DesiredState, config: RepoConfig): Map<string, MeshInventory> {
  const out = new Map<string, MeshInventory>();
  for (const [mesh, m] of desired.meshes) {
    let known = inventories.get(m);
    if (!known || known.materialize !== config.defaults.materialize) {
      known = { materialize: config.defaults.materialize, inventory: inventoryByMesh(m.resources, config).get(mesh) ?? { byType: {}, total: 0, defaultPolicies: [] } };
      inventories.set(m, known);
    }
    out.set(mesh, known.inventory);
  }
  return out;
}

export type DefaultPolicyState = "materialized" | "overridden" | "skipped" | "off";

export interface MeshInventory {
  /** Desired resources of the mesh (default policies included), by type. */
  readonly byType: Record<string, number>;
  readonly total: number;
  /** The four default policies of a Mesh defined in the repository, and what became of each. */
  readonly defaultPolicies: { type: string; name: string; state: DefaultPolicyState }[];
}

/** What the repository wants in each mesh, for the status page. */
export function inventoryByMesh(desired: readonly Resource[], config: RepoConfig): Map<string, MeshInventory> {
  const byMesh = new Map<string, Resource[]>();
  for (const r of desired) {
    const list = byMesh.get(r.mesh);
    if (list) list.push(r);
    else byMesh.set(r.mesh, [r]);
  }
  const out = new Map<string, MeshInventory>();
  for (const [mesh, resources] of byMesh) {
    const byType: Record<string, number> = {};
    for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const bySubject = new Map(resources.map((r) => [subjectOf(r), r]));
    const meshResource = resources.find((r) => r.type === "Mesh");
    const initial = new Set(meshResource ? initialPoliciesOf(meshResource.object) : []);
    const defaultPolicies = meshResource
      ? DEFAULT_POLICIES.map((policy) => {
          const name = defaultPolicyName(policy.prefix, mesh);
          const present = bySubject.get(subjectOf({ type: policy.type, mesh, name }));
          const state: DefaultPolicyState = !config.defaults.materialize
            ? "off"
            : present?.origin === "repository"
              ? "overridden"
              : !initial.has(policy)
                ? "skipped"
                : "materialized";
          return { type: policy.type, name, state };
        })
      : [];
    out.set(mesh, { byType, total: resources.length, defaultPolicies });
  }
  return out;
}
