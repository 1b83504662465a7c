/**
 * A mesh invalid when the daemon starts, of which it has no valid revision yet (gate.ts `unplannable`), is not
 * compared: its live resources are not "orphaned" drift. Before, the status, the `drift.detected` log lines and
 * `meshops_drift_items` said every resource of it was orphaned (meshops' own, written by an earlier `apply`), while
 * `meshops drift` refuses the invalid repository and the resources are in it. Once the mesh is valid again, it is
 * planned in full: what the fixed commit no longer has is pruned.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-unplannable");
let daemon: DaemonProcess;

const timeout = (mesh: string, name: string, connectionTimeout: string) =>
  stringify({ type: "MeshTimeout", mesh, name, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { connectionTimeout } }] } });
const meshFile = (name: string) => stringify({ type: "Mesh", name, skipCreatingInitialPolicies: ["*"] });

before(async () => {
  await bed.open();
  const config = stringify({ controlPlane: { skipDefaultMeshCreation: true }, defaults: { materialize: false }, prune: { enabled: true, maxDeletes: 10, maxDeletePercent: 100 } });
  commitFiles(bed.repo.dir, {
    "meshops.yaml": config,
    "shop/mesh.yaml": meshFile("shop"),
    "shop/t1.yaml": timeout("shop", "t1", "5s"),
    "shop/t2.yaml": timeout("shop", "t2", "5s"),
    "blog/mesh.yaml": meshFile("blog"),
  });
  const applied = await runCli(["apply", "--cp-url", bed.server.url], bed.repo.dir);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  // The branch then breaks shop: the daemon starts on it and has no valid revision of shop.
  commitFiles(bed.repo.dir, { "shop/t1.yaml": timeout("shop", "t1", "5 seconds") }, "break shop");
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: bed.work });
});

test("a mesh invalid since before the daemon started is not compared: no orphaned drift on the status, the metrics or the log; fixed, it is planned whole", async () => {
  const status = await untilStatus(daemon, "the first run done, shop invalid", (s) => (s.reconciles.length > 0 && s.meshes.find((m) => m.name === "shop")?.state === "invalid" ? s : undefined));
  const shop = status.meshes.find((m) => m.name === "shop");
  assert.match(shop?.reason ?? "", /shop\/t1\.yaml:\d+:\d+: MeshTimeout\/shop\/t1 spec\.to\[0\]\.default\.connectionTimeout/);
  assert.deepEqual(shop?.drift?.items ?? [], [], "nothing of shop is compared");
  assert.equal(status.meshes.find((m) => m.name === "blog")?.state, "in-sync");
  assert.equal(status.reconciles[0]?.summary.drift, 0);
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.doesNotMatch(metrics, /^meshops_drift_items\{mesh="shop",kind="orphaned"\} [1-9]/m);
  assert.ok(!daemon.lines.some((l) => l.includes('"drift.detected"') && l.includes("/shop/")), daemon.lines.filter((l) => l.includes("drift.detected")).join("\n"));
  // The resources are still there (an invalid mesh is never written to).
  assert.equal((await bed.cp("/meshes/shop/meshtimeouts/t1")).status, 200);

  // Fixed, and t2 dropped: shop is planned whole, t1 updated and t2 pruned; the CLI finds nothing left.
  const fixed = commitFiles(bed.repo.dir, { "shop/t1.yaml": timeout("shop", "t1", "6s"), "shop/t2.yaml": "" }, "fix shop, drop t2");
  const after = await untilApplied(daemon, fixed);
  assert.equal(after.meshes.find((m) => m.name === "shop")?.state, "in-sync");
  assert.equal((await bed.cp("/meshes/shop/meshtimeouts/t2")).status, 404);
  const t1 = (await (await bed.cp("/meshes/shop/meshtimeouts/t1")).json()) as { spec: { to: { default: { connectionTimeout: string } }[] } };
  assert.equal(t1.spec.to[0]?.default.connectionTimeout, "6s");
  const planned = await runCli(["plan", "--prune", "--cp-url", bed.server.url], bed.repo.dir);
  assert.equal(planned.code, 0, planned.stdout + planned.stderr);
});
