/**
 * `--format markdown`: one pull-request comment (or job summary) per command. A summary table per mesh first, then each
 * mesh's changes with its per-resource diffs folded in `<details>`, so the comment stays readable with hundreds of
 * changes. GitHub refuses comments over 65,536 characters: the renderer keeps under `maxLength` (65,000 by default)
 * by leaving out diffs from the end first, then table rows, and says what it left out and how to see everything.
 *
 * Everything that comes from the repository (names, paths, messages) is escaped; diffs come redacted from src/diff.
 * Pure.
 */
import type { Change } from "../diff/plan.js";
import type { DriftItem } from "../diff/drift.js";
import type { Location } from "../diff/revisions.js";
import { risksOf, type PlanRisk } from "../diff/risk.js";
import { isShownToPeople, locationOf, shownDiagnostic, type Diagnostic } from "../model/diagnostic.js";
import {
  ADOPTS_MARK,
  driftAdoptionMark,
  leftAloneByPruneNote,
  leftAloneLine,
  diagnosticCounts,
  driftedCount,
  groupByMesh,
  inBaseSuffix,
  isFailingDiagnostic,
  isFailingDrift,
  meshOfSubject,
  planExitCode,
  plural,
  stripDiffHeader,
  type DriftReportInput,
  type OnlineWarnings,
  type PlanReport,
  type ValidateReport,
} from "./common.js";
import { GLOBAL_SCOPE, GLOBAL_UNIT_LABEL } from "../model/key.js";
import { shortRevision } from "../model/revision.js";
import { shellWord } from "../util/shell.js";
import { prunableNote, unknownValues, unknownValuesNote } from "./plan.js";
import { skippedOf, type ValidationSummary } from "./diagnostics.js";

/** GitHub's limit is 65,536 characters per comment; the rest is room for a caller's own header. */
export const MARKDOWN_LIMIT = 65_000;

/** A single diff longer than this is cut, so one huge resource cannot push every other diff out of the comment. */
const MAX_DIFF_LINES = 300;

export interface MarkdownOptions {
  /** Characters (UTF-16 code units, which never undercount) the output must stay under. */
  readonly maxLength?: number;
  /** The configuration's folder from the repository's root ("" the root), named in the command a shortened report says to run. */
  readonly root?: string;
}

/** ` --path <root>` for a command to run again at the repository's root, so it reads the same folder (empty for the root itself). */
function pathFlag(options: MarkdownOptions): string {
  return options.root ? ` --path ${shellWord(options.root)}` : "";
}

// ---------------------------------------------------------------------------------------------------------------------
// validate

const SEVERITY = { error: "❌ error", warning: "⚠️ warning", info: "ℹ️ info" } as const;

/** `report.summary`: the text report's counts, so the head line says what was skipped and why, as the text report does. */
export function renderValidateMarkdown(report: ValidateReport & { readonly summary?: ValidationSummary }, options: MarkdownOptions = {}): string {
  const shown = report.diagnostics.filter(isShownToPeople);
  const { errors, warnings } = diagnosticCounts(shown);
  const failed = shown.some((d) => isFailingDiagnostic(d, report.warningsAsErrors));
  const counts = `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  const command = report.command ?? "validate";
  const verdict = failed
    ? `❌ meshops ${command}: ${errors === 0 ? "failed (warnings are errors)" : "invalid"}, ${counts}`
    : `✅ meshops ${command}: valid${shown.length > 0 ? `, ${counts}` : ""}`;
  const head = [
    `<!-- meshops:${command} -->`,
    `### ${verdict}`,
    "",
    `${code(shortRevision(report.revision))}: ${plural(report.resources.length, "resource")} in ${plural(report.files, "file")}${report.summary ? skippedOf(report.summary) : ""}${shown.length === 0 ? ", no problems found." : "."}`,
  ];
  if (shown.length === 0) return head.join("\n") + "\n";

  const groups = groupByMesh(shown, (d) => (d.resource === "" ? NOT_A_RESOURCE : meshOfSubject(d.resource)));
  head.push("", "| mesh | errors | warnings |", "|---|--:|--:|");
  const counted = groups.map(([mesh, list]) => ({ mesh, ...diagnosticCounts(list) }));
  const columns = ["errors", "warnings"] as const;
  head.push(...boundedRows(counted, (c) => countsRow(meshLabel(c.mesh), [c], columns), tableBudget(options), (rest) => countsRow(`${rest.length} more meshes`, rest, columns)));
  const sections: Section[] = groups.map(([mesh, list]) => ({
    heading: meshHeading(mesh),
    tableHeader: DIAGNOSTICS_HEADER,
    rows: list.map((d) => diagnosticRow(d, report.warningsAsErrors)),
    details: [],
  }));
  return fit(head.join("\n"), sections, options, `meshops ${command}${pathFlag(options)} --ref ${shortRevision(report.revision)}`);
}

