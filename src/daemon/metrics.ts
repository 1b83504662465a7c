/**
 * Prometheus metrics (prom-client) on a registry of the daemon's own, not the library's global one: two daemons in
 * one process (the tests) must not share counters. Names follow Prometheus conventions: `_total` counters, `_seconds`
 * durations, base units.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestEvent } from "../backend/kumaHttp.js";
import { DRIFT_KINDS, leftAloneSummary } from "../diff/drift.js";
import { CONTROL_PLANE_SOURCES } from "../kuma/controlPlaneMade.js";
import { groupBy, tally } from "../diff/pair.js";
import { nameOfUnit } from "../model/key.js";
import { isSuccessful, meshesFound, type DaemonEvent, type EventOf } from "./events.js";
import type { MeshConditionRow } from "./status.js";
import { MESH_STATES, type RunKind, type RunResult } from "./statusTypes.js";

export const METRIC_NAMES = [
  "meshops_reconcile_total",
  "meshops_reconcile_duration_seconds",
  "meshops_changes_total",
  "meshops_resources",
  "meshops_drift_items",
  "meshops_backend_requests_total",
  "meshops_backend_request_duration_seconds",
  "meshops_writes_outcome_unknown_total",
  "meshops_writes_rewritten_total",
  "meshops_writes_stayed_unknown_total",
  "meshops_last_successful_reconcile_timestamp_seconds",
  "meshops_ready",
  "meshops_mesh_state",
  "meshops_mesh_blocked",
  "meshops_mesh_head_applied",
  "meshops_mesh_applied_revision_age_seconds",
] as const;

/** What the per-mesh gauges are read from at each scrape: the status's own states (status.ts), so both agree. */
export interface MeshStateSource {
  readonly meshes: () => readonly MeshConditionRow[];
  readonly ready: () => boolean;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #reconciles = new Counter({
    name: "meshops_reconcile_total",
    help: "Reconciles finished, by kind (sync, drift) and result",
    labelNames: ["kind", "result"] as const,
    registers: [this.registry],
  });
  readonly #durations = new Histogram({
    name: "meshops_reconcile_duration_seconds",
    help: "Duration of reconciles, by kind",
    labelNames: ["kind"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly #changes = new Counter({
    name: "meshops_changes_total",
    help: "Changes sent to the control plane, by action (create, update, delete) and outcome (applied, failed, skipped)",
    labelNames: ["action", "outcome"] as const,
    registers: [this.registry],
  });
  readonly #resources = new Gauge({
    name: "meshops_resources",
    help:
      "Resources per mesh and state: in-sync, missing, modified, orphaned, unmanaged, and generated or synced (left alone: made by the control plane or sent by another) (as of the last comparison)",
    labelNames: ["mesh", "state"] as const,
    registers: [this.registry],
  });
  readonly #drift = new Gauge({
    name: "meshops_drift_items",
    help: "Drift items per mesh and kind (missing, modified, orphaned, unmanaged) as of the last comparison",
    labelNames: ["mesh", "kind"] as const,
    registers: [this.registry],
  });
  readonly #requests = new Counter({
    name: "meshops_backend_requests_total",
    help: "Requests to the control plane, by method and status (the HTTP status, or 'error' when no answer came)",
    labelNames: ["method", "status"] as const,
    registers: [this.registry],
  });
  readonly #outcomeUnknown = new Counter({
    name: "meshops_writes_outcome_unknown_total",
    help: "Writes sent to the control plane and never answered (timed out, connection reset): they may land later",
    registers: [this.registry],
  });
  readonly #rewritten = new Counter({
    name: "meshops_writes_rewritten_total",
    help: "Resources a comparison after a write of unknown outcome found changed and wrote again (an old write landed late)",
    registers: [this.registry],
  });
  readonly #stayedUnknown = new Counter({
    name: "meshops_writes_stayed_unknown_total",
    help: "Resources whose checks after a write of unknown outcome were given up on (the last check failed, and its tries again): their outcome stays unknown",
    registers: [this.registry],
  });
  readonly #requestDurations = new Histogram({
    name: "meshops_backend_request_duration_seconds",
    help: "Latency of requests to the control plane, by method",
    labelNames: ["method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #lastSuccess = new Gauge({
    name: "meshops_last_successful_reconcile_timestamp_seconds",
    help: "Unix time of the last successful reconcile (never one that failed, was invalid or held a mesh for approval)",
    registers: [this.registry],
  });
  readonly #sourceProblem = new Gauge({
    name: "meshops_source_problem",
    help: "1 while the followed branch cannot be fetched or read (the daemon goes on with the last revision it read), else 0",
    registers: [this.registry],
  });
  readonly #readOnly = new Gauge({
    name: "meshops_control_plane_read_only",
    help: "1 while the control plane's API is read-only (it runs on Kubernetes): nothing is written, drift is only reported, else 0",
    registers: [this.registry],
  });
  readonly #controlsFileStale = new Gauge({
    name: "meshops_controls_file_stale",
    help: "1 while --controls-file cannot be written (it may hold an approval let go of; approved plans wait), else 0",
    registers: [this.registry],
  });
  #source: MeshStateSource | undefined;
  readonly #ready: Gauge = new Gauge({
    name: "meshops_ready",
    help: "1 once a reconcile compared a reachable control plane with a valid revision (as /readyz)",
    registers: [this.registry],
    collect: (): void => this.#ready.set(this.#source?.ready() ? 1 : 0),
  });
  readonly #meshState: Gauge<"mesh" | "state"> = new Gauge({
    name: "meshops_mesh_state",
    help: `1 for each mesh's current state, 0 for the others (${MESH_STATES.join(", ")})`,
    labelNames: ["mesh", "state"] as const,
    registers: [this.registry],
    collect: (): void => {
      this.#meshState.reset();
      for (const row of this.#source?.meshes() ?? []) for (const state of MESH_STATES) this.#meshState.set({ mesh: nameOfUnit(row.mesh), state }, row.state === state ? 1 : 0);
    },
  });
  /** Only blocked meshes have a series, as Argo CD's argocd_app_condition reports only the conditions an application has. */
  readonly #meshBlocked: Gauge<"mesh" | "reason"> = new Gauge({
    name: "meshops_mesh_blocked",
    help: "1 for each blocked mesh (state blocked), labelled with why: control-plane-lacks (its plan writes what the control plane does not have); no series for the others",
    labelNames: ["mesh", "reason"] as const,
    registers: [this.registry],
    collect: (): void => {
      this.#meshBlocked.reset();
      for (const row of this.#source?.meshes() ?? []) if (row.blocked) this.#meshBlocked.set({ mesh: nameOfUnit(row.mesh), reason: row.blocked }, 1);
    },
  });
  readonly #headApplied: Gauge<"mesh"> = new Gauge({
    name: "meshops_mesh_head_applied",
    help: "1 when the mesh's applied revision is the followed branch's head, else 0",
    labelNames: ["mesh"] as const,
    registers: [this.registry],
    collect: (): void => {
      this.#headApplied.reset();
      for (const row of this.#source?.meshes() ?? []) this.#headApplied.set({ mesh: nameOfUnit(row.mesh) }, row.headApplied ? 1 : 0);
    },
  });
  readonly #appliedAge: Gauge<"mesh"> = new Gauge({
    name: "meshops_mesh_applied_revision_age_seconds",
    help: "Seconds since the mesh's applied revision was committed (absent while nothing is applied)",
    labelNames: ["mesh"] as const,
    registers: [this.registry],
    collect: (): void => {
      this.#appliedAge.reset();
      const now = Date.now();
      for (const row of this.#source?.meshes() ?? []) {
        const committed = row.appliedCommitDate ? Date.parse(row.appliedCommitDate) : Number.NaN;
        if (Number.isFinite(committed)) this.#appliedAge.set({ mesh: nameOfUnit(row.mesh) }, Math.max(0, (now - committed) / 1000));
      }
    },
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // CPU, memory, event-loop lag and file descriptors of the daemon itself (process_*, nodejs_*). The lag monitor
    // samples every 100 ms instead of prom-client's 10 ms: an idle daemon should stay idle (it halves idle CPU).
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    this.#sourceProblem.set(0);
    this.#controlsFileStale.set(0);
    this.#readOnly.set(0);
  }

  /** The per-mesh figures last set (drift kinds' counts and in-sync, as text), by mesh. */
  #figures = new Map<string, string>();

  /** Folds in one event of the reconciler (events.ts). */
  record(event: DaemonEvent): void {
    switch (event.type) {
      case "run.finished":
        if (event.end) this.#reconciled(event.end.kind, event.end.result, event.durationMs / 1000);
        return;
      case "change.done":
        this.#changes.inc({ action: event.result.change.action, outcome: event.result.outcome });
        return;
      case "write.outcome-unknown":
        this.#outcomeUnknown.inc(event.resources.length);
        return;
      case "write.rechecked":
        this.#rewritten.inc(event.rewritten.length);
        this.#stayedUnknown.inc(event.gaveUp?.length ?? 0);
        return;
      case "drift.checked":
        this.#compared(event);
        return;
      case "source.failed":
        this.#sourceProblem.set(1);
        return;
      case "source.recovered":
        this.#sourceProblem.set(0);
        return;
      case "control-plane.read-only":
        this.#readOnly.set(event.readOnly ? 1 : 0);
        return;
      case "controls.unsaved":
        this.#controlsFileStale.set(1);
        return;
      case "controls.saved":
        this.#controlsFileStale.set(0);
        return;
      default:
        return;
    }
  }

  #reconciled(kind: RunKind, result: RunResult, seconds: number): void {
    this.#reconciles.inc({ kind, result });
    this.#durations.observe({ kind }, seconds);
    if (isSuccessful(result)) this.#lastSuccess.set(Date.now() / 1000);
  }

  /** Where the per-mesh gauges and readiness come from (the daemon's status). */
  observeMeshes(source: MeshStateSource): void {
    this.#source = source;
  }

  request(event: Pick<RequestEvent, "method" | "status" | "durationMs">): void {
    this.#requests.inc({ method: event.method, status: event.status === undefined ? "error" : String(event.status) });
    this.#requestDurations.observe({ method: event.method }, event.durationMs / 1000);
  }

  /**
   * Replaces the per-mesh gauges with a new comparison's figures (meshes that are gone disappear). Only the meshes
   * whose figures changed are set: a commit changes one mesh of a thousand, and each set costs a label lookup.
   */
  #compared(event: EventOf<"drift.checked">): void {
    const desiredByMesh = event.desiredCounts;
    const byMesh = groupBy(event.report.items, (i) => i.mesh);
    const aloneByMesh = groupBy(event.report.leftAlone, (i) => i.mesh);
    const figures = new Map<string, string>();
    for (const mesh of meshesFound(event)) {
      const c = tally(byMesh.get(mesh) ?? [], (i) => i.kind, DRIFT_KINDS);
      const alone = leftAloneSummary(aloneByMesh.get(mesh) ?? []);
      const inSync = Math.max(0, (desiredByMesh.get(mesh) ?? 0) - c.missing - c.modified);
      const key = `${DRIFT_KINDS.map((kind) => c[kind]).join(" ")} ${inSync} ${CONTROL_PLANE_SOURCES.map((source) => alone[source]).join(" ")}`;
      figures.set(mesh, key);
      if (this.#figures.get(mesh) === key) continue;
      for (const kind of DRIFT_KINDS) {
        this.#drift.set({ mesh: nameOfUnit(mesh), kind }, c[kind]);
        this.#resources.set({ mesh: nameOfUnit(mesh), state: kind }, c[kind]);
      }
      this.#resources.set({ mesh: nameOfUnit(mesh), state: "in-sync" }, inSync);
      for (const source of CONTROL_PLANE_SOURCES) this.#resources.set({ mesh: nameOfUnit(mesh), state: source }, alone[source]);
    }
    for (const mesh of this.#figures.keys()) {
      if (figures.has(mesh)) continue;
      for (const kind of DRIFT_KINDS) {
        this.#drift.remove({ mesh: nameOfUnit(mesh), kind });
        this.#resources.remove({ mesh: nameOfUnit(mesh), state: kind });
      }
      this.#resources.remove({ mesh: nameOfUnit(mesh), state: "in-sync" });
      for (const source of CONTROL_PLANE_SOURCES) this.#resources.remove({ mesh: nameOfUnit(mesh), state: source });
    }
    this.#figures = figures;
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
