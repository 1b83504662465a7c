/**
 * The desired state: what the repository wants a control plane to hold. One builder for every command and the daemon,
 * so `render` prints exactly what `apply` PUTs and `plan`, `drift` and `watch` compare the same objects.
 *
 * Built mesh by mesh. What a mesh wants (its repository resources, its default policies, the ownership label, the
 * target version's shape) depends on that mesh's resources alone, so a long-running process that builds again for
 * every commit passes its previous build: a mesh built from the very same inputs is taken over object for object,
 * and that reuse is what lets the incremental planner find what changed by identity.
 * Pure: the output depends only on the arguments; `previous` only saves work.
 */
import { runSteps, type Steps } from "../util/steps.js";
import { systemNamespaceOf, type RepoConfig } from "../config/repoConfig.js";
import { DEFAULT_POLICIES, defaultPoliciesLine, defaultPolicyName, initialPoliciesOf } from "../kuma/defaultPolicies.js";
import { onKubernetes, type ControlPlaneEnvironment } from "../kuma/naming.js";
import { compareWriteOrder, sortForWrite } from "../kuma/order.js";
import { typeRank } from "../kuma/types.js";
import { forTargetVersion, kumaMajor, type VersionInfo } from "../kuma/version.js";
import { parseSubject, subjectOf } from "../model/key.js";
import { compareText, indexOfSorted, insertSorted, listChanges, sameItems, withoutIndexes, type ListChanges } from "../model/order.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { withOwnership } from "./ownership.js";

/** The control plane a desired state is shaped for. */
export interface DesiredTarget {
  /** Kuma major version (Kong Mesh: the Kuma version it is based on). */
  readonly major: number;
  /** The Kuma minor line whose default policies a Mesh gets (defaultPoliciesLine); the newest when absent. */
  readonly defaultsLine?: string;
  /**
   * Set for a Kubernetes-mode control plane: what meshops renders for it lands in namespaces, so a resource written in
   * the Universal shape and every default policy are named as the system namespace's (`kuma/naming.ts` onKubernetes).
   */
  readonly kubernetes?: { readonly systemNamespace: string };
}

/**
 * The target of a repository: the control plane's own version when it is known (`info`, from GET /), else the one
 * meshops.yaml names. Offline commands (`render`, `plan --base`) have only the latter.
 */
export function targetOf(config: RepoConfig, info?: VersionInfo & { readonly environment?: ControlPlaneEnvironment }): DesiredTarget {
  const target = { major: kumaMajor(info, config.controlPlane.version), defaultsLine: defaultPoliciesLine(info?.basedOnKuma ?? info?.version ?? config.controlPlane.version) };
  return info?.environment === "kubernetes" ? { ...target, kubernetes: { systemNamespace: systemNamespaceOf(config) } } : target;
}

export interface MeshDesired {
  readonly mesh: string;
  /** The repository's resources of this mesh, in file order: what this was built from (compared by identity). */
  readonly inputs: readonly Resource[];
  /** What the mesh should hold: defaults materialized, ownership stamped, shaped for the target; in write order. */
  readonly resources: readonly Resource[];
  readonly byKey: ReadonlyMap<string, Resource>;
  /** Tells builds apart (for `update`), without keeping earlier builds alive. */
  readonly serial: number;
  /**
   * Set when this build was updated from build `from` (a few of its inputs changed): the subjects whose desired object
   * may differ from that build's, with the object that build had (undefined: none). Every other subject has the very
   * same object in both, so the incremental planner compares these alone.
   */
  readonly update?: { readonly from: number; readonly changes: ReadonlyMap<string, Resource | undefined> };
}

/**
 * A mesh's build. Its index by subject can be handed over to a build updated from it (`takeIndex`), which changes it
 * in place instead of copying tens of thousands of entries; this build then indexes its own resources again if asked.
 */
class MeshBuild implements MeshDesired {
  static #built = 0;
  readonly serial = ++MeshBuild.#built;
  #byKey: Map<string, Resource> | undefined;

