/**
 * What Kuma's readers refuse in a document, or meshops could not send as written, beyond plain scalars' types
 * (yaml11.ts). `kumactl apply` and `kubectl apply` turn YAML into JSON with sigs.k8s.io/yaml: go-yaml v2 decodes it
 * into interface{} values, convertToJSONableObject names every key, and Go's json.Marshal writes the JSON. So:
 * - a non-finite float (`.inf`, `-.inf`, `.nan`) fails json.Marshal ("json: unsupported value: +Inf"): the whole file
 *   is refused. Here it would pass a free-form field and go out as `null`.
 * - an integer beyond 2^53 is read exactly by go-yaml, but a JavaScript number rounds it: meshops would send another
 *   value than the one written (Kuma's API rounds it too where it decodes into untyped maps, but the Kubernetes API
 *   server keeps 64-bit integers), so it is refused rather than changed without a word.
 * - a tag whose scalar does not resolve to it (`!!int abc`) or `!!binary` that is not base64 fails go-yaml's decoding;
 *   a tag go-yaml does not know (`!vault`, `!Ref`, left by a templating tool) is ignored there, its text sent as it is.
 * - go-yaml's scanner refuses `\/` and a surrogate `\ud83d` in a double-quoted scalar ("found unknown escape
 *   character", "found invalid Unicode character escape code"), which the `yaml` package reads.
 * - go-yaml's reader refuses raw control characters (DEL, C1, most of C0) and U+FFFE/U+FFFF, and takes NEL, LS and PS
 *   (U+0085, U+2028, U+2029) for line breaks; YAML 1.2 reads all of them as characters.
 * - a null key (`~: x`) or one beyond int64 is refused by convertToJSONableObject ("unsupported map key of type:
 *   %!s(<nil>)", "... uint64"), a sequence or mapping key by go-yaml ("invalid map key").
 * Found by walking the full parser's document: only for a document the fast scanner marked (FastDocument.suspect) or
 * that needed the full parser anyway, so the common file pays nothing.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, type Document, type Node } from "yaml";
import type { PathSegments } from "../model/fieldPath.js";
import { SECRET_NOT_SHOWN } from "../kuma/secretFields.js";
import { RAW_UNREAD, YAML11_BREAK_NAMES, codePointName, integerWritten, isForeignTag, resolvePlain, resolveTagged, shortTag } from "./yaml11.js";

export interface DecodeProblem {
  /** Where the offending node starts in the text (a tagged node: its value, after the tag). */
  readonly offset: number;
  /** The field, as the document is written (for a key: the mapping that holds it). */
  readonly sourcePath: PathSegments;
  readonly message: string;
  /** Absent: an error (kumactl and kubectl refuse the file, or meshops would change the value). */
  readonly severity?: "warning";
}

const REFUSED = "kumactl and kubectl refuse the file";

/**
 * Every problem of the document (parsed from `text`, where it spans `span`: its comments included), in text order.
 * The document's scalars must have been typed (resolvePlainScalars). `secret`: whether the field at a path holds a
 * secret (a Secret's value, an inline key), whose problem is then said without quoting any of it.
 */
