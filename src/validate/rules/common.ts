/**
 * Checks shared by several validators, ported from the control plane: `pkg/core/validators/common_validators.go`
 * (durations, integers, percentages), `pkg/core/resources/apis/mesh/validators.go` (tags, `ValidateMatch`), and the
 * helpers they call from Kubernetes (`IsDNS1123Subdomain`, `ParseIPSloppy`) and go-spiffe (`spiffeid.FromString`).
 */
import { isIPv6 } from "node:net";
import type { Violation } from "../../model/resource.js";
import { goQuote, parseGoDurationDetailed } from "../../kuma/duration.js";
import { jsonpbNumber } from "../../kuma/protoForm.js";
import type { Json } from "./json.js";
import { field, isNonEmpty, isSet, key, numberOf, objectOf, prop, text, violation } from "./json.js";
import { isFilePath, mustBeOneOf } from "./values.js";
import { compareText } from "../../model/order.js";

// Messages, as in pkg/core/validators/messages.go.
export const MUST_BE_DEFINED = "must be defined";
export const MUST_BE_SET = "must be set";
export const MUST_NOT_BE_DEFINED = "must not be defined";
export const MUST_NOT_BE_EMPTY = "must not be empty";
export const MUST_BE_GREATER_THAN_ZERO = "must be greater than 0";
export const MUST_BE_DEFINED_AND_GREATER_THAN_ZERO = "must be defined and greater than zero";
const WHEN_DEFINED_NON_NEGATIVE = "must not be negative when defined";
const WHEN_DEFINED_GREATER_THAN_ZERO = "must be greater than zero when defined";
const UINT_PERCENTAGE_RANGE = "must be in inclusive range [0, 100]";
const PERCENTAGE_RANGE = "must be in inclusive range [0.0, 100.0]";
const STRING_MUST_BE_NUMBER = "string must be a valid number";
const STATUS_CODE_RANGE = "must be in inclusive range [100, 599]";
const PORT_RANGE = "port must be a valid (1-65535)";

export function mustHaveAtLeastOne(...names: string[]): string {
  return `must have at least one defined: ${names.join(", ")}`;
}

// Durations (metav1.Duration). A string Go cannot parse fails JSON decoding on the server (400 Bad Request) before any
// validator runs; it is reported here at the field with Go's own error text so the author sees it before applying.
// Values of another JSON type are left to the schema check.

type DurationCheck = "any" | "notNegative" | "greaterThanZero" | "definedAndGreaterThanZero";

export function checkDuration(path: string, value: Json, check: DurationCheck): Violation[] {
  if (typeof value !== "string") return [];
  const parsed = parseGoDurationDetailed(value);
  if (!parsed.ok) return [violation(path, parsed.error)];
  const ns = parsed.nanoseconds;
  switch (check) {
    case "notNegative":
      return ns < 0n ? [violation(path, WHEN_DEFINED_NON_NEGATIVE)] : [];
    case "greaterThanZero":
      return ns <= 0n ? [violation(path, WHEN_DEFINED_GREATER_THAN_ZERO)] : [];
    case "definedAndGreaterThanZero":
      return ns <= 0n ? [violation(path, MUST_BE_DEFINED_AND_GREATER_THAN_ZERO)] : [];
    case "any":
      return [];
  }
}

// Numbers.

/** `ValidateIntegerGreaterThanZeroOrNil` (uint32 fields; a negative number could not even be decoded). */
export function integerGreaterThanZeroOrNil(path: string, value: Json): Violation[] {
  const n = numberOf(value);
  return n !== undefined && n <= 0 ? [violation(path, MUST_BE_GREATER_THAN_ZERO)] : [];
}

/** `ValidateUInt32PercentageOrNil`. */
export function uint32PercentageOrNil(path: string, value: Json): Violation[] {
  const n = numberOf(value);
  return n !== undefined && (n < 0 || n > 100) ? [violation(path, UINT_PERCENTAGE_RANGE)] : [];
}

/** `ValidatePercentageOrNil` on an int-or-string decimal. */
export function percentageOrNil(path: string, value: Json): Violation[] {
  if (!isSet(value)) return [];
  const n = decimalOf(value);
  if (n === undefined) return typeof value === "string" ? [violation(path, STRING_MUST_BE_NUMBER)] : [];
  return n < 0 || n > 100 ? [violation(path, PERCENTAGE_RANGE)] : [];
}

