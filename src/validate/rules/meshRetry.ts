/**
 * MeshRetry (`pkg/plugins/policies/meshretry/api/v1alpha1/validator.go`, FACTS §4.3). Paths are rooted at `spec`;
 * the control plane reports everything under a `to` entry's default as `default.conf.…`, and so do we.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, numberOf, objectOf, prop, text, violation } from "./json.js";
import {
  KNOWN_HTTP_STATUS_CODES,
  MUST_BE_DEFINED,
  MUST_BE_DEFINED_AND_GREATER_THAN_ZERO,
  MUST_BE_GREATER_THAN_ZERO,
  MUST_NOT_BE_EMPTY,
  checkDuration,
  goAtoi,
} from "./common.js";
import {
  DATAPLANE,
  MESH,
  MESH_EXTERNAL_SERVICE,
  MESH_GATEWAY,
  MESH_HTTP_ROUTE,
  MESH_MULTI_ZONE_SERVICE,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  topLevelKind,
  validateTargetRef,
} from "./targetRef.js";

const TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_HTTP_ROUTE, DATAPLANE];

const HTTP_RETRY_ON = new Set([
  "5xx",
  "GatewayError",
  "Reset",
  "Retriable4xx",
  "ConnectFailure",
  "EnvoyRatelimited",
  "RefusedStream",
  "Http3PostConnectFailure",
  "HttpMethodConnect",
  "HttpMethodDelete",
  "HttpMethodGet",
  "HttpMethodHead",
  "HttpMethodOptions",
  "HttpMethodPatch",
  "HttpMethodPost",
  "HttpMethodPut",
  "HttpMethodTrace",
]);
const GRPC_RETRY_ON = new Set(["Canceled", "DeadlineExceeded", "Internal", "ResourceExhausted", "Unavailable"]);

/** The schema default of `hostSelection[].updateFrequency`, filled in by the server before validation. */
const DEFAULT_UPDATE_FREQUENCY = 2;

export function meshRetryViolations(spec: JsonObject): Violation[] {
  const out: Violation[] = [];
  const targetRef = prop(spec, "targetRef");
  if (isSet(targetRef)) {
    out.push(...validateTargetRef("spec.targetRef", targetRef, { supportedKinds: TOP_LEVEL_KINDS, gatewayListenerTagsAllowed: true }));
  }
  // An empty `to` is allowed: it overrides (disables) retries inherited from broader policies.
  out.push(...validateTo(itemsOf(prop(spec, "to")), topLevelKind(spec)));
  return out;
}

function validateTo(to: readonly Json[], topKind: string): Violation[] {
  const supportedKinds =
    topKind === MESH_GATEWAY || topKind === MESH_HTTP_ROUTE
      ? [MESH, MESH_EXTERNAL_SERVICE]
      : [MESH, MESH_SERVICE, MESH_EXTERNAL_SERVICE, MESH_MULTI_ZONE_SERVICE, MESH_HTTP_ROUTE];
  return to.flatMap((item, i) => {
    const path = index("spec.to", i);
    const entry = objectOf(item);
    return [
      ...validateTargetRef(field(path, "targetRef"), prop(entry, "targetRef"), { supportedKinds }),
      ...validateConf(field(path, "default.conf"), objectOf(prop(entry, "default"))),
    ];
  });
}

function validateConf(path: string, conf: JsonObject | undefined): Violation[] {
  const tcp = prop(conf, "tcp");
  const http = prop(conf, "http");
  const grpc = prop(conf, "grpc");
  if (!isSet(tcp) && !isSet(http) && !isSet(grpc)) {
    return [violation(path, "at least one of the 'tcp', 'http', 'grpc' must be specified")];
  }
  return [
    ...sectionIfObject(tcp, (o) => validateTcp(field(path, "tcp"), o)),
    ...sectionIfObject(http, (o) => validateHttp(field(path, "http"), o)),
    ...sectionIfObject(grpc, (o) => validateGrpc(field(path, "grpc"), o)),
  ];
}

/** Sections of another JSON type fail decoding on the server; the schema check reports those. */
function sectionIfObject(value: Json, validate: (section: JsonObject) => Violation[]): Violation[] {
  const object = objectOf(value);
  return object === undefined ? [] : validate(object);
}

function validateTcp(path: string, tcp: JsonObject): Violation[] {
  const attempts = prop(tcp, "maxConnectAttempt");
  if (!isSet(attempts)) return [violation(path, MUST_NOT_BE_EMPTY)];
  return attempts === 0 ? [violation(field(path, "maxConnectAttempt"), MUST_BE_GREATER_THAN_ZERO)] : [];
}

const HTTP_FIELDS = [
  "numRetries",
  "perTryTimeout",
  "backOff",
  "retryOn",
  "retriableRequestHeaders",
  "retriableResponseHeaders",
  "rateLimitedBackOff",
  "hostSelection",
];

