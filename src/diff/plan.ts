/**
 * The planner: pairs desired and live resources by key, normalizes both sides and says what a sync has to do to each.
 * A closed vocabulary of actions, a deterministic order (the order writes must happen in), and for every change a
 * unified diff a person can review. Pure: the backend lists live state, sync applies the plan.
 */
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { stringifyYaml } from "../parse/yaml11.js";
import { adopts, isOwned, isPruneDisabled } from "../desired/ownership.js";
import { compareWriteOrder } from "../kuma/order.js";
import { isJsonObject, type JsonObject, type JsonValue, type Resource } from "../model/resource.js";
import { normalize, sameNormalized } from "./normalize.js";
import { pairWithLiveSteps, tally, type Pair } from "./pair.js";
import { redactPair } from "./redact.js";
import { ignoredPathsMatcher } from "./ignore.js";
import type { IgnoreDifferencesRule } from "../config/ignoreDifferences.js";
import { controlPlaneSource, type ControlPlaneMode, type ControlPlaneSource } from "../kuma/controlPlaneMade.js";
import { DEFAULT_SYSTEM_NAMESPACES, controlPlaneDefaultOf } from "../kuma/naming.js";
import { isServerCreated } from "../kuma/defaultPolicies.js";
import { wantedOver } from "./wanted.js";

/** Subjects per step of the plan's and the drift's steps. */
export const STEP = 256;

export const ACTIONS = ["create", "update", "delete", "unchanged"] as const;
export type Action = (typeof ACTIONS)[number];

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
  /** Still SOPS-encrypted (no key given): its encrypted values were not compared, so they may have changed. */
  unknownValues?: true;
  /** An update of a live object without any ownership label (desired/ownership.ts isUnlabelled): writing it adopts it. */
  adopts?: true;
}

/** A live resource the plan names without changing it. */
export interface NamedResource {
  resource: string;
  type: string;
  mesh: string;
  name: string;
}

/**
 * An owned resource prune would have deleted but keeps: it (or its Mesh) carries `meshops.io/prune: disabled`, or it
 * is a Mesh that holds resources that stay (not meshops' to delete, kept, or still desired), which deleting it would
 * delete with it.
 */
export interface KeptResource extends NamedResource {
  reason: "prune disabled" | "holds resources that stay";
}

export interface Plan {
  changes: Change[];
  summary: { create: number; update: number; delete: number; unchanged: number };
  /** What prune keeps (the opt-out label, a Mesh still holding something), so a reviewer sees why; empty without prune. */
  kept: KeptResource[];
  /**
   * Without prune: the owned resources no longer desired that prune would delete, in delete order, so a plan that
   * leaves them is not read as in sync (drift calls them orphaned). Absent with prune (they are its deletes).
   */
  prunable?: NamedResource[];
  /**
   * With prune: the live resources it does not delete because they are not this instance's, counted (a zone or a
   * global control plane holds thousands): `notOwned` nobody or another instance owns, `generated` and `synced` as
   * drift counts them (kuma/controlPlaneMade.ts). Absent without prune, or when there are none.
   */
  leftAlone?: LeftAloneCounts;
}

const LEFT_ALONE_KINDS = ["notOwned", "generated", "synced"] as const satisfies readonly ("notOwned" | ControlPlaneSource)[];
export type LeftAloneCounts = Record<(typeof LEFT_ALONE_KINDS)[number], number>;

export interface PlanOptions {
  /** The ownership label's value this meshops instance writes and prunes by. */
  instance: string;
  /** Delete owned resources that are no longer desired. */
  prune: boolean;
  /** meshops.yaml ignoreDifferences: fields compared, diffed and written as the live side has them. */
  ignore?: readonly IgnoreDifferencesRule[];
  /** meshops.yaml's controlPlane.mode: what another control plane sent is never this instance's (isOwned). Default zone. */
  mode?: ControlPlaneMode;
  /** Meshes that hold something the plan does not see (a kind meshops does not read): their Mesh is never pruned. */
  meshesInUse?: ReadonlySet<string>;
  /** meshops.yaml's system namespaces: where a Kubernetes zone keeps the default policies it makes for a Mesh. */
  systemNamespaces?: readonly string[];
}

/** The plan options meshops.yaml sets; `prune` is the command's (or the daemon's meshops.yaml `prune.enabled`). */
export function planOptionsOf(
  config: {
    readonly instance: string;
    readonly ignoreDifferences?: readonly IgnoreDifferencesRule[];
    readonly controlPlane: { readonly mode: ControlPlaneMode };
    readonly systemNamespaces?: readonly string[];
  },
  prune: boolean,
): PlanOptions {
  return {
    instance: config.instance,
    prune,
    ...(config.ignoreDifferences ? { ignore: config.ignoreDifferences } : {}),
    mode: config.controlPlane.mode,
    ...(config.systemNamespaces ? { systemNamespaces: config.systemNamespaces } : {}),
  };
}

