/**
 * Go's encoding/json reading one JSON text into a Go number, errors included: what jsonpb does with a number or enum
 * field's raw text (protoForm.ts jsonpbRead), and what the control plane answers when it fails. json.Unmarshal first
 * checks the whole text with its scanner (scanner.go checkValid: `invalid character 'a' looking for beginning of
 * value`), then stores the top-level value (decode.go literalStore, array, object: `json: cannot unmarshal number -1
 * into Go value of type uint32`); `null` leaves the number as it was, without an error. And its type error for the
 * resource envelope (ResourceMeta).
 */

import { isJsonObject, setOwn, type JsonObject, type JsonValue } from "../model/resource.js";
import { parsePath } from "../model/fieldPath.js";

/** The Go types jsonpb decodes a number or enum field into (decode.go unmarshalSingularValue). */
export type GoNumberType = "uint32" | "float64" | "protoreflect.EnumNumber";

export type GoNumberRead =
  | { readonly ok: true; /** undefined: the text was `null`, which json.Unmarshal skips. */ readonly value: number | undefined }
  | { readonly ok: false; readonly error: string };

const UINT32_MAX = 4294967295n;
const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;

/** json.Unmarshal(text, &v), v of `goType`, as Go answers it. */
export function goUnmarshalNumber(text: string, goType: GoNumberType): GoNumberRead {
  const syntaxError = goJsonSyntaxError(text);
  if (syntaxError !== undefined) return { ok: false, error: syntaxError };
  const literal = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  const typeError = (what: string): GoNumberRead => ({ ok: false, error: goTypeError(what, goType) });
  switch (literal[0]) {
    case "n":
      return { ok: true, value: undefined };
    case "t":
    case "f":
      return typeError("bool");
    case '"':
      return typeError("string");
    case "[":
      return typeError("array");
    case "{":
      return typeError("object");
  }
  // A number literal (the scanner has checked its syntax), parsed as strconv does for the type.
  if (goType === "float64") {
    const value = Number(literal); // correctly rounded, as strconv.ParseFloat; beyond the range it is ErrRange there
    return Number.isFinite(value) ? { ok: true, value } : typeError(`number ${literal}`);
  }
  // strconv.ParseUint takes digits only; ParseInt a sign too: a fraction or an exponent fails either.
  if (!(goType === "uint32" ? /^[0-9]+$/ : /^-?[0-9]+$/).test(literal)) return typeError(`number ${literal}`);
  const n = BigInt(literal);
  const inRange = goType === "uint32" ? n <= UINT32_MAX : n >= INT32_MIN && n <= INT32_MAX;
  return inRange ? { ok: true, value: Number(n) } : typeError(`number ${literal}`);
}

/**
 * json.Unmarshal's UnmarshalTypeError for a top-level value (no struct field to name): `what` is the JSON kind
 * (`number`, `string`, `bool`, `array`, `object`), or `number <literal>` for a number a Go number type cannot hold.
 */
export function goTypeError(what: string, goType: string): string {
  return `json: cannot unmarshal ${what} into Go value of type ${goType}`;
}

/** The envelope fields the REST unmarshaller decodes into v1alpha1.ResourceMeta (go-v2.14.3 rest/v1alpha1/meta.go). */
const RESOURCE_META_FIELDS = new Set(["type", "mesh", "name", "labels"]);

/** Every field of ResourceMeta, by its JSON name; and by that name in lower case. */
const RESOURCE_META_KEYS: ReadonlySet<string> = new Set([...RESOURCE_META_FIELDS, "creationTime", "modificationTime"]);
const RESOURCE_META_BY_LOWER: ReadonlyMap<string, string> = new Map([...RESOURCE_META_KEYS].map((field) => [field.toLowerCase(), field]));

/** A key written for a field of ResourceMeta in another case (`Name`, `MESH`), and the spelling the field keeps. */
export interface FoldedKey {
  readonly key: string;
  readonly field: string;
  /** The spelling whose value the field keeps: `key` itself, or one read after it. */
  readonly kept: string;
}

/**
 * `object`'s envelope as encoding/json reads it into ResourceMeta, which matches a key to a field in any case: each
 * field under its JSON name, in the place of its first spelling. Of several spellings each is read in turn, in the
 * order kumactl sends them (`sorted`: sigs.k8s.io/yaml converts through a Go map, whose keys json.Marshal sorts), or as
 * a REST body has them: the last one not null wins, and label maps merge. `fields: "labels"` reads the labels' spellings
 * alone, the others left as written (a policy's, whose schema settles them). Undefined when nothing is read otherwise
 * than written.
 */
