/**
 * `apply --format json > result.json` in CI: whatever stops the apply before its report (a token the control plane
 * refuses, nothing listening, an invalid repository, the prune limits) still leaves valid JSON on stdout saying why,
 * as `plan --format json` does (`{"error": …}`), and a refusal of the plan keeps the change set's shape with `refused`
 * as the other refusals do. The token is never in it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { commitFiles, git, tempDir, tempRepo } from "./helpers/git.js";
import { meshTimeoutFlowYaml } from "./helpers/policies.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const CONFIG = "controlPlane:\n  skipDefaultMeshCreation: true\nprune:\n  maxDeletes: 1\n";
const MESH = "type: Mesh\nname: edge\nskipCreatingInitialPolicies: ['*']\n";

function repoWith(files: Record<string, string>): string {
  const repo = tempRepo("meshops-apply-json-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, files);
  return repo.dir;
}

function parsed(stdout: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    assert.fail(`stdout is not JSON: ${JSON.stringify(stdout)}`);
  }
}

test("apply --format json: a refused token, nothing listening and an invalid repository each print {error} on stdout", async () => {
  const dir = repoWith({ "meshops.yaml": CONFIG, "mesh.yaml": MESH, "t.yaml": meshTimeoutFlowYaml("t", "edge", "20s") });
  const tokenFile = path.join(tempDir("meshops-apply-json-token-", cleanups), "token");
  writeFileSync(tokenFile, "not-the-right-token-3f9a\n");
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const store = await openStore({ stateDir, skipMeshCreation: true });
  const server = await startControlPlaneServer({ store, port: 0, token: "the-right-token" });
  try {
    const refused = await runCli(["apply", "--cp-url", server.url, "--token-file", tokenFile, "--format", "json"], dir);
    assert.equal(refused.code, 1, refused.stderr);
    const report = parsed(refused.stdout);
    assert.match(String(report.error), /refused \(401.*--token-file/, refused.stdout);
    assert.doesNotMatch(refused.stdout + refused.stderr, /not-the-right-token/);
  } finally {
    await server.close();
    await store.close();
  }

  const nobody = await runCli(["apply", "--cp-url", "http://127.0.0.1:9", "--request-timeout", "1s", "--format", "json"], dir);
  assert.equal(nobody.code, 1, nobody.stderr);
  assert.match(String(parsed(nobody.stdout).error), /127\.0\.0\.1:9/);

  commitFiles(dir, { "bad.yaml": "type: MeshTimeout\nname: bad\nmesh: edge\nspec: {bogus: 1}\n" });
  const invalid = await runCli(["apply", "--cp-url", "http://127.0.0.1:9", "--format", "json"], dir);
  assert.equal(invalid.code, 1, invalid.stderr);
  // The problems themselves, as plan --format json prints them (file, line, field), not only that there are some.
  const problems = parsed(invalid.stdout);
  const planned = await runCli(["plan", "--cp-url", "http://127.0.0.1:9", "--format", "json"], dir);
  assert.deepEqual(problems, parsed(planned.stdout));
  assert.equal(problems.valid, false);
  const [problem] = problems.diagnostics as { severity: string; file: string; line: number; path: string }[];
  assert.deepEqual([problem?.severity, problem?.file, problem?.line, problem?.path], ["error", "bad.yaml", 4, "spec"], invalid.stdout);
  assert.match(invalid.stderr, /the repository is invalid; nothing was compared or applied/);
});

test("apply --prune --format json refused by the prune limits: the change set, nothing attempted, and why", async () => {
  const dir = repoWith({
    "meshops.yaml": CONFIG,
    "mesh.yaml": MESH,
    "a.yaml": meshTimeoutFlowYaml("a", "edge", "20s"),
    "b.yaml": meshTimeoutFlowYaml("b", "edge", "20s"),
  });
  await withControlPlaneServer({ skipMeshCreation: true }, async (url) => {
    assert.equal((await runCli(["apply", "--cp-url", url], dir)).code, 0);
    git(dir, "rm", "-q", "a.yaml", "b.yaml");
    git(dir, "commit", "-qm", "drop both");
    const pruned = await runCli(["apply", "--cp-url", url, "--prune", "--yes", "--format", "json"], dir);
    assert.equal(pruned.code, 1, pruned.stderr);
    const report = parsed(pruned.stdout);
    assert.match(String(report.refused), /^refusing to prune: the plan deletes 2 of 3 owned resources \(67%\), more than meshops.yaml prune.maxDeletes 1\./);
    assert.deepEqual(report.summary, { applied: 0, failed: 0, notAttempted: 2 });
    const listed = (await (await fetch(`${url}/meshes/edge/meshtimeouts`)).json()) as { items: { name: string }[] };
    assert.deepEqual(listed.items.map((i) => i.name).sort(), ["a", "b"], "nothing was deleted");
  });
});
