import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import type { JsonObject } from "../src/model/resource.js";
import { checkScopeMeshes, scopeOf } from "../src/cli/scope.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * Scope (issue 16 item 3): `--mesh`, `--exclude-mesh` and `--type` on plan, apply and drift, against the embedded
 * control plane in a state directory. Two meshes each get an update and a delete; a scoped command sees, writes and
 * prunes only its part.
 */
const repo = tempRepo("meshops-scope-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-scope-cp-"));

const policy = (type: string, mesh: string, name: string, value: string | number): JsonObject => ({
  type,
  mesh,
  name,
  spec:
    type === "MeshTimeout"
      ? { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: value } }] }
      : { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: value } } }] },
});
const meshFiles = (mesh: string, idle: string, withRetry: boolean): Record<string, string> => ({
  [`meshes/${mesh}/mesh.yaml`]: stringify({ type: "Mesh", name: mesh, skipCreatingInitialPolicies: ["*"] }),
  [`meshes/${mesh}/policies.yaml`]: [policy("MeshTimeout", mesh, "t", idle), ...(withRetry ? [policy("MeshRetry", mesh, "r", 2)] : [])].map((o) => stringify(o)).join("---\n"),
});

interface PlanJson {
  changes: { action: string; resource: string }[];
  risks: { rule: string; mesh: string }[];
}
const run = (...args: string[]) => runCli([...args, "--state-dir", stateDir], repo.dir);
const changesOf = async (...args: string[]) => {
  const result = await run("plan", "--prune", "--format", "json", ...args);
  assert.notEqual(result.code, 1, result.stderr);
  return (JSON.parse(result.stdout) as PlanJson).changes.map((c) => `${c.action} ${c.resource}`);
};

