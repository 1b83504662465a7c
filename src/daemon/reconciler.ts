/**
 * `reconcileOnce`: one run of the daemon's loop. Everything a run does is here, in order; the loop around it (queue,
 * timers, retries, shutdown) is in daemon.ts.
 *
 * A sync, for a revision not seen before: read it, validate it, compare with the control plane, plan, gate, apply,
 * and record what drift is left. Tenants are isolated (gate.ts): an error in one mesh keeps that mesh at the last
 * revision valid for it while the others get the new one (only an error no mesh can be named for refuses the commit
 * whole); a change the guard flags waits in its mesh for approval of that very plan (controls.ts); a suspended mesh
 * is left alone; a failing mesh does not hold back the others.
 * A drift check, on the timer: compare the control plane with the last valid revision; per mesh, report the drift or
 * (in `correct` mode, not suspended, through the same gate) re-apply.
 *
 * Between two commits little changes, and a sync costs what changed, not what the repository holds: only the files
 * that changed since the last read are read (src/source/git.ts), only the meshes they touch get their desired state
 * rebuilt (src/desired/index.ts), and only the subjects whose desired object changed, or that were out of sync, are
 * planned (src/sync/incremental.ts), against the live state kept in a cache (liveCache.ts) instead of a list of the
 * whole control plane. A full comparison (list everything, plan everything) is the fallback whenever the shortcut's
 * premises do not hold: the first run, a forced run (startup, retry, API), a run that also checks drift, a cache made
 * unknown by an error, a changed meshops.yaml, another control plane version or instance. The drift timer lists the
 * control plane every interval whatever happens, which is how edits made outside Git are found.
 *
 * A run never throws: whatever goes wrong (repository unreadable, control plane unreachable, a bug) becomes an
 * "error" result, and the daemon retries a failed sync with backoff.
 */
import type { DriftMode, RepoConfig } from "../config/repoConfig.js";
import type { Backend, ServerInfo, TypeInfo } from "../backend/types.js";
import { driftOptionsOf, type DriftReport } from "../diff/drift.js";
import { groupBy } from "../diff/pair.js";
import { planOptionsOf, type Plan } from "../diff/plan.js";
import { readSnapshot, retainBlobs } from "../source/index.js";
import { applyPlan, type ChangeSet } from "../sync/apply.js";
import { BackendError } from "../backend/types.js";
import { DEFAULT_TIMEOUT_MS as DEFAULT_REQUEST_TIMEOUT_MS } from "../backend/kumaHttp.js";
import { hasErrors } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import { whereDefinedIn } from "../report/common.js";
import { applyResultsByMesh, desiredCountsByMesh, driftModeOf, meshesDefinedBy, meshesLeaving, meshesOf, skipListsExtended, type MeshApplyResult } from "../sync/meshes.js";
import { compare, driftInSlices, planInSlices, type Comparison } from "../sync/reconcile.js";
import { buildDesiredSteps, targetOf, type DesiredState } from "../desired/index.js";
import { outOfSyncSubjects, planIncremental, updateDrift } from "../sync/incremental.js";
import type { Snapshot } from "../source/types.js";
import { AnalysisCache, validateSnapshotSteps, type ValidateOptions, type ValidationResult } from "../validate/index.js";
import { runStepsSliced, yieldToEventLoop } from "../util/steps.js";
import type { DaemonEvents, RunEnd } from "./events.js";
import { inventoryOf, type MeshInventory } from "./inventory.js";
import { takeovers } from "../desired/ownership.js";
import { errorMessage } from "../util/errorMessage.js";
import { DecryptionCache, unsealResources } from "../secrets/unseal.js";
import { LiveCache } from "./liveCache.js";
import { locatedDiagnostics, unknownServiceWarnings } from "../validate/services.js";
import { renderDiagnosticLine } from "../report/diagnostics.js";
import { CONTROL_PLANE_LACKS_RULE, lackedGroupWarning, lackedInPlan, unshownSentence } from "../sync/live.js";
import { driftAfterApplySteps, isActionable, remainingDrift, restrictPlan, writesOf } from "../sync/remaining.js";
import type { MeshControls } from "./controls.js";
import { changedPrunable, prunableByMesh, stillOrphaned, type PrunableByMesh } from "./prunable.js";
import { comparableDrift, composeTarget, gatePlanSteps, holdReleased, invalidityOf, keptRevisions, lackingByMesh, unplannable, type GateInput, type GateOutput, type HeldPlan } from "./gate.js";
import { onlyForcedByRetry, type Work } from "./queue.js";
import { namesUpTo } from "../util/namesUpTo.js";
import { NAMED_AT_MOST, recheckDelays, UnsureWrites, waitingWrites, type WaitingWrites } from "./recheck.js";
import type { RevisionSource } from "./source.js";
import type { CommitInfo, RunKind, RunResult } from "./statusTypes.js";

export interface ReconcilerOptions {
  readonly source: RevisionSource;
  /** `--path`: the sub-folder of the repository holding the configuration. */
  readonly path: string | undefined;
  readonly maxFileBytes?: number;
  /** How each revision is validated (`--exclude`, `--allow-empty`, `--deprecations-as-errors`). */
  readonly validation?: ValidateOptions;
  readonly backend: Backend;
  /** Where every fact of a run goes: the status, the metrics and the log subscribe (events.ts). */
  readonly events: DaemonEvents;
  /** `--drift-mode`: when set, the mode of every mesh, whatever meshops.yaml says. */
  readonly driftMode: DriftMode | undefined;
  /**
   * SOPS keys (age identities and armored PGP private keys); a commit with a file they do not decrypt is invalid
   * (nothing applied). A function gives the keys now (the same array until they change: key files read again); keys
   * that changed since the last validation have the head validated again.
   */
  readonly sopsKeys?: SopsKeys;
  /** True once shutdown began: the apply in flight finishes its current writes and starts no more. */
  readonly stopRequested: () => boolean;
  /** Approvals and suspensions given through the API (and meshops.yaml's `suspend:`, kept there by the reconciler). */
  readonly controls: MeshControls;
  /** `--max-deletes` / `--max-delete-percent`: when set, override meshops.yaml's prune limits. */
  readonly pruneLimits?: { readonly maxDeletes?: number; readonly maxDeletePercent?: number };
  /** `--request-timeout`: the checks after a write of unknown outcome are spaced in multiples of it (recheck.ts). */
  readonly requestTimeoutMs?: number;
}

export interface RunOutcome {
  readonly kind: RunKind | "none";
  readonly result: RunResult | "nothing";
  /** Worth running again after a backoff: the last valid revision is not completely applied. */
  readonly retry: boolean;
  /** When to compare again because of writes whose outcome is unknown (a "recheck" run, recheck.ts); none when undefined. */
  readonly recheckInMs?: number;
}

