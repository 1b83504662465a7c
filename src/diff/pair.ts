/**
 * Pairing: every subject of the desired and the live side, lined up once by key. The plan, the drift report, the plan
 * between two revisions and (through the plan) the risks all classify these pairs; none of them pairs again
 * (gitops-engine's Reconcile: align target and live, then classify).
 */
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import { DEFAULT_MESH, isGlobalType } from "../kuma/types.js";
import { GLOBAL_SCOPE, subjectOf, unitOfSubject, type ResourceKey } from "../model/key.js";
import type { JsonObject, Resource } from "../model/resource.js";

/** An object as the control plane returned it, keyed once. */
export interface LiveResource {
  readonly key: ResourceKey;
  readonly object: JsonObject;
}

/** One subject: desired, live, or both. */
export interface Pair extends ResourceKey {
  readonly subject: string;
  readonly desired?: Resource;
  readonly live?: LiveResource;
}

/** The key of an object as the control plane returns it; undefined when it has no type or name. A Mesh and a global kind have no `mesh`. */
export function keyOfLive(object: JsonObject): ResourceKey | undefined {
  const { type, name, mesh } = object;
  if (typeof type !== "string" || typeof name !== "string" || type === "" || name === "") return undefined;
  if (type === "Mesh") return { type, mesh: name, name };
  if (isGlobalType(type)) return { type, mesh: GLOBAL_SCOPE, name };
  return { type, mesh: typeof mesh === "string" && mesh !== "" ? mesh : DEFAULT_MESH, name };
}

/** Live objects by subject. An object without a type or name cannot be paired (nor safely deleted) and is left out. */
export function indexLive(live: readonly JsonObject[]): Map<string, LiveResource> {
  return runSteps(indexLiveSteps(live));
}

/** indexLive as steps (util/steps.ts), a thousand objects each. */
export function* indexLiveSteps(live: readonly JsonObject[]): Steps<Map<string, LiveResource>> {
  const byKey = new Map<string, LiveResource>();
  // No for-of over 50,000 items in a generator: in a cold process it cost 60-70 ms a loop, an index loop 3 (or forEach).
  for (let i = 0; i < live.length; i++) {
    const object = live[i] as JsonObject;
    const key = keyOfLive(object);
    const subject = key && subjectOf(key);
    if (key && subject && !byKey.has(subject)) byKey.set(subject, { key, object });
    if (stepDue(i, 1024)) yield;
  }
  return byKey;
}

/** Resources standing in for the live side (`plan --base`: the base revision's desired state), by subject. */
export function indexResources(resources: readonly Resource[]): Map<string, LiveResource> {
  const byKey = new Map<string, LiveResource>();
  for (const r of resources) byKey.set(subjectOf(r), { key: { type: r.type, mesh: r.mesh, name: r.name }, object: r.object });
  return byKey;
}

/** Every desired resource with its live twin if any (in desired order), then every live object nothing desires. */
export function pairResources(desired: readonly Resource[], live: ReadonlyMap<string, LiveResource>): Pair[] {
  return runSteps(pairResourcesSteps(desired, live));
}

/** pairResources as steps (util/steps.ts), a thousand resources each. */
export function* pairResourcesSteps(desired: readonly Resource[], live: ReadonlyMap<string, LiveResource>): Steps<Pair[]> {
  return yield* pairSteps(desired, [...live.values()]);
}

/**
 * `pairResourcesSteps(desired, indexLive(live))` without a subject per live object: only the few live objects nothing
 * desires get one. At 50,000 resources, building, hashing and keeping the live side's subjects (and a set of the
 * desired side's) were most of a no-op plan's pairing.
 */
export function* pairWithLiveSteps(desired: readonly Resource[], live: readonly JsonObject[]): Steps<Pair[]> {
  const twins: LiveResource[] = [];
  for (let i = 0; i < live.length; i++) {
    const object = live[i] as JsonObject;
    const key = keyOfLive(object);
    if (key) twins.push({ key, object });
    if (stepDue(i, 1024)) yield;
  }
  return yield* pairSteps(desired, twins);
}

/** The pairing of both: the first twin of each key counts, later ones are left out (as indexLive does). */
function* pairSteps(desired: readonly Resource[], twins: readonly LiveResource[]): Steps<Pair[]> {
  const index = new KeyIndex();
  const kept: LiveResource[] = [];
  for (let i = 0; i < twins.length; i++) {
    const twin = twins[i] as LiveResource;
    if (index.add(twin.key, kept.length)) kept.push(twin);
    if (stepDue(i, 1024)) yield;
  }
  const paired = new Uint8Array(kept.length);
  const pairs: Pair[] = [];
  for (let i = 0; i < desired.length; i++) {
    const resource = desired[i] as Resource;
    const { type, mesh, name } = resource;
    const subject = subjectOf(resource);
    const at = index.get(resource);
    if (at === undefined) pairs.push({ subject, type, mesh, name, desired: resource });
    else {
      paired[at] = 1;
      pairs.push({ subject, type, mesh, name, desired: resource, live: kept[at] as LiveResource });
    }
    if (stepDue(i, 1024)) yield;
  }
  for (let at = 0; at < kept.length; at++) {
    const twin = kept[at] as LiveResource;
    if (paired[at] === 0) pairs.push({ subject: subjectOf(twin.key), ...twin.key, live: twin });
  }
  return pairs;
}

/**
 * Positions by resource key, keyed as subjects are (a Mesh by its name, a global resource by type and name), in maps
 * of maps: a lookup hashes strings the caller already holds instead of a subject it must first build.
 */
class KeyIndex {
  private readonly byType = new Map<string, Map<string, Map<string, number>>>();

  /** Adds the position unless the key has one; whether it did. */
  add(key: ResourceKey, at: number): boolean {
    let byUnit = this.byType.get(key.type);
    if (!byUnit) this.byType.set(key.type, (byUnit = new Map()));
    const unit = unitOfSubject(key);
    let byName = byUnit.get(unit);
    if (!byName) byUnit.set(unit, (byName = new Map()));
    if (byName.has(key.name)) return false;
    byName.set(key.name, at);
    return true;
  }

  get(key: ResourceKey): number | undefined {
    return this.byType.get(key.type)?.get(unitOfSubject(key))?.get(key.name);
  }
}

/** How many items there are of each kind, every kind present (0 when none): the summary of a plan, a drift report, a change set. */
export function tally<T, K extends string>(items: readonly T[], kindOf: (item: T) => K, kinds: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<K, number>;
  for (const item of items) counts[kindOf(item)]++;
  return counts;
}

/** Items grouped by a key (a mesh, a kind), keys in first-seen order and items in their given order within each. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
