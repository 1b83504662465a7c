import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import type { JsonValue } from "../model/resource.js";
import type { PathSegments } from "./fieldPath.js";
import { parseDocumentsFastWithOffsets, type EntryOffsets, type FastDocument } from "./fastYaml.js";

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Files kept at once: callers ask file by file, so a few suffice, and memory stays flat whatever the repository. */
const FILES_KEPT = 4;

/** A file read for locating: by the fast scanner, with its entries' offsets, or by the full parser. */
type Parsed =
  | { readonly kind: "fast"; readonly documents: readonly FastDocument[]; readonly offsets: EntryOffsets; readonly lineStarts: readonly number[] }
  | { readonly kind: "full"; readonly docs: readonly Document[]; readonly lines: LineCounter };

/**
 * Finds the line and column of a field in a file. Positions are only needed for documents that have problems, so
 * they are not kept with every parsed value: a file is read again when one is asked for, by the fast scanner (which
 * then records where each entry starts, at a fraction of the full parser's cost) or, for YAML outside its subset, by
 * the full parser. Only the last few files are kept.
 */
export class Locator {
  private readonly parsed = new Map<string, Parsed>();

  constructor(
    private readonly textOf: (file: string) => string | undefined,
    /** false: always the full parser (the differential test compares both). */
    private readonly useFastScanner = true,
  ) {}

  /** Position of the deepest existing node on `path` in document `docIndex` of `file`; the key of a map entry when the path ends at one. */
  locate(file: string, docIndex: number, path: PathSegments): Position | undefined {
    const entry = this.parse(file);
    if (!entry) return undefined;
    return entry.kind === "fast" ? locateFast(entry, docIndex, path) : locateFull(entry.docs, entry.lines, docIndex, path);
  }

  private parse(file: string): Parsed | undefined {
    let entry = this.parsed.get(file);
    if (!entry) {
      const text = this.textOf(file);
      if (text === undefined) return undefined;
      const fast = this.useFastScanner ? parseDocumentsFastWithOffsets(text) : undefined;
      if (fast) entry = { kind: "fast", ...fast, lineStarts: lineStartsOf(text) };
      else {
        const lines = new LineCounter();
        entry = { kind: "full", docs: parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false }) as Document[], lines };
      }
      if (this.parsed.size >= FILES_KEPT) this.parsed.delete(this.parsed.keys().next().value as string);
      this.parsed.set(file, entry);
    }
    return entry;
  }
}

function locateFull(docs: readonly Document[], lines: LineCounter, docIndex: number, path: PathSegments): Position | undefined {
  const doc = docs[docIndex];
  if (!doc || !doc.contents) return undefined;
  const at = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  let node: Node | null = doc.contents as Node;
  let best = node.range ? at(node.range[0]) : undefined;
  for (let i = 0; i < path.length && node; ) {
    const step = stepInto(node, path, i);
    if (!step) break;
    best = at(step.offset);
    node = step.node;
    i += step.consumed;
  }
  return best;
}

/** The same walk over the fast scanner's values and recorded offsets: the same answers, as a test checks. */
function locateFast(parsed: Extract<Parsed, { kind: "fast" }>, docIndex: number, path: PathSegments): Position | undefined {
  const doc = parsed.documents[docIndex];
  if (!doc || doc.value === null) return undefined;
  let best: Position = { line: doc.line, column: doc.column };
  let node: JsonValue = doc.value;
  for (let i = 0; i < path.length; ) {
    if (typeof node !== "object" || node === null) break;
    const entries = parsed.offsets.get(node);
    const segment = path[i];
    let found: { offset: number; value: JsonValue; consumed: number } | undefined;
    if (Array.isArray(node)) {
      const offset = typeof segment === "number" ? entries?.get(segment) : undefined;
      if (offset !== undefined) found = { offset, value: node[segment as number] as JsonValue, consumed: 1 };
    } else {
      // As stepInto: a reported key may itself contain dots; the longest run of segments naming a key wins.
      for (let end = path.length; end > i && !found; end--) {
        const parts = path.slice(i, end);
        if (parts.some((p) => typeof p === "number")) continue;
        const key = parts.join(".");
        const offset = Object.hasOwn(node, key) ? entries?.get(key) : undefined;
        if (offset !== undefined) found = { offset, value: node[key] as JsonValue, consumed: end - i };
      }
    }
    if (!found) break;
    best = positionOf(parsed.lineStarts, found.offset);
    node = found.value;
    i += found.consumed;
  }
  return best;
}

/** Offsets where lines start, as yaml's LineCounter counts them (after each `\n`). */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(lineStarts: readonly number[], offset: number): Position {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (lineStarts[low] as number) + 1 };
}

interface Step {
  readonly node: Node | null;
  readonly offset: number;
  readonly consumed: number;
}

function stepInto(node: Node, path: PathSegments, i: number): Step | undefined {
  const segment = path[i];
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment] as Node | undefined;
    return item?.range ? { node: item, offset: item.range[0], consumed: 1 } : undefined;
  }
  if (!isMap(node)) return undefined;
  // A reported key may itself contain dots (`labels.kuma.io/mesh`): try the longest run of segments that names a key.
  for (let end = path.length; end > i; end--) {
    const parts = path.slice(i, end);
    if (parts.some((p) => typeof p === "number")) continue;
    const key = parts.join(".");
    for (const pair of node.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
        return { node: (pair.value as Node | null) ?? null, offset: pair.key.range[0], consumed: end - i };
      }
    }
  }
  return undefined;
}
