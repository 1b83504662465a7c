import { Command, Option } from "commander";
import { renderDiagnosticsText } from "../../report/diagnostics.js";
import { renderResources, type RenderFormat } from "../../report/render.js";
import { styleFor, type CliIo } from "../io.js";
import { buildDesired, targetOf } from "../../desired/index.js";
import { addRepositoryOptions, loadRepository, summaryOf, type RepositoryOptions } from "../repository.js";

export function renderCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("render")
    .description("print the desired state, default policies included, as the objects that would be PUT")
    .addOption(new Option("--format <format>", "output format").choices(["yaml", "json", "kubernetes"]).default("yaml"));
  return addRepositoryOptions(command).action(async (options: RepositoryOptions & { format: RenderFormat }) => {
    const { result } = await loadRepository(options, io);
    if (!result.valid) {
      // Nothing goes to stdout: a pipeline consuming the rendered state must not receive half of it.
      const summary = summaryOf(result);
      io.stderr.write(renderDiagnosticsText(result.diagnostics, summary, styleFor(io.stderr, io.env)));
      setExit(1);
      return;
    }
    const namespace = result.config.systemNamespaces[0] ?? "kuma-system";
    // The very builder `apply` uses, shaped for the version meshops.yaml targets: what is printed is what is PUT.
    const desired = buildDesired(result.resources, result.config, targetOf(result.config));
    io.stdout.write(renderResources(desired.resources, options.format, namespace));
    setExit(0);
  });
}
