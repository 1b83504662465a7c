import { stringify } from "yaml";
import { MESH_LABEL, KUBERNETES_API_VERSION } from "../kuma/types.js";
import type { JsonObject, Resource } from "../model/resource.js";

export type RenderFormat = "yaml" | "json" | "kubernetes";

/** The desired state as the objects that would be PUT, or as Kubernetes custom resources. Pure and deterministic. */
export function renderResources(resources: readonly Resource[], format: RenderFormat, systemNamespace: string): string {
  switch (format) {
    case "json":
      return JSON.stringify(resources.map((r) => r.object), null, 2) + "\n";
    case "yaml":
      return yamlDocuments(resources.map((r) => r.object));
    case "kubernetes":
      return yamlDocuments(resources.map((r) => toKubernetes(r, systemNamespace)));
  }
}

function yamlDocuments(objects: readonly JsonObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}

/** Mesh is cluster-scoped with its fields under spec; everything else lives in the system namespace with a mesh label. */
export function toKubernetes(resource: Resource, systemNamespace: string): JsonObject {
  const { type: _type, mesh: _mesh, name, labels, spec, ...rest } = resource.object;
  const userLabels = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : {};
  if (resource.type === "Mesh") {
    return {
      apiVersion: KUBERNETES_API_VERSION,
      kind: "Mesh",
      metadata: { name: name as string, ...(Object.keys(userLabels).length ? { labels: userLabels } : {}) },
      spec: rest,
    };
  }
  return {
    apiVersion: KUBERNETES_API_VERSION,
    kind: resource.type,
    metadata: { name: name as string, namespace: systemNamespace, labels: { ...userLabels, [MESH_LABEL]: resource.mesh } },
    spec: spec ?? {},
  };
}
