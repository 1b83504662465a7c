/**
 * The reconciler's incremental path, in process and without timers: a real Git repository (sample-repo committed to
 * it), the embedded control plane behind a backend that counts requests (and fails on demand), and reconcileOnce
 * called run by run as the daemon's loop would. After every run, a full comparison made from scratch must find
 * nothing to write and exactly the drift the daemon reports: the shortcut never changes the outcome.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { driftOptionsOf, leftAloneSummary } from "../src/diff/drift.js";
import { LocalBackend } from "../src/backend/store.js";
import { subscribeViews } from "../src/daemon/daemon.js";
import { MeshControls } from "../src/daemon/controls.js";
import { DaemonEvents, type DaemonEvent } from "../src/daemon/events.js";
import { createLogger } from "../src/daemon/logger.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { mergeWork, workFor, type TriggerKind, type Work } from "../src/daemon/queue.js";
import { Reconciler, type RunOutcome } from "../src/daemon/reconciler.js";
import { startStatusServer } from "../src/daemon/server.js";
import { LAST_CHECK_RETRIES } from "../src/daemon/recheck.js";
import { inProcessStatus } from "./helpers/daemonBed.js";
import { ProbeBackend as Probe } from "./helpers/probeBackend.js";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { LocalRepository } from "../src/daemon/watcher.js";
import type { JsonObject } from "../src/model/resource.js";
import { readSnapshot } from "../src/source/index.js";
import { planOptionsOf } from "../src/diff/plan.js";
import { compare, driftFor, planFor } from "../src/sync/reconcile.js";
import { testAgeIdentities, validateWithTestKey } from "./helpers/snapshot.js";
import { commitFiles, commitFolder, git, projectRoot, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-reconciler-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-reconciler-cp-"));
const lines: string[] = [];
const log = createLogger({ stream: { write: (line: string) => lines.push(line) }, level: "debug", format: "json" });
const status = inProcessStatus(repo.dir);
let probe: Probe;
let reconciler: Reconciler;
/** Every event the reconciler emitted, in order. */
const emitted: DaemonEvent[] = [];

