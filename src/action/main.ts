/**
 * The GitHub Action (action.yml, `runs.using: node24`): bundled with the CLI into action/lib/cli/index.mjs by
 * scripts/build-action.mjs, so a workflow runs it with no install and no build. It reads what the runner gives a
 * JavaScript action (INPUT_* variables, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, RUNNER_TEMP, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY) and runs the same checks as scripts/pr-check.sh (pull requests) or `meshops drift` (schedule).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { main } from "../cli/main.js";
import type { CliIo } from "../cli/io.js";

const COMMENT_MARKER = "<!-- meshops:pr-check -->";
/** GitHub's limit is 65,536 characters per comment: 16,000 for validation problems, 48,000 for the plan. */
const VALIDATE_MARKDOWN_LIMIT = "16000";
const PLAN_MARKDOWN_LIMIT = "48000";

type Env = NodeJS.ProcessEnv;

/** An input as the runner passes it to a JavaScript action: INPUT_<NAME, upper case>, defaults already applied. */
export function input(env: Env, name: string): string {
  return (env[`INPUT_${name.toUpperCase()}`] ?? "").trim();
}

interface Run {
  readonly env: Env;
  readonly cwd: string;
  readonly out: string;
  readonly log: (line: string) => void;
}

/**
 * One meshops command, in this process: stdout (the annotations) to the log, and every other report into the report
 * folder through --output, so each command runs once however many formats the run needs.
 */
async function meshops(run: Run, args: string[], reports: Record<string, string> = {}): Promise<number> {
  const io: CliIo = {
    stdout: { write: (s: string) => run.log(s) },
    stderr: { write: (s: string) => run.log(s) },
    env: run.env,
    cwd: run.cwd,
  };
  const outputs = Object.entries(reports).flatMap(([file, format]) => ["--output", `${format}=${path.join(run.out, file)}`]);
  return main([...args, ...outputs], io);
}

async function pullRequest(run: Run, event: { pull_request?: { number?: number; base?: { sha?: string } } }): Promise<number> {
  const base = input(run.env, "base") || event.pull_request?.base?.sha || "";
  if (!base) {
    run.log("::error title=meshops::no base revision: set the base input outside pull_request events\n");
    return 1;
  }
  // A shallow checkout (actions/checkout's default) has only the merge commit: fetch the base commit too.
  try {
    execFileSync("git", ["cat-file", "-e", `${base}^{commit}`], { cwd: run.cwd, stdio: "ignore" });
  } catch {
    execFileSync("git", ["fetch", "--no-tags", "--quiet", "--depth=1", "origin", base], { cwd: run.cwd, stdio: "inherit" });
  }
  const configPath = input(run.env, "path");
  const common = ["--ref", input(run.env, "ref") || "HEAD", ...(configPath ? ["--path", configPath] : [])];
  const validate = ["validate", ...common, ...(input(run.env, "warnings-as-errors") === "true" ? ["--warnings-as-errors"] : [])];
  for (const file of ["validate.md", "plan.md", "plan.json", "plan.junit.xml"]) rmSync(path.join(run.out, file), { force: true });
  const valid = await meshops(run, [...validate, "--format", "github", "--markdown-limit", VALIDATE_MARKDOWN_LIMIT], {
    "validate.md": "markdown",
    "validate.sarif": "sarif",
    "validate.junit.xml": "junit",
  });
  if (!existsSync(path.join(run.out, "validate.md"))) return 1; // it failed before it could report (e.g. an unknown ref)
  const validateMarkdown = readFileSync(path.join(run.out, "validate.md"), "utf8");
  if (valid !== 0) {
    writeFileSync(
      path.join(run.out, "comment.md"),
      `${COMMENT_MARKER}\n${validateMarkdown}\n_The plan was not computed: the pull request does not validate._\n`,
    );
    return 1;
  }
  const plan = ["plan", ...common, "--base", base, "--fail-on", input(run.env, "plan-fail-on") || "risky"];
  const planned = await meshops(run, [...plan, "--format", "github", "--markdown-limit", PLAN_MARKDOWN_LIMIT], { "plan.md": "markdown", "plan.json": "json", "plan.junit.xml": "junit" });
  if (planned !== 0 && planned !== 2) return 1;
  const comment = `${COMMENT_MARKER}\n${validateMarkdown}\n${readFileSync(path.join(run.out, "plan.md"), "utf8")}`;
  writeFileSync(path.join(run.out, "comment.md"), comment);
  if (input(run.env, "comment") === "true" && event.pull_request?.number) await postComment(run, event.pull_request.number, comment);
  return planned;
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
      if (!reply.ok) throw new Error(`listing comments: HTTP ${reply.status}`);
      const comments = (await reply.json()) as { id: number; body?: string }[];
      existing = comments.findLast((c) => c.body?.startsWith(COMMENT_MARKER))?.id;
      if (comments.length < 100) break;
    }
    const reply = existing
      ? await fetch(`${issue}/comments/${existing}`, { method: "PATCH", headers, body: JSON.stringify({ body }) })
      : await fetch(`${issue}/${pr}/comments`, { method: "POST", headers, body: JSON.stringify({ body }) });
    if (!reply.ok) throw new Error(`${existing ? "updating" : "posting"} the comment: HTTP ${reply.status}`);
  } catch (error) {
    run.log(`::warning title=meshops::could not comment on the pull request (${(error as Error).message}; a fork's token is read-only); the job summary has the report\n`);
  }
}

