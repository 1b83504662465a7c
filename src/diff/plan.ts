/**
 * The planner: pairs desired and live resources by key, normalizes both sides and says what a sync has to do to each.
 * A closed vocabulary of actions, a deterministic order (the order writes must happen in), and for every change a
 * unified diff a person can review. Pure: the backend lists live state, sync applies the plan.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { stringify } from "yaml";
import { isOwned } from "../desired/ownership.js";
import { compareWriteOrder } from "../kuma/order.js";
import { DEFAULT_MESH } from "../kuma/types.js";
import { subjectOf, type ResourceKey } from "../model/key.js";
import type { JsonObject, JsonValue, Resource } from "../model/resource.js";
import { normalize, sameNormalized } from "./normalize.js";
import { redact } from "./redact.js";

export type Action = "create" | "update" | "delete" | "unchanged";

export interface Change {
  action: Action;
  /** `Type/mesh/name`, or `Mesh/name`. */
  resource: string;
  type: string;
  mesh: string;
  name: string;
  /** The object to PUT, exactly as desired (not normalized). Absent for deletes. */
  desired?: JsonObject;
  /** The object as the control plane returned it. Absent for creates. */
  live?: JsonObject;
  /** Unified diff of the normalized, redacted objects as YAML; "" when unchanged. */
  diff: string;
  /** Where the desired object comes from (the repository, or a materialized default policy). Absent for deletes. */
  origin?: "repository" | "default";
}

export interface Plan {
  changes: Change[];
  summary: { create: number; update: number; delete: number; unchanged: number };
}

export interface PlanOptions {
  /** The ownership label's value this meshops instance writes and prunes by. */
  instance: string;
  /** Delete owned resources that are no longer desired. */
  prune: boolean;
}

/**
 * Pairs by `Type/mesh/name` and compares normalized forms. A live resource that is not desired is deleted only when
 * this instance owns it and pruning is on; one it does not own is none of the plan's business (drift reports it).
 * A desired resource whose live twin lacks the ownership label is an update: writing it adopts the resource.
 */
export function planChanges(desired: readonly Resource[], live: readonly JsonObject[], options: PlanOptions): Plan {
  const liveByKey = indexLive(live);
  const meshesInUse = options.prune ? meshesStillInUse(desired, liveByKey, options.instance) : new Set<string>();
  const writes: Change[] = [];
  const deletes: Change[] = [];
  const desiredKeys = new Set<string>();

  for (const resource of desired) {
    const subject = subjectOf(resource);
    desiredKeys.add(subject);
    const current = liveByKey.get(subject);
    const base = { resource: subject, type: resource.type, mesh: resource.mesh, name: resource.name, desired: resource.object, origin: resource.origin };
    if (!current) {
      writes.push(withLazyDiff({ action: "create", ...base }, () => unifiedDiff(subject, undefined, normalize(resource.object))));
      continue;
    }
    // Compare first: most resources are unchanged, and their normalized copies are only needed for a diff.
    const same = sameNormalized(current.object, resource.object);
    if (same) writes.push({ action: "unchanged", ...base, live: current.object, diff: "" });
    else writes.push(withLazyDiff({ action: "update", ...base, live: current.object }, () => unifiedDiff(subject, normalize(current.object), normalize(resource.object))));
  }

  for (const [subject, current] of liveByKey) {
    if (desiredKeys.has(subject)) continue;
    // Prune only what this instance wrote: anything else was made by someone (or something) else and stays.
    if (!options.prune || !isOwned(current.object, options.instance)) continue;
    // Deleting a Mesh deletes everything in it (FACTS §2.9). An owned Mesh is deleted only when nothing in it
    // stays: no desired resource (a mesh the repository uses without defining it, such as `default`), and no live
    // resource that is not being deleted too (someone else's, which prune must never touch).
    if (current.key.type === "Mesh" && meshesInUse.has(current.key.name)) continue;
    deletes.push(withLazyDiff({ action: "delete", resource: subject, ...current.key, live: current.object }, () => unifiedDiff(subject, normalize(current.object), undefined)));
  }

  // The desired state usually arrives in write order already (buildDesired sorts it): check before sorting.
  if (!isSorted(writes, compareWriteOrder)) writes.sort(compareWriteOrder);
  // Deletes run in the reverse dependency order: policies before the routes and services they refer to, Meshes last
  // (deleting a Mesh cascades to everything in it, FACTS §2.9).
  deletes.sort((a, b) => compareWriteOrder(b, a));
  const changes = [...writes, ...deletes];
  const count = (action: Action) => changes.filter((c) => c.action === action).length;
  return { changes, summary: { create: count("create"), update: count("update"), delete: count("delete"), unchanged: count("unchanged") } };
}

