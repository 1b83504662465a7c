import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { IncomingMessage } from "node:http";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer, type Fault } from "../src/cp/server.js";
import { runCli, type CliRun } from "./helpers/cli.js";
import { commitFiles, commitFolder, git, projectRoot, tempRepo } from "./helpers/git.js";

/**
 * The whole loop over real HTTP: sample-repo committed to a real Git repository, applied to the embedded control
 * plane served on 127.0.0.1, then planned, drifted, edited out of band, pruned.
 */
const TOKEN = "s3cr3t-token-do-not-print-4f9a";
const repo = tempRepo();
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
let store: ControlPlaneStore;
let server: ControlPlaneServer;
let fault: ((req: IncomingMessage) => Fault) | undefined;
const env = { MESHOPS_CP_TOKEN: TOKEN };

before(async () => {
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample-repo");
  store = await openStore({ stateDir, skipMeshCreation: true });
  server = await startControlPlaneServer({ store, port: 0, token: TOKEN, faults: (req) => fault?.(req) });
});
after(async () => {
  await server.close();
  await store.close();
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const cli = (...args: string[]): Promise<CliRun> => runCli([...args, "--cp-url", server.url], repo.dir, env);
const api = (method: string, apiPath: string, body?: unknown) =>
  fetch(server.url + apiPath, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
const outputs: string[] = [];
/**
 * ledger-timeouts is a Kubernetes document in kuma-system: ledger-timeouts.kuma-system in the API, with the identity
 * labels an out-of-band write must keep (the display name is immutable).
 */
const ledgerTimeoutsIdentity = { "kuma.io/display-name": "ledger-timeouts", "k8s.kuma.io/namespace": "kuma-system" };
const record = (run: CliRun) => (outputs.push(run.stdout, run.stderr), run);

test("apply sample-repo to an empty control plane, then plan shows no changes and drift exits 0", async () => {
  const apply = record(await cli("apply"));
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  assert.match(apply.stdout, /Apply complete: \d+ applied\./);

  const plan = record(await cli("plan", "--format", "json"));
  assert.equal(plan.code, 0, plan.stdout);
  const parsed = JSON.parse(plan.stdout) as { summary: { create: number; update: number; delete: number; unchanged: number }; changes: unknown[] };
  assert.deepEqual({ ...parsed.summary, unchanged: 0 }, { create: 0, update: 0, delete: 0, unchanged: 0 });
  assert.ok(parsed.summary.unchanged > 60);
  assert.deepEqual(parsed.changes, []);

  const drift = record(await cli("drift"));
  assert.equal(drift.code, 0, drift.stdout);
  assert.match(drift.stdout, /In sync/);
});

test("the control plane rewrote durations, defaults and labels, and still nothing drifts", async () => {
  const live = (await (await api("GET", "/meshes/payments/meshtimeouts/mesh-timeout-all-payments")).json()) as {
    labels: Record<string, string>;
    kri: string;
    creationTime: string;
  };
  assert.equal(live.labels["kuma.io/origin"], "zone");
  assert.equal(live.labels["meshops.io/managed-by"], "meshops");
  assert.ok(live.kri && live.creationTime);
});

test("an out-of-band edit is reported as modified with a diff, and apply restores it", async () => {
  const put = await api("PUT", "/meshes/payments/meshtimeouts/ledger-timeouts.kuma-system", {
    type: "MeshTimeout",
    mesh: "payments",
    name: "ledger-timeouts.kuma-system",
    labels: { ...ledgerTimeoutsIdentity, "meshops.io/managed-by": "meshops" },
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "5m" } }] },
  });
  assert.equal(put.status, 200);
  const drift = record(await cli("drift", "--format", "json"));
  assert.equal(drift.code, 2);
  const report = JSON.parse(drift.stdout) as { summary: Record<string, number>; items: { kind: string; resource: string; diff: string }[] };
  assert.deepEqual(report.summary, { missing: 0, modified: 1, orphaned: 0, unmanaged: 0 });
  assert.equal(report.items[0]?.resource, "MeshTimeout/payments/ledger-timeouts.kuma-system");
  assert.match(report.items[0]?.diff ?? "", /-\s+idleTimeout: 5m0s/);

  const apply = record(await cli("apply"));
  assert.equal(apply.code, 0);
  assert.match(apply.stdout, /✓ update MeshTimeout\/payments\/ledger-timeouts\.kuma-system\nApply complete: 1 applied\./);
  assert.equal((await cli("drift")).code, 0);
});

