import assert from "node:assert/strict";
import { after, test } from "node:test";
import { stringify } from "yaml";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempDir, tempRepo } from "./helpers/git.js";

/**
 * `plan --verbose`: the text plan shows every create's body, not only the first 50 (report/plan.ts createBodies), against
 * the embedded control plane and with --base alike; without it the note says how to see the rest.
 */
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const CREATES = 53;
const bodies = (text: string) => (text.match(/^\s+\+\s*idleTimeout: /gm) ?? []).length;

test("plan --verbose shows every create's body; without it the first 50 and a note naming --verbose", async () => {
  const repo = tempRepo("meshops-plan-verbose-");
  cleanups.push(repo.cleanup);
  const policy = (i: number) => stringify({ type: "MeshTimeout", mesh: "payments", name: `t${i}`, spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: `${i + 1}s` } }] } });
  commitFiles(repo.dir, { "mesh.yaml": stringify({ type: "Mesh", name: "payments", skipCreatingInitialPolicies: ["*"] }) }, "base");
  commitFiles(repo.dir, { "policies.yaml": Array.from({ length: CREATES }, (_, i) => policy(i)).join("---\n") }, "policies");
  const state = tempDir("meshops-plan-verbose-cp-", cleanups);

  // Against the empty control plane the Mesh is a create too, and one of the first 50 bodies.
  for (const { args, shown } of [{ args: ["--base", "HEAD~1"], shown: 50 }, { args: ["--state-dir", state], shown: 49 }]) {
    const terse = await runCli(["plan", ...args], repo.dir);
    assert.equal(terse.code, 2, terse.stderr);
    assert.equal(bodies(terse.stdout), shown, args.join(" "));
    assert.match(terse.stdout, new RegExp(`^… ${CREATES - shown} more creates' bodies not shown \\(--verbose or --format json shows every one\\)$`, "m"), args.join(" "));
    const verbose = await runCli(["plan", ...args, "--verbose"], repo.dir);
    assert.equal(verbose.code, 2, verbose.stderr);
    assert.equal(bodies(verbose.stdout), CREATES, `${args.join(" ")} --verbose: every body`);
    assert.doesNotMatch(verbose.stdout, /not shown/);
  }
});