before(async () => {
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample repository");
  probe = new Probe(await LocalBackend.open({ stateDir, skipMeshCreation: true }));
  const events = new DaemonEvents();
  subscribeViews(events, { status, metrics: new DaemonMetrics({ processMetrics: false }), log });
  events.on((event) => emitted.push(event));
  reconciler = new Reconciler({
    source: new LocalRepository({ dir: repo.dir, branch: "main", log }),
    path: undefined,
    sopsKeys: testAgeIdentities(),
    backend: probe,
    events,
    driftMode: undefined,
    stopRequested: () => false,
    controls: new MeshControls(),
  });
});
after(async () => {
  await probe.close();
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

interface Run {
  readonly outcome: RunOutcome;
  /** "full" or "incremental" (undefined for a drift check), and why a full plan was made. */
  readonly mode: string | undefined;
  readonly reason: string | undefined;
  readonly lists: number;
  readonly writes: string[];
}

/** One run of the loop for `work`, with what it did. */
async function run(work: Work | TriggerKind): Promise<Run> {
  const seen = lines.length;
  probe.lists = 0;
  probe.writes = [];
  const outcome = await reconciler.reconcileOnce(typeof work === "string" ? workFor({ kind: work }) : work);
  const events = lines.slice(seen).map((l) => JSON.parse(l) as { event?: string; mode?: string; reason?: string });
  return {
    outcome,
    mode: events.find((e) => e.event === "plan.done")?.mode,
    reason: events.find((e) => e.event === "plan.full")?.reason,
    lists: probe.lists,
    writes: [...probe.writes].sort(),
  };
}

/** Edits a committed file (text replace) and commits it. */
function edit(file: string, from: string | RegExp, to: string, message = `edit ${file}`): void {
  const text = readFileSync(path.join(repo.dir, file), "utf8");
  const next = text.replace(from, to);
  assert.notEqual(next, text, `${file}: nothing replaced`);
  commitFiles(repo.dir, { [file]: next }, message);
}

// A Kubernetes document in kuma-system: its name in the control plane's API carries the namespace.
const outbound = { type: "MeshTimeout", mesh: "analytics", name: "analytics-outbound-timeouts.kuma-system" };
const requestTimeout = async () => {
  const live = (await probe.inner.get(outbound)) as { spec: { to: { default: { http: { requestTimeout: string } } }[] } } | undefined;
  return live?.spec.to[0]?.default.http.requestTimeout;
};

/**
 * A comparison made from scratch (validate HEAD, list everything, plan everything): the drift the daemon reports is
 * exactly the drift it finds, and nothing is left to write beyond that drift (`drifted`: the items expected, as
 * `kind resource`; none unless a report-mode mesh was edited out of band).
 */
async function assertConverged(drifted: readonly string[] = []): Promise<void> {
  const result = await validateWithTestKey(await readSnapshot({ repo: repo.dir, ref: "HEAD" }));
  assert.ok(result.valid);
  const comparison = await compare(probe.inner, result, { needWrite: false });
  const report = driftFor(comparison, driftOptionsOf(result.config));
  const drift = report.items.map((i) => `${i.kind} ${i.resource}`);
  assert.deepEqual(drift, drifted);
  const json = JSON.parse(JSON.stringify(status)) as StatusJson;
  const reported = json.meshes.flatMap((m) => m.drift?.items ?? []).map((i) => `${i.kind} ${i.resource}`);
  assert.deepEqual(reported.sort(), [...drift].sort(), "the daemon's drift is a full comparison's");
  assert.deepEqual(json.drift.leftAlone, leftAloneSummary(report.leftAlone), "and so is what it left alone");
  const plan = planFor(comparison, planOptionsOf(result.config, result.config.prune.enabled));
  const writes = plan.changes.filter((c) => c.action !== "unchanged").map((c) => `${c.action} ${c.resource}`);
  const action = { missing: "create", modified: "update", orphaned: "delete" } as Record<string, string>;
  assert.deepEqual(writes, drifted.map((d) => `${action[d.split(" ")[0] ?? ""]} ${d.split(" ")[1]}`));
}

test("startup: a full comparison, which fills the cache", async () => {
  const r = await run("startup");
  assert.equal(r.outcome.result, "applied");
  assert.equal(r.mode, "full");
  assert.match(r.reason ?? "", /forced \(startup\)/);
  assert.ok(r.lists > 0);
  await assertConverged();
});

test("a changed policy: planned incrementally, no list, one PUT", async () => {
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 5m", "requestTimeout: 6m");
  const r = await run("commit");
  assert.equal(r.outcome.result, "applied");
  assert.equal(r.mode, "incremental");
  assert.equal(r.lists, 0);
  assert.deepEqual(r.writes, ["PUT MeshTimeout/analytics-outbound-timeouts.kuma-system"]);
  assert.equal(await requestTimeout(), "6m0s");
  await assertConverged();
});

test("an added file: one create", async () => {
  const policy = "type: MeshTimeout\nname: extra\nmesh: edge\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 3m\n";
  commitFiles(repo.dir, { "meshes/edge/extra.yaml": policy }, "add extra");
  const r = await run("commit");
  assert.equal(r.mode, "incremental");
  assert.deepEqual(r.writes, ["PUT MeshTimeout/extra"]);
  await assertConverged();
});

test("a Mesh's skip list changed: the default policy it no longer skips appears", async () => {
  edit("meshes/payments/mesh.yaml", "    - MeshRetry\n", "");
  const r = await run("commit");
  assert.equal(r.mode, "incremental");
  assert.equal(r.lists, 0);
  assert.deepEqual(r.writes, ["PUT Mesh/payments", "PUT MeshRetry/mesh-retry-all-payments"]);
  await assertConverged();
});

test("meshops.yaml changed (prune turned on): a full plan", async () => {
  edit("meshops.yaml", "  enabled: false", "  enabled: true");
  const r = await run("commit");
  assert.equal(r.mode, "full");
  assert.equal(r.reason, "meshops.yaml changed");
  assert.ok(r.lists > 0);
  assert.deepEqual(r.writes, []);
  await assertConverged();
});

test("a removed file with prune on: one delete, planned incrementally", async () => {
  git(repo.dir, "rm", "-q", "meshes/edge/extra.yaml");
  git(repo.dir, "commit", "-q", "-m", "remove extra");
  const r = await run("commit");
  assert.equal(r.mode, "incremental");
  assert.deepEqual(r.writes, ["DELETE MeshTimeout/extra"]);
  await assertConverged();
});

test("an out-of-band edit: unseen by the cache, found by the drift check (which lists), then planned like any drift", async () => {
  const current = await probe.inner.get(outbound);
  assert.ok(current);
  const { creationTime: _c, modificationTime: _m, kri: _k, ...editable } = current;
  await probe.inner.put(JSON.parse(JSON.stringify(editable).replace('"requestTimeout":"6m0s"', '"requestTimeout":"42m0s"')) as JsonObject);
  assert.equal(await requestTimeout(), "42m0s");
  // A commit elsewhere: the cache does not know about the edit, so the incremental plan leaves it alone.
  edit("meshes/edge/mesh.yaml", "expiration: 24h", "expiration: 25h");
  const commit = await run("commit");
  assert.equal(commit.mode, "incremental");
  assert.deepEqual(commit.writes, ["PUT Mesh/edge"]);
  assert.equal(await requestTimeout(), "42m0s");

  // The drift timer lists the control plane: analytics is a report-mode mesh, so the edit is reported, not reverted.
  const drift = await run("drift-timer");
  assert.equal(drift.outcome.kind, "drift");
  assert.equal(drift.outcome.result, "drifted");
  assert.ok(drift.lists > 0);
  assert.deepEqual(drift.writes, []);
  await assertConverged(["modified MeshTimeout/analytics/analytics-outbound-timeouts.kuma-system"]);

  // The next sync plans it with the commit's own change, as a full plan would: a sync makes the control plane equal
  // to the revision.
  edit("meshes/edge/mesh.yaml", "expiration: 25h", "expiration: 26h");
  const next = await run("commit");
  assert.equal(next.mode, "incremental");
  assert.equal(next.lists, 0);
  assert.deepEqual(next.writes, ["PUT Mesh/edge", "PUT MeshTimeout/analytics-outbound-timeouts.kuma-system"]);
  assert.equal(await requestTimeout(), "6m0s");
  await assertConverged();
});

test("a failed write makes the cache unknown: the retry compares everything", async () => {
  probe.failPut = (object) => object.name === "analytics-outbound-timeouts.kuma-system";
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 6m", "requestTimeout: 7m");
  const failed = await run("commit");
  assert.equal(failed.mode, "incremental");
  assert.equal(failed.outcome.result, "failed");
  assert.equal(failed.outcome.retry, true);
  probe.failPut = undefined;
  // Another commit before the retry comes: still a full comparison, the cache is not to be trusted.
  edit("meshes/edge/mesh.yaml", "expiration: 26h", "expiration: 27h");
  const next = await run("commit");
  assert.equal(next.mode, "full");
  assert.match(next.reason ?? "", /cached live state is unknown \(update MeshTimeout\/analytics\/analytics-outbound-timeouts\.kuma-system failed\)/);
  assert.deepEqual(next.writes, ["PUT Mesh/edge", "PUT MeshTimeout/analytics-outbound-timeouts.kuma-system"]);
  assert.equal(await requestTimeout(), "7m0s");
  await assertConverged();
});

test("another control plane instance (a restart) or version: a full comparison", async () => {
  probe.infoOverride = { instanceId: "restarted" };
  edit("meshes/edge/mesh.yaml", "expiration: 27h", "expiration: 28h");
  const restarted = await run("commit");
  assert.equal(restarted.mode, "full");
  assert.equal(restarted.reason, "the control plane is another version or instance");
  // The same instance again (the cache was listed from it): incremental.
  edit("meshes/edge/mesh.yaml", "expiration: 28h", "expiration: 29h");
  assert.equal((await run("commit")).mode, "incremental");
  probe.infoOverride = { instanceId: "restarted", version: "2.15.0" };
  edit("meshes/edge/mesh.yaml", "expiration: 29h", "expiration: 30h");
  assert.equal((await run("commit")).mode, "full");
  probe.infoOverride = {};
  await run("startup");
  await assertConverged();
});

test("a commit merged with a drift tick, or a forced run: a full comparison", async () => {
  edit("meshes/edge/mesh.yaml", "expiration: 30h", "expiration: 31h");
  const merged = await run(mergeWork(workFor({ kind: "commit" }), workFor({ kind: "drift-timer" })));
  assert.equal(merged.mode, "full");
  assert.equal(merged.reason, "a drift check is due");
  edit("meshes/edge/mesh.yaml", "expiration: 31h", "expiration: 32h");
  const forced = await run("api");
  assert.equal(forced.mode, "full");
  assert.match(forced.reason ?? "", /forced \(api\)/);
  edit("meshes/edge/mesh.yaml", "expiration: 32h", "expiration: 33h");
  assert.equal((await run("commit")).mode, "incremental");
  await assertConverged();
});

test("an invalid commit in between: the next valid one is planned against the last applied revision", async () => {
  commitFiles(repo.dir, { "meshes/edge/broken.yaml": "type: MeshTimeout\nname: broken\nmesh: edge\nspec:\n  nope: 1\n" }, "broken");
  const invalid = await run("commit");
  assert.equal(invalid.outcome.result, "invalid");
  assert.deepEqual(invalid.writes, []);
  git(repo.dir, "rm", "-q", "meshes/edge/broken.yaml");
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 7m", "requestTimeout: 8m");
  const fixed = await run("commit");
  assert.equal(fixed.mode, "incremental");
  assert.deepEqual(fixed.writes, ["PUT MeshTimeout/analytics-outbound-timeouts.kuma-system"]);
  assert.equal(await requestTimeout(), "8m0s");
  await assertConverged();
});

test("a run is told as events, in the order it happens; the status, the metrics and the log are views of them", async () => {
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 8m", "requestTimeout: 9m");
  const seen = emitted.length;
  const applied = await run("commit");
  assert.equal(applied.outcome.result, "applied");
  const events = emitted.slice(seen);
  assert.deepEqual(
    events.map((e) => e.type),
    // meshes.gated twice: where each mesh stands once validated (invalid, suspended), then once the plan is gated;
    // control-plane.read-only and references.unknown at every sync (the log says the first only when it changes; the
    // status replaces the last run's references).
    ["run.started", "sync.started", "revision.validated", "meshes.gated", "control-plane.read-only", "references.unknown", "meshes.gated", "apply.started", "change.done", "meshes.synced", "drift.checked", "plan.done", "run.finished"],
  );
  const started = events[0];
  const finished = events.at(-1);
  assert.ok(started?.type === "run.started" && finished?.type === "run.finished");
  assert.equal(finished.run, started.run, "one run, one number");
  assert.equal(finished.end?.result, "applied");
  // The status keeps that run under the same number; the log line of its end names it too.
  assert.equal(status.toJSON().reconciles[0]?.id, started.run);
  const done = lines.map((l) => JSON.parse(l) as { event?: string; id?: number }).filter((l) => l.event === "reconcile.done").at(-1);
  assert.equal(done?.id, started.run);

  // Nothing new: the run is still told (started, finished without an end), and the status keeps no record of it.
  const before = emitted.length;
  const nothing = await run("commit");
  assert.equal(nothing.outcome.result, "nothing");
  assert.deepEqual(emitted.slice(before).map((e) => (e.type === "run.finished" ? `${e.type} ${e.end === undefined ? "without end" : "with end"}` : e.type)), [
    "run.started",
    "run.finished without end",
  ]);
  assert.equal(status.toJSON().reconciles[0]?.id, started.run);
});

test("what the control plane generated or the global one synced: counted per mesh in the status, kept through incremental runs, never written", async () => {
  const spec = { selector: { dataplaneTags: { "kuma.io/service": "profiler" } }, ports: [{ port: 7070, targetPort: 7070, appProtocol: "http" }] };
  await probe.inner.put({ type: "MeshService", mesh: "analytics", name: "profiler", labels: { "kuma.io/managed-by": "meshservice-generator" }, spec });
  await probe.inner.put({
    type: "MeshTimeout",
    mesh: "analytics",
    name: "global-timeouts-0a1b2c3d4e5f6789",
    labels: { "kuma.io/origin": "global", "kuma.io/display-name": "global-timeouts" },
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] },
  });
  const drift = await run("drift-timer");
  assert.equal(drift.outcome.result, "in-sync");
  const analytics = () => status.toJSON().meshes.find((m) => m.name === "analytics")?.drift?.leftAlone;
  assert.deepEqual(analytics(), { generated: 1, synced: 1 });
  await assertConverged();

  // An incremental run elsewhere keeps the count; one that defines the generated service pairs it (an update adopts it).
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 9m", "requestTimeout: 10m");
  const commit = await run("commit");
  assert.equal(commit.mode, "incremental");
  assert.deepEqual(analytics(), { generated: 1, synced: 1 });
  await assertConverged();
  const profiler = stringify({ type: "MeshService", mesh: "analytics", name: "profiler", spec });
  commitFiles(repo.dir, { "meshes/analytics/profiler.yaml": profiler }, "the repository takes the profiler service over");
  const adopted = await run("commit");
  assert.equal(adopted.mode, "incremental");
  assert.deepEqual(adopted.writes, ["PUT MeshService/profiler"]);
  assert.deepEqual(analytics(), { generated: 0, synced: 1 });
  await assertConverged();
});

