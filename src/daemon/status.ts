/**
 * What the daemon knows about itself, as `/api/status` serves it (and the status page, issue 6, renders it). A plain
 * in-memory model: the reconciler records facts, the server reads `toJSON()`. Pure (the clock is injected).
 *
 * Vocabulary (closed):
 * - a mesh's `state`: "pending" (nothing applied yet), "applying", "in-sync", "drifted" (the control plane differs
 *   from the last applied revision), "failed" (its last apply stopped at an error);
 * - a reconcile's `kind`: "sync" (a revision validated and applied) or "drift" (the control plane compared with the
 *   last applied revision, and in `correct` mode re-applied);
 * - a reconcile's `result`: see RunResult.
 */
import type { DriftMode } from "../config/repoConfig.js";
import type { DriftItem, DriftSummary } from "../diff/drift.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { MeshApplyResult, MeshInventory } from "./meshes.js";
import type { TriggerKind } from "./queue.js";

export interface CommitInfo {
  readonly commit: string;
  /** The subject line. */
  readonly message: string;
  readonly author: string;
  /** Author date, ISO 8601. */
  readonly date: string;
}

export type MeshState = "pending" | "applying" | "in-sync" | "drifted" | "failed";
export type RunKind = "sync" | "drift";
/**
 * sync: "applied" (changes written), "unchanged" (nothing to write), "invalid" (refused by validation, nothing
 * written), "refused" (the prune limit refused the plan, nothing written), "failed" (some change failed; other meshes
 * went on), "stopped" (shutdown came first); drift: "in-sync", "drifted" (reported), "corrected" (re-applied);
 * either: "error" (the run could not finish: repository or control plane unreachable).
 */
export type RunResult = "applied" | "unchanged" | "invalid" | "refused" | "failed" | "stopped" | "in-sync" | "drifted" | "corrected" | "error";

export interface ReconcileRecord {
  readonly id: number;
  readonly kind: RunKind;
  readonly reasons: readonly TriggerKind[];
  readonly revision: string | null;
  readonly commit: { readonly message: string; readonly author: string } | null;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly result: RunResult;
  /** Changes written, failed and skipped; drift items found. */
  readonly summary: { readonly applied: number; readonly failed: number; readonly skipped: number; readonly drift: number };
  readonly error?: string;
}

/**
 * The last run that touched a mesh (applied to it, compared it, or failed on it), with what it meant for that mesh:
 * sync "applied" | "unchanged" | "failed" | "stopped"; drift "in-sync" | "drifted" | "corrected" | "failed"; either
 * "error" | "refused" when the run stopped on this mesh. A run that refused an invalid commit touches no mesh.
 */
export interface MeshRun {
  readonly id: number;
  readonly kind: RunKind;
  readonly result: RunResult;
  readonly startedAt: string;
  readonly durationMs: number;
}

export interface MeshError {
  readonly at: string;
  readonly revision: string | null;
  /** `Type/mesh/name`, or "" when the error is not about one resource. */
  readonly resource: string;
  readonly message: string;
}

interface MeshRecord {
  name: string;
  driftMode: DriftMode;
  applying: boolean;
  appliedRevision: string | null;
  attemptedRevision: string | null;
  lastResult: { outcome: "applied" | "unchanged" | "failed" | "stopped"; revision: string; at: string; applied: number; failed: number; skipped: number } | null;
  drift: { checkedAt: string; revision: string; items: DriftItem[] } | null;
  lastErrors: MeshError[];
  /** What the run in flight did to this mesh; folded into `lastRun` when the run finishes. */
  touched: { id: number; apply?: "applied" | "unchanged" | "failed" | "stopped"; failed?: boolean } | null;
  lastRun: MeshRun | null;
}

export interface StatusSettings {
  readonly repository: { readonly url: string; readonly kind: "local" | "remote"; readonly branch: string | null; readonly path: string };
  readonly controlPlane: { readonly url: string; readonly embedded: boolean };
  readonly driftIntervalMs: number;
  readonly pollIntervalMs: number | null;
  readonly webhook: boolean;
  readonly reconcileEndpoint: boolean;
  /** How many past reconciles to keep. */
  readonly historySize?: number;
}

