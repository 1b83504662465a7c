/**
 * The status server's limits against clients that do not play by the rules (no credentials needed): SSE readers that
 * never read, webhook bodies that are too large, slow or replayed, foreign Host headers, connections that never send
 * a request. The real server on 127.0.0.1, raw sockets where a well-behaved client library would hide the abuse.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import net from "node:net";
import { after, test } from "node:test";
import { fixedToken } from "../src/backend/kumaHttp.js";
import { createLogger } from "../src/daemon/logger.js";
import { DaemonMetrics } from "../src/daemon/metrics.js";
import { startStatusServer, type StatusServer, type StatusServerLimits } from "../src/daemon/server.js";
import type { DaemonStatus } from "../src/daemon/status.js";
import { testStatus } from "./helpers/statusServer.js";
import { signatureOf } from "../src/daemon/webhook.js";
import { waitFor } from "./helpers/daemon.js";
import type { Diagnostic } from "../src/model/diagnostic.js";

const SECRET = "webhook-secret";
const servers: StatusServer[] = [];
const sockets: net.Socket[] = [];
after(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => s.close()));
});

interface Harness {
  readonly server: StatusServer;
  readonly status: DaemonStatus;
  readonly port: number;
  readonly logs: Record<string, unknown>[];
  readonly triggers: string[];
}

async function serve(limits: Partial<StatusServerLimits> = {}, allowedHosts?: readonly string[]): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }) as unknown as { write(s: string): boolean },
    format: "json",
    level: "debug",
  });
  const status = testStatus({ webhook: true });
  const triggers: string[] = [];
  const server = await startStatusServer({
    host: "127.0.0.1",
    port: 0,
    status,
    metrics: new DaemonMetrics({ processMetrics: false }),
    log,
    webhook: { secret: fixedToken(SECRET), branch: "main" },
    reconcileToken: undefined,
    trigger: (t) => triggers.push(t.detail ?? t.kind),
    limits,
    ...(allowedHosts ? { allowedHosts } : {}),
  });
  servers.push(server);
  return { server, status, port: Number(new URL(server.url).port), logs, triggers };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
    sockets.push(socket);
  });
}

/** Resolves with the raw bytes received when the server closes the socket, or fails after `ms`. */
function closedWithin(socket: net.Socket, ms: number, what: string): Promise<string> {
  let received = "";
  socket.on("data", (c: Buffer) => (received += c.toString("latin1")));
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(received);
    const timer = setTimeout(() => reject(new Error(`the server did not close the connection within ${ms} ms: ${what}`)), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/** Resolves with the status line of the first response on `socket`, or fails after `ms`. */
function statusLineWithin(socket: net.Socket, ms: number, what: string): Promise<string> {
  let received = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
    socket.on("data", (c: Buffer) => {
      received += c.toString("latin1");
      const end = received.indexOf("\r\n");
      if (end >= 0) {
        clearTimeout(timer);
        resolve(received.slice(0, end));
      }
    });
  });
}

function bigDiagnostics(count: number): Diagnostic[] {
  return Array.from({ length: count }, (_, i) => ({
    severity: "warning" as const,
    file: `meshes/tenant-${i}.yaml`,
    line: i + 1,
    column: 1,
    resource: `MeshTimeout/tenant-${i}/timeout-${i}`,
    path: "spec.to[0].default.idleTimeout",
    message: `a long enough warning so that the status weighs a few megabytes, number ${i} ${"x".repeat(120)}`,
    rule: "semantic",
  }));
}

