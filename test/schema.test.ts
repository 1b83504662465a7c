import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { JsonObject, JsonValue, Violation } from "../src/model/index.js";
import { KONG_MESH_SCHEMA_ONLY_KINDS, RESOURCE_TYPES, requiresKongMesh, resourceType } from "../src/kuma/types.js";
import { schemaFor } from "../src/kuma/schemas.js";
import { compiledValidatorCount, validateSchema } from "../src/validate/schema.js";
import { kumaReferenceDir } from "./helpers/reference.js";

const KUMA_TYPE_NAMES = RESOURCE_TYPES.filter((t) => !t.kongMeshOnly).map((t) => t.name);
/** Kuma's types and the Kong Mesh-only kinds (checked against Kong's CRDs and OpenAPI items). */
const TYPE_NAMES = [...RESOURCE_TYPES.map((t) => t.name), ...KONG_MESH_SCHEMA_ONLY_KINDS];

// ---------------------------------------------------------------------------------------------------------------------
// Reading the reference

type SchemaNode = { [keyword: string]: unknown };

function restYamlPath(typeName: string): string {
  const dir = typeName.toLowerCase();
  if (typeName === "Secret") return "api/system/v1alpha1/secret/rest.yaml";
  if (resourceType(typeName)?.flat) return `api/mesh/v1alpha1/${dir}/rest.yaml`;
  if (resourceType(typeName)?.category !== "policy" && resourceType(typeName)?.category !== "route") return `pkg/core/resources/apis/${dir}/api/v1alpha1/rest.yaml`;
  return `pkg/plugins/policies/${dir}/api/v1alpha1/rest.yaml`;
}

/**
 * A Kong Mesh kind's reference, as the generator reads it (scripts/generate-kong-mesh-schemas.mjs): Kong's OpenAPI item,
 * with the `spec` of the 2.14.x CRD where Kong publishes one.
 */
function kongMeshItem(typeName: string): SchemaNode {
  const dir = join(kumaReferenceDir(), "kong-mesh");
  const item = JSON.parse(readFileSync(join(dir, "openapi/extracted/terraform-provider", `${typeName}Item.json`), "utf8")) as SchemaNode;
  const crdFile = { MeshOPA: "kuma.io_meshopas.yaml", MeshGlobalRateLimit: "kuma.io_meshglobalratelimits.yaml" }[typeName];
  if (!crdFile) return item;
  const crd = parse(readFileSync(join(dir, "crds/2.14.x", crdFile), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: SchemaNode } }[] } };
  const spec = (crd.spec.versions[0]?.schema.openAPIV3Schema.properties as Record<string, SchemaNode>).spec;
  return { ...item, properties: { ...(item.properties as object), spec } };
}

/**
 * GlobalSecret has no rest.yaml: it is Secret's message (api/system/v1alpha1) in the global scope, so its reference is
 * SecretItem without `mesh` (the API server's golden files show the same envelope: type, name, labels, data).
 */
function globalSecretItem(): SchemaNode {
  const secret = referenceItem("Secret");
  const { mesh: _mesh, ...properties } = secret.properties as Record<string, SchemaNode>;
  return { ...secret, properties, required: (secret.required as string[]).filter((name) => name !== "mesh") };
}

function referenceItem(typeName: string): SchemaNode {
  if (requiresKongMesh(typeName)) return kongMeshItem(typeName);
  if (typeName === "GlobalSecret") return globalSecretItem();
  const document = parse(readFileSync(join(kumaReferenceDir(), restYamlPath(typeName)), "utf8")) as SchemaNode;
  const schemas = (document.components as SchemaNode).schemas as Record<string, SchemaNode>;
  const item = schemas[`${typeName}Item`];
  assert.ok(item, `${typeName}Item missing from the reference`);
  return item;
}

function ourSchema(typeName: string): SchemaNode {
  const schema = schemaFor(typeName);
  assert.ok(schema, `no schema for ${typeName}`);
  return schema as SchemaNode;
}

// ---------------------------------------------------------------------------------------------------------------------
// Faithfulness: our schema against the reference, node by node

/** Server-owned envelope fields the generator drops on purpose: the repository must not hold them. */
const DROPPED_ENVELOPE_FIELDS = new Set(["kri", "creationTime", "modificationTime", "snis", "status"]);

