import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parse, stringify } from "yaml";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Product } from "../src/config/repoConfig.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, tempDir, tempRepo } from "./helpers/git.js";

/**
 * `export` from a Kubernetes zone whose system namespace is not the one meshops assumes for the product (kuma-system
 * for Kuma, kong-mesh-system for Kong Mesh): Kuma names its default policies `<prefix>-<mesh>.<system namespace>`, and
 * meshops materializes them under meshops.yaml's `systemNamespace`. The exported meshops.yaml must say which namespace
 * the control plane uses, or `plan` wants a second set of defaults and drift lists the live ones as unmanaged.
 * Against the embedded control plane in Kubernetes mode over HTTP, through the CLI.
 */
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

interface PlanJson {
  readonly summary: { create: number; update: number; delete: number; unchanged: number };
  readonly changes: { action: string; resource: string }[];
}

const documents = (systemNamespace: string) =>
  [
    { apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: "payments" }, spec: {} },
    ...[
      ["platform", systemNamespace],
      ["ledger", "shop"],
    ].map(([name, namespace]) => ({
      apiVersion: "kuma.io/v1alpha1",
      kind: "MeshTimeout",
      metadata: { name, namespace, labels: { "kuma.io/mesh": "payments" } },
      spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "7m" } }] },
    })),
  ]
    .map((d) => stringify(d))
    .join("---\n");

const cases: { product: Product; version: string; systemNamespace: string }[] = [
  { product: "kuma", version: "2.13.10", systemNamespace: "mesh-system" },
  // Kong Mesh installed into kuma-system (meshops' Kong Mesh default is kong-mesh-system).
  { product: "kong-mesh", version: "2.11.18", systemNamespace: "kuma-system" },
];

for (const { product, version, systemNamespace } of cases) {
  test(`export from a ${product} ${version} Kubernetes zone in ${systemNamespace}: plan shows no change, drift no default policy`, async () => {
    await withControlPlaneServer({ environment: "kubernetes", systemNamespace, product, version, skipMeshCreation: true }, async (url) => {
      const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: documents(systemNamespace), headers: { "content-type": "application/yaml" } });
      assert.equal(applied.status, 200, await applied.text());

      for (const adopt of [false, true]) {
        const out = path.join(tempDir("meshops-export-ns-", cleanups), "repo");
        const exported = await runCli(["export", "--cp-url", url, "--out", out, ...(adopt ? ["--adopt"] : [])], process.cwd());
        assert.equal(exported.code, 0, exported.stderr);
        const config = parse(readFileSync(path.join(out, "meshops.yaml"), "utf8")) as { systemNamespace?: string; controlPlane: { product: string } };
        assert.equal(config.controlPlane.product, product);
        assert.equal(config.systemNamespace, systemNamespace);
        git(out, "init", "-q");
        git(out, "add", "-A");
        git(out, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "export");

        const planned = await runCli(["plan", "--cp-url", url, "--allow-empty", "--format", "json"], out);
        const plan = JSON.parse(planned.stdout) as PlanJson;
        // Adopted or not, no change: on Kubernetes meshops writes nothing, so the ownership label is none to add.
        assert.deepEqual(plan.summary, { create: 0, update: 0, delete: 0, unchanged: plan.summary.unchanged }, planned.stdout);
        assert.equal(planned.code, 0, planned.stdout);

        const drift = await runCli(["drift", "--cp-url", url, "--allow-empty"], out);
        // Neither unmanaged nor missing: the live defaults are the desired ones.
        assert.doesNotMatch(drift.stdout, /^[?+] \S+ \S+-all-payments/m, drift.stdout);
        assert.equal(drift.code, 0, drift.stdout);
      }
    });
  });
}

