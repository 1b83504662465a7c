/**
 * Stopping in the middle of an apply, politely (SIGTERM) and not (kill -9), with the daemon's own embedded control
 * plane (state in a folder, as `npm start` runs it): the polite stop exits 0 after the write in flight; after either,
 * a restart converges, with nothing lost and nothing written twice.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { exitWithin, killAll, startWatch, waitFor, type DaemonProcess, type LogEntry } from "./helpers/daemon.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const MESHES = 5;
const POLICIES_PER_MESH = 80;
const repo = tempRepo("meshops-daemon-crash-");
const work = mkdtempSync(path.join(tmpdir(), "meshops-daemon-crash-work-"));
let head = "";

function meshFile(mesh: string): string {
  const docs = [`type: Mesh\nname: ${mesh}\n`];
  for (let i = 0; i < POLICIES_PER_MESH; i++) {
    docs.push(
      `type: MeshTimeout\nname: timeout-${i}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: ${i + 1}m\n`,
    );
  }
  return docs.join("---\n");
}

before(() => {
  const files: Record<string, string> = {};
  for (let m = 0; m < MESHES; m++) files[`mesh-${m}.yaml`] = meshFile(`tenant-${m}`);
  head = commitFiles(repo.dir, files, `${MESHES * POLICIES_PER_MESH} policies`);
});
after(() => {
  killAll();
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Relative --state-dir, resolved against the daemon's working directory, as with `npm start`. */
const watch = () => startWatch(["--repo", repo.dir, "--state-dir", "cp", "--drift-interval", "1h"], { cwd: work });

/** Resolves at the n-th `change.applied` line from now. */
function afterChanges(daemon: DaemonProcess, n: number): Promise<LogEntry> {
  let seen = 0;
  return daemon.untilLog(`${n} applied changes`, (e) => e.event === "change.applied" && ++seen >= n, 20_000);
}

const appliedIn = (daemon: DaemonProcess) =>
  daemon.lines.map((l) => JSON.parse(l) as LogEntry).filter((e) => e.event === "change.applied").map((e) => String(e.resource));

const written: string[] = [];

test("SIGTERM during an apply finishes the writes in flight, skips the rest and exits 0", async () => {
  const daemon = await watch();
  await afterChanges(daemon, 20);
  daemon.child.kill("SIGTERM");
  const { code } = await exitWithin(daemon, 15_000);
  assert.equal(code, 0, daemon.stderr());
  const applied = appliedIn(daemon);
  written.push(...applied);
  const done = daemon.lines.map((l) => JSON.parse(l) as LogEntry).find((e) => e.event === "reconcile.done");
  assert.equal(done?.result, "stopped", JSON.stringify(done));
  assert.ok(Number(done?.skipped) > 0 && applied.length < MESHES * (POLICIES_PER_MESH + 5), `applied ${applied.length}`);
});

test("kill -9 during an apply, then a restart: the rest is applied, nothing twice", async () => {
  const crashed = await watch();
  await afterChanges(crashed, 20);
  crashed.child.kill("SIGKILL");
  const { signal } = await exitWithin(crashed, 5_000);
  assert.equal(signal, "SIGKILL");
  written.push(...appliedIn(crashed));

  // The dead daemon's lock on the state folder is taken over; its last write, if torn, was never acknowledged.
  const daemon = await watch();
  const status = await waitFor(
    "the restarted daemon to converge",
    async () => {
      const s = await daemon.status();
      return s.revision.applied?.commit === head && s.meshes.every((m) => m.state === "in-sync") ? s : undefined;
    },
    20_000,
  );
  // The tenants only: `default`, which the control plane creates, is left out by drift.ignoreUnmanaged's default.
  assert.deepEqual(status.meshes.map((m) => m.name).sort(), Array.from({ length: MESHES }, (_, i) => `tenant-${i}`).sort());
  written.push(...appliedIn(daemon));
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);

  // Nothing written twice: each resource was written (and logged) by one of the three runs, save the writes the kill
  // caught between the write and its log line (at most one per request in flight: those were durable, so the restart
  // found them in place and did not write them again).
  const total = MESHES * (POLICIES_PER_MESH + 5); // policies, the Mesh and its 4 default policies
  const unique = new Set(written);
  assert.equal(written.length, unique.size, "a resource was written twice");
  assert.ok(unique.size <= total && unique.size >= total - 16, `${unique.size} of ${total} resources logged as written`);
});

test("after the crash and restart, the control plane holds exactly the repository: no drift, an empty plan", async () => {
  const drift = await runCli(["drift", "--state-dir", path.join(work, "cp"), "--format", "json"], repo.dir);
  assert.equal(drift.code, 0, drift.stdout + drift.stderr);
  const report = JSON.parse(drift.stdout) as { summary: Record<string, number> };
  assert.deepEqual({ ...report.summary, unmanaged: 0 }, { missing: 0, modified: 0, orphaned: 0, unmanaged: 0 });
  const plan = await runCli(["plan", "--state-dir", path.join(work, "cp"), "--format", "json"], repo.dir);
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  const summary = (JSON.parse(plan.stdout) as { summary: Record<string, number> }).summary;
  assert.deepEqual(summary, { create: 0, update: 0, delete: 0, unchanged: MESHES * (POLICIES_PER_MESH + 5) });
  assert.equal(git(repo.dir, "rev-parse", "HEAD"), head);
});
