/**
 * A fast path for the YAML that policy repositories are actually written in: block mappings and sequences of plain
 * or one-line quoted scalars, with the odd one-line flow list such as `proxyTypes: [Sidecar]`, and the literal and
 * folded block scalars (`|`, `>`) that MeshOPA's rego, a MeshProxyPatch's patch or an access log's format are written in.
 *
 * The `yaml` package builds a full CST and AST for every document, which caps a 50,000-document repository at
 * several seconds. This scanner makes one pass over the text, line by line, with a stack of open collections, and
 * builds the plain JS values directly.
 *
 * The contract: for every text it accepts, the result is exactly what the full parser gives
 * (`parseDocumentsAsKuma(text)` in documents.ts, each document `.toJS()`: plain scalars typed with YAML 1.1 rules as
 * Kuma's readers type them, yaml11.ts), and the position is the start of the document's contents node as yaml
 * reports it. It returns `undefined` ("use the full parser") for anything outside the subset, and for every input on
 * which yaml would report an error or warning: when in doubt, it falls back. test/fastYaml.test.ts checks this against yaml on handwritten, reference and random inputs.
 */
import type { JsonValue } from "../model/resource.js";
import { isRawUnread, plainKeyText, resolvePlain } from "./yaml11.js";

export interface FastDocument {
  value: JsonValue;
  /** 1-based line and column of the document's first content node */
  line: number;
  column: number;
  /** How deeply collections nest in `value` (0 for a scalar or null), as documents.ts limits it. */
  depth: number;
  /**
   * Where each entry of each collection starts in the text (for a mapping entry its key, for a sequence item its
   * node: the offsets the `yaml` package's nodes carry as `range[0]`), in the order a depth-first walk of `value`
   * meets them (see locate.ts). Undefined when the walk's order could differ from the text's: a mapping with an
   * integer-like key, which JavaScript enumerates first.
   */
  offsets?: number[];
  /**
   * Set when the document may hold what Kuma's readers refuse or a JavaScript number cannot hold as written: a number
   * that is not finite or beyond 2^53, a null key, or a key of 19 digits or more (beyond int64?). documents.ts then
   * reads the file with the full parser, whose nodes say which (parse/decodeProblems.ts).
   */
  suspect?: true;
}

/** Parses the common block-style subset of YAML; undefined when the text needs the full parser. */
export function parseDocumentsFast(text: string): FastDocument[] | undefined {
  return new FastYamlScanner(text).run();
}

type JsonObject = { [key: string]: JsonValue };
type Collection = JsonObject | JsonValue[];

// Character codes the scanner dispatches on.
const LF = 10;
const CR = 13;
const SPACE = 32;
const BANG = 33; // !
const DQUOTE = 34; // "
const HASH = 35; // #
const PERCENT = 37; // %
const AMP = 38; // &
const SQUOTE = 39; // '
const STAR = 42; // *
const COMMA = 44; // ,
const DASH = 45; // -
const DOT = 46; // .
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const COLON = 58; // :
const GT = 62; // >
const QUESTION = 63; // ?
const AT = 64; // @
const LBRACKET = 91; // [
const BACKSLASH = 92;
const RBRACKET = 93; // ]
const BACKTICK = 96; // `
const LOWER_X = 120;
const LBRACE = 123; // {
const PIPE = 124; // |
const RBRACE = 125; // }
const BOM = 0xfeff;
/** From here up, characters go-yaml v2 may not read as written (isRawUnread): the scanner falls back on them. */
const DEL = 0x7f;
const TAB = 9;

/**
 * Characters that may not start a plain scalar (YAML's c-indicator set). `-`, `?` and `:` may start one when followed
 * by a non-space, but only `-` (negative numbers, `-foo`) is common enough to be worth handling: the others fall back.
 */
const NOT_PLAIN_START = new Uint8Array(128);
for (const c of [DASH, QUESTION, COLON, COMMA, LBRACKET, RBRACKET, LBRACE, RBRACE, HASH, AMP, STAR, BANG, PIPE, GT]) {
  NOT_PLAIN_START[c] = 1;
}
for (const c of [SQUOTE, DQUOTE, PERCENT, AT, BACKTICK]) NOT_PLAIN_START[c] = 1;

const isFlowIndicator = (c: number): boolean =>
  c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;

