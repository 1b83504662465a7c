import type { RepoConfig } from "../config/repoConfig.js";
import { stepDue, type Steps } from "../util/steps.js";
import { SKIPPABLE_TYPE_NAMES } from "../kuma/defaultPolicies.js";
import { referencedNames } from "../kuma/naming.js";
import { DEFAULT_MESH, MESH_LABEL, resourceType } from "../kuma/types.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import { closestName } from "../model/suggest.js";
import type { Locator } from "../parse/locate.js";
import { diagnosticAt, diagnosticAtDocument } from "./diagnostics.js";
import { referencePath, referencesIn } from "./references.js";
import type { ServiceReference } from "./services.js";

/** Kinds whose targets the repository should define, or a zone may provide (so: a warning, not an error). */
const DEFINED_REF_KINDS = new Set(["MeshService", "MeshHTTPRoute", "MeshExternalService", "MeshMultiZoneService"]);

/**
 * What the repository-wide rules need of one resource, worked out once per file version (and cached with it), so a
 * re-validation after a one-file commit only does lookups for the other 50,000 resources.
 */
export interface ResourceFacts {
  readonly subject: string;
  /**
   * References to resources of the same mesh that must be defined somewhere: the subjects (`Type/mesh/name`) the
   * reference may mean, most specific first (a name without namespace may mean the referrer's namespace), and the path.
   */
  readonly references: readonly { readonly targets: readonly string[]; readonly path: string }[];
}

/**
 * The checks of one resource that need nothing from other files: references that leave the resource's mesh
 * (tenancy isolation), and skip-list entries that skip nothing.
 */
export function checkResource(resource: Resource, locator: Locator): { facts: ResourceFacts; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const references: { targets: string[]; path: string }[] = [];
  if (resource.type === "Mesh") diagnostics.push(...checkSkipList(resource, locator));
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
      const names = referencedNames(resource.object, ref.name, ref.namespace);
      const targets = names.map((name) => subjectOf({ type: kind, mesh: resource.mesh, name }));
      references.push({ targets, path: `${referencePath(reference)}.name` });
    }
  }
  return { facts: { subject: subjectOf(resource), references }, diagnostics };
}

/**
 * Rules across files: one definition per key, meshes that exist, references that point at something. Also gives the
 * references to MeshServices the repository does not define, for the online check (validate/services.ts). As steps
 * (util/steps.ts), a few hundred resources each.
 */
export function* checkRepositorySteps(
  resources: readonly Resource[],
  facts: readonly ResourceFacts[],
  config: RepoConfig,
  locator: Locator,
): Steps<{ diagnostics: Diagnostic[]; serviceReferences: readonly ServiceReference[] }> {
  const diagnostics: Diagnostic[] = [];
  const first = new Map<string, Resource>();
  const meshes = new Set<string>(config.externalMeshes);
  if (!config.controlPlane.skipDefaultMeshCreation) meshes.add(DEFAULT_MESH);

  for (const [i, resource] of resources.entries()) {
    const key = (facts[i] as ResourceFacts).subject;
    const earlier = first.get(key);
    if (earlier) {
      const where = earlier.source ? `${earlier.source.file}:${earlier.source.line}` : "a default policy";
      diagnostics.push(diagnosticAt(locator, resource, "name", `${key} is defined twice: also at ${where}`, "duplicate-resource"));
    } else first.set(key, resource);
    if (resource.type === "Mesh") meshes.add(resource.name);
    if (stepDue(i, STEP)) yield;
  }

  const zoneProvided = new ZoneProvidedReferences();
  for (const [i, resource] of resources.entries()) {
    if (stepDue(i, STEP)) yield;
    if (resource.type === "Mesh") continue;
    if (!meshes.has(resource.mesh)) {
      const suggestion = closestName(resource.mesh, meshes);
      const hint =
        suggestion !== undefined
          ? `did you mean "${suggestion}"? (or define the Mesh, or list it under externalMeshes in meshops.yaml)`
          : resource.mesh === DEFAULT_MESH
            ? "meshops.yaml sets controlPlane.skipDefaultMeshCreation, so mesh default must be defined like any other"
            : "define the Mesh in the repository or list it under externalMeshes in meshops.yaml";
      diagnostics.push(diagnosticAt(locator, resource, "mesh", `mesh "${resource.mesh}" is not defined: ${hint}`, "unknown-mesh"));
    }
    for (const { targets, path } of (facts[i] as ResourceFacts).references) {
      if (targets.some((target) => first.has(target))) continue;
      const target = targets[0] as string;
      if (target.startsWith(ZONE_PROVIDED_PREFIX)) zoneProvided.add(resource, targets, path);
      else diagnostics.push(diagnosticAt(locator, resource, path, `${target} is not defined in this repository (fine if a zone provides it)`, "dangling-reference", "warning"));
    }
  }
  diagnostics.push(...zoneProvided.diagnostics(first));
  return { diagnostics, serviceReferences: zoneProvided.references };
}

/**
 * On a Kubernetes zone, MeshServices are generated from Services and never committed: a reference to one the
 * repository does not define is normal. So they are summed up, one warning per mesh naming the services, and each
 * reference is an `info` item (json and sarif only) at its resource's document. Nothing here locates a field: with
 * tens of thousands of such references, validation must cost what it costs without them.
 */
const ZONE_PROVIDED_PREFIX = "MeshService/";
/** Resources per step of checkRepositorySteps. */
const STEP = 512;
const NAMES_SHOWN = 10;

class ZoneProvidedReferences {
  private readonly byMesh = new Map<string, { first: Resource; services: Set<string>; items: Diagnostic[] }>();
  readonly references: ServiceReference[] = [];

  add(resource: Resource, targets: readonly string[], path: string): void {
    this.references.push({ resource, targets, path });
    const target = targets[0] as string;
    let entry = this.byMesh.get(resource.mesh);
    if (!entry) this.byMesh.set(resource.mesh, (entry = { first: resource, services: new Set(), items: [] }));
    const service = target.slice(target.lastIndexOf("/") + 1);
    entry.services.add(service);
    entry.items.push(diagnosticAtDocument(resource, path, `${target} is not defined in this repository; expected from a zone`, "dangling-reference", "info"));
  }

  diagnostics(defined: ReadonlyMap<string, Resource>): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const [mesh, { first, services, items }] of this.byMesh) {
      const names = [...services].sort();
      const shown = names.slice(0, NAMES_SHOWN).join(", ") + (names.length > NAMES_SHOWN ? `, … (${names.length - NAMES_SHOWN} more)` : "");
      const refs = items.length === 1 ? "1 reference" : `${items.length} references`;
      const what = names.length === 1 ? "a service" : `${names.length} services`;
      // Reported on the Mesh's own document when the repository defines it, else on the first referring resource.
      const at = defined.get(subjectOf({ type: "Mesh", mesh, name: mesh })) ?? first;
      out.push(diagnosticAtDocument(at, "", `mesh "${mesh}": ${refs} to ${what} not defined here, expected from zones: ${shown}`, "zone-provided-services", "warning"));
      out.push(...items);
    }
    return out;
  }
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
