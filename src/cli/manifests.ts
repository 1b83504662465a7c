/**
 * The Kubernetes manifests of a repository, for `render --format kubernetes` and `hydrate`: validated, built by the
 * one desired-state builder, checked against the CRDs, or nothing (the problems on stderr). And `--out DIR`.
 */
import { readFileSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildDesired, targetOf } from "../desired/index.js";
import { checkManifests, kubernetesManifests, type Manifest } from "../hydrate/manifests.js";
import { renderDiagnosticLine, renderDiagnosticsText } from "../report/diagnostics.js";
import { systemNamespaceOf, type RepoConfig } from "../config/repoConfig.js";
import { styleFor, type CliIo } from "./io.js";
import { loadRepository, summaryOf, type LoadOptions, type RepositoryOptions } from "./repository.js";
import { makeDirectorySync } from "../util/directory.js";

export interface RenderedManifests {
  readonly manifests: readonly Manifest[];
  /** The commit read (or WORKTREE). */
  readonly revision: string;
  readonly config: RepoConfig;
}

/**
 * Reads, validates and renders; undefined (with every problem on stderr, nothing on stdout) when the repository is
 * invalid or a manifest would be rejected by its CRD. Notes on what was left out go to stderr: stdout stays a pure
 * stream of manifests, which is what Argo CD's plugin contract asks.
 */
export async function loadManifests(options: RepositoryOptions, io: CliIo, load: Pick<LoadOptions, "commitFor"> = {}): Promise<RenderedManifests | undefined> {
  const { result } = await loadRepository(options, io, load);
  const style = styleFor(io.stderr, io.env);
  if (!result.valid) {
    io.stderr.write(renderDiagnosticsText(result.diagnostics, summaryOf(result), style));
    return undefined;
  }
  const systemNamespace = systemNamespaceOf(result.config);
  // The very builder `apply` uses, shaped for the version meshops.yaml targets.
  const desired = buildDesired(result.resources, result.config, targetOf(result.config));
  const { manifests, notes } = kubernetesManifests(desired.resources, systemNamespace, result.config.controlPlane.mode);
  const problems = checkManifests(manifests);
  if (problems.length > 0) {
    for (const problem of problems) io.stderr.write(renderDiagnosticLine(problem, style) + "\n");
    io.stderr.write(`meshops: ${problems.length} rendered manifest problem${problems.length === 1 ? "" : "s"} the Kubernetes API would reject; nothing was written\n`);
    return undefined;
  }
  for (const note of notes) io.stderr.write(`meshops: ${note}\n`);
  return { manifests, revision: result.revision, config: result.config };
}

/** The list of files `--out` wrote last time, so a later run removes those of resources that are gone (and no other). */
export const OUT_INDEX_FILE = ".meshops-rendered";

export interface DirectoryWrite {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/**
 * Writes one file per manifest under `dir` (a file whose content is unchanged is not touched) and removes the files
 * an earlier run wrote that are no longer rendered, with the folders they leave empty. Files meshops never wrote are
 * left alone.
 */
export function writeManifestDirectory(dir: string, files: ReadonlyMap<string, string>): DirectoryWrite {
  makeDirectorySync(dir);
  const indexFile = path.join(dir, OUT_INDEX_FILE);
  let previous: string[] = [];
  try {
    previous = readFileSync(indexFile, "utf8").split("\n").filter((line) => line !== "");
  } catch {
    // first run into this folder
  }
  let written = 0;
  let unchanged = 0;
  for (const [file, text] of files) {
    const target = path.join(dir, file);
    let current: string | undefined;
    try {
      current = readFileSync(target, "utf8");
    } catch {
      // new file
    }
    if (current === text) {
      unchanged++;
      continue;
    }
    makeDirectorySync(path.dirname(target));
    writeFileSync(target, text);
    written++;
  }
  let removed = 0;
  for (const file of previous) {
    // An index edited by hand must not reach outside the folder.
    if (files.has(file) || file.split("/").some((segment) => segment === ".." || segment === "") || path.isAbsolute(file)) continue;
    try {
      unlinkSync(path.join(dir, file));
      removed++;
    } catch {
      continue; // already gone
    }
    removeEmptyParents(dir, path.dirname(path.join(dir, file)));
  }
  writeFileSync(indexFile, [...files.keys()].sort().join("\n") + "\n");
  return { written, unchanged, removed };
}

function removeEmptyParents(root: string, folder: string): void {
  const top = path.resolve(root);
  for (let current = path.resolve(folder); current !== top && current.startsWith(top + path.sep); current = path.dirname(current)) {
    if (readdirSync(current).length > 0) return;
    rmdirSync(current);
  }
}
