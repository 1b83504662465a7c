/**
 * Kubernetes-mode control planes (issue 17 items 1 and 2): `meshops cp --mode kubernetes` serves the Kuma API as a
 * Kubernetes zone does (read-only; namespaced resources named `name.namespace` with the Kubernetes labels; default
 * policies in the system namespace), takes its writes as Kubernetes documents on the stand-in for `kubectl apply`, and
 * `plan`, `drift` and `watch` compare a repository of Kubernetes-shaped documents against it with zero false drift.
 * Everything over real sockets on 127.0.0.1, with real Git repositories and the CLI as users run it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import type { JsonObject } from "../src/model/resource.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";
import { killAll, startWatch, waitFor } from "./helpers/daemon.js";
import { kumaReferenceDir } from "./helpers/reference.js";

const FIXTURE = path.join(projectRoot, "test", "fixtures", "kubernetes-mode");
const TESTDATA = () => path.join(kumaReferenceDir(), "pkg", "api-server", "testdata");

interface Cluster {
  readonly store: ControlPlaneStore;
  readonly server: ControlPlaneServer;
  readonly stateDir: string;
}

async function startCluster(): Promise<Cluster> {
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-k8s-cp-"));
  const store = await openStore({ stateDir, environment: "kubernetes" });
  const server = await startControlPlaneServer({ store, port: 0 });
  return { store, server, stateDir };
}

async function stopCluster(cluster: Cluster): Promise<void> {
  await cluster.server.close();
  await cluster.store.close();
  rmSync(cluster.stateDir, { recursive: true, force: true });
}

/** `kubectl apply -f -` of a YAML stream, through the control plane's stand-in. */
async function kubectlApply(url: string, yaml: string): Promise<{ status: number; body: JsonObject }> {
  const res = await fetch(`${url}/_meshops/kubernetes`, { method: "POST", body: yaml, headers: { "content-type": "application/yaml" } });
  return { status: res.status, body: (await res.json()) as JsonObject };
}

async function getJson(url: string): Promise<{ status: number; body: JsonObject }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as JsonObject };
}

const golden = (name: string) => JSON.parse(readFileSync(path.join(TESTDATA(), name), "utf8")) as JsonObject;

/** The repository at `dir` rendered for Kubernetes, each document's labels as `relabel` makes them: what a tool applying it holds. */
async function renderedRelabelled(dir: string, relabel: (labels: Record<string, string>) => Record<string, string>): Promise<string> {
  const rendered = await runCli(["render", "--format", "kubernetes"], dir);
  assert.equal(rendered.code, 0, rendered.stderr);
  const documents = parseAllDocuments(rendered.stdout).map((d) => {
    const object = d.toJSON() as { metadata: { labels?: Record<string, string> } };
    object.metadata.labels = relabel({ ...object.metadata.labels });
    return stringify(object);
  });
  return documents.join("---\n");
}