async function drift(run: Run): Promise<number> {
  const configPath = input(run.env, "path");
  const cpUrl = input(run.env, "cp-url");
  const caFile = input(run.env, "ca-file");
  const args = [
    "drift",
    "--ref", input(run.env, "ref") || "HEAD",
    "--fail-on", input(run.env, "drift-fail-on") || "drift",
    ...(configPath ? ["--path", configPath] : []),
    ...(cpUrl ? ["--cp-url", cpUrl] : []),
    ...(caFile ? ["--ca-file", caFile] : []),
  ];
  // The token goes through the environment, never the command line.
  const token = input(run.env, "cp-token");
  const withToken: Run = token ? { ...run, env: { ...run.env, MESHOPS_CP_TOKEN: token } } : run;
  return meshops(withToken, [...args, "--format", "github"], { "drift.junit.xml": "junit" });
}

/** The action, start to end: the exit code is the step's result (0 passed, 1 error or invalid, 2 failed by policy). */
export async function runAction(env: Env = process.env, cwd = process.cwd(), log: (line: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const requested = input(env, "mode") || "auto";
  const eventName = env.GITHUB_EVENT_NAME ?? "";
  const mode = requested === "auto" ? (eventName === "pull_request" || eventName === "pull_request_target" ? "pr" : "drift") : requested;
  if (mode !== "pr" && mode !== "drift") {
    log("::error title=meshops::mode must be pr, drift or auto\n");
    return 1;
  }
  const out = path.join(env.RUNNER_TEMP || cwd, "meshops");
  mkdirSync(out, { recursive: true });
  const event = env.GITHUB_EVENT_PATH ? (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8")) as object) : {};
  const run: Run = { env, cwd, out, log };
  const code = mode === "pr" ? await pullRequest(run, event) : await drift(run);
  if (env.GITHUB_OUTPUT) {
    const outputs = { mode, "exit-code": String(code), "report-dir": out, "sarif-file": mode === "pr" ? path.join(out, "validate.sarif") : "" };
    appendFileSync(env.GITHUB_OUTPUT, Object.entries(outputs).map(([k, v]) => `${k}=${v}\n`).join(""));
  }
  if (code === 0) log("meshops: passed\n");
  else if (code === 2) log("::error title=meshops::failed by plan-fail-on or drift-fail-on (exit 2); see the annotations and the job summary\n");
  else log(`::error title=meshops::meshops failed (exit ${code})\n`);
  return code;
}
