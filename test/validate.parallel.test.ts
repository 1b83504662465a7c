/**
 * Cold validation on two threads (src/validate/parallel.ts) must give exactly what one thread gives: the worker's
 * analyses travel as JSON, so every fixture repository (valid and broken, both shapes, YAML outside the fast
 * scanner's subset) is validated both ways and compared deeply, with the worker doing every file it can.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { analyzeInParallel, jsonSafe, validateSnapshotParallel } from "../src/validate/parallel.js";
import { projectRoot } from "./helpers/git.js";
import { snapshotOf } from "./helpers/snapshot.js";

const validateFixtures = path.join(projectRoot, "test/fixtures/validate");
const fixtureNames = readdirSync(validateFixtures);
const hasConfig = (name: string) => existsSync(path.join(validateFixtures, name, "repo", "meshops.yaml"));

/**
 * Every validate fixture without a meshops.yaml in one snapshot (each under its own folder), so one worker start
 * covers them all; those with a configuration of their own, and sample-repo, one by one.
 */
function snapshots(): [string, Snapshot][] {
  const combined = fixtureNames
    .filter((name) => !hasConfig(name))
    .flatMap((name) => snapshotOf(path.join(validateFixtures, name, "repo"), "fixture").files.map((f) => ({ ...f, path: `${name}/${f.path}` })));
  return [
    ["sample-repo", snapshotOf(path.join(projectRoot, "sample-repo"), "fixture")],
    ["every validate fixture without a meshops.yaml", { revision: "fixture", root: "", files: combined, problems: [] }],
    ...fixtureNames.filter(hasConfig).map((name): [string, Snapshot] => [`validate fixture ${name}`, snapshotOf(path.join(validateFixtures, name, "repo"), "fixture")]),
  ];
}

/** Both ways, the worker taking every file (this thread only waits), and how many files the worker did. */
async function bothWays(snapshot: Snapshot) {
  const serial = validateSnapshot(snapshot);
  const cache = new AnalysisCache();
  const stats = await analyzeInParallel(snapshot, cache, { minBytes: 0, analyzeHere: false, requireIdleCore: false });
  const parallel = validateSnapshot(snapshot, cache);
  return { serial, parallel, stats };
}

for (const [name, snapshot] of snapshots()) {
  test(`two threads validate ${name} exactly as one does`, async () => {
    const { serial, parallel, stats } = await bothWays(snapshot);
    assert.equal(stats.files, snapshot.files.length);
    assert.equal(stats.byWorker, snapshot.files.filter(jsonSafe).length, "the worker analyzed every file JSON can carry");
    assert.ok(stats.byWorker > 0);
    assert.deepStrictEqual(parallel, serial);
  });
}

test("values JSON or UTF-8 cannot carry (infinities, NaN, negative zero, a lone surrogate) are analyzed on this thread, and come out the same", async () => {
  const text = (name: string, value: string) =>
    `type: MeshTimeout\nname: ${name}\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: ${value}}\n`;
  const odd = [".inf", "-.Inf", ".NaN", "-0", "-0.0", "[1, -0]"];
  const files = [
    ...odd.map((value, i) => ({ path: `odd-${i}.yaml`, text: text(`odd-${i}`, value), blobId: `odd${i}` })),
    { path: "plain.yaml", text: text("plain", "mesh-0001 -0x"), blobId: "plain" },
    { path: "surrogate.yaml", text: text("surrogate", "ab\ud800cd"), blobId: "surrogate" },
  ];
  for (const f of files.slice(0, odd.length)) assert.equal(jsonSafe(f), false, f.text);
  assert.equal(jsonSafe(files.at(-2)!), true, "a `-0` inside a word is not a number");
  const { serial, parallel, stats } = await bothWays({ revision: "r", root: "", files, problems: [] });
  assert.equal(stats.byWorker, 1);
  assert.ok(serial.diagnostics.some((d) => d.rule === "schema"), "the odd values are reported, so there is something to compare");
  assert.deepStrictEqual(parallel, serial);
});

test("a worker that fails leaves its share to this thread: the result is complete and the same", async () => {
  const snapshot = snapshotOf(path.join(projectRoot, "sample-repo"), "fixture");
  const failing = new URL("./helpers/failingWorker.js", import.meta.url);
  const result = await validateSnapshotParallel(snapshot, new AnalysisCache(), { minBytes: 0, analyzeHere: false, workerUrl: failing, requireIdleCore: false });
  assert.deepStrictEqual(result, validateSnapshot(snapshot));
});

test("a small repository is validated on this thread alone", async () => {
  const snapshot = snapshotOf(path.join(projectRoot, "sample-repo"), "fixture");
  assert.deepEqual(await analyzeInParallel(snapshot, new AnalysisCache()), { files: 0, byWorker: 0 });
});
