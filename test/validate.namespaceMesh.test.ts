/**
 * A Namespace labelled (or annotated) `kuma.io/mesh` puts its Pods in that mesh, not its policies: Kuma v2.14.3 reads a
 * namespaced policy's mesh from its own `kuma.io/mesh` label, `default` without one (the mutating webhook's
 * resource_labels.Compute(..., resource.GetMeta().GetMesh(), ...), pkg/plugins/runtime/k8s/webhooks/defaulter.go;
 * FACTS.md "The mesh comes from the label"). Such a policy is almost surely meant for the namespace's mesh: a warning
 * at its labels. The Namespace may be in any file, so the warning follows it commit after commit in a long-running
 * process, as a fresh validation finds it.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import type { Diagnostic } from "../src/model/diagnostic.js";
import { readSnapshot } from "../src/source/index.js";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot, type ValidationResult } from "../src/validate/index.js";
import { validateJson } from "./helpers/cli.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const repos: { cleanup: () => void }[] = [];
after(() => repos.forEach((r) => r.cleanup()));

const MESHES = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: shop\n---\napiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";
const namespace = (name: string, meta = "") => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${meta}`;
const timeout = (name: string, ns: string, labels = "") =>
  `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${labels}spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 30s\n`;

const warning = (ns: string, how: "labelled" | "annotated", mesh: string) =>
  `namespace ${ns} is ${how} kuma.io/mesh: ${mesh}, but this policy has no kuma.io/mesh label: Kuma puts it in mesh default; add the label kuma.io/mesh: ${mesh}`;

const namespaceWarnings = (diagnostics: readonly (Record<"rule" | "file" | "severity" | "resource" | "path" | "message", string> & Pick<Diagnostic, "line">)[]) =>
  diagnostics.filter((d) => d.rule === "namespace-mesh").map((d) => [`${d.file}:${d.line}`, d.severity, d.resource, d.path, d.message]);

test("a policy without a kuma.io/mesh label in a namespace labelled or annotated with another mesh is warned about at its labels", async () => {
  const repo = tempRepo("meshops-namespace-mesh-");
  repos.push(repo);
  commitFiles(repo.dir, {
    "meshes.yaml": MESHES,
    "namespaces.yaml": [
      namespace("shop", "  labels:\n    kuma.io/mesh: shop\n"),
      namespace("pay", "  annotations:\n    kuma.io/mesh: shop\n"),
      namespace("plain"),
      namespace("home", "  labels:\n    kuma.io/mesh: default\n"),
    ].join("---\n"),
    "policies.yaml": [
      timeout("unlabelled", "shop", "  labels:\n    team: a\n"),
      timeout("no-labels", "pay"),
      timeout("labelled", "shop", "  labels:\n    kuma.io/mesh: shop\n"),
      timeout("plain", "plain"),
      timeout("home", "home"),
    ].join("---\n"),
  });
  const report = await validateJson(repo.dir);
  assert.equal(report.valid, true);
  assert.deepEqual(namespaceWarnings(report.diagnostics), [
    // At metadata.labels where written, else at metadata.
    ["policies.yaml:6", "warning", "MeshTimeout/default/unlabelled.shop", "metadata.labels", warning("shop", "labelled", "shop")],
    ["policies.yaml:19", "warning", "MeshTimeout/default/no-labels.pay", "metadata.labels", warning("pay", "annotated", "shop")],
  ]);
});

test("a Namespace added, relabelled and removed in another file changes the warning in a long-running validation, as from scratch", async () => {
  const repo = tempRepo("meshops-namespace-mesh-incremental-");
  repos.push(repo);
  const cache = new AnalysisCache();
  let previous: Snapshot | undefined;
  const validateHead = async (): Promise<ValidationResult> => {
    const snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", ...(previous ? { previous } : {}) });
    previous = snapshot;
    const result = validateSnapshot(snapshot, cache);
    assert.deepEqual(result, validateSnapshot(snapshot, new AnalysisCache()), "the cached validation is a fresh one's");
    return result;
  };
  commitFiles(repo.dir, { "meshes.yaml": MESHES, "apps/shop/timeout.yaml": timeout("t1", "shop") }, "a policy");
  assert.deepEqual(namespaceWarnings((await validateHead()).diagnostics), []);

  commitFiles(repo.dir, { "cluster/namespaces.yaml": namespace("shop", "  labels:\n    kuma.io/mesh: shop\n") }, "the namespace labelled");
  const labelled = await validateHead();
  assert.deepEqual(namespaceWarnings(labelled.diagnostics), [["apps/shop/timeout.yaml:3", "warning", "MeshTimeout/default/t1.shop", "metadata.labels", warning("shop", "labelled", "shop")]]);
  assert.equal(labelled.valid, true);

  commitFiles(repo.dir, { "cluster/namespaces.yaml": namespace("shop") }, "the label removed");
  assert.deepEqual(namespaceWarnings((await validateHead()).diagnostics), []);

  commitFiles(repo.dir, { "cluster/namespaces.yaml": namespace("shop", "  annotations:\n    kuma.io/mesh: shop\n") }, "annotated");
  assert.equal(namespaceWarnings((await validateHead()).diagnostics).length, 1);

  commitFiles(repo.dir, { "apps/shop/timeout.yaml": timeout("t1", "shop", "  labels:\n    kuma.io/mesh: shop\n") }, "the policy labelled");
  assert.deepEqual(namespaceWarnings((await validateHead()).diagnostics), []);

  commitFiles(repo.dir, { "apps/shop/timeout.yaml": timeout("t1", "shop") }, "the label dropped again");
  assert.equal(namespaceWarnings((await validateHead()).diagnostics).length, 1);
  rmSync(path.join(repo.dir, "cluster"), { recursive: true });
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "the namespace removed");
  assert.deepEqual(namespaceWarnings((await validateHead()).diagnostics), []);
});

/** A MeshTimeout that writes no namespace: kustomize's `namespace:` or Flux's `targetNamespace` gives it one. */
const timeoutWithoutNamespace = (name: string) => timeout(name, "x").replace("  namespace: x\n", "");

