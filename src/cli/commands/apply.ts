import { Command, Option } from "commander";
import { planOptionsOf, type Plan } from "../../diff/plan.js";
import { classifyPlanRisks, meshesWithPoliciesLeftAlone } from "../../diff/risk.js";
import { appliedAlready, planFromSaved, SavedPlanError, whyStale } from "../../diff/savedPlan.js";
import { leftAloneByPruneNote, whereDefinedIn } from "../../report/common.js";
import { renderFailedJson } from "../../report/index.js";
import { prunableNote, renderApplyReview, renderChangeSetJson, renderChangeSetText, renderPlanJson, renderPlanText } from "../../report/plan.js";
import { applyPlan, notAttempted } from "../../sync/apply.js";
import { checkPruneLimits, PruneLimitError } from "../../sync/limits.js";
import { compare, planFor } from "../../sync/reconcile.js";
import { withoutRefused } from "../../sync/live.js";
import { addControlPlaneOptions, type ControlPlaneOptions, emulatedTarget, pendingControlPlane, refusalOfLacked, validWhileReading, warnLacking, warnOwnershipChanges, warnUnknownReferences } from "../controlPlane.js";
import { failureLine } from "../failure.js";
import { confirm, durationMs, formatDuration, styleFor, UsageError, type CliIo } from "../io.js";
import { startProgress } from "../progress.js";
import { addPruneLimitOptions, type PruneLimitOptions } from "../pruneLimits.js";
import { addRepositoryOptions, addValidationCacheOption, loadValidRepository, validationCacheDir, type InvalidReport, type RepositoryOptions } from "../repository.js";
import { ANNOTATIONS_LIMIT } from "../../report/github.js";
import { MARKDOWN_LIMIT } from "../../report/markdown.js";
import { basisOf, readSavedPlan } from "../savedPlan.js";
import { addScopeOptions, checkScopeMeshes, scopeOf, warnTakenAlong, warnUnheldTypes, type ScopeOptions } from "../scope.js";
import { isWhole, knownMeshes, knownTypes, scopedComparison } from "../../sync/scope.js";

type ApplyOptions = RepositoryOptions &
  ControlPlaneOptions &
  PruneLimitOptions &
  ScopeOptions & {
    format: "text" | "json";
    prune?: boolean;
    dryRun?: boolean;
    yes?: boolean;
    timeout?: number;
    verbose?: boolean;
    validationCache?: string;
  };

/**
 * `--format json`: an invalid repository's problems (file, line, field) on stdout, rendered as plan's are; text stays
 * on stderr.
 */
function invalidReportOf(options: ApplyOptions): { invalidReport?: InvalidReport } {
  if (options.format !== "json") return {};
  return { invalidReport: { command: "apply", outputs: [{ format: "json" }], markdownLimit: MARKDOWN_LIMIT, annotationsLimit: ANNOTATIONS_LIMIT } };
}

