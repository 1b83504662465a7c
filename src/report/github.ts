/**
 * `--format github`: GitHub Actions workflow commands, so each problem shows as an annotation on the right file and
 * line of the pull request (`::error file=…,line=…,col=…,title=…::message`), followed by the text report for the log.
 *
 * Escaping follows the runner (actions/runner ActionCommand, and @actions/core's toCommandValue): in the message `%`,
 * CR and LF become %25, %0D, %0A; in property values `:` and `,` also become %3A and %2C. Every command is therefore one
 * line, whatever the repository holds. The runner reads any line that starts with `::` (after leading blanks) as a
 * command, and the text report quotes the repository (diff lines, names): it is printed between `::stop-commands::`
 * and its token, a digest of the text itself, which the text therefore cannot contain.
 *
 * The job summary ($GITHUB_STEP_SUMMARY) gets the markdown report: that append is I/O and happens in the CLI. Pure.
 */
import { createHash } from "node:crypto";
import type { DriftItem } from "../diff/drift.js";
import type { ControlPlaneEnvironment } from "../kuma/naming.js";
import type { Change } from "../diff/plan.js";
import type { Location } from "../diff/revisions.js";
import { risksOf } from "../diff/risk.js";
import { isShownToPeople, saidOf, type Diagnostic } from "../model/diagnostic.js";
import { renderDiagnosticLine, renderDiagnosticsText, type ValidationSummary } from "./diagnostics.js";
import { renderDriftText, renderPlanReportText } from "./plan.js";
import {
  changeWhereSaid,
  inHeadFiles,
  diagnosticCounts,
  driftAdoptionMark,
  driftSummaryLine,
  isFailingChange,
  isFailingDiagnostic,
  isFailingDrift,
  modifiedMeaning,
  planExitCode,
  planScope,
  planSummaryLine,
  OWNERSHIP_LABEL_ONLY_MEANING,
  stripDiffHeader,
  type DriftReportInput,
  type PlanReport,
  type ValidateReport,
  validateExitCode,
} from "./common.js";
import { shortRevision } from "../model/revision.js";

export type AnnotationLevel = "error" | "warning" | "notice";

/** GitHub shows this many annotations of each level (error, warning, notice) per step, and drops the rest. */
export const ANNOTATIONS_LIMIT = 10;

/**
 * How many annotations of each level a command may print: GitHub's cap, less what earlier commands of the same step
 * printed (the pull-request check validates and plans in one step). A number is the same for every level.
 */
export type AnnotationsLimit = number | Readonly<Record<AnnotationLevel, number>>;

/** `error=N,warning=N,notice=N` (a level left out keeps GitHub's 10), or a number for every level; undefined if malformed. */
export function parseAnnotationsLimit(text: string): AnnotationsLimit | undefined {
  const whole = /^\d+$/.test(text.trim()) ? Number(text) : undefined;
  if (whole !== undefined) return whole;
  const limits: Record<AnnotationLevel, number> = { error: ANNOTATIONS_LIMIT, warning: ANNOTATIONS_LIMIT, notice: ANNOTATIONS_LIMIT };
  for (const part of text.split(",")) {
    const match = /^\s*(error|warning|notice)=(\d+)\s*$/.exec(part);
    if (!match) return undefined;
    limits[match[1] as AnnotationLevel] = Number(match[2]);
  }
  return limits;
}

const LEVEL_RANK: Readonly<Record<AnnotationLevel, number>> = { error: 0, warning: 1, notice: 2 };

interface Annotated {
  readonly level: AnnotationLevel;
  readonly command: string;
}

/**
 * The annotations GitHub will show: errors first, then warnings, then notices (each in report order), at most `limit`
 * of each level; the rest are counted in one plain line, so nothing disappears without a word.
 */
function capAnnotations(annotations: readonly Annotated[], limit: AnnotationsLimit, command: string): string[] {
  const ranked = [...annotations].sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]);
  const limitOf = (level: AnnotationLevel) => (typeof limit === "number" ? limit : limit[level]);
  const shown: string[] = [];
  const dropped: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  const kept: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  for (const a of ranked) {
    if (kept[a.level] < limitOf(a.level)) {
      kept[a.level]++;
      shown.push(a.command);
    } else dropped[a.level]++;
  }
  const total = dropped.error + dropped.warning + dropped.notice;
  if (total === 0) return shown;
  const parts = (Object.keys(dropped) as AnnotationLevel[]).filter((l) => dropped[l] > 0).map((l) => `${dropped[l]} ${l}${dropped[l] === 1 ? "" : "s"}`);
  shown.push(
    `${command}: ${total} more annotation${total === 1 ? "" : "s"} not shown (${typeof limit === "number" ? `GitHub shows ${limit} of each level per step` : `GitHub shows ${ANNOTATIONS_LIMIT} of each level per step, some already printed by this step`}): ${parts.join(", ")}; every one is in the log group below and in the job summary.`,
  );
  return shown;
}

