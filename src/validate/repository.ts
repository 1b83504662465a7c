import { systemNamespaceOf, type RepoConfig } from "../config/repoConfig.js";
import { stepDue, type Steps } from "../util/steps.js";
import { SKIPPABLE_TYPE_NAMES } from "../kuma/defaultPolicies.js";
import { MANIFEST_RULE, kubernetesObjectKey, kubernetesObjectOf, referencedNames, sameObjectMessage } from "../kuma/naming.js";
import { DEFAULT_MESH, MESH_LABEL, isClusterScoped, resourceType } from "../kuma/types.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { isGlobalKey, subjectOf } from "../model/key.js";
import { isJsonObject, type Resource } from "../model/resource.js";
import { compareText, listChanges, sameItems } from "../model/order.js";
import { closestName } from "../model/suggest.js";
import type { Locator } from "../parse/locate.js";
import { diagnosticAt, diagnosticAtDocument, fieldPosition } from "./diagnostics.js";
import { referencePath, referencesIn, secretReferencesIn } from "./references.js";
import { formatPath } from "../model/fieldPath.js";
import { fitted } from "../util/fitted.js";
import { intern } from "../util/intern.js";
import type { ServiceReference } from "./services.js";
import { NO_GENERATED, generatedKey, meshServicesOn } from "./kubernetesServices.js";
import { namesUpTo } from "../util/namesUpTo.js";

/**
 * Kinds whose targets the repository should define, or a zone (a MeshGateway: the global control plane, or a hand) may
 * provide (so: a warning, not an error).
 */
const DEFINED_REF_KINDS = new Set(["MeshService", "MeshHTTPRoute", "MeshExternalService", "MeshMultiZoneService", "MeshGateway"]);
/** Kinds references point at: those, and Secrets (which the control plane may hold without the repository). */
const REFERENCED_KINDS = new Set([...DEFINED_REF_KINDS, "Secret"]);

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
      // A cluster-scoped kind (MeshGateway) has no namespace: the referrer's is not part of the name it means.
      const names = isClusterScoped(kind) ? [ref.name] : referencedNames(resource.object, ref.name, ref.namespace);
      const targets = targetsOf(kind, resource.mesh, names);
      references.push({ targets, path: intern(`${referencePath(reference)}.name`) });
    }
  }
  // A Secret is read from the referrer's own mesh (a Mesh's: itself).
  for (const { name, segments } of secretReferencesIn(resource.object)) references.push({ targets: targetsOf("Secret", resource.mesh, [name]), path: intern(formatPath(segments)) });
  return { facts: { subject: subjectOf(resource), references: fitted(references) }, diagnostics };
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
 * the same meshes, has the same findings. Kept per file, so that a commit that changes a few files of a large mesh
 * updates the findings of those files only (`updateMesh`).
 */
interface MeshFindings {
  readonly files: readonly FileResources[];
  /** Per file (same order): what was found about the mesh's resources in it. */
  readonly perFile: readonly FileFindings[];
  /** The one warning summing up the references to services a zone provides, if any. */
  readonly summary: Diagnostic | undefined;
  /** The non-empty lists of diagnostics: each file's, then the summary's (each list kept while it is the same). */
  readonly diagnostics: readonly (readonly Diagnostic[])[];
  readonly serviceReferences: readonly ServiceReference[];
  /** The MeshServices of the mesh the repository's Services make (generatedKey): the findings hold while they are the same. */
  readonly generated: string;
  /**
   * What an update starts from. Changed in place by the update that uses it, which takes it over (left undefined
   * here), so findings whose index was used up can only be checked whole again.
   */
  index: MeshIndex | undefined;
}

/** What was found about one file's resources of one mesh. */
interface FileFindings {
  /** Duplicates, unknown meshes, dangling references and references to zone-provided services (info items). */
  readonly diagnostics: readonly Diagnostic[];
  /** The references to services a zone provides, in resource order. */
  readonly zoneProvided: readonly ServiceReference[];
}