const MAX_MESH_ERRORS = 10;
const EMPTY_INVENTORY: MeshInventory = { byType: {}, total: 0, defaultPolicies: [] };

export class DaemonStatus {
  readonly #settings: StatusSettings;
  readonly #now: () => Date;
  readonly #startedAt: string;
  readonly #meshes = new Map<string, MeshRecord>();
  readonly #history: ReconcileRecord[] = [];
  readonly #listeners = new Set<() => void>();
  #running: { id: number; reasons: readonly TriggerKind[]; startedAt: string } | null = null;
  #runs = 0;
  #ready = false;
  #applied: CommitInfo | null = null;
  #attempted: (CommitInfo & { valid: boolean }) | null = null;
  #validation: { revision: string; valid: boolean; diagnostics: readonly Diagnostic[] } | null = null;
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

  runStarted(reasons: readonly TriggerKind[]): number {
    const id = ++this.#runs;
    this.#running = { id, reasons, startedAt: this.#now().toISOString() };
    this.#changed();
    return id;
  }

  /** A revision was read and validated (valid or not). */
  validated(commit: CommitInfo, valid: boolean, diagnostics: readonly Diagnostic[]): void {
    this.#attempted = { ...commit, valid };
    this.#validation = { revision: commit.commit, valid, diagnostics };
    this.#changed();
  }

  meshesApplying(meshes: Iterable<string>): void {
    for (const name of meshes) this.#mesh(name).applying = true;
    this.#changed();
  }

  /** A valid revision was planned and applied; `results` has the meshes that had changes. */
  synced(
    commit: CommitInfo,
    meshes: readonly string[],
    results: ReadonlyMap<string, MeshApplyResult>,
    inventory: () => ReadonlyMap<string, MeshInventory>,
    modes: (mesh: string) => DriftMode,
    stopped: boolean,
  ): void {
    const at = this.#now().toISOString();
    // Built when the status is first read, not on every sync: counting 50,000 resources is not free.
    let built: ReadonlyMap<string, MeshInventory> | undefined;
    this.#inventory = () => (built ??= inventory());
    let allApplied = true;
    for (const name of meshes) {
      const mesh = this.#mesh(name);
      const result = results.get(name);
      mesh.applying = false;
      mesh.driftMode = modes(name);
      mesh.attemptedRevision = commit.commit;
      const complete = !result || (result.failed === 0 && result.skipped === 0);
      const outcome = !result ? "unchanged" : result.failed > 0 ? "failed" : result.skipped > 0 && stopped ? "stopped" : "applied";
      mesh.lastResult = { outcome, revision: commit.commit, at, applied: result?.applied ?? 0, failed: result?.failed ?? 0, skipped: result?.skipped ?? 0 };
      if (complete) mesh.appliedRevision = commit.commit;
      else allApplied = false;
      const touched = this.#touch(mesh);
      if (touched) touched.apply = outcome;
      for (const error of result?.errors ?? []) this.#meshError(mesh, { at, revision: commit.commit, resource: error.resource, message: error.message });
    }
    if (allApplied) this.#applied = commit;
    this.#changed();
  }

  /** The drift found by a comparison (per mesh: every mesh compared, with or without items). */
  driftChecked(revision: string, meshes: readonly string[], items: ReadonlyMap<string, DriftItem[]>, modes: (mesh: string) => DriftMode): void {
    const at = this.#now().toISOString();
    for (const name of meshes) {
      const mesh = this.#mesh(name);
      mesh.driftMode = modes(name);
      mesh.drift = { checkedAt: at, revision, items: items.get(name) ?? [] };
      this.#touch(mesh);
    }
    this.#changed();
  }

