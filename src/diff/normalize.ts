/**
 * Canonical form of a resource, so that equal intent compares equal. Both sides go through it: the object meshops
 * would PUT (desired) and what the control plane answered on GET (live). Every rule mirrors something the control
 * plane does to an object between PUT and GET (kuma-reference/FACTS.md §2.5, §2.8, §6), which is why applying it to
 * both sides is safe: a difference that survives normalization is a difference the control plane keeps too.
 *
 * Pure: no I/O besides the project's own schemas (read once and cached by `schemaFor`).
 */
import { formatGoDuration, parseGoDurationDetailed } from "../kuma/duration.js";
import { DEFAULT_MESH, resourceType } from "../kuma/types.js";
import type { JsonObject, JsonValue } from "../model/resource.js";
import { COMPUTED_LABELS, SERVER_OWNED_FIELDS } from "../kuma/serverOwned.js";
import { schemaFor } from "../validate/schema.js";

const serverOwned = new Set(SERVER_OWNED_FIELDS);
const computedLabels = new Set(COMPUTED_LABELS);

/** Normalizes one object in the Universal REST shape (a flat Mesh, or `{type, mesh, name, labels, spec}`). */
export function normalize(object: JsonObject): JsonObject {
  // Key order carries no meaning in JSON; array order does (rules, backends, matches are ordered), so arrays stay.
  return sortKeys(normalizeInPlaceOrder(object)) as JsonObject;
}

/**
 * Whether two objects normalize to the same thing. Compares the normalized forms key by key, in whatever order
 * their keys are, without building sorted copies or texts: a no-op plan compares 50,000 pairs, and those copies
 * were most of its time (garbage collection included).
 */
export function sameNormalized(a: JsonObject, b: JsonObject): boolean {
  return equalWithoutNormalizing(a, b) || deepEqual(normalizeInPlaceOrder(a), normalizeInPlaceOrder(b));
}

/**
 * The fast path of sameNormalized for policies and services: walks both objects and the schema together, applying
 * the schema rules (defaults, duration spelling, typed nulls) to each pair of values as it compares them, so nothing
 * is copied. It only ever answers true when normalizing would make both equal; anything it does not model (Meshes,
 * the policy-section rules) makes it answer false, and the full comparison decides.
 */
export function equalWithoutNormalizing(a: JsonObject, b: JsonObject): boolean {
  const typeName = a.type;
  if (typeof typeName !== "string" || typeName !== b.type || typeName === "Mesh") return false;
  const node = rootNode(typeName);
  if (!node) return false;
  if ((a.mesh ?? DEFAULT_MESH) !== (b.mesh ?? DEFAULT_MESH) || !sameUserLabels(a.labels, b.labels)) return false;
  for (const key in a) if (!ENVELOPE_KEYS.has(key) && !serverOwned.has(key) && !equalUnder(a[key], b[key], node.child(key))) return false;
  for (const key in b) if (!ENVELOPE_KEYS.has(key) && !serverOwned.has(key) && !(key in a) && !equalUnder(undefined, b[key], node.child(key))) return false;
  return true;
}

const ENVELOPE_KEYS = new Set(["type", "mesh", "labels"]);

function sameUserLabels(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const count = (labels: JsonValue | undefined): number => {
    if (labels === undefined || labels === null) return 0;
    if (!isObject(labels)) return -1;
    let n = 0;
    for (const key in labels) if (!computedLabels.has(key)) n++;
    return n;
  };
  const n = count(a);
  if (n < 0 || n !== count(b)) return false;
  if (n === 0) return true;
  for (const key in a as JsonObject) if (!computedLabels.has(key) && (a as JsonObject)[key] !== (b as JsonObject)[key]) return false;
  return true;
}

