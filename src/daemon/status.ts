/**
 * What the daemon knows about itself, as `/api/status` serves it (and the status page renders it): a view of the
 * reconciler's events (events.ts), folded in as they come. The shape and vocabulary of the JSON are statusTypes.ts.
 * Pure (the clock is injected).
 *
 * Each mesh has one state (statusTypes.ts MeshState) with a reason and the time it entered it, worked out after every
 * event from what the events said about the mesh; the metrics read the same states (meshConditions), so the page,
 * `/api/status` and `/metrics` agree.
 */
import { nameOfUnit } from "../model/key.js";
import type { DriftMode } from "../config/repoConfig.js";
import { DRIFT_KINDS, leftAloneSummary, type DriftItem, type DriftSummary, type LeftAloneSummary } from "../diff/drift.js";
import { CONTROL_PLANE_SOURCES } from "../kuma/controlPlaneMade.js";
import { groupBy, tally } from "../diff/pair.js";
import { isShownToPeople, shownDiagnostic } from "../model/diagnostic.js";
import { compareText, indexOfSorted, insertSorted } from "../model/order.js";
import { UNKNOWN_SERVICE_RULE } from "../validate/services.js";
import { CONTROL_PLANE_LACKS_RULE } from "../sync/live.js";
import type { MeshApplyResult } from "../sync/meshes.js";
import { isSuccessful, meshesFound, removedMeshFate, type DaemonEvent, type EventOf } from "./events.js";
import type { HeldPlan } from "./gate.js";
import { EMPTY_INVENTORY, type MeshInventory } from "./inventory.js";
import { namesUpTo } from "../util/namesUpTo.js";
import { NAMED_AT_MOST } from "./recheck.js";
import type {
  ApplyOutcome,
  BlockReason,
  MeshBlock,
  CommitInfo,
  ControlPlaneSettings,
  HydrationStatus,
  MeshApplyStatus,
  MeshError,
  MeshRun,
  MeshState,
  MeshStatus,
  PendingApproval,
  Suspension,
  ReconcileRecord,
  RepositorySettings,
  RunningReconcile,
  RunResult,
  SourceProblem,
  ControlsFileProblem,
  RemovedMesh,
  StatusJson,
  ValidationStatus,
  WritesStatus,
} from "./statusTypes.js";
import { shortRevision } from "../model/revision.js";

interface MeshRecord {
  name: string;
  driftMode: DriftMode;
  applying: boolean;
  appliedRevision: string | null;
  attemptedRevision: string | null;
  lastResult: MeshApplyStatus | null;
  drift: { checkedAt: string; revision: string; items: readonly DriftItem[]; leftAlone: LeftAloneSummary } | null;
  lastErrors: MeshError[];
  /** With prune off, what prune on would delete (prunable.ts), in delete order. */
  prunable: readonly string[];
  /** The revision last compared defines something in it; a mesh only the control plane has (made outside meshops) does not. */
  inRepository: boolean;
  /** What the run in flight did to this mesh; folded into `lastRun` when the run finishes. */
  touched: { id: number; apply?: ApplyOutcome; failed?: boolean } | null;
  lastRun: MeshRun | null;
  /** Invalid at the head (the reason), while the whole repository is not. */
  invalid: string | null;
  /** Its plan writes what the control plane lacks: nothing of it written (the reason, at the file, line and field); "blocked". */
  lacking: string | null;
  held: PendingApproval | null;
  suspended: Suspension | null;
  /** The last run stopped on an error before it could say anything of this mesh: "unknown" when the control plane was to blame. */
  problem: { state: "unknown" | "failed"; reason: string } | null;
  /** The state, its reason, and since when: `since` moves only when the state does. */
  condition: { state: MeshState; reason: string; since: string };
}

