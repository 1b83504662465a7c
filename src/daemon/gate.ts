/**
 * Per-mesh gates of the daemon (issue 15): one tenant's problem never holds back another's change.
 *
 * - An invalid commit blocks only the meshes its errors are about: the others get the new revision, an invalid mesh
 *   keeps the resources of the last revision that was valid for it. An error no mesh can be named for (meshops.yaml,
 *   a file that does not parse far enough to say what it holds) blocks the whole repository.
 * - A plan the pull-request guard flags (diff/risk.ts: a Mesh deleted, a mesh's policies all removed, a
 *   MeshTrafficPermission or MeshTLS removed) or one deleting more than the prune limits allow is held, in the meshes
 *   concerned only, until a person approves that very plan (its fingerprint) of that revision of that mesh. The same
 *   revision can plan other changes later (the control plane drifted further): those were not shown, so not approved,
 *   and the approval is dropped (it is not given back should the plan turn into the approved one again).
 * - A suspended mesh (meshops.yaml `suspend:`, or the API) is neither applied nor corrected.
 *
 * Pure: functions of a validation result, a plan and the approvals given. The gate of a plan also comes as steps
 * (gatePlanSteps), which the daemon runs in slices.
 */
import type { RepoConfig } from "../config/repoConfig.js";
import type { DesiredState } from "../desired/index.js";
import { classifyPlanRisks, meshesWithPoliciesLeftAloneSteps } from "../diff/risk.js";
import { driftReportOf, type DriftReport } from "../diff/drift.js";
import { groupBy } from "../diff/pair.js";
import type { Change, Plan } from "../diff/plan.js";
import { digestOf, fingerprintOfSteps } from "../diff/savedPlan.js";
import { redact } from "../kuma/secretFields.js";
import { placedSaidOf, type Diagnostic } from "../model/diagnostic.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { describeUnit, meshOfSubject, nameOfUnit } from "../model/key.js";
import { pruneLimitExceeded, type PruneLimits } from "../sync/limits.js";
import { restrictPlan } from "../sync/remaining.js";
import type { ValidationResult } from "../validate/index.js";
import type { FileTexts } from "../validate/services.js";
import type { HeldChange, PendingApproval } from "./statusTypes.js";
import { shortRevision } from "../model/revision.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";

/** Which meshes a revision's errors block, one line of reason each; or the whole repository. */
export interface Invalidity {
  /** Set when an error cannot be pinned on a mesh: nothing of the revision is applied. */
  readonly repositoryWide: string | null;
  readonly byMesh: ReadonlyMap<string, string>;
}

/**
 * The meshes a subject list (`Type/mesh/name`, `Mesh/name`, comma-separated) is about; undefined if one is not a
 * subject. A document without a name (`Type/mesh/`, a missing-name error) is about the mesh it names: one team's
 * document without `name:` holds that team's mesh, not every tenant's.
 */
export function meshesOfSubjects(resource: string): string[] | undefined {
  if (resource === "") return undefined;
  const meshes: string[] = [];
  for (const subject of resource.split(", ")) {
    const mesh = meshOfSubject(subject);
    if (mesh === undefined) return undefined;
    meshes.push(mesh);
  }
  return meshes;
}

/** The meshes the errors of a validation are about (warnings block nothing). */
export function invalidityOf(diagnostics: readonly Diagnostic[], revision: string): Invalidity {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const byMesh = new Map<string, Diagnostic[]>();
  const unplaced: Diagnostic[] = [];
  for (const d of errors) {
    const meshes = meshesOfSubjects(d.resource);
    if (!meshes) unplaced.push(d);
    else {
      for (const mesh of new Set(meshes)) {
        const list = byMesh.get(mesh);
        if (list) list.push(d);
        else byMesh.set(mesh, [d]);
      }
    }
  }
  const at = shortRevision(revision);
  const reasons = new Map([...byMesh].map(([mesh, list]) => [mesh, `${countOf(list.length, "validation error")} at ${at}, first ${where(list[0])}`]));
  const repositoryWide = unplaced.length > 0 ? `${countOf(unplaced.length, "error")} no mesh can be named for at ${at} (the whole repository waits), first ${where(unplaced[0])}` : null;
  return { repositoryWide, byMesh: reasons };
}

/**
 * Meshes whose plan writes what the control plane lacks (sync/live.ts lackedInPlan, each part located at its field):
 * held, nothing of them written, one line of reason each, as `apply` refuses such a plan: writing up to the first
 * refusal would leave the mesh half-applied. `controlPlane` names it ("the control plane (Kuma 2.11.4)").
 */