const DIAGNOSTICS_HEADER = "| | where | resource | field | problem | rule |\n|---|---|---|---|---|---|";

function diagnosticRow(diagnostic: Diagnostic, warningsAsErrors: boolean): string {
  const d = shownDiagnostic(diagnostic);
  const severity = d.severity === "warning" && warningsAsErrors ? "❌ warning" : SEVERITY[d.severity];
  const where = d.file ? code(locationOf(d)) : "";
  return `| ${severity} | ${where} | ${d.resource ? code(d.resource) : ""} | ${d.path ? code(d.path) : ""} | ${text(d.message)} | ${code(d.rule)} |`;
}

// ---------------------------------------------------------------------------------------------------------------------
// plan

const ACTION = { create: "➕ create", update: "🔄 update", delete: "➖ delete", unchanged: "unchanged" } as const;

export function renderPlanMarkdown(report: PlanReport, options: MarkdownOptions = {}): string {
  const { plan, risks } = report;
  const s = plan.summary;
  const total = s.create + s.update + s.delete;
  const head = ["<!-- meshops:plan -->"];
  head.push(total === 0 ? "### ✅ meshops plan: no changes" : `### meshops plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete`);
  head.push("");
  head.push(
    report.base !== undefined
      ? `Desired state at ${code(shortRevision(report.base))} → ${code(shortRevision(report.ref))}, default policies included; ${s.unchanged} unchanged.`
      : `Desired state at ${code(shortRevision(report.ref))} against the control plane; ${s.unchanged} unchanged.`,
  );
  if (risks.length > 0) head.push("", ...riskAlert(risks, planExitCode(plan, risks, report.failOn) !== 0));
  head.push(...unknownValuesAlert(unknownValues(plan)));
  head.push(...onlineWarningsTable(report.onlineWarnings, options));
  const prunable = prunableNote(plan, code);
  if (prunable) head.push("", "> [!NOTE]", `> ${prunable}`);
  const leftAlone = leftAloneByPruneNote(plan);
  if (leftAlone) head.push("", `> ${leftAlone}`);

  const changed = plan.changes.filter((c) => c.action !== "unchanged");
  if (total > 0) {
    // A row per mesh that changes or is flagged; the meshes with nothing to change are one row (a pull request that
    // touches one mesh of thousands is about that mesh).
    const counted = groupByMesh(plan.changes, (c) => c.mesh).map(([mesh, list]) => {
      const n = (action: Change["action"]) => list.filter((c) => c.action === action).length;
      return { mesh, flagged: risks.some((r) => r.mesh === mesh), create: n("create"), update: n("update"), delete: n("delete"), unchanged: n("unchanged") };
    });
    const changing = (c: (typeof counted)[number]) => c.create + c.update + c.delete > 0 || c.flagged;
    const listed = counted.filter(changing);
    const others = counted.filter((c) => !changing(c));
    const columns = ["create", "update", "delete", "unchanged"] as const;
    head.push("", "| mesh | create | update | delete | unchanged |", "|---|--:|--:|--:|--:|");
    const row = (c: (typeof counted)[number]) => countsRow(`${meshLabel(c.mesh)}${c.flagged ? " ⚠️" : ""}`, [c], columns);
    head.push(...boundedRows(listed, row, tableBudget(options), (rest) => countsRow(`${rest.length} more meshes`, rest, columns)));
    if (others.length > 0) head.push(countsRow(`${others.length} other mesh${others.length === 1 ? "" : "es"}`, others, columns));
  }
  const sections: Section[] = groupByMesh(changed, (c) => c.mesh).map(([mesh, list]) => ({
    heading: meshHeading(mesh),
    tableHeader: "| change | resource | defined in |\n|---|---|---|",
    rows: list.map((c) => {
      const flag = risksOf(c.resource, risks).length > 0 ? " ⚠️" : "";
      const adopts = c.adopts ? ` (${ADOPTS_MARK})` : "";
      return `| ${ACTION[c.action]}${adopts}${flag} | ${code(c.resource)} | ${locationCell(report.locations.get(c.resource))} |`;
    }),
    details: list.map((c) => details(`${ACTION[c.action]} <code>${html(c.resource)}</code>`, c.diff)),
  }));
  const rerun = `meshops plan${pathFlag(options)}${report.base !== undefined ? ` --base ${shortRevision(report.base)} --ref ${shortRevision(report.ref)}` : ""}`;
  return fit(head.join("\n"), sections, options, rerun);
}

