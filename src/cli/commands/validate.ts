import { Command, Option } from "commander";
import { renderDiagnosticsJson, renderDiagnosticsText } from "../../report/diagnostics.js";
import { styleFor, type CliIo } from "../io.js";
import { addRepositoryOptions, loadRepository, type RepositoryOptions } from "../repository.js";

export function validateCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("validate")
    .description("parse, schema-check, semantic-check and tenancy-check the repository; nothing is contacted")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"));
  return addRepositoryOptions(command).action(async (options: RepositoryOptions & { format: "text" | "json" }) => {
    const { snapshot, result } = await loadRepository(options, io);
    if (options.format === "json") io.stdout.write(renderDiagnosticsJson(result.valid, result.diagnostics));
    else {
      const summary = { files: snapshot.files.length, resources: result.resources.length, revision: result.revision };
      io.stdout.write(renderDiagnosticsText(result.diagnostics, summary, styleFor(io.stdout, io.env)));
    }
    setExit(result.valid ? 0 : 1);
  });
}
