/**
 * The daemon's live-state cache (src/daemon/liveCache.ts): write-through bookkeeping, and the claim it rests on: after
 * a PUT, the object meshops sent normalizes to exactly what the control plane hands back on GET, so caching the sent
 * object is as good as listing it again. Checked against the embedded control plane, Kuma 2 and 3, on sample-repo and
 * on a generated repository (every policy type the benchmark uses, both YAML shapes).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { LocalBackend } from "../src/backend/store.js";
import type { ServerInfo } from "../src/backend/types.js";
import { LiveCache } from "../src/daemon/liveCache.js";
import { normalize, sameNormalized } from "../src/diff/normalize.js";
import type { Change } from "../src/diff/plan.js";
import { subjectOf } from "../src/model/key.js";
import type { JsonObject } from "../src/model/resource.js";
import { readSnapshot } from "../src/source/index.js";
import type { ChangeResult, ChangeSet } from "../src/sync/apply.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { generateRepo } from "../bench/generate.js";
import { commitFolder, projectRoot, tempRepo } from "./helpers/git.js";
import { validateWithTestKey } from "./helpers/snapshot.js";
import { liveServiceSubjects, liveServiceSubjectsSteps } from "../src/validate/services.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-livecache-"));
after(() => rmSync(work, { recursive: true, force: true }));

async function sampleRepo(): Promise<string> {
  const repo = tempRepo();
  after(repo.cleanup);
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"));
  return repo.dir;
}

let generated: Promise<string> | undefined;
function generatedRepo(): Promise<string> {
  const dir = path.join(work, "generated");
  generated ??= generateRepo(dir, { meshes: 4, policiesPerMesh: 20, shape: "mixed" }).then(() => dir);
  return generated;
}
let stores = 0;

for (const version of ["2.14.3", "3.0.0"]) {
  for (const [name, make] of [
    ["sample-repo", sampleRepo],
    ["a generated repository", generatedRepo],
  ] as const) {
    test(`write-through: what meshops PUT normalizes to what the control plane (Kuma ${version}) returns, ${name}`, async () => {
      const dir = await make();
      const result = await validateWithTestKey(await readSnapshot({ repo: dir, ref: "HEAD" }));
      assert.ok(result.valid, JSON.stringify(result.diagnostics.slice(0, 3)));
      const backend = await LocalBackend.open({ stateDir: path.join(work, `cp-${++stores}`), version, skipMeshCreation: true });
      try {
        const desired = buildDesired(result.resources, result.config, targetOf(result.config, await backend.info())).resources;
        for (const r of desired) await backend.put(r.object);
        let rewritten = 0;
        for (const r of desired) {
          const live = await backend.get(r);
          assert.ok(live, subjectOf(r));
          assert.deepEqual(normalize(r.object), normalize(live), `${subjectOf(r)}: normalize(sent) = normalize(GET)`);
          assert.ok(sameNormalized(r.object, live), subjectOf(r));
          if (JSON.stringify(live) !== JSON.stringify(r.object)) rewritten++;
        }
        // Not a vacuous claim: the control plane does rewrite what it stores (timestamps, computed labels, durations).
        assert.equal(rewritten, desired.length);
      } finally {
        await backend.close();
      }
    });
  }
}

const info = (overrides: Partial<ServerInfo> = {}): ServerInfo => ({ product: "Kuma", version: "2.14.3", instanceId: "cp-1", ...overrides });
/** meshops.yaml's instance and mode, as the reconciler passes its config. */
const ZONE_OWNER = { instance: "meshops", controlPlane: { mode: "zone" as const } };
const owned = (name: string, value = "1m"): JsonObject => ({ type: "MeshTimeout", mesh: "m", name, labels: { "meshops.io/managed-by": "meshops" }, spec: { value } });
/** A MeshTimeout of mesh m, owned, as meshops sends it (no times). */
const timeout = (name: string, idleTimeout: string): JsonObject => ({
  type: "MeshTimeout",
  mesh: "m",
  name,
  labels: { "meshops.io/managed-by": "meshops" },
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] },
});
const change = (action: Change["action"], name: string, desired?: JsonObject): Change => ({
  action,
  resource: `MeshTimeout/m/${name}`,
  type: "MeshTimeout",
  mesh: "m",
  name,
  diff: "",
  ...(desired ? { desired } : {}),
});
const changeSet = (...results: ChangeResult[]): ChangeSet => ({
  results,
  summary: { applied: results.filter((r) => r.outcome === "applied").length, failed: 0, skipped: 0 },
  failedMeshes: [],
});

