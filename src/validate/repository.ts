import type { RepoConfig } from "../config/repoConfig.js";
import { SKIPPABLE_TYPE_NAMES } from "../defaults/catalogue.js";
import { DEFAULT_MESH, MESH_LABEL, resourceType } from "../kuma/types.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import type { Locator } from "../parse/locate.js";
import { diagnosticAt } from "./diagnostics.js";
import { referencePath, referencesIn } from "./references.js";

/** Kinds whose targets the repository should define, or a zone may provide (so: a warning, not an error). */
const DEFINED_REF_KINDS = new Set(["MeshService", "MeshHTTPRoute", "MeshExternalService", "MeshMultiZoneService"]);

/**
 * Rules that need the whole repository: one definition per key, meshes that exist, references that stay inside
 * their own mesh (tenancy isolation) and point at something.
 */
export function checkRepository(resources: readonly Resource[], config: RepoConfig, locator: Locator): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const first = new Map<string, Resource>();
  const meshes = new Set<string>(config.externalMeshes);
  if (!config.controlPlane.skipDefaultMeshCreation) meshes.add(DEFAULT_MESH);
  const defined = new Set<string>();

  for (const resource of resources) {
    const key = subjectOf(resource);
    const earlier = first.get(key);
    if (earlier) {
      const where = earlier.source ? `${earlier.source.file}:${earlier.source.line}` : "a default policy";
      diagnostics.push(diagnosticAt(locator, resource, "name", `${key} is defined twice: also at ${where}`, "duplicate-resource"));
    } else first.set(key, resource);
    if (resource.type === "Mesh") meshes.add(resource.name);
    defined.add(key);
  }

  for (const resource of resources) {
    if (resource.type === "Mesh") {
      diagnostics.push(...checkSkipList(resource, locator));
      continue;
    }
    if (!meshes.has(resource.mesh)) {
      const hint =
        resource.mesh === DEFAULT_MESH
          ? "meshops.yaml sets controlPlane.skipDefaultMeshCreation, so mesh default must be defined like any other"
          : "define the Mesh in the repository or list it under externalMeshes in meshops.yaml";
      diagnostics.push(diagnosticAt(locator, resource, "mesh", `mesh "${resource.mesh}" is not defined: ${hint}`, "unknown-mesh"));
    }
    diagnostics.push(...checkReferences(resource, defined, locator));
  }
  return diagnostics;
}

function checkSkipList(mesh: Resource, locator: Locator): Diagnostic[] {
  const list = mesh.object.skipCreatingInitialPolicies;
  if (!Array.isArray(list)) return [];
  return list.flatMap((name, i) =>
    typeof name === "string" && !SKIPPABLE_TYPE_NAMES.includes(name)
      ? [
          diagnosticAt(
            locator,
            mesh,
            `skipCreatingInitialPolicies[${i}]`,
            `"${name}" matches no default policy, so it skips nothing (the control plane ignores it too); ` +
              `use '*' or one of ${SKIPPABLE_TYPE_NAMES.filter((n) => n !== "*").join(", ")}`,
            "skip-list",
            "warning",
          ),
        ]
      : [],
  );
}

function checkReferences(resource: Resource, defined: Set<string>, locator: Locator): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const reference of referencesIn(resource.object.spec)) {
    const ref = reference.ref;
    const labels = typeof ref.labels === "object" && ref.labels !== null && !Array.isArray(ref.labels) ? ref.labels : {};
    const otherMesh = typeof ref.mesh === "string" ? ref.mesh : typeof labels[MESH_LABEL] === "string" ? (labels[MESH_LABEL] as string) : undefined;
    if (otherMesh !== undefined && otherMesh !== resource.mesh) {
      const path = referencePath(reference);
      const field = typeof ref.mesh === "string" ? `${path}.mesh` : `${path}.labels["${MESH_LABEL}"]`;
      diagnostics.push(
        diagnosticAt(
          locator,
          resource,
          field,
          `refers to mesh "${otherMesh}", but this resource belongs to mesh "${resource.mesh}": a policy may only refer to resources of its own mesh`,
          "cross-mesh-reference",
        ),
      );
      continue;
    }
    const kind = ref.kind as string;
    if (DEFINED_REF_KINDS.has(kind) && typeof ref.name === "string" && resourceType(kind)) {
      const target = subjectOf({ type: kind, mesh: resource.mesh, name: ref.name });
      if (!defined.has(target)) {
        diagnostics.push(
          diagnosticAt(
            locator,
            resource,
            `${referencePath(reference)}.name`,
            `${target} is not defined in this repository (fine if a zone provides it)`,
            "dangling-reference",
            "warning",
          ),
        );
      }
    }
  }
  return diagnostics;
}
