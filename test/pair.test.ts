import assert from "node:assert/strict";
import { test } from "node:test";
import { indexLive, indexResources, pairResources, pairWithLiveSteps } from "../src/diff/pair.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import { runSteps } from "../src/util/steps.js";

const resource = (type: string, mesh: string, name: string): Resource => ({ type, mesh, name, origin: "repository", object: { type, mesh, name, spec: {} } });

// Every case pairing by key can get wrong: a Mesh (keyed by its name alone), a resource of the global unit, one
// without a mesh (the default mesh), a repeated live key (the first counts), a nameless object (never paired), live
// objects nothing desires (after the desired ones, in their own order), and a desired resource with no live twin.
const desired: Resource[] = [
  resource("Mesh", "payments", "payments"),
  resource("MeshTimeout", "payments", "timeout-1"),
  resource("MeshTimeout", "default", "timeout-2"),
  resource("HostnameGenerator", "", "local"),
  resource("MeshRetry", "payments", "retry-new"),
  resource("MeshTimeout", "payments", "timeout-1"),
];
const live: JsonObject[] = [
  { type: "MeshRetry", mesh: "payments", name: "retry-old" },
  { type: "MeshTimeout", mesh: "payments", name: "timeout-1", spec: { first: true } },
  { type: "MeshTimeout", mesh: "payments", name: "timeout-1", spec: { first: false } },
  { type: "Mesh", name: "payments" },
  { type: "MeshTimeout", name: "timeout-2" },
  { type: "HostnameGenerator", name: "local" },
  { type: "MeshTimeout", mesh: "payments" },
  { type: "MeshTimeout", mesh: "orders", name: "timeout-1" },
  { type: "Mesh", name: "orders" },
];

test("pairing with live objects pairs as the index by subject does: same pairs, same twins, same order", () => {
  const pairs = runSteps(pairWithLiveSteps(desired, live));
  assert.deepEqual(pairs, pairResources(desired, indexLive(live)));
  assert.deepEqual(
    pairs.map((p) => [p.subject, p.desired !== undefined, p.live?.object.spec ?? (p.live ? "live" : undefined)]),
    [
      ["Mesh/payments", true, "live"],
      ["MeshTimeout/payments/timeout-1", true, { first: true }],
      ["MeshTimeout/default/timeout-2", true, "live"],
      ["HostnameGenerator/local", true, "live"],
      ["MeshRetry/payments/retry-new", true, undefined],
      ["MeshTimeout/payments/timeout-1", true, { first: true }],
      ["MeshRetry/payments/retry-old", false, "live"],
      ["MeshTimeout/orders/timeout-1", false, "live"],
      ["Mesh/orders", false, "live"],
    ],
  );
});

test("pairing two desired states pairs by subject, each base resource once", () => {
  const base = [resource("MeshTimeout", "payments", "timeout-1"), resource("MeshRetry", "payments", "retry-old"), resource("Mesh", "payments", "payments")];
  const pairs = pairResources(desired.slice(0, 2), indexResources(base));
  assert.deepEqual(
    pairs.map((p) => [p.subject, p.desired !== undefined, p.live?.object === base.find((b) => b.name === p.name)?.object]),
    [
      ["Mesh/payments", true, true],
      ["MeshTimeout/payments/timeout-1", true, true],
      ["MeshRetry/payments/retry-old", false, true],
    ],
  );
});