type Aspect = "properties" | "required" | "enum" | "default";

/**
 * Where our schema differs from rest.yaml on purpose (each one explained in scripts/generate-schemas.mjs). Each entry
 * must really be a difference, so the list cannot keep an exception nobody needs any more.
 */
const DELIBERATE_DIFFERENCES: Record<string, Record<string, readonly Aspect[]>> = {
  Mesh: {
    type: ["enum"], // pinned to [Mesh], as every other type's `type` is
    "mtls.backends[].mode": ["enum"], // proto enum names and numbers, rest.yaml only says string or integer
    "meshServices.mode": ["enum"],
    "mtls.backends[].dpCert.requestTimeout": ["properties"], // protobuf Duration is a string on the wire, not {seconds, nanos}
    "mtls.backends[].rootChain.requestTimeout": ["properties"],
  },
  Secret: {
    type: ["enum"], // pinned to [Secret] like Mesh's (schemas/Secret.schema.json is kept by hand)
  },
  GlobalSecret: {
    type: ["enum"], // pinned to [GlobalSecret] (schemas/GlobalSecret.schema.json is kept by hand)
  },
  MeshGateway: {
    type: ["enum"], // pinned to [MeshGateway]
    "conf.listeners[].protocol": ["enum"], // proto enum names and numbers
    "conf.listeners[].tls.mode": ["enum"],
    "conf.listeners[].tls.certificates[]": ["properties"], // DataSource, a $ref rest.yaml cannot resolve: its four members
  },
  Dataplane: {
    type: ["enum"], // pinned to [Dataplane]
    "networking.gateway.type": ["enum"], // proto enum names and numbers
    "networking.inbound[].state": ["enum"],
    "networking.listeners[].state": ["enum"],
    "networking.listeners[].type": ["enum"],
    "networking.transparentProxying.ipFamilyMode": ["enum"],
    "networking.inbound[].serviceProbe.interval": ["properties"], // protobuf Duration is a string on the wire
    "networking.inbound[].serviceProbe.timeout": ["properties"],
  },
  // Kong's OpenAPI items leave `type` open and give nullable lists Speakeasy's `default: null`, which is no server default.
  AccessRole: {
    type: ["enum"],
    rules: ["default"],
    "rules[].access": ["default"],
    "rules[].names": ["default"],
    "rules[].types": ["default"],
    "rules[].when": ["default"],
    "rules[].when[].dpToken.tags": ["default"],
  },
  AccessRoleBinding: { type: ["enum"], roles: ["default"], subjects: ["default"] },
  AccessAudit: { type: ["enum"], rules: ["default"], "rules[].access": ["default"], "rules[].types": ["default"] },
};

interface Difference {
  readonly path: string;
  readonly aspect: Aspect;
  readonly reference: unknown;
  readonly ours: unknown;
}

function compareWithReference(typeName: string): { unexpected: Difference[]; unusedExceptions: string[] } {
  const exceptions = DELIBERATE_DIFFERENCES[typeName] ?? {};
  const differences: Difference[] = [];
  compareNodes(referenceItem(typeName), ourSchema(typeName), "", differences);
  const isExpected = (d: Difference) => exceptions[d.path]?.includes(d.aspect) ?? false;
  const used = new Set(differences.filter(isExpected).map((d) => `${d.path} ${d.aspect}`));
  const unusedExceptions = Object.entries(exceptions).flatMap(([path, aspects]) =>
    aspects.map((aspect) => `${path} ${aspect}`).filter((key) => !used.has(key)),
  );
  return { unexpected: differences.filter((d) => !isExpected(d)), unusedExceptions };
}