/** A mesh's definitions and its references to zone-provided services, counted. */
interface MeshIndex {
  /** The first definition of each subject. */
  readonly defined: Map<string, Resource>;
  /** Subjects defined more than once. */
  readonly duplicated: Set<string>;
  /** References to zone-provided services, by service name. */
  readonly services: Map<string, number>;
  zoneProvided: number;
}

/** What the repository-wide rules read of one file's analysis: its resources and their facts (same order). */
export interface FileResources {
  readonly resources: readonly Resource[];
  readonly facts: readonly ResourceFacts[];
}

/** Of one file: the mesh all its resources belong to (null: several), the Meshes it defines, whether it holds Kubernetes documents. */
interface FileMeshes {
  readonly mesh: string | null;
  readonly defines: readonly string[];
  /** Those of its Meshes whose zones generate MeshServices from Services (meshServicesOn). */
  readonly generating: readonly string[];
  readonly kubernetes: boolean;
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
  /** The Kubernetes objects the repository's Kubernetes documents are, across meshes (`kubernetesObjectCollisions`). */
  #objects = new KubernetesObjects();
  /** Meshes checked whole by the last run (the others' findings were taken over or updated). */
  checked = 0;
  /** Meshes whose findings the last run updated by the files that changed. */
  updated = 0;

  /** Forgets everything (the configuration changed). */
  clear(): void {
    this.#byMesh.clear();
    this.#meshes = "";
    this.#serviceReferences = { from: [], references: [] };
    this.#objects = new KubernetesObjects();
  }

  /** The collisions of Kubernetes objects among `files` (those holding Kubernetes documents, in file order). */
  kubernetesObjectCollisions(files: readonly FileResources[], systemNamespace: string, locator: Locator): Steps<readonly Diagnostic[]> {
    return this.#objects.updateSteps(files, systemNamespace, locator);
  }

  meshesOf(file: FileResources): FileMeshes {
    let known = this.#fileMeshes.get(file);
    if (!known) {
      const first = file.resources[0]?.mesh;
      const meshes = file.resources.filter((r) => r.type === "Mesh");
      const defines = meshes.map((r) => r.name);
      const generating = meshes.filter(meshServicesOn).map((r) => r.name);
      const kubernetes = file.resources.some(isKubernetesDocument);
      known = { mesh: first !== undefined && file.resources.every((r) => r.mesh === first) ? first : null, defines, generating, kubernetes };
      this.#fileMeshes.set(file, known);
    }
    return known;
  }

  /** The last run's findings of `mesh`, if they were worked out in a repository with the same meshes (`meshes`: meshKey of them). */
  previous(mesh: string, meshes: string): MeshFindings | undefined {
    return this.#meshes === meshes ? this.#byMesh.get(mesh) : undefined;
  }

