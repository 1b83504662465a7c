/**
 * `plan --base`: what merging a pull request changes, without a control plane. Both sides are desired states (default
 * policies materialized, ownership stamped), one read at the base revision and one at the ref, compared with the same
 * normalization, diff and order as a plan against a control plane. Unlike that plan, every resource the base wants and
 * the ref does not is a delete, whoever owns it: the question is what the repository stops asking for, and a reviewer
 * must see it whether or not the next apply will prune it.
 *
 * Pure: the CLI reads and validates both revisions.
 */
import { compareWriteOrder } from "../kuma/order.js";
import { subjectOf } from "../model/key.js";
import type { Resource } from "../model/resource.js";
import { normalize, sameNormalized } from "./normalize.js";
import { indexResources, pairResources } from "./pair.js";
import { isSorted, planOf, unifiedDiff, type Change, type Plan } from "./plan.js";

/** Diff headers read `--- base/<subject>` / `+++ ref/<subject>`. */
const LABELS = { before: "base", after: "ref" } as const;

/** The plan that takes the desired state at the base revision to the one at the ref. Unchanged resources are counted. */
export function planRevisions(base: readonly Resource[], ref: readonly Resource[]): Plan {
  const writes: Change[] = [];
  const deletes: Change[] = [];

  for (const { subject, type, mesh, name, desired: resource, live: before } of pairResources(ref, indexResources(base))) {
    if (!resource) {
      if (!before) continue;
      // Shown whoever owns it: `apply --prune` deletes it if meshops wrote it, and if not, the pull request still stops
      // managing it. Either way the reviewer has to know.
      deletes.push({ action: "delete", resource: subject, type, mesh, name, live: before.object, diff: unifiedDiff(subject, normalize(before.object), undefined, LABELS) });
      continue;
    }
    const key = { resource: subject, type, mesh, name, desired: resource.object, origin: resource.origin };
    if (!before) {
      writes.push({ action: "create", ...key, diff: unifiedDiff(subject, undefined, normalize(resource.object), LABELS) });
      continue;
    }
    // Compare first (as the planner does): a pull request leaves nearly everything unchanged.
    if (sameNormalized(before.object, resource.object)) {
      writes.push({ action: "unchanged", ...key, live: before.object, diff: "" });
      continue;
    }
    writes.push({ action: "update", ...key, live: before.object, diff: unifiedDiff(subject, normalize(before.object), normalize(resource.object), LABELS) });
  }

  // The ref's desired state comes in write order (buildDesired sorts it).
  if (!isSorted(writes, compareWriteOrder)) writes.sort(compareWriteOrder);
  deletes.sort((a, b) => compareWriteOrder(b, a)); // policies before what they refer to, Meshes last, as prune runs
  return planOf([...writes, ...deletes]);
}

/** Where a resource is defined, for reports that point at files. */
export interface Location {
  /** Relative to the repository root, `/` separated. */
  readonly file: string;
  /** 1-based line and column of the document. */
  readonly line: number;
  readonly column: number;
  /** For a materialized default policy: the Mesh (`Mesh/<name>`) that produces it; file and line are that Mesh's. */
  readonly defaultOf?: string;
}

/** Locations by subject (`Type/mesh/name`): what a report asks of them. */
export interface Locations {
  get(subject: string): Location | undefined;
}

/** locationsOf, worked out at the first question: a report of a no-op plan over 50,000 resources asks none. */
export function lazyLocations(...states: readonly (readonly Resource[])[]): Locations {
  let located: Map<string, Location> | undefined;
  return { get: (subject) => (located ??= locationsOf(...states)).get(subject) };
}

/**
 * The location of every resource of the given states. A default policy has no document of its own: it points at the
 * document of its Mesh, whose `skipCreatingInitialPolicies` decides whether it exists. When a subject is in several
 * states the first one wins: pass the ref side first and the base side after, so a change points at the file that
 * defines it now and a delete at the file that used to.
 */
export function locationsOf(...states: readonly (readonly Resource[])[]): Map<string, Location> {
  const out = new Map<string, Location>();
  for (const resources of states) {
    const meshes = new Map<string, Resource>();
    for (const r of resources) if (r.type === "Mesh") meshes.set(r.name, r);
    for (const resource of resources) {
      const subject = subjectOf(resource);
      if (out.has(subject)) continue;
      if (resource.source) {
        out.set(subject, { file: resource.source.file, line: resource.source.line, column: resource.source.column });
        continue;
      }
      const mesh = meshes.get(resource.mesh);
      if (resource.origin === "default" && mesh?.source) {
        out.set(subject, { file: mesh.source.file, line: mesh.source.line, column: mesh.source.column, defaultOf: subjectOf(mesh) });
      }
    }
  }
  return out;
}
