import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import { classifyDrift, driftOptionsOf } from "../src/diff/drift.js";
import { withLiveAtIgnored } from "../src/diff/ignore.js";
import { planChanges } from "../src/diff/plan.js";
import { subjectOf } from "../src/model/key.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import { outOfSyncSubjects, planIncremental } from "../src/sync/incremental.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * meshops.yaml `ignoreDifferences` (issue 16 item 4): fields someone else owns on the live side are left out of plan,
 * apply and drift. Against the embedded control plane in a state directory: the control plane holds MeshTimeout
 * `web` with idleTimeout 2h (a controller's value, applied here from an earlier commit), the repository says 1h.
 */
const repo = tempRepo("meshops-ignore-differences-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-ignore-differences-cp-"));
const run = (...args: string[]) => runCli([...args, "--state-dir", stateDir], repo.dir);

const timeout = (idle: string, connection = "5s") => ({
  targetRef: { kind: "Mesh" },
  to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: idle, connectionTimeout: connection } }],
});
const commit = (config: object, idle: string, connection?: string) =>
  commitFiles(repo.dir, {
    "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, ...config }),
    "meshes/alpha/mesh.yaml": stringify({ type: "Mesh", name: "alpha", skipCreatingInitialPolicies: ["*"] }),
    "meshes/alpha/web.yaml": stringify({ type: "MeshTimeout", mesh: "alpha", name: "web", spec: timeout(idle, connection) }),
    "meshes/alpha/api.yaml": stringify({ type: "MeshTimeout", mesh: "alpha", name: "api", spec: timeout(idle, connection) }),
  });

interface PlanJson {
  summary: { update: number; unchanged: number };
  changes: { action: string; resource: string; diff: string }[];
}
const plan = async (): Promise<PlanJson & { code: number }> => {
  const result = await run("plan", "--format", "json");
  assert.ok(result.code === 0 || result.code === 2, result.stderr);
  return { code: result.code, ...(JSON.parse(result.stdout) as PlanJson) };
};
const driftItems = async (): Promise<string[]> => {
  const result = await run("drift", "--format", "json");
  assert.ok(result.code === 0 || result.code === 2, result.stderr);
  return (JSON.parse(result.stdout) as { items: { kind: string; resource: string }[] }).items.map((i) => `${i.kind} ${i.resource}`);
};

