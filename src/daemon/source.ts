/**
 * Where the daemon's revisions come from: a local working copy (watched) or a remote repository (cloned and fetched).
 * Both hand the reconciler a Git directory to read snapshots from and the commit the tracked branch points at.
 */
import { execFile } from "node:child_process";
import { simpleGit } from "simple-git";
import { resolveCommit, resolveCommitThrough } from "../source/git.js";
import { GitObjects, parseCommit } from "../source/gitBatch.js";
import type { Trigger } from "./queue.js";
import type { CommitInfo } from "./statusTypes.js";

export interface RevisionSource {
  readonly kind: "local" | "remote";
  /** What to show for it: the directory, or the URL without credentials. */
  readonly display: string;
  /** The followed branch: nothing off it is applied (a local repository's is pinned when the daemon starts). */
  readonly branch: string;
  /** The Git working copy snapshots are read from (`--path` is relative to it). */
  readonly dir: string;
  /** The copy's objects through one long-lived git process: snapshot reads after the first spawn nothing. */
  readonly objects: GitObjects;
  /** Brings the copy up to date: clone (the first time) and fetch a remote; nothing for a local repository. */
  update(): Promise<void>;
  /** The commit the tracked branch points at in the copy. */
  resolve(): Promise<string>;
  commitInfo(revision: string): Promise<CommitInfo>;
  /** Whether `older` is an ancestor of `newer` (false when either is unknown to the copy). */
  isAncestor(older: string, newer: string): Promise<boolean>;
  /** Starts reporting that the branch may have moved (file events, poll ticks). */
  start(trigger: (trigger: Trigger) => void): Promise<void>;
  close(): Promise<void>;
}

/** `https://…`, `ssh://…`, `file://…`, `git://…` or scp-like `git@host:org/repo.git`; anything else is a directory. */
export function isRemoteRepository(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

/** Reads the commit a ref points at. */
export async function resolveRef(dir: string, ref: string): Promise<string> {
  return resolveCommit(simpleGit({ baseDir: dir }), ref);
}

/** Parents followed before `isAncestor` asks `git merge-base` instead: a branch moves by a commit or a few. */
const ANCESTRY_WALK = 64;

/**
 * What the daemon asks of its copy at every sync (the branch's commit, the commit's subject and author, whether the
 * branch was rewritten), answered through the copy's cat-file process: no spawn per commit.
 */
export class RepositoryCommits {
  readonly objects: GitObjects;
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.objects = new GitObjects(dir);
  }

  async resolve(ref: string): Promise<string> {
    try {
      return await resolveCommitThrough(this.objects, ref, "watch applies the branch's commits");
    } catch (error) {
      // A process started in a copy that was since removed and made again would never see it: start afresh.
      this.objects.close();
      throw error;
    }
  }

  async commitInfo(revision: string): Promise<CommitInfo> {
    const cached = commitCache.get(revision);
    if (cached) return cached;
    const [object] = await this.objects.contents([revision]);
    // A message in another encoding is re-encoded by git log, as before.
    if (object?.type !== "commit") return readCommitInfo(this.#dir, revision);
    const commit = parseCommit(object.id, object.content);
    if (commit.encoded) return readCommitInfo(this.#dir, revision);
    return remember({ commit: commit.id, message: commit.subject, author: commit.author, date: commit.date }, revision);
  }

  /** Walks the parents of `newer` a little way; only a longer history is left to `git merge-base`. */
  async isAncestor(older: string, newer: string): Promise<boolean> {
    const seen = new Set<string>();
    let frontier = [newer];
    while (frontier.length > 0 && seen.size < ANCESTRY_WALK) {
      if (frontier.includes(older)) return true;
      for (const id of frontier) seen.add(id);
      const commits = await this.objects.contents(frontier).catch(() => undefined);
      if (!commits || commits.some((c) => c?.type !== "commit")) return isAncestorIn(this.#dir, older, newer);
      frontier = [...new Set(commits.flatMap((c) => (c ? parseCommit(c.id, c.content).parents : [])))].filter((id) => !seen.has(id));
    }
    return frontier.length === 0 ? false : isAncestorIn(this.#dir, older, newer);
  }

  close(): void {
    this.objects.close();
  }
}

/**
 * `git merge-base --is-ancestor`: exit 0 yes, 1 no; anything else (an unknown commit after a force-push) counts as
 * no. Run directly: simple-git takes a failing exit code without stderr for a success.
 */
export function isAncestorIn(dir: string, older: string, newer: string): Promise<boolean> {
  return new Promise((resolve) => execFile("git", ["merge-base", "--is-ancestor", older, newer], { cwd: dir }, (error) => resolve(!error)));
}

const commitCache = new Map<string, CommitInfo>();

/** Subject, author and date of a commit, for logs and the status page (cached: commits never change). */
export async function readCommitInfo(dir: string, revision: string): Promise<CommitInfo> {
  const cached = commitCache.get(revision);
  if (cached) return cached;
  const raw = await simpleGit({ baseDir: dir }).raw(["log", "-1", "--format=%H%x1f%s%x1f%an%x1f%aI", revision, "--"]);
  const [commit, message, author, date] = raw.trim().split("\x1f");
  return remember({ commit: commit || revision, message: message ?? "", author: author ?? "", date: date ?? "" }, revision);
}

function remember(info: CommitInfo, revision = info.commit): CommitInfo {
  if (commitCache.size > 256) commitCache.clear();
  commitCache.set(revision, info);
  return info;
}