/**
 * Pairs by `Type/mesh/name` and compares normalized forms. A live resource that is not desired is deleted only when
 * this instance owns it and pruning is on; one it does not own is none of the plan's business (drift reports it).
 * A desired resource whose live twin lacks the ownership label is an update: writing it adopts the resource.
 */
export function planChanges(desired: readonly Resource[], live: readonly JsonObject[], options: PlanOptions): Plan {
  return runSteps(planChangesSteps(desired, live, options));
}

/** planChanges as steps (util/steps.ts), a few hundred subjects each. */
export function* planChangesSteps(desired: readonly Resource[], live: readonly JsonObject[], options: PlanOptions): Steps<Plan> {
  const pairs = yield* pairWithLiveSteps(desired, live);
  // Without prune too: what prune would delete is named (`prunable`), and a Mesh that holds what stays is not. A pass
  // over every pair, made only when an owned Mesh is no longer desired (seldom).
  let meshesInUse: Set<string> | undefined;
  const inUse = (mesh: string): boolean => {
    if (!meshesInUse) {
      meshesInUse = meshesStillInUse(pairs, options);
      for (const m of options.meshesInUse ?? []) meshesInUse.add(m);
    }
    return meshesInUse.has(mesh);
  };
  const writes: Change[] = [];
  const deletes: Change[] = [];
  const kept: KeptResource[] = [];
  const prunable: NamedResource[] = [];
  // Counted per mesh (a zone holds tens of thousands of generated services, in a few meshes).
  const leftAlone = new Map<string, LeftAloneCounts>();
  const mode = options.mode ?? "zone";
  const ignored = ignoredPathsMatcher(options.ignore);

  // An index loop: for-of over 50,000 pairs in a generator cost 60-70 ms in a cold process (diff/pair.ts).
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as Pair;
    const { subject, type, mesh, name, desired: resource, live: current } = pair;
    if (stepDue(i, STEP)) yield;
    if (resource) {
      if (!current) {
        const base = { resource: subject, type, mesh, name, desired: resource.object, origin: resource.origin };
        writes.push(withLazyDiff({ action: "create", ...base }, () => unifiedDiff(subject, undefined, normalize(resource.object))));
        continue;
      }
      // Written as it is compared (diff/wanted.ts): ignored fields and immutable labels as the control plane has them.
      const { wanted, same } = wantedOver(resource, current.object, ignored(pair, current.object));
      if (same && !resource.sealed) {
        // One literal in its final shape: this is 50,000 objects of a no-op plan.
        writes.push({ action: "unchanged", resource: subject, type, mesh, name, desired: wanted, origin: resource.origin, live: current.object, diff: "" });
        continue;
      }
      const base = { resource: subject, type, mesh, name, desired: wanted, origin: resource.origin };
      const sealed = resource.sealed ? ({ unknownValues: true } as const) : {};
      if (same) writes.push({ action: "unchanged", ...base, ...sealed, live: current.object, diff: "" });
      else {
        // What the desired object stamps and the live one lacks: the write adopts it (not so where meshops stamps nothing).
        const adoption = adopts(current.object, wanted) ? ({ adopts: true } as const) : {};
        writes.push(withLazyDiff({ action: "update", ...base, ...sealed, ...adoption, live: current.object }, () => unifiedDiff(subject, normalize(current.object), normalize(wanted))));
      }
      continue;
    }
    if (!current) continue;
    // Prune only what this instance wrote: anything else was made by someone (or something) else and stays.
    if (!isOwned(current.object, options.instance, mode)) {
      // What the control plane made for its own use (a Mesh's signing key, its hostname generators) is not counted.
      if (options.prune && !isServerCreated(current.object)) {
        const counts = leftAlone.get(mesh) ?? leftAlone.set(mesh, { notOwned: 0, generated: 0, synced: 0 }).get(mesh)!;
        counts[controlPlaneSource(current.object, mode) ?? "notOwned"]++;
      }
      continue;
    }
    if (isPruneDisabled(current.object)) {
      if (options.prune) kept.push({ resource: subject, type, mesh, name, reason: "prune disabled" });
      continue;
    }
    // Deleting a Mesh deletes everything in it (FACTS §2.9). An owned Mesh is deleted only when nothing in it
    // stays: no desired resource (a mesh the repository uses without defining it, such as `default`), and no live
    // resource that is not being deleted too (someone else's, which prune must never touch).
    if (type === "Mesh" && inUse(name)) {
      if (options.prune) kept.push({ resource: subject, type, mesh, name, reason: "holds resources that stay" });
      continue;
    }
    if (!options.prune) {
      prunable.push({ resource: subject, type, mesh, name });
      continue;
    }
    deletes.push(withLazyDiff({ action: "delete", resource: subject, type, mesh, name, live: current.object }, () => unifiedDiff(subject, normalize(current.object), undefined)));
  }

  // The desired state usually arrives in write order already (buildDesired sorts it): check before sorting.
  if (!(yield* isSortedSteps(writes, compareWriteOrder))) writes.sort(compareWriteOrder);
  // Deletes run in the reverse dependency order: policies before the routes and services they refer to, Meshes last
  // (deleting a Mesh cascades to everything in it, FACTS §2.9).
  deletes.sort((a, b) => compareWriteOrder(b, a));
  kept.sort(compareWriteOrder);
  if (options.prune) {
    const plan = planOf([...writes, ...deletes], kept);
    // A Mesh is deleted only when what it holds goes with it (its untouched default policies): none of that stays.
    for (const c of deletes) if (c.type === "Mesh") leftAlone.delete(c.name);
    const total: LeftAloneCounts = { notOwned: 0, generated: 0, synced: 0 };
    for (const counts of leftAlone.values()) for (const kind of LEFT_ALONE_KINDS) total[kind] += counts[kind];
    return leftAlone.size > 0 ? { ...plan, leftAlone: total } : plan;
  }
  prunable.sort((a, b) => compareWriteOrder(b, a));
  return { ...planOf(writes), prunable };
}

