/**
 * Flux's post-build variable substitution beside the mesh YAML. A Flux Kustomization with `postBuild.substitute`
 * replaces `${var}` (also `${var:=default}` and the other forms of drone/envsubst) in every document it applies, after
 * kustomize built them; `$${var}` is the escape for a literal one, and a document annotated
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` is left alone. meshops reads documents as written, so a variable
 * in a name or a duration makes an error per field that says nothing of the cause, and one in a free string makes
 * meshops compare another value than the control plane gets. Said once per document instead, at its first variable:
 * an error in place of the errors about the fields that hold variables (other errors stay), or a warning when there
 * were none. When the Flux Kustomization that builds a file is in the repository (kustomize.ts), its `substitute`
 * values (and the defaults, unless `substituteFrom` may give the cluster's) are put in first, as Flux puts them:
 * only what is left is said. Pure.
 */
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import type { JsonValue, Resource } from "../model/resource.js";
import type { YamlDocument } from "../parse/documents.js";
import { reportedPath } from "../parse/convert.js";
import { formatPath, type PathSegments } from "../model/fieldPath.js";
import type { Locator } from "../parse/locate.js";
import { createHash } from "node:crypto";
import type { SourceFile } from "../source/types.js";
import { diagnosticAt } from "./diagnostics.js";
import type { FluxSubstitute } from "./kustomize.js";
import { namesUpTo } from "../util/namesUpTo.js";

export const SUBSTITUTION_RULE = "substitution-variable";

/** What Flux substitutes: `${` and a variable name (its syntax), up to the closing brace; not `$${`, the escape. */
const VARIABLE = /(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}/;
const VARIABLES = new RegExp(VARIABLE.source, "g");

const OPT_OUT_ANNOTATION = "kustomize.toolkit.fluxcd.io/substitute";

/** Whether a file may hold a variable at all: the check every file pays. */
export function mayHoldVariables(text: string): boolean {
  return text.includes("${");
}

/** A file with a Flux Kustomization's values put in: what Flux applies. */
export interface SubstitutedFile extends SourceFile {
  /** The variables left as written: no value here for them (the cluster's `substituteFrom` may have one). */
  readonly variablesLeft: ReadonlySet<string>;
  /**
   * What was put in (`by`: the Flux Kustomization, as a message names it). A validation cache entry keeps it, to make
   * the text again from the written file's blob when a warning is located in it (cli/validationCache.ts).
   */
  readonly substitute: FluxSubstitute;
}

/** The opt-out, written in a file: its documents are not told apart here, so such a file is taken as written. */
const OPTED_OUT = new RegExp(`${OPT_OUT_ANNOTATION.replace(/[./]/g, "\\$&")}["']?\\s*:\\s*["']?disabled`);

export function isSubstituted(file: SourceFile): file is SubstitutedFile {
  return "variablesLeft" in file;
}

/**
 * Every `${`, escaped (`$${`) or not, with what may follow: envsubst's forms `${var}`, `${var:=default}`,
 * `${var:-default}`, `${var=default}`, `${var-default}` are put in; others (`${var:0:3}`, `${var/a/b}`) are left.
 */
const REFERENCE = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)((:?[-=])([^}]*)|[^}]*)\}/g;

/**
 * The file as Flux applies it under `substitute` (the file itself when it holds no variable). A distinct blob id (the
 * written file's and a digest of what was put in, and by whom: substitutedBlobParts), so analyses of the file as
 * written and as substituted otherwise are never confused, in one process or through the validation cache.
 */
export function substitutedFile(file: SourceFile, substitute: FluxSubstitute): SourceFile {
  if (!mayHoldVariables(file.text) || OPTED_OUT.test(file.text)) return file;
  const left = new Set<string>();
  const text = file.text.replace(REFERENCE, (whole: string, escape: string, name: string, rest: string, operator: string | undefined, fallback: string | undefined) => {
    if (escape) return whole.slice(1); // Flux's escape: a literal ${...}
    const value = substitute.values[name];
    if (operator === undefined && rest !== "") {
      left.add(whole); // a form not modelled here
      return whole;
    }
    if (value !== undefined && !(operator?.startsWith(":") && value === "")) return value;
    if (fallback !== undefined && value === undefined && !substitute.fromCluster) return fallback;
    if (fallback !== undefined && value === "") return fallback;
    left.add(whole);
    return whole;
  });
  const substituted: SubstitutedFile = { path: file.path, text, blobId: `${file.blobId}:${substitutionDigest(substitute)}`, variablesLeft: left, substitute };
  return substituted;
}

/**
 * What a substituted file's analysis is a function of besides the written text: the values, whether the cluster may
 * give others, and the Flux Kustomization that puts them in (a variable left names it).
 */
function substitutionDigest({ values, fromCluster, by }: FluxSubstitute): string {
  return createHash("sha1").update(JSON.stringify([values, fromCluster, by])).digest("hex").slice(0, 12);
}

