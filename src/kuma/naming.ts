/**
 * How Kuma names a namespaced Kubernetes resource in its own API (FACTS §5, pkg/util/k8s/name_converter.go):
 * `mt-1` in namespace `ns` is `mt-1.ns`, labelled `kuma.io/display-name: mt-1` and `k8s.kuma.io/namespace: ns`.
 * meshops keys every resource by that API name, so both shapes of one resource are one identity.
 */
import type { JsonObject, JsonValue } from "../model/resource.js";
import { LABEL_DISPLAY_NAME as DISPLAY_NAME_LABEL, LABEL_NAMESPACE as NAMESPACE_LABEL } from "./server.js";
import { isClusterScoped, isSecretType } from "./types.js";
import { GLOBAL_SCOPE, GLOBAL_UNIT_NAME } from "../model/key.js";

export { DISPLAY_NAME_LABEL, NAMESPACE_LABEL };

/**
 * Where a control plane stores its resources. On Kubernetes its HTTP API is read-only (the Helm chart sets
 * KUMA_API_SERVER_READ_ONLY) and resources are custom resources in namespaces, named `name.namespace` in the API.
 */
export type ControlPlaneEnvironment = "universal" | "kubernetes";

/**
 * Labels a GitOps engine stamps on every object it applies through Kubernetes (Flux's kustomize-controller and
 * helm-controller, for garbage collection): the control plane shows them, the repository never has them, and they say
 * nothing about the mesh. Argo CD tracks with an annotation by default (3.x), which the Kuma API does not show.
 */
export const GITOPS_ENGINE_LABELS: readonly string[] = [
  "kustomize.toolkit.fluxcd.io/name",
  "kustomize.toolkit.fluxcd.io/namespace",
  "helm.toolkit.fluxcd.io/name",
  "helm.toolkit.fluxcd.io/namespace",
];

/** `K8sNamespacedNameToCoreName`: the API name of `name` in `namespace`. */
export function coreName(name: string, namespace: string): string {
  return `${name}.${namespace}`;
}

/** The Kubernetes namespace an object (Universal REST shape) was written in, from its `k8s.kuma.io/namespace` label. */
export function namespaceOf(object: JsonObject): string | undefined {
  const value = labelsOf(object)[NAMESPACE_LABEL];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The Kubernetes name and namespace of an object whose API name came from a namespaced Kubernetes resource
 * (`name.ns` with both identity labels); undefined for a resource named the Universal way.
 */
export function kubernetesNameOf(object: JsonObject): { name: string; namespace: string } | undefined {
  const labels = labelsOf(object);
  const namespace = labels[NAMESPACE_LABEL];
  const display = labels[DISPLAY_NAME_LABEL];
  if (typeof namespace !== "string" || typeof display !== "string" || namespace === "" || display === "") return undefined;
  return object.name === coreName(display, namespace) ? { name: display, namespace } : undefined;
}

/**
 * The API names a reference `{name, namespace?}` written in `referrer` may mean, most specific first. The control
 * plane resolves an omitted namespace to the referrer's own; a Universal resource has none, so the plain name.
 */
export function referencedNames(referrer: JsonObject, name: string, namespace: JsonValue | undefined): string[] {
  if (typeof namespace === "string" && namespace !== "") return [coreName(name, namespace)];
  const own = namespaceOf(referrer);
  // The plain name too: a repository may mix shapes, and a Universal resource it means has no namespace.
  return own === undefined ? [name] : [coreName(name, own), name];
}

function labelsOf(object: JsonObject): JsonObject {
  const labels = object.labels;
  return typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : {};
}

/**
 * The object as a Kubernetes-mode control plane's API shows a resource meshops rendered for it: a namespaced resource
 * written in the Universal shape (and every default policy) is rendered into the system namespace, so the control
 * plane names it `name.<systemNamespace>` with both identity labels, as Kuma names its own defaults on Kubernetes
 * (`mesh-timeout-all-default.kuma-system`, FACTS §1.2). Cluster-scoped kinds (Mesh, MeshGateway), Secrets (the
 * control plane reads them from its system namespace under their own name) and resources already named after a
 * namespace keep their names. `object` itself when nothing changes.
 */
export function onKubernetes(typeName: string, object: JsonObject, systemNamespace: string): JsonObject {
  if (typeName === "Mesh" || isSecretType(typeName) || typeof object.name !== "string" || object.name === "") return object;
  if (isClusterScoped(typeName) || kubernetesNameOf(object) !== undefined) return object;
  const { type, mesh, name, labels: _labels, ...rest } = object;
  const labels = { ...labelsOf(object), [DISPLAY_NAME_LABEL]: name, [NAMESPACE_LABEL]: systemNamespace };
  // The envelope first, as the control plane prints it.
  return { ...(type !== undefined ? { type } : {}), ...(mesh !== undefined ? { mesh } : {}), name: coreName(name, systemNamespace), labels, ...rest };
}

/** Collisions shown at most; beyond, a count. */
const COLLISIONS_SHOWN = 10;

/**
 * Desired resources that Kubernetes would hold as one object: the same kind and API name in several meshes (names are
 * per mesh in Kuma's API, but one per namespace, or per cluster, in Kubernetes, whatever the mesh label says). Typical
 * of a Universal-shaped repository reusing names across meshes, all rendered into the system namespace. One message
 * per collision, for a warning: only the last one applied would exist.
 */
export function kubernetesCollisions(resources: readonly { readonly type: string; readonly mesh: string; readonly name: string; readonly object: JsonObject }[]): string[] {
  const meshesByObject = new Map<string, { readonly type: string; readonly object: JsonObject; readonly meshes: string[] }>();
  for (const r of resources) {
    if (r.type === "Mesh") continue;
    // Secrets and GlobalSecrets are all core/v1 Secrets of the system namespace, named as in Kuma's API (kuma/secrets.ts).
    const type = isSecretType(r.type) ? "Secret" : r.type;
    const key = `${type}/${r.name}`;
    const mesh = r.mesh === GLOBAL_SCOPE ? GLOBAL_UNIT_NAME : r.mesh;
    const entry = meshesByObject.get(key);
    if (entry) entry.meshes.push(mesh);
    else meshesByObject.set(key, { type, object: r.object, meshes: [mesh] });
  }
  const messages: string[] = [];
  let more = 0;
  for (const { type, object, meshes } of meshesByObject.values()) {
    if (meshes.length < 2) continue;
    if (messages.length >= COLLISIONS_SHOWN) {
      more++;
      continue;
    }
    const k8s = kubernetesNameOf(object);
    const where = k8s ? `${type} ${k8s.name} in namespace ${k8s.namespace}` : `${type} ${String(object.name)}`;
    messages.push(`${where} is one Kubernetes object, but meshes ${meshes.join(", ")} each define it: only the one applied last would exist; give each its own name`);
  }
  if (more > 0) messages.push(`and ${more} more names defined in several meshes that Kubernetes would hold as one object each`);
  return messages;
}
