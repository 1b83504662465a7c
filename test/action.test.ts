/**
 * action.yml and the example workflows: their structure (what GitHub reads), and the action itself run the way the
 * runner runs a `node24` action: the committed bundle (action/lib/cli/index.mjs) as a child process, with INPUT_*
 * variables (defaults applied), GITHUB_EVENT_NAME and the event payload file, RUNNER_TEMP, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY, in a checkout that is a real Git repository. GitHub's API (the pull-request comment) is a local
 * HTTP server that records what it is sent.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { validated } from "../src/action/prCheck.js";
import { RESOURCE_TYPES } from "../src/kuma/types.js";
import { runCli } from "./helpers/cli.js";
import { clientCertFixture, startClientCertFront } from "./helpers/clientCerts.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, projectRoot, tempRepo } from "./helpers/git.js";
import { parseWorkflowOutput } from "./helpers/workflowCommands.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

interface Step {
  uses?: string;
  with?: Record<string, string>;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const actionText = readFileSync(path.join(projectRoot, "action.yml"), "utf8");
const action = parse(actionText) as Action;
const BUNDLE = path.join(projectRoot, action.runs.main);

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

test("action.yml: a node24 JavaScript action whose entry is the committed bundle; inputs and outputs documented", () => {
  assert.equal(action.runs.using, "node24");
  assert.equal(action.runs.main, "action/lib/cli/index.mjs");
  assert.ok(existsSync(BUNDLE), "the bundle is committed: npm run build:action");
  // What the bundle finds beside itself: the build-time validators of every type (the schemas: ../schemas).
  const validators = readdirSync(path.join(projectRoot, "action", "validators"));
  for (const type of RESOURCE_TYPES) assert.ok(validators.includes(`${type.name}.js`), type.name);
  for (const input of Object.values(action.inputs)) assert.ok(input.description.length > 10);
  for (const output of Object.values(action.outputs)) assert.ok(output.description.length > 10);
  // Every input the action reads is declared, and every declared input is read.
  const source = readFileSync(path.join(projectRoot, "src", "action", "main.ts"), "utf8");
  const read = new Set([...source.matchAll(/(?:input|booleanInput)\((?:run\.)?env, "([a-z-]+)"\)/g)].map((m) => m[1]));
  assert.deepEqual([...read].sort(), Object.keys(action.inputs).sort());
});

test("the pull-request workflows (examples/github-pr-check.yml, README's) run on every event the action checks: pull_request and merge_group", () => {
  const example = parse(readFileSync(path.join(projectRoot, "examples", "github-pr-check.yml"), "utf8")) as { on: Record<string, unknown> };
  const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
  const snippet = /```yaml\n(# \.github\/workflows\/meshops-pr\.yml\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(snippet, "README has the pull-request workflow");
  const readmeWorkflow = parse(snippet) as { on: Record<string, unknown> };
  for (const [where, workflow] of [["examples/github-pr-check.yml", example], ["README", readmeWorkflow]] as const) {
    for (const event of ["pull_request", "merge_group"]) assert.ok(event in workflow.on, `${where}: on.${event}`);
  }
});

test("examples: the workflows use only the action's inputs, and the GitLab example the scripts that exist", () => {
  for (const file of ["github-pr-check.yml", "github-drift.yml"]) {
    const workflow = parse(readFileSync(path.join(projectRoot, "examples", file), "utf8")) as { jobs: Record<string, { steps: Step[] }> };
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.includes("/meshops@")));
    assert.equal(uses.length, 1, file);
    for (const key of Object.keys(uses[0]?.with ?? {})) assert.ok(key in action.inputs, `${file}: ${key}`);
  }
  const gitlab = parse(readFileSync(path.join(projectRoot, "examples/gitlab-ci.yml"), "utf8")) as Record<string, { script?: string[] }>;
  const scripts = Object.values(gitlab).flatMap((j) => j.script ?? []);
  assert.ok(scripts.some((s) => s.includes("scripts/pr-check.sh")) && existsSync(path.join(projectRoot, "scripts/pr-check.sh")));
  assert.ok(scripts.some((s) => s.includes("bin/meshops.js drift")));
});

// ---------------------------------------------------------------------------------------------------------------------
// The bundle, run as the runner runs it

interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly runnerTemp: string;
}

/** GitHub's API for issue comments, in memory; records every request. */
async function fakeGitHub(options: { readOnly?: boolean } = {}): Promise<{ url: string; requests: { method: string; url: string; auth: string; body: string }[]; comments: { id: number; body: string }[] }> {
  const state = { requests: [] as { method: string; url: string; auth: string; body: string }[], comments: [] as { id: number; body: string }[] };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      state.requests.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization ?? "", body });
      const url = new URL(req.url ?? "", "http://x");
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && url.pathname === "/repos/acme/mesh-config/issues/7/comments") return res.end(JSON.stringify(state.comments));
      // A token without pull-requests: write (a fork's, or a workflow's default read-only permissions), as GitHub answers it.
      if (options.readOnly) {
        res.statusCode = 403;
        return res.end(JSON.stringify({ message: "Resource not accessible by integration" }));
      }
      if (req.method === "POST" && url.pathname === "/repos/acme/mesh-config/issues/7/comments") {
        const comment = { id: 100 + state.comments.length, body: (JSON.parse(body) as { body: string }).body };
        state.comments.push(comment);
        res.statusCode = 201;
        return res.end(JSON.stringify(comment));
      }
      const patched = /^\/repos\/acme\/mesh-config\/issues\/comments\/(\d+)$/.exec(url.pathname);
      const comment = state.comments.find((c) => String(c.id) === patched?.[1]);
      if (req.method === "PATCH" && comment) {
        comment.body = (JSON.parse(body) as { body: string }).body;
        return res.end(JSON.stringify(comment));
      }
      res.statusCode = 404;
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ...state };
}

