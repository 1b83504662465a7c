/**
 * Kubernetes documents as `kubectl get -o yaml` writes them, and as people keep them: the API server's metadata
 * (uid, resourceVersion, creationTimestamp, generation, managedFields, selfLink, ownerReferences) is one `server-field`
 * warning per field, at the field, saying to remove it (resourceVersion and uid saying why kubectl apply fails with
 * them); `finalizers` and `generateName`, which kubectl and the API server accept and which change nothing Kuma reads,
 * are accepted; a top-level `status` is a warning. None of it is part of the resource (so never drift), and render
 * writes none of it: its manifests are what kubectl accepts. A field meshops does not know is still an error.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { runCli, validateJson } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const repos: { cleanup: () => void }[] = [];
after(() => repos.forEach((r) => r.cleanup()));

function repoWith(files: Record<string, string>): string {
  const repo = tempRepo("meshops-kubectl-export-");
  repos.push(repo);
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: payments\nskipCreatingInitialPolicies: ['*']\n", ...files });
  return repo.dir;
}

const SPEC = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 30s\n";

/** A MeshTimeout as written by hand. */
const written = "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: checkout\n  namespace: payments\n  labels:\n    kuma.io/mesh: payments\n" + SPEC;

/** The same MeshTimeout as `kubectl get -o yaml` shows it (line numbers in the comments). */
const exported = [
  "apiVersion: kuma.io/v1alpha1", // 1
  "kind: MeshTimeout",
  "metadata:",
  "  creationTimestamp: \"2026-11-30T09:12:44Z\"",
  "  finalizers:", // 5
  "    - example.com/keep",
  "  generateName: checkout-",
  "  generation: 3",
  "  labels:",
  "    kuma.io/mesh: payments", // 10
  "  managedFields:",
  "    - apiVersion: kuma.io/v1alpha1",
  "      fieldsType: FieldsV1",
  "      manager: kubectl-client-side-apply",
  "      operation: Update", // 15
  "  name: checkout",
  "  namespace: payments",
  "  ownerReferences:",
  "    - apiVersion: kuma.io/v1alpha1",
  "      kind: Mesh", // 20
  "      name: payments",
  "      uid: 7d1f0c0e-52a4-4c4e-9d53-0e1b8d2f3a61",
  "  resourceVersion: \"48113\"",
  "  selfLink: /apis/kuma.io/v1alpha1/namespaces/payments/meshtimeouts/checkout",
  "  uid: 0b6d3c54-9f0e-4a3b-8d61-7c2e5f4a9b10", // 25
  ...SPEC.trimEnd().split("\n"),
  "status: {}",
  "",
].join("\n");

const API_SERVER = "set by the API server; meshops ignores it: remove it";

test("kubectl get -o yaml output: one warning per field the API server sets, at the field; finalizers and generateName accepted", async () => {
  const report = await validateJson(repoWith({ "checkout.yaml": exported }));
  assert.equal(report.valid, true, JSON.stringify(report.diagnostics));
  const said = report.diagnostics.filter((d) => d.severity !== "info").map((d) => [d.severity, d.rule, `${d.file}:${d.line}`, d.resource, d.path, d.message]);
  const field = (line: number, path: string, message = API_SERVER) => ["warning", "server-field", `checkout.yaml:${line}`, "MeshTimeout/payments/checkout.payments", path, message];
  assert.deepEqual(said, [
    field(4, "metadata.creationTimestamp"),
    field(8, "metadata.generation"),
    field(11, "metadata.managedFields"),
    field(
      18,
      "metadata.ownerReferences",
      "set by the API server's clients (Kuma's admission webhook makes the Mesh the owner when the object is created); an owner whose uid this cluster does not have makes Kubernetes' garbage collector delete the object; meshops ignores it: remove it",
    ),
    field(
      23,
      "metadata.resourceVersion",
      'set by the API server, which refuses a write that sends one unless it is the object\'s current version ("resourceVersion should not be set on objects to be created"; a conflict once the object has changed): kubectl apply and Argo CD send it; meshops ignores it: remove it',
    ),
    field(24, "metadata.selfLink"),
    field(25, "metadata.uid", "set by the API server, which refuses an update that sends another object's uid (one from another cluster, or from before the object was recreated): the uid is immutable; meshops ignores it: remove it"),
    field(34, "status", "set by the control plane; ignored: status"),
  ]);
});

test("none of it is part of the resource (no drift) or of what render writes, and a Secret takes the same fields", async () => {
  const secret = (metadata: string) =>
    `apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: ledger-key\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: payments\n${metadata}data:\n  value: c2VjcmV0\n`;
  const exportedSecret = secret('  finalizers: [example.com/keep]\n  resourceVersion: "7"\n  uid: 5d0c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d\n  creationTimestamp: "2026-11-30T09:12:44Z"\n');
  const meshopsYaml = "secrets:\n  allowPlaintext: true\n";
  const plain = repoWith({ "meshops.yaml": meshopsYaml, "checkout.yaml": written, "secret.yaml": secret("") });
  const asExported = repoWith({ "meshops.yaml": meshopsYaml, "checkout.yaml": exported, "secret.yaml": exportedSecret });
  const secretReport = await validateJson(asExported);
  assert.equal(secretReport.valid, true, JSON.stringify(secretReport.diagnostics));
  assert.deepEqual(
    secretReport.diagnostics.filter((d) => d.file === "secret.yaml").map((d) => [d.rule, d.path]),
    [["server-field", "metadata.resourceVersion"], ["server-field", "metadata.uid"], ["server-field", "metadata.creationTimestamp"]],
  );
  // What apply would PUT (render's Universal objects, the desired state plan and drift compare) is the same.
  for (const format of ["yaml", "kubernetes"]) {
    const [a, b] = await Promise.all([runCli(["render", "--format", format], plain), runCli(["render", "--format", format], asExported)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.stdout, a.stdout, `render --format ${format}`);
  }
  const manifests = parseAllDocuments((await runCli(["render", "--format", "kubernetes"], asExported)).stdout).map((d) => d.toJSON() as { kind: string; metadata: Record<string, unknown>; status?: unknown });
  const timeout = manifests.find((m) => m.kind === "MeshTimeout");
  assert.ok(timeout);
  assert.deepEqual(Object.keys(timeout.metadata).sort(), ["annotations", "labels", "name", "namespace"]);
  assert.equal("status" in timeout, false);
});

test("a metadata field meshops does not know is still an error, and so is an unknown top-level field or finalizers kubectl cannot decode", async () => {
  const typo = written.replace("  labels:\n", "  lables: {team: core}\n  finalizers: example.com/keep\n  generateName: [checkout-]\n  labels:\n");
  const report = await validateJson(repoWith({ "checkout.yaml": typo.replace("spec:", "sepc: {}\nspec:") }));
  assert.deepEqual(
    report.diagnostics.filter((d) => d.severity === "error").map((d) => [d.rule, d.path, d.message]),
    [
      ["kubernetes-shape", "metadata.lables", 'unknown field "metadata.lables": meshops reads name, namespace, labels and annotations (and accepts finalizers and generateName)'],
      ["kubernetes-shape", "metadata.finalizers", "finalizers must be a list of strings (kubectl cannot decode anything else)"],
      ["kubernetes-shape", "metadata.generateName", "generateName must be a string (kubectl cannot decode anything else)"],
      ["kubernetes-shape", "sepc", 'unknown field "sepc": a Kubernetes MeshTimeout has apiVersion, kind, metadata and spec'],
    ],
  );
});
