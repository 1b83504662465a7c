/**
 * Saved plans, as Terraform's: `plan --out FILE` writes what would be done together with what it was computed from
 * (the repository revision and a digest of its desired state, the control plane, and a digest of every live object),
 * and `apply FILE` applies exactly those changes, or refuses when anything it was computed from has changed since.
 * Pure: texts and digests in, a plan or a reason out; the CLI reads and writes the file.
 *
 * The file is left on disk and kept as a CI artifact, so it holds no secret: the objects it saves are redacted as a
 * diff is (Secret values, decrypted or not, and inline keys), and `apply FILE` takes each object to PUT from the plan
 * it computes again, which the digests have shown to be the one saved.
 */
import { createHash } from "node:crypto";
import { subjectOf } from "../model/key.js";
import { isJsonObject, type JsonObject, type JsonValue, type Resource } from "../model/resource.js";
import { indexLive } from "./pair.js";
import { planOf, type Change, type Plan } from "./plan.js";
import { redact } from "../kuma/secretFields.js";
import { compareText } from "../model/order.js";
import { stableSortSteps } from "../util/sortSteps.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import { namesUpTo } from "../util/namesUpTo.js";

export const SAVED_PLAN_FORMAT = "meshops.io/saved-plan/v1";

/** What a plan was computed from; `apply FILE` computes the same and compares. */
export interface PlanBasis {
  /** meshops' version: another version may shape or compare objects differently. */
  readonly meshops: string;
  /** The commit read (or WORKTREE). */
  readonly revision: string;
  /** Which control plane: `url <url>` or `embedded <state dir>`. */
  readonly controlPlane: string;
  /** The ownership label's value the plan was computed for. */
  readonly instance: string;
  /** Digest of the desired state (every desired object). */
  readonly desired: string;
  /** Digest of every live object, server fields included: any write since changes it. */
  readonly live: string;
}

export interface SavedChange {
  readonly action: "create" | "update" | "delete";
  readonly resource: string;
  readonly type: string;
  readonly mesh: string;
  readonly name: string;
  /** The object to PUT (creates and updates), its secrets redacted: for the record, never sent. */
  readonly desired?: JsonObject;
  /** Digest of the live object the change was computed against; null for a create. */
  readonly liveDigest: string | null;
  readonly origin?: "repository" | "default";
  /** The diff that was reviewed. */
  readonly diff: string;
}

export interface SavedPlan extends PlanBasis {
  readonly format: typeof SAVED_PLAN_FORMAT;
  /** Whether deletes were planned (`plan --prune`). */
  readonly prune: boolean;
  readonly summary: Plan["summary"];
  readonly changes: readonly SavedChange[];
}

/** A saved plan that cannot be applied: corrupt, from elsewhere, or stale. The message says why. */
export class SavedPlanError extends Error {
  override readonly name = "SavedPlanError";
}

/** sha256 of the object's JSON with keys sorted: equal content, equal digest, whatever the key order. */
export function digestOf(value: JsonValue): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Each live object's digest, by subject. */
export function liveDigests(live: readonly JsonObject[]): Map<string, string> {
  return new Map([...indexLive(live)].map(([subject, { object }]) => [subject, digestOf(object)]));
}

/** One digest for a set of per-subject digests (order-independent). */
export function fingerprintOf(digests: ReadonlyMap<string, string>): string {
  return runSteps(fingerprintOfSteps(digests));
}

/** Lines put together, or hashed, between two yields of fingerprintOfSteps. */
const LINES_PER_STEP = 4096;

/**
 * fingerprintOf as steps (util/steps.ts): sorting and hashing 50,000 lines is 60-100 ms, a daemon's whole turn. The
 * digest of the sorted lines joined by newlines, hashed a run of lines at a time (the same bytes, the same digest).
 */
export function* fingerprintOfSteps(digests: ReadonlyMap<string, string>): Steps<string> {
  const lines: string[] = [];
  for (const [subject, digest] of digests) {
    lines.push(`${subject} ${digest}`);
    if (stepDue(lines.length, LINES_PER_STEP)) yield;
  }
  // Code-unit order, as Array.prototype.sort orders strings.
  const sorted = yield* stableSortSteps(lines, compareText);
  const hash = createHash("sha256");
  for (let i = 0; i < sorted.length; i += LINES_PER_STEP) {
    hash.update((i > 0 ? "\n" : "") + sorted.slice(i, i + LINES_PER_STEP).join("\n"));
    yield;
  }
  return hash.digest("hex");
}

export function desiredDigest(resources: readonly Resource[]): string {
  return fingerprintOf(new Map(resources.map((r) => [subjectOf(r), digestOf(r.object)])));
}

/** The saved plan's text (JSON): the plan's changes (unchanged ones are only counted) with their basis. */
export function savePlan(plan: Plan, basis: PlanBasis, live: ReadonlyMap<string, string>, prune: boolean): string {
  const changes: SavedChange[] = [];
  for (const c of plan.changes) {
    if (c.action === "unchanged") continue;
    changes.push({
      action: c.action,
      resource: c.resource,
      type: c.type,
      mesh: c.mesh,
      name: c.name,
      ...(c.desired ? { desired: redact(c.desired) } : {}),
      liveDigest: live.get(c.resource) ?? null,
      ...(c.origin ? { origin: c.origin } : {}),
      diff: c.diff,
    });
  }
  const saved: SavedPlan = { format: SAVED_PLAN_FORMAT, ...basis, prune, summary: plan.summary, changes };
  return JSON.stringify(saved, null, 2) + "\n";
}