/** A plan of these changes, in this order, with its summary counted. */
export function planOf(changes: Change[], kept: KeptResource[] = []): Plan {
  return { changes, summary: tally(changes, (c) => c.action, ACTIONS), kept };
}

/**
 * Meshes that hold something that is not being pruned: desired resources, and live ones that are not owned, still
 * desired or kept by the prune opt-out. A default policy the control plane made when the Mesh was created, unowned
 * (meshops.yaml `defaults.materialize: false`) and as it made it, keeps nothing: it exists because of the Mesh, and
 * goes with it losing nothing; edited by hand, it stays, and so does its Mesh. Nor do the Secrets the control plane
 * makes for a Mesh (its dataplane token signing key, every Mesh has one; a builtin CA's): they are the Mesh's own.
 */
function meshesStillInUse(pairs: readonly Pair[], options: PlanOptions): Set<string> {
  const inUse = new Set<string>();
  const systemNamespaces = options.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES;
  for (const pair of pairs) {
    if (pair.type === "Mesh") continue;
    if (!pair.desired && pair.live !== undefined) {
      const object = pair.live.object;
      if (isOwned(object, options.instance, options.mode ?? "zone") ? !isPruneDisabled(object) : isUntouchedDefault(pair, object, systemNamespaces) || isServerCreated(object)) continue;
    }
    inUse.add(pair.mesh);
  }
  return inUse;
}

/** A default policy the control plane made for its Mesh, as it made it: one edited by hand is someone's, and stays. */
function isUntouchedDefault(key: Pair, object: JsonObject, systemNamespaces: readonly string[]): boolean {
  const policy = controlPlaneDefaultOf(key, systemNamespaces);
  return policy !== undefined && isJsonObject(object.spec) && sameNormalized({ type: key.type, spec: object.spec }, { type: key.type, spec: policy.spec() });
}

/** Whether the items are in order already: a linear check saves sorting 50,000 changes that usually are. */
export function isSorted<T>(items: readonly T[], compare: (a: T, b: T) => number): boolean {
  return runSteps(isSortedSteps(items, compare));
}

/** isSorted in steps: comparing 55,000 changes in write order was a 30 ms turn of the daemon's initial apply. */
export function* isSortedSteps<T>(items: readonly T[], compare: (a: T, b: T) => number): Steps<boolean> {
  for (let i = 1; i < items.length; i++) {
    if (compare(items[i - 1] as T, items[i] as T) > 0) return false;
    if (stepDue(i, STEP)) yield;
  }
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
// Shared with drift and revisions

/**
 * `--- live/<subject>` / `+++ desired/<subject>` unified diff of two normalized objects rendered as YAML with sorted
 * keys, secrets redacted (a changed one marked as changed, never shown). A missing side is `/dev/null`, as in any patch that creates or removes a file. `labels`
 * names the two sides (`plan --base` compares two revisions: `base/` and `ref/`).
 */
export function unifiedDiff(
  subject: string,
  live: JsonObject | undefined,
  desired: JsonObject | undefined,
  labels: { readonly before: string; readonly after: string } = { before: "live", after: "desired" },
): string {
  const shown = redactPair(live, desired);
  const before = shown.before ? toYaml(shown.before) : "";
  const after = shown.after ? toYaml(shown.after) : "";
  return createTwoFilesPatch(live ? `${labels.before}/${subject}` : "/dev/null", desired ? `${labels.after}/${subject}` : "/dev/null", before, after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}

function toYaml(value: JsonValue): string {
  // lineWidth 0: never fold long strings, so one changed value is one changed line.
  return stringifyYaml(value, { sortMapEntries: true, lineWidth: 0 });
}
