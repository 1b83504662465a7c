/**
 * What the control plane owns in a resource: fields and labels it sets itself, which a PUT never carries (or which
 * it overwrites). Validation refuses them in a repository; normalization leaves them out of every comparison.
 */

import { isJsonObject, kindOfValue, type JsonObject, type JsonValue } from "../model/resource.js";
import { MESH_LABEL } from "./types.js";

export const LABEL_MESH = MESH_LABEL;
export const LABEL_ORIGIN = "kuma.io/origin";
export const LABEL_ZONE = "kuma.io/zone";
export const LABEL_ENV = "kuma.io/env";
export const LABEL_DISPLAY_NAME = "kuma.io/display-name";
export const LABEL_NAMESPACE = "k8s.kuma.io/namespace";
export const LABEL_POLICY_ROLE = "kuma.io/policy-role";
export const LABEL_PROXY_TYPE = "kuma.io/proxy-type";
export const LABEL_WORKLOAD = "kuma.io/workload";
export const LABEL_LISTENER_ZONEINGRESS = "kuma.io/listener-zoneingress";
export const LABEL_LISTENER_ZONEEGRESS = "kuma.io/listener-zoneegress";

/** What Kubernetes allows a label's value (`IsValidLabelValue`). */
export const KUBERNETES_LABEL_VALUE_MAX = 63;

/** The first Kuma line whose answers carry `kri` (FACTS §2.8; rest.yaml has it from 2.13 on). */
export const KRI_FROM = "2.13";

/**
 * The first Kuma line whose `GET /_kri/{kri}` names a cluster-scoped kind (Mesh, MeshGateway) on Kubernetes by its bare
 * name (kri_endpoint.go isClusterScoped, v2.14.0); 2.13 appends the namespace to every kind's, so finds none of them.
 */
export const KRI_CLUSTER_SCOPED_FROM = "2.14";

/** The first Kuma line whose answers for a destination (MeshService, ...) carry `snis` (only 2.14's rest.yaml has it). */
export const SNIS_FROM = "2.14";

/** The first Kuma line that refuses an update changing or removing an immutable label (FACTS §2.5, §6). */
export const IMMUTABLE_LABELS_FROM = "2.13";

/** Changing or removing these on update is refused (from IMMUTABLE_LABELS_FROM on: validateImmutableLabels). */
export const IMMUTABLE_LABELS: readonly string[] = [LABEL_ORIGIN, LABEL_ZONE, LABEL_DISPLAY_NAME];

/**
 * What an update of `live` to `desired` writes: `desired`, with the live value of each immutable label it does not
 * set. meshops does not manage those labels (the control plane computes origin and zone, and keeps a display name
 * it was sent); leaving one out of an update is refused on 2.13 and later when the control plane would not compute the
 * same value (a display name, an origin of `global` on a zone). `desired` itself when there is nothing to add.
 */
export function withLiveImmutableLabels(desired: JsonObject, live: JsonObject): JsonObject {
  const liveLabels = live.labels;
  if (!isJsonObject(liveLabels)) return desired;
  const wanted = isJsonObject(desired.labels) ? desired.labels : undefined;
  let kept: Record<string, JsonValue> | undefined;
  for (const name of IMMUTABLE_LABELS) {
    const value = liveLabels[name];
    if (typeof value !== "string" || (wanted !== undefined && Object.hasOwn(wanted, name))) continue;
    kept ??= {};
    kept[name] = value;
  }
  return kept === undefined ? desired : { ...desired, labels: { ...kept, ...wanted } };
}

/**
 * The first Kuma line that gives its default policies the computed labels and, at boot, heals those an older line
 * created without them (v2.14.3 pkg/defaults/mesh/mesh.go ensureDefaultResource; FACTS §1.1, §1.4).
 */
export const DEFAULTS_LABELLED_FROM = "2.14";

/** Envelope fields the control plane owns: they are never sent, only returned (FACTS §2.8). */
export const SERVER_OWNED_FIELDS: readonly string[] = ["creationTime", "modificationTime", "kri", "snis", "status"];

