/**
 * The resource types meshops manages, as the Kuma v2.14 control plane describes them (GET /_resources):
 * REST path segment, short name (used in `kri`), and which part of the dependency order they belong to.
 */
import { GLOBAL_SCOPE } from "../model/key.js";
import { closestName } from "../model/suggest.js";

export type TypeCategory = "mesh" | "secret" | "identity" | "destination" | "gateway" | "route" | "policy" | "dataplane";

export interface ResourceType {
  readonly name: string;
  /** REST path segment, also the Kubernetes plural: `/meshes/{mesh}/<path>/{name}`. */
  readonly path: string;
  readonly shortName: string;
  readonly category: TypeCategory;
  /** The control plane keeps a `status` for these (server-owned, never diffed). */
  readonly hasStatus?: boolean;
  /** Policy spec sections (rest.yaml): which of from / to / rules / default the type has. */
  readonly sections?: readonly ("from" | "to" | "rules" | "default")[];
  /**
   * A protobuf kind (Mesh, MeshGateway, Dataplane): its fields sit beside the envelope in the Universal object, under
   * `spec` in the Kubernetes one; the others have a `spec` in both.
   */
  readonly flat?: boolean;
  /** Universal only: on Kubernetes the control plane makes these itself (Dataplanes from Pods). */
  readonly universalOnly?: boolean;
  /** A cluster-scoped Kubernetes kind of a mesh (its CRD): the mesh is a top-level `mesh:` field, not a label. */
  readonly kubernetesMeshField?: boolean;
  /**
   * Its REST schema requires `mesh`, with no default (the protobuf kinds of a mesh, and Secret): the API server answers
   * a body without one "mesh: cannot be empty". A policy's schema defaults `mesh` to `default`.
   */
  readonly meshRequired?: boolean;
  /** Served by Kong Mesh only (controlPlane.product: kong-mesh); on Kuma the kind is an error. */
  readonly kongMeshOnly?: boolean;
  /**
   * Global-scoped (GET /_resources `scope: Global`): belongs to no mesh (its key's mesh is GLOBAL_SCOPE), lives at
   * `/<path>/{name}`, and is written before every mesh (what meshes hold may name it) and deleted after them.
   */
  readonly global?: boolean;
}

