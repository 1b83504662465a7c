/**
 * The validation cache (`--validation-cache`): real Git repositories, the CLI in-process, the embedded control plane.
 * A warm run must say exactly what a cold one says; an entry is only ever read for the same tree, options and build.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MAX_ENTRIES, validationCacheKey, type ValidationInputs } from "../src/cli/validationCache.js";
import { loadRepository, SharedReads } from "../src/cli/repository.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, projectRoot, tempDir as temporaryDir, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

const tempDir = (prefix: string) => temporaryDir(prefix, cleanups);

const MESH = "type: Mesh\nname: shop\n";
const timeout = (requestTimeout: string) => `type: MeshTimeout
name: to-ledger
mesh: shop
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: MeshService, name: ledger}
      default: {http: {requestTimeout: ${requestTimeout}}}
`;

function repository(): string {
  const repo = tempRepo("meshops-vcache-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "meshops.yaml": "instance: shop\n", "shop/mesh.yaml": MESH, "shop/timeout.yaml": timeout("5s") });
  return repo.dir;
}

const entries = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("validation-"));

test("a warm plan says exactly what a cold one says, and what a plan without the cache says", async () => {
  const repo = repository();
  const cache = tempDir("meshops-vcache-dir-");
  const state = path.join(tempDir("meshops-vcache-cp-"), "cp");
  const plan = ["plan", "--state-dir", state, "--format", "json"];
  const uncached = await runCli(plan, repo);
  const cold = await runCli([...plan, "--validation-cache", cache], repo);
  assert.equal(entries(cache).length, 1);
  const [entry] = entries(cache);
  assert.equal(statSync(path.join(cache, entry ?? "")).mode & 0o777, 0o600);
  const warm = await runCli([...plan, "--validation-cache", cache], repo);
  for (const run of [cold, warm]) {
    assert.equal(run.code, uncached.code);
    assert.equal(run.stdout, uncached.stdout);
    // The online reference check (MeshService ledger is nowhere) comes from the cached references too.
    assert.equal(run.stderr, uncached.stderr);
  }
  assert.match(warm.stderr, /MeshService\/shop\/ledger is defined neither in the repository nor in the control plane/);
  assert.equal(entries(cache).length, 1);
});

test("an entry is read for the same tree only: a changed file misses, an empty commit hits (MESHOPS_VALIDATION_CACHE)", async () => {
  const repo = repository();
  const cache = tempDir("meshops-vcache-dir-");
  const state = path.join(tempDir("meshops-vcache-cp-"), "cp");
  const env = { MESHOPS_VALIDATION_CACHE: cache };
  const plan = ["plan", "--state-dir", state, "--format", "json"];
  assert.equal((await runCli(["apply", "--state-dir", state, "--yes"], repo, env)).code, 0);
  const [entry] = entries(cache);
  assert.ok(entry);
  // The entry is what the run reads: a value changed in it shows up in a plan at the same tree.
  const file = path.join(cache, entry);
  writeFileSync(file, readFileSync(file, "utf8").replace('"requestTimeout":"5s"', '"requestTimeout":"6s"'));
  const tampered = await runCli(plan, repo, env);
  assert.equal(tampered.code, 2);
  assert.match(tampered.stdout, /requestTimeout: 6s/);
  rmSync(file);

  commitFiles(repo, { "shop/timeout.yaml": timeout("7s") });
  const changed = await runCli(plan, repo, env);
  assert.equal(changed.code, 2);
  assert.match(changed.stdout, /requestTimeout: 7s/);
  assert.equal(entries(cache).length, 1);
  git(repo, "commit", "-q", "--allow-empty", "-m", "same tree");
  const sameTree = await runCli(plan, repo, env);
  assert.equal(sameTree.stdout, changed.stdout);
  assert.equal(entries(cache).length, 1);
  // Another option is another key.
  await runCli([...plan, "--exclude", "nothing/**"], repo, env);
  assert.equal(entries(cache).length, 2);
});

test("invalid repositories and damaged entries: nothing is cached, a damaged entry is read as a miss and replaced", async () => {
  const repo = repository();
  const cache = tempDir("meshops-vcache-dir-");
  const state = path.join(tempDir("meshops-vcache-cp-"), "cp");
  const plan = ["plan", "--state-dir", state, "--validation-cache", cache];
  commitFiles(repo, { "shop/broken.yaml": "type: MeshTimeout\nname: broken\nmesh: shop\nspec: {to: 3}\n" });
  assert.equal((await runCli(plan, repo)).code, 1);
  assert.deepEqual(entries(cache), []);

  git(repo, "rm", "-q", "shop/broken.yaml");
  git(repo, "commit", "-q", "-m", "repaired");
  const first = await runCli(plan, repo);
  const [entry] = entries(cache);
  assert.ok(entry);
  writeFileSync(path.join(cache, entry), "{ not json");
  const second = await runCli(plan, repo);
  assert.equal(second.code, first.code);
  assert.equal(second.stdout, first.stdout);
  assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(cache, entry), "utf8")) as unknown);
});

test("the key changes with the build, the tree and every option, and the cache keeps the most recent entries only", async () => {
  const inputs: ValidationInputs = { tree: "a".repeat(40), repoDir: "/r", path: "", maxFileSize: 1024, exclude: [], allowEmpty: false, deprecationsAsErrors: false };
  const key = validationCacheKey("build-1", inputs);
  assert.equal(validationCacheKey("build-1", { ...inputs }), key);
  const others = [
    validationCacheKey("build-2", inputs),
    validationCacheKey("build-1", { ...inputs, tree: "b".repeat(40) }),
    validationCacheKey("build-1", { ...inputs, repoDir: "/other" }),
    validationCacheKey("build-1", { ...inputs, path: "sub" }),
    validationCacheKey("build-1", { ...inputs, maxFileSize: 2048 }),
    validationCacheKey("build-1", { ...inputs, exclude: ["x/**"] }),
    validationCacheKey("build-1", { ...inputs, allowEmpty: true }),
    validationCacheKey("build-1", { ...inputs, deprecationsAsErrors: true }),
  ];
  assert.equal(new Set([key, ...others]).size, others.length + 1);

  const repo = repository();
  const cache = tempDir("meshops-vcache-dir-");
  const state = path.join(tempDir("meshops-vcache-cp-"), "cp");
  for (let i = 0; i < MAX_ENTRIES + 2; i++) {
    commitFiles(repo, { "shop/timeout.yaml": timeout(`${i + 1}s`) });
    await runCli(["plan", "--state-dir", state, "--validation-cache", cache], repo);
  }
  assert.equal(entries(cache).length, MAX_ENTRIES);
});

test("plan --base: the same plan without the cache, writing it, and reading both revisions from it", async () => {
  const repo = repository();
  commitFiles(repo, { "shop/timeout.yaml": timeout("9s") });
  const cache = tempDir("meshops-vcache-dir-");
  const plan = ["plan", "--base", "HEAD~1", "--format", "json"];
  const uncached = await runCli(plan, repo);
  assert.equal(uncached.code, 2);
  assert.match(uncached.stdout, /requestTimeout: 9s/);
  const writing = await runCli([...plan, "--validation-cache", cache], repo);
  assert.equal(entries(cache).length, 2);
  const reading = await runCli([...plan, "--validation-cache", cache], repo);
  for (const run of [writing, reading]) {
    assert.equal(run.code, uncached.code);
    assert.equal(run.stdout, uncached.stdout);
    assert.equal(run.stderr, uncached.stderr);
  }
});

test("two revisions read from the cache share the resources of the files that did not change", async () => {
  const repo = repository();
  commitFiles(repo, { "shop/timeout.yaml": timeout("9s") });
  const cache = tempDir("meshops-vcache-dir-");
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: repo };
  const options = { repo, ref: "HEAD", maxFileSize: 1 << 20 };
  const read = async (shared: SharedReads) => {
    const ref = await loadRepository(options, io, { shared, cacheDir: cache });
    const base = await loadRepository({ ...options, ref: "HEAD~1" }, io, { shared, cacheDir: cache });
    return { ref: ref.result, base: base.result };
  };
  const validated = await read(new SharedReads(repo));
  const cached = await read(new SharedReads(repo));
  assert.equal(entries(cache).length, 2);
  for (const { ref, base } of [validated, cached]) {
    const mesh = (r: typeof ref) => r.resources.find((x) => x.type === "Mesh");
    const policy = (r: typeof ref) => r.resources.find((x) => x.type === "MeshTimeout");
    assert.ok(mesh(ref) && mesh(ref) === mesh(base), "the unchanged file's Mesh is one object");
    assert.notEqual(policy(ref), policy(base));
    assert.deepEqual(ref.serviceReferences.map((s) => s.resource), [policy(ref)]);
  }
  assert.deepEqual(cached.ref.resources, validated.ref.resources);
  assert.deepEqual(cached.base.resources, validated.base.resources);
});

/** The engine's collector (node's own flag, set at run time: the test needs no command-line option). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

test("a result read from the cache lets its entry go: it keeps the files' paths and blobs to read them again, nothing else", async () => {
  const repo = repository();
  const cache = tempDir("meshops-vcache-dir-");
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: repo };
  const options = { repo, ref: "HEAD", maxFileSize: 1 << 20 };
  await loadRepository(options, io, { cacheDir: cache });
  const shared = new SharedReads(repo);
  cleanups.push(() => shared.close());
  const { result } = await loadRepository(options, io, { shared, cacheDir: cache });
  // An entry is as large as the repository's resources, packed (validationCache.ts): the result needs none of it.
  const held = ((): WeakRef<object>[] => {
    const [entry] = [...shared.entries.values()];
    assert.ok(entry, "read from the cache");
    return [new WeakRef(entry), new WeakRef(entry.resources)];
  })();
  shared.entries.clear();
  await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the turn that made it ends
  collectGarbage();
  assert.deepEqual(held.map((ref) => ref.deref() === undefined), [true, true], "the entry is not held by the result");
  assert.deepEqual([...((await result.texts?.read(["shop/mesh.yaml"])) ?? [])], [["shop/mesh.yaml", MESH]], "its texts are still read from Git");
});

test("without the cache too, the base revision is read through the git process SharedReads started: no git is spawned for it", async () => {
  const repo = repository();
  commitFiles(repo, { "shop/timeout.yaml": timeout("9s"), "shop/other.yaml": timeout("1s").replace("to-ledger", "to-other") });
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: repo };
  const options = { repo, ref: "HEAD", maxFileSize: 1 << 20 };
  // A spawn from a process holding a parsed repository copies its page tables: hundreds of ms of CPU at 51k resources.
  const shared = new SharedReads(repo);
  const searchPath = process.env.PATH;
  try {
    const ref = await loadRepository(options, io, { shared });
    process.env.PATH = "/nonexistent"; // from here on, a spawned git would not be found
    const base = await loadRepository({ ...options, ref: "HEAD~1" }, io, { shared });
    assert.equal(base.result.valid, true);
    const policies = (r: typeof ref) => r.result.resources.filter((x) => x.type === "MeshTimeout").map((x) => [x.name, JSON.stringify(x.object.spec)]);
    assert.deepEqual(policies(base), [["to-ledger", JSON.stringify({ targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "MeshService", name: "ledger" }, default: { http: { requestTimeout: "5s" } } }] })]]);
    assert.deepEqual(policies(ref).map(([name]) => name).sort(), ["to-ledger", "to-other"]);
    const mesh = (r: typeof ref) => r.result.resources.find((x) => x.type === "Mesh");
    assert.ok(mesh(ref) && mesh(ref) === mesh(base), "the unchanged file's Mesh is one object");
  } finally {
    process.env.PATH = searchPath;
    shared.close();
  }
});

test("a cache that cannot be written is one note naming why, the plan unchanged", async () => {
  const repo = repository();
  const inTheWay = path.join(tempDir("meshops-vcache-file-"), "cache");
  writeFileSync(inTheWay, "not a folder");
  const state = path.join(tempDir("meshops-vcache-cp-"), "cp");
  const plan = ["plan", "--state-dir", state, "--format", "json"];
  const uncached = await runCli(plan, repo);
  const run = await runCli([...plan, "--validation-cache", inTheWay], repo);
  assert.equal(run.code, uncached.code);
  assert.equal(run.stdout, uncached.stdout);
  const notes = run.stderr.split("\n").filter((line) => line.includes("validation cache"));
  assert.deepEqual(notes, [`meshops: note: the validation cache was not written: ${inTheWay} exists and is not a directory`]);
});

test("a repository holding SOPS-encrypted files is not cached, and one note says why (a newcomer tries sample-repo)", async () => {
  const repo = tempRepo("meshops-vcache-sops-");
  cleanups.push(repo.cleanup);
  const fixtures = path.join(projectRoot, "test", "fixtures", "sops");
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n", "secret.sops.yaml": readFileSync(path.join(fixtures, "secret-universal.sops.yaml"), "utf8") });
  const cache = tempDir("meshops-vcache-dir-");
  const state = path.join(tempDir("meshops-vcache-cp-"), "cp");
  const env = { SOPS_AGE_KEY_FILE: path.join(fixtures, "test-age-key.txt") };
  const plan = ["plan", "--state-dir", state, "--format", "json"];
  const uncached = await runCli(plan, repo.dir, env);
  assert.equal(uncached.code, 2, uncached.stderr);
  for (const run of [await runCli([...plan, "--validation-cache", cache], repo.dir, env), await runCli([...plan, "--validation-cache", cache], repo.dir, env)]) {
    assert.equal(run.code, uncached.code);
    assert.equal(run.stdout, uncached.stdout);
    const notes = run.stderr.split("\n").filter((line) => line.includes("validation cache"));
    assert.deepEqual(notes, ["meshops: note: the validation cache keeps nothing for this revision: secret.sops.yaml is SOPS-encrypted, and a result holding encrypted values is never kept"]);
  }
  assert.deepEqual(entries(cache), []);
});

test("a file Flux substitutes into keeps its warnings' field positions when the result is read from the cache", async () => {
  // A Kubernetes zone's control plane over HTTP, without the MeshService the policy names.
  await withControlPlaneServer({ environment: "kubernetes" }, fluxPlans);
});

/** Plans a repository of a Flux Kustomization's files twice with the cache, against the control plane at `url`. */
async function fluxPlans(url: string): Promise<void> {
  const repo = tempRepo("meshops-vcache-flux-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, {
    "mesh.yaml": "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n",
    "clusters/prod/payments.yaml":
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: payments\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./tenants/payments\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      app: ledger\n      timeout: 10s\n",
    // The reference's `name:` is line 14, column 7; the document starts at line 1. A variable in a flow mapping: the
    // file as written does not even read as the same YAML, only the file as Flux applies it does.
    "tenants/payments/timeouts.yaml":
      "apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ${app}-timeouts\n  namespace: payments\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n  - targetRef:\n      kind: MeshService\n      name: ghost\n    default: {idleTimeout: ${timeout}}\n",
  });
  const cache = tempDir("meshops-vcache-dir-");
  const plan = ["plan", "--cp-url", url, "--format", "json", "--validation-cache", cache];
  const cold = await runCli(plan, repo.dir);
  assert.equal(entries(cache).length, 1, cold.stderr);
  const warm = await runCli(plan, repo.dir);
  const unknown = (stderr: string) => stderr.split("\n").filter((line) => line.endsWith("[unknown-service]"));
  assert.deepEqual(unknown(cold.stderr).map((line) => line.split(": ")[0]), ["tenants/payments/timeouts.yaml:14:7"], cold.stderr);
  assert.deepEqual(unknown(warm.stderr), unknown(cold.stderr), "the warm plan reads the file again, as Flux applies it");
  assert.equal(warm.stdout, cold.stdout);
}
