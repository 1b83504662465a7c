import type { RepoConfig } from "../config/repoConfig.js";
import { stepDue, type Steps } from "../util/steps.js";
import { SKIPPABLE_TYPE_NAMES } from "../kuma/defaultPolicies.js";
import { referencedNames } from "../kuma/naming.js";
import { DEFAULT_MESH, MESH_LABEL, resourceType } from "../kuma/types.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { isGlobalKey, subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import { sameItems } from "../model/order.js";
import { closestName } from "../model/suggest.js";
import type { Locator } from "../parse/locate.js";
import { diagnosticAt, diagnosticAtDocument } from "./diagnostics.js";
import { referencePath, referencesIn } from "./references.js";
import { intern } from "../util/intern.js";
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
  const references: { targets: readonly string[]; path: string }[] = [];
  if (resource.type === "Mesh") diagnostics.push(...checkSkipList(resource, locator));
  for (const reference of referencesIn(resource.object.spec)) {
    const ref = reference.ref;
    const labels = ref.labels;
    const meshLabel = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels[MESH_LABEL] : undefined;
    const otherMesh = typeof ref.mesh === "string" ? ref.mesh : typeof meshLabel === "string" ? meshLabel : undefined;
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
      // Shared strings and lists: a mesh's policies refer to a few services, at a few paths, tens of thousands of times.
      const targets = targetsOf(kind, resource.mesh, referencedNames(resource.object, ref.name, ref.namespace));
      references.push({ targets, path: intern(`${referencePath(reference)}.name`) });
    }
  }
  return { facts: { subject: subjectOf(resource), references }, diagnostics };
}

/**
 * The subjects a reference to `names` of `kind` in `mesh` may mean, one shared (read-only) list per distinct answer:
 * every resource keeps its references' lists for the repository-wide rules. Bounded like intern's table.
 */
const targetsSeen = new Map<string, readonly string[]>();
const TARGETS_KEPT = 100_000;

function targetsOf(kind: string, mesh: string, names: readonly string[]): readonly string[] {
  const first = subjectOf({ type: kind, mesh, name: names[0] as string });
  const key = names.length === 1 ? first : [first, ...names.slice(1)].join("\0");
  let targets = targetsSeen.get(key);
  if (targets === undefined) {
    if (targetsSeen.size >= TARGETS_KEPT) targetsSeen.clear();
    targets = names.map((name) => intern(subjectOf({ type: kind, mesh, name })));
    targetsSeen.set(key, targets);
  }
  return targets;
}

/**
 * What the repository-wide rules found in one mesh, with what they were worked out from (the files that hold the
 * mesh's resources, in file order): every rule compares a resource only with resources of its own mesh, but for one
 * question (does its mesh exist, and if not, which one was meant), so a mesh held by the very same file analyses as in
 * the last run (the per-file cache hands back the same object for a file that did not change), in a repository with
 * the same meshes, has the same findings.
 */
interface MeshFindings {
  readonly files: readonly FileResources[];
  readonly diagnostics: readonly Diagnostic[];
  readonly serviceReferences: readonly ServiceReference[];
}

/** What the repository-wide rules read of one file's analysis: its resources and their facts (same order). */
export interface FileResources {
  readonly resources: readonly Resource[];
  readonly facts: readonly ResourceFacts[];
}

/** Of one file: the mesh all its resources belong to (null: several), and the Meshes it defines. */
interface FileMeshes {
  readonly mesh: string | null;
  readonly defines: readonly string[];
}

/**
 * The repository-wide findings of earlier runs, by mesh, for a long-running process (AnalysisCache holds one): after a
 * commit, only the meshes whose files changed are checked again, and the work per run is per file, not per resource,
 * so a one-file commit costs that file's mesh, not the repository.
 */
export class RepositoryChecks {
  #byMesh = new Map<string, MeshFindings>();
  /** The meshes that exist, in the order they were found: what "did you mean" chooses from. */
  #meshes = "";
  /** The last run's references to zone-provided services, with the findings they were gathered from. */
  #serviceReferences: { readonly from: readonly MeshFindings[]; readonly references: readonly ServiceReference[] } = { from: [], references: [] };
  /** Per file analysis (cached objects): worked out once. */
  #fileMeshes = new WeakMap<FileResources, FileMeshes>();
  /** Meshes checked by the last run (the others' findings were taken over). */
  checked = 0;

