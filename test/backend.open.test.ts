/**
 * One state directory is one control plane: whichever command opens the embedded control plane (`apply`, `plan`,
 * `drift`, `watch`), it emulates the Kuma version the repository's meshops.yaml names. A real Git repository, the CLI
 * in-process, the daemon as a child process serving the embedded control plane over HTTP (--cp-listen).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parseAllDocuments } from "yaml";
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

test("a control plane that skips creating Mesh default (controlPlane.skipDefaultMeshCreation) is emulated so: apply and watch create none", async () => {
  const skipping = tempRepo("meshops-open-skip-");
  try {
    commitFiles(skipping.dir, { "meshops.yaml": "controlPlane:\n  skipDefaultMeshCreation: true\n", "meshes/shop/mesh.yaml": mesh("shop") });
    const meshesIn = async (stateDir: string): Promise<string[]> => {
      const out = path.join(work, `export-${path.basename(stateDir)}`);
      const exported = await runCli(["export", "--state-dir", stateDir, "--out", out], work);
      assert.equal(exported.code, 0, exported.stderr);
      // Every file export wrote, unmanaged/ included: what the control plane holds.
      const files = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml") && f !== "meshops.yaml");
      const documents = files.flatMap((f) => parseAllDocuments(readFileSync(path.join(out, f), "utf8")).map((d) => d.toJS() as { type?: string; name?: string }));
      return documents.filter((d) => d.type === "Mesh").map((d) => d.name ?? "");
    };
    const applied = path.join(work, "cp-skip-apply");
    const apply = await runCli(["apply", "--repo", skipping.dir, "--state-dir", applied], work);
    assert.equal(apply.code, 0, apply.stderr);
    assert.deepEqual(await meshesIn(applied), ["shop"]);

    const watched = path.join(work, "cp-skip-watch");
    const daemon = await startWatch(["--repo", skipping.dir, "--branch", "main", "--state-dir", watched, "--drift-interval", "1h"], { cwd: work });
    const head = git(skipping.dir, "rev-parse", "HEAD");
    await waitFor("the head applied", async () => ((await daemon.status()).revision.applied?.commit === head ? true : undefined));
    daemon.child.kill("SIGTERM");
    assert.equal((await exitWithin(daemon, 10_000)).code, 0);
    assert.deepEqual(await meshesIn(watched), ["shop"]);
  } finally {
    skipping.cleanup();
  }
});
