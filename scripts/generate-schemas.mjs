#!/usr/bin/env node
// Writes schemas/<Type>.schema.json: one strict JSON Schema (draft 2020-12) per resource type meshops manages, for the
// Universal REST object it PUTs. Derived from the Kuma control plane's own rest.yaml files (components.schemas.<Type>Item).
//
//   node scripts/generate-schemas.mjs [--reference DIR] [--kuma-git GIT_DIR]
//
// DIR defaults to ../shared/kuma-reference from the repo root. GIT_DIR is a Kuma git repository with its release tags
// (a clone of github.com/kumahq/kuma): releases up to v2.12 keep their schemas in schema.yaml files the reference does
// not carry. Without it, schemas/v2.10 and schemas/v2.11 (and 2.12's destination types) are kept as they are.
//
// The reference is OpenAPI 3 with Kubernetes extensions and lots of prose. What this script owns:
//   - drops prose (`description`, `example`) and `x-*` noise, keeps the keywords that validate or default;
//   - makes every object with `properties` closed (`additionalProperties: false`): the control plane silently drops
//     unknown fields, so a typo like `idleTimout` never takes effect; meshops reports it instead;
//   - drops server-owned envelope fields (kri, creationTime, modificationTime, snis, status): the repository must not hold them;
//   - translates `nullable`, `x-kubernetes-int-or-string` and `x-kubernetes-preserve-unknown-fields` into plain JSON Schema;
//   - adds what the control plane's JSON decoder enforces, from the Go types of the same release
//     (scripts/go-decode-rules.mjs): integer ranges (`format: uint32`, ...) and Go durations (`format: duration`).
//     It also writes test/fixtures/schemas/go-integer-fields.json, the Go integer fields per type, for the tests;
//   - writes the older minor lines (2.10-2.13) to schemas/v<minor>/ where they differ from the newest, and
//     schemas/versions.json, which src/kuma/versions.ts reads to pick a line by controlPlane.version.
// It fails loudly on anything it does not understand, so a new Kuma release cannot slip something past it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import YAML from "yaml";
import { applyGoDecodeRules, DecodeRuleError, KUMA_MODULE } from "./go-decode-rules.mjs";
import { generateKongMeshSchemas } from "./generate-kong-mesh-schemas.mjs";

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
/**
 * Other new-style kinds (pkg/core/resources/apis/<type>): a `spec` like the destinations, some only in newer lines.
 * HostnameGenerator is global-scoped: its rest.yaml item has no `mesh`, and neither has its schema.
 */
const CORE_TYPES = ["MeshIdentity", "MeshTrust", "MeshOpenTelemetryBackend", "MeshZoneAddress", "Workload", "HostnameGenerator"];
/**
 * Protobuf kinds with a flat object like Mesh's (api/mesh/v1alpha1/<type>/rest.yaml, decoded by jsonpb): their
 * fields sit beside the envelope, and their proto JSON schema (docs/generated/raw/protos/<Type>.json) fills in
 * messages whose .pb.go the reference does not carry.
 */
const PROTO_TYPES = ["Mesh", "MeshGateway", "Dataplane"];

/** The Go package (path in the Kuma repository) whose types each resource decodes into; its rest.yaml sits beside it. */
function apiPackageDir(typeName) {
  const dir = typeName.toLowerCase();
  if (PROTO_TYPES.includes(typeName)) return "api/mesh/v1alpha1";
  if (DESTINATION_TYPES.includes(typeName) || CORE_TYPES.includes(typeName)) return `pkg/core/resources/apis/${dir}/api/v1alpha1`;
  return `pkg/plugins/policies/${dir}/api/v1alpha1`;
}

