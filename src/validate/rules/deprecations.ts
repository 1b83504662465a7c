/**
 * The deprecation warnings the control plane returns with a successful PUT (each policy's `Deprecations()` in
 * `pkg/plugins/policies/<type>/api/v1alpha1/deprecated.go`, and `TopLevelTargetRefDeprecations` of
 * `pkg/plugins/policies/core/jsonpatch/validators`). The messages are Kuma's; Kuma gives no field, so the path is the
 * field each warning is about, for the locator. Pure: any JSON in, warnings out.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { LATEST_MINOR, schemaLine } from "../../kuma/versions.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, numberOf, objectOf, prop, text, violation } from "./json.js";
import { DATAPLANE, MESH_HTTP_ROUTE, MESH_SERVICE, MESH_SERVICE_SUBSET, MESH_SUBSET } from "./targetRef.js";
import { DNS1035_LABEL_MAX_LENGTH, DNS1123_SUBDOMAIN, dns1035LabelProblems, dns1123LabelProblems } from "./common.js";
import { goQuote } from "../../kuma/duration.js";
import { SNI_SECTIONS } from "../../kuma/sni.js";
import { displayName } from "./services.js";

const MESH_GLOBAL_RATE_LIMIT = "MeshGlobalRateLimit";
const FROM_USE_RULES = "'from' field is deprecated, use 'rules' instead";
const INLINE_OTEL_ENDPOINT =
  "openTelemetry.endpoint is deprecated, use openTelemetry.backendRef with a MeshOpenTelemetryBackend resource instead";

/**
 * The Kuma release whose `Deprecations()` apply: the minor of its 2.x line (3.x and no version: the newest line's) and
 * its patch (Infinity when the version names none: the line's newest). What changed between the lines meshops supports
 * is from the tags of github.com/kumahq/kuma (2.10.0 to v2.14.3), noted where each rule is.
 */
interface Release {
  readonly minor: number;
  readonly patch: number;
}

function releaseOf(version: string | undefined): Release {
  if (lastRelease === undefined || lastRelease.version !== version) lastRelease = { version, release: readRelease(version) };
  return lastRelease.release;
}

/** The last version asked about: a run asks about one, once per resource. */
let lastRelease: { readonly version: string | undefined; readonly release: Release } | undefined;

function readRelease(version: string | undefined): Release {
  const parts = version === undefined || "error" in schemaLine(version) ? undefined : /^2\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!parts) return { minor: Number(LATEST_MINOR.split(".")[1]), patch: Infinity };
  return { minor: Number(parts[1]), patch: parts[2] === undefined ? Infinity : Number(parts[2]) };
}

/** An inline OpenTelemetry endpoint is deprecated from 2.14.1 on (MeshAccessLog, MeshMetric, MeshTrace). */
const inlineOtelDeprecated = (r: Release) => r.minor > 14 || (r.minor === 14 && r.patch >= 1);

type Deprecations = (spec: JsonObject, release: Release) => Violation[];

