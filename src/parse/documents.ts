import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Alias, type Document, type DocumentOptions, type Node, type ParseOptions, type SchemaOptions } from "yaml";
import type { JsonValue } from "../model/resource.js";
import { coreName } from "../kuma/naming.js";
import { kumaSecretKindOf } from "../kuma/secrets.js";
import { isSecretPath } from "../kuma/secretFields.js";
import type { PathSegments } from "../model/fieldPath.js";
import { decodeProblems } from "./decodeProblems.js";
import { indentAsGoYamlReads } from "./goIndentation.js";
import { parseDocumentsFast, type FastDocument } from "./fastYaml.js";
import { acceptQuoteEscapes, resolvePlainScalars } from "./yaml11.js";

/** One YAML document of a file, as plain data, with where it starts. */
export interface YamlDocument {
  /** 0-based position of the document in its file (empty documents are skipped but still counted). */
  readonly index: number;
  readonly line: number;
  readonly column: number;
  readonly value: JsonValue;
}

/** A YAML-level problem: the file (or one document of it) cannot be read as data. */
export interface YamlProblem {
  /** What the broken document seems to define, as far as it could be read ("" when unknown). */
  readonly identity?: PartialIdentity;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly rule: "yaml-syntax" | "duplicate-key" | "yaml-alias-limit" | "yaml-nesting-limit" | "yaml-decode";
  /** Absent: an error, and the document is not read. */
  readonly severity?: "warning";
  /** The field the problem is at, in the document as written (absent: the document as a whole). */
  readonly sourcePath?: PathSegments;
  /** The document's index (`YamlDocument.index`), for a warning about a document that is read. */
  readonly docIndex?: number;
}

export interface ParsedYaml {
  readonly documents: readonly YamlDocument[];
  readonly problems: readonly YamlProblem[];
  /** The fast scanner's documents, when it read the file: a Locator can take them over (Locator.remember). */
  readonly fast?: readonly FastDocument[];
  /** The full parser's, when it read the file: the same for a Locator. */
  readonly full?: FullYaml;
}

/** The full parser's documents of a file and its lines: what a position in them is found with. */
export interface FullYaml {
  readonly docs: readonly Document[];
  readonly lines: LineCounter;
}

/**
 * How every YAML text is read. Merge keys (`<<: *defaults`) are merged, as the YAML 1.1 readers of kubectl and the
 * control plane (sigs.k8s.io/yaml) merge them; a quoted "<<" stays a plain key there and here. The package's own
 * warnings (a collection key stringified) are not printed: they would reach stderr as Node process warnings, and what
 * they are about is a diagnostic of meshops' own (decodeProblems.ts).
 */
export const YAML_OPTIONS = { uniqueKeys: true, merge: true, logLevel: "error" } as const;

/**
 * The full parser's documents of a mesh resource file, their plain scalars typed as Kuma's readers type them (YAML
 * 1.1, yaml11.ts) rather than with the `yaml` package's YAML 1.2 core schema. Documents with errors are left as
 * composed: they are reported, never read.
 */
export function parseDocumentsAsKuma(text: string, options: ParseOptions & DocumentOptions & SchemaOptions = {}): Document.Parsed[] {
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, ...options }) as Document.Parsed[];
  for (const doc of docs) {
    acceptQuoteEscapes(doc, text);
    if (doc.errors.length === 0) resolvePlainScalars(doc);
  }
  return docs;
}

/** The documents, parsed from `text`: the text as go-yaml reads it (goIndentation.ts), which offsets are into. */
export interface GoYamlParse {
  readonly docs: Document.Parsed[];
  readonly text: string;
  readonly lines: LineCounter;
}

/**
 * parseDocumentsAsKuma on the text as go-yaml v2 (kumactl, kubectl) reads it: where the `yaml` package refuses a
 * quoted scalar's or a flow collection's line for its indentation, which go-yaml does not check, that region's short
 * lines are indented first (indentAsGoYamlReads; the same lines, the same values).
 */