test("live cache: listed, then written through: a PUT caches the object sent, a DELETE drops the key, owned resources counted", async () => {
  const cache = new LiveCache();
  assert.equal(cache.known, false);
  assert.match(cache.unknownBecause, /not listed/);
  const foreign: JsonObject = { type: "MeshTimeout", mesh: "m", name: "theirs", spec: {} };
  await cache.replace([owned("a"), owned("b"), foreign, { type: "MeshTimeout" }], info(), ZONE_OWNER);
  assert.equal(cache.known, true);
  assert.deepEqual([...cache.objects.keys()], ["MeshTimeout/m/a", "MeshTimeout/m/b", "MeshTimeout/m/theirs"], "an object without a name cannot be keyed");
  assert.equal(cache.ownedCount(ZONE_OWNER), 2);
  assert.equal(cache.ownedCount({ ...ZONE_OWNER, instance: "other" }), 0);
  // What a global control plane's meshops of the same name sent down carries the label, but is not this one's.
  const synced = { ...owned("g"), labels: { "meshops.io/managed-by": "meshops", "kuma.io/origin": "global" } };
  const withSynced = new LiveCache();
  await withSynced.replace([owned("a"), synced], info(), ZONE_OWNER);
  assert.equal(withSynced.ownedCount(ZONE_OWNER), 1);
  assert.equal(withSynced.ownedCount({ ...ZONE_OWNER, controlPlane: { mode: "global" } }), 2, "on a global control plane origin global is its own");
  assert.equal(cache.ownedCount(ZONE_OWNER), 2);

  const sent = owned("a", "2m");
  const adopted = { ...foreign, labels: { "meshops.io/managed-by": "meshops" } };
  cache.record(
    changeSet(
      { change: change("update", "a", sent), outcome: "applied" },
      { change: change("update", "theirs", adopted), outcome: "applied" },
      { change: change("create", "c", owned("c")), outcome: "applied" },
      { change: change("delete", "b"), outcome: "applied" },
      { change: change("create", "d", owned("d")), outcome: "skipped", error: "stopped" },
    ),
  );
  assert.equal(cache.known, true);
  assert.equal(cache.objects.get("MeshTimeout/m/a"), sent);
  assert.equal(cache.objects.has("MeshTimeout/m/b"), false);
  assert.equal(cache.objects.has("MeshTimeout/m/d"), false, "a skipped change was never sent");
  assert.equal(cache.ownedCount(ZONE_OWNER), 3);
});

test("live cache: a failed write, or another control plane, means listing again", async () => {
  const cache = new LiveCache();
  await cache.replace([owned("a")], info(), ZONE_OWNER);
  assert.ok(cache.sameServer(info()));
  assert.ok(!cache.sameServer(info({ version: "2.15.0" })), "an upgrade may store objects differently");
  assert.ok(!cache.sameServer(info({ instanceId: "cp-2" })), "a restarted control plane may not have kept its state");
  assert.ok(!cache.sameServer(info({ product: "Kong Mesh", basedOnKuma: "2.14.3" })));

  const before = cache.objects.get("MeshTimeout/m/a");
  cache.record(changeSet({ change: change("update", "a", owned("a", "9m")), outcome: "failed", error: "timeout" }, { change: change("create", "b", owned("b")), outcome: "applied" }));
  assert.equal(cache.known, false);
  assert.match(cache.unknownBecause, /update MeshTimeout\/m\/a failed/);
  assert.ok(!cache.sameServer(info()));
  // What it last knew stays readable (the failed run's drift record uses it): the failed key as it was before.
  assert.equal(cache.objects.get("MeshTimeout/m/a"), before);
  assert.ok(cache.objects.has("MeshTimeout/m/b"));
  cache.invalidate("another reason");
  assert.match(cache.unknownBecause, /failed/, "the first reason is kept");
  await cache.replace([], info(), ZONE_OWNER);
  assert.equal(cache.known, true);
  assert.equal(cache.objects.size, 0);
});