/** Per policy type, the warnings before the shared top-level targetRef ones (Kuma's order). */
const POLICY_DEPRECATIONS: Readonly<Record<string, Deprecations>> = {
  // `from` with rules in its place: deprecated since 2.10.0 (kumahq/kuma e575584).
  MeshAccessLog: (spec, r) => [...fromSection(spec, FROM_USE_RULES), ...(inlineOtelDeprecated(r) ? firstInlineOtelEndpoint(sectionBackends(spec)) : [])],
  MeshCircuitBreaker: (spec) => fromSection(spec, FROM_USE_RULES),
  // 2.14.0: `from` itself; before, a MeshService in it (after the top-level targetRef: TRAILING_DEPRECATIONS).
  MeshFaultInjection: (spec, r) => (r.minor >= 14 ? fromSection(spec, "'from' field is deprecated, use 'rules' with SPIFFE-based 'matches' instead") : []),
  MeshHealthCheck: () => [],
  MeshHTTPRoute: () => [],
  MeshLoadBalancingStrategy: (spec, r) => hashPoliciesInLoadBalancer(spec, r.minor >= 13),
  MeshMetric: (spec, r) => (inlineOtelDeprecated(r) ? firstInlineOtelEndpoint(defaultBackends(spec)) : []),
  MeshProxyPatch: () => [],
  // The status below 400: since 2.12.0.
  MeshRateLimit: (spec, r) => [...fromSection(spec, FROM_USE_RULES), ...(r.minor >= 12 ? rateLimitStatusBelow400(spec) : [])],
  MeshRetry: () => [],
  MeshTCPRoute: () => [],
  MeshTimeout: (spec) => fromSection(spec, FROM_USE_RULES),
  MeshTLS: (spec) => fromSection(spec, FROM_USE_RULES),
  MeshTrace: (spec, r) => (inlineOtelDeprecated(r) ? firstInlineOtelEndpoint(defaultBackends(spec)) : []),
  // kong: MeshSubset is deprecated in MeshOPA's 2.11+ matrix (and MeshService, MeshServiceSubset left it); MeshGlobalRateLimit: deprecationWarnings.
  MeshOPA: () => [],
  // 2.14.0: `from` itself, then a MeshService in it, before the top-level targetRef; before, only the MeshService, after it.
  MeshTrafficPermission: (spec, r) =>
    r.minor >= 14 ? [...fromSection(spec, "'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead"), ...meshServiceInFrom(spec)] : [],
};

/** Warnings that come after the shared top-level ones. */
const TRAILING_DEPRECATIONS: Readonly<Record<string, Deprecations>> = {
  MeshHealthCheck: (spec) =>
    itemsOf(prop(spec, "to")).flatMap((item, i) =>
      isSet(prop(objectOf(prop(objectOf(item), "default")), "healthyPanicThreshold"))
        ? [
            violation(
              field(index("spec.to", i), "default.healthyPanicThreshold"),
              "healthyPanicThreshold for 'to[].default' is deprecated. The setting has been moved to MeshCircuitBreaker policy, please use MeshCircuitBreaker policy instead.",
            ),
          ]
        : [],
    ),
  MeshFaultInjection: (spec, r) => (r.minor < 14 ? meshServiceInFrom(spec) : []),
  MeshTrafficPermission: (spec, r) => (r.minor < 14 ? meshServiceInFrom(spec) : []),
};

/** A MeshService as a `from[]` target, one warning each. */
function meshServiceInFrom(spec: JsonObject): Violation[] {
  return itemsOf(prop(spec, "from")).flatMap((item, i) =>
    text(prop(objectOf(prop(objectOf(item), "targetRef")), "kind")) === MESH_SERVICE
      ? [violation(field(index("spec.from", i), "targetRef.kind"), "MeshService value for 'from[].targetRef.kind' is deprecated, use MeshSubset with 'kuma.io/service' instead")]
      : [],
  );
}

/**
 * The deprecation warnings the control plane of `version` (controlPlane.version; the newest release when absent)
 * would return for `object` of type `typeName` (Universal shape).
 */
export function deprecationWarnings(typeName: string, object: JsonObject, version?: string): Violation[] {
  const name = nameDeprecations(typeName, object);
  const rest = policyDeprecations(typeName, object, version);
  return name.length === 0 ? rest : [...name, ...rest];
}

/**
 * Kinds whose names become host names: a name that is an RFC 1123 subdomain but no DNS-1035 label (`team.a`, `1web`)
 * is accepted with a warning. MeshService, MeshExternalService and MeshMultiZoneService: their `deprecated.go`
 * (go-v2.14.3); Mesh: golden put_meshes_04 (FACTS §4.1, `pkg/core/resources/apis/mesh/deprecated.go`).
 */
const DNS1035_NAME_TYPES: ReadonlySet<string> = new Set(["Mesh", "MeshService", "MeshExternalService", "MeshMultiZoneService"]);

/**
 * The name's warnings, first of a resource's (Kuma's order), about its display name (`model.GetDisplayName`): as a
 * DNS-1035 label, then, for a destination, as each port's SNI (an RFC 1123 label); a destination has no policy
 * deprecations after them.
 */
