/**
 * What a reconcile tells the rest of the daemon, as typed events. The reconciler decides and emits; the status
 * (status.ts), the metrics (metrics.ts) and the log (eventLog.ts) each subscribe and keep their own view. So the
 * reconciler knows nothing of how it is reported, and a new view (notifications, per-mesh states) is one more
 * subscriber.
 *
 * Events carry facts, not times: each subscriber stamps them with its own clock. Per-mesh facts come per mesh
 * (`meshes.synced`, `drift.checked`), so a mesh's state, its reason and since when can be derived from them.
 */
import type { DriftMode } from "../config/repoConfig.js";
import type { DriftReport } from "../diff/drift.js";
import type { Plan } from "../diff/plan.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { ChangeResult } from "../sync/apply.js";
import type { MeshApplyResult } from "../sync/meshes.js";
import type { HeldPlan } from "./gate.js";
import type { MeshInventory } from "./inventory.js";
import type { PrunableByMesh } from "./prunable.js";
import type { TriggerKind } from "./queue.js";
import type { CommitInfo, RunKind, RunResult, RunSummary } from "./statusTypes.js";

/** How a finished run ended (absent from `run.finished` when the run found nothing to do). */
export interface RunEnd {
  readonly kind: RunKind;
  readonly result: RunResult;
  readonly revision: string | null;
  readonly commit: CommitInfo | null;
  readonly summary: RunSummary;
  readonly error?: string;
}

/**
 * What becomes of what meshops owns in a mesh gone from the repository (`meshes.removed`): the log, notifications,
 * the status and the page say it. `suspended`: by what the mesh is suspended, if it is: nothing is written there, so
 * what it owns stays until it is resumed, as a suspended Flux Kustomization or Argo CD application prunes nothing.
 */
export function removedMeshFate(event: { readonly prune: boolean; readonly readOnly: boolean; readonly suspended?: "config" | "api" | undefined }): string {
  if (event.readOnly) return "nothing is written there, the control plane's API is read-only";
  // Not "is deleted": deleting a Mesh, or all of a mesh's policies, is held for a person (daemon/gate.ts).
  const deleted = "to be deleted (prune is on), once approved where that is a mass change (deleting a Mesh, or all of a mesh's policies)";
  if (event.suspended) {
    const by = event.suspended === "config" ? "by meshops.yaml" : "through the API";
    return event.prune
      ? `the mesh is suspended (${by}): what meshops owns there stays on the control plane until it is resumed, then is ${deleted}`
      : `the mesh is suspended (${by}): what meshops owns there stays on the control plane (prune is off)`;
  }
  return event.prune ? `what meshops owns there is ${deleted}` : "what meshops owns there stays on the control plane (prune is off)";
}