/**
 * Labels the control plane computes and (re)writes itself (`AllComputedLabels` in pkg/core/resources/labels/registry.go,
 * plus the display-name label of the Kubernetes store and KDS; FACTS §2.8). Origin, zone and env are recomputed
 * set-if-absent on every write, so sending them or not makes no difference. Not `kuma.io/kds-sync`: the user sets it
 * and the control plane only reads it (HasKDSDisabled, pkg/core/resources/model/resource.go), so it is compared.
 * Not `kuma.io/workload` nor `k8s.kuma.io/service-account` either, though AllComputedLabels lists them: Compute sets
 * them only from WithWorkload and WithServiceAccount (pkg/core/resources/labels/compute.go), which neither the API
 * server nor the admission webhook passes (pkg/api-server/resource_endpoints.go, webhooks/defaulter.go), so a written
 * Dataplane keeps the values it was sent (the API server checks a Universal one's workload label), and both name the
 * proxy's identity (meshidentity/api/v1alpha1/helpers.go GetSpiffeID, apis/mesh/dataplane_helpers.go IdentifyingName).
 */
export const COMPUTED_LABELS: readonly string[] = [LABEL_MESH, LABEL_ORIGIN, LABEL_ZONE, LABEL_ENV];

/**
 * Labels Compute sets on a proxy only (`rd.IsProxy`: of the kinds meshops manages, the Dataplane), over what was sent
 * (pkg/core/resources/labels/compute.go; golden put_update_dataplanes_01 shows `kuma.io/proxy-type: sidecar`). On any
 * other kind the API server keeps them as sent.
 */
export const PROXY_COMPUTED_LABELS: readonly string[] = [LABEL_PROXY_TYPE, LABEL_LISTENER_ZONEINGRESS, LABEL_LISTENER_ZONEEGRESS];

/**
 * Labels the control plane computes only for an object named in a Kubernetes namespace (`name.namespace`, with
 * `k8s.kuma.io/namespace`): Compute sets the namespace only on Kubernetes and the policy role only with a namespace
 * (pkg/core/resources/labels/compute.go), which a REST envelope never has (rest/v1alpha1/meta.go GetNameExtensions),
 * and the API server keeps whatever role it is sent (validateLabels drops validatePolicyRole's verdict,
 * pkg/api-server/resource_endpoints.go). On a Universal object both are the user's: the SPIFFE ID reads the namespace
 * (meshidentity/api/v1alpha1/helpers.go GetSpiffeID), the policies' validators and matching the role.
 */
export const KUBERNETES_COMPUTED_LABELS: readonly string[] = [LABEL_NAMESPACE, LABEL_POLICY_ROLE];

/** Whether the object is named in a Kubernetes namespace: `name.<namespace>` with that `k8s.kuma.io/namespace` label. */
export function isKubernetesNamed(name: unknown, namespace: unknown): boolean {
  return typeof name === "string" && typeof namespace === "string" && namespace !== "" && name.endsWith(`.${namespace}`) && name.length > namespace.length + 1;
}

/**
 * Whether a `kuma.io/display-name` value is the one the control plane gives the object itself: the Kubernetes store
 * shows every object with its object name (FACTS §2.8, §5), which is the API name of a cluster-scoped object and the
 * API name without `.<namespace>` of a namespaced one. Any other value is the user's: a Universal zone computes none
 * (pkg/core/resources/labels/compute.go) and keeps what is sent (golden put_immutable_displayname_00), and it is the
 * name references resolve to (pkg/core/resources/model/resource.go GetDisplayName, IsReferenced). KDS writes the
 * original name on what it syncs under a hashed one, which nothing in a repository is paired with.
 */
export function isOwnDisplayName(value: unknown, name: unknown, namespace: unknown): boolean {
  if (typeof value !== "string" || typeof name !== "string") return false;
  return value === name || (isKubernetesNamed(name, namespace) && name === `${value}.${String(namespace)}`);
}

/**
 * Spec fields the control plane rewrites on its own. MeshService `spec.state` is set by the MeshService status updater
 * (pkg/core/resources/apis/meshservice/status/updater.go) from the count of healthy data plane proxies, whatever was
 * PUT; the schema default `Unavailable` only lasts until the first update. Comparing it would report drift whenever a
 * service gains or loses its last healthy proxy.
 */
