/**
 * `reconcileOnce`: one run of the daemon's loop. Everything a run does is here, in order; the loop around it (queue,
 * timers, retries, shutdown) is in daemon.ts.
 *
 * A sync, for a revision not seen before: read it, validate it (an invalid commit is refused whole: nothing applied,
 * the last valid revision stays the target, the diagnostics go to the status), compare with the control plane, plan,
 * check the prune limits, apply (a failing mesh does not hold back the others), and record what drift is left.
 * A drift check, on the timer: compare the control plane with the last valid revision; per mesh, report the drift or
 * (in `correct` mode) re-apply.
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
import type { Backend, ServerInfo } from "../backend/types.js";
import type { DriftReport } from "../diff/drift.js";
import type { Plan } from "../diff/plan.js";
import { readSnapshot } from "../source/index.js";
import { applyPlan, type ChangeResult, type ChangeSet } from "../sync/apply.js";
import { checkPruneLimits, PruneLimitError } from "../sync/limits.js";
import { compare, driftFor, planFor, type Comparison } from "../sync/reconcile.js";
import { buildDesired, targetOf, type DesiredState } from "../desired/index.js";
import { outOfSyncSubjects, planIncremental, updateDrift } from "../sync/incremental.js";
import type { Snapshot } from "../source/types.js";
import { AnalysisCache, validateSnapshot, type ValidationResult } from "../validate/index.js";
import { isShownToPeople } from "../model/diagnostic.js";
import { unknownServiceReferences } from "../validate/services.js";
import { errorMessage, type Logger } from "./logger.js";
import { LiveCache } from "./liveCache.js";
import { applyResultsByMesh, desiredCountsByMesh, driftItemsByMesh, driftModeOf, inventoryOf, meshesOf } from "./meshes.js";
import { driftAfterApply, isActionable, remainingDrift, restrictPlan, writesOf } from "../sync/remaining.js";
import type { DaemonMetrics } from "./metrics.js";
import type { Work } from "./queue.js";
import type { RevisionSource } from "./source.js";
import type { CommitInfo, DaemonStatus, RunKind, RunResult } from "./status.js";

export interface ReconcilerOptions {
  readonly source: RevisionSource;
  /** `--path`: the sub-folder of the repository holding the configuration. */
  readonly path: string | undefined;
  readonly maxFileBytes?: number;
  readonly backend: Backend;
  readonly status: DaemonStatus;
  readonly metrics: DaemonMetrics;
  readonly log: Logger;
  /** `--drift-mode`: when set, the mode of every mesh, whatever meshops.yaml says. */
  readonly driftMode: DriftMode | undefined;
  /** True once shutdown began: the apply in flight finishes its current writes and starts no more. */
  readonly stopRequested: () => boolean;
  /** Diagnostics logged one per line for an invalid commit, at most (all of them are in the status). */
  readonly maxLoggedDiagnostics?: number;
}

export interface RunOutcome {
  readonly kind: RunKind | "none";
  readonly result: RunResult | "nothing";
  /** Worth running again after a backoff: the last valid revision is not completely applied. */
  readonly retry: boolean;
}

/**
 * What a run is for, given what triggered it and what the last runs saw. Pure.
 * - "sync": read, validate and apply the branch's revision;
 * - "apply": apply the last valid revision again (its apply failed, and the branch now points at a refused commit);
 * - "drift": compare the control plane with the last valid revision;
 * - "nothing": the branch has not moved and nothing else was asked for.
 */
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
  readonly result: ValidationResult;
}

interface Step {
  readonly kind: RunKind;
  readonly result: RunResult;
  readonly revision: string | null;
  readonly commit: CommitInfo | null;
  readonly summary: { applied: number; failed: number; skipped: number; drift: number };
  readonly error?: string;
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
}

