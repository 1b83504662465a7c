import { Command, Option } from "commander";
import { driftOptionsOf } from "../../diff/drift.js";
import { lazyLocations } from "../../diff/revisions.js";
import { subjectOf } from "../../model/key.js";
import { DRIFT_FAIL_ON, driftExitCodeFor, type DriftFailOn, type DriftReportInput } from "../../report/common.js";
import { compare, driftFor } from "../../sync/reconcile.js";
import { addControlPlaneOptions, type ControlPlaneOptions, emulatedTarget, pendingControlPlane, validWhileReading, warnLacking } from "../controlPlane.js";
import type { CliIo } from "../io.js";
import { addReportOptions, reportingFailures, reportOutputs, writeReports, type ReportOptions, type ReportOutput } from "../report.js";
import { addRepositoryOptions, addValidationCacheOption, loadValidRepository, validationCacheDir, type RepositoryOptions } from "../repository.js";
import { addScopeOptions, checkScopeMeshes, scopeOf, warnTakenAlong, warnUnheldTypes, type ScopeOptions } from "../scope.js";
import { knownMeshes, knownTypes, scopedComparison } from "../../sync/scope.js";

type DriftOptions = RepositoryOptions & ControlPlaneOptions & ReportOptions & ScopeOptions & { failOn: DriftFailOn; validationCache?: string };

export function driftCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("drift")
    .description("compare the control plane with the repository: exit 0 in sync, 2 drift, 1 error")
    .addOption(
      new Option("--fail-on <what>", "exit 2 on: missing, modified or orphaned resources (drift), those or unmanaged ones (any), or never (none)")
        .choices(DRIFT_FAIL_ON)
        .default("drift"),
    );
  addValidationCacheOption(addScopeOptions(addControlPlaneOptions(addRepositoryOptions(addReportOptions(command), io))));
  return command.action(async (options: DriftOptions) => {
    const outputs = reportOutputs(options, io.cwd);
    await reportingFailures(io, "drift", outputs, options, () => runDrift(options, outputs, io, setExit));
  });
}

/** The command after its flags are checked: any error it throws is also said in every --output file (reportingFailures). */
async function runDrift(options: DriftOptions, outputs: readonly ReportOutput[], io: CliIo, setExit: (code: number) => void): Promise<void> {
  const scope = scopeOf(options);
  const controlPlane = pendingControlPlane(options, io);
  const result = await validWhileReading(controlPlane, () =>
    loadValidRepository(options, io, { cacheDir: validationCacheDir(options, io), sliced: controlPlane.readingAhead, invalidReport: { ...options, command: "drift", outputs } }),
  );
  if (!result) return setExit(1);
  const { backend } = await controlPlane.open(emulatedTarget(result.config));
  try {
    const whole = await compare(backend, result, { needWrite: false, onWarning: (message: string) => io.stderr.write(`meshops: warning: ${message}\n`) });
    warnLacking(io, whole.lacking);
    checkScopeMeshes(scope, () => knownMeshes(whole.desired.resources, whole.live));
    warnUnheldTypes(io, scope, () => knownTypes(whole.desired.resources, whole.live));
    const comparison = scopedComparison(whole, scope, result.config);
    warnTakenAlong(io, comparison);
    const report = driftFor(comparison, driftOptionsOf(result.config));
    const input: DriftReportInput = {
      report,
      resources: comparison.desired.resources.map((r) => subjectOf(r)),
      locations: lazyLocations(comparison.desired.resources),
      ref: result.revision,
      failOn: options.failOn,
      environment: whole.info.environment,
    };
    await writeReports(io, "drift", outputs, input, options);
    setExit(driftExitCodeFor(report.summary, options.failOn));
  } finally {
    await backend.close();
  }
}
