/**
 * The embedded control plane when its state is damaged or cannot be written: a journal damaged in the middle is a
 * refusal to start that says how to recover (never a silent partial load); `meshops cp --recover` keeps the valid
 * prefix with a copy and a report of the rest; a failing disk (ENOSPC, injected through the store's test seam) makes
 * it unhealthy (503) until a write succeeds again; a non-loopback `cp` needs a token or --insecure.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { JournalDamagedError, openStore, type ControlPlaneStore, type StoreOptions } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { waitFor } from "./helpers/daemon.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-cp-durability-"));
  dirs.push(dir);
  return dir;
}

const timeout = (name: string) => ({
  type: "MeshTimeout",
  mesh: "m",
  name,
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "10s" } }] },
});

async function put(store: ControlPlaneStore, name: string): Promise<void> {
  const outcome = await store.put("MeshTimeout", "m", name, timeout(name));
  assert.ok(outcome.ok, JSON.stringify(outcome));
}

/** A state directory whose journal holds Mesh m and MeshTimeouts t-0..t-5, one record each. */
async function journalWithSixRecords(options: Partial<StoreOptions> = {}): Promise<{ dir: string; journal: string }> {
  const dir = tempDir();
  const store = await openStore({ stateDir: dir, skipMeshCreation: true, ...options });
  await store.put("Mesh", "m", "m", { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] });
  for (let i = 0; i < 6; i++) await put(store, `t-${i}`);
  await store.close();
  const journal = readdirSync(dir).find((f) => f.startsWith("journal-"));
  assert.ok(journal);
  return { dir, journal: path.join(dir, journal) };
}

/** Flips 4 bytes inside the n-th line (0-based) of the journal; returns that line's offset. */
function flipBytesInLine(file: string, n: number): number {
  const data = readFileSync(file);
  let offset = 0;
  for (let i = 0; i < n; i++) offset = data.indexOf(0x0a, offset) + 1;
  for (let i = 20; i < 24; i++) data[offset + i] = (data[offset + i] ?? 0) ^ 0xff;
  writeFileSync(file, data);
  return offset;
}

test("a journal damaged in the middle refuses to load, naming the file, the offset and the recovery command; nothing is changed", async () => {
  const { dir, journal } = await journalWithSixRecords();
  const offset = flipBytesInLine(journal, 3);
  const before = readFileSync(journal);
  const error = await openStore({ stateDir: dir, skipMeshCreation: true }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof JournalDamagedError, String(error));
  assert.ok(error.message.includes(journal), error.message);
  assert.match(error.message, new RegExp(`damaged at byte ${offset}\\b`));
  assert.match(error.message, /3 intact records after the damage/);
  assert.match(error.message, /meshops cp --recover --state-dir /);
  assert.deepEqual(readFileSync(journal), before, "the journal is left as it was");
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes("discarded")), []);

  // Through the CLI: one line, no stack.
  const run = await runCli(["plan", "--state-dir", dir], dir);
  assert.equal(run.code, 1);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test("a damaged last record (a whole line) is refused as well: it was acknowledged", async () => {
  const { dir, journal } = await journalWithSixRecords();
  flipBytesInLine(journal, 6);
  await assert.rejects(openStore({ stateDir: dir, skipMeshCreation: true }), JournalDamagedError);
});

test("meshops cp --recover keeps the valid prefix, copies the rest aside and names what was dropped", async () => {
  const { dir, journal } = await journalWithSixRecords();
  const offset = flipBytesInLine(journal, 3);
  const original = readFileSync(journal);
  const run = await runCli(["cp", "--recover", "--state-dir", dir], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`kept the records before byte ${offset}`));
  assert.match(run.stderr, /3 intact records after it: MeshTimeout\/m\/t-3, MeshTimeout\/m\/t-4, MeshTimeout\/m\/t-5\)/);
  const copy = readdirSync(dir).find((f) => f.includes(".discarded-"));
  assert.ok(copy, readdirSync(dir).join(", "));
  assert.ok(run.stderr.includes(path.join(dir, copy)));
  assert.deepEqual(readFileSync(path.join(dir, copy)), original.subarray(offset), "the copy holds every dropped byte");
  assert.equal(statSync(journal).size, offset);

  const store = await openStore({ stateDir: dir, skipMeshCreation: true });
  try {
    assert.deepEqual(store.loadWarnings, []);
    assert.ok(await store.get("MeshTimeout", "m", "t-1"));
    assert.equal(await store.get("MeshTimeout", "m", "t-4"), undefined);
  } finally {
    await store.close();
  }
  const again = await runCli(["cp", "--recover", "--state-dir", dir], dir);
  assert.match(again.stderr, /nothing to recover/);
});

