/**
 * `watch` against a control plane of an older Kuma line than the repository was written for: a mesh whose plan writes
 * what that control plane lacks (a kind GET /_resources does not list) is held before anything of it is written, as
 * `apply` refuses such a plan (test/apply.olderControlPlane.test.ts), instead of writing its Mesh and failing at the
 * first refusal, half-applied. The mesh is `blocked` (reason `control-plane-lacks`), with the file, line and field, on
 * the status, the metrics and the log alike; the other meshes go on; a commit without it, the control plane upgraded, or the Mesh it lacked created there lifts it.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const bed = daemonTestBed("meshops-daemon-lacks", { version: "2.11.4" });
let daemon: DaemonProcess;

const MESH = (name: string) => `type: Mesh\nname: ${name}\nskipCreatingInitialPolicies: ['*']\n`;
const TIMEOUT = (mesh: string) => meshTimeoutFlowYaml("t", mesh, "20s");
const TRUST =
  "type: MeshTrust\nname: trust\nmesh: edge\nspec:\n  caBundles:\n    - type: Pem\n      pem: {value: \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"}\n  trustDomain: edge.mesh.local\n";

async function names(apiPath: string): Promise<string[]> {
  const list = (await (await bed.cp(apiPath)).json()) as { items: { name: string }[] };
  return list.items.map((m) => m.name).sort();
}

before(async () => {
  await bed.open();
  commitFiles(bed.repo.dir, {
    "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n',
    "edge/mesh.yaml": MESH("edge"),
    "edge/policies.yaml": `${TIMEOUT("edge")}---\n${TRUST}`,
    "shop/mesh.yaml": MESH("shop"),
    "shop/timeout.yaml": TIMEOUT("shop"),
  });
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1s"], { cwd: bed.work });
});

test("a mesh writing a kind the control plane does not serve is held before its first write; the others apply; a commit or an upgrade lifts it", async () => {
  const reason = "edge/policies.yaml:10:1: MeshTrust/edge/trust type: the control plane (Kuma 2.11.4) does not serve MeshTrust (introduced in Kuma 2.12), so it would refuse it";
  const status = await untilStatus(daemon, "mesh edge held", (s) => {
    const edge = s.meshes.find((m) => m.name === "edge");
    const shop = s.meshes.find((m) => m.name === "shop");
    return edge?.state === "blocked" && shop?.state === "in-sync" ? s : undefined;
  });
  const held = status.meshes.find((m) => m.name === "edge") ?? assert.fail("mesh edge");
  // The control plane's warnings of the run say the kind once (the hold is the mesh's, not a warning).
  assert.deepEqual(
    status.controlPlane.warnings.filter((w) => w.includes("MeshTrust")),
    ["the control plane does not serve MeshTrust (introduced in Kuma 2.12; GET /_resources does not list it): 1 resource cannot be applied there: MeshTrust/edge/trust (edge/policies.yaml:10:1)"],
  );
  assert.ok(held.reason.includes(reason), held.reason);
  assert.match(held.reason, /nothing of it written/);
  assert.deepEqual(held.blocked, { reason: "control-plane-lacks", message: held.reason });
  assert.deepEqual(await names("/meshes"), ["shop"], "nothing of mesh edge was written, not even its Mesh");
  assert.ok(!daemon.lines.some((l) => l.includes('"change.failed"')), "no write was attempted and refused");
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^meshops_mesh_state\{mesh="edge",state="blocked"\} 1$/m);
  assert.match(metrics, /^meshops_mesh_blocked\{mesh="edge",reason="control-plane-lacks"\} 1$/m);
  assert.match(metrics, /^meshops_mesh_state\{mesh="shop",state="in-sync"\} 1$/m);
  assert.doesNotMatch(metrics, /^meshops_mesh_blocked\{mesh="shop"/m);
  const logged = await daemon.untilLog("the hold in the log", (e) => e.event === "mesh.blocked" && e.mesh === "edge");
  assert.equal(logged.reason, "control-plane-lacks");
  assert.ok(String(logged.msg).includes(reason), String(logged.msg));
  // The drift checks (every second) neither write it nor lift it while the control plane stays as it is: two of them
  // are waited for (not a fixed time, which a loaded machine may fill with none).
  const driftRuns = (e: { event?: unknown; kind?: unknown }) => e.event === "reconcile.done" && e.kind === "drift";
  const before = daemon.lines.filter((l) => l.startsWith("{") && driftRuns(JSON.parse(l) as { event?: unknown })).length;
  let seen = 0;
  await daemon.untilLog("two drift checks after the hold", (e) => driftRuns(e) && ++seen >= before + 2, 30_000);
  assert.deepEqual(await names("/meshes"), ["shop"]);
  assert.equal(daemon.lines.filter((l) => l.includes('"mesh.blocked"')).length, 1, "said once");

  // A commit without the MeshTrust: the mesh applies.
  const without = commitFiles(bed.repo.dir, { "edge/policies.yaml": TIMEOUT("edge") }, "drop the MeshTrust");
  assert.equal((await untilApplied(daemon, without)).meshes.find((m) => m.name === "edge")?.state, "in-sync");
  assert.deepEqual(await names("/meshes"), ["edge", "shop"]);

  // Back again: held again, the rest of the mesh as it was.
  const again = commitFiles(bed.repo.dir, { "edge/policies.yaml": `${TIMEOUT("edge")}---\n${TRUST}` }, "the MeshTrust again");
  await untilStatus(daemon, "mesh edge held again", (s) => (s.revision.head === again && s.meshes.find((m) => m.name === "edge")?.state === "blocked" ? true : undefined));

  // The control plane upgraded to 2.14 (same state, same port): the next drift check sees it, and the mesh applies.
  await bed.restartAs("2.14.3");
  assert.equal((await untilApplied(daemon, again, 20_000)).meshes.find((m) => m.name === "edge")?.state, "in-sync");
  assert.deepEqual(await names("/meshes/edge/meshtrusts"), ["trust"]);
});

test("a mesh of externalMeshes the control plane does not have is held until someone creates its Mesh there", async () => {
  const external = commitFiles(
    bed.repo.dir,
    { "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\nexternalMeshes: [legacy]\n', "legacy/timeout.yaml": TIMEOUT("legacy") },
    "a policy in a mesh defined elsewhere",
  );
  const held = await untilStatus(daemon, "mesh legacy held", (s) => (s.revision.head === external ? s.meshes.find((m) => m.name === "legacy" && m.state === "blocked") : undefined));
  assert.match(held.reason, /^1 resource holds what .*; first legacy\/timeout.yaml:3:1: MeshTimeout\/legacy\/t mesh: the control plane has no Mesh legacy/);
  assert.ok(!daemon.lines.some((l) => l.includes('"change.failed"')), "nothing was sent to be refused");

  // Created out of band, as externalMeshes says: the next drift check sees it, and the policy is applied.
  const put = await bed.cp("/meshes/legacy", { method: "PUT", body: JSON.stringify({ type: "Mesh", name: "legacy", skipCreatingInitialPolicies: ["*"] }) });
  assert.ok(put.ok, await put.text());
  assert.equal((await untilApplied(daemon, external, 20_000)).meshes.find((m) => m.name === "legacy")?.state, "in-sync");
  assert.deepEqual(await names("/meshes/legacy/meshtimeouts"), ["t"]);
});
