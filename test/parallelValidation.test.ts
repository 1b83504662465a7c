/**
 * Cold validation with a child process (cli/parallelValidation.ts) gives exactly what one process gives: every
 * validation fixture and a generated repository with errors put in, each committed to a real Git repository and
 * validated both ways; and when the child dies after its first report, or never starts, the result is still the same.
 */
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { generateRepo } from "../bench/generate.js";
import { CheckingChild, hasIdleCore, PARALLEL_MIN_BYTES, readAndValidate } from "../src/cli/parallelValidation.js";
import { readSnapshot } from "../src/source/index.js";
import { AnalysisCache, validateSnapshot, type ValidateOptions } from "../src/validate/index.js";
import { commitFiles, commitFolder, projectRoot, tempRepo } from "./helpers/git.js";

const fixtures = path.join(projectRoot, "test/fixtures/validate");
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** HEAD of `repo` validated by one process and with a child (forked from `module`): both results, and who did what. */
async function bothWays(repo: string, module?: string, options: ValidateOptions = {}) {
  const alone = validateSnapshot(await readSnapshot({ repo, ref: "HEAD" }), new AnalysisCache(), options);
  const stats = { byChild: 0, byParent: 0, childCpuMs: 0, reparsed: 0 };
  // A child for any size and load, and its first report waited for, so that its part is never empty however fast this
  // process is.
  const parallel = { minBytes: 0, idleCore: true, headStart: true, stats, ...(module ? { module } : {}) };
  const { result: shared } = await readAndValidate({ repo, ref: "HEAD" }, new AnalysisCache(), options, parallel);
  return { alone, shared, stats, files: alone.files };
}

function fixtureRepo(name: string): string {
  const repo = tempRepo("meshops-parallel-");
  cleanups.push(repo.cleanup);
  commitFolder(repo.dir, path.join(fixtures, name, "repo"));
  return repo.dir;
}

for (const name of readdirSync(fixtures)) {
  test(`validation fixture ${name}: the same result with a child process`, async () => {
    const { alone, shared, stats, files } = await bothWays(fixtureRepo(name));
    assert.deepEqual(shared, alone);
    assert.ok(stats.byChild > 0, "the child checked files");
    assert.equal(stats.byChild + stats.byParent, files);
  });
}

/** 30 meshes × 20 policies (190 files), with a schema error, a semantic error and a duplicate in files of both ends. */
let generated: Promise<string> | undefined;
function generatedRepo(): Promise<string> {
  generated ??= generate();
  return generated;
}

async function generate(): Promise<string> {
  const repo = tempRepo("meshops-parallel-generated-");
  cleanups.push(repo.cleanup);
  rmSync(repo.dir, { recursive: true, force: true }); // generateRepo makes its own repository
  await generateRepo(repo.dir, { meshes: 30, policiesPerMesh: 20, shape: "mixed", servicesInRepository: false });
  const broken = (mesh: string) =>
    [
      `type: MeshTimeout\nname: broken-${mesh}\nmesh: ${mesh}\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {connectionTimeout: soon}\n`,
      `type: MeshRetry\nname: retry-${mesh}\nmesh: ${mesh}\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {http: {numRetries: -1}}\n`,
      `type: MeshRetry\nname: retry-${mesh}\nmesh: ${mesh}\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {http: {numRetries: 2}}\n`,
    ].join("---\n");
  commitFiles(repo.dir, { "meshes/mesh-0001/broken.yaml": broken("mesh-0001"), "meshes/mesh-0030/broken.yaml": broken("mesh-0030") });
  return repo.dir;
}

test("a generated repository with errors: the same result with a child process, both sides checking files", async () => {
  const { alone, shared, stats, files } = await bothWays(await generatedRepo());
  assert.equal(stats.reparsed, stats.byChild, "a whole validation parses the child's files here: it needs their bodies");
  assert.ok(!alone.valid && alone.diagnostics.some((d) => d.file === "meshes/mesh-0001/broken.yaml") && alone.diagnostics.some((d) => d.file === "meshes/mesh-0030/broken.yaml"));
  assert.deepEqual(shared, alone);
  assert.ok(stats.byChild > 0, "the child checked files");
  assert.equal(stats.byChild + stats.byParent, files);
});