function nameDeprecations(typeName: string, object: JsonObject): Violation[] {
  if (!DNS1035_NAME_TYPES.has(typeName)) return [];
  const name = displayName(object);
  // A name the control plane refuses is never stored to warn of: no RFC 1123 subdomain (the name rules' error), or a
  // Mesh's longer than 63 characters (FACTS §4.1: "cannot be longer than 63 characters" on create). A service's that
  // long is stored, with these warnings (golden put_meshmultizoneservice #03).
  if (!DNS1123_SUBDOMAIN.test(name) || (typeName === "Mesh" && name.length > DNS1035_LABEL_MAX_LENGTH)) return [];
  const errors = dns1035LabelProblems(name);
  if (errors.length === 0) return [];
  // (inferred) several errors joined with "; " (strings.Join in deprecated.go): only single-error cases are in the goldens.
  const dns1035 = violation("name", `Invalid ${typeName} resource name: '${name}'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: ${errors.join("; ")}`);
  return [dns1035, ...sniDeprecations(typeName, object, name)];
}

/**
 * One warning per port of a destination whose name is no RFC 1123 label (`sni.ValidateKRI` in each type's
 * deprecated.go; goldens put_meshservice_02, put_meshexternalservice_02, put_meshmultizoneservice_02 and _03). A DNS-1035
 * label is an RFC 1123 label, so only a name with the warning above can have these. Each at its port's section, which
 * it quotes as Go's %q: the port's name when it has one, else its number.
 */
function sniDeprecations(typeName: string, object: JsonObject, name: string): Violation[] {
  const sections = SNI_SECTIONS[typeName];
  const errors = sections ? dns1123LabelProblems(name) : [];
  if (!sections || errors.length === 0) return [];
  return sections(objectOf(prop(object, "spec")) ?? {}).map(({ section, field: at }) =>
    violation(field("spec", at), `Invalid ${typeName} SNI (port ${goQuote(section)}): name ${goQuote(name)} does not conform to RFC 1123: ${errors.join("; ")}. This is deprecated.`),
  );
}

function policyDeprecations(typeName: string, object: JsonObject, version: string | undefined): Violation[] {
  const own = POLICY_DEPRECATIONS[typeName];
  // MeshPassthrough and the non-policy types have none of these. MeshGlobalRateLimit has only the top-level targetRef
  // ones, and only before Kong Mesh 2.11.0 ("fix(MeshGlobalRateLimit): remove top level targetRef deprecations").
  if (typeName === MESH_GLOBAL_RATE_LIMIT) {
    const release = releaseOf(version);
    return release.minor <= 10 ? topLevelTargetRef(objectOf(prop(objectOf(object), "spec")) ?? {}, release) : [];
  }
  if (own === undefined) return [];
  const spec = objectOf(prop(objectOf(object), "spec")) ?? {};
  const release = releaseOf(version);
  return [...own(spec, release), ...topLevelTargetRef(spec, release), ...(TRAILING_DEPRECATIONS[typeName]?.(spec, release) ?? [])];
}

/**
 * `TopLevelTargetRefDeprecations`: 2.10 warns MeshService (for MeshSubset with the service tag) and MeshSubset; 2.11
 * and 2.12 warn all three kinds Dataplane replaced, each as "MeshSubset value"; 2.13 names the kind and adds
 * MeshHTTPRoute as a top-level target.
 */
function topLevelTargetRef(spec: JsonObject, release: Release): Violation[] {
  const kind = text(prop(objectOf(prop(spec, "targetRef")), "kind"));
  const path = "spec.targetRef.kind";
  if (release.minor <= 10) {
    if (kind === MESH_SERVICE) return [violation(path, `${MESH_SERVICE} value for 'targetRef.kind' is deprecated, use ${MESH_SUBSET} with 'kuma.io/service' tag instead`)];
    if (kind === MESH_SUBSET) return [violation(path, `${MESH_SUBSET} value for 'targetRef.kind' is deprecated, use ${DATAPLANE} with labels instead`)];
    return [];
  }
  if (kind === MESH_SERVICE || kind === MESH_SERVICE_SUBSET || kind === MESH_SUBSET) {
    return [violation(path, `${release.minor <= 12 ? MESH_SUBSET : kind} value for 'targetRef.kind' is deprecated, use ${DATAPLANE} with labels instead`)];
  }
  if (kind === MESH_HTTP_ROUTE && release.minor >= 13) {
    return [violation(path, `${MESH_HTTP_ROUTE} value for 'targetRef.kind' is deprecated, use ${MESH_HTTP_ROUTE} in spec.to[].targetRef`)];
  }
  return [];
}

