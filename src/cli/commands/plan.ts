import { Command, Option } from "commander";
import { buildDesired, targetOf } from "../../desired/index.js";
import { planOptionsOf, type Plan } from "../../diff/plan.js";
import type { PlanBasis } from "../../diff/savedPlan.js";
import { baseFilesOfDeletes, lazyLocations, planRevisions, withDeletedFiles, type Locations } from "../../diff/revisions.js";
import { classifyPlanRisks, meshesWithPoliciesLeftAlone } from "../../diff/risk.js";
import { PLAN_FAIL_ON, planExitCode, type OnlineWarnings, type PlanFailOn, type PlanReport } from "../../report/common.js";
import { compare, planFor } from "../../sync/reconcile.js";
import type { ValidationResult } from "../../validate/index.js";
import { addControlPlaneOptions, type ControlPlaneOptions, emulatedTarget, onlineWarnings, pendingControlPlane, type PendingControlPlane, validWhileReading, warnLacking, warnOwnershipChanges, writeOnlineWarnings } from "../controlPlane.js";
import { checkWritableFile, UsageError, type CliIo } from "../io.js";
import { addReportOptions, reportingFailures, reportOutputs, writeReports, type ReportOptions, type ReportOutput } from "../report.js";
import {
  addRepositoryOptions,
  addValidationCacheOption,
  isCached,
  loadRepository,
  loadValidRepository,
  localRepositoryDir,
  SharedReads,
  validationCacheDir,
  type RepositoryOptions,
} from "../repository.js";
import { basisOf, writeSavedPlan } from "../savedPlan.js";
import { addScopeOptions, checkScopeMeshes, scopeOf, warnTakenAlong, warnUnheldTypes, type ScopeOptions } from "../scope.js";
import { knownMeshes, knownTypes, meshesWithPoliciesOutside, scopedComparison, scopedResources, type Scope } from "../../sync/scope.js";
import { shortRevision } from "../../model/revision.js";
import { existingFiles } from "../../source/index.js";

type PlanOptions = RepositoryOptions &
  ControlPlaneOptions &
  ReportOptions & ScopeOptions & { prune?: boolean; base?: string; failOn: PlanFailOn; out?: string; validationCache?: string; verbose?: boolean };

export function planCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("plan")
    .description(
      "diff the desired state against the control plane, or with --base against the desired state at another revision (offline): exit 0 no changes, 2 changes, 1 error",
    )
    .option("--base <rev>", "compare with the desired state at this revision instead of a control plane (offline; every delete is shown)")
    .option("--prune", "include deletes of owned resources that are no longer desired (against a control plane)")
    .option("--verbose", "text: every create's body (else the first 50, then one line per create)")
    .option("--out <file>", "also save the plan to FILE, for `meshops apply FILE` to apply exactly (refused there if the revision or the control plane changed since)")
    .addOption(
      new Option("--fail-on <what>", "exit 2 on: any change (changes), only a change the mass-change guard flags (risky), or never (none)")
        .choices(PLAN_FAIL_ON)
        .default("changes"),
    );
  addValidationCacheOption(addScopeOptions(addControlPlaneOptions(addRepositoryOptions(addReportOptions(command), io), { flag: "--base", does: "compares two revisions offline" })));
  return command.action(async (options: PlanOptions) => {
    const outputs = reportOutputs(options, io.cwd);
    if (options.base !== undefined && options.out !== undefined) throw new UsageError("--out saves a plan against a control plane to apply; a plan between two revisions (--base) cannot be applied");
    if (options.out !== undefined) checkWritableFile(`--out ${options.out}`, options.out, io.cwd);
    await reportingFailures(io, "plan", outputs, options, () => runPlan(options, outputs, io, setExit));
  });
}

/** The command after its flags are checked: any error it throws is also said in every --output file (reportingFailures). */
async function runPlan(options: PlanOptions, outputs: readonly ReportOutput[], io: CliIo, setExit: (code: number) => void): Promise<void> {
  const scope = scopeOf(options);
  const shared = options.base !== undefined ? new SharedReads(localRepositoryDir(options.repo, io)) : undefined;
  // With --base there is no --cp-url (refused above): the embedded control plane, opened only if asked for, is not.
  const controlPlane = pendingControlPlane(options, io);
  const planned = await validateAndPlan(options, outputs, scope, io, shared, controlPlane).finally(() => shared?.close());
  if (!planned) return setExit(1);
  const { plan, locations, base, save, keepPolicies, ref, online } = planned;
  const risks = classifyPlanRisks(plan, keepPolicies);
  const report: PlanReport = { plan, risks, locations, ...(base !== undefined ? { base } : {}), ref, failOn: options.failOn, ...(online ? { onlineWarnings: online } : {}) };
  await writeReports(io, "plan", outputs, report, options);
  if (options.out !== undefined && save) await writeSavedPlan(options.out, plan, save.basis, save.live, options.prune === true, io);
  setExit(planExitCode(plan, risks, options.failOn));
}

