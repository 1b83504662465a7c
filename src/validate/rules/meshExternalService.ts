/**
 * MeshExternalService (`pkg/core/resources/apis/meshexternalservice/api/v1alpha1/validator.go`): the match (port and
 * protocol), endpoints (IP or DNS name, with a port) and TLS origination. With an `extension`, endpoints and TLS are
 * the extension's to validate.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { MUST_BE_DEFINED, MUST_NOT_BE_EMPTY } from "./common.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { serviceNameViolations } from "./services.js";
import { isDNSName, isGoIP, mustBeOneOf, validateTlsVersion } from "./values.js";

const HOSTNAME_GENERATOR = "HostnameGenerator";
const MATCH_PROTOCOLS = ["tcp", "grpc", "http", "http2"];
const VERIFICATION_MODES = ["SkipSAN", "SkipCA", "SkipAll", "Secured"];
const SAN_MATCH_TYPES = ["Prefix", "Exact"];
const INVALID_PORT = "port must be a valid (1-65535)";

export function meshExternalServiceViolations(resource: JsonObject): Violation[] {
  const out = serviceNameViolations(resource);
  const spec = objectOf(prop(resource, "spec"));
  out.push(...validateMatch("spec.match", objectOf(prop(spec, "match"))));
  const extension = prop(spec, "extension");
  if (!isSet(extension)) {
    const endpoints = prop(spec, "endpoints");
    if (isSet(endpoints)) out.push(...validateEndpoints("spec.endpoints", itemsOf(endpoints)));
    const tls = prop(spec, "tls");
    if (isSet(tls)) out.push(...validateTls("spec.tls", objectOf(tls)));
  } else if (text(prop(objectOf(extension), "type")) === "") {
    out.push(violation("spec.extension.type", MUST_NOT_BE_EMPTY));
  }
  return out;
}

/**
 * Absent `type` and `protocol` are defaulted by the server's schema (HostnameGenerator, tcp) before this runs; without
 * a `match` object there is nothing to default, and Go sees zero values.
 */
function validateMatch(path: string, match: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  const type = match === undefined ? "" : defaulted(prop(match, "type"), HOSTNAME_GENERATOR);
  if (type !== HOSTNAME_GENERATOR && type !== "") {
    out.push(violation(field(path, "type"), `unrecognized type '${type}' - only '${HOSTNAME_GENERATOR}' is supported`));
  }
  if (!isValidPort(prop(match, "port"))) out.push(violation(field(path, "port"), INVALID_PORT));
  const protocol = match === undefined ? "" : defaulted(prop(match, "protocol"), "tcp");
  if (!MATCH_PROTOCOLS.includes(protocol)) {
    out.push(violation(field(path, "protocol"), mustBeOneOf("protocol", MATCH_PROTOCOLS)));
  }
  return out;
}

function validateEndpoints(path: string, endpoints: readonly Json[]): Violation[] {
  const out: Violation[] = [];
  endpoints.forEach((item, i) => {
    const endpoint = objectOf(item);
    const address = text(prop(endpoint, "address"));
    const port = prop(endpoint, "port");
    const at = index(path, i);
    // Go checks `port == 0 || port > 65535` only: a negative int32 slips through (the schema's minimum catches it).
    const badPort = typeof port !== "number" || port === 0 || port > 65535;
    if (isGoIP(address) || isDNSName(address)) {
      if (badPort) out.push(violation(field(at, "port"), INVALID_PORT));
    } else {
      out.push(violation(field(at, "address"), "address has to be a valid IP or hostname"));
    }
  });
  return out;
}

function validateTls(path: string, tls: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  const version = prop(tls, "version");
  if (isSet(version)) {
    const object = objectOf(version);
    out.push(...validateTlsVersion(field(path, "version"), prop(object, "min"), prop(object, "max")));
  }
  const verification = prop(tls, "verification");
  if (!isSet(verification)) return out;
  const object = objectOf(verification);
  const at = field(path, "verification");
  const serverName = prop(object, "serverName");
  if (isSet(serverName) && !isDNSName(text(serverName))) out.push(violation(field(at, "serverName"), "must be a valid DNS name"));
  // "" is accepted for backwards compatibility; an absent mode is defaulted to Secured.
  const mode = defaulted(prop(object, "mode"), "Secured");
  if (mode !== "" && !VERIFICATION_MODES.includes(mode)) out.push(violation(field(at, "mode"), mustBeOneOf("mode", VERIFICATION_MODES)));
  itemsOf(prop(object, "subjectAltNames")).forEach((san, i) => {
    if (!SAN_MATCH_TYPES.includes(defaulted(prop(objectOf(san), "type"), "Exact"))) {
      out.push(violation(field(index(field(at, "subjectAltNames"), i), "type"), mustBeOneOf("type", SAN_MATCH_TYPES)));
    }
  });
  const clientCert = isSet(prop(object, "clientCert"));
  const clientKey = isSet(prop(object, "clientKey"));
  if (clientCert && !clientKey) out.push(violation(field(at, "clientKey"), `${MUST_BE_DEFINED} when clientCert is defined`));
  if (!clientCert && clientKey) out.push(violation(field(at, "clientCert"), `${MUST_BE_DEFINED} when clientKey is defined`));
  return out;
}

/** A decoded port number (0 when absent, Go's zero value) within 1-65535. */
function isValidPort(value: Json): boolean {
  const port = typeof value === "number" ? value : 0;
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** A string field after the server's schema defaulting: absent or null takes the default; other types read as "". */
function defaulted(value: Json, fallback: string): string {
  return isSet(value) ? text(value) : fallback;
}
