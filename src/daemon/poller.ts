/**
 * A remote repository (`--repo URL --branch main`): cloned once into a cache folder, then fetched every `--interval`
 * (with jitter, so daemons started together do not hit the Git server together) or when a webhook says so. The
 * fetch itself runs inside a reconcile, never next to one, so a snapshot is never read from a half-fetched copy.
 *
 * The clone has no checkout: snapshots are read from Git objects. It is made in a temporary folder and renamed into
 * place, so a crash during the first clone leaves no half-cloned cache behind.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { withJitter } from "../util/backoff.js";
import { gitCredentialEnvironment, proxyEnvironmentForGit, type GitCredentials } from "./gitCredentials.js";
import type { Logger } from "./logger.js";
import { withoutCredentials } from "../util/errorMessage.js";
import type { Trigger } from "./queue.js";
import { RepositoryCommits, type RevisionSource } from "./source.js";
import type { GitObjects } from "../source/gitBatch.js";
import type { CommitInfo } from "./statusTypes.js";
import { makeDirectory } from "../util/directory.js";

/**
 * The Git variables a daemon's fetch may need (SSH keys and credential helpers are set up through them); simple-git
 * strips every other GIT_* variable, which could make git run arbitrary commands.
 */
const GIT_ENVIRONMENT = ["GIT_TERMINAL_PROMPT", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_ASKPASS", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"];

/** The environment of git: the daemon's, minus GIT_* variables not in the list, and never a password prompt. */
function gitEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.toUpperCase().startsWith("GIT_") || GIT_ENVIRONMENT.includes(name.toUpperCase())) out[name] = value;
  }
  // A daemon has no one to answer a prompt: fail at once instead of hanging on one.
  return { ...out, GIT_TERMINAL_PROMPT: "0" };
}

export interface RemoteRepositoryOptions {
  readonly url: string;
  readonly branch: string;
  /** Where clones are kept, one folder per URL and branch. */
  readonly cacheDir: string;
  readonly intervalMs: number;
  readonly log: Logger;
  /** A git command that prints nothing for this long is stopped. */
  readonly gitTimeoutMs?: number;
  /** How git authenticates (gitCredentials.ts): by files, never in the URL. */
  readonly credentials?: GitCredentials;
}

export class RemoteRepository implements RevisionSource {
  readonly kind = "remote";
  readonly dir: string;
  readonly display: string;
  readonly branch: string;
  readonly #url: string;
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #commits: RepositoryCommits;
  readonly #gitTimeoutMs: number;
  readonly #credentials: GitCredentials;
  readonly #cacheDir: string;
  #credentialEnv: Promise<Record<string, string>> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RemoteRepositoryOptions) {
    this.#url = options.url;
    this.branch = options.branch;
    this.display = withoutCredentials(options.url);
    this.#intervalMs = options.intervalMs;
    this.#log = options.log;
    this.#gitTimeoutMs = options.gitTimeoutMs ?? 120_000;
    this.#credentials = options.credentials ?? {};
    this.#cacheDir = path.resolve(options.cacheDir);
    const id = createHash("sha256").update(`${options.url}\0${options.branch}`).digest("hex").slice(0, 16);
    this.dir = path.resolve(options.cacheDir, id);
    this.#commits = new RepositoryCommits(this.dir);
  }

  get objects(): GitObjects {
    return this.#commits.objects;
  }

  get #trackingRef(): string {
    return `refs/remotes/origin/${this.branch}`;
  }

  async update(): Promise<void> {
    const started = performance.now();
    if (!existsSync(path.join(this.dir, ".git"))) {
      await this.#clone();
      this.#log.info({ event: "source.cloned", repository: this.display, branch: this.branch, durationMs: Math.round(performance.now() - started) }, "cloned");
      return;
    }
    await (await this.#git(this.dir)).fetch(["--prune", "--no-tags", "origin", `+refs/heads/${this.branch}:${this.#trackingRef}`]);
    this.#log.debug({ event: "source.fetched", repository: this.display, durationMs: Math.round(performance.now() - started) }, "fetched");
  }

  resolve(): Promise<string> {
    return this.#commits.resolve(this.#trackingRef);
  }

  commitInfo(revision: string): Promise<CommitInfo> {
    return this.#commits.commitInfo(revision);
  }

  isAncestor(older: string, newer: string): Promise<boolean> {
    return this.#commits.isAncestor(older, newer);
  }

  async start(trigger: (trigger: Trigger) => void): Promise<void> {
    const schedule = () => {
      if (this.#closed) return;
      this.#timer = setTimeout(() => {
        trigger({ kind: "poll" });
        schedule();
      }, withJitter(this.#intervalMs, 0.1));
    };
    schedule();
  }

  async close(): Promise<void> {
    this.#commits.close();
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #clone(): Promise<void> {
    await makeDirectory(path.dirname(this.dir));
    const temporary = `${this.dir}.tmp-${process.pid}`;
    await rm(temporary, { recursive: true, force: true });
    try {
      await (await this.#git(path.dirname(this.dir))).clone(this.#url, temporary, ["--no-checkout", "--single-branch", "--no-tags", "--branch", this.branch]);
      await rename(temporary, this.dir);
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  }

  async #git(baseDir: string): Promise<SimpleGit> {
    this.#credentialEnv ??= gitCredentialEnvironment(this.#credentials, this.#cacheDir);
    const env = { ...gitEnvironment(process.env), ...proxyEnvironmentForGit(process.env), ...(await this.#credentialEnv) };
    // simple-git refuses GIT_ASKPASS and GIT_SSH_COMMAND unless told: here they are ours (gitCredentials.ts) or the
    // operator's, never a repository's.
    const unsafe = { allowUnsafeAskPass: true, allowUnsafeSshCommand: true };
    return simpleGit({ baseDir, timeout: { block: this.#gitTimeoutMs }, allowEnvironment: GIT_ENVIRONMENT, unsafe }).env(env);
  }
}
