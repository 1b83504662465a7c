import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL } from "../src/desired/ownership.js";
import { classifyPlanRisks } from "../src/diff/risk.js";
import { planChanges } from "../src/diff/plan.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import type { PlanFailOn, PlanReport } from "../src/report/common.js";
import { ANNOTATIONS_LIMIT, renderPlanGithub } from "../src/report/github.js";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";
import { parseWorkflowOutput } from "./helpers/workflowCommands.js";

/**
 * `plan --format github` caps annotations at what GitHub shows per step (10 of each level by default, issue 16 item 6),
 * errors ranked first, the rest summarised in one plain line; the log group still lists every change.
 */
const timeout = (mesh: string, name: string): JsonObject => ({
  type: "MeshTimeout",
  mesh,
  name,
  labels: { [MANAGED_BY_LABEL]: "meshops" },
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1m0s" } }] },
});
const desired = (mesh: string, name: string): Resource => ({ type: "MeshTimeout", mesh, name, origin: "repository", object: timeout(mesh, name) });

function report(creates: number, failOn: PlanFailOn): PlanReport {
  const want = Array.from({ length: creates }, (_, i) => desired("payments", `new-${String(i).padStart(2, "0")}`));
  // One Mesh loses all its policies: a mass-change warning of its own (on a resource the plan does not change).
  const live = [{ type: "Mesh", name: "edge", labels: { [MANAGED_BY_LABEL]: "meshops" } }, timeout("edge", "old")];
  const plan = planChanges([...want, { type: "Mesh", mesh: "edge", name: "edge", origin: "repository", object: live[0] as JsonObject }], live, { instance: "meshops", prune: true });
  return { plan, risks: classifyPlanRisks(plan), locations: new Map(), ref: "f".repeat(40), failOn };
}

const levels = (output: string) => parseWorkflowOutput(output).commands.filter((c) => ["error", "warning", "notice"].includes(c.name));

test("plan --format github: at most N annotations of each level, errors first, the rest counted in one line", () => {
  assert.equal(ANNOTATIONS_LIMIT, 10);
  // failOn changes: every change is an error (25 creates and a delete), the mass-change finding a warning... of level error too.
  const output = renderPlanGithub(report(25, "changes"), 10);
  const shown = levels(output);
  assert.equal(shown.filter((c) => c.name === "error").length, 10);
  assert.ok(shown.length <= 30);
  const log = parseWorkflowOutput(output);
  const note = log.plain.filter((l) => /more annotations? not shown/.test(l));
  assert.equal(note.length, 1, log.plain.join("\n"));
  // 25 creates + 1 delete + 1 mass-change finding = 27 errors; 10 shown.
  assert.match(note[0] ?? "", /^meshops plan: 17 more annotations not shown \(GitHub shows 10 of each level per step\): 17 errors; every one is in the log group below and in the job summary\.$/);
  // The log group still lists every change.
  assert.equal(log.inert.filter((l) => l.startsWith("+ create MeshTimeout/payments/new-")).length, 25);
});

test("errors rank before warnings and notices; a larger limit shows more; under the limit nothing is summarised", () => {
  // failOn risky: only the flagged changes are errors, plain creates are notices.
  const output = renderPlanGithub(report(25, "risky"), 3);
  const shown = levels(output);
  const order = shown.map((c) => c.name);
  assert.deepEqual(order, [...order].sort((a, b) => ["error", "warning", "notice"].indexOf(a) - ["error", "warning", "notice"].indexOf(b)));
  assert.equal(shown.filter((c) => c.name === "notice").length, 3);
  assert.match(parseWorkflowOutput(output).plain.join("\n"), /22 notices/);
  assert.equal(levels(renderPlanGithub(report(25, "changes"), 50)).length, 27);
  assert.ok(!parseWorkflowOutput(renderPlanGithub(report(3, "changes"))).plain.some((l) => /not shown/.test(l)));
});

test("meshops plan --format github --annotations-limit N caps what it prints; a bad N is a usage error", async () => {
  const repo = tempRepo("meshops-annotations-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": stringify({ type: "Mesh", name: "payments", skipCreatingInitialPolicies: ["*"] }) }, "base");
    const policies = Array.from({ length: 5 }, (_, i) => stringify({ type: "MeshTimeout", mesh: "payments", name: `t${i}`, spec: timeout("payments", "x").spec })).join("---\n");
    commitFiles(repo.dir, { "policies.yaml": policies }, "five policies");
    const capped = await runCli(["plan", "--base", "HEAD~1", "--format", "github", "--annotations-limit", "2"], repo.dir);
    assert.equal(capped.code, 2, capped.stderr);
    assert.equal(levels(capped.stdout).length, 2);
    assert.match(capped.stdout, /^meshops plan: 3 more annotations not shown \(GitHub shows 2 of each level per step\): 3 errors;/m);
    const full = await runCli(["plan", "--base", "HEAD~1", "--format", "github"], repo.dir);
    assert.equal(levels(full.stdout).length, 5);
    const bad = await runCli(["plan", "--base", "HEAD~1", "--format", "github", "--annotations-limit", "-1"], repo.dir);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "error: option '--annotations-limit <n>' argument '-1' is invalid. expected a whole number, 0 or more, or LEVEL=N[,LEVEL=N] with levels error, warning, notice\n");
    // Per level: what an earlier command of the same step left (errors here); a level left out keeps GitHub's 10.
    const left = await runCli(["plan", "--base", "HEAD~1", "--format", "github", "--annotations-limit", "warning=10,error=1"], repo.dir);
    assert.equal(levels(left.stdout).length, 1);
    assert.match(left.stdout, /^meshops plan: 4 more annotations not shown \(GitHub shows 10 of each level per step, some already printed by this step\): 4 errors;/m);
    assert.equal(levels((await runCli(["plan", "--base", "HEAD~1", "--format", "github", "--annotations-limit", "notice=0"], repo.dir)).stdout).length, 5);
    const misspelt = await runCli(["plan", "--base", "HEAD~1", "--format", "github", "--annotations-limit", "warnings=1"], repo.dir);
    assert.equal(misspelt.code, 1);
    assert.match(misspelt.stderr, /argument 'warnings=1' is invalid\. expected a whole number, 0 or more, or LEVEL=N/);
  } finally {
    repo.cleanup();
  }
});