export type DaemonEvent =
  /** A run began (`run` numbers them from 1). */
  | { readonly type: "run.started"; readonly run: number; readonly reasons: readonly TriggerKind[] }
  /** A new revision of the branch is about to be read. */
  | { readonly type: "sync.started"; readonly revision: string; readonly commit: CommitInfo; readonly reasons: readonly TriggerKind[] }
  /** A revision was read and validated, valid or not; `kept` is the valid revision that stays the target. */
  | { readonly type: "revision.validated"; readonly commit: CommitInfo; readonly valid: boolean; readonly diagnostics: readonly Diagnostic[]; readonly kept: string | null }
  /** The whole control plane is compared (listed), and why the incremental shortcut was not taken. */
  | { readonly type: "plan.full"; readonly revision: string; readonly reason: string }
  | { readonly type: "plan.done"; readonly revision: string; readonly mode: "full" | "incremental"; readonly planned: number; readonly summary: Plan["summary"] }
  /**
   * References to MeshServices neither the repository nor the control plane has, at every sync (none is news too): a
   * warning each at its field, the first UNKNOWN_REFERENCES_SHOWN (validate/services.ts), what the status and the log show.
   */
  | { readonly type: "references.unknown"; readonly revision: string; readonly diagnostics: readonly Diagnostic[] }
  /** Updates of a plan that take a resource over from another meshops instance (desired/ownership.ts `takeovers`). */
  | { readonly type: "ownership.takeovers"; readonly revision: string; readonly takeovers: readonly { readonly resource: string; readonly owner: string }[] }
  /**
   * With prune off: the meshes whose owned resources no longer in the repository (what prune on would delete,
   * prunable.ts) changed since the last time they were said, each with all of them now, in delete order (empty: none
   * left). Only changes, so the log says each once.
   */
  | { readonly type: "prunable.changed"; readonly revision: string; readonly meshes: PrunableByMesh }
  /**
   * Updates of a plan that adopt a resource nobody owns (diff/plan.ts `Change.adopts`), in plan order; `definedAt`: the
   * file:line defining each (report/common.ts whereDefinedIn), as plan and apply name them.
   */
  | { readonly type: "ownership.adoptions"; readonly revision: string; readonly resources: readonly string[]; readonly definedAt: ReadonlyMap<string, string> }
  /**
   * What a full comparison warned about the control plane (sync/reconcile.ts compare(): meshops.yaml's version line or
   * product not what GET / reports, a kind it does not serve, ...), after each one that reached it: empty when nothing.
   * `product` and `version`: what its GET / said then (an in-place upgrade between two checks changes them).
   */
  | { readonly type: "control-plane.warnings"; readonly warnings: readonly string[]; readonly product: string; readonly version: string }
  /**
   * Whether the control plane's API is read-only (it runs on Kubernetes: Argo CD or Flux writes), asked at every sync:
   * then nothing is written and drift is only reported. `correctAsked`: where drift mode correct was asked for
   * (`--drift-mode` or meshops.yaml), which cannot be honoured there; null when it was not.
   */
  | { readonly type: "control-plane.read-only"; readonly readOnly: boolean; readonly correctAsked: string | null }
  /**
   * Where each mesh stands before a write (gate.ts), whole each time: `meshes` of the head revision; a problem of
   * the whole repository (nothing of the head applied); meshes invalid at the head; plans held for approval;
   * suspended meshes.
   */
  | {
      readonly type: "meshes.gated";
      readonly revision: string;
      readonly meshes: readonly string[];
      readonly repositoryWide: string | null;
      readonly invalid: ReadonlyMap<string, string>;
      /** Meshes whose plan writes what the control plane lacks, held before their first write (gate.ts lackingByMesh). */
      readonly lacking: ReadonlyMap<string, string>;
      readonly held: ReadonlyMap<string, HeldPlan>;
      readonly suspended: ReadonlyMap<string, "config" | "api">;
    }
  /**
   * The approval of `revision` of `mesh` no longer applies: it approved plan `approved`, the revision now plans `plan`
   * (the control plane changed since it was shown). Dropped: the mesh waits for a person again (gate.ts).
   */
  | { readonly type: "approval.dropped"; readonly revision: string; readonly mesh: string; readonly approved: string; readonly plan: string }
  /**
   * API suspensions (--controls-file) of meshes gone from the repository and from the control plane, dropped (controls.ts
   * forgetGone): said once, at the comparison that finds them gone.
   */
  | { readonly type: "suspensions.dropped"; readonly meshes: readonly string[] }
  /**
   * Meshes the last valid revision had resources in and `revision` has none in (their files deleted, their Mesh with
   * them), said once, at the sync that finds it. `prune`: meshops.yaml's prune.enabled, which decides what becomes of
   * what meshops owns there; `readOnly`: nothing is written (a control plane on Kubernetes); `suspended`: those of them
   * suspended, and by what (nothing of them is pruned until resumed).
   */
  | {
      readonly type: "meshes.removed";
      readonly revision: string;
      readonly meshes: readonly string[];
      readonly prune: boolean;
      readonly readOnly: boolean;
      readonly suspended: ReadonlyMap<string, "config" | "api">;
    }
  /**
   * The followed branch could not be read: its fetch failed, or the branch cannot be resolved (deleted, renamed). The
   * run goes on with `kept`, the last revision fetched (or read). `attempt`: the tries that failed in a row, this one
   * included (1 starts a failure streak; a `source.recovered` ends it).
   */
  | { readonly type: "source.failed"; readonly stage: "fetch" | "resolve"; readonly message: string; readonly kept: string; readonly attempt: number }
  /** The branch was read again (fetched, when a fetch had failed) after a `source.failed`. */
  | { readonly type: "source.recovered"; readonly revision: string }
  /** The branch head does not descend from the last one (force-push): followed, with a warning. */
  | { readonly type: "source.rewritten"; readonly previous: string; readonly revision: string; readonly branch: string }
  /**
   * `--controls-file` could not be written (controls.ts): it may hold approvals the daemon let go of, and approved
   * plans wait until it can be; said once per reason. `controls.saved`: written again since.
   */
  | { readonly type: "controls.unsaved"; readonly message: string }
  | { readonly type: "controls.saved" }
  /** A drift check re-applies these meshes (`correct` mode). */
  | { readonly type: "drift.correcting"; readonly revision: string; readonly meshes: readonly string[]; readonly reasons: readonly TriggerKind[]; readonly summary: Plan["summary"] }
  /** Writes begin in these meshes. */
  | { readonly type: "apply.started"; readonly revision: string; readonly meshes: ReadonlySet<string> }
  /**
   * The control plane refused changes of `revision` (and nothing failed that another try could fix): not retried until
   * a new commit, a change on the control plane or a manual sync. `reason`: the first refusal, one line.
   */
  | { readonly type: "apply.refused"; readonly revision: string; readonly refused: number; readonly reason: string }
  /** The refused apply of `revision` is tried again: the control plane changed since it refused it. */
  | { readonly type: "apply.retrying"; readonly revision: string; readonly because: string }
  /**
   * Writes of `revision` sent and never answered (timed out, connection reset): they may still land, even over a newer
   * write, so the control plane is compared again a few times (recheck.ts). `resources`: `Type/mesh/name`.
   */
  | { readonly type: "write.outcome-unknown"; readonly revision: string; readonly resources: readonly string[] }
  /**
   * A comparison made because of writes of unknown outcome: `checked`, the resources it was for; `rewritten`, those it
   * found not as `revision` says and wrote again (an old write landed late, or an edit); `left`, the checks still to come.
   * `failed`: why it could not compare or write back (not done: a check after it, or a try again of the last, is among
   * `left`); `gaveUp`: the resources whose last check failed every try, their outcome unknown; `waiting`: those found
   * changed in a mesh nothing may be written to (suspended, blocked, held), checked again once it opens.
   */
  | {
      readonly type: "write.rechecked";
      readonly revision: string | null;
      readonly checked: readonly string[];
      readonly rewritten: readonly string[];
      readonly left: number;
      readonly failed?: string;
      readonly gaveUp?: readonly string[];
      readonly waiting?: readonly string[];
    }
  /**
   * What waits for its mesh (`write.rechecked` `waiting`) changed between checks: a mesh opened (its resources are
   * checked at once, no longer waiting), or a comparison found a mesh gone, neither in the repository nor on the
   * control plane: its resources are `forgotten` (by mesh), no check is left for them. `waiting`: those still waiting.
   */
  | { readonly type: "write.waiting"; readonly waiting: readonly string[]; readonly forgotten: ReadonlyMap<string, readonly string[]> }
  /** One change of an apply finished (applied, failed or skipped). */
  | { readonly type: "change.done"; readonly revision: string; readonly result: ChangeResult }
  /**
   * A valid revision was applied to `meshes` (`results`: those that had changes); `inventory` is what the revision
   * wants in each mesh, computed on demand (counting 50,000 resources is not free).
   */
  | {
      readonly type: "meshes.synced";
      readonly commit: CommitInfo;
      readonly meshes: readonly string[];
      readonly results: ReadonlyMap<string, MeshApplyResult>;
      readonly inventory: () => ReadonlyMap<string, MeshInventory>;
      readonly driftMode: (mesh: string) => DriftMode;
      /** Shutdown began during the apply: skipped changes were stopped, not held back by a failure. */
      readonly stopped: boolean;
    }
  /** The drift left in `meshes` (every mesh compared, with or without items) and what each mesh wants, in counts. */
  | {
      readonly type: "drift.checked";
      readonly revision: string;
      readonly meshes: readonly string[];
      readonly report: DriftReport;
      readonly desiredCounts: ReadonlyMap<string, number>;
      readonly driftMode: (mesh: string) => DriftMode;
      /** A mesh invalid at the head was compared with its last valid revision (gate.ts keptRevisions); the others with `revision`. */
      readonly keptRevisions?: ReadonlyMap<string, string>;
    }
  /**
   * An error stopped the run (repository or control plane unreachable, a bug): it held back every mesh.
   * `controlPlane`: the control plane did not answer, or not usefully (down, slow, 5xx): what it holds is unknown.
   */
  | { readonly type: "run.failed"; readonly kind: RunKind; readonly revision: string | null; readonly message: string; readonly controlPlane: boolean }
  | {
      readonly type: "run.finished";
      readonly run: number;
      /** The branch's revision as the run resolved it (null when it could not). */
      readonly revision: string | null;
      readonly reasons: readonly TriggerKind[];
      readonly triggers: number;
      readonly durationMs: number;
      readonly end: RunEnd | undefined;
    }
  /**
   * A run left something to try again (a source that failed, a revision not completely applied): the retry with
   * backoff due `at`. `attempt` counts the retries in a row; `pending`: scheduled by an earlier run, not moved.
   */
  | { readonly type: "retry.scheduled"; readonly attempt: number; readonly at: Date; readonly delayMs: number; readonly pending: boolean }
  /** When the next drift check is due (null: none scheduled). */
  | { readonly type: "drift.scheduled"; readonly at: Date | null }
  /** `--hydrate-branch`: a valid revision is being hydrated onto the branch (hydrator.ts). */
  | { readonly type: "hydrate.started"; readonly revision: string; readonly branch: string }
  /** It was, or it failed: `message` is its output's last line, `problems` the lines of a failure. */
  | { readonly type: "hydrate.finished"; readonly revision: string; readonly branch: string; readonly ok: boolean; readonly durationMs: number; readonly message: string; readonly problems: readonly string[] };

