/**
 * The daemon: wires a revision source, the reconcile loop, the drift timer, retries and the status server. Holds no
 * logic of its own beyond when things happen; what a run does is in reconciler.ts.
 */
import type { Backend } from "../backend/types.js";
import type { TokenSource } from "../backend/tokenFile.js";
import type { DriftMode } from "../config/repoConfig.js";
import { backoffDelay, DEFAULT_RETRY_BACKOFF, withJitter, type BackoffPolicy } from "../util/backoff.js";
import { eventLogger } from "./eventLog.js";
import { DaemonEvents } from "./events.js";
import { hydrateEachRevision } from "./hydrator.js";
import type { Logger } from "./logger.js";
import { errorMessage } from "../util/errorMessage.js";
import { ReconcileLoop } from "./loop.js";
import type { DaemonMetrics } from "./metrics.js";
import type { Trigger } from "./queue.js";
import { MeshControls } from "./controls.js";
import { shortPlan } from "./gate.js";
import { describeUnit } from "../model/key.js";
import { shortRevision } from "../model/revision.js";
import { readControls, writeControls } from "./controlsFile.js";
import { Reconciler, type ReconcilerOptions, type SopsKeys } from "./reconciler.js";
import { startStatusServer, type StatusServerOptions } from "./server.js";
import type { RevisionSource } from "./source.js";
import { DaemonStatus } from "./status.js";
import { meshViews, notifier } from "../notify/notifier.js";
import type { Sink } from "../notify/requests.js";
import type { NotificationSender } from "../notify/sender.js";
import type { ValidateOptions } from "../validate/index.js";

export interface DaemonOptions {
  readonly source: RevisionSource;
  readonly path: string | undefined;
  readonly maxFileBytes?: number;
  /** `--exclude`, `--allow-empty`, `--deprecations-as-errors`: each revision is validated as `validate` would. */
  readonly validation?: ValidateOptions;
  readonly backend: Backend;
  /** For the status: where the control plane is (never a token). */
  readonly controlPlane: { readonly url: string; readonly embedded: boolean };
  readonly listen: { readonly host: string; readonly port: number };
  readonly driftIntervalMs: number;
  /** The remote poll interval, for the status (the source runs its own timer). */
  readonly pollIntervalMs: number | null;
  readonly driftMode: DriftMode | undefined;
  /** `--max-deletes` / `--max-delete-percent` (override meshops.yaml's prune limits). */
  readonly pruneLimits?: ReconcilerOptions["pruneLimits"];
  /** `--request-timeout`: spaces the checks after a write of unknown outcome (recheck.ts). */
  readonly requestTimeoutMs?: number;
  /**
   * SOPS keys, age identities and armored PGP private keys (none: a commit with an encrypted file is not applied), or
   * what gives them now (key files read again when they change). Kept in memory only.
   */
  readonly sopsKeys?: SopsKeys;
  /** `--webhook-secret-file` and `--reconcile-token-file`: files read again when they change (a rotation needs no restart). */
  readonly webhookSecret: TokenSource | undefined;
  readonly reconcileToken: TokenSource | undefined;
  readonly log: Logger;
  readonly metrics: DaemonMetrics;
  readonly retry?: BackoffPolicy;
  /** How long shutdown waits for the run in flight before giving up on it. */
  readonly shutdownTimeoutMs?: number;
  readonly extraRoutes?: StatusServerOptions["extraRoutes"];
  /** The status server's limits and Host allow-list (server.ts); defaults when absent. */
  readonly serverLimits?: StatusServerOptions["limits"];
  readonly allowedHosts?: StatusServerOptions["allowedHosts"];
  /** `--hydrate-branch`: hydrate every valid revision onto this branch (pushed to `remote` when given). */
  readonly hydrate?: { readonly branch: string; readonly remote: string | undefined };
  /** `--controls-file`: where suspensions and approvals given through the API are kept across restarts (in memory only when absent). */
  readonly controlsFile?: string;
  /** Where state changes are told (commit statuses, webhooks), and who delivers them. */
  readonly notify?: { readonly sinks: readonly Sink[]; readonly sender: NotificationSender };
}

