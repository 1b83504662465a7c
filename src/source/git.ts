import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { NO_MODE, diffCommits, type GitObjects, type TreeChange } from "./gitBatch.js";
import { insertSorted } from "../model/order.js";
import type { ReadOptions, Snapshot, SourceFile, SourceProblem } from "./types.js";
import { yieldToEventLoop } from "../util/steps.js";
import { CONFIG_FILE, DEFAULT_MAX_FILE_BYTES, SourceError, WORKTREE, decodeFile, fileTooLarge, isConfigCandidate, isUnder, normalizeRoot, gitFailure, refusedAsAnotherUsers } from "./types.js";
import { isObjectId } from "../model/revision.js";

interface TreeEntry {
  readonly mode: string;
  readonly blobId: string;
  readonly size: number;
  readonly path: string;
}

const SYMLINK_MODE = "120000";

/** Where and how a snapshot was read: what a later read needs to know before it takes the snapshot over. */
interface ReadBasis {
  readonly topLevel: string;
  readonly root: string;
  readonly maxBytes: number;
  /** Some configuration file is a symbolic link: its content depends on another path, so no file can be skipped. */
  readonly links: boolean;
}

/** The basis of every snapshot readCommit returned (weakly held: a snapshot nobody keeps is forgotten). */
const readBases = new WeakMap<Snapshot, ReadBasis>();

/** Changed configuration files above this count are read with the whole tree: the incremental path saves nothing. */
const MAX_INCREMENTAL_FILES = 2_000;

/**
 * Reads the committed configuration at a revision from Git objects (never the working tree). With `previous`, only
 * the files that changed since that snapshot's commit are read (see readChanges); otherwise, or when that is not
 * safe, the whole tree.
 */
export async function readCommit(options: ReadOptions): Promise<Snapshot> {
  const git = simpleGit({ baseDir: options.repo });
  const { topLevel, commit } = options.objects
    ? { topLevel: await repositoryRoot(git, options.repo), commit: await resolveCommitThrough(options.objects, options.ref, options.commitFor) }
    : await rootAndCommit(git, options.repo, options.ref, options.commitFor);
  const root = normalizeRoot(prefixOf(topLevel, options.repo, options.path));
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;

  const previous = options.previous;
  const basis = previous ? readBases.get(previous) : undefined;
  if (previous && basis && basis.topLevel === topLevel && basis.root === root && basis.maxBytes === maxBytes && !basis.links) {
    const snapshot = previous.revision === commit ? previous : await readChanges(git, previous, commit, basis, options.blobCache, options.objects);
    if (snapshot) return snapshot;
  }

  // The whole tree is listed (not just `root`) so a symbolic link can be resolved to the blob it points at.
  const { entries, submodules } = parseTree(await git.raw(["ls-tree", "-r", "-l", "-z", "--full-tree", commit]));
  // Each pass over a large tree's entries (11,000 at 51,000 resources) gets a turn of its own: a daemon reads its
  // first revision this way, and its probes must keep being answered (issue 14).
  await yieldToEventLoop();
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const problems: SourceProblem[] = submodules
    .filter((p) => isUnder(root, p))
    .map((p) => ({ path: p, rule: "submodule", severity: "warning", message: "a Git submodule: its files are another repository's and are not read" }));
  const wanted: { path: string; entry: TreeEntry }[] = [];
  let links = false;

  for (const entry of entries) {
    if (!isConfigCandidate(root, entry.path)) continue;
    if (entry.mode === SYMLINK_MODE) links = true;
    const target = entry.mode === SYMLINK_MODE ? await resolveLink(git, entry, byPath, problems) : entry;
    if (!target) continue;
    if (target.size > maxBytes) {
      problems.push(fileTooLarge(entry.path, target.size, maxBytes));
      continue;
    }
    wanted.push({ path: entry.path, entry: target });
  }
  await yieldToEventLoop();

  options.onListed?.(wanted.reduce((bytes, w) => bytes + w.entry.size, 0));
  const texts = await readBlobs(
    topLevel,
    wanted.map((w) => w.entry.blobId),
    options.blobCache,
  );
  const files: SourceFile[] = [];
  let config: SourceFile | undefined;
  const configPath = configPathOf(root);
  for (const { path: filePath, entry } of wanted) {
    const file = fileOf(filePath, entry.blobId, texts.get(entry.blobId), problems);
    if (!file) continue;
    if (filePath === configPath) config = file;
    else files.push(file);
  }
  await yieldToEventLoop();
  files.sort(comparePaths);
  const paths = new Set<string>();
  for (const entry of entries) if (isUnder(root, entry.path)) paths.add(entry.path);
  for (const submodule of submodules) if (isUnder(root, submodule)) paths.add(submodule);
  const snapshot: Snapshot = { revision: commit, root, files, problems, paths, ...(config ? { config } : {}) };
  readBases.set(snapshot, { topLevel, root, maxBytes, links });
  return snapshot;
}

