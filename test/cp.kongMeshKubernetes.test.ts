import assert from "node:assert/strict";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * `meshops cp --product kong-mesh --mode kubernetes` without `--system-namespace` stands for Kong Mesh as its chart
 * installs it, in kong-mesh-system: the namespace meshops assumes for product kong-mesh (render, the default policies'
 * names). A repository of product kong-mesh applied there through the stand-in for kubectl then plans no change, and
 * the default policies the zone made are neither created again nor drift.
 */
const repo = tempRepo("meshops-kong-k8s-");
after(() => repo.cleanup());

test("a Kong Mesh Kubernetes zone keeps its default policies in kong-mesh-system, where meshops expects them", async () => {
  await withControlPlaneServer({ environment: "kubernetes", product: "kong-mesh", version: "2.12.14", skipMeshCreation: true }, async (url) => {
    commitFiles(repo.dir, {
      "meshops.yaml": stringify({ controlPlane: { version: "2.12.14", product: "kong-mesh", skipDefaultMeshCreation: true } }),
      "payments.yaml": stringify({ type: "Mesh", name: "payments" }),
    });
    const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(rendered.stdout, /name: mesh-timeout-all-payments\n {2}namespace: kong-mesh-system\n/);
    // The Mesh alone, as a cluster would get it from Argo CD before anything else: the zone makes the defaults itself.
    const mesh = rendered.stdout.split("---\n").find((d) => /^kind: Mesh$/m.test(d));
    const applied = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: mesh, headers: { "content-type": "application/yaml" } });
    assert.equal(applied.status, 200, await applied.text());
    const timeouts = (await (await fetch(`${url}/meshes/payments/meshtimeouts`)).json()) as { items: { name: string }[] };
    assert.deepEqual(timeouts.items.map((i) => i.name).sort(), ["mesh-gateways-timeout-all-payments.kong-mesh-system", "mesh-timeout-all-payments.kong-mesh-system"]);

    const planned = await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir);
    const plan = JSON.parse(planned.stdout) as { summary: { create: number; update: number } };
    // The defaults are there under the names meshops materializes, as it materializes them: nothing to create or
    // update (the ownership label render adds is no difference on Kubernetes, where meshops writes nothing).
    assert.deepEqual([plan.summary.create, plan.summary.update], [0, 0], planned.stdout);
    const drift = await runCli(["drift", "--cp-url", url], repo.dir);
    assert.equal(drift.stdout, "In sync.\n");
  });
});
