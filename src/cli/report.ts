/**
 * The I/O around the CI report formats: the `--format` and `--markdown-limit` options every reporting command shares,
 * the installed version SARIF names, and the append of the markdown report to GitHub's job summary.
 */
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { Option } from "commander";
import { REPORT_FORMATS, type ReportFormat, type ToolInfo } from "../report/common.js";
import { renderReport, type ReportInputs, type ReportKind } from "../report/index.js";
import { ANNOTATIONS_LIMIT } from "../report/github.js";
import { MARKDOWN_LIMIT } from "../report/markdown.js";
import { styleFor, type CliIo } from "./io.js";
import { meshopsVersion } from "./version.js";

/** Renders a report to stdout in the chosen format; `github` also appends the markdown report to the job summary. */
export async function writeReport<K extends ReportKind>(
  io: CliIo,
  kind: K,
  format: ReportFormat,
  input: ReportInputs[K],
  markdownLimit: number,
  annotationsLimit = ANNOTATIONS_LIMIT,
): Promise<void> {
  const rendered = renderReport(kind, format, input, { style: styleFor(io.stdout, io.env), tool: await toolInfo(), markdownLimit, annotationsLimit });
  io.stdout.write(rendered.output);
  if (rendered.stepSummary) await appendStepSummary(io, rendered.stepSummary);
}

export function formatOption(): Option {
  return new Option(
    "--format <format>",
    "output format: text; json; markdown (a pull-request comment); github (workflow-command annotations, plus the markdown report appended to $GITHUB_STEP_SUMMARY when set); junit (XML); sarif (2.1.0)",
  )
    .choices(REPORT_FORMATS)
    .default("text");
}

export function markdownLimitOption(): Option {
  return new Option("--markdown-limit <chars>", "keep the markdown report under this many characters, leaving out diffs and rows with a note")
    .default(MARKDOWN_LIMIT)
    .argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1000) throw new Error(`--markdown-limit must be an integer of at least 1000, got ${v}`);
      return n;
    });
}

export function annotationsLimitOption(): Option {
  return new Option("--annotations-limit <n>", "--format github: annotations of each level (error, warning, notice) to print; GitHub shows 10 per step, the rest are counted in one line")
    .default(ANNOTATIONS_LIMIT)
    .argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--annotations-limit must be a non-negative integer, got ${v}`);
      return n;
    });
}

/** GitHub Actions sets GITHUB_STEP_SUMMARY to a file whose Markdown is shown on the run's summary page. */
async function appendStepSummary(io: CliIo, markdown: () => string): Promise<void> {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  await appendFile(path.resolve(io.cwd, file), markdown() + "\n", "utf8");
}

/** meshops' own version, for SARIF's tool.driver. */
export async function toolInfo(): Promise<ToolInfo> {
  return { name: "meshops", version: meshopsVersion() };
}
