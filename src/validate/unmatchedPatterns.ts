/**
 * Path settings that match nothing: a typo in a glob (`test` for the folder `tests`) does not fail, it silently
 * leaves files in, or binds, names or places nothing. One warning for each, at meshops.yaml's line or naming the
 * flag. Pure: the one memo (unmatchedExcludes) keeps a result per set of paths, so a daemon's commits that add or
 * remove no path do not test every path again.
 */
import { compilePathPattern, matchPathPattern, underRoot } from "../config/glob.js";
import type { RepoConfig } from "../config/repoConfig.js";
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import type { PathSegments } from "../model/fieldPath.js";
import type { Locator } from "../parse/locate.js";
import type { Snapshot, SourceFile } from "../source/types.js";
import { boundMesh } from "./tenancy.js";

const CHECK = "check the pattern";

/**
 * `files`: the configuration files read (what tenancy, namespaces and globalResources apply to); `extraExclude`: the
 * `--exclude` patterns as written, relative to --path.
 */
export function unmatchedPatterns(snapshot: Snapshot, config: RepoConfig, files: readonly SourceFile[], extraExclude: readonly string[], locator: Locator): Diagnostic[] {
  const configFile = snapshot.config;
  const at = (path: PathSegments, field: string, message: string, rule: string): Diagnostic => {
    const pos = configFile ? (locator.locate(configFile.path, 0, path) ?? { line: 1, column: 1 }) : { line: 0, column: 0 };
    return { severity: "warning", file: configFile?.path ?? "", ...pos, resource: "", path: field, message: boundedMessage(message), rule };
  };
  const diagnostics: Diagnostic[] = [];
  // exclude: against every path of the revision (a folder of scripts, dot-folders), not only what was read.
  const unexcluding = unmatchedExcludes(snapshot, [...config.exclude, ...extraExclude.map((p) => underRoot(snapshot.root, p))]);
  for (const i of unexcluding) {
    const flag = i - config.exclude.length;
    if (flag >= 0) diagnostics.push({ severity: "warning", file: "", line: 0, column: 0, resource: "", path: "", message: boundedMessage(`--exclude ${extraExclude[flag] ?? ""} matches ${NO_PATH}`), rule: UNMATCHED_RULE });
    else diagnostics.push(at(["exclude", i], `exclude[${i}]`, `exclude pattern "${written(snapshot.root, config.exclude[i] ?? "")}" matches ${NO_PATH}`, UNMATCHED_RULE));
  }
  config.tenancy.forEach((rule, i) => {
    if (!files.some((f) => boundMesh(rule, f.path) !== undefined)) diagnostics.push(at(["tenancy", i, "path"], `tenancy[${i}].path`, `tenancy rule "${rule.name}" matches no file (path: ${rule.path}); ${CHECK}`, "tenancy-unmatched"));
  });
  config.namespaces.forEach((rule, i) => {
    if (!files.some((f) => matchPathPattern(rule.pattern, f.path, "namespace") !== undefined)) {
      diagnostics.push(at(["namespaces", i, "path"], `namespaces[${i}].path`, `namespaces path "${rule.path}" matches no configuration file: it gives no namespace; ${CHECK}`, UNMATCHED_RULE));
    }
  });
  config.globalResources.patterns.forEach((pattern, i) => {
    if (!files.some((f) => pattern.test(f.path))) {
      diagnostics.push(at(["globalResources", "paths", i], `globalResources.paths[${i}]`, `globalResources path "${config.globalResources.paths[i] ?? ""}" matches no configuration file; ${CHECK}`, UNMATCHED_RULE));
    }
  });
  return diagnostics;
}

/** meshops.yaml's patterns and the flag's; tenancy's rule has its own name (older, SARIF and the README name it). */
export const UNMATCHED_RULE = "pattern-unmatched";

/** The rules of this module's warnings: what every command says about the settings (cli/repository.ts). */
export const PATTERN_RULES: ReadonlySet<string> = new Set([UNMATCHED_RULE, "tenancy-unmatched"]);

const NO_PATH = `no path of the revision: it leaves nothing out; ${CHECK}`;

/** A rooted pattern as written in meshops.yaml (relative to its folder). */
function written(root: string, pattern: string): string {
  return root === "" ? pattern : pattern.slice(root.length + 1);
}

/**
 * Indexes of the rooted exclude patterns that match no path, as selectFiles reads them (a folder's name also
 * excludes what is below it). Remembered per set of paths: the daemon's commits mostly add or remove no path.
 */
function unmatchedExcludes(snapshot: Snapshot, patterns: readonly string[]): number[] {
  if (patterns.length === 0) return [];
  const paths = snapshot.paths ?? new Set([...snapshot.files.map((f) => f.path), ...snapshot.problems.map((p) => p.path)]);
  const key = patterns.join("\0");
  const known = unmatchedMemo.get(paths);
  if (known?.key === key) return known.unmatched;
  const unmatched = patterns.flatMap((pattern, i) => {
    const expressions = [pattern, `${pattern.replace(/\/+$/, "")}/**`].map(compilePathPattern);
    for (const path of paths) if (expressions.some((e) => e.test(path))) return [];
    return [i];
  });
  unmatchedMemo.set(paths, { key, unmatched });
  return unmatched;
}

const unmatchedMemo = new WeakMap<ReadonlySet<string>, { key: string; unmatched: number[] }>();
