/**
 * A Kubernetes document's `kuma.io/origin` must be an origin Kuma knows: the validating webhook checks it on every
 * control plane, after the admission checks and before the resource's own validator (go-v2.14.3
 * pkg/plugins/runtime/k8s/webhooks/validation.go `validatingHandler.validateLabels`, origin.IsValid), as the API server
 * does a Universal document's. meshops checked only a Universal one's, so a Kubernetes policy labelled
 * `kuma.io/origin: cluster` validated and was refused by `kubectl apply`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

const MESH = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";

const policy = (origin: string) =>
  [
    "apiVersion: kuma.io/v1alpha1",
    "kind: MeshTimeout",
    "metadata:",
    "  name: mt",
    "  namespace: kuma-system",
    "  labels:",
    "    kuma.io/mesh: default",
    `    kuma.io/origin: ${origin}`,
    "spec:",
    "  targetRef: { kind: Mesh }",
    "  to:",
    "    - targetRef: { kind: Mesh }",
    "      default: { idleTimeout: 20s }",
  ].join("\n") + "\n";

function errorsOf(origin: string, mode: string): string[] {
  const result = validateSnapshot(snapshotOfTexts({ "mesh.yaml": MESH, "mt.yaml": policy(origin) }, `controlPlane:\n  mode: ${mode}\n`));
  return result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.path} ${d.rule}: ${d.message}`);
}

test("validate: a Kubernetes document's unknown kuma.io/origin is refused as the validating webhook refuses it, in every mode", () => {
  for (const mode of ["standalone", "zone", "global"]) {
    assert.deepEqual(errorsOf("cluster", mode), ['mt.yaml:8 metadata.labels["kuma.io/origin"] labels: unknown resource origin "cluster"'], mode);
  }
});

test("validate: a Kubernetes document's kuma.io/origin zone or global is no error where the webhook takes it", () => {
  assert.deepEqual(errorsOf("zone", "standalone"), []);
  assert.deepEqual(errorsOf("global", "standalone"), []);
  assert.deepEqual(errorsOf("global", "global"), []);
});

function warningsOf(origin: string, mode: string, namespace = "kuma-system"): string[] {
  const text = policy(origin).replace("namespace: kuma-system", `namespace: ${namespace}`);
  const result = validateSnapshot(snapshotOfTexts({ "mesh.yaml": MESH, "mt.yaml": text }, `controlPlane:\n  mode: ${mode}\n`));
  return result.diagnostics.filter((d) => d.severity === "warning").map((d) => `${d.file}:${d.line} ${d.path} ${d.rule}: ${d.message}`);
}

/**
 * A zone connected to a global control plane refuses a policy in its system namespace whose origin is not `zone`
 * (go-v2.14.3 webhooks/resourceadmissionchecker.go validateLabels: "Operation not allowed. Applying policies on Zone CP
 * on a system namespace requires 'kuma.io/origin' label to be set to 'zone'."). Without the label render writes it;
 * a written `global` it keeps, so a zone that may be federated is warned of it, as a Universal document's is.
 */
test("validate: a Kubernetes policy in the system namespace written kuma.io/origin: global is warned about on a zone that may be federated", () => {
  assert.deepEqual(warningsOf("global", "zone"), [
    "mt.yaml:8 metadata.labels[\"kuma.io/origin\"] labels: Operation not allowed. Applying policies on Zone CP on a system namespace requires 'kuma.io/origin' " +
      "label to be set to 'zone'. (the admission webhook of a zone connected to a global control plane; meshops cannot tell offline whether this zone is " +
      "federated: controlPlane.mode: standalone says it is not)",
  ]);
  assert.deepEqual(warningsOf("global", "standalone"), []);
  assert.deepEqual(warningsOf("global", "zone", "shop"), []);
  assert.deepEqual(warningsOf("zone", "zone"), []);
});