const policy = (name: string, path: string, shortName: string, sections: ResourceType["sections"]): ResourceType => ({
  name,
  path,
  shortName,
  category: "policy",
  sections,
});
/** Routes are policies that other policies can target (`targetRef.kind: MeshHTTPRoute`), so they are written first. */
const route = (name: string, path: string, shortName: string): ResourceType => ({ ...policy(name, path, shortName, ["to"]), category: "route" });

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { name: "Mesh", path: "meshes", shortName: "m", category: "mesh", flat: true },
  { name: "MeshService", path: "meshservices", shortName: "msvc", category: "destination", hasStatus: true },
  { name: "MeshExternalService", path: "meshexternalservices", shortName: "extsvc", category: "destination", hasStatus: true },
  { name: "MeshMultiZoneService", path: "meshmultizoneservices", shortName: "mzsvc", category: "destination", hasStatus: true },
  route("MeshHTTPRoute", "meshhttproutes", "mhttpr"),
  route("MeshTCPRoute", "meshtcproutes", "mtcpr"),
  policy("MeshAccessLog", "meshaccesslogs", "mal", ["from", "to", "rules"]),
  policy("MeshCircuitBreaker", "meshcircuitbreakers", "mcb", ["from", "to", "rules"]),
  policy("MeshFaultInjection", "meshfaultinjections", "mfi", ["from", "to", "rules"]),
  policy("MeshHealthCheck", "meshhealthchecks", "mhc", ["to"]),
  policy("MeshLoadBalancingStrategy", "meshloadbalancingstrategies", "mlbs", ["to"]),
  policy("MeshMetric", "meshmetrics", "mm", ["default"]),
  policy("MeshPassthrough", "meshpassthroughs", "mp", ["default"]),
  policy("MeshProxyPatch", "meshproxypatches", "mpp", ["default"]),
  policy("MeshRateLimit", "meshratelimits", "mrl", ["from", "to", "rules"]),
  policy("MeshRetry", "meshretries", "mr", ["to"]),
  policy("MeshTimeout", "meshtimeouts", "mt", ["from", "to", "rules"]),
  policy("MeshTLS", "meshtlses", "mtls", ["from", "rules"]),
  policy("MeshTrace", "meshtraces", "mtr", ["default"]),
  policy("MeshTrafficPermission", "meshtrafficpermissions", "mtp", ["from", "rules"]),
  // --- kinds group (issue 13 item 1): gateways, identity, observability backends, zone addresses, workloads,
  // Dataplanes. Which Kuma line introduced each is in schemas/versions.json (kindsIntroduced).
  { name: "MeshTrust", path: "meshtrusts", shortName: "mtrust", category: "identity", hasStatus: true },
  { name: "MeshIdentity", path: "meshidentities", shortName: "mid", category: "identity", hasStatus: true },
  { name: "MeshOpenTelemetryBackend", path: "meshopentelemetrybackends", shortName: "motb", category: "identity", hasStatus: true },
  { name: "Workload", path: "workloads", shortName: "wl", category: "identity", hasStatus: true },
  { name: "MeshZoneAddress", path: "meshzoneaddresses", shortName: "mza", category: "destination" },
  { name: "MeshGateway", path: "meshgateways", shortName: "mgw", category: "gateway", flat: true, kubernetesMeshField: true, meshRequired: true },
  { name: "Dataplane", path: "dataplanes", shortName: "dp", category: "dataplane", flat: true, universalOnly: true, meshRequired: true },
  // --- end of the kinds group
  // --- kong: Kong Mesh-only policies (schemas/ from Kong's CRDs, scripts/generate-kong-mesh-schemas.mjs) ---
  { ...policy("MeshOPA", "meshopas", "mopa", ["default"]), kongMeshOnly: true },
  { ...policy("MeshGlobalRateLimit", "meshglobalratelimits", "mgrl", ["from", "to"]), kongMeshOnly: true },
  // --- end kong ---
  // secrets group (issue 13 item 3): a mesh-scoped Secret holds base64 `data`, no spec; written after its Mesh and
  // before anything that names it (a MeshExternalService's TLS, a MeshTrace/MeshAccessLog backend). No short name:
  // the control plane gives Secret none (GET /_resources; it has no kri).
  { name: "Secret", path: "secrets", shortName: "", category: "secret", meshRequired: true },
  // global group (issue 13): kinds of no mesh. GlobalSecret's path is the one every Kuma line serves (2.14 also
  // answers, and lists in /_resources, `globalsecrets`); a HostnameGenerator names the hostnames of the destinations.
  { name: "GlobalSecret", path: "global-secrets", shortName: "", category: "secret", global: true },
  { name: "HostnameGenerator", path: "hostnamegenerators", shortName: "hg", category: "destination", global: true },
];

/** What Kuma 2.14 lists in GET /_resources for a type whose path meshops uses is an older alias (both are served). */
export const LISTED_PATHS: Readonly<Record<string, string>> = { GlobalSecret: "globalsecrets" };

// --- kong: the control plane's product (controlPlane.product): Kong Mesh adds kinds and allows a second mTLS backend. ---
export type Product = "kuma" | "kong-mesh";

// --- kong: Kong Mesh kinds meshops checks against their (partial) schema only: global RBAC and audit resources, never
// applied (they are not synced between zones, and Kong publishes no rules for them). ---
export const KONG_MESH_SCHEMA_ONLY_KINDS: readonly string[] = ["AccessRole", "AccessRoleBinding", "AccessAudit"];

/**
 * Kinds only zones provide (kds_flags without ProvidedByGlobalFlag: go-v2.14.3 meshservice.go, meshzoneaddress.go,
 * workload.go, dataplane.proto): read-only on a global control plane (model/resource.go IsReadOnly), whose API
 * answers 405 and whose admission webhook refuses them (webhooks/resourceadmissionchecker.go).
 */
export const ZONE_PROVIDED_KINDS: ReadonlySet<string> = new Set(["MeshService", "MeshZoneAddress", "Workload", "Dataplane"]);

/** Whether the kind exists only on Kong Mesh (a Kuma control plane does not know it). */
export function requiresKongMesh(typeName: string): boolean {
  return KONG_MESH_SCHEMA_ONLY_KINDS.includes(typeName) || byName.get(typeName)?.kongMeshOnly === true;
}
// --- end kong ---

const byName = new Map(RESOURCE_TYPES.map((t) => [t.name, t]));
const byPath = new Map(RESOURCE_TYPES.map((t) => [t.path, t]));

export function resourceType(name: string): ResourceType | undefined {
  return byName.get(name);
}

export function resourceTypeByPath(path: string): ResourceType | undefined {
  return byPath.get(path);
}