/**
 * What a run is for, given what triggered it and what the last runs saw. Pure.
 * - "sync": read, validate and apply the branch's revision;
 * - "apply": apply the last valid revision again (its apply failed, and the branch now points at a refused commit);
 * - "drift": compare the control plane with the last valid revision;
 * - "nothing": the branch has not moved and nothing else was asked for.
 */
/** SOPS keys, or what gives them now (cli/secrets.ts SopsKeyFiles). */
export type SopsKeys = readonly string[] | (() => readonly string[]);

const NO_KEYS: readonly string[] = [];

export function decideRun(
  work: Pick<Work, "force" | "drift">,
  revision: string,
  last: { readonly validated: string | undefined; readonly valid: boolean; readonly target: "none" | "applied" | "failed" },
): "sync" | "apply" | "drift" | "nothing" {
  if (revision !== last.validated) return "sync";
  if (work.force) {
    if (last.valid || last.target === "none") return "sync";
    // The branch points at a refused commit: validating it again would say the same. What can still be done is
    // finishing the last valid revision's apply, or checking that it still holds.
    return last.target === "failed" ? "apply" : "drift";
  }
  return work.drift && last.target !== "none" ? "drift" : "nothing";
}

interface Target {
  readonly revision: string;
  readonly commit: CommitInfo;
  /** The head's resources, except in invalid meshes: those keep what the last target had there (gate.ts). */
  readonly result: ValidationResult;
  /** Meshes nothing is written to by a sync of this target: invalid at the head, with the reason. */
  readonly invalid: ReadonlyMap<string, string>;
  /** Invalid meshes the target has nothing of: not even a drift check corrects them. */
  readonly unplannable: ReadonlySet<string>;
  /** The other invalid meshes: the commit whose resources they keep (gate.ts keptRevisions). */
  readonly kept: ReadonlyMap<string, CommitInfo>;
  /** The meshes of the head: those with resources, and the invalid ones. */
  readonly meshes: readonly string[];
  /**
   * Not completely applied, and trying again may help (a failed change, an unreachable control plane, a shutdown).
   * Not set by a plan held for approval: that needs a person (or a new commit), not another try.
   */
  pending: boolean;
  /**
   * The control plane refused changes of this revision, and nothing else failed: not pending (another try would get
   * the same answer) until the control plane changes: until a list differs from what the live cache knew before it
   * (#compare), which at the first list after the refusal is the control plane as it was refused.
   */
  refused: { readonly meshes: ReadonlySet<string> } | undefined;
}

const NO_CHANGES = { applied: 0, failed: 0, skipped: 0 };

/**
 * What the last completed run left behind, the starting point of an incremental plan: the desired state it planned
 * and the drift left after it (desired and cached live state agree on every other subject).
 */
interface Base {
  readonly desired: DesiredState;
  /** meshops.yaml as parsed: a change to it means a full plan. */
  readonly configKey: string;
  readonly drift: DriftReport;
  /**
   * The meshes the last full comparison found holding a kind meshops does not read (compare()'s
   * meshesHoldingOthers): the live cache lacks those kinds, so an incremental plan keeps their Mesh too, which a Mesh
   * kept so and orphaned since would otherwise be planned to delete.
   */
  readonly meshesHoldingOthers: ReadonlySet<string>;
}

