/**
 * Plain scalars as Kuma's readers type them. `kumactl apply` and `kubectl apply` both turn YAML into JSON with
 * sigs.k8s.io/yaml, which resolves plain scalars with go-yaml v2's YAML 1.1 rules (its resolve.go): `yes`/`no`,
 * `on`/`off`, `y`/`n` are booleans, `0755` is octal, `0x1F`, `0o17` and `0b101` are integers, `1_000` is 1000.
 * Kuma's typed decoding does not bring the written text back: a new-style resource is decoded into a
 * `map[string]any` and checked against its schema (name, mesh and labels included), a protobuf kind's
 * `unversioned.Resource` is a json.Unmarshaler (so sigs.k8s.io/yaml keeps no string for its fields either), and
 * kubectl sends the untyped JSON to the API server. So a plain `on` where a string belongs is a boolean there, and
 * here. Quoted scalars are never resolved. meshops.yaml, read only by meshops, stays YAML 1.2 (config/repoConfig.ts).
 *
 * A timestamp (`2024-01-02`) stays the string written: go-yaml v2 resolves it, but decoding into an interface{} keeps
 * the text "for backward compatibility" (decode.go). Explicitly tagged scalars (`!!int 0755`, `!!binary`) are typed by
 * go-yaml's rules too (resolveTagged). What those readers refuse outright (`.nan`, a null key, `!!int abc`), or a
 * JavaScript number cannot hold as written (an integer beyond 2^53), is reported by parse/decodeProblems.ts.
 */
import { Document, Scalar, parseDocument, visit, type CreateNodeOptions, type DocumentOptions, type SchemaOptions, type ToStringOptions } from "yaml";
import { kindOfValue, type JsonValue } from "../model/resource.js";
import { isGoBase64 } from "../kuma/base64.js";
import { SECRET_NOT_SHOWN } from "../kuma/secretFields.js";

const PLUS = 43;
const DASH = 45;
const DOT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** go-yaml v2's `resolve` for an untagged plain scalar; the first character decides which tests can apply. */
export function resolvePlain(s: string): JsonValue {
  switch (s.charCodeAt(0)) {
    case 126: // ~
      return s.length === 1 ? null : s;
    case 121: // y
      return s === "y" || s === "yes" ? true : s;
    case 89: // Y
      return s === "Y" || s === "Yes" || s === "YES" ? true : s;
    case 110: // n
      return s === "n" || s === "no" ? false : s === "null" ? null : s;
    case 78: // N
      return s === "N" || s === "No" || s === "NO" ? false : s === "Null" || s === "NULL" ? null : s;
    case 116: // t
      return s === "true" ? true : s;
    case 84: // T
      return s === "True" || s === "TRUE" ? true : s;
    case 102: // f
      return s === "false" ? false : s;
    case 70: // F
      return s === "False" || s === "FALSE" ? false : s;
    case 111: // o
      return s === "on" ? true : s === "off" ? false : s;
    case 79: // O
      return s === "On" || s === "ON" ? true : s === "Off" || s === "OFF" ? false : s;
    case DOT: {
      const special = SPECIAL_FLOATS.get(s);
      if (special !== undefined) return special;
      return DOT_FLOAT.test(s) ? finite(parseFloat(s), s) : s;
    }
    case PLUS:
    case DASH:
    case 48:
    case 49:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 55:
    case 56:
    case 57:
      return resolveNumber(s);
    default:
      return s;
  }
}

const SPECIAL_FLOATS = new Map<string, number>();
for (const s of [".nan", ".NaN", ".NAN"]) SPECIAL_FLOATS.set(s, NaN);
for (const s of [".inf", ".Inf", ".INF"]) {
  SPECIAL_FLOATS.set(s, Infinity);
  SPECIAL_FLOATS.set(`+${s}`, Infinity);
  SPECIAL_FLOATS.set(`-${s}`, -Infinity);
}

/** Go's strconv.ParseFloat on a scalar starting with `.` (no base prefix there, so no underscores). */
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;
/** go-yaml v2's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Go's strconv.ParseInt(s, 0, 64) syntax (underscores already removed): a sign, then a base prefix or a leading 0 for octal. */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]*)|([1-9][0-9]*))$/;

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** An out-of-range float is an error to ParseFloat, and go-yaml then keeps the scalar a string. */
function finite(n: number, s: string): JsonValue {
  return Number.isFinite(n) ? n : s;
}

/** Characters a Go integer or float literal may hold (digits, hex digits, base prefixes, sign, point, `_`). */
const NUMBER_CHARS = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEFxXoObB_+-.") NUMBER_CHARS[c.charCodeAt(0)] = 1;

