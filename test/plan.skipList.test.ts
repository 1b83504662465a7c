/**
 * `skipCreatingInitialPolicies` is read only when a Mesh is created (FACTS §1.5: "Changing it later has no effect";
 * §1.1: meshManager.Update does not ensure the defaults). Adding it to a Mesh the control plane already has was planned
 * and applied without a word, and the default policies it was meant to prevent kept running. plan and apply now say so,
 * naming them.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { committedRepo, tempDir } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

test("a skip list added to an existing Mesh is warned about, with the default policies that stay", async () => {
  const state = tempDir("meshops-skiplist-", cleanups);
  // The embedded control plane creates Mesh default with its default policies at start, as Kuma does.
  const repo = committedRepo(
    {
      "meshops.yaml": "controlPlane: {version: 2.12.14}\n",
      "default.yaml": "type: Mesh\nname: default\nskipCreatingInitialPolicies: [MeshTimeout, MeshRetry]\n",
    },
    cleanups,
  );
  const plan = await runCli(["plan", "--state-dir", state], repo);
  assert.equal(plan.code, 2, plan.stderr);
  assert.match(plan.stdout, /\+ {2}- MeshTimeout/);
  const warning =
    "meshops: warning: Mesh/default: skipCreatingInitialPolicies acts only when a Mesh is created, so the control plane keeps " +
    "the default policies it made for this one: MeshRetry/default/mesh-retry-all-default, MeshTimeout/default/mesh-gateways-timeout-all-default, " +
    "MeshTimeout/default/mesh-timeout-all-default " +
    "(delete them, or define them in the repository to manage them)";
  assert.ok(plan.stderr.split("\n").includes(warning), plan.stderr);
  // MeshCircuitBreaker is not in the list: its default is not named (the note of what applying adopts names it).
  assert.ok(!plan.stderr.split("\n").some((l) => l.startsWith("meshops: warning:") && l.includes("mesh-circuit-breaker-all-default")), plan.stderr);

  const apply = await runCli(["apply", "--state-dir", state, "--yes"], repo);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  assert.ok(apply.stderr.split("\n").includes(warning), apply.stderr);
  // Applied: the list is the control plane's now, and nothing more is said of it.
  const again = await runCli(["plan", "--state-dir", state], repo);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.doesNotMatch(again.stderr, /skipCreatingInitialPolicies/);
});