export function parseAsGoYamlReads(text: string, options: ParseOptions & DocumentOptions & SchemaOptions = {}): GoYamlParse {
  for (let regions = 0; ; regions++) {
    const lines = new LineCounter();
    const docs = parseDocumentsAsKuma(text, { ...options, lineCounter: lines });
    // One region per parse: a bound keeps a file of thousands of them (hostile, or generated) from costing thousands of parses.
    const indented = regions < MAX_REINDENTED_REGIONS ? indentAsGoYamlReads(text, docs) : undefined;
    if (indented === undefined || indented === text) return { docs, text, lines };
    text = indented;
  }
}

/** Regions parseAsGoYamlReads indents at most per file; beyond, the `yaml` package's errors are reported as they are. */
export const MAX_REINDENTED_REGIONS = 32;

/** Aliases beyond this are refused: a few lines of anchors can otherwise expand into gigabytes ("billion laughs"). */
export const MAX_ALIAS_COUNT = 100;
/**
 * Nodes that aliases may add to a document once expanded. The alias count alone misses an anchor on a wide node
 * (a list of 10,000 items aliased 100 times): what counts is how much the aliases copy.
 */
export const MAX_ALIAS_EXPANSION = 10_000;
/** Collections nested deeper than this are refused (no resource comes close; deeper only exhausts the stack). */
export const MAX_NESTING = 100;

/**
 * Parses every document of a file. The fast path handles the block style real policy files use; anything else
 * (anchors, tags, multi-line flow collections, errors...) goes through the full `yaml` parser, which also reports the
 * problems.
 */
export function parseYaml(text: string): ParsedYaml {
  const fast = parseDocumentsFast(text);
  // A value Kuma's readers may refuse, or meshops may not hold as written: the full parser finds out (decodeProblems.ts).
  if (fast?.some((d) => d.suspect)) return { ...parseYamlFully(text), fast };
  if (fast) {
    const documents: YamlDocument[] = [];
    const problems: YamlProblem[] = [];
    fast.forEach((d, index) => {
      if (d.value === null) return;
      if (d.depth > MAX_NESTING) problems.push(nestingProblem(d.line, d.column));
      else documents.push({ index, line: d.line, column: d.column, value: d.value });
    });
    return { documents, problems, fast };
  }
  return parseYamlFully(text);
}

const NESTING_MESSAGE = `document nests collections more than ${MAX_NESTING} levels deep; refused`;

function nestingProblem(line: number, column: number): YamlProblem {
  return { line, column, rule: "yaml-nesting-limit", message: NESTING_MESSAGE };
}

