import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import type { PathSegments } from "./fieldPath.js";

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Trees kept at once: callers ask file by file, so a few suffice, and memory stays flat whatever the repository. */
const TREES_KEPT = 4;

/**
 * Finds the line and column of a field in a file. Positions are only needed for the few documents that have
 * problems, so files are parsed fully (with a CST) on demand instead of carrying positions for every field, and only
 * the last few files' trees are kept.
 */
export class Locator {
  private readonly parsed = new Map<string, { docs: Document[]; lines: LineCounter }>();

  constructor(private readonly textOf: (file: string) => string | undefined) {}

  /** Position of the deepest existing node on `path` in document `docIndex` of `file`; the key of a map entry when the path ends at one. */
  locate(file: string, docIndex: number, path: PathSegments): Position | undefined {
    const entry = this.parse(file);
    const doc = entry?.docs[docIndex];
    if (!entry || !doc || !doc.contents) return undefined;
    const at = (offset: number): Position => {
      const p = entry.lines.linePos(offset);
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

  private parse(file: string): { docs: Document[]; lines: LineCounter } | undefined {
    let entry = this.parsed.get(file);
    if (!entry) {
      const text = this.textOf(file);
      if (text === undefined) return undefined;
      const lines = new LineCounter();
      entry = { docs: parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false }) as Document[], lines };
      if (this.parsed.size >= TREES_KEPT) this.parsed.delete(this.parsed.keys().next().value as string);
      this.parsed.set(file, entry);
    }
    return entry;
  }
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