function compareNodes(reference: SchemaNode, ours: SchemaNode, path: string, out: Difference[]): void {
  const referenceProperties = (reference.properties ?? {}) as Record<string, SchemaNode>;
  const ourProperties = (ours.properties ?? {}) as Record<string, SchemaNode>;
  const expectedNames = Object.keys(referenceProperties).filter((name) => path !== "" || !DROPPED_ENVELOPE_FIELDS.has(name));

  const check = (aspect: Aspect, referenceValue: unknown, ourValue: unknown) => {
    if (!isDeepStrictEqual(referenceValue, ourValue)) out.push({ path, aspect, reference: referenceValue, ours: ourValue });
  };
  check("properties", expectedNames.sort(), Object.keys(ourProperties).sort());
  check("required", [...((reference.required as string[]) ?? [])].sort(), [...((ours.required as string[]) ?? [])].sort());
  check("enum", reference.enum, ours.enum);
  check("default", reference.default, ours.default);

  for (const name of expectedNames) {
    const ourChild = ourProperties[name];
    if (ourChild) compareNodes(referenceProperties[name] as SchemaNode, ourChild, path ? `${path}.${name}` : name, out);
  }
  if (isNode(reference.items) && isNode(ours.items)) compareNodes(reference.items, ours.items, `${path}[]`, out);
  if (isNode(reference.additionalProperties) && isNode(ours.additionalProperties)) {
    compareNodes(reference.additionalProperties, ours.additionalProperties, `${path}{}`, out);
  }
  for (const combinator of ["oneOf", "anyOf"]) {
    const referenceBranches = reference[combinator];
    const ourBranches = ours[combinator];
    if (!Array.isArray(referenceBranches) || !Array.isArray(ourBranches)) continue;
    referenceBranches.forEach((branch: SchemaNode, i) => {
      if (isNode(ourBranches[i])) compareNodes(branch, ourBranches[i], `${path}<${combinator}${i}>`, out);
    });
  }
}

function isNode(value: unknown): value is SchemaNode {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Every node of our schema with its path, for checks that only look at our side. */
function* walk(node: SchemaNode, path = ""): Generator<[string, SchemaNode]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) yield* walk(child, path ? `${path}.${name}` : name);
  if (isNode(node.items)) yield* walk(node.items, `${path}[]`);
  if (isNode(node.additionalProperties)) yield* walk(node.additionalProperties, `${path}{}`);
}

/** The node at a path of ours (`spec.to[].default.idleTimeout`), in our schema or in the reference item. */
function nodeAt(item: SchemaNode, path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = item;
  for (const token of path.match(/[^.[\]{}]+|\[\]|\{\}/g) ?? []) {
    if (!node) return undefined;
    if (token === "[]") node = node.items as SchemaNode | undefined;
    else if (token === "{}") node = node.additionalProperties as SchemaNode | undefined;
    else node = (node.properties as Record<string, SchemaNode> | undefined)?.[token];
  }
  return node;
}

