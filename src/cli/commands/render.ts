import path from "node:path";
import { Command, Option } from "commander";
import { renderDiagnosticsText } from "../../report/diagnostics.js";
import { renderResources, type RenderFormat } from "../../report/render.js";
import { manifestFiles, manifestStream } from "../../hydrate/manifests.js";
import { styleFor, UsageError, type CliIo } from "../io.js";
import { buildDesired, targetOf } from "../../desired/index.js";
import { loadManifests, writeManifestDirectory } from "../manifests.js";
import { addRepositoryOptions, loadRepository, summaryOf, type RepositoryOptions } from "../repository.js";

export function renderCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("render")
    .description("print the desired state, default policies included, as the objects that would be PUT (or as Kubernetes manifests)")
    .addOption(new Option("--format <format>", "output format").choices(["yaml", "json", "kubernetes"]).default("yaml"))
    .option("--out <dir>", "with --format kubernetes: write one file per resource under DIR (and remove those of resources that are gone) instead of printing");
  return addRepositoryOptions(command, io).action(async (options: RepositoryOptions & { format: RenderFormat; out?: string }) => {
    if (options.out !== undefined && options.format !== "kubernetes") throw new UsageError("--out writes Kubernetes manifests: give --format kubernetes with it");
    if (options.format === "kubernetes") {
      // Nothing goes to stdout (or DIR) unless all of it is valid: a pipeline (Argo CD's plugin) must not apply half.
      const rendered = await loadManifests(options, io);
      if (!rendered) return setExit(1);
      if (options.out === undefined) io.stdout.write(manifestStream(rendered.manifests));
      else {
        let write;
        try {
          write = writeManifestDirectory(path.resolve(io.cwd, options.out), manifestFiles(rendered.manifests));
        } catch (cause) {
          throw new UsageError(`cannot write --out ${options.out}`, { cause });
        }
        const { written, unchanged, removed } = write;
        io.stderr.write(`meshops: ${rendered.manifests.length} manifests in ${options.out}: ${written} written, ${unchanged} unchanged, ${removed} removed\n`);
      }
      return setExit(0);
    }
    const { result } = await loadRepository(options, io);
    if (!result.valid) {
      // Nothing goes to stdout: a pipeline consuming the rendered state must not receive half of it.
      io.stderr.write(renderDiagnosticsText(result.diagnostics, summaryOf(result), styleFor(io.stderr, io.env)));
      return setExit(1);
    }
    // The very builder `apply` uses, shaped for the version meshops.yaml targets: what is printed is what is PUT.
    const desired = buildDesired(result.resources, result.config, targetOf(result.config));
    io.stdout.write(renderResources(desired.resources, options.format));
    setExit(0);
  });
}
