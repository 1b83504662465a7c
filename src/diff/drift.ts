/**
 * Drift: how the control plane differs from the repository, in four kinds (PRODUCT.md, `drift`):
 * - missing: desired but absent;
 * - modified: present but different after normalization (an edit made outside Git, or not yet applied);
 * - orphaned: owned by this instance but no longer desired;
 * - unmanaged: present, not desired and not owned (reported, never touched).
 * Pure, and built on the same pairing, normalization and diff as the plan, so `drift` and `plan` never disagree.
 */
import { subjectOf } from "../model/key.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { normalize, sameNormalized } from "./normalize.js";
import { isOwned } from "../desired/ownership.js";
import { compareWriteOrder } from "../kuma/order.js";
import { indexLive, unifiedDiff } from "./plan.js";

export type DriftKind = "missing" | "modified" | "orphaned" | "unmanaged";

export interface DriftItem {
  kind: DriftKind;
  /** `Type/mesh/name`, or `Mesh/name`. */
  resource: string;
  type: string;
  mesh: string;
  name: string;
  /** Unified diff (live → desired) of the normalized, redacted objects as YAML. */
  diff: string;
}

export interface DriftSummary {
  missing: number;
  modified: number;
  orphaned: number;
  unmanaged: number;
}

export interface DriftReport {
  summary: DriftSummary;
  items: DriftItem[];
}

/** Classifies every difference; items in write order (Mesh, destinations, routes, policies; then mesh, type, name). */
export function classifyDrift(desired: readonly Resource[], live: readonly JsonObject[], options: { instance: string }): DriftReport {
  const liveByKey = indexLive(live);
  const items: DriftItem[] = [];
  const desiredKeys = new Set<string>();

  for (const resource of desired) {
    const subject = subjectOf(resource);
    desiredKeys.add(subject);
    const key = { resource: subject, type: resource.type, mesh: resource.mesh, name: resource.name };
    const current = liveByKey.get(subject);
    if (!current) {
      items.push({ kind: "missing", ...key, diff: unifiedDiff(subject, undefined, normalize(resource.object)) });
      continue;
    }
    // Compare first: in a healthy mesh nearly everything is in sync, and only drifted resources need normalized copies.
    if (!sameNormalized(current.object, resource.object)) {
      items.push({ kind: "modified", ...key, diff: unifiedDiff(subject, normalize(current.object), normalize(resource.object)) });
    }
  }

  for (const [subject, current] of liveByKey) {
    if (desiredKeys.has(subject)) continue;
    const kind: DriftKind = isOwned(current.object, options.instance) ? "orphaned" : "unmanaged";
    items.push({ kind, resource: subject, ...current.key, diff: unifiedDiff(subject, normalize(current.object), undefined) });
  }

  items.sort(compareWriteOrder);
  const count = (kind: DriftKind) => items.filter((i) => i.kind === kind).length;
  return { summary: { missing: count("missing"), modified: count("modified"), orphaned: count("orphaned"), unmanaged: count("unmanaged") }, items };
}

/** 2 when the control plane no longer matches the repository (missing, modified or orphaned); unmanaged alone is 0. */
export function driftExitCode(summary: DriftSummary): 0 | 2 {
  return summary.missing + summary.modified + summary.orphaned > 0 ? 2 : 0;
}