test("a Mesh leaving the repository with prune on: a full plan, which keeps the Mesh while it holds a kind meshops does not read", async () => {
  commitFiles(repo.dir, { "meshes/scratch/mesh.yaml": stringify({ type: "Mesh", name: "scratch", skipCreatingInitialPolicies: ["*"] }) }, "scratch mesh");
  const created = await run("commit");
  assert.equal(created.mode, "incremental");
  assert.deepEqual(created.writes, ["PUT Mesh/scratch"]);
  // A proxy registers itself there: meshops.yaml does not manage Dataplanes, so no list of meshops' shows it.
  await probe.inner.put({ type: "Dataplane", mesh: "scratch", name: "web-1", networking: { address: "10.0.0.9", inbound: [{ port: 8080, tags: { "kuma.io/service": "web" } }] } });
  git(repo.dir, "rm", "-q", "meshes/scratch/mesh.yaml");
  git(repo.dir, "commit", "-q", "-m", "scratch mesh gone");
  const removed = await run("commit");
  assert.equal(removed.mode, "full");
  assert.equal(removed.reason, "Mesh scratch left the repository");
  assert.deepEqual(removed.writes, [], "the Mesh stays: deleting it would delete (or be refused for) its Dataplane");
  assert.ok(await probe.inner.get({ type: "Mesh", mesh: "scratch", name: "scratch" }));
  assert.ok(await probe.inner.get({ type: "Dataplane", mesh: "scratch", name: "web-1" }));
});

