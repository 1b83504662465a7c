import assert from "node:assert/strict";
import { test } from "node:test";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

/**
 * A Kubernetes document's labels become the resource's labels, a map of strings (go-v2.14.3
 * pkg/core/resources/model/resource.go ResourceMeta.GetLabels; the same labels a Universal document writes, which its
 * schema types as an object of strings), and Kuma's admission webhook decodes the object into its typed form first,
 * answering 400 to what does not decode (pkg/plugins/runtime/k8s/webhooks/validation.go Handle, decode). meshops read
 * `metadata.labels` (or `metadata.annotations`, which render writes back) that is a list as none at all, and a `kuma.io/mesh` label that is a list or a mapping (or, on
 * a Kuma Secret, a number) as no label, so mesh `default`: the schema check, which refuses such a value for any other
 * label, never saw it. Each is now an error at the field, as a number already was on Kuma's own kinds.
 */
const SPEC = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";
const timeout = (name: string, labels: string) => `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${name}\n  namespace: kuma-system\n${labels}${SPEC}`;
const secret = (name: string, labels: string) =>
  `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: ${name}\n  namespace: kuma-system\n${labels}data:\n  value: dGVzdA==\n`;

test("Kubernetes metadata.labels that is not a mapping, or a kuma.io/mesh label that is not a string, is an error at it", () => {
  const result = validateSnapshot(
    snapshotOfTexts(
      {
        "mesh.yaml": "type: Mesh\nname: default\n",
        "list-labels.yaml": timeout("t1", "  labels: [team]\n"),
        "list-mesh.yaml": timeout("t2", "  labels:\n    kuma.io/mesh: [default]\n"),
        "map-mesh.yaml": timeout("t3", "  labels:\n    kuma.io/mesh: {name: default}\n"),
        "secret-list-labels.yaml": secret("s1", "  labels: [team]\n"),
        "secret-number-mesh.yaml": secret("s2", "  labels:\n    kuma.io/mesh: 5\n"),
        "secret-list-mesh.yaml": secret("s3", "  labels:\n    kuma.io/mesh: [default]\n"),
        "list-annotations.yaml": timeout("t4", "  annotations: [note]\n"),
        "secret-list-annotations.yaml": secret("s4", "  annotations: [note]\n"),
      },
      "secrets:\n  allowPlaintext: true\n",
    ),
  );
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.path}: ${d.message}`);
  assert.deepEqual(errors, [
    "list-annotations.yaml:6 metadata.annotations: metadata.annotations must be a mapping of names to strings, found a sequence",
    "list-labels.yaml:6 metadata.labels: metadata.labels must be a mapping of names to strings, found a sequence",
    'list-mesh.yaml:7 metadata.labels["kuma.io/mesh"]: the kuma.io/mesh label must be a mesh name, found a sequence',
    'map-mesh.yaml:7 metadata.labels["kuma.io/mesh"]: the kuma.io/mesh label must be a mesh name, found a mapping',
    "secret-list-annotations.yaml:7 metadata.annotations: metadata.annotations must be a mapping of names to strings, found a sequence",
    "secret-list-labels.yaml:7 metadata.labels: metadata.labels must be a mapping of names to strings, found a sequence",
    'secret-list-mesh.yaml:8 metadata.labels["kuma.io/mesh"]: the kuma.io/mesh label must be a mesh name, found a sequence',
    'secret-number-mesh.yaml:8 metadata.labels["kuma.io/mesh"]: the kuma.io/mesh label must be a mesh name, found 5',
  ]);
  // None of them was taken into mesh default.
  assert.deepEqual(result.resources.map((r) => `${r.type}/${r.mesh}/${r.name}`).filter((k) => !k.startsWith("Mesh/")), []);
});

test("Kubernetes labels as a mapping, a kuma.io/mesh label naming the mesh, and no labels at all are fine", () => {
  const result = validateSnapshot(
    snapshotOfTexts(
      {
        "mesh.yaml": "type: Mesh\nname: default\n",
        "named.yaml": timeout("t1", "  labels:\n    kuma.io/mesh: default\n    team: a\n"),
        "none.yaml": timeout("t2", ""),
        "secret.yaml": secret("s1", "  labels:\n    kuma.io/mesh: default\n"),
      },
      "secrets:\n  allowPlaintext: true\n",
    ),
  );
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  assert.deepEqual(result.resources.map((r) => `${r.type}/${r.mesh}/${r.name}`).sort(), ["Mesh/default/default", "MeshTimeout/default/t1.kuma-system", "MeshTimeout/default/t2.kuma-system", "Secret/default/s1"]);
});
