/**
 * Drift: how the control plane differs from the repository, in four kinds (PRODUCT.md, `drift`):
 * - missing: desired but absent;
 * - modified: present but different after normalization (an edit made outside Git, or not yet applied);
 * - orphaned: owned by this instance but no longer desired;
 * - unmanaged: present, not desired and not owned (reported, never touched).
 * What the control plane generated or another control plane synced to it (kuma/controlPlaneMade.ts), unless this
 * instance owns it, is not unmanaged: it is left alone and only counted (`leftAlone`), as a zone holds thousands.
 * Pure, and built on the same pairing, normalization and diff as the plan, so `drift` and `plan` never disagree.
 */
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import type { UnmanagedSelector } from "../config/repoConfig.js";
import { adopts, isOwned, withOwnershipLabelOf } from "../desired/ownership.js";
import { isControlPlaneDefault } from "../kuma/naming.js";
import { compareWriteOrder } from "../kuma/order.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { normalize } from "./normalize.js";
import { pairWithLiveSteps, tally, type Pair } from "./pair.js";
import { STEP, unifiedDiff } from "./plan.js";
import { ignoredPathsMatcher, selectorMatcher } from "./ignore.js";
import { wantedOver } from "./wanted.js";
import type { IgnoreDifferencesRule, IgnorePath } from "../config/ignoreDifferences.js";
import { isServerCreated } from "../kuma/defaultPolicies.js";
import { CONTROL_PLANE_SOURCES, controlPlaneSource, type ControlPlaneMode, type ControlPlaneSource } from "../kuma/controlPlaneMade.js";

export const DRIFT_KINDS = ["missing", "modified", "orphaned", "unmanaged"] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItem {
  kind: DriftKind;
  /** `Type/mesh/name`, or `Mesh/name`. */
  resource: string;
  type: string;
  mesh: string;
  name: string;
  /**
   * A modified resource the control plane holds without an ownership label (desired/ownership.ts isUnlabelled): apply
   * adopts it, as plan's `Change.adopts` says.
   */
  adopts?: true;
  /** Of an adoption: meshops' ownership label is the only difference, nothing was changed outside Git. */
  ownershipLabelOnly?: true;
  /** Unified diff (live → desired) of the normalized, redacted objects as YAML. */
  diff: string;
}

export interface DriftSummary {
  missing: number;
  modified: number;
  orphaned: number;
  unmanaged: number;
}

/** A live resource nothing desires that the control plane generated or another one synced: not drift, only counted. */
export interface LeftAloneItem {
  readonly resource: string;
  readonly mesh: string;
  readonly source: ControlPlaneSource;
}

export interface DriftReport {
  summary: DriftSummary;
  items: DriftItem[];
  /** Listed for the daemon's per-mesh counts and incremental updates; reports show only their counts. */
  leftAlone: LeftAloneItem[];
  /**
   * Resources read SOPS-encrypted (no key given) that the control plane holds: their encrypted values were taken as it
   * has them, so whether those changed is unknown (plan's `unknownValues`). Absent when there are none.
   */
  unknownValues?: string[];
}

/** How many resources were left alone, by source: what reports show instead of one line each. */
export type LeftAloneSummary = Record<ControlPlaneSource, number>;

export interface DriftOptions {
  readonly instance: string;
  /** meshops.yaml's drift.ignoreUnmanaged: unmanaged resources left out of the report. None when absent. */
  readonly ignoreUnmanaged?: readonly UnmanagedSelector[];
  /** meshops.yaml's ignoreDifferences: fields compared as the live side has them. */
  readonly ignore?: readonly IgnoreDifferencesRule[];
  /** Where a Kubernetes zone creates its default policies (`<prefix>-<mesh>.<namespace>`); none on Universal. */
  readonly systemNamespaces?: readonly string[];
  /** meshops.yaml's controlPlane.mode: which origin is another control plane's. Default zone. */
  readonly mode?: ControlPlaneMode;
}

/** The drift options meshops.yaml sets. */
export function driftOptionsOf(config: {
  readonly instance: string;
  readonly controlPlane?: { readonly mode: ControlPlaneMode };
  readonly drift: { readonly ignoreUnmanaged: readonly UnmanagedSelector[] };
  readonly ignoreDifferences?: readonly IgnoreDifferencesRule[];
  readonly systemNamespaces?: readonly string[];
}): DriftOptions {
  return {
    instance: config.instance,
    ignoreUnmanaged: config.drift.ignoreUnmanaged,
    ...(config.ignoreDifferences?.length ? { ignore: config.ignoreDifferences } : {}),
    ...(config.systemNamespaces ? { systemNamespaces: config.systemNamespaces } : {}),
    ...(config.controlPlane ? { mode: config.controlPlane.mode } : {}),
  };
}

