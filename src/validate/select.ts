/**
 * Which files of a snapshot are configuration: everything the source read, less what meshops.yaml's `exclude:` and
 * `--exclude` leave out. (Dot-directories never reach here: the source skips them.) Pure.
 */
import { compilePathPattern, underRoot } from "../config/glob.js";
import type { RepoConfig } from "../config/repoConfig.js";
import type { Snapshot, SourceFile, SourceProblem } from "../source/types.js";

export interface Selection {
  readonly files: readonly SourceFile[];
  readonly problems: readonly SourceProblem[];
}

/**
 * `extraExclude` are the command line's patterns, relative to the folder read (`--path`), like meshops.yaml's. A
 * pattern also excludes everything below a folder it names (`helm` is `helm/**`).
 */
export function selectFiles(snapshot: Snapshot, config: RepoConfig, extraExclude: readonly string[] = []): Selection {
  const patterns = [...config.exclude, ...extraExclude.map((p) => underRoot(snapshot.root, p))].flatMap((p) => [p, `${p.replace(/\/+$/, "")}/**`]);
  if (patterns.length === 0) return { files: snapshot.files, problems: snapshot.problems };
  const excluded = patterns.map(compilePathPattern);
  const kept = (path: string) => !excluded.some((pattern) => pattern.test(path));
  return { files: snapshot.files.filter((f) => kept(f.path)), problems: snapshot.problems.filter((p) => kept(p.path)) };
}
