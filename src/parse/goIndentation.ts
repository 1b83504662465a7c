/**
 * Indentation go-yaml v2 does not check. kumactl and kubectl read YAML with go-yaml v2 (sigs.k8s.io/yaml), whose
 * scanner checks no indentation inside a quoted scalar (yaml_parser_scan_flow_scalar) or a flow collection (in flow
 * context it unrolls no indentation): only a document marker (`---`, `...`) at a line's start is an error there. The
 * `yaml` package follows the YAML specification and ends a quoted scalar at a line indented no deeper than its key
 * ("Missing closing 'quote"), and refuses a flow collection's line so indented ("Flow map in block collection must be
 * sufficiently indented"). Kong's documented ContainerPatch (`value: '{` ... `}'`, the `}'` under `value`) is one.
 *
 * Such a region's short lines can be indented to its opening quote or bracket without changing a value (a continuation
 * line's leading blanks are not part of a quoted scalar, and separate tokens in a flow collection) or a line number:
 * only columns inside the region (and after it on its closing line) move. Pure: text in, text out.
 */
import { CST, Parser, type Document } from "yaml";

/** Where the yaml package refuses a flow collection's indentation (its BAD_INDENT error, this message). */
const FLOW_INDENT_MESSAGE = /^Flow (map|sequence) in block collection must be sufficiently indented/;

/**
 * The text with the first region go-yaml reads but the `yaml` package refused for its indentation (in `docs`, parsed
 * from `text`) indented to its opening quote or bracket; undefined when there is none.
 */
export function indentAsGoYamlReads(text: string, docs: readonly Document.Parsed[]): string | undefined {
  const flowErrors = docs.flatMap((doc) => doc.errors.filter((e) => e.code === "BAD_INDENT" && FLOW_INDENT_MESSAGE.test(e.message)).map((e) => e.pos[0]));
  if (!docs.some((doc) => doc.errors.length > 0)) return undefined;
  try {
    for (const token of new Parser().parse(text)) {
      if (token.type !== "document") continue;
      let region: { start: number; end: number } | undefined;
      CST.visit(token, (item) => {
        for (const node of [item.key, item.value]) {
          region = node ? refusedRegion(text, node, flowErrors) : undefined;
          if (region) return CST.visit.BREAK;
        }
        return undefined;
      });
      if (region) return indentRegion(text, region.start, region.end);
    }
  } catch (error) {
    // Collections nested too deep for the CST's recursive walk: their nesting is the error reported (documents.ts).
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  return undefined;
}

/** The quoted scalar the yaml package cut short, or the flow collection it refused a line of: where go-yaml reads it. */
function refusedRegion(text: string, token: CST.Token, flowErrors: readonly number[]): { start: number; end: number } | undefined {
  if (token.type === "single-quoted-scalar" || token.type === "double-quoted-scalar") {
    const end = quoteEnd(text, token.offset);
    // yaml ended the scalar before go-yaml's closing quote: at a line it found indented too little.
    return end >= 0 && end + 1 !== token.offset + token.source.length ? { start: token.offset, end } : undefined;
  }
  if (token.type === "flow-collection") {
    const start = token.start.offset;
    const end = flowEnd(text, start);
    return end >= 0 && flowErrors.some((at) => at > start && at <= end) ? { start, end } : undefined;
  }
  return undefined;
}

function indentRegion(text: string, start: number, end: number): string {
  const column = start - (text.lastIndexOf("\n", start - 1) + 1);
  const region = text.slice(start, end + 1).replace(/\n( *)(?=[^ \r\n])/g, (line: string, spaces: string) => (spaces.length >= column ? line : `\n${" ".repeat(column)}`));
  return text.slice(0, start) + region + text.slice(end + 1);
}

/** A document marker at `at`, a line's start: it ends go-yaml's stream even inside quotes or brackets. */
function documentMarkerAt(text: string, at: number): boolean {
  return /^(---|\.\.\.)([ \t\r\n]|$)/.test(text.slice(at, at + 4));
}

/** Where the quoted scalar opening at `start` closes, read as go-yaml v2 reads it; -1 where go-yaml fails too. */
function quoteEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (quote === "'" && c === "'") {
      if (text[i + 1] !== "'") return i;
      i++;
    } else if (quote === '"' && c === '"') return i;
    else if (quote === '"' && c === "\\") i++;
    if (text[i] === "\n" && documentMarkerAt(text, i + 1)) return -1;
  }
  return -1;
}

/**
 * Where the flow collection opening at `start` closes, read as go-yaml v2 reads it (quoted scalars and comments
 * skipped); -1 where go-yaml fails too.
 */
function flowEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      if (documentMarkerAt(text, i + 1)) return -1;
    } else if (c === "#" && /[ \t\r\n]/.test(text[i - 1] ?? "\n")) {
      const newline = text.indexOf("\n", i);
      if (newline < 0) return -1;
      i = newline - 1;
    } else if ((c === "'" || c === '"') && quoteMayStart(text, i)) {
      i = quoteEnd(text, i);
      if (i < 0) return -1;
    } else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** A quote starts a scalar after an indicator (`[`, `{`, `,`, `:`, `?`), not inside a plain scalar (`it's`). */
function quoteMayStart(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /[ \t\r\n]/.test(text[i] as string)) i--;
  return i < 0 || "[{,:?".includes(text[i] as string);
}
