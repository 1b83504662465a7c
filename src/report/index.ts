/**
 * One dispatch from (report kind, format) to its renderer, for `validate`, `plan` and `drift`. Every renderer is a
 * pure function; this table is the only place that knows which one serves which pair, so a format added or changed
 * is added or changed for every command at once.
 */
import type { ReportFormat, DriftReportInput, PlanReport, ToolInfo, ValidateReport } from "./common.js";
import { validateExitCode } from "./common.js";
import { renderDiagnosticsJson, renderDiagnosticsText, type ValidationSummary } from "./diagnostics.js";
import { renderDriftGithub, renderFailedGithub, renderPlanGithub, renderValidateGithub, type AnnotationsLimit } from "./github.js";
import { renderDriftJunit, renderFailedJunit, renderPlanJunit, renderValidateJunit } from "./junit.js";
import { renderDriftMarkdown, renderFailedMarkdown, renderPlanMarkdown, renderValidateMarkdown } from "./markdown.js";
import { renderDriftJson, renderDriftText, renderPlanJson, renderPlanReportText } from "./plan.js";
import { renderDriftSarif, renderFailedSarif, renderPlanSarif, renderValidateSarif } from "./sarif.js";
import type { Style } from "./style.js";

/** What each kind of report is rendered from. */
export interface ReportInputs {
  readonly validate: ValidateReport & { readonly summary: ValidationSummary };
  readonly plan: PlanReport;
  readonly drift: DriftReportInput;
}

export type ReportKind = keyof ReportInputs;

/** What a renderer may need besides the report: colours for a terminal, the tool's version, the markdown budget. */
export interface RenderContext {
  readonly style: Style;
  readonly tool: ToolInfo;
  readonly markdownLimit: number;
  /** `github`: annotations of each level shown (GitHub's own cap per step unless set). */
  readonly annotationsLimit?: AnnotationsLimit;
  /** `text`: every warning, not only the first few of those said the same way of many resources; a plan's every create's body. */
  readonly verbose?: boolean;
  /**
   * The configuration's folder (--repo and --path, relative to the repository's root; "" the root): where SARIF anchors a finding of no file, and
   * what a shortened markdown report's command to see everything reads.
   */
  readonly root?: string;
}

type Renderers<I> = Readonly<Record<ReportFormat, (input: I, context: RenderContext) => string>>;

const RENDERERS: { readonly [K in ReportKind]: Renderers<ReportInputs[K]> } = {
  validate: {
    text: (r, c) => renderDiagnosticsText(r.diagnostics, r.summary, c.style, { verbose: c.verbose }),
    // `valid` as the exit code says it: a warning that fails (--warnings-as-errors) makes the report not valid.
    json: (r) => renderDiagnosticsJson(validateExitCode(r) === 0, r.diagnostics),
    markdown: (r, c) => renderValidateMarkdown(r, { maxLength: c.markdownLimit, root: c.root }),
    github: (r, c) => renderValidateGithub(r, c.annotationsLimit),
    junit: (r) => renderValidateJunit(r),
    sarif: (r, c) => renderValidateSarif(r, c.tool, c.root),
  },
  plan: {
    text: (r, c) => renderPlanReportText(r, c.style, { verbose: c.verbose }),
    json: (r) => renderPlanJson(r.plan, r),
    markdown: (r, c) => renderPlanMarkdown(r, { maxLength: c.markdownLimit, root: c.root }),
    github: (r, c) => renderPlanGithub(r, c.annotationsLimit),
    junit: (r) => renderPlanJunit(r),
    sarif: (r, c) => renderPlanSarif(r, c.tool, c.root),
  },
  drift: {
    text: (r, c) => renderDriftText(r.report, c.style),
    json: (r) => renderDriftJson(r.report, r.locations),
    markdown: (r, c) => renderDriftMarkdown(r, { maxLength: c.markdownLimit, root: c.root }),
    github: (r, c) => renderDriftGithub(r, c.annotationsLimit),
    junit: (r) => renderDriftJunit(r),
    sarif: (r, c) => renderDriftSarif(r, c.tool, c.root),
  },
};

export interface RenderedReport {
  readonly output: string;
  /** `github`: the markdown report, for GitHub's job summary (rendered only if the caller has somewhere to put it). */
  readonly stepSummary?: () => string;
}

export function renderReport<K extends ReportKind>(kind: K, format: ReportFormat, input: ReportInputs[K], context: RenderContext): RenderedReport {
  const renderers = RENDERERS[kind] as Renderers<ReportInputs[K]>;
  const output = renderers[format](input, context);
  return format === "github" ? { output, stepSummary: () => renderers.markdown(input, context) } : { output };
}

/**
 * A run that failed with an error before it had a report (a refused token, nothing listening at --cp-url): each format
 * says it failed and why, in `message`'s one line, so a CI that reads the file shows the failure, not a missing file.
 */
const FAILED: Readonly<Record<ReportFormat, (command: ReportKind, message: string, context: RenderContext) => string>> = {
  text: (command, message) => `meshops ${command} failed: ${message}\n`,
  json: (_, message) => renderFailedJson(message),
  markdown: (command, message) => renderFailedMarkdown(command, message),
  github: (command, message) => renderFailedGithub(command, message),
  junit: (command, message) => renderFailedJunit(command, message),
  sarif: (command, message, c) => renderFailedSarif(command, message, c.tool),
};

/** A failed run in JSON: `{"error": …}`, for apply's `--format json` too. */
export function renderFailedJson(message: string): string {
  return JSON.stringify({ error: message }, null, 2) + "\n";
}

export function renderFailedReport(kind: ReportKind, format: ReportFormat, message: string, context: RenderContext): RenderedReport {
  const output = FAILED[format](kind, message, context);
  return format === "github" ? { output, stepSummary: () => FAILED.markdown(kind, message, context) } : { output };
}
