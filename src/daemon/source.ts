/**
 * Where the daemon's revisions come from: a local working copy (watched) or a remote repository (cloned and fetched).
 * Both hand the reconciler a Git directory to read snapshots from and the commit the tracked branch points at.
 */
import { execFile } from "node:child_process";
import { simpleGit } from "simple-git";
import { resolveCommit } from "../source/git.js";
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
  const info: CommitInfo = { commit: commit || revision, message: message ?? "", author: author ?? "", date: date ?? "" };
  if (commitCache.size > 256) commitCache.clear();
  commitCache.set(revision, info);
  return info;
}
