import { Command, Option } from "commander";
import { renderPlanJson, renderPlanText } from "../../report/plan.js";
import { compare, planFor } from "../../sync/reconcile.js";
import { addControlPlaneOptions, openBackend, type ControlPlaneOptions } from "../controlPlane.js";
import { styleFor, type CliIo } from "../io.js";
import { addRepositoryOptions, loadValidRepository, type RepositoryOptions } from "../repository.js";

type PlanOptions = RepositoryOptions & ControlPlaneOptions & { format: "text" | "json"; prune?: boolean };

export function planCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("plan")
    .description("diff the desired state against the control plane: exit 0 no changes, 2 changes, 1 error")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--prune", "include deletes of owned resources that are no longer desired");
  addControlPlaneOptions(addRepositoryOptions(command));
  return command.action(async (options: PlanOptions) => {
    const result = await loadValidRepository(options, io);
    if (!result) return setExit(1);
    const backend = await openBackend(options, io, result.config.controlPlane.version);
    try {
      const comparison = await compare(backend, result, { needWrite: false });
      const plan = planFor(comparison, result.config.instance, options.prune === true);
      io.stdout.write(options.format === "json" ? renderPlanJson(plan) : renderPlanText(plan, styleFor(io.stdout, io.env)));
      const s = plan.summary;
      setExit(s.create + s.update + s.delete > 0 ? 2 : 0);
    } finally {
      await backend.close();
    }
  });
}