function fromSection(spec: JsonObject, message: string): Violation[] {
  return itemsOf(prop(spec, "from")).length > 0 ? [violation("spec.from", message)] : [];
}

interface PathedBackend {
  readonly path: string;
  readonly backend: Json;
}

/** MeshAccessLog's backends, in the order Kuma looks at them: `to`, `from`, then `rules`. */
function sectionBackends(spec: JsonObject): PathedBackend[] {
  return ["to", "from", "rules"].flatMap((section) =>
    itemsOf(prop(spec, section)).flatMap((item, i) => {
      const backendsPath = field(index(`spec.${section}`, i), "default.backends");
      return itemsOf(prop(objectOf(prop(objectOf(item), "default")), "backends")).map((backend, j) => ({ path: index(backendsPath, j), backend }));
    }),
  );
}

function defaultBackends(spec: JsonObject): PathedBackend[] {
  return itemsOf(prop(objectOf(prop(spec, "default")), "backends")).map((backend, j) => ({ path: index("spec.default.backends", j), backend }));
}

/** One warning for the first backend that still writes an OpenTelemetry endpoint inline. */
function firstInlineOtelEndpoint(backends: readonly PathedBackend[]): Violation[] {
  for (const { path, backend } of backends) {
    const otel = objectOf(prop(objectOf(backend), "openTelemetry"));
    if (otel !== undefined && text(prop(otel, "endpoint")) !== "" && !isSet(prop(otel, "backendRef"))) {
      return [violation(field(path, "openTelemetry.endpoint"), INLINE_OTEL_ENDPOINT)];
    }
  }
  return [];
}

/** SourceIP hash policies; from 2.13 on (`configuration`), hashPolicies under `loadBalancer` at all. */
function hashPoliciesInLoadBalancer(spec: JsonObject, configuration: boolean): Violation[] {
  const out: Violation[] = [];
  itemsOf(prop(spec, "to")).forEach((item, i) => {
    const balancer = objectOf(prop(objectOf(prop(objectOf(item), "default")), "loadBalancer"));
    const type = text(prop(balancer, "type"));
    const section = type === "RingHash" ? "ringHash" : type === "Maglev" ? "maglev" : undefined;
    if (section === undefined) return;
    const hashPolicies = prop(objectOf(prop(balancer, section)), "hashPolicies");
    if (!isSet(hashPolicies)) return;
    const path = `spec.to[${i}].default.loadBalancer.${section}.hashPolicies`;
    if (configuration) out.push(violation(path, `configuration '${path}' is deprecated, use 'spec.to[${i}].default.hashPolicies' instead`));
    itemsOf(hashPolicies).forEach((policy, j) => {
      if (text(prop(objectOf(policy), "type")) === "SourceIP") {
        const typePath = `${index(path, j)}.type`;
        out.push(violation(typePath, `SourceIP type for '${typePath}' is deprecated, use Connection instead`));
      }
    });
  });
  return out;
}

/** A rate-limited response must be an error; the message names `requestRate.status` though the field is `onRateLimit.status`. */
function rateLimitStatusBelow400(spec: JsonObject): Violation[] {
  // Kuma checks `from` only when it is non-empty, then `rules`, then `to`.
  return ["from", "rules", "to"].flatMap((section) =>
    itemsOf(prop(spec, section)).flatMap((item, i) => {
      const http = objectOf(prop(objectOf(prop(objectOf(prop(objectOf(item), "default")), "local")), "http"));
      const status = numberOf(prop(objectOf(prop(http, "onRateLimit")), "status"));
      if (status === undefined || status >= 400) return [];
      return [
        violation(
          `spec.${section}[${i}].default.local.http.onRateLimit.status`,
          `'spec.${section}[${i}].default.local.http.requestRate.status' must be 400 or higher. Please update your configuration.`,
        ),
      ];
    }),
  );
}
