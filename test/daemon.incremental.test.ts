/**
 * `meshops watch` end to end once its live-state cache is primed: the daemon as a child process with a drift interval
 * too long to matter, sample-repo in a real Git repository, the embedded control plane over HTTP in this process.
 * After the startup's full comparison, commits are planned incrementally (no list of the control plane) and applied
 * correctly: a separate `meshops plan` and `meshops drift`, which compare everything, find nothing left to do.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { exitWithin, startWatch, type DaemonProcess } from "./helpers/daemon.js";
import { daemonTestBed, untilApplied } from "./helpers/daemonBed.js";
import { commitFiles, commitFolder, git, projectRoot } from "./helpers/git.js";

const bed = daemonTestBed("meshops-daemon-incremental");
const repo = bed.repo;
let daemon: DaemonProcess;

const get = async (apiPath: string) => {
  const res = await bed.cp(apiPath);
  return res.status === 404 ? undefined : ((await res.json()) as Record<string, unknown>);
};
const applied = (commit: string) => untilApplied(daemon, commit);
const planOf = (commit: string) =>
  daemon.untilLog(`the plan of ${commit.slice(0, 12)}`, (e) => e.event === "plan.done" && e.revision === commit, 5_000) as Promise<{ mode: string; planned: number }>;

function edit(file: string, from: string, to: string): string {
  const text = readFileSync(path.join(repo.dir, file), "utf8");
  assert.ok(text.includes(from), `${file} has ${from}`);
  return text.replace(from, to);
}

before(async () => {
  await bed.open();
  commitFolder(repo.dir, path.join(projectRoot, "sample-repo"), "sample repository");
  daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--cp-url", bed.server.url, "--drift-interval", "1h", "--log-level", "debug"], { cwd: bed.work });
});

test("after the startup's full comparison, commits are planned incrementally and applied exactly", async () => {
  const head = git(repo.dir, "rev-parse", "HEAD");
  await applied(head);
  assert.equal((await planOf(head)).mode, "full");

  // One commit touching three meshes: a changed policy, a new file, and a Mesh whose skip list no longer skips MeshRetry.
  const policy = "type: MeshTimeout\nname: extra\nmesh: edge\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 3m\n";
  const first = commitFiles(
    repo.dir,
    {
      "meshes/analytics/baseline.yaml": edit("meshes/analytics/baseline.yaml", "requestTimeout: 5m", "requestTimeout: 6m"),
      "meshes/edge/extra.yaml": policy,
      "meshes/payments/mesh.yaml": edit("meshes/payments/mesh.yaml", "    - MeshRetry\n", ""),
    },
    "three meshes",
  );
  await applied(first);
  const plan = await planOf(first);
  assert.equal(plan.mode, "incremental");
  assert.ok(plan.planned < 10, `planned ${plan.planned} resources`);
  const outbound = (await get("/meshes/analytics/meshtimeouts/analytics-outbound-timeouts.kuma-system")) as { spec: { to: { default: { http: { requestTimeout: string } } }[] } };
  assert.equal(outbound.spec.to[0]?.default.http.requestTimeout, "6m0s");
  assert.ok(await get("/meshes/edge/meshtimeouts/extra"));
  assert.ok(await get("/meshes/payments/meshretries/mesh-retry-all-payments"), "the default no longer skipped is created");

  // A second commit on top of the first (the cache now holds what the first one wrote).
  const second = commitFiles(repo.dir, { "meshes/edge/extra.yaml": policy.replace("3m", "4m") }, "edit extra");
  await applied(second);
  assert.equal((await planOf(second)).mode, "incremental");
  assert.equal(((await get("/meshes/edge/meshtimeouts/extra")) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout, "4m0s");

  // Compared from scratch by another process: nothing to write, no drift.
  const planned = await runCli(["plan", "--format", "json", "--cp-url", bed.server.url], repo.dir);
  assert.equal(planned.code, 0, planned.stderr);
  const summary = (JSON.parse(planned.stdout) as { summary: Record<string, number> }).summary;
  assert.deepEqual({ ...summary, unchanged: 0 }, { create: 0, update: 0, delete: 0, unchanged: 0 });
  const drift = await runCli(["drift", "--cp-url", bed.server.url], repo.dir);
  assert.equal(drift.code, 0, drift.stdout + drift.stderr);
  const status = await daemon.status();
  assert.ok(status.meshes.every((m) => m.state === "in-sync"), JSON.stringify(status.meshes.map((m) => [m.name, m.state])));
});

test("SIGTERM exits 0", async () => {
  daemon.child.kill("SIGTERM");
  const { code } = await exitWithin(daemon, 10_000);
  assert.equal(code, 0, daemon.stderr());
});