test("live cache: deleting a Mesh forgets everything in it, as the control plane's cascade does", async () => {
  const cache = new LiveCache();
  const mesh: JsonObject = { type: "Mesh", name: "m", labels: { "meshops.io/managed-by": "meshops" } };
  const elsewhere: JsonObject = { ...owned("x"), mesh: "other" };
  await cache.replace([mesh, owned("a"), owned("b"), elsewhere], info(), ZONE_OWNER);
  const meshDelete: Change = { action: "delete", resource: "Mesh/m", type: "Mesh", mesh: "m", name: "m", live: mesh, diff: "" };
  cache.record(changeSet({ change: meshDelete, outcome: "applied" }));
  assert.deepEqual([...cache.objects.keys()], ["MeshTimeout/other/x"]);
  assert.equal(cache.ownedCount(ZONE_OWNER), 1);
});


test("live cache: references to MeshServices, remembered per reference, answered again when a MeshService comes or goes", async () => {
  const cache = new LiveCache();
  const service = (name: string): JsonObject => ({ type: "MeshService", mesh: "m", name, spec: {} });
  await cache.replace([service("web")], info(), ZONE_OWNER);
  const policy = { type: "MeshTimeout", mesh: "m", name: "p", object: owned("p"), origin: "repository" as const, source: { file: "p.yaml", line: 3, column: 1, docIndex: 0, format: "universal" as const } };
  const reference = (name: string) => ({ resource: policy, targets: [`MeshService/m/${name}`], path: "spec.to[0].targetRef.name" });
  const refs = [reference("web"), reference("ledger")];
  const unknown = () => cache.unknownReferences(refs).map((r) => r.targets[0]);
  assert.deepEqual(unknown(), ["MeshService/m/ledger"]);
  assert.equal(cache.unknownReferences(refs)[0], refs[1], "the reference itself, for the warning to be made of");
  // ...and a new one as soon as one did: a PUT written through, a DELETE, a fresh list.
  const put: Change = { action: "create", resource: "MeshService/m/ledger", type: "MeshService", mesh: "m", name: "ledger", diff: "", desired: service("ledger") };
  cache.record(changeSet({ change: put, outcome: "applied" }));
  assert.deepEqual(unknown(), []);
  cache.record(changeSet({ change: { ...put, action: "delete", desired: undefined } as Change, outcome: "applied" }));
  assert.equal(unknown().length, 1);
  await cache.replace([service("web"), service("ledger")], info(), ZONE_OWNER);
  assert.deepEqual(unknown(), []);
  await cache.replace([], info(), ZONE_OWNER);
  assert.equal(unknown().length, 2);

  // Remembered per reference while no MeshService comes or goes: the same reference is not looked up again.
  await cache.replace([service("web")], info(), ZONE_OWNER);
  const ghost = reference("ghost");
  assert.deepEqual(cache.unknownReferences([ghost]), [ghost]);
  ghost.targets[0] = "MeshService/m/web";
  assert.deepEqual(cache.unknownReferences([ghost]), [ghost]);
  cache.record(changeSet({ change: put, outcome: "applied" }));
  assert.deepEqual(cache.unknownReferences([ghost]), []);
});

test("the names of the live MeshServices are worked out in steps (55,000 live objects were one 100 ms turn of the daemon)", () => {
  const objects = Array.from({ length: 10_000 }, (_, i): JsonObject =>
    i % 10 === 0
      ? { type: "MeshService", mesh: "m", name: `svc-${i}-5f7c9`, labels: { "kuma.io/display-name": `svc-${i}`, "k8s.kuma.io/namespace": "shop" } }
      : { type: "MeshTimeout", mesh: "m", name: `t-${i}` },
  );
  const steps = liveServiceSubjectsSteps(objects);
  let yields = 0;
  let next = steps.next();
  for (; !next.done; next = steps.next()) yields++;
  assert.ok(yields >= 4, `${yields} steps`);
  assert.deepEqual(next.value, liveServiceSubjects(objects));
  assert.ok(next.value.has("MeshService/m/svc-10.shop") && next.value.has("MeshService/m/svc-10-5f7c9"));
  assert.equal(next.value.size, 2_000);
});