/** An annotation's message shows this many diff lines at most; the log (and the job summary) has the whole diff. */
const MAX_ANNOTATION_DIFF_LINES = 40;

/** Message data: %, CR, LF. */
export function escapeData(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Property values: as data, plus `:` and `,`, which separate properties. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export interface AnnotationProperties {
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly title?: string;
}

/** One workflow command: `::level file=…,line=…,col=…,title=…::message`, properties left out when unknown. */
export function annotation(level: AnnotationLevel, properties: AnnotationProperties, message: string): string {
  const props: string[] = [];
  if (properties.file) {
    props.push(`file=${escapeProperty(properties.file)}`);
    if (properties.line && properties.line > 0) props.push(`line=${properties.line}`);
    if (properties.line && properties.line > 0 && properties.col && properties.col > 0) props.push(`col=${properties.col}`);
  }
  if (properties.title) props.push(`title=${escapeProperty(properties.title)}`);
  return `::${level}${props.length ? ` ${props.join(",")}` : ""}::${escapeData(message)}`;
}

/** Text that may quote the repository, printed in a collapsed log group with workflow commands switched off. */
export function inertGroup(title: string, body: string): string {
  const token = `meshops-${createHash("sha256").update(body, "utf8").digest("hex").slice(0, 24)}`;
  return [`::group::${escapeData(title)}`, `::stop-commands::${token}`, body.trimEnd(), `::${token}::`, "::endgroup::"].join("\n");
}

// ---------------------------------------------------------------------------------------------------------------------

/** `report.summary`: the text report's counts (what was skipped and why); without it, files and resources only. */
export function renderValidateGithub(report: ValidateReport & { readonly summary?: ValidationSummary }, annotationsLimit: AnnotationsLimit = ANNOTATIONS_LIMIT): string {
  // Info items (each reference behind a summarised warning) are detail for json and sarif, not annotations.
  const shown = report.diagnostics.filter(isShownToPeople);
  const title = `meshops ${report.command ?? "validate"}`;
  const out = capAnnotations(shown.map((d) => diagnosticAnnotation(d, report.warningsAsErrors, title)), annotationsLimit, title);
  const summary = report.summary ?? { files: report.files, resources: report.resources.length, revision: report.revision };
  // Every warning: the annotations are capped, and the log group is where the rest are.
  out.push(inertGroup(title, renderDiagnosticsText(shown, summary, undefined, { verbose: true })));
  const { errors, warnings } = diagnosticCounts(shown);
  const verdict = validateExitCode(report) !== 0 ? (errors > 0 ? "invalid" : "failed (warnings are errors)") : "valid";
  out.push(`${title} at ${shortRevision(report.revision)}: ${verdict}, ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`);
  return out.join("\n") + "\n";
}

function diagnosticAnnotation(d: Diagnostic, warningsAsErrors: boolean, title: string): Annotated {
  const level: AnnotationLevel = isFailingDiagnostic(d, warningsAsErrors) ? "error" : "warning";
  return { level, command: annotation(level, { file: d.file, line: d.line, col: d.column, title: `${title}: ${d.rule}` }, saidOf(d)) };
}

export function renderPlanGithub(report: PlanReport, annotationsLimit: AnnotationsLimit = ANNOTATIONS_LIMIT): string {
  const { plan, risks } = report;
  const annotations: Annotated[] = [];
  const riskLevel: AnnotationLevel = planExitCode(plan, risks, report.failOn) !== 0 ? "error" : "warning";
  const changed = new Set(plan.changes.filter((c) => c.action !== "unchanged").map((c) => c.resource));
  // A risk about a resource the plan changes goes on that change's annotation; one about a resource that stays as it
  // is (a Mesh losing all its policies) gets its own, on the Mesh's file.
  for (const risk of risks) {
    if (changed.has(risk.resource)) continue;
    annotations.push({ level: riskLevel, command: annotation(riskLevel, at(report.locations.get(risk.resource), `meshops plan: mass change (${risk.kind})`), `${risk.message}. Review before merging.`) });
  }
  const online = report.onlineWarnings;
  for (const d of online?.diagnostics ?? []) annotations.push(diagnosticAnnotation(d, false, "meshops plan"));
  for (const change of plan.changes) {
    if (change.action === "unchanged") continue;
    const where = report.locations.get(change.resource);
    const own = risks.filter((r) => r.resource === change.resource);
    const level: AnnotationLevel = isFailingChange(change, risks, report.failOn) ? "error" : own.length > 0 ? riskLevel : "notice";
    const title = `meshops plan: ${own.length > 0 ? "mass change: " : ""}${change.action} ${change.resource}`;
    annotations.push({ level, command: annotation(level, at(where, title), changeMessage(change, where, own.map((r) => `${r.message}. Review before merging.`), risksOf(change.resource, risks).length > 0)) });
  }
  const out = capAnnotations(annotations, annotationsLimit, "meshops plan");
  const title = `meshops plan ${planScope(report)}`;
  // What prune leaves alone (counts only) is said once, on the summary line the log shows unfolded, not in the fold too;
  // the fold keeps the names of what --prune would delete, which the summary line only counts.
  const { leftAlone: _leftAlone, ...folded } = plan;
  // Every online warning too: on stdout they are said here, not on stderr, and the annotations are capped.
  const warned = online ? [...online.diagnostics.map((d) => renderDiagnosticLine(d)), ...(online.more ? [`meshops: ${online.more}`] : [])] : [];
  const text = renderPlanReportText({ ...report, plan: folded });
  out.push(inertGroup(title, warned.length === 0 ? text : [text.trimEnd(), ...warned].join("\n")));
  out.push(`${title}: ${planSummaryLine(plan)}${risks.length ? ` Mass-change guard: ${risks.length} flagged.` : ""}`);
  return out.join("\n") + "\n";
}

function changeMessage(change: Change, where: Location | undefined, warnings: readonly string[], risky: boolean): string {
  const head = `${change.action} ${change.resource}${changeWhereSaid(where)}${risky && warnings.length === 0 ? " [mass change]" : ""}`;
  return [head, ...warnings, clip(stripDiffHeader(change.diff))].join("\n");
}

export function renderDriftGithub(input: DriftReportInput, annotationsLimit: AnnotationsLimit = ANNOTATIONS_LIMIT): string {
  const annotations = input.report.items.map((item): Annotated => {
    const level: AnnotationLevel = isFailingDrift(item, input.failOn) ? "error" : "warning";
    const where = input.locations.get(item.resource);
    return { level, command: annotation(level, at(where, `meshops drift: ${item.kind} ${item.resource}`), driftMessage(item, input.environment)) };
  });
  const out = capAnnotations(annotations, annotationsLimit, "meshops drift");
  const title = `meshops drift at ${shortRevision(input.ref)}`;
  // What was left alone is said once, on the summary line the log shows unfolded, not in the fold.
  out.push(inertGroup(title, renderDriftText({ ...input.report, leftAlone: [] })));
  out.push(`${title}: ${driftSummaryLine(input.report.summary, input.report.leftAlone)}`);
  return out.join("\n") + "\n";
}

/** A run that failed with an error: one error annotation saying why. */
export function renderFailedGithub(command: string, message: string): string {
  return annotation("error", { title: `meshops ${command}` }, message) + "\n";
}

const DRIFT_MEANING = {
  missing: "in the repository but not on the control plane",
  orphaned: "owned by meshops but no longer in the repository",
  unmanaged: "on the control plane, not in the repository and not owned by meshops (left alone)",
} as const;

function driftMessage(item: DriftItem, environment: ControlPlaneEnvironment | undefined): string {
  const meaning = item.ownershipLabelOnly ? OWNERSHIP_LABEL_ONLY_MEANING : item.kind === "modified" ? modifiedMeaning(environment) : DRIFT_MEANING[item.kind];
  return `${item.kind} ${item.resource}${driftAdoptionMark(item)}: ${meaning}\n${clip(stripDiffHeader(item.diff))}`;
}

/** A base revision's location is the file at most (file-level annotation), and nothing when the head lacks the file. */
function at(location: Location | undefined, title: string): AnnotationProperties {
  const where = inHeadFiles(location);
  return !where ? { title } : where.line === undefined ? { file: where.file, title } : { file: where.file, line: where.line, col: where.column, title };
}

function clip(diff: string): string {
  const lines = diff.split("\n");
  return lines.length <= MAX_ANNOTATION_DIFF_LINES ? diff : [...lines.slice(0, MAX_ANNOTATION_DIFF_LINES), `… ${lines.length - MAX_ANNOTATION_DIFF_LINES} more lines`].join("\n");
}
