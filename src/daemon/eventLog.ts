/**
 * The reconciler's events (events.ts) as log lines: one structured line per fact, with an `event` field to filter on
 * (logger.ts). Keeps what only the log needs: which drift was already reported, so a drift that lasts is logged once
 * and not at every check.
 */
import { describeUnit, nameOfUnit } from "../model/key.js";
import { locationOf, placedSaidOf, shownDiagnostic } from "../model/diagnostic.js";
import { renderDiagnosticLine } from "../report/diagnostics.js";
import { PATTERN_RULES } from "../validate/unmatchedPatterns.js";
import { isActionable } from "../sync/remaining.js";
import { CONTROL_PLANE_LACKS_RULE } from "../sync/live.js";
import { removedMeshFate, type DaemonEvent, type EventOf } from "./events.js";
import { approvalRemedy, planChangedSinceApproval } from "./gate.js";
import type { Logger } from "./logger.js";
import { adoptionNote, takeoverMessage } from "../desired/ownership.js";
import { shortRevision } from "../model/revision.js";
import { plural } from "../report/common.js";
import { prunableSentence } from "../report/plan.js";
import { namesUpTo } from "../util/namesUpTo.js";
import { LAST_CHECK_RETRIES } from "./recheck.js";

export interface EventLogOptions {
  /** Diagnostics logged one per line for an invalid commit, at most (all of them are in the status). */
  readonly maxLoggedDiagnostics?: number;
}