test("a kept Mesh, orphaned in the drift, and an unrelated commit after: not planned incrementally as a delete of the Mesh", async () => {
  // The last run kept Mesh/scratch for its Dataplane; the drift calls it orphaned, so the next incremental plan would
  // take it up, against the cache, which holds no Dataplane.
  edit("meshes/edge/protection.yaml", "# Protection for", "# The protection for", "a comment edited");
  const next = await run("commit");
  assert.equal(next.mode, "incremental");
  assert.deepEqual(next.writes, [], "the Mesh stays, as the full plan kept it");
  assert.notEqual(next.outcome.result, "refused", "nor is its delete held for approval");
  assert.ok(await probe.inner.get({ type: "Mesh", mesh: "scratch", name: "scratch" }));
  assert.ok(await probe.inner.get({ type: "Dataplane", mesh: "scratch", name: "web-1" }));
});

test("a commit coalesced with a recheck: its own write of an unsure resource is not said to be a late write written back, and the check waits for a run of its own", async () => {
  const subject = `${outbound.type}/${outbound.mesh}/${outbound.name}`;
  probe.unansweredPut = (object) => object.name === outbound.name;
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 10m", "requestTimeout: 11m");
  const unsure = await run("commit");
  probe.unansweredPut = undefined;
  assert.ok(unsure.outcome.recheckInMs !== undefined, "checks are due after a write of unknown outcome");

  // The next commit changes that resource again, and its run is merged with the recheck trigger.
  edit("meshes/analytics/baseline.yaml", "requestTimeout: 11m", "requestTimeout: 12m");
  const from = emitted.length;
  const merged = await run(mergeWork(workFor({ kind: "recheck" }), workFor({ kind: "commit" })));
  assert.deepEqual(merged.writes, [`PUT MeshTimeout/${outbound.name}`]);
  const rewritten = emitted.slice(from).flatMap((e) => (e.type === "write.rechecked" ? e.rewritten : []));
  assert.deepEqual(rewritten, [], "the commit's own write is not an old write's landing undone");
  assert.equal(await requestTimeout(), "12m0s");

  // The check itself is still due: a recheck run of its own compares, finds the control plane as the commit says.
  const again = emitted.length;
  const recheck = await run("recheck");
  assert.deepEqual(recheck.writes, []);
  const checked = emitted.slice(again).filter((e) => e.type === "write.rechecked");
  assert.deepEqual(
    checked.map((e) => (e.type === "write.rechecked" ? { checked: e.checked, rewritten: e.rewritten } : undefined)),
    [{ checked: [subject], rewritten: [] }],
  );
});

