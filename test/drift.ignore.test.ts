import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

/**
 * drift.ignoreUnmanaged (issue 16 item 4), against the embedded control plane in a state directory: Mesh `default`,
 * its default policies and one hand-made policy are put there by another meshops instance (so they are not this
 * repository's: unmanaged); this repository defines only Mesh alpha.
 */
const seed = tempRepo("meshops-drift-ignore-seed-");
const repo = tempRepo("meshops-drift-ignore-");
const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-drift-ignore-cp-"));

const retry = { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { tcp: { maxConnectAttempt: 2 } } }] };
const alpha = { "meshes/alpha/mesh.yaml": stringify({ type: "Mesh", name: "alpha", skipCreatingInitialPolicies: ["*"] }) };
const driftItems = async (config: object): Promise<string[]> => {
  commitFiles(repo.dir, { "meshops.yaml": stringify(config), ...alpha }, "config");
  const result = await runCli(["drift", "--format", "json", "--state-dir", stateDir], repo.dir);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { items: { kind: string; resource: string }[] }).items.map((i) => `${i.kind} ${i.resource}`);
};

before(async () => {
  commitFiles(
    seed.dir,
    {
      "meshops.yaml": stringify({ instance: "seed" }),
      "mesh.yaml": stringify({ type: "Mesh", name: "default" }),
      "custom.yaml": stringify({ type: "MeshRetry", mesh: "default", name: "custom", spec: retry }),
    },
    "seed",
  );
  const seeded = await runCli(["apply", "--state-dir", stateDir], seed.dir);
  assert.equal(seeded.code, 0, seeded.stderr);
  commitFiles(repo.dir, { "meshops.yaml": stringify({ controlPlane: { skipDefaultMeshCreation: true } }), ...alpha }, "alpha");
  const applied = await runCli(["apply", "--state-dir", stateDir], repo.dir);
  assert.equal(applied.code, 0, applied.stderr);
});
after(() => {
  seed.cleanup();
  repo.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

test("by default drift leaves out Mesh default and the default policies the control plane created", async () => {
  assert.deepEqual(await driftItems({ controlPlane: { skipDefaultMeshCreation: true } }), ["unmanaged MeshRetry/default/custom"]);
});

test("ignoreUnmanaged: [] reports every unmanaged resource; a selector of one's own replaces the defaults", async () => {
  const all = await driftItems({ controlPlane: { skipDefaultMeshCreation: true }, drift: { ignoreUnmanaged: [] } });
  assert.ok(all.includes("unmanaged Mesh/default"), all.join("\n"));
  assert.ok(all.includes("unmanaged MeshTimeout/default/mesh-timeout-all-default"), all.join("\n"));
  assert.ok(all.includes("unmanaged MeshRetry/default/custom"), all.join("\n"));
  const own = await driftItems({ controlPlane: { skipDefaultMeshCreation: true }, drift: { ignoreUnmanaged: [{ type: "MeshRetry", name: "c*" }] } });
  assert.deepEqual(own, all.filter((i) => i !== "unmanaged MeshRetry/default/custom"));
});
