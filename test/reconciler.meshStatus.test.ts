/**
 * What the status and the metrics say of each mesh when the head is not simply applied: a mesh invalid at the head
 * whose drift is corrected, a repository-wide error, a branch that went away, a mesh pruned from the repository.
 * In process and without timers, as reconciler.incremental.test.ts: sample-repo committed to a real Git repository,
 * the embedded control plane, reconcileOnce called run by run as the daemon's loop would. The tests run in order.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { LocalBackend } from "../src/backend/store.js";
import type { Backend } from "../src/backend/types.js";
import { subscribeViews } from "../src/daemon/daemon.js";
import { MeshControls } from "../src/daemon/controls.js";
import { DaemonEvents } from "../src/daemon/events.js";
import { createLogger } from "../src/daemon/logger.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { workFor, type TriggerKind } from "../src/daemon/queue.js";
import { Reconciler, type RunOutcome } from "../src/daemon/reconciler.js";
import { inProcessStatus } from "./helpers/daemonBed.js";
import type { MeshStatus, StatusJson } from "../src/daemon/statusTypes.js";
import { LocalRepository } from "../src/daemon/watcher.js";
import type { JsonObject } from "../src/model/resource.js";
import { testAgeIdentities } from "./helpers/snapshot.js";
import { commitFiles, commitFolder, git, projectRoot, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-mesh-status-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-mesh-status-cp-"));
const log = createLogger({ stream: { write: () => undefined }, level: "silent", format: "json" });
const status = inProcessStatus(repo.dir);
const metrics = new DaemonMetrics({ processMetrics: false });
const controls = new MeshControls();
let backend: Backend;
let reconciler: Reconciler;

before(async () => {
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample repository");
  backend = await LocalBackend.open({ stateDir, skipMeshCreation: true });
  const events = new DaemonEvents();
  subscribeViews(events, { status, metrics, log });
  metrics.observeMeshes({ meshes: () => status.meshConditions(), ready: () => status.ready });
  reconciler = new Reconciler({
    source: new LocalRepository({ dir: repo.dir, branch: "main", log }),
    path: undefined,
    sopsKeys: testAgeIdentities(),
    backend,
    events,
    driftMode: undefined,
    stopRequested: () => false,
    controls,
  });
  const started = await run("startup");
  assert.equal(started.result, "applied");
});
after(async () => {
  await backend.close();
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const run = (kind: TriggerKind): Promise<RunOutcome> => reconciler.reconcileOnce(workFor({ kind }));
const json = (): StatusJson => JSON.parse(JSON.stringify(status)) as StatusJson;
const meshOf = (name: string): MeshStatus | undefined => json().meshes.find((m) => m.name === name);
const head = () => git(repo.dir, "rev-parse", "HEAD");

/** Edits a committed file (text replace) and commits it; returns the commit. */
function edit(file: string, from: string, to: string, message = `edit ${file}`): string {
  const text = readFileSync(path.join(repo.dir, file), "utf8");
  const next = text.replace(from, to);
  assert.notEqual(next, text, `${file}: nothing replaced`);
  return commitFiles(repo.dir, { [file]: next }, message);
}

// payments is a `correct` mesh in sample-repo's meshops.yaml (a Kubernetes document: its name carries the namespace).
const ledger = { type: "MeshTimeout", mesh: "payments", name: "ledger-timeouts.kuma-system" };
const ledgerIdle = async () => ((await backend.get(ledger)) as { spec: { to: { default: { idleTimeout: string } }[] } } | undefined)?.spec.to[0]?.default.idleTimeout;

