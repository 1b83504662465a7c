/**
 * The desired state mesh by mesh, for a long-running process that builds it again for every commit. What a mesh
 * wants (its repository resources, its default policies, the ownership label, the target version's shape) depends on
 * that mesh's resources alone, so a commit that touches one mesh rebuilds one mesh: the others are taken over from
 * the previous build, object for object. That reuse is what lets the incremental planner find what changed by
 * identity.
 *
 * The same content as buildDesiredState (src/defaults/materialize.ts), which stays the one-shot path of the CLI.
 * Pure: the output depends only on the arguments; `previous` only saves work.
 */
import type { RepoConfig } from "../config/repoConfig.js";
import { defaultPoliciesOf, sortForWrite, withOwnership } from "../defaults/materialize.js";
import { parseSubject, subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import { forTargetVersion } from "./version.js";

export interface MeshDesired {
  readonly mesh: string;
  /** The repository's resources of this mesh, in file order: what this was built from (compared by identity). */
  readonly inputs: readonly Resource[];
  /** What the mesh should hold: defaults materialized, ownership stamped, shaped for the target version; in write order. */
  readonly resources: readonly Resource[];
  readonly byKey: ReadonlyMap<string, Resource>;
}

export interface DesiredByMesh {
  /** What every mesh's build depends on besides its own resources: instance, defaults on or off, target major version. */
  readonly basis: string;
  readonly meshes: ReadonlyMap<string, MeshDesired>;
  /** Desired resources in all meshes. */
  readonly size: number;
}

/**
 * The desired state of `resources` (a valid repository's, in file order) for a control plane of major version
 * `major`. A mesh whose repository resources are the very same objects as in `previous` (the per-file analysis cache
 * hands back the same parsed objects for files that did not change) is taken over as it was.
 */
export function buildDesiredByMesh(resources: readonly Resource[], config: RepoConfig, major: number, previous?: DesiredByMesh): DesiredByMesh {
  const basis = JSON.stringify([config.instance, config.defaults.materialize, major >= 3]);
  const reusable = previous?.basis === basis ? previous.meshes : undefined;
  const groups = new Map<string, Resource[]>();
  for (const resource of resources) {
    const group = groups.get(resource.mesh);
    if (group) group.push(resource);
    else groups.set(resource.mesh, [resource]);
  }
  const meshes = new Map<string, MeshDesired>();
  let size = 0;
  for (const [mesh, inputs] of groups) {
    const before = reusable?.get(mesh);
    const built = before && sameItems(before.inputs, inputs) ? before : buildMesh(mesh, inputs, config, major);
    meshes.set(mesh, built);
    size += built.resources.length;
  }
  return { basis, meshes, size };
}

/** Every desired resource in write order: what buildDesiredState and forTargetVersion give for the same repository. */
export function allDesired(desired: DesiredByMesh): Resource[] {
  const all: Resource[] = [];
  for (const mesh of desired.meshes.values()) for (const resource of mesh.resources) all.push(resource);
  return sortForWrite(all);
}

/** The desired resource of a subject (`Type/mesh/name` or `Mesh/name`), if any. */
export function desiredOf(desired: DesiredByMesh, subject: string): Resource | undefined {
  const key = parseSubject(subject);
  return key ? desired.meshes.get(key.mesh)?.byKey.get(subject) : undefined;
}

function buildMesh(mesh: string, inputs: readonly Resource[], config: RepoConfig, major: number): MeshDesired {
  const byKey = new Map<string, Resource>();
  for (const resource of inputs) byKey.set(subjectOf(resource), resource);
  if (config.defaults.materialize) {
    for (const resource of inputs) {
      if (resource.type !== "Mesh") continue;
      for (const policy of defaultPoliciesOf(resource, (subject) => byKey.has(subject))) byKey.set(subjectOf(policy), policy);
    }
  }
  const resources = forTargetVersion(sortForWrite([...byKey.values()].map((r) => withOwnership(r, config.instance))), major);
  return { mesh, inputs, resources, byKey: new Map(resources.map((r) => [subjectOf(r), r])) };
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
