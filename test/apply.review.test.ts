import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { main } from "../src/cli/main.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { planOf, type Change } from "../src/diff/plan.js";
import { planFromSaved, SAVED_PLAN_FORMAT, SavedPlanError, type SavedPlan } from "../src/diff/savedPlan.js";
import type { JsonObject } from "../src/model/resource.js";
import type { CliRun } from "./helpers/cli.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

/**
 * Apply you can review (issue 16 item 2), against the embedded control plane over HTTP: saved plans (`plan --out`,
 * `apply FILE`) applied exactly or refused when the repository, the control plane's objects, the control plane
 * itself or meshops changed; the review an interactive apply shows before it asks (through the injected CliIo, so a
 * test answers); `apply --format json` per change.
 */
const TOKEN = "apply-review-token-9d2e";
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-review-cp-"));
const repo = tempRepo("meshops-review-");
let store: ControlPlaneStore;
let server: ControlPlaneServer;

const timeout = (name: string, idle: string): JsonObject => ({
  type: "MeshTimeout",
  mesh: "shop",
  name,
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: idle } }] },
});
const permission: JsonObject = {
  type: "MeshTrafficPermission",
  mesh: "shop",
  name: "allow-all",
  spec: { targetRef: { kind: "Mesh" }, rules: [{ default: { allow: [{ spiffeID: { type: "Prefix", value: "spiffe://shop" } }] } }] },
};
const docs = (...objects: JsonObject[]) => objects.map((o) => stringify(o)).join("---\n");

/** The first state: Mesh shop (no default policies), two timeouts and a permission; owned by meshops once applied. */
const FIRST = {
  // Saved plans are written into the working copy: never committed.
  ".gitignore": "*.json\n",
  "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, prune: { maxDeletes: 100, maxDeletePercent: 100 } }),
  "meshes/shop/mesh.yaml": stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] }),
  "meshes/shop/timeouts.yaml": docs(timeout("t1", "1m"), timeout("t2", "2m")),
  "meshes/shop/permissions.yaml": docs(permission),
};

before(async () => {
  store = await openStore({ stateDir, skipMeshCreation: true });
  server = await startControlPlaneServer({ store, port: 0, token: TOKEN });
});
after(async () => {
  await server.close();
  await store.close();
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The CLI in-process; `answers` are what a person types at each question (none: nobody at a terminal). */
async function cli(args: readonly string[], answers?: string[]): Promise<CliRun & { questions: string[] }> {
  let stdout = "";
  let stderr = "";
  const questions: string[] = [];
  const ask = answers ? async (q: string) => (questions.push(q), answers.shift()) : undefined;
  const code = await main([...args, "--cp-url", server.url], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { MESHOPS_CP_TOKEN: TOKEN },
    cwd: repo.dir,
    ...(ask ? { ask } : {}),
  });
  return { code, stdout, stderr, questions };
}

async function live(apiPath: string): Promise<JsonObject | undefined> {
  const response = await fetch(server.url + apiPath, { headers: { authorization: `Bearer ${TOKEN}` } });
  return response.status === 404 ? undefined : ((await response.json()) as JsonObject);
}

async function put(object: JsonObject): Promise<void> {
  const at = `/meshes/shop/meshtimeouts/${object.name as string}`;
  const response = await fetch(server.url + at, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(object) });
  assert.ok(response.ok, `PUT ${at}: ${response.status}`);
}

/** Back to FIRST, applied; then the second commit: t1 changed, t2 and the permission removed, r1 added. */
async function resetThenChange(): Promise<string> {
  rmSync(path.join(repo.dir, "meshes/shop/retries.yaml"), { force: true });
  commitFiles(repo.dir, FIRST, "first");
  const apply = await cli(["apply", "--prune", "--yes"]);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  writeFileSync(path.join(repo.dir, "meshes/shop/permissions.yaml"), "");
  return commitFiles(
    repo.dir,
    {
      "meshes/shop/timeouts.yaml": docs(timeout("t1", "10m")),
      "meshes/shop/retries.yaml": stringify({ type: "MeshRetry", mesh: "shop", name: "r1", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: 3 } } }] } }),
    },
    "second",
  );
}

