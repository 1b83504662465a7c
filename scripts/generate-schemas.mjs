#!/usr/bin/env node
// Writes schemas/<Type>.schema.json: one strict JSON Schema (draft 2020-12) per resource type meshops manages, for the
// Universal REST object it PUTs. Derived from the Kuma control plane's own rest.yaml files (components.schemas.<Type>Item).
//
//   node scripts/generate-schemas.mjs [--reference DIR]     (DIR defaults to ../shared/kuma-reference from the repo root)
//
// The reference is OpenAPI 3 with Kubernetes extensions and lots of prose. What this script owns:
//   - drops prose (`description`, `example`) and `x-*` noise, keeps the keywords that validate or default;
//   - makes every object with `properties` closed (`additionalProperties: false`): the control plane silently drops
//     unknown fields, so a typo like `idleTimout` never takes effect; meshops reports it instead;
//   - drops server-owned envelope fields (kri, creationTime, modificationTime, snis, status): the repository must not hold them;
//   - translates `nullable`, `x-kubernetes-int-or-string` and `x-kubernetes-preserve-unknown-fields` into plain JSON Schema;
//   - adds what the control plane's JSON decoder enforces, from the Go types of the same release
//     (scripts/go-decode-rules.mjs): integer ranges (`format: uint32`, ...) and Go durations (`format: duration`).
//     It also writes test/fixtures/schemas/go-integer-fields.json, the Go integer fields per type, for the tests.
// It fails loudly on anything it does not understand, so a new Kuma release cannot slip something past it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { applyGoDecodeRules, DecodeRuleError, KUMA_MODULE } from "./go-decode-rules.mjs";

const KUMA_VERSION = "v2.14.3";
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUTPUT_DIR = join(REPO_ROOT, "schemas");
const SCHEMA_ID_BASE = "https://meshops.dev/schemas/";

const POLICY_TYPES = [
  "MeshAccessLog",
  "MeshCircuitBreaker",
  "MeshFaultInjection",
  "MeshHTTPRoute",
  "MeshHealthCheck",
  "MeshLoadBalancingStrategy",
  "MeshMetric",
  "MeshPassthrough",
  "MeshProxyPatch",
  "MeshRateLimit",
  "MeshRetry",
  "MeshTCPRoute",
  "MeshTimeout",
  "MeshTLS",
  "MeshTrace",
  "MeshTrafficPermission",
];
const DESTINATION_TYPES = ["MeshService", "MeshExternalService", "MeshMultiZoneService"];

/** The Go package (path in the Kuma repository) whose types each resource decodes into; its rest.yaml sits beside it. */
function apiPackageDir(typeName) {
  const dir = typeName.toLowerCase();
  if (typeName === "Mesh") return "api/mesh/v1alpha1";
  if (DESTINATION_TYPES.includes(typeName)) return `pkg/core/resources/apis/${dir}/api/v1alpha1`;
  return `pkg/plugins/policies/${dir}/api/v1alpha1`;
}