/** How deep collections nest in a value (0 for a scalar), without recursion: the value itself may be too deep for it. */
function nestingDepth(value: JsonValue): number {
  let deepest = 0;
  const stack: [JsonValue, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [JsonValue, number];
    if (v === null || typeof v !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Nodes of a document without and with its aliases expanded, computed without expanding anything (each node's
 * expanded size is counted once). Infinity for a recursive alias.
 */
function nodeCounts(doc: Document, root: Node): { plain: number; expanded: number; unresolved?: Alias } {
  const sizes = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  const children = (node: unknown): unknown[] =>
    isCollection(node) ? node.items.flatMap((item) => (isPair(item) ? [item.key, item.value] : [item])).filter((c) => c !== null && c !== undefined) : [];
  let plain = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack[stack.length - 1];
    if (sizes.has(node)) {
      stack.pop();
      continue;
    }
    const target = isAlias(node) ? node.resolve(doc) : undefined;
    // An alias of an anchor the document does not set (yaml reports it only when converting).
    if (isAlias(node) && target === undefined) return { plain, expanded: plain, unresolved: node };
    const kids = target ? [target] : children(node);
    if (!inProgress.has(node)) {
      inProgress.add(node);
      plain++;
      for (const kid of kids) {
        if (inProgress.has(kid) && !sizes.has(kid)) return { plain, expanded: Infinity }; // an alias of its own ancestor
        if (!sizes.has(kid)) stack.push(kid);
      }
      continue;
    }
    stack.pop();
    inProgress.delete(node);
    const size = target ? (sizes.get(target) ?? 1) : kids.reduce((sum: number, kid) => sum + (sizes.get(kid) ?? 1), 1);
    sizes.set(node, size);
  }
  return { plain, expanded: sizes.get(root) ?? 1 };
}

/**
 * Where the first `{{` outside a quoted scalar is (-1: none). A quoted one is YAML (MeshIdentity's and
 * HostnameGenerator's Go templates); a bare one is a template's own syntax (Helm's `{{- if ... }}`, `name: {{ ... }}`).
 */
export function templateStart(text: string): number {
  for (let at = text.indexOf("{{"); at >= 0; at = text.indexOf("{{", at + 2)) {
    const lineStart = text.lastIndexOf("\n", at) + 1;
    const before = text.slice(lineStart, at);
    if (!before.includes('"') && !before.includes("'")) return at;
  }
  return -1;
}

const TEXT_AFTER_MARKER_MESSAGE = "text after the document marker `---` on its line: a document starts on the line after it (a comment may follow the marker)";

/** Whether `offset` is on a line that starts with the document marker `---` and goes on with more than a comment. */
function isTextAfterMarker(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = text.indexOf("\n", offset);
  return /^---[ \t]+[^#\s]/.test(text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd));
}

const TEMPLATE_MESSAGE =
  "not YAML until rendered: it holds template syntax ({{ … }}); a Helm chart or another template is not mesh configuration: list it under `exclude:` in meshops.yaml";

export function parseYamlFully(written: string): ParsedYaml {
  // Offsets and positions are into the text as go-yaml reads it: the same lines as written.
  const { docs, text, lines: lineCounter } = parseAsGoYamlReads(written, { prettyErrors: false });
  const documents: YamlDocument[] = [];
  const problems: YamlProblem[] = [];
  const at = (offset: number) => lineCounter.linePos(offset);
  const template = docs.some((doc) => doc.errors.length > 0) ? templateStart(text) : -1;
  if (template >= 0) return templateProblem(at(template));

  let templateAt: number | undefined;
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      // A document with a syntax error is dropped whole: half a document must never become a resource.
      const identity = identify(doc);
      for (const problem of syntaxProblems(doc, text, at)) problems.push(identity ? { identity, ...problem } : problem);
      return;
    }
    if (doc.contents === null) return;
    const start = at(doc.contents.range[0]);
    const refused = aliasProblem(doc);
    if (refused) {
      const identity = refused.rule === "yaml-syntax" ? identify(doc) : undefined;
      const pos = at(refused.offset);
      problems.push({ ...(identity ? { identity } : {}), line: pos.line, column: pos.col, rule: refused.rule, message: refused.message });
      return;
    }
    // The document's span of text, comments before it included; the last one's to the end of the text.
    const span = [index === 0 ? 0 : (docs[index - 1]?.range[2] ?? 0), index === docs.length - 1 ? text.length : doc.range[2]] as const;
    const decode = decodeProblems(doc, text, span, secretFieldsOf(doc));
    // `name: {{ .Values.name }}` is YAML (a flow mapping whose key is one): a template all the same, said as one.
    const braces = decode.find((p) => text.startsWith("{{", p.offset) || text.startsWith("{{", p.offset - 1));
    if (braces && templateAt === undefined) templateAt = text.startsWith("{{", braces.offset) ? braces.offset : braces.offset - 1;
    if (decode.length > 0) {
      const identity = identify(doc);
      for (const { offset, sourcePath, message, severity } of decode) {
        const pos = at(offset);
        problems.push({ ...(identity ? { identity } : {}), line: pos.line, column: pos.col, rule: "yaml-decode", message, sourcePath, ...(severity ? { severity, docIndex: index } : {}) });
      }
      // Like a syntax error, a value kumactl and kubectl refuse (or meshops would change) drops the document whole.
      if (decode.some((p) => p.severity === undefined)) return;
    }
    const read = documentValue(doc);
    if ("problem" in read) problems.push({ line: start.line, column: start.col, ...read.problem });
    else if (read.value !== null) documents.push({ index, line: start.line, column: start.col, value: read.value });
  });
  if (templateAt !== undefined) return templateProblem(at(templateAt));
  return { documents, problems, full: { docs, lines: lineCounter } };
}

