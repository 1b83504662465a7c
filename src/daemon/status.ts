/**
 * What the daemon knows about itself, as `/api/status` serves it (and the status page renders it): a view of the
 * reconciler's events (events.ts), folded in as they come. The shape and vocabulary of the JSON are statusTypes.ts.
 * Pure (the clock is injected).
 */
import type { DriftMode } from "../config/repoConfig.js";
import { DRIFT_KINDS, type DriftItem, type DriftSummary } from "../diff/drift.js";
import { groupBy, tally } from "../diff/pair.js";
import { isShownToPeople } from "../model/diagnostic.js";
import type { MeshApplyResult } from "../sync/meshes.js";
import type { DaemonEvent, EventOf } from "./events.js";
import { EMPTY_INVENTORY, type MeshInventory } from "./inventory.js";
import type {
  ApplyOutcome,
  CommitInfo,
  ControlPlaneSettings,
  MeshApplyStatus,
  MeshError,
  MeshRun,
  MeshState,
  MeshStatus,
  ReconcileRecord,
  RepositorySettings,
  RunningReconcile,
  RunResult,
  StatusJson,
  ValidationStatus,
} from "./statusTypes.js";

interface MeshRecord {
  name: string;
  driftMode: DriftMode;
  applying: boolean;
  appliedRevision: string | null;
  attemptedRevision: string | null;
  lastResult: MeshApplyStatus | null;
  drift: { checkedAt: string; revision: string; items: readonly DriftItem[] } | null;
  lastErrors: MeshError[];
  /** What the run in flight did to this mesh; folded into `lastRun` when the run finishes. */
  touched: { id: number; apply?: ApplyOutcome; failed?: boolean } | null;
  lastRun: MeshRun | null;
  /** The state last shown and since when: `since` moves only when the state does. */
  shown: { state: MeshState; since: string } | null;
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
}

