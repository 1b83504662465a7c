/**
 * The checks after a write of unknown outcome, in a mesh that a later commit blocks (reason control-plane-lacks: a
 * field the control plane's Kuma line does not have): a check that finds an old write landed cannot write it back
 * there, so the resource waits, named under the status's writes.waiting, through the last check; once the control
 * plane is upgraded, the mesh opens, the revision is applied, writing it back (counted in writes.rewritten and
 * meshops_writes_rewritten_total, as for a resumed mesh), and nothing waits any more.
 * test/daemon.recheckSuspended.test.ts does the same for a suspended mesh.
 * The daemon as a child process, a real Git repository, the embedded control plane (Kuma 2.10, then 2.14) over HTTP.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { exitWithin, startWatch, waitFor, type DaemonProcess, type LogEntry } from "./helpers/daemon.js";
import { daemonTestBed, failingNextPut, idleTimeoutOnCp, landOlderIdleTimeout, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { commitFiles } from "./helpers/git.js";

const T1 = "/meshes/edge/meshtimeouts/t1";
const SUBJECT = "MeshTimeout/edge/t1";
const WAIT = 60_000;
/** Armed: the next PUT of t1 is answered 502 without being applied (its outcome unknown). */
const put502 = failingNextPut(T1);
const bed = daemonTestBed("meshops-recheckblocked", { version: "2.10.11", faults: put502.faults });
const { repo, work } = bed;
let daemon: DaemonProcess;
let first: string;

const timeout = (idleTimeout: string) => meshTimeoutYaml("t1", "edge", idleTimeout);
/** `rules` is of Kuma 2.12 and later: a 2.10 control plane lacks it, which blocks the mesh. */
const MTP_RULES =
  "type: MeshTrafficPermission\nname: allow\nmesh: edge\nspec:\n  targetRef: {kind: Mesh}\n  rules:\n    - default:\n        allow:\n          - spiffeID: {type: Exact, value: spiffe://edge/web}\n";

before(async () => {
  await bed.open();
  first = commitFiles(
    repo.dir,
    {
      "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n',
      "meshes/edge/mesh.yaml": "type: Mesh\nname: edge\nskipCreatingInitialPolicies: ['*']\n",
      "meshes/edge/t1.yaml": timeout("1m"),
    },
    "edge",
  );
  // Checks 0.8, 2.4, 8 and 24 s after the write; a drift check every 2 s sees the upgrade.
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "2s", "--request-timeout", "400ms"], { cwd: work });
});

test("a check after a write of unknown outcome in a mesh blocked meanwhile waits, and is done once the control plane is upgraded", async () => {
  await untilApplied(daemon, first, WAIT);
  put502.arm();
  const commit = commitFiles(repo.dir, { "meshes/edge/t1.yaml": timeout("2m") }, "2m");
  await untilApplied(daemon, commit, WAIT);
  assert.equal(put502.armed, false, "the first PUT of 2m was answered 502 (its retry applied the commit)");
  await daemon.untilLog("the unknown outcome in the log", (e) => e.event === "write.outcome-unknown" && Array.isArray(e.resources) && e.resources.includes(SUBJECT));

  // A commit gives edge what the 2.10 control plane lacks: the mesh is blocked, nothing of the commit written to it.
  const blocking = commitFiles(repo.dir, { "meshes/edge/mtp.yaml": MTP_RULES }, "permissions by rules");
  await untilStatus(daemon, "edge blocked", (s) => (s.revision.head === blocking && s.meshes.find((m) => m.name === "edge")?.state === "blocked" ? true : undefined), WAIT);
  // An older write lands late (as the 502'd one might have): 1m again, in the blocked mesh.
  await landOlderIdleTimeout(bed, T1, "2m0s", "1m0s");
  assert.equal(await idleTimeoutOnCp(bed, T1), "1m0s");

  // The last check finds it, cannot write it back: the resource waits for its mesh, named, and is not given up on.
  const last = await daemon.untilLog("the last check", (e) => e.event === "write.rechecked" && e.left === 0, 90_000);
  assert.deepEqual([last.rewritten, last.waiting, last.gaveUp], [[], [SUBJECT], undefined]);
  assert.equal(await idleTimeoutOnCp(bed, T1), "1m0s", "nothing is written to a blocked mesh");
  const waiting = await untilStatus(daemon, "the waiting write on the status", (s) => (s.writes.waitingCount === 1 ? s : undefined), 5_000);
  assert.deepEqual([waiting.writes.recheckingCount, waiting.writes.rechecking, waiting.writes.waiting, waiting.writes.stayedUnknown], [1, [SUBJECT], [SUBJECT], 0]);
  assert.equal(waiting.meshes.find((m) => m.name === "edge")?.state, "blocked");
  const linesBefore = daemon.lines.length;

  // Upgraded (same state, same port): a drift check sees it, the revision applies to edge (2m back, the permission
  // written), and the check that waited is made once edge is open: nothing waits or stays to be checked.
  await bed.restartAs("2.14.3");
  const applied = await untilApplied(daemon, blocking, WAIT);
  assert.equal(applied.meshes.find((m) => m.name === "edge")?.state, "in-sync");
  assert.equal(await idleTimeoutOnCp(bed, T1), "2m0s");
  const rechecked = await waitFor(
    "the check after the upgrade",
    () => daemon.lines.slice(linesBefore).filter((l) => l.includes('"event":"write.rechecked"')).map((l) => JSON.parse(l) as LogEntry)[0],
    WAIT,
  );
  // The upgrade's run writes 2m over the late 1m: the write back the check waited for, counted as one (as a resumed
  // mesh's is), not a write of the revision's own; no further check is needed for it.
  assert.deepEqual([rechecked.revision, rechecked.checked, rechecked.rewritten, rechecked.left, rechecked.waiting, rechecked.gaveUp], [blocking, 1, [SUBJECT], 0, undefined, undefined]);
  const done = await untilStatus(daemon, "nothing left to check", (s) => (s.writes.recheckingCount === 0 && s.writes.waitingCount === 0 ? s.writes : undefined), WAIT);
  assert.deepEqual([done.rechecking, done.waiting, done.stayedUnknown, done.rewritten], [[], [], 0, 1]);
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^meshops_writes_rewritten_total 1$/m);
  // Two drift checks (every 2 s) later, no check was made after the write back: nothing was left to check.
  await waitFor("two drift checks after the write back", () => {
    const lines = daemon.lines.slice(linesBefore);
    const back = lines.findIndex((l) => l.includes('"event":"write.rechecked"'));
    return lines.slice(back + 1).filter((l) => l.includes('"event":"reconcile.done"') && l.includes('"kind":"drift"')).length >= 2 ? true : undefined;
  }, WAIT);
  assert.equal(daemon.lines.slice(linesBefore).filter((l) => l.includes('"event":"write.rechecked"')).length, 1, "no check after the write back");
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
