/**
 * `apply` against control planes that misbehave: read-only, stopped answering, dead, and an apply stopped by a
 * signal partway. Whatever happens, apply ends in bounded time with a report of what was applied, failed and not
 * attempted. The real CLI process against servers on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { spawnCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const repo = tempRepo("meshops-apply-hostile-");
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  repo.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const timeout = (mesh: string, name: string) =>
  `type: MeshTimeout\nname: ${name}\nmesh: ${mesh}\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 10s\n`;

commitFiles(repo.dir, { "mesh.yaml": `type: Mesh\nname: default\n---\n${timeout("default", "t1")}` }, "small");

async function controlPlane(options: { readOnly?: boolean } = {}): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-apply-hostile-cp-"));
  dirs.push(dir);
  const store = await openStore({ stateDir: dir, skipMeshCreation: true });
  const server = await startControlPlaneServer({ store, port: 0, ...options });
  cleanups.push(async () => {
    await server.close();
    await store.close();
  });
  return server.url;
}

test("apply against a read-only control plane says so and exits 1 (no unhandled rejection)", async () => {
  const url = await controlPlane({ readOnly: true });
  const run = await spawnCli(["apply", "--cp-url", url], repo.dir).exit(20_000);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /read-only/);
  assert.doesNotMatch(run.stderr, /UnhandledPromiseRejection|at .*\.js:\d+/);
});
