/**
 * Path patterns of meshops.yaml (tenancy rules, exclude) and `--exclude`, matched against `/`-separated paths relative
 * to the repository root. picomatch gives the full glob syntax users know from .gitignore-style tools (`**`, `*`, `?`,
 * braces `{shop,blog}`, classes `[ab]`); on top of it, a `{mesh}` segment (tenancy rules) or a `{namespace}` segment
 * (namespace rules) matches one folder and captures it: the mesh, or the namespace, of the files under it.
 */
import picomatch from "picomatch";

/** The segments a pattern may capture, each with a token picomatch copies through unchanged until the expression is built. */
const CAPTURES = { mesh: "MESHOPSMESHSEGMENTTOKEN", namespace: "MESHOPSNAMESPACESEGMENTTOKEN" } as const;
export type PathCapture = keyof typeof CAPTURES;

/**
 * Compiles a pattern; when it holds `{mesh}` (or `{namespace}`), the match's group of that name is that folder's name.
 * Followed by `/`, the segment is a folder: `meshes/{mesh}/**` does not take meshes/shop.yaml as a folder of mesh
 * "shop.yaml", although `**` alone would also match nothing after it.
 */
export function compilePathPattern(pattern: string): RegExp {
  let tokenized = pattern;
  for (const [name, token] of Object.entries(CAPTURES)) tokenized = tokenized.split(`{${name}}/`).join(`${token}FOLDER/`).split(`{${name}}`).join(token);
  let source = picomatch.makeRe(tokenized, { dot: true }).source;
  for (const [name, token] of Object.entries(CAPTURES)) source = source.split(`${token}FOLDER`).join(`(?<${name}>[^/]+)(?=/)`).split(token).join(`(?<${name}>[^/]+)`);
  return new RegExp(source);
}

/** The folder a `{mesh}` (or `{namespace}`) segment captured, "" for a match without one, undefined when the path does not match. */
export function matchPathPattern(pattern: RegExp, path: string, capture: PathCapture = "mesh"): string | undefined {
  const match = pattern.exec(path);
  if (!match) return undefined;
  return match.groups?.[capture] ?? "";
}

/** Pattern relative to `root` (the folder meshops.yaml sits in), as a pattern over repository-relative paths. */
export function underRoot(root: string, pattern: string): string {
  const relative = pattern.replace(/^\.?\//, "");
  return root === "" ? relative : `${root}/${relative}`;
}