export function lackingByMesh(located: readonly Diagnostic[], controlPlane: string): Map<string, string> {
  const byMesh = groupBy(located, (d) => meshOfSubject(d.resource) ?? "");
  const reasons = new Map<string, string>();
  for (const [mesh, list] of byMesh) {
    const held = `${countOf(new Set(list.map((d) => d.resource)).size, "resource")} ${list.length === 1 ? "holds" : "hold"} what ${controlPlane} does not have`;
    reasons.set(mesh, `${held}, nothing of it written until the control plane has it or the repository changes; first ${where(list[0])}`);
  }
  return reasons;
}

/**
 * What the daemon applies when some meshes of `next` are invalid: `next` everywhere else, and in an invalid mesh what
 * the last target had there (nothing, when it had none: such a mesh is left alone, see `unplannable`).
 */
export function composeTarget(next: ValidationResult, previous: ValidationResult | undefined, invalid: ReadonlySet<string>): ValidationResult {
  if (invalid.size === 0) return next;
  const kept = (mesh: string) => !invalid.has(mesh);
  const older = previous?.resources.filter((r) => !kept(r.mesh)) ?? [];
  const resources = [...next.resources.filter((r) => kept(r.mesh)), ...older];
  const serviceReferences = [
    ...next.serviceReferences.filter((s) => kept(s.resource.mesh)),
    ...(previous?.serviceReferences.filter((s) => !kept(s.resource.mesh)) ?? []),
  ];
  const texts = next.texts && older.length > 0 ? new HeadTexts(next.texts, invalid) : next.texts;
  return { ...next, resources, serviceReferences, valid: true, ...(texts ? { texts } : {}) };
}

/**
 * The head's texts, which the invalid meshes' resources were not read from: an earlier revision wrote those, whose
 * text of the file may differ from the head's, so nothing of theirs is located in it (their warnings stay at their
 * documents). A file they share with a valid mesh is still read for that mesh's. Not the earlier revision's texts:
 * each target would hold on to its predecessor's, every revision a mesh stays invalid.
 */
class HeadTexts implements FileTexts {
  readonly #texts: FileTexts;
  readonly #invalid: ReadonlySet<string>;

  constructor(texts: FileTexts, invalid: ReadonlySet<string>) {
    this.#texts = texts;
    this.#invalid = invalid;
  }

  read(files: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.#texts.read(files);
  }

  /** The target's resources of an invalid mesh are the kept ones (composeTarget). */
  holds(resource: Resource): boolean {
    return !this.#invalid.has(resource.mesh) && (this.#texts.holds?.(resource) ?? true);
  }
}

/** Invalid meshes the last target had nothing of: their live resources must not be planned against an empty mesh. */
export function unplannable(invalid: ReadonlySet<string>, previous: ValidationResult | undefined): Set<string> {
  if (invalid.size === 0) return new Set(); // the common case, without a pass over every resource
  const known = new Set(previous?.resources.map((r) => r.mesh) ?? []);
  return new Set([...invalid].filter((mesh) => !known.has(mesh)));
}

/**
 * The revision each invalid mesh's resources are from (composeTarget keeps the last target's there): what a drift
 * correction of the mesh re-applies, so what it is recorded against. An unplannable mesh has none.
 */
export function keptRevisions<C>(invalid: ReadonlySet<string>, previous: { readonly commit: C; readonly kept: ReadonlyMap<string, C> } | undefined, unplannableMeshes: ReadonlySet<string>): Map<string, C> {
  const kept = new Map<string, C>();
  if (!previous) return kept;
  for (const mesh of invalid) if (!unplannableMeshes.has(mesh)) kept.set(mesh, previous.kept.get(mesh) ?? previous.commit);
  return kept;
}

/**
 * The drift shown of a run: an unplannable mesh's live resources are not compared (there is no valid revision of it to
 * compare with, and `drift` refuses the invalid repository), so they are not "orphaned". The reconciler keeps the
 * whole report as its incremental base, so the mesh is planned whole once it is valid.
 */
export function comparableDrift(report: DriftReport, unplannableMeshes: ReadonlySet<string>): DriftReport {
  if (unplannableMeshes.size === 0) return report;
  const comparable = (item: { readonly mesh: string }) => !unplannableMeshes.has(item.mesh);
  return driftReportOf(report.items.filter(comparable), report.leftAlone.filter(comparable));
}

