import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * Prune on a control plane that already holds resources: a Mesh created before meshops (with the default policies
 * Kuma 2.10 creates for it) and a policy written beside it by hand, both without meshops' label. The repository adopts
 * the Mesh (and so its defaults), then drops it. Deleting the Mesh would make the control plane delete the hand-written
 * policy with it, so prune deletes what meshops owns in it and keeps the Mesh, and `plan --prune` says so instead of
 * leaving it out silently. Through the CLI, against the embedded control plane over HTTP.
 */
const repo = tempRepo("meshops-prune-unowned-");
after(() => repo.cleanup());

async function put(url: string, path: string, object: object): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(object) });
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.text()}`);
}

async function names(url: string, path: string): Promise<string[]> {
  const response = await fetch(`${url}${path}`);
  assert.equal(response.status, 200, path);
  return ((await response.json()) as { items: { name: string }[] }).items.map((i) => i.name).sort();
}

interface PlanJson {
  readonly changes: { action: string; resource: string }[];
  readonly kept?: { resource: string; reason: string }[];
}

test("a Mesh dropped from the repository that holds what meshops does not own is kept, and plan --prune says why", async () => {
  await withControlPlaneServer({ version: "2.10.11", skipMeshCreation: true }, async (url) => {
    // Before meshops: kumactl apply of a Mesh (Kuma creates its default policies) and of a policy in it.
    await put(url, "/meshes/shop", { type: "Mesh", name: "shop" });
    const byHand = { type: "MeshTimeout", mesh: "shop", name: "by-hand", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "7m" } }] } };
    await put(url, "/meshes/shop/meshtimeouts/by-hand", byHand);
    const defaults = ["mesh-gateways-timeout-all-shop", "mesh-timeout-all-shop"];
    assert.deepEqual(await names(url, "/meshes/shop/meshtimeouts"), ["by-hand", ...defaults]);

    const config = stringify({ controlPlane: { version: "2.10.11", skipDefaultMeshCreation: true }, prune: { maxDeletes: 10, maxDeletePercent: 100 } });
    const other = stringify({ type: "Mesh", name: "other", skipCreatingInitialPolicies: ["*"] });
    commitFiles(repo.dir, { "meshops.yaml": config, "meshes/other.yaml": other, "meshes/shop.yaml": stringify({ type: "Mesh", name: "shop" }) }, "adopt shop");
    const adopted = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(adopted.code, 0, adopted.stderr);
    // The Mesh and its four defaults are meshops' now (labelled); the hand-written policy is not in the repository.
    assert.match(adopted.stdout, /update Mesh\/shop/);

    commitFiles(repo.dir, { "meshes/shop.yaml": "" }, "drop shop");
    const planned = await runCli(["plan", "--prune", "--cp-url", url, "--format", "json"], repo.dir);
    assert.equal(planned.code, 2, planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(plan.changes.filter((c) => c.action === "delete").map((c) => c.resource).sort(), [
      "MeshCircuitBreaker/shop/mesh-circuit-breaker-all-shop",
      "MeshRetry/shop/mesh-retry-all-shop",
      "MeshTimeout/shop/mesh-gateways-timeout-all-shop",
      "MeshTimeout/shop/mesh-timeout-all-shop",
    ]);
    assert.deepEqual(plan.kept, [{ resource: "Mesh/shop", type: "Mesh", mesh: "shop", name: "shop", reason: "holds resources that stay" }]);
    const text = await runCli(["plan", "--prune", "--cp-url", url], repo.dir);
    assert.match(text.stdout, /^= kept Mesh\/shop \(holds resources that stay\)$/m);

    const pruned = await runCli(["apply", "--prune", "--yes", "--cp-url", url], repo.dir);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(await names(url, "/meshes"), ["other", "shop"]);
    assert.deepEqual(await names(url, "/meshes/shop/meshtimeouts"), ["by-hand"]);

    // Afterwards: nothing left to write, the Mesh still listed as kept (so the drift's orphaned Mesh/shop is explained).
    const again = await runCli(["plan", "--prune", "--cp-url", url], repo.dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^= kept Mesh\/shop \(holds resources that stay\)$/m);
    const drift = await runCli(["drift", "--cp-url", url], repo.dir);
    assert.match(drift.stdout, /^- orphaned Mesh\/shop$/m);
    assert.match(drift.stdout, /^\? unmanaged MeshTimeout\/shop\/by-hand$/m);
  });
});

/**
 * Meshes keep and x applied by meshops (Kuma 2.12, no default policies), then `holding` written into x beside
 * meshops, then x dropped from the repository: `body` runs on that, in a fresh repository.
 */
async function withDroppedMesh(holding: { readonly path: string; readonly object: object }, body: (url: string, dir: string) => Promise<void>): Promise<void> {
  await withControlPlaneServer({ version: "2.12.14", skipMeshCreation: true }, async (url) => {
    const dir = tempRepo("meshops-prune-dropped-");
    try {
      const config = stringify({ controlPlane: { version: "2.12.14", skipDefaultMeshCreation: true }, prune: { maxDeletes: 10, maxDeletePercent: 100 } });
      commitFiles(dir.dir, { "meshops.yaml": config, "meshes/keep.yaml": stringify({ type: "Mesh", name: "keep", skipCreatingInitialPolicies: ["*"] }), "meshes/x.yaml": stringify({ type: "Mesh", name: "x", skipCreatingInitialPolicies: ["*"] }) });
      const applied = await runCli(["apply", "--cp-url", url], dir.dir);
      assert.equal(applied.code, 0, applied.stderr);
      await put(url, holding.path, holding.object);
      commitFiles(dir.dir, { "meshes/x.yaml": "" }, "drop x");
      await body(url, dir.dir);
    } finally {
      dir.cleanup();
    }
  });
}

test("a Mesh dropped from the repository that holds a kind meshops does not read (a Dataplane) is kept, not deleted and refused", async () => {
  // A proxy registered itself in x (meshops.yaml does not manage Dataplanes, so meshops never lists them).
  const dataplane = { type: "Dataplane", mesh: "x", name: "web-1", networking: { address: "10.0.0.1", inbound: [{ port: 8080, tags: { "kuma.io/service": "web" } }] } };
  await withDroppedMesh({ path: "/meshes/x/dataplanes/web-1", object: dataplane }, async (url, dir) => {
    const planned = await runCli(["plan", "--prune", "--cp-url", url, "--format", "json"], dir);
    assert.equal(planned.code, 0, planned.stdout);
    const plan = JSON.parse(planned.stdout) as PlanJson & { risks?: unknown[] };
    assert.deepEqual(plan.changes.filter((c) => c.action !== "unchanged"), []);
    assert.deepEqual(plan.kept, [{ resource: "Mesh/x", type: "Mesh", mesh: "x", name: "x", reason: "holds resources that stay" }]);
    const pruned = await runCli(["apply", "--prune", "--yes", "--cp-url", url], dir);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(await names(url, "/meshes"), ["keep", "x"]);
    assert.deepEqual(await names(url, "/meshes/x/dataplanes"), ["web-1"]);
  });
});

test("a Mesh dropped from the repository whose unread kinds cannot be listed (a token without the right to) is kept, with a warning, not a failed plan", async () => {
  const dataplane = { type: "Dataplane", mesh: "x", name: "web-1", networking: { address: "10.0.0.1", inbound: [{ port: 8080, tags: { "kuma.io/service": "web" } }] } };
  await withDroppedMesh({ path: "/meshes/x/dataplanes/web-1", object: dataplane }, async (url, dir) => {
    // In front of the control plane: listing Dataplanes is forbidden, as Kong Mesh's RBAC answers a token without it.
    const gate = http.createServer((req, res) => {
      if (req.method === "GET" && /^\/meshes\/x\/dataplanes(\?|$)/.test(req.url ?? "")) {
        res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ title: "Access Denied", detail: "forbidden" }));
        return;
      }
      const upstream = http.request(`${url}${req.url ?? ""}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    try {
      const gated = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
      const planned = await runCli(["plan", "--prune", "--cp-url", gated, "--format", "json"], dir);
      assert.equal(planned.code, 0, planned.stdout + planned.stderr);
      const plan = JSON.parse(planned.stdout) as PlanJson;
      assert.deepEqual(plan.changes.filter((c) => c.action !== "unchanged"), []);
      assert.deepEqual(plan.kept, [{ resource: "Mesh/x", type: "Mesh", mesh: "x", name: "x", reason: "holds resources that stay" }]);
      assert.match(planned.stderr, /^meshops: warning: cannot tell whether mesh x holds Dataplanes \(listing them failed: .*403.*\): its Mesh is kept$/m);
    } finally {
      await new Promise<void>((resolve) => gate.close(() => resolve()));
    }
  });
});

