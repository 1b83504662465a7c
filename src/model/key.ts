/** The one identity used everywhere: in diagnostics, logs, plans, reports and the ownership inventory. */
export interface ResourceKey {
  readonly type: string;
  /** The Mesh a resource belongs to. For a Mesh itself, its own name (a Mesh is its own tenant). */
  readonly mesh: string;
  readonly name: string;
}

/**
 * `Type/mesh/name`, or `Mesh/name` for a Mesh. Joined, not a template literal: a template makes a rope of four or five
 * nodes (and keeps the name, often a slice of the whole file's text, alive), and tens of thousands of subjects are kept.
 */
export function subjectOf(key: ResourceKey): string {
  return key.type === "Mesh" ? ["Mesh", key.name].join("/") : [key.type, key.mesh, key.name].join("/");
}

/** Parses a subject string back into a key; undefined when it is not one. */
export function parseSubject(subject: string): ResourceKey | undefined {
  const parts = subject.split("/");
  if (parts.length === 2 && parts[0] === "Mesh" && parts[1]) return { type: "Mesh", mesh: parts[1], name: parts[1] };
  if (parts.length === 3 && parts[0] && parts[1] && parts[2]) return { type: parts[0], mesh: parts[1], name: parts[2] };
  return undefined;
}