/**
 * go-yaml v2 for a scalar starting with a digit or a sign: the infinities, then strconv.ParseInt(s without `_`, 0,
 * 64), then ParseUint (up to 2^64-1), then yamlStyleFloat; anything else is a string. (Its later `0b` branches are
 * what ParseInt with base 0 already accepts.) Plain decimals and strings such as `5s` are decided in one pass over
 * their characters, without a regular expression: the scanner meets them by the hundred thousand.
 */
function resolveNumber(s: string): JsonValue {
  const n = s.length;
  const c0 = s.charCodeAt(0);
  const first = c0 === PLUS || c0 === DASH ? 1 : 0;
  let i = first;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  if (i === n && i > first && i - first <= 15 && (s.charCodeAt(first) !== DIGIT_0 || i - first === 1)) {
    const value = parseInt(s, 10);
    return value === 0 ? 0 : value; // Go has no negative zero: `-0` is 0
  }
  if (s.charCodeAt(first) === DOT) {
    const special = SPECIAL_FLOATS.get(s);
    if (special !== undefined) return special;
  }
  for (let k = i; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c >= 128 || NUMBER_CHARS[c] === 0) return s;
  }
  const plain = s.includes("_") ? s.replaceAll("_", "") : s;
  const int = goInteger(plain);
  if (int !== undefined) return Number(int); // Number(-0n) is 0: Go has no negative zero either
  return YAML_STYLE_FLOAT.test(plain) ? finite(parseFloat(plain), s) : s;
}

/**
 * The exact value of a Go integer literal (underscores removed) as go-yaml v2 reads it: strconv.ParseInt(s, 0, 64),
 * then ParseUint (up to 2^64-1). Undefined when it is not one, or is out of their range.
 */
function goInteger(plain: string): bigint | undefined {
  const int = GO_INT.exec(plain);
  if (!int) return undefined;
  const [, sign, hex, bin, oct, legacyOct, dec] = int;
  const digits = hex ?? bin ?? oct ?? legacyOct ?? dec ?? "";
  const prefix = hex !== undefined ? "0x" : bin !== undefined ? "0b" : oct !== undefined || legacyOct !== undefined ? "0o" : "";
  const magnitude = digits === "" ? 0n : BigInt(prefix + digits);
  // ParseInt takes the sign; ParseUint takes none but goes up to 2^64-1.
  const inRange = sign === "-" ? magnitude <= INT64_MAX + 1n : sign === "+" ? magnitude <= INT64_MAX : magnitude <= UINT64_MAX;
  if (!inRange) return undefined;
  return sign === "-" ? -magnitude : magnitude;
}

/**
 * The integer a scalar's text spells when go-yaml v2 reads it as one (`0x1F`, `1_000`, `18446744073709551615`),
 * exactly: a JavaScript number holds it exactly only up to 2^53. Undefined for anything else (floats included).
 */
export function integerWritten(text: string): bigint | undefined {
  const c = text.charCodeAt(0);
  if (!(isDigit(c) || c === PLUS || c === DASH)) return undefined;
  return goInteger(text.includes("_") ? text.replaceAll("_", "") : text);
}

const isDigit = (c: number): boolean => c >= DIGIT_0 && c <= DIGIT_9;

/**
 * A plain mapping key as sigs.k8s.io/yaml's convertToJSONableObject names the JSON property: booleans `true` and
 * `false`, integers in decimal, floats with Go's FormatFloat(f, 'g', -1, 32) (`1e3` is "1000", `1e6` "1e+06"). (A
 * null key is an error there, which decodeProblems.ts reports; here it is "", as the `yaml` package names it.)
 */