export const SERVER_MANAGED_SPEC_FIELDS: Readonly<Record<string, readonly string[]>> = { MeshService: ["state"] };

/** `object` without the spec fields the control plane rewrites (a copy when there are any; else `object` itself). */
export function withoutServerManagedSpecFields(typeName: string, object: JsonObject): JsonObject {
  const fields = SERVER_MANAGED_SPEC_FIELDS[typeName];
  if (!fields || !isJsonObject(object.spec)) return object;
  const spec: JsonObject = { ...object.spec };
  for (const field of fields) delete spec[field];
  return { ...object, spec };
}

/**
 * Spec fields Kuma's Go types declare without a pointer and with `omitempty`, whose zero value encoding/json leaves
 * out of every GET: sent empty, they come back absent, and both decode to the same Go value. Paths below `spec`; `[]`
 * stands for every element of a list. Only fields neither the schema nor the validator keeps from being empty.
 */
const GO_OMITTED_ZERO_FIELDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  // `Ports []Port json:"ports,omitempty"` (go-v2.14.3 pkg/core/resources/apis/meshservice/api/v1alpha1/meshservice.go)
  MeshService: [["ports"]],
  // HeaderMatch `Value HeaderValue json:"value,omitempty"` (api/common/v1alpha1/header.go), where the schemas use it
  MeshHTTPRoute: [["to", "[]", "rules", "[]", "matches", "[]", "headers", "[]", "value"]],
  MeshRetry: [
    ["to", "[]", "default", "http", "retriableRequestHeaders", "[]", "value"],
    ["to", "[]", "default", "http", "retriableResponseHeaders", "[]", "value"],
  ],
};

/** A Go zero value encoding/json omits: an empty string or list (the kinds the table above holds). */
const isOmittedZero = (value: JsonValue | undefined): boolean => value === "" || (Array.isArray(value) && value.length === 0);

/** `spec` as the control plane prints it back without those fields' zero values (copies only what changes). */
export function withoutGoOmittedZeros(typeName: string, spec: JsonObject): JsonObject {
  const paths = GO_OMITTED_ZERO_FIELDS[typeName];
  if (!paths) return spec;
  let out = spec;
  for (const path of paths) out = withoutZeroAt(out, path, 0) as JsonObject;
  return out;
}

function withoutZeroAt(value: JsonValue, path: readonly string[], at: number): JsonValue {
  const segment = path[at] as string;
  if (segment === "[]") {
    if (!Array.isArray(value)) return value;
    let copy: JsonValue[] | undefined;
    value.forEach((item, i) => {
      const next = withoutZeroAt(item, path, at + 1);
      if (next !== item) (copy ??= [...value])[i] = next;
    });
    return copy ?? value;
  }
  if (!isJsonObject(value) || !Object.hasOwn(value, segment)) return value;
  const child = value[segment] as JsonValue;
  if (at === path.length - 1) {
    if (!isOmittedZero(child)) return value;
    const { [segment]: _zero, ...rest } = value;
    return rest;
  }
  const next = withoutZeroAt(child, path, at + 1);
  return next === child ? value : { ...value, [segment]: next };
}

const IGNORED_REMOVE = "meshops ignores it: remove it";
const API_SERVER_SETS = `set by the API server; ${IGNORED_REMOVE}`;

/**
 * `metadata` fields the Kubernetes API server (or, for ownerReferences, Kuma's admission webhook) sets, as
 * `kubectl get -o yaml` shows them, each with what a document that carries one is told. kubectl apply and Argo CD send
 * them as written: the server replaces most, but refuses a stale resourceVersion (and any on create: the storage's
 * "resourceVersion should not be set on objects to be created") and another object's uid (immutable on update), and
 * Kubernetes' garbage collector deletes an object whose owners it cannot find by uid.
 */