export function resourceMetaAsRead(
  object: JsonObject,
  order: "sorted" | "written" = "sorted",
  fields: "all" | "labels" = "all",
): { object: JsonObject; folded: FoldedKey[] } | undefined {
  if (!hasFoldedKey(object)) return undefined;
  const fieldOf = (key: string) => {
    const field = RESOURCE_META_KEYS.has(key) ? key : RESOURCE_META_BY_LOWER.get(key.toLowerCase());
    return fields === "all" || field === "labels" ? field : undefined;
  };
  const keys = Object.keys(object);
  const out: JsonObject = {};
  const folded: FoldedKey[] = [];
  for (const key of keys) {
    const field = fieldOf(key);
    if (field === undefined) {
      setOwn(out, key, object[key] as JsonValue);
      continue;
    }
    if (Object.hasOwn(out, field)) continue;
    const spellings = keys.filter((k) => fieldOf(k) === field);
    if (order === "sorted") spellings.sort();
    let value: JsonValue = null;
    let kept = spellings[0] as string;
    for (const spelling of spellings) {
      const written = object[spelling] as JsonValue;
      if (field === "labels" && isJsonObject(written) && isJsonObject(value)) value = { ...(value as JsonObject), ...written };
      else if (written !== null) value = written;
      if (written !== null) kept = spelling;
    }
    setOwn(out, field, value);
    for (const spelling of spellings) if (spelling !== field) folded.push({ key: spelling, field, kept: field === "labels" ? spelling : kept });
  }
  return folded.length === 0 ? undefined : { object: out, folded };
}

/**
 * Whether a key names a ResourceMeta field in another case. Every Universal document is asked, so a key is lowered only
 * when its length and first letter are a field's (t, m, n, l, c in either case).
 */
function hasFoldedKey(object: JsonObject): boolean {
  for (const key in object) {
    const length = key.length;
    if (length !== 4 && length !== 6 && length !== 12 && length !== 16) continue;
    const first = key.charCodeAt(0) | 0x20;
    if (first !== 0x74 && first !== 0x6d && first !== 0x6e && first !== 0x6c && first !== 0x63) continue;
    if (!RESOURCE_META_KEYS.has(key) && RESOURCE_META_BY_LOWER.has(key.toLowerCase())) return true;
  }
  return false;
}

/**
 * encoding/json's error for an envelope field of the wrong JSON type (`fieldPath` as violations give it): a protobuf
 * kind's body, and any document kumactl reads, is decoded into ResourceMeta first (rest/unversioned/resource.go
 * UnmarshalJSON, rest/unmarshaller.go UnmarshalCore), and a type error names the struct field by its JSON name; a
 * label's value by its map's name (the error context holds no map keys). Undefined for what the struct takes (null
 * leaves the field empty) and off the envelope.
 */
export function resourceMetaTypeError(fieldPath: string, value: JsonValue): string | undefined {
  const [field, ...below] = parsePath(fieldPath);
  const kind = goJsonKind(value);
  if (typeof field !== "string" || !RESOURCE_META_FIELDS.has(field) || kind === "null") return undefined;
  const goType = field === "labels" && below.length === 0 ? "map[string]string" : "string";
  return `json: cannot unmarshal ${kind} into Go struct field ResourceMeta.${field} of type ${goType}`;
}

/** The JSON kind of a value as encoding/json's type errors name it. */
export function goJsonKind(value: JsonValue): "null" | "bool" | "number" | "string" | "array" | "object" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "boolean" ? "bool" : typeof value === "number" ? "number" : typeof value === "string" ? "string" : "object";
}

// --- the scanner (encoding/json scanner.go), byte by byte -------------------------------------------------------------

/** What the scanner expects next; an open array or object is on the stack. */
type State =
  | "beginValue"
  | "beginValueOrEmpty"
  | "beginStringOrEmpty"
  | "beginString"
  | "endValue"
  | "endTop"
  | "inString"
  | "inStringEsc"
  | "inStringEscU"
  | "neg"
  | "zero"
  | "digits"
  | "dot"
  | "dotDigits"
  | "exponent"
  | "exponentSign"
  | "exponentDigits"
  | "literal";

