/**
 * General value checks the control plane's validators share, ported so that "valid" means what it means there:
 * ports, IP addresses and CIDRs (Go's `net`), DNS names (govalidator), TLS version ranges
 * (`api/common/v1alpha1/tls.ValidateVersion`), Go regular expressions (`regexp/syntax`), and the "must be one of"
 * messages of `pkg/core/validators`.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Violation } from "../../model/resource.js";
import { goQuote } from "../../kuma/duration.js";
import type { Json } from "./json.js";
import { field, isSet, objectOf, prop, text, violation } from "./json.js";

// Messages (pkg/core/validators/messages.go and types.go).

/** `validators.MustBeOneOf`: `appProtocol must be one of: grpc, http`. */
export function mustBeOneOf(entity: string, allowed: readonly string[]): string {
  return `${entity} must be one of: ${allowed.join(", ")}`;
}

/** `validators.MakeFieldMustBeOneOfErr`: `"mode" must be one of ["SkipSAN", "SkipCA"]`. */
export function fieldMustBeOneOf(name: string, allowed: readonly string[]): string {
  return `${goQuote(name)} must be one of [${allowed.map(goQuote).join(", ")}]`;
}

// Ports.

export const MAX_PORT = 65535;

/** A decoded port number (0 when absent or not a number, as Go's zero value) is within 1-65535. */
export function isValidPort(value: Json): boolean {
  const port = typeof value === "number" ? value : 0;
  return Number.isInteger(port) && port >= 1 && port <= MAX_PORT;
}

// IP addresses and names.

/** Go's `net.ParseIP(s) != nil`: dotted IPv4 without leading zeros, or IPv6 without a zone. */
export function isGoIP(value: string): boolean {
  if (value.includes("%")) return false;
  return isIPv4(value) || isIPv6(value);
}

/** Go's `net.ParseCIDR`: an IP (as `isGoIP`) and a decimal prefix length that fits its family. */
export function isGoCIDR(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!isGoIP(address) || !/^(0|[1-9]\d{0,2})$/.test(bits)) return false;
  return Number(bits) <= (isIPv4(address) ? 32 : 128);
}

const DNS_NAME = /^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$/;

/** govalidator's `IsDNSName`: at most 255 characters besides dots, labels of up to 63, and not an IP address. */
export function isDnsName(value: string): boolean {
  if (value === "" || value.replace(/\./g, "").length > 255) return false;
  return !isGoIP(value) && DNS_NAME.test(value);
}

// TLS versions (api/common/v1alpha1/tls).

const TLS_AUTO = "TLSAuto";
const TLS_VERSION_ORDER: Readonly<Record<string, number>> = { TLS10: 0, TLS11: 1, TLS12: 2, TLS13: 3 };
export const TLS_VERSIONS: readonly string[] = [TLS_AUTO, ...Object.keys(TLS_VERSION_ORDER)];

/** `tls.ValidateVersion` on the `version` object at `path`: known values, and min not above max. */
export function tlsVersionViolations(path: string, version: Json): Violation[] {
  const object = objectOf(version);
  const out: Violation[] = [];
  const specific = (name: "min" | "max"): number | undefined => {
    const value = prop(object, name);
    if (!isSet(value)) return undefined;
    const chosen = text(value);
    if (!TLS_VERSIONS.includes(chosen)) {
      out.push(violation(field(path, name), fieldMustBeOneOf(name, TLS_VERSIONS)));
      return undefined;
    }
    return TLS_VERSION_ORDER[chosen];
  };
  const min = specific("min");
  const max = specific("max");
  if (min !== undefined && max !== undefined && min > max) out.push(violation(field(path, "min"), "min version must be lower than max"));
  return out;
}

// Go regular expressions (regexp/syntax with the Perl flags of regexp.Compile).

/** The error `regexp.Compile(pattern)` returns, or undefined when Go accepts the pattern. */
export function goRegexpError(pattern: string): string | undefined {
  const problem = new GoRegexpChecker(pattern).check();
  return problem === undefined ? undefined : `error parsing regexp: ${problem.code}: \`${problem.text}\``;
}

interface RegexpProblem {
  readonly code: string;
  readonly text: string;
}

const POSIX_CLASSES = new Set(["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"]);
const MAX_REPEAT = 1000;

/**
 * A recognizer for RE2 syntax that reports the first error as Go's parser does (error code and offending text).
 * It does not build the regexp; Unicode class names after `\p` are not checked against Go's tables.
 */
class GoRegexpChecker {
  private i = 0;
  /** What is on the parse stack, enough to know whether a repetition has an operand. */
  private operand = false;
  /** Start of the previous repetition operator when it directly precedes the current position. */
  private lastRepeat = -1;
  private depth = 0;
  private readonly names = new Set<string>();

