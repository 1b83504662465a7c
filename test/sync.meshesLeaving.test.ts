/**
 * sync/meshes.ts `meshesLeaving`, the one answer to "is this Mesh leaving?" that compare(), the incremental planner and
 * the daemon share, each with the Meshes it knows were there (live and owned, live and planned, or defined by the
 * previous commit). Their behaviour is covered by test/incremental.test.ts, test/reconciler.incremental.test.ts and the
 * plan and prune tests; this pins the contract they rely on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import type { Resource } from "../src/model/resource.js";
import { meshesDefinedBy, meshesLeaving } from "../src/sync/meshes.js";

const mesh = (name: string): Resource => ({ type: "Mesh", mesh: name, name, object: { type: "Mesh", name }, origin: "repository" });
const timeout = (meshName: string, name: string): Resource => ({
  type: "MeshTimeout",
  mesh: meshName,
  name,
  object: { type: "MeshTimeout", mesh: meshName, name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "5s" } }] } },
  origin: "repository",
});

test("meshesLeaving: the meshes among those that were there whose Mesh is no longer desired, in their order", () => {
  const before = buildDesired([mesh("b"), mesh("a"), mesh("c"), timeout("c", "t"), timeout("default", "used")], DEFAULT_CONFIG, { major: 2 });
  // c's Mesh goes while a policy of c stays: the mesh is still in the desired state, its Mesh is not.
  const next = buildDesired([mesh("a"), timeout("c", "t"), timeout("default", "used")], DEFAULT_CONFIG, { major: 2 });
  assert.ok(next.meshes.has("c"), "the desired state still holds mesh c");
  assert.deepEqual([...meshesDefinedBy(before)].sort(), ["a", "b", "c"], "default is used, not defined");
  assert.deepEqual([...meshesLeaving(next, ["c", "a", "b", "default", "never-there"])], ["c", "b", "default", "never-there"]);
  assert.deepEqual([...meshesLeaving(next, meshesDefinedBy(before))].sort(), ["b", "c"]);
  assert.deepEqual([...meshesLeaving(before, meshesDefinedBy(before))], [], "nothing leaves between a state and itself");
});
