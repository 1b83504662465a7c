/**
 * A write whose answer never came (past --request-timeout) may still land, later: Kuma's PUT has no version check, so
 * an older value landing after a newer commit's write of the same resource replaces it. The control plane's fault
 * hook holds the first PUT of MeshTimeout t1 past the daemon's timeout (its retry answers at once) and lets it go
 * only after the next commit was applied: the old value lands last. The daemon, told the write's outcome was unknown,
 * reads the control plane again a few times (bounded) and writes the desired value back, saying so.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { exitWithin, startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, idleTimeoutOnCp, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { commitFiles } from "./helpers/git.js";

const T1 = "/meshes/shop/meshtimeouts/t1";
/** Set: the next PUT of t1 is held until `release` is called (or 20 s pass: bounded whatever the test does). */
let holdNext = false;
let held: Promise<void> | undefined;
let release: () => void = () => undefined;
const bed = daemonTestBed("meshops-latewrite", {
  faults: async (req) => {
    if (req.method !== "PUT" || req.url !== T1 || !holdNext) return undefined;
    holdNext = false;
    // The body is read here, as the control plane's handler would: the daemon gives up on this request long before
    // it is let go, and what lands then is this body, sent on to the control plane as it was.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    held = new Promise<void>((resolve) => {
      release = resolve;
      setTimeout(resolve, 20_000).unref();
    });
    await held;
    await bed.cp(T1, { method: "PUT", body: Buffer.concat(chunks).toString() });
    return "drop";
  },
});
const { repo, work } = bed;
let daemon: DaemonProcess;

const timeout = (idleTimeout: string) => meshTimeoutYaml("t1", "shop", idleTimeout);

before(async () => {
  await bed.open();
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", "meshes/shop/t1.yaml": timeout("1m") }, "shop");
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--request-timeout", "400ms"], { cwd: work });
});

test("a timed-out write that lands after a newer commit's write: the daemon reads the control plane again and writes the newer value back", async () => {
  await untilStatus(daemon, "the first sync", (s) => s.revision.applied?.commit ?? undefined);
  holdNext = true;
  const older = commitFiles(repo.dir, { "meshes/shop/t1.yaml": timeout("2m") }, "2m");
  await untilApplied(daemon, older, 30_000);
  assert.ok(held, "the first PUT of 2m was held past the timeout (its retry applied the commit)");
  const newer = commitFiles(repo.dir, { "meshes/shop/t1.yaml": timeout("3m") }, "3m");
  await untilApplied(daemon, newer, 30_000);
  release();
  await waitFor("the held PUT of 2m to land after 3m", async () => ((await idleTimeoutOnCp(bed, T1)) === "2m0s" ? true : undefined), 10_000);

  await waitFor("3m written back", async () => ((await idleTimeoutOnCp(bed, T1)) === "3m0s" ? true : undefined), 30_000);
  // On a loaded machine another write may miss the 400 ms too: the one held is looked for, and counted at least once.
  const unknown = await daemon.untilLog("the unknown outcome in the log", (e) => e.event === "write.outcome-unknown" && Array.isArray(e.resources) && e.resources.includes("MeshTimeout/shop/t1"));
  assert.equal(unknown.revision, older);
  const rewritten = await daemon.untilLog("the rewrite in the log", (e) => e.event === "write.rechecked" && Array.isArray(e.rewritten) && e.rewritten.length > 0);
  assert.deepEqual([rewritten.revision, rewritten.rewritten], [newer, ["MeshTimeout/shop/t1"]]);
  const status = await untilStatus(daemon, "shop in sync at 3m", (s) => (s.meshes.find((m) => m.name === "shop")?.state === "in-sync" && s.revision.applied?.commit === newer ? s : undefined));
  assert.ok(status.writes.outcomeUnknown >= 1, "the status counts the write of unknown outcome");
  assert.equal(status.writes.rewritten, 1, "the status counts the one written again");
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.equal(Number(/^meshops_writes_outcome_unknown_total (\d+)$/m.exec(metrics)?.[1]), status.writes.outcomeUnknown);
  assert.match(metrics, /^meshops_writes_rewritten_total 1$/m);
  // Bounded: the checks stop after the last one (60 timeouts: 24 s here, and as long again if a loaded machine leaves
  // another write unanswered, which starts the count anew), and the status says none is due.
  const done = await daemon.untilLog("the last check", (e) => e.event === "write.rechecked" && e.left === 0, 90_000);
  assert.deepEqual(done.rewritten, []);
  assert.deepEqual((await daemon.status()).writes.rechecking, []);
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
