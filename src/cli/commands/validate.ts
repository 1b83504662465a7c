import { Command } from "commander";
import { diagnosticCounts, validateExitCode } from "../../report/common.js";
import type { CliIo } from "../io.js";
import { addReportOptions, reportingFailures, reportOutputs, writeReports, type ReportOptions } from "../report.js";
import { addRepositoryOptions, addValidationCacheOption, loadRepository, summaryOf, validateReportOf, validationCacheDir, type RepositoryOptions } from "../repository.js";

type ValidateOptions = RepositoryOptions & ReportOptions & { warningsAsErrors?: boolean; validationCache?: string; verbose?: boolean };

export function validateCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("validate")
    .description("parse, schema-check, semantic-check and tenancy-check the repository; nothing is contacted. Exit 0 valid (warnings allowed), 1 invalid")
    .option("--warnings-as-errors", "exit 1 on warnings too, and report them as errors")
    .option("--verbose", "text: list every warning (else a warning said the same way of many resources is shown a few times, then counted)");
  const cacheHelp = "take over the per-file analysis of unchanged files from the validation results kept here (plan's cache; or set MESHOPS_VALIDATION_CACHE), and keep this one";
  return addValidationCacheOption(addRepositoryOptions(addReportOptions(command), io), cacheHelp).action(async (options: ValidateOptions) => {
    const outputs = reportOutputs(options, io.cwd);
    await reportingFailures(io, "validate", outputs, options, async () => {
      // Never the cached result itself: it keeps no info items, which validate reports. Analyses only: the repository's
      // checks always run, so the report is a cold validation's.
      const { result } = await loadRepository(options, io, { cacheDir: validationCacheDir(options, io), cacheRead: false, reportOnly: true, patternWarnings: false });
      const report = validateReportOf(result, options.warningsAsErrors === true);
      await writeReports(io, "validate", outputs, { ...report, summary: summaryOf(result) }, options);
      const code = validateExitCode(report);
      const { warnings } = diagnosticCounts(result.diagnostics);
      if (code !== 0 && result.valid) io.stderr.write(`meshops: failing on ${warnings} warning${warnings === 1 ? "" : "s"} (--warnings-as-errors)\n`);
      setExit(code);
    });
  });
}