test("a namespace kustomize or a Flux Kustomization gives a policy is the namespace it is warned about in, over what it writes", async () => {
  const repo = tempRepo("meshops-namespace-mesh-kustomize-");
  repos.push(repo);
  commitFiles(repo.dir, {
    "meshes.yaml": MESHES,
    "cluster/namespaces.yaml": [namespace("shop", "  labels:\n    kuma.io/mesh: shop\n"), namespace("pay", "  annotations:\n    kuma.io/mesh: shop\n"), namespace("plain")].join("---\n"),
    // kustomize's namespace: moves both into shop, the one that writes the namespace plain too.
    "apps/shop/kustomization.yaml": "namespace: shop\nresources:\n  - timeout.yaml\n  - written.yaml\n",
    "apps/shop/timeout.yaml": timeoutWithoutNamespace("kustomized"),
    "apps/shop/written.yaml": timeout("written", "plain"),
    // Flux builds every file below spec.path into targetNamespace.
    "clusters/pay.yaml":
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: pay\n  namespace: flux-system\nspec:\n  path: ./apps/pay\n  targetNamespace: pay\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    "apps/pay/timeout.yaml": timeoutWithoutNamespace("fluxed"),
    // Given a namespace that names no mesh: nothing to say.
    "apps/plain/kustomization.yaml": "namespace: plain\nresources:\n  - timeout.yaml\n",
    "apps/plain/timeout.yaml": timeoutWithoutNamespace("plain"),
  });
  const report = await validateJson(repo.dir);
  // At metadata: the policies write no labels.
  const given = (ns: string, by: string, how: "labelled" | "annotated") =>
    `namespace ${ns} (given by ${by}) is ${how} kuma.io/mesh: shop, but this policy has no kuma.io/mesh label: Kuma puts it in mesh default; add the label kuma.io/mesh: shop`;
  assert.deepEqual(namespaceWarnings(report.diagnostics), [
    ["apps/pay/timeout.yaml:3", "warning", "MeshTimeout/default/fluxed", "metadata.labels", given("pay", "Flux Kustomization pay, clusters/pay.yaml", "annotated")],
    ["apps/shop/timeout.yaml:3", "warning", "MeshTimeout/default/kustomized", "metadata.labels", given("shop", "apps/shop/kustomization.yaml", "labelled")],
    ["apps/shop/written.yaml:3", "warning", "MeshTimeout/default/written.plain", "metadata.labels", given("shop", "apps/shop/kustomization.yaml", "labelled")],
  ]);
});

