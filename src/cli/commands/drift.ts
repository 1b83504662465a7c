import { Command, Option } from "commander";
import { driftOptionsOf } from "../../diff/drift.js";
import { locationsOf } from "../../diff/revisions.js";
import { subjectOf } from "../../model/key.js";
import { DRIFT_FAIL_ON, driftExitCodeFor, type DriftFailOn, type DriftReportInput, type ReportFormat } from "../../report/common.js";
import { compare, driftFor } from "../../sync/reconcile.js";
import { addControlPlaneOptions, openBackend, type ControlPlaneOptions } from "../controlPlane.js";
import type { CliIo } from "../io.js";
import { annotationsLimitOption, formatOption, markdownLimitOption, writeReport } from "../report.js";
import { addRepositoryOptions, loadValidRepository, type RepositoryOptions } from "../repository.js";
import { addScopeOptions, checkScopeMeshes, scopeOf, type ScopeOptions } from "../scope.js";
import { knownMeshes, scopedComparison } from "../../sync/scope.js";

type DriftOptions = RepositoryOptions & ControlPlaneOptions & ScopeOptions & { format: ReportFormat; failOn: DriftFailOn; markdownLimit: number; annotationsLimit: number };

export function driftCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("drift")
    .description("compare the control plane with the repository: exit 0 in sync, 2 drift, 1 error")
    .addOption(formatOption())
    .addOption(
      new Option("--fail-on <what>", "exit 2 on: missing, modified or orphaned resources (drift), those or unmanaged ones (any), or never (none)")
        .choices(DRIFT_FAIL_ON)
        .default("drift"),
    )
    .addOption(markdownLimitOption())
    .addOption(annotationsLimitOption());
  addScopeOptions(addControlPlaneOptions(addRepositoryOptions(command)));
  return command.action(async (options: DriftOptions) => {
    const scope = scopeOf(options);
    const result = await loadValidRepository(options, io);
    if (!result) return setExit(1);
    const backend = await openBackend(options, io, result.config.controlPlane.version);
    try {
      const whole = await compare(backend, result, { needWrite: false });
      checkScopeMeshes(scope, knownMeshes(whole.desired.resources, whole.live));
      const comparison = scopedComparison(whole, scope, result.config.instance);
      const report = driftFor(comparison, driftOptionsOf(result.config));
      const input: DriftReportInput = {
        report,
        resources: comparison.desired.resources.map((r) => subjectOf(r)),
        locations: locationsOf(comparison.desired.resources),
        ref: result.revision,
        failOn: options.failOn,
      };
      await writeReport(io, "drift", options.format, input, options.markdownLimit, options.annotationsLimit);
      setExit(driftExitCodeFor(report.summary, options.failOn));
    } finally {
      await backend.close();
    }
  });
}
