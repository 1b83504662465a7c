/**
 * Scope (`--mesh`, `--exclude-mesh`, `--type`): a plan, apply or drift that looks at part of the control plane only.
 * Both sides of the comparison are narrowed before anything is classified, so creates, updates, prune (and its
 * limits' base), the mass-change guard and drift all stay within the scope: a resource outside it is neither
 * written nor deleted nor reported. Pure.
 */
import { keyOfLive } from "../diff/pair.js";
import { isOwnedBy, type Ownership } from "../desired/ownership.js";
import { isPolicyType } from "../kuma/types.js";
import { isGlobalKey, subjectOf, type ResourceKey } from "../model/key.js";
import type { JsonObject, Resource } from "../model/resource.js";
import type { Comparison } from "./reconcile.js";

export interface Scope {
  /** Only these meshes (empty: every mesh). */
  readonly meshes: readonly string[];
  /** Never these meshes. */
  readonly excludeMeshes: readonly string[];
  /** Only these types (empty: every type). A Mesh is of type Mesh, and in its own mesh. */
  readonly types: readonly string[];
}

export const WHOLE_SCOPE: Scope = { meshes: [], excludeMeshes: [], types: [] };

export function isWhole(scope: Scope): boolean {
  return scope.meshes.length === 0 && scope.excludeMeshes.length === 0 && scope.types.length === 0;
}

export function inScope(scope: Scope, key: ResourceKey): boolean {
  return (
    (scope.meshes.length === 0 || scope.meshes.includes(key.mesh)) &&
    !scope.excludeMeshes.includes(key.mesh) &&
    (scope.types.length === 0 || scope.types.includes(key.type))
  );
}

export function scopedResources(resources: readonly Resource[], scope: Scope): readonly Resource[] {
  return isWhole(scope) ? resources : resources.filter((r) => inScope(scope, r));
}

/** A Mesh a scope took along (`Mesh/gamma`), and the first resource in the scope that needs it. */
export interface TakenAlong {
  readonly mesh: string;
  readonly neededBy: string;
}

/**
 * The comparison narrowed to the scope: its desired resources, its live objects and the owned count prune limits are
 * a share of. (`desired.meshes` stays whole: it is the build's cache, not what is compared.) What is outside the scope
 * stays whatever the plan does, so its mesh joins `meshesHoldingOthers`: prune never deletes a Mesh (`--type Mesh`)
 * that would take it along. A desired Mesh the control plane lacks comes along with the resources in the scope that
 * need it (`takenAlong`), as Terraform's `-target` takes a target's dependencies: without it they cannot be created.
 */
export function scopedComparison(comparison: Comparison, scope: Scope, owner: Ownership): Comparison & { readonly takenAlong: readonly TakenAlong[] } {
  if (isWhole(scope)) return { ...comparison, takenAlong: [] };
  const holding = new Set(comparison.meshesHoldingOthers);
  const inScopeElseHolding = (key: ResourceKey | undefined): boolean => {
    if (key === undefined) return false;
    if (inScope(scope, key)) return true;
    holding.add(key.mesh);
    return false;
  };
  const inScopeResources = comparison.desired.resources.filter(inScopeElseHolding);
  const { meshes, takenAlong } = meshesNeeded(comparison, inScopeResources);
  const resources = meshes.length === 0 ? inScopeResources : [...meshes, ...inScopeResources];
  const live = comparison.live.filter((o) => inScopeElseHolding(keyOfLive(o)));
  return {
    ...comparison,
    desired: { ...comparison.desired, resources, size: resources.length },
    live,
    ownedCount: live.filter((o) => isOwnedBy(o, owner)).length,
    meshesHoldingOthers: holding,
    takenAlong,
  };
}

/** The desired Meshes outside `scoped` that resources in it need and the control plane lacks. */
function meshesNeeded(comparison: Comparison, scoped: readonly Resource[]): { meshes: Resource[]; takenAlong: TakenAlong[] } {
  const inScopeMeshes = new Set<string>();
  for (const r of scoped) if (r.type === "Mesh") inScopeMeshes.add(r.name);
  const liveMeshes = new Set<string>();
  for (const o of comparison.live) if (o.type === "Mesh" && typeof o.name === "string") liveMeshes.add(o.name);
  const neededBy = new Map<string, string>();
  for (const r of scoped) {
    if (r.type === "Mesh" || isGlobalKey(r) || inScopeMeshes.has(r.mesh) || liveMeshes.has(r.mesh) || neededBy.has(r.mesh)) continue;
    neededBy.set(r.mesh, subjectOf(r));
  }
  if (neededBy.size === 0) return { meshes: [], takenAlong: [] };
  const meshes = comparison.desired.resources.filter((r) => r.type === "Mesh" && neededBy.has(r.name));
  return { meshes, takenAlong: meshes.map((m) => ({ mesh: subjectOf(m), neededBy: neededBy.get(m.name) ?? "" })) };
}

/**
 * The meshes with a policy outside the scope among the ref's resources (`plan --base`). A scoped plan leaves such a
 * policy alone: the mass-change guard must not call the mesh emptied when the plan removes every policy it sees.
 * Against a control plane, diff/risk.ts `meshesWithPoliciesLeftAlone` reads the live objects instead.
 */
export function meshesWithPoliciesOutside(scope: Scope, resources: readonly Resource[]): Set<string> {
  const meshes = new Set<string>();
  if (isWhole(scope)) return meshes;
  for (const r of resources) if (isPolicyType(r.type) && !inScope(scope, r)) meshes.add(r.mesh);
  return meshes;
}

/** Every type the desired resources and the live objects are of. */
export function knownTypes(resources: readonly Resource[], live: readonly JsonObject[]): Set<string> {
  const known = new Set<string>(resources.map((r) => r.type));
  for (const object of live) if (typeof object.type === "string") known.add(object.type);
  return known;
}

/** Every mesh the desired resources and the live objects belong to. */
export function knownMeshes(resources: readonly Resource[], live: readonly JsonObject[]): Set<string> {
  const known = new Set<string>(resources.map((r) => r.mesh));
  for (const object of live) {
    const key = keyOfLive(object);
    if (key) known.add(key.mesh);
  }
  return known;
}
