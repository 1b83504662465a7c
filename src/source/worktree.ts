import { createHash } from "node:crypto";
import { lstat, readFile, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { simpleGit } from "simple-git";
import { prefixOf, workingCopyRoot } from "./git.js";
import type { ReadOptions, Snapshot, SourceFile, SourceProblem } from "./types.js";
import { CONFIG_FILE, DEFAULT_MAX_FILE_BYTES, WORKTREE, decodeFile, fileTooLarge, isConfigCandidate, isUnder, normalizeRoot } from "./types.js";

/**
 * Reads uncommitted files: tracked and untracked ones, minus what .gitignore excludes. A folder outside any Git
 * working copy is read whole: Argo CD may hand its config management plugins the files without `.git`.
 */
export async function readWorktree(options: ReadOptions): Promise<Snapshot> {
  const git = simpleGit({ baseDir: options.repo });
  const inGit = await workingCopyRoot(options.repo);
  const topLevel = inGit ?? (await realpath(options.repo));
  const root = normalizeRoot(prefixOf(topLevel, options.repo, options.path));
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const all = inGit
    ? (await git.raw(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate", "--full-name"])).split("\0")
    : await filesBelow(topLevel);
  const listed = all.filter((p) => p !== "" && isConfigCandidate(root, p));
  // Every path below root, for kustomize's entries: the index's files less those deleted from the working tree.
  const deleted = inGit ? new Set((await git.raw(["ls-files", "-z", "--deleted", "--full-name"])).split("\0")) : undefined;
  const paths = new Set(all.filter((p) => p !== "" && isUnder(root, p) && !deleted?.has(p)));

  const problems: SourceProblem[] = [];
  const files: SourceFile[] = [];
  let config: SourceFile | undefined;
  const configPath = root === "" ? CONFIG_FILE : `${root}/${CONFIG_FILE}`;
  for (const relative of [...new Set(listed)].sort()) {
    const file = await readOne(topLevel, relative, maxBytes, problems);
    if (!file) continue;
    if (relative === configPath) config = file;
    else files.push(file);
  }
  return { revision: WORKTREE, root, files, problems, paths, ...(config ? { config } : {}) };
}

/** Every file below `dir` (symbolic links included, as Git lists them), relative and `/`-separated; dot-folders skipped. */
async function filesBelow(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".")) files.push(...(await filesBelow(dir, relative)));
    } else files.push(relative);
  }
  return files;
}

async function readOne(topLevel: string, relative: string, maxBytes: number, problems: SourceProblem[]): Promise<SourceFile | undefined> {
  const absolute = path.join(topLevel, relative);
  let info;
  try {
    info = await lstat(absolute);
  } catch {
    return undefined; // listed in the index but deleted in the working tree: not part of the working state
  }
  let target = absolute;
  if (info.isSymbolicLink()) {
    try {
      target = await realpath(absolute);
    } catch {
      problems.push({ path: relative, rule: "unreadable-file", message: "symbolic link points at a file that does not exist" });
      return undefined;
    }
    if (path.relative(topLevel, target).startsWith("..") || path.isAbsolute(path.relative(topLevel, target))) {
      problems.push({ path: relative, rule: "symlink-escape", message: `symbolic link points outside the repository (${target}); not followed` });
      return undefined;
    }
    info = await stat(target);
  }
  if (!info.isFile()) return undefined;
  if (info.size > maxBytes) {
    problems.push(fileTooLarge(relative, info.size, maxBytes));
    return undefined;
  }
  const bytes = await readFile(target);
  const decoded = decodeFile(relative, bytes);
  if ("problem" in decoded) {
    problems.push(decoded.problem);
    return undefined;
  }
  return { path: relative, text: decoded.text, blobId: gitBlobId(bytes) };
}

/** The id Git would give this content (`git hash-object`), so working-tree files share the blob caches. */
export function gitBlobId(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