export function plainKeyText(source: string): string {
  const value = resolvePlain(source);
  if (typeof value === "string") return value;
  if (value === null) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value !== "number") return String(value);
  // An integer (in decimal, exactly as written) unless only the float test matched.
  return integerWritten(source)?.toString() ?? goFloat32Text(value);
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32), with go-yaml's names for infinities and NaN. */
function goFloat32Text(f: number): string {
  if (Number.isNaN(f)) return ".nan";
  if (!Number.isFinite(f)) return f > 0 ? ".inf" : "-.inf";
  const target = Math.fround(f);
  let exponential = "";
  for (let precision = 1; precision <= 9; precision++) {
    exponential = Math.abs(target).toExponential(precision - 1);
    if (Math.fround(Number(exponential)) === target) break;
  }
  const [mantissa = "0", exp = "0"] = exponential.split("e");
  const e = Number(exp);
  const sign = target < 0 ? "-" : "";
  // %e when the exponent is below -4 or at least the shortest form's precision (6).
  if (e < -4 || e >= 6) return `${sign}${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  const digits = mantissa.replace(".", "");
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const whole = digits.padEnd(e + 1, "0");
  const fraction = digits.slice(e + 1);
  return `${sign}${whole.slice(0, e + 1)}${fraction ? `.${fraction}` : ""}`;
}

const LONG_TAG_PREFIX = "tag:yaml.org,2002:";

/** A tag as go-yaml v2 names it in messages: `tag:yaml.org,2002:int` (the `yaml` package's form of `!!int`) is `!!int`. */
export function shortTag(tag: string): string {
  return tag.startsWith(LONG_TAG_PREFIX) ? `!!${tag.slice(LONG_TAG_PREFIX.length)}` : tag;
}

/** The tags go-yaml v2 resolves a scalar by (resolve.go's resolvableTag), and `!!binary`, which its decoder decodes. */
const GO_YAML_TAGS = new Set(["!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp", "!!binary"]);

/** A tag go-yaml v2 does not know (`!Ref`, `!vault`, `!!set`): it decodes the scalar as its text and says nothing. */
export function isForeignTag(tag: string): boolean {
  return tag !== "!" && !GO_YAML_TAGS.has(shortTag(tag)) && !["!!map", "!!seq"].includes(shortTag(tag));
}

/**
 * go-yaml v2's parseTimestamp: four digits and a dash, then one of its time.Parse layouts (date; date and time with a
 * zone after `T`/`t`; date and time after a space). Field ranges are not checked here.
 */
const GO_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})| [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?)?$/;

/** What an explicitly tagged scalar decodes to, or go-yaml's error for it. */
/** `mismatch`: the tag asked for, when the scalar resolves to another kind (the error quotes the text). */
export type TaggedScalar = { readonly value: JsonValue; readonly error?: undefined } | { readonly error: string; readonly mismatch?: string };

/**
 * go-yaml v2 for a scalar with an explicit tag (resolve.go with a tag, then decode.go into an interface{}): `!!str`
 * keeps the text; `!!int`, `!!float`, `!!bool`, `!!null` and `!!timestamp` resolve it as a plain scalar and must get
 * their own kind (an integer is a `!!float` too), else decoding fails with "cannot decode !!str `abc` as a !!int";
 * `!!binary` is base64 decoded into a string; a timestamp keeps its text, as untagged; any other tag is ignored and the
 * text kept. `text` is the scalar's value as written (unescaped when quoted: a tag resolves quoted scalars too).
 */
export function resolveTagged(tag: string, text: string): TaggedScalar {
  const short = shortTag(tag);
  if (short === "!!str" || !GO_YAML_TAGS.has(short)) return { value: text };
  if (short === "!!binary") {
    return isGoBase64(text) ? { value: Buffer.from(text, "base64").toString("utf8") } : { error: "!!binary value contains invalid base64 data" };
  }
  const value = text === "" ? null : resolvePlain(text);
  const kind =
    value === null ? "!!null"
    : typeof value === "boolean" ? "!!bool"
    : typeof value === "number" ? (integerWritten(text) !== undefined ? "!!int" : "!!float")
    : short === "!!timestamp" && GO_TIMESTAMP.test(text) ? "!!timestamp"
    : "!!str";
  if (kind === short || (short === "!!float" && kind === "!!int")) return { value };
  return { error: `cannot decode ${kind} \`${text}\` as a ${short}`, mismatch: short };
}

/** Whether a string written as a plain scalar would be read back as that same string. */
export function readsBackAsString(s: string): boolean {
  return resolvePlain(s) === s;
}

/**
 * Re-types the scalars of a document the `yaml` package composed with its YAML 1.2 core schema: plain values as
 * resolvePlain, plain keys as plainKeyText, tagged values as resolveTagged (one go-yaml refuses keeps its text:
 * parse/decodeProblems.ts reports it). Quoted untagged scalars, tagged keys and merge keys are left as they are.
 */
export function resolvePlainScalars(doc: Document): void {
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value === "symbol") return;
      if (node.tag) {
        if (key !== "key" && typeof node.source === "string") {
          const tagged = resolveTagged(node.tag, node.source);
          node.value = tagged.error === undefined ? tagged.value : node.source;
        }
        return;
      }
      // An empty plain scalar (`key:`) is null already, as in go-yaml.
      if (node.type !== Scalar.PLAIN || !node.source) return;
      node.value = key === "key" ? plainKeyText(node.source) : resolvePlain(node.source);
    },
  });
}

/**
 * go-yaml v2 reads `\'` in a double-quoted scalar as `'` (a YAML 1.1 escape); the `yaml` package, YAML 1.2, refuses it
 * (BAD_DQ_ESCAPE) and keeps the two characters. Drops those errors from `doc` and reads again each double-quoted
 * scalar holding one, its source with `\x27` in their place, so both readers give the same string.
 */