test("two Namespace documents of one name that name different meshes are a warning naming both, while the same mesh twice is not", async () => {
  const repo = tempRepo("meshops-namespace-mesh-twice-");
  repos.push(repo);
  commitFiles(repo.dir, {
    "meshes.yaml": MESHES,
    "base/namespaces.yaml": [namespace("shop", "  labels:\n    kuma.io/mesh: shop\n"), namespace("pay", "  labels:\n    kuma.io/mesh: shop\n"), namespace("same", "  labels:\n    kuma.io/mesh: shop\n")].join("---\n"),
    "overlays/namespaces.yaml": [
      // No label at all is mesh default; an annotation names a mesh as the label does.
      namespace("shop"),
      namespace("pay", "  annotations:\n    kuma.io/mesh: default\n"),
      namespace("same", "  annotations:\n    kuma.io/mesh: shop\n"),
    ].join("---\n"),
  });
  const report = await validateJson(repo.dir);
  assert.equal(report.valid, true);
  const conflicts = report.diagnostics.filter((d) => d.rule === "namespace-mesh-conflict").map((d) => [`${d.file}:${d.line}`, d.severity, d.path, d.message]);
  const message = (ns: string, here: string, mesh: string, there: string) =>
    `Namespace ${ns} is written twice with different meshes: ${here} (${mesh}) and ${there} (labelled kuma.io/mesh: shop); kubectl apply and Argo CD apply both, and the cluster keeps the one applied last, so which mesh its Pods join depends on the order: write it once`;
  // At the later document's label or annotation (its name when it has neither), naming the first one's.
  assert.deepEqual(conflicts, [
    ["overlays/namespaces.yaml:4", "warning", "metadata.name", message("shop", "overlays/namespaces.yaml:4", "kuma.io/mesh: default, no label", "base/namespaces.yaml:6")],
    ["overlays/namespaces.yaml:11", "warning", 'metadata.annotations["kuma.io/mesh"]', message("pay", "overlays/namespaces.yaml:11", "annotated kuma.io/mesh: default", "base/namespaces.yaml:13")],
  ]);
});

test("a kustomization whose namespace changes, with no policy or Namespace changed, changes the warning in a long-running validation", async () => {
  const repo = tempRepo("meshops-namespace-mesh-kustomize-incremental-");
  repos.push(repo);
  const cache = new AnalysisCache();
  let previous: Snapshot | undefined;
  const warningsAtHead = async () => {
    const snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", ...(previous ? { previous } : {}) });
    previous = snapshot;
    const result = validateSnapshot(snapshot, cache);
    assert.deepEqual(result, validateSnapshot(snapshot, new AnalysisCache()), "the cached validation is a fresh one's");
    return namespaceWarnings(result.diagnostics).map(([at, , , , message]) => [at, message]);
  };
  const files = { "meshes.yaml": MESHES, "namespaces.yaml": [namespace("shop", "  labels:\n    kuma.io/mesh: shop\n"), namespace("plain")].join("---\n"), "apps/timeout.yaml": timeoutWithoutNamespace("t1") };
  commitFiles(repo.dir, { ...files, "apps/kustomization.yaml": "namespace: plain\nresources:\n  - timeout.yaml\n" }, "given plain");
  assert.deepEqual(await warningsAtHead(), []);
  commitFiles(repo.dir, { "apps/kustomization.yaml": "namespace: shop\nresources:\n  - timeout.yaml\n" }, "given shop");
  const given = "namespace shop (given by apps/kustomization.yaml) is labelled kuma.io/mesh: shop, but this policy has no kuma.io/mesh label: Kuma puts it in mesh default; add the label kuma.io/mesh: shop";
  assert.deepEqual(await warningsAtHead(), [["apps/timeout.yaml:3", given]]);
  commitFiles(repo.dir, { "apps/kustomization.yaml": "namespace: plain\nresources:\n  - timeout.yaml\n" }, "given plain again");
  assert.deepEqual(await warningsAtHead(), []);
});