/** A repository that made Mesh x with defaults.materialize off (Kuma made its default policies, unowned), then dropped it. */
async function withDroppedMeshOfDefaults(body: (url: string, dir: string) => Promise<void>): Promise<void> {
  await withControlPlaneServer({ version: "2.12.14", skipMeshCreation: true }, async (url) => {
    const dir = tempRepo("meshops-prune-defaults-");
    try {
      const config = stringify({ controlPlane: { version: "2.12.14", skipDefaultMeshCreation: true }, defaults: { materialize: false }, prune: { maxDeletes: 10, maxDeletePercent: 100 } });
      commitFiles(dir.dir, { "meshops.yaml": config, "meshes/keep.yaml": stringify({ type: "Mesh", name: "keep" }), "meshes/x.yaml": stringify({ type: "Mesh", name: "x" }) });
      const applied = await runCli(["apply", "--cp-url", url], dir.dir);
      assert.equal(applied.code, 0, applied.stderr);
      assert.deepEqual(await names(url, "/meshes/x/meshtimeouts"), ["mesh-gateways-timeout-all-x", "mesh-timeout-all-x"]);
      commitFiles(dir.dir, { "meshes/x.yaml": "" }, "drop x");
      await body(url, dir.dir);
    } finally {
      dir.cleanup();
    }
  });
}

