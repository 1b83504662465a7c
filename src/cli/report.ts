/**
 * The I/O around the CI report formats: the `--format`, `--output`, `--markdown-limit` and `--annotations-limit` options every reporting command shares,
 * the installed version SARIF names, and the append of the markdown report to GitHub's job summary.
 */
import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { REPORT_FORMATS, type ReportFormat, type ToolInfo } from "../report/common.js";
import { renderFailedReport, renderReport, type RenderContext, type RenderedReport, type ReportInputs, type ReportKind } from "../report/index.js";
import { ANNOTATIONS_LIMIT, parseAnnotationsLimit, type AnnotationsLimit } from "../report/github.js";
import { MARKDOWN_LIMIT } from "../report/markdown.js";
import { checkWritableFile, numberFlag, styleFor, UsageError, type CliIo } from "./io.js";
import { meshopsVersion } from "./version.js";
import { failureLine } from "./failure.js";
import { repositoryFolder } from "../source/index.js";
import { errorMessage } from "../util/errorMessage.js";

/** One destination of a report: a format, and the file it is written to (none: stdout). */
export interface ReportOutput {
  readonly format: ReportFormat;
  readonly file?: string;
}

/** The report options validate, plan and drift share: `--format`, `--output` (repeatable) and `--markdown-limit`. */
export interface ReportOptions {
  readonly format?: ReportFormat;
  readonly output: readonly ReportOutput[];
  readonly markdownLimit: number;
  readonly annotationsLimit: AnnotationsLimit;
}

export function addReportOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--format <format>",
        "output format on stdout (default text): text; json; markdown (a pull-request comment); github (workflow-command annotations, plus the markdown report appended to $GITHUB_STEP_SUMMARY when set); junit (XML); sarif (2.1.0)",
      ).choices(REPORT_FORMATS),
    )
    .addOption(
      new Option(
        "--output <format[=file]>",
        "also write the report in this format to this file, or to stdout without =file (repeatable; one report at most on stdout, --format's included), e.g. --output markdown=plan.md --output sarif=plan.sarif --output github",
      )
        .argParser(collectOutput)
        .default([]),
    )
    .addOption(markdownLimitOption())
    .addOption(annotationsLimitOption());
}

function collectOutput(value: string, previous: readonly ReportOutput[]): ReportOutput[] {
  const at = value.indexOf("=");
  const format = at < 0 ? value : value.slice(0, at);
  const file = at < 0 ? undefined : value.slice(at + 1);
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new InvalidArgumentError(`the format must be one of ${REPORT_FORMATS.join(", ")}: got ${format}`);
  if (file === "") throw new InvalidArgumentError(`no file after ${format}=: write ${format}=FILE, or ${format} alone for stdout`);
  return [...previous, { format: format as ReportFormat, ...(file !== undefined ? { file } : {}) }];
}

/**
 * Where each report goes: --format's on stdout, then every --output; text on stdout when neither is given. Checked
 * before any work, so a run never computes a report it cannot write.
 */
export function reportOutputs(options: ReportOptions, cwd: string): readonly ReportOutput[] {
  const outputs: ReportOutput[] = [...(options.format ? [{ format: options.format }] : []), ...options.output];
  if (outputs.length === 0) return [{ format: "text" }];
  const toStdout = outputs.filter((o) => o.file === undefined);
  if (toStdout.length > 1) {
    throw new UsageError(`only one report can go to stdout, not ${toStdout.map((o) => o.format).join(" and ")}: give the others a file (--output FORMAT=FILE)`);
  }
  const files = outputs.flatMap((o) => (o.file === undefined ? [] : [path.resolve(cwd, o.file)]));
  const twice = files.find((file, i) => files.indexOf(file) !== i);
  if (twice !== undefined) throw new UsageError(`--output names ${twice} twice: one format per file`);
  for (const o of outputs) if (o.file !== undefined) checkWritableFile(`--output ${o.format}=${o.file}`, o.file, cwd);
  return outputs;
}

/**
 * Renders the report in every output's format, to stdout or to its file. With `github` among them, the markdown report
 * is also appended to GitHub's job summary, once.
 */
export async function writeReports<K extends ReportKind>(
  io: CliIo,
  kind: K,
  outputs: readonly ReportOutput[],
  input: ReportInputs[K],
  rendering: Rendering,
): Promise<void> {
  // From the repository's root, as the files' paths are, however deep --repo is (the directory its read resolved).
  const root = await repositoryFolder(path.resolve(io.cwd, rendering.repo), rendering.path);
  await writeRendered(io, outputs, rendering, root, (format, context) => renderReport(kind, format, input, context));
}