/** `ValidatePercentage` on an int-or-string decimal that is a struct value: absent reads as 0. */
export function percentage(path: string, value: Json, allowZero: boolean): Violation[] {
  const n = isSet(value) ? decimalOf(value) : 0;
  if (n === undefined) return typeof value === "string" ? [violation(path, STRING_MUST_BE_NUMBER)] : [];
  if (n < 0 || n > 100) return [violation(path, PERCENTAGE_RANGE)];
  return !allowZero && n === 0 ? [violation(path, MUST_BE_GREATER_THAN_ZERO)] : [];
}

/** `ValidateIntOrStringGreaterOrEqualThan`. */
export function intOrStringAtLeast(path: string, value: Json, min: number): Violation[] {
  if (!isSet(value)) return [];
  const n = decimalOf(value);
  if (n === undefined) return typeof value === "string" ? [violation(path, STRING_MUST_BE_NUMBER)] : [];
  return n < min ? [violation(path, `must be greater or equal then: ${min}`)] : [];
}

/** `ValidateValueGreaterThanZeroOrNil` (int32 fields). */
export function valueGreaterThanZeroOrNil(path: string, value: Json): Violation[] {
  const n = numberOf(value);
  return n !== undefined && n <= 0 ? [violation(path, WHEN_DEFINED_GREATER_THAN_ZERO)] : [];
}

/** `ValidateIntPercentageOrNil` (int32 fields). */
export function intPercentageOrNil(path: string, value: Json): Violation[] {
  return uint32PercentageOrNil(path, value);
}

/** `ValidateIntegerGreaterThan` on a uint32 struct value: absent reads as 0. */
export function integerGreaterThan(path: string, value: Json, min: number): Violation[] {
  const n = isSet(value) ? numberOf(value) : 0;
  return n !== undefined && n <= min ? [violation(path, `must be greater than ${min}`)] : [];
}

/** `ValidateStatusCode` on an int32 struct value: absent reads as 0. */
export function statusCode(path: string, value: Json): Violation[] {
  const n = isSet(value) ? numberOf(value) : 0;
  return n !== undefined && (n < 100 || n >= 600) ? [violation(path, STATUS_CODE_RANGE)] : [];
}

/** `validators.ValidatePort` on a uint32 struct value: absent reads as 0. */
export function port(path: string, value: Json): Violation[] {
  const n = isSet(value) ? numberOf(value) : 0;
  return n !== undefined && (n === 0 || n > 65535) ? [violation(path, PORT_RANGE)] : [];
}

/**
 * `ValidateDurationGreaterThan` on a duration struct value, so absent reads as 0 (`minimum` in nanoseconds,
 * `minimumText` as Go prints it).
 */
export function durationGreaterThan(path: string, value: Json, minimum: bigint, minimumText: string): Violation[] {
  let nanoseconds = 0n;
  if (typeof value === "string") {
    const parsed = parseGoDurationDetailed(value);
    if (!parsed.ok) return [violation(path, parsed.error)];
    nanoseconds = parsed.nanoseconds;
  } else if (isSet(value)) {
    return [];
  }
  return nanoseconds <= minimum ? [violation(path, `must be greater than: ${minimumText}`)] : [];
}

/** `ValidatePathOrNil`. */
export function pathOrNil(path: string, value: Json): Violation[] {
  return typeof value === "string" && !isFilePath(value) ? [violation(path, "must be a valid path when defined")] : [];
}

// validators.BandwidthRegex, `^(\d*)\s?([GMk]+bps)$`, with Go's ASCII-only `\s`.
const BANDWIDTH = /^(\d*)[\t\n\f\r ]?([GMk]+bps)$/;

/** `ValidateBandwidth` on a string struct value. */
export function bandwidth(path: string, value: Json): Violation[] {
  const limit = text(value);
  if (limit === "") return [violation(path, MUST_BE_DEFINED)];
  return BANDWIDTH.test(limit) ? [] : [violation(path, "must be in kbps/Mbps/Gbps units")];
}

const OTEL_ATTRIBUTE_NAME = /^[a-z](?:[a-z0-9]|[._][a-z0-9])*$/;