const enum Open {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const LITERALS: Readonly<Record<string, string>> = { t: "true", f: "false", n: "null" };

/** checkValid: the SyntaxError json.Unmarshal returns for `text` (its UTF-8 bytes), undefined when it is valid JSON. */
export function goJsonSyntaxError(text: string): string | undefined {
  const bytes = Buffer.from(text, "utf8");
  const stack: Open[] = [];
  let state: State = "beginValue";
  let hexLeft = 0; // \u digits still expected
  let literal = ""; // true, false or null being read
  let literalAt = 0;
  const fail = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`;

  /** One byte; an error text, or undefined. Some states hand the byte on to the state after them, as Go's do. */
  const step = (c: number): string | undefined => {
    for (;;) {
      switch (state) {
        case "beginValueOrEmpty":
          if (isSpace(c)) return undefined;
          if (c === 0x5d) {
            state = "endValue";
            continue;
          }
          state = "beginValue";
          continue;
        case "beginValue":
          if (isSpace(c)) return undefined;
          if (c === 0x7b) {
            stack.push(Open.ObjectKey);
            state = "beginStringOrEmpty";
          } else if (c === 0x5b) {
            stack.push(Open.ArrayValue);
            state = "beginValueOrEmpty";
          } else if (c === 0x22) state = "inString";
          else if (c === 0x2d) state = "neg";
          else if (c === 0x30) state = "zero";
          else if (c >= 0x31 && c <= 0x39) state = "digits";
          else if (LITERALS[String.fromCharCode(c)] !== undefined) {
            literal = LITERALS[String.fromCharCode(c)] as string;
            literalAt = 1;
            state = "literal";
          } else return fail(c, "looking for beginning of value");
          return undefined;
        case "beginStringOrEmpty":
          if (isSpace(c)) return undefined;
          if (c === 0x7d) {
            stack[stack.length - 1] = Open.ObjectValue;
            state = "endValue";
            continue;
          }
          state = "beginString";
          continue;
        case "beginString":
          if (isSpace(c)) return undefined;
          if (c !== 0x22) return fail(c, "looking for beginning of object key string");
          state = "inString";
          return undefined;
        case "endValue": {
          const open = stack.at(-1);
          if (open === undefined) {
            state = "endTop";
            continue;
          }
          if (isSpace(c)) return undefined;
          if (open === Open.ObjectKey) {
            if (c !== 0x3a) return fail(c, "after object key");
            stack[stack.length - 1] = Open.ObjectValue;
            state = "beginValue";
          } else if (open === Open.ObjectValue) {
            if (c === 0x2c) {
              stack[stack.length - 1] = Open.ObjectKey;
              state = "beginString";
            } else if (c === 0x7d) stack.pop();
            else return fail(c, "after object key:value pair");
          } else if (c === 0x2c) state = "beginValue";
          else if (c === 0x5d) stack.pop();
          else return fail(c, "after array element");
          return undefined;
        }
        case "endTop":
          return isSpace(c) ? undefined : fail(c, "after top-level value");
        case "inString":
          if (c === 0x22) state = "endValue";
          else if (c === 0x5c) state = "inStringEsc";
          else if (c < 0x20) return fail(c, "in string literal");
          return undefined;
        case "inStringEsc":
          if (c === 0x75) {
            hexLeft = 4;
            state = "inStringEscU";
          } else if ([0x62, 0x66, 0x6e, 0x72, 0x74, 0x5c, 0x2f, 0x22].includes(c)) state = "inString";
          else return fail(c, "in string escape code");
          return undefined;
        case "inStringEscU":
          if (!isHex(c)) return fail(c, "in \\u hexadecimal character escape");
          if (--hexLeft === 0) state = "inString";
          return undefined;
        case "neg":
          if (c === 0x30) state = "zero";
          else if (c >= 0x31 && c <= 0x39) state = "digits";
          else return fail(c, "in numeric literal");
          return undefined;
        case "digits":
          if (isDigit(c)) return undefined;
          state = "zero";
          continue;
        case "zero":
          if (c === 0x2e) state = "dot";
          else if (c === 0x65 || c === 0x45) state = "exponent";
          else {
            state = "endValue";
            continue;
          }
          return undefined;
        case "dot":
          if (!isDigit(c)) return fail(c, "after decimal point in numeric literal");
          state = "dotDigits";
          return undefined;
        case "dotDigits":
          if (isDigit(c)) return undefined;
          if (c === 0x65 || c === 0x45) {
            state = "exponent";
            return undefined;
          }
          state = "endValue";
          continue;
        case "exponent":
          state = "exponentSign";
          if (c === 0x2b || c === 0x2d) return undefined;
          continue;
        case "exponentSign":
          if (!isDigit(c)) return fail(c, "in exponent of numeric literal");
          state = "exponentDigits";
          return undefined;
        case "exponentDigits":
          if (isDigit(c)) return undefined;
          state = "endValue";
          continue;
        case "literal": {
          const expected = literal.charCodeAt(literalAt);
          if (c !== expected) return fail(c, `in literal ${literal} (expecting ${quoteChar(expected)})`);
          if (++literalAt === literal.length) state = "endValue";
          return undefined;
        }
      }
    }
  };

  for (const c of bytes) {
    const error = step(c);
    if (error !== undefined) return error;
  }
  // eof: a space ends a number; anything still open is cut short.
  const ended = (): boolean => state === "endTop";
  if (ended()) return undefined;
  const error = step(0x20);
  if (error !== undefined) return error;
  return ended() ? undefined : "unexpected end of JSON input";
}

/**
 * scanner.go quoteChar: the byte as a quoted character literal, through strconv.Quote of the rune with the byte's value
 * (a UTF-8 lead byte 0xC3 is 'Ã').
 */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const escapes: Readonly<Record<number, string>> = { 0x07: "\\a", 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x0b: "\\v", 0x5c: "\\\\" };
  const escaped = escapes[c];
  if (escaped !== undefined) return `'${escaped}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`;
  // Not printable for strconv.IsPrint: the C1 controls, no-break space and soft hyphen.
  if ((c >= 0x80 && c < 0xa0) || c === 0xa0 || c === 0xad) return `'\\u${c.toString(16).padStart(4, "0")}'`;
  return `'${String.fromCharCode(c)}'`;
}
