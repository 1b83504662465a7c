import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL, PRUNE_LABEL } from "../src/desired/ownership.js";
import { DEFAULT_CONFIG, parseRepoConfig, type UnmanagedSelector } from "../src/config/repoConfig.js";
import { classifyDrift, driftExitCode } from "../src/diff/drift.js";
import { keyOfLive } from "../src/diff/pair.js";
import { planChanges } from "../src/diff/plan.js";
import type { JsonObject, Resource } from "../src/model/resource.js";

const owned = { [MANAGED_BY_LABEL]: "meshops" };

const desiredTimeout = (name: string, idleTimeout: string, mesh = "payments"): Resource => ({
  type: "MeshTimeout",
  mesh,
  name,
  origin: "repository",
  object: { type: "MeshTimeout", mesh, name, labels: owned, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] } },
});

const liveTimeout = (name: string, idleTimeout: string, labels: JsonObject = owned, mesh = "payments"): JsonObject => ({
  type: "MeshTimeout",
  mesh,
  name,
  creationTime: "2026-09-14T08:00:00Z",
  labels: { "kuma.io/mesh": mesh, ...labels },
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] },
});

test("live keys: a Mesh is Mesh/<name>, a resource without mesh belongs to default, nameless objects have none", () => {
  assert.deepEqual(keyOfLive({ type: "Mesh", name: "payments" }), { type: "Mesh", mesh: "payments", name: "payments" });
  assert.deepEqual(keyOfLive({ type: "MeshRetry", name: "r" }), { type: "MeshRetry", mesh: "default", name: "r" });
  assert.equal(keyOfLive({ type: "MeshRetry" }), undefined);
  assert.equal(keyOfLive({ name: "x" }), undefined);
});

test("changes carry the object to PUT as desired and the live object as returned, untouched", () => {
  const desired = desiredTimeout("t", "2h");
  const live = liveTimeout("t", "1h0m0s");
  const [change] = planChanges([desired], [live], { instance: "meshops", prune: false }).changes;
  assert.equal(change?.action, "update");
  assert.equal(change?.desired, desired.object);
  assert.equal(change?.live, live);
  assert.equal(change?.origin, "repository");
  assert.match(change?.diff ?? "", /^--- live\/MeshTimeout\/payments\/t\n\+\+\+ desired\/MeshTimeout\/payments\/t\n/);
  assert.match(change?.diff ?? "", /^-\s+idleTimeout: 1h0m0s$/m);
  assert.match(change?.diff ?? "", /^\+\s+idleTimeout: 2h0m0s$/m);
});

test("equal after normalization: unchanged, with an empty diff", () => {
  const plan = planChanges([desiredTimeout("t", "60m")], [liveTimeout("t", "1h0m0s")], { instance: "meshops", prune: false });
  assert.deepEqual(plan.summary, { create: 0, update: 0, delete: 0, unchanged: 1 });
  assert.equal(plan.changes[0]?.diff, "");
});

test("a changed secret is an update even though the diff hides its value", () => {
  const object = (key: string): JsonObject => ({
    type: "MeshExternalService",
    mesh: "m",
    name: "api",
    labels: owned,
    spec: { match: { port: 443 }, tls: { enabled: true, verification: { clientKey: { inlineString: key } } } },
  });
  const desired: Resource = { type: "MeshExternalService", mesh: "m", name: "api", origin: "repository", object: object("NEW-KEY") };
  const plan = planChanges([desired], [object("OLD-KEY")], { instance: "meshops", prune: false });
  assert.equal(plan.changes[0]?.action, "update");
  assert.ok(!plan.changes[0]?.diff.includes("KEY"));
});

test("deletes: only owned by this instance, only with prune, shown against /dev/null", () => {
  const live = [liveTimeout("mine", "1h0m0s"), liveTimeout("theirs", "1h0m0s", { [MANAGED_BY_LABEL]: "other" }), liveTimeout("by-hand", "1h0m0s", {})];
  assert.deepEqual(planChanges([], live, { instance: "meshops", prune: false }).changes, []);
  const plan = planChanges([], live, { instance: "meshops", prune: true });
  assert.deepEqual(
    plan.changes.map((c) => `${c.action} ${c.resource}`),
    ["delete MeshTimeout/payments/mine"],
  );
  assert.match(plan.changes[0]?.diff ?? "", /^--- live\/MeshTimeout\/payments\/mine\n\+\+\+ \/dev\/null\n/);
  assert.equal(plan.changes[0]?.desired, undefined);
  assert.equal(plan.changes[0]?.origin, undefined);
});

