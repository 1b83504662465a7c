import { stringify } from "yaml";
import { MESH_LABEL, KUBERNETES_API_VERSION } from "../kuma/types.js";
import { DISPLAY_NAME_LABEL, NAMESPACE_LABEL, kubernetesNameOf } from "../kuma/naming.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { secretToKubernetes } from "../kuma/secrets.js";
import { isSecretType } from "../kuma/types.js";
import { redact } from "../diff/redact.js";

export type RenderFormat = "yaml" | "json" | "kubernetes";

/**
 * The desired state as the objects that would be PUT, or as Kubernetes custom resources. Pure and deterministic.
 * Everything is printed as it would be sent except the values of Secrets: render needs no SOPS key and its output is
 * read, logged and pasted, so a Secret's `data` shows as `(redacted)`; `apply` sends the real value. (Inline keys in
 * other kinds are printed as the repository holds them: render of those is meant for `kubectl apply`.)
 */
export function renderResources(resources: readonly Resource[], format: RenderFormat, systemNamespace: string): string {
  const objects = resources.map((r) => (isSecretType(r.type) ? { ...r, object: redact(r.object) } : r));
  switch (format) {
    case "json":
      return JSON.stringify(objects.map((r) => r.object), null, 2) + "\n";
    case "yaml":
      return yamlDocuments(objects.map((r) => r.object));
    case "kubernetes":
      return yamlDocuments(objects.map((r) => toKubernetes(r, systemNamespace)));
  }
}

function yamlDocuments(objects: readonly JsonObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}

/**
 * Mesh is cluster-scoped with its fields under spec; everything else is namespaced with a mesh label: in the namespace
 * it was written in, or the system namespace for a resource written in the Universal shape.
 */
export function toKubernetes(resource: Resource, systemNamespace: string): JsonObject {
  const { type: _type, mesh: _mesh, name, labels, spec, ...rest } = resource.object;
  const userLabels = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : {};
  if (isSecretType(resource.type)) return secretToKubernetes(resource.object, systemNamespace);
  if (resource.type === "Mesh") {
    return {
      apiVersion: KUBERNETES_API_VERSION,
      kind: "Mesh",
      metadata: { name: name as string, ...(Object.keys(userLabels).length ? { labels: userLabels } : {}) },
      spec: rest,
    };
  }
  // A resource read from a namespaced Kubernetes document goes back where it came from, under its own name.
  const kubernetes = kubernetesNameOf(resource.object);
  const labelsOut = kubernetes ? withoutKeys(userLabels, [DISPLAY_NAME_LABEL, NAMESPACE_LABEL]) : userLabels;
  return {
    apiVersion: KUBERNETES_API_VERSION,
    kind: resource.type,
    metadata: {
      name: kubernetes?.name ?? (name as string),
      namespace: kubernetes?.namespace ?? systemNamespace,
      labels: { ...labelsOut, [MESH_LABEL]: resource.mesh },
    },
    spec: spec ?? {},
  };
}

function withoutKeys(value: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}
