/**
 * A resource another meshops instance owns (its `meshops.io/managed-by` label names that instance) is not adopted
 * silently: plan and apply say, on stderr, that applying takes it over from that instance (as Argo CD warns of a
 * resource another Application tracks). Two instances defining the same resource would otherwise rewrite each other's
 * label on every apply, and each one's prune would stop seeing it as its own. A resource nobody owns (made by hand, or
 * by the control plane) is adopted, which is no takeover: plan and apply mark it (test/ownership.adoption.test.ts).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempDir, tempRepo } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const MESH = "type: Mesh\nname: payments\n";
const timeout = (seconds: number) => meshTimeoutYaml("shared-timeout", "payments", `${seconds}s`);

function repoOf(instance: string, files: Record<string, string>, settings = ""): string {
  const repo = tempRepo("meshops-takeover-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "meshops.yaml": `instance: ${instance}\n${settings}`, ...files });
  return repo.dir;
}

test("plan and apply warn that a resource another instance owns is taken over, and only that one", async () => {
  const stateDir = path.join(tempDir("meshops-takeover-state-", cleanups), "state");
  const work = tempDir("meshops-takeover-work-", cleanups);
  // team-a writes the Mesh and the timeout; team-b's repository defines the same timeout, with another value.
  const teamA = repoOf("team-a", { "mesh.yaml": MESH, "timeout.yaml": timeout(30) });
  assert.equal((await runCli(["apply", "--repo", teamA, "--state-dir", stateDir], work)).code, 0);
  const teamB = repoOf("team-b", { "timeout.yaml": timeout(60) }, "externalMeshes:\n  - payments\n");

  const warning = 'meshops: warning: MeshTimeout/payments/shared-timeout is managed by meshops instance "team-a": applying takes it over (its next apply takes it back)';
  const planned = await runCli(["plan", "--repo", teamB, "--state-dir", stateDir], work);
  assert.ok(planned.stderr.split("\n").includes(warning), planned.stderr);
  assert.ok(!planned.stderr.includes("Mesh/payments is managed"), "the Mesh team-b does not define is not its to take");

  const applied = await runCli(["apply", "--repo", teamB, "--state-dir", stateDir], work);
  assert.equal(applied.code, 0, applied.stderr);
  assert.ok(applied.stderr.split("\n").includes(warning), applied.stderr);

  // Now team-b's: team-b planning again has nothing to say, and team-a sees the same warning about team-b.
  const again = await runCli(["plan", "--repo", teamB, "--state-dir", stateDir], work);
  assert.ok(!again.stderr.includes("is managed by meshops instance"), again.stderr);
  const back = await runCli(["plan", "--repo", teamA, "--state-dir", stateDir], work);
  assert.ok(back.stderr.includes('MeshTimeout/payments/shared-timeout is managed by meshops instance "team-b"'), back.stderr);
});

test("the owner's own change gives no takeover warning", async () => {
  const stateDir = path.join(tempDir("meshops-takeover-state-", cleanups), "state");
  const work = tempDir("meshops-takeover-work-", cleanups);
  const mine = repoOf("team-a", { "mesh.yaml": MESH, "timeout.yaml": timeout(30) });
  assert.equal((await runCli(["apply", "--repo", mine, "--state-dir", stateDir], work)).code, 0);
  const edited = repoOf("team-a", { "mesh.yaml": MESH, "timeout.yaml": timeout(45) });
  const planned = await runCli(["plan", "--repo", edited, "--state-dir", stateDir], work);
  assert.equal(planned.code, 2, `exit 2: changes to apply; ${planned.stderr}`);
  assert.ok(planned.stdout.includes("MeshTimeout/payments/shared-timeout"), planned.stdout);
  assert.ok(!planned.stderr.includes("is managed by meshops instance"), planned.stderr);
});

test("past the first 20 takeovers, one line counts the rest", async () => {
  const stateDir = path.join(tempDir("meshops-takeover-state-", cleanups), "state");
  const work = tempDir("meshops-takeover-work-", cleanups);
  const timeouts = (seconds: number) => meshTimeoutYamls(22, seconds);
  const teamA = repoOf("team-a", { "mesh.yaml": MESH, "timeouts.yaml": timeouts(30) });
  assert.equal((await runCli(["apply", "--repo", teamA, "--state-dir", stateDir], work)).code, 0);
  const teamB = repoOf("team-b", { "timeouts.yaml": timeouts(60) }, "externalMeshes:\n  - payments\n");
  const planned = await runCli(["plan", "--repo", teamB, "--state-dir", stateDir], work);
  const lines = planned.stderr.split("\n");
  assert.equal(lines.filter((l) => l.includes('is managed by meshops instance "team-a"')).length, 20, planned.stderr);
  assert.ok(lines.includes("meshops: and 2 more resources managed by another meshops instance"), planned.stderr);
});

function meshTimeoutYamls(count: number, seconds: number): string {
  return Array.from({ length: count }, (_, i) => meshTimeoutYaml(`timeout-${String(i).padStart(2, "0")}`, "payments", `${seconds}s`)).join("---\n");
}
