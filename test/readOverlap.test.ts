/**
 * A cold read checks each file as `git cat-file` streams it in (source/git.ts `arrivals`, validate/index.ts
 * `analysisOnArrival`), so Git's work and this process's overlap: the result must be exactly the one of reading the
 * whole snapshot first and validating it then, for every validation fixture, whole and report-only; meshops.yaml must
 * come before any other file (every file's checks depend on it); and a file meshops.yaml excludes is not checked.
 */
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { generateRepo } from "../bench/generate.js";
import { readAndValidate } from "../src/cli/parallelValidation.js";
import { readSnapshot, type SourceFile } from "../src/source/index.js";
import { AnalysisCache, validateSnapshot, type ValidateOptions } from "../src/validate/index.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";

const fixtures = path.join(projectRoot, "test/fixtures/validate");
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function newRepo(prefix: string): string {
  const repo = tempRepo(prefix);
  cleanups.push(repo.cleanup);
  return repo.dir;
}

/** HEAD of `repo` read whole and then validated, and validated as it streams in (no checking child). */
async function bothWays(repo: string, options: ValidateOptions = {}) {
  const alone = validateSnapshot(await readSnapshot({ repo, ref: "HEAD" }), new AnalysisCache(), options);
  const stats = { byChild: 0, byParent: 0, onArrival: 0 };
  const { result: streamed } = await readAndValidate({ repo, ref: "HEAD" }, new AnalysisCache(), options, { minBytes: Number.POSITIVE_INFINITY, stats });
  return { alone, streamed, stats };
}

for (const name of readdirSync(fixtures)) {
  for (const reportOnly of [false, true]) {
    test(`validation fixture ${name}${reportOnly ? ", report-only" : ""}: checked as it streams in, the same result`, async () => {
      const repo = newRepo("meshops-overlap-");
      commitFolder(repo, path.join(fixtures, name, "repo"));
      const { alone, streamed, stats } = await bothWays(repo, { reportOnly });
      assert.deepEqual(streamed, alone);
      if (alone.files > 0) assert.ok(stats.onArrival > 0, "files were checked while the read went on");
    });
  }
}

// The shapes real repositories have: Helm charts, kustomize with patches, kubectl lists, CI files and Deployments.
const shapes = path.join(projectRoot, "test/fixtures/shapes");
for (const name of readdirSync(shapes)) {
  test(`repository shape ${name}: checked as it streams in, the same result`, async () => {
    const repo = newRepo("meshops-overlap-shape-");
    commitFolder(repo, path.join(shapes, name));
    for (const reportOnly of [false, true]) {
      const { alone, streamed } = await bothWays(repo, { reportOnly });
      assert.deepEqual(streamed, alone);
    }
  });
}

test("a file Flux substitutes into: analyzed as Flux applies it, not as it arrived", async () => {
  const repo = newRepo("meshops-overlap-flux-");
  const flux =
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: payments\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./tenants/payments\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  targetNamespace: payments\n  postBuild:\n    substitute:\n      app: ledger\n      timeout: 10s\n";
  const timeouts =
    "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${app}-timeouts\n  namespace: payments\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: Mesh\n    default:\n      idleTimeout: ${timeout}\n";
  commitFiles(repo, { "mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n", "clusters/prod/payments.yaml": flux, "tenants/payments/timeouts.yaml": timeouts });
  const { alone, streamed } = await bothWays(repo);
  assert.deepEqual(streamed, alone);
  assert.equal(alone.valid, true, JSON.stringify(alone.diagnostics));
  assert.deepEqual(
    streamed.resources.filter((r) => r.type === "MeshTimeout").map((r) => [r.name, (r.object.spec as { to: { default: unknown }[] }).to[0]?.default]),
    [["ledger-timeouts.payments", { idleTimeout: "10s" }]],
  );
});

test("a generated repository with errors: every file checked as it arrived, the same result", async () => {
  const repo = newRepo("meshops-overlap-generated-");
  rmSync(repo, { recursive: true, force: true }); // generateRepo makes its own repository
  await generateRepo(repo, { meshes: 20, policiesPerMesh: 10, shape: "mixed", servicesInRepository: false });
  commitFiles(repo, { "meshes/mesh-0001/broken.yaml": "type: MeshRetry\nname: broken\nmesh: mesh-0001\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {http: {numRetries: -1}}\n" });
  for (const reportOnly of [false, true]) {
    const { alone, streamed, stats } = await bothWays(repo, { reportOnly });
    assert.equal(alone.valid, false);
    assert.deepEqual(streamed, alone);
    assert.equal(stats.onArrival, alone.files, "each file checked once, while the read went on");
  }
});

test("meshops.yaml arrives before every other file; each file arrives once, as the snapshot's own object", async () => {
  const repo = newRepo("meshops-arrivals-");
  commitFiles(repo, {
    "a/first.yaml": "type: Mesh\nname: a\n",
    "z/last.yaml": "type: Mesh\nname: z\n",
    "same/one.yaml": "type: Mesh\nname: same\n",
    "same/two.yaml": "type: Mesh\nname: same\n", // the same blob as one.yaml: both paths arrive
    "meshops.yaml": "instance: meshops\n",
  });
  const events: { config?: SourceFile | undefined; file?: SourceFile }[] = [];
  const snapshot = await readSnapshot({ repo, ref: "HEAD", arrivals: { config: (_root, config) => events.push({ config }), file: (file) => events.push({ file }) } });
  assert.ok(events[0] && "config" in events[0] && events[0].config === snapshot.config, "meshops.yaml first, as the snapshot's object");
  const arrived = events.slice(1).map((e) => e.file);
  assert.equal(arrived.length, snapshot.files.length);
  assert.equal(new Set(arrived).size, arrived.length, "each file once");
  assert.ok(snapshot.files.every((file) => arrived.includes(file)), "the snapshot's very objects (the cache finds their analyses by object)");

  const without = newRepo("meshops-arrivals-noconfig-");
  commitFiles(without, { "m.yaml": "type: Mesh\nname: m\n" });
  const seen: string[] = [];
  await readSnapshot({ repo: without, ref: "HEAD", arrivals: { config: (root, config) => seen.push(`config:${root}:${config === undefined}`), file: (file) => seen.push(file.path) } });
  assert.deepEqual(seen, ["config::true", "m.yaml"], "no meshops.yaml: said before the first file");
});

test("a file meshops.yaml excludes is not checked as it arrives", async () => {
  const repo = newRepo("meshops-overlap-exclude-");
  commitFiles(repo, {
    "meshops.yaml": "exclude:\n  - ci\n",
    "ci/pipeline.yaml": "stages: [build, deploy]\n",
    "meshes/m.yaml": "type: Mesh\nname: m\n",
  });
  const { alone, streamed, stats } = await bothWays(repo);
  assert.deepEqual(streamed, alone);
  assert.equal(alone.files, 1);
  assert.equal(stats.onArrival, 1, "ci/pipeline.yaml is excluded: not checked");
});