test("removing a policy from the repository and apply --prune deletes exactly that one", async () => {
  const file = path.join(repo.dir, "meshes/edge/routes.yaml");
  const before = JSON.parse((await cli("plan", "--prune", "--format", "json")).stdout) as { summary: { unchanged: number } };
  git(repo.dir, "rm", "-q", "meshes/edge/routes.yaml");
  commitFiles(repo.dir, {}, "drop edge routes");
  const plan = JSON.parse(record(await cli("plan", "--prune", "--format", "json")).stdout) as { changes: { action: string; resource: string }[] };
  const deleted = plan.changes.filter((c) => c.action === "delete").map((c) => c.resource);
  assert.ok(deleted.length >= 1 && deleted.length <= 3, `deletes ${deleted.join(", ")}`);
  assert.ok(plan.changes.every((c) => c.action === "delete"), "nothing else changes");

  const apply = record(await cli("apply", "--prune", "--yes"));
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  for (const subject of deleted) assert.match(apply.stdout, new RegExp(`✓ delete ${subject.replaceAll("/", "\\/")}`));
  const after = JSON.parse((await cli("plan", "--prune", "--format", "json")).stdout) as { summary: { unchanged: number; delete: number } };
  assert.equal(after.summary.delete, 0);
  assert.equal(after.summary.unchanged, before.summary.unchanged - deleted.length);
  assert.ok(!file.endsWith("x"));
});

test("an empty commit of the config path is refused as empty, and with --allow-empty by the prune limit; nothing is deleted", async () => {
  const count = async () => ((await (await api("GET", "/meshes/payments/meshtrafficpermissions")).json()) as { total: number }).total;
  const before = await count();
  git(repo.dir, "rm", "-rq", "meshes", "global");
  commitFiles(repo.dir, {}, "oops: everything removed");
  try {
    const empty = record(await cli("apply", "--prune", "--yes"));
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no YAML configuration files in the repository at [0-9a-f]+.*--allow-empty.*\[empty-repository\]/);
    const apply = record(await cli("apply", "--prune", "--yes", "--allow-empty"));
    assert.equal(apply.code, 1);
    assert.match(apply.stderr, /refusing to prune: the plan deletes \d+ of \d+ owned resources .*--max-deletes/);
    assert.equal(await count(), before);
  } finally {
    git(repo.dir, "revert", "--no-edit", "HEAD");
  }
});

test("deletes without --yes and without a terminal are not applied", async () => {
  unlinkSync(path.join(repo.dir, "meshes/edge/protection.yaml"));
  commitFiles(repo.dir, {}, "drop edge protection");
  const apply = record(await cli("apply", "--prune"));
  assert.equal(apply.code, 1);
  assert.match(apply.stderr, /deletes need confirmation/);
  git(repo.dir, "revert", "--no-edit", "HEAD");
});

test("server errors and dropped connections are retried and the apply converges", async () => {
  const put = await api("PUT", "/meshes/payments/meshtimeouts/ledger-timeouts.kuma-system", {
    type: "MeshTimeout",
    mesh: "payments",
    name: "ledger-timeouts.kuma-system",
    labels: ledgerTimeoutsIdentity,
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "9m" } }] },
  });
  assert.ok(put.ok);
  let failures = 0;
  fault = (req) => (req.method === "PUT" && failures < 3 ? (failures++ % 2 === 0 ? 503 : "drop") : undefined);
  try {
    const apply = record(await cli("apply"));
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.equal(failures, 3, "the faults were hit");
  } finally {
    fault = undefined;
  }
  assert.equal((await cli("drift")).code, 0);
});