/** `ValidateOtelAttributeName`: at most one problem, the first that applies. */
export function otelAttributeName(path: string, value: Json): Violation[] {
  const name = text(value);
  if (name === "") return [violation(path, MUST_BE_DEFINED)];
  if (name.includes("%")) {
    return [violation(path, "must be a static OpenTelemetry attribute name; placeholders are only supported in values")];
  }
  if (name.startsWith("otel.")) return [violation(path, "must not use the reserved OpenTelemetry prefix 'otel.'")];
  if (!OTEL_ATTRIBUTE_NAME.test(name)) {
    return [
      violation(
        path,
        "must start with a lowercase letter, use only lowercase letters, digits, '.' or '_', avoid consecutive delimiters, and end with a letter or digit",
      ),
    ];
  }
  return [];
}

/**
 * `ValidateOtelBackendRefOrEndpoint` for the `openTelemetry` object at `path`: exactly one of `endpoint` and
 * `backendRef`; an endpoint is a host:port, never a URL (`extraEndpointCheck` adds a policy's own rule).
 */
export function otelBackendRefOrEndpoint(path: string, otel: Json, extraEndpointCheck?: (endpoint: string) => Violation[]): Violation[] {
  const object = objectOf(otel);
  const endpoint = text(prop(object, "endpoint"));
  const backendRef = prop(object, "backendRef");
  if (endpoint !== "" && isSet(backendRef)) {
    return [violation(path, "openTelemetry must have only one type defined: endpoint, backendRef")];
  }
  if (endpoint === "" && !isSet(backendRef)) {
    return [violation(path, "openTelemetry must have exactly one defined: endpoint, backendRef")];
  }
  if (isSet(backendRef)) {
    const ref = objectOf(backendRef);
    const refPath = field(path, "backendRef");
    const out: Violation[] = [];
    if (text(prop(ref, "kind")) !== "MeshOpenTelemetryBackend") {
      out.push(violation(field(refPath, "kind"), mustBeOneOf("kind", ["MeshOpenTelemetryBackend"])));
    }
    if (!isNonEmpty(prop(ref, "labels"))) out.push(violation(refPath, "backendRef must have exactly one defined: labels"));
    return out;
  }
  if (/[/?#]/.test(endpoint)) return [violation(field(path, "endpoint"), "must be in host:port format, not a URL")];
  return extraEndpointCheck?.(endpoint) ?? [];
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** An int-or-string read as shopspring `decimal.NewFromString` would; undefined when it is not a number. */
export function decimalOf(value: Json): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && DECIMAL.test(value)) return Number(value);
  return undefined;
}

// Protobuf kinds (MeshGateway, Dataplane).

/** A proto uint32 as jsonpb reads it (jsonpbNumber): a number or a numeric string; 0 (proto3's zero) when absent. */
export function protoUint32(value: Json): number {
  const n = jsonpbNumber(value);
  return typeof n === "number" ? n : 0;
}

/**
 * A proto enum's value as the validators switch on it, Go's String(): its name, given by name or number; a number
 * without a name (jsonpb takes any int32) in decimal; the zero value's name when unset.
 */
export function protoEnumName(value: Json, names: Readonly<Record<number, string>>): string {
  if (typeof value === "number") return names[value] ?? String(value);
  return typeof value === "string" && value !== "" ? value : (names[0] ?? "");
}

/** `ValidatePort` (pkg/core/resources/apis/mesh/validators.go) on a proto uint32. */
export function protoPortViolations(path: string, value: Json): Violation[] {
  const port = protoUint32(value);
  return port === 0 || port > 65535 ? [violation(path, "port must be in the range [1, 65535]")] : [];
}

// Tags (pkg/core/resources/apis/mesh/validators.go).

const TAG_NAME_CHARACTERS = /^[a-zA-Z0-9.\-_:/]*$/;
const TAG_VALUE_CHARACTERS = /^[a-zA-Z0-9.\-_:]*$/;
const SELECTOR_VALUE_CHARACTERS = /^([a-zA-Z0-9.\-_:/]*|\*)$/;

export interface TagsOptions {
  readonly requireAtLeastOneTag?: boolean;
  /** `RequireService`: the `kuma.io/service` tag must be there. */
  readonly requireService?: boolean;
  /** `SelectorKeyNotInSet`: tag names that must not be used here. */
  readonly forbiddenKeys?: readonly string[];
}

export const SERVICE_TAG = "kuma.io/service";

/** `ValidateTags`: tag values of a real tag set (no `*`, no `/`). */
export function validateTags(path: string, tags: Json, options: TagsOptions = {}): Violation[] {
  return validateTagKeyValues(path, tags, options, (value) =>
    TAG_VALUE_CHARACTERS.test(value) ? undefined : "tag value must consist of alphanumeric characters, dots, dashes and underscores",
  );
}

/** `ValidateSelector`: tag values of a selector, where `*` matches anything. */
export function validateSelector(path: string, tags: Json, options: TagsOptions = {}): Violation[] {
  return validateTagKeyValues(path, tags, options, (value) =>
    SELECTOR_VALUE_CHARACTERS.test(value)
      ? undefined
      : 'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"',
  );
}

function validateTagKeyValues(
  path: string,
  tags: Json,
  options: TagsOptions,
  valueProblem: (value: string) => string | undefined,
): Violation[] {
  const map = objectOf(tags) ?? {};
  const out: Violation[] = [];
  const keys = Object.keys(map).sort(compareGoStrings); // Go sorts the keys "for consistency"
  if (options.requireAtLeastOneTag && keys.length === 0) out.push(violation(path, "must have at least one tag"));
  for (const name of keys) {
    if (name === "") out.push(violation(path, "tag name must be non-empty"));
    if (!TAG_NAME_CHARACTERS.test(name)) {
      out.push(violation(key(path, name), "tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores"));
    }
    if (options.forbiddenKeys?.includes(name)) out.push(violation(key(path, name), `tag name must not be ${goQuote(name)}`));
    const value = text(prop(map, name));
    if (value === "") out.push(violation(key(path, name), "tag value must be non-empty"));
    const problem = valueProblem(value);
    if (problem !== undefined) out.push(violation(key(path, name), problem));
  }
  if (options.requireService && !Object.hasOwn(map, SERVICE_TAG)) out.push(violation(path, `mandatory tag ${goQuote(SERVICE_TAG)} is missing`));
  return out;
}

/** Go's `sort.Strings` compares bytes; UTF-16 order only differs above the BMP, which tag names never use. */
const compareGoStrings = compareText;

// Matches on source identity (common_api.Match), `ValidateMatch`.

export function validateMatch(path: string, match: Json): Violation[] {
  const out: Violation[] = [];
  const object = objectOf(match);
  const spiffeID = prop(object, "spiffeID");
  if (isSet(spiffeID)) {
    const problem = spiffeIdProblem(text(prop(objectOf(spiffeID), "value")));
    if (problem !== undefined) out.push(violation(field(path, "spiffeID"), `must be a valid Spiffe ID: ${problem}`));
  }
  const sni = prop(object, "sni");
  if (isSet(sni)) {
    const sniObject = objectOf(sni);
    const type = text(prop(sniObject, "type"));
    if (type === "") out.push(violation(field(path, "sni.type"), MUST_BE_SET));
    else if (type !== "Exact") out.push(violation(field(path, "sni.type"), `unrecognized type ${goQuote(type)}, supported values are: Exact`));
    const value = text(prop(sniObject, "value"));
    if (value === "") out.push(violation(field(path, "sni.value"), MUST_BE_SET));
    else for (const problem of dns1123SubdomainProblems(value)) out.push(violation(field(path, "sni.value"), problem));
  }
  return out;
}

/**
 * The `matches` of a `rules[]` item in the policies that take source identity (MeshTimeout, MeshRateLimit): each
 * names a SPIFFE ID or an SNI, with a known match type. Also says whether any matched on a SPIFFE ID, which limits
 * what the rule's `default` may configure.
 */
export function validateSourceMatches(matchesPath: string, matches: readonly Json[]): { violations: Violation[]; hasSpiffeID: boolean } {
  const violations: Violation[] = [];
  let hasSpiffeID = false;
  matches.forEach((match, i) => {
    const path = `${matchesPath}[${i}]`;
    violations.push(...validateMatch(path, match));
    const spiffeID = prop(objectOf(match), "spiffeID");
    if (!isSet(spiffeID) && !isSet(prop(objectOf(match), "sni"))) {
      violations.push(violation(path, "must specify at least one of 'spiffeID' or 'sni'"));
      return;
    }
    if (isSet(spiffeID)) {
      hasSpiffeID = true;
      const type = text(prop(objectOf(spiffeID), "type"));
      const typePath = field(path, "spiffeID.type");
      if (type === "") violations.push(violation(typePath, MUST_BE_SET));
      else if (type !== "Exact" && type !== "Prefix") {
        violations.push(violation(typePath, `unrecognized type ${goQuote(type)}, supported values are: Exact, Prefix`));
      }
    }
  });
  return { violations, hasSpiffeID };
}

/** Why a `rules[]` item matching on a SPIFFE ID cannot set a field Envoy applies before the peer is known. */
export const SOURCE_CONDITIONED_MESSAGE =
  "can't be specified when matches contain spiffeID because this field cannot be conditioned on source identity";

/** go-spiffe v2 `spiffeid.FromString`: the error text, or undefined for a valid SPIFFE ID. */
export function spiffeIdProblem(id: string): string | undefined {
  const scheme = "spiffe://";
  if (id === "") return "cannot be empty";
  if (!id.startsWith(scheme)) return "scheme is missing or invalid";
  let pathStart = scheme.length;
  for (; pathStart < id.length; pathStart++) {
    const c = id[pathStart] ?? "";
    if (c === "/") break;
    if (!/^[a-z0-9._-]$/.test(c)) return "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores";
  }
  if (pathStart === scheme.length) return "trust domain is missing";
  return spiffePathProblem(id.slice(pathStart));
}

function spiffePathProblem(path: string): string | undefined {
  if (path === "") return undefined;
  if (!path.startsWith("/")) return "path must have a leading slash";
  let segmentStart = 0;
  let i = 0;
  for (; i < path.length; i++) {
    const c = path[i] ?? "";
    if (c === "/") {
      const segment = path.slice(segmentStart, i);
      if (segment === "/") return "path cannot contain empty segments";
      if (segment === "/." || segment === "/..") return "path cannot contain dot segments";
      segmentStart = i;
      continue;
    }
    if (!/^[a-zA-Z0-9._-]$/.test(c)) return "path segment characters are limited to letters, numbers, dots, dashes, and underscores";
  }
  const last = path.slice(segmentStart, i);
  if (last === "/") return "path cannot have a trailing slash";
  if (last === "/." || last === "/..") return "path cannot contain dot segments";
  return undefined;
}

// Host names (k8s.io/apimachinery/pkg/util/validation).

const DNS1123_SUBDOMAIN_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
export const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FORMAT}$`);
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
/** What Kubernetes says of a value that does not match DNS1123_SUBDOMAIN. */
export const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end " +
  `with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FORMAT}')`;

