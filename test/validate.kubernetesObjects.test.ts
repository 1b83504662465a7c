/**
 * Kubernetes names are unique per kind and namespace, not per mesh: two Kubernetes documents of one kind, namespace and
 * name that name different meshes (`kuma.io/mesh: a` and `b`) are one object to kubectl and Argo CD, each apply
 * replacing the other. `validate` says so, as `render --format kubernetes` and `hydrate` do (rule
 * `kubernetes-manifest`), at the second document, naming the first; a long-running process's validation finds the
 * same as a fresh one when a one-file commit makes or removes the collision. A Universal-shaped pair is two resources
 * on a Universal control plane and stays valid.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { rmSync } from "node:fs";
import { generateRepo } from "../bench/generate.js";
import { runCli, validateJson } from "./helpers/cli.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";
import { readSnapshot } from "../src/source/index.js";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot, type ValidationResult } from "../src/validate/index.js";

const repos: { cleanup: () => void }[] = [];
after(() => repos.forEach((r) => r.cleanup()));

const MESHES = "type: Mesh\nname: a\nskipCreatingInitialPolicies: ['*']\n---\ntype: Mesh\nname: b\nskipCreatingInitialPolicies: ['*']\n";

/** A Kubernetes MeshTimeout `name` in `namespace`, of mesh `mesh` (line 4 holds metadata.name, after a comment). */
const kubernetesTimeout = (mesh: string, name = "t1", namespace = "kuma-system") =>
  `# ${mesh}\napiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels:\n    kuma.io/mesh: ${mesh}\n` +
  "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 30s\n";

const universalTimeout = (mesh: string, name = "t1") =>
  `type: MeshTimeout\nmesh: ${mesh}\nname: ${name}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 30s\n`;

function repoWith(files: Record<string, string>): string {
  const repo = tempRepo("meshops-k8s-objects-");
  repos.push(repo);
  commitFiles(repo.dir, { "meshes.yaml": MESHES, ...files });
  return repo.dir;
}

const collisions = <D extends { readonly rule: string }>(diagnostics: readonly D[]): D[] => diagnostics.filter((d) => d.rule === "kubernetes-manifest");

test("two Kubernetes documents of one kind, namespace and name in two meshes: an error at the second, naming the first", async () => {
  const dir = repoWith({ "a.yaml": kubernetesTimeout("a"), "b.yaml": kubernetesTimeout("b") });
  const report = await validateJson(dir);
  assert.equal(report.valid, false);
  const found = report.diagnostics.filter((d) => d.rule === "kubernetes-manifest");
  assert.deepEqual(
    found.map((d) => ({ severity: d.severity, at: `${d.file}:${d.line}`, resource: d.resource, path: d.path, message: d.message })),
    [
      {
        severity: "error",
        at: "b.yaml:5",
        resource: "MeshTimeout/b/t1.kuma-system",
        path: "metadata.name",
        message: "MeshTimeout t1 in namespace kuma-system is also MeshTimeout/a/t1.kuma-system (a.yaml:5): one Kubernetes object cannot be both; rename one",
      },
    ],
  );
  // render says the same (it validates first), and prints nothing.
  const render = await runCli(["render", "--format", "kubernetes"], dir);
  assert.equal(render.code, 1);
  assert.equal(render.stdout, "");
  assert.match(render.stderr, /b\.yaml:5:\d+: error: MeshTimeout\/b\/t1\.kuma-system metadata\.name: MeshTimeout t1 in namespace kuma-system is also MeshTimeout\/a\/t1\.kuma-system \(a\.yaml:5\)/);
});

test("a cluster-scoped MeshGateway of one name in two meshes is one object too; other namespaces or names are not", async () => {
  const gateway = (mesh: string) =>
    `apiVersion: kuma.io/v1alpha1\nkind: MeshGateway\nmesh: ${mesh}\nmetadata:\n  name: edge\nspec:\n  selectors:\n    - match:\n        kuma.io/service: edge\n  conf:\n    listeners:\n      - port: 8080\n        protocol: HTTP\n`;
  const dir = repoWith({
    "gateways/a.yaml": gateway("a"),
    "gateways/b.yaml": gateway("b"),
    "a.yaml": kubernetesTimeout("a", "t1", "payments"),
    "b.yaml": kubernetesTimeout("b", "t1", "orders"),
    "c.yaml": kubernetesTimeout("b", "t2", "payments"),
  });
  const report = await validateJson(dir);
  assert.deepEqual(
    collisions(report.diagnostics).map((d) => d.message),
    ["MeshGateway edge is also MeshGateway/a/edge (gateways/a.yaml:5): one Kubernetes object cannot be both; rename one"],
  );
});