export interface Daemon {
  /** The status server's base URL. */
  readonly url: string;
  readonly status: DaemonStatus;
  trigger(trigger: Trigger): void;
  /** Stops taking triggers, lets the write in flight finish (the rest of that apply is skipped), closes the server. */
  stop(): Promise<void>;
}

/** The people's decisions, with the API's suspensions and approvals of the last run restored from (and kept in) `file`. */
function meshControls(file: string | undefined, log: Logger, events: DaemonEvents): MeshControls {
  if (file === undefined) return new MeshControls();
  const restored = readControls(file);
  const { suspended } = restored;
  const approved = [...restored.approved].map(([mesh, { revision, plan }]) => ({ mesh, revision, plan }));
  const said = [
    ...(suspended.length > 0 ? [`still suspended through the API before the restart: ${suspended.map(describeUnit).join(", ")}`] : []),
    ...(approved.length > 0
      ? [`approved before the restart, applied if the revision still plans what was approved: ${approved.map((a) => `${describeUnit(a.mesh)} (revision ${shortRevision(a.revision)}, plan ${shortPlan(a.plan)})`).join(", ")}`]
      : []),
  ];
  if (said.length > 0) log.info({ event: "controls.restored", suspended, approved, file }, said.join("; "));
  return new MeshControls({
    restored,
    persist: (saved) => writeControls(file, saved),
    unsaved: (message) => events.emit({ type: "controls.unsaved", message }),
    resaved: () => events.emit({ type: "controls.saved" }),
  });
}

