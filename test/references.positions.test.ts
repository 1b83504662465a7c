/**
 * Where the online `unknown-service` warning points: at the field that holds the reference (`spec.to[0].targetRef.name`),
 * line and column, as the offline diagnostics do, not at the start of the document. Found by locating the one file
 * when the warning is made: a validated tree (the files in memory) and one read from the validation cache (the files
 * read again from Git) must say the same. A real Git repository and the embedded control plane, the CLI in-process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-refpos-");
const work = mkdtempSync(path.join(tmpdir(), "meshops-refpos-work-"));
after(() => {
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** The Mesh, then the policy: its reference's `name:` is on line 9, column 9 (the document starts on line 4). */
const policies = [
  "type: Mesh",
  "name: payments",
  "---",
  "type: MeshTimeout",
  "name: to-ghost",
  "spec:",
  "  to:",
  "    - targetRef:",
  "        name: ghost",
  "        kind: MeshService",
  "      default:",
  "        idleTimeout: 1m",
  "mesh: payments",
  "",
].join("\n");

/** The same reference in a Kubernetes document, after a first document: `name:` on lines 14 and 31, column 9. */
const kubernetes = [
  "apiVersion: kuma.io/v1alpha1",
  "kind: MeshTimeout",
  "metadata:",
  "  name: to-web",
  "  namespace: kuma-system",
  "  labels:",
  "    kuma.io/mesh: payments",
  "spec:",
  "  targetRef:",
  "    kind: Mesh",
  "  to:",
  "    - targetRef:",
  "        kind: MeshService",
  "        name: web",
  "      default:",
  "        idleTimeout: 1m",
  "---",
  "apiVersion: kuma.io/v1alpha1",
  "kind: MeshTimeout",
  "metadata:",
  "  name: to-phantom",
  "  namespace: kuma-system",
  "  labels:",
  "    kuma.io/mesh: payments",
  "spec:",
  "  to:",
  "    - default:",
  "        idleTimeout: 1m",
  "      targetRef:",
  "        kind: MeshService",
  "        name: phantom",
  "",
].join("\n");

commitFiles(repo.dir, {
  "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
  "meshes/payments/policies.yaml": policies,
  "meshes/payments/k8s.yaml": kubernetes,
});

const warnings = (stderr: string) => stderr.split("\n").filter((line) => line.endsWith("[unknown-service]"));
const expected = [
  "meshes/payments/k8s.yaml:14:9: warning: MeshTimeout/payments/to-web.kuma-system spec.to[0].targetRef.name: MeshService/payments/web.kuma-system is defined neither in the repository nor in the control plane [unknown-service]",
  "meshes/payments/k8s.yaml:31:9: warning: MeshTimeout/payments/to-phantom.kuma-system spec.to[0].targetRef.name: MeshService/payments/phantom.kuma-system is defined neither in the repository nor in the control plane [unknown-service]",
  "meshes/payments/policies.yaml:9:9: warning: MeshTimeout/payments/to-ghost spec.to[0].targetRef.name: MeshService/payments/ghost is defined neither in the repository nor in the control plane [unknown-service]",
];

test("plan against the embedded control plane names the line and column of the reference, not the document's first line", async () => {
  const plan = await runCli(["plan", "--repo", repo.dir, "--state-dir", path.join(work, "cp")], work);
  assert.equal(plan.code, 2, plan.stderr);
  assert.deepEqual(warnings(plan.stderr), expected);
});

test("a plan read from the validation cache names the same lines as the plan that validated", async () => {
  const cache = path.join(work, "validation-cache");
  const args = ["plan", "--repo", repo.dir, "--state-dir", path.join(work, "cp-cached"), "--validation-cache", cache];
  const validated = await runCli(args, work);
  assert.equal(validated.code, 2, validated.stderr);
  assert.deepEqual(warnings(validated.stderr), expected);
  assert.equal(readdirSync(cache).filter((name) => name.startsWith("validation-")).length, 1, "the entry the next run reads");
  const cached = await runCli(args, work);
  assert.equal(cached.code, 2, cached.stderr);
  assert.deepEqual(warnings(cached.stderr), expected);
});
