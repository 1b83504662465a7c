/**
 * `apply`'s text report (renderChangeSetText): every change of a small apply, a summary of a large one. An apply of
 * 53,000 writes used to end with 53,000 `✓` lines; what a person needs from it is what failed, what the control plane
 * warned about, and the counts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Action, Change, Plan } from "../src/diff/plan.js";
import type { PlanRisk } from "../src/diff/risk.js";
import type { DriftItem, DriftReport } from "../src/diff/drift.js";
import { CHANGES_LISTED, renderApplyReview, renderChangeSetText, renderDriftText } from "../src/report/plan.js";
import type { ChangeResult, ChangeSet } from "../src/sync/apply.js";

function change(action: Action, type: string, mesh: string, name: string): Change {
  return { action, resource: `${type}/${mesh}/${name}`, type, mesh, name, diff: "" };
}

function changeSet(results: ChangeResult[]): ChangeSet {
  const count = (outcome: ChangeResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  const failedMeshes = [...new Set(results.filter((r) => r.outcome === "failed").map((r) => r.change.mesh))];
  return { results, summary: { applied: count("applied"), failed: count("failed"), skipped: count("skipped") }, failedMeshes };
}

const DEPRECATED = "'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead";

/** 1,000 creates (every tenth warned about), 200 updates, 3 failures, 40 not attempted. */
function largeApply(): ChangeSet {
  const results: ChangeResult[] = [];
  for (let i = 0; i < 1000; i++) {
    const warned = i % 10 === 0;
    results.push({ change: change("create", warned ? "MeshTrafficPermission" : "MeshTimeout", `mesh-${i % 7}`, `p-${i}`), outcome: "applied", ...(warned ? { warnings: [DEPRECATED] } : {}) });
  }
  for (let i = 0; i < 200; i++) results.push({ change: change("update", "MeshRetry", "mesh-1", `r-${i}`), outcome: "applied" });
  for (let i = 0; i < 3; i++) results.push({ change: change("create", "MeshRetry", "mesh-9", `bad-${i}`), outcome: "failed", error: `PUT refused (400 Resource is not valid): spec.to[${i}]: broken` });
  for (let i = 0; i < 40; i++) results.push({ change: change("create", "MeshRetry", "mesh-9", `later-${i}`), outcome: "skipped", error: "an earlier change of mesh mesh-9 failed" });
  return changeSet(results);
}

test("a small apply lists every change, then the totals", () => {
  const set = changeSet([
    { change: change("create", "MeshTimeout", "a", "t1"), outcome: "applied" },
    { change: change("update", "MeshRetry", "a", "r1"), outcome: "applied", warnings: [DEPRECATED] },
    { change: change("create", "MeshRetry", "a", "r2"), outcome: "failed", error: "PUT refused (409 conflict)" },
  ]);
  assert.deepEqual(renderChangeSetText(set).trimEnd().split("\n"), [
    "✓ create MeshTimeout/a/t1",
    `✓ update MeshRetry/a/r1 (warning: ${DEPRECATED})`,
    "✗ create MeshRetry/a/r2: PUT refused (409 conflict)",
    "Apply failed: 2 applied, 1 failed, 0 not attempted.",
  ]);
});

test(`a large apply (over ${CHANGES_LISTED} changes) is a summary: counts, each failure with where it is defined, the warnings grouped`, () => {
  const set = largeApply();
  const where = (resource: string) => (resource.startsWith("MeshRetry/mesh-9/bad-") ? "meshes/nine.yaml:12" : undefined);
  const lines = renderChangeSetText(set, undefined, where).trimEnd().split("\n");
  assert.deepEqual(lines, [
    "✗ create MeshRetry/mesh-9/bad-0 (meshes/nine.yaml:12): PUT refused (400 Resource is not valid): spec.to[0]: broken",
    "✗ create MeshRetry/mesh-9/bad-1 (meshes/nine.yaml:12): PUT refused (400 Resource is not valid): spec.to[1]: broken",
    "✗ create MeshRetry/mesh-9/bad-2 (meshes/nine.yaml:12): PUT refused (400 Resource is not valid): spec.to[2]: broken",
    "- 40 not attempted (an earlier change of mesh mesh-9 failed)",
    `! 100 changes with the control plane's warning: ${DEPRECATED} (MeshTrafficPermission/mesh-0/p-0, …)`,
    "✓ 1200 applied: 1000 created, 200 updated, 0 deleted (every change: --verbose, or --format json)",
    "Apply failed: 1200 applied, 3 failed, 40 not attempted (meshes stopped: mesh-9).",
  ]);
});

test("a large apply with --verbose lists every change as a small one does", () => {
  const set = largeApply();
  const lines = renderChangeSetText(set, undefined, undefined, undefined, { verbose: true }).trimEnd().split("\n");
  assert.equal(lines.length, set.results.length + 1);
  assert.equal(lines.filter((l) => l.startsWith("✓ ")).length, 1200);
  assert.equal(lines.filter((l) => l.startsWith("- ")).length, 40);
  assert.equal(lines.at(-1), "Apply failed: 1200 applied, 3 failed, 40 not attempted (meshes stopped: mesh-9).");
});

