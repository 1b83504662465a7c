import { stringifyYaml } from "../parse/yaml11.js";
import { MESH_LABEL, KUBERNETES_API_VERSION, isClusterScoped, resourceType } from "../kuma/types.js";
import { DISPLAY_NAME_LABEL, NAMESPACE_LABEL, kubernetesObjectOf } from "../kuma/naming.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { secretToKubernetes } from "../kuma/secrets.js";
import { isSecretType } from "../kuma/types.js";
import { redact } from "../kuma/secretFields.js";
import { isGlobalKey } from "../model/key.js";

export type RenderFormat = "yaml" | "json" | "kubernetes";

/**
 * The desired state as the objects that would be PUT. Pure and deterministic. Everything is printed as it would be
 * sent except the values of Secrets: render needs no SOPS key and its output is read, logged and pasted, so a Secret's
 * `data` shows as `(redacted)`; `apply` sends the real value. (Inline keys in other kinds are printed as the
 * repository holds them.) The Kubernetes form is src/hydrate/manifests.ts's.
 */
export function renderResources(resources: readonly Resource[], format: Exclude<RenderFormat, "kubernetes">): string {
  const objects = resources.map((r) => (isSecretType(r.type) ? redact(r.object) : r.object));
  return format === "json" ? JSON.stringify(objects, null, 2) + "\n" : yamlDocuments(objects);
}

function yamlDocuments(objects: readonly JsonObject[]): string {
  return objects.map((o) => stringifyYaml(o, { lineWidth: 0 })).join("---\n");
}

/**
 * Mesh is cluster-scoped with its fields under spec; everything else is namespaced with a mesh label (a global kind
 * without): in the namespace
 * it was written in, or the system namespace for a resource written in the Universal shape. Without a system namespace
 * (`meshops export` of a Universal control plane) such a resource has none, so it reads back under its own name.
 */
export function toKubernetes(resource: Resource, systemNamespace: string | undefined): JsonObject {
  const { type: _type, mesh: _mesh, name, labels, spec, ...rest } = resource.object;
  const userLabels = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : {};
  const annotations: JsonObject = resource.annotations ? { annotations: { ...resource.annotations } } : {};
  // Kuma reads Secrets from its system namespace only (export passes the control plane's).
  if (isSecretType(resource.type)) return secretToKubernetes(resource.object, systemNamespace ?? "kuma-system");
  if (resource.type === "Mesh") {
    return {
      apiVersion: KUBERNETES_API_VERSION,
      kind: "Mesh",
      metadata: { name: name as string, ...(Object.keys(userLabels).length ? { labels: userLabels } : {}), ...annotations },
      spec: rest,
    };
  }
  if (isClusterScoped(resource.type)) {
    // MeshGateway: cluster-scoped, its mesh in a top-level field and its protobuf fields under spec.
    return {
      apiVersion: KUBERNETES_API_VERSION,
      kind: resource.type,
      mesh: resource.mesh,
      metadata: { name: name as string, ...(Object.keys(userLabels).length ? { labels: userLabels } : {}), ...annotations },
      spec: resourceType(resource.type)?.flat ? rest : (spec ?? {}),
    };
  }
  // A resource read from a namespaced Kubernetes document goes back where it came from, under its own name.
  const { namespace, name: objectName } = kubernetesObjectOf(resource.type, resource.object, systemNamespace);
  // In a namespace the identity labels are the store's: it shows the object's own name and namespace (kuma/naming.ts
  // onKubernetes), and a document stating others is refused by the Kubernetes checks (parse/convert.ts).
  const labelsOut = namespace !== undefined ? withoutKeys(userLabels, [DISPLAY_NAME_LABEL, NAMESPACE_LABEL]) : userLabels;
  return {
    apiVersion: KUBERNETES_API_VERSION,
    kind: resource.type,
    metadata: {
      name: objectName,
      ...(namespace !== undefined ? { namespace } : {}),
      // A resource of no mesh (HostnameGenerator) has no mesh label.
      ...(isGlobalKey(resource) ? (Object.keys(labelsOut).length > 0 ? { labels: labelsOut } : {}) : { labels: { ...labelsOut, [MESH_LABEL]: resource.mesh } }),
      ...annotations,
    },
    spec: spec ?? {},
  };
}

function withoutKeys(value: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}
