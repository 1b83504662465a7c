/**
 * Per-mesh views of a sync: each Mesh is a tenant, so the daemon reports, isolates failures and picks the drift mode
 * mesh by mesh, and a Mesh leaving the repository takes its whole mesh with it. Pure functions over plans, change sets,
 * drift reports and the desired state; the counting is diff/'s `tally`, the grouping its `groupBy`.
 */
import type { DriftMode, RepoConfig } from "../config/repoConfig.js";
import { desiredOf, type DesiredState } from "../desired/index.js";
import type { DriftReport } from "../diff/drift.js";
import { groupBy, keyOfLive, tally } from "../diff/pair.js";
import type { Plan } from "../diff/plan.js";
import { subjectOf } from "../model/key.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { controlPlaneDefaultOf } from "../kuma/naming.js";
import { compareText } from "../model/order.js";
import { OUTCOMES, type ChangeSet } from "./apply.js";

/**
 * The drift mode of a mesh. The --drift-mode flag wins over meshops.yaml for every mesh: it is the operator's switch
 * (during an incident, `--drift-mode report` must stop all self-healing at once). Without it, the mesh's own entry
 * in meshops.yaml, then the repository's default.
 */
export function driftModeOf(mesh: string, config: RepoConfig, flag: DriftMode | undefined): DriftMode {
  return flag ?? config.drift.meshes[mesh] ?? config.drift.mode;
}

/** Every mesh a sync is about: the desired ones and any that shows up in the plan or the drift. Sorted. */
export function meshesOf(desired: DesiredState, plan: Plan | undefined, drift: DriftReport | undefined): string[] {
  const names = new Set<string>(desired.meshes.keys());
  for (const c of plan?.changes ?? []) names.add(c.mesh);
  for (const i of drift?.items ?? []) names.add(i.mesh);
  return [...names].sort();
}

/**
 * The one answer to "is this Mesh leaving?": the meshes among `before` whose Mesh `next` does not define, in the order
 * of `before`. Pruning such a Mesh deletes everything in it (FACTS §2.9), so whoever must see the whole mesh first asks
 * here, passing the Meshes it knows were there:
 * - compare() (sync/reconcile.ts): the live Meshes this instance owns, to ask the control plane which of them hold kinds
 *   meshops does not read (sync/live.ts `meshesHoldingUnreadKinds`);
 * - the incremental planner (sync/incremental.ts): the live Meshes among the subjects it plans, to plan their whole
 *   mesh with them;
 * - the daemon (daemon/reconciler.ts): the Meshes its previous desired state defined (`meshesDefinedBy`), to compare in
 *   full when one left, as only compare() asks about the unread kinds.
 */
export function meshesLeaving(next: DesiredState, before: Iterable<string>): Set<string> {
  const leaving = new Set<string>();
  for (const mesh of before) if (!definesMesh(next, mesh)) leaving.add(mesh);
  return leaving;
}

/** The meshes whose Mesh the desired state defines, in its order (it also holds meshes it only uses, as `default`). */
export function* meshesDefinedBy(desired: DesiredState): Generator<string> {
  for (const mesh of desired.meshes.keys()) if (definesMesh(desired, mesh)) yield mesh;
}

function definesMesh(desired: DesiredState, mesh: string): boolean {
  return desiredOf(desired, subjectOf({ type: "Mesh", mesh, name: mesh })) !== undefined;
}

export interface MeshApplyResult {
  readonly applied: number;
  readonly failed: number;
  readonly skipped: number;
  /** `resource: message` of each failed change (skipped ones only say an earlier change failed). */
  readonly errors: readonly { readonly resource: string; readonly message: string }[];
}

/** What happened to each mesh's changes. Meshes without changes are absent. */
export function applyResultsByMesh(changes: ChangeSet): Map<string, MeshApplyResult> {
  const byMesh = new Map<string, MeshApplyResult>();
  for (const [mesh, results] of groupBy(changes.results, (r) => r.change.mesh)) {
    const errors = results.filter((r) => r.outcome === "failed").map((r) => ({ resource: r.change.resource, message: r.error ?? "failed" }));
    byMesh.set(mesh, { ...tally(results, (r) => r.outcome, OUTCOMES), errors });
  }
  return byMesh;
}

