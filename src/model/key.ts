/** The one identity used everywhere: in diagnostics, logs, plans, reports and the ownership inventory. */
export interface ResourceKey {
  readonly type: string;
  /**
   * The Mesh a resource belongs to. For a Mesh itself, its own name (a Mesh is its own tenant); for a global kind
   * (HostnameGenerator, GlobalSecret), GLOBAL_SCOPE: it belongs to no mesh.
   */
  readonly mesh: string;
  readonly name: string;
}

/**
 * The `mesh` of a resource that belongs to no mesh (kuma/types.ts `isGlobalType`). Empty, so it can never be a mesh's
 * name, and everything grouped by mesh holds the global resources in one unit of their own.
 */
export const GLOBAL_SCOPE = "";

/** Belongs to no mesh. */
export function isGlobalKey(key: ResourceKey): boolean {
  return key.mesh === GLOBAL_SCOPE && key.type !== "Mesh";
}

/** `Type/mesh/name`, `Mesh/name` for a Mesh, `Type/name` for a global resource. */
export function subjectOf(key: ResourceKey): string {
  return key.type === "Mesh" ? `Mesh/${key.name}` : key.mesh === GLOBAL_SCOPE ? `${key.type}/${key.name}` : `${key.type}/${key.mesh}/${key.name}`;
}

/** Parses a subject string back into a key; undefined when it is not one. */
export function parseSubject(subject: string): ResourceKey | undefined {
  const parts = subject.split("/");
  if (parts.length === 2 && parts[0] === "Mesh" && parts[1]) return { type: "Mesh", mesh: parts[1], name: parts[1] };
  if (parts.length === 2 && parts[0] && parts[1]) return { type: parts[0], mesh: GLOBAL_SCOPE, name: parts[1] };
  if (parts.length === 3 && parts[0] && parts[1] && parts[2]) return { type: parts[0], mesh: parts[1], name: parts[2] };
  return undefined;
}
