import { createHash } from "node:crypto";
import { lstat, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { simpleGit } from "simple-git";
import { prefixOf, repositoryRoot } from "./git.js";
import type { ReadOptions, Snapshot, SourceFile, SourceProblem } from "./types.js";
import { CONFIG_FILE, DEFAULT_MAX_FILE_BYTES, WORKTREE, isConfigCandidate, normalizeRoot } from "./types.js";

/** Reads uncommitted files: tracked and untracked ones, minus what .gitignore excludes. */
export async function readWorktree(options: ReadOptions): Promise<Snapshot> {
  const git = simpleGit({ baseDir: options.repo });
  const topLevel = await repositoryRoot(git, options.repo);
  const root = normalizeRoot(prefixOf(topLevel, options.repo, options.path));
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const listed = (await git.raw(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate", "--full-name"]))
    .split("\0")
    .filter((p) => p !== "" && isConfigCandidate(root, p));

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
  return { revision: WORKTREE, root, files, problems, ...(config ? { config } : {}) };
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
    problems.push({ path: relative, rule: "file-too-large", message: `file is ${info.size} bytes, over the limit of ${maxBytes}` });
    return undefined;
  }
  const bytes = await readFile(target);
  return { path: relative, text: bytes.toString("utf8"), blobId: gitBlobId(bytes) };
}

/** The id Git would give this content (`git hash-object`), so working-tree files share the blob caches. */
export function gitBlobId(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
