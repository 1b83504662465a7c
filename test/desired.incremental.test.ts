/**
 * The desired state rebuilt after a commit (src/desired/index.ts), as the daemon does it: in a mesh where a few
 * resources changed, the other resources' desired objects are taken over, and the result is exactly a build from
 * scratch, commit after commit (edits, additions, removals, a resource named like a default policy, a Mesh edit).
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { commitOneChange, generateRepo } from "../bench/generate.js";
import { buildDesired, targetOf, type DesiredState } from "../src/desired/index.js";
import { changedSubjects } from "../src/sync/incremental.js";
import { subjectOf } from "../src/model/key.js";
import { readSnapshot } from "../src/source/index.js";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const repo = tempRepo("meshops-desired-incremental-");
after(() => repo.cleanup());
const cache = new AnalysisCache();
let snapshot: Snapshot | undefined;
let desired: DesiredState | undefined;

/** HEAD's desired state built from the last one, checked against a build from scratch; returns the subjects taken over. */
async function rebuild(): Promise<number> {
  snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", ...(snapshot ? { previous: snapshot } : {}) });
  const result = validateSnapshot(snapshot, cache);
  assert.ok(result.valid, JSON.stringify(result.diagnostics.filter((d) => d.severity === "error").slice(0, 2)));
  const target = targetOf(result.config);
  const previous = desired;
  desired = buildDesired(result.resources, result.config, target, previous);
  const fresh = buildDesired(result.resources, result.config, target);
  assert.deepEqual(desired.resources, fresh.resources, "the same resources in the same order as a fresh build");
  assert.equal(desired.size, fresh.size);
  for (const [mesh, m] of fresh.meshes) {
    const built = desired.meshes.get(mesh);
    assert.ok(built);
    assert.deepEqual([...built.byKey.keys()].sort(), [...m.byKey.keys()].sort());
    for (const r of built.resources) assert.equal(built.byKey.get(subjectOf(r)), r);
  }
  if (previous) {
    // What changed, as the planner finds it from the update's own list, is what comparing every subject finds.
    const compared: DesiredState = { ...desired, resources: desired.resources, meshes: new Map([...desired.meshes].map(([mesh, m]) => [mesh, { mesh, inputs: m.inputs, resources: m.resources, byKey: m.byKey, serial: 0 }])) };
    assert.deepEqual([...changedSubjects(previous, desired)].sort(), [...changedSubjects(previous, compared)].sort());
  }
  let takenOver = 0;
  for (const [mesh, m] of desired.meshes) for (const r of m.resources) if (previous?.meshes.get(mesh)?.byKey.get(subjectOf(r)) === r) takenOver++;
  return takenOver;
}

test("one mesh of many resources: a one-policy commit takes every other desired object over, and equals a fresh build", async () => {
  rmSync(repo.dir, { recursive: true, force: true });
  await generateRepo(repo.dir, { meshes: 1, policiesPerMesh: 400, shape: "mixed" });
  await rebuild();
  const total = desired?.size ?? 0;
  await commitOneChange(repo.dir);
  const edited = git(repo.dir, "show", "--name-only", "--format=", "HEAD");
  const inEditedFile = [...(desired?.meshes.get("mesh-0001")?.resources ?? [])].filter((r) => r.source?.file === edited).length;
  assert.ok(inEditedFile > 0);
  assert.equal(await rebuild(), total - inEditedFile, "all but the edited file's resources are the same objects");
  assert.deepEqual(
    [...(desired?.meshes.get("mesh-0001")?.update?.changes.keys() ?? [])].sort(),
    [...(desired?.meshes.get("mesh-0001")?.resources ?? [])].filter((r) => r.source?.file === edited).map(subjectOf).sort(),
    "the update names the edited file's subjects",
  );

  const meshDir = path.join(repo.dir, "meshes", "mesh-0001");
  const timeout = (name: string) => meshTimeoutYaml(name, "mesh-0001", "3m");
  commitFiles(repo.dir, { "meshes/mesh-0001/zz-extra.yaml": timeout("extra"), "meshes/mesh-0001/aa-extra.yaml": timeout("aa-extra") }, "two files added");
  assert.equal(await rebuild(), total, "an addition changes nothing else");
  git(repo.dir, "rm", "-q", "meshes/mesh-0001/zz-extra.yaml");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "removed");
  await rebuild();
  // Named like the mesh's default MeshTimeout: it replaces the default, so the mesh is built whole (and still right).
  commitFiles(repo.dir, { "meshes/mesh-0001/aa-extra.yaml": timeout("mesh-timeout-all-mesh-0001") }, "a default's name");
  await rebuild();
  const meshFile = path.join(meshDir, "mesh.yaml");
  commitFiles(repo.dir, { "meshes/mesh-0001/mesh.yaml": `${readFileSync(meshFile, "utf8")}\n` }, "mesh.yaml reformatted");
  await rebuild();
});
