import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore, type ControlPlaneStore } from "../../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../../src/cp/server.js";
import { runCli } from "./cli.js";
import { commitFolder, projectRoot, tempRepo } from "./git.js";

export interface SampleControlPlane {
  /** The Git repository applied: sample-repo plus Kubernetes documents in an application namespace. */
  readonly source: { readonly dir: string };
  readonly store: ControlPlaneStore;
  readonly server: ControlPlaneServer;
  close(): Promise<void>;
}

/**
 * sample-repo (its encrypted Secret included) and test/fixtures/export/app-namespace applied (by `meshops apply` over HTTP, with `token`) to a fresh
 * embedded control plane that skips creating the default mesh, as the export tests start from.
 */
export async function sampleControlPlane(token: string, prefix: string): Promise<SampleControlPlane> {
  const source = tempRepo(`${prefix}source-`);
  const stateDir = mkdtempSync(path.join(tmpdir(), `${prefix}cp-`));
  commitFolder(source.dir, path.join(projectRoot, "sample-repo"), "sample-repo");
  commitFolder(source.dir, path.join(projectRoot, "test/fixtures/export/app-namespace"), "application namespace");
  const store = await openStore({ stateDir, skipMeshCreation: true });
  const server = await startControlPlaneServer({ store, port: 0, token });
  const apply = await runCli(["apply", "--cp-url", server.url], source.dir, { MESHOPS_CP_TOKEN: token });
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  return {
    source,
    store,
    server,
    close: async () => {
      await server.close();
      await store.close();
      source.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