/** A plan of the target revision, full or incremental, and how to work out the drift once it is applied. */
interface Round {
  readonly mode: "full" | "incremental";
  readonly desired: DesiredState;
  readonly plan: Plan;
  readonly ownedCount: number;
  /** Subjects planned (all of them for a full plan). */
  readonly planned: number;
  /** The drift left after applying the plan (call it after the cache has recorded the changes). */
  driftAfter(changes: ChangeSet | undefined): DriftReport;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  /** Blob texts and per-file analyses by blob id: a commit that changes one file re-reads and re-checks one file. */
  readonly #blobs = new Map<string, string>();
  readonly #analysis = new AnalysisCache();
  /** The revision validated last, valid or not: a branch that has not moved is not validated again. */
  #validated: string | undefined;
  #validatedOk = false;
  /** The last valid revision: what the control plane should hold. An invalid commit never replaces it. */
  #target: Target | undefined;
  /**
   * The target is not completely applied and trying again may help (a failed change, an unreachable control plane,
   * a shutdown). Not set by a plan the prune limit refused: that needs a new commit, not another try.
   */
  #pendingApply = false;
  /** The last sync could not read the branch (repository unreachable, fetch failed): tried again after a backoff. */
  #readFailed = false;
  /** Drift items already logged (`kind resource`), so a drift that lasts is logged once, not at every check. */
  #loggedDrift = new Set<string>();
  /** Control-plane mismatch warnings already logged (controlPlane.version or product vs GET /). */
  readonly #targetWarnings = new Set<string>();
  /** The last snapshot read: the next read only reads the files that changed since. */
  #snapshot: Snapshot | undefined;
  /** The control plane as last listed, and written through since. */
  readonly #live = new LiveCache();
  /** The desired state built last: meshes whose resources did not change are taken over by the next build. */
  #desired: DesiredState | undefined;
  /** Where an incremental plan can start from; undefined when the next sync must compare everything. */
  #base: Base | undefined;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  async reconcileOnce(work: Work): Promise<RunOutcome> {
    const { source, status, metrics, log } = this.#o;
    const started = performance.now();
    status.runStarted(work.reasons);
    let kind: RunKind = "sync";
    let revision: string | null = null;
    let step: Step | undefined;
    try {
      if (work.fetch) await source.update();
      revision = await source.resolve();
      const target = !this.#target ? "none" : this.#pendingApply ? "failed" : "applied";
      const decision = decideRun(work, revision, { validated: this.#validated, valid: this.#validatedOk, target });
      if (decision === "sync") step = await this.#sync(revision, work);
      else if (decision === "apply" && this.#target) step = await this.#apply(this.#target, "a failed apply is retried");
      else if (decision === "drift") {
        kind = "drift";
        step = await this.#checkDrift(work);
      }
    } catch (error) {
      // Whatever failed (a request that may or may not have reached the control plane, a bug halfway through an
      // apply), the cached live state is no longer to be trusted: the next run lists everything again.
      this.#live.invalidate("a run failed");
      this.#base = undefined;
      const message = errorMessage(error);
      log.error({ event: "reconcile.error", revision, kind, err: message }, `reconcile failed: ${message}`);
      status.runFailed(message, revision);
      if (kind === "sync" && (revision === null || this.#validated !== revision)) this.#readFailed = true;
      step = { kind, result: "error", revision, commit: null, summary: { ...NO_CHANGES, drift: 0 }, error: message };
    }

    const seconds = (performance.now() - started) / 1000;
    if (!step) {
      status.runFinished(undefined, seconds * 1000);
      log.debug({ event: "reconcile.nothing", revision, reasons: work.reasons }, "nothing new");
      return { kind: "none", result: "nothing", retry: this.#needsRetry };
    }
    const record = status.runFinished(
      {
        kind: step.kind,
        reasons: work.reasons,
        revision: step.revision,
        commit: step.commit ? { message: step.commit.message, author: step.commit.author } : null,
        result: step.result,
        summary: step.summary,
        ...(step.error ? { error: step.error } : {}),
      },
      seconds * 1000,
    );
    metrics.reconciled(step.kind, step.result, seconds, new Date());
    const level = step.result === "error" || step.result === "failed" ? "warn" : "info";
    log[level](
      { event: "reconcile.done", id: record.id, kind: step.kind, revision: step.revision, result: step.result, durationMs: record.durationMs, reasons: work.reasons, triggers: work.triggers, ...step.summary },
      `${step.kind} ${shortRevision(step.revision)}: ${step.result} in ${record.durationMs} ms`,
    );
    return { kind: step.kind, result: step.result, retry: this.#needsRetry };
  }

  /**
   * The branch could not be read, or a valid revision is not (completely) applied: a failed change, an unreachable
   * control plane, a shutdown. Stays true through invalid commits that come after it, until an apply completes.
   * A failed drift check alone needs no retry: the next tick compares again.
   */
  get #needsRetry(): boolean {
    return this.#pendingApply || this.#readFailed;
  }

  async #sync(revision: string, work: Work): Promise<Step> {
    const { source, status, log } = this.#o;
    const commit = await source.commitInfo(revision);
    log.info(
      { event: "reconcile.start", revision, reasons: work.reasons, message: commit.message, author: commit.author },
      `revision ${shortRevision(revision)}: ${commit.message}`,
    );
    const snapshot = await readSnapshot({
      repo: source.dir,
      ref: revision,
      ...(this.#o.path !== undefined ? { path: this.#o.path } : {}),
      ...(this.#o.maxFileBytes !== undefined ? { maxFileBytes: this.#o.maxFileBytes } : {}),
      blobCache: this.#blobs,
      ...(this.#snapshot ? { previous: this.#snapshot } : {}),
    });
    this.#snapshot = snapshot;
    const result = validateSnapshot(snapshot, this.#analysis);
    this.#validated = revision;
    this.#validatedOk = result.valid;
    this.#readFailed = false;
    status.validated(commit, result.valid, result.diagnostics.filter(isShownToPeople));

    if (!result.valid) {
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      for (const d of errors.slice(0, this.#o.maxLoggedDiagnostics ?? 50)) {
        log.warn(
          { event: "validation.error", revision, file: d.file, line: d.line, column: d.column, resource: d.resource, path: d.path, rule: d.rule },
          `${d.file}:${d.line}:${d.column}: ${d.resource ? `${d.resource} ` : ""}${d.path ? `${d.path}: ` : ""}${d.message}`,
        );
      }
      log.warn(
        { event: "validation.failed", revision, errors: errors.length, kept: this.#target?.revision ?? null },
        `revision ${shortRevision(revision)} is invalid (${errors.length} errors): nothing applied`,
      );
      return { kind: "sync", result: "invalid", revision, commit, summary: { ...NO_CHANGES, drift: 0 } };
    }

    this.#target = { revision, commit, result };
    // A forced run is asked to compare again from scratch; a run that also stands for a drift check must list the
    // control plane, or an out-of-band edit would wait one more interval to be seen.
    const full = work.force ? `forced (${work.reasons.join(", ")})` : work.drift ? "a drift check is due" : undefined;
    return this.#apply(this.#target, full);
  }

  /**
   * Plans and applies the target revision, every mesh: incrementally when the last run left a base to start from,
   * otherwise (or when `full` gives a reason to) by comparing everything.
   */
  async #apply(target: Target, full?: string): Promise<Step> {
    const { status, log } = this.#o;
    const { revision, commit, result } = target;
    const config = result.config;
    this.#pendingApply = true; // until the apply below completes
    const round = await this.#plan(target, full);
    const { plan, desired } = round;
    // Online, the control plane's MeshServices settle the references the repository leaves open: warn about the rest.
    const unknown = unknownServiceReferences(result.serviceReferences, this.#live.objects);
    for (const d of unknown.slice(0, this.#o.maxLoggedDiagnostics ?? 50)) {
      log.warn({ event: "reference.unknown", revision, file: d.file, line: d.line, resource: d.resource, path: d.path }, `${d.file}:${d.line}:${d.column}: ${d.resource} ${d.path}: ${d.message}`);
    }
    const modes = this.#modes(config);

    const refused = this.#refusedByPruneLimits(plan, round.ownedCount, config, revision);
    if (refused) {
      this.#pendingApply = false;
      this.#base = undefined; // nothing of this plan was applied: the next sync compares everything
      return { kind: "sync", result: "refused", revision, commit, summary: { ...NO_CHANGES, drift: 0 }, error: refused };
    }

    const changes = writesOf(plan) > 0 ? await this.#write(plan, revision) : undefined;
    if (changes) this.#live.record(changes);
    const drift = round.driftAfter(changes);
    const meshes = meshesOf(desired, plan, drift);
    const stopped = this.#o.stopRequested();
    status.synced(commit, meshes, changes ? applyResultsByMesh(changes) : new Map(), () => inventoryOf(desired, config), modes, stopped);
    this.#recordDrift(revision, meshes, drift, desired, modes);

    const s = changes?.summary ?? NO_CHANGES;
    this.#pendingApply = s.failed > 0 || s.skipped > 0;
    this.#base = this.#live.known && !this.#pendingApply ? { desired, configKey: configKeyOf(config), drift } : undefined;
    const outcome: RunResult = s.failed > 0 ? "failed" : s.skipped > 0 && stopped ? "stopped" : s.applied > 0 ? "applied" : "unchanged";
    log.debug({ event: "plan.done", revision, mode: round.mode, planned: round.planned, ...plan.summary }, `${round.mode} plan of ${round.planned} resources`);
    return { kind: "sync", result: outcome, revision, commit, summary: { ...s, drift: actionableCount(drift) } };
  }

  /**
   * The plan of the target revision. Incremental when the last run left a base, the cache is known, meshops.yaml and
   * the control plane (version, instance) are the same: one GET / and no list. Otherwise a full comparison, which
   * also refills the cache.
   */
  async #plan(target: Target, forced: string | undefined): Promise<Round> {
    const { backend, log } = this.#o;
    const config = target.result.config;
    const options = { instance: config.instance, prune: config.prune.enabled };
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
      const desired = this.#buildDesired(target.result, info);
      if (!this.#live.sameServer(info)) reason = "the control plane is another version or instance";
      else if (desired.basis !== base.desired.basis) reason = "the target version changed";
      else {
        const live = this.#live.objects;
        const incremental = planIncremental({ previous: base.desired, next: desired, live, outOfSync: outOfSyncSubjects(base.drift), options });
        return {
          mode: "incremental",
          desired,
          plan: incremental.plan,
          ownedCount: this.#live.ownedCount(config.instance),
          planned: incremental.subjects.size,
          driftAfter: () => updateDrift(base.drift, incremental.subjects, desired, this.#live.objects, { instance: config.instance }),
        };
      }
    }

    log.info({ event: "plan.full", revision: target.revision, reason }, `comparing the whole control plane: ${reason}`);
    const comparison = await this.#compare(target.result, true);
    const plan = planFor(comparison, config.instance, config.prune.enabled);
    return {
      mode: "full",
      desired: comparison.desired,
      plan,
      ownedCount: comparison.ownedCount,
      planned: comparison.desired.size,
      driftAfter: (changes) => driftAfterApply(comparison, plan, changes, config.instance),
    };
  }

  /** The desired state for this control plane, rebuilding only the meshes that changed since the last build. */
  #buildDesired(result: ValidationResult, info: ServerInfo): DesiredState {
    this.#desired = buildDesired(result.resources, result.config, targetOf(result.config, info), this.#desired);
    return this.#desired;
  }

  /** A full comparison (list, build, line up), which also refills the live cache and keeps the build for the next. */
  async #compare(result: ValidationResult, needWrite: boolean): Promise<Comparison> {
    const onWarning = (message: string) => {
      // Once per message: the daemon compares on every poll.
      if (this.#targetWarnings.has(message)) return;
      this.#targetWarnings.add(message);
      this.#o.log.warn({ event: "cp.target-mismatch" }, message);
    };
    const comparison = await compare(this.#o.backend, result, { needWrite, onWarning, ...(this.#desired ? { previous: this.#desired } : {}) });
    this.#desired = comparison.desired;
    this.#live.replace(comparison.live, comparison.info, result.config.instance);
    return comparison;
  }

  async #checkDrift(work: Work): Promise<Step> {
    const target = this.#target;
    if (!target) throw new Error("a drift check needs a valid revision");
    const { status, log } = this.#o;
    const { revision, commit, result } = target;
    const config = result.config;
    const modes = this.#modes(config);
    const comparison = await this.#compare(result, false);
    const targetDesired = comparison.desired;
    const report = driftFor(comparison, config.instance);

    // Self-healing, mesh by mesh: only `correct` meshes, and orphans only where meshops.yaml allows pruning.
    const healing = new Set(
      report.items.filter((i) => isActionable(i.kind) && modes(i.mesh) === "correct" && (i.kind !== "orphaned" || config.prune.enabled)).map((i) => i.mesh),
    );
    let changes: ChangeSet | undefined;
    if (healing.size > 0) {
      const plan = restrictPlan(planFor(comparison, config.instance, config.prune.enabled), (c) => c.action !== "unchanged" && healing.has(c.mesh));
      const refused = this.#refusedByPruneLimits(plan, comparison.ownedCount, config, revision);
      if (refused) {
        this.#base = undefined;
        return { kind: "drift", result: "refused", revision, commit, summary: { ...NO_CHANGES, drift: actionableCount(report) }, error: refused };
      }
      log.info({ event: "drift.correcting", revision, meshes: [...healing], reasons: work.reasons, ...plan.summary }, `correcting drift in ${[...healing].join(", ")}`);
      changes = await this.#write(plan, revision);
      this.#live.record(changes);
      status.synced(commit, [...healing].sort(), applyResultsByMesh(changes), () => inventoryOf(targetDesired, config), modes, this.#o.stopRequested());
    }
    const remaining = remainingDrift(report, changes);
    this.#recordDrift(revision, meshesOf(targetDesired, undefined, report), remaining, targetDesired, modes);
    // A fresh comparison with the target is the best base there is for the next commit's incremental plan.
    this.#base = this.#live.known ? { desired: targetDesired, configKey: configKeyOf(config), drift: remaining } : undefined;

    const s = changes?.summary ?? NO_CHANGES;
    const outcome: RunResult = s.failed > 0 ? "failed" : s.applied > 0 ? "corrected" : actionableCount(remaining) > 0 ? "drifted" : "in-sync";
    return { kind: "drift", result: outcome, revision, commit, summary: { ...s, drift: actionableCount(remaining) } };
  }

  /** Applies a plan, logging and counting each change as it completes. */
  async #write(plan: Plan, revision: string): Promise<ChangeSet> {
    const { backend, status, metrics, log } = this.#o;
    status.meshesApplying(new Set(plan.changes.filter((c) => c.action !== "unchanged").map((c) => c.mesh)));
    const onResult = (r: ChangeResult) => {
      metrics.change(r.change.action, r.outcome);
      const fields = { revision, resource: r.change.resource, action: r.change.action };
      if (r.outcome === "applied") {
        log.info({ event: "change.applied", ...fields, ...(r.warnings?.length ? { warnings: r.warnings } : {}) }, `${r.change.action} ${r.change.resource}`);
      } else if (r.outcome === "failed") {
        log.error({ event: "change.failed", ...fields, err: r.error }, `${r.change.action} ${r.change.resource} failed: ${r.error}`);
      } else {
        log.debug({ event: "change.skipped", ...fields, reason: r.error }, `${r.change.action} ${r.change.resource} skipped`);
      }
    };
    return applyPlan(backend, plan, { onResult, stopRequested: this.#o.stopRequested });
  }

  /** A plan that deletes too much is refused whole, before any write. Returns the reason, or undefined. */
  #refusedByPruneLimits(plan: Plan, ownedCount: number, config: RepoConfig, revision: string): string | undefined {
    try {
      checkPruneLimits(plan, ownedCount, config.prune);
      return undefined;
    } catch (error) {
      if (!(error instanceof PruneLimitError)) throw error;
      const meshes = [...new Set(plan.changes.filter((c) => c.action === "delete").map((c) => c.mesh))].sort();
      this.#o.log.error({ event: "prune.refused", revision, meshes, deletes: plan.summary.delete }, error.message);
      this.#o.status.runFailed(error.message, revision, meshes);
      return error.message;
    }
  }

  #recordDrift(revision: string, meshes: readonly string[], drift: DriftReport, desired: DesiredState, modes: (mesh: string) => DriftMode): void {
    const { status, metrics, log } = this.#o;
    status.driftChecked(revision, meshes, driftItemsByMesh(drift), modes);
    metrics.compared(desiredCountsByMesh(desired), drift.items);

    const current = new Set<string>();
    for (const item of drift.items) {
      const key = `${item.kind} ${item.resource}`;
      current.add(key);
      if (this.#loggedDrift.has(key)) continue;
      const fields = { event: "drift.detected", revision, resource: item.resource, kind: item.kind, mode: modes(item.mesh) };
      if (isActionable(item.kind)) log.warn(fields, `drift: ${item.resource} is ${item.kind}`);
      else log.debug(fields, `unmanaged: ${item.resource}`);
    }
    this.#loggedDrift = current;
  }

  #modes(config: RepoConfig): (mesh: string) => DriftMode {
    return (mesh) => driftModeOf(mesh, config, this.#o.driftMode);
  }
}

/** meshops.yaml as parsed, as text: equal texts, same configuration. */
function configKeyOf(config: RepoConfig): string {
  return JSON.stringify(config, (_key, value: unknown) => (value instanceof RegExp ? value.source : value));
}

function actionableCount(report: DriftReport): number {
  return report.summary.missing + report.summary.modified + report.summary.orphaned;
}

function shortRevision(revision: string | null): string {
  return revision ? revision.slice(0, 12) : "(none)";
}
