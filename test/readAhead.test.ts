/**
 * The control plane's state read ahead (backend/readAhead.ts): `plan` and `drift` against a --cp-url ask for the
 * listing before they validate the repository, so the two overlap. The embedded control plane over HTTP on 127.0.0.1,
 * recording each request it answers; the CLI in-process, and as a child process where its exit is the question.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, test } from "node:test";
import { KumaHttpBackend } from "../src/backend/kumaHttp.js";
import { readAhead } from "../src/backend/readAhead.js";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { RESOURCE_TYPES, resourceType } from "../src/kuma/types.js";
import { readLiveState } from "../src/sync/live.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { committedRepo, tempDir } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const TIMEOUT = "type: MeshTimeout\nname: t\nmesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 1h\n";

/** The embedded control plane over HTTP, recording `METHOD path` of each request it answers. */
async function recordedControlPlane() {
  const store = await openStore({ stateDir: tempDir("meshops-readahead-cp-", cleanups), skipMeshCreation: false });
  const requests: string[] = [];
  const server = await startControlPlaneServer({
    store,
    port: 0,
    faults: (req) => {
      requests.push(`${req.method} ${(req.url ?? "").split("?")[0]}`);
      return undefined;
    },
  });
  const count = (request: string) => requests.filter((r) => r === request).length;
  return { url: server.url, requests, count, close: async () => (await server.close(), await store.close()) };
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(done(), `timed out waiting for ${what}`);
}

const managed = new Set(RESOURCE_TYPES.map((t) => t.name));
/** Where meshops lists a type: its own catalogue's path (GlobalSecret's older `/global-secrets` is served by every line). */
const listRequest = (t: { name: string; path: string }) => `GET /${resourceType(t.name)?.path ?? t.path}`;

test("the read ahead asks at once for what a comparison reads, answers the first call of each from it, and sends later calls to the control plane", async () => {
  const cp = await recordedControlPlane();
  const backend = new KumaHttpBackend({ baseUrl: cp.url });
  try {
    const ahead = readAhead(backend);
    await until("GET / and the types, before any call", () => cp.count("GET /") === 1 && cp.count("GET /_resources") > 0);
    const types = await ahead.types();
    const lists = types.filter((t) => managed.has(t.name) && t.name !== "Dataplane").map(listRequest);
    assert.ok(lists.length > 20 && lists.includes("GET /meshtimeouts"), lists.join(", "));
    await until("a list of every type", () => lists.every((list) => cp.count(list) === 1));
    assert.equal(cp.count("GET /dataplanes"), 0, "Dataplanes are listed only when meshops.yaml manages them, which is not known yet");
    await ahead.info();

    // What a comparison reads is what was read ahead: nothing more reaches the control plane.
    const asked = cp.requests.length;
    const live = await readLiveState(ahead, { needWrite: false, types });
    assert.ok(live.some((o) => o.type === "Mesh" && o.name === "default"), "the listing is the control plane's");
    assert.equal(cp.requests.length, asked, cp.requests.slice(asked).join(", "));

    // Once taken, a call is the control plane's again: a list after an apply must see what the apply wrote.
    await ahead.list("MeshTimeout");
    await ahead.info();
    await ahead.list("Dataplane");
    assert.deepEqual([cp.count("GET /meshtimeouts"), cp.count("GET /"), cp.count("GET /dataplanes")], [2, 2, 1]);
  } finally {
    await backend.close();
    await cp.close();
  }
});

test("plan, drift and apply against a --cp-url list each type once, through the read ahead; Dataplanes after validation when meshops.yaml manages them", async () => {
  const cp = await recordedControlPlane();
  try {
    const repo = committedRepo({ "meshops.yaml": "resources:\n  dataplanes: true\n", "t.yaml": TIMEOUT }, cleanups);
    const plan = await runCli(["plan", "--cp-url", cp.url], repo);
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /^\+ create MeshTimeout\/default\/t$/m);
    assert.deepEqual([cp.count("GET /"), cp.count("GET /meshes"), cp.count("GET /meshtimeouts"), cp.count("GET /dataplanes")], [1, 1, 1, 1]);
    const drift = await runCli(["drift", "--cp-url", cp.url], repo);
    assert.equal(drift.code, 2, drift.stderr);
    assert.deepEqual([cp.count("GET /"), cp.count("GET /meshtimeouts"), cp.count("GET /dataplanes")], [2, 2, 2]);
    // apply reads ahead too; what it wrote is what the next command's read finds.
    const apply = await runCli(["apply", "--cp-url", cp.url], repo);
    assert.equal(apply.code, 0, apply.stderr);
    assert.equal(cp.count("PUT /meshes/default/meshtimeouts/t"), 1);
    const again = await runCli(["plan", "--cp-url", cp.url], repo);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  } finally {
    await cp.close();
  }
});

test("plan against a control plane that never answers: an invalid repository is reported at once, and the read ahead does not keep the process", { timeout: 60_000 }, async () => {
  const silent = net.createServer(() => undefined); // accepts, reads nothing, answers nothing
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const held: net.Socket[] = [];
  silent.on("connection", (socket) => held.push(socket));
  try {
    const repo = committedRepo({ "t.yaml": TIMEOUT.replace("idleTimeout: 1h", "idleTimeout: soon") }, cleanups);
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const run = spawnCli(["plan", "--cp-url", url, "--request-timeout", "10m"], repo);
    const exit = await run.exit(30_000);
    assert.equal(exit.code, 1, exit.stderr);
    assert.match(exit.stderr, /t\.yaml:\d+:\d+: error: MeshTimeout\/default\/t .*idleTimeout/);
    assert.doesNotMatch(exit.stderr, /control plane|127\.0\.0\.1/);
    assert.ok(held.length > 0, "the read ahead had connected before validation ended");
    // A revision that cannot be read: its error, and nothing keeps the process either.
    const unread = await spawnCli(["plan", "--cp-url", url, "--request-timeout", "10m", "--ref", "no-such-revision"], repo).exit(30_000);
    assert.equal(unread.code, 1, unread.stderr);
    assert.match(unread.stderr, /^meshops: cannot resolve revision "no-such-revision"/m);
  } finally {
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  }
});
