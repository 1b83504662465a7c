/**
 * The daemon's gate in steps (issue 14, M3, as daemon.slices.test.ts): a plan held for approval is fingerprinted
 * (gate.ts planFingerprint), each object written redacted and hashed; a held mesh of 50,000 updates was one turn of
 * the event loop of 600 ms, during which /healthz was not answered. Counted, not timed: reads of the objects hashed.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { gatePlan, gatePlanSteps, planFingerprint, type GateInput } from "../src/daemon/gate.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { planOf, type Change } from "../src/diff/plan.js";
import { fingerprintOf } from "../src/diff/savedPlan.js";
import type { JsonObject, Resource } from "../src/model/resource.js";

/** A copy of `object` whose `spec` counts its reads: hashing an object (redacting it first) reads each field once. */
function countingReads(object: JsonObject, read: () => void): JsonObject {
  const { spec, ...rest } = object;
  return Object.defineProperty(rest, "spec", { enumerable: true, get: () => (read(), spec) });
}

test("the gate's fingerprint of a held plan is worked out in steps: no step hashes more than 256 changes", () => {
  const config = { ...DEFAULT_CONFIG, defaults: { materialize: false } };
  const timeout = (name: string, idle: string): Resource => ({
    type: "MeshTimeout",
    mesh: "shop",
    name,
    object: { type: "MeshTimeout", mesh: "shop", name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: idle } }] } },
    origin: "repository",
  });
  const updated = Array.from({ length: 2000 }, (_, i) => timeout(`t${i}`, "1m"));
  const mesh: Resource = { type: "Mesh", mesh: "shop", name: "shop", object: { type: "Mesh", name: "shop" }, origin: "repository" };
  const desired = buildDesired([mesh, ...updated], config, targetOf(config, { version: "2.14.3" }));
  let hashed = 0;
  const change = (action: Change["action"], name: string, object?: JsonObject): Change => ({ action, resource: `MeshTimeout/shop/${name}`, type: "MeshTimeout", mesh: "shop", name, diff: "", ...(object ? { desired: object } : {}) });
  const writes = [...(desired.meshes.get("shop")?.byKey.values() ?? [])].filter((r) => r.type !== "Mesh").map((r) => change("update", r.name, countingReads(r.object, () => hashed++)));
  const deletes = Array.from({ length: 20 }, (_, i) => change("delete", `gone${i}`));
  // More deletes than the prune limit allows: the mesh is held, and every change of it fingerprinted.
  const input: GateInput = {
    plan: planOf([...writes, ...deletes]),
    desired,
    live: [],
    ownedCount: 2020,
    limits: { enabled: true, maxDeletes: 0, maxDeletePercent: 100 },
    revision: "rev",
    closed: new Set(),
    approved: () => undefined,
  };

  const gating = gatePlanSteps(input);
  let most = 0;
  let next = gating.next();
  for (; !next.done; next = gating.next()) {
    most = Math.max(most, hashed);
    hashed = 0;
  }
  most = Math.max(most, hashed);
  assert.ok(most <= 256, `a step hashed ${most} of the ${writes.length} objects written`);
  const held = next.value.held.get("shop");
  assert.deepEqual(held?.summary, { create: 0, update: 2000, delete: 20 });

  hashed = 0;
  assert.equal(held?.plan, planFingerprint([...writes, ...deletes]), "the fingerprint the plain function gives");
  assert.equal(hashed, writes.length, "each object written is hashed, once");
  assert.deepEqual(next.value, gatePlan(input), "steps change when the work is done, not what the gate decides");
});

test("a fingerprint of more lines than a step hashes is still the digest of all of them sorted, one per line (the value approvals send back)", () => {
  // Names one of which starts another, accented and astral: the lines sort by UTF-16 code unit, as they always did.
  const names = ["a", "a-b", "a b", "é", "\u{1F600}", "\uFFFF"];
  const digests = new Map<string, string>();
  for (let i = 9999; i >= 0; i--) digests.set(`MeshTimeout/shop/${names[i % names.length]}${i}`, i % 3 === 0 ? "delete -" : `update ${String(i).padStart(64, "0")}`);
  const lines = [...digests].map(([subject, digest]) => `${subject} ${digest}`).sort();
  assert.equal(fingerprintOf(digests), createHash("sha256").update(lines.join("\n")).digest("hex"));
  assert.equal(fingerprintOf(new Map()), createHash("sha256").update("").digest("hex"), "an empty plan");
});
