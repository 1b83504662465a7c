/**
 * The resource types meshops manages, as the Kuma v2.14 control plane describes them (GET /_resources):
 * REST path segment, short name (used in `kri`), and which part of the dependency order they belong to.
 */
export type TypeCategory = "mesh" | "destination" | "route" | "policy";

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
  /** Served by Kong Mesh only (controlPlane.product: kong-mesh); on Kuma the kind is an error. */
  readonly kongMeshOnly?: boolean;
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
  { name: "Mesh", path: "meshes", shortName: "m", category: "mesh" },
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
  // --- kong: Kong Mesh-only policies (schemas/ from Kong's CRDs, scripts/generate-kong-mesh-schemas.mjs) ---
  { ...policy("MeshOPA", "meshopas", "mopa", ["default"]), kongMeshOnly: true },
  { ...policy("MeshGlobalRateLimit", "meshglobalratelimits", "mgrl", ["from", "to"]), kongMeshOnly: true },
  // --- end kong ---
];

// --- kong: the control plane's product (controlPlane.product): Kong Mesh adds kinds and allows a second mTLS backend. ---
export type Product = "kuma" | "kong-mesh";

// --- kong: Kong Mesh kinds meshops checks against their (partial) schema only: global RBAC and audit resources, never
// applied (they are not synced between zones, and Kong publishes no rules for them). ---
export const KONG_MESH_SCHEMA_ONLY_KINDS: readonly string[] = ["AccessRole", "AccessRoleBinding", "AccessAudit"];

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

/** Names of the 16 targetRef policy types (routes included), in catalogue order. */
export const POLICY_TYPE_NAMES: readonly string[] = RESOURCE_TYPES.filter((t) => t.category === "policy" || t.category === "route").map(
  (t) => t.name,
);

/**
 * Dependency order for writes: the Mesh first, then what policies refer to (destinations, then routes, which other
 * policies target), then the policies. Deletes run in the reverse order.
 */
const categoryRank: Record<TypeCategory, number> = { mesh: 0, destination: 1, route: 2, policy: 3 };

export function typeRank(typeName: string): number {
  const t = byName.get(typeName);
  return t ? categoryRank[t.category] : categoryRank.policy + 1;
}

/** Kubernetes API group/version of every Kuma CRD meshops reads and renders. */
export const KUBERNETES_API_VERSION = "kuma.io/v1alpha1";

/** The label that carries a namespaced Kubernetes resource's mesh (absent means `default`). */
export const MESH_LABEL = "kuma.io/mesh";

export const DEFAULT_MESH = "default";

/** targetRef policies, routes included: the types with from / to / rules sections. */
export function isPolicyType(typeName: string): boolean {
  const category = byName.get(typeName)?.category;
  return category === "policy" || category === "route";
}