/** A plan held for a person, as the reconciler records it (the status adds since when). */
export type HeldPlan = Omit<PendingApproval, "since">;

export interface GateInput {
  readonly plan: Plan;
  /** The desired state planned: an incremental plan lists only changed subjects, the guard needs the whole mesh. */
  readonly desired: DesiredState;
  /** The control plane's objects: a policy the plan does not list (not meshops' to prune) stays in its mesh. */
  readonly live: Iterable<JsonObject>;
  readonly ownedCount: number;
  readonly limits: RepoConfig["prune"] & Pick<PruneLimits, "flags">;
  readonly revision: string;
  /** Meshes nothing is written to in this run (suspended, invalid without a last revision). */
  readonly closed: ReadonlySet<string>;
  /** The plan (planFingerprint) a person approved of this revision of this mesh, if one did. */
  readonly approved: (mesh: string) => string | undefined;
  /** The plan of an approval of this revision of this mesh dropped earlier (see GateOutput.dropped); absent: none. */
  readonly dropped?: (mesh: string) => string | undefined;
}

export interface GateOutput {
  /** What may be written. */
  readonly plan: Plan;
  /** Meshes held for approval, and why. */
  readonly held: ReadonlyMap<string, HeldPlan>;
  /** Meshes whose approval names another plan than the one planned now: it no longer applies, to be dropped. */
  readonly dropped: ReadonlyMap<string, { readonly approved: string; readonly plan: string }>;
  /**
   * Meshes the guard flags that their approval releases, with the plan each would be held with without it: the
   * approval is to be recorded as used before they are written (controls.ts spend), or they are held after all.
   */
  readonly released: ReadonlyMap<string, HeldPlan>;
}

/** Changes per held mesh shown on the page at most. */
export const MAX_HELD_CHANGES = 50;

export function gatePlan(input: GateInput): GateOutput {
  return runSteps(gatePlanSteps(input));
}

/**
 * gatePlan as steps (util/steps.ts), for the daemon: a held mesh of 50,000 updates is that many objects redacted and
 * hashed, 600 ms in one turn; here a few hundred per step.
 */
export function* gatePlanSteps(input: GateInput): Steps<GateOutput> {
  const { closed } = input;
  const open = closed.size === 0 ? input.plan : restrictPlan(input.plan, (c) => !closed.has(c.mesh));
  const reasons = new Map<string, string[]>();
  const flag = (mesh: string, reason: string) => reasons.set(mesh, [...(reasons.get(mesh) ?? []), reason]);
  const deleting = new Set(open.changes.filter((c) => c.action === "delete").map((c) => c.mesh));
  if (deleting.size > 0) {
    // Each pass below is tens of milliseconds at 50,000 changes: a step of its own at least.
    const whole = withWholeMeshes(open, input.desired, deleting);
    yield;
    const leftAlone = yield* meshesWithPoliciesLeftAloneSteps(whole, input.live);
    for (const risk of classifyPlanRisks(whole, leftAlone)) flag(risk.mesh, risk.message);
    const limit = pruneLimitExceeded(open.summary.delete, input.ownedCount, input.limits);
    if (limit) for (const mesh of deleting) flag(mesh, limit);
    yield;
  }
  // One pass for every held mesh, not one per mesh: a commit past the prune limit flags every mesh that deletes.
  const flagged = groupBy(open.changes.filter((c) => c.action !== "unchanged" && reasons.has(c.mesh)), (c) => c.mesh);
  const held = new Map<string, HeldPlan>();
  const dropped = new Map<string, { approved: string; plan: string }>();
  const released = new Map<string, HeldPlan>();
  for (const [mesh, list] of [...reasons].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const changes = flagged.get(mesh) ?? [];
    const plan = yield* planFingerprintSteps(changes);
    const approved = input.approved(mesh);
    if (approved === plan) {
      released.set(mesh, heldPlan(input.revision, plan, list, changes));
      continue;
    }
    if (approved !== undefined) dropped.set(mesh, { approved, plan });
    // Said as long as the plan held is not the one approved, by the run that drops the approval and the later ones.
    const before = approved ?? input.dropped?.(mesh);
    const why = before === undefined || before === plan ? list : [...list, changedSinceApproval(input.revision, before, plan)];
    held.set(mesh, heldPlan(input.revision, plan, why, changes));
  }
  return { plan: held.size === 0 ? open : restrictPlan(open, (c) => !held.has(c.mesh)), held, dropped, released };
}