/**
 * Double-quoted escapes that stand for one fixed string: yaml's table, less `\<TAB>` (tabs fall back) and `\/`, which
 * go-yaml v2 refuses (parse/decodeProblems.ts says so, after the full parser), plus go-yaml's `\'`.
 */
const SIMPLE_ESCAPES: (string | undefined)[] = [];
for (const [c, s] of Object.entries({
  "0": "\0",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
  " ": " ",
  '"': '"',
  "'": "'",
  "\\": "\\",
})) {
  SIMPLE_ESCAPES[c.charCodeAt(0)] = s;
}

// Collection kinds on the stack.
const MAP = 0;
const SEQ = 1;

// What the last line left open: a `key:` or a `-` whose value may be a collection on the following lines.
const PENDING_NONE = 0;
const PENDING_MAP_VALUE = 1;
const PENDING_SEQ_ITEM = 2;

// Why scanPlain stopped.
const STOP_END = 0; // end of line
const STOP_COLON = 1; // at a `:` value indicator (followed by space, end of line, or in flow a flow indicator)
const STOP_COMMENT = 2; // at a ` #` comment
const STOP_FLOW = 3; // at a flow indicator `,[]{}` (flow context only)

/**
 * yaml refuses implicit keys whose `:` is more than 1024 characters after the key's start; keys this long are not
 * worth getting the boundary exactly right for.
 */
const MAX_KEY_SPAN = 1000;

class FastYamlScanner {
  private readonly text: string;

  // Current line: its number, and the offset columns are counted from (yaml counts a leading BOM as a column).
  private lineNo = 0;
  private lineStart = 0;

  // The stack of open block collections: kind, indentation of their entries, and the value being built.
  private readonly kinds: number[] = [];
  private readonly indents: number[] = [];
  private readonly nodes: Collection[] = [];
  /** Where each open collection sits in its parent: its key, or its index in a sequence (unused for the root). */
  private readonly slots: (string | number)[] = [];
  private depth = 0;
  /** The deepest nesting of the document being read. */
  private docDepth = 0;
  private pending = PENDING_NONE;
  private pendingKey = "";

  // The document being read.
  private readonly docs: FastDocument[] = [];
  /** Entry offsets of the document being read, in depth-first order (see FastDocument.offsets). */
  private entryOffsets: number[] = [];
  /** Index in entryOffsets of a bare `-` item, whose offset moves to its nested collection if one follows. */
  private pendingItemMark = -1;
  /** The document has a mapping with an integer-like key: its entries' enumeration order is not the text's. */
  private reordered = false;
  /** See FastDocument.suspect. */
  private suspect = false;
  private docOpen = false;
  private root: Collection | null = null;
  private docLine = 0;
  private docColumn = 0;

  // The last scalar token scanned: its text (unescaped for quoted ones), whether it was quoted, where it ended.
  private tokStr = "";
  private tokQuoted = false;
  private cur = 0;
  private stopKind = STOP_END;
  /** Whether the last plain token contained a `:` that was not a value indicator (`a:b`, `http://x`). */
  private sawColon = false;
  /** Set by a block scalar, which reads the lines after its own: where the next line to scan starts (-1: the next one). */
  private resumeAt = -1;

  constructor(text: string) {
    this.text = text;
  }

  /** Records where the next entry (in depth-first order) starts. */
  private mark(offset: number): void {
    this.entryOffsets.push(offset);
  }

  run(): FastDocument[] | undefined {
    const text = this.text;
    const len = text.length;
    // A byte order mark is not content. yaml still counts it in the columns of line 1, and treats it as indentation
    // there, so on that line only unindented mapping keys are accepted (checked in the loop).
    const bom = len > 0 && text.charCodeAt(0) === BOM;
    let pos = bom ? 1 : 0;

    while (pos < len) {
      this.lineNo++;
      this.lineStart = this.lineNo === 1 ? 0 : pos;
      // Only `\n` and `\r\n` end lines for yaml; any other `\r` (even at the very end of the text) stays in the line
      // and makes the scanners fall back.
      let eol = text.indexOf("\n", pos);
      if (eol === -1) eol = len;
      const end = eol < len && eol > pos && text.charCodeAt(eol - 1) === CR ? eol - 1 : eol;
      const next = eol + 1;

      let i = pos;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      const indent = i - pos;
      if (i === end) {
        pos = next; // blank line
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === HASH) {
        if (!this.commentOk(i, end)) return undefined;
        pos = next;
        continue;
      }
      if (indent === 0 && (c === DASH || c === DOT) && this.isTriple(i, end, c)) {
        // `---` or `...` at column 0: a document marker when followed by a space or the end of the line.
        if (i + 3 < end && text.charCodeAt(i + 3) !== SPACE) return undefined; // `---x`: yaml reads a scalar
        if (!this.marker(c === DASH, i + 3, end)) return undefined;
        pos = next;
        continue;
      }
      if (bom && this.lineNo === 1 && (indent !== 0 || c === DASH)) return undefined;
      if (!this.contentLine(i, end, indent)) return undefined;
      pos = next;
      if (this.resumeAt >= 0) {
        pos = this.resumeAt;
        this.resumeAt = -1;
      }
    }
    if (this.docOpen) this.finishDoc();
    return this.docs;
  }

