/**
 * A cold read analyzes each file as Git hands it over (cli/parallelValidation.ts readAndValidate, source's
 * `whileReading`), so that the checks run while git still inflates the rest. The result must be exactly what reading
 * everything first and validating then gives: on every validation and shape fixture, with files the validation leaves
 * out (excluded, a Helm chart's, a kustomize patch) and files Flux substitutes into, whole and report-only.
 */
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { generateRepo } from "../bench/generate.js";
import { readAndValidate } from "../src/cli/parallelValidation.js";
import { readSnapshot } from "../src/source/index.js";
import { AnalysisCache, validateSnapshot, type ValidateOptions } from "../src/validate/index.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function repoOf(folder: string | undefined, files: Record<string, string> = {}): string {
  const repo = tempRepo("meshops-while-reading-");
  cleanups.push(repo.cleanup);
  if (folder) commitFolder(repo.dir, folder);
  if (Object.keys(files).length > 0) commitFiles(repo.dir, files);
  return repo.dir;
}

/** HEAD of `repo` read first and validated then, and validated as it is read; and how many files were analyzed early. */
async function bothWays(repo: string, options: ValidateOptions = {}) {
  const readFirst = validateSnapshot(await readSnapshot({ repo, ref: "HEAD" }), new AnalysisCache(), options);
  const stats = { byChild: 0, byParent: 0, childCpuMs: 0, whileReading: 0 };
  const { result: streamed } = await readAndValidate({ repo, ref: "HEAD" }, new AnalysisCache(), options, { idleCore: false, stats });
  return { readFirst, streamed, whileReading: stats.whileReading };
}

const fixtureFolders = [
  ...readdirSync(path.join(projectRoot, "test/fixtures/validate")).map((name) => path.join(projectRoot, "test/fixtures/validate", name, "repo")),
  ...readdirSync(path.join(projectRoot, "test/fixtures/shapes")).map((name) => path.join(projectRoot, "test/fixtures/shapes", name)),
];

for (const folder of fixtureFolders) {
  const name = path.relative(path.join(projectRoot, "test/fixtures"), folder);
  test(`${name}: the same result when files are analyzed as they are read, whole and report-only`, async () => {
    const repo = repoOf(folder);
    for (const options of [{}, { reportOnly: true }]) {
      const { readFirst, streamed, whileReading } = await bothWays(repo, options);
      assert.deepEqual(streamed, readFirst);
      assert.ok(whileReading > 0, "files were analyzed while the rest was read");
    }
  });
}

const FLUX =
  "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: payments\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./tenants/payments\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  targetNamespace: payments\n  postBuild:\n    substitute:\n      app: ledger\n      timeout: 10s\n";
const SUBSTITUTED =
  "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${app}-timeouts\n  namespace: payments\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      idleTimeout: ${timeout}\n";
const KUBERNETES_MESH = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";

test("a file Flux substitutes into is validated with the values put in, not as it was read (its early analysis is not used)", async () => {
  // The Flux Kustomization sorts after the file it substitutes into: it is read later.
  const repo = repoOf(undefined, { "mesh.yaml": KUBERNETES_MESH, "tenants/payments/timeouts.yaml": SUBSTITUTED, "zz-clusters/prod/payments.yaml": FLUX });
  for (const options of [{}, { reportOnly: true }]) {
    const { readFirst, streamed } = await bothWays(repo, options);
    assert.deepEqual(streamed, readFirst);
    assert.equal(streamed.valid, true, JSON.stringify(streamed.diagnostics.filter((d) => d.severity === "error")));
    assert.ok(!streamed.diagnostics.some((d) => d.rule === "substitution-variable"), "no variable left: Flux's values were put in");
  }
  const { streamed } = await bothWays(repo);
  assert.ok(streamed.resources.some((r) => r.type === "MeshTimeout" && r.name === "ledger-timeouts.payments"));
});

test("files meshops.yaml excludes and files the validation leaves out are not in the result, however early they were analyzed", async () => {
  const repo = repoOf(undefined, {
    "meshops.yaml": "exclude:\n  - broken/\n",
    "mesh.yaml": "type: Mesh\nname: shop\n",
    "broken/bad.yaml": "type: MeshTimeout\nname: bad\nmesh: shop\nspec: {targetRef: {kind: Nope}}\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "chart/templates/t.yaml": "type: MeshTimeout\nname: {{ .Values.name }}\n",
  });
  for (const options of [{}, { reportOnly: true }]) {
    const { readFirst, streamed } = await bothWays(repo, options);
    assert.deepEqual(streamed, readFirst);
    assert.ok(!streamed.diagnostics.some((d) => d.file.startsWith("broken/")));
  }
});

test("a generated repository of 20 meshes: every file analyzed while the rest was read, the same result", async () => {
  const repo = tempRepo("meshops-while-reading-generated-");
  cleanups.push(repo.cleanup);
  rmSync(repo.dir, { recursive: true, force: true }); // generateRepo makes its own repository
  await generateRepo(repo.dir, { meshes: 20, policiesPerMesh: 10, shape: "mixed", servicesInRepository: false });
  const { readFirst, streamed, whileReading } = await bothWays(repo.dir, { reportOnly: true });
  assert.deepEqual(streamed, readFirst);
  assert.equal(whileReading, readFirst.files);
});
