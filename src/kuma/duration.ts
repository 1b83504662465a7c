/**
 * Go `time.Duration` text, as the control plane reads and writes it. Kuma's policy durations are
 * `metav1.Duration`: parsed with `time.ParseDuration` and printed with `Duration.String()`, so `60m` is stored as
 * `1h0m0s` and `0` as `0s`. Comparing durations by value needs exactly Go's grammar and rounding, which is why this is a
 * line-by-line port (of go/src/time/format.go) rather than a regular expression.
 *
 * Values are nanoseconds. The arithmetic is done on BigInt like Go's uint64/int64, so parsing is exact; the returned
 * `number` is exact up to 2^53 ns (about 104 days) and the nearest double beyond.
 */

import { boundedMemo } from "../model/boundedMemo.js";

const NANOSECOND = 1n;
const MICROSECOND = 1000n * NANOSECOND;
const MILLISECOND = 1000n * MICROSECOND;
const SECOND = 1000n * MILLISECOND;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["ns", NANOSECOND],
  ["us", MICROSECOND],
  ["µs", MICROSECOND], // U+00B5 micro sign
  ["μs", MICROSECOND], // U+03BC Greek small letter mu
  ["ms", MILLISECOND],
  ["s", SECOND],
  ["m", MINUTE],
  ["h", HOUR],
]);

const TWO_TO_63 = 1n << 63n;
const MAX_INT64 = TWO_TO_63 - 1n;
const MIN_INT64 = -TWO_TO_63;

export type GoDurationParse = { readonly ok: true; readonly nanoseconds: bigint } | { readonly ok: false; readonly error: string };

/** Nanoseconds, or undefined when Go's `time.ParseDuration` would reject the text. */
export function parseGoDuration(text: string): number | undefined {
  const result = parseGoDurationDetailed(text);
  return result.ok ? Number(result.nanoseconds) : undefined;
}

/** Go's error text for an unparsable duration (`time: unknown unit "d" in duration "1d"`), or undefined when it parses. */
export function goDurationError(text: string): string | undefined {
  const result = parseGoDurationDetailed(text);
  return result.ok ? undefined : result.error;
}

/**
 * `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`. Exact, with Go's error messages. Answers are
 * remembered: a repository writes the same few durations tens of thousands of times, and each parse is BigInt work.
 */
export function parseGoDurationDetailed(text: string): GoDurationParse {
  return text.length > REMEMBERED_LENGTH ? parseDuration(text) : rememberedDuration(text);
}

/** Distinct texts remembered: a repository has a few dozen. */
const rememberedDuration = boundedMemo(parseDuration, 4096);
/** Longer texts are not remembered: durations people write are short, and a long invalid one must not be kept. */
const REMEMBERED_LENGTH = 32;

function parseDuration(text: string): GoDurationParse {
  const invalid = (): GoDurationParse => ({ ok: false, error: `time: invalid duration ${timeQuote(text)}` });
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  // Special case: a lone "0" (after the sign) needs no unit.
  if (rest === "0") return { ok: true, nanoseconds: 0n };
  if (rest === "") return invalid();

  let total = 0n;
  while (rest !== "") {
    // The next character must be [0-9.].
    if (!(rest[0] === "." || isDigit(rest[0]))) return invalid();

    const integer = leadingInt(rest);
    if (integer === undefined) return invalid();
    const hadIntegerDigits = integer.rest.length !== rest.length;
    rest = integer.rest;

    let fraction = { value: 0n, scale: 1, rest };
    let hadFractionDigits = false;
    if (rest.startsWith(".")) {
      fraction = leadingFraction(rest.slice(1));
      hadFractionDigits = fraction.rest.length !== rest.length - 1;
      rest = fraction.rest;
    }
    // No digits at all, e.g. ".s" or "-.s".
    if (!hadIntegerDigits && !hadFractionDigits) return invalid();

    const unitLength = indexOfNumberStart(rest);
    if (unitLength === 0) return { ok: false, error: `time: missing unit in duration ${timeQuote(text)}` };
    const unitText = rest.slice(0, unitLength);
    rest = rest.slice(unitLength);
    const unit = UNITS.get(unitText);
    if (unit === undefined) return { ok: false, error: `time: unknown unit ${timeQuote(unitText)} in duration ${timeQuote(text)}` };

    if (integer.value > TWO_TO_63 / unit) return invalid(); // overflow
    let value = integer.value * unit;
    if (fraction.value > 0n) {
      // Go computes the fractional part in float64 ("nanosecond accurate for fractions of hours") and truncates.
      value += BigInt(Math.trunc(Number(fraction.value) * (Number(unit) / fraction.scale)));
      if (value > TWO_TO_63) return invalid();
    }
    total += value;
    if (total > TWO_TO_63) return invalid();
  }
  if (negative) return { ok: true, nanoseconds: -total };
  if (total > MAX_INT64) return invalid();
  return { ok: true, nanoseconds: total };
}

