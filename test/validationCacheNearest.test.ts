/**
 * The validation cache's nearest entry (validationCache.ts): a revision whose tree is not cached takes over the per-file
 * analysis of the files an entry of the same inputs already holds (a pull request's head, with its base cached). Real
 * Git repositories, the CLI in-process, the embedded control plane: every report must be the one a run without the
 * cache writes, byte for byte.
 */
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { loadRepository } from "../src/cli/repository.js";
import { entryText } from "../src/cli/validationCache.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, git, tempDir as temporaryDir, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

const tempDir = (prefix: string) => temporaryDir(prefix, cleanups);

const timeout = (name: string, target: string, value: string) => `type: MeshTimeout
name: ${name}
mesh: shop
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: ${target}}
      default: {connectionTimeout: ${value}}
`;

/**
 * A base with what per-file analysis leaves behind of every sort: a warning (deprecation), an info item and a
 * document of another API (dp.yaml), a reference the repository-wide checks follow into another file (to-ext.yaml).
 */
const BASE: Record<string, string> = {
  "meshops.yaml": "instance: shop\n",
  "shop/mesh.yaml": "type: Mesh\nname: shop\n",
  "shop/inbound.yaml": "type: MeshTimeout\nname: inbound\nmesh: shop\nspec:\n  targetRef: {kind: Mesh}\n  from:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: 20s}\n",
  "shop/dp.yaml":
    "type: Dataplane\nmesh: shop\nname: dp-1\nnetworking:\n  address: 10.0.0.1\n  inbound:\n    - port: 8080\n      tags: {kuma.io/service: web}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata: {a: b}\n",
  "shop/ext.yaml": "type: MeshExternalService\nname: ext\nmesh: shop\nspec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n  endpoints:\n    - address: example.com\n      port: 443\n",
  "shop/to-ext.yaml": timeout("to-ext", "MeshExternalService, name: ext", "3s"),
  "shop/to-ledger.yaml": timeout("to-ledger", "MeshService, name: ledger", "5s"),
};

/** Each pull request's head, as a change to the base: files written, and files deleted (null). */
const HEADS: Record<string, Record<string, string | null>> = {
  "one file changed": { "shop/to-ledger.yaml": timeout("to-ledger", "MeshService, name: ledger", "9s") },
  "one file added": { "shop/to-mesh.yaml": timeout("to-mesh", "Mesh", "1s") },
  // The reference in the unchanged to-ext.yaml now dangles: a repository-wide warning positioned in a file taken over.
  "one file deleted": { "shop/ext.yaml": null },
  "meshops.yaml changed": { "meshops.yaml": "instance: shop\ncontrolPlane: {version: \"2.12\"}\n" },
  // Errors in a new file and, through the repository's checks, in unchanged ones (the duplicate's first definition).
  invalid: { "shop/broken.yaml": "type: MeshTimeout\nname: broken\nmesh: shop\nspec: {to: 3}\n", "shop/again.yaml": timeout("to-ext", "Mesh", "2s"), "shop/ext.yaml": null },
};

/** A repository at its base commit; returns the directory and the base's commit id. */
function baseRepository(): { repo: string; base: string } {
  const repo = tempRepo("meshops-vnear-");
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, BASE, "base");
  return { repo: repo.dir, base };
}

/** The head `change` makes of the base, as the repository's only commit after it. */
function headFrom(repo: string, base: string, change: Record<string, string | null>): void {
  git(repo, "reset", "-q", "--hard", base);
  commitHead(repo, change);
}

function commitHead(repo: string, change: Record<string, string | null>): void {
  const written: Record<string, string> = {};
  for (const [file, text] of Object.entries(change)) {
    if (text === null) git(repo, "rm", "-q", file);
    else written[file] = text;
  }
  if (Object.keys(written).length > 0) commitFiles(repo, written, "head");
  else git(repo, "commit", "-q", "-m", "head");
}

const entries = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("validation-"));

/** A cache directory holding the base tree's entry only (as a pull-request job restores it). */
async function baseCache(repo: string, base: string, args: readonly string[] = []): Promise<string> {
  const cache = tempDir("meshops-vnear-cache-");
  const run = await runCli(["plan", "--base", base, "--ref", base, "--validation-cache", cache, ...args], repo);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(entries(cache).length, 1);
  return cache;
}

function copyOf(cache: string): string {
  const copy = tempDir("meshops-vnear-copy-");
  cpSync(cache, copy, { recursive: true, preserveTimestamps: true });
  return copy;
}