const MAX_MESH_ERRORS = 10;

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
  #attempted: (CommitInfo & { valid: boolean }) | null = null;
  #validation: ValidationStatus | null = null;
  #lastSuccessAt: string | null = null;
  #lastError: { at: string; message: string } | null = null;
  #nextDriftCheckAt: string | null = null;
  /** What the last applied revision wants in each mesh. */
  #inventory: () => ReadonlyMap<string, MeshInventory> = () => new Map();

  constructor(settings: StatusSettings, now: () => Date = () => new Date()) {
    this.#settings = settings;
    this.#now = now;
    this.#startedAt = now().toISOString();
  }

  /** Ready once the first reconcile finished, whatever its result: the status then says what is wrong. */
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
        this.#head = event.revision;
        break;
      case "revision.validated":
        this.#head = event.commit.commit;
        this.#attempted = { ...event.commit, valid: event.valid };
        this.#validation = { revision: event.commit.commit, valid: event.valid, diagnostics: event.diagnostics.filter(isShownToPeople) };
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
      case "prune.refused":
        this.#runFailed(event.message, event.revision, event.meshes);
        break;
      case "run.failed":
        this.#runFailed(event.message, event.revision, undefined);
        break;
      case "run.finished":
        this.#runFinished(event);
        break;
      case "drift.scheduled":
        this.#nextDriftCheckAt = event.at?.toISOString() ?? null;
        return; // not worth an event to the page
      default:
        return;
    }
    this.#changed();
  }

  toJSON(): StatusJson {
    const s = this.#settings;
    const meshes = [...this.#meshes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      repository: s.repository,
      controlPlane: s.controlPlane,
      ready: this.#ready,
      startedAt: this.#startedAt,
      state: this.#running ? "reconciling" : "idle",
      running: this.#running,
      revision: { head: this.#head, applied: this.#applied, attempted: this.#attempted },
      validation: this.#validation,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      drift: {
        intervalMs: s.driftIntervalMs,
        nextCheckAt: this.#nextDriftCheckAt,
        summary: driftSummary(meshes.flatMap((m) => m.drift?.items ?? [])),
      },
      pollIntervalMs: s.pollIntervalMs,
      endpoints: { webhook: s.webhook, reconcile: s.reconcileEndpoint },
      meshes: meshes.map((m) => this.#meshJson(m)),
      reconciles: this.#history,
    };
  }

  #meshJson(m: MeshRecord): MeshStatus {
    const inventory = this.#inventory().get(m.name) ?? EMPTY_INVENTORY;
    const [state, reason] = meshState(m, this.#head);
    if (m.shown?.state !== state) m.shown = { state, since: this.#now().toISOString() };
    return {
      name: m.name,
      state,
      reason,
      since: m.shown.since,
      appliedRevision: m.appliedRevision,
      headApplied: m.appliedRevision !== null && m.appliedRevision === this.#head,
      approval: null,
      suspended: null,
      driftMode: m.driftMode,
      attemptedRevision: m.attemptedRevision,
      lastResult: m.lastResult,
      lastRun: m.lastRun,
      resources: { total: inventory.total, byType: inventory.byType },
      defaultPolicies: inventory.defaultPolicies,
      drift: m.drift ? { checkedAt: m.drift.checkedAt, revision: m.drift.revision, summary: driftSummary(m.drift.items), items: m.drift.items } : null,
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
    for (const name of event.meshes) {
      const mesh = this.#mesh(name);
      const result: MeshApplyResult | undefined = results.get(name);
      mesh.applying = false;
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
    if (allApplied) this.#applied = commit;
  }

  /** The drift found by a comparison (per mesh: every mesh compared, with or without items). */
  #driftChecked(event: EventOf<"drift.checked">): void {
    const at = this.#now().toISOString();
    const items = groupBy(event.report.items, (i) => i.mesh);
    for (const name of event.meshes) {
      const mesh = this.#mesh(name);
      mesh.driftMode = event.driftMode(name);
      mesh.drift = { checkedAt: at, revision: event.revision, items: items.get(name) ?? [] };
      this.#touch(mesh);
    }
  }

  /** An error that stopped a run (control plane unreachable, prune limit): recorded on the meshes it held back (default: all). */
  #runFailed(message: string, revision: string | null, meshes: readonly string[] | undefined): void {
    const at = this.#now().toISOString();
    this.#lastError = { at, message };
    const affected = meshes ? meshes.map((name) => this.#mesh(name)) : [...this.#meshes.values()];
    for (const mesh of affected) {
      mesh.applying = false;
      const touched = this.#touch(mesh);
      if (touched) touched.failed = true;
      this.#meshError(mesh, { at, revision, resource: "", message });
    }
  }

  /** Ends the run in flight; `end` is undefined for a run that found nothing to do (not kept in the history). */
  #runFinished({ run: id, reasons, end, durationMs }: EventOf<"run.finished">): void {
    const running = this.#running;
    this.#running = null;
    this.#ready = true;
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
    };
    for (const mesh of this.#meshes.values()) {
      if (mesh.touched?.id === record.id) mesh.lastRun = { id: record.id, kind: record.kind, result: meshRunResult(mesh, record), startedAt: record.startedAt, durationMs: record.durationMs };
      mesh.touched = null;
    }
    this.#history.unshift(record);
    this.#history.length = Math.min(this.#history.length, this.#settings.historySize ?? 20);
    if (record.result !== "error" && record.result !== "failed") this.#lastSuccessAt = this.#now().toISOString();
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
        touched: null,
        lastRun: null,
        shown: null,
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
    for (const listener of this.#listeners) listener();
  }
}

function meshState(mesh: MeshRecord, head: string | null): [MeshState, string] {
  if (mesh.applying) return ["applying", "writing changes"];
  if (mesh.lastResult?.outcome === "failed") return ["failed", mesh.lastErrors[0]?.message ?? "a change failed"];
  if (!mesh.appliedRevision || mesh.appliedRevision !== head) return ["behind", mesh.appliedRevision ? "the branch head is not applied yet" : "nothing applied yet"];
  // Every sync records the drift left after it, so this is never older than the last apply.
  if (mesh.drift && mesh.drift.items.some((i) => i.kind !== "unmanaged")) return ["drifted", "the control plane differs from the applied revision"];
  return ["in-sync", "the branch head is applied"];
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
