/**
 * `plan --base` (src/diff/revisions.ts). The plan between two revisions whose meshes the ref's build took over from
 * the base's: the same plan, in the same order, as one that pairs and compares every resource. Where the changes are
 * defined, worked out per mesh: the ref's file wins over the base's, a delete points at the base's file, a default
 * policy at its Mesh's document, and a subject neither revision has, or that is not a subject, has no location.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { commitOneChange, generateRepo } from "../bench/generate.js";
import { buildDesired, targetOf } from "../src/desired/index.js";
import { baseFilesOfDeletes, lazyLocations, locationsOf, planRevisions, withDeletedFiles } from "../src/diff/revisions.js";
import type { Resource } from "../src/model/resource.js";
import { readSnapshot } from "../src/source/index.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-revisions-");
after(() => repo.cleanup());

/** The desired states of HEAD~1 and HEAD, the second built from the first (as `plan --base` builds them). */
async function twoRevisions(): Promise<{ base: ReturnType<typeof buildDesired>; ref: ReturnType<typeof buildDesired> }> {
  const cache = new AnalysisCache();
  const baseResult = validateSnapshot(await readSnapshot({ repo: repo.dir, ref: "HEAD~1" }), cache);
  const refResult = validateSnapshot(await readSnapshot({ repo: repo.dir, ref: "HEAD" }), cache);
  assert.ok(baseResult.valid && refResult.valid);
  const base = buildDesired(baseResult.resources, baseResult.config, targetOf(baseResult.config));
  return { base, ref: buildDesired(refResult.resources, refResult.config, targetOf(refResult.config), base) };
}

test("meshes taken over whole are unchanged without a comparison: the same plan as comparing everything", async () => {
  rmSync(repo.dir, { recursive: true, force: true });
  await generateRepo(repo.dir, { meshes: 4, policiesPerMesh: 30, shape: "mixed" });
  await commitOneChange(repo.dir);
  const timeout = "type: MeshTimeout\nname: added\nmesh: mesh-0003\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 3m\n";
  commitFiles(repo.dir, { "meshes/mesh-0003/added.yaml": timeout }, "a policy added");
  git(repo.dir, "rm", "-q", "meshes/mesh-0004/policies-01.yaml");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "a file removed");
  // HEAD~1 is the one-change commit: compare it with HEAD~3 instead, three meshes changed, one not.
  const cache = new AnalysisCache();
  const baseResult = validateSnapshot(await readSnapshot({ repo: repo.dir, ref: "HEAD~3" }), cache);
  const refResult = validateSnapshot(await readSnapshot({ repo: repo.dir, ref: "HEAD" }), cache);
  const base = buildDesired(baseResult.resources, baseResult.config, targetOf(baseResult.config));
  const ref = buildDesired(refResult.resources, refResult.config, targetOf(refResult.config), base);
  const same = new Set([...ref.meshes].filter(([mesh, built]) => base.meshes.get(mesh) === built).map(([mesh]) => mesh));
  assert.deepEqual([...same], ["mesh-0002"], "only the untouched mesh is taken over whole");
  const fast = planRevisions(base.resources, ref.resources, same);
  const full = planRevisions(base.resources, ref.resources);
  assert.deepEqual(fast, full);
  assert.deepEqual(
    { create: fast.summary.create, update: fast.summary.update, delete: fast.summary.delete > 0 },
    { create: 1, update: 1, delete: true },
  );
  assert.equal(fast.summary.unchanged, full.summary.unchanged);
  const { base: b1, ref: r1 } = await twoRevisions();
  assert.deepEqual(planRevisions(b1.resources, r1.resources, new Set(r1.meshes.keys())).summary.unchanged, r1.resources.length, "HEAD~1 to HEAD: nothing changed");
});

function resource(type: string, mesh: string, name: string, file?: string, line = 1): Resource {
  return {
    type,
    mesh,
    name,
    object: { type, name, ...(type === "Mesh" ? {} : { mesh }) },
    origin: file ? "repository" : "default",
    ...(file ? { source: { file, line, column: 1 } } : {}),
  } as Resource;
}

const ref = [
  resource("Mesh", "a", "a", "a/mesh.yaml"),
  resource("MeshTimeout", "a", "mesh-timeout-all-a"),
  resource("MeshTimeout", "a", "t1", "a/new.yaml", 5),
  resource("Mesh", "b", "b", "b/mesh.yaml"),
];
const base = [resource("MeshTimeout", "a", "t1", "a/old.yaml", 9), resource("MeshRetry", "b", "gone", "b/retry.yaml", 3)];

test("locations per mesh: the ref wins, a delete points at the base, a default policy at its Mesh", () => {
  const locations = lazyLocations(ref, base);
  assert.deepEqual(locations.get("MeshTimeout/a/t1"), { file: "a/new.yaml", line: 5, column: 1 });
  assert.deepEqual(locations.get("MeshRetry/b/gone"), { file: "b/retry.yaml", line: 3, column: 1, inBase: true }, "the base's line, marked: the head's file has another document there");
  assert.deepEqual(locations.get("MeshTimeout/a/mesh-timeout-all-a"), { file: "a/mesh.yaml", line: 1, column: 1, defaultOf: "Mesh/a" });
  assert.deepEqual(locations.get("Mesh/b"), { file: "b/mesh.yaml", line: 1, column: 1 });
  assert.equal(locations.get("MeshTimeout/c/t1"), undefined);
  assert.equal(locations.get("not a subject"), undefined);
});

test("a deleted default policy points at its Mesh as the ref has it; the deletes' base files, and those the head lacks marked", () => {
  const withDefault = [...base, resource("MeshRetry", "b", "mesh-retry-all-b"), resource("Mesh", "b", "b", "b/old-mesh.yaml", 7)];
  const locations = lazyLocations(ref, withDefault);
  assert.deepEqual(locations.get("MeshRetry/b/mesh-retry-all-b"), { file: "b/mesh.yaml", line: 1, column: 1, defaultOf: "Mesh/b" }, "the ref's Mesh: its line is the head's");
  const plan = planRevisions(withDefault, ref);
  assert.deepEqual(baseFilesOfDeletes(plan, locations).sort(), ["b/retry.yaml"], "a delete whose location is the head's is not asked about");
  const marked = withDeletedFiles(locations, new Set(["b/retry.yaml"]));
  assert.deepEqual(marked.get("MeshRetry/b/gone"), { file: "b/retry.yaml", line: 3, column: 1, inBase: true, fileDeleted: true });
  assert.deepEqual(marked.get("MeshTimeout/a/t1"), { file: "a/new.yaml", line: 5, column: 1 }, "only a base revision's location");
});

test("lazy locations answer as the whole map does, for every subject", () => {
  const whole = locationsOf(ref, base);
  const lazy = lazyLocations(ref, base);
  for (const [subject, location] of whole) assert.deepEqual(lazy.get(subject), location, subject);
});
