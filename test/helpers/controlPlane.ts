import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore, type StoreOptions } from "../../src/backend/store.js";
import { startControlPlaneServer } from "../../src/cp/server.js";

/**
 * The embedded control plane on an ephemeral 127.0.0.1 port, in a fresh state directory removed afterwards, or in
 * `options.stateDir` (kept: the caller's, to open it again).
 */
export async function withControlPlaneServer(options: Partial<StoreOptions>, fn: (url: string) => Promise<void>): Promise<void> {
  const stateDir = options.stateDir ?? mkdtempSync(path.join(tmpdir(), "meshops-cp-"));
  const store = await openStore({ ...options, stateDir });
  const server = await startControlPlaneServer({ store, port: 0 });
  try {
    await fn(server.url);
  } finally {
    await server.close();
    await store.close();
    if (options.stateDir === undefined) rmSync(stateDir, { recursive: true, force: true });
  }
}

/** A control plane a whole suite shares: started in `before`, `close()` in `after` (then its state directory goes too). */
export async function suiteControlPlaneServer(options: Partial<StoreOptions>): Promise<{ url: string; close: () => Promise<void> }> {
  let stop: () => void = () => undefined;
  let started: (url: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (started = resolve));
  const done = withControlPlaneServer(options, async (url) => {
    started(url);
    await new Promise<void>((resolve) => (stop = resolve));
  });
  const url = await Promise.race([ready, done.then(() => "")]);
  return {
    url,
    close: async () => {
      stop();
      await done;
    },
  };
}