export function eventLogger(log: Logger, options: EventLogOptions = {}): (event: DaemonEvent) => void {
  /** Drift items already logged (`kind resource`). */
  let loggedDrift = new Set<string>();
  /** Mismatch warnings already logged: the daemon compares on every poll, the warning is worth one line. */
  const loggedMismatches = new Set<string>();
  /** The control plane last compared with ("Kuma 2.14.3"): said when first seen, and once at an upgrade in place. */
  let loggedServer: string | undefined;
  /** What was last said of the control plane's API being read-only: it is asked at every sync, said when it changes. */
  let loggedReadOnly = "writable";
  /** Holds and invalid meshes already logged. */
  let loggedGates = new Set<string>();
  /** meshops.yaml's notes and pattern warnings already logged: they hold at every revision until the setting changes. */
  const loggedNotes = new Set<string>();
  /** The source's failure streak: its last failure, and whether the streak was said (once, with the next retry). */
  let sourceFailing: { failed: EventOf<"source.failed">; said: boolean } | undefined;
  /** Resources a line names at most (a control plane that stops answering mid-apply leaves thousands). */
  const shownNames = options.maxLoggedDiagnostics ?? 50;
  return (event) => {
    switch (event.type) {
      case "sync.started": {
        const { revision, commit, reasons } = event;
        log.info({ event: "reconcile.start", revision, reasons, message: commit.message, author: commit.author }, `revision ${shortRevisionOrNone(revision)}: ${commit.message}`);
        return;
      }
      case "revision.validated": {
        // What the one-shot commands say on stderr (cli/repository.ts noteInfoOfSettings), an info item the status omits.
        for (const d of event.diagnostics) {
          // A path setting that matches nothing holds at every revision too, until meshops.yaml or the tree changes.
          const pattern = PATTERN_RULES.has(d.rule);
          if (!pattern && (d.severity !== "info" || d.rule !== "config")) continue;
          const said = pattern ? renderDiagnosticLine(d) : `${locationOf(d)}: ${d.message}`;
          if (loggedNotes.has(said)) continue;
          loggedNotes.add(said);
          const fields = { event: pattern ? "config.warning" : "config.note", file: d.file, line: d.line, column: d.column, path: d.path };
          if (pattern) log.warn(fields, said);
          else log.info(fields, said);
        }
        if (event.valid) return;
        const revision = event.commit.commit;
        const errors = event.diagnostics.filter((d) => d.severity === "error");
        for (const d of errors.slice(0, options.maxLoggedDiagnostics ?? 50).map(shownDiagnostic)) {
          log.warn(
            { event: "validation.error", revision, file: d.file, line: d.line, column: d.column, resource: d.resource, path: d.path, rule: d.rule },
            placedSaidOf(d),
          );
        }
        log.warn(
          { event: "validation.failed", revision, errors: errors.length, kept: event.kept },
          `revision ${shortRevisionOrNone(revision)} has ${plural(errors.length, "error")}: ${event.kept === revision ? "applied to the meshes they are not in" : "nothing applied"}`,
        );
        return;
      }
      case "plan.full":
        log.info({ event: "plan.full", revision: event.revision, reason: event.reason }, `comparing the whole control plane: ${event.reason}`);
        return;
      case "plan.done":
        log.debug({ event: "plan.done", revision: event.revision, mode: event.mode, planned: event.planned, ...event.summary }, `${event.mode} plan of ${event.planned} resources`);
        return;
      case "ownership.takeovers":
        for (const takeover of event.takeovers.slice(0, options.maxLoggedDiagnostics ?? 50)) {
          log.warn({ event: "ownership.takeover", revision: event.revision, ...takeover }, takeoverMessage(takeover));
        }
        return;
      case "ownership.adoptions":
        log.info({ event: "ownership.adoption", revision: event.revision, count: event.resources.length, resources: event.resources.slice(0, options.maxLoggedDiagnostics ?? 50) }, adoptionNote(event.resources, (resource) => event.definedAt.get(resource)));
        return;
      case "prunable.changed":
        for (const [mesh, resources] of event.meshes) {
          const fields = { event: "mesh.prunable", mesh: nameOfUnit(mesh), revision: event.revision, count: resources.length, resources: resources.slice(0, shownNames) };
          const sentence = prunableSentence(resources, "meshops.yaml's prune.enabled");
          if (sentence) log.warn(fields, `${describeUnit(mesh)}: ${sentence}`);
          else log.info(fields, `${describeUnit(mesh)}: no resource meshops owns is out of the repository any more`);
        }
        return;
      case "suspensions.dropped":
        for (const mesh of event.meshes) {
          log.info(
            { event: "mesh.unsuspended", mesh: nameOfUnit(mesh), reason: "gone" },
            `${describeUnit(mesh)} is neither in the repository nor on the control plane: its suspension through the API is dropped (suspend it again if it comes back)`,
          );
        }
        return;
      case "meshes.removed": {
        for (const mesh of event.meshes) {
          const suspended = event.suspended.get(mesh);
          const fate = removedMeshFate({ ...event, suspended });
          log.info(
            { event: "mesh.removed", mesh: nameOfUnit(mesh), revision: event.revision, prune: event.prune, ...(suspended ? { suspended } : {}) },
            `${describeUnit(mesh)} has no resource left in the repository at revision ${shortRevisionOrNone(event.revision)}: ${fate}`,
          );
        }
        return;
      }
      case "references.unknown":
        for (const d of event.diagnostics.slice(0, options.maxLoggedDiagnostics ?? 50).map(shownDiagnostic)) {
          log.warn(
            { event: "reference.unknown", revision: event.revision, file: d.file, line: d.line, resource: d.resource, path: d.path },
            placedSaidOf(d),
          );
        }
        return;
      case "control-plane.warnings": {
        const server = `${event.product} ${event.version}`;
        // Said when first seen (what a report of a problem needs to know) and at an in-place upgrade, not at every check.
        if (loggedServer === undefined) log.info({ event: "cp.version", product: event.product, version: event.version }, `the control plane is ${server}`);
        else if (server !== loggedServer) {
          log.info({ event: "cp.version", product: event.product, version: event.version, previous: loggedServer }, `the control plane is now ${server}, was ${loggedServer}`);
        }
        loggedServer = server;
        for (const message of event.warnings) {
          if (loggedMismatches.has(message)) continue;
          loggedMismatches.add(message);
          log.warn({ event: "cp.target-mismatch" }, message);
        }
        // A warning said once is unsaid once too, or the log would leave it standing after an upgrade fixed it.
        for (const message of [...loggedMismatches].filter((m) => !event.warnings.includes(m))) {
          loggedMismatches.delete(message);
          log.info({ event: "cp.target-mismatch.cleared" }, `no longer so: ${message}`);
        }
        return;
      }
      case "control-plane.read-only": {
        const key = event.readOnly ? `read-only ${event.correctAsked ?? ""}` : "writable";
        if (key === loggedReadOnly) return;
        loggedReadOnly = key;
        if (!event.readOnly) {
          log.info({ event: "cp.read-only", readOnly: false }, "the control plane's API is writable again: commits are applied");
          return;
        }
        const said = "the control plane runs on Kubernetes and its API is read-only: nothing is written; each commit and each drift check is compared and drift reported, for Argo CD or Flux to apply what render --format kubernetes or hydrate produce";
        if (event.correctAsked) log.warn({ event: "cp.read-only", readOnly: true, correctAsked: event.correctAsked }, `${said}; drift mode correct (${event.correctAsked}) is not possible there: drift is only reported`);
        else log.info({ event: "cp.read-only", readOnly: true }, said);
        return;
      }
      case "meshes.gated": {
        // Each hold (a plan of a revision) and each invalid mesh once, not at every run that finds it again.
        const now = new Set<string>();
        for (const [mesh, plan] of event.held) {
          const key = `held ${mesh} ${plan.revision} ${plan.plan}`;
          now.add(key);
          if (!loggedGates.has(key)) {
            log.warn(
              { event: "approval.required", mesh: nameOfUnit(mesh), revision: plan.revision, plan: plan.plan, reasons: plan.reasons, ...plan.summary },
              `${describeUnit(mesh)} awaits approval: ${plan.reasons.join("; ")}. To apply it: ${approvalRemedy(mesh, plan)}`,
            );
          }
        }
        for (const [mesh, reason] of event.lacking) {
          const key = `lacking ${mesh} ${reason}`;
          now.add(key);
          if (!loggedGates.has(key)) log.warn({ event: "mesh.blocked", mesh: nameOfUnit(mesh), revision: event.revision, reason: CONTROL_PLANE_LACKS_RULE }, `${describeUnit(mesh)} is blocked (${CONTROL_PLANE_LACKS_RULE}): ${reason}`);
        }
        for (const [mesh, reason] of event.invalid) {
          const key = `invalid ${mesh} ${reason}`;
          now.add(key);
          if (!loggedGates.has(key)) log.warn({ event: "mesh.invalid", mesh: nameOfUnit(mesh), revision: event.revision }, `${describeUnit(mesh)} keeps its last valid revision: ${reason}`);
        }
        loggedGates = now;
        return;
      }
      case "approval.dropped": {
        const { mesh, revision, approved, plan } = event;
        log.warn({ event: "approval.dropped", mesh: nameOfUnit(mesh), revision, approved, plan }, `${describeUnit(mesh)}: the approval of revision ${shortRevision(revision)} is dropped: ${planChangedSinceApproval(revision, approved, plan)}`);
        return;
      }
      case "source.failed":
        // Said once per streak, with the retry that follows (retry.scheduled): each poll and retry fails the same way.
        if (sourceFailing?.said) log.debug({ event: "source.still-failing", stage: event.stage, err: event.message, attempt: event.attempt }, `still failing: ${event.message}`);
        sourceFailing = { failed: event, said: sourceFailing?.said ?? false };
        return;
      case "retry.scheduled": {
        const { attempt, at, delayMs, pending } = event;
        const fields = { event: "retry.scheduled", attempt, delayMs, at: at.toISOString() };
        if (sourceFailing && !sourceFailing.said) {
          sourceFailing.said = true;
          const { stage, message, kept } = sourceFailing.failed;
          const next = { err: message, kept, nextAttemptAt: at.toISOString(), retryInMs: delayMs };
          const retried = `retried with backoff, next attempt in ${delayMs} ms`;
          if (stage === "fetch") log.error({ event: "source.fetch-failed", ...next }, `fetch failed, going on with the last fetched revision ${shortRevisionOrNone(kept)}: ${message}; ${retried}`);
          else log.error({ event: "source.read-failed", ...next }, `the branch cannot be read, going on with the last revision read ${shortRevisionOrNone(kept)}: ${message}; ${retried}`);
        } else if (sourceFailing || pending) log.debug(fields, `retrying in ${delayMs} ms`);
        else log.info(fields, `retrying in ${delayMs} ms`);
        return;
      }
      case "controls.unsaved":
        log.error(
          { event: "controls.unsaved", err: event.message },
          `${event.message}: the controls file is stale (it may hold an approval the daemon let go of) and approved plans are not applied until it is written; every run tries again`,
        );
        return;
      case "controls.saved":
        log.info({ event: "controls.saved" }, "the controls file is written again: in line with the daemon's suspensions and approvals");
        return;
      case "source.recovered": {
        const failed = sourceFailing?.failed.attempt ?? 0;
        sourceFailing = undefined;
        log.info({ event: "source.recovered", revision: event.revision, failedAttempts: failed }, `the branch is read again, at ${shortRevisionOrNone(event.revision)}${failed > 0 ? `, after ${plural(failed, "failed try", "failed tries")}` : ""}`);
        return;
      }
      case "source.rewritten":
        log.warn(
          { event: "source.rewritten", branch: event.branch, previous: event.previous, revision: event.revision },
          `branch ${event.branch} was rewritten (force-push): ${shortRevisionOrNone(event.revision)} does not descend from ${shortRevisionOrNone(event.previous)}; following it`,
        );
        return;
      case "drift.correcting":
        log.info(
          { event: "drift.correcting", revision: event.revision, meshes: event.meshes.map(nameOfUnit), reasons: event.reasons, ...event.summary },
          `correcting drift in ${event.meshes.map(nameOfUnit).join(", ")}`,
        );
        return;
      case "apply.refused":
        log.warn(
          { event: "apply.refused", revision: event.revision, refused: event.refused, err: event.reason },
          `the control plane refused ${event.refused} change${event.refused === 1 ? "" : "s"} of ${shortRevisionOrNone(event.revision)} (${event.reason}): ` +
            "not retried until a new commit, a change on the control plane or a manual sync",
        );
        return;
      case "apply.retrying":
        log.info({ event: "apply.retrying", revision: event.revision, because: event.because }, `retrying the refused changes of ${shortRevisionOrNone(event.revision)}: ${event.because}`);
        return;
      case "write.outcome-unknown":
        log.warn(
          { event: "write.outcome-unknown", revision: event.revision, count: event.resources.length, resources: event.resources.slice(0, shownNames) },
          `no answer came to the write of ${namesUpTo(event.resources, shownNames)} (${shortRevisionOrNone(event.revision)}): it may still land, over a newer write; the control plane is compared again a few times`,
        );
        return;
      case "write.rechecked": {
        const gaveUp = event.gaveUp ?? [];
        const waiting = event.waiting ?? [];
        const fields = {
          event: "write.rechecked",
          revision: event.revision,
          checked: event.checked.length,
          rewritten: event.rewritten.slice(0, shownNames),
          left: event.left,
          ...(event.failed === undefined ? {} : { err: event.failed, gaveUp: gaveUp.slice(0, shownNames), gaveUpCount: gaveUp.length }),
          ...(waiting.length === 0 ? {} : { waiting: waiting.slice(0, shownNames), waitingCount: waiting.length }),
        };
        // Said after whatever else the line says: the resources whose write back waits for their mesh to open.
        const waits = waiting.length === 0 ? "" : `; ${namesUpTo(waiting, shownNames)} not written back: ${waiting.length === 1 ? "its mesh is" : "their meshes are"} suspended, blocked or held for approval, checked again once open`;
        if (gaveUp.length > 0) {
          log.error(
            fields,
            `the last check after writes of unknown outcome failed, and its ${LAST_CHECK_RETRIES} tries again too (${event.failed}): gave up, the outcome of ${namesUpTo(gaveUp, shownNames)} stays unknown; the next drift check or sync compares them again${waits}`,
          );
        } else if (event.failed !== undefined) log.warn(fields, `a check after writes of unknown outcome failed (${event.failed}): not done, ${event.left} more check${event.left === 1 ? "" : "s"} to come${waits}`);
        else if (event.rewritten.length > 0) log.warn(fields, `${namesUpTo(event.rewritten, shownNames)} no longer as ${shortRevisionOrNone(event.revision)} says after a write of unknown outcome (an older write landed late?): written again${waits}`);
        else if (waiting.length > 0) log.warn(fields, `rechecked the writes of unknown outcome${waits}`);
        else log.info(fields, `rechecked the writes of unknown outcome: the control plane holds ${shortRevisionOrNone(event.revision)}${event.left > 0 ? `; ${event.left} more check${event.left === 1 ? "" : "s"} to come` : ""}`);
        return;
      }
      case "write.waiting":
        // A mesh opened is said by what opened it (resumed, unblocked, approved), and its check follows at once.
        for (const [mesh, resources] of event.forgotten) {
          log.info(
            { event: "write.forgotten", mesh: nameOfUnit(mesh), count: resources.length, resources: resources.slice(0, shownNames) },
            `${namesUpTo(resources, shownNames)} no longer ${resources.length === 1 ? "waits" : "wait"} to be checked: mesh ${mesh} is neither in the repository nor on the control plane`,
          );
        }
        return;
      case "change.done": {
        const r = event.result;
        const fields = { revision: event.revision, resource: r.change.resource, action: r.change.action };
        if (r.outcome === "applied") {
          log.info({ event: "change.applied", ...fields, ...(r.warnings?.length ? { warnings: r.warnings } : {}) }, `${r.change.action} ${r.change.resource}`);
        } else if (r.outcome === "failed") {
          log.error({ event: "change.failed", ...fields, err: r.error }, `${r.change.action} ${r.change.resource} failed: ${r.error}`);
        } else {
          log.debug({ event: "change.skipped", ...fields, reason: r.error }, `${r.change.action} ${r.change.resource} skipped`);
        }
        return;
      }
      case "drift.checked": {
        const current = new Set<string>();
        for (const item of event.report.items) {
          const key = `${item.kind} ${item.resource}`;
          current.add(key);
          if (loggedDrift.has(key)) continue;
          const fields = { event: "drift.detected", revision: event.revision, resource: item.resource, kind: item.kind, mode: event.driftMode(item.mesh) };
          if (isActionable(item.kind)) log.warn(fields, `drift: ${item.resource} is ${item.kind}`);
          else log.debug(fields, `unmanaged: ${item.resource}`);
        }
        loggedDrift = current;
        return;
      }
      case "hydrate.finished": {
        const fields = { event: event.ok ? "hydrate.done" : "hydrate.failed", revision: event.revision, branch: event.branch, durationMs: Math.round(event.durationMs) };
        if (event.ok) log.info(fields, event.message);
        else log.error({ ...fields, problems: event.problems }, event.message);
        return;
      }
      case "run.failed":
        log.error(
          { event: "reconcile.error", revision: event.revision, kind: event.kind, controlPlane: event.controlPlane, err: event.message },
          `reconcile failed${event.controlPlane ? " (control plane)" : ""}: ${event.message}`,
        );
        return;
      case "run.finished": {
        const { end, reasons } = event;
        if (!end) {
          log.debug({ event: "reconcile.nothing", revision: event.revision, reasons }, "nothing new");
          return;
        }
        const durationMs = Math.round(event.durationMs);
        const level = end.result === "error" || end.result === "failed" ? "warn" : "info";
        log[level](
          { event: "reconcile.done", id: event.run, kind: end.kind, revision: end.revision, result: end.result, durationMs, reasons, triggers: event.triggers, ...end.summary },
          `${end.kind} ${shortRevisionOrNone(end.revision)}: ${end.result} in ${durationMs} ms`,
        );
        return;
      }
      default:
        return;
    }
  };
}

function shortRevisionOrNone(revision: string | null): string {
  return revision ? shortRevision(revision) : "(none)";
}
