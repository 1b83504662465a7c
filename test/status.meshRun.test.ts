/**
 * The status model's per-mesh "last reconcile" (what the status page shows on each mesh card): which run last
 * touched a mesh, how long it took, and what it meant for that mesh. Pure: the clock is injected.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DriftItem } from "../src/diff/drift.js";
import type { MeshApplyResult, MeshInventory } from "../src/daemon/meshes.js";
import { DaemonStatus, type CommitInfo, type MeshRun, type ReconcileRecord } from "../src/daemon/status.js";

interface MeshJson {
  name: string;
  state: string;
  lastRun: MeshRun | null;
  defaultPolicies: MeshInventory["defaultPolicies"];
  resources: { total: number; byType: Record<string, number> };
}
interface StatusJson {
  meshes: MeshJson[];
  revision: { applied: CommitInfo | null; attempted: (CommitInfo & { valid: boolean }) | null };
}

const SUMMARY = { applied: 0, failed: 0, skipped: 0, drift: 0 };
const commit = (id: string): CommitInfo => ({ commit: id, message: `subject ${id}`, author: "Ada Lovelace", date: "2026-01-01T00:00:00.000Z" });
const modified = (mesh: string, name: string): DriftItem => ({ kind: "modified", resource: `MeshTimeout/${mesh}/${name}`, type: "MeshTimeout", mesh, name, diff: "" });
const result = (applied: number, failed = 0): MeshApplyResult => ({ applied, failed, skipped: 0, errors: failed ? [{ resource: "MeshTimeout/x/y", message: "400" }] : [] });

function newStatus(): { status: DaemonStatus; json: () => StatusJson; mesh: (name: string) => MeshJson | undefined } {
  let clock = 0;
  const status = new DaemonStatus(
    {
      repository: { url: "/r", kind: "local", branch: "main", path: "" },
      controlPlane: { url: "http://cp", embedded: false },
      driftIntervalMs: 1000,
      pollIntervalMs: null,
      webhook: false,
      reconcileEndpoint: false,
    },
    () => new Date(Date.UTC(2026, 0, 1) + clock++ * 1000),
  );
  const json = () => status.toJSON() as StatusJson;
  return { status, json, mesh: (name) => json().meshes.find((m) => m.name === name) };
}

function finish(status: DaemonStatus, record: Partial<Omit<ReconcileRecord, "id" | "startedAt" | "durationMs">> & Pick<ReconcileRecord, "kind" | "result">, durationMs: number): ReconcileRecord {
  return status.runFinished({ reasons: ["drift-timer"], revision: "r1", commit: null, summary: SUMMARY, ...record }, durationMs);
}

test("each mesh card's last reconcile: the run that touched the mesh, its duration, and what it meant for that mesh", () => {
  const { status, mesh } = newStatus();
  const inventory = new Map<string, MeshInventory>([
    ["a", { byType: { Mesh: 1, MeshTimeout: 2 }, total: 3, defaultPolicies: [{ type: "MeshRetry", name: "mesh-retry-all-a", state: "skipped" }] }],
  ]);

  // A sync: a applied, b failed, c had nothing to change.
  status.runStarted(["startup"]);
  status.validated(commit("r1"), true, []);
  status.synced(commit("r1"), ["a", "b", "c"], new Map([["a", result(2)], ["b", result(0, 1)]]), () => inventory, () => "report", false);
  status.driftChecked("r1", ["a", "b", "c"], new Map(), () => "report");
  const first = finish(status, { kind: "sync", reasons: ["startup"], result: "failed" }, 120.4);
  assert.deepEqual(mesh("a")?.lastRun, { id: first.id, kind: "sync", result: "applied", startedAt: first.startedAt, durationMs: 120 });
  assert.equal(mesh("b")?.lastRun?.result, "failed");
  assert.equal(mesh("c")?.lastRun?.result, "unchanged");
  // What the page shows next to it: the counts, default policies and skip state, the commit's author.
  assert.deepEqual(mesh("a")?.resources, { total: 3, byType: { Mesh: 1, MeshTimeout: 2 } });
  assert.deepEqual(mesh("a")?.defaultPolicies, [{ type: "MeshRetry", name: "mesh-retry-all-a", state: "skipped" }]);

  // A drift check: a corrected (correct mode), c drifted (report mode), b compared and found in sync.
  status.runStarted(["drift-timer"]);
  status.synced(commit("r1"), ["a"], new Map([["a", result(1)]]), () => inventory, () => "correct", false);
  status.driftChecked("r1", ["a", "b", "c"], new Map([["c", [modified("c", "z")]]]), () => "report");
  const second = finish(status, { kind: "drift", result: "corrected" }, 7);
  assert.deepEqual(
    ["a", "b", "c"].map((name) => [name, mesh(name)?.lastRun?.id, mesh(name)?.lastRun?.kind, mesh(name)?.lastRun?.result, mesh(name)?.lastRun?.durationMs]),
    [
      ["a", second.id, "drift", "corrected", 7],
      ["b", second.id, "drift", "in-sync", 7],
      ["c", second.id, "drift", "drifted", 7],
    ],
  );

  // An invalid commit touches no mesh: the cards keep their last run.
  status.runStarted(["commit"]);
  status.validated(commit("r2"), false, []);
  finish(status, { kind: "sync", reasons: ["commit"], revision: "r2", result: "invalid" }, 3);
  assert.equal(mesh("a")?.lastRun?.id, second.id);

  // A run that stops on an error (control plane unreachable) marks every mesh it held back.
  status.runStarted(["drift-timer"]);
  status.runFailed("connect ECONNREFUSED", "r1");
  const failed = finish(status, { kind: "drift", result: "error", error: "connect ECONNREFUSED" }, 5);
  assert.deepEqual(["a", "b", "c"].map((name) => [mesh(name)?.lastRun?.id, mesh(name)?.lastRun?.result]), [
    [failed.id, "error"],
    [failed.id, "error"],
    [failed.id, "error"],
  ]);

  // A run that found nothing to do is not a reconcile of any mesh.
  status.runStarted(["commit"]);
  status.runFinished(undefined, 1);
  assert.equal(mesh("a")?.lastRun?.id, failed.id);
});

test("a mesh whose drift correction failed shows the failure; facts recorded outside a run touch no card", () => {
  const { status, mesh, json } = newStatus();
  status.synced(commit("r1"), ["a"], new Map(), () => new Map(), () => "correct", false);
  assert.equal(mesh("a")?.lastRun, null, "no run in flight");
  assert.equal(json().revision.applied?.author, "Ada Lovelace");

  status.runStarted(["drift-timer"]);
  status.synced(commit("r1"), ["a"], new Map([["a", result(0, 1)]]), () => new Map(), () => "correct", false);
  status.driftChecked("r1", ["a"], new Map([["a", [modified("a", "x")]]]), () => "correct");
  finish(status, { kind: "drift", result: "failed" }, 9);
  assert.equal(mesh("a")?.lastRun?.result, "failed");
  assert.equal(mesh("a")?.state, "failed");
});
