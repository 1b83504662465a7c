/**
 * A local repository (`--repo DIR`): chokidar watches the files Git changes when a branch moves, so a commit is seen
 * within milliseconds and nothing polls. Git updates a ref by writing `<ref>.lock` and renaming it over the ref, and
 * moves many refs at once into `packed-refs` (gc, pack-refs); HEAD changes on checkout. In a linked worktree HEAD lives
 * in the worktree's own Git directory and the refs in the common one, hence the two directories.
 *
 * The branch is pinned (issue 15): `--branch`, or the one checked out when the daemon starts. A checkout of another
 * branch afterwards moves HEAD, not the followed branch: nothing of it is applied.
 */
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { simpleGit } from "simple-git";
import { hasNoCommits, repositoryRoot } from "../source/git.js";
import { SourceError } from "../source/types.js";
import type { Logger } from "./logger.js";
import type { Trigger } from "./queue.js";
import { RepositoryCommits, type RevisionSource } from "./source.js";
import type { GitObjects } from "../source/gitBatch.js";
import type { CommitInfo } from "./statusTypes.js";

/** File events of one ref update arrive within a few milliseconds: wait this long for quiet before triggering. */
const SETTLE_MS = 15;

export class LocalRepository implements RevisionSource {
  readonly kind = "local";
  readonly dir: string;
  readonly display: string;
  readonly branch: string;
  readonly #log: Logger;
  readonly #commits: RepositoryCommits;
  #watcher: FSWatcher | undefined;
  #settle: NodeJS.Timeout | undefined;
  #changed = new Set<string>();

  constructor(options: { dir: string; branch: string; log: Logger }) {
    this.dir = path.resolve(options.dir);
    this.#commits = new RepositoryCommits(this.dir);
    this.display = this.dir;
    this.branch = options.branch;
    this.#log = options.log;
  }

  /** Follows `branch`, or the branch checked out now; refuses a detached HEAD and a branch the repository lacks. */
  static async open(options: { dir: string; branch?: string; log: Logger }): Promise<LocalRepository> {
    const dir = path.resolve(options.dir);
    const git = simpleGit({ baseDir: dir });
    // A folder outside Git, no git on PATH, a checkout of another user's: said as every command says them.
    await repositoryRoot(git, dir, "give --repo a Git working copy, or a repository's URL");
    let branch = options.branch;
    if (branch === undefined) {
      const current = (await git.raw(["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "")).trim();
      if (current === "") throw new SourceError(`${dir}: HEAD is detached: pass --branch to say which branch to follow`);
      branch = current;
    }
    const exists = await git.raw(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`]).then(
      (out) => out.trim() !== "",
      () => false,
    );
    if (!exists && (await hasNoCommits(git))) throw new SourceError(`${dir}: the repository has no commits yet: commit the configuration, then start watch`);
    if (!exists) throw new SourceError(`${dir}: no branch ${branch} to follow (--branch)`);
    return new LocalRepository({ dir, branch, log: options.log });
  }

  get objects(): GitObjects {
    return this.#commits.objects;
  }

  get ref(): string {
    return `refs/heads/${this.branch}`;
  }

  async update(): Promise<void> {
    // The working copy is the repository: a commit there is already "fetched".
  }

  resolve(): Promise<string> {
    return this.#commits.resolve(this.ref);
  }

  commitInfo(revision: string): Promise<CommitInfo> {
    return this.#commits.commitInfo(revision);
  }

  isAncestor(older: string, newer: string): Promise<boolean> {
    return this.#commits.isAncestor(older, newer);
  }

  async start(trigger: (trigger: Trigger) => void): Promise<void> {
    const { gitDir, commonDir } = await gitDirectories(this.dir);
    const paths = [path.join(gitDir, "HEAD"), path.join(commonDir, "refs", "heads"), path.join(commonDir, "packed-refs")];
    const watcher = watch(paths, {
      ignoreInitial: true,
      // A `.lock` file is a ref being written: the rename that follows is the event that matters.
      ignored: (file: string) => file.endsWith(".lock"),
    });
    watcher.on("all", (_event, file) => {
      this.#changed.add(path.relative(commonDir, file) || path.basename(file));
      clearTimeout(this.#settle);
      this.#settle = setTimeout(() => {
        const detail = [...this.#changed].sort().join(", ");
        this.#changed.clear();
        trigger({ kind: "commit", detail });
      }, SETTLE_MS);
    });
    watcher.on("error", (error) => this.#log.warn({ event: "watcher.error", err: String(error) }, "file watcher error"));
    this.#watcher = watcher;
    await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
    this.#log.debug({ event: "watcher.ready", paths }, "watching Git refs");
  }

  async close(): Promise<void> {
    this.#commits.close();
    clearTimeout(this.#settle);
    await this.#watcher?.close();
  }
}

async function gitDirectories(dir: string): Promise<{ gitDir: string; commonDir: string }> {
  const git = simpleGit({ baseDir: dir });
  let out: string;
  try {
    out = await git.raw(["rev-parse", "--path-format=absolute", "--absolute-git-dir", "--git-common-dir"]);
  } catch (cause) {
    throw new SourceError(`${dir} is not inside a Git working copy`, { cause });
  }
  const [gitDir, common] = out.trim().split("\n");
  if (!gitDir || !common) throw new SourceError(`${dir}: cannot find the Git directory`);
  return { gitDir, commonDir: common };
}