  /** Forgets everything (the configuration changed). */
  clear(): void {
    this.#byMesh.clear();
    this.#meshes = "";
    this.#serviceReferences = { from: [], references: [] };
  }

  meshesOf(file: FileResources): FileMeshes {
    let known = this.#fileMeshes.get(file);
    if (!known) {
      const first = file.resources[0]?.mesh;
      const defines = file.resources.filter((r) => r.type === "Mesh").map((r) => r.name);
      known = { mesh: first !== undefined && file.resources.every((r) => r.mesh === first) ? first : null, defines };
      this.#fileMeshes.set(file, known);
    }
    return known;
  }

  /** The findings of `mesh` if they were worked out from these very files in a repository with the same meshes (`meshes`: meshKey of them). */
  reusable(mesh: string, files: readonly FileResources[], meshes: string): MeshFindings | undefined {
    const known = this.#byMesh.get(mesh);
    return known && this.#meshes === meshes && sameItems(known.files, files) ? known : undefined;
  }

  /** Keeps the findings of this run's meshes (and only those: a mesh gone from the repository is forgotten). */
  keep(findings: Map<string, MeshFindings>, meshes: string, checked: number): void {
    this.#byMesh = findings;
    this.#meshes = meshes;
    this.checked = checked;
  }

  /** The findings' references to zone-provided services, one list: the last run's when the findings are the same. */
  serviceReferences(findings: readonly MeshFindings[]): readonly ServiceReference[] {
    if (!sameItems(this.#serviceReferences.from, findings)) {
      this.#serviceReferences = { from: findings, references: ([] as ServiceReference[]).concat(...findings.map((f) => f.serviceReferences)) };
    }
    return this.#serviceReferences.references;
  }
}

/**
 * Rules across files: one definition per key, meshes that exist, references that point at something. Also gives the
 * references to MeshServices the repository does not define, for the online check (validate/services.ts). As steps
 * (util/steps.ts), a few hundred resources each. With `memo` (a long-running process), meshes whose files did not
 * change since the last run are taken over. The diagnostics come in lists, one per mesh (not sorted).
 */
export function* checkRepositorySteps(
  files: readonly FileResources[],
  config: RepoConfig,
  locator: Locator,
  memo: RepositoryChecks = new RepositoryChecks(),
): Steps<{ diagnostics: readonly (readonly Diagnostic[])[]; serviceReferences: readonly ServiceReference[] }> {
  const meshes = new Set<string>(config.externalMeshes);
  if (!config.controlPlane.skipDefaultMeshCreation) meshes.add(DEFAULT_MESH);
  // The files of each mesh, in file order; `interleaved` when a mesh's resources are not all in one run.
  const groups = new Map<string, FileResources[]>();
  let interleaved = false;
  let lastMesh: string | undefined;
  const join = (mesh: string, file: FileResources): void => {
    const group = groups.get(mesh);
    if (!group) groups.set(mesh, [file]);
    else if (group.at(-1) !== file) group.push(file);
    if (group && mesh !== lastMesh) interleaved = true;
    lastMesh = mesh;
  };
  for (const [i, file] of files.entries()) {
    const { mesh, defines } = memo.meshesOf(file);
    for (const name of defines) meshes.add(name);
    if (mesh !== null) {
      if (file.resources.length > 0) join(mesh, file);
    } else for (const resource of file.resources) join(resource.mesh, file);
    if (stepDue(i, STEP)) yield;
  }

  const findings = new Map<string, MeshFindings>();
  const key = meshKey(meshes);
  let checked = 0;
  for (const [mesh, group] of groups) {
    let found = memo.reusable(mesh, group, key);
    if (!found) {
      found = yield* checkMeshSteps(mesh, group, meshes, locator, memo);
      checked++;
      // A mesh of a few dozen resources never reaches a step of its own inside checkMeshSteps: a step per mesh, or a
      // thousand meshes are checked in one go.
      yield;
    }
    findings.set(mesh, found);
  }
  memo.keep(findings, key, checked);

  // The diagnostics mesh by mesh, each mesh's list as it was found (the same list as in the last run if taken over).
  const diagnostics: (readonly Diagnostic[])[] = [];
  for (const found of findings.values()) if (found.diagnostics.length > 0) diagnostics.push(found.diagnostics);
  let serviceReferences = memo.serviceReferences([...findings.values()]);
  // In file order, as the references were found (the CLI shows the first ones): mesh by mesh is file order unless
  // meshes interleave.
  if (interleaved) serviceReferences = inFileOrder(serviceReferences, files);
  return { diagnostics, serviceReferences };
}

/** The rules for the resources of one mesh, held by `files` (`meshes`: every mesh that exists). */
function* checkMeshSteps(mesh: string, files: readonly FileResources[], meshes: ReadonlySet<string>, locator: Locator, memo: RepositoryChecks): Steps<MeshFindings> {
  const resources: Resource[] = [];
  const facts: ResourceFacts[] = [];
  for (const file of files) {
    const whole = memo.meshesOf(file).mesh !== null;
    // Indexed loops here and below: an entries() iterator allocates a pair per resource until the loop is optimized.
    for (let i = 0; i < file.resources.length; i++) {
      const resource = file.resources[i] as Resource;
      if (!whole && resource.mesh !== mesh) continue;
      resources.push(resource);
      facts.push(file.facts[i] as ResourceFacts);
    }
  }
  const diagnostics: Diagnostic[] = [];
  const first = new Map<string, Resource>();
  for (let i = 0; i < resources.length; i++) {
    const resource = resources[i] as Resource;
    const key = (facts[i] as ResourceFacts).subject;
    const earlier = first.get(key);
    if (earlier) {
      const where = earlier.source ? `${earlier.source.file}:${earlier.source.line}` : "a default policy";
      diagnostics.push(diagnosticAt(locator, resource, "name", `${key} is defined twice: also at ${where}`, "duplicate-resource"));
    } else first.set(key, resource);
    if (stepDue(i, STEP)) yield;
  }

  const zoneProvided = new ZoneProvidedReferences();
  for (let i = 0; i < resources.length; i++) {
    if (stepDue(i, STEP)) yield;
    const resource = resources[i] as Resource;
    if (resource.type === "Mesh") continue;
    if (!meshes.has(resource.mesh) && !isGlobalKey(resource)) {
      const suggestion = closestName(resource.mesh, meshes);
      const hint =
        suggestion !== undefined
          ? `did you mean "${suggestion}"? (or define the Mesh, or list it under externalMeshes in meshops.yaml)`
          : resource.mesh === DEFAULT_MESH
            ? "meshops.yaml sets controlPlane.skipDefaultMeshCreation, so mesh default must be defined like any other"
            : "define the Mesh in the repository or list it under externalMeshes in meshops.yaml";
      diagnostics.push(diagnosticAt(locator, resource, "mesh", `mesh "${resource.mesh}" is not defined: ${hint}`, "unknown-mesh"));
    }
    const { subject, references } = facts[i] as ResourceFacts;
    for (const { targets, path } of references) {
      if (targets.some((target) => first.has(target))) continue;
      const target = targets[0] as string;
      if (target.startsWith(ZONE_PROVIDED_PREFIX)) zoneProvided.add(resource, subject, targets, path);
      else diagnostics.push(diagnosticAt(locator, resource, path, `${target} is not defined in this repository (fine if a zone provides it)`, "dangling-reference", "warning"));
    }
  }
  diagnostics.push(...zoneProvided.diagnostics(first));
  return { files, diagnostics, serviceReferences: zoneProvided.references };
}

function inFileOrder(references: readonly ServiceReference[], files: readonly FileResources[]): ServiceReference[] {
  const position = new Map(files.flatMap((f) => f.resources).map((r, i) => [r, i]));
  return [...references].sort((a, b) => (position.get(a.resource) ?? 0) - (position.get(b.resource) ?? 0));
}

function meshKey(meshes: ReadonlySet<string>): string {
  return [...meshes].join("\n");
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

  add(resource: Resource, subject: string, targets: readonly string[], path: string): void {
    this.references.push({ resource, targets, path });
    const target = targets[0] as string;
    let entry = this.byMesh.get(resource.mesh);
    if (!entry) this.byMesh.set(resource.mesh, (entry = { first: resource, services: new Set(), items: [] }));
    const service = target.slice(target.lastIndexOf("/") + 1);
    entry.services.add(service);
    const message = intern(`${target} is not defined in this repository; expected from a zone`);
    entry.items.push(diagnosticAtDocument(resource, path, message, "dangling-reference", "info", subject));
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
