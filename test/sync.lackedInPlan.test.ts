/**
 * What a plan writes that the control plane lacks (sync/live.ts lackedInPlan): apply refuses a plan for it, and the
 * daemon checks every commit's plan. A commit writes a few of tens of thousands of desired resources: they are looked
 * up by subject, never by listing the whole desired state (which merges every mesh's list: 120 ms a commit at 51,000).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired, targetOf, type DesiredState } from "../src/desired/index.js";
import type { Resource } from "../src/model/resource.js";
import { lackedInPlan } from "../src/sync/live.js";

const config = { ...DEFAULT_CONFIG, defaults: { materialize: false } };
const mesh: Resource = { type: "Mesh", mesh: "shop", name: "shop", object: { type: "Mesh", name: "shop" }, origin: "repository" };
const policy = (type: string, name: string): Resource => ({ type, mesh: "shop", name, object: { type, mesh: "shop", name, spec: {} }, origin: "repository" });
const built = buildDesired([mesh, policy("MeshTimeout", "t1"), policy("MeshTimeout", "t2"), policy("MeshTrust", "trust")], config, targetOf(config, { version: "2.14.3" }));
/** The same desired state, whose whole list may not be asked for. */
const listless: DesiredState = new Proxy(built, { get: (target, key) => (key === "resources" ? assert.fail("the whole desired list was asked for") : Reflect.get(target, key)) });
const served = [
  { name: "Mesh", path: "meshes", scope: "Global" as const, readOnly: false },
  { name: "MeshTimeout", path: "meshtimeouts", scope: "Mesh" as const, readOnly: false },
];

test("lackedInPlan: the written resources a control plane lacks, found by subject, deletes and unchanged ones left out", () => {
  const lacked = lackedInPlan({
    changes: [
      { action: "update", resource: "MeshTimeout/shop/t1" },
      { action: "create", resource: "MeshTrust/shop/trust" },
      { action: "delete", resource: "MeshTrust/shop/old" },
    ],
    desired: listless,
    served,
    configuredVersion: undefined,
    reportedVersion: "2.14.3",
    liveMeshes: new Set(["shop"]),
  });
  assert.deepEqual(
    lacked.map((l) => [l.resource.name, l.path]),
    [["trust", "type"]],
  );
  assert.match(lacked[0]?.message ?? "", /does not serve MeshTrust/);
});

test("lackedInPlan: a plan writing nothing lacks nothing", () => {
  assert.deepEqual(lackedInPlan({ changes: [{ action: "delete", resource: "MeshTimeout/shop/t2" }], desired: listless, served: [], configuredVersion: undefined, reportedVersion: undefined, liveMeshes: new Set() }), []);
});