test("live cache: a fresh list compared with what the cache knew, whatever the order the objects are listed in", async () => {
  const stamped = (name: string, at: string): JsonObject => ({ ...owned(name), modificationTime: at });
  const objects = [stamped("a", "2026-12-04T10:00:00Z"), stamped("b", "2026-12-04T10:00:01Z"), stamped("c", "2026-12-04T10:00:02Z")];
  const cache = new LiveCache();
  assert.equal(await cache.replace(objects, info(), ZONE_OWNER), undefined, "not asked");
  assert.equal(await cache.replace([...objects].reverse(), info(), ZONE_OWNER, true), undefined, "the same objects in another order");
  // Written again as it was (a PUT of the same object): a new time, nothing changed.
  const rewritten = [objects[0]!, objects[1]!, stamped("c", "2026-12-04T10:30:00Z")];
  assert.equal(await cache.replace(rewritten, info(), ZONE_OWNER, true), undefined, "the same content at another time");
  const modified = [objects[0]!, objects[1]!, { ...owned("c", "2m"), modificationTime: "2026-12-04T11:00:00Z" }];
  assert.equal(await cache.replace(modified, info(), ZONE_OWNER, true), "MeshTimeout/m/c was modified");
  assert.equal(await cache.replace(modified.slice(1), info(), ZONE_OWNER, true), "MeshTimeout/m/a was deleted");
  assert.equal(await cache.replace(modified, info(), ZONE_OWNER, true), "MeshTimeout/m/a was created");
  assert.equal(await cache.replace(modified, info({ instanceId: "cp-2" }), ZONE_OWNER, true), "another version or instance of the control plane answers");
  // No modification time (a proxy that drops it): compared by content.
  const untimed = (idle: string): JsonObject => ({ ...timeout("t", idle) });
  await cache.replace([untimed("1m")], info(), ZONE_OWNER);
  assert.equal(await cache.replace([untimed("60s")], info(), ZONE_OWNER, true), undefined, "the same duration");
  assert.equal(await cache.replace([untimed("2m")], info(), ZONE_OWNER, true), "MeshTimeout/m/t was modified");
});

test("live cache: what the control plane updates of its own (a generated MeshService's status, its proxies coming and going) is no change on the control plane; its spec is", async () => {
  const service = (at: string, total: number, port = 80): JsonObject => ({
    type: "MeshService",
    mesh: "m",
    name: "web",
    labels: { "kuma.io/origin": "zone", "kuma.io/zone": "east" },
    modificationTime: at,
    spec: { selector: { dataplaneTags: { app: "web" } }, ports: [{ port, appProtocol: "http" }] },
    status: { vips: [{ ip: "241.0.0.1" }], dataplaneProxies: { connected: total, healthy: total, total } },
  });
  const cache = new LiveCache();
  await cache.replace([service("2026-12-04T10:00:00Z", 2)], info(), ZONE_OWNER);
  assert.equal(await cache.replace([service("2026-12-04T10:01:00Z", 3)], info(), ZONE_OWNER, true), undefined, "a third proxy came: only the status moved");
  assert.equal(await cache.replace([service("2026-12-04T10:02:00Z", 3, 8080)], info(), ZONE_OWNER, true), "MeshService/m/web was modified");
});