/** Desired resources per mesh (for the resource gauges). */
export function desiredCountsByMesh(desired: DesiredState): Map<string, number> {
  return new Map([...desired.meshes].map(([mesh, m]) => [mesh, m.resources.length]));
}

/**
 * One warning per Mesh the control plane has whose `skipCreatingInitialPolicies` the desired state extends while the
 * default policies it would have skipped are there: the list is read only when a Mesh is created (FACTS §1.5, §1.1:
 * an update does not ensure the defaults), so they stay. Named, with what to do; none once the list is applied. One
 * this instance owns is not named: meshops manages it (prune deletes it, drift shows it orphaned).
 */
export function skipListsWithoutEffect(desired: readonly Resource[], live: readonly JsonObject[], systemNamespaces: readonly string[], owned: (object: JsonObject) => boolean): string[] {
  const liveMeshes = new Map<string, JsonObject>();
  for (const o of live) if (o.type === "Mesh" && typeof o.name === "string") liveMeshes.set(o.name, o);
  const newlySkipped = new Map<string, (type: string) => boolean>();
  for (const r of desired) {
    const before = r.type === "Mesh" ? liveMeshes.get(r.name) : undefined;
    if (before === undefined) continue;
    const now = skipListOf(r.object);
    const was = skipListOf(before);
    const skips = (list: readonly unknown[], type: string) => list.includes("*") || list.includes(type);
    if (grew(now, was)) newlySkipped.set(r.name, (type) => skips(now, type) && !skips(was, type));
  }
  if (newlySkipped.size === 0) return [];
  const wanted = new Set(desired.filter((r) => newlySkipped.has(r.mesh)).map(subjectOf));
  const staying = new Map<string, string[]>();
  for (const object of live) {
    const key = keyOfLive(object);
    const skipped = key ? newlySkipped.get(key.mesh) : undefined;
    if (!key || !skipped || key.type === "Mesh" || owned(object)) continue;
    const policy = controlPlaneDefaultOf(key, systemNamespaces);
    if (!policy || !skipped(policy.type) || wanted.has(subjectOf(key))) continue;
    const subjects = staying.get(key.mesh);
    if (subjects) subjects.push(subjectOf(key));
    else staying.set(key.mesh, [subjectOf(key)]);
  }
  return [...staying]
    .sort(([a], [b]) => compareText(a, b))
    .map(
      ([mesh, subjects]) =>
        `Mesh/${mesh}: skipCreatingInitialPolicies acts only when a Mesh is created, so the control plane keeps the default policies it made for this one: ` +
        `${subjects.sort(compareText).join(", ")} (delete them, or define them in the repository to manage them)`,
    );
}

function skipListOf(mesh: JsonObject): readonly unknown[] {
  const list = mesh.skipCreatingInitialPolicies;
  return Array.isArray(list) ? list : [];
}

/** Whether a skip list names an entry the one before did not. */
const grew = (now: readonly unknown[], was: readonly unknown[]): boolean => now.some((entry) => !was.includes(entry));

/**
 * The meshes whose Mesh's `skipCreatingInitialPolicies` grew from the `previous` build to `next` (or a Mesh new to the
 * build, with a list, that the control plane has already: made there, with its defaults): what the daemon's
 * incremental plan hands to a full comparison, which says what the list leaves behind (skipListsWithoutEffect). A Mesh
 * new to both is created with its list, which then acts.
 */
export function skipListsExtended(previous: DesiredState, next: DesiredState, isLive: (mesh: string) => boolean): string[] {
  const out: string[] = [];
  for (const [mesh, built] of next.meshes) {
    const before = previous.meshes.get(mesh);
    if (before === built) continue;
    const subject = subjectOf({ type: "Mesh", mesh, name: mesh });
    const now = built.byKey.get(subject)?.object;
    if (now === undefined) continue;
    const was = before?.byKey.get(subject)?.object;
    if (was === undefined && !isLive(mesh)) continue;
    if (grew(skipListOf(now), was === undefined ? [] : skipListOf(was))) out.push(mesh);
  }
  return out;
}