  constructor(private readonly s: string) {}

  check(): RegexpProblem | undefined {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i] ?? "";
      const repeatStart = this.i;
      let problem: RegexpProblem | undefined;
      let isRepeat = false;
      switch (c) {
        case "(":
          problem = this.group();
          break;
        case "|":
          this.i++;
          this.operand = false;
          break;
        case ")":
          if (this.depth === 0) return { code: "unexpected )", text: s };
          this.depth--;
          this.i++;
          this.operand = true;
          break;
        case "^":
        case "$":
        case ".":
          this.i++;
          this.operand = true;
          break;
        case "[":
          problem = this.charClass();
          this.operand = true;
          break;
        case "*":
        case "+":
        case "?":
          this.i++;
          problem = this.repeat(repeatStart);
          isRepeat = true;
          break;
        case "{": {
          const end = this.braceRepeatEnd();
          if (end === undefined) {
            this.i++; // not a repetition: a literal brace
            this.operand = true;
            break;
          }
          const [min, max] = this.braceBounds(s.slice(this.i + 1, end - 1));
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            return { code: "invalid repeat count", text: s.slice(this.i, end) };
          }
          this.i = end;
          problem = this.repeat(repeatStart);
          isRepeat = true;
          break;
        }
        case "\\":
          problem = this.escape(false);
          this.operand = true;
          break;
        default:
          this.i += c.length;
          this.operand = true;
      }
      if (problem) return problem;
      this.lastRepeat = isRepeat ? repeatStart : -1;
    }
    if (this.depth > 0) return { code: "missing closing )", text: s };
    return undefined;
  }

  /** After `*`, `+`, `?` or `{n,m}` (already consumed from `start`): an optional non-greedy `?`, then the checks. */
  private repeat(start: number): RegexpProblem | undefined {
    if (this.s[this.i] === "?") this.i++;
    if (this.lastRepeat >= 0) return { code: "invalid nested repetition operator", text: this.s.slice(this.lastRepeat, this.i) };
    if (!this.operand) return { code: "missing argument to repetition operator", text: this.s.slice(start, this.i) };
    return undefined;
  }

  /** The index after a valid `{n}`, `{n,}` or `{n,m}` starting at the current position, else undefined. */
  private braceRepeatEnd(): number | undefined {
    const match = /^\{(0|[1-9]\d*)(,(0|[1-9]\d*)?)?\}/.exec(this.s.slice(this.i)); // Go: no leading zeros
    return match ? this.i + match[0].length : undefined;
  }

  private braceBounds(inner: string): [number, number] {
    const [low = "", high] = inner.split(",");
    const bound = (digits: string): number => (digits.length > 8 ? -1 : Number(digits));
    const min = bound(low);
    if (high === undefined) return [min, min];
    return [min, high === "" ? -1 : bound(high)];
  }

  private group(): RegexpProblem | undefined {
    const s = this.s;
    const start = this.i;
    if (s.startsWith("(?", start)) {
      const named = /^\(\?P?<([^>]*)>/.exec(s.slice(start));
      if (s.startsWith("(?P<", start) || s.startsWith("(?<", start)) {
        if (!named) return { code: "invalid named capture", text: s.slice(start) };
        const name = named[1] ?? "";
        if (!/^[A-Za-z0-9_]+$/.test(name)) return { code: "invalid named capture", text: named[0] };
        if (this.names.has(name)) return { code: "duplicate capture group name", text: name };
        this.names.add(name);
        this.i = start + named[0].length;
        return this.open();
      }
      return this.flags(start);
    }
    this.i++;
    return this.open();
  }

  private open(): undefined {
    this.depth++;
    this.operand = false;
    return undefined;
  }

  /** `(?flags)` or `(?flags:`; anything else is unsupported Perl syntax (lookarounds, backreferences, ...). */
  private flags(start: number): RegexpProblem | undefined {
    const s = this.s;
    let j = start + 2;
    let negated = false;
    let sawFlag = false;
    while (j < s.length) {
      const c = s[j] ?? "";
      j++;
      if ("imsU".includes(c)) sawFlag = true;
      else if (c === "-" && !negated) {
        negated = true;
        sawFlag = false;
      } else if ((c === ":" || c === ")") && (!negated || sawFlag)) {
        this.i = j;
        // A bare flag change is no operand and leaves the operand state as it was.
        return c === ":" ? this.open() : undefined;
      } else break;
    }
    return { code: "invalid or unsupported Perl syntax", text: s.slice(start, j) };
  }

  private charClass(): RegexpProblem | undefined {
    const s = this.s;
    const start = this.i;
    this.i++;
    if (s[this.i] === "^") this.i++;
    let first = true;
    while (this.i < s.length && (s[this.i] !== "]" || first)) {
      first = false;
      if (s.startsWith("[:", this.i)) {
        const close = s.indexOf(":]", this.i + 2);
        if (close >= 0) {
          const name = s.slice(this.i + 2, close).replace(/^\^/, "");
          if (!POSIX_CLASSES.has(name)) return { code: "invalid character class range", text: s.slice(this.i, close + 2) };
          this.i = close + 2;
          continue;
        }
      }
      const lowStart = this.i;
      const low = this.classChar();
      if (typeof low !== "number") {
        if (low) return low;
        continue; // a class such as \d: no range
      }
      if (s[this.i] === "-" && this.i + 1 < s.length && s[this.i + 1] !== "]") {
        this.i++;
        const high = this.classChar();
        if (typeof high !== "number") {
          if (high) return high;
          return { code: "invalid character class range", text: s.slice(lowStart, this.i) };
        }
        if (high < low) return { code: "invalid character class range", text: s.slice(lowStart, this.i) };
      }
    }
    if (this.i >= s.length) return { code: "missing closing ]", text: s.slice(start) };
    this.i++; // ]
    return undefined;
  }

  /** One character of a class: its code point, undefined for an escaped class (`\d`), or the escape's error. */
  private classChar(): number | RegexpProblem | undefined {
    const s = this.s;
    if (s[this.i] === "\\") {
      const start = this.i;
      const problem = this.escape(true);
      if (problem) return problem;
      const escaped = s.slice(start, this.i);
      return escapedCodePoint(escaped);
    }
    const code = s.codePointAt(this.i) ?? 0;
    this.i += code > 0xffff ? 2 : 1;
    return code;
  }

  /** A backslash escape at the current position, as Go's `parseEscape` (and the class shorthands) accept them. */
  private escape(inClass: boolean): RegexpProblem | undefined {
    const s = this.s;
    const start = this.i;
    const next = s[start + 1];
    if (next === undefined) return { code: "trailing backslash at end of expression", text: "" };
    this.i = start + 2;
    if (!inClass && "bBAz".includes(next)) return undefined;
    if (!inClass && next === "Q") {
      const end = s.indexOf("\\E", this.i);
      this.i = end < 0 ? s.length : end + 2;
      return undefined;
    }
    if ("dDsSwW".includes(next)) return undefined;
    if (next === "p" || next === "P") {
      if (s[this.i] === "{") {
        const close = s.indexOf("}", this.i);
        if (close < 0) return { code: "invalid character class range", text: s.slice(start) };
        this.i = close + 1;
      } else if (this.i < s.length) this.i++;
      else return { code: "invalid character class range", text: s.slice(start) };
      return undefined;
    }
    if (next.charCodeAt(0) < 0x80 && !/[A-Za-z0-9]/.test(next)) return undefined; // escaped punctuation
    if ("afnrtv".includes(next)) return undefined;
    if (next >= "1" && next <= "7") {
      // A lone non-zero digit would be a backreference, which RE2 does not support.
      if (!/[0-7]/.test(s[this.i] ?? "")) return { code: "invalid escape sequence", text: s.slice(start, this.i) };
    }
    if (next >= "0" && next <= "7") {
      for (let k = 0; k < 2 && /[0-7]/.test(s[this.i] ?? ""); k++) this.i++;
      return undefined;
    }
    if (next === "x") {
      if (s[this.i] === "{") {
        const close = s.indexOf("}", this.i);
        const hex = close < 0 ? "" : s.slice(this.i + 1, close);
        if (close < 0 || !/^[0-9A-Fa-f]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff) {
          this.i = close < 0 ? s.length : close + 1;
          return { code: "invalid escape sequence", text: s.slice(start, this.i) };
        }
        this.i = close + 1;
        return undefined;
      }
      const hex = s.slice(this.i, this.i + 2);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        this.i = Math.min(s.length, this.i + 2);
        return { code: "invalid escape sequence", text: s.slice(start, this.i) };
      }
      this.i += 2;
      return undefined;
    }
    return { code: "invalid escape sequence", text: s.slice(start, this.i) };
  }
}

const SIMPLE_ESCAPE_CODES: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** The code point an escape inside a class stands for, or undefined for a class escape (`\d`, `\pL`). */
function escapedCodePoint(escape: string): number | undefined {
  const body = escape.slice(1);
  const simple = SIMPLE_ESCAPE_CODES[body];
  if (simple !== undefined) return simple;
  if (/^[0-7]{1,3}$/.test(body)) return parseInt(body, 8);
  if (body.startsWith("x{")) return parseInt(body.slice(2, -1), 16);
  if (body.startsWith("x")) return parseInt(body.slice(1), 16);
  if (/^[dDsSwWpP]/.test(body)) return undefined;
  return body.codePointAt(0);
}