before(async () => {
  commitFiles(
    repo.dir,
    {
      "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, prune: { maxDeletes: 10, maxDeletePercent: 100 } }),
      ...meshFiles("alpha", "1m", true),
      ...meshFiles("beta", "1m", true),
    },
    "first",
  );
  const apply = await run("apply");
  assert.equal(apply.code, 0, apply.stderr);
  commitFiles(repo.dir, { ...meshFiles("alpha", "2m", false), ...meshFiles("beta", "2m", false) }, "second");
});
after(() => {
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

test("plan --mesh, --exclude-mesh and --type show (and prune) only their part", async () => {
  const whole = ["update MeshTimeout/alpha/t", "update MeshTimeout/beta/t", "delete MeshRetry/beta/r", "delete MeshRetry/alpha/r"];
  assert.deepEqual((await changesOf()).sort(), [...whole].sort());
  assert.deepEqual(await changesOf("--mesh", "alpha"), ["update MeshTimeout/alpha/t", "delete MeshRetry/alpha/r"]);
  assert.deepEqual(await changesOf("--exclude-mesh", "alpha"), ["update MeshTimeout/beta/t", "delete MeshRetry/beta/r"]);
  assert.deepEqual((await changesOf("--type", "MeshRetry")).sort(), ["delete MeshRetry/alpha/r", "delete MeshRetry/beta/r"]);
  assert.deepEqual(await changesOf("--mesh", "beta", "--type", "MeshTimeout"), ["update MeshTimeout/beta/t"]);
  // Offline, between two revisions, the same scope applies.
  const base = await runCli(["plan", "--base", "HEAD~1", "--mesh", "alpha", "--format", "json"], repo.dir);
  assert.deepEqual((JSON.parse(base.stdout) as PlanJson).changes.map((c) => `${c.action} ${c.resource}`), ["update MeshTimeout/alpha/t", "delete MeshRetry/alpha/r"]);
});

test("a scoped plan's mass-change guard counts the policies outside the scope: pruning every MeshRetry leaves the MeshTimeouts", async () => {
  // Both meshes keep their MeshTimeout: removing the MeshRetry of each does not empty them.
  const scoped = await run("plan", "--prune", "--type", "MeshRetry", "--fail-on", "risky", "--format", "json");
  assert.equal(scoped.code, 0, scoped.stdout + scoped.stderr);
  const plan = JSON.parse(scoped.stdout) as PlanJson;
  assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.resource}`).sort(), ["delete MeshRetry/alpha/r", "delete MeshRetry/beta/r"]);
  assert.deepEqual(plan.risks, []);
  const base = await runCli(["plan", "--base", "HEAD~1", "--type", "MeshRetry", "--fail-on", "risky", "--format", "json"], repo.dir);
  assert.equal(base.code, 0, base.stdout + base.stderr);
  assert.deepEqual((JSON.parse(base.stdout) as PlanJson).risks, []);
});

test("drift --mesh reports only that mesh", async () => {
  const drift = await run("drift", "--mesh", "beta", "--format", "json");
  assert.equal(drift.code, 2);
  const items = (JSON.parse(drift.stdout) as { items: { kind: string; resource: string }[] }).items.map((i) => `${i.kind} ${i.resource}`).sort();
  assert.deepEqual(items, ["modified MeshTimeout/beta/t", "orphaned MeshRetry/beta/r"]);
});

test("a mistyped --mesh or --type is an error naming the closest one, never an empty green plan", async () => {
  const mesh = await run("plan", "--mesh", "alpah");
  assert.equal(mesh.code, 1);
  assert.equal(mesh.stderr, 'meshops: --mesh alpah: no such mesh in the repository or the control plane, did you mean "alpha"?\n');
  const type = await run("drift", "--type", "MeshTimout");
  assert.equal(type.code, 1);
  assert.match(type.stderr, /^meshops: --type MeshTimout: no such resource type, did you mean "MeshTimeout"\?/);
  const both = await run("plan", "--mesh", "alpha", "--exclude-mesh", "alpha");
  assert.match(both.stderr, /--mesh and --exclude-mesh both name alpha/);
  // A type that exists but that nothing holds: an empty plan, said (`MeshHTTPRoute` for the MeshTCPRoute meant).
  const unheld = await run("plan", "--type", "MeshHTTPRoute", "--type", "MeshRetry");
  assert.equal(unheld.code, 0, unheld.stderr);
  assert.match(unheld.stderr, /^meshops: warning: --type MeshHTTPRoute: neither the repository nor the control plane has one; types held: Mesh, MeshRetry, MeshTimeout\n/);
  const offline = await runCli(["plan", "--base", "HEAD~1", "--type", "MeshHTTPRoute"], repo.dir);
  assert.match(offline.stderr, /^meshops: warning: --type MeshHTTPRoute: neither revision has one; types held: Mesh, MeshRetry, MeshTimeout\n/);
});

test("apply --mesh writes and prunes only that mesh", async () => {
  const apply = await run("apply", "--prune", "--yes", "--mesh", "alpha");
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  assert.match(apply.stdout, /Apply complete: 2 applied\./);
  assert.deepEqual(await changesOf(), ["update MeshTimeout/beta/t", "delete MeshRetry/beta/r"]);
});

test("an unknown --mesh is answered with the meshes as people name them: the global unit is _global, never an empty name", () => {
  const known = () => new Set(["", "alpha"]);
  assert.throws(() => checkScopeMeshes(scopeOf({ excludeMesh: ["sandbox"] }), known), {
    message: "--exclude-mesh sandbox: no such mesh in the repository or the control plane; meshes: _global, alpha",
  });
  assert.throws(() => checkScopeMeshes(scopeOf({ mesh: ["_globl"] }), known), { message: /^--mesh _globl: .*, did you mean "_global"\?$/ });
  assert.throws(() => checkScopeMeshes(scopeOf({ mesh: ["_global"] }), () => new Set(["alpha"])), {
    message: "--mesh _global: no such mesh in the repository or the control plane; meshes: alpha",
  });
});

test("--type takes along the Mesh its resources need when the control plane lacks it, as Terraform's -target takes a target's dependencies", async () => {
  const fresh = tempRepo("meshops-scope-dependency-");
  const state = mkdtempSync(path.join(tmpdir(), "meshops-scope-dependency-cp-"));
  try {
    commitFiles(fresh.dir, { "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true } }), ...meshFiles("gamma", "1m", false) });
    const scoped = (...args: string[]) => runCli([...args, "--type", "MeshTimeout", "--state-dir", state], fresh.dir);
    const plan = await scoped("plan", "--format", "json");
    assert.equal(plan.code, 2, plan.stderr);
    assert.deepEqual((JSON.parse(plan.stdout) as PlanJson).changes.map((c) => `${c.action} ${c.resource}`), ["create Mesh/gamma", "create MeshTimeout/gamma/t"]);
    assert.match(plan.stderr, /^meshops: warning: --type takes along Mesh\/gamma: the control plane does not have it, and MeshTimeout\/gamma\/t needs it$/m);
    const apply = await scoped("apply", "--yes");
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const again = await scoped("plan", "--format", "json");
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stderr, /takes along/);
  } finally {
    fresh.cleanup();
    rmSync(state, { recursive: true, force: true });
  }
});
