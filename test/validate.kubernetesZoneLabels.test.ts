import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../src/config/repoConfig.js";
import { buildDesired } from "../src/desired/index.js";
import { sameNormalized } from "../src/diff/normalize.js";
import type { JsonObject } from "../src/model/resource.js";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

/**
 * On a Kubernetes zone the admission webhook computes `kuma.io/zone` and `kuma.io/env` only when they are absent
 * (go-v2.14.3 pkg/core/resources/labels/compute.go Compute, setIfNotExist; called from
 * pkg/plugins/runtime/k8s/webhooks/defaulter.go), so a document applied directly (kubectl apply, an Argo CD directory
 * Application) keeps them as written; only `render` leaves them out. A federated zone's webhook refuses a zone label
 * other than its own name (webhooks/resourceadmissionchecker.go validateLabels). meshops said "set by the control
 * plane; ignored" of both, which is untrue of what is applied directly.
 */
const DOC = (labels: string) =>
  "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: t1\n  namespace: kuma-system\n  labels:\n" +
  `    kuma.io/mesh: default\n    kuma.io/origin: zone\n${labels}` +
  "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";

test("a Kubernetes document's kuma.io/zone and kuma.io/env on a zone are said to be kept when applied directly, at each label", () => {
  const result = validateSnapshot(
    snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", "t1.yaml": DOC("    kuma.io/zone: zone-a\n    kuma.io/env: universal\n") }),
  );
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  const warnings = result.diagnostics.filter((d) => d.file === "t1.yaml").map((d) => `${d.line} ${d.path} ${d.rule}: ${d.message}`);
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.ok(warnings.every((w) => !w.includes("ignored")), warnings.join("\n"));
  assert.match(warnings[0] ?? "", /^9 metadata\.labels\["kuma\.io\/zone"\] labels: .*kept as written.*kubectl apply.*render.*'kuma\.io\/zone' label should have '<the zone's name>' value, got 'zone-a'/);
  assert.match(warnings[1] ?? "", /^10 metadata\.labels\["kuma\.io\/env"\] labels: .*kept as written.*kubectl apply.*render/);
});

test("with controlPlane.zone, a Kubernetes document's kuma.io/zone naming another zone is the webhook's refusal, its own name no warning", () => {
  const config = "controlPlane:\n  zone: zone-b\n";
  const other = validateSnapshot(snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", "t1.yaml": DOC("    kuma.io/zone: zone-a\n") }, config));
  const said = other.diagnostics.filter((d) => d.file === "t1.yaml").map((d) => `${d.severity} ${d.path}: ${d.message}`);
  assert.equal(said.length, 1, said.join("\n"));
  assert.match(said[0] ?? "", /^warning metadata\.labels\["kuma\.io\/zone"\]: Operation not allowed\. 'kuma\.io\/zone' label should have 'zone-b' value, got 'zone-a'/);
  const own = validateSnapshot(snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", "t1.yaml": DOC("    kuma.io/zone: zone-b\n    kuma.io/env: kubernetes\n") }, config));
  assert.deepEqual(own.diagnostics.filter((d) => d.file === "t1.yaml").map((d) => d.message), []);
});

test("kuma.io/zone and kuma.io/env kept by a Kubernetes zone show no drift against the document that wrote them or one that did not", () => {
  const result = validateSnapshot(
    snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", "t1.yaml": DOC("    kuma.io/zone: zone-a\n    kuma.io/env: kubernetes\n") }),
  );
  const desired = buildDesired(result.resources, DEFAULT_CONFIG, { major: 2 }).resources.find((r) => r.type === "MeshTimeout");
  assert.ok(desired);
  const live: JsonObject = {
    ...desired.object,
    labels: { ...(desired.object.labels as JsonObject), "kuma.io/zone": "zone-a", "kuma.io/env": "kubernetes", "kuma.io/origin": "zone", "kuma.io/mesh": "default" },
  };
  assert.ok(sameNormalized(desired.object, live));
  const computed: JsonObject = { ...live, labels: { ...(live.labels as JsonObject), "kuma.io/zone": "zone-b" } };
  assert.ok(sameNormalized(desired.object, computed));
});
