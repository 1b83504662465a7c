/**
 * A control plane on Kubernetes (its API read-only): Argo CD or Flux applies, meshops compares. Until they have, a
 * mesh is behind, and its reason says what it waits for (not "nothing applied yet", which reads as meshops' failure).
 * In process, as reconciler.incremental.test.ts: a real Git repository, the embedded control plane in Kubernetes mode.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shortRevision } from "../src/model/revision.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";
import { openReconcilerBed, type ReconcilerBed } from "./helpers/reconcilerBed.js";

let bed: ReconcilerBed;

before(async () => {
  bed = await openReconcilerBed(
    "meshops-kubernetes-awaited",
    {
      "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\ndefaults:\n  materialize: false\n",
      "shop/mesh.yaml": "type: Mesh\nname: shop\nskipCreatingInitialPolicies: ['*']\n",
      "shop/timeout.yaml": meshTimeoutFlowYaml("t", "shop", "20s"),
    },
    { environment: "kubernetes" },
  );
});
after(() => bed.close());

const shop = () => bed.status.toJSON().meshes.find((m) => m.name === "shop");

test("before Argo CD or Flux applied anything, a mesh is behind waiting for them to apply the head, and for the next head after a commit", async () => {
  const head = git(bed.repo.dir, "rev-parse", "HEAD");
  await bed.run("startup");
  assert.equal(bed.status.toJSON().controlPlane.readOnly, true);
  assert.deepEqual([shop()?.state, shop()?.reason], ["behind", `waiting for Argo CD or Flux to apply revision ${shortRevision(head)}`]);

  const next = commitFiles(bed.repo.dir, { "shop/timeout.yaml": meshTimeoutFlowYaml("t", "shop", "30s") });
  await bed.run("commit");
  assert.deepEqual([shop()?.state, shop()?.reason], ["behind", `waiting for Argo CD or Flux to apply revision ${shortRevision(next)}`]);
});
