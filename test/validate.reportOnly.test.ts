import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { subjectOf } from "../src/model/key.js";
import type { Resource } from "../src/model/resource.js";
import { AnalysisCache, validateSnapshot, type ValidationResult } from "../src/validate/index.js";
import { projectRoot } from "./helpers/git.js";
import { snapshotOf } from "./helpers/snapshot.js";

/**
 * `meshops validate` only reports: it validates with `reportOnly`, which drops each resource's body once its file is
 * checked (validate/bodies.ts; at 51,000 resources the parsed trees are a third of the heap). The repository-wide rules
 * and the reports must see no difference: every fixture repository gives the same diagnostics, resources and counts
 * either way.
 */
const fixtureRepositories = [
  path.join(projectRoot, "sample-repo"),
  path.join(projectRoot, "test/fixtures/kubernetes-mode"),
  ...folders("test/fixtures/validate").map((dir) => path.join(dir, "repo")),
  ...folders("test/fixtures/shapes"),
];

function folders(relative: string): string[] {
  const dir = path.join(projectRoot, relative);
  return readdirSync(dir)
    .map((entry) => path.join(dir, entry))
    .filter((entry) => statSync(entry).isDirectory());
}

const identity = (r: Resource) => [subjectOf(r), r.source, r.origin, r.sealed ?? false, r.object.labels];
const outline = (result: ValidationResult) => ({
  valid: result.valid,
  diagnostics: result.diagnostics,
  resources: result.resources.map(identity),
  files: result.files,
  otherDocuments: result.otherDocuments,
  serviceReferences: result.serviceReferences.map((s) => ({ ...s, resource: identity(s.resource) })),
});

for (const dir of fixtureRepositories) {
  test(`report-only validation says what the whole one says: ${path.relative(projectRoot, dir)}`, () => {
    const snapshot = snapshotOf(dir, "fixture");
    const whole = validateSnapshot(snapshot);
    const reportOnly = validateSnapshot(snapshot, new AnalysisCache(), { reportOnly: true });
    assert.deepEqual(outline(reportOnly), outline(whole));
  });
}

test("report-only validation keeps no policy bodies, and keeps a Mesh and a sealed resource whole", () => {
  const snapshot = snapshotOf(path.join(projectRoot, "sample-repo"), "fixture");
  const whole = new Map(validateSnapshot(snapshot).resources.map((r) => [subjectOf(r), r]));
  const kept = validateSnapshot(snapshot, new AnalysisCache(), { reportOnly: true }).resources;
  const wholeOf = (r: Resource) => whole.get(subjectOf(r)) as Resource;

  const policies = kept.filter((r) => r.type !== "Mesh" && !r.sealed);
  assert.ok(policies.some((r) => "spec" in wholeOf(r).object), "the sample repository has policies with a spec");
  for (const r of policies) {
    assert.deepEqual(Object.keys(r.object).filter((k) => !["type", "mesh", "name", "labels"].includes(k)), [], `${subjectOf(r)} keeps only its identity and labels`);
    assert.deepEqual(r.object.labels, wholeOf(r).object.labels);
  }
  const meshes = kept.filter((r) => r.type === "Mesh");
  const sealed = kept.filter((r) => r.sealed);
  assert.ok(meshes.length > 0 && sealed.length > 0, "the sample repository has Meshes and an encrypted Secret");
  for (const r of [...meshes, ...sealed]) assert.deepEqual(r.object, wholeOf(r).object);
});

test("a report-only result and a whole one are not taken for each other from one analysis cache", () => {
  const snapshot = snapshotOf(path.join(projectRoot, "sample-repo"), "fixture");
  const cache = new AnalysisCache();
  validateSnapshot(snapshot, cache, { reportOnly: true });
  const whole = validateSnapshot(snapshot, cache);
  assert.ok(whole.resources.some((r) => r.type !== "Mesh" && "spec" in r.object), "a whole validation after a report-only one has bodies");
  assert.equal(whole.reportOnly, undefined);
});
