/**
 * The embedded control plane over HTTP, answering each request after a delay: a control plane across a network, or a
 * busy one, for whole-process measurements of `plan` and `drift --cp-url` against it (the embedded one on loopback
 * answers a page of 1,000 resources in milliseconds; a real one takes longer, and that wait is what the read ahead
 * overlaps with validation). Serves a copy of the state directory, so the original stays as it was.
 *   node dist/bench/slowControlPlane.js <state-dir> <port> <delay-ms>
 *   /usr/bin/time node bin/meshops.js plan --repo <repo> --cp-url http://127.0.0.1:<port> --format json >/dev/null
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";

const [stateDir, port, delay] = process.argv.slice(2);
if (!stateDir || !port || !delay) {
  console.error("usage: slowControlPlane.js <state-dir> <port> <delay-ms>");
  process.exit(2);
}
const copy = mkdtempSync(path.join(tmpdir(), "meshops-bench-slow-cp-"));
cpSync(stateDir, copy, { recursive: true });
const store = await openStore({ stateDir: copy, skipMeshCreation: true }); // the state as it is
const delayMs = Number(delay);
const server = await startControlPlaneServer({ store, port: Number(port), faults: async () => (await sleep(delayMs), undefined) });
console.error(`slow control plane: ${server.url}, every answer ${delayMs} ms late (state copied from ${stateDir})`);
const stop = async () => {
  await server.close();
  await store.close();
  rmSync(copy, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
