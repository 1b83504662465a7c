/**
 * A Kubernetes object whose name is longer than 63 characters (a Kubernetes label value's limit; a custom resource's
 * name may have 253). meshops named such a document with the `kuma.io/display-name` label the control plane shows
 * (FACTS §5: the Kubernetes store adds it when reading) and then checked that label as a Kubernetes label, so
 * `validate` refused the document ("must be no more than 63 characters") and the embedded Kubernetes zone refused
 * `kubectl apply` of it.
 *
 * Nothing in Kuma 2.14.3's admission path puts that label on the object: the mutating webhook
 * (go-v2.14.3 pkg/plugins/runtime/k8s/webhooks/defaulter.go `Handle`) sets the labels `resource_labels.Compute` returns,
 * and Compute (pkg/core/resources/labels/compute.go) sets only mesh, origin, zone, env, namespace, policy role, proxy,
 * service-account and workload labels, never the display name; the result goes through `k8s.SplitLabelsAndAnnotations`
 * into labels and annotations; the validating webhook (webhooks/validation.go) checks no name length. So the object is
 * stored, and the display name is the control plane's view of it, not a Kubernetes label.
 *
 * A `kuma.io/display-name` written in `metadata.labels` is a Kubernetes label, though: the API server checks its value
 * (at most 63 characters) as it checks every label, and that stays an error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import type { JsonObject } from "../src/model/resource.js";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-long-name-"));
after(() => rmSync(work, { recursive: true, force: true }));

const LONG = `payments-checkout-timeouts-for-the-legacy-card-acquirer-${"x".repeat(20)}`; // 76 characters
const document = (name: string, labels: Record<string, string> = {}) =>
  [
    "apiVersion: kuma.io/v1alpha1",
    "kind: MeshTimeout",
    "metadata:",
    `  name: ${name}`,
    "  namespace: kuma-system",
    "  labels:",
    "    kuma.io/mesh: default",
    ...Object.entries(labels).map(([key, value]) => `    ${key}: ${value}`),
    "spec:",
    "  targetRef: { kind: Mesh }",
    "  to:",
    "    - targetRef: { kind: Mesh }",
    "      default: { idleTimeout: 20s }",
  ].join("\n") + "\n";

const problems = (text: string) =>
  validateSnapshot(snapshotOfTexts({ "mesh.yaml": "type: Mesh\nname: default\n", "timeout.yaml": text }))
    .diagnostics.filter((d) => d.severity !== "info")
    .map((d) => `${d.severity} ${d.file}:${d.line} ${d.path}: ${d.message}`);

test("validate: a Kubernetes name of more than 63 characters is no label the API server checks", () => {
  assert.ok(LONG.length > 63 && LONG.length <= 253);
  assert.deepEqual(problems(document(LONG)), []);
});

test("validate: the same name written as a kuma.io/display-name label is one, and is refused", () => {
  assert.deepEqual(problems(document(LONG, { "kuma.io/display-name": LONG })), ['error timeout.yaml:8 metadata.labels["kuma.io/display-name"]: must be no more than 63 characters']);
  assert.deepEqual(problems(document("short", { "kuma.io/display-name": "short" })), [], "a short one, as the store would show it, is fine");
});

test("the embedded Kubernetes zone stores it, and its API shows the display name", async () => {
  const store = await openStore({ stateDir: path.join(work, "cp"), environment: "kubernetes" });
  const server = await startControlPlaneServer({ store, host: "127.0.0.1", port: 0 });
  try {
    const applied = await fetch(`${server.url}/_meshops/kubernetes`, { method: "POST", body: document(LONG), headers: { "content-type": "application/yaml" } });
    assert.equal(applied.status, 200, await applied.text());
    const got = await fetch(`${server.url}/meshes/default/meshtimeouts/${LONG}.kuma-system`);
    assert.equal(got.status, 200);
    const labels = ((await got.json()) as JsonObject).labels as JsonObject;
    assert.equal(labels["kuma.io/display-name"], LONG);
    assert.equal(labels["k8s.kuma.io/namespace"], "kuma-system");
    const other = `${LONG}-2`;
    const labelled = await fetch(`${server.url}/_meshops/kubernetes`, { method: "POST", body: document(other, { "kuma.io/display-name": other }), headers: { "content-type": "application/yaml" } });
    assert.equal(labelled.status, 400, "a written label of that length is refused");
    assert.match(await labelled.text(), /must be no more than 63 characters/);
  } finally {
    await server.close();
    await store.close();
  }
});