  private isTriple(i: number, end: number, c: number): boolean {
    const text = this.text;
    return i + 2 < end && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
  }

  /** A `---` (start) or `...` (end) line; `after` is just past the three characters. */
  private marker(isStart: boolean, after: number, end: number): boolean {
    const j = this.skipSpaces(after, end);
    if (j < end) {
      // Only a comment may follow on the same line: `--- key: value` and `--- |` are left to the full parser.
      if (this.text.charCodeAt(j) !== HASH || !this.commentOk(j, end)) return false;
    }
    if (isStart) {
      if (this.docOpen) this.finishDoc();
      this.openDoc();
      // Where yaml puts an empty document's (null) contents: just after `---` and the spaces that follow it.
      this.docLine = this.lineNo;
      this.docColumn = j - this.lineStart + 1;
      return true;
    }
    // `...` with no document open makes yaml emit an empty document of its own; too odd to be worth matching.
    if (!this.docOpen) return false;
    this.finishDoc();
    this.docOpen = false;
    return true;
  }

  private openDoc(): void {
    this.docOpen = true;
    this.root = null;
    this.depth = 0;
    this.pending = PENDING_NONE;
  }

  private finishDoc(): void {
    this.closeTo(0);
    // A document opened by `---` that never got content is null, like yaml's empty document.
    const doc: FastDocument = { value: this.root, line: this.docLine, column: this.docColumn, depth: this.docDepth };
    if (!this.reordered) doc.offsets = this.entryOffsets;
    if (this.suspect) doc.suspect = true;
    this.suspect = false;
    this.docs.push(doc);
    this.entryOffsets = [];
    this.reordered = false;
    this.root = null;
    this.docDepth = 0;
    this.pending = PENDING_NONE;
  }

  /**
   * One line with content at index i (its first non-space character), `indent` spaces in. Every content line is either
   * a sequence entry (`- ...`) or a mapping entry (`key: ...`); anything else (a root scalar, the continuation of a
   * multi-line scalar) falls back.
   */
  private contentLine(i: number, end: number, indent: number): boolean {
    const text = this.text;
    if (!this.docOpen) this.openDoc();

    const c = text.charCodeAt(i);
    if (c === DASH && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) {
      if (!this.place(indent, SEQ, i)) return false;
      let seq = this.nodes[this.depth - 1] as JsonValue[];
      let j = this.skipSpaces(i + 1, end);
      // `- - a`: the item is itself a sequence, whose entries are aligned with the inner `-` (yaml's stringify
      // writes arrays of arrays this way).
      while (j < end && text.charCodeAt(j) === DASH && (j + 1 === end || text.charCodeAt(j + 1) === SPACE)) {
        const inner: JsonValue[] = [];
        seq.push(inner);
        this.mark(j);
        this.push(SEQ, indent + (j - i), inner, seq.length - 1);
        seq = inner;
        j = this.skipSpaces(j + 1, end);
      }
      if (j === end || text.charCodeAt(j) === HASH) {
        // A bare `-`: its value is a collection on the following, deeper lines, or null if none comes.
        if (j < end && !this.commentOk(j, end)) return false;
        seq.push(null);
        this.pendingItemMark = this.entryOffsets.length;
        this.mark(j);
        this.pending = PENDING_SEQ_ITEM;
        return true;
      }
      return this.seqItemContent(seq, j, end, indent + (j - i));
    }

    // A mapping entry: the key first, so a line that turns out not to be `key:` falls back before touching the stack.
    if (!this.scanScalar(i, end, false)) return false;
    const colon = this.skipSpaces(this.cur, end);
    if (!this.isValueIndicator(colon, end)) return false;
    const key = this.keyString(i, colon);
    if (key === undefined) return false;
    if (!this.place(indent, MAP, i)) return false;
    const map = this.nodes[this.depth - 1] as JsonObject;
    this.mark(i);
    return this.mapEntry(map, key, colon + 1, end);
  }