const CONTENT = /\S/g;

/**
 * An offset in the blank end of the text (where the parser notices an unclosed bracket or quote) moved to just after
 * the last character with content: a line of the file, as go-yaml says it (`line 15: did not find expected ']'`),
 * where an editor or a pull request's annotation can show it.
 */
function inContent(text: string, offset: number): number {
  CONTENT.lastIndex = offset;
  if (CONTENT.test(text)) return offset;
  let end = Math.min(offset, text.length);
  while (end > 0 && /\s/.test(text.charAt(end - 1))) end--;
  return end;
}

/**
 * A document's syntax errors as meshops says them, one problem a line: the parser's errors on one line are one mistake,
 * said in one message (`--- some text` gave two lines). `at`: a text offset's line and column.
 */
export function syntaxProblems(doc: Document.Parsed, text: string, at: (offset: number) => { line: number; col: number }): YamlProblem[] {
  const problems: YamlProblem[] = [];
  let last: YamlProblem | undefined;
  for (const error of doc.errors) {
    const pos = at(inContent(text, error.pos[0]));
    const said = isTextAfterMarker(text, error.pos[0]) ? { rule: "yaml-syntax" as const, message: TEXT_AFTER_MARKER_MESSAGE } : describeYamlError(error, text);
    if (last && last.line === pos.line && last.rule === "yaml-syntax" && said.rule === "yaml-syntax") {
      if (!last.message.split("; ").includes(said.message)) problems[problems.length - 1] = last = { ...last, message: `${last.message}; ${said.message}` };
      continue;
    }
    const sourcePath = error.code === "DUPLICATE_KEY" ? keyPathAt(doc, error.pos[0]) : undefined;
    last = { line: pos.line, column: pos.col, ...said, ...(sourcePath ? { sourcePath } : {}) };
    problems.push(last);
  }
  return problems;
}

/**
 * What refuses a document for its aliases before any is expanded: an alias of an anchor the document does not set, or
 * aliases that would add more than MAX_ALIAS_EXPANSION nodes. `offset` is the alias's, or the document's.
 */
export function aliasProblem(doc: Document.Parsed): { offset: number; rule: "yaml-syntax" | "yaml-alias-limit"; message: string } | undefined {
  if (doc.contents === null) return undefined;
  const counts = nodeCounts(doc, doc.contents);
  if (counts.unresolved) {
    const { source, range } = counts.unresolved;
    const message = `unresolved alias *${source}: the document sets no anchor &${source} before it (anchors do not carry across documents)`;
    return { offset: range?.[0] ?? doc.contents.range[0], rule: "yaml-syntax", message };
  }
  if (counts.expanded - counts.plain > MAX_ALIAS_EXPANSION) {
    const added = Number.isFinite(counts.expanded) ? `${counts.expanded - counts.plain} nodes` : "endlessly (a recursive alias)";
    return { offset: doc.contents.range[0], rule: "yaml-alias-limit", message: `aliases expand the document by ${added}, more than the limit of ${MAX_ALIAS_EXPANSION}; refused` };
  }
  return undefined;
}

/** A document's value (null for an empty one), or what refuses it: more than MAX_ALIAS_COUNT aliases, or nesting past MAX_NESTING. */
export function documentValue(doc: Document.Parsed): { value: JsonValue } | { problem: Pick<YamlProblem, "rule" | "message"> } {
  let value: JsonValue | undefined;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JsonValue | undefined;
  } catch (error) {
    return { problem: { rule: "yaml-alias-limit", message: `document expands more than ${MAX_ALIAS_COUNT} aliases (${(error as Error).message}); refused` } };
  }
  if (value === undefined || value === null) return { value: null };
  if (nestingDepth(value) > MAX_NESTING) return { problem: { rule: "yaml-nesting-limit", message: NESTING_MESSAGE } };
  return { value };
}