test("a live object that cannot be keyed is neither paired nor deleted", () => {
  const plan = planChanges([], [{ type: "MeshTimeout", labels: owned }], { instance: "meshops", prune: true });
  assert.deepEqual(plan.changes, []);
});

test("drift classifies each kind and orders by write order", () => {
  const desired = [desiredTimeout("missing", "1h"), desiredTimeout("modified", "2h"), desiredTimeout("same", "1h")];
  const live = [
    liveTimeout("modified", "1h0m0s"),
    liveTimeout("same", "1h0m0s"),
    liveTimeout("orphan", "1h0m0s"),
    liveTimeout("by-hand", "1h0m0s", {}),
    { type: "Mesh", name: "payments", labels: owned },
  ];
  const report = classifyDrift(desired, live, { instance: "meshops" });
  assert.deepEqual(report.summary, { missing: 1, modified: 1, orphaned: 2, unmanaged: 1 });
  assert.deepEqual(
    report.items.map((i) => `${i.kind} ${i.resource}`),
    [
      "orphaned Mesh/payments",
      "unmanaged MeshTimeout/payments/by-hand",
      "missing MeshTimeout/payments/missing",
      "modified MeshTimeout/payments/modified",
      "orphaned MeshTimeout/payments/orphan",
    ],
  );
  for (const item of report.items) assert.notEqual(item.diff, "");
});

test("drift exit code: 2 for missing, modified or orphaned; unmanaged alone is in sync", () => {
  const zero = { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 };
  assert.equal(driftExitCode(zero), 0);
  assert.equal(driftExitCode({ ...zero, unmanaged: 3 }), 0);
  assert.equal(driftExitCode({ ...zero, missing: 1 }), 2);
  assert.equal(driftExitCode({ ...zero, modified: 1 }), 2);
  assert.equal(driftExitCode({ ...zero, orphaned: 1 }), 2);
});

test("prune never deletes a Mesh that still holds something: its cascade would take desired or unowned resources", () => {
  const liveMesh = (name: string): JsonObject => ({ type: "Mesh", name, labels: owned });
  const options = { instance: "meshops", prune: true };
  const deletes = (desired: Resource[], live: JsonObject[]) =>
    planChanges(desired, live, options).changes.filter((c) => c.action === "delete").map((c) => c.resource);

  // The repository stopped defining Mesh default but still has policies in it (allowed: the control plane makes it).
  assert.deepEqual(deletes([desiredTimeout("t", "1h", "default")], [liveMesh("default"), liveTimeout("t", "1h0m0s", owned, "default")]), []);
  // Someone else's resource lives in the mesh: deleting the Mesh would delete it too.
  assert.deepEqual(deletes([], [liveMesh("payments"), liveTimeout("theirs", "1h0m0s", {}, "payments")]), []);
  // Everything in the mesh is ours and no longer desired: the contents go first, then the Mesh.
  assert.deepEqual(deletes([], [liveMesh("payments"), liveTimeout("ours", "1h0m0s")]), ["MeshTimeout/payments/ours", "Mesh/payments"]);
});

