/**
 * The GitHub Action (action.yml, `runs.using: node24`): bundled with the CLI into action/lib/cli/index.mjs by
 * scripts/build-action.mjs, so a workflow runs it with no install and no build. It reads what the runner gives a
 * JavaScript action (INPUT_* variables, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, RUNNER_TEMP, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY) and runs the pull-request check scripts/pr-check.sh runs (src/action/prCheck.ts) or `meshops drift`
 * (schedule).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { checkPullRequest, COMMENT_MARKER, isOneOf, notOneOf, removeReports, runMeshops, validated, type Run } from "./prCheck.js";
import { DRIFT_FAIL_ON, PLAN_FAIL_ON } from "../report/common.js";
import { annotation } from "../report/github.js";
import { makeDirectorySync } from "../util/directory.js";

type Env = NodeJS.ProcessEnv;

/** An input as the runner passes it to a JavaScript action: INPUT_<NAME, upper case>, defaults already applied. */
export function input(env: Env, name: string): string {
  return (env[`INPUT_${name.toUpperCase()}`] ?? "").trim();
}

/** YAML 1.2's spellings of a boolean, which @actions/core's getBooleanInput takes too. */
const TRUE = ["true", "True", "TRUE"];
const FALSE = ["false", "False", "FALSE"];

/** A true/false input; empty (a runner that passes no default) is false. */
function booleanInput(env: Env, name: string): boolean {
  return TRUE.includes(input(env, name));
}

/**
 * The first of `names`, true/false inputs, given another value: taken as false, `warnings-as-errors: yes` would pass
 * warnings the workflow says fail the check.
 */
function booleanInputProblem(env: Env, names: readonly string[]): string | undefined {
  const name = names.find((n) => input(env, n) !== "" && !isOneOf(input(env, n), [...TRUE, ...FALSE]));
  return name === undefined ? undefined : notOneOf(name, input(env, name), ["true", "false"]);
}

/** An input the check cannot run with: one error annotation, exit code 1. */
function badInput(run: Run, problem: string): number {
  run.stdout(`${annotation("error", { title: "meshops" }, problem)}\n`);
  return 1;
}

/** plan-fail-on and drift-fail-on, with action.yml's defaults for a runner that passes an empty input. */
function failOnInput(env: Env, name: "plan-fail-on" | "drift-fail-on"): string {
  return name === "plan-fail-on" ? input(env, "plan-fail-on") || "risky" : input(env, "drift-fail-on") || "drift";
}

/** The event payload's fields the pull-request check reads: a pull request's, or a merge queue's (merge_group). */
interface PullRequestEvent {
  readonly pull_request?: { number?: number; base?: { sha?: string } };
  readonly merge_group?: { base_sha?: string };
}

/** The events whose check is the pull-request check (mode auto). */
const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target", "merge_group"]);

async function pullRequest(run: Run, event: PullRequestEvent): Promise<number> {
  const { code, comment } = await checkPush(run, event);
  if (booleanInput(run.env, "comment") && event.pull_request?.number) {
    // A run that stopped before any report still replaces the last run's comment, which would otherwise stand for this push.
    await postComment(run, event.pull_request.number, comment ?? `${COMMENT_MARKER}\n### ❌ meshops could not check this push\n\nThe job's log says why (its annotations say what to do).\n`);
  }
  return code;
}

/** The checks before the pull-request check (each a one-line error), then the check: its exit code and comment. */
async function checkPush(run: Run, event: PullRequestEvent): Promise<{ readonly code: number; readonly comment?: string }> {
  // A stop below writes no report: an earlier step's of the same job must not stand for this run's (sarif-file).
  removeReports(run);
  // Said before anything runs: plan's --fail-on would refuse a bad plan-fail-on only after validation, in its own name.
  const planFailOn = failOnInput(run.env, "plan-fail-on");
  if (!isOneOf(planFailOn, PLAN_FAIL_ON)) return { code: badInput(run, notOneOf("plan-fail-on", planFailOn, PLAN_FAIL_ON)) };
  const badBoolean = booleanInputProblem(run.env, ["warnings-as-errors", "allow-empty", "comment"]);
  if (badBoolean !== undefined) return { code: badInput(run, badBoolean) };
  const base = input(run.env, "base") || event.pull_request?.base?.sha || event.merge_group?.base_sha || "";
  if (!base) {
    run.stdout("::error title=meshops::no base revision: set the base input outside pull_request and merge_group events\n");
    return { code: 1 };
  }
  const repo = repositoryOf(run);
  if (!isCheckout(repo.dir)) {
    run.stdout(`${annotation("error", { title: "meshops" }, notACheckout(run.cwd, repo.input))}\n`);
    return { code: 1 };
  }
  const fetchError = fetchBase(repo.dir, base);
  if (fetchError) {
    const message = `could not fetch the base commit ${base} from origin (${fetchError}): check out with actions/checkout's fetch-depth: 0, or set the base input to a commit the checkout has`;
    run.stdout(`${annotation("error", { title: "meshops" }, message)}\n`);
    return { code: 1 };
  }
  const ref = input(run.env, "ref") || "HEAD";
  const head = commitOf(repo.dir, ref);
  if (head !== undefined && head === commitOf(repo.dir, base)) {
    // pull_request_target's checkout is the target branch: the check would compare the base with itself and pass.
    const message = `the checked-out ${ref} is the base commit ${base}: nothing of the pull request to check (pull_request_target checks out the target branch); check it out: actions/checkout with ref: \${{ github.event.pull_request.head.sha }}`;
    run.stdout(`${annotation("error", { title: "meshops" }, message)}\n`);
    return { code: 1 };
  }
  const configPath = input(run.env, "path");
  // Given as the event's own base (a workflow that writes the default out), it is still the event's revision.
  const given = input(run.env, "base");
  const eventBase = event.pull_request?.base?.sha || event.merge_group?.base_sha;
  const baseNamed = given && given !== eventBase ? "the base input" : event.pull_request ? "the pull request's base revision" : "the merge queue's base revision";
  const checked = await checkPullRequest(run, {
    base,
    baseNamed,
    ref,
    refNamed: input(run.env, "ref") ? "the ref input" : "the checkout's HEAD",
    repo: repo.dir,
    ...(configPath ? { path: configPath } : {}),
    format: "github",
    warningsAsErrors: booleanInput(run.env, "warnings-as-errors"),
    allowEmpty: booleanInput(run.env, "allow-empty"),
    planFailOn,
  });
  if (checked.problem !== undefined) badInput(run, checked.problem);
  return checked;
}

