import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import type { ReadOptions, Snapshot, SourceFile, SourceProblem } from "./types.js";
import { CONFIG_FILE, DEFAULT_MAX_FILE_BYTES, SourceError, isUnder, isYamlPath, normalizeRoot } from "./types.js";

interface TreeEntry {
  readonly mode: string;
  readonly blobId: string;
  readonly size: number;
  readonly path: string;
}

const SYMLINK_MODE = "120000";

/** Reads the committed configuration at a revision from Git objects (never the working tree). */
export async function readCommit(options: ReadOptions): Promise<Snapshot> {
  const git = simpleGit({ baseDir: options.repo });
  const topLevel = await repositoryRoot(git, options.repo);
  const commit = await resolveCommit(git, options.ref);
  const root = normalizeRoot(prefixOf(topLevel, options.repo, options.path));
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;

  // The whole tree is listed (not just `root`) so a symbolic link can be resolved to the blob it points at.
  const entries = parseTree(await git.raw(["ls-tree", "-r", "-l", "-z", "--full-tree", commit]));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const problems: SourceProblem[] = [];
  const wanted: { path: string; entry: TreeEntry }[] = [];

  for (const entry of entries) {
    if (!isUnder(root, entry.path) || !isYamlPath(entry.path)) continue;
    const target = entry.mode === SYMLINK_MODE ? await resolveLink(git, entry, byPath, problems) : entry;
    if (!target) continue;
    if (target.size > maxBytes) {
      problems.push({ path: entry.path, rule: "file-too-large", message: `file is ${target.size} bytes, over the limit of ${maxBytes}` });
      continue;
    }
    wanted.push({ path: entry.path, entry: target });
  }

  const texts = await readBlobs(
    topLevel,
    wanted.map((w) => w.entry.blobId),
    options.blobCache,
  );
  const files: SourceFile[] = [];
  let config: SourceFile | undefined;
  const configPath = root === "" ? CONFIG_FILE : `${root}/${CONFIG_FILE}`;
  for (const { path: filePath, entry } of wanted) {
    const file = { path: filePath, text: texts.get(entry.blobId) ?? "", blobId: entry.blobId };
    if (filePath === configPath) config = file;
    else files.push(file);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { revision: commit, root, files, problems, ...(config ? { config } : {}) };
}

/** Top levels already found, by directory: a long-running process reads the same repository on every commit. */
const topLevels = new Map<string, string>();

export async function repositoryRoot(git: SimpleGit, dir: string): Promise<string> {
  const known = topLevels.get(dir);
  if (known) return known;
  try {
    const topLevel = (await git.revparse(["--show-toplevel"])).trim();
    topLevels.set(dir, topLevel);
    return topLevel;
  } catch (cause) {
    throw new SourceError(`${dir} is not inside a Git working copy`, { cause });
  }
}

export async function resolveCommit(git: SimpleGit, ref: string): Promise<string> {
  let commit = "";
  try {
    commit = (await git.revparse(["--verify", `${ref}^{commit}`])).trim();
  } catch (cause) {
    throw new SourceError(`cannot resolve revision "${ref}" to a commit`, { cause });
  }
  // simple-git resolves some failures to an empty answer instead of rejecting.
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new SourceError(`cannot resolve revision "${ref}" to a commit`);
  return commit;
}

/** `--path` is relative to the directory given as --repo; Git paths are relative to the top level. */
export function prefixOf(topLevel: string, repoDir: string, sub: string | undefined): string {
  // Git prints the top level with symbolic links resolved (/tmp may be a link), so resolve the directory too.
  const fromTop = path.relative(topLevel, path.resolve(realpathSync(repoDir), sub ?? "."));
  return fromTop.split(path.sep).join("/");
}

function parseTree(output: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.split("\0")) {
    if (!record) continue;
    // "<mode> SP <type> SP <object> SP+ <size> TAB <path>"
    const tab = record.indexOf("\t");
    const [mode, type, blobId, size] = record.slice(0, tab).split(/ +/);
    if (type !== "blob" || !mode || !blobId) continue; // submodules (commit) are not configuration
    entries.push({ mode, blobId, size: Number(size), path: record.slice(tab + 1) });
  }
  return entries;
}

/** Follows a committed symbolic link when it points at another file of the same commit; anything else is refused. */
async function resolveLink(
  git: SimpleGit,
  link: TreeEntry,
  byPath: Map<string, TreeEntry>,
  problems: SourceProblem[],
): Promise<TreeEntry | undefined> {
  let current = link;
  for (let hops = 0; hops < 8 && current.mode === SYMLINK_MODE; hops++) {
    const target = await git.raw(["cat-file", "blob", current.blobId]);
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(current.path), target));
    if (path.posix.isAbsolute(target) || resolved.startsWith("../") || resolved === "..") {
      problems.push({ path: link.path, rule: "symlink-escape", message: `symbolic link points outside the repository (${target}); not followed` });
      return undefined;
    }
    const next = byPath.get(resolved);
    if (!next) {
      problems.push({ path: link.path, rule: "unreadable-file", message: `symbolic link points at ${resolved}, which is not a file of this commit` });
      return undefined;
    }
    current = next;
  }
  if (current.mode === SYMLINK_MODE) {
    problems.push({ path: link.path, rule: "unreadable-file", message: "too many levels of symbolic links" });
    return undefined;
  }
  return current;
}

/**
 * Reads many blobs through one `git cat-file --batch` process: simple-git runs one process per command, which
 * costs milliseconds per file; a repository of thousands of files must be read in one stream.
 */
export async function readBlobs(cwd: string, blobIds: readonly string[], cache?: Map<string, string>): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(blobIds)) {
    const cached = cache?.get(id);
    if (cached !== undefined) result.set(id, cached);
    else missing.push(id);
  }
  if (missing.length === 0) return result;

  const child = spawn("git", ["cat-file", "--batch", "--buffer"], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => chunks.push(c));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  child.stdin.end(missing.join("\n") + "\n");
  const code = await exited;
  if (code !== 0) throw new SourceError(`git cat-file failed (${code}): ${stderr.trim()}`);

  const out = Buffer.concat(chunks);
  let offset = 0;
  for (const id of missing) {
    const headerEnd = out.indexOf(10, offset);
    const header = out.toString("latin1", offset, headerEnd);
    const [objectId, , size] = header.split(" ");
    if (objectId !== id || size === undefined) throw new SourceError(`git cat-file: unexpected answer for ${id}: ${header}`);
    const start = headerEnd + 1;
    const text = out.toString("utf8", start, start + Number(size));
    result.set(id, text);
    cache?.set(id, text);
    offset = start + Number(size) + 1; // content is followed by a newline
  }
  return result;
}