export function acceptQuoteEscapes(doc: Document.Parsed, text: string): void {
  const isQuoteEscape = (error: { code: string; pos: [number, number] }) => error.code === "BAD_DQ_ESCAPE" && text.startsWith("\\'", error.pos[0]);
  if (!doc.errors.some(isQuoteEscape)) return;
  doc.errors = doc.errors.filter((error) => !isQuoteEscape(error));
  if (doc.errors.length > 0) return; // reported, never read
  visit(doc, {
    Scalar(_, node) {
      if (node.type !== Scalar.QUOTE_DOUBLE || !node.range) return;
      const source = text.slice(node.range[0], node.range[1]);
      if (!source.includes("\\'")) return;
      const escaped = source.replace(/\\([^])/g, (escape, c: string) => (c === "'" ? "\\x27" : escape));
      node.value = parseDocument(escaped).toJS() as string;
    },
  });
}

/**
 * What a plain scalar that is not a string was read as, for a message where a string belongs: undefined when it is a
 * string, or when YAML 1.2 reads it the same (`42` is a number to everyone; `on`, `0755` and `1_000` surprise).
 */
export function plainScalarNote(source: string, secret = false): string | undefined {
  const value = resolvePlain(source);
  if (typeof value === "string") return undefined;
  const core = parseDocument(source);
  if (core.errors.length === 0 && Object.is(core.toJS(), value)) return undefined;
  // A secret's note says what kind of value YAML 1.1 made of it, never the text or the value.
  if (secret) return `YAML 1.1 reads this plain scalar ${SECRET_NOT_SHOWN} as ${kindOfValue(value)}: quote it`;
  const what = value === null ? "null" : typeof value === "boolean" ? `a boolean (${value})` : `the number ${value}`;
  return `YAML 1.1 reads the plain scalar ${source} as ${what}: quote it`;
}

export type StringifyOptions = DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions;

/**
 * YAML text of a value that Kuma's readers read back as the same value: a string that YAML 1.1 would type (`yes`,
 * `on`, `0o17`, `1_000`) is double-quoted, where the `yaml` package's YAML 1.2 stringifier writes it plain. Every
 * other scalar is written as `yaml` writes it, so the rest of the text is unchanged.
 */
export function stringifyYaml(value: unknown, options: StringifyOptions = {}): string {
  const doc = new Document(value, options);
  let unread = false;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      const raw = RAW_UNREAD_ONE.test(node.value);
      unread ||= raw;
      if (raw || !readsBackAsString(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const text = doc.toString(options);
  // The `yaml` package writes DEL, C1 controls, NEL, LS, PS, U+FFFE and U+FFFF as they are even inside double quotes.
  // Every string that holds one is double-quoted, so each is escaped here.
  return unread ? text.replace(RAW_UNREAD, goYamlEscape) : text;
}

/**
 * Characters go-yaml v2 does not read as themselves when written raw, where YAML 1.2 (the `yaml` package) does: its
 * reader refuses C0 controls but tab and line breaks, DEL, C1 controls but NEL, U+FFFE and U+FFFF ("control characters
 * are not allowed", readerc.go), and takes NEL, LS and PS for line breaks (yamlprivateh.go is_break). A global
 * expression: callers set lastIndex.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
export const RAW_UNREAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]/g;
const RAW_UNREAD_ONE = new RegExp(RAW_UNREAD.source);

/** The same by character code, for the fast scanner: asked only of codes from DEL up, so ASCII pays one comparison. */
export const isRawUnread = (c: number): boolean => c <= 0x9f || c === 0x2028 || c === 0x2029 || c >= 0xfffe;

/** NEL, LS and PS: line breaks to go-yaml v2, with their names and their escapes inside double quotes. */
export const YAML11_BREAK_NAMES: Readonly<Record<string, { readonly name: string; readonly escape: string }>> = {
  "\u0085": { name: "U+0085 (next line)", escape: "\\N" },
  "\u2028": { name: "U+2028 (line separator)", escape: "\\L" },
  "\u2029": { name: "U+2029 (paragraph separator)", escape: "\\P" },
};

/** A character as a double-quoted escape go-yaml v2 reads back: `\N`, `\L`, `\P`, `\x7F`, `\uFFFE`. */
function goYamlEscape(c: string): string {
  const code = c.charCodeAt(0);
  return YAML11_BREAK_NAMES[c]?.escape ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

/** `U+007F`: a character's code as messages name it. */
export function codePointName(c: string): string {
  return `U+${hex(c.charCodeAt(0), 4)}`;
}

const hex = (n: number, digits: number): string => n.toString(16).toUpperCase().padStart(digits, "0");
