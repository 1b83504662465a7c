/**
 * A Mesh whose mTLS backend is a provided CA read from Secrets the same repository defines (issue: it could not be
 * created in one apply). The control plane loads the CA from those Secrets whenever the Mesh is written, and a Secret
 * belongs to a mesh, so it cannot exist before its Mesh. Kuma's docs say: create the Mesh without that backend, then
 * the Secrets, then update the Mesh with it. `apply` (and the daemon, which applies the same way) does exactly that.
 * The embedded control plane over HTTP, which checks the Secrets as Kuma's provided CA manager does; a real Git repository.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { stringify } from "yaml";
import type { JsonObject } from "../src/model/resource.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const mesh: JsonObject = {
  type: "Mesh",
  name: "vault",
  mtls: { enabledBackend: "ca-1", backends: [{ name: "ca-1", type: "provided", conf: { cert: { secret: "ca-cert" }, key: { secret: "ca-key" } } }] },
};
const secret = (name: string, pem: string): JsonObject => ({ type: "Secret", mesh: "vault", name, data: Buffer.from(pem).toString("base64") });
const SECRETS = [secret("ca-cert", "-----BEGIN CERTIFICATE-----\n"), secret("ca-key", "-----BEGIN PRIVATE KEY-----\n")];

const MESHOPS_YAML = stringify({ controlPlane: { skipDefaultMeshCreation: true }, defaults: { materialize: false }, secrets: { allowPlaintext: true } });
const repo = tempRepo("meshops-provided-ca-");
after(() => repo.cleanup());
const vaultFiles = { "meshes/vault/mesh.yaml": stringify(mesh), "meshes/vault/ca.yaml": SECRETS.map((s) => stringify(s)).join("---\n") };
commitFiles(repo.dir, { "meshops.yaml": MESHOPS_YAML, ...vaultFiles });

const put = (url: string, at: string, body: JsonObject) => fetch(`${url}${at}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("the embedded control plane refuses a Mesh whose provided CA reads a Secret it does not have, as Kuma's CA manager does", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const res = await put(url, "/meshes/vault", mesh);
    assert.equal(res.status, 400);
    const reason = 'could not load data: resource not found: type="Secret" name="ca-key" mesh="vault"';
    assert.deepEqual(((await res.json()) as JsonObject).invalid_parameters, [
      { field: "mtls.backends[0].conf.cert", reason },
      { field: "mtls.backends[0].conf.key", reason },
    ]);
    // Without the backend the Mesh is created; with both Secrets there, the backend is accepted.
    assert.equal((await put(url, "/meshes/vault", { type: "Mesh", name: "vault" })).status, 201);
    for (const s of SECRETS) assert.equal((await put(url, `/meshes/vault/secrets/${s.name as string}`, s)).status, 201);
    assert.equal((await put(url, "/meshes/vault", mesh)).status, 200);
  });
});

test("apply creates the Mesh, its CA's Secrets and then the Mesh with the provided backend, in one run; nothing is left to plan", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const applied = await runCli(["apply", "--cp-url", url, "--verbose"], repo.dir);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /Apply complete: 3 applied\./);
    const live = (await (await fetch(`${url}/meshes/vault`)).json()) as JsonObject;
    assert.deepEqual(live.mtls, mesh.mtls);
    const plan = await runCli(["plan", "--cp-url", url], repo.dir);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});

test("a Secret write that fails after the Mesh was created without its provided CA: the report says the Mesh was written without that backend, not that it was not attempted; a second apply completes it", async () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-provided-ca-fail-"));
  const store = await openStore({ stateDir, skipMeshCreation: true });
  let refuse = true;
  const server = await startControlPlaneServer({
    store,
    port: 0,
    faults: (req) => (refuse && req.method === "PUT" && req.url === "/meshes/vault/secrets/ca-key" ? { status: 400, title: "Bad Request", detail: "injected refusal" } : undefined),
  });
  try {
    const first = await runCli(["apply", "--cp-url", server.url, "--format", "json"], repo.dir);
    assert.equal(first.code, 1, first.stderr);
    const report = JSON.parse(first.stdout) as { summary: Record<string, number>; results: { resource: string; outcome: string; error?: string }[] };
    // The control plane holds Mesh/vault (without ca-1) and Secret ca-cert: the report says so of each.
    const live = (await (await fetch(`${server.url}/meshes/vault`)).json()) as JsonObject;
    assert.equal(live.mtls, undefined);
    assert.deepEqual(
      report.results.map((r) => [r.resource, r.outcome]),
      [
        ["Mesh/vault", "failed"],
        ["Secret/vault/ca-cert", "applied"],
        ["Secret/vault/ca-key", "failed"],
      ],
    );
    assert.equal(
      report.results[0]?.error,
      "Mesh/vault: created without mTLS backend ca-1 (it reads Secrets created after it); not written with it: an earlier change of mesh vault failed",
    );
    assert.deepEqual(report.summary, { applied: 1, failed: 2, notAttempted: 0 });

    refuse = false;
    const second = await runCli(["apply", "--cp-url", server.url], repo.dir);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.deepEqual(second.stdout.trimEnd().split("\n"), ["✓ update Mesh/vault", "✓ create Secret/vault/ca-key", "Apply complete: 2 applied."]);
    assert.deepEqual(((await (await fetch(`${server.url}/meshes/vault`)).json()) as JsonObject).mtls, mesh.mtls);
  } finally {
    await server.close();
    await store.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test("the embedded control plane refuses to delete a Secret its Mesh's CA backend uses, as Kuma's secret validator does; once the Mesh is gone the Secrets went with it", async () => {
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    assert.equal((await put(url, "/meshes/vault", { type: "Mesh", name: "vault" })).status, 201);
    for (const s of SECRETS) assert.equal((await put(url, `/meshes/vault/secrets/${s.name as string}`, s)).status, 201);
    assert.equal((await put(url, "/meshes/vault", mesh)).status, 200);
    const refused = await fetch(`${url}/meshes/vault/secrets/ca-key`, { method: "DELETE" });
    assert.equal(refused.status, 400);
    // kumahq/kuma pkg/core/secrets/manager/validator.go (ValidateDelete), UsedSecrets of the provided CA manager.
    assert.deepEqual(((await refused.json()) as JsonObject).invalid_parameters, [
      {
        field: "name",
        reason: 'The secret "ca-key" that you are trying to remove is currently in use in Mesh "vault" in mTLS backend "ca-1". Please remove the reference from the "ca-1" backend before removing the secret.',
      },
    ]);
    assert.equal((await fetch(`${url}/meshes/vault`, { method: "DELETE" })).status, 200);
    assert.equal((await fetch(`${url}/meshes/vault/secrets/ca-key`)).status, 404);
  });
});

test("prune deletes a Mesh with the Secrets its provided CA uses: the Mesh before them (the control plane refuses them while it uses them)", async () => {
  const gone = tempRepo("meshops-provided-ca-prune-");
  after(() => gone.cleanup());
  commitFiles(gone.dir, {
    "meshops.yaml": MESHOPS_YAML,
    ...vaultFiles,
    "meshes/other/mesh.yaml": stringify({ type: "Mesh", name: "other" }),
  });
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    const created = await runCli(["apply", "--cp-url", url], gone.dir);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    git(gone.dir, "rm", "-q", "-r", "meshes/vault");
    git(gone.dir, "commit", "-q", "-m", "vault goes");
    const pruned = await runCli(["apply", "--cp-url", url, "--prune", "--yes", "--max-delete-percent", "100", "--format", "json"], gone.dir);
    assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
    const report = JSON.parse(pruned.stdout) as { summary: Record<string, number>; results: { resource: string; outcome: string }[] };
    assert.deepEqual(report.summary, { applied: 3, failed: 0, notAttempted: 0 });
    assert.equal((await fetch(`${url}/meshes/vault`)).status, 404);
    const plan = await runCli(["plan", "--cp-url", url, "--prune"], gone.dir);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});
