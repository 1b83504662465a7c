/**
 * `watch` (no --mode) while the control plane behind its URL is replaced by one on Kubernetes, whose API is
 * read-only, and then by a Universal one again: the daemon finds each out at the next comparison, as it finds an
 * upgrade. While read-only it compares and reports instead of sending writes the API refuses (405) and calling the
 * meshes failed; writable again, it applies the revision it could only compare, without waiting for a new commit.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, idleTimeoutOnCp, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const bed = daemonTestBed("meshops-daemon-to-kubernetes");
let daemon: DaemonProcess;
let head: string;
let kubernetes: { store: ControlPlaneStore; server: ControlPlaneServer } | undefined;

before(async () => {
  await bed.open();
  head = commitFiles(bed.repo.dir, {
    "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n",
    "shop/mesh.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n",
    "shop/timeout.yaml": meshTimeoutFlowYaml("t", "shop", "20s"),
  });
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "500ms"], { cwd: bed.work });
});

after(async () => {
  await kubernetes?.server.close().catch(() => undefined);
  await kubernetes?.store.close();
});

test("a control plane replaced by one on Kubernetes at the same URL is found read-only at the next drift check, and writable again when it comes back", async () => {
  await untilApplied(daemon, head);
  assert.equal((await daemon.status()).controlPlane.readOnly, false);

  const port = Number(new URL(bed.server.url).port);
  await bed.server.close();
  const store = await openStore({ stateDir: path.join(bed.work, "k8s-cp"), environment: "kubernetes", skipMeshCreation: true });
  kubernetes = { store, server: await startControlPlaneServer({ store, port }) };
  const linesBefore = daemon.lines.length;

  // Found read-only, then compared: the mesh applied to the old control plane differs from the new one's (nothing).
  await untilStatus(daemon, "the control plane found read-only and compared", (s) => (s.controlPlane.readOnly && s.meshes[0]?.drift?.summary.missing ? s : undefined), 20_000);
  const said = await daemon.untilLog("the read-only control plane said", (e) => e.event === "cp.read-only" && e.readOnly === true);
  assert.match(String(said.msg), /nothing is written/);
  assert.match(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_control_plane_read_only 1$/m);

  // A commit meanwhile is compared, not written: the mesh waits for Kubernetes to catch up, it has not failed.
  const next = commitFiles(bed.repo.dir, { "shop/timeout.yaml": meshTimeoutFlowYaml("t", "shop", "30s") });
  const compared = await untilStatus(daemon, "the new commit compared", (s) => (s.revision.attempted?.commit === next && s.running === null ? s : undefined), 20_000);
  assert.deepEqual(
    compared.meshes.map((m) => [m.name, m.state]),
    [["shop", "behind"]],
  );
  const whileReadOnly = daemon.lines.slice(linesBefore);
  assert.ok(!whileReadOnly.some((l) => /"event":"(change\.failed|change\.applied)"/.test(l)), `nothing is written to the read-only API:\n${whileReadOnly.join("\n")}`);

  // The Universal control plane back at the URL: the commit only compared so far is applied, no newer commit needed.
  await kubernetes.server.close();
  await bed.restartServer();
  await untilApplied(daemon, next, 20_000);
  assert.equal(await idleTimeoutOnCp(bed, "/meshes/shop/meshtimeouts/t"), "30s");
  const back = await daemon.untilLog("the writable control plane said", (e) => e.event === "cp.read-only" && e.readOnly === false);
  assert.match(String(back.msg), /writable again/);
  assert.equal((await daemon.status()).controlPlane.readOnly, false);
});
