/**
 * Validation in a long-running process (the daemon, `plan --base`): after a commit, the repository-wide rules
 * (duplicates, meshes that exist, references, services a zone provides) are checked again only for the meshes whose
 * resources changed, and the result is exactly a fresh validation's, commit after commit: a real Git repository, each
 * revision validated with the process's cache and from scratch.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { after, test } from "node:test";
import { commitOneChange, generateRepo } from "../bench/generate.js";
import { readSnapshot } from "../src/source/index.js";
import type { Snapshot } from "../src/source/types.js";
import { AnalysisCache, validateSnapshot, type ValidationResult } from "../src/validate/index.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-validate-incremental-");
after(() => repo.cleanup());

const cache = new AnalysisCache();
let previous: Snapshot | undefined;

/** HEAD validated with the long-lived cache, checked against a validation from scratch. */
async function validateHead(): Promise<ValidationResult> {
  const snapshot = await readSnapshot({ repo: repo.dir, ref: "HEAD", ...(previous ? { previous } : {}) });
  previous = snapshot;
  const result = validateSnapshot(snapshot, cache);
  assert.deepEqual(result, validateSnapshot(snapshot, new AnalysisCache()), "the cached validation is a fresh one's");
  return result;
}

test("a one-policy commit re-checks one mesh, and finds what a fresh validation finds", async () => {
  // 12 meshes × 6 policies, whose MeshServices the repository does not define (as on a Kubernetes zone).
  rmSync(repo.dir, { recursive: true, force: true });
  await generateRepo(repo.dir, { meshes: 12, policiesPerMesh: 6, shape: "mixed", servicesInRepository: false });
  const first = await validateHead();
  assert.ok(first.valid);
  assert.ok(first.serviceReferences.length > 12, `${first.serviceReferences.length} references to services`);
  assert.equal(cache.repositoryChecks.checked, 12, "the first run checks every mesh");

  await commitOneChange(repo.dir);
  await validateHead();
  assert.deepEqual([cache.repositoryChecks.checked, cache.repositoryChecks.updated], [0, 1], "only the edited mesh is looked at again, by its edited file");

  // Nothing changed: nothing is checked again.
  git(repo.dir, "commit", "-q", "--allow-empty", "-m", "empty");
  await validateHead();
  assert.deepEqual([cache.repositoryChecks.checked, cache.repositoryChecks.updated], [0, 0]);
});

test("a duplicate, a dangling reference, a file of two meshes, a new and a removed Mesh: every step as from scratch", async () => {
  const timeout = (name: string, mesh: string, service: string) =>
    `type: MeshTimeout\nname: ${name}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: MeshService\n        name: ${service}\n      default:\n        idleTimeout: 3m\n`;
  // Meshes interleave in file order: the references must still come in file order.
  commitFiles(repo.dir, { "meshes/shared.yaml": [timeout("a", "mesh-0001", "zone-a"), timeout("b", "mesh-0002", "zone-b"), timeout("c", "mesh-0001", "zone-c")].join("---\n") }, "two meshes in one file");
  const mixed = await validateHead();
  const order = mixed.serviceReferences.map((r) => `${r.resource.source?.file}:${r.resource.source?.line}`);
  const fileOrder = [...mixed.serviceReferences]
    .sort((a, b) => (a.resource.source?.file ?? "").localeCompare(b.resource.source?.file ?? "") || (a.resource.source?.line ?? 0) - (b.resource.source?.line ?? 0))
    .map((r) => `${r.resource.source?.file}:${r.resource.source?.line}`);
  assert.deepEqual(order, fileOrder, "references in file order");
  assert.deepEqual([cache.repositoryChecks.checked, cache.repositoryChecks.updated], [0, 2], "both meshes updated by the new file");

  commitFiles(repo.dir, { "meshes/again.yaml": timeout("a", "mesh-0001", "zone-a") }, "a duplicate");
  const duplicate = await validateHead();
  assert.ok(duplicate.diagnostics.some((d) => d.rule === "duplicate-resource"));
  assert.equal(cache.repositoryChecks.checked, 1);

  commitFiles(repo.dir, { "meshes/again.yaml": timeout("d", "mesh-0003", "zone-d").replace("kind: MeshService", "kind: MeshHTTPRoute") }, "a dangling route");
  const dangling = await validateHead();
  assert.ok(dangling.diagnostics.some((d) => d.rule === "dangling-reference" && d.severity === "warning"));

  // A resource of a mesh nobody defines: "did you mean" depends on every Mesh, so a new Mesh re-checks every mesh.
  commitFiles(repo.dir, { "meshes/orphan.yaml": timeout("e", "mesh-01", "zone-e") }, "an unknown mesh");
  const unknown = await validateHead();
  assert.ok(unknown.diagnostics.some((d) => d.rule === "unknown-mesh"));
  commitFiles(repo.dir, { "meshes/new-mesh.yaml": "type: Mesh\nname: mesh-01\n" }, "the mesh defined");
  await validateHead();
  assert.ok(cache.repositoryChecks.checked > 2);
  git(repo.dir, "rm", "-q", "meshes/new-mesh.yaml", "meshes/shared.yaml");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "removed");
  await validateHead();
});