/**
 * What comparing with the control plane found (`unknown-service`), a row each as validate's report lists its
 * warnings: `github` caps its annotations and says the rest are in the job summary, which is this report.
 */
function onlineWarningsTable(online: OnlineWarnings | undefined, options: MarkdownOptions): string[] {
  if (online === undefined || online.diagnostics.length === 0) return [];
  const rows = boundedRows(online.diagnostics, (d) => diagnosticRow(d, false), tableBudget(options), (rest) => `| | | | | ${plural(rest.length, "more warning")}: in the log | |`);
  return ["", `**${plural(online.diagnostics.length, "warning")} found comparing with the control plane:**`, "", DIAGNOSTICS_HEADER, ...rows, ...(online.more ? ["", text(online.more)] : [])];
}

/** Values not compared (no SOPS age key): in the comment's head, so "no changes" is not read as "the same". */
function unknownValuesAlert(unknown: readonly string[]): string[] {
  const note = unknownValuesNote(unknown, code);
  return note ? ["", "> [!NOTE]", `> ${note}`] : [];
}

function riskAlert(risks: readonly PlanRisk[], failing: boolean): string[] {
  const lines = [
    "> [!CAUTION]",
    `> **Mass change: ${risks.length} flagged by the guard${failing ? " (this check fails)" : ""}. Review before merging.**`,
  ];
  for (const r of risks) lines.push(`> - ${code(r.rule)}: ${text(r.message)}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------------
// drift

const DRIFT = { missing: "➕ missing", modified: "🔄 modified", orphaned: "➖ orphaned", unmanaged: "❔ unmanaged" } as const;

export function renderDriftMarkdown(input: DriftReportInput, options: MarkdownOptions = {}): string {
  const { report } = input;
  const s = report.summary;
  const failing = report.items.some((i) => isFailingDrift(i, input.failOn));
  const head = ["<!-- meshops:drift -->"];
  head.push(
    driftedCount(s) === 0 && s.unmanaged === 0
      ? "### ✅ meshops drift: in sync"
      : `### ${failing ? "❌" : driftedCount(s) === 0 ? "✅" : "⚠️"} meshops drift: ${s.missing} missing, ${s.modified} modified, ${s.orphaned} orphaned, ${s.unmanaged} unmanaged`,
  );
  head.push("", `The control plane compared with the repository at ${code(shortRevision(input.ref))}.`);
  const leftAlone = leftAloneLine(report.leftAlone);
  if (leftAlone) head.push("", leftAlone);
  head.push(...unknownValuesAlert(report.unknownValues ?? []));
  if (report.items.length === 0) return head.join("\n") + "\n";

  const groups = groupByMesh(report.items, (i) => i.mesh);
  head.push("", "| mesh | missing | modified | orphaned | unmanaged |", "|---|--:|--:|--:|--:|");
  const counted = groups.map(([mesh, list]) => {
    const n = (kind: DriftItem["kind"]) => list.filter((i) => i.kind === kind).length;
    return { mesh, missing: n("missing"), modified: n("modified"), orphaned: n("orphaned"), unmanaged: n("unmanaged") };
  });
  const columns = ["missing", "modified", "orphaned", "unmanaged"] as const;
  head.push(...boundedRows(counted, (c) => countsRow(meshLabel(c.mesh), [c], columns), tableBudget(options), (rest) => countsRow(`${rest.length} more meshes`, rest, columns)));
  const sections: Section[] = groups.map(([mesh, list]) => ({
    heading: meshHeading(mesh),
    tableHeader: "| drift | resource | defined in |\n|---|---|---|",
    rows: list.map((i) => `| ${DRIFT[i.kind]}${driftAdoptionMark(i)} | ${code(i.resource)} | ${locationCell(input.locations.get(i.resource))} |`),
    details: list.map((i) => details(`${DRIFT[i.kind]} <code>${html(i.resource)}</code>`, i.diff)),
  }));
  return fit(head.join("\n"), sections, options, `meshops drift${pathFlag(options)}`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Fitting under the limit

/** The head's per-mesh table may take this share of the limit: the rest is for the problems or changes themselves. */
/** A run that failed with an error: the comment's marker (so a later run's comment replaces it), a heading, the reason. */
export function renderFailedMarkdown(command: string, message: string): string {
  return [`<!-- meshops:${command} -->`, `### ❌ meshops ${command}: failed`, "", text(message)].join("\n") + "\n";
}

function tableBudget(options: MarkdownOptions): number {
  return Math.floor((options.maxLength ?? MARKDOWN_LIMIT) / 4);
}

/** A per-mesh table row: `label`, then each column's sum over `items` (one mesh, or the meshes a table sums up). */
function countsRow<K extends string>(label: string, items: readonly Readonly<Record<K, number>>[], columns: readonly K[]): string {
  return `| ${label} | ${columns.map((k) => items.reduce((n, c) => n + c[k], 0)).join(" | ")} |`;
}

/** Rows for `items` while they fit in `budget` characters; the items left out summed up in one row by `rest`. */
function boundedRows<T>(items: readonly T[], row: (item: T) => string, budget: number, rest: (left: readonly T[]) => string): string[] {
  const rows: string[] = [];
  let used = 0;
  for (const [i, item] of items.entries()) {
    const line = row(item);
    if (used + line.length + 1 > budget && i < items.length - 1) return [...rows, rest(items.slice(i))];
    rows.push(line);
    used += line.length + 1;
  }
  return rows;
}

interface Section {
  readonly heading: string;
  readonly tableHeader: string;
  readonly rows: readonly string[];
  readonly details: readonly string[];
}

/**
 * The document with as many diffs and rows as fit: diffs are left out from the end first, then rows, and a note says
 * how many and how to see them all. The head (verdict, risks, per-mesh counts) is never cut.
 */
function fit(head: string, sections: readonly Section[], options: MarkdownOptions, rerun: string): string {
  const limit = options.maxLength ?? MARKDOWN_LIMIT;
  const totalRows = sections.reduce((n, s) => n + s.rows.length, 0);
  const totalDetails = sections.reduce((n, s) => n + s.details.length, 0);
  const render = (rows: number, detailCount: number): string => {
    const out = [head];
    let rowsLeft = rows;
    let detailsLeft = detailCount;
    for (const section of sections) {
      const keptRows = section.rows.slice(0, Math.max(0, rowsLeft));
      rowsLeft -= keptRows.length;
      if (keptRows.length === 0) continue; // a section with no row left is left out whole
      const keptDetails = section.details.slice(0, Math.max(0, detailsLeft));
      detailsLeft -= keptDetails.length;
      const parts = [section.heading, "", section.tableHeader, ...keptRows];
      const droppedRows = section.rows.length - keptRows.length;
      if (droppedRows > 0) parts.push("", `_… and ${droppedRows} more in this mesh, left out to fit the comment._`);
      for (const d of keptDetails) parts.push("", d);
      out.push(parts.join("\n"));
    }
    const leftRows = totalRows - rows;
    const leftDetails = totalDetails - detailCount;
    if (leftRows > 0 || leftDetails > 0) {
      const what = [leftDetails > 0 ? `${leftDetails} of ${plural(totalDetails, "diff")}` : "", leftRows > 0 ? `${leftRows} of ${plural(totalRows, "row")}` : ""]
        .filter(Boolean)
        .join(" and ");
      out.push(`> [!NOTE]\n> Shortened to stay under ${limit.toLocaleString("en-US")} characters: ${what} left out. Run ${code(rerun)} to see everything.`);
    }
    return out.join("\n\n") + "\n";
  };

  const full = render(totalRows, totalDetails);
  if (full.length <= limit) return full;
  // More kept never makes the text shorter, so the largest count that fits is found by bisection.
  const largest = (hi: number, fits: (n: number) => boolean): number => {
    let lo = 0;
    let top = hi;
    while (lo < top) {
      const mid = Math.ceil((lo + top) / 2);
      if (fits(mid)) lo = mid;
      else top = mid - 1;
    }
    return lo;
  };
  const detailsKept = largest(totalDetails, (n) => render(totalRows, n).length <= limit);
  if (render(totalRows, detailsKept).length <= limit) return render(totalRows, detailsKept);
  const rowsKept = largest(totalRows, (n) => render(n, 0).length <= limit);
  return render(rowsKept, 0);
}

// ---------------------------------------------------------------------------------------------------------------------
// Escaping

/** A fenced diff in a `<details>` block; blank lines around the fence so GitHub renders it as Markdown. */
function details(summary: string, diff: string): string {
  const lines = stripDiffHeader(diff).split("\n");
  const shown = lines.length > MAX_DIFF_LINES ? [...lines.slice(0, MAX_DIFF_LINES), `… ${lines.length - MAX_DIFF_LINES} more lines`] : lines;
  const body = shown.join("\n");
  const fence = "`".repeat(Math.max(3, longestRun(body, "`") + 1));
  return `<details><summary>${summary}</summary>\n\n${fence}diff\n${body}\n${fence}\n\n</details>`;
}

function locationCell(location: Location | undefined): string {
  if (!location) return "";
  const at = code(`${location.file}:${location.line}`) + inBaseSuffix(location);
  return location.defaultOf ? `${at} (default policy of ${code(location.defaultOf)})` : at;
}

/** The group of diagnostics tied to no resource (a file, meshops.yaml): apart from the global resources' (GLOBAL_SCOPE). */
const NOT_A_RESOURCE = "\u0000";

function meshLabel(mesh: string): string {
  return mesh === NOT_A_RESOURCE ? "(not tied to a resource)" : mesh === GLOBAL_SCOPE ? text(GLOBAL_UNIT_LABEL) : code(mesh);
}

function meshHeading(mesh: string): string {
  return mesh === NOT_A_RESOURCE ? "#### Not tied to a resource" : mesh === GLOBAL_SCOPE ? `#### ${text(GLOBAL_UNIT_LABEL)}` : `#### Mesh ${code(mesh)}`;
}

/**
 * An inline code span safe in a table cell: backticks in the value get a longer delimiter, `|` is escaped (GitHub
 * splits cells on it even inside code), line breaks become spaces.
 */
function code(value: string): string {
  const flat = value.replace(/[\r\n]+/g, " ");
  const ticks = "`".repeat(longestRun(flat, "`") + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`.replace(/\|/g, "\\|");
}

/** Plain text in Markdown: punctuation that would format, link, mention or close a cell is escaped; HTML is inert. */
function text(value: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
  return value.replace(/[\r\n]+/g, " ").replace(/[\\`*_[\]|~@&<>]/g, (c) => entities[c] ?? `\\${c}`);
}

function html(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function longestRun(value: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of value) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}