/**
 * The inputs as the runner passes them: every declared input, its default (expressions evaluated against `context`)
 * unless the workflow gives `with`.
 */
function inputEnv(withInputs: Record<string, string>, context: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = withInputs[name] ?? (spec.default ?? "").replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, expression: string) => context[expression] ?? "");
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return env;
}

/** `runnerTemp`: an earlier run's, as a second step of the same job has it (its reports still there). */
function runAction(cwd: string, options: { event: string; payload: object; with: Record<string, string>; api?: string; runnerTemp?: string }): Promise<ActionRun> {
  const runnerTemp = options.runnerTemp ?? mkdtempSync(path.join(tmpdir(), "meshops-runner-"));
  if (options.runnerTemp === undefined) cleanups.push(() => rmSync(runnerTemp, { recursive: true, force: true }));
  const eventPath = path.join(runnerTemp, "event.json");
  const outputFile = path.join(runnerTemp, "output");
  const summaryFile = path.join(runnerTemp, "step-summary.md");
  writeFileSync(eventPath, JSON.stringify(options.payload));
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const base = (options.payload as { pull_request?: { base?: { sha?: string } } }).pull_request?.base?.sha ?? "";
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: options.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: "acme/mesh-config",
    GITHUB_WORKSPACE: cwd,
    GITHUB_ACTION_PATH: projectRoot,
    GITHUB_API_URL: options.api ?? "http://127.0.0.1:9",
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...inputEnv(options.with, { "github.event.pull_request.base.sha": base, "github.token": "ghs_test_token" }),
  };
  const child = spawn(process.execPath, [BUNDLE], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const outputs = Object.fromEntries(
        readFileSync(outputFile, "utf8")
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      resolve({ code, stdout, stderr, outputs, summary: readFileSync(summaryFile, "utf8"), runnerTemp });
    });
  });
}

const mesh = "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n";
const permission = "type: MeshTrafficPermission\nname: allow-all\nmesh: payments\nspec:\n  targetRef:\n    kind: Mesh\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        action: Allow\n";
const timeout = (idle: string) => meshTimeoutYaml("t", "payments", idle);