test("a torn last write is cut off with a copy and a message", async () => {
  const { dir, journal } = await journalWithSixRecords();
  const size = statSync(journal).size;
  writeFileSync(journal, Buffer.concat([readFileSync(journal), Buffer.from('0badc0de {"ops":[{"put":{"type":"Mesh","na')]));
  const warnings: string[] = [];
  const store = await openStore({ stateDir: dir, skipMeshCreation: true, onWarning: (w) => warnings.push(w) });
  try {
    assert.ok(await store.get("MeshTimeout", "m", "t-5"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /interrupted and never acknowledged; it was cut off and copied to .*\.discarded-/);
    assert.equal(statSync(journal).size, size);
  } finally {
    await store.close();
  }
});

test("ENOSPC makes the control plane unhealthy (GET / 503, writes 503, reported once); it heals when a write succeeds", async () => {
  const dir = tempDir();
  let diskFull = false;
  const events: string[] = [];
  const store = await openStore({
    stateDir: dir,
    skipMeshCreation: true,
    health: {
      retryMs: 50,
      beforeWrite: () => {
        if (diskFull) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
      onUnhealthy: (e) => events.push(`unhealthy: ${e.message}`),
      onHealthy: () => events.push("healthy"),
    },
  });
  const server = await startControlPlaneServer({ store, port: 0 });
  const request = (method: string, urlPath: string, body?: unknown) =>
    fetch(server.url + urlPath, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  try {
    assert.equal((await request("PUT", "/meshes/m", { type: "Mesh", name: "m", skipCreatingInitialPolicies: ["*"] })).status, 201);
    diskFull = true;
    const failed = await request("PUT", "/meshes/m/meshtimeouts/t-1", timeout("t-1"));
    assert.equal(failed.status, 503);
    assert.match(((await failed.json()) as { detail: string }).detail, /ENOSPC/);
    const index = await request("GET", "/");
    assert.equal(index.status, 503);
    assert.equal((await request("PUT", "/meshes/m/meshtimeouts/t-2", timeout("t-2"))).status, 503, "refused while unhealthy");
    await new Promise((resolve) => setTimeout(resolve, 200)); // a few failed retries
    assert.equal(events.filter((e) => e.startsWith("unhealthy")).length, 1, events.join("\n"));
    assert.match(events[0] ?? "", /ENOSPC/);

    diskFull = false;
    await waitFor("the control plane to heal", async () => ((await request("GET", "/")).status === 200 ? true : undefined), 5_000);
    assert.deepEqual(events.slice(1), ["healthy"]);
    assert.equal((await request("PUT", "/meshes/m/meshtimeouts/t-2", timeout("t-2"))).status, 201);
    // The write that was answered 503 stayed in memory and was written by the retry: its outcome was "not yet".
    assert.equal((await request("GET", "/meshes/m/meshtimeouts/t-1")).status, 200);
  } finally {
    await server.close();
    await store.close();
  }
  const reopened = await openStore({ stateDir: dir, skipMeshCreation: true });
  try {
    assert.ok(await reopened.get("MeshTimeout", "m", "t-1"));
    assert.ok(await reopened.get("MeshTimeout", "m", "t-2"));
    assert.deepEqual(reopened.loadWarnings, []);
  } finally {
    await reopened.close();
  }
});

test("meshops cp on a non-loopback address without a token refuses to start, unless --insecure", async () => {
  const dir = tempDir();
  const refused = await runCli(["cp", "--listen", "0.0.0.0:0", "--state-dir", path.join(dir, "cp")], dir);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refusing to serve the control plane on 0\.0\.0\.0:0 without --token-file.*--insecure/);

  const insecure = spawnCli(["cp", "--listen", "0.0.0.0:0", "--insecure", "--state-dir", path.join(dir, "cp")], dir);
  // Two writes: the address first, then the warning; wait for the second, or the test races the child.
  await waitFor("meshops cp --insecure to listen and warn", () => (/--insecure: no token/.test(insecure.stderr()) ? true : undefined), 15_000);
  assert.match(insecure.stderr(), /API on http:\/\/[^\n]*\n[^\n]*--insecure: no token/);
  insecure.child.kill("SIGTERM");
  const exit = await insecure.exit(10_000);
  assert.equal(exit.code, 0, exit.stderr);
});

test("meshops cp serves a state directory as the version and product it was created as, unless told otherwise", async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, "cp");
  const serve = async (...flags: string[]): Promise<string> => {
    const cp = spawnCli(["cp", "--listen", "127.0.0.1:0", "--state-dir", stateDir, ...flags], dir);
    const url = await waitFor("meshops cp to listen", () => /API on (http:\/\/\S+)/.exec(cp.stderr())?.[1], 15_000);
    const info = (await (await fetch(`${url}/`)).json()) as { version: string; product: string };
    cp.child.kill("SIGTERM");
    assert.equal((await cp.exit(10_000)).code, 0);
    return `${info.product} ${info.version} (${/meshops cp: (.*) API on/.exec(cp.stderr())?.[1] ?? ""})`;
  };
  assert.equal(await serve("--kuma-version", "2.10.11", "--product", "kong-mesh"), "Kong Mesh 2.10.11 (Kong Mesh 2.10.11)");
  // A real control plane runs its version whatever a later command line leaves out: no upgrade to 2.14 by default.
  assert.equal(await serve(), "Kong Mesh 2.10.11 (Kong Mesh 2.10.11)");
  assert.equal(await serve("--kuma-version", "2.12.3"), "Kong Mesh 2.12.3 (Kong Mesh 2.12.3)");
});