/**
 * The meshes a comparison found in the revision or on the control plane: those the revision wants something in, and
 * those with drift (a mesh holding only what the control plane made or received is none). The metrics' per-mesh
 * figures and the status's meshes (with those the head still names) are these.
 */
export function meshesFound(event: Pick<EventOf<"drift.checked">, "desiredCounts" | "report">): Set<string> {
  const found = new Set(event.desiredCounts.keys());
  for (const item of event.report.items) found.add(item.mesh);
  return found;
}

/**
 * A run that did what it was for: never one that failed, stopped, found an invalid revision or held a mesh for
 * approval (the "last successful reconcile" of the status and the metrics).
 */
export function isSuccessful(result: RunResult): boolean {
  return result === "applied" || result === "unchanged" || result === "in-sync" || result === "drifted" || result === "corrected";
}

export type DaemonEventType = DaemonEvent["type"];
export type EventOf<T extends DaemonEventType> = Extract<DaemonEvent, { type: T }>;
export type DaemonEventListener = (event: DaemonEvent) => void;

/** A synchronous, typed emitter: every listener has seen an event when `emit` returns, in subscription order. */
export class DaemonEvents {
  readonly #listeners = new Set<DaemonEventListener>();

  /** Returns the unsubscribe function. */
  on(listener: DaemonEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: DaemonEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