/** Meshes that hold something that is not being pruned: desired resources, and live ones that are not owned or still desired. */
function meshesStillInUse(desired: readonly Resource[], liveByKey: ReadonlyMap<string, LiveEntry>, instance: string): Set<string> {
  const desiredKeys = new Set<string>();
  const inUse = new Set<string>();
  for (const resource of desired) {
    desiredKeys.add(subjectOf(resource));
    if (resource.type !== "Mesh") inUse.add(resource.mesh);
  }
  for (const [subject, entry] of liveByKey) {
    if (entry.key.type === "Mesh") continue;
    const pruned = !desiredKeys.has(subject) && isOwned(entry.object, instance);
    if (!pruned) inUse.add(entry.key.mesh);
  }
  return inUse;
}

function isSorted<T>(items: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < items.length; i++) if (compare(items[i - 1] as T, items[i] as T) > 0) return false;
  return true;
}

/**
 * Gives a change its `diff` as a lazily computed, enumerable property: rendering a diff costs far more than
 * deciding what changed, and applying 50,000 creates never shows one. JSON.stringify still includes it.
 */
function withLazyDiff(change: Omit<Change, "diff">, compute: () => string): Change {
  let cached: string | undefined;
  return Object.defineProperty(change, "diff", { enumerable: true, get: () => (cached ??= compute()) }) as Change;
}

// ---------------------------------------------------------------------------------------------------------------------
// Shared with drift

export interface LiveEntry {
  readonly key: ResourceKey;
  readonly object: JsonObject;
}

/** The key of an object as the control plane returns it; undefined when it has no type or name. A Mesh has no `mesh`. */
export function keyOfLive(object: JsonObject): ResourceKey | undefined {
  const { type, name, mesh } = object;
  if (typeof type !== "string" || typeof name !== "string" || type === "" || name === "") return undefined;
  if (type === "Mesh") return { type, mesh: name, name };
  return { type, mesh: typeof mesh === "string" && mesh !== "" ? mesh : DEFAULT_MESH, name };
}

/** Live objects by subject. An object without a type or name cannot be paired (nor safely deleted) and is left out. */
export function indexLive(live: readonly JsonObject[]): Map<string, LiveEntry> {
  const byKey = new Map<string, LiveEntry>();
  for (const object of live) {
    const key = keyOfLive(object);
    if (key && !byKey.has(subjectOf(key))) byKey.set(subjectOf(key), { key, object });
  }
  return byKey;
}

/**
 * `--- live/<subject>` / `+++ desired/<subject>` unified diff of two normalized objects rendered as YAML with sorted
 * keys, secrets redacted. A missing side is `/dev/null`, as in any patch that creates or removes a file. `labels`
 * names the two sides (`plan --base` compares two revisions: `base/` and `ref/`).
 */
export function unifiedDiff(
  subject: string,
  live: JsonObject | undefined,
  desired: JsonObject | undefined,
  labels: { readonly before: string; readonly after: string } = { before: "live", after: "desired" },
): string {
  const before = live ? toYaml(redact(live)) : "";
  const after = desired ? toYaml(redact(desired)) : "";
  return createTwoFilesPatch(live ? `${labels.before}/${subject}` : "/dev/null", desired ? `${labels.after}/${subject}` : "/dev/null", before, after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}

function toYaml(value: JsonValue): string {
  // lineWidth 0: never fold long strings, so one changed value is one changed line.
  return stringify(value, { sortMapEntries: true, lineWidth: 0 });
}
