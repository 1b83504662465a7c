/**
 * `watch` while the control plane is upgraded in place between two drift checks: the version it found at the start is
 * one line, the upgrade one more, and one line when the version-mismatch warning it gave at the start no longer holds;
 * each once, not at every check after.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const bed = daemonTestBed("meshops-daemon-cp-version", { version: "2.11.4" });
let daemon: DaemonProcess;
let head: string;

before(async () => {
  await bed.open();
  head = commitFiles(bed.repo.dir, {
    "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n',
    "shop/mesh.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n",
    "shop/timeout.yaml": meshTimeoutFlowYaml("t", "shop", "20s"),
  });
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1s"], { cwd: bed.work });
});

test("an in-place upgrade of the control plane is logged once, and so is the version-mismatch warning clearing", async () => {
  await untilApplied(daemon, head);
  const first = await daemon.untilLog("the version found at the start", (e) => e.event === "cp.version");
  assert.deepEqual([first.level, first.msg, first.product, first.version, first.previous], ["info", "the control plane is Kuma 2.11.4", "Kuma", "2.11.4", undefined]);
  const mismatch = await daemon.untilLog("the mismatch warning", (e) => e.event === "cp.target-mismatch");
  assert.match(String(mismatch.msg), /runs Kuma 2\.11\.4, but meshops\.yaml says controlPlane\.version 2\.14\.3/);

  await bed.restartAs("2.14.3");
  const changed = await daemon.untilLog("the new version in the log", (e) => e.event === "cp.version" && e.previous !== undefined, 20_000);
  assert.deepEqual([changed.level, changed.msg, changed.product, changed.version, changed.previous], ["info", "the control plane is now Kuma 2.14.3, was Kuma 2.11.4", "Kuma", "2.14.3", "Kuma 2.11.4"]);
  const cleared = await daemon.untilLog("the warning cleared", (e) => e.event === "cp.target-mismatch.cleared");
  assert.deepEqual([cleared.level, cleared.msg], ["info", `no longer so: ${String(mismatch.msg)}`]);

  // Two more drift checks (not a fixed time, which a loaded machine may fill with none): nothing said again.
  const driftRuns = (e: { event?: unknown; kind?: unknown }) => e.event === "reconcile.done" && e.kind === "drift";
  const seenBefore = daemon.lines.filter((l) => l.startsWith("{") && driftRuns(JSON.parse(l) as { event?: unknown })).length;
  let seen = 0;
  await daemon.untilLog("two drift checks after the upgrade", (e) => driftRuns(e) && ++seen >= seenBefore + 2, 30_000);
  const said = (event: string) => daemon.lines.filter((l) => l.includes(`"event":"${event}"`)).length;
  assert.deepEqual([said("cp.version"), said("cp.target-mismatch"), said("cp.target-mismatch.cleared")], [2, 1, 1]);
});