test("a Namespace document kustomize's namespace: builds is that namespace (kustomize renames Namespace objects), as the policies beside it are", async () => {
  const repo = tempRepo("meshops-namespace-mesh-renamed-");
  repos.push(repo);
  commitFiles(repo.dir, {
    "meshes.yaml": MESHES,
    // kustomize's namespace transformer sets a v1 Namespace's metadata.name: the cluster gets Namespace pay, labelled shop.
    "apps/pay/kustomization.yaml": "namespace: pay\nresources:\n  - namespace.yaml\n  - timeout.yaml\n",
    "apps/pay/namespace.yaml": namespace("app", "  labels:\n    kuma.io/mesh: shop\n"),
    "apps/pay/timeout.yaml": timeoutWithoutNamespace("t1"),
    // No Namespace app reaches the cluster: a policy written in it is not warned about.
    "apps/app/timeout.yaml": timeout("t2", "app"),
  });
  const report = await validateJson(repo.dir);
  assert.deepEqual(namespaceWarnings(report.diagnostics), [
    [
      "apps/pay/timeout.yaml:3",
      "warning",
      "MeshTimeout/default/t1",
      "metadata.labels",
      "namespace pay (given by apps/pay/kustomization.yaml) is labelled kuma.io/mesh: shop, but this policy has no kuma.io/mesh label: Kuma puts it in mesh default; add the label kuma.io/mesh: shop",
    ],
  ]);
});

test("a policy without the label in a namespace whose Namespace documents name different meshes is warned about as ambiguous, naming them all and suggesting none", async () => {
  const repo = tempRepo("meshops-namespace-mesh-ambiguous-");
  repos.push(repo);
  commitFiles(repo.dir, {
    "meshes.yaml": MESHES,
    "base/namespaces.yaml": [namespace("shop", "  labels:\n    kuma.io/mesh: shop\n"), namespace("pay", "  annotations:\n    kuma.io/mesh: default\n"), namespace("same", "  labels:\n    kuma.io/mesh: shop\n")].join("---\n"),
    "overlays/namespaces.yaml": [namespace("shop"), namespace("pay", "  labels:\n    kuma.io/mesh: shop\n"), namespace("same", "  annotations:\n    kuma.io/mesh: shop\n")].join("---\n"),
    "policies.yaml": [timeout("t1", "shop"), timeout("t2", "pay"), timeout("t3", "same")].join("---\n"),
  });
  const report = await validateJson(repo.dir);
  assert.equal(report.valid, true);
  const ambiguous = (ns: string, meshes: string) =>
    `namespace ${ns} is written with different meshes (${meshes}) and the cluster keeps the Namespace applied last, but this policy has no kuma.io/mesh label: Kuma puts it in mesh default whichever that is; add the label kuma.io/mesh with the mesh it is meant for`;
  assert.deepEqual(namespaceWarnings(report.diagnostics), [
    ["policies.yaml:3", "warning", "MeshTimeout/default/t1.shop", "metadata.labels", ambiguous("shop", "kuma.io/mesh: shop, default")],
    ["policies.yaml:17", "warning", "MeshTimeout/default/t2.pay", "metadata.labels", ambiguous("pay", "kuma.io/mesh: default, shop")],
    // The same mesh twice is no conflict: the warning names it.
    ["policies.yaml:31", "warning", "MeshTimeout/default/t3.same", "metadata.labels", warning("same", "labelled", "shop")],
  ]);
  assert.equal(report.diagnostics.filter((d) => d.rule === "namespace-mesh-conflict").length, 2);
});
