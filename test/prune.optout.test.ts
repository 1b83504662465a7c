import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * The prune opt-out (issue 16 item 4): a resource labelled `meshops.io/prune: disabled` is kept by `plan --prune` and
 * `apply --prune` once the repository stops defining it, against the embedded control plane in a state directory.
 * One policy is Universal-shaped, one Kubernetes-shaped (metadata.labels): both carry the label to the control plane.
 */
const repo = tempRepo("meshops-prune-optout-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-prune-optout-cp-"));
const run = (...args: string[]) => runCli([...args, "--state-dir", stateDir], repo.dir);

const timeout = () => ({ targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1m" } }] });
const files = (withPolicies: boolean): Record<string, string> => ({
  "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true }, prune: { maxDeletes: 10, maxDeletePercent: 100 } }),
  "meshes/alpha/mesh.yaml": stringify({ type: "Mesh", name: "alpha", skipCreatingInitialPolicies: ["*"] }),
  "meshes/alpha/policies.yaml": withPolicies
    ? [
        { type: "MeshTimeout", mesh: "alpha", name: "gone", spec: timeout() },
        { type: "MeshTimeout", mesh: "alpha", name: "pinned", labels: { "meshops.io/prune": "disabled" }, spec: timeout() },
        {
          apiVersion: "kuma.io/v1alpha1",
          kind: "MeshTimeout",
          metadata: { name: "pinned-k8s", namespace: "kuma-system", labels: { "kuma.io/mesh": "alpha", "meshops.io/prune": "disabled" } },
          spec: timeout(),
        },
      ]
        .map((o) => stringify(o))
        .join("---\n")
    : "",
});

before(async () => {
  commitFiles(repo.dir, files(true), "first");
  const apply = await run("apply");
  assert.equal(apply.code, 0, apply.stderr);
  commitFiles(repo.dir, files(false), "policies removed");
});
after(() => {
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

test("plan --prune shows a prune-disabled resource as kept, not as a delete", async () => {
  const text = await run("plan", "--prune");
  assert.equal(text.code, 2, text.stderr);
  assert.match(text.stdout, /^- delete MeshTimeout\/alpha\/gone$/m);
  assert.match(text.stdout, /^= kept MeshTimeout\/alpha\/pinned \(prune disabled\)$/m);
  assert.match(text.stdout, /^= kept MeshTimeout\/alpha\/pinned-k8s\.kuma-system \(prune disabled\)$/m);
  assert.doesNotMatch(text.stdout, /delete MeshTimeout\/alpha\/pinned/);
  const json = JSON.parse((await run("plan", "--prune", "--format", "json")).stdout) as {
    changes: { action: string; resource: string }[];
    kept: { resource: string; reason: string }[];
    risks: unknown[];
  };
  assert.deepEqual(json.changes.map((c) => `${c.action} ${c.resource}`), ["delete MeshTimeout/alpha/gone"]);
  assert.deepEqual(json.kept.map((k) => `${k.resource} ${k.reason}`).sort(), ["MeshTimeout/alpha/pinned prune disabled", "MeshTimeout/alpha/pinned-k8s.kuma-system prune disabled"]);
  // The kept policies stay in the mesh: removing the last other one is no "all policies removed" mass change.
  assert.deepEqual(json.risks, []);
});

test("apply --prune deletes the rest and leaves the prune-disabled resources on the control plane", async () => {
  const apply = await run("apply", "--prune", "--yes");
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(apply.stdout, /delete MeshTimeout\/alpha\/gone/);
  assert.doesNotMatch(apply.stdout, /delete MeshTimeout\/alpha\/pinned/);
  // Afterwards only the kept ones are left: no change, both still listed as kept (so they are still live).
  const json = JSON.parse((await run("plan", "--prune", "--format", "json")).stdout) as { changes: unknown[]; kept: { resource: string }[] };
  assert.deepEqual(json.changes, []);
  assert.deepEqual(json.kept.map((k) => k.resource).sort(), ["MeshTimeout/alpha/pinned", "MeshTimeout/alpha/pinned-k8s.kuma-system"]);
});
