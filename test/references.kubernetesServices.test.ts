/**
 * References to the MeshServices a Kubernetes zone will generate from the Services the repository holds: Kuma's zone
 * makes one per Service of a namespace in the mesh (sidecar injection on), named `name.namespace`, in the mesh of the
 * Service's `kuma.io/mesh` label, else its Namespace's, when that mesh has MeshServices on. Such a reference is defined by the repository: neither warned
 * about online (`plan --cp-url`, before the Service is applied) nor counted offline among those expected from zones.
 * A Service in a namespace of another mesh still leaves its reference unresolved. A real Git repository, the embedded
 * control plane in Kubernetes mode over HTTP, the CLI in-process; the validation cache in-process.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { openStore, type ControlPlaneStore } from "../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../src/cp/server.js";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot } from "../src/validate/index.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const namespace = (name: string, mesh: string) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    kuma.io/sidecar-injection: enabled\n    kuma.io/mesh: ${mesh}\n`;
const deployment = (name: string, ns: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n        - name: app\n          image: example/${name}:1\n`;
const kubeService = (name: string, ns: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - port: 8080\n      appProtocol: http\n`;
/** A MeshRetry of mesh payments in the system namespace towards the MeshService `name` of namespace `ns`. */
const retry = (name: string, ns: string) =>
  `apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata:\n  name: to-${name}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: payments\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: MeshService\n        name: ${name}\n        namespace: ${ns}\n      default:\n        http:\n          numRetries: 3\n`;

const FILES: Record<string, string> = {
  "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n  mode: zone\n',
  // MeshServices on (Exclusive): a mesh without meshServices.mode has them Disabled, and its zones generate none.
  "meshes/payments.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: payments\nspec:\n  meshServices:\n    mode: Exclusive\n",
  // payments: a namespace of mesh payments; ledger: of another mesh, so its Service makes a MeshService of that mesh.
  "apps/payments/namespace.yaml": namespace("payments", "payments"),
  "apps/payments/app.yaml": `${deployment("payments", "payments")}---\n${kubeService("payments", "payments")}`,
  "apps/ledger/namespace.yaml": namespace("ledger", "accounting"),
  "apps/ledger/app.yaml": `${deployment("ledger", "ledger")}---\n${kubeService("ledger", "ledger")}`,
  "policies/retries.yaml": `${retry("payments", "payments")}---\n${retry("ledger", "ledger")}`,
};

const repo = tempRepo("meshops-kube-services-");
const work = mkdtempSync(path.join(tmpdir(), "meshops-kube-services-work-"));
let store: ControlPlaneStore;
let server: ControlPlaneServer;

before(async () => {
  commitFiles(repo.dir, FILES);
  store = await openStore({ stateDir: path.join(work, "cp"), environment: "kubernetes" });
  server = await startControlPlaneServer({ store, port: 0 });
});

