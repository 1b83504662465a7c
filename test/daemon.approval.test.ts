/**
 * An approval applies the plan the person saw, not whatever the approved revision plans by the time it runs. A plan the
 * prune limit holds (two deletes, `--max-deletes 1`) is approved; before the approved run, the control plane gains an
 * object meshops owns and the repository lacks (an orphan prune deletes), so the same revision now plans a third delete
 * nobody saw. The approved run must hold that plan again, and say why, instead of applying it; the approval is dropped,
 * so the plan going back to the one approved waits for a person again.
 * The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 * The tests run in order against one daemon.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import type { MeshStatus, StatusJson } from "../src/daemon/statusTypes.js";
import { startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied, untilStatus } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const RECONCILE_TOKEN = "reconcile-token-approval-5d27";
const bed = daemonTestBed("meshops-approval");
let daemon: DaemonProcess;

const config = "instance: meshops\ncontrolPlane:\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\nprune:\n  enabled: true\ndrift:\n  mode: correct\n";
const timeout = (name: string) => meshTimeoutYaml(name, "shop", "1m");
const timeouts = (...names: string[]) => names.map(timeout).join("---\n");

/** An object with meshops' label that the repository lacks, which prune deletes: the control plane drifting. */
const ORPHAN = { type: "MeshTimeout", mesh: "shop", name: "t9", labels: { "meshops.io/managed-by": "meshops" }, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "9m" } }] } };
const putOrphan = async () => assert.equal((await bed.cp("/meshes/shop/meshtimeouts/t9", { method: "PUT", body: JSON.stringify(ORPHAN) })).ok, true);
const exists = async (name: string) => (await bed.cp(`/meshes/shop/meshtimeouts/${name}`)).status === 200;
const shopOf = (s: StatusJson): MeshStatus | undefined => s.meshes.find((m) => m.name === "shop");
const post = (p: string, body: unknown) =>
  fetch(`${daemon.url}${p}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${RECONCILE_TOKEN}` }, body: JSON.stringify(body) });

/** Posts to the API and waits for the run the request queued. */
async function queued(p: string, body: unknown): Promise<StatusJson> {
  const last = (await daemon.status()).reconciles[0]?.id ?? 0;
  const answer = await post(p, body);
  assert.equal(answer.status, 202, await answer.text());
  return untilStatus(daemon, `the run ${p} queued`, (s) => (s.reconciles.some((r) => r.id > last && r.reasons.includes("api")) ? s : undefined));
}
const approve = (body: unknown) => queued("/api/meshes/shop/approve", body);

let held = "";
/** The plan first shown and approved (two deletes), which test 1 drops. */
let approvedPlan = "";

before(async () => {
  await bed.open();
  const first = commitFiles(bed.repo.dir, { "meshops.yaml": config, "meshes/shop/mesh.yaml": "type: Mesh\nname: shop\n", "meshes/shop/timeouts.yaml": timeouts("t1", "t2", "t3") }, "shop");
  // No drift check nor poll between the steps below: each run is one the test asks for.
  daemon = await startWatch(
    ["--repo", bed.repo.dir, "--cp-url", bed.server.url, "--drift-interval", "1h", "--max-deletes", "1", "--reconcile-token-file", bed.secretFile("reconcile-token", RECONCILE_TOKEN)],
    { cwd: bed.work },
  );
  await untilApplied(daemon, first);
  held = commitFiles(bed.repo.dir, { "meshes/shop/timeouts.yaml": timeouts("t3") }, "drop two timeouts");
  await untilStatus(daemon, "shop to await approval", (s) => (shopOf(s)?.approval?.revision === held ? s : undefined));
});