test("plan and drift against a Kubernetes zone whose default policies are in another namespace than systemNamespace warn, naming it", async () => {
  await withControlPlaneServer({ environment: "kubernetes", systemNamespace: "mesh-system", version: "2.14.3", skipMeshCreation: true }, async (url) => {
    const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: documents("mesh-system"), headers: { "content-type": "application/yaml" } });
    assert.equal(applied.status, 200, await applied.text());
    const { dir, cleanup } = tempRepo("meshops-ns-warn-");
    cleanups.push(cleanup);
    commitFiles(dir, { "meshops.yaml": stringify({ controlPlane: { version: "2.14.3", skipDefaultMeshCreation: true } }), "payments.yaml": stringify({ type: "Mesh", name: "payments" }) });
    const warning =
      "meshops: warning: the control plane keeps its default policies in namespace mesh-system (MeshCircuitBreaker/payments/mesh-circuit-breaker-all-payments.mesh-system), " +
      "but meshops expects them in kuma-system: set systemNamespace: mesh-system in meshops.yaml\n";
    for (const command of ["plan", "drift"]) {
      const run = await runCli([command, "--cp-url", url], dir);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr, warning, command);
    }
    // Once meshops.yaml says so, the defaults are paired: no warning, nothing to create.
    commitFiles(dir, { "meshops.yaml": stringify({ systemNamespace: "mesh-system", controlPlane: { version: "2.14.3", skipDefaultMeshCreation: true } }) });
    const fixed = await runCli(["plan", "--cp-url", url, "--format", "json"], dir);
    assert.equal(fixed.stderr, "");
    assert.equal((JSON.parse(fixed.stdout) as PlanJson).summary.create, 0);
  });
});


test("export from a Kong Mesh Kubernetes zone in kuma-system that shows it only by a kind of the system namespace (a MeshExternalService; no default policy, no policy there) says systemNamespace: kuma-system", async () => {
  await withControlPlaneServer({ environment: "kubernetes", systemNamespace: "kuma-system", product: "kong-mesh", version: "2.14.3", skipMeshCreation: true }, async (url) => {
    // Owned by meshops (applied through Kubernetes, as Argo CD applies render's output), so export writes them out.
    const owned = { "meshops.io/managed-by": "meshops" };
    const zone = [
      { apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: "shop", labels: owned }, spec: { skipCreatingInitialPolicies: ["*"] } },
      {
        apiVersion: "kuma.io/v1alpha1",
        kind: "MeshExternalService",
        metadata: { name: "stripe", namespace: "kuma-system", labels: { "kuma.io/mesh": "shop", ...owned } },
        spec: { match: { type: "HostnameGenerator", port: 443, protocol: "tcp" }, endpoints: [{ address: "api.stripe.com", port: 443 }] },
      },
      {
        apiVersion: "kuma.io/v1alpha1",
        kind: "MeshTimeout",
        metadata: { name: "checkout", namespace: "checkout", labels: { "kuma.io/mesh": "shop", ...owned } },
        spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "7m" } }] },
      },
    ];
    const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: zone.map((d) => stringify(d)).join("---\n"), headers: { "content-type": "application/yaml" } });
    assert.equal(applied.status, 200, await applied.text());

    const out = path.join(tempDir("meshops-export-ns-", cleanups), "repo");
    const exported = await runCli(["export", "--cp-url", url, "--out", out, "--shape", "kubernetes"], process.cwd());
    assert.equal(exported.code, 0, exported.stderr);
    const config = parse(readFileSync(path.join(out, "meshops.yaml"), "utf8")) as { systemNamespace?: string; controlPlane: { product: string } };
    assert.equal(config.controlPlane.product, "kong-mesh");
    assert.equal(config.systemNamespace, "kuma-system");
    // The zone shows the Mesh with kuma.io/display-name: shop, its own name: not written, so render makes no label of it.
    assert.deepEqual((parse(readFileSync(path.join(out, "meshes/shop/mesh.yaml"), "utf8")) as { metadata: unknown }).metadata, { name: "shop" });
    git(out, "init", "-q");
    git(out, "add", "-A");
    git(out, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "export");
    // Without it the MeshExternalService's namespace was refused: "can be created only in the system namespace:kong-mesh-system".
    const validated = await runCli(["validate"], out);
    assert.equal(validated.code, 0, validated.stdout);
    const planned = await runCli(["plan", "--cp-url", url, "--format", "json"], out);
    assert.equal(planned.code, 0, planned.stdout);
    assert.deepEqual((JSON.parse(planned.stdout) as PlanJson).summary, { create: 0, update: 0, delete: 0, unchanged: 3 });
  });
});
