import { Command, Option } from "commander";
import { driftExitCode } from "../../diff/drift.js";
import { renderDriftJson, renderDriftText } from "../../report/plan.js";
import { compare, driftFor } from "../../sync/reconcile.js";
import { addControlPlaneOptions, openBackend, type ControlPlaneOptions } from "../controlPlane.js";
import { styleFor, type CliIo } from "../io.js";
import { addRepositoryOptions, loadValidRepository, type RepositoryOptions } from "../repository.js";

type DriftOptions = RepositoryOptions & ControlPlaneOptions & { format: "text" | "json" };

export function driftCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("drift")
    .description("compare the control plane with the repository: exit 0 in sync, 2 drift, 1 error")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"));
  addControlPlaneOptions(addRepositoryOptions(command));
  return command.action(async (options: DriftOptions) => {
    const result = await loadValidRepository(options, io);
    if (!result) return setExit(1);
    const backend = await openBackend(options, io, result.config.controlPlane.version);
    try {
      const report = driftFor(await compare(backend, result, { needWrite: false }), result.config.instance);
      io.stdout.write(options.format === "json" ? renderDriftJson(report) : renderDriftText(report, styleFor(io.stdout, io.env)));
      setExit(driftExitCode(report.summary));
    } finally {
      await backend.close();
    }
  });
}
