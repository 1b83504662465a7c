/**
 * Canonical form of a resource, so that equal intent compares equal. Both sides go through it: the object meshops
 * would PUT (desired) and what the control plane answered on GET (live). Every rule mirrors something the control
 * plane does to an object between PUT and GET (kuma-reference/FACTS.md §2.5, §2.8, §6), which is why applying it to
 * both sides is safe: a difference that survives normalization is a difference the control plane keeps too.
 *
 * What the control plane does is modelled in src/kuma/ (schemas, server-owned fields and labels, the Mesh's proto
 * form and defaulter); this module applies it. Pure: no I/O besides the project's own schemas (read once, cached).
 */
import { formatGoDuration, parseGoDurationDetailed } from "../kuma/duration.js";
import { normalizeMesh } from "../kuma/mesh.js";
import { propertySchema, schemaFor } from "../kuma/schemas.js";
import {
  COMPUTED_LABELS,
  KUBERNETES_COMPUTED_LABELS,
  LABEL_DISPLAY_NAME,
  LABEL_NAMESPACE,
  PROXY_COMPUTED_LABELS,
  SERVER_OWNED_FIELDS,
  isKubernetesNamed,
  isOwnDisplayName,
  withoutGoOmittedZeros,
  withoutServerManagedSpecFields,
} from "../kuma/server.js";
import { GITOPS_ENGINE_LABELS } from "../kuma/naming.js";
import { canonicalBase64 } from "../kuma/secrets.js";
import { DEFAULT_MESH, isGlobalType, isPolicyType, isSecretType, resourceType } from "../kuma/types.js";
import { protoKindForm } from "../kuma/protoForm.js";
import { isJsonObject as isObject, type JsonObject, type JsonValue } from "../model/resource.js";

const serverOwned = new Set(SERVER_OWNED_FIELDS);
// And the labels GitOps engines stamp on what they apply through Kubernetes: neither side's to compare.
const computedLabels = new Set([...COMPUTED_LABELS, ...GITOPS_ENGINE_LABELS]);

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
  // The same object (an unchanged file's resource, shared by both revisions of `plan --base`) needs no walk.
  return a === b || equalWithoutNormalizing(a, b) || deepEqual(normalizeInPlaceOrder(a), normalizeInPlaceOrder(b));
}

/**
 * The fast path of sameNormalized for policies and services: walks both objects and the schema together, applying
 * the schema rules (defaults, duration spelling, typed nulls) to each pair of values as it compares them, so nothing
 * is copied. It only ever answers true when normalizing would make both equal; anything it does not model (Meshes,
 * the policy-section rules) makes it answer false, and the full comparison decides.
 */
export function equalWithoutNormalizing(a: JsonObject, b: JsonObject): boolean {
  const typeName = a.type;
  // The protobuf kinds (Mesh, MeshGateway, Dataplane) drop zero values: the full comparison models that.
  if (typeof typeName !== "string" || typeName !== b.type || resourceType(typeName)?.flat) return false;
  const node = rootNode(typeName);
  if (!node) return false;
  // An omitted mesh is "default", as normalization has it; a global kind's is left as it is.
  const global = isGlobalType(typeName);
  if ((global ? a.mesh !== b.mesh : (a.mesh ?? DEFAULT_MESH) !== (b.mesh ?? DEFAULT_MESH)) || !sameUserLabels(a, b)) return false;
  for (const key in a) if (!ENVELOPE_KEYS.has(key) && !serverOwned.has(key) && !equalUnder(a[key], b[key], node.child(key))) return false;
  for (const key in b) if (!ENVELOPE_KEYS.has(key) && !serverOwned.has(key) && !(key in a) && !equalUnder(undefined, b[key], node.child(key))) return false;
  return true;
}

const ENVELOPE_KEYS = new Set(["type", "mesh", "labels"]);

function sameUserLabels(a: JsonObject, b: JsonObject): boolean {
  const n = userLabelCount(a);
  if (n < 0 || n !== userLabelCount(b)) return false;
  if (n === 0) return true;
  const labels = a.labels as JsonObject;
  const other = b.labels as JsonObject;
  // Each of a's user labels is one of b's, with the same value: as many on both sides, so the same set.
  for (const key in labels) if (!isComputedLabel(key, labels, a) && (labels[key] !== other[key] || isComputedLabel(key, other, b))) return false;
  return true;
}

/** How many labels are not computed ones; -1 when `labels` is not a map. */
function userLabelCount(object: JsonObject): number {
  const labels = object.labels;
  if (labels === undefined || labels === null) return 0;
  if (!isObject(labels)) return -1;
  let n = 0;
  for (const key in labels) if (!isComputedLabel(key, labels, object)) n++;
  return n;
}