test("prune opt-out: a resource labelled meshops.io/prune: disabled is kept, never deleted, and keeps its Mesh", () => {
  const keep = { ...owned, [PRUNE_LABEL]: "disabled" };
  const liveMesh = (name: string, labels: JsonObject = owned): JsonObject => ({ type: "Mesh", name, labels });
  const plan = planChanges([], [liveMesh("payments"), liveTimeout("pinned", "1h0m0s", keep), liveTimeout("ours", "1h0m0s")], { instance: "meshops", prune: true });
  // Deleting the Mesh would cascade to the kept resource: it stays too, and the plan says so.
  assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.resource}`), ["delete MeshTimeout/payments/ours"]);
  assert.deepEqual(plan.kept.map((k) => `${k.resource} (${k.reason})`), ["Mesh/payments (holds resources that stay)", "MeshTimeout/payments/pinned (prune disabled)"]);
  assert.equal(plan.summary.delete, 1);
  // A kept Mesh is not deleted either (nor is anything in it, by the cascade).
  const meshKept = planChanges([], [liveMesh("payments", keep), liveTimeout("ours", "1h0m0s")], { instance: "meshops", prune: true });
  assert.deepEqual(meshKept.changes.map((c) => `${c.action} ${c.resource}`), ["delete MeshTimeout/payments/ours"]);
  assert.deepEqual(meshKept.kept.map((k) => k.resource), ["Mesh/payments"]);
  // Any other value of the label does not opt out; without --prune nothing is listed as kept (nothing would be deleted).
  assert.equal(planChanges([], [liveTimeout("t", "1h0m0s", { ...owned, [PRUNE_LABEL]: "enabled" })], { instance: "meshops", prune: true }).summary.delete, 1);
  assert.deepEqual(planChanges([], [liveTimeout("pinned", "1h0m0s", keep)], { instance: "meshops", prune: false }).kept, []);
});

test("drift.ignoreUnmanaged: unmanaged resources a selector matches are left out; orphaned and owned ones never", () => {
  const live = [
    { type: "Mesh", name: "default", labels: {} },
    liveTimeout("mesh-timeout-all-default", "1h0m0s", {}, "default"),
    liveTimeout("mesh-timeout-all-payments", "1h0m0s", {}, "default"),
    liveTimeout("by-hand", "1h0m0s", {}, "default"),
    liveTimeout("scratch-1", "1h0m0s", {}, "payments"),
    liveTimeout("scratch-orphan", "1h0m0s", owned, "payments"),
  ];
  const kinds = (ignoreUnmanaged?: readonly UnmanagedSelector[]) =>
    classifyDrift([], live, { instance: "meshops", ...(ignoreUnmanaged ? { ignoreUnmanaged } : {}) }).items.map((i) => `${i.kind} ${i.resource}`);
  assert.equal(kinds().length, 6);
  assert.deepEqual(kinds(DEFAULT_CONFIG.drift.ignoreUnmanaged), [
    "unmanaged MeshTimeout/default/by-hand",
    // A default policy's name is `<prefix>-<its own mesh>`: this one is not the control plane's.
    "unmanaged MeshTimeout/default/mesh-timeout-all-payments",
    "unmanaged MeshTimeout/payments/scratch-1",
    "orphaned MeshTimeout/payments/scratch-orphan",
  ]);
  // Globs on type, mesh and name; an owned resource no longer desired is drift whatever the selectors say.
  assert.deepEqual(kinds([{ mesh: "payments", name: "scratch-*" }, { type: "Mesh*", mesh: "{default,x}", name: "by-*" }]), [
    "unmanaged Mesh/default",
    "unmanaged MeshTimeout/default/mesh-timeout-all-default",
    "unmanaged MeshTimeout/default/mesh-timeout-all-payments",
    "orphaned MeshTimeout/payments/scratch-orphan",
  ]);
});

test("drift.ignoreUnmanaged in meshops.yaml: the default mesh and its default policies by default, [] reports everything", () => {
  assert.deepEqual(DEFAULT_CONFIG.drift.ignoreUnmanaged, [{ type: "Mesh", name: "default" }, { defaultPolicy: true }]);
  const parsed = (text: string) => parseRepoConfig({ path: "meshops.yaml", text }, "");
  assert.deepEqual(parsed("drift: {ignoreUnmanaged: []}\n").config.drift.ignoreUnmanaged, []);
  assert.deepEqual(parsed("drift: {ignoreUnmanaged: [{mesh: scratch}]}\n").config.drift.ignoreUnmanaged, [{ mesh: "scratch" }]);
  const bad = parsed("drift:\n  ignoreUnmanaged:\n    - {kind: Mesh}\n").diagnostics;
  assert.equal(bad.length, 1);
  assert.equal(bad[0]?.line, 3);
  assert.match(bad[0]?.message ?? "", /unknown field "kind"/);
});