  /** What follows `- `, starting at j (column `column`): a compact mapping `- key: value`, or a single value. */
  private seqItemContent(seq: JsonValue[], j: number, end: number, column: number): boolean {
    const text = this.text;
    const c = text.charCodeAt(j);
    if (c === PIPE || c === GT) {
      const value = this.blockScalar(j, end);
      if (value === undefined) return false;
      seq.push(value);
      this.mark(j);
      return true;
    }
    if (c === LBRACKET || c === LBRACE) {
      this.mark(j); // before the flow collection's own entries
      const value = this.parseFlow(j, end);
      if (value === undefined || !this.restOk(this.cur, end)) return false;
      seq.push(value);
      return true;
    }
    if (!this.scanScalar(j, end, false)) return false;
    const colon = this.skipSpaces(this.cur, end);
    if (this.isValueIndicator(colon, end)) {
      // `- key: value`: a mapping whose keys are aligned with this first key, one column past the `- `.
      const key = this.keyString(j, colon);
      if (key === undefined) return false;
      const map: JsonObject = {};
      seq.push(map);
      this.mark(j); // the item
      this.mark(j); // its first key
      this.push(MAP, column, map, seq.length - 1);
      return this.mapEntry(map, key, colon + 1, end);
    }
    const value = this.tokenValue();
    if (!this.restOk(this.cur, end)) return false;
    seq.push(value);
    this.mark(j);
    return true;
  }

  /** The value part of `key: value`, from just after the `:`. */
  private mapEntry(map: JsonObject, key: string, from: number, end: number): boolean {
    // yaml reports duplicate keys (uniqueKeys compares resolved scalars); keys that collide only once stringified
    // (`1` and `"1"`) are legal but rare, so any collision falls back.
    if (Object.hasOwn(map, key)) return false;
    const text = this.text;
    const v = this.skipSpaces(from, end);
    if (v === end || text.charCodeAt(v) === HASH) {
      // `key:` alone: null, unless the following lines hold a nested collection (place() attaches it then).
      if (v < end && !this.commentOk(v, end)) return false;
      map[key] = null; // set now so the key keeps its position in the object
      this.pending = PENDING_MAP_VALUE;
      this.pendingKey = key;
      return true;
    }
    const c = text.charCodeAt(v);
    let value: JsonValue | undefined;
    if (c === PIPE || c === GT) {
      value = this.blockScalar(v, end);
      if (value === undefined) return false;
      map[key] = value;
      return true;
    }
    if (c === LBRACKET || c === LBRACE) {
      value = this.parseFlow(v, end);
    } else {
      if (!this.scanScalar(v, end, false)) return false;
      // `a: b: c` is a nested implicit mapping: an error for yaml.
      if (!this.tokQuoted && this.stopKind === STOP_COLON) return false;
      value = this.tokenValue();
    }
    if (value === undefined || !this.restOk(this.cur, end)) return false;
    map[key] = value;
    return true;
  }

