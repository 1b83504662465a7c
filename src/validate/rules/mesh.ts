/**
 * The Mesh resource (`pkg/core/resources/apis/mesh/mesh_validator.go`, FACTS §3.2 and §4.4). The Universal Mesh is
 * flat, so paths have no `spec.` prefix: `mtls.enabledBackend`, `logging.backends[0].name`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { goQuote } from "../../kuma/duration.js";
import { jsonpbDouble } from "../../kuma/protoForm.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, numberOf, objectOf, prop, text, violation } from "./json.js";
import { validateSelector } from "./common.js";
import { requestUriPort, splitHostPort } from "./goNet.js";
import type { Product } from "../../config/repoConfig.js";
import { goRegexpError } from "./values.js";

/** `AllowedMTLSBackends`: Kuma allows one; Kong Mesh raises it to two so that a CA can be rotated. */
const ALLOWED_MTLS_BACKENDS: Readonly<Record<Product, number>> = { kuma: 1, "kong-mesh": 2 };

export function meshViolations(mesh: JsonObject, product: Product): Violation[] {
  return [
    ...section(mesh, "mtls", (path, mtls) => validateMtls(path, mtls, ALLOWED_MTLS_BACKENDS[product])),
    ...section(mesh, "logging", validateLogging),
    ...section(mesh, "tracing", validateTracing),
    ...section(mesh, "metrics", validateMetrics),
    ...section(mesh, "constraints", validateConstraints),
    ...validateZoneEgress(objectOf(prop(mesh, "routing")), objectOf(prop(mesh, "mtls"))),
  ];
}

/** Runs `validate` on a top-level section that is an object; an absent one has nothing to check. */
function section(mesh: JsonObject, name: string, validate: (path: string, value: JsonObject) => Violation[]): Violation[] {
  const value = objectOf(prop(mesh, name));
  return value === undefined ? [] : validate(name, value);
}

// mTLS

function validateMtls(path: string, mtls: JsonObject, allowedBackends: number): Violation[] {
  const out: Violation[] = [];
  const backends = itemsOf(prop(mtls, "backends"));
  const backendsPath = field(path, "backends");
  if (backends.length > allowedBackends) out.push(violation(backendsPath, `cannot have more than ${allowedBackends} backends`));
  const names = uniqueNames(backendsPath, backends, out);
  const enabled = text(prop(mtls, "enabledBackend"));
  if (enabled !== "" && !names.has(enabled)) out.push(violation(field(path, "enabledBackend"), "has to be set to one of the backends in the mesh"));
  for (const backend of backends) {
    const dpCert = prop(objectOf(backend), "dpCert");
    if (!isSet(dpCert)) continue;
    const expiration = text(prop(objectOf(prop(objectOf(dpCert), "rotation")), "expiration"));
    // Control-plane quirk: reported at `mtls.dpcert.rotation.expiration`, lowercase and without the backend index.
    if (!isKumaDuration(expiration)) out.push(violation(field(path, "dpcert.rotation.expiration"), "has to be a valid format"));
  }
  return out;
}

/** Kuma's own `ParseDuration` for certificate lifetimes: one number and one unit, where `y`, `w` and `d` are allowed. */
function isKumaDuration(value: string): boolean {
  return value === "0" || /^\d+(y|w|d|h|m|s|ms)$/.test(value);
}

// Logging

function validateLogging(path: string, logging: JsonObject): Violation[] {
  const out: Violation[] = [];
  const backendsPath = field(path, "backends");
  const names = new Set<string>();
  itemsOf(prop(logging, "backends")).forEach((item, i) => {
    const backendPath = index(backendsPath, i);
    const backend = objectOf(item);
    out.push(...validateLoggingBackend(backendPath, backend));
    checkNameUnique(backendPath, text(prop(backend, "name")), names, out);
  });
  const defaultBackend = text(prop(logging, "defaultBackend"));
  if (defaultBackend !== "" && !names.has(defaultBackend)) {
    out.push(violation(field(path, "defaultBackend"), "has to be set to one of the logging backend in mesh"));
  }
  return out;
}

