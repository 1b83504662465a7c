/**
 * What is left after a plan is applied, worked out from the plan and the change set instead of listing the control
 * plane again: the writes a plan holds, a plan narrowed to some meshes, and the drift that remains. Pure.
 */
import { classifyDriftSteps, driftReportOf, type DriftKind, type DriftOptions, type DriftReport } from "../diff/drift.js";
import { indexLiveSteps } from "../diff/pair.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import { planOf, type Change, type Plan } from "../diff/plan.js";
import { subjectOf } from "../model/key.js";
import type { JsonObject, Resource } from "../model/resource.js";
import type { ChangeSet } from "./apply.js";
import type { Comparison } from "./reconcile.js";

/** Drift that means the control plane no longer matches the repository (unmanaged resources are only reported). */
export function isActionable(kind: DriftKind): boolean {
  return kind !== "unmanaged";
}

/** A plan narrowed to the changes `keep` accepts, with its summary recounted. */
export function restrictPlan(plan: Plan, keep: (change: Change) => boolean): Plan {
  return planOf(plan.changes.filter(keep));
}

export function writesOf(plan: Plan): number {
  return plan.summary.create + plan.summary.update + plan.summary.delete;
}

/**
 * The drift left after an apply: the items found before it, minus those an applied change fixed. Saves listing the
 * whole control plane a second time right after writing to it.
 */
export function remainingDrift(before: DriftReport, changes: ChangeSet | undefined): DriftReport {
  const fixed = appliedResources(changes);
  return driftReportOf(
    before.items.filter((i) => !fixed.has(i.resource)),
    before.leftAlone,
  );
}

/**
 * What classifyDrift would say of the control plane right after applying `plan` (the same as remainingDrift of a
 * full classification), without classifying, and diffing, the tens of thousands of resources the plan found
 * unchanged: only the desired resources whose write did not go through and the live ones that are not desired
 * (orphaned or unmanaged, minus those just deleted) are classified. Plan and drift pair and normalize alike, so a
 * resource the plan left unchanged is never drift.
 */
export function driftAfterApply(comparison: Comparison, plan: Plan, changes: ChangeSet | undefined, options: DriftOptions): DriftReport {
  return runSteps(driftAfterApplySteps(comparison, plan, changes, options));
}

/** driftAfterApply as steps (util/steps.ts): each pass over the plan, the desired and the live state in steps of its own. */
export function* driftAfterApplySteps(comparison: Comparison, plan: Plan, changes: ChangeSet | undefined, options: DriftOptions): Steps<DriftReport> {
  const applied = yield* appliedResourcesSteps(changes);
  const pending = new Set<string>();
  for (const [i, c] of plan.changes.entries()) {
    if ((c.action === "create" || c.action === "update") && !applied.has(c.resource)) pending.add(c.resource);
    if (stepDue(i, STEP)) yield;
  }
  const desiredKeys = new Set<string>();
  const desired: Resource[] = [];
  for (const [i, resource] of comparison.desired.resources.entries()) {
    const subject = subjectOf(resource);
    desiredKeys.add(subject);
    if (pending.has(subject)) desired.push(resource);
    if (stepDue(i, STEP)) yield;
  }
  const live: JsonObject[] = [];
  let i = 0;
  for (const [subject, entry] of yield* indexLiveSteps(comparison.live)) {
    if (pending.has(subject) || (!desiredKeys.has(subject) && !applied.has(subject))) live.push(entry.object);
    if (stepDue(i++, STEP)) yield;
  }
  return yield* classifyDriftSteps(desired, live, options);
}

/** Items per step of the passes above: a set lookup or two each. */
const STEP = 1024;

function appliedResources(changes: ChangeSet | undefined): Set<string> {
  return runSteps(appliedResourcesSteps(changes));
}

/** The subjects of the changes that were applied, in steps: after an initial apply they are 50,000. */
function* appliedResourcesSteps(changes: ChangeSet | undefined): Steps<Set<string>> {
  const applied = new Set<string>();
  for (const [i, result] of (changes?.results ?? []).entries()) {
    if (result.outcome === "applied") applied.add(result.change.resource);
    if (stepDue(i, STEP)) yield;
  }
  return applied;
}