before(async () => {
  commit({}, "2h");
  const applied = await run("apply");
  assert.equal(applied.code, 0, applied.stderr);
});
after(() => {
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

test("without ignoreDifferences the rewritten field is drift and an update", async () => {
  commit({}, "1h");
  assert.deepEqual(await driftItems(), ["modified MeshTimeout/alpha/api", "modified MeshTimeout/alpha/web"]);
  const { code, summary } = await plan();
  assert.deepEqual([code, summary.update], [2, 2]);
});

test("a field path with [*], for one type in one mesh and one name: that resource is in sync and unchanged", async () => {
  commit({ ignoreDifferences: [{ type: "MeshTimeout", mesh: "alpha", name: "web", fieldPaths: ["spec.to[*].default.idleTimeout"] }] }, "1h");
  assert.deepEqual(await driftItems(), ["modified MeshTimeout/alpha/api"]);
  const { changes, summary } = await plan();
  assert.deepEqual(changes.map((c) => [c.action, c.resource]), [["update", "MeshTimeout/alpha/api"]]);
  assert.equal(summary.unchanged, 2, "Mesh/alpha and MeshTimeout/alpha/web");
});

test("a rule for another mesh, or another type, ignores nothing here", async () => {
  commit({ ignoreDifferences: [{ type: "MeshTimeout", mesh: "beta", jsonPointers: ["/spec/to/0/default/idleTimeout"] }, { type: "MeshRetry", jsonPointers: ["/spec"] }] }, "1h");
  assert.deepEqual(await driftItems(), ["modified MeshTimeout/alpha/api", "modified MeshTimeout/alpha/web"]);
});

test("a JSON pointer, by type glob: another change is applied and the ignored field keeps the live value", async () => {
  const rule = { type: "Mesh{Timeout,Retry}", jsonPointers: ["/spec/to/0/default/idleTimeout"] };
  commit({ ignoreDifferences: [rule] }, "1h", "7s");
  const { code, changes } = await plan();
  assert.equal(code, 2);
  const web = changes.find((c) => c.resource === "MeshTimeout/alpha/web");
  assert.equal(web?.action, "update");
  // Only the field that is not ignored is in the diff.
  assert.match(web?.diff ?? "", /^- +connectionTimeout: 5s$/m);
  assert.match(web?.diff ?? "", /^\+ +connectionTimeout: 7s$/m);
  assert.doesNotMatch(web?.diff ?? "", /^[-+] +idleTimeout/m);

  const applied = await run("apply");
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(await driftItems(), [], "in sync, the ignored field aside");
  // The update kept the control plane's idleTimeout: without the rule, the repository's 1h is a change again.
  commit({}, "1h", "7s");
  const after = await plan();
  const webAfter = after.changes.find((c) => c.resource === "MeshTimeout/alpha/web");
  assert.match(webAfter?.diff ?? "", /^- +idleTimeout: 2h0m0s$/m);
  assert.match(webAfter?.diff ?? "", /^\+ +idleTimeout: 1h0m0s$/m);
});

test("a bad rule is one config error naming the field", async () => {
  const cases: [object, RegExp][] = [
    [{ type: "MeshTimeout", jsonPointers: ["spec/to"] }, /meshops\.yaml:\d+:\d+: error: ignoreDifferences\[0\]\.jsonPointers\[0\]: .*must start with "\/"/],
    [{ type: "MeshTimeout", fieldPaths: ["name"] }, /meshops\.yaml:\d+:\d+: error: ignoreDifferences\[0\]\.fieldPaths\[0\]: .*"name" identifies the resource/],
    [{ type: "MeshTimeout", jsonPointers: ["/labels/meshops.io~1managed-by"] }, /ignoreDifferences\[0\]\.jsonPointers\[0\]: .*ownership label/],
    [{ type: "MeshTimeout" }, /ignoreDifferences\[0\]: .*jsonPointers or fieldPaths/],
    [{ kind: "MeshTimeout", fieldPaths: ["spec"] }, /ignoreDifferences\[0\]\.kind: unknown field "kind"/],
  ];
  for (const [rule, message] of cases) {
    commit({ ignoreDifferences: [rule] }, "1h");
    const result = await runCli(["validate"], repo.dir);
    assert.equal(result.code, 1, JSON.stringify(rule));
    assert.match(result.stdout, message);
  }
});

test("withLiveAtIgnored: live values at the ignored paths, absent where live has none; nothing else copied or changed", () => {
  const desired = { type: "T", name: "n", spec: { to: [{ a: 1, b: 2 }, { a: 3, b: 4 }], keep: { x: 1 }, gone: 5 } };
  const live = { type: "T", name: "n", spec: { to: [{ a: 10, b: 20 }], keep: { x: 9 }, added: { y: 1 } } };
  const out = withLiveAtIgnored(desired, live, [["spec", "to", "*", "a"], ["spec", "gone"], ["spec", "added", "y"]]);
  assert.deepEqual(out, { type: "T", name: "n", spec: { to: [{ a: 10, b: 2 }, { b: 4 }], keep: { x: 1 }, added: { y: 1 } } });
  assert.equal(out.spec && (out.spec as { keep: object }).keep, desired.spec.keep, "an untouched branch is shared, not copied");
  assert.deepEqual(desired.spec.to[0], { a: 1, b: 2 }, "the desired object is not modified");
  assert.equal(withLiveAtIgnored(desired, live, [["spec", "nothing"]]), desired, "nothing to take: the same object");
});

test("the daemon's incremental planner and its drift see ignored fields as the full plan does", () => {
  const config = { ...DEFAULT_CONFIG, ignoreDifferences: [{ type: "MeshTimeout", paths: [["spec", "to", "*", "default", "idleTimeout"]] }] };
  const policy = (idle: string, connection: string): Resource => ({
    type: "MeshTimeout",
    mesh: "m1",
    name: "t1",
    object: { type: "MeshTimeout", mesh: "m1", name: "t1", spec: timeout(idle, connection) },
    origin: "repository",
  });
  const meshM1: Resource = { type: "Mesh", mesh: "m1", name: "m1", object: { type: "Mesh", name: "m1", skipCreatingInitialPolicies: ["*"] }, origin: "repository" };
  const options = { instance: config.instance, prune: false, ignore: config.ignoreDifferences };
  const previous = buildDesired([meshM1, policy("1h", "5s")], config, { major: 2 });
  // The control plane holds what was applied, then a controller rewrote idleTimeout.
  const live = new Map(previous.resources.map((r) => [subjectOf(r), r.object]));
  live.set("MeshTimeout/m1/t1", { ...(live.get("MeshTimeout/m1/t1") as JsonObject), spec: timeout("2h", "5s") });
  const drift = classifyDrift(previous.resources, [...live.values()], driftOptionsOf(config));
  assert.deepEqual(drift.items, [], "the rewritten field is not drift");

  const next = buildDesired([meshM1, policy("1h", "7s")], config, { major: 2 }, previous);
  const incremental = planIncremental({ previous, next, live, outOfSync: outOfSyncSubjects(drift), options });
  const full = planChanges(next.resources, [...live.values()], options);
  for (const plan of [incremental.plan, full]) {
    const update = plan.changes.find((c) => c.action === "update");
    assert.equal(update?.resource, "MeshTimeout/m1/t1");
    // What is PUT keeps the controller's value and carries the repository's change.
    assert.deepEqual((update?.desired?.spec as { to: { default: JsonObject }[] }).to[0]?.default, { idleTimeout: "2h", connectionTimeout: "7s" });
  }
});
