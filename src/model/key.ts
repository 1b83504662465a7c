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

/**
 * How people name the global unit where they would name a mesh (`--mesh`, meshops.yaml `suspend` and `drift.meshes`,
 * the daemon's `/api/meshes/{mesh}/...`): a Mesh's name is an RFC 1123 subdomain, so none can start with `_`.
 */
export const GLOBAL_UNIT_NAME = "_global";

/** A mesh name as written by a person, with `_global` read as the global unit. */
export function unitOfName(name: string): string {
  return name === GLOBAL_UNIT_NAME ? GLOBAL_SCOPE : name;
}

/** The inverse of unitOfName: a unit's name where people and tools read it (metric labels, JUnit class names). */
export function nameOfUnit(mesh: string): string {
  return mesh === GLOBAL_SCOPE ? GLOBAL_UNIT_NAME : mesh;
}

/**
 * The global unit as people read it, one phrase wherever it is named alone or in a sentence (the daemon's page, log
 * lines, API answers and notifications; the markdown report): its name where a mesh's would go, and what it holds.
 * The page (daemon/ui/app.js) writes it too; test/ui.browser checks the two agree.
 */
export const GLOBAL_UNIT_LABEL = `${GLOBAL_UNIT_NAME} (the global resources)`;

/** A unit in a sentence: "mesh shop", or GLOBAL_UNIT_LABEL. */
export function describeUnit(mesh: string): string {
  return mesh === GLOBAL_SCOPE ? GLOBAL_UNIT_LABEL : `mesh ${mesh}`;
}

/** Belongs to no mesh. */
export function isGlobalKey(key: ResourceKey): boolean {
  return key.mesh === GLOBAL_SCOPE && key.type !== "Mesh";
}

/**
 * `Type/mesh/name`, `Mesh/name` for a Mesh, `Type/name` for a global resource. Joined, not a template literal: a
 * template makes a rope of four or five nodes (and keeps the name, often a slice of the whole file's text, alive), and
 * tens of thousands of subjects are kept.
 */
export function subjectOf(key: ResourceKey): string {
  return key.type === "Mesh" || key.mesh === GLOBAL_SCOPE ? [key.type, key.name].join("/") : [key.type, key.mesh, key.name].join("/");
}

/** The middle part of a key's subject: GLOBAL_SCOPE (none) for a Mesh and a global resource, else the mesh. */
export function unitOfSubject(key: ResourceKey): string {
  return key.type === "Mesh" ? GLOBAL_SCOPE : key.mesh;
}

/**
 * The mesh a subject is about (GLOBAL_SCOPE for a Mesh's or a global resource's), also when the document has no name
 * (`Type/mesh/`, as subjectOf writes it for a missing name); undefined when it names none.
 */
export function meshOfSubject(subject: string): string | undefined {
  const parts = subject.split("/");
  if (parts.length === 3 && parts[0] && parts[1] && parts[2] === "") return parts[1];
  return parseSubject(subject)?.mesh;
}

/** Parses a subject string back into a key; undefined when it is not one. */
export function parseSubject(subject: string): ResourceKey | undefined {
  const parts = subject.split("/");
  if (parts.length === 2 && parts[0] === "Mesh" && parts[1]) return { type: "Mesh", mesh: parts[1], name: parts[1] };
  if (parts.length === 2 && parts[0] && parts[1]) return { type: parts[0], mesh: GLOBAL_SCOPE, name: parts[1] };
  if (parts.length === 3 && parts[0] && parts[1] && parts[2]) return { type: parts[0], mesh: parts[1], name: parts[2] };
  return undefined;
}
