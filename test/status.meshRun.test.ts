/**
 * The status model's per-mesh "last reconcile" (what the status page shows on each mesh card): which run last
 * touched a mesh, how long it took, and what it meant for that mesh. Pure: the clock is injected.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { driftReportOf, type DriftItem } from "../src/diff/drift.js";
import type { RunEnd } from "../src/daemon/events.js";
import type { MeshInventory } from "../src/daemon/inventory.js";
import type { DaemonStatus } from "../src/daemon/status.js";
import { testStatus } from "./helpers/statusServer.js";
import type { CommitInfo, MeshStatus, ReconcileRecord, StatusJson } from "../src/daemon/statusTypes.js";
import type { TriggerKind } from "../src/daemon/queue.js";
import type { MeshApplyResult } from "../src/sync/meshes.js";

const SUMMARY = { applied: 0, failed: 0, skipped: 0, drift: 0 };
const commit = (id: string): CommitInfo => ({ commit: id, message: `subject ${id}`, author: "Ada Lovelace", date: "2026-01-01T00:00:00.000Z" });
const modified = (mesh: string, name: string): DriftItem => ({ kind: "modified", resource: `MeshTimeout/${mesh}/${name}`, type: "MeshTimeout", mesh, name, diff: "" });
const result = (applied: number, failed = 0): MeshApplyResult => ({ applied, failed, skipped: 0, errors: failed ? [{ resource: "MeshTimeout/x/y", message: "400" }] : [] });

function newStatus(): { status: DaemonStatus; json: () => StatusJson; mesh: (name: string) => MeshStatus | undefined } {
  let clock = 0;
  const status = testStatus({ driftIntervalMs: 1000 }, () => new Date(Date.UTC(2026, 0, 1) + clock++ * 1000));
  const json = () => status.toJSON();
  return { status, json, mesh: (name) => json().meshes.find((m) => m.name === name) };
}

let runs = 0;

function start(status: DaemonStatus, reasons: readonly TriggerKind[]): void {
  status.record({ type: "run.started", run: ++runs, reasons });
}

/** Ends the run in flight, as the reconciler does, and returns the record the status keeps of it. */
function finish(status: DaemonStatus, end: Partial<RunEnd> & Pick<RunEnd, "kind" | "result"> & { reasons?: readonly TriggerKind[] }, durationMs: number): ReconcileRecord {
  const { reasons = ["drift-timer"], ...rest } = end;
  status.record({ type: "run.finished", run: runs, revision: "r1", reasons, triggers: 1, durationMs, end: { revision: "r1", commit: null, summary: SUMMARY, ...rest } });
  const record = status.toJSON().reconciles[0];
  assert.ok(record);
  return record;
}

function synced(status: DaemonStatus, id: string, meshes: string[], results: Map<string, MeshApplyResult>, inventory: ReadonlyMap<string, MeshInventory>, mode: "report" | "correct"): void {
  status.record({ type: "meshes.synced", commit: commit(id), meshes, results, inventory: () => inventory, driftMode: () => mode, stopped: false });
}

function driftChecked(status: DaemonStatus, meshes: string[], items: DriftItem[], mode: "report" | "correct"): void {
  status.record({ type: "drift.checked", revision: "r1", meshes, report: driftReportOf(items), desiredCounts: new Map(), driftMode: () => mode });
}

test("each mesh card's last reconcile: the run that touched the mesh, its duration, and what it meant for that mesh", () => {
  const { status, mesh } = newStatus();
  const inventory = new Map<string, MeshInventory>([
    ["a", { byType: { Mesh: 1, MeshTimeout: 2 }, total: 3, defaultPolicies: [{ type: "MeshRetry", name: "mesh-retry-all-a", state: "skipped" }] }],
  ]);

  // A sync: a applied, b failed, c had nothing to change.
  start(status, ["startup"]);
  status.record({ type: "revision.validated", commit: commit("r1"), valid: true, diagnostics: [], kept: "r1" });
  synced(status, "r1", ["a", "b", "c"], new Map([["a", result(2)], ["b", result(0, 1)]]), inventory, "report");
  driftChecked(status, ["a", "b", "c"], [], "report");
  const first = finish(status, { kind: "sync", reasons: ["startup"], result: "failed" }, 120.4);
  assert.deepEqual(mesh("a")?.lastRun, { id: first.id, kind: "sync", result: "applied", startedAt: first.startedAt, durationMs: 120 });
  assert.equal(mesh("b")?.lastRun?.result, "failed");
  assert.equal(mesh("c")?.lastRun?.result, "unchanged");
  // What the page shows next to it: the counts, default policies and skip state, the commit's author.
  assert.deepEqual(mesh("a")?.resources, { total: 3, byType: { Mesh: 1, MeshTimeout: 2 } });
  assert.deepEqual(mesh("a")?.defaultPolicies, [{ type: "MeshRetry", name: "mesh-retry-all-a", state: "skipped" }]);

  // A drift check: a corrected (correct mode), c drifted (report mode), b compared and found in sync.
  start(status, ["drift-timer"]);
  synced(status, "r1", ["a"], new Map([["a", result(1)]]), inventory, "correct");
  driftChecked(status, ["a", "b", "c"], [modified("c", "z")], "report");
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
  start(status, ["commit"]);
  status.record({ type: "revision.validated", commit: commit("r2"), valid: false, diagnostics: [], kept: "r1" });
  finish(status, { kind: "sync", reasons: ["commit"], revision: "r2", result: "invalid" }, 3);
  assert.equal(mesh("a")?.lastRun?.id, second.id);

  // A run that stops on an error (control plane unreachable) marks every mesh it held back.
  start(status, ["drift-timer"]);
  status.record({ type: "run.failed", kind: "drift", revision: "r1", message: "connect ECONNREFUSED", controlPlane: true });
  const failed = finish(status, { kind: "drift", result: "error", error: "connect ECONNREFUSED" }, 5);
  assert.deepEqual(["a", "b", "c"].map((name) => [mesh(name)?.lastRun?.id, mesh(name)?.lastRun?.result]), [
    [failed.id, "error"],
    [failed.id, "error"],
    [failed.id, "error"],
  ]);

  // A run that found nothing to do is not a reconcile of any mesh.
  start(status, ["commit"]);
  status.record({ type: "run.finished", run: runs, revision: "r1", reasons: ["commit"], triggers: 1, durationMs: 1, end: undefined });
  assert.equal(mesh("a")?.lastRun?.id, failed.id);
});

test("a mesh whose drift correction failed shows the failure; facts recorded outside a run touch no card", () => {
  const { status, mesh, json } = newStatus();
  synced(status, "r1", ["a"], new Map(), new Map(), "correct");
  assert.equal(mesh("a")?.lastRun, null, "no run in flight");
  assert.equal(json().revision.applied?.author, "Ada Lovelace");

  start(status, ["drift-timer"]);
  synced(status, "r1", ["a"], new Map([["a", result(0, 1)]]), new Map(), "correct");
  driftChecked(status, ["a"], [modified("a", "x")], "correct");
  finish(status, { kind: "drift", result: "failed" }, 9);
  assert.equal(mesh("a")?.lastRun?.result, "failed");
  assert.equal(mesh("a")?.state, "failed");
});