test("a 400 from the control plane names the resource, its file and the field", async () => {
  await api("PUT", "/meshes/payments/meshtimeouts/ledger-timeouts.kuma-system", {
    type: "MeshTimeout",
    mesh: "payments",
    name: "ledger-timeouts.kuma-system",
    labels: ledgerTimeoutsIdentity,
    spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "7m" } }] },
  });
  // What a real control plane answers for a rule meshops does not know (FACTS §2.6 error JSON).
  fault = (req) =>
    req.method === "PUT"
      ? {
          status: 400,
          title: "Could not process a resource",
          detail: "Resource is not valid",
          invalidParameters: [{ field: "spec.to[0].default.idleTimeout", reason: "must not exceed the zone's limit" }],
        }
      : undefined;
  try {
    const apply = record(await cli("apply"));
    assert.equal(apply.code, 1);
    assert.match(
      apply.stdout,
      /✗ update MeshTimeout\/payments\/ledger-timeouts\.kuma-system \(meshes\/payments\/[a-z-]+\.yaml:\d+\): .*400.*spec\.to\[0\]\.default\.idleTimeout: must not exceed the zone's limit/,
    );
  } finally {
    fault = undefined;
  }
});

test("the token never appears in any output", () => {
  assert.ok(outputs.length > 10);
  for (const output of outputs) assert.ok(!output.includes(TOKEN), "token leaked into output");
});

test("a wrong token is a clear error that does not print it", async () => {
  const run = await runCli(["plan", "--cp-url", server.url], repo.dir, { MESHOPS_CP_TOKEN: "wrong-token-123" });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /the control plane refused the token from MESHOPS_CP_TOKEN \(invalid or expired\)/);
  assert.ok(!run.stderr.includes("wrong-token-123"));
  const file = path.join(repo.dir, "..", `${path.basename(repo.dir)}-token`);
  writeFileSync(file, "wrong-token-456\n");
  const fromFile = await runCli(["plan", "--cp-url", server.url, "--token-file", file], repo.dir, {});
  assert.equal(fromFile.code, 1);
  assert.ok(fromFile.stderr.includes(`the control plane refused the token from --token-file ${file} (invalid or expired)`), fromFile.stderr);
  assert.ok(!fromFile.stderr.includes("wrong-token-456"));
  unlinkSync(file);
});

test("against a Kuma 3.x control plane, skipCreatingInitialPolicies is never sent and meshops creates the defaults", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-cp3-"));
  const store3 = await openStore({ stateDir: dir, version: "3.0.0", skipMeshCreation: true });
  const server3 = await startControlPlaneServer({ store: store3, port: 0, index: { version: "3.0.0" } });
  const sample = tempRepo();
  try {
    commitFolder(sample.dir, path.join(projectRoot, "sample-repo"));
    const run = (...args: string[]) => runCli([...args, "--cp-url", server3.url], sample.dir);
    const apply = await run("apply", "--verbose");
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    // The control plane made no defaults itself; the ones the repository wants came from meshops (87 changes: listed
    // with --verbose).
    assert.match(apply.stdout, /✓ create MeshRetry\/default\/mesh-retry-all-default/);
    const edge = (await (await fetch(`${server3.url}/meshes/edge`)).json()) as Record<string, unknown>;
    assert.equal("skipCreatingInitialPolicies" in edge, false);
    // analytics skips all defaults ('*'): none were created for it.
    const analytics = (await (await fetch(`${server3.url}/meshes/analytics/meshtimeouts`)).json()) as { items: { name: string }[] };
    assert.ok(!analytics.items.some((i) => i.name.startsWith("mesh-timeout-all-")));
    assert.equal((await run("plan")).code, 0);
    assert.equal((await run("drift")).code, 0);
  } finally {
    await server3.close();
    await store3.close();
    sample.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
