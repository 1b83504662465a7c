import type { Backend, ServerInfo } from "../backend/types.js";
import { classifyDrift, type DriftReport } from "../diff/drift.js";
import { isOwned, planChanges, type Plan } from "../diff/plan.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { desiredStateOf, type ValidationResult } from "../validate/index.js";
import { readLiveState } from "./live.js";
import { forTargetVersion, kumaMajor } from "./version.js";

/** The desired state of a valid repository and the live state of one control plane, ready to plan or classify. */
export interface Comparison {
  readonly info: ServerInfo;
  readonly major: number;
  readonly desired: readonly Resource[];
  readonly live: readonly JsonObject[];
  /** How many live resources carry this instance's ownership label: the base of the prune percentage limit. */
  readonly ownedCount: number;
}

export interface CompareOptions {
  /** Refuse a control plane whose API is read-only (before planning writes). */
  readonly needWrite: boolean;
  /**
   * The desired state for a control plane of this major version, when the caller builds it itself (the daemon
   * rebuilds only what changed since its last build). Default: the repository's, built from scratch.
   */
  readonly desired?: (major: number) => readonly Resource[];
}

/** Reads the control plane and lines it up with a valid validation result. The one place both `plan` and `drift` start. */
export async function compare(backend: Backend, result: ValidationResult, options: CompareOptions): Promise<Comparison> {
  if (!result.valid) throw new Error("compare() needs a valid repository");
  const [info, types] = await Promise.all([backend.info(), backend.types()]);
  const major = kumaMajor(info, result.config.controlPlane.version);
  // Listing is mostly waiting for the control plane: put the requests on the wire, then build the desired state
  // (CPU-bound, a third of a second for 50,000 resources) while the answers come in.
  const liveState = readLiveState(backend, { needWrite: options.needWrite, types });
  // Observed now: a refusal (a read-only API) rejects before the await below, and unobserved would end the process.
  liveState.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  const desired = options.desired
    ? options.desired(major)
    : forTargetVersion((desiredStateOf(result) as NonNullable<ReturnType<typeof desiredStateOf>>).resources, major);
  const live = await liveState;
  const ownedCount = live.filter((o) => isOwned(o, result.config.instance)).length;
  return { info, major, desired, live, ownedCount };
}

export function planFor(comparison: Comparison, instance: string, prune: boolean): Plan {
  return planChanges(comparison.desired, comparison.live, { instance, prune });
}

export function driftFor(comparison: Comparison, instance: string): DriftReport {
  return classifyDrift(comparison.desired, comparison.live, { instance });
}
