import type { Backend, ServerInfo, TypeInfo } from "../backend/types.js";
import { buildDesiredSteps, targetOf, type DesiredState } from "../desired/index.js";
import { isOwned } from "../desired/ownership.js";
import { classifyDrift, classifyDriftSteps, type DriftOptions, type DriftReport } from "../diff/drift.js";
import { planChanges, planChangesSteps, type Plan, type PlanOptions } from "../diff/plan.js";
import { runStepsSliced } from "../util/steps.js";
import type { JsonObject } from "../model/resource.js";
import { isSecretType } from "../kuma/types.js";
import type { ValidationResult } from "../validate/index.js";
import { liveServiceSubjects, unresolvedServiceReferences, type ServiceReference } from "../validate/services.js";
import { locatedGroups, meshNamesOf, meshesHoldingUnreadKinds, missingMeshGroups, olderLineWarnings, readLiveState, unservedKindGroups, type LackingWarnings } from "./live.js";
import { meshesLeaving, skipListsWithoutEffect } from "./meshes.js";
import { targetMismatches } from "../kuma/version.js";
import { minorLine } from "../kuma/versions.js";
import { kubernetesCollisions, systemNamespaceMismatch } from "../kuma/naming.js";
import { systemNamespaceOf } from "../config/repoConfig.js";

/** The desired state of a valid repository and the live state of one control plane, ready to plan or classify. */
export interface Comparison {
  readonly info: ServerInfo;
  /** The kinds the control plane serves (GET /_resources). */
  readonly types: readonly TypeInfo[];
  readonly desired: DesiredState;
  readonly live: readonly JsonObject[];
  /** How many live resources carry this instance's ownership label: the base of the prune percentage limit. */
  readonly ownedCount: number;
  /**
   * References to MeshServices neither the repository nor the control plane has: the first few shown as warnings, each
   * at its field (validate/services.ts unknownServiceWarnings), the rest counted.
   */
  readonly unknownReferences: readonly ServiceReference[];
  /**
   * Meshes whose Mesh prune could delete that hold a kind meshops does not read (a Dataplane, a legacy policy), or (a
   * scoped comparison, sync/scope.ts) anything outside the scope: their Mesh is kept.
   */
  readonly meshesHoldingOthers: ReadonlySet<string>;
  /**
   * What the control plane lacks, as warnings (sync/live.ts LackingWarnings: kinds it does not serve, meshes it does
   * not have, fields of a newer line): not told to onWarning, since `apply` says those it refuses for once, as errors
   * (withoutRefused).
   */
  readonly lacking: LackingWarnings;
}

export interface CompareOptions {
  /** Refuse a control plane whose API is read-only (before planning writes). */
  readonly needWrite: boolean;
  /** The last desired state built, when the caller keeps one (the daemon): meshes that did not change are reused. */
  readonly previous?: DesiredState;
  /** Told when the control plane is not the one meshops.yaml describes (version line or product): a warning. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Reads the control plane, then builds the desired state for its version, then lines the two up: the one place
 * `plan`, `drift`, `apply` and the daemon start. Listing is mostly waiting for the control plane, so the requests go
 * on the wire first and the desired state (CPU-bound, a third of a second for 50,000 resources) is built while the
 * answers come in, in slices (util/steps.ts) so that a daemon keeps answering meanwhile.
 */
export async function compare(backend: Backend, result: ValidationResult, options: CompareOptions): Promise<Comparison> {
  if (!result.valid) throw new Error("compare() needs a valid repository");
  const [info, types] = await Promise.all([backend.info(), backend.types()]);
  for (const warning of targetMismatches(result.config.controlPlane, info)) options.onWarning?.(warning);
  const secretsOptional = !result.resources.some((r) => isSecretType(r.type));
  const listing = readLiveState(backend, { needWrite: options.needWrite, types, config: result.config, secretsOptional, ...(info.environment ? { environment: info.environment } : {}) });
  // Observed now: a refusal (a read-only API) rejects before the await below, and unobserved would end the process.
  listing.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  const desired = await runStepsSliced(buildDesiredSteps(result.resources, result.config, targetOf(result.config, info), options.previous));
  const unserved = unservedKindGroups(desired.resources, types, minorLine(info.basedOnKuma ?? info.version));
  const olderLine = await olderLineWarnings(desired.resources, result.config.controlPlane.version, info.basedOnKuma ?? info.version, result.texts);
  // On Kubernetes a name is unique per namespace, not per mesh: what would overwrite itself cannot be in sync.
  if (info.environment === "kubernetes") for (const warning of kubernetesCollisions(desired.resources)) options.onWarning?.(warning);
  const live = await listing;
  const lacking: LackingWarnings = { groups: await locatedGroups([...unserved, ...missingMeshGroups(desired.resources, meshNamesOf(live))], result.texts), ...olderLine };
  if (info.environment === "kubernetes") {
    const mismatch = systemNamespaceMismatch(live, systemNamespaceOf(result.config));
    if (mismatch) options.onWarning?.(mismatch);
  }
  const owned = (o: JsonObject) => isOwned(o, result.config.instance, result.config.controlPlane.mode);
  const ownedCount = live.filter(owned).length;
  for (const warning of skipListsWithoutEffect(desired.resources, live, [systemNamespaceOf(result.config)], owned)) options.onWarning?.(warning);
  // A Mesh this instance owns and no longer defines is one prune would delete, with everything in it.
  const prunable = meshesLeaving(desired, live.filter((o) => o.type === "Mesh" && typeof o.name === "string" && owned(o)).map((o) => o.name as string));
  const meshesHoldingOthers = await meshesHoldingUnreadKinds(backend, types, prunable, result.config, options.onWarning);
  // Worked out when first read (the CLI's plan, apply and drift): the daemon checks the references against its live
  // cache, in steps, and 45,000 of them at once are a long turn of its event loop.
  let unknownReferences: readonly ServiceReference[] | undefined;
  return {
    info,
    types,
    desired,
    live,
    ownedCount,
    meshesHoldingOthers,
    lacking,
    get unknownReferences() {
      return (unknownReferences ??= result.serviceReferences.length > 0 ? unresolvedServiceReferences(result.serviceReferences, liveServiceSubjects(live)) : []);
    },
  };
}

export function planFor(comparison: Comparison, options: PlanOptions): Plan {
  return planChanges(comparison.desired.resources, comparison.live, { ...options, meshesInUse: comparison.meshesHoldingOthers });
}

export function driftFor(comparison: Comparison, options: DriftOptions): DriftReport {
  return classifyDrift(comparison.desired.resources, comparison.live, options);
}

/** planFor in slices of the event loop's time (util/steps.ts): for the daemon, which must keep answering its probes. */
export function planInSlices(comparison: Comparison, options: PlanOptions): Promise<Plan> {
  return runStepsSliced(planChangesSteps(comparison.desired.resources, comparison.live, { ...options, meshesInUse: comparison.meshesHoldingOthers }));
}

/** driftFor in slices of the event loop's time. */
export function driftInSlices(comparison: Comparison, options: DriftOptions): Promise<DriftReport> {
  return runStepsSliced(classifyDriftSteps(comparison.desired.resources, comparison.live, options));
}
