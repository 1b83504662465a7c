/**
 * The Mesh is a protobuf message (api/mesh/v1alpha1/mesh.proto), decoded with jsonpb and printed without EmitDefaults,
 * and the control plane runs a defaulter on it at every write. What that does to a Mesh, modelled once: normalization
 * compares Meshes through it, and the embedded control plane stores them through its defaulter.
 */
import { isJsonObject as isObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { jsonpbNumber } from "./protoForm.js";


/**
 * How jsonpb treats each kind of field. `scalar`/`uint32`: proto3 scalars, omitted when zero. `enum`: printed by name
 * and omitted when it is the zero value. `wrapper` (BoolValue, DoubleValue) and `duration`: messages with presence, kept
 * even when false/0/0s. `struct`: google.protobuf.Struct, kept verbatim (zeros included). `map`: entries kept verbatim,
 * omitted when empty. `message`: fields by these rules; `repeated`: omitted when empty, elements kept in order.
 */
type ProtoField =
  | { readonly kind: "scalar" | "uint32" | "wrapper" | "duration" | "struct" | "map" }
  | { readonly kind: "enum"; readonly names: readonly string[] }
  | { readonly kind: "message"; readonly fields: Readonly<Record<string, ProtoField>> }
  | { readonly kind: "repeated"; readonly element: ProtoField };

const scalar: ProtoField = { kind: "scalar" };
const uint32: ProtoField = { kind: "uint32" };
const wrapper: ProtoField = { kind: "wrapper" };
const duration: ProtoField = { kind: "duration" };
const struct: ProtoField = { kind: "struct" };
const map: ProtoField = { kind: "map" };
const enumOf = (...names: string[]): ProtoField => ({ kind: "enum", names });
const message = (fields: Record<string, ProtoField>): ProtoField => ({ kind: "message", fields });
const repeated = (element: ProtoField): ProtoField => ({ kind: "repeated", element });

/** Mesh fields per api/mesh/v1alpha1/mesh.proto (v2.14.3), without the envelope (type, name, labels). */
const MESH_FIELDS: Record<string, ProtoField> = {
  mtls: message({
    enabledBackend: scalar,
    backends: repeated(
      message({
        name: scalar,
        type: scalar,
        dpCert: message({ rotation: message({ expiration: scalar }), requestTimeout: duration }),
        conf: struct,
        mode: enumOf("STRICT", "PERMISSIVE"),
        rootChain: message({ requestTimeout: duration }),
      }),
    ),
    skipValidation: scalar,
  }),
  tracing: message({ defaultBackend: scalar, backends: repeated(message({ name: scalar, sampling: wrapper, type: scalar, conf: struct })) }),
  logging: message({ defaultBackend: scalar, backends: repeated(message({ name: scalar, format: scalar, type: scalar, conf: struct })) }),
  metrics: message({ enabledBackend: scalar, backends: repeated(message({ name: scalar, type: scalar, conf: struct })) }),
  networking: message({ outbound: message({ passthrough: wrapper }) }),
  routing: message({ localityAwareLoadBalancing: scalar, zoneEgress: scalar, defaultForbidMeshExternalServiceAccess: scalar }),
  constraints: message({
    dataplaneProxy: message({ requirements: repeated(message({ tags: map })), restrictions: repeated(message({ tags: map })) }),
  }),
  skipCreatingInitialPolicies: repeated(scalar),
  meshServices: message({ mode: enumOf("Disabled", "Everywhere", "ReachableBackends", "Exclusive") }),
};

/** PrometheusMetricsBackendConfig (api/mesh/v1alpha1/metrics.proto): the typed form of a prometheus backend's conf. */
const PROMETHEUS_CONF = message({
  port: uint32,
  path: scalar,
  tags: map,
  skipMTLS: wrapper,
  aggregate: repeated(message({ name: scalar, port: uint32, path: scalar, enabled: wrapper, address: scalar })),
  envoy: message({ filterRegex: scalar, usedOnly: wrapper }),
  tls: message({ mode: enumOf("activeMTLSBackend", "providedTLS", "disabled") }),
});

const ENVELOPE = new Set(["type", "name", "labels"]);

export function normalizeMesh(mesh: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(mesh)) {
    if (ENVELOPE.has(key)) {
      out[key] = value;
      continue;
    }
    const field = MESH_FIELDS[key];
    // jsonpb without EmitDefaults omits proto3 zero values, empty lists and empty messages; a field this table does
    // not know (a newer control plane's) gets the same treatment rather than being dropped, so a change to it shows.
    const normalized = field ? protoValue(value, field, false) : withoutZeroValues(value);
    if (normalized !== undefined) out[key] = normalized;
  }
  applyMeshDefaulter(out);
  return out;
}

/**
 * The value as jsonpb would print it after decoding it into the field's type; undefined when it would be omitted.
 * `keepEmptyMessages`: whether a set but empty message stays (`{}`). In the Mesh's own fields an empty message means
 * the same as an absent one to every reader (the control plane reads them through nil-safe Go getters), so it is
 * dropped on both sides, whichever way the control plane prints it. Inside a prometheus conf it must stay: the
 * defaulter treats `tls: {}` (mode activeMTLSBackend, the zero value) and no `tls` differently.
 */
function protoValue(value: JsonValue, field: ProtoField, keepEmptyMessages: boolean): JsonValue | undefined {
  if (value === null) return undefined; // jsonpb: null leaves the field unset
  switch (field.kind) {
    case "scalar":
      return value === false || value === 0 || value === "" ? undefined : value;
    case "uint32": {
      // jsonpb accepts a uint32 as a number or a numeric string and prints a number.
      const n = jsonpbNumber(value);
      return n === 0 ? undefined : n;
    }
    case "enum": {
      // Enums are accepted by name or number and printed by name; the first (0) value is the zero value.
      const name = typeof value === "number" && Number.isInteger(value) ? (field.names[value] ?? value) : value;
      return name === field.names[0] ? undefined : name;
    }
    case "wrapper":
      // A DoubleValue (`sampling`) is read from a numeric string too, and printed as a number; a BoolValue takes no string.
      return jsonpbNumber(value);
    case "duration":
    case "struct":
      return value;
    case "map":
      return isObject(value) && Object.keys(value).length === 0 ? undefined : value;
    case "repeated": {
      if (!Array.isArray(value)) return value;
      if (value.length === 0) return undefined;
      // An element of a repeated message is printed even when empty: dropping it would shift the others.
      return value.map((element) => protoValue(element, field.element, keepEmptyMessages) ?? (field.element.kind === "message" ? {} : element));
    }
    case "message": {
      if (!isObject(value)) return value;
      const out: JsonObject = {};
      for (const [key, child] of Object.entries(value)) {
        const childField = field.fields[key];
        const normalized = childField ? protoValue(child, childField, keepEmptyMessages) : withoutZeroValues(child);
        if (normalized !== undefined) out[key] = normalized;
      }
      return Object.keys(out).length === 0 && !keepEmptyMessages ? undefined : out;
    }
  }
}

/** Generic proto3 zero-value rule for fields the tables do not describe. */
function withoutZeroValues(value: JsonValue): JsonValue | undefined {
  if (value === null || value === false || value === 0 || value === "") return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => withoutZeroValues(v) ?? (isObject(v) ? {} : v));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const normalized = withoutZeroValues(child);
      if (normalized !== undefined) out[key] = normalized;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

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
  const typed = protoValue(raw, PROMETHEUS_CONF, true);
  const conf: JsonObject = isObject(typed) ? { ...typed } : {};
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