/**
 * Runs a reporting command's work (validate, plan, drift). When it fails with an error (an unknown --ref, a refused
 * token, nothing listening at --cp-url), every --output file is still written, saying the run failed and why in
 * stderr's line, as a file is written whatever the exit code: a CI that reads it (GitLab's junit, code scanning) shows
 * the failure rather than finding no file, or an earlier run's. So is a machine-read report on stdout, which a CI
 * redirects into its file (`--format junit > drift.xml`); text and markdown on stdout are for a reader, whom stderr
 * tells. The error then goes on to be said and to exit 1.
 */
export async function reportingFailures(io: CliIo, kind: ReportKind, outputs: readonly ReportOutput[], rendering: Rendering, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = await failureLine(error);
    const written = outputs.filter((o) => o.file !== undefined || MACHINE_READ.has(o.format));
    // What stderr says is the error the run failed with, not a second one of writing these.
    await writeRendered(io, written, rendering, "", (format, context) => renderFailedReport(kind, format, message, context)).catch(() => undefined);
    throw error;
  }
}

/** The formats a program reads (github: the runner, which shows an `::error` line), not a person. */
const MACHINE_READ: ReadonlySet<ReportFormat> = new Set(["json", "junit", "sarif", "github"]);

type Rendering = Pick<RenderContext, "markdownLimit" | "annotationsLimit" | "verbose"> & { readonly repo: string; readonly path?: string };

async function writeRendered(
  io: CliIo,
  outputs: readonly ReportOutput[],
  rendering: Rendering,
  root: string,
  render: (format: ReportFormat, context: RenderContext) => RenderedReport,
): Promise<void> {
  const tool = await toolInfo();
  let stepSummary: (() => string) | undefined;
  for (const output of outputs) {
    // Colours only on a terminal: a file never gets them.
    const style = styleFor(output.file === undefined ? io.stdout : {}, io.env);
    const rendered = render(output.format, { ...rendering, style, tool, root });
    stepSummary ??= rendered.stepSummary;
    if (output.file === undefined) {
      io.stdout.write(rendered.output);
      continue;
    }
    await writeFile(path.resolve(io.cwd, output.file), rendered.output, "utf8").catch((cause: unknown) => {
      throw new UsageError(`cannot write --output ${output.format}=${output.file}`, { cause });
    });
  }
  if (stepSummary) await appendStepSummary(io, stepSummary);
}

export function markdownLimitOption(): Option {
  return new Option("--markdown-limit <chars>", "keep the markdown report under this many characters, leaving out diffs and rows with a note")
    .default(MARKDOWN_LIMIT)
    .argParser(numberFlag("a whole number of at least 1000", (n) => Number.isInteger(n) && n >= 1000));
}

export function annotationsLimitOption(): Option {
  return new Option(
    "--annotations-limit <n>",
    "--format github: annotations of each level (error, warning, notice) to print, or per level (warning=4,notice=10: what an earlier command of the same step left); GitHub shows 10 of each per step, the rest are counted in one line",
  )
    .default(ANNOTATIONS_LIMIT)
    .argParser((value: string) => {
      const limit = parseAnnotationsLimit(value);
      if (limit === undefined) throw new InvalidArgumentError("expected a whole number, 0 or more, or LEVEL=N[,LEVEL=N] with levels error, warning, notice");
      return limit;
    });
}

/** GitHub Actions sets GITHUB_STEP_SUMMARY to a file whose Markdown is shown on the run's summary page. */
async function appendStepSummary(io: CliIo, markdown: () => string): Promise<void> {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  // The summary repeats what the report said: a file that cannot be written is warned about, and the verdict and exit
  // code stand (a valid repository does not fail its check for it).
  await appendFile(path.resolve(io.cwd, file), markdown() + "\n", "utf8").catch((error: unknown) => {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "its folder does not exist" : (error as NodeJS.ErrnoException).code === "EISDIR" ? "it is a folder" : errorMessage(error);
    io.stderr.write(`meshops: warning: cannot append the markdown report to GITHUB_STEP_SUMMARY (${file}): ${reason}\n`);
  });
}

/** meshops' own version, for SARIF's tool.driver. */
export async function toolInfo(): Promise<ToolInfo> {
  return { name: "meshops", version: meshopsVersion() };
}
