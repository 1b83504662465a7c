/**
 * Prometheus metrics (prom-client) on a registry of the daemon's own, not the library's global one: two daemons in
 * one process (the tests) must not share counters. Names follow Prometheus conventions: `_total` counters, `_seconds`
 * durations, base units.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestEvent } from "../backend/kumaHttp.js";
import { DRIFT_KINDS, type DriftItem } from "../diff/drift.js";
import { groupBy, tally } from "../diff/pair.js";
import type { DaemonEvent } from "./events.js";
import type { RunKind, RunResult } from "./statusTypes.js";

export const METRIC_NAMES = [
  "meshops_reconcile_total",
  "meshops_reconcile_duration_seconds",
  "meshops_changes_total",
  "meshops_resources",
  "meshops_drift_items",
  "meshops_backend_requests_total",
  "meshops_backend_request_duration_seconds",
  "meshops_last_successful_reconcile_timestamp_seconds",
  "meshops_ready",
] as const;

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
    help: "Resources per mesh and state: in-sync, missing, modified, orphaned, unmanaged (as of the last comparison)",
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
  readonly #requestDurations = new Histogram({
    name: "meshops_backend_request_duration_seconds",
    help: "Latency of requests to the control plane, by method",
    labelNames: ["method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #lastSuccess = new Gauge({
    name: "meshops_last_successful_reconcile_timestamp_seconds",
    help: "Unix time of the last reconcile that did not fail",
    registers: [this.registry],
  });
  readonly #ready = new Gauge({ name: "meshops_ready", help: "1 once the first reconcile finished", registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    // CPU, memory, event-loop lag and file descriptors of the daemon itself (process_*, nodejs_*). The lag monitor
    // samples every 100 ms instead of prom-client's 10 ms: an idle daemon should stay idle (it halves idle CPU).
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  /** Folds in one event of the reconciler (events.ts). */
  record(event: DaemonEvent): void {
    switch (event.type) {
      case "run.finished":
        if (event.end) this.#reconciled(event.end.kind, event.end.result, event.durationMs / 1000);
        return;
      case "change.done":
        this.#changes.inc({ action: event.result.change.action, outcome: event.result.outcome });
        return;
      case "drift.checked":
        this.#compared(event.desiredCounts, event.report.items);
        return;
      default:
        return;
    }
  }

  #reconciled(kind: RunKind, result: RunResult, seconds: number): void {
    this.#reconciles.inc({ kind, result });
    this.#durations.observe({ kind }, seconds);
    if (result !== "error" && result !== "failed") this.#lastSuccess.set(Date.now() / 1000);
    this.#ready.set(1);
  }

  request(event: Pick<RequestEvent, "method" | "status" | "durationMs">): void {
    this.#requests.inc({ method: event.method, status: event.status === undefined ? "error" : String(event.status) });
    this.#requestDurations.observe({ method: event.method }, event.durationMs / 1000);
  }

  /** Replaces the per-mesh gauges with a new comparison's figures (meshes that are gone disappear). */
  #compared(desiredByMesh: ReadonlyMap<string, number>, drift: readonly DriftItem[]): void {
    this.#resources.reset();
    this.#drift.reset();
    const byMesh = groupBy(drift, (i) => i.mesh);
    for (const mesh of new Set([...desiredByMesh.keys(), ...byMesh.keys()])) {
      const c = tally(byMesh.get(mesh) ?? [], (i) => i.kind, DRIFT_KINDS);
      for (const kind of DRIFT_KINDS) {
        this.#drift.set({ mesh, kind }, c[kind]);
        this.#resources.set({ mesh, state: kind }, c[kind]);
      }
      this.#resources.set({ mesh, state: "in-sync" }, Math.max(0, (desiredByMesh.get(mesh) ?? 0) - c.missing - c.modified));
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
