import type { Backend, ServerInfo } from "../backend/types.js";
import { buildDesired, targetOf, type DesiredState } from "../desired/index.js";
import { isOwned } from "../desired/ownership.js";
import { classifyDrift, type DriftReport } from "../diff/drift.js";
import { planChanges, type Plan } from "../diff/plan.js";
import type { JsonObject } from "../model/resource.js";
import type { ValidationResult } from "../validate/index.js";
import { readLiveState } from "./live.js";

/** The desired state of a valid repository and the live state of one control plane, ready to plan or classify. */
export interface Comparison {
  readonly info: ServerInfo;
  readonly desired: DesiredState;
  readonly live: readonly JsonObject[];
  /** How many live resources carry this instance's ownership label: the base of the prune percentage limit. */
  readonly ownedCount: number;
}

export interface CompareOptions {
  /** Refuse a control plane whose API is read-only (before planning writes). */
  readonly needWrite: boolean;
  /** The last desired state built, when the caller keeps one (the daemon): meshes that did not change are reused. */
  readonly previous?: DesiredState;
}

/**
 * Reads the control plane, then builds the desired state for its version, then lines the two up: the one place
 * `plan`, `drift`, `apply` and the daemon start. Listing is mostly waiting for the control plane, so the requests go
 * on the wire first and the desired state (CPU-bound, a third of a second for 50,000 resources) is built while the
 * answers come in.
 */
export async function compare(backend: Backend, result: ValidationResult, options: CompareOptions): Promise<Comparison> {
  if (!result.valid) throw new Error("compare() needs a valid repository");
  const [info, types] = await Promise.all([backend.info(), backend.types()]);
  const listing = readLiveState(backend, { needWrite: options.needWrite, types, config: result.config });
  // Observed now: a refusal (a read-only API) rejects before the await below, and unobserved would end the process.
  listing.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  const desired = buildDesired(result.resources, result.config, targetOf(result.config, info), options.previous);
  const live = await listing;
  const ownedCount = live.filter((o) => isOwned(o, result.config.instance)).length;
  return { info, desired, live, ownedCount };
}

export function planFor(comparison: Comparison, instance: string, prune: boolean): Plan {
  return planChanges(comparison.desired.resources, comparison.live, { instance, prune });
}

export function driftFor(comparison: Comparison, instance: string): DriftReport {
  return classifyDrift(comparison.desired.resources, comparison.live, { instance });
}