/** What the metrics read of each mesh (metrics.ts): the same states as the status. */
export interface MeshConditionRow {
  readonly mesh: string;
  readonly state: MeshState;
  readonly reason: string;
  /** Why the mesh is blocked, while it is (the series of meshops_mesh_blocked). */
  readonly blocked: BlockReason | null;
  readonly appliedRevision: string | null;
  readonly headApplied: boolean;
  /** The revision last compared defines something in it (false for a mesh only the control plane has). */
  readonly inRepository: boolean;
  /** Commit date of the applied revision (ISO 8601), when known. */
  readonly appliedCommitDate: string | null;
}

export interface StatusSettings {
  readonly repository: RepositorySettings;
  readonly controlPlane: ControlPlaneSettings;
  readonly driftIntervalMs: number;
  readonly pollIntervalMs: number | null;
  readonly webhook: boolean;
  readonly reconcileEndpoint: boolean;
  /** How many past reconciles to keep. */
  readonly historySize?: number;
  /** `--hydrate-branch` (and its remote). */
  readonly hydrate?: { readonly branch: string; readonly remote: string | undefined };
}

const MAX_MESH_ERRORS = 10;
/** Removed meshes the status keeps: the last few, as the log has them all. */
const REMOVED_MESHES_KEPT = 10;

export class DaemonStatus {
  readonly #settings: StatusSettings;
  readonly #now: () => Date;
  readonly #startedAt: string;
  readonly #meshes = new Map<string, MeshRecord>();
  readonly #history: ReconcileRecord[] = [];
  readonly #listeners = new Set<() => void>();
  #running: RunningReconcile | null = null;
  #ready = false;
  #applied: CommitInfo | null = null;
  #head: string | null = null;
  /** The revision the sync in flight applies: the head once applied (or once the run is over). */
  #syncing: string | null = null;
  /** The head's problem no mesh can be named for: every mesh is invalid. */
  #repositoryWide: string | null = null;
  /** The meshes the last gates named: the head's (invalid ones included), held and suspended ones; none read yet. */
  #gatedMeshes: ReadonlySet<string> | undefined;
  /** The run in flight compared the control plane: once a run that did finishes, the daemon is ready. */
  #compared = false;
  /** Warnings of the run in flight, for its record (a force-push, a failed fetch). */
  #warnings: string[] = [];
  /** What the last full comparison warned about the control plane. */
  #controlPlaneWarnings: readonly string[] = [];
  /** The control plane's API is read-only (Kubernetes): nothing is written. */
  #readOnly = false;
  /** Commits seen, for the age of each mesh's applied revision (pruned to the ones still applied). */
  readonly #commits = new Map<string, CommitInfo>();
  #attempted: (CommitInfo & { valid: boolean }) | null = null;
  #validation: ValidationStatus | null = null;
  #lastSuccessAt: string | null = null;
  #lastError: { at: string; message: string } | null = null;
  #sourceProblem: SourceProblem | null = null;
  #controlsFile: ControlsFileProblem | null = null;
  /** Newest first; what becomes of each is said at each toJSON, with the mesh's suspension as it is now. */
  #removedMeshes: readonly (Omit<RemovedMesh, "suspended" | "fate"> & { readonly readOnly: boolean })[] = [];
  #writes: WritesStatus = { outcomeUnknown: 0, rewritten: 0, stayedUnknown: 0, recheckingCount: 0, rechecking: [], waitingCount: 0, waiting: [] };
  /** Every resource the checks still to come are for, or waiting for its mesh, sorted (the status names the first NAMED_AT_MOST). */
  #rechecking: readonly string[] = [];
  /** Those among them whose write back waits for their mesh to open, sorted (the last check's `waiting`). */
  #waiting: readonly string[] = [];
  #nextDriftCheckAt: string | null = null;
  #hydration: HydrationStatus | null;
  /** What the last applied revision wants in each mesh. */
  #inventory: () => ReadonlyMap<string, MeshInventory> = () => new Map();

  constructor(settings: StatusSettings, now: () => Date = () => new Date()) {
    this.#settings = settings;
    this.#now = now;
    this.#hydration = settings.hydrate ? { branch: settings.hydrate.branch, remote: settings.hydrate.remote ?? null, running: null, last: null } : null;
    this.#startedAt = now().toISOString();
  }