test("live cache: meshops' own writes since the last list are no change on the control plane; someone's edit after them is", async () => {
  const cache = new LiveCache();
  const at = (object: JsonObject, modificationTime: string): JsonObject => ({ ...object, modificationTime, creationTime: "2026-12-04T09:00:00Z" });
  await cache.replace([at(timeout("a", "1m"), "2026-12-04T10:00:00Z"), at(timeout("b", "1m"), "2026-12-04T10:00:00Z")], info(), ZONE_OWNER);
  const put = (name: string, idle: string): ChangeResult => ({ change: change("update", name, timeout(name, idle)), outcome: "applied" });
  cache.record(changeSet(put("a", "2m"), { change: change("delete", "b"), outcome: "applied" }, { change: change("create", "c", timeout("c", "5s")), outcome: "applied" }));
  // The control plane stores each with a time of its own, and in its own spelling ("2m0s" for "2m").
  const stored = [at(timeout("a", "2m0s"), "2026-12-04T10:05:00Z"), at(timeout("c", "5s"), "2026-12-04T10:05:00Z")];
  assert.equal(await cache.replace(stored, info(), ZONE_OWNER, true), undefined);
  cache.record(changeSet(put("a", "3m")));
  const edited = [at(timeout("a", "4m"), "2026-12-04T10:06:00Z"), stored[1]!];
  assert.equal(await cache.replace(edited, info(), ZONE_OWNER, true), "MeshTimeout/m/a was modified", "edited after meshops' write");
  // What the control plane makes for itself (a new Mesh's CA Secret) appearing is no change; anything else is.
  const ca: JsonObject = { type: "Secret", mesh: "m", name: "m.ca-builtin-cert-ca-1", data: "Zm9v", modificationTime: "2026-12-04T10:07:00Z" };
  assert.equal(await cache.replace([...edited, ca], info(), ZONE_OWNER, true), undefined);
  assert.equal(await cache.replace([...edited, ca, { ...ca, name: "m.user-secret" }], info(), ZONE_OWNER, true), "Secret/m/m.user-secret was created");
});

test("live cache: the default policies the control plane makes with a Mesh meshops created are no change; other new objects in it are", async () => {
  const at = "2026-12-04T10:00:00Z";
  /** A cache that knew an empty control plane, then created `mesh`. */
  const creating = async (mesh: JsonObject): Promise<LiveCache> => {
    const cache = new LiveCache();
    await cache.replace([], info(), ZONE_OWNER);
    const name = String(mesh.name);
    cache.record(changeSet({ change: { action: "create", resource: `Mesh/${name}`, type: "Mesh", mesh: name, name, diff: "", desired: mesh }, outcome: "applied" }));
    return cache;
  };
  const mesh: JsonObject = { type: "Mesh", name: "fresh", labels: { "meshops.io/managed-by": "meshops" } };
  const made = (type: string, name: string, meshName = "fresh"): JsonObject => ({ type, mesh: meshName, name, spec: {}, modificationTime: at });
  // Kuma 2.14's four (kuma/defaultPolicies.ts, from pkg/defaults/mesh/ of the reference).
  const listed = [
    { ...mesh, modificationTime: at },
    made("MeshTimeout", "mesh-timeout-all-fresh"),
    made("MeshTimeout", "mesh-gateways-timeout-all-fresh"),
    made("MeshRetry", "mesh-retry-all-fresh"),
    made("MeshCircuitBreaker", "mesh-circuit-breaker-all-fresh"),
  ];
  assert.equal(await (await creating(mesh)).replace(listed, info(), ZONE_OWNER, true), undefined);
  assert.equal(await (await creating(mesh)).replace([...listed, made("MeshRetry", "mine")], info(), ZONE_OWNER, true), "MeshRetry/fresh/mine was created");
  // Only along with meshops' create: one of them appearing after a list is someone's.
  const later = await creating(mesh);
  await later.replace(listed.slice(0, -1), info(), ZONE_OWNER);
  assert.equal(await later.replace(listed, info(), ZONE_OWNER, true), "MeshCircuitBreaker/fresh/mesh-circuit-breaker-all-fresh was created");
  // A Mesh that skips them gets none: one appearing is someone's.
  const lean = { ...mesh, name: "lean", skipCreatingInitialPolicies: ["MeshRetry"] };
  const leanListed = [{ ...lean, modificationTime: at }, made("MeshTimeout", "mesh-timeout-all-lean", "lean")];
  assert.equal(await (await creating(lean)).replace(leanListed, info(), ZONE_OWNER, true), undefined);
  assert.equal(await (await creating(lean)).replace([...leanListed, made("MeshRetry", "mesh-retry-all-lean", "lean")], info(), ZONE_OWNER, true), "MeshRetry/lean/mesh-retry-all-lean was created");
});
