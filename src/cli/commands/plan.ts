import { Command, Option } from "commander";
import { buildDesired, targetOf } from "../../desired/index.js";
import type { Plan } from "../../diff/plan.js";
import { locationsOf, planRevisions, type Locations } from "../../diff/revisions.js";
import { classifyPlanRisks } from "../../diff/risk.js";
import { PLAN_FAIL_ON, planExitCode, shortRev, type PlanFailOn, type PlanReport } from "../../report/common.js";
import { compare, planFor } from "../../sync/reconcile.js";
import type { ValidationResult } from "../../validate/index.js";
import { addControlPlaneOptions, openControlPlane, warnUnknownReferences, type ControlPlaneOptions } from "../controlPlane.js";
import { UsageError, type CliIo } from "../io.js";
import { addReportOptions, reportOutputs, writeReports, type ReportOptions } from "../report.js";
import { addRepositoryOptions, loadRepository, loadValidRepository, type RepositoryOptions } from "../repository.js";

type PlanOptions = RepositoryOptions &
  ControlPlaneOptions &
  ReportOptions & { prune?: boolean; base?: string; failOn: PlanFailOn };

export function planCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("plan")
    .description(
      "diff the desired state against the control plane, or with --base against the desired state at another revision (offline): exit 0 no changes, 2 changes, 1 error",
    )
    .option("--base <rev>", "compare with the desired state at this revision instead of a control plane (offline; every delete is shown)")
    .option("--prune", "include deletes of owned resources that are no longer desired (against a control plane)")
    .addOption(
      new Option("--fail-on <what>", "exit 2 on: any change (changes), only a change the mass-change guard flags (risky), or never (none)")
        .choices(PLAN_FAIL_ON)
        .default("changes"),
    );
  addControlPlaneOptions(addRepositoryOptions(addReportOptions(command)));
  return command.action(async (options: PlanOptions) => {
    const outputs = reportOutputs(options);
    if (options.base !== undefined && options.cpUrl) throw new UsageError("--base compares two revisions offline; it takes no --cp-url");
    const result = await loadValidRepository(options, io);
    if (!result) return setExit(1);
    const { plan, locations, base } = options.base !== undefined ? await planAgainstRevision(options, options.base, result, io) : await planAgainstControlPlane(options, result, io);
    const risks = classifyPlanRisks(plan);
    const report: PlanReport = { plan, risks, locations, ...(base !== undefined ? { base } : {}), ref: result.revision, failOn: options.failOn };
    await writeReports(io, "plan", outputs, report, options.markdownLimit);
    setExit(planExitCode(plan, risks, options.failOn));
  });
}

interface Planned {
  readonly plan: Plan;
  readonly locations: Locations;
  readonly base?: string;
}

async function planAgainstControlPlane(options: PlanOptions, result: ValidationResult, io: CliIo): Promise<Planned> {
  const { backend } = await openControlPlane(options, io, { version: result.config.controlPlane.version, product: result.config.controlPlane.product });
  try {
    const comparison = await compare(backend, result, { needWrite: false, onWarning: (message: string) => io.stderr.write(`meshops: warning: ${message}\n`) });
    warnUnknownReferences(io, comparison);
    return { plan: planFor(comparison, result.config.instance, options.prune === true), locations: locationsOf(comparison.desired.resources) };
  } finally {
    await backend.close();
  }
}

/**
 * `--base`: both sides are desired states, each adapted to the control-plane version its own meshops.yaml targets
 * (what it would have sent). A base revision that does not validate is still compared, through the resources it does
 * define: a pull request that repairs a broken branch must get a plan too.
 */
async function planAgainstRevision(options: PlanOptions, baseRef: string, result: ValidationResult, io: CliIo): Promise<Planned> {
  const { result: baseResult } = await loadRepository({ ...options, ref: baseRef }, io);
  if (!baseResult.valid) {
    const errors = baseResult.diagnostics.filter((d) => d.severity === "error").length;
    io.stderr.write(`meshops: note: the base revision ${shortRev(baseResult.revision)} is invalid (${errors} error${errors === 1 ? "" : "s"}); comparing with the resources it defines\n`);
  }
  const desiredAt = (at: ValidationResult) => buildDesired(at.resources, at.config, targetOf(at.config)).resources;
  const base = desiredAt(baseResult);
  const ref = desiredAt(result);
  return { plan: planRevisions(base, ref), locations: locationsOf(ref, base), base: baseResult.revision };
}