export function decodeProblems(doc: Document, text: string, span: readonly [number, number], secret: (path: PathSegments) => boolean = () => false): DecodeProblem[] {
  const problems: DecodeProblem[] = rawCharacters(text, span[0], span[1]);
  // An explicit stack (the document may nest as deep as the nesting limit allows before it is refused), and each
  // node's parent and segment, from which a path is made only for a problem.
  const nodes: (Node | null)[] = [doc.contents as Node | null];
  const parents: number[] = [-1];
  const segments: (string | number)[] = [""];
  const pathOf = (at: number): PathSegments => {
    const path: (string | number)[] = [];
    for (let i = at; i > 0; i = parents[i] as number) path.push(segments[i] as string | number);
    return path.reverse();
  };
  const stack = [0];
  while (stack.length > 0) {
    const at = stack.pop() as number;
    const node = nodes[at];
    // An alias repeats its anchor's node, which is checked where it is written.
    if (!node || isAlias(node)) continue;
    const offset = node.range?.[0] ?? 0;
    if (node.tag && isForeignTag(node.tag)) {
      const message = `kumactl and kubectl ignore the tag ${node.tag} and send the value as written (a template left unrendered?)`;
      problems.push({ offset, sourcePath: pathOf(at), message, severity: "warning" });
    }
    const child = (value: unknown, segment: string | number) => {
      stack.push(nodes.length);
      nodes.push(value as Node | null);
      parents.push(at);
      segments.push(segment);
    };
    const escapeIn = (scalar: Node | null, hidden: boolean) => {
      const escape = isScalar(scalar) && scalar.type === "QUOTE_DOUBLE" && scalar.range ? refusedEscape(text, scalar.range[0], scalar.range[1], hidden) : undefined;
      if (escape) problems.push({ offset: escape.offset, sourcePath: pathOf(at), message: escape.message });
    };
    if (isScalar(node)) {
      const hidden = secret(pathOf(at));
      const message = scalarProblem(node.tag, node.type === "PLAIN" ? node.source : undefined, node.value, node.source, hidden);
      if (message) problems.push({ offset, sourcePath: pathOf(at), message });
      escapeIn(node, hidden);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => child(item, i));
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const keyProblem = keyProblemOf(key);
        if (keyProblem) problems.push({ offset: key?.range?.[0] ?? offset, sourcePath: pathOf(at), message: keyProblem });
        escapeIn(key, false);
        if (isCollection(key)) continue; // refused whole: what it maps to has no name
        child(pair.value, isScalar(key) ? String(key.value ?? "") : "");
      }
    }
  }
  return problems.sort((a, b) => a.offset - b.offset);
}

/**
 * A scalar's problem. `plain`: its text when it is a plain scalar; `value`: what it was typed as; `text`: its text
 * (unescaped), which a tag resolves. `hidden`: a secret's, said without its text or what it reads as.
 */
function scalarProblem(tag: string | undefined, plain: string | undefined, value: unknown, text: unknown, hidden: boolean): string | undefined {
  if (tag) {
    if (typeof text !== "string" || isForeignTag(tag)) return undefined;
    const tagged = resolveTagged(tag, text);
    if (tagged.error !== undefined) return `${hidden && tagged.mismatch ? `cannot decode the value ${SECRET_NOT_SHOWN} as a ${tagged.mismatch}` : tagged.error}: ${REFUSED} (go-yaml v2)`;
    // !!float asks for a float64: go-yaml rounds an integer to one itself, as JavaScript does.
    return numberProblem(tagged.value, text, `${shortTag(tag)} ${hidden ? SECRET_NOT_SHOWN : text} reads as`, shortTag(tag) !== "!!float", hidden);
  }
  return plain === undefined ? undefined : numberProblem(value, plain, `YAML 1.1 reads the plain scalar ${hidden ? SECRET_NOT_SHOWN : plain} as`, true, hidden);
}

/**
 * A number JSON cannot hold, or (`exact`: an integer is meant as written) a JavaScript number cannot hold as written.
 * `hidden`: neither the text nor the number is quoted.
 */
function numberProblem(value: unknown, text: string, reads: string, exact: boolean, hidden: boolean): string | undefined {
  if (typeof value !== "number" || Math.abs(value) <= Number.MAX_SAFE_INTEGER) return undefined;
  if (!Number.isFinite(value)) {
    const go = Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
    if (hidden) return `${reads} a float that is not finite, which JSON cannot hold: ${REFUSED} (json: unsupported value); quote it if a string was meant`;
    return `${reads} the float ${go}, which JSON cannot hold: ${REFUSED} (json: unsupported value: ${go}); quote it if a string was meant`;
  }
  const written = exact ? integerWritten(text) : undefined;
  if (written === undefined || BigInt(value) === written) return undefined;
  if (hidden) return `${reads} an integer beyond 2^53, where a JavaScript number cannot hold it: meshops would send another value; quote it if a string was meant`;
  const sent = String(value);
  return `the integer ${text} is beyond 2^53, where a JavaScript number cannot hold it: meshops would send ${sent}; write ${sent}, or quote it if a string was meant`;
}

