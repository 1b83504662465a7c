/**
 * A proxy in front of the control plane (a load balancer, an ingress) that answers 502 or 504 to a write it passed
 * on: the write landed, the daemon never learns it did. `watch` counts it as a write of unknown outcome (it may land
 * again later, over a newer write) and starts the checks after it, as for a timeout (daemon.lateWrite.test.ts).
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process behind
 * a real HTTP reverse proxy on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, idleTimeoutOnCp, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { commitFiles } from "./helpers/git.js";
import { startReverseProxy, type ReverseProxy } from "./helpers/proxy.js";

const T1 = "/meshes/shop/meshtimeouts/t1";
const bed = daemonTestBed("meshops-gatewaywrite");
const { repo, work } = bed;
/** Set: the next PUT of t1 is passed on, and answered this status instead of the control plane's answer. */
let gatewayFailure: number | undefined;
let proxy: ReverseProxy;
let daemon: DaemonProcess;

const timeout = (idleTimeout: string) => meshTimeoutYaml("t1", "shop", idleTimeout);

before(async () => {
  await bed.open();
  proxy = await startReverseProxy(bed.server.url, (req) => {
    if (req.method !== "PUT" || req.url !== T1 || gatewayFailure === undefined) return undefined;
    const status = gatewayFailure;
    gatewayFailure = undefined;
    return status;
  });
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", "meshes/shop/t1.yaml": timeout("1m") }, "shop");
  // A request timeout long enough that no write times out on a loaded machine: the gateway's answers are the only unknowns.
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", proxy.url, "--drift-interval", "1h", "--request-timeout", "3s"], { cwd: work });
});
after(async () => {
  await proxy?.close();
});

for (const [status, idleTimeout] of [[502, "2m"], [504, "3m"]] as const) {
  test(`a write the proxy answered ${status} after passing it on landed, unknown to the daemon: it is said to be of unknown outcome and the checks after it begin`, async () => {
    await untilStatus(daemon, "the first sync", (s) => s.revision.applied?.commit ?? undefined);
    const before = (await daemon.status()).writes.outcomeUnknown;
    const passedBefore = proxy.passed.length;
    gatewayFailure = status;
    const commit = commitFiles(repo.dir, { "meshes/shop/t1.yaml": timeout(idleTimeout) }, idleTimeout);
    await untilApplied(daemon, commit, 30_000);
    assert.equal(gatewayFailure, undefined, "the proxy answered the write with the gateway failure");
    const puts = proxy.passed.slice(passedBefore).filter((p) => p.method === "PUT" && p.path === T1);
    assert.deepEqual(puts.map((p) => [p.upstream, p.answered]), [[200, status], [200, 200]], "passed on and applied, answered the failure; the retry applied again");
    assert.equal(await idleTimeoutOnCp(bed, T1), `${idleTimeout}0s`);

    const unknown = await daemon.untilLog(`the write answered ${status} in the log`, (e) => e.event === "write.outcome-unknown" && e.revision === commit);
    assert.deepEqual(unknown.resources, ["MeshTimeout/shop/t1"]);
    const writes = (await daemon.status()).writes;
    assert.equal(writes.outcomeUnknown, before + 1);
    assert.deepEqual([writes.recheckingCount, writes.rechecking], [1, ["MeshTimeout/shop/t1"]]);
    // The first check comes 2 request timeouts later: the control plane holds the commit, nothing is written again.
    const checked = await daemon.untilLog("the first check", (e) => e.event === "write.rechecked" && e.revision === commit, 60_000);
    assert.deepEqual([checked.checked, checked.rewritten, checked.left], [1, [], 3]);
  });
}

test("stops cleanly", async () => {
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
