/**
 * The incremental planner (src/sync/incremental.ts) and the per-mesh desired state (src/desired/index.ts), pure: for
 * every case, the incremental plan against the cached live state must write exactly what a full plan would, and the
 * drift it keeps up to date must be what a full classification finds.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG, type RepoConfig } from "../src/config/repoConfig.js";
import { buildDesired, desiredOf, type DesiredState } from "../src/desired/index.js";
import { sortForWrite } from "../src/kuma/order.js";
import { classifyDrift, type DriftReport } from "../src/diff/drift.js";
import { indexLive } from "../src/diff/pair.js";
import { planChanges, type Plan } from "../src/diff/plan.js";
import { subjectOf } from "../src/model/key.js";
import type { JsonObject, Resource } from "../src/model/resource.js";
import { changedSubjects, outOfSyncSubjects, planIncremental, updateDrift } from "../src/sync/incremental.js";

const mesh = (name: string, skip?: string[]): Resource => ({
  type: "Mesh",
  mesh: name,
  name,
  object: { type: "Mesh", name, ...(skip ? { skipCreatingInitialPolicies: skip } : {}) },
  origin: "repository",
});

const timeout = (meshName: string, name: string, idleTimeout: string): Resource => ({
  type: "MeshTimeout",
  mesh: meshName,
  name,
  object: { type: "MeshTimeout", mesh: meshName, name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] } },
  origin: "repository",
});

/** What the control plane hands back for an object meshops PUT: server-owned fields and computed labels added. */
function stored(object: JsonObject): JsonObject {
  const labels = typeof object.labels === "object" && object.labels !== null && !Array.isArray(object.labels) ? object.labels : {};
  const computed: JsonObject = object.type === "Mesh" ? {} : { "kuma.io/mesh": object.mesh ?? "default", "kuma.io/origin": "zone" };
  return { ...object, labels: { ...labels, ...computed }, creationTime: "2026-01-01T00:00:00Z", modificationTime: "2026-01-01T00:00:00Z" };
}

/** Applies a plan's writes to a live state held by subject: `as` is what the key holds afterwards (sent or stored). */
function applyTo(live: Map<string, JsonObject>, plan: Plan, as: (sent: JsonObject) => JsonObject = (sent) => sent): void {
  for (const change of plan.changes) {
    if (change.action === "delete") live.delete(change.resource);
    else if ((change.action === "create" || change.action === "update") && change.desired) live.set(change.resource, as(change.desired));
  }
}

const writes = (plan: Plan) => plan.changes.filter((c) => c.action !== "unchanged").map((c) => `${c.action} ${c.resource}`);
const items = (report: DriftReport) => report.items.map((i) => `${i.kind} ${i.resource}`);

interface Case {
  readonly name: string;
  readonly before: readonly Resource[];
  readonly after: readonly Resource[];
  readonly prune: boolean;
  readonly config?: Partial<RepoConfig>;
  /** Writes of the incremental plan (and of the full one), in plan order. */
  readonly expect: readonly string[];
  /** Drift left after applying it. */
  readonly drift?: readonly string[];
}

const m1 = mesh("m1", ["*"]);
const m2 = mesh("m2", ["*"]);
const t1 = timeout("m1", "t1", "1m");
const t2 = timeout("m1", "t2", "2m");
const t3 = timeout("m2", "t3", "3m");
const base = [m1, t1, t2, m2, t3];

const cases: Case[] = [
  { name: "nothing changed: nothing to plan", before: base, after: base, prune: true, expect: [] },
  { name: "a changed policy is one update", before: base, after: [m1, timeout("m1", "t1", "5m"), t2, m2, t3], prune: false, expect: ["update MeshTimeout/m1/t1"] },
  { name: "an added file is a create", before: base, after: [...base, timeout("m2", "t4", "4m")], prune: false, expect: ["create MeshTimeout/m2/t4"] },
  { name: "a removed file with prune on is a delete", before: base, after: [m1, t1, m2, t3], prune: true, expect: ["delete MeshTimeout/m1/t2"] },
  {
    name: "a removed file with prune off writes nothing and is reported orphaned",
    before: base,
    after: [m1, t1, m2, t3],
    prune: false,
    expect: [],
    drift: ["orphaned MeshTimeout/m1/t2"],
  },
  {
    name: "a file reformatted (same content in another spelling) is no change",
    before: base,
    after: [m1, timeout("m1", "t1", "60s"), t2, m2, t3],
    prune: true,
    expect: [],
  },
  {
    name: "a Mesh's skip list shrinks: its default policies appear",
    before: base,
    after: [mesh("m1", ["MeshRetry", "MeshCircuitBreaker"]), t1, t2, m2, t3],
    prune: false,
    expect: ["update Mesh/m1", "create MeshTimeout/m1/mesh-gateways-timeout-all-m1", "create MeshTimeout/m1/mesh-timeout-all-m1"],
  },
  {
    name: "a Mesh's skip list grows: its default policies go (prune on)",
    before: [mesh("m1"), t1, t2, m2, t3],
    after: [mesh("m1", ["MeshTimeout"]), t1, t2, m2, t3],
    prune: true,
    expect: ["update Mesh/m1", "delete MeshTimeout/m1/mesh-timeout-all-m1", "delete MeshTimeout/m1/mesh-gateways-timeout-all-m1"],
  },
  {
    name: "a Mesh's skip list grows with prune off: the defaults stay, reported orphaned",
    before: [mesh("m1"), t1, t2, m2, t3],
    after: [mesh("m1", ["MeshRetry"]), t1, t2, m2, t3],
    prune: false,
    expect: ["update Mesh/m1"],
    drift: ["orphaned MeshRetry/m1/mesh-retry-all-m1"],
  },
  {
    name: "a repository policy overrides a default: an update of the default's key",
    before: [mesh("m1"), t1, t2, m2, t3],
    after: [mesh("m1"), t1, t2, timeout("m1", "mesh-timeout-all-m1", "9m"), m2, t3],
    prune: true,
    expect: ["update MeshTimeout/m1/mesh-timeout-all-m1"],
  },
  {
    name: "a new mesh: the Mesh, its defaults and its policies, Mesh first",
    before: base,
    after: [...base, mesh("m3", ["MeshRetry", "MeshCircuitBreaker", "MeshTimeout"]), timeout("m3", "t5", "5m")],
    prune: false,
    expect: ["create Mesh/m3", "create MeshTimeout/m3/t5"],
  },
  {
    name: "a removed mesh with prune on: everything in it deleted, the Mesh last",
    before: base,
    after: [m1, t1, t2],
    prune: true,
    expect: ["delete MeshTimeout/m2/t3", "delete Mesh/m2"],
  },
];

