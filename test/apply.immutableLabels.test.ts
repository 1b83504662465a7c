/**
 * Kuma 2.13 and later refuse an update that removes or changes `kuma.io/display-name`, `kuma.io/origin` or
 * `kuma.io/zone` (FACTS §2.5; go-v2.14.3 pkg/api-server/resource_endpoints.go validateImmutableLabels). A resource the
 * control plane already holds with such a label, which the repository defines without it, was planned as a change of
 * its other fields only, and then its apply was refused: `labels["kuma.io/display-name"]: is immutable, cannot be
 * removed`. meshops does not manage those labels: an update keeps the values the control plane has.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { committedRepo, tempDir } from "./helpers/git.js";

const TOKEN = "immutable-labels-token-93ab";
const cleanups: (() => void)[] = [];
let store: ControlPlaneStore;
let server: ControlPlaneServer;

before(async () => {
  store = await openStore({ stateDir: tempDir("meshops-immutable-", cleanups), skipMeshCreation: true, version: "2.13.10" });
  server = await startControlPlaneServer({ store, port: 0, token: TOKEN });
});
after(async () => {
  await server.close();
  await store.close();
  for (const cleanup of cleanups) cleanup();
});

const put = async (apiPath: string, body: unknown): Promise<void> => {
  const response = await fetch(server.url + apiPath, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.ok(response.ok, `PUT ${apiPath}: ${response.status} ${await response.text()}`);
};
const labelsOf = async (apiPath: string): Promise<Record<string, string>> => {
  const response = await fetch(server.url + apiPath, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { labels: Record<string, string> }).labels;
};

const timeout = (name: string, idle: string, labels?: Record<string, string>) => ({
  type: "MeshTimeout",
  mesh: "dn",
  name,
  ...(labels ? { labels } : {}),
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: idle } }] },
});

test("an update keeps the display name, origin and zone the control plane has: apply succeeds, and the next plan is empty", async () => {
  await put("/meshes/dn", { type: "Mesh", name: "dn", skipCreatingInitialPolicies: ["*"] });
  await put("/meshes/dn/meshtimeouts/t9", timeout("t9", "1h", { "kuma.io/display-name": "t9", team: "x" }));
  // Synced from elsewhere, and named so by its author: neither label can be removed.
  await put("/meshes/dn/meshtimeouts/shown", timeout("shown", "1h", { "kuma.io/display-name": "shown-as" }));
  const repo = committedRepo(
    {
      "meshops.yaml": "controlPlane: {version: 2.13.10, skipDefaultMeshCreation: true}\n",
      "dn.yaml": [
        "type: Mesh\nname: dn\nskipCreatingInitialPolicies: ['*']",
        "type: MeshTimeout\nname: t9\nmesh: dn\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: 30m}",
        "type: MeshTimeout\nname: shown\nmesh: dn\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: 30m}",
      ].join("\n---\n") + "\n",
    },
    cleanups,
  );
  const env = { MESHOPS_CP_TOKEN: TOKEN };
  const plan = await runCli(["plan", "--cp-url", server.url], repo, env);
  assert.equal(plan.code, 2, plan.stderr);
  // What cannot change is not shown as a change: the display name stays, a line of context at most.
  assert.doesNotMatch(plan.stdout, /^ *[-+] +kuma\.io\/display-name/m, plan.stdout);
  assert.match(plan.stdout, /^ +kuma\.io\/display-name: shown-as$/m, plan.stdout);

  const apply = await runCli(["apply", "--cp-url", server.url, "--yes"], repo, env);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  assert.deepEqual(await labelsOf("/meshes/dn/meshtimeouts/t9"), {
    "kuma.io/display-name": "t9",
    "kuma.io/env": "universal",
    "kuma.io/mesh": "dn",
    "kuma.io/origin": "zone",
    "kuma.io/zone": "default",
    "meshops.io/managed-by": "meshops",
  });
  assert.equal((await labelsOf("/meshes/dn/meshtimeouts/shown"))["kuma.io/display-name"], "shown-as");

  const again = await runCli(["plan", "--cp-url", server.url, "--format", "json"], repo, env);
  assert.equal(again.code, 0, again.stdout);
  assert.deepEqual((JSON.parse(again.stdout) as { changes: unknown[] }).changes, []);
  // drift compares as plan does: what plan leaves unchanged is no drift (else watch would correct it for ever).
  const drift = await runCli(["drift", "--cp-url", server.url], repo, env);
  assert.equal(drift.stdout, "In sync.\n", drift.stderr);
  assert.equal(drift.code, 0);
});