/** Where each type's rest.yaml lives inside the reference (same paths as in the Kuma repository). */
function restYamlPath(typeName) {
  return PROTO_TYPES.includes(typeName) ? `api/mesh/v1alpha1/${typeName.toLowerCase()}/rest.yaml` : `${apiPackageDir(typeName)}/rest.yaml`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Mesh: rest.yaml is generated from the protobuf message and gets three things wrong for the JSON the control plane
// actually reads (jsonpb). The proto's own JSON schema (docs/generated/raw/protos/Mesh.json) is right, so these follow it.
// Each override rewrites the reference node (still in reference vocabulary) before the normal translation.

/**
 * google.protobuf.Duration in JSON. Mesh.json's pattern (seconds with an `s`) is protojson's rule, but the control plane
 * decodes with github.com/golang/protobuf's jsonpb, which parses a Duration with time.ParseDuration (`1m30s`, `300ms`)
 * and prints it back in seconds (`90s`): Go's duration syntax, as a policy's metav1.Duration.
 */
const protoDuration = () => ({ type: "string", format: "duration" });
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

// MeshGateway: a listener's TLS certificates are kuma.system.v1alpha1.DataSource, a proto oneof that rest.yaml points at
// by `$ref` into files the reference does not carry; the proto JSON schema names its four members (exactly one is set).
// Its `inline` is a google.protobuf.BytesValue, which jsonpb decodes with encoding/json: padded standard base64.
const dataSource = () => ({
  type: "object",
  properties: Object.fromEntries(["file", "inline", "inlineString", "secret"].map((key) => [key, key === "inline" ? { type: "string", format: "byte" } : { type: "string" }])),
  minProperties: 1,
  maxProperties: 1,
});

const GATEWAY_OVERRIDES = {
  "conf.listeners[].tls.certificates[]": dataSource,
  "conf.listeners[].tls.mode": withEnum(["NONE", "TERMINATE", "PASSTHROUGH", 0, 1, 2]),
  "conf.listeners[].protocol": withEnum(["NONE", "TCP", "TLS", "HTTP", "HTTPS", 0, 1, 3, 4, 5]),
};

// Dataplane: `metrics.conf` is a Struct decoded by the metrics backend's plugin, as in Mesh's backends.
// Its proto enums, as for Mesh: the value names (api/mesh/v1alpha1/dataplane.pb.go) and numbers.
const DATAPLANE_OVERRIDES = {
  "metrics.conf": freeFormObject,
  "networking.inbound[].serviceProbe.interval": protoDuration,
  "networking.inbound[].serviceProbe.timeout": protoDuration,
  "networking.gateway.type": withEnum(["DELEGATED", "BUILTIN", 0, 1]),
  "networking.inbound[].state": withEnum(["Ready", "NotReady", "Ignored", 0, 1, 2]),
  "networking.listeners[].state": withEnum(["Ready", "NotReady", 0, 1]),
  "networking.listeners[].type": withEnum(["Unspecified", "ZoneIngress", "ZoneEgress", 0, 1, 2]),
  "networking.transparentProxying.ipFamilyMode": withEnum(["UnSpecified", "DualStack", "IPv4", "IPv6", 0, 1, 2, 3]),
};

const TYPE_OVERRIDES = { Mesh: MESH_OVERRIDES, MeshGateway: GATEWAY_OVERRIDES, Dataplane: DATAPLANE_OVERRIDES };

// ---------------------------------------------------------------------------------------------------------------------
// Translation.

/** Envelope fields the control plane owns: a GET returns them, a PUT body from the repository must not carry them. */
const SERVER_OWNED_FIELDS = ["kri", "creationTime", "modificationTime", "snis", "status"];

/** Reference keywords that are dropped: prose, and Kubernetes list semantics that JSON Schema cannot express. */
const DROPPED_KEYWORDS = new Set(["description", "example", "x-kubernetes-list-type", "x-kubernetes-list-map-keys"]);

/** Keywords copied as they are, in the order they are written out. */
const COPIED_SCALAR_KEYWORDS = [
  ...["pattern", "enum", "default", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"],
  ...["minProperties", "maxProperties"],
];
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
const SUPPORTED_FORMATS = new Set(["int32", "int64", "uint32", "byte", "duration"]);

export class GeneratorError extends Error {}

function fail(typeName, path, message) {
  throw new GeneratorError(`${typeName}: ${path || "(root)"}: ${message}`);
}

/** Per-type translation state: which overrides apply, and which of them were used. */
export function translationContext(typeName) {
  return { typeName, overrides: TYPE_OVERRIDES[typeName] ?? {}, used: new Set() };
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

/** The schema's location: schemas/<Type>.schema.json for the newest release, schemas/v<minor>/ for an older one. */
const schemaFile = (typeName, subdir) => (subdir ? `${subdir}/${typeName}.schema.json` : `${typeName}.schema.json`);

export function documentFor(typeName, item, ctx, release, subdir) {
  const body = translateItem(item, ctx);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${SCHEMA_ID_BASE}${schemaFile(typeName, subdir)}`,
    title: `${typeName} (Universal REST object)`,
    description:
      `The ${typeName} object meshops sends on PUT. Derived from Kuma ${release} rest.yaml ` +
      `(components.schemas.${typeName}Item) by scripts/generate-schemas.mjs; do not edit by hand.`,
    ...body,
  };
}

export function checkEverythingListedWasUsed(ctx) {
  for (const path of Object.keys(ctx.overrides)) {
    if (!ctx.used.has(path) && !ctx.lenientOverrides) fail(ctx.typeName, path, "listed in the generator but not found in the reference");
  }
}

/** The type's `<Type>Item` schema in the rest.yaml under `restRoot`, or undefined when that release has no such file. */
function loadItem(restRoot, typeName, { optional = false } = {}) {
  const file = join(restRoot, restYamlPath(typeName));
  if (optional && !existsSync(file)) return undefined;
  const document = YAML.parse(readFileSync(file, "utf8"));
  const item = document?.components?.schemas?.[`${typeName}Item`];
  if (!item) throw new GeneratorError(`${file}: components.schemas.${typeName}Item not found`);
  return item;
}

/** The newest release's item: from the reference's top level, or its versions/ copy where the top level lacks the file. */
function newestItem(referenceDir, typeName) {
  return loadItem(referenceDir, typeName, { optional: true }) ?? loadItem(join(referenceDir, "versions", KUMA_VERSION), typeName);
}

function parseArguments(argv) {
  let referenceDir = resolve(REPO_ROOT, "..", "shared", "kuma-reference");
  let kumaGit;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--reference" && argv[i + 1]) referenceDir = resolve(argv[++i]);
    else if (argv[i] === "--kuma-git" && argv[i + 1]) kumaGit = resolve(argv[++i]);
    else throw new Error(`usage: node scripts/generate-schemas.mjs [--reference DIR] [--kuma-git GIT_DIR] (got ${argv[i]})`);
  }
  return { referenceDir, kumaGit };
}

/** The Go source of the same release, whose types decide what the control plane's JSON decoder rejects. */
const GO_SOURCE_DIR = `go-${KUMA_VERSION}`;
/** The flat objects of the protobuf kinds: these are the envelope, every other field belongs to the Go message. */
const PROTO_ENVELOPE = ["type", "mesh", "name", "labels"];

/**
 * Adds the Go decoder's rules (scripts/go-decode-rules.mjs) to a generated document; returns what it constrained.
 * The reference carries the Go source of the newest release only; older releases get the same rules for the fields
 * they share with it (`lenient`: a field the newest Go types no longer have is left as rest.yaml describes it).
 */
function withGoDecodeRules(typeName, document, referenceDir, lenient) {
  return applyGoDecodeRules({
    typeName,
    schema: document,
    goSourceRoot: join(referenceDir, GO_SOURCE_DIR),
    packagePath: `${KUMA_MODULE}/${apiPackageDir(typeName)}`,
    goTypeName: typeName,
    at: PROTO_TYPES.includes(typeName) ? "" : "spec",
    envelope: PROTO_ENVELOPE,
    proto: PROTO_TYPES.includes(typeName) ? protoSchema(referenceDir, typeName) : undefined,
    lenient,
  });
}

/** A protobuf kind's JSON schema (protoc-gen-jsonschema), for the messages whose .pb.go the reference does not carry. */
function protoSchema(referenceDir, typeName) {
  const file = join(referenceDir, "versions", KUMA_VERSION, `docs/generated/raw/protos/${typeName}.json`);
  const { definitions } = JSON.parse(readFileSync(file, "utf8"));
  return { goPackage: `${KUMA_MODULE}/api/mesh/v1alpha1`, protoPackage: "kuma.mesh.v1alpha1", definitions };
}

/**
 * test/fixtures/schemas/go-integer-fields.json: every Go integer field per type, as the generator found it in the Go
 * source. Tests check the schemas against it without reading the reference.
 */
const INTEGER_FIELDS_FIXTURE = join(REPO_ROOT, "test", "fixtures", "schemas", "go-integer-fields.json");

// ---------------------------------------------------------------------------------------------------------------------
// Older minor lines. `controlPlane.version` selects one (src/validate/schema.ts); each gets its own schema only where it
// differs from the newest release's, so the package carries the differences, not five copies.

/** The release of the per-policy schema.yaml copies at the reference's top level (its README says so). */
const TOP_LEVEL_SCHEMA_YAML_RELEASE = "v2.12.14";
/** The newest patch of each older minor line in the reference (versions/<release>/), oldest first. */
const OLDER_RELEASES = ["v2.10.11", "v2.11.18", "v2.12.14", "v2.13.10"];
const minorOf = (release) => /^v(\d+\.\d+)\./.exec(release)[1];
/** schemas/versions.json: which minor lines exist, which types have their own schema there, and when each kind appeared. */
const VERSIONS_INDEX = join(OUTPUT_DIR, "versions.json");

/** The document without the lines that name its file and release, to tell whether two releases really differ. */
const content = ({ $id, description, ...rest }) => JSON.stringify(rest);

/**
 * The `<Type>Item` schema of an older release. Up to v2.12 rest.yaml points at a schema.yaml beside it (`$ref:
 * schema.yaml`), which the reference carries for v2.12.14's policies only (at the top level); the others are read from
 * a Kuma git repository with release tags (`--kuma-git`). Returns undefined when the release does not have the type,
 * "unavailable" when its schema is in neither place.
 */
function olderItem(typeName, referenceDir, release, kumaGit) {
  const item = loadItem(join(referenceDir, "versions", release), typeName, { optional: true });
  if (!item || item.$ref === undefined) return item;
  if (item.$ref !== "schema.yaml") fail(typeName, "", `${release}: unexpected $ref ${item.$ref}`);
  const path = `${dirname(restYamlPath(typeName))}/schema.yaml`;
  const topLevelCopy = join(referenceDir, path);
  if (release === TOP_LEVEL_SCHEMA_YAML_RELEASE && existsSync(topLevelCopy)) return YAML.parse(readFileSync(topLevelCopy, "utf8"));
  if (!kumaGit) return "unavailable";
  return YAML.parse(execFileSync("git", ["--git-dir", kumaGit, "show", `${release}:${path}`], { encoding: "utf8", maxBuffer: 64 << 20 }));
}

/**
 * A protobuf kind's fields by their JSON names. v2.10.11's meshgateway schema.yaml names a field by its proto name
 * (`connection_limit`; 2.11 fixed the file), but the API server decodes protobuf kinds with jsonpb without checking
 * them against that file: it takes the JSON name (`json=connectionLimit` in gateway.pb.go) and GET prints it.
 */
function withProtoJsonNames(node) {
  if (Array.isArray(node)) return node.map(withProtoJsonNames);
  if (node === null || typeof node !== "object") return node;
  const jsonName = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key === "properties" && value && typeof value === "object") {
        return [key, Object.fromEntries(Object.entries(value).map(([name, sub]) => [jsonName(name), withProtoJsonNames(sub)]))];
      }
      if (key === "required" && Array.isArray(value)) return [key, value.map((name) => (typeof name === "string" ? jsonName(name) : name))];
      return [key, withProtoJsonNames(value)];
    }),
  );
}

/** One type's schema for an older release (undefined: the release lacks the type; "unavailable": see olderItem). */
function olderSchema(typeName, referenceDir, release, kumaGit) {
  const found = olderItem(typeName, referenceDir, release, kumaGit);
  if (found === undefined && PROTO_TYPES.includes(typeName)) return protoStandIn(typeName, referenceDir, release, kumaGit);
  if (found === undefined || found === "unavailable") return found;
  const item = PROTO_TYPES.includes(typeName) ? withProtoJsonNames(found) : found;
  const ctx = { ...translationContext(typeName), lenientOverrides: true };
  const document = documentFor(typeName, item, ctx, release, `v${minorOf(release)}`);
  withGoDecodeRules(typeName, document, referenceDir, true);
  return document;
}

/** A protobuf kind's message as a release's docs/generated/raw/protos/<Type>.json has it (undefined: no such file). */
function protoMessage(referenceDir, release, typeName) {
  const file = join(referenceDir, "versions", release, `docs/generated/raw/protos/${typeName}.json`);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/**
 * A protobuf kind that existed before its rest.yaml did (Dataplane in 2.10): the control plane decodes it with the
 * release's proto message, so the schema is the one of the next release whose message is the same. Never the newest
 * line's as such: 2.14 added Dataplane `networking.listeners` and `inbound[].protocol`, which 2.10 does not have.
 */
function protoStandIn(typeName, referenceDir, release, kumaGit) {
  const message = protoMessage(referenceDir, release, typeName);
  if (message === undefined) fail(typeName, "", `${release} has neither its rest.yaml nor its proto JSON schema`);
  const releases = [...OLDER_RELEASES, KUMA_VERSION];
  for (const next of releases.slice(releases.indexOf(release) + 1)) {
    if (protoMessage(referenceDir, next, typeName) !== message) break;
    const document =
      next === KUMA_VERSION
        ? documentFor(typeName, newestItem(referenceDir, typeName), translationContext(typeName), KUMA_VERSION)
        : olderSchema(typeName, referenceDir, next, kumaGit);
    if (document === undefined) continue;
    if (document === "unavailable") return document;
    if (next === KUMA_VERSION) withGoDecodeRules(typeName, document, referenceDir, false);
    return {
      ...document,
      $id: `${SCHEMA_ID_BASE}${schemaFile(typeName, `v${minorOf(release)}`)}`,
      description:
        `The ${typeName} object meshops sends on PUT. Kuma ${release} has no ${typeName} rest.yaml; its proto message ` +
        `(docs/generated/raw/protos/${typeName}.json) is ${next}'s, whose rest.yaml (components.schemas.${typeName}Item) ` +
        "this is derived from by scripts/generate-schemas.mjs; do not edit by hand.",
    };
  }
  return fail(typeName, "", `${release} has no rest.yaml, and no newer release has the same proto message`);
}

/**
 * The minor line that introduced each resource kind of the reference (any `<Kind>Item` in a rest.yaml), for the
 * error a kind the target does not have gets. Kinds present in the oldest line are left out.
 */
function kindsIntroduced(referenceDir) {
  const introduced = {};
  for (const release of [...OLDER_RELEASES, KUMA_VERSION]) {
    // New-style kinds only (pkg/...): the legacy protobuf kinds under api/ existed long before their rest.yaml did.
    for (const file of restYamlFiles(join(referenceDir, "versions", release, "pkg"))) {
      const schemas = YAML.parse(readFileSync(file, "utf8"))?.components?.schemas ?? {};
      for (const name of Object.keys(schemas)) {
        if (name.endsWith("Item")) introduced[name.slice(0, -4)] ??= minorOf(release);
      }
    }
  }
  const oldest = minorOf(OLDER_RELEASES[0]);
  return Object.fromEntries(Object.entries(introduced).filter(([, minor]) => minor !== oldest).sort());
}

function restYamlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name === "rest.yaml")
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** The newest release's schemas are indented for review; older releases' are compact, to keep the package small. */
export function writeSchema(document, typeName, subdir) {
  const file = join(OUTPUT_DIR, schemaFile(typeName, subdir));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(document, null, subdir ? undefined : 2)}\n`);
}

function main() {
  const { referenceDir, kumaGit } = parseArguments(process.argv.slice(2));
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const typeNames = [...PROTO_TYPES, ...POLICY_TYPES, ...DESTINATION_TYPES, ...CORE_TYPES];
  const integerFields = {};
  const newest = {};
  for (const typeName of typeNames) {
    const ctx = translationContext(typeName);
    const document = documentFor(typeName, newestItem(referenceDir, typeName), ctx, KUMA_VERSION);
    checkEverythingListedWasUsed(ctx);
    const decoded = withGoDecodeRules(typeName, document, referenceDir, false);
    integerFields[typeName] = decoded.integerFields;
    newest[typeName] = document;
    writeSchema(document, typeName);
    console.log(`wrote schemas/${typeName}.schema.json (${decoded.integerFields.length} Go integer fields, ${decoded.durationFields.length} durations)`);
  }

  const index = { latest: minorOf(KUMA_VERSION), versions: {}, kindsIntroduced: kindsIntroduced(referenceDir) };
  index.versions[index.latest] = { release: KUMA_VERSION, ownSchemas: typeNames };
  const previousIndex = existsSync(VERSIONS_INDEX) ? JSON.parse(readFileSync(VERSIONS_INDEX, "utf8")) : { versions: {} };
  for (const release of OLDER_RELEASES) {
    const minor = minorOf(release);
    const subdir = `v${minor}`;
    const documents = typeNames.map((typeName) => [typeName, olderSchema(typeName, referenceDir, release, kumaGit)]);
    // A kind the release lacks is fine when versions.json says which line introduced it (a protobuf kind that existed
    // before its rest.yaml did has a stand-in: protoStandIn).
    const explained = (typeName) => index.kindsIntroduced[typeName] !== undefined;
    const missing = documents.filter(([typeName, document]) => document === undefined && !explained(typeName)).map(([typeName]) => typeName);
    if (missing.length > 0) fail(missing.join(", "), "", `${release} does not have it: versions.json cannot say so yet`);
    if (documents.some(([, document]) => document === "unavailable")) {
      // Keep what an earlier run with --kuma-git wrote, rather than losing the release.
      if (!previousIndex.versions[minor]) fail("", "", `${release}: its schema.yaml files are not in the reference; pass --kuma-git`);
      index.versions[minor] = previousIndex.versions[minor];
      console.warn(`kept schemas/${subdir}/ as it is: ${release}'s schema.yaml files need --kuma-git`);
      continue;
    }
    rmSync(join(OUTPUT_DIR, subdir), { recursive: true, force: true });
    const own = documents
      .filter(([typeName, document]) => document !== undefined && content(document) !== content(newest[typeName]))
      .map(([typeName]) => typeName);
    for (const [typeName, document] of documents) if (own.includes(typeName)) writeSchema(document, typeName, subdir);
    index.versions[minor] = { release, ownSchemas: own };
    console.log(`wrote schemas/${subdir}/: ${own.length} of ${typeNames.length} types differ from ${KUMA_VERSION}`);
  }
  writeFileSync(VERSIONS_INDEX, `${JSON.stringify(index, null, 2)}\n`);

  mkdirSync(dirname(INTEGER_FIELDS_FIXTURE), { recursive: true });
  const fixture = { source: `Kuma ${KUMA_VERSION} Go API types (Apache-2.0), by scripts/generate-schemas.mjs`, types: integerFields };
  writeFileSync(INTEGER_FIELDS_FIXTURE, `${JSON.stringify(fixture, null, 2)}\n`);
  generateKongMeshSchemas(referenceDir);
}

// Run as a script; imported (scripts/generate-kong-mesh-schemas.mjs reuses the translation), it does nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runMain();

function runMain() {
  try {
    main();
  } catch (error) {
    if (!(error instanceof GeneratorError) && !(error instanceof DecodeRuleError)) throw error;
    console.error(`generate-schemas: ${error.message}`);
    process.exitCode = 1;
  }
}