test("in a mesh of many files, a commit updates the mesh's repository-wide findings by its files; anything that moves definitions checks the mesh whole", async () => {
  // One mesh of 40 × 5 policies whose services the repository does not define (each a reference a zone provides),
  // and a second mesh sharing a file with it.
  rmSync(repo.dir, { recursive: true, force: true });
  await generateRepo(repo.dir, { meshes: 1, policiesPerMesh: 200, shape: "mixed", servicesInRepository: false });
  const timeout = (name: string, mesh: string, service: string, kind = "MeshService") =>
    `type: MeshTimeout\nname: ${name}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: ${kind}\n        name: ${service}\n      default:\n        idleTimeout: 3m\n`;
  commitFiles(repo.dir, { "meshes/shared.yaml": [timeout("a", "mesh-0001", "zone-a"), "type: Mesh\nname: other\n", timeout("b", "other", "zone-b")].join("---\n") }, "two meshes in one file");
  await validateHead();
  const checks = cache.repositoryChecks;
  const step = async (files: Record<string, string>, message: string, expected: { checked: number; updated: number }) => {
    commitFiles(repo.dir, files, message);
    const result = await validateHead();
    assert.deepEqual({ checked: checks.checked, updated: checks.updated }, expected, message);
    return result;
  };

  await commitOneChange(repo.dir);
  assert.deepEqual(await validateHead(), validateSnapshot(previous as Snapshot, new AnalysisCache()));
  assert.deepEqual({ checked: checks.checked, updated: checks.updated }, { checked: 0, updated: 1 }, "an edited policy");
  const zone = (r: ValidationResult) => r.diagnostics.filter((d) => d.rule === "zone-provided-services").map((d) => d.message);
  const before = zone(await step({ "meshes/mesh-0001/extra.yaml": timeout("extra", "mesh-0001", "zone-new") }, "a policy referring to another service", { checked: 0, updated: 1 }));
  assert.ok(before.some((m) => m.includes("zone-new")), before.join("\n"));
  await step({ "meshes/mesh-0001/extra.yaml": timeout("extra", "mesh-0001", "ledger", "MeshHTTPRoute") }, "a dangling route", { checked: 0, updated: 1 });
  const duplicate = await step({ "meshes/mesh-0001/again.yaml": timeout("extra", "mesh-0001", "ledger") }, "a duplicate", { checked: 1, updated: 0 });
  assert.ok(duplicate.diagnostics.some((d) => d.rule === "duplicate-resource"));
  await step({ "meshes/mesh-0001/again.yaml": timeout("again", "mesh-0001", "ledger") }, "the duplicate renamed", { checked: 1, updated: 0 });
  await step({ "meshes/mesh-0001/route.yaml": "type: MeshHTTPRoute\nname: ledger\nmesh: mesh-0001\nspec:\n  targetRef:\n    kind: Mesh\n" }, "the route defined", { checked: 1, updated: 0 });
  await step({ "meshes/shared.yaml": [timeout("a", "mesh-0001", "zone-c"), "type: Mesh\nname: other\n", timeout("b", "other", "zone-b")].join("---\n") }, "a file of two meshes", { checked: 1, updated: 1 });
  git(repo.dir, "rm", "-q", "meshes/mesh-0001/extra.yaml");
  git(repo.dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "removed");
  await validateHead();
  assert.deepEqual({ checked: checks.checked, updated: checks.updated }, { checked: 0, updated: 1 }, "a file removed");
  await step({ "meshes/mesh-0001/unknown.yaml": timeout("lost", "mesh-01", "zone-a") }, "a resource of a mesh nobody defines", { checked: 1, updated: 0 });
});

