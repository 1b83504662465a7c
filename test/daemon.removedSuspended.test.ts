/**
 * A mesh suspended through the API, then removed from the repository (its files deleted, its Mesh with them), with
 * prune on: as a suspended Flux Kustomization prunes nothing and says it is suspended, nothing of it is deleted, and
 * the mesh.removed log line and /api/status's removedMeshes say that it is suspended and what meshops owns there
 * stays until it is resumed. Resumed, it is pruned as an unsuspended removed mesh is: deleting its Mesh is a mass
 * change, held for approval, then deleted once approved.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP in this process.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { meshTimeoutYaml } from "./helpers/policies.js";
import { commitFiles, git } from "./helpers/git.js";
import { shortRevision } from "../src/model/revision.js";

const RECONCILE_TOKEN = "reconcile-token-removed-suspended-5c2e";
const bed = daemonTestBed("meshops-removedsuspended");
const { repo, work } = bed;
let daemon: DaemonProcess;
let first: string;

const post = (action: string, body: unknown = {}) =>
  fetch(`${daemon.url}/api/meshes/shop/${action}`, { method: "POST", headers: { authorization: `Bearer ${RECONCILE_TOKEN}` }, body: JSON.stringify(body) });
const meshOnCp = async () => (await bed.cp("/meshes/shop")).status;

before(async () => {
  await bed.open();
  const tokenFile = bed.secretFile("reconcile-token", RECONCILE_TOKEN);
  first = commitFiles(
    repo.dir,
    {
      "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\nprune:\n  enabled: true\n",
      "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n",
      "meshes/shop/t1.yaml": meshTimeoutYaml("t1", "shop", "1m"),
      "meshes/other/mesh.yaml": "type: Mesh\nname: other\nskipCreatingInitialPolicies: ['*']\n",
    },
    "shop and other",
  );
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--reconcile-token-file", tokenFile], { cwd: work });
});

test("a suspended mesh removed from the repository keeps what meshops owns there and says so; resumed, it is pruned once approved", async () => {
  await untilApplied(daemon, first, 30_000);
  assert.equal((await post("suspend")).status, 202);
  await untilStatus(daemon, "shop suspended", (s) => (s.meshes.find((m) => m.name === "shop")?.state === "suspended" ? true : undefined));

  git(repo.dir, "rm", "-q", "-r", "meshes/shop");
  git(repo.dir, "commit", "-q", "-m", "shop leaves the repository");
  const removal = git(repo.dir, "rev-parse", "HEAD");
  const line = await daemon.untilLog("mesh.removed", (e) => e.event === "mesh.removed", 30_000);
  const kept = "the mesh is suspended (through the API): what meshops owns there stays on the control plane until it is resumed";
  assert.deepEqual([line.mesh, line.revision, line.prune, line.suspended], ["shop", removal, true, "api"]);
  assert.equal(
    line.msg,
    `mesh shop has no resource left in the repository at revision ${shortRevision(removal)}: ${kept}, then is to be deleted (prune is on), once approved where that is a mass change (deleting a Mesh, or all of a mesh's policies)`,
  );
  const suspended = await untilStatus(daemon, "the removal on the status", (s) => (s.revision.head === removal && s.removedMeshes.length === 1 && !s.running ? s : undefined), 30_000);
  const [entry] = suspended.removedMeshes;
  assert.deepEqual([entry?.mesh, entry?.prune, entry?.suspended], ["shop", true, "api"]);
  assert.ok(entry?.fate.startsWith(kept), entry?.fate);
  const card = suspended.meshes.find((m) => m.name === "shop");
  assert.deepEqual([card?.state, card?.approval ?? null], ["suspended", null], "suspended: nothing planned for shop is held or written");
  assert.equal(await meshOnCp(), 200, "the suspended mesh's Mesh stays");
  assert.equal((await bed.cp("/meshes/shop/meshtimeouts/t1")).status, 200, "and its policy");
  assert.equal(daemon.lines.some((l) => l.includes('"event":"approval.required"')), false, "no approval asked while suspended");

  // Resumed: the deletes are planned as for a mesh never suspended; deleting a Mesh waits for a person.
  assert.equal((await post("resume")).status, 202);
  const held = await untilStatus(daemon, "shop held for approval", (s) => {
    const m = s.meshes.find((x) => x.name === "shop");
    return m?.state === "awaiting-approval" ? s : undefined;
  }, 30_000);
  const resumed = held.removedMeshes[0];
  assert.deepEqual([resumed?.suspended, resumed?.fate], [null, "what meshops owns there is to be deleted (prune is on), once approved where that is a mass change (deleting a Mesh, or all of a mesh's policies)"]);
  assert.equal(await meshOnCp(), 200, "held: still there");
  const plan = held.meshes.find((m) => m.name === "shop")?.approval?.plan;
  assert.equal((await post("approve", { revision: removal, plan })).status, 202);
  await untilStatus(daemon, "shop pruned", (s) => (!s.meshes.some((m) => m.name === "shop") ? true : undefined), 30_000);
  assert.equal(await meshOnCp(), 404, "approved: the Mesh is deleted");
  assert.equal((await bed.cp("/meshes/other")).status, 200, "the other mesh is left alone");
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0, daemon.stderr());
});