test("plan --out saves the plan with its revision and the live objects' digests; apply FILE applies exactly it", async () => {
  const revision = await resetThenChange();
  const plan = await cli(["plan", "--prune", "--out", "plan.json"]);
  assert.equal(plan.code, 2, plan.stderr);
  const saved = JSON.parse(readFileSync(path.join(repo.dir, "plan.json"), "utf8")) as SavedPlan;
  assert.equal(saved.format, SAVED_PLAN_FORMAT);
  assert.equal(saved.revision, revision);
  assert.equal(saved.controlPlane, `url ${new URL(server.url).toString()}`);
  assert.equal(saved.prune, true);
  assert.deepEqual(
    saved.changes.map((c) => `${c.action} ${c.resource} ${c.liveDigest === null ? "new" : "seen"}`),
    ["create MeshRetry/shop/r1 new", "update MeshTimeout/shop/t1 seen", "delete MeshTrafficPermission/shop/allow-all seen", "delete MeshTimeout/shop/t2 seen"],
  );

  const apply = await cli(["apply", "plan.json", "--format", "json"]);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  assert.deepEqual(apply.questions, [], "a saved plan was reviewed: nothing is asked");
  const result = JSON.parse(apply.stdout) as { summary: JsonObject; results: JsonObject[] };
  assert.deepEqual(result.summary, { applied: 4, failed: 0, notAttempted: 0 });
  assert.deepEqual(result.results[0], { action: "create", resource: "MeshRetry/shop/r1", type: "MeshRetry", mesh: "shop", name: "r1", outcome: "applied" });
  assert.equal(await live("/meshes/shop/meshtimeouts/t2"), undefined);
  const after = await cli(["plan", "--prune"]);
  assert.equal(after.code, 0, after.stdout);

  // The same file again: it was applied, which is what it says (not that someone changed the control plane).
  const again = await cli(["apply", "plan.json"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^meshops: the saved plan plan\.json was applied already: the control plane holds every change it makes; nothing was applied again\n$/);
});

test("apply FILE refuses when the repository moved, when a planned object changed, or when anything else live changed; nothing is written", async () => {
  await resetThenChange();
  assert.equal((await cli(["plan", "--prune", "--out", "plan.json"])).code, 2);
  const t1 = await live("/meshes/shop/meshtimeouts/t1");

  const moved = commitFiles(repo.dir, { "meshes/shop/extra.yaml": docs(timeout("t3", "3m")) }, "third");
  let refused = await cli(["apply", "plan.json"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`^meshops: the saved plan plan.json no longer applies: the repository moved: the plan is of revision [0-9a-f]{40}, the repository is at ${moved}; nothing was applied`));
  git(repo.dir, "reset", "-q", "--hard", "HEAD~1");

  await put({ ...timeout("t1", "7m"), labels: { "meshops.io/managed-by": "meshops" } });
  refused = await cli(["apply", "plan.json"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /no longer applies: the control plane changed since the plan: MeshTimeout\/shop\/t1; nothing was applied/);
  assert.notDeepEqual(await live("/meshes/shop/meshtimeouts/t1"), t1, "the PUT above changed it");
  assert.ok(await live("/meshes/shop/meshtimeouts/t2"), "the planned delete was not done");

  assert.equal((await cli(["plan", "--prune", "--out", "plan.json"])).code, 2);
  await put({ ...timeout("someone-elses", "1m") });
  refused = await cli(["apply", "plan.json"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /the control plane changed since the plan \(resources the plan does not change were written, created or deleted\)/);
  assert.equal(await live("/meshes/shop/meshretries/r1"), undefined, "nothing was created");
});

test("a saved plan that is corrupt, of another control plane or of another meshops is refused with the reason", async () => {
  await resetThenChange();
  assert.equal((await cli(["plan", "--out", "plan.json"])).code, 2);
  const file = path.join(repo.dir, "plan.json");
  const text = readFileSync(file, "utf8");
  const cases: [string, string, RegExp][] = [
    ["{ not json", "broken.json", /^meshops: broken.json is not a saved plan: not JSON/],
    [JSON.stringify({ format: "terraform" }), "foreign.json", /^meshops: foreign.json is not a saved plan of this meshops: format "terraform", expected meshops.io\/saved-plan\/v1/],
    [JSON.stringify({ ...JSON.parse(text), changes: [{ action: "explode" }] }), "bad-change.json", /^meshops: bad-change.json is corrupt: changes\[0\] is not a change/],
    [JSON.stringify({ ...JSON.parse(text), meshops: "0.0.1-old" }), "old.json", /no longer applies: it was written by meshops 0\.0\.1-old; this is meshops /],
  ];
  for (const [content, name, expected] of cases) {
    writeFileSync(path.join(repo.dir, name), content);
    const run = await cli(["apply", name]);
    assert.equal(run.code, 1, name);
    assert.match(run.stderr, expected);
  }
  const missing = await cli(["apply", "nowhere.json"]);
  assert.match(missing.stderr, /^meshops: cannot read the saved plan nowhere.json/);
  // Another control plane: the embedded one of another state directory.
  const elsewhere = mkdtempSync(path.join(tmpdir(), "meshops-review-other-"));
  try {
    let stderr = "";
    const code = await main(["apply", "plan.json", "--state-dir", elsewhere], { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: repo.dir });
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`no longer applies: it was computed against url ${new URL(server.url).toString().replace(/[./]/g, "\\$&")}, not embedded ${elsewhere.replace(/[./]/g, "\\$&")}`));
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
  const prune = await cli(["apply", "plan.json", "--prune"]);
  assert.match(prune.stderr, /--prune belongs to the plan \(meshops plan --prune --out plan.json\)/);
  const base = await cli(["plan", "--base", "HEAD~1", "--out", "x.json"]);
  assert.equal(base.code, 1);
});

test("an interactive apply that deletes shows every change and the risks, then asks through CliIo; no answers nothing", async () => {
  await resetThenChange();
  const declined = await cli(["apply", "--prune"], ["n"]);
  assert.equal(declined.code, 1);
  assert.deepEqual(declined.questions, ["Apply these changes, deleting 2 resources? [y/N] "]);
  const review = declined.stderr;
  for (const line of [
    "!! Mass change: 1 flagged; review before applying.",
    "!!   mass-change/traffic-permission-removed: removes MeshTrafficPermission/shop/allow-all",
    "+ create MeshRetry/shop/r1",
    "~ update MeshTimeout/shop/t1",
    "- delete MeshTrafficPermission/shop/allow-all",
    "- delete MeshTimeout/shop/t2",
    "Plan: 1 to create, 1 to update, 2 to delete, 1 unchanged.",
    "meshops: not applied: 2 deletes need confirmation (answer y on a terminal, or pass --yes)",
  ]) {
    assert.ok(review.includes(line), `the review shows ${JSON.stringify(line)}:\n${review}`);
  }
  assert.ok(!review.includes("@@"), "no diffs in the review");
  assert.ok(await live("/meshes/shop/meshtimeouts/t2"), "declined: nothing deleted");
  assert.equal(await live("/meshes/shop/meshretries/r1"), undefined, "declined: nothing created");

  // Nobody to ask (CI): refused, and --format json says so per change.
  const unattended = await cli(["apply", "--prune", "--format", "json"]);
  assert.equal(unattended.code, 1);
  const json = JSON.parse(unattended.stdout) as { refused: string; summary: JsonObject; results: { resource: string; outcome: string; error: string }[] };
  assert.match(json.refused, /^2 deletes need confirmation/);
  assert.deepEqual(json.summary, { applied: 0, failed: 0, notAttempted: 4 });
  assert.ok(json.results.every((r) => r.outcome === "not-attempted" && r.error === "not confirmed"));

  const confirmed = await cli(["apply", "--prune"], ["y"]);
  assert.equal(confirmed.code, 0, confirmed.stdout + confirmed.stderr);
  assert.match(confirmed.stdout, /Apply complete: 4 applied\./);
  assert.equal(await live("/meshes/shop/meshtimeouts/t2"), undefined);
});

test("a saved plan's objects are taken from the plan made again (the file's are redacted); a change it does not make the same way is refused", () => {
  const secret = { type: "Secret", mesh: "shop", name: "acquirer", data: "c2VjcmV0" };
  const change = (action: Change["action"], desired?: JsonObject): Change => ({ action, resource: "Secret/shop/acquirer", type: "Secret", mesh: "shop", name: "acquirer", ...(desired ? { desired } : {}), diff: "" });
  const saved: SavedPlan = {
    format: SAVED_PLAN_FORMAT,
    meshops: "0",
    revision: "r",
    controlPlane: "embedded",
    instance: "meshops",
    desired: "d",
    live: "l",
    prune: false,
    summary: { create: 1, update: 0, delete: 0, unchanged: 0 },
    changes: [{ action: "create", resource: "Secret/shop/acquirer", type: "Secret", mesh: "shop", name: "acquirer", desired: { ...secret, data: "(redacted)" }, liveDigest: null, diff: "" }],
  };
  assert.deepEqual(planFromSaved(saved, planOf([change("create", secret)])).changes.map((c) => c.desired), [secret]);
  assert.throws(() => planFromSaved(saved, planOf([change("unchanged", secret)])), (error: unknown) => error instanceof SavedPlanError && error.message === "the plan made again does not create Secret/shop/acquirer");
  assert.throws(() => planFromSaved(saved, planOf([])), SavedPlanError);
});