for (const c of cases) {
  test(`incremental plan: ${c.name}`, () => {
    const config: RepoConfig = { ...DEFAULT_CONFIG, ...c.config, prune: { ...DEFAULT_CONFIG.prune, enabled: c.prune } };
    const options = { instance: config.instance, prune: c.prune };
    const previous = buildDesired(c.before, config, { major: 2 });
    // The control plane after a full apply of `before`, and the daemon's cache of it (the list it read).
    const live = new Map<string, JsonObject>();
    applyTo(live, planChanges(previous.resources, [], options), stored);
    const cache = new Map(live);
    const baseDrift = classifyDrift(previous.resources, [...cache.values()], { instance: config.instance });
    assert.deepEqual(items(baseDrift), [], "in sync after the first apply");

    const next = buildDesired(c.after, config, { major: 2 }, previous);
    const incremental = planIncremental({ previous, next, live: cache, outOfSync: outOfSyncSubjects(baseDrift), options });
    const full = planChanges(next.resources, [...cache.values()], options);
    assert.deepEqual(writes(incremental.plan), c.expect);
    assert.deepEqual(writes(incremental.plan), writes(full), "the same writes as a full plan");

    // Write-through: the cache holds what was sent, the control plane what it stores; both say the same.
    applyTo(cache, incremental.plan);
    applyTo(live, incremental.plan, stored);
    const drift = updateDrift(baseDrift, incremental.subjects, next, cache, { instance: config.instance });
    assert.deepEqual(items(drift), c.drift ?? []);
    assert.deepEqual(items(drift), items(classifyDrift(next.resources, [...live.values()], { instance: config.instance })), "the drift a full list finds");
    // And the next full plan of the control plane finds nothing left to write.
    assert.deepEqual(writes(planChanges(next.resources, [...live.values()], options)), []);
  });
}

test("incremental plan: an out-of-band edit is unseen until the drift check lists again, then planned like any drift", () => {
  const config: RepoConfig = { ...DEFAULT_CONFIG, prune: { ...DEFAULT_CONFIG.prune, enabled: true } };
  const options = { instance: config.instance, prune: true };
  const previous = buildDesired(base, config, { major: 2 });
  const live = new Map<string, JsonObject>();
  applyTo(live, planChanges(previous.resources, [], options), stored);
  const cache = new Map(live);
  const inSync = classifyDrift(previous.resources, [...cache.values()], { instance: config.instance });

  // Someone edits t3 on the control plane. The cache does not know; a commit changing t1 plans t1 only.
  live.set("MeshTimeout/m2/t3", stored(timeout("m2", "t3", "42m").object));
  const next = buildDesired([m1, timeout("m1", "t1", "5m"), t2, m2, t3], config, { major: 2 }, previous);
  const first = planIncremental({ previous, next, live: cache, outOfSync: outOfSyncSubjects(inSync), options });
  assert.deepEqual(writes(first.plan), ["update MeshTimeout/m1/t1"]);
  applyTo(cache, first.plan);
  applyTo(live, first.plan, stored);
  const after = updateDrift(inSync, first.subjects, next, cache, { instance: config.instance });
  assert.deepEqual(items(after), [], "the cache cannot see the edit");

  // The drift check lists the control plane: the cache is replaced, the edit is drift.
  const relisted = new Map([...indexLive([...live.values()])].map(([subject, entry]) => [subject, entry.object]));
  const checked = classifyDrift(next.resources, [...relisted.values()], { instance: config.instance });
  assert.deepEqual(items(checked), ["modified MeshTimeout/m2/t3"]);
  // The next commit (which does not touch t3) plans it as a full plan would: a sync reverts all drift.
  const later = buildDesired([m1, timeout("m1", "t1", "5m"), timeout("m1", "t2", "7m"), m2, t3], config, { major: 2 }, next);
  const second = planIncremental({ previous: next, next: later, live: relisted, outOfSync: outOfSyncSubjects(checked), options });
  assert.deepEqual(writes(second.plan), ["update MeshTimeout/m1/t2", "update MeshTimeout/m2/t3"]);
  assert.deepEqual(writes(second.plan), writes(planChanges(later.resources, [...relisted.values()], options)));
});