/**
 * meshops.yaml alone at a revision, without reading the tree: what must be known before the rest is read (the Kuma
 * version the embedded control plane emulates, when `watch` opens it). Undefined when the revision has none.
 */
export async function readCommittedConfig(options: Pick<ReadOptions, "repo" | "ref" | "path" | "commitFor">): Promise<{ readonly root: string; readonly config?: SourceFile }> {
  const git = simpleGit({ baseDir: options.repo });
  const { topLevel, commit } = await rootAndCommit(git, options.repo, options.ref, options.commitFor);
  const root = normalizeRoot(prefixOf(topLevel, options.repo, options.path));
  const configPath = configPathOf(root);
  const [mode, type, blobId] = (await git.raw(["ls-tree", "-z", "--full-tree", commit, "--", configPath])).split(/\s+/);
  // A linked meshops.yaml is not followed here (a full read resolves links): the caller falls back to the defaults.
  if (type !== "blob" || mode === SYMLINK_MODE || !blobId) return { root };
  const text = (await readBlobs(topLevel, [blobId])).get(blobId);
  return typeof text === "string" ? { root, config: { path: configPath, text, blobId } } : { root };
}

function configPathOf(root: string): string {
  return root === "" ? CONFIG_FILE : `${root}/${CONFIG_FILE}`;
}

const REGULAR_FILE_MODES = new Set(["100644", "100755"]);

/**
 * The snapshot of `commit`, given the snapshot of an earlier commit: `git diff-tree` names the paths that differ
 * (comparing tree ids, so it costs the change, not the repository), and only the configuration files among them are
 * looked at; every other file is taken over from `previous`. Undefined when the answer could differ from a full read
 * (the earlier commit is gone, a symbolic link is involved, too many files changed): the caller reads the whole tree.
 * With `objects` (a long-running reader's cat-file process), nothing is spawned: the trees are compared through it.
 */
async function readChanges(
  git: SimpleGit,
  previous: Snapshot,
  commit: string,
  basis: ReadBasis,
  cache: Map<string, string> | undefined,
  objects: GitObjects | undefined,
): Promise<Snapshot | undefined> {
  const { root, maxBytes, topLevel } = basis;
  let diff: TreeChange[];
  try {
    diff = objects ? await diffCommits(objects, previous.revision, commit, root) : parseRawDiff(await git.raw(["diff-tree", "-r", "-z", "--raw", "--no-renames", previous.revision, commit]));
  } catch {
    return undefined; // e.g. the earlier commit no longer exists (a force push, then gc)
  }
  const changes = diff.filter((c) => isConfigCandidate(root, c.path));
  if (changes.length > MAX_INCREMENTAL_FILES) return undefined;
  const paths = pathsAfter(previous.paths, diff, root);
  if (changes.some((c) => c.oldMode === SYMLINK_MODE || c.newMode === SYMLINK_MODE)) return undefined;

  // Present now: a regular file (a deletion shows mode 000000, a submodule 160000; neither is configuration).
  const present = changes.filter((c) => REGULAR_FILE_MODES.has(c.newMode));
  const sizes = await blobSizes(topLevel, present.map((c) => c.newBlobId), objects);
  const problems = previous.problems.filter((p) => !changes.some((c) => c.path === p.path));
  const readable: TreeChange[] = [];
  for (const change of present) {
    const size = sizes.get(change.newBlobId);
    if (size === undefined) return undefined;
    if (size > maxBytes) problems.push(fileTooLarge(change.path, size, maxBytes));
    else readable.push(change);
  }
  const texts = await readBlobs(topLevel, readable.map((c) => c.newBlobId), cache, objects);

  const updated = new Map<string, SourceFile | undefined>(changes.map((c) => [c.path, undefined]));
  for (const change of readable) updated.set(change.path, fileOf(change.path, change.newBlobId, texts.get(change.newBlobId), problems));
  const configPath = configPathOf(root);
  let config = previous.config;
  if (updated.has(configPath)) config = updated.get(configPath);
  // The last snapshot's files are in path order: the changed ones are cut out and the new ones merged in.
  const kept = previous.files.filter((file) => !updated.has(file.path));
  const added: SourceFile[] = [];
  for (const [filePath, file] of updated) if (file && filePath !== configPath) added.push(file);
  const files = insertSorted(kept, added.sort(comparePaths), comparePaths);
  problems.sort(comparePaths);
  const snapshot: Snapshot = { revision: commit, root, files, problems, ...(paths ? { paths } : {}), ...(config ? { config } : {}) };
  readBases.set(snapshot, { ...basis, links: false });
  return snapshot;
}

