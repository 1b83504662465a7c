/**
 * The Mesh is a protobuf message (api/mesh/v1alpha1/mesh.proto), decoded with jsonpb and printed without EmitDefaults,
 * and the control plane runs a defaulter on it at every write. What that does to a Mesh, modelled once: normalization
 * compares Meshes through it, and the embedded control plane stores them through its defaulter.
 */
import { isJsonObject as isObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { protoKindForm, stripProtoZeroValues } from "./protoForm.js";
import { schemaFor } from "./schemas.js";

/**
 * A Mesh as normalization compares it: printed as jsonpb prints it, through the walk of its schema the embedded control
 * plane stores it with (protoForm.ts ProtoPrint `compared`: a message left empty is dropped), then the defaulter.
 */
export function normalizeMesh(mesh: JsonObject): JsonObject {
  const out = protoKindForm(mesh, schemaFor("Mesh"), "compared");
  applyMeshDefaulter(out);
  return out;
}

const string: JsonObject = { type: "string" };
const bool: JsonObject = { type: "boolean" };
const uint32: JsonObject = { type: ["integer", "string"], format: "uint32" };
const message = (properties: JsonObject): JsonObject => ({ type: "object", properties });

/**
 * PrometheusMetricsBackendConfig (api/mesh/v1alpha1/metrics.proto), the typed form of a prometheus backend's conf (a
 * Struct in the Mesh's schema), written as the schemas write a message: what the defaulter decodes it into. Its
 * BoolValues are protoForm.ts's WRAPPER_FIELDS; tls.mode's zero value is activeMTLSBackend.
 */
const PROMETHEUS_CONF = message({
  port: uint32,
  path: string,
  tags: { type: "object", additionalProperties: string },
  skipMTLS: bool,
  aggregate: { type: "array", items: message({ name: string, port: uint32, path: string, enabled: bool, address: string }) },
  envoy: message({ filterRegex: string, usedOnly: bool }),
  tls: message({ mode: { enum: ["activeMTLSBackend", "providedTLS", "disabled", 0, 1, 2] } }),
});

const PROMETHEUS_DEFAULT_PORT = 5670;
const PROMETHEUS_DEFAULT_PATH = "/metrics";
const PROMETHEUS_DEFAULT_TAGS: JsonObject = { "kuma.io/service": "dataplane-metrics" };

/**
 * The Mesh defaulter (pkg/core/resources/apis/mesh/mesh_defaulter.go, FACTS §2.5), run by the control plane on every
 * write: each `prometheus` metrics backend's conf is decoded into PrometheusMetricsBackendConfig, given a port, path,
 * tags and TLS mode when they are missing, and stored back. The TLS mode is written out by name even when it is the
 * zero value (`activeMTLSBackend`), which the control plane prints as `tls: {}`: both spellings end up the same here.
 */
export function applyMeshDefaulter(mesh: JsonObject): void {
  const metrics = mesh.metrics;
  if (!isObject(metrics) || !Array.isArray(metrics.backends)) return;
  // A copy: `metrics` may be shared with the object being normalized, which must not change.
  mesh.metrics = {
    ...metrics,
    backends: metrics.backends.map((backend) => {
      if (!isObject(backend) || backend.type !== "prometheus") return backend;
      const conf = isObject(backend.conf) ? backend.conf : {};
      return { ...backend, conf: defaultPrometheusConf(conf) };
    }),
  };
}

function defaultPrometheusConf(raw: JsonObject): JsonObject {
  // Read into the message and printed back (util_proto.ToTyped, then ToStruct): what it lacks is gone, and a message
  // stays even when empty, as the defaulter treats `tls: {}` (mode activeMTLSBackend, the zero value) and no `tls` apart.
  const conf: JsonObject = { ...stripProtoZeroValues(raw, PROMETHEUS_CONF, "metrics.backends[].conf", "retyped") };
  const skipMTLS = typeof conf.skipMTLS === "boolean" ? conf.skipMTLS : undefined;
  const tlsMode = (): JsonValue | undefined => (isObject(conf.tls) ? (conf.tls.mode ?? "activeMTLSBackend") : undefined);

  // The four TLS cases of the defaulter, in its order.
  if (skipMTLS === undefined && conf.tls === undefined) conf.tls = { mode: "activeMTLSBackend" };
  if (conf.tls === undefined && skipMTLS === true) conf.tls = { mode: "disabled" };
  if (conf.tls === undefined && skipMTLS === false) conf.tls = { mode: "activeMTLSBackend" };
  if (conf.tls !== undefined && skipMTLS !== undefined && tlsMode() === "providedTLS") {
    conf.tls = { mode: "providedTLS" };
    delete conf.skipMTLS;
  }
  if (isObject(conf.tls)) conf.tls = { ...conf.tls, mode: tlsMode() ?? "activeMTLSBackend" };

  if (conf.port === undefined) conf.port = PROMETHEUS_DEFAULT_PORT;
  if (conf.path === undefined) conf.path = PROMETHEUS_DEFAULT_PATH;
  if (conf.tags === undefined) conf.tags = { ...PROMETHEUS_DEFAULT_TAGS };
  return conf;
}

