import type { Backend } from "../backend/types.js";
import { BackendError, isRefusal } from "../backend/types.js";
import type { Change, Plan } from "../diff/plan.js";
import { providedCaBackends, withoutBackends } from "../kuma/providedCa.js";
import { isSecretType, typeRank } from "../kuma/types.js";
import { tally } from "../diff/pair.js";
import { forEachLimited } from "../util/limit.js";
import { runStepsSliced, stepDue, yieldToEventLoop, type Steps } from "../util/steps.js";

export const OUTCOMES = ["applied", "failed", "skipped"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ChangeResult {
  readonly change: Change;
  readonly outcome: Outcome;
  readonly error?: string;
  /** Failed because the control plane refused it (backend/types.ts `isRefusal`): trying again gets the same answer. */
  readonly refused?: true;
  /**
   * An attempt of this write was sent and never answered (backend/types.ts `outcomeUnknown`): whatever the outcome
   * says, the control plane may still apply it later, over a newer write of the same resource.
   */
  readonly outcomeUnknown?: true;
  readonly warnings?: readonly string[];
}

/** What happened to each change of a plan. */
export interface ChangeSet {
  readonly results: readonly ChangeResult[];
  readonly summary: { readonly applied: number; readonly failed: number; readonly skipped: number };
  /** Meshes whose plan stopped at a failure. */
  readonly failedMeshes: readonly string[];
}

export interface ApplyOptions {
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /** Called as each change finishes (for progress output, logs and metrics). */
  readonly onResult?: (result: ChangeResult) => void;
  /** Checked between requests: when it returns true, nothing new is started (graceful shutdown). */
  readonly stopRequested?: () => boolean;
}

/**
 * Applies a plan in dependency order: writes rank by rank (Mesh, destinations, routes, policies), then deletes in
 * the reverse order (but the Secrets of a Mesh being deleted after it). Changes of one rank run concurrently. A failure stops the rest of that mesh's plan (a policy
 * whose Mesh failed cannot succeed, and half a tenant's change is easier to reason about than an arbitrary subset),
 * while other meshes go on. Unchanged resources are never written. A Mesh whose provided CA reads Secrets this plan
 * creates is written as Kuma's docs say: without that backend first (when it is new), then the Secrets, then as desired.
 */
export async function applyPlan(backend: Backend, plan: Plan, options: ApplyOptions = {}): Promise<ChangeSet> {
  const concurrency = options.concurrency ?? 16;
  const failedMeshes = new Set<string>();
  const results: ChangeResult[] = [];
  const reported = new Set<Change>();
  const record = (result: ChangeResult) => {
    // A Mesh written twice (provided CA, below) has one result: a failed or skipped first write is its result.
    if (reported.has(result.change)) return;
    reported.add(result.change);
    results.push(result);
    options.onResult?.(result);
  };

  const writes = plan.changes.filter((c) => c.action === "create" || c.action === "update");
  // A Secret of a Mesh being deleted goes after its Mesh: the control plane refuses to delete one the Mesh's CA uses
  // (its secret validator), and the Mesh's delete takes it with it (FACTS §2.9; deleting it then answers 404, done).
  const meshesDeleted = new Set(plan.changes.filter((c) => c.action === "delete" && c.type === "Mesh").map((c) => c.name));
  const afterTheirMesh = (c: Change) => c.type === "Secret" && meshesDeleted.has(c.mesh);
  const deletes = plan.changes.filter((c) => c.action === "delete" && !afterTheirMesh(c));
  const lastDeletes = plan.changes.filter((c) => c.action === "delete" && afterTheirMesh(c));
  // Passes over every change, before and after the writes: each gets a turn of the event loop of its own (a daemon's
  // probes wait for no more than one of them).
  await yieldToEventLoop();
  const waiting = meshesWaitingForSecrets(writes);
  // A first write stands for its Mesh change: only its failure is recorded (under that change).
  const firstWrites = new Map<Change, Change>();
  for (const [change, { first }] of waiting) if (first) firstWrites.set(first, change);
  const early = writes.filter((c) => typeRank(c.type) <= SECRET_RANK && !waiting.has(c));
  const late = writes.filter((c) => typeRank(c.type) > SECRET_RANK);
  const phases = [...groupByRank([...early, ...firstWrites.keys()], false), [...waiting.keys()], ...groupByRank(late, false), ...groupByRank(deletes, true), lastDeletes];

  // New Meshes created without their provided CA backends: not as desired until their second write.
  const halfWritten = new Set<Change>();

  for (const phase of phases) {
    await forEachLimited(phase, concurrency, async (step) => {
      const change = firstWrites.get(step) ?? step;
      if (failedMeshes.has(change.mesh) || options.stopRequested?.()) {
        const why = failedMeshes.has(change.mesh) ? `an earlier change of mesh ${change.mesh} failed` : "stopped";
        if (!halfWritten.has(change)) {
          record({ change, outcome: "skipped", error: why });
          return;
        }
        // The control plane holds it, without those backends: a failure to report as such, not a change not attempted.
        failedMeshes.add(change.mesh);
        const backends = waiting.get(change)?.backends ?? [];
        const named = `mTLS backend${backends.length === 1 ? "" : "s"} ${backends.join(", ")} (${backends.length === 1 ? "it reads" : "they read"} Secrets created after it)`;
        record({ change, outcome: "failed", error: `${change.resource}: created without ${named}; not written with ${backends.length === 1 ? "it" : "them"}: ${why}` });
        return;
      }
      try {
        if (change.action === "delete") {
          const deleted = await backend.delete(change);
          record({ change, outcome: "applied", ...(deleted.outcomeUnknown ? { outcomeUnknown: true as const } : {}) });
        } else {
          if (!step.desired) throw new Error(`${change.resource}: ${change.action} without a desired object`);
          // A backstop: callers decrypt first (or refuse); ciphertext must never reach the control plane as a value.
          if (change.unknownValues) throw new Error(`${change.resource}: still SOPS-encrypted (no age key was given): not written`);
          const put = await backend.put(step.desired);
          if (step !== change) halfWritten.add(change);
          else record({ change, outcome: "applied", ...(put.warnings.length ? { warnings: put.warnings } : {}), ...(put.outcomeUnknown ? { outcomeUnknown: true as const } : {}) });
        }
      } catch (error) {
        failedMeshes.add(change.mesh);
        const message = error instanceof BackendError || error instanceof Error ? error.message : String(error);
        const unknown = error instanceof BackendError && error.outcomeUnknown;
        record({
          change,
          outcome: "failed",
          error: message.startsWith(change.resource) ? message : `${change.resource}: ${message}`,
          ...(isRefusal(error) ? { refused: true as const } : {}),
          ...(unknown ? { outcomeUnknown: true as const } : {}),
        });
      }
    });
  }

  // Results arrive in completion order; report them in plan order so output is deterministic.
  const ordered = await runStepsSliced(inPlanOrderSteps(results, plan.changes));
  return {
    results: ordered,
    summary: tally(ordered, (r) => r.outcome, OUTCOMES),
    failedMeshes: [...failedMeshes].sort(),
  };
}

/**
 * The results (one per change of `changes`) in the order of their changes, each put in its change's place; in steps
 * (util/steps.ts), as an initial apply has 50,000.
 */
function* inPlanOrderSteps(results: readonly ChangeResult[], changes: readonly Change[]): Steps<ChangeResult[]> {
  const index = new Map<Change, number>();
  for (const [i, change] of changes.entries()) {
    index.set(change, i);
    if (stepDue(i, ITEMS_PER_STEP)) yield;
  }
  const slots = new Array<ChangeResult | undefined>(changes.length);
  for (const [k, result] of results.entries()) {
    const i = index.get(result.change);
    if (i === undefined) throw new Error(`${result.change.resource}: a result for a change the plan does not hold`);
    slots[i] = result;
    if (stepDue(k, ITEMS_PER_STEP)) yield;
  }
  yield;
  return slots.filter((r): r is ChangeResult => r !== undefined);
}

const ITEMS_PER_STEP = 2048;

const SECRET_RANK = typeRank("Secret");

interface WaitingMesh {
  readonly first: Change | undefined;
  readonly backends: readonly string[];
}

/**
 * Mesh writes whose provided CA reads a Secret this plan creates: the control plane loads the CA when the Mesh is
 * written, and the Secret needs its Mesh first. Each is written after the Secrets; a new Mesh gets a first write
 * without those backends (`first`), an existing one keeps its current backends until then (no `first`). `backends`:
 * the names of those backends.
 */
function meshesWaitingForSecrets(writes: readonly Change[]): Map<Change, WaitingMesh> {
  const created = new Set(writes.filter((c) => c.action === "create" && isSecretType(c.type)).map((c) => `${c.mesh}/${c.name}`));
  const waiting = new Map<Change, WaitingMesh>();
  if (created.size === 0) return waiting;
  for (const change of writes) {
    if (change.type !== "Mesh" || !change.desired) continue;
    const backends = providedCaBackends(change.desired).filter((b) => b.secrets.some((s) => created.has(`${change.mesh}/${s.secret}`)));
    if (backends.length === 0) continue;
    const names = backends.map((b) => b.name);
    const first = change.action === "create" ? { ...change, desired: withoutBackends(change.desired, new Set(names)) } : undefined;
    waiting.set(change, { first, backends: names });
  }
  return waiting;
}

function groupByRank(changes: readonly Change[], reverse: boolean): Change[][] {
  const byRank = new Map<number, Change[]>();
  for (const change of changes) {
    const rank = typeRank(change.type);
    const group = byRank.get(rank);
    if (group) group.push(change);
    else byRank.set(rank, [change]);
  }
  const ranks = [...byRank.keys()].sort((a, b) => (reverse ? b - a : a - b));
  return ranks.map((r) => byRank.get(r) ?? []);
}
/** A change set in which nothing was attempted, for `reason` (a delete nobody confirmed): reports say so per change. */
export function notAttempted(plan: Plan, reason: string): ChangeSet {
  const results: ChangeResult[] = plan.changes.filter((c) => c.action !== "unchanged").map((change) => ({ change, outcome: "skipped", error: reason }));
  return { results, summary: tally(results, (r) => r.outcome, OUTCOMES), failedMeshes: [] };
}