test("the action on a pull request: validate and plan, annotations, job summary, reports, one comment updated, outputs, exit code", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh, "mesh-config/mtp.yaml": permission, "mesh-config/t.yaml": timeout("1h") });
  git(repo.dir, "rm", "-q", "mesh-config/mtp.yaml");
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("2h") });
  const github = await fakeGitHub();
  const payload = { pull_request: { number: 7, base: { sha: base } } };

  const pr = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config" }, api: github.url });
  assert.equal(pr.code, 2, pr.stdout + pr.stderr);
  assert.deepEqual(pr.outputs, { mode: "pr", "exit-code": "2", "report-dir": path.join(pr.runnerTemp, "meshops"), "sarif-file": path.join(pr.runnerTemp, "meshops", "validate.sarif") });
  const log = parseWorkflowOutput(pr.stdout);
  const guard = log.commands.find((c) => c.properties.title === "meshops plan: mass change: delete MeshTrafficPermission/payments/allow-all");
  // The pull request deletes mtp.yaml: no file to annotate (GitHub reads lines in the head's files); the message says where it was.
  assert.deepEqual([guard?.name, guard?.properties.file], ["error", undefined]);
  assert.match(guard?.message ?? "", /^delete MeshTrafficPermission\/payments\/allow-all \(mesh-config\/mtp\.yaml:1 at the base revision, a file since deleted\)\n/);
  // The step's last word names the input that failed it, and its value.
  assert.ok(log.commands.some((c) => c.name === "error" && c.properties.title === "meshops" && c.message === "failed by plan-fail-on: risky (exit 2); see the annotations and the job summary"), pr.stdout);
  assert.ok(pr.summary.includes("<!-- meshops:validate -->") && pr.summary.includes("<!-- meshops:plan -->"), pr.summary);
  const reports = readdirSync(path.join(pr.runnerTemp, "meshops")).sort();
  assert.deepEqual(reports, ["comment.md", "plan.json", "plan.junit.xml", "plan.md", "validate.junit.xml", "validate.md", "validate.sarif"]);
  assert.equal((JSON.parse(readFileSync(path.join(pr.runnerTemp, "meshops", "validate.sarif"), "utf8")) as { version: string }).version, "2.1.0");
  const comment = readFileSync(path.join(pr.runnerTemp, "meshops", "comment.md"), "utf8");
  assert.match(comment, /^<!-- meshops:pr-check -->\n<!-- meshops:validate -->/);
  assert.deepEqual(github.comments.map((c) => c.body), [comment]);
  assert.ok(github.requests.every((r) => r.auth === "Bearer ghs_test_token"));

  // The next push updates the same comment; plan-fail-on none passes.
  const again = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", "plan-fail-on": "none" }, api: github.url });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(again.outputs["exit-code"], "0");
  assert.deepEqual(github.requests.map((r) => r.method), ["GET", "POST", "GET", "PATCH"]);
  assert.equal(github.comments.length, 1);

  // A comment that cannot be posted (a fork's read-only token) is a warning, not a failure.
  const readOnly = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", "plan-fail-on": "none" } });
  assert.equal(readOnly.code, 0);
  assert.ok(parseWorkflowOutput(readOnly.stdout).commands.some((c) => c.name === "warning" && /could not comment/.test(c.message)));
});

test("the action on a pull request that does not validate: exit 1, the comment says why there is no plan", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh });
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("not-a-duration") });
  const run = await runAction(repo.dir, { event: "pull_request", payload: { pull_request: { number: 7, base: { sha: base } } }, with: { path: "mesh-config", comment: "false" } });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.equal(run.outputs["exit-code"], "1");
  assert.match(readFileSync(path.join(run.runnerTemp, "meshops", "comment.md"), "utf8"), /The plan was not computed: the pull request does not validate/);
  assert.equal(existsSync(path.join(run.runnerTemp, "meshops", "plan.md")), false);
});