function equalUnder(a: JsonValue | undefined, b: JsonValue | undefined, node: SchemaNode): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false; // absent vs present, or a null: let the full path judge
  if (typeof a === "string" && typeof b === "string") return node.duration && canonicalDuration(a) === canonicalDuration(b);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const items = node.items();
    for (let i = 0; i < a.length; i++) if (!equalUnder(a[i], b[i], items)) return false;
    return true;
  }
  // One side empty and the other not: maybe the policy rule that `default: {}` means absent; the full path judges.
  const emptyA = Object.keys(a).length === 0;
  const emptyB = Object.keys(b).length === 0;
  if (emptyA !== emptyB) return false;
  for (const key in a) if (!equalUnder(withDefault(a[key], key, node), withDefault(b[key], key, node), node.child(key))) return false;
  for (const key in b) if (!(key in a) && !equalUnder(withDefault(undefined, key, node), b[key], node.child(key))) return false;
  return true;
}

/** A value with structural defaulting applied: the schema default of an absent property. */
function withDefault(value: JsonValue | undefined, key: string, node: SchemaNode): JsonValue | undefined {
  if (value !== undefined) return value;
  for (const [name, property] of node.defaults) if (name === key) return property.default as JsonValue;
  return undefined;
}

function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let count = 0;
  for (const key in a) {
    if (!Object.hasOwn(b, key) || !deepEqual(a[key], b[key])) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

function normalizeInPlaceOrder(object: JsonObject): JsonObject {
  const typeName = typeof object.type === "string" ? object.type : "";
  const node = rootNode(typeName);
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    // Server-owned envelope fields: a GET returns them, a PUT never carries them (FACTS §2.8).
    if (serverOwned.has(key)) continue;
    // Nothing below modifies a value in place (changes are copies), so values can be shared with the input.
    out[key] = value;
  }

  // Computed labels are the control plane's, and an empty labels map is what a GET shows as no labels at all.
  const labels = withoutComputedLabels(out.labels);
  if (labels === undefined) delete out.labels;
  else out.labels = labels;

  // The REST schema defaults `mesh` to "default" before the URL check (FACTS §2.5), so an omitted mesh is "default".
  if (typeName !== "Mesh" && (out.mesh === undefined || out.mesh === null)) out.mesh = DEFAULT_MESH;

  // Durations in Go's spelling, structural-schema defaults and dropped nulls: see applySchema.
  if (node) out = applySchema(out, node) as JsonObject;

  if (typeName === "Mesh") out = normalizeMesh(out);
  else if (isPolicyType(typeName)) out = normalizePolicySections(out);
  return withoutServerManagedSpecFields(typeName, out);
}

function withoutComputedLabels(labels: JsonValue | undefined): JsonValue | undefined {
  if (labels === undefined || labels === null) return undefined;
  if (!isObject(labels)) return labels; // not a map: leave it for the diff to show
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(labels)) if (!computedLabels.has(key)) kept[key] = value;
  return Object.keys(kept).length === 0 ? undefined : kept;
}

// ---------------------------------------------------------------------------------------------------------------------
// Schema-driven rules: durations, defaults, nulls

/**
 * Where a value sits in the schema. `structural` is the schema the control plane's structural-schema defaulting
 * follows (properties, items, additionalProperties); `branches` are oneOf/anyOf/allOf alternatives, which kube-openapi
 * only uses for value validation: they never contribute defaults, but their `format: duration` still tells how the
 * value is stored. Nodes are built once per schema position and memoized: a plan normalizes 100,000 objects of
 * 20 types, so walking the schema again for every object would dominate it.
 */
class SchemaNode {
  readonly duration: boolean;
  /** Properties with a `default`, as [name, property schema]. */
  readonly defaults: readonly (readonly [string, JsonObject])[];
  private readonly children = new Map<string, SchemaNode>();
  private itemsNode: SchemaNode | undefined;

  constructor(
    readonly structural: JsonObject | undefined,
    readonly branches: readonly JsonObject[],
  ) {
    this.duration = this.views().some((view) => view.format === "duration");
    const properties = isObject(structural?.properties) ? structural.properties : {};
    this.defaults = Object.entries(properties).filter((entry): entry is [string, JsonObject] => isObject(entry[1]) && "default" in entry[1]);
  }