/** Names of the targetRef policy types (routes included), in catalogue order. */
export const POLICY_TYPE_NAMES: readonly string[] = RESOURCE_TYPES.filter((t) => t.category === "policy" || t.category === "route").map(
  (t) => t.name,
);

/**
 * Dependency order for writes: the Mesh first, then its Secrets (they need their Mesh; policies and destinations
 * name them), then what policies refer to (destinations, then routes, which other policies target), then the policies. Deletes run in the reverse order.
 */
/**
 * Secrets come right after their Mesh (what follows may name them). Identity and mesh-wide infrastructure (MeshTrust,
 * MeshIdentity, the OpenTelemetry backends observability policies name, Workloads) come next; MeshGateways before the
 * routes that attach to them; Dataplanes last, after everything that selects them.
 */
const categoryRank: Record<TypeCategory, number> = { mesh: 0, secret: 1, identity: 2, destination: 3, gateway: 4, route: 5, policy: 6, dataplane: 7 };

/** Global kinds rank before every mesh's kinds: they depend on no mesh, and what a mesh holds may depend on them. */
const GLOBAL_RANK = -1;

export function typeRank(typeName: string): number {
  const t = byName.get(typeName);
  return t ? (t.global ? GLOBAL_RANK : categoryRank[t.category]) : categoryRank.dataplane + 1;
}

/** A kind of no mesh (HostnameGenerator, GlobalSecret). */
export function isGlobalType(typeName: string): boolean {
  return byName.get(typeName)?.global === true;
}

/** The mesh of a resource as written: a Mesh is its own, a global kind has none, anything else defaults to `default`. */
export function meshOfWritten(typeName: string, name: string, mesh: unknown): string {
  if (typeName === "Mesh") return name;
  if (isGlobalType(typeName)) return GLOBAL_SCOPE;
  return typeof mesh === "string" ? mesh : DEFAULT_MESH;
}

/** Why a global resource may not name a mesh (`what`: the field or label that does). */
export function globalScopeMessage(typeName: string, what: string): string {
  return `${typeName} is global: it belongs to no mesh, remove ${what}`;
}

/** Kinds whose Kubernetes objects are cluster-scoped (no namespace; the name is the plain name): Mesh, MeshGateway. */
export function isClusterScoped(typeName: string): boolean {
  return typeName === "Mesh" || byName.get(typeName)?.kubernetesMeshField === true;
}

/** Kubernetes API group/version of every Kuma CRD meshops reads and renders. */
export const KUBERNETES_API_VERSION = "kuma.io/v1alpha1";

/** Kuma's API group (`kuma.io/v1alpha1`), Kong Mesh's too; any other apiVersion is another tool's document. */
export function isKumaApiVersion(apiVersion: string): boolean {
  return apiVersion === "kuma.io" || apiVersion.startsWith("kuma.io/");
}

/** The label that carries a namespaced Kubernetes resource's mesh (absent means `default`). */
export const MESH_LABEL = "kuma.io/mesh";

export const DEFAULT_MESH = "default";

/** targetRef policies, routes included: the types with from / to / rules sections. */
export function isPolicyType(typeName: string): boolean {
  const category = byName.get(typeName)?.category;
  return category === "policy" || category === "route";
}

/**
 * Kinds a plugin defines (the descriptor's `IsPluginOriginated`): every kind but the protobuf ones (Mesh, MeshGateway,
 * Dataplane) and Secrets. The admission webhook's origin-label rules apply to these only.
 */
export function isPluginOriginated(typeName: string): boolean {
  const type = byName.get(typeName);
  return type !== undefined && type.flat !== true && type.category !== "secret";
}

/**
 * The legacy kinds Kuma 2.x still serves and 3.x removes (FACTS §2.2: the source/destination policies and
 * ExternalService), each with what replaces it. meshops does not manage them; a repository written for Kuma 1.x has them.
 */
export const LEGACY_KIND_REPLACEMENTS: Readonly<Record<string, string>> = {
  CircuitBreaker: "a MeshCircuitBreaker",
  FaultInjection: "a MeshFaultInjection",
  HealthCheck: "a MeshHealthCheck",
  ProxyTemplate: "a MeshProxyPatch",
  RateLimit: "a MeshRateLimit",
  Retry: "a MeshRetry",
  Timeout: "a MeshTimeout",
  TrafficLog: "a MeshAccessLog",
  TrafficPermission: "a MeshTrafficPermission",
  TrafficRoute: "a MeshHTTPRoute or MeshTCPRoute",
  TrafficTrace: "a MeshTrace",
  VirtualOutbound: "a HostnameGenerator",
  MeshGatewayRoute: "a MeshHTTPRoute or MeshTCPRoute whose targetRef is the MeshGateway",
  ExternalService: "a MeshExternalService",
};