/** The repo input (actions/checkout's path:, relative to the workspace; "." the workspace itself) and its directory. */
function repositoryOf(run: Run): { readonly input: string; readonly dir: string } {
  const given = input(run.env, "repo") || ".";
  return { input: given, dir: path.resolve(run.cwd, given) };
}

/**
 * Why the check cannot start, and what to set: a workspace that is no checkout often holds one a level down
 * (actions/checkout with path:), which the repo input names.
 */
function notACheckout(workspace: string, repoInput: string): string {
  const where = "the folder actions/checkout checked the repository out into (its path:, relative to the workspace)";
  if (repoInput !== ".") return `repo ${repoInput} is not a Git checkout: set the repo input to ${where}`;
  const below = readdirSync(workspace, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(path.join(workspace, e.name, ".git"))).map((e) => e.name);
  if (below.length > 0) return `the workspace is not a Git checkout; ${below.join(", ")} ${below.length === 1 ? "is one" : "are"} (actions/checkout's path:): set the repo input to it, e.g. repo: ${below[0]}`;
  return "the workspace is not a Git checkout: run actions/checkout before meshops (when it has a path:, set the repo input to the same folder)";
}

/**
 * A shallow checkout (actions/checkout's default) has only the merge commit: fetch the base commit too. Returns git's
 * first `fatal:` line when it cannot be fetched (no access to origin, a base force-pushed away), undefined when it is there.
 */