test("a large apply's report stays short whatever fails: failures and kinds of warning are bounded, the rest counted", () => {
  const results: ChangeResult[] = [];
  for (let i = 0; i < 5000; i++) {
    results.push({ change: change("create", "MeshTimeout", `m-${i}`, `t-${i}`), outcome: "failed", error: `PUT failed: connection reset (${i})` });
    results.push({ change: change("update", "MeshRetry", `m-${i}`, `r-${i}`), outcome: "applied", warnings: [`warning number ${i % 30}`] });
  }
  const lines = renderChangeSetText(changeSet(results), undefined, undefined, "SIGTERM").trimEnd().split("\n");
  assert.ok(lines.length <= 2 * CHANGES_LISTED, `${lines.length} lines`);
  assert.equal(lines.filter((l) => l.startsWith("✗ create")).length, CHANGES_LISTED);
  assert.ok(lines.includes(`✗ … and ${5000 - CHANGES_LISTED} more failed`), lines.join("\n"));
  assert.ok(lines.some((l) => /^! … and \d+ more kinds of warning from the control plane \(\d+ changes\)$/.test(l)), lines.join("\n"));
  assert.equal(lines.at(-1), "Apply interrupted (SIGTERM): 5000 applied, 5000 failed, 0 not attempted.");
});

test("the review before a large prune is a summary: the first mass-change findings and the changes counted by action and type", () => {
  const changes: Change[] = [];
  const risks: PlanRisk[] = [];
  for (let m = 0; m < 300; m++) {
    const mesh = `mesh-${m}`;
    changes.push(change("delete", "Mesh", mesh, mesh));
    for (let i = 0; i < 10; i++) changes.push(change("delete", i % 2 ? "MeshRetry" : "MeshTimeout", mesh, `p-${i}`));
    risks.push({ kind: "mesh-deleted", rule: "mass-change/mesh-deleted", mesh, resource: `Mesh/${mesh}`, deletes: [], message: `Mesh ${mesh} is deleted with its 10 resources` });
  }
  changes.push(change("create", "MeshTimeout", "mesh-new", "t"));
  const plan: Plan = { changes, summary: { create: 1, update: 0, delete: 3300, unchanged: 7 }, kept: [] };
  const lines = renderApplyReview(plan, risks).trimEnd().split("\n");
  assert.ok(lines.length < 2 * CHANGES_LISTED, `${lines.length} lines`);
  assert.equal(lines[0], "!! Mass change: 300 flagged; review before applying.");
  assert.equal(lines.filter((l) => l.startsWith("!!   mass-change/mesh-deleted: ")).length, CHANGES_LISTED);
  assert.ok(lines.includes(`!!   … and ${300 - CHANGES_LISTED} more (plan --format json lists every one)`), lines.join("\n"));
  assert.ok(lines.includes("- delete 3300: Mesh 300, MeshRetry 1500, MeshTimeout 1500 (in 300 meshes)"), lines.join("\n"));
  assert.ok(lines.includes("+ create 1: MeshTimeout 1 (in 1 mesh)"), lines.join("\n"));
  assert.equal(lines.at(-1), "Plan: 1 to create, 0 to update, 3300 to delete, 7 unchanged.");

  // A small one lists every change, as plan does (without diffs).
  const small: Plan = { changes: changes.slice(0, 11), summary: { create: 0, update: 0, delete: 11, unchanged: 0 }, kept: [] };
  assert.deepEqual(renderApplyReview(small, []).trimEnd().split("\n").slice(0, 2), ["- delete Mesh/mesh-0/mesh-0", "- delete MeshTimeout/mesh-0/p-0"]);
});

test("drift as text: one line per item; a modified one's diff under it (a missing or orphaned one's whole body is what --format json and render show)", () => {
  const item = (kind: DriftItem["kind"], name: string, diff: string): DriftItem => ({ kind, resource: `MeshTimeout/shop/${name}`, type: "MeshTimeout", mesh: "shop", name, diff });
  const body = "--- live\n+++ desired\n@@ -0,0 +1,3 @@\n+type: MeshTimeout\n+name: x\n+mesh: shop\n";
  const report: DriftReport = {
    summary: { missing: 1, modified: 1, orphaned: 1, unmanaged: 0 },
    items: [item("missing", "gone", body), item("modified", "changed", "--- live\n+++ desired\n@@ -1 +1 @@\n-idleTimeout: 1s\n+idleTimeout: 2s\n"), item("orphaned", "extra", body.replaceAll("+", "-"))],
    leftAlone: [],
  };
  const lines = renderDriftText(report).trimEnd().split("\n");
  assert.deepEqual(lines.filter((l) => !l.startsWith("    ")).map((l) => l.split(" ").slice(1).join(" ")), [
    "missing MeshTimeout/shop/gone",
    "modified MeshTimeout/shop/changed",
    "orphaned MeshTimeout/shop/extra",
    "1 missing, 1 modified, 1 orphaned, 0 unmanaged.",
  ]);
  assert.deepEqual(lines.filter((l) => l.startsWith("    ")), ["    @@ -1 +1 @@", "    -idleTimeout: 1s", "    +idleTimeout: 2s"]);
});

test("drift as text: thousands of values not compared are named up to 20, then counted, on one line a person can read", () => {
  const unknownValues = Array.from({ length: 3000 }, (_, i) => `Secret/shop/db-${String(i).padStart(4, "0")}`);
  const report: DriftReport = { summary: { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 }, items: [], leftAlone: [], unknownValues };
  const lines = renderDriftText(report).trimEnd().split("\n");
  assert.deepEqual(lines, [
    `? 3000 resources are SOPS-encrypted and no age key was given: whether their values changed is unknown (${unknownValues.slice(0, 20).join(", ")} and 2980 more; --format json lists them); set SOPS_AGE_KEY_FILE or pass --sops-age-key-file to compare them`,
    "In sync.",
  ]);
});
