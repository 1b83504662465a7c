/**
 * MeshMetric (`pkg/plugins/policies/meshmetric/api/v1alpha1/validator.go`). Paths are rooted at `spec` and keep the
 * control plane's quirks: list items are named after a singular of their list (`default.backends.backend[0].port`,
 * `default.applications.application[0]`), and the port of a Prometheus backend is reported without `prometheus`.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { MUST_BE_DEFINED, otelBackendRefOrEndpoint, port } from "./common.js";
import { splitHostPort } from "./goNet.js";
import { goRegexpError } from "./values.js";
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

const SYSTEM_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_GATEWAY, DATAPLANE];
const WORKLOAD_TOP_LEVEL_KINDS = [MESH, MESH_SUBSET, MESH_SERVICE, DATAPLANE, MESH_SERVICE_SUBSET];
/** The schema default of `prometheus.port`, filled in by the server before validation. */
const DEFAULT_PROMETHEUS_PORT = 5670;
const PROFILE_NAMES = new Set(["All", "None", "Basic"]);
const PLAIN_SELECTOR_TYPES = new Set(["Prefix", "Exact", "Contains"]);

export function meshMetricViolations(spec: JsonObject, _context: unknown, resource: JsonObject): Violation[] {
  const system = isSystemPolicy(resource);
  const out = validateTopLevel(spec, {
    supportedKinds: system ? SYSTEM_TOP_LEVEL_KINDS : WORKLOAD_TOP_LEVEL_KINDS,
    gatewayListenerTagsAllowed: system,
  });
  const conf = objectOf(prop(spec, "default"));
  out.push(...validateSidecar("spec.default.sidecar", objectOf(prop(conf, "sidecar"))));
  itemsOf(prop(conf, "applications")).forEach((application, i) => {
    out.push(...port(index("spec.default.applications.application", i), prop(objectOf(application), "port")));
  });
  itemsOf(prop(conf, "backends")).forEach((item, i) => out.push(...validateBackend(index("spec.default.backends.backend", i), objectOf(item))));
  return out;
}

function validateSidecar(path: string, sidecar: JsonObject | undefined): Violation[] {
  const profiles = objectOf(prop(sidecar, "profiles"));
  if (profiles === undefined) return [];
  const out: Violation[] = [];
  const profilesPath = field(path, "profiles");
  for (const list of ["exclude", "include"]) {
    itemsOf(prop(profiles, list)).forEach((item, i) => {
      const selectorPath = index(field(profilesPath, list), i);
      const selector = objectOf(item);
      const type = text(prop(selector, "type"));
      if (type === "Regex") {
        if (goRegexpError(text(prop(selector, "match"))) !== undefined) out.push(violation(field(selectorPath, "match"), "invalid regex"));
      } else if (!PLAIN_SELECTOR_TYPES.has(type)) {
        out.push(violation(field(selectorPath, "type"), `unrecognized type '${type}' - 'Regex', 'Prefix', 'Exact' are supported`));
      }
    });
  }
  itemsOf(prop(profiles, "appendProfiles")).forEach((item, i) => {
    const name = text(prop(objectOf(item), "name"));
    if (!PROFILE_NAMES.has(name)) {
      out.push(violation(field(index(field(profilesPath, "appendProfiles"), i), "name"), `unrecognized profile name '${name}' - 'All', 'None', 'Basic' are supported`));
    }
  });
  return out;
}

function validateBackend(path: string, backend: JsonObject | undefined): Violation[] {
  switch (text(prop(backend, "type"))) {
    case "Prometheus": {
      const prometheus = objectOf(prop(backend, "prometheus"));
      if (prometheus === undefined) return [violation(field(path, "prometheus"), MUST_BE_DEFINED)];
      const value = prop(prometheus, "port");
      return port(field(path, "port"), isSet(value) ? value : DEFAULT_PROMETHEUS_PORT);
    }
    case "OpenTelemetry": {
      const otel: Json = prop(backend, "openTelemetry");
      const otelPath = field(path, "openTelemetry");
      if (objectOf(otel) === undefined) return [violation(otelPath, MUST_BE_DEFINED)];
      // MeshMetric required host:port before backendRef existed, and still does for an inline endpoint.
      return otelBackendRefOrEndpoint(otelPath, otel, (endpoint) =>
        splitHostPort(endpoint) === undefined ? [violation(field(otelPath, "endpoint"), "must be in host:port format")] : [],
      );
    }
    default:
      return [violation(path, "unrecognized type")];
  }
}
