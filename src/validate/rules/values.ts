/**
 * Value predicates the validators take from Go's standard library and from govalidator (the version Kuma v2.14.3 pins,
 * a9d515a), ported so that a value is accepted exactly when the control plane accepts it: IP addresses and CIDRs
 * (`net`, `net/netip`), DNS names, URLs and file paths (govalidator), regular expressions (`regexp`, RE2 syntax) and
 * TLS versions (`api/common/v1alpha1/tls`).
 */
import { createRequire } from "node:module";
import { isIPv4, isIPv6 } from "node:net";
import type * as Re2Module from "re2js";
import type { Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, violation } from "./json.js";
import { goQuote } from "../../kuma/duration.js";
import { parseGoURL } from "./goNet.js";

/** Go's `net.ParseIP(s) != nil` (govalidator `IsIP`): dotted IPv4 without leading zeros, or IPv6 without a zone. */
export function isGoIP(value: string): boolean {
  if (value.includes("%")) return false;
  if (isIPv6(value)) return true;
  return isIPv4(value) && value.split(".").every((part) => part === "0" || !part.startsWith("0"));
}

/** Go's `net.ParseCIDR` (govalidator `IsCIDR`): an address as `isGoIP` reads it, then a prefix length in range. */
export function isGoCIDR(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!isGoIP(address) || !/^\d+$/.test(prefix)) return false;
  // An IPv4-mapped IPv6 address counts as IPv6 (128 bits), as in netip.
  const bits = address.includes(":") ? 128 : 32;
  return Number(prefix) <= bits;
}

const DNS_NAME = /^([a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62}){1}(\.[a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62})*[._]?$/;

/** govalidator `IsDNSName`. */
export function isDNSName(value: string): boolean {
  if (value === "" || value.replace(/\./g, "").length > 255) return false;
  return !isGoIP(value) && DNS_NAME.test(value);
}

let re2: typeof Re2Module.RE2JS | undefined;
let urlPattern: Re2Module.RE2JS | undefined;

/**
 * The RE2 engine, loaded on first use: its module took 30–170 ms of every command's start, and only URL and regular
 * expression fields need it.
 */
function RE2(): typeof Re2Module.RE2JS {
  // The plain require() is for the Action's bundle, where esbuild resolves it (as in validate/formats.ts newAjv).
  re2 ??= (
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a literal require() is what esbuild bundles
    (typeof require === "function" ? require("re2js") : createRequire(import.meta.url)("re2js")) as typeof Re2Module
  ).RE2JS;
  return re2;
}

// govalidator's URL pattern, kept in Go syntax and run by an RE2 engine: its nested repetitions would backtrack
// exponentially in a JavaScript RegExp.
const GO_IP =
  "(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))";
const URL_SCHEMA = "((ftp|tcp|udp|wss?|https?):\\/\\/)";
const URL_USERNAME = "(\\S+(:\\S*)?@)";
const URL_PATH = "((\\/|\\?|#)[^\\s]*)";
const URL_PORT = "(:(\\d{1,5}))";
const URL_IP = "([1-9]\\d?|1\\d\\d|2[01]\\d|22[0-3]|24\\d|25[0-5])(\\.(\\d{1,2}|1\\d\\d|2[0-4]\\d|25[0-5])){2}(?:\\.([0-9]\\d?|1\\d\\d|2[0-4]\\d|25[0-5]))";
const URL_SUBDOMAIN = "((www\\.)|([a-zA-Z0-9]+([-_\\.]?[a-zA-Z0-9])*[a-zA-Z0-9]\\.[a-zA-Z0-9]+))";
const URL_PATTERN = `^${URL_SCHEMA}?${URL_USERNAME}?((${URL_IP}|(\\[${GO_IP}\\])|(([a-zA-Z0-9]([a-zA-Z0-9-_]+)?[a-zA-Z0-9]([-\\.][a-zA-Z0-9]+)*)|(${URL_SUBDOMAIN}?))?(([a-zA-Z\\x{00a1}-\\x{ffff}0-9]+-?-?)*[a-zA-Z\\x{00a1}-\\x{ffff}0-9]+)(?:\\.([a-zA-Z\\x{00a1}-\\x{ffff}]{1,}))?))\\.?${URL_PORT}?${URL_PATH}?$`;
const MAX_URL_RUNES = 2083;
const MIN_URL_BYTES = 3;

