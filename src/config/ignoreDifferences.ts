/**
 * meshops.yaml `ignoreDifferences` (Argo CD's `ignoreDifferences`): per type, mesh and name, fields that someone else
 * owns on the live side (a controller, a person with kumactl) and that plan, apply and drift leave alone. Read here,
 * into paths of segments; src/diff/ignore.ts applies them. Pure.
 */
import { parsePath } from "../model/fieldPath.js";
import { MANAGED_BY_LABEL } from "../desired/ownership.js";

/** A path into a resource; `*` matches every index of an array or every key of an object. */
export type IgnorePath = readonly (string | number)[];

export const ANY_SEGMENT = "*";

/** One rule: `type`, `mesh`, `name` and `namespace` are globs (picomatch), all given ones must match (diff/ignore.ts selectorMatcher). */
export interface IgnoreDifferencesRule {
  readonly type: string;
  readonly mesh?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly paths: readonly IgnorePath[];
}

/** A rule as meshops.yaml spells it (its schema checked the shape). */
export interface IgnoreDifferencesEntry {
  readonly type: string;
  readonly mesh?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: readonly string[];
  readonly fieldPaths?: readonly string[];
}

export interface ConfigProblem {
  /** The meshops.yaml field, as a field path (`ignoreDifferences[0].jsonPointers[1]`). */
  readonly path: string;
  readonly message: string;
}

/** The fields that say which resource an object is: ignoring them would compare one resource with another. */
const IDENTITY = new Set(["type", "name", "mesh"]);

export function compileIgnoreDifferences(entries: readonly IgnoreDifferencesEntry[]): { rules: IgnoreDifferencesRule[]; problems: ConfigProblem[] } {
  const rules: IgnoreDifferencesRule[] = [];
  const problems: ConfigProblem[] = [];
  entries.forEach((entry, i) => {
    const paths: IgnorePath[] = [];
    const add = (field: "jsonPointers" | "fieldPaths", parse: (text: string) => IgnorePath | string) =>
      (entry[field] ?? []).forEach((text, j) => {
        const parsed = parse(text);
        const problem = typeof parsed === "string" ? parsed : whyNotIgnorable(parsed);
        if (problem !== undefined) problems.push({ path: `ignoreDifferences[${i}].${field}[${j}]`, message: `${JSON.stringify(text)}: ${problem}` });
        else paths.push(parsed as IgnorePath);
      });
    add("jsonPointers", parsePointer);
    add("fieldPaths", parseFieldPath);
    if (entry.jsonPointers === undefined && entry.fieldPaths === undefined) {
      problems.push({ path: `ignoreDifferences[${i}]`, message: "name the fields to ignore: jsonPointers or fieldPaths" });
    }
    if (paths.length > 0) rules.push({ type: entry.type, ...(entry.mesh !== undefined ? { mesh: entry.mesh } : {}), ...(entry.name !== undefined ? { name: entry.name } : {}), ...(entry.namespace !== undefined ? { namespace: entry.namespace } : {}), paths });
  });
  return { rules, problems };
}

/** RFC 6901: `/spec/to/0/default`, `~1` for `/` and `~0` for `~` in a key. */
function parsePointer(text: string): IgnorePath | string {
  if (!text.startsWith("/")) return 'a JSON pointer must start with "/" (/spec/to/0/default/idleTimeout)';
  return text
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The path syntax of meshops' own diagnostics: `spec.to[0].default.idleTimeout`, `labels["team.io/owner"]`, `[*]`. */
function parseFieldPath(text: string): IgnorePath | string {
  const segments = parsePath(text);
  return segments.length === 0 ? "an empty field path ignores nothing" : segments;
}

function whyNotIgnorable(path: IgnorePath): string | undefined {
  const [first, second] = path;
  if (path.length === 0 || (path.length === 1 && first === "")) return "the whole object cannot be ignored: name a field";
  if (typeof first === "string" && IDENTITY.has(first)) return `"${first}" identifies the resource and cannot be ignored`;
  if (first === "labels" && (path.length === 1 || second === MANAGED_BY_LABEL || second === ANY_SEGMENT)) {
    return `the ownership label (${MANAGED_BY_LABEL}) cannot be ignored: name the label to ignore`;
  }
  return undefined;
}