/** An edit made outside Git: the ledger's idle timeout set on the control plane. */
async function editLedgerByHand(idleTimeout: string): Promise<void> {
  const current = await backend.get(ledger);
  assert.ok(current);
  const { creationTime: _c, modificationTime: _m, kri: _k, ...editable } = current;
  await backend.put(JSON.parse(JSON.stringify(editable).replace(/"idleTimeout":"[^"]+"/, `"idleTimeout":"${idleTimeout}"`)) as JsonObject);
  assert.equal(await ledgerIdle(), idleTimeout);
}

/** The value of one sample of the metrics' text, or undefined when the series is absent. */
async function sample(series: string): Promise<string | undefined> {
  const line = (await metrics.text()).split("\n").find((l) => l.startsWith(`${series} `));
  return line?.slice(series.length + 1);
}

test("a drift correction in a mesh invalid at the head re-applies its last valid revision and is recorded against it", async () => {
  const valid = head();
  assert.equal(meshOf("payments")?.state, "in-sync");
  const invalid = edit("meshes/payments/resilience.yaml", "connectionTimeout: 2s", "connectionTimeout: 2 seconds", "break payments");
  assert.equal((await run("commit")).result, "invalid");
  assert.equal(meshOf("payments")?.state, "invalid");

  await editLedgerByHand("42m0s");
  const corrected = await run("drift-timer");
  assert.deepEqual([corrected.kind, corrected.result], ["drift", "corrected"]);
  assert.equal(await ledgerIdle(), "15m0s", "the last valid revision's content");

  const payments = meshOf("payments");
  assert.equal(payments?.state, "invalid");
  assert.match(payments?.reason ?? "", /validation error/);
  assert.equal(payments?.appliedRevision, valid, "the invalid head is not applied");
  assert.equal(payments?.headApplied, false);
  assert.deepEqual([payments?.lastResult?.outcome, payments?.lastResult?.revision], ["applied", valid]);
  // Its drift was compared with that revision too, and says so.
  assert.equal(payments?.drift?.revision, valid);
  assert.equal(meshOf("edge")?.drift?.revision, invalid);
  assert.equal(json().revision.head, invalid);
  assert.equal(await sample('meshops_mesh_head_applied{mesh="payments"}'), "0");
  assert.equal(await sample('meshops_mesh_state{mesh="payments",state="invalid"}'), "1");
  // The other meshes have the head.
  assert.deepEqual([meshOf("edge")?.state, meshOf("edge")?.appliedRevision], ["in-sync", invalid]);

  // A later commit elsewhere, payments still invalid: its correction is still the revision valid for it.
  const later = edit("meshes/edge/mesh.yaml", "expiration: 24h", "expiration: 25h");
  assert.equal((await run("commit")).result, "invalid");
  await editLedgerByHand("43m0s");
  assert.equal((await run("drift-timer")).result, "corrected");
  assert.equal(await ledgerIdle(), "15m0s");
  assert.deepEqual([meshOf("payments")?.appliedRevision, meshOf("payments")?.lastResult?.revision], [valid, valid]);
  assert.equal(meshOf("edge")?.appliedRevision, later);
});

test("a repository-wide error keeps every mesh invalid through a drift correction, until a valid commit", async () => {
  const fixed = edit("meshes/payments/resilience.yaml", "connectionTimeout: 2 seconds", "connectionTimeout: 2s", "fix payments");
  assert.equal((await run("commit")).result, "unchanged");
  assert.equal(meshOf("payments")?.state, "in-sync");
  const config = readFileSync(path.join(repo.dir, "meshops.yaml"), "utf8");
  // The same commit adds a mesh: it waits with the others, and stays listed.
  commitFiles(repo.dir, { "meshops.yaml": `${config}unknownKey: true\n`, "meshes/newcomer/mesh.yaml": "type: Mesh\nname: newcomer\n" }, "an unknown key in meshops.yaml");
  assert.equal((await run("commit")).result, "invalid");
  assert.equal(meshOf("newcomer")?.state, "invalid");
  const invalid = () => json().meshes.filter((m) => m.state !== "invalid" || !/\(the whole repository waits\)/.test(m.reason)).map((m) => `${m.name} ${m.state}`);
  assert.deepEqual(invalid(), []);

  await editLedgerByHand("44m0s");
  assert.equal((await run("drift-timer")).result, "corrected");
  assert.equal(await ledgerIdle(), "15m0s");
  assert.deepEqual(invalid(), [], "still invalid after the correction");
  assert.equal(meshOf("newcomer")?.state, "invalid", "the head's new mesh is still listed");
  assert.equal(json().validation?.valid, false);
  assert.equal(meshOf("payments")?.appliedRevision, fixed);
  assert.equal(await sample('meshops_mesh_state{mesh="payments",state="invalid"}'), "1");
  assert.equal(await sample('meshops_mesh_state{mesh="edge",state="behind"}'), "0");

  git(repo.dir, "rm", "-q", "meshes/newcomer/mesh.yaml");
  const valid = commitFiles(repo.dir, { "meshops.yaml": config }, "unknown key removed");
  await run("commit");
  assert.deepEqual([meshOf("edge")?.state, meshOf("edge")?.appliedRevision], ["in-sync", valid]);
});

test("a branch that went away: the last revision read is kept, drift still corrected, the problem the source's until the branch is back", async () => {
  const kept = head();
  assert.equal(json().sourceProblem, null);
  assert.equal(await sample("meshops_source_problem"), "0");
  git(repo.dir, "branch", "-m", "main", "gone");
  await editLedgerByHand("45m0s");
  const checked = await run("drift-timer");
  assert.deepEqual([checked.kind, checked.result, checked.retry], ["drift", "corrected", true], "retried with backoff");
  assert.equal(await ledgerIdle(), "15m0s");
  const notInSync = () => json().meshes.filter((m) => m.state !== "in-sync").map((m) => `${m.name} ${m.state}: ${m.reason}`);
  assert.deepEqual(notInSync(), [], "not the meshes' problem");
  let s = json();
  assert.equal(s.revision.head, kept);
  assert.equal(s.sourceProblem?.kept, kept);
  assert.match(s.sourceProblem?.message ?? "", /branch main cannot be read: .*refs\/heads\/main/);
  const since = s.sourceProblem?.since;
  assert.match(s.reconciles[0]?.warnings?.join("\n") ?? "", /branch main cannot be read/);
  // Something to alert on: the meshes look fine, and the repository is not followed.
  assert.equal(await sample("meshops_source_problem"), "1");

  const retried = await run("retry");
  assert.deepEqual([retried.kind, retried.result, retried.retry], ["none", "nothing", true], "the branch tried again, the kept revision not compared again");
  s = json();
  assert.equal(s.sourceProblem?.since, since, "the same problem, since the first run that had it");
  assert.deepEqual(notInSync(), []);

  git(repo.dir, "branch", "-m", "gone", "main");
  const back = await run("commit");
  assert.equal(back.retry, false);
  assert.equal(json().sourceProblem, null);
  assert.equal(await sample("meshops_source_problem"), "0");
  assert.deepEqual(notInSync(), []);
});

test("a Mesh pruned from the repository, once approved and deleted, leaves the status and its metric series", async () => {
  edit("meshops.yaml", "  enabled: false", "  enabled: true", "prune on");
  assert.equal((await run("commit")).result, "unchanged");
  git(repo.dir, "rm", "-q", "-r", "meshes/analytics");
  git(repo.dir, "commit", "-q", "-m", "analytics goes");
  const pruned = head();
  assert.equal((await run("commit")).result, "refused");
  assert.equal(meshOf("analytics")?.state, "awaiting-approval");
  assert.equal((await backend.get({ type: "Mesh", mesh: "analytics", name: "analytics" })) !== undefined, true);

  assert.equal(controls.approve("analytics", pruned).ok, true);
  assert.equal((await run("api")).result, "applied");
  assert.equal(await backend.get({ type: "Mesh", mesh: "analytics", name: "analytics" }), undefined, "deleted on the control plane");
  assert.equal(meshOf("analytics"), undefined, "neither the repository nor the control plane has it");
  assert.ok(json().meshes.length > 0);
  assert.deepEqual(json().meshes.filter((m) => m.state !== "in-sync").map((m) => `${m.name} ${m.state}`), []);
  assert.equal(json().revision.applied?.commit, pruned);
  assert.doesNotMatch(await metrics.text(), /mesh="analytics"/);

  // And it stays gone through the runs after.
  assert.equal((await run("drift-timer")).result, "in-sync");
  assert.equal(meshOf("analytics"), undefined);
  assert.doesNotMatch(await metrics.text(), /mesh="analytics"/);
});

test("a commit that takes over a Mesh the control plane made with a skip list says which of its default policies stay (not only a full plan)", async () => {
  // Made by hand on the control plane, with the default policies a Mesh gets there: nobody's.
  await backend.put({ type: "Mesh", name: "adopted" });
  assert.ok(await backend.get({ type: "MeshRetry", mesh: "adopted", name: "mesh-retry-all-adopted" }));
  // The daemon sees it at its next list (a drift check lists everything).
  await run("drift-timer");
  commitFiles(repo.dir, { "meshes/adopted/mesh.yaml": "type: Mesh\nname: adopted\nskipCreatingInitialPolicies: [MeshRetry]\n" }, "adopt a Mesh");
  await run("commit");
  const warning = (...subjects: string[]) =>
    `Mesh/adopted: skipCreatingInitialPolicies acts only when a Mesh is created, so the control plane keeps the default policies it made for this one: ${subjects.join(", ")} (delete them, or define them in the repository to manage them)`;
  assert.ok(json().controlPlane.warnings.includes(warning("MeshRetry/adopted/mesh-retry-all-adopted")), json().controlPlane.warnings.join("\n"));

  // Its other defaults were materialized, so meshops owns them since: skipping one more leaves meshops' own policy,
  // which prune deletes (and drift shows), not the control plane's. Not named.
  commitFiles(repo.dir, { "meshes/adopted/mesh.yaml": "type: Mesh\nname: adopted\nskipCreatingInitialPolicies: [MeshRetry, MeshCircuitBreaker]\n" }, "skip more");
  await run("commit");
  assert.doesNotMatch(json().controlPlane.warnings.join("\n"), /mesh-circuit-breaker-all-adopted/);
});
