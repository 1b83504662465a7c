import assert from "node:assert/strict";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * The mass-change guard on a control plane that already holds resources: a policy written before meshops (kumactl
 * style, no ownership label) stays in its mesh whatever `--prune` does, so removing the last policy meshops owns there
 * is no "all policies removed" (its message says "none is left in the mesh"). A mesh whose last policy does go is
 * still flagged. Against the embedded control plane over HTTP, through the CLI.
 */
const repo = tempRepo("meshops-guard-unowned-");
after(() => repo.cleanup());

const timeout = (mesh: string, name: string) => ({
  type: "MeshTimeout",
  mesh,
  name,
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1m" } }] },
});

async function put(url: string, path: string, object: object): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(object) });
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.text()}`);
}

interface PlanJson {
  readonly changes: { action: string; resource: string }[];
  readonly risks: { rule: string; resource: string; message: string }[];
}

test("removing meshops' last policy of a mesh that keeps an unowned one is not flagged; a mesh left empty is", async () => {
  await withControlPlaneServer({ version: "2.13.10" }, async (url) => {
    const files = (withPolicies: boolean) => ({
      "meshops.yaml": stringify({ controlPlane: { version: "2.13.10", skipDefaultMeshCreation: true }, prune: { maxDeletes: 10, maxDeletePercent: 100 } }),
      "meshes.yaml": [
        { type: "Mesh", name: "shop", skipCreatingInitialPolicies: ["*"] },
        { type: "Mesh", name: "lab", skipCreatingInitialPolicies: ["*"] },
        ...(withPolicies ? [timeout("shop", "owned"), timeout("lab", "owned")] : []),
      ]
        .map((o) => stringify(o))
        .join("---\n"),
    });
    commitFiles(repo.dir, files(true), "meshes and policies");
    const applied = await runCli(["apply", "--cp-url", url], repo.dir);
    assert.equal(applied.code, 0, applied.stderr);
    // Written by someone else, before or beside meshops: it carries no meshops.io/managed-by label.
    await put(url, "/meshes/shop/meshtimeouts/by-hand", timeout("shop", "by-hand"));
    commitFiles(repo.dir, files(false), "policies removed");

    const planned = await runCli(["plan", "--prune", "--cp-url", url, "--format", "json"], repo.dir);
    assert.equal(planned.code, 2, planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(
      plan.changes.filter((c) => c.action === "delete").map((c) => c.resource).sort(),
      ["MeshTimeout/lab/owned", "MeshTimeout/shop/owned"],
    );
    // shop keeps MeshTimeout/shop/by-hand; lab is left without a policy.
    assert.deepEqual(plan.risks.map((r) => `${r.rule} ${r.resource}`), ["mass-change/all-policies-removed Mesh/lab"]);

    // The review apply shows before asking (no terminal here: it refuses after it) says the same.
    const review = await runCli(["apply", "--prune", "--cp-url", url], repo.dir);
    assert.equal(review.code, 1);
    assert.match(review.stderr, /all-policies-removed: removes all 1 policy of Mesh\/lab/);
    assert.doesNotMatch(review.stderr, /Mesh\/shop; none is left/);

    // Scoped to shop, nothing is flagged either; the unowned policy survives the apply.
    const scoped = await runCli(["plan", "--prune", "--mesh", "shop", "--cp-url", url, "--format", "json"], repo.dir);
    assert.deepEqual((JSON.parse(scoped.stdout) as PlanJson).risks, []);
    const pruned = await runCli(["apply", "--prune", "--yes", "--cp-url", url], repo.dir);
    assert.equal(pruned.code, 0, pruned.stderr);
    const left = (await (await fetch(`${url}/meshes/shop/meshtimeouts`)).json()) as { items: { name: string }[] };
    assert.deepEqual(left.items.map((i) => i.name), ["by-hand"]);
  });
});