  /**
   * Ready once a run compared the control plane with a valid revision and finished: before, the daemon knows neither
   * the control plane nor what to apply (an unreachable control plane, an invalid repository keep it unready).
   */
  get ready(): boolean {
    return this.#ready;
  }

  get lastSuccessAt(): string | null {
    return this.#lastSuccessAt;
  }

  /** Called after every change (for server-sent events, throttled by the listener). Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Folds in one event of the reconciler; events that change nothing shown here are ignored. */
  record(event: DaemonEvent): void {
    switch (event.type) {
      case "run.started":
        this.#running = { id: event.run, reasons: event.reasons, startedAt: this.#now().toISOString() };
        break;
      case "sync.started":
        this.#syncing = event.revision;
        this.#rememberCommit(event.commit);
        break;
      case "meshes.gated":
        this.#gated(event);
        break;
      case "source.failed": {
        const what = event.stage === "fetch" ? "fetch failed" : `branch ${this.#settings.repository.branch ?? ""} cannot be read`;
        const at = this.#now().toISOString();
        this.#warnings.push(`${what}, kept revision ${shortRevision(event.kept)}: ${event.message}`);
        this.#lastError = { at, message: `${what}: ${event.message}` };
        // The last error, and how many tries failed in a row; the next retry as the last one scheduled said.
        const nextAttemptAt = this.#sourceProblem?.nextAttemptAt ?? null;
        this.#sourceProblem = { message: `${what}: ${event.message}`, kept: event.kept, since: this.#sourceProblem?.since ?? at, attempts: event.attempt, nextAttemptAt };
        break;
      }
      case "source.recovered":
        this.#sourceProblem = null;
        break;
      case "retry.scheduled":
        if (!this.#sourceProblem) return;
        this.#sourceProblem = { ...this.#sourceProblem, nextAttemptAt: event.at.toISOString() };
        break;
      case "controls.unsaved": {
        const at = this.#now().toISOString();
        this.#lastError = { at, message: event.message };
        this.#controlsFile = { message: event.message, since: this.#controlsFile?.since ?? at };
        break;
      }
      case "controls.saved":
        this.#controlsFile = null;
        break;
      case "write.outcome-unknown":
      {
        const added = [...new Set(event.resources)].filter((resource) => indexOfSorted(this.#rechecking, resource, compareText) < 0).sort(compareText);
        this.#rechecking = insertSorted(this.#rechecking, added, compareText);
        this.#writes = { ...this.#writes, outcomeUnknown: this.#writes.outcomeUnknown + event.resources.length, ...this.#recheckingJson() };
        break;
      }
      case "write.rechecked": {
        if (event.rewritten.length > 0) this.#warnings.push(`written again after a write of unknown outcome (an older write landed late?): ${namesUpTo(event.rewritten, NAMED_AT_MOST)}`);
        const gaveUp = event.gaveUp ?? [];
        // Why, as the log says it: the control plane unreachable, or a write back it refused.
        if (gaveUp.length > 0) this.#warnings.push(`the last check after writes of unknown outcome failed, and its tries again too (${event.failed ?? "failed"}): the checks gave up, the outcome of ${namesUpTo(gaveUp, NAMED_AT_MOST)} stays unknown`);
        const stayedUnknown = this.#writes.stayedUnknown + gaveUp.length;
        // The checks ended: only what waits for its mesh (suspended, blocked) is still to be checked.
        if (event.left === 0) this.#rechecking = event.waiting ?? [];
        // Absent: the run planned nothing, and those waiting before still do.
        if (event.waiting) this.#waiting = event.waiting;
        this.#writes = { ...this.#writes, rewritten: this.#writes.rewritten + event.rewritten.length, stayedUnknown, ...this.#recheckingJson() };
        break;
      }
      case "write.waiting": {
        const forgotten = new Set([...event.forgotten.values()].flat());
        if (forgotten.size > 0) this.#rechecking = this.#rechecking.filter((resource) => !forgotten.has(resource));
        this.#waiting = event.waiting;
        this.#writes = { ...this.#writes, ...this.#recheckingJson() };
        break;
      }
      case "meshes.removed": {
        const at = this.#now().toISOString();
        const removed = event.meshes.map((mesh) => ({ mesh, revision: event.revision, at, prune: event.prune, readOnly: event.readOnly }));
        this.#removedMeshes = [...removed, ...this.#removedMeshes].slice(0, REMOVED_MESHES_KEPT);
        break;
      }
      case "prunable.changed":
        for (const [name, resources] of event.meshes) this.#mesh(name).prunable = resources;
        break;
      case "control-plane.warnings":
        this.#controlPlaneWarnings = event.warnings;
        break;
      case "control-plane.read-only":
        this.#readOnly = event.readOnly;
        break;
      case "source.rewritten":
        this.#warnings.push(`branch ${event.branch} was force-pushed: ${shortRevision(event.revision)} does not descend from ${shortRevision(event.previous)}`);
        break;
      case "references.unknown":
        this.#unknownReferences(event);
        break;
      case "revision.validated":
        this.#attempted = { ...event.commit, valid: event.valid };
        this.#validation = { revision: event.commit.commit, valid: event.valid, diagnostics: event.diagnostics.filter(isShownToPeople).map(shownDiagnostic) };
        break;
      case "apply.started":
        for (const name of event.meshes) this.#mesh(name).applying = true;
        break;
      case "meshes.synced":
        this.#synced(event);
        break;
      case "drift.checked":
        this.#driftChecked(event);
        break;
      case "run.failed":
        this.#runFailed(event);
        break;
      case "run.finished":
        this.#runFinished(event);
        break;
      case "hydrate.started":
        if (this.#hydration) this.#hydration = { ...this.#hydration, running: event.revision };
        break;
      case "hydrate.finished":
        if (this.#hydration) {
          const { revision, ok, durationMs, message, problems } = event;
          this.#hydration = { ...this.#hydration, running: null, last: { revision, ok, at: this.#now().toISOString(), durationMs: Math.round(durationMs), message, problems } };
        }
        break;
      case "drift.scheduled":
        this.#nextDriftCheckAt = event.at?.toISOString() ?? null;
        return; // not worth an event to the page
      default:
        return;
    }
    this.#changed();
  }

  knows(mesh: string): boolean {
    return this.#meshes.has(mesh);
  }

  /** Every mesh's state, for the metrics and the notifier (cheap: none of the rest of the status is built). */
  meshConditions(): MeshConditionRow[] {
    return [...this.#meshes.values()].map((m) => ({
      mesh: m.name,
      state: m.condition.state,
      reason: m.condition.reason,
      blocked: blockOf(m)?.reason ?? null,
      appliedRevision: m.appliedRevision,
      headApplied: this.#headApplied(m),
      inRepository: m.inRepository,
      appliedCommitDate: (m.appliedRevision && this.#commits.get(m.appliedRevision)?.date) || null,
    }));
  }

  toJSON(): StatusJson {
    const s = this.#settings;
    const meshes = [...this.#meshes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      repository: s.repository,
      controlPlane: { ...s.controlPlane, warnings: this.#controlPlaneWarnings, readOnly: this.#readOnly },
      ready: this.#ready,
      startedAt: this.#startedAt,
      state: this.#running ? "reconciling" : "idle",
      running: this.#running,
      revision: { head: this.#head, applied: this.#applied, attempted: this.#attempted },
      validation: this.#validation,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      sourceProblem: this.#sourceProblem,
      controlsFile: this.#controlsFile,
      removedMeshes: this.#removedMeshes.map(({ readOnly, ...removed }) => {
        const suspended = this.#meshes.get(removed.mesh)?.suspended?.by ?? null;
        return { ...removed, mesh: nameOfUnit(removed.mesh), suspended, fate: removedMeshFate({ prune: removed.prune, readOnly, suspended: suspended ?? undefined }) };
      }),
      writes: this.#writes,
      drift: {
        intervalMs: s.driftIntervalMs,
        nextCheckAt: this.#nextDriftCheckAt,
        summary: driftSummary(meshes.flatMap((m) => m.drift?.items ?? [])),
        leftAlone: totalLeftAlone(meshes),
      },
      pollIntervalMs: s.pollIntervalMs,
      endpoints: { webhook: s.webhook, reconcile: s.reconcileEndpoint },
      hydration: this.#hydration,
      meshes: meshes.map((m) => this.#meshJson(m)),
      reconciles: this.#history,
    };
  }

  #meshJson(m: MeshRecord): MeshStatus {
    const inventory = this.#inventory().get(m.name) ?? EMPTY_INVENTORY;
    return {
      // The global unit by the name people give it (`--mesh _global`, the API's path, the metrics' label), not "".
      name: nameOfUnit(m.name),
      ...m.condition,
      appliedRevision: m.appliedRevision,
      headApplied: this.#headApplied(m),
      approval: m.held,
      blocked: blockOf(m),
      suspended: m.suspended,
      driftMode: m.driftMode,
      attemptedRevision: m.attemptedRevision,
      lastResult: m.lastResult,
      lastRun: m.lastRun,
      resources: { total: inventory.total, byType: inventory.byType },
      defaultPolicies: inventory.defaultPolicies,
      drift: m.drift
        ? { checkedAt: m.drift.checkedAt, revision: m.drift.revision, summary: driftSummary(m.drift.items), items: m.drift.items, leftAlone: m.drift.leftAlone }
        : null,
      prunable: { count: m.prunable.length, resources: m.prunable.slice(0, NAMED_AT_MOST) },
      lastErrors: m.lastErrors,
    };
  }

  /** A valid revision was planned and applied; `results` has the meshes that had changes. */
  #synced(event: EventOf<"meshes.synced">): void {
    const { commit, results, stopped } = event;
    const at = this.#now().toISOString();
    // Built when the status is first read, not on every sync: counting 50,000 resources is not free.
    let built: ReadonlyMap<string, MeshInventory> | undefined;
    this.#inventory = () => (built ??= event.inventory());
    let allApplied = true;
    this.#rememberCommit(commit);
    // Every mesh the sync brought to the new head comes in this one event: none of them is "behind" in between.
    if (commit.commit === this.#syncing) this.#head = commit.commit;
    for (const name of event.meshes) {
      const mesh = this.#mesh(name);
      const result: MeshApplyResult | undefined = results.get(name);
      mesh.applying = false;
      mesh.problem = null;
      mesh.driftMode = event.driftMode(name);
      mesh.attemptedRevision = commit.commit;
      const complete = !result || (result.failed === 0 && result.skipped === 0);
      const outcome: ApplyOutcome = !result ? "unchanged" : result.failed > 0 ? "failed" : result.skipped > 0 && stopped ? "stopped" : "applied";
      mesh.lastResult = { outcome, revision: commit.commit, at, applied: result?.applied ?? 0, failed: result?.failed ?? 0, skipped: result?.skipped ?? 0 };
      if (complete) mesh.appliedRevision = commit.commit;
      else allApplied = false;
      const touched = this.#touch(mesh);
      if (touched) touched.apply = outcome;
      for (const error of result?.errors ?? []) this.#meshError(mesh, { at, revision: commit.commit, resource: error.resource, message: error.message });
    }
    // Every mesh, that is, none kept back either: invalid at this revision, or holding it for approval.
    if (allApplied && ![...this.#meshes.values()].some((m) => m.invalid !== null || m.lacking !== null || m.held !== null)) this.#applied = commit;
  }

  /** The drift found by a comparison (per mesh: every mesh compared, with or without items). */
  #driftChecked(event: EventOf<"drift.checked">): void {
    const at = this.#now().toISOString();
    const items = groupBy(event.report.items, (i) => i.mesh);
    const leftAlone = groupBy(event.report.leftAlone, (i) => i.mesh);
    for (const name of event.meshes) {
      const mesh = this.#mesh(name);
      mesh.driftMode = event.driftMode(name);
      mesh.inRepository = (event.desiredCounts.get(name) ?? 0) > 0;
      mesh.drift = { checkedAt: at, revision: event.keptRevisions?.get(name) ?? event.revision, items: items.get(name) ?? [], leftAlone: leftAloneSummary(leftAlone.get(name) ?? []) };
      // The control plane answered for this mesh: whatever the last error said about it is over.
      if (mesh.problem?.state === "unknown") mesh.problem = null;
      this.#touch(mesh);
    }
    // A mesh neither the revision nor the control plane has any more (its Mesh pruned and deleted), and that the head
    // does not name, is gone: not "behind" for ever. The metrics read the meshes from here, so its series go too.
    const named = this.#gatedMeshes;
    if (named) {
      const found = meshesFound(event);
      for (const name of this.#meshes.keys()) if (!found.has(name) && !named.has(name)) this.#meshes.delete(name);
    }
    this.#compared = true;
  }

  /** Where each mesh stands before a write: invalid, held for approval, suspended (events.ts `meshes.gated`). */
  #gated(event: EventOf<"meshes.gated">): void {
    const at = this.#now().toISOString();
    this.#repositoryWide = event.repositoryWide;
    this.#gatedMeshes = new Set([...event.meshes, ...event.held.keys(), ...event.suspended.keys()]);
    for (const name of this.#gatedMeshes) this.#mesh(name);
    for (const mesh of this.#meshes.values()) {
      mesh.invalid = event.invalid.get(mesh.name) ?? null;
      mesh.lacking = event.lacking.get(mesh.name) ?? null;
      const held: HeldPlan | undefined = event.held.get(mesh.name);
      // Since when this plan waits: another plan of the same revision is another thing to approve.
      mesh.held = !held ? null : mesh.held?.revision === held.revision && mesh.held.plan === held.plan ? { ...mesh.held, ...held } : { ...held, since: at };
      const by = event.suspended.get(mesh.name);
      mesh.suspended = !by ? null : mesh.suspended?.by === by ? mesh.suspended : { by, since: at };
    }
  }

  /** An error that stopped a run (control plane unreachable, a bug): recorded on every mesh, which it held back. */
  /**
   * Online warnings of the revision's validation, as `plan` prints them (the first UNKNOWN_REFERENCES_SHOWN, which is
   * what the event holds): put in place of the last run's for the same revision.
   */
  #unknownReferences({ revision, diagnostics }: EventOf<"references.unknown">): void {
    const validation = this.#validation;
    if (validation?.revision !== revision) return;
    const offline = validation.diagnostics.filter((d) => d.rule !== UNKNOWN_SERVICE_RULE);
    this.#validation = { ...validation, diagnostics: [...offline, ...diagnostics.map(shownDiagnostic)] };
  }

  #runFailed({ message, revision, controlPlane }: EventOf<"run.failed">): void {
    const at = this.#now().toISOString();
    this.#lastError = { at, message };
    for (const mesh of this.#meshes.values()) {
      mesh.applying = false;
      mesh.problem = { state: controlPlane ? "unknown" : "failed", reason: controlPlane ? `control plane: ${message}` : message };
      const touched = this.#touch(mesh);
      if (touched) touched.failed = true;
      this.#meshError(mesh, { at, revision, resource: "", message });
    }
  }

  #recheckingJson(): Pick<WritesStatus, "recheckingCount" | "rechecking" | "waitingCount" | "waiting"> {
    return { recheckingCount: this.#rechecking.length, rechecking: this.#rechecking.slice(0, NAMED_AT_MOST), waitingCount: this.#waiting.length, waiting: this.#waiting.slice(0, NAMED_AT_MOST) };
  }

  /** Ends the run in flight; `end` is undefined for a run that found nothing to do (not kept in the history). */
  #runFinished(event: EventOf<"run.finished">): void {
    const { run: id, reasons, end, durationMs } = event;
    const running = this.#running;
    const warnings = this.#warnings;
    this.#running = null;
    this.#warnings = [];
    if (this.#compared && end?.result !== "error") this.#ready = true;
    this.#compared = false;
    // The head moves when the sync applies it (#synced) or when the run that read it is over: meshes the commit did
    // not change never go "behind" in between (their since-times stay put); those it could not bring there are
    // behind, invalid, held or unknown.
    if (event.revision !== null) this.#head = event.revision;
    this.#syncing = null;
    if (!end) {
      for (const mesh of this.#meshes.values()) mesh.touched = null;
      return;
    }
    const record: ReconcileRecord = {
      id,
      kind: end.kind,
      reasons,
      revision: end.revision,
      commit: end.commit ? { message: end.commit.message, author: end.commit.author } : null,
      startedAt: running?.startedAt ?? this.#now().toISOString(),
      durationMs: Math.round(durationMs),
      result: end.result,
      summary: end.summary,
      ...(end.error ? { error: end.error } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    for (const mesh of this.#meshes.values()) {
      if (mesh.touched?.id === record.id) mesh.lastRun = { id: record.id, kind: record.kind, result: meshRunResult(mesh, record), startedAt: record.startedAt, durationMs: record.durationMs };
      mesh.touched = null;
    }
    this.#history.unshift(record);
    this.#history.length = Math.min(this.#history.length, this.#settings.historySize ?? 20);
    if (isSuccessful(record.result)) this.#lastSuccessAt = this.#now().toISOString();
  }

  #mesh(name: string): MeshRecord {
    let mesh = this.#meshes.get(name);
    if (!mesh) {
      mesh = {
        name,
        driftMode: "report",
        applying: false,
        appliedRevision: null,
        attemptedRevision: null,
        lastResult: null,
        drift: null,
        lastErrors: [],
        prunable: [],
        inRepository: true,
        touched: null,
        lastRun: null,
        invalid: null,
        lacking: null,
        held: null,
        suspended: null,
        problem: null,
        condition: { state: "behind", reason: "nothing applied yet", since: this.#now().toISOString() },
      };
      this.#meshes.set(name, mesh);
    }
    return mesh;
  }

  /** Marks the mesh as touched by the run in flight (none outside a run). */
  #touch(mesh: MeshRecord): NonNullable<MeshRecord["touched"]> | undefined {
    const id = this.#running?.id;
    if (id === undefined) return undefined;
    if (mesh.touched?.id !== id) mesh.touched = { id };
    return mesh.touched;
  }

  #meshError(mesh: MeshRecord, error: MeshError): void {
    mesh.lastErrors.unshift(error);
    mesh.lastErrors.length = Math.min(mesh.lastErrors.length, MAX_MESH_ERRORS);
  }

  #changed(): void {
    this.#updateConditions();
    for (const listener of this.#listeners) listener();
  }

  /** Works out every mesh's state again; `since` moves for the meshes whose state changed. */
  #updateConditions(): void {
    const at = this.#now().toISOString();
    for (const mesh of this.#meshes.values()) {
      const [state, reason] = meshState(mesh, this.#head, this.#repositoryWide, this.#readOnly);
      if (state !== mesh.condition.state) mesh.condition = { state, reason, since: at };
      else if (reason !== mesh.condition.reason) mesh.condition = { ...mesh.condition, reason };
    }
    const applied = new Set([...this.#meshes.values()].map((m) => m.appliedRevision));
    for (const revision of this.#commits.keys()) if (!applied.has(revision) && revision !== this.#head) this.#commits.delete(revision);
  }

  /** A mesh the repository defines nothing in holds no revision, whatever run last passed over it. */
  #headApplied(mesh: MeshRecord): boolean {
    return mesh.inRepository && mesh.appliedRevision !== null && mesh.appliedRevision === this.#head;
  }

  #rememberCommit(commit: CommitInfo): void {
    this.#commits.set(commit.commit, commit);
  }
}

/**
 * A mesh's one state and its reason; the first that applies wins (writes in flight are the newest news). `readOnly`:
 * the control plane runs on Kubernetes, where Argo CD or Flux applies, so a mesh behind waits for them, not for meshops.
 */
function meshState(mesh: MeshRecord, head: string | null, repositoryWide: string | null, readOnly: boolean): [MeshState, string] {
  if (mesh.applying) return ["applying", "writing changes"];
  if (mesh.problem?.state === "unknown") return ["unknown", mesh.problem.reason];
  if (repositoryWide) return ["invalid", repositoryWide];
  if (mesh.invalid) return ["invalid", mesh.invalid];
  if (mesh.lacking) return ["blocked", mesh.lacking];
  if (mesh.problem) return ["failed", mesh.problem.reason];
  if (mesh.lastResult?.outcome === "failed") {
    const error = mesh.lastErrors[0];
    return ["failed", error ? `${error.resource ? `${error.resource}: ` : ""}${error.message}` : "a change failed"];
  }
  if (mesh.held) return ["awaiting-approval", `revision ${shortRevision(mesh.held.revision)} waits for approval: ${mesh.held.reasons.join("; ")}`];
  if (mesh.suspended) return ["suspended", mesh.suspended.by === "config" ? "suspended by meshops.yaml" : "suspended through the API"];
  // A mesh the repository has nothing in has nothing to apply: one made outside meshops since the last sync, first
  // seen by a drift check, has no applied revision and is not behind for it.
  const awaited = readOnly ? mesh.drift?.revision ?? head : null;
  const waiting = awaited ? `waiting for Argo CD or Flux to apply revision ${shortRevision(awaited)}` : undefined;
  if (!mesh.appliedRevision && mesh.inRepository) return ["behind", waiting ?? "nothing applied yet"];
  if (head !== null && mesh.appliedRevision && mesh.appliedRevision !== head) {
    return ["behind", `revision ${shortRevision(mesh.appliedRevision)} applied, the branch is at ${shortRevision(head)}${waiting ? `: ${waiting}` : ""}`];
  }
  const compared = mesh.appliedRevision ?? mesh.drift?.revision ?? head ?? "";
  // Every sync records the drift left after it, so this is never older than the last apply.
  const drift = mesh.drift?.items.filter((i) => i.kind !== "unmanaged").length ?? 0;
  if (drift > 0) return ["drifted", `${drift} ${drift === 1 ? "resource in the control plane differs" : "resources in the control plane differ"} from revision ${shortRevision(compared)}`];
  // Nothing of the revision is there to be applied: only what was made outside meshops, which it leaves alone.
  if (!mesh.inRepository) {
    const outside = mesh.drift?.items.length ?? 0;
    return ["in-sync", `not in the repository: ${outside} resource${outside === 1 ? "" : "s"} made outside meshops, left alone`];
  }
  return ["in-sync", `revision ${shortRevision(compared)} is applied`];
}

/** The mesh's block while its state is "blocked": what the control plane lacks is the one reason so far. */
function blockOf(mesh: MeshRecord): MeshBlock | null {
  return mesh.condition.state === "blocked" && mesh.lacking ? { reason: CONTROL_PLANE_LACKS_RULE, message: mesh.lacking } : null;
}

/** What a finished run meant for one mesh it touched (see MeshRun). */
function meshRunResult(mesh: MeshRecord, run: ReconcileRecord): RunResult {
  const touched = mesh.touched;
  if (touched?.failed && (run.result === "error" || run.result === "refused")) return run.result;
  if (touched?.apply === "failed" || touched?.apply === "stopped") return touched.apply;
  if (run.kind === "sync") return touched?.apply ?? run.result;
  if (touched?.apply === "applied") return "corrected";
  return mesh.drift?.items.some((i) => i.kind !== "unmanaged") ? "drifted" : "in-sync";
}

function driftSummary(items: readonly DriftItem[]): DriftSummary {
  return tally(items, (i) => i.kind, DRIFT_KINDS);
}

/** The meshes' left-alone counts added up: the whole status's figure is the sum of what each mesh shows. */
function totalLeftAlone(meshes: readonly MeshRecord[]): LeftAloneSummary {
  const total = leftAloneSummary([]);
  for (const m of meshes) for (const source of CONTROL_PLANE_SOURCES) total[source] += m.drift?.leftAlone[source] ?? 0;
  return total;
}