test("an SSE client that never reads is dropped once it falls behind; one that reads keeps up", async () => {
  const h = await serve({ eventThrottleMs: 5, eventStallMs: 1_500 });
  const diagnostics = bigDiagnostics(20_000);
  h.status.record({ type: "revision.validated", commit: { commit: "c0", message: "m", author: "a", date: "2026-01-01T00:00:00Z" }, valid: true, diagnostics, kept: "c0" });
  const stalled = await connect(h.port);
  stalled.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n\r\n`);
  stalled.pause(); // never reads: the kernel buffers fill, then the server's (a paused socket never sees the close)

  const reader = await fetch(`http://127.0.0.1:${h.port}/api/events`);
  const body = reader.body?.getReader();
  let received = 0;
  const reading = (async () => {
    for (;;) {
      const chunk = await body?.read();
      if (!chunk || chunk.done) return;
      received += chunk.value.length;
    }
  })();
  for (let i = 1; i <= 40; i++) {
    h.status.record({ type: "revision.validated", commit: { commit: `c${i}`, message: "m", author: "a", date: "2026-01-01T00:00:00Z" }, valid: true, diagnostics, kept: `c${i}` });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await waitFor("the stalled stream to be dropped", () => (h.logs.some((l) => l.event === "events.dropped") ? true : undefined), 10_000);
  assert.ok(received > 3_000_000, `the reading client received ${received} bytes`);
  await body?.cancel();
  await reading.catch(() => undefined);
});

test("webhook: a Content-Length over the cap, or no signature, is refused before the body is read", async () => {
  const h = await serve({ webhookMaxBytes: 1_000_000 });
  const tooLarge = await connect(h.port);
  tooLarge.write(
    `POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: 26000000\r\n\r\n`,
  );
  assert.match(await statusLineWithin(tooLarge, 3_000, "an oversized webhook body"), /^HTTP\/1\.1 413 /);
  const unsigned = await connect(h.port);
  unsigned.write(`POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: push\r\nContent-Length: 500000\r\n\r\n{`);
  assert.match(await statusLineWithin(unsigned, 3_000, "an unsigned webhook"), /^HTTP\/1\.1 401 /);
});

test("webhook: slow bodies beyond the concurrency cap are refused at once (503); each body has a time limit", async () => {
  const h = await serve({ webhookConcurrency: 2, requestTimeoutMs: 1_500 });
  const slow = async () => {
    const socket = await connect(h.port);
    socket.write(`POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: 100000\r\n\r\n{`);
    return socket;
  };
  const held = [await slow(), await slow()];
  await new Promise((resolve) => setTimeout(resolve, 100));
  const third = await slow();
  assert.match(await statusLineWithin(third, 3_000, "a webhook past the concurrency cap"), /^HTTP\/1\.1 503 /);
  // The two slow ones are cut off by the request timeout, not kept forever.
  await Promise.all(held.map((s) => closedWithin(s, 8_000, "a webhook body that never completes")));
});

test("webhook: a delivery ID seen before is refused (409); the first is accepted", async () => {
  const h = await serve();
  const body = JSON.stringify({ ref: "refs/heads/main", after: "0123456789abcdef" });
  const post = (delivery: string) =>
    fetch(`http://127.0.0.1:${h.port}/api/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": delivery, "x-hub-signature-256": signatureOf(SECRET, Buffer.from(body)) },
      body,
    });
  assert.equal((await post("d-1")).status, 202);
  const replay = await post("d-1");
  assert.equal(replay.status, 409);
  assert.match(((await replay.json()) as { error: string }).error, /d-1 was already received/);
  assert.equal((await post("d-2")).status, 202);
  assert.equal(h.triggers.length, 2);
});

test("Host allow-list: a foreign name cannot read the status (DNS rebinding); IP literals, localhost and --allowed-hosts can", async () => {
  const h = await serve({}, ["meshops.example.com"]);
  const get = async (path: string, host: string) => {
    const socket = await connect(h.port);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    return statusLineWithin(socket, 3_000, `${path} with Host ${host}`);
  };
  assert.match(await get("/api/status", "attacker.example"), / 403 /);
  assert.match(await get("/api/events", "attacker.example:5680"), / 403 /);
  assert.match(await get("/api/status", `127.0.0.1:${h.port}`), / 200 /);
  assert.match(await get("/api/status", `localhost:${h.port}`), / 200 /);
  assert.match(await get("/api/status", "[::1]"), / 200 /);
  assert.match(await get("/api/status", "MESHOPS.example.com"), / 200 /);
  // Probes carry whatever Host the prober uses; they reveal nothing.
  assert.match(await get("/healthz", "attacker.example"), / 200 /);
});

test("a connection that never sends a request is closed after the headers timeout; past the connection cap, at once", async () => {
  const h = await serve({ headersTimeoutMs: 500, maxConnections: 3 });
  const idle = await connect(h.port);
  await closedWithin(idle, 5_000, "an idle connection");
  const held = [await connect(h.port), await connect(h.port), await connect(h.port)];
  const extra = await connect(h.port);
  await closedWithin(extra, 2_000, "a connection past the cap");
  for (const s of held) s.destroy();
});
