/**
 * Names as a user writes them against a Kubernetes-mode control plane (whose API names `web-cb` of namespace `web`
 * `web-cb.web`): meshops.yaml's ignoreDifferences and drift.ignoreUnmanaged take the name as written (with an optional
 * namespace), drift's CI reports word a modified resource for a control plane Argo CD or Flux writes to, and validate
 * warns of a Universal-shaped name that only looks namespaced. Real sockets, real Git repositories, the CLI as users run it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import { runCli, validateJson } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const MESH = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}\nspec: {}\n";
const CIRCUIT_BREAKER = `apiVersion: kuma.io/v1alpha1
kind: MeshCircuitBreaker
metadata:
  name: web-cb
  namespace: web
  labels: {kuma.io/mesh: default}
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: Mesh}
      default:
        connectionLimits: {maxConnections: 10}
`;
const STRAY = "apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata: {name: hotfix, namespace: web, labels: {kuma.io/mesh: default}}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {tcp: {maxConnectAttempt: 2}}}]}\n";

async function kubectlApply(url: string, yaml: string): Promise<void> {
  const res = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: yaml, headers: { "content-type": "application/yaml" } });
  assert.equal(res.status, 200, await res.text());
}

describe("drift against a Kubernetes-mode control plane, with names as the repository writes them", () => {
  let store: ControlPlaneStore;
  let server: ControlPlaneServer;
  let stateDir: string;
  let repo: { dir: string; cleanup: () => void };
  before(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), "meshops-k8s-names-"));
    store = await openStore({ stateDir, environment: "kubernetes" });
    server = await startControlPlaneServer({ store, port: 0 });
    repo = tempRepo("meshops-k8s-names-repo-");
    commitFiles(repo.dir, {
      "meshops.yaml": [
        'controlPlane: {version: "2.14.3"}',
        "drift:",
        "  ignoreUnmanaged:",
        "    - {type: MeshRetry, name: hotfix, namespace: web}",
        "ignoreDifferences:",
        "  - {type: MeshCircuitBreaker, name: web-cb, namespace: web, jsonPointers: [/spec/to/0/default/connectionLimits/maxConnections]}",
        "",
      ].join("\n"),
      "mesh.yaml": MESH,
      "web/cb.yaml": CIRCUIT_BREAKER,
    });
    const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    // Argo CD applied what was rendered; then someone else set the ignored field and added a policy of their own.
    await kubectlApply(server.url, rendered.stdout);
    await kubectlApply(server.url, CIRCUIT_BREAKER.replace("maxConnections: 10", "maxConnections: 99"));
    await kubectlApply(server.url, STRAY);
  });
  after(async () => {
    await server.close();
    await store.close();
    rmSync(stateDir, { recursive: true, force: true });
    repo.cleanup();
  });

  test("a rule naming a Kubernetes document as written (name and namespace) matches it: the ignored field and the stray policy are no drift", async () => {
    const drift = await runCli(["drift", "--cp-url", server.url, "--fail-on", "any"], repo.dir);
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    assert.equal(drift.stdout, "In sync.\n");
  });

  test("a repository ahead of the control plane is said to be not yet synced by Argo CD or Flux in SARIF and GitHub reports", async () => {
    commitFiles(repo.dir, { "web/cb.yaml": CIRCUIT_BREAKER.replace("connectionLimits: {maxConnections: 10}", "connectionLimits: {maxConnections: 10, maxPendingRequests: 5}") });
    const sarif = await runCli(["drift", "--cp-url", server.url, "--format", "sarif"], repo.dir);
    assert.equal(sarif.code, 2, sarif.stderr);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] }).runs[0]?.results ?? [];
    const modified = results.find((r) => r.ruleId === "drift/modified");
    assert.ok(modified, JSON.stringify(results));
    const sentence = modified.message.text.split("\n")[0] ?? "";
    assert.equal(sentence, "modified MeshCircuitBreaker/default/web-cb.web: Differs from the repository: not yet synced by Argo CD or Flux (the control plane runs on Kubernetes and meshops does not write to it), or changed through Kubernetes outside Git.");
    const github = await runCli(["drift", "--cp-url", server.url, "--format", "github"], repo.dir);
    assert.equal(github.code, 2, github.stderr);
    assert.match(github.stdout, /::error [^\n]*title=meshops drift%3A modified MeshCircuitBreaker\/default\/web-cb\.web::modified MeshCircuitBreaker\/default\/web-cb\.web: differs from the repository: not yet synced by Argo CD or Flux \(the control plane runs on Kubernetes and meshops does not write to it\), or changed through Kubernetes outside Git%0A/);
    assert.doesNotMatch(github.stdout, /changed on the control plane outside Git/i);
  });
});

test("validate warns of a Universal-shaped name that looks namespaced without kuma.io/display-name: what it becomes and how to write it", async () => {
  const repo = tempRepo("meshops-k8s-names-validate-");
  try {
    commitFiles(repo.dir, {
      "meshops.yaml": 'controlPlane: {version: "2.14.3"}\n',
      "mesh.yaml": "type: Mesh\nname: default\n",
      "x.yaml": "type: MeshTimeout\nmesh: default\nname: x.web\nlabels:\n  k8s.kuma.io/namespace: web\nspec:\n  targetRef: {kind: Mesh}\n  to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1m}}]\n",
    });
    const report = await validateJson(repo.dir);
    const named = report.diagnostics.filter((d) => d.severity === "warning" && d.file === "x.yaml");
    assert.equal(named.length, 1, JSON.stringify(report.diagnostics));
    const [warning] = named;
    assert.equal(warning?.line, 3);
    assert.equal(warning?.path, "name");
    assert.equal(
      warning?.message,
      'name "x.web" with label k8s.kuma.io/namespace: web but no kuma.io/display-name is not namespace web\'s x: on a Kubernetes control plane it becomes x.web.kuma-system in namespace kuma-system; add the label kuma.io/display-name: x (as Kuma labels what it names x.web), or write a Kubernetes document named x in namespace web',
    );
  } finally {
    repo.cleanup();
  }
});