/** The paths below `root` after `diff`: the same set when no path was added or removed (most commits change files). */
function pathsAfter(before: ReadonlySet<string> | undefined, diff: readonly TreeChange[], root: string): ReadonlySet<string> | undefined {
  if (!before) return undefined;
  const moved = diff.filter((c) => isUnder(root, c.path) && (c.oldMode === NO_MODE) !== (c.newMode === NO_MODE));
  if (moved.length === 0) return before;
  const after = new Set(before);
  for (const change of moved) {
    if (change.newMode === NO_MODE) after.delete(change.path);
    else after.add(change.path);
  }
  return after;
}

/** `git diff-tree -r -z --raw` output: `:<old mode> <new mode> <old id> <new id> <status>` NUL `<path>` NUL, repeated. */
function parseRawDiff(output: string): TreeChange[] {
  const fields = output.split("\0");
  const changes: TreeChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const header = fields[i] ?? "";
    const filePath = fields[i + 1] ?? "";
    if (!header.startsWith(":")) break;
    const [oldMode, newMode, , newBlobId] = header.slice(1).split(" ");
    if (!oldMode || !newMode || !newBlobId) continue;
    changes.push({ path: filePath, oldMode, newMode, newBlobId });
  }
  return changes;
}

function comparePaths(a: { readonly path: string }, b: { readonly path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The repository's top level and the commit `ref` names, asked of one `git rev-parse` (each spawn is 10-20 ms of a
 * one-shot command's few hundred). When that fails, each is asked apart, whose failures say exactly what is wrong.
 */
async function rootAndCommit(git: SimpleGit, dir: string, ref: string, commitFor: string | undefined): Promise<{ topLevel: string; commit: string }> {
  if (!topLevels.has(dir)) {
    const [topLevel, commit] = (await git.revparse(["--show-toplevel", "--verify", `${ref}^{commit}`]).catch(() => "")).trim().split("\n");
    if (topLevel && commit && isObjectId(commit)) {
      topLevels.set(dir, topLevel);
      return { topLevel, commit };
    }
  }
  const topLevel = await repositoryRoot(git, dir, withoutCommit(commitFor));
  return { topLevel, commit: await resolveCommit(git, ref, commitFor) };
}

/** Top levels already found, by directory: a long-running process reads the same repository on every commit. */
const topLevels = new Map<string, string>();

/** The top level of the working copy `dir` is in; outside one, the error says `wayOn` (what the caller's user can do). */
export async function repositoryRoot(git: SimpleGit, dir: string, wayOn?: string): Promise<string> {
  const known = topLevels.get(dir);
  if (known) return known;
  try {
    const topLevel = (await git.revparse(["--show-toplevel"])).trim();
    topLevels.set(dir, topLevel);
    return topLevel;
  } catch (cause) {
    throw new SourceError(...notARepository(dir, cause, wayOn));
  }
}

/**
 * Why Git would not name a top level. A checkout owned by another user (a CI container's, a volume's) is refused by
 * Git's safe.directory check, which "not inside a Git working copy" would hide. Git's own words are kept as the cause
 * unless they only say the same ("not a git repository").
 */
function notARepository(dir: string, cause: unknown, wayOn: string | undefined): [string, ErrorOptions?] {
  const said = cause instanceof Error ? cause.message : String(cause);
  if (/spawn git ENOENT/.test(said)) return [GIT_MISSING];
  const refused = refusedAsAnotherUsers(dir, said);
  if (refused !== undefined) return [refused];
  // Git's answer in a bare repository or a .git folder: there are no files, so --ref WORKTREE is no way on.
  if (/must be run in a work tree/.test(said)) {
    return [`${dir} is a Git directory without a working copy (a bare repository, or a .git folder): give --repo a working copy (of a bare repository, a clone: git clone ${dir})`];
  }
  const message = `${dir} is not inside a Git working copy${wayOn ? `: ${wayOn}` : ""}`;
  return /not a git repository/i.test(said) ? [message] : [message, { cause }];
}

const GIT_MISSING = "git is not on PATH: meshops reads the repository with the git command; install Git, or add its folder to PATH";

/** resolveCommit through a long-running reader's cat-file process. */
export async function resolveCommitThrough(objects: GitObjects, ref: string, commitFor?: string): Promise<string> {
  const [found] = await objects.info([`${ref}^{commit}`]).catch(() => [undefined]);
  if (found?.type !== "commit") {
    const git = simpleGit({ baseDir: objects.directory });
    throw new SourceError((await hasNoCommits(git)) ? noCommitsMessage(commitFor) : await unresolvedMessage(git, ref));
  }
  return found.id;
}

/** The commit `ref` names; `commitFor`: what the caller needs a commit for (ReadOptions.commitFor), said if there is none. */
export async function resolveCommit(git: SimpleGit, ref: string, commitFor?: string): Promise<string> {
  let commit = "";
  try {
    commit = (await git.revparse(["--verify", `${ref}^{commit}`])).trim();
  } catch (cause) {
    if (await hasNoCommits(git)) throw new SourceError(noCommitsMessage(commitFor));
    throw new SourceError(await unresolvedMessage(git, ref), { cause });
  }
  // simple-git resolves some failures to an empty answer instead of rejecting.
  if (!isObjectId(commit)) throw new SourceError(await unresolvedMessage(git, ref));
  return commit;
}

/**
 * Why `ref` names no commit of the repository at `dir`, as a read of it would say (resolveCommit): for a caller that
 * names where the revision came from. Undefined when it names one, is WORKTREE, `dir` is no repository, or Git fails
 * otherwise (the read says so).
 */
export async function unresolvedRevision(dir: string, ref: string): Promise<string | undefined> {
  if (ref === WORKTREE) return undefined;
  try {
    const git = simpleGit({ baseDir: dir });
    // Outside a repository (or a folder that is not there) no revision resolves: the read says what is really wrong.
    await git.revparse(["--git-dir"]);
    await resolveCommit(git, ref);
    return undefined;
  } catch (error) {
    return error instanceof SourceError ? error.message : undefined;
  }
}

function noCommitsMessage(commitFor: string | undefined): string {
  return `the repository has no commits yet: ${withoutCommit(commitFor)}`;
}

/** What a user with no commit to read can do; a command that needs one (`commitFor` says why) is not offered WORKTREE. */
function withoutCommit(commitFor: string | undefined): string {
  return commitFor === undefined ? "commit the configuration to Git, or read the files as they are with --ref WORKTREE" : `${commitFor}; commit the configuration to Git first`;
}

/** A repository just made with `git init`: no ref names a commit (git's own answer, "Needed a single revision", says nothing of it). */
export async function hasNoCommits(git: SimpleGit): Promise<boolean> {
  return git.raw(["rev-list", "--all", "--max-count=1"]).then((answer) => answer.trim() === "", () => false);
}

/**
 * Why `ref` is not found. In a shallow clone (a CI checkout's default depth of 1) `HEAD~1` or the target branch's
 * commit is simply not there: say so, and how to fetch it, rather than only that it does not resolve.
 */
async function unresolvedMessage(git: SimpleGit, ref: string): Promise<string> {
  const message = `cannot resolve revision "${ref}" to a commit`;
  const shallow = await git.revparse(["--is-shallow-repository"]).then((answer) => answer.trim() === "true", () => false);
  return shallow ? `${message}: this clone is shallow (git clone --depth), without the history the revision needs; fetch it: \`git fetch --unshallow\`, \`fetch-depth: 0\` for actions/checkout, or \`GIT_DEPTH: "0"\` on GitLab CI` : message;
}

/**
 * The folder `--repo` and `--path` name, relative to the working copy's top level, as the files' paths are: what a
 * report anchors a finding of no file at (code scanning resolves %SRCROOT% to the repository's root, not to --repo).
 * Outside a working copy (a WORKTREE read of a plain folder), the folder read is its own root. Asks Git only when no
 * read of `repoDir` did already.
 */
export async function repositoryFolder(repoDir: string, sub: string | undefined): Promise<string> {
  const topLevel = await workingCopyRoot(repoDir);
  return normalizeRoot(topLevel === undefined ? sub : prefixOf(topLevel, repoDir, sub));
}

/** The top level of the working copy `dir` is in; undefined when it is in none (Git's other failures are thrown). */
export async function workingCopyRoot(dir: string): Promise<string | undefined> {
  return repositoryRoot(simpleGit({ baseDir: dir }), dir).catch((error: unknown) => {
    if (error instanceof SourceError) return undefined;
    throw error;
  });
}

/** `--path` is relative to the directory given as --repo; Git paths are relative to the top level. */
export function prefixOf(topLevel: string, repoDir: string, sub: string | undefined): string {
  // Git prints the top level with symbolic links resolved (/tmp may be a link), so resolve the directory too.
  const fromTop = path.relative(topLevel, path.resolve(realpathSync(repoDir), sub ?? "."));
  return fromTop.split(path.sep).join("/");
}

function parseTree(output: string): { entries: TreeEntry[]; submodules: string[] } {
  const entries: TreeEntry[] = [];
  const submodules: string[] = [];
  // "<mode> SP <type> SP <object> SP+ <size> TAB <path>" NUL, repeated: read by offsets, no split per record (a
  // repository of 11,000 files is as many records).
  for (let at = 0; at < output.length; ) {
    let end = output.indexOf("\0", at);
    if (end === -1) end = output.length;
    const tab = output.indexOf("\t", at);
    if (tab === -1 || tab > end) break;
    const typeStart = output.indexOf(" ", at) + 1;
    const idStart = output.indexOf(" ", typeStart) + 1;
    const idEnd = output.indexOf(" ", idStart);
    const type = output.slice(typeStart, idStart - 1);
    const filePath = output.slice(tab + 1, end);
    if (type === "commit") submodules.push(filePath); // a submodule: not configuration, but said so
    else if (type === "blob" && typeStart > at + 1 && idEnd > idStart) {
      entries.push({ mode: output.slice(at, typeStart - 1), blobId: output.slice(idStart, idEnd), size: Number(output.slice(idEnd, tab)), path: filePath });
    }
    at = end + 1;
  }
  return { entries, submodules };
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

/** A blob that is not UTF-8 text: the problem, its path still to be filled in by the caller. */
export interface NotText {
  readonly notText: SourceProblem;
}

/** The file at `filePath`, or its problem added to `problems` when its content is not text. */
function fileOf(filePath: string, blobId: string, content: string | NotText | undefined, problems: SourceProblem[]): SourceFile | undefined {
  if (typeof content === "object") {
    problems.push({ ...content.notText, path: filePath });
    return undefined;
  }
  return { path: filePath, text: content ?? "", blobId };
}

/**
 * Reads many blobs through one `git cat-file --batch` process: simple-git runs one process per command, which
 * costs milliseconds per file; a repository of thousands of files must be read in one stream.
 */
export async function readBlobs(cwd: string, blobIds: readonly string[], cache?: Map<string, string>, objects?: GitObjects): Promise<Map<string, string | NotText>> {
  const result = new Map<string, string | NotText>();
  const missing: string[] = [];
  for (const id of new Set(blobIds)) {
    const cached = cache?.get(id);
    if (cached !== undefined) result.set(id, cached);
    else missing.push(id);
  }
  if (missing.length === 0) return result;
  const keep = (id: string, content: Buffer) => {
    const decoded = decodeFile("", content);
    if ("problem" in decoded) {
      result.set(id, { notText: decoded.problem });
    } else {
      result.set(id, decoded.text);
      cache?.set(id, decoded.text);
    }
  };
  if (objects) {
    const read = await objects.contents(missing);
    read.forEach((object, i) => {
      const id = missing[i] ?? "";
      if (object?.type !== "blob") throw new SourceError(`git cat-file: blob ${id} is missing`);
      keep(id, object.content);
    });
    return result;
  }

  // Each blob is decoded as soon as it has arrived: holding git's whole output (and its chunks) until the end doubled
  // the read's memory (about 110 MB of buffers for a 26 MB repository).
  let next = 0;
  await catFile(cwd, "--batch", missing, new BatchAnswers((header, content) => {
    const id = missing[next++];
    const [objectId, , size] = header.split(" ");
    if (id === undefined || objectId !== id || size === undefined || content === undefined) throw new SourceError(`git cat-file: unexpected answer for ${id}: ${header}`);
    keep(id, content);
  }));
  if (next !== missing.length) throw new SourceError(`git cat-file: ${missing.length - next} of ${missing.length} objects not answered`);
  return result;
}

/**
 * Splits `git cat-file --batch` output as it streams in: `<id> <type> <size>` LF, the content, LF, repeated; each
 * answer is handed over once whole. A `missing` answer has a header and no content. Content that lies within one chunk
 * is handed over in place; only an answer that spans chunks is copied, into one buffer reused for the next (joining
 * the chunks instead copied every byte of the output once more, in a fresh allocation per chunk).
 */
class BatchAnswers {
  /** The header being read, until its LF arrives. */
  private partialHeader = "";
  /** The header of the answer whose content is being read. */
  private header = "";
  /** Content bytes of that answer; -1 while a header is being read. */
  private size = -1;
  private filled = 0;
  private spanning = Buffer.alloc(0);
  /** The LF after a content is still to come. */
  private trailer = false;

  constructor(private readonly onAnswer: (header: string, content: Buffer | undefined) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.trailer) {
        if (chunk[at] !== 10) throw new SourceError(`git cat-file: no line feed after the content of ${this.header}`);
        this.trailer = false;
        at++;
        continue;
      }
      if (this.size < 0) {
        const lineEnd = chunk.indexOf(10, at);
        this.partialHeader += chunk.toString("latin1", at, lineEnd === -1 ? chunk.length : lineEnd);
        if (lineEnd === -1) return;
        at = lineEnd + 1;
        const header = this.partialHeader;
        this.partialHeader = "";
        const size = header.endsWith(" missing") ? undefined : Number(header.split(" ")[2]);
        if (size === undefined || !Number.isInteger(size) || size < 0) {
          this.onAnswer(header, undefined);
          continue;
        }
        this.header = header;
        if (chunk.length - at >= size) {
          this.answer(chunk.subarray(at, at + size));
          at += size;
          continue;
        }
        this.size = size;
        this.filled = 0;
        if (this.spanning.length < size) this.spanning = Buffer.allocUnsafe(Math.max(size, 2 * this.spanning.length));
      }
      const n = Math.min(this.size - this.filled, chunk.length - at);
      chunk.copy(this.spanning, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === this.size) {
        this.size = -1;
        this.answer(this.spanning.subarray(0, this.filled));
      }
    }
  }

  /** Whether everything received was handed over. */
  get done(): boolean {
    return this.size < 0 && !this.trailer && this.partialHeader === "";
  }

  private answer(content: Buffer): void {
    this.trailer = true;
    this.onAnswer(this.header, content);
  }
}

/** Sizes in bytes of many blobs, through one `git cat-file --batch-check`. A missing object has no entry. */
export async function blobSizes(cwd: string, blobIds: readonly string[], objects?: GitObjects): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const ids = [...new Set(blobIds)];
  if (ids.length === 0) return sizes;
  if (objects) {
    (await objects.info(ids)).forEach((info, i) => {
      if (info?.type === "blob") sizes.set(ids[i] ?? "", info.size);
    });
    return sizes;
  }
  const out = (await catFile(cwd, "--batch-check", ids)).toString("latin1");
  for (const line of out.split("\n")) {
    const [id, type, size] = line.split(" ");
    if (id && type === "blob" && size !== undefined) sizes.set(id, Number(size));
  }
  return sizes;
}