/** plan --prune deletes Mesh/x and nothing else, keeps nothing, and apply --prune leaves only Mesh keep. */
async function assertMeshXPruned(url: string, dir: string): Promise<void> {
    const planned = await runCli(["plan", "--prune", "--cp-url", url, "--format", "json"], dir);
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(plan.changes.filter((c) => c.action !== "unchanged").map((c) => `${c.action} ${c.resource}`), ["delete Mesh/x"]);
    assert.deepEqual(plan.kept ?? [], []);
    const pruned = await runCli(["apply", "--prune", "--yes", "--cp-url", url], dir);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(await names(url, "/meshes"), ["keep"]);
}

test("with defaults.materialize off, a Mesh meshops made and then dropped is pruned: the default policies Kuma made in it do not keep it", async () => {
  await withDroppedMeshOfDefaults(async (url, dir) => {
    await assertMeshXPruned(url, dir);
    const drift = await runCli(["drift", "--cp-url", url, "--format", "json"], dir);
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
  });
});

test("the Secrets a control plane makes for a Mesh (its dataplane token signing key, a builtin CA's) do not keep it: a dropped Mesh is pruned", async () => {
  await withDroppedMeshOfDefaults(async (url, dir) => {
    // What Kuma creates with every Mesh (FACTS §1: dataplane-token-signing-key-<mesh>-1) and with a builtin CA
    // (<mesh>.ca-builtin-cert-<backend>); the embedded control plane does not, so they are written as Kuma has them.
    for (const name of ["dataplane-token-signing-key-x-1", "x.ca-builtin-cert-ca-1"]) await put(url, `/meshes/x/secrets/${name}`, { type: "Secret", mesh: "x", name, data: "c2lnbmluZw==" });
    await assertMeshXPruned(url, dir);
  });
});

test("with defaults.materialize off, a default policy edited by hand is someone's: it keeps its dropped Mesh", async () => {
  await withDroppedMeshOfDefaults(async (url, dir) => {
    const edited = await (await fetch(`${url}/meshes/x/meshtimeouts/mesh-timeout-all-x`)).json() as { spec: { to: { default: { idleTimeout: string } }[] } };
    (edited.spec.to[0] as { default: { idleTimeout: string } }).default.idleTimeout = "3h";
    await put(url, "/meshes/x/meshtimeouts/mesh-timeout-all-x", { type: "MeshTimeout", mesh: "x", name: "mesh-timeout-all-x", spec: edited.spec });
    const planned = await runCli(["plan", "--prune", "--cp-url", url, "--format", "json"], dir);
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(plan.changes.filter((c) => c.action !== "unchanged"), []);
    assert.deepEqual(plan.kept, [{ resource: "Mesh/x", type: "Mesh", mesh: "x", name: "x", reason: "holds resources that stay" }]);
  });
});

test("plan --prune narrowed to --type Mesh still keeps a dropped Mesh that holds a policy meshops does not own", async () => {
  // Written by hand beside meshops: not owned, so never pruned, and gone with its Mesh if the Mesh were deleted.
  const byHand = { type: "MeshTimeout", mesh: "x", name: "by-hand", spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "7m" } }] } };
  await withDroppedMesh({ path: "/meshes/x/meshtimeouts/by-hand", object: byHand }, async (url, dir) => {
    for (const scope of [[], ["--type", "Mesh"], ["--mesh", "x", "--type", "Mesh"]]) {
      const planned = await runCli(["plan", "--prune", ...scope, "--cp-url", url, "--format", "json"], dir);
      assert.equal(planned.code, 0, `${scope.join(" ")}: ${planned.stdout}${planned.stderr}`);
      const plan = JSON.parse(planned.stdout) as PlanJson;
      assert.deepEqual(plan.changes.filter((c) => c.action !== "unchanged"), [], scope.join(" "));
      assert.deepEqual(plan.kept, [{ resource: "Mesh/x", type: "Mesh", mesh: "x", name: "x", reason: "holds resources that stay" }], scope.join(" "));
    }
    const pruned = await runCli(["apply", "--prune", "--type", "Mesh", "--yes", "--cp-url", url], dir);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(await names(url, "/meshes"), ["keep", "x"]);
    assert.deepEqual(await names(url, "/meshes/x/meshtimeouts"), ["by-hand"]);
  });
});