/** Exit codes of a run stopped by a signal, as a shell reports them (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function applyCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("apply")
    .description("push the plan: creates and updates; deletes only with --prune; `apply FILE` applies a plan saved by `plan --out FILE` exactly, or refuses if anything changed since")
    .argument("[plan-file]", "a plan saved by `meshops plan --out FILE`")
    .addOption(new Option("--format <format>", "output format of the plan (--dry-run) or of the report").choices(["text", "json"]).default("text"))
    .option("--prune", "delete owned resources that are no longer desired (within the prune limits)")
    .option("--dry-run", "print the plan only; change nothing")
    .option("--yes", "do not ask before deleting (a saved plan was reviewed already: it never asks)")
    .addOption(new Option("--timeout <duration>", "stop starting writes after this long, and report (default: no limit)").argParser(durationMs))
    .option("--verbose", "a progress line on stderr for every change as it finishes, and every change in the report (else a large apply's report counts them); with --dry-run, every create's body");
  addPruneLimitOptions(command, "refuse");
  addValidationCacheOption(addScopeOptions(addControlPlaneOptions(addRepositoryOptions(command, io))));
  return command.action(async (planFile: string | undefined, options: ApplyOptions) => {
    // A script reads `--format json` from stdout whatever stops the run: a failure before the report is JSON too,
    // `{"error": …}` with stderr's line, as plan's is (not an empty stdout that no JSON reader takes).
    let reported = false;
    const report = (text: string) => {
      reported = true;
      io.stdout.write(text);
    };
    const reportFailure = (line: string) => {
      if (options.format === "json" && !reported) report(renderFailedJson(line));
    };
    try {
      await runApply(planFile, options, io, setExit, report, reportFailure);
    } catch (error) {
      reportFailure(await failureLine(error));
      throw error;
    }
  });
}

async function runApply(
  planFile: string | undefined,
  options: ApplyOptions,
  io: CliIo,
  setExit: (code: number) => void,
  report: (text: string) => void,
  reportFailure: (line: string) => void,
): Promise<void> {
  const scope = scopeOf(options);
  if (planFile !== undefined && !isWhole(scope)) throw new UsageError(`a saved plan is applied as it was planned: --mesh, --exclude-mesh and --type belong to the plan (meshops plan --out ${planFile})`);
  if (planFile !== undefined && options.prune) throw new UsageError(`a saved plan is applied as it was planned: --prune belongs to the plan (meshops plan --prune --out ${planFile})`);
  const saved = planFile !== undefined ? await readSavedPlan(planFile, io) : undefined;
  // Nothing is applied unless every encrypted file decrypts: a Secret cannot be written as ciphertext.
  const controlPlane = pendingControlPlane(options, io);
  const result = await validWhileReading(controlPlane, () =>
    loadValidRepository(options, io, { requireKey: true, cacheDir: validationCacheDir(options, io), sliced: controlPlane.readingAhead, ...invalidReportOf(options) }),
  );
  if (!result) return setExit(1);
  const style = styleFor(io.stdout, io.env);
  const { backend } = await controlPlane.open(emulatedTarget(result.config));
  // A signal or the --timeout stops the run: while reading, the requests are abandoned (nothing was written); while
  // writing, no new write starts, the ones in flight finish, and the report says what was and was not done.
  let stop: string | undefined;
  let writing = false;
  const stopRun = (reason: string) => {
    if (stop) return;
    stop = reason;
    io.stderr.write(`meshops: ${reason === "timeout" ? `timed out after ${formatDuration(options.timeout ?? 0)}` : reason}: stopping${writing ? ": no new writes; waiting for the ones in flight" : ""}\n`);
    if (!writing) void backend.close();
  };
  const offSignals = onStopSignals(stopRun);
  const timer = options.timeout === undefined ? undefined : setTimeout(() => stopRun("timeout"), options.timeout);
  const exitFor = (reason: string) => SIGNAL_EXIT[reason] ?? 1;
  try {
    const comparison = await compare(backend, result, { needWrite: !options.dryRun, onWarning: (message: string) => io.stderr.write(`meshops: warning: ${message}\n`) }).catch((error: unknown) => {
      if (stop) throw new UsageError(`${stop === "timeout" ? `timed out after ${formatDuration(options.timeout ?? 0)}` : `interrupted (${stop})`} while reading the control plane; nothing was written`, { cause: error });
      throw error;
    });
    await warnUnknownReferences(io, comparison, result.texts);
    checkScopeMeshes(scope, () => knownMeshes(comparison.desired.resources, comparison.live));
    warnUnheldTypes(io, scope, () => knownTypes(comparison.desired.resources, comparison.live));
    const scoped = scopedComparison(comparison, scope, result.config);
    warnTakenAlong(io, scoped);
    let plan: Plan;
    if (saved) {
      const noLongerApplies = (why: string) => new SavedPlanError(`the saved plan ${planFile} no longer applies: ${why}; nothing was applied (plan again: meshops plan --out ${planFile})`);
      const now = basisOf(comparison, result, options, io);
      const current = planFor(scoped, planOptionsOf(result.config, saved.prune));
      if (appliedAlready(saved, now.basis, current)) {
        throw new SavedPlanError(`the saved plan ${planFile} was applied already: the control plane holds every change it makes; nothing was applied again`);
      }
      const stale = whyStale(saved, now.basis, now.live);
      if (stale) throw noLongerApplies(stale);
      try {
        plan = planFromSaved(saved, current);
      } catch (error) {
        if (!(error instanceof SavedPlanError)) throw error;
        throw noLongerApplies(error.message);
      }
    } else {
      plan = planFor(scoped, planOptionsOf(result.config, options.prune === true));
    }
    warnOwnershipChanges(io, plan, result.config.instance, comparison.info.environment, comparison.desired.resources);
    if (options.dryRun) {
      warnLacking(io, comparison.lacking);
      report(options.format === "json" ? renderPlanJson(plan) : renderPlanText(plan, style, { verbose: options.verbose === true }));
      return setExit(0);
    }
    // What the control plane would refuse stops the apply before its first write, as the prune limits below do.
    // What it refuses for (a kind, a mesh, a field) is said once, as the error; what the control plane lacks
    // elsewhere (outside the scope, or unchanged) stays a warning.
    const lacking = await refusalOfLacked(io, plan, scoped, result.config.controlPlane.version, result.texts);
    warnLacking(io, await withoutRefused(comparison.lacking, lacking?.fields ?? new Set(), result.texts));
    if (lacking !== undefined) {
      if (options.format === "json") report(renderChangeSetJson(notAttempted(plan, "the control plane lacks what the plan writes"), undefined, lacking.reason));
      io.stderr.write(`meshops: nothing was applied: ${lacking.reason}\n`);
      return setExit(1);
    }
    // Limits are checked before the first write: a refused plan changes nothing.
    try {
      checkPruneLimits(plan, scoped.ownedCount, {
        maxDeletes: options.maxDeletes ?? result.config.prune.maxDeletes,
        maxDeletePercent: options.maxDeletePercent ?? result.config.prune.maxDeletePercent,
        flags: { maxDeletes: options.maxDeletes !== undefined, maxDeletePercent: options.maxDeletePercent !== undefined },
      });
    } catch (error) {
      if (options.format === "json" && error instanceof PruneLimitError) report(renderChangeSetJson(notAttempted(plan, "refused by the prune limits"), undefined, error.message));
      throw error;
    }
    const deletes = plan.summary.delete;
    // A person confirms deletes having seen everything the apply will do, the risks first (a saved plan was reviewed).
    const reviewed = deletes > 0 && !options.yes && !saved;
    if (reviewed) {
      io.stderr.write(renderApplyReview(plan, classifyPlanRisks(plan, meshesWithPoliciesLeftAlone(plan, comparison.live)), styleFor(io.stderr, io.env)));
      if (!(await confirm(io, `Apply these changes, deleting ${deletes} resource${deletes === 1 ? "" : "s"}?`))) {
        const reason = `${deletes} delete${deletes === 1 ? "" : "s"} need confirmation (answer y on a terminal, or pass --yes)`;
        if (options.format === "json") report(renderChangeSetJson(notAttempted(plan, "not confirmed"), undefined, reason));
        io.stderr.write(`meshops: not applied: ${reason}\n`);
        return setExit(1);
      }
    }
    const total = plan.summary.create + plan.summary.update + deletes;
    // What --prune would delete, said once: by the plan printed when there is nothing to write, else here.
    const prunable = prunableNote(plan);
    if (prunable && (options.format === "json" || total > 0)) io.stderr.write(`meshops: note: ${prunable}\n`);
    // What --prune leaves alone, said once: by the review above, the plan printed when there is nothing to write, or here.
    const leftAlone = leftAloneByPruneNote(plan);
    if (leftAlone && !reviewed && (options.format === "json" || total > 0)) io.stderr.write(`meshops: note: ${leftAlone}\n`);
    if (total === 0) {
      report(options.format === "json" ? renderChangeSetJson({ results: [], summary: { applied: 0, failed: 0, skipped: 0 }, failedMeshes: [] }) : renderPlanText(plan, style));
      return setExit(0);
    }
    if (stop) throw new UsageError(`${stop === "timeout" ? "timed out" : `interrupted (${stop})`} before the first write; nothing was written`);
    writing = true;
    const progress = startProgress(io, total, { verbose: options.verbose === true });
    let changes;
    try {
      changes = await applyPlan(backend, plan, { onResult: (r) => progress.done(r), stopRequested: () => stop !== undefined });
    } finally {
      progress.stop();
    }
    report(options.format === "json" ? renderChangeSetJson(changes, stop) : renderChangeSetText(changes, style, whereDefinedIn(comparison.desired.resources), stop, { verbose: options.verbose === true }));
    setExit(stop ? exitFor(stop) : changes.summary.failed > 0 ? 1 : 0);
  } catch (error) {
    if (stop && error instanceof UsageError) {
      reportFailure(error.message);
      io.stderr.write(`meshops: ${error.message}\n`);
      return setExit(exitFor(stop));
    }
    throw error;
  } finally {
    clearTimeout(timer);
    offSignals();
    await backend.close();
  }
}

/** Calls `stop` with the signal's name at SIGINT or SIGTERM until the returned function removes the handlers. */
function onStopSignals(stop: (signal: string) => void): () => void {
  const handler = (signal: NodeJS.Signals) => stop(signal);
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