for (const [name, change] of Object.entries(HEADS)) {
  test(`a head with ${name}: plan, plan --base and validate (json and text) say what they say without the cache`, async () => {
    const { repo, base } = baseRepository();
    const cache = await baseCache(repo, base);
    commitHead(repo, change);
    const state = path.join(tempDir("meshops-vnear-cp-"), "cp");
    for (const args of [
      ["plan", "--base", base, "--format", "json"],
      ["plan", "--base", base, "--format", "text"],
      ["plan", "--state-dir", state, "--format", "json"],
      ["plan", "--state-dir", state, "--format", "text"],
      ["validate", "--format", "json"],
      ["validate", "--format", "text"],
      ["validate", "--format", "sarif"],
    ]) {
      const uncached = await runCli(args, repo);
      const near = await runCli([...args, "--validation-cache", copyOf(cache)], repo);
      assert.equal(near.code, uncached.code, `${args.join(" ")}: ${near.stderr}`);
      assert.equal(near.stdout, uncached.stdout, args.join(" "));
      assert.equal(near.stderr, uncached.stderr, args.join(" "));
    }
    if (name === "invalid") {
      const uncached = await runCli(["plan", "--base", base, "--format", "json"], repo);
      assert.equal(uncached.code, 1);
      assert.match(uncached.stdout, /"file": "shop\/to-ext\.yaml",\s+"line": 7,/);
      assert.match(uncached.stdout, /"rule": "dataplane-skipped"/);
    }
  });
}

/** The base's entry with to-ledger.yaml's timeout changed (`5s` → `6s`): a run that shows `6s` read the entry. */
function tamper(cache: string): void {
  const [entry] = entries(cache);
  assert.ok(entry);
  const file = path.join(cache, entry);
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes('"connectionTimeout":"5s"'));
  writeFileSync(file, text.replace('"connectionTimeout":"5s"', '"connectionTimeout":"6s"'));
}