/** `IsDNS1123Subdomain`: every problem, length first, with Kubernetes' exact wording. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(value, "utf8") > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    problems.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters`);
  }
  if (!DNS1123_SUBDOMAIN.test(value)) problems.push(DNS1123_SUBDOMAIN_MESSAGE);
  return problems;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `IsDNS1123Label` as the SNI check uses it: a valid subdomain that is not a label must not contain dots. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1035_LABEL_MAX_LENGTH) problems.push(`must be no more than ${DNS1035_LABEL_MAX_LENGTH} characters`);
  if (!DNS1123_LABEL.test(value)) problems.push(DNS1123_SUBDOMAIN.test(value) ? "must not contain dots" : DNS1123_SUBDOMAIN_MESSAGE);
  return problems;
}

export const DNS1035_LABEL_FORMAT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL = new RegExp(`^${DNS1035_LABEL_FORMAT}$`);
export const DNS1035_LABEL_MAX_LENGTH = 63;

/** `IsDNS1035Label` (apimachinery's `NameIsDNS1035Label` without a prefix): every problem, length first. */
export function dns1035LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1035_LABEL_MAX_LENGTH) problems.push(`must be no more than ${DNS1035_LABEL_MAX_LENGTH} characters`);
  if (!DNS1035_LABEL.test(value)) {
    problems.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and " +
        `end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL_FORMAT}')`,
    );
  }
  return problems;
}

/** `netutils.ParseIPSloppy(s) != nil`: IPv4 (leading zeros allowed) or IPv6 without a zone. */
export function isSloppyIP(value: string): boolean {
  if (value.includes("%")) return false;
  return isSloppyIPv4(value) || isIPv6(value);
}

function isSloppyIPv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^\d+$/.test(part) && Number(part) <= 255);
}

// HTTP status codes Go's `http.StatusText` knows (net/http/status.go).
export const KNOWN_HTTP_STATUS_CODES: ReadonlySet<number> = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402,
  403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431,
  451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Go's `strconv.Atoi`: optional sign and decimal digits only, within int64. */
export function goAtoi(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