  /** Keeps the findings of this run's meshes (and only those: a mesh gone from the repository is forgotten). */
  keep(findings: Map<string, MeshFindings>, meshes: string, checked: number, updated: number): void {
    this.#byMesh = findings;
    this.#meshes = meshes;
    this.checked = checked;
    this.updated = updated;
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
 * A resource written as a Kubernetes document, other than a Mesh (whose mesh is its name, so two of one name are a
 * duplicate): kubectl and Argo CD apply it as the object its kind, namespace and name say, whatever its mesh.
 */
function isKubernetesDocument(resource: Resource): boolean {
  return resource.source?.format === "kubernetes" && resource.type !== "Mesh";
}

/** A Kubernetes document's resource, and where it is: the file and its place in the file. */
interface ObjectEntry {
  readonly resource: Resource;
  readonly file: FileResources;
  readonly index: number;
}

/**
 * The one rule across meshes: Kubernetes documents of different meshes that are one Kubernetes object (kind, namespace
 * and name: kuma/naming.ts `kubernetesObjectKey`, the key `render --format kubernetes` checks), each apply replacing
 * the other. An error at every such document whose mesh is not the first one's (in file order), naming the first; two
 * of one mesh are a duplicate, said by the mesh's rules. Kept across runs: a run works on the files that came or went
 * since the last one (a changed file is a new analysis), and says again only the objects whose documents changed.
 */
class KubernetesObjects {
  #files = new Set<FileResources>();
  #order: readonly FileResources[] = [];
  #byKey = new Map<string, ObjectEntry[]>();
  /** Keys whose documents name more than one mesh. */
  #colliding = new Set<string>();
  #diagnostics: readonly Diagnostic[] = [];
  /** What each colliding document was told, with the first one it was told of. */
  #said = new Map<Resource, { readonly first: Resource; readonly diagnostic: Diagnostic }>();
  /** An update began and did not finish (its steps were not all run): the index is not to be trusted. */
  #updating = false;

  /** As steps (util/steps.ts): a first run over a large repository indexes every Kubernetes document. */
  *updateSteps(files: readonly FileResources[], systemNamespace: string, locator: Locator): Steps<readonly Diagnostic[]> {
    if (this.#updating) this.#forget();
    else if (sameItems(this.#order, files)) return this.#diagnostics;
    this.#updating = true;
    const now = new Set(files);
    let changed = false;
    const touch = (key: string) => {
      const entries = this.#byKey.get(key) ?? [];
      const collides = entries.some((e) => e.resource.mesh !== (entries[0] as ObjectEntry).resource.mesh);
      if (entries.length === 0) this.#byKey.delete(key);
      changed ||= collides || this.#colliding.has(key);
      if (collides) this.#colliding.add(key);
      else this.#colliding.delete(key);
    };
    const touched = new Set<string>();
    let n = 0;
    for (const file of this.#files) {
      if (now.has(file)) continue;
      for (const [key, resource] of objectsOf(file, systemNamespace)) {
        const entries = this.#byKey.get(key);
        if (entries) this.#byKey.set(key, entries.filter((e) => e.resource !== resource));
        touched.add(key);
        if (stepDue(n++, STEP)) yield;
      }
    }
    for (const file of files) {
      if (this.#files.has(file)) continue;
      let index = 0;
      for (const [key, resource] of objectsOf(file, systemNamespace)) {
        const entries = this.#byKey.get(key);
        const entry = { resource, file, index: index++ };
        if (entries) entries.push(entry);
        else this.#byKey.set(key, [entry]);
        touched.add(key);
        if (stepDue(n++, STEP)) yield;
      }
    }
    for (const key of touched) touch(key);
    this.#files = now;
    this.#order = files;
    if (changed) this.#diagnostics = yield* this.#saySteps(files, systemNamespace, locator);
    this.#updating = false;
    return this.#diagnostics;
  }

  #forget(): void {
    this.#files = new Set();
    this.#order = [];
    this.#byKey.clear();
    this.#colliding.clear();
    this.#diagnostics = [];
    this.#said.clear();
  }

  /**
   * The colliding documents' errors, in file order (a document told of the same first one as before keeps its
   * diagnostic), each naming the line of the first one's name.
   */
  *#saySteps(files: readonly FileResources[], systemNamespace: string, locator: Locator): Steps<readonly Diagnostic[]> {
    if (this.#colliding.size === 0) {
      this.#said.clear();
      return [];
    }
    const position = new Map(files.map((f, i) => [f, i]));
    const inFileOrder = (a: ObjectEntry, b: ObjectEntry) => (position.get(a.file) ?? 0) - (position.get(b.file) ?? 0) || a.index - b.index;
    const pairs: { readonly entry: ObjectEntry; readonly first: Resource }[] = [];
    let n = 0;
    for (const key of this.#colliding) {
      const entries = [...(this.#byKey.get(key) ?? [])].sort(inFileOrder);
      const first = (entries[0] as ObjectEntry).resource;
      for (const entry of entries) if (entry.resource.mesh !== first.mesh) pairs.push({ entry, first });
      if (stepDue(n++, STEP)) yield;
    }
    // In file order, a step per file: locating reads the file, and the locator keeps only the last few.
    pairs.sort((a, b) => inFileOrder(a.entry, b.entry));
    const untold = pairs.filter(({ entry, first }) => this.#said.get(entry.resource)?.first !== first);
    const names = yield* nameLinesSteps(untold.map((p) => p.first), locator);
    const said = new Map<Resource, { readonly first: Resource; readonly diagnostic: Diagnostic }>();
    const diagnostics: Diagnostic[] = [];
    let file: FileResources | undefined;
    for (const { entry, first } of pairs) {
      if (entry.file !== file) {
        if (file !== undefined) yield;
        file = entry.file;
      }
      const before = this.#said.get(entry.resource);
      const diagnostic = before?.first === first ? before.diagnostic : collision(entry.resource, first, names.get(first), systemNamespace, locator);
      said.set(entry.resource, { first, diagnostic });
      diagnostics.push(diagnostic);
    }
    this.#said = said;
    return diagnostics;
  }
}

/** The Kubernetes documents of a file with the key of the object each is, in file order. */
function* objectsOf(file: FileResources, systemNamespace: string): Generator<[string, Resource]> {
  for (const resource of file.resources) {
    if (isKubernetesDocument(resource) && resource.name !== "") yield [kubernetesObjectKey(kubernetesObjectOf(resource.type, resource.object, systemNamespace)), resource];
  }
}

/** `resource`'s error for being the same Kubernetes object as `first` of another mesh, whose name is at `firstName`. */
function collision(resource: Resource, first: Resource, firstName: { readonly file: string; readonly line: number } | undefined, systemNamespace: string, locator: Locator): Diagnostic {
  const message = sameObjectMessage(kubernetesObjectOf(resource.type, resource.object, systemNamespace), { type: first.type, mesh: first.mesh, name: first.name, source: firstName ?? first.source });
  return diagnosticAt(locator, resource, "name", message, MANIFEST_RULE);
}

/**
 * Rules across files: one definition per key, meshes that exist, references that point at something. Also gives the
 * references to MeshServices the repository does not define, for the online check (validate/services.ts). As steps
 * (util/steps.ts), a few hundred resources each. With `memo` (a long-running process), meshes whose files did not
 * change since the last run are taken over, and meshes where a few files changed are updated by those files. The
 * diagnostics come in lists (not sorted).
 */
export function* checkRepositorySteps(
  files: readonly FileResources[],
  config: RepoConfig,
  locator: Locator,
  memo: RepositoryChecks = new RepositoryChecks(),
  generated: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
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
  const kubernetesFiles: FileResources[] = [];
  // The meshes whose zones generate MeshServices: only there do the repository's Services define any.
  const generating = new Set<string>();
  for (const [i, file] of files.entries()) {
    const { mesh, defines, generating: generates, kubernetes } = memo.meshesOf(file);
    for (const name of defines) meshes.add(name);
    for (const name of generates) generating.add(name);
    if (kubernetes) kubernetesFiles.push(file);
    if (mesh !== null) {
      if (file.resources.length > 0) join(mesh, file);
    } else for (const resource of file.resources) join(resource.mesh, file);
    if (stepDue(i, STEP)) yield;
  }

  const findings = new Map<string, MeshFindings>();
  const key = meshKey(meshes);
  let checked = 0;
  let updated = 0;
  for (const [mesh, group] of groups) {
    const services = (generating.has(mesh) ? generated.get(mesh) : undefined) ?? NO_GENERATED;
    const servicesKey = generatedKey(services);
    const previous = memo.previous(mesh, key);
    // A Service that comes or goes may resolve or leave unresolved references in any file of the mesh.
    const before = previous?.generated === servicesKey ? previous : undefined;
    let found = before && sameItems(before.files, group) ? before : undefined;
    if (!found && before) {
      found = updateMesh(mesh, before, group, meshes, services, locator, memo);
      if (found) updated++;
    }
    if (!found) {
      found = yield* checkMeshSteps(mesh, group, meshes, services, locator, memo);
      checked++;
      // A mesh of a few dozen resources never reaches a step of its own inside checkMeshSteps: a step per mesh, or a
      // thousand meshes are checked in one go.
      yield;
    }
    findings.set(mesh, found);
  }
  memo.keep(findings, key, checked, updated);

  // The diagnostics mesh by mesh, each list as it was found (the same list as in the last run if taken over).
  const diagnostics: (readonly Diagnostic[])[] = [];
  for (const found of findings.values()) diagnostics.push(...found.diagnostics);
  const collisions = yield* memo.kubernetesObjectCollisions(kubernetesFiles, systemNamespaceOf(config), locator);
  if (collisions.length > 0) diagnostics.push(collisions);
  let serviceReferences = memo.serviceReferences([...findings.values()]);
  // In file order, as the references were found (the CLI shows the first ones): mesh by mesh is file order unless
  // meshes interleave.
  if (interleaved) serviceReferences = inFileOrder(serviceReferences, files);
  return { diagnostics, serviceReferences };
}

/** The resources of `mesh` in `file` with their facts (all of them when the file holds that mesh only). */
function* resourcesOf(mesh: string, file: FileResources, memo: RepositoryChecks): Generator<[Resource, ResourceFacts]> {
  const whole = memo.meshesOf(file).mesh !== null;
  for (const [i, resource] of file.resources.entries()) {
    if (whole || resource.mesh === mesh) yield [resource, file.facts[i] as ResourceFacts];
  }
}

/** The rules for the resources of one mesh, held by `files` (`meshes`: every mesh that exists). */
function* checkMeshSteps(mesh: string, files: readonly FileResources[], meshes: ReadonlySet<string>, services: ReadonlySet<string>, locator: Locator, memo: RepositoryChecks): Steps<MeshFindings> {
  const index: MeshIndex = { defined: new Map(), duplicated: new Set(), services: new Map(), zoneProvided: 0 };
  const { defined, duplicated } = index;
  // Duplicates first: the references below need every definition.
  const twice: Duplicate[] = [];
  let n = 0;
  for (const file of files) {
    for (const [resource, { subject }] of resourcesOf(mesh, file, memo)) {
      // A document without a name is said to need one (missing-name): two of them are not one resource twice.
      const earlier = resource.name === "" ? undefined : defined.get(subject);
      if (earlier) {
        twice.push({ file, resource, subject, earlier });
        duplicated.add(subject);
      } else if (resource.name !== "") defined.set(subject, resource);
      if (stepDue(n++, STEP)) yield;
    }
  }
  const duplicates = yield* duplicateDiagnosticsSteps(twice, locator);
  const perFile: FileFindings[] = [];
  for (const file of files) {
    const found = checkFile(mesh, file, meshes, defined, services, locator, memo, duplicates.get(file));
    perFile.push(found);
    countServices(index, found.zoneProvided, 1);
    n += file.resources.length;
    if (stepDue(n, STEP)) yield;
  }
  return findingsOf(mesh, files, perFile, index, generatedKey(services), undefined);
}

/** A resource defined again: `earlier` is the first definition of its subject. */
interface Duplicate {
  readonly file: FileResources;
  readonly resource: Resource;
  readonly subject: string;
  readonly earlier: Resource;
}

/**
 * The duplicate-resource errors by file, each at the second definition's name and naming the line of the first one's
 * (where a reader goes to compare them, not the document's start). Only duplicates are located; a step per STEP of
 * them, as each is located.
 */
function* duplicateDiagnosticsSteps(twice: readonly Duplicate[], locator: Locator): Steps<Map<FileResources, Diagnostic[]>> {
  const duplicates = new Map<FileResources, Diagnostic[]>();
  if (twice.length === 0) return duplicates;
  const names = yield* nameLinesSteps(twice.map((d) => d.earlier), locator);
  let n = 0;
  for (const { file, resource, subject, earlier } of twice) {
    const name = names.get(earlier);
    const list = duplicates.get(file) ?? [];
    list.push(diagnosticAt(locator, resource, "name", `${subject} is defined twice: also at ${name ? `${name.file}:${name.line}` : "a default policy"}`, "duplicate-resource"));
    duplicates.set(file, list);
    if (stepDue(n++, STEP)) yield;
  }
  return duplicates;
}

/**
 * Where each of `resources` (those read from a file) has its name written, for a message that sends the reader to
 * it. Located before any message is made, in file and document order: a file written twice would otherwise send the
 * locator back and forth between its halves, counting its lines from the start each time. A step per STEP located.
 */
function* nameLinesSteps(resources: readonly Resource[], locator: Locator): Steps<Map<Resource, { readonly file: string; readonly line: number }>> {
  const byPlace = (a: Resource, b: Resource): number => compareText(a.source?.file ?? "", b.source?.file ?? "") || (a.source?.docIndex ?? 0) - (b.source?.docIndex ?? 0);
  const lines = new Map<Resource, { readonly file: string; readonly line: number }>();
  let file: string | undefined;
  for (const resource of [...new Set(resources)].sort(byPlace)) {
    const source = resource.source;
    if (!source) continue;
    // A step per file: locating reads it.
    if (source.file !== file) {
      if (file !== undefined) yield;
      file = source.file;
    }
    lines.set(resource, { file: source.file, line: (fieldPosition(locator, resource, "name") ?? source).line });
  }
  return lines;
}

/**
 * The findings of a mesh from its last ones when a few of its files changed (found by identity, after the common head
 * and tail of the two file lists), checking those files only. Undefined, so the mesh is checked whole, when the change
 * may change what other files are told: a Mesh, a kind references point at defined or removed (a reference elsewhere
 * may resolve or dangle now), a subject defined more than once before or after; or when the last findings' index was
 * used up.
 */
function updateMesh(
  mesh: string,
  before: MeshFindings,
  files: readonly FileResources[],
  meshes: ReadonlySet<string>,
  services: ReadonlySet<string>,
  locator: Locator,
  memo: RepositoryChecks,
): MeshFindings | undefined {
  const index = before.index;
  if (!index) return undefined;
  const old = before.files;
  const change = listChanges(old, files, MAX_UPDATED_FILES);
  if (!change) return undefined;
  const { head, beforeEnd: oldEnd, afterEnd: newEnd, removed, added } = change;
  const gone = new Map<string, Resource>();
  for (const file of removed) {
    for (const [resource, { subject }] of resourcesOf(mesh, file, memo)) {
      if (resource.type === "Mesh" || index.duplicated.has(subject) || gone.has(subject)) return undefined;
      gone.set(subject, resource);
    }
  }
  const come = new Map<string, Resource>();
  for (const file of added) {
    for (const [resource, { subject }] of resourcesOf(mesh, file, memo)) {
      if (resource.type === "Mesh" || come.has(subject) || (index.defined.has(subject) && !gone.has(subject))) return undefined;
      come.set(subject, resource);
    }
  }
  // A kind references point at, defined or no longer (not merely edited): references elsewhere may resolve or dangle.
  for (const [subject, resource] of gone) if (REFERENCED_KINDS.has(resource.type) && !come.has(subject)) return undefined;
  for (const [subject, resource] of come) if (REFERENCED_KINDS.has(resource.type) && !gone.has(subject)) return undefined;

  // From here on the index is changed: it goes to the new findings.
  before.index = undefined;
  for (const subject of gone.keys()) index.defined.delete(subject);
  for (const [subject, resource] of come) index.defined.set(subject, resource);
  const previousFindings = new Map<FileResources, FileFindings>();
  for (let i = head; i < oldEnd; i++) previousFindings.set(old[i] as FileResources, before.perFile[i] as FileFindings);
  // The summary of references to zone-provided services is the same unless a changed file has some.
  let zoneChanged = false;
  for (const file of removed) {
    const { zoneProvided } = previousFindings.get(file) as FileFindings;
    countServices(index, zoneProvided, -1);
    zoneChanged ||= zoneProvided.length > 0;
  }
  const perFile = before.perFile.slice(0, head);
  for (let i = head; i < newEnd; i++) {
    const file = files[i] as FileResources;
    let found = previousFindings.get(file);
    if (!found) {
      found = checkFile(mesh, file, meshes, index.defined, services, locator, memo, undefined);
      countServices(index, found.zoneProvided, 1);
      zoneChanged ||= found.zoneProvided.length > 0;
    }
    perFile.push(found);
  }
  for (let i = oldEnd; i < old.length; i++) perFile.push(before.perFile[i] as FileFindings);
  return findingsOf(mesh, files, perFile, index, before.generated, zoneChanged ? undefined : before);
}

/** Beyond this many files changed in a mesh, it is checked whole. */
const MAX_UPDATED_FILES = 256;

/**
 * The rules for the resources of `mesh` in one file, given the mesh's definitions and the MeshServices its Services make
 * (`services`: defined by the repository too, though not as documents; `duplicates`: found in it already).
 */
function checkFile(
  mesh: string,
  file: FileResources,
  meshes: ReadonlySet<string>,
  defined: ReadonlyMap<string, Resource>,
  services: ReadonlySet<string>,
  locator: Locator,
  memo: RepositoryChecks,
  duplicates: Diagnostic[] | undefined,
): FileFindings {
  const diagnostics: Diagnostic[] = duplicates ?? [];
  const zoneProvided: ServiceReference[] = [];
  for (const [resource, { subject, references }] of resourcesOf(mesh, file, memo)) {
    if (resource.type !== "Mesh" && !meshes.has(resource.mesh) && !isGlobalKey(resource)) {
      const suggestion = closestName(resource.mesh, meshes);
      const hint =
        suggestion !== undefined
          ? `did you mean "${suggestion}"? (or define the Mesh, or list it under externalMeshes in meshops.yaml)`
          : resource.mesh === DEFAULT_MESH
            ? "meshops.yaml sets controlPlane.skipDefaultMeshCreation, so mesh default must be defined like any other"
            : "define the Mesh in the repository or list it under externalMeshes in meshops.yaml";
      diagnostics.push(diagnosticAt(locator, resource, "mesh", `mesh "${resource.mesh}" is not defined: ${hint}`, "unknown-mesh"));
    }
    for (const { targets, path } of references) {
      if (targets.some((target) => defined.has(target))) continue;
      if (services.size > 0 && targets.some((target) => services.has(target))) continue;
      const target = targets[0] as string;
      if (target.startsWith(SECRET_PREFIX)) diagnostics.push(missingSecret(resource, target, path, locator));
      else if (target.startsWith(ZONE_PROVIDED_PREFIX)) {
        zoneProvided.push({ resource, targets, path });
        const message = intern(`${target} is not defined in this repository; expected from a zone`);
        diagnostics.push(diagnosticAtDocument(resource, path, message, "dangling-reference", "info", subject));
      } else diagnostics.push(diagnosticAt(locator, resource, path, undefinedTargetMessage(target), "dangling-reference", "warning"));
    }
  }
  return diagnostics.length === 0 && zoneProvided.length === 0 ? NOTHING_FOUND : { diagnostics: fitted(diagnostics), zoneProvided: fitted(zoneProvided) };
}

const NOTHING_FOUND: FileFindings = { diagnostics: [], zoneProvided: [] };

/**
 * A target of DEFINED_REF_KINDS the repository does not define. No zone generates a MeshGateway: the control plane
 * accepts the referrer, which applies to no gateway unless one is there (a renamed gateway, a typo).
 */
function undefinedTargetMessage(target: string): string {
  if (target.startsWith(GATEWAY_PREFIX)) {
    return intern(`${target} is not defined in this repository: this applies to no gateway unless the control plane holds it already (made outside Git, or synced from the global control plane)`);
  }
  return intern(`${target} is not defined in this repository (fine if a zone provides it)`);
}

/**
 * A Secret named but not defined in the repository: fine when the control plane holds it already (Secrets are often
 * kept out of Git). A Mesh's CA is loaded when the Mesh is written (the provided CA manager's ValidateBackend, unless
 * `mtls.skipValidation`), so the control plane refuses the Mesh without it: a warning. Elsewhere (a gateway's
 * certificate, an identity's CA) the resource is accepted and works once the Secret is there: an info item.
 */
function missingSecret(resource: Resource, target: string, path: string, locator: Locator): Diagnostic {
  const mtls = resource.object.mtls;
  const refused = resource.type === "Mesh" && path.startsWith("mtls.") && !(isJsonObject(mtls) && mtls.skipValidation === true);
  const consequence = refused ? "the control plane refuses this Mesh unless it holds that Secret already" : "fine if the control plane holds it already (a Secret kept out of Git)";
  return diagnosticAt(locator, resource, path, `${target} is not defined in this repository: ${consequence}; a Secret of another mesh does not count`, "dangling-reference", refused ? "warning" : "info");
}

function countServices(index: MeshIndex, references: readonly ServiceReference[], by: 1 | -1): void {
  for (const { targets } of references) {
    const target = targets[0] as string;
    const service = target.slice(target.lastIndexOf("/") + 1);
    const count = (index.services.get(service) ?? 0) + by;
    if (count === 0) index.services.delete(service);
    else index.services.set(service, count);
  }
  index.zoneProvided += by * references.length;
}

/**
 * The findings of a mesh from its files' (`unchanged`: the last findings, whose references to zone-provided services
 * and summary are still right).
 */
function findingsOf(mesh: string, files: readonly FileResources[], perFile: readonly FileFindings[], index: MeshIndex, generated: string, unchanged: MeshFindings | undefined): MeshFindings {
  let summary = unchanged?.summary;
  let serviceReferences = unchanged?.serviceReferences;
  if (!unchanged) {
    const first = perFile.find((f) => f.zoneProvided.length > 0)?.zoneProvided[0]?.resource;
    summary = first ? zoneProvidedSummary(mesh, index, first) : undefined;
    serviceReferences = ([] as ServiceReference[]).concat(...perFile.map((f) => f.zoneProvided));
  }
  const diagnostics: (readonly Diagnostic[])[] = [];
  for (const found of perFile) if (found.diagnostics.length > 0) diagnostics.push(found.diagnostics);
  if (summary) diagnostics.push(unchanged?.diagnostics.at(-1) ?? [summary]);
  return { files, perFile, summary, diagnostics, serviceReferences: serviceReferences ?? [], generated, index };
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
const SECRET_PREFIX = "Secret/";
const GATEWAY_PREFIX = "MeshGateway/";
/** Resources per step of checkRepositorySteps. */
const STEP = 512;
const NAMES_SHOWN = 10;

/** The warning summing up a mesh's references to zone-provided services (`first`: the first referring resource). */
function zoneProvidedSummary(mesh: string, index: MeshIndex, first: Resource): Diagnostic {
  const names = [...index.services.keys()].sort();
  const shown = namesUpTo(names, NAMES_SHOWN);
  const refs = index.zoneProvided === 1 ? "1 reference" : `${index.zoneProvided} references`;
  const what = names.length === 1 ? "a service" : `${names.length} services`;
  // Reported on the Mesh's own document when the repository defines it, else on the first referring resource.
  const at = index.defined.get(subjectOf({ type: "Mesh", mesh, name: mesh })) ?? first;
  return diagnosticAtDocument(at, "", `mesh "${mesh}": ${refs} to ${what} not defined here, expected from zones: ${shown}`, "zone-provided-services", "warning");
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