describe("schemas/ against the Kuma v2.14.3 reference", () => {
  void it("covers the 30 Kuma types of the catalogue", () => {
    assert.equal(KUMA_TYPE_NAMES.length, 30);
    for (const typeName of TYPE_NAMES) assert.ok(schemaFor(typeName), typeName);
  });

  for (const typeName of TYPE_NAMES) {
    void it(`${typeName}: same property names, required lists, enums and defaults at every level`, () => {
      const { unexpected, unusedExceptions } = compareWithReference(typeName);
      assert.deepEqual(unexpected, []);
      assert.deepEqual(unusedExceptions, [], "a deliberate difference listed in the test is no longer a difference");
    });
  }

  for (const typeName of TYPE_NAMES) {
    void it(`${typeName}: every object with properties is closed unless the reference keeps it open`, () => {
      const item = referenceItem(typeName);
      const open = [...walk(ourSchema(typeName))]
        .filter(([, node]) => node.properties !== undefined && node.additionalProperties !== false)
        .map(([path]) => path)
        .filter((path) => nodeAt(item, path)?.["x-kubernetes-preserve-unknown-fields"] !== true);
      assert.deepEqual(open, []);
    });
  }

  void it("marks duration fields, and only string fields, with format: duration", () => {
    const durationPaths = (typeName: string) => [...walk(ourSchema(typeName))].filter(([, n]) => n.format === "duration").map(([p]) => p);
    for (const typeName of TYPE_NAMES) {
      const item = referenceItem(typeName);
      for (const path of durationPaths(typeName)) {
        const reference = nodeAt(item, path);
        // Protobuf durations (Mesh, Dataplane) are {seconds, nanos} objects in rest.yaml, strings on the wire (deliberate difference).
        const expectedType = resourceType(typeName)?.flat ? "object" : "string";
        assert.equal(reference?.type, expectedType, `${typeName} ${path}`);
      }
    }
    assert.equal(durationPaths("MeshTimeout").length, 21); // 7 timeouts in each of from, to and rules
    assert.ok(durationPaths("MeshTimeout").includes("spec.to[].default.http.requestTimeout"));
    assert.deepEqual(durationPaths("MeshRetry").sort(), [
      "spec.to[].default.grpc.backOff.baseInterval",
      "spec.to[].default.grpc.backOff.maxInterval",
      "spec.to[].default.grpc.perTryTimeout",
      "spec.to[].default.grpc.rateLimitedBackOff.maxInterval",
      "spec.to[].default.http.backOff.baseInterval",
      "spec.to[].default.http.backOff.maxInterval",
      "spec.to[].default.http.perTryTimeout",
      "spec.to[].default.http.rateLimitedBackOff.maxInterval",
    ]);
    // Certificate expiry is parsed by Kuma itself (`1d`, `10y`), not by time.ParseDuration.
    assert.ok(!durationPaths("Mesh").includes("mtls.backends[].dpCert.rotation.expiration"));
    assert.ok(durationPaths("MeshCircuitBreaker").includes("spec.rules[].default.outlierDetection.baseEjectionTime"));
  });

  void it("keeps the server-side defaults exactly as the reference gives them", () => {
    const defaultAt = (typeName: string, path: string) => nodeAt(ourSchema(typeName), path)?.default;
    assert.equal(defaultAt("MeshTimeout", "mesh"), "default");
    assert.equal(defaultAt("MeshHTTPRoute", "spec.to[].rules[].default.backendRefs[].weight"), 1);
    assert.equal(defaultAt("MeshHTTPRoute", "spec.to[].rules[].default.filters[].requestRedirect.statusCode"), 302);
    assert.equal(defaultAt("MeshMetric", "spec.default.backends[].prometheus.port"), 5670);
    assert.equal(defaultAt("MeshTrace", "spec.default.backends[].zipkin.sharedSpanContext"), true);
    assert.equal(defaultAt("MeshAccessLog", "spec.to[].default.backends[].file.format.omitEmptyValues"), false);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Valid objects

const defaultMeshTimeout: JsonObject = {
  type: "MeshTimeout",
  mesh: "default",
  name: "mesh-timeout-all-default",
  labels: { "kuma.io/mesh": "default", "kuma.io/origin": "zone" },
  spec: {
    targetRef: { kind: "Mesh", proxyTypes: ["Sidecar"] },
    from: [
      {
        targetRef: { kind: "Mesh" },
        default: { connectionTimeout: "10s", idleTimeout: "2h0m0s", http: { requestTimeout: "0s", streamIdleTimeout: "1h0m0s", maxStreamDuration: "0s" } },
      },
    ],
    to: [
      {
        targetRef: { kind: "Mesh" },
        default: { connectionTimeout: "5s", idleTimeout: "1h0m0s", http: { requestTimeout: "15s", streamIdleTimeout: "30m0s" } },
      },
    ],
  },
};

const retryHttp = { numRetries: 5, perTryTimeout: "16s", backOff: { baseInterval: "25ms", maxInterval: "250ms" } };

const validObjects: readonly JsonObject[] = [
  defaultMeshTimeout,
  {
    type: "MeshTimeout",
    mesh: "default",
    name: "mesh-gateways-timeout-all-default",
    spec: {
      targetRef: { kind: "Mesh", proxyTypes: ["Gateway"] },
      from: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "5m0s", http: { streamIdleTimeout: "5s", requestHeadersTimeout: "500ms" } } }],
      to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h0m0s", http: { streamIdleTimeout: "5s" } } }],
    },
  },
  {
    type: "MeshRetry",
    mesh: "default",
    name: "mesh-retry-all-default",
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: 5 }, http: retryHttp, grpc: retryHttp } }] },
  },
  {
    type: "MeshCircuitBreaker",
    mesh: "default",
    name: "mesh-circuit-breaker-all-default",
    spec: {
      targetRef: { kind: "Mesh" },
      to: [{ targetRef: { kind: "Mesh" }, default: { connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 } } }],
    },
  },
  {
    type: "MeshHTTPRoute",
    mesh: "default",
    name: "web-to-backend",
    spec: {
      targetRef: { kind: "Mesh" },
      to: [
        {
          targetRef: { kind: "MeshService", name: "backend" },
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: "/api" }, headers: [{ name: "x-version", value: "v2" }] }],
              default: {
                filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-team", value: "core" }] } }],
                backendRefs: [{ kind: "MeshService", name: "backend-v2", port: 8080, weight: 90 }],
              },
            },
          ],
        },
      ],
    },
  },
  {
    type: "Mesh",
    name: "default",
    mtls: {
      enabledBackend: "ca-1",
      backends: [
        {
          name: "ca-1",
          type: "builtin",
          mode: "PERMISSIVE",
          dpCert: { rotation: { expiration: "1d" }, requestTimeout: "10s" },
          rootChain: { requestTimeout: "0.5s" },
          conf: { caCert: { RSAbits: 2048, expiration: "10y" } }, // free-form: decoded by the CA plugin
        },
      ],
    },
    meshServices: { mode: "Exclusive" },
    skipCreatingInitialPolicies: ["*"],
  },
  {
    type: "MeshTrafficPermission",
    mesh: "default",
    name: "allow-web",
    spec: { targetRef: { kind: "Dataplane", labels: { app: "backend" } }, rules: [{ default: { allow: [{ spiffeID: { type: "Prefix", value: "spiffe://default/" } }] } }] },
  },
  {
    type: "MeshTrace",
    mesh: "default",
    name: "trace",
    spec: { default: { sampling: { overall: 80, client: "50.5" }, backends: [{ type: "Zipkin", zipkin: { url: "http://zipkin:9411/api/v2/spans" } }] } },
  },
  {
    type: "MeshProxyPatch",
    mesh: "default",
    name: "patch",
    spec: {
      targetRef: { kind: "Mesh" },
      default: { appendModifications: [{ cluster: { operation: "Patch", jsonPatches: [{ op: "add", path: "/anything", value: { free: ["form", 1] } }] } }] },
    },
  },
  {
    type: "MeshService",
    mesh: "default",
    name: "backend",
    spec: { selector: { dataplaneTags: { app: "backend" } }, ports: [{ port: 8080, targetPort: "http", appProtocol: "http" }] },
  },
];