/**
 * Runs `git cat-file <mode> --buffer` with one object id a line on its input, and returns all of its output, or hands
 * it to `answers` as it arrives (then the result is empty).
 */
async function catFile(cwd: string, mode: "--batch" | "--batch-check", ids: readonly string[], answers?: BatchAnswers): Promise<Buffer> {
  const child = spawn("git", ["cat-file", mode, "--buffer"], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  // Listened to first: a spawn that fails (EMFILE) emits 'error' and has no pipes at all.
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  if (!child.stdout || !child.stderr || !child.stdin) {
    await exited;
    throw new SourceError("git cat-file could not be started");
  }
  const chunks: Buffer[] = [];
  let stderr = "";
  let failure: unknown;
  child.stdout.on("data", (c: Buffer) => {
    if (!answers) chunks.push(c);
    else if (failure === undefined) {
      try {
        answers.push(c);
      } catch (error) {
        failure = error;
      }
    }
  });
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdin.on("error", () => undefined); // git's own exit status says what went wrong
  child.stdin.end(ids.join("\n") + "\n");
  const code = await exited;
  if (code !== 0) throw new SourceError(gitFailure(cwd, `git cat-file failed (${code})`, stderr));
  if (failure !== undefined) throw failure;
  if (answers && !answers.done) throw new SourceError("git cat-file: its output ended in the middle of an object");
  return Buffer.concat(chunks);
}
