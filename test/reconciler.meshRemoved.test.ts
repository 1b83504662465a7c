/**
 * A mesh whose every resource leaves the repository (its files deleted, its Mesh with them) is said, as an Argo CD
 * application whose manifests went is: one `mesh.removed` log line naming it and what becomes of what meshops owns
 * there, and with prune off the `mesh.prunable` line of what prune on would delete.
 * In process and without timers, as reconciler.incremental.test.ts: a real Git repository, the embedded control
 * plane, reconcileOnce called run by run as the daemon's loop would.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shortRevision } from "../src/model/revision.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { openReconcilerBed, type ReconcilerBed } from "./helpers/reconcilerBed.js";

let bed: ReconcilerBed;
type Line = { level?: string; msg?: string; mesh?: string; revision?: string; prune?: boolean; resources?: string[] };
const lines = (event: string) => bed.logged(event) as Line[];

before(async () => {
  bed = await openReconcilerBed("meshops-mesh-removed", {
    "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
    "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n",
    "meshes/shop/t1.yaml": meshTimeoutYaml("t1", "shop", "1m"),
    "meshes/other/mesh.yaml": "type: Mesh\nname: other\n",
  });
  assert.equal((await bed.run("startup")).result, "applied");
});

after(() => bed.close());

test("a mesh whose files all left the repository, prune off: one mesh.removed line, and the prunable line of what stays on the control plane", async () => {
  assert.deepEqual(lines("mesh.removed"), [], "nothing removed yet");
  git(bed.repo.dir, "rm", "-q", "-r", "meshes/shop");
  git(bed.repo.dir, "commit", "-q", "-m", "shop leaves the repository");
  const revision = git(bed.repo.dir, "rev-parse", "HEAD");
  await bed.run("commit");

  const removed = lines("mesh.removed");
  assert.deepEqual(removed.map((l) => [l.level, l.mesh, l.revision, l.prune]), [["info", "shop", revision, false]]);
  assert.equal(removed[0]?.msg, `mesh shop has no resource left in the repository at revision ${shortRevision(revision)}: what meshops owns there stays on the control plane (prune is off)`);
  const prunable = lines("mesh.prunable");
  assert.deepEqual(prunable.map((l) => [l.level, l.mesh, l.resources?.[0], l.resources?.at(-1)]), [["warn", "shop", "MeshTimeout/shop/t1", "Mesh/shop"]], "t1 first, its Mesh last (delete order)");
  assert.ok(await bed.backend.get({ type: "Mesh", mesh: "shop", name: "shop" }), "prune off: left on the control plane");
  assert.deepEqual(bed.status.toJSON().removedMeshes.map((r) => [r.mesh, r.revision, r.prune]), [["shop", revision, false]], "kept in /api/status");

  // Said once: a later run (the drift timer, another commit) does not say it again.
  await bed.run("drift-timer");
  commitFiles(bed.repo.dir, { "meshes/other/t2.yaml": meshTimeoutYaml("t2", "other", "1m") }, "t2");
  await bed.run("commit");
  assert.equal(lines("mesh.removed").length, 1);
  assert.equal(bed.status.toJSON().removedMeshes.length, 1);
});

test("a mesh whose files all left the repository, prune on: the mesh.removed line does not say its resources are deleted while their deletion awaits approval", async () => {
  const pruning = await openReconcilerBed("meshops-mesh-removed-prune", {
    "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\nprune:\n  enabled: true\n",
    "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n",
    "meshes/shop/t1.yaml": meshTimeoutYaml("t1", "shop", "1m"),
    "meshes/other/mesh.yaml": "type: Mesh\nname: other\n",
  });
  try {
    assert.equal((await pruning.run("startup")).result, "applied");
    git(pruning.repo.dir, "rm", "-q", "-r", "meshes/shop");
    git(pruning.repo.dir, "commit", "-q", "-m", "shop leaves the repository");
    const revision = git(pruning.repo.dir, "rev-parse", "HEAD");
    await pruning.run("commit");

    // Deleting a Mesh is a mass change: held for a person (daemon/gate.ts), nothing deleted yet.
    const required = pruning.logged("approval.required") as Line[];
    assert.deepEqual(required.map((l) => l.mesh), ["shop"]);
    assert.ok(await pruning.backend.get({ type: "Mesh", mesh: "shop", name: "shop" }), "held: still on the control plane");
    const removed = pruning.logged("mesh.removed") as Line[];
    assert.deepEqual(removed.map((l) => [l.level, l.mesh, l.revision, l.prune]), [["info", "shop", revision, true]]);
    assert.equal(
      removed[0]?.msg,
      `mesh shop has no resource left in the repository at revision ${shortRevision(revision)}: what meshops owns there is to be deleted (prune is on), once approved where that is a mass change (deleting a Mesh, or all of a mesh's policies)`,
    );
  } finally {
    await pruning.close();
  }
});
