/**
 * The kinds of issue 13 item 1 through the CLI, as a user meets them: the same repository validated for 2.10 and for
 * 2.14 (a kind and a field added in 2.12), MeshGateway in the Kubernetes shape, and Dataplanes, which are skipped
 * unless meshops.yaml enables them, and then applied to the embedded control plane without touching the ones kuma-dp
 * registered when they are off.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { errors, runCli, validateJson } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-kinds-"));
after(() => rmSync(work, { recursive: true, force: true }));

const PEM = "-----BEGIN CERTIFICATE-----\\nMIIBdzCCAR2gAwIBAgIUQ2lyY3VpdA==\\n-----END CERTIFICATE-----\\n";

test("the same repository as 2.10 and as 2.14: a kind and a field added in 2.12 name 2.12 for 2.10, and are fine for 2.14", async () => {
  const repo = tempRepo();
  try {
    const resources = [
      "type: Mesh",
      "name: default",
      "---",
      "type: MeshTrust",
      "mesh: default",
      "name: root",
      "spec:",
      "  trustDomain: default.mesh.local",
      `  caBundles: [{ type: Pem, pem: { value: "${PEM}" } }]`,
      "---",
      "type: MeshTrafficPermission",
      "mesh: default",
      "name: allow-backend",
      "spec:",
      "  targetRef: { kind: Mesh }",
      "  rules:",
      "    - default:",
      "        allow: [{ spiffeID: { type: Exact, value: spiffe://default.mesh.local/backend } }]",
      "",
    ].join("\n");
    commitFiles(repo.dir, { "meshops.yaml": 'controlPlane:\n  version: "2.10.11"\n', "mesh.yaml": resources });
    const old = await validateJson(repo.dir);
    assert.equal(old.valid, false);
    assert.deepEqual(errors(old), [
      "mesh.yaml:4 MeshTrust/default/root type: MeshTrust was introduced in Kuma 2.12; controlPlane.version 2.10.11 does not have it",
      'mesh.yaml:16 MeshTrafficPermission/default/allow-backend spec.rules: field "rules" was introduced in Kuma 2.12; controlPlane.version 2.10.11 does not have it',
    ]);
    commitFiles(repo.dir, { "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n' });
    const current = await validateJson(repo.dir);
    assert.deepEqual(errors(current), []);
    assert.equal(current.valid, true);
  } finally {
    repo.cleanup();
  }
});

test("a Kubernetes MeshGateway: cluster-scoped, its mesh a top-level field, problems located under spec", async () => {
  const repo = tempRepo();
  try {
    const gateway = (extra: string[], port: string) =>
      [
        "apiVersion: kuma.io/v1alpha1",
        "kind: MeshGateway",
        "mesh: edge",
        "metadata:",
        "  name: edge-gateway",
        ...extra,
        "spec:",
        "  selectors: [{ match: { kuma.io/service: edge-gateway } }]",
        "  conf:",
        "    listeners:",
        `      - port: ${port}`,
        "        protocol: HTTP",
        "",
      ].join("\n");
    commitFiles(repo.dir, {
      "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n",
      "mesh.yaml": "type: Mesh\nname: edge\n",
      "gateway.yaml": gateway([], "0"),
    });
    const report = await validateJson(repo.dir);
    assert.deepEqual(errors(report), ["gateway.yaml:10 MeshGateway/edge/edge-gateway spec.conf.listeners[0].port: port must be in the range [1, 65535]"]);

    commitFiles(repo.dir, { "gateway.yaml": gateway(["  namespace: kuma-system", "  labels: { kuma.io/mesh: default }"], "8080") });
    const namespaced = await validateJson(repo.dir);
    // The API server clears a cluster-scoped object's namespace rather than refusing it (kustomize's namespace: adds one
    // to every kind it does not know): a warning, not an error.
    assert.deepEqual(
      namespaced.diagnostics.filter((d) => d.rule === "kubernetes-namespace").map((d) => [d.severity, d.line, d.path, d.message]),
      [["warning", 6, "metadata.namespace", "MeshGateway is cluster-scoped: the API server drops its metadata.namespace (kuma-system); remove it"]],
    );
    assert.deepEqual(errors(namespaced), [
      'gateway.yaml:7 MeshGateway/edge/edge-gateway metadata.labels["kuma.io/mesh"]: MeshGateway belongs to the mesh of its top-level `mesh:` field ("edge"), not to this label\'s "default"',
    ]);

    commitFiles(repo.dir, { "gateway.yaml": gateway([], "8080") });
    const render = await runCli(["render", "--format", "json"], repo.dir);
    assert.equal(render.code, 0, render.stderr);
    const rendered = (JSON.parse(render.stdout) as { type: string }[]).find((o) => o.type === "MeshGateway");
    assert.deepEqual(rendered, {
      type: "MeshGateway",
      mesh: "edge",
      name: "edge-gateway",
      labels: { "meshops.io/managed-by": "meshops" },
      selectors: [{ match: { "kuma.io/service": "edge-gateway" } }],
      conf: { listeners: [{ port: 8080, protocol: "HTTP" }] },
    });
  } finally {
    repo.cleanup();
  }
});

const dataplane = [
  "type: Dataplane",
  "mesh: default",
  "name: web-1",
  "networking:",
  "  address: 10.0.0.1",
  "  inbound: [{ port: 8080, tags: { kuma.io/service: web } }]",
  "",
].join("\n");
const MESH = "type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n";

test("Dataplanes are skipped with a note unless meshops.yaml enables them; a Kubernetes Dataplane is an error", async () => {
  const repo = tempRepo();
  try {
    commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "mesh.yaml": MESH, "dataplanes.yaml": dataplane.replace("port: 8080", "port: 0") });
    const off = await runCli(["validate"], repo.dir);
    assert.equal(off.code, 0, off.stdout);
    assert.match(off.stdout, /1 resource in 2 files at [0-9a-f]{12}; 1 Dataplane skipped \(resources\.dataplanes is off\)/);
    const note = (await validateJson(repo.dir)).diagnostics.find((d) => d.rule === "dataplane-skipped");
    assert.equal(note?.severity, "info");
    assert.equal(note?.resource, "Dataplane/default/web-1");

    commitFiles(repo.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\nresources:\n  dataplanes: true\n" });
    assert.deepEqual(errors(await validateJson(repo.dir)), ["dataplanes.yaml:6 Dataplane/default/web-1 networking.inbound[0].port: port must be in the range [1, 65535]"]);

    commitFiles(repo.dir, { "dataplanes.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Dataplane\nmetadata:\n  name: web-1\n  namespace: kuma-system\nspec: {}\n" });
    const kubernetes = errors(await validateJson(repo.dir));
    assert.equal(kubernetes.length, 1);
    assert.match(kubernetes[0] ?? "", /^dataplanes\.yaml:2 {2}kind: Dataplane is Universal only/);
  } finally {
    repo.cleanup();
  }
});

test("with Dataplanes on they are applied and compared; with them off, live ones are neither reported nor pruned", async () => {
  const repo = tempRepo();
  const store = await openStore({ stateDir: path.join(work, "dataplanes"), skipMeshCreation: true });
  const cp = await startControlPlaneServer({ store, port: 0 });
  try {
    const on = "controlPlane:\n  skipDefaultMeshCreation: true\nresources:\n  dataplanes: true\nprune: { enabled: true }\n";
    commitFiles(repo.dir, { "meshops.yaml": on, "mesh.yaml": MESH, "dataplanes.yaml": dataplane.replace("port: 8080", 'port: "8080"') });
    const apply = await runCli(["apply", "--cp-url", cp.url, "--yes"], repo.dir);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.match(apply.stdout, /create Dataplane\/default\/web-1/);
    const again = await runCli(["plan", "--cp-url", cp.url, "--format", "json"], repo.dir);
    assert.deepEqual((JSON.parse(again.stdout) as { changes: unknown[] }).changes, [], "a numeric string port compares equal to the number the control plane stores");

    // Off again (as if kuma-dp had registered it): the live Dataplane is out of scope, not an orphan to prune.
    commitFiles(repo.dir, { "meshops.yaml": on.replace("dataplanes: true", "dataplanes: false") });
    const plan = await runCli(["plan", "--cp-url", cp.url, "--prune", "--format", "json"], repo.dir);
    assert.equal(plan.code, 0, plan.stderr);
    assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, []);
    const drift = await runCli(["drift", "--cp-url", cp.url, "--format", "json"], repo.dir);
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    assert.doesNotMatch(drift.stdout, /Dataplane/);
  } finally {
    await cp.close();
    await store.close();
    repo.cleanup();
  }
});
