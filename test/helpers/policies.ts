/**
 * The MeshTimeout the tests write into repositories, one text per form: a test that pins a line or column, or compares
 * what the control plane holds, needs the same bytes every time, so they are spelled here once.
 */

/** A MeshTimeout `name` of mesh `mesh` with one `idleTimeout` for the whole mesh, as a file of the repository. */
export function meshTimeoutYaml(name: string, mesh: string, idleTimeout: string): string {
  return `type: MeshTimeout\nname: ${name}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: ${idleTimeout}\n`;
}

/** meshTimeoutYaml with its targetRefs and default in flow style (`{kind: Mesh}`): `idleTimeout` on line 7. */
export function meshTimeoutFlowYaml(name: string, mesh: string, idleTimeout: string): string {
  return `type: MeshTimeout\nname: ${name}\nmesh: ${mesh}\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: ${idleTimeout}}\n`;
}
