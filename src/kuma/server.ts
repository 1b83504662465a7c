/**
 * What the control plane owns in a resource: fields and labels it sets itself, which a PUT never carries (or which
 * it overwrites). Validation refuses them in a repository; normalization leaves them out of every comparison.
 */

import { MESH_LABEL } from "./types.js";

export const LABEL_MESH = MESH_LABEL;
export const LABEL_ORIGIN = "kuma.io/origin";
export const LABEL_ZONE = "kuma.io/zone";
export const LABEL_ENV = "kuma.io/env";
export const LABEL_DISPLAY_NAME = "kuma.io/display-name";
export const LABEL_NAMESPACE = "k8s.kuma.io/namespace";

/** Envelope fields the control plane owns: they are never sent, only returned (FACTS §2.8). */
export const SERVER_OWNED_FIELDS: readonly string[] = ["creationTime", "modificationTime", "kri", "snis", "status"];

/**
 * Labels the control plane computes and (re)writes itself (`AllComputedLabels` in pkg/core/resources/labels/registry.go,
 * plus the display-name and kds-sync labels of the Kubernetes store and KDS; FACTS §2.8). Origin, zone and env are
 * recomputed set-if-absent on every write, so sending them or not makes no difference.
 */
export const COMPUTED_LABELS: readonly string[] = [
  LABEL_MESH,
  LABEL_ORIGIN,
  LABEL_ZONE,
  LABEL_ENV,
  LABEL_NAMESPACE,
  "kuma.io/policy-role",
  "kuma.io/proxy-type",
  "k8s.kuma.io/service-account",
  "kuma.io/workload",
  "kuma.io/listener-zoneingress",
  "kuma.io/listener-zoneegress",
  LABEL_DISPLAY_NAME,
  "kuma.io/kds-sync",
];

/**
 * Spec fields the control plane rewrites on its own. MeshService `spec.state` is set by the MeshService status updater
 * (pkg/core/resources/apis/meshservice/status/updater.go) from the count of healthy data plane proxies, whatever was
 * PUT; the schema default `Unavailable` only lasts until the first update. Comparing it would report drift whenever a
 * service gains or loses its last healthy proxy.
 */
export const SERVER_MANAGED_SPEC_FIELDS: Readonly<Record<string, readonly string[]>> = { MeshService: ["state"] };