/** Classifies every difference; items in write order (Mesh, destinations, routes, policies; then mesh, type, name). */
export function classifyDrift(desired: readonly Resource[], live: readonly JsonObject[], options: DriftOptions): DriftReport {
  return runSteps(classifyDriftSteps(desired, live, options));
}

/** classifyDrift as steps (util/steps.ts), a few hundred subjects each. */
export function* classifyDriftSteps(desired: readonly Resource[], live: readonly JsonObject[], options: DriftOptions): Steps<DriftReport> {
  const ignored = unmanagedMatcher(options.ignoreUnmanaged ?? [], options.systemNamespaces ?? []);
  const ignoredPaths = ignoredPathsMatcher(options.ignore);
  const mode = options.mode ?? "zone";
  const items: DriftItem[] = [];
  const leftAlone: LeftAloneItem[] = [];
  const unknownValues: string[] = [];
  const pairs = yield* pairWithLiveSteps(desired, live);
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as Pair;
    const { subject, type, mesh, name, desired: resource, live: current } = pair;
    if (stepDue(i, STEP)) yield;
    const key = { resource: subject, type, mesh, name };
    // Compared as plan compares (diff/wanted.ts): only drifted resources need normalized copies.
    const ignoredHere = resource && current ? ignoredPaths(pair, current.object) : undefined;
    const compared = resource && current ? wantedOver(resource, current.object, ignoredHere) : undefined;
    if (resource?.sealed && current) unknownValues.push(subject);
    if (resource && !current) items.push({ kind: "missing", ...key, diff: unifiedDiff(subject, undefined, normalize(resource.object)) });
    else if (resource && current && compared && !compared.same) {
      const adoption = adoptionOf(resource, current.object, compared.wanted, ignoredHere);
      items.push({ kind: "modified", ...key, ...adoption, diff: unifiedDiff(subject, normalize(current.object), normalize(compared.wanted)) });
    } else if (!resource && current) {
      if (isServerCreated(current.object)) continue;
      const owned = isOwned(current.object, options.instance, mode);
      // Owned first: plan --prune deletes what this instance owns (never what another control plane synced: isOwned),
      // so drift calls it orphaned even when the control plane generated it.
      const source = owned ? undefined : controlPlaneSource(current.object, mode);
      if (source !== undefined) {
        leftAlone.push({ resource: subject, mesh, source });
        continue;
      }
      const kind: DriftKind = owned ? "orphaned" : "unmanaged";
      if (kind === "unmanaged" && ignored(key, current.object)) continue;
      items.push({ kind, ...key, diff: unifiedDiff(subject, normalize(current.object), undefined) });
    }
  }
  items.sort(compareWriteOrder);
  return { ...driftReportOf(items, leftAlone), ...(unknownValues.length > 0 ? { unknownValues } : {}) };
}

/**
 * Whether writing `wanted` over `live` adopts it (it stamps the ownership label `live` lacks, as plan's `adopts`), and
 * whether that label is all it writes: compared as above, with the label put on the live side.
 */
function adoptionOf(resource: Resource, live: JsonObject, wanted: JsonObject, ignored: readonly IgnorePath[] | undefined): Pick<DriftItem, "adopts" | "ownershipLabelOnly"> {
  if (!adopts(live, wanted)) return {};
  return wantedOver(resource, withOwnershipLabelOf(live, wanted), ignored).same ? { adopts: true, ownershipLabelOnly: true } : { adopts: true };
}

type Key = { readonly type: string; readonly mesh: string; readonly name: string };

/** Whether any selector matches a resource (names as ignore.ts selectorMatcher matches them); globs compiled once. */
function unmanagedMatcher(selectors: readonly UnmanagedSelector[], systemNamespaces: readonly string[]): (key: Key, live: JsonObject) => boolean {
  const matchers = selectors.map((s) => {
    const matches = selectorMatcher(s);
    return (k: Key, live: JsonObject) => matches(k, live) && (!s.defaultPolicy || isControlPlaneDefault(k, systemNamespaces));
  });
  return (key, live) => matchers.some((m) => m(key, live));
}

/** A drift report of these items, in this order, with its summary counted. */
export function driftReportOf(items: DriftItem[], leftAlone: LeftAloneItem[] = []): DriftReport {
  return { summary: tally(items, (i) => i.kind, DRIFT_KINDS), items, leftAlone };
}

/** The resources left alone, counted by source. */
export function leftAloneSummary(leftAlone: readonly LeftAloneItem[]): LeftAloneSummary {
  return tally(leftAlone, (i) => i.source, CONTROL_PLANE_SOURCES);
}

/** 2 when the control plane no longer matches the repository (missing, modified or orphaned); unmanaged alone is 0. */
export function driftExitCode(summary: DriftSummary): 0 | 2 {
  return summary.missing + summary.modified + summary.orphaned > 0 ? 2 : 0;
}
