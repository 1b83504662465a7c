/**
 * action.yml and the example workflows: their structure (what GitHub reads), and the action's shell steps run the way
 * the runner runs them (bash, with the step's env, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY) on real Git repositories, so a pull-request run and a drift run are exercised end to end
 * without GitHub. What cannot run here: actions/setup-node, and the comment step (it calls GitHub's API with `gh`).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { runCli } from "./helpers/cli.js";
import { commitFiles, git, projectRoot, tempRepo } from "./helpers/git.js";
import { parseWorkflowOutput } from "./helpers/workflowCommands.js";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  "working-directory"?: string;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const actionText = readFileSync(path.join(projectRoot, "action.yml"), "utf8");
const action = parse(actionText) as Action;
const step = (name: string): Step => {
  const found = action.runs.steps.find((s) => s.name === name);
  assert.ok(found, `step "${name}"`);
  return found;
};

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

test("action.yml: a composite action that sets up Node 20 and installs meshops from its own path with npm ci", () => {
  assert.equal(action.runs.using, "composite");
  const node = action.runs.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
  assert.equal(node?.with?.["node-version"], "20");
  const install = action.runs.steps.find((s) => s.run?.includes("npm ci"));
  assert.equal(install?.["working-directory"], "${{ github.action_path }}");
  assert.ok(action.runs.steps.indexOf(node as Step) < action.runs.steps.indexOf(install as Step));
  for (const s of action.runs.steps) {
    if (s.run) assert.equal(s.shell, "bash", `${s.name}: composite run steps need a shell`);
    // Expressions go through env, never into the script text: a branch name or input cannot inject shell code.
    if (s.run) assert.ok(!s.run.includes("${{"), `${s.name}: no expression inside run`);
  }
  // Every input and step output the file refers to exists.
  for (const [, input] of actionText.matchAll(/inputs\.([a-z-]+)/g)) assert.ok(input && input in action.inputs, `input ${input}`);
  const ids = new Set(action.runs.steps.map((s) => s.id).filter(Boolean));
  for (const [, id] of actionText.matchAll(/steps\.([a-z-]+)\.outputs/g)) assert.ok(ids.has(id), `step ${id}`);
  for (const input of Object.values(action.inputs)) assert.ok(input.description.length > 10);
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
// The steps, run as the runner runs them

interface StepRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
}

function runStep(name: string, cwd: string, env: Record<string, string>, runnerTemp: string): StepRun {
  const s = step(name);
  const outputFile = path.join(runnerTemp, `output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputFile, "");
  // GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail {0}`.
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", s.run ?? ""], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", GITHUB_ACTION_PATH: projectRoot, RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: outputFile, ...env },
  });
  const outputs = Object.fromEntries(
    readFileSync(outputFile, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, outputs };
}

const mesh = "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n";
const permission = "type: MeshTrafficPermission\nname: allow-all\nmesh: payments\nspec:\n  targetRef:\n    kind: Mesh\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        action: Allow\n";
const timeout = (idle: string) => `type: MeshTimeout\nname: t\nmesh: payments\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: ${idle}\n`;

test("the action on a pull request: mode, base fetch, validate and plan, job summary, comment file, exit code", () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const runnerTemp = mkdtempSync(path.join(tmpdir(), "meshops-runner-"));
  cleanups.push(() => rmSync(runnerTemp, { recursive: true, force: true }));
  const summary = path.join(runnerTemp, "step-summary.md");
  const base = commitFiles(repo.dir, { "mesh-config/mesh.yaml": mesh, "mesh-config/mtp.yaml": permission, "mesh-config/t.yaml": timeout("1h") });
  git(repo.dir, "rm", "-q", "mesh-config/mtp.yaml");
  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("2h") });

  const mode = runStep("Choose what to run", repo.dir, { MODE: "auto", EVENT: "pull_request" }, runnerTemp);
  assert.equal(mode.outputs.mode, "pr", mode.stderr);
  assert.equal(runStep("Choose what to run", repo.dir, { MODE: "auto", EVENT: "schedule" }, runnerTemp).outputs.mode, "drift");
  assert.notEqual(runStep("Choose what to run", repo.dir, { MODE: "sometimes", EVENT: "schedule" }, runnerTemp).status, 0);

  assert.equal(runStep("Fetch the base revision", repo.dir, { BASE: base }, runnerTemp).status, 0, "the base is there: nothing to fetch");
  assert.notEqual(runStep("Fetch the base revision", repo.dir, { BASE: "" }, runnerTemp).status, 0);

  const env = { BASE: base, REF: "HEAD", CONFIG_PATH: "mesh-config", STRICT: "false", PLAN_FAIL_ON: action.inputs["plan-fail-on"]?.default ?? "", GITHUB_STEP_SUMMARY: summary };
  const pr = runStep("Validate and plan the pull request", repo.dir, env, runnerTemp);
  assert.equal(pr.status, 0, "the step records the code and lets the comment step run");
  assert.equal(pr.outputs["exit-code"], "2", pr.stdout + pr.stderr);
  const log = parseWorkflowOutput(pr.stdout);
  const guard = log.commands.find((c) => c.properties.title === "meshops plan: mass change: delete MeshTrafficPermission/payments/allow-all");
  assert.deepEqual([guard?.name, guard?.properties.file], ["error", "mesh-config/mtp.yaml"]);
  const stepSummary = readFileSync(summary, "utf8");
  assert.ok(stepSummary.includes("<!-- meshops:validate -->") && stepSummary.includes("<!-- meshops:plan -->"));
  assert.match(readFileSync(path.join(runnerTemp, "meshops/comment.md"), "utf8"), /^<!-- meshops:pr-check -->\n<!-- meshops:validate -->/);

  const result = runStep("Result", repo.dir, { CODE: pr.outputs["exit-code"] ?? "" }, runnerTemp);
  assert.equal(result.status, 2);
  assert.equal(runStep("Result", repo.dir, { CODE: "0" }, runnerTemp).status, 0);

  const lenient = runStep("Validate and plan the pull request", repo.dir, { ...env, PLAN_FAIL_ON: "none" }, runnerTemp);
  assert.equal(lenient.outputs["exit-code"], "0");
});

test("the action on a schedule: drift against a control plane, annotations, JUnit file, exit code", async () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  const runnerTemp = mkdtempSync(path.join(tmpdir(), "meshops-runner-"));
  cleanups.push(() => rmSync(runnerTemp, { recursive: true, force: true }));
  commitFiles(repo.dir, { ".gitignore": ".meshops/\n", "mesh-config/mesh.yaml": mesh, "mesh-config/t.yaml": timeout("1h") });
  // The embedded control plane (no cp-url) stands in for a real one: same commands, state in .meshops/cp.
  const apply = await runCli(["apply", "--path", "mesh-config"], repo.dir);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  const env = { REF: "HEAD", CONFIG_PATH: "mesh-config", DRIFT_FAIL_ON: "drift", CP_URL: "", CA_FILE: "", MESHOPS_CP_TOKEN: "" };
  const mkdir = runStep("Choose what to run", repo.dir, { MODE: "drift", EVENT: "schedule" }, runnerTemp);
  assert.equal(mkdir.outputs.mode, "drift");

  const inSync = runStep("Report drift", repo.dir, env, runnerTemp);
  assert.equal(inSync.outputs["exit-code"], "0", inSync.stdout + inSync.stderr);

  commitFiles(repo.dir, { "mesh-config/t.yaml": timeout("3h") });
  const drifted = runStep("Report drift", repo.dir, env, runnerTemp);
  assert.equal(drifted.outputs["exit-code"], "2");
  const modified = parseWorkflowOutput(drifted.stdout).commands.find((c) => c.properties.title === "meshops drift: modified MeshTimeout/payments/t");
  assert.deepEqual([modified?.name, modified?.properties.file], ["error", "mesh-config/t.yaml"]);
  assert.match(readFileSync(path.join(runnerTemp, "meshops/drift.junit.xml"), "utf8"), /<failure type="drift\/modified"/);
  assert.equal(runStep("Report drift", repo.dir, { ...env, DRIFT_FAIL_ON: "none" }, runnerTemp).outputs["exit-code"], "0");
});
