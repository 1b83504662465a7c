/**
 * The set-up of an in-process test of the reconciler (as reconciler.incremental.test.ts): a real Git repository with
 * `files` committed, the embedded control plane behind a ProbeBackend, the status, metrics and log subscribed as the
 * daemon subscribes them, and reconcileOnce called run by run. The test file's `after` calls `close()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LocalBackend } from "../../src/backend/store.js";
import { subscribeViews } from "../../src/daemon/daemon.js";
import { MeshControls } from "../../src/daemon/controls.js";
import { DaemonEvents, type DaemonEvent } from "../../src/daemon/events.js";
import { createLogger } from "../../src/daemon/logger.js";
import { DaemonMetrics } from "../../src/daemon/metrics.js";
import { workFor, type TriggerKind } from "../../src/daemon/queue.js";
import { Reconciler, type RunOutcome } from "../../src/daemon/reconciler.js";
import type { DaemonStatus } from "../../src/daemon/status.js";
import { LocalRepository } from "../../src/daemon/watcher.js";
import { inProcessStatus } from "./daemonBed.js";
import { commitFiles, tempRepo } from "./git.js";
import { ProbeBackend } from "./probeBackend.js";

export interface ReconcilerBed {
  readonly repo: { readonly dir: string };
  readonly backend: ProbeBackend;
  readonly events: DaemonEvents;
  readonly status: DaemonStatus;
  readonly controls: MeshControls;
  /** Every event emitted, in order. */
  readonly emitted: DaemonEvent[];
  /** The log lines with this `event`, parsed. */
  logged(event: string): Record<string, unknown>[];
  run(kind: TriggerKind): Promise<RunOutcome>;
  /** Closes the control plane, removes the repository and its state. */
  close(): Promise<void>;
}

/**
 * `controls`: the daemon's, when the test keeps them in a file (controlsFile.ts); a fresh MeshControls otherwise.
 * `environment`: "kubernetes" for a control plane whose API is read-only.
 */
export async function openReconcilerBed(
  prefix: string,
  files: Record<string, string>,
  options: { readonly requestTimeoutMs?: number; readonly controls?: MeshControls; readonly environment?: "kubernetes" } = {},
): Promise<ReconcilerBed> {
  const repo = tempRepo(`${prefix}-`);
  const stateDir = mkdtempSync(path.join(tmpdir(), `${prefix}-cp-`));
  commitFiles(repo.dir, files);
  const lines: string[] = [];
  const log = createLogger({ stream: { write: (line: string) => lines.push(line) }, level: "debug", format: "json" });
  const { controls = new MeshControls(), environment, ...reconcilerOptions } = options;
  const backend = new ProbeBackend(await LocalBackend.open({ stateDir, skipMeshCreation: true, ...(environment ? { environment } : {}) }));
  const events = new DaemonEvents();
  const status = inProcessStatus(repo.dir);
  const emitted: DaemonEvent[] = [];
  subscribeViews(events, { status, metrics: new DaemonMetrics({ processMetrics: false }), log });
  events.on((event) => emitted.push(event));
  const reconciler = new Reconciler({ source: new LocalRepository({ dir: repo.dir, branch: "main", log }), path: undefined, backend, events, driftMode: undefined, stopRequested: () => false, controls, ...reconcilerOptions });
  return {
    repo,
    backend,
    events,
    status,
    controls,
    emitted,
    logged: (event) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === event),
    run: (kind) => reconciler.reconcileOnce(workFor({ kind })),
    close: async () => {
      await backend.close();
      repo.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