  child(key: string): SchemaNode {
    let node = this.children.get(key);
    if (!node) {
      node = this.derive((s) => propertySchema(s, key));
      this.children.set(key, node);
    }
    return node;
  }

  items(): SchemaNode {
    this.itemsNode ??= this.derive((s) => (isObject(s.items) ? s.items : undefined));
    return this.itemsNode;
  }

  private derive(pick: (schema: JsonObject) => JsonObject | undefined): SchemaNode {
    const structural = this.structural ? pick(this.structural) : undefined;
    const alternatives = [...combinatorBranches(this.structural), ...this.branches.flatMap(expand)];
    return new SchemaNode(structural, alternatives.map(pick).filter((s): s is JsonObject => s !== undefined));
  }

  private views(): JsonObject[] {
    return [...(this.structural ? expand(this.structural) : []), ...this.branches.flatMap(expand)];
  }
}

const rootNodes = new Map<string, SchemaNode | undefined>();

function rootNode(typeName: string): SchemaNode | undefined {
  if (!rootNodes.has(typeName)) {
    const schema = schemaFor(typeName);
    rootNodes.set(typeName, schema ? new SchemaNode(schema, []) : undefined);
  }
  return rootNodes.get(typeName);
}

/**
 * Walks the value alongside its type's schema, like `defaulting.Default(rawObj, desc.StructuralSchema)` in the control
 * plane's REST unmarshaller (FACTS §2.5), followed by what the Go struct round trip does to durations and nulls.
 * Copy on write: what needs no change is returned as is (shared with the input, which is never modified), so
 * comparing 50,000 unchanged resources allocates next to nothing.
 */