after(async () => {
  await server.close();
  await store.close();
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test("plan --cp-url against a Kubernetes zone warns about the reference no Service of the mesh gives, not about payments.payments", async () => {
  const plan = await runCli(["plan", "--repo", repo.dir, "--cp-url", server.url], work);
  assert.equal(plan.code, 2, plan.stderr);
  assert.match(plan.stderr, /MeshRetry\/payments\/to-ledger\.kuma-system spec\.to\[0\]\.targetRef\.name: MeshService\/payments\/ledger\.ledger is defined neither in the repository nor in the control plane \[unknown-service\]/);
  assert.equal(plan.stderr.match(/\[unknown-service\]/g)?.length, 1, plan.stderr);
  assert.doesNotMatch(plan.stderr, /payments\.payments/);
});

test("offline, validate counts among the references expected from zones only the one no Service of the mesh gives", async () => {
  const run = await runCli(["validate", "--repo", repo.dir], work);
  assert.equal(run.code, 0, run.stdout);
  assert.match(run.stdout, /mesh "payments": 1 reference to a service not defined here, expected from zones: ledger\.ledger \[zone-provided-services\]/);
  assert.doesNotMatch(run.stdout, /payments\.payments/);
});

/** The snapshot of `files`, each file's blob id its text's own (a changed text is a new blob, an unchanged one a cache hit). */
function snapshotOf(files: Record<string, string>): Snapshot {
  const blob = (text: string) => createHash("sha1").update(text).digest("hex");
  const { "meshops.yaml": config = "", ...rest } = files;
  return {
    revision: blob(JSON.stringify(files)),
    root: "",
    problems: [],
    config: { path: "meshops.yaml", text: config, blobId: blob(`config${config}`) },
    files: Object.entries(rest).map(([p, text]) => ({ path: p, text, blobId: blob(`${p}\0${text}`) })),
  };
}

test("with the validation cache, a commit that changes only the policies still reads the Services of the cached files; removing the Service brings the reference back", () => {
  const cache = new AnalysisCache();
  const targets = (files: Record<string, string>) => validateSnapshot(snapshotOf(files), cache).serviceReferences.map((r) => r.targets[0]);
  assert.deepEqual(targets(FILES), ["MeshService/payments/ledger.ledger"]);
  const edited = { ...FILES, "policies/retries.yaml": FILES["policies/retries.yaml"]?.replaceAll("numRetries: 3", "numRetries: 4") ?? "" };
  assert.deepEqual(targets(edited), ["MeshService/payments/ledger.ledger"], "the Service files were cache hits");
  const withoutService = { ...edited, "apps/payments/app.yaml": deployment("payments", "payments") };
  assert.deepEqual(targets(withoutService), ["MeshService/payments/payments.payments", "MeshService/payments/ledger.ledger"]);
  // A Service of the namespace, but labelled for another mesh: its MeshService is of that mesh.
  const otherMesh = { ...edited, "apps/payments/app.yaml": FILES["apps/payments/app.yaml"]?.replace("  namespace: payments\nspec:\n  selector:\n    app:", "  namespace: payments\n  labels:\n    kuma.io/mesh: accounting\nspec:\n  selector:\n    app:") ?? "" };
  assert.deepEqual(targets(otherMesh), ["MeshService/payments/payments.payments", "MeshService/payments/ledger.ledger"]);
});

test("a headless Service (clusterIP None) makes no MeshService of its name, an empty clusterIP does; a Service without a namespace is in the one its kustomization gives", () => {
  const targets = (files: Record<string, string>) => validateSnapshot(snapshotOf(files)).serviceReferences.map((r) => r.targets[0]);
  const headless = { ...FILES, "apps/payments/app.yaml": FILES["apps/payments/app.yaml"]?.replace("spec:\n  selector:\n    app:", "spec:\n  clusterIP: None\n  selector:\n    app:") ?? "" };
  assert.deepEqual(targets(headless), ["MeshService/payments/payments.payments", "MeshService/payments/ledger.ledger"]);
  // An empty clusterIP is allocated one by Kubernetes: not headless.
  const allocated = { ...FILES, "apps/payments/app.yaml": FILES["apps/payments/app.yaml"]?.replace("spec:\n  selector:\n    app:", 'spec:\n  clusterIP: ""\n  selector:\n    app:') ?? "" };
  assert.deepEqual(targets(allocated), ["MeshService/payments/ledger.ledger"]);
  const kustomized = {
    ...FILES,
    "apps/payments/kustomization.yaml": "namespace: payments\nresources:\n  - app.yaml\n",
    "apps/payments/app.yaml": `${deployment("payments", "elsewhere")}---\n${kubeService("payments", "elsewhere")}`,
  };
  assert.deepEqual(targets(kustomized), ["MeshService/payments/ledger.ledger"]);
});

test("a mesh whose MeshServices are Disabled (meshServices.mode unset, as by default, or Disabled) gets none from its Services: the references stay expected from zones", () => {
  const targets = (files: Record<string, string>) => validateSnapshot(snapshotOf(files)).serviceReferences.map((r) => r.targets[0]);
  const withMesh = (spec: string) => ({ ...FILES, "meshes/payments.yaml": `apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: payments\n${spec}` });
  const both = ["MeshService/payments/payments.payments", "MeshService/payments/ledger.ledger"];
  assert.deepEqual(targets(withMesh("")), both);
  assert.deepEqual(targets(withMesh("spec:\n  meshServices:\n    mode: Disabled\n")), both);
  assert.deepEqual(targets(withMesh("spec:\n  meshServices:\n    mode: Everywhere\n")), ["MeshService/payments/ledger.ledger"]);
});