test("plan --base: a deleted resource is not annotated at its base line (GitHub reads lines in the head's file): file-level if the head keeps the file, no file if it is gone", async () => {
  const repo = tempRepo("meshops-annotations-");
  try {
    const policy = (name: string) => stringify({ type: "MeshTimeout", mesh: "payments", name, spec: timeout("payments", "x").spec });
    commitFiles(repo.dir, {
      "mesh.yaml": stringify({ type: "Mesh", name: "payments", skipCreatingInitialPolicies: ["*"] }),
      "policies.yaml": [policy("kept"), policy("dropped")].join("---\n"),
      "gone.yaml": policy("gone"),
    }, "base");
    const droppedBaseLine = policy("kept").split("\n").length + 1;
    git(repo.dir, "rm", "-q", "gone.yaml");
    commitFiles(repo.dir, { "policies.yaml": policy("kept") }, "drop two policies");

    const github = await runCli(["plan", "--base", "HEAD~1", "--format", "github"], repo.dir);
    assert.equal(github.code, 2, github.stderr);
    const byTitle = new Map(levels(github.stdout).map((c) => [c.properties.title, c]));
    const dropped = byTitle.get("meshops plan: delete MeshTimeout/payments/dropped");
    assert.deepEqual(dropped?.properties, { file: "policies.yaml", title: "meshops plan: delete MeshTimeout/payments/dropped" }, "the head's policies.yaml has no such line: a file-level annotation");
    assert.match(dropped?.message ?? "", new RegExp(`^delete MeshTimeout/payments/dropped \\(policies\\.yaml:${droppedBaseLine} at the base revision\\)\\n`));
    const gone = byTitle.get("meshops plan: delete MeshTimeout/payments/gone");
    assert.deepEqual(gone?.properties, { title: "meshops plan: delete MeshTimeout/payments/gone" }, "the head has no gone.yaml: no file at all");
    assert.match(gone?.message ?? "", /^delete MeshTimeout\/payments\/gone \(gone\.yaml:1 at the base revision, a file since deleted\)\n/);

    type Result = { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: unknown } }[] };
    const sarif = await runCli(["plan", "--base", "HEAD~1", "--format", "sarif"], repo.dir);
    assert.equal(sarif.code, 2, sarif.stderr);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: Result[] }[] }).runs[0]?.results ?? [];
    const where = (name: string) => {
      const r = results.find((x) => x.message.text.startsWith(`delete MeshTimeout/payments/${name} `));
      return [r?.locations[0]?.physicalLocation.artifactLocation.uri, r?.locations[0]?.physicalLocation.region, r?.message.text.split("\n")[0]];
    };
    // SARIF allows a location without a region (the whole file); code scanning needs a URI, so a gone file's delete
    // is anchored at the configuration's folder, as any finding of no file is.
    assert.deepEqual(where("dropped"), ["policies.yaml", undefined, `delete MeshTimeout/payments/dropped (policies.yaml:${droppedBaseLine} at the base revision)`]);
    assert.deepEqual(where("gone"), [".", undefined, "delete MeshTimeout/payments/gone (gone.yaml:1 at the base revision, a file since deleted)"]);

    const markdown = await runCli(["plan", "--base", "HEAD~1", "--format", "markdown"], repo.dir);
    assert.match(markdown.stdout, new RegExp(`\`policies\\.yaml:${droppedBaseLine}\` at the base revision[^,]`));
    assert.match(markdown.stdout, /`gone\.yaml:1` at the base revision, a file since deleted/);

    // JSON keeps the base's file and line, marked as the base's, so a script does not open the head's file at them.
    type JsonChange = { resource: string; file?: string; line?: number; inBase?: boolean; fileDeleted?: boolean };
    const json = await runCli(["plan", "--base", "HEAD~1", "--format", "json"], repo.dir);
    const changes = (JSON.parse(json.stdout) as { changes: JsonChange[] }).changes;
    const at = (name: string) => {
      const c = changes.find((x) => x.resource === `MeshTimeout/payments/${name}`);
      return [c?.file, c?.line, c?.inBase, c?.fileDeleted];
    };
    assert.deepEqual(at("dropped"), ["policies.yaml", droppedBaseLine, true, undefined]);
    assert.deepEqual(at("gone"), ["gone.yaml", 1, true, true]);
  } finally {
    repo.cleanup();
  }
});
