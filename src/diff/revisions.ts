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
import { parseSubject, subjectOf } from "../model/key.js";
import { insertSorted } from "../model/order.js";
import type { Resource } from "../model/resource.js";
import { normalize, sameNormalized } from "./normalize.js";
import { groupBy, indexResources, pairResources } from "./pair.js";
import { isSorted, planOf, unifiedDiff, type Change, type Plan } from "./plan.js";

/** Diff headers read `--- base/<subject>` / `+++ ref/<subject>`. */
const LABELS = { before: "base", after: "ref" } as const;

/**
 * The plan that takes the desired state at the base revision to the one at the ref. Unchanged resources are counted.
 * `sameMeshes`: meshes whose desired resources are the very same objects at both revisions (the ref's build took the
 * base's over: none of their files changed). Their resources are unchanged without pairing or comparing, so a pull
 * request that edits one file costs one mesh's pairing, not the repository's.
 */
export function planRevisions(base: readonly Resource[], ref: readonly Resource[], sameMeshes: ReadonlySet<string> = new Set()): Plan {
  const changed = (r: Resource) => !sameMeshes.has(r.mesh);
  const unchanged: Change[] = [];
  if (sameMeshes.size > 0) {
    for (const r of ref) {
      if (changed(r)) continue;
      unchanged.push({ action: "unchanged", resource: subjectOf(r), type: r.type, mesh: r.mesh, name: r.name, desired: r.object, origin: r.origin, live: r.object, diff: "" });
    }
  }
  const writes: Change[] = [];
  const deletes: Change[] = [];
  const changedBase = sameMeshes.size > 0 ? base.filter(changed) : base;
  const changedRef = sameMeshes.size > 0 ? ref.filter(changed) : ref;

  for (const { subject, type, mesh, name, desired: resource, live: before } of pairResources(changedRef, indexResources(changedBase))) {
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

  // The ref's desired state comes in write order (buildDesired sorts it), and so do both parts of it.
  if (!isSorted(writes, compareWriteOrder)) writes.sort(compareWriteOrder);
  if (!isSorted(unchanged, compareWriteOrder)) unchanged.sort(compareWriteOrder);
  deletes.sort((a, b) => compareWriteOrder(b, a)); // policies before what they refer to, Meshes last, as prune runs
  const allWrites = unchanged.length === 0 ? writes : writes.length === 0 ? unchanged : insertSorted(unchanged, writes, compareWriteOrder);
  return planOf([...allWrites, ...deletes]);
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
  /**
   * File and line are the base revision's (a delete of `plan --base`): GitHub reads an annotation's line in the head's
   * version of the file, where this one is another document's, so reports name the file at most, never the line.
   */
  readonly inBase?: true;
  /** With inBase: the head has no such file (withDeletedFiles), so a report points at no file at all. */
  readonly fileDeleted?: true;
}

/** Locations by subject (`Type/mesh/name`): what a report asks of them. */
export interface Locations {
  get(subject: string): Location | undefined;
}

/**
 * locationsOf, worked out per mesh at the first question about it: a report of a no-op plan over 50,000 resources
 * asks none, and one of a pull request that changes one file asks about one mesh (a map of every subject of both
 * revisions cost a third of a second).
 */
export function lazyLocations(...states: readonly (readonly Resource[])[]): Locations {
  let byMesh: Map<string, Resource[]>[] | undefined;
  const located = new Map<string, Map<string, Location>>();
  return {
    get: (subject) => {
      const mesh = parseSubject(subject)?.mesh;
      if (mesh === undefined) return undefined;
      let inMesh = located.get(mesh);
      if (!inMesh) {
        byMesh ??= states.map((resources) => groupBy(resources, (r) => r.mesh));
        inMesh = locationsOf(...byMesh.map((groups) => groups.get(mesh) ?? []));
        located.set(mesh, inMesh);
      }
      return inMesh.get(subject);
    },
  };
}

/**
 * The location of every resource of the given states. A default policy has no document of its own: it points at the
 * document of its Mesh, whose `skipCreatingInitialPolicies` decides whether it exists. When a subject (or a Mesh) is in
 * several states the first one wins: pass the ref side first and the base side after, so a change points at the file
 * that defines it now, and a delete at the file that used to, marked `inBase` (its line is not the head's); a default
 * policy the ref stops creating points at its Mesh as the ref has it.
 */
export function locationsOf(...states: readonly (readonly Resource[])[]): Map<string, Location> {
  const out = new Map<string, Location>();
  const meshes = new Map<string, { readonly mesh: Resource; readonly inBase: boolean }>();
  states.forEach((resources, index) => {
    for (const r of resources) if (r.type === "Mesh" && r.source && !meshes.has(r.name)) meshes.set(r.name, { mesh: r, inBase: index > 0 });
  });
  states.forEach((resources, index) => {
    const inBase = index > 0 ? ({ inBase: true } as const) : {};
    for (const resource of resources) {
      const subject = subjectOf(resource);
      if (out.has(subject)) continue;
      if (resource.source) {
        out.set(subject, { file: resource.source.file, line: resource.source.line, column: resource.source.column, ...inBase });
        continue;
      }
      const made = meshes.get(resource.mesh);
      const source = made?.mesh.source;
      if (resource.origin === "default" && made && source) {
        out.set(subject, { file: source.file, line: source.line, column: source.column, defaultOf: subjectOf(made.mesh), ...(made.inBase ? { inBase: true } : {}) });
      }
    }
  });
  return out;
}

/** The base revision's files among `locations` that a delete points at: what to ask the head about (withDeletedFiles). */
export function baseFilesOfDeletes(plan: Plan, locations: Locations): string[] {
  const files = new Set<string>();
  for (const change of plan.changes) {
    if (change.action !== "delete") continue;
    const location = locations.get(change.resource);
    if (location?.inBase) files.add(location.file);
  }
  return [...files];
}

/** `locations` with each base revision's location in one of `deleted` (files the head does not have) marked so. */
export function withDeletedFiles(locations: Locations, deleted: ReadonlySet<string>): Locations {
  if (deleted.size === 0) return locations;
  return {
    get: (subject) => {
      const location = locations.get(subject);
      return location?.inBase && deleted.has(location.file) ? { ...location, fileDeleted: true } : location;
    },
  };
}
