import assert from "node:assert/strict";
import { test } from "node:test";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

/**
 * A Kubernetes Mesh or MeshGateway keeps its protobuf message under `spec` (FACTS §3.2, §5): the Mesh message's fields
 * are mtls, tracing, logging, metrics, networking, routing, constraints, skipCreatingInitialPolicies and meshServices,
 * the MeshGateway's selectors, tags and conf (go-v2.14.3 api/mesh/v1alpha1/mesh.pb.go, gateway.pb.go), and the control
 * plane drops a field the message lacks (FACTS §2.5: jsonpb with AllowUnknownFields). So a `name`, `type`, `mesh` or
 * `labels` under spec names nothing: the object is named by metadata.name, typed by kind, labelled by metadata.labels.
 * meshops spread the spec over the Universal object, so spec.name renamed the Mesh, spec.type made it another kind and
 * spec.labels labelled it; a MeshGateway's were dropped without a word. Each is now the error any other unknown field
 * of the spec is (`unknown field`), at the field; and a spec that is no mapping at all is no Mesh message either.
 */
const snapshot = (files: Record<string, string>) => snapshotOfTexts(files);

/** A Kubernetes Mesh named `name`, `rest` after its metadata.name. */
const kubernetesMesh = (name: string, rest = "") => `apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: ${name}\n${rest}`;
const MESH = kubernetesMesh("default");
const GATEWAY_SPEC = "  selectors:\n    - match:\n        kuma.io/service: edge\n  conf:\n    listeners:\n      - port: 8080\n        protocol: HTTP\n";

test("name, type, mesh or labels under a Kubernetes Mesh's or MeshGateway's spec is an unknown field there, not the object's own", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": MESH,
      "named.yaml": kubernetesMesh("payments", "spec:\n  name: other\n"),
      "typed.yaml": kubernetesMesh("orders", "spec:\n  type: MeshTimeout\n"),
      "labelled.yaml": kubernetesMesh("billing", "spec:\n  labels:\n    team: billing\n"),
      "gateway.yaml": `apiVersion: kuma.io/v1alpha1\nkind: MeshGateway\nmesh: default\nmetadata:\n  name: edge\nspec:\n  mesh: other\n${GATEWAY_SPEC}`,
    }),
  );
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.resource} ${d.path}`);
  assert.deepEqual(errors, ["gateway.yaml:7 MeshGateway/default/edge spec.mesh", "labelled.yaml:6 Mesh/billing spec.labels", "named.yaml:6 Mesh/payments spec.name", "typed.yaml:6 Mesh/orders spec.type"]);
  for (const d of result.diagnostics.filter((d) => d.severity === "error")) assert.match(d.message, /^unknown field "(name|type|mesh|labels)"/);
  // None of them became another resource.
  assert.deepEqual(result.resources.map((r) => `${r.type}/${r.name}`).sort(), ["Mesh/default"]);
});

test("a Kubernetes Mesh whose spec is not a mapping is an error at spec, not an empty Mesh", () => {
  const result = validateSnapshot(snapshot({ "mesh.yaml": MESH, "list.yaml": kubernetesMesh("payments", "spec: [mtls]\n") }));
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.resource} ${d.path}: ${d.message}`);
  assert.deepEqual(errors, ["list.yaml:5 Mesh/payments spec: spec must be a mapping of the Mesh's fields, found a sequence"]);
});

test("a Kubernetes Mesh and MeshGateway with their own fields under spec are fine, spec: null an empty Mesh", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": MESH,
      "mtls.yaml": kubernetesMesh("payments", "  labels:\n    team: payments\nspec:\n  skipCreatingInitialPolicies: ['*']\n"),
      "empty.yaml": kubernetesMesh("orders", "spec:\n"),
      "gateway.yaml": `apiVersion: kuma.io/v1alpha1\nkind: MeshGateway\nmesh: default\nmetadata:\n  name: edge\nspec:\n${GATEWAY_SPEC}`,
    }),
  );
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  const byName = new Map(result.resources.map((r) => [r.name, r.object]));
  assert.deepEqual(byName.get("payments"), { type: "Mesh", name: "payments", skipCreatingInitialPolicies: ["*"], labels: { team: "payments" } });
  assert.deepEqual(byName.get("orders"), { type: "Mesh", name: "orders" });
});