/** Reads a saved plan's text; a corrupt or foreign file is a SavedPlanError naming what is wrong. */
export function parseSavedPlan(text: string, file: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SavedPlanError(`${file} is not a saved plan: not JSON (${(error as Error).message})`);
  }
  if (!isJsonObject(value as JsonValue)) throw new SavedPlanError(`${file} is not a saved plan: not a JSON object`);
  const v = value as Record<string, unknown>;
  if (v.format !== SAVED_PLAN_FORMAT) {
    throw new SavedPlanError(`${file} is not a saved plan of this meshops: format ${JSON.stringify(v.format ?? null)}, expected ${SAVED_PLAN_FORMAT} (write it with meshops plan --out)`);
  }
  for (const key of ["meshops", "revision", "controlPlane", "instance", "desired", "live"] as const) {
    if (typeof v[key] !== "string") throw new SavedPlanError(`${file} is corrupt: ${key} is missing or not a string`);
  }
  if (typeof v.prune !== "boolean" || !isJsonObject(v.summary as JsonValue) || !Array.isArray(v.changes)) {
    throw new SavedPlanError(`${file} is corrupt: prune, summary or changes is missing`);
  }
  v.changes.forEach((c: unknown, i) => {
    const change = c as Record<string, unknown>;
    const valid =
      isJsonObject(c as JsonValue) &&
      ["create", "update", "delete"].includes(change.action as string) &&
      ["resource", "type", "mesh", "name", "diff"].every((k) => typeof change[k] === "string") &&
      (change.liveDigest === null || typeof change.liveDigest === "string") &&
      (change.action === "delete" || isJsonObject(change.desired as JsonValue));
    if (!valid) throw new SavedPlanError(`${file} is corrupt: changes[${i}] is not a change`);
  });
  return value as SavedPlan;
}

/**
 * Why the saved plan no longer applies, or undefined when everything it was computed from is as it was. `now` is
 * what the same computation gives today; `live` is today's digest of every live object.
 */
export function whyStale(saved: SavedPlan, now: PlanBasis, live: ReadonlyMap<string, string>): string | undefined {
  if (saved.meshops !== now.meshops) return `it was written by meshops ${saved.meshops}; this is meshops ${now.meshops}`;
  if (saved.controlPlane !== now.controlPlane) return `it was computed against ${saved.controlPlane}, not ${now.controlPlane}`;
  if (saved.instance !== now.instance) return `it was computed for instance ${saved.instance}; meshops.yaml now says ${now.instance}`;
  if (saved.revision !== now.revision) return `the repository moved: the plan is of revision ${saved.revision}, the repository is at ${now.revision}`;
  if (saved.desired !== now.desired) return `the desired state at revision ${now.revision} is not the one planned (the files, meshops.yaml or the flags that read them changed)`;
  if (saved.live === now.live) return undefined;
  const changed = saved.changes.filter((c) => (live.get(c.resource) ?? null) !== c.liveDigest).map((c) => c.resource);
  if (changed.length > 0) {
    return `the control plane changed since the plan: ${namesUpTo(changed, 5)}`;
  }
  return "the control plane changed since the plan (resources the plan does not change were written, created or deleted)";
}

/**
 * Whether the saved plan was applied already: planned from the same revision and desired state, and `current` (the
 * plan computed again now) changes none of what it changes. Applying a saved plan twice is then not a control plane
 * that changed under it.
 */
export function appliedAlready(saved: SavedPlan, now: PlanBasis, current: Plan): boolean {
  if (saved.changes.length === 0 || saved.revision !== now.revision || saved.desired !== now.desired || saved.instance !== now.instance) return false;
  const pending = new Set(current.changes.filter((c) => c.action !== "unchanged").map((c) => c.resource));
  return saved.changes.every((c) => !pending.has(c.resource));
}

/**
 * The saved changes as a plan to apply, in their saved order (the write order they were planned in), each object to
 * PUT taken from `current`: the plan computed again from the same revision and control plane (whyStale found nothing
 * changed), which holds the secrets the file does not. A change `current` does not make the same way is stale.
 */
export function planFromSaved(saved: SavedPlan, current: Plan): Plan {
  const now = new Map(current.changes.map((c) => [c.resource, c]));
  const changes: Change[] = saved.changes.map((c) => {
    const desired = c.action === "delete" ? undefined : now.get(c.resource)?.desired;
    if (now.get(c.resource)?.action !== c.action || (c.action !== "delete" && !desired)) {
      throw new SavedPlanError(`the plan made again does not ${c.action} ${c.resource}`);
    }
    return {
      action: c.action,
      resource: c.resource,
      type: c.type,
      mesh: c.mesh,
      name: c.name,
      ...(desired ? { desired } : {}),
      ...(c.origin ? { origin: c.origin } : {}),
      ...(now.get(c.resource)?.adopts ? { adopts: true as const } : {}),
      diff: c.diff,
    };
  });
  const plan = planOf(changes);
  plan.summary.unchanged = saved.summary.unchanged;
  return plan;
}
