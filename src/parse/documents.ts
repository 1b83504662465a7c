import { LineCounter, parseAllDocuments, type Document } from "yaml";
import type { JsonValue } from "../model/resource.js";
import { coreName } from "../kuma/naming.js";
import { parseDocumentsFast } from "./fastYaml.js";

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
  readonly rule: "yaml-syntax" | "duplicate-key" | "yaml-alias-limit";
}

export interface ParsedYaml {
  readonly documents: readonly YamlDocument[];
  readonly problems: readonly YamlProblem[];
}

/** Aliases beyond this are refused: a few lines of anchors can otherwise expand into gigabytes ("billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parses every document of a file. The fast path handles the plain block style real policy files use; anything
 * else (anchors, block scalars, errors...) goes through the full `yaml` parser, which also reports the problems.
 */
export function parseYaml(text: string): ParsedYaml {
  const fast = parseDocumentsFast(text);
  if (fast) {
    return {
      documents: fast.flatMap((d, index) => (d.value === null ? [] : [{ index, line: d.line, column: d.column, value: d.value }])),
      problems: [],
    };
  }
  return parseYamlFully(text);
}

export function parseYamlFully(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { uniqueKeys: true, lineCounter, prettyErrors: false });
  const documents: YamlDocument[] = [];
  const problems: YamlProblem[] = [];
  const at = (offset: number) => lineCounter.linePos(offset);

  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      // A document with a syntax error is dropped whole: half a document must never become a resource.
      const identity = identify(doc);
      for (const error of doc.errors) {
        const pos = at(error.pos[0]);
        problems.push({
          ...(identity ? { identity } : {}),
          line: pos.line,
          column: pos.col,
          rule: error.code === "DUPLICATE_KEY" ? "duplicate-key" : "yaml-syntax",
          message: error.code === "DUPLICATE_KEY" ? `duplicate key: ${duplicateKeyName(text, error.pos[0])}` : firstLine(error.message),
        });
      }
      return;
    }
    if (doc.contents === null) return;
    const start = at(doc.contents.range[0]);
    try {
      const value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JsonValue;
      if (value === null || value === undefined) return;
      documents.push({ index, line: start.line, column: start.col, value });
    } catch (error) {
      problems.push({
        line: start.line,
        column: start.col,
        rule: "yaml-alias-limit",
        message: `document expands more than ${MAX_ALIAS_COUNT} aliases (${(error as Error).message}); refused`,
      });
    }
  });
  return { documents, problems };
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
    const type = text(doc.get("type")) ?? text(doc.get("kind"));
    const plainName = text(doc.getIn(["metadata", "name"]));
    const namespace = text(doc.getIn(["metadata", "namespace"]));
    // A namespaced Kubernetes resource's name in the control plane's API carries its namespace (src/kuma/naming.ts).
    const name = text(doc.get("name")) ?? (plainName && namespace && type !== "Mesh" ? coreName(plainName, namespace) : plainName);
    const mesh = text(doc.get("mesh")) ?? text(doc.getIn(["metadata", "labels", "kuma.io/mesh"]));
    if (!type && !name) return undefined;
    return { ...(type ? { type } : {}), ...(name ? { name } : {}), ...(mesh ? { mesh } : {}) };
  } catch {
    return undefined; // a document too broken to query still gets its syntax error reported
  }
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