test("the action on a schedule: drift against a control plane, annotations, JUnit file, exit code; no cp-url, bad mode and missing base", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh, "mesh-config/t.yaml": timeout("1h") });

  // No cp-url (an unset vars.KUMA_CP_URL, or a push event taken as drift by mode auto): a runner has no control plane
  // of its own, so one error saying what to set, not every resource reported missing from an empty one.
  const noUrl = await runAction(repo.dir, { event: "schedule", payload: {}, with: { path: "mesh-config" } });
  assert.equal(noUrl.code, 1, noUrl.stdout + noUrl.stderr);
  const errors = parseWorkflowOutput(noUrl.stdout).commands.filter((c) => c.name === "error");
  assert.match(errors[0]?.message ?? "", /drift needs the cp-url input/);
  assert.ok(!errors.some((c) => c.properties.title?.startsWith("meshops drift: missing")), noUrl.stdout);
  assert.equal(existsSync(path.join(repo.dir, ".meshops")), false, "nothing written into the checkout");

  // The embedded control plane over HTTP stands in for a real one.
  await withControlPlaneServer({}, async (cpUrl) => {
    const apply = await runCli(["apply", "--path", "mesh-config", "--cp-url", cpUrl], repo.dir);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);

    const inSync = await runAction(repo.dir, { event: "schedule", payload: {}, with: { path: "mesh-config", "cp-url": cpUrl } });
    assert.equal(inSync.code, 0, inSync.stdout + inSync.stderr);
    assert.deepEqual([inSync.outputs.mode, inSync.outputs["exit-code"], inSync.outputs["sarif-file"]], ["drift", "0", ""]);

    commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("3h") });
    const drifted = await runAction(repo.dir, { event: "schedule", payload: {}, with: { path: "mesh-config", "cp-url": cpUrl } });
    assert.equal(drifted.code, 2);
    const modified = parseWorkflowOutput(drifted.stdout).commands.find((c) => c.properties.title === "meshops drift: modified MeshTimeout/payments/t");
    assert.deepEqual([modified?.name, modified?.properties.file], ["error", "mesh-config/t.yaml"]);
    assert.match(readFileSync(path.join(drifted.runnerTemp, "meshops", "drift.junit.xml"), "utf8"), /<failure type="drift\/modified"/);
    // Not "plan-fail-on or drift-fail-on": a scheduled run has no plan.
    assert.match(drifted.stdout, /^::error title=meshops::failed by drift-fail-on: drift \(exit 2\); see the annotations and the job summary$/m);
    assert.equal((await runAction(repo.dir, { event: "schedule", payload: {}, with: { path: "mesh-config", "cp-url": cpUrl, "drift-fail-on": "none" } })).code, 0);
  });

  const badMode = await runAction(repo.dir, { event: "schedule", payload: {}, with: { mode: "sometimes" } });
  assert.equal(badMode.code, 1);
  assert.match(badMode.stdout, /::error title=meshops::mode must be pr, drift or auto/);
  const noBase = await runAction(repo.dir, { event: "push", payload: {}, with: { mode: "pr" } });
  assert.equal(noBase.code, 1);
  assert.match(noBase.stdout, /no base revision/);
});

// ---------------------------------------------------------------------------------------------------------------------
// Checkouts as actions/checkout makes them

/**
 * The pull request as GitHub serves it: `origin` a bare repository holding the target branch and refs/pull/7/merge
 * (the merge commit of the pull request's head into the target branch's tip), and the workspace the way
 * actions/checkout leaves it by default: a fresh repository that fetched that merge commit alone (--depth=1), the base
 * commit not fetched. With `checkoutPath` (actions/checkout's path:), that repository is the workspace's sub-folder
 * and the workspace itself none. Returns the workspace, the checkout, origin and the base commit (the target branch's tip).
 */
