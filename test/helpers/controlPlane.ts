import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore, type StoreOptions } from "../../src/backend/store.js";
import { startControlPlaneServer } from "../../src/cp/server.js";

/** The embedded control plane on an ephemeral 127.0.0.1 port, in a fresh state directory removed afterwards. */
export async function withControlPlaneServer(options: Partial<StoreOptions>, fn: (url: string) => Promise<void>): Promise<void> {
  const stateDir = mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  const store = await openStore({ stateDir, ...options });
  const server = await startControlPlaneServer({ store, port: 0 });
  try {
    await fn(server.url);
  } finally {
    await server.close();
    await store.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
