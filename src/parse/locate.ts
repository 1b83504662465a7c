import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { JsonValue } from "../model/resource.js";
import type { PathSegments } from "../model/fieldPath.js";
import { parseDocumentsFast, type FastDocument } from "./fastYaml.js";
import { parseAsGoYamlReads, type FullYaml, type ParsedYaml } from "./documents.js";

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Another name the field `key` may be written under, below `at` (the path before it): what a reader takes as the
 * same field (jsonpb reads a protobuf field by its proto name too). Asked only when `key` itself is not written.
 */
export type KeyAlias = (at: PathSegments, key: string) => string | undefined;

/** Files kept at once: callers ask file by file, so a few suffice, and memory stays flat whatever the repository. */
const FILES_KEPT = 4;

/** A file read for locating: the fast scanner's documents (values and entry offsets), else the full parser's. */
interface Parsed {
  readonly text: string;
  readonly fast?: readonly FastDocument[];
  /** The last offset turned into a position (fast): the next one counts lines on from there when it lies after. */
  cursor?: LineCursor;
  /** Handed over, or made when first needed: the full parse (no fast documents, or reordered keys). */
  full?: FullYaml;
}

/** An offset of a text, with the line it is on (1-based) and where that line starts. */
interface LineCursor {
  readonly offset: number;
  readonly line: number;
  readonly lineStart: number;
}

/**
 * Finds the line and column of a field in a file. Positions are only needed for fields that have problems, so none
 * are worked out up front: the fast scanner records where each entry starts (one number per entry) and a field's
 * position is found by walking the parsed value. A caller that has parsed the file already hands its documents over
 * (`remember`), so locating costs no second parse however many problems the file has; otherwise the file is read
 * again, by the fast scanner or, for YAML outside its subset, by the full parser. Only the last few files are kept.
 */
export class Locator {
  private readonly parsed = new Map<string, Parsed>();

  constructor(
    private readonly textOf: (file: string) => string | undefined,
    /** false: always the full parser (the differential test compares both). */
    private readonly useFastScanner = true,
  ) {}

  /**
   * Takes over the documents `file` was parsed into from `text` (parse/documents.ts `parseYaml`), by the fast scanner
   * or the full parser, which must not have been changed since. Without either, the file is read again when asked.
   */
  remember(file: string, text: string, { fast, full }: Pick<ParsedYaml, "fast" | "full">): void {
    if (fast || full) this.keep(file, { text, fast, full });
  }

  /**
   * Position of the deepest existing node on `path` in document `docIndex` of `file`; the key of a map entry when the
   * path ends at one. A key not written is looked for under its `alias`, if any.
   */
  locate(file: string, docIndex: number, path: PathSegments, alias?: KeyAlias): Position | undefined {
    const entry = this.parse(file);
    if (!entry) return undefined;
    const doc = entry.fast?.[docIndex];
    if (entry.fast && (!doc || doc.value === null)) return undefined;
    if (doc?.offsets) {
      const offset = locateFast(doc, doc.offsets, path, alias);
      return offset === undefined ? { line: doc.line, column: doc.column } : positionAt(entry, offset);
    }
    entry.full ??= parseFully(entry.text);
    return locateFull(entry.full.docs, entry.full.lines, docIndex, path, alias);
  }

  /**
   * The text of the plain scalar at exactly `path` (undefined when the path ends elsewhere, or at a quoted scalar or
   * a collection): what a message about a YAML 1.1 typing quotes. Read with the full parser, which keeps each
   * scalar's source; only diagnostics ask.
   */
  plainScalarAt(file: string, docIndex: number, path: PathSegments, alias?: KeyAlias): string | undefined {
    const entry = this.parse(file);
    if (!entry) return undefined;
    entry.full ??= parseFully(entry.text);
    let node: Node | null = (entry.full.docs[docIndex]?.contents as Node | null | undefined) ?? null;
    for (let i = 0; i < path.length && node; ) {
      const step = stepInto(node, path, i, alias);
      if (!step) return undefined;
      node = step.node;
      i += step.consumed;
    }
    return isScalar(node) && node.type === "PLAIN" && typeof node.source === "string" ? node.source : undefined;
  }

  private parse(file: string): Parsed | undefined {
    let entry = this.parsed.get(file);
    if (!entry) {
      const text = this.textOf(file);
      if (text === undefined) return undefined;
      const fast = this.useFastScanner ? parseDocumentsFast(text) : undefined;
      entry = fast ? { text, fast } : { text };
      this.keep(file, entry);
    }
    return entry;
  }

  private keep(file: string, entry: Parsed): void {
    this.parsed.delete(file);
    if (this.parsed.size >= FILES_KEPT) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(file, entry);
  }
}

function parseFully(text: string): FullYaml {
  const { docs, lines } = parseAsGoYamlReads(text, { uniqueKeys: false });
  return { docs, lines };
}

