import { Command } from "commander";
import { subjectOf } from "../../model/key.js";
import { diagnosticCounts, validateExitCode, type ReportFormat, type ValidateReport } from "../../report/common.js";
import { renderDiagnosticsJson, renderDiagnosticsText } from "../../report/diagnostics.js";
import { renderValidateGithub } from "../../report/github.js";
import { renderValidateJunit } from "../../report/junit.js";
import { renderValidateMarkdown } from "../../report/markdown.js";
import { renderValidateSarif } from "../../report/sarif.js";
import { styleFor, type CliIo } from "../io.js";
import { appendStepSummary, formatOption, markdownLimitOption, toolInfo } from "../report.js";
import { addRepositoryOptions, loadRepository, summaryOf, type RepositoryOptions } from "../repository.js";

type ValidateOptions = RepositoryOptions & { format: ReportFormat; warningsAsErrors?: boolean; markdownLimit: number };

export function validateCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("validate")
    .description("parse, schema-check, semantic-check and tenancy-check the repository; nothing is contacted. Exit 0 valid (warnings allowed), 1 invalid")
    .addOption(formatOption())
    .option("--warnings-as-errors", "exit 1 on warnings too, and report them as errors")
    .addOption(markdownLimitOption());
  return addRepositoryOptions(command).action(async (options: ValidateOptions) => {
    const { result } = await loadRepository(options, io);
    const report: ValidateReport = {
      valid: result.valid,
      diagnostics: result.diagnostics,
      revision: result.revision,
      files: result.files,
      resources: result.resources.map((r) =>
        r.source ? { subject: subjectOf(r), location: { file: r.source.file, line: r.source.line, column: r.source.column } } : { subject: subjectOf(r) },
      ),
      warningsAsErrors: options.warningsAsErrors === true,
    };
    const markdown = () => renderValidateMarkdown(report, { maxLength: options.markdownLimit });
    switch (options.format) {
      case "json":
        io.stdout.write(renderDiagnosticsJson(result.valid, result.diagnostics));
        break;
      case "markdown":
        io.stdout.write(markdown());
        break;
      case "github":
        io.stdout.write(renderValidateGithub(report));
        await appendStepSummary(io, markdown);
        break;
      case "junit":
        io.stdout.write(renderValidateJunit(report));
        break;
      case "sarif":
        io.stdout.write(renderValidateSarif(report, await toolInfo()));
        break;
      case "text": {
        const summary = summaryOf(result);
        io.stdout.write(renderDiagnosticsText(result.diagnostics, summary, styleFor(io.stdout, io.env)));
        break;
      }
    }
    const code = validateExitCode(report);
    const { warnings } = diagnosticCounts(result.diagnostics);
    if (code !== 0 && result.valid) io.stderr.write(`meshops: failing on ${warnings} warning${warnings === 1 ? "" : "s"} (--warnings-as-errors)\n`);
    setExit(code);
  });
}
