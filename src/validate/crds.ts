/**
 * What the Kubernetes API server would reject in a rendered manifest, checked before anything is printed, written or
 * committed: the kind's CRD schema (schemas/crds.json, extracted from Kuma's CRDs by scripts/generate-crd-schemas.mjs)
 * as a structural schema, and the object metadata rules every object has (names, namespaces, labels, annotations).
 * Unknown fields are errors, as with kubectl's and Argo CD's strict field validation (the server would otherwise drop
 * them silently). CEL rules (`x-kubernetes-validations`) are not evaluated; Kuma's CRDs have none.
 */
import { readFileSync } from "node:fs";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { newAjv } from "./formats.js";

/** This file compiles to dist/src/validate/crds.js: the repository root is three directories up. */
const CRDS_FILE = new URL("../../../schemas/crds.json", import.meta.url);

export interface CrdEntry {
  readonly plural: string;
  readonly scope: "Namespaced" | "Cluster";
  /** The CRD's openAPIV3Schema, without descriptions. */
  readonly schema: JsonObject;
}

let entries: ReadonlyMap<string, CrdEntry> | undefined;

/** The CRDs of the kinds meshops renders, read once. */
export function crdEntries(): ReadonlyMap<string, CrdEntry> {
  entries ??= new Map(Object.entries((JSON.parse(readFileSync(CRDS_FILE, "utf8")) as { kinds: Record<string, CrdEntry> }).kinds));
  return entries;
}

/** Keywords whose value is one schema, and those whose value is a list of schemas. */
const SCHEMA_KEYWORDS = ["items", "not"];
const SCHEMA_LIST_KEYWORDS = ["anyOf", "oneOf", "allOf"];
/** Kept as they are: their meaning is the same in JSON Schema draft 7. */
const PLAIN_KEYWORDS = ["type", "enum", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "required"];

/**
 * A CRD's structural OpenAPI v3 schema as a JSON schema (2020-12) ajv compiles: `nullable` admits null, int-or-string admits
 * both, an object with declared properties admits no others unless it preserves unknown fields, OpenAPI's boolean
 * `exclusiveMinimum` becomes a number. `format` and `default` are left out (the server defaults, and its
 * formats are advisory for CRDs); `metadata` is checked by `metadataProblems`, as the server does for every object.
 */
export function toJsonSchema(schema: JsonObject, atRoot = true): JsonObject {
  const out: JsonObject = {};
  for (const key of PLAIN_KEYWORDS) if (schema[key] !== undefined) out[key] = schema[key];
  if (schema.exclusiveMinimum === true && typeof schema.minimum === "number") {
    out.exclusiveMinimum = schema.minimum;
    delete out.minimum;
  }
  if (schema.exclusiveMaximum === true && typeof schema.maximum === "number") {
    out.exclusiveMaximum = schema.maximum;
    delete out.maximum;
  }
  for (const key of SCHEMA_KEYWORDS) if (isJsonObject(schema[key])) out[key] = toJsonSchema(schema[key], false);
  for (const key of SCHEMA_LIST_KEYWORDS) {
    const list = schema[key];
    if (Array.isArray(list)) out[key] = list.filter(isJsonObject).map((s) => toJsonSchema(s, false));
  }
  if (schema["x-kubernetes-int-or-string"] === true && out.anyOf === undefined) out.type = ["integer", "string"];
  const properties = schema.properties;
  if (isJsonObject(properties)) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([field, s]) => [field, atRoot && field === "metadata" ? { type: "object" } : isJsonObject(s) ? toJsonSchema(s, false) : {}]),
    );
  }
  if (isJsonObject(schema.additionalProperties)) out.additionalProperties = toJsonSchema(schema.additionalProperties, false);
  else if (typeof schema.additionalProperties === "boolean") out.additionalProperties = schema.additionalProperties;
  else if (isJsonObject(properties) && schema["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
  if (schema.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}

/** One reason the API server would reject a manifest: the field path as Kubernetes prints it, and why. */
export interface ManifestProblem {
  readonly path: string;
  readonly message: string;
  /** What the API server clears instead of refusing (a cluster-scoped object's namespace). */
  readonly cleared?: true;
}

const validators = new Map<string, ValidateFunction>();
let ajv: Ajv2020 | undefined;

function validatorFor(kind: string, entry: CrdEntry): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    ajv ??= newAjv({ allErrors: true, strict: false });
    validate = ajv.compile(toJsonSchema(entry.schema));
    validators.set(kind, validate);
  }
  return validate;
}