function locateFull(docs: readonly Document[], lines: LineCounter, docIndex: number, path: PathSegments, alias: KeyAlias | undefined): Position | undefined {
  const doc = docs[docIndex];
  if (!doc || !doc.contents) return undefined;
  const at = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  let node: Node | null = doc.contents as Node;
  let best = node.range ? at(node.range[0]) : undefined;
  for (let i = 0; i < path.length && node; ) {
    const step = stepInto(node, path, i, alias);
    if (!step) break;
    best = at(step.offset);
    node = step.node;
    i += step.consumed;
  }
  return best;
}

/**
 * The same walk over the fast scanner's value: the scanner recorded one offset per collection entry, in the order a
 * depth-first walk of the value meets them (keys in enumeration order, which is the text's), so an entry's offset is
 * found by counting the entries before it. The same answers as the full parser's nodes, as a test checks. The offset
 * of the deepest entry found; undefined for none (the document's own position).
 */
function locateFast(doc: FastDocument, offsets: readonly number[], path: PathSegments, alias: KeyAlias | undefined): number | undefined {
  let best: number | undefined;
  let node: JsonValue = doc.value;
  /** Index in `offsets` of the first entry of `node`. */
  let first = 0;
  for (let i = 0; i < path.length; ) {
    if (typeof node !== "object" || node === null) break;
    let found: { index: number; value: JsonValue; consumed: number } | undefined;
    if (Array.isArray(node)) {
      const segment = path[i];
      if (typeof segment === "number" && Number.isInteger(segment) && segment >= 0 && segment < node.length) {
        let index = first;
        for (let k = 0; k < segment; k++) index += 1 + entryCount(node[k] as JsonValue);
        found = { index, value: node[segment] as JsonValue, consumed: 1 };
      }
    } else {
      // As stepInto: a reported key may itself contain dots; the longest run of segments naming a key wins; then the
      // segment's alias.
      const object = node;
      const entryOf = (key: string, consumed: number) => {
        let index = first;
        for (const k in object) {
          if (k === key) break;
          index += 1 + entryCount(object[k] as JsonValue);
        }
        return { index, value: object[key] as JsonValue, consumed };
      };
      for (let end = path.length; end > i && !found; end--) {
        const parts = path.slice(i, end);
        if (parts.some((p) => typeof p === "number")) continue;
        const key = parts.join(".");
        if (Object.hasOwn(object, key)) found = entryOf(key, end - i);
      }
      const other = found || typeof path[i] !== "string" ? undefined : alias?.(path.slice(0, i), path[i] as string);
      if (other !== undefined && Object.hasOwn(object, other)) found = entryOf(other, 1);
    }
    const offset = found ? offsets[found.index] : undefined;
    if (!found || offset === undefined) break;
    best = offset;
    node = found.value;
    first = found.index + 1;
    i += found.consumed;
  }
  return best;
}

/** How many collection entries a value holds, at every depth (0 for a scalar). */
function entryCount(value: JsonValue): number {
  if (typeof value !== "object" || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) for (const item of value) n += 1 + entryCount(item);
  else for (const key in value) n += 1 + entryCount(value[key] as JsonValue);
  return n;
}

/**
 * The line and column of `offset`, lines counted as yaml's LineCounter counts them (after each `\n`): on from the
 * last offset asked about when this one lies after it (a file's problems are mostly asked about in order), else from
 * the start. No table of the file's lines is made: most files are asked about once or twice, if at all.
 */
function positionAt(entry: Parsed, offset: number): Position {
  const text = entry.text;
  let { line, lineStart } = entry.cursor !== undefined && entry.cursor.offset <= offset ? entry.cursor : { line: 1, lineStart: 0 };
  for (let i = text.indexOf("\n", lineStart); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  entry.cursor = { offset, line, lineStart };
  return { line, column: offset - lineStart + 1 };
}

interface Step {
  readonly node: Node | null;
  readonly offset: number;
  readonly consumed: number;
}

function stepInto(node: Node, path: PathSegments, i: number, alias: KeyAlias | undefined): Step | undefined {
  const segment = path[i];
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment] as Node | undefined;
    return item?.range ? { node: item, offset: item.range[0], consumed: 1 } : undefined;
  }
  if (!isMap(node)) return undefined;
  const entry = (key: string, consumed: number): Step | undefined => {
    for (const pair of node.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
        return { node: (pair.value as Node | null) ?? null, offset: pair.key.range[0], consumed };
      }
    }
    return undefined;
  };
  // A reported key may itself contain dots (`labels.kuma.io/mesh`): try the longest run of segments that names a key.
  for (let end = path.length; end > i; end--) {
    const parts = path.slice(i, end);
    if (parts.some((p) => typeof p === "number")) continue;
    const found = entry(parts.join("."), end - i);
    if (found) return found;
  }
  const other = typeof segment === "string" ? alias?.(path.slice(0, i), segment) : undefined;
  return other === undefined ? undefined : entry(other, 1);
}
