/**
 * `render --format kubernetes` for Argo CD and Flux: manifests checked against Kuma's CRDs (schemas/crds.json, kept
 * fresh from the committed reference CRDs) and the API server's metadata rules before anything is printed or written;
 * `--out DIR` with its stable layout, stale-file removal and files of others left alone.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { crdEntries, manifestProblems } from "../src/validate/crds.js";
import type { JsonObject } from "../src/model/resource.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, commitFolder, git, projectRoot, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));
const newRepo = () => {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  return repo.dir;
};

test("schemas/crds.json is what scripts/generate-crd-schemas.mjs makes of the committed CRDs", () => {
  execFileSync(process.execPath, [path.join(projectRoot, "scripts", "generate-crd-schemas.mjs"), "--check"], { stdio: "pipe" });
  const kinds = crdEntries();
  for (const kind of ["Mesh", "MeshTimeout", "MeshHTTPRoute", "MeshService", "MeshGateway", "MeshOPA", "Workload"]) assert.ok(kinds.has(kind), kind);
  assert.equal(kinds.get("Mesh")?.scope, "Cluster");
  assert.equal(kinds.get("MeshGateway")?.scope, "Cluster");
  assert.equal(kinds.get("MeshTimeout")?.scope, "Namespaced");
});

const timeout = (): JsonObject => ({
  apiVersion: "kuma.io/v1alpha1",
  kind: "MeshTimeout",
  metadata: { name: "checkout", namespace: "kuma-system", labels: { "kuma.io/mesh": "payments" }, annotations: { "argocd.argoproj.io/sync-wave": "6" } },
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "30s", http: { requestTimeout: "5s" } } }] },
});

test("a valid manifest has no problems; each kind of rejection names its field", () => {
  assert.deepEqual(manifestProblems(timeout()), []);
  const cases: [string, (m: JsonObject) => void, { path: string; message: RegExp }][] = [
    ["unknown spec field", (m) => (((m.spec as JsonObject).to as JsonObject[])[0] as JsonObject).default = { idleTimeout: "1s", idle: "2s" }, { path: "spec.to[0].default.idle", message: /^unknown field$/ }],
    ["wrong type", (m) => ((m.spec as JsonObject).targetRef = { kind: "Mesh", name: 7 }), { path: "spec.targetRef.name", message: /must be string/ }],
    ["enum", (m) => ((m.spec as JsonObject).targetRef = { kind: "Everything" }), { path: "spec.targetRef.kind", message: /^unsupported value: must be one of "Mesh"/ }],
    ["missing required", (m) => ((m.spec as JsonObject).targetRef = {}), { path: "spec.targetRef.kind", message: /^required value$/ }],
    ["namespaced kind without a namespace", (m) => delete (m.metadata as JsonObject).namespace, { path: "metadata.namespace", message: /namespaced: a namespace is required/ }],
    ["upper-case name", (m) => ((m.metadata as JsonObject).name = "Checkout"), { path: "metadata.name", message: /RFC 1123 subdomain/ }],
    ["label value over 63 characters", (m) => ((m.metadata as JsonObject).labels = { "kuma.io/mesh": "m".repeat(64) }), { path: 'metadata.labels["kuma.io/mesh"]', message: /no more than 63 characters/ }],
    ["label key", (m) => ((m.metadata as JsonObject).labels = { "team/": "x" }), { path: 'metadata.labels["team/"]', message: /^key: name part must be 1 to 63 characters/ }],
    ["unknown top-level field", (m) => (m.mesh = "payments"), { path: "mesh", message: /^unknown field$/ }],
  ];
  for (const [name, mutate, expected] of cases) {
    const manifest = timeout();
    mutate(manifest);
    const problems = manifestProblems(manifest);
    assert.equal(problems.length, 1, `${name}: ${JSON.stringify(problems)}`);
    assert.equal(problems[0]?.path, expected.path, name);
    assert.match(problems[0]?.message ?? "", expected.message, name);
  }
  // Cluster-scoped kinds: a namespace is a rejection; a Mesh keeps its spec open (x-kubernetes-preserve-unknown-fields).
  assert.deepEqual(manifestProblems({ apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: "payments" }, spec: { anything: { goes: 1 } } }), []);
  assert.deepEqual(
    manifestProblems({ apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: "payments", namespace: "kuma-system" }, spec: {} }).map((p) => p.path),
    ["metadata.namespace"],
  );
  assert.deepEqual(manifestProblems({ apiVersion: "kuma.io/v1alpha1", kind: "MeshNothing", metadata: { name: "x" } }).map((p) => p.message), ["no kuma.io/v1alpha1 CRD defines kind MeshNothing"]);
});

test("every CRD compiles, and every manifest of sample-repo passes", async () => {
  for (const kind of crdEntries().keys()) {
    // An empty object of each kind: compiling is what is checked here, so only ask for the verdict.
    manifestProblems({ apiVersion: "kuma.io/v1alpha1", kind, metadata: { name: "x", namespace: "kuma-system" } });
  }
  const dir = newRepo();
  commitFolder(dir, path.join(projectRoot, "sample-repo"));
  const run = await runCli(["render", "--format", "kubernetes"], dir);
  assert.equal(run.code, 0, run.stderr);
  const manifests = parseAllDocuments(run.stdout).map((d) => d.toJS() as JsonObject);
  assert.ok(manifests.length > 50);
  for (const manifest of manifests) assert.deepEqual(manifestProblems(manifest), [], JSON.stringify(manifest.metadata));
});

/** Two meshes' policies in the Universal shape under one name: one Kubernetes object (kind, namespace, name). */
const collidingFiles = {
  "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n',
  "meshes.yaml": "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n",
  "timeouts.yaml": [
    "type: MeshTimeout",
    "mesh: default",
    "name: timeouts",
    "spec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 30s}}]}",
    "---",
    "type: MeshTimeout",
    "mesh: payments",
    "name: timeouts",
    "spec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 60s}}]}",
    "",
  ].join("\n"),
};

