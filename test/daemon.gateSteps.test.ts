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
import type { Steps } from "../src/util/steps.js";

/** A copy of `object` whose `spec` counts its reads: hashing an object (redacting it first) reads each field once. */
function countingReads(object: JsonObject, read: () => void): JsonObject {
  const { spec, ...rest } = object;
  return Object.defineProperty(rest, "spec", { enumerable: true, get: () => (read(), spec) });
}

/**
 * A mesh holding 2,000 updates and 20 deletes, more than the prune limit allows: it is held, and every change of it
 * fingerprinted. `hashed` is called as an object written is read; `live` is what the control plane holds.
 */
function heldMesh(hashed: () => void, live: Iterable<JsonObject> = []): { input: GateInput; changes: Change[] } {
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
  const change = (action: Change["action"], name: string, object?: JsonObject): Change => ({ action, resource: `MeshTimeout/shop/${name}`, type: "MeshTimeout", mesh: "shop", name, diff: "", ...(object ? { desired: object } : {}) });
  const writes = [...(desired.meshes.get("shop")?.byKey.values() ?? [])].filter((r) => r.type !== "Mesh").map((r) => change("update", r.name, countingReads(r.object, hashed)));
  const changes = [...writes, ...Array.from({ length: 20 }, (_, i) => change("delete", `gone${i}`))];
  const limits = { enabled: true, maxDeletes: 0, maxDeletePercent: 100 };
  return { input: { plan: planOf(changes), desired, live, ownedCount: 2020, limits, revision: "rev", closed: new Set(), approved: () => undefined }, changes };
}

/** Runs the steps to their end; `counted()` says how much was done so far: the most done in one step, and the result. */
function mostInOneStep<T>(steps: Steps<T>, counted: () => number): { most: number; value: T } {
  let most = 0;
  let before = counted();
  for (let next = steps.next(); ; next = steps.next()) {
    most = Math.max(most, counted() - before);
    before = counted();
    if (next.done) return { most, value: next.value };
  }
}

test("the gate's fingerprint of a held plan is worked out in steps: no step hashes more than 256 changes", () => {
  let hashed = 0;
  const { input, changes } = heldMesh(() => hashed++);
  const { most, value } = mostInOneStep(gatePlanSteps(input), () => hashed);
  assert.ok(most <= 256, `a step hashed ${most} of the 2000 objects written`);
  const held = value.held.get("shop");
  assert.deepEqual(held?.summary, { create: 0, update: 2000, delete: 20 });

  hashed = 0;
  assert.equal(held?.plan, planFingerprint(changes), "the fingerprint the plain function gives");
  assert.equal(hashed, 2000, "each object written is hashed, once");
  assert.deepEqual(value, gatePlan(input), "steps change when the work is done, not what the gate decides");
});

test("the gate reads the control plane's objects in steps: no step reads more than 512 (which meshes keep a policy the plan leaves alone)", () => {
  let read = 0;
  const policy = (name: string, labels: JsonObject = {}): JsonObject => ({ type: "MeshTimeout", mesh: "shop", name, labels, spec: { targetRef: { kind: "Mesh" } } });
  const objects = [
    ...Array.from({ length: 2000 }, (_, i) => policy(`t${i}`, { "kuma.io/managed-by": "meshops" })),
    ...Array.from({ length: 20 }, (_, i) => policy(`gone${i}`, { "kuma.io/managed-by": "meshops" })),
    ...Array.from({ length: 1000 }, (_, i) => policy(`by-hand${i}`)),
  ];
  // The daemon passes its live cache's values(): an iterator, read as the gate goes.
  function* counted(): Generator<JsonObject> {
    for (const object of objects) {
      read++;
      yield object;
    }
  }
  const { input } = heldMesh(() => undefined, counted());
  const { most, value } = mostInOneStep(gatePlanSteps(input), () => read);
  assert.equal(read, objects.length, "every object is read");
  assert.ok(most <= 512, `a step read ${most} of the control plane's ${objects.length} objects`);
  assert.deepEqual(value.held.get("shop")?.reasons, ["the plan deletes 20 of 2020 owned resources (1%), more than meshops.yaml prune.maxDeletes 0"], "held for the prune limit");
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