/** The daemon's views of the reconciler's events: the status, the metrics and the log, in that order. */
export function subscribeViews(events: DaemonEvents, views: { readonly status: DaemonStatus; readonly metrics: DaemonMetrics; readonly log: Logger }): void {
  events.on((event) => views.status.record(event));
  events.on((event) => views.metrics.record(event));
  events.on(eventLogger(views.log));
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const { log, metrics, source } = o;
  const retryPolicy = o.retry ?? DEFAULT_RETRY_BACKOFF;
  const status = new DaemonStatus({
    repository: { url: source.display, kind: source.kind, branch: source.branch, remote: source.kind === "remote" ? "origin" : null, path: o.path ?? "" },
    controlPlane: o.controlPlane,
    driftIntervalMs: o.driftIntervalMs,
    pollIntervalMs: o.pollIntervalMs,
    webhook: o.webhookSecret !== undefined,
    reconcileEndpoint: o.reconcileToken !== undefined,
    ...(o.hydrate ? { hydrate: o.hydrate } : {}),
  });
  const events = new DaemonEvents();
  subscribeViews(events, { status, metrics, log });
  metrics.observeMeshes({ meshes: () => status.meshConditions(), ready: () => status.ready });
  const controls = meshControls(o.controlsFile, log, events);
  const hydrator = o.hydrate ? hydrateEachRevision(events, { dir: source.dir, path: o.path, ...o.hydrate, ...(o.maxFileBytes !== undefined ? { maxFileBytes: o.maxFileBytes } : {}) }) : undefined;
  const notify = o.notify;
  if (notify && notify.sinks.length > 0) {
    // After the status: it has folded a run in when the notifier reads the mesh states.
    events.on(notifier({ sinks: notify.sinks, send: (sink, request) => notify.sender.send(sink, request), views: () => meshViews(status) }));
  }
  let stopping = false;
  const reconciler = new Reconciler({
    source,
    path: o.path,
    ...(o.maxFileBytes !== undefined ? { maxFileBytes: o.maxFileBytes } : {}),
    ...(o.validation ? { validation: o.validation } : {}),
    backend: o.backend,
    events,
    driftMode: o.driftMode,
    sopsKeys: o.sopsKeys ?? [],
    stopRequested: () => stopping,
    controls,
    ...(o.pruneLimits ? { pruneLimits: o.pruneLimits } : {}),
    ...(o.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
  });

  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = new Date(0);
  let recheckTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  const loop = new ReconcileLoop(
    async (work) => {
      const outcome = await reconciler.reconcileOnce(work);
      // Writes of unknown outcome: the next check, the one timer for them (a later such write moves it).
      clearTimeout(recheckTimer);
      recheckTimer = undefined;
      if (outcome.recheckInMs !== undefined && !stopping) {
        recheckTimer = setTimeout(() => {
          recheckTimer = undefined;
          loop.trigger({ kind: "recheck", detail: "writes of unknown outcome" });
        }, outcome.recheckInMs);
      }
      if (!outcome.retry) {
        failures = 0;
        clearTimeout(retryTimer);
        retryTimer = undefined;
      } else if (!stopping) {
        // One retry pending at a time; runs of other triggers in between (a poll, a drift tick) do not push it back,
        // and are told when it is due.
        const pending = retryTimer !== undefined;
        let delayMs = Math.max(0, retryAt.getTime() - Date.now());
        if (!pending) {
          failures++;
          delayMs = backoffDelay(failures, retryPolicy);
          retryAt = new Date(Date.now() + delayMs);
          retryTimer = setTimeout(() => {
            retryTimer = undefined;
            loop.trigger({ kind: "retry", detail: `attempt ${failures + 1}` });
          }, delayMs);
        }
        events.emit({ type: "retry.scheduled", attempt: failures, at: retryAt, delayMs, pending });
      }
    },
    (error) => log.error({ event: "loop.error", err: errorMessage(error) }, "unexpected error in the reconcile loop"),
  );

  let driftTimer: NodeJS.Timeout | undefined;
  const scheduleDriftCheck = () => {
    if (stopping) return;
    const delay = withJitter(o.driftIntervalMs, 0.05);
    events.emit({ type: "drift.scheduled", at: new Date(Date.now() + delay) });
    driftTimer = setTimeout(() => {
      loop.trigger({ kind: "drift-timer" });
      scheduleDriftCheck();
    }, delay);
  };

  const server = await startStatusServer({
    host: o.listen.host,
    port: o.listen.port,
    status,
    metrics,
    log,
    webhook: { secret: o.webhookSecret, branch: source.branch },
    reconcileToken: o.reconcileToken,
    trigger: (t) => loop.trigger(t),
    meshApi: { controls, knownMesh: (mesh) => status.knows(mesh) },
    ...(o.extraRoutes ? { extraRoutes: o.extraRoutes } : {}),
    ...(o.serverLimits ? { limits: o.serverLimits } : {}),
    ...(o.allowedHosts ? { allowedHosts: o.allowedHosts } : {}),
  });
  try {
    // Watch first, then read: a commit made while the daemon starts is either in the first read or seen by the watcher.
    await source.start((t) => loop.trigger(t));
  } catch (error) {
    await server.close();
    throw error;
  }
  log.info(
    {
      event: "daemon.started",
      repository: source.display,
      branch: source.branch,
      remote: source.kind === "remote" ? "origin" : null,
      path: o.path ?? "",
      controlPlane: o.controlPlane.url,
      status: server.url,
      driftIntervalMs: o.driftIntervalMs,
      pollIntervalMs: o.pollIntervalMs,
      webhook: o.webhookSecret !== undefined,
      reconcileEndpoint: o.reconcileToken !== undefined,
    },
    `watching branch ${source.branch} of ${source.display}; status on ${server.url}`,
  );
  loop.trigger({ kind: "startup" });
  scheduleDriftCheck();

  return {
    url: server.url,
    status,
    trigger: (t) => loop.trigger(t),
    stop: async () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(driftTimer);
      clearTimeout(retryTimer);
      clearTimeout(recheckTimer);
      await source.close();
      const finished = await Promise.race([
        loop.stop().then(async () => (await hydrator?.idle(), true)),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), o.shutdownTimeoutMs ?? 25_000).unref()),
      ]);
      if (!finished) log.warn({ event: "daemon.stop-timeout" }, "the reconcile in flight did not finish in time; stopping anyway");
      if (notify) {
        // The last run's notifications get a few seconds; retries beyond are given up.
        await Promise.race([notify.sender.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        await notify.sender.close();
      }
      await server.close();
    },
  };
}