/** govalidator `IsURL`. */
export function isURL(value: string): boolean {
  if (value === "" || [...value].length >= MAX_URL_RUNES || Buffer.byteLength(value, "utf8") <= MIN_URL_BYTES || value.startsWith(".")) {
    return false;
  }
  // A host:port without a scheme is read as http, for url.Parse only.
  const parsed = parseGoURL(value.includes(":") && !value.includes("://") ? `http://${value}` : value);
  if (parsed === undefined || parsed.host.startsWith(".")) return false;
  if (parsed.host === "" && parsed.path !== "" && !parsed.path.includes(".")) return false;
  urlPattern ??= RE2().compile(URL_PATTERN);
  return urlPattern.matcher(value).find();
}

const WINDOWS_PATH = /^[a-zA-Z]:\\(?:[^\\/:*?"<>|\r\n]+\\)*[^\\/:*?"<>|\r\n]*$/;
const UNIX_PATH = /^(\/[^/\x00]*)+\/?$/; // eslint-disable-line no-control-regex
const MAX_WINDOWS_PATH = 32767;

/** govalidator `IsFilePath`: an absolute Windows or Unix path. */
export function isFilePath(value: string): boolean {
  if (WINDOWS_PATH.test(value)) return Buffer.byteLength(value.slice(3), "utf8") <= MAX_WINDOWS_PATH;
  return UNIX_PATH.test(value);
}

/** Go's `regexp.Compile` (RE2 syntax: no lookaround, no backreferences): the error text, or undefined when it compiles. */
export function goRegexpError(pattern: string): string | undefined {
  try {
    RE2().compile(pattern);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Go always quotes the offending text, even when it is empty (a trailing backslash): "...: ``". RE2JS drops it.
    return message.endsWith("`") ? message : `${message}: \`\``;
  }
}

/** govalidator `IsJSON` (`json.Valid`). */
export function isJSON(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

// TLS versions (api/common/v1alpha1/tls/tls.go).

export const TLS_VERSIONS = ["TLSAuto", "TLS10", "TLS11", "TLS12", "TLS13"];
const TLS_VERSION_ORDER: Readonly<Record<string, number>> = { TLS10: 0, TLS11: 1, TLS12: 2, TLS13: 3 };

/** `validators.MakeOneOfErr`: `"a" <message> [when "b" is] one of ["x", "y"]`. */
export function oneOf(fieldA: string, fieldB: string, message: string, values: readonly string[]): string {
  const quoted = values.map(goQuote).join(", ");
  return fieldB === "" ? `${goQuote(fieldA)} ${message} one of [${quoted}]` : `${goQuote(fieldA)} ${message} when ${goQuote(fieldB)} is one of [${quoted}]`;
}

/** `validators.MakeFieldMustBeOneOfErr`: `"name" must be one of ["a", "b"]`. */
export function mustBeOneOf(name: string, allowed: readonly string[]): string {
  return oneOf(name, "", "must be", allowed);
}

/** `tls.ValidateVersion` on `{min, max}` at `path`: known values, and min not above max. */
export function validateTlsVersion(path: string, min: Json, max: Json): Violation[] {
  const out: Violation[] = [];
  const check = (name: string, value: Json): string | undefined => {
    if (typeof value !== "string") return undefined; // absent (or not a string: a decoding error)
    if (!TLS_VERSIONS.includes(value)) {
      out.push(violation(field(path, name), mustBeOneOf(name, TLS_VERSIONS)));
      return undefined;
    }
    return value === "TLSAuto" ? undefined : value;
  };
  const specificMin = check("min", min);
  const specificMax = check("max", max);
  if (specificMin !== undefined && specificMax !== undefined && (TLS_VERSION_ORDER[specificMin] ?? 0) > (TLS_VERSION_ORDER[specificMax] ?? 0)) {
    out.push(violation(field(path, "min"), "min version must be lower than max"));
  }
  return out;
}
