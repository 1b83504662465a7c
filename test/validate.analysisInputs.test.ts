/**
 * analysisInputs is worked out once per snapshot (a cached run asks three times): a second validation of the same
 * snapshot with other options must still read the files those options select, with or without bodies as asked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AnalysisCache, analysisInputs, validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

const snapshot = snapshotOfTexts({
  "mesh.yaml": "type: Mesh\nname: default\n",
  "a.yaml": "type: MeshTimeout\nname: a\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 5s\n",
  "b.yaml": "type: MeshTimeout\nname: b\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 6s\n",
});

test("the same snapshot validated again with other excludes reads the files they select", () => {
  const cache = new AnalysisCache();
  const names = (exclude?: string[]) => validateSnapshot(snapshot, cache, exclude ? { exclude } : {}).resources.map((r) => r.name).sort();
  assert.deepEqual(names(["b.yaml"]), ["a", "default"]);
  assert.deepEqual(names(), ["a", "b", "default"]);
  assert.deepEqual(names(["a.yaml"]), ["b", "default"]);
});

test("a whole validation after a report-only one of the same snapshot keeps the bodies", () => {
  const cache = new AnalysisCache();
  const reported = validateSnapshot(snapshot, cache, { reportOnly: true });
  assert.equal(reported.resources.find((r) => r.name === "a")?.object.spec, undefined);
  const whole = validateSnapshot(snapshot, cache);
  assert.deepEqual(whole.resources.find((r) => r.name === "a")?.object.spec, { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "5s" } }] });
});

test("the files to analyze are worked out once for the same snapshot, cache and options", () => {
  const cache = new AnalysisCache();
  const first = analysisInputs(snapshot, cache, { reportOnly: true });
  assert.equal(analysisInputs(snapshot, cache, { reportOnly: true }).selection, first.selection);
  assert.notEqual(analysisInputs(snapshot, new AnalysisCache(), { reportOnly: true }).selection, first.selection);
  assert.notEqual(analysisInputs(snapshot, cache, {}).configKey, first.configKey);
});
