/**
 * Ownership: meshops stamps a label with its instance name on everything it writes, and prunes only what carries it.
 * Another instance's resources, and resources made by hand, are never ours to delete.
 */
import type { JsonObject, Resource } from "../model/resource.js";

/** The label that marks what meshops owns (and may therefore prune). */
export const MANAGED_BY_LABEL = "meshops.io/managed-by";

/**
 * Adds the ownership label. Keys are laid out as the control plane serializes a resource (type, mesh, name, labels,
 * spec), then the rest sorted, so rendered output reads the same whichever shape a resource was written in.
 * Only the top level is copied: specs are shared with the parsed resource, never mutated.
 */
export function withOwnership(resource: Resource, instance: string): Resource {
  const { type, mesh, name, labels, spec, ...rest } = resource.object;
  const current = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : undefined;
  const object: JsonObject = { type: type ?? resource.type };
  if (mesh !== undefined) object.mesh = mesh;
  object.name = name ?? resource.name;
  object.labels = { ...current, [MANAGED_BY_LABEL]: instance };
  if (spec !== undefined) object.spec = spec;
  for (const key of Object.keys(rest).sort()) object[key] = rest[key] as JsonObject[string];
  return { ...resource, object };
}

/** Owned: carries `meshops.io/managed-by` with this instance's name. */
export function isOwned(object: JsonObject, instance: string): boolean {
  const labels = object.labels;
  return typeof labels === "object" && labels !== null && !Array.isArray(labels) && labels[MANAGED_BY_LABEL] === instance;
}