test("incremental plan: a removed mesh that also holds what meshops does not own keeps its Mesh, as a full plan does", () => {
  const config: RepoConfig = { ...DEFAULT_CONFIG, prune: { ...DEFAULT_CONFIG.prune, enabled: true } };
  const options = { instance: config.instance, prune: true };
  const previous = buildDesired(base, config, { major: 2 });
  const live = new Map<string, JsonObject>();
  applyTo(live, planChanges(previous.resources, [], options), stored);
  // Written in m2 by someone else (kumactl, before meshops): no ownership label. The daemon's cache listed it.
  const byHand = timeout("m2", "by-hand", "7m");
  live.set(subjectOf(byHand), stored(byHand.object));
  const cache = new Map(live);
  const listed = classifyDrift(previous.resources, [...cache.values()], { instance: config.instance });
  assert.deepEqual(items(listed), ["unmanaged MeshTimeout/m2/by-hand"]);

  // The repository drops m2. Deleting Mesh/m2 would make the control plane delete MeshTimeout/m2/by-hand with it.
  const next = buildDesired([m1, t1, t2], config, { major: 2 }, previous);
  const incremental = planIncremental({ previous, next, live: cache, outOfSync: outOfSyncSubjects(listed), options });
  const full = planChanges(next.resources, [...cache.values()], options);
  assert.deepEqual(writes(full), ["delete MeshTimeout/m2/t3"]);
  assert.deepEqual(writes(incremental.plan), writes(full), "the same writes as a full plan");
  assert.deepEqual(incremental.plan.kept.map((k) => `${k.resource} ${k.reason}`), ["Mesh/m2 holds resources that stay"]);
  assert.deepEqual(incremental.plan.kept, full.kept);
});

test("changed subjects: untouched meshes are reused whole; a new instance name changes every subject", () => {
  const previous = buildDesired(base, DEFAULT_CONFIG, { major: 2 });
  const next = buildDesired([m1, timeout("m1", "t1", "5m"), t2, m2, t3], DEFAULT_CONFIG, { major: 2 }, previous);
  assert.equal(next.meshes.get("m2"), previous.meshes.get("m2"), "m2 is taken over as it was");
  assert.notEqual(next.meshes.get("m1"), previous.meshes.get("m1"));
  // In the rebuilt mesh, t2 (whose input did not change) is taken over as the same object: not a change.
  assert.equal(desiredOf(next, "MeshTimeout/m1/t2"), desiredOf(previous, "MeshTimeout/m1/t2"));
  assert.deepEqual([...changedSubjects(previous, next)], ["MeshTimeout/m1/t1"]);

  const renamed = buildDesired(base, { ...DEFAULT_CONFIG, instance: "other" }, { major: 2 }, previous);
  assert.notEqual(renamed.meshes.get("m2"), previous.meshes.get("m2"), "another basis: nothing is reused");
  assert.deepEqual([...changedSubjects(previous, renamed)].sort(), previous.resources.map(subjectOf).sort(), "the ownership label is part of every object");
});

test("the desired state built incrementally is the one built from scratch, in write order, for Kuma 2 and 3", () => {
  const resources = [mesh("m1"), t1, t2, mesh("m2", ["MeshRetry"]), t3, timeout("m2", "mesh-timeout-all-m2", "9m"), timeout("default", "loose", "1s")];
  for (const major of [2, 3]) {
    const expected = buildDesired(resources, DEFAULT_CONFIG, { major }).resources;
    assert.deepEqual(expected, sortForWrite([...expected]), "the meshes' lists merge into write order");
    const earlier = buildDesired(base, DEFAULT_CONFIG, { major });
    const built: DesiredState = buildDesired(resources, DEFAULT_CONFIG, { major }, earlier);
    assert.deepEqual(built.resources, expected);
    assert.equal(built.size, expected.length);
  }
  // Kuma 3 drops skipCreatingInitialPolicies from Meshes, and that is part of what a build is reused for.
  const two = buildDesired(resources, DEFAULT_CONFIG, { major: 2 });
  const three = buildDesired(resources, DEFAULT_CONFIG, { major: 3 }, two);
  assert.notEqual(three.basis, two.basis);
  assert.equal("skipCreatingInitialPolicies" in (desiredOf(three, "Mesh/m2")?.object ?? {}), false);
});
