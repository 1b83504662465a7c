import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { RESOURCE_TYPES } from "../src/kuma/types.js";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";
import { projectRoot } from "./helpers/git.js";

/**
 * A Universal document of a kind whose REST schema requires `mesh` (MeshGateway, Dataplane, Secret: protobuf kinds and
 * Secrets, which the API server gives no default) must name its mesh: the API server answers "mesh: cannot be empty"
 * and "mesh from the URL has to be the same as in body" (test/fixtures/kuma-reference put_dataplanes_02) rather than
 * putting it in mesh default. Policies, whose schema defaults `mesh` to default, may leave it out.
 */
// Secrets in clear text are allowed here: what is said of the envelope is what this test is about.
const PLAINTEXT_SECRETS = "secrets:\n  allowPlaintext: true\n";
const snapshot = (files: Record<string, string>) => snapshotOfTexts(files, PLAINTEXT_SECRETS);

const MESH = "type: Mesh\nname: default\n";

test("every kind's meshRequired says what its schema says: mesh required, with no default", () => {
  for (const type of RESOURCE_TYPES) {
    const schema = JSON.parse(readFileSync(path.join(projectRoot, "schemas", `${type.name}.schema.json`), "utf8")) as { required?: string[]; properties?: { mesh?: { default?: string } } };
    const required = (schema.required ?? []).includes("mesh") && schema.properties?.mesh?.default === undefined;
    assert.equal(type.meshRequired === true, required, type.name);
  }
  assert.deepEqual(RESOURCE_TYPES.filter((t) => t.meshRequired).map((t) => t.name).sort(), ["Dataplane", "MeshGateway", "Secret"]);
});

test("a Universal MeshGateway, Dataplane or Secret without mesh is an error at its document; with one, or a policy without one, is fine", () => {
  const gateway = "type: MeshGateway\nname: edge\nselectors:\n  - match:\n      kuma.io/service: edge\nconf:\n  listeners:\n    - port: 8080\n      protocol: HTTP\n";
  const dataplane = "type: Dataplane\nname: dp-1\nnetworking:\n  address: 10.1.2.1\n  inbound:\n    - port: 1234\n      tags:\n        kuma.io/service: web\n";
  const secret = "type: Secret\nname: token\ndata: dGVzdA==\n";
  const timeout = "type: MeshTimeout\nname: t1\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";
  const result = validateSnapshot(snapshot({ "mesh.yaml": MESH, "gateway.yaml": gateway, "dataplane.yaml": dataplane, "secret.yaml": secret, "timeout.yaml": timeout }));
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.resource} ${d.path} ${d.rule}: ${d.message}`);
  const message = (type: string) => `Required value: a ${type} names its mesh, which the control plane does not default ("mesh: cannot be empty"); write mesh: default for mesh default`;
  assert.deepEqual(errors, [
    `dataplane.yaml:1 Dataplane/default/dp-1 mesh schema: ${message("Dataplane")}`,
    `gateway.yaml:1 MeshGateway/default/edge mesh schema: ${message("MeshGateway")}`,
    `secret.yaml:1 Secret/default/token mesh schema: ${message("Secret")}`,
  ]);

  const named = validateSnapshot(
    snapshot({ "mesh.yaml": MESH, "gateway.yaml": `mesh: default\n${gateway}`, "dataplane.yaml": `mesh: default\n${dataplane}`, "secret.yaml": `mesh: default\n${secret}`, "timeout.yaml": timeout }),
  );
  assert.deepEqual(named.diagnostics.filter((d) => d.severity === "error"), []);
});

test("a Universal MeshGateway, Dataplane or Secret whose mesh is null (`mesh:`, `mesh: ~`) is the same error as one without mesh", () => {
  // The API server reads the envelope with encoding/json into ResourceMeta's `Mesh string` (go-v2.14.3
  // pkg/core/resources/model/rest/unversioned/resource.go UnmarshalJSON, rest/v1alpha1/meta.go): a JSON null leaves it
  // "", and no schema defaulting runs for these kinds (rest/unmarshaller.go defaults only descriptors with a
  // StructuralSchema), so ValidateMeta answers "mesh: cannot be empty" (meta_validator.go) and the URL's mesh differs
  // from the body's (resource_endpoints.go validateResourceRequest, golden put_dataplanes_02).
  const gateway = "type: MeshGateway\nname: edge\nmesh:\nselectors:\n  - match:\n      kuma.io/service: edge\nconf:\n  listeners:\n    - port: 8080\n      protocol: HTTP\n";
  const dataplane = "type: Dataplane\nname: dp-1\nmesh: null\nnetworking:\n  address: 10.1.2.1\n  inbound:\n    - port: 1234\n      tags:\n        kuma.io/service: web\n";
  const secret = "type: Secret\nname: token\nmesh: ~\ndata: dGVzdA==\n";
  const result = validateSnapshot(snapshot({ "mesh.yaml": MESH, "gateway.yaml": gateway, "dataplane.yaml": dataplane, "secret.yaml": secret }));
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.resource} ${d.path} ${d.rule}`);
  assert.deepEqual(errors, ["dataplane.yaml:3 Dataplane/default/dp-1 mesh schema", "gateway.yaml:3 MeshGateway/default/edge mesh schema", "secret.yaml:3 Secret/default/token mesh schema"]);
  for (const d of result.diagnostics.filter((d) => d.severity === "error")) assert.match(d.message, /^Required value: a \w+ names its mesh/);
});