test("the same pair in one mesh is a duplicate, said once; a Universal-shaped pair in two meshes is valid", async () => {
  const same = await validateJson(repoWith({ "a.yaml": kubernetesTimeout("a"), "b.yaml": kubernetesTimeout("a") }));
  assert.deepEqual(same.diagnostics.filter((d) => d.severity === "error").map((d) => d.rule), ["duplicate-resource"]);
  const universal = await validateJson(repoWith({ "a.yaml": universalTimeout("a"), "b.yaml": universalTimeout("b") }));
  assert.equal(universal.valid, true, JSON.stringify(universal.diagnostics));
  assert.deepEqual(collisions(universal.diagnostics), []);
});

test("a long-running validation finds the collision a one-file commit makes or removes, as a fresh validation does", async () => {
  const repo = tempRepo("meshops-k8s-objects-incremental-");
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
  const found = (result: ValidationResult) => collisions(result.diagnostics).map((d) => `${d.file}:${d.line} ${d.resource}`);

  commitFiles(repo.dir, { "meshes.yaml": MESHES, "a/t1.yaml": kubernetesTimeout("a"), "a/t2.yaml": kubernetesTimeout("a", "t2") }, "mesh a");
  assert.deepEqual(found(await validateHead()), []);
  commitFiles(repo.dir, { "b/t1.yaml": kubernetesTimeout("b") }, "the same object in mesh b");
  assert.deepEqual(found(await validateHead()), ["b/t1.yaml:5 MeshTimeout/b/t1.kuma-system"]);
  // A file before the first one: it is now the first, and the others are said against it.
  commitFiles(repo.dir, { "0.yaml": kubernetesTimeout("b") }, "a third one, first in file order");
  assert.deepEqual(found(await validateHead()), ["a/t1.yaml:5 MeshTimeout/a/t1.kuma-system"]);
  commitFiles(repo.dir, { "0.yaml": kubernetesTimeout("b", "t3") }, "renamed");
  assert.deepEqual(found(await validateHead()), ["b/t1.yaml:5 MeshTimeout/b/t1.kuma-system"]);
  commitFiles(repo.dir, { "b/t1.yaml": kubernetesTimeout("a") }, "moved to mesh a: a duplicate, not a collision");
  const duplicate = await validateHead();
  assert.deepEqual(found(duplicate), []);
  assert.ok(duplicate.diagnostics.some((d) => d.rule === "duplicate-resource"));
  commitFiles(repo.dir, { "a/t2.yaml": kubernetesTimeout("b") }, "an edit that makes one again");
  assert.deepEqual(found(await validateHead()), ["a/t2.yaml:5 MeshTimeout/b/t1.kuma-system"]);
  git(repo.dir, "rm", "-q", "a/t2.yaml");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "removed");
  assert.deepEqual(found(await validateHead()), []);
  commitFiles(repo.dir, { "b/t1.yaml": kubernetesTimeout("b"), "b/again.yaml": kubernetesTimeout("b") }, "two of mesh b");
  assert.deepEqual(found(await validateHead()), ["b/again.yaml:5 MeshTimeout/b/t1.kuma-system", "b/t1.yaml:5 MeshTimeout/b/t1.kuma-system"]);
});

test("the benchmark's synthetic repositories stay valid: each mesh's Kubernetes documents in the system namespace have names of their own", async () => {
  for (const shape of ["kubernetes", "mixed"] as const) {
    const repo = tempRepo(`meshops-k8s-objects-${shape}-`);
    repos.push(repo);
    rmSync(repo.dir, { recursive: true, force: true });
    await generateRepo(repo.dir, { meshes: 12, policiesPerMesh: 20, shape });
    const result = validateSnapshot(await readSnapshot({ repo: repo.dir, ref: "HEAD" }));
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), [], shape);
  }
});