// A report-only validation (meshops validate): the child sends its files' analyses without bodies, which this process
// takes as they are (it parses none of them).
for (const name of ["schema-errors", "dangling-reference", "kubernetes-identity", "tenancy"]) {
  test(`validation fixture ${name}, report-only: the same result with a child process`, async () => {
    const { alone, shared, stats, files } = await bothWays(fixtureRepo(name), undefined, { reportOnly: true });
    assert.deepEqual(shared, alone);
    assert.ok(stats.byChild > 0, "the child checked files");
    assert.equal(stats.reparsed, 0, "none of the child's files is parsed here");
    assert.equal(stats.byChild + stats.byParent, files);
  });
}

test("a generated repository with errors, report-only: the same result with a child process, which sends analyses", async () => {
  const { alone, shared, stats } = await bothWays(await generatedRepo(), undefined, { reportOnly: true });
  assert.equal(alone.reportOnly, true);
  assert.deepEqual(shared, alone);
  assert.ok(stats.byChild > 0, "the child checked files");
  assert.equal(stats.reparsed, 0, "none of the child's files is parsed here");
});

test("a report-only child that dies after its first report: the rest is checked here, the same result", async () => {
  const dying = fileURLToPath(new URL("./helpers/dyingCheckingChild.js", import.meta.url));
  const { alone, shared, stats, files } = await bothWays(await generatedRepo(), dying, { reportOnly: true });
  assert.deepEqual(shared, alone);
  assert.deepEqual([stats.byChild, stats.byParent], [32, files - 32]);
});

test("a child that dies after its first report: the rest is checked here, the same result", async () => {
  const dying = fileURLToPath(new URL("./helpers/dyingCheckingChild.js", import.meta.url));
  const { alone, shared, stats, files } = await bothWays(await generatedRepo(), dying);
  assert.deepEqual(shared, alone);
  assert.equal(stats.byChild, 32, "the one chunk the child reported is used");
  assert.equal(stats.byParent, files - 32);
});

test("a child that cannot start: everything is checked here, the same result", async () => {
  const { alone, shared, stats, files } = await bothWays(fixtureRepo("schema-errors"), path.join(projectRoot, "no-such-module.js"));
  assert.deepEqual(shared, alone);
  assert.deepEqual([stats.byChild, stats.byParent], [0, files]);
});

test("no child for a small repository, nor without an idle core", () => {
  assert.equal(CheckingChild.start(PARALLEL_MIN_BYTES - 1, { idleCore: true }), undefined);
  assert.equal(CheckingChild.start(PARALLEL_MIN_BYTES, { idleCore: false }), undefined);
  const child = CheckingChild.start(PARALLEL_MIN_BYTES, { idleCore: true });
  assert.ok(child, "a child for a large repository with an idle core");
  child.stop();
  // Two cores: never (the validation alone keeps about 1.5 busy); more: while 1.5 stay free.
  assert.deepEqual([hasIdleCore(2, 0), hasIdleCore(3, 0.2), hasIdleCore(3, 1.6), hasIdleCore(4, 2.4), hasIdleCore(4, 2.6), hasIdleCore(1, 0)], [false, true, false, true, false, false]);
});

test("the CLI bundle's child (dist/src/bundle/checkingChild.js, which the bundled CLI forks) checks files the same way", async () => {
  const bundled = path.join(projectRoot, "dist", "src", "bundle", "checkingChild.js");
  const { alone, shared, stats, files } = await bothWays(await generatedRepo(), bundled);
  assert.deepEqual(shared, alone);
  assert.ok(stats.byChild > 0, "the bundle's child checked files");
  assert.equal(stats.byChild + stats.byParent, files);
});
