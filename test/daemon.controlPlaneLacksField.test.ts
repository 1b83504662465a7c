/**
 * `watch` against a control plane of an older Kuma line (2.10) than the repository was validated for (2.14): a commit
 * that gives a mesh a FIELD that line lacks (MeshTrafficPermission `rules`, introduced in 2.12) blocks that mesh,
 * whose Mesh the control plane has and whose last revision is applied. Nothing of the commit is written to it (not
 * even its other changes: half a revision is no revision), the state says the file, line and field; the other meshes
 * get the commit; a commit without the field lifts the block. test/daemon.controlPlaneLacks.test.ts does the same for
 * a kind and a Mesh the control plane lacks. The daemon as a child process, a real Git repository, the embedded
 * control plane over HTTP; every wait is bounded, generously (a loaded machine).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const bed = daemonTestBed("meshops-daemon-lacks-field", { version: "2.10.11" });
let daemon: DaemonProcess;
let first: string;
const WAIT = 60_000;

const MESH = (name: string) => `type: Mesh\nname: ${name}\nskipCreatingInitialPolicies: ['*']\n`;
const TIMEOUT = (mesh: string, idle: string) => meshTimeoutFlowYaml("t", mesh, idle);
/** `rules` (line 6) is of Kuma 2.12 and later. */
const MTP_RULES =
  "type: MeshTrafficPermission\nname: allow\nmesh: edge\nspec:\n  targetRef: {kind: Mesh}\n  rules:\n    - default:\n        allow:\n          - spiffeID: {type: Exact, value: spiffe://edge/web}\n";
/** The same permission as every line has it. */
const MTP_FROM = "type: MeshTrafficPermission\nname: allow\nmesh: edge\nspec:\n  targetRef: {kind: Mesh}\n  from:\n    - targetRef: {kind: Mesh}\n      default: {action: Allow}\n";

async function idleTimeout(mesh: string): Promise<unknown> {
  const t = (await (await bed.cp(`/meshes/${mesh}/meshtimeouts/t`)).json()) as { spec?: { to?: { default?: { idleTimeout?: unknown } }[] } };
  return t.spec?.to?.[0]?.default?.idleTimeout;
}

async function permissions(mesh: string): Promise<string[]> {
  const list = (await (await bed.cp(`/meshes/${mesh}/meshtrafficpermissions`)).json()) as { items: { name: string }[] };
  return list.items.map((m) => m.name).sort();
}

before(async () => {
  await bed.open();
  first = commitFiles(bed.repo.dir, {
    "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n',
    "edge/mesh.yaml": MESH("edge"),
    "edge/timeout.yaml": TIMEOUT("edge", "20s"),
    "shop/mesh.yaml": MESH("shop"),
    "shop/timeout.yaml": TIMEOUT("shop", "20s"),
  });
  daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1s"], { cwd: bed.work });
});

test("a commit giving an applied mesh a field the control plane's line lacks blocks that mesh at the field's file and line; the others apply; a commit without it lifts the block", async () => {
  await untilApplied(daemon, first, WAIT);

  const withRules = commitFiles(
    bed.repo.dir,
    { "edge/mtp.yaml": MTP_RULES, "edge/timeout.yaml": TIMEOUT("edge", "30s"), "shop/timeout.yaml": TIMEOUT("shop", "30s") },
    "permissions by rules; longer timeouts",
  );
  const blocked = await untilStatus(
    daemon,
    "mesh edge blocked, shop at the commit",
    (s) => {
      const edge = s.meshes.find((m) => m.name === "edge");
      const shop = s.meshes.find((m) => m.name === "shop");
      return edge?.state === "blocked" && shop?.state === "in-sync" && shop.appliedRevision === withRules ? edge : undefined;
    },
    WAIT,
  );
  const field =
    'edge/mtp.yaml:6:3: MeshTrafficPermission/edge/allow spec.rules: field "rules" was introduced in Kuma 2.12; the control plane (Kuma 2.10.11) does not have it, so it would refuse or drop it';
  assert.match(blocked.reason, /^1 resource holds what the control plane \(Kuma 2\.10\.11\) does not have, nothing of it written until the control plane has it or the repository changes; first /);
  assert.ok(blocked.reason.endsWith(field), blocked.reason);
  assert.deepEqual(blocked.blocked, { reason: "control-plane-lacks", message: blocked.reason });
  assert.equal(blocked.appliedRevision, first, "edge keeps the revision it has");
  assert.deepEqual(await permissions("edge"), [], "the permission was not written");
  assert.equal(await idleTimeout("edge"), "20s", "nor the commit's other change to the blocked mesh");
  assert.equal(await idleTimeout("shop"), "30s", "the other mesh has the commit");
  assert.ok(!daemon.lines.some((l) => l.includes('"change.failed"')), "nothing was sent to be refused");
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^meshops_mesh_state\{mesh="edge",state="blocked"\} 1$/m);
  assert.match(metrics, /^meshops_mesh_blocked\{mesh="edge",reason="control-plane-lacks"\} 1$/m);
  const logged = await daemon.untilLog("the block in the log", (e) => e.event === "mesh.blocked" && e.mesh === "edge", WAIT);
  assert.ok(String(logged.msg).endsWith(field), String(logged.msg));

  // The permission said as the control plane's line has it: the whole commit applies to edge.
  const withFrom = commitFiles(bed.repo.dir, { "edge/mtp.yaml": MTP_FROM }, "permissions by from");
  const applied = await untilApplied(daemon, withFrom, WAIT);
  const edge = applied.meshes.find((m) => m.name === "edge");
  assert.deepEqual([edge?.state, edge?.blocked], ["in-sync", null]);
  assert.deepEqual(await permissions("edge"), ["allow"]);
  assert.equal(await idleTimeout("edge"), "30s");
  assert.doesNotMatch(await (await fetch(`${daemon.url}/metrics`)).text(), /^meshops_mesh_blocked\{/m);
});