/** Go's `Duration.String()`: `1h0m0s`, `1.5s`, `500ms`, `1µs`, `0s`. Non-integers are truncated and out-of-range values saturate to int64. */
export function formatGoDuration(ns: number | bigint): string {
  const d = toInt64(ns);
  const negative = d < 0n;
  let u = negative ? -d : d;
  let text: string;
  if (u < SECOND) {
    // Below one second Go switches to smaller units, like 1.2ms.
    if (u === 0n) return "0s";
    let precision: number;
    let unit: string;
    if (u < MICROSECOND) {
      precision = 0;
      unit = "ns";
    } else if (u < MILLISECOND) {
      precision = 3;
      unit = "µs"; // U+00B5, as Go prints it
    } else {
      precision = 6;
      unit = "ms";
    }
    const frac = formatFraction(u, precision);
    text = `${frac.integer}${frac.text}${unit}`;
  } else {
    const frac = formatFraction(u, 9);
    u = frac.integer; // whole seconds
    text = `${u % 60n}${frac.text}s`;
    u /= 60n; // whole minutes
    if (u > 0n) {
      text = `${u % 60n}m${text}`;
      u /= 60n; // whole hours: Go stops here because days vary in length
      if (u > 0n) text = `${u}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}

/** `v / 10^precision` and its fraction as `.12345` without trailing zeros ("" when the fraction is zero). */
function formatFraction(v: bigint, precision: number): { integer: bigint; text: string } {
  let digits = "";
  let printing = false;
  let rest = v;
  for (let i = 0; i < precision; i++) {
    const digit = rest % 10n;
    printing = printing || digit !== 0n;
    if (printing) digits = `${digit}${digits}`;
    rest /= 10n;
  }
  return { integer: rest, text: printing ? `.${digits}` : "" };
}

function toInt64(ns: number | bigint): bigint {
  if (typeof ns === "bigint") return clampInt64(ns);
  if (Number.isNaN(ns)) return 0n;
  if (ns === Infinity) return MAX_INT64;
  if (ns === -Infinity) return MIN_INT64;
  return clampInt64(BigInt(Math.trunc(ns)));
}

function clampInt64(v: bigint): bigint {
  return v > MAX_INT64 ? MAX_INT64 : v < MIN_INT64 ? MIN_INT64 : v;
}

/** Go's `leadingInt`: consumes `[0-9]*`; undefined on uint64 overflow past 2^63. */
function leadingInt(s: string): { value: bigint; rest: string } | undefined {
  let value = 0n;
  let i = 0;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (value > TWO_TO_63 / 10n) return undefined;
    value = value * 10n + BigInt(s.charCodeAt(i) - 48);
    if (value > TWO_TO_63) return undefined;
  }
  return { value, rest: s.slice(i) };
}

/** Go's `leadingFraction`: consumes `[0-9]*`, silently dropping precision once the value would overflow. */
function leadingFraction(s: string): { value: bigint; scale: number; rest: string } {
  let value = 0n;
  let scale = 1;
  let overflow = false;
  let i = 0;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (overflow) continue;
    if (value > MAX_INT64 / 10n) {
      overflow = true;
      continue;
    }
    const next = value * 10n + BigInt(s.charCodeAt(i) - 48);
    if (next > TWO_TO_63) {
      overflow = true;
      continue;
    }
    value = next;
    scale *= 10;
  }
  return { value, scale, rest: s.slice(i) };
}

/** Length of the unit: everything up to the next digit or `.` (Go scans bytes the same way). */
function indexOfNumberStart(s: string): number {
  let i = 0;
  while (i < s.length && !(s[i] === "." || isDigit(s[i]))) i++;
  return i;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/**
 * The time package's own quote(), which its parse errors use: `"` and `\` escaped, every byte of a character outside
 * printable ASCII (a control character, anything not ASCII) as \xNN of its UTF-8; DEL as it is. A lone surrogate is
 * U+FFFD to Go, which encoding/json puts in its place.
 */
function timeQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x80) out += ch === '"' || ch === "\\" ? `\\${ch}` : ch;
    else for (const byte of Buffer.from(code >= 0xd800 && code <= 0xdfff ? "\ufffd" : ch, "utf8")) out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** Go's `strconv.Quote` for the text that appears in error messages. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += quoteRune(ch, code);
  }
  return `${out}"`;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/** strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const GO_PRINTABLE = /^[ \p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function quoteRune(ch: string, code: number): string {
  const simple = SIMPLE_ESCAPES[ch];
  if (simple !== undefined) return simple;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  // A lone surrogate cannot be valid UTF-8; Go would see U+FFFD there.
  if (code >= 0xd800 && code <= 0xdfff) return "\\ufffd";
  if (code < 0x80 || GO_PRINTABLE.test(ch)) return ch;
  return code < 0x10000 ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`;
}