function validateLoggingBackend(path: string, backend: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  if (text(prop(backend, "name")) === "") out.push(violation(field(path, "name"), "cannot be empty"));
  // The typed config is reported as `config`, although the field is `conf`.
  const conf = objectOf(prop(backend, "conf"));
  const configPath = field(path, "config");
  switch (text(prop(backend, "type"))) {
    case "file":
      if (text(prop(conf, "path")) === "") out.push(violation(field(configPath, "path"), "cannot be empty"));
      break;
    case "tcp":
      out.push(...validateTcpAddress(field(configPath, "address"), text(prop(conf, "address"))));
      break;
    default:
      out.push(violation(field(path, "type"), `unknown backend type. Available backends: "tcp", "file"`));
  }
  return out;
}

function validateTcpAddress(path: string, address: string): Violation[] {
  if (address === "") return [violation(path, "cannot be empty")];
  const parts = splitHostPort(address);
  return parts === undefined || parts.host === "" || parts.port === "" ? [violation(path, "has to be in format of HOST:PORT")] : [];
}

// Tracing

function validateTracing(path: string, tracing: JsonObject): Violation[] {
  const out: Violation[] = [];
  const backendsPath = field(path, "backends");
  const names = new Set<string>();
  itemsOf(prop(tracing, "backends")).forEach((item, i) => {
    const backendPath = index(backendsPath, i);
    const backend = objectOf(item);
    out.push(...validateTracingBackend(backendPath, backend));
    checkNameUnique(backendPath, text(prop(backend, "name")), names, out);
  });
  const defaultBackend = text(prop(tracing, "defaultBackend"));
  if (defaultBackend !== "" && !names.has(defaultBackend)) {
    out.push(violation(field(path, "defaultBackend"), "has to be set to one of the tracing backend in mesh"));
  }
  return out;
}

function validateTracingBackend(path: string, backend: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  if (text(prop(backend, "name")) === "") out.push(violation(field(path, "name"), "cannot be empty"));
  // A DoubleValue as jsonpb reads it: "NaN" passes the range check, as in Go; "Infinity" does not.
  const sampling = jsonpbDouble(prop(backend, "sampling"));
  if (sampling !== undefined && (sampling < 0 || sampling > 100)) out.push(violation(field(path, "sampling"), "has to be in [0.0 - 100.0] range"));
  const conf = objectOf(prop(backend, "conf"));
  const configPath = field(path, "config");
  switch (text(prop(backend, "type"))) {
    case "zipkin":
      out.push(...validateZipkin(configPath, conf));
      break;
    case "datadog":
      out.push(...validateDatadog(configPath, conf));
      break;
    default:
      out.push(violation(field(path, "type"), `unknown backend type. Available backends: "zipkin", "datadog"`));
  }
  return out;
}

const ZIPKIN_API_VERSIONS = ["httpJsonV1", "httpJson", "httpProto"];

function validateZipkin(path: string, conf: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  const apiVersion = text(prop(conf, "apiVersion"));
  if (apiVersion !== "" && !ZIPKIN_API_VERSIONS.includes(apiVersion)) {
    out.push(violation(field(path, "apiVersion"), `has invalid value. Allowed values: ${ZIPKIN_API_VERSIONS.join(", ")}`));
  }
  const url = text(prop(conf, "url"));
  const urlPath = field(path, "url");
  if (url === "") return [...out, violation(urlPath, "cannot be empty")];
  const port = requestUriPort(url);
  if (port === undefined) out.push(violation(urlPath, "invalid URL"));
  else if (port === "") out.push(violation(urlPath, "port has to be explicitly specified"));
  return out;
}

function validateDatadog(path: string, conf: JsonObject | undefined): Violation[] {
  const out: Violation[] = [];
  if (text(prop(conf, "address")) === "") out.push(violation(field(path, "address"), "cannot be empty"));
  const port = numberOf(prop(conf, "port")) ?? 0;
  if (port < 1 || port > 65535) out.push(violation(field(path, "port"), "port must be in the range [1, 65535]"));
  return out;
}

// Metrics

