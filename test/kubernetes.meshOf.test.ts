/**
 * Which mesh a Kubernetes document belongs to, as Kuma v2.14.3 decides it: a namespaced policy's `GetMesh()` is its
 * `kuma.io/mesh` label, or `default` without one (pkg/plugins/policies/*\/k8s/v1alpha1/zz_generated.types.go); a
 * MeshGateway's is its top-level `mesh` field alone (pkg/plugins/resources/k8s/native/api/v1alpha1/zz_generated.mesh.go),
 * and the admission webhooks refuse an empty one ("mesh: cannot be empty": owner_reference_mutator.go and
 * validation.go call `ValidateMesh`, meta_validator.go), as they refuse an empty label. Nothing takes the mesh from the
 * namespace (`MeshOfByLabelOrAnnotation` is for Pods, Services and gateway instances).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { validateJson } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const repos: { cleanup: () => void }[] = [];
after(() => repos.forEach((r) => r.cleanup()));

async function validate(files: Record<string, string>) {
  const repo = tempRepo("meshops-mesh-of-");
  repos.push(repo);
  commitFiles(repo.dir, { "meshes.yaml": "type: Mesh\nname: edge\nskipCreatingInitialPolicies: ['*']\n", ...files });
  const report = await validateJson(repo.dir);
  return { report, errors: report.diagnostics.filter((d) => d.severity === "error").map((d) => [`${d.file}:${d.line}`, d.rule, d.resource, d.path, d.message]) };
}

const gateway = (top: string, labels = "") =>
  `apiVersion: kuma.io/v1alpha1\nkind: MeshGateway\n${top}metadata:\n  name: edge-gateway\n${labels}spec:\n  selectors:\n    - match:\n        kuma.io/service: edge-gateway\n  conf:\n    listeners:\n      - port: 8080\n        protocol: HTTP\n`;

const EMPTY_MESH =
  'a MeshGateway names its mesh in its top-level `mesh:` field (not a kuma.io/mesh label), and the admission webhook refuses one without it ("mesh: cannot be empty"); write mesh: <the mesh>';

test("a MeshGateway without a mesh field is refused, as the admission webhook refuses it, not taken as mesh default", async () => {
  const missing = await validate({ "gateway.yaml": gateway("") });
  assert.deepEqual(missing.errors, [["gateway.yaml:1", "kubernetes-shape", "MeshGateway/edge-gateway", "mesh", EMPTY_MESH]]);
  const empty = await validate({ "gateway.yaml": gateway('mesh: ""\n') });
  assert.deepEqual(empty.errors, [["gateway.yaml:3", "kubernetes-shape", "MeshGateway/edge-gateway", "mesh", EMPTY_MESH]]);
  // A label is not where its mesh is read from: the one error, at the document.
  const labelled = await validate({ "gateway.yaml": gateway("", "  labels:\n    kuma.io/mesh: edge\n") });
  assert.deepEqual(labelled.errors, [["gateway.yaml:1", "kubernetes-shape", "MeshGateway/edge-gateway", "mesh", EMPTY_MESH]]);
  const named = await validate({ "gateway.yaml": gateway("mesh: edge\n") });
  assert.equal(named.report.valid, true, JSON.stringify(named.errors));
});

test("a namespaced policy without the label is mesh default; an empty label is refused", async () => {
  const timeout = (labels: string) =>
    `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t1\n  namespace: kuma-system\n${labels}spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 30s\n`;
  const unlabelled = await validate({ "t1.yaml": timeout("") });
  assert.equal(unlabelled.report.valid, true, JSON.stringify(unlabelled.errors));
  const empty = await validate({ "t1.yaml": timeout('  labels:\n    kuma.io/mesh: ""\n') });
  // The validator's own path and message, at the label.
  assert.deepEqual(empty.errors, [["t1.yaml:7", "semantic", "MeshTimeout/t1.kuma-system", 'metadata.labels["kuma.io/mesh"]', "cannot be empty"]]);
});
