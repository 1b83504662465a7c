/**
 * Writes of unknown outcome that wait for their mesh to open (recheck.ts): what the status lists under
 * writes.waiting follows the mesh, not the next check. Resumed, the mesh's names leave the list as the run that
 * resumes it starts; gone from the repository and from the control plane while suspended, they leave it at the
 * comparison that finds it gone (no check is left to do it, and the mesh may never be resumed).
 * In process and without timers, as reconciler.incremental.test.ts: a real Git repository, the embedded control
 * plane, reconcileOnce called run by run as the daemon's loop would. The tests run in order.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunOutcome } from "../src/daemon/reconciler.js";
import type { JsonObject } from "../src/model/resource.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { openReconcilerBed, type ReconcilerBed } from "./helpers/reconcilerBed.js";

const SUBJECT = "MeshTimeout/shop/t1";
const T1 = { type: "MeshTimeout", mesh: "shop", name: "t1" };

let bed: ReconcilerBed;
const waiting = () => bed.status.toJSON().writes;
const idleTimeout = async () => ((await bed.backend.inner.get(T1)) as { spec: { to: { default: { idleTimeout: string } }[] } } | undefined)?.spec.to[0]?.default.idleTimeout;

/** An older write of t1 lands late: `to` over `from`. */
async function landOlder(from: string, to: string): Promise<void> {
  const live = await bed.backend.inner.get(T1);
  assert.ok(live);
  const { creationTime: _c, modificationTime: _m, kri: _k, ...editable } = live;
  await bed.backend.inner.put(JSON.parse(JSON.stringify(editable).replace(`"idleTimeout":"${from}"`, `"idleTimeout":"${to}"`)) as JsonObject);
  assert.equal(await idleTimeout(), to);
}

/** A write of t1 of unknown outcome, then an older one landing in shop, suspended meanwhile: the checks run out, t1 waits. */
async function waitInSuspendedShop(from: string, to: string): Promise<void> {
  bed.backend.unansweredPut = (object) => object.name === T1.name;
  commitFiles(bed.repo.dir, { "meshes/shop/t1.yaml": meshTimeoutYaml("t1", "shop", to) }, to);
  let outcome: RunOutcome;
  try {
    outcome = await bed.run("commit");
  } finally {
    bed.backend.unansweredPut = undefined;
  }
  assert.equal(bed.controls.suspend("shop").ok, true);
  await landOlder(`${to}0s`, `${from}0s`);
  while (outcome.recheckInMs !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, outcome.recheckInMs));
    outcome = await bed.run("recheck");
  }
  const writes = waiting();
  assert.deepEqual([writes.waiting, writes.rechecking], [[SUBJECT], [SUBJECT]], "the checks ran out, t1 waits for shop");
  assert.equal(await idleTimeout(), `${from}0s`, "nothing written to a suspended mesh");
}

before(async () => {
  // A 5 ms request timeout: the checks come 10, 30, 100 and 300 ms after a write.
  bed = await openReconcilerBed(
    "meshops-waiting-writes",
    {
      "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
      "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n",
      "meshes/shop/t1.yaml": meshTimeoutYaml("t1", "shop", "1m"),
      "meshes/other/mesh.yaml": "type: Mesh\nname: other\n",
    },
    { requestTimeoutMs: 5 },
  );
  assert.equal((await bed.run("startup")).result, "applied");
});

after(() => bed.close());

test("resumed: the names waiting in the mesh leave writes.waiting as the run that resumes it starts, not when it ends", async () => {
  await waitInSuspendedShop("1m", "2m");
  assert.equal(bed.controls.resume("shop").ok, true);
  // What the page shows while the run goes on (seconds, on a large repository): read as the run's work begins.
  let during: unknown;
  const from = bed.emitted.length;
  const unsubscribe = bed.events.on((event) => {
    if (event.type === "sync.started") during ??= waiting().waiting;
  });
  try {
    await bed.run("api");
  } finally {
    unsubscribe();
  }
  assert.ok(bed.emitted.slice(from).some((e) => e.type === "sync.started"), "the run synced");
  assert.deepEqual(during, [], "no longer waiting once resumed");
  const rechecked = bed.emitted.slice(from).filter((e) => e.type === "write.rechecked");
  assert.deepEqual(rechecked.map((e) => (e.type === "write.rechecked" ? e.rewritten : [])), [[SUBJECT]], "checked and written back by that run");
  assert.equal(await idleTimeout(), "2m0s");
  assert.deepEqual([waiting().waiting, waiting().rechecking], [[], []]);
});

test("gone while suspended, from the repository and then from the control plane: its names leave writes.waiting and writes.rechecking", async () => {
  await waitInSuspendedShop("2m", "3m");
  git(bed.repo.dir, "rm", "-q", "-r", "meshes/shop");
  git(bed.repo.dir, "commit", "-q", "-m", "shop leaves the repository");
  await bed.run("commit");
  // Still on the control plane, owned (prune is off): meshops still manages it, and t1 still waits for it.
  assert.deepEqual(waiting().waiting, [SUBJECT]);

  // Deleted there by hand too: nothing of shop is left to write back, whenever it is resumed.
  await bed.backend.inner.delete(T1);
  await bed.backend.inner.delete({ type: "Mesh", mesh: "shop", name: "shop" });
  await bed.run("drift-timer");
  assert.deepEqual([waiting().waiting, waiting().waitingCount, waiting().rechecking, waiting().recheckingCount], [[], 0, [], 0]);
  const said = bed.logged("write.forgotten") as { resources?: string[]; msg?: string }[];
  assert.deepEqual(said.map((l) => l.resources), [[SUBJECT]]);
  assert.match(said[0]?.msg ?? "", /^MeshTimeout\/shop\/t1 no longer waits to be checked: mesh shop is neither in the repository nor on the control plane$/);
});