test("a render the Kubernetes API would reject prints nothing, writes nothing, and names file:line and field", async () => {
  const dir = newRepo();
  commitFiles(dir, collidingFiles);
  assert.equal((await runCli(["validate"], dir)).code, 0, "valid for the Kuma API: the names differ by mesh there");
  const run = await runCli(["render", "--format", "kubernetes"], dir);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    /^timeouts\.yaml:6:1: error: MeshTimeout\/payments\/timeouts metadata\.name: MeshTimeout timeouts in namespace kuma-system is also MeshTimeout\/default\/timeouts \(timeouts\.yaml:1\): one Kubernetes object cannot be both; rename one \[kubernetes-manifest\]\n/,
  );
  assert.match(run.stderr, /nothing was written\n$/);
  const out = path.join(dir, "rendered");
  assert.equal((await runCli(["render", "--format", "kubernetes", "--out", "rendered"], dir)).code, 1);
  assert.equal(existsSync(out), false, "--out: not even the folder");
  // An invalid repository: the validation problems, on stderr, exit 1, as for every format.
  commitFiles(dir, { "timeouts.yaml": "type: MeshTimeout\nmesh: default\nname: timeouts\nspec: {targetRef: {kind: Nothing}}\n" });
  const invalid = await runCli(["render", "--format", "kubernetes"], dir);
  assert.equal(invalid.code, 1);
  assert.equal(invalid.stdout, "");
  assert.match(invalid.stderr, /^timeouts\.yaml:4:\d+: error: MeshTimeout\/default\/timeouts spec\.targetRef\.kind/m);
});

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; parentPath: string; name: string }[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

test("--out DIR: one file per resource in a stable layout; files of resources that are gone are removed, others' kept", async () => {
  const dir = newRepo();
  const universal = "spec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 30s}}]}";
  commitFiles(dir, {
    "meshops.yaml": 'controlPlane:\n  version: "2.14.3"\n',
    "mesh.yaml": "type: Mesh\nname: payments\nskipCreatingInitialPolicies: [MeshRetry, MeshCircuitBreaker]\n",
    "gone.yaml": `type: MeshTimeout\nmesh: payments\nname: short-lived\n${universal}\n`,
    "apps.yaml": [
      "apiVersion: kuma.io/v1alpha1",
      "kind: MeshRetry",
      "metadata: {name: ledger-retries, namespace: ledger, labels: {kuma.io/mesh: payments}}",
      "spec: {targetRef: {kind: Mesh}, to: [{targetRef: {kind: MeshService, name: ledger}, default: {http: {numRetries: 3}}}]}",
      "",
    ].join("\n"),
  });
  const out = path.join(dir, "out");
  mkdirSync(out);
  writeFileSync(path.join(out, "kustomization.yaml"), "resources: []\n"); // not meshops's: never touched
  const first = await runCli(["render", "--format", "kubernetes", "--out", "out"], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, "");
  assert.deepEqual(listFiles(out), [
    ".meshops-rendered",
    "kustomization.yaml",
    "payments/mesh.yaml",
    "payments/meshretries/ledger/ledger-retries.yaml",
    "payments/meshtimeouts/kuma-system/mesh-gateways-timeout-all-payments.yaml",
    "payments/meshtimeouts/kuma-system/mesh-timeout-all-payments.yaml",
    "payments/meshtimeouts/kuma-system/short-lived.yaml",
  ]);
  // Each file is the document render prints for that resource.
  const stream = await runCli(["render", "--format", "kubernetes"], dir);
  const printed = parseAllDocuments(stream.stdout).map((d) => JSON.stringify(d.toJS()));
  const written = listFiles(out).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").map((f) => JSON.stringify(parseAllDocuments(readFileSync(path.join(out, f), "utf8"))[0]?.toJS()));
  assert.deepEqual(written.sort(), printed.sort());
  const ledger = readFileSync(path.join(out, "payments/meshretries/ledger/ledger-retries.yaml"), "utf8");
  assert.match(ledger, /^ {4}argocd\.argoproj\.io\/sync-wave: "6"$/m, "policies after the Mesh (wave 0): Argo CD's order");
  assert.match(readFileSync(path.join(out, "payments/mesh.yaml"), "utf8"), /^ {4}argocd\.argoproj\.io\/sync-wave: "0"$/m);

  // The resource is gone from the repository: its file goes, with the folder it leaves empty; the rest is unchanged.
  git(dir, "rm", "-q", "gone.yaml");
  git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "remove");
  const second = await runCli(["render", "--format", "kubernetes", "--out", "out"], dir);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /4 manifests in out: 0 written, 4 unchanged, 1 removed\n$/);
  assert.equal(existsSync(path.join(out, "payments/meshtimeouts/kuma-system/short-lived.yaml")), false);
  assert.ok(existsSync(path.join(out, "kustomization.yaml")), "a file meshops did not write stays");
  assert.equal(readFileSync(path.join(out, ".meshops-rendered"), "utf8").split("\n").filter(Boolean).length, 4);

  rmSync(path.join(out, "payments"), { recursive: true });
  assert.equal((await runCli(["render", "--format", "kubernetes", "--out", "out"], dir)).code, 0, "a folder emptied by hand is written again");
  assert.equal(listFiles(out).length, 6);
  assert.equal((await runCli(["render", "--format", "yaml", "--out", "out"], dir)).stderr, "meshops: --out writes Kubernetes manifests: give --format kubernetes with it\n");
});