function fetchBase(cwd: string, base: string): string | undefined {
  try {
    execFileSync("git", ["cat-file", "-e", `${base}^{commit}`], { cwd, stdio: "ignore" });
    return undefined;
  } catch {
    try {
      execFileSync("git", ["fetch", "--no-tags", "--quiet", "--depth=1", "origin", base], { cwd, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
      return undefined;
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "");
      return stderr.split("\n").map((l) => l.trim()).filter(Boolean).find((l) => l.startsWith("fatal:")) ?? (error as Error).message.split("\n")[0];
    }
  }
}

/** Whether `cwd` is in a Git working copy (no actions/checkout step, or one into a sub-folder, leaves none). */
function isCheckout(cwd: string): boolean {
  try {
    return execFileSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim() === "true";
  } catch {
    return false;
  }
}

/** The commit `rev` names, or undefined when it names none (the check itself then says so). */
function commitOf(cwd: string, rev: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

/** One comment per pull request, found by its marker and updated on every push. A read-only token only warns. */
async function postComment(run: Run, pr: number, body: string): Promise<void> {
  const api = run.env.GITHUB_API_URL || "https://api.github.com";
  const headers = {
    authorization: `Bearer ${input(run.env, "github-token")}`,
    accept: "application/vnd.github+json",
    "content-type": "application/json",
    "user-agent": "meshops-action",
  };
  const issue = `${api}/repos/${run.env.GITHUB_REPOSITORY}/issues`;
  try {
    let existing: number | undefined;
    for (let page = 1; page <= 20 && existing === undefined; page++) {
      const reply = await fetch(`${issue}/${pr}/comments?per_page=100&page=${page}`, { headers });
      if (!reply.ok) throw await refused("listing comments", reply);
      const comments = (await reply.json()) as { id: number; body?: string }[];
      existing = comments.findLast((c) => c.body?.startsWith(COMMENT_MARKER))?.id;
      if (comments.length < 100) break;
    }
    const reply = existing
      ? await fetch(`${issue}/comments/${existing}`, { method: "PATCH", headers, body: JSON.stringify({ body }) })
      : await fetch(`${issue}/${pr}/comments`, { method: "POST", headers, body: JSON.stringify({ body }) });
    if (!reply.ok) throw await refused(`${existing ? "updating" : "posting"} the comment`, reply);
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : "";
    const message = `could not comment on the pull request (${(error as Error).message}${cause}); the job summary has the report`;
    run.stdout(`${annotation("warning", { title: "meshops" }, message)}\n`);
  }
}

/** GitHub's refusal, with its own message and, for a token that may not comment, the permission the job needs. */
async function refused(what: string, reply: Response): Promise<Error> {
  const said = await reply.json().then(
    (body: unknown) => (typeof (body as { message?: unknown } | null)?.message === "string" ? ` ${(body as { message: string }).message}` : ""),
    () => "",
  );
  const denied = reply.status === 401 || reply.status === 403 || reply.status === 404;
  const hint = denied ? ": give the job permissions: pull-requests: write (a pull request from a fork gets a read-only token)" : "";
  return new Error(`${what}: HTTP ${reply.status}${said}${hint}`);
}

async function drift(run: Run): Promise<number> {
  const driftFailOn = failOnInput(run.env, "drift-fail-on");
  if (!isOneOf(driftFailOn, DRIFT_FAIL_ON)) return badInput(run, notOneOf("drift-fail-on", driftFailOn, DRIFT_FAIL_ON));
  const badBoolean = booleanInputProblem(run.env, ["allow-empty"]);
  if (badBoolean !== undefined) return badInput(run, badBoolean);
  const configPath = input(run.env, "path");
  const cpUrl = input(run.env, "cp-url");
  if (!cpUrl) {
    // Without it the CLI would open an embedded control plane in the checkout: empty on a runner, so everything "missing".
    run.stdout(`${annotation("error", { title: "meshops" }, "drift needs the cp-url input (the control plane's API, e.g. ${{ vars.KUMA_CP_URL }}): it is empty; on pull requests use mode: pr")}\n`);
    return 1;
  }
  const caFile = input(run.env, "ca-file");
  const clientCert = input(run.env, "client-cert");
  const clientKey = input(run.env, "client-key");
  const args = [
    "drift",
    "--repo", repositoryOf(run).dir,
    "--ref", input(run.env, "ref") || "HEAD",
    "--fail-on", driftFailOn,
    ...(configPath ? ["--path", configPath] : []),
    ...(booleanInput(run.env, "allow-empty") ? ["--allow-empty"] : []),
    "--cp-url", cpUrl,
    ...(caFile ? ["--ca-file", caFile] : []),
    // Both or neither: the CLI says which one is missing.
    ...(clientCert ? ["--client-cert-file", clientCert] : []),
    ...(clientKey ? ["--client-key-file", clientKey] : []),
  ];
  // The token goes through the environment, never the command line.
  const token = input(run.env, "cp-token");
  const withToken: Run = token ? { ...run, env: { ...run.env, MESHOPS_CP_TOKEN: token } } : run;
  return runMeshops(withToken, [...args, "--format", "github"], { "drift.junit.xml": "junit" });
}

/** The action, start to end: the exit code is the step's result (0 passed, 1 error or invalid, 2 failed by policy). */
export async function runAction(env: Env = process.env, cwd = process.cwd(), log: (line: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const requested = input(env, "mode") || "auto";
  const eventName = env.GITHUB_EVENT_NAME ?? "";
  const mode = requested === "auto" ? (PULL_REQUEST_EVENTS.has(eventName) ? "pr" : "drift") : requested;
  if (mode !== "pr" && mode !== "drift") {
    log("::error title=meshops::mode must be pr, drift or auto\n");
    return 1;
  }
  const out = path.join(env.RUNNER_TEMP || cwd, "meshops");
  makeDirectorySync(out);
  const event = env.GITHUB_EVENT_PATH ? (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8")) as PullRequestEvent) : {};
  const run: Run = { env, cwd, out, stdout: log, stderr: log };
  const code = mode === "pr" ? await pullRequest(run, event) : await drift(run);
  if (env.GITHUB_OUTPUT) {
    // Empty in drift mode, and when the check failed before validating: the upload step checks it, and a failed run's
    // SARIF has no results, which code scanning would take for a clean run.
    const outputs = { mode, "exit-code": String(code), "report-dir": out, "sarif-file": mode === "pr" && validated(out) ? path.join(out, "validate.sarif") : "" };
    appendFileSync(env.GITHUB_OUTPUT, Object.entries(outputs).map(([k, v]) => `${k}=${v}\n`).join(""));
  }
  if (code === 0) log("meshops: passed\n");
  else if (code === 2) {
    // Name the input that failed the step, as it was given (or its default), so the reader knows what to relax.
    const failOn = mode === "pr" ? "plan-fail-on" : "drift-fail-on";
    log(`${annotation("error", { title: "meshops" }, `failed by ${failOn}: ${failOnInput(env, failOn)} (exit 2); see the annotations and the job summary`)}\n`);
  }
  else log(`::error title=meshops::meshops failed (exit ${code})\n`);
  return code;
}
