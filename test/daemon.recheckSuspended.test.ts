/**
 * The checks after a write of unknown outcome, in a mesh suspended meanwhile: a check that finds an old write landed
 * cannot write it back there, so it is not done. The resource waits, listed under the status's writes.rechecking,
 * through the last check and after it, and is checked (and written back) once the mesh is resumed, as a suspended
 * Argo CD application's pending sync waits for it.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, failingNextPut, idleTimeoutOnCp, landOlderIdleTimeout, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { commitFiles } from "./helpers/git.js";

const T1 = "/meshes/shop/meshtimeouts/t1";
const SUBJECT = "MeshTimeout/shop/t1";
const RECONCILE_TOKEN = "reconcile-token-recheck-7a41";
/** Armed: the next PUT of t1 is answered 502 without being applied (its outcome unknown). */
const put502 = failingNextPut(T1);
const bed = daemonTestBed("meshops-rechecksuspended", { faults: put502.faults });
const { repo, work } = bed;
let daemon: DaemonProcess;

const timeout = (idleTimeout: string) => meshTimeoutYaml("t1", "shop", idleTimeout);
const post = (action: string) => fetch(`${daemon.url}/api/meshes/shop/${action}`, { method: "POST", headers: { authorization: `Bearer ${RECONCILE_TOKEN}` }, body: "{}" });

before(async () => {
  await bed.open();
  const tokenFile = bed.secretFile("reconcile-token", RECONCILE_TOKEN);
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", "meshes/shop/t1.yaml": timeout("1m") }, "shop");
  // Checks 0.8, 2.4, 8 and 24 s after the write.
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--request-timeout", "400ms", "--reconcile-token-file", tokenFile], { cwd: work });
});

test("a check after a write of unknown outcome that cannot write back because the mesh is suspended waits: listed through the last check, written back once the mesh is resumed", async () => {
  await untilStatus(daemon, "the first sync", (s) => s.revision.applied?.commit ?? undefined);
  put502.arm();
  const commit = commitFiles(repo.dir, { "meshes/shop/t1.yaml": timeout("2m") }, "2m");
  await untilApplied(daemon, commit, 30_000);
  assert.equal(put502.armed, false, "the first PUT of 2m was answered 502 (its retry applied the commit)");
  await daemon.untilLog("the unknown outcome in the log", (e) => e.event === "write.outcome-unknown" && Array.isArray(e.resources) && e.resources.includes(SUBJECT));

  assert.equal((await post("suspend")).status, 202);
  await untilStatus(daemon, "shop suspended", (s) => (s.meshes.find((m) => m.name === "shop")?.state === "suspended" ? true : undefined));
  // An older write lands late (as the 502'd one might have): 1m again, in the suspended mesh.
  await landOlderIdleTimeout(bed, T1, "2m0s", "1m0s");
  assert.equal(await idleTimeoutOnCp(bed, T1), "1m0s");

  // The last check finds it, cannot write it back: the resource waits, named, and is not given up on.
  const last = await daemon.untilLog("the last check", (e) => e.event === "write.rechecked" && e.left === 0, 90_000);
  assert.deepEqual([last.rewritten, last.waiting, last.gaveUp], [[], [SUBJECT], undefined]);
  assert.match(String(last.msg), /MeshTimeout\/shop\/t1 not written back/);
  assert.equal(await idleTimeoutOnCp(bed, T1), "1m0s", "nothing is written to a suspended mesh");
  const waiting = (await daemon.status()).writes;
  assert.deepEqual([waiting.recheckingCount, waiting.rechecking, waiting.waitingCount, waiting.waiting, waiting.stayedUnknown], [1, [SUBJECT], 1, [SUBJECT], 0]);

  // Resumed: the check it waited for comes, and writes 2m back (the first to write anything back: the mesh was
  // suspended before the old write landed).
  assert.equal((await post("resume")).status, 202);
  const rechecked = await daemon.untilLog("the check after the resume", (e) => e.event === "write.rechecked" && Array.isArray(e.rewritten) && e.rewritten.length > 0, 30_000);
  assert.deepEqual([rechecked.revision, rechecked.rewritten, rechecked.left, rechecked.waiting], [commit, [SUBJECT], 0, undefined]);
  assert.equal(await idleTimeoutOnCp(bed, T1), "2m0s");
  const done = await untilStatus(daemon, "nothing left to check", (s) => (s.writes.recheckingCount === 0 ? s.writes : undefined));
  assert.deepEqual([done.rechecking, done.waiting, done.rewritten], [[], [], 1]);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
