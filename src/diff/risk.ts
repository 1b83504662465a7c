/**
 * The mass-change guard: changes in a plan that can take down or open up a whole tenant, flagged in every report so a
 * reviewer cannot miss them among routine edits.
 *
 * - mesh-deleted: deleting a Mesh makes the control plane delete everything in it (FACTS §2.9).
 * - all-policies-removed: a Mesh that keeps existing but loses every policy it had (timeouts, retries, permissions...).
 * - traffic-permission-removed: with mTLS on, traffic no MeshTrafficPermission allows is denied, and removing a Deny
 *   opens what it closed: either way who may talk to whom changes.
 * - mesh-tls-removed: the mesh's TLS versions, ciphers and modes fall back to the defaults.
 *
 * Pure: a function of the plan (and of which meshes keep a policy the plan leaves alone: outside its scope, or on the
 * control plane without being the plan's to delete). A plan against a control plane holds deletes only with pruning
 * on, so without `--prune` it never flags a delete that would not happen.
 */
import { isPolicyType } from "../kuma/types.js";
import { subjectOf } from "../model/key.js";
import type { JsonObject } from "../model/resource.js";
import { keyOfLive } from "./pair.js";
import { STEP, type Change, type Plan } from "./plan.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";

export type RiskKind = "mesh-deleted" | "all-policies-removed" | "traffic-permission-removed" | "mesh-tls-removed";

export interface PlanRisk {
  readonly kind: RiskKind;
  /** Stable rule id for SARIF, JUnit and filtering: `mass-change/<kind>`. */
  readonly rule: `mass-change/${RiskKind}`;
  readonly mesh: string;
  /** The resource the risk is about: the deleted resource, or `Mesh/<mesh>` for all-policies-removed. */
  readonly resource: string;
  /** Every delete the risk stands for (the Mesh and what goes with it, or the policies removed). */
  readonly deletes: readonly string[];
  /** One sentence for a person: what happens and why it matters. */
  readonly message: string;
}

const risk = (kind: RiskKind, mesh: string, resource: string, deletes: readonly string[], message: string): PlanRisk => ({
  kind,
  rule: `mass-change/${kind}`,
  mesh,
  resource,
  deletes,
  message,
});

/**
 * The risks of a plan, in plan order. The plan must list unchanged resources too (both planners do).
 * `keepPolicies`: meshes with a policy the plan does not cover (outside `--type` / `--mesh`): it stays, so removing
 * every policy the plan sees does not empty them.
 */
export function classifyPlanRisks(plan: Plan, keepPolicies: ReadonlySet<string> = new Set()): PlanRisk[] {
  // Every risk below is a delete's: a plan without one (a no-op plan of 50,000) is not grouped by mesh.
  if (!plan.changes.some((c) => c.action === "delete")) return [];
  const byMesh = new Map<string, Change[]>();
  for (const change of plan.changes) {
    const list = byMesh.get(change.mesh) ?? [];
    list.push(change);
    byMesh.set(change.mesh, list);
  }

  const risks: PlanRisk[] = [];
  const deletedMeshes = new Set<string>();
  for (const change of plan.changes) {
    if (change.action !== "delete" || change.type !== "Mesh") continue;
    deletedMeshes.add(change.mesh);
    const inside = (byMesh.get(change.mesh) ?? []).filter((c) => c.action === "delete" && c.type !== "Mesh").map((c) => c.resource);
    const also = inside.length > 0 ? ` and the ${inside.length === 1 ? "resource" : `${inside.length} resources`} in it` : "";
    risks.push(
      risk("mesh-deleted", change.mesh, change.resource, [change.resource, ...inside], `deletes ${change.resource}${also}; the control plane deletes everything in a deleted Mesh`),
    );
  }

  for (const [mesh, changes] of byMesh) {
    // A deleted Mesh already says it all.
    if (deletedMeshes.has(mesh)) continue;
    const policies = changes.filter((c) => isPolicyType(c.type));
    const before = policies.filter((c) => c.action !== "create");
    const after = policies.filter((c) => c.action !== "delete");
    // A policy kept by the prune opt-out, or outside the plan's scope, stays in the mesh.
    const kept = keepPolicies.has(mesh) || plan.kept.some((k) => k.mesh === mesh && isPolicyType(k.type));
    if (before.length > 0 && after.length === 0 && !kept) {
      const removed = before.map((c) => c.resource);
      risks.push(
        risk(
          "all-policies-removed",
          mesh,
          `Mesh/${mesh}`,
          removed,
          `removes all ${removed.length} polic${removed.length === 1 ? "y" : "ies"} of Mesh/${mesh}; none is left in the mesh`,
        ),
      );
    }
  }

  for (const change of plan.changes) {
    if (change.action !== "delete" || deletedMeshes.has(change.mesh)) continue;
    if (change.type === "MeshTrafficPermission") {
      risks.push(
        risk(
          "traffic-permission-removed",
          change.mesh,
          change.resource,
          [change.resource],
          `removes ${change.resource}; what it allowed or denied is left to the other permissions (with mTLS on, traffic none allows is denied)`,
        ),
      );
    } else if (change.type === "MeshTLS") {
      risks.push(
        risk("mesh-tls-removed", change.mesh, change.resource, [change.resource], `removes ${change.resource}; TLS versions, ciphers and modes it set fall back to the defaults`),
      );
    }
  }
  return risks;
}

/**
 * The meshes where a live policy stays whatever the plan does: one the plan does not list. It is someone else's or
 * nobody's (written before meshops, or by kumactl: prune never deletes it), made or synced by a control plane, outside
 * the plan's scope, or owned but not pruned. Such a mesh is not emptied when the plan deletes every policy it lists
 * there: classifyPlanRisks' `keepPolicies` for a plan against a control plane. Only a plan that deletes reads `live`.
 */
export function meshesWithPoliciesLeftAlone(plan: Plan, live: Iterable<JsonObject>): Set<string> {
  return runSteps(meshesWithPoliciesLeftAloneSteps(plan, live));
}

/** meshesWithPoliciesLeftAlone as steps (util/steps.ts), for the daemon's gate: 50,000 live objects are 80 ms. */
export function* meshesWithPoliciesLeftAloneSteps(plan: Plan, live: Iterable<JsonObject>): Steps<Set<string>> {
  const meshes = new Set<string>();
  if (!plan.changes.some((c) => c.action === "delete")) return meshes;
  const listed = new Set<string>();
  for (let i = 0; i < plan.changes.length; i++) {
    listed.add((plan.changes[i] as Change).resource);
    if (stepDue(i, STEP)) yield;
  }
  let i = 0;
  for (const object of live) {
    const key = keyOfLive(object);
    if (key && isPolicyType(key.type) && !meshes.has(key.mesh) && !listed.has(subjectOf(key))) meshes.add(key.mesh);
    if (stepDue(i++, STEP)) yield;
  }
  return meshes;
}

/** The risks concerning one resource (it is deleted as part of them), for marking it in a list of changes. */
export function risksOf(resource: string, risks: readonly PlanRisk[]): PlanRisk[] {
  return risks.filter((r) => r.resource === resource || r.deletes.includes(resource));
}
