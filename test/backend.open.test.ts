/**
 * One state directory is one control plane: whichever command opens the embedded control plane (`apply`, `plan`,
 * `drift`, `watch`), it emulates the Kuma version the repository's meshops.yaml names. A real Git repository, the CLI
 * in-process, the daemon as a child process serving the embedded control plane over HTTP (--cp-listen).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { exitWithin, killAll, startWatch, waitFor } from "./helpers/daemon.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-open-");
const work = mkdtempSync(path.join(tmpdir(), "meshops-open-work-"));
after(() => {
  killAll();
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const mesh = (name: string) => `type: Mesh\nname: ${name}\n`;

test("watch and apply on one state directory emulate the same Kuma version: the one meshops.yaml names", async () => {
  commitFiles(repo.dir, {
    "meshops.yaml": 'controlPlane:\n  version: "3.0.0"\n',
    "meshes/payments/mesh.yaml": mesh("payments"),
  });
  const stateDir = path.join(work, "cp");

  const applied = await runCli(["apply", "--repo", repo.dir, "--state-dir", stateDir], work);
  assert.equal(applied.code, 0, applied.stderr);
  const afterApply = await runCli(["plan", "--repo", repo.dir, "--state-dir", stateDir, "--format", "json"], work);
  assert.equal(afterApply.code, 0, afterApply.stderr);

  // The daemon on the same state directory, serving it on a port the OS picks; the status names the bound address.
  const daemon = await startWatch(["--repo", repo.dir, "--branch", "main", "--state-dir", stateDir, "--cp-listen", "127.0.0.1:0", "--drift-interval", "1h"], { cwd: work });
  const head = git(repo.dir, "rev-parse", "HEAD");
  const status = await waitFor("the head applied", async () => {
    const s = await daemon.status();
    return s.revision.applied?.commit === head ? s : undefined;
  });
  const cpUrl = (status as unknown as { controlPlane: { url: string } }).controlPlane.url;
  const info = (await (await fetch(cpUrl)).json()) as { version: string };
  assert.equal(info.version, "3.0.0", "watch emulates another version than apply on the same state directory");
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);

  // And what the daemon left is what apply would have: nothing to change.
  const planned = await runCli(["plan", "--repo", repo.dir, "--state-dir", stateDir, "--format", "json"], work);
  assert.equal(planned.code, 0, planned.stderr);
  assert.deepEqual(JSON.parse(planned.stdout), JSON.parse(afterApply.stdout));
});
