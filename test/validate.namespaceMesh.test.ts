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