/**
 * Every reason the API server would reject this manifest. A kuma.io kind without a CRD here is one problem; core
 * objects (a v1 Secret) have their metadata checked only.
 */
export function manifestProblems(manifest: JsonObject): ManifestProblem[] {
  const problems = metadataProblems(manifest);
  if (manifest.apiVersion !== "kuma.io/v1alpha1") return problems;
  const kind = String(manifest.kind);
  const entry = crdEntries().get(kind);
  if (!entry) return [...problems, { path: "kind", message: `no kuma.io/v1alpha1 CRD defines kind ${kind}` }];
  const metadata = asObject(manifest.metadata);
  if (entry.scope === "Cluster" && metadata.namespace !== undefined) problems.push({ path: "metadata.namespace", message: `${kind} is cluster-scoped: it has no namespace`, cleared: true });
  if (entry.scope === "Namespaced" && metadata.namespace === undefined) problems.push({ path: "metadata.namespace", message: `${kind} is namespaced: a namespace is required` });
  const validate = validatorFor(kind, entry);
  if (!validate(manifest)) problems.push(...(validate.errors ?? []).map(problemOf));
  return problems;
}

/** `/spec/to/0/default` → `spec.to[0].default`. */
function fieldPath(pointer: string, extra?: string): string {
  const segments = pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) segments.push(extra);
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : /^[A-Za-z_][\w-]*$/.test(segment) ? (path ? `${path}.${segment}` : segment) : `${path}[${JSON.stringify(segment)}]`), "");
}

function problemOf(error: ErrorObject): ManifestProblem {
  switch (error.keyword) {
    case "additionalProperties":
      return { path: fieldPath(error.instancePath, String((error.params as { additionalProperty: string }).additionalProperty)), message: "unknown field" };
    case "required":
      return { path: fieldPath(error.instancePath, String((error.params as { missingProperty: string }).missingProperty)), message: "required value" };
    case "enum":
      return { path: fieldPath(error.instancePath), message: `unsupported value: must be one of ${((error.params as { allowedValues: JsonValue[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}` };
    default:
      return { path: fieldPath(error.instancePath), message: error.message ?? error.keyword };
  }
}

function asObject(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

// The API machinery's rules (k8s.io/apimachinery/pkg/util/validation), as every object's metadata is checked.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** The total size of an object's annotations (keys and values). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `must be no more than 253 characters (it has ${value.length})`;
  if (!DNS_SUBDOMAIN.test(value)) return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (prefix !== undefined) {
    const problem = prefix === "" ? "prefix part must be non-empty" : dnsSubdomainProblem(prefix);
    if (problem) return `prefix part ${problem}`;
  }
  if (name.length === 0 || name.length > 63) return "name part must be 1 to 63 characters";
  if (!QUALIFIED_NAME.test(name)) return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** ObjectMeta as the API server validates it on create: name, namespace, label keys and values, annotation keys and size. */
export function metadataProblems(manifest: JsonObject): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const metadata = asObject(manifest.metadata);
  const name = metadata.name;
  if (typeof name !== "string" || name === "") problems.push({ path: "metadata.name", message: "required value" });
  else {
    const problem = dnsSubdomainProblem(name);
    if (problem) problems.push({ path: "metadata.name", message: `${JSON.stringify(name)}: ${problem}` });
  }
  const namespace = metadata.namespace;
  if (namespace !== undefined && (typeof namespace !== "string" || namespace.length > 63 || !DNS_LABEL.test(namespace))) {
    problems.push({ path: "metadata.namespace", message: `${JSON.stringify(namespace)}: a lowercase RFC 1123 label of at most 63 characters` });
  }
  for (const [key, value] of Object.entries(asObject(metadata.labels))) {
    const path = `metadata.labels[${JSON.stringify(key)}]`;
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) problems.push({ path, message: `key: ${keyProblem}` });
    if (typeof value !== "string") problems.push({ path, message: "must be a string" });
    else if (value.length > 63) problems.push({ path, message: `${JSON.stringify(value)}: must be no more than 63 characters (it has ${value.length})` });
    else if (!LABEL_VALUE.test(value)) problems.push({ path, message: `${JSON.stringify(value)}: must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(asObject(metadata.annotations))) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) problems.push({ path: `metadata.annotations[${JSON.stringify(key)}]`, message: `key: ${keyProblem}` });
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));
  }
  if (annotationBytes > ANNOTATIONS_MAX_BYTES) problems.push({ path: "metadata.annotations", message: `too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes` });
  return problems;
}
