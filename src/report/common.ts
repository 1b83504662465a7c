/**
 * What every CI report format (markdown, github, junit, sarif) is rendered from, and the rules they share: which items
 * count as failures under the `--warnings-as-errors` / `--fail-on` flags, and the exit code that follows. Renderers and
 * the CLI both ask these functions, so a report never shows a failure the exit code does not, or the other way round.
 *
 * Pure: data in, data out.
 */
import { leftAloneSummary, type DriftItem, type DriftReport, type DriftSummary, type LeftAloneItem } from "../diff/drift.js";
import type { Change, Plan } from "../diff/plan.js";
import type { Location, Locations } from "../diff/revisions.js";
import { groupBy } from "../diff/pair.js";
import { risksOf, type PlanRisk } from "../diff/risk.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { parseSubject, subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import type { ControlPlaneEnvironment } from "../kuma/naming.js";
import { compareText } from "../model/order.js";
import { shortRevision } from "../model/revision.js";
import { printable } from "./style.js";

export const REPORT_FORMATS = ["text", "json", "markdown", "github", "junit", "sarif"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `validate`: the diagnostics and, for JUnit's one test case per resource, every resource that was read. */
export interface ValidateReport {
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** The commit id read, or WORKTREE. */
  readonly revision: string;
  readonly files: number;
  readonly resources: readonly { readonly subject: string; readonly location?: Location }[];
  /** `--warnings-as-errors`: warnings fail too. */
  readonly warningsAsErrors: boolean;
  /**
   * The command reporting (default validate): `plan`, `drift` and `apply` report an invalid repository in their own name, so a
   * pull-request comment, a SARIF category or a JUnit suite of one command never replaces another's.
   */
  readonly command?: "validate" | "plan" | "drift" | "apply";
}

/** `plan --fail-on`: exit 2 (and report failures) on any change, only on a change the mass-change guard flags, or never. */
export const PLAN_FAIL_ON = ["changes", "risky", "none"] as const;
export type PlanFailOn = (typeof PLAN_FAIL_ON)[number];

export interface PlanReport {
  readonly plan: Plan;
  readonly risks: readonly PlanRisk[];
  /** Where each resource is defined (the ref side first, the base side for deletes). */
  readonly locations: Locations;
  /** `plan --base`: the base commit; absent when the plan is against a control plane. */
  readonly base?: string;
  /** The revision planned (commit id or WORKTREE). */
  readonly ref: string;
  readonly failOn: PlanFailOn;
  /**
   * What comparing with the control plane found wrong with the repository (`unknown-service`), for `github`, which
   * makes them annotations: the other formats leave them to stderr (cli/controlPlane.ts onlineWarnings).
   */
  readonly onlineWarnings?: OnlineWarnings;
}

/** Warnings about the repository's resources only a control plane can give: those shown, and a sentence counting the rest. */
export interface OnlineWarnings {
  readonly diagnostics: readonly Diagnostic[];
  readonly more?: string;
}

/** `drift --fail-on`: exit 2 on missing, modified or orphaned items (the contract's default), on any item, or never. */
export const DRIFT_FAIL_ON = ["drift", "any", "none"] as const;
export type DriftFailOn = (typeof DRIFT_FAIL_ON)[number];

export interface DriftReportInput {
  readonly report: DriftReport;
  /** Every desired resource (subject), for JUnit's passing test cases; drift items alone are the failures. */
  readonly resources?: readonly string[];
  readonly locations: Locations;
  readonly ref: string;
  readonly failOn: DriftFailOn;
  /** Where the control plane runs (ServerInfo.environment): what a modified resource most likely means (modifiedMeaning). */
  readonly environment?: ControlPlaneEnvironment | undefined;
}

/** The tool as SARIF names it; the CLI passes the installed version. */
export interface ToolInfo {
  readonly name: string;
  readonly version: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Failures and exit codes

export function isFailingDiagnostic(d: Diagnostic, warningsAsErrors: boolean): boolean {
  return d.severity === "error" || (warningsAsErrors && d.severity === "warning");
}

/** 0 valid, 1 invalid (PRODUCT.md); with --warnings-as-errors a warning makes it invalid. */
export function validateExitCode(report: Pick<ValidateReport, "diagnostics" | "warningsAsErrors">): 0 | 1 {
  return report.diagnostics.some((d) => isFailingDiagnostic(d, report.warningsAsErrors)) ? 1 : 0;
}

export function isFailingChange(change: Change, risks: readonly PlanRisk[], failOn: PlanFailOn): boolean {
  if (change.action === "unchanged" || failOn === "none") return false;
  return failOn === "changes" || risksOf(change.resource, risks).length > 0;
}

/** 0 no changes, 2 changes (PRODUCT.md); `--fail-on risky` gives 2 only for a flagged plan, `none` never does. */
export function planExitCode(plan: Plan, risks: readonly PlanRisk[], failOn: PlanFailOn): 0 | 2 {
  if (failOn === "none") return 0;
  if (failOn === "risky") return risks.length > 0 ? 2 : 0;
  const s = plan.summary;
  return s.create + s.update + s.delete > 0 ? 2 : 0;
}

export function isFailingDrift(item: DriftItem, failOn: DriftFailOn): boolean {
  if (failOn === "none") return false;
  return failOn === "any" || item.kind !== "unmanaged";
}

/** 0 in sync, 2 drift (PRODUCT.md: missing, modified or orphaned); `any` counts unmanaged too, `none` never fails. */
export function driftExitCodeFor(summary: DriftSummary, failOn: DriftFailOn): 0 | 2 {
  if (failOn === "none") return 0;
  const drifted = summary.missing + summary.modified + summary.orphaned + (failOn === "any" ? summary.unmanaged : 0);
  return drifted > 0 ? 2 : 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// Small shared helpers

/** The mesh a subject belongs to (a Mesh is its own), "" when the subject is empty or not one. */
export function meshOfSubject(subject: string): string {
  return parseSubject(subject)?.mesh ?? "";
}

/** Items grouped by mesh, meshes in name order and items in their given order within each. */
export function groupByMesh<T>(items: readonly T[], meshOf: (item: T) => string): [string, T[]][] {
  return [...groupBy(items, meshOf).entries()].sort(([a], [b]) => compareText(a, b));
}

/**
 * `file:line`, or `default policy of Mesh/x: file:line`, then where the base revision has it (inBaseSuffix); "" when
 * unknown. The file name as a text line shows it.
 */
export function describeLocation(location: Location | undefined): string {
  if (!location) return "";
  const at = `${printable(location.file)}:${location.line}${inBaseSuffix(location)}`;
  return location.defaultOf ? `default policy of ${location.defaultOf}: ${at}` : at;
}

/**
 * Where a location is in the head revision's files, for the formats a reader opens at a file and line (GitHub's
 * annotations, code scanning, junit): the file alone for a base revision's location (its line is another document's in
 * the head), nothing when the head no longer has the file.
 */
export function inHeadFiles(location: Location | undefined): { readonly file: string; readonly line?: number; readonly column?: number } | undefined {
  if (!location || location.fileDeleted) return undefined;
  return location.inBase ? { file: location.file } : { file: location.file, line: location.line, column: location.column };
}

/** After a location only the base revision has (Location.inBase): that it is the base's line, and if the file is gone. */
export function inBaseSuffix(location: Location): string {
  return location.inBase ? (location.fileDeleted ? " at the base revision, a file since deleted" : " at the base revision") : "";
}

/**
 * What a change's annotation or code-scanning finding says after its subject: where a delete of `plan --base` was (its
 * location cannot carry that line: GitHub reads it in the head's file), or the Mesh a default policy comes from.
 */
export function changeWhereSaid(where: Location | undefined): string {
  if (where?.inBase) return ` (${describeLocation(where)})`;
  return where?.defaultOf ? ` (default policy of ${where.defaultOf})` : "";
}

/**
 * Where each of `resources` is written (describeLocation), for a change set's failures: "default policy" for one
 * materialized from its Mesh, undefined for a subject not among them.
 */
export function whereDefinedIn(resources: readonly Resource[]): (subject: string) => string | undefined {
  const sources = new Map(resources.map((r) => [subjectOf(r), r.source]));
  return (subject) => {
    const source = sources.get(subject);
    return source ? describeLocation(source) : sources.has(subject) ? "default policy" : undefined;
  };
}

/** How a plan marks an update that adopts a resource (diff/plan.ts `Change.adopts`), in text and markdown alike. */
export const ADOPTS_MARK = "adopts it: made outside meshops";

/**
 * How drift marks a modified resource apply adopts (diff/drift.ts `DriftItem.adopts`), in text and markdown alike:
 * " (…)", or "" for any other item. Its ownership label as the only difference means nothing was changed outside Git.
 */
export function driftAdoptionMark(item: Pick<DriftItem, "adopts" | "ownershipLabelOnly">): string {
  if (!item.adopts) return "";
  return item.ownershipLabelOnly ? " (not owned: only meshops' ownership label differs; apply adopts it)" : " (not owned: made outside meshops; apply adopts it)";
}

/**
 * What a modified drift item means, where a report says what its kind means. meshops writes to a Universal control
 * plane, so a difference there is an edit made outside Git; Argo CD or Flux write to a Kubernetes-mode one (its API
 * is read-only), so there the repository is usually ahead of their last sync.
 */
export function modifiedMeaning(environment: ControlPlaneEnvironment | undefined): string {
  return environment === "kubernetes"
    ? "differs from the repository: not yet synced by Argo CD or Flux (the control plane runs on Kubernetes and meshops does not write to it), or changed through Kubernetes outside Git"
    : "changed on the control plane outside Git";
}

/** What a drift item whose only difference is meshops' ownership label means, where a report says what its kind means. */
export const OWNERSHIP_LABEL_ONLY_MEANING = "as the repository has it, but made outside meshops";

/** The `---`/`+++` (and `===`, `Index:`) lines name the resource again; reports name it already. */
export function stripDiffHeader(diff: string): string {
  return diff
    .split("\n")
    .filter((l) => !l.startsWith("===") && !l.startsWith("--- ") && !l.startsWith("+++ ") && !l.startsWith("Index: "))
    .join("\n")
    .trimEnd();
}

/** "1 error", "2 errors": a count and its noun (`many` for a plural not made with -s). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function driftedCount(summary: DriftSummary): number {
  return summary.missing + summary.modified + summary.orphaned;
}

/** One line a person reads: what the plan does overall. */
export function planSummaryLine(plan: Plan): string {
  const s = plan.summary;
  const line =
    s.create + s.update + s.delete === 0
      ? `No changes: ${plural(s.unchanged, "resource")} unchanged.`
      : `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`;
  const prunable = plan.prunable?.length ?? 0;
  const said = prunable === 0 ? line : `${line} ${plural(prunable, "owned resource")} no longer in the repository (--prune deletes ${prunable === 1 ? "it" : "them"}).`;
  const leftAlone = leftAloneByPruneNote(plan);
  return leftAlone ? `${said} ${leftAlone}` : said;
}

/**
 * What prune leaves alone, one sentence for the whole plan (text report, apply's note): counted, never listed, as
 * drift's `Left alone:` line. Undefined without prune or when there is nothing.
 */
export function leftAloneByPruneNote(plan: Plan): string | undefined {
  const n = plan.leftAlone;
  if (!n) return undefined;
  const parts = [
    ...(n.notOwned > 0 ? [`${plural(n.notOwned, "resource")} meshops does not own`] : []),
    ...(n.generated > 0 ? [`${n.generated} generated by the control plane`] : []),
    ...(n.synced > 0 ? [`${n.synced} synced from another control plane`] : []),
  ];
  return `Left alone by --prune: ${parts.join(", ")}.`;
}

export function driftSummaryLine(summary: DriftSummary, leftAlone: readonly LeftAloneItem[] = []): string {
  const line =
    driftedCount(summary) === 0
      ? `In sync${summary.unmanaged ? ` (${plural(summary.unmanaged, "unmanaged resource")} not in the repository, left alone)` : ""}.`
      : `Drift: ${summary.missing} missing, ${summary.modified} modified, ${summary.orphaned} orphaned, ${summary.unmanaged} unmanaged.`;
  const more = leftAloneLine(leftAlone);
  return more ? `${line} ${more}` : line;
}

/**
 * What drift left alone, as one sentence ("" when nothing): resources the control plane generated or another control
 * plane synced are counted, never listed (a zone holds thousands).
 */
export function leftAloneLine(leftAlone: readonly LeftAloneItem[]): string {
  if (leftAlone.length === 0) return "";
  const n = leftAloneSummary(leftAlone);
  const parts = [
    ...(n.generated > 0 ? [`${n.generated} generated by the control plane`] : []),
    ...(n.synced > 0 ? [`${n.synced} synced from another control plane`] : []),
  ];
  return `Left alone: ${parts.join(", ")}.`;
}

export function diagnosticCounts(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  return { errors, warnings };
}

/** What `plan` compared: `base…ref` between revisions, or the ref against the control plane. */
export function planScope(report: Pick<PlanReport, "base" | "ref">): string {
  return report.base !== undefined ? `${shortRevision(report.base)}…${shortRevision(report.ref)}` : `${shortRevision(report.ref)} against the control plane`;
}