  /**
   * Makes the top of the stack the collection a line at `indent` belongs to, opening or closing collections as the
   * indentation says. `kind` is what the line holds (a SEQ entry or a MAP entry), i the index of its first character.
   */
  private place(indent: number, kind: number, i: number): boolean {
    if (this.root === null) {
      // The document's first content line decides its root collection and the position yaml reports for it.
      const node: Collection = kind === MAP ? {} : [];
      this.root = node;
      this.docLine = this.lineNo;
      this.docColumn = i - this.lineStart + 1;
      this.push(kind, indent, node, 0);
      return true;
    }
    const indents = this.indents;
    if (this.pending !== PENDING_NONE) {
      // The previous line ended with `key:` or `-`. A deeper line opens the nested collection that is its value; so
      // does a sequence at the key's own indentation (`key:\n- a`), which YAML allows for mapping values.
      const top = this.depth - 1;
      const topIndent = indents[top] as number;
      if (indent > topIndent || (kind === SEQ && this.pending === PENDING_MAP_VALUE && indent === topIndent)) {
        const node: Collection = kind === MAP ? {} : [];
        const parent = this.nodes[top] as Collection;
        let slot: string | number;
        if (this.pending === PENDING_MAP_VALUE) {
          slot = this.pendingKey;
          (parent as JsonObject)[slot] = node;
        } else {
          slot = (parent as JsonValue[]).length - 1;
          (parent as JsonValue[])[slot] = node;
          // The item is the nested collection, which starts on this line.
          this.entryOffsets[this.pendingItemMark] = i;
        }
        this.pending = PENDING_NONE;
        this.push(kind, indent, node, slot);
        return true;
      }
      this.pending = PENDING_NONE; // nothing nested: the value stays null
    }
    // Close the collections that are deeper than this line; it must then continue one at exactly its indentation.
    // Any other indentation is a continuation line of a multi-line scalar or an error: the full parser decides.
    let d = this.depth;
    while (d > 0 && (indents[d - 1] as number) > indent) d--;
    if (d === 0 || indents[d - 1] !== indent) return false;
    if (this.kinds[d - 1] !== kind) {
      // A sequence written at its parent key's indentation (`key:\n- a\nnext: 1`) ends at the next key.
      if (kind === MAP && d >= 2 && this.kinds[d - 2] === MAP && indents[d - 2] === indent) d--;
      else return false; // `key: 1` followed by `- a` at the same indentation
    }
    this.closeTo(d);
    return true;
  }

  private push(kind: number, indent: number, node: Collection, slot: string | number): void {
    const d = this.depth++;
    this.kinds[d] = kind;
    this.indents[d] = indent;
    this.nodes[d] = node;
    this.slots[d] = slot;
    if (this.depth > this.docDepth) this.docDepth = this.depth;
  }

  /**
   * Closes the open collections deeper than `d`. A closed sequence is replaced by a copy of its exact length: an array
   * that grew by push() holds 17 slots for its first item, and the parsed values are most of what a run keeps.
   */
  private closeTo(d: number): void {
    for (let k = this.depth - 1; k >= d; k--) {
      if (this.kinds[k] !== SEQ) continue;
      const exact = (this.nodes[k] as JsonValue[]).slice();
      if (k === 0) this.root = exact;
      else (this.nodes[k - 1] as JsonObject)[this.slots[k] as string] = exact;
    }
    this.depth = d;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Scalars

  /**
   * Scans one scalar token at j: single- or double-quoted (closed on this line), or plain. Sets tokStr, tokQuoted and
   * cur (just past the token; for plain scalars past the last non-space character). False means fall back.
   */
  private scanScalar(j: number, end: number, flow: boolean): boolean {
    const c = this.text.charCodeAt(j);
    if (c === DQUOTE) return this.scanDoubleQuoted(j, end);
    if (c === SQUOTE) return this.scanSingleQuoted(j, end);
    return this.scanPlain(j, end, flow);
  }

  /**
   * A plain scalar runs to the end of the line, a ` #` comment, a `: ` value indicator, or (in flow context) a flow
   * indicator; trailing spaces are not part of it. Control characters, tabs included, fall back.
   */
  private scanPlain(j: number, end: number, flow: boolean): boolean {
    const text = this.text;
    const first = text.charCodeAt(j);
    // A byte order mark starting a line or a token is dropped by yaml in some places and kept in others.
    if (first < SPACE || first === BOM) return false;
    if (first < 128 && NOT_PLAIN_START[first] === 1) {
      // `-` may start a plain scalar when a non-space follows (`-1`, `-foo`); a lone `-` is an (invalid) sequence.
      if (first !== DASH || j + 1 >= end) return false;
      const n = text.charCodeAt(j + 1);
      if (n === SPACE || (flow && isFlowIndicator(n))) return false;
    }
    let stop = STOP_END;
    let last = j; // just past the last non-space character
    let sawColon = false;
    for (let i = j; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === SPACE) continue;
      if (c === HASH) {
        if (text.charCodeAt(i - 1) === SPACE) {
          stop = STOP_COMMENT;
          break;
        }
      } else if (c === COLON) {
        const n = i + 1 < end ? text.charCodeAt(i + 1) : SPACE;
        if (n === SPACE || (flow && isFlowIndicator(n))) {
          stop = STOP_COLON;
          break;
        }
        sawColon = true;
      } else if (c < SPACE || (c >= DEL && isRawUnread(c))) {
        return false;
      } else if (flow && isFlowIndicator(c)) {
        stop = STOP_FLOW;
        break;
      }
      last = i + 1;
    }
    this.tokStr = text.slice(j, last);
    this.tokQuoted = false;
    this.cur = last;
    this.stopKind = stop;
    this.sawColon = sawColon;
    return true;
  }