function shallowPullRequestCheckout(
  baseFiles: Record<string, string>,
  prFiles: Record<string, string>,
  remove: readonly string[] = [],
  checkoutPath?: string,
): { workspace: string; checkout: string; origin: string; base: string } {
  const source = tempRepo();
  cleanups.push(source.cleanup);
  const base = commitFiles(source.dir, baseFiles, "base");
  git(source.dir, "checkout", "-q", "-b", "feature");
  if (remove.length > 0) git(source.dir, "rm", "-q", ...remove);
  commitFiles(source.dir, prFiles, "the pull request");
  git(source.dir, "checkout", "-q", "main");
  git(source.dir, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature");
  const merge = git(source.dir, "rev-parse", "HEAD");
  git(source.dir, "reset", "-q", "--hard", base);
  const origin = path.join(source.dir, "origin.git");
  git(source.dir, "init", "-q", "--bare", origin);
  git(source.dir, "push", "-q", origin, "main", `${merge}:refs/pull/7/merge`);
  const workspace = mkdtempSync(path.join(tmpdir(), "meshops-workspace-"));
  cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
  const checkout = path.join(workspace, checkoutPath ?? ".");
  mkdirSync(checkout, { recursive: true });
  git(checkout, "init", "-q");
  git(checkout, "remote", "add", "origin", `file://${origin}`);
  git(checkout, "-c", "protocol.version=2", "fetch", "-q", "--no-tags", "--prune", "--no-recurse-submodules", "--depth=1", "origin", `+${merge}:refs/remotes/pull/7/merge`);
  git(checkout, "checkout", "-q", "--force", "refs/remotes/pull/7/merge");
  return { workspace, checkout, origin, base };
}

test("the action in actions/checkout's default shallow checkout: fetches the base commit and plans; a base it cannot fetch is one error saying what to do, outputs written", async () => {
  const { workspace, base } = shallowPullRequestCheckout({ "mesh-config/mesh.yaml": mesh, "mesh-config/t.yaml": timeout("1h") }, { "mesh-config/t.yaml": timeout("2h") });
  assert.throws(() => git(workspace, "cat-file", "-e", `${base}^{commit}`), "the base commit is not in the checkout");
  const payload = { pull_request: { number: 7, base: { sha: base } } };

  const run = await runAction(workspace, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false" } });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(readFileSync(path.join(run.runnerTemp, "meshops", "plan.md"), "utf8"), /0 to create, 1 to update, 0 to delete/);

  // The base cannot be fetched (here origin is gone; on GitHub: a token without access, a base force-pushed away).
  const unfetchable = shallowPullRequestCheckout({ "mesh-config/mesh.yaml": mesh }, { "mesh-config/t.yaml": timeout("2h") });
  rmSync(unfetchable.origin, { recursive: true, force: true });
  // In the same job as the run above, whose reports (validate.sarif among them) are in the runner's temporary folder.
  assert.ok(existsSync(path.join(run.runnerTemp, "meshops", "validate.sarif")));
  const payload2 = { pull_request: { number: 7, base: { sha: unfetchable.base } } };
  const failed = await runAction(unfetchable.workspace, { event: "pull_request", payload: payload2, with: { path: "mesh-config", comment: "false" }, runnerTemp: run.runnerTemp });
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.doesNotMatch(failed.stderr, /\n\s+at /, "no stack trace");
  const errors = parseWorkflowOutput(failed.stdout).commands.filter((c) => c.name === "error");
  const fetchError = errors.find((c) => c.message.includes(unfetchable.base));
  assert.ok(fetchError, failed.stdout + failed.stderr);
  assert.match(fetchError.message, /could not fetch the base commit .*fetch-depth: 0/);
  assert.doesNotMatch(fetchError.message, /\n/);
  // No SARIF file was written: sarif-file is empty, so the example's upload step (if: sarif-file != '') is skipped, and
  // the earlier run's is gone (an upload step would take it for this push's).
  assert.deepEqual(failed.outputs, { mode: "pr", "exit-code": "1", "report-dir": path.join(failed.runnerTemp, "meshops"), "sarif-file": "" });
  assert.equal(existsSync(path.join(failed.runnerTemp, "meshops", "validate.sarif")), false);
});

test("the action with a base input the checkout cannot resolve after fetching it (a branch name, main): one error naming the base input", async () => {
  const { workspace } = shallowPullRequestCheckout({ "mesh-config/mesh.yaml": mesh }, { "mesh-config/t.yaml": timeout("2h") });
  const payload = { pull_request: { number: 7, base: { sha: "" } } };
  const run = await runAction(workspace, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false", base: "main" } });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  // Besides the step's closing `meshops failed (exit 1)`, one error: the base input's.
  const errors = parseWorkflowOutput(run.stdout).commands.filter((c) => c.name === "error" && c.message.includes("main"));
  assert.deepEqual(
    errors.map((c) => c.message),
    ['the base input: cannot resolve revision "main" to a commit: this clone is shallow (git clone --depth), without the history the revision needs; fetch it: `git fetch --unshallow`, `fetch-depth: 0` for actions/checkout, or `GIT_DEPTH: "0"` on GitLab CI'],
    run.stdout,
  );
});

test("the action without a base input, whose pull request's base names no commit: the error names the pull request's base revision, not a base input nobody gave", async () => {
  const { workspace } = shallowPullRequestCheckout({ "mesh-config/mesh.yaml": mesh }, { "mesh-config/t.yaml": timeout("2h") });
  const payload = { pull_request: { number: 7, base: { sha: "main" } } };
  const run = await runAction(workspace, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false" } });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const errors = parseWorkflowOutput(run.stdout).commands.filter((c) => c.name === "error" && c.message.includes("main"));
  assert.deepEqual(
    errors.map((c) => c.message.replace(/: this clone is shallow.*/, "")),
    ['the pull request\'s base revision: cannot resolve revision "main" to a commit'],
    run.stdout,
  );
});

test("the action with a ref input that names no commit: one error naming the ref input; validate's failure reports kept, no SARIF offered", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh });
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("1h") });
  const payload = { pull_request: { number: 7, base: { sha: base } } };
  const run = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false", ref: "nosuch" } });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  const errors = parseWorkflowOutput(run.stdout).commands.filter((c) => c.name === "error" && c.message.includes("nosuch"));
  assert.deepEqual(errors.map((c) => c.message), ['the ref input: cannot resolve revision "nosuch" to a commit'], run.stdout);
  assert.match(readFileSync(path.join(run.runnerTemp, "meshops", "validate.md"), "utf8"), /### ❌ meshops validate: failed\n[\s\S]*nosuch/);
  assert.equal(run.outputs["sarif-file"], "");
});

