/**
 * A suspension made through the API (kept in --controls-file) of a mesh that is since gone from the repository and
 * from the control plane is dropped, once, with a `mesh.unsuspended` line: nothing is left to suspend, and the mesh may
 * never be resumed. Not before: while the mesh is merely invalid, or left the repository but what meshops owns there
 * is still on the control plane, the suspension stands (a later commit bringing its files back must find it).
 * In process and without timers, as reconciler.meshRemoved.test.ts: a real Git repository, the embedded control
 * plane, reconcileOnce called run by run as the daemon's loop would.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { MeshControls } from "../src/daemon/controls.js";
import { readControls, writeControls } from "../src/daemon/controlsFile.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { openReconcilerBed, type ReconcilerBed } from "./helpers/reconcilerBed.js";

let bed: ReconcilerBed;
let dir: string;
let file: string;
type Line = { level?: string; msg?: string; mesh?: string; reason?: string };
const lines = (event: string) => bed.logged(event) as Line[];
const suspendedInFile = () => readControls(file).suspended;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "meshops-suspension-gone-"));
  file = path.join(dir, "controls.json");
  const controls = new MeshControls({ restored: readControls(file), persist: (saved) => writeControls(file, saved) });
  bed = await openReconcilerBed(
    "meshops-suspension-gone",
    {
      "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
      "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n",
      "meshes/shop/t1.yaml": meshTimeoutYaml("t1", "shop", "1m"),
      "meshes/other/mesh.yaml": "type: Mesh\nname: other\n",
    },
    { controls },
  );
  assert.equal((await bed.run("startup")).result, "applied");
  assert.equal(bed.controls.suspend("shop").ok, true);
  assert.deepEqual(suspendedInFile(), ["shop"]);
});

after(async () => {
  await bed.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a suspended mesh stays suspended while invalid and while what meshops owns there is on the control plane; dropped once gone from both", async () => {
  commitFiles(bed.repo.dir, { "meshes/shop/t1.yaml": "type: MeshTimeout\nname: t1\nmesh: shop\nspec: 5\n" }, "shop invalid");
  assert.equal((await bed.run("commit")).result, "invalid");
  await bed.run("drift-timer");
  assert.equal(bed.controls.suspendedBy("shop"), "api", "invalid: still suspended");

  git(bed.repo.dir, "rm", "-q", "-r", "meshes/shop");
  git(bed.repo.dir, "commit", "-q", "-m", "shop leaves the repository");
  await bed.run("commit");
  await bed.run("drift-timer");
  assert.ok(await bed.backend.get({ type: "MeshTimeout", mesh: "shop", name: "t1" }), "suspended: nothing deleted");
  assert.equal(bed.controls.suspendedBy("shop"), "api", "what meshops owns there is still on the control plane: still suspended");
  assert.deepEqual(suspendedInFile(), ["shop"]);
  assert.deepEqual(lines("mesh.unsuspended"), []);

  // Someone deletes the mesh on the control plane: nothing of it is left anywhere.
  await bed.backend.delete({ type: "MeshTimeout", mesh: "shop", name: "t1" });
  await bed.backend.delete({ type: "Mesh", mesh: "shop", name: "shop" });
  await bed.run("drift-timer");
  assert.equal(bed.controls.suspendedBy("shop"), undefined);
  assert.deepEqual(suspendedInFile(), [], "the controls file forgets it too: a restart does not bring it back");
  const said = lines("mesh.unsuspended");
  assert.deepEqual(said.map((l) => [l.level, l.mesh, l.reason]), [["info", "shop", "gone"]]);
  assert.equal(said[0]?.msg, "mesh shop is neither in the repository nor on the control plane: its suspension through the API is dropped (suspend it again if it comes back)");

  // Said once; a mesh of the same name coming back later is not suspended.
  await bed.run("drift-timer");
  commitFiles(bed.repo.dir, { "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n" }, "shop again");
  assert.equal((await bed.run("commit")).result, "applied");
  assert.equal(lines("mesh.unsuspended").length, 1);
});

test("a mesh suspended while invalid from its first commit (nothing of it on the control plane yet) stays suspended", async () => {
  commitFiles(bed.repo.dir, { "meshes/fresh/mesh.yaml": "type: Mesh\nname: fresh\n", "meshes/fresh/t1.yaml": "type: MeshTimeout\nname: t1\nmesh: fresh\nspec: 5\n" }, "fresh, invalid");
  assert.equal((await bed.run("commit")).result, "invalid");
  assert.equal(bed.controls.suspend("fresh").ok, true);
  await bed.run("drift-timer");
  await bed.run("api");
  assert.equal(bed.controls.suspendedBy("fresh"), "api", "in the repository, if invalid: still suspended");
  assert.deepEqual(suspendedInFile(), ["fresh"]);
  assert.equal(lines("mesh.unsuspended").length, 1, "only shop's, of the test before");
});