const KUBERNETES_SERVER_METADATA: ReadonlyMap<string, string> = new Map([
  ["creationTimestamp", API_SERVER_SETS],
  ["generation", API_SERVER_SETS],
  ["managedFields", API_SERVER_SETS],
  [
    "ownerReferences",
    `set by the API server's clients (Kuma's admission webhook makes the Mesh the owner when the object is created); an owner whose uid this cluster does not have makes Kubernetes' garbage collector delete the object; ${IGNORED_REMOVE}`,
  ],
  [
    "resourceVersion",
    `set by the API server, which refuses a write that sends one unless it is the object's current version ("resourceVersion should not be set on objects to be created"; a conflict once the object has changed): kubectl apply and Argo CD send it; ${IGNORED_REMOVE}`,
  ],
  ["selfLink", API_SERVER_SETS],
  ["uid", `set by the API server, which refuses an update that sends another object's uid (one from another cluster, or from before the object was recreated): the uid is immutable; ${IGNORED_REMOVE}`],
  ["deletionTimestamp", API_SERVER_SETS],
  ["deletionGracePeriodSeconds", API_SERVER_SETS],
]);

/**
 * `metadata` fields meshops reads. Accepted besides (kubernetesMetadataFindings), as kubectl and the API server accept
 * them, though they change nothing Kuma reads: `finalizers`, and `generateName` (used only for an object without a
 * name, which kubectl apply does not create). Neither is part of the resource (so never drift), and render does not
 * write them.
 */
const KUBERNETES_READ_METADATA = new Set(["name", "namespace", "labels", "annotations"]);


/** What a Kubernetes document's metadata field that is not the resource's tells its author. */
export interface MetadataFinding {
  readonly key: string;
  readonly message: string;
}

/**
 * A Kubernetes document's `metadata` fields besides those meshops reads: the API server's, a warning each; the
 * accepted ones, unless kubectl could not decode them (finalizers a list of strings, generateName a string); and the
 * ones nobody sets (a typo). The last two an error each. Shared by Kuma's kinds and its Secrets.
 */
export function kubernetesMetadataFindings(metadata: JsonObject): { readonly serverSet: MetadataFinding[]; readonly refused: MetadataFinding[] } {
  const serverSet: MetadataFinding[] = [];
  const refused: MetadataFinding[] = [];
  for (const key of Object.keys(metadata)) {
    if (KUBERNETES_READ_METADATA.has(key)) continue;
    const value = metadata[key];
    if (key === "finalizers") {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) refused.push({ key, message: "finalizers must be a list of strings (kubectl cannot decode anything else)" });
    } else if (key === "generateName") {
      if (typeof value !== "string") refused.push({ key, message: "generateName must be a string (kubectl cannot decode anything else)" });
    } else {
      const said = KUBERNETES_SERVER_METADATA.get(key);
      if (said !== undefined) serverSet.push({ key, message: said });
      else refused.push({ key, message: `unknown field "metadata.${key}": meshops reads name, namespace, labels and annotations (and accepts finalizers and generateName)` });
    }
  }
  return { serverSet, refused };
}

/**
 * What a Kubernetes document's `metadata.labels` and `metadata.annotations` cannot be: anything but a mapping (null
 * aside), and a `kuma.io/mesh` label that is not a string (null aside). Labels become the resource's, a map of strings
 * (ResourceMeta `GetLabels`), and Kuma's admission webhook decodes the object into its typed form, refusing what does
 * not decode (webhooks/validation.go); read as none, or as no mesh label, they would put the resource in mesh
 * `default`. Shared by Kuma's kinds and its Secrets; a global kind's mesh label is refused before this
 * (`globalScopeMessage`).
 */
export function kubernetesLabelsProblems(metadata: JsonObject): { readonly path: readonly string[]; readonly message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  for (const key of ["labels", "annotations"] as const) {
    const map = metadata[key];
    if (map !== undefined && map !== null && !isJsonObject(map)) out.push({ path: ["metadata", key], message: `metadata.${key} must be a mapping of names to strings, found ${kindOfValue(map)}` });
  }
  const mesh: JsonValue | undefined = isJsonObject(metadata.labels) ? metadata.labels[MESH_LABEL] : undefined;
  if (mesh !== undefined && mesh !== null && typeof mesh !== "string") {
    const found = typeof mesh === "object" ? kindOfValue(mesh) : JSON.stringify(mesh);
    out.push({ path: ["metadata", "labels", MESH_LABEL], message: `the ${MESH_LABEL} label must be a mesh name, found ${found}` });
  }
  return out;
}