/** A plan of the target revision, full or incremental, and how to work out the drift once it is applied. */
interface Round {
  readonly mode: "full" | "incremental";
  readonly desired: DesiredState;
  readonly plan: Plan;
  readonly ownedCount: number;
  /** Subjects planned (all of them for a full plan). */
  readonly planned: number;
  /** Base.meshesHoldingOthers after this round. */
  readonly meshesHoldingOthers: ReadonlySet<string>;
  /** The control plane planned for (GET /) and the kinds it serves (GET /_resources): what it lacks is held. */
  readonly info: ServerInfo;
  readonly served: readonly TypeInfo[];
  /** The drift left after applying the plan (call it after the cache has recorded the changes). */
  driftAfter(changes: ChangeSet | undefined): DriftReport | Promise<DriftReport>;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  /** Blob texts and per-file analyses by blob id: a commit that changes one file re-reads and re-checks one file. */
  readonly #blobs = new Map<string, string>();
  readonly #analysis = new AnalysisCache();
  /** Encrypted files decrypted by earlier runs (by path and content): a commit that does not touch one reuses it. */
  readonly #decrypted = new DecryptionCache();
  /** The control plane as last listed, and written through since. */
  readonly #live = new LiveCache();
  /** Runs so far: the number of the next one is one more. */
  #runs = 0;
  /**
   * The revision validated last, valid or not: a branch that has not moved is not validated again. `repositoryWide`:
   * its error no mesh can be named for, which holds every mesh back until a valid commit (whatever runs in between),
   * and then the head's meshes (`headMeshes`), which every gate names, so that one only the head has stays listed.
   */
  #validated: { readonly revision: string; readonly valid: boolean; readonly repositoryWide: string | null; readonly headMeshes?: readonly string[] } | undefined;
  /** The last valid revision: what the control plane should hold. An invalid commit never replaces it. */
  #target: Target | undefined;
  /** The last sync could not read the branch (repository unreachable, fetch failed): tried again after a backoff. */
  #readFailed = false;
  /** What of the source failed last (#readHead), until a run does it again, and how many tries in a row failed. */
  #sourceFailure: "fetch" | "resolve" | undefined;
  #sourceAttempts = 0;
  /** The last snapshot read: the next read only reads the files that changed since. */
  #snapshot: Snapshot | undefined;
  /** The desired state built last: meshes whose resources did not change are taken over by the next build. */
  #desired: DesiredState | undefined;
  /** Where an incremental plan can start from; undefined when the next sync must compare everything. */
  #base: Base | undefined;
  /** Meshes whose plan the gate holds for approval. */
  #held = new Map<string, HeldPlan>();
  /** Meshes whose plan writes what the control plane lacks, held (the reason); none written until it or the repository changes. */
  #lacking = new Map<string, string>();
  /** The control plane they were held on (#lackingIdentity): another (an upgrade, a held mesh's Mesh created) has the target applied again. */
  #lackingOn: string | undefined;
  /** With prune off, what prune on would delete, per mesh, as last said (`prunable.changed`). */
  #prunable: PrunableByMesh = new Map();
  /** The kinds the control plane served at the last full comparison: an incremental plan is only made for the same server. */
  #served: readonly TypeInfo[] | undefined;
  /** The SOPS keys the last validation decrypted with: other keys now have the head validated again. */
  #keysUsed: readonly string[] | undefined;
  /** The branch head last resolved: a new head that does not descend from it was force-pushed. */
  #head: string | undefined;
  /** The control plane runs on Kubernetes (GET / and --mode, asked at every sync): nothing is written, drift is reported. */
  #kubernetes = false;
  /** Writes sent and never answered, which may still land: compared again a few times (recheck.ts). */
  readonly #unsure: UnsureWrites;
  /**
   * In a recheck run: the resources it is for, those it found changed and wrote again, those it could not write, and
   * those it found changed in a mesh nothing was written to (undefined until it planned).
   */
  #recheck: { readonly resources: ReadonlySet<string>; readonly rewritten: Set<string>; readonly failed: Set<string>; waiting?: WaitingWrites } | undefined;
  /** In a run that is no recheck: what waited for its mesh and this run wrote back (the mesh opened meanwhile). */
  readonly #writtenBack = new Set<string>();
  /** The run syncs a new revision: its writes are its own, not a write back of what an old write replaced. */
  #newRevision = false;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#unsure = new UnsureWrites(recheckDelays(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS));
  }

  async reconcileOnce(work: Work): Promise<RunOutcome> {
    const { events } = this.#o;
    const started = performance.now();
    const run = ++this.#runs;
    events.emit({ type: "run.started", run, reasons: work.reasons });
    let kind: RunKind = "sync";
    let revision: string | null = null;
    let end: RunEnd | undefined;
    let sourceFailed = false;
    // Only what earlier runs left unsure is rechecked: a write of this run, unsure too, waits for its own checks. A
    // forced run (a mesh resumed through the API) compares everything: it is the check due, if one is.
    this.#reopen();
    const recheckDue = work.reasons.includes("recheck") || (work.force && this.#unsure.nextInMs(Date.now()) === 0);
    this.#recheck = recheckDue && this.#unsure.resources.size > 0 ? { resources: new Set(this.#unsure.resources), rewritten: new Set(), failed: new Set() } : undefined;
    this.#newRevision = false;
    try {
      const head = await this.#readHead(work.fetch);
      sourceFailed = head.failed;
      revision = head.revision;
      await this.#checkRewritten(revision);
      const target = !this.#target ? "none" : this.#target.pending || this.#target.refused ? "failed" : "applied";
      // Keys rotated since the last validation may decrypt what it could not: that revision is validated again.
      const keysChanged = this.#keysUsed !== undefined && this.#sopsKeys() !== this.#keysUsed;
      const last = { validated: keysChanged ? undefined : this.#validated?.revision, valid: this.#validated?.valid ?? false, target } as const;
      // A retry that only the source asked for (nothing of the target pending, no check due) tried the fetch again:
      // the kept revision has not changed, and drift checks compare it on their own schedule. A forced run for any
      // other reason (startup, the API) still compares in full.
      const sourceRetry = head.failed && this.#target?.pending !== true && !this.#recheck && onlyForcedByRetry(work);
      const decision = decideRun(sourceRetry ? { ...work, force: false } : work, revision, last);
      // A new revision's writes are its own, not an old write's landing undone: the check waits for a run of its own
      // (its time has come, so at once), which compares what this one leaves.
      if (decision === "sync" && revision !== last.validated) {
        this.#recheck = undefined;
        this.#newRevision = true;
      }
      if (decision === "sync") end = await this.#sync(revision, work);
      else if (decision === "apply" && this.#target) end = await this.#apply(this.#target, "a failed apply is retried");
      // The branch points at a refused commit: the last valid revision is what the unsure writes are compared with.
      else if (decision === "drift" && this.#recheck && this.#target && !this.#kubernetes) end = await this.#apply(this.#target, "rechecking writes whose outcome was unknown");
      else if (decision === "drift") {
        kind = "drift";
        end = await this.#checkDrift(work);
      }
    } catch (error) {
      // Whatever failed (a request that may or may not have reached the control plane, a bug halfway through an
      // apply), the cached live state is no longer to be trusted: the next run lists everything again.
      this.#live.invalidate("a run failed");
      this.#base = undefined;
      const message = errorMessage(error);
      events.emit({ type: "run.failed", kind, revision, message, controlPlane: error instanceof BackendError });
      if (kind === "sync" && (revision === null || this.#validated?.revision !== revision)) this.#readFailed = true;
      end = { kind, result: "error", revision, commit: null, summary: { ...NO_CHANGES, drift: 0 }, error: message };
    }
    if (sourceFailed) this.#readFailed = true;
    if (this.#recheck) this.#endRecheck(revision, end);
    this.#endWrittenBack(revision);
    // A mesh this run opened (unblocked, an approved plan applied): what waited there is checked at once.
    this.#reopen();
    const durationMs = performance.now() - started;
    events.emit({ type: "run.finished", run, revision, reasons: work.reasons, triggers: work.triggers, durationMs, end });
    const recheckInMs = this.#unsure.nextInMs(Date.now());
    const next = recheckInMs === undefined ? {} : { recheckInMs };
    return end ? { kind: end.kind, result: end.result, retry: this.#needsRetry, ...next } : { kind: "none", result: "nothing", retry: this.#needsRetry, ...next };
  }

  /**
   * The branch could not be read, or a valid revision is not (completely) applied: a failed change, an unreachable
   * control plane, a shutdown. Stays true through invalid commits that come after it, until an apply completes.
   * A failed drift check alone needs no retry: the next tick compares again.
   */
  get #needsRetry(): boolean {
    return this.#target?.pending === true || this.#readFailed;
  }

  /** What waited in meshes open now is checked at once: no longer listed as waiting from now on, not from the check's end. */
  #reopen(): void {
    if (this.#unsure.reopen((mesh) => this.#isShut(mesh), Date.now())) this.#o.events.emit({ type: "write.waiting", waiting: this.#unsure.waiting, forgotten: new Map() });
  }

  /**
   * What waited in a mesh gone from the repository (the target's meshes, invalid ones included) and from the control
   * plane (`compared`: the meshes the comparison with the target found) is forgotten, and its API suspension dropped.
   */
  #forgetGone(compared: readonly string[]): void {
    const meshes = new Set([...compared, ...(this.#target?.meshes ?? [])]);
    const found = (mesh: string) => meshes.has(mesh);
    const forgotten = this.#unsure.forgetGone(found);
    if (forgotten.size > 0) this.#o.events.emit({ type: "write.waiting", waiting: this.#unsure.waiting, forgotten });
    const unsuspended = this.#o.controls.forgetGone(found);
    if (unsuspended.length > 0) this.#o.events.emit({ type: "suspensions.dropped", meshes: unsuspended });
  }

  /** Nothing is written to `mesh` now: suspended, invalid, blocked for what the control plane lacks, or held for approval. */
  #isShut(mesh: string): boolean {
    return this.#o.controls.suspendedBy(mesh) !== undefined || this.#target?.invalid.has(mesh) === true || this.#lacking.has(mesh) || this.#held.has(mesh);
  }

  #sopsKeys(): readonly string[] {
    const keys = this.#o.sopsKeys ?? NO_KEYS;
    return typeof keys === "function" ? keys() : keys;
  }

  /**
   * Fetches (when asked) and resolves the branch. When either fails and there is a revision to go on with (the copy's,
   * else the last head read), the run goes on with it, `failed` (retried with backoff): a source problem, reported as
   * such, not the meshes' (they keep what was applied, and their drift is checked); a retry that only the source
   * asked for goes no further (reconcileOnce). Cleared by the next run that does
   * what failed: a fetch failure by a fetch, a branch that could not be resolved by resolving it.
   */
  async #readHead(fetch: boolean): Promise<{ revision: string; failed: boolean }> {
    const { source, events } = this.#o;
    let fetchError: { readonly error: unknown } | undefined;
    if (fetch) await source.update().catch((error: unknown) => (fetchError = { error }));
    let revision: string | undefined;
    let resolveError: unknown;
    try {
      revision = await source.resolve();
    } catch (error) {
      resolveError = error;
    }
    if (revision !== undefined && !fetchError) {
      if (this.#sourceFailure === "resolve" || (this.#sourceFailure === "fetch" && fetch)) {
        this.#sourceFailure = undefined;
        this.#sourceAttempts = 0;
        // Nothing left to retry for the source: a revision not validated yet is synced by this very run.
        this.#readFailed = false;
        events.emit({ type: "source.recovered", revision });
      }
      return { revision, failed: false };
    }
    const stage = fetchError ? "fetch" : "resolve";
    const error = fetchError ? fetchError.error : resolveError;
    const kept = revision ?? this.#head;
    if (kept === undefined) throw error;
    this.#sourceFailure = stage;
    events.emit({ type: "source.failed", stage, message: errorMessage(error), kept, attempt: ++this.#sourceAttempts });
    return { revision: kept, failed: true };
  }

  /** A head that does not descend from the last one: the branch was rewritten (force-push). Followed, with a warning. */
  async #checkRewritten(revision: string): Promise<void> {
    const previous = this.#head;
    this.#head = revision;
    if (previous === undefined || previous === revision || (await this.#o.source.isAncestor(previous, revision))) return;
    this.#o.events.emit({ type: "source.rewritten", previous, revision, branch: this.#o.source.branch });
  }

  async #sync(revision: string, work: Work): Promise<RunEnd> {
    const { source, events } = this.#o;
    const commit = await source.commitInfo(revision);
    events.emit({ type: "sync.started", revision, commit, reasons: work.reasons });
    const snapshot = await readSnapshot({
      repo: source.dir,
      ref: revision,
      ...(this.#o.path !== undefined ? { path: this.#o.path } : {}),
      ...(this.#o.maxFileBytes !== undefined ? { maxFileBytes: this.#o.maxFileBytes } : {}),
      blobCache: this.#blobs,
      objects: source.objects,
      ...(this.#snapshot ? { previous: this.#snapshot } : {}),
    });
    this.#snapshot = snapshot;
    retainBlobs(this.#blobs, snapshot);
    // Seconds of CPU for a large repository read cold: in slices, so that /healthz keeps answering (issue 14, M3).
    const validated = await runStepsSliced(validateSnapshotSteps(snapshot, this.#analysis, this.#o.validation));
    // Encrypted files are decrypted in memory for this run, in the meshes valid so far; one that does not decrypt
    // makes its meshes invalid.
    let texts: Map<string, string> | undefined; // by path, made only if a file is encrypted
    const textOf = (file: string) => (texts ??= new Map(snapshot.files.map((f) => [f.path, f.text]))).get(file);
    const first = invalidityOf(validated.diagnostics, revision);
    const open = composeTarget(validated, undefined, new Set(first.byMesh.keys()));
    const keys = this.#sopsKeys();
    this.#keysUsed = keys;
    const unsealed = first.repositoryWide === null ? (await unsealResources(open, textOf, keys, this.#decrypted)).result : validated;
    const invalidity = unsealed === validated ? first : invalidityOf(unsealed.diagnostics, revision);
    const applicable = invalidity.repositoryWide === null;
    if (applicable) this.#decrypted.sweep();
    const previous = this.#target;
    this.#validated = { revision, valid: applicable, repositoryWide: invalidity.repositoryWide, ...(applicable ? {} : { headMeshes: meshesOfResult(unsealed, invalidity.byMesh) }) };
    this.#readFailed = false;
    const valid = !hasErrors(unsealed.diagnostics);
    // What follows is another stretch of work on every resource and mesh: the probes get their turn first (here, so
    // that the status hears of the validation and of the gates it leads to in the same turn).
    await yieldToEventLoop();
    events.emit({ type: "revision.validated", commit, valid, diagnostics: unsealed.diagnostics, kept: applicable ? revision : (previous?.revision ?? null) });
    if (!applicable) {
      this.#emitGates(revision, previous?.invalid ?? new Map(), meshesOfResult(unsealed, invalidity.byMesh));
      return { kind: "sync", result: "invalid", revision, commit, summary: { ...NO_CHANGES, drift: 0 } };
    }

    const invalid = new Set(invalidity.byMesh.keys());
    const result = composeTarget(unsealed, previous?.result, invalid);
    // Pending until the apply below completes.
    const meshes = meshesOfResult(result, invalidity.byMesh);
    const unplannableMeshes = unplannable(invalid, previous?.result);
    const kept = keptRevisions(invalid, previous, unplannableMeshes);
    this.#target = { revision, commit, result, invalid: invalidity.byMesh, unplannable: unplannableMeshes, kept, meshes, pending: true, refused: undefined };
    this.#o.controls.setConfigSuspended(result.config.suspend);
    this.#emitGates(revision, invalidity.byMesh, meshes);
    this.#readOnly((await this.#o.backend.info()).environment, result.config);
    // A mesh gone from the repository would otherwise go unsaid: its card leaves the page once nothing of it is left.
    const present = new Set(meshes);
    const removed = previous ? previous.meshes.filter((mesh) => !present.has(mesh)) : [];
    if (removed.length > 0) {
      const suspensions = this.#o.controls.suspensions();
      const suspended = new Map(removed.flatMap((mesh) => { const by = suspensions.get(mesh); return by ? [[mesh, by] as const] : []; }));
      events.emit({ type: "meshes.removed", revision, meshes: removed, prune: result.config.prune.enabled, readOnly: this.#kubernetes, suspended });
    }
    if (this.#kubernetes) {
      // Written through Kubernetes (Argo CD, Flux, `meshops hydrate`): a new revision is compared, never applied.
      this.#target.pending = false;
      return { ...(await this.#checkDrift(work)), kind: "sync" };
    }
    // A forced run is asked to compare again from scratch; a run that also stands for a drift check must list the
    // control plane, or an out-of-band edit would wait one more interval to be seen.
    const full = work.force ? `forced (${work.reasons.join(", ")})` : work.drift ? "a drift check is due" : undefined;
    return this.#apply(this.#target, full);
  }

  /**
   * Plans and applies the target revision, every mesh: incrementally when the last run left a base to start from,
   * otherwise (or when `full` gives a reason to) by comparing everything.
   */
  async #apply(target: Target, full?: string): Promise<RunEnd> {
    const { events } = this.#o;
    const { revision, commit, result } = target;
    const config = result.config;
    target.pending = true;
    target.refused = undefined;
    const round = await this.#plan(target, full);
    const { plan, desired } = round;
    const taken = takeovers(plan.changes, config.instance);
    if (taken.length > 0) events.emit({ type: "ownership.takeovers", revision, takeovers: taken });
    const adopted = plan.changes.filter((c) => c.adopts).map((c) => c.resource);
    if (adopted.length > 0) events.emit({ type: "ownership.adoptions", revision, resources: adopted, definedAt: locationsOf(adopted, desired.resources) });
    this.#setPrunable(revision, prunableByMesh(plan.prunable));
    // Online, the control plane's MeshServices settle the references the repository leaves open: report the rest.
    const unknown = await runStepsSliced(this.#live.unknownReferencesSteps(result.serviceReferences));
    events.emit({ type: "references.unknown", revision, diagnostics: await unknownServiceWarnings(unknown, result.texts) });
    const driftMode = this.#modes(config);

    // Nothing is written to a suspended or invalid mesh, nor to one whose plan writes what the control plane lacks (it
    // would refuse it halfway), nor (until approved) to one whose plan the guard flags.
    const shut = new Set([...this.#o.controls.suspensions().keys(), ...target.invalid.keys()]);
    this.#lacking = await this.#lackingOf(round, result, shut);
    this.#lackingOn = this.#lacking.size > 0 ? this.#lackingIdentity(round.info, round.served) : undefined;
    const closed = this.#lacking.size === 0 ? shut : new Set([...shut, ...this.#lacking.keys()]);
    const gated = await runStepsSliced(gatePlanSteps({ plan, desired, live: this.#live.objects.values(), ownedCount: round.ownedCount, limits: this.#limits(config), revision, closed, ...this.#approvals(revision) }));
    this.#dropApprovals(revision, gated.dropped);
    const gate = this.#spendApprovals(gated);
    this.#held = new Map(gate.held);
    this.#emitGates(revision, target.invalid, target.meshes);

    // Each stage below is a pass over every resource or mesh (tens of milliseconds at 50,000): the event loop gets a
    // turn between them, so no one turn adds up to more than the probes' 100 ms (the status events excepted).
    await yieldToEventLoop();
    if (this.#recheck) this.#recheck.waiting = waitingWrites(this.#recheck.resources, plan.changes, (mesh) => closed.has(mesh) || gate.held.has(mesh));
    const changes = writesOf(gate.plan) > 0 ? await this.#write(gate.plan, revision) : undefined;
    if (changes) await runStepsSliced(this.#live.recordSteps(changes));
    const drift = await round.driftAfter(changes);
    const shown = comparableDrift(drift, target.unplannable);
    // 50,000 results after an initial apply: grouped in a turn of their own, before the status hears of them.
    const results = changes ? applyResultsByMesh(changes) : new Map<string, MeshApplyResult>();
    await yieldToEventLoop();
    const compared = meshesOf(desired, plan, shown);
    this.#forgetGone(compared);
    const meshes = compared.filter((mesh) => !closed.has(mesh) && !gate.held.has(mesh));
    const stopped = this.#o.stopRequested();
    this.#approvalsUsed(revision, meshes, results);
    // No turn between these two and the end of the run: the status would say "applied" and not yet "ready".
    events.emit({ type: "meshes.synced", commit, meshes, results, inventory: () => inventoryOf(desired, config), driftMode, stopped });
    events.emit({ type: "drift.checked", revision, meshes: compared, report: shown, desiredCounts: desiredCountsByMesh(desired), driftMode, keptRevisions: keptRevisionsOf(target) });

    const s = changes?.summary ?? NO_CHANGES;
    // Changes the control plane refused, and no other failure nor a stop: trying again would get the same answer.
    const refusals = s.failed > 0 && !stopped ? refusalsOf(changes) : undefined;
    // An approved plan held because its approval could not be recorded as used is applied by a retry once it can.
    target.pending = (refusals === undefined && (s.failed > 0 || s.skipped > 0)) || gate !== gated;
    if (refusals) {
      target.refused = { meshes: refusals.meshes };
      events.emit({ type: "apply.refused", revision, refused: refusals.count, reason: refusals.reason });
    }
    this.#base = this.#live.known && !target.pending ? { desired, configKey: configKeyOf(config), drift, meshesHoldingOthers: round.meshesHoldingOthers } : undefined;
    const outcome: RunResult =
      s.failed > 0 ? "failed" : s.skipped > 0 && stopped ? "stopped" : target.invalid.size > 0 ? "invalid" : gate.held.size > 0 || this.#lacking.size > 0 ? "refused" : s.applied > 0 ? "applied" : "unchanged";
    events.emit({ type: "plan.done", revision, mode: round.mode, planned: round.planned, summary: plan.summary });
    return { kind: "sync", result: outcome, revision, commit, summary: { ...s, drift: actionableCount(shown) } };
  }

  /**
   * The plan of the target revision. Incremental when the last run left a base, the cache is known, meshops.yaml and
   * the control plane (version, instance) are the same: one GET / and no list. Otherwise a full comparison, which
   * also refills the cache.
   */
  async #plan(target: Target, forced: string | undefined): Promise<Round> {
    const { backend, events } = this.#o;
    const config = target.result.config;
    const options = planOptionsOf(config, config.prune.enabled);
    const base = this.#base;
    let reason =
      forced ??
      (!this.#live.known
        ? `the cached live state is unknown (${this.#live.unknownBecause})`
        : !base
          ? "no earlier plan to start from"
          : base.configKey !== configKeyOf(config)
            ? "meshops.yaml changed"
            : undefined);
    if (base && reason === undefined) {
      const info = await backend.info();
      const desired = await this.#buildDesired(target.result, info);
      // A Mesh the previous commit defined and this one does not (sync/meshes.ts meshesLeaving, as compare() and the
      // incremental planner ask it of the live Meshes): the first, for the reason.
      const [meshLeft]: (string | undefined)[] = options.prune ? [...meshesLeaving(desired, meshesDefinedBy(base.desired))] : [];
      let grown: string[] = [];
      if (!this.#live.sameServer(info)) reason = "the control plane is another version or instance";
      else if (desired.basis !== base.desired.basis) reason = "the target version changed";
      // Pruning its Mesh deletes all a mesh holds: a full comparison asks about the kinds meshops does not read too.
      else if (meshLeft !== undefined) reason = `Mesh ${meshLeft} left the repository`;
      // The full comparison says which default policies the list leaves behind (sync/meshes.ts skipListsWithoutEffect).
      else if ((grown = skipListsExtended(base.desired, desired, (mesh) => this.#live.objects.has(subjectOf({ type: "Mesh", mesh, name: mesh })))).length > 0) reason = `skipCreatingInitialPolicies grew in Mesh ${grown.join(", ")}`;
      else {
        const live = this.#live.objects;
        const incremental = planIncremental({ previous: base.desired, next: desired, live, outOfSync: outOfSyncSubjects(base.drift), options: { ...options, meshesInUse: base.meshesHoldingOthers } });
        return {
          mode: "incremental",
          desired,
          plan: incremental.plan,
          ownedCount: this.#live.ownedCount(config),
          planned: incremental.subjects.size,
          meshesHoldingOthers: base.meshesHoldingOthers,
          info,
          served: this.#served ?? (await backend.types()),
          driftAfter: () => updateDrift(base.drift, incremental.subjects, desired, this.#live.objects, driftOptionsOf(config)),
        };
      }
    }

    events.emit({ type: "plan.full", revision: target.revision, reason: reason ?? "no earlier plan to start from" });
    const comparison = await this.#compare(target.result, true);
    const plan = await planInSlices(comparison, planOptionsOf(config, config.prune.enabled));
    return {
      mode: "full",
      desired: comparison.desired,
      plan,
      ownedCount: comparison.ownedCount,
      planned: comparison.desired.size,
      meshesHoldingOthers: comparison.meshesHoldingOthers,
      info: comparison.info,
      served: comparison.types,
      driftAfter: (changes) => runStepsSliced(driftAfterApplySteps(comparison, plan, changes, driftOptionsOf(config))),
    };
  }

  /** Whether the control plane's API is read-only (it runs on Kubernetes), as its last answer says; the log says a change. */
  #readOnly(environment: ServerInfo["environment"], config: RepoConfig): void {
    const was = this.#kubernetes;
    this.#kubernetes = environment === "kubernetes";
    this.#o.events.emit({ type: "control-plane.read-only", readOnly: this.#kubernetes, correctAsked: this.#kubernetes ? correctAsked(config, this.#o.driftMode) : null });
    // Writable again: the revision only compared while the API was read-only is applied now, not at the next commit.
    const target = this.#target;
    if (was && !this.#kubernetes && target && !target.pending) {
      target.pending = true;
      this.#o.events.emit({ type: "apply.retrying", revision: target.revision, because: "the control plane's API is writable again" });
    }
  }

  /** The desired state for this control plane, rebuilding only the meshes that changed since the last build. */
  async #buildDesired(result: ValidationResult, info: ServerInfo): Promise<DesiredState> {
    this.#desired = await runStepsSliced(buildDesiredSteps(result.resources, result.config, targetOf(result.config, info), this.#desired));
    return this.#desired;
  }

  /** A full comparison (list, build, line up), which also refills the live cache and keeps the build for the next. */
  async #compare(result: ValidationResult, needWrite: boolean): Promise<Comparison> {
    const warnings: string[] = [];
    const onWarning = (message: string) => warnings.push(message);
    const comparison = await compare(this.#o.backend, result, { needWrite, onWarning, ...(this.#desired ? { previous: this.#desired } : {}) });
    // What the control plane lacks, once each: the kinds and meshes, then each field written as every diagnostic is.
    const { lacking } = comparison;
    const unshown = unshownSentence(lacking);
    warnings.push(...lacking.groups.map(lackedGroupWarning), ...lacking.diagnostics.map((d) => renderDiagnosticLine(d)), ...(unshown ? [unshown] : []));
    this.#o.events.emit({ type: "control-plane.warnings", warnings, product: comparison.info.product, version: comparison.info.version });
    this.#desired = comparison.desired;
    this.#served = comparison.types;
    // While a refusal stands, the list is compared with what the cache knew: the control plane when it refused (the
    // list before the apply, and what the apply wrote through), or as a later list found it (and meshops' writes
    // since). Any change someone else made since, even before this list, makes the refused apply pending again, so
    // the run asks for a retry.
    const target = this.#target;
    const change = await this.#live.replace(comparison.live, comparison.info, result.config, target?.refused !== undefined);
    if (target && change !== undefined) {
      target.refused = undefined;
      target.pending = true;
      this.#o.events.emit({ type: "apply.retrying", revision: target.revision, because: `the control plane changed since it refused them: ${change}` });
    }
    return comparison;
  }

  async #checkDrift(work: Work): Promise<RunEnd> {
    const target = this.#target;
    if (!target) throw new Error("a drift check needs a valid revision");
    const { events } = this.#o;
    const { revision, commit, result } = target;
    const config = result.config;
    const driftMode = this.#modes(config);
    this.#o.controls.setConfigSuspended(config.suspend);
    const comparison = await this.#compare(result, false);
    // The control plane behind the URL may have been replaced by one on Kubernetes (or back) since the last sync.
    this.#readOnly(comparison.info.environment, config);
    const desired = comparison.desired;
    const report = await driftInSlices(comparison, driftOptionsOf(config));
    this.#setPrunable(revision, stillOrphaned(this.#prunable, report));
    const lacking = this.#lacking;
    if (lacking.size > 0 && this.#lackingOn !== this.#lackingIdentity(comparison.info, comparison.types)) {
      // Upgraded, another control plane, or a held mesh's Mesh created there: what it lacked is planned again, by a retry.
      target.pending = true;
      events.emit({ type: "apply.retrying", revision, because: `the control plane changed since ${[...lacking.keys()].sort().join(", ")} ${lacking.size === 1 ? "was" : "were"} held for what it lacked` });
    }

    // Self-healing, mesh by mesh: only `correct` meshes, not suspended, and orphans only where meshops.yaml allows
    // pruning; through the same gate as a sync.
    const suspended = this.#o.controls.suspensions();
    const healing = new Set(
      report.items
        .filter((i) => isActionable(i.kind) && driftMode(i.mesh) === "correct" && (i.kind !== "orphaned" || config.prune.enabled))
        .map((i) => i.mesh)
        // A mesh whose sync the control plane refused is not corrected either: the same writes would be refused again.
        .filter((mesh) => !this.#kubernetes && !suspended.has(mesh) && !target.unplannable.has(mesh) && !target.refused?.meshes.has(mesh) && !lacking.has(mesh)),
    );
    let changes: ChangeSet | undefined;
    let held = 0;
    if (healing.size > 0) {
      const full = restrictPlan(await planInSlices(comparison, planOptionsOf(config, config.prune.enabled)), (c) => c.action !== "unchanged" && healing.has(c.mesh));
      const gated = await runStepsSliced(gatePlanSteps({ plan: full, desired, live: comparison.live, ownedCount: comparison.ownedCount, limits: this.#limits(config), revision, closed: new Set(), ...this.#approvals(revision) }));
      this.#dropApprovals(revision, gated.dropped);
      const gate = this.#spendApprovals(gated);
      for (const mesh of healing) {
        const plan = gate.held.get(mesh);
        if (plan) this.#held.set(mesh, plan);
        else this.#held.delete(mesh);
      }
      held = gate.held.size;
      this.#emitGates(revision, target.invalid, target.meshes);
      const meshes = [...healing].filter((mesh) => !gate.held.has(mesh)).sort();
      if (meshes.length > 0) {
        events.emit({ type: "drift.correcting", revision, meshes, reasons: work.reasons, summary: gate.plan.summary });
        changes = await this.#write(gate.plan, revision);
        await runStepsSliced(this.#live.recordSteps(changes));
        const results = applyResultsByMesh(changes);
        this.#approvalsUsed(revision, meshes, results);
        this.#emitSynced(target, meshes, results, () => inventoryOf(desired, config), driftMode, this.#o.stopRequested());
      }
    }
    const remaining = remainingDrift(report, changes);
    const shown = comparableDrift(remaining, target.unplannable);
    const meshes = meshesOf(desired, undefined, shown);
    this.#forgetGone(meshes);
    if (this.#kubernetes) {
      // Argo CD or Flux applies on Kubernetes: a mesh the control plane holds as the revision says has it applied.
      const drifting = new Set(shown.items.filter((i) => isActionable(i.kind)).map((i) => i.mesh));
      const held = [...meshes].filter((m) => !drifting.has(m));
      this.#emitSynced(target, held, new Map(), () => inventoryOf(desired, config), driftMode, false);
    }
    events.emit({ type: "drift.checked", revision, meshes, report: shown, desiredCounts: desiredCountsByMesh(desired), driftMode, keptRevisions: keptRevisionsOf(target) });
    // A fresh comparison with the target is the best base there is for the next commit's incremental plan.
    this.#base = this.#live.known ? { desired, configKey: configKeyOf(config), drift: remaining, meshesHoldingOthers: comparison.meshesHoldingOthers } : undefined;

    const s = changes?.summary ?? NO_CHANGES;
    const outcome: RunResult = s.failed > 0 ? "failed" : held > 0 ? "refused" : s.applied > 0 ? "corrected" : actionableCount(shown) > 0 ? "drifted" : "in-sync";
    return { kind: "drift", result: outcome, revision, commit, summary: { ...s, drift: actionableCount(shown) } };
  }

  /**
   * Meshes a drift check found holding (or made hold) the target: each recorded against the revision its resources
   * are from, which for a mesh invalid at the head is the last one valid for it, not the target's.
   */
  #emitSynced(target: Target, meshes: readonly string[], results: ReadonlyMap<string, MeshApplyResult>, inventory: () => ReadonlyMap<string, MeshInventory>, driftMode: (mesh: string) => DriftMode, stopped: boolean): void {
    const byCommit = groupBy(meshes, (mesh) => target.kept.get(mesh) ?? target.commit);
    for (const [commit, list] of byCommit) this.#o.events.emit({ type: "meshes.synced", commit, meshes: list, results, inventory, driftMode, stopped });
  }

  /**
   * Applies a plan; each change is an event as it completes. Writes of unknown outcome are said, and start the checks
   * after them; in a recheck run, those it writes again are noted.
   */
  async #write(plan: Plan, revision: string): Promise<ChangeSet> {
    const { backend, events } = this.#o;
    events.emit({ type: "apply.started", revision, meshes: new Set(plan.changes.filter((c) => c.action !== "unchanged").map((c) => c.mesh)) });
    const changes = await applyPlan(backend, plan, { onResult: (result) => events.emit({ type: "change.done", revision, result }), stopRequested: this.#o.stopRequested });
    const unknown = changes.results.filter((r) => r.outcomeUnknown).map((r) => r.change.resource);
    if (unknown.length > 0) {
      this.#unsure.add(unknown, Date.now());
      events.emit({ type: "write.outcome-unknown", revision, resources: unknown });
    }
    const recheck = this.#recheck;
    if (recheck) {
      for (const r of changes.results) {
        if (!recheck.resources.has(r.change.resource)) continue;
        if (r.outcome === "applied") recheck.rewritten.add(r.change.resource);
        else if (r.outcome === "failed") recheck.failed.add(r.change.resource);
      }
    } else if (!this.#newRevision) {
      // What a check found changed in a mesh then shut, written now that it is open (an upgrade lifted a block, an
      // approval): the write back that check waited for, made by this run.
      for (const r of changes.results) if (r.outcome === "applied" && this.#unsure.isWaiting(r.change.resource)) this.#writtenBack.add(r.change.resource);
    }
    return changes;
  }

  /**
   * A recheck run ended: the checks due are done, and what it found is said. One that could not compare (the control
   * plane unreachable, a 5xx) or write back what it found is not done (recheck.ts `failed`); what it could not write
   * back because its mesh was shut waits for it to open (recheck.ts `reopen`).
   */
  #endRecheck(revision: string | null, end: RunEnd | undefined): void {
    const recheck = this.#recheck;
    if (!recheck) return;
    this.#recheck = undefined;
    const failed = end?.result === "error" ? end.error ?? "the run failed" : recheck.failed.size > 0 ? `writing back ${namesUpTo([...recheck.failed].sort(), NAMED_AT_MOST)} failed` : undefined;
    const checked = [...recheck.resources].sort();
    const said = { type: "write.rechecked", revision: this.#target?.revision ?? revision, checked, rewritten: [...recheck.rewritten].sort() } as const;
    const result = failed === undefined ? this.#unsure.checked(Date.now(), recheck.waiting) : { ...this.#unsure.failed(Date.now(), recheck.waiting), failed };
    this.#o.events.emit({ ...said, ...result, waiting: this.#unsure.waiting });
  }

  /** What waited and this run wrote back is said as a check's write back (`write.rechecked`), and waits no more. */
  #endWrittenBack(revision: string | null): void {
    if (this.#writtenBack.size === 0) return;
    const back = [...this.#writtenBack].sort();
    this.#writtenBack.clear();
    const result = this.#unsure.writtenBack(back);
    this.#o.events.emit({ type: "write.rechecked", revision: this.#target?.revision ?? revision, checked: back, rewritten: back, ...result, waiting: this.#unsure.waiting });
  }

  /** Keeps what prune would delete, and says the meshes where that changed. */
  #setPrunable(revision: string, next: PrunableByMesh): void {
    const changed = changedPrunable(this.#prunable, next);
    this.#prunable = next;
    if (changed.size > 0) this.#o.events.emit({ type: "prunable.changed", revision, meshes: changed });
  }

  /** meshops.yaml's prune limits, or watch's flags where given. */
  #limits(config: RepoConfig): GateInput["limits"] {
    const flags = this.#o.pruneLimits;
    const maxDeletes = flags?.maxDeletes !== undefined;
    const maxDeletePercent = flags?.maxDeletePercent !== undefined;
    return {
      ...config.prune,
      ...(maxDeletes ? { maxDeletes: flags.maxDeletes } : {}),
      ...(maxDeletePercent ? { maxDeletePercent: flags.maxDeletePercent } : {}),
      flags: { maxDeletes, maxDeletePercent },
    };
  }

  /** The approvals of `revision` the gate weighs: those standing, and those dropped (for the reason it gives). */
  #approvals(revision: string): Pick<GateInput, "approved" | "dropped"> {
    const { controls } = this.#o;
    return { approved: (mesh) => controls.approvedPlan(mesh, revision), dropped: (mesh) => controls.droppedPlan(mesh, revision) };
  }

  /** Approvals of plans the revision no longer plans: dropped (and no longer kept for a restart), each said once. */
  #dropApprovals(revision: string, dropped: GateOutput["dropped"]): void {
    for (const [mesh, { approved, plan }] of dropped) {
      this.#o.controls.drop(mesh, { revision, plan: approved });
      this.#o.events.emit({ type: "approval.dropped", revision, mesh, approved, plan });
    }
  }

  /**
   * Records the approvals the gate released as used before their plans are written; when that cannot be written,
   * holds their meshes instead (applied now, a restart would find the approval unused and apply it again).
   */
  #spendApprovals(gate: GateOutput): GateOutput {
    const unsaved = this.#o.controls.spend(gate.released.keys());
    if (unsaved === undefined) return gate;
    return holdReleased(gate, `approved, but not applied: the approval cannot be recorded as used (${unsaved}), and a restart would apply it again; applied once the controls file can be written`);
  }

  /** Tells the controls what is held now, and uses up the approvals of meshes applied without a failure. */
  #approvalsUsed(revision: string, applied: readonly string[], results: ReadonlyMap<string, MeshApplyResult>): void {
    const { controls } = this.#o;
    for (const mesh of applied) if (controls.approvedPlan(mesh, revision) !== undefined && (results.get(mesh)?.failed ?? 0) === 0) controls.used(mesh);
    controls.setAwaiting(revision, this.#held);
  }

  /** Where each mesh stands before anything is written: invalid ones, held ones, suspended ones (and the head's meshes). */
  #emitGates(revision: string, invalid: ReadonlyMap<string, string>, meshes: readonly string[]): void {
    this.#o.controls.setAwaiting(revision, this.#held);
    // The head's repository-wide error, not the target's: a drift check or a retry of the last valid revision between
    // an invalid commit and a valid one does not make the meshes look merely behind.
    const repositoryWide = this.#validated?.repositoryWide ?? null;
    const headMeshes = this.#validated?.headMeshes;
    const named = headMeshes ? [...new Set([...meshes, ...headMeshes])] : meshes;
    this.#o.events.emit({ type: "meshes.gated", revision, meshes: named, repositoryWide, invalid, lacking: this.#lacking, held: this.#held, suspended: this.#o.controls.suspensions() });
  }

  /**
   * The meshes, other than `closed` ones, whose part of the round's plan writes what the control plane lacks
   * (sync/live.ts lackedInPlan, the check `apply` refuses a plan for), with the reason at the first field's file and line.
   */
  async #lackingOf(round: Round, result: ValidationResult, closed: ReadonlySet<string>): Promise<Map<string, string>> {
    const changes = round.plan.changes.filter((c) => (c.action === "create" || c.action === "update") && !closed.has(c.mesh));
    if (changes.length === 0) return new Map();
    const live = this.#live.objects;
    const liveMeshes = new Set([...round.desired.meshes.keys()].filter((mesh) => live.has(subjectOf({ type: "Mesh", mesh, name: mesh }))));
    const reportedVersion = round.info.basedOnKuma ?? round.info.version;
    const configuredVersion = result.config.controlPlane.version;
    const lacked = lackedInPlan({ changes, desired: round.desired, served: round.served, configuredVersion, reportedVersion, liveMeshes });
    if (lacked.length === 0) return new Map();
    const located = await locatedDiagnostics(lacked, result.texts, CONTROL_PLANE_LACKS_RULE, "error");
    return lackingByMesh(located, reportedVersion === undefined ? "the control plane" : `the control plane (Kuma ${reportedVersion})`);
  }

  /**
   * The control plane as far as what it lacked goes: its product and version, the kinds it serves, and which held
   * meshes it has a Mesh of (the live cache, as the last list or apply left it).
   */
  #lackingIdentity(info: ServerInfo, served: readonly TypeInfo[]): string {
    const live = this.#live.objects;
    const meshes = [...this.#lacking.keys()].filter((mesh) => live.has(subjectOf({ type: "Mesh", mesh, name: mesh }))).sort();
    return JSON.stringify([info.product, info.version, info.basedOnKuma ?? null, served.map((t) => t.name).sort(), meshes]);
  }

  #modes(config: RepoConfig): (mesh: string) => DriftMode {
    return (mesh) => (this.#kubernetes ? "report" : driftModeOf(mesh, config, this.#o.driftMode));
  }
}

/** Where drift mode correct is asked for (`--drift-mode` wins over meshops.yaml), to say it is not possible; else null. */
function correctAsked(config: RepoConfig, flag: DriftMode | undefined): string | null {
  if (flag) return flag === "correct" ? "--drift-mode" : null;
  const meshes = Object.entries(config.drift.meshes).filter(([, mode]) => mode === "correct").map(([mesh]) => mesh).sort();
  if (config.drift.mode === "correct") return "meshops.yaml drift.mode";
  return meshes.length > 0 ? `meshops.yaml drift.meshes: ${meshes.join(", ")}` : null;
}

/** The meshes a revision has resources in, and those it is invalid in. */
function meshesOfResult(result: ValidationResult, invalid: ReadonlyMap<string, string>): string[] {
  const meshes = new Set(invalid.keys());
  let last: string | undefined;
  // Resources come file by file, a mesh's usually together: one set lookup per run of a mesh, not per resource.
  for (const { mesh } of result.resources) if (mesh !== last) meshes.add((last = mesh));
  return [...meshes].sort();
}

/** Where each of `subjects` is defined (file:line, as plan and apply name it), of those the repository defines. */
function locationsOf(subjects: readonly string[], resources: readonly Resource[]): Map<string, string> {
  const whereDefined = whereDefinedIn(resources);
  const located = new Map<string, string>();
  for (const subject of subjects) {
    const where = whereDefined(subject);
    if (where !== undefined) located.set(subject, where);
  }
  return located;
}

/** meshops.yaml as parsed, as text: equal texts, same configuration. */
function configKeyOf(config: RepoConfig): string {
  return JSON.stringify(config, (_key, value: unknown) => (value instanceof RegExp ? value.source : value));
}

function actionableCount(report: DriftReport): number {
  return report.summary.missing + report.summary.modified + report.summary.orphaned;
}

/** The refused changes of a change set whose every failure is a refusal (sync/apply.ts `refused`); else undefined. */
function refusalsOf(changes: ChangeSet | undefined): { count: number; reason: string; meshes: Set<string> } | undefined {
  let count = 0;
  let reason: string | undefined;
  const meshes = new Set<string>();
  for (const r of changes?.results ?? []) {
    if (r.outcome !== "failed") continue;
    if (!r.refused) return undefined;
    count++;
    reason ??= r.error ?? r.change.resource;
    meshes.add(r.change.mesh);
  }
  return count > 0 ? { count, reason: reason ?? "", meshes } : undefined;
}

/** The revision each mesh invalid at the head keeps (and is compared with), by mesh. */
function keptRevisionsOf(target: Target): ReadonlyMap<string, string> {
  return new Map([...target.kept].map(([mesh, commit]) => [mesh, commit.commit]));
}
