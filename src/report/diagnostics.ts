import { isShownToPeople, locationOf, shownDiagnostic, subjectOfDiagnostic, type Diagnostic } from "../model/diagnostic.js";
import { shortRevision } from "../model/revision.js";
import { plural } from "./common.js";
import type { Style } from "./style.js";
import { PLAIN, printable } from "./style.js";

/** The contract's JSON shape for `validate --format json`. */
export function renderDiagnosticsJson(valid: boolean, diagnostics: readonly Diagnostic[]): string {
  const items = diagnostics.map(shownDiagnostic).map((d) => ({
    severity: d.severity,
    file: d.file,
    line: d.line,
    column: d.column,
    resource: d.resource,
    path: d.path,
    message: d.message,
    rule: d.rule,
  }));
  return JSON.stringify({ valid, diagnostics: items }, null, 2) + "\n";
}

export interface ValidationSummary {
  readonly files: number;
  readonly resources: number;
  readonly revision: string;
  /** Documents of other APIs that were skipped. */
  readonly otherDocuments?: number;
  /** Dataplane documents skipped because meshops.yaml does not enable `resources.dataplanes`. */
  readonly skippedDataplanes?: number;
  /** The kind of each schema-only Kong Mesh document (AccessRole, ...): checked, never applied. */
  readonly schemaOnly?: readonly string[];
}

/**
 * Above WARNINGS_LISTED warnings, one said the same way (rule, field and message) of more resources than
 * SIMILAR_LISTED is shown that many times, then counted, as Terraform consolidates its warnings: a deprecated field
 * every MeshTrafficPermission of 51,000 resources uses is not 5,000 lines. Errors are listed each; `--verbose` and the
 * machine formats list every warning.
 */
export const WARNINGS_LISTED = 50;
export const SIMILAR_LISTED = 3;

/** One line per problem, compiler style (`file:line:col: error: ...`), so editors and terminals can jump to it. */
export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], summary: ValidationSummary, style: Style = PLAIN, options: { readonly verbose?: boolean } = {}): string {
  const shown = diagnostics.filter(isShownToPeople);
  const similar = options.verbose === true || countWarnings(shown) <= WARNINGS_LISTED ? undefined : similarCounts(shown);
  const lines: string[] = [];
  let notListed = 0;
  for (const d of shown) {
    const group = similar?.get(similarKey(d));
    if (group === undefined || group.seen < SIMILAR_LISTED) lines.push(renderDiagnosticLine(d, style));
    else notListed++;
    if (group !== undefined && ++group.seen === SIMILAR_LISTED) {
      const more = group.count - SIMILAR_LISTED;
      // Named whole: the text of plan, apply, drift and render on an invalid repository says it too, and only validate has the flag.
      lines.push(style.dim(`  … and ${more} more ${more === 1 ? "warning" : "warnings"} like this one, not listed (meshops validate --verbose lists every one)`));
    }
  }
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const counts = `${plural(errors, "error")}, ${plural(warnings, "warning")}${notListed > 0 ? ` (${notListed} like others, not listed)` : ""}`;
  const scope = `${plural(summary.resources, "resource")} in ${plural(summary.files, "file")} at ${shortRevision(summary.revision)}${skippedOf(summary)}`;
  lines.push(errors > 0 ? style.red(`✗ invalid: ${counts}; ${scope}`) : style.green(`✓ valid: ${counts}; ${scope}`));
  return lines.join("\n") + "\n";
}

/**
 * What the repository holds that validate read but meshops does not apply, each part after "; " (empty when nothing):
 * the one wording of the text report's verdict and the markdown report's head line. Said because their info items are
 * not shown: a reader would take them for applied.
 */
export function skippedOf(summary: Pick<ValidationSummary, "otherDocuments" | "skippedDataplanes" | "schemaOnly">): string {
  const others = summary.otherDocuments ? `; ${plural(summary.otherDocuments, "document")} of other kinds skipped` : "";
  const dataplanes = summary.skippedDataplanes ? `; ${plural(summary.skippedDataplanes, "Dataplane")} skipped (resources.dataplanes is off)` : "";
  const schemaOnly = summary.schemaOnly?.length
    ? `; ${plural(summary.schemaOnly.length, "document")} checked against their schema only, never applied by meshops (${[...new Set(summary.schemaOnly)].sort().join(", ")}: Kong Mesh access control)`
    : "";
  return others + dataplanes + schemaOnly;
}

const countWarnings = (diagnostics: readonly Diagnostic[]): number => diagnostics.reduce((n, d) => (d.severity === "warning" ? n + 1 : n), 0);

const similarKey = (d: Diagnostic): string => `${d.rule}\0${d.path}\0${d.message}`;

/** The warnings said of more than SIMILAR_LISTED resources, by similarKey: how many there are, how many were shown. */
function similarCounts(shown: readonly Diagnostic[]): Map<string, { count: number; seen: number }> {
  const counts = new Map<string, { count: number; seen: number }>();
  for (const d of shown) {
    if (d.severity !== "warning") continue;
    const key = similarKey(d);
    const group = counts.get(key);
    if (group) group.count++;
    else counts.set(key, { count: 1, seen: 0 });
  }
  for (const [key, group] of counts) if (group.count <= SIMILAR_LISTED) counts.delete(key);
  return counts;
}

/** `file:line:col: warning: Resource path: message [rule]`. */
export function renderDiagnosticLine(d: Diagnostic, style: Style = PLAIN): string {
  const where = d.file ? printable(locationOf(d)) : "(repository)";
  const severity = d.severity === "error" ? style.red("error") : style.yellow("warning");
  const subject = printable(subjectOfDiagnostic(d));
  return `${style.bold(where)}: ${severity}: ${subject ? `${subject}: ` : ""}${printable(d.message)} ${style.dim(`[${d.rule}]`)}`;
}

