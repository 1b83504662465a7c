/**
 * What the repository wants in each mesh, as the status page shows it: resource counts by type and what became of
 * each default policy. Pure.
 */
import type { RepoConfig } from "../config/repoConfig.js";
import type { DesiredState, MeshDesired } from "../desired/index.js";
import { groupBy, tally } from "../diff/pair.js";
import { DEFAULT_POLICIES, defaultPolicyName, initialPoliciesOf } from "../kuma/defaultPolicies.js";
import { subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import type { DefaultPolicyState, DefaultPolicyStatus } from "./statusTypes.js";

export interface MeshInventory {
  /** Desired resources of the mesh (default policies included), by type. */
  readonly byType: Readonly<Record<string, number>>;
  readonly total: number;
  /** The four default policies of a Mesh defined in the repository, and what became of each. */
  readonly defaultPolicies: readonly DefaultPolicyStatus[];
}

export const EMPTY_INVENTORY: MeshInventory = { byType: {}, total: 0, defaultPolicies: [] };

/** Inventories already counted, by mesh build: a mesh the last commit did not touch is not counted again. */
const inventories = new WeakMap<MeshDesired, { readonly materialize: boolean; readonly inventory: MeshInventory }>();

/** inventoryByMesh of a desired state built mesh by mesh, reusing the inventory of every mesh built before. */
export function inventoryOf(desired: DesiredState, config: RepoConfig): Map<string, MeshInventory> {
  const out = new Map<string, MeshInventory>();
  for (const [mesh, m] of desired.meshes) {
    let known = inventories.get(m);
    if (!known || known.materialize !== config.defaults.materialize) {
      known = { materialize: config.defaults.materialize, inventory: inventoryByMesh(m.resources, config).get(mesh) ?? EMPTY_INVENTORY };
      inventories.set(m, known);
    }
    out.set(mesh, known.inventory);
  }
  return out;
}

/** What the repository wants in each mesh, for the status page. */
export function inventoryByMesh(desired: readonly Resource[], config: RepoConfig): Map<string, MeshInventory> {
  const out = new Map<string, MeshInventory>();
  for (const [mesh, resources] of groupBy(desired, (r) => r.mesh)) {
    const types = [...new Set(resources.map((r) => r.type))];
    const byType = tally(resources, (r) => r.type, types);
    const bySubject = new Map(resources.map((r) => [subjectOf(r), r]));
    const meshResource = resources.find((r) => r.type === "Mesh");
    const initial = new Set(meshResource ? initialPoliciesOf(meshResource.object) : []);
    const defaultPolicies = meshResource
      ? DEFAULT_POLICIES.map((policy) => {
          const name = defaultPolicyName(policy.prefix, mesh);
          const present = bySubject.get(subjectOf({ type: policy.type, mesh, name }));
          const state: DefaultPolicyState = !config.defaults.materialize
            ? "off"
            : present?.origin === "repository"
              ? "overridden"
              : !initial.has(policy)
                ? "skipped"
                : "materialized";
          return { type: policy.type, name, state };
        })
      : [];
    out.set(mesh, { byType, total: resources.length, defaultPolicies });
  }
  return out;
}