test("validated(): a damaged validate.sarif (cut short, not a SARIF log) reads as not validated, not as an exception", () => {
  const out = mkdtempSync(path.join(tmpdir(), "meshops-validated-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const sarif = path.join(out, "validate.sarif");
  assert.equal(validated(out), false, "no file");
  const good = JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "meshops" } }, invocations: [{ executionSuccessful: true }], results: [] }] });
  writeFileSync(sarif, good);
  assert.equal(validated(out), true, "a run that succeeded");
  for (const damaged of [good.slice(0, 40), "", "null", "[]", '{"runs": 3}']) {
    writeFileSync(sarif, damaged);
    assert.equal(validated(out), false, JSON.stringify(damaged));
  }
});

test("the action on a push that breaks a pull request: its comment is updated to say so, not left showing the last valid plan", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh });
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("1h") });
  const github = await fakeGitHub();
  const payload = { pull_request: { number: 7, base: { sha: base } } };
  const valid = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config" }, api: github.url });
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  assert.match(github.comments[0]?.body ?? "", /1 to create/);

  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("forever") });
  const broken = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config" }, api: github.url });
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.equal(github.comments.length, 1);
  assert.equal(github.comments[0]?.body, readFileSync(path.join(broken.runnerTemp, "meshops", "comment.md"), "utf8"));
  assert.match(github.comments[0]?.body ?? "", /### ❌ meshops validate: invalid[\s\S]*invalid duration "forever"[\s\S]*The plan was not computed/);

  // A run that fails before it can report (here a ref that does not exist) says so in the comment too.
  const failed = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", ref: "no-such-ref" }, api: github.url });
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.equal(github.comments.length, 1);
  assert.match(github.comments[0]?.body ?? "", /^<!-- meshops:pr-check -->\n### ❌ meshops could not check this push\n[\s\S]*job's log/);
  assert.doesNotMatch(github.comments[0]?.body ?? "", /invalid duration/, "the last run's report is not left standing");
  // validate's reports say it failed; its SARIF (no results) is not offered for upload, which would read as a clean run.
  assert.match(readFileSync(path.join(failed.runnerTemp, "meshops", "validate.md"), "utf8"), /### ❌ meshops validate: failed\n[\s\S]*no-such-ref/);
  assert.equal(failed.outputs["sarif-file"], "");
  assert.equal(broken.outputs["sarif-file"], path.join(broken.runnerTemp, "meshops", "validate.sarif"));
});

test("the action on pull_request_target, whose checkout is the target branch: one error saying to check out the pull request, not a check that passes having compared the base with itself", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh });
  const payload = { pull_request: { number: 7, base: { sha: base }, head: { sha: "0123456789abcdef0123456789abcdef01234567" } } };
  const run = await runAction(repo.dir, { event: "pull_request_target", payload, with: { path: "mesh-config", comment: "false" } });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const errors = parseWorkflowOutput(run.stdout).commands.filter((c) => c.name === "error");
  assert.match(errors[0]?.message ?? "", /is the base commit .*ref: \$\{\{ github\.event\.pull_request\.head\.sha \}\}/);
  assert.equal(run.outputs["exit-code"], "1");
});

test("the action with a token that cannot comment: a warning saying which permission the job needs, the check's result unchanged", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh });
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("1h") });
  const github = await fakeGitHub({ readOnly: true });
  const run = await runAction(repo.dir, { event: "pull_request", payload: { pull_request: { number: 7, base: { sha: base } } }, with: { path: "mesh-config" }, api: github.url });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const warning = parseWorkflowOutput(run.stdout).commands.find((c) => c.name === "warning" && /could not comment/.test(c.message));
  assert.match(warning?.message ?? "", /HTTP 403 .*Resource not accessible by integration.*permissions: pull-requests: write/);
});

test("the action in a workspace with no checkout (no actions/checkout step): one error saying so and what to set after a checkout with path:, not a base to fetch", async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), "meshops-workspace-"));
  cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
  const payload = { pull_request: { number: 7, base: { sha: "0123456789abcdef0123456789abcdef01234567" } } };
  const run = await runAction(workspace, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false" } });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const errors = parseWorkflowOutput(run.stdout).commands.filter((c) => c.name === "error");
  assert.match(errors[0]?.message ?? "", /not a Git checkout.*actions\/checkout.*path:, set the repo input/);
  assert.doesNotMatch(errors[0]?.message ?? "", /fetch-depth/);
});

