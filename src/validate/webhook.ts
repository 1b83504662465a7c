/**
 * The Kubernetes admission webhook's rules for a policy outside the system namespace (zone control planes): its
 * policy role (`ComputePolicyRole`, pkg/core/resources/labels/compute.go) must be computable, and a producer,
 * consumer or workload-owner policy may not target gateways or routes at the top level (each policy validator's
 * `switch core_model.PolicyRole(...)`, v2.14.3). Placement in namespaces is the converter's (src/parse/convert.ts).
 */
import type { ControlPlaneMode } from "../config/repoConfig.js";
import { namespaceOf } from "../kuma/naming.js";
import { LABEL_ORIGIN } from "../kuma/server.js";
import { resourceType } from "../kuma/types.js";
import type { JsonObject, Resource, Violation } from "../model/resource.js";
import { itemsOf, objectOf } from "./rules/json.js";

export interface WebhookTarget {
  readonly systemNamespaces: readonly string[];
  readonly mode: ControlPlaneMode;
}

/**
 * Top-level kinds the system role allows and the other roles do not, per policy type. The other policy validators
 * have no role switch (the same kinds for every role).
 */
const SYSTEM_ROLE_ONLY_KINDS: Readonly<Record<string, readonly string[]>> = {
  MeshRetry: ["MeshGateway", "MeshHTTPRoute"],
  MeshRateLimit: ["MeshGateway", "MeshHTTPRoute"],
  MeshTimeout: ["MeshGateway", "MeshHTTPRoute"],
  MeshTCPRoute: ["MeshGateway"],
  MeshTrace: ["MeshGateway"],
  MeshFaultInjection: ["MeshGateway"],
  MeshProxyPatch: ["MeshGateway"],
  MeshMetric: ["MeshGateway"],
  MeshHTTPRoute: ["MeshGateway"],
};

/** `to` items that make a policy a producer's: a named MeshService or MeshHTTPRoute in the policy's own namespace. */
const PRODUCER_KINDS = new Set(["MeshService", "MeshHTTPRoute"]);

/** Violations of the webhook's policy-role rules; none for Universal documents or the system namespace. */
export function policyRoleViolations(resource: Resource, target: WebhookTarget): Violation[] {
  const namespace = namespaceOf(resource.object);
  if (resource.source?.format !== "kubernetes" || namespace === undefined || target.systemNamespaces.includes(namespace)) return [];
  const type = resourceType(resource.type);
  if (!type || (type.category !== "policy" && type.category !== "route") || target.mode === "global") return [];
  // The role is computed only for the zone's own policies (`IsLocallyOriginated`).
  if (objectOf(resource.object.labels)?.[LABEL_ORIGIN] === "global") return [];
  const spec = objectOf(resource.object.spec) ?? {};
  const rule = `the admission webhook's policy-role rule for a policy in namespace ${JSON.stringify(namespace)}, outside the system namespace`;
  const context = ` (${rule})`;

  const to = type.sections?.includes("to") ? itemsOf(spec.to) : [];
  const from = type.sections?.includes("from") ? itemsOf(spec.from) : [];
  const out: Violation[] = [];
  if (to.length > 0 && from.length > 0) {
    out.push({ path: "spec", message: `it's not allowed to mix 'to' and 'from' arrays in the same policy${context}` });
  } else if (to.length > 0) {
    const producers = to.filter((item) => isProducerItem(objectOf(objectOf(item)?.targetRef), namespace)).length;
    if (producers > 0 && producers < to.length) {
      out.push({ path: "spec.to", message: `it's not allowed to mix producer and consumer items in the same policy${context}` });
    }
  }
  const topKind = objectOf(spec.targetRef)?.kind;
  if (typeof topKind === "string" && (SYSTEM_ROLE_ONLY_KINDS[resource.type] ?? []).includes(topKind)) {
    // Kuma's own text, then why: the kind is supported, but only for a policy of the system namespace.
    const system = target.systemNamespaces.join(" or ");
    out.push({ path: "spec.targetRef.kind", message: `value '${topKind}' is not supported (${rule}: only a policy in ${system} may target a ${topKind})` });
  }
  return out;
}

/**
 * The `kuma.io/policy-role` label a zone computes for a policy or route in `namespace` (`ComputePolicyRole`): system
 * in the system namespace, else workload-owner (`from`, or neither), producer or consumer by its `to` items; undefined
 * for a mix the webhook refuses (policyRoleViolations says why) and for other kinds.
 */
export function policyRoleOf(typeName: string, spec: JsonObject, namespace: string, system: boolean): string | undefined {
  const type = resourceType(typeName);
  if (!type || (type.category !== "policy" && type.category !== "route")) return undefined;
  if (system) return "system";
  const to = type.sections?.includes("to") ? itemsOf(spec.to) : [];
  const from = type.sections?.includes("from") ? itemsOf(spec.from) : [];
  if (to.length > 0 && from.length > 0) return undefined;
  if (to.length === 0) return "workload-owner";
  const producers = to.filter((item) => isProducerItem(objectOf(objectOf(item)?.targetRef), namespace)).length;
  return producers === to.length ? "producer" : producers === 0 ? "consumer" : undefined;
}

function isProducerItem(ref: JsonObject | undefined, namespace: string): boolean {
  if (!ref || typeof ref.kind !== "string" || !PRODUCER_KINDS.has(ref.kind)) return false;
  const sameNamespace = ref.namespace === undefined || ref.namespace === "" || ref.namespace === namespace;
  return typeof ref.name === "string" && ref.name !== "" && sameNamespace;
}