const kubernetesComputedLabels = new Set(KUBERNETES_COMPUTED_LABELS);
const proxyComputedLabels = new Set(PROXY_COMPUTED_LABELS);

/**
 * Whether the label is the control plane's: a computed one; a Dataplane's proxy labels; the namespace and policy role
 * of an object named in a Kubernetes namespace; the display name that is the object's own name.
 */
function isComputedLabel(key: string, labels: JsonObject, object: JsonObject): boolean {
  if (computedLabels.has(key)) return true;
  if (proxyComputedLabels.has(key)) return object.type === "Dataplane";
  if (kubernetesComputedLabels.has(key)) return isKubernetesNamed(object.name, labels[LABEL_NAMESPACE]);
  return key === LABEL_DISPLAY_NAME && isOwnDisplayName(labels[key], object.name, labels[LABEL_NAMESPACE]);
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
  let keysOfA = 0;
  // Keys of `a` that `b` has a value for: when they are all of b's keys, b has nothing left to compare. An inherited
  // value compares unequal to any JSON value (a function), except `__proto__`'s, which is therefore not counted.
  let shared = 0;
  for (const key in a) {
    keysOfA++;
    const fromA = a[key];
    const fromB = b[key];
    if (fromB !== undefined && key !== "__proto__") shared++;
    if (!equalUnder(fromA === undefined ? withDefault(key, node) : fromA, fromB === undefined ? withDefault(key, node) : fromB, node.child(key))) return false;
  }
  let keysOfB = 0;
  for (const _ in b) keysOfB++;
  // One side empty and the other not: maybe the policy rule that `default: {}` means absent; the full path judges.
  if ((keysOfA === 0) !== (keysOfB === 0)) return false;
  // Both sides spell the same fields (nearly every pair of a no-op plan): no second walk, no lookup of b's keys in a.
  if (keysOfB === shared) return true;
  for (const key in b) if (!(key in a) && !equalUnder(withDefault(key, node), b[key], node.child(key))) return false;
  return true;
}

/** The schema default of an absent property (structural defaulting), if it has one. */
function withDefault(key: string, node: SchemaNode): JsonValue | undefined {
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
  const labels = withoutComputedLabels(out);
  if (labels === undefined) delete out.labels;
  else out.labels = labels;

  // The REST schema defaults `mesh` to "default" before the URL check (FACTS §2.5), so an omitted mesh is "default"; a
  // global kind has none.
  if (typeName !== "Mesh" && !isGlobalType(typeName) && (out.mesh === undefined || out.mesh === null)) out.mesh = DEFAULT_MESH;

  // Durations in Go's spelling, structural-schema defaults and dropped nulls: see applySchema.
  if (node) out = applySchema(out, node) as JsonObject;

  if (typeName === "Mesh") out = normalizeMesh(out);
  else if (resourceType(typeName)?.flat) out = protoKindForm(out, schemaFor(typeName));
  else if (isPolicyType(typeName)) out = normalizePolicySections(out);
  else if (isSecretType(typeName) && typeof out.data === "string") out.data = canonicalBase64(out.data);
  if (isObject(out.spec)) {
    const spec = withoutGoOmittedZeros(typeName, out.spec);
    if (spec !== out.spec) out = { ...out, spec };
  }
  return withoutServerManagedSpecFields(typeName, out);
}

function withoutComputedLabels(object: JsonObject): JsonValue | undefined {
  const labels = object.labels;
  if (labels === undefined || labels === null) return undefined;
  if (!isObject(labels)) return labels; // not a map: leave it for the diff to show
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(labels)) if (!isComputedLabel(key, labels, object)) kept[key] = value;
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

// ---------------------------------------------------------------------------------------------------------------------
// Policies (new-style targetRef resources, decoded into Go structs)

const POLICY_SECTIONS = ["from", "to", "rules"] as const;

function normalizePolicySections(object: JsonObject): JsonObject {
  const spec = object.spec;
  if (!isObject(spec)) return object;
  let out: JsonObject | undefined; // copy on write: most policies need no change
  for (const section of POLICY_SECTIONS) {
    const items = spec[section];
    if (!Array.isArray(items)) continue;
    // `From *[]From json:"from,omitempty"` (and to, rules; go-v2.14.3 pkg/plugins/policies/*/api/v1alpha1): an empty
    // list is kept and printed back as `[]`, but every reader takes its length (pointer.Deref), so it means no list.
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
// Helpers

function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Object keys in code-unit order at every depth; arrays keep their order. */
function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as JsonValue);
  return out;
}
