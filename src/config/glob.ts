/**
 * Path patterns of meshops.yaml (tenancy rules, exclude) and `--exclude`, matched against `/`-separated paths relative
 * to the repository root. picomatch gives the full glob syntax users know from .gitignore-style tools (`**`, `*`, `?`,
 * braces `{shop,blog}`, classes `[ab]`); on top of it, a `{mesh}` segment matches one folder and captures it as the
 * mesh the files under it belong to.
 */
import picomatch from "picomatch";

const MESH_SEGMENT = "{mesh}";
/** A token picomatch copies through unchanged, standing in for `{mesh}` until the expression is built. */
const MESH_TOKEN = "MESHOPSMESHSEGMENTTOKEN";

/** Compiles a pattern; when it holds `{mesh}`, the match's `groups.mesh` is that folder's name. */
export function compilePathPattern(pattern: string): RegExp {
  const source = picomatch.makeRe(pattern.split(MESH_SEGMENT).join(MESH_TOKEN), { dot: true }).source;
  return new RegExp(source.split(MESH_TOKEN).join("(?<mesh>[^/]+)"));
}

/** The mesh bound by a `{mesh}` segment, "" for a match without one, undefined when the path does not match. */
export function matchPathPattern(pattern: RegExp, path: string): string | undefined {
  const match = pattern.exec(path);
  if (!match) return undefined;
  return match.groups?.mesh ?? "";
}

/** Pattern relative to `root` (the folder meshops.yaml sits in), as a pattern over repository-relative paths. */
export function underRoot(root: string, pattern: string): string {
  const relative = pattern.replace(/^\.?\//, "");
  return root === "" ? relative : `${root}/${relative}`;
}