function validateHttp(path: string, http: JsonObject): Violation[] {
  const out: Violation[] = [];
  if (HTTP_FIELDS.every((name) => !isSet(prop(http, name)))) out.push(violation(path, MUST_NOT_BE_EMPTY));
  out.push(...checkDuration(field(path, "perTryTimeout"), prop(http, "perTryTimeout"), "any"));
  out.push(...sectionIfObject(prop(http, "backOff"), (o) => validateBackOff(field(path, "backOff"), o)));
  out.push(...sectionIfObject(prop(http, "rateLimitedBackOff"), (o) => validateRateLimitedBackOff(field(path, "rateLimitedBackOff"), o)));
  out.push(...validateRetryOn(field(path, "retryOn"), prop(http, "retryOn"), isKnownHttpRetryOn));
  out.push(...validateHostSelection(field(path, "hostSelection"), prop(http, "hostSelection")));
  return out;
}

const GRPC_FIELDS = ["numRetries", "perTryTimeout", "backOff", "retryOn", "rateLimitedBackOff"];

function validateGrpc(path: string, grpc: JsonObject): Violation[] {
  const out: Violation[] = [];
  if (GRPC_FIELDS.every((name) => !isSet(prop(grpc, name)))) out.push(violation(path, MUST_NOT_BE_EMPTY));
  out.push(...checkDuration(field(path, "perTryTimeout"), prop(grpc, "perTryTimeout"), "any"));
  out.push(...sectionIfObject(prop(grpc, "backOff"), (o) => validateBackOff(field(path, "backOff"), o)));
  out.push(...sectionIfObject(prop(grpc, "rateLimitedBackOff"), (o) => validateRateLimitedBackOff(field(path, "rateLimitedBackOff"), o)));
  out.push(...validateRetryOn(field(path, "retryOn"), prop(grpc, "retryOn"), (value) => GRPC_RETRY_ON.has(value)));
  return out;
}

function validateBackOff(path: string, backOff: JsonObject): Violation[] {
  const base = prop(backOff, "baseInterval");
  const max = prop(backOff, "maxInterval");
  if (!isSet(base) && !isSet(max)) return [violation(path, MUST_NOT_BE_EMPTY)];
  return [...checkDuration(field(path, "baseInterval"), base, "any"), ...checkDuration(field(path, "maxInterval"), max, "any")];
}

function validateRateLimitedBackOff(path: string, backOff: JsonObject): Violation[] {
  const out: Violation[] = [];
  const maxInterval = prop(backOff, "maxInterval");
  if (isSet(maxInterval)) out.push(...checkDuration(field(path, "maxInterval"), maxInterval, "definedAndGreaterThanZero"));
  const resetHeaders = prop(backOff, "resetHeaders");
  const headersPath = field(path, "resetHeaders");
  if (!isSet(resetHeaders)) {
    out.push(violation(headersPath, MUST_BE_DEFINED));
  } else {
    itemsOf(resetHeaders).forEach((header, i) => {
      if (text(prop(objectOf(header), "name")) === "") out.push(violation(field(index(headersPath, i), "name"), MUST_BE_DEFINED));
    });
  }
  return out;
}

function isKnownHttpRetryOn(value: string): boolean {
  if (HTTP_RETRY_ON.has(value)) return true;
  // Any status code Go's net/http has a name for, e.g. "503".
  const code = goAtoi(value);
  return code !== undefined && KNOWN_HTTP_STATUS_CODES.has(code);
}

function validateRetryOn(path: string, retryOn: Json, isKnown: (value: string) => boolean): Violation[] {
  const out: Violation[] = [];
  itemsOf(retryOn).forEach((item, i) => {
    // YAML turns `- 503` into a number; the control plane's YAML decoding reads it back as the string "503".
    const value = typeof item === "number" ? String(item) : typeof item === "string" ? item : undefined;
    if (value !== undefined && !isKnown(value)) out.push(violation(index(path, i), `unknown item '${value}'`));
  });
  return out;
}

function validateHostSelection(path: string, hostSelection: Json): Violation[] {
  const out: Violation[] = [];
  let omitPreviousPrioritiesSeen = false;
  itemsOf(hostSelection).forEach((item, i) => {
    const predicate = objectOf(item);
    const itemPath = index(path, i);
    const type = text(prop(predicate, "predicate"));
    switch (type) {
      case "OmitHostsWithTags":
        if (!isSet(prop(predicate, "tags"))) out.push(violation(field(itemPath, "tags"), MUST_BE_DEFINED));
        break;
      case "OmitPreviousPriorities": {
        if (omitPreviousPrioritiesSeen) out.push(violation(field(itemPath, "predicate"), `${type} must only be specified once`));
        const frequency = prop(predicate, "updateFrequency");
        const value = isSet(frequency) ? numberOf(frequency) : DEFAULT_UPDATE_FREQUENCY;
        if (value !== undefined && value <= 0) {
          out.push(violation(field(itemPath, "updateFrequency"), MUST_BE_DEFINED_AND_GREATER_THAN_ZERO));
        }
        omitPreviousPrioritiesSeen = true;
        break;
      }
      case "OmitPreviousHosts":
        break;
      default:
        out.push(violation(field(itemPath, "predicate"), `unknown predicate type '${type}'`));
    }
  });
  return out;
}
