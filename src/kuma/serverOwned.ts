/**
 * What the control plane (or Kubernetes) writes into a resource and a repository never needs to: a GET or
 * `kubectl get -o yaml` returns it, a PUT must not carry it (FACTS §2.8). Exported resources are imported by
 * dropping these; the normalizer ignores them when comparing.
 */
import type { JsonObject } from "../model/resource.js";
import { DISPLAY_NAME_LABEL, NAMESPACE_LABEL } from "./naming.js";

/** Envelope fields of the Universal REST shape that only a GET returns. */
export const SERVER_OWNED_FIELDS: readonly string[] = ["creationTime", "modificationTime", "kri", "snis", "status"];

/** `metadata` fields the Kubernetes API server sets. */
export const KUBERNETES_SERVER_METADATA: readonly string[] = [
  "creationTimestamp",
  "resourceVersion",
  "uid",
  "generation",
  "managedFields",
  "ownerReferences",
  "selfLink",
];

/** The annotation `kubectl apply` keeps; it restates the object and means nothing to Kuma. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

export const ORIGIN_LABEL = "kuma.io/origin";
const ZONE_LABEL = "kuma.io/zone";
const ENV_LABEL = "kuma.io/env";
const POLICY_ROLE_LABEL = "kuma.io/policy-role";

/**
 * Labels the control plane computes and (re)writes itself (`AllComputedLabels` in pkg/core/resources/labels/registry.go,
 * plus the display-name and kds-sync labels of the Kubernetes store and KDS; FACTS §2.8). Comparisons ignore them.
 */
export const COMPUTED_LABELS: readonly string[] = [
  "kuma.io/mesh",
  ORIGIN_LABEL,
  ZONE_LABEL,
  ENV_LABEL,
  NAMESPACE_LABEL,
  POLICY_ROLE_LABEL,
  "kuma.io/proxy-type",
  "k8s.kuma.io/service-account",
  "kuma.io/workload",
  "kuma.io/listener-zoneingress",
  "kuma.io/listener-zoneegress",
  DISPLAY_NAME_LABEL,
  "kuma.io/kds-sync",
];

/**
 * The computed labels of an exported resource that an import drops. `resource_labels.Compute` sets origin `zone`,
 * the zone and the env again when they are absent, and the policy role from the namespace, so omitting them on the
 * next PUT changes nothing (and cannot trip the immutable-label check, which compares computed labels). Kept: the
 * identity labels (`kuma.io/display-name` is immutable and may not be omitted once set; `k8s.kuma.io/namespace` is
 * half of a Kubernetes resource's name), `kuma.io/origin: global` (it says the resource is not the zone's own), and
 * `kuma.io/mesh` (the mesh itself, checked against `mesh`).
 */
export function recomputedLabels(labels: JsonObject): string[] {
  const origin = labels[ORIGIN_LABEL];
  const out: string[] = [];
  if (origin === "zone") out.push(ORIGIN_LABEL);
  if (origin !== "global") for (const key of [ZONE_LABEL, ENV_LABEL]) if (key in labels) out.push(key);
  if (POLICY_ROLE_LABEL in labels) out.push(POLICY_ROLE_LABEL);
  return out;
}