test("a recheck that cannot reach the control plane is not done: the next check still comes, the last is tried again, and after its tries the outcome stays unknown, said", async () => {
  // A reconciler of its own with a 5 ms request timeout: the checks come 10, 30, 100 and 300 ms after the write.
  const events = new DaemonEvents();
  const seen: DaemonEvent[] = [];
  const logged: string[] = [];
  const ownStatus = inProcessStatus(repo.dir);
  const metrics = new DaemonMetrics({ processMetrics: false });
  subscribeViews(events, { status: ownStatus, metrics, log: createLogger({ stream: { write: (line: string) => logged.push(line) }, format: "json" }) });
  events.on((event) => seen.push(event));
  const own = new Reconciler({ source: new LocalRepository({ dir: repo.dir, branch: "main", log }), path: undefined, sopsKeys: testAgeIdentities(), backend: probe, events, driftMode: undefined, stopRequested: () => false, controls: new MeshControls(), requestTimeoutMs: 5 });
  const subject = `${outbound.type}/${outbound.mesh}/${outbound.name}`;
  const rechecked = () => seen.flatMap((e) => (e.type === "write.rechecked" ? [{ left: e.left, failed: e.failed !== undefined, rewritten: e.rewritten, gaveUp: e.gaveUp ?? [] }] : []));
  /** Waits for the check the last run asked for, and runs it. */
  const recheckWhenDue = async (outcome: RunOutcome): Promise<RunOutcome> => {
    assert.ok(outcome.recheckInMs !== undefined, "a check is due");
    await new Promise((resolve) => setTimeout(resolve, outcome.recheckInMs));
    return own.reconcileOnce(workFor({ kind: "recheck" }));
  };
  const unsureWrite = async (from: string, to: string): Promise<RunOutcome> => {
    probe.unansweredPut = (object) => object.name === outbound.name;
    edit("meshes/analytics/baseline.yaml", from, to);
    try {
      return await own.reconcileOnce(workFor({ kind: "commit" }));
    } finally {
      probe.unansweredPut = undefined;
    }
  };
  await own.reconcileOnce(workFor({ kind: "startup" }));
  let outcome = await unsureWrite("requestTimeout: 12m", "requestTimeout: 13m");

  // Unreachable through every check: the three before the last are each run, then the last is tried again.
  probe.failList = true;
  try {
    for (let check = 0; check < 4; check++) outcome = await recheckWhenDue(outcome);
    assert.deepEqual(rechecked(), [3, 2, 1, 1].map((left) => ({ left, failed: true, rewritten: [], gaveUp: [] })));
    outcome = await recheckWhenDue(outcome);
  } finally {
    probe.failList = false;
  }
  // Reachable again, and meanwhile an old write landed: the try again of the last check finds it and writes it back.
  const live = await probe.inner.get(outbound);
  assert.ok(live);
  const { creationTime: _c, modificationTime: _m, kri: _k, ...editable } = live;
  await probe.inner.put(JSON.parse(JSON.stringify(editable).replace('"requestTimeout":"13m0s"', '"requestTimeout":"11m0s"')) as JsonObject);
  assert.equal(await requestTimeout(), "11m0s");
  outcome = await recheckWhenDue(outcome);
  assert.deepEqual(rechecked().slice(-2), [{ left: 1, failed: true, rewritten: [], gaveUp: [] }, { left: 0, failed: false, rewritten: [subject], gaveUp: [] }]);
  assert.equal(await requestTimeout(), "13m0s");
  assert.equal(outcome.recheckInMs, undefined, "done: no more checks");

  // A check that finds an old write landed but cannot write the resource back is not done either.
  seen.length = 0;
  outcome = await unsureWrite("requestTimeout: 13m", "requestTimeout: 14m");
  const landed = await probe.inner.get(outbound);
  assert.ok(landed);
  const { creationTime: _c2, modificationTime: _m2, kri: _k2, ...older } = landed;
  await probe.inner.put(JSON.parse(JSON.stringify(older).replace('"requestTimeout":"14m0s"', '"requestTimeout":"13m0s"')) as JsonObject);
  probe.failPut = (object) => object.name === outbound.name;
  try {
    outcome = await recheckWhenDue(outcome);
  } finally {
    probe.failPut = undefined;
  }
  assert.deepEqual(rechecked(), [{ left: 3, failed: true, rewritten: [], gaveUp: [] }]);
  assert.equal(seen.flatMap((e) => (e.type === "write.rechecked" ? [e.failed] : []))[0], `writing back ${subject} failed`);
  outcome = await recheckWhenDue(outcome);
  assert.deepEqual(rechecked().slice(1).map((r) => [r.failed, r.rewritten]), [[false, [subject]]], "the next check writes it back");
  assert.equal(await requestTimeout(), "14m0s");

  // Unreachable at the last check and every try again: bounded, then the outcome stays unknown, in the log and the status.
  seen.length = 0;
  outcome = await unsureWrite("requestTimeout: 14m", "requestTimeout: 15m");
  probe.failList = true;
  try {
    for (let check = 0; check < 4 + LAST_CHECK_RETRIES; check++) outcome = await recheckWhenDue(outcome);
  } finally {
    probe.failList = false;
  }
  assert.deepEqual(rechecked().map((r) => [r.left, r.failed]), [[3, true], [2, true], [1, true], ...Array.from({ length: LAST_CHECK_RETRIES }, () => [1, true]), [0, true]]);
  assert.deepEqual(rechecked().at(-1)?.gaveUp, [subject]);
  assert.equal(outcome.recheckInMs, undefined, "given up: no more checks");
  const gaveUp = logged.map((l) => JSON.parse(l) as { event?: string; level?: string; msg?: string; gaveUp?: string[] }).filter((l) => l.event === "write.rechecked" && l.gaveUp?.length);
  assert.deepEqual(gaveUp.map((l) => [l.level, l.gaveUp]), [["error", [subject]]]);
  assert.match(gaveUp[0]?.msg ?? "", new RegExp(`^the last check after writes of unknown outcome failed, and its ${LAST_CHECK_RETRIES} tries again too \\(.*injected failure.*\\): gave up, the outcome of ${subject.replaceAll(".", "\\.")} stays unknown`));
  const json = ownStatus.toJSON();
  assert.deepEqual([json.writes.stayedUnknown, json.writes.rechecking], [1, []]);
  assert.ok(json.reconciles.some((r) => r.warnings?.some((w) => w.includes(`the outcome of ${subject} stays unknown`))), "the status says so");
  // And /metrics counts it, for an alert (the status server the daemon runs, on these views).
  const server = await startStatusServer({ host: "127.0.0.1", port: 0, status: ownStatus, metrics, log, webhook: { secret: undefined, branch: undefined }, reconcileToken: undefined, trigger: () => undefined });
  try {
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /^meshops_writes_stayed_unknown_total 1$/m);
  } finally {
    await server.close();
  }
});