const io = (repo: string) => ({ stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: repo });
const ledgerTimeout = async (repo: string, cacheDir: string) => {
  const { result } = await loadRepository({ repo, ref: "HEAD", maxFileSize: 1 << 20 }, io(repo), { cacheDir });
  const policy = result.resources.find((r) => r.name === "to-ledger");
  return JSON.stringify(policy?.object.spec).match(/connectionTimeout":"(\w+)"/)?.[1];
};

test("the unchanged files' analyses are the entry's: what the entry says of a file whose blob is the same is taken over", async () => {
  const { repo, base } = baseRepository();
  const cache = await baseCache(repo, base);
  tamper(cache);
  commitHead(repo, HEADS["one file added"] as Record<string, string>);
  assert.equal(await ledgerTimeout(repo, copyOf(cache)), "6s");
  // The file changed: its own blob is analyzed.
  headFrom(repo, base, { "shop/to-ledger.yaml": timeout("to-ledger", "MeshService, name: ledger", "7s") });
  assert.equal(await ledgerTimeout(repo, copyOf(cache)), "7s");
  // Another meshops.yaml: nothing is taken over.
  headFrom(repo, base, HEADS["meshops.yaml changed"] as Record<string, string>);
  assert.equal(await ledgerTimeout(repo, copyOf(cache)), "5s");
});

test("a damaged entry, or one of other inputs, is not taken over", async () => {
  const { repo, base } = baseRepository();
  const cache = await baseCache(repo, base);
  commitHead(repo, HEADS["one file added"] as Record<string, string>);
  const args = ["plan", "--base", base, "--format", "json"];
  const uncached = await runCli(args, repo);
  const [entry] = entries(cache);
  assert.ok(entry);
  for (const damage of ["{ not json", '{"format":"meshops-validation-cache/v4","family":"x","analyses":3}', "[]", "null"]) {
    const damaged = copyOf(cache);
    writeFileSync(path.join(damaged, entry), damage);
    const run = await runCli([...args, "--validation-cache", damaged], repo);
    assert.deepEqual([run.code, run.stdout, run.stderr], [uncached.code, uncached.stdout, uncached.stderr], damage);
  }
  // The right name and the right shape, but truncated: still a cold validation.
  const truncated = copyOf(cache);
  const text = readFileSync(path.join(cache, entry), "utf8");
  writeFileSync(path.join(truncated, entry), text.slice(0, text.length >> 1));
  const run = await runCli([...args, "--validation-cache", truncated], repo);
  assert.deepEqual([run.code, run.stdout, run.stderr], [uncached.code, uncached.stdout, uncached.stderr]);

  // Of other inputs (--exclude): never read for these, whatever its file is called.
  git(repo, "reset", "-q", "--hard", base);
  const foreign = await baseCache(repo, base, ["--exclude", "nothing/**"]);
  tamper(foreign);
  commitHead(repo, HEADS["one file added"] as Record<string, string>);
  assert.equal(await ledgerTimeout(repo, copyOf(foreign)), "5s");
  const [foreignEntry] = entries(foreign);
  const [ownEntry] = entries(cache);
  assert.ok(foreignEntry && ownEntry);
  const renamed = copyOf(foreign);
  renameSync(path.join(renamed, foreignEntry), path.join(renamed, ownEntry));
  assert.equal(await ledgerTimeout(repo, renamed), "5s");
});

test("the most recently used entry of the same inputs is the one taken over", async () => {
  const { repo, base } = baseRepository();
  const cache = await baseCache(repo, base);
  tamper(cache);
  // A second entry, older in use: the base's is read after it.
  commitHead(repo, { "shop/to-ledger.yaml": timeout("to-ledger", "MeshService, name: ledger", "8s") });
  const other = git(repo, "rev-parse", "HEAD");
  assert.equal((await runCli(["plan", "--base", other, "--ref", other, "--validation-cache", cache], repo)).code, 0);
  assert.equal(entries(cache).length, 2);
  assert.equal((await runCli(["plan", "--base", base, "--ref", base, "--validation-cache", cache], repo)).code, 0);
  headFrom(repo, base, HEADS["one file added"] as Record<string, string>);
  assert.equal(await ledgerTimeout(repo, copyOf(cache)), "6s");
});

test("validate takes the analyses over, and reports what it reports without the cache, at the cached tree too", async () => {
  const { repo, base } = baseRepository();
  const cache = await baseCache(repo, base);
  const uncached = await runCli(["validate", "--format", "json"], repo);
  const warm = await runCli(["validate", "--format", "json", "--validation-cache", copyOf(cache)], repo);
  assert.deepEqual([warm.code, warm.stdout, warm.stderr], [uncached.code, uncached.stdout, uncached.stderr]);
  // Info items too (the cached result has none): validate's report has them.
  assert.match(warm.stdout, /"rule": "dataplane-skipped"/);
  assert.match(warm.stdout, /"rule": "dangling-reference"/);
  // What it reports of an unchanged file is the entry's (a tampered message shows), at the same tree and at a head.
  const [entry] = entries(cache);
  assert.ok(entry);
  const file = path.join(cache, entry);
  writeFileSync(file, readFileSync(file, "utf8").replaceAll("'from' field is deprecated", "'from' field is DEPRECATED"));
  const same = await runCli(["validate", "--validation-cache", copyOf(cache)], repo);
  assert.match(same.stdout, /'from' field is DEPRECATED/);
  commitHead(repo, HEADS["one file changed"] as Record<string, string>);
  const head = await runCli(["validate", "--validation-cache", copyOf(cache)], repo);
  assert.match(head.stdout, /'from' field is DEPRECATED/);
  // A valid head is kept for the plan that follows (the pull-request check: validate, then plan --base).
  const kept = copyOf(cache);
  await runCli(["validate", "--validation-cache", kept], repo);
  assert.equal(entries(kept).length, 2);
});

test("an entry is one JSON document, written in pieces, its long lists one item per line (read a line at a time)", () => {
  const resources = Array.from({ length: 2500 }, (_, i) => (i % 3 === 0 ? { i, s: `a"${i}\n` } : [i, null, "x"]));
  const entry = { format: "f", family: "x", root: "", files: 1, otherDocuments: 0, paths: ["a.yaml"], blobs: ["b"], analyses: [], resources, diagnostics: [], serviceReferences: [] };
  const pieces = [...entryText(entry as unknown as Parameters<typeof entryText>[0])];
  const text = pieces.join("");
  assert.deepEqual(JSON.parse(text), entry);
  assert.ok(pieces.length > 8, `${pieces.length} pieces`);
  const lines = text.split("\n");
  for (const [k, resource] of resources.entries()) assert.ok(lines.includes(`${JSON.stringify(resource)}${k < resources.length - 1 ? "," : ""}`), `resource ${k} on a line of its own`);
});