function validateMetrics(path: string, metrics: JsonObject): Violation[] {
  const out: Violation[] = [];
  const backendsPath = field(path, "backends");
  const names = new Set<string>();
  itemsOf(prop(metrics, "backends")).forEach((item, i) => {
    const backendPath = index(backendsPath, i);
    const backend = objectOf(item);
    checkNameUnique(backendPath, text(prop(backend, "name")), names, out);
    if (text(prop(backend, "type")) !== "prometheus") {
      out.push(violation(field(backendPath, "type"), `unknown backend type. Available backends: "prometheus"`));
    } else {
      out.push(...validatePrometheusConfig(field(backendPath, "conf"), objectOf(prop(backend, "conf"))));
    }
  });
  const enabled = text(prop(metrics, "enabledBackend"));
  if (enabled !== "" && !names.has(enabled)) out.push(violation(field(path, "enabledBackend"), "has to be set to one of the backends in the mesh"));
  return out;
}

/** A prometheus backend's `conf` (mesh_validator.go validatePrometheusConfig): also a Dataplane's `metrics.conf`. */
export function validatePrometheusConfig(path: string, conf: JsonObject | undefined): Violation[] {
  const skipMTLS = prop(conf, "skipMTLS");
  const tls = prop(conf, "tls");
  if (isSet(skipMTLS) && isSet(tls) && !skipMTLSAgreesWithTls(skipMTLS === true, objectOf(tls))) {
    return [violation(path, "skipMTLS and tls configuration cannot be defined together")];
  }
  const filterRegexError = goRegexpError(text(prop(objectOf(prop(conf, "envoy")), "filterRegex")));
  if (filterRegexError !== undefined) return [violation(field(path, "envoy.filterRegex"), `provided regexp isn't correct: ${filterRegexError}`)];
  const out: Violation[] = [];
  const seen = new Set<string>();
  itemsOf(prop(conf, "aggregate")).forEach((item, i) => {
    const name = text(prop(objectOf(item), "name"));
    if (seen.has(name)) out.push(violation(field(index(field(path, "aggregate"), i), "name"), `duplicate entry: ${name}, values have to be unique`));
    seen.add(name);
  });
  return out;
}

/** `skipMTLS` is the legacy spelling of a TLS mode; both may be given only when they say the same thing. */
function skipMTLSAgreesWithTls(skipMTLS: boolean, tls: JsonObject | undefined): boolean {
  const mode = text(prop(tls, "mode")) || "activeMTLSBackend"; // the proto enum's zero value
  return (!skipMTLS && mode === "activeMTLSBackend") || (skipMTLS && mode === "disabled");
}

// Constraints

function validateConstraints(path: string, constraints: JsonObject): Violation[] {
  const proxy = objectOf(prop(constraints, "dataplaneProxy"));
  if (proxy === undefined) return [];
  const proxyPath = field(path, "dataplaneProxy");
  const selectors = (list: string): Violation[] =>
    itemsOf(prop(proxy, list)).flatMap((item, i) =>
      validateSelector(field(index(field(proxyPath, list), i), "tags"), prop(objectOf(item), "tags"), { requireAtLeastOneTag: true }),
    );
  return [...selectors("requirements"), ...selectors("restrictions")];
}

// Zone egress

/** Traffic through a zone egress is identified by mTLS, so the egress needs an enabled mTLS backend. */
function validateZoneEgress(routing: JsonObject | undefined, mtls: JsonObject | undefined): Violation[] {
  if (prop(routing, "zoneEgress") !== true) return [];
  return text(prop(mtls, "enabledBackend")) === "" ? [violation("mtls", "has to be set when zoneEgress enabled")] : [];
}

// Shared

function uniqueNames(backendsPath: string, backends: readonly Json[], out: Violation[]): Set<string> {
  const names = new Set<string>();
  backends.forEach((backend, i) => checkNameUnique(index(backendsPath, i), text(prop(objectOf(backend), "name")), names, out));
  return names;
}

function checkNameUnique(backendPath: string, name: string, names: Set<string>, out: Violation[]): void {
  if (names.has(name)) out.push(violation(field(backendPath, "name"), `${goQuote(name)} name is already used for another backend`));
  names.add(name);
}
