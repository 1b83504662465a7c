/**
 * `plan --base` with the validation cache, when a file unchanged in Git is substituted differently at the two revisions
 * (a Flux Kustomization added, its values changed, or removed): the file's blob is the same on both sides, what Flux
 * applies is not, and the plan must show that change as it does without the cache. Real Git repositories, the CLI
 * in-process, the embedded control plane.
 */
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { loadRepository } from "../src/cli/repository.js";
import { runCli } from "./helpers/cli.js";
import { commitFiles, git, tempDir as temporaryDir, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

const tempDir = (prefix: string) => temporaryDir(prefix, cleanups);

const MESH = "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\n";
/** A route whose header value is a Flux variable: a free string, so the file as written is valid too. */
const ROUTE = `apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata:
  name: route
  namespace: kuma-system
  labels:
    kuma.io/mesh: default
spec:
  targetRef:
    kind: Mesh
  to:
  - targetRef:
      kind: MeshService
      name: web
    rules:
    - matches:
      - path: {type: PathPrefix, value: /}
      default:
        filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set:
            - {name: x-region, value: "\${region}"}
`;
const FLUX = "clusters/prod/payments.yaml";
const flux = (region: string) =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: payments\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./tenants/payments\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      region: ${region}\n`;

/** Each case: the Flux Kustomization at the base and at the head (null: none), and the header value each side sends. */
const CASES = {
  "a Flux Kustomization added": { base: null, head: flux("eu-west"), before: "${region}", after: "eu-west" },
  "the Flux Kustomization's values changed": { base: flux("eu-west"), head: flux("us-east"), before: "eu-west", after: "us-east" },
  "the Flux Kustomization removed": { base: flux("eu-west"), head: null, before: "eu-west", after: "${region}" },
} as const;

/** A repository with the route at the base and, in the only commit after it, the Flux Kustomization changed. */
function repository(kustomization: { readonly base: string | null; readonly head: string | null }): { repo: string; base: string } {
  const repo = tempRepo("meshops-vsubst-");
  cleanups.push(repo.cleanup);
  const base = commitFiles(repo.dir, { "mesh.yaml": MESH, "tenants/payments/route.yaml": ROUTE, ...(kustomization.base ? { [FLUX]: kustomization.base } : {}) }, "base");
  if (kustomization.head) commitFiles(repo.dir, { [FLUX]: kustomization.head }, "head");
  else {
    git(repo.dir, "rm", "-q", FLUX);
    git(repo.dir, "commit", "-q", "-m", "head");
  }
  return { repo: repo.dir, base };
}

const entries = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("validation-"));

function copyOf(cache: string): string {
  const copy = tempDir("meshops-vsubst-copy-");
  cpSync(cache, copy, { recursive: true, preserveTimestamps: true });
  return copy;
}

/** The header value of each side of the route's update in a JSON plan (its diff's removed and added lines). */
function headerValues(stdout: string): { before: string | undefined; after: string | undefined } {
  const plan = JSON.parse(stdout) as { changes: { action: string; resource: string; diff: string }[] };
  const change = plan.changes.find((c) => c.resource === "MeshHTTPRoute/default/route.kuma-system");
  assert.equal(change?.action, "update", stdout);
  const value = (sign: string) => new RegExp(`^\\${sign}\\s+value: (.*)$`, "m").exec(change.diff)?.[1];
  return { before: value("-"), after: value("+") };
}

for (const [name, kustomization] of Object.entries(CASES)) {
  test(`${name}, the file unchanged: plan --base with the cache shows what it shows without`, async () => {
    const { repo, base } = repository(kustomization);
    const args = ["plan", "--base", base, "--format", "json"];
    const uncached = await runCli(args, repo);
    assert.equal(uncached.code, 2, uncached.stderr);
    assert.deepEqual(headerValues(uncached.stdout), { before: kustomization.before, after: kustomization.after });

    // The pull-request check: the base's entry filled by an earlier plan against a control plane.
    const baseOnly = tempDir("meshops-vsubst-cache-");
    const state = path.join(tempDir("meshops-vsubst-cp-"), "cp");
    const filled = await runCli(["plan", "--validation-cache", baseOnly, "--state-dir", state, "--ref", base, "--format", "json"], repo);
    assert.equal(filled.code, 2, filled.stderr);
    assert.equal(entries(baseOnly).length, 1);
    // The head's entry alone (validate keeps a valid head), and both.
    const headOnly = tempDir("meshops-vsubst-cache-");
    const both = copyOf(baseOnly);
    for (const cache of [headOnly, both]) assert.equal((await runCli(["validate", "--validation-cache", cache], repo)).code, 0);
    assert.deepEqual([entries(headOnly).length, entries(both).length], [1, 2]);

    for (const [cache, held] of [[baseOnly, "the base's"], [headOnly, "the head's"], [both, "both"]] as const) {
      const run = await runCli([...args, "--validation-cache", copyOf(cache)], repo);
      assert.deepEqual([run.code, run.stdout, run.stderr], [uncached.code, uncached.stdout, uncached.stderr], `a cache holding ${held} entry`);
    }
  });
}

const io = (repo: string) => ({ stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: repo });
/** The route's header value at HEAD, validated with the cache in `cacheDir`. */
const headerAtHead = async (repo: string, cacheDir: string) => {
  const { result } = await loadRepository({ repo, ref: "HEAD", maxFileSize: 1 << 20 }, io(repo), { cacheDir });
  const route = result.resources.find((r) => r.type === "MeshHTTPRoute" && r.name === "route.kuma-system");
  return /"name":"x-region","value":"([^"]*)"/.exec(JSON.stringify(route?.object))?.[1];
};

test("a file Flux substitutes into with the same values, unchanged, is taken over from the nearest entry like any other; with other values it is not", async () => {
  const { repo, base } = repository({ base: flux("eu-west"), head: flux("eu-west") });
  const cache = tempDir("meshops-vsubst-cache-");
  assert.equal((await runCli(["plan", "--base", base, "--ref", base, "--validation-cache", cache], repo)).code, 0);
  // The base's entry with the substituted value changed: a head that shows it took the file's analysis over.
  const [entry] = entries(cache);
  assert.ok(entry);
  const file = path.join(cache, entry);
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes('"value":"eu-west"'));
  writeFileSync(file, text.replace('"value":"eu-west"', '"value":"eu-tampered"'));
  commitFiles(repo, { "tenants/payments/other.yaml": ROUTE.replace("name: route", "name: other").replace('"${region}"', "fixed") }, "another file");
  assert.equal(await headerAtHead(repo, copyOf(cache)), "eu-tampered");
  // Other values, or none: the file is analyzed as this revision substitutes into it.
  commitFiles(repo, { [FLUX]: flux("us-east") }, "other values");
  assert.equal(await headerAtHead(repo, copyOf(cache)), "us-east");
  git(repo, "rm", "-q", FLUX);
  git(repo, "commit", "-q", "-m", "no Flux Kustomization");
  assert.equal(await headerAtHead(repo, copyOf(cache)), "${region}");
});