/** The annotation `kubectl apply` keeps; it restates the object and means nothing to Kuma. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The computed labels of an exported resource that an import drops. `resource_labels.Compute` on a zone sets origin
 * `zone`, the zone and the env again when they are absent (a global control plane sets none of them: `onGlobal` keeps
 * them), and the policy role from the namespace, so omitting them on the next PUT changes nothing (and cannot trip
 * the immutable-label check, which compares computed labels). Kept: the identity labels (`kuma.io/display-name` is
 * immutable and may not be omitted once set; `k8s.kuma.io/namespace` is half of a Kubernetes resource's name),
 * `kuma.io/origin: global` (it says the resource is not the zone's own), and `kuma.io/mesh` (the mesh itself, checked
 * against `mesh`), and the policy role of an object not named in a Kubernetes namespace.
 */
export function recomputedLabels(labels: Readonly<Record<string, unknown>>, onGlobal = false, name?: unknown): string[] {
  const origin = labels[LABEL_ORIGIN];
  const out: string[] = [];
  // A global control plane computes no origin, and refuses "zone" (the API server and the admission webhook); nor
  // zone and env (Compute sets them only when Mode == Zone, pkg/core/resources/labels/compute.go), which it keeps as
  // written, unchecked (validateLabels: r.mode != Global).
  if (origin === "zone" && !onGlobal) out.push(LABEL_ORIGIN);
  if (origin !== "global" && !onGlobal) for (const key of [LABEL_ZONE, LABEL_ENV]) if (key in labels) out.push(key);
  // The role only of a policy named in a Kubernetes namespace (`name` given: a Universal document's; a Kubernetes
  // document's always is): a Universal one's is the author's (KUBERNETES_COMPUTED_LABELS).
  if (LABEL_POLICY_ROLE in labels && (name === undefined || isKubernetesNamed(name, labels[LABEL_NAMESPACE]))) out.push(LABEL_POLICY_ROLE);
  return out;
}

/** Whether the object has no keys besides type, mesh, name, labels and spec. */
function onlyEnvelopeAndSpec(object: JsonObject): boolean {
  for (const key in object) if (key !== "type" && key !== "mesh" && key !== "name" && key !== "labels" && key !== "spec") return false;
  return true;
}

/**
 * Keys as the control plane serializes a resource: type, mesh, name, labels, spec, then the rest sorted. `envelope`
 * gives a type and name for an object without them, and labels that replace its own.
 */
export function inServerKeyOrder(object: JsonObject, envelope: { readonly type?: string; readonly name?: string; readonly labels?: JsonObject } = {}): JsonObject {
  const { type, mesh, name, labels, spec } = object;
  const typeName = type ?? envelope.type;
  const resourceName = name ?? envelope.name;
  const labelMap = envelope.labels ?? labels;
  // This runs for every desired resource (50,000 on a large repository), most of them a policy with exactly these
  // fields: one literal in its final shape, without the rest object and its sorted keys.
  if (typeName !== undefined && mesh !== undefined && resourceName !== undefined && labelMap !== undefined && spec !== undefined && onlyEnvelopeAndSpec(object)) {
    return { type: typeName, mesh, name: resourceName, labels: labelMap, spec };
  }
  const { type: _type, mesh: _mesh, name: _name, labels: _labels, spec: _spec, ...rest } = object;
  const out: JsonObject = {};
  if (typeName !== undefined) out.type = typeName;
  if (mesh !== undefined) out.mesh = mesh;
  if (resourceName !== undefined) out.name = resourceName;
  if (labelMap !== undefined) out.labels = labelMap;
  if (spec !== undefined) out.spec = spec;
  for (const key of Object.keys(rest).sort()) out[key] = rest[key] as JsonObject[string];
  return out;
}