test("a commit that changes only a kustomization.yaml updates the kustomize-namespace warnings of the files it builds", async () => {
  // The repository of the tests above, emptied: a new history from the first commit.
  rmSync(repo.dir, { recursive: true, force: true });
  mkdirSync(repo.dir);
  git(repo.dir, "init", "-q", "-b", "main");
  previous = undefined;
  const policy = "apiVersion: kuma.io/v1alpha1\nkind: MeshRetry\nmetadata:\n  name: r\n  labels: {kuma.io/mesh: default}\nspec:\n  to:\n    - targetRef: {kind: Mesh}\n      default: {http: {numRetries: 3}}\n";
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n", "app/retries.yaml": policy, "app/kustomization.yaml": "resources: [retries.yaml]\n" }, "no namespace");
  const warned = (r: ValidationResult) => r.diagnostics.filter((d) => d.rule === "kustomize-namespace").map((d) => `${d.file}: ${d.message.split(",")[0]}`);
  assert.deepEqual(warned(await validateHead()), []);
  commitFiles(repo.dir, { "app/kustomization.yaml": "namespace: payments\nresources: [retries.yaml]\n" }, "a namespace");
  assert.deepEqual(warned(await validateHead()), ["app/retries.yaml: kustomize gives this document namespace payments (app/kustomization.yaml)"]);
  commitFiles(repo.dir, { "app/kustomization.yaml": "namespace: orders\nresources: [retries.yaml]\n" }, "another namespace");
  assert.deepEqual(warned(await validateHead()), ["app/retries.yaml: kustomize gives this document namespace orders (app/kustomization.yaml)"]);
  commitFiles(repo.dir, { "app/retries.yaml": policy.replace("  name: r\n", "  name: r\n  namespace: orders\n") }, "the document says it");
  assert.deepEqual(warned(await validateHead()), []);
});

test("a Flux Kustomization renamed or moved, its values the same: the substitution warning names it as it is now", async () => {
  rmSync(repo.dir, { recursive: true, force: true });
  mkdirSync(repo.dir);
  git(repo.dir, "init", "-q", "-b", "main");
  previous = undefined;
  // substituteFrom: ${region} may get the cluster's value, which the warning says, naming the Flux Kustomization.
  const flux = (name: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./app\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: regions\n`;
  const policy = "type: MeshAccessLog\nname: log\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  from:\n    - targetRef: {kind: Mesh}\n      default:\n        backends:\n          - type: File\n            file: {path: \"/tmp/${region}.log\"}\n";
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n", "app/log.yaml": policy, "flux/app.yaml": flux("payments") }, "substituted");
  const by = (r: ValidationResult) => r.diagnostics.filter((d) => d.rule === "substitution-variable").map((d) => /for which (.*) has no value/.exec(d.message)?.[1]);
  assert.deepEqual(by(await validateHead()), ["Flux Kustomization payments, flux/app.yaml"]);
  commitFiles(repo.dir, { "flux/app.yaml": flux("billing") }, "renamed");
  assert.deepEqual(by(await validateHead()), ["Flux Kustomization billing, flux/app.yaml"]);
  git(repo.dir, "mv", "flux/app.yaml", "flux/billing.yaml");
  git(repo.dir, "commit", "-q", "-m", "moved");
  assert.deepEqual(by(await validateHead()), ["Flux Kustomization billing, flux/billing.yaml"]);
});