  constructor(
    readonly mesh: string,
    readonly inputs: readonly Resource[],
    readonly resources: readonly Resource[],
    byKey: Map<string, Resource> | undefined,
    readonly update?: MeshDesired["update"],
  ) {
    this.#byKey = byKey;
  }

  get byKey(): ReadonlyMap<string, Resource> {
    return (this.#byKey ??= indexBySubject(this.resources));
  }

  /** The index, for a build made from this one to change: no longer this build's. */
  takeIndex(): Map<string, Resource> {
    const index = this.#byKey ?? indexBySubject(this.resources);
    this.#byKey = undefined;
    return index;
  }
}

function indexBySubject(resources: readonly Resource[]): Map<string, Resource> {
  return new Map(resources.map((r) => [subjectOf(r), r]));
}

export interface DesiredState {
  /** What every mesh's build depends on besides its own resources: instance, defaults on or off, target major version. */
  readonly basis: string;
  readonly meshes: ReadonlyMap<string, MeshDesired>;
  /** Every desired resource of every mesh, in write order. */
  readonly resources: readonly Resource[];
  /** Desired resources in all meshes. */
  readonly size: number;
}

/**
 * The desired state of `resources` (a valid repository's, in file order) for `target`. A mesh whose repository
 * resources are the very same objects as in `previous` (the per-file analysis cache hands back the same parsed
 * objects for files that did not change) is taken over as it was.
 */
export function buildDesired(resources: readonly Resource[], config: RepoConfig, target: DesiredTarget, previous?: DesiredState): DesiredState {
  return runSteps(buildDesiredSteps(resources, config, target, previous));
}

/** Resources grouped, or compared with the last build's, per step. */
const RESOURCES_PER_STEP = 2048;

/** buildDesired as steps (util/steps.ts): one per mesh built. */
export function* buildDesiredSteps(resources: readonly Resource[], config: RepoConfig, target: DesiredTarget, previous?: DesiredState): Steps<DesiredState> {
  const basis = JSON.stringify([config.instance, config.defaults.materialize, target.major >= 3, target.defaultsLine ?? null, target.kubernetes?.systemNamespace ?? null]);
  const reusable = previous?.basis === basis ? previous.meshes : undefined;
  const groups = byMesh(resources);
  const meshes = new Map<string, MeshDesired>();
  let size = 0;
  let reusedAll = reusable !== undefined && reusable.size === groups.size;
  let compared = 0;
  for (const [mesh, inputs] of groups) {
    const before = reusable?.get(mesh);
    const reuse = before !== undefined && sameItems(before.inputs, inputs);
    reusedAll &&= reuse;
    const built = reuse ? before : ((before && updateMesh(before, inputs, config, target)) ?? buildMesh(mesh, inputs, config, target));
    meshes.set(mesh, built);
    size += built.resources.length;
    compared += inputs.length;
    // A step per mesh built; a mesh taken over costs a comparison of its inputs, a step every few thousand of those.
    if (!reuse || compared >= RESOURCES_PER_STEP) {
      compared = 0;
      yield;
    }
  }
  return reusedAll && previous ? previous : desiredState(basis, meshes, size);
}

/**
 * The resources of each mesh, in order. A mesh's resources usually come in one run (file order, a folder per mesh): a
 * run is taken as a slice (the list itself when it is all one mesh), not pushed resource by resource.
 */
function byMesh(resources: readonly Resource[]): Map<string, readonly Resource[]> {
  const runs = new Map<string, number[]>();
  let start = 0;
  for (let i = 1; i <= resources.length; i++) {
    const mesh = (resources[start] as Resource).mesh;
    if (i < resources.length && (resources[i] as Resource).mesh === mesh) continue;
    const known = runs.get(mesh);
    if (known) known.push(start, i);
    else runs.set(mesh, [start, i]);
    start = i;
  }
  const groups = new Map<string, readonly Resource[]>();
  for (const [mesh, bounds] of runs) {
    if (bounds.length === 2) groups.set(mesh, bounds[0] === 0 && bounds[1] === resources.length ? resources : resources.slice(bounds[0], bounds[1]));
    else {
      const group: Resource[] = [];
      for (let k = 0; k < bounds.length; k += 2) for (let i = bounds[k] as number; i < (bounds[k + 1] as number); i++) group.push(resources[i] as Resource);
      groups.set(mesh, group);
    }
  }
  return groups;
}

/**
 * The state of `meshes`, whose list of every resource in write order is merged from the meshes' lists when first
 * asked for: a daemon's incremental plan never asks (it plans the changed subjects, by mesh), a full plan does.
 */
function desiredState(basis: string, meshes: ReadonlyMap<string, MeshDesired>, size: number): DesiredState {
  let all: readonly Resource[] | undefined;
  return {
    basis,
    meshes,
    size,
    get resources() {
      return (all ??= mergeMeshes(meshes));
    },
  };
}

/** The desired resource of a subject (`Type/mesh/name` or `Mesh/name`), if any. */
export function desiredOf(desired: DesiredState, subject: string): Resource | undefined {
  const key = parseSubject(subject);
  return key ? desired.meshes.get(key.mesh)?.byKey.get(subject) : undefined;
}

/**
 * The default policies a repository Mesh gets: those its skip list does not leave out and the repository does not
 * define itself (`defined` answers by subject; the repository's own definition wins). Not yet stamped with ownership.
 */
export function defaultPoliciesOf(mesh: Resource, defined: (subject: string) => boolean, line?: string): Resource[] {
  const out: Resource[] = [];
  for (const policy of initialPoliciesOf(mesh.object, line)) {
    const name = defaultPolicyName(policy.prefix, mesh.name);
    const key = { type: policy.type, mesh: mesh.name, name };
    if (defined(subjectOf(key))) continue;
    const object: JsonObject = { type: policy.type, mesh: mesh.name, name, spec: policy.spec() };
    out.push({ ...key, object, origin: "default" });
  }
  return out;
}

function buildMesh(mesh: string, inputs: readonly Resource[], config: RepoConfig, target: DesiredTarget): MeshDesired {
  const namespace = target.kubernetes?.systemNamespace;
  const place = namespace === undefined ? (r: Resource) => r : (r: Resource) => placedOnKubernetes(r, namespace);
  const byKey = new Map<string, Resource>();
  for (const resource of inputs) {
    const placed = place(resource);
    byKey.set(subjectOf(placed), placed);
  }
  if (config.defaults.materialize) {
    for (const resource of inputs) {
      if (resource.type !== "Mesh") continue;
      // Placed first: on Kubernetes the repository overrides a default by its name in the system namespace.
      for (const policy of defaultPoliciesOf(resource, () => false, target.defaultsLine).map(place)) {
        const subject = subjectOf(policy);
        if (!byKey.has(subject)) byKey.set(subject, policy);
      }
    }
  }
  // Stamping and shaping keep type, mesh and name: each subject is hashed once, and the index is updated in place
  // (replacing a key's value neither grows nor rehashes it: a mesh may hold 80,000 resources).
  const stamped: Resource[] = [];
  // On Kubernetes meshops never writes: Argo CD, Flux or kubectl apply what render writes (with the label), the
  // repository's files as they are (without it), or a Secret made another way. The label is expected on nothing, and
  // where the control plane shows one, it is no difference (diff/wanted.ts).
  const stamp = target.kubernetes === undefined;
  for (const [subject, r] of byKey) {
    const resource = forTargetVersion(stamp ? withOwnership(r, config.instance) : r, target.major);
    byKey.set(subject, resource);
    stamped.push(resource);
  }
  return new MeshBuild(mesh, inputs, sortForWrite(stamped), byKey);
}

/** The resource under the name a Kubernetes-mode control plane gives it (itself when that is its name already). */
function placedOnKubernetes(resource: Resource, systemNamespace: string): Resource {
  const object = onKubernetes(resource.type, resource.object, systemNamespace);
  return object === resource.object ? resource : { ...resource, name: object.name as string, object };
}

/** Beyond this many changed repository resources, a mesh is built whole. */
const MAX_UPDATED = 1024;

/**
 * A mesh built from its previous build when a few of its repository resources changed (a commit that edits one file
 * of a mesh of 80,000): the changed inputs are found by identity (after skipping the longest common head and tail of
 * the two input lists, in file order), the other resources' desired objects are taken over, and the changed ones are put in their
 * places in write order, which is what buildMesh gives (write order is total). Undefined, so the mesh is built whole,
 * when the change touches what default policies depend on: a Mesh, or a resource named like a default policy.
 */
function updateMesh(before: MeshDesired, inputs: readonly Resource[], config: RepoConfig, target: DesiredTarget): MeshDesired | undefined {
  // On Kubernetes names are placed in the system namespace (buildMesh): built whole, simply.
  if (target.kubernetes) return undefined;
  const { removed, added } = listChanges(before.inputs, inputs) as ListChanges<Resource>;
  if (removed.length + added.length > MAX_UPDATED) return undefined;
  const movesDefaults = (r: Resource) => r.type === "Mesh" || DEFAULT_POLICIES.some((p) => p.type === r.type && defaultPolicyName(p.prefix, before.mesh) === r.name);
  if (removed.some(movesDefaults) || added.some(movesDefaults)) return undefined;

  const byKey = before instanceof MeshBuild ? before.takeIndex() : new Map(before.byKey);
  const changes = new Map<string, Resource | undefined>();
  const gone: Resource[] = [];
  for (const r of removed) {
    const subject = subjectOf(r);
    const built = byKey.get(subject);
    if (built) gone.push(built);
    if (!changes.has(subject)) changes.set(subject, built);
    byKey.delete(subject);
  }
  const made = sortForWrite(added.map((r) => forTargetVersion(withOwnership(r, config.instance), target.major)));
  for (const r of made) {
    const subject = subjectOf(r);
    if (!changes.has(subject)) changes.set(subject, byKey.get(subject));
    byKey.set(subject, r);
  }
  const resources = insertSorted(withoutSorted(before.resources, gone, compareWriteOrder), made, compareWriteOrder);
  return new MeshBuild(before.mesh, inputs, resources, byKey, { from: before.serial, changes });
}

/**
 * `sorted` without `items` (each one of its items, by identity), found by binary search (`compare` is total, as write
 * order is): one copy of the list, no lookup per item kept.
 */
function withoutSorted<T>(sorted: readonly T[], items: readonly T[], compare: (a: T, b: T) => number): readonly T[] {
  if (items.length === 0) return sorted;
  const at = items.map((item) => indexOfSorted(sorted, item, compare));
  if (at.includes(-1)) {
    const set = new Set(items); // not where the order says: looked for everywhere
    return sorted.filter((r) => !set.has(r));
  }
  return withoutIndexes(sorted, at.sort((a, b) => a - b));
}

/**
 * Every mesh's resources in write order. Each mesh's list is in write order already, and write order ranks by type
 * category before mesh: so per rank, the meshes' runs of that rank are concatenated in mesh order, without sorting
 * the whole state again.
 */
function mergeMeshes(meshes: ReadonlyMap<string, MeshDesired>): Resource[] {
  const lists = [...meshes.values()].sort((a, b) => compareText(a.mesh, b.mesh)).map((m) => m.resources);
  const next = lists.map(() => 0);
  const seen = new Set<number>();
  for (const list of lists) for (const r of list) seen.add(typeRank(r.type));
  const ranks = [...seen].sort((a, b) => a - b);
  const out: Resource[] = [];
  for (const rank of ranks) {
    for (const [i, list] of lists.entries()) {
      let at = next[i] as number;
      while (at < list.length && typeRank((list[at] as Resource).type) === rank) out.push(list[at++] as Resource);
      next[i] = at;
    }
  }
  return out;
}
