/**
 * `meshops hydrate`: commits rendered manifests to a branch for Flux's GitRepository (or Argo CD) to apply. I/O (Git),
 * the one place outside source/ that writes to a repository. The branch holds nothing but meshops's output: each
 * commit replaces the whole tree (so files of resources that are gone disappear), has one parent (the branch's
 * previous tip) and names its source commit in its message and in a `Meshops-Source-Revision:` trailer. A branch
 * with a commit lacking that trailer was written by someone else: meshops refuses it and names the commits, rather
 * than bury a hand-made fix under its next commit.
 *
 * No working tree is used or touched: the commit is built with `git fast-import` (one process, however many files),
 * dated with the source commit's date (hydrating the same commit onto the same tip gives the same commit id), and
 * published with a plain, non-forced `git push` (or a compare-and-swap `git update-ref` without a remote).
 */
import { spawn } from "node:child_process";
import { shortRevision } from "../model/revision.js";
import { namesUpTo } from "../util/namesUpTo.js";

export const SOURCE_TRAILER = "Meshops-Source-Revision";

/** A failure an operator fixes (a foreign commit on the branch, a push refused): one line, exit 1. */
export class HydrateError extends Error {
  override readonly name = "HydrateError";
}

export interface HydrateRequest {
  /** A directory inside the source repository's working copy (or its Git directory). */
  readonly repoDir: string;
  readonly branch: string;
  /** A remote name or URL to fetch the branch from and push it to; absent: the local branch. */
  readonly remote?: string | undefined;
  /** The source commit (full id) the files were rendered from. */
  readonly sourceRevision: string;
  /** The folder of the source the configuration was read from ("" for the root), for the message. */
  readonly sourcePath: string;
  /** Path in the branch → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly env?: NodeJS.ProcessEnv;
}

export type HydrateResult =
  | { readonly outcome: "committed"; readonly commit: string; readonly parent: string | undefined }
  | { readonly outcome: "up-to-date"; readonly commit: string };

interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runGit(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv | undefined, input?: Buffer): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    // No prompt can be answered here: credentials come from Git's own configuration (helper, askpass, SSH key).
    const child = spawn("git", args, { cwd, env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: "0" }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.on("error", reject);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.on("error", () => undefined); // a git that exits early closes its stdin: its exit code tells why
    child.stdin.end(input);
  });
}

async function git(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv | undefined, input?: Buffer): Promise<string> {
  const run = await runGit(cwd, args, env, input);
  if (run.code !== 0) throw new HydrateError(`git ${args[0] ?? ""} failed: ${firstLine(run.stderr) || `exit code ${run.code}`}`);
  return run.stdout;
}

function firstLine(text: string): string {
  return text.trim().split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
}

/** Commits `files` as the branch's next commit for `sourceRevision`, or says the branch already has it at its tip. */
export async function hydrateBranch(request: HydrateRequest): Promise<HydrateResult> {
  const { repoDir: cwd, branch, remote, env } = request;
  if (branch.startsWith("-") || (await runGit(cwd, ["check-ref-format", "--branch", branch], env)).code !== 0) throw new HydrateError(`--branch ${branch}: not a valid branch name`);
  // Given to Git as an argument: never let it read as an option.
  if (remote?.startsWith("-")) throw new HydrateError(`--remote ${remote}: not a remote name or URL`);
  const ref = `refs/heads/${branch}`;
  const base = remote === undefined ? await localTip(cwd, ref, env) : await fetchTip(cwd, remote, branch, env);
  if (base !== undefined) {
    const history = await commitsOf(cwd, base, env);
    const foreign = history.filter((c) => c.source === undefined);
    if (foreign.length > 0) {
      const named = namesUpTo(foreign, 5, (c) => `${shortRevision(c.id)} ${JSON.stringify(c.subject)}`);
      throw new HydrateError(
        `refusing to hydrate branch ${branch}: it has ${foreign.length} commit${foreign.length === 1 ? "" : "s"} meshops did not write (no ${SOURCE_TRAILER} trailer): ${named}; ` +
          `the branch must hold meshops's output alone: move those changes to the source repository, then reset or delete the branch`,
      );
    }
    if (history[0]?.source === request.sourceRevision) return { outcome: "up-to-date", commit: base };
  }
  const commit = await writeCommit(request, base);
  if (remote === undefined) {
    if ((await runGit(cwd, ["symbolic-ref", "-q", "HEAD"], env)).stdout.trim() === ref) {
      throw new HydrateError(`refusing to hydrate branch ${branch}: it is checked out here; hydrate to a branch nobody works on`);
    }
    await git(cwd, ["update-ref", "-m", "meshops hydrate", ref, commit, base ?? ""], env);
  } else {
    const push = await runGit(cwd, ["push", "--quiet", "--no-verify", remote, `${commit}:${ref}`], env);
    if (push.code !== 0) {
      const raced = /non-fast-forward|fetch first|rejected/.test(push.stderr);
      throw new HydrateError(raced ? `branch ${branch} moved on ${remote} while hydrating; run again` : `git push to ${remote} failed: ${firstLine(push.stderr)}`);
    }
  }
  return { outcome: "committed", commit, parent: base };
}

async function localTip(cwd: string, ref: string, env: NodeJS.ProcessEnv | undefined): Promise<string | undefined> {
  const run = await runGit(cwd, ["rev-parse", "--verify", "-q", `${ref}^{commit}`], env);
  return run.code === 0 ? run.stdout.trim() : undefined;
}

/** The branch's tip on the remote (fetched into a ref of meshops's own), or undefined when the remote has no such branch. */
async function fetchTip(cwd: string, remote: string, branch: string, env: NodeJS.ProcessEnv | undefined): Promise<string | undefined> {
  const listed = await runGit(cwd, ["ls-remote", "--heads", remote, `refs/heads/${branch}`], env);
  if (listed.code !== 0) throw new HydrateError(`cannot read ${remote}: ${firstLine(listed.stderr)}`);
  if (!listed.stdout.trim()) return undefined;
  const local = `refs/meshops/hydrate/${branch}`;
  await git(cwd, ["fetch", "--quiet", "--no-tags", remote, `+refs/heads/${branch}:${local}`], env);
  return localTip(cwd, local, env);
}

interface BranchCommit {
  readonly id: string;
  readonly subject: string;
  readonly source: string | undefined;
}

async function commitsOf(cwd: string, tip: string, env: NodeJS.ProcessEnv | undefined): Promise<BranchCommit[]> {
  const format = `%H%x1f%s%x1f%(trailers:key=${SOURCE_TRAILER},valueonly,separator=%x2c)%x1e`;
  const out = await git(cwd, ["log", `--format=${format}`, tip], env);
  return out
    .split("\x1e")
    .map((record) => record.replace(/^\n/, ""))
    .filter((record) => record !== "")
    .map((record) => {
      const [id = "", subject = "", source = ""] = record.split("\x1f");
      return { id, subject, source: source.trim() || undefined };
    });
}

/** Who commits: Git's configured identity if there is one, else meshops. */
async function identity(cwd: string, env: NodeJS.ProcessEnv | undefined): Promise<string> {
  const config = async (key: string) => (await runGit(cwd, ["config", "--get", key], env)).stdout.trim();
  const [name, email] = [await config("user.name"), await config("user.email")];
  return name && email ? `${name} <${email}>` : "meshops <meshops@localhost>";
}

async function writeCommit(request: HydrateRequest, base: string | undefined): Promise<string> {
  const { repoDir: cwd, env, sourceRevision } = request;
  const [when = "0 +0000", subject = ""] = (await git(cwd, ["show", "-s", "--format=%ct %cd%x1f%s", "--date=format:%z", sourceRevision], env)).trim().split("\x1f");
  const from = request.sourcePath === "" ? "the repository root" : request.sourcePath;
  const message = [
    `meshops: hydrate ${shortRevision(sourceRevision)} ${subject}`.trimEnd(),
    "",
    `Rendered by meshops render --format kubernetes from ${from} at ${sourceRevision}.`,
    "",
    `${SOURCE_TRAILER}: ${sourceRevision}`,
    "",
  ].join("\n");
  const who = `${await identity(cwd, env)} ${when}`;
  const temporary = `refs/meshops/hydrate-new/${request.branch}`;
  const chunks: Buffer[] = [];
  const data = (text: string) => {
    const bytes = Buffer.from(text, "utf8");
    chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from("\n"));
  };
  chunks.push(Buffer.from(`commit ${temporary}\nauthor ${who}\ncommitter ${who}\n`));
  data(message);
  if (base !== undefined) chunks.push(Buffer.from(`from ${base}\n`));
  chunks.push(Buffer.from("deleteall\n"));
  for (const file of [...request.files.keys()].sort()) {
    chunks.push(Buffer.from(`M 100644 inline ${file}\n`));
    data(request.files.get(file) ?? "");
  }
  chunks.push(Buffer.from("done\n"));
  await git(cwd, ["fast-import", "--quiet", "--force", "--done"], env, Buffer.concat(chunks));
  const commit = (await git(cwd, ["rev-parse", "--verify", temporary], env)).trim();
  await git(cwd, ["update-ref", "-d", temporary], env);
  return commit;
}