/**
 * The gate with its released meshes held after all, for `why` (their approval could not be recorded as used: applied
 * now, a restart would find it unused and apply it again). Pure.
 */
export function holdReleased(gate: GateOutput, why: string): GateOutput {
  if (gate.released.size === 0) return gate;
  const held = new Map(gate.held);
  for (const [mesh, plan] of gate.released) held.set(mesh, { ...plan, reasons: [...plan.reasons, why] });
  return { plan: restrictPlan(gate.plan, (c) => !gate.released.has(c.mesh)), held, dropped: gate.dropped, released: new Map() };
}

/**
 * What an approval binds to: a digest of each change's subject (kind, mesh, name), action and, for a write, the object
 * written. The objects are redacted first: the fingerprint is shown on the page, and a digest of a weak secret can be
 * guessed offline; within one revision a secret's value cannot change (it is the revision's), so nothing is missed.
 */
export function planFingerprint(changes: readonly Change[]): string {
  return runSteps(planFingerprintSteps(changes));
}

/** Changes fingerprinted between two yields: a write's object is redacted and hashed, tens of microseconds each. */
const CHANGES_PER_STEP = 128;

/** planFingerprint as steps. */
function* planFingerprintSteps(changes: readonly Change[]): Steps<string> {
  const digests = new Map<string, string>();
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i] as Change;
    digests.set(c.resource, `${c.action} ${c.desired ? digestOf(redact(c.desired)) : "-"}`);
    if (stepDue(i, CHANGES_PER_STEP)) yield;
  }
  return yield* fingerprintOfSteps(digests);
}

/** A plan fingerprint as logs and messages show it. */
export function shortPlan(plan: string): string {
  return plan.slice(0, 12);
}

/** What a person can do about a held mesh, for logs and the page. */
export function approvalRemedy(mesh: string, held: Pick<HeldPlan, "revision" | "plan">): string {
  return (
    `approve revision ${shortRevision(held.revision)}, plan ${shortPlan(held.plan)}, of ${describeUnit(mesh)} on the status page or with ` +
    `POST /api/meshes/${nameOfUnit(mesh)}/approve {"revision": "${held.revision}", "plan": "${held.plan}"} ` +
    `(needs --reconcile-token-file); or raise prune.maxDeletes / prune.maxDeletePercent in meshops.yaml or watch's --max-deletes / --max-delete-percent`
  );
}

/** Why an approval of `revision` no longer applies, for logs and messages. */
export function planChangedSinceApproval(revision: string, approved: string, plan: string): string {
  return `plan changed since approval: plan ${shortPlan(approved)} of revision ${shortRevision(revision)} was approved, the revision now plans ${shortPlan(plan)}`;
}

function changedSinceApproval(revision: string, approved: string, plan: string): string {
  return (
    `${planChangedSinceApproval(revision, approved, plan)} (the control plane changed since the plan was shown); the approval is dropped and nothing of it ` +
    `applied: review the changes held now, and approve plan ${shortPlan(plan)} if they are meant`
  );
}

/** The plan with an `unchanged` entry for every desired resource of `meshes` it does not list (see GateInput.desired). */
function withWholeMeshes(plan: Plan, desired: DesiredState, meshes: ReadonlySet<string>): Plan {
  const listed = new Set(plan.changes.map((c) => c.resource));
  const changes: Change[] = [...plan.changes];
  for (const mesh of meshes) {
    for (const [subject, r] of desired.meshes.get(mesh)?.byKey ?? []) {
      if (!listed.has(subject)) changes.push({ action: "unchanged", resource: subject, type: r.type, mesh: r.mesh, name: r.name, diff: "" });
    }
  }
  return { ...plan, changes };
}

function heldPlan(revision: string, plan: string, reasons: readonly string[], changes: readonly Change[]): HeldPlan {
  const count = (action: Change["action"]) => changes.filter((c) => c.action === action).length;
  const shown = changes.slice(0, MAX_HELD_CHANGES).map((c) => ({ action: c.action as HeldChange["action"], resource: c.resource, diff: c.diff }));
  return { revision, plan, reasons, summary: { create: count("create"), update: count("update"), delete: count("delete") }, changes: shown, truncated: changes.length - shown.length };
}

function where(d: Diagnostic | undefined): string {
  return d ? placedSaidOf(d) : "";
}

function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
