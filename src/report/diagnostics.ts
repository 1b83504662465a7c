import { isShownToPeople, shownDiagnostic, subjectOfDiagnostic, type Diagnostic } from "../model/diagnostic.js";
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
}

/** One line per problem, compiler style (`file:line:col: error: ...`), so editors and terminals can jump to it. */
export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], summary: ValidationSummary, style: Style = PLAIN): string {
  const lines = diagnostics.filter(isShownToPeople).map((d) => renderDiagnosticLine(d, style));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const counts = `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  const dataplanes = summary.skippedDataplanes ? `; ${plural(summary.skippedDataplanes, "Dataplane")} skipped (resources.dataplanes is off)` : "";
  const skipped = (summary.otherDocuments ? `; ${plural(summary.otherDocuments, "document")} of other kinds skipped` : "") + dataplanes;
  const scope = `${plural(summary.resources, "resource")} in ${plural(summary.files, "file")} at ${shortRevision(summary.revision)}${skipped}`;
  lines.push(errors > 0 ? style.red(`✗ invalid: ${counts}; ${scope}`) : style.green(`✓ valid: ${counts}; ${scope}`));
  return lines.join("\n") + "\n";
}

/** `file:line:col: warning: Resource path: message [rule]`. */
export function renderDiagnosticLine(d: Diagnostic, style: Style = PLAIN): string {
  const where = d.file ? `${printable(d.file)}:${d.line}:${d.column}` : "(repository)";
  const severity = d.severity === "error" ? style.red("error") : style.yellow("warning");
  const subject = printable(subjectOfDiagnostic(d));
  return `${style.bold(where)}: ${severity}: ${subject ? `${subject}: ` : ""}${printable(d.message)} ${style.dim(`[${d.rule}]`)}`;
}