/**
 * Kong Mesh's legacy kinds, which Kong Mesh 2.x still serves and 3.0 removes (Kong's UPGRADE.md), each with what
 * replaces it. meshops does not manage them either, whichever product the control plane is.
 */
export const KONG_MESH_LEGACY_KIND_REPLACEMENTS: Readonly<Record<string, string>> = {
  OPAPolicy: "a MeshOPA",
};

/**
 * Kinds the control plane serves but records itself, each with what it is: a repository holding one expects it
 * applied, so it is an error saying why meshops does not manage it.
 */
export const SERVER_RECORDED_KINDS: Readonly<Record<string, string>> = {
  Zone: "the global control plane's record of a zone, made when the zone first connects",
  ZoneIngress: "registered by a zone ingress proxy when it starts",
  ZoneEgress: "registered by a zone egress proxy when it starts",
  DataplaneInsight: "the control plane's status of a data plane proxy",
  MeshInsight: "the control plane's status of a mesh",
  ServiceInsight: "the control plane's status of a mesh's services",
  ZoneInsight: "the global control plane's status of a zone",
  ZoneIngressInsight: "the control plane's status of a zone ingress proxy",
  ZoneEgressInsight: "the control plane's status of a zone egress proxy",
};

/**
 * The short names (GET /_resources of Kuma 2.14, golden base_endpoints/_resources) of the SERVER_RECORDED_KINDS that
 * have one: a KRI may name them (GET /_kri/{kri}), though meshops holds none.
 */
export const SERVER_RECORDED_SHORT_NAMES: Readonly<Record<string, string>> = { Zone: "z", ZoneIngress: "zi", ZoneEgress: "ze" };

/**
 * Kuma's kinds that only its Kubernetes controllers read, which its API does not serve: a MeshGatewayInstance deploys a
 * builtin gateway, a MeshGatewayConfig shapes such deployments, a ContainerPatch patches the containers Kuma injects.
 * kubectl, Argo CD or Flux applies them; meshops checks them against their CRD and manages nothing of them.
 */
export const KUBERNETES_ONLY_KINDS: readonly string[] = ["ContainerPatch", "MeshGatewayConfig", "MeshGatewayInstance"];

/**
 * Types whose descriptor sets `AllowedOnSystemNamespaceOnly` (`+kuma:policy:allowed_on_system_namespace_only=true`
 * in v2.14.3): a zone control plane's webhook refuses them in any other namespace.
 */
export const SYSTEM_NAMESPACE_ONLY_TYPES: ReadonlySet<string> = new Set(["MeshExternalService", "MeshIdentity", "MeshTrust", "MeshOpenTelemetryBackend", "HostnameGenerator"]);

/** Secret-bearing types: their `data` is a secret value wherever it is shown (kuma/secretFields.ts). */
export function isSecretType(typeName: string): boolean {
  return byName.get(typeName)?.category === "secret";
}

/**
 * Whether `name`, as written (case and all), is a kind meshops knows of: one it manages, checks or refuses by name
 * (a legacy kind, one the control plane records, a Kong Mesh schema-only or a Kubernetes-only kind). What tells a
 * mesh resource from another tool's mapping that has a `type` or `kind` of its own (an Ansible variable `type: production`).
 */
export function isKnownKind(name: string): boolean {
  return (
    byName.has(name) ||
    Object.hasOwn(LEGACY_KIND_REPLACEMENTS, name) ||
    Object.hasOwn(KONG_MESH_LEGACY_KIND_REPLACEMENTS, name) ||
    Object.hasOwn(SERVER_RECORDED_KINDS, name) ||
    KONG_MESH_SCHEMA_ONLY_KINDS.includes(name) ||
    KUBERNETES_ONLY_KINDS.includes(name)
  );
}

/** The names of the kinds meshops manages, which a misspelt kind is suggested from. */
export const RESOURCE_TYPE_NAMES: readonly string[] = RESOURCE_TYPES.map((t) => t.name);

/**
 * Whether `name` is a kind meshops knows or a misspelling of one (`MeshTimout`, `meshtimeout`): what a mesh resource
 * written wrong would have, where another tool's `type` (`object`, `production`) is none.
 */
export function isKindOrMisspeltKind(name: string): boolean {
  return isKnownKind(name) || closestName(name, RESOURCE_TYPE_NAMES) !== undefined;
}