test("the action in a merge queue (merge_group): the pull-request check against the queue's base, no comment", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh, "mesh-config/mtp.yaml": permission });
  git(repo.dir, "rm", "-q", "mesh-config/mtp.yaml");
  const head = commitFiles(repo.dir, {});
  const github = await fakeGitHub();
  const payload = { merge_group: { base_sha: base, head_sha: head, head_ref: "refs/heads/gh-readonly-queue/main/pr-7-abc" } };
  const run = await runAction(repo.dir, { event: "merge_group", payload, with: { path: "mesh-config" }, api: github.url });
  // The guard holds in the queue too: a merge that deletes the MeshTrafficPermission fails it.
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.equal(run.outputs.mode, "pr");
  assert.match(readFileSync(path.join(run.runnerTemp, "meshops", "plan.md"), "utf8"), /0 to create, 0 to update, 1 to delete/);
  assert.deepEqual(github.requests, []);
});

test("the action's drift against a control plane that requires a client certificate: the client-cert and client-key inputs", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh, "mesh-config/t.yaml": timeout("1h") });
  await withControlPlaneServer({}, async (cpUrl) => {
    const front = await startClientCertFront(cpUrl);
    try {
      assert.equal((await runCli(["apply", "--path", "mesh-config", "--cp-url", cpUrl], repo.dir)).code, 0);
      const inputs = { path: "mesh-config", "cp-url": front.url, "ca-file": clientCertFixture("ca.pem") };
      const without = await runAction(repo.dir, { event: "schedule", payload: {}, with: inputs });
      assert.equal(without.code, 1, without.stdout);
      assert.match(without.stdout, /the control plane asks for a client certificate: give --client-cert-file and --client-key-file/);
      const withCertificate = await runAction(repo.dir, { event: "schedule", payload: {}, with: { ...inputs, "client-cert": clientCertFixture("admin.pem"), "client-key": clientCertFixture("admin.key") } });
      assert.equal(withCertificate.code, 0, withCertificate.stdout + withCertificate.stderr);
      assert.deepEqual([...new Set(front.clients)], ["meshops test admin"]);
    } finally {
      await front.close();
    }
  });
});

test("the action in a checkout made with actions/checkout's path: (the repository below the workspace): the repo input names it; validate, plan and drift run there, every file and SARIF location relative to that repository's root", async () => {
  const { workspace, checkout, base } = shallowPullRequestCheckout(
    { "mesh-config/mesh.yaml": mesh, "mesh-config/t.yaml": timeout("1h") },
    { "mesh-config/t.yaml": timeout("2h") },
    [],
    "config-repo",
  );
  const payload = { pull_request: { number: 7, base: { sha: base } } };

  // Without the input: one error naming the checkout found below the workspace and the input to set.
  const unset = await runAction(workspace, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false" } });
  assert.equal(unset.code, 1, unset.stdout + unset.stderr);
  const unsetError = parseWorkflowOutput(unset.stdout).commands.find((c) => c.name === "error");
  assert.match(unsetError?.message ?? "", /not a Git checkout.*config-repo.*repo: config-repo/);

  const run = await runAction(workspace, { event: "pull_request", payload, with: { repo: "config-repo", path: "mesh-config", comment: "false" } });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(readFileSync(path.join(run.runnerTemp, "meshops", "plan.md"), "utf8"), /0 to create, 1 to update, 0 to delete/);
  const update = parseWorkflowOutput(run.stdout).commands.find((c) => c.properties.title === "meshops plan: update MeshTimeout/payments/t");
  assert.equal(update?.properties.file, "mesh-config/t.yaml", run.stdout);
  assert.ok(existsSync(path.join(checkout, "mesh-config", "t.yaml")));
  assert.equal(existsSync(path.join(workspace, ".meshops")) || existsSync(path.join(checkout, ".meshops")), false, "nothing written into the checkout");

  // An invalid pull request: its SARIF locations are the checkout's paths (code scanning's %SRCROOT% is that repository's root).
  const invalid = shallowPullRequestCheckout({ "mesh-config/mesh.yaml": mesh }, { "mesh-config/t.yaml": timeout("forever") }, [], "config-repo");
  const failed = await runAction(invalid.workspace, { event: "pull_request", payload: { pull_request: { number: 7, base: { sha: invalid.base } } }, with: { repo: "config-repo", path: "mesh-config", comment: "false" } });
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  const sarif = JSON.parse(readFileSync(failed.outputs["sarif-file"] ?? "", "utf8")) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }[] }[] };
  const locations = sarif.runs.flatMap((r) => r.results.map((x) => x.locations[0]?.physicalLocation.artifactLocation));
  assert.deepEqual(locations, [{ uri: "mesh-config/t.yaml", uriBaseId: "%SRCROOT%" }]);

  // A repo input that names no checkout: one error naming it.
  const wrong = await runAction(workspace, { event: "pull_request", payload, with: { repo: "no-such-folder", path: "mesh-config", comment: "false" } });
  assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
  assert.match(parseWorkflowOutput(wrong.stdout).commands.find((c) => c.name === "error")?.message ?? "", /repo no-such-folder is not a Git checkout/);

  // drift, scheduled, in the same checkout.
  await withControlPlaneServer({}, async (cpUrl) => {
    assert.equal((await runCli(["apply", "--repo", "config-repo", "--path", "mesh-config", "--cp-url", cpUrl], workspace)).code, 0);
    const drift = await runAction(workspace, { event: "schedule", payload: {}, with: { repo: "config-repo", path: "mesh-config", "cp-url": cpUrl } });
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    assert.equal(drift.outputs.mode, "drift");
  });
});

