/**
 * The daemon says, in its log, when a commit's apply takes a resource over from another meshops instance (its
 * `meshops.io/managed-by` label names another): two repositories define the resource, and the two daemons would
 * rewrite each other's label on every apply (plan and apply say the same on stderr: test/ownership.takeover.test.ts).
 * A resource nobody owns (made by hand) is adopted, and logged so once, as plan and apply say it
 * (test/ownership.adoption.test.ts), naming each with its file and line. The daemon as a child process, a real Git repository, the embedded control plane over HTTP; every wait is bounded.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { exitWithin, startWatch } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import { commitFiles } from "./helpers/git.js";

// The bed ends the daemons it started (killAll) and closes the control plane after the tests.
const bed = daemonTestBed("meshops-daemon-takeover");

const timeout = (idleTimeout: string, labels: Record<string, string> = {}) =>
  stringify({ type: "MeshTimeout", mesh: "payments", name: "shared", labels, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] } });

before(() => bed.open());

test("a commit that takes a resource over from another instance is logged as such, once per resource", async () => {
  // What team-a's meshops wrote: its Mesh and a timeout carrying its label.
  const mesh = await bed.cp("/meshes/payments", { method: "PUT", body: JSON.stringify({ type: "Mesh", name: "payments", skipCreatingInitialPolicies: ["*"], labels: { "meshops.io/managed-by": "team-a" } }) });
  assert.ok(mesh.status < 300, await mesh.text());
  const owned = await bed.cp("/meshes/payments/meshtimeouts/shared", { method: "PUT", body: timeoutJson("10s", { "meshops.io/managed-by": "team-a" }) });
  assert.ok(owned.status < 300, await owned.text());

  const commit = commitFiles(bed.repo.dir, {
    "meshops.yaml": stringify({ instance: "team-b", externalMeshes: ["payments"], controlPlane: { skipDefaultMeshCreation: true } }),
    "payments/shared.yaml": timeout("20s"),
  });
  const daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: bed.work });
  await untilApplied(daemon, commit, 20_000);
  const entry = await daemon.untilLog("the takeover in the log", (e) => e.event === "ownership.takeover", 10_000);
  assert.equal(entry.resource, "MeshTimeout/payments/shared");
  assert.equal(entry.owner, "team-a");
  assert.equal(entry.msg, 'MeshTimeout/payments/shared is managed by meshops instance "team-a": applying takes it over (its next apply takes it back)');
  const live = (await (await bed.cp("/meshes/payments/meshtimeouts/shared")).json()) as { labels: Record<string, string> };
  assert.equal(live.labels["meshops.io/managed-by"], "team-b", "applied: now team-b's");
  assert.equal(daemon.lines.filter((l) => l.includes('"ownership.takeover"')).length, 1, "one resource taken over: the Mesh team-b does not define is not");
  // Stopped: the next test's daemon alone follows the repository.
  daemon.child.kill("SIGTERM");
  await exitWithin(daemon, 10_000);
});

test("a commit that adopts a resource nobody owns (made by hand) is logged once, with what adopting means for prune", async () => {
  const mesh = await bed.cp("/meshes/shop", { method: "PUT", body: JSON.stringify({ type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] }) });
  assert.ok(mesh.status < 300, await mesh.text());
  const byHand = await bed.cp("/meshes/shop/meshtimeouts/by-hand", { method: "PUT", body: JSON.stringify({ type: "MeshTimeout", mesh: "shop", name: "by-hand", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "10s" } }] } }) });
  assert.ok(byHand.status < 300, await byHand.text());
  const commit = commitFiles(bed.repo.dir, {
    "meshops.yaml": stringify({ instance: "team-b", externalMeshes: ["payments", "shop"], controlPlane: { skipDefaultMeshCreation: true } }),
    "shop/by-hand.yaml": stringify({ type: "MeshTimeout", mesh: "shop", name: "by-hand", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "15s" } }] } }),
  });
  const daemon = await startWatch(["--repo", bed.repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h"], { cwd: bed.work });
  await untilApplied(daemon, commit, 20_000);
  const entry = await daemon.untilLog("the adoption in the log", (e) => e.event === "ownership.adoption", 10_000);
  assert.deepEqual(entry.resources, ["MeshTimeout/shop/by-hand"]);
  assert.equal(
    entry.msg,
    "applying adopts 1 resource the control plane holds without an ownership label (made by hand, by another tool, or by the control plane): from then on it is this instance's, and --prune deletes it once it leaves the repository: MeshTimeout/shop/by-hand (shop/by-hand.yaml:1)",
    "named with its file and line, as plan and apply name it",
  );
  assert.equal(daemon.lines.filter((l) => l.includes('"ownership.adoption"')).length, 1);
});

function timeoutJson(idleTimeout: string, labels: Record<string, string>): string {
  return JSON.stringify({ type: "MeshTimeout", mesh: "payments", name: "shared", labels, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout } }] } });
}
