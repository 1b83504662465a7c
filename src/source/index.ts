import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { prefixOf, readCommit, workingCopyRoot } from "./git.js";
import { readWorktree } from "./worktree.js";
import type { ReadOptions, Snapshot } from "./types.js";
import { CONFIG_FILE, WORKTREE } from "./types.js";

export * from "./types.js";
export { repositoryFolder, unresolvedRevision } from "./git.js";

/** Reads the configuration repository at `options.ref`: committed content from Git objects, or the working tree. */
export function readSnapshot(options: ReadOptions): Promise<Snapshot> {
  return options.ref === WORKTREE ? readWorktree(options) : readCommit(options);
}

/**
 * Keeps a long-running reader's blob cache to the texts of `snapshot`'s files: every commit adds the new version of
 * what it changed, and the old ones would pile up. Pruned once the stale entries are more than a few (a scan of the
 * snapshot per prune, not per commit).
 */
export function retainBlobs(cache: Map<string, string>, snapshot: Snapshot): void {
  const current = snapshot.files.length + (snapshot.config ? 1 : 0);
  if (cache.size <= current + Math.max(16, current >> 6)) return;
  const keep = new Set(snapshot.files.map((f) => f.blobId));
  if (snapshot.config) keep.add(snapshot.config.blobId);
  for (const id of cache.keys()) if (!keep.has(id)) cache.delete(id);
}

/**
 * The meshops.yaml files in the folders above `root` (repository-relative) at `ref`: settings that are not read, since
 * they come from `<root>/meshops.yaml` only. Asked only when that one is missing, so a layout mistake (meshops.yaml at
 * the repository's root, `--path` below it) does not drop tenancy rules and excludes without a word. One git process.
 */
export async function configFilesAbove(repo: string, ref: string, root: string): Promise<string[]> {
  if (root === "") return [];
  const candidates = configFilesAt(root).slice(1);
  const existing = await existingFiles(repo, ref, candidates);
  return candidates.filter((file) => existing.has(file));
}

/** Where meshops.yaml could be for `root` (repository-relative): its own, then each folder's above it, nearest first. */
function configFilesAt(root: string): string[] {
  const parts = root === "" ? [] : root.split("/");
  return parts.map((_, depth) => [...parts.slice(0, depth), CONFIG_FILE].join("/")).concat([...parts, CONFIG_FILE].join("/")).reverse();
}

/**
 * The folder to read when neither --repo nor --path is given: the nearest at or above `dir` (inside its working copy)
 * whose meshops.yaml `ref` has, as Git finds its repository from any folder in it; a command run from a folder of
 * Deployments (a Makefile's `cd deploy`, a CI step's working directory) then reads what meshops.yaml configures, not
 * that folder alone, whose emptiness `plan --prune` would take for deleting everything. Undefined when `dir` has its
 * own, is the top level (its `.git` is there: no Git process), or no folder above it has one: `dir` is read, as given.
 */
export async function configuredFolder(dir: string, ref: string): Promise<string | undefined> {
  if (existsSync(path.join(dir, ".git"))) return undefined;
  const topLevel = await workingCopyRoot(dir).catch(() => undefined);
  if (topLevel === undefined) return undefined;
  const root = prefixOf(topLevel, dir, undefined);
  if (root === "" || root.startsWith("..")) return undefined;
  const candidates = configFilesAt(root);
  const existing = await existingFiles(dir, ref, candidates).catch(() => new Set<string>());
  const nearest = candidates.find((file) => existing.has(file));
  return nearest === undefined || nearest === candidates[0] ? undefined : path.join(topLevel, path.posix.dirname(nearest));
}

/** How many paths one `git ls-tree` is given: a command line has a length limit. */
const PATHS_PER_LIST = 1000;

/** Which of `files` (repository-relative) `ref` has, in the working tree for WORKTREE. One git process per 1,000 files. */
export async function existingFiles(repo: string, ref: string, files: readonly string[]): Promise<Set<string>> {
  if (files.length === 0) return new Set();
  if (ref === WORKTREE) {
    const topLevel = (await run(repo, ["rev-parse", "--show-toplevel"])).trim();
    return new Set(files.filter((file) => existsSync(path.join(topLevel, file))));
  }
  const listed = new Set<string>();
  for (let i = 0; i < files.length; i += PATHS_PER_LIST) {
    // Literal: a file name with `*` or `:(` is that file, not a pattern.
    const out = await run(repo, ["--literal-pathspecs", "ls-tree", "--full-tree", "--name-only", "-z", ref, "--", ...files.slice(i, i + PATHS_PER_LIST)]);
    for (const file of out.split("\0")) if (file) listed.add(file);
  }
  return new Set(files.filter((file) => listed.has(file)));
}

async function run(cwd: string, args: readonly string[]): Promise<string> {
  return (await promisify(execFile)("git", args, { cwd, encoding: "utf8" })).stdout;
}