function applySchema(value: JsonValue, node: SchemaNode): JsonValue {
  if (typeof value === "string") {
    // metav1.Duration is parsed with time.ParseDuration and printed with Duration.String(): `60m` comes back `1h0m0s`,
    // `0` comes back `0s` (FACTS §1.3, §2.8). Text Go cannot parse is left alone (validation reports it).
    return node.duration ? canonicalDuration(value) : value;
  }
  if (Array.isArray(value)) {
    const items = node.items();
    let out: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as JsonValue;
      const next = applySchema(item, items);
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  if (!isObject(value)) return value;

  let out: JsonObject | undefined;
  // Structural defaulting: a property with a `default` that is absent (or null while not nullable) gets the default,
  // but only inside an object that exists: parents are never created (apiextensions defaulting/algorithm.go).
  for (const [key, property] of node.defaults) {
    const current = value[key];
    if (current === undefined || (current === null && property.nullable !== true)) (out ??= { ...value })[key] = clone(property.default as JsonValue);
  }
  for (const key in value) {
    const current = value[key];
    if (current === undefined || (out && out[key] !== current)) continue; // absent, or just defaulted above
    const child = node.child(key);
    // A null in a typed field decodes to a nil Go pointer and `omitempty` leaves it out of the GET.
    if (current === null && child.structural !== undefined && child.structural.type !== undefined) {
      delete (out ??= { ...value })[key];
      continue;
    }
    const next = applySchema(current, child);
    if (next !== current) (out ??= { ...value })[key] = next;
  }
  return out ?? value;
}

/** Go spellings by input text: a repository uses a few dozen distinct durations, 100,000 times over. */
const canonicalDurations = new Map<string, string>();

function canonicalDuration(text: string): string {
  let canonical = canonicalDurations.get(text);
  if (canonical === undefined) {
    const parsed = parseGoDurationDetailed(text);
    canonical = parsed.ok ? formatGoDuration(parsed.nanoseconds) : text;
    if (canonicalDurations.size < 10_000) canonicalDurations.set(text, canonical);
  }
  return canonical;
}

/** The schema of a map entry or field: a declared property wins, otherwise additionalProperties (as in kube-openapi). */
function propertySchema(schema: JsonObject, key: string): JsonObject | undefined {
  const properties = schema.properties;
  if (isObject(properties) && key in properties) {
    const property = properties[key];
    return isObject(property) ? property : undefined;
  }
  return isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

/** A schema and, recursively, every oneOf/anyOf/allOf alternative in it. */
function expand(schema: JsonObject): JsonObject[] {
  return [schema, ...combinatorBranches(schema)];
}

function combinatorBranches(schema: JsonObject | undefined): JsonObject[] {
  if (!schema) return [];
  const out: JsonObject[] = [];
  for (const keyword of ["oneOf", "anyOf", "allOf"]) {
    const list = schema[keyword];
    if (Array.isArray(list)) for (const branch of list) if (isObject(branch)) out.push(...expand(branch));
  }
  return out;
}

/**
 * Spec fields the control plane rewrites on its own. MeshService `spec.state` is set by the MeshService status updater
 * (pkg/core/resources/apis/meshservice/status/updater.go) from the count of healthy data plane proxies, whatever was
 * PUT; the schema default `Unavailable` only lasts until the first update. Comparing it would report drift whenever a
 * service gains or loses its last healthy proxy.
 */
const SERVER_MANAGED_SPEC_FIELDS: Readonly<Record<string, readonly string[]>> = { MeshService: ["state"] };

function withoutServerManagedSpecFields(typeName: string, object: JsonObject): JsonObject {
  const fields = SERVER_MANAGED_SPEC_FIELDS[typeName];
  if (!fields || !isObject(object.spec)) return object;
  const spec: JsonObject = { ...object.spec };
  for (const field of fields) delete spec[field];
  return { ...object, spec };
}

// ---------------------------------------------------------------------------------------------------------------------
// Policies (new-style targetRef resources, decoded into Go structs)

function isPolicyType(typeName: string): boolean {
  const category = resourceType(typeName)?.category;
  return category === "policy" || category === "route";
}

const POLICY_SECTIONS = ["from", "to", "rules"] as const;

function normalizePolicySections(object: JsonObject): JsonObject {
  const spec = object.spec;
  if (!isObject(spec)) return object;
  let out: JsonObject | undefined; // copy on write: most policies need no change
  for (const section of POLICY_SECTIONS) {
    const items = spec[section];
    if (!Array.isArray(items)) continue;
    // `From []From json:"from,omitempty"` (and to, rules): an empty list is omitted from the GET.
    if (items.length === 0) {
      delete (out ??= { ...spec })[section];
      continue;
    }
    // The item's `Default Conf json:"default,omitempty"` is a struct, not a pointer: an item sent without `default`
    // comes back with `default: {}`. Both mean "no configuration", so an empty default counts as absent.
    const isEmptyDefault = (item: JsonValue) => isObject(item) && isObject(item.default) && Object.keys(item.default).length === 0;
    if (!items.some(isEmptyDefault)) continue;
    (out ??= { ...spec })[section] = items.map((item) => {
      if (!isObject(item) || !isEmptyDefault(item)) return item;
      const { default: _empty, ...rest } = item;
      return rest;
    });
  }
  return out ? { ...object, spec: out } : object;
}

// ---------------------------------------------------------------------------------------------------------------------
// Mesh: a protobuf message (api/mesh/v1alpha1/mesh.proto) decoded with jsonpb and printed without EmitDefaults

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

function normalizeMesh(mesh: JsonObject): JsonObject {
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
      const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
      return n === 0 ? undefined : n;
    }
    case "enum": {
      // Enums are accepted by name or number and printed by name; the first (0) value is the zero value.
      const name = typeof value === "number" && Number.isInteger(value) ? (field.names[value] ?? value) : value;
      return name === field.names[0] ? undefined : name;
    }
    case "wrapper":
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
function applyMeshDefaulter(mesh: JsonObject): void {
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

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Object keys in code-unit order at every depth; arrays keep their order. */
export function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as JsonValue);
  return out;
}

/** Equality of two results of normalize(), whose keys are already sorted: no second sort. */
export function equalNormalized(a: JsonObject, b: JsonObject): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A stable text of a normalized value: two objects are equal exactly when their canonical texts are. */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(sortKeys(value));
}