  /** An error that stopped a run (control plane unreachable, prune limit): recorded on the meshes it held back (default: all). */
  runFailed(message: string, revision: string | null, meshes?: readonly string[]): void {
    const at = this.#now().toISOString();
    this.#lastError = { at, message };
    const affected = meshes ? meshes.map((name) => this.#mesh(name)) : [...this.#meshes.values()];
    for (const mesh of affected) {
      mesh.applying = false;
      const touched = this.#touch(mesh);
      if (touched) touched.failed = true;
      this.#meshError(mesh, { at, revision, resource: "", message });
    }
    this.#changed();
  }

  /** Ends the run in flight; `record` is undefined for a run that found nothing to do (not kept in the history). */
  runFinished(record: Omit<ReconcileRecord, "id" | "startedAt" | "durationMs">, durationMs: number): ReconcileRecord;
  runFinished(record: undefined, durationMs: number): undefined;
  runFinished(record: Omit<ReconcileRecord, "id" | "startedAt" | "durationMs"> | undefined, durationMs: number): ReconcileRecord | undefined {
    const running = this.#running;
    this.#running = null;
    this.#ready = true;
    if (!record) {
      for (const mesh of this.#meshes.values()) mesh.touched = null;
      this.#changed();
      return undefined;
    }
    const full: ReconcileRecord = {
      id: running?.id ?? ++this.#runs,
      startedAt: running?.startedAt ?? this.#now().toISOString(),
      durationMs: Math.round(durationMs),
      ...record,
    };
    for (const mesh of this.#meshes.values()) {
      if (mesh.touched?.id === full.id) mesh.lastRun = { id: full.id, kind: full.kind, result: meshRunResult(mesh, full), startedAt: full.startedAt, durationMs: full.durationMs };
      mesh.touched = null;
    }
    this.#history.unshift(full);
    this.#history.length = Math.min(this.#history.length, this.#settings.historySize ?? 20);
    if (record.result !== "error" && record.result !== "failed") this.#lastSuccessAt = this.#now().toISOString();
    this.#changed();
    return full;
  }

  nextDriftCheck(at: Date | null): void {
    this.#nextDriftCheckAt = at?.toISOString() ?? null;
  }

  toJSON(): object {
    const s = this.#settings;
    const meshes = [...this.#meshes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const driftTotals: DriftSummary = { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 };
    for (const mesh of meshes) for (const item of mesh.drift?.items ?? []) driftTotals[item.kind]++;
    return {
      repository: s.repository,
      controlPlane: s.controlPlane,
      ready: this.#ready,
      startedAt: this.#startedAt,
      state: this.#running ? "reconciling" : "idle",
      running: this.#running,
      revision: { applied: this.#applied, attempted: this.#attempted },
      validation: this.#validation,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      drift: { intervalMs: s.driftIntervalMs, nextCheckAt: this.#nextDriftCheckAt, summary: driftTotals },
      pollIntervalMs: s.pollIntervalMs,
      endpoints: { webhook: s.webhook, reconcile: s.reconcileEndpoint },
      meshes: meshes.map((m) => ({
        name: m.name,
        state: meshState(m),
        driftMode: m.driftMode,
        appliedRevision: m.appliedRevision,
        attemptedRevision: m.attemptedRevision,
        lastResult: m.lastResult,
        lastRun: m.lastRun,
        ...this.#meshInventory(m.name),
        drift: m.drift ? { checkedAt: m.drift.checkedAt, revision: m.drift.revision, summary: summarize(m.drift.items), items: m.drift.items } : null,
        lastErrors: m.lastErrors,
      })),
      reconciles: this.#history,
    };
  }

  #meshInventory(name: string): { resources: { total: number; byType: Record<string, number> }; defaultPolicies: MeshInventory["defaultPolicies"] } {
    const inventory = this.#inventory().get(name) ?? EMPTY_INVENTORY;
    return { resources: { total: inventory.total, byType: inventory.byType }, defaultPolicies: inventory.defaultPolicies };
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

function meshState(mesh: MeshRecord): MeshState {
  if (mesh.applying) return "applying";
  if (mesh.lastResult?.outcome === "failed") return "failed";
  // Every sync records the drift left after it, so this is never older than the last apply.
  if (mesh.drift && mesh.drift.items.some((i) => i.kind !== "unmanaged")) return "drifted";
  return mesh.appliedRevision ? "in-sync" : "pending";
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

function summarize(items: readonly DriftItem[]): DriftSummary {
  const summary: DriftSummary = { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 };
  for (const item of items) summary[item.kind]++;
  return summary;
}
