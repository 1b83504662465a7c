/**
 * A real status server on 127.0.0.1 (optionally with the status page) whose DaemonStatus is fed the reconciler's
 * events by the test: the status surface at a scale a repository would take minutes to reach.
 */
import { createLogger } from "../../src/daemon/logger.js";
import { DaemonMetrics } from "../../src/daemon/metrics.js";
import { startStatusServer, type StatusServer } from "../../src/daemon/server.js";
import { DaemonStatus, type StatusSettings } from "../../src/daemon/status.js";
import type { CommitInfo } from "../../src/daemon/statusTypes.js";
import { statusPageRoutes } from "../../src/daemon/ui.js";
import type { MeshApplyResult } from "../../src/sync/meshes.js";

export const commitOf = (id: string): CommitInfo => ({ commit: id.padEnd(40, "0"), message: `commit ${id}`, author: "a", date: "2026-12-02T00:00:00Z" });

/** A status model as a daemon on a local repository (branch main) and the embedded control plane starts it; `now`: its clock. */
export function testStatus(settings: Partial<StatusSettings> = {}, now?: () => Date): DaemonStatus {
  return new DaemonStatus(
    {
      repository: { url: "/repo", kind: "local", branch: "main", remote: null, path: "" },
      controlPlane: { url: "embedded", embedded: true },
      driftIntervalMs: 60_000,
      pollIntervalMs: null,
      webhook: false,
      reconcileEndpoint: false,
      ...settings,
    },
    now,
  );
}

export async function serveStatus(options: { page?: boolean; settings?: Partial<StatusSettings> } = {}): Promise<{ status: DaemonStatus; server: StatusServer }> {
  const status = testStatus(options.settings);
  const server = await startStatusServer({
    host: "127.0.0.1",
    port: 0,
    status,
    metrics: new DaemonMetrics({ processMetrics: false }),
    log: createLogger({ stream: { write: () => true }, level: "silent" }),
    webhook: { secret: undefined, branch: "main" },
    reconcileToken: undefined,
    trigger: () => undefined,
    limits: { eventThrottleMs: 10 },
    ...(options.page ? { extraRoutes: statusPageRoutes() } : {}),
  });
  return { status, server };
}

/** Run `run` applying `head` to `meshes`; those in `failing` fail one change. */
export function syncMeshes(status: DaemonStatus, run: number, head: CommitInfo, meshes: readonly string[], failing: readonly string[] = []): void {
  const results = new Map<string, MeshApplyResult>(
    failing.map((mesh) => [mesh, { applied: 0, failed: 1, skipped: 0, errors: [{ resource: `MeshTimeout/${mesh}/t`, message: "PUT refused (400): bad timeout" }] }]),
  );
  status.record({ type: "run.started", run, reasons: ["commit"] });
  status.record({ type: "revision.validated", commit: head, valid: true, diagnostics: [], kept: head.commit });
  status.record({ type: "meshes.synced", commit: head, meshes, results, inventory: () => new Map(), driftMode: () => "report", stopped: false });
  status.record({
    type: "run.finished",
    run,
    revision: head.commit,
    reasons: ["commit"],
    triggers: 1,
    durationMs: 5,
    end: { kind: "sync", result: failing.length ? "failed" : "applied", revision: head.commit, commit: head, summary: { applied: 0, failed: failing.length, skipped: 0, drift: 0 } },
  });
}

/** A drift check finding one modified resource in `mesh`. */
export function driftIn(status: DaemonStatus, head: CommitInfo, mesh: string): void {
  status.record({
    type: "drift.checked",
    revision: head.commit,
    meshes: [mesh],
    report: {
      summary: { missing: 0, modified: 1, orphaned: 0, unmanaged: 0 },
      items: [{ kind: "modified", resource: `MeshTimeout/${mesh}/t`, type: "MeshTimeout", mesh, name: "t", diff: "-idleTimeout: 1m\n+idleTimeout: 2m" }],
      leftAlone: [],
    },
    desiredCounts: new Map(),
    driftMode: () => "report",
  });
}