test("an approval does not apply a plan of the same revision that changed since it was shown: it is held again, saying why", async () => {
  const shown = shopOf(await daemon.status())?.approval;
  assert.deepEqual(shown?.summary, { create: 0, update: 0, delete: 2 });
  approvedPlan = shown?.plan ?? "";

  // The control plane drifts.
  await putOrphan();

  // The person approves what the page showed: revision `held`, two deletes.
  const after = await approve({ revision: held });
  assert.equal(await exists("t9"), true, "the third delete was not shown, so not approved");
  assert.equal(await exists("t1"), true, "nothing of the changed plan is applied");
  const shop = shopOf(after);
  assert.equal(shop?.state, "awaiting-approval");
  assert.deepEqual(shop?.approval?.summary, { create: 0, update: 0, delete: 3 });
  assert.deepEqual(shop?.approval?.changes.map((c) => `${c.action} ${c.resource}`).sort(), ["delete MeshTimeout/shop/t1", "delete MeshTimeout/shop/t2", "delete MeshTimeout/shop/t9"]);
  const now = shop?.approval?.plan ?? "";
  assert.match(now, /^[0-9a-f]{64}$/);
  assert.notEqual(now, shown?.plan, "another plan, another fingerprint");
  const why = `plan changed since approval: plan ${shown?.plan.slice(0, 12)} of revision ${held.slice(0, 12)} was approved, the revision now plans ${now.slice(0, 12)}`;
  assert.ok(shop?.approval?.reasons.at(-1)?.startsWith(why), shop?.approval?.reasons.join("\n"));
  assert.match(shop?.reason ?? "", /waits for approval: .*plan changed since approval: .*the approval is dropped/);
  // The log names the new plan, why it waits, and how to approve it.
  const logged = await daemon.untilLog("the changed plan's hold", (e) => e.event === "approval.required" && e.plan === now);
  assert.ok(String(logged.msg).includes(why), String(logged.msg));
  assert.ok(String(logged.msg).includes(`POST /api/meshes/shop/approve {"revision": "${held}", "plan": "${now}"}`), String(logged.msg));
});

test("the approval the changed plan dropped is gone: the plan back to the one approved waits for a new approval", async () => {
  // The third delete goes: the revision plans again exactly what was approved, and still waits.
  assert.equal((await bed.cp("/meshes/shop/meshtimeouts/t9", { method: "DELETE" })).ok, true);
  const after = await queued("/api/reconcile", {});
  assert.deepEqual([shopOf(after)?.state, shopOf(after)?.approval?.plan], ["awaiting-approval", approvedPlan]);
  assert.equal(await exists("t1"), true, "an approval dropped is not given back");
  assert.equal(await exists("t2"), true);
  // The log said when and why it was dropped, and the controls file does not keep it for a restart either.
  const dropped = await daemon.untilLog("the dropped approval", (e) => e.event === "approval.dropped");
  assert.deepEqual([dropped.mesh, dropped.revision, dropped.approved], ["shop", held, approvedPlan]);
  assert.match(String(dropped.msg), new RegExp(`^mesh shop: the approval of revision ${held.slice(0, 12)} is dropped: plan changed since approval: plan ${approvedPlan.slice(0, 12)} `));
  const file = JSON.parse(readFileSync(path.join(bed.work, ".meshops", "controls.json"), "utf8")) as { approved?: unknown[] };
  assert.deepEqual(file.approved, [], "nor kept for a restart");

  // The orphan comes back, for the next test: three deletes held.
  await putOrphan();
  assert.equal(shopOf(await queued("/api/reconcile", {}))?.approval?.summary.delete, 3);
});

test("an approval naming the plan shown is refused once another plan is held; approving the plan held applies exactly it", async () => {
  const shown = shopOf(await daemon.status())?.approval;
  const stale = await post("/api/meshes/shop/approve", { revision: held, plan: "0".repeat(64) });
  assert.equal(stale.status, 409);
  assert.match(((await stale.json()) as { error: string }).error, new RegExp(`^mesh shop awaits approval of plan ${shown?.plan} of revision ${held}, not plan 0{64}: the plan changed since it was shown`));
  assert.equal(await exists("t9"), true);

  const after = await approve({ revision: held, plan: shown?.plan.slice(0, 12) });
  assert.deepEqual([shopOf(after)?.state, shopOf(after)?.approval, shopOf(after)?.appliedRevision], ["in-sync", null, held]);
  for (const name of ["t1", "t2", "t9"]) assert.equal(await exists(name), false, name);
  assert.equal(await exists("t3"), true);
});
