import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import type { JsonObject } from "../src/model/resource.js";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

/**
 * A control plane computes `kuma.io/policy-role` only for a policy named in a Kubernetes namespace: Compute sets it
 * only with a namespace (go-v2.14.3 pkg/core/resources/labels/compute.go), which a REST envelope never has
 * (pkg/core/resources/model/rest/v1alpha1/meta.go GetNameExtensions), and the API server keeps the role it is sent
 * (validateLabels drops validatePolicyRole's verdict, pkg/api-server/resource_endpoints.go); the policies' validators
 * read it (pkg/plugins/policies/meshretry/api/v1alpha1/validator.go PolicyRole). So on a Universal document it is the
 * author's label, kept and sent, as the comparison has it (test/normalize.test.ts); on a `name.<namespace>` one (a
 * Kubernetes zone's resource, as a global control plane shows it) it is still the control plane's, dropped with the
 * server-field warning.
 */
const SPEC = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";

test("a Universal policy's kuma.io/policy-role is kept and sent; a Kubernetes-named one's is the control plane's", () => {
  const result = validateSnapshot(
    snapshotOfTexts({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "universal.yaml": `type: MeshTimeout\nname: t1\nmesh: default\nlabels:\n  kuma.io/policy-role: consumer\n${SPEC}`,
      "exported.yaml": `type: MeshTimeout\nname: t2.payments\nmesh: default\nlabels:\n  k8s.kuma.io/namespace: payments\n  kuma.io/display-name: t2\n  kuma.io/policy-role: consumer\n${SPEC}`,
    }),
  );
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  const warnings = result.diagnostics.filter((d) => d.severity === "warning").map((d) => `${d.file} ${d.rule}: ${d.message}`);
  assert.deepEqual(warnings, ['exported.yaml server-field: set by the control plane; ignored: labels["kuma.io/policy-role"]']);
  const desired = buildDesired(result.resources, DEFAULT_CONFIG, { major: 2 });
  const labelsOf = (name: string) => (desired.resources.find((r) => r.name === name)?.object.labels ?? {}) as JsonObject;
  assert.equal(labelsOf("t1")["kuma.io/policy-role"], "consumer");
  assert.equal(labelsOf("t2.payments")["kuma.io/policy-role"], undefined);
});