/**
 * The parts of a substituted file's blob id (substitutedFile): the written file's blob id and the digest of what was
 * put in; undefined for the id of a file as written.
 */
export function substitutedBlobParts(blobId: string): { readonly written: string; readonly digest: string } | undefined {
  const at = blobId.lastIndexOf(":");
  return at > 0 ? { written: blobId.slice(0, at), digest: blobId.slice(at + 1) } : undefined;
}

/**
 * The file's diagnostics with each document that holds variables said once. `documents` in file order; `resources`
 * the ones read from them.
 */
export function withSubstitutionVariables(
  file: string,
  documents: readonly YamlDocument[],
  resources: readonly Resource[],
  diagnostics: readonly Diagnostic[],
  locator: Locator,
  /** For a substituted file: the variables left (escaped ones, now literal text, are not), and whose values were put in. */
  substituted?: Pick<SubstitutedFile, "variablesLeft" | "substitute">,
  /** Indexes of the documents meshops skips (another tool's or API's): whatever Flux puts in them, meshops compares none. */
  skipped?: ReadonlySet<number>,
): readonly Diagnostic[] {
  const left = substituted?.variablesLeft;
  let result = diagnostics;
  const byDocument = new Map(resources.map((r) => [r.source?.docIndex, r]));
  documents.forEach((doc, i) => {
    if (skipped?.has(doc.index)) return;
    const resource = byDocument.get(doc.index);
    if (resource?.annotations?.[OPT_OUT_ANNOTATION] === "disabled") return;
    // The resource's own fields where there is one, so the paths are the control plane's; else the document as written.
    const found = variablesIn(resource ? resource.object : doc.value, left);
    if (!found) return;
    const end = documents[i + 1]?.line ?? Number.POSITIVE_INFINITY;
    const reported = found.paths.map((p) => (resource?.source ? reportedPath(resource.source.format, resource.type, formatPath(p)) : formatPath(p)));
    const consequence = (d: Diagnostic) =>
      d.file === file && d.line >= doc.line && d.line < end && d.severity === "error" && reported.some((p) => d.path === p || d.path.startsWith(`${p}.`) || d.path.startsWith(`${p}[`));
    const replaced = result.some(consequence);
    const effect = replaced ? "it reads documents as written" : "the control plane would get another value than meshops compares";
    const message = substituted
      ? `holds ${namesUpTo(found.variables, VARIABLES_NAMED)}, for which ${substituted.substitute.by} has no value in the repository (its substituteFrom reads the cluster's): ${effect}; give it one in postBuild.substitute, or render the folder (flux build kustomization) into one of its own for meshops`
      : `holds ${namesUpTo(found.variables, VARIABLES_NAMED)}, which Flux's post-build substitution (postBuild.substitute) replaces and meshops does not: ${effect}; render the folder (flux build kustomization) into one of its own for meshops, or exclude it`;
    const severity = replaced ? "error" : "warning";
    const first = found.paths[0] as PathSegments;
    const said = resource ? diagnosticAt(locator, resource, formatPath(first), message, SUBSTITUTION_RULE, severity) : atDocument(file, doc, first, message, severity, locator);
    result = [...result.filter((d) => !consequence(d)), said];
  });
  return result;
}

/** Variables a message names; past these, a count (a template may hold dozens). */
const VARIABLES_NAMED = 3;

/** The variables of a value, in the order written, and the paths of the strings (or keys) holding them. */
function variablesIn(value: JsonValue, left: ReadonlySet<string> | undefined): { paths: PathSegments[]; variables: string[] } | undefined {
  const variables: string[] = [];
  const paths: PathSegments[] = [];
  const take = (text: string, path: PathSegments): void => {
    if (!VARIABLE.test(text)) return;
    const found = [...text.matchAll(VARIABLES)].map(([variable]) => variable).filter((variable) => !left || left.has(variable));
    if (found.length === 0) return;
    paths.push(path);
    for (const variable of found) if (!variables.includes(variable)) variables.push(variable);
  };
  const visit = (v: JsonValue, path: (string | number)[]): void => {
    if (typeof v === "string") take(v, path);
    else if (Array.isArray(v)) v.forEach((item, i) => visit(item, [...path, i]));
    else if (v !== null && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        take(key, [...path, key]);
        visit(item, [...path, key]);
      }
    }
  };
  visit(value, []);
  return paths.length > 0 ? { paths, variables } : undefined;
}

function atDocument(file: string, doc: YamlDocument, path: PathSegments, message: string, severity: "error" | "warning", locator: Locator): Diagnostic {
  const at = locator.locate(file, doc.index, path) ?? doc;
  return { severity, file, line: at.line, column: at.column, resource: "", path: formatPath(path), message: boundedMessage(message), rule: SUBSTITUTION_RULE };
}