describe("validateSchema: valid objects", () => {
  for (const object of validObjects) {
    void it(`${String(object.type)} ${String(object.name)} passes`, () => {
      assert.deepEqual(validateSchema(String(object.type), object), []);
    });
  }

  void it("accepts a policy without mesh or labels (mesh defaults to `default`)", () => {
    const { mesh: _mesh, labels: _labels, ...minimal } = defaultMeshTimeout;
    assert.deepEqual(validateSchema("MeshTimeout", minimal), []);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The control plane's own validator test cases

interface ValidationCase {
  readonly policy: string;
  readonly name: string;
  readonly valid: boolean;
  readonly input: string;
}

/**
 * Cases the control plane's validator tests call valid but whose input our schema rejects. The Go tests decode YAML
 * leniently into structs and never run the schema, so they get away with what a real PUT would not.
 */
const VALID_CASES_OUR_SCHEMA_REJECTS: Record<string, readonly string[]> = {
  // rest.yaml itself rejects these: header match types in upper case, and unquoted status codes (numbers) in retryOn.
  "MeshRetry full example": [
    "spec.to[1].default.http.retriableRequestHeaders[0].type",
    "spec.to[1].default.http.retriableRequestHeaders[1].type",
    "spec.to[1].default.http.retriableRequestHeaders[2].type",
    "spec.to[1].default.http.retriableResponseHeaders[0].type",
    "spec.to[1].default.http.retriableResponseHeaders[1].type",
    "spec.to[1].default.http.retriableResponseHeaders[2].type",
    "spec.to[1].default.http.retryOn[17]",
    "spec.to[1].default.http.retryOn[18]",
    "spec.to[1].default.http.retryOn[19]",
  ],
  "MeshRetry http.retryOn with status codes": ["spec.to[0].default.http.retryOn[0]", "spec.to[0].default.http.retryOn[1]"],
  "MeshRetry target MeshHTTPRoute": ["spec.to[0].default.http.retryOn[0]", "spec.to[0].default.http.retryOn[1]"],
  // Only our strictness catches this one: healthyPanicThreshold belongs to outlierDetection, not to detectors, and the
  // control plane drops it without a word.
  "MeshCircuitBreaker full example": [
    "spec.from[0].default.outlierDetection.detectors.healthyPanicThreshold",
    "spec.to[0].default.outlierDetection.detectors.healthyPanicThreshold",
    "spec.to[1].default.outlierDetection.detectors.healthyPanicThreshold",
    "spec.to[2].default.outlierDetection.detectors.healthyPanicThreshold",
  ],
};

function objectForCase(c: ValidationCase): JsonObject {
  const input = (parse(c.input) ?? {}) as JsonObject;
  if (c.policy === "Mesh") return { type: "Mesh", name: "mesh-1", ...input };
  const { type: _type, mesh: _mesh, name: _name, ...spec } = input; // MeshHTTPRoute cases carry envelope keys the test ignores
  return { type: c.policy, mesh: "default", name: "policy-1", spec };
}

describe("validateSchema on the control plane's valid validator cases", () => {
  const document = parse(readFileSync(join(kumaReferenceDir(), "validation-cases.v2.14.3.yaml"), "utf8")) as { cases: ValidationCase[] };
  const validCases = document.cases.filter((c) => c.valid && TYPE_NAMES.includes(c.policy));

  void it("has valid cases to check", () => assert.ok(validCases.length >= 30, `only ${validCases.length} valid cases`));

  for (const c of validCases) {
    const key = `${c.policy} ${c.name}`;
    void it(key, () => {
      const paths = validateSchema(c.policy, objectForCase(c)).map((v) => v.path);
      assert.deepEqual(paths, VALID_CASES_OUR_SCHEMA_REJECTS[key] ?? []);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------------
// Error classes: exact paths and messages

/**
 * A copy of `base` with the field at `path` (`spec.to[0].default.idleTimout`) set to `value`, or removed when `value`
 * is undefined: each case states only what it breaks.
 */
function withField(base: JsonObject, path: string, value: JsonValue | undefined): JsonObject {
  const copy = structuredClone(base);
  const keys = (path.match(/[^.[\]]+/g) ?? []).map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  const last = keys.pop();
  let parent: JsonValue | undefined = copy;
  for (const key of keys) parent = (parent as Record<string | number, JsonValue>)[key];
  const container = parent as Record<string | number, JsonValue>;
  if (last === undefined) throw new Error(`empty path`);
  if (value === undefined) delete container[last];
  else container[last] = value;
  return copy;
}

const TIMEOUT_KINDS = "[Mesh MeshSubset MeshGateway MeshService MeshExternalService MeshMultiZoneService MeshServiceSubset MeshHTTPRoute Dataplane]";

const errorCases: readonly { name: string; typeName: string; object: JsonObject; expected: Violation[] }[] = [
  {
    name: "unknown field with a close known sibling",
    typeName: "MeshTimeout",
    object: withField(defaultMeshTimeout, "spec.to[0].default.idleTimout", "1h"),
    expected: [{ path: "spec.to[0].default.idleTimout", message: 'unknown field "idleTimout", did you mean "idleTimeout"?' }],
  },
  {
    name: "unknown field with no close sibling",
    typeName: "MeshTimeout",
    object: withField(defaultMeshTimeout, "spec.to[0].default.http.retries", 3),
    expected: [{ path: "spec.to[0].default.http.retries", message: 'unknown field "retries"' }],
  },
  {
    name: "server-owned envelope field",
    typeName: "MeshTimeout",
    object: { ...defaultMeshTimeout, kri: "kri_mt_default___mesh-timeout-all-default_" },
    expected: [{ path: "kri", message: 'unknown field "kri": it is set by the control plane, remove it' }],
  },
  {
    name: "wrong type (FACTS §4.4 case 41)",
    typeName: "MeshTrafficPermission",
    object: { type: "MeshTrafficPermission", name: "sample", spec: { targetRef: { kind: "MeshService", name: 2 }, from: [] } },
    expected: [{ path: "spec.targetRef.name", message: 'in body must be of type string: "number"' }],
  },
  {
    name: "enum on the envelope type (FACTS §4.4 case 42)",
    typeName: "MeshTrafficPermission",
    object: { type: "TrafficPermission", name: "sample", spec: { targetRef: { kind: "Mesh" } } },
    expected: [{ path: "type", message: "type in body should be one of [MeshTrafficPermission]" }],
  },
  {
    name: "enum inside the spec",
    typeName: "MeshTimeout",
    object: withField(defaultMeshTimeout, "spec.to[0].targetRef.kind", "MeshGatewayRoute"),
    expected: [{ path: "spec.to[0].targetRef.kind", message: `should be one of ${TIMEOUT_KINDS}` }],
  },
  {
    name: "a wrong type on an enum field is reported once, as a type error",
    typeName: "MeshTimeout",
    object: withField(defaultMeshTimeout, "spec.targetRef.kind", 5),
    expected: [{ path: "spec.targetRef.kind", message: 'in body must be of type string: "number"' }],
  },
  {
    name: "required field",
    typeName: "MeshTimeout",
    object: withField(defaultMeshTimeout, "spec.to[0].targetRef.kind", undefined),
    expected: [{ path: "spec.to[0].targetRef.kind", message: "Required value" }],
  },
  {
    name: "required envelope field",
    typeName: "MeshRetry",
    object: { type: "MeshRetry", name: "r" },
    expected: [{ path: "spec", message: "Required value" }],
  },
  {
    name: "bad Go duration",
    typeName: "MeshTimeout",
    object: withField(defaultMeshTimeout, "spec.to[0].default.connectionTimeout", "5 s"),
    expected: [{ path: "spec.to[0].default.connectionTimeout", message: 'invalid duration "5 s": use Go duration syntax such as 300ms, 5s, 1h30m' }],
  },
  {
    name: "days are not Go duration syntax",
    typeName: "MeshHealthCheck",
    object: { type: "MeshHealthCheck", name: "hc", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { interval: "1d" } }] } },
    expected: [{ path: "spec.to[0].default.interval", message: 'invalid duration "1d": use Go duration syntax such as 300ms, 5s, 1h30m' }],
  },
  {
    // jsonpb (github.com/golang/protobuf, Kuma's decoder) parses a google.protobuf.Duration with time.ParseDuration:
    // `1m` is a minute (printed back `60s`); protojson's seconds-only rule is not the control plane's.
    name: "Mesh protobuf duration: Go syntax, reported once",
    typeName: "Mesh",
    object: { type: "Mesh", name: "m", mtls: { backends: [{ name: "ca-1", type: "builtin", dpCert: { requestTimeout: "1m" }, rootChain: { requestTimeout: "5 s" } }] } },
    expected: [{ path: "mtls.backends[0].rootChain.requestTimeout", message: 'invalid duration "5 s": use Go duration syntax such as 300ms, 5s, 1h30m' }],
  },
  {
    name: "oneOf: one message instead of one per alternative",
    typeName: "Mesh",
    object: { type: "Mesh", name: "m", mtls: { backends: [{ name: "ca-1", type: "builtin", mode: true }] } },
    expected: [{ path: "mtls.backends[0].mode", message: 'in body must be of type string or integer: "boolean"' }],
  },
  {
    // jsonpb takes a value name exactly, or any int32 (a number without a name is kept as it is).
    name: "oneOf value outside the proto enum",
    typeName: "Mesh",
    object: { type: "Mesh", name: "m", meshServices: { mode: "exclusive" } },
    expected: [{ path: "meshServices.mode", message: "should be one of [Disabled Everywhere ReachableBackends Exclusive], or a signed 32-bit integer" }],
  },
  {
    name: "int-or-string",
    typeName: "MeshTrace",
    object: { type: "MeshTrace", name: "t", spec: { default: { sampling: { overall: true } } } },
    expected: [{ path: "spec.default.sampling.overall", message: 'in body must be of type integer or string: "boolean"' }],
  },
  {
    name: "label keys are written as fields",
    typeName: "MeshTimeout",
    object: { ...defaultMeshTimeout, labels: { "kuma.io/zone": 1 } },
    expected: [{ path: "labels.kuma.io/zone", message: 'in body must be of type string: "number"' }],
  },
  {
    name: "flat Mesh field with a typo",
    typeName: "Mesh",
    object: { type: "Mesh", name: "m", mtls: { enabledBackend: "ca-1", backend: [] } },
    expected: [{ path: "mtls.backend", message: 'unknown field "backend", did you mean "backends"?' }],
  },
  {
    name: "closed empty object",
    typeName: "MeshLoadBalancingStrategy",
    object: { type: "MeshLoadBalancingStrategy", name: "lb", spec: { to: [{ targetRef: { kind: "Mesh" }, default: { loadBalancer: { type: "RoundRobin", roundRobin: { weight: 1 } } } }] } },
    expected: [{ path: "spec.to[0].default.loadBalancer.roundRobin.weight", message: 'unknown field "weight"' }],
  },
  {
    name: "limits",
    typeName: "MeshExternalService",
    object: { type: "MeshExternalService", name: "ext", spec: { match: { type: "HostnameGenerator", port: 70000, protocol: "tcp" }, endpoints: [{ address: "", port: 443 }] } },
    expected: [
      { path: "spec.endpoints[0].address", message: "should be at least 1 chars long" },
      { path: "spec.match.port", message: "should be less than or equal to 65535" },
    ],
  },
  {
    name: "several problems, each once, sorted by path with numeric indexes",
    typeName: "MeshTimeout",
    object: {
      type: "MeshTimeout",
      name: "many",
      spec: {
        from: [{ targetRef: { kind: "Mesh", nam: "x" } }],
        to: Array.from({ length: 11 }, (_, i) => ({ targetRef: { kind: "Mesh" }, default: { idleTimeout: i === 2 || i === 10 ? "forever" : "1h" } })),
      },
    },
    expected: [
      { path: "spec.from[0].targetRef.nam", message: 'unknown field "nam", did you mean "name"?' },
      { path: "spec.to[2].default.idleTimeout", message: 'invalid duration "forever": use Go duration syntax such as 300ms, 5s, 1h30m' },
      { path: "spec.to[10].default.idleTimeout", message: 'invalid duration "forever": use Go duration syntax such as 300ms, 5s, 1h30m' },
    ],
  },
  {
    name: "unknown resource type",
    typeName: "MeshTimout",
    object: defaultMeshTimeout,
    expected: [{ path: "type", message: 'unknown resource type "MeshTimout", did you mean "MeshTimeout"?' }],
  },
];

describe("validateSchema: error classes", () => {
  for (const { name, typeName, object, expected } of errorCases) {
    void it(name, () => {
      assert.deepEqual(validateSchema(typeName, object), expected);
    });
  }

  void it("does not modify the object it checks", () => {
    const object = structuredClone(defaultMeshTimeout);
    validateSchema("MeshTimeout", object);
    assert.deepEqual(object, defaultMeshTimeout);
  });
});

describe("the duration format: Go time.ParseDuration syntax", () => {
  const cases: readonly [string, boolean][] = [
    ["0", true],
    ["300ms", true],
    ["1h30m", true],
    ["1h0m0s", true],
    ["-1.5h", true],
    [".5s", true],
    ["1us", true],
    ["1\u00b5s", true],
    ["", false],
    ["5", false],
    ["5 s", false],
    ["1d", false],
    ["1h 30m", false],
    ["PT5S", false],
    ["3000000h", false], // more than time.Duration can hold
  ];
  for (const [text, valid] of cases) {
    void it(`${JSON.stringify(text)} is ${valid ? "accepted" : "rejected"}`, () => {
      const expected = valid ? [] : [{ path: "spec.to[0].default.idleTimeout", message: `invalid duration ${JSON.stringify(text)}: use Go duration syntax such as 300ms, 5s, 1h30m` }];
      assert.deepEqual(validateSchema("MeshTimeout", withField(defaultMeshTimeout, "spec.to[0].default.idleTimeout", text)), expected);
    });
  }
});

describe("validator cache", () => {
  void it("compiles each type's validator once, however often it validates", () => {
    validateSchema("MeshRetry", validObjects[2] as JsonObject);
    const afterFirst = compiledValidatorCount();
    for (let i = 0; i < 5; i++) validateSchema("MeshRetry", validObjects[2] as JsonObject);
    assert.equal(compiledValidatorCount(), afterFirst);

    for (const typeName of TYPE_NAMES) validateSchema(typeName, {});
    for (const typeName of TYPE_NAMES) validateSchema(typeName, {});
    assert.equal(compiledValidatorCount(), TYPE_NAMES.length);
  });

  void it("loads each schema once and shares it, frozen", () => {
    const schema = schemaFor("MeshTimeout");
    assert.equal(schemaFor("MeshTimeout"), schema);
    assert.ok(Object.isFrozen(schema));
    assert.equal(schemaFor("NotAType"), undefined);
  });
});