/** Where each type's rest.yaml lives inside the reference (same paths as in the Kuma repository). */
function restYamlPath(typeName) {
  return typeName === "Mesh" ? "api/mesh/v1alpha1/mesh/rest.yaml" : `${apiPackageDir(typeName)}/rest.yaml`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Mesh: rest.yaml is generated from the protobuf message and gets three things wrong for the JSON the control plane
// actually reads (jsonpb). The proto's own JSON schema (docs/generated/raw/protos/Mesh.json) is right, so these follow it.
// Each override rewrites the reference node (still in reference vocabulary) before the normal translation.

/** Pattern from Mesh.json for google.protobuf.Duration in JSON. */
const PROTO_DURATION_PATTERN = "^([0-9]+\\.?[0-9]*|\\.[0-9]+)s$";
const protoDuration = () => ({ type: "string", format: "duration", pattern: PROTO_DURATION_PATTERN });
// `conf` is a google.protobuf.Struct decoded by the backend's plugin (its `type`). rest.yaml points at per-plugin
// schemas by `$ref` into files that are not part of the reference, and whose field names do not all match the wire.
const freeFormObject = () => ({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
// Proto enums: jsonpb accepts the value name or its number; rest.yaml only says "string or integer".
const withEnum = (values) => (node) => ({ ...node, enum: values });

const MESH_OVERRIDES = {
  "mtls.backends[].dpCert.requestTimeout": protoDuration,
  "mtls.backends[].rootChain.requestTimeout": protoDuration,
  "mtls.backends[].conf": freeFormObject,
  "logging.backends[].conf": freeFormObject,
  "metrics.backends[].conf": freeFormObject,
  "tracing.backends[].conf": freeFormObject,
  "mtls.backends[].mode": withEnum(["STRICT", "PERMISSIVE", 0, 1]),
  "meshServices.mode": withEnum(["Disabled", "Everywhere", "ReachableBackends", "Exclusive", 0, 1, 2, 3]),
};

// ---------------------------------------------------------------------------------------------------------------------
// Translation.

/** Envelope fields the control plane owns: a GET returns them, a PUT body from the repository must not carry them. */
const SERVER_OWNED_FIELDS = ["kri", "creationTime", "modificationTime", "snis", "status"];

/** Reference keywords that are dropped: prose, and Kubernetes list semantics that JSON Schema cannot express. */
const DROPPED_KEYWORDS = new Set(["description", "example", "x-kubernetes-list-type", "x-kubernetes-list-map-keys"]);

/** Keywords copied as they are, in the order they are written out. */
const COPIED_SCALAR_KEYWORDS = ["pattern", "enum", "default", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"];
const HANDLED_KEYWORDS = new Set([
  ...COPIED_SCALAR_KEYWORDS,
  "required",
  "type",
  "format",
  "items",
  "properties",
  "additionalProperties",
  "oneOf",
  "anyOf",
  "nullable",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
]);

/** Formats the validator (src/validate/schema.ts) registers. Anything else would make ajv's strict mode refuse the schema. */
const SUPPORTED_FORMATS = new Set(["int32", "int64", "byte", "duration"]);

class GeneratorError extends Error {}

function fail(typeName, path, message) {
  throw new GeneratorError(`${typeName}: ${path || "(root)"}: ${message}`);
}

/** Per-type translation state: which overrides apply, and which of them were used. */
function translationContext(typeName) {
  return { typeName, overrides: typeName === "Mesh" ? MESH_OVERRIDES : {}, used: new Set() };
}

function childPath(path, segment) {
  return path ? `${path}.${segment}` : segment;
}

function asTypeList(type) {
  return Array.isArray(type) ? [...type] : type === undefined ? [] : [type];
}

/** `anyOf: [{type: integer}, {type: string}]`, the only anyOf `x-kubernetes-int-or-string` comes with. */
function isIntOrStringAnyOf(anyOf) {
  const types = (anyOf ?? []).map((branch) => (Object.keys(branch).length === 1 ? branch.type : undefined));
  return types.length === 2 && types.includes("integer") && types.includes("string");
}

function checkKeywords(node, ctx, path) {
  for (const keyword of Object.keys(node)) {
    if (HANDLED_KEYWORDS.has(keyword) || DROPPED_KEYWORDS.has(keyword)) continue;
    if (keyword === "readOnly") fail(ctx.typeName, path, "readOnly field outside the envelope: decide whether the repository may set it");
    if (keyword.startsWith("x-")) continue; // other vendor noise
    fail(ctx.typeName, path, `keyword "${keyword}" is not understood by the generator`);
  }
}

/** The JSON Schema `type` (string or list) for a reference node, with the Kubernetes/OpenAPI 3.0 extensions resolved. */
function translatedType(node, ctx, path) {
  let types = asTypeList(node.type);
  if (node["x-kubernetes-int-or-string"] === true) {
    if (node.anyOf && !isIntOrStringAnyOf(node.anyOf)) fail(ctx.typeName, path, "x-kubernetes-int-or-string with an unexpected anyOf");
    types = ["integer", "string"];
  }
  if (node.nullable === true && types.length > 0 && !types.includes("null")) types.push("null");
  return types.length === 0 ? undefined : types.length === 1 ? types[0] : types;
}

function translatedFormat(node, ctx, path) {
  if (node.format !== undefined && !SUPPORTED_FORMATS.has(node.format)) fail(ctx.typeName, path, `format "${node.format}" is not supported`);
  return node.format;
}

/** Translates one reference schema node (and everything under it) into our JSON Schema. */
function translate(referenceNode, ctx, path) {
  let node = referenceNode;
  const override = ctx.overrides[path];
  if (override) {
    ctx.used.add(path);
    node = override(node);
  }
  checkKeywords(node, ctx, path);

  const preservesUnknownFields = node["x-kubernetes-preserve-unknown-fields"] === true;
  const out = {};
  const type = translatedType(node, ctx, path);
  if (type !== undefined) out.type = type;
  const format = translatedFormat(node, ctx, path);
  if (format !== undefined) out.format = format;
  for (const keyword of COPIED_SCALAR_KEYWORDS) {
    if (node[keyword] !== undefined) out[keyword] = structuredClone(node[keyword]);
  }
  if (node.nullable === true && out.enum && !out.enum.includes(null)) out.enum.push(null);

  if (node.items !== undefined) out.items = translate(node.items, ctx, `${path}[]`);
  if (node.properties !== undefined) out.properties = translateProperties(node.properties, ctx, path);
  if (node.required !== undefined) out.required = [...node.required];
  const additional = translatedAdditionalProperties(node, ctx, path, preservesUnknownFields);
  if (additional !== undefined) out.additionalProperties = additional;

  for (const combinator of ["oneOf", "anyOf"]) {
    if (node[combinator] === undefined) continue;
    if (combinator === "anyOf" && node["x-kubernetes-int-or-string"] === true) continue; // already folded into `type`
    out[combinator] = node[combinator].map((branch, i) => {
      if (branch.$ref !== undefined) fail(ctx.typeName, path, `${combinator} branch ${i} is a $ref (${branch.$ref}): add an override`);
      return translate(branch, ctx, `${path}<${combinator}${i}>`);
    });
  }
  return out;
}

function translateProperties(properties, ctx, path) {
  const out = {};
  for (const name of Object.keys(properties).sort()) out[name] = translate(properties[name], ctx, childPath(path, name));
  return out;
}

/**
 * Closed unless the reference says otherwise: a map (`additionalProperties: <schema>`) keeps its value schema, and a
 * node that preserves unknown fields stays open. An object with no properties at all (an empty Go struct such as
 * MeshLoadBalancingStrategy `roundRobin: {}`) is closed as well: the control plane's structural schema keeps no field
 * of it, so anything written inside would be dropped silently.
 */
function translatedAdditionalProperties(node, ctx, path, preservesUnknownFields) {
  const given = node.additionalProperties;
  if (given !== undefined && typeof given === "object") return translate(given, ctx, `${path}{}`);
  if (given === true || preservesUnknownFields) return undefined;
  if (given === false || node.properties !== undefined) return false;
  const isPlainObject = asTypeList(node.type).includes("object") && node.oneOf === undefined && node.anyOf === undefined;
  return isPlainObject ? false : undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Envelope and output.

/** Fixed order for the envelope, then the rest (the flat Mesh fields) alphabetically. */
const ENVELOPE_ORDER = ["type", "mesh", "name", "labels", "spec"];

function envelopeOrder(a, b) {
  const ia = ENVELOPE_ORDER.indexOf(a);
  const ib = ENVELOPE_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

function withoutServerOwnedFields(item, ctx) {
  const properties = { ...item.properties };
  for (const field of SERVER_OWNED_FIELDS) {
    if (properties[field] === undefined) continue;
    if (properties[field].readOnly !== true) fail(ctx.typeName, field, "expected a readOnly server-owned field");
    delete properties[field];
  }
  // The policy items pin `type` to their kind; the Mesh item does not, so it gets the same treatment here.
  if (properties.type && properties.type.enum === undefined) properties.type = { ...properties.type, enum: [ctx.typeName] };
  return { ...item, properties };
}

function translateItem(item, ctx) {
  const translated = translate(withoutServerOwnedFields(item, ctx), ctx, "");
  const properties = {};
  for (const name of Object.keys(translated.properties).sort(envelopeOrder)) properties[name] = translated.properties[name];
  return { ...translated, properties };
}

function documentFor(typeName, item, ctx) {
  const body = translateItem(item, ctx);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${SCHEMA_ID_BASE}${typeName}.schema.json`,
    title: `${typeName} (Universal REST object)`,
    description:
      `The ${typeName} object meshops sends on PUT. Derived from Kuma ${KUMA_VERSION} rest.yaml ` +
      `(components.schemas.${typeName}Item) by scripts/generate-schemas.mjs; do not edit by hand.`,
    ...body,
  };
}

function checkEverythingListedWasUsed(ctx) {
  for (const path of Object.keys(ctx.overrides)) {
    if (!ctx.used.has(path)) fail(ctx.typeName, path, "listed in the generator but not found in the reference");
  }
}

function loadItem(referenceDir, typeName) {
  const file = join(referenceDir, restYamlPath(typeName));
  const document = YAML.parse(readFileSync(file, "utf8"));
  const item = document?.components?.schemas?.[`${typeName}Item`];
  if (!item) throw new GeneratorError(`${file}: components.schemas.${typeName}Item not found`);
  return item;
}

function parseArguments(argv) {
  let referenceDir = resolve(REPO_ROOT, "..", "shared", "kuma-reference");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--reference" && argv[i + 1]) referenceDir = resolve(argv[++i]);
    else throw new Error(`usage: node scripts/generate-schemas.mjs [--reference DIR] (got ${argv[i]})`);
  }
  return { referenceDir };
}

/** The Go source of the same release, whose types decide what the control plane's JSON decoder rejects. */
const GO_SOURCE_DIR = `go-${KUMA_VERSION}`;
/** Mesh's flat object: these are the envelope, every other field belongs to the Go message. */
const MESH_ENVELOPE = ["type", "name", "labels"];

/** Adds the Go decoder's rules (scripts/go-decode-rules.mjs) to a generated document; returns what it constrained. */
function withGoDecodeRules(typeName, document, referenceDir) {
  return applyGoDecodeRules({
    typeName,
    schema: document,
    goSourceRoot: join(referenceDir, GO_SOURCE_DIR),
    packagePath: `${KUMA_MODULE}/${apiPackageDir(typeName)}`,
    goTypeName: typeName,
    at: typeName === "Mesh" ? "" : "spec",
    envelope: MESH_ENVELOPE,
    proto: typeName === "Mesh" ? meshProtoSchema(referenceDir) : undefined,
  });
}

/** Mesh's proto JSON schema (protoc-gen-jsonschema), for the messages whose .pb.go the reference does not carry. */
function meshProtoSchema(referenceDir) {
  const file = join(referenceDir, "versions", KUMA_VERSION, "docs/generated/raw/protos/Mesh.json");
  const { definitions } = JSON.parse(readFileSync(file, "utf8"));
  return { goPackage: `${KUMA_MODULE}/api/mesh/v1alpha1`, protoPackage: "kuma.mesh.v1alpha1", definitions };
}

/**
 * test/fixtures/schemas/go-integer-fields.json: every Go integer field per type, as the generator found it in the Go
 * source. Tests check the schemas against it without reading the reference.
 */
const INTEGER_FIELDS_FIXTURE = join(REPO_ROOT, "test", "fixtures", "schemas", "go-integer-fields.json");

function main() {
  const { referenceDir } = parseArguments(process.argv.slice(2));
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const integerFields = {};
  for (const typeName of ["Mesh", ...POLICY_TYPES, ...DESTINATION_TYPES]) {
    const ctx = translationContext(typeName);
    const document = documentFor(typeName, loadItem(referenceDir, typeName), ctx);
    checkEverythingListedWasUsed(ctx);
    const decoded = withGoDecodeRules(typeName, document, referenceDir);
    integerFields[typeName] = decoded.integerFields;
    writeFileSync(join(OUTPUT_DIR, `${typeName}.schema.json`), `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote schemas/${typeName}.schema.json (${decoded.integerFields.length} Go integer fields, ${decoded.durationFields.length} durations)`);
  }
  mkdirSync(dirname(INTEGER_FIELDS_FIXTURE), { recursive: true });
  const fixture = { source: `Kuma ${KUMA_VERSION} Go API types (Apache-2.0), by scripts/generate-schemas.mjs`, types: integerFields };
  writeFileSync(INTEGER_FIELDS_FIXTURE, `${JSON.stringify(fixture, null, 2)}\n`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof GeneratorError) && !(error instanceof DecodeRuleError)) throw error;
  console.error(`generate-schemas: ${error.message}`);
  process.exitCode = 1;
}
