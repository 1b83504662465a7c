/**
 * The followed branch's history as people rewrite it, with `meshops watch` running: a commit that makes the whole
 * repository invalid, then a force-push that moves the branch back to the commit before it, then a fix on top. At each
 * step /api/status, /metrics, the log and the control plane must agree, and nothing of the invalid commit is applied.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { StatusJson } from "../src/daemon/statusTypes.js";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const bed = daemonTestBed("meshops-history");
const { repo, work } = bed;
let daemon: DaemonProcess;

const CONFIG = "controlPlane:\n  skipDefaultMeshCreation: true\n";
const timeout = (idleTimeout: string) => meshTimeoutYaml("t", "shop", idleTimeout);
const idleTimeout = async () => ((await (await bed.cp("/meshes/shop/meshtimeouts/t")).json()) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout;
const shop = (s: StatusJson) => s.meshes.find((m) => m.name === "shop");
const metric = async (line: string) => (await (await fetch(`${daemon.url}/metrics`)).text()).split("\n").find((l) => l.startsWith(line));

before(async () => {
  await bed.open();
  commitFiles(repo.dir, { "meshops.yaml": CONFIG, "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", "meshes/shop/t.yaml": timeout("1m") }, "shop");
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: work });
});

test("an invalid commit, the branch force-pushed back over it, then a fix: the status, the metrics and the control plane agree at each step", async () => {
  const good = commitFiles(repo.dir, { "meshes/shop/t.yaml": timeout("2m") }, "2m");
  await untilApplied(daemon, good);

  const broken = commitFiles(repo.dir, { "meshops.yaml": "controlPlane: [\n", "meshes/shop/t.yaml": timeout("3m") }, "broken meshops.yaml");
  const invalid = await untilStatus(daemon, "the broken commit refused", (s) => (s.validation?.revision === broken && shop(s)?.state === "invalid" ? s : undefined));
  assert.deepEqual([invalid.revision.head, invalid.revision.applied?.commit, invalid.validation?.valid], [broken, good, false]);
  assert.equal(await idleTimeout(), "2m0s", "nothing of the invalid commit applied");
  assert.equal(await metric('meshops_mesh_state{mesh="shop",state="invalid"}'), 'meshops_mesh_state{mesh="shop",state="invalid"} 1');

  // Force-pushed back to the commit before it: the branch moves backwards, onto a revision already applied.
  git(repo.dir, "reset", "-q", "--hard", good);
  const back = await untilStatus(daemon, "the branch back at the good commit", (s) => (s.revision.head === good && s.validation?.revision === good && s.state === "idle" ? s : undefined));
  assert.deepEqual([back.validation?.valid, back.revision.applied?.commit, shop(back)?.state, shop(back)?.appliedRevision], [true, good, "in-sync", good]);
  assert.equal(back.sourceProblem, null);
  assert.equal(await metric('meshops_mesh_state{mesh="shop",state="in-sync"}'), 'meshops_mesh_state{mesh="shop",state="in-sync"} 1');
  assert.equal(await metric("meshops_mesh_head_applied"), 'meshops_mesh_head_applied{mesh="shop"} 1');
  await daemon.untilLog("the force-push in the log", (e) => e.event === "source.rewritten" && e.previous === broken && e.revision === good);
  assert.equal(await idleTimeout(), "2m0s");

  // A fix on top of it.
  const fixed = commitFiles(repo.dir, { "meshops.yaml": CONFIG, "meshes/shop/t.yaml": timeout("4m") }, "4m");
  const applied = await untilApplied(daemon, fixed);
  assert.deepEqual([shop(applied)?.state, applied.validation?.valid], ["in-sync", true]);
  assert.equal(await idleTimeout(), "4m0s");
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
