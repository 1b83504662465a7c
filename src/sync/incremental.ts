/**
 * Incremental planning: what a full plan would say, computed from what changed since the last one.
 *
 * A full plan pairs every desired resource with the live one and compares them (tens of thousands of comparisons,
 * after listing the whole control plane). Between two commits almost nothing changes, and a process that keeps the
 * live state it last listed (and wrote) knows, for every subject, whether desired and live agreed after its last run:
 * they did, except for the subjects the drift left after that run names. So a subject can only need a write now if
 * its desired object changed since then, or it was already out of sync. Planning those subjects alone against the
 * same live state gives the same creates, updates and deletes as the full plan would, at the cost of the change.
 *
 * The planner never lists anything: whether the live state it is given can be trusted (listed, then kept up to date
 * by the writes that followed) is the caller's business, and so is falling back to a full plan when it cannot.
 * Pure functions of their arguments.
 */
import { classifyDrift, driftReportOf, type DriftOptions, type DriftReport } from "../diff/drift.js";
import { sameNormalized } from "../diff/normalize.js";
import { planChanges, type Plan, type PlanOptions } from "../diff/plan.js";
import { compareWriteOrder } from "../kuma/order.js";
import { parseSubject } from "../model/key.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { desiredOf, type DesiredState, type MeshDesired } from "../desired/index.js";
import { meshesLeaving } from "./meshes.js";
import { isActionable } from "./remaining.js";

export interface IncrementalInput {
  /** The desired state the last run planned (and completely applied). */
  readonly previous: DesiredState;
  readonly next: DesiredState;
  /** The live state as last listed, kept up to date by every write since: by subject. */
  readonly live: ReadonlyMap<string, JsonObject>;
  /** Subjects the drift left after the last run calls missing, modified or orphaned: desired and live disagreed. */
  readonly outOfSync: Iterable<string>;
  readonly options: PlanOptions;
}

export interface IncrementalPlan {
  /** The plan of `subjects`: its creates, updates and deletes are a full plan's; its unchanged entries are only theirs. */
  readonly plan: Plan;
  /** Every subject planned: the changed ones and the ones out of sync. */
  readonly subjects: ReadonlySet<string>;
  /** How many subjects' desired objects changed (appeared, disappeared, or became a different object). */
  readonly changed: number;
}

/**
 * The subjects whose desired object is not the same in `next` as in `previous`: new, removed, or different after
 * normalization. Meshes built from the very same inputs are the same object in both and are skipped whole; in a
 * rebuilt mesh an object is compared with its predecessor (identity first, then normalized content), so a default
 * policy that a changed skip list adds or removes, or a new ownership label, counts, and a file that was only
 * reformatted does not. A mesh updated from the build before (a few files of it changed) names its changed subjects.
 */
export function changedSubjects(previous: DesiredState, next: DesiredState): Set<string> {
  const changed = new Set<string>();
  const compareMesh = (before: MeshDesired | undefined, after: MeshDesired | undefined) => {
    if (before === after) return;
    if (before && after?.update?.from === before.serial) {
      // Updated from `before`: the subjects it names are the only ones whose object is not the very same.
      for (const [subject, old] of after.update.changes) {
        const resource = after.byKey.get(subject);
        if (old !== resource && (!old || !resource || !sameDesired(old, resource))) changed.add(subject);
      }
      return;
    }
    for (const [subject, resource] of after?.byKey ?? []) {
      const old = before?.byKey.get(subject);
      if (old !== resource && (!old || !sameDesired(old, resource))) changed.add(subject);
    }
    for (const subject of before?.byKey.keys() ?? []) if (!after?.byKey.has(subject)) changed.add(subject);
  };
  for (const [mesh, after] of next.meshes) compareMesh(previous.meshes.get(mesh), after);
  for (const [mesh, before] of previous.meshes) if (!next.meshes.has(mesh)) compareMesh(before, undefined);
  return changed;
}

/** Plans the changed and the out-of-sync subjects of `next` against the live state. */
export function planIncremental(input: IncrementalInput): IncrementalPlan {
  const changed = changedSubjects(input.previous, input.next);
  const subjects = new Set(changed);
  for (const subject of input.outOfSync) subjects.add(subject);
  withWholeRemovedMeshes(subjects, input.next, input.live);
  const { desired, live } = restrictTo(subjects, input.next, input.live);
  return { plan: planChanges(desired, live, input.options), subjects, changed: changed.size };
}

/**
 * The drift after a run that planned (and applied) `subjects`, given the drift after the run before: the items of
 * other subjects stand (neither their desired nor their live state changed), and `subjects` are classified again
 * against the live state as it is now. Items in write order, as classifyDrift gives them.
 */
export function updateDrift(
  previous: DriftReport,
  subjects: ReadonlySet<string>,
  next: DesiredState,
  live: ReadonlyMap<string, JsonObject>,
  options: DriftOptions,
): DriftReport {
  const { desired, live: liveObjects } = restrictTo(subjects, next, live);
  const fresh = classifyDrift(desired, liveObjects, options);
  const items = previous.items.filter((item) => !subjects.has(item.resource));
  for (const item of fresh.items) items.push(item);
  items.sort(compareWriteOrder);
  const leftAlone = previous.leftAlone.filter((item) => !subjects.has(item.resource));
  for (const item of fresh.leftAlone) leftAlone.push(item);
  return driftReportOf(items, leftAlone);
}

/** The subjects a drift report says need a write (or a delete, when pruning): everything but unmanaged resources. */
export function outOfSyncSubjects(report: DriftReport): string[] {
  return report.items.filter((item) => isActionable(item.kind)).map((item) => item.resource);
}

/**
 * Adds to `subjects` everything the control plane and the desired state hold in a mesh whose Mesh is planned while no
 * longer desired. Deleting a Mesh deletes everything in it (FACTS §2.9), so the planner deletes it only when nothing
 * else in it stays (diff/plan.ts): what meshops does not own, a resource kept by the prune opt-out, a desired resource.
 * Planned alone, the Mesh would look empty. Rare (a mesh leaving the repository): only then is the live state walked.
 */
function withWholeRemovedMeshes(subjects: Set<string>, next: DesiredState, live: ReadonlyMap<string, JsonObject>): void {
  const planned: string[] = [];
  for (const subject of subjects) {
    const key = parseSubject(subject);
    if (key?.type === "Mesh" && live.has(subject)) planned.push(key.mesh);
  }
  const removed = meshesLeaving(next, planned);
  if (removed.size === 0) return;
  for (const subject of live.keys()) {
    const key = parseSubject(subject);
    if (key && removed.has(key.mesh)) subjects.add(subject);
  }
  for (const mesh of removed) for (const subject of next.meshes.get(mesh)?.byKey.keys() ?? []) subjects.add(subject);
}

function restrictTo(subjects: Iterable<string>, next: DesiredState, live: ReadonlyMap<string, JsonObject>): { desired: Resource[]; live: JsonObject[] } {
  const desired: Resource[] = [];
  const liveObjects: JsonObject[] = [];
  for (const subject of subjects) {
    const resource = desiredOf(next, subject);
    if (resource) desired.push(resource);
    const object = live.get(subject);
    if (object) liveObjects.push(object);
  }
  return { desired, live: liveObjects };
}

/** Same desired object: what it would PUT compares equal, and it comes from the same place (repository or default). */
function sameDesired(a: Resource, b: Resource): boolean {
  return a.origin === b.origin && sameNormalized(a.object, b.object);
}
