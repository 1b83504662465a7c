/**
 * The control plane failing in the middle of an apply (5xx on one resource's writes, past the client's retries), then
 * answering again: the run fails naming that resource, the other writes stand, the daemon retries on its own with
 * backoff, and the retry writes only what is still missing (nothing twice).
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process (its fault
 * hook answers 500 to the writes of one resource while `failing` is set, and counts every write).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

let failing = false;
/** While set, every request is answered this many milliseconds late (after the daemon's --request-timeout). */
let slowMs = 0;
const writes = new Map<string, number>();
const bed = daemonTestBed("meshops-cpfaults", {
  faults: async (req) => {
    if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
    if (req.method !== "PUT" && req.method !== "DELETE") return undefined;
    const url = req.url ?? "";
    if (failing && url.endsWith("/meshtimeouts/t3")) return 500;
    writes.set(url, (writes.get(url) ?? 0) + 1);
    return undefined;
  },
});
const { repo, work } = bed;
let daemon: DaemonProcess;
/**
 * Long enough that no write of the first test times out on a loaded machine (a retried PUT would count twice), short
 * enough that the slow control plane of the second fails a run in seconds (SLOW_MS is well past it).
 */
const REQUEST_TIMEOUT = "2s";
const SLOW_MS = 5_000;

const timeout = (name: string, idleTimeout: string) => meshTimeoutYaml(name, "shop", idleTimeout);
const NAMES = ["t1", "t2", "t3", "t4", "t5"];
const all = (idleTimeout: string) => Object.fromEntries(NAMES.map((name) => [`meshes/shop/${name}.yaml`, timeout(name, idleTimeout)]));

before(async () => {
  await bed.open();
  commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", ...all("1m") }, "shop");
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--request-timeout", REQUEST_TIMEOUT], { cwd: work });
});

test("500s on one resource mid-apply: the run fails naming it, the rest stands, the retry writes only what is missing", async () => {
  const first = await untilStatus(daemon, "the first sync", (s) => s.revision.applied?.commit ?? undefined);
  failing = true;
  writes.clear();
  const change = commitFiles(repo.dir, all("2m"), "2m everywhere");
  const failed = await untilStatus(daemon, "shop failed", (s) => (s.meshes.find((m) => m.name === "shop")?.state === "failed" ? s : undefined), 30_000);
  assert.match(failed.meshes.find((m) => m.name === "shop")?.reason ?? "", /MeshTimeout\/shop\/t3/);
  assert.equal(failed.revision.applied?.commit, first, "not applied completely");
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_mesh_state\{mesh="shop",state="failed"\} 1$/m);
  await daemon.untilLog("the failed write in the log", (e) => e.event === "change.failed" && e.resource === "MeshTimeout/shop/t3");
  for (const name of ["t1", "t2", "t4", "t5"]) assert.equal(writes.get(`/meshes/shop/meshtimeouts/${name}`), 1, `${name} written once`);

  failing = false;
  await untilApplied(daemon, change, 30_000);
  assert.deepEqual(
    NAMES.map((name) => writes.get(`/meshes/shop/meshtimeouts/${name}`)),
    [1, 1, 1, 1, 1],
    "each written once in all: the retry wrote only t3",
  );
});

test("a control plane slower than --request-timeout: the run fails saying so, the meshes are unknown, and once it answers in time the commit is applied", async () => {
  slowMs = SLOW_MS;
  const change = commitFiles(repo.dir, all("3m"), "3m everywhere");
  const unknown = await untilStatus(daemon, "shop unknown", (s) => (s.meshes.find((m) => m.name === "shop")?.state === "unknown" ? s : undefined), 30_000);
  assert.match(unknown.reconciles[0]?.error ?? "", /time/i);
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_mesh_state\{mesh="shop",state="unknown"\} 1$/m);
  slowMs = 0;
  const applied = await untilApplied(daemon, change, 60_000);
  assert.equal(applied.meshes.find((m) => m.name === "shop")?.state, "in-sync");
  for (const name of NAMES) {
    const object = (await (await bed.cp(`/meshes/shop/meshtimeouts/${name}`)).json()) as { spec: { to: { default: { idleTimeout: string } }[] } };
    assert.equal(object.spec.to[0]?.default.idleTimeout, "3m0s", name);
  }
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
