/** `info`: detail behind a summarised warning (each reference to a zone-provided service): machine formats only. */
export type Severity = "error" | "warning" | "info";

/** One problem found in the repository, pointing at the offending field. */
export interface Diagnostic {
  readonly severity: Severity;
  /** Relative to the repository root, `/` separated; "" when no file is to blame (e.g. the repository itself). */
  readonly file: string;
  /** 1-based; 0 when not tied to a line. */
  readonly line: number;
  readonly column: number;
  /** `Type/mesh/name`, or "" when the document could not be identified as a resource. */
  readonly resource: string;
  /** Field path as the control plane reports it, "" for the whole document. */
  readonly path: string;
  readonly message: string;
  /** Stable rule id (`schema`, `semantic`, `yaml-syntax`, `duplicate-resource`, `tenancy/<name>` ...): for SARIF and filtering. */
  readonly rule: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

const severityOrder: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Deterministic order: file, line, column, then severity, path and message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    severityOrder[a.severity] - severityOrder[b.severity] ||
    cmp(a.path, b.path) ||
    cmp(a.message, b.message)
  );
}

/** What people read: errors and warnings (info items are detail for json and sarif). */
export function isShownToPeople(d: Diagnostic): boolean {
  return d.severity !== "info";
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
