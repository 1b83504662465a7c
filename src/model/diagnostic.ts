import { compareText } from "./order.js";

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
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    severityOrder[a.severity] - severityOrder[b.severity] ||
    compareText(a.path, b.path) ||
    compareText(a.message, b.message)
  );
}

/** What people read: errors and warnings (info items are detail for json and sarif). */
export function isShownToPeople(d: Diagnostic): boolean {
  return d.severity !== "info";
}

/** The longest quoted input a message echoes whole; a longer one keeps its first QUOTED_KEPT characters. */
const QUOTED_MAX = 120;
const QUOTED_KEPT = 60;
/** The longest message: past it (input echoed unquoted), its long runs are cut too, then the message after MESSAGE_KEPT characters. */
const MESSAGE_MAX = 1000;
const MESSAGE_KEPT = 500;
/**
 * A double-quoted string (JSON's and Go's %q, backslash escapes) or a single-quoted one (Go's '%s'), on one line. A
 * single quote opens only where no letter or digit comes before it and closes only where none follows, so the
 * apostrophes of "the control plane's secrets" are not quotes.
 */
const QUOTED = /"(?:[^"\\\n]|\\.)*"|(?<![\p{L}\p{N}])'(?:[^'\n]|'(?=[\p{L}\p{N}]))*'(?![\p{L}\p{N}])/gu;
/** A run of more than QUOTED_MAX characters without a space. */
const LONG_RUN = new RegExp(`\\S{${QUOTED_MAX + 1},}`, "g");

/**
 * `message` with every quoted input longer than QUOTED_MAX characters cut to a prefix, an ellipsis and its length
 * (`"xxxxxxxx…" (200000 characters)`); past MESSAGE_MAX, every run of as many characters without a space alike, and
 * then the message itself. A value of 200 KB (or a secret-like one) is not echoed whole, and every report format says
 * the same bounded line. A short message is returned as it is, with no work beyond its length.
 */
export function boundedMessage(message: string): string {
  if (message.length <= QUOTED_MAX) return message;
  const quotesCut = message.replace(QUOTED, (quoted) => {
    const length = quoted.length - 2;
    if (length <= QUOTED_MAX) return quoted;
    const quote = quoted.charAt(0);
    return `${quote}${prefixOf(quoted.slice(1, -1), QUOTED_KEPT)}…${quote} (${length} characters)`;
  });
  if (quotesCut.length <= MESSAGE_MAX) return quotesCut;
  // Input echoed unquoted (a resource's name in its subject): each long run of it cut alike, the words around kept.
  const runsCut = quotesCut.replace(LONG_RUN, (run) => `${prefixOf(run, QUOTED_KEPT)}… (${run.length} characters)`);
  return runsCut.length <= MESSAGE_MAX ? runsCut : `${prefixOf(runsCut, MESSAGE_KEPT)}… (${runsCut.length} characters)`;
}

/**
 * The diagnostic as people and tools are shown it: a resource or path over MESSAGE_MAX characters bounded as a message
 * is (shownField: a name or a map key of 200,000 characters becomes a prefix and its length); the same object when that
 * changes nothing.
 * For showing only: a diagnostic keeps both whole, as they are identities too (the daemon reads the meshes an error
 * blocks out of `resource`; junit and markdown group by it).
 */
export function shownDiagnostic(d: Diagnostic): Diagnostic {
  const resource = shownField(d.resource);
  const path = shownField(d.path);
  return resource === d.resource && path === d.path ? d : { ...d, resource, path };
}

/**
 * A resource, a field path or a name as shown: whole up to MESSAGE_MAX characters (a Kubernetes name, or a label key of
 * a few hundred, is an identifier people search for), else bounded as a message.
 */
export function shownField(text: string): string {
  return text.length <= MESSAGE_MAX ? text : boundedMessage(text);
}

/** `resource path`, bounded (shownDiagnostic), either left out when empty: what is said before a diagnostic's message. */
export function subjectOfDiagnostic(d: Diagnostic): string {
  const shown = shownDiagnostic(d);
  return shown.resource === "" ? shown.path : shown.path === "" ? shown.resource : `${shown.resource} ${shown.path}`;
}

/** `resource path: message`, the subject bounded (subjectOfDiagnostic) and left out when empty: a diagnostic on one line. */
export function saidOf(d: Diagnostic): string {
  const subject = subjectOfDiagnostic(d);
  return subject ? `${subject}: ${d.message}` : d.message;
}

/** `file:line:column`, where every report, log line and daemon reason says a diagnostic is; "" when no file is to blame. */
export function locationOf(d: Pick<Diagnostic, "file" | "line" | "column">): string {
  return d.file === "" ? "" : `${d.file}:${d.line}:${d.column}`;
}

/** `file:line:column: resource path: message` (saidOf at its locationOf, the location left out when there is none). */
export function placedSaidOf(d: Diagnostic): string {
  const at = locationOf(d);
  return at === "" ? saidOf(d) : `${at}: ${saidOf(d)}`;
}

/** The first `n` UTF-16 units of `text`, neither splitting a surrogate pair nor ending inside a backslash escape. */
function prefixOf(text: string, n: number): string {
  let end = n;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  const prefix = text.slice(0, end);
  // An escape the cut left open: an odd run of backslashes at the end, with the hex digits of a `\u` begun.
  const open = /(\\+)(u[0-9a-fA-F]{0,3})?$/.exec(prefix);
  return open && (open[1] as string).length % 2 === 1 ? prefix.slice(0, open.index + (open[1] as string).length - 1) : prefix;
}
