/**
 * What the embedded server does around a PUT besides the checks meshops validate shares (labels and names live in
 * validate/rules): the Mesh update rule, the labels the server computes, and the deprecation warnings a successful PUT
 * answers with.
 */
import { deprecationWarnings } from "../../validate/rules/deprecations.js";
import type { InvalidParameter } from "../types.js";
import type { JsonObject, JsonValue } from "../../model/resource.js";
import {
  LABEL_DISPLAY_NAME,
  LABEL_ENV,
  LABEL_LISTENER_ZONEEGRESS,
  LABEL_LISTENER_ZONEINGRESS,
  LABEL_MESH,
  LABEL_NAMESPACE,
  LABEL_ORIGIN,
  LABEL_POLICY_ROLE,
  LABEL_PROXY_TYPE,
  LABEL_ZONE,
} from "../../kuma/server.js";
import { policyRoleOf } from "../../validate/webhook.js";
import { asObject, own, setOwn, sortedRecord } from "./util.js";
import { GLOBAL_SCOPE } from "../../model/key.js";

/**
 * MeshMultiZoneService is a Global-provided type: a zone stamps only `kuma.io/mesh` on it and its `kri` has no zone
 * (golden put_meshmultizoneservice_01). Everything else a zone creates is `origin: zone`.
 */
const GLOBAL_ORIGIN_TYPES = new Set(["MeshMultiZoneService"]);

/** Deprecation warnings a successful PUT answers with (FACTS §2.5; goldens put_meshes_04, put_meshservice_02, ...): the rules `meshops validate` says. */
export function warningsFor(typeName: string, name: string, body: JsonObject, version: string | undefined): string[] {
  return deprecationWarnings(typeName, { name, spec: body }, version).map((w) => w.message);
}

/** Mesh manager ValidateUpdate: the CA cannot change while mTLS is on. */
export function meshUpdateViolations(previous: JsonObject, next: JsonObject): InvalidParameter[] {
  const before = asObject(previous.mtls)?.enabledBackend;
  const after = asObject(next.mtls)?.enabledBackend;
  if (typeof before === "string" && before !== "" && typeof after === "string" && after !== "" && before !== after) {
    return [{ field: "mtls.enabledBackend", reason: "Changing CA when mTLS is enabled is forbidden. Disable mTLS first and then change the CA" }];
  }
  return [];
}

/** Where a resource written through the Kubernetes API lives: its namespace (none when cluster-scoped) and object name. */
export interface KubernetesPlacement {
  readonly name: string;
  readonly namespace?: string;
  readonly systemNamespace: string;
  /** The policy's `spec`, for its role. */
  readonly spec?: JsonObject;
  /** The mesh the same Kubernetes object was in before (its mesh label changed). */
  readonly movedFrom?: string;
}

/**
 * resource_labels.Compute on a zone control plane: `kuma.io/mesh` always; `kuma.io/origin: zone` (set if absent) and,
 * for zone-origin resources, `kuma.io/zone` and `kuma.io/env` (`universal`, or `kubernetes` for a resource written
 * through the Kubernetes API). A Mesh gets none (it is not provided by a zone). On Kubernetes a namespaced resource
 * also gets `k8s.kuma.io/namespace` and, a policy, `kuma.io/policy-role`; and the Kubernetes store shows every object
 * with `kuma.io/display-name` (its object name) when the label is absent. A Dataplane gets its proxy labels.
 */
export function computeLabels(
  typeName: string,
  mesh: string | undefined,
  labels: Readonly<Record<string, string>>,
  zone: string,
  kubernetes?: KubernetesPlacement,
  /** The Dataplane written (its proxy labels are computed from it). */
  dataplane?: JsonObject,
): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  if (kubernetes && own(out, LABEL_DISPLAY_NAME) === undefined) setOwn(out, LABEL_DISPLAY_NAME, kubernetes.name);
  if (typeName === "Mesh" || mesh === undefined) return sortedRecord(out);
  // A global resource has no mesh, but the zone's origin labels (golden put_globalsecret_01).
  if (mesh !== GLOBAL_SCOPE) setOwn(out, LABEL_MESH, mesh);
  if (!GLOBAL_ORIGIN_TYPES.has(typeName)) {
    if (own(out, LABEL_ORIGIN) === undefined) setOwn(out, LABEL_ORIGIN, "zone");
    if (out[LABEL_ORIGIN] === "zone") {
      if (own(out, LABEL_ZONE) === undefined) setOwn(out, LABEL_ZONE, zone);
      if (own(out, LABEL_ENV) === undefined) setOwn(out, LABEL_ENV, kubernetes ? "kubernetes" : "universal");
    }
  }
  const namespace = kubernetes?.namespace;
  if (kubernetes && namespace !== undefined && out[LABEL_ORIGIN] !== "global") {
    if (own(out, LABEL_NAMESPACE) === undefined) setOwn(out, LABEL_NAMESPACE, namespace);
    const role = policyRoleOf(typeName, kubernetes.spec ?? {}, namespace, namespace === kubernetes.systemNamespace);
    if (role !== undefined) setOwn(out, LABEL_POLICY_ROLE, role);
  }
  if (typeName === "Dataplane" && dataplane) setProxyLabels(out, dataplane);
  return sortedRecord(out);
}

const LISTENER_LABELS = [
  ["ZoneIngress", 1, LABEL_LISTENER_ZONEINGRESS],
  ["ZoneEgress", 2, LABEL_LISTENER_ZONEEGRESS],
] as const;

/**
 * What Compute does for a proxy (go-v2.14.3 pkg/core/resources/labels/compute.go, `rd.IsProxy`): `kuma.io/proxy-type`
 * set to the proxy's type, lower case (golden put_update_dataplanes_01: "sidecar"; "gateway" for a Dataplane with
 * `networking.gateway` is inferred, GetProxyType not being in the reference), and each listener label "enabled" when
 * the Dataplane has a listener of that type (by name or number), deleted when it has none.
 */
function setProxyLabels(labels: Record<string, string>, dataplane: JsonObject): void {
  const networking = asObject(dataplane.networking);
  setOwn(labels, LABEL_PROXY_TYPE, asObject(networking?.gateway) ? "gateway" : "sidecar");
  const listeners = Array.isArray(networking?.listeners) ? networking.listeners : [];
  for (const [name, number, label] of LISTENER_LABELS) {
    const type = (l: JsonValue) => asObject(l)?.type;
    if (listeners.some((l) => type(l) === name || type(l) === number)) setOwn(labels, label, "enabled");
    else delete labels[label];
  }
}