  /** `'...'` on one line; `''` is an escaped quote. */
  private scanSingleQuoted(j: number, end: number): boolean {
    const text = this.text;
    let out = "";
    let seg = j + 1;
    for (let i = j + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === SQUOTE) {
        if (i + 1 < end && text.charCodeAt(i + 1) === SQUOTE) {
          out += text.slice(seg, i + 1);
          seg = ++i + 1;
          continue;
        }
        this.tokStr = out + text.slice(seg, i);
        this.tokQuoted = true;
        this.cur = i + 1;
        return true;
      }
      if (c < SPACE || (c >= DEL && isRawUnread(c))) return false;
    }
    return false; // not closed on this line: a multi-line scalar
  }

  /** `"..."` on one line, with yaml's escapes; an escape yaml would reject, or a `\` at the line end, falls back. */
  private scanDoubleQuoted(j: number, end: number): boolean {
    const text = this.text;
    let out = "";
    let seg = j + 1;
    for (let i = j + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === DQUOTE) {
        this.tokStr = out + text.slice(seg, i);
        this.tokQuoted = true;
        this.cur = i + 1;
        return true;
      }
      if (c === BACKSLASH) {
        out += text.slice(seg, i);
        if (i + 1 >= end) return false; // escaped line break
        const e = text.charCodeAt(i + 1);
        const simple = SIMPLE_ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 1;
        } else {
          const digits = e === LOWER_X ? 2 : e === 117 /* u */ ? 4 : e === 85 /* U */ ? 8 : 0;
          if (digits === 0 || i + 2 + digits > end) return false;
          let code = 0;
          for (let k = i + 2; k < i + 2 + digits; k++) {
            const h = hexValue(text.charCodeAt(k));
            if (h < 0) return false;
            code = code * 16 + h;
          }
          if (code > 0x10ffff) return false; // String.fromCodePoint throws: yaml reports a bad escape
          if (code >= 0xd800 && code <= 0xdfff) return false; // go-yaml v2 refuses a surrogate half: decodeProblems.ts
          out += String.fromCodePoint(code);
          i += 1 + digits;
        }
        seg = i + 1;
        continue;
      }
      if (c < SPACE || (c >= DEL && isRawUnread(c))) return false;
    }
    return false;
  }

  /** The JS value of the last scalar token: quoted ones are strings, plain ones are typed as Kuma's readers type them. */
  private tokenValue(): JsonValue {
    const value = this.tokQuoted ? this.tokStr : resolvePlain(this.tokStr);
    if (typeof value === "string") return value.length <= SHARED_MAX_LENGTH && value.length > 0 ? share(value) : value;
    // NaN fails the comparison too.
    if (typeof value === "number" && !(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) this.suspect = true;
    return value;
  }

  /**
   * The last token as an object key, as Kuma's readers name the property (`200` → "200", `0x10` → "16", `on` →
   * "true"; see yaml11.ts). `start`/`colon` bound the raw key.
   */
  private keyString(start: number, colon: number): string | undefined {
    if (colon - start > MAX_KEY_SPAN) return undefined;
    let key: string;
    if (this.tokQuoted) {
      key = this.tokStr;
    } else {
      if (this.sawColon) return undefined; // `a:b: c`, `http://x: y`: ambiguous enough to leave to yaml
      if (this.tokStr === "<<") return undefined; // a merge key: yaml merges it (a quoted "<<" is a plain key)
      key = plainKeyText(this.tokStr);
      // A null key (`~`, `null`: the only plain key named ""), or a number beyond int64 (19 digits or more).
      if (key.length === 0 || (key.length > 18 && isDigit(key.charCodeAt(0)))) this.suspect = true;
    }
    if (isArrayIndex(key)) this.reordered = true;
    // The same string object every time: V8 then finds the property without hashing the key again.
    else if (key.length <= SHARED_MAX_LENGTH && key.length > 0) key = share(key);
    // yaml defines `__proto__` as an own property; a plain assignment would set the prototype instead.
    return key === "__proto__" ? undefined : key;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Flow collections: one line, scalars only (`[a, "b", 1]`, `{k: v}`, `[]`, `{}`).

  private parseFlow(start: number, end: number): JsonValue | undefined {
    // Nested in the collection being read (its scalars add no level).
    if (this.depth + 1 > this.docDepth) this.docDepth = this.depth + 1;
    const text = this.text;
    const isMap = text.charCodeAt(start) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    const map: JsonObject = {};
    const seq: JsonValue[] = [];
    let i = this.skipSpaces(start + 1, end);
    if (i < end && text.charCodeAt(i) === close) {
      this.cur = i + 1;
      return isMap ? map : seq;
    }
    for (;;) {
      if (i >= end) return undefined; // continues on the next line
      if (isMap) {
        const keyStart = i;
        if (!this.scanScalar(i, end, true)) return undefined;
        const colon = this.skipSpaces(this.cur, end);
        // `{a: b}` only: `{a}`, `{a:b}`, `{"a":b}` and empty values are legal YAML but left to yaml.
        if (colon + 1 >= end || text.charCodeAt(colon) !== COLON || text.charCodeAt(colon + 1) !== SPACE) return undefined;
        const key = this.keyString(keyStart, colon);
        if (key === undefined || Object.hasOwn(map, key)) return undefined;
        const value = this.flowScalar(this.skipSpaces(colon + 1, end), end);
        if (value === undefined) return undefined;
        map[key] = value;
        this.mark(keyStart);
      } else {
        const value = this.flowScalar(i, end);
        if (value === undefined) return undefined;
        seq.push(value);
        this.mark(i);
      }
      i = this.skipSpaces(this.cur, end);
      const c = i < end ? text.charCodeAt(i) : -1;
      if (c === close) {
        this.cur = i + 1;
        return isMap ? map : seq.slice(); // exact length, as closeTo()
      }
      // Anything but `,` here (`[a: b]`, `[a #c`, `{a: b: c}`) falls back; so does a trailing `, ]`.
      if (c !== COMMA) return undefined;
      i = this.skipSpaces(i + 1, end);
      if (i < end && text.charCodeAt(i) === close) return undefined;
    }
  }

  /** A scalar inside a flow collection: no nested collections. */
  private flowScalar(i: number, end: number): JsonValue | undefined {
    if (i >= end) return undefined;
    const c = this.text.charCodeAt(i);
    if (c === LBRACKET || c === LBRACE) return undefined;
    if (!this.scanScalar(i, end, true)) return undefined;
    return this.tokenValue();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Block scalars

  /**
   * A literal (`|`) or folded (`>`) block scalar whose header is at h, the value of the innermost open collection's
   * entry: its content is the following lines indented deeper than that collection, down to the first line indented
   * less than the first of them. Sets resumeAt past its last line. Only the common forms are read, everything else
   * falls back: an indentation indicator or keep chomping (`+`), a line of spaces before the content or deeper than
   * it, a folded scalar's more-indented lines or leading blank lines, an empty scalar, a tab, a `\r`, a control or
   * raw-unread character, and a scalar that ends the text without a line break.
   */
  private blockScalar(h: number, end: number): string | undefined {
    const text = this.text;
    const folded = text.charCodeAt(h) === GT;
    let j = h + 1;
    const strip = j < end && text.charCodeAt(j) === DASH;
    if (strip) j++;
    // After the indicators only spaces and a comment: `+`, an indentation indicator or anything else falls back.
    if (j < end && text.charCodeAt(j) !== SPACE) return undefined;
    if (!this.restOk(j, end)) return undefined;
    const parentIndent = this.indents[this.depth - 1] as number;
    const len = text.length;
    const lines: string[] = [];
    let indent = -1;
    /** Blank lines since the last content line (before the first: leading blank lines). */
    let blanks = 0;
    let lineNo = this.lineNo;
    let lastLineNo = lineNo;
    let after = -1;
    for (let pos = end + 1; pos < len; ) {
      if (text.charCodeAt(pos - 1) !== LF) return undefined; // `\r\n`, or a lone `\r`
      const eol = text.indexOf("\n", pos);
      const lineEnd = eol === -1 ? len : eol;
      lineNo++;
      let i = pos;
      while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
      if (i === lineEnd) {
        // Spaces only: a blank line, unless they reach past the content's indentation (content then, for yaml).
        if (i - pos > (indent >= 0 ? indent : parentIndent)) return undefined;
        if (eol === -1) break;
        blanks++;
        pos = eol + 1;
        continue;
      }
      const lineIndent = i - pos;
      if (indent < 0) {
        if (lineIndent <= parentIndent) return undefined; // an empty block scalar
        if (blanks > 0 && folded) return undefined;
        indent = lineIndent;
      } else if (lineIndent < indent) break;
      if (eol === -1) return undefined; // the text ends without a line break: yaml adds one
      if (folded && lineIndent > indent) return undefined; // a more-indented line keeps its line breaks
      for (let k = i; k < eol; k++) {
        const c = text.charCodeAt(k);
        if (c < SPACE || (c >= DEL && isRawUnread(c))) return undefined;
      }
      const content = text.slice(pos + indent, eol);
      if (lines.length === 0) lines.push("\n".repeat(blanks) + content);
      else if (folded) lines.push((blanks === 0 ? " " : "\n".repeat(blanks)) + content);
      else lines.push("\n".repeat(blanks + 1) + content);
      blanks = 0;
      lastLineNo = lineNo;
      after = eol + 1;
      pos = after;
    }
    if (lines.length === 0) return undefined;
    // The scan goes on after the last content line: blank lines after it are blank lines there too.
    this.lineNo = lastLineNo;
    this.resumeAt = after;
    return lines.join("") + (strip ? "" : "\n");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Small helpers

  private skipSpaces(i: number, end: number): number {
    const text = this.text;
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** A `:` at i that separates a key from its value: followed by a space or the end of the line. */
  private isValueIndicator(i: number, end: number): boolean {
    return i < end && this.text.charCodeAt(i) === COLON && (i + 1 === end || this.text.charCodeAt(i + 1) === SPACE);
  }

  /** After a complete value: only spaces and an optional comment (which must be preceded by a space). */
  private restOk(i: number, end: number): boolean {
    const j = this.skipSpaces(i, end);
    if (j === end) return true;
    return j > i && this.text.charCodeAt(j) === HASH && this.commentOk(j, end);
  }

  /**
   * Comments are skipped unread, except for a lone `\r`, which yaml may take as a line break, and characters go-yaml
   * v2 refuses or takes for line breaks (decodeProblems.ts reports them).
   */
  private commentOk(i: number, end: number): boolean {
    const text = this.text;
    for (let k = i; k < end; k++) {
      const c = text.charCodeAt(k);
      if (c === CR || (c < SPACE && c !== TAB) || (c >= DEL && isRawUnread(c))) return false;
    }
    return true;
  }
}

/**
 * Short scalar strings, shared: a repository says `MeshService`, `Mesh`, `kuma-system` or `5s` thousands of times,
 * and every occurrence would otherwise be a string of its own for as long as the resources live. A direct-mapped
 * cache (a few characters pick the slot, a colliding string takes it over) costs two reads and a comparison, where a
 * Map would hash every character; its size bounds what a long-running process keeps. Only strings V8 copies when
 * slicing (under 13 characters) go here: a longer slice shares its file's text, which the cache must not hold on to.
 */
const SHARED_MAX_LENGTH = 12;
const SHARED_SLOTS = 4096; // a power of two
const shared: (string | undefined)[] = new Array<string | undefined>(SHARED_SLOTS).fill(undefined);

function share(value: string): string {
  const n = value.length;
  const slot = (n * 131 + value.charCodeAt(0) * 31 + value.charCodeAt(n >> 1) * 7 + value.charCodeAt(n - 1)) & (SHARED_SLOTS - 1);
  const known = shared[slot];
  if (known === value) return known;
  shared[slot] = value;
  return value;
}

function hexValue(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

const isDigit = (c: number): boolean => c >= DIGIT_0 && c <= DIGIT_9;

/** A property name JavaScript enumerates before all others, in numeric order: `0`, `200`, not `01` or `-1`. */
function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (!isDigit(c) || (c === DIGIT_0 && key.length > 1) || key.length > 10) return false;
  for (let k = 1; k < key.length; k++) if (!isDigit(key.charCodeAt(k))) return false;
  return Number(key) < 4294967295;
}
