/**
 * MeshTrace (`pkg/plugins/policies/meshtrace/api/v1alpha1/validator.go`). Paths are rooted at `spec`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_BE_DEFINED, MUST_NOT_BE_DEFINED, MUST_NOT_BE_EMPTY, decimalOf, goAtoi, otelBackendRefOrEndpoint } from "./common.js";
import { parseRequestURI, urlPort } from "./goNet.js";
import { isURL } from "./values.js";
import {
  DATAPLANE,
  MESH,
  MESH_GATEWAY,
  MESH_SERVICE,
  MESH_SERVICE_SUBSET,
  MESH_SUBSET,
  isSystemPolicy,
  validateTopLevel,
} from "./targetRef.js";

const SYSTEM_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_GATEWAY, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const WORKLOAD_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, DATAPLANE];
const INVALID_PORT = "port must be a valid (1-65535)";

export function meshTraceViolations(spec: JsonObject, _context: unknown, resource: JsonObject): Violation[] {
  const system = isSystemPolicy(resource);
  // Unlike most gateway-capable policies, MeshTrace does not select gateway listeners by tags.
  const out = validateTopLevel(spec, { supportedKinds: system ? SYSTEM_TOP_LEVEL_KINDS : WORKLOAD_TOP_LEVEL_KINDS });
  const conf = objectOf(prop(spec, "default"));
  const backendsPath = "spec.default.backends";
  const backends = prop(conf, "backends");
  if (!isSet(backends)) out.push(violation(backendsPath, MUST_BE_DEFINED));
  const list = itemsOf(backends);
  if (list.length > 1) out.push(violation(backendsPath, "must have zero or one backend defined"));
  else if (list.length === 1) out.push(...validateBackend(index(backendsPath, 0), objectOf(list[0])));
  itemsOf(prop(conf, "tags")).forEach((item, i) => {
    const path = index("spec.default.tags", i);
    const tag = objectOf(item);
    if (text(prop(tag, "name")) === "") out.push(violation(field(path, "name"), MUST_NOT_BE_EMPTY));
    if (isSet(prop(tag, "header")) === isSet(prop(tag, "literal"))) out.push(violation(path, "tag must have only one type defined: header, literal"));
  });
  const sampling = objectOf(prop(conf, "sampling"));
  for (const name of ["client", "random", "overall"]) {
    const value = prop(sampling, name);
    if (isSet(value)) out.push(...validateSampling(field("spec.default.sampling", name), value));
  }
  return out;
}

function validateBackend(path: string, backend: JsonObject | undefined): Violation[] {
  switch (text(prop(backend, "type"))) {
    case "Datadog": {
      const datadog = objectOf(prop(backend, "datadog"));
      if (datadog === undefined) return [violation(field(path, "datadog"), MUST_BE_DEFINED)];
      return validateDatadogUrl(field(path, "datadog.url"), text(prop(datadog, "url")));
    }
    case "Zipkin": {
      const zipkin = objectOf(prop(backend, "zipkin"));
      if (zipkin === undefined) return [violation(field(path, "zipkin"), MUST_BE_DEFINED)];
      const url = text(prop(zipkin, "url"));
      if (url === "") return [violation(field(path, "zipkin.url"), MUST_NOT_BE_EMPTY)];
      return isURL(url) ? [] : [violation(field(path, "zipkin.url"), "must be a valid url")];
    }
    case "OpenTelemetry": {
      const otel: Json = prop(backend, "openTelemetry");
      if (objectOf(otel) === undefined) return [violation(field(path, "openTelemetry"), MUST_BE_DEFINED)];
      return otelBackendRefOrEndpoint(field(path, "openTelemetry"), otel);
    }
    default:
      return []; // another type is an enum violation the schema reports (the Go code would panic on it)
  }
}

/** The Datadog agent is reached as `http://host:port`, nothing more (the rules of dd-trace-go's profiler). */
function validateDatadogUrl(path: string, raw: string): Violation[] {
  const url = parseRequestURI(raw);
  if (url === undefined) return [violation(path, "must be a valid url")];
  const out: Violation[] = [];
  if (url.scheme !== "http") out.push(violation(path, "scheme must be http"));
  const port = urlPort(url.host);
  if (port === "") out.push(violation(path, `port ${MUST_BE_DEFINED}`));
  else {
    const n = goAtoi(port);
    if (n === undefined || n === 0 || n > 65535) out.push(violation(path, INVALID_PORT));
  }
  const extras: [string, boolean][] = [
    ["opaque", url.opaque !== ""],
    ["user", url.hasUser],
    ["path", url.path !== ""],
    ["query", url.rawQuery !== ""],
    ["fragment", url.fragment !== ""],
  ];
  for (const [name, present] of extras) if (present) out.push(violation(path, `${name} ${MUST_NOT_BE_DEFINED}`));
  return out;
}

function validateSampling(path: string, value: Json): Violation[] {
  const n = decimalOf(value);
  if (n === undefined) return typeof value === "string" ? [violation(path, "string is not a number")] : [];
  return n < 0 || n > 100 ? [violation(path, "must be between 0 and 100")] : [];
}