/**
 * The first escape of a double-quoted scalar (`text` from `start` to `end`) that go-yaml v2's scanner refuses, where
 * the `yaml` package reads it: `\/` (YAML 1.2's, not in go-yaml's table) and a `\u`/`\U` code in the UTF-16
 * surrogate range (a JSON habit for characters beyond the BMP; go-yaml takes no half, even paired).
 */
function refusedEscape(text: string, start: number, end: number, hidden: boolean): { offset: number; message: string } | undefined {
  for (let i = text.indexOf("\\", start); i !== -1 && i < end; i = text.indexOf("\\", i + 2)) {
    const c = text[i + 1];
    if (c === "/") return { offset: i, message: `found unknown escape character \\/: ${REFUSED} (go-yaml v2); write / alone` };
    const digits = c === "u" ? 4 : c === "U" ? 8 : 0;
    const code = digits > 0 ? parseInt(text.slice(i + 2, i + 2 + digits), 16) : NaN;
    if (code >= 0xd800 && code <= 0xdfff) {
      const escape = hidden ? SECRET_NOT_SHOWN : text.slice(i, i + 2 + digits);
      const message = `found invalid Unicode character escape code ${escape} (half of a UTF-16 surrogate pair): ${REFUSED} (go-yaml v2); write the character itself, or its \\U escape of eight hex digits`;
      return { offset: i, message };
    }
  }
  return undefined;
}

/**
 * Characters written raw in text[start, end) that go-yaml v2 does not read as themselves (yaml11.ts RAW_UNREAD): a
 * control character, which its reader refuses, or NEL, LS and PS, which it takes for line breaks (folding a quoted
 * scalar there, ending a plain one or a comment), where YAML 1.2 reads characters.
 */
function rawCharacters(text: string, start: number, end: number): DecodeProblem[] {
  const problems: DecodeProblem[] = [];
  RAW_UNREAD.lastIndex = start;
  for (let match = RAW_UNREAD.exec(text); match && match.index < end; match = RAW_UNREAD.exec(text)) {
    const c = match[0];
    const lineBreak = YAML11_BREAK_NAMES[c];
    const message = lineBreak
      ? `a raw ${lineBreak.name} is a line break to go-yaml v2 (YAML 1.1), not to YAML 1.2: kumactl and kubectl would read another value, or refuse the file; write ${lineBreak.escape} inside double quotes, or remove it`
      : `a raw control character ${codePointName(c)}: go-yaml v2, the reader of kumactl and kubectl, refuses the file (control characters are not allowed); remove it, or escape it inside double quotes`;
    problems.push({ offset: match.index, sourcePath: [], message });
  }
  return problems;
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * A key convertToJSONableObject or go-yaml refuses: null, an integer beyond int64 (a uint64 to go-yaml, a type
 * convertToJSONableObject does not name), or a collection.
 */
function keyProblemOf(key: Node | null): string | undefined {
  if (isCollection(key)) return `a ${isSeq(key) ? "sequence" : "mapping"} as a mapping key: ${REFUSED} (go-yaml v2: invalid map key)`;
  if (key !== null && (!isScalar(key) || key.tag || key.type !== "PLAIN")) return undefined;
  const source = typeof key?.source === "string" ? key.source : "";
  if (source === "" || resolvePlain(source) === null) {
    return `a null mapping key (${source === "" ? "empty" : source}): ${REFUSED} (sigs.k8s.io/yaml: unsupported map key of type: %!s(<nil>)); quote it if the text was meant`;
  }
  const int = integerWritten(source);
  if (int !== undefined && int > INT64_MAX) return `the key ${source} is beyond int64: ${REFUSED} (sigs.k8s.io/yaml: unsupported map key of type: uint64); quote it`;
  return undefined;
}