describe("meshops cp --mode kubernetes: the Kuma API of a Kubernetes zone", () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => stopCluster(cluster));

  test("read-only over HTTP: PUT and DELETE answer the API server's 405, and GET /_resources says every type is read-only", async () => {
    const url = cluster.server.url;
    const put = await fetch(`${url}/meshes/default/meshtimeouts/t`, { method: "PUT", body: JSON.stringify({ type: "MeshTimeout", mesh: "default", name: "t", spec: {} }) });
    assert.equal(put.status, 405);
    assert.deepEqual(await put.json(), golden("resource-read-only_put.golden.json"));
    const del = await fetch(`${url}/meshes/default`, { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.deepEqual(await del.json(), golden("resource-read-only_delete.golden.json"));
    const types = (await getJson(`${url}/_resources`)).body.resources as JsonObject[];
    assert.ok(types.length > 20 && types.every((t) => t.readOnly === true));
  });

  test("Mesh default and its default policies as a Kubernetes zone shows them: system namespace, name.namespace, Kubernetes labels", async () => {
    const url = cluster.server.url;
    const mesh = (await getJson(`${url}/meshes/default`)).body;
    assert.deepEqual(mesh.labels, { "kuma.io/display-name": "default" }, "the Kubernetes store shows every object with its display name");
    const timeouts = (await getJson(`${url}/meshes/default/meshtimeouts`)).body.items as JsonObject[];
    assert.deepEqual(
      timeouts.map((t) => t.name),
      ["mesh-gateways-timeout-all-default.kuma-system", "mesh-timeout-all-default.kuma-system"],
    );
    const defaults = timeouts[1] as JsonObject;
    // FACTS §1.4: a Kubernetes zone's defaults carry env kubernetes, the system namespace and the system role.
    assert.deepEqual(defaults.labels, {
      "k8s.kuma.io/namespace": "kuma-system",
      "kuma.io/display-name": "mesh-timeout-all-default",
      "kuma.io/env": "kubernetes",
      "kuma.io/mesh": "default",
      "kuma.io/origin": "zone",
      "kuma.io/policy-role": "system",
      "kuma.io/zone": "default",
    });
    assert.equal(defaults.kri, "kri_mt_default_default_kuma-system_mesh-timeout-all-default_");
  });

  test("a document applied through the stand-in for kubectl is name.namespace in the API, labelled and given its policy role", async () => {
    const url = cluster.server.url;
    const applied = await kubectlApply(
      url,
      [
        "apiVersion: kuma.io/v1alpha1",
        "kind: MeshTimeout",
        "metadata: {name: timeout-2, namespace: orders, labels: {kuma.io/mesh: default, team: orders}}",
        "spec:",
        "  targetRef: {kind: Mesh}",
        "  to: [{targetRef: {kind: MeshService, name: orders}, default: {idleTimeout: 60m}}]",
      ].join("\n"),
    );
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(applied.body, { applied: 1, results: [{ created: true }] });
    const got = await getJson(`${url}/meshes/default/meshtimeouts/timeout-2.orders`);
    assert.equal(got.status, 200);
    // The shape of kumactl's get-meshtimeout golden (FACTS §5), with this zone's name and the labels Compute adds.
    assert.deepEqual(got.body.labels, {
      "k8s.kuma.io/namespace": "orders",
      "kuma.io/display-name": "timeout-2",
      "kuma.io/env": "kubernetes",
      "kuma.io/mesh": "default",
      "kuma.io/origin": "zone",
      "kuma.io/policy-role": "producer",
      "kuma.io/zone": "default",
      team: "orders",
    });
    assert.equal(got.body.kri, "kri_mt_default_default_orders_timeout-2_");
    assert.deepEqual((got.body.spec as JsonObject).to, [{ targetRef: { kind: "MeshService", name: "orders" }, default: { idleTimeout: "1h0m0s" } }]);

    const removed = await fetch(`${url}/_meshops/kubernetes/MeshTimeout/timeout-2?namespace=orders`, { method: "DELETE" });
    assert.equal(removed.status, 200);
    assert.equal((await getJson(`${url}/meshes/default/meshtimeouts/timeout-2.orders`)).status, 404);
  });

  test("the admission webhook's refusals: a system-namespace-only kind elsewhere, a mixed policy role, another API's document", async () => {
    const url = cluster.server.url;
    const external = await kubectlApply(
      url,
      "apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata: {name: ext, namespace: orders, labels: {kuma.io/mesh: default}}\nspec: {match: {type: HostnameGenerator, port: 443, protocol: tcp}, endpoints: [{address: a.example.com, port: 443}]}\n",
    );
    assert.equal(external.status, 400);
    assert.match(JSON.stringify(external.body.invalid_parameters), /resource type MeshExternalService can be created only in the system namespace:kuma-system/);
    const mixed = await kubectlApply(
      url,
      "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata: {name: mixed, namespace: orders}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1m}}], from: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1m}}]}\n",
    );
    assert.equal(mixed.status, 400);
    assert.match(JSON.stringify(mixed.body.invalid_parameters), /it's not allowed to mix 'to' and 'from' arrays in the same policy/);
    const deployment = await kubectlApply(url, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n");
    assert.equal(deployment.status, 400);
    assert.match(String(deployment.body.detail), /^document 1: /);
  });

  test("a Universal control plane has no such route", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
    const store = await openStore({ stateDir });
    const server = await startControlPlaneServer({ store, port: 0 });
    try {
      assert.equal((await kubectlApply(server.url, "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: m}\n")).status, 404);
    } finally {
      await server.close();
      await store.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe("plan and drift against a Kubernetes-mode control plane", () => {
  let cluster: Cluster;
  let repo: { dir: string; cleanup: () => void };
  before(async () => {
    cluster = await startCluster();
    repo = tempRepo("meshops-k8s-repo-");
    commitFolder(repo.dir, FIXTURE);
    // What Argo CD or Flux would do with the rendered output: apply every document through the Kubernetes API.
    const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    const applied = await kubectlApply(cluster.server.url, rendered.stdout);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
  });
  after(async () => {
    await stopCluster(cluster);
    repo.cleanup();
  });

  test("a repository of Kubernetes-shaped documents in system and application namespaces plans no change and has no drift", async () => {
    const url = cluster.server.url;
    const plan = await runCli(["plan", "--cp-url", url, "--format", "json"], repo.dir);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const report = JSON.parse(plan.stdout) as { summary: JsonObject; changes: JsonObject[] };
    assert.deepEqual(report.summary, { create: 0, update: 0, delete: 0, unchanged: 15 });
    const drift = await runCli(["drift", "--cp-url", url], repo.dir);
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    assert.equal(drift.stdout, "In sync.\n");
  });

  test("without the name mapping (--mode universal) the same control plane looks all wrong: the false drift the mapping removes", async () => {
    const plan = await runCli(["plan", "--cp-url", cluster.server.url, "--mode", "universal", "--format", "json"], repo.dir);
    assert.equal(plan.code, 2);
    const created = (JSON.parse(plan.stdout) as { changes: JsonObject[] }).changes.filter((c) => c.action === "create").map((c) => c.resource);
    assert.ok(created.includes("MeshTimeout/default/default-timeouts"), created.join(", "));
    assert.ok(created.includes("MeshTimeout/default/mesh-timeout-all-default"), created.join(", "));
  });

  test("export recognises the default policies a Kubernetes zone names name.namespace: left out, materialized, and the export plans no change", async () => {
    const url = cluster.server.url;
    const out = mkdtempSync(path.join(tmpdir(), "meshops-k8s-export-"));
    const exported = tempRepo("meshops-k8s-exported-");
    try {
      const run = await runCli(["export", "--cp-url", url, "--out", out, "--force"], repo.dir);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /left out: \d+ default policies identical to what meshops materializes/);
      assert.doesNotMatch(run.stdout, /defaults\.materialize is off/);
      const files = (await readdir(out, { recursive: true })).map(String);
      // The repository overrides payments' circuit breaker default (system.yaml): that one is a file, the untouched ones are not.
      assert.deepEqual(
        files.filter((f) => f.startsWith("meshes/payments/") && /-all-payments/.test(f)),
        ["meshes/payments/meshcircuitbreakers/mesh-circuit-breaker-all-payments.kuma-system.yaml"],
      );
      commitFolder(exported.dir, out);
      const plan = await runCli(["plan", "--cp-url", url, "--format", "json"], exported.dir);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    } finally {
      rmSync(out, { recursive: true, force: true });
      exported.cleanup();
    }
  });

  test("edits made through Kubernetes are drift named as the API names them; a policy only in Kubernetes is unmanaged", async () => {
    const url = cluster.server.url;
    const rendered = (await runCli(["render", "--format", "kubernetes"], repo.dir)).stdout.split(/^---\n/m);
    const timeouts = rendered.find((d) => d.includes("name: ledger-timeouts")) ?? "";
    assert.equal((await kubectlApply(url, timeouts.replace("idleTimeout: 15m", "idleTimeout: 45m"))).status, 200);
    assert.equal((await fetch(`${url}/_meshops/kubernetes/MeshExternalService/acquirer?namespace=kuma-system`, { method: "DELETE" })).status, 200);
    const stray = "apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata: {name: hotfix, namespace: payments, labels: {kuma.io/mesh: payments}}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {tcp: {maxConnectAttempt: 2}}}]}\n";
    assert.equal((await kubectlApply(url, stray)).status, 200);

    const drift = await runCli(["drift", "--cp-url", url, "--format", "json"], repo.dir);
    assert.equal(drift.code, 2, drift.stderr);
    // Where each is written, as plan --format json and the other formats say it; one only in Kubernetes is nowhere.
    const items = (JSON.parse(drift.stdout) as { items: JsonObject[] }).items.map((i) => [i.kind, i.resource, i.file ?? null, i.line ?? null]).sort();
    assert.deepEqual(items, [
      ["missing", "MeshExternalService/payments/acquirer.kuma-system", "meshes/payments/system.yaml", 19],
      ["modified", "MeshTimeout/payments/ledger-timeouts.payments", "meshes/payments/ledger.yaml", 18],
      ["unmanaged", "MeshRetry/payments/hotfix.payments", null, null],
    ]);
    // Put back as rendered: in sync again.
    assert.equal((await kubectlApply(url, rendered.join("---\n"))).status, 200);
    assert.equal((await fetch(`${url}/_meshops/kubernetes/MeshRetry/hotfix?namespace=payments`, { method: "DELETE" })).status, 200);
    assert.equal((await runCli(["drift", "--cp-url", url], repo.dir)).code, 0);
  });

  test("apply says that writing goes through Kubernetes, exits 1 and writes nothing", async () => {
    const before = (await getJson(`${cluster.server.url}/meshes/payments/meshtimeouts`)).body;
    const apply = await runCli(["apply", "--cp-url", cluster.server.url, "--yes"], repo.dir);
    assert.equal(apply.code, 1);
    assert.match(apply.stderr, /the control plane runs on Kubernetes, where its API is read-only and meshops does not write: apply through Kubernetes instead: `meshops render --format kubernetes`/);
    assert.deepEqual((await getJson(`${cluster.server.url}/meshes/payments/meshtimeouts`)).body, before);
  });
});

test("the Mesh default and default policies a Kubernetes zone creates itself are left out of drift, as on Universal", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    commitFolder(repo.dir, path.join(FIXTURE, "meshes", "payments"));
    const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal((await kubectlApply(cluster.server.url, rendered.stdout)).status, 200);
    const drift = await runCli(["drift", "--cp-url", cluster.server.url, "--format", "json"], repo.dir);
    assert.equal(drift.code, 0, drift.stderr);
    assert.deepEqual((JSON.parse(drift.stdout) as { items: JsonObject[] }).items, []);
    // They are still there, under their Kubernetes names: drift.ignoreUnmanaged's defaults leave them out.
    const defaults = (await getJson(`${cluster.server.url}/meshes/default/meshtimeouts`)).body.items as JsonObject[];
    assert.deepEqual(defaults.map((d) => d.name), ["mesh-gateways-timeout-all-default.kuma-system", "mesh-timeout-all-default.kuma-system"]);
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

test("documents applied as written (an Argo CD directory Application, kubectl apply -f) lack the ownership label render adds: in sync, and nothing to adopt", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    commitFolder(repo.dir, FIXTURE);
    // What Kubernetes holds when the repository's files are applied as they are: the same objects, without meshops's label.
    const asWritten = await renderedRelabelled(repo.dir, ({ "meshops.io/managed-by": _, ...others }) => others);
    assert.equal((await kubectlApply(cluster.server.url, asWritten)).status, 200);
    const live = (await getJson(`${cluster.server.url}/meshes/payments/meshtimeouts/ledger-timeouts.payments`)).body;
    assert.equal((live.labels as JsonObject)["meshops.io/managed-by"], undefined);
    const plan = await runCli(["plan", "--cp-url", cluster.server.url, "--format", "json"], repo.dir);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.deepEqual((JSON.parse(plan.stdout) as { summary: JsonObject }).summary, { create: 0, update: 0, delete: 0, unchanged: 15 });
    // meshops never writes there: "applying adopts" would advise what apply refuses.
    assert.doesNotMatch(plan.stderr, /adopts/);
    const drift = await runCli(["drift", "--cp-url", cluster.server.url], repo.dir);
    assert.equal(drift.code, 0, drift.stdout);
    assert.equal(drift.stdout, "In sync.\n");
    // A change is still one: the label is left out, the rest is compared.
    assert.equal((await kubectlApply(cluster.server.url, asWritten.replace("idleTimeout: 15m", "idleTimeout: 45m"))).status, 200);
    const changed = await runCli(["drift", "--cp-url", cluster.server.url, "--format", "json"], repo.dir);
    assert.equal(changed.code, 2, changed.stderr);
    const items = (JSON.parse(changed.stdout) as { items: JsonObject[] }).items;
    assert.deepEqual(items.map((i) => [i.kind, i.resource, i.adopts ?? null]), [["modified", "MeshTimeout/payments/ledger-timeouts.payments", null]]);
    assert.doesNotMatch(String(items[0]?.diff), /managed-by/);
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

test("a Universal-shaped resource with identity labels of its own is rendered as the Kubernetes zone takes it: applied whole, then in sync", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    const retry = (name: string, labels: string) =>
      `type: MeshRetry\nname: ${name}\nmesh: alpha\nlabels: {${labels}}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {tcp: {maxConnectAttempt: 3}}}]}\n`;
    commitFiles(repo.dir, {
      "mesh.yaml": "type: Mesh\nname: alpha\nskipCreatingInitialPolicies: ['*']\n",
      // A Universal zone keeps a display name of one's choosing; a name copied from a Kubernetes zone's kumactl output.
      "named.yaml": retry("retries", "kuma.io/display-name: checkout-retries, team: checkout"),
      "copied.yaml": retry("web-retries", "k8s.kuma.io/namespace: web"),
    });
    const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    const applied = await kubectlApply(cluster.server.url, rendered.stdout);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const live = (await getJson(`${cluster.server.url}/meshes/alpha/meshretries/retries.kuma-system`)).body;
    assert.equal((live.labels as JsonObject).team, "checkout");
    const drift = await runCli(["drift", "--cp-url", cluster.server.url], repo.dir);
    assert.equal(drift.stdout, "In sync.\n", drift.stderr);
    assert.equal(drift.code, 0);
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

test("labels Flux stamps on everything it applies are not drift", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    commitFolder(repo.dir, FIXTURE);
    // What kustomize-controller adds to every object of a Kustomization (Flux's garbage collection and inventory).
    const flux = await renderedRelabelled(repo.dir, (labels) => ({ ...labels, "kustomize.toolkit.fluxcd.io/name": "mesh-config", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" }));
    assert.equal((await kubectlApply(cluster.server.url, flux)).status, 200);
    const live = (await getJson(`${cluster.server.url}/meshes/payments/meshtimeouts/ledger-timeouts.payments`)).body;
    assert.equal((live.labels as JsonObject)["kustomize.toolkit.fluxcd.io/name"], "mesh-config");
    const drift = await runCli(["drift", "--cp-url", cluster.server.url], repo.dir);
    assert.equal(drift.code, 0, drift.stdout);
    assert.equal(drift.stdout, "In sync.\n");
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

test("a Secret kept in Kubernetes as the repository writes it is in sync: meshops never writes Secrets there, so it does not look for its ownership label on them", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    const secret = `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: api-key, namespace: kuma-system, labels: {kuma.io/mesh: alpha, team: a}}\ndata: {value: ${Buffer.from("v").toString("base64")}}\n`;
    const mesh = `apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: alpha}\nspec: {skipCreatingInitialPolicies: ["*"]}\n`;
    commitFiles(repo.dir, { "meshops.yaml": "secrets: {allowPlaintext: true}\n", "mesh.yaml": mesh, "secret.yaml": secret });
    const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(rendered.stderr, /1 Secret left out/);
    // The Secret reaches Kubernetes another way (sealed-secrets, SOPS with Flux), as written.
    assert.equal((await kubectlApply(cluster.server.url, `${rendered.stdout}---\n${secret}`)).status, 200);
    const plan = await runCli(["plan", "--cp-url", cluster.server.url, "--format", "json"], repo.dir);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.deepEqual((JSON.parse(plan.stdout) as { changes: unknown[] }).changes, []);
    const drift = await runCli(["drift", "--cp-url", cluster.server.url], repo.dir);
    assert.equal(drift.stdout, "In sync.\n", drift.stderr);
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

test("one name in two meshes is one Kubernetes object: plan warns, and the control plane holds only the one applied last", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    const policy = (mesh: string) => `type: MeshTimeout\nname: shared-timeouts\nmesh: ${mesh}\nspec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 5m}}]}\n`;
    const mesh = (name: string) => `type: Mesh\nname: ${name}\nskipCreatingInitialPolicies: ["*"]\n`;
    commitFiles(repo.dir, { "a/mesh.yaml": mesh("alpha"), "a/policy.yaml": policy("alpha"), "b/mesh.yaml": mesh("beta"), "b/policy.yaml": policy("beta") });
    // render refuses such a repository (one object cannot be two); applied mesh by mesh, Kubernetes keeps the last.
    const whole = await runCli(["render", "--format", "kubernetes"], repo.dir);
    assert.equal(whole.code, 1);
    assert.match(whole.stderr, /MeshTimeout shared-timeouts in namespace kuma-system is also MeshTimeout\/alpha\/shared-timeouts/);
    const alpha = await runCli(["render", "--format", "kubernetes", "--path", "a"], repo.dir);
    const beta = await runCli(["render", "--format", "kubernetes", "--path", "b"], repo.dir);
    assert.equal((await kubectlApply(cluster.server.url, `${alpha.stdout}---\n${beta.stdout}`)).status, 200);
    const drift = await runCli(["drift", "--cp-url", cluster.server.url, "--format", "json"], repo.dir);
    assert.match(
      drift.stderr,
      /meshops: warning: MeshTimeout shared-timeouts in namespace kuma-system is one Kubernetes object, but meshes alpha, beta each define it: only the one applied last would exist; give each its own name/,
    );
    assert.equal(drift.code, 2);
    assert.deepEqual((JSON.parse(drift.stdout) as { items: JsonObject[] }).items.map((i) => [i.kind, i.resource]), [["missing", "MeshTimeout/alpha/shared-timeouts.kuma-system"]]);
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

test("a Secret name in two meshes is one Kubernetes object too (all Secrets live in the system namespace): drift warns; written as Kubernetes documents, validate refuses", async () => {
  const cluster = await startCluster();
  const repo = tempRepo("meshops-k8s-repo-");
  try {
    const mesh = (name: string) => `apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: ${name}}\nspec: {skipCreatingInitialPolicies: ["*"]}\n`;
    const secret = (meshName: string, value: string) =>
      `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata: {name: shared-key, namespace: kuma-system, labels: {kuma.io/mesh: ${meshName}}}\ndata: {value: ${Buffer.from(value).toString("base64")}}\n`;
    const files = { "meshops.yaml": "controlPlane: {mode: zone}\nsecrets: {allowPlaintext: true}\n", "meshes.yaml": `${mesh("alpha")}---\n${mesh("beta")}` };
    commitFiles(repo.dir, { ...files, "alpha.yaml": secret("alpha", "alpha-value"), "beta.yaml": secret("beta", "beta-value") });
    // As Kubernetes documents, the pair is one object to kubectl and Argo CD: the repository is invalid.
    const refused = await runCli(["validate"], repo.dir);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /beta\.yaml:\d+:\d+: error: Secret\/beta\/shared-key metadata\.name: Secret shared-key in namespace kuma-system is also Secret\/alpha\/shared-key \(alpha\.yaml:4\): one Kubernetes object cannot be both; rename one \[kubernetes-manifest\]/);
    // In the Universal shape they are two resources to meshops, which the Kubernetes zone holds as one.
    const universal = (meshName: string, value: string) => `type: Secret\nmesh: ${meshName}\nname: shared-key\ndata: ${Buffer.from(value).toString("base64")}\n`;
    commitFiles(repo.dir, { "alpha.yaml": universal("alpha", "alpha-value"), "beta.yaml": universal("beta", "beta-value") });
    // Applied as kubectl would: the second document is the same object, moved to mesh beta.
    assert.equal((await kubectlApply(cluster.server.url, `${files["meshes.yaml"]}---\n${secret("alpha", "alpha-value")}---\n${secret("beta", "beta-value")}`)).status, 200);
    const drift = await runCli(["drift", "--cp-url", cluster.server.url, "--format", "json"], repo.dir);
    assert.match(drift.stderr, /meshops: warning: Secret shared-key is one Kubernetes object, but meshes alpha, beta each define it: only the one applied last would exist; give each its own name/);
    assert.equal(drift.code, 2, drift.stderr);
    // Only the one applied last is there.
    const items = (JSON.parse(drift.stdout) as { items: JsonObject[] }).items.map((i) => [i.kind, i.resource]);
    assert.deepEqual(items.filter(([, resource]) => String(resource).startsWith("Secret/")), [["missing", "Secret/alpha/shared-key"]]);
  } finally {
    await stopCluster(cluster);
    repo.cleanup();
  }
});

describe("the same control plane in-process: --state-dir remembers Kubernetes mode", () => {
  test("plan on the state directory compares the Kubernetes way; --mode universal on it is refused", async () => {
    const repo = tempRepo("meshops-k8s-repo-");
    const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-k8s-state-"));
    try {
      commitFolder(repo.dir, FIXTURE);
      const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
      const store = await openStore({ stateDir, environment: "kubernetes" });
      const server = await startControlPlaneServer({ store, port: 0 });
      assert.equal((await kubectlApply(server.url, rendered.stdout)).status, 200);
      await server.close();
      await store.close();

      const plan = await runCli(["plan", "--state-dir", stateDir], repo.dir);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
      assert.equal(plan.stdout, "No changes: 15 resources in sync.\n");
      const wrong = await runCli(["plan", "--state-dir", stateDir, "--mode", "universal"], repo.dir);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /holds a kubernetes control plane, not a universal one: use another --state-dir, or --mode kubernetes/);
    } finally {
      repo.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe("watch against a Kubernetes-mode control plane", () => {
  after(killAll);

  test("each commit is compared, never applied, and the drift is on the status page per mesh", async () => {
    const cluster = await startCluster();
    const repo = tempRepo("meshops-k8s-watch-");
    try {
      commitFolder(repo.dir, FIXTURE);
      const rendered = await runCli(["render", "--format", "kubernetes"], repo.dir);
      assert.equal((await kubectlApply(cluster.server.url, rendered.stdout)).status, 200);
      const daemon = await startWatch(["--repo", repo.dir, "--cp-url", cluster.server.url, "--mode", "kubernetes", "--drift-interval", "1h"], { cwd: repo.dir });
      const inSync = await waitFor("the first commit compared", async () => {
        const status = await daemon.status();
        return status.reconciles.some((r) => r.kind === "sync") ? status : undefined;
      });
      assert.deepEqual(
        inSync.meshes.map((m) => [m.name, m.state]),
        [
          ["default", "in-sync"],
          ["payments", "in-sync"],
        ],
      );

      // A commit Argo CD has not synced yet: the control plane still has the old timeout, and meshops reports it.
      const file = "meshes/payments/ledger.yaml";
      const head = commitFiles(repo.dir, { [file]: readFileSync(path.join(FIXTURE, file), "utf8").replace("idleTimeout: 15m", "idleTimeout: 20m") }, "ledger: longer idle timeout");
      const drifted = await waitFor(
        "the new commit reported as drift",
        async () => {
          const status = await daemon.status();
          return status.meshes.find((m) => m.name === "payments")?.drift?.revision === head ? status : undefined;
        },
        15_000,
      );
      const payments = drifted.meshes.find((m) => m.name === "payments");
      assert.deepEqual(payments?.drift?.items.map((i) => [i.kind, i.resource]), [["modified", "MeshTimeout/payments/ledger-timeouts.payments"]]);
      // Not held by the control plane yet: behind the branch head, until Kubernetes applies it.
      assert.equal(payments?.state, "behind");
      const other = drifted.meshes.find((m) => m.name === "default");
      assert.deepEqual([other?.state, other?.appliedRevision], ["in-sync", head]);
      const live = (await getJson(`${cluster.server.url}/meshes/payments/meshtimeouts/ledger-timeouts.payments`)).body;
      assert.equal(((live.spec as { to: { default: JsonObject }[] }).to[0]?.default as JsonObject).idleTimeout, "15m0s", "nothing written");
      assert.ok(!daemon.lines.some((l) => l.includes('"change.applied"')), "no change was applied");
    } finally {
      killAll();
      await stopCluster(cluster);
      repo.cleanup();
    }
  });
});