/** A Helm (or other) template: its syntax errors would only be the template's, one after another. */
function templateProblem(pos: { line: number; col: number }): ParsedYaml {
  return { documents: [], problems: [{ line: pos.line, column: pos.col, rule: "yaml-syntax", message: TEMPLATE_MESSAGE }] };
}

/**
 * Whether a path of the document holds a secret (src/kuma/secretFields.ts), read from its value when first asked: only a
 * document with a problem to report pays for it. One that cannot be read whole is taken to hold secrets everywhere.
 */
function secretFieldsOf(doc: Document): (path: PathSegments) => boolean {
  let value: JsonValue | undefined | null;
  return (path) => {
    if (value === undefined) {
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JsonValue;
      } catch {
        value = null;
      }
    }
    return value === null || isSecretPath(value, path);
  };
}

/**
 * The path of the key written at `offset` (a duplicate key's), in the document as composed despite its errors; none
 * when no key starts there. An explicit stack: the document may nest as deep as it likes.
 */
function keyPathAt(doc: Document, offset: number): PathSegments | undefined {
  const stack: [unknown, PathSegments][] = [[doc.contents, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, PathSegments];
    if (isSeq(node)) node.items.forEach((item, i) => stack.push([item, [...path, i]]));
    else if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const segment = isScalar(key) ? String(key.value ?? "") : "";
        if (key?.range?.[0] === offset) return [...path, segment];
        stack.push([pair.value, [...path, segment]]);
      }
    }
  }
  return undefined;
}

/** type/kind, mesh and name of a document, read from whatever part of it parsed. */
export interface PartialIdentity {
  readonly type?: string;
  readonly mesh?: string;
  readonly name?: string;
}

function identify(doc: Document): PartialIdentity | undefined {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  try {
    // A Kubernetes Secret of Kuma's types: its `type` is Kubernetes' Secret type, its name the plain one (all of them
    // live in the system namespace), a GlobalSecret has no mesh (src/kuma/secrets.ts).
    const secret = kumaSecretKindOf(doc.get("apiVersion"), doc.get("kind"), doc.get("type"));
    const type = secret ?? text(doc.get("type")) ?? text(doc.get("kind"));
    const plainName = text(doc.getIn(["metadata", "name"]));
    const namespace = text(doc.getIn(["metadata", "namespace"]));
    // A namespaced Kubernetes resource's name in the control plane's API carries its namespace (src/kuma/naming.ts).
    const name = text(doc.get("name")) ?? (plainName && namespace && type !== "Mesh" && !secret ? coreName(plainName, namespace) : plainName);
    const mesh = secret === "GlobalSecret" ? undefined : (text(doc.get("mesh")) ?? text(doc.getIn(["metadata", "labels", "kuma.io/mesh"])));
    if (!type && !name) return undefined;
    return { ...(type ? { type } : {}), ...(name ? { name } : {}), ...(mesh ? { mesh } : {}) };
  } catch {
    return undefined; // a document too broken to query still gets its syntax error reported
  }
}

/** A syntax error of the `yaml` package as meshops says it: a duplicate key named, the message's first line. */
export function describeYamlError(error: { code: string; message: string; pos: [number, number] }, text: string): Pick<YamlProblem, "rule" | "message"> {
  if (error.code === "DUPLICATE_KEY") return { rule: "duplicate-key", message: `duplicate key: ${duplicateKeyName(text, error.pos[0])}` };
  // The parser recurses per nesting level: a deep enough document exhausts the stack before any limit of ours.
  if (/Maximum call stack size exceeded/.test(error.message)) return { rule: "yaml-nesting-limit", message: NESTING_MESSAGE };
  return { rule: "yaml-syntax", message: firstLine(error.message) };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** The key text at a duplicate-key error's offset, for a message that names it. */
function duplicateKeyName(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const match = /^["']?([^"':\n]+)/.exec(rest);
  return match?.[1] ? `"${match[1].trim()}"` : "(unnamed)";
}
