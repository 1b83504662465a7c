/**
 * With prune off, the daemon says per mesh what it owns that the repository no longer has (what prune on would
 * delete), as Argo CD says "OutOfSync, requires pruning": on `/api/status` (a count and the first names) and in one log
 * line per mesh when that set changes, not at every run. The same resources `meshops plan` names; one carrying the
 * prune opt-out is never named (drift still calls it orphaned).
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import type { MeshStatus, StatusJson } from "../src/daemon/statusTypes.js";
import { commitFiles, git } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-prunable");
let daemon: DaemonProcess;

const timeout = (name: string, idle: string, labels?: Record<string, string>) =>
  stringify({ type: "MeshTimeout", mesh: "shop", name, ...(labels ? { labels } : {}), spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: idle } }] } });

const shopOf = (status: StatusJson): MeshStatus => {
  const shop = status.meshes.find((m) => m.name === "shop");
  assert.ok(shop, JSON.stringify(status.meshes.map((m) => m.name)));
  return shop;
};

/** The mesh.prunable log lines so far. */
const prunableLines = () =>
  daemon.lines
    .map((line) => JSON.parse(line) as { event?: string; mesh?: string; count?: number; resources?: string[]; msg?: string })
    .filter((entry) => entry.event === "mesh.prunable");

/** What `meshops plan` (prune off) names as prunable for the repository's HEAD. */
async function planPrunable(): Promise<string[]> {
  const planned = await runCli(["plan", "--cp-url", bed.server.url, "--format", "json"], bed.repo.dir);
  assert.equal(planned.code, 0, planned.stderr);
  return ((JSON.parse(planned.stdout) as { prunable?: { resource: string }[] }).prunable ?? []).map((p) => p.resource);
}

before(async () => {
  await bed.open();
  commitFiles(
    bed.repo.dir,
    {
      "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, defaults: { materialize: false } }),
      "meshes/shop.yaml": stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] }),
      "policies/stays.yaml": timeout("stays", "1m"),
      "policies/gone-a.yaml": timeout("gone-a", "2m"),
      "policies/gone-b.yaml": timeout("gone-b", "3m"),
      "policies/pinned.yaml": timeout("pinned", "4m", { "meshops.io/prune": "disabled" }),
    },
    "shop",
  );
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: bed.work });
});

test("with prune off, the status and one log line per change name per mesh the owned resources prune would delete", async () => {
  const first = await untilApplied(daemon, git(bed.repo.dir, "rev-parse", "HEAD"));
  assert.deepEqual(shopOf(first).prunable, { count: 0, resources: [] });
  assert.deepEqual(prunableLines(), []);

  const removed = commitFiles(bed.repo.dir, { "policies/gone-a.yaml": "", "policies/gone-b.yaml": "", "policies/pinned.yaml": "" }, "drop gone-a, gone-b and pinned");
  const after = await untilApplied(daemon, removed);
  const expected = await planPrunable();
  assert.deepEqual([...expected].sort(), ["MeshTimeout/shop/gone-a", "MeshTimeout/shop/gone-b"]);
  assert.deepEqual(shopOf(after).prunable, { count: 2, resources: expected });
  // Not deleted: prune is off. The opt-out one is orphaned drift, never prunable.
  assert.equal((await bed.cp("/meshes/shop/meshtimeouts/gone-a")).status, 200);
  assert.ok(shopOf(after).drift?.items.some((i) => i.kind === "orphaned" && i.resource === "MeshTimeout/shop/pinned"));
  const lines = await daemon.untilLog("the prunable line", (entry) => entry.event === "mesh.prunable").then(() => prunableLines());
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.equal(lines[0]?.mesh, "shop");
  assert.equal(lines[0]?.count, 2);
  assert.deepEqual(lines[0]?.resources, expected);
  assert.match(lines[0]?.msg ?? "", /^mesh shop: 2 resources meshops owns are no longer in the repository: MeshTimeout\/shop\/gone-[ab], MeshTimeout\/shop\/gone-[ab]; meshops.yaml's prune.enabled deletes them$/);

  // Another commit that leaves the set as it is (an incremental plan): the status keeps it, the log says nothing more.
  const edited = commitFiles(bed.repo.dir, { "policies/stays.yaml": timeout("stays", "5m") }, "edit stays");
  assert.deepEqual(shopOf(await untilApplied(daemon, edited)).prunable, { count: 2, resources: expected });
  assert.equal(prunableLines().length, 1);

  // gone-b back in the repository: one left, said once more; then none, said too.
  const back = commitFiles(bed.repo.dir, { "policies/gone-b.yaml": timeout("gone-b", "3m") }, "gone-b back");
  assert.deepEqual(shopOf(await untilApplied(daemon, back)).prunable, { count: 1, resources: ["MeshTimeout/shop/gone-a"] });
  await daemon.untilLog("the second prunable line", (entry) => entry.event === "mesh.prunable" && entry.count === 1);
  const all = commitFiles(bed.repo.dir, { "policies/gone-a.yaml": timeout("gone-a", "2m") }, "gone-a back");
  assert.deepEqual(shopOf(await untilApplied(daemon, all)).prunable, { count: 0, resources: [] });
  const last = await daemon.untilLog("the prunable line that says none is left", (entry) => entry.event === "mesh.prunable" && entry.count === 0);
  assert.equal(last.msg, "mesh shop: no resource meshops owns is out of the repository any more");
  assert.equal(prunableLines().length, 3);
});