/** The repository validated, then planned against the control plane or `--base`; undefined when it is invalid (reported). */
async function validateAndPlan(
  options: PlanOptions,
  outputs: readonly ReportOutput[],
  scope: Scope,
  io: CliIo,
  shared: SharedReads | undefined,
  controlPlane: PendingControlPlane,
): Promise<(Planned & { readonly ref: string }) | undefined> {
  const cacheDir = validationCacheDir(options, io);
  // A ref read from the cache leaves the base nothing to share: with --base, it is read from there only if the base is too.
  const cacheRead = options.base === undefined || cacheDir === undefined || (await isCached({ ...options, ref: options.base }, cacheDir, io));
  const result = await validWhileReading(controlPlane, () =>
    loadValidRepository(options, io, { shared, cacheDir, cacheRead, sliced: controlPlane.readingAhead, invalidReport: { ...options, command: "plan", outputs } }),
  );
  if (!result) return undefined;
  const planned =
    options.base !== undefined && shared
      ? await planAgainstRevision(options, options.base, result, scope, io, shared, cacheDir)
      : await planAgainstControlPlane(options, outputs, result, scope, io, controlPlane);
  return { ...planned, ref: result.revision };
}

interface Planned {
  readonly plan: Plan;
  readonly locations: Locations;
  readonly base?: string;
  /** What `--out` saves with the plan. */
  readonly save?: { readonly basis: PlanBasis; readonly live: ReadonlyMap<string, string> };
  /** Meshes keeping a policy outside the scope (for the mass-change guard). */
  readonly keepPolicies: ReadonlySet<string>;
  /** Against a control plane: the references it does not know either, for a `github` report's annotations. */
  readonly online?: OnlineWarnings;
}

async function planAgainstControlPlane(
  options: PlanOptions,
  outputs: readonly ReportOutput[],
  result: ValidationResult,
  scope: Scope,
  io: CliIo,
  controlPlane: PendingControlPlane,
): Promise<Planned> {
  const { backend } = await controlPlane.open(emulatedTarget(result.config));
  try {
    const comparison = await compare(backend, result, { needWrite: false, onWarning: (message: string) => io.stderr.write(`meshops: warning: ${message}\n`) });
    warnLacking(io, comparison.lacking);
    // A github report on stdout says them as annotations (and all in its log group): on stderr they would be said twice.
    const online = await onlineWarnings(comparison, result.texts);
    if (!outputs.some((o) => o.format === "github" && o.file === undefined)) writeOnlineWarnings(io, online);
    checkScopeMeshes(scope, () => knownMeshes(comparison.desired.resources, comparison.live));
    warnUnheldTypes(io, scope, () => knownTypes(comparison.desired.resources, comparison.live));
    const scoped = scopedComparison(comparison, scope, result.config);
    warnTakenAlong(io, scoped);
    const plan = planFor(scoped, planOptionsOf(result.config, options.prune === true));
    warnOwnershipChanges(io, plan, result.config.instance, comparison.info.environment, comparison.desired.resources);
    // The saved basis is the whole comparison: a change outside the scope also makes the saved plan stale.
    // A live policy the plan does not list (outside the scope, or not meshops' to prune) stays in its mesh.
    const keepPolicies = meshesWithPoliciesLeftAlone(plan, comparison.live);
    return { plan, keepPolicies, online, locations: lazyLocations(scoped.desired.resources), ...(options.out !== undefined ? { save: basisOf(comparison, result, options, io) } : {}) };
  } finally {
    await backend.close();
  }
}

/**
 * `--base`: both sides are desired states, each adapted to the control-plane version its own meshops.yaml targets
 * (what it would have sent). A base revision that does not validate is still compared, through the resources it does
 * define: a pull request that repairs a broken branch must get a plan too.
 */
async function planAgainstRevision(
  options: PlanOptions,
  baseRef: string,
  result: ValidationResult,
  scope: Scope,
  io: CliIo,
  shared: SharedReads,
  cacheDir: string | undefined,
): Promise<Planned> {
  // The base shares the ref's reads: only the files the pull request changed are read, parsed and checked again.
  const { result: baseResult } = await loadRepository({ ...options, ref: baseRef }, io, { shared, cacheDir, patternWarnings: false });
  if (!baseResult.valid) {
    const errors = baseResult.diagnostics.filter((d) => d.severity === "error").length;
    io.stderr.write(`meshops: note: the base revision ${shortRevision(baseResult.revision)} is invalid (${errors} error${errors === 1 ? "" : "s"}); comparing with the resources it defines\n`);
  }
  // Built from the same (cached) resource objects, an unchanged mesh of the ref is the base's build, taken over whole.
  const baseDesired = buildDesired(baseResult.resources, baseResult.config, targetOf(baseResult.config));
  const refDesired = buildDesired(result.resources, result.config, targetOf(result.config), baseDesired);
  checkScopeMeshes(scope, () => new Set([...baseDesired.meshes.keys(), ...refDesired.meshes.keys()]));
  warnUnheldTypes(io, scope, () => knownTypes([...baseDesired.resources, ...refDesired.resources], []), "neither revision has one");
  const sameMeshes = new Set([...refDesired.meshes].filter(([mesh, built]) => baseDesired.meshes.get(mesh) === built).map(([mesh]) => mesh));
  // Of the base, only the meshes the pull request changed are compared (in any order: deletes are sorted).
  const base = scopedResources([...baseDesired.meshes.values()].filter((m) => !sameMeshes.has(m.mesh)).flatMap((m) => m.resources), scope);
  const ref = scopedResources(refDesired.resources, scope);
  const plan = planRevisions(base, ref, sameMeshes);
  // A delete points at the base's file: whether the head still has it decides whether a report may name it.
  const located = lazyLocations(ref, base);
  const baseFiles = baseFilesOfDeletes(plan, located);
  const kept = await existingFiles(localRepositoryDir(options.repo, io), result.revision, baseFiles);
  const locations = withDeletedFiles(located, new Set(baseFiles.filter((file) => !kept.has(file))));
  return { plan, keepPolicies: meshesWithPoliciesOutside(scope, refDesired.resources), locations, base: baseResult.revision };
}