test("the action with allow-empty: a configuration folder with no files yet passes (as --allow-empty), and fails without it", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  // The folder exists for the mesh configuration to come (export wrote it all as not owned, or it is being set up).
  const base = commitFiles(repo.dir, { "mesh-config/README.md": "# mesh configuration, to come\n" });
  commitFiles(repo.dir, { "mesh-config/README.md": "# mesh configuration, soon\n" });
  const payload = { pull_request: { number: 7, base: { sha: base } } };
  const strict = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false" } });
  assert.equal(strict.code, 1, strict.stdout + strict.stderr);
  assert.ok(parseWorkflowOutput(strict.stdout).commands.some((c) => c.name === "error" && /no YAML configuration files.*--allow-empty/.test(c.message)), strict.stdout);
  const allowed = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", comment: "false", "allow-empty": "true" } });
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  assert.match(readFileSync(path.join(allowed.runnerTemp, "meshops", "plan.md"), "utf8"), /meshops plan: no changes/);
});

test("the action with an input value it does not know (plan-fail-on: riksy, warnings-as-errors: yes, drift-fail-on: changes): one error naming the input and its values, before anything runs", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh });
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("1h") });
  const payload = { pull_request: { number: 7, base: { sha: base } } };
  const cases: [Record<string, string>, string, RegExp][] = [
    // Was found only after validation, as `--fail-on`, which the workflow never wrote.
    [{ "plan-fail-on": "riksy" }, "pull_request", /^plan-fail-on must be changes, risky or none, not "riksy"$/],
    // Were taken as false, unsaid: warnings passed a check the workflow said they fail.
    [{ "warnings-as-errors": "yes" }, "pull_request", /^warnings-as-errors must be true or false, not "yes"$/],
    [{ "allow-empty": "ture" }, "pull_request", /^allow-empty must be true or false, not "ture"$/],
    [{ comment: "no" }, "pull_request", /^comment must be true or false, not "no"$/],
    [{ "drift-fail-on": "changes", "cp-url": "http://127.0.0.1:9" }, "schedule", /^drift-fail-on must be drift, any or none, not "changes"$/],
  ];
  for (const [inputs, event, message] of cases) {
    const run = await runAction(repo.dir, { event, payload: event === "schedule" ? {} : payload, with: { path: "mesh-config", ...inputs } });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const errors = parseWorkflowOutput(run.stdout).commands.filter((c) => c.name === "error");
    assert.match(errors[0]?.message ?? "", message, run.stdout + run.stderr);
    assert.equal(run.stderr, "", "nothing from a command that was not to run");
    assert.deepEqual(readdirSync(path.join(run.runnerTemp, "meshops")), [], "nothing validated");
  }
  // YAML 1.2's other spellings of a boolean, as @actions/core's getBooleanInput takes them.
  const spelled = await runAction(repo.dir, { event: "pull_request", payload, with: { path: "mesh-config", "warnings-as-errors": "True", comment: "FALSE" } });
  assert.equal(spelled.code, 0, spelled.stdout + spelled.stderr);
});
